"""OCR of scanned pages: the scanned samples read like their text versions, failures become
notes, text PDFs never reach the engine. Real OCR costs seconds per page, so the real-engine
tests are few and share one engine and one OCR run per sample."""
from __future__ import annotations

import io
import os
import types

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw, ImageFont

from parsing import ocr, parse_path
from parsing.extract import extract_report
from parsing.model import Grid, TextBlock
from parsing.readers.image import read_image
from parsing.readers.pdf import read_pdf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "sample_reports")
PAGE_OF_PNG = 3  # tools/make_scans.py writes page 3 of the first scanned sample as a PNG fixture
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "pdf")
SCANNED = ["000_f2cddb79f4434941", "004_19df153a773c7689"]
KEY = ["table", "row", "column"]
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _text_version(stem: str):
    """The same report parsed from its text PDF (or its seed text when the PDF is absent)."""
    pdf = os.path.join(SAMPLES, stem + ".pdf")
    report = parse_path(pdf if os.path.exists(pdf) else os.path.join(SAMPLES, stem + ".txt"))
    assert report.error is None
    return report


def _values(report) -> pd.DataFrame:
    return report.values[KEY + ["value", "status"]].sort_values(KEY).reset_index(drop=True)


@pytest.fixture(scope="module", params=SCANNED)
def scanned(request):
    stem = request.param
    data = _read(os.path.join(SAMPLES, stem + "_scan.pdf"))
    doc = read_pdf(data, stem + "_scan.pdf")
    pages = list(doc.scanned_pages)
    calls = []
    doc = ocr.ocr_pdf_pages(data, doc, progress=lambda done, total: calls.append((done, total)))
    return types.SimpleNamespace(stem=stem, pages=pages, calls=calls, doc=doc,
                                 report=extract_report(doc, stem + "_scan.pdf"))


def test_scanned_sample_values_equal_text_version(scanned):
    assert scanned.pages == list(range(1, scanned.doc.page_count + 1))  # image-only: every page is a scan
    got, want = _values(scanned.report), _values(_text_version(scanned.stem))
    pd.testing.assert_frame_equal(got, want)
    assert (want["status"] == "ok").sum() >= 50  # the comparison covers real numbers, not only blanks


def test_scanned_sample_is_marked_as_ocr(scanned):
    report, doc = scanned.report, scanned.doc
    assert report.ocr
    assert doc.scanned_pages == []
    assert ocr.NOTE_OCR_USED.format(pages="1、2、3、4") in doc.notes
    assert not any("暂不支持识别" in n for n in doc.notes)  # the reader's "scanned, unsupported" note is gone
    read = report.values[report.values["status"] == "ok"]
    assert read["confidence"].notna().all() and read["confidence"].between(0, 1).all()
    assert scanned.calls == [(i, len(scanned.pages)) for i in range(len(scanned.pages) + 1)]


def test_scanned_tables_have_the_pdfplumber_shape(scanned):
    grids = [g for g in scanned.doc.grids() if len(g.rows[0]) == 10]
    assert len(grids) == 1, "table 三 is joined across the scanned pages into one 10-column grid"
    rows = grids[0].rows
    assert len(rows) == 28
    assert rows[0][1] is None and rows[0][2] is None  # the merged note cell covers three slots


def _table_image(ruled: bool = True) -> Image.Image:
    """A small table with a merged header, multi-digit numbers and one blank cell."""
    font = ImageFont.truetype(CJK_FONT, 30)
    img = Image.new("RGB", (900, 330), "white")
    d = ImageDraw.Draw(img)
    xs, ys = [20, 320, 500, 680, 860], [20, 90, 160, 230, 300]
    for y in ys if ruled else ():
        d.line((xs[0], y, xs[-1], y), fill="black", width=3)
    for x in xs if ruled else ():
        d.line((x, ys[0], x, ys[-1]), fill="black", width=3)
    d.rectangle((xs[1] + 3, ys[0] + 3, xs[-1] - 3, ys[1] - 2), fill="white")  # merge the header
    texts = {(0, 0): "信息内容", (0, 1): "申请人情况", (1, 0): "行政许可", (1, 1): "128", (1, 2): "7",
             (1, 3): "305", (2, 0): "行政处罚", (2, 1): "46", (2, 3): "19", (3, 0): "行政强制", (3, 1): "2",
             (3, 2): "0", (3, 3): "83"}
    for (i, j), t in texts.items():
        x = (xs[0] + 20) if j == 0 else ((xs[j] + xs[j + 1]) / 2 if i else (xs[1] + xs[-1]) / 2)
        d.text((x, (ys[i] + ys[i + 1]) / 2), t, fill="black", font=font, anchor="lm" if j == 0 else "mm")
    return img.rotate(0.7, resample=Image.BICUBIC, fillcolor="white")


@pytest.mark.skipif(not os.path.exists(CJK_FONT), reason="needs fonts-noto-cjk")
def test_ruled_table_image_to_grid():
    items = ocr.ocr_image(_table_image(), 1)
    grids = [i for i in items if isinstance(i, Grid)]
    assert len(grids) == 1
    text = [[None if c is None else c.text for c in row] for row in grids[0].rows]
    assert text == [["信息内容", "申请人情况", None, None],
                    ["行政许可", "128", "7", "305"],
                    ["行政处罚", "46", "", "19"],  # the blank cell stays an empty string, not 0
                    ["行政强制", "2", "0", "83"]]
    cells = [c for row in grids[0].rows for c in row if c is not None]
    assert all(c.page == 1 and c.bbox and c.confidence is not None for c in cells)


@pytest.mark.skipif(not os.path.exists(CJK_FONT), reason="needs fonts-noto-cjk")
def test_table_without_rulings_is_rebuilt_from_box_positions():
    items = ocr.ocr_image(_table_image(ruled=False), 1)
    grids = [i for i in items if isinstance(i, Grid)]
    assert len(grids) == 1
    assert [[c.text for c in row] for row in grids[0].rows] == [["行政许可", "128", "7", "305"],
                                                               ["行政处罚", "46", "", "19"],
                                                               ["行政强制", "2", "0", "83"]]
    assert isinstance(items[0], TextBlock) and items[0].text.replace(" ", "") == "信息内容申请人情况"


def test_png_page_reads_like_the_text_version():
    stem = SCANNED[0]
    png = os.path.join(ROOT, "tests", "fixtures", "ocr", f"{stem}_page{PAGE_OF_PNG}.png")
    doc = read_image(_read(png), os.path.basename(png))
    assert doc.format == "image" and ocr.NOTE_OCR_IMAGE in doc.notes
    report = extract_report(doc, os.path.basename(png))
    assert report.ocr
    got = _values(report)
    want = _values(_text_version(stem))
    found = got["status"] != "missing"
    assert found.sum() >= 100  # the page holds most of table 三 and all of table 四
    pd.testing.assert_frame_equal(got[found], want[found])


class _StubEngine:
    """Stands in for the OCR engine: page images in call order get ``answers`` (each a list of
    (quad, text) lines, or an exception raised by the detector); cells read on their own give nothing."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0
        self.lines: list = []

    def detect(self, img):
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        self.lines = list(answer)
        return [np.asarray(q, dtype=np.float32) for q, _ in answer]

    def recognise(self, crops):
        lines, self.lines = self.lines, []
        return [(text, 0.98) for _, text in lines] if lines else [("", 0.0)] * len(crops)


def _found(text: str):
    """One line at the top left of what the detector is shown (the page's inked area)."""
    return [([[2, 1], [150, 1], [150, 10], [2, 10]], text)]


def _image_pdf(pages: int, ink: bool = True) -> bytes:
    """Picture-only pages; with ``ink``, each carries a dark bar where the stub engine "finds" its line."""
    buf = io.BytesIO()
    imgs = [Image.new("RGB", (600, 800), "white") for _ in range(pages)]
    for img in imgs if ink else ():
        for x in range(110, 390, 20):  # a row of glyph-sized marks (too small to be ruling lines)
            ImageDraw.Draw(img).rectangle((x, 110, x + 12, 122), fill="black")
    imgs[0].save(buf, "PDF", save_all=True, append_images=imgs[1:], resolution=72)
    return buf.getvalue()


def test_unreadable_page_gives_a_note_not_a_crash():
    data = _image_pdf(3)
    doc = read_pdf(data, "scan.pdf")
    doc.scanned_pages = [1, 2, 3]  # white pictures: mark them as the reader marks scans
    engine = _StubEngine(_found("第一页的文字"), RuntimeError("engine broke"), [])
    doc = ocr.ocr_pdf_pages(data, doc, engine=engine)
    assert engine.calls == 3
    assert doc.scanned_pages == [2, 3]
    assert [(i.text, i.page) for i in doc.items] == [("第一页的文字", 1)]
    assert ocr.NOTE_OCR_USED.format(pages="1") in doc.notes
    assert ocr.NOTE_OCR_FAILED.format(page=2, reason="RuntimeError") in doc.notes
    assert ocr.NOTE_OCR_EMPTY.format(page=3) in doc.notes


def test_blank_page_never_reaches_the_engine():
    """Only where ink is: a white page is not sent to the detector, and says it holds no text."""
    data = _image_pdf(1, ink=False)
    doc = read_pdf(data, "scan.pdf")
    doc.scanned_pages = [1]
    engine = _StubEngine()
    doc = ocr.ocr_pdf_pages(data, doc, engine=engine)
    assert engine.calls == 0
    assert doc.scanned_pages == [1] and ocr.NOTE_OCR_EMPTY.format(page=1) in doc.notes


def test_ocr_items_go_in_page_order_and_text_pages_keep_theirs():
    data = _read(os.path.join(FIXTURES, "mixed.pdf"))
    doc = read_pdf(data, "mixed.pdf")
    assert doc.scanned_pages == [5]
    before = list(doc.items)
    engine = _StubEngine(_found("扫描页的文字"))
    doc.items.insert(0, TextBlock("page-less item"))  # items without a page keep their place too
    ocr.ocr_pdf_pages(data, doc, engine=engine)
    assert doc.items[1:len(before) + 1] == before
    added = doc.items[len(before) + 1:]
    assert added and all(i.page == 5 for i in added)
    assert isinstance(added[0], TextBlock) and added[0].text == "扫描页的文字"
    assert doc.scanned_pages == []


def test_text_pdf_never_goes_through_ocr(monkeypatch):
    def no_engine():
        raise AssertionError("the OCR engine was asked for on a text PDF")

    monkeypatch.setattr(ocr.engine, "get_engine", no_engine)
    data = _read(os.path.join(FIXTURES, "report.pdf"))
    doc = read_pdf(data, "report.pdf")
    assert doc.scanned_pages == []
    notes, items = list(doc.notes), list(doc.items)
    calls = []
    ocr.ocr_pdf_pages(data, doc, progress=lambda *a: calls.append(a))
    assert (doc.notes, doc.items, calls) == (notes, items, [])
    assert not extract_report(doc, "report.pdf").ocr


def test_engine_uses_bundled_models_only(monkeypatch):
    """A fresh engine must load and read with every network connection refused."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    engine = ocr.create_engine()
    img = Image.new("RGB", (400, 120), "white")
    if os.path.exists(CJK_FONT):
        ImageDraw.Draw(img).text((20, 30), "行政许可 128", fill="black", font=ImageFont.truetype(CJK_FONT, 40))
        boxes = ocr.image_to_boxes(ocr.image_to_ink(ocr.to_rgb_array(img)), engine)
        assert "".join(b.text for b in boxes).replace(" ", "") == "行政许可128"


@pytest.mark.parametrize("text, want, low", [
    ("128", "128", False),
    ("0.", "0", True),  # a speck beside a number
    ("O", "0", True),  # a letter read for a digit
    ("1 2", "12", False),
    ("1.属于国家秘密.", "1.属于国家秘密", False),
    ("3.其他", "3.其他", False),
    ("—", "—", False),
    ("一", "—", False),  # a lone dash read as the character one is a dash, never the number 1
    ("--", "—", False),
    ("一一", "—", False),
    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", False),
])
def test_clean_cell_text(text, want, low):
    got, score = ocr.clean_cell_text(text, 0.99)
    assert got == want
    assert (score < ocr.LOW_CONFIDENCE) == low


class _Recogniser:
    """Stands in for rapidocr's TextRecognizer: records the shape of every batch; each line reads as its own width."""

    rec_image_shape = [3, 48, 48]

    def __init__(self):
        self.batches = []

    def resize_norm_img(self, img, max_wh_ratio):
        out = np.zeros((3, 48, int(48 * max_wh_ratio)), np.float32)
        out[0, 0, 0] = img.shape[1]  # the line's own width, to be read back by postprocess_op
        return out

    def session(self, batch):
        self.batches.append(batch.shape)
        return batch

    def postprocess_op(self, preds, return_word_box, wh_ratio_list, max_wh_ratio):
        assert len(wh_ratio_list) == len(preds) and max_wh_ratio * 48 == preds.shape[3]
        return [(str(int(p[0, 0, 0])), 0.99) for p in preds], []


def test_recognition_batches_are_cut_by_width():
    """Lines sorted by width go together while count x widest stays within the budget: a body line alone and
    unpadded, narrow cells many to a batch; results come back in the order of the lines."""
    widths = [1500, 30, 40, 1200, 48, 60, 300, 35, 50, 45, 55, 42, 38, 700, 33]
    lines = [np.full((48, w, 3), 255, np.uint8) for w in widths]
    rec = _Recogniser()
    got = ocr.engine.recognise_in_runs(rec, lines, run_width=600)
    assert [t for t, _ in got] == [str(w) for w in widths]
    assert sum(n for n, *_ in rec.batches) == len(widths) and all(n == 1 or n * w <= 600 for n, _, _, w in rec.batches)
    assert {(1, 3, 48, w) for w in (700, 1200, 1500)} <= set(rec.batches)  # wide lines alone, unpadded
    assert (10, 3, 48, 55) in rec.batches  # ten narrow cells in one batch, padded to the widest of them
    assert (2, 3, 48, 300) in rec.batches  # the next narrowest goes with the 300 px line (2 x 300 <= 600)
