"""The 简报 page and briefing-grade figures: the numbers of one county and year from a store of demo-county reports,
the page (AppTest), the Word briefing, chart PNGs (size, Chinese text drawn), notes on blank values, heat-map labels.

The store is built once per session from the text, web-page and Word files of five bodies of the demo county
(sample_reports/demo/; no scans, no OCR) with a roster of those five and 北山乡, which never reports; each test
works on its own copy.
"""
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from parsing import batch
from parsing.store import Store
from tests.waits import HANG_SECONDS
from ui import briefing, exports, figures, storeview, views

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "sample_reports" / "demo"
APP = str(ROOT / "app.py")
BODIES = ["示例县人民政府", "示例县自然资源局", "河湾镇", "东城街道", "白沙镇"]
HEADINGS = ["一、总体情况", "二、报送与审查结论", "三、最常见的问题", "四、问题较多的单位", "五、逾期发布", "六、历年趋势"]
needs_chromium = pytest.mark.skipif(not exports.chromium_available(), reason="no chromium for kaleido on this machine")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """A store of the five bodies' 2021-2025 reports (白沙镇 has none for 2022) and their roster, built once."""
    root = tmp_path_factory.mktemp("briefing")
    files = root / "files"
    files.mkdir()
    for p in DEMO.iterdir():
        if p.suffix in (".html", ".docx", ".txt") and p.name.split("_")[0] in BODIES:
            shutil.copy(p, files / p.name)
    db = root / "reports.sqlite3"
    s = Store(db)
    result = batch.import_folder(files, s, workers=0)
    assert result["imported"] == 24 and not result["failed"], result
    roster = pd.read_csv(DEMO / "名册.csv", encoding="utf-8-sig")
    s.import_roster(roster[roster["单位名称"].isin(BODIES + ["北山乡"])])
    s.close()
    return db


@pytest.fixture
def store_copy(demo_store, store_db) -> Path:
    """This test's own copy of the demo store, at the path the app opens (GOVREPORT_DB, see conftest)."""
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(demo_store) + suffix)
        if src.exists():
            shutil.copy(src, str(store_db) + suffix)
    return store_db


def briefing_of(db: Path, year: int, scope: str = "示例县") -> briefing.Briefing:
    from ui import metrics

    s = Store(db)
    try:
        cat = storeview.stored_catalog(s)
        trend = metrics.trend_frame(storeview.working_values(s, {}, "三", "总计"), "requests")
        return briefing.build(cat, storeview.store_findings(s), s.roster(), scope, year, trend)
    finally:
        s.close()


# ---------------------------------------------------------------------------
# The numbers
# ---------------------------------------------------------------------------

def test_briefing_counts_reports_against_the_roster_and_finds_the_late(store_copy):
    b = briefing_of(store_copy, 2022)
    assert b.n_roster == 6 and b.n_received == 4 and set(b.missing) == {"白沙镇", "北山乡"}
    assert b.n_reports == 4 and not b.off_roster and b.demo
    assert figures.footer_texts(briefing.figures_of(b)["status"])["source"][0].startswith("数据来源：示例数据·示例县")
    assert b.late[["单位", "规则", "发布日期", "期限"]].values.tolist() == [
        ["示例县自然资源局", "PUB-01", "2023-02-14", "2023-01-31"]]
    assert b.late["逾期天数"].tolist() == [14] and b.late["问题"].tolist() == ["部门逾期发布"]
    assert b.problems["问题"].iloc[0] == "部门逾期发布"  # the Chinese rule name, the code beside it
    assert b.worst["单位"].tolist()[0] == "示例县自然资源局"
    hist = b.history.set_index("年度")
    assert hist.loc[2022, "已报送"] == 4 and hist.loc[2023, "已报送"] == 5 and hist.loc[2022, "应报送"] == 6
    assert hist.loc[2022, "逾期"] == 1 and hist.loc[2023, "逾期"] == 1
    b23 = briefing_of(store_copy, 2023)
    assert b23.late["单位"].tolist() == ["河湾镇"] and b23.late["规则"].tolist() == ["PUB-03"]
    assert b23.late["逾期天数"].tolist() == [47]  # 2024-03-18 against 31 January
    assert b23.missing == ["北山乡"]
    assert "逾期发布 1 个单位：河湾镇（逾期 47 天）。" in briefing.summary_lines(b23)


def test_a_report_without_a_publication_date_is_not_counted_as_on_time(store_copy):
    b = briefing_of(store_copy, 2021)  # 东城街道's 2021 report is a Word file that does not say when it was published
    assert "东城街道" in b.undated and "东城街道" not in set(b.late["单位"])
    assert any("未载明发布日期，未检查是否逾期" in x for x in briefing.summary_lines(b))
    assert "未载明发布日期" in " ".join(figures.footer_texts(briefing.figures_of(b)["late"])["note"])


def test_without_a_roster_nothing_is_counted_as_not_sent(store_copy):
    b = briefing_of(store_copy, 2022, briefing.ALL)
    s = Store(store_copy)
    try:
        cat = storeview.stored_catalog(s)
        no_roster = briefing.build(cat, storeview.store_findings(s), None, briefing.ALL, 2022)
    finally:
        s.close()
    assert no_roster.n_roster is None and no_roster.missing == [] and no_roster.n_reports == b.n_reports == 4
    assert briefing.status_counts(no_roster)["结论"].tolist() == ["通过", "有警告", "有错误", "无法读取"]  # no 未报送 row
    assert "未导入名册" in briefing.summary_lines(no_roster)[0]


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------

def test_briefing_page_on_the_demo_county(store_copy):
    at = AppTest.from_file(APP, default_timeout=HANG_SECONDS)
    at.run()
    at.switch_page("pages/briefing.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="briefing_scope").options == ["示例县", briefing.ALL]
    assert at.selectbox(key="briefing_year").value == 2025
    at.selectbox(key="briefing_year").select(2022).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["名册应报送"] == "6 个" and metrics["已报送"] == "4 个" and metrics["未报送"] == "2 个"
    assert metrics["逾期发布"] == "1 个"
    text = "\n".join(str(e.value) for e in (*at.markdown, *at.subheader))
    assert "示例县2022年度政府信息公开工作年度报告审查简报（示例数据）" in text
    assert any(str(i.value).startswith("示例数据：") for i in at.info)  # the demo county says it is made up
    assert "示例县自然资源局（逾期 14 天）" in text and "白沙镇" in text
    headings = [s.value for s in at.subheader]
    for h in ("报送与审查结论", "最常见的问题", "问题较多的单位", "逾期发布的单位", "历年报送与审查情况"):
        assert h in headings
    late = next(d.value for d in at.dataframe if "逾期天数" in d.value.columns)
    assert late["单位"].tolist() == ["示例县自然资源局"] and late["逾期天数"].tolist() == [14]
    assert len(at.get("plotly_chart")) == 7
    # every chart has its CSV and PNG (or the sentence saying why there is no PNG), the page its Word file
    buttons = {b.proto.label for b in at.get("download_button")}
    assert {"下载简报（Word）", "下载数据（CSV）"} <= buttons
    if exports.chromium_available():
        assert {"下载图表（PNG，高清）", "下载简报（PDF）"} <= buttons


def test_briefing_page_without_reports_says_what_to_do():
    at = AppTest.from_file(APP, default_timeout=HANG_SECONDS)
    at.run()
    at.switch_page("pages/briefing.py").run()
    assert not at.exception, at.exception
    assert any("还没有报告" in str(i.value) for i in at.info)


# ---------------------------------------------------------------------------
# The Word briefing
# ---------------------------------------------------------------------------

def tiny_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buf, format="PNG")
    return buf.getvalue()


def test_word_briefing_has_the_headings_numbers_and_charts(store_copy):
    from docx import Document

    b = briefing_of(store_copy, 2022)
    data = briefing.docx(b, {"status": tiny_png(), "late": tiny_png()})
    doc = Document(io.BytesIO(data))
    paras = [p.text for p in doc.paragraphs]
    assert paras[0] == "示例县2022年度政府信息公开工作年度报告审查简报（示例数据）"
    assert paras[1].startswith("示例数据：")
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert heads == HEADINGS
    body = "\n".join(paras)
    assert "名册应报送 6 个单位，已报送 4 个，未报送 2 个" in body and "通过率 75.0%" in body
    assert "图：报送与审查结论" in body and "图：逾期发布的单位" in body
    assert len(doc.inline_shapes) == 2  # the two charts given; the others are left out, their tables stay
    cells = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    assert ["示例县自然资源局", "部门逾期发布", "2023-02-14", "2023-01-31", "14", "PUB-01"] in cells
    assert ["2022", "6", "4", "3", "1", "1", "75%"] in cells
    assert briefing.file_name(b).startswith("示例县2022年度年报审查简报_") and briefing.file_name(b).endswith(".docx")


def test_file_name_of_a_hostile_county_has_no_path():
    b = briefing.Briefing(scope="../坏/县\x00", year=2023, generated="", n_roster=None, reports=pd.DataFrame(),
                          missing=[], off_roster=[], badges={}, problems=pd.DataFrame(), worst=pd.DataFrame(),
                          late=pd.DataFrame(), undated=[], history=pd.DataFrame())
    name = briefing.file_name(b)
    assert "/" not in name and "\x00" not in name and name.startswith(".._坏_县_2023年度")


# ---------------------------------------------------------------------------
# Figures: title, unit, source line, notes, labels
# ---------------------------------------------------------------------------

def trend(values, years=(2021, 2022, 2023)) -> pd.DataFrame:
    return pd.DataFrame({"单位": "甲镇", "地区": "", "年度": list(years), "项目": "本年新收", "数值": values,
                         "完整": [not pd.isna(v) for v in values], "文件": "", "sha256": [f"s{y}" for y in years]})


def test_figures_carry_title_with_years_a_horizontal_unit_and_the_source_line():
    fig = figures.trend_over_years(trend([3.0, 4.0, 6.0]), "本年新收申请", "件")
    assert fig.layout.title.text == "本年新收申请（2021—2023年）"
    assert not fig.layout.yaxis.title.text  # no rotated axis title: the unit stands at the top of the axis
    texts = figures.footer_texts(fig)
    assert texts["unit"] == ["单位：件"]
    unit = next(a for a in fig.layout.annotations if a.name == "unit")
    assert unit.textangle in (None, 0) and unit.y == 1 and unit.yanchor == "bottom"
    assert len(texts["source"]) == 1 and texts["source"][0].startswith("数据来源：")
    assert "（3份）；生成于" in texts["source"][0] and texts["source"][0].endswith("北京时间")
    assert texts["note"] == []  # nothing blank: no note
    bars = figures.bars_across_bodies(pd.DataFrame({"单位": ["甲镇"], "年度": [2023], "项目": ["x"], "数值": [2.0]}),
                                      "2023年 申请", "件")
    assert bars.layout.title.text == "2023年 申请"  # the title names its year already


def test_a_figure_with_blank_values_says_so_in_the_chart():
    fig = figures.trend_over_years(trend([3.0, np.nan, 6.0]), "本年新收申请", "件")
    note = figures.footer_texts(fig)["note"]
    assert len(note) == 1 and "1 个数值含空白或无法识别" in note[0] and "空白不按 0 计" in note[0]
    assert pd.isna(fig.data[0].y[1])  # a gap, not 0
    gap = figures.trend_over_years(trend([3.0, 6.0], years=(2021, 2023)), "本年新收申请", "件")
    assert list(gap.layout.xaxis.categoryarray) == ["2021", "2022", "2023"]  # the year without a report stays
    assert "1 处该年度没有报告" in figures.footer_texts(gap)["note"][0]
    one = pd.DataFrame({"单位": ["甲镇", "乙乡"], "年度": 2023, "项目": "x", "数值": [2.0, np.nan]})
    bars = figures.bars_across_bodies(one, "2023年 申请", "件")
    assert "空白不按 0 计" in figures.footer_texts(bars)["note"][0]
    assert any(a.text == "空白" and a.x == "乙乡" for a in bars.layout.annotations if a.name == "blank")
    empty = figures.trend_over_years(trend([np.nan] * 3), "本年新收申请", "件")
    assert "3 个数值含空白" in figures.footer_texts(empty)["note"][0]


def test_report_text_in_figures_is_escaped():
    fig = figures.hbar(['<a href="http://x">镇</a>'], [1], "t", "项")
    assert fig.data[0].y[0] == '&lt;a href="http://x"&gt;镇&lt;/a&gt;'
    many = pd.DataFrame({"单位": [f"<b>镇{i}</b>" for i in range(8)], "年度": 2023, "项目": "x", "数值": 1.0})
    assert all("<b>" not in y for y in figures.bars_across_bodies(many, "t", "件").data[0].y)


def matrix_of(n: int, name=lambda i: f"单位{i}") -> pd.DataFrame:
    rows = []
    for i in range(n):
        r = {"报告": f"{name(i)} 2023年 · {name(i)}_2023年政府信息公开工作年度报告.html", "单位": name(i), "年度": 2023,
             "sha256": str(i)}
        r.update({it: bool((i + k) % 5) for k, it in enumerate(views.COMPLETENESS_ITEMS)})
        rows.append(r)
    return pd.DataFrame(rows)


def test_heatmap_is_sized_to_its_content_and_labels_fit():
    long = "示例县住房和城乡建设局"
    small = figures.completeness_heatmap(matrix_of(3), views.COMPLETENESS_ITEMS, short=views.COMPLETENESS_SHORT)
    big = figures.completeness_heatmap(matrix_of(40, lambda i: long if i == 7 else f"镇{i}"),
                                       views.COMPLETENESS_ITEMS, short=views.COMPLETENESS_SHORT)
    assert big.layout.height - small.layout.height == 37 * figures.HEATMAP_ROW
    labels = list(big.data[0].y)
    assert labels[7] == f"{long} 2023年"  # body and year, not the file name
    assert len(set(labels)) == 40
    m = big.layout.margin
    assert m.l >= figures.text_width(labels[7]) + 10  # the longest label fits in the left margin
    assert big.layout.yaxis.automargin is False and big.layout.xaxis.tickangle == 0
    plot_width = big.layout.width - m.l - m.r
    column = plot_width / len(views.COMPLETENESS_ITEMS)
    widest = max(figures.text_width(h, figures.FONT_SIZE - 1) for h in big.data[0].x)
    assert column >= widest + 10  # headers do not overlap
    assert m.t >= 2 * (figures.FONT_SIZE + 4)  # two header lines fit above the grid
    # duplicate body and year: the full label tells them apart
    twin = pd.concat([matrix_of(1), matrix_of(1).assign(报告="单位0 2023年 · 另一份.pdf", sha256="x")])
    assert list(figures.completeness_heatmap(twin, views.COMPLETENESS_ITEMS).data[0].y) == list(twin["报告"])


@needs_chromium
def test_heatmap_png_has_the_figure_size_and_nothing_touches_the_left_edge():
    from PIL import Image

    fig = figures.completeness_heatmap(matrix_of(25, lambda i: "示例县市场监督管理局" if i == 0 else f"镇{i}"),
                                       views.COMPLETENESS_ITEMS, short=views.COMPLETENESS_SHORT)
    png, msg = exports.figure_png(fig, scale=1)
    assert msg is None
    img = Image.open(io.BytesIO(png)).convert("L")
    assert img.size == (fig.layout.width, fig.layout.height)
    strip = np.asarray(img)[:, :4]
    assert strip.min() > 200  # the leftmost pixels are background: no label cut at the edge


def test_briefing_figures_are_what_the_template_set_by_name_gives(store_copy, monkeypatch):
    """figures.styled sets the plotly_white template without plotly's deep copy of it (figures._white): every
    briefing figure's JSON is, key for key, the one ``update_layout(template="plotly_white")`` gives."""
    monkeypatch.setattr(figures, "generated_text", lambda at=None: "2026-12-01 20:00:00 北京时间")
    b = briefing_of(store_copy, 2024)
    fast = briefing.figures_of(b)
    monkeypatch.setattr(figures, "_white", lambda fig: fig.update_layout(template="plotly_white"))
    named = briefing.figures_of(b)
    assert len(fast) >= 6 and fast.keys() == named.keys()
    for key in fast:
        assert fast[key].to_json() == named[key].to_json(), key
        assert fast[key].layout.template.layout.paper_bgcolor == "white", key


@needs_chromium
def test_briefing_chart_pngs_have_the_expected_size_and_draw_chinese(store_copy):
    from PIL import Image

    b = briefing_of(store_copy, 2022)
    figs = briefing.figures_of(b)
    a = figures.empty_figure("审查简报", "报送情况")
    c = figures.empty_figure("逾期单位", "通过比例")  # same lengths: with boxes for glyphs both would be the same
    pngs, msg = exports.figures_png({"status": figs["status"], "a": a, "c": c}, scale=2)
    assert msg is None
    status = Image.open(io.BytesIO(pngs["status"]))
    assert status.size == (2 * figures.WIDTH, 2 * figs["status"].layout.height)
    assert pngs["a"] != pngs["c"]
    ia, ic = (np.asarray(Image.open(io.BytesIO(pngs[k])).convert("L")) for k in ("a", "c"))
    assert (ia != ic).mean() > 0.001


def test_html_briefing_escapes_report_text_and_allows_no_script():
    from parsing.exports import Heading, Image, Paragraph, Table, html_document

    evil = '<script>alert(1)</script><img src="http://x/y.png">'
    page = html_document([Heading(evil, 0), Paragraph(["单位：", evil], "bullet"), Table(["单位"], [[evil]]),
                          Image(tiny_png(), caption=evil)], title=evil)
    assert "<script>" not in page and 'src="http://x' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page and 'src="data:image/png;base64,' in page


@needs_chromium
def test_pdf_briefing_is_printed_with_its_text(store_copy):
    import pdfplumber

    b = briefing_of(store_copy, 2022)
    pdf, msg = exports.pdf_from_html(briefing.html(b, {"status": tiny_png()}))
    assert msg is None and pdf.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages)
    assert "名册应报送 6 个单位，已报送 4 个，未报送 2 个" in text.replace("\n", "")
    assert "逾期发布" in text


def test_briefing_of_reports_checked_in_this_session_only():
    """Reports dropped without a store (no roster, no decisions): all of them, by their printed names."""
    from tests.test_ui_figures import make_report
    from ui import core

    reports = [make_report("甲镇", 2023), make_report("乙乡", 2023, {("四", "行政复议", "总计"): "blank"}),
               make_report("甲镇", 2022)]
    cat = storeview.session_catalog(reports, set())
    findings = pd.concat([storeview.with_decision_columns(core.check_report(r).assign(sha256=r.sha256, file=r.file))
                          for r in reports], ignore_index=True)
    assert briefing.scopes(cat, None) == [briefing.ALL] and briefing.years_of(cat, briefing.ALL) == [2023, 2022]
    b = briefing.build(cat, findings, None, briefing.ALL, 2023)
    assert b.n_reports == 2 and b.n_roster is None and not b.demo
    errors = b.reports.set_index("单位")["错误数"]
    assert b.worst["单位"].tolist() == sorted(errors.index, key=lambda u: -errors[u])  # most errors first
    assert b.worst["错误数"].tolist() == sorted(errors, reverse=True)
    blank = b.problems.set_index("规则").loc["ARI-06"]  # only 乙乡 left a cell blank
    assert blank["问题"] == "单元格空白" and blank["单位数"] == 1 and blank["级别"] == "警告"
    assert b.problems["单位数"].is_monotonic_decreasing
    assert b.undated == ["乙乡", "甲镇"]  # neither says when it was published: not checked, not on time
    assert b.history["已报送"].tolist() == [1, 2] and b.history["应报送"].isna().all()
    figs = briefing.figures_of(b)
    assert set(figs) == {"status", "problems", "worst", "late", "history", "pass_rate"}


def test_footer_stays_in_the_bottom_margin_below_the_axis():
    fig = figures.trend_over_years(trend([3.0, np.nan, 6.0], years=(2021, 2022, 2024)), "本年新收申请", "件")
    lines = sum(a.text.count("<br>") + 1 for a in fig.layout.annotations if a.name in ("note", "source"))
    assert lines >= 3  # a note with two parts and the source line, wrapped
    assert all(figures.text_width(x, figures.FOOTER_SIZE) <= figures.FOOTER_MAX
               for a in fig.layout.annotations if a.name in ("note", "source") for x in a.text.split("<br>"))
    top_of_footer = 6 + figures.FOOTER_LINE * lines  # px above the figure's bottom edge
    assert fig.layout.margin.b - top_of_footer >= 60  # room left for the year ticks and the axis title
    assert all(a.yshift < 0 and -a.yshift <= fig.layout.margin.b for a in fig.layout.annotations
               if a.name in ("note", "source"))


def test_source_line_is_in_beijing_time_in_the_one_format():
    from datetime import datetime, timezone

    at = datetime(2026, 12, 1, 13, 40, 12, tzinfo=timezone.utc)
    assert figures.source_line(12, at=at) == "数据来源：各单位政府信息公开工作年度报告（12份）；生成于2026-12-01 21:40:12 北京时间"
    assert figures.source_line(None, "某县报告", at=at) == "数据来源：某县报告；生成于2026-12-01 21:40:12 北京时间"
