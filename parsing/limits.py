"""Limits a reviewer can see: file size, pages, batch size, and time per file.

Every upload is untrusted input. These limits keep one bad file (a 300 MB scan, a PDF that makes
the table finder spin) from stalling a batch or the dashboard:

* :func:`check_size` refuses a file larger than :data:`MAX_FILE_MB` before it is read;
* :func:`check_batch` refuses a batch of more than :data:`MAX_BATCH_FILES` files;
* :mod:`parsing.workers` parses every file in a warm worker process and stops it after
  :data:`PER_FILE_SECONDS` seconds of its CPU time (per OCR'd page for scans), or when it grows by
  more than :data:`WORKER_MEMORY_MB`; the file's report then carries the message saying why.

Every refusal is a Chinese message that names the limit. :data:`MAX_PAGES` is the page limit the
PDF reader applies. This module never imports streamlit or plotly.
"""
from __future__ import annotations

from typing import Optional

from .model import ReportError

MAX_FILE_MB = 50  # an annual report is 0.1-10 MB; scans of 40 pages stay below 50 MB
MAX_PAGES = 500  # an annual report has 5-40 pages (parsing.readers.pdf refuses more)
MAX_BATCH_FILES = 500  # files per upload or import run
PER_FILE_SECONDS = 60  # CPU seconds per file (per page for scans): a text PDF needs well under one
WORKER_MEMORY_MB = 2048  # resident memory the worker may add while parsing (Linux); 0: no cap

MSG_TOO_LARGE = ("文件“{name}”大小为 {size:.1f} MB，超过单个文件上限 {limit} MB，未读取。"
                 "请确认上传的是年度报告本身（扫描件可压缩或拆分后再上传）。")
MSG_BATCH_TOO_LARGE = "本次共选择了 {n} 个文件，超过单次上限 {limit} 个。请分批上传，每批不超过 {limit} 个文件。"
MSG_TIMEOUT = ("处理超时（超过{seconds}秒 CPU 时间）：文件“{name}”未能在时限内读取完毕，已停止处理。"
               "文件可能结构异常或过于复杂，请检查文件，或另存为 PDF/DOCX 后重试。")
MSG_HUNG = ("处理超时（超过{seconds}秒没有任何进展）：文件“{name}”的解析程序停止响应，已停止处理。"
            "请检查文件，或另存为 PDF/DOCX 后重试。")
MSG_TASK_RAISED = "解析程序出错（文件“{name}”）：{detail}"
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
        raise ReportError(MSG_TOO_LARGE.format(name=name, size=size, limit=fmt_limit(limit)),
                          details=f"{len(data)} bytes > {limit} MB")


def check_batch(count: int, max_files: Optional[int] = None) -> None:
    """Raise :class:`ReportError` when a batch holds more than ``max_files`` (default :data:`MAX_BATCH_FILES`)."""
    limit = MAX_BATCH_FILES if max_files is None else max_files
    if count > limit:
        raise ReportError(MSG_BATCH_TOO_LARGE.format(n=count, limit=limit), details=f"{count} > {limit} files")


def fmt_limit(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
