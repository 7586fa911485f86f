"""Mutation run: damaged copies of the sample PDFs and DOCX must never crash or hang the parser.

Each case takes a sample file and damages it (flip bytes, cut it short, cut a piece out,
splice two files, repeat or zero a range, insert bytes; for DOCX also the same damage inside
``word/document.xml`` of an otherwise valid archive), then parses it with
:func:`parsing.pipeline.parse_one` in its own worker process with a CPU-time limit. It counts:

* crashes: ``error_kind == "internal"`` (an exception a reader did not expect) or a worker
  that died (a crash in native code);
* hangs: the time limit ran out;
* memory: the worker hit its memory cap.

Everything else (a parse, or a clear data error) is fine. Inputs that crash or hang are kept
in ``--keep`` (a temp folder by default) with the exception, to reproduce with
``python -m parsing FILE``.

    .venv/bin/python bench/mutate.py -n 3000            # the big run
    .venv/bin/python bench/mutate.py -n 50 --seed 1     # a quick look
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from parsing.pipeline import parse_one  # noqa: E402
from parsing.workers import Limits, cpu_count  # noqa: E402

DEFAULT_GLOBS = ("sample_reports/*.pdf", "sample_reports/*.docx", "tests/fixtures/pdf/*.pdf")
# Files with image-only or undecodable pages always go to OCR (seconds per page): their time is the
# per-file limit's business, not a parser hang. Mutated text PDFs still reach OCR when damage garbles a page.
SKIP_WORDS = ("scan", "mixed", "cid")


# ---------------------------------------------------------------------------
# Mutations: each takes (data, rng, other) and returns new bytes
# ---------------------------------------------------------------------------


def flip_bytes(data: bytes, rng: random.Random, other: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 2, 5, 20, 100))):
        i = rng.randrange(len(b))
        b[i] = rng.randrange(256)
    return bytes(b)


def flip_bits_in_structure(data: bytes, rng: random.Random, other: bytes) -> bytes:
    """Damage PDF syntax rather than compressed streams: digits and delimiters outside streams."""
    b = bytearray(data)
    spots = [i for i in range(len(b)) if b[i] in b"0123456789<>[]/()RobjendxrefstartEOF"]
    for _ in range(rng.choice((1, 3, 10))):
        if spots:
            i = rng.choice(spots)
            b[i] = rng.choice(b"0123456789<>[]/() \n")
    return bytes(b)


def cut_short(data: bytes, rng: random.Random, other: bytes) -> bytes:
    return data[: rng.randrange(1, len(data))]


def cut_piece_out(data: bytes, rng: random.Random, other: bytes) -> bytes:
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.choice((1, 16, 256, 4096, 65536)))
    return data[:i] + data[j:]


def splice(data: bytes, rng: random.Random, other: bytes) -> bytes:
    return data[: rng.randrange(1, len(data))] + other[rng.randrange(len(other)):]


def repeat_range(data: bytes, rng: random.Random, other: bytes) -> bytes:
    i = rng.randrange(len(data))
    piece = data[i: i + rng.choice((8, 512, 8192))]
    return data[:i] + piece * rng.choice((2, 10, 200)) + data[i:]


def zero_range(data: bytes, rng: random.Random, other: bytes) -> bytes:
    i = rng.randrange(len(data))
    n = rng.choice((4, 64, 1024, 16384))
    return data[:i] + b"\x00" * min(n, len(data) - i) + data[i + n:]


def insert_bytes(data: bytes, rng: random.Random, other: bytes) -> bytes:
    i = rng.randrange(len(data))
    junk = rng.choice((bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))),
                       b"<<" * 1000, b"[" * 5000, b"endobj", b"stream\n", b"%%EOF", b"\xff\xfe"))
    return data[:i] + junk + data[i:]


BYTE_MUTATIONS = [flip_bytes, flip_bits_in_structure, cut_short, cut_piece_out, splice, repeat_range,
                  zero_range, insert_bytes]


def inside_docx(data: bytes, rng: random.Random, other: bytes) -> bytes:
    """A valid archive whose word/document.xml (or another part) is damaged."""
    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        names = src.namelist()
    except zipfile.BadZipFile:
        return flip_bytes(data, rng, other)
    target = "word/document.xml" if rng.random() < 0.8 and "word/document.xml" in names else rng.choice(names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            part = src.read(name)
            if name == target:
                fn = rng.choice([flip_bytes, cut_short, cut_piece_out, repeat_range, insert_bytes, zero_range])
                part = fn(part, rng, other) if part else part
            dst.writestr(name, part)
    return out.getvalue()


# ---------------------------------------------------------------------------
# Cases and the run
# ---------------------------------------------------------------------------


@dataclass
class Case:
    number: int
    source: str
    mutation: str
    data: bytes
    name: str


def default_files() -> list[Path]:
    return sorted(p for g in DEFAULT_GLOBS for p in ROOT.glob(g) if not any(w in p.name for w in SKIP_WORDS))


def make_cases(files: list[Path], n: int, seed: int) -> list[Case]:
    """``n`` deterministic cases from ``files`` (round robin over the files)."""
    blobs = [(p, p.read_bytes()) for p in files]
    cases = []
    for k in range(n):
        rng = random.Random(f"{seed}-{k}")
        path, data = blobs[k % len(blobs)]
        other = blobs[rng.randrange(len(blobs))][1]
        choices = BYTE_MUTATIONS + ([inside_docx] * 4 if path.suffix == ".docx" else [])
        fn = rng.choice(choices)
        mutated = fn(data, rng, other)
        cases.append(Case(k, path.name, fn.__name__, mutated, f"mut{k:05d}_{path.name}"))
    return cases


def classify(report) -> str:
    """"ok" (parsed), "data" (a clear error), or "crash" / "hang" / "memory"."""
    if report.error is None:
        return "ok"
    if report.error_kind == "internal":
        return "crash"
    if report.error.startswith("处理超时"):
        return "hang"
    if "内存超过上限" in report.error:
        return "memory"
    return "data"


def run_case(case: Case, seconds: float, memory_mb: int):
    start = time.monotonic()
    report = parse_one(case.data, case.name, limits=Limits(cpu_seconds=seconds, memory_mb=memory_mb))
    return case, classify(report), report.error, time.monotonic() - start


def reproduce(data: bytes, name: str) -> str:
    """The traceback of an in-process parse of a crashing case (reader exceptions are caught in
    parse_bytes, so call the pipeline's parts directly)."""
    from parsing.extract import extract_report
    from parsing.readers import read_document

    try:
        extract_report(read_document(data, name), name)
    except Exception:
        return traceback.format_exc()
    return "(no exception in process)"


def run(cases: list[Case], seconds: float, memory_mb: int, workers: int, keep: Path | None, log=print) -> dict:
    counts: Counter = Counter()
    by_mutation: dict[str, Counter] = {}
    bad = []
    slowest = (0.0, None)
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:  # threads only wait: each case is its own process
        for i, (case, kind, error, dt) in enumerate(pool.map(lambda c: run_case(c, seconds, memory_mb), cases), 1):
            counts[kind] += 1
            by_mutation.setdefault(case.mutation, Counter())[kind] += 1
            if dt > slowest[0]:
                slowest = (dt, case.name)
            if kind in ("crash", "hang", "memory"):
                bad.append((case, kind, error))
                if keep is not None:
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / case.name).write_bytes(case.data)
                    detail = reproduce(case.data, case.name) if kind == "crash" else ""
                    (keep / (case.name + ".txt")).write_text(f"{kind}: {error}\n{detail}", "utf-8")
            if log and i % 250 == 0:
                log(f"  {i}/{len(cases)} cases, {dict(counts)}")
    return {"counts": counts, "by_mutation": by_mutation, "bad": bad, "seconds": time.monotonic() - t0,
            "slowest": slowest}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Mutation run over the sample PDFs and DOCX.")
    ap.add_argument("-n", type=int, default=3000, help="number of cases")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per case before it counts as a hang")
    ap.add_argument("--memory-mb", type=int, default=1024, help="memory a worker may add while parsing")
    ap.add_argument("--workers", type=int, default=cpu_count())
    ap.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "report-mutate-findings")
    ap.add_argument("files", nargs="*", type=Path, help=f"files to mutate (default: {' '.join(DEFAULT_GLOBS)})")
    a = ap.parse_args(argv)
    files = a.files or default_files()
    cases = make_cases(files, a.n, a.seed)
    print(f"{len(cases)} cases from {len(files)} files, timeout {a.timeout:g} s, memory cap {a.memory_mb} MB, "
          f"{a.workers} workers", flush=True)
    res = run(cases, a.timeout, a.memory_mb, a.workers, a.keep, log=lambda m: print(m, file=sys.stderr, flush=True))
    c = res["counts"]
    print(f"done in {res['seconds']:.0f} s: parsed {c['ok']}, data errors {c['data']}, crashes {c['crash']}, "
          f"hangs {c['hang']}, memory cap hit {c['memory']}; slowest case {res['slowest'][0]:.1f} s "
          f"({res['slowest'][1]})")
    for name, cnt in sorted(res["by_mutation"].items()):
        print(f"  {name:24s} " + ", ".join(f"{k} {v}" for k, v in sorted(cnt.items())))
    for case, kind, error in res["bad"][:30]:
        print(f"  {kind}: {case.name} ({case.mutation} of {case.source}): {error}")
    if res["bad"]:
        print(f"inputs and tracebacks kept in {a.keep}")
    return 1 if res["bad"] else 0


if __name__ == "__main__":
    sys.exit(main())
