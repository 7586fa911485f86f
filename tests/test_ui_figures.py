"""Unit tests of the dashboard's plain-Python helpers: figures, form tables, exports, uploads, comparisons."""
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parsing import forms
from parsing.report import FINDING_COLUMNS, VALUE_COLUMNS, ParsedReport, SectionText
from ui import compare, core, exports, figures, metrics, pdfpage, storeview, tables, views

ROOT = Path(__file__).resolve().parents[1]
Q_NEW = "一、本年新收政府信息公开申请数量"
Q_PARTIAL = "三、本年度办理结果/（二）部分公开（区分处理的，只计这一情形，不计其他情形）"


def make_values(overrides=None, form=forms.FORM_2021) -> pd.DataFrame:
    """Every 2021 cell read as 1, except ``overrides`` {(table,row,col): value or 'blank'/'unreadable'}."""
    overrides = overrides or {}
    rows = []
    for c in forms.ALL_CELLS_2021:
        key = (c.table, c.row, c.column)
        v = overrides.get(key, 1.0)
        if v == "blank":
            rows.append([*key, np.nan, "", 2, "blank", form, None, None])
        elif v == "unreadable":
            rows.append([*key, np.nan, "一", 2, "unreadable", form, None, None])
        else:
            rows.append([*key, float(v), str(v), 2, "ok", form, None, None])
    return pd.DataFrame(rows, columns=VALUE_COLUMNS)


def make_report(body="甲镇", year=2023, overrides=None, sha=None, sections_text=None) -> ParsedReport:
    sections = {n: SectionText(n, True, forms.SECTIONS[n - 1].heading, (sections_text or {}).get(n, f"第{n}部分。"), 1)
                for n in range(1, 7)}
    return ParsedReport(file=f"{body}{year}.txt", sha256=sha or f"{body}{year}", format="text", body=body,
                        year=year, template=forms.FORM_2021, title=f"{body}{year}年政府信息公开工作年度报告",
                        sections=sections, values=make_values(overrides),
                        tables_found={"二": True, "三": True, "四": True})


def overview_of(reports, findings) -> pd.DataFrame:
    """The landing page's overview of parsed reports (none of them stored)."""
    f = storeview.with_decision_columns(findings.assign(file=None) if "file" not in findings else findings)
    return views.overview(storeview.session_catalog(reports, set()), f, views.completeness_of_reports(reports), {})


def finding(**kw) -> dict:
    return {c: kw.get(c) for c in FINDING_COLUMNS}


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def trend_rows():
    a = make_report("甲镇", 2021)
    b = make_report("甲镇", 2023, {("三", Q_NEW, "总计"): 7})
    c = make_report("乙乡", 2022, {("三", Q_NEW, "总计"): "blank"})
    return metrics.trend_frame(core.values_long([a, b, c]), "requests")


def test_trend_years_are_whole_number_categories_and_blanks_are_gaps():
    df = trend_rows()
    fig = figures.trend_over_years(df[df["项目"] == "本年新收"], "本年新收")
    assert fig.layout.xaxis.type == "category"
    assert list(fig.layout.xaxis.categoryarray) == ["2021", "2022", "2023"]
    by_name = {t.name: list(t.y) for t in fig.data}
    assert by_name["甲镇"] == [1.0, None, 7.0] or (by_name["甲镇"][0] == 1.0 and pd.isna(by_name["甲镇"][1]))
    assert pd.isna(by_name["乙乡"][1])  # blank 总计: unknown, never 0
    assert all(isinstance(x, str) and "." not in x for t in fig.data for x in t.x)


def test_every_figure_names_a_cjk_font():
    df = trend_rows()
    matrix = views.completeness_of_reports([make_report()])
    figs = [figures.trend_over_years(df, "t"), figures.bars_across_bodies(df[df["年度"] == 2023], "b"),
            figures.completeness_heatmap(matrix, views.COMPLETENESS_ITEMS), figures.empty_figure("无")]
    for fig in figs:
        assert "Noto Sans CJK SC" in fig.layout.font.family
        assert "Noto Sans CJK SC" in fig.layout.title.font.family


def test_bars_across_bodies_one_trace_per_item():
    df = trend_rows()
    fig = figures.bars_across_bodies(df[df["年度"] == 2023], "x")
    assert [t.name for t in fig.data] == ["本年新收", "上年结转", "结转下年度"]
    assert list(fig.data[0].x) == ["甲镇"] and list(fig.data[0].y) == [7.0]


def test_completeness_heatmap_marks_missing_items():
    r = make_report()
    r.sections[5] = SectionText(5, False)
    r.tables_found["四"] = False
    matrix = views.completeness_of_reports([r, make_report("乙乡")])
    fig = figures.completeness_heatmap(matrix, views.COMPLETENESS_ITEMS)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (2, 9)
    assert z[0].tolist() == [1, 1, 1, 1, 0, 1, 1, 1, 0] and z[1].sum() == 9
    assert fig.data[0].text[0][4] == "缺"


# ---------------------------------------------------------------------------
# Trend metrics
# ---------------------------------------------------------------------------

def test_trend_sum_of_group_is_unknown_when_a_part_is_blank():
    item = "三、本年度办理结果/（三）不予公开/1.属于国家秘密"
    ok = make_report("甲镇", 2022)
    gap = make_report("甲镇", 2023, {("三", item, "总计"): "blank"})
    df = metrics.trend_frame(core.values_long([ok, gap]), "outcomes")
    row = df[(df["项目"] == "不予公开")].set_index("年度")
    assert row.loc[2022, "数值"] == 8 and row.loc[2022, "完整"]
    assert pd.isna(row.loc[2023, "数值"]) and not row.loc[2023, "完整"]


def test_trend_uses_the_2019_single_other_row():
    r = make_report("丙镇", 2020)
    r.template = forms.FORM_2019
    v = r.values
    sub = v["row"].str.startswith("三、本年度办理结果/（六）其他处理/")
    v.loc[sub, ["value", "status"]] = [np.nan, "missing"]
    extra = pd.DataFrame([["三", forms.ROW_三_2019_OTHER.key, c, 4.0 if c == "总计" else 1.0, "1", 2, "ok", "2019", None, None]
                          for c in forms.APPLICANT_COLUMNS], columns=VALUE_COLUMNS)
    r.values = pd.concat([v, extra], ignore_index=True)
    df = metrics.trend_frame(core.values_long([r]), "outcomes").set_index("项目")
    assert df.loc["其他处理", "数值"] == 4


# ---------------------------------------------------------------------------
# Form tables
# ---------------------------------------------------------------------------

def test_form_table_shows_blank_as_blank_and_highlights_failing_cell():
    r = make_report(overrides={("四", "行政复议", "结果维持"): "blank", ("三", Q_PARTIAL, "自然人"): "unreadable"})
    f = pd.DataFrame([finding(rule="ARI-01", severity="error", message="总计不等于各列之和", table="三",
                              row=Q_NEW, column="总计", expected=6, actual=1)])
    frames = tables.form_frames(r.values, "四")
    assert frames[0]["text"].iloc[0, 0] == "（空）"
    assert "0" not in frames[0]["text"].iloc[0, 0]
    t3 = tables.form_frames(r.values, "三")[0]["text"]
    assert t3.iloc[3, 0] == "（无法识别：一）"
    html = tables.form_table_html(r.values, "三", forms.FORM_2021, f)
    assert "总计不等于各列之和" in html  # tooltip
    css = tables.MARK_CSS["error"].split(";")[0].replace(":", ": ")
    assert css in html
    # Exactly one cell carries the error colour.
    assert html.count("#f9c4c4") == 1


def test_row_only_finding_marks_the_whole_row():
    keys = [("三", Q_NEW, c) for c in forms.APPLICANT_COLUMNS] + [("三", Q_PARTIAL, "总计")]
    f = pd.DataFrame([finding(rule="X", severity="warning", message="m", table="三", row=Q_NEW)])
    marks, tips = tables.marks_from_findings(f, keys)
    assert set(marks) == set(keys[:7]) and set(marks.values()) == {"warning"}


def test_table_二_2019_reads_counterpart_cells():
    r = make_report(overrides={("二", "第二十条第（五）项/行政许可", "本年处理决定数量"): 9})
    frames = tables.form_frames(r.values, "二", forms.FORM_2019)
    permit = next(fr for fr in frames if fr["caption"] == "第二十条第（五）项")["text"]
    assert permit.loc["行政许可", "处理决定数量"] == "9"
    assert permit.loc["行政许可", "上一年项目数量"] == tables.CELL_MISSING


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------

def test_workbook_has_three_sheets_and_keeps_blanks_empty():
    from openpyxl import load_workbook

    r = make_report(overrides={("四", "行政复议", "总计"): "blank"})
    f = pd.DataFrame([dict(finding(rule="ARI-06", severity="warning", message="空白", table="四", row="行政复议"),
                           file=r.file, sha256=r.sha256)])
    values = core.values_long([r])
    data = exports.workbook_bytes(overview_of([r], f), f, values)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["报告", "问题清单", "数据明细"]
    rows = list(wb["数据明细"].iter_rows(values_only=True))
    head = rows[0]
    hit = [x for x in rows[1:] if x[head.index("行")] == "行政复议" and x[head.index("列")] == "总计"]
    assert len(hit) == 1 and hit[0][head.index("数值")] is None and hit[0][head.index("状态")] == "空白"
    assert wb["问题清单"].cell(row=2, column=1).value == r.file
    assert wb["报告"].cell(row=2, column=2).value == "甲镇"


def test_csv_has_bom_for_excel():
    b = exports.csv_bytes(pd.DataFrame({"单位": ["甲镇"], "数值": [np.nan]}))
    assert b.startswith(b"\xef\xbb\xbf") and "甲镇".encode() in b
    assert b.decode("utf-8-sig").splitlines()[1] == "甲镇,"


def test_png_export_says_why_without_chromium(monkeypatch):
    monkeypatch.setattr(exports, "chromium_available", lambda: False)
    png, msg = exports.figure_png(figures.empty_figure("x"))
    assert png is None and "Chromium" in msg


@pytest.mark.skipif(not exports.chromium_available(), reason="no chromium for kaleido on this machine")
def test_png_export_renders_at_print_scale():
    fig = figures.trend_over_years(trend_rows(), "本年新收")
    png, msg = exports.figure_png(fig, scale=3)
    assert msg is None and png[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    w, h = Image.open(io.BytesIO(png)).size
    assert w >= 3 * 600 and h >= 3 * 400


def test_report_summary_lists_findings_with_locations():
    r = make_report()
    r.sections[5] = SectionText(5, False)
    f = pd.DataFrame([finding(rule="ARI-01", severity="error", message="总计与各列之和不符", table="三", row=Q_NEW,
                              column="总计", expected=6, actual=5)])
    md = exports.report_summary_markdown(r, f)
    assert "审查结论：**有错误**" in md
    assert "总计与各列之和不符（应为 6，实为 5）" in md and "表三 · 一、本年新收政府信息公开申请数量 · 总计" in md
    assert "缺少章节：五、存在的主要问题及改进情况" in md
    from docx import Document

    doc = Document(io.BytesIO(exports.report_summary_docx(r, f)))
    assert "甲镇2023年" in doc.paragraphs[0].text
    cells = [c.text for c in doc.tables[0].rows[1].cells]
    assert cells[0] == "错误" and cells[3:] == ["6", "5"]


def test_summary_of_unreadable_file():
    r = ParsedReport(file="坏.pdf", sha256="x", error="文件“坏.pdf”是空文件（0 字节），无法读取。")
    md = exports.report_summary_markdown(r, core.check_report(r))
    assert "无法读取" in md and "0 字节" in md


def test_sample_reports_parse_without_crash():
    samples = sorted(p for p in (ROOT / "sample_reports").iterdir() if p.is_file())
    reps = [core.parse_file(p.read_bytes(), p.name) for p in samples]
    assert reps and not [r.error for r in reps if r.error and "程序出错" in r.error]
    findings = pd.concat([core.check_report(r).assign(sha256=r.sha256) for r in reps], ignore_index=True)
    ov = overview_of(reps, findings)
    assert len(ov) == len(samples) and ov["单位"].ne("").all()
    assert set(ov["结论"]) <= {"通过", "有警告", "有错误", "无法读取"}


def test_the_badge_is_one_function():
    """The overview, a report's own badge and the command line give the same badge for the same findings."""
    from parsing.cli import summary_lines

    r = make_report(overrides={("四", "行政复议", "总计"): "blank"})
    f = core.check_report(r)
    b = core.badge(f, r)
    assert b["label"] == "有错误" and b["error"] == int((f["severity"] == "error").sum())
    assert core.badge(f[f["severity"] != "error"], r)["label"] == "有警告"
    assert overview_of([r], f.assign(sha256=r.sha256))["结论"].tolist() == [b["label"]]
    assert b["label"] in summary_lines(r, f)[0]
    bad = ParsedReport(file="坏.pdf", sha256="bad", error="无法读取。")
    assert core.badge(f, bad)["label"] == "无法读取" == overview_of([bad], f.iloc[0:0])["结论"].iloc[0]


# ---------------------------------------------------------------------------
# Year against year, PDF pages
# ---------------------------------------------------------------------------

def test_compare_marks_changes_including_blank_to_number():
    prev = make_report("甲镇", 2022, {("四", "行政复议", "总计"): "blank"})
    cur = make_report("甲镇", 2023, {("三", Q_NEW, "总计"): 5, ("四", "行政复议", "总计"): 0})
    d = compare.compare_values(prev.values, cur.values)
    changed = d[d["已变化"]].set_index(["table", "row", "column"])
    assert set(changed.index) == {("三", Q_NEW, "总计"), ("四", "行政复议", "总计")}
    assert changed.loc[("三", Q_NEW, "总计"), "变化"] == "+4"
    assert changed.loc[("四", "行政复议", "总计"), "上年"] == "（空）"
    assert changed.loc[("四", "行政复议", "总计"), "变化"] == ""


def test_section_diff_measures_copied_text():
    same = "我镇高度重视政府信息公开工作。明确分管领导。"
    html, share = compare.section_diff(same + "去年的新做法。", same + "今年的新做法。")
    assert 0.6 < share < 1 and "与上年相同" in html and "今年的新做法" in html
    assert compare.section_diff("甲。", "乙。")[1] == 0


def test_page_render_outlines_cell():
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument.new()
    doc.new_page(595, 842)
    buf = io.BytesIO()
    doc.save(buf)
    png = pdfpage.render_page_png(buf.getvalue(), 1, bbox=(100, 100, 200, 130), dpi=72)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (595, 842)
    assert img.getpixel((150, 97)) == (220, 0, 0) and img.getpixel((150, 115)) == (255, 255, 255)
    with pytest.raises(ValueError):
        pdfpage.render_page_png(buf.getvalue(), 2)


def test_cell_location_uses_page_and_bbox_when_present():
    v = make_values()
    assert pdfpage.cell_location(v, "三", Q_NEW, "总计") == (2, None)
    v["bbox"] = [(1, 2, 3, 4)] * len(v)
    assert pdfpage.cell_location(v, "三", Q_NEW, "总计") == (2, (1, 2, 3, 4))
    assert pdfpage.cell_location(v, float("nan"), Q_NEW, None) == (None, None)


def test_count_axis_has_whole_number_ticks():
    df = trend_rows()
    fig = figures.trend_over_years(df[df["项目"] == "上年结转"], "上年结转", "件")
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tickformat == "d"
    fee = figures.trend_over_years(df[df["项目"] == "上年结转"], "x", "万元")
    assert fee.layout.yaxis.dtick is None


def test_ocr_cells_are_drawn_on_the_scanned_page():
    from parsing import parse_path
    from ui import pdfpage

    path = ROOT / "sample_reports" / "000_f2cddb79f4434941_scan.pdf"
    rep = parse_path(path)
    assert rep.ocr
    page = int(rep.values[rep.values["table"] == "三"]["page"].dropna().iloc[0])
    cells = pdfpage.ocr_cells(rep.values, page)
    assert cells and all(len(b) == 4 for b, _, _ in cells)
    assert {t for _, t, _ in cells} <= {"0", "6", "-", "?"}
    plain = pdfpage.render_page_png(path.read_bytes(), page)
    marked = pdfpage.render_page_png(path.read_bytes(), page, cells=cells)
    assert plain != marked
    text_pdf = parse_path(ROOT / "sample_reports" / "000_f2cddb79f4434941.pdf")
    assert pdfpage.ocr_cells(text_pdf.values, page) == []  # a text PDF has nothing read by OCR


@pytest.mark.parametrize("horizontal", [True, False])
def test_bars_across_bodies_mark_every_blank_body_once_in_order(horizontal):
    """The 空白 marks are added in one layout update: the same annotations, in the same order, as adding them one
    by one (plotly's add_annotation), between the bars and the unit and footer lines."""
    bodies = [f"{i}镇" for i in range(12)]
    vals = [np.nan if i % 3 == 0 else float(i) for i in range(12)]
    df = pd.DataFrame({"单位": bodies * 2, "年度": 2023, "项目": ["甲"] * 12 + ["乙"] * 12,
                       "数值": vals + [np.nan if i == 4 else 1.0 for i in range(12)]})
    fig = figures.bars_across_bodies(df, "x", "件", horizontal=horizontal)
    blank = [a for a in fig.layout.annotations if a.name == "blank"]
    expected = [b for i, b in enumerate(bodies) if i % 3 == 0 or i == 4]
    assert [a.y if horizontal else a.x for a in blank] == expected
    assert all(a.text == "空白" for a in blank)
    names = [a.name for a in fig.layout.annotations]
    assert names[:len(blank)] == ["blank"] * len(blank) and names[len(blank)] == "unit"
    ref = go_reference_blanks(bodies, expected, horizontal)
    assert [a.to_plotly_json() for a in blank] == [a.to_plotly_json() for a in ref.layout.annotations]


def go_reference_blanks(bodies, blank_bodies, horizontal):
    """The blank marks as the old code added them: one add_annotation per body."""
    import plotly.graph_objects as go

    ref = go.Figure()
    for body in blank_bodies:
        ref.add_annotation(text="空白", showarrow=False,
                           font=dict(family=figures.CJK_FONT, size=figures.FOOTER_SIZE, color=figures.NOTE_COLOR),
                           **(dict(x=0, y=body, xanchor="left", xshift=4) if horizontal
                              else dict(x=body, y=0, yanchor="bottom", yshift=4)), name="blank")
    return ref


def test_hbar_marks_unknown_bars():
    fig = figures.hbar(["甲", "乙", "丙"], [1.0, None, np.nan], "t", "件")
    assert [a.y for a in fig.layout.annotations if a.name == "blank"] == ["乙", "丙"]
