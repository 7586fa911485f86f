"""Benchmark: the one worker pool against pebble's ProcessPool, and import against file-after-file work.

    .venv/bin/python bench/pool_bench.py            # 240 files (the issue's county folder), 2 workers
    .venv/bin/python bench/pool_bench.py -n 120 --main /tmp/main-checkout   # also time main's import there

In one run, on the same files (``bench/corpus.py``: text PDFs, DOCX, text and sample copies, each distinct):

1. ``sequential``: ``parse_bytes`` + ``rules.check_report`` file after file in this process (the floor a
   parallel import is measured against);
2. ``ours``: :class:`parsing.workers.Pool` running :func:`parsing.pipeline.parse_and_check` (parse + the
   report's own rules in the worker), fed continuously;
3. ``pebble``: ``pebble.ProcessPool`` (forkserver, warm workers, ``schedule(..., timeout=60)``) running the
   same function, every task scheduled at once;
4. ``import``: :func:`parsing.batch.import_folder` into a new store (parse, check, store one transaction per
   report) through the one pool;
5. with ``--main DIR`` (a checkout of an older tree): that tree's ``import_folder`` on the same folder, in a
   subprocess with the same interpreter.

Ratios are against ``sequential`` in the same run; the load average is printed because other work on the
machine changes every figure. For the imports the CPU seconds of the importing process itself (checking against
the neighbouring years, storing; the workers' parsing not counted) are printed too: that figure hardly depends on
the load, and on two cores every second of it is taken from the two workers. pebble is optional (``pip install pebble``); without it that row is skipped.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import build_corpus  # noqa: E402
from parsing import parse_bytes, pipeline  # noqa: E402
from parsing.batch import import_folder  # noqa: E402
from parsing.rules import check_report  # noqa: E402
from parsing.store import Store  # noqa: E402
from parsing.workers import Pool, Task, context, cpu_count  # noqa: E402

MAIN_IMPORT = """
import sys, time
sys.path.insert(0, sys.argv[1])
from parsing.batch import import_folder
from parsing.store import Store
with Store(sys.argv[3]) as store:
    t, c = time.perf_counter(), time.process_time()
    s = import_folder(sys.argv[2], store, workers=int(sys.argv[4]))
    print(time.perf_counter() - t, s["imported"], len(s["failed"]), time.process_time() - c)
"""


def sequential(datas):
    for data, name in datas:
        r = parse_bytes(data, name)
        if not r.error:
            check_report(r)


def ours(datas, workers):
    with Pool(workers) as pool:
        tasks = (Task(i, name, pipeline.parse_and_check, (data, name, None, check_report))
                 for i, (data, name) in enumerate(datas))
        return sum(1 for o in pool.run(tasks) if o.ok and not o.value[0].error)


def pebble_pool(datas, workers):
    from pebble import ProcessPool

    with ProcessPool(max_workers=workers, context=context()) as pool:
        futures = [pool.schedule(pipeline.parse_and_check, args=(data, name, None, check_report, None), timeout=60)
                   for data, name in datas]
        ok = 0
        for f in futures:
            try:
                ok += not f.result()[0].error
            except Exception:  # noqa: BLE001 - a timeout or a dead worker
                pass
        return ok


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=240)
    ap.add_argument("--workers", type=int, default=cpu_count())
    ap.add_argument("--main", type=Path, help="a checkout of an older tree whose import_folder to time too")
    ap.add_argument("--repeat", type=int, default=1, help="alternate the measurements this many times")
    a = ap.parse_args(argv)
    files = build_corpus(a.n, 0, None, log=lambda m: print(m, file=sys.stderr))
    folder = Path(files[0].path).parent
    datas = [(Path(f.path).read_bytes(), os.path.basename(f.path)) for f in files]
    kinds = {}
    for f in files:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    print(f"{len(files)} files ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}) in {folder}; "
          f"{a.workers} workers; {os.cpu_count()} cores")
    print("load average before: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    sequential(datas[:8])  # warm this process's caches once
    rows: dict[str, list[float]] = {}
    main_cpu: dict[str, list[float]] = {}
    for _ in range(a.repeat):
        rows.setdefault("sequential (parse + check, one process)", []).append(timed(sequential, datas)[0])
        rows.setdefault("ours: parsing.workers.Pool", []).append(timed(ours, datas, a.workers)[0])
        try:
            import pebble  # noqa: F401
        except ImportError:
            pass
        else:
            rows.setdefault("pebble.ProcessPool", []).append(timed(pebble_pool, datas, a.workers)[0])
        with tempfile.TemporaryDirectory() as tmp:
            with Store(Path(tmp) / "i.sqlite3") as store:
                c = time.process_time()
                t, s = timed(import_folder, folder, store, a.workers)
                main_cpu.setdefault("import_folder (this tree)", []).append(time.process_time() - c)
            assert s["imported"] == len(files), s
            rows.setdefault("import_folder (this tree)", []).append(t)
            if a.main:
                out = subprocess.run([sys.executable, "-c", MAIN_IMPORT, str(a.main), str(folder),
                                      str(Path(tmp) / "m.sqlite3"), str(a.workers)], capture_output=True, text=True,
                                     check=True, cwd=str(a.main)).stdout.split()
                rows.setdefault(f"import_folder ({a.main})", []).append(float(out[0]))
                main_cpu.setdefault(f"import_folder ({a.main})", []).append(float(out[3]))
    base = min(rows["sequential (parse + check, one process)"])
    print(f"| {'method':45s} | best s | ratio to sequential | CPU s of the importing process |")
    print("|---|---|---|---|")
    for name, ts in rows.items():
        cpu = f"{min(main_cpu[name]):.1f}" if name in main_cpu else ""
        print(f"| {name:45s} | {min(ts):6.1f} | {min(ts) / base:5.2f}x | {cpu} |")
    print("load average after: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
