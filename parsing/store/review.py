"""The reviewer's own work beside the parsed data: decisions on findings, hand corrections of cells, and the
publication date a reviewer enters for a report.

None is ever overwritten by a re-parse: decisions are keyed by ``(sha256, finding_key)``, corrections by
``(sha256, table, row, column)``, publication dates by ``sha256``; the parsed value stays in ``cell_values`` and
the date the file shows stays in the report.
"""
from __future__ import annotations

import math
from datetime import date
from typing import Any, Iterable, Optional

import pandas as pd

from ..report import ParsedReport
from .db import _as_list, _in, _now
from .reports import CheckFn

DECISION_STATUSES = ("confirmed", "dismissed")
PUBLISHED_BY_REVIEWER = "reviewer"  # ParsedReport.published_source of a date the reviewer entered


CORRECTED = "corrected"


def apply_published(report: ParsedReport, published: Optional[str]) -> ParsedReport:
    """``report`` with the reviewer's publication date (ISO) in place of the one the file shows, source
    :data:`PUBLISHED_BY_REVIEWER`; unchanged when ``published`` is None. (:meth:`Store.get` keeps the date as read.)"""
    if not published:
        return report
    report.published, report.published_source = published, PUBLISHED_BY_REVIEWER
    return report


def apply_corrections(report: ParsedReport, fixes: list[tuple]) -> ParsedReport:
    """``report`` with hand corrections ``(table, row, column, value)`` applied: a corrected cell carries the
    corrected value and status ``"corrected"`` (raw, page and form stay those of the parsed cell)."""
    if not fixes:
        return report
    v = report.values.copy()
    index = {(t, r, c): i for i, (t, r, c) in enumerate(zip(v["table"], v["row"], v["column"]))}
    values = v["value"].astype("float64").to_numpy(copy=True)
    status = v["status"].astype(object).to_numpy(copy=True)
    for t, r, c, val in fixes:
        i = index.get((t, r, c))
        if i is None:
            continue
        values[i] = math.nan if val is None else float(val)
        status[i] = CORRECTED
    v["value"] = values
    v["status"] = status
    report.values = v
    return report



def _of_reports(select: str, sha256: Any, order: str) -> tuple[str, list]:
    """``select`` limited to the reports ``sha256`` names (one, several, or None for all), ordered by ``order``:
    the SQL and its parameters."""
    params: list = []
    vals = _as_list(sha256)
    where = "" if vals is None else " WHERE " + _in("sha256", vals, params)
    return f"{select}{where} ORDER BY {order}", params

class ReviewMixin:
    """Decisions and corrections (mixed into :class:`parsing.store.Store`)."""

    def decide(self, sha256: str, finding_key_: str, status: Optional[str], note: str = "", *,
               reviewer: Optional[str] = None) -> None:
        """Confirm or dismiss a finding (``status`` "confirmed" / "dismissed"), with a note; None clears it.
        ``reviewer`` is who decided (the account name when the dashboard has accounts).

        Keyed by (sha256, finding_key), so it survives a re-parse of the same file.
        """
        if status is not None and status not in DECISION_STATUSES:
            raise ValueError(f"status must be one of {DECISION_STATUSES} or None, not {status!r}")
        with self._tx() as c:
            self._require(sha256)
            if status is None:
                c.execute("DELETE FROM decisions WHERE sha256=? AND finding_key=?", (sha256, finding_key_))
            else:
                c.execute("INSERT OR REPLACE INTO decisions(sha256, finding_key, status, note, decided_at, reviewer)"
                          " VALUES (?,?,?,?,?,?)", (sha256, finding_key_, status, note or "", _now(), reviewer))

    def decide_many(self, items: Iterable[tuple[str, str]], status: Optional[str], note: str = "", *,
                    reviewer: Optional[str] = None) -> int:
        """One decision (``status`` as in :meth:`decide`) with one note for many findings ``(sha256, finding_key)``,
        in one transaction: all are recorded or none. Returns how many were decided."""
        if status is not None and status not in DECISION_STATUSES:
            raise ValueError(f"status must be one of {DECISION_STATUSES} or None, not {status!r}")
        items = list(dict.fromkeys((str(s), str(k)) for s, k in items))
        now = _now()
        with self._tx() as c:
            for sha in dict.fromkeys(s for s, _ in items):
                self._require(sha)
            if status is None:
                c.executemany("DELETE FROM decisions WHERE sha256=? AND finding_key=?", items)
            else:
                c.executemany("INSERT OR REPLACE INTO decisions(sha256, finding_key, status, note, decided_at, reviewer)"
                              " VALUES (?,?,?,?,?,?)", [(s, k, status, note or "", now, reviewer) for s, k in items])
        return len(items)

    def set_published(self, sha256: str, published: Optional[str | date], note: str = "",
                      check_fn: Optional[CheckFn] = None, *, reviewer: Optional[str] = None) -> None:
        """The publication date of a report as the reviewer establishes it (``published``: a date or ISO text;
        None forgets it and the date the file shows applies again), with a note and who entered it. With
        ``check_fn`` the report is re-checked (the timeliness rules read the date) in the same transaction."""
        iso = None
        if published is not None and str(published).strip():
            iso = (published if isinstance(published, date) else date.fromisoformat(str(published).strip()[:10])
                   ).isoformat()
        with self._tx() as c:
            self._require(sha256)
            if iso is None:
                c.execute("DELETE FROM publication_dates WHERE sha256=?", (sha256,))
            else:
                c.execute("INSERT OR REPLACE INTO publication_dates(sha256, published, note, entered_at, reviewer)"
                          " VALUES (?,?,?,?,?)", (sha256, iso, note or "", _now(), reviewer))
            if check_fn is not None:
                self.recheck([sha256], check_fn)

    def publication_dates(self, sha256: Any = None) -> pd.DataFrame:
        """Publication dates reviewers entered: sha256, published (ISO), note, entered_at, reviewer."""
        return self._frame(*_of_reports("SELECT sha256, published, note, entered_at, reviewer FROM publication_dates",
                                        sha256, "entered_at"))

    def published_override(self, sha256: str) -> Optional[str]:
        row = self._query("SELECT published FROM publication_dates WHERE sha256=?", (sha256,))
        return row[0][0] if row else None

    def apply_review(self, report: ParsedReport) -> ParsedReport:
        """``report`` (a stored one's sha256) with the reviewer's corrections and publication date applied, as the
        rules must see it; the caller passes a copy when the original must stay as parsed."""
        report = apply_corrections(report, self.correction_cells(report.sha256))
        return apply_published(report, self.published_override(report.sha256))

    def decisions(self, sha256: Any = None) -> pd.DataFrame:
        return self._frame(*_of_reports("SELECT sha256, finding_key, status, note, decided_at, reviewer FROM decisions",
                                        sha256, "decided_at"))

    def correct(self, sha256: str, table: str, row: str, column: str, value: Optional[float], note: str = "",
                check_fn: Optional[CheckFn] = None, *, reviewer: Optional[str] = None) -> None:
        """Store a hand correction of one cell beside the parsed value (which is never overwritten), with who
        made it (``reviewer``).

        ``value`` None records that the cell is really blank. With ``check_fn`` the rules are re-run on the
        corrected report and its stored findings replaced. Raises KeyError for an unknown report or a cell the
        report does not have.
        """
        v = None if value is None else float(value)
        if v is not None and math.isnan(v):
            v = None
        with self._tx() as c:
            rid = self._require(sha256)
            hit = c.execute("SELECT 1 FROM cell_values v JOIN cells k ON k.cell_id=v.cell_id WHERE v.report_id=?"
                            " AND k.table_id=? AND k.row_key=? AND k.col_key=?",
                            (rid, table, row, column)).fetchone()
            if hit is None:
                raise KeyError(f"report {sha256[:12]} has no cell ({table}, {row}, {column})")
            c.execute("INSERT OR REPLACE INTO corrections(sha256, table_id, row_key, col_key, value, note,"
                      " corrected_at, reviewer) VALUES (?,?,?,?,?,?,?,?)",
                      (sha256, table, row, column, v, note or "", _now(), reviewer))
            if check_fn is not None:  # the correction and the findings it changes commit together
                self.recheck([sha256], check_fn)

    def remove_correction(self, sha256: str, table: str, row: str, column: str,
                          check_fn: Optional[CheckFn] = None) -> bool:
        """Drop a hand correction (the parsed value applies again). Returns False if there was none."""
        with self._tx() as c:
            n = c.execute("DELETE FROM corrections WHERE sha256=? AND table_id=? AND row_key=? AND col_key=?",
                          (sha256, table, row, column)).rowcount
            if n and check_fn is not None:
                self.recheck([sha256], check_fn)
        return bool(n)

    def corrections(self, sha256: Any = None) -> pd.DataFrame:
        """Hand corrections with the parsed value beside them: sha256, file_name, body, year, table, row, column,
        value (corrected), parsed_value, raw, note, corrected_at, reviewer."""
        params: list = []
        where = ""
        vals = _as_list(sha256)
        if vals is not None:
            where = " WHERE " + _in("c.sha256", vals, params)
        df = self._frame(
            "SELECT c.sha256, r.file_name, r.body, r.year, c.table_id AS \"table\", c.row_key AS \"row\","
            " c.col_key AS \"column\", c.value, v.value AS parsed_value, v.raw, c.note, c.corrected_at, c.reviewer"
            " FROM corrections c JOIN reports r ON r.sha256=c.sha256"
            " LEFT JOIN cells k ON k.table_id=c.table_id AND k.row_key=c.row_key AND k.col_key=c.col_key"
            " LEFT JOIN cell_values v ON v.report_id=r.id AND v.cell_id=k.cell_id" + where
            + " ORDER BY c.corrected_at", params)
        for col in ("value", "parsed_value"):
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
        return df

    def corrected_report(self, sha256: str) -> ParsedReport:
        """The stored report with the reviewer's work applied: a corrected cell carries the corrected value and
        status ``"corrected"`` (raw, page and form stay those of the parsed cell), and a publication date the
        reviewer entered replaces the one the file shows. The store keeps the original."""
        return self.apply_review(self.get(sha256))

    def corrected_shas(self) -> list[str]:
        """The reports (sha256) that have at least one hand correction."""
        return [r[0] for r in self._query("SELECT DISTINCT sha256 FROM corrections ORDER BY sha256")]

    def correction_cells(self, sha256: str) -> list[tuple]:
        """The hand corrections of one report as ``(table, row, column, value)``."""
        return self._query("SELECT table_id, row_key, col_key, value FROM corrections WHERE sha256=?", (sha256,))
