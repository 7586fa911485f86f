"""Limits a reviewer can see: file size, batch size, time and memory per file."""
from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from parsing import limits, parse_bytes
from parsing.model import ReportError
from parsing.readers import pdf as pdf_reader

SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"
SAMPLE_TXT = SAMPLES / "000_f2cddb79f4434941.txt"
SAMPLE_PDF = SAMPLES / "000_f2cddb79f4434941.pdf"


def _ok_values(report) -> dict:
    v = report.values
    return {(r.table, r.row, r.column): r.value for r in v[v["status"] == "ok"].itertuples()}


def test_check_size_accepts_a_file_at_the_limit():
    limits.check_size(b"x" * (limits.MAX_FILE_MB * 1024 * 1024), "a.pdf")


def test_check_size_refuses_a_larger_file_and_names_the_limit():
    with pytest.raises(ReportError) as info:
        limits.check_size(b"x" * (limits.MAX_FILE_MB * 1024 * 1024 + 1), "大文件.pdf")
    msg = info.value.message
    assert "大文件.pdf" in msg and f"{limits.MAX_FILE_MB} MB" in msg and "超过" in msg


def test_check_batch_names_the_limit():
    limits.check_batch(limits.MAX_BATCH_FILES)
    with pytest.raises(ReportError) as info:
        limits.check_batch(limits.MAX_BATCH_FILES + 1)
    assert f"{limits.MAX_BATCH_FILES + 1} 个文件" in info.value.message
    assert f"{limits.MAX_BATCH_FILES} 个" in info.value.message


def test_the_pdf_reader_applies_the_page_limit_users_are_told():
    assert pdf_reader.MAX_PAGES == limits.MAX_PAGES


def test_parse_with_timeout_gives_the_same_report_as_parse_bytes():
    data = SAMPLE_TXT.read_bytes()
    direct = parse_bytes(data, SAMPLE_TXT.name)
    via_worker = limits.parse_with_timeout(data, SAMPLE_TXT.name, seconds=120)
    assert via_worker.error is None
    assert via_worker.sha256 == direct.sha256
    assert _ok_values(via_worker) == _ok_values(direct) and len(_ok_values(direct)) > 100


def test_parse_with_timeout_stops_a_slow_parse_and_says_so():
    data = SAMPLE_PDF.read_bytes()  # needs far more than 10 ms to parse
    start = time.monotonic()
    report = limits.parse_with_timeout(data, "慢.pdf", seconds=0.01)
    elapsed = time.monotonic() - start
    assert report.error.startswith("处理超时（超过0.01秒）")
    assert "慢.pdf" in report.error and report.error_kind == "data"
    assert report.values.empty
    assert elapsed < 20
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_parse_with_timeout_refuses_an_oversized_file_before_starting_a_worker():
    report = limits.parse_with_timeout(b"x" * 3000, "a.txt", seconds=5, max_mb=0.001)
    assert report.error_kind == "data" and "0.001 MB" in report.error


def test_parse_with_timeout_caps_the_worker_memory():
    text = "一、总体情况\n" + "本年度主动公开政府信息。" * 250_000  # 9 MB of text: needs far more than 20 MB
    report = limits.parse_with_timeout(text.encode(), "大.txt", seconds=120, memory_mb=20)
    assert report.error_kind == "data"
    assert "内存超过上限（20 MB）" in report.error


def _long_pdf(copies: int) -> bytes:
    """The sample PDF repeated: hundreds of table pages, seconds of work."""
    import io

    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(copies):
        writer.append(pypdf.PdfReader(io.BytesIO(SAMPLE_PDF.read_bytes())))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_a_batch_goes_on_when_one_file_runs_out_of_time():
    texts = sorted(SAMPLES.glob("00[0-4]_*[0-9a-f].txt"))
    items = [(p.read_bytes(), p.name) for p in texts]
    items.insert(2, (_long_pdf(100), "四百页.pdf"))
    items.append((b"x" * (21 * 1024 * 1024), "too_big.txt"))
    start = time.monotonic()
    got = dict(limits.parse_many_with_timeout(items, seconds=2, workers=2, max_mb=20))
    elapsed = time.monotonic() - start
    assert sorted(got) == list(range(len(items)))
    assert got[2].error.startswith("处理超时（超过2秒）") and "四百页.pdf" in got[2].error
    assert got[len(items) - 1].error_kind == "data" and "20 MB" in got[len(items) - 1].error
    for i, (data, name) in enumerate(items):
        if name.endswith(".txt") and name != "too_big.txt":
            assert got[i].error is None and _ok_values(got[i]) == _ok_values(parse_bytes(data, name))
    assert elapsed < 20
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_worker_reports_ocr_pages_and_its_clock_restarts_per_page():
    """A scan is read page by page in the worker: progress arrives per page, and the time limit applies per
    page, so a scan longer than the limit in total is still read."""
    import time
    from pathlib import Path

    from parsing.limits import parse_many_with_timeout, parse_with_timeout

    scan = Path(__file__).resolve().parents[1] / "sample_reports" / "004_19df153a773c7689_scan.pdf"
    data = scan.read_bytes()
    seen, stamps = [], [time.monotonic()]
    rep = parse_with_timeout(data, scan.name, progress=lambda d, t: (seen.append((d, t)), stamps.append(time.monotonic())))
    stamps.append(time.monotonic())
    assert rep.error is None and rep.ocr
    assert seen[-4:] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # a limit above the longest stretch without a page message, but below the total time: still read
    longest = max(b - a for a, b in zip(stamps, stamps[1:]))
    total = stamps[-1] - stamps[0]
    limit = 1.5 * longest
    if limit < total:
        again = parse_with_timeout(data, scan.name, seconds=limit)
        assert again.error is None, again.error
    pages = []
    out = dict(parse_many_with_timeout([(data, scan.name)], workers=1,
                                       progress=lambda i, d, t: pages.append((i, d, t))))
    assert out[0].error is None and pages[-1] == (0, 4, 4)
