"""The matcher: every table row of a report found by its label, its numbers fitted onto the form's columns.

It is driven by the form, not by the layout. Whatever produced the report, its tables reach here as a
stream of printed cells in reading order: grid rows from readers that see cell boundaries (PDF rulings,
HTML and DOCX tables, tab and pipe rows), and plain text lines split into cells at ``|`` and into words
at spaces (tables copied from web pages with one cell per line, or flattened onto one line). Then:

1. ``items_to_tokens``: the document as tokens: label text, value cells (numbers, blanks, words that
   stand for numbers) and breaks (end of a grid or pipe row, a section heading, a paragraph of prose).
2. A run of label text followed by values is looked up in the form's lexicon
   (:func:`parsing.extract.lexicon.find_entries`): captions, headers, group labels and the row label
   that the values belong to, however it is printed. The row decides the cell keys and the number of
   columns; headers decide which columns a table prints and which form a sub-table of 二 follows.
3. ``fit_values``: the row's values onto its columns. Where cell boundaries are known, a blank cell keeps
   its place; where they are not (a flattened line), a row with fewer numbers than columns is
   unreadable, unless the numbers' positions on the page say which column each is in. A value never
   moves into a column it did not come from.
"""
from __future__ import annotations

import bisect
import re
import statistics
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .. import forms
from ..forms import FORM_2019, FORM_2021, is_prose, norm
from ..model import Cell, Document, Grid, TextBlock
from . import lexicon as lex
from .notes import Notes
from .values import BLANK_MARKS, clean_num_text, is_blank_text, is_digit_value, is_value_text, parse_value

TEXT, VALUE, BREAK = "text", "value", "break"
MAX_RUN = 40  # label cells kept before the numbers they may belong to (a table 三 header is about 15)
_PAGE_FURNITURE = re.compile(
    r"^(?:[-—–－_]+\s*\d{1,4}\s*[-—–－_]+|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$")
_PIPE_ONLY = re.compile(r"^[\s|｜]*$")
SECTION_TABLE = {2: "二", 3: "三", 4: "四"}
_REMARK = re.compile(r"^\(.*\)$")


@dataclass(slots=True)
class Tok:
    kind: str
    text: str = ""
    cell: Optional[Cell] = None
    hard: bool = False  # BREAK: the end of a row whose cells are delimited (grid row, pipe row)
    section: Optional[int] = None  # BREAK: a section heading
    grid: bool = False  # the cell came with its boundaries (a grid or a pipe row)
    run: bool = False  # VALUE: digits printed right after a label with nothing between ("规章000")
    parts: Optional[list] = None  # TEXT from a line with positioned words: those words (cells with boxes)
    pipe: bool = False  # VALUE: an empty cell that is a line holding one "|" (may start the next row)
    col: Optional[int] = None  # the cell's slot in a table whose slots are its columns (Grid.aligned)


# ---------------------------------------------------------------------------
# Step 1: items -> tokens
# ---------------------------------------------------------------------------


_is_prose = is_prose  # forms.is_prose: the PDF reader skips the words of the lines it calls prose


_GLUED = re.compile(r"^(.*[\u4e00-\u9fff)）])(\d+)$")


def _word_tokens(text: str, page, words: Optional[list] = None) -> list[Tok]:
    """A cell or line without cell boundaries, split into words: numbers and blank marks are values,
    the words between them one label. Digits printed right after a label (``规章000``) are a run, whose
    split into cells is decided later, where the number of columns is known. ``words``, where the reader
    has them, are the line's words as positioned cells."""
    toks: list[Tok] = []
    cells = words if words else [Cell(w, page) for w in text.split()]
    label: list[Cell] = []

    def flush():
        if label:
            if len(label) == 1:
                t, b = label[0].text, label[0].bbox
                box = (b[0], b[1], b[2], b[3]) if b else None  # what _union makes of one box
            else:
                t, box = " ".join(c.text for c in label), _union(c.bbox for c in label)
            toks.append(Tok(TEXT, t, Cell(t, page, box), parts=list(label) if words else None))
            label.clear()

    for c in cells:
        kind = _word_kind(c.text)
        if kind is False:
            label.append(c)
        elif kind is True:
            flush()
            toks.append(Tok(VALUE, c.text, c))
        else:  # a label with its digits glued on
            label.append(Cell(kind[0], page))
            flush()
            toks.append(Tok(VALUE, kind[1], Cell(kind[1], page, c.bbox), run=True))
    flush()
    return toks


@lru_cache(maxsize=65536)
def _word_kind(w: str):
    """What a word is to :func:`_word_tokens` (a pure function of its text): True for a value (a number, a blank
    mark, 无), False for label text, or (label, digits) for digits printed right after a label."""
    digit = is_digit_value(w)
    # _GLUED ends in a digit (\d: a character of category Nd, what str.isdecimal tells), or a digit and
    # the newline its $ lets through
    glued = (_GLUED.match(w) if not digit and (w[-1:].isdecimal() or w[-1:] == "\n") else None)
    if glued:
        return (glued.group(1), glued.group(2))
    return bool(digit or is_blank_text(w) or clean_num_text(w) in ("无",))


def _union(boxes) -> Optional[tuple]:
    boxes = [b for b in boxes if b]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


_VALUE_CELL, _PROSE, _SPLIT, _LABEL, _SPACES, _NOTHING = range(6)


@lru_cache(maxsize=65536)
def _cell_kind(text: str) -> int:
    """What a cell's text is to :func:`_cell_tokens` (a pure function of the text, asked for the same few texts
    over and over): a value, prose, a label with its numbers to split, or a label."""
    if is_value_text(text):
        return _VALUE_CELL
    if _is_prose(text):
        return _PROSE
    # a label and its numbers in one cell, separated by spaces ("行政许可 12"): split
    if any(is_digit_value(w) for w in text.split()[1:]):
        return _SPLIT
    return _LABEL


def _cell_tokens(cell: Cell, grid: bool) -> list[Tok]:
    text = cell.text or ""
    kind = _cell_kind(text)
    if kind == _VALUE_CELL:
        return [Tok(VALUE, text, cell, grid=grid)]
    if kind == _PROSE:
        return [Tok(BREAK)]
    if kind == _SPLIT:
        return _word_tokens(text, cell.page)
    return [Tok(TEXT, text, cell, grid=grid)]


@lru_cache(maxsize=16384)  # lines are longer than cells: fewer kept
def _line_kind(line: str) -> int:
    """What a line's text is to :func:`_line_tokens`: spaces only, nothing (empty, page furniture), prose, or
    labels and numbers."""
    text = line.strip()
    if not text and line:
        return _SPACES
    if not text or _PAGE_FURNITURE.match(text):
        return _NOTHING
    if _is_prose(text):
        return _PROSE
    return _LABEL


def _line_tokens(block: TextBlock) -> list[Tok]:
    """A line of text without pipes: prose (a break), or labels and numbers split at spaces; a paragraph of
    spaces (the reader keeps one only between empty lines) is an empty cell."""
    kind = _line_kind(block.text)
    if kind == _LABEL:
        return _word_tokens(block.text.strip(), block.page, block.words)
    if kind == _SPACES:
        return [Tok(VALUE, "", Cell("", block.page), grid=True)]
    if kind == _NOTHING:
        return []
    return [Tok(BREAK)]


class _PipeCells:
    """Tables copied from web pages as text, whose cells end at a ``|``: one cell per line (``0 |``), a row
    per line (``规章 | 0 | 0 | 0 |``), a row over several lines, or cells on lines of their own with a ``|``
    line after each. A cell is the text up to its ``|``, over as many lines as it takes (a label wrapped in
    its cell); two pipes with nothing between hold an empty cell; a line of pipes only (``||``, the filler
    of merged cells) ends the row; an empty cell right before a label starts that label's row."""

    def __init__(self, out: list[Tok]):
        self.out = out
        self.pending: list[TextBlock] = []  # lines of the cell not yet closed by a pipe
        self.active = False

    def line(self, block: TextBlock) -> bool:
        """Take one line; False when it is not part of a pipe table (the caller reads it as a line)."""
        text = block.text.replace("｜", "|").strip()
        if "|" not in text:
            if not self.active:
                return False
            if not text or _PAGE_FURNITURE.match(text):
                return True
            if _is_prose(text):
                self.flush()
                return False
            self.pending.append(block)
            return True
        self.active = True
        if _PIPE_ONLY.match(text):
            if text.count("|") >= 2:
                self.pending = [b for b in self.pending if b.text.strip()]
                self.close_pending()
                self.out.append(Tok(BREAK, hard=True))
            else:
                self.close("", block.page, lone=True)
            return True
        parts = text.split("|")
        for part in parts[:-1]:
            self.close(part, block.page)
        rest = parts[-1].strip()
        if rest:
            self.pending.append(TextBlock(rest, block.page))
        return True

    def close(self, part: str, page, lone: bool = False) -> None:
        lines = [b.text.strip() for b in self.pending if b.text.strip()] + ([part.strip()] if part.strip() else [])
        self.pending = []
        if not lines:
            self.out.append(Tok(VALUE, "", Cell("", page), grid=True, pipe=lone))
            return
        values = [ln for ln in lines if is_value_text(ln)]
        if len(values) > 1 or (values and len(values) < len(lines)):  # not one cell: one token a line
            for ln in lines:
                self.out.extend(_cell_tokens(Cell(ln, page), grid=True))
            return
        self.out.extend(_cell_tokens(Cell("\n".join(lines), page), grid=True))

    def close_pending(self) -> None:
        if self.pending:
            self.close("", self.pending[-1].page)

    def flush(self, at_end: bool = False) -> None:
        """The table has ended: lines still open are read as lines. At the end of the file, text after the
        last pipe of a table is a cell the cut-off left unfinished (``… | 0 | 1`` may have been ``12``): it
        is not read."""
        if at_end and self.active:
            # except a lone 0: no number goes on from a 0 but a decimal, and counts have none
            keep = [b for b in self.pending if clean_num_text(b.text) == "0"][-1:] if len(self.pending) == 1 else []
            for b in keep:
                self.out.append(Tok(VALUE, b.text.strip(), Cell(b.text.strip(), b.page), grid=True))
        else:
            for b in self.pending:
                self.out.extend(_line_tokens(b))
        self.pending = []
        self.active = False


def items_to_tokens(doc: Document, headings: dict) -> list[Tok]:
    """The document as one token stream. ``headings`` maps (item index, grid row index or None) to the
    section number of a heading found there (see :func:`parsing.extract.sections.blocks_to_sections`)."""
    out: list[Tok] = []
    pipes = _PipeCells(out)
    for i, item in enumerate(doc.items):
        if isinstance(item, Grid):
            pipes.flush()
            for r, row in enumerate(item.rows):
                if (i, r) in headings:
                    out.append(Tok(BREAK, section=headings[(i, r)]))
                    continue
                if all(_empty(c) for c in row):  # a spacer row (or a filler line of pipes)
                    out.append(Tok(BREAK, hard=True))
                    continue
                for k, c in enumerate(row):
                    if c is not None:
                        toks = _cell_tokens(c, grid=True)
                        if item.aligned and len(toks) == 1:
                            toks[0].col = k
                        out.extend(toks)
                out.append(Tok(BREAK, hard=True))
        elif (i, None) in headings:
            pipes.flush()
            out.append(Tok(BREAK, section=headings[(i, None)]))
        elif not pipes.line(item):
            out.extend(_line_tokens(item))
    pipes.flush(at_end=True)
    return _row_starts(out)


def _row_starts(toks: list[Tok]) -> list[Tok]:
    """A line holding one ``|`` right before a label is where that label's row starts, not an empty cell
    of the row before (``0 |`` / ``|`` / ``规范性文件 |``)."""
    out = list(toks)
    last = len(toks) - 1
    for k, t in enumerate(toks):
        if t.pipe and t.kind == VALUE and k < last and toks[k + 1].kind == TEXT:
            out[k] = Tok(BREAK, hard=True)
    return out


# ---------------------------------------------------------------------------
# Step 3: values onto columns
# ---------------------------------------------------------------------------


def _empty(c: Optional[Cell]) -> bool:
    return c is None or is_blank_text(c.text)


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
        if all(_empty(c) for c in values):
            return [None] * n, [True] * n, ""  # nothing printed at all: all blank
        return [None] * n, [False] * n, "short"
    windows = []
    for start in range(0, m - n + 1):
        dropped = values[:start] + values[start + n:]
        if all(_empty(c) for c in dropped):
            windows.append(values[start:start + n])
    if not windows:
        return [None] * n, [False] * n, "long"
    chosen = windows[0]  # prefer dropping trailing padding first (the window that starts earliest)
    sure = []
    for i in range(n):
        texts = {(clean_num_text(w[i].text) if w[i] is not None else "") for w in windows}
        texts = {"" if t in BLANK_MARKS else t for t in texts}
        sure.append(len(texts) == 1)
    return list(chosen), sure, ("" if all(sure) else "ambiguous")


def _splits(digits: str, n: int, limit: int = 3) -> list[list[str]]:
    """Ways to cut a digit string into at most ``n`` numbers without leading zeros (at most ``limit``)."""
    out: list[list[str]] = []

    def go(rest: str, acc: list[str]):
        if len(out) >= limit:
            return
        if not rest:
            out.append(list(acc))
            return
        if len(acc) == n:
            return
        for i in range(1, len(rest) + 1):
            part = rest[:i]
            if len(part) > 1 and part[0] == "0":
                break
            go(rest[i:], acc + [part])

    if digits.isdigit():
        go(digits, [])
    return out


def _mean(xs: list) -> float:
    """``statistics.mean(xs)`` of x-centres (floats): one, or the half of the sum of two, as it is (the same
    float: halving is exact; no -0.0), without the exact arithmetic statistics does for any list."""
    if len(xs) == 1 and type(xs[0]) is float:
        return xs[0] + 0.0  # -0.0 is 0.0 to statistics
    if len(xs) == 2 and type(xs[0]) is float and type(xs[1]) is float:
        s = xs[0] + xs[1]
        if 1e-300 < abs(s) < 1e300 or s == 0:  # no overflow, no halving of a subnormal
            return s / 2 + 0.0
    return statistics.mean(xs)


def _center(c: Cell) -> Optional[float]:
    return (c.bbox[0] + c.bbox[2]) / 2 if c is not None and c.bbox else None


def fit_by_position(values: list[Cell], centers: list[float]) -> Optional[list[Optional[Cell]]]:
    """Values of a row without cell boundaries placed by where they stand on the page: each at the
    column whose centre (from the complete rows of the same table) is nearest, if clearly nearest and
    no two values claim one column; None when that cannot be told."""
    if not values or any(_center(c) is None for c in values) or len(centers) < 2:
        return None
    gaps = [b - a for a, b in zip(centers, centers[1:])]
    if min(gaps) <= 0:
        return None
    tol = min(gaps) * 0.35
    out: list[Optional[Cell]] = [None] * len(centers)
    for c in values:
        x = _center(c)
        d = [abs(x - cx) for cx in centers]
        k = min(range(len(centers)), key=d.__getitem__)
        if d[k] > tol or out[k] is not None:
            return None
        out[k] = c
    return out


# ---------------------------------------------------------------------------
# Step 2: label runs -> rows, and the matcher's state
# ---------------------------------------------------------------------------

class _Silent:
    """The notes of a quiet matcher: none are kept."""

    def add(self, code: str, **fields) -> None:
        pass


_SILENT = _Silent()
_SLOT_四 = lex.Slot("四", "*", "行政复议、行政诉讼", (), FORM_2021)  # the unlabelled 15-number row
_END = lex.Hit(lex.Entry("end", "", "", ()), 10**9, 10**9, "")  # stands after the last label of a run


@dataclass
class Row:
    slot: lex.Slot
    label: str  # as printed
    values: list = field(default_factory=list)
    delimited: bool = False
    header_like: bool = False  # column headers were printed in the same run before the row label


@dataclass
class State:
    table: Optional[str] = None
    caption: Optional[str] = None
    caption_form: dict = field(default_factory=dict)  # 二 caption -> form its printed header follows
    headers_三: set = field(default_factory=set)
    header_三_open: bool = False
    after_header_四: bool = False
    in_table: bool = False


@lru_cache(maxsize=65536)
def _norm_words(text: str) -> tuple:
    """A label cell's words (the text itself when it has none), each normalised: a pure function of the text."""
    return tuple(map(norm, text.split() or [text]))


class TableMatcher:
    """Matches the report's tables, in document order, onto the form's cells.

    ``cells`` maps (table, row key, column) to dict(value, raw, status, page, confidence, bbox);
    ``rows_seen`` holds (table, row key) of every row found, ``tables_seen`` the tables found.

    ``notes=None`` makes a quiet matcher: it writes no notes and skips the work that only serves them
    (label, remark, hybrid and unknown-row notes), for a reading that is compared with another and whose
    notes nobody reads (``parsing.extract.reconcile``'s text reading). Its cells are the same.
    """

    def __init__(self, template: str, notes: Optional[Notes]):
        self.template = template
        self.quiet = notes is None
        self.notes = _SILENT if notes is None else notes
        self.state = State()
        self.cells: dict[tuple, dict] = {}
        self.rows_seen: set = set()
        self.row_complete: dict = {}
        self.tables_seen: set = set()
        self.headers_三: set = set()  # the columns the last table 三 header printed
        self.label_notes: set = set()
        self.hybrid_notes: set = set()
        self.unknown_notes: set = set()
        self.centers: dict = {}  # (table, n columns) -> x-centres of the values of complete rows
        self.header_centers: dict = {}  # (table, n columns) -> x-centres of the header's column labels
        self.header_slots: dict = {}  # (table, n columns) -> slots of the header's column labels (aligned grids)
        self._slot_map: dict = {}  # (table, caption) -> {(column label, slot): slot} of the header being read
        self._pending: list[Tok] = []
        self._carry: list[Tok] = []
        self._row: Optional[Row] = None
        self._row_tokens: list[Tok] = []
        self._deferred: list[tuple[Row, str]] = []  # short rows waiting for the table's column positions

    # -- the token walk ------------------------------------------------------------
    def feed(self, tokens: list[Tok]) -> None:
        for t in tokens:
            kind = t.kind
            if kind == TEXT:
                row = self._row
                if row is not None:
                    if all(v.grid and _empty(v.cell) for v in row.values):
                        # only empty cells between two labels of a delimited row: a header, not a blank row
                        self._row = None
                        self._pending = list(self._row_tokens)
                    else:
                        self._finish_row(False)
                pending = self._pending
                pending.append(t)
                if len(pending) > MAX_RUN:  # labels come a few cells before their numbers
                    del pending[0]
            elif kind == VALUE:
                if self._pending:
                    self._start_row()
                elif self._row is None and self.state.table == "四" and self.state.after_header_四:
                    self._row = Row(_SLOT_四, "")
                    self._row_tokens = []
                if self._row is not None:
                    self._row.values.append(t)
            else:  # BREAK
                if self._row is not None:
                    self._finish_row(t.hard)
                if self._pending:
                    self._resolve_header(self._pending, keep_unknown=t.section is None,
                                         section=t.section is not None)
                    self._pending = []
                if t.section is not None:
                    self.state = State(table=SECTION_TABLE.get(t.section), caption_form=self.state.caption_form)
                    self._carry = []
                    self._slot_map = {}
                elif not t.hard:  # a paragraph of prose: whatever table was open has ended
                    self.state.in_table = False
                    self.state.after_header_四 = False
                    self._carry = []
        self._finish_row(False, at_end=True)
        if self._pending:
            self._resolve_header(self._pending, keep_unknown=False)
        self._flush_deferred()

    # -- runs ------------------------------------------------------------------------
    def _lookup(self, run: list[Tok]):
        """The entries in a run of labels; each hit also gets ``token``, the printed cell it is in."""
        words, owner, centers = [], [], []
        for t in run:  # each printed word on its own: a header printed as 结果 / 维持 is two fragments
            parts = t.parts
            if parts:  # positioned words
                for c in parts:
                    words.append(norm(c.text))
                    owner.append(t)
                    b = c.bbox  # _center(c)
                    centers.append((b[0] + b[2]) / 2 if b else None)
            else:  # words without boxes
                ws = _norm_words(t.text)
                words.extend(ws)
                owner.extend([t] * len(ws))
                centers.extend([None] * len(ws))
        hits, text, bounds = lex.find_entries(words, self.state.table)
        ends = [b for _, b in bounds]  # the cells' spans are contiguous: ends never decrease
        n = len(bounds)
        for h in hits:
            k = bisect.bisect_right(ends, h.start)
            if k < n and bounds[k][0] < h.end and (k + 1 == n or bounds[k + 1][0] >= h.end):  # within one cell
                t = owner[k]
                h.token = t.text
                x = centers[k]
                h.x = None if x is None else x + 0.0  # what sum([x]) / 1 makes of it
                h.col = t.col
                continue
            ks = []  # the cells the hit overlaps: from the first that ends after its start
            for k in range(bisect.bisect_right(ends, h.start), len(bounds)):
                if bounds[k][0] >= h.end:
                    break
                ks.append(k)
            ks = ks or [len(words) - 1]
            h.token = owner[ks[0]].text
            xs = [centers[k] for k in ks if centers[k] is not None]
            h.x = sum(xs) / len(xs) if xs else None
            owners = {id(owner[k]) for k in ks}
            h.col = owner[ks[0]].col if len(owners) == 1 else None
        return hits, (text, bounds)

    @staticmethod
    def _gap_ok(text: str, a: int, b: int, bounds) -> bool:
        """Text between entries is harmless when each printed piece of it is part of some form label
        (a vertically printed group label, the end of a wrapped label) or a remark in brackets."""
        for (x, y) in bounds:
            lo, hi = max(a, x), min(b, y)
            if lo < hi:
                piece = text[lo:hi]
                if not (lex.is_fragment(piece) or _REMARK.match(piece)):
                    return False
        return True

    def _row_hit(self, hits, where) -> Optional[lex.Hit]:
        """The row a run of labels ends with: its last entry, if a row, with only label fragments
        before and after it."""
        if not hits:
            return None
        text, bounds = where
        last = hits[-1]
        if last.entry.kind != lex.ROW:
            return None
        pos = 0
        for h in hits:
            if h.start > pos and not self._gap_ok(text, pos, h.start, bounds):
                return None
            pos = max(pos, h.end)
        if last.end < len(text) and not self._gap_ok(text, last.end, len(text), bounds):
            return None
        return last

    def _start_row(self) -> None:
        run = self._pending
        self._pending = []
        hits, text = self._lookup(run)
        hit = self._row_hit(hits, text)
        if hit is None and self._carry:
            hits2, text2 = self._lookup(self._carry + run)
            hit2 = self._row_hit(hits2, text2)
            if hit2 is not None:
                hits, text, hit = hits2, text2, hit2
        self._carry = []
        if hit is not None or self._labels_only(hits, text):
            self._apply_context(hits, hit)
        if hit is None:
            if self.state.table == "四" and self.state.after_header_四 and not any(
                    h.entry.kind == lex.ROW and h.entry.table != "四" for h in hits):
                self._row = Row(_SLOT_四, "")
                self._row_tokens = []
                return
            if self._labels_only(hits, text) and any(h.entry.kind == lex.ROW for h in hits):
                self._blank_rows(hits + [_END], text, _END)  # rows with no number, then the next sub-table
            else:
                self._unknown_row(run, hits)
            self._row = None
            return
        self._blank_rows(hits, text, hit)
        slot = self._choose_slot(hit)
        if slot is None:
            self._row = None
            return
        self._row = Row(slot, hit.printed, header_like=any(
            h.entry.kind in (lex.COLUMN, lex.HEADER) for h in hits if h is not hit))
        self._row_tokens = run
        if not hit.exact or norm(slot.leaf) not in hit.entry.patterns:
            self._label_note(slot.table, slot.key, slot.leaf, hit.printed)
        self.state.table = slot.table
        self.state.in_table = True
        self.tables_seen.add(slot.table)
        if slot.table == "三":
            self.state.header_三_open = False
        if slot.table == "二":
            self.state.caption = slot.caption
        if slot.table != "四":
            self.state.after_header_四 = False

    def _blank_rows(self, hits: list, where, last: Optional[lex.Hit]) -> None:
        """Rows of 二 and 三 whose label is followed straight by the next row's label: printed with no
        number at all, so their cells are blank (a table without rules prints nothing in a blank cell)."""
        text, bounds = where
        pos = 0
        for h in hits:
            if h is last:
                break
            gap_ok = h.start <= pos or self._gap_ok(text, pos, h.start, bounds)
            pos = max(pos, h.end)
            e = h.entry
            if (not gap_ok or e.kind != lex.ROW or e.table not in ("二", "三") or not h.exact or h.cut
                    or e.also_group):
                continue
            slot = self._choose_slot(h)
            key = (slot.table, slot.key)
            if key in self.rows_seen:
                continue
            self.rows_seen.add(key)
            self.row_complete[key] = False
            self.tables_seen.add(slot.table)
            for col in self._columns_for(slot):
                self._store(slot.table, slot.key, slot.leaf, col, Cell(""), True, None)

    def _resolve_header(self, run: list[Tok], keep_unknown: bool, section: bool = False) -> None:
        """A run of labels with no values after it: headers, captions, group labels; or a row whose
        cells the report leaves empty (a delimited row with no value cells)."""
        hits, text = self._lookup(run)
        hit = self._row_hit(hits, text)
        if not all(t.grid for t in run) and self._labels_only(hits, text):
            # labels of a table without rules before the next sub-table, or the last of them right before the
            # next section: rows printed with no number at all
            ends_in_row = hit is not None and not section
            self._blank_rows(hits + ([] if ends_in_row else [_END]), text, hit if ends_in_row else _END)
        if hit is not None and all(t.grid for t in run) and not (hit.entry.also_group and len(hits) == 1
                                                                 and self.template == FORM_2021):
            self._apply_context(hits, hit)
            slot = self._choose_slot(hit)
            if slot is not None and slot.table != "四":
                self._row = Row(slot, hit.printed, delimited=True)
                self._row_tokens = run
                self._finish_row(True)
            return
        if self._labels_only(hits, text):
            self._apply_context(hits, None)
        short = sum(len(norm(t.text)) for t in run[-3:]) <= 30
        self._carry = run[-3:] if (not hits and keep_unknown and short) else []

    def _labels_only(self, hits: list, where) -> bool:
        """Whether a run is made of form labels (and fragments of them) only, not of running text."""
        text, bounds = where
        pos = 0
        for h in hits:
            if h.start > pos and not self._gap_ok(text, pos, h.start, bounds):
                return False
            pos = max(pos, h.end)
        return pos >= len(text) or self._gap_ok(text, pos, len(text), bounds)

    def _header_positions(self, hits: list, row_hit: Optional[lex.Hit]) -> None:
        """Where a header printed without rules puts each column (x-centres of its words): the column
        positions for rows whose cells are not delimited, where no complete row gives them."""
        self._header_slots(hits, row_hit)
        cols = [h for h in hits if h is not row_hit and h.entry.kind == lex.COLUMN and getattr(h, "x", None)]
        if not cols:
            return
        table = cols[0].entry.table if self.state.table is None else self.state.table
        if table == "四":
            xs = sorted(h.x for h in cols if h.entry.table == "四")
            if len(xs) == 15:
                self.header_centers[("四", 15)] = [xs]
            return
        by = {}
        for h in cols:
            if h.entry.table == table:
                by.setdefault(h.entry.official, []).append(h.x)
        if table == "三":
            order = [c for c in forms.APPLICANT_COLUMNS if c in by]
        elif table == "二" and self.state.caption:
            fid = self.state.caption_form.get(self.state.caption, self.template)
            st = next((x for x in forms.get(fid).subtables_二 if x.caption == self.state.caption), None)
            order = [c for c in (st.columns if st else ()) if c in by]
        else:
            return
        if len(order) >= 2:
            self.header_centers[(table, len(order))] = [[_mean(by[c]) for c in order]]

    def _header_slots(self, hits: list, row_hit: Optional[lex.Hit]) -> None:
        """Which slot of an aligned table each column label of its header stands in (collected over the
        header's rows): where the value cells of a row cannot be fitted by counting, each goes to the column
        whose slot it is in."""
        table = self.state.table
        cols = [h for h in hits if h is not row_hit and h.entry.kind == lex.COLUMN and h.entry.table == table
                and getattr(h, "col", None) is not None]
        if not cols or table not in ("二", "三", "四"):
            return
        key = (table, self.state.caption if table == "二" else None)
        seen = self._slot_map.setdefault(key, {})
        for h in cols:
            seen.setdefault((h.entry.official, h.col), h.col)
        if table == "四":
            slots = sorted(set(seen.values()))
            if len(slots) == 15:
                self.header_slots[("四", 15)] = slots
            return
        by = {}
        for (official, _), col in seen.items():
            by.setdefault(official, col)
        if table == "三":
            order = [c for c in forms.APPLICANT_COLUMNS if c in by]
        else:
            fid = self.state.caption_form.get(self.state.caption, self.template)
            st = next((x for x in forms.get(fid).subtables_二 if x.caption == self.state.caption), None)
            order = [c for c in (st.columns if st else ()) if c in by]
        slots = [by[c] for c in order]
        if len(order) >= 2 and len(set(slots)) == len(slots) and slots == sorted(slots):
            self.header_slots[(table, len(order))] = slots

    def _apply_context(self, hits: list, row_hit: Optional[lex.Hit]) -> None:
        self._context(hits, row_hit)
        self._header_positions(hits, row_hit)

    def _context(self, hits: list, row_hit: Optional[lex.Hit]) -> None:
        st = self.state
        cols_三 = []
        cols_四 = 0
        for h in hits:
            e = h.entry
            if h is row_hit:
                break
            if e.kind == lex.CAPTION:
                st.table, st.caption = "二", e.official
                st.in_table = True
                self.tables_seen.add("二")
            elif e.kind == lex.COLUMN and e.table == "二":
                if st.caption and len(e.forms) == 1:
                    st.caption_form[st.caption] = next(iter(e.forms))
                if not h.exact and not lex.is_prefix_of(h.printed, e):
                    self._label_note("二", None, e.official, h.printed, col=e.official)
                self._remark_note(e, h)
            elif e.kind in (lex.COLUMN, lex.HEADER) and e.table == "三" or (
                    e.kind == lex.COLUMN and e.official in forms.APPLICANT_COLUMNS and st.table == "三"):
                if e.kind == lex.COLUMN:
                    cols_三.append((e, h))
                elif e.official != "法人或其他组织" or st.table == "三":
                    cols_三.append((e, h))
            elif e.table == "四" and e.kind in (lex.COLUMN, lex.GROUP, lex.ROW):
                cols_四 += 1
            elif e.kind == lex.GROUP and e.table == "三":
                st.table = "三"
        if cols_三 and (any(e.official in ("自然人", "商业企业", "申请人情况", "科研机构") or
                            e.official.startswith("（本列") for e, _ in cols_三) or st.header_三_open):
            if st.table != "三" or not st.header_三_open:
                st.headers_三 = set()
            st.table, st.header_三_open, st.in_table = "三", True, True
            self.tables_seen.add("三")
            for e, h in cols_三:
                if e.kind == lex.COLUMN:
                    st.headers_三.add(e.official)
                    if not h.exact and not lex.is_prefix_of(h.printed, e):
                        self._label_note("三", None, e.official, h.printed, col=e.official)
            self.headers_三 = set(st.headers_三)
        if cols_四 >= 2 and row_hit is None:
            st.table, st.after_header_四, st.in_table = "四", True, True
            self.tables_seen.add("四")

    def _choose_slot(self, hit: lex.Hit) -> Optional[lex.Slot]:
        e = hit.entry
        slots = e.slots
        if e.table == "二":
            cap_form = None
            for cap in {s.caption for s in slots.values()}:
                cap_form = cap_form or self.state.caption_form.get(cap)
            fid = cap_form or (next(iter(e.forms)) if len(e.forms) == 1 else None) or self.template
            slot = slots.get(fid)
            if slot is None:  # a row printed under the other form's sub-table header: same place there
                other = next(iter(slots.values()))
                slot = self._same_place(other, fid) or other
            if slot.form != self.template:
                self._hybrid_note(f"表二“{slot.caption}”", slot.form)
            return slot
        slot = slots.get(self.template) or next(iter(slots.values()))
        if slot.form != self.template:
            self._hybrid_note(f"表{slot.table}“{slot.leaf}”行", slot.form)
        return slot

    def _same_place(self, slot: lex.Slot, fid: str) -> Optional[lex.Slot]:
        """The slot at the same caption and position in another form's table 二 (行政规范性文件 printed
        as 规范性文件 under a 2021 header)."""
        for st in forms.get(fid).subtables_二:
            if st.caption == slot.caption and slot.order < len(st.rows):
                leaf = st.rows[slot.order]
                return lex.Slot("二", f"{st.caption}/{leaf}", leaf, st.columns, fid, caption=st.caption,
                                order=slot.order)
        return None

    # -- notes -----------------------------------------------------------------------
    def _label_note(self, table, row, official, printed, col=None):
        key = (table, official, printed)
        if self.quiet or key in self.label_notes:
            return
        self.label_notes.add(key)
        shown = re.sub(r"\s+", "", printed)
        self.notes.add("PARSE-LABEL", table=table, row=row, column=col, expected=official,
                       actual=printed.strip(), printed=shown, official=official)

    def _remark_note(self, e: lex.Entry, h: lex.Hit) -> None:
        """A 二 column header printed with a remark added to the official text (单位、保留小数)."""
        printed = h.printed
        if self.quiet:
            return
        if h.exact and norm(e.official) != printed and printed == e.patterns[-1] and self._token_of(h):
            tok = self._token_of(h)
            p_n, o_n = norm(tok), norm(e.official)
            core = lambda x: re.sub(r"\(.*?\)", "", x)  # noqa: E731
            if p_n != o_n and core(p_n) == core(o_n) and all(
                    part in p_n for part in re.findall(r"[\u4e00-\u9fff]+", o_n)):
                key = ("remark", e.official, tok)
                if key not in self.label_notes:
                    self.label_notes.add(key)
                    self.notes.add("PARSE-LABEL-REMARK", table="二", column=e.official, expected=e.official,
                                   actual=tok.strip(), caption=self.state.caption or "", printed=tok.strip(),
                                   official=e.official)

    @staticmethod
    def _token_of(h: lex.Hit) -> Optional[str]:
        return getattr(h, "token", None)

    def _hybrid_note(self, what: str, used: str) -> None:
        if self.quiet or what in self.hybrid_notes:
            return
        self.hybrid_notes.add(what)
        self.notes.add("PARSE-HYBRID", what=what, used=forms.FORM_NAMES[used],
                       form=forms.FORM_NAMES.get(self.template, self.template))

    def _unknown_row(self, run: list[Tok], hits: list) -> None:
        if self.quiet:
            return
        printed = "".join(t.text for t in run).strip()
        if not self.state.in_table or not printed or len(norm(printed)) > 20 or self.state.table is None:
            return
        if any(h.entry.kind != lex.ROW for h in hits) and not any(h.entry.kind == lex.ROW for h in hits):
            return  # headers followed by numbers: not a row
        key = (self.state.table, printed)
        if key in self.unknown_notes or lex.is_fragment(norm(printed)):
            return
        self.unknown_notes.add(key)
        self.notes.add("PARSE-UNKNOWN-ROW", table=self.state.table, printed=printed)

    # -- rows ------------------------------------------------------------------------
    def _columns_for(self, slot: lex.Slot) -> tuple:
        if slot.table == "三" and self.state.headers_三:
            present = tuple(c for c in forms.APPLICANT_COLUMNS if c in self.state.headers_三)
            if len(present) >= 5:
                return present
        return slot.columns

    def _finish_row(self, hard: bool, at_end: bool = False) -> None:
        row, self._row = self._row, None
        if row is None:
            return
        row.delimited = row.delimited or hard or any(t.grid for t in row.values)
        if at_end and row.delimited and row.slot.key != "*" and 0 < len(row.values) < len(self._columns_for(row.slot)):
            self._cut_row(row)
            return
        if row.header_like and row.slot.table == "四" and all(_empty(t.cell) for t in row.values):
            return  # a header row whose last label is also a row label (表四: 未经复议直接起诉、复议后起诉)
        if row.slot.key == "*":
            if not row.delimited and 0 < len(row.values) < 15:
                self._deferred.append((row, "short"))
            else:
                self._assign_四(row, [t.cell for t in row.values])
            return
        key = (row.slot.table, row.slot.key)
        cols = self._columns_for(row.slot)
        cells = [t.cell for t in row.values]
        if any(t.run for t in row.values):
            cells = self._split_run(row, len(cols))
            if cells is None:
                return
            row.delimited = True
        if not row.delimited and len(cells) < len(cols) and cells:
            self._deferred.append((row, "short"))
            self.rows_seen.add(key)
            return
        self._place(row, cols, cells)

    def _split_run(self, row: Row, n: int) -> Optional[list]:
        """The cells of a row whose digits were printed run together after its label (``规章000``):
        split where the split is forced (the only way to cut the digits into numbers without leading
        zeros, with no cell left blank, as ``000`` into 0/0/0); otherwise the row is unreadable."""
        run = row.values[0].cell
        digits = clean_num_text(run.text)
        parts = _splits(digits, n) if len(row.values) == 1 else []
        if len(parts) == 1 and len(parts[0]) == n:
            self.notes.add("PARSE-RUN-TOGETHER", table=row.slot.table, row=row.slot.key, leaf=row.slot.leaf,
                           raw=run.text, how="只有一种拆分方式，已按" + "、".join(parts[0]) + "读取")
            return [Cell(p, run.page, run.bbox) for p in parts[0]]
        self.notes.add("PARSE-RUN-TOGETHER", table=row.slot.table, row=row.slot.key, leaf=row.slot.leaf,
                       raw=" ".join(t.text for t in row.values), how="无法确定如何拆分，该行按无法读取处理")
        self.rows_seen.add((row.slot.table, row.slot.key))
        self.row_complete[(row.slot.table, row.slot.key)] = False
        for col in self._columns_for(row.slot):
            self._store(row.slot.table, row.slot.key, row.slot.leaf, col, run, False, run.page)
        return None

    def _by_slot(self, row: Row, n: int) -> Optional[list]:
        """The row's value cells placed by the slots they stand in, where the table's cells are its columns
        and its header said which slot is which column: every number must stand in a column's slot (filler
        cells of merged areas in others must be empty), else None."""
        slots = self.header_slots.get((row.slot.table, n))
        if slots is None or any(t.col is None for t in row.values):
            return None
        out: list = [None] * n
        for t in row.values:
            if t.col in slots:
                out[slots.index(t.col)] = t.cell
            elif not _empty(t.cell):
                return None
        return out

    def _cut_row(self, row: Row) -> None:
        """The text ends inside a row whose cells are delimited (a file cut off in the middle of a table):
        the cells printed are the row's first ones, in order; the rest are not in the file."""
        key = (row.slot.table, row.slot.key)
        if key in self.rows_seen:
            return
        cols = self._columns_for(row.slot)
        self.rows_seen.add(key)
        self.row_complete[key] = False
        self.notes.add("PARSE-CUT-OFF", table=row.slot.table, row=row.slot.key, leaf=row.slot.leaf,
                       k=len(row.values), n=len(cols))
        page = self._page(row)
        for col, t in zip(cols, row.values):
            self._store(row.slot.table, row.slot.key, row.slot.leaf, col, t.cell, True, page)

    def _place(self, row: Row, cols: tuple, cells: list) -> None:
        key = (row.slot.table, row.slot.key)
        complete = len(cells) == len(cols) and all(not _empty(c) for c in cells)
        if key in self.row_complete:
            if self.row_complete[key] or not complete:
                self._duplicate(row, cols, cells)
                return
        self.rows_seen.add(key)
        self.row_complete[key] = complete
        if complete and not row.delimited:
            xs = [_center(c) for c in cells]
            if all(x is not None for x in xs):
                self.centers.setdefault((row.slot.table, len(cols)), []).append(xs)
        fitted = self._by_slot(row, len(cols)) if len(cells) != len(cols) else None
        if fitted is not None:
            sure = [True] * len(cols)
        else:
            fitted, sure = self._fit(row.slot, cells, len(cols))
        page = self._page(row)
        for col, cell, ok in zip(cols, fitted, sure):
            self._store(row.slot.table, row.slot.key, row.slot.leaf, col, cell, ok, page)

    def _duplicate(self, row: Row, cols: tuple, cells: list) -> None:
        table, key = row.slot.table, row.slot.key
        old = [self.cells.get((table, key, c), {}).get("raw") for c in cols]
        new = [c.text if c is not None else None for c in cells]
        same = len(old) == len(new) and all(clean_num_text(a or "") == clean_num_text(b or "") for a, b in zip(old, new))
        if same:
            return
        if len(cells) == len(cols):
            self.notes.add("PARSE-DUPLICATE-DIFFERS", table=table, row=key, leaf=row.slot.leaf,
                           used=" | ".join(o or "" for o in old), other=" | ".join(n or "" for n in new))
        else:
            self.notes.add("PARSE-DUPLICATE-ROW", table=table, row=key, leaf=row.slot.leaf)

    def _flush_deferred(self) -> None:
        """Rows without cell boundaries that have fewer numbers than columns: placed by position where
        the table's complete rows give the columns' positions, else unreadable."""
        for row, _ in self._deferred:
            cells = [t.cell for t in row.values]
            cols = self._columns_for(row.slot) if row.slot.key != "*" else (None,) * 15
            placed = None
            for model in (self.centers.get((row.slot.table, len(cols))),
                          self.header_centers.get((row.slot.table, len(cols)))):
                if model and all(len(x) == len(cols) for x in model):
                    centers = [statistics.median(x[i] for x in model) for i in range(len(cols))]
                    placed = fit_by_position(cells, centers)
                if placed is not None:
                    break
            if row.slot.key == "*":
                if placed is not None:
                    self.notes.add("PARSE-POSITION", table="四", leaf="行政复议、行政诉讼",
                                   columns=f"{sum(1 for p in placed if p is not None)}个单元格")
                    placed = [p if p is not None else Cell("", self._page(row)) for p in placed]
                self._assign_四(row, placed if placed is not None else cells)
                continue
            key = (row.slot.table, row.slot.key)
            self.rows_seen.discard(key)
            if placed is not None:
                self.rows_seen.add(key)
                self.row_complete[key] = False
                got = [c for c, p in zip(cols, placed) if p is not None]
                self.notes.add("PARSE-POSITION", table=row.slot.table, row=row.slot.key, leaf=row.slot.leaf,
                               columns="、".join(got))
                page = self._page(row)
                for col, cell in zip(cols, placed):
                    self._store(row.slot.table, row.slot.key, row.slot.leaf, col,
                                cell if cell is not None else Cell("", page), True, page)
            else:
                self._place(row, cols, cells)
        self._deferred = []

    def _page(self, row: Row):
        return next((t.cell.page for t in row.values if t.cell is not None and t.cell.page is not None), None)

    def _fit(self, slot: lex.Slot, cells: list, n: int):
        """Fit a row's value cells onto n columns and note what could not be told for sure."""
        fitted, sure, problem = fit_values(cells, n)
        if not problem or self.quiet:
            return fitted, sure
        raw = " | ".join((c.text if c is not None else "").replace("\n", "") for c in cells).strip(" |")
        if problem == "short":
            found = sum(1 for c in cells if c is not None and not is_blank_text(c.text))
            self.notes.add("PARSE-SHORT-ROW", table=slot.table, row=slot.key, expected=n, actual=found,
                           leaf=slot.leaf, found=found, n=n, raw=raw)
        elif problem == "long":
            self.notes.add("PARSE-LONG-ROW", table=slot.table, row=slot.key, expected=n, actual=len(cells),
                           leaf=slot.leaf, n=n, raw=raw)
        elif problem == "ambiguous":
            self.notes.add("PARSE-ALIGN", table=slot.table, row=slot.key, leaf=slot.leaf, raw=raw)
        return fitted, sure

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
            self.notes.add("PARSE-UNREADABLE", table=table, row=row_key, column=col, actual=raw, leaf=leaf,
                           problem=note, raw=raw)
        elif note:
            self.notes.add("PARSE-UNIT", table=table, row=row_key, column=col, actual=raw, leaf=leaf,
                           problem=note, raw=raw)
        self.cells[(table, row_key, col)] = dict(value=value, raw=raw, status=status, page=page,
                                                confidence=(cell.confidence if cell is not None else None),
                                                bbox=(tuple(cell.bbox) if cell is not None and cell.bbox else None))

    def _assign_四(self, row: Row, cells: list) -> None:
        """The unlabelled row of table 四: 15 numbers, 行政复议 then the two 行政诉讼 groups."""
        if not any(not _empty(c) for c in cells) and len(cells) < 15:
            return  # an empty spacer row (or the empty cells a header row ends with), not the data row
        self.state.after_header_四 = False
        if any(("四", r.key) in self.rows_seen for r in forms.ROWS_四):
            return
        width = len(forms.OUTCOME_COLUMNS)
        slot = lex.Slot("四", None, "行政复议、行政诉讼", (), FORM_2021)
        fitted, sure = self._fit(slot, cells, len(forms.ROWS_四) * width)
        page = self._page(row)
        for g, rdef in enumerate(forms.ROWS_四):
            self.rows_seen.add(("四", rdef.key))
            for k, col in enumerate(forms.OUTCOME_COLUMNS):
                i = g * width + k
                self._store("四", rdef.key, rdef.key, col, fitted[i], sure[i], page)


def document_to_template(doc: Document) -> tuple[Optional[str], dict]:
    """Which form a report uses, from the strings only one form prints."""
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


