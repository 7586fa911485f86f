"""Time the dashboard's pages on a province-sized store, through AppTest (the app's own code, no browser).

Builds a store of synthetic reports with bench/store_bench.py's generator (or uses ``--db``), then times:
the first run of the landing page (a fresh session filled from the store), the trend page, switching the
metric, filtering by the roster's region tree, the completeness page and opening one report.

    .venv/bin/python bench/dashboard_bench.py [--reports 3000] [--years 4] [--db PATH] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=3000)
    ap.add_argument("--years", type=int, default=4)
    ap.add_argument("--db", default=None, help="an existing store (default: build one in a temporary folder)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    tmp = None
    if args.db:
        db = Path(args.db)
    else:
        tmp = tempfile.TemporaryDirectory()
        db = Path(tmp.name) / "bench.sqlite3"
    if not db.exists():
        print(f"building {args.reports} synthetic reports in {db} ...", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "store_bench.py"), "--reports", str(args.reports),
                        "--years", str(args.years), "--db", str(db)], check=True, stdout=subprocess.DEVNULL)
    os.environ["GOVREPORT_DB"] = str(db)
    sys.path.insert(0, str(ROOT))

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from parsing.store import Store

    with Store(db) as s:
        n = len(s)
        city = s.roster()["city"].dropna().iloc[0] if len(s.roster()) else None
    print(f"store: {db} ({db.stat().st_size / 1e6:.0f} MB, {n} reports)")

    results = []

    def new_session():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()
        assert not at.exception, at.exception
        return at

    st.cache_resource.clear()
    t = time.perf_counter()
    at = new_session()
    results.append(("landing page, first session after a restart", time.perf_counter() - t))
    results.append(("landing page, new session (store already open)", timed(new_session, args.repeat)))

    def trends():
        a = new_session()
        a.switch_page("pages/trends.py").run()
        assert not a.exception, a.exception
        return a

    results.append(("trend page, new session (switch + first draw)", timed(trends, args.repeat)))
    at = trends()

    def rerun():
        at.run()
        assert not at.exception, at.exception

    results.append(("trend page, rerun (cached data)", timed(rerun, args.repeat)))
    metrics = ["outcomes", "decisions", "review", "requests"]

    def switch_metric():
        for m in metrics:
            at.selectbox(key="trend_metric").select(m).run()
            assert not at.exception, at.exception

    results.append(("trend page, switch metric (mean of 4, uncached)", timed(switch_metric, 1) / len(metrics)))
    if city:
        def region():
            at.selectbox(key="trend_region_市").select(city).run()
            assert not at.exception, at.exception
            at.selectbox(key="trend_region_市").select(None).run()

        results.append((f"trend page, filter 市={city} and back (2 runs)", timed(region, args.repeat)))

    def completeness():
        a = new_session()
        a.switch_page("pages/completeness.py").run()
        assert not a.exception, a.exception

    results.append(("completeness page, new session", timed(completeness, args.repeat)))

    def report():
        a = new_session()
        a.switch_page("pages/report.py").run()
        assert not a.exception, a.exception

    results.append(("one report page, new session", timed(report, args.repeat)))
    for label, secs in results:
        print(f"{label:<55} {secs:7.2f} s")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
