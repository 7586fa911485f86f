"""The fast paths of the PDF reader give exactly what the slow ones they replace gave.

``parsing.readers.pdf.table_texts`` finds each table cell's characters in one sorted pass instead of pdfplumber's
``Table.extract()`` (every character tested against every row and cell), and reads one-line cells without
pdfplumber's word extraction (``cell_text``); ``find_tables`` finds pdfplumber's cells without its quadratic search;
``pdfium_to_page`` takes the characters' text from the page's text. Each must give the same result for every table
of every PDF we hold: the seeds, the demo county, the reader fixtures (fake bold, split headers, CID fonts) and the
real published PDFs."""
import random
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pdfplumber.table import TableFinder, TableSettings
from pdfplumber.utils.text import extract_text

from parsing.readers import pdf as P

ROOT = Path(__file__).resolve().parents[1]
PDFS = sorted(p for d in ("sample_reports", "sample_reports/demo", "tests/fixtures/pdf", "tests/fixtures/real")
              for p in (ROOT / d).glob("*.pdf") if "_scan" not in p.name and p.name != "scan.pdf")


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
    from pdfplumber.table import edges_to_intersections, intersections_to_cells

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
        assert P.intersections_to_cells(fast) == intersections_to_cells(slow)
        page = P.PdfiumPage([], [dict(e, object_type="line", doctop=e["top"], bottom=e["bottom"],
                                      height=e["bottom"] - e["top"], width=e["x1"] - e["x0"]) for e in edges], 200, 200)
        assert P.table_edges(page, settings) == TableFinder(page, settings).edges
