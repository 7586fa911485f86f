"""The dashboard's bridge to the parsing core: parsing, rules, badges and tidy frames.

Nothing here imports streamlit, so everything can be unit-tested.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Optional

import pandas as pd

from parsing import rules
from parsing.readers import EXTENSIONS as READER_EXTENSIONS
from parsing.report import FINDING_COLUMNS, VALUE_COLUMNS, ParsedReport, empty_findings

from .labels import (BADGE_COLORS, BADGE_ERROR, BADGE_ICONS, BADGE_PASS, BADGE_UNREADABLE,  # noqa: F401 - moved
                     BADGE_WARN, SECTION_LABELS, SEVERITY_ORDER, SEVERITY_ZH, TABLE_LABELS, location_text,
                     short_file)

log = logging.getLogger(__name__)

# Extensions the uploader accepts: every format the readers read, and ZIP archives (expanded by parsing.uploads).
UPLOAD_TYPES = [*(ext.lstrip(".") for ext in READER_EXTENSIONS), "zip"]


# ---------------------------------------------------------------------------
# Parsing and rules adapters
# ---------------------------------------------------------------------------

def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_file(data: bytes, name: str, progress=None) -> ParsedReport:
    """Parse one file through the one pipeline, in a warm worker with the per-file time and memory limits (a
    pathological file gets a message instead of stalling the app); ``progress(done, total)`` is called per page
    read by OCR. Batches go through ``storeview.check_and_save`` instead (one pool for all their files).
    """
    from parsing import pipeline

    report = pipeline.parse_one(data, name, on_page=progress)
    if not report.sha256:
        report.sha256 = sha256_of(data)
    return report


def _as_findings(df: Optional[pd.DataFrame]) -> pd.DataFrame:
    if df is None or df.empty:
        return empty_findings()
    out = df.copy()
    for c in FINDING_COLUMNS:
        if c not in out.columns:
            out[c] = None
    return out


def check_report(report: ParsedReport, previous: Optional[ParsedReport] = None) -> pd.DataFrame:
    """Findings of one report (its parse notes and rule findings, as ``parsing.rules`` gives them).
    Hand corrections count as read values (``parsing.rules`` treats status ``corrected`` so)."""
    if report.error:
        return empty_findings()
    return _as_findings(rules.check_report(report, previous=previous)).reset_index(drop=True)


def badge(findings: pd.DataFrame, report: Optional[ParsedReport] = None) -> dict:
    """The badge of one report (:func:`parsing.rules.badge`, the one badge function): label 通过/有警告/有错误,
    or 无法读取 when ``report`` could not be read, and counts by severity. Pass the findings that count (the
    reviewer's dismissed ones left out, :func:`ui.storeview.active`)."""
    return rules.badge(findings, unreadable=bool(report is not None and report.error))


def badge_text(b: dict) -> str:
    """The badge as plain text (tables, exports): the label itself."""
    return b["label"]


# ---------------------------------------------------------------------------
# Tidy frames across reports
# ---------------------------------------------------------------------------

def values_long(reports: list[ParsedReport]) -> pd.DataFrame:
    """Every cell of every readable report, with the report's identity in front."""
    meta = ["file", "sha256", "body", "region", "year", "template"]
    parts = []
    for r in reports:
        if r.error or r.values is None or r.values.empty:
            continue
        v = r.values.copy()
        for i, c in enumerate(meta):
            v.insert(i, c, getattr(r, c))
        parts.append(v)
    if not parts:
        return pd.DataFrame(columns=meta + VALUE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    return out


def findings_display(findings: pd.DataFrame, with_file: bool = False) -> pd.DataFrame:
    """Findings in reviewer words: 级别, 规则 (its Chinese name), 问题, 位置, 应为, 实为 and 规则编号 (the code, for
    machines and for looking it up in docs/rules.md), errors first."""
    cols = (["文件"] if with_file else []) + ["级别", "规则", "问题", "位置", "应为", "实为", "规则编号"]
    if findings.empty:
        return pd.DataFrame(columns=cols)
    f = findings.copy()
    f["_o"] = f["severity"].map(SEVERITY_ORDER).fillna(9)
    f = f.sort_values(["_o"], kind="stable")
    out = pd.DataFrame({
        "级别": f["severity"].map(lambda s: SEVERITY_ZH.get(s, str(s))),
        "规则": f["rule"].map(rules.rule_name),
        "问题": f["message"].astype(str),
        "位置": [location_text(row) for _, row in f.iterrows()],
        "应为": f["expected"].map(_num_text),
        "实为": f["actual"].map(_num_text),
        "规则编号": f["rule"].astype(str),
    })
    if with_file:
        out.insert(0, "文件", f["file"].map(short_file))
    return out.reset_index(drop=True)


def _num_text(x) -> str:
    if x is None:
        return ""
    try:
        if pd.isna(x):
            return ""
    except (TypeError, ValueError):
        pass
    try:
        fx = float(x)
        return str(int(fx)) if fx.is_integer() else f"{fx:g}"
    except (TypeError, ValueError):
        return str(x)
