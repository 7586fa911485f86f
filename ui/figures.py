"""Plotly figure builders. Each takes a tidy frame and returns a figure; no Streamlit here.

Years are whole-number categories on every axis, and every layout names a CJK font family so
that charts (and their PNG exports) render Chinese text, not boxes. Text from reports (bodies' names in titles,
legends and categories, report labels) goes through :func:`ui.labels.plotly_text`: plotly reads tags such as
``<a href>`` in its text.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .labels import plotly_text

CJK_FONT = "Noto Sans CJK SC, Microsoft YaHei, SimHei, sans-serif"
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]


def styled(fig: go.Figure, title: str = "", height: int = 420) -> go.Figure:
    """Common layout: CJK font everywhere, white template, title, legend above the plot."""
    fig.update_layout(
        template="plotly_white",
        font=dict(family=CJK_FONT, size=14),
        title=dict(text=plotly_text(title), font=dict(family=CJK_FONT, size=17)),
        legend=dict(font=dict(family=CJK_FONT), orientation="h", yanchor="bottom", y=1.02, x=0),
        hoverlabel=dict(font=dict(family=CJK_FONT)),
        margin=dict(l=60, r=20, t=90, b=60),
        height=height,
    )
    return fig


def _year_categories(years) -> list[str]:
    ys = sorted({int(y) for y in years if pd.notna(y)})
    return [str(y) for y in ys]


def _count_axis(fig: go.Figure, values: pd.Series, unit: str) -> None:
    """Y axis from zero; counts (件) get whole-number ticks, never 0.2 件."""
    fig.update_yaxes(title_text=unit, rangemode="tozero")
    if unit == "件":
        top = pd.to_numeric(values, errors="coerce").max()
        fig.update_yaxes(tickformat="d")
        if pd.isna(top) or top < 5:
            fig.update_yaxes(dtick=1, range=[0, max(1, 0 if pd.isna(top) else top) * 1.1])


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(family=CJK_FONT, size=16), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, height=240)


def trend_over_years(df: pd.DataFrame, title: str, unit: str = "") -> go.Figure:
    """Lines across years: one trace per (单位, 项目) from a :func:`ui.metrics.trend_frame` frame.

    With one body the traces are its items; with several bodies and one item, the bodies.
    Unknown values (blank parts) are gaps in the line, never zeros.
    """
    if df.empty:
        return empty_figure("没有可绘制的数据")
    years = _year_categories(df["年度"])
    bodies = list(dict.fromkeys(df["单位"]))
    items = list(dict.fromkeys(df["项目"]))
    fig = go.Figure()
    for i, ((body, item), g) in enumerate(df.groupby(["单位", "项目"], sort=False)):
        g = g.set_index(g["年度"].astype(int).astype(str)).reindex(years)
        if len(bodies) == 1:
            name = plotly_text(item)
        elif len(items) == 1:
            name = plotly_text(body)
        else:
            name = plotly_text(f"{body} · {item}")
        fig.add_trace(go.Scatter(
            x=years, y=g["数值"].tolist(), name=name, mode="lines+markers", connectgaps=False,
            line=dict(color=PALETTE[i % len(PALETTE)]),
            hovertemplate=f"{name}<br>%{{x}}年：%{{y}}{unit}<extra></extra>",
        ))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=years, title_text="年度")
    _count_axis(fig, df["数值"], unit)
    return styled(fig, title)


def bars_across_bodies(df: pd.DataFrame, title: str, unit: str = "") -> go.Figure:
    """Grouped bars for one year: x = 单位, one bar colour per 项目."""
    if df.empty:
        return empty_figure("没有可绘制的数据")
    bodies = list(dict.fromkeys(df["单位"]))
    shown = [plotly_text(b) for b in bodies]
    fig = go.Figure()
    for i, (item, g) in enumerate(df.groupby("项目", sort=False)):
        g = g.drop_duplicates("单位", keep="last").set_index("单位").reindex(bodies)
        name = plotly_text(item)
        fig.add_trace(go.Bar(x=shown, y=g["数值"].tolist(), name=name, marker_color=PALETTE[i % len(PALETTE)],
                             hovertemplate=f"{name}<br>%{{x}}：%{{y}}{unit}<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category", title_text="单位")
    _count_axis(fig, df["数值"], unit)
    return styled(fig, title)


def completeness_heatmap(matrix: pd.DataFrame, items: list[str], label_column: str = "报告",
                         short: dict | None = None) -> go.Figure:
    """Reports × items heatmap: green where present, red where missing (text 有 / 缺)."""
    if matrix.empty:
        return empty_figure("没有可显示的报告")
    z = matrix[items].astype(bool).astype(int).values
    text = [["有" if v else "缺" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=[(short or {}).get(i, i) for i in items], y=[plotly_text(x) for x in matrix[label_column]], text=text,
        texttemplate="%{text}",
        zmin=0, zmax=1, colorscale=[[0, "#f8d0d0"], [0.5, "#f8d0d0"], [0.5, "#c9ecd0"], [1, "#c9ecd0"]],
        showscale=False, xgap=2, ygap=2,
        hovertemplate="%{y}<br>%{x}：%{text}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(side="top", type="category")
    return styled(fig, "章节与表格完整性", height=max(260, 120 + 34 * len(matrix)))
