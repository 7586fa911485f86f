"""The 原文 view of Word and web-page reports: the document as read, the finding's table row and cell marked,
every piece of its text escaped (parsing.preview, ui.docview, the 单份报告 page)."""
import json
from pathlib import Path

import pytest
from lxml import html as lxml_html
from streamlit.testing.v1 import AppTest

import parsing
from parsing import preview
from tests.waits import HANG_SECONDS
from ui import docview

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "sample_reports" / "demo"
MANIFEST = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))
BLANKS = DEMO / next(f["file"] for f in MANIFEST["files"] if f.get("rule") == "ARI-06")  # 桃源镇 2021, DOCX
HTML = DEMO / next(f["file"] for f in MANIFEST["files"] if f["format"] == "html")


@pytest.mark.parametrize("path", [BLANKS, HTML], ids=["docx", "html"])
def test_every_read_cell_is_found_in_its_row_and_a_told_cell_reads_its_raw_text(path):
    data = path.read_bytes()
    doc = preview.outline(data, path.name)  # in a worker, as the page does
    assert doc.error is None and any(kind == "grid" for kind, _ in doc.items)
    v = parsing.parse_bytes(data, path.name).values
    told = 0
    for x in v[v["status"].isin(["ok", "blank"])].itertuples():
        columns = v[(v["table"] == x.table) & (v["row"] == x.row)]["column"].tolist()
        loc = preview.locate(doc.items, x.table, x.row, x.raw, x.column, columns)
        assert loc.found, (x.table, x.row)
        cells = doc.items[loc.item][1][loc.row]
        label = x.row.split("/")[-1]
        assert any(c and preview._label_of(label) in preview._norm(c) for c in cells), (x.row, cells)
        if loc.col is not None:
            told += 1
            assert preview._norm(cells[loc.col]) == preview._norm(x.raw), (x.row, x.column, cells)
    assert told >= 0.8 * len(v)


def test_a_row_that_is_not_there_marks_nothing():
    assert not preview.locate([("grid", [["甲", "1"]])], "三", "三/一、本年新收政府信息公开申请数量", "1").found
    assert not preview.locate([("text", "本年新收政府信息公开申请数量 1")], "三", "三/一、本年新收", "1").found


def test_the_view_escapes_the_files_text():
    evil = '<img src=x onerror=alert(1)><a href="http://evil.example">点我</a><script>alert(2)</script>'
    items = [("text", evil), ("grid", [[evil, "1"], ["二、行", None, evil]])]
    page = lxml_html.fromstring(docview.document_html(items, preview.Location(1, 0, 1)))
    assert not page.xpath("//img|//a|//script")
    assert "点我" in page.text_content()
    assert page.xpath("//td[@class='gr-cell']")[0].text_content() == "1"


def test_the_report_page_marks_the_cell_of_the_picked_finding(store_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=HANG_SECONDS).run()
    at.file_uploader(key="uploads").set_value([(BLANKS.name, BLANKS.read_bytes(), "application/octet-stream")]).run()
    assert not at.exception, at.exception
    at.switch_page("pages/report.py").run()
    pick = next(s for s in at.selectbox if (s.key or "").startswith("decide_pick_"))
    i = next(k for k, label in enumerate(pick.options) if "ARI-06" in label and "· 商业企业 ·" in label)
    pick.select_index(i).run()
    assert not at.exception, at.exception
    assert "原文（文字）" in [t.label for t in at.tabs]
    shown = "\n".join(str(h.value) for h in at.html)
    assert 'class="gr-hit"' in shown and 'class="gr-cell"' in shown
    marked = lxml_html.fromstring(next(str(h.value) for h in at.html if 'class="gr-cell"' in str(h.value)))
    row = marked.xpath("//td[@class='gr-cell']/..")[0]
    assert "危及" in row.text_content()  # the row of the picked finding; its 商业企业 cell is blank
    assert marked.xpath("//td[@class='gr-cell']")[0].text_content().strip() in ("", "\xa0")
    assert any("红框为该单元格" in m.value for m in at.markdown)
