"""审查台 on the demo county: filter a county's findings, decide many with one note, and download the 审查意见 of
every report in the selection (a ZIP of Word files and one merged document).

Works on a copy of the demo store parsed once per session (``demo_db``, tests/conftest.py).
"""
import io
import json
import zipfile
from pathlib import Path

from docx import Document
from streamlit.testing.v1 import AppTest

from parsing import rules
from parsing.store import Store
from tests.waits import HANG_SECONDS
from ui import review

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
MANIFEST = json.loads((ROOT / "sample_reports" / "demo" / "manifest.json").read_text(encoding="utf-8"))
BLANKS = next(f for f in MANIFEST["files"] if f.get("rule") == "ARI-06")  # 桃源镇 2021: blanks where 0 is due


def on_review_page(loaded: bool = True) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=HANG_SECONDS).run()
    assert not at.exception, at.exception
    if loaded:
        at.button(key="load_demo").click().run()
        assert not at.exception, at.exception
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest):
    hits = [d for d in at.dataframe if (d.key or "").startswith("wb_table_")]
    assert len(hits) == 1
    return hits[0]


def select_rows(at: AppTest, rows: list[int]) -> AppTest:
    at.session_state[table(at).key] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label))


def test_the_review_page_lists_every_finding_of_the_county(demo_db):
    at = on_review_page()
    with Store(demo_db) as s:
        stored = len(s.findings())
    shown = table(at).value
    assert list(shown.columns) == review.TABLE_COLUMNS
    assert len(shown) >= stored  # the stored findings and this session's cross-report ones
    assert metric(at, "未处理") == len(shown) and metric(at, "已确认") == 0
    assert set(shown["处理"]) == {review.STATUS_MARKS[review.STATUS_OPEN]}
    assert "ARI-06" not in set(shown["规则"]) and rules.rule_name("ARI-06") in set(shown["规则"])  # the name


def test_filters_narrow_the_table(demo_db):
    at = on_review_page()
    at.multiselect(key="wb_body").select("桃源镇").run()
    at.multiselect(key="wb_year").select(2021).run()
    shown = table(at).value
    assert not shown.empty and set(shown["单位"]) == {"桃源镇"} and set(shown["年度"]) == {2021}
    at.multiselect(key="wb_rule").select(rules.rule_name("ARI-06")).run()
    assert set(table(at).value["规则"]) == {rules.rule_name("ARI-06")}
    at.text_input(key="wb_query").input("这串文字不在任何问题里").run()
    assert not at.exception, at.exception
    assert not [d for d in at.dataframe if (d.key or "").startswith("wb_table_")]
    assert "没有符合筛选条件的问题" in "\n".join(i.value for i in at.info)


def test_bulk_decisions_with_one_note(demo_db):
    at = on_review_page()
    at.multiselect(key="wb_body").select("桃源镇").run()
    at.multiselect(key="wb_year").select(2021).run()
    at.multiselect(key="wb_rule").select(rules.rule_name("ARI-06")).run()
    blanks = table(at).value
    n = len(blanks)
    assert n >= 3, blanks

    # Two ticked rows confirmed with one note.
    select_rows(at, [0, 1])
    assert at.radio(key="wb_scope_selected").value == "selected"
    at.text_area(key="wb_note").input("确需补填0").run()
    at.button(key="wb_confirm").click().run()
    assert not at.exception, at.exception
    assert "已确认 2 条问题，说明：确需补填0。" in "\n".join(s.value for s in at.success)
    shown = table(at).value
    assert (shown["处理"] == review.STATUS_MARKS[review.STATUS_CONFIRMED]).sum() == 2

    # The decision cleared the ticks: now the whole filter is dismissed at once, one click, one note.
    assert at.radio(key="wb_scope_filtered").value == "filtered"
    at.text_area(key="wb_note").input("扫描件空行，已与原件核对").run()
    at.button(key="wb_dismiss").click().run()
    assert not at.exception, at.exception
    with Store(demo_db) as s:
        d = s.decisions(BLANKS["sha256"])
        f = s.findings(BLANKS["sha256"])
    ari06 = f[f["rule"] == "ARI-06"]
    assert len(ari06) == n and (ari06["decision"] == "dismissed").all()
    assert set(d["note"]) == {"扫描件空行，已与原件核对"} and d["decided_at"].str.endswith("+08:00").all()
    shown = table(at).value
    assert set(shown["处理"]) == {review.STATUS_MARKS[review.STATUS_DISMISSED]}
    assert metric(at, "已排除") == n and metric(at, "已确认") == 0

    # Back to open, and the status filter finds them there.
    at.button(key="wb_reopen").click().run()
    at.multiselect(key="wb_status").select(review.STATUS_OPEN).run()
    assert len(table(at).value) == n
    with Store(demo_db) as s:
        assert s.decisions(BLANKS["sha256"]).empty


def test_the_opinions_of_a_county_in_one_click(demo_db):
    at = on_review_page()
    at.multiselect(key="wb_year").select(2023).run()
    chosen = [f for f in MANIFEST["files"] if f["year"] == 2023]
    at.button(key="wb_make_opinions").click().run()
    assert not at.exception, at.exception
    assert at.session_state["wb_opinions"]["n"] == len(chosen)
    data = at.session_state["wb_opinions"]["zip"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        docs = {n: Document(io.BytesIO(z.read(n))) for n in names}
    title = "示例县2023年度政府信息公开工作年度报告审查意见汇总"
    assert f"{title}.docx" in names
    per_report = [n for n in names if n != f"{title}.docx"]
    assert len(per_report) == len(chosen)
    assert "青石镇2023年审查意见.docx" in per_report and "河湾镇2023年审查意见.docx" in per_report
    assert all(n.endswith("2023年审查意见.docx") or n.endswith("2023年审查意见（2）.docx") for n in per_report)
    # 卫生健康局 published its 2023 report twice (web page and PDF): two opinions, neither overwritten.
    assert "示例县卫生健康局2023年审查意见（2）.docx" in per_report
    qingshi = docs["青石镇2023年审查意见.docx"]
    text = "\n".join(p.text for p in qingshi.paragraphs)
    assert "青石镇2023年政府信息公开工作年度报告审查意见" in text and "示例数据" in text
    rows = [[c.text for c in r.cells] for r in qingshi.tables[0].rows]
    assert rows[0][:2] == ["级别", "问题"] and any("上年结转" in r[1] or "结转" in r[1] for r in rows[1:])

    merged = docs[f"{title}.docx"]
    assert merged.paragraphs[0].text == title
    summary = [[c.text for c in r.cells] for r in merged.tables[0].rows]
    assert summary[0][:4] == ["序号", "单位", "年度", "结论"] and len(summary) == len(chosen) + 1
    assert {r[2] for r in summary[1:]} == {"2023"}
    assert at.session_state["wb_opinions"]["docx"][:2] == b"PK"


def test_dismissed_findings_leave_the_opinion(demo_db):
    qingshi = next(f for f in MANIFEST["files"] if f.get("rule") == "XYR-01")
    with Store(demo_db) as s:
        f = s.findings(qingshi["sha256"])
        s.decide_many([(qingshi["sha256"], k) for k in f.loc[f["rule"] == "XYR-01", "finding_key"]], "dismissed", "x")
    at = on_review_page()
    at.multiselect(key="wb_body").select("青石镇").run()
    at.multiselect(key="wb_year").select(2023).run()
    at.button(key="wb_make_opinions").click().run()
    with zipfile.ZipFile(io.BytesIO(at.session_state["wb_opinions"]["zip"])) as z:
        doc = Document(io.BytesIO(z.read("青石镇2023年审查意见.docx")))
    cells = " ".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "结转" not in cells


def test_the_review_page_without_reports():
    at = on_review_page(loaded=False)
    assert "还没有报告" in "\n".join(i.value for i in at.info)


def test_the_review_page_on_the_store_alone_reads_it_in_sql(demo_db):
    """A session that dropped nothing reads the store's findings a page at a time (review.StoredSelection); a
    bulk decision still applies to every finding the filters select."""
    from ui import storeview

    at = AppTest.from_file(APP, default_timeout=HANG_SECONDS).run()
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    with Store(demo_db) as s:
        stored = len(storeview.once(storeview.store_findings(s)))
    assert metric(at, "筛选出的问题") == stored == len(table(at).value) and metric(at, "未处理") == stored
    at.multiselect(key="wb_severity").select("警告").run()
    warned = metric(at, "筛选出的问题")
    assert 0 < warned < stored and set(table(at).value["级别"]) == {"警告"}
    at.text_area(key="wb_note").input("全部核对").run()
    at.button(key="wb_confirm").click().run()
    assert not at.exception, at.exception
    assert metric(at, "已确认") == warned and metric(at, "未处理") == 0
    with Store(demo_db) as s:
        assert int((s.decisions()["note"] == "全部核对").sum()) == warned
