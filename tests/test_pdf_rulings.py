"""The ruling lines and the table finding of text PDFs: the fast paths of ``parsing/readers/pdf.py`` against
pdfplumber's own functions (and the reader's dict path they replace), on every PDF held and on made pages.

``_path_rulings`` reads a path's edges as tuples; ``ruling_cells`` snaps, joins and intersects those tuples
without an edge dict; ``find_tables`` uses it for a page whose edges are ``Rulings``. Each must give what
pdfplumber's ``TableFinder`` gives (its edges, points, cells and tables, in its order)."""
from __future__ import annotations

import math
import random
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pdfplumber.table import TableFinder, TableSettings

from parsing.readers import pdf as P
from tests.pdf_layouts import Layout, build_pdf, form_values
from tests.test_pdf_speed import DRAWN, PATHS, PDFS, ROTATED, _drawn_pdf, _old_path_edges, page_objects

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = TableSettings.resolve(None)
# PDFs held outside the repository on a developer's machine (the real reports, the benchmark corpus): compared
# where they are, skipped where they are not
OUTSIDE = sorted([*Path("/work/shared/real").glob("*.pdf"),
                  *(p for d in sorted(Path("/tmp").glob("report-bench-*-240-0")) for p in d.glob("*.pdf"))])
LAYOUTS = [Layout(), Layout(rules="rows"), Layout(rules="three"), Layout(landscape=True), Layout(split=3),
           Layout(vertical=True), Layout(label_cm=2.2), Layout(form="2019")]


def _form_pdf() -> bytes:
    """A page that draws a form XObject holding a line and a second form (nested two deep), written by hand."""
    def stream(n, body, extra=b""):
        return b"%d 0 obj << %s /Length %d >> stream\n%s\nendstream endobj\n" % (n, extra, len(body), body)
    form = b"/Type /XObject /Subtype /Form /BBox [0 0 400 400]"
    objs = [b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n",
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 400 400] /Contents 6 0 R"
            b" /Resources << /XObject << /X1 4 0 R >> >> >> endobj\n",
            stream(4, b"0 0 m 100 0 l S 20 20 100 50 re f /X2 Do", form + b" /Resources << /XObject << /X2 5 0 R >> >>"),
            stream(5, b"10 10 m 10 100 l S", form),
            stream(6, b"5 5 m 300 5 l S q /X1 Do Q")]
    body = b"%PDF-1.4\n" + b"".join(objs)
    return body + b"trailer << /Root 1 0 R /Size 7 >>\n%%EOF\n"


def _made() -> list[tuple[str, bytes]]:
    rng = random.Random(3)
    out = [("rotated text (made)", ROTATED), ("paths (made)", DRAWN), ("forms (made)", _form_pdf())]
    for k, layout in enumerate(LAYOUTS):
        out.append((f"layout {k}", build_pdf(form_values(rng, layout.form), layout)))
    return out


def _pages(data: bytes):
    """Every page of ``data`` read as the reader reads a table page (``pdfium_to_page``, deduped where doubled)."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return
    for page in pdf:
        textpage = page.get_textpage()
        got = P.pdfium_to_page(page, textpage, textpage.get_text_range())
        yield got.dedupe_chars() if got.doubled else got


def _dict_page(page: P.PdfiumPage) -> P.PdfiumPage:
    """The same page with its edges as a plain list of dicts (the reader's dict path)."""
    return P.PdfiumPage(page.chars, [dict(e) for e in page.edges], page.width, page.height)


def _check_page(page: P.PdfiumPage) -> int:
    assert isinstance(page.edges, P.Rulings)
    finder = TableFinder(page, SETTINGS)  # pdfplumber's own, on the edge dicts
    cells = P.ruling_cells(page.edges.segments, SETTINGS)
    assert cells == finder.cells
    assert cells == P.intersections_to_cells(finder.intersections)
    tables = P.find_tables(page)
    assert [t.cells for t in tables] == [t.cells for t in finder.tables]
    assert [t.bbox for t in tables] == [t.bbox for t in finder.tables]
    assert [[r.cells for r in t.rows] for t in tables] == [[r.cells for r in t.rows] for t in finder.tables]
    assert all(t.page is page for t in tables)
    slow = P.find_tables(_dict_page(page))
    assert [t.cells for t in slow] == [t.cells for t in tables]
    return len(cells)


def test_ruling_cells_equal_pdfplumbers_on_every_pdf_held():
    cells = 0
    for path in PDFS:
        for page in _pages(path.read_bytes()):
            cells += _check_page(page)
    assert cells > 1000


@pytest.mark.parametrize("name,data", _made(), ids=lambda v: v if isinstance(v, str) else "")
def test_ruling_cells_equal_pdfplumbers_on_made_pages(name, data):
    for page in _pages(data):
        _check_page(page)


def test_made_layouts_have_ruled_tables():
    """The made layouts compare real tables (a check of the comparison above, not of the reader)."""
    rng = random.Random(3)
    data = build_pdf(form_values(rng, "2021"), Layout())
    assert sum(len(P.ruling_cells(p.edges.segments, SETTINGS)) for p in _pages(data)) > 100


@pytest.mark.skipif(not OUTSIDE, reason="no real reports or benchmark corpus on this machine")
def test_ruling_cells_equal_pdfplumbers_on_real_reports_and_corpus():
    cells = 0
    for path in OUTSIDE:
        for page in _pages(path.read_bytes()):
            cells += _check_page(page)
    assert cells > 1000


def _segments(rng) -> list:
    """Random rulings on a coarse grid: ends that meet, miss by a hair or fall within the snap, join and
    intersection tolerances, duplicates, short bits and slightly different lines that snap together."""
    out = []
    for _ in range(rng.randint(1, 60)):
        a, b = sorted(rng.sample(range(0, 12), 2))
        at = rng.randint(0, 11) * 10 + rng.choice([0, 0, 0, 0.5, 1.0, 1.0000001, -1.0, 2.9, 3.1, 0.1, 0.3])
        lo = a * 10 + rng.choice([0, 0, -1, 1.2, 2.9, 3.0, 3.1, 9.5])
        hi = b * 10 + rng.choice([0, 0, 1, -1.2, -2.9, -3.0, -3.1, -3.6, -9.5, -9.2])
        if rng.random() < 0.5:
            seg = ("h", lo, hi, at, at)
        else:
            seg = ("v", at, at, lo, hi)
        out.append(seg)
        if rng.random() < 0.1:
            out.append(seg)  # drawn twice
    return out


def test_ruling_cells_equal_pdfplumbers_on_random_rulings():
    rng = random.Random(5)
    found = 0
    for _ in range(1500):
        segments = _segments(rng)
        page = P.PdfiumPage([], P.Rulings(segments), 200, 200)
        finder = TableFinder(page, SETTINGS)
        assert P.ruling_cells(segments, SETTINGS) == finder.cells, segments
        assert [t.cells for t in P.find_tables(page)] == [t.cells for t in finder.tables]
        found += len(finder.cells)
    assert found > 1000


def test_not_finite_rulings_go_the_dict_way():
    """Edges whose snapped coordinate is not finite: ``ruling_cells`` leaves them to the dict path, which finds
    what pdfplumber finds."""
    huge = 1.7e308
    segments = [("v", huge, huge, 0.0, 50.0), ("v", huge, huge, 0.0, 50.0), ("h", 0.0, 60.0, 10.0, 10.0),
                ("v", 10.0, 10.0, 0.0, 50.0), ("v", 20.0, 20.0, 0.0, 50.0), ("h", 0.0, 60.0, 20.0, 20.0)]
    assert P.ruling_cells(segments, SETTINGS) is None
    page = P.PdfiumPage([], P.Rulings(segments), 200, 200)
    assert [t.cells for t in P.find_tables(page)] == [t.cells for t in TableFinder(page, SETTINGS).tables]
    assert not math.isfinite(sum([huge, huge]))


def test_rulings_read_as_the_old_edge_dicts():
    """``_path_rulings`` tuples made dicts are the edges of asking everything of every segment, in their order,
    on every path of every PDF held and of the made pages (in memory too, where a close flag adds a side); for the files' paths without asking any close flag."""
    compared = closed = 0
    sources = [("paths (in memory)", None), *_made(), *((p.name, p.read_bytes()) for p in PDFS)]
    for name, data in sources:
        try:
            pdf = pdfium.PdfDocument(data) if data is not None else None
        except pdfium.PdfiumError:
            continue
        for page in (pdf if pdf is not None else [_drawn_pdf([], PATHS, saved=False)[1]]):
            left, _, _, top_y = page.get_mediabox()
            for obj, kind, _ in page_objects(page.raw, 4):
                if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
                    continue
                out: list = []
                P._path_rulings(obj, left, top_y, None, out)
                slow = _old_path_edges(obj, left, top_y)
                assert [P._ruling_dict(r) for r in out] == slow, name
                compared += len(slow)
                if data is not None:  # parsed from a file: no close flag needs asking
                    out = []
                    P._path_rulings(obj, left, top_y, pdfium_c.FPDFPath_CountSegments(obj), out, False)
                    assert [P._ruling_dict(r) for r in out] == slow, name
                    closed += sum(1 for k in range(pdfium_c.FPDFPath_CountSegments(obj))
                                  if pdfium_c.FPDFPathSegment_GetClose(pdfium_c.FPDFPath_GetPathSegment(obj, k)))
    assert compared > 1000
    assert closed > 1000  # the files' paths do close their subpaths


def test_a_close_flag_in_memory_needs_asking():
    """pdfium's editing calls flag a point away from its subpath's start: there the flag adds a side, and only
    asking it finds that side (the reader reads files only)."""
    _, page = _drawn_pdf([], PATHS, saved=False)
    left, _, _, top_y = page.get_mediabox()
    differ = 0
    for obj, kind, _ in page_objects(page.raw, 1):
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            asked: list = []
            P._path_rulings(obj, left, top_y, None, asked)
            assert [P._ruling_dict(r) for r in asked] == _old_path_edges(obj, left, top_y)
            not_asked: list = []
            P._path_rulings(obj, left, top_y, None, not_asked, False)
            differ += asked != not_asked
    assert differ == 3  # the box closed by a flag, and the two paths that go on after a flag


def test_rulings_are_the_edges_pdfplumber_sees():
    segments = [("h", 0.0, 10.0, 5.0, 5.0), ("v", 3.0, 3.0, 1.0, 9.0)]
    rulings = P.Rulings(segments)
    assert len(rulings) == 2
    assert rulings[1] == {"object_type": "line", "orientation": "v", "x0": 3.0, "x1": 3.0, "top": 1.0,
                          "bottom": 9.0, "doctop": 1.0, "width": 0.0, "height": 8.0}
    assert rulings == list(rulings) and list(rulings)[0]["width"] == 10.0


def test_object_handles_walk_as_page_objects():
    """The triage's walk with integer handles meets the objects of ``page_objects`` (the walk through pypdfium2's
    own bindings: same handles, kinds and levels, in its order, into forms too), on every page of every PDF held
    and of the made pages."""
    import ctypes

    objects = forms = 0
    for name, data in [*_made(), *((p.name, p.read_bytes()) for p in PDFS)]:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            continue
        for page in pdf:
            for depth in (1, 4):
                slow = [(ctypes.cast(o, ctypes.c_void_p).value, k, lvl) for o, k, lvl in page_objects(page.raw, depth)]
                assert list(P._object_handles(page.raw, depth)) == slow, name
                objects += len(slow)
                forms += sum(1 for _, _, lvl in slow if lvl)
    assert objects > 10000 and forms


def test_page_rulings_as_path_by_path():
    """``_page_rulings`` (a page's paths read in one pass each and their edges found array-wise) gives the tuples
    of ``_path_rulings`` (``closes=False``) path after path, value for value (repr: signed zeros too), on every page
    of every PDF held, of the made pages and of the corpus where it is; with the segment counts and without."""
    import ctypes

    compared = 0
    for name, data in [*_made(), *((p.name, p.read_bytes()) for p in [*PDFS, *OUTSIDE[:80]])]:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            continue
        for page in pdf:
            left, _, _, top_y = page.get_mediabox()
            paths = [(ctypes.cast(o, ctypes.c_void_p).value, P._COUNT_SEGMENTS(o))
                     for o, k, _ in P._object_handles(page.raw, 1) if k == pdfium_c.FPDF_PAGEOBJ_PATH]
            slow: list = []
            for obj, count in paths:
                P._path_rulings(obj, left, top_y, count, slow, False)
            for asked in (paths, [(obj, None) for obj, _ in paths]):
                fast = P._page_rulings(asked, left, top_y)
                assert [tuple(map(repr, r)) for r in fast] == [tuple(map(repr, r)) for r in slow], name
            # a mediabox at -0.0 and shifted pages: the same ties
            for dx, dy in ((-0.0, -0.0), (left + 0.5, top_y - 1e6)):
                slow = []
                for obj, count in paths:
                    P._path_rulings(obj, dx, dy, count, slow, False)
                fast = P._page_rulings(paths, dx, dy)
                assert [tuple(map(repr, r)) for r in fast] == [tuple(map(repr, r)) for r in slow], name
            compared += len(slow)
    assert compared > 10000
    assert P._page_rulings([], 0.0, 0.0) == []


def test_triage_walk_without_forms_as_the_walk():
    """The triage's flat walk of a page without forms (``_flat_objects``) finds what its walk through
    ``_object_handles`` finds (segments, pictures, crowding, the table page's characters and rulings), on every
    page of every PDF held and of the made pages, with the object limit as it is and low enough to cut pages."""
    import dataclasses

    def triage(pdf, i):
        info = P.pdfium_to_triage(pdf, i)
        page = info.objects
        fields = {f.name: getattr(info, f.name) for f in dataclasses.fields(info) if f.name != "objects"}
        return fields, None if page is None else (page.rows, page._chars, list(page.edges), page.doubled)

    flat = cut = 0
    real = P._flat_objects
    for name, data in [*_made(), *((p.name, p.read_bytes()) for p in PDFS)]:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            continue
        for i in range(len(pdf)):
            for limit in (P.MAX_PATH_OBJECTS_SCANNED, 40):
                P.MAX_PATH_OBJECTS_SCANNED, saved = limit, P.MAX_PATH_OBJECTS_SCANNED
                try:
                    P._flat_objects = real
                    fast = triage(pdf, i)
                    P._flat_objects = lambda *a: None
                    slow = triage(pdf, i)
                finally:
                    P._flat_objects, P.MAX_PATH_OBJECTS_SCANNED = real, saved
                assert fast == slow, (name, i, limit)
                page = pdf[i]
                flat += real(page.raw, 10**6) is not None
                page.close()
                cut += fast[0]["crowded"]
    assert flat > 100 and cut > 10
