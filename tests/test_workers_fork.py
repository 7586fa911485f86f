"""Workers forked from the importing process only where that is provably safe (parsing.workers.fork_safe): one
thread as the kernel counts them and no SQLite database open. The command line's ``import`` starts its pool
before it opens the store, so its workers are forked (they inherit the parser imported, no forkserver start);
a replacement worker, once the store is open, comes from the forkserver; and the store it fills is the very
store the forkserver's workers fill."""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd

from parsing import workers
from parsing.batch import import_folder
from parsing.store import Store
from tests.store_contents import stored

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"
FILES = ["000_f2cddb79f4434941.txt", "000_f2cddb79f4434941.pdf", "001_a7d1ab90ef2b8173_gov.html",
         "002_4cd244469f2197ef.docx", "003_f33e39129a8130ac.pdf", "004_19df153a773c7689.txt"]


def test_fork_is_unsafe_while_another_thread_runs():
    before = workers._threads()
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert workers._threads() == before + 1
        assert not workers.fork_safe()
    finally:
        stop.set()
        t.join()


def test_fork_is_unsafe_while_a_store_is_open(tmp_path):
    db = tmp_path / "s.sqlite3"
    with Store(db) as s:
        assert len(s) == 0
        held = workers._open_sqlite()
        assert str(db) in held
        assert not workers.fork_safe()
    assert not any(p.startswith(str(db)) for p in workers._open_sqlite())


def test_a_pool_without_fork_never_forks():
    with workers.Pool(1) as pool:
        ppid = next(pool.run([workers.Task(0, "a", _task("parent_pid"))])).value
        assert pool.forked == 0 and ppid != os.getpid()


def _task(name):
    from tests import worker_tasks

    return getattr(worker_tasks, name)


# A fresh interpreter set up as ``python -m parsing import`` sets itself up (parsing.__main__): the pool is started
# before the store is opened, then a worker dies once the store is open and its replacement must not be forked.
SCRIPT = textwrap.dedent("""
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    from parsing.__main__ import _ONE_THREAD
    os.environ.update(_ONE_THREAD)
    from parsing import cli, workers
    from parsing.store import Store
    from tests import worker_tasks as wt
    if __name__ == "__main__":
        pool = cli._forked_pool(sys.argv[2], 2)
        out = {"safe_before": workers.fork_safe(), "forked": pool.forked, "started": pool.started}
        with Store(sys.argv[3]) as store, pool:
            out["safe_after"] = workers.fork_safe()
            run = lambda tasks: [o.value for o in pool.run(tasks)]
            out["parents"] = run([workers.Task(i, "p", wt.parent_pid) for i in range(2)])
            run([workers.Task("die", "d", wt.die, (3,))])
            out["parents_after"] = run([workers.Task(i, "p", wt.parent_pid) for i in range(4)])
            out["forked_after"], out["started_after"] = pool.forked, pool.started
        out["me"] = os.getpid()
        print(json.dumps(out))
""")


def test_the_import_pool_is_forked_before_the_store_and_replaced_from_the_forkserver(tmp_path):
    folder = tmp_path / "县"
    folder.mkdir()
    for name in FILES[:2]:
        shutil.copy(SAMPLES / name, folder / name)
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT), str(folder), str(tmp_path / "s.sqlite3")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["safe_before"] and not got["safe_after"]
    assert got["forked"] == got["started"] == 2
    assert got["parents"] == [got["me"]] * 2  # forked from this process
    assert got["started_after"] == 3 and got["forked_after"] == 2  # the replacement was not forked
    parents = set(got["parents_after"])  # one worker forked from this process, one from the forkserver
    assert len(parents) == 2 and got["me"] in parents


def test_command_line_import_with_forked_workers_equals_import_folder(tmp_path):
    folder = tmp_path / "县"
    folder.mkdir()
    for name in FILES:
        shutil.copy(SAMPLES / name, folder / name)
    with Store(tmp_path / "lib.sqlite3") as s:
        summary = import_folder(folder, s, workers=2)
    assert summary["imported"] == len(FILES) and not summary["failed"]
    out = subprocess.run([sys.executable, "-m", "parsing", "import", str(folder), "--db", str(tmp_path / "cli.sqlite3"),
                          "--jobs", "2"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert f"新导入 {len(FILES)} 份" in out.stdout
    a, b = stored(tmp_path / "lib.sqlite3"), stored(tmp_path / "cli.sqlite3")
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
    assert len(a[1]) > 100 and a[1]["value"].notna().any() and len(a[2]) > 0
