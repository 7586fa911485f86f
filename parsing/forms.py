"""The official forms as data: the 2021 form (国办公开办函〔2021〕30号) and the 2019 trial form.

This module is the one place that knows the official labels. Readers and the matcher use it
to recognise tables, rules refer to its cell ids, and pages take display labels from it.

Naming of cells (what the CLI prints and tests rely on): a cell is ``(table, row, column)``
where ``table`` is ``"二"``, ``"三"`` or ``"四"``, and ``row`` / ``column`` are the official
labels with full-width brackets, outer to inner joined by ``/``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

FORM_2021 = "2021"
FORM_2019 = "2019"
FORM_NAMES = {
    FORM_2021: "2021年版格式（国办公开办函〔2021〕30号）",
    FORM_2019: "2019年试行格式（国办公开办函〔2019〕60号）",
}

TABLES = ("二", "三", "四")
TABLE_TITLES = {
    "二": "主动公开政府信息情况",
    "三": "收到和处理政府信息公开申请情况",
    "四": "政府信息公开行政复议、行政诉讼情况",
}


@dataclass(frozen=True)
class Section:
    number: int
    numeral: str
    heading: str
    # Keyword patterns (on normalised text) that identify the heading; any one suffices.
    keywords: tuple[str, ...]
    variants: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section(1, "一", "一、总体情况", ("总体情况", "概述")),
    Section(2, "二", "二、主动公开政府信息情况", ("主动公开政府信息",)),
    Section(3, "三", "三、收到和处理政府信息公开申请情况",
            ("收到和处理政府信息公开申请", "依申请公开", "收到和处理")),
    Section(4, "四", "四、政府信息公开行政复议、行政诉讼情况",
            ("行政复议", "行政诉讼")),
    Section(5, "五", "五、存在的主要问题及改进情况",
            ("主要问题", "存在问题", "存在的问题", "改进情况", "改进措施"),
            ("五、政府信息公开工作存在的主要问题及改进情况", "五、存在问题及改进情况")),
    Section(6, "六", "六、其他需要报告的事项", ("其他需要报告", "其它需要报告", "需要报告的事项")),
)

# ---------------------------------------------------------------------------
# Table 三 (applications): rows and columns
# ---------------------------------------------------------------------------

APPLICANT_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
COLUMN_GROUPS_三 = {c: ("法人或其他组织" if c in APPLICANT_COLUMNS[1:6] else "") for c in APPLICANT_COLUMNS}

_R3 = "三、本年度办理结果"
_G3 = {
    "三": "（三）不予公开",
    "四": "（四）无法提供",
    "五": "（五）不予处理",
    "六": "（六）其他处理",
}


@dataclass(frozen=True)
class RowDef:
    """One numeric row of a form table.

    ``key`` is the full path label used in output; ``leaf`` the label printed in the row's
    own cell; ``group`` the merged group label above it (if any); ``short`` a short display
    label for charts.
    """

    key: str
    leaf: str
    group: str = ""
    short: str = ""
    variants: tuple[str, ...] = ()


def _sub(group_key: str, items: list[str]) -> list[RowDef]:
    g = _G3[group_key]
    return [RowDef(f"{_R3}/{g}/{it}", it, g, it.split(".", 1)[1]) for it in items]


ROWS_三_2021: tuple[RowDef, ...] = tuple(
    [
        RowDef("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", short="本年新收"),
        RowDef("二、上年结转政府信息公开申请数量", "二、上年结转政府信息公开申请数量", short="上年结转"),
        RowDef(f"{_R3}/（一）予以公开", "（一）予以公开", _R3, "予以公开"),
        RowDef(f"{_R3}/（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
               "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", _R3, "部分公开",
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
        RowDef(f"{_R3}/（七）总计", "（七）总计", _R3, "办理结果总计"),
        RowDef("四、结转下年度继续办理", "四、结转下年度继续办理", short="结转下年度"),
    ]
)
assert len(ROWS_三_2021) == 25

# The trial form has a single （六）其他处理 row instead of three sub-items.
ROW_三_2019_OTHER = RowDef(f"{_R3}/（六）其他处理", "（六）其他处理", _R3, "其他处理")
ROWS_三_2019: tuple[RowDef, ...] = tuple(
    [r for r in ROWS_三_2021 if not r.key.startswith(f"{_R3}/（六）其他处理/")][:-2]
    + [ROW_三_2019_OTHER]
    + list(ROWS_三_2021[-2:])
)
assert len(ROWS_三_2019) == 23

# ---------------------------------------------------------------------------
# Table 四 (reviews and lawsuits)
# ---------------------------------------------------------------------------

OUTCOME_COLUMNS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
ROWS_四: tuple[RowDef, ...] = (
    RowDef("行政复议", "行政复议", short="行政复议"),
    RowDef("行政诉讼/未经复议直接起诉", "未经复议直接起诉", "行政诉讼", "未经复议直接起诉"),
    RowDef("行政诉讼/复议后起诉", "复议后起诉", "行政诉讼", "复议后起诉"),
)

# ---------------------------------------------------------------------------
# Table 二 (第二十条 items): sub-tables each with their own rows and columns
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SubTable:
    caption: str  # e.g. 第二十条第（一）项
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    row_variants: dict = field(default_factory=dict)  # leaf -> tuple of accepted variants


FEE_COLUMN = "本年收费金额（单位：万元）"

SUBTABLES_二_2021: tuple[SubTable, ...] = (
    SubTable("第二十条第（一）项", ("规章", "行政规范性文件"), ("本年制发件数", "本年废止件数", "现行有效件数")),
    SubTable("第二十条第（五）项", ("行政许可",), ("本年处理决定数量",)),
    SubTable("第二十条第（六）项", ("行政处罚", "行政强制"), ("本年处理决定数量",)),
    SubTable("第二十条第（八）项", ("行政事业性收费",), (FEE_COLUMN,)),
)

SUBTABLES_二_2019: tuple[SubTable, ...] = (
    SubTable("第二十条第（一）项", ("规章", "规范性文件"), ("本年新制作数量", "本年新公开数量", "对外公开总数量")),
    SubTable("第二十条第（五）项", ("行政许可", "其他对外管理服务事项"), ("上一年项目数量", "本年增/减", "处理决定数量")),
    SubTable("第二十条第（六）项", ("行政处罚", "行政强制"), ("上一年项目数量", "本年增/减", "处理决定数量")),
    SubTable("第二十条第（八）项", ("行政事业性收费",), ("上一年项目数量", "本年增/减")),
    SubTable("第二十条第（九）项", ("政府集中采购",), ("采购项目数量", "采购总金额")),
)

# 2019 cell -> its 2021 counterpart (table 二). Cells not listed have none.
COUNTERPART_2019_TO_2021 = {
    ("二", "第二十条第（五）项/行政许可", "处理决定数量"): ("二", "第二十条第（五）项/行政许可", "本年处理决定数量"),
    ("二", "第二十条第（六）项/行政处罚", "处理决定数量"): ("二", "第二十条第（六）项/行政处罚", "本年处理决定数量"),
    ("二", "第二十条第（六）项/行政强制", "处理决定数量"): ("二", "第二十条第（六）项/行政强制", "本年处理决定数量"),
}


@dataclass(frozen=True)
class CellDef:
    table: str
    row: str
    column: str
    form: str  # which form this cell belongs to: "2021", or "2019" for cells only the trial form has
    kind: str = "count"  # "count" or "amount"


def _cells_二(subtables, form) -> list[CellDef]:
    out = []
    for st in subtables:
        for r in st.rows:
            for c in st.columns:
                kind = "amount" if c in (FEE_COLUMN, "采购总金额") else "count"
                if c == "本年增/减":
                    kind = "signed"
                out.append(CellDef("二", f"{st.caption}/{r}", c, form, kind))
    return out


def cells_2021() -> list[CellDef]:
    """All 200 cells of the 2021 form, in form order."""
    cells = _cells_二(SUBTABLES_二_2021, FORM_2021)
    cells += [CellDef("三", r.key, c, FORM_2021) for r in ROWS_三_2021 for c in APPLICANT_COLUMNS]
    cells += [CellDef("四", r.key, c, FORM_2021) for r in ROWS_四 for c in OUTCOME_COLUMNS]
    return cells


def cells_2019_only() -> list[CellDef]:
    """Cells that only the 2019 trial form has (listed under their own labels)."""
    cells = _cells_二(SUBTABLES_二_2019, FORM_2019)
    cells = [c for c in cells if (c.table, c.row, c.column) not in COUNTERPART_2019_TO_2021]
    cells += [CellDef("三", ROW_三_2019_OTHER.key, c, FORM_2019) for c in APPLICANT_COLUMNS]
    return cells


ALL_CELLS_2021 = tuple(cells_2021())
assert len(ALL_CELLS_2021) == 200
CELL_KEYS_2021 = frozenset((c.table, c.row, c.column) for c in ALL_CELLS_2021)

# ---------------------------------------------------------------------------
# Version fingerprints
# ---------------------------------------------------------------------------

FINGERPRINTS = {
    FORM_2021: ("本年制发件数", "现行有效件数", "本年收费金额", "逾期未按收费通知要求缴纳费用"),
    FORM_2019: ("本年新制作数量", "对外公开总数量", "其他对外管理服务事项", "上一年项目数量",
                "第二十条第(九)项", "政府集中采购"),
}

# ---------------------------------------------------------------------------
# Label normalisation (used for matching only; output keeps the official labels)
# ---------------------------------------------------------------------------

_WS = re.compile(r"[\s\u3000\u00a0\u2002\u2003\u200b]+")
_NUM_PREFIX = re.compile(r"^(?:[0-9]+[.、．]|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)")

try:  # traditional -> simplified, for mirrors that serve traditional characters
    import opencc as _opencc  # type: ignore

    _T2S = _opencc.OpenCC("t2s")
except Exception:  # pragma: no cover - opencc is in requirements; stay usable without it
    _T2S = None


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """Normalise a label for matching: NFKC (full-width digits/brackets to half-width),
    traditional to simplified, no whitespace, unified dots and quotes."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    if _T2S is not None and any("\u4e00" <= ch <= "\u9fff" for ch in s):
        s = _T2S.convert(s)
    s = _WS.sub("", s)
    s = s.replace("．", ".").replace("。", ".") if re.match(r"^\d+[。．]", s) else s
    s = s.replace("“", '"').replace("”", '"').replace("〞", '"').replace("〝", '"')
    s = s.replace("（", "(").replace("）", ")").replace("：", ":").replace("，", ",")
    s = s.replace("*", "")
    return s


def strip_number(label_norm: str) -> str:
    """Drop a leading item number such as '1.', '(三)', '四、' from a normalised label."""
    return _NUM_PREFIX.sub("", label_norm, count=1)


def row_defs(table: str, form: str = FORM_2021) -> tuple[RowDef, ...]:
    if table == "三":
        return ROWS_三_2021 if form == FORM_2021 else ROWS_三_2019
    if table == "四":
        return ROWS_四
    raise KeyError(table)


def subtables_二(form: str = FORM_2021) -> tuple[SubTable, ...]:
    return SUBTABLES_二_2021 if form == FORM_2021 else SUBTABLES_二_2019


def columns_of(table: str) -> tuple[str, ...]:
    return {"三": APPLICANT_COLUMNS, "四": OUTCOME_COLUMNS}[table]


def short_label(table: str, row: str) -> str:
    """A short display label for a row key (for charts and compact tables)."""
    for r in ROWS_三_2021 + (ROW_三_2019_OTHER,) + ROWS_四:
        if r.key == row:
            return r.short or r.leaf
    return row.split("/")[-1]
