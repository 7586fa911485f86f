"""The checks a provincial reviewer makes, as a table of rules run lazily.

Each :class:`Rule` is one row: a stable id (``STR-01``, ``ARI-03``, ``TXT-06``, ``XYR-01`` …,
following annual-report-form.md §5), a severity, a short Chinese message template, a
description, a scope and a small pure function. :data:`RULES` is the table.

* :func:`check_report` runs every report-scope rule on one :class:`ParsedReport` (and the
  pairwise cross-year rules when ``previous`` is given) and returns one findings frame with
  the columns of :data:`parsing.report.FINDING_COLUMNS`, parse notes first.
* :func:`check_batch` runs the cross-report rules over many reports and returns the same frame
  with leading ``file`` and ``sha256`` columns saying which report each finding is on (always
  the later year of a pair).
* :func:`badge` turns a findings frame into 通过 / 有警告 / 有错误 (or 无法读取 for a file that could not be
  read) with counts by severity: the one badge every page, export and the command line show.

Every rule and every parse note has a short Chinese name (:func:`rule_name`), shown to reviewers in place of the
code; the code stays in tooltips and exports.

A rule that raises becomes a finding of its own (its id, severity ``error``, message
``规则执行出错：…``); a bad report never crashes the run.

Blank cells: a blank, unreadable or missing cell is never counted as 0. An identity with such a
term is **skipped**; the cell itself is reported once by ARI-06 (blank), ARI-13 (unreadable) or
STR-03/04/05 (missing).

Catalogue: ``python -m parsing.rules --catalogue > docs/rules.md``.
"""
from __future__ import annotations

import functools
import math
import operator
import os
import re
import string
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Optional

import numpy as np
import pandas as pd
try:  # pandas internals, used only as a fast path: without them _notes takes pandas' own way
    from pandas._libs.missing import checknull as _checknull  # pd.notna's test of one value of an object column
    from pandas.core.dtypes.cast import maybe_box_native as _box_native  # what to_dict("records") does to a value
except ImportError:  # pragma: no cover - another pandas
    _checknull = _box_native = None

from . import forms
from . import textsim
from .forms import APPLICANT_COLUMNS, FEE_COLUMN, OUTCOME_COLUMNS
from .report import FINDING_COLUMNS, ParsedReport, object_frame

SEVERITIES = ("error", "warning", "info")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
SCOPES = ("report", "batch")
SCOPE_ZH = {"report": "单份报告", "batch": "多份报告（跨年度、跨机关）"}
LOCATION_KEYS = ("table", "row", "column", "section", "expected", "actual")  # _finding writes them in this order
BATCH_COLUMNS = ["file", "sha256"] + FINDING_COLUMNS
RULE_ERROR_MESSAGE = "规则执行出错：{error}"
_ID = re.compile(r"^(STR|ARI|TXT|XYR|PUB)-\d{2}$")

NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六"}
TABLE_SECTION = {"二": 2, "三": 3, "四": 4}

# Official cell names used by the rules (validated against parsing.forms in the tests).
T3 = "三"
R_NEW = "一、本年新收政府信息公开申请数量"
R_CARRY_IN = "二、上年结转政府信息公开申请数量"
R_TOTAL = "三、本年度办理结果/（七）总计"
R_CARRY_OUT = "四、结转下年度继续办理"
C_TOTAL = "总计"
APPLICANTS = APPLICANT_COLUMNS[:6]
T4 = "四"
T4_PARTS = OUTCOME_COLUMNS[:4]
T2 = "二"
R_RULES = "第二十条第（一）项/规章"
R_NORMATIVE = "第二十条第（一）项/行政规范性文件"
C_ISSUED, C_REPEALED, C_IN_FORCE = "本年制发件数", "本年废止件数", "现行有效件数"
R_FEE = "第二十条第（八）项/行政事业性收费"

SIMILARITY_THRESHOLD = 0.9
FEE_YUAN_SUSPECT = 10000  # 万元; a larger fee is probably written in 元


# ---------------------------------------------------------------------------
# The rule table
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One row of the rules table.

    ``check`` is a pure function: for scope ``report`` it takes a :class:`Ctx`; for scope
    ``batch`` either a pair ``(cur: Ctx, prev: Ctx)`` (``pairwise=True``) or a list of
    :class:`Ctx`. It yields dicts whose keys in :data:`LOCATION_KEYS` fill the finding's
    location columns and whose other keys fill the ``message`` template. Batch rules that are
    not pairwise also yield ``"on"``: the index of the report the finding belongs to.
    ``cells`` lists the (table, row, column) cells the rule reads (column ``None`` = any). ``name`` is the
    short Chinese name reviewers see instead of the id.
    """

    id: str
    severity: str
    message: str
    description: str
    scope: str
    check: Callable
    cells: tuple = ()
    basis: str = ""
    pairwise: bool = False
    name: str = ""


_RULES: list[Rule] = []


def rule(id: str, name: str, severity: str, message: str, description: str, *, scope: str = "report",
         cells: Iterable = (), basis: str = "", pairwise: bool = False):
    """Register the decorated function as a rule (appended to :data:`RULES` in order); ``name`` is its short
    Chinese name."""

    def deco(fn):
        _RULES.append(Rule(id, severity, message, description, scope, fn, tuple(cells), basis, pairwise, name))
        return fn

    return deco


# ---------------------------------------------------------------------------
# Context: a report prepared once for all rules
# ---------------------------------------------------------------------------


def _isnan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def expected_cells(form: str) -> list[forms.CellDef]:
    """The cells a report on ``form`` should have (2019 cells named as :mod:`forms` stores them)."""
    if form == forms.FORM_2019:
        cells = [c for c in forms.cells_2019_only() if c.table == T2]
        cells += [forms.CellDef(*key, forms.FORM_2019) for key in forms.COUNTERPART_2019_TO_2021.values()]
        order = {st.caption: i for i, st in enumerate(forms.SUBTABLES_二_2019)}
        cells.sort(key=lambda c: order[c.row.split("/")[0]])
        cells += [forms.CellDef(T3, r.key, c, forms.FORM_2019) for r in forms.ROWS_三_2019 for c in APPLICANT_COLUMNS]
        cells += [forms.CellDef(T4, r.key, c, forms.FORM_2019) for r in forms.ROWS_四 for c in OUTCOME_COLUMNS]
        return cells
    return list(forms.ALL_CELLS_2021)


_EXPECTED = {f: expected_cells(f) for f in (forms.FORM_2021, forms.FORM_2019)}
_TABLE_CELLS = {f: {t: tuple(c for c in cells if c.table == t) for t in {c.table for c in cells}}
                for f, cells in _EXPECTED.items()}
KNOWN_CELLS = frozenset((c.table, c.row, c.column) for f in _EXPECTED.values() for c in f)
KNOWN_ROWS = frozenset((t, r) for t, r, _ in KNOWN_CELLS)


_STRIP_BODY = re.compile(r"人民政府|办事处|\s")
_TITLE_BODY = re.compile(r"^(.*?)(?:\d{4}\s*年度?)?\s*(?:政府)?信息公开工作(?:年度)?报告")
_TOWNSHIP = ("镇", "乡", "街道", "苏木")


def body_name(report: ParsedReport) -> str:
    """The reporting body as printed (``report.body``, else taken from the title)."""
    if report.body:
        return report.body.strip()
    title = re.sub(r"^[#\s]+", "", report.title or "")
    m = _TITLE_BODY.match(title)
    if m:
        name = re.sub(r"\d{4}\s*年度?\s*$", "", m.group(1))
        return re.sub(r"^\s*\d{4}\s*年度?", "", name).strip()
    return ""


def name_key(name: str) -> str:
    """The grouping key of a body's name: normalised, without whitespace, 人民政府 and 办事处."""
    return _STRIP_BODY.sub("", forms.norm(name or ""))


def body_key(report: ParsedReport) -> str:
    """Identity of the body across reports: 官坡镇 and 官坡镇人民政府 are one body.

    Whitespace, 人民政府 and 办事处 are removed (after normalisation), and a leading region name
    (``report.region``) is dropped so 原州区寨科乡 and 寨科乡 of 原州区 match. The store groups
    reports with this same key.
    """
    key = name_key(body_name(report))
    region = name_key(report.region or "")
    if region and key.startswith(region) and len(key) > len(region):
        key = key[len(region):]
    return key


def is_township(report: ParsedReport) -> bool:
    """A 乡镇 or 街道 (body name ends with 镇/乡/街道/苏木, or the title says so)."""
    key = body_key(report)
    if key.endswith(_TOWNSHIP):
        return True
    title = forms.norm(report.title or "")
    return bool(re.search(r"(镇|乡|街道|苏木)(人民政府|政府|办事处)", title))


@functools.lru_cache(maxsize=None)
def _only_other(form: str) -> frozenset:
    """(table, row, column) of the cells of 二 and 三 that the other form has and ``form`` has not."""
    other = forms.FORM_2019 if form == forms.FORM_2021 else forms.FORM_2021
    return frozenset({(c.table, c.row, c.column) for c in forms.cells_2019_only()} if other == forms.FORM_2019 else
                     {(c.table, c.row, c.column) for c in forms.ALL_CELLS_2021 if c.table in (T2, T3)}
                     - {(c.table, c.row, c.column) for c in _EXPECTED[forms.FORM_2019]})


def _as_list(col: pd.Series) -> list:
    """``col.tolist()``: for a column of pyarrow-backed text with NaN for missing (how pandas 3 stores text),
    read through pyarrow (about twenty times faster than pandas' own ``tolist`` of such a column)."""
    dt = col.dtype
    if isinstance(dt, pd.StringDtype) and dt.storage == "pyarrow" and dt.na_value is np.nan:
        return [np.nan if x is None else x for x in col.array.__arrow_array__().to_pylist()]
    return col.tolist()


_CTX_COLUMNS = ("table", "row", "column", "value", "status", "raw", "page")
# the (table, row, column) arrow arrays that values frames share (parsing.extract._key_columns makes them once per
# process and the frames keep them as they are) -> (those arrays, the frame's cell keys (table, row, column))
_CELL_KEYS: dict = {}


def _text_list(arr) -> Optional[list]:
    """``_as_list`` of a column given as its array: a pyarrow-backed text array with NaN for missing read through
    pyarrow, a float64 ndarray by ``tolist``; None for another kind (then the caller takes ``_as_list``)."""
    if type(arr) is np.ndarray:
        return arr.tolist() if arr.dtype == np.float64 else None
    dt = getattr(arr, "dtype", None)
    pa_array = getattr(arr, "_pa_array", None)
    if (pa_array is None or not isinstance(dt, pd.StringDtype) or dt.storage != "pyarrow"
            or dt.na_value is not np.nan):
        return None
    return [np.nan if x is None else x for x in pa_array.to_pylist()]


def _cell_keys(arrays: list) -> Optional[list]:
    """The (table, row, column) keys of a values frame from its first three columns' arrays, remembered for the
    arrow arrays frames share (None where they are not pyarrow-backed text)."""
    pa = [getattr(a, "_pa_array", None) for a in arrays]
    if None in pa:
        return None
    key = tuple(id(a) for a in pa)
    got = _CELL_KEYS.get(key)
    if got is not None and all(x is y for x, y in zip(got[0], pa)):
        return got[1]
    cols = [_text_list(a) for a in arrays]
    if None in cols:
        return None
    share = {}.setdefault  # one str per distinct label (pyarrow gives one per cell): each pickled once
    keys = list(zip(*([share(x, x) for x in col] for col in cols)))
    if len(_CELL_KEYS) >= 64:
        _CELL_KEYS.clear()
    _CELL_KEYS[key] = (pa, keys)  # the arrays held: their ids stay theirs while remembered
    return keys


def _cells_fast(v: pd.DataFrame) -> Optional[dict]:
    """:class:`Ctx`'s cells of a values frame made by the extractor (its columns' arrays taken without a Series
    each, the cell keys shared by frames of the same cells made once): the dict the general way makes, or None
    for a frame of another kind (other dtypes, columns missing, another pandas)."""
    get = getattr(v, "_get_column_array", None)
    names = v.columns.tolist()  # positions looked up in a list: a new frame's index has no hash table yet
    if get is None or len(set(names)) != len(names) or not all(c in names for c in _CTX_COLUMNS):
        return None
    at = [names.index(c) for c in _CTX_COLUMNS]
    arrays = [get(i) for i in at]
    keys = _cell_keys(arrays[:3])
    if keys is None or type(arrays[3]) is not np.ndarray or arrays[3].dtype != np.float64:
        return None
    lists = [_text_list(a) for a in arrays[4:]]
    if None in lists:
        return None
    cells = {}
    for k, val, st, raw, page in zip(keys, arrays[3].tolist(), *lists):
        num = None if val != val else val  # a float64 column: float or NaN
        if st == "corrected":  # a reviewer's hand correction counts as read (or as blank)
            st = "blank" if num is None else "ok"
        cells[k] = (num, st, raw, page)
    return cells


class Ctx:
    """One report prepared for the rules: cell lookup by official name, section texts."""

    def __init__(self, report: ParsedReport):
        self.report = report
        self.form = report.template if report.template in _EXPECTED else forms.FORM_2021
        self.year = report.year
        self.cells: dict[tuple, tuple] = {}
        v = report.values
        if v is not None and len(v):
            fast = _cells_fast(v)
            if fast is not None:
                self.cells = fast
            else:
                cols = [_as_list(v[c]) if c in v.columns else [None] * len(v) for c in _CTX_COLUMNS]
                for t, r, c, val, st, raw, page in zip(*cols):
                    num = None if _isnan(val) else float(val)
                    if st == "corrected":  # a reviewer's hand correction counts as read (or as blank)
                        st = "blank" if num is None else "ok"
                    self.cells[(t, r, c)] = (num, st, raw, page)
        self.expected = _EXPECTED[self.form]
        self.township = is_township(report)
        self.covered = self._hybrid_covered()

    def _hybrid_covered(self) -> set:
        """(table, row, column) of this form's cells that the report prints in the other form's layout
        instead (a 2021 report with the trial form's single （六）其他处理 row, a sub-table of 二 with the
        other form's columns): those are not missing; the parser's PARSE-HYBRID note says what was used."""
        found = {k for k in _only_other(self.form) if k in self.cells and self.cells[k][1] != "missing"}
        covered = set()
        six = forms.ROW_三_2019_OTHER.key
        for t, r, c in found:
            if t == T2:
                cap = r.split("/")[0]
                covered |= {(x.table, x.row, x.column) for x in self.expected if x.table == T2 and x.row.startswith(cap)}
            elif t == T3:
                covered |= {(x.table, x.row, x.column) for x in self.expected
                            if x.table == T3 and (x.row == six or x.row.startswith(six + "/"))}
        return covered

    # cells -------------------------------------------------------------
    def val(self, table: str, row: str, column: str) -> Optional[float]:
        """The number in a cell, or None unless its status is ok."""
        hit = self.cells.get((table, row, column))
        if hit is None or hit[1] != "ok":
            return None
        return hit[0]

    def status(self, table: str, row: str, column: str) -> str:
        hit = self.cells.get((table, row, column))
        return "missing" if hit is None else (hit[1] or "missing")

    def raw(self, table: str, row: str, column: str) -> str:
        hit = self.cells.get((table, row, column))
        return "" if hit is None or hit[2] is None or _isnan(hit[2]) else str(hit[2])

    def table_cells(self, table: str) -> list[forms.CellDef]:
        if self.expected is _EXPECTED.get(self.form):  # the form's own cells: their tables split once
            return list(_TABLE_CELLS[self.form].get(table, ()))
        return [c for c in self.expected if c.table == table]

    def table_statuses(self, table: str) -> list[str]:
        """``[self.status(c.table, c.row, c.column) for c in self.table_cells(table)]``, made once per table
        (several rules walk a table's statuses). Not pickled with the context (:data:`_CTX_UNPICKLED`)."""
        cache = self.__dict__.setdefault("_statuses", {})
        got = cache.get(table)
        if got is None or got[0] is not self.expected:  # made again for a context given cells of its own
            got = cache[table] = (self.expected, [self.status(c.table, c.row, c.column)
                                                  for c in self.table_cells(table)])
        return got[1]

    def rows_三(self) -> tuple:
        return forms.row_defs(T3, self.form)

    def table_found(self, table: str) -> bool:
        tf = self.report.tables_found or {}
        if table in tf:
            return bool(tf[table])
        return any(self.status(c.table, c.row, c.column) != "missing" for c in self.table_cells(table))

    # sections ------------------------------------------------------------
    def section(self, n: int):
        return (self.report.sections or {}).get(n)

    def section_found(self, n: int) -> bool:
        s = self.section(n)
        return bool(s and s.found)

    def section_text(self, n: int) -> str:
        s = self.section(n)
        return (s.text or "") if s and s.found else ""

    def full_text(self) -> str:
        if self.report.text:
            return self.report.text
        return "\n".join(filter(None, [self.report.title or ""] + [self.section_text(n) for n in range(1, 7)]))


def _n(x):
    """A number for display and output: int when whole."""
    if x is None or _isnan(x):
        return None
    f = float(x)
    return int(f) if f.is_integer() else round(f, 6)


@functools.lru_cache(maxsize=32)  # the rules of one report flatten its full text and sections several times each
def _flat(text: str) -> str:
    """NFKC and no whitespace (figures in running text are often split by line breaks)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _cell_label(table: str, row: str, column: Optional[str]) -> str:
    leaf = row.split("/")[-1]
    return f"“{leaf}”行“{column}”列" if column else f"“{leaf}”行"


class _Layout:
    """A table's cells arranged once for :func:`_group_cells`: ``pairs`` the (row, column) of each cell in order,
    ``rows`` each row's columns (rows in order of first appearance), ``columns`` each column's cells (for tables
    三 and 四: in order of first appearance), ``order`` the cells row by row, and ``count`` the number of cells."""

    __slots__ = ("pairs", "rows", "row_sets", "columns", "order", "count")

    def __init__(self, table: str, cells: list):
        self.pairs = [(c.row, c.column) for c in cells]
        rows: dict[str, list[str]] = {}
        for c in cells:
            rows.setdefault(c.row, []).append(c.column)
        self.rows = rows
        self.row_sets = [(r, frozenset((r, c) for c in cs)) for r, cs in rows.items()]
        self.columns = ([(col, frozenset((r, col) for r, cs in rows.items() if col in cs))
                         for col in dict.fromkeys(c.column for c in cells)] if table in (T3, T4) else [])
        self.order = [(r, c) for r, cs in rows.items() for c in cs]
        self.count = len(cells)


_LAYOUTS: dict = {}  # (form, table) -> the _Layout of the form's own cells of the table


def _layout(ctx: Ctx, table: str) -> _Layout:
    """The :class:`_Layout` of ``ctx.table_cells(table)``: made once per form for the form's own cells, each time
    for a context given cells of its own."""
    if ctx.expected is _EXPECTED.get(ctx.form):
        got = _LAYOUTS.get((ctx.form, table))
        if got is None:
            got = _LAYOUTS[(ctx.form, table)] = _Layout(table, ctx.table_cells(table))
        return got
    return _Layout(table, ctx.table_cells(table))


def _group_cells(ctx: Ctx, table: str, flagged: set, covered: frozenset = frozenset()) -> list[dict]:
    """Aggregate flagged (row, column) cells of a table into whole-table, column, row and cell hits.

    ``covered`` cells are reported by another rule (e.g. missing cells for the blank rule): they
    neither need a hit here nor stop a row or column from being reported as a whole.
    """
    if not flagged:
        return []
    lay = _layout(ctx, table)
    n = lay.count
    if len(flagged) == n:
        return [dict(table=table, what="整张表格（全部单元格）", count=n)]
    hits = []
    done: set = set(covered)
    for col, col_all in lay.columns:
        col_cells = col_all - done
        if len(col_cells) > 1 and col_cells <= flagged:
            hits.append(dict(table=table, column=col, what=f"“{col}”列（{len(col_cells)}个单元格）",
                             count=len(col_cells)))
            done |= col_cells
    for r, row_all in lay.row_sets:
        rest = row_all - done
        if len(rest) > 1 and rest <= flagged:
            hits.append(dict(table=table, row=r, what=f"“{r.split('/')[-1]}”行（{len(rest)}个单元格）", count=len(rest)))
            done |= rest
    for rc in lay.order:
        if rc in flagged and rc not in done:
            r, c = rc
            hits.append(dict(table=table, row=r, column=c, what=f"单元格{_cell_label(table, r, c)}", count=1))
    return hits


# ---------------------------------------------------------------------------
# Structure
# ---------------------------------------------------------------------------


@rule("STR-00", "文件无法读取", "error", "文件无法读取：{error}",
      "文件损坏、格式不支持或没有可读内容时，只给出这一条，其余规则不运行。",
      basis="解析器")
def _unreadable_file(ctx: Ctx):
    if ctx.report.error:
        yield dict(error=ctx.report.error)


@rule("STR-01", "缺少章节", "error", "缺少第{numeral}部分“{heading}”",
      "六个部分（一、总体情况 … 六、其他需要报告的事项）都应出现，按标题及其常见变体识别。",
      basis="条例第五十条；国办公开办函〔2021〕30号“不能遗漏”")
def _sections_present(ctx: Ctx):
    for s in forms.SECTIONS:
        if not ctx.section_found(s.number):
            yield dict(section=s.number, numeral=s.numeral, heading=s.heading)


@rule("STR-11", "章节顺序错误", "error", "第{numeral}部分出现在排在它后面的部分之后，六个部分顺序不对",
      "找到的各部分应按一至六的顺序出现（依据解析器记录的顺序标记、文档中的先后及页码）。",
      basis="年度报告格式的部分顺序")
def _sections_in_order(ctx: Ctx):
    found = [(n, s) for n, s in (ctx.report.sections or {}).items() if s and s.found]
    out_of_order = {n for n, s in found if getattr(s, "in_order", True) is False}
    highest = 0
    for n, _ in found:  # where the extractor stores sections in document order
        if n < highest:
            out_of_order.add(n)
        highest = max(highest, n)
    paged = sorted((n, s.page) for n, s in found if s.page is not None)
    for (n1, p1), (n2, p2) in zip(paged, paged[1:]):  # pages must not go backwards
        if p2 < p1:
            out_of_order.add(n2)
    for n in sorted(out_of_order):
        yield dict(section=n, numeral=NUMERALS.get(n, str(n)))


@rule("STR-02", "格式版本与年度不符", "error", "{year}年度报告使用了{used}，应使用{should}",
      "表格格式版本应与报告年度相符：2021年及以后的报告用2021年版格式，2019–2020年的报告用2019年试行格式。",
      basis="国办公开办函〔2021〕30号；怀化市通知")
def _form_fits_year(ctx: Ctx):
    r = ctx.report
    if r.year is None or r.template not in forms.FORM_NAMES:
        return
    should = forms.FORM_2021 if r.year >= 2021 else (forms.FORM_2019 if r.year >= 2019 else None)
    if should and should != r.template:
        yield dict(year=r.year, used=forms.FORM_NAMES[r.template], should=forms.FORM_NAMES[should])


def _structure_check(table: str):
    def check(ctx: Ctx):
        numeral = table
        if not ctx.table_found(table):
            if not ctx.section_found(TABLE_SECTION[table]):  # a found heading without a table is STR-06
                yield dict(table=table, section=TABLE_SECTION[table], numeral=numeral, what="整张表格（未找到表格）")
            return
        statuses = ctx.table_statuses(table)
        if "ok" not in statuses:
            return  # STR-06
        covered = ctx.covered
        flagged = {rc for rc, st in zip(_layout(ctx, table).pairs, statuses) if st == "missing"
                   and (table, *rc) not in covered}
        for h in _group_cells(ctx, table, flagged):
            h.pop("count", None)
            yield dict(h, numeral=numeral)
    return check


for _t, _id, _what in (("二", "STR-03", "第二十条第（一）（五）（六）（八）项四张小表及其行列"),
                       ("三", "STR-04", "7列（自然人…总计）和25个数字行（试行格式23行）"),
                       ("四", "STR-05", "行政复议、未经复议直接起诉、复议后起诉各5列共15个单元格")):
    rule(_id, f"表{_t}不完整", "error", "第{numeral}部分表格缺少{what}",
         f"第{_t}部分表格应完整：{_what}。缺少的列、行或单元格逐一列出（整列、整行合并为一条）。",
         cells=[(_t, None, None)], basis="年度报告格式附表；annual-report-form.md §1.4–1.6")(_structure_check(_t))


@rule("STR-06", "表格无可读数字", "warning", "第{numeral}部分有标题，但没有可读的表格数字（表格可能是图片或附件）",
      "某部分标题存在，但其表格未找到或没有任何可读数字，多见于表格以图片或附件形式发布。",
      basis="实际报告（浑南区、背荫河镇）")
def _table_unreadable(ctx: Ctx):
    for table, n in TABLE_SECTION.items():
        if not ctx.section_found(n):
            continue
        if not ctx.table_found(table) or "ok" not in ctx.table_statuses(table):
            yield dict(table=table, section=n, numeral=NUMERALS[n])


_OLD_BASIS = re.compile(r"[〔\[(（]2019[〕\])）]60号|年度报告格式[(（]试行[)）]")


@rule("STR-07", "引用已废止的格式", "warning", "{year}年度报告引用了已被替代的{basis_text}",
      "2021年及以后的报告不应再以国办公开办函〔2019〕60号或《…年度报告格式（试行）》为依据。",
      basis="国办公开办函〔2021〕30号；太平镇2022年报")
def _old_basis(ctx: Ctx):
    if ctx.year is None or ctx.year < 2021:
        return
    m = _OLD_BASIS.search(_flat(ctx.full_text()))
    if m:
        yield dict(year=ctx.year, basis_text=f"“{m.group(0)}”")


_TITLE_OK = re.compile(r"^.+?\d{4}年度?政府信息公开工作年度报告$")


@rule("STR-08", "标题不规范", "info", "标题{problem}",
      "标题宜为“机关名称+年份+政府信息公开工作年度报告”；标题中没有年份或写法不同时提示。",
      basis="常见写法（无正式规定）")
def _title(ctx: Ctx):
    title = re.sub(r"^[#\s*]+|[\s*]+$", "", ctx.report.title or "")
    flat = _flat(title)
    if not flat:
        yield dict(problem="未找到")
    elif not re.search(r"\d{4}\s*年", flat):
        src = {"period": "文中统计期限", "text": "正文"}.get(ctx.report.year_source)
        tail = f"，报告年度{ctx.report.year}年取自{src}" if src and ctx.report.year else ""
        yield dict(problem=f"“{title}”中没有年份{tail}")
    elif not _TITLE_OK.match(flat):
        yield dict(problem=f"“{title}”与常见格式“机关名称+年份+政府信息公开工作年度报告”不同")


_PERIOD = re.compile(r"统计[^。；;]{0,24}?(\d{4})年(\d{1,2})月(\d{1,2})日[^。；;\d]{0,8}(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")


@rule("STR-10", "统计期限不符", "warning", "报告写明的统计期限“{period}”与报告年度{year}年不符",
      "文中写明的统计期限应为报告年度的1月1日至12月31日。",
      basis="DB51/T 2660—2019 第2.1条；上海市2022年报")
def _period(ctx: Ctx):
    if ctx.year is None:
        return
    text = _flat(ctx.full_text())
    for m in _PERIOD.finditer(text):
        y1, m1, d1, y2, m2, d2 = m.groups()
        y2 = y2 or y1
        if (int(y1), int(m1), int(d1), int(y2), int(m2), int(d2)) != (ctx.year, 1, 1, ctx.year, 12, 31):
            yield dict(period=m.group(0)[m.start(1) - m.start(0):], year=ctx.year)


@rule("STR-12", "年度无法确定", "warning", "无法确定报告年度（标题、统计期限和正文中都没有找到年份）",
      "没有年度时，与年度有关的检查（格式版本、统计期限、跨年度比对）都无法进行。",
      basis="年度报告按年度编制")
def _year_known(ctx: Ctx):
    if ctx.year is None:
        yield {}


# ---------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------

_CELLS_ARI1 = [(T3, r, c) for r in (R_NEW, R_CARRY_IN, R_TOTAL, R_CARRY_OUT) for c in APPLICANT_COLUMNS]


@rule("ARI-01", "表三纵向勾稽不符", "error",
      "第三部分“{column}”列：本年新收 + 上年结转 = {expected}，办理结果总计 + 结转下年度 = {actual}，两者应相等",
      "表三每一列：一、本年新收 + 二、上年结转 = 三、（七）总计 + 四、结转下年度继续办理（表格自带的勾稽关系）。"
      "有空白或无法识别的项时不计算。",
      cells=_CELLS_ARI1, basis="表格注“第一项加第二项之和，等于第三项加第四项之和”")
def _ari_columns(ctx: Ctx):
    for c in APPLICANT_COLUMNS:
        a, b, t, o = (ctx.val(T3, r, c) for r in (R_NEW, R_CARRY_IN, R_TOTAL, R_CARRY_OUT))
        if None in (a, b, t, o):
            continue
        if not math.isclose(a + b, t + o, abs_tol=1e-9):
            yield dict(table=T3, column=c, expected=_n(a + b), actual=_n(t + o))


@rule("ARI-02", "表三横向合计不符", "error", "第三部分“{leaf}”行：总计为{actual}，六类申请人合计为{expected}",
      "表三每一行：总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他。有空白或无法识别的项时不计算。",
      cells=[(T3, None, c) for c in APPLICANT_COLUMNS], basis="表头结构；annual-report-form.md AR-2")
def _ari_rows(ctx: Ctx):
    for r in ctx.rows_三():
        parts = [ctx.val(T3, r.key, c) for c in APPLICANTS]
        total = ctx.val(T3, r.key, C_TOTAL)
        if total is None or None in parts:
            continue
        if not math.isclose(sum(parts), total, abs_tol=1e-9):
            yield dict(table=T3, row=r.key, column=C_TOTAL, leaf=r.leaf, expected=_n(sum(parts)), actual=_n(total))


@rule("ARI-03", "办理结果合计不符", "error", "第三部分“{column}”列：（七）总计为{actual}，各项办理结果合计为{expected}",
      "表三每一列：（七）总计 = （一）予以公开 + （二）部分公开 + （三）至（六）各小项之和。有空白或无法识别的项时不计算。",
      cells=[(T3, R_TOTAL, c) for c in APPLICANT_COLUMNS], basis="annual-report-form.md AR-3")
def _ari_results(ctx: Ctx):
    items = [r.key for r in ctx.rows_三() if r.key.startswith("三、本年度办理结果/") and r.key != R_TOTAL]
    for c in APPLICANT_COLUMNS:
        parts = [ctx.val(T3, k, c) for k in items]
        total = ctx.val(T3, R_TOTAL, c)
        if total is None or None in parts:
            continue
        if not math.isclose(sum(parts), total, abs_tol=1e-9):
            yield dict(table=T3, row=R_TOTAL, column=c, expected=_n(sum(parts)), actual=_n(total))


@rule("ARI-04", "复议诉讼合计不符", "error", "第四部分“{group}”：总计为{actual}，结果维持、结果纠正、其他结果、尚未审结合计为{expected}",
      "表四的行政复议、未经复议直接起诉、复议后起诉三组：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结。有空白项时不计算。",
      cells=[(T4, r.key, c) for r in forms.ROWS_四 for c in OUTCOME_COLUMNS], basis="annual-report-form.md AR-4")
def _ari_review(ctx: Ctx):
    for r in forms.ROWS_四:
        parts = [ctx.val(T4, r.key, c) for c in T4_PARTS]
        total = ctx.val(T4, r.key, C_TOTAL)
        if total is None or None in parts:
            continue
        if not math.isclose(sum(parts), total, abs_tol=1e-9):
            yield dict(table=T4, row=r.key, column=C_TOTAL, group=r.leaf, expected=_n(sum(parts)), actual=_n(total))


@rule("ARI-05", "数值不合理", "error", "{where}的数值{actual}不合理：{problem}",
      "件数应为非负整数（试行格式的“本年增/减”可为负）；收费金额（万元）不能为负。",
      cells=[("二", None, None), ("三", None, None), ("四", None, None)], basis="annual-report-form.md AR-5")
def _ari_whole(ctx: Ctx):
    val = ctx.val
    for c in ctx.expected:
        x = val(c.table, c.row, c.column)
        if x is None:
            continue
        if c.kind == "amount":
            problem = "金额不能为负数" if x < 0 else None
        elif c.kind == "signed":
            problem = None if float(x).is_integer() else "件数应为整数"
        else:
            problem = "件数不能为负数" if x < 0 else None if float(x).is_integer() else "件数应为整数"
        if problem is not None:  # the cell's label only for a cell found wrong
            where = f"第{c.table}部分{_cell_label(c.table, c.row, c.column)}"
            yield dict(table=c.table, row=c.row, column=c.column, actual=_n(x), where=where, problem=problem)


def _status_rule(status: str):
    def check(ctx: Ctx):
        for table in forms.TABLES:
            if not ctx.table_found(table):
                continue
            statuses = ctx.table_statuses(table)
            if "ok" not in statuses:
                continue  # reported once by STR-03/04/05 or STR-06
            pairs = _layout(ctx, table).pairs
            flagged = {rc for rc, st in zip(pairs, statuses) if st == status}
            missing = frozenset(rc for rc, st in zip(pairs, statuses) if st == "missing")
            for h in _group_cells(ctx, table, flagged, missing):
                if status == "unreadable" and h.get("column") and h.get("row"):
                    raw = ctx.raw(table, h["row"], h["column"])
                    h["what"] += f"：“{raw}”" if raw else ""
                h.pop("count", None)
                yield dict(h, numeral=table)
    return check


rule("ARI-06", "单元格空白", "warning", "第{numeral}部分表格{what}为空白（空白不按0计算，相关勾稽关系未核对）",
     "表格单元格应逐一填写（没有发生的填0）。空白不当作0，含空白项的勾稽关系不计算；整行或整列空白合并为一条。",
     cells=[("二", None, None), ("三", None, None), ("四", None, None)],
     basis="annual-report-form.md AR-6；上海市2019年报")(_status_rule("blank"))
rule("ARI-13", "单元格无法识别", "warning", "第{numeral}部分表格{what}无法识别为数字（不按0计算）",
     "单元格里是文字、乱码或无法对齐到列的内容时提示，需人工核对原文。",
     cells=[("二", None, None), ("三", None, None), ("四", None, None)],
     basis="数据须可核对")(_status_rule("unreadable"))


@rule("ARI-07", "乡镇街道填报规章", "warning", "{body}为乡镇/街道，不能制定规章，但“规章”行“{column}”填报了{actual}",
      "规章只能由国务院部门和省、自治区、直辖市、设区的市、自治州人民政府制定；乡镇、街道的“规章”各栏应为0。",
      cells=[(T2, R_RULES, None)], basis="立法法第八十条、第八十二条；尼勒克、松木塘镇年报")
def _township_rules(ctx: Ctx):
    if not ctx.township:
        return
    for c in ctx.table_cells(T2):
        if c.row == R_RULES:
            x = ctx.val(T2, c.row, c.column)
            if x:
                yield dict(table=T2, row=c.row, column=c.column, actual=_n(x), body=body_name(ctx.report) or "本机关")


@rule("ARI-08", "现行有效件数偏少", "warning", "“{leaf}”现行有效件数{actual}，小于本年制发减本年废止（{expected}）",
      "同一行中，现行有效件数不应小于本年制发件数 − 本年废止件数。",
      cells=[(T2, r, c) for r in (R_RULES, R_NORMATIVE) for c in (C_ISSUED, C_REPEALED, C_IN_FORCE)],
      basis="锡盟商务局2021年报（annual-report-form.md ARI-08）")
def _in_force(ctx: Ctx):
    if ctx.form != forms.FORM_2021:
        return
    for r in (R_RULES, R_NORMATIVE):
        issued, repealed, in_force = (ctx.val(T2, r, c) for c in (C_ISSUED, C_REPEALED, C_IN_FORCE))
        if None in (issued, repealed, in_force):
            continue
        if in_force < issued - repealed:
            yield dict(table=T2, row=r, column=C_IN_FORCE, leaf=r.split("/")[-1],
                       expected=_n(issued - repealed), actual=_n(in_force))


@rule("ARI-09", "收费金额单位疑误", "info", "行政事业性收费金额“{raw}”{problem}，单位应为万元",
      f"收费金额单位为万元；数值不小于{FEE_YUAN_SUSPECT}或单元格写有“元”时，可能误按元填报。",
      cells=[(T2, R_FEE, FEE_COLUMN)], basis="上海市2019年报“251000元”；北坡镇2022年报")
def _fee_unit(ctx: Ctx):
    if ctx.form != forms.FORM_2021:
        return
    raw = ctx.raw(T2, R_FEE, FEE_COLUMN)
    x = ctx.val(T2, R_FEE, FEE_COLUMN)
    loc = dict(table=T2, row=R_FEE, column=FEE_COLUMN, actual=_n(x), raw=raw or _n(x))
    if "元" in raw and "万元" not in raw:
        yield dict(loc, problem="写有“元”")
    elif x is not None and x >= FEE_YUAN_SUSPECT:
        yield dict(loc, problem=f"不小于{FEE_YUAN_SUSPECT}万元，疑似按元填报")


_APPLIED = re.compile(r"(收到|受理|接收|接到|新收)([^。；;，,！!\d]{0,24}?)(\d+)件")
_NONE_APPLIED = re.compile(r"(未|没有)(收到|受理|接到|接收)[^。；;，,]{0,24}?申请")


@rule("ARI-12", "文字与表三申请数不符", "warning", "第一部分写“{quote}”，即新收申请{actual}件，但表三本年新收总计为{expected}件",
      "第一部分文字中的申请件数（如“收到政府信息公开申请X件”“受理…X件”“未收到…申请”即0件）应与表三“一、本年新收政府信息公开申请数量”的总计一致。"
      "只比对第一处提到的件数；表中该格空白或无法识别时不比对。",
      cells=[(T3, R_NEW, C_TOTAL)], basis="annual-report-form.md ARI-12")
def _text_vs_table(ctx: Ctx):
    table = ctx.val(T3, R_NEW, C_TOTAL)
    if table is None:
        return
    text = _flat(ctx.section_text(1))
    quoted = None
    m = next((m for m in _APPLIED.finditer(text)
              if "申请" in m.group(2) and not text[max(0, m.start() - 2):m.start()].endswith(("未", "没有"))), None)
    z = _NONE_APPLIED.search(text)
    if m and (z is None or m.start() < z.start()):
        quoted, quote = float(m.group(3)), m.group(0)
    elif z:
        quoted, quote = 0.0, z.group(0)
    if quoted is not None and quoted != table:
        yield dict(table=T3, row=R_NEW, column=C_TOTAL, section=1, quote=quote, expected=_n(table), actual=_n(quoted))


R_FEE_UNPAID = "三、本年度办理结果/（六）其他处理/2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
_NUM_COMMA = re.compile(r"(?<=\d)[,，](?=\d{3})")
_FEE_AFTER = re.compile(r"信息处理费([^。；;！!]{0,16}?)(\d+(?:\.\d+)?)(万元|元)")
_FEE_BEFORE = re.compile(r"(\d+(?:\.\d+)?)(万元|元)([^。；;，,！!]{0,6}?)信息处理费")
_FEE_NOT_AMOUNT = re.compile(r"标准|每件|每页|每份|超过|以上|以下|不超过|不足|减免|免收")
_NO_FEE = re.compile(r"(未|没有|无|不|均未)(收取|收|征收|收缴|涉及|发生|产生|计收)[^。；;，,]{0,8}?信息处理费"
                     r"|信息处理费[^。；;，,]{0,8}?(?:为零|零元|为“?无|(?<![\d.])0(?:\.0+)?(?:万元|元)?(?![\d.]))|无信息处理费")


def fee_amounts(text: str) -> list[tuple[float, str, str]]:
    """Amounts of 信息处理费 stated in ``text`` as (amount in 元, unit as written, quote).

    Reads "收取信息处理费共计400元", "信息处理费0.12万元", "收取400元信息处理费"; skips figures that
    are a charging standard ("每件…元", "超过…页"), a reduction or a threshold.
    """
    t = _NUM_COMMA.sub("", _flat(text))
    out = []
    for m in _FEE_AFTER.finditer(t):
        if not _FEE_NOT_AMOUNT.search(m.group(1)):
            out.append((float(m.group(2)) * (10000 if m.group(3) == "万元" else 1), m.group(3), m.group(0)))
    for m in _FEE_BEFORE.finditer(t):
        if not _FEE_NOT_AMOUNT.search(m.group(3)) and not _FEE_NOT_AMOUNT.search(t[max(0, m.start() - 4):m.start()]):
            out.append((float(m.group(1)) * (10000 if m.group(2) == "万元" else 1), m.group(2), m.group(0)))
    return out


def _fees_charged(ctx: Ctx) -> list[tuple[float, str, str]]:
    """Positive 信息处理费 amounts in section 六."""
    return [a for a in fee_amounts(ctx.section_text(6)) if a[0] > 0]


@rule("ARI-10", "信息处理费与表三不符", "warning", "信息处理费与表三不一致：{problem}",
      "表三“（六）其他处理/2.申请人逾期未按收费通知要求缴纳费用…”大于0，说明本机关发出过收费通知；此时第六部分若称未收取或不涉及"
      "信息处理费而只字未提收费通知，需核对。另外，第六部分写明收取了信息处理费，而表三本年新收和上年结转申请都为0时，也需核对。"
      "表中有关单元格空白或无法识别时不比对。",
      cells=[(T3, R_FEE_UNPAID, C_TOTAL), (T3, R_NEW, C_TOTAL), (T3, R_CARRY_IN, C_TOTAL)],
      basis="《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）；河南省信息处理费通知（推断）")
def _fee_vs_applications(ctx: Ctx):
    if not ctx.section_found(6):
        return
    six = _flat(ctx.section_text(6))
    unpaid = ctx.val(T3, R_FEE_UNPAID, C_TOTAL)
    no_fee = _NO_FEE.search(six)
    if unpaid and unpaid > 0 and no_fee and "收费通知" not in six and not _fees_charged(ctx):
        yield dict(table=T3, row=R_FEE_UNPAID, column=C_TOTAL, section=6, actual=_n(unpaid),
                   problem=f"表三有{_n(unpaid)}件申请因申请人逾期未按收费通知缴费而不再处理（说明发出过收费通知），"
                           f"但第六部分写“{no_fee.group(0)}”，未说明收费通知情况")
    charged = _fees_charged(ctx)
    new, carried = ctx.val(T3, R_NEW, C_TOTAL), ctx.val(T3, R_CARRY_IN, C_TOTAL)
    if charged and new == 0 and carried == 0:
        yield dict(table=T3, row=R_NEW, column=C_TOTAL, section=6, actual=0,
                   problem=f"第六部分写“{charged[0][2]}”，但表三本年新收和上年结转的政府信息公开申请都为0件，"
                           "没有申请却收取了信息处理费")


@rule("ARI-11", "信息处理费与收费金额不符", "info", "第六部分写“{quote}”，但第二部分“行政事业性收费”本年收费金额为0",
      "信息处理费属于行政事业性收费；第六部分写明收取了信息处理费（金额大于0，单位元或万元）而第二部分"
      "“行政事业性收费”本年收费金额为0时提示。收费金额单元格空白或无法识别时不比对。",
      cells=[(T2, R_FEE, FEE_COLUMN)], basis="皖财综〔2021〕28号；河南省信息处理费通知（推断）")
def _fee_vs_charges(ctx: Ctx):
    charged = _fees_charged(ctx)
    if charged and ctx.form == forms.FORM_2021 and ctx.val(T2, R_FEE, FEE_COLUMN) == 0:
        yield dict(table=T2, row=R_FEE, column=FEE_COLUMN, section=6, actual=0, quote=charged[0][2])


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------

_PROBLEM_WORDS = ("问题", "不足", "短板", "差距", "有待", "不够", "薄弱", "欠缺", "不及时", "不到位")
_IMPROVE_WORDS = ("改进", "措施", "下一步", "今后", "整改", "将进一步", "加强", "完善", "提升", "提高")


@rule("TXT-03", "问题或改进缺项", "warning", "第五部分{problem}",
      "第五部分应写明存在的主要问题，也应写明改进情况（改进、措施、下一步、今后等）。",
      basis="条例第五十条第（四）项")
def _problems_and_improvements(ctx: Ctx):
    if not ctx.section_found(5):
        return  # STR-01
    text = _flat(ctx.section_text(5))
    if len(text) < 10:
        yield dict(section=5, problem="几乎没有内容")
        return
    has_p = any(w in text for w in _PROBLEM_WORDS)
    has_i = any(w in text for w in _IMPROVE_WORDS)
    if not has_p and not has_i:
        yield dict(section=5, problem="既没有写存在的问题，也没有写改进情况")
    elif not has_p:
        yield dict(section=5, problem="没有写存在的主要问题")
    elif not has_i:
        yield dict(section=5, problem="没有写改进情况或改进措施")


@rule("TXT-05", "未说明信息处理费", "warning", "第六部分没有说明信息处理费收取情况（收取金额或未收取）",
      "自2021年起，第六部分应说明按《政府信息公开信息处理费管理办法》收取信息处理费的情况（金额，或未收取）。只写“无”不够。",
      basis="国办函〔2020〕109号；河南省信息处理费通知")
def _fee_statement(ctx: Ctx):
    if not ctx.section_found(6) or (ctx.year is not None and ctx.year < 2021):
        return
    if "处理费" not in _flat(ctx.section_text(6)):
        yield dict(section=6)


_ID18 = re.compile(r"(?<![0-9])([1-9][0-9]{16}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_id_number(s: str) -> bool:
    """An 18-digit resident ID with a plausible birth date and a valid GB 11643 check digit."""
    if len(s) != 18 or not s[:17].isdigit():
        return False
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    total = sum(int(d) * w for d, w in zip(s[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == s[17].upper()


def mask_id(s: str) -> str:
    return s[:6] + "*" * 8 + s[-4:]


def mask_mobile(s: str) -> str:
    return s[:3] + "****" + s[-4:]


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """Personal identifiers in ``text`` as (kind, masked value): 身份证号码 and 手机号码."""
    t = unicodedata.normalize("NFKC", text or "")
    out = []
    for m in _ID18.finditer(t):
        if valid_id_number(m.group(1)):
            out.append(("身份证号码", mask_id(m.group(1))))
    for m in _MOBILE.finditer(t):
        out.append(("手机号码", mask_mobile(m.group(1))))
    return out


@rule("TXT-06", "公开了个人信息", "error", "报告中公开了个人信息：{kind} {masked}",
      "报告正文或表格中出现18位身份证号码（校验位正确）或11位手机号码时报错；号码只以遮挡形式显示。",
      basis="泉州市鲤城区考评标准（保密审查）；政务公开工作要点（个人信息去标识化）")
def _personal_data(ctx: Ctx):
    seen = set()
    for kind, masked in find_personal_data(ctx.full_text()):
        if (kind, masked) in seen:
            continue
        seen.add((kind, masked))
        section = None
        for n in range(1, 7):
            if any(m == masked for _, m in find_personal_data(ctx.section_text(n))):
                section = n
                break
        yield dict(section=section, kind=kind, masked=masked)


_YEAR_MENTION = re.compile(r"(?<![0-9〔\[])((?:19|20)\d{2})年度?(?=[,，、]|全年|共|累计|我|本|全|未|期间|内)")
_QUOTED = re.compile(r"《[^》]*》|〔[^〕]*〕|\[[^\]]*\]")


@rule("TXT-08", "年份与报告年度不符", "warning", "第{numeral}部分写“{quote}”，与报告年度{year}年不一致",
      "第一、五、六部分叙述本年工作时提到的年份（如“2022年，我镇…”“2022年度共…”）应为报告年度"
      "（下一年度的工作计划除外，文件名中的年份不计）。",
      basis="annual-report-form.md AR-7；雷同、照抄往年报告的常见表现")
def _years_in_text(ctx: Ctx):
    if ctx.year is None:
        return
    seen = set()
    for n in (1, 5, 6):
        text = _QUOTED.sub("", _flat(ctx.section_text(n)))
        for m in _YEAR_MENTION.finditer(text):
            y = int(m.group(1))
            if y in (ctx.year, ctx.year + 1) or y in seen:
                continue
            seen.add(y)
            yield dict(section=n, numeral=NUMERALS[n], quote=text[m.start():m.end() + 6], year=ctx.year)


_TOPICS = (  # the five parts of 一、总体情况 named by 国办公开办函〔2021〕30号, with common wordings
    ("主动公开", re.compile(r"主动公开")),
    ("依申请公开", re.compile(r"依申请|公开申请")),
    ("政府信息管理", re.compile(r"信息(?:公开)?管理|信息资源管理")),
    ("政府信息公开平台建设", re.compile(r"平台建设|平台的建设|网站建设|公开平台|平台[^。；;]{0,6}建设")),
    ("监督保障", re.compile(r"监督|保障")),
)


@rule("TXT-01", "总体情况缺项", "info", "第一部分未见{missing}方面的内容（按关键词查找）",
      "2021年起，第一部分“总体情况”应涵盖主动公开、依申请公开、政府信息管理、政府信息公开平台建设、监督保障五个方面；"
      "按关键词及常见写法（如“平台建设”“监督”）查找，列出找不到的方面。2021年以前的报告不检查。",
      basis="国办公开办函〔2021〕30号“（一）总体情况”；重庆乡镇2022年报")
def _overview_topics(ctx: Ctx):
    if not ctx.section_found(1) or (ctx.year is not None and ctx.year < 2021):
        return
    text = _flat(ctx.section_text(1))
    missing = [name for name, pat in _TOPICS if not pat.search(text)]
    if missing:
        yield dict(section=1, missing="、".join(f"“{m}”" for m in missing))


_ACCOUNTABILITY = (  # 条例第五十条（四）: 工作考核、社会评议和责任追究结果情况
    ("工作考核", re.compile(r"考核|考评")),
    ("社会评议", re.compile(r"评议|测评|满意度")),
    ("责任追究", re.compile(r"责任追究|追究[^。；;，,]{0,10}责任|问责")),
)


def is_government(report: ParsedReport) -> bool:
    """A 人民政府 of any level (乡镇、街道 included): not a department or an office of one."""
    if is_township(report):
        return True
    name = _flat(forms.norm(body_name(report)))
    if name.endswith("人民政府"):
        return True
    title = _flat(forms.norm(report.title or ""))
    return bool(re.search(r"人民政府(?:\d{4}年|政府信息公开|信息公开)", title))


@rule("TXT-02", "缺考核评议追究情况", "warning", "{body}的报告中未见{missing}的情况（各级人民政府含乡镇、街道，应报告工作考核、社会评议和责任追究结果）",
      "各级人民政府（含乡镇、街道）的年度报告还应包括工作考核、社会评议和责任追究结果情况；在全文中按关键词"
      "（考核/考评、评议/测评、责任追究/追究…责任/问责）查找，列出找不到的项。部门报告不检查。",
      basis="条例第五十条第（四）项；国办公开办函〔2021〕30号（列在监督保障下）")
def _government_accountability(ctx: Ctx):
    if not is_government(ctx.report):
        return
    text = _flat(ctx.full_text())
    missing = [name for name, pat in _ACCOUNTABILITY if not pat.search(text)]
    if missing:
        yield dict(section=1, body=body_name(ctx.report) or "本机关", missing="、".join(f"“{m}”" for m in missing))


_LAST_YEAR = re.compile(r"上一年度|上一年|上年度|上年(?!结转)|去年|往年|以往年度")
_RECTIFIED = re.compile(r"整改|改进|落实|解决|完善|改正|纠正")


@rule("TXT-04", "未说明上年问题整改", "info", "第五部分没有提到上一年度报告所列问题的整改情况",
      "第五部分宜说明上一年度存在问题的整改落实情况：同一句中既提到上一年度（上一年度、上年、去年或上一年份），"
      "又提到整改、改进、落实等。",
      basis="国办公开办函〔2021〕30号（有关原文未核实，推断）")
def _last_year_rectified(ctx: Ctx):
    if not ctx.section_found(5) or len(_flat(ctx.section_text(5))) < 10:
        return  # STR-01 / TXT-03
    text = _flat(ctx.section_text(5))
    last = _LAST_YEAR
    if ctx.year is not None:
        last = re.compile(_LAST_YEAR.pattern + f"|{ctx.year - 1}年")
    for sentence in re.split(r"[。；;！!？?]", text):
        if last.search(sentence) and _RECTIFIED.search(sentence):
            return
    yield dict(section=5)


SHORT_OVERVIEW = 100  # characters
ONE_LINE = 40  # characters: one sentence shorter than this is a one-line section
_NOTHING = re.compile(r"^(?:无|暂无|没有|本年度无|本年无|无其他需要报告的事项|无其他需报告的事项|"
                      r"本[年机单][^。]{0,12}无其他需要报告的事项)[。.]?$")


@rule("TXT-07", "内容过于简单", "info", "{problem}，内容过于简单",
      f"第一部分少于{SHORT_OVERVIEW}字、第五部分只有一句话（少于{ONE_LINE}字），或第六部分只写“无”时提示（“敷衍塞责”）。"
      "已由TXT-03（第五部分几乎没有内容）或TXT-05（第六部分未说明信息处理费）报告的，不重复提示。",
      basis="国办公开办函〔2021〕30号“敷衍塞责”")
def _perfunctory(ctx: Ctx):
    one = _flat(ctx.section_text(1))
    if ctx.section_found(1) and len(one) < SHORT_OVERVIEW:
        yield dict(section=1, problem=f"第一部分只有{len(one)}个字")
    five = _flat(ctx.section_text(5))
    if ctx.section_found(5) and 10 <= len(five) < ONE_LINE and not re.search(r"[。；;！!？?].", five):
        yield dict(section=5, problem=f"第五部分只有一句话“{five}”")  # shorter than 10: TXT-03
    six = _flat(ctx.section_text(6))
    fee_rule_applies = ctx.year is None or ctx.year >= 2021
    if ctx.section_found(6) and _NOTHING.match(six) and not (fee_rule_applies and "处理费" not in six):
        yield dict(section=6, problem=f"第六部分只写了“{six}”")


# ---------------------------------------------------------------------------
# Timeliness: when the report was published (条例第四十九条)
# ---------------------------------------------------------------------------

DEADLINE_ENV = "GOVREPORT_PUBLISH_DEADLINE"  # the province's own deadline, "MM-DD" of the year after the report
PUBLISHED_SOURCE_ZH = {"page": "页面所载发布时间", "html-meta": "网页元数据", "pdf-metadata": "PDF 文件属性",
                       "reviewer": "审查人员录入"}
KIND_GOVERNMENT, KIND_TOWNSHIP, KIND_DEPARTMENT = "government", "township", "department"
KIND_ZH = {KIND_GOVERNMENT: "县级以上人民政府", KIND_TOWNSHIP: "乡镇、街道", KIND_DEPARTMENT: "部门"}
_DEADLINE_SETTING = re.compile(r"^\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?\s*$")


def published_date(report: ParsedReport) -> Optional[date]:
    """The publication date the report carries (``report.published``, ISO), or None when unknown or not a date."""
    text = report.published
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def body_kind(report: ParsedReport) -> Optional[str]:
    """Which deadline of 第四十九条 a body has: a county-level or higher government's own report
    (:data:`KIND_GOVERNMENT`), a township or 街道 (:data:`KIND_TOWNSHIP`), a department (:data:`KIND_DEPARTMENT`);
    None when the body is not known (then no deadline is checked)."""
    if not body_name(report):
        return None
    if is_township(report):
        return KIND_TOWNSHIP
    if is_government(report):
        return KIND_GOVERNMENT
    return KIND_DEPARTMENT


def statutory_deadline(year: int, kind: str) -> date:
    """The last day of publication 第四十九条 gives for a report of ``year``: 31 March of the next year for a
    county-level or higher government's own report, 31 January for departments (and, as this dashboard reads it,
    townships and 街道)."""
    return date(year + 1, 3, 31) if kind == KIND_GOVERNMENT else date(year + 1, 1, 31)


def provincial_deadline(year: int, setting: Optional[str] = None) -> Optional[date]:
    """The province's deadline for a report of ``year``, from ``setting`` or the environment variable
    :data:`DEADLINE_ENV` ("MM-DD" of the next year, e.g. ``02-20``); None when not set. Raises ValueError with a
    Chinese message for a setting that is not a month and a day."""
    raw = os.environ.get(DEADLINE_ENV, "") if setting is None else setting
    if not raw or not raw.strip():
        return None
    m = _DEADLINE_SETTING.match(raw)
    try:
        if not m:
            raise ValueError(raw)
        return date(year + 1, int(m.group(1)), int(m.group(2)))
    except ValueError:
        raise ValueError(f"本省发布期限“{raw}”无法识别：请写成“月-日”，例如 02-20（环境变量 {DEADLINE_ENV}）") from None


def _lateness(ctx: Ctx):
    """(published, kind, statutory deadline) of a report that says when it was published, else None."""
    published = published_date(ctx.report)
    kind = body_kind(ctx.report)
    if published is None or kind is None or ctx.year is None:
        return None
    return published, kind, statutory_deadline(ctx.year, kind)


def _late(published: date, deadline: date, ctx: Ctx, **extra) -> dict:
    source = PUBLISHED_SOURCE_ZH.get(ctx.report.published_source or "", "报告所载日期")
    return dict(year=ctx.year, published=published.isoformat(), deadline=deadline.isoformat(), source=source,
                days=(published - deadline).days, expected=deadline.isoformat(), actual=published.isoformat(), **extra)


def _province_set(ctx: Ctx) -> bool:
    try:
        return provincial_deadline(ctx.year, getattr(ctx, "publish_deadline", None)) is not None
    except ValueError:  # a malformed setting: PUB-04 says so; the statute still applies here
        return False


def _statutory(kind: str):
    def check(ctx: Ctx):
        hit = _lateness(ctx)
        if hit is None:
            return
        published, k, deadline = hit
        if k != kind or published <= deadline:
            return
        if kind == KIND_TOWNSHIP and _province_set(ctx):
            return  # the province's own date applies to townships (PUB-04)
        yield _late(published, deadline, ctx)
    return check


rule("PUB-01", "部门逾期发布", "error",
     "{year}年度报告于{published}发布（{source}），晚于法定期限{deadline}（部门应于次年1月31日前向社会公布），逾期{days}天",
     "县级以上人民政府部门应当在每年1月31日前公布本机关上一年度的年度报告。按报告所载发布日期（页面上的发布时间、"
     "网页元数据，或审查人员在单份报告页录入的日期）检查；日期未知时不检查。",
     basis="条例第四十九条第一款")(_statutory(KIND_DEPARTMENT))
rule("PUB-02", "政府逾期发布", "error",
     "{year}年度报告于{published}发布（{source}），晚于法定期限{deadline}（县级以上人民政府的本级年度报告应于次年3月31日前公布），"
     "逾期{days}天",
     "县级以上地方人民政府的政府信息公开工作主管部门应当在每年3月31日前公布本级政府上一年度的年度报告。"
     "日期来源同上；日期未知时不检查。",
     basis="条例第四十九条第二款")(_statutory(KIND_GOVERNMENT))
rule("PUB-03", "乡镇街道逾期发布", "warning",
     "{year}年度报告于{published}发布（{source}），晚于次年1月31日（{deadline}），逾期{days}天",
     "乡镇人民政府、街道办事处的年度报告按部门的期限（次年1月31日）检查。条例第四十九条没有单列乡镇、街道，各地通知"
     f"可能另定日期，故为警告；设定了本省期限（环境变量 {DEADLINE_ENV}）时改按本省期限检查（PUB-04）。",
     basis="条例第四十九条（乡镇、街道按部门期限）；annual-report-form.md AR-8")(_statutory(KIND_TOWNSHIP))


@rule("PUB-04", "超过本省发布期限", "warning",
      "{year}年度报告于{published}发布（{source}），晚于本省规定的期限{deadline}，逾期{days}天",
      f"省级（或市级）通知规定的发布期限，写在环境变量 {DEADLINE_ENV} 中（“月-日”，指报告年度的次年，例如 02-20），"
      "适用于全部单位；未设定时不检查。已按法定期限（PUB-01、PUB-02）报告逾期的不重复提示。",
      basis="各省、市政府信息公开工作年度报告通知（如怀化市2022年：乡镇、街道报告由县汇总于2月20日前公布）")
def _provincial_deadline(ctx: Ctx):
    hit = _lateness(ctx)
    if hit is None:
        return
    published, kind, statutory = hit
    deadline = provincial_deadline(ctx.year, getattr(ctx, "publish_deadline", None))
    if deadline is None or published <= deadline:
        return
    if kind != KIND_TOWNSHIP and published > statutory:
        return  # PUB-01 / PUB-02 already say so
    yield _late(published, deadline, ctx)


# ---------------------------------------------------------------------------
# Across reports
# ---------------------------------------------------------------------------


def _consecutive(cur: Ctx, prev: Ctx) -> bool:
    return cur.year is not None and prev.year is not None and cur.year == prev.year + 1


@rule("XYR-01", "上年结转不一致", "warning",
      "“{column}”列上年结转{actual}件，与{prev_year}年报告的结转下年度继续办理{expected}件不一致",
      "同一机关相邻两年：本年“二、上年结转政府信息公开申请数量”应等于上年“四、结转下年度继续办理”，逐列比对。发现在后一年的报告上。",
      scope="batch", pairwise=True, cells=[(T3, R_CARRY_IN, None), (T3, R_CARRY_OUT, None)],
      basis="表三行定义；KIROGOVCOMPARE 跨年度核对")
def _carry_over(cur: Ctx, prev: Ctx):
    if not _consecutive(cur, prev):
        return
    for c in APPLICANT_COLUMNS:
        now, before = cur.val(T3, R_CARRY_IN, c), prev.val(T3, R_CARRY_OUT, c)
        if now is None or before is None:
            continue
        if now != before:
            yield dict(table=T3, row=R_CARRY_IN, column=c, expected=_n(before), actual=_n(now), prev_year=prev.year)


@rule("XYR-02", "现行有效件数不连续", "warning",
      "“{leaf}”现行有效件数{actual}，按{prev_year}年现行有效{before}件 + 本年制发 − 本年废止应为{expected}件",
      "同一机关相邻两年：本年现行有效件数 = 上年现行有效件数 + 本年制发件数 − 本年废止件数（规章、行政规范性文件）。"
      "文件因到期失效而非废止时可能不成立，故为警告。",
      scope="batch", pairwise=True,
      cells=[(T2, r, c) for r in (R_RULES, R_NORMATIVE) for c in (C_ISSUED, C_REPEALED, C_IN_FORCE)],
      basis="KIROGOVCOMPARE 跨年度核对（annual-report-form.md XY-2）")
def _in_force_continuity(cur: Ctx, prev: Ctx):
    if not _consecutive(cur, prev) or forms.FORM_2021 != cur.form or forms.FORM_2021 != prev.form:
        return
    for r in (R_RULES, R_NORMATIVE):
        before = prev.val(T2, r, C_IN_FORCE)
        issued, repealed, now = (cur.val(T2, r, c) for c in (C_ISSUED, C_REPEALED, C_IN_FORCE))
        if None in (before, issued, repealed, now):
            continue
        if now != before + issued - repealed:
            yield dict(table=T2, row=r, column=C_IN_FORCE, leaf=r.split("/")[-1], before=_n(before),
                       expected=_n(before + issued - repealed), actual=_n(now), prev_year=prev.year)


def _narrative(ctx: Ctx) -> str:
    """The report's own prose (sections 一, 五, 六) for similarity; tables are the same for everyone."""
    return "\n".join(ctx.section_text(n) for n in (1, 5, 6))


def _shingles(ctx: Ctx) -> tuple:
    cache = getattr(ctx, "_shingles", None)
    if cache is None:
        cache = (textsim.shingles(_narrative(ctx)), textsim.shingles(ctx.section_text(5)))
        ctx._shingles = cache
    return cache


def _similarity_hit(a: Ctx, b: Ctx):
    """(what, section, similarity) when a's text nearly equals b's, else None."""
    (wa, fa), (wb, fb) = _shingles(a), _shingles(b)
    s = textsim.jaccard(wa, wb)
    if s >= SIMILARITY_THRESHOLD:
        return "正文（第一、五、六部分）", None, s
    s = textsim.jaccard(fa, fb)
    if s >= SIMILARITY_THRESHOLD:
        return "第五部分", 5, s
    return None


def _file_label(ctx: Ctx) -> str:
    return ctx.report.file.replace("\\", "/").rsplit("/", 1)[-1]


@rule("XYR-03", "与本单位上年雷同", "warning", "{what}与本机关{prev_year}年报告（{other}）几乎相同（相似度{similarity}）",
      f"第五部分或全文与同一机关以前年度的报告几乎相同（字符三元组 Jaccard 相似度 ≥ {SIMILARITY_THRESHOLD:.0%}，数字不计），属“内容雷同”。",
      scope="batch", pairwise=True, basis="国办公开办函〔2021〕30号“内容雷同”；泉州市鲤城区考评标准")
def _same_as_last_year(cur: Ctx, prev: Ctx):
    if cur.year is None or prev.year is None or prev.year >= cur.year:
        return
    hit = _similarity_hit(cur, prev)
    if hit:
        what, section, s = hit
        yield dict(section=section, what=what, prev_year=prev.year, other=_file_label(prev),
                   similarity=f"{s:.0%}", actual=round(s, 3))


@rule("XYR-04", "与其他单位雷同", "warning", "{what}与{other_body}同年度报告（{other}）几乎相同（相似度{similarity}）{more}",
      f"正文或第五部分与另一机关同一年度的报告几乎相同（相似度 ≥ {SIMILARITY_THRESHOLD:.0%}），疑似套用模板未修改。"
      "每份报告记一条，指向最相似的一份，并说明还与几份相同。",
      scope="batch", basis="泉州市鲤城区考评标准“与其他单位雷同”")
def _same_as_other_body(ctxs: list):
    by_year: dict[int, list[int]] = {}
    for i, c in enumerate(ctxs):
        if c.year is not None:
            by_year.setdefault(c.year, []).append(i)
    for year, idx in by_year.items():
        if len(idx) < 2:
            continue
        best: dict[int, dict] = {}  # report -> its strongest match (whole text before section 五)
        for part, section, what in ((0, None, "正文（第一、五、六部分）"), (1, 5, "第五部分")):
            sets = [_shingles(ctxs[i])[part] for i in idx]
            for x, y, sim in textsim.similar_pairs(sets, SIMILARITY_THRESHOLD):
                if ctxs[idx[x]].body == ctxs[idx[y]].body:
                    continue  # same body twice in one year: XYR-07
                for a, b in ((idx[x], idx[y]), (idx[y], idx[x])):
                    cur = best.get(a)
                    if cur is None:
                        best[a] = dict(part=part, section=section, what=what, other=b, sim=sim, n=1)
                    elif cur["part"] == part:
                        cur["n"] += 1
                        if sim > cur["sim"]:
                            cur.update(other=b, sim=sim)
        for a in sorted(best):
            m = best[a]
            other = ctxs[m["other"]]
            yield dict(on=a, section=m["section"], what=m["what"], other_body=body_name(other.report) or "另一机关",
                       other=_file_label(other), similarity=f"{m['sim']:.0%}", actual=round(m["sim"], 3),
                       more=f"，另与{m['n'] - 1}份同年度报告几乎相同" if m["n"] > 1 else "")


JUMP_FACTOR = 5
C_DECISIONS = "本年处理决定数量"
_TREND_CELLS = (  # (table, row, column, label, floor): values below the floor are too small to compare
    (T2, "第二十条第（五）项/行政许可", C_DECISIONS, "行政许可本年处理决定数量", 10),
    (T2, "第二十条第（六）项/行政处罚", C_DECISIONS, "行政处罚本年处理决定数量", 10),
    (T2, "第二十条第（六）项/行政强制", C_DECISIONS, "行政强制本年处理决定数量", 10),
    (T2, R_FEE, FEE_COLUMN, "行政事业性收费本年收费金额（万元）", 1),
    (T3, R_NEW, C_TOTAL, "本年新收政府信息公开申请总计", 10),
)


@rule("XYR-05", "数值大幅变化", "info", "{label}由{prev_year}年的{expected}变为{actual}，{direction}超过{factor}倍，请核对",
      f"同一机关相邻两年，行政许可、行政处罚、行政强制、行政事业性收费和本年新收申请总计增加到{JUMP_FACTOR}倍以上"
      f"或减少到{JUMP_FACTOR}分之一以下时提示（如收费金额误按元填报）。任一年数值小于下限（件数10，收费1万元）"
      "或单元格空白、无法识别时不比较。发现在后一年的报告上。",
      scope="batch", pairwise=True, cells=[(t, r, c) for t, r, c, _, _ in _TREND_CELLS],
      basis="annual-report-form.md XY-6（趋势提示，推断）")
def _jumps(cur: Ctx, prev: Ctx):
    if not _consecutive(cur, prev):
        return
    for table, row, column, label, floor in _TREND_CELLS:
        now, before = cur.val(table, row, column), prev.val(table, row, column)
        if now is None or before is None or now < floor or before < floor:
            continue
        if now > before * JUMP_FACTOR or now * JUMP_FACTOR < before:
            yield dict(table=table, row=row, column=column, label=label, prev_year=prev.year,
                       expected=_n(before), actual=_n(now), factor=JUMP_FACTOR,
                       direction="增加" if now > before else "减少")


@rule("XYR-06", "缺少年度报告", "info", "缺少本机关{missing}年度报告（已有{before}年和{after}年）",
      "同一机关有前后两个年度的报告而中间年度缺失时提示（按机关名称归并，忽略“人民政府”等字样）。提示记在缺失年度之后的那份报告上。",
      scope="batch", basis="条例第四十九条（每年发布）")
def _missing_years(ctxs: list):
    by_body: dict[str, dict[int, int]] = {}
    for i, c in enumerate(ctxs):
        if c.year is not None and c.body:
            by_body.setdefault(c.body, {}).setdefault(c.year, i)
    for years in by_body.values():
        ys = sorted(years)
        for y0, y1 in zip(ys, ys[1:]):
            if y1 - y0 > 1:
                gap = "、".join(str(y) for y in range(y0 + 1, y1))
                yield dict(on=years[y1], missing=gap, before=y0, after=y1)


def _same_content(a: Ctx, b: Ctx) -> bool:
    """The same report in two files (e.g. the PDF and the DOCX): equal figures and near-equal prose."""
    va = {k: v[0] for k, v in a.cells.items() if v[1] == "ok"}
    vb = {k: v[0] for k, v in b.cells.items() if v[1] == "ok"}
    return va == vb and textsim.jaccard(_shingles(a)[0], _shingles(b)[0]) >= SIMILARITY_THRESHOLD


@rule("XYR-07", "同年另有报告", "info", "本机关{year}年度另有一份内容不同的报告（{other}），跨年度比对只用先出现的一份",
      "同一机关同一年度出现内容不同的多份报告（更正版或误传）时提示；同一报告的不同格式（如PDF与DOCX，数字和正文相同）不提示。",
      scope="batch", basis="发布后有变动（中国社科院2016年评估）")
def _duplicates(ctxs: list):
    first: dict[tuple, int] = {}
    for i, c in enumerate(ctxs):
        if c.year is None or not c.body:
            continue
        k = (c.body, c.year)
        if k not in first:
            first[k] = i
        elif not _same_content(c, ctxs[first[k]]):
            yield dict(on=i, year=c.year, other=_file_label(ctxs[first[k]]))


RULES: tuple[Rule, ...] = tuple(_RULES)
RULES_BY_ID = {r.id: r for r in RULES}

# Short Chinese names of the parser's notes (parsing.extract.notes.NOTES), shown to reviewers like the rules' names.
NOTE_NAMES = {
    "PARSE-READER": "读取问题", "PARSE-SCANNED-PAGES": "扫描页未读出", "PARSE-TEMPLATE": "格式版本未判断",
    "PARSE-FORM-2019": "使用试行格式", "PARSE-HYBRID": "混用两版格式", "PARSE-LABEL": "标签与官方不一致",
    "PARSE-LABEL-REMARK": "表头附加说明", "PARSE-SHORT-ROW": "一行数值不足", "PARSE-LONG-ROW": "一行数值过多",
    "PARSE-ALIGN": "空格位置不确定", "PARSE-POSITION": "按位置对应列", "PARSE-RUN-TOGETHER": "数字连在一起",
    "PARSE-UNREADABLE": "单元格不是数字", "PARSE-UNIT": "数字带单位", "PARSE-DUPLICATE-ROW": "行重复出现",
    "PARSE-DUPLICATE-DIFFERS": "重复行数值不同", "PARSE-SOURCES-DISAGREE": "两种读法不一致",
    "PARSE-FROM-TEXT": "按文字顺序读取", "PARSE-UNKNOWN-ROW": "多出非官方行", "PARSE-ROW-MISSING": "缺少一行",
    "PARSE-COLUMN-MISSING": "缺少一列", "PARSE-CUT-OFF": "表格中断",
}


def rule_name(code) -> str:
    """The short Chinese name of a rule or parse note (``ARI-01`` -> 表三纵向勾稽不符); an unknown code as it is."""
    code = "" if code is None else str(code)
    r = RULES_BY_ID.get(code)
    if r is not None and r.name:
        return r.name
    return NOTE_NAMES.get(code, code)


# ---------------------------------------------------------------------------
# Validation of the table itself
# ---------------------------------------------------------------------------


def validate_rules(rules: Iterable[Rule] = RULES) -> list[str]:
    """Problems with a rules table (empty list when it is well formed).

    Checks: id pattern and uniqueness, severity and scope values, Chinese message and
    description present, message template parseable, and every referenced cell, row or
    table known to :mod:`parsing.forms`.
    """
    problems = []
    seen = set()
    for r in rules:
        if not _ID.match(r.id or ""):
            problems.append(f"{r.id!r}: id must look like STR-01 / ARI-01 / TXT-01 / XYR-01")
        if r.id in seen:
            problems.append(f"{r.id}: duplicate id")
        seen.add(r.id)
        if r.severity not in SEVERITIES:
            problems.append(f"{r.id}: bad severity {r.severity!r}")
        if r.scope not in SCOPES:
            problems.append(f"{r.id}: bad scope {r.scope!r}")
        if r.pairwise and r.scope != "batch":
            problems.append(f"{r.id}: pairwise rules must have scope 'batch'")
        if not callable(r.check):
            problems.append(f"{r.id}: check is not callable")
        for text, name in ((r.message, "message"), (r.description, "description")):
            if not text or not re.search(r"[\u4e00-\u9fff]", text):
                problems.append(f"{r.id}: {name} must be a Chinese sentence")
        if not r.name or not re.search(r"[\u4e00-\u9fff]", r.name) or len(r.name) > 12:
            problems.append(f"{r.id}: name must be a short Chinese name (at most 12 characters)")
        try:
            list(string.Formatter().parse(r.message or ""))
        except ValueError as exc:
            problems.append(f"{r.id}: bad message template ({exc})")
        for cell in r.cells:
            table, row, column = (tuple(cell) + (None, None, None))[:3]
            if table not in forms.TABLES:
                problems.append(f"{r.id}: unknown table {table!r}")
            elif row is not None and (table, row) not in KNOWN_ROWS:
                problems.append(f"{r.id}: unknown row {table}/{row!r}")
            elif column is not None and row is not None and (table, row, column) not in KNOWN_CELLS:
                problems.append(f"{r.id}: unknown cell {table}/{row}/{column!r}")
            elif column is not None and row is None and not any(t == table and c == column for t, _, c in KNOWN_CELLS):
                problems.append(f"{r.id}: unknown column {table}/{column!r}")
    return problems


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def _finding(r: Rule, hit: dict) -> dict:
    """A finding row from a rule's hit; raises when the hit names a cell the forms do not know."""
    table, row, column = hit.get("table"), hit.get("row"), hit.get("column")
    if table is not None and table not in forms.TABLES:
        raise ValueError(f"unknown table {table!r}")
    if row is not None and (table, row) not in KNOWN_ROWS:
        raise ValueError(f"unknown row {table}/{row!r}")
    if column is not None and row is not None and (table, row, column) not in KNOWN_CELLS:
        raise ValueError(f"unknown cell {table}/{row}/{column!r}")
    params = {k: ("" if v is None else v) for k, v in hit.items()}
    expected, actual = hit.get("expected"), hit.get("actual")
    # the LOCATION_KEYS in their order; expected and actual numbers as _n makes them
    return {"rule": r.id, "severity": r.severity, "message": r.message.format(**params),
            "table": table, "row": row, "column": column, "section": hit.get("section"),
            "expected": _n(expected) if isinstance(expected, (int, float)) else expected,
            "actual": _n(actual) if isinstance(actual, (int, float)) else actual}


def _error_finding(r: Rule, exc: BaseException) -> dict:
    out = {k: None for k in FINDING_COLUMNS}
    out.update(rule=r.id, severity="error", message=RULE_ERROR_MESSAGE.format(error=f"{type(exc).__name__}: {exc}"))
    return out


def _run(r: Rule, *args) -> list[dict]:
    """Every finding of one rule; an exception becomes one error finding instead of a crash."""
    try:
        return [_finding(r, h) for h in (r.check(*args) or ())]
    except Exception as exc:  # noqa: BLE001 - a broken rule must not stop the others
        return [_error_finding(r, exc)]


def _na(v) -> bool:
    """Whether a finding's field is missing (None, NaN, NA), as ``pd.notna`` decides for a frame's element."""
    if v is None:
        return True
    if isinstance(v, float):
        return v != v
    if isinstance(v, (str, int)):
        return False
    return bool(pd.api.types.is_scalar(v) and pd.isna(v))


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    # missing fields as None (object dtype): built column by column, not by a where() over the whole frame
    # (nor through pandas' conversion of a list of rows: the same objects, a few times faster)
    data = {}
    n = len(rows)
    plain = (str, int)  # never missing (_na's fast cases, without its call)
    try:  # every row has every column (the rules' findings and the notes do): the columns taken at once
        taken = list(zip(*map(operator.itemgetter(*columns), rows))) if len(columns) > 1 else None
    except KeyError:
        taken = None
    for i, c in enumerate(columns):
        col = taken[i] if taken is not None else None
        if col is not None and _PLAIN_TYPES.issuperset(map(type, col)):  # nothing missing but None
            data[c] = np.fromiter(col, dtype=object, count=n)
            continue
        # fromiter, not a slice assignment: a tuple or list in a cell stays one object
        data[c] = np.fromiter((v if (v := r.get(c)) is not None and (type(v) in plain or not _na(v)) else None
                               for r in rows), dtype=object, count=n)
    return object_frame(data, columns)


_PLAIN_TYPES = frozenset((str, int, type(None)))  # values _frame keeps as they are without asking _na



_RANK = {"info": 0, "warning": 1, "error": 2}


def _location(f: dict):
    if f.get("table") is None:
        return None  # only table, row, column and cell locations are compared
    return (f.get("table"), f.get("row"), f.get("column"))


def _covers(outer, inner) -> bool:
    """Whether location ``outer`` includes ``inner`` (a row note covers that row's cells, a column
    note that column's cells; a whole-table location covers only itself)."""
    if outer is None or inner is None or outer[0] != inner[0]:
        return False
    if outer[1] is None and outer[2] is None:
        return inner[1] is None and inner[2] is None
    return (outer[1] is None or outer[1] == inner[1]) and (outer[2] is None or outer[2] == inner[2])


def _merge_notes(notes: list[dict], found: list[dict]) -> list[dict]:
    """Parse notes first, then rule findings, without saying the same thing twice.

    A rule finding is dropped when a parse note at least as severe already points at the same
    place or a place that includes it (the note carries the parser's detail, e.g. the raw text
    of a short row); a parse note is dropped when a more severe rule finding covers it (e.g. the
    structure error for a missing column replaces the parser's warning).
    """
    fast = _merge_by_place(notes, found)
    if fast is not None:
        return fast
    note_locs = [(_location(f), _RANK.get(f.get("severity"), 0)) for f in notes]
    notes_by = _by_table(note_locs)  # a location covers only locations in its own table
    kept_found = []
    for f in found:
        loc, rank = _location(f), _RANK.get(f["severity"], 0)
        if loc is not None and any(_covers(nl, loc) and nr >= rank for nl, nr in notes_by.get(loc[0], ())):
            continue
        kept_found.append(f)
    found_by = _by_table([(_location(f), _RANK.get(f["severity"], 0)) for f in kept_found])
    kept_notes = [f for f, (nl, nr) in zip(notes, note_locs)
                  if nl is None or not any(_covers(fl, nl) and fr > nr for fl, fr in found_by.get(nl[0], ()))]
    return kept_notes + kept_found


def _covering(loc: tuple) -> tuple:
    """The locations that cover ``loc`` (:func:`_covers`): itself; for a cell also its row's and its column's."""
    t, r, c = loc
    if r is None or c is None:
        return (loc,)
    return (loc, (t, None, c), (t, r, None))


def _merge_by_place(notes: list[dict], found: list[dict]) -> Optional[list[dict]]:
    """:func:`_merge_notes` by looking up the few locations that cover each one (:func:`_covering`) instead of
    comparing every pair in a table; None (the caller compares pairs) when a location holds something other
    than text or None (whose equality a lookup might not decide as ``==`` does)."""
    note_locs = []
    for f in notes:
        loc = _location(f)
        if loc is not None and not _PLACE_TYPES.issuperset(map(type, loc)):
            return None
        note_locs.append((loc, _RANK.get(f.get("severity"), 0)))
    found_locs = []
    for f in found:
        loc = _location(f)
        if loc is not None and not _PLACE_TYPES.issuperset(map(type, loc)):
            return None
        found_locs.append((loc, _RANK.get(f["severity"], 0)))
    most: dict = {}  # location -> the highest rank of a note there
    for loc, rank in note_locs:
        if loc is not None and most.get(loc, -1) < rank:
            most[loc] = rank
    kept_found, most_found = [], {}
    for f, (loc, rank) in zip(found, found_locs):
        if loc is not None and most and any(most.get(x, -1) >= rank for x in _covering(loc)):
            continue
        kept_found.append(f)
        if loc is not None and most_found.get(loc, -1) < rank:
            most_found[loc] = rank
    kept_notes = [f for f, (nl, nr) in zip(notes, note_locs)
                  if nl is None or not any(most_found.get(x, -1) > nr for x in _covering(nl))]
    return kept_notes + kept_found


_PLACE_TYPES = frozenset((str, type(None)))


def _by_table(locs: list) -> dict:
    """(location, rank) pairs by their location's table, in order; pairs without a location left out (they
    neither cover nor are covered: :func:`_covers`)."""
    by: dict = {}
    for loc, rank in locs:
        if loc is not None:
            by.setdefault(loc[0], []).append((loc, rank))
    return by


def _notes(report: ParsedReport) -> list[dict]:
    """The parse notes as finding rows: :func:`_notes_by_pandas`'s answer, read without pandas' frame operations
    where the notes are in the findings shape already (every frame ``Notes.frame()`` makes)."""
    notes = report.notes
    if notes is None or not len(notes):
        return []
    if _box_native is None or notes.columns.tolist() != FINDING_COLUMNS or not _all_object(notes):
        return _notes_by_pandas(notes)
    # one object array of the whole frame (its columns all object: the values as they are, no Series per column)
    plain = (str, int)  # neither missing nor changed by maybe_box_native
    return [dict(zip(FINDING_COLUMNS, [v if type(v) in plain else None if v is None or _checknull(v)
                                       else _box_native(v) for v in row]))
            for row in notes.to_numpy(dtype=object).tolist()]


def _all_object(frame: pd.DataFrame) -> bool:
    """Whether every column of ``frame`` is of object dtype (read from its columns' arrays where pandas gives them
    without a Series: ``frame.dtypes`` makes one, a tenth of a millisecond for a new frame)."""
    get = getattr(frame, "_get_column_array", None)
    if get is None:  # pragma: no cover - another pandas
        return all(dt == object for dt in frame.dtypes)
    return all(get(i).dtype == object for i in range(frame.shape[1]))


def _notes_by_pandas(notes: pd.DataFrame) -> list[dict]:
    """The notes frame as records in the findings columns, None for every missing value (pandas' own way)."""
    n = notes.reindex(columns=FINDING_COLUMNS).astype("object")
    return n.where(pd.notna(n), None).to_dict("records")


def _ctx(report: ParsedReport, publish_deadline: Optional[str] = None) -> Ctx:
    ctx = Ctx(report)
    ctx.body = body_key(report)
    ctx.publish_deadline = publish_deadline
    return ctx


def check_report(report: ParsedReport, previous: Optional[ParsedReport] = None,
                 rules: Iterable[Rule] = RULES, publish_deadline: Optional[str] = None) -> pd.DataFrame:
    """Findings for one report: its parse notes, then every report-scope rule.

    ``previous`` is the same body's earlier report; when given, the pairwise cross-year rules
    (carry-over, 现行有效 continuity, 内容雷同 with last year) also run and their findings are
    on ``report``. Where a parse note and a rule finding point at the same cells, only one is
    kept (see :func:`_merge_notes`). ``publish_deadline`` is the province's deadline ("MM-DD", ''
    for none; default: the environment variable :data:`DEADLINE_ENV` of this process). Returns a frame
    with exactly :data:`FINDING_COLUMNS` (object dtype, None where a field does not apply). Never
    raises for a bad report.

    The same as ``with_previous(own_findings(report, rules, publish_deadline), previous)``.
    """
    return with_previous(own_findings(report, rules, publish_deadline), previous)


class OwnFindings:
    """What :func:`check_report` finds in one report on its own: its parse notes and each report-scope rule's
    findings, before the merge. :func:`with_previous` adds the pairwise cross-year rules for a previous report
    and merges, so a worker can run a report's own rules once and the process that knows last year's report
    adds only the cross-year part (``with_previous(own_findings(r), prev) == check_report(r, prev)``).

    Picklable, the rules must be :data:`RULES`: the prepared :class:`Ctx` goes along without the report (pickled
    once, as :attr:`report`) and the form's expected cells (module constants), and is put together again on
    unpickling, so the process receiving it (the importing one, for the cross-year rules of this report and of
    next year's) need not prepare it again (about 0.4 ms per corpus report). A context of another kind, or made for
    another report, is not sent; it is rebuilt on first use."""

    def __init__(self, report: ParsedReport, notes: list, rows: list, rules: Optional[tuple],
                 publish_deadline: Optional[str], ctx: Optional[Ctx] = None):
        self.report = report
        self.notes = notes
        self.rows = rows  # per rule of ``rules``: its findings (report scope) or None; [STR-00's] for an error
        self.rules = rules  # None for RULES
        self.publish_deadline = publish_deadline
        self._ctx = ctx

    @property
    def ctx(self) -> Ctx:
        if self._ctx is None:
            self._ctx = _ctx(self.report, self.publish_deadline)
        return self._ctx

    def __getstate__(self):
        if self.rules is not None:
            raise TypeError("OwnFindings of rules other than RULES cannot be pickled")
        state = dict(self.__dict__)
        ctx = state["_ctx"]
        state["_ctx"] = None
        if (type(ctx) is Ctx and ctx.report is self.report
                and ctx.expected is _EXPECTED.get(ctx.form)):
            state["_ctx"] = {k: v for k, v in vars(ctx).items() if k not in _CTX_SHARED and k not in _CTX_UNPICKLED}
        return state

    def __setstate__(self, state):
        ctx = state.get("_ctx")
        self.__dict__.update(state)
        if ctx is not None:
            self._ctx = Ctx.__new__(Ctx)
            self._ctx.__dict__.update(ctx)
            self._ctx.report = self.report
            self._ctx.expected = _EXPECTED[self._ctx.form]


# the parts of a Ctx that OwnFindings does not pickle with it: the report (pickled as OwnFindings.report) and the
# form's expected cells (module constants)
_CTX_SHARED = ("report", "expected")
# and what a Ctx remembers of itself (made again when asked)
_CTX_UNPICKLED = ("_statuses",)


def own_findings(report: ParsedReport, rules: Iterable[Rule] = RULES,
                 publish_deadline: Optional[str] = None) -> OwnFindings:
    """The parse notes and report-scope rule findings of ``report`` (see :class:`OwnFindings`)."""
    notes = _notes(report)
    ctx = _ctx(report, publish_deadline)
    given = None if rules is RULES else tuple(rules)
    if report.error:  # nothing else can be checked
        return OwnFindings(report, notes, [_run(RULES_BY_ID["STR-00"], ctx)], given, publish_deadline, ctx)
    rows = [_run(r, ctx) if r.scope == "report" else None for r in (RULES if given is None else given)]
    return OwnFindings(report, notes, rows, given, publish_deadline, ctx)


def with_previous(own: OwnFindings, previous: "Optional[ParsedReport | OwnFindings]" = None) -> pd.DataFrame:
    """The findings frame of :func:`check_report` from a report's :func:`own_findings` and last year's report
    (a :class:`ParsedReport`, or its :class:`OwnFindings` to reuse its prepared context), running only the
    pairwise cross-year rules."""
    return _frame(with_previous_rows(own, previous), FINDING_COLUMNS)


def with_previous_rows(own: OwnFindings, previous: "Optional[ParsedReport | OwnFindings]" = None) -> list[dict]:
    """The finding dicts :func:`with_previous` makes its frame of (the importing process stores them as they
    are, without the frame: :class:`parsing.pipeline.Found`)."""
    if own.report.error:
        return own.notes + own.rows[0]
    prev = None
    if isinstance(previous, OwnFindings):
        prev = previous.ctx if not previous.report.error else None
    elif previous is not None and not previous.error:
        prev = _ctx(previous)
    rows: list[dict] = []
    ctx = None
    for r, found in zip(RULES if own.rules is None else own.rules, own.rows):
        if r.scope == "report":
            rows += found
        elif r.pairwise and prev is not None:
            ctx = ctx or own.ctx
            rows += _run(r, ctx, prev)
    return _merge_notes(own.notes, rows)


def check_batch(reports: list[ParsedReport], rules: Iterable[Rule] = RULES) -> pd.DataFrame:
    """Cross-report findings over a batch (a folder, an upload of many files).

    Reports are grouped into bodies (see :func:`body_key`); pairwise rules run on each body's
    consecutive reports (sorted by year; 内容雷同 also against the previous report when a year is
    missing), batch rules on the whole list. Each finding is on the later report of its pair.
    Returns a frame with columns ``file``, ``sha256`` and then :data:`FINDING_COLUMNS`.
    Reports that could not be read or have no year take no part.
    """
    rules = list(rules)
    ctxs = [_ctx(r) for r in reports if not r.error]
    rows: list[dict] = []

    def on(ctx: Ctx, found: list[dict]):
        for f in found:
            rows.append(dict(f, file=ctx.report.file, sha256=ctx.report.sha256))

    by_body: dict[str, list[Ctx]] = {}
    seen: set = set()
    for c in ctxs:
        if c.year is None or not c.body or (c.body, c.year) in seen:
            continue
        seen.add((c.body, c.year))
        by_body.setdefault(c.body, []).append(c)
    for group in by_body.values():
        group.sort(key=lambda c: c.year)
        for prev, cur in zip(group, group[1:]):
            for r in rules:
                if r.scope == "batch" and r.pairwise:
                    on(cur, _run(r, cur, prev))
    for r in rules:
        if r.scope == "batch" and not r.pairwise:
            try:
                hits = list(r.check(ctxs) or ())
            except Exception as exc:  # noqa: BLE001
                rows.append(dict(_error_finding(r, exc), file=None, sha256=None))
                continue
            for h in hits:
                target = ctxs[h.pop("on")]
                try:
                    on(target, [_finding(r, h)])
                except Exception as exc:  # noqa: BLE001
                    on(target, [_error_finding(r, exc)])
    return _frame(rows, BATCH_COLUMNS)


BADGE_PASS, BADGE_WARN, BADGE_ERROR, BADGE_UNREADABLE = "通过", "有警告", "有错误", "无法读取"


def badge_counts(error: int = 0, warning: int = 0, info: int = 0, unreadable: bool = False) -> dict:
    """The badge from counts by severity: ``{"label": 通过|有警告|有错误|无法读取, "level":
    pass|warning|error|unreadable, "error": n, "warning": n, "info": n}``. An unreadable file has no counts."""
    if unreadable:
        return {"label": BADGE_UNREADABLE, "level": "unreadable", "error": 0, "warning": 0, "info": 0}
    counts = {"error": int(error), "warning": int(warning), "info": int(info)}
    if counts["error"]:
        label, level = BADGE_ERROR, "error"
    elif counts["warning"]:
        label, level = BADGE_WARN, "warning"
    else:
        label, level = BADGE_PASS, "pass"
    return {"label": label, "level": level, **counts}


def badge(findings: Optional[pd.DataFrame], unreadable: bool = False) -> dict:
    """The badge of one report from its findings (those the reviewer dismissed left out by the caller):
    see :func:`badge_counts`. ``unreadable``: the file could not be read at all."""
    sev = findings["severity"] if findings is not None and len(findings) else pd.Series([], dtype="object")
    return badge_counts(*(int((sev == s).sum()) for s in SEVERITIES), unreadable=unreadable)


# ---------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def catalogue(rules: Iterable[Rule] = RULES) -> str:
    """The rules catalogue (Markdown), generated from the table; docs/rules.md holds its output."""
    rules = list(rules)
    lines = [
        "# 审查规则目录",
        "",
        "本文件由 `python -m parsing.rules --catalogue > docs/rules.md` 从规则表 `parsing.rules.RULES` 生成，请勿手工编辑；"
        "测试会检查本文件与规则表一致。",
        "",
        "严重程度：**错误**＝违反表格勾稽关系或明确要求；**警告**＝可能有问题，需审查人员核对；**提示**＝建议或趋势。",
        "空白、无法识别或缺失的单元格一律不按0计算：含这类单元格的勾稽关系不计算，单元格本身由 ARI-06、ARI-13 或 STR-03/04/05 各报告一次。",
        "解析过程发现的问题（规则编号 `PARSE-…`）由解析器给出，与下列规则的结果放在同一张表中。",
        "审查台和导出文件用“名称”称呼规则，编号写在提示和导出文件的“规则编号”列中。",
        f"发布时效（PUB-…）按报告所载的发布日期检查：网页上的“发布时间”、网页元数据，或审查人员录入的日期；"
        f"本省期限写在环境变量 `{DEADLINE_ENV}` 中（“月-日”，如 02-20）。",
        "",
    ]
    for scope in SCOPES:
        lines += [f"## {SCOPE_ZH[scope]}", "", "| 编号 | 名称 | 严重程度 | 提示信息 | 说明 | 依据 |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for r in rules:
            if r.scope == scope:
                lines.append(f"| {r.id} | {_md(r.name)} | {SEVERITY_ZH[r.severity]} | {_md(r.message)} | {_md(r.description)}"
                             f" | {_md(r.basis)} |")
        lines.append("")
    from .extract.notes import NOTES

    lines += ["## 解析说明（解析器给出）", "", "| 编号 | 名称 | 严重程度 | 提示信息 | 说明 |", "| --- | --- | --- | --- | --- |"]
    for n in NOTES:
        lines.append(f"| {n.code} | {_md(rule_name(n.code))} | {SEVERITY_ZH[n.severity]} | {_md(n.message)}"
                     f" | {_md(n.description)} |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[1:] == ["--catalogue"]:
        sys.stdout.write(catalogue())
        return 0
    sys.stderr.write("用法：python -m parsing.rules --catalogue > docs/rules.md\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
