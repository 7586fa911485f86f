"""The report store on a temporary database: round trips, versions, the reviewer's work, roster, crash safety.

Reports are synthetic (every cell of the 2021 form, built from a seed) so the store is tested apart from the parser.
"""
import hashlib
import math
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from parsing import forms
from parsing.batch import export, import_folder, iter_report_files
from parsing.model import ReportError
from parsing.report import FINDING_COLUMNS, VALUE_COLUMNS, ParsedReport, SectionText
from parsing.store import SCHEMA_VERSION, Store, body_key, finding_key, report_body_key

REPO = Path(__file__).resolve().parent.parent
STATUSES = ("ok", "blank", "unreadable", "missing")


def make_values(seed: int) -> pd.DataFrame:
    """All 200 cells with a mix of statuses, numbers (0, decimals, negatives), raw texts, pages and confidences."""
    rng = random.Random(seed)
    rows = []
    for cell in forms.ALL_CELLS_2021:
        status = rng.choice(STATUSES)
        if status == "ok":
            value = rng.choice([0.0, float(rng.randint(1, 5000)), round(rng.uniform(0, 500), 6), -3.0])
            raw = f"{value:g}"
        elif status == "blank":
            value, raw = math.nan, ""
        elif status == "unreadable":
            value, raw = math.nan, rng.choice(["—", "见附件", "1 2"])
        else:
            value, raw = math.nan, None
        page = None if status == "missing" else rng.randint(1, 9)
        confidence = rng.choice([None, 0.87, 1.0]) if status == "ok" else None
        rows.append(dict(table=cell.table, row=cell.row, column=cell.column, value=value, raw=raw, page=page,
                         status=status, form=cell.form, confidence=confidence,
                         bbox=(None if page is None else (10.0, 20.5, 30.0, 40.25))))
    df = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    for col in ("page", "confidence"):  # as the extractor makes them: object columns with None where unknown
        df[col] = pd.Series([r[col] for r in rows], dtype=object)
    return df


def make_report(seed: int, body: str = "松木塘镇人民政府", year: int = 2022, sha: str = "",
                region: str = None) -> ParsedReport:
    sections = {n: SectionText(n, n != 5, f"heading {n}", f"第{n}节正文 seed {seed}", n) for n in range(1, 7)}
    if hasattr(sections[4], "in_order"):  # a field without a column of its own must survive too
        sections[4].in_order = False
    notes = pd.DataFrame([dict(rule="PARSE-YEAR", severity="info", message="年度取自正文。", table=None, row=None,
                               column=None, section=1, expected=None, actual=year)], columns=FINDING_COLUMNS)
    return ParsedReport(
        file=f"report_{seed}.txt", sha256=sha or hashlib.sha256(f"{body}|{year}|{seed}".encode()).hexdigest(),
        format="text", body=body, region=region, year=year, year_source="title", template=forms.FORM_2021,
        title=f"{body}{year}年政府信息公开工作年度报告",
        sections=sections,
        values=make_values(seed), notes=notes.astype(object), text=f"全文 {seed}", tables_found={"二": True, "三": True,
                                                                                              "四": False},
        page_count=9, ocr=bool(seed % 2))


def parse_synthetic(data: bytes, name: str) -> ParsedReport:
    """A stand-in parser: the file holds ``body|year|seed``; an empty seed means an unreadable file."""
    body, year, seed = data.decode().strip().split("|")
    if seed == "boom":
        raise RuntimeError("parser bug")
    if seed == "":
        return ParsedReport(file=name, sha256=hashlib.sha256(data).hexdigest(), error="无法读取。")
    report = make_report(int(seed), body, int(year), sha=hashlib.sha256(data).hexdigest())
    report.file = name
    return report


def findings_for(report: ParsedReport, previous=None) -> pd.DataFrame:
    """A stand-in rule: one finding per blank cell of table 四 total column, one report-level finding."""
    v = report.values
    rows = [dict(rule="ARI-06", severity="warning", message=f"空白 {r.row}", table=r.table, row=r.row,
                 column=r.column, section=None, expected=None, actual=None)
            for r in v[(v["table"] == "四") & (v["column"] == "总计") & v["value"].isna()].itertuples()]
    rows.append(dict(rule="XYR-01", severity="info", message=f"上年 {previous.year if previous else '无'}",
                     table=None, row=None, column=None, section=3, expected=None, actual=None))
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite3")
    yield s
    s.close()


def count(path, sql, *params):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


# -- schema and location ---------------------------------------------------------------------------------------

def test_path_from_env_and_schema_version(tmp_path, monkeypatch):
    target = tmp_path / "deep" / "folder" / "r.sqlite3"
    monkeypatch.setenv("GOVREPORT_DB", str(target))
    with Store() as s:
        assert s.path == target and target.exists()
        assert s.schema_version() == SCHEMA_VERSION
    assert count(target, "PRAGMA journal_mode") == "wal"
    con = sqlite3.connect(target)
    con.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    con.commit()
    con.close()
    with pytest.raises(ReportError, match="更新版本"):
        Store(target)


def test_migration_from_schema_1(tmp_path):
    path = tmp_path / "old.sqlite3"
    with Store(path) as s:
        s.add(make_report(1))
    con = sqlite3.connect(path)  # make it a version-1 database as it was made: no extra columns, version in meta
    con.executescript("DROP INDEX reports_listing;"
                      "ALTER TABLE reports DROP COLUMN extra; ALTER TABLE sections DROP COLUMN extra;"
                      "ALTER TABLE cell_values DROP COLUMN bbox; ALTER TABLE reports DROP COLUMN cells_read;"
                      "ALTER TABLE reports DROP COLUMN current_reason; PRAGMA user_version=0;"
                      "ALTER TABLE decisions DROP COLUMN reviewer; ALTER TABLE corrections DROP COLUMN reviewer;"
                      "DROP TABLE publication_dates; DROP TABLE sources; ALTER TABLE roster DROP COLUMN report_url;"
                      "UPDATE meta SET value='1' WHERE key='schema_version';")
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        old = s.get(make_report(1).sha256).values
        assert len(old) == 200 and old["bbox"].isna().all()
        s.add(make_report(2))
        assert s.get(make_report(2).sha256).values["bbox"].tolist() == make_report(2).values["bbox"].tolist()
        assert s.get(make_report(2).sha256).sections == make_report(2).sections


def test_migration_8_adds_the_covering_index_of_report_metadata(tmp_path):
    path = tmp_path / "v7.sqlite3"
    with Store(path) as s:
        s.add(make_report(1))
        before = s.list_reports()
    con = sqlite3.connect(path)  # a version-7 store as it was made: no listing index
    con.executescript("DROP INDEX reports_listing; PRAGMA user_version=7;"
                      "UPDATE meta SET value='7' WHERE key='schema_version';")
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION >= 8
        assert s._query("SELECT name FROM sqlite_master WHERE type='index' AND name='reports_listing'")
        plan = " ".join(str(r) for r in s._query(
            "EXPLAIN QUERY PLAN SELECT id, sha256, file_name, body, year, extra FROM reports WHERE is_current=1"))
        assert "COVERING INDEX reports_listing" in plan
        pd.testing.assert_frame_equal(s.list_reports(), before)


def test_migration_9_adds_the_covering_indexes_of_the_summaries(tmp_path):
    path = tmp_path / "v8.sqlite3"
    with Store(path) as s:
        for i in (1, 2):
            s.add(make_report(i))
        before = (s.values_long(), s.finding_counts(), s.section_flags(), s.list_reports())
    con = sqlite3.connect(path)  # a version-8 store as it was made: the index of values by cell without values
    con.executescript("DROP INDEX findings_counts; DROP INDEX sections_found; DROP INDEX cell_values_cell;"
                      "CREATE INDEX cell_values_cell ON cell_values(cell_id, report_id); PRAGMA user_version=8;"
                      "UPDATE meta SET value='8' WHERE key='schema_version';")
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION >= 9

        def plan(sql):
            return " ".join(str(r) for r in s._query("EXPLAIN QUERY PLAN " + sql))

        assert "COVERING INDEX cell_values_cell" in plan(
            "SELECT report_id, status, value FROM cell_values WHERE cell_id IN (1, 2)")
        assert "COVERING INDEX sections_found" in plan(
            "SELECT report_id, number, found FROM sections WHERE report_id=1")
        assert "COVERING INDEX findings_counts" in plan(
            "SELECT report_id, severity, finding_key FROM findings WHERE kind='finding'")
        after = (s.values_long(), s.finding_counts(), s.section_flags(), s.list_reports())
    for x, y in zip(before, after):
        pd.testing.assert_frame_equal(x, y)


def test_a_file_that_is_not_a_store_is_a_user_error(tmp_path):
    bad = tmp_path / "not_a_db.sqlite3"
    bad.write_bytes(b"this is a report, not a database" * 100)
    with pytest.raises(ReportError, match="不是有效的报告库"):
        Store(bad)


def test_two_stores_on_one_file_and_threads(tmp_path):
    """The dashboard and a command-line import share the file; threads of one app share one Store."""
    import threading

    path = tmp_path / "shared.sqlite3"
    with Store(path) as app, Store(path) as cli:
        cli.add(make_report(1, "甲镇"))
        assert len(app) == 1 and len(app.values_long(body="甲镇")) == 200
        with cli._tx() as c:  # a write transaction open in the other connection
            c.execute("UPDATE reports SET title='写入中'")
            assert app.get(make_report(1, "甲镇").sha256).title != "写入中"  # readers are not blocked (WAL)
        errors = []

        def work(seed):
            try:
                app.add(make_report(seed, f"镇{seed}"))
                app.values_long(year=2022)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(s,)) for s in range(2, 8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and len(cli) == 7


# -- round trip ------------------------------------------------------------------------------------------------

def test_round_trip_keeps_every_value_blank_page_and_raw(store):
    original = make_report(7)
    assert store.add(original, findings_for(original)) == "imported"
    back = store.get(original.sha256)

    a, b = original.values, back.values
    assert list(b.columns) == VALUE_COLUMNS and len(b) == 200
    for col in ("table", "row", "column", "status", "form"):
        assert list(a[col]) == list(b[col])
    blank = a["value"].isna()
    assert blank.any() and (~blank).any()
    assert b["value"].isna().equals(blank)  # NaN stays NaN, never 0
    assert (b.loc[~blank, "value"] == a.loc[~blank, "value"]).all()
    assert (b["value"] == 0).sum() == (a["value"] == 0).sum()
    assert [None if pd.isna(x) else x for x in a["raw"]] == [None if pd.isna(x) else x for x in b["raw"]]
    assert list(a["page"]) == list(b["page"])
    assert list(a["confidence"]) == list(b["confidence"])
    assert list(a["bbox"]) == list(b["bbox"])
    assert back.value(a.at[0, "table"], a.at[0, "row"], a.at[0, "column"]) == original.value(
        a.at[0, "table"], a.at[0, "row"], a.at[0, "column"])

    for field in ("file", "sha256", "format", "body", "region", "year", "year_source", "template", "title", "text",
                  "tables_found", "page_count", "ocr", "error"):
        assert getattr(back, field) == getattr(original, field), field
    assert back.sections == original.sections
    assert back.sections_found() == original.sections_found()
    assert back.notes.to_dict("records") == original.notes.to_dict("records")

    stored = store.findings(original.sha256)
    assert len(stored) == len(findings_for(original)) and set(stored["kind"]) == {"finding"}
    assert len(store.findings(original.sha256, include_notes=True)) == len(stored) + 1


def test_values_long_joins_metadata_and_filters(store):
    for i, (body, year) in enumerate([("甲镇", 2021), ("甲镇", 2022), ("乙乡", 2022)]):
        store.add(make_report(i, body, year))
    row, col = forms.ROWS_三_2021[0].key, "总计"
    trend = store.values_long("三", row, col)
    assert len(trend) == 3 and set(trend["body_key"]) == {"甲镇", "乙乡"}
    assert list(trend["year"]) == [2021, 2022, 2022]
    for r in trend.itertuples():
        expected = store.get(r.sha256).value("三", row, col)
        assert (math.isnan(r.value) and expected is None) or r.value == expected
    assert len(store.values_long(year=2022)) == 400
    assert len(store.values_long(body="甲镇人民政府", year=[2021, 2022])) == 400
    assert len(store.values_long(status="blank")) == sum(
        (store.get(s).values["status"] == "blank").sum() for s in store.list_reports()["sha256"])


# -- idempotence, versions, delete ------------------------------------------------------------------------------

def test_add_is_idempotent(store):
    report = make_report(1)
    assert store.add(report, findings_for(report)) == "imported"
    before = store.list_reports()
    assert store.add(make_report(1), findings_for(report)) == "unchanged"
    after = store.list_reports()
    pd.testing.assert_frame_equal(before, after)
    assert count(store.path, "SELECT COUNT(*) FROM cell_values") == 200
    assert count(store.path, "SELECT COUNT(*) FROM findings WHERE kind='finding'") == len(findings_for(report))


def test_new_version_kept_separately_with_current_selection(store):
    v1, v2, v3 = (make_report(s, "浓桥镇人民政府", 2023) for s in (1, 2, 3))
    store.add(v1)
    store.add(make_report(4, "浓桥镇", 2022))
    store.add(v2)
    versions = store.versions("浓桥镇", 2023)
    assert list(versions["sha256"]) == [v1.sha256, v2.sha256]
    assert store.current("浓桥镇", 2023) == v2.sha256  # a text layer (v2) over OCR (v1: ocr=True)

    store.set_current(v1.sha256)  # the reviewer prefers the first version
    store.add(v3)  # a later upload does not override the reviewer's choice
    assert store.current("浓桥镇人民政府", 2023) == v1.sha256
    assert store.versions("浓桥镇", 2023)["is_current"].sum() == 1
    current_values = store.values_long(body="浓桥镇", year=2023)
    assert set(current_values["sha256"]) == {v1.sha256}
    assert len(store.values_long(body="浓桥镇", year=2023, current_only=False)) == 600
    assert store.current("浓桥镇", 2022) is not None  # the other year is untouched

    assert store.delete(v1.sha256)
    assert store.current("浓桥镇", 2023) == v2.sha256  # back to the best source: v2's text layer over v3's OCR


def test_delete_removes_everything_of_a_report(store):
    keep, gone = make_report(1, "甲镇"), make_report(2, "乙镇")
    for r in (keep, gone):
        r.sha256 = hashlib.sha256(f"bytes {r.body}".encode()).hexdigest()
        store.add(r, findings_for(r), data=f"bytes {r.body}".encode())
    key = store.findings(gone.sha256)["finding_key"].iloc[0]
    store.decide(gone.sha256, key, "confirmed", "确有问题")
    store.correct(gone.sha256, "三", forms.ROWS_三_2021[0].key, "总计", 5, "按原件")

    assert store.delete(gone.sha256) is True
    assert store.delete(gone.sha256) is False
    with pytest.raises(KeyError):
        store.get(gone.sha256)
    assert gone.sha256 not in store and keep.sha256 in store
    for table in ("files", "decisions", "corrections"):
        assert count(store.path, f"SELECT COUNT(*) FROM {table} WHERE sha256=?", gone.sha256) == 0
    for table in ("cell_values", "sections", "findings"):
        assert count(store.path, f"SELECT COUNT(*) FROM {table}") == count(
            store.path, f"SELECT COUNT(*) FROM {table} t JOIN reports r ON r.id=t.report_id WHERE r.sha256=?",
            keep.sha256)
    assert store.add(gone) == "imported"  # it can come back


# -- the reviewer's work ---------------------------------------------------------------------------------------

def test_decisions_survive_a_reparse(store):
    data = "浓桥镇|2023|5".encode()
    report = parse_synthetic(data, "a.txt")
    store.add(report, findings_for(report), data=data)
    found = store.findings(report.sha256)
    assert len(found) >= 2
    cell_key, text_key = found["finding_key"].iloc[0], found["finding_key"].iloc[-1]
    assert text_key == finding_key("XYR-01", None, None, None, 3)
    store.decide(report.sha256, cell_key, "dismissed", "原件如此")
    store.decide(report.sha256, text_key, "confirmed")
    with pytest.raises(ValueError):
        store.decide(report.sha256, cell_key, "maybe")

    def upgraded_parser(data, name):  # a new parser: same cells, notes in another order
        r = parse_synthetic(data, name)
        r.notes = r.notes.iloc[::-1]
        return r

    summary = store.reparse_all(upgraded_parser, findings_for)
    assert summary == {"reparsed": 1, "skipped": 0, "failed": []}
    assert store.get(report.sha256).notes.equals(upgraded_parser(data, "a.txt").notes.reset_index(drop=True))
    after = store.findings(report.sha256).set_index("finding_key")
    assert after.at[cell_key, "decision"] == "dismissed" and after.at[cell_key, "decision_note"] == "原件如此"
    assert after.at[text_key, "decision"] == "confirmed"
    assert after["decision"].isna().sum() == len(after) - 2
    assert store.findings(report.sha256, decision="open").shape[0] == len(after) - 2
    assert store.list_reports()["n_open"].iloc[0] == len(after) - 2


def test_reparse_skips_reports_without_file_and_keeps_old_data_on_failure(store):
    good, bad = "甲镇|2023|1".encode(), "乙镇|2023|2".encode()
    store.add(parse_synthetic(good, "good.txt"), data=good)
    store.add(parse_synthetic(bad, "bad.txt"), data=bad)
    store.add(make_report(3, "丙镇"))  # no file kept

    def parser(data, name):
        if name == "bad.txt":
            return ParsedReport(file=name, sha256=hashlib.sha256(data).hexdigest(), error="新解析程序读不了。")
        return parse_synthetic(data, name)

    before = store.get(hashlib.sha256(bad).hexdigest()).values
    summary = store.reparse_all(parser)
    assert summary["reparsed"] == 1 and summary["skipped"] == 1
    assert summary["failed"] == [("bad.txt", "新解析程序读不了。")]
    pd.testing.assert_frame_equal(store.get(hashlib.sha256(bad).hexdigest()).values, before)


def test_parallel_reparse_gives_the_same_store(store):
    for seed in range(4):
        data = f"丁镇|{2020 + seed}|{seed}".encode()
        store.add(parse_synthetic(data, f"{seed}.txt"), data=data)
    before = {sha: store.get(sha).values for sha in store.list_reports()["sha256"]}
    with sqlite3.connect(store.path) as con:  # as if an older parser had read every cell as blank
        con.execute("UPDATE cell_values SET value=NULL, status='blank'")
    assert store.reparse_all(parse_synthetic, findings_for, workers=2)["reparsed"] == 4
    for sha, values in before.items():
        pd.testing.assert_frame_equal(store.get(sha).values, values)
    assert set(store.findings()["message"]) >= {"上年 2020", "上年 2021", "上年 2022", "上年 无"}


def test_corrections_stored_beside_the_original(store):
    report = make_report(11)
    store.add(report, findings_for(report))
    blank = report.values[(report.values["table"] == "四") & report.values["value"].isna()].iloc[0]
    row, col = blank["row"], blank["column"]
    n_before = len(store.findings(report.sha256))

    store.correct(report.sha256, "四", row, col, 3, "按纸质原件更正", check_fn=findings_for)
    with pytest.raises(KeyError):
        store.correct(report.sha256, "四", "没有这一行", col, 1)

    assert math.isnan(store.get(report.sha256).values.set_index(["table", "row", "column"]).at[("四", row, col),
                                                                                                "value"])
    fixed = store.corrected_report(report.sha256)
    cell = fixed.values.set_index(["table", "row", "column"]).loc[("四", row, col)]
    assert cell["value"] == 3 and cell["status"] == "corrected"
    assert (fixed.values["status"] == "corrected").sum() == 1

    long = store.values_long("四", row, col, sha256=report.sha256)
    assert long["value"].iloc[0] == 3 and math.isnan(long["parsed_value"].iloc[0])
    assert long["status"].iloc[0] == "corrected"
    assert math.isnan(store.values_long("四", row, col, sha256=report.sha256, corrected=False)["value"].iloc[0])
    listing = store.corrections(report.sha256)
    assert listing[["value", "note"]].iloc[0].tolist() == [3.0, "按纸质原件更正"]
    if col == "总计":  # the stand-in rule flags blank 总计 cells: one fewer after the correction
        assert len(store.findings(report.sha256)) == n_before - 1

    assert store.remove_correction(report.sha256, "四", row, col)
    assert (store.corrected_report(report.sha256).values["status"] == "corrected").sum() == 0


def test_rechecks_use_last_years_stored_report(store):
    old, new = make_report(1, "甲镇", 2022), make_report(2, "甲镇", 2023)
    store.add(new, findings_for(new, store.previous_report(new)))
    assert store.previous_report(new) is None
    store.add(old)
    assert store.previous_report(new).sha256 == old.sha256
    store.recheck([new.sha256], findings_for)
    assert "上年 2022" in set(store.findings(new.sha256)["message"])


# -- roster ----------------------------------------------------------------------------------------------------

ROSTER_CSV = """单位名称,市,县区,乡镇街道,部门
松木塘镇人民政府,益阳市,桃江县,松木塘镇,
城关镇,益阳市,桃江县,城关镇,
城关镇,益阳市,安化县,城关镇,
桃江县教育局,益阳市,桃江县,,教育局
寨科乡,固原市,原州区,寨科乡,
"""


def test_roster_matching_and_missing_reports(store, tmp_path):
    path = tmp_path / "名册.csv"
    path.write_text(ROSTER_CSV, encoding="gb18030")
    assert store.import_roster(path) == 5
    store.add(make_report(1, "松木塘镇人民政府", 2022))  # exact after normalisation
    store.add(make_report(2, "安化县城关镇人民政府", 2022))  # two 城关镇: the county decides
    store.add(make_report(3, "寨科乡", 2022, region="原州区"))
    store.add(make_report(4, "桃江县教育局", 2023))
    store.add(make_report(5, "未列入名册的单位", 2022))

    matches = store.roster_matches().set_index("body_key")
    assert matches.at["松木塘镇", "roster_path"] == "益阳市/桃江县/松木塘镇"
    assert matches.at["安化县城关镇", "roster_path"] == "益阳市/安化县/城关镇"
    assert matches.at["寨科乡", "roster_body"] == "寨科乡"
    assert pd.isna(matches.at["未列入名册的单位", "roster_id"])

    missing = store.missing_reports(2022)
    assert sorted(missing["region_path"]) == ["益阳市/桃江县/城关镇", "益阳市/桃江县/教育局"]
    assert sorted(store.missing_reports(2023)["body"]) == ["城关镇", "城关镇", "寨科乡", "松木塘镇人民政府"]

    by_region = store.values_long("三", forms.ROWS_三_2021[0].key, "总计", region="益阳市/桃江县")
    assert set(by_region["body_key"]) == {"松木塘镇", "桃江县教育局"}
    assert set(store.values_long(region="固原市")["county"]) == {"原州区"}

    # the reviewer corrects a match; it survives automatic matching and a re-import of the roster
    tj = store.roster().set_index("region_path").at["益阳市/桃江县/城关镇", "id"]
    store.match_body("安化县城关镇", int(tj))
    store.import_roster(path)
    matches = store.roster_matches().set_index("body_key")
    assert matches.at["安化县城关镇", "roster_path"] == "益阳市/桃江县/城关镇" and matches.at["安化县城关镇", "manual"]
    store.clear_match("安化县城关镇")
    assert store.roster_matches().set_index("body_key").at["安化县城关镇", "roster_path"] == "益阳市/安化县/城关镇"


def test_roster_from_uploaded_excel_bytes(store, tmp_path):
    xlsx = tmp_path / "r.xlsx"
    pd.read_csv(__import__("io").StringIO(ROSTER_CSV), dtype=str).to_excel(xlsx, index=False)
    assert store.import_roster(xlsx.read_bytes(), name="名册.xlsx") == 5
    assert "益阳市/桃江县/教育局" in set(store.roster()["region_path"])


def test_roster_without_a_name_column_is_a_user_error(store):
    with pytest.raises(ReportError, match="单位名称"):
        store.import_roster(pd.DataFrame({"地址": ["某地"]}))


def test_body_keys():
    assert body_key("桃江县 松木塘镇人民政府") == body_key("桃江县松木塘镇") == "桃江县松木塘镇"
    assert body_key(None) is None and body_key("  ") is None
    assert report_body_key(ParsedReport(file="x", body="原州区寨科乡人民政府", region="原州区")) == "寨科乡"
    assert report_body_key(ParsedReport(file="x", title="官坡镇人民政府2024年政府信息公开工作年度报告")) == "官坡镇"


def test_body_key_agrees_with_the_rules(store):
    rules = pytest.importorskip("parsing.rules")
    from parsing import parse_path

    for f in sorted((REPO / "sample_reports").glob("*.txt")):
        r = parse_path(f)
        assert report_body_key(r) == rules.body_key(r), f.name


# -- crash safety ----------------------------------------------------------------------------------------------

def test_a_crash_in_the_middle_of_add_leaves_nothing(store, monkeypatch):
    first = make_report(1, "甲镇")
    store.add(first, findings_for(first))
    tables = ("reports", "cell_values", "sections", "findings", "files", "cells")
    before = {t: count(store.path, f"SELECT COUNT(*) FROM {t}") for t in tables}

    def boom(self, c, rid, sections):
        assert c.execute("SELECT COUNT(*) FROM cell_values WHERE report_id=?", (rid,)).fetchone()[0] == 200
        raise OSError("disk full")

    second = make_report(2, "乙镇")
    second.values.loc[0, "row"] = "一个新的单元格"  # also inserts a new cell label before the crash
    monkeypatch.setattr(Store, "_insert_sections", boom)
    second.sha256 = hashlib.sha256(b"x").hexdigest()
    with pytest.raises(OSError):
        store.add(second, findings_for(second), data=b"x")
    assert {t: count(store.path, f"SELECT COUNT(*) FROM {t}") for t in tables} == before
    monkeypatch.undo()
    assert store.add(second, findings_for(second)) == "imported"  # the store still works, nothing half-there
    assert len(store.get(second.sha256).values) == 200


def _write_reports(folder: Path, n: int, start: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"{i:03d}.txt").write_text(f"单位{i % 7}镇|{2020 + i % 4}|{i}", encoding="utf-8")


def test_import_folder_summary_and_idempotence(tmp_path, store):
    folder = tmp_path / "drop"
    _write_reports(folder / "2023", 4)
    (folder / "2024").mkdir()
    (folder / "2024" / "copy.txt").write_text("单位0镇|2020|0", encoding="utf-8")  # same bytes as 2023/000.txt
    (folder / "bad.txt").write_text("某镇|2023|", encoding="utf-8")
    (folder / "bug.txt").write_text("某镇|2023|boom", encoding="utf-8")
    (folder / "notes.xyz").write_text("not a report", encoding="utf-8")
    seen = []
    summary = import_folder(folder, store, workers=1, progress=lambda *a: seen.append(a), parse_fn=parse_synthetic,
                            check_fn=findings_for)
    assert summary["imported"] == 4 and summary["unchanged"] == 1
    assert sorted(summary["failed"]) == [("bad.txt", "无法读取。"), ("bug.txt", "解析程序出错：RuntimeError: parser bug")]
    assert len(seen) == 7 and seen[-1][:2] == (7, 7)
    assert set(store.list_reports()["file_name"]) == {f"2023/{i:03d}.txt" for i in range(4)}
    assert not store.list_reports()["has_file"].any()

    again = import_folder(folder, store, workers=1, parse_fn=parse_synthetic, check_fn=findings_for,
                          keep_files=True)
    assert again["imported"] == 0 and again["unchanged"] == 5 and len(again["failed"]) == 2
    assert store.list_reports()["has_file"].all()  # --keep-files on a second run keeps the bytes


def test_parallel_import_matches_serial(tmp_path):
    folder = tmp_path / "drop"
    _write_reports(folder, 6)
    with Store(tmp_path / "p.sqlite3") as par, Store(tmp_path / "s.sqlite3") as ser:
        assert import_folder(folder, par, workers=2, parse_fn=parse_synthetic, check_fn=None)["imported"] == 6
        import_folder(folder, ser, workers=1, parse_fn=parse_synthetic, check_fn=None)
        for sha in ser.list_reports()["sha256"]:
            pd.testing.assert_frame_equal(par.get(sha).values, ser.get(sha).values)


KILL_SCRIPT = """
import sys, time
from parsing.batch import import_folder
from parsing.store import Store
from tests.test_store import parse_synthetic

def slow_parse(data, name):
    time.sleep(0.02)
    return parse_synthetic(data, name)

if __name__ == "__main__":
    with Store(sys.argv[2]) as store:
        import_folder(sys.argv[1], store, workers=2, parse_fn=slow_parse, check_fn=None, keep_files=True)
"""


def test_a_killed_batch_import_leaves_a_consistent_store(tmp_path):
    folder, db = tmp_path / "drop", tmp_path / "k.sqlite3"
    _write_reports(folder, 60)
    script = tmp_path / "run_import.py"
    script.write_text(textwrap.dedent(KILL_SCRIPT), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, str(script), str(folder), str(db)], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                stored = count(db, "SELECT COUNT(*) FROM reports")
            except sqlite3.Error:
                stored = 0
            if stored >= 10:
                break
            time.sleep(0.02)
        assert proc.poll() is None, f"import ended before it could be killed: {proc.stderr.read().decode()}"
        os.killpg(proc.pid, signal.SIGKILL)  # the import and its worker processes, mid-batch
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    assert count(db, "PRAGMA integrity_check") == "ok"
    with Store(db) as store:
        n = len(store)
        assert 10 <= n < 60
        per_report = pd.read_sql_query(
            "SELECT r.sha256, (SELECT COUNT(*) FROM cell_values v WHERE v.report_id=r.id) AS nv,"
            " (SELECT COUNT(*) FROM sections s WHERE s.report_id=r.id) AS ns,"
            " (SELECT COUNT(*) FROM files f WHERE f.sha256=r.sha256) AS nf FROM reports r", store._conn)
        assert (per_report["nv"] == 200).all() and (per_report["ns"] == 6).all() and (per_report["nf"] == 1).all()
        for sha in per_report["sha256"][:3]:
            data = store.file_bytes(sha)
            pd.testing.assert_frame_equal(store.get(sha).values, parse_synthetic(data, "x").values)
        rest = import_folder(folder, store, workers=1, parse_fn=parse_synthetic, check_fn=None)
        assert rest == {"imported": 60 - n, "unchanged": n, "failed": []}


# -- command line and export -----------------------------------------------------------------------------------

def test_cli_import_of_the_samples_twice_then_export_and_delete(tmp_path, capsys):
    from parsing.cli import main

    db, folder = tmp_path / "cli.sqlite3", tmp_path / "seeds"
    folder.mkdir()
    for f in (REPO / "sample_reports").glob("*.txt"):  # the real seeds, through the real parser and rules
        (folder / f.name).write_bytes(f.read_bytes())
    n = len(iter_report_files(folder))
    assert n >= 5
    assert main(["import", str(folder), "--db", str(db), "--jobs", "1", "--keep-files"]) == 0
    first = capsys.readouterr()
    assert f"新导入 {n} 份" in first.out and f"{n}/{n}" in first.err
    assert main(["import", str(folder), "--db", str(db), "--jobs", "1"]) == 0
    assert f"新导入 0 份，未变化 {n} 份，失败 0 份" in capsys.readouterr().out

    assert main(["export", "--csv", str(tmp_path / "csv"), "--db", str(db)]) == 0
    values = pd.read_csv(tmp_path / "csv" / "values.csv", encoding="utf-8-sig")
    assert len(values) == n * 200
    with Store(db) as s:
        stored = s.values_long(current_only=False)
        sha = s.list_reports()["sha256"].iloc[0]
    assert values["数值"].isna().sum() == stored["value"].isna().sum()  # blanks stay blank in the export

    assert main(["reparse", "--db", str(db)]) == 0
    assert f"{n} 份已更新" in capsys.readouterr().out
    assert main(["delete", sha[:12], "--db", str(db)]) == 0
    assert main(["delete", sha[:12], "--db", str(db)]) == 1
    with Store(db) as s:
        assert len(s) == n - 1


def test_export_xlsx_and_parquet(tmp_path, store):
    report = make_report(3)
    store.add(report, findings_for(report))
    written = export(store, xlsx=tmp_path / "out.xlsx", parquet=tmp_path / "out.parquet")
    assert [p.name for p in written] == ["out.xlsx", "out.parquet", "out.reports.parquet", "out.findings.parquet"]
    sheet = pd.read_excel(tmp_path / "out.xlsx", sheet_name="数值")
    assert len(sheet) == 200 and sheet["数值"].isna().sum() == report.values["value"].isna().sum()
    assert pd.read_excel(tmp_path / "out.xlsx", sheet_name=None).keys() == {
        "报告", "数值", "问题", "更正", "审查决定", "发布日期", "名册"}
    par = pd.read_parquet(tmp_path / "out.parquet")
    assert par["数值"].isna().sum() == report.values["value"].isna().sum()
    assert len(pd.read_parquet(tmp_path / "out.findings.parquet")) == len(findings_for(report)) + 1


# -- the reviewer's publication date, decisions in bulk, times, names -------------------------------------------

def test_a_publication_date_entered_by_the_reviewer_overrides_and_survives_a_reparse(store):
    from parsing import rules

    data = "某县审计局|2023|7".encode()
    report = parse_synthetic(data, "a.txt")
    report.published, report.published_source = "2024-01-20", "page"
    store.add(report, rules.check_report(report), data=data)
    assert store.findings(report.sha256, rule="PUB-01").empty  # on time by the date the page shows
    store.set_published(report.sha256, "2024-02-06", "网站栏目截图显示2月6日发布", rules.check_report, reviewer="li")
    got = store.corrected_report(report.sha256)
    assert (got.published, got.published_source) == ("2024-02-06", "reviewer")
    assert store.get(report.sha256).published == "2024-01-20"  # the date as read stays
    late = store.findings(report.sha256, rule="PUB-01")
    assert late["actual"].tolist() == ["2024-02-06"]
    row = store.list_reports().iloc[0]
    assert (row["published"], row["published_source"], row["published_as_read"]) == ("2024-02-06", "reviewer",
                                                                                      "2024-01-20")
    entered = store.publication_dates(report.sha256)
    assert entered[["note", "reviewer"]].values.tolist() == [["网站栏目截图显示2月6日发布", "li"]]

    def parser(data, name):  # the re-parsed file still shows 2024-01-20; the reviewer's date must stay in force
        r = parse_synthetic(data, name)
        r.published, r.published_source = "2024-01-20", "page"
        return r

    assert store.reparse_all(parser, rules.check_report)["reparsed"] == 1
    assert store.findings(report.sha256, rule="PUB-01")["actual"].tolist() == ["2024-02-06"]
    store.set_published(report.sha256, None, check_fn=rules.check_report)
    assert store.findings(report.sha256, rule="PUB-01").empty and store.publication_dates().empty
    assert store.delete(report.sha256)


def test_many_findings_decided_at_once_with_one_note(store):
    a, b = make_report(1, "甲镇"), make_report(2, "乙镇")
    for r in (a, b):
        store.add(r, findings_for(r))
    items = list(zip(store.findings()["sha256"], store.findings()["finding_key"]))
    assert store.decide_many(items, "dismissed", "扫描件空行，原件为0", reviewer="wang") == len(items)
    f = store.findings()
    assert (f["decision"] == "dismissed").all() and set(f["decision_note"]) == {"扫描件空行，原件为0"}
    assert set(f["decided_by"]) == {"wang"} and f["decided_at"].nunique() == 1
    with pytest.raises(KeyError):  # one unknown report: nothing of the batch is written
        store.decide_many(items[:1] + [("0" * 64, "x")], "confirmed")
    assert (store.findings()["decision"] == "dismissed").all()
    store.decide_many(items[:2], None)
    assert store.findings()["decision"].isna().sum() == 2


def test_times_are_written_in_beijing_time(store):
    from parsing import clock

    store.add(make_report(1))
    added = store.list_reports()["added_at"].iloc[0]
    assert added.endswith("+08:00")
    assert clock.beijing("2026-12-01T08:40:12+00:00") == "2026-12-01 16:40:12"
    assert clock.beijing(added) == added[:19].replace("T", " ")


def test_one_display_name_per_body(store):
    from parsing.store import display_name

    assert display_name("官坡镇人民政府") == display_name("官坡镇") == "官坡镇"
    assert display_name("城关街道办事处") == "城关街道" and display_name("某县人民政府") == "某县人民政府"
    assert display_name("官坡镇人民政府", roster_body="卢氏县官坡镇") == "卢氏县官坡镇"
    store.add(make_report(1, "官坡镇人民政府", 2022))
    store.add(make_report(2, "官坡镇", 2023))
    assert set(store.list_reports()["display_name"]) == {"官坡镇"}


def test_generation_changes_with_every_committed_write_from_any_connection(tmp_path):
    path = tmp_path / "g.sqlite3"
    with Store(path) as a, Store(path) as b:
        g0 = a.generation()
        a.add(make_report(1))
        g1 = b.generation()
        assert g1 > g0
        b.decide(make_report(1).sha256, "ARI-01||||", "dismissed")
        assert a.generation() > g1
        with pytest.raises(RuntimeError):
            with a.transaction() as c:
                c.execute("DELETE FROM decisions")
                raise RuntimeError("rolled back")
        assert a.generation() == b.generation() > g1 and len(a.decisions()) == 1
        assert a.created_at() == b.created_at() is not None


# -- report_summary (schema 11): per-report counts kept by triggers, equal to counting them the long way ----------

_LONG_COUNTS = (
    "SELECT r.sha256, COALESCE(c.n, 0), COALESCE(c.error, 0), COALESCE(c.warning, 0), COALESCE(c.info, 0),"
    " COALESCE(c.n_open, 0), " + ", ".join(
        f"COALESCE((SELECT s.found FROM sections s WHERE s.report_id=r.id AND s.number={n}), 0)" for n in range(1, 7))
    + " FROM reports r LEFT JOIN (SELECT f.report_id, COUNT(*) AS n,"
    " SUM(f.severity='error' AND d.status IS NOT 'dismissed') AS error,"
    " SUM(f.severity='warning' AND d.status IS NOT 'dismissed') AS warning,"
    " SUM(f.severity='info' AND d.status IS NOT 'dismissed') AS info, SUM(d.status IS NULL) AS n_open"
    " FROM findings f JOIN reports r2 ON r2.id=f.report_id"
    " LEFT JOIN decisions d ON d.sha256=r2.sha256 AND d.finding_key=f.finding_key"
    " WHERE f.kind='finding' GROUP BY f.report_id) c ON c.report_id=r.id ORDER BY r.id")


def summary_equals_the_long_way(s) -> list:
    kept = s._query("SELECT r.sha256, q.n_findings, q.error, q.warning, q.info, q.n_open, q.s1, q.s2, q.s3, q.s4,"
                    " q.s5, q.s6 FROM reports r JOIN report_summary q ON q.report_id=r.id ORDER BY r.id")
    long_way = s._query(_LONG_COUNTS)
    assert kept == long_way
    assert s._query("SELECT COUNT(*) FROM report_summary")[0][0] == len(s)  # no row left of a deleted report
    return kept


def mixed_findings(report: ParsedReport, previous=None) -> pd.DataFrame:
    """Every severity, a repeated finding key (the same rule on the same place twice) and a report-level one."""
    rows = [dict(rule="ARI-01", severity="error", message="合计不符", table="三", row="一、本年新收政府信息公开申请数量",
                 column="总计", section=None, expected=3, actual=2),
            dict(rule="ARI-01", severity="error", message="合计不符", table="三", row="一、本年新收政府信息公开申请数量",
                 column="总计", section=None, expected=4, actual=2),
            dict(rule="ARI-06", severity="warning", message="空白", table="四", row="行政复议", column="总计",
                 section=None, expected=None, actual=None),
            dict(rule="SEC-01", severity="info", message="提示", table=None, row=None, column=None, section=5,
                 expected=None, actual=None)]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def test_report_summary_follows_every_write(store):
    """The counts and sections found the dashboard reads from report_summary equal counting them the long way
    after every kind of write: reports added with and without findings, decisions made, changed and cleared (one
    and many at once), findings replaced (a re-check), a report re-parsed, a second version, corrections, and
    deletions."""
    s = store
    a, b, c = make_report(1), make_report(2, body="另一镇"), make_report(3, body="第三镇")
    s.add(a, mixed_findings(a))
    s.add(b, findings_for(b))
    s.add(c)  # no findings at all
    rows = summary_equals_the_long_way(s)
    assert [r[1] for r in rows] == [4, 4, 0] and rows[0][2] == 2 and rows[0][6:] == (1, 1, 1, 1, 0, 1)
    keys = s.findings(a.sha256)["finding_key"].tolist()
    assert len(set(keys)) == 4  # the repeated finding has a key of its own
    s.decide(a.sha256, keys[0], "dismissed")
    assert summary_equals_the_long_way(s)[0][2] == 1
    s.decide(a.sha256, keys[0], "confirmed")  # a decision replaced (INSERT OR REPLACE)
    assert summary_equals_the_long_way(s)[0][2:6] == (2, 1, 1, 3)
    s.decide(a.sha256, keys[0], None)  # cleared
    summary_equals_the_long_way(s)
    s.decide_many([(a.sha256, k) for k in keys[1:]], "dismissed")
    assert summary_equals_the_long_way(s)[0][2:6] == (1, 0, 0, 1)
    s.decide_many([(a.sha256, k) for k in keys[2:]], None)
    summary_equals_the_long_way(s)
    s.set_findings(a.sha256, mixed_findings(a).iloc[1:])  # a re-check: decisions stay on their keys
    summary_equals_the_long_way(s)
    s.set_findings(b.sha256, None)
    summary_equals_the_long_way(s)
    b2 = make_report(2, body="另一镇")
    b2.sections[5] = SectionText(5, True, "heading 5", "有了", 5)
    b2.sections.pop(2)
    s.replace(b2, mixed_findings(b2))  # re-parsed: sections and findings written again
    rows = summary_equals_the_long_way(s)
    assert rows[1][6:] == (1, 0, 1, 1, 1, 1)
    s.correct(a.sha256, "三", "一、本年新收政府信息公开申请数量", "总计", 5.0)
    a2 = make_report(7)  # a second version of a's body and year
    s.add(a2, mixed_findings(a2))
    summary_equals_the_long_way(s)
    s.decide(a2.sha256, s.findings(a2.sha256)["finding_key"].iloc[0], "dismissed")
    summary_equals_the_long_way(s)
    assert s.delete(a.sha256)
    summary_equals_the_long_way(s)
    assert s.delete(c.sha256)
    assert len(summary_equals_the_long_way(s)) == 2


def test_report_summary_is_what_the_dashboard_counts(store):
    """finding_counts, section_flags and list_reports read report_summary: the same numbers as the long way."""
    a, b = make_report(1), make_report(2, body="另一镇")
    store.add(a, mixed_findings(a))
    store.add(b, findings_for(b))
    store.decide(a.sha256, store.findings(a.sha256)["finding_key"].iloc[0], "dismissed")
    long_way = {r[0]: r[1:] for r in store._query(_LONG_COUNTS)}
    fc = store.finding_counts(current_only=False).set_index("sha256")
    flags = store.section_flags().set_index("sha256")
    listed = store.list_reports().set_index("sha256")
    for sha, (n, error, warning, info, n_open, *found) in long_way.items():
        assert tuple(fc.loc[sha, ["error", "warning", "info", "n_open"]]) == (error, warning, info, n_open)
        assert [bool(flags.loc[sha, f"s{i}"]) for i in range(1, 7)] == [bool(x) for x in found]
        assert (listed.loc[sha, "n_findings"], listed.loc[sha, "n_open"]) == (n, n_open)
    assert fc.loc[a.sha256, "error"] == 1 and fc.loc[a.sha256, "n_open"] == 3


def test_migration_11_fills_the_report_summary(tmp_path):
    path = tmp_path / "v10.sqlite3"
    with Store(path) as s:
        a, b = make_report(1), make_report(2, body="另一镇")
        s.add(a, mixed_findings(a))
        s.add(b, findings_for(b))
        s.decide(a.sha256, s.findings(a.sha256)["finding_key"].iloc[0], "dismissed")
        before = (s.finding_counts(), s.section_flags(), s.list_reports())
    con = sqlite3.connect(path)  # a version-10 store as it was made: no summary table, no triggers
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        con.execute(f"DROP TRIGGER {name}")
    con.executescript("DROP TABLE report_summary; PRAGMA user_version=10;"
                      "UPDATE meta SET value='10' WHERE key='schema_version';")
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION >= 11
        assert len(summary_equals_the_long_way(s)) == 2
        after = (s.finding_counts(), s.section_flags(), s.list_reports())
        for x, y in zip(before, after):
            pd.testing.assert_frame_equal(x, y)
        c = make_report(3, body="第三镇")
        s.add(c, mixed_findings(c))  # the triggers are there after the migration
        summary_equals_the_long_way(s)
