"""What the parallel import adds over the same import done file after file, kept small:

* the importing process freezes what it holds (``gc.freeze``) before it forks its workers (``cli._forked_pool``),
  so its full collections during the import walk only what the import makes, not the interpreter and the parser
  (and unfreezes when the import is over);
* the pool reads a busy worker's CPU time and memory from ``/proc`` through descriptors it keeps open
  (``parsing.workers._ProcStat``): the very numbers psutil gives, read without psutil at each look.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from parsing import workers
from parsing.workers import Pool, Task
from tests import worker_tasks as wt

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"

SCRIPT = textwrap.dedent("""
    import gc, json, os, sys
    sys.path.insert(0, sys.argv[1])
    from parsing.__main__ import _ONE_THREAD
    os.environ.update(_ONE_THREAD)
    from parsing import cli
    if __name__ == "__main__":
        before = gc.get_freeze_count()
        pool = cli._forked_pool(sys.argv[2], 1)
        try:
            print(json.dumps({"before": before, "after": gc.get_freeze_count(), "forked": pool.forked}))
        finally:
            pool.close()
""")


def test_the_import_process_freezes_what_it_holds_before_forking_its_workers(tmp_path):
    folder = tmp_path / "县"
    folder.mkdir()
    shutil.copy(SAMPLES / "000_f2cddb79f4434941.txt", folder / "a.txt")
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT), str(folder)], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["before"] == 0
    assert got["forked"] == 1
    assert got["after"] > 10_000  # the parser and its libraries are out of the collector's generations


def test_the_import_unfreezes_when_it_is_over(tmp_path):
    import gc

    from parsing.cli import main

    folder = tmp_path / "县"
    folder.mkdir()
    shutil.copy(SAMPLES / "000_f2cddb79f4434941.txt", folder / "a.txt")
    assert gc.get_freeze_count() == 0
    assert main(["import", str(folder), "--db", str(tmp_path / "s.sqlite3"), "--jobs", "1"]) == 0
    assert gc.get_freeze_count() == 0


def _psutil_cpu(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def test_a_workers_cpu_time_and_memory_are_psutils_numbers():
    with Pool(1) as pool:
        pool.start()
        w = pool._workers[0]
        assert w._stat is not None  # /proc is there (Linux)
        out = next(pool.run([Task(0, "a.txt", wt.pages_of_cpu, (3, 0.1))]))
        assert out.ok and out.cpu_seconds >= 0.25
        # the worker is idle now: its CPU time does not move between the reads
        before = _psutil_cpu(w.proc.pid)
        ours = w.cpu()
        after = _psutil_cpu(w.proc.pid)
        assert before <= ours <= after and ours >= 0.25
        rss = psutil.Process(w.proc.pid).memory_info().rss / (1024 * 1024)
        assert abs(w._rss() - rss) < 1.0
        assert w.grown_mb() is not None
        fds = (w._stat.stat_fd, w._stat.statm_fd)
        w.proc.kill()
        w.proc.join(5)
        assert w.cpu() is None and w._rss() is None  # its own files: gone with it, never another process's
    for fd in fds:  # closed when the pool stopped the worker
        try:
            os.fstat(fd)
        except OSError:
            continue
        target = os.readlink(f"/proc/self/fd/{fd}")
        assert not target.startswith(f"/proc/{w.proc.pid}/")


def test_without_proc_the_worker_asks_psutil(monkeypatch):
    monkeypatch.setattr(workers._ProcStat, "open", classmethod(lambda cls, pid: None))
    with Pool(1) as pool:
        pool.start()
        w = pool._workers[0]
        assert w._stat is None
        out = next(pool.run([Task(0, "a.txt", wt.pages_of_cpu, (2, 0.05))]))
        assert out.ok and out.cpu_seconds is not None
        assert w.cpu() == _psutil_cpu(w.proc.pid) or abs(w.cpu() - _psutil_cpu(w.proc.pid)) < 0.02
        assert w._rss() > 0


def test_a_pid_without_a_process_has_no_proc_reader():
    try:  # past the kernel's largest pid: no process has it, nor can one take it while the test runs
        pid = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    except (OSError, ValueError):
        pid = 2**22 + 1
    assert not psutil.pid_exists(pid)
    assert workers._ProcStat.open(pid) is None
