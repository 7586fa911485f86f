"""Session state shared by all pages, and parsing cached by content hash.

Plain ``st.session_state`` keys (not widget keys), so the reports survive page switches:

* ``reports``   dict sha256 -> ParsedReport, in the order files were dropped
* ``findings``  one DataFrame of all findings (``file``, ``sha256`` + FINDING_COLUMNS)
* ``sources``   dict sha256 -> original bytes, kept for PDFs only (to render pages)
* ``names``     dict sha256 -> every file name the same content arrived under
* ``upload_messages`` Chinese notes from the last drop (ZIP problems, duplicates)
* ``current``   sha256 of the report opened on the 单份报告 page
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import pandas as pd
import streamlit as st

from parsing.report import ParsedReport

from . import core

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_reports"
MAX_BATCH = 300  # files per drop (Streamlit issues #8534/#9218: huge drops hang or exhaust memory)

PAGE_UPLOAD = "pages/upload.py"
PAGE_COMPLETENESS = "pages/completeness.py"
PAGE_REPORT = "pages/report.py"
PAGE_TRENDS = "pages/trends.py"
PAGE_COMPARE = "pages/compare.py"
PAGE_EXPORT = "pages/export.py"


def init() -> None:
    ss = st.session_state
    ss.setdefault("reports", {})
    ss.setdefault("findings", core.check_batch([]))
    ss.setdefault("sources", {})
    ss.setdefault("names", {})
    ss.setdefault("upload_messages", [])
    ss.setdefault("seen_uploads", set())
    ss.setdefault("current", None)


@st.cache_data(max_entries=1000, show_spinner=False)
def parse_cached(digest: str, name: str, _data: bytes) -> ParsedReport:
    """Parse once per (content, name); ``_data`` is not hashed (the digest stands for it)."""
    return core.parse_file(_data, name)


def reports() -> list[ParsedReport]:
    init()
    return list(st.session_state["reports"].values())


def readable_reports() -> list[ParsedReport]:
    return [r for r in reports() if not r.error]


def get(sha: Optional[str]) -> Optional[ParsedReport]:
    init()
    return st.session_state["reports"].get(sha) if sha else None


def findings() -> pd.DataFrame:
    init()
    return st.session_state["findings"]


def findings_of(sha: str) -> pd.DataFrame:
    f = findings()
    if f.empty:
        return f
    return f[f["sha256"] == sha].reset_index(drop=True)


def refresh_findings() -> None:
    st.session_state["findings"] = core.check_batch(reports())


def add_files(files: list[core.Upload], on_progress: Optional[Callable[[int, int, str], None]] = None) -> dict:
    """Parse new files into the session; same content (by sha256) is parsed once.

    Returns counts: ``added``, ``duplicates``, ``failed`` and ``messages`` (Chinese notes).
    """
    init()
    ss = st.session_state
    expanded = core.expand_uploads(files)
    messages = list(expanded.messages)
    todo = expanded.files
    if len(todo) > MAX_BATCH:
        messages.append(f"一次最多检查 {MAX_BATCH} 个文件，本次共 {len(todo)} 个，只处理了前 {MAX_BATCH} 个。")
        todo = todo[:MAX_BATCH]
    added = dupes = failed = 0
    for i, up in enumerate(todo):
        digest = core.sha256_of(up.data)
        if digest in ss["reports"]:
            names = ss["names"].setdefault(digest, [])
            if up.name not in names:
                names.append(up.name)
                first = core.short_file(ss["reports"][digest].file)
                messages.append(f"“{core.short_file(up.name)}”与已上传的“{first}”内容相同，未重复解析。")
            dupes += 1
        else:
            if on_progress:
                on_progress(i, len(todo), up.name)
            report = parse_cached(digest, up.name, up.data)
            ss["reports"][digest] = report
            ss["names"][digest] = [up.name]
            if report.format == "pdf" and not report.error:
                ss["sources"][digest] = up.data
            added += 1
            failed += bool(report.error)
    if on_progress and todo:
        on_progress(len(todo), len(todo), "")
    if added:
        refresh_findings()
    ss["upload_messages"] = messages
    return {"added": added, "duplicates": dupes, "failed": failed, "messages": messages}


def sample_files() -> list[core.Upload]:
    """Every report file bundled in ``sample_reports/`` (recursively), sorted by path."""
    if not SAMPLE_DIR.is_dir():
        return []
    paths = sorted(p for p in SAMPLE_DIR.rglob("*") if p.is_file() and p.suffix.lower() in core.REPORT_EXTENSIONS)
    return [core.Upload(p.relative_to(SAMPLE_DIR).as_posix(), p.read_bytes()) for p in paths]


def clear() -> None:
    # ``seen_uploads`` stays: files still sitting in the uploader must not come straight back.
    for k in ("reports", "findings", "sources", "names", "upload_messages", "current"):
        st.session_state.pop(k, None)
    init()
