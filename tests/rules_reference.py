"""The rules' former code where a faster one replaced it, kept as references for the equivalence tests
(tests/test_rules_fast.py): each is the code of parsing/rules.py as it was before (commit 83ff4c6), calling the
module's unchanged helpers."""
from __future__ import annotations

import numpy as np
import pandas as pd

from parsing import forms
from parsing.report import FINDING_COLUMNS, ParsedReport, object_frame
from parsing.rules import (
    _EXPECTED, KNOWN_CELLS, KNOWN_ROWS, LOCATION_KEYS, T3, T4, TABLE_SECTION, Ctx, Rule, _as_list, _box_native, _by_table, _cell_label, _checknull,
    _covers, _isnan, _location, _n, _na, _notes_by_pandas, _RANK, is_township,
)


def ctx_init(self, report: ParsedReport):
    self.report = report
    self.form = report.template if report.template in _EXPECTED else forms.FORM_2021
    self.year = report.year
    self.cells: dict[tuple, tuple] = {}
    v = report.values
    if v is not None and len(v):
        cols = [_as_list(v[c]) if c in v.columns else [None] * len(v)
                for c in ("table", "row", "column", "value", "status", "raw", "page")]
        for t, r, c, val, st, raw, page in zip(*cols):
            num = None if _isnan(val) else float(val)
            if st == "corrected":  # a reviewer's hand correction counts as read (or as blank)
                st = "blank" if num is None else "ok"
            self.cells[(t, r, c)] = (num, st, raw, page)
    self.expected = _EXPECTED[self.form]
    self.township = is_township(report)
    self.covered = self._hybrid_covered()


def _group_cells(ctx: Ctx, table: str, flagged: set, covered: frozenset = frozenset()) -> list[dict]:
    """Aggregate flagged (row, column) cells of a table into whole-table, column, row and cell hits.

    ``covered`` cells are reported by another rule (e.g. missing cells for the blank rule): they
    neither need a hit here nor stop a row or column from being reported as a whole.
    """
    cells = ctx.table_cells(table)
    if not flagged:
        return []
    rows: dict[str, list[str]] = {}
    for c in cells:
        rows.setdefault(c.row, []).append(c.column)
    n = len(cells)
    if len(flagged) == n:
        return [dict(table=table, what="整张表格（全部单元格）", count=n)]
    hits = []
    done: set = set(covered)
    if table in (T3, T4):
        for col in dict.fromkeys(c.column for c in cells):
            col_cells = {(r, col) for r, cs in rows.items() if col in cs} - done
            if len(col_cells) > 1 and col_cells <= flagged:
                hits.append(dict(table=table, column=col, what=f"“{col}”列（{len(col_cells)}个单元格）",
                                 count=len(col_cells)))
                done |= col_cells
    for r, cs in rows.items():
        rest = {(r, c) for c in cs} - done
        if len(rest) > 1 and rest <= flagged:
            hits.append(dict(table=table, row=r, what=f"“{r.split('/')[-1]}”行（{len(rest)}个单元格）", count=len(rest)))
            done |= rest
    for r, cs in rows.items():
        for c in cs:
            if (r, c) in flagged and (r, c) not in done:
                hits.append(dict(table=table, row=r, column=c, what=f"单元格{_cell_label(table, r, c)}", count=1))
    return hits


def _structure_check(table: str):
    def check(ctx: Ctx):
        numeral = table
        if not ctx.table_found(table):
            if not ctx.section_found(TABLE_SECTION[table]):  # a found heading without a table is STR-06
                yield dict(table=table, section=TABLE_SECTION[table], numeral=numeral, what="整张表格（未找到表格）")
            return
        cells = ctx.table_cells(table)
        statuses = ctx.table_statuses(table)
        if "ok" not in statuses:
            return  # STR-06
        covered = ctx.covered
        flagged = {(c.row, c.column) for c, st in zip(cells, statuses) if st == "missing"
                   and (c.table, c.row, c.column) not in covered}
        for h in _group_cells(ctx, table, flagged):
            h.pop("count", None)
            yield dict(h, numeral=numeral)
    return check


def _ari_whole(ctx: Ctx):
    for c in ctx.expected:
        x = ctx.val(c.table, c.row, c.column)
        if x is None:
            continue
        where = f"第{c.table}部分{_cell_label(c.table, c.row, c.column)}"
        loc = dict(table=c.table, row=c.row, column=c.column, actual=_n(x), where=where)
        if c.kind == "amount":
            if x < 0:
                yield dict(loc, problem="金额不能为负数")
        elif c.kind == "signed":
            if not float(x).is_integer():
                yield dict(loc, problem="件数应为整数")
        else:
            if x < 0:
                yield dict(loc, problem="件数不能为负数")
            elif not float(x).is_integer():
                yield dict(loc, problem="件数应为整数")


def _status_rule(status: str):
    def check(ctx: Ctx):
        for table in forms.TABLES:
            if not ctx.table_found(table):
                continue
            statuses = ctx.table_statuses(table)
            if "ok" not in statuses:
                continue  # reported once by STR-03/04/05 or STR-06
            cells = ctx.table_cells(table)
            flagged = {(c.row, c.column) for c, st in zip(cells, statuses) if st == status}
            missing = frozenset((c.row, c.column) for c, st in zip(cells, statuses) if st == "missing")
            for h in _group_cells(ctx, table, flagged, missing):
                if status == "unreadable" and h.get("column") and h.get("row"):
                    raw = ctx.raw(table, h["row"], h["column"])
                    h["what"] += f"：“{raw}”" if raw else ""
                h.pop("count", None)
                yield dict(h, numeral=table)
    return check


def _finding(r: Rule, hit: dict) -> dict:
    """A finding row from a rule's hit; raises when the hit names a cell the forms do not know."""
    table, row, column = hit.get("table"), hit.get("row"), hit.get("column")
    if table is not None and table not in forms.TABLES:
        raise ValueError(f"unknown table {table!r}")
    if row is not None and (table, row) not in KNOWN_ROWS:
        raise ValueError(f"unknown row {table}/{row!r}")
    if column is not None and row is not None and (table, row, column) not in KNOWN_CELLS:
        raise ValueError(f"unknown cell {table}/{row}/{column!r}")
    params = {k: ("" if v is None else v) for k, v in hit.items()}
    out = {"rule": r.id, "severity": r.severity, "message": r.message.format(**params)}
    for k in LOCATION_KEYS:
        v = hit.get(k)
        out[k] = _n(v) if k in ("expected", "actual") and isinstance(v, (int, float)) else v
    return out


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    # missing fields as None (object dtype): built column by column, not by a where() over the whole frame
    # (nor through pandas' conversion of a list of rows: the same objects, a few times faster)
    data = {}
    n = len(rows)
    plain = (str, int)  # never missing (_na's fast cases, without its call)
    for c in columns:
        # fromiter, not a slice assignment: a tuple or list in a cell stays one object
        data[c] = np.fromiter((v if (v := r.get(c)) is not None and (type(v) in plain or not _na(v)) else None
                               for r in rows), dtype=object, count=n)
    return object_frame(data, columns)


def _merge_notes(notes: list[dict], found: list[dict]) -> list[dict]:
    """Parse notes first, then rule findings, without saying the same thing twice.

    A rule finding is dropped when a parse note at least as severe already points at the same
    place or a place that includes it (the note carries the parser's detail, e.g. the raw text
    of a short row); a parse note is dropped when a more severe rule finding covers it (e.g. the
    structure error for a missing column replaces the parser's warning).
    """
    note_locs = [(_location(f), _RANK.get(f.get("severity"), 0)) for f in notes]
    notes_by = _by_table(note_locs)  # a location covers only locations in its own table
    kept_found = []
    for f in found:
        loc, rank = _location(f), _RANK.get(f["severity"], 0)
        if loc is not None and any(_covers(nl, loc) and nr >= rank for nl, nr in notes_by.get(loc[0], ())):
            continue
        kept_found.append(f)
    found_by = _by_table([(_location(f), _RANK.get(f["severity"], 0)) for f in kept_found])
    kept_notes = [f for f, (nl, nr) in zip(notes, note_locs)
                  if nl is None or not any(_covers(fl, nl) and fr > nr for fl, fr in found_by.get(nl[0], ()))]
    return kept_notes + kept_found


def _notes(report: ParsedReport) -> list[dict]:
    """The parse notes as finding rows: :func:`_notes_by_pandas`'s answer, read without pandas' frame operations
    where the notes are in the findings shape already (every frame ``Notes.frame()`` makes)."""
    notes = report.notes
    if notes is None or not len(notes):
        return []
    if (_box_native is None or list(notes.columns) != FINDING_COLUMNS
            or any(dt != object for dt in notes.dtypes)):
        return _notes_by_pandas(notes)
    columns = [notes[c].tolist() for c in FINDING_COLUMNS]
    return [dict(zip(FINDING_COLUMNS, [None if _checknull(v) else _box_native(v) for v in row]))
            for row in zip(*columns)]
