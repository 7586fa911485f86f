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
   report) through the one pool: in this process (whose forkserver the rows above have started already), and
   in a fresh process of its own (its forkserver's start counted, as for any import);
   and with ``workers=0``: the same import file after file in this process (parse, check and store, no pool),
   what the parallel import can be held against as well (the ratios above stay against ``sequential``);
5. with ``--main DIR`` (a checkout of an older tree): that tree's ``import_folder`` on the same folder, in a
   fresh process with the same interpreter, alternating with this tree's;
6. with ``--cold``: both sides cold, each a fresh process with the interpreter's start and the parser's import:
   ``python -m parsing import FOLDER`` against a fresh process doing parse + check file after file, and against
   the same command with ``--jobs 0`` (the same import file after file in its one process).

Ratios are against ``sequential`` in the same run; the load average is printed because other work on the
machine changes every figure. For the imports the CPU seconds of the importing process itself (checking against
the neighbouring years, storing; the workers' parsing not counted) and of the pool (the forkserver's start, its
import of the parser, and the workers it reaped) are printed too: CPU seconds hardly depend on the load, and on
two cores every second of the importing process is taken from the two workers. pebble is optional (``pip install pebble``); without it that row is skipped.
"""
from __future__ import annotations

import argparse
import inspect
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

def pool_cpu() -> float:
    """CPU seconds of this process's forkserver (its start and import of the parser) and of the workers it has
    reaped (closed pools), 0 before it runs."""
    import multiprocessing.forkserver as fs

    import psutil

    pid = getattr(fs._forkserver, "_forkserver_pid", None)
    if not pid:
        return 0.0
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def forkserver_own_cpu() -> float:
    """CPU seconds of this process's forkserver itself (its start and import of the parser, not its workers)."""
    import multiprocessing.forkserver as fs

    import psutil

    pid = getattr(fs._forkserver, "_forkserver_pid", None)
    if not pid:
        return 0.0
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


MAIN_IMPORT = inspect.getsource(pool_cpu) + """
import sys, time
sys.path.insert(0, sys.argv[1])
from parsing.batch import import_folder
from parsing.store import Store
if __name__ == "__main__":
    with Store(sys.argv[3]) as store:
        t, c, p = time.perf_counter(), time.process_time(), pool_cpu()
        s = import_folder(sys.argv[2], store, workers=int(sys.argv[4]))
        print(time.perf_counter() - t, s["imported"], len(s["failed"]), time.process_time() - c, pool_cpu() - p)
"""

# the one-process side cold: a fresh interpreter imports the parser and does the same work file after file
COLD_SEQUENTIAL = """
import os, sys
sys.path.insert(0, sys.argv[1])
from parsing import parse_bytes
from parsing.batch import iter_report_files
from parsing.rules import check_report
for path in iter_report_files(sys.argv[2]):
    r = parse_bytes(path.read_bytes(), path.name)
    if not r.error:
        check_report(r)
"""


# runs a command and prints its wall seconds and the CPU seconds of its whole process tree: as a child subreaper
# (Linux) it inherits the orphans (a forkserver outliving the command) and reaps them, so their CPU counts too
TREE_CPU = """
import ctypes, os, resource, subprocess, sys, time
try:
    ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
except (AttributeError, OSError):
    pass
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t
while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        break
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, r.ru_utime + r.ru_stime)
"""


def tree_cpu(cmd: list[str], cwd) -> tuple[float, float]:
    """``cmd``'s wall seconds and the CPU seconds of its whole process tree (workers and forkserver included)."""
    out = subprocess.run([sys.executable, "-c", TREE_CPU, *cmd], cwd=str(cwd), check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), float(out[1])


def cold_import(folder, jobs: int, tree: Path = ROOT) -> tuple[float, float]:
    """``python -m parsing import FOLDER --jobs JOBS`` into a new store, cold in a fresh process (``--jobs 0``: the
    import file after file in that one process): its wall seconds and its whole process tree's CPU seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        return tree_cpu([sys.executable, "-m", "parsing", "import", str(folder), "--db", str(Path(tmp) / "c.sqlite3"),
                         "--jobs", str(jobs)], tree)


def cold(folder, workers: int, tree: Path = ROOT) -> tuple[float, float, float, float]:
    """Both sides cold, each a fresh process including the interpreter's start and the parser's import:
    ``python -m parsing import FOLDER`` (into a new store) and a fresh process doing parse + check file after
    file. Returns their wall seconds and the CPU seconds of each one's process tree
    ``(import, sequential, import CPU, sequential CPU)``."""
    t_imp, c_imp = cold_import(folder, workers, tree)
    t_seq, c_seq = tree_cpu([sys.executable, "-c", COLD_SEQUENTIAL, str(tree), str(folder)], tree)
    return t_imp, t_seq, c_imp, c_seq


def cold_imports(folder, workers: int, tree: Path = ROOT) -> tuple[float, float, float, float]:
    """The same command both ways (:func:`cold_import`): with ``workers`` and with ``--jobs 0`` (the same import,
    file after file in one process: parse, check and store). Returns ``(parallel wall, file-after-file wall,
    parallel CPU, file-after-file CPU)``."""
    (t_par, c_par), (t_one, c_one) = cold_import(folder, workers, tree), cold_import(folder, 0, tree)
    return t_par, t_one, c_par, c_one


def import_cpu(folder, workers: int) -> tuple[float, float, float, dict]:
    """``import_folder`` of ``folder`` into a new store in this process: (wall s, this process's CPU s, the
    pool's CPU s (forkserver start and workers), summary)."""
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "i.sqlite3") as store:
        t, c, p = time.perf_counter(), time.process_time(), pool_cpu()
        s = import_folder(folder, store, workers)
        return time.perf_counter() - t, time.process_time() - c, pool_cpu() - p, s


def sequential_cpu(datas) -> tuple[float, float]:
    """:func:`sequential` timed: (wall s, CPU s)."""
    t, c = time.perf_counter(), time.process_time()
    sequential(datas)
    return time.perf_counter() - t, time.process_time() - c


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


SAME_IMPORT = "import_folder, workers=0 (the same import file after file in this process)"
COLD_SAME = "cold: the same import file after file (python -m parsing import --jobs 0)"


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
    ap.add_argument("--cold", action="store_true", help="also both sides cold: python -m parsing import against a"
                    " fresh process doing the same work file after file (each with the interpreter's start)")
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
    ours_parts: list[tuple[float, float, float]] = []  # ours: (forkserver's own CPU, the pool's, this process's)
    cpu: dict[str, list[tuple[float, float]]] = {}  # (this process, the pool: forkserver start + workers)
    trees = [("this tree", ROOT)] + ([(str(a.main), a.main)] if a.main else [])
    for _ in range(a.repeat):
        t, c = sequential_cpu(datas)
        rows.setdefault("sequential (parse + check, one process)", []).append(t)
        cpu.setdefault("sequential (parse + check, one process)", []).append((c, 0.0))
        p, f, c = pool_cpu(), forkserver_own_cpu(), time.process_time()
        t = timed(ours, datas, a.workers)[0]
        rows.setdefault("ours: parsing.workers.Pool", []).append(t)
        cpu.setdefault("ours: parsing.workers.Pool", []).append((0.0, pool_cpu() - p))
        ours_parts.append((forkserver_own_cpu() - f, pool_cpu() - p, time.process_time() - c))
        try:
            import pebble  # noqa: F401
        except ImportError:
            pass
        else:
            rows.setdefault("pebble.ProcessPool", []).append(timed(pebble_pool, datas, a.workers)[0])
        t, c, p, s = import_cpu(folder, a.workers)
        assert s["imported"] == len(files), s
        rows.setdefault("import_folder (this process, forkserver already warm)", []).append(t)
        cpu.setdefault("import_folder (this process, forkserver already warm)", []).append((c, p))
        t, c, p, s = import_cpu(folder, 0)
        assert s["imported"] == len(files), s
        rows.setdefault(SAME_IMPORT, []).append(t)
        cpu.setdefault(SAME_IMPORT, []).append((c, p))
        # each tree's import in a fresh process of its own (that tree's forkserver start counted), alternating
        for label, tree in trees:
            with tempfile.TemporaryDirectory() as tmp:
                out = subprocess.run([sys.executable, "-c", MAIN_IMPORT, str(tree), str(folder),
                                      str(Path(tmp) / "m.sqlite3"), str(a.workers)], capture_output=True, text=True,
                                     check=True, cwd=str(tree)).stdout.split()
            name = f"import_folder ({label}, fresh process)"
            rows.setdefault(name, []).append(float(out[0]))
            cpu.setdefault(name, []).append((float(out[3]), float(out[4])))
        if a.cold:
            for label, tree in trees:
                t_imp, t_seq, c_imp, c_seq = cold(folder, a.workers, tree)
                rows.setdefault(f"cold: python -m parsing import ({label})", []).append(t_imp)
                cpu.setdefault(f"cold: python -m parsing import ({label})", []).append((c_imp, 0.0))
                rows.setdefault(f"cold: fresh process, file after file ({label})", []).append(t_seq)
                cpu.setdefault(f"cold: fresh process, file after file ({label})", []).append((c_seq, 0.0))
                t_seq0, c_seq0 = cold_import(folder, 0, tree)
                rows.setdefault(f"{COLD_SAME} ({label})", []).append(t_seq0)
                cpu.setdefault(f"{COLD_SAME} ({label})", []).append((c_seq0, 0.0))
    base = min(rows["sequential (parse + check, one process)"])
    print(f"| {'method':60s} | best s | ratio to sequential | CPU s: importing process + pool (forkserver, workers) |")
    print("|---|---|---|---|")
    for name, ts in rows.items():
        k = ts.index(min(ts))
        c = f"{cpu[name][k][0]:.1f} + {cpu[name][k][1]:.1f}" if name in cpu else ""
        ref = base
        if name.startswith("cold: python -m parsing import"):
            ref = min(rows[name.replace("cold: python -m parsing import", "cold: fresh process, file after file")])
        elif name.startswith(COLD_SAME):
            ref = min(rows[name.replace(COLD_SAME, "cold: fresh process, file after file")])
        print(f"| {name:60s} | {min(ts):6.1f} | {min(ts) / ref:5.2f}x | {c} |")
    k = rows["ours: parsing.workers.Pool"].index(min(rows["ours: parsing.workers.Pool"]))
    fs_own, pool_all, here = ours_parts[k]
    print(f"(ours: of the pool's {pool_all:.1f} s CPU, {fs_own:.1f} s the forkserver's own start and import of the"
          f" parser (0 once it runs; the sequential row's import is not timed either), {pool_all - fs_own:.1f} s the"
          f" workers'; this process, feeding them: {here:.1f} s)")
    same = min(rows[SAME_IMPORT])
    for name in [n for n in rows if n.startswith("import_folder (")]:
        print(f"({name}: {min(rows[name]) / same:.2f}x the same import file after file)")
    for label, _ in trees if a.cold else ():
        imp = min(rows[f"cold: python -m parsing import ({label})"])
        print(f"(cold: python -m parsing import ({label}): {imp / min(rows[f'{COLD_SAME} ({label})']):.2f}x the same"
              " command with --jobs 0)")
    print("(cold rows: the import against the fresh file-after-file process of the same tree; their CPU column is the"
          " whole process tree's: interpreter, forkserver, workers)")
    print("load average after: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
