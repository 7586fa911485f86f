"""The PDF reader raises the collector's first threshold while it reads (parsing.gcpolicy.young_gc): the same
document as with the default threshold, the thresholds put back afterwards (also after an error, also when
readers overlap in threads), and the collector still runs during a long PDF."""
import gc
import threading
from pathlib import Path

import pytest

from parsing.model import ReportError
from parsing import gcpolicy
from parsing.readers import pdf

SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"
PDFS = [p for p in sorted(SAMPLES.glob("*.pdf")) if "_scan" not in p.name][:3]


@pytest.fixture
def thresholds():
    old = gc.get_threshold()
    yield old
    gc.set_threshold(*old)


def test_the_document_read_is_the_one_read_with_the_default_threshold(thresholds, monkeypatch):
    for p in PDFS:
        data = p.read_bytes()
        fast = pdf.read_pdf(data, p.name)
        assert gc.get_threshold() == thresholds
        monkeypatch.setattr(gcpolicy, "YOUNG_GC_THRESHOLD", 1)  # never raised: Python's own threshold
        slow = pdf.read_pdf(data, p.name)
        monkeypatch.undo()
        assert repr(fast) == repr(slow), p.name


def test_the_threshold_is_raised_inside_and_put_back_after_an_error(thresholds):
    seen = []
    real = pdf._read_pdf

    def spy(data, name):
        seen.append(gc.get_threshold())
        return real(data, name)

    pdf._read_pdf = spy
    try:
        with pytest.raises(ReportError):
            pdf.read_pdf(b"%PDF-1.7\nnot a pdf\n%%EOF\n", "junk.pdf")
    finally:
        pdf._read_pdf = real
    assert seen == [(gcpolicy.YOUNG_GC_THRESHOLD, *thresholds[1:])]
    assert gc.get_threshold() == thresholds


def test_overlapping_readers_put_back_the_thresholds_found_by_the_first(thresholds):
    inside, leave = threading.Event(), threading.Event()

    def hold():
        with gcpolicy.young_gc(gcpolicy.YOUNG_GC_THRESHOLD):
            inside.set()
            leave.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    inside.wait(10)
    with gcpolicy.young_gc(gcpolicy.YOUNG_GC_THRESHOLD):
        assert gc.get_threshold()[0] == gcpolicy.YOUNG_GC_THRESHOLD
    assert gc.get_threshold()[0] == gcpolicy.YOUNG_GC_THRESHOLD  # the other reader is still inside
    leave.set()
    t.join()
    assert gc.get_threshold() == thresholds


def test_a_higher_threshold_or_a_disabled_collector_is_left_alone(thresholds):
    gc.set_threshold(50_000, *thresholds[1:])
    with gcpolicy.young_gc(gcpolicy.YOUNG_GC_THRESHOLD):
        assert gc.get_threshold()[0] == 50_000
    gc.set_threshold(0)
    with gcpolicy.young_gc(gcpolicy.YOUNG_GC_THRESHOLD):
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0


def test_the_collector_still_runs_while_a_long_pdf_is_read(thresholds):
    """Memory stays bounded: young collections keep running (less often) through the reading of many pages."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    for _ in range(4):
        for p in PDFS:
            out.import_pages(pdfium.PdfDocument(p.read_bytes()))
    import io

    buf = io.BytesIO()
    out.save(buf)
    runs = []

    def count(phase, info):
        if phase == "start":
            runs.append(info["generation"])

    gc.callbacks.append(count)
    try:
        doc = pdf.read_pdf(buf.getvalue(), "long.pdf")
    finally:
        gc.callbacks.remove(count)
    assert doc.page_count == len(out)
    assert len(runs) >= 3
