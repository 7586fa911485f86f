"""The one pool on a cluster: the same tasks as :class:`parsing.workers.Pool`, run by Dask distributed workers.

:mod:`parsing.pipeline` hands its parse tasks to a *pool*: anything with ``run(tasks, on_start, on_page)``
yielding :class:`parsing.workers.Outcome` as tasks finish, and ``close()``. Two implementations:

* :class:`parsing.workers.Pool` - warm worker processes on this machine;
* :class:`DaskPool` (here) - a `Dask distributed <https://distributed.dask.org>`_ cluster (``pip install
  distributed``; the scheduler and workers may run on other machines). Each task runs on a cluster worker
  *inside that worker's own* one-process :class:`parsing.workers.Pool`, so the per-file limits (CPU time, memory,
  a dead parser replaced) hold on the cluster exactly as here. Tasks are fed continuously: at most ``in_flight``
  (default: twice the cluster's worker threads) are submitted at a time, the next as soon as one finishes, so a
  national batch is never all in memory. Results (the parsed report and its own findings) come back to this
  process, where the pipeline checks the cross-year rules and writes the one store, as with the local pool.

Cluster workers must be able to start child processes: run them with ``--no-nanny`` or with the environment
``DASK_DISTRIBUTED__WORKER__DAEMON=False`` (:func:`local_cluster` sets it for a cluster on this machine). Files
travel to the workers as bytes inside the task; for a national batch keep the files on storage every worker
reads and pass :class:`parsing.pipeline.Source` objects with ``load`` (see ``docs/scale.md``).

This module never imports streamlit or plotly; ``distributed`` is imported only when a DaskPool is made.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Iterator, Optional

from .model import ReportError
from .workers import RAISED, REFUSED, Limits, Outcome, Pool, Task

MSG_NO_DISTRIBUTED = "使用集群（--scheduler）需要安装 distributed：pip install 'distributed>=2024.1'。"
MSG_NO_SCHEDULER = "无法连接集群调度器“{address}”（{reason}）。请检查地址和端口，以及调度器是否已启动。"
MSG_LOST = "集群未能处理文件“{name}”（{reason}），已跳过。"

_WORKER_POOL: Optional[Pool] = None  # one warm parser process per cluster worker process, made on first use


def _on_cluster_worker(fn: Callable, args: tuple, name: str, limits: Limits) -> tuple:
    """Run one task on a cluster worker, in that worker's warm one-process Pool (the per-file limits hold).
    Returns ``(value, error, reason, cpu_seconds)``: an Outcome without its Task (which stays with the caller)."""
    global _WORKER_POOL
    if _WORKER_POOL is None or _WORKER_POOL.limits != limits:
        if _WORKER_POOL is not None:
            _WORKER_POOL.close()
        _WORKER_POOL = Pool(1, limits)
    out = next(_WORKER_POOL.run([Task(None, name, fn, args)]))
    return out.value, out.error, out.reason, out.cpu_seconds


def _client(scheduler: Any):
    try:
        from distributed import Client
    except ImportError as exc:
        raise ReportError(MSG_NO_DISTRIBUTED, details=str(exc)) from exc
    if not isinstance(scheduler, str):
        return scheduler, False  # a Client, or a cluster object (LocalCluster): Client(cluster) below
    try:
        return Client(scheduler, timeout=30), True
    except (OSError, TimeoutError) as exc:
        raise ReportError(MSG_NO_SCHEDULER.format(address=scheduler, reason=type(exc).__name__),
                          details=repr(exc)) from exc


class DaskPool:
    """A pool of a Dask cluster's workers with the interface of :class:`parsing.workers.Pool`.

    ``scheduler`` is an address (``"tcp://10.0.0.5:8786"``), a ``distributed.Client`` or a cluster object
    (``LocalCluster``). A client made here is closed by :meth:`close`; one given is left open.
    """

    def __init__(self, scheduler: Any, limits: Optional[Limits] = None, in_flight: Optional[int] = None):
        client, own = _client(scheduler)
        if not hasattr(client, "submit"):  # a cluster object
            from distributed import Client

            client, own = Client(client), True
        self.client, self._own = client, own
        self.limits = limits or Limits()
        self._in_flight = in_flight

    def __enter__(self) -> "DaskPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def size(self) -> int:
        """The cluster's worker threads now (at least 1)."""
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a scheduler that went away
            return 1

    def close(self) -> None:
        if self._own:
            self.client.close()

    def run(self, tasks: Iterable[Task], on_start: Optional[Callable[[Task], None]] = None,
            on_page: Optional[Callable[[Task, int, int], None]] = None) -> Iterator[Outcome]:
        """Run every task on the cluster, yielding an :class:`Outcome` per task as it finishes. ``on_page`` is
        not called (pages read on another machine are not reported back); ``on_start`` when a task is
        submitted."""
        from distributed import as_completed

        limit = self._in_flight or 2 * self.size
        it = iter(tasks)
        pending: dict = {}
        finished = as_completed()

        def submit_more(out: list) -> None:
            while len(pending) < limit:
                task = next(it, None)
                if task is None:
                    return
                if task.error is not None:
                    out.append(Outcome(task, error=task.error, reason=REFUSED))
                    continue
                if on_start:
                    on_start(task)
                fut = self.client.submit(_on_cluster_worker, task.fn, task.args, task.name, self.limits, pure=False)
                pending[fut] = (task, time.monotonic())
                finished.add(fut)

        done: list[Outcome] = []
        submit_more(done)
        yield from done
        while pending:
            fut = next(finished)
            task, _ = pending.pop(fut)
            try:
                value, error, reason, cpu = fut.result()
                out = Outcome(task, value=value, error=error, reason=reason, cpu_seconds=cpu)
            except Exception as exc:  # noqa: BLE001 - a lost worker (KilledWorker), a scheduler gone
                out = Outcome(task, error=MSG_LOST.format(name=task.name, reason=type(exc).__name__),
                              reason=RAISED)
            fut.release()
            done = []
            submit_more(done)  # the cluster gets its next file before the caller stores this one
            yield out
            yield from done


def local_cluster(n_workers: int = 1, threads_per_worker: int = 1):
    """A LocalCluster on 127.0.0.1 whose workers may start the parser processes (no dashboard): for tests and
    for trying the cluster path on one machine. Close it when done."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.daemon": False}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                            host="127.0.0.1", dashboard_address=None)
