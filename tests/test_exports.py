"""Every export makes text inert (parsing.exports): no cell of a crafted report becomes a formula in Excel, CSV
cells that a spreadsheet would run start with an apostrophe, numbers stay numbers.

The reports carry what an attacker would put in a title, a body's name, a file name, a roster cell, a note: text
starting with = + - @, a tab or a carriage return.
"""
import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from parsing.batch import export
from parsing.store import Store, finding_key
from tests.test_ui_figures import finding, make_report, overview_of
from ui import core
from ui import exports as ui_exports

BODY = '=HYPERLINK("http://evil.example/x","点击查看")'
TITLE = "+cmd|' /C calc'!A0"
FILE = "@SUM(1+1)*cmd|' -C calc'!A0.txt"
RAW = "-2+3+cmd|' /C calc'!A0"
NOTE = "\t=1+1"
CR_NOTE = "\r=2+2"
ROSTER = ["=1+1镇", "@SUM(A1)乡", "-3+3街道"]
HOSTILE = [BODY, TITLE, FILE, RAW, NOTE, CR_NOTE, *ROSTER]


def hostile_report(sha="a" * 64, year=2023):
    r = make_report(body=BODY, year=year, sha=sha, overrides={("三", "一、本年新收政府信息公开申请数量", "总计"): "unreadable"})
    r.title, r.file = TITLE, FILE
    v = r.values
    v.loc[v["status"] == "unreadable", "raw"] = RAW
    return r


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite3")
    r = hostile_report()
    f = pd.DataFrame([finding(rule="ARI-01", severity="error", message="=1+1 总计与各列之和不符", table="三",
                              row="一、本年新收政府信息公开申请数量", column="总计", expected=-5, actual=3)])
    s.add(r, f)
    s.decide(r.sha256, finding_key("ARI-01", "三", "一、本年新收政府信息公开申请数量", "总计"), "confirmed", NOTE)
    s.correct(r.sha256, "三", "一、本年新收政府信息公开申请数量", "总计", 7, CR_NOTE)
    roster = "单位名称,市\n" + "".join(f"{name},海东市\n" for name in ROSTER)
    s.import_roster(roster.encode("utf-8"), name="名册.csv")
    yield s
    s.close()


def cells(path_or_bytes):
    wb = load_workbook(io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def assert_no_formula_and_text_exact(all_cells, expected_texts):
    formulas = [(c.coordinate, c.value) for c in all_cells if c.data_type == "f"]
    assert formulas == []
    values = {c.value for c in all_cells if isinstance(c.value, str)}
    for text in expected_texts:
        hits = [c for c in all_cells if c.value == text]
        assert hits, f"{text!r} not written exactly ({sorted(v for v in values if text[:3] in v)[:5]})"
        assert all(c.data_type == "s" and c.quotePrefix for c in hits)


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_store_export_xlsx_has_no_formula_and_keeps_the_text(store, tmp_path):
    export(store, xlsx=tmp_path / "out.xlsx")
    all_cells = cells(tmp_path / "out.xlsx")
    assert_no_formula_and_text_exact(all_cells, [BODY, TITLE, FILE, RAW, NOTE, CR_NOTE, *ROSTER])
    wb = load_workbook(tmp_path / "out.xlsx")
    values = wb["数值"]
    head = [c.value for c in values[1]]
    col = head.index("数值") + 1
    numbers = [values.cell(row=i, column=col) for i in range(2, values.max_row + 1)]
    assert all(c.data_type == "n" for c in numbers) and any(isinstance(c.value, (int, float)) for c in numbers)
    findings = wb["问题"]
    head = [c.value for c in findings[1]]
    hit = [row for row in findings.iter_rows(min_row=2, values_only=True) if row[head.index("规则编号")] == "ARI-01"]
    assert hit[0][head.index("应为")] == -5  # a negative number is a number, not text with an apostrophe
    assert hit[0][head.index("规则")] == "表三纵向勾稽不符" and hit[0][head.index("级别")] == "错误"


def test_store_export_csv_cells_start_with_an_apostrophe(store, tmp_path):
    export(store, csv_dir=tmp_path / "csv")
    reports = read_csv(tmp_path / "csv" / "reports.csv")
    assert reports[0]["单位"] == "'" + BODY and reports[0]["标题"] == "'" + TITLE
    assert reports[0]["文件"] == "'" + FILE
    roster = read_csv(tmp_path / "csv" / "roster.csv")
    assert sorted(r["单位名称"] for r in roster) == sorted("'" + n for n in ROSTER)
    decision = read_csv(tmp_path / "csv" / "decisions.csv")[0]
    assert decision["说明"] == "'" + NOTE and (decision["审查决定"], decision["决定代码"]) == ("已确认", "confirmed")
    assert read_csv(tmp_path / "csv" / "corrections.csv")[0]["说明"] == "'" + CR_NOTE
    values = read_csv(tmp_path / "csv" / "values.csv")
    assert any(v["原文"] == "'" + RAW for v in values)
    assert all(v["数值"] == "" or float(v["数值"]) >= 0 for v in values)  # numbers parse as numbers
    assert {v["状态"] for v in values} <= {"已读取", "空白", "无法识别", "缺失", "人工更正"}
    f = [x for x in read_csv(tmp_path / "csv" / "findings.csv") if x["规则编号"] == "ARI-01"][0]
    assert f["应为"] == "-5" and f["问题"].startswith("'=1+1")


def test_dashboard_workbooks_and_csv_have_no_formula(store):
    r = hostile_report()
    f = pd.DataFrame([dict(finding(rule="ARI-01", severity="error", message="=1+1", table="三"),
                           file=r.file, sha256=r.sha256)])
    overview = overview_of([r], f)
    data = ui_exports.workbook_bytes(overview, f, core.values_long([r]))
    assert_no_formula_and_text_exact(cells(data), [BODY, FILE, RAW, "=1+1"])
    from parsing.batch import export_frames

    store_book = ui_exports.store_workbook_bytes(export_frames(store))
    assert_no_formula_and_text_exact(cells(store_book), [BODY, TITLE, NOTE, *ROSTER])
    rows = list(csv.reader(io.StringIO(ui_exports.csv_bytes(overview).decode("utf-8-sig"))))
    head, first = rows[0], rows[1]
    assert first[head.index("单位")] == "'" + BODY and first[head.index("文件")] == "'" + FILE
    assert first[head.index("错误数")] == "1"


def test_review_note_in_word_and_markdown_is_inert():
    from docx import Document

    r = hostile_report()
    f = pd.DataFrame([finding(rule="ARI-01", severity="error", message="=1+1", table="三", expected="-5")])
    doc = Document(io.BytesIO(ui_exports.report_summary_docx(r, f)))
    row = [c.text for c in doc.tables[0].rows[1].cells]
    assert row[1] == "'=1+1" and row[3] == "-5"
    assert any(BODY in p.text for p in doc.paragraphs)  # a paragraph is plain text in Word: kept as written
    md = ui_exports.report_summary_markdown(r, f)
    assert BODY not in md and "\\=HYPERLINK\\(" in md


def test_control_characters_do_not_stop_an_export(tmp_path):
    from parsing import exports

    df = pd.DataFrame({"单位": ["甲\x01镇", "=\x02x"], "数值": [1, 2]})
    wb = load_workbook(io.BytesIO(exports.xlsx_bytes({"表": df})))
    assert [c.value for c in wb["表"]["A"]][1:] == ["甲镇", "=x"] and wb["表"]["A3"].data_type == "s"
    r = hostile_report()
    r.title = "标题\x0b\x00"
    assert ui_exports.report_summary_docx(r, pd.DataFrame([finding(rule="X", severity="info", message="\x07m")]))


@pytest.mark.parametrize("text,inert", [("=1+1", True), ("+1", False), ("-5", False), ("-3.5e2", False),
                                        ("@x", True), ("\tx", True), ("\rx", True), ("-x", True), ("+-1", True),
                                        ("1=1", False), (" =1", False), ("甲镇", False), ("", False)])
def test_which_text_is_formula_like(text, inert):
    from parsing import exports

    assert exports.formula_like(text) is inert
    assert exports.inert_text(text) == ("'" + text if inert else text)
    assert exports.inert_text(3) == 3 and exports.inert_text(None) is None


# -- the streamed export equals the whole frames, in pieces of any size --------------------------------------------

def _whole_export(store, tmp_path):
    from parsing.exports import export_frames, store_sheets, write_csv, write_xlsx

    frames = export_frames(store)
    write_xlsx(store_sheets(frames), tmp_path / "whole.xlsx")
    (tmp_path / "whole").mkdir()
    for name, df in frames.items():
        write_csv(df, tmp_path / "whole" / f"{name}.csv")


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_streamed_export_equals_the_whole_frames(store, tmp_path, chunk):
    from parsing.exports import export as stream_export

    for i in range(3):
        r = hostile_report(sha=f"{i}" * 64, year=2021 + i)
        store.add(r, pd.DataFrame([finding(rule="ARI-01", severity="error", message=f"=第{i}条", table="三",
                                           row=r.values["row"].iloc[0], column=r.values["column"].iloc[0],
                                           section=i if i else None, expected=i, actual=None)]))
    store.correct("1" * 64, *store.get("1" * 64).values[["table", "row", "column"]].iloc[3], 7.0, note="=HYPERLINK()")
    _whole_export(store, tmp_path)
    stream_export(store, xlsx=tmp_path / "s.xlsx", csv_dir=tmp_path / "s", chunk_reports=chunk)
    for name in ("reports", "values", "findings", "corrections", "decisions", "publication_dates", "roster"):
        assert (tmp_path / "s" / f"{name}.csv").read_bytes() == (tmp_path / "whole" / f"{name}.csv").read_bytes(), name
    whole = pd.read_excel(tmp_path / "whole.xlsx", sheet_name=None)
    streamed = pd.read_excel(tmp_path / "s.xlsx", sheet_name=None)
    assert list(whole) == list(streamed)
    for sheet in whole:
        pd.testing.assert_frame_equal(streamed[sheet], whole[sheet], check_dtype=False, obj=sheet)
    assert_no_formula_and_text_exact(cells(tmp_path / "s.xlsx"), ["=HYPERLINK()", *HOSTILE[:4]])


def test_streamed_export_of_an_empty_store_has_every_sheet_and_header(tmp_path):
    from parsing.exports import export as stream_export

    with Store(tmp_path / "e.sqlite3") as s:
        _whole_export(s, tmp_path)
        stream_export(s, xlsx=tmp_path / "s.xlsx", csv_dir=tmp_path / "s")
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(p.name for p in (tmp_path / "whole").iterdir())
    for p in (tmp_path / "whole").iterdir():
        assert (tmp_path / "s" / p.name).read_bytes() == p.read_bytes()
    assert list(pd.read_excel(tmp_path / "s.xlsx", sheet_name=None)) == list(
        pd.read_excel(tmp_path / "whole.xlsx", sheet_name=None))
