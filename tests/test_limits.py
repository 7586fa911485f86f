"""Limits a reviewer can see: file size, batch size, CPU time and memory per file, through the real pipeline.

No test depends on the machine's speed: a file that must be stopped never finishes (its parser spins), and no
assertion is made on elapsed time (the pool itself is tested in tests/test_workers.py)."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from parsing import limits, parse_bytes, pipeline, workers
from parsing.model import ReportError
from parsing.readers import pdf as pdf_reader
from parsing.rules import check_report
from parsing.workers import Limits
from tests import worker_tasks

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


def test_a_worker_gives_the_same_report_as_parse_bytes():
    data = SAMPLE_TXT.read_bytes()
    direct = parse_bytes(data, SAMPLE_TXT.name)
    via_worker = pipeline.parse_one(data, SAMPLE_TXT.name)
    assert via_worker.error is None
    assert via_worker.sha256 == direct.sha256
    assert _ok_values(via_worker) == _ok_values(direct) and len(_ok_values(direct)) > 100


def test_an_oversized_file_is_refused_before_a_worker_gets_it(monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_MB", 0.001)
    with workers.Pool(1) as pool:
        res = list(pipeline.run([pipeline.Source("a.txt", data=b"x" * 3000)], None, save=False, pool=pool))
        assert pool.started == 0
    assert res[0].outcome == pipeline.FAILED and res[0].report.error_kind == "data"
    assert "0.001 MB" in res[0].reason and res[0].report.sha256


def test_the_worker_memory_is_capped():
    text = "一、总体情况\n" + "本年度主动公开政府信息。" * 250_000  # 9 MB of text: needs far more than 20 MB
    report = pipeline.parse_one(text.encode(), "大.txt", limits=Limits(cpu_seconds=600, memory_mb=20))
    assert report.error_kind == "data"
    assert "内存超过上限（20 MB）" in report.error


def test_a_batch_goes_on_when_one_file_runs_out_of_cpu_time():
    """One file that never finishes (a parser spinning on it) is stopped by its CPU limit; every other file of the
    batch is parsed and checked as if alone, and an oversized one is refused."""
    texts = sorted(SAMPLES.glob("00[0-4]_*[0-9a-f].txt"))
    sources = [pipeline.Source(p.name, data=p.read_bytes()) for p in texts]
    sources.insert(2, pipeline.Source("spin.pdf", data=b"%PDF-1.4 whatever"))
    sources.append(pipeline.Source("too_big.txt", data=b"x" * (limits.MAX_FILE_MB * 1024 * 1024 + 1)))
    got = {r.index: r for r in pipeline.run(sources, None, save=False, parse_fn=worker_tasks.parse_or_spin,
                                            workers=2, limits=Limits(cpu_seconds=0.5))}
    assert sorted(got) == list(range(len(sources)))
    assert got[2].reason.startswith("处理超时（超过0.5秒 CPU 时间）") and "spin.pdf" in got[2].reason
    assert got[len(sources) - 1].outcome == pipeline.FAILED and f"{limits.MAX_FILE_MB} MB" in got[len(sources) - 1].reason
    for i, src in enumerate(sources):
        if src.name.endswith(".txt") and src.name != "too_big.txt":
            alone = parse_bytes(src.data, src.name)
            assert got[i].report.error is None and _ok_values(got[i].report) == _ok_values(alone)
            assert got[i].findings.equals(check_report(alone))
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_ocr_pages_are_reported_across_the_process_boundary():
    """A scan is read page by page in the worker; each page's progress reaches the caller (the upload page's
    progress bar) while the worker is still busy."""
    scan = SAMPLES / "004_19df153a773c7689_scan.pdf"
    pages = []
    res = list(pipeline.run([pipeline.Source(scan.name, data=scan.read_bytes())], None, save=False, workers=1,
                            on_page=lambda i, src, done, total: pages.append((i, src.name, done, total))))
    assert res[0].report.error is None and res[0].report.ocr
    assert pages[-4:] == [(0, scan.name, d, 4) for d in (1, 2, 3, 4)]
