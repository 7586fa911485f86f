"""Fuzzing: garbage never crashes the parser; label noise never changes the values.

* random bytes (bare, or behind the magic bytes of each format) and random text go into
  parse_bytes: it never raises and never fails with ``error_kind == "internal"``;
* a valid report rendered in the seeds' text layouts, with its labels mutated the way real
  reports mangle them (extra spaces, half-width brackets, traditional characters, labels broken
  over lines), parses to exactly the values put in;
* a few damaged copies of the sample PDFs/DOCX (the mutations of ``bench/mutate.py``) parse in
  a worker with a time limit and never crash or hang. The big mutation run is ``bench/mutate.py``.
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from parsing import forms, parse_bytes
from tests.report_factory import random_values, render

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import mutate  # noqa: E402  (bench/mutate.py)

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

EXTENSIONS = [".pdf", ".docx", ".txt", ".md", ".html", ".htm", ".doc", ".xyz", ""]
MAGIC = [b"", b"%PDF-1.7\n", b"PK\x03\x04", b"<html><body>", b"\xef\xbb\xbf", b"\xff\xfe",
         b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]


def assert_handled(report) -> None:
    assert report.error_kind != "internal", report.error
    if report.error is not None:
        assert report.error_kind == "data" and re.search(r"[\u4e00-\u9fff]", report.error), report.error


@FUZZ
@given(magic=st.sampled_from(MAGIC), body=st.binary(max_size=3000), ext=st.sampled_from(EXTENSIONS))
def test_garbage_bytes_never_crash(magic, body, ext):
    assert_handled(parse_bytes(magic + body, "垃圾" + ext))


# Text made of the pieces reports are made of, so the matcher sees near-reports, not only noise.
PIECES = ([r.leaf for r in forms.ROWS_三_2021] + list(forms.APPLICANT_COLUMNS) + list(forms.OUTCOME_COLUMNS)
          + [s.heading for s in forms.SECTIONS] + ["\t", "\n", "|", " | ", "---", "12", "0", "1,234", "十二",
                                                    "（", "）", "2023年", "政府信息公开工作年度报告", "<br>"])


@FUZZ
@given(text=st.one_of(st.text(max_size=2000),
                      st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=300).map("".join)),
       ext=st.sampled_from([".txt", ".md", ".html"]), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_random_text_never_crashes(text, ext, encoding):
    assert_handled(parse_bytes(text.encode(encoding, "replace"), "随机" + ext))


# ---------------------------------------------------------------------------
# Label mutations of a valid report
# ---------------------------------------------------------------------------

try:
    import opencc

    _S2T = opencc.OpenCC("s2t")
except Exception:  # pragma: no cover - opencc is in requirements.txt
    _S2T = None

CJK = re.compile(r"[\u4e00-\u9fff]")


def mutate_label(label: str, rng: random.Random, layout: str) -> str:
    """One label as a sloppy report might print it."""
    ops = ["spaces", "brackets", "traditional", "fullwidth_space"]
    if layout == "cells":
        ops.append("break")
    for op in rng.sample(ops, rng.randint(1, len(ops))):
        if op == "spaces" and len(label) > 2:
            k = rng.randrange(1, len(label))
            label = label[:k] + " " * rng.randint(1, 3) + label[k:]
        elif op == "fullwidth_space" and len(label) > 2:
            k = rng.randrange(1, len(label))
            label = label[:k] + "\u3000" + label[k:]
        elif op == "brackets":
            label = label.replace("（", "(").replace("）", ")")
        elif op == "traditional" and _S2T is not None:
            label = _S2T.convert(label)
        elif op == "break" and len(label) > 3:
            k = rng.randrange(2, len(label) - 1)
            label = label[:k] + "\n" + label[k:]
    return label


def mutate_report_text(text: str, layout: str, rng: random.Random, rate: float) -> str:
    """Mutate the label cells (cells with CJK text) of the report's tables."""
    out = []
    for line in text.split("\n"):
        if layout == "pipes" and line.strip().startswith("|"):
            cells = line.split("|")
            cells = [mutate_label(c, rng, layout) if CJK.search(c) and rng.random() < rate else c for c in cells]
            line = "|".join(cells)
        elif layout == "cells" and line.startswith("\t"):
            if CJK.search(line) and rng.random() < rate:
                line = "\t" + mutate_label(line[1:], rng, layout)
        elif layout == "tabs" and "\t" in line:
            cells = line.split("\t")
            cells = [mutate_label(c, rng, layout) if CJK.search(c) and rng.random() < rate else c for c in cells]
            line = "\t".join(cells)
        out.append(line)
    return "\n".join(out)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), layout=st.sampled_from(["tabs", "cells", "pipes"]),
       rate=st.sampled_from([0.2, 0.5, 1.0]))
@example(seed=0, layout="cells", rate=0.5)  # a label broken over three lines (found by this test)
def test_label_mutations_parse_to_the_same_values(seed, layout, rate):
    values = random_values(random.Random(seed))
    rng = random.Random(seed)
    text = render(values, layout, rng)
    mutated = mutate_report_text(text, layout, rng, rate)
    report = parse_bytes(mutated.encode("utf-8"), f"变体_{layout}.txt")
    assert report.error is None, report.error
    got = {(r.table, r.row, r.column): r.value for r in report.values.itertuples()}
    wrong = {k: (v, got.get(k)) for k, v in values.items() if got.get(k) != v}
    assert not wrong, f"{layout}, {len(wrong)} cells differ: {list(wrong.items())[:4]}"


# ---------------------------------------------------------------------------
# A few mutation cases of the sample files (the big run: bench/mutate.py)
# ---------------------------------------------------------------------------


def test_damaged_sample_files_never_crash_or_hang():
    cases = mutate.make_cases(mutate.default_files(), n=16, seed=20261126)
    results = mutate.run(cases, seconds=60, memory_mb=1024, workers=2, keep=None, log=None)
    bad = [(c.name, c.mutation, kind, err) for c, kind, err in results["bad"]]
    assert not bad, bad
    assert sum(results["counts"].values()) == 16
