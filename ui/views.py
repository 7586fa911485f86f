"""The working set's tables, one of each: the overview (one row per report, with its badge) and the completeness
matrix (reports × the six sections and three tables). Plain pandas, no Streamlit.

Both are built from catalog rows (:mod:`ui.storeview`), whether the reports come from the store or from this
session's drops, so the landing page, the exports and the tests see the same answer.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from parsing import forms, rules
from parsing.report import ParsedReport

from . import storeview
from .labels import short_file

COMPLETENESS_SHORT = {  # compact labels for the heat map's columns (two lines: numeral, then the subject)
    "一、总体情况": "一<br>总体情况", "二、主动公开政府信息情况": "二<br>主动公开",
    "三、收到和处理政府信息公开申请情况": "三<br>依申请公开", "四、政府信息公开行政复议、行政诉讼情况": "四<br>复议诉讼",
    "五、存在的主要问题及改进情况": "五<br>问题与改进", "六、其他需要报告的事项": "六<br>其他事项",
    "表二": "表二<br>主动公开", "表三": "表三<br>依申请", "表四": "表四<br>复议诉讼",
}
COMPLETENESS_ITEMS = [f"{s.numeral}、{s.heading.split('、', 1)[1]}" for s in forms.SECTIONS] + [
    f"表{t}" for t in forms.TABLES]
COMPLETENESS_COLUMNS = ["报告", "单位", "年度", "sha256", *COMPLETENESS_ITEMS]
OVERVIEW_COLUMNS = ["文件", "单位", "地区", "年度", "格式版本", "结论", "错误数", "警告数", "提示数", "未处理",
                    "章节", "报告库", "说明", "sha256"]


def label_of(row: dict) -> str:
    """A report's label from a catalog row: 单位 年度 · 文件 (the body by its display name)."""
    who = row.get("name") or row.get("body") or "（单位未识别）"
    y = row.get("year")
    year = f"{int(y)}年" if y is not None and not pd.isna(y) else "（年度未识别）"
    return f"{who} {year} · {short_file(row.get('file') or '')}"


def report_label(r: ParsedReport) -> str:
    """:func:`label_of` for a parsed report."""
    return label_of(storeview.session_catalog([r], set()).iloc[0].to_dict())


# ---------------------------------------------------------------------------
# The overview
# ---------------------------------------------------------------------------

def overview(catalog: pd.DataFrame, findings: pd.DataFrame, matrix: pd.DataFrame, saved: dict) -> pd.DataFrame:
    """One row per report of the working set: the badge (:func:`parsing.rules.badge_counts`; dismissed findings
    do not count), counts, sections found, what became of it in the store (``saved``: sha256 -> SAVED_*; reports
    not dropped now are 库中)."""
    if catalog.empty:
        return pd.DataFrame(columns=OVERVIEW_COLUMNS).astype({"年度": "Int64"})
    act = storeview.active(findings)
    counts = (act.groupby(["sha256", "severity"]).size().unstack(fill_value=0)
              if not act.empty else pd.DataFrame())
    open_n = (findings[findings["decision"].isna()].groupby("sha256").size()
              if not findings.empty else pd.Series(dtype=int))
    sections = {}
    if not matrix.empty:
        items = COMPLETENESS_ITEMS[:6]
        for rec in matrix.to_dict("records"):
            missing = [forms.SECTIONS[i].numeral for i, it in enumerate(items) if not rec[it]]
            sections[rec["sha256"]] = f"{6 - len(missing)}/6" + (f"（缺{'、'.join(missing)}）" if missing else "")
    rows = []
    for r in catalog.to_dict("records"):
        sha = r["sha256"]
        err = r["error"] if isinstance(r["error"], str) and r["error"] else ""
        n = {s: int(counts.at[sha, s]) if sha in counts.index and s in counts.columns else 0
             for s in ("error", "warning", "info")}
        b = rules.badge_counts(**n, unreadable=bool(err))
        rows.append({
            "文件": short_file(r["file"] or ""), "单位": r.get("name") or r["body"] or "", "地区": r["region"] or "",
            "年度": r["year"], "格式版本": "" if err else forms.FORM_NAMES.get(r["template"], "未识别"),
            "结论": b["label"], "错误数": b["error"], "警告数": b["warning"], "提示数": b["info"],
            "未处理": int(open_n.get(sha, 0)) if r["stored"] else None,
            "章节": "" if err else sections.get(sha, ""),
            "报告库": storeview.SAVED_ZH.get(saved.get(sha, storeview.SAVED_STORED if r["stored"] else storeview.SAVED_NOT),
                                           ""),
            "说明": err, "sha256": sha,
        })
    df = pd.DataFrame(rows, columns=OVERVIEW_COLUMNS)
    df["年度"] = pd.to_numeric(df["年度"], errors="coerce").astype("Int64")
    df["未处理"] = pd.to_numeric(df["未处理"], errors="coerce").astype("Int64")
    return df


# ---------------------------------------------------------------------------
# Completeness
# ---------------------------------------------------------------------------

def flags_of(r: ParsedReport) -> dict:
    """Sections found (``s1`` … ``s6``) and ``tables_found`` of a parsed report, as the store's
    ``section_flags`` gives them for stored ones."""
    found = r.sections_found()
    return {"sha256": r.sha256, **{f"s{n}": bool(found[str(n)]) for n in range(1, 7)},
            "tables_found": dict(r.tables_found or {})}


def completeness(catalog: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Readable reports × (6 sections + 3 tables), True where present, from catalog rows and their flags
    (:func:`flags_of`, or ``Store.section_flags``). Columns :data:`COMPLETENESS_COLUMNS`."""
    cat = catalog[catalog["error"].isna() | (catalog["error"] == "")] if not catalog.empty else catalog
    if cat.empty or flags is None or flags.empty:
        return pd.DataFrame(columns=COMPLETENESS_COLUMNS)
    m = cat.merge(flags, on="sha256", how="inner")
    if m.empty:
        return pd.DataFrame(columns=COMPLETENESS_COLUMNS)
    names = m["name"] if "name" in m.columns else m["body"]
    out = pd.DataFrame({
        "报告": [label_of(r) for r in m.to_dict("records")],
        "单位": names.fillna("").to_numpy(),
        "年度": m["year"].to_numpy(),
        "sha256": m["sha256"].to_numpy(),
    })
    for n, item in enumerate(COMPLETENESS_ITEMS[:6], start=1):
        out[item] = m[f"s{n}"].astype(bool).to_numpy()
    for t in forms.TABLES:
        out[f"表{t}"] = [bool((tf or {}).get(t, False)) for tf in m["tables_found"]]
    return out[COMPLETENESS_COLUMNS]


def completeness_of_reports(reports: Iterable[ParsedReport]) -> pd.DataFrame:
    """:func:`completeness` of parsed reports (unreadable ones are left out)."""
    reports = list(reports)
    if not reports:
        return pd.DataFrame(columns=COMPLETENESS_COLUMNS)
    return completeness(storeview.session_catalog(reports, set()), pd.DataFrame([flags_of(r) for r in reports]))


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
