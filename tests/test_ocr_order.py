"""A file reads the same whatever was parsed before it in the same process (issue 10 item 1).

The OCR engine is one per process and lives as long as the worker. rapidocr 3.x stores the
``use_det``/``use_cls``/``use_rec`` flags of a call on the engine, so one cell read on its own
(recognition only) used to turn every later page of that process into recognition only, and the
pages were dropped as unreadable. Here scans and text files are parsed in one long-lived process
in two orders, and each alone in a fresh process; every file must give the same cells, statuses
and notes all three ways.

The dashed scan (``tools/make_scans.py``: empty cells written as "—") makes the reader read
single cells on their own; the other scans follow it in one order and precede it in the other.
Real OCR costs seconds of CPU per page, so the files are few and the runs share no engine.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from parsing import ocr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = [
    "tests/fixtures/ocr/004_19df153a773c7689_dashes_scan.pdf",  # reads cells on their own
    "sample_reports/000_f2cddb79f4434941_scan.pdf",
    "sample_reports/003_f33e39129a8130ac_gbk.txt",
    "tests/fixtures/ocr/000_f2cddb79f4434941_page3.png",
    "tests/fixtures/pdf/mixed.pdf",  # four text pages and one scanned page
    "sample_reports/000_f2cddb79f4434941.txt",
]
SCANS = [f for f in FILES if f.endswith(("_scan.pdf", ".png"))]


def _parse_in_one_process(paths: list[str]) -> dict[str, dict]:
    """Every file of ``paths`` parsed in this order by one fresh Python process."""
    proc = subprocess.run([sys.executable, "-m", "tests.parse_in_order", *paths], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [o["file"] for o in out] == paths
    return {o["file"]: o for o in out}


@pytest.fixture(scope="module")
def runs():
    """Results per file: in FILES order, in reverse order (each in one process), and each file alone."""
    orders = [FILES, FILES[::-1]] + [[f] for f in FILES]
    with ThreadPoolExecutor(max_workers=2) as pool:  # the machine's two cores; CPU time is the same
        results = list(pool.map(_parse_in_one_process, orders))
    alone = {}
    for r in results[2:]:
        alone.update(r)
    return {"forward": results[0], "backward": results[1], "alone": alone}


def _differences(a: dict, b: dict) -> list:
    diffs = [(k, a[k], b[k]) for k in ("error", "ocr", "notes") if a[k] != b[k]]
    diffs += [("cell", x, y) for x, y in zip(a["cells"], b["cells"]) if x != y]
    if len(a["cells"]) != len(b["cells"]):
        diffs.append(("cell count", len(a["cells"]), len(b["cells"])))
    return diffs


@pytest.mark.timeout(3600)  # a hang guard only: the CPU work is minutes, and a loaded machine takes longer
@pytest.mark.parametrize("path", FILES)
def test_file_reads_the_same_in_any_order_and_alone(runs, path):
    alone = runs["alone"][path]
    for order in ("forward", "backward"):
        diffs = _differences(runs[order][path], alone)
        assert not diffs, f"{path} parsed {order} differs from parsed alone: {diffs[:5]}"


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("path", SCANS)
def test_scans_are_read_not_dropped(runs, path):
    """The comparison is between real readings: every scanned page was read, most cells hold numbers."""
    got = runs["alone"][path]
    assert got["error"] is None and got["ocr"]
    assert not any("未能读取该页" in n[2] or "未识别出文字" in n[2] for n in got["notes"])
    assert sum(c[4] == "ok" for c in got["cells"]) >= 50  # sample 004 leaves 139 of its 200 cells blank


@pytest.mark.timeout(3600)
def test_dashed_scan_reads_like_its_text_version(runs):
    """The dashes in the empty cells come back as blanks (a lone dash is often recognised as 一, "one"),
    and every number as in the text PDF the scan was made from."""
    dashed = runs["alone"][FILES[0]]
    text = _parse_in_one_process(["sample_reports/004_19df153a773c7689.pdf"])
    want = {tuple(c[:3]): c[3:5] for c in text["sample_reports/004_19df153a773c7689.pdf"]["cells"]}
    got = {tuple(c[:3]): c[3:5] for c in dashed["cells"]}
    assert got == want
    assert sum(1 for c in dashed["cells"] if c[4] == "blank" and c[5] == "—") >= 30  # the dashes were read


class _FlagRecorder:
    """Stands in for rapidocr's RapidOCR: records the flags of every call, answers like a detector."""

    def __init__(self):
        self.calls = []

    def __call__(self, img, **flags):
        self.calls.append(flags)
        return types.SimpleNamespace(boxes=np.array([[[10, 10], [60, 10], [60, 40], [10, 40]]], np.float32))

    def recognize_txt(self, imgs):
        self.calls.append({"recognise": len(imgs)})
        return types.SimpleNamespace(txts=("7",) * len(imgs), scores=(0.99,) * len(imgs))


def test_every_engine_call_sets_every_flag():
    """rapidocr keeps the flags of the last call: a call through it that leaves one out inherits it."""
    rapid = _FlagRecorder()
    engine = ocr.OcrEngine(rapid)
    gray = np.full((120, 200), 255, np.uint8)
    gray[20:40, 20:50] = 0
    assert ocr.read_cells(gray, [(10, 10, 190, 110)], engine) == [("7", 0.99)]
    assert [(b.text, b.score) for b in ocr.image_to_boxes(gray, engine)] == [("7", 0.99)]
    flagged = [c for c in rapid.calls if "recognise" not in c]
    assert flagged and all({"use_det", "use_cls", "use_rec"} <= set(c) for c in flagged)
    assert rapid.calls == [{"recognise": 1}, dict(ocr.engine.DETECT_FLAGS), {"recognise": 1}]


def test_real_engine_finds_boxes_after_reading_a_crop():
    """With the real engine: a cell read on its own does not switch off detection for the next page."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    if not os.path.exists(font_path):
        pytest.skip("needs fonts-noto-cjk")
    img = Image.new("RGB", (420, 120), "white")
    ImageDraw.Draw(img).text((20, 30), "行政许可 128", fill="black", font=ImageFont.truetype(font_path, 40))
    gray = ocr.image_to_ink(ocr.to_rgb_array(img))
    engine = ocr.create_engine()
    first = ocr.image_to_boxes(gray, engine)
    assert ocr.read_cells(gray, [(10, 10, 410, 110)], engine)[0] is not None
    engine.rapid(np.stack([gray] * 3, axis=-1), use_det=False, use_cls=False, use_rec=True)  # as main used to
    again = ocr.image_to_boxes(gray, engine)
    assert [b.text for b in again] == [b.text for b in first] and again
