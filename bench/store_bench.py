"""Benchmark the report store at province size.

Generates synthetic reports (every cell of the 2021 form, about 15 % blank) for many bodies and years into a
temporary store through :meth:`Store.add`, then times what the dashboard does: opening the store, listing the
reports, the trend query (one cell across all bodies and years), one year's values, one report, the missing
reports against a roster, and the findings list.

    .venv/bin/python bench/store_bench.py [--reports 3000] [--years 4] [--db PATH]
"""
from __future__ import annotations

import argparse
import hashlib
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from parsing import forms  # noqa: E402
from parsing.report import FINDING_COLUMNS, VALUE_COLUMNS, ParsedReport, SectionText  # noqa: E402
from parsing.store import Store  # noqa: E402

CELLS = forms.ALL_CELLS_2021


def synthetic_report(i: int, body: str, year: int, rng: np.random.Generator) -> ParsedReport:
    n = len(CELLS)
    values = rng.integers(0, 500, n).astype("float64")
    blank = rng.random(n) < 0.15
    values[blank] = math.nan
    frame = pd.DataFrame({
        "table": [c.table for c in CELLS], "row": [c.row for c in CELLS], "column": [c.column for c in CELLS],
        "value": values, "raw": ["" if b else str(int(v)) for v, b in zip(values, blank)],
        "page": pd.Series([int(p) for p in rng.integers(1, 8, n)], dtype=object),
        "status": ["blank" if b else "ok" for b in blank], "form": [c.form for c in CELLS],
        "confidence": pd.Series([None] * n, dtype=object),
        "bbox": pd.Series([None] * n, dtype=object)}, columns=VALUE_COLUMNS)
    findings = pd.DataFrame([dict(rule="ARI-06", severity="warning", message="单元格为空", table=c.table, row=c.row,
                                  column=c.column, section=None, expected=None, actual=None)
                             for c, b in zip(CELLS, blank) if b][:5], columns=FINDING_COLUMNS)
    sections = {k: SectionText(k, True, f"section {k}", "正文" * 200, 1) for k in range(1, 7)}
    sha = hashlib.sha256(f"{body}|{year}|{i}".encode()).hexdigest()
    report = ParsedReport(file=f"{body}{year}.pdf", sha256=sha, format="pdf", body=body, year=year,
                          template=forms.FORM_2021, title=f"{body}{year}年政府信息公开工作年度报告",
                          sections=sections, values=frame, text="正文" * 1500, page_count=8)
    report._bench_findings = findings  # type: ignore[attr-defined]
    return report


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=3000)
    ap.add_argument("--years", type=int, default=4)
    ap.add_argument("--db", default=None, help="store file (default: a temporary one, removed afterwards)")
    args = ap.parse_args(argv)

    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "bench.sqlite3"
    else:
        path = Path(args.db)
    rng = np.random.default_rng(2024)
    n_bodies = max(1, args.reports // args.years)
    cities, counties = 4, 5
    bodies = [f"第{b % cities}市第{(b // cities) % counties}县第{b}镇" for b in range(n_bodies)]

    with Store(path) as store:
        write = 0.0
        i = 0
        for year in range(2024 - args.years + 1, 2025):
            for body in bodies:
                r = synthetic_report(i, body, year, rng)
                t = time.perf_counter()
                store.add(r, r._bench_findings)
                write += time.perf_counter() - t
                i += 1
        roster = pd.DataFrame({"单位名称": bodies + ["未报告镇"],
                               "市": [b.split("市")[0] + "市" for b in bodies] + ["第0市"],
                               "县区": [b.split("市")[1].split("县")[0] + "县" for b in bodies] + ["第0县"],
                               "乡镇街道": [b.split("县")[1] for b in bodies] + ["未报告镇"]})
        t = time.perf_counter()
        store.import_roster(roster)
        t_roster = time.perf_counter() - t
    size = path.stat().st_size / 1e6
    print(f"store: {i} reports x {len(CELLS)} cells = {i * len(CELLS):,} values; {size:.1f} MB; "
          f"Store.add took {write:.1f} s in all ({1000 * write / i:.1f} ms per report, one transaction each); "
          f"import_roster of {len(roster)} bodies with matching {1000 * t_roster:.0f} ms")

    row, col = forms.ROWS_三_2021[0].key, "总计"
    t_open, store = timed(lambda: Store(path), repeat=1)
    one = store.list_reports()["sha256"].iloc[0]
    results = [
        ("open the store", t_open, None),
    ]
    for label, fn in [
        ("list_reports()", lambda: store.list_reports()),
        ("trend: values_long(one cell, all bodies and years)", lambda: store.values_long("三", row, col)),
        ("trend for one region: values_long(cell, region=第0市)",
         lambda: store.values_long("三", row, col, region="第0市")),
        ("one year, every cell: values_long(year=2024)", lambda: store.values_long(year=2024)),
        ("get(sha256) one report", lambda: store.get(one)),
        ("missing_reports(2024)", lambda: store.missing_reports(2024)),
        ("findings(year=2024)", lambda: store.findings(year=2024)),
    ]:
        secs, out = timed(fn, repeat=3)
        results.append((label, secs, len(out.values) if isinstance(out, ParsedReport) else len(out)))
    # a cold start in a fresh process: open + trend query, as a restarted dashboard does
    t = time.perf_counter()
    fresh = Store(path)
    trend = fresh.values_long("三", row, col)
    cold = time.perf_counter() - t
    fresh.close()
    store.close()
    results.append(("open + trend query (new connection)", cold, len(trend)))
    for label, secs, rows in results:
        print(f"{label:<58} {1000 * secs:8.1f} ms" + (f"  ({rows:,} rows)" if rows is not None else ""))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
