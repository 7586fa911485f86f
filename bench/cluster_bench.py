"""The per-report cost on a cluster, to size one: the same files parsed and checked by the local warm pool and by
a Dask cluster (a LocalCluster on 127.0.0.1 here, or ``--scheduler`` for a real one), in one run.

    .venv/bin/python bench/cluster_bench.py [-n 120] [--workers 2] [--scheduler tcp://host:8786]

Prints, for each pool: wall time, reports per second, and the parser's CPU seconds per report (measured in the
workers, from the pool's per-task CPU accounting) by kind of file; and the time ``import_folder`` takes to store
the same folder through each pool (parse and own rules on the workers, cross-year check and the transaction here).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import build_corpus  # noqa: E402
from parsing import pipeline  # noqa: E402
from parsing.batch import import_folder  # noqa: E402
from parsing.rules import check_report  # noqa: E402
from parsing.store import Store  # noqa: E402
from parsing.workers import Pool, Task, cpu_count  # noqa: E402


def measure(pool, datas, kinds) -> tuple[float, dict]:
    t = time.perf_counter()
    cpu: dict[str, list[float]] = {}
    tasks = (Task(i, name, pipeline.parse_and_check, (data, name, None, check_report))
             for i, (data, name) in enumerate(datas))
    for out in pool.run(tasks):
        assert out.ok and not out.value[0].error, out.error
        cpu.setdefault(kinds[out.task.key], []).append(out.cpu_seconds or 0.0)
    return time.perf_counter() - t, cpu


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=120)
    ap.add_argument("--workers", type=int, default=cpu_count(), help="local workers, and LocalCluster workers")
    ap.add_argument("--scheduler", help="a running cluster's scheduler instead of a LocalCluster")
    a = ap.parse_args(argv)
    from parsing.cluster import DaskPool, local_cluster

    files = build_corpus(a.n, 0, None, log=lambda m: print(m, file=sys.stderr))
    folder = Path(files[0].path).parent
    datas = [(Path(f.path).read_bytes(), os.path.basename(f.path)) for f in files]
    kinds = [f.kind for f in files]
    print(f"{len(files)} files in {folder}; load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    cluster = None if a.scheduler else local_cluster(n_workers=a.workers, threads_per_worker=1)
    rows = []
    try:
        with Pool(a.workers) as local:
            rows.append(("local warm pool", *measure(local, datas, kinds), local))
            with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "l.sqlite3") as s:
                t = time.perf_counter()
                import_folder(folder, s, pool=local)
                rows[-1] = (*rows[-1][:3], time.perf_counter() - t)
        with DaskPool(a.scheduler or cluster) as dp:
            name = f"Dask ({dp.size} worker threads{', ' + a.scheduler if a.scheduler else ', LocalCluster'})"
            wall, cpu = measure(dp, datas, kinds)
            with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "d.sqlite3") as s:
                t = time.perf_counter()
                import_folder(folder, s, pool=dp)
                rows.append((name, wall, cpu, time.perf_counter() - t))
    finally:
        if cluster is not None:
            cluster.close()
    print("| pool | parse + check: wall s | reports/s | CPU s per report (by kind) | import_folder wall s |")
    print("|---|---:|---:|---|---:|")
    for name, wall, cpu, imp in rows:
        per = ", ".join(f"{k} {statistics.mean(v):.3f}" for k, v in sorted(cpu.items()))
        allv = [x for v in cpu.values() for x in v]
        print(f"| {name} | {wall:.1f} | {len(datas) / wall:.1f} | mean {statistics.mean(allv):.3f} ({per}) | {imp:.1f} |")
    print("load average at end " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
