"""PDF reader: pypdfium2 for page triage, running text and page objects; pdfplumber's table finder.

Pipeline (each step a small function):

1. ``bytes_to_pdfium``: open the file with pypdfium2 (empty user password); encrypted,
   broken, truncated, empty and absurdly long files become a :class:`ReportError`.
2. ``pdfium_to_triage``: per page, count characters, take the text lines, check for
   undecodable text (``(cid:N)``-style garbage), look for picture-only pages and count the
   ruling segments drawn on the page. Pages with enough ruling segments are table candidates;
   for them ``pdfium_to_page`` also reads the characters and ruling edges.
3. ``page_to_items``: on table candidates only, pdfplumber's ``find_tables()`` (default
   ``lines`` strategy) on ``dedupe_chars()`` (WPS fake bold; only when a character is painted
   twice), text outside the tables as lines, everything in top-to-bottom order. It runs on the
   pypdfium2 objects (:class:`PdfiumPage`), which gives the same result as pdfplumber's own
   page parsing at a fraction of the cost; pages the fast path cannot take (rotated pages,
   drawings nested in forms, errors) are opened with pdfplumber itself, with ``page.close()``
   after each page.
4. ``pieces_to_grids``: a table that ends a page and a table that starts the next page are
   joined when their column edges line up; a repeated header is dropped and a row cut in two
   by the page break is glued back together cell by cell.

The result is a :class:`parsing.model.Document`: text blocks (one per line) and grids in
reading order, with page numbers; pages without a usable text layer are listed in
``scanned_pages`` and described in ``notes``.
"""
from __future__ import annotations

import bisect
import ctypes
import io
import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Callable, Optional

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import Table, TableSettings
from pdfplumber.utils.clustering import cluster_objects
from pdfplumber.utils.text import DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE, LIGATURES, WordExtractor, chars_to_textmap
from pdfplumber.utils.text import extract_text as plumber_extract_text
from pdfplumber.utils.text import dedupe_chars as plumber_dedupe_chars

from ..forms import (
    APPLICANT_COLUMNS,
    OUTCOME_COLUMNS,
    ROW_三_2019_OTHER,
    ROWS_三_2021,
    ROWS_四,
    SUBTABLES_二_2019,
    SUBTABLES_二_2021,
    is_prose,
    norm,
    strip_number,
)
from .. import gcpolicy
from ..limits import MAX_PAGES  # an annual report has 5-40 pages; refuse absurd files before reading them
from ..model import Cell, Document, Grid, ReportError, TextBlock

# ---------------------------------------------------------------------------
# Limits and thresholds
# ---------------------------------------------------------------------------

# A ruled table needs at least 3 horizontal and 3 vertical lines (2 segments each); a heading
# underline or a red header rule has 2-5 segments. Pages below this never go to table finding.
MIN_RULING_SEGMENTS = 12
MAX_PATH_OBJECTS_SCANNED = 20000  # stop counting drawings on pathological pages
MAX_TABLE_PAGE_CHARS = 60000  # no table finding on a page with more characters (hostile input)
# A report's table page has 50-5,000 ruling segments; table finding is superlinear in them
# (40,000 boxes = 200,000 segments took pdfplumber 50-130 s and 460 MB). Above this: text only.
MAX_TABLE_PAGE_SEGMENTS = 20000
GARBLED_RATIO = 0.2  # share of undecodable characters above which a page counts as unreadable
JOIN_TOLERANCE = 4.0  # points: column edges of two table parts must agree this closely

MSG_ENCRYPTED = "PDF 文件已加密，需要密码才能打开，请上传未加密的版本。"
MSG_SECURITY = "PDF 文件使用了不支持的加密方式，无法打开，请上传未加密的版本。"
MSG_BROKEN = "PDF 文件已损坏或格式不正确，无法打开。请确认文件完整，或从原始文档重新导出 PDF。"
MSG_TRUNCATED = "PDF 文件不完整（文件末尾缺失，可能在下载或上传时被截断），无法打开。请重新获取完整的文件。"
MSG_NO_PAGES = "PDF 文件中没有任何页面，无法读取。"
MSG_TOO_MANY_PAGES = ("PDF 共有 {n} 页，超过年度报告的合理页数（最多 {limit} 页），未读取。"
                      "请确认上传的是政府信息公开工作年度报告。")
# The lead's extractor turns an all-scanned document into its user message; this note says the same.
NOTE_ALL_SCANNED = "扫描版 PDF（无文字层），暂不支持识别：全部 {n} 页都没有可读取的文字（页面是图片，或文字无法解码）。"
NOTE_SCANNED_PAGES = "第 {pages} 页没有文字层（可能是扫描图片），这些页的内容未能读取。"
NOTE_GARBLED_PAGES = "第 {pages} 页的文字无法解码（字体缺少字符映射，提取结果为乱码），按无文字层处理，内容未能读取。"
NOTE_TABLE_FAILED = "第 {page} 页的表格无法读取（PDF 结构异常），该页只按普通文字读取。"
NOTE_TABLE_SKIPPED = "第 {page} 页内容过多，未识别表格，只按普通文字读取。"
NOTE_MAYBE_TRUNCATED = "PDF 文件末尾缺少结束标记，文件可能不完整，部分内容可能缺失。"
NOTE_BAD_PAGE = "第 {page} 页已损坏，无法读取。"


# ---------------------------------------------------------------------------
# Step 1: open
# ---------------------------------------------------------------------------


def _has_eof_marker(data: bytes) -> bool:
    return b"%%EOF" in data[-2048:]


def bytes_to_pdfium(data: bytes, name: str) -> pdfium.PdfDocument:
    """Open ``data`` with pypdfium2 (empty user password) or raise a ReportError."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ReportError(MSG_ENCRYPTED, f"{name}: {exc}") from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise ReportError(MSG_SECURITY, f"{name}: {exc}") from None
        msg = MSG_BROKEN if _has_eof_marker(data) else MSG_TRUNCATED
        raise ReportError(msg, f"{name}: {exc}") from None


# ---------------------------------------------------------------------------
# Step 2: triage with pypdfium2
# ---------------------------------------------------------------------------


@dataclass
class PageTriage:
    """What pypdfium2 saw on one page (1-based ``number``)."""

    number: int
    width: float = 0.0
    height: float = 0.0
    chars: int = 0
    lines: list[str] = field(default_factory=list)
    garbled: bool = False
    picture: bool = False  # a large picture and (almost) no text: a scanned page
    ruling_segments: int = 0
    broken: bool = False
    objects: Optional["PdfiumPage"] = None  # chars and ruling edges of a table candidate
    done: bool = False  # tables already read from ``objects``
    crowded: bool = False  # too many drawings for table finding (hostile or broken input)
    words: Optional[list] = None  # per line of ``lines``: its words as positioned cells (table-like pages)

    @property
    def has_text(self) -> bool:
        return bool(self.lines) and not self.garbled and not self.picture

    @property
    def table_candidate(self) -> bool:
        return self.has_text and self.ruling_segments >= MIN_RULING_SEGMENTS

    @property
    def scanned(self) -> bool:
        """No usable text layer, but something is drawn (an empty page is not a scan)."""
        return not self.broken and not self.has_text and (self.picture or self.garbled or self.chars == 0
                                                           and self.ruling_segments > 0)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_CONTROL_CHARS = frozenset(chr(o) for o in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xFFFE, 0xFFFF))


def _bad_char(ch: str) -> bool:
    o = ord(ch)
    if o < 0x20 or 0x7F <= o <= 0x9F or o in (0xFFFD, 0xFFFE, 0xFFFF) or 0xE000 <= o <= 0xF8FF:
        return True
    # Latin-1 letters and symbols: what glyph ids look like when a font has no Unicode map.
    return 0xA0 < o <= 0xFF and ch not in "·×÷°±§¥©®²³¹"


def text_is_garbled(text: str) -> bool:
    """True when most of a page's text is undecodable (glyph ids instead of characters)."""
    if "(cid:" in text:
        cids = text.count("(cid:")
        return cids * 5 > max(1, len(text)) * GARBLED_RATIO  # each (cid:N) is 8-10 characters
    # counted by regular expressions (a page has thousands of characters): the same counts as testing each
    # non-blank character with _bad_char and for CJK (tests/test_pdf_speed.py)
    n = len(text) - len(_BLANKS.findall(text))
    if n < 10:
        return False
    bad = len(_BAD_CHARS.findall(text))
    cjk = len(_CJK.findall(text))
    return bad >= GARBLED_RATIO * n or (bad >= 0.05 * n and cjk < 0.05 * n)


_BLANKS = re.compile(r"\s")  # str.isspace(): re's \s on str patterns is the same set (tests/test_pdf_speed.py)
# the non-blank characters _bad_char rejects (control characters, noncharacters, private use, Latin-1 letters)
_BAD_CHARS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufffd-\uffff\ue000-\uf8ff"
                        "\xa1-\xa4\xa6\xa8\xaa-\xad\xaf\xb4-\xb6\xb8\xba-\xd6\xd8-\xf6\xf8-\xff]")
_CJK = re.compile("[\u4e00-\u9fff]")


def _c_function(function, restype, *argtypes):
    """A pypdfium2 function called through a prototype of plain C types (handles as integers): the same C
    function, without pypdfium2's pointer objects made and checked at every call (a ruling page asks three of them
    per path segment)."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(function, ctypes.c_void_p).value)


_FLOAT_P = ctypes.POINTER(ctypes.c_float)
_GET_SEGMENT = _c_function(pdfium_c.FPDFPath_GetPathSegment, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_GET_POINT = _c_function(pdfium_c.FPDFPathSegment_GetPoint, ctypes.c_int, ctypes.c_void_p, _FLOAT_P, _FLOAT_P)
_GET_TYPE = _c_function(pdfium_c.FPDFPathSegment_GetType, ctypes.c_int, ctypes.c_void_p)
_GET_CLOSE = _c_function(pdfium_c.FPDFPathSegment_GetClose, ctypes.c_int, ctypes.c_void_p)
_COUNT_SEGMENTS = _c_function(pdfium_c.FPDFPath_CountSegments, ctypes.c_int, ctypes.c_void_p)
_GET_MATRIX = _c_function(pdfium_c.FPDFPageObj_GetMatrix, ctypes.c_int, ctypes.c_void_p,
                          ctypes.POINTER(pdfium_c.FS_MATRIX))
_GET_BOUNDS = _c_function(pdfium_c.FPDFPageObj_GetBounds, ctypes.c_int, ctypes.c_void_p, _FLOAT_P, _FLOAT_P, _FLOAT_P,
                          _FLOAT_P)
_OBJECT_TYPE = _c_function(pdfium_c.FPDFPageObj_GetType, ctypes.c_int, ctypes.c_void_p)
_PAGE_COUNT = _c_function(pdfium_c.FPDFPage_CountObjects, ctypes.c_int, ctypes.c_void_p)
_PAGE_OBJECT = _c_function(pdfium_c.FPDFPage_GetObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_FORM_COUNT = _c_function(pdfium_c.FPDFFormObj_CountObjects, ctypes.c_int, ctypes.c_void_p)
_FORM_OBJECT = _c_function(pdfium_c.FPDFFormObj_GetObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong)


def _object_handles(parent, max_depth: int, level: int = 0, form: bool = False):
    """``(handle, type, level)`` of every object of a page (``parent``: a raw handle or an integer), descending
    into form XObjects up to ``max_depth`` levels: pypdfium2's ``get_objects`` without a helper object per drawing,
    each handle an integer asked through the plain-C-type prototypes (tests/test_pdf_rulings.py: the same objects,
    kinds and levels as walking them through pypdfium2's own bindings)."""
    count, get = (_FORM_COUNT, _FORM_OBJECT) if form else (_PAGE_COUNT, _PAGE_OBJECT)
    type_of = _OBJECT_TYPE
    n = count(parent)
    if n < 0:
        raise pdfium.PdfiumError("Failed to get number of pageobjects.")
    for i in range(n):
        obj = get(parent, i)
        if not obj:
            raise pdfium.PdfiumError("Failed to get pageobject.")
        kind = type_of(obj)
        yield obj, kind, level
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < max_depth - 1:
            yield from _object_handles(obj, max_depth, level + 1, True)


def _flat_objects(page, limit: int) -> Optional[tuple]:
    """The first ``limit`` objects of a page (raw handle) as two lists, their handles (integers) and kinds, when
    none of them is a form XObject: :func:`_object_handles`' walk (every level 0) without a generator step per
    object. None when one is a form (the walk descends into it)."""
    n = _PAGE_COUNT(page)
    if n < 0:
        raise pdfium.PdfiumError("Failed to get number of pageobjects.")
    get, type_of = _PAGE_OBJECT, _OBJECT_TYPE
    handles = [get(page, i) for i in range(min(n, limit))]
    if not all(handles):
        raise pdfium.PdfiumError("Failed to get pageobject.")
    kinds = [type_of(obj) for obj in handles]
    if pdfium_c.FPDF_PAGEOBJ_FORM in kinds:
        return None
    return handles, kinds


def _bounds(obj) -> tuple:
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not _GET_BOUNDS(obj, left, bottom, right, top):
        raise pdfium.PdfiumError("Failed to get bounds.")
    return left.value, bottom.value, right.value, top.value


def _clean_line(line: str) -> str:
    return _CONTROL.sub("", line).strip()


def pdfium_to_triage(pdf: pdfium.PdfDocument, index: int) -> PageTriage:
    """Triage page ``index`` (0-based): text, garbage check, pictures, ruling segments."""
    info = PageTriage(number=index + 1)
    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        info.broken = True
        return info
    textpage = None
    try:
        info.width, info.height = page.get_size()
        textpage = page.get_textpage()
        info.chars = textpage.count_chars()
        raw = textpage.get_text_range() if info.chars else ""
        info.garbled = text_is_garbled(raw)
        info.lines = [ln for ln in (_clean_line(x) for x in re.split(r"\r\n|\r|\n", raw)) if ln]
        if not info.garbled and looks_tabular(info.lines):
            info.words = textpage_words(textpage, raw, info.height, info.number)
            if len(info.words) != len(info.lines):  # never attach words to the wrong line
                info.words = None
        page_area = max(1.0, info.width * info.height)
        seen = 0
        nested_paths = False
        paths = []  # the page's own path objects (not inside forms) and their segment counts, for its rulings
        texts = []  # the page's text objects; None once one is inside a form
        path_kind, text_kind, image_kind = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_IMAGE
        count_segments = _COUNT_SEGMENTS
        flat = _flat_objects(page.raw, MAX_PATH_OBJECTS_SCANNED + 1)
        if flat is not None:  # no forms: the same walk, kind by kind
            handles, kinds = flat
            seen = len(handles)
            if seen > MAX_PATH_OBJECTS_SCANNED:
                handles, kinds = handles[:MAX_PATH_OBJECTS_SCANNED], kinds[:MAX_PATH_OBJECTS_SCANNED]
            paths = [(obj, count_segments(obj)) for obj, kind in zip(handles, kinds) if kind == path_kind]
            info.ruling_segments = sum([count for _, count in paths])
            texts = [obj for obj, kind in zip(handles, kinds) if kind == text_kind]
            if image_kind in kinds and len("".join(info.lines)) < 40:
                for obj, kind in zip(handles, kinds):
                    if kind == image_kind:
                        x0, y0, x1, y1 = _bounds(obj)
                        if (x1 - x0) * (y1 - y0) >= 0.5 * page_area:
                            info.picture = True
        for obj, kind, level in (() if flat is not None else _object_handles(page.raw, 4)):
            seen += 1
            if seen > MAX_PATH_OBJECTS_SCANNED:
                break
            if kind == path_kind:
                count = count_segments(obj)
                info.ruling_segments += count
                if level:
                    nested_paths = True
                else:
                    paths.append((obj, count))
            elif kind == text_kind and texts is not None:
                if level:
                    texts = None
                else:
                    texts.append(obj)
            elif kind == image_kind and len("".join(info.lines)) < 40:
                x0, y0, x1, y1 = _bounds(obj)
                if (x1 - x0) * (y1 - y0) >= 0.5 * page_area:
                    info.picture = True
        info.crowded = seen > MAX_PATH_OBJECTS_SCANNED or info.ruling_segments > MAX_TABLE_PAGE_SEGMENTS
        if (info.table_candidate and not nested_paths and not info.crowded
                and page.get_rotation() == 0 and info.chars <= MAX_TABLE_PAGE_CHARS):
            info.objects = pdfium_to_page(page, textpage, raw, paths, texts_upright(texts))
    finally:
        if textpage is not None:
            textpage.close()
        page.close()
    return info


# ---------------------------------------------------------------------------
# Step 2b: a table candidate's characters and ruling lines, read by pypdfium2
# ---------------------------------------------------------------------------


class PdfiumPage:
    """The part of a pdfplumber page that table finding needs, filled from pypdfium2.

    pdfplumber's own page parsing (pdfminer.six) is most of its time; pypdfium2 reads the
    same characters and ruling lines about seven times faster. pdfplumber's ``TableFinder``
    (default ``lines`` strategy), ``Table.extract()``, ``dedupe_chars()`` and text-line
    building then run unchanged on these objects. Coordinates are pdfplumber's: points from
    the top-left corner of the media box.
    """

    def __init__(self, chars: Optional[list], edges: list, width: float, height: float,
                 doubled: Optional[bool] = None, rows: Optional[list] = None):
        self._chars = chars
        # The characters as rows (text, x0, x1, top, bottom, upright), when pdfium_to_page read them (the page's
        # own reading takes them so); ``chars`` (pdfplumber's dicts) is made from them when first asked.
        self.rows = rows
        self.columns = None  # the rows' x0, x1, top and bottom as the rows of an array (pdfium_to_page's)
        self.doubled = doubled  # whether some character is painted twice (None: not known yet)
        self.edges = edges
        self.width = width
        self.height = height
        self.bbox = (0.0, 0.0, width, height)

    @property
    def chars(self) -> list:
        if self._chars is None:
            self._chars = rows_to_chars(self.rows)
        return self._chars

    def dedupe_chars(self) -> "PdfiumPage":
        return PdfiumPage(plumber_dedupe_chars(self.chars), self.edges, self.width, self.height)

    def find_tables(self) -> list:
        return find_tables(self)

    def filter(self, keep) -> "PdfiumPage":
        return PdfiumPage([c for c in self.chars if keep(c)], self.edges, self.width, self.height)

    def extract_text_lines(self, strip: bool = True, return_chars: bool = False) -> list:
        if not self.chars:
            return []
        return chars_to_textmap(self.chars).extract_text_lines(strip=strip, return_chars=return_chars)


def _word_top(item) -> float:
    return item[0]["top"]


def _char_rows(chars: list) -> list:
    """pdfplumber characters as the character rows ``(text, x0, x1, top, bottom, upright)`` the reader keeps."""
    return [(c["text"], c["x0"], c["x1"], c["top"], c["bottom"], c["upright"]) for c in chars]


def extract_text(chars: list) -> str:
    """pdfplumber's ``extract_text(chars)`` (default settings): for upright characters, its words made by
    :func:`_upright_row_words`, clustered into lines by top as it clusters them, joined by spaces and line breaks;
    anything else by pdfplumber (tests/test_pdf_speed.py)."""
    if not chars or not all(c["upright"] is True for c in chars):
        return plumber_extract_text(chars)
    return rows_extract_text(_char_rows(chars))


def text_lines(chars: list) -> list[dict]:
    """The ``text``, ``top`` and ``bottom`` of each line pdfplumber's ``extract_text_lines(strip=True)`` gives for
    these characters (default settings), without its text map.

    pdfplumber's own words (``WordExtractor``) are clustered into lines as its text map clusters them; where it
    then writes every letter into a map, searches the map's text line by line and takes each line's box from its
    letters' characters, the line here is its words joined as the map joins them (one space after the first
    letter of the line, trailing spaces dropped by the search) and its top and bottom are its lettered
    characters'. Characters with a line break in their text go to pdfplumber (tests/test_pdf_speed.py)."""
    if not chars:
        return []
    if any("\n" in c["text"] for c in chars):
        return [{"text": ln["text"], "top": ln["top"], "bottom": ln["bottom"]}
                for ln in chars_to_textmap(chars).extract_text_lines(strip=True, return_chars=False)]
    if all(c["upright"] is True for c in chars):
        return rows_text_lines(_char_rows(chars))
    return _word_lines((word, _char_rows(word_chars)) for word, word_chars in WordExtractor().iter_extract_tuples(chars))


def intersections_to_cells(intersections: dict) -> list:
    """pdfplumber's ``intersections_to_cells``, the same cells in the same order, without its quadratic walk.

    pdfplumber scans every later point for each point to find those directly below and to the right, and
    rebuilds the sets of edges through two points at every comparison; here the points are grouped by column
    and by row once and each point's edge sets are built once."""
    v_of = {p: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in i["v"]} for p, i in intersections.items()}
    h_of = {p: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in i["h"]} for p, i in intersections.items()}
    return _cells(v_of, h_of)


def _cells(v_of: dict, h_of: dict) -> list:
    """The cells of :func:`intersections_to_cells` from each intersection's sets of vertical (``v_of``) and
    horizontal (``h_of``) edges (any hashable edge keys: one key per distinct edge), column by column (the sorted
    points' order) without a position lookup per point; a point with no point to its right finds no cell."""
    column: dict = {}
    row: dict = {}
    across = {}  # each point's place in its row
    for p in sorted(v_of):  # in sorted order: a column top to bottom, a row left to right
        column.setdefault(p[0], []).append(p)
        members = row.get(p[1])
        if members is None:
            row[p[1]] = [p]
            across[p] = 0
        else:
            across[p] = len(members)
            members.append(p)
    cells = []
    for members in column.values():
        for k in range(len(members) - 1):  # the column's last point has none below
            pt = members[k]
            right = row[pt[1]][across[pt] + 1:]
            if not right:
                continue
            v_pt, h_pt = v_of[pt], h_of[pt]
            found = None
            for below_pt in members[k + 1:]:
                if v_pt.isdisjoint(v_of[below_pt]):
                    continue
                for right_pt in right:
                    if h_pt.isdisjoint(h_of[right_pt]):
                        continue
                    corner = (right_pt[0], below_pt[1])
                    if (corner in v_of and not v_of[corner].isdisjoint(v_of[right_pt])
                            and not h_of[corner].isdisjoint(h_of[below_pt])):
                        found = (pt[0], pt[1], corner[0], corner[1])
                        break
                if found:
                    break
            if found:
                cells.append(found)
    return cells


def cells_to_tables(cells: list) -> list:
    """pdfplumber's ``cells_to_tables``: the same groups of touching cells, in the same order, without removing
    each taken cell from the middle of a list (cells are distinct: one per top-left corner)."""
    remaining = list(cells)
    corners: set = set()
    current: list = []
    tables = []
    while remaining:
        before = len(current)
        left = []
        for cell in remaining:
            x0, top, x1, bottom = cell
            mine = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or not corners.isdisjoint(mine):
                corners.update(mine)
                current.append(cell)
            else:
                left.append(cell)
        remaining = left
        if len(current) == before:
            tables.append(list(current))
            corners.clear()
            current.clear()
    if current:
        tables.append(list(current))
    ordered = sorted(tables, key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in ordered if len(t) > 1]


def edges_to_intersections(edges: list, x_tolerance: float = 1, y_tolerance: float = 1) -> dict:
    """pdfplumber's ``edges_to_intersections``: the same points with the same edges, in the same order, without
    testing every vertical edge against every horizontal one. The horizontal edges are sorted as pdfplumber sorts
    them; a vertical edge takes the slice whose tops can reach it by bisection (a hair wider than needed) and
    pdfplumber's own test decides within it."""
    out: dict = {}
    v_edges = sorted((e for e in edges if e["orientation"] == "v"), key=lambda e: (e["x0"], e["top"]))
    h_edges = sorted((e for e in edges if e["orientation"] == "h"), key=lambda e: (e["top"], e["x0"]))
    tops = [h["top"] for h in h_edges]
    slack = 1e-6 + 1e-9 * max((abs(t) for t in tops), default=0.0)
    for v in v_edges:
        v_top, v_bottom, x = v["top"], v["bottom"], v["x0"]
        lo = bisect.bisect_left(tops, v_top - y_tolerance - slack)
        hi = bisect.bisect_right(tops, v_bottom + y_tolerance + slack)
        for h in h_edges[lo:hi]:
            top = h["top"]
            if (v_top <= top + y_tolerance and v_bottom >= top - y_tolerance
                    and x >= h["x0"] - x_tolerance and x <= h["x1"] + x_tolerance):
                vertex = (x, top)
                if vertex not in out:
                    out[vertex] = {"v": [], "h": []}
                out[vertex]["v"].append(v)
                out[vertex]["h"].append(h)
    return out


def _snapped(objs: list, attr: str, tolerance: float, vertical: bool) -> list:
    """pdfplumber's ``snap_objects``: edges within ``tolerance`` moved to their cluster's mean (copies, with the
    same arithmetic, made by ``dict`` instead of pdfplumber's rebuilding from item tuples)."""
    out = []
    for cluster in cluster_objects(objs, itemgetter(attr), tolerance):
        avg = sum(map(itemgetter(attr), cluster)) / len(cluster)
        for obj in cluster:
            value = avg - obj[attr]
            moved = dict(obj)
            if vertical:  # pdfplumber's move_object along "v"
                moved["top"], moved["bottom"] = obj["top"] + value, obj["bottom"] + value
                if "doctop" in obj:
                    moved["doctop"] = obj["doctop"] + value
                if "y0" in obj:
                    moved["y0"], moved["y1"] = obj["y0"] - value, obj["y1"] - value
            else:
                moved["x0"], moved["x1"] = obj["x0"] + value, obj["x1"] + value
            out.append(moved)
    return out


def _joined(edges, horizontal: bool, tolerance: float) -> list:
    """pdfplumber's ``join_edge_group``: edges along one line that touch (within ``tolerance``) made one."""
    low, high = ("x0", "x1") if horizontal else ("top", "bottom")
    ordered = sorted(edges, key=itemgetter(low))
    joined = [ordered[0]]
    for e in ordered[1:]:
        last = joined[-1]
        if e[low] <= last[high] + tolerance:
            if e[high] > last[high]:
                value = e[high]
                grown = dict(last)
                grown[high] = value
                if horizontal:  # pdfplumber's resize_object
                    assert value >= last["x0"]
                    grown["width"] = value - last["x0"]
                else:
                    assert value >= last["top"]
                    diff = value - last["bottom"]
                    grown["height"] = last["height"] + diff
                    if "y0" in last:
                        grown["y0"] = last["y0"] - diff
                joined[-1] = grown
        else:
            joined.append(e)
    return joined


def table_edges(page, settings) -> list:
    """What pdfplumber's ``TableFinder.get_edges()`` returns for the ``lines`` strategy (filter the page's edges,
    snap, join, drop the short ones), with fewer copies of the edges."""
    assert settings.vertical_strategy == settings.horizontal_strategy == "lines"
    assert not settings.explicit_vertical_lines and not settings.explicit_horizontal_lines
    shortest = settings.edge_min_length_prefilter
    v = [e for e in page.edges if e["orientation"] == "v" and e["height"] >= shortest]
    h = [e for e in page.edges if e["orientation"] == "h" and e["width"] >= shortest]
    if settings.snap_x_tolerance > 0 or settings.snap_y_tolerance > 0:
        v = _snapped(v, "x0", settings.snap_x_tolerance, False)
        h = _snapped(h, "top", settings.snap_y_tolerance, True)

    def group(e):
        return ("h", e["top"]) if e["orientation"] == "h" else ("v", e["x0"])

    merged = []
    for key, items in itertools.groupby(sorted(v + h, key=group), key=group):
        horizontal = key[0] == "h"
        merged += _joined(items, horizontal, settings.join_x_tolerance if horizontal else settings.join_y_tolerance)
    shortest = settings.edge_min_length
    return [e for e in merged if e["height" if e["orientation"] == "v" else "width"] >= shortest]


def find_tables(page) -> list:
    """The tables pdfplumber's ``TableFinder`` finds with its default settings (``lines`` strategy), on a
    pdfplumber page or a :class:`PdfiumPage`, with :func:`intersections_to_cells` for the cell search. A page
    whose edges are :class:`Rulings` goes the way of :func:`ruling_cells` (the same cells, tests/test_pdf_rulings.py)."""
    settings = TableSettings.resolve(None)
    cells = ruling_cells(page.edges.segments, settings) if isinstance(page.edges, Rulings) else None
    if cells is None:
        edges = table_edges(page, settings)
        cells = intersections_to_cells(edges_to_intersections(edges, settings.intersection_x_tolerance,
                                                              settings.intersection_y_tolerance))
    return [Table(page, group) for group in cells_to_tables(cells)]  # ours, not pdfplumber's


def _snap_clusters(values: list, tolerance: float) -> Optional[list]:
    """pdfplumber's ``snap_objects`` on one coordinate: each value moved as it moves it (``v + (avg - v)``, the
    cluster's mean summed in its order), in its output order, as ``(index, new value)``; None where a mean is not
    finite (then the dict path decides)."""
    distinct = sorted(set(values))
    cluster_of = {}
    k = 0
    last = distinct[0] if distinct else 0.0
    for v in distinct:  # pdfplumber's cluster_list: a new cluster where a value is more than tolerance above the last
        if v > last + tolerance:
            k += 1
        cluster_of[v] = k
        last = v
    groups: list = [[] for _ in range(k + 1)]  # each cluster's indexes in their order: cluster_objects' order
    for i, v in enumerate(values):
        groups[cluster_of[v]].append(i)
    out = []
    for members in groups:
        if not members:
            continue
        taken = [values[i] for i in members]
        avg = sum(taken) / len(members)
        if not math.isfinite(avg):
            return None
        out += [(i, v + (avg - v)) for i, v in zip(members, taken)]
    return out


def ruling_cells(segments: list, settings) -> Optional[list]:
    """The cells pdfplumber's ``TableFinder`` finds with ``settings`` (``lines`` strategy) among the ruling edges
    ``segments`` (:func:`_path_rulings` tuples), in its order, worked on tuples: the filtering, snapping, joining and
    intersections of :func:`table_edges` and :func:`edges_to_intersections` without an edge dict. None when an
    edge snaps to a coordinate that is not finite (hostile input: the dict path decides)."""
    if settings.snap_x_tolerance <= 0 and settings.snap_y_tolerance <= 0:
        return None  # not the default settings: the dict path
    shortest = settings.edge_min_length_prefilter
    vs = [(x0, top, bottom, bottom - top) for o, x0, _, top, bottom in segments
          if o == "v" and bottom - top >= shortest]
    hs = [(top, x0, x1) for o, x0, x1, top, _ in segments if o == "h" and x1 - x0 >= shortest]
    # snapping: vertical edges along x, horizontal ones along y (pdfplumber's snap_edges), in its output order
    moved = _snap_clusters([e[0] for e in vs], settings.snap_x_tolerance) if vs else []
    if moved is None:
        return None
    vs = [(x, vs[i][1], vs[i][2], vs[i][3]) for i, x in moved]
    moved = _snap_clusters([e[0] for e in hs], settings.snap_y_tolerance) if hs else []
    if moved is None:
        return None
    hs = [(top, hs[i][1], hs[i][2]) for i, top in moved]
    # joining along each line (pdfplumber's join_edge_group after merge_edges' stable sort by line), then the
    # shortest dropped
    longest = settings.edge_min_length
    tolerance = settings.join_x_tolerance
    h_final = []
    for _, group in itertools.groupby(sorted(hs, key=itemgetter(0, 1)), key=itemgetter(0)):
        top, x0, x1 = next(group)
        for _, a, b in group:
            if a <= x1 + tolerance:
                if b > x1:
                    x1 = b
            else:
                if x1 - x0 >= longest:
                    h_final.append((top, x0, x1))
                x0, x1 = a, b
        if x1 - x0 >= longest:
            h_final.append((top, x0, x1))
    tolerance = settings.join_y_tolerance
    v_final = []
    for _, group in itertools.groupby(sorted(vs, key=itemgetter(0, 1)), key=itemgetter(0)):
        x, top, bottom, height = next(group)
        for _, a, b, h in group:
            if a <= bottom + tolerance:
                if b > bottom:
                    height += b - bottom  # pdfplumber's resize_object: the height grows by the difference
                    bottom = b
            else:
                if height >= longest:
                    v_final.append((x, top, bottom))
                top, bottom, height = a, b, h
        if height >= longest:
            v_final.append((x, top, bottom))
    # intersections (edges_to_intersections' test), each edge by its coordinates
    x_tol, y_tol = settings.intersection_x_tolerance, settings.intersection_y_tolerance
    h_final.sort()
    tops = [h[0] for h in h_final]
    slack = 1e-6 + 1e-9 * max((abs(t) for t in tops), default=0.0)
    v_of: dict = {}
    h_of: dict = {}
    for v in v_final:
        x, v_top, v_bottom = v
        lo = bisect.bisect_left(tops, v_top - y_tol - slack)
        hi = bisect.bisect_right(tops, v_bottom + y_tol + slack)
        for k in range(lo, hi):
            h = h_final[k]
            top = h[0]
            if (v_top <= top + y_tol and v_bottom >= top - y_tol
                    and x >= h[1] - x_tol and x <= h[2] + x_tol):
                vertex = (x, top)
                if vertex in v_of:
                    v_of[vertex].add(v)
                    h_of[vertex].add(h)
                else:
                    v_of[vertex] = {v}
                    h_of[vertex] = {h}
    return _cells(v_of, h_of)


def _path_edges(obj, left: float, top_y: float, count: Optional[int] = None) -> list:
    """Horizontal and vertical edges of one path object (raw handle: lines, rectangle sides), as pdfplumber's edge
    dicts: :func:`_path_rulings` made dicts (:func:`_ruling_dict`)."""
    out: list = []
    _path_rulings(obj, left, top_y, count, out)
    return [_ruling_dict(r) for r in out]


def _ruling_dict(ruling: tuple) -> dict:
    """The pdfplumber edge dict of one ruling ``(orientation, x0, x1, top, bottom)`` of :func:`_path_rulings`."""
    orientation, a, b, top, bottom = ruling
    return {"object_type": "line", "orientation": orientation, "x0": a, "x1": b, "top": top,
            "bottom": bottom, "doctop": top, "width": b - a, "height": bottom - top}


def _path_rulings(obj, left: float, top_y: float, count: Optional[int], out: list, closes: bool = True) -> None:
    """Append to ``out`` the horizontal and vertical edges of one path object (raw handle: lines, rectangle sides)
    as tuples ``(orientation, x0, x1, top, bottom)`` in pdfplumber's coordinates (``x1 == x0`` for a vertical
    edge, ``bottom == top`` for a horizontal one), in the order of the path's segments.

    ``count`` is the path's segment count when the caller has it. Each segment costs pypdfium2 calls (its
    handle, its point, its type, its close flag); the close flag is asked only of a point away from its subpath's
    start, where it adds a side. ``closes=False`` asks it of no point: right for a path parsed from a file, where
    pdfium closes a subpath with a line back to its start, or flags a last point that is the start
    (``CPDF_StreamContentParser::Handle_ClosePath``; only pdfium's editing calls flag a point away from it). A
    segment is an edge when one of its extents is under 0.01 pt and the other is not (the arithmetic of the edge
    dicts the reader made before, tests/test_pdf_speed.py, tests/test_pdf_rulings.py)."""
    m = pdfium_c.FS_MATRIX()
    if not _GET_MATRIX(obj, m):
        return
    ma, mb, mc, md, me, mf = m.a, m.b, m.c, m.d, m.e, m.f
    x, y = ctypes.c_float(), ctypes.c_float()
    get_segment, get_point, get_type, get_close = _GET_SEGMENT, _GET_POINT, _GET_TYPE, _GET_CLOSE
    moveto, lineto = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO
    append = out.append
    if count is None:
        count = _COUNT_SEGMENTS(obj)
    started = False
    sx = sy = lx = ly = 0.0  # the current subpath's first and last points
    for k in range(count):
        seg = get_segment(obj, k)
        get_point(seg, x, y)
        xv, yv = x.value, y.value
        px, py = ma * xv + mc * yv + me, mb * xv + md * yv + mf
        kind = get_type(seg)
        if kind == moveto or not started:
            sx, sy = lx, ly = px, py  # a close flag on a subpath's first point closes nothing
            started = True
            continue
        if kind == lineto:  # the segment (lx, ly) -> (px, py); max() and min() spelt out, with their ties
            dx, dy = abs(lx - px), abs(ly - py)
            if dx < 0.01 and dy >= 0.01:
                top = top_y - (py if py > ly else ly)
                a = (px if px < lx else lx) - left
                append(("v", a, a, top, top_y - (py if py < ly else ly)))
            elif dy < 0.01 and dx >= 0.01:
                top = top_y - (py if py > ly else ly)
                append(("h", (px if px < lx else lx) - left, (px if px > lx else lx) - left, top, top))
        lx, ly = px, py  # Bezier: no table rulings there, only the current point moves
        # A close flag on a point at the subpath's start adds nothing: not asked.
        if closes and (px != sx or py != sy) and get_close(seg):
            dx, dy = abs(px - sx), abs(py - sy)
            if dx < 0.01 and dy >= 0.01:
                top = top_y - (sy if sy > py else py)
                a = (sx if sx < px else px) - left
                append(("v", a, a, top, top_y - (sy if sy < py else py)))
            elif dy < 0.01 and dx >= 0.01:
                top = top_y - (sy if sy > py else py)
                append(("h", (sx if sx < px else px) - left, (sx if sx > px else px) - left, top, top))
            lx, ly = sx, sy


_MATRIX_AT = _c_function(pdfium_c.FPDFPageObj_GetMatrix, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_POINT_AT = _c_function(pdfium_c.FPDFPathSegment_GetPoint, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                        ctypes.c_void_p)


def _page_rulings(paths: list, left: float, top_y: float) -> Optional[list]:
    """What :func:`_path_rulings` (``closes=False``) appends for each of ``paths`` (``(handle, segment count or
    None)``), in their order: every path's matrix, segment points and types asked in one pass each into arrays,
    the points moved by their path's matrix and the edges found array-wise, with the comparisons of the loop (its
    ``max``/``min`` spelt out: ties and NaN go the same way). None when a point cannot be read (the loop keeps the
    last one read: the caller goes path by path)."""
    if not paths:
        return []
    counts = [_COUNT_SEGMENTS(obj) if count is None else count for obj, count in paths]
    matrices = np.empty((len(paths), 6), dtype=np.float32)  # FS_MATRIX: a, b, c, d, e, f
    base, matrix_at = matrices.ctypes.data, _MATRIX_AT
    has = np.array([matrix_at(obj, base + 24 * k) for k, (obj, _) in enumerate(paths)], dtype=bool)
    counts = np.maximum(np.array(counts, dtype=np.int64), 0) * has  # a path without its matrix adds nothing
    n = int(counts.sum())
    if not n:
        return []
    get_segment, get_point, get_type = _GET_SEGMENT, _POINT_AT, _GET_TYPE
    segs = [get_segment(obj, k) for (obj, _), count in zip(paths, counts.tolist()) for k in range(count)]
    xy = np.empty((n, 2), dtype=np.float32)
    base = xy.ctypes.data
    if not all([get_point(seg, p, p + 4) for seg, p in zip(segs, range(base, base + 8 * n, 8))]):
        return None
    kinds = np.array([get_type(seg) for seg in segs])
    m = np.repeat(matrices.astype(np.float64), counts, axis=0)
    x, y = xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64)
    px = m[:, 0] * x + m[:, 2] * y + m[:, 4]
    py = m[:, 1] * x + m[:, 3] * y + m[:, 5]
    first = np.zeros(n, dtype=bool)  # each path's first segment starts a subpath, whatever its type
    first[np.cumsum(counts)[counts > 0] - counts[counts > 0]] = True
    line = (kinds == pdfium_c.FPDF_SEGMENT_LINETO) & ~first
    line[0] = False
    j = np.flatnonzero(line)  # a line from the previous point (j - 1) to this one
    px, py, lx, ly = px[j], py[j], px[j - 1], py[j - 1]
    dx, dy = np.abs(lx - px), np.abs(ly - py)
    vertical = (dx < 0.01) & (dy >= 0.01)
    horizontal = (dy < 0.01) & (dx >= 0.01)
    edge = vertical | horizontal
    vertical, px, py, lx, ly = vertical[edge], px[edge], py[edge], lx[edge], ly[edge]
    a = np.where(px < lx, px, lx) - left
    b = np.where(vertical, a, np.where(px > lx, px, lx) - left)
    top = top_y - np.where(py > ly, py, ly)
    bottom = np.where(vertical, top_y - np.where(py < ly, py, ly), top)
    kind = np.where(vertical, "v", "h").tolist()
    return list(zip(kind, a.tolist(), b.tolist(), top.tolist(), bottom.tolist()))


class Rulings(Sequence):
    """A page's ruling edges as :func:`_path_rulings` tuples (``segments``), seen by pdfplumber (``TableFinder``,
    a page's ``edges``) as its edge dicts, made on first use. :func:`find_tables` reads the tuples."""

    def __init__(self, segments: list):
        self.segments = segments
        self._dicts: Optional[list] = None

    def _edges(self) -> list:
        if self._dicts is None:
            self._dicts = [_ruling_dict(r) for r in self.segments]
        return self._dicts

    def __len__(self) -> int:
        return len(self.segments)

    def __getitem__(self, k):
        return self._edges()[k]

    def __iter__(self):
        return iter(self._edges())

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    __hash__ = None


def texts_upright(texts: Optional[list]) -> bool:
    """Whether every character of a page is upright, known from its text objects (raw handles; None when one is
    inside a form): each has a matrix without rotation or skew (b = c = 0) and with positive scales, so every
    character's angle (pdfium computes it from its text object's matrix) is 0. False means: ask per character."""
    if texts is None:
        return False
    if not texts:
        return True
    m = np.empty((len(texts), 6), dtype=np.float32)  # FS_MATRIX: a, b, c, d, e, f, asked in one pass
    base, matrix_at = m.ctypes.data, _MATRIX_AT
    if not all([matrix_at(obj, base + 24 * k) for k, obj in enumerate(texts)]):
        return False
    return bool(((m[:, 1] == 0) & (m[:, 2] == 0) & (m[:, 0] > 0) & (m[:, 3] > 0)).all())


# pdfium's loose box of a character, written straight into a row of a float32 array (an address): one ctypes call
# per character without a box structure to read back field by field.
_LOOSE_BOX = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)(
    ctypes.cast(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_void_p).value)


def _address(handle) -> int:
    """A pdfium handle (a ctypes pointer) as the integer ctypes passes fastest as a ``void *``."""
    return ctypes.cast(handle, ctypes.c_void_p).value


_IS_GENERATED = _c_function(pdfium_c.FPDFText_IsGenerated, ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_CHAR_ANGLE = _c_function(pdfium_c.FPDFText_GetCharAngle, ctypes.c_float, ctypes.c_void_p, ctypes.c_int)
_ODD_CHAR = re.compile(r"[\x00-\x1f\ufffe\uffff]|\s")  # dropped, or a blank pdfium may have made up


def _kept_chars(handle, count: int, texts: Optional[str]) -> tuple[list, list]:
    """The text page's indexes of the characters a page keeps, and their texts: no control characters, no
    U+FFFE/U+FFFF, no blanks pdfium made up (it adds only spaces and line breaks of its own). With ``texts`` (the
    page's text, one character per index) only the blanks are asked whether pdfium made them up; without it every
    character is asked that and its code."""
    if texts is None:
        is_generated, unicode_of = pdfium_c.FPDFText_IsGenerated, pdfium_c.FPDFText_GetUnicode
        keep, kept = [], []
        for i in range(count):
            if is_generated(handle, i) == 1:
                continue
            code = unicode_of(handle, i)
            if code < 0x20 or code in (0xFFFE, 0xFFFF):
                continue
            keep.append(i)
            kept.append(chr(code))
        return keep, kept
    is_generated, address = _IS_GENERATED, _address(handle)
    dropped = [m.start() for m in _ODD_CHAR.finditer(texts)
               if m.group() < " " or m.group() in "\ufffe\uffff" or is_generated(address, m.start()) == 1]
    if not dropped:
        return list(range(count)), list(texts)
    keep = np.ones(count, dtype=bool)
    keep[dropped] = False
    keep = np.flatnonzero(keep).tolist()
    return keep, list("".join([texts[a + 1:b] for a, b in zip([-1, *dropped], [*dropped, count])]))


def _row_char(row: tuple) -> dict:
    """A character row ``(text, x0, x1, top, bottom, upright)`` as the pdfplumber character :func:`pdfium_to_page`
    hands to pdfplumber's code (its matrix's ``f`` is the box's bottom in PDF space, its ``size`` unknown)."""
    text, x0, x1, top, bottom, upright = row
    return {"object_type": "char", "text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "width": x1 - x0, "height": bottom - top, "size": None, "fontname": "", "upright": upright,
            "matrix": (1, 0, 0, 1, x0, bottom)}


def rows_to_chars(rows: list) -> list:
    return [_row_char(r) for r in rows]


def _page_doubled(texts: list, columns: np.ndarray) -> bool:
    """:func:`_doubled` of a page's non-blank characters (``texts``, one per character; ``columns``: their x0, x1,
    top and bottom as the rows of an array): for one-character texts without NaN edges, the code points rank them
    (the order of the texts) and the blanks are found by regular expression (``_BLANKS``: ``str.isspace``)."""
    joined = "".join(texts)
    x0s, tops = columns[0], columns[2]
    if len(joined) != len(texts) or "" in texts or np.isnan(x0s).any() or np.isnan(tops).any():  # not one each
        inked = [k for k, text in enumerate(texts) if not text.isspace()]
        return _doubled([texts[k] for k in inked], [tops[k] for k in inked], [x0s[k] for k in inked])
    inked = np.ones(len(texts), dtype=bool)
    inked[[m.start() for m in _BLANKS.finditer(joined)]] = False
    if inked.sum() < 2:
        return False
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _doubled_codes(codes[inked], tops[inked], x0s[inked])


def pdfium_to_page(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, raw: Optional[str] = None,
                   paths: Optional[list] = None, upright: bool = False) -> PdfiumPage:
    """Characters (with pdfminer-like loose boxes) and ruling edges of one page.

    ``raw`` is the page's text as ``get_text_range()`` gave it (one character per index): when its length is the
    page's character count, each character's text comes from it, and only blanks are asked whether pdfium made
    them up (it adds only spaces and line breaks of its own); otherwise pdfium is asked for every character.
    ``paths`` are the page's path objects with their segment counts (``(handle, count)``; default: all of the
    page's own). ``upright`` (from :func:`texts_upright`) says every character is upright; otherwise each
    character's angle is asked."""
    left, bottom_y, right, top_y = page.get_mediabox()
    handle = textpage.raw
    count = textpage.count_chars()
    texts = raw if raw is not None and len(raw) == count else None
    keep, kept = _kept_chars(handle, count, texts)
    boxes = np.empty((max(count, 1), 4), dtype=np.float32)  # FS_RECTF: left, top, right, bottom
    if keep:
        base, loose_box, address = boxes.ctypes.data, _LOOSE_BOX, _address(handle)
        found = [loose_box(address, i, base + 16 * i) for i in keep]
        if not all(found):
            kept = [t for t, ok in zip(kept, found) if ok]
            keep = [i for i, ok in zip(keep, found) if ok]
    b = boxes[np.array(keep, dtype=np.intp)].astype(np.float64)
    columns = np.array([b[:, 0] - left, b[:, 2] - left, top_y - b[:, 1], top_y - b[:, 3]])  # x0, x1, top, bottom
    x0s, x1s, tops, bottoms = columns.tolist()
    if upright:
        uprights = [True] * len(keep)
    else:
        angle_of, address = _CHAR_ANGLE, _address(handle)
        uprights = [abs(angle_of(address, i)) < 0.01 for i in keep]
    rows = list(zip(kept, x0s, x1s, tops, bottoms, uprights))
    doubled = _page_doubled(kept, columns)
    chars = None
    if doubled:  # the font size only tells doubled characters apart (pdfplumber's dedupe_chars): asked only here
        size_of = pdfium_c.FPDFText_GetFontSize
        chars = rows_to_chars(rows)
        for c, i in zip(chars, keep):
            c["size"] = round(size_of(handle, i), 2)
        rows = None
    if paths is None:
        paths = [(obj, None) for obj, kind, _ in _object_handles(page.raw, 1) if kind == pdfium_c.FPDF_PAGEOBJ_PATH]
    segments = _page_rulings(paths, left, top_y)
    if segments is None:
        segments = []
        for obj, count in paths:  # the page comes from a file: no close flag away from a subpath's start
            _path_rulings(obj, left, top_y, count, segments, False)
    page = PdfiumPage(chars, Rulings(segments), right - left, top_y - bottom_y, doubled, rows)
    page.columns = columns if rows is not None else None
    return page


# ---------------------------------------------------------------------------
# Step 3: table pages with pdfplumber
# ---------------------------------------------------------------------------


@dataclass
class Piece:
    """A table as found on one page, with the geometry needed to join continuations."""

    grid: Grid
    xs: list[float]  # left edges of the grid's column slots
    x1: float  # right edge of the table
    top: float
    bottom: float
    page_height: float


@dataclass
class PageItems:
    number: int
    items: list = field(default_factory=list)  # TextBlock | Piece, in reading order
    furniture: set = field(default_factory=set)  # indexes of page-number / header lines


_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－_\s]*\d{1,4}[-—–－_\s]*|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$"
)


def _is_furniture(text: str, top: float, bottom: float, height: float) -> bool:
    """Page numbers, and short lines in the top or bottom margin band (running headers/footers)."""
    if _PAGE_NUMBER.match(text.strip()):
        return True
    return len(text) <= 30 and (bottom < 0.08 * height or top > 0.92 * height)


_MAX_CELL_TESTS = 4_000_000  # characters times cells a table tests at once (CharIndex.table_cells)


def _cell_members(boxes: np.ndarray, h: np.ndarray, v: np.ndarray, by_v: Optional[np.ndarray] = None) -> tuple:
    """The points ``(h[k], v[k])`` in each box ``(x0, top, x1, bottom)`` (left and top edges in, right and bottom
    out; no NaN in ``v`` nor in ``boxes``), as one array of point indexes, box by box and ascending within a box,
    and the cumulative ends of the boxes' runs in it: the test of every point against every box, with each box
    testing only the points of its band (``top <= v < bottom``, taken by bisection in the points sorted by ``v``).
    ``by_v``: the indexes of the points to test, sorted by ``v`` (default: all of them)."""
    if by_v is None:
        by_v = np.argsort(v, kind="stable")
    vs = v[by_v]
    lo = np.searchsorted(vs, boxes[:, 1], side="left")  # the first point with v >= top
    hi = np.searchsorted(vs, boxes[:, 3], side="left")  # the first point with v >= bottom
    counts = np.maximum(hi - lo, 0)
    box = np.repeat(np.arange(len(boxes)), counts)
    pos = np.arange(int(counts.sum())) + np.repeat(lo - (np.cumsum(counts) - counts), counts)
    point = by_v[pos]
    hp = h[point]
    ok = (hp >= boxes[box, 0]) & (hp < boxes[box, 2])
    box, point = box[ok], point[ok]
    point = point[np.lexsort((point, box))]
    return point, np.cumsum(np.bincount(box, minlength=len(boxes)))


class CharIndex:
    """A page's characters sorted once by their vertical middle, for :func:`table_texts`."""

    def __init__(self, chars: list):
        self.chars = chars
        self.text = cell_text  # the text of a cell's characters (a list of them)
        v = [(c["top"] + c["bottom"]) / 2 for c in chars]  # each character's vertical middle, in page order
        order = sorted(range(len(chars)), key=v.__getitem__)
        self.order = order
        self.v = v
        self.v_mid = [v[i] for i in order]
        self.h_mid = [(c["x0"] + c["x1"]) / 2 for c in chars]
        self._arrays = None
        self._order = None  # ``order`` as an array, when of_rows made it so

    @classmethod
    def of_rows(cls, rows: list, columns: Optional[np.ndarray] = None) -> "CharIndex":
        """The index of character rows ``(text, x0, x1, top, bottom, upright)`` (:class:`PdfiumPage`'s), its
        middles computed array-wise (the same sums and halves), its ``chars`` those rows. ``columns`` are the rows'
        x0, x1, top and bottom as the rows of an array, when the caller has them."""
        index = cls.__new__(cls)
        index.chars = rows
        index.text = rows_cell_text
        if columns is None:
            columns = np.array([r[1:5] for r in rows], dtype=np.float64).reshape(-1, 4).T
        x0, x1, top, bottom = columns
        v = (top + bottom) / 2
        index.v = v.tolist()
        index._order = None
        if np.isnan(v).any():  # no order to speak of: sorted() decides, as for dicts
            index.order = sorted(range(len(rows)), key=index.v.__getitem__)
            index.v_mid = [index.v[i] for i in index.order]
        else:
            order = np.argsort(v, kind="stable")
            index.order = order.tolist()
            index._order = order
            index.v_mid = v[order].tolist()
        h = (x0 + x1) / 2
        index.h_mid = h.tolist()
        index._arrays = (h, v)
        return index

    def _middles(self) -> tuple:
        """The characters' horizontal and vertical middles as arrays (page order)."""
        if self._arrays is None:
            self._arrays = (np.array(self.h_mid, dtype=np.float64), np.array(self.v, dtype=np.float64))
        return self._arrays

    def table_cells(self, rows: list) -> list:
        """``[self.in_cells(row.bbox, row.cells) for row in rows]`` for the rows of one table (pdfplumber's
        ``Table.rows``), every cell tested at once against the characters in the table's box: a character whose
        middle is in a cell is in the cell's row (the row's box holds its cells), so a cell's characters are those
        of the page in it. Rows with a NaN edge or middle, and tables too large to test so, go row by row."""
        boxes = [c for row in rows for c in row.cells if c is not None]
        h, v = self._middles()
        b = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        if np.isnan(b).any() or np.isnan(v).any() or not len(boxes):
            return [self.in_cells(row.bbox, row.cells) for row in rows]
        lo = bisect.bisect_left(self.v_mid, b[:, 1].min())
        hi = bisect.bisect_left(self.v_mid, b[:, 3].max())
        # the band's characters, sorted by v
        near = np.array(self.order[lo:hi], dtype=np.intp) if self._order is None else self._order[lo:hi]
        hn = h[near]
        near = near[(hn >= b[:, 0].min()) & (hn < b[:, 2].max())]
        if len(near) * len(boxes) > _MAX_CELL_TESTS:
            return [self.in_cells(row.bbox, row.cells) for row in rows]
        ids, ends = _cell_members(b, h, v, near)
        ids = ids.tolist()  # by cell, then in page order
        ends = ends.tolist()
        out = []
        k = start = 0
        for row in rows:
            got = []
            for cell in row.cells:
                if cell is None:
                    got.append(None)
                else:
                    end = ends[k]
                    got.append(ids[start:end])
                    start = end
                    k += 1
            out.append(got)
        return out

    def inside(self, bbox, among: Optional[list] = None) -> list:
        """Indexes (in page order) of the characters whose middle lies in ``bbox`` (left/top edges in, right/bottom
        out: pdfplumber's ``char_in_bbox``), taken from ``among`` (page indexes in page order) when given."""
        x0, top, x1, bottom = bbox
        h = self.h_mid
        if among is None:
            lo, hi = bisect.bisect_left(self.v_mid, top), bisect.bisect_left(self.v_mid, bottom)
            return sorted(i for i in self.order[lo:hi] if x0 <= h[i] < x1)
        v = self.v
        return [i for i in among if x0 <= h[i] < x1 and top <= v[i] < bottom]

    def in_cells(self, row_bbox, cells: list) -> list:
        """:meth:`inside` of each cell of a table row (None for None), the row's characters sorted once by their
        horizontal middle so that a cell takes its columns by bisection (a middle that is NaN is in no cell)."""
        h, v = self.h_mid, self.v
        x0, top, x1, bottom = row_bbox
        lo, hi = bisect.bisect_left(self.v_mid, top), bisect.bisect_left(self.v_mid, bottom)
        by_x = sorted((h[i], i) for i in self.order[lo:hi] if x0 <= h[i] < x1)  # the row's: inside(row_bbox)
        hs = [x for x, _ in by_x]
        ids = [i for _, i in by_x]
        out = []
        for cell in cells:
            if cell is None:
                out.append(None)
                continue
            x0, top, x1, bottom = cell
            if x0 != x0 or x1 != x1:  # a NaN edge: nothing to bisect by
                out.append(sorted(i for i in ids if x0 <= h[i] < x1 and top <= v[i] < bottom))
                continue
            lo, hi = bisect.bisect_left(hs, x0), bisect.bisect_left(hs, x1)
            out.append(sorted(i for i in ids[lo:hi] if top <= v[i] < bottom))
        return out

    def outside(self, boxes: list) -> list:
        """The characters (in page order) whose middle lies in none of ``boxes`` (edges included: the text
        around the tables, as :func:`page_to_items` keeps it)."""
        h, order, v_mid = self.h_mid, self.order, self.v_mid
        inside = set()
        for x0, top, x1, bottom in boxes:
            lo, hi = bisect.bisect_left(v_mid, top), bisect.bisect_right(v_mid, bottom)
            inside.update(i for i in order[lo:hi] if x0 <= h[i] <= x1)
        return [c for i, c in enumerate(self.chars) if i not in inside]


_ONE_LINE = DEFAULT_Y_TOLERANCE - 0.1  # safely inside pdfplumber's line clustering


def cell_text(chars: list) -> str:
    """pdfplumber's ``extract_text(chars)`` (default settings), with a short way for the common cells: one
    character, or upright characters on one line (a number, a short label).

    On one line pdfplumber's steps reduce to: sort by ``x0`` (stable), split words at blanks and where a
    character starts left of the previous one's ``x0`` or beyond its ``x1`` plus the x tolerance, join the words
    with one space. Anything else (several lines, rotated text, ligatures, empty texts) goes to pdfplumber."""
    return rows_cell_text(_char_rows(chars), lambda _rows: extract_text(chars))


def rows_cell_text(rows: list, slow: Optional[Callable[[list], str]] = None) -> str:
    """:func:`cell_text` of character rows ``(text, x0, x1, top, bottom, upright)``: the short ways on the rows,
    anything else by ``slow(rows)`` (default :func:`rows_extract_text`; :func:`cell_text` gives its pdfplumber
    characters to :func:`extract_text`) (tests/test_pdf_chars.py)."""
    slow = slow or rows_extract_text
    if len(rows) == 1:
        text = rows[0][0]
        if text:
            return "" if text.isspace() else LIGATURES.get(text, text)
        return slow(rows)
    tops = [r[3] for r in rows]
    if max(tops) - min(tops) >= _ONE_LINE:
        return slow(rows)
    words: list = []
    word: list = []
    prev = None
    for r in sorted(rows, key=_ROW_X0):
        text = r[0]
        if not text or text in LIGATURES or r[5] is not True:  # any of them: the slow way
            return slow(rows)
        if text.isspace():
            if word:
                words.append("".join(word))
                word = []
            prev = None
            continue
        if word and (r[1] < prev[1] or r[1] > prev[2] + DEFAULT_X_TOLERANCE):
            words.append("".join(word))
            word = []
        word.append(text)
        prev = r
    if word:
        words.append("".join(word))
    return " ".join(words)


_ROW_X0, _ROW_TOP, _WORD_TOP = itemgetter(1), itemgetter(3), itemgetter(1)


def _clustered(items: list, key: Callable, tolerance: float) -> list:
    """pdfplumber's ``cluster_objects(items, key, tolerance)``: the distinct keys sorted, a new cluster where one is
    more than ``tolerance`` above the last, the items of each cluster in their order, clusters in the order of
    their keys; without its tuples, sort and groupby. With a NaN key (no order to speak of) pdfplumber's own
    (tests/test_pdf_chars.py)."""
    values = list(map(key, items))
    cluster_of: dict = {}
    k = -1
    last = 0.0
    for v in sorted(set(values)):
        if v != v:
            return cluster_objects(items, key, tolerance)
        if k < 0 or v > last + tolerance:
            k += 1
        cluster_of[v] = k
        last = v
    groups: list = [[] for _ in range(k + 1)]
    for item, v in zip(items, values):
        groups[cluster_of[v]].append(item)
    return groups


def _upright_row_lists(rows: list) -> list:
    """The words of :func:`_upright_row_words`, each a list of its character rows."""
    out = []
    x_tol, y_tol = DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE
    for line in _clustered(rows, _ROW_TOP, y_tol):
        word: list = []
        last = None  # the last character row added to ``word``
        for r in (sorted(line, key=_ROW_X0) if len(line) > 1 else line):
            text = r[0]
            if text.isspace():
                if word:
                    out.append(word)
                word = []
            elif not text:
                if word:
                    out.append(word)
                out.append([r])
                word = []
            elif word and (r[1] < last[1] or r[1] > last[2] + x_tol or abs(r[3] - last[3]) > y_tol):
                out.append(word)
                word = [r]
            else:
                word.append(r)
            last = r
        if word:
            out.append(word)
    return out


def _upright_row_words(rows: list) -> list:
    """:func:`_upright_words` of character rows: the same words, as ``({"top": top}, rows)`` pairs."""
    return [({"top": min([r[3] for r in w])}, w) for w in _upright_row_lists(rows)]


def rows_extract_text(rows: list) -> str:
    """:func:`extract_text` of character rows: upright ones by their words (:func:`_upright_row_lists`), anything
    else by :func:`extract_text` on their pdfplumber characters (tests/test_pdf_chars.py)."""
    if not rows or not all(r[5] is True for r in rows):
        return extract_text(rows_to_chars(rows))
    get = LIGATURES.get
    words = [("".join([get(r[0], r[0]) for r in w]), min([r[3] for r in w])) for w in _upright_row_lists(rows)]
    lines = _clustered(words, _WORD_TOP, DEFAULT_Y_TOLERANCE)
    return "\n".join([" ".join([text for text, _ in line]) for line in lines])


def rows_text_lines(rows: list) -> list[dict]:
    """:func:`text_lines` of character rows: upright rows without line breaks in their texts on the rows, anything
    else by :func:`text_lines` on their pdfplumber characters (tests/test_pdf_chars.py)."""
    if not rows:
        return []
    if not all(r[5] is True for r in rows) or any("\n" in r[0] for r in rows):
        return text_lines(rows_to_chars(rows))
    return _word_lines(_upright_row_words(rows))


def _word_lines(words) -> list[dict]:
    """The lines of :func:`text_lines` from ``(word, rows)`` pairs (a word with its ``top``, its characters as
    rows), in pdfplumber's order: clustered into lines by the words' tops, each line its words joined as the text
    map joins them, its top and bottom its lettered characters'."""
    out = []
    for line in cluster_objects(list(words), _word_top, DEFAULT_Y_TOLERANCE, preserve_order=True):
        text = ""
        tops, bottoms = [], []
        for _word, word_rows in line:
            if text:
                text += " "
            for r in word_rows:
                letters = LIGATURES.get(r[0], r[0])
                if letters:
                    text += letters
                    tops.append(r[3])
                    bottoms.append(r[4])
        text = text.rstrip(" ")
        if text.strip():
            out.append({"text": text, "top": min(tops), "bottom": max(bottoms)})
    return out


def table_texts(table, index: Optional[CharIndex] = None,
                rows: Optional[list] = None) -> list[list[Optional[str]]]:
    """What pdfplumber's ``Table.extract()`` returns, found in one sorted pass over the page's characters.

    ``Table.extract()`` tests every character of the page against every row and every cell (a third of the time
    of a table page); here the characters are sorted once by their vertical middle, the table takes its band by
    bisection and its cells are tested against that band's characters at once (:meth:`CharIndex.table_cells`).
    The same characters in the same order reach pdfplumber's own ``extract_text``, so the text is identical
    (tests/test_pdf_speed.py compares both). ``rows`` are ``table.rows`` when the caller has them."""
    index = index if index is not None else CharIndex(table.page.chars)
    chars, text = index.chars, index.text
    return [[None if in_cell is None else text([chars[i] for i in in_cell]) if in_cell else ""
             for in_cell in row_cells] for row_cells in index.table_cells(table.rows if rows is None else rows)]


def _table_to_piece(table, number: int, page_height: float,
                    index: Optional[CharIndex] = None) -> Optional[Piece]:
    """A pdfplumber Table as a Piece; None for one-column boxes (framed text, not a table)."""
    xs = sorted({c[0] for c in table.cells})
    if len(xs) < 2:
        return None
    table_rows = table.rows  # pdfplumber builds them anew at every ask
    texts = table_texts(table, index, table_rows)
    rows = []
    for row, row_text in zip(table_rows, texts):
        rows.append([
            None if bbox is None else Cell(text if text is not None else "", number, tuple(bbox))
            for bbox, text in zip(row.cells, row_text)
        ])
    x0, top, x1, bottom = table.bbox
    grid = Grid(rows=rows, page=number, bbox=tuple(table.bbox))
    return Piece(grid, xs, x1, top, bottom, page_height)


def has_doubled_chars(chars: list, tolerance: float = 1.0) -> bool:
    """Whether some character is painted twice at (almost) the same place, as WPS fake bold does.

    A cheap test so that pdfplumber's slower ``dedupe_chars()`` runs only where needed: the non-blank characters
    sorted by (text, top, x0), each compared with the next three of the same text whose top is within
    ``tolerance``. Sorted so, the next ``k``-th is one of those exactly when it has the same text and its top is
    within ``tolerance`` (tops only grow within a text), so the comparisons are made array-wise by offset (the
    same answer as the loop, tests/test_pdf_speed.py)."""
    kept = [c for c in chars if not c["text"].isspace()]
    return _doubled([c["text"] for c in kept], [c["top"] for c in kept], [c["x0"] for c in kept], tolerance)


def _doubled(texts: list, tops: list, x0s: list, tolerance: float = 1.0) -> bool:
    """:func:`has_doubled_chars` of the non-blank characters with these texts, tops and left edges."""
    if len(texts) < 2:
        return False
    tops, x0s = np.array(tops, dtype=float), np.array(x0s, dtype=float)
    if np.isnan(tops).any() or np.isnan(x0s).any():  # no order to speak of: the loop decides
        return _doubled_by_loop([{"text": t, "top": y, "x0": x} for t, y, x in zip(texts, tops, x0s)], tolerance)
    rank = {t: k for k, t in enumerate(sorted(set(texts)))}
    return _doubled_codes(np.array([rank[t] for t in texts]), tops, x0s, tolerance)


def _doubled_codes(codes: np.ndarray, tops: np.ndarray, x0s: np.ndarray, tolerance: float = 1.0) -> bool:
    """:func:`_doubled` of characters given as codes in the order of their texts (ranks, or the code points of
    one-character texts), tops and left edges (arrays without NaN)."""
    order = np.lexsort((x0s, tops, codes))
    codes, tops, x0s = codes[order], tops[order], x0s[order]
    for k in (1, 2, 3):
        if len(codes) <= k:
            break
        if (np.logical_and(codes[k:] == codes[:-k], tops[k:] - tops[:-k] <= tolerance)
                & (np.abs(x0s[k:] - x0s[:-k]) <= tolerance)).any():
            return True
    return False


def _doubled_by_loop(chars: list, tolerance: float) -> bool:
    keyed = sorted((c["text"], c["top"], c["x0"]) for c in chars)
    for i, (text, top, x0) in enumerate(keyed):
        for other in keyed[i + 1:i + 4]:
            if other[0] != text or other[1] - top > tolerance:
                break
            if abs(other[2] - x0) <= tolerance:
                return True
    return False


def page_to_items(page, number: int) -> tuple[Optional[PageItems], Optional[str]]:
    """Tables and the text around them on one page (a pdfplumber page or a :class:`PdfiumPage`).

    Returns ``(items, problem)``: ``items`` is None when the page has no table (the caller keeps
    the pypdfium2 lines), or when the text layer turns out to be garbage (``problem ==
    "garbled"``).
    """
    rows = getattr(page, "rows", None)
    if rows is not None and page.doubled is False:
        return _rows_to_items(page, number)
    if len(page.chars) > MAX_TABLE_PAGE_CHARS:
        return None, "skipped"
    doubled = getattr(page, "doubled", None)
    if doubled is None:
        doubled = has_doubled_chars(page.chars)
    deduped = page.dedupe_chars() if doubled else page
    if text_is_garbled("".join(c["text"] for c in deduped.chars[:4000])):
        return None, "garbled"
    tables = deduped.find_tables() if isinstance(deduped, PdfiumPage) else find_tables(deduped)
    index = CharIndex(deduped.chars) if tables else None
    pieces = [p for p in (_table_to_piece(t, number, page.height, index) for t in tables) if p]
    if not pieces:
        return None, None
    boxes = [p.grid.bbox for p in pieces]

    def outside_tables(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    if isinstance(deduped, PdfiumPage):  # the same characters, found by bisection (tests/test_pdf_speed.py)
        around = PdfiumPage(index.outside(boxes), deduped.edges, deduped.width, deduped.height)
    else:
        around = deduped.filter(outside_tables)
    lines = text_lines(around.chars) if isinstance(around, PdfiumPage) else around.extract_text_lines(
        strip=True, return_chars=False)
    return _placed(lines, pieces, number, page.height), None


def _rows_to_items(page: PdfiumPage, number: int) -> tuple[Optional[PageItems], Optional[str]]:
    """:func:`page_to_items` of a :class:`PdfiumPage` read without doubled characters, on its character rows
    (``page.rows``) instead of pdfplumber's dicts: the same items (tests/test_pdf_chars.py)."""
    rows = page.rows
    if len(rows) > MAX_TABLE_PAGE_CHARS:
        return None, "skipped"
    if text_is_garbled("".join(r[0] for r in rows[:4000])):
        return None, "garbled"
    tables = page.find_tables()
    index = CharIndex.of_rows(rows, page.columns) if tables else None
    pieces = [p for p in (_table_to_piece(t, number, page.height, index) for t in tables) if p]
    if not pieces:
        return None, None
    lines = rows_text_lines(index.outside([p.grid.bbox for p in pieces]))
    return _placed(lines, pieces, number, page.height), None


def _placed(lines: list, pieces: list, number: int, height: float) -> PageItems:
    """The text lines and table pieces of a page in reading order (top to bottom; a line before a table at the
    same top), page numbers and running headers marked as furniture."""
    positioned = [(ln["top"], 0, ln) for ln in lines if ln["text"].strip()]
    positioned += [(p.top, 1, p) for p in pieces]
    positioned.sort(key=lambda t: (t[0], t[1]))
    out = PageItems(number)
    for _, kind, obj in positioned:
        if kind == 1:
            out.items.append(obj)
        else:
            text = _clean_line(obj["text"])
            if not text:
                continue
            if _is_furniture(text, obj["top"], obj["bottom"], height):
                out.furniture.add(len(out.items))
            out.items.append(TextBlock(text, number))
    return out


def lines_to_items(info: PageTriage) -> PageItems:
    out = PageItems(info.number)
    for k, ln in enumerate(info.lines):
        if _PAGE_NUMBER.match(ln):
            out.furniture.add(len(out.items))
        words = info.words[k] if info.words else None
        out.items.append(TextBlock(ln, info.number, words or None))
    return out


_DIGITS = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?$")


def looks_tabular(lines: list[str]) -> bool:
    """A page where a table without rules may stand: a line of three or more numbers, or two lines that
    end with a number (table rows end with a cell; sentences do not)."""
    numbers = ending = 0
    match = _DIGITS.match
    for ln in lines:
        words = ln.split()
        if words:
            numbers = max(numbers, sum(1 for w in words if match(w)))
            ending += match(words[-1]) is not None
    return numbers >= 3 or ending >= 2


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def textpage_words(textpage, raw: str, height: float, number: int) -> list[Optional[list]]:
    """The words of each non-empty line of ``raw`` (the page's text as pypdfium2 gives it, one character
    per index), as cells with boxes in pdfplumber's coordinates (points from the top-left corner). Words
    end at spaces and at gaps wider than half a character.

    A line the matcher reads as prose (:func:`parsing.forms.is_prose`: it never looks at its words) gets None,
    without a box call per character; the others the same words as asking every character
    (tests/test_pdf_speed.py). The boxes of all the page's wanted characters are read in one pass into an array
    and cut into words array-wise (:func:`_page_words`); a page whose boxes hold a NaN or a zero (where the order
    of ``min``/``max`` shows) goes line by line (:func:`_line_words`)."""
    out: list = []
    spans: list = []  # (start, end) of the lines whose words are wanted
    pos = 0
    for m in itertools.chain(_LINE_BREAK.finditer(raw), (None,)):
        end = m.start() if m is not None else len(raw)
        text = _clean_line(raw[pos:end])
        if text:
            if is_prose(text):
                out.append(None)
            else:
                out.append(len(spans))
                spans.append((pos, end))
        if m is not None:
            pos = m.end()
    if not spans:
        return out
    words = _page_words(textpage, raw, spans, height, number)
    if words is None:
        words = [_line_words(textpage, raw, start, end, height, number) for start, end in spans]
    return [None if k is None else words[k] for k in out]


# pdfium's tight box of a character written straight into four doubles of an array (addresses): no ctypes
# double objects to convert and read back per character.
_CHAR_BOX = _c_function(pdfium_c.FPDFText_GetCharBox, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
_FONT_SIZE = _c_function(pdfium_c.FPDFText_GetFontSize, ctypes.c_double, ctypes.c_void_p, ctypes.c_int)
# what _line_words skips: str.isspace() (re's \s on str patterns) or _CONTROL_CHARS (tests/test_pdf_speed.py)
_WORD_GAP = re.compile(r"[\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _page_words(textpage, raw: str, spans: list, height: float, number: int) -> Optional[list]:
    """The words of the lines ``spans`` (``(start, end)`` of ``raw``, in order), one list per span: what
    :func:`_line_words` gives each, from one box call per character and array-wise word cuts. A word ends at a
    character :func:`_line_words` skips, and before a character whose gap to the previous one is wider than half
    of ``max(its ink height, 4)`` and half of ``max(its font size, its ink height, 4)`` (the size asked only
    there). None when a box holds a NaN or a zero (the caller goes line by line)."""
    gaps = [m.start() for m in _WORD_GAP.finditer(raw)]
    skipped = set(gaps)
    idx = [i for start, end in spans for i in range(start, end) if i not in skipped]
    n = len(idx)
    if not n:
        return [[] for _ in spans]
    boxes = np.empty((n, 4), dtype=np.float64)  # left, right, bottom, top (pdfium's order)
    handle = _address(textpage.raw)
    char_box = _CHAR_BOX
    base = boxes.ctypes.data
    found = [char_box(handle, i, p, p + 8, p + 16, p + 24)
             for i, p in zip(idx, range(base, base + 32 * n, 32))]
    if not all(found):
        raise pdfium.PdfiumError("Failed to get charbox.")
    left, right, bottom, top = boxes.T
    c_top, c_bottom = height - top, height - bottom
    edges = np.array([left, right, c_top, c_bottom])
    if np.isnan(boxes).any() or np.isnan(edges).any() or (edges == 0).any():
        return None  # NaN, or +0.0 and -0.0 (a tie whose first is kept): the order of min/max shows
    index = np.array(idx, dtype=np.int64)
    new = np.ones(n, dtype=bool)  # where a word starts
    joined = index[1:] == index[:-1] + 1  # nothing skipped between a character and the previous one
    ink = top - bottom
    gap = left[1:] - right[:-1]
    wide = joined & (gap > 0.5 * np.maximum(ink[1:], 4.0))
    new[1:] = ~joined
    if wide.any():
        size_of = _FONT_SIZE
        gap_l, ink_l = gap.tolist(), ink.tolist()
        for k in np.flatnonzero(wide).tolist():
            if gap_l[k] > 0.5 * max(size_of(handle, idx[k + 1]), ink_l[k + 1], 4.0):
                new[k + 1] = True
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n) - 1  # each word's last character
    x0s = np.minimum.reduceat(left, starts).tolist()
    tops = np.minimum.reduceat(c_top, starts).tolist()
    x1s = np.maximum.reduceat(right, starts).tolist()
    bottoms = np.maximum.reduceat(c_bottom, starts).tolist()
    firsts, lasts = index[starts].tolist(), index[ends].tolist()
    out: list = [[] for _ in spans]
    span_starts = [s for s, _ in spans]
    line = np.searchsorted(np.array(span_starts), index[starts], side="right") - 1
    for k, a, b, x0, y0, x1, y1 in zip(line.tolist(), firsts, lasts, x0s, tops, x1s, bottoms):
        out[k].append(Cell(raw[a:b + 1], number, (x0, y0, x1, y1)))
    return out


def _line_words(textpage, raw: str, start: int, end: int, height: float, number: int) -> list:
    """The words of the characters ``start:end`` of ``raw`` (one line: no line breaks in it). A word's box is the
    smallest and largest of its characters' edges, kept as the characters come (``min``/``max`` of them all: ties
    and NaN kept as those do)."""
    line: list = []
    append = line.append
    word: list = []  # the word's characters
    w_left = w_top = w_right = w_bottom = prev_right = 0.0
    # pypdfium2's get_charbox, without allocating four doubles per character
    l_, r_, b_, t_ = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    char_box, size_of, handle = pdfium_c.FPDFText_GetCharBox, pdfium_c.FPDFText_GetFontSize, textpage.raw
    for i in range(start, end):
        ch = raw[i]
        if ch.isspace() or ch in _CONTROL_CHARS:  # _CONTROL's characters, without a regex call per character
            if word:
                append(Cell("".join(word), number, (w_left, w_top, w_right, w_bottom)))
                word = []
            continue
        if not char_box(handle, i, l_, r_, b_, t_):  # yes, lrbt
            raise pdfium.PdfiumError("Failed to get charbox.")
        left, bottom, right, top = l_.value, b_.value, r_.value, t_.value
        c_top, c_bottom = height - top, height - bottom
        if word:
            # half the font size, not of the ink: a period's or a minus sign's box is tiny (the size is asked
            # only when the gap is wider than half the ink's height, as it cannot be smaller than that)
            gap = left - prev_right
            if gap > 0.5 * max(top - bottom, 4.0) and gap > 0.5 * max(size_of(handle, i), top - bottom, 4.0):
                append(Cell("".join(word), number, (w_left, w_top, w_right, w_bottom)))
                word = []
        if word:
            word.append(ch)
            if left < w_left:
                w_left = left
            if c_top < w_top:
                w_top = c_top
            if right > w_right:
                w_right = right
            if c_bottom > w_bottom:
                w_bottom = c_bottom
        else:
            word = [ch]
            w_left, w_top, w_right, w_bottom = left, c_top, right, c_bottom
        prev_right = right
    if word:
        append(Cell("".join(word), number, (w_left, w_top, w_right, w_bottom)))
    return line


# ---------------------------------------------------------------------------
# Step 4: join tables continued on the next page
# ---------------------------------------------------------------------------

_ITEM_MARKER = re.compile(r"^\s*(?:\d+\s*[.．、](?!\d)|[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+[、.．])")
_NUMBER = re.compile(r"^[-+]?\d[\d,，]*(?:[.．]\d+)?$")


def _known_labels() -> frozenset:
    labels: set[str] = {"信息内容", "申请人情况", "法人或其他组织", "行政复议", "行政诉讼"}
    labels.update(APPLICANT_COLUMNS, OUTCOME_COLUMNS)
    for r in ROWS_三_2021 + (ROW_三_2019_OTHER,) + ROWS_四:
        labels.update((r.leaf, *r.variants, *r.key.split("/")))
        if r.group:
            labels.add(r.group)
    for st in SUBTABLES_二_2021 + SUBTABLES_二_2019:
        labels.update((st.caption, *st.rows, *st.columns))
    out = set()
    for label in labels:
        n = norm(label)
        out.update((n, strip_number(n)))
    out.discard("")
    return frozenset(out)


KNOWN_LABELS = _known_labels()


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(unicodedata.normalize("NFKC", text).strip()))


def _starts_row(text: str) -> bool:
    """Text that opens a row of its own: an item number or a complete official label."""
    if _ITEM_MARKER.match(text):
        return True
    n = norm(text)
    return n in KNOWN_LABELS


def _slot_map(xs_from: list[float], xs_to: list[float]) -> Optional[list[int]]:
    """Index in ``xs_to`` of each column edge of ``xs_from``, or None if one has no match."""
    out = []
    for x in xs_from:
        j = min(range(len(xs_to)), key=lambda k: abs(xs_to[k] - x))
        if abs(xs_to[j] - x) > JOIN_TOLERANCE:
            return None
        out.append(j)
    return out


def _column_map(base: Piece, cont: Piece) -> Optional[list[int]]:
    """Slot index in ``base`` for each column slot of ``cont``, or None if they do not line up.

    Both parts must have the same outer edges, and the column edges of one must be a subset of
    the other's: a continuation may lack edges hidden by merged cells (a spilled cell), and a
    first part may lack them too (only the merged header rows fit on its page). In the latter
    case ``base`` is re-laid onto the continuation's finer columns first.
    """
    if abs(base.x1 - cont.x1) > JOIN_TOLERANCE or abs(base.xs[0] - cont.xs[0]) > JOIN_TOLERANCE:
        return None
    mapping = _slot_map(cont.xs, base.xs)
    if mapping is not None:
        return mapping
    finer = _slot_map(base.xs, cont.xs)
    if finer is None:
        return None
    base.grid.rows = [_remap(r, finer, len(cont.xs)) for r in base.grid.rows]
    base.xs = list(cont.xs)
    return list(range(len(cont.xs)))


def _remap(row: list, mapping: list[int], width: int) -> list:
    out: list = [None] * width
    for cell, j in zip(row, mapping):
        out[j] = cell
    return out


def _row_key(row: list) -> tuple:
    return tuple(norm(c.text) if c is not None else None for c in row)


def is_cut_fragment(prev: list, first: list) -> bool:
    """Whether ``first`` (already in ``prev``'s column slots) is the lower half of ``prev``,
    a row cut in two by a page break.

    The fragment has empty-string cells (cells that exist but hold nothing, such as the
    label cells), no number where ``prev`` has one, and no text that would open a row of
    its own (an item number such as ``3.``/``（四）`` or a complete official label).
    """
    cells = [c for c in first if c is not None]
    if not cells or not any(c.text == "" for c in cells):
        return False
    if not any(c is not None and c.text.strip() for c in prev):
        return False
    for a, b in zip(prev, first):
        if a is not None and b is not None and _is_number(a.text) and _is_number(b.text):
            return False
    return not any(c.text.strip() and _starts_row(c.text) for c in cells)


def _glue(prev: list, first: list) -> list:
    """Concatenate a cut row's two halves slot by slot; each cell keeps its first part's page."""
    out = []
    for a, b in zip(prev, first):
        if b is None or not b.text:
            out.append(a)
        elif a is None:
            out.append(b)
        elif not a.text:
            out.append(Cell(b.text, a.page, a.bbox))
        else:
            out.append(Cell(a.text + "\n" + b.text, a.page, a.bbox))
    return out


def _close_label_merges(base_rows: list, first: list, later_rows: list) -> list:
    """The first row of a continuation, with label cells that merely continue a merged label
    of the previous page (empty cells in a label column) turned into None, as a merge slot.

    Only columns that hold no number anywhere in either part count as label columns, so a
    blank value cell is never turned into a merge slot.
    """
    last = base_rows[-1]
    out = list(first)
    for j, cell in enumerate(first):
        if cell is None or cell.text != "":
            continue
        if any(r[j] is not None and _is_number(r[j].text) for r in base_rows + later_rows):
            continue
        if last[j] is None or last[j].text != "":
            out[j] = None
    return out


def join_pieces(base: Piece, cont: Piece) -> bool:
    """Append ``cont`` (a table at the top of the next page) to ``base`` if it continues it."""
    if base.bottom < 0.5 * base.page_height or cont.top > 0.5 * cont.page_height:
        return False
    mapping = _column_map(base, cont)
    if mapping is None:
        return False
    width = len(base.xs)
    rows = [_remap(r, mapping, width) for r in cont.grid.rows]
    # A repeated header (Word's "repeat as header row"): drop the rows equal to base's first rows.
    k = 0
    while k < len(rows) - 1 and k < len(base.grid.rows) and _row_key(rows[k]) == _row_key(base.grid.rows[k]):
        k += 1
    rows = rows[k:]
    if rows and base.grid.rows and is_cut_fragment(base.grid.rows[-1], rows[0]):
        base.grid.rows[-1] = _glue(base.grid.rows[-1], rows[0])
        rows = rows[1:]
    elif rows and base.grid.rows:
        rows[0] = _close_label_merges(base.grid.rows, rows[0], rows[1:])
    base.grid.rows.extend(rows)
    base.bottom, base.page_height = cont.bottom, cont.page_height
    return True


def pieces_to_grids(pages: list[PageItems]) -> list:
    """Flatten the pages into document items, joining tables continued across pages."""
    items: list = []
    open_piece: Optional[Piece] = None  # the last table, while only page furniture follows it
    open_page = 0
    for page in pages:
        first_real = True
        for idx, item in enumerate(page.items):
            if idx in page.furniture:
                items.append(item)
                continue
            if isinstance(item, Piece):
                if (first_real and open_piece is not None and page.number == open_page + 1
                        and join_pieces(open_piece, item)):
                    open_page = page.number
                    first_real = False
                    continue
                items.append(item)
                open_piece, open_page = item, page.number
            else:
                items.append(item)
                open_piece = None
            first_real = False
    return [i.grid if isinstance(i, Piece) else i for i in items]


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def _pages_text(pages: list[int]) -> str:
    return "、".join(str(p) for p in pages)


def _take_page_result(doc: Document, pages: dict, garbled: list, info: PageTriage, items, problem) -> None:
    if items is not None:
        pages[info.number] = items
    elif problem == "garbled":
        info.garbled = True
        garbled.append(info.number)
    elif problem == "failed":
        doc.notes.append(NOTE_TABLE_FAILED.format(page=info.number))
    elif problem == "skipped":
        doc.notes.append(NOTE_TABLE_SKIPPED.format(page=info.number))


def read_pdf(data: bytes, name: str) -> Document:
    """Read a PDF's text layer into a :class:`Document`.

    ``data`` is the file's bytes and ``name`` its file name (for messages only). Returns text
    blocks (one per line) and grids (tables joined across pages) in reading order with 1-based
    page numbers. Pages without a usable text layer (pictures, undecodable fonts) are listed in
    ``scanned_pages`` and noted; a PDF with no readable page returns an empty document whose
    notes say it is an image-only scan.

    Raises :class:`ReportError` for encrypted (password needed), broken, truncated, empty and
    absurdly long (more than ``MAX_PAGES`` pages) files.
    """
    with gcpolicy.young_gc(gcpolicy.YOUNG_GC_THRESHOLD):
        return _read_pdf(data, name)


def _read_pdf(data: bytes, name: str) -> Document:
    pdf = bytes_to_pdfium(data, name)
    try:
        count = len(pdf)
        if count == 0:
            raise ReportError(MSG_NO_PAGES, name)
        if count > MAX_PAGES:
            raise ReportError(MSG_TOO_MANY_PAGES.format(n=count, limit=MAX_PAGES), f"{name}: {count} pages")
        doc = Document(format="pdf", page_count=count)
        pages: dict[int, PageItems] = {}
        garbled: list[int] = []
        triage = []
        for i in range(count):
            info = pdfium_to_triage(pdf, i)
            triage.append(info)
            if info.garbled:
                garbled.append(info.number)
            if info.objects is None:
                continue
            # Tables right away, so that only one page's characters are held at a time.
            try:
                items, problem = page_to_items(info.objects, info.number)
            except Exception:  # unexpected geometry: let the pdfplumber page reader try instead
                items, problem = None, "retry"
            info.objects = None
            if problem != "retry":
                _take_page_result(doc, pages, garbled, info, items, problem)
                info.done = True
    finally:
        pdf.close()

    if not _has_eof_marker(data):
        doc.notes.append(NOTE_MAYBE_TRUNCATED)
    candidates = [t for t in triage if t.table_candidate]
    # Pages pypdfium2 could not hand over (rotated, nested drawings, errors): pdfplumber reads them.
    for info in candidates:
        if info.crowded and not info.done:  # never hand a page of countless drawings to pdfplumber
            _take_page_result(doc, pages, garbled, info, None, "skipped")
            info.done = True
    rest = [t for t in candidates if not t.done]
    if rest:
        try:
            plumb = pdfplumber.open(io.BytesIO(data))
        except Exception:  # pdfminer fails on some files pdfium reads: keep the text
            plumb = None
            doc.notes.append(NOTE_TABLE_FAILED.format(page=_pages_text([t.number for t in rest])))
        if plumb is not None:
            with plumb:
                for info in rest:
                    page = None
                    try:
                        page = plumb.pages[info.number - 1]
                        items, problem = page_to_items(page, info.number)
                    except Exception:  # malformed page objects: fall back to the pypdfium2 text
                        items, problem = None, "failed"
                    finally:
                        if page is not None:
                            page.close()
                    _take_page_result(doc, pages, garbled, info, items, problem)

    ordered = []
    for info in triage:
        if info.broken:
            doc.notes.append(NOTE_BAD_PAGE.format(page=info.number))
        elif info.number in pages:
            ordered.append(pages[info.number])
        elif info.has_text:
            ordered.append(lines_to_items(info))
    doc.items = pieces_to_grids(ordered)
    if any(isinstance(i, Grid) for i in doc.items):
        doc.stream = [i for info in triage if info.has_text for i in lines_to_items(info).items]

    doc.scanned_pages = [t.number for t in triage if t.scanned]
    readable = [t for t in triage if t.has_text]
    if not readable and doc.scanned_pages:
        doc.notes.insert(0, NOTE_ALL_SCANNED.format(n=count))
    else:
        pictures = [p for p in doc.scanned_pages if p not in garbled]
        if pictures:
            doc.notes.append(NOTE_SCANNED_PAGES.format(pages=_pages_text(pictures)))
        if garbled:
            doc.notes.append(NOTE_GARBLED_PAGES.format(pages=_pages_text(sorted(set(garbled)))))
    return doc
