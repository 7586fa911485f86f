"""The figures made as drafts (:class:`ui.figures.Draft`: plain dicts, one ``go.Figure`` made at the end without
validating every call) have the JSON of the figures made call by call on a validating ``go.Figure``, as
``ui/figures.py`` did at 74d46fc (kept as ``tests/figures_74d46fc.py``), for every builder and the cases that
change what it draws: one or several bodies and items, blank values (gaps, 空白 marks), years without a report,
small counts (whole ticks), amounts, long and hostile names, given colours, empty frames."""
import json

import numpy as np
import pandas as pd
import pytest

from tests import figures_74d46fc as old
from ui import figures, views

AT = "2026-12-01 20:00:00 北京时间"


@pytest.fixture(autouse=True)
def same_time(monkeypatch):
    for m in (figures, old):
        monkeypatch.setattr(m, "generated_text", lambda at=None: AT)


def _json(fig):
    return json.loads(fig.to_json())


def _same(build, *args, **kwargs):
    new, ref = getattr(figures, build)(*args, **kwargs), getattr(old, build)(*args, **kwargs)
    assert _json(new) == _json(ref), build
    return new, ref


def _frame(bodies, items, years, blank=(), absent=()):
    rows = []
    rng = np.random.default_rng(len(bodies) * 7 + len(items))
    for b in bodies:
        for y in years:
            if (b, y) in absent:
                continue
            for it in items:
                v = np.nan if (b, y, it) in blank else float(rng.integers(0, 400))
                rows.append({"单位": b, "地区": "", "年度": y, "项目": it, "数值": v, "完整": not np.isnan(v),
                             "文件": f"{b}{y}.pdf", "sha256": f"{b}{y}"})
    return pd.DataFrame(rows)


ITEMS = ["本年新收", "上年结转", "结转下年度"]
EVIL = '<a href="http://x">镇</a><b>粗</b>'


@pytest.mark.parametrize("case", [
    dict(bodies=["甲镇"], items=ITEMS, years=[2021, 2022, 2023]),
    dict(bodies=["甲镇", "乙乡", EVIL], items=["本年新收"], years=[2021, 2022, 2024], absent={("乙乡", 2022)}),
    dict(bodies=["甲镇", "乙乡"], items=ITEMS[:2], years=[2022, 2023], blank={("甲镇", 2023, "本年新收")}),
    dict(bodies=[f"第{i}单位" for i in range(12)], items=["本年新收"], years=list(range(2016, 2026))),
])
@pytest.mark.parametrize("unit", ["件", "万元", ""])
def test_trend_over_years(case, unit):
    df = _frame(**case)
    _same("trend_over_years", df, "依申请公开", unit)
    _same("trend_over_years", df, "2024年 依申请公开", unit, n_reports=12, note="注：另有 3 个数值未计入。",
          source="某县年报")


def test_trend_over_years_small_counts_and_empty():
    small = pd.DataFrame({"单位": "甲", "年度": [2022, 2023], "项目": "通过率", "数值": [1.0, 2.0]})
    new, ref = _same("trend_over_years", small, "通过", "件")
    for f in (new, ref):
        f.update_yaxes(range=[0, 105], dtick=20)  # what the briefing does after: validated on both
    assert _json(new) == _json(ref)
    _same("trend_over_years", small.iloc[:0], "无", "件")
    _same("trend_over_years", small.assign(数值=np.nan), "全空", "件")


@pytest.mark.parametrize("bodies", [["甲镇", "乙乡"], ["甲镇", "很长很长的名字人民政府"], [f"单位{i}" for i in range(60)],
                                    [EVIL, "乙乡"]])
@pytest.mark.parametrize("unit", ["件", "万元"])
def test_bars_across_bodies(bodies, unit):
    df = _frame(bodies, ITEMS, [2024], blank={(bodies[0], 2024, "上年结转"), (bodies[-1], 2024, "本年新收")})
    _same("bars_across_bodies", df, "2024年 申请", unit)
    _same("bars_across_bodies", df, "2024年 申请", unit, n_reports=3, colors=["#111111", "#222222", "#333333"],
          note="注：按错误数排序。", horizontal=True)
    _same("bars_across_bodies", df[df["项目"] == "本年新收"], "一项", unit, horizontal=False)
    _same("bars_across_bodies", df.iloc[:0], "空", unit)


@pytest.mark.parametrize("values", [[3, 1, 2], [12, None, 0.5], [None], [250, 3, 7, 1, 1, 0]])
def test_hbar(values):
    labels = [f"问题{i}" if i else EVIL for i in range(len(values))]
    _same("hbar", labels, values, "最常见的问题", "个单位", n_reports=9)
    _same("hbar", labels, values, "逾期", "天", color="#8c564b", hover=[f"h{i}<b>" for i in range(len(values))],
          note="注：另有 2 份。", source="某县")
    _same("hbar", labels, values, "结论", "份", colors=["#2ca02c", "#d62728", "#ff7f0e", "#7f7f7f", "#111", "#222"]
          [:len(values)])
    _same("hbar", [], [], "空", "项", empty="各单位报告均未发现错误或警告")


def test_empty_figure_and_heatmap():
    _same("empty_figure", "没有可绘制的数据", "标题", footer=["注：x。", "数据来源：y"])
    _same("empty_figure", EVIL)
    items = views.COMPLETENESS_ITEMS
    matrix = pd.DataFrame({"报告": ["甲 2023", "乙 2023"], "单位": ["甲", "乙"], "年度": [2023, 2023],
                           **{i: [True, k % 3 > 0] for k, i in enumerate(items)}})
    _same("completeness_heatmap", matrix, items)
    _same("completeness_heatmap", matrix.iloc[:0], items)


def test_the_comparison_fails_on_a_change():
    """A draft that differs in one property does not compare equal (the comparison above can fail)."""
    df = _frame(["甲镇", "乙乡"], ITEMS, [2024], blank={("甲镇", 2024, "上年结转")})
    new, ref = figures.bars_across_bodies(df, "t", "件"), old.bars_across_bodies(df, "t", "件")
    assert _json(new) == _json(ref)
    new.update_layout(barmode="stack")
    assert _json(new) != _json(ref)
