"""Limits a reviewer can see: file size, pages, batch size, and time per file.

Every upload is untrusted input. These limits keep one bad file (a 300 MB scan, a PDF that makes
the table finder spin) from stalling a batch or the dashboard:

* :func:`check_size` refuses a file larger than :data:`MAX_FILE_MB` before it is read;
* :func:`check_batch` refuses a batch of more than :data:`MAX_BATCH_FILES` files;
* :func:`parse_with_timeout` (one file) and :func:`parse_many_with_timeout` (a batch, in warm
  long-lived workers) parse in separate worker processes and stop a worker after
  :data:`PER_FILE_SECONDS` seconds (and lets it grow by at most :data:`WORKER_MEMORY_MB` where the
  platform allows), returning a :class:`~parsing.report.ParsedReport` whose ``error`` says why.

Every refusal is a Chinese message that names the limit. :data:`MAX_PAGES` is the page limit the
PDF reader applies. This module never imports streamlit or plotly.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections import deque
from multiprocessing import connection as mp_connection
from typing import Callable, Iterable, Iterator, Optional

from .model import ReportError
from .report import ParsedReport

MAX_FILE_MB = 50  # an annual report is 0.1-10 MB; scans of 40 pages stay below 50 MB
MAX_PAGES = 500  # an annual report has 5-40 pages (parsing.readers.pdf refuses more)
MAX_BATCH_FILES = 500  # files per upload or import run
PER_FILE_SECONDS = 60  # a text PDF parses in well under a second; 60 s means something is wrong
WORKER_MEMORY_MB = 2048  # resident memory the worker may add while parsing (Linux); 0: no cap

MSG_TOO_LARGE = ("文件“{name}”大小为 {size:.1f} MB，超过单个文件上限 {limit} MB，未读取。"
                 "请确认上传的是年度报告本身（扫描件可压缩或拆分后再上传）。")
MSG_BATCH_TOO_LARGE = "本次共选择了 {n} 个文件，超过单次上限 {limit} 个。请分批上传，每批不超过 {limit} 个文件。"
MSG_TIMEOUT = ("处理超时（超过{seconds}秒）：文件“{name}”未能在时限内读取完毕，已停止处理。"
               "文件可能结构异常或过于复杂，请检查文件，或另存为 PDF/DOCX 后重试。")
MSG_MEMORY = ("文件“{name}”处理所需内存超过上限（{limit} MB），已停止处理。"
              "文件可能结构异常（例如压缩炸弹或超大页面），请检查文件。")
MSG_WORKER_DIED = ("文件“{name}”处理过程中解析程序意外退出（退出码 {code}），未能读取。"
                   "文件可能已损坏，请检查文件或另存为 PDF/DOCX 后重试。")


def file_mb(data: bytes) -> float:
    return len(data) / (1024 * 1024)


def check_size(data: bytes, name: str, max_mb: Optional[float] = None) -> None:
    """Raise :class:`ReportError` when ``data`` is larger than ``max_mb`` (default :data:`MAX_FILE_MB`)."""
    limit = MAX_FILE_MB if max_mb is None else max_mb
    size = file_mb(data)
    if size > limit:
        raise ReportError(MSG_TOO_LARGE.format(name=name, size=size, limit=_fmt_limit(limit)),
                          details=f"{len(data)} bytes > {limit} MB")


def check_batch(count: int, max_files: Optional[int] = None) -> None:
    """Raise :class:`ReportError` when a batch holds more than ``max_files`` (default :data:`MAX_BATCH_FILES`)."""
    limit = MAX_BATCH_FILES if max_files is None else max_files
    if count > limit:
        raise ReportError(MSG_BATCH_TOO_LARGE.format(n=count, limit=limit), details=f"{count} > {limit} files")


def _fmt_limit(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ---------------------------------------------------------------------------
# Parsing in a worker process with a time limit
# ---------------------------------------------------------------------------

_PRELOAD = ["parsing", "parsing.extract", "parsing.readers.pdf", "parsing.readers.docx",
            "parsing.readers.html", "parsing.readers.text"]
_CONTEXT = None


def _context():
    """forkserver where available (fast starts with the parser preloaded, safe in threaded hosts
    such as Streamlit), spawn elsewhere. Both need a picklable, module-level target."""
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


def _rss_mb(pid: int) -> Optional[float]:
    """Resident memory of process ``pid`` in MB (Linux /proc), None when unknown."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return None


def _page_sender(conn):
    """In a worker: tell the parent about each page read by OCR (the parent's clock restarts on it)."""
    return lambda done, total: conn.send((PAGE_MESSAGE, done, total))


def _worker(conn, data: bytes, name: str) -> None:
    """Runs in the child: parse and send back the ParsedReport (after any OCR page messages)."""
    try:
        from . import parse_bytes

        conn.send(parse_bytes(data, name, _page_sender(conn)))
    finally:
        conn.close()


def _is_page_message(msg) -> bool:
    return isinstance(msg, tuple) and len(msg) == 3 and msg[0] == PAGE_MESSAGE


def _error_report(name: str, data: bytes, message: str, kind: str = "data") -> ParsedReport:
    return ParsedReport(file=name, sha256=hashlib.sha256(data).hexdigest(), error=message, error_kind=kind)


WATCH_INTERVAL = 0.05  # seconds between checks of the worker's memory
PAGE_MESSAGE = "ocr-page"  # a worker's (PAGE_MESSAGE, done, total) while it reads a scan page by page


def parse_with_timeout(data: bytes, name: str, seconds: Optional[float] = None,
                       memory_mb: Optional[int] = None, max_mb: Optional[float] = None,
                       progress: Optional[Callable[[int, int], None]] = None) -> ParsedReport:
    """Parse one file in a worker process, stopping it after ``seconds``.

    Scanned pages take seconds each, so the clock restarts whenever the worker finishes a page by
    OCR: the limit holds for the text part and for each scanned page, and a long scan is not cut
    off for being long. ``progress(done, total)`` is called per OCR'd page.

    ``seconds`` defaults to :data:`PER_FILE_SECONDS`; ``memory_mb`` (default
    :data:`WORKER_MEMORY_MB`, 0 for no cap) is how much resident memory the worker may add while
    parsing (watched every :data:`WATCH_INTERVAL` s where ``/proc`` exists; a resident-size watch
    rather than an address-space limit, because allocators such as pyarrow's reserve far more
    address space than they use); ``max_mb`` defaults to :data:`MAX_FILE_MB` and is checked first,
    in the caller, so an oversized file is never copied to a worker.

    Returns the worker's :class:`ParsedReport`, or one whose ``error`` says the file took too
    long (``"处理超时（超过N秒）…"``), needed too much memory, or was too large (all
    ``error_kind == "data"``); a worker that dies otherwise gives ``error_kind == "internal"``.
    Never raises for bad input. The worker is killed on timeout, so nothing keeps running.
    """
    seconds = PER_FILE_SECONDS if seconds is None else seconds
    memory_mb = WORKER_MEMORY_MB if memory_mb is None else memory_mb
    try:
        check_size(data, name, max_mb)
    except ReportError as exc:
        return _error_report(name, data, exc.message)
    ctx = _context()
    recv_end, send_end = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(send_end, data, name), daemon=True)
    proc.start()
    send_end.close()  # the child holds the only writer: EOF when it exits
    deadline = time.monotonic() + seconds
    base = _rss_mb(proc.pid) if memory_mb else None
    result, outcome = None, "died"
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                outcome = "timeout"
                break
            if recv_end.poll(min(WATCH_INTERVAL, left)):
                try:
                    msg = recv_end.recv()
                except (EOFError, OSError):  # the worker died before it could answer
                    outcome = "died"
                    break
                if _is_page_message(msg):
                    deadline = time.monotonic() + seconds
                    if progress:
                        progress(msg[1], msg[2])
                    continue
                result, outcome = msg, "done"
                break
            if base is not None:
                rss = _rss_mb(proc.pid)
                if rss is not None and rss - base > memory_mb:
                    outcome = "memory"
                    break
    finally:
        recv_end.close()
        if outcome != "done" and proc.is_alive():
            proc.kill()
        proc.join(5)
        if proc.is_alive():  # pragma: no cover - kill() does not fail on Linux
            proc.kill()
            proc.join()
    if outcome == "done" and isinstance(result, ParsedReport):
        if result.error_kind == "internal" and "MemoryError" in (result.error or ""):
            return _error_report(name, data, MSG_MEMORY.format(name=name, limit=memory_mb))
        return result
    if outcome == "timeout":
        return _error_report(name, data, MSG_TIMEOUT.format(seconds=_fmt_limit(seconds), name=name))
    if outcome == "memory" or proc.exitcode == -9:  # our watch, or the kernel's OOM killer
        return _error_report(name, data, MSG_MEMORY.format(name=name, limit=memory_mb))
    return _error_report(name, data, MSG_WORKER_DIED.format(name=name, code=proc.exitcode), kind="internal")


def _serve(conn) -> None:
    """A long-lived worker: parse each (data, name) it receives until it gets None or EOF."""
    from . import parse_bytes

    try:
        while True:
            try:
                msg = conn.recv()
            except EOFError:
                break
            if msg is None:
                break
            data, name = msg
            conn.send(parse_bytes(data, name, _page_sender(conn)))
    finally:
        conn.close()


def parse_many_with_timeout(items: Iterable[tuple[bytes, str]], seconds: Optional[float] = None,
                            workers: Optional[int] = None, memory_mb: Optional[int] = None,
                            max_mb: Optional[float] = None,
                            progress: Optional[Callable[[int, int, int], None]] = None,
                            ) -> Iterator[tuple[int, ParsedReport]]:
    """Parse a batch of ``(data, name)`` in ``workers`` long-lived worker processes, each file
    with the limits of :func:`parse_with_timeout` (the clock restarts on each OCR'd page;
    ``progress(index, done, total)`` is called per page).

    Yields ``(index, report)`` in the order files finish. A worker that runs out of time or
    memory is killed and replaced, and only its file gets the timeout (or memory) message; the
    others go on. Workers stay warm between files, so a batch pays the process start once per
    worker, not once per file. ``workers`` defaults to the usable cores.
    """
    items = list(items)
    seconds = PER_FILE_SECONDS if seconds is None else seconds
    memory_mb = WORKER_MEMORY_MB if memory_mb is None else memory_mb
    pending = deque()
    for i, (data, name) in enumerate(items):
        try:
            check_size(data, name, max_mb)
        except ReportError as exc:
            yield i, _error_report(name, data, exc.message)
            continue
        pending.append(i)
    if not pending:
        return
    ctx = _context()
    n_workers = max(1, min(workers or cpu_count(), len(pending)))

    def start() -> dict:
        here, there = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_serve, args=(there,), daemon=True)
        proc.start()
        there.close()
        return {"proc": proc, "conn": here, "task": None, "since": 0.0, "base": _rss_mb(proc.pid)}

    def stop(slot: dict) -> None:
        slot["conn"].close()
        if slot["proc"].is_alive():
            slot["proc"].kill()
        slot["proc"].join(5)

    slots = [start() for _ in range(n_workers)]
    try:
        while pending or any(s["task"] is not None for s in slots):
            for s in slots:
                if s["task"] is None and pending:
                    s["task"], s["since"] = pending.popleft(), time.monotonic()
                    s["conn"].send(items[s["task"]])
            busy = [s for s in slots if s["task"] is not None]
            ready = mp_connection.wait([s["conn"] for s in busy], timeout=WATCH_INTERVAL)
            now = time.monotonic()
            for k, s in enumerate(slots):
                i = s["task"]
                if i is None:
                    continue
                data, name = items[i]
                problem = None
                if s["conn"] in ready:
                    try:
                        report = s["conn"].recv()
                    except (EOFError, OSError):
                        problem = _error_report(name, data, MSG_WORKER_DIED.format(
                            name=name, code=s["proc"].exitcode), kind="internal")
                    else:
                        if _is_page_message(report):
                            s["since"] = time.monotonic()
                            if progress:
                                progress(i, report[1], report[2])
                            continue
                        s["task"] = None
                        if report.error_kind == "internal" and "MemoryError" in (report.error or ""):
                            report = _error_report(name, data, MSG_MEMORY.format(name=name, limit=memory_mb))
                        yield i, report
                        continue
                elif now - s["since"] > seconds:
                    problem = _error_report(name, data, MSG_TIMEOUT.format(seconds=_fmt_limit(seconds), name=name))
                elif memory_mb and s["base"] is not None:
                    rss = _rss_mb(s["proc"].pid)
                    if rss is not None and rss - s["base"] > memory_mb:
                        problem = _error_report(name, data, MSG_MEMORY.format(name=name, limit=memory_mb))
                if problem is not None:
                    stop(s)
                    slots[k] = start()
                    yield i, problem
    finally:
        for s in slots:
            try:
                s["conn"].send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 2
        for s in slots:
            s["proc"].join(max(0.0, deadline - time.monotonic()))
            stop(s)


def cpu_count() -> int:
    """Cores this process may use (for batch pools)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
