"""Batch import of a folder tree into the store, and export of what the store holds.

:func:`import_folder` hashes every report file, skips those already stored, and hands the rest to the one
pipeline (:mod:`parsing.pipeline`): parsed in the one pool of warm workers, checked, and written one transaction
per report with its findings, so a crash or a kill at any moment leaves every report either fully stored or absent. Export lives in
:mod:`parsing.exports` (``export`` and ``export_frames`` are importable from here too).

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
from .store import CheckFn, ParseFn, Store
from .workers import Limits, cpu_count, prestart

Progress = Callable[[int, int, str, str], None]  # (done, total, file name, "imported"/"unchanged"/"failed")

REPORT_SUFFIXES = tuple(EXTENSIONS)
_DEFAULT = object()


def default_check_fn() -> Optional[CheckFn]:
    """``parsing.rules.check_report`` when the rules module is available, else None (parse notes only)."""
    from .pipeline import default_check

    return default_check()


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
                  check_fn: Any = _DEFAULT, keep_files: bool = False, limits: Optional[Limits] = None,
                  pool: Any = None) -> dict:
    """Import every report file under ``folder`` into ``store``, through :func:`parsing.pipeline.run`.

    Files are identified by the SHA-256 of their bytes: one already stored (or seen earlier in this run) counts as
    ``unchanged`` and is not parsed again. The rest are parsed with ``parse_fn(data, name)`` (default
    :func:`parsing.parse_bytes`) in one pool of ``workers`` warm processes (default: the usable cores; 0 parses
    in this process) with the per-file ``limits``, checked with ``check_fn(report, previous=...)`` (default
    ``parsing.rules.check_report``; None for no rules), and stored one transaction per report, findings included.
    ``keep_files`` stores the original bytes too (needed for a later re-parse). A file that cannot be read, or
    whose parse sets ``error``, is not stored and is listed in ``failed``. ``progress(done, total, name, outcome)``
    is called once per file. File names are stored relative to ``folder``. ``pool`` is a pool to parse in
    instead of a new local one: a :class:`parsing.cluster.DaskPool` runs the same tasks on a cluster's workers
    (the results come back here and are stored the same way).

    Reports are stored in the folder's (sorted) order while the workers parse ahead, so the same folder gives
    the same store, the same current versions and the same findings however the files were scheduled.

    Returns ``{"imported": n, "unchanged": n, "failed": [(file, reason), ...]}``.
    """
    from . import pipeline

    if check_fn is _DEFAULT:
        check_fn = pipeline.default_check()
    root = Path(folder)
    if not root.exists():
        raise ReportError(f"找不到文件夹“{folder}”。")
    if pool is None and workers != 0 and pipeline._picklable(parse_fn):
        prestart()  # the forkserver imports the parser while this process lists and hashes the folder
    files = iter_report_files(root)
    single = root.is_file()
    total = len(files)
    summary: dict = {"imported": 0, "unchanged": 0, "failed": []}
    done = 0

    def finish(name: str, outcome: str, reason: Optional[str] = None) -> None:
        nonlocal done
        done += 1
        if outcome == pipeline.FAILED:
            summary["failed"].append((name, reason))
        else:
            summary[outcome] += 1
        if progress:
            progress(done, total, name, outcome)

    todo: list[pipeline.Source] = []
    seen: set[str] = set()
    for path in files:
        name = path.name if single else path.relative_to(root).as_posix()
        try:
            sha = sha256_file(path)
        except OSError as exc:
            finish(name, pipeline.FAILED, f"无法打开文件：{exc.strerror or exc}")
            continue
        if sha in seen or sha in store:
            if keep_files and sha in store and not store.has_file(sha):
                store.keep_file(sha, path.read_bytes())
            seen.add(sha)
            finish(name, pipeline.UNCHANGED)
            continue
        seen.add(sha)
        todo.append(pipeline.Source(name, load=lambda path=path: path.read_bytes(), sha256=sha))

    if workers is None:
        workers = cpu_count()
    workers = min(int(workers), max(len(todo), 1))
    # stored in the folder's order (ordered=True), not the order the workers finish in: among equally good
    # versions of one body and year the one later in the folder is current, however the files were scheduled
    for res in pipeline.run(todo, store, keep_files=keep_files, parse_fn=parse_fn, check_fn=check_fn,
                            workers=workers, limits=limits, pool=pool, ordered=True):
        finish(res.name, res.outcome, res.reason)
    return summary
