"""The shapes every form version is described in: sections, rows, sub-tables, cells and the form itself."""
from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class RowDef:
    """One numeric row of a form table.

    ``key`` is the full path label used in output; ``leaf`` the label printed in the row's
    own cell; ``group`` the merged group label above it (if any); ``short`` a short display
    label for charts; ``variants`` other printings that mean the same row.
    """

    key: str
    leaf: str
    group: str = ""
    short: str = ""
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubTable:
    caption: str  # e.g. 第二十条第（一）项
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    row_variants: dict = field(default_factory=dict)  # leaf -> tuple of accepted variants


@dataclass(frozen=True)
class CellDef:
    table: str
    row: str
    column: str
    form: str  # which form this cell belongs to: "2021", or "2019" for cells only the trial form has
    kind: str = "count"  # "count", "amount" or "signed"


@dataclass(frozen=True)
class Form:
    """One version of the official form, as data.

    ``rows_三`` / ``rows_四`` are the numeric rows of tables 三 and 四 in form order, ``subtables_二`` the
    sub-tables of table 二; ``columns_三`` / ``columns_四`` the value columns. ``counterparts`` maps a cell
    of this form to its 2021 counterpart (identity for the 2021 form; cells without one are listed under
    their own labels). ``fingerprints`` are strings only this form prints. ``headers`` are other texts the
    form prints inside its tables (column group labels, the 勾稽关系 note).
    """

    id: str
    name: str
    first_year: int
    subtables_二: tuple[SubTable, ...]
    rows_三: tuple[RowDef, ...]
    rows_四: tuple[RowDef, ...]
    columns_三: tuple[str, ...]
    columns_四: tuple[str, ...]
    column_groups_三: dict
    fingerprints: tuple[str, ...]
    headers: dict  # table -> tuple of header texts besides the column labels
    counterparts: dict = field(default_factory=dict)
    sections: tuple[Section, ...] = SECTIONS

    def rows(self, table: str) -> tuple[RowDef, ...]:
        if table == "三":
            return self.rows_三
        if table == "四":
            return self.rows_四
        raise KeyError(table)

    def columns(self, table: str) -> tuple[str, ...]:
        return {"三": self.columns_三, "四": self.columns_四}[table]

    def cells(self) -> list[CellDef]:
        """Every cell of this form, in form order, under this form's own labels."""
        out = []
        for st in self.subtables_二:
            for r in st.rows:
                for c in st.columns:
                    out.append(CellDef("二", f"{st.caption}/{r}", c, self.id, cell_kind(c)))
        out += [CellDef("三", r.key, c, self.id) for r in self.rows_三 for c in self.columns_三]
        out += [CellDef("四", r.key, c, self.id) for r in self.rows_四 for c in self.columns_四]
        return out


AMOUNT_COLUMNS = ("本年收费金额（单位：万元）", "采购总金额")


def cell_kind(column: str) -> str:
    if column in AMOUNT_COLUMNS:
        return "amount"
    if column == "本年增/减":
        return "signed"
    return "count"
