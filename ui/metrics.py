"""Trend metrics: which cells of the form each chart adds up, as tidy frames.

A metric is a list of series; a series sums the cells of one column over a row (or a row
group such as 三、本年度办理结果/（三）不予公开). A sum is only given when every cell the report
has for it holds a number: a blank or unreadable part makes the whole sum unknown (NaN,
``complete`` False), because counting a blank as 0 would hide the defect.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from parsing import forms

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

TREND_COLUMNS = ["单位", "地区", "年度", "项目", "数值", "完整", "文件", "sha256"]


def _series_value(cells: pd.DataFrame, s: Series) -> tuple[float, bool]:
    hit = cells[(cells["table"] == s.table) & (cells["column"] == s.column)
                & ((cells["row"] == s.row) | cells["row"].str.startswith(s.row + "/"))]
    hit = hit[hit["status"] != "missing"]
    if hit.empty:
        return float("nan"), False
    # A 2019 trial-form report has the single row （六）其他处理 where the 2021 form has three
    # sub-items (left null): the row as printed wins over the sub-items.
    if (hit["row"] == s.row).any():
        hit = hit[hit["row"] == s.row]
    vals = pd.to_numeric(hit["value"], errors="coerce")
    if vals.isna().any():
        return float("nan"), False
    return float(vals.sum()), True


def trend_frame(values: pd.DataFrame, metric_id: str) -> pd.DataFrame:
    """Tidy rows (单位, 地区, 年度, 项目, 数值, 完整, 文件, sha256) of one metric, one per report × series.

    ``values`` is :func:`ui.core.values_long`. Reports without a body or year are left out
    (they cannot be placed on a trend).
    """
    metric = METRICS_BY_ID[metric_id]
    rows = []
    if values.empty:
        return pd.DataFrame(columns=TREND_COLUMNS)
    for sha, cells in values.groupby("sha256", sort=False):
        first = cells.iloc[0]
        if pd.isna(first["year"]) or not first["body"]:
            continue
        for s in metric.series:
            v, ok = _series_value(cells, s)
            rows.append({"单位": first["body"], "地区": first["region"] or "", "年度": int(first["year"]),
                         "项目": s.label, "数值": v, "完整": ok, "文件": first["file"], "sha256": sha})
    df = pd.DataFrame(rows, columns=TREND_COLUMNS)
    if df.empty:
        return df
    # Several reports of one body and year (re-uploads of edited versions): keep the last dropped.
    df = df.drop_duplicates(["单位", "年度", "项目"], keep="last")
    return df.sort_values(["单位", "年度"], kind="stable").reset_index(drop=True)
