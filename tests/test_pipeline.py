"""The one pipeline: one report is one transaction (a killed re-parse leaves no report without its findings), and
the dashboard, the command line and the import give the same result for the same folder."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from parsing import pipeline
from parsing.batch import import_folder
from parsing.report import FINDING_COLUMNS
from parsing.store import Store
from tests.test_store import findings_for, parse_synthetic

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_reports"


def synthetic_store(path: Path, bodies: int = 8, years: int = 4) -> Store:
    """A store of bodies x years synthetic reports (files kept), checked with the stand-in rule and last year."""
    store = Store(path)
    for b in range(bodies):
        for y in range(years):
            data = f"单位{b}镇|{2020 + y}|{b * years + y}".encode()
            report = parse_synthetic(data, f"{b}-{y}.txt")
            store.add(report, findings_for(report, store.previous_report(report)), data=data)
    return store


def stored_rule_findings(store: Store, sha: str) -> list[tuple]:
    f = store.findings(sha)
    return [tuple(None if pd.isna(x) else x for x in row) for row in f[["rule", "message", "table", "row", "column"]]
            .itertuples(index=False)]


def expected_findings(store: Store, sha: str) -> list[tuple]:
    report = store.corrected_report(sha)
    f = findings_for(report, store.previous_report(report))
    return [tuple(None if pd.isna(x) else x for x in row) for row in f[["rule", "message", "table", "row", "column"]]
            .itertuples(index=False)]


def assert_every_report_consistent(store: Store) -> None:
    """Every report has its rule findings, and they are what the rules give on what is stored now (its own
    content and last year's current report): no report is left half re-parsed."""
    for sha in store.list_reports()["sha256"]:
        got = stored_rule_findings(store, sha)
        assert got, f"{sha[:10]} has no rule findings"
        assert got == expected_findings(store, sha), sha[:10]


REPARSE_SCRIPT = """
import os, signal, sys
from parsing.store import Store
from tests.test_store import findings_for
from tests.worker_tasks import parse_v2

def main(db, mode, k):
    store = Store(db)
    calls = 0

    def check(report, previous=None):  # a closure: runs in this process, never in a worker
        nonlocal calls
        if store._depth:  # inside a report's transaction
            calls += 1
            if mode == "inside" and calls == k:
                os.killpg(0, signal.SIGKILL)
        return findings_for(report, previous)

    store.reparse_all(parse_v2, check, workers=2)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
"""


def count_v2(db: Path) -> int:
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("SELECT COUNT(*) FROM reports WHERE title LIKE '% v2'").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("mode,k", [("gate", 1), ("gate", 9), ("gate", 23), ("inside", 1), ("inside", 6),
                                    ("inside", 17)])
def test_a_killed_reparse_leaves_every_report_with_its_findings(tmp_path, mode, k):
    db = tmp_path / "r.sqlite3"
    with synthetic_store(db) as store:
        total = len(store)
        assert_every_report_consistent(store)
    script = tmp_path / "reparse.py"
    script.write_text(textwrap.dedent(REPARSE_SCRIPT), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if mode == "gate":  # the parser stops after k files; kill once those k are stored
        env["REPARSE_GATE"] = f"{tmp_path / 'gate'}:{k}"
    proc = subprocess.Popen([sys.executable, str(script), str(db), mode, str(k)], env=env, cwd=str(REPO),
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if mode == "gate":
            while proc.poll() is None and count_v2(db) < k:
                time.sleep(0.02)
            assert proc.poll() is None, proc.stderr.read().decode()
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with Store(db) as store:
        assert len(store) == total
        done = count_v2(db)
        assert 0 < done < total if mode == "gate" else done < total
        if mode == "gate":
            assert done == k
        assert_every_report_consistent(store)
        # and the rest of the re-parse, run again, ends where a clean run ends
        store.reparse_all(__import__("tests.worker_tasks", fromlist=["x"]).parse_v2, findings_for, workers=0)
        assert count_v2(db) == total
        assert_every_report_consistent(store)


def test_a_correction_and_its_findings_commit_together(tmp_path, monkeypatch):
    with synthetic_store(tmp_path / "c.sqlite3", bodies=1, years=2) as store:
        sha = store.list_reports()["sha256"].iloc[0]
        report = store.get(sha)
        cell = report.values.iloc[0]
        before = stored_rule_findings(store, sha)

        def broken(report, previous=None):
            raise RuntimeError("rule bug")

        with pytest.raises(RuntimeError):
            store.correct(sha, cell["table"], cell["row"], cell["column"], 7, check_fn=broken)
        assert store.corrections(sha).empty and stored_rule_findings(store, sha) == before


def test_the_next_years_report_is_rechecked_when_last_year_arrives_later(tmp_path):
    """Import in any order: this year's cross-year findings compare with last year's once it is there, and the
    re-check is part of last year's transaction."""
    folder = tmp_path / "drop"
    folder.mkdir()
    for y in (2023, 2022):
        (folder / f"{y}.txt").write_text(f"甲镇|{y}|{y}", encoding="utf-8")
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        import_folder(folder / "2023.txt", a, workers=0, parse_fn=parse_synthetic, check_fn=findings_for)
        import_folder(folder / "2022.txt", a, workers=0, parse_fn=parse_synthetic, check_fn=findings_for)
        import_folder(folder, b, workers=0, parse_fn=parse_synthetic, check_fn=findings_for)
        for s in (a, b):
            new = s.current("甲镇", 2023)
            assert "上年 2022" in {m for _, m, *_ in stored_rule_findings(s, new)}
            assert_every_report_consistent(s)


# -- the same result three ways --------------------------------------------------------------------------------

THREE_WAYS = ["000_f2cddb79f4434941.txt", "001_a7d1ab90ef2b8173.pdf", "002_4cd244469f2197ef.docx",
              "003_f33e39129a8130ac_gbk.txt", "004_19df153a773c7689.pdf"]


CROSS_YEAR_RULE = "XYR-03"  # 内容雷同 with last year


def _values(rows) -> dict:
    return {(r["table"], r["row"], r["column"]): _plain(r["value"]) for r in rows}


def _findings(frame_or_rows) -> list:
    rows = frame_or_rows.to_dict("records") if isinstance(frame_or_rows, pd.DataFrame) else frame_or_rows
    out = []
    for f in rows:
        out.append(tuple(_plain(f.get(k)) for k in FINDING_COLUMNS))
    return sorted(out, key=repr)


def _plain(x):
    if x is None or (isinstance(x, float) and x != x):
        return None
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def test_cli_import_and_dashboard_give_the_same_result_for_one_folder(tmp_path):
    folder = tmp_path / "县"
    folder.mkdir()
    for name in THREE_WAYS:
        shutil.copy(SAMPLES / name, folder / name)
    # a second year of one body, so cross-year rules take part
    last = (SAMPLES / "000_f2cddb79f4434941.txt").read_text(encoding="utf-8").replace("2023年", "2022年")
    (folder / "群科镇2022.txt").write_text(last, encoding="utf-8")

    # 1. the command line, JSON
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-m", "parsing", str(folder), "--json", "--jobs", "2"], env=env,
                         cwd=str(REPO), capture_output=True, text=True, timeout=900, check=True).stdout
    cli = {Path(d["file"]).name: d for d in map(json.loads, out.splitlines())}

    # 2. import into a store
    with Store(tmp_path / "import.sqlite3") as store:
        summary = import_folder(folder, store, workers=2)
        assert summary["imported"] == len(cli) and not summary["failed"]
        imported = {}
        for sha, name in zip(store.list_reports()["sha256"], store.list_reports()["file_name"]):
            imported[name] = (_values(store.get(sha).values.to_dict("records")), _findings(
                store.findings(sha, include_notes=False)[FINDING_COLUMNS]), store.get(sha).notes)

    # 3. the dashboard's upload path, saving into its store
    from ui import storeview

    with Store(tmp_path / "dash.sqlite3") as store:
        sources = [pipeline.Source(p.name, data=p.read_bytes()) for p in sorted(folder.iterdir())]
        res = storeview.check_and_save(sources, store, save=True)
        assert {c.outcome for c in res.checked} == {storeview.SAVED_IMPORTED}
        dash = {}
        for sha, name in zip(store.list_reports()["sha256"], store.list_reports()["file_name"]):
            dash[name] = (_values(store.get(sha).values.to_dict("records")), _findings(
                store.findings(sha, include_notes=False)[FINDING_COLUMNS]))

    assert set(cli) == set(imported) == set(dash) == {p.name for p in folder.iterdir()}
    for name, d in cli.items():
        assert d["error"] is None, name
        cli_values = _values(d["values"])
        assert cli_values == imported[name][0] == dash[name][0], name
        assert len(cli_values) == 200
        # stored findings are the rule findings (parse notes are stored apart but reported with them)
        assert imported[name][1] == dash[name][1], name
        assert _findings(d["findings"]) == imported[name][1], name
    # the cross-year rules saw last year's report in every way (the two years' texts are the same)
    assert CROSS_YEAR_RULE in {f[0] for f in imported["000_f2cddb79f4434941.txt"][1]}


def test_a_reparse_checks_the_corrected_report_but_stores_the_parsed_values(tmp_path):
    with synthetic_store(tmp_path / "k.sqlite3", bodies=1, years=1) as store:
        sha = store.list_reports()["sha256"].iloc[0]
        v = store.get(sha).values
        blank = v[(v["table"] == "四") & (v["column"] == "总计") & v["value"].isna()].iloc[0]
        store.correct(sha, "四", blank["row"], "总计", 5, check_fn=findings_for)
        flagged = {m for _, m, *_ in stored_rule_findings(store, sha)}
        assert f"空白 {blank['row']}" not in flagged  # the corrected cell is no longer blank for the rules
        store.reparse_all(parse_synthetic, findings_for, workers=0)
        parsed = store.get(sha).values.set_index(["table", "row", "column"])
        assert pd.isna(parsed.at[("四", blank["row"], "总计"), "value"])  # the parse is stored as parsed
        assert f"空白 {blank['row']}" not in {m for _, m, *_ in stored_rule_findings(store, sha)}
        assert_every_report_consistent(store)


def test_an_import_keeps_the_same_current_version_whichever_file_finishes_first(tmp_path):
    """Two equally good versions of one body and year: the one later in the folder's order is current, even when
    the earlier one finishes parsing last (the import stores in the folder's order, not the workers')."""
    from tests import worker_tasks

    folder = tmp_path / "county"
    folder.mkdir()
    text = next(p for p in sorted(SAMPLES.glob("*.txt")) if "_gbk" not in p.name).read_bytes()
    (folder / "a_first.txt").write_bytes(text)
    (folder / "b_second.txt").write_bytes(text + b"\n")  # other bytes, the same report
    gate = Path(worker_tasks.order_gate(text))
    gate.unlink(missing_ok=True)
    with Store(tmp_path / "s.sqlite3") as store:
        summary = import_folder(folder, store, workers=2, parse_fn=worker_tasks.parse_first_finishes_last)
        assert summary["imported"] == 2 and not summary["failed"], summary
        listed = store.list_reports()
        assert len(listed) == 2 and listed["body_key"].nunique() == 1 and listed["year"].nunique() == 1
        current = listed.loc[listed["is_current"].astype(bool), "file_name"].tolist()
        assert current == ["b_second.txt"]
    assert gate.exists()  # the second file was parsed before the first finished
    gate.unlink()


def test_the_callers_pool_stays_open_and_a_pool_of_its_own_is_closed(monkeypatch):
    """Whatever the last file gives (own findings of the form's rules, or an unreadable file), ``run`` closes the
    pool it made and never the caller's."""
    from parsing import workers

    text = (SAMPLES / "000_f2cddb79f4434941.txt").read_bytes()
    closed = []
    real_close = workers.Pool.close
    monkeypatch.setattr(workers.Pool, "close", lambda self: (closed.append(self), real_close(self)))
    for last, name in ((text, "b.txt"), (b"\x00\x01 not a report", "b.bin")):
        sources = [pipeline.Source("a.txt", data=text), pipeline.Source(name, data=last)]
        with workers.Pool(1) as pool:
            results = list(pipeline.run(sources, None, save=False, pool=pool))
            assert closed == [] and pool._workers, "the caller's pool was closed"
            assert results[0].findings is not None
        closed.clear()
        list(pipeline.run(sources, None, save=False, workers=1))
        assert len(closed) == 1
        closed.clear()


def _store_dump(store: Store) -> dict:
    """Everything an import writes, by file name (ids and times left out)."""
    q = store._query
    out = {"reports": q("SELECT file_name, sha256, body, body_key, region, year, year_source, template, title, format,"
                        " page_count, ocr, tables_found, text, parser_version, error, extra, pinned, is_current,"
                        " cells_read, current_reason FROM reports ORDER BY file_name")}
    out["cell_values"] = q("SELECT r.file_name, v.seq, k.table_id, k.row_key, k.col_key, v.value, v.raw, v.page,"
                           " v.status, v.form, v.confidence, v.bbox FROM cell_values v JOIN reports r ON r.id=v.report_id"
                           " JOIN cells k ON k.cell_id=v.cell_id ORDER BY r.file_name, v.seq")
    out["sections"] = q("SELECT r.file_name, s.number, s.found, s.heading, s.text, s.page, s.extra FROM sections s"
                        " JOIN reports r ON r.id=s.report_id ORDER BY r.file_name, s.number")
    out["findings"] = q("SELECT r.file_name, f.kind, f.seq, f.rule, f.severity, f.message, f.table_id, f.row_key,"
                        " f.col_key, f.section, f.expected, f.actual, f.finding_key FROM findings f"
                        " JOIN reports r ON r.id=f.report_id ORDER BY r.file_name, f.kind, f.seq")
    return out


def test_rows_made_in_the_workers_store_exactly_what_the_store_makes_itself(tmp_path, monkeypatch):
    """An import stores each report's rows as its worker made them (the importing process only binds them); the
    store is the same, row for row, as when the store makes every row itself from the report (no workers)."""
    from parsing.store import reports

    folder = tmp_path / "县"
    folder.mkdir()
    for name in THREE_WAYS:
        shutil.copy(SAMPLES / name, folder / name)
    last = (SAMPLES / "000_f2cddb79f4434941.txt").read_text(encoding="utf-8").replace("2023年", "2022年")
    (folder / "群科镇2022.txt").write_text(last, encoding="utf-8")  # cross-year findings made in this process
    made_here = []
    real = reports.report_rows
    monkeypatch.setattr(reports, "report_rows", lambda *a, **k: (made_here.append(a[0].file), real(*a, **k))[1])
    from parsing import rules

    prepared = []  # reports the rules prepared (Ctx) in this process
    real_ctx = rules.Ctx.__init__
    monkeypatch.setattr(rules.Ctx, "__init__", lambda self, r: (prepared.append(r.file), real_ctx(self, r))[1])
    dumps = {}
    for workers in (2, 0):
        made_here.clear()
        prepared.clear()
        with Store(tmp_path / f"w{workers}.sqlite3") as store:
            summary = import_folder(folder, store, workers=workers)
            assert summary["imported"] == len(THREE_WAYS) + 1 and not summary["failed"], summary
            dumps[workers] = _store_dump(store)
        if workers:
            assert made_here == [], "the importing process made rows the workers had made"
            assert prepared == [], "the importing process prepared reports for the rules again"
        else:
            assert len(made_here) == summary["imported"]
            assert len(prepared) >= summary["imported"]
    assert dumps[2]["cell_values"] and dumps[2]["findings"]
    assert {r[3] for r in dumps[2]["findings"]} >= {CROSS_YEAR_RULE}
    for table in dumps[0]:
        assert dumps[2][table] == dumps[0][table], table


def test_rows_made_before_a_report_changed_are_not_stored(tmp_path):
    """Rows made in a worker are used only while the report still holds the frames they were made from: a report
    (or findings) changed afterwards is stored as it is then."""
    from parsing.store.reports import report_rows

    text = (SAMPLES / "000_f2cddb79f4434941.txt").read_bytes()
    report, findings, _own = pipeline.parse_and_check(text, "a.txt", None, pipeline.default_check())
    rows = report_rows(report, findings)
    changed = report.values.copy()
    changed["value"] = 7.0
    report.values = changed
    fewer = findings.iloc[:1].copy()
    with Store(tmp_path / "s.sqlite3") as store:
        store.add(report, fewer, rows=rows)
        stored = store.get(report.sha256)
        assert (stored.values["value"] == 7.0).all()
        assert len(store.findings(report.sha256, include_notes=False)) == 1
        assert len(stored.notes) == len(report.notes)


def test_the_rules_context_sent_back_by_a_worker_is_the_one_prepared_here():
    """parse_check_rows sends the report's prepared rules context back with it (OwnFindings pickles it without
    the report and the expected cells): after the trip through pickle it holds exactly what preparing the report
    here gives, and the cross-year findings made with it are those of check_report."""
    import pickle

    from parsing import rules

    text = (SAMPLES / "000_f2cddb79f4434941.txt").read_text(encoding="utf-8")
    files = [(p.name, p.read_bytes()) for p in sorted((SAMPLES / "demo").glob("东城街道_*"))[:3]]
    files += [("群科镇2022.txt", text.replace("2023年", "2022年").encode("utf-8")),
              ("000_f2cddb79f4434941.txt", text.encode("utf-8"))]  # last year's text again: a cross-year finding
    owns = []
    for name, data in files:
        out = pipeline.parse_check_rows(data, name, None, pipeline.default_check())
        assert len(out) == 4
        report, _findings, own, _rows = pickle.loads(pickle.dumps(out))
        assert own.report is report and own._ctx is not None
        fresh = rules._ctx(report)
        got, want = dict(vars(own.ctx)), dict(vars(fresh))
        assert got.pop("report") is report and want.pop("report") is report
        assert got == want and set(got) >= {"cells", "covered", "township", "body", "form"}, name
        assert got["expected"] is want["expected"]
        owns.append(own)
    for prev, cur in zip(owns, owns[1:]):
        fresh = rules.check_report(cur.report, previous=prev.report)
        pd.testing.assert_frame_equal(rules.with_previous(cur, prev), fresh)
    assert CROSS_YEAR_RULE in set(rules.with_previous(owns[-1], owns[-2])["rule"])


def test_a_rules_context_of_another_report_or_kind_is_not_pickled_with_the_findings():
    """OwnFindings sends its prepared context only when it is the plain kind made for its own report; otherwise
    the receiving process prepares it again on first use (and gets what preparing it here gives)."""
    import pickle

    from parsing import rules

    text = (SAMPLES / "000_f2cddb79f4434941.txt").read_text(encoding="utf-8")
    report = pipeline.parse_and_check(text.encode("utf-8"), "x.txt", None, None)[0]
    other = pipeline.parse_and_check(text.replace("2023年", "2022年").encode("utf-8"), "y.txt", None, None)[0]

    class Special(rules.Ctx):
        pass

    own = rules.own_findings(report)
    assert pickle.loads(pickle.dumps(own))._ctx is not None
    for ctx in (rules._ctx(other), Special(report)):
        own._ctx = ctx
        back = pickle.loads(pickle.dumps(own))
        assert back._ctx is None
        assert back.ctx.year == report.year and back.ctx.report is back.report
