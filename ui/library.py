"""Frames for the 报告库 page (stored reports, versions, roster matches), from the store's public API.

No Streamlit here, so these are tested without running the app.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from parsing import clock

from . import core
from .labels import each_distinct, short_files

METHOD_ZH = {"exact": "自动（名称一致）", "contains": "自动（名称包含）", "manual": "人工指定"}


def _yes(x) -> bool:
    return bool(x) and not pd.isna(x)


def _flags(column: pd.Series) -> pd.Series:
    """:func:`_yes` of every value, column-wise (missing is no)."""
    return column.fillna(0).astype(bool)


def _words(column: pd.Series, yes: str, no: str) -> pd.Series:
    """``yes`` where :func:`_yes` of the value, else ``no``, as a string column (a province: 30,000 rows)."""
    return pd.Series(np.where(_flags(column).to_numpy(), yes, no), index=column.index, dtype="str")


def reports_table(listed: pd.DataFrame) -> pd.DataFrame:
    """``Store.list_reports()`` in reviewer words, one row per stored version (sha256 kept last)."""
    cols = ["单位", "报告所印单位名称", "年度", "文件", "当前版本", "当前版本依据", "同年版本数", "问题", "未处理", "更正", "原文件", "名册单位", "名册区划",
            "入库时间", "解析时间", "解析程序版本", "sha256"]
    if listed.empty:
        return pd.DataFrame(columns=cols)
    # a report without a year counts with the others of its body without one (pandas 3: NA stays NA in str)
    key = listed["body_key"].fillna("") + "|" + listed["year"].astype("Int64").astype(str).fillna("")
    n_versions = key.map(key.value_counts())
    out = pd.DataFrame({
        "单位": (listed["display_name"] if "display_name" in listed.columns else listed["body"]).replace("", None)
        .fillna("（单位未识别）"),
        "报告所印单位名称": listed["body"].fillna(""),
        "年度": listed["year"].astype("Int64"),
        "文件": short_files(listed["file_name"]),
        "当前版本": _words(listed["is_current"], "当前", ""),
        "当前版本依据": (listed["current_reason"].fillna("") if "current_reason" in listed.columns else ""),
        "同年版本数": n_versions.astype(int),
        "问题": listed["n_findings"].astype(int),
        "未处理": listed["n_open"].astype(int),
        "更正": listed["n_corrections"].astype(int),
        "原文件": _words(listed["has_file"], "已保存", "未保存"),
        "名册单位": listed["roster_body"].fillna(""),
        "名册区划": listed["roster_path"].fillna(""),
        "入库时间": each_distinct(listed["added_at"], clock.beijing),
        "解析时间": each_distinct(listed["parsed_at"], clock.beijing),
        "解析程序版本": listed["parser_version"].fillna(""),
        "sha256": listed["sha256"],
    })
    pinned = _flags(listed["pinned"]) & _flags(listed["is_current"])
    out.loc[pinned.to_numpy(), "当前版本"] = "当前（人工选定）"
    return out[cols]


def version_groups(listed: pd.DataFrame) -> list[tuple[str, int, str]]:
    """(body_key, year, label) of every body and year with more than one stored version."""
    if listed.empty:
        return []
    ok = listed[listed["body_key"].notna() & listed["year"].notna()]
    sizes = ok.groupby(["body_key", "year"])["sha256"].transform("size")
    ok = ok[sizes > 1]  # only groups of several versions go through the loop (a province has few)
    groups = []
    for (key, year), g in ok.groupby(["body_key", "year"], sort=True):
        if len(g) > 1:
            names = g["display_name"] if "display_name" in g.columns else g["body"]
            name = names.dropna().iloc[0] if names.notna().any() else key
            groups.append((key, int(year), f"{name} {int(year)}年（{len(g)} 个版本）"))
    return groups


def version_label(row: dict) -> str:
    added = str(row.get("added_at") or "").replace("T", " ")[:19]
    cur = "【当前】" if _yes(row.get("is_current")) else ""
    return f"{cur}{core.short_file(row.get('file_name') or '')} · 入库 {added} · {str(row.get('sha256'))[:10]}"


def matches_table(matches: pd.DataFrame) -> pd.DataFrame:
    """``Store.roster_matches()`` in reviewer words."""
    cols = ["报告中的单位", "名册单位", "名册区划", "匹配方式", "body_key"]
    if matches.empty:
        return pd.DataFrame(columns=cols)
    method = [("人工指定：不在名册中" if _yes(m) and pd.isna(rid) else METHOD_ZH.get(meth, "未匹配"))
              if not pd.isna(rid) or _yes(m) else "未匹配"
              for rid, m, meth in zip(matches["roster_id"], matches["manual"], matches["method"])]
    return pd.DataFrame({
        "报告中的单位": matches["body"].fillna(matches["body_key"]),
        "名册单位": matches["roster_body"].fillna(""),
        "名册区划": matches["roster_path"].fillna(""),
        "匹配方式": method,
        "body_key": matches["body_key"],
    })[cols]


def roster_labels(roster: pd.DataFrame) -> dict[int, str]:
    """roster id -> "单位（区划）" for selectboxes."""
    return {int(i): f"{b}（{p}）" if p else str(b)
            for i, b, p in zip(roster["id"], roster["body"], roster["region_path"].fillna(""))}


def missing_table(missing: pd.DataFrame) -> pd.DataFrame:
    """``Store.missing_reports(year)`` in reviewer words."""
    names = {"body": "单位", "city": "市", "county": "县区", "township": "乡镇街道", "department": "部门",
             "region_path": "区划"}
    cols = [c for c in names if c in missing.columns]
    return missing[cols].rename(columns=names).fillna("")
