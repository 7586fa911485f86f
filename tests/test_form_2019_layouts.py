"""Reports on the 2019 trial form read right in every format (PDF ruled and unruled, HTML as Word and Excel
write it, DOCX), and hybrids (a 2021 report printing part of a table in the trial form's layout) are read
with a note, their numbers kept under the labels printed, and not reported as missing rows."""
import math
import random

import pytest

from parsing import forms, parse_bytes
from parsing.rules import check_report
from tests.pdf_layouts import Layout, build_pdf, form_values, output_key
from tests.test_layouts_html_docx import build_docx, build_html

F19 = forms.FORM_2019


def _builders():
    return {
        "pdf-grid": lambda v: (build_pdf(v, Layout(form=F19), year=2020), "r.pdf"),
        "pdf-no-rules": lambda v: (build_pdf(v, Layout(form=F19, rules="none"), year=2020), "r.pdf"),
        "html-word": lambda v: (build_html(v, excel=False, form=F19, year=2020), "r.html"),
        "html-excel": lambda v: (build_html(v, excel=True, form=F19, year=2020), "r.html"),
        "docx": lambda v: (build_docx(v, split_runs=False, tracked=False, form=F19, year=2020), "r.docx"),
    }


@pytest.mark.parametrize("blank_rate", [0.0, 0.1])
@pytest.mark.parametrize("fmt", list(_builders()))
def test_trial_form_in_every_format(fmt, blank_rate):
    values = form_values(random.Random(3), F19, blank_rate)
    data, name = _builders()[fmt](values)
    rep = parse_bytes(data, name)
    assert rep.error is None, rep.error
    assert rep.template == F19 and rep.year == 2020 and rep.body == "测试镇"
    got = {(r.table, r.row, r.column): r for r in rep.values.itertuples(index=False)}
    for key, v in values.items():
        g = got[output_key(key)]
        if v is None:
            assert math.isnan(g.value), (key, g)
        elif fmt == "pdf-no-rules" and blank_rate:
            assert g.value == v or (math.isnan(g.value) and g.status == "unreadable"), (key, v, g)
        else:
            assert g.value == v, (key, v, g)


def _hybrid_text() -> str:
    """A 2021 report (pipe rows) whose 第二十条第（五）项 keeps the trial form's columns and whose table 三 has
    the trial form's single （六）其他处理 row."""
    rows = ["测试镇2023年政府信息公开工作年度报告", "一、总体情况", "2023年，测试镇主动公开政府信息。", "二、主动公开政府信息情况",
            "第二十条第（一）项 |", "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
            "规章 | 0 | 0 | 0 |", "行政规范性文件 | 2 | 1 | 9 |",
            "第二十条第（五）项 |", "信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |",
            "行政许可 | 30 | -2 | 28 |",
            "第二十条第（六）项 |", "信息内容 | 本年处理决定数量 |", "行政处罚 | 5 |", "行政强制 | 0 |",
            "第二十条第（八）项 |", "信息内容 | 本年收费金额（单位：万元） |", "行政事业性收费 | 0 |",
            "三、收到和处理政府信息公开申请情况",
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |",
            "自然人 | 法人或其他组织 | 总计 |", "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |"]
    for r in forms.ROWS_三_2019:
        label = r.leaf if not r.group else (r.key.split("/")[1] + " | " + r.leaf if r.key.count("/") == 2 else r.leaf)
        rows.append(f"{label} | " + " | ".join(["1", "0", "0", "0", "0", "0", "1"]) + " |")
    rows += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 | 行政诉讼 |",
             "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |",
             "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
             " | ".join(["0"] * 15) + " |", "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"]
    return "\n".join(rows)


def test_hybrid_tables_keep_what_was_printed_with_a_note_and_no_missing_rows():
    rep = parse_bytes(_hybrid_text().encode(), "hybrid.txt")
    assert rep.error is None and rep.template == forms.FORM_2021
    v = rep.values

    def val(t, r, c):
        return v[(v.table == t) & (v.row == r) & (v.column == c)].iloc[0].value

    assert val("二", "第二十条第（五）项/行政许可", "上一年项目数量") == 30  # the trial form's own cells
    assert val("二", "第二十条第（五）项/行政许可", "本年增/减") == -2
    assert val("二", "第二十条第（五）项/行政许可", "本年处理决定数量") == 28  # its 2021 counterpart
    assert val("三", "三、本年度办理结果/（六）其他处理", "总计") == 1
    assert val("二", "第二十条第（一）项/行政规范性文件", "现行有效件数") == 9
    hybrid = rep.notes[rep.notes.rule == "PARSE-HYBRID"]
    assert len(hybrid) == 2, hybrid.message.tolist()
    findings = check_report(rep)
    missing = findings[findings.rule.isin(["STR-03", "STR-04"])]
    assert missing.empty, missing.message.tolist()
    assert not (rep.notes.rule == "PARSE-ROW-MISSING").any(), rep.notes.message.tolist()
