"""Where a PDF gives both its table grids and its text in reading order, the two readings must agree:
a row the grids miss is read from the text with a note, and a number they disagree on keeps the grid's
reading with a note that names both; nothing is chosen silently."""
from parsing.extract import extract_report
from parsing.model import Cell, Document, Grid, TextBlock

HEAD = ["测试镇2023年政府信息公开工作年度报告", "一、总体情况", "2023年，测试镇主动公开政府信息。",
        "二、主动公开政府信息情况"]
TAIL = ["三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"]


def _grid(rows):
    return Grid([[Cell(c, 1) for c in r] for r in rows], page=1)


def _doc(grid_rows, text_lines):
    items = [TextBlock(t, 1) for t in HEAD] + [_grid(grid_rows)] + [TextBlock(t, 1) for t in TAIL]
    stream = [TextBlock(t, 1) for t in HEAD + text_lines + TAIL]
    return Document(items=items, format="pdf", page_count=1, stream=stream)


GRID = [["第二十条第（一）项", "", "", ""],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "0"],
        ["行政规范性文件", "3", "1", "12"]]
TEXT = ["第二十条第（一）项", "信息内容 本年制发件数 本年废止件数 现行有效件数", "规章 0 0 0",
        "行政规范性文件 3 1 12"]


def _cell(rep, row, col):
    v = rep.values
    return v[(v.table == "二") & (v.row == row) & (v.column == col)].iloc[0]


def test_readings_that_agree_add_no_note():
    rep = extract_report(_doc(GRID, TEXT), "x.pdf")
    assert _cell(rep, "第二十条第（一）项/行政规范性文件", "现行有效件数").value == 12
    assert not set(rep.notes.rule) & {"PARSE-FROM-TEXT", "PARSE-SOURCES-DISAGREE"}


def test_a_row_the_grid_misses_is_read_from_the_text_with_a_note():
    rep = extract_report(_doc(GRID[:3], TEXT), "x.pdf")  # the grid lost its last row
    c = _cell(rep, "第二十条第（一）项/行政规范性文件", "现行有效件数")
    assert c.value == 12 and c.status == "ok"
    notes = rep.notes[rep.notes.rule == "PARSE-FROM-TEXT"]
    assert notes.row.tolist() == ["第二十条第（一）项/行政规范性文件"]


def test_a_number_the_readings_disagree_on_keeps_the_grid_and_says_so():
    text = TEXT[:3] + ["行政规范性文件 3 1 21"]
    rep = extract_report(_doc(GRID, text), "x.pdf")
    assert _cell(rep, "第二十条第（一）项/行政规范性文件", "现行有效件数").value == 12
    notes = rep.notes[rep.notes.rule == "PARSE-SOURCES-DISAGREE"]
    assert len(notes) == 1 and "“12”" in notes.message.iloc[0] and "“21”" in notes.message.iloc[0]
