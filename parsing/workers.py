"""The one pool of warm worker processes in which untrusted files are parsed.

Every caller that parses files it did not write itself - the command line (``python -m parsing FILES``),
``import``, ``reparse`` and the dashboard - hands them to a :class:`Pool` (through :mod:`parsing.pipeline`):

* **warm, long-lived workers**: each worker process starts once (forkserver, with the parser preloaded) and then
  takes one task after another, so a batch pays the process start once per worker, not once per file;
* **fed continuously**: a worker gets the next task the moment it hands back the last one; tasks are pulled
  lazily from the caller's iterator, so only about one file per worker is in memory and no chunk of files waits
  for its slowest member;
* **per-file limits in CPU time** (:class:`Limits`): the parent watches each busy worker's CPU time (user +
  system, all threads, from the kernel's accounting: ``/proc``, or psutil where it is missing) and stops a worker
  that spends more than ``cpu_seconds`` on one task. CPU time does not grow while a worker waits for a core, so a
  machine busy with other work slows a good file down but does not fail it; a pathological file (a table finder
  that spins) still stops. The clock restarts whenever the task reports a page (``on_page``): the limit holds for each OCR'd page,
  and a long scan is not cut off for being long. Resident memory may grow by at most ``memory_mb``. A worker
  whose CPU time does not grow and that reports nothing for ``wall_seconds`` (a hang, not slowness) is stopped
  too;
* **a dead or over-limit worker is replaced**: only its task gets the message, the others go on;
* **fork where it is provably safe** (``Pool(fork=True)``, the command line's ``import`` only): a worker forked
  from the parent skips the forkserver's own import of the parser (about 1.5 s of CPU per pool). Each fork is
  decided when the worker starts (:func:`fork_safe`): only while this process runs a single thread and holds
  no open SQLite database, so a worker never inherits a lock, a connection or a half-held mutex; otherwise (the
  dashboard's threads, a replacement worker once the store is open) the worker comes from the forkserver;
* **progress**: ``on_start(task)`` when a task is handed to a worker, ``on_page(task, done, total)`` for each page
  a task reports from inside its worker (OCR pages, seconds each), and every :class:`Outcome` as it finishes.

A task is any picklable module-level function ``fn(*args, on_page)``; its return value comes back as
``Outcome.value``. An exception inside the task becomes ``Outcome.error`` (the batch goes on).

This module never imports streamlit or plotly.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing import connection as mp_connection
from typing import Any, Callable, Iterable, Iterator, Optional

import psutil

from . import limits as _limits

WATCH_INTERVAL = 0.05  # seconds between looks at the busy workers' CPU time and memory
WALL_FLOOR_SECONDS = 600  # a worker silent this long (and at least WALL_FACTOR x the CPU limit) is hung
WALL_FACTOR = 10
PAGE_MESSAGE = "page"
READY_MESSAGE = "ready"
STARTED_MESSAGE = "started"
START_SECONDS = 120  # how long a new worker may take to start (wall clock; it imports nothing new)

# Why a task has no value (Outcome.reason)
TIMEOUT, MEMORY, DIED, RAISED, HUNG, REFUSED = "timeout", "memory", "died", "raised", "hung", "refused"

# What the forkserver imports once for every worker. Also the libraries the parser imports on first use (python-docx
# and lxml for the first DOCX, pyarrow's pandas bridge for the first frame pickled): otherwise each new worker pays
# for them on its first file of that kind. A module missing here is skipped by the forkserver.
_PRELOAD = ["parsing", "parsing.extract", "parsing.readers.pdf", "parsing.readers.docx",
            "parsing.readers.html", "parsing.readers.text", "parsing.rules", "parsing.pipeline",
            "docx", "lxml.etree", "pyarrow.pandas_compat", "pandas.core.methods.to_dict"]
_CONTEXT = None


@dataclass(frozen=True)
class Limits:
    """What one task may use in its worker.

    ``cpu_seconds`` (default :data:`parsing.limits.PER_FILE_SECONDS`): CPU time per task, restarted on each page
    the task reports. ``memory_mb`` (default :data:`parsing.limits.WORKER_MEMORY_MB`, 0 for no cap): resident
    memory the worker may add over its size after start-up (a resident-size watch rather than an address-space
    limit, because allocators such as pyarrow's reserve far more address space than they use). ``wall_seconds``
    (default: the larger of :data:`WALL_FLOOR_SECONDS` and :data:`WALL_FACTOR` x ``cpu_seconds``): wall-clock
    time without a page, a result or any growth of its CPU time after which a worker counts as hung, only a
    backstop for a worker that waits forever; slowness alone is measured in CPU time.
    """

    cpu_seconds: float = _limits.PER_FILE_SECONDS
    memory_mb: float = _limits.WORKER_MEMORY_MB
    wall_seconds: Optional[float] = None

    @property
    def hung_after(self) -> float:
        if self.wall_seconds is not None:
            return self.wall_seconds
        return max(WALL_FLOOR_SECONDS, WALL_FACTOR * self.cpu_seconds)


@dataclass
class Task:
    """One unit of work: ``fn(*args, on_page)`` in a worker. ``key`` is the caller's (never sent to the worker);
    ``name`` names the file in messages. A task with ``error`` set is not run: it comes back at once with that
    error (reason :data:`REFUSED`), so callers can pass files refused before parsing through the same stream."""

    key: Any
    name: str
    fn: Optional[Callable] = None
    args: tuple = ()
    error: Optional[str] = None


@dataclass
class Outcome:
    """What became of a task: ``value`` (the task's return value) or ``error`` (a Chinese message) with
    ``reason`` one of :data:`TIMEOUT`, :data:`MEMORY`, :data:`DIED`, :data:`RAISED`, :data:`HUNG`,
    :data:`REFUSED`. ``cpu_seconds`` is the worker CPU time the task used (None when it never ran)."""

    task: Task
    value: Any = None
    error: Optional[str] = None
    reason: Optional[str] = None
    cpu_seconds: Optional[float] = None

    @property
    def ok(self) -> bool:
        return self.error is None


def cpu_count() -> int:
    """Cores this process may use (the default number of workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def context():
    """forkserver where available (fast starts with the parser preloaded, safe in threaded hosts such as
    Streamlit, workers inherit no open SQLite connection), spawn elsewhere. Both need picklable,
    module-level task functions."""
    global _CONTEXT
    if _CONTEXT is None:
        methods = multiprocessing.get_all_start_methods()
        if "forkserver" in methods:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
        else:
            ctx = multiprocessing.get_context("spawn")
        _CONTEXT = ctx
    return _CONTEXT


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _threads() -> int:
    """Threads of this process as the kernel counts them (also those a C library started), or -1 if unknown."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return -1


def _open_sqlite() -> list[str]:
    """The SQLite databases (and their -wal / -journal / -shm files) this process holds open, from
    ``/proc/self/fd``; ``["?"]`` when the descriptors cannot be listed (then nothing counts as safe)."""
    import stat

    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return ["?"]
    found = []
    for name in fds:
        try:
            fd = int(name)
            target = os.readlink(f"/proc/self/fd/{name}")
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
        except (OSError, ValueError):
            continue  # closed meanwhile (the listing's own descriptor)
        if target.endswith(("-wal", "-shm", "-journal")):
            found.append(target)
            continue
        try:
            head = os.pread(fd, len(_SQLITE_MAGIC), 0)
        except OSError:
            continue
        if head == _SQLITE_MAGIC:
            found.append(target)
    return found


def fork_safe() -> bool:
    """Whether a worker may be forked from this process right now: the ``fork`` start method exists, this process
    runs exactly one thread (counted by the kernel, so threads of C libraries count too: a forked child would
    inherit any lock another thread holds) and holds no SQLite database open (a child would inherit the
    connection's file and its POSIX locks). Checked at every start of a worker, never assumed."""
    return ("fork" in multiprocessing.get_all_start_methods() and _threads() == 1 and not _open_sqlite())


_PRELOADED = False


def _preload_here() -> None:
    """Import :data:`_PRELOAD` in this process (once), so that forked workers inherit the parser imported."""
    global _PRELOADED
    if not _PRELOADED:
        import importlib

        for name in _PRELOAD:
            try:
                importlib.import_module(name)
            except ImportError:
                pass
        _PRELOADED = True


def prestart() -> None:
    """Start the forkserver now, so that its import of the parser (about 1.5 s of CPU) runs while the caller does
    other work (listing and hashing a folder, opening the store) instead of delaying the first worker. Returns at
    once; the workers started later wait only for what is left of it. Nothing to do with spawn, or when it runs."""
    ctx = context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _serve(conn) -> None:
    """A worker: run each ``(fn, args)`` it receives until it gets None or its pipe closes."""

    def on_page(done: int, total: int) -> None:
        conn.send((PAGE_MESSAGE, int(done), int(total)))

    # Everything imported so far (the preloaded parser, pandas, pdfplumber: some hundred thousand objects) lives
    # as long as the worker: moved out of the collector's generations, the full collections during a parse no
    # longer walk it. Once more after the first task (what the parser builds on first use: label converters,
    # caches, lazily imported modules), after collecting that task's garbage. Only what lives then is frozen, so
    # garbage that later tasks leave behind is still collected and memory does not grow from it.
    gc.freeze()
    first = True
    try:
        conn.send((READY_MESSAGE,))  # started up: the parent takes its CPU time and memory from here
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if msg is None:
                break
            fn, args = msg
            conn.send((STARTED_MESSAGE,))  # the task is unpacked (its modules imported): its clock starts now
            try:
                out = ("ok", fn(*args, on_page))
            except MemoryError:
                out = (MEMORY, None)
            except BaseException as exc:  # noqa: BLE001 - reported for this task, the worker goes on
                out = (RAISED, f"{type(exc).__name__}: {exc}")
            try:
                conn.send(out)
            except Exception as exc:  # noqa: BLE001 - e.g. a value that cannot be pickled
                conn.send((RAISED, f"结果无法传回（{type(exc).__name__}: {exc}）"))
            if first:  # before the next task is received: not on its clock
                first = False
                del out, fn, args, msg
                gc.collect()
                gc.freeze()
    finally:
        conn.close()


class _ProcStat:
    """A worker's CPU time and resident memory read from its ``/proc/PID/stat`` and ``/proc/PID/statm``, kept open:
    the very numbers psutil's ``cpu_times()`` (user + system) and ``memory_info().rss`` give, from the same
    files, without opening, reading and parsing them through psutil at each look (the pool looks about three times
    per task and every half :data:`WATCH_INTERVAL` while a worker is busy). The files stay the process's own: once
    it has died and been reaped, a read fails (None) instead of reading another process that took its pid.
    :meth:`open` gives None where ``/proc`` is not there (the worker then asks psutil)."""

    _TICKS = None
    _PAGE = None

    def __init__(self, stat_fd: int, statm_fd: int):
        self.stat_fd, self.statm_fd = stat_fd, statm_fd

    @classmethod
    def open(cls, pid: int) -> "Optional[_ProcStat]":
        try:
            if cls._TICKS is None:
                cls._TICKS, cls._PAGE = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
            stat = os.open(f"/proc/{pid}/stat", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except (AttributeError, ValueError, OSError):
            return None
        try:
            statm = os.open(f"/proc/{pid}/statm", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            os.close(stat)
            return None
        got = cls(stat, statm)
        if got.cpu() is None or got.rss_mb() is None:
            got.close()
            return None
        return got

    def cpu(self) -> Optional[float]:
        """utime + stime (fields 14 and 15 of ``stat``, after the command name in parentheses) in seconds."""
        try:
            data = os.pread(self.stat_fd, 4096, 0)
            fields = data[data.rindex(b")") + 2:].split()
            return int(fields[11]) / self._TICKS + int(fields[12]) / self._TICKS
        except (OSError, ValueError, IndexError):
            return None

    def rss_mb(self) -> Optional[float]:
        """Resident pages (the second field of ``statm``) in MB."""
        try:
            return int(os.pread(self.statm_fd, 256, 0).split()[1]) * self._PAGE / (1024 * 1024)
        except (OSError, ValueError, IndexError):
            return None

    def close(self) -> None:
        for fd in (self.stat_fd, self.statm_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.stat_fd = self.statm_fd = -1


class _Worker:
    """One worker process and its pipe, with the task it is busy with."""

    def __init__(self, ctx):
        self.conn, there = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_serve, args=(there,), daemon=True)
        self.proc.start()
        there.close()
        self.ps = psutil.Process(self.proc.pid)
        self._stat = _ProcStat.open(self.proc.pid)
        try:
            ready = self.conn.poll(START_SECONDS) and self.conn.recv() == (READY_MESSAGE,)
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise RuntimeError(f"worker process {self.proc.pid} did not start")
        self.base_rss = self._rss()  # after start-up, so the limits count only what a task adds
        self.task: Optional[Task] = None
        self.task_cpu = 0.0  # worker CPU time when the task started
        self.mark_cpu = 0.0  # ... when the task started or last reported a page
        self.mark_wall = 0.0  # wall time of the start, the last page, or the last time the CPU time grew
        self.seen_cpu = 0.0
        self.next_watch = 0.0  # monotonic time from which the limits are due to be looked at again

    def cpu(self) -> Optional[float]:
        if self._stat is not None:
            return self._stat.cpu()
        try:
            t = self.ps.cpu_times()
        except (psutil.Error, OSError):
            return None
        return t.user + t.system

    def _rss(self) -> Optional[float]:
        if self._stat is not None:
            return self._stat.rss_mb()
        try:
            return self.ps.memory_info().rss / (1024 * 1024)
        except (psutil.Error, OSError):
            return None

    def grown_mb(self) -> Optional[float]:
        rss = self._rss()
        return None if rss is None or self.base_rss is None else rss - self.base_rss

    def start(self, task: Task) -> None:
        self.task = task
        self.task_cpu = self.mark_cpu = self.seen_cpu = self.cpu() or 0.0
        self.mark_wall = time.monotonic()
        self.conn.send((task.fn, task.args))

    def mark(self) -> None:
        self.mark_cpu = self.cpu() or self.mark_cpu
        self.mark_wall = time.monotonic()

    def used(self) -> Optional[float]:
        now = self.cpu()
        return None if now is None else max(0.0, now - self.task_cpu)

    def stop(self) -> None:
        if self._stat is not None:
            self._stat.close()
        try:
            self.conn.close()
        except OSError:
            pass
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)


class Pool:
    """A pool of ``workers`` warm worker processes (default: the usable cores) with per-task :class:`Limits`.

    Use it as a context manager (or call :meth:`close`); :meth:`run` may be called many times, the workers stay
    warm in between. Workers start when the first task needs them, at most ``workers``. One thread at a time may
    call :meth:`run`.
    """

    def __init__(self, workers: Optional[int] = None, limits: Optional[Limits] = None, *, fork: bool = False):
        self.size = max(1, int(workers or cpu_count()))
        self.limits = limits or Limits()
        self.fork = fork
        self._ctx = context()
        self._workers: list[_Worker] = []
        self.started = 0  # worker processes started over the pool's life (replacements included)
        self.forked = 0  # ... of them forked from this process (``fork=True`` while :func:`fork_safe`)

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker (a polite stop, then a kill)."""
        for w in self._workers:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 2
        for w in self._workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            w.stop()
        self._workers = []

    def start(self, workers: Optional[int] = None) -> "Pool":
        """Start ``workers`` (default: all) of the pool's workers now instead of at the first task: with
        ``fork=True``, call it before opening the store or starting threads, so they can be forked."""
        want = self.size if workers is None else max(0, min(int(workers), self.size))
        while len(self._workers) < want:
            self._spawn()
        return self

    def _spawn(self) -> _Worker:
        ctx = self._ctx
        if self.fork:
            _preload_here()  # before the check: an import that started a thread makes the fork unsafe
            if fork_safe():
                ctx = multiprocessing.get_context("fork")
        w = _Worker(ctx)
        self.started += 1
        self.forked += ctx.get_start_method() == "fork"
        self._workers.append(w)
        return w

    def _retire(self, w: _Worker) -> None:
        w.stop()
        self._workers.remove(w)

    def run(self, tasks: Iterable[Task], on_start: Optional[Callable[[Task], None]] = None,
            on_page: Optional[Callable[[Task, int, int], None]] = None,
            stop: Optional[threading.Event] = None) -> Iterator[Outcome]:
        """Run every task, yielding an :class:`Outcome` for each as it finishes (not in input order).

        ``tasks`` is consumed lazily: the next task is taken only when a worker is free for it. Free workers get
        their next task before finished outcomes are handed to the caller, so whatever the caller does with an
        outcome (checking, storing) overlaps with the workers' parsing instead of leaving them idle (and
        :func:`run_ahead` serves them while the caller works, too). ``stop`` set: the run ends at its next look
        at the workers. A run ended early (``stop``, or the caller closing the iterator) stops the workers that
        are still busy with its tasks, so the next run does not receive their results.
        """
        try:
            yield from self._run(tasks, on_start, on_page, stop)
        finally:
            for w in [w for w in self._workers if w.task is not None]:
                w.task = None
                self._retire(w)

    def _run(self, tasks, on_start, on_page, stop) -> Iterator[Outcome]:
        it = iter(tasks)
        exhausted = False

        def fill(out: list) -> None:
            nonlocal exhausted
            while not exhausted:
                idle = next((w for w in self._workers if w.task is None), None)
                if idle is None and len(self._workers) >= self.size:
                    return
                task = next(it, None)
                if task is None:
                    exhausted = True
                    return
                if task.error is not None:
                    out.append(Outcome(task, error=task.error, reason=REFUSED))
                    continue
                w = idle or self._spawn()
                if on_start:
                    on_start(task)
                try:
                    w.start(task)
                except (OSError, ValueError):  # the worker died while idle: replace it, run the task there
                    self._retire(w)
                    self._spawn().start(task)

        while True:
            if stop is not None and stop.is_set():
                return
            done: list[Outcome] = []
            fill(done)
            busy = [w for w in self._workers if w.task is not None]
            if not busy and exhausted and not done:
                return
            if busy:
                ready = set(mp_connection.wait([w.conn for w in busy], timeout=0 if done else WATCH_INTERVAL))
                for w in busy:
                    out = self._look_at(w, w.conn in ready, on_page)
                    if out is not None:
                        done.append(out)
                fill(done)  # freed workers start on their next file before the caller sees these outcomes
            yield from done

    def _look_at(self, w: _Worker, ready: bool, on_page) -> Optional[Outcome]:
        """Take what a busy worker sent (a page, its result, or its death), or check it against the limits: at
        most every half :data:`WATCH_INTERVAL` (each look reads its CPU time and memory from the kernel; the
        messages of the other workers wake this loop far more often than that)."""
        task, lim = w.task, self.limits
        if ready:
            try:
                msg = w.conn.recv()
            except (EOFError, OSError):
                w.proc.join(1)
                return self._fail(w, _died_reason(w.proc.exitcode), w.proc.exitcode)
            if msg == (STARTED_MESSAGE,):
                w.task_cpu = w.mark_cpu = w.seen_cpu = w.cpu() or w.mark_cpu
                w.mark_wall = time.monotonic()
                return None
            if isinstance(msg, tuple) and len(msg) == 3 and msg[0] == PAGE_MESSAGE:
                w.mark()
                if on_page:
                    on_page(task, msg[1], msg[2])
                return None
            kind, value = msg
            used = w.used()
            w.task = None
            if kind == "ok":
                return Outcome(task, value=value, cpu_seconds=used)
            if kind == MEMORY:
                self._retire(w)  # a MemoryError may leave the worker in a bad state
                return Outcome(task, error=_message(MEMORY, task.name, lim), reason=MEMORY, cpu_seconds=used)
            return Outcome(task, error=_limits.MSG_TASK_RAISED.format(name=task.name, detail=value), reason=RAISED,
                           cpu_seconds=used)
        now = time.monotonic()
        if now < w.next_watch:
            return None  # looked at less than half a watch interval ago (woken by another worker's message)
        w.next_watch = now + WATCH_INTERVAL / 2
        now_cpu = w.cpu()
        if now_cpu is not None and now_cpu > w.seen_cpu:  # working, however slowly: not hung
            w.seen_cpu, w.mark_wall = now_cpu, time.monotonic()
        problem = None
        if now_cpu is not None and now_cpu - w.mark_cpu > lim.cpu_seconds:
            problem = TIMEOUT
        elif time.monotonic() - w.mark_wall > lim.hung_after:
            problem = HUNG
        elif lim.memory_mb:
            grown = w.grown_mb()
            if grown is not None and grown > lim.memory_mb:
                problem = MEMORY
        if problem is None or w.conn.poll(0):
            return None  # within the limits, or a page or the result arrived meanwhile: take it first
        return self._fail(w, problem)

    def _fail(self, w: _Worker, reason: str, code: Optional[int] = None) -> Outcome:
        task = w.task
        used = w.used()
        w.task = None
        self._retire(w)  # the next task that needs a worker starts a fresh one
        return Outcome(task, error=_message(reason, task.name, self.limits, code), reason=reason, cpu_seconds=used)


def run_ahead(pool: Pool, tasks: Iterable[Task], on_start: Optional[Callable[[Task], None]] = None,
              on_page: Optional[Callable[[Task, int, int], None]] = None, ahead: Optional[int] = None
              ) -> Iterator[Outcome]:
    """:meth:`Pool.run` served from a thread of its own, so that the workers get their next task while the caller
    is busy with an outcome (checking it, storing it), not only when the caller asks for the next one.

    The same outcomes as ``pool.run(tasks, on_start, on_page)``; ``on_start`` and ``on_page`` are called in the
    caller's thread (the dashboard's progress must be drawn from the script's thread), and so is everything
    the caller does with an outcome. ``tasks`` is read in the serving thread. At most ``ahead`` (default: four
    per worker) finished outcomes wait for the caller; beyond that the serving thread waits. An exception in
    the serving thread (from ``tasks``) is raised here; the caller closing the iterator ends the run (the workers
    still busy with it are stopped) before this returns.
    """
    events: queue.Queue = queue.Queue()
    slots = threading.Semaphore(ahead or 4 * pool.size)
    stop = threading.Event()
    END = object()

    def serve() -> None:
        try:
            started = (lambda t: events.put(("start", t))) if on_start else None
            paged = (lambda t, d, n: events.put(("page", t, d, n))) if on_page else None
            run = pool.run(tasks, started, paged, stop=stop)
            try:
                for out in run:
                    while not slots.acquire(timeout=WATCH_INTERVAL):
                        if stop.is_set():
                            return
                    events.put(("out", out))
            finally:
                run.close()  # a run ended early stops the workers still busy with it
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            events.put(("raise", exc))
        finally:
            events.put((END,))

    thread = threading.Thread(target=serve, name="pool-feeder", daemon=True)
    thread.start()
    try:
        while True:
            ev = events.get()
            kind = ev[0]
            if kind is END:
                return
            if kind == "out":
                slots.release()
                yield ev[1]
            elif kind == "start":
                on_start(ev[1])
            elif kind == "page":
                on_page(ev[1], ev[2], ev[3])
            elif kind == "raise":
                raise ev[1]
    finally:
        stop.set()
        thread.join()


def _died_reason(code: Optional[int]) -> str:
    # -9: killed by the kernel's out-of-memory killer (we kill only workers we have already written off)
    return MEMORY if code == -9 else DIED


def _message(reason: str, name: str, lim: Limits, code: Optional[int] = None) -> str:
    fmt = _limits.fmt_limit
    if reason == TIMEOUT:
        return _limits.MSG_TIMEOUT.format(seconds=fmt(lim.cpu_seconds), name=name)
    if reason == HUNG:
        return _limits.MSG_HUNG.format(seconds=fmt(lim.hung_after), name=name)
    if reason == MEMORY:
        return _limits.MSG_MEMORY.format(name=name, limit=fmt(lim.memory_mb))
    return _limits.MSG_WORKER_DIED.format(name=name, code=code)


def run_one(fn: Callable, args: tuple, name: str, limits: Optional[Limits] = None,
            on_page: Optional[Callable[[int, int], None]] = None) -> Outcome:
    """Run one task in a pool of one worker (for tools and tests; batches use one :class:`Pool`)."""
    with Pool(1, limits) as pool:
        page = (lambda _t, done, total: on_page(done, total)) if on_page else None
        return next(pool.run([Task(None, name, fn, args)], on_page=page))
