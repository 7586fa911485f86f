import io
import sys

import docx
import pytest

from parsing.model import Grid, ReportError, TextBlock
from parsing.readers import read_document
from parsing.readers.docx import read_docx


def texts(grid):
    return [[c.text if c is not None else None for c in row] for row in grid.rows]


def to_bytes(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def merged_doc() -> bytes:
    """A small copy of the table 三 header: a 3x3 note cell, 申请人情况 over 7 columns, and
    vertically merged 自然人 / 总计, followed by two data rows with a vertical row label."""
    d = docx.Document()
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    t = d.add_table(rows=5, cols=10)
    t.cell(0, 0).merge(t.cell(2, 2)).text = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    t.cell(0, 3).merge(t.cell(0, 9)).text = "申请人情况"
    t.cell(1, 3).merge(t.cell(2, 3)).text = "自然人"
    t.cell(1, 4).merge(t.cell(1, 8)).text = "法人或其他组织"
    t.cell(1, 9).merge(t.cell(2, 9)).text = "总计"
    for j, label in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        t.cell(2, 4 + j).text = label
    t.cell(3, 0).merge(t.cell(4, 0)).text = "三、本年度办理结果"
    t.cell(3, 1).merge(t.cell(3, 2)).text = "（一）予以公开"
    t.cell(4, 1).merge(t.cell(4, 2)).text = "（七）总计"
    for j in range(7):
        t.cell(3, 3 + j).text = str(j)
    # row 4 left blank on purpose: blank cells must stay '' (not vanish, not 0)
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    return to_bytes(d)


def test_merged_cells_appear_once_and_covered_slots_are_none(merged_doc):
    doc = read_docx(merged_doc, "form.docx")
    (grid,) = doc.grids()
    rows = texts(grid)
    assert len(rows) == 5 and all(len(r) == 10 for r in rows)
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert rows[0] == [note, None, None, "申请人情况"] + [None] * 6
    assert rows[1] == [None, None, None, "自然人", "法人或其他组织", None, None, None, None, "总计"]
    assert rows[2] == [None, None, None, None, "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", None]
    assert rows[3] == ["三、本年度办理结果", "（一）予以公开", None] + [str(j) for j in range(7)]
    assert rows[4] == [None, "（七）总计", None] + [""] * 7
    flat = [c for r in rows for c in r if c is not None]
    assert flat.count("申请人情况") == 1 and flat.count("三、本年度办理结果") == 1 and flat.count(note) == 1


def test_paragraphs_and_tables_keep_document_order(merged_doc):
    doc = read_docx(merged_doc, "form.docx")
    kinds = [type(i).__name__ for i in doc.items]
    assert kinds == ["TextBlock", "Grid", "TextBlock"]
    assert doc.items[0].text.startswith("三、")
    assert doc.items[2].text.startswith("四、")
    assert all(i.page is None for i in doc.items)
    assert all(c is None or c.page is None for r in doc.items[1].rows for c in r)


def test_line_breaks_in_cells_and_paragraphs_become_newlines():
    d = docx.Document()
    p = d.add_paragraph()
    p.add_run("第一行").add_break()
    p.add_run("第二行")
    d.add_paragraph("")  # empty paragraphs are skipped
    t = d.add_table(rows=1, cols=2)
    c = t.cell(0, 0)
    c.paragraphs[0].add_run("商业").add_break()
    c.paragraphs[0].add_run("企业")
    c.add_paragraph("（单位）")
    t.cell(0, 1).text = "  12  "
    doc = read_docx(to_bytes(d), "a.docx")
    assert [type(i) for i in doc.items] == [TextBlock, Grid]
    assert doc.items[0].text == "第一行\n第二行"
    assert texts(doc.items[1]) == [["商业\n企业\n（单位）", "12"]]


def test_nested_table_follows_outer_grid_and_is_not_in_cell_text():
    d = docx.Document()
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "外层"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    inner.cell(0, 0).text = "行政许可"
    inner.cell(0, 1).text = "5"
    d.add_paragraph("表后")
    doc = read_docx(to_bytes(d), "n.docx")
    assert [type(i) for i in doc.items] == [Grid, Grid, TextBlock]
    assert texts(doc.items[0]) == [["外层", ""]]
    assert texts(doc.items[1])[0] == ["行政许可", "5"]


def test_registry_dispatches_docx_to_this_reader(merged_doc):
    doc = read_document(merged_doc, "上传.docx")
    assert doc.format == "docx" and len(doc.grids()) == 1


@pytest.mark.parametrize(
    "data",
    [b"this is plain text, not a zip", b"PK\x03\x04" + b"\x00" * 64],
    ids=["not-zip", "broken-zip"],
)
def test_invalid_docx_raises_report_error_in_chinese(data):
    with pytest.raises(ReportError) as err:
        read_docx(data, "坏文件.docx")
    assert "坏文件.docx" in err.value.message and "DOCX" in err.value.message


def test_zip_without_word_document_raises_report_error():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ReportError, match="DOCX"):
        read_docx(buf.getvalue(), "x.docx")


# --- the committed samples and the tool that writes them -------------------------------

SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "sample_reports"


def _load_make_samples():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES.parent / "tools" / "make_samples.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("[0-9][0-9][0-9]_*.docx")), ids=lambda p: p.name[:3])
def test_sample_docx_has_the_official_grids_with_each_merged_label_once(path):
    doc = read_docx(path.read_bytes(), path.name)
    shapes = [(len(g.rows), len(g.rows[0])) for g in doc.grids()]
    assert shapes == [(14, 4), (28, 10), (4, 15)]
    t3 = texts(doc.grids()[1])
    col0 = [r[0] for r in t3]
    assert col0.count("三、本年度办理结果") == 1
    start = col0.index("三、本年度办理结果")
    assert col0[start + 1:start + 22] == [None] * 21  # the vertical merge covers 22 rows
    assert [r[1] for r in t3].count("（三）不予公开") == 1
    t4 = texts(doc.grids()[2])
    assert t4[0] == ["行政复议"] + [None] * 4 + ["行政诉讼"] + [None] * 9
    # DOCX order: every table follows the heading of its section
    seq = [i.text if isinstance(i, TextBlock) else "<grid>" for i in doc.items]
    for heading_start in ("二、", "三、", "四、"):
        idx = max(i for i, s in enumerate(seq) if s.startswith(heading_start) and len(s) < 30)
        assert "<grid>" in seq[idx + 1:idx + 40]


def test_sample_writer_round_trip_keeps_blank_cells_blank_and_is_deterministic():
    ms = _load_make_samples()
    from parsing import forms

    cells = {("三", r.key, c): str(i) for i, (r, c) in enumerate(
        (r, c) for r in forms.ROWS_三_2021 for c in forms.APPLICANT_COLUMNS)}
    del cells[("三", "一、本年新收政府信息公开申请数量", "总计")]  # a blank cell in the source
    cells[("四", "行政复议", "结果维持")] = "3"
    content = ms.SampleContent(stem="999_test", title="某镇2023年政府信息公开工作年度报告", body="某镇",
                               sections=[(s.number, s.heading, ["正文。"]) for s in forms.SECTIONS], cells=cells)
    data = ms.build_docx(content)
    assert data == ms.build_docx(content)  # fixed core properties and ZIP timestamps
    doc = read_docx(data, "999_test.docx")
    t2, t3, t4 = (texts(g) for g in doc.grids())
    assert t3[3][:3] == ["一、本年新收政府信息公开申请数量", None, None]
    assert t3[3][3:] == ["0", "1", "2", "3", "4", "5", ""]  # blank stays blank, never 0
    assert t3[5][1:3] == ["（一）予以公开", None] and t3[5][3] == "14"
    assert t2[3] == ["行政规范性文件", "", "", ""]  # no value known: nothing written
    assert t4[3][:2] == ["3", ""]
