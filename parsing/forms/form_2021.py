"""The 2021 form: 国办公开办函〔2021〕30号 (reports for 2021 and later)."""
from __future__ import annotations

from .base import Form, RowDef, SubTable

ID = "2021"
NAME = "2021年版格式（国办公开办函〔2021〕30号）"

APPLICANT_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
COLUMN_GROUPS_三 = {c: ("法人或其他组织" if c in APPLICANT_COLUMNS[1:6] else "") for c in APPLICANT_COLUMNS}
OUTCOME_COLUMNS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
FEE_COLUMN = "本年收费金额（单位：万元）"

R3 = "三、本年度办理结果"
GROUPS_三 = {
    "三": "（三）不予公开",
    "四": "（四）无法提供",
    "五": "（五）不予处理",
    "六": "（六）其他处理",
}


def _sub(group_key: str, items: list[str]) -> list[RowDef]:
    g = GROUPS_三[group_key]
    return [RowDef(f"{R3}/{g}/{it}", it, g, it.split(".", 1)[1]) for it in items]


ROWS_三: tuple[RowDef, ...] = tuple(
    [
        RowDef("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", short="本年新收"),
        RowDef("二、上年结转政府信息公开申请数量", "二、上年结转政府信息公开申请数量", short="上年结转"),
        RowDef(f"{R3}/（一）予以公开", "（一）予以公开", R3, "予以公开"),
        RowDef(f"{R3}/（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
               "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", R3, "部分公开",
               variants=("（二）部分公开",)),
    ]
    + _sub("三", ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”",
                 "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息",
                 "7.属于行政执法案卷", "8.属于行政查询事项"])
    + _sub("四", ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"])
    + _sub("五", ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                 "5.要求行政机关确认或重新出具已获取信息"])
    + _sub("六", ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                 "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                 "3.其他"])
    + [
        RowDef(f"{R3}/（七）总计", "（七）总计", R3, "办理结果总计"),
        RowDef("四、结转下年度继续办理", "四、结转下年度继续办理", short="结转下年度"),
    ]
)
assert len(ROWS_三) == 25

ROWS_四: tuple[RowDef, ...] = (
    RowDef("行政复议", "行政复议", short="行政复议"),
    RowDef("行政诉讼/未经复议直接起诉", "未经复议直接起诉", "行政诉讼", "未经复议直接起诉"),
    RowDef("行政诉讼/复议后起诉", "复议后起诉", "行政诉讼", "复议后起诉"),
)

SUBTABLES_二: tuple[SubTable, ...] = (
    SubTable("第二十条第（一）项", ("规章", "行政规范性文件"), ("本年制发件数", "本年废止件数", "现行有效件数")),
    SubTable("第二十条第（五）项", ("行政许可",), ("本年处理决定数量",)),
    SubTable("第二十条第（六）项", ("行政处罚", "行政强制"), ("本年处理决定数量",)),
    SubTable("第二十条第（八）项", ("行政事业性收费",), (FEE_COLUMN,)),
)

HEADERS = {
    "二": ("信息内容",),
    "三": ("申请人情况", "法人或其他组织", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"),
    "四": ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉"),
}

FORM = Form(
    id=ID,
    name=NAME,
    first_year=2021,
    subtables_二=SUBTABLES_二,
    rows_三=ROWS_三,
    rows_四=ROWS_四,
    columns_三=APPLICANT_COLUMNS,
    columns_四=OUTCOME_COLUMNS,
    column_groups_三=COLUMN_GROUPS_三,
    fingerprints=("本年制发件数", "现行有效件数", "本年收费金额", "逾期未按收费通知要求缴纳费用"),
    headers=HEADERS,
)
