"""parsing.workers.run_ahead: the pool served from a thread while the caller works on an outcome (checks it,
stores it). The same outcomes as Pool.run, the callbacks in the caller's thread, errors handed over, an early
end stops the workers still busy, and a worker gets its next task while the caller is still busy.

No assertion on elapsed time: the caller waits for a sign that a task ran (a file), with a generous cap only so
that a broken feeder fails instead of hanging."""
import threading
import time

import pytest

from parsing import workers
from parsing.workers import Pool, Task, run_ahead
from tests import worker_tasks as wt


def test_the_same_outcomes_as_pool_run_with_callbacks_in_the_callers_thread():
    tasks = lambda: [Task(i, f"{i}.txt", wt.echo, (i,)) for i in range(12)] + [  # noqa: E731
        Task("raise", "坏.pdf", wt.raise_error), Task("refused", "大.pdf", error="太大"),
        Task("pages", "扫描.pdf", wt.pages_of_cpu, (3, 0.0))]
    me = threading.get_ident()
    seen = []
    with Pool(2) as pool:
        plain = {o.task.key: (o.value, o.reason) for o in pool.run(tasks())}
        ahead = {}
        for o in run_ahead(pool, tasks(), on_start=lambda t: seen.append(("start", t.key, threading.get_ident())),
                           on_page=lambda t, d, n: seen.append(("page", d, threading.get_ident()))):
            ahead[o.task.key] = (o.value, o.reason)
    assert ahead == plain and len(ahead) == 15 and ahead["pages"] == (3, None)
    assert ahead["raise"][1] == workers.RAISED and ahead["refused"][1] == workers.REFUSED
    assert {e[2] for e in seen} == {me}
    assert sorted(e[1] for e in seen if e[0] == "start" and isinstance(e[1], int)) == list(range(12))
    assert [e[1] for e in seen if e[0] == "page"] == [1, 2, 3]


def test_an_error_in_the_tasks_is_raised_in_the_caller():
    def tasks():
        yield Task(0, "a", wt.echo, (0,))
        raise OSError("磁盘错误")

    with Pool(1) as pool:
        with pytest.raises(OSError, match="磁盘错误"):
            list(run_ahead(pool, tasks()))
        assert next(pool.run([Task(1, "b", wt.echo, (1,))])).value == 1  # the pool goes on


def test_ending_early_stops_the_busy_workers_and_the_next_run_gets_only_its_own_results():
    with Pool(2) as pool:
        it = run_ahead(pool, [Task("quick", "q", wt.echo, ("q",)), Task("spin", "s", wt.spin_forever),
                              Task("spin2", "s2", wt.spin_forever)])
        assert next(it).task.key == "quick"
        it.close()  # returns once the serving thread has ended the run
        assert all(w.task is None for w in pool._workers)
        out = [(o.task.key, o.value) for o in pool.run([Task(i, "e", wt.echo, (i,)) for i in range(3)])]
    assert sorted(out) == [(0, 0), (1, 1), (2, 2)]
    assert not [t for t in threading.enumerate() if t.name == "pool-feeder"]


def test_a_worker_gets_its_next_task_while_the_caller_is_still_busy(tmp_path):
    """One worker, three tasks. While the caller holds the first outcome, the second (handed out before it) and
    then the third must run; with Pool.run alone the third waits for the caller."""
    marks = [tmp_path / f"{i}.mark" for i in range(3)]
    with Pool(1) as pool:
        pool.start()
        got = []
        for o in run_ahead(pool, [Task(i, f"{i}", wt.touch, (str(m),)) for i, m in enumerate(marks)]):
            if not got:  # busy with the first outcome until the third task has run (or give up)
                deadline = time.monotonic() + 120
                while not marks[2].exists() and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert marks[2].exists(), "the worker was not fed while the caller was busy"
            got.append(o.task.key)
    assert got == [0, 1, 2]
