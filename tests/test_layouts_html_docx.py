"""HTML and DOCX tables in the shapes government sites and Word produce, read with every value in its cell.

HTML (built at test time from the official layouts of tools/make_samples.py):
* the form's own rowspan/colspan, cells wrapped in ``<p><span>``, ``&nbsp;`` in empty cells, GBK bytes;
* tables exported from Excel: no colspan at all, every covered slot a filler ``<td>&nbsp;</td>``, styled
  ``<td class=xl65>`` cells, a group label split over two rowspan cells.
DOCX (python-docx, then the XML edited): numbers split over several runs, and tracked changes, whose
accepted text counts (an inserted number is read, a deleted one is not).
"""
import html
import io
import math
import random
import re
import zipfile

import docx
import pytest

from parsing import parse_bytes
from tests.report_factory import SECTIONS, random_values
from tools.make_samples import TABLE_LAYOUTS, place

BODY, YEAR = "测试镇", 2023


def _cells(values):
    return {k: str(v) for k, v in values.items() if v is not None}


def _html_table(table_id, cells, excel: bool, form: str = "2021") -> str:
    layout = TABLE_LAYOUTS[table_id](cells, form)
    placed = place(layout)
    width = max(c + e[1] for _, c, e in placed)
    rows = len(layout)
    out = ["<table border=1 cellspacing=0>"]
    covered = set()
    for r, c, (text, cs, rs, kind) in placed:
        for dr in range(rs):
            for dc in range(cs):
                if dr or dc:
                    covered.add((r + dr, c + dc))
    by_pos = {(r, c): e for r, c, e in placed}
    for r in range(rows):
        out.append("<tr height=19 style='height:14.25pt'>")
        for c in range(width):
            if (r, c) in by_pos:
                text, cs, rs, kind = by_pos[(r, c)]
                body = html.escape(text) if text else "&nbsp;"
                if excel:
                    # Excel writes a merged area as its first cell plus filler cells, and keeps rowspan only
                    # for the group labels (split in two where the label ran over a page in the workbook)
                    span = f" rowspan={rs}" if rs > 1 else ""
                    out.append(f"<td class=xl65{span} style='border:.5pt solid windowtext'>{body}</td>")
                else:
                    attrs = (f' colspan="{cs}"' if cs > 1 else "") + (f' rowspan="{rs}"' if rs > 1 else "")
                    out.append(f'<td{attrs}><p style="margin:0"><span style="font-size:9pt">{body}</span></p></td>')
            elif (r, c) in covered and excel and not any(
                    (r - dr, c) in by_pos and by_pos[(r - dr, c)][2] > dr for dr in range(1, rows)):
                out.append("<td class=xl66 style='border-top:none'>&nbsp;</td>")  # filler of a colspan
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


def build_html(values, excel: bool, form: str = "2021", year: int = YEAR) -> bytes:
    cells = _cells(values)
    parts = [f"<html><head><meta charset=gb2312><title>{BODY}{year}年政府信息公开工作年度报告_{BODY}人民政府</title></head><body>",
             "<div class=crumb>当前位置：首页 &gt; 政务公开 &gt; 年度报告</div>",
             f"<h1>{BODY}{year}年政府信息公开工作年度报告</h1>", f"<p>发布时间：{year + 1}-01-20</p>"]
    for i, (heading, text) in enumerate(SECTIONS, 1):
        parts.append(f"<p><b>{heading}</b></p>")
        if text:
            parts.append(f"<p>{html.escape(text.format(body=BODY, year=year))}</p>")
        if i in (2, 3, 4):
            parts.append(_html_table({2: "二", 3: "三", 4: "四"}[i], cells, excel, form))
    parts.append("</body></html>")
    return "\n".join(parts).encode("gbk")


def _check(rep, values, exact: bool):
    assert rep.error is None, rep.error
    got = {(r.table, r.row, r.column): r for r in rep.values.itertuples(index=False)}
    for k, v in values.items():
        g = got[k]
        if v is None:
            assert math.isnan(g.value) and g.status in ("blank", "unreadable"), (k, g)
        elif exact:
            assert g.value == v, (k, v, g)
        else:
            assert g.value == v or (math.isnan(g.value) and g.status == "unreadable"), (k, v, g)
    assert rep.body == BODY and rep.year == YEAR


@pytest.mark.parametrize("excel", [False, True], ids=["word-form", "excel-export"])
@pytest.mark.parametrize("blank_rate", [0.0, 0.15])
def test_html_tables_read_every_cell(excel, blank_rate):
    values = random_values(random.Random(11), blank_rate=blank_rate)
    rep = parse_bytes(build_html(values, excel), "report.html")
    _check(rep, values, exact=True)  # HTML cells are delimited: a blank keeps its place
    assert rep.published == "2024-01-20" and rep.published_source == "page"
    if blank_rate == 0:
        assert rep.notes.empty, rep.notes.message.tolist()


# ---------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------

def build_docx(values, split_runs: bool, tracked: bool, form: str = "2021", year: int = YEAR) -> bytes:
    d = docx.Document()
    d.add_paragraph(f"{BODY}{year}年政府信息公开工作年度报告")
    cells = _cells(values)
    for i, (heading, text) in enumerate(SECTIONS, 1):
        d.add_paragraph(heading)
        if text:
            d.add_paragraph(text.format(body=BODY, year=year))
        if i not in (2, 3, 4):
            continue
        layout = TABLE_LAYOUTS[{2: "二", 3: "三", 4: "四"}[i]](cells, form)
        placed = place(layout)
        width = max(c + e[1] for _, c, e in placed)
        t = d.add_table(rows=len(layout), cols=width)
        for r, c, (text_, cs, rs, kind) in placed:
            cell = t.cell(r, c)
            if cs > 1 or rs > 1:
                cell = cell.merge(t.cell(r + rs - 1, c + cs - 1))
            p = cell.paragraphs[0]
            if kind == "num" and text_ and split_runs and len(text_) > 1:
                for ch in text_:  # Word splits a number over runs after an edit
                    p.add_run(ch)
            elif kind == "num" and tracked:
                _tracked(p, text_)
            else:
                p.add_run(text_)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _tracked(p, text: str) -> None:
    """The cell's value as a tracked change: the old value deleted, the right one inserted."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    old = "7" + (text or "")
    xml = (f'<w:del xmlns:w="{w}" w:id="1" w:author="审核" w:date="2024-01-02T00:00:00Z"><w:r><w:delText>{old}'
           f'</w:delText></w:r></w:del>')
    if text:
        xml += (f'<w:ins xmlns:w="{w}" w:id="2" w:author="审核" w:date="2024-01-02T00:00:00Z"><w:r><w:t>{text}'
                f'</w:t></w:r></w:ins>')
    from docx.oxml import parse_xml
    for frag in re.findall(r"<w:(?:del|ins) .*?</w:(?:del|ins)>", xml):
        p._p.append(parse_xml(frag))


@pytest.mark.parametrize("split_runs,tracked", [(True, False), (False, True)], ids=["split-runs", "tracked"])
def test_docx_runs_and_tracked_changes(split_runs, tracked):
    values = random_values(random.Random(5), blank_rate=0.1)
    data = build_docx(values, split_runs, tracked)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert ("<w:ins " in xml and "<w:delText>" in xml) == tracked  # the file really holds tracked changes
    rep = parse_bytes(data, "report.docx")
    _check(rep, values, exact=True)
