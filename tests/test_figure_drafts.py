"""The figures made as drafts (:class:`ui.figures.Draft`: plain dicts, one ``go.Figure`` made at the end without
validating every call) have the JSON of the figures made call by call on a validating ``go.Figure``, as
``ui/figures.py`` did at 74d46fc, for every builder and the cases that change what it draws: one or several bodies
and items, blank values (gaps, 空白 marks), years without a report, small counts (whole ticks), amounts, long and
hostile names, given colours, empty frames.

The reference is ``tests/golden/figures/drafts.json``: each case's figure JSON as the call-by-call builders of
74d46fc made it (the shared template kept once, under ``"_template"``). Regenerate only after a reviewed change to
what a figure draws: ``UPDATE_GOLDEN=1 python -m pytest tests/test_figure_drafts.py``."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests import golden_io
from ui import figures, views

AT = "2026-12-01 20:00:00 北京时间"
GOLDEN = Path(__file__).parent / "golden" / "figures" / "drafts.json"
_GOLDEN = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}
_WRITTEN: dict = {}
_CASE = ["", 0]  # the running test's id and how many figures it has checked


@pytest.fixture(autouse=True)
def same_time(monkeypatch, request):
    monkeypatch.setattr(figures, "generated_text", lambda at=None: AT)
    _CASE[:] = [request.node.name, 0]


@pytest.fixture(autouse=True, scope="module")
def write_golden():
    yield
    if golden_io.updating() and _WRITTEN:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(dict(sorted(_WRITTEN.items())), ensure_ascii=False, sort_keys=True, indent=0)
                          + "\n", encoding="utf-8")


def _json(fig):
    return json.loads(fig.to_json())


def _check(fig):
    """``fig``'s JSON is the reference's for this test's next figure."""
    got = _json(fig)
    template = got.get("layout", {}).pop("template", None)
    key = f"{_CASE[0]}#{_CASE[1]}"
    _CASE[1] += 1
    if golden_io.updating():
        _WRITTEN[key] = got
        _WRITTEN["_template"] = template
        return
    assert key in _GOLDEN, f"no reference for {key}: run with UPDATE_GOLDEN=1"
    assert got == _GOLDEN[key], key
    assert template == _GOLDEN["_template"], key


def _same(build, *args, **kwargs):
    new = getattr(figures, build)(*args, **kwargs)
    _check(new)
    return new


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
    new = _same("trend_over_years", small, "通过", "件")
    new.update_yaxes(range=[0, 105], dtick=20)  # what the briefing does after: validated as before
    _check(new)
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
    """A figure that differs in one property does not compare equal (the comparison above can fail)."""
    if golden_io.updating():
        pytest.skip("writing the references")
    df = _frame(["甲镇", "乙乡"], ITEMS, [2024], blank={("甲镇", 2024, "上年结转"), ("乙乡", 2024, "本年新收")})
    _CASE[:] = ["test_bars_across_bodies[\\u4ef6-bodies0]", 0]  # pytest writes the unit 件 escaped in the id
    new = figures.bars_across_bodies(df, "2024年 申请", "件")
    _check(new)
    new.update_layout(barmode="stack")
    _CASE[1] = 0
    with pytest.raises(AssertionError):
        _check(new)
