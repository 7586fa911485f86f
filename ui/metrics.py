"""Trend metrics: which cells of the form each chart adds up, as tidy frames.

A metric is a list of series; a series sums the cells of one column over a row (or a row
group such as 三、本年度办理结果/（三）不予公开). A sum is only given when every cell the report
has for it holds a number: a blank or unreadable part makes the whole sum unknown (NaN,
``complete`` False), because counting a blank as 0 would hide the defect.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from parsing import forms
from parsing.store import display_name

_R3 = "三、本年度办理结果"
_FEE = forms.FEE_COLUMN


@dataclass(frozen=True)
class Series:
    label: str
    table: str
    row: str  # a row key, or a group prefix (matches the row and anything under "row/")
    column: str


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    unit: str
    series: tuple[Series, ...]


def _s3(label, row, column="总计"):
    return Series(label, "三", row, column)


METRICS: tuple[Metric, ...] = (
    Metric("requests", "依申请公开：申请数量", "件", (
        _s3("本年新收", "一、本年新收政府信息公开申请数量"),
        _s3("上年结转", "二、上年结转政府信息公开申请数量"),
        _s3("结转下年度", "四、结转下年度继续办理"),
    )),
    Metric("applicants", "依申请公开：本年新收（按申请人）", "件", tuple(
        _s3(c, "一、本年新收政府信息公开申请数量", c) for c in forms.APPLICANT_COLUMNS[:6])),
    Metric("outcomes", "依申请公开：办理结果", "件", (
        _s3("予以公开", f"{_R3}/（一）予以公开"),
        _s3("部分公开", f"{_R3}/（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
        _s3("不予公开", f"{_R3}/（三）不予公开"),
        _s3("无法提供", f"{_R3}/（四）无法提供"),
        _s3("不予处理", f"{_R3}/（五）不予处理"),
        _s3("其他处理", f"{_R3}/（六）其他处理"),
    )),
    Metric("decisions", "行政许可、行政处罚、行政强制（本年处理决定数量）", "件", (
        Series("行政许可", "二", "第二十条第（五）项/行政许可", "本年处理决定数量"),
        Series("行政处罚", "二", "第二十条第（六）项/行政处罚", "本年处理决定数量"),
        Series("行政强制", "二", "第二十条第（六）项/行政强制", "本年处理决定数量"),
    )),
    Metric("normative", "行政规范性文件", "件", (
        Series("本年制发", "二", "第二十条第（一）项/行政规范性文件", "本年制发件数"),
        Series("本年废止", "二", "第二十条第（一）项/行政规范性文件", "本年废止件数"),
        Series("现行有效", "二", "第二十条第（一）项/行政规范性文件", "现行有效件数"),
    )),
    Metric("fees", "行政事业性收费", "万元", (
        Series("本年收费金额", "二", "第二十条第（八）项/行政事业性收费", _FEE),
    )),
    Metric("review", "行政复议、行政诉讼（总计）", "件", (
        Series("行政复议", "四", "行政复议", "总计"),
        Series("未经复议直接起诉", "四", "行政诉讼/未经复议直接起诉", "总计"),
        Series("复议后起诉", "四", "行政诉讼/复议后起诉", "总计"),
    )),
)
METRICS_BY_ID = {m.id: m for m in METRICS}

_STR = pd.Series(["x"], dtype=object).astype("str").dtype  # the string dtype astype("str") gives
TREND_COLUMNS = ["单位", "地区", "年度", "项目", "数值", "完整", "文件", "sha256"]
# The roster's region tree, where the values carry it (store values matched to a roster).
REGION_COLUMNS = {"city": "市", "county": "县区", "township": "乡镇街道", "department": "部门",
                  "roster_path": "名册区划"}
REGION_LEVELS = ["市", "县区", "乡镇街道", "部门"]


def _series_hits(values: pd.DataFrame, s: Series) -> pd.DataFrame:
    rows = values["row"].astype(str)
    hit = values[(values["table"] == s.table) & (values["column"] == s.column)
                 & ((rows == s.row) | rows.str.startswith(s.row + "/"))]
    hit = hit[hit["status"] != "missing"]
    if hit.empty:
        return hit
    # A 2019 trial-form report has the single row （六）其他处理 where the 2021 form has three
    # sub-items (left null): the row as printed wins over the sub-items.
    exact = hit["row"] == s.row
    has_exact = exact.groupby(hit["sha256"]).transform("any")
    return hit[exact | ~has_exact]


def trend_frame(values: pd.DataFrame, metric_id: str) -> pd.DataFrame:
    """Tidy rows (单位, 地区, 年度, 项目, 数值, 完整, 文件, sha256) of one metric, one per report × series.

    ``values`` is :func:`ui.core.values_long` or the store's ``values_long`` (then the roster's region tree
    comes along as 市, 县区, 乡镇街道, 部门, 名册区划, and 单位 is the roster's name of a matched body).
    A sum is known only when every cell of it holds a number. Reports without a body or year are left out
    (they cannot be placed on a trend).
    """
    region_cols = [c for c in REGION_COLUMNS if c in values.columns]
    return _assemble(_per_report(values, metric_id), metric_id, region_cols)


def _per_report(values: pd.DataFrame, metric_id: str) -> pd.DataFrame:
    """One row per report of ``values`` that has a body and a year, in the order they first appear: its metadata
    (``sha256``, body, region, year, file, the roster's columns) and per series ``i`` of the metric ``t{i}`` (the
    sum, NaN unless every cell of it holds a number) and ``k{i}`` (whether it does)."""
    metric = METRICS_BY_ID[metric_id]
    region_cols = [c for c in REGION_COLUMNS if c in values.columns]
    meta_cols = ["body", "region", "year", "file"] + region_cols + (["roster_body"] if "roster_body" in values else [])
    if values.empty:
        return pd.DataFrame(columns=["sha256", *meta_cols])
    v = values[values["year"].notna() & values["body"].fillna("").astype(str).ne("")]
    if v.empty:
        return pd.DataFrame(columns=["sha256", *meta_cols])
    v = v.assign(value=pd.to_numeric(v["value"], errors="coerce"))
    meta = v.groupby("sha256", sort=False)[meta_cols].first()
    for i, s in enumerate(metric.series):
        hit = _series_hits(v, s)
        g = hit.groupby("sha256", sort=False)["value"]
        known = pd.Series(meta.index.map(g.count() == g.size()), index=meta.index).fillna(False).astype(bool)
        total = pd.Series(meta.index.map(g.sum(min_count=1)), index=meta.index).astype("float64")
        meta[f"t{i}"] = total.where(known)
        meta[f"k{i}"] = known
    return meta.reset_index()


def _assemble(per: pd.DataFrame, metric_id: str, region_cols: list[str]) -> pd.DataFrame:
    """:func:`trend_frame` from :func:`_per_report` rows: one row per report × series under the body's display
    name; of several reports of one body and year (re-uploads of edited versions) the last one given is kept;
    sorted by body, year and the metric's order of series."""
    metric = METRICS_BY_ID[metric_id]
    out_cols = TREND_COLUMNS + [REGION_COLUMNS[c] for c in region_cols]
    if per.empty:
        return pd.DataFrame(columns=out_cols)
    roster = per["roster_body"].tolist() if "roster_body" in per else [None] * len(per)
    names: dict = {}  # one call per distinct (body, roster body): a province has 3,000 bodies, 30,000 reports
    per = per.assign(单位=[names[k] if k in names else names.setdefault(k, display_name(*k))  # the one name shown
                         for k in zip(per["body"].tolist(), roster)],
                     年度=per["year"].astype(int).to_numpy())
    per = per.drop_duplicates(["单位", "年度"], keep="last").sort_values(["单位", "年度"], kind="stable")
    k = len(metric.series)
    take = np.repeat(np.arange(len(per)), k)

    def col(values):
        # made a string column once per report, then repeated per series (what astype("str") of the repeated
        # values gives, at a k-th of the cost: a province's trend is 90,000 rows); a column that is such a string
        # column already (the store's places) is repeated as it is, not made into Python strings and back
        if isinstance(values, pd.Series):
            if values.dtype == _STR:
                return values.array.take(take)
            values = values.tolist()
        return pd.Series(np.asarray(values, dtype=object)).astype("str").array.take(take)

    labels = np.array([s.label for s in metric.series], dtype=object)
    df = pd.DataFrame({
        "单位": col(per["单位"].tolist()), "地区": col(per["region"].fillna("")),
        "年度": per["年度"].to_numpy()[take],
        "项目": pd.Series(labels).astype("str").array.take(np.tile(np.arange(k), len(per))),
        "数值": per[[f"t{i}" for i in range(k)]].to_numpy(dtype="float64").reshape(-1),
        "完整": per[[f"k{i}" for i in range(k)]].to_numpy(dtype=bool).reshape(-1),
        "文件": col(per["file"]), "sha256": col(per["sha256"]),
        **{REGION_COLUMNS[c]: col(per[c].fillna("")) for c in region_cols}})
    for c in out_cols:
        if df[c].dtype == object:
            df[c] = df[c].astype("str")
    return df[out_cols]


def stored_trend_frame(store, metric_id: str, places: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """:func:`trend_frame` of the store's current reports (with corrections): the same frame as from
    ``store.values_long`` of the metric's cells, without reading them as a long frame. Each series' sums are
    aggregated in SQL (:meth:`parsing.store.Store.cell_sums`: per report, the series' own row and its sub-items
    apart, so that the printed row can win as in :func:`_series_hits`); reports with hand corrections are read
    through ``values_long`` as before. ``places`` is ``store.report_places(current_only=True)`` when the caller
    has it (it is the same for every metric)."""
    tables, columns = metric_cells(metric_id)
    rows = metric_rows(metric_id, store.cell_rows(tables))
    m = METRICS_BY_ID[metric_id]
    groups = {}
    for i, s in enumerate(m.series):
        groups[f"{i}="] = [(s.table, s.row, s.column)]
        groups[f"{i}/"] = [(s.table, r, s.column) for r in rows if str(r).startswith(s.row + "/")]
    # the other cells values_long would fetch (tables × rows × columns): a report holding any is on the trend too
    series_cells = {k for keys in groups.values() for k in keys}
    groups["*"] = [k for k in ((t, r, c) for t in tables for r in rows for c in columns) if k not in series_cells]
    fixed = store.corrected_shas()
    sums = store.cell_sums(groups, current_only=True)
    region_cols = list(REGION_COLUMNS)
    parts = []
    if not sums.empty:
        per = store.report_places(current_only=True) if places is None else places
        per = per[per["report_id"].isin(sums["report_id"].unique())]
        per = per[per["year"].notna() & per["body"].fillna("").astype(str).ne("")].set_index("report_id")
        by = {g: f.set_index("report_id") for g, f in sums[sums["n_cells"] > 0].groupby("group", sort=False)}
        none = pd.DataFrame({"n_cells": pd.Series(dtype="int64"), "n_values": pd.Series(dtype="int64"),
                             "total": pd.Series(dtype="float64")})
        for i in range(len(m.series)):
            exact, sub = by.get(f"{i}=", none), by.get(f"{i}/", none)
            # the row as printed wins over its sub-items (a 2019 trial form's single row), as in _series_hits
            chosen = pd.concat([exact, sub[~sub.index.isin(exact.index)]])[["n_cells", "n_values", "total"]]
            chosen = chosen.reindex(per.index)
            known = (chosen["n_values"] == chosen["n_cells"]).to_numpy() & chosen["n_cells"].notna().to_numpy()
            per[f"t{i}"] = chosen["total"].astype("float64").where(known).to_numpy()
            per[f"k{i}"] = known
        parts.append(per.rename(columns={"file_name": "file"}).reset_index())
    if fixed:
        v = store.values_long(tables, rows, columns, sha256=fixed, current_only=True)
        if not v.empty:
            parts.append(_per_report(v.rename(columns={"file_name": "file"}), metric_id).merge(
                v[["sha256", "body_key"]].drop_duplicates("sha256"), on="sha256", how="left"))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=TREND_COLUMNS + [REGION_COLUMNS[c] for c in region_cols])
    per = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    # values_long's order of reports: one current report per body and year, so (year, body_key) orders them
    per = per.sort_values(["year", "body_key"], na_position="last", kind="stable")
    return _assemble(per, metric_id, region_cols)


def region_tree_options(df: pd.DataFrame, level: str, chosen: dict) -> list[str]:
    """The values of one region level (市, 县区, 乡镇街道, 部门) among rows matching the levels chosen above it."""
    if level not in df.columns:
        return []
    pool = filter_region(df, chosen)
    return sorted(x for x in pool[level].dropna().unique().tolist() if x)


def filter_region(df: pd.DataFrame, chosen: dict) -> pd.DataFrame:
    """Rows whose region levels equal every chosen level (a level chosen as None or "" is not filtered)."""
    out = df
    for level, val in chosen.items():
        if val and level in out.columns:
            out = out[out[level] == val]
    return out


def metric_cells(metric_id: str) -> tuple[list[str], list[str]]:
    """The tables and columns a metric reads (to fetch only those values from the store)."""
    m = METRICS_BY_ID[metric_id]
    return sorted({s.table for s in m.series}), sorted({s.column for s in m.series})


def metric_rows(metric_id: str, rows) -> list[str]:
    """Of ``rows`` (row keys, e.g. every row the store has cells for), those a metric's series read: the row
    itself or a row under it (``row/…``). With :func:`metric_cells` this narrows what is fetched from the store
    to the cells the metric adds up (a province's store: tens of thousands of rows instead of hundreds)."""
    m = METRICS_BY_ID[metric_id]
    return sorted({r for r in rows for s in m.series if r == s.row or str(r).startswith(s.row + "/")})


def total_by_year(df: pd.DataFrame, label: str) -> tuple[pd.DataFrame, int]:
    """Many bodies as one line per item: the sum of the known values per year and item, under 单位 ``label``.

    Returns the frame (trend_frame columns) and the number of report × item values left out because they are
    unknown (blank or unreadable parts) - they are not counted as 0, and the caller says so.
    """
    if df.empty:
        return df, 0
    known = df[["年度", "项目", "数值"]][df["完整"].to_numpy(dtype=bool)]  # not every column of 90,000 rows copied
    g = known.groupby(["年度", "项目"], sort=True)["数值"].sum().reset_index()
    out = pd.DataFrame({"单位": label, "地区": "", "年度": g["年度"], "项目": g["项目"], "数值": g["数值"],
                        "完整": True, "文件": "", "sha256": ""})
    order = {lab: i for i, lab in enumerate(dict.fromkeys(df["项目"].unique().tolist()))}  # in order of appearance
    out = out.assign(_o=out["项目"].map(order)).sort_values(["年度", "_o"]).drop(columns="_o")
    return out.reset_index(drop=True), int((~df["完整"]).sum())
