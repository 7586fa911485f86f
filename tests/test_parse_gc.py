"""The collector around a whole parse and check (parsing.collecting_less, used by parse_bytes and by
pipeline.parse_and_check / parse_check_rows): the first threshold raised inside, the caller's thresholds put back
afterwards (also after an error), the same report and findings as with the default threshold, and the collector
still running inside so that garbage a parse leaves stays bounded."""
import gc
import weakref
from pathlib import Path

import pandas as pd
import pytest

import parsing
import parsing.extract
from parsing import pipeline
from parsing import gcpolicy
from parsing.rules import check_report

SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"
FILES = [SAMPLES / "000_f2cddb79f4434941.pdf", SAMPLES / "001_a7d1ab90ef2b8173.docx",
         SAMPLES / "001_a7d1ab90ef2b8173_gov.html"]


@pytest.fixture
def thresholds():
    old = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's defaults, whatever the test run set
    yield (700, 10, 10)
    gc.set_threshold(*old)


def _spy_extract(monkeypatch, also=None):
    seen = []
    real = parsing.extract.extract_report

    def spy(doc, name):
        seen.append(gc.get_threshold())
        if also:
            also()
        return real(doc, name)

    monkeypatch.setattr(parsing.extract, "extract_report", spy)
    return seen


def test_parse_bytes_raises_the_threshold_for_the_whole_parse_and_puts_it_back(thresholds, monkeypatch):
    seen = _spy_extract(monkeypatch)
    for p in FILES:
        report = parsing.parse_bytes(p.read_bytes(), p.name)
        assert not report.error, p.name
        assert gc.get_threshold() == thresholds
    # the extraction (outside the PDF reader) runs with the threshold raised too, for every format
    assert seen == [(gcpolicy.YOUNG_GC_THRESHOLD, *thresholds[1:])] * len(FILES)


def test_the_thresholds_are_put_back_after_an_error(thresholds, monkeypatch):
    def boom():
        raise RuntimeError("a parser bug")

    seen = _spy_extract(monkeypatch, boom)
    p = FILES[0]
    report = parsing.parse_bytes(p.read_bytes(), p.name)
    assert report.error_kind == "internal" and seen
    assert gc.get_threshold() == thresholds
    monkeypatch.setattr(parsing, "_parse_bytes", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        parsing.parse_bytes(p.read_bytes(), p.name)
    assert gc.get_threshold() == thresholds


def test_parse_and_check_runs_the_check_inside_and_puts_the_thresholds_back(thresholds, monkeypatch):
    seen = []

    def check(report, previous=None):
        seen.append(gc.get_threshold())
        return check_report(report, previous)

    p = FILES[0]
    report, findings, own = pipeline.parse_and_check(p.read_bytes(), p.name, None, check)
    assert seen == [(gcpolicy.YOUNG_GC_THRESHOLD, *thresholds[1:])]
    assert gc.get_threshold() == thresholds
    pd.testing.assert_frame_equal(findings, check_report(report))
    pipeline.parse_check_rows(p.read_bytes(), p.name, None, pipeline.default_check())
    assert gc.get_threshold() == thresholds


def test_a_caller_with_a_higher_threshold_or_no_collector_is_left_alone(thresholds):
    p = FILES[1]
    gc.set_threshold(50_000, 10, 10)
    parsing.parse_bytes(p.read_bytes(), p.name)
    assert gc.get_threshold() == (50_000, 10, 10)
    gc.set_threshold(0)
    parsing.parse_bytes(p.read_bytes(), p.name)
    assert gc.get_threshold()[0] == 0


def test_the_report_and_findings_are_those_made_with_the_default_threshold(thresholds, monkeypatch):
    for p in FILES:
        data = p.read_bytes()
        fast = parsing.parse_bytes(data, p.name)
        monkeypatch.setattr(gcpolicy, "YOUNG_GC_THRESHOLD", 1)  # never raised: Python's own threshold
        slow = parsing.parse_bytes(data, p.name)
        monkeypatch.undo()
        assert repr(fast) == repr(slow), p.name
        pd.testing.assert_frame_equal(fast.values, slow.values)
        pd.testing.assert_frame_equal(fast.notes, slow.notes)
        pd.testing.assert_frame_equal(check_report(fast), check_report(slow))


class _Node:
    pass


def test_the_collector_still_runs_inside_a_parse(thresholds, monkeypatch):
    """Garbage made during a parse (reference cycles only the collector frees) is freed before the parse ends
    once it passes the raised threshold: memory a parse leaves behind stays bounded."""
    refs = []
    runs = []

    def leave_cycles():
        for _ in range(3 * gcpolicy.YOUNG_GC_THRESHOLD // 1000):
            nodes = [_Node() for _ in range(1000)]
            for a, b in zip(nodes, nodes[1:] + nodes[:1]):
                a.next = b
            refs.append(weakref.ref(nodes[0]))
        runs.append(sum(1 for r in refs if r() is None))

    _spy_extract(monkeypatch, leave_cycles)
    p = FILES[0]
    for _ in range(3):
        parsing.parse_bytes(p.read_bytes(), p.name)
    # freed inside each parse (while the extraction was still going on), not only once the parse was over
    assert runs[0] > 0 and all(b > a for a, b in zip(runs, runs[1:]))
    assert sum(1 for r in refs if r() is not None) < len(refs) // 2


def test_a_text_report_is_parsed_without_importing_the_pdf_reader():
    """The collector's policy lives in parsing.gcpolicy (standard library only): a process that parses a text
    report does not load the PDF reader and its libraries for it."""
    import subprocess
    import sys

    code = ("import sys, parsing; from pathlib import Path; "
            f"r = parsing.parse_bytes(Path({str(SAMPLES / '000_f2cddb79f4434941.txt')!r}).read_bytes(), 'a.txt'); "
            "assert not r.error, r.error; "
            "print('parsing.readers.pdf' in sys.modules, 'pdfplumber' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=SAMPLES.parent, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
