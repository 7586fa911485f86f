"""Batch import of a folder tree into the store, and export of what the store holds.

:func:`import_folder` hashes every report file, skips those already stored, parses the rest in a process pool
(parsing is CPU-bound; threads gain nothing), and writes in the parent, one transaction per report, so a crash or
a kill at any moment leaves every report either fully stored or absent. Export lives in :mod:`parsing.exports`
(``export`` and ``export_frames`` are importable from here too).

This module never imports streamlit or plotly.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Callable, Optional


from .exports import _parquet_safe, export, export_frames  # noqa: F401 - moved to parsing.exports; kept importable
from .model import ReportError
from .readers import EXTENSIONS
from .store import CheckFn, ParseFn, Store, parse_many, report_body_key, run_check

Progress = Callable[[int, int, str, str], None]  # (done, total, file name, "imported"/"unchanged"/"failed")

REPORT_SUFFIXES = tuple(EXTENSIONS)
_DEFAULT = object()


def default_check_fn() -> Optional[CheckFn]:
    """``parsing.rules.check_report`` when the rules module is available, else None (parse notes only)."""
    try:
        from .rules import check_report
    except ImportError:
        return None
    return check_report


def iter_report_files(folder: str | os.PathLike) -> list[Path]:
    """Report files under ``folder`` (recursive, sorted, hidden files and folders skipped), or the file itself."""
    root = Path(folder)
    if root.is_file():
        return [root]
    out = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if not f.startswith(".") and f.lower().endswith(REPORT_SUFFIXES):
                out.append(Path(dirpath) / f)
    return out


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def import_folder(folder: str | os.PathLike, store: Store, workers: Optional[int] = None,
                  progress: Optional[Progress] = None, *, parse_fn: Optional[ParseFn] = None,
                  check_fn: Any = _DEFAULT, keep_files: bool = False) -> dict:
    """Import every report file under ``folder`` into ``store``.

    Files are identified by the SHA-256 of their bytes: one already stored (or seen earlier in this run) counts as
    ``unchanged`` and is not parsed again. The rest are parsed with ``parse_fn(data, name)`` (default
    :func:`parsing.parse_bytes`; must be picklable when ``workers`` > 1) in ``workers`` processes (default: the
    machine's cores; 1 parses in this process), checked in this process with ``check_fn(report, previous=...)``
    (default ``parsing.rules.check_report`` if present; None for no rules), and stored one transaction per report.
    ``keep_files`` stores the original bytes too (needed for a later re-parse). A file that cannot be read, or
    whose parse sets ``error``, is not stored and is listed in ``failed``. ``progress(done, total, name, outcome)``
    is called once per file. File names are stored relative to ``folder``.

    Returns ``{"imported": n, "unchanged": n, "failed": [(file, reason), ...]}``.
    """
    if check_fn is _DEFAULT:
        check_fn = default_check_fn()
    workers = max(1, int(workers or os.cpu_count() or 1))
    root = Path(folder)
    if not root.exists():
        raise ReportError(f"找不到文件夹“{folder}”。")
    files = iter_report_files(root)
    total = len(files)
    summary: dict = {"imported": 0, "unchanged": 0, "failed": []}
    done = 0
    touched: list[tuple[str, int]] = []

    def finish(name: str, outcome: str, reason: Optional[str] = None) -> None:
        nonlocal done
        done += 1
        if outcome == "failed":
            summary["failed"].append((name, reason))
        else:
            summary[outcome] += 1
        if progress:
            progress(done, total, name, outcome)

    todo: list[tuple[str, str, str]] = []  # (path, name, sha256)
    seen: set[str] = set()
    for path in files:
        name = path.name if root.is_file() else path.relative_to(root).as_posix()
        try:
            sha = sha256_file(path)
        except OSError as exc:
            finish(name, "failed", f"无法打开文件：{exc.strerror or exc}")
            continue
        if sha in seen or sha in store:
            if keep_files and sha in store and not store.has_file(sha):
                store.keep_file(sha, path.read_bytes())
            seen.add(sha)
            finish(name, "unchanged")
            continue
        seen.add(sha)
        todo.append((str(path), name, sha))

    jobs = ((sha, name, lambda path=path: Path(path).read_bytes()) for path, name, sha in todo)
    for sha, name, report, reason, data in parse_many(jobs, parse_fn, min(workers, max(len(todo), 1))):
        if report is None or report.error:
            finish(name, "failed", reason if report is None else report.error)
            continue
        try:
            report.sha256 = report.sha256 or sha
            report.file = name
            findings = None
            if check_fn is not None:
                findings = run_check(check_fn, report, store.previous_report(report))
            outcome = store.add(report, findings, data if keep_files else None)
        except ReportError as exc:
            finish(name, "failed", exc.message)
            continue
        except Exception as exc:  # a rule bug: this file fails, the batch goes on
            finish(name, "failed", f"检查或保存出错：{type(exc).__name__}: {exc}")
            continue
        key = report_body_key(report)
        if outcome == "imported" and report.year is not None and key:
            touched.append((key, int(report.year)))
        finish(name, outcome)

    # A report stored now may be "last year" for a report already stored: re-run that one's cross-year rules.
    if check_fn is not None and touched:
        later = {store.current(b, y + 1) for b, y in touched}
        store.recheck(sorted(s for s in later if s), check_fn)
    return summary
