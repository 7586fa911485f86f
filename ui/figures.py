"""Plotly figure builders. Each takes a tidy frame and returns a figure; no Streamlit here.

Every figure is fit to paste into a briefing, on screen and as a PNG (:func:`ui.exports.figure_png`):

* a Chinese title that says what and when (the years are added from the data when the title does not name one);
* the unit written horizontally at the top of the value axis (``件``), never as a title rotated 90°;
* a footer: a note where values are blank or unreadable (drawn as gaps, never as 0) and the source line
  ``数据来源：…年度报告（N份）；生成于… 北京时间`` (:func:`source_line`);
* margins computed from the longest label (:func:`text_width`), so no label is cut, and the completeness heat
  map sized to its rows and columns.

Years are whole-number categories on every axis, and every layout names a CJK font family so that charts (and
their PNG exports) render Chinese text, not boxes. Text from reports (bodies' names in titles, legends and
categories, report labels) goes through :func:`ui.labels.plotly_text`: plotly reads tags such as ``<a href>`` in
its text.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Optional, Sequence

import pandas as pd
import plotly.graph_objects as go

from parsing import clock

from .labels import plotly_text

CJK_FONT = "Noto Sans CJK SC, Microsoft YaHei, SimHei, sans-serif"
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]
FONT_SIZE = 14
TITLE_SIZE = 17
FOOTER_SIZE = 12
FOOTER_LINE = 18       # px per footer line (note, source)
FOOTER_MAX = 520       # px: a longer footer item is wrapped (a chart beside its table is about 560 px wide)
WIDTH = 900            # px: the width a PNG is rendered at when the figure does not set its own
MAX_HBAR_LABEL = 8     # vertical bars while every body's name is at most this many characters …
MAX_VBARS = 6          # … and there are at most this many bodies; else horizontal bars (names on the left)
DEFAULT_SOURCE = "各单位政府信息公开工作年度报告"
NOTE_COLOR = "#8a4b00"
WHOLE_UNITS = ("件", "份", "个", "项", "天", "个单位")  # counted units: whole-number ticks
_YEAR_IN_TITLE = re.compile(r"(19|20)\d\d\s*年")


# ---------------------------------------------------------------------------
# Text measures and the common frame
# ---------------------------------------------------------------------------

def text_width(text, size: float = FONT_SIZE) -> float:
    """Width in px of one line of text in a CJK sans font: full-width characters one em, others 0.6 em (a bound
    that holds for Noto Sans CJK; digits and Latin letters are narrower). Tags such as ``<br>`` split lines: the
    widest line counts."""
    lines = re.split(r"<br\s*/?>", str(text))
    return max(sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in line)
               for line in lines)


def text_lines(text) -> int:
    return len(re.split(r"<br\s*/?>", str(text)))


def generated_text(at: Optional[datetime] = None) -> str:
    """``2026-12-01 21:40:12 北京时间``: when a chart was made, in the dashboard's one time format
    (:data:`parsing.clock.DISPLAY_FORMAT`)."""
    at = clock.now() if at is None else at.astimezone(clock.BEIJING)
    return f"{at.strftime(clock.DISPLAY_FORMAT)} 北京时间"


def source_line(n_reports: Optional[int], what: str = DEFAULT_SOURCE, at: Optional[datetime] = None) -> str:
    """``数据来源：各单位政府信息公开工作年度报告（12份）；生成于2026-12-01 21:40:12 北京时间``."""
    count = f"（{int(n_reports)}份）" if n_reports is not None else ""
    return f"数据来源：{what}{count}；生成于{generated_text(at)}"


def years_text(years) -> str:
    """``2023年`` or ``2021—2025年`` (or ``2021、2023年`` when years are missing in between)."""
    ys = sorted({int(y) for y in years if y is not None and not pd.isna(y)})
    if not ys:
        return ""
    if len(ys) == 1:
        return f"{ys[0]}年"
    if ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}—{ys[-1]}年"
    return "、".join(str(y) for y in ys) + "年"


def titled(title: str, years) -> str:
    """The title with its period: ``申请数量（2021—2025年）`` unless the title already names a year."""
    when = years_text(years)
    if not when or _YEAR_IN_TITLE.search(title or ""):
        return title
    return f"{title}（{when}）" if title else when


def _nest(props: dict) -> dict:
    """plotly's magic underscores spelled out: ``{"title_text": "x"}`` -> ``{"title": {"text": "x"}}`` (no plotly
    property has an underscore in its name)."""
    out: dict = {}
    for key, value in props.items():
        *path, last = key.split("_")
        at = out
        for p in path:
            at = at.setdefault(p, {})
        _merge(at, {last: _nest(value) if isinstance(value, dict) else value})
    return out


def _merge(into: dict, props: dict) -> None:
    """What plotly's ``update`` does to a figure's properties: dicts merged key by key, a None removes the
    property, anything else (lists too) replaces."""
    for key, value in props.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict):
            at = into.get(key)
            made = not isinstance(at, dict)
            if made:
                at = into[key] = {}
            _merge(at, value)
            if made and not at:  # only Nones given (``title_text=None`` on an axis without a title): not made
                del into[key]
        else:
            into[key] = value


class Draft:
    """A figure being made, as the plain dicts ``plotly.graph_objects`` would validate it into, the few calls
    these builders make on a ``go.Figure`` (``add_trace``, ``update_layout``, ``update_xaxes``, ``update_yaxes``,
    ``add_annotations``) with the same effect. :meth:`figure` turns it into a ``go.Figure`` once, without
    plotly's validation of every property on every call (two to three tenths of a second per chart on a busy
    machine, a province's trend page draws two): the values given are the ones validation keeps, and the
    figure's JSON is the same as the one made call by call (tests/test_figure_drafts.py compares them). The
    figure made validates what is done to it afterwards, as any figure does."""

    def __init__(self, fig: Optional[go.Figure] = None):
        d = fig.to_dict() if fig is not None else {"data": [], "layout": {}}
        self.data: list[dict] = d["data"]
        self.layout: dict = {k: v for k, v in d["layout"].items() if k != "template"}

    def add_trace(self, kind: str, **props) -> None:
        self.data.append({"type": kind, **_nest(props)})

    def update_layout(self, **props) -> None:
        _merge(self.layout, _nest(props))

    def update_xaxes(self, **props) -> None:
        self.update_layout(xaxis=props)

    def update_yaxes(self, **props) -> None:
        self.update_layout(yaxis=props)

    def add_annotations(self, annotations: list[dict]) -> None:
        if annotations:
            self.layout["annotations"] = [*self.layout.get("annotations", ()), *(_nest(a) for a in annotations)]

    def figure(self) -> go.Figure:
        fig = go.Figure({"data": self.data, "layout": self.layout}, _validate=False)
        _validating(fig)
        _white(fig)
        return fig


def _validating(obj) -> None:
    """Validation turned back on for a figure made without it, and for every object in it."""
    if isinstance(obj, go.Figure):
        obj._validate = True
        for x in (obj.layout, *obj.data):
            _validating(x)
        return
    obj._validate = True
    for child in obj._compound_props.values():
        _validating(child)
    for children in obj._compound_array_props.values():
        for child in children:
            _validating(child)


def styled(fig: "go.Figure | Draft", title: str = "", height: int = 420, *, footer: Sequence[str] = (),
           unit: str = "", unit_axis: str = "y", margin: Optional[dict] = None,
           width: Optional[int] = None) -> go.Figure:
    """Common layout: CJK font everywhere, white template, title, legend above the plot, the unit written
    horizontally at the top of the value axis (``unit_axis`` ``y``) or at the right end of it (``x``), and the
    ``footer`` lines (notes, the source line) under the plot, inside the figure's bottom margin. ``fig`` is a
    :class:`Draft` (or a ``go.Figure``, drafted from its dict); returns the figure made."""
    if not isinstance(fig, Draft):
        fig = Draft(fig)
    m = dict(l=70, r=30, t=100, b=70)
    m.update(margin or {})
    footer = [wrap(f, FOOTER_MAX, FOOTER_SIZE) for f in footer if f]
    lines = sum(len(f) for f in footer)
    m["b"] += FOOTER_LINE * lines
    fig.update_layout(
        font=dict(family=CJK_FONT, size=FONT_SIZE),
        title=dict(text=plotly_text(title), font=dict(family=CJK_FONT, size=TITLE_SIZE), x=0.01, xanchor="left",
                   y=0.98, yanchor="top", yref="container"),
        legend=dict(font=dict(family=CJK_FONT), orientation="h", yanchor="bottom", y=1.02, x=0),
        hoverlabel=dict(font=dict(family=CJK_FONT)),
        margin=m,
        height=height + FOOTER_LINE * lines,
    )
    if width:
        fig.update_layout(width=width)
    notes = []
    if unit:
        if unit_axis == "y":
            fig.update_yaxes(title_text=None)
            notes.append(dict(text=f"单位：{plotly_text(unit)}", xref="paper", yref="paper", x=0, y=1,
                              xanchor="right", yanchor="bottom", xshift=-4, yshift=6, showarrow=False,
                              font=dict(family=CJK_FONT, size=FOOTER_SIZE + 1, color="#444"), name="unit"))
        else:
            fig.update_xaxes(title_text=None)
            notes.append(dict(text=f"单位：{plotly_text(unit)}", xref="paper", yref="paper", x=1, y=0,
                              xanchor="right", yanchor="top", yshift=-28, showarrow=False,
                              font=dict(family=CJK_FONT, size=FOOTER_SIZE + 1, color="#444"), name="unit"))
    # Footer items from the bottom edge of the figure up (the source line last, lowest), from the figure's left
    # edge; an item too long for a narrow chart is wrapped (:func:`wrap`).
    below = 0
    for item in reversed(footer):
        is_note = item[0].startswith("注")
        notes.append(dict(text="<br>".join(plotly_text(x) for x in item), xref="paper", yref="paper", x=0, y=0,
                          xanchor="left", yanchor="bottom", xshift=-m["l"] + 12,
                          yshift=-m["b"] + 6 + FOOTER_LINE * below, showarrow=False, align="left",
                          font=dict(family=CJK_FONT, size=FOOTER_SIZE, color=NOTE_COLOR if is_note else "#666"),
                          name="note" if is_note else "source"))
        below += len(item)
    fig.add_annotations(notes)
    return fig.figure()


_TEMPLATE: list = []


def _white(fig: go.Figure) -> None:
    """``fig.update_layout(template="plotly_white")`` without its cost: plotly validates a deep copy of the named
    template on every figure (a fifth of a second on a busy machine; the briefing makes seven). The copy is
    validated once here and then set as plotly sets its default template on a new figure, unvalidated (the
    figure keeps a copy of its own). The figure's JSON is the same, key for key (tests/test_ui_figures.py)."""
    if not _TEMPLATE:
        _TEMPLATE.append(go.Layout(template="plotly_white").template)
    layout = fig.layout
    layout._validate = False
    try:
        layout.template = _TEMPLATE[0]
    finally:
        layout._validate = fig._validate


def wrap(text: str, max_px: float, size: float = FOOTER_SIZE) -> list[str]:
    """One footer item as lines of at most ``max_px``: broken after ``；``, ``，`` or ``、`` where it can be, else
    between characters."""
    if text_width(text, size) <= max_px:
        return [text]
    lines, cur, last_break = [], "", -1
    for ch in text:
        cur += ch
        if ch in "；，、":
            last_break = len(cur)
        if text_width(cur, size) > max_px:
            cut = last_break if last_break > 0 else len(cur) - 1
            lines.append(cur[:cut])
            cur, last_break = cur[cut:], -1
    if cur:
        lines.append(cur)
    return lines


def footer_texts(fig: go.Figure) -> dict[str, list[str]]:
    """The unit, notes and source line a figure carries (wrapped lines joined again), for tests and captions."""
    out: dict[str, list[str]] = {"unit": [], "note": [], "source": []}
    for a in fig.layout.annotations or ():
        if a.name in out:
            out[a.name].append(a.text.replace("<br>", ""))
    return out


def _year_categories(years) -> list[str]:
    """Every year from the first to the last (a year no report has stays on the axis, as a gap)."""
    ys = sorted({int(y) for y in years if pd.notna(y)})
    return [str(y) for y in range(ys[0], ys[-1] + 1)] if ys else []


def _count_axis(fig: Draft, values: pd.Series, unit: str, axis: str = "y") -> None:
    """The value axis from zero; counts (:data:`WHOLE_UNITS`) get whole-number ticks, never 0.2 件."""
    update = fig.update_yaxes if axis == "y" else fig.update_xaxes
    update(rangemode="tozero", automargin=False)
    if unit in WHOLE_UNITS:
        top = pd.to_numeric(values, errors="coerce").max()
        update(tickformat="d")
        if pd.isna(top) or top < 5:
            update(dtick=1, range=[0, max(1, 0 if pd.isna(top) else top) * 1.1])


def _n_reports(df: pd.DataFrame, n_reports: Optional[int]) -> Optional[int]:
    if n_reports is not None:
        return n_reports
    if "sha256" in df.columns:
        shas = df["sha256"].dropna().astype(str)
        shas = shas[shas != ""]
        if not shas.empty:
            return int(shas.nunique())
    return None


def blank_note(n_blank: int, n_absent: int = 0, what: str = "数值") -> str:
    """The in-chart note on values that are not drawn: blank or unreadable parts, and years without a report."""
    parts = []
    if n_blank:
        parts.append(f"{n_blank} 个{what}含空白或无法识别的单元格，未画出（空白不按 0 计）")
    if n_absent:
        parts.append(f"{n_absent} 处该年度没有报告，线条在此断开")
    return "注：" + "；".join(parts) + "。" if parts else ""


def empty_figure(message: str, title: str = "", footer: Sequence[str] = ()) -> go.Figure:
    fig = Draft()
    fig.add_annotations([dict(text=plotly_text(message), showarrow=False, font=dict(family=CJK_FONT, size=16), x=0.5,
                              y=0.5, xref="paper", yref="paper", name="empty")])
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, title, height=260, footer=footer, margin=dict(t=60 if title else 30))


# ---------------------------------------------------------------------------
# Lines across years, bars across bodies
# ---------------------------------------------------------------------------

def trend_over_years(df: pd.DataFrame, title: str, unit: str = "", *, n_reports: Optional[int] = None,
                     source: str = DEFAULT_SOURCE, note: str = "") -> go.Figure:
    """Lines across years: one trace per (单位, 项目) from a :func:`ui.metrics.trend_frame` frame.

    With one body the traces are its items; with several bodies and one item, the bodies.
    Unknown values (blank parts) are gaps in the line, never zeros, and a note under the chart counts them and
    the years a line has no report for. ``n_reports`` (default: the frame's distinct sha256) goes into the
    source line; ``note`` is one more line above it (e.g. values left out of a total).
    """
    src = source_line(_n_reports(df, n_reports), source)
    if df.empty:
        return empty_figure("没有可绘制的数据", title, footer=[src])
    years = _year_categories(df["年度"])
    bodies = list(dict.fromkeys(df["单位"].tolist()))  # tolist: iterating an arrow column is slow
    items = list(dict.fromkeys(df["项目"].tolist()))
    fig = Draft()
    n_blank = int(pd.to_numeric(df["数值"], errors="coerce").isna().sum())
    n_absent = 0
    for i, ((body, item), g) in enumerate(df.groupby(["单位", "项目"], sort=False)):
        g = g.set_index(g["年度"].astype(int).astype(str))
        g = g[~g.index.duplicated(keep="last")]
        present = g.index
        first, last = years.index(present.min()), years.index(present.max())
        n_absent += sum(1 for y in years[first:last + 1] if y not in present)
        g = g.reindex(years)
        if len(bodies) == 1:
            name = plotly_text(item)
        elif len(items) == 1:
            name = plotly_text(body)
        else:
            name = plotly_text(f"{body} · {item}")
        fig.add_trace(
            "scatter", x=years, y=g["数值"].tolist(), name=name, mode="lines+markers", connectgaps=False,
            line=dict(color=PALETTE[i % len(PALETTE)]),
            hovertemplate=f"{name}<br>%{{x}}年：%{{y}}{plotly_text(unit)}<extra></extra>",
        )
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=years, title_text="年度",
                     automargin=False)
    _count_axis(fig, df["数值"], unit)
    notes = [blank_note(n_blank, n_absent), note]
    if len(fig.data) == 1:  # the title names the one line
        fig.update_layout(showlegend=False)
        return styled(fig, titled(title, years), height=390, footer=[*notes, src], unit=unit, margin=dict(t=80))
    legend_rows = max(1, -(-int(sum(text_width(t["name"]) + 40 for t in fig.data)) // (WIDTH - 100)))
    return styled(fig, titled(title, years), height=420 + 22 * (legend_rows - 1), footer=[*notes, src], unit=unit,
                  margin=dict(t=100 + 22 * (legend_rows - 1)))


def bars_across_bodies(df: pd.DataFrame, title: str, unit: str = "", *, n_reports: Optional[int] = None,
                       source: str = DEFAULT_SOURCE, colors: Optional[Sequence[str]] = None,
                       note: str = "", horizontal: Optional[bool] = None) -> go.Figure:
    """Grouped bars for one year: one bar colour per 项目, one group per 单位.

    Few bodies with short names stand on the x axis; more (or longer names) lie as horizontal bars with the
    names on the left, the chart as tall as they need (so no name is cut or rotated). Unknown values are left
    out of the bars, marked 空白 where the bar would be and counted in a note; ``note`` is one more line.
    ``colors`` one per 项目 (default :data:`PALETTE`); ``horizontal`` True or False chooses the layout."""
    src = source_line(_n_reports(df, n_reports), source)
    if df.empty:
        return empty_figure("没有可绘制的数据", title, footer=[src])
    bodies = list(dict.fromkeys(df["单位"].tolist()))
    shown = [plotly_text(b) for b in bodies]
    if horizontal is None:
        horizontal = len(bodies) > MAX_VBARS or max(len(str(b)) for b in bodies) > MAX_HBAR_LABEL
    items = list(dict.fromkeys(df["项目"].tolist()))
    fig = Draft()
    n_blank = 0
    blanks: set = set()
    for i, (item, g) in enumerate(df.groupby("项目", sort=False)):
        g = g.drop_duplicates("单位", keep="last").set_index("单位").reindex(bodies)
        n_blank += int(g["数值"].isna().sum())
        name = plotly_text(item)
        color = colors[i % len(colors)] if colors else PALETTE[i % len(PALETTE)]
        vals = g["数值"].tolist()
        for body, v in zip(shown, vals):
            if v is None or pd.isna(v):
                blanks.add(body)
        if horizontal:
            fig.add_trace("bar", y=shown, x=vals, name=name, orientation="h", marker_color=color,
                          hovertemplate=f"{name}<br>%{{y}}：%{{x}}{plotly_text(unit)}<extra></extra>")
        else:
            fig.add_trace("bar", x=shown, y=vals, name=name, marker_color=color,
                          hovertemplate=f"{name}<br>%{{x}}：%{{y}}{plotly_text(unit)}<extra></extra>")
    fig.update_layout(barmode="group")
    # said where the bar would be: a missing bar is not a 0
    fig.add_annotations([dict(text="空白", showarrow=False,
                                font=dict(family=CJK_FONT, size=FOOTER_SIZE, color=NOTE_COLOR),
                                **(dict(x=0, y=body, xanchor="left", xshift=4) if horizontal
                                   else dict(x=body, y=0, yanchor="bottom", yshift=4)), name="blank")
                           for body in shown if body in blanks])
    notes = [blank_note(n_blank, what="数值"), note]
    if horizontal:
        fig.update_yaxes(type="category", autorange="reversed", automargin=False)
        _count_axis(fig, df["数值"], unit, axis="x")
        left = int(max(text_width(s) for s in shown)) + 24
        row = 18 + 14 * len(items)
        height = max(320, 170 + row * len(bodies))
        return styled(fig, title, height=height, footer=[*notes, src], unit=unit, unit_axis="x",
                      margin=dict(l=left, b=80))
    fig.update_xaxes(type="category", title_text="单位", automargin=False)
    _count_axis(fig, df["数值"], unit)
    return styled(fig, title, footer=[*notes, src], unit=unit)


def hbar(labels: Sequence[str], values: Sequence, title: str, unit: str = "", *, source: str = DEFAULT_SOURCE,
         n_reports: Optional[int] = None, color: str = PALETTE[0], colors: Optional[Sequence[str]] = None,
         hover: Optional[Sequence[str]] = None, note: str = "", empty: str = "没有可绘制的数据") -> go.Figure:
    """One series of horizontal bars, largest on top, labels on the left in full (the margin fits the longest)
    and the value at each bar's end. For rankings: the most common problems, the bodies with most errors.
    ``empty`` is what the chart says when there is nothing to rank."""
    src = source_line(n_reports, source)
    if not len(labels):
        return empty_figure(empty, title, footer=[note, src])
    shown = [plotly_text(x) for x in labels]
    vals = [None if v is None or pd.isna(v) else float(v) for v in values]
    fig = Draft()
    fig.add_trace(
        "bar", y=shown, x=vals, orientation="h", marker_color=list(colors) if colors is not None else color,
        text=[("" if v is None else f"{v:g}") for v in vals], textposition="outside", cliponaxis=False,
        customdata=[plotly_text(h) for h in hover] if hover is not None else None,
        hovertemplate=("%{y}<br>%{x}" + plotly_text(unit) + ("<br>%{customdata}" if hover is not None else "")
                       + "<extra></extra>"),
    )
    fig.update_yaxes(type="category", autorange="reversed", automargin=False)
    top = max([v for v in vals if v is not None], default=0)
    # a bar that cannot be drawn says so where it would be
    fig.add_annotations([dict(text="未知", x=0, y=label, xanchor="left", xshift=4, showarrow=False, name="blank",
                                font=dict(family=CJK_FONT, size=FOOTER_SIZE, color=NOTE_COLOR))
                           for label, v in zip(shown, vals) if v is None])
    _count_axis(fig, pd.Series(vals, dtype="float64"), unit, axis="x")
    fig.update_xaxes(range=[0, max(1, top) * 1.15])
    left = int(max(text_width(s) for s in shown)) + 24
    height = max(260, 150 + 30 * len(shown))
    return styled(fig, title, height=height, footer=[note, src], unit=unit, unit_axis="x",
                  margin=dict(l=left, t=70, b=80))


# ---------------------------------------------------------------------------
# Completeness
# ---------------------------------------------------------------------------

HEATMAP_ROW = 30       # px per report row
HEATMAP_COLUMN_PAD = 22


def heatmap_labels(matrix: pd.DataFrame, label_column: str = "报告") -> list[str]:
    """Row labels of the completeness heat map: ``单位 2023年`` (short enough to read), the full report label
    (with its file) only where two rows would read alike."""
    if {"单位", "年度"} <= set(matrix.columns):
        short = [f"{b or '（单位未识别）'} {int(y)}年" if pd.notna(y) else f"{b or '（单位未识别）'}（年度未识别）"
                 for b, y in zip(matrix["单位"], matrix["年度"])]
        dup = pd.Series(short).duplicated(keep=False).to_numpy()
        return [matrix[label_column].iloc[i] if dup[i] else s for i, s in enumerate(short)]
    return [str(x) for x in matrix[label_column]]


def completeness_heatmap(matrix: pd.DataFrame, items: list[str], label_column: str = "报告",
                         short: dict | None = None, *, source: str = DEFAULT_SOURCE) -> go.Figure:
    """Reports × items heatmap: green where present, red where missing (text 有 / 缺).

    Sized to its content: the left margin fits the longest row label, the top margin the column headers (two
    lines each, ``一<br>总体情况``), each column as wide as its widest header line, each row
    :data:`HEATMAP_ROW` px; the figure's own width is set, so a PNG has no empty band either side."""
    src = source_line(len(matrix), source)
    title = titled("章节与表格完整性", matrix["年度"] if "年度" in matrix.columns else [])
    if matrix.empty:
        return empty_figure("没有可显示的报告", title, footer=[src])
    z = matrix[items].astype(bool).astype(int).values
    text = [["有" if v else "缺" for v in row] for row in z]
    headers = [(short or {}).get(i, i) for i in items]
    rows = [plotly_text(x) for x in heatmap_labels(matrix, label_column)]
    full = [plotly_text(x) for x in matrix[label_column]]
    fig = Draft()
    fig.add_trace(
        "heatmap", z=z, x=headers, y=rows, text=text, texttemplate="%{text}",
        customdata=[[f] * len(items) for f in full],
        zmin=0, zmax=1, colorscale=[[0, "#f8d0d0"], [0.5, "#f8d0d0"], [0.5, "#c9ecd0"], [1, "#c9ecd0"]],
        showscale=False, xgap=2, ygap=2,
        hovertemplate="%{customdata}<br>%{x}：%{text}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed", type="category", automargin=False, tickfont=dict(size=FONT_SIZE))
    fig.update_xaxes(side="top", type="category", automargin=False, tickangle=0, tickfont=dict(size=FONT_SIZE - 1))
    column = int(max(text_width(h, FONT_SIZE - 1) for h in headers)) + HEATMAP_COLUMN_PAD
    header_h = int(max(text_lines(h) for h in headers) * (FONT_SIZE + 4)) + 12
    left = int(max(text_width(r) for r in rows)) + 24
    top = 60 + header_h
    width = max(left + column * len(items) + 30, int(text_width(title, TITLE_SIZE)) + 40,
                int(text_width(src, FOOTER_SIZE)) + 40)
    n_missing = int((z == 0).sum())
    note = f"注：红色“缺”为报告中未找到的章节或表格，共 {n_missing} 处。" if n_missing else ""
    return styled(fig, title, height=top + HEATMAP_ROW * len(rows) + 30, footer=[note, src],
                  margin=dict(l=left, r=30, t=top, b=20), width=width)
