"""Time the dashboard's pages on a province's ten years, through AppTest (the app's own code, no browser).

Builds a store of ``--bodies`` × ``--years`` synthetic reports (default 3,000 × 10 = 30,000 reports, six million
cells) with :func:`bench.province.build_store` (bulk insert through the store's own transaction, cell ids,
finding keys, current-version rule and roster matching; about a minute), or uses ``--db``. Then, in one run:

* each page's first load: a new session (a new AppTest of ``app.py``) switched to the page, the store already
  open (the landing page is also timed right after a restart, the server started as ``make run`` starts it,
  :func:`ui.serve.start`: the pages' modules imported and the landing page's views of the store built before it
  listens, the time that takes printed as the server's start);
* each page's first load in a new session right after one write through the dashboard (a reviewer's decision,
  :func:`loads_after_write`: the views shared by sessions are brought up to date from what the write changed),
  and the landing page after another process's write (read whole);
* the trend page's metric switch and region filter;
* exporting everything (:func:`parsing.exports.export` to CSVs; ``--xlsx`` also to one workbook), with the peak
  resident size of the exporting process against the store's size.

    .venv/bin/python bench/dashboard_bench.py [--bodies 3000] [--years 10] [--db PATH] [--repeat 1] [--no-export]
        [--pages review,briefing]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGES = [("upload", "pages/upload.py", "上传与快速检查 (landing)"), ("completeness", "pages/completeness.py", "完整性"),
         ("report", "pages/report.py", "单份报告"), ("trends", "pages/trends.py", "趋势"),
         ("compare", "pages/compare.py", "年度对比"), ("export", "pages/export.py", "导出"),
         ("library", "pages/library.py", "报告库"), ("fetch", "pages/fetch.py", "从网站导入"),
         ("review", "pages/review.py", "审查台"), ("briefing", "pages/briefing.py", "简报")]


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def ensure_store(db: Path, bodies: int, years: int, log=print) -> None:
    from bench.province import build_store

    if db.exists() and db.stat().st_size > 0:
        return
    log(f"building {bodies} bodies x {years} years = {bodies * years} synthetic reports in {db} ...")
    t = time.perf_counter()
    build_store(db, bodies, years, log=log)
    log(f"  built in {time.perf_counter() - t:.0f} s")


def page_loads(db: Path, repeat: int = 1, log=print, only=None) -> list[tuple[str, float]]:
    """(label, seconds) for each page's first load in a new session against the store at ``db`` (of the pages
    whose keys are in ``only`` when given, e.g. ``{"review", "briefing"}``). Streamlit's scan for custom
    components runs once, at the restart, as in the server (:func:`tests.apptest_setup.scan_components_once`)."""
    os.environ["GOVREPORT_DB"] = str(db)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.apptest_setup import scan_components_once

    scan_components_once()
    try:  # the server as `make run` starts it: the pages' modules imported, the landing page's views of the
        # default store built, before it listens (ui/serve.py)
        from ui.serve import start
    except ImportError:  # an older tree
        start = None
        try:
            from ui.serve import warm
        except ImportError:  # older still: started by `streamlit run app.py`
            warm = None

    def new_session(page=None):
        """A new session opened straight on ``page`` (as a bookmark does): app.py's shell plus that page."""
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        if page:
            at.switch_page(page)
        at.run()
        if at.exception:
            failures[page or "pages/upload.py"] = at.exception[0].message.splitlines()[0][:200]
        return at

    st.cache_resource.clear()
    failures: dict[str, str] = {}
    results = []
    started = None
    if start is not None:
        took = start()
        started = sum(took.values())
        log(f"  server start (python -m ui.serve, before it listens): {sum(took.values()):.2f} s (the pages' modules "
            f"{took['warm']:.2f} s, the landing page's views of the store {took['views']:.2f} s, 趋势's first metric "
            f"{took.get('trend', 0.0):.2f} s)")
    elif warm is not None:
        t = time.perf_counter()
        warm()
        log(f"  server start: the pages' modules imported in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    new_session()
    results.append(("landing page after a restart (store opened cold)" if started is None else
                    "landing page after a restart (server started by ui.serve)", time.perf_counter() - t))
    if started is not None:
        results.append(("  the server's start before it listens (ui.serve.start)", started))
    base = timed(new_session, repeat)
    results.append(("app shell + landing page, new session", base))
    for key, page, label in PAGES[1:]:
        if only and key not in only:
            continue
        secs = timed(lambda p=page: new_session(p), repeat)
        results.append((f"{label} ({key}), first load in a new session", secs))
        log(f"  {label}: {secs:.2f} s")
    results += loads_after_write(db, new_session, only, log)
    if only and "trends" not in only:
        return results + [(f"FAILED {p}: {m}", float("nan")) for p, m in failures.items()]
    at = new_session("pages/trends.py")

    def switch_metric():
        for m in ["outcomes", "decisions", "review", "requests"]:
            at.selectbox(key="trend_metric").select(m).run()

    if not at.exception:
        results.append(("trends: switch metric (mean of 4)", timed(switch_metric, 1) / 4))
    for page, message in failures.items():
        results.append((f"FAILED {page}: {message}", float("nan")))
    return results


def loads_after_write(db: Path, new_session, only=None, log=print) -> list[tuple[str, float]]:
    """(label, seconds) for each page's first load in a new session right after one write through the dashboard's
    own store object (a reviewer's decision on one finding, set and taken back in turn: the store's generation
    changes, so the views shared by every session must be brought up to date, ``ui.state._shared_view``), each
    page after it was loaded once at the store's generation before; and the landing page after a write by another
    process (the command line: its views are built whole)."""
    from parsing.store import Store
    from ui import state

    s = state._open_store(str(db))
    found = s.finding_index(current_only=True)
    sha = found["sha256"].iloc[0]
    key = s.findings(sha)["finding_key"].iloc[0]
    decided = [s.decisions(sha)["finding_key"].eq(key).any()]

    def write(store):  # confirm the finding, or take the decision back
        store.decide(sha, key, None if decided[0] else "confirmed")
        decided[0] = not decided[0]

    out = []
    for name, page, label in PAGES:
        if only and name not in only and name != "upload":
            continue
        new_session(page)  # the page at the store's generation now
        write(s)
        t = time.perf_counter()
        new_session(page)
        secs = time.perf_counter() - t
        out.append((f"{label} ({name}), first load after a write", secs))
        log(f"  {label}, after a write: {secs:.2f} s")
    new_session()
    with Store(db) as other:
        write(other)
    t = time.perf_counter()
    new_session()
    out.append(("landing page after another process's write", time.perf_counter() - t))
    if decided[0]:  # leave the store as it was
        write(s)
    return out


# The exporting process's peak resident size is its own VmHWM: ru_maxrss is not, since Linux carries a process's
# high-water mark across exec, so a child started from a large benchmark process (bench/run.py after the page
# loads) would report the parent's size.
_EXPORT = """
import resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from parsing.exports import export
from parsing.store import Store

def peak_mb():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

with Store(sys.argv[2]) as s, tempfile.TemporaryDirectory() as tmp:
    opened = peak_mb()
    t = time.perf_counter()
    export(s, **{sys.argv[3]: Path(tmp) / sys.argv[4]})
    print(time.perf_counter() - t, peak_mb(), opened)
"""


def export_all(db: Path, xlsx: bool = False) -> list[tuple[str, float, float]]:
    """(label, seconds, peak resident MB) for exporting the whole store to CSVs (and with ``xlsx`` to a workbook:
    six million cells take openpyxl many minutes), each in a fresh process (its peak resident size is the
    export's, not the benchmark's)."""
    import subprocess

    jobs = [("export everything to CSVs", "csv_dir", "csv")]
    if xlsx:
        jobs.append(("export everything to .xlsx", "xlsx", "all.xlsx"))
    out = []
    for label, kw, target in jobs:
        res = subprocess.run([sys.executable, "-c", _EXPORT, str(ROOT), str(db), kw, target], capture_output=True,
                             text=True, check=True)
        secs, peak, opened = (float(x) for x in res.stdout.split()[-3:])
        out.append((f"{label} (resident {opened:.0f} MB after opening the store)", secs, peak))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bodies", type=int, default=3000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--db", default=None, help="an existing store, or where to build one (default: a temporary one)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-export", action="store_true", help="skip timing the export of everything")
    ap.add_argument("--xlsx", action="store_true", help="also time the export of everything to one workbook")
    ap.add_argument("--no-pages", action="store_true", help="skip the page loads")
    ap.add_argument("--pages", default="", help="time only these pages (keys, comma-separated: review,briefing)")
    args = ap.parse_args(argv)

    tmp = None
    if args.db:
        db = Path(args.db)
    else:
        tmp = tempfile.TemporaryDirectory()
        db = Path(tmp.name) / "province.sqlite3"
    ensure_store(db, args.bodies, args.years)
    from parsing.store import Store

    with Store(db) as s:
        n = len(s)
    print(f"store: {db} ({db.stat().st_size / 1e6:.0f} MB, {n} reports); load average "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    if not args.no_pages:
        for label, secs in page_loads(db, args.repeat, only=set(filter(None, args.pages.split(","))) or None):
            print(f"{label:<60} {secs:7.2f} s", flush=True)
    if not args.no_export:
        for label, secs, peak in export_all(db, args.xlsx):
            print(f"{label:<60} {secs:7.2f} s, peak resident memory {peak:.0f} MB "
                  f"(store {db.stat().st_size / 2**20:.0f} MB)")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
