"""The rules' fast paths give what their former code gave (kept in tests/rules_reference.py): the check context's
cells, the parse notes as rows, the grouping of flagged cells, ARI-05, the finding rows, the merge of notes and
findings and the findings frame, each on the sample reports and the real fixtures (and variants of them that take
the general paths), and the whole findings frame of check_report."""
import dataclasses
import itertools
import random

import numpy as np
import pandas as pd
import pytest

from parsing import parse_path, rules
from parsing.report import FINDING_COLUMNS
from tests import golden_io
from tests import rules_reference as ref

FILES = [p for p in golden_io.sample_files() + golden_io.real_files() if "_scan" not in p.name]
OLD_CHECKS = {"STR-03": ref._structure_check("二"), "STR-04": ref._structure_check("三"),
              "STR-05": ref._structure_check("四"), "ARI-05": ref._ari_whole,
              "ARI-06": ref._status_rule("blank"), "ARI-13": ref._status_rule("unreadable")}
OLD_RULES = tuple(dataclasses.replace(r, check=OLD_CHECKS.get(r.id, r.check)) for r in rules.RULES)


def _variants(report):
    """The report, and copies whose values and notes take the general paths: text columns of plain objects,
    values of object dtype with hand corrections, and notes with numpy numbers."""
    yield report
    v = report.values
    if v is None or not len(v):
        return
    obj = v.astype(object)
    status = obj["status"].tolist()
    for i in range(0, len(status), 7):
        status[i] = "corrected"
    obj["status"] = status
    yield dataclasses.replace(report, values=obj)
    yield dataclasses.replace(report, values=v.iloc[::-1].reset_index(drop=True))
    notes = report.notes
    if notes is not None and len(notes):
        notes = notes.copy()
        notes["section"] = [np.int64(1) if i % 2 else None for i in range(len(notes))]
        notes["expected"] = [np.float64(2.5) if i % 3 else np.nan for i in range(len(notes))]
        yield dataclasses.replace(report, notes=notes)


@pytest.fixture(scope="module")
def reports():
    parsed = [parse_path(p) for p in FILES]
    assert sum(not r.error for r in parsed) > 60
    return [v for r in parsed for v in _variants(r)]


def test_the_contexts_cells_are_those_read_the_former_way(reports):
    for r in reports:
        got = rules.Ctx(r)
        want = rules.Ctx.__new__(rules.Ctx)
        ref.ctx_init(want, r)
        assert list(got.cells) == list(want.cells), r.file
        assert repr(got.cells) == repr(want.cells), r.file  # NaN (of pages, of raw text) equal as text
        for k, cell in got.cells.items():
            assert [type(x) for x in cell] == [type(x) for x in want.cells[k]], (r.file, k)
        assert got.covered == want.covered and got.township == want.township


def test_the_notes_rows_are_those_read_the_former_way(reports):
    for r in reports:
        got, want = rules._notes(r), ref._notes(r)
        assert got == want, r.file
        assert [[type(v) for v in row.values()] for row in got] == [[type(v) for v in row.values()] for row in want]
        assert [list(row) for row in got] == [list(row) for row in want]


def test_the_grouped_cells_and_ari05_are_the_former_ones(reports):
    for r in reports:
        if r.error:
            continue
        ctx = rules._ctx(r)
        for rule_id, old in OLD_CHECKS.items():
            assert list(rules.RULES_BY_ID[rule_id].check(ctx)) == list(old(ctx)), (r.file, rule_id)
        for table in ("二", "三", "四"):
            cells = [(c.row, c.column) for c in ctx.table_cells(table)]
            for k in (1, 2, 3, 5, 8):
                flagged = set(cells[::k])
                covered = frozenset(cells[1::7])
                assert rules._group_cells(ctx, table, flagged, covered) == ref._group_cells(ctx, table, flagged,
                                                                                            covered)
                assert rules._group_cells(ctx, table, flagged) == ref._group_cells(ctx, table, flagged)


def test_a_context_with_cells_of_its_own_groups_them_as_before(reports):
    r = next(r for r in reports if not r.error and r.template == "2021")
    ctx = rules._ctx(r)
    ctx.expected = [c for i, c in enumerate(ctx.expected) if i % 5]
    for table in ("二", "三", "四"):
        cells = [(c.row, c.column) for c in ctx.table_cells(table)]
        flagged = set(cells[::2])
        assert rules._group_cells(ctx, table, flagged) == ref._group_cells(ctx, table, flagged)
    for rule_id, old in OLD_CHECKS.items():
        assert list(rules.RULES_BY_ID[rule_id].check(ctx)) == list(old(ctx)), rule_id


def _hits(report):
    ctx = rules._ctx(report)
    for r in rules.RULES:
        if r.scope == "report":
            for h in r.check(ctx) or ():
                yield r, h


def test_the_finding_rows_are_the_former_ones(reports):
    odd = {"expected": True, "actual": np.float64(3.0), "section": 2}  # numbers of other kinds
    for report in reports[:40]:
        if report.error:
            continue
        for r, h in _hits(report):
            for hit in (h, {**h, **odd}):
                got, want = rules._finding(r, hit), ref._finding(r, hit)
                assert list(got.items()) == list(want.items())
                assert [type(v) for v in got.values()] == [type(v) for v in want.values()]


def _rows(report):
    own = rules.own_findings(report)
    rows = [f for found in own.rows if found for f in found]
    return own.notes, rows


def test_the_merge_of_notes_and_findings_is_the_former_one(reports):
    for report in reports:
        notes, rows = _rows(report)
        assert rules._merge_notes(notes, rows) == ref._merge_notes(notes, rows), report.file


def test_the_merge_is_the_former_one_on_random_places():
    rnd = random.Random(7)
    places = [None, ("二", None, None), ("三", None, None), ("三", "r1", None), ("三", None, "c1"), ("三", "r1", "c1"),
              ("三", "r2", "c1"), ("三", "r1", "c2"), ("四", "r1", "c1"), ("三", 1, None), ("三", float("nan"), "c1")]
    for _ in range(400):
        def one():
            place = rnd.choice(places[:9] if rnd.random() < 0.9 else places)
            t, r, c = place or (None, None, None)
            return {"rule": "X", "severity": rnd.choice(["error", "warning", "info", "other"]), "table": t,
                    "row": r, "column": c}
        notes = [one() for _ in range(rnd.randint(0, 6))]
        found = [one() for _ in range(rnd.randint(0, 8))]
        assert rules._merge_notes(notes, found) == ref._merge_notes(notes, found)


def test_the_findings_frame_is_the_former_one(reports):
    extra = [{"rule": "X", "severity": "info", "message": "m", "expected": float("nan"), "actual": pd.NA,
              "section": (1, 2)}, {"rule": "Y", "severity": "info", "message": "n", "row": ["a"], "actual": 2.5}]
    for report in reports[:60]:
        notes, rows = _rows(report)
        whole = [dict(dict.fromkeys(FINDING_COLUMNS), **e) for e in extra]  # every column given
        for made in (notes + rows, rows, extra + rows, whole + rows, [dict(r, file="f", sha256=None) for r in rows]):
            if not made:
                continue
            columns = rules.BATCH_COLUMNS if "file" in made[0] else FINDING_COLUMNS
            got, want = rules._frame(made, columns), ref._frame(made, columns)
            pd.testing.assert_frame_equal(got, want)
            for c in columns:
                assert [type(v) for v in got[c]] == [type(v) for v in want[c]]


def test_the_findings_frames_are_the_former_ones(reports, monkeypatch):
    now = [rules.check_report(r) for r in reports]
    pairs = list(itertools.islice(((a, b) for a, b in zip(reports, reports[1:]) if not a.error), 20))
    now_pairs = [rules.check_report(a, b) for a, b in pairs]
    for name in ("_notes", "_merge_notes", "_frame", "_finding"):
        monkeypatch.setattr(rules, name, getattr(ref, name))
    monkeypatch.setattr(rules.Ctx, "__init__", ref.ctx_init)
    before = [rules.check_report(r, rules=OLD_RULES) for r in reports]
    before_pairs = [rules.check_report(a, b, rules=OLD_RULES) for a, b in pairs]
    for got, want in zip(now + now_pairs, before + before_pairs):
        pd.testing.assert_frame_equal(got, want)
    assert sum(len(f) for f in now) > 1000
