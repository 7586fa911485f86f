"""Parsing and checking core for 政府信息公开工作年度报告.

Public entry points:

* :func:`parse_bytes` / :func:`parse_path` -> :class:`ParsedReport` (never raises for bad
  input: ``report.error`` carries a Chinese message instead).
* :mod:`parsing.forms` - the official forms as data.

This package never imports streamlit or plotly.
"""
from __future__ import annotations

import hashlib
import os

from typing import TYPE_CHECKING

from .model import Document, ReportError

if TYPE_CHECKING:
    from .report import ParsedReport

PARSER_VERSION = "0.1.0"


def __getattr__(name: str):
    # ParsedReport (and with it pandas, about a second to import) only when asked for, so that
    # ``python -m parsing import`` can start the worker pool's forkserver first (PEP 562)
    if name == "ParsedReport":
        from .report import ParsedReport

        return ParsedReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parse_bytes(data: bytes, name: str, progress=None) -> ParsedReport:
    """Parse one report file given its bytes and file name.

    Returns a :class:`ParsedReport`; if the file cannot be read, ``error`` holds a clear
    Chinese message and the other fields stay empty; it never raises for bad input.
    ``progress(done, total)``, if given, is called per page read by OCR (scanned pages take
    seconds each).

    The collector's first threshold is raised while it runs (:func:`collecting_less`), as the PDF reader raises it
    while it reads; the caller's thresholds are put back afterwards.
    """
    with collecting_less():
        return _parse_bytes(data, name, progress)


def collecting_less():
    """A context in which the cyclic garbage collector runs less often: :func:`parsing.gcpolicy.young_gc` (the
    first threshold raised to ``YOUNG_GC_THRESHOLD``, never lowered, the caller's thresholds put back when the last
    user in any thread leaves). A parse and check makes hundreds of thousands of small containers that die young;
    with the default threshold (700) the collector ran a few times per report outside the reader and now and then
    made a full collection of every object the process holds (tens of milliseconds each): about 0.3 ms per page of
    a text PDF in all. The collector still runs (every ``YOUNG_GC_THRESHOLD`` objects net), so garbage that a parse
    leaves stays bounded (tests/test_parse_gc.py)."""
    from . import gcpolicy

    return gcpolicy.young_gc(gcpolicy.YOUNG_GC_THRESHOLD)


def _parse_bytes(data: bytes, name: str, progress=None) -> ParsedReport:
    from .extract import extract_report
    from .limits import check_size
    from .readers import read_document
    from .report import ParsedReport

    sha = hashlib.sha256(data).hexdigest()
    try:
        check_size(data, name)
        doc = read_document(data, name, progress)
        report = extract_report(doc, name)
    except ReportError as exc:
        return ParsedReport(file=name, sha256=sha, error=exc.message, error_kind="data")
    except RecursionError:
        return ParsedReport(file=name, sha256=sha, error="文件结构嵌套过深，无法解析（文件可能已损坏或被恶意构造）。",
                            error_kind="internal")
    except Exception as exc:  # a bug or a library failure on odd input: one bad file never stops a batch
        return ParsedReport(file=name, sha256=sha, error_kind="internal",
                            error=f"文件无法解析（{type(exc).__name__}），可能已损坏；请检查文件或另存为 PDF/DOCX 后重试。")
    report.sha256 = sha
    return report


def parse_path(path: str | os.PathLike) -> ParsedReport:
    """Parse a file on disk (see :func:`parse_bytes`)."""
    from .report import ParsedReport

    p = os.fspath(path)
    try:
        with open(p, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return ParsedReport(file=p, error=f"无法打开文件：{exc.strerror or exc}")
    return parse_bytes(data, p)


__all__ = ["parse_bytes", "parse_path", "ParsedReport", "ReportError", "Document", "PARSER_VERSION"]
