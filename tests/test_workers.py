"""The one worker pool: warm workers fed continuously, limits in CPU time, a dead worker replaced, progress.

No test here depends on the machine's speed: the limits are tiny and injected, and the workloads either never end
(spin, sleep) or use a fixed amount of their own CPU time; no assertion is made on elapsed seconds.
"""
import multiprocessing

from parsing import workers
from parsing.workers import Limits, Pool, Task
from tests import worker_tasks as wt


def run(tasks, **kw):
    limits = kw.pop("limits", None)
    with Pool(kw.pop("n", 2), limits) as pool:
        out = {o.task.key: o for o in pool.run(tasks, **kw)}
    return out


def no_workers_left():
    return not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_a_spinning_task_is_stopped_by_the_cpu_limit_and_the_batch_goes_on():
    tasks = [Task(i, f"{i}.txt", wt.echo, (i,)) for i in range(6)]
    tasks.insert(2, Task("spin", "转圈.pdf", wt.spin_forever))
    out = run(tasks, limits=Limits(cpu_seconds=0.3))
    assert out["spin"].reason == workers.TIMEOUT
    assert out["spin"].error.startswith("处理超时（超过0.3秒 CPU 时间）") and "转圈.pdf" in out["spin"].error
    assert out["spin"].cpu_seconds >= 0.3
    assert [out[i].value for i in range(6)] == list(range(6))
    assert no_workers_left()


def test_a_sleeping_task_is_not_stopped_by_a_cpu_limit():
    # waits far longer (in wall time) than its CPU limit: a busy machine must not fail a good file
    out = run([Task(i, f"{i}.txt", wt.sleep_then_return, (0.5, i)) for i in range(3)],
              limits=Limits(cpu_seconds=0.05))
    assert [out[i].error for i in range(3)] == [None] * 3
    assert [out[i].value for i in range(3)] == [0, 1, 2]


def test_the_cpu_clock_restarts_on_every_page():
    # 6 pages of 0.15 s CPU each: 0.9 s in total, over the 0.5 s limit, but no page comes near it
    pages = []
    out = run([Task("scan", "扫描件.pdf", wt.pages_of_cpu, (6, 0.15))], n=1, limits=Limits(cpu_seconds=0.5),
              on_page=lambda t, d, n: pages.append((t.key, d, n)))
    assert out["scan"].error is None and out["scan"].value == 6
    assert pages == [("scan", p, 6) for p in range(1, 7)]
    # one page that alone needs more than the limit is stopped
    out = run([Task("slow", "慢页.pdf", wt.pages_of_cpu, (2, 1.0))], n=1, limits=Limits(cpu_seconds=0.3))
    assert out["slow"].reason == workers.TIMEOUT


def test_a_worker_that_hangs_without_cpu_is_stopped_by_the_wall_backstop():
    out = run([Task("hang", "卡住.pdf", wt.sleep_forever), Task("ok", "a.txt", wt.echo, ("好",))],
              limits=Limits(cpu_seconds=60, wall_seconds=0.3))
    assert out["hang"].reason == workers.HUNG and "没有任何进展" in out["hang"].error
    assert out["ok"].value == "好"


def test_the_default_wall_backstop_is_far_above_the_cpu_limit():
    assert Limits(cpu_seconds=60).hung_after >= 600
    assert Limits(cpu_seconds=0.05).hung_after >= 600


def test_a_dead_worker_is_replaced_and_only_its_task_fails():
    tasks = [Task("exit", "退出.pdf", wt.die, (3,)), Task("kill", "崩溃.pdf", wt.kill_self),
             Task("raise", "坏.pdf", wt.raise_error)] + [Task(i, f"{i}.txt", wt.echo, (i,)) for i in range(5)]
    with Pool(1) as pool:
        out = {o.task.key: o for o in pool.run(tasks)}
        started = pool.started
    assert out["exit"].reason == workers.DIED and "退出码 3" in out["exit"].error
    assert out["kill"].reason in (workers.DIED, workers.MEMORY)
    assert out["raise"].reason == workers.RAISED and "ValueError: 坏输入" in out["raise"].error
    assert [out[i].value for i in range(5)] == list(range(5))
    assert started == 3  # the first worker, and one replacement per dead worker; a raised error keeps its worker
    assert no_workers_left()


def test_memory_growth_over_the_cap_stops_the_worker():
    out = run([Task("big", "大.txt", wt.grow_memory, (200,)), Task("ok", "a.txt", wt.echo, (1,))],
              limits=Limits(cpu_seconds=60, memory_mb=50))
    assert out["big"].reason == workers.MEMORY and "内存超过上限（50 MB）" in out["big"].error
    assert out["ok"].value == 1


def test_workers_stay_warm_and_are_fed_continuously():
    with Pool(2) as pool:
        pids = [o.value for o in pool.run(Task(i, "x", wt.pid) for i in range(20))]
        again = [o.value for o in pool.run(Task(i, "x", wt.pid) for i in range(4))]
        assert pool.started == 2
    assert len(set(pids)) <= 2 and set(again) <= set(pids)


def test_tasks_are_pulled_lazily():
    pulled = []

    def source():
        for i in range(10):
            pulled.append(i)
            yield Task(i, "x", wt.echo, (i,))

    with Pool(2) as pool:
        run_ = pool.run(source())
        first = next(run_)
        assert len(pulled) <= 3  # two in the workers and at most the one being handed over
        rest = list(run_)
    assert sorted([first.value] + [o.value for o in rest]) == list(range(10))


def test_refused_tasks_come_back_without_a_worker():
    with Pool(2) as pool:
        out = list(pool.run([Task("big", "大.pdf", error="太大")]))
        assert pool.started == 0
    assert out[0].reason == workers.REFUSED and out[0].error == "太大"


def test_run_one_reports_pages():
    seen = []
    out = workers.run_one(wt.pages_of_cpu, (3, 0.0), "p.pdf", on_page=lambda d, n: seen.append((d, n)))
    assert out.value == 3 and seen == [(1, 3), (2, 3), (3, 3)]


def test_a_worker_using_cpu_is_never_hung_only_slow():
    # a wall backstop far below the task's run time: the task keeps using CPU, so it is not a hang
    out = run([Task("busy", "忙.pdf", wt.pages_of_cpu, (1, 1.5))], n=1,
              limits=Limits(cpu_seconds=60, wall_seconds=0.5))
    assert out["busy"].error is None and out["busy"].value == 1
