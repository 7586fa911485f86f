"""The importing process builds no findings frame per report (parsing.pipeline.Found): the rows it stores are
made from the rules' finding dicts. Held equal to the frame path on real reports: the cross-year findings
(``cross_year`` against ``rules.with_previous``, frame and rows), and a whole folder imported through the pool
(the fast path: findings as dicts from the workers, cross-year checks without frames) against the same folder
imported in this process with every findings frame built and turned into rows as before."""
import shutil
from pathlib import Path

import pandas as pd

from parsing import pipeline, rules
from parsing.batch import import_folder
from parsing.store import Store
from parsing.store import reports
from parsing.store.reports import finding_dict_rows, finding_rows
from tests.store_contents import stored

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"
DEMO = SAMPLES / "demo"
BODIES = ("柳林镇", "青石镇", "示例县卫生健康局")  # with cross-year findings (XYR-03, XYR-01), and without


NOTED = ("004_19df153a773c7689.txt", "001_a7d1ab90ef2b8173.txt")  # samples with parse notes (21 and 1)


def _years(body):
    return sorted(DEMO.glob(f"{body}_*"))


def _exact(rows):
    """Rows compared with their types (1 and 1.0 and True differ)."""
    return [tuple((type(v).__name__, repr(v)) for v in r) for r in rows]


def _owns(paths):
    out = []
    for p in paths:
        report, findings, own = pipeline.parse_and_check(p.read_bytes(), p.name, None, pipeline.default_check())
        assert own is not None and not report.error, p.name
        out.append((p.name, report, findings, own))
    return out


def test_cross_year_findings_without_the_frame_are_those_of_with_previous():
    cross = set()
    for body in BODIES:
        cross |= _compare_years(body)
    assert cross == {"XYR-01", "XYR-03"}  # the pairs compared include cross-year findings
    # parse notes merged with the rule findings (a note covering a finding, a finding covering a note)
    (_n, _r, _f, noted), (_n2, _r2, _f2, other) = _owns([SAMPLES / n for n in NOTED])
    for own, prev in ((noted, None), (noted, other), (other, noted)):
        want = rules.with_previous(own, prev)
        assert (want["rule"].str.startswith("PARSE-")).any()
        pd.testing.assert_frame_equal(pipeline.cross_year(own, prev).frame(), want)
        assert _exact(pipeline.cross_year(own, prev).rows()) == _exact(finding_rows(want))


def _compare_years(body):
    owns = _owns(_years(body))
    assert len(owns) >= 5
    cross = set()
    for (_n0, prev_report, _f0, prev_own), (name, report, findings, own) in zip(owns, owns[1:]):
        for prev in (None, prev_own, prev_report):  # no last year, last year's own findings, last year's report
            want = rules.with_previous(own, prev)
            got = pipeline.cross_year(own, prev)
            pd.testing.assert_frame_equal(got.frame(), want)
            assert _exact(got.rows()) == _exact(finding_rows(want)), name
            assert _exact(finding_dict_rows(got.dicts)) == _exact(finding_rows(want))
            if prev is not None:
                cross |= set(want["rule"]) & {"XYR-01", "XYR-02", "XYR-03", "XYR-05"}
        pd.testing.assert_frame_equal(pipeline.cross_year(own, None).frame(), findings)
    return cross


def test_a_stored_task_sends_its_findings_as_dicts_with_their_rows():
    import pickle

    path = _years("柳林镇")[0]
    report, found, own, rows = pickle.loads(pickle.dumps(
        pipeline.parse_check_rows(path.read_bytes(), path.name, None, pipeline.default_check())))
    assert isinstance(found, pipeline.Found) and found._frame is None
    assert rows.findings is found and rows.finding_rows is found.rows()
    want = rules.check_report(report)
    pd.testing.assert_frame_equal(found.frame(), want)
    assert _exact(found.rows()) == _exact(finding_rows(want))
    # a Result made of it hands out the frame
    res = pipeline.Result(0, pipeline.Source(path.name), pipeline.IMPORTED, report, found)
    pd.testing.assert_frame_equal(res.findings, want)
    assert res.findings is res.findings


def _folder(tmp_path):
    """Three bodies' years, the later years first in the folder's order (so storing a year re-checks the next
    one), with sample reports whose parse notes meet the rule findings."""
    folder = tmp_path / "县"
    folder.mkdir()
    for body in BODIES:
        for k, p in enumerate(reversed(_years(body))):
            shutil.copy(p, folder / f"{k}_{p.name}")
    for name in NOTED + ("000_f2cddb79f4434941.pdf", "002_4cd244469f2197ef.docx"):
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def test_an_import_through_the_pool_stores_what_the_frame_path_stores(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    with Store(tmp_path / "fast.sqlite3") as s:
        fast = import_folder(folder, s, workers=2)
    # the frame path: parsed here, every findings frame built (with_previous) and made rows from, and every
    # re-checked report's findings rewritten whole
    monkeypatch.setattr(pipeline, "cross_year", lambda own, previous: None)
    monkeypatch.setattr(reports, "_same_row", lambda stored, row: False)
    with Store(tmp_path / "slow.sqlite3") as s:
        slow = import_folder(folder, s, workers=0)
    assert fast == slow and fast["imported"] == len(list(folder.iterdir())) and not fast["failed"]
    a, b = stored(tmp_path / "fast.sqlite3"), stored(tmp_path / "slow.sqlite3")
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
    findings = a[2]
    assert {"XYR-01", "XYR-03"} <= set(findings["rule"]) and (findings["kind"] == "note").any()
    with Store(tmp_path / "fast.sqlite3") as f, Store(tmp_path / "slow.sqlite3") as s:
        for table in ("report_summary", "findings", "cells", "sections"):
            sql = f"SELECT * FROM {table} ORDER BY 1, 2, 3"
            assert f._query(sql) == s._query(sql), table


def test_rows_of_finding_dicts_with_missing_fields_are_those_of_their_frame():
    """A field missing from a finding dict, None, NaN or NA is None in the stored row as in the rules' frame;
    numbers keep their types; repeats of one key are numbered."""
    import numpy as np

    from parsing.report import FINDING_COLUMNS

    dicts = [dict(rule="ARI-01", severity="error", message="m", table="三", row="r", column="c", expected=3, actual=2.5),
             dict(rule="ARI-01", severity="error", message="m", table="三", row="r", column="c", expected=float("nan"),
                  actual=pd.NA),
             dict(rule="TXT-01", severity="warning", message="n", section=np.int64(2), expected=np.float64(1.5),
                  actual=None),
             dict(rule="STR-00", severity="error", message="x", table=None, row=float("nan"))]
    want = finding_rows(rules._frame(dicts, FINDING_COLUMNS))
    assert _exact(finding_dict_rows(dicts)) == _exact(want)
    assert want[1][-1].endswith("#2") and want[1][8] is None and want[1][9] is None


def test_set_findings_writes_only_the_rows_that_change_and_stores_what_a_whole_rewrite_stores(tmp_path,
                                                                                                 monkeypatch):
    """A re-check's findings replace the stored ones row by row where they differ: the findings and the report's
    summary (counts kept by triggers, decisions counted) end up as a whole rewrite leaves them."""
    path = SAMPLES / NOTED[0]
    report = pipeline.parse_and_check(path.read_bytes(), path.name, None, None)[0]
    f0 = rules.check_report(report)
    assert len(f0) > 10
    f1 = pd.concat([f0.iloc[:3], f0.iloc[[5]], f0.iloc[3:]], ignore_index=True)  # a repeat in the middle
    f1.loc[7, "message"] = "改过的说明"
    f1.loc[8, "expected"] = 3.0  # a number of another type
    f2 = pd.concat([f0, f0.iloc[[0]].assign(rule="XYR-03", severity="warning")], ignore_index=True)
    steps = (f1, f0, f2, f0.iloc[:4], f1, None)
    tables = {}
    for label, same in (("rows", None), ("whole", lambda stored, row: False)):
        if same is not None:
            monkeypatch.setattr(reports, "_same_row", same)
        with Store(tmp_path / f"{label}.sqlite3") as s:
            s.add(report, f0)
            keys = s.findings(report.sha256, include_notes=False)["finding_key"].tolist()
            s.decide(report.sha256, keys[1], "dismissed")
            s.decide(report.sha256, keys[6], "confirmed")
            got = []
            for f in steps:
                s.set_findings(report.sha256, f)
                got.append([s._query(f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in ("findings", "report_summary")])
            tables[label] = got
    assert tables["rows"] == tables["whole"]
    assert tables["rows"][0][1] != tables["rows"][1][1]  # the summary changed with the findings
