"""Limits a reviewer can see: file size, pages, batch size, and time per file.

Every upload is untrusted input. These limits keep one bad file (a 300 MB scan, a PDF that makes
the table finder spin) from stalling a batch or the dashboard:

* :func:`check_size` refuses a file larger than :data:`MAX_FILE_MB` before it is read;
* :func:`check_batch` refuses a batch of more than :data:`MAX_BATCH_FILES` files;
* :func:`parse_with_timeout` parses in a separate worker process and stops it after
  :data:`PER_FILE_SECONDS` seconds (and lets it grow by at most :data:`WORKER_MEMORY_MB` where the
  platform allows), returning a :class:`~parsing.report.ParsedReport` whose ``error`` says why.

Every refusal is a Chinese message that names the limit. :data:`MAX_PAGES` is the page limit the
PDF reader applies. This module never imports streamlit or plotly.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
from typing import Optional

from .model import ReportError
from .report import ParsedReport

MAX_FILE_MB = 50  # an annual report is 0.1-10 MB; scans of 40 pages stay below 50 MB
MAX_PAGES = 500  # an annual report has 5-40 pages (parsing.readers.pdf refuses more)
MAX_BATCH_FILES = 500  # files per upload or import run
PER_FILE_SECONDS = 60  # a text PDF parses in well under a second; 60 s means something is wrong
WORKER_MEMORY_MB = 2048  # how much the worker may grow while parsing (Linux address space); 0: no cap

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


def _address_space_bytes() -> int:
    """The current virtual memory size of this process (Linux), 0 when unknown."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(memory_mb: int) -> None:
    """Let the worker grow by at most ``memory_mb`` beyond what it has mapped at start (Linux).

    Relative to the start size because imported libraries already map hundreds of MB of
    address space (more on machines with many cores), which says nothing about the file.
    """
    if not memory_mb or not sys.platform.startswith("linux"):
        return
    import resource

    cap = _address_space_bytes() + memory_mb * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _worker(conn, data: bytes, name: str, memory_mb: int) -> None:
    """Runs in the child: parse and send back the ParsedReport (or a memory marker)."""
    try:
        _limit_memory(memory_mb)
        from . import parse_bytes

        report = parse_bytes(data, name)
        if report.error_kind == "internal" and "MemoryError" in (report.error or ""):
            conn.send("memory")
        else:
            conn.send(report)
    except MemoryError:
        try:
            conn.send("memory")
        except Exception:
            pass
    finally:
        conn.close()


def _error_report(name: str, data: bytes, message: str, kind: str = "data") -> ParsedReport:
    return ParsedReport(file=name, sha256=hashlib.sha256(data).hexdigest(), error=message, error_kind=kind)


def parse_with_timeout(data: bytes, name: str, seconds: Optional[float] = None,
                       memory_mb: Optional[int] = None, max_mb: Optional[float] = None) -> ParsedReport:
    """Parse one file in a worker process, stopping it after ``seconds``.

    ``seconds`` defaults to :data:`PER_FILE_SECONDS`, ``memory_mb`` (how much address space the
    worker may add while parsing, Linux only, 0 for no cap) to :data:`WORKER_MEMORY_MB`, ``max_mb`` to :data:`MAX_FILE_MB`
    (checked first, in the caller, so an oversized file is never copied to a worker).

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
    proc = ctx.Process(target=_worker, args=(send_end, data, name, memory_mb), daemon=True)
    proc.start()
    send_end.close()  # the child holds the only writer: EOF when it exits
    result = None
    killed = False
    try:
        if recv_end.poll(seconds):
            try:
                result = recv_end.recv()
            except (EOFError, OSError):  # the worker died before it could answer
                result = None
    finally:
        recv_end.close()
        if result is None and proc.is_alive():
            proc.kill()
            killed = True
        proc.join(5)
        if proc.is_alive():  # pragma: no cover - kill() does not fail on Linux
            proc.kill()
            proc.join()
    if isinstance(result, ParsedReport):
        return result
    if killed:
        return _error_report(name, data, MSG_TIMEOUT.format(seconds=_fmt_limit(seconds), name=name))
    if result == "memory" or proc.exitcode == -9:  # MemoryError in the worker, or the kernel's OOM killer
        return _error_report(name, data, MSG_MEMORY.format(name=name, limit=memory_mb))
    return _error_report(name, data, MSG_WORKER_DIED.format(name=name, code=proc.exitcode), kind="internal")


def cpu_count() -> int:
    """Cores this process may use (for batch pools)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
