"""The dashboard's bridge to the parsing core: parsing, rules, badges and tidy frames.

Nothing here imports streamlit, so everything can be unit-tested.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Iterable, Optional

import pandas as pd

from parsing import forms, rules
from parsing.readers import EXTENSIONS as READER_EXTENSIONS
from parsing.report import FINDING_COLUMNS, VALUE_COLUMNS, ParsedReport, empty_findings

from .labels import (BADGE_COLORS, BADGE_ERROR, BADGE_ICONS, BADGE_PASS, BADGE_UNREADABLE,  # noqa: F401 - moved
                     BADGE_WARN, SECTION_LABELS, SEVERITY_ORDER, SEVERITY_ZH, TABLE_LABELS, location_text,
                     short_file)

log = logging.getLogger(__name__)

# Extensions the uploader accepts: every format the readers read, and ZIP archives (expanded by parsing.uploads).
UPLOAD_TYPES = [*(ext.lstrip(".") for ext in READER_EXTENSIONS), "zip"]

FINDING_KEY = ["sha256", "rule", "severity", "message", "table", "row", "column", "section"]


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


def _dedupe(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Drop repeated findings; 1 and 1.0, None and NaN count as the same."""
    if df.empty:
        return df.reset_index(drop=True)
    probe = pd.DataFrame({k: df[k].map(_num_text) for k in key})
    return df.loc[~probe.duplicated()].reset_index(drop=True)


def check_batch(reports: Iterable[ParsedReport]) -> pd.DataFrame:
    """All findings of a batch, one frame with ``file`` and ``sha256`` columns in front.

    Per-report findings (rules and parse notes) and, when the rules module offers it, the
    cross-report findings of ``parsing.rules.check_batch``. Unreadable files have no findings.
    """
    readable = [r for r in reports if not r.error]
    parts = []
    for r in readable:
        f = check_report(r)
        if not f.empty:
            f.insert(0, "sha256", r.sha256)
            f.insert(0, "file", r.file)
            parts.append(f)
    if readable:
        batch = rules.check_batch(readable)
        if batch is not None and not batch.empty:
            parts.append(_as_findings(batch))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ["file", "sha256", *FINDING_COLUMNS]})
    allf = pd.concat(parts, ignore_index=True)
    allf = allf[["file", "sha256", *FINDING_COLUMNS]]
    return _dedupe(allf, FINDING_KEY)


def badge(findings: pd.DataFrame, report: Optional[ParsedReport] = None) -> dict:
    """The badge of one report: label 通过/有警告/有错误 (or 无法读取) and counts by severity."""
    if report is not None and report.error:
        return {"label": BADGE_UNREADABLE, "error": 0, "warning": 0, "info": 0}
    return dict(rules.badge(findings))


def badge_text(b: dict) -> str:
    """The badge as plain text (tables, exports): the label itself."""
    return b["label"]


# ---------------------------------------------------------------------------
# Tidy frames across reports
# ---------------------------------------------------------------------------

def report_label(r: ParsedReport) -> str:
    who = r.body or "（单位未识别）"
    year = f"{r.year}年" if r.year else "（年度未识别）"
    return f"{who} {year} · {short_file(r.file)}"


def sections_summary(r: ParsedReport) -> str:
    if r.error:
        return ""
    found = r.sections_found()
    n = sum(found.values())
    missing = [forms.SECTIONS[i - 1].numeral for i in range(1, 7) if not found[str(i)]]
    return f"{n}/6" + (f"（缺{'、'.join(missing)}）" if missing else "")


def overview_frame(reports: list[ParsedReport], findings: pd.DataFrame) -> pd.DataFrame:
    """One row per file for the landing page and the 报告 sheet."""
    rows = []
    for r in reports:
        f = findings[findings["sha256"] == r.sha256] if not findings.empty else findings
        b = badge(f, r)
        rows.append({
            "文件": short_file(r.file),
            "单位": r.body or "",
            "地区": r.region or "",
            "年度": r.year,
            "格式版本": forms.FORM_NAMES.get(r.template, "未识别") if not r.error else "",
            "结论": badge_text(b),
            "错误数": b["error"],
            "警告数": b["warning"],
            "提示数": b["info"],
            "章节": sections_summary(r),
            "说明": r.error or "",
            "sha256": r.sha256,
        })
    df = pd.DataFrame(rows, columns=["文件", "单位", "地区", "年度", "格式版本", "结论", "错误数", "警告数",
                                     "提示数", "章节", "说明", "sha256"])
    df["年度"] = df["年度"].astype("Int64")
    return df


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


COMPLETENESS_SHORT = {  # compact axis labels for the heatmap
    "一、总体情况": "一 总体情况", "二、主动公开政府信息情况": "二 主动公开",
    "三、收到和处理政府信息公开申请情况": "三 依申请公开", "四、政府信息公开行政复议、行政诉讼情况": "四 复议诉讼",
    "五、存在的主要问题及改进情况": "五 问题与改进", "六、其他需要报告的事项": "六 其他事项",
}
COMPLETENESS_ITEMS = [f"{s.numeral}、{s.heading.split('、', 1)[1]}" for s in forms.SECTIONS] + [
    f"表{t}" for t in forms.TABLES]


def completeness_frame(reports: list[ParsedReport]) -> pd.DataFrame:
    """Reports × (6 sections + 3 tables), True where present. Unreadable files are left out."""
    rows = []
    for r in reports:
        if r.error:
            continue
        found = r.sections_found()
        row = {"报告": report_label(r), "单位": r.body or "", "年度": r.year, "sha256": r.sha256}
        for i, item in enumerate(COMPLETENESS_ITEMS[:6], start=1):
            row[item] = bool(found[str(i)])
        for t in forms.TABLES:
            row[f"表{t}"] = bool(r.tables_found.get(t, False))
        rows.append(row)
    return pd.DataFrame(rows, columns=["报告", "单位", "年度", "sha256", *COMPLETENESS_ITEMS])


def completeness_by_body_year(matrix: pd.DataFrame) -> pd.DataFrame:
    """Bodies × years: how many of the 9 items the (best) report of that year has, as 'n/9'."""
    if matrix.empty:
        return pd.DataFrame()
    m = matrix.copy()
    m["n"] = m[COMPLETENESS_ITEMS].sum(axis=1)
    m["年度"] = m["年度"].astype("Int64").astype(str).replace("<NA>", "未识别")
    m["单位"] = m["单位"].replace("", "（单位未识别）")
    pv = m.pivot_table(index="单位", columns="年度", values="n", aggfunc="max")
    total = len(COMPLETENESS_ITEMS)
    return pv.map(lambda x: "" if pd.isna(x) else f"{int(x)}/{total}")


def findings_display(findings: pd.DataFrame, with_file: bool = False) -> pd.DataFrame:
    """Findings in reviewer words: 级别, 规则, 问题, 位置, 应为, 实为 (errors first)."""
    cols = (["文件"] if with_file else []) + ["级别", "规则", "问题", "位置", "应为", "实为"]
    if findings.empty:
        return pd.DataFrame(columns=cols)
    f = findings.copy()
    f["_o"] = f["severity"].map(SEVERITY_ORDER).fillna(9)
    f = f.sort_values(["_o"], kind="stable")
    out = pd.DataFrame({
        "级别": f["severity"].map(lambda s: SEVERITY_ZH.get(s, str(s))),
        "规则": f["rule"].astype(str),
        "问题": f["message"].astype(str),
        "位置": [location_text(row) for _, row in f.iterrows()],
        "应为": f["expected"].map(_num_text),
        "实为": f["actual"].map(_num_text),
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
