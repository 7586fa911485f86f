"""OCR cost and accuracy: CPU seconds per scanned page, and cells equal to the text version.

For each scanned PDF (default: ``sample_reports/*_scan.pdf`` and the dashed scan of
``tests/fixtures/ocr``, all made by ``tools/make_scans.py`` from the sample text PDFs) the whole
parse (:func:`parsing.parse_bytes`: render, OCR, match onto the form) runs in a fresh process with
a warm engine, and the bench prints

* CPU seconds per page: the parsing process's CPU time (all its threads; ``time.process_time``),
  not the wall clock, so other work on a shared machine changes it little; per page from the
  progress callback, and how much of it is the text detector and the recogniser;
* accuracy: of the form's cells, how many equal the text version of the same sample (the same
  status and the same number), how many numbers are wrong (a number other than the text
  version's, or a number where it is blank) and how many were lost (a number read as blank,
  unreadable or missing).

With ``--against DIR`` (another checkout of the repository, e.g. the main branch) the same files
are measured with that tree's code too, alternating between the trees, and the ratio is printed:
both in one run, under the same load. The load average is printed at the start and the end.

Usage (from the repository root)::

    .venv/bin/python bench/ocr_bench.py [FILE_scan.pdf ...] [--against DIR] [--repeat N]
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_files() -> list[str]:
    return (sorted(glob.glob(os.path.join(ROOT, "sample_reports", "*_scan.pdf")))
            + sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "ocr", "*_scan.pdf"))))


def text_version(scan: str) -> str:
    """The sample text PDF a scan was made from: ``NNN_<id>[_dashes]_scan.pdf`` -> ``NNN_<id>.pdf``."""
    stem = re.sub(r"(_dashes)?_scan\.pdf$", "", os.path.basename(scan))
    return os.path.join(ROOT, "sample_reports", stem + ".pdf")


# ---------------------------------------------------------------------------
# One measurement, in a fresh process running the code of one tree
# ---------------------------------------------------------------------------


def _stage_clocks() -> dict:
    """Wrap rapidocr's detector and recogniser so that their CPU time is summed."""
    from rapidocr.ch_ppocr_det import TextDetector
    from rapidocr.ch_ppocr_rec import TextRecognizer

    clocks = {"det": 0.0, "rec": 0.0, "rec_lines": 0}

    def timed(cls, key):
        inner = cls.__call__

        def call(self, arg, *a, **k):
            t = time.process_time()
            try:
                return inner(self, arg, *a, **k)
            finally:
                clocks[key] += time.process_time() - t
                if key == "rec":
                    img = getattr(arg, "img", arg)
                    clocks["rec_lines"] += 1 if hasattr(img, "shape") else len(img)

        cls.__call__ = call

    timed(TextDetector, "det")
    timed(TextRecognizer, "rec")
    from parsing.ocr import engine

    runs = getattr(engine, "recognise_in_runs", None)
    if runs is not None:  # the recogniser called in runs, past TextRecognizer.__call__

        def in_runs(rec, imgs, *a, **k):
            t = time.process_time()
            try:
                return runs(rec, imgs, *a, **k)
            finally:
                clocks["rec"] += time.process_time() - t
                clocks["rec_lines"] += len(imgs)

        engine.recognise_in_runs = in_runs
    return clocks


def _cells(report) -> dict:
    return {(r.table, r.row, r.column): (r.status, None if r.status != "ok" else float(r.value))
            for r in report.values.itertuples(index=False)}


def measure(root: str, files: list[str]) -> dict:
    """CPU time and accuracy of ``files`` parsed with the code under ``root`` (run in a fresh process)."""
    sys.path.insert(0, root)
    from PIL import Image, ImageDraw

    from parsing import ocr, parse_bytes, parse_path

    assert os.path.dirname(os.path.dirname(os.path.abspath(ocr.__file__))) in (root, os.path.join(root, "parsing"))
    clocks = _stage_clocks()
    t = time.process_time()
    warm = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(warm).text((20, 40), "128", fill="black")
    ocr.ocr_image(warm, 1)  # the engine and both models loaded before any timing
    startup = time.process_time() - t
    out = {"root": root, "startup_cpu": startup, "files": []}
    for path in files:
        with open(path, "rb") as fh:
            data = fh.read()
        truth = _cells(parse_path(text_version(path)))
        for k in ("det", "rec", "rec_lines"):
            clocks[k] = 0
        marks = []
        t0 = time.process_time()
        report = parse_bytes(data, os.path.basename(path), progress=lambda done, total: marks.append(
            time.process_time()))
        cpu = time.process_time() - t0
        pages = [b - a for a, b in zip(marks, marks[1:])]
        got = _cells(report) if not report.error else {}
        equal = sum(got.get(k) == v for k, v in truth.items())
        wrong = sum(1 for k, v in truth.items() if got.get(k, ("missing",))[0] == "ok" and got[k] != v)
        lost = sum(1 for k, v in truth.items() if v[0] == "ok" and got.get(k, ("missing",))[0] != "ok")
        diffs = [[*k, v, got.get(k)] for k, v in truth.items() if got.get(k) != v]
        out["files"].append({"file": os.path.basename(path), "pages": len(pages), "cpu": cpu, "page_cpu": pages,
                             "det": clocks["det"], "rec": clocks["rec"], "rec_lines": clocks["rec_lines"],
                             "cells": len(truth), "equal": equal, "wrong": wrong, "lost": lost,
                             "diffs": diffs[:20], "error": report.error})
    return out


# ---------------------------------------------------------------------------
# The run: one or two trees, alternating
# ---------------------------------------------------------------------------


def _run_tree(root: str, files: list[str]) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--measure", root, *files]
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8")
    if proc.returncode != 0:
        raise SystemExit(f"measuring {root} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _summary(runs: list[dict]) -> dict:
    """Totals over the repeats of one tree: CPU per page (mean over every page read), stages, accuracy."""
    files = [f for r in runs for f in r["files"]]
    pages = sum(f["pages"] for f in files)
    cpu = sum(f["cpu"] for f in files)
    return {"pages": pages, "cpu_per_page": cpu / max(pages, 1),
            "det_per_page": sum(f["det"] for f in files) / max(pages, 1),
            "rec_per_page": sum(f["rec"] for f in files) / max(pages, 1),
            "max_page": max((p for f in files for p in f["page_cpu"]), default=0.0),
            "startup": sum(r["startup_cpu"] for r in runs) / len(runs),
            "cells": sum(f["cells"] for f in runs[0]["files"]), "equal": sum(f["equal"] for f in runs[0]["files"]),
            "wrong": sum(f["wrong"] for f in runs[0]["files"]), "lost": sum(f["lost"] for f in runs[0]["files"])}


def _print_tree(name: str, runs: list[dict]) -> dict:
    s = _summary(runs)
    print(f"\n== {name}: {runs[0]['root']}")
    for f in runs[0]["files"]:
        per = [f2 for r in runs for f2 in r["files"] if f2["file"] == f["file"]]
        n = sum(x["pages"] for x in per)
        print(f"  {f['file']}: {f['pages']} pages, CPU {sum(x['cpu'] for x in per) / n:.2f} s/page "
              f"(det {sum(x['det'] for x in per) / n:.2f}, rec {sum(x['rec'] for x in per) / n:.2f}; "
              f"{f['rec_lines']} lines recognised), cells equal to the text version {f['equal']}/{f['cells']}, "
              f"wrong numbers {f['wrong']}, lost numbers {f['lost']}" + (f", error: {f['error']}" if f["error"] else ""))
        for d in f["diffs"]:
            print(f"      {d[0]} / {d[1]} / {d[2]}: text version {d[3]}, scan {d[4]}")
    print(f"  all: {s['pages']} pages read, CPU {s['cpu_per_page']:.2f} s/page (det {s['det_per_page']:.2f}, "
          f"rec {s['rec_per_page']:.2f}; slowest page {s['max_page']:.2f}); engine start-up {s['startup']:.2f} s CPU; "
          f"cells equal {s['equal']}/{s['cells']}, wrong numbers {s['wrong']}, lost numbers {s['lost']}")
    return s


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--measure"]:
        print(json.dumps(measure(os.path.abspath(argv[1]), argv[2:]), ensure_ascii=False))
        return 0
    ap = argparse.ArgumentParser(description="OCR CPU seconds per page and accuracy against the text versions")
    ap.add_argument("files", nargs="*", help="image-only PDFs made from sample PDFs (default: the scanned samples)")
    ap.add_argument("--against", help="another checkout of this repository to measure in the same run")
    ap.add_argument("--repeat", type=int, default=1, help="measure every tree this many times (alternating)")
    args = ap.parse_args(argv)
    files = [os.path.abspath(f) for f in (args.files or default_files())]
    if not files:
        print("no scanned PDFs found; run tools/make_scans.py", file=sys.stderr)
        return 1
    trees = [("this tree", ROOT)] + ([("against", os.path.abspath(args.against))] if args.against else [])
    load0 = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average at start {load0[0]:.2f} / {load0[1]:.2f} / {load0[2]:.2f} (1 / 5 / 15 min)")
    runs: dict[str, list[dict]] = {name: [] for name, _ in trees}
    for _ in range(args.repeat):
        for name, root in trees:
            runs[name].append(_run_tree(root, files))
    load1 = os.getloadavg()
    summaries = {name: _print_tree(name, runs[name]) for name, _ in trees}
    if args.against:
        a, b = summaries["this tree"], summaries["against"]
        print(f"\nCPU per page, this tree / against: {a['cpu_per_page'] / b['cpu_per_page']:.2f}x "
              f"(recognition {a['rec_per_page'] / max(b['rec_per_page'], 1e-9):.2f}x, "
              f"detection {a['det_per_page'] / max(b['det_per_page'], 1e-9):.2f}x); "
              f"cells equal {a['equal']} vs {b['equal']} of {a['cells']}")
    print(f"load average at end {load1[0]:.2f} / {load1[1]:.2f} / {load1[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
