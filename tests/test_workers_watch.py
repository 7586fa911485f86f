"""The pool's watch over busy workers: a worker's CPU time and memory are read from the kernel at most every half
``WATCH_INTERVAL``, not at each message another worker sends (each message wakes the pool's loop). The limits
still hold (tests/test_workers.py)."""
from parsing import workers
from parsing.workers import Pool, Task
from tests import worker_tasks as wt


def test_a_quiet_worker_is_not_looked_at_on_each_message_of_a_chatty_one(monkeypatch):
    looks = {"quiet": 0, "chatty": 0}
    cpu = workers._Worker.cpu

    def counted(self):
        if self.task is not None:
            looks[self.task.key] += 1
        return cpu(self)

    monkeypatch.setattr(workers._Worker, "cpu", counted)
    pages = 3000
    seen = []
    with Pool(2) as pool:
        pool.start()
        tasks = [Task("quiet", "q.txt", wt.sleep_then_return, (2.0, "q")),
                 Task("chatty", "c.txt", wt.pages_of_cpu, (pages, 0.0))]
        out = {o.task.key: o for o in pool.run(tasks, on_page=lambda t, d, n: seen.append(t.key))}
    assert out["quiet"].value == "q" and out["chatty"].ok
    assert seen.count("chatty") == pages
    # the chatty worker's pages are read as they come (each marks its clock); the quiet one is looked at about
    # every WATCH_INTERVAL / 2 of its two seconds, not once per page of the other (3000 times)
    assert looks["quiet"] < pages / 3
