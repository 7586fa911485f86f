"""The fast paths of the PDF reader give exactly what the slow ones they replace gave.

``parsing.readers.pdf.table_texts`` finds each table cell's characters in one sorted pass instead of pdfplumber's
``Table.extract()`` (every character tested against every row and cell), and reads one-line cells without
pdfplumber's word extraction (``cell_text``); ``find_tables`` finds pdfplumber's cells without its quadratic search;
``pdfium_to_page`` takes the characters' text from the page's text. Each must give the same result for every table
of every PDF we hold: the seeds, the demo county, the reader fixtures (fake bold, split headers, CID fonts) and the
real published PDFs."""
import ctypes
import io
import itertools
import math
import random
import re
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pdfplumber.table import TableFinder, TableSettings
from pdfplumber.utils.text import chars_to_textmap, extract_text

from parsing.forms import is_prose
from parsing.readers import pdf as P

ROOT = Path(__file__).resolve().parents[1]
PDFS = sorted(p for d in ("sample_reports", "sample_reports/demo", "tests/fixtures/pdf", "tests/fixtures/real")
              for p in (ROOT / d).glob("*.pdf") if "_scan" not in p.name and p.name != "scan.pdf")


def page_objects(parent, max_depth: int, level: int = 0, form: bool = False):
    """``(handle, type, level)`` of every object of a page (raw handle ``parent``), descending into form
    XObjects up to ``max_depth`` levels, through pypdfium2's own bindings (the reader walks them with integer
    handles, ``P._object_handles``; this walk's handles suit pypdfium2's raw functions)."""
    count, get = ((pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject) if form
                  else (pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject))
    type_of = pdfium_c.FPDFPageObj_GetType
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
            yield from page_objects(obj, max_depth, level + 1, True)


def table_pages(path: Path):
    try:
        pdf = pdfium.PdfDocument(path.read_bytes())
    except pdfium.PdfiumError:
        return  # encrypted fixtures: nothing to compare
    for i in range(len(pdf)):
        info = P.pdfium_to_triage(pdf, i)
        if info.objects is not None:
            page = info.objects
            yield page.dedupe_chars() if P.has_doubled_chars(page.chars) else page


@pytest.mark.parametrize("path", PDFS, ids=[p.name for p in PDFS])
def test_table_texts_equal_pdfplumbers_extract(path):
    compared = 0
    for page in table_pages(path):
        tables = page.find_tables()
        index = P.CharIndex(page.chars)
        for table in tables:
            assert P.table_texts(table, index) == table.extract()
            assert P.table_texts(table) == table.extract()
            compared += 1
    if path.name in {"report.pdf", "fakebold.pdf", "header_split.pdf"} or path.parent.name == "sample_reports":
        assert compared, "a PDF with ruled tables compared no table"


@pytest.mark.parametrize("path", PDFS, ids=[p.name for p in PDFS])
def test_tables_and_characters_equal_pdfplumbers_own(path):
    settings = TableSettings.resolve(None)
    for page in table_pages(path):
        finder = TableFinder(page, settings)
        assert P.table_edges(page, settings) == finder.edges
        assert [t.cells for t in P.find_tables(page)] == [t.cells for t in finder.tables]
        fast = P.edges_to_intersections(finder.edges, settings.intersection_x_tolerance,
                                        settings.intersection_y_tolerance)
        assert list(fast.items()) == list(finder.intersections.items())
    try:
        pdf = pdfium.PdfDocument(path.read_bytes())
    except pdfium.PdfiumError:
        return
    for page in pdf:
        textpage = page.get_textpage()
        asked = P.pdfium_to_page(page, textpage)  # every character's text asked of pdfium
        assert P.pdfium_to_page(page, textpage, textpage.get_text_range()).chars == asked.chars


def test_one_line_cells_read_as_pdfplumber_reads_them():
    """Random cells: one or several characters, blanks, gaps around the word tolerance, slightly different tops,
    overlaps, out-of-order characters, rotated text, ligatures and two lines (the last three go to pdfplumber)."""
    rng = random.Random(7)
    alphabet = list("0123456789一二三件其他 ,.-") + ["ﬁ", " ", "\u3000"]
    for _ in range(3000):
        chars, x = [], rng.uniform(0, 50)
        for _ in range(rng.choice([1, 1, 2, 3, 4, 6])):
            w = rng.uniform(2, 8)
            top = 100 + rng.choice([0, 0, 0, 0.5, 1.5, 2.8, 2.95, 3.2, 12])
            chars.append({"text": rng.choice(alphabet), "x0": x, "x1": x + w, "top": top, "bottom": top + 9,
                          "doctop": top, "upright": rng.random() > 0.05, "size": 9.0,
                          "width": w, "height": 9.0})
            x += w + rng.choice([0, 0.5, 2.9, 3.0, 3.1, 6, -1, -w - 1])
        if rng.random() < 0.2:
            rng.shuffle(chars)
        assert P.cell_text(chars) == extract_text(chars), chars


def test_cell_edges_follow_pdfplumber():
    """A character whose middle is on a cell's left or top edge is in the cell; on its right or bottom edge it is
    in the next one (pdfplumber's char_in_bbox)."""
    def char(x, y):
        return {"x0": x - 1, "x1": x + 1, "top": y - 1, "bottom": y + 1, "text": "x"}

    chars = [char(10, 10), char(20, 10), char(10, 20), char(15, 15)]
    index = P.CharIndex(chars)
    assert index.inside((10, 10, 20, 20)) == [0, 3]
    assert index.inside((0, 0, 30, 30)) == [0, 1, 2, 3]
    assert index.inside((10, 10, 20, 20), [0, 1, 2, 3]) == [0, 3]


def test_intersections_and_cells_equal_pdfplumbers_on_random_rulings():
    """Random rulings on a coarse grid (so that ends meet, miss by a hair or fall within the tolerances, and
    cells are cut by partial lines): pdfplumber's points, edges and cells, in its order."""
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells

    settings = TableSettings.resolve(None)
    rng = random.Random(11)
    for _ in range(600):
        edges = []
        for _ in range(rng.randint(1, 40)):
            a, b = sorted(rng.sample(range(0, 12), 2))
            at = rng.randint(0, 11) * 10 + rng.choice([0, 0, 0, 0.5, 1.0, 1.0000001, -1.0, 2.9, 3.1])
            lo = a * 10 + rng.choice([0, 0, -1, 1.2, 2.9, 3.1])
            hi = b * 10 + rng.choice([0, 0, 1, -1.2, -2.9, -3.1, -3.6])
            if rng.random() < 0.5:
                edges.append({"orientation": "h", "x0": lo, "x1": hi, "top": at, "bottom": at, "width": hi - lo})
            else:
                edges.append({"orientation": "v", "x0": at, "x1": at, "top": lo, "bottom": hi, "height": hi - lo})
        slow = edges_to_intersections(edges, 1, 1)
        fast = P.edges_to_intersections(edges, 1, 1)
        assert list(fast.items()) == list(slow.items())
        cells = intersections_to_cells(slow)
        assert P.intersections_to_cells(fast) == cells
        assert P.cells_to_tables(cells) == cells_to_tables(cells)
        rng.shuffle(cells)
        assert P.cells_to_tables(cells) == cells_to_tables(cells)
        page = P.PdfiumPage([], [dict(e, object_type="line", doctop=e["top"], bottom=e["bottom"],
                                      height=e["bottom"] - e["top"], width=e["x1"] - e["x0"]) for e in edges], 200, 200)
        assert P.table_edges(page, settings) == TableFinder(page, settings).edges


def _old_path_edges(obj, left, top_y):
    """The ruling edges of one path as the reader read them before: every segment's point, type and close flag
    asked of pypdfium2, the subpath kept as a list of points (the slow path ``P._path_edges`` replaces)."""
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return []
    x, y = ctypes.c_float(), ctypes.c_float()
    points, edges = [], []

    def add(p, q):
        (x0, y0), (x1, y1) = p, q
        if abs(x0 - x1) < 0.01 and abs(y0 - y1) >= 0.01:
            orientation = "v"
        elif abs(y0 - y1) < 0.01 and abs(x0 - x1) >= 0.01:
            orientation = "h"
        else:
            return
        top, bottom = top_y - max(y0, y1), top_y - min(y0, y1)
        a, b = min(x0, x1) - left, max(x0, x1) - left
        if orientation == "h":
            bottom = top
        else:
            b = a
        edges.append({"object_type": "line", "orientation": orientation, "x0": a, "x1": b, "top": top,
                      "bottom": bottom, "doctop": top, "width": b - a, "height": bottom - top})

    for k in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, k)
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        pt = (m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not points:
            points = [pt]
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO:
            add(points[-1], pt)
            points.append(pt)
        else:
            points.append(pt)
        if pdfium_c.FPDFPathSegment_GetClose(seg) and len(points) > 1:
            add(points[-1], points[0])
            points = [points[0]]
    return edges


def _text_objects(page):
    texts = []
    for obj, kind, level in page_objects(page.raw, 4):
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT and texts is not None:
            texts = None if level else texts + [obj]
    return texts


def _drawn_pdf(matrices=(), paths=(), saved=True):
    """A one-page PDF made by pdfium: the text "12 ab" under each text matrix of ``matrices``, and each path of
    ``paths`` (a list of ("m" | "l" | "b" | "h", points...) steps, "h" closing the subpath). Its bytes, or
    (``saved=False``) the document and its page in memory, where a closed subpath has no line back to its
    start."""
    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(400, 400)
    for mat in matrices:
        obj = pdfium_c.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", 12.0)
        text = ctypes.create_string_buffer("12 ab\x00".encode("utf-16-le"))
        pdfium_c.FPDFText_SetText(obj, ctypes.cast(text, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
        pdfium_c.FPDFPageObj_Transform(obj, *mat)
        pdfium_c.FPDFPage_InsertObject(page.raw, obj)
    for steps in paths:
        obj = None
        for op, *pts in steps:
            if obj is None:
                obj = pdfium_c.FPDFPageObj_CreateNewPath(*pts[:2])
            elif op == "m":
                pdfium_c.FPDFPath_MoveTo(obj, *pts)
            elif op == "l":
                pdfium_c.FPDFPath_LineTo(obj, *pts)
            elif op == "b":
                pdfium_c.FPDFPath_BezierTo(obj, *pts)
            else:
                pdfium_c.FPDFPath_Close(obj)
        pdfium_c.FPDFPath_SetDrawMode(obj, 0, True)
        pdfium_c.FPDFPage_InsertObject(page.raw, obj)
    if not saved:
        return pdf, page
    pdfium_c.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


_R = math.radians(30)
ROTATED = _drawn_pdf([(1, 0, 0, 1, 20, 20), (math.cos(_R), math.sin(_R), -math.sin(_R), math.cos(_R), 100, 100),
                      (0, 1, -1, 0, 200, 200), (-1, 0, 0, 1, 300, 30), (1, 0.0001, 0, 1, 50, 300),
                      (1, 0, 0, -1, 300, 380)])
PATHS = [
    [("m", 10, 10), ("l", 100, 10), ("l", 100, 50), ("l", 10, 50), ("h",)],  # a box, closed
    [("m", 10, 60), ("h",), ("l", 50, 60), ("m", 60, 60), ("l", 60, 90), ("l", 90, 90), ("h",), ("l", 20, 90)],
    [("m", 5, 100), ("b", 10, 110, 20, 110, 30, 100), ("l", 80, 100), ("b", 90, 90, 90, 80, 80, 70), ("h",)],
    [("m", 120, 10), ("l", 120.005, 60), ("l", 170, 60.004), ("l", 200, 90), ("h",)],  # hairline-off and slanted
    [("m", 210, 10), ("l", 260, 10), ("l", 260, 40), ("h",), ("l", 300, 40), ("l", 300, 10), ("h",)],
]
DRAWN = _drawn_pdf([], PATHS)


def _pdf_bytes():
    yield "rotated text (made)", ROTATED
    yield "paths (made)", DRAWN
    for path in PDFS:
        yield path.name, path.read_bytes()


def _pdf_pages():
    """``(name, page)`` for every page of every PDF of :func:`_pdf_bytes` that pdfium opens."""
    for name, data in _pdf_bytes():
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            continue
        for page in pdf:
            yield name, page


def test_path_edges_equal_every_segment_asked():
    """Ruling edges read without the close flag of a subpath's first point, with the segment count the triage
    already has: the same edges as asking everything of every segment, on every path of every PDF held."""
    compared = 0
    closing = 0
    for name, data in itertools.chain([("paths (in memory)", None)], _pdf_bytes()):
        try:
            pdf = pdfium.PdfDocument(data) if data is not None else None
        except pdfium.PdfiumError:
            continue
        for page in (pdf if pdf is not None else [_drawn_pdf([], PATHS, saved=False)[1]]):
            left, _, _, top_y = page.get_mediabox()
            for obj, kind, _ in page_objects(page.raw, 4):
                if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
                    continue
                slow = _old_path_edges(obj, left, top_y)
                assert P._path_edges(obj, left, top_y) == slow, name
                assert P._path_edges(obj, left, top_y, pdfium_c.FPDFPath_CountSegments(obj)) == slow, name
                compared += len(slow)
                closing += data is None and len(slow)
    assert compared > 1000
    assert closing == 4 + 3 + 1 + 2 + 4  # two of them sides added by a close flag


def test_upright_from_text_objects_equals_every_angle_asked():
    """Where every text object of a page is unrotated, no character's angle is asked: the characters are those of
    asking every angle, on every page of every PDF held and on made pages with rotated, mirrored and skewed text
    (where some characters are not upright, so the answer cannot be a constant)."""
    not_upright = 0
    for name, page in _pdf_pages():
        textpage = page.get_textpage()
        asked = P.pdfium_to_page(page, textpage).chars
        fast = P.pdfium_to_page(page, textpage, textpage.get_text_range(), None,
                                P.texts_upright(_text_objects(page))).chars
        assert fast == asked, name
        not_upright += sum(1 for c in asked if not c["upright"])
    assert not_upright >= 15


def test_text_around_tables_equals_the_filter():
    """The characters outside the tables found by bisection: those pdfplumber's filter keeps, for the tables of
    every PDF held and for random boxes."""
    rng = random.Random(5)
    compared = 0
    for path in PDFS:
        for page in table_pages(path):
            index = P.CharIndex(page.chars)
            boxes = [tuple(t.bbox) for t in page.find_tables()]
            for _ in range(3):
                def keep(c):
                    cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
                    return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

                assert index.outside(boxes) == [c for c in page.chars if keep(c)], path.name
                compared += 1
                c = rng.choice(page.chars)  # a box whose edges go through a character's middle
                cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
                boxes = [(cx, cy, cx + rng.uniform(0, 300), cy + rng.uniform(0, 300)),
                         (rng.uniform(0, 300), rng.uniform(0, 300), cx, cy)]
    assert compared > 30


def test_parse_notes_read_as_pandas_reads_them():
    """The parse notes become finding rows without pandas' where/to_dict: the same rows, the same types, None for
    every kind of missing value, on the notes of real reports (text and web pages: quick to parse) and on made
    frames."""
    import numpy as np
    import pandas as pd

    from parsing import parse_bytes
    from parsing.extract.notes import Notes
    from parsing.report import FINDING_COLUMNS, ParsedReport
    from parsing.rules import _notes, _notes_by_pandas

    frames = []
    for path in sorted(p for p in (ROOT / "tests/fixtures/real").iterdir() if p.suffix in (".txt", ".html")):
        report = parse_bytes(path.read_bytes(), path.name)
        if report.notes is not None and len(report.notes):
            frames.append(report.notes)
        if len(frames) == 8:
            break
    assert len(frames) == 8
    notes = Notes()
    notes.add("PARSE-SOURCES-DISAGREE", table="三", row="r", column="c", leaf="l", grid="1", text="2",
              expected="1", actual="2")
    notes.add("PARSE-ROW-MISSING", table="四", row="r", leaf="l")
    frames.append(notes.frame())
    made = notes.frame()
    made.loc[0, "expected"] = np.int64(3)
    made.loc[0, "actual"] = np.float64(2.5)
    made.loc[1, "expected"] = float("nan")
    made.loc[1, "actual"] = pd.NA
    made.loc[1, "column"] = pd.NaT
    made.loc[0, "section"] = np.bool_(True)
    frames.append(made)
    frames.append(made.astype({"expected": "float64"}, errors="ignore").iloc[1:])  # not all object: pandas' way
    frames.append(made[FINDING_COLUMNS[::-1]])  # other column order: pandas' way
    for frame in frames:
        fast = _notes(ParsedReport(file="x", notes=frame))
        slow = _notes_by_pandas(frame)
        assert fast == slow
        assert [[type(v) for v in r.values()] for r in fast] == [[type(v) for v in r.values()] for r in slow]
        assert [list(r) for r in fast] == [list(r) for r in slow]


def _old_text_is_garbled(text: str) -> bool:
    """The garbage test as it was: every non-blank character tested one by one."""
    if "(cid:" in text:
        return text.count("(cid:") * 5 > max(1, len(text)) * P.GARBLED_RATIO
    chars = [ch for ch in text if not ch.isspace()]
    if len(chars) < 10:
        return False
    bad = sum(1 for ch in chars if P._bad_char(ch))
    cjk = sum(1 for ch in chars if "\u4e00" <= ch <= "\u9fff")
    return bad >= P.GARBLED_RATIO * len(chars) or (bad >= 0.05 * len(chars) and cjk < 0.05 * len(chars))


def test_garbage_test_counts_as_the_character_loop():
    """The regular expressions count the characters the per-character test counted: every code point, the text
    of every page held, and random mixes near the thresholds."""
    for o in range(0x110000):
        ch = chr(o)
        assert (P._BAD_CHARS.fullmatch(ch) is not None) == (not ch.isspace() and P._bad_char(ch)), hex(o)
        assert (P._BLANKS.fullmatch(ch) is not None) == ch.isspace(), hex(o)
    garbled = 0
    for name, page in _pdf_pages():
        text = page.get_textpage().get_text_range()
        assert P.text_is_garbled(text) == _old_text_is_garbled(text), name
        garbled += P.text_is_garbled(text)
    rng = random.Random(3)
    pool = list("一二三件\u9fff\u4e00 \n\t\u3000\xa0\x85\x1fab1") + ["\ufffd", "\ue123", "é", "×", "\x07", "\ud800", "😀"]
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        assert P.text_is_garbled(text) == _old_text_is_garbled(text), repr(text)
        garbled += P.text_is_garbled(text)
    assert garbled > 100


def test_control_characters_as_the_regex():
    """The words of a line skip the characters ``_CONTROL`` matches, tested by set membership: the same set."""
    for o in range(0x110000):
        ch = chr(o)
        assert (ch in P._CONTROL_CHARS) == (P._CONTROL.match(ch) is not None), hex(o)


def test_word_gaps_as_the_line_loop():
    """The characters the page-wide word cut skips (``_WORD_GAP``) are those ``_line_words`` skips: blanks and
    ``_CONTROL_CHARS``."""
    for o in range(0x110000):
        ch = chr(o)
        assert (P._WORD_GAP.fullmatch(ch) is not None) == (ch.isspace() or ch in P._CONTROL_CHARS), hex(o)


def test_page_words_equal_line_by_line():
    """Every non-empty line of every page held (prose lines too) cut into words page-wide, as ``_line_words``
    cuts each line; and a page whose boxes hold a zero or a NaN goes line by line."""
    compared = 0
    for name, page in _pdf_pages():
        textpage = page.get_textpage()
        raw = textpage.get_text_range()
        height = page.get_height()
        spans, pos = [], 0
        for m in itertools.chain(re.finditer(r"\r\n|\r|\n", raw), (None,)):
            end = m.start() if m is not None else len(raw)
            if P._clean_line(raw[pos:end]):
                spans.append((pos, end))
            if m is not None:
                pos = m.end()
        fast = P._page_words(textpage, raw, spans, height, 1)
        slow = [P._line_words(textpage, raw, a, b, height, 1) for a, b in spans]
        if fast is None:
            assert any(c.bbox[k] == 0 for line in slow for c in line for k in range(4)), name
        else:
            assert fast == slow, name
            compared += len(spans)
        if spans:
            first = next(i for i in range(*spans[0]) if not P._WORD_GAP.match(raw[i]))
            bottom = textpage.get_charbox(first)[1]
            assert P._page_words(textpage, raw, spans, bottom, 1) is None  # a bottom edge at 0: line by line
            assert P._page_words(textpage, raw, spans, math.nan, 1) is None
    assert compared > 1000


def _old_textpage_words(textpage, raw: str, height: float, number: int) -> list:
    """The reader's words before prose lines were skipped: every character of every line asked for its box."""
    out: list = []
    line: list = []
    word: list = []

    def end_word():
        if word:
            text = "".join(w[0] for w in word)
            line.append(P.Cell(text, number, (min(w[1] for w in word), min(w[2] for w in word),
                                              max(w[3] for w in word), max(w[4] for w in word))))
            word.clear()

    def end_line():
        end_word()
        if P._clean_line(" ".join(c.text for c in line)):
            out.append(list(line))
        line.clear()

    prev_cr = False
    l_, r_, b_, t_ = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    for i, ch in enumerate(raw):
        if ch in "\r\n":
            if not (ch == "\n" and prev_cr):
                end_line()
            prev_cr = ch == "\r"
            continue
        prev_cr = False
        if ch.isspace() or P._CONTROL.match(ch):
            end_word()
            continue
        assert pdfium_c.FPDFText_GetCharBox(textpage.raw, i, l_, r_, b_, t_)
        left, bottom, right, top = l_.value, b_.value, r_.value, t_.value
        box = (ch, left, height - top, right, height - bottom)
        if word:
            gap = left - word[-1][3]
            if gap > 0.5 * max(pdfium_c.FPDFText_GetFontSize(textpage.raw, i), top - bottom, 4.0):
                end_word()
        word.append(box)
    end_line()
    return out


def test_line_words_equal_every_character_asked():
    """Words of a page's lines with prose lines skipped: every other line has the words asking every character's
    box gives, a skipped line is one the matcher reads as a break, and the matcher's tokens of every line are the
    same with the old words as with the new, on every page of every PDF held."""
    from parsing.extract.matcher import _line_tokens
    from parsing.model import TextBlock

    skipped = kept = 0
    for name, page in _pdf_pages():
        textpage = page.get_textpage()
        raw = textpage.get_text_range()
        height = page.get_height()
        lines = [ln for ln in (P._clean_line(x) for x in re.split(r"\r\n|\r|\n", raw)) if ln]
        old = _old_textpage_words(textpage, raw, height, 1)
        new = P.textpage_words(textpage, raw, height, 1)
        assert len(new) == len(old) == len(lines), name
        for ln, a, b in zip(lines, old, new):
            if b is None:
                skipped += 1
                assert a and is_prose(ln), (name, ln)
            else:
                kept += 1
                assert a == b, (name, ln)
            assert _line_tokens(TextBlock(ln, 1, a)) == _line_tokens(TextBlock(ln, 1, b or None)), (name, ln)
    assert skipped > 100 and kept > 100


def _old_has_doubled_chars(chars: list, tolerance: float = 1.0) -> bool:
    keyed = sorted((c["text"], c["top"], c["x0"]) for c in chars if not c["text"].isspace())
    for i, (text, top, x0) in enumerate(keyed):
        for other in keyed[i + 1:i + 4]:
            if other[0] != text or other[1] - top > tolerance:
                break
            if abs(other[2] - x0) <= tolerance:
                return True
    return False


def test_doubled_characters_found_as_the_one_sort_finds_them():
    """The fake-bold test per text: the same answer as one sort of all characters, on every page of every PDF
    held (fake bold among them) and on random characters near the tolerance (repeats, blanks, empty texts)."""
    seen = {True: 0, False: 0}
    for name, page in _pdf_pages():
        chars = P.pdfium_to_page(page, page.get_textpage()).chars
        answer = P.has_doubled_chars(chars)
        assert answer == _old_has_doubled_chars(chars), name
        seen[answer] += 1
    rng = random.Random(11)
    for _ in range(4000):
        chars = [{"text": rng.choice(["一", "二", "1", " ", ""]), "top": rng.choice([0.0, 0.5, 1.0, 1.5, 2.0, 5.0]),
                  "x0": rng.choice([0.0, 0.4, 1.0, 1.01, 2.5, 7.0])} for _ in range(rng.randint(0, 9))]
        answer = P.has_doubled_chars(chars)
        assert answer == _old_has_doubled_chars(chars), chars
        seen[answer] += 1
    assert seen[True] > 100 and seen[False] > 100


def test_page_reading_tells_fake_bold_as_the_character_test(monkeypatch):
    """pdfium_to_page's fake-bold test (made from the characters as it reads them) gets the texts, left edges and
    tops of the characters it returns, in their order (``_page_doubled`` takes the non-blank ones, as
    tests/test_pdf_chars.py checks), on every page of every PDF held (pdfium's text page already merges most fake
    bold: the answers themselves are compared in the test above)."""
    asked = []
    real = P._page_doubled
    monkeypatch.setattr(P, "_page_doubled", lambda *a: asked.append(a) or real(*a))
    compared = 0
    for name, page in _pdf_pages():
        read = P.pdfium_to_page(page, page.get_textpage())
        kept = [c for c in read.chars if not c["text"].isspace()]
        texts, columns = asked.pop()
        assert texts == [c["text"] for c in read.chars], name
        assert columns[0].tolist() == [c["x0"] for c in read.chars], name
        assert columns[2].tolist() == [c["top"] for c in read.chars], name
        assert read.doubled == _old_has_doubled_chars(read.chars), name
        compared += bool(kept)
    assert compared > 50


def _plumber_lines(chars):
    if not chars:
        return []
    return [{"text": ln["text"], "top": ln["top"], "bottom": ln["bottom"]}
            for ln in chars_to_textmap(chars).extract_text_lines(strip=True, return_chars=False)]


def test_text_lines_equal_pdfplumbers():
    """Lines of text from pdfplumber's words without its text map: the same text, top and bottom as its
    extract_text_lines on every page of every PDF held (all characters, and those around the tables as the
    reader takes them), and on random characters: several lines, blanks, empty texts, ligatures, rotated text,
    line breaks in a character's text."""
    compared = 0
    for name, page in _pdf_pages():
        chars = P.pdfium_to_page(page, page.get_textpage()).chars
        assert P.text_lines(chars) == _plumber_lines(chars), name
        compared += bool(chars)
    for page in itertools.chain.from_iterable(table_pages(p) for p in PDFS[:12]):
        tables = page.find_tables()
        around = P.CharIndex(page.chars).outside([t.bbox for t in tables])
        assert P.text_lines(around) == _plumber_lines(around)
    assert compared > 50
    rng = random.Random(5)
    alphabet = list("0123456789一二三件其他,.-") + ["ﬁ", " ", "\u3000", "", "ﬀ"]
    for case in range(4000):
        chars, x = [], 0.0
        rotated = 0.1 if case % 2 else 0.0  # every other case upright throughout (the short way)
        letters = alphabet + ["a\nb"] if case % 5 == 0 else alphabet
        for _ in range(rng.randint(0, 14)):
            x += rng.choice([-3.0, 0.0, 2.0, 4.9, 5.0, 5.1, 9.0, 20.0])
            top = rng.choice([0.0, 1.0, 2.9, 3.0, 3.1, 6.5, 12.0])
            chars.append({"text": rng.choice(letters), "x0": x, "x1": x + 5.0, "top": top, "bottom": top + 10.0,
                          "doctop": top, "upright": rng.random() >= rotated, "height": 10.0, "width": 5.0})
        assert P.text_lines(chars) == _plumber_lines(chars), chars


def test_text_of_upright_characters_equals_pdfplumbers():
    """extract_text without pdfplumber's word extractor for upright characters: the same text as pdfplumber's
    extract_text on random characters (several lines, tops near the tolerance, blanks, empty texts, ligatures,
    out of order, rotated ones going to pdfplumber) and on every table page held."""
    rng = random.Random(13)
    alphabet = list("0123456789一二三件其他,.-") + ["ﬁ", " ", "\u3000", "", "ﬀ"]
    for case in range(4000):
        chars, x = [], 0.0
        for _ in range(rng.randint(0, 12)):
            x += rng.choice([-3.0, 0.0, 2.0, 4.9, 5.0, 5.1, 9.0])
            top = rng.choice([0.0, 1.0, 2.9, 3.0, 3.1, 6.5, 12.0])
            chars.append({"text": rng.choice(alphabet), "x0": x, "x1": x + 5.0, "top": top, "bottom": top + 10.0,
                          "doctop": top, "upright": case % 3 != 0 or rng.random() > 0.2, "height": 10.0,
                          "width": 5.0})
        assert P.extract_text(chars) == extract_text(chars), chars
    for page in itertools.chain.from_iterable(table_pages(p) for p in PDFS[:12]):
        assert P.extract_text(page.chars) == extract_text(page.chars)


def test_texts_upright_as_object_by_object():
    """texts_upright (the text objects' matrices asked in one pass into an array) answers as asking them one by
    one, on every page of every PDF held, on the pages' objects in other orders and on none."""
    def old(texts):
        if texts is None:
            return False
        m = pdfium_c.FS_MATRIX()
        for obj in texts:
            if not P._GET_MATRIX(obj, m) or m.b != 0 or m.c != 0 or not m.a > 0 or not m.d > 0:
                return False
        return True

    answers = []
    for name, page in _pdf_pages():
        texts = _text_objects(page)
        for asked in (texts, None if texts is None else texts[::-1], [] if texts is None else texts[:1]):
            assert P.texts_upright(asked) == old(asked), name
            answers.append(old(asked))
    assert True in answers and False in answers


def test_looks_tabular_as_before():
    """looks_tabular with each line split once: the answers of splitting it for each test, on the pages held and
    on random lines."""
    def old(lines):
        numbers = [sum(1 for w in ln.split() if P._DIGITS.match(w)) for ln in lines]
        ending = sum(1 for ln in lines if ln.split() and P._DIGITS.match(ln.split()[-1]))
        return max(numbers, default=0) >= 3 or ending >= 2

    seen = set()
    for name, page in _pdf_pages():
        raw = page.get_textpage().get_text_range()
        lines = [ln for ln in (P._clean_line(x) for x in re.split(r"\r\n|\r|\n", raw)) if ln]
        assert P.looks_tabular(lines) == old(lines), name
        seen.add(old(lines))
    rng = random.Random(2)
    for _ in range(3000):
        lines = [" ".join(rng.choice(["1", "2,000", "3.5", "件", "-4", "", "a1"]) for _ in range(rng.randint(0, 4)))
                 for _ in range(rng.randint(0, 4))]
        assert P.looks_tabular(lines) == old(lines), lines
        seen.add(old(lines))
    assert seen == {True, False}
