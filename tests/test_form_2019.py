"""A report on the 2019 trial form: recognised, mapped onto the 2021 cells, its own cells listed."""
import math

from parsing import forms, parse_bytes

T = "\t"


def _trial_report() -> str:
    lines = ["某某街道2020年政府信息公开工作年度报告", "一、总体情况", "2020年，本街道……", "二、主动公开政府信息情况"]
    rows_二 = [
        ["第二十条第（一）项"], ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        ["规章", "1", "2", "3"], ["规范性文件", "4", "5", "6"],
        ["第二十条第（五）项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政许可", "7", "-1", "8"], ["其他对外管理服务事项", "9", "0", "10"],
        ["第二十条第（六）项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政处罚", "11", "2", "12"], ["行政强制", "13", "0", "14"],
        ["第二十条第（八）项"], ["信息内容", "上一年项目数量", "本年增/减"],
        ["行政事业性收费", "15", "-2"],
        ["第二十条第（九）项"], ["信息内容", "采购项目数量", "采购总金额"],
        ["政府集中采购", "16", "17.5"],
    ]
    lines += [T.join(r + [""] * (4 - len(r))) for r in rows_二]
    lines += ["", "三、收到和处理政府信息公开申请情况",
              T.join(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "申请人情况"]),
              T.join(["", "", "自然人", "法人或其他组织", "", "", "", "", "总计"]),
              T.join(["", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""])]
    for i, r in enumerate(forms.ROWS_三_2019):
        nums = [str(100 + i * 10 + k) for k in range(7)]
        lines.append(T.join([r.key.split("/")[0] if "/" in r.key else "", r.leaf] + nums))
    lines += ["", "四、政府信息公开行政复议、行政诉讼情况",
              T.join(["行政复议", "", "", "", "", "行政诉讼"]),
              T.join(list(forms.OUTCOME_COLUMNS) + ["未经复议直接起诉", "", "", "", "", "复议后起诉"]),
              T.join([""] * 5 + list(forms.OUTCOME_COLUMNS) * 2),
              T.join(str(x) for x in range(1, 16)),
              "", "五、政府信息公开工作存在的主要问题及改进情况", "问题……改进……",
              "六、其他需要报告的事项", "无。"]
    return "\n".join(lines)


def test_trial_form_recognised_and_mapped():
    rep = parse_bytes(_trial_report().encode(), "trial.txt")
    assert rep.error is None
    assert rep.template == forms.FORM_2019 and rep.year == 2020
    v = rep.values
    get = lambda t, r, c: v[(v.table == t) & (v.row == r) & (v.column == c)].iloc[0]
    # counterparts: 处理决定数量 -> 本年处理决定数量
    assert get("二", "第二十条第（五）项/行政许可", "本年处理决定数量").value == 8
    assert get("二", "第二十条第（六）项/行政强制", "本年处理决定数量").value == 14
    # no counterpart in the 2021 form: null, and the trial cells under their own labels
    assert math.isnan(get("二", "第二十条第（一）项/规章", "本年制发件数").value)
    assert get("二", "第二十条第（一）项/规范性文件", "对外公开总数量").value == 6
    assert get("二", "第二十条第（五）项/行政许可", "本年增/减").value == -1
    assert get("二", "第二十条第（九）项/政府集中采购", "采购总金额").value == 17.5
    # the single （六）其他处理 row: its own cells, and null 2021 sub-items with a note
    other = v[v.row == "三、本年度办理结果/（六）其他处理"]
    assert list(other.value) == [100 + 20 * 10 + k for k in range(7)]
    subs = v[v.row.str.startswith("三、本年度办理结果/（六）其他处理/")]
    assert len(subs) == 21 and subs.value.isna().all()
    assert "PARSE-FORM-2019" in set(rep.notes.rule)
    assert get("三", "四、结转下年度继续办理", "总计").value == 100 + 22 * 10 + 6
    assert get("四", "行政诉讼/复议后起诉", "总计").value == 15
    # every 2021 cell is still listed
    assert len(v[v.form == forms.FORM_2021]) == 200
