"""The fast paths of the PDF reader give exactly what the slow ones they replace gave.

``parsing.readers.pdf.table_texts`` finds each table cell's characters in one sorted pass instead of pdfplumber's
``Table.extract()`` (every character tested against every row and cell). Both must return the same text for every
table of every PDF we hold: the seeds, the reader fixtures (fake bold, split headers, CID fonts) and the real
published PDFs."""
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from parsing.readers import pdf as P

ROOT = Path(__file__).resolve().parents[1]
PDFS = sorted(p for d in ("sample_reports", "tests/fixtures/pdf", "tests/fixtures/real")
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
