"""The PDF reader on real PDFs (tests/fixtures/pdf, made by make_fixtures.py from a DOCX via LibreOffice).

The expected values come from expected.json, the data the fixture DOCX was built from.
"""
from __future__ import annotations

import io
import json
import re
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from parsing.forms import norm
from parsing.model import Cell, Grid, ReportError, TextBlock
from parsing.readers import read_document
from parsing.readers.pdf import MAX_PAGES, MSG_ENCRYPTED, has_doubled_chars, is_cut_fragment, read_pdf

FIXTURES = Path(__file__).parent / "fixtures" / "pdf"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
ITEM_MARKER = re.compile(r"^(?:\d+\.|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)")


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@lru_cache(maxsize=None)
def read_fixture(name: str):
    return read_pdf(fixture_bytes(name), name)


def texts(row) -> list:
    return [None if c is None else c.text for c in row]


def grid_with_columns(doc, ncols: int) -> Grid:
    grids = [g for g in doc.grids() if len(g.rows[0]) == ncols]
    assert len(grids) == 1, [len(g.rows[0]) for g in doc.grids()]
    return grids[0]


def row_leaf(row, label_cols: int) -> str:
    """The row's own label: the right-most label cell that holds text (merge slots are None)."""
    labels = [c.text for c in row[:label_cols] if c is not None and c.text.strip()]
    return norm(labels[-1]) if labels else ""


def expected_leaf_三(entry) -> str:
    group0, group1, leaf = entry
    return norm(leaf or group1 or group0)


# ---------------------------------------------------------------------------
# report.pdf: tables
# ---------------------------------------------------------------------------


def test_fixture_really_cuts_a_row_at_a_page_break():
    cut = EXPECTED["cut"]
    assert not ITEM_MARKER.match(norm(cut["fragment"]))
    assert ITEM_MARKER.match(norm(cut["leaf_before"]))


def test_table_二_merged_caption_and_value_cells():
    grid = grid_with_columns(read_fixture("report.pdf"), 4)
    assert len(grid.rows) == len(EXPECTED["t2"])
    for row, (kind, content) in zip(grid.rows, EXPECTED["t2"]):
        if kind == "caption":
            assert texts(row) == [content, None, None, None]
        elif kind == "row":
            assert texts(row) == content
        else:  # label + one value merged over the three value columns
            assert texts(row) == [content[0], content[1], None, None]
    assert all(c.page == 1 for row in grid.rows for c in row if c is not None)


@pytest.mark.parametrize("name", ["report.pdf", "header_split.pdf"])
def test_table_三_header_merges_are_none_slots(name):
    grid = grid_with_columns(read_fixture(name), 10)
    head = grid.rows[:3]
    assert norm(head[0][0].text) == norm(EXPECTED["t3_note"])
    assert texts(head[0])[1:3] == [None, None]
    assert head[0][3].text == "申请人情况" and texts(head[0])[4:] == [None] * 6
    assert texts(head[1])[:3] == [None, None, None]
    assert [head[1][3].text, head[1][4].text, head[1][9].text] == ["自然人", "法人或其他组织", "总计"]
    assert texts(head[1])[5:9] == [None] * 4
    assert texts(head[2])[:4] == [None] * 4 and head[2][9] is None
    assert [norm(c.text) for c in head[2][4:9]] == EXPECTED["t3_applicants"][1:6]
    # Narrow columns wrap the applicant labels; the reader keeps the line breaks.
    assert "\n" in head[2][4].text


@pytest.mark.parametrize("name", ["report.pdf", "header_split.pdf"])
def test_table_三_joined_across_pages_every_value_in_its_row_and_column(name):
    grid = grid_with_columns(read_fixture(name), 10)
    body = grid.rows[3:]
    assert len(body) == len(EXPECTED["t3_rows"]) == 25
    for row, entry, values in zip(body, EXPECTED["t3_rows"], EXPECTED["t3_values"]):
        assert row_leaf(row, 3) == expected_leaf_三(entry)
        assert texts(row)[3:] == values  # '' stays '' (a blank cell), never None or 0
    assert len({c.page for row in grid.rows for c in row if c is not None}) >= 2


def test_table_三_spans_three_pages_in_report():
    grid = grid_with_columns(read_fixture("report.pdf"), 10)
    assert {c.page for row in grid.rows for c in row if c is not None} == {1, 2, 3}


def test_header_rows_alone_at_a_page_bottom_are_joined_to_the_body():
    grid = grid_with_columns(read_fixture("header_split.pdf"), 10)
    split = EXPECTED["header_split_page"]
    assert {c.page for c in grid.rows[0] if c is not None} == {split}
    assert {c.page for c in grid.rows[3] if c is not None} == {split + 1}
    report = grid_with_columns(read_fixture("report.pdf"), 10)
    assert [texts(r) for r in grid.rows[:3]] == [texts(r) for r in report.rows[:3]]


def test_row_cut_by_the_page_break_is_glued_and_keeps_its_page():
    grid = grid_with_columns(read_fixture("report.pdf"), 10)
    cut = EXPECTED["cut"]
    glued = [r for r in grid.rows if r[2] is not None and r[2].text.startswith(cut["leaf_before"])]
    assert len(glued) == 1
    row = glued[0]
    assert row[2].text == cut["leaf_before"] + "\n" + cut["fragment"]
    assert norm(row[2].text) == "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    assert {c.page for c in row if c is not None} == {cut["page"]}
    # No row is left holding the fragment alone.
    assert not any(row_leaf(r, 3) == norm(cut["fragment"]) for r in grid.rows)
    following = grid.rows[grid.rows.index(row) + 1]
    assert following[2].page == cut["page"] + 1


def test_row_starting_a_page_is_not_glued_and_merge_remainders_become_none():
    grid = grid_with_columns(read_fixture("report.pdf"), 10)
    first_on_2 = next(r for r in grid.rows if any(c is not None and c.page == 2 for c in r))
    assert row_leaf(first_on_2, 3) == norm("5.属于三类内部事务信息")
    # Columns 0 and 1 continue the merged labels 三、本年度办理结果 / （三）不予公开 from page 1.
    assert first_on_2[0] is None and first_on_2[1] is None
    assert texts(first_on_2)[3:] == EXPECTED["t3_values"][8]


def test_labels_wrapped_over_several_lines_in_a_narrow_column():
    grid = grid_with_columns(read_fixture("report.pdf"), 10)
    long_rows = [r for r in grid.rows if r[2] is not None and r[2].text.count("\n") >= 4]
    assert len(long_rows) >= 3
    assert all(ITEM_MARKER.match(norm(r[2].text)) for r in long_rows)


def test_table_四_blank_cells_are_empty_strings():
    grid = grid_with_columns(read_fixture("report.pdf"), 15)
    assert texts(grid.rows[0])[:6] == ["行政复议", None, None, None, None, "行政诉讼"]
    assert texts(grid.rows[-1]) == EXPECTED["t4_values"]
    assert texts(grid.rows[-1])[:5] == ["", "", "", "", ""]
    assert [norm(c.text) for c in grid.rows[2][5:15]] == EXPECTED["t4_outcomes"] * 2


# ---------------------------------------------------------------------------
# report.pdf: text blocks and order
# ---------------------------------------------------------------------------


def test_reading_order_text_table_text():
    doc = read_fixture("report.pdf")
    seq = []
    for item in doc.items:
        if isinstance(item, Grid):
            seq.append(f"grid{len(item.rows[0])}")
        elif re.match(r"^[一二三四五六]、", item.text):
            seq.append(item.text[:1])
    assert seq == ["一", "二", "grid4", "三", "grid10", "四", "grid15", "五", "六"]
    assert doc.page_count == 4 and doc.scanned_pages == [] and doc.notes == []
    assert {b.page for b in doc.text_blocks()} == {1, 3, 4}


def test_table_text_is_not_repeated_in_text_blocks():
    doc = read_fixture("report.pdf")
    body = "".join(norm(b.text) for b in doc.text_blocks())
    for inside_tables in ("本年制发件数", "申请人情况", "予以公开", "勾稽关系", "未经复议直接起诉", "行政事业性收费"):
        assert inside_tables not in body
    assert "围绕主动公开" in body  # the running text itself is there


def test_read_document_routes_pdf_bytes_whatever_the_extension():
    data = fixture_bytes("report.pdf")
    doc = read_document(data, "report.doc")
    assert doc.format == "pdf" and len(doc.grids()) == 3


# ---------------------------------------------------------------------------
# Pages without a usable text layer
# ---------------------------------------------------------------------------


def test_picture_page_is_listed_as_scanned_and_the_rest_is_read():
    doc = read_fixture("mixed.pdf")
    assert doc.page_count == 5
    assert doc.scanned_pages == [5]
    assert len(doc.notes) == 1 and "第 5 页没有文字层" in doc.notes[0]
    assert [len(g.rows) for g in doc.grids()] == [len(g.rows) for g in read_fixture("report.pdf").grids()]
    assert not any(i.page == 5 for i in doc.items)


def test_image_only_pdf_returns_an_empty_document_saying_it_is_a_scan():
    doc = read_fixture("scan.pdf")
    assert doc.items == []
    assert doc.scanned_pages == [1, 2, 3, 4]
    assert doc.notes[0].startswith("扫描版 PDF（无文字层），暂不支持识别")


def test_undecodable_cid_text_counts_as_a_page_without_text_layer():
    doc = read_fixture("cid.pdf")
    assert doc.scanned_pages == [5]
    assert any("第 5 页的文字无法解码" in n for n in doc.notes)
    assert not any(i.page == 5 for i in doc.items)
    assert len(doc.grids()) == 3


def test_fake_bold_doubled_characters_are_read_once():
    doc = read_fixture("fakebold.pdf")
    assert [b.text for b in doc.text_blocks()] == EXPECTED["fakebold_text"]
    (grid,) = doc.grids()
    assert [texts(r) for r in grid.rows] == EXPECTED["fakebold_table"]


# ---------------------------------------------------------------------------
# Files that cannot be read
# ---------------------------------------------------------------------------


def test_encrypted_pdf_asks_for_an_unencrypted_version():
    with pytest.raises(ReportError) as err:
        read_pdf(fixture_bytes("encrypted.pdf"), "encrypted.pdf")
    assert err.value.message == MSG_ENCRYPTED


def test_pdf_with_only_a_permissions_password_is_read():
    doc = read_fixture("owner_only.pdf")
    report = read_fixture("report.pdf")
    assert [[texts(r) for r in g.rows] for g in doc.grids()] == [[texts(r) for r in g.rows] for g in report.grids()]


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999])
def test_truncated_pdf_is_a_report_error_in_chinese(keep):
    data = fixture_bytes("report.pdf")
    with pytest.raises(ReportError) as err:
        read_pdf(data[: int(len(data) * keep)], "cut.pdf")
    assert "不完整" in err.value.message


def test_pdf_missing_only_its_end_marker_is_read_with_a_note():
    data = fixture_bytes("report.pdf")
    doc = read_pdf(data[: data.rindex(b"%%EOF")], "noeof.pdf")
    assert len(doc.grids()) == 3
    assert any("不完整" in n for n in doc.notes)


def test_garbage_after_a_pdf_header_is_a_report_error():
    with pytest.raises(ReportError) as err:
        read_pdf(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", "junk.pdf")
    assert "损坏" in err.value.message


def test_absurd_page_count_is_refused_before_reading():
    pdf = pdfium.PdfDocument.new()
    for _ in range(MAX_PAGES + 1):
        pdf.new_page(100, 100)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    with pytest.raises(ReportError) as err:
        read_pdf(buf.getvalue(), "huge.pdf")
    assert str(MAX_PAGES + 1) in err.value.message


# ---------------------------------------------------------------------------
# The cut-row rule on its own
# ---------------------------------------------------------------------------


def _row(*values):
    return [None if v is None else Cell(v, 1) for v in values]


@pytest.mark.parametrize(
    "prev, first, cut",
    [
        # the lower half of a wrapped label; numbers stayed on the first page
        (("三、本年度办理结果", "（四）无法提供", "2.没有", "1", "2"), ("", "", "现成信息需要另行制作", "", ""), True),
        # a new row with an item number is never glued, even with blank numbers
        (("", "（四）无法提供", "2.没有现成信息需要另行制作", "1", "2"), ("", "", "3.补正后申请内容仍不明确", "", ""), False),
        # a complete official label without an item number (table 二) is a row of its own
        (("行政处罚", "35", None), ("行政强制", "", None), False),
        # numbers on both sides of the break are two rows
        (("", "", "2.没有", "1", "2"), ("", "", "现成信息", "3", ""), False),
        # a row cut after all of its text leaves only empty cells
        (("", "", "3.其他", "1", "2"), ("", "", "", "", ""), True),
    ],
)
def test_is_cut_fragment(prev, first, cut):
    assert is_cut_fragment(_row(*prev), _row(*first)) is cut


def test_text_blocks_are_single_clean_lines():
    for name in ("report.pdf", "mixed.pdf", "cid.pdf"):
        for block in read_fixture(name).text_blocks():
            assert isinstance(block, TextBlock) and block.text == block.text.strip()
            assert "\n" not in block.text and not re.search(r"[\x00-\x1f]", block.text)


def test_doubled_character_check():
    def char(text, x0, top):
        return {"text": text, "x0": x0, "top": top}

    plain = [char("常", 10, 100), char("常", 22, 100), char("常", 10, 120)]  # repeated, not doubled
    assert not has_doubled_chars(plain)
    assert has_doubled_chars(plain + [char("常", 10.3, 100.2)])


# ---------------------------------------------------------------------------
# pypdfium2 objects and pdfplumber's own page parsing give the same document
# ---------------------------------------------------------------------------


def dump(doc) -> list:
    out = []
    for item in doc.items:
        if isinstance(item, Grid):
            out.append(("grid", item.page, [[None if c is None else (c.text, c.page) for c in r] for r in item.rows]))
        else:
            out.append(("text", item.page, item.text))
    return [out, doc.notes, doc.scanned_pages]


@pytest.mark.parametrize("name", ["report.pdf", "header_split.pdf", "fakebold.pdf", "cid.pdf"])
def test_pdfium_objects_and_pdfplumber_pages_read_alike(name, monkeypatch):
    import parsing.readers.pdf as reader

    fast = dump(read_pdf(fixture_bytes(name), name))
    monkeypatch.setattr(reader, "pdfium_to_page", lambda *args: None)  # every table page via pdfminer
    assert dump(read_pdf(fixture_bytes(name), name)) == fast


def test_table_page_falls_back_to_pdfplumber_when_the_fast_path_fails(monkeypatch):
    import parsing.readers.pdf as reader

    expected = dump(read_fixture("report.pdf"))

    def broken(self):
        raise ValueError("unexpected geometry")

    monkeypatch.setattr(reader.PdfiumPage, "find_tables", broken)
    assert dump(read_pdf(fixture_bytes("report.pdf"), "report.pdf")) == expected


def test_table_pages_do_not_need_pdfminer(monkeypatch):
    import parsing.readers.pdf as reader

    def refuse(*args, **kwargs):
        raise AssertionError("pdfplumber.open should not be needed for these pages")

    monkeypatch.setattr(reader.pdfplumber, "open", refuse)
    assert len(read_pdf(fixture_bytes("report.pdf"), "report.pdf").grids()) == 3
