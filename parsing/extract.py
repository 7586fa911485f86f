"""From a reader's Document to a ParsedReport: metadata, sections, every cell of the form, notes.

Pipeline (format-agnostic):

1. ``document_to_template``: which form the report uses (fingerprint strings).
2. ``blocks_to_sections``: the six section headings in order, and the text of each section.
3. ``grids_to_cells``: every table row is matched onto the form by its label (not by its
   position), its value cells are fitted onto the form's columns, and each number keeps its raw
   text and page. Rows whose cells cannot be aligned for sure are left null with a note.
4. ``title_to_metadata``: body, region and year.
"""
from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

import pandas as pd

from . import forms
from .forms import FORM_2019, FORM_2021, norm, strip_number
from .model import Cell, Document, Grid, ReportError, TextBlock
from .report import FINDING_COLUMNS, VALUE_COLUMNS, ParsedReport, SectionText

# ---------------------------------------------------------------------------
# Notes
# ---------------------------------------------------------------------------


class Notes:
    """Collects parse notes in the findings shape (rule ids PARSE-…)."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, rule: str, severity: str, message: str, table=None, row=None, column=None,
            section=None, expected=None, actual=None):
        self.rows.append(dict(rule=rule, severity=severity, message=message, table=table, row=row,
                              column=column, section=section, expected=expected, actual=actual))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=FINDING_COLUMNS).astype(object)


# ---------------------------------------------------------------------------
# Cell values
# ---------------------------------------------------------------------------

_BLANK_MARKS = {"", "-", "--", "—", "——", "/", "\\", "－", "—-"}
_NUM = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_NUM_UNIT = re.compile(r"^([+-]?\d+(?:\.\d+)?)(件|个|项|次|条|万元|元)$")


def _clean_num_text(text: str) -> str:
    s = unicodedata.normalize("NFKC", text or "")
    s = re.sub(r"[\s\u3000\u00a0\u200b]+", "", s)
    return s


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
              "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_NUM = re.compile(r"^[零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万]+$")
# words that stand where a number should be: kept in the value cells, read as unreadable (not as 0)
_VALUE_WORDS = {"无", "空", "暂无", "未统计", "不详"}


def cn_to_int(s: str) -> Optional[int]:
    """A number written in Chinese characters (十二, 一百零五, 两千三百, 壹万) as an int, else None."""
    if not s or not _CN_NUM.match(s):
        return None
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            if digit is not None and digit != 0 and _CN_DIGITS[ch] != 0:
                return None  # two digits in a row (一二) is not a number word
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
    return total + section + (digit or 0)


def is_blank_text(text: Optional[str]) -> bool:
    return _clean_num_text(text or "") in _BLANK_MARKS


def is_number_text(text: Optional[str]) -> bool:
    s = _clean_num_text(text or "")
    if "," in s and re.match(r"^\d{1,3}(,\d{3})+(\.\d+)?$", s):
        return True
    return bool(_NUM.match(s) or _NUM_UNIT.match(s) or s in _VALUE_WORDS or cn_to_int(s) is not None)


def parse_value(text: Optional[str]) -> tuple[Optional[float], str, Optional[str]]:
    """(value, status, note) for a cell's raw text. Blank is not 0; text is not 0."""
    s = _clean_num_text(text or "")
    if s in _BLANK_MARKS:
        return None, "blank", None
    if re.match(r"^\d{1,3}(,\d{3})+(\.\d+)?$", s):
        return float(s.replace(",", "")), "ok", None
    if _NUM.match(s):
        return float(s), "ok", None
    m = _NUM_UNIT.match(s)
    if m:
        return float(m.group(1)), "ok", f"单元格带单位“{m.group(2)}”"
    n = cn_to_int(s)
    if n is not None:
        return float(n), "ok", "单元格中的数字以汉字书写"
    if s in _VALUE_WORDS:
        return None, "unreadable", f"单元格写作“{s}”而不是数字"
    return None, "unreadable", "单元格内容不是数字"


def _is_texty(cell: Optional[Cell]) -> bool:
    return cell is not None and not is_blank_text(cell.text) and not is_number_text(cell.text)


# ---------------------------------------------------------------------------
# Template detection
# ---------------------------------------------------------------------------


def document_to_template(doc: Document) -> tuple[Optional[str], dict]:
    texts = []
    for item in doc.items:
        if isinstance(item, Grid):
            texts.extend(norm(c.text) for r in item.rows for c in r if c is not None)
        else:
            texts.append(norm(item.text))
    blob = "\n".join(texts)
    score = {f: sum(1 for fp in fps if norm(fp) in blob) for f, fps in forms.FINGERPRINTS.items()}
    if score[FORM_2021] == 0 and score[FORM_2019] == 0:
        return None, score
    return (FORM_2021 if score[FORM_2021] >= score[FORM_2019] else FORM_2019), score


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------

_NUMERALS = "一二三四五六"
_HEADING = re.compile(r"^(?:第)?([一二三四五六])(?:、|\.|．|,|，|部分)\s*(.*)$")


def _heading_section(text: str, last: int) -> Optional[int]:
    """The section number a line is the heading of, or None. Only sections after ``last``."""
    s = unicodedata.normalize("NFKC", text).strip()
    s = re.sub(r"^[#*\s]+", "", s).replace("*", "").strip()
    s = re.sub(r"\s+", "", s)
    m = _HEADING.match(s)
    if m:
        numeral, rest = m.group(1), m.group(2)
        if len(rest) > 40:
            return None
        rest_n = norm(rest)
        candidates = [sec for sec in forms.SECTIONS if sec.number > last
                      and any(norm(k) in rest_n for k in sec.keywords)]
        if not candidates:
            return None
        for sec in candidates:
            if sec.numeral == numeral:
                return sec.number
        return candidates[0].number
    # a heading printed without its numeral: the whole line equals the official heading
    s_n = norm(s)
    for sec in forms.SECTIONS:
        if sec.number > last and s_n == norm(sec.heading[2:]):
            return sec.number
    return None


def _numeral_is(text: str, number: int) -> bool:
    s = re.sub(r"^[#*\s]+", "", unicodedata.normalize("NFKC", text).strip())
    return s.startswith(_NUMERALS[number - 1] + "、")


def blocks_to_sections(doc: Document) -> tuple[dict[int, SectionText], list[Optional[int]]]:
    """Find the six section headings in order. Returns the sections and, per document item,
    the section it belongs to (None before the first heading)."""
    sections = {n: SectionText(n) for n in range(1, 7)}
    item_section: list[Optional[int]] = []
    current: Optional[int] = None
    last = 0
    for item in doc.items:
        if isinstance(item, TextBlock):
            num = _heading_section(item.text, last)
            in_order = True
            if num is None:  # a heading that comes after a later section's heading
                num = _heading_section(item.text, 0)
                if num is not None and (sections[num].found or not _numeral_is(item.text, num)):
                    num = None
                in_order = False
            if num is not None:
                current = num
                last = max(last, num)
                sec = sections[num]
                sec.found = True
                sec.in_order = in_order
                sec.heading = item.text.strip()
                sec.page = item.page
                item_section.append(num)
                continue
            if current is not None:
                sec = sections[current]
                sec.text = (sec.text + "\n" + item.text) if sec.text else item.text
        item_section.append(current)
    return sections, item_section


# ---------------------------------------------------------------------------
# Metadata: title, body, region, year
# ---------------------------------------------------------------------------

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(
    r"((?:19|20)\d{2})\s*年\s*(?:度\s*)?(?:1|一)\s*月\s*(?:1|一)\s*日\s*(?:起\s*)?(?:至|到|-|—|~)\s*"
    r"(?:((?:19|20)\d{2})\s*年\s*)?12\s*月\s*31\s*日")
_TITLE_KEY = re.compile(r"(政府)?信息公开(工作)?(年度)?报告|政务公开.*报告")


def find_title(doc: Document) -> Optional[str]:
    for item in doc.items[:40]:
        if isinstance(item, Grid):
            continue
        t = item.text.strip()
        if not t or _heading_section(t, 0):
            continue
        if _TITLE_KEY.search(t) and len(t) <= 80:
            return re.sub(r"\s+", " ", t).strip()
    return None


_TOWNSHIP = re.compile(r"^(?P<region>.+?(?:省|自治区|市|州|盟|地区|区|县|旗))(?P<body>[^省市县区旗]{1,12}?(?:镇|乡|街道|苏木)"
                       r"(?:人民政府|办事处|街道办事处)?)$")


def title_to_body(title: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(body, region) from a title such as 原州区寨科乡 2023年政府信息公开工作年度报告."""
    if not title:
        return None, None
    t = re.sub(r"^关于", "", title.strip())
    cut = len(t)
    for pat in (_YEAR, re.compile(r"(政府)?信息公开"), re.compile(r"政务公开")):
        m = pat.search(t)
        if m:
            cut = min(cut, m.start())
    name = re.sub(r"[\s\u3000]+", "", t[:cut]).rstrip("的")
    name = re.sub(r"^\d{4}年(度)?", "", name)
    if not name:
        return None, None
    m = _TOWNSHIP.match(name)
    if m:
        return m.group("body"), m.group("region")
    return name, None


def find_year(title: Optional[str], text: str, section1: str) -> tuple[Optional[int], Optional[str]]:
    if title:
        m = _YEAR.search(title)
        if m:
            return int(m.group(1)), "title"
    m = _PERIOD.search(text)
    if m:
        return int(m.group(1)), "period"
    counts = Counter(int(y) for y in _YEAR.findall(section1 or text))
    if counts:
        return counts.most_common(1)[0][0], "text"
    return None, None


# ---------------------------------------------------------------------------
# Table matching
# ---------------------------------------------------------------------------


@dataclass
class Target:
    """A form row a table row can be matched to."""

    table: str
    key: str  # row key (2021 or 2019 naming)
    leaf: str
    columns: tuple
    form: str
    group: str = ""
    caption: str = ""


@dataclass
class RowObs:
    labels: list[tuple[int, Cell]]
    values: list[Optional[Cell]]
    cells: list[Optional[Cell]]
    page: Optional[int]


@dataclass
class MatchState:
    table: Optional[str] = None
    caption: Optional[str] = None  # current 二 sub-table caption (official)
    group: Optional[str] = None  # current 三 group label
    cols_三: Optional[tuple] = None  # applicant columns present, as detected in headers
    headers_三: set = field(default_factory=set)
    in_header_三: bool = False
    cols_二: dict = field(default_factory=dict)  # caption -> columns as printed (normalised -> official)


def _split_row(row: list[Optional[Cell]]) -> RowObs:
    last_label = -1
    for i, c in enumerate(row):
        if _is_texty(c):
            last_label = i
    labels = [(i, c) for i, c in enumerate(row[: last_label + 1]) if _is_texty(c)]
    values = list(row[last_label + 1:])
    # slots covered by the label's own horizontal merge come back as None: they are not value cells
    while values and values[0] is None and labels:
        values.pop(0)
    page = next((c.page for c in row if c is not None and c.page is not None), None)
    return RowObs(labels, values, row, page)


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _label_match(cell_n: str, official: str, variants=()) -> tuple[bool, bool]:
    """(matches, exact) for a normalised cell text against an official label."""
    off_n = norm(official)
    if cell_n == off_n or any(cell_n == norm(v) for v in variants):
        return True, True
    cs, os_ = strip_number(cell_n), strip_number(off_n)
    if cs == os_ and (len(os_) >= 4 or cs != cell_n) and cs:
        return True, True
    if len(os_) >= 6 and len(cs) >= 4 and _similar(cs, os_) >= 0.85:
        return True, False
    return False, False


_CAPTION = re.compile(r"第二十条第\(([一二三四五六七八九十])\)项")


def _targets(template: str) -> dict:
    """Per table: the rows a table row can match, for the report's form."""
    out = {"二": {}, "三": [], "四": []}
    for st in forms.subtables_二(template):
        out["二"][st.caption] = [Target("二", f"{st.caption}/{r}", r, st.columns, template, caption=st.caption)
                                for r in st.rows]
    for r in forms.row_defs("三", template):
        out["三"].append(Target("三", r.key, r.leaf, forms.APPLICANT_COLUMNS, template, group=r.group))
    for r in forms.ROWS_四:
        out["四"].append(Target("四", r.key, r.leaf, forms.OUTCOME_COLUMNS, template, group=r.group))
    return out


_HEADERS_三 = {norm(c): c for c in forms.APPLICANT_COLUMNS}
_HEADERS_三_EXTRA = {norm(x) for x in ("申请人情况", "法人或其他组织")}
_HEADERS_四 = {norm(x) for x in ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉") + forms.OUTCOME_COLUMNS}
_NOTE_三 = norm("本列数据的勾稽关系")
_GROUPS_三 = tuple(forms._G3.values())


def fit_values(values: list[Optional[Cell]], n: int) -> tuple[list[Optional[Cell]], list[bool], str]:
    """Fit a row's value cells onto n columns.

    Returns (cells, sure, problem): ``cells`` has n entries (None = no cell), ``sure[i]`` is
    False where the column of a value cannot be told for sure, ``problem`` is '' or 'short' /
    'long' / 'ambiguous'. Extra empty cells at either end are layout padding; which end they
    come from only matters if it changes what lands where, and then those cells are unsure.
    """
    m = len(values)
    if m == n:
        return list(values), [True] * n, ""
    if m < n:
        if all(c is None or is_blank_text(c.text) for c in values):
            return [None] * n, [True] * n, ""  # nothing printed at all: all blank
        return [None] * n, [False] * n, "short"

    def empty(c):
        return c is None or is_blank_text(c.text)

    windows = []
    for start in range(0, m - n + 1):
        dropped = values[:start] + values[start + n:]
        if all(empty(c) for c in dropped):
            windows.append(values[start:start + n])
    if not windows:
        return [None] * n, [False] * n, "long"
    # prefer dropping trailing padding first (the window that starts earliest)
    chosen = windows[0]
    sure = []
    for i in range(n):
        texts = {(_clean_num_text(w[i].text) if w[i] is not None else "") for w in windows}
        texts = {"" if t in _BLANK_MARKS else t for t in texts}
        sure.append(len(texts) == 1)
    return list(chosen), sure, ("" if all(sure) else "ambiguous")


class TableMatcher:
    """Matches the rows of all grids, in document order, onto the form's cells."""

    def __init__(self, template: str, notes: Notes):
        self.template = template
        self.notes = notes
        self.targets = _targets(template)
        self.state = MatchState()
        # (table, row_key, column) -> dict(value, raw, page, status, confidence)
        self.cells: dict[tuple, dict] = {}
        self.rows_seen: set = set()
        self.label_notes: set = set()
        self.tables_seen: set = set()

    # -- header handling -------------------------------------------------------------
    def _header_row(self, obs: RowObs) -> bool:
        texts = [norm(c.text) for _, c in obs.labels]
        if not texts or any(c is not None and is_number_text(c.text) for c in obs.values):
            return False
        # table 二 sub-table caption
        for t in texts:
            m = _CAPTION.search(t)
            if m:
                cap = f"第二十条第（{m.group(1)}）项"
                self.state.table, self.state.caption = "二", cap
                self.tables_seen.add("二")
                return True
        if self.state.table == "二" and texts and texts[0] == norm("信息内容"):
            self._columns_二(obs)
            return True
        hits_三 = [t for t in texts if t in _HEADERS_三 or t in _HEADERS_三_EXTRA or t.startswith(_NOTE_三)
                   or _NOTE_三 in t]
        if hits_三 and any(t in (norm("自然人"), norm("商业企业"), norm("申请人情况"), norm("科研机构"))
                          or _NOTE_三 in t for t in texts):
            if self.state.table != "三" or not self.state.in_header_三:
                self.state.headers_三 = set()
            self.state.table = "三"
            self.state.in_header_三 = True
            self.tables_seen.add("三")
            for t in texts:
                if t in _HEADERS_三:
                    self.state.headers_三.add(_HEADERS_三[t])
                else:
                    for h_n, h in _HEADERS_三.items():
                        if len(h_n) >= 4 and t != h_n and _similar(t, h_n) >= 0.8:
                            self.state.headers_三.add(h)
                            self._label_note("三", None, h, obs.labels[texts.index(t)][1].text, h)
            return True
        if self.state.table == "三" and self.state.in_header_三 and all(
                t in _HEADERS_三 or t in _HEADERS_三_EXTRA for t in texts):
            for t in texts:
                if t in _HEADERS_三:
                    self.state.headers_三.add(_HEADERS_三[t])
            return True
        hits_四 = [t for t in texts if t in _HEADERS_四]
        if hits_四 and len(hits_四) >= max(1, len(texts) // 2) and (
                norm("行政复议") in texts or norm("行政诉讼") in texts or self.state.table == "四"):
            self.state.table = "四"
            self.tables_seen.add("四")
            return True
        return False

    def _columns_二(self, obs: RowObs):
        """Check a 二 sub-table header row against the official column labels (by position)."""
        cap = self.state.caption
        st = next((s for s in forms.subtables_二(self.template) if s.caption == cap), None)
        if st is None:
            return
        printed = [c.text for _, c in obs.labels[1:]]
        for official, p in zip(st.columns, printed):
            p_n, o_n = norm(p), norm(official)
            if p_n == o_n:
                continue
            core = lambda x: re.sub(r"\(.*?\)", "", x)
            if core(p_n) == core(o_n) and all(part in p_n for part in re.findall(r"[\u4e00-\u9fff]+", o_n)):
                self.notes.add("PARSE-LABEL-REMARK", "info",
                               f"表二“{cap}”的表头“{p.strip()}”在官方表头“{official}”之外附加了说明。",
                               table="二", row=None, column=official, expected=official, actual=p.strip())
                continue
            self._label_note("二", None, official, p, official)

    def _label_note(self, table, row, official, printed, col=None):
        key = (table, official, printed)
        if key in self.label_notes:
            return
        self.label_notes.add(key)
        shown = re.sub(r"\s+", "", printed)
        self.notes.add("PARSE-LABEL", "warning",
                       f"表{table}中的“{shown}”与官方标签“{official}”不一致，已按“{official}”读取。",
                       table=table, row=row, column=col, expected=official, actual=printed.strip())

    # -- row matching ----------------------------------------------------------------
    def _match_二(self, obs: RowObs) -> Optional[tuple[Target, bool, str]]:
        caps = [self.state.caption] if self.state.caption else []
        caps += [c for c in self.targets["二"] if c not in caps]
        for cap in caps:
            for tgt in self.targets["二"][cap]:
                for _, c in obs.labels:
                    ok, exact = _label_match(norm(c.text), tgt.leaf)
                    if ok and (exact or len(tgt.leaf) >= 4):
                        return tgt, exact, c.text
        return None

    def _match_三(self, obs: RowObs) -> Optional[tuple[Target, bool, str]]:
        texts = [(c, norm(c.text)) for _, c in obs.labels]
        # group context from a group label in the row
        for c, t in texts:
            for g in _GROUPS_三:
                if t == norm(g) or strip_number(t) == strip_number(norm(g)):
                    self.state.group = g
        best = None
        # the most specific label (right-most) wins: sub-items before their group labels
        for c, t in reversed(texts):
            for tgt in self.targets["三"]:
                if tgt.leaf == "3.其他" and self.state.group != "（六）其他处理" and not t.startswith("3."):
                    continue
                ok, exact = _label_match(t, tgt.leaf)
                if ok:
                    cand = (tgt, exact, c.text)
                    if exact:
                        return cand
                    best = best or cand
            if best:
                return best
        # a joined label broken over several cells ("一、" + "本年新收…")
        joined = "".join(t for _, t in texts)
        for tgt in self.targets["三"]:
            ok, exact = _label_match(joined, tgt.leaf)
            if ok:
                return tgt, exact, "".join(c.text for c, _ in texts)
        return None

    def _match_四(self, obs: RowObs) -> Optional[tuple[Target, bool, str]]:
        for _, c in obs.labels:
            t = norm(c.text)
            for tgt in self.targets["四"]:
                if t == norm(tgt.leaf):
                    return tgt, True, c.text
        return None

    def feed_text(self, block: TextBlock):
        """A caption printed as a line of its own (第二十条第（五）项) sets the 二 sub-table that follows."""
        t = norm(block.text)
        m = _CAPTION.fullmatch(t) if len(t) <= 20 else None
        if m:
            self.state.table, self.state.caption = "二", f"第二十条第（{m.group(1)}）项"
            self.tables_seen.add("二")

    def feed(self, grid: Grid):
        for row in grid.rows:
            if not row or all(c is None or is_blank_text(c.text) for c in row):
                continue
            obs = _split_row(row)
            if self._header_row(obs):
                continue
            if not obs.labels:
                if self.state.table == "四" and obs.values:
                    self._assign_四_row(obs)
                continue
            order = ["二", "三", "四"]
            if self.state.table in order:  # the table being read is tried first
                order.remove(self.state.table)
                order.insert(0, self.state.table)
            hit = None
            for table in order:
                hit = getattr(self, f"_match_{table}")(obs)
                if hit:
                    break
            if not hit:
                continue
            tgt, exact, printed = hit
            self.state.table = tgt.table
            self.tables_seen.add(tgt.table)
            if tgt.table == "三":
                self.state.in_header_三 = False
                if tgt.group in _GROUPS_三:
                    self.state.group = tgt.group
            if tgt.table == "二":
                self.state.caption = tgt.caption
            if not exact:
                self._label_note(tgt.table, tgt.key, tgt.leaf, printed)
            self._assign(tgt, obs)

    def _columns_for(self, tgt: Target) -> tuple:
        if tgt.table == "三" and self.state.headers_三:
            present = tuple(c for c in forms.APPLICANT_COLUMNS if c in self.state.headers_三)
            if len(present) >= 5:
                return present
        return tgt.columns

    def _fit(self, table: str, leaf: str, row_key: Optional[str], obs: RowObs, n: int):
        """Fit a row's value cells onto n columns and note what could not be told for sure."""
        cells, sure, problem = fit_values(obs.values, n)
        raw_row = " | ".join((c.text if c is not None else "").replace("\n", "") for c in obs.values).strip(" |")
        if problem == "short":
            n_num = sum(1 for c in obs.values if c is not None and not is_blank_text(c.text))
            self.notes.add("PARSE-SHORT-ROW", "warning",
                           f"表{table}“{leaf}”行只有{n_num}个数值，应有{n}列，无法确定各数值所属的列，"
                           f"该行按无法读取处理（原文：{raw_row}）。",
                           table=table, row=row_key, expected=n, actual=n_num)
        elif problem == "long":
            self.notes.add("PARSE-LONG-ROW", "warning",
                           f"表{table}“{leaf}”行的数值多于{n}列，无法确定各数值所属的列，"
                           f"该行按无法读取处理（原文：{raw_row}）。",
                           table=table, row=row_key, expected=n, actual=len(obs.values))
        elif problem == "ambiguous":
            self.notes.add("PARSE-ALIGN", "warning",
                           f"表{table}“{leaf}”行的空单元格位置不确定，部分单元格按无法读取处理（原文：{raw_row}）。",
                           table=table, row=row_key)
        return cells, sure

    def _store(self, table: str, row_key: str, leaf: str, col: str, cell: Optional[Cell], sure: bool,
               page: Optional[int]):
        """Record one cell: its value, raw text, page and status."""
        page = cell.page if cell is not None and cell.page is not None else page
        if not sure:
            self.cells[(table, row_key, col)] = dict(value=None, raw=(cell.text if cell is not None else None),
                                                    status="unreadable", page=page, confidence=None,
                                                    bbox=(cell.bbox if cell is not None else None))
            return
        raw = cell.text if cell is not None else ""
        value, status, note = parse_value(raw)
        if status == "blank" and cell is not None and cell.confidence == 0.0:
            status, note = "unreadable", "文字识别未能读出该单元格的内容"  # marks on the scan, no text
        if note and status == "unreadable":
            self.notes.add("PARSE-UNREADABLE", "warning",
                           f"表{table}“{leaf}”行“{col}”列：{note}（原文“{raw}”），按无法读取处理。",
                           table=table, row=row_key, column=col, actual=raw)
        elif note:
            self.notes.add("PARSE-UNIT", "info",
                           f"表{table}“{leaf}”行“{col}”列{note}（原文“{raw}”），已取其数值。",
                           table=table, row=row_key, column=col, actual=raw)
        self.cells[(table, row_key, col)] = dict(value=value, raw=raw, status=status, page=page,
                                                confidence=(cell.confidence if cell is not None else None),
                                                bbox=(tuple(cell.bbox) if cell is not None and cell.bbox else None))

    def _assign(self, tgt: Target, obs: RowObs):
        key = (tgt.table, tgt.key)
        if key in self.rows_seen:
            self.notes.add("PARSE-DUPLICATE-ROW", "warning",
                           f"表{tgt.table}的“{tgt.leaf}”行出现了不止一次，只采用第一次出现的数值。",
                           table=tgt.table, row=tgt.key)
            return
        self.rows_seen.add(key)
        cols = self._columns_for(tgt)
        cells, sure = self._fit(tgt.table, tgt.leaf, tgt.key, obs, len(cols))
        for col, cell, ok in zip(cols, cells, sure):
            self._store(tgt.table, tgt.key, tgt.leaf, col, cell, ok, obs.page)

    def _assign_四_row(self, obs: RowObs):
        """The unlabelled row of table 四: 15 numbers, 行政复议 then the two 行政诉讼 groups."""
        if any(("四", r.key) in self.rows_seen for r in forms.ROWS_四):
            return
        if not any(c is not None and not is_blank_text(c.text) for c in obs.values) and len(obs.values) < 15:
            return  # an empty spacer row, not the data row
        width = len(forms.OUTCOME_COLUMNS)
        cells, sure = self._fit("四", "行政复议、行政诉讼", None, obs, len(forms.ROWS_四) * width)
        for g, rdef in enumerate(forms.ROWS_四):
            self.rows_seen.add(("四", rdef.key))
            for k, col in enumerate(forms.OUTCOME_COLUMNS):
                i = g * width + k
                self._store("四", rdef.key, rdef.key, col, cells[i], sure[i], obs.page)


# ---------------------------------------------------------------------------
# Assemble the values frame on the 2021 naming (+ 2019-only cells)
# ---------------------------------------------------------------------------


def cells_to_values(matcher: TableMatcher, template: str, notes: Notes) -> pd.DataFrame:
    found = matcher.cells
    rows = []

    def emit(table, row, column, form, src_key=None):
        hit = found.get(src_key or (table, row, column))
        if hit is None:
            rows.append(dict(table=table, row=row, column=column, value=math.nan, raw=None, page=None,
                             status="missing", form=form, confidence=None, bbox=None))
        else:
            v = hit["value"]
            rows.append(dict(table=table, row=row, column=column, value=(math.nan if v is None else float(v)),
                             raw=hit["raw"], page=hit["page"], status=hit["status"], form=form,
                             confidence=hit["confidence"], bbox=hit.get("bbox")))

    back = {v: k for k, v in forms.COUNTERPART_2019_TO_2021.items()}
    for c in forms.ALL_CELLS_2021:
        key = (c.table, c.row, c.column)
        if template == FORM_2019 and c.table == "二":
            emit(c.table, c.row, c.column, FORM_2021, back.get(key, ("-", "-", "-")))
        else:
            emit(c.table, c.row, c.column, FORM_2021)
    if template == FORM_2019:
        for c in forms.cells_2019_only():
            emit(c.table, c.row, c.column, FORM_2019)
        notes.add("PARSE-FORM-2019", "info",
                  "本报告使用2019年试行格式：表三“（六）其他处理”只有一行，2021年格式的三个子项为空；"
                  "表二中2019年格式特有的单元格按其原标签列出。", table="三", row="三、本年度办理结果/（六）其他处理")
    df = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    df["value"] = df["value"].astype(float)
    return df


def _missing_row_notes(matcher: TableMatcher, template: str, notes: Notes, tables_found: dict):
    """A note per row of the form that a found table does not have (cells the trial form lacks are
    noted once, in PARSE-FORM-2019)."""
    rows = {"二": [f"{st.caption}/{r}" for st in forms.subtables_二(template) for r in st.rows],
            "三": [r.key for r in forms.row_defs("三", template)],
            "四": [r.key for r in forms.ROWS_四]}
    if template == FORM_2019:
        rows["二"] = []
    for table in forms.TABLES:
        if not tables_found.get(table):
            continue
        for row in rows[table]:
            if (table, row) not in matcher.rows_seen:
                notes.add("PARSE-ROW-MISSING", "warning", f"表{table}中没有找到“{row.split('/')[-1]}”行。",
                          table=table, row=row)


def _column_notes(matcher: TableMatcher, notes: Notes):
    hdr = matcher.state.headers_三
    if hdr and "三" in matcher.tables_seen:
        present = [c for c in forms.APPLICANT_COLUMNS if c in hdr]
        if len(present) >= 5:
            for c in forms.APPLICANT_COLUMNS:
                if c not in hdr:
                    notes.add("PARSE-COLUMN-MISSING", "warning",
                              f"表三缺少“{c}”列，该列各单元格为空（不按0计）。", table="三", column=c)


# ---------------------------------------------------------------------------
# Entry
# ---------------------------------------------------------------------------


def extract_report(doc: Document, name: str) -> ParsedReport:
    """Build the ParsedReport of one document. Raises ReportError when nothing can be read."""
    notes = Notes()
    text_items = doc.text_blocks()
    grids = doc.grids()
    if doc.page_count and len(doc.scanned_pages) >= doc.page_count:
        raise ReportError("该 PDF 为扫描版（页面是图片，没有文字层），文字识别（OCR）也未能读出内容。"
                          "请上传更清晰的扫描件，或由 Word/WPS 导出的 PDF、DOCX 原件。")
    if not text_items and not grids:
        raise ReportError("文件中没有可读取的文字内容。")
    for msg in doc.notes:
        notes.add("PARSE-READER", "warning", msg)
    if doc.scanned_pages:
        pages = "、".join(str(p) for p in doc.scanned_pages)
        notes.add("PARSE-SCANNED-PAGES", "warning", f"第{pages}页没有文字层（可能是扫描图片），其中内容未能读取。")

    template, _score = document_to_template(doc)
    sections, item_section = blocks_to_sections(doc)
    matcher = TableMatcher(template or FORM_2021, notes)
    for item in doc.items:
        if isinstance(item, Grid):
            matcher.feed(item)
        else:
            matcher.feed_text(item)
    if template is None and matcher.cells:
        notes.add("PARSE-TEMPLATE", "warning", "未能判断报告使用的格式版本，按2021年格式读取。")

    values = cells_to_values(matcher, template or FORM_2021, notes)
    tables_found = {t: t in matcher.tables_seen or any(k[0] == t for k in matcher.cells) for t in forms.TABLES}
    _column_notes(matcher, notes)
    _missing_row_notes(matcher, template or FORM_2021, notes, tables_found)

    title = find_title(doc)
    body, region = title_to_body(title)
    full_text = "\n".join(b.text for b in text_items)
    year, year_source = find_year(title, full_text, sections[1].text)
    if not any(s.found for s in sections.values()) and not matcher.cells:
        raise ReportError("未找到年度报告的章节标题或统计表格，该文件可能不是政府信息公开工作年度报告。")

    return ParsedReport(
        file=name, format=doc.format, body=body, region=region, year=year, year_source=year_source,
        template=template, title=title, sections=sections, values=values, notes=notes.frame(),
        text=full_text, tables_found=tables_found, page_count=doc.page_count,
        ocr=any(c.confidence is not None for g in grids for r in g.rows for c in r if c is not None),
    )
