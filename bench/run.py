"""Benchmark: our whole parse against plain pdfplumber and pypdfium2, batch throughput, memory.

    .venv/bin/python bench/run.py --quick      # about 1 minute: 300 files
    .venv/bin/python bench/run.py              # the full run: 3,000 files (a few minutes)
    .venv/bin/python bench/run.py --profile    # also: where the time goes (cProfile) on PDFs

What it prints, in one run:

1. the machine and library versions;
2. per report and per page, sequentially in one process, on the same PDFs: our whole parse
   (``parsing.parse_bytes`` = read + match, then ``parsing.rules.check_report``), our PDF
   reader alone, plain pdfplumber ``extract_tables()`` on every page, and pypdfium2 plain text
   extraction of every page (the floor for reading a text layer); also our parse of DOCX and
   text reports; and whether every value came back exactly as put in;
3. a batch of every file of the corpus across the machine's cores (ProcessPoolExecutor),
   with the time projected to 1,000 reports; and the same batch through
   the one pipeline's pool ``parsing.workers.Pool`` (warm workers with the per-file CPU-time limit);
4. memory: the workers' resident size after their first and last reports (flat or not), and
   the peak resident size of any process;
5. the four figures of issue 14 (province scale), each a ratio or a per-page cost measured in this run:
   import of a county folder against the same work done file after file in one process: ``python -m parsing
   import`` against the same command with ``--jobs 0`` (parse, check and store in its one process), both cold in
   fresh processes (``bench/pool_bench.py``'s measures; with both runs' CPU seconds, and, labelled apart, against
   parse + check alone file after file, without storing: warm in this process, and cold), parse + check
   of text PDFs against pypdfium2's plain text of the same pages (CPU seconds, each file's first parse in the
   process), OCR CPU seconds per scanned page (``bench/ocr_bench.py``, with its accuracy), and each dashboard
   page's first load on a province store (``bench/dashboard_bench.py``: 3,000 bodies x 10 years = 30,000
   reports; ``--quick``: 300 x 10) with the export of everything. ``--ratios`` prints only these.

The corpus (see ``bench/corpus.py``) is generated deterministically into a cache folder
outside the repository and reused by later runs.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pdfplumber  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from corpus import build_corpus, default_dir  # noqa: E402
from parsing import parse_bytes  # noqa: E402
from parsing import pipeline  # noqa: E402
from parsing.limits import PER_FILE_SECONDS  # noqa: E402
from parsing.workers import cpu_count  # noqa: E402
from parsing.readers import read_document  # noqa: E402
from parsing.rules import check_report  # noqa: E402


# ---------------------------------------------------------------------------
# The things measured
# ---------------------------------------------------------------------------


def ours(data: bytes, name: str):
    """Our whole parse: read + match (parse_bytes) and validate (check_report)."""
    report = parse_bytes(data, name)
    findings = report.notes if report.error else check_report(report)
    return report, findings


def ours_in_worker(data: bytes, name: str):
    """Our whole parse with the per-file time limit: parse in a worker process, check here."""
    report = pipeline.parse_one(data, name)
    return report, (report.notes if report.error else check_report(report))


def ours_reader_only(data: bytes, name: str):
    return read_document(data, name)


def plumber_tables(data: bytes) -> int:
    """Plain pdfplumber: extract_tables() on every page; returns the page count."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        n = len(pdf.pages)
        for page in pdf.pages:
            page.extract_tables()
            page.close()
    return n


def pdfium_text(data: bytes) -> int:
    """pypdfium2 plain text of every page; returns the page count."""
    pdf = pdfium.PdfDocument(data)
    try:
        n = len(pdf)
        for i in range(n):
            page = pdf[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return n


def value_check(report, values: dict | None) -> str | None:
    """Compare a parsed report with the values the generator put in.

    "exact": every cell as put in (a blank stays blank); "unreadable": some cells were marked
    unreadable or missing but no number is wrong; "wrong": some cell holds a number other
    than the one put in (or a number where the cell was blank). None when nothing is known.
    """
    if values is None:
        return None
    if report.error:
        return "wrong"
    v = report.values
    got = {(r.table, r.row, r.column): (r.status, r.value) for r in v.itertuples()}
    verdict = "exact"
    for k, want in values.items():
        status, value = got.get(k, ("missing", None))
        if status == "ok":
            if want is None or value != want:
                return "wrong"
        elif status == "blank":
            if want is not None:
                verdict = "unreadable"  # a number read as blank: not a wrong number, but lost
        else:
            verdict = "unreadable"
    return verdict


def _verdicts(items) -> str:
    known = [x for x in items if x is not None]
    if not known:
        return "n/a (no known values)"
    return (f"{known.count('exact')}/{len(known)} exact, {known.count('unreadable')} with unreadable cells, "
            f"{known.count('wrong')} wrong")


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def batch_task(args):
    """One report in a pool worker: (kind, seconds, value verdict, pid, RSS after in MB)."""
    path, kind, values = args
    data = Path(path).read_bytes()
    t = time.perf_counter()
    report, _ = ours(data, os.path.basename(path))
    dt = time.perf_counter() - t
    verdict = value_check(report, values)
    del report, data
    return kind, dt, verdict, os.getpid(), _rss_mb()


# ---------------------------------------------------------------------------
# Reporting helpers
# ---------------------------------------------------------------------------


def _ms(x: float) -> str:
    return f"{x * 1000:8.1f}"


def _timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def _cpu_timed(fn, *args):
    """(CPU seconds of this process, result) of ``fn(*args)``: other work on a shared machine changes it little."""
    t = time.process_time()
    out = fn(*args)
    return time.process_time() - t, out


def machine() -> list[str]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f"{int(fh.readline().split()[1]) / 2**20:.0f} GiB RAM"
    except OSError:
        pass
    import pdfminer
    return [f"machine: {platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores "
            f"({cpu_count()} usable), {mem}",
            f"python {platform.python_version()}, pdfplumber {pdfplumber.__version__}, "
            f"pdfminer.six {pdfminer.__version__}, pypdfium2 {pdfium.PYPDFIUM_INFO}",
            "load average before the run (other work on the machine): "
            + " ".join(f"{x:.1f}" for x in os.getloadavg())]


def side_by_side(files, per_kind: int, log) -> list[str]:
    """Sequential timings on the same files; one row per method and kind."""
    rows = []
    by_kind: dict[str, list] = {}
    for f in files:
        by_kind.setdefault(f.kind, []).append(f)
    groups = [("pdf", "generated text PDFs (form layout)"), ("sample", "committed sample PDFs (LibreOffice)"),
              ("docx", "DOCX (Word form)"), ("txt", "text (seed layouts)")]
    for kind, label in groups:
        chosen = by_kind.get(kind, [])[:per_kind]
        if not chosen:
            continue
        res = {"ours": [], "worker": [], "reader": [], "plumber": [], "pdfium": []}
        pages, exact = [], []
        for f in chosen:
            data = Path(f.path).read_bytes()
            name = os.path.basename(f.path)
            ours(data, name)  # warm caches of this file's kind once (imports, regexes)
            t, (report, _) = _timed(ours, data, name)
            res["ours"].append(t)
            exact.append(value_check(report, f.values))
            res["worker"].append(_timed(ours_in_worker, data, name)[0])
            if kind in ("pdf", "sample"):
                res["reader"].append(_timed(ours_reader_only, data, name)[0])
                t, n = _timed(plumber_tables, data)
                res["plumber"].append(t)
                res["pdfium"].append(_timed(pdfium_text, data)[0])
                pages.append(n)
        n_pages = sum(pages) if pages else None
        acc = _verdicts(exact)
        names = {"ours": "ours: parse_bytes + check_report", "reader": "ours: PDF reader alone",
                 "worker": "ours, in a worker with time limit",
                 "plumber": "pdfplumber extract_tables, all pages", "pdfium": "pypdfium2 text, all pages"}
        base = sum(res["plumber"]) if res["plumber"] else None
        for key in ("ours", "worker", "reader", "plumber", "pdfium"):
            ts = res[key]
            if not ts:
                continue
            per_page = _ms(sum(ts) / n_pages) if n_pages else "       -"
            rel = f"{sum(ts) / base:6.2f}x" if base else "      -"
            rows.append(f"| {label:36s} | {names[key]:36s} | {len(ts):5d} | {n_pages or '-':>5} | "
                        f"{_ms(statistics.median(ts))} | {_ms(statistics.mean(ts))} | {per_page} | {rel} |"
                        + (f" {acc}" if key == "ours" else ""))
        log(f"  measured {label}")
    head = [f"| {'files':36s} | {'method':36s} | {'files':>5} | {'pages':>5} | ms/report median | ms/report mean"
            f" | ms/page | vs pdfplumber |",
            "|" + "---|" * 8]
    head[0] = head[0].replace(f"| {'files':36s} |", f"| {'corpus':36s} |")
    return head + rows


def batch(files, workers: int, log) -> list[str]:
    tasks = [(f.path, f.kind, f.values) for f in files]
    gc.collect()
    t0 = time.perf_counter()
    results = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for i, r in enumerate(pool.map(batch_task, tasks, chunksize=4), 1):
            results.append(r)
            if i % 500 == 0:
                log(f"  batch: {i}/{len(tasks)}")
    wall = time.perf_counter() - t0
    n = len(results)
    per_pid: dict[int, list[float]] = {}
    for r in results:
        per_pid.setdefault(r[3], []).append(r[4])
    mem = []
    for pid, rss in sorted(per_pid.items()):
        k = max(1, min(10, len(rss) // 4))
        early, late = statistics.median(rss[k - 1:2 * k]) if len(rss) >= 2 * k else rss[0], statistics.median(rss[-k:])
        mem.append(f"worker {pid}: {len(rss)} reports, RSS {early:.0f} MB after its first {k}, "
                   f"{late:.0f} MB at its last {k} ({(late - early) / max(early, 1) * 100:+.1f} %)")
    kinds = {}
    for r in results:
        kinds.setdefault(r[0], []).append(r[1])
    lines = [f"batch: {n} files ({', '.join(f'{len(v)} {k}' for k, v in sorted(kinds.items()))}) on {workers} "
             f"worker processes: {wall:.1f} s wall, {n / wall:.1f} reports/s -> 1,000 reports in "
             f"{1000 / (n / wall):.0f} s",
             f"values against what was generated: {_verdicts([r[2] for r in results])}"]
    lines += ["  mean seconds per report in a worker: " +
              ", ".join(f"{k} {statistics.mean(v) * 1000:.0f} ms" for k, v in sorted(kinds.items()))]
    lines += ["memory: " + m for m in mem]
    # The same files with the per-file limits the dashboard uses: warm workers, killed on timeout.
    datas = [(Path(f.path).read_bytes(), os.path.basename(f.path)) for f in files]
    t0 = time.perf_counter()
    limited = {r.index: r.report for r in pipeline.run([pipeline.Source(name, data=data) for data, name in datas],
                                                       None, save=False, check_fn=None, workers=workers)}
    wall2 = time.perf_counter() - t0
    bad = sum(1 for r in limited.values() if r.error and ("处理超时" in r.error or r.error_kind == "internal"))
    lines.insert(1, f"batch with per-file limits (parsing.pipeline.run, {workers} warm workers, "
                    f"{PER_FILE_SECONDS} s each): {wall2:.1f} s wall, {n / wall2:.1f} reports/s -> 1,000 reports in "
                    f"{1000 / (n / wall2):.0f} s; timeouts or internal errors: {bad}")
    del datas, limited
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"memory: peak RSS of any worker {peak_children:.0f} MB; of the parent {peak_self:.0f} MB")
    return lines


def profile(files, count: int) -> list[str]:
    chosen = [f for f in files if f.kind in ("pdf", "sample")][:count]
    datas = [(Path(f.path).read_bytes(), os.path.basename(f.path)) for f in chosen]
    ours(*datas[0])
    prof = cProfile.Profile()
    prof.enable()
    for data, name in datas:
        ours(data, name)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(35)
    out2 = io.StringIO()
    pstats.Stats(prof, stream=out2).strip_dirs().sort_stats("tottime").print_stats(20)
    return [f"cProfile over {len(datas)} PDFs (cumulative):", out.getvalue(), "(own time):", out2.getvalue()]


# ---------------------------------------------------------------------------
# Issue 14: the four figures
# ---------------------------------------------------------------------------


def issue14(quick: bool, workers: int, log) -> list[str]:
    """The four figures of issue 14, measured now (see the module docstring)."""
    import tempfile

    import dashboard_bench
    import ocr_bench
    import pool_bench

    lines = ["issue 14 figures (load average at start: " + " ".join(f"{x:.1f}" for x in os.getloadavg()) + ")"]
    # 1. import against file after file
    n = 60 if quick else 240
    files = build_corpus(n, 0, None, log)
    folder = Path(files[0].path).parent
    datas = [(Path(f.path).read_bytes(), os.path.basename(f.path)) for f in files]
    pool_bench.sequential(datas[:8])
    t_seq, c_seq = pool_bench.sequential_cpu(datas)
    t_imp, c_imp, c_pool, summary = pool_bench.import_cpu(folder, workers)
    # the target's "same work done file after file in one process": the same import command with --jobs 0 (parse,
    # check and store in its one process), both cold as a reviewer runs them; best of two alternating rounds
    cold_pairs = [pool_bench.cold_imports(folder, workers) for _ in range(2)]
    t_par, t_one = min(p[0] for p in cold_pairs), min(p[1] for p in cold_pairs)
    c_par, c_one = min(p[2] for p in cold_pairs), min(p[3] for p in cold_pairs)
    lines.append(f"| import of {len(files)} files: python -m parsing import ({workers} workers) / the same command "
                 f"with --jobs 0 (the same work file after file in one process), both cold, best of 2 | "
                 f"{t_par:.1f} s / {t_one:.1f} s | **{t_par / t_one:.2f}x** | target <= 0.6x |")
    lines.append(f"|   CPU seconds of the same two, whole process trees | {c_par:.1f} s / {c_one:.1f} s | "
                 f"{c_par / c_one:.2f}x | |")
    lines.append(f"|   import_folder in this process ({workers} workers) / parse + check alone file after file (no "
                 f"storing) | {t_imp:.1f} s / {t_seq:.1f} s | {t_imp / t_seq:.2f}x | |")
    lines.append(f"|   CPU seconds of the same two runs: import = importing process {c_imp:.1f} + pool {c_pool:.1f} "
                 f"(forkserver start, workers) / file after file {c_seq:.1f} | | {(c_imp + c_pool) / c_seq:.2f}x | |")
    t_cold_imp, t_cold_seq, c_cold_imp, c_cold_seq = pool_bench.cold(folder, workers)
    lines.append(f"|   both sides cold (fresh processes, interpreter start included): python -m parsing import / "
                 f"a fresh process file after file | {t_cold_imp:.1f} s / {t_cold_seq:.1f} s | "
                 f"{t_cold_imp / t_cold_seq:.2f}x | |")
    lines.append(f"|   CPU seconds of the same two, whole process trees (workers, forkserver) | "
                 f"{c_cold_imp:.1f} s / {c_cold_seq:.1f} s | {c_cold_imp / c_cold_seq:.2f}x | |")
    # 2. text PDFs: parse + check against pypdfium2 plain text, same pages, CPU seconds of this process. Each file
    # is timed the first time this process sees it (the parser's per-text caches would make a second parse of the
    # same file cheaper than any real one); the process is warmed first on other PDFs of the corpus. Each side is
    # timed in a pass of its own: pdfium's document close leaves freed memory that the allocator tidies at the next
    # large allocation (about 0.9 ms per file here), so in one loop taking turns each side would pay for the other's.
    all_pdfs = [f for f in files if f.kind in ("pdf", "sample")]
    count = 10 if quick else 60
    pdfs, warmers = all_pdfs[:count], all_pdfs[count:count + 5] or all_pdfs[:1]
    for f in warmers:
        data = Path(f.path).read_bytes()
        ours(data, os.path.basename(f.path))
        pdfium_text(data)
    pdf_datas = [(Path(f.path).read_bytes(), os.path.basename(f.path)) for f in pdfs]
    ours_t = _cpu_timed(lambda: [ours(data, name) for data, name in pdf_datas])[0]
    pdfium_t, pages = _cpu_timed(lambda: sum(pdfium_text(data) for data, _ in pdf_datas))
    # why a pass each: the first large allocation after each side, taking turns, costs (CPU) ...
    after = {"ours": 0.0, "pdfium": 0.0}
    for data, name in pdf_datas[:20]:
        for side, fn in (("ours", lambda: ours(data, name)), ("pdfium", lambda: pdfium_text(data))):
            fn()
            after[side] += _cpu_timed(bytearray, 8192)[0]
    lines.append(f"| text PDFs, taking turns: the first 8 KB allocation after our parse / after pypdfium2's text "
                 f"(the allocator tidying what pdfium freed; 20 files) | {after['ours'] / 20 * 1000:.2f} / "
                 f"{after['pdfium'] / 20 * 1000:.2f} ms per file | | |")
    lines.append(f"| text PDFs: parse + check / pypdfium2 plain text, CPU ({len(pdfs)} files, {pages} pages, each "
                 f"file's first parse in this process, each side in a pass of its own) | "
                 f"{ours_t / pages * 1000:.1f} / {pdfium_t / pages * 1000:.1f} ms/page | **{ours_t / pdfium_t:.2f}x** |"
                 f" target <= 3x |")
    # 3. OCR CPU seconds per page, with accuracy against the text versions
    scans = ocr_bench.default_files()[: (1 if quick else None)]
    if scans:
        o = ocr_bench._summary([ocr_bench._run_tree(str(ROOT), scans)])
        lines.append(f"| OCR: CPU seconds per scanned page ({len(scans)} scans, {o['pages']} pages) | "
                     f"cells equal {o['equal']}/{o['cells']}, wrong {o['wrong']}, lost {o['lost']} | "
                     f"**{o['cpu_per_page']:.2f} s** | target <= 4 s |")
    # 4. the dashboard on a province store
    bodies = 300 if quick else 3000
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "province.sqlite3"
        t_build = _timed(dashboard_bench.ensure_store, db, bodies, 10, log)[0]
        loads = dashboard_bench.page_loads(db, 1, log)
        exported = dashboard_bench.export_all(db)
        size = db.stat().st_size / 2**20
    worst = max(secs for label, secs in loads if "first load" in label)
    lines.append(f"| dashboard, {bodies * 10:,}-report store (built in {t_build:.0f} s, {size:.0f} MB): "
                 f"slowest page's first load in a new session | | **{worst:.1f} s** | target <= 2 s |")
    for label, secs in loads:
        lines.append(f"|   {label} | | {secs:.2f} s | |")
    for label, secs, peak in exported:
        lines.append(f"|   {label} | peak resident memory {peak:.0f} MB (store {size:.0f} MB) | {secs:.1f} s | |")
    lines.insert(1, "| figure | measured | ratio / cost | issue 14 |")
    lines.insert(2, "|---|---|---|---|")
    lines.append("load average at end: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the parser against plain pdfplumber and pypdfium2.")
    ap.add_argument("--quick", action="store_true", help="300 files, 10 per kind side by side")
    ap.add_argument("-n", type=int, help="corpus size (default 3000, quick 300)")
    ap.add_argument("--per-kind", type=int, help="files per kind timed side by side (default 60, quick 10)")
    ap.add_argument("--workers", type=int, default=cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, help="corpus folder (default: a cache folder under $TMPDIR)")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of our PDF path")
    ap.add_argument("--ratios", action="store_true", help="only the four figures of issue 14")
    a = ap.parse_args(argv)
    n = a.n or (300 if a.quick else 3000)
    per_kind = a.per_kind or (10 if a.quick else 60)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    out = machine()
    out.append(f"command: python bench/run.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    if a.ratios:
        print("\n".join(out + [""] + issue14(a.quick, a.workers, log)), flush=True)
        return 0
    t, files = _timed(build_corpus, n, a.seed, a.corpus, log)
    folder = a.corpus or default_dir(n, a.seed)
    out.append(f"corpus: {len(files)} files in {folder} (built or loaded in {t:.1f} s)")
    print("\n".join(out), flush=True)
    print("\n".join([""] + side_by_side(files, per_kind, log)), flush=True)
    print("\n".join([""] + batch(files, a.workers, log)), flush=True)
    if a.profile:
        print("\n".join([""] + profile(files, 20)), flush=True)
    print("\n".join([""] + issue14(a.quick, a.workers, log)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
