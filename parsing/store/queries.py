"""Read-only views for the dashboard and exports: listings, versions, long values, findings with decisions."""
from __future__ import annotations

import json
from operator import itemgetter
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..report import ParsedReport
from .db import _as_list, _in, _int
from .reports import body_key, report_body_key
from .review import CORRECTED, PUBLISHED_BY_REVIEWER
from .roster import display_name

_REPORT_META = ["sha256", "file_name", "body", "body_key", "region", "year", "year_source", "template", "title",
                "format", "page_count", "ocr", "parser_version", "added_at", "parsed_at", "error", "pinned",
                "is_current", "cells_read", "current_reason"]


_LATE = ["published_as_read", "published", "published_source", "display_name"]  # list_reports' last columns


def _watch_sql() -> list[str]:
    """The TEMP tables and triggers of :meth:`QueriesMixin.watch_changes` (this connection's alone: nothing is
    written to the store's file, another process's writes fire none of them). ``_view_log`` keeps, per report id,
    the last epoch (this connection's count of committed writes) a write changed what the dashboard's listings
    read of it; report id 0 stands for every report (the roster, which names every body). ``_view_gens`` maps
    each generation this connection committed to its epoch."""
    epoch = "(SELECT n FROM _view_clock) + 1"  # the epoch of the write being made (committed with it)
    one = "INSERT OR REPLACE INTO _view_log(report_id, epoch) VALUES ({id}, " + epoch + ")"
    by_sha = ("INSERT OR REPLACE INTO _view_log(report_id, epoch) SELECT id, " + epoch
              + " FROM reports WHERE sha256={sha}")
    sql = ["CREATE TEMP TABLE IF NOT EXISTS _view_clock (n INTEGER NOT NULL)",
           "INSERT INTO _view_clock(n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM _view_clock)",
           "CREATE TEMP TABLE IF NOT EXISTS _view_log (report_id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL)",
           "CREATE TEMP TABLE IF NOT EXISTS _view_gens (gen INTEGER PRIMARY KEY, epoch INTEGER NOT NULL)",
           "CREATE TEMP TRIGGER IF NOT EXISTS _view_commit AFTER UPDATE ON main.meta WHEN NEW.key='generation' BEGIN"
           " UPDATE _view_clock SET n=n+1;"
           " INSERT OR REPLACE INTO _view_gens(gen, epoch) VALUES (CAST(NEW.value AS INTEGER),"
           " (SELECT n FROM _view_clock)); END"]
    # what a report's listing rows read: its row, its summary (counts, sections), the reviewer's date, its file
    # and corrections (the 报告库's counts); the roster and its matches name every body
    rows = {"reports": ("id", None), "report_summary": ("report_id", None), "publication_dates": (None, "sha256"),
            "files": (None, "sha256"), "corrections": (None, "sha256"), "roster": (None, None),
            "roster_matches": (None, None)}
    for table, (key, sha) in rows.items():
        for event, rows_ in (("INSERT", ("NEW",)), ("DELETE", ("OLD",)), ("UPDATE", ("OLD", "NEW"))):
            body = []
            for row in rows_:
                if key:
                    body.append(one.format(id=f"{row}.{key}"))
                elif sha:
                    body.append(by_sha.format(sha=f"{row}.{sha}"))
                else:
                    body.append(one.format(id="0"))
            sql.append(f"CREATE TEMP TRIGGER IF NOT EXISTS _view_{table}_{event.lower()} AFTER {event} ON"
                       f" main.{table} BEGIN {'; '.join(body)}; END")
    return sql


_WATCH_SQL = _watch_sql()


class QueriesMixin:
    """Queries over the stored reports (mixed into :class:`parsing.store.Store`)."""

    # -- which reports changed: views rebuilt from what changed since they were built ----------------------

    def watch_changes(self) -> int:
        """Log, from now on, which reports each write made through this object changes (TEMP triggers on this
        connection: the store's file and other processes are not touched), so that a view built at one generation
        can be brought up to date by re-reading only them (:meth:`changed_since`). Idempotent. Returns the epoch
        now (this object's count of committed writes since it started watching), to be kept with a view built
        from what is read after it."""
        with self._lock:
            if not getattr(self, "_watching", False):
                for sql in _WATCH_SQL:
                    self._conn.execute(sql)
                self._watching = True
            return int(self._conn.execute("SELECT n FROM _view_clock").fetchone()[0])

    def changed_since(self, generation: int, epoch: int, now: int) -> Optional[set[int]]:
        """The ids of the reports whose listing rows (:meth:`list_reports`, :meth:`report_summaries`,
        :meth:`library_listing`) may differ between a view read at store generation ``generation`` (after
        :meth:`watch_changes` returned ``epoch``) and generation ``now``; None when that cannot be known: a
        generation in between was committed by another connection (the command line, another process), the
        roster changed (it names every body), or nothing was watched. An id may be of a report deleted since."""
        if not getattr(self, "_watching", False) or now < generation:
            return None
        with self._lock:
            if now > generation:
                ours = self._conn.execute("SELECT COUNT(*) FROM _view_gens WHERE gen>? AND gen<=?",
                                          (int(generation), int(now))).fetchone()[0]
                if ours != now - generation:
                    return None
            ids = {i for (i,) in self._conn.execute("SELECT report_id FROM _view_log WHERE epoch>?", (int(epoch),))}
        return None if 0 in ids else ids

    def list_reports(self, current_only: bool = False, counts: bool = True,
                     meta: Optional[list[str]] = None, ids: Optional[list[int]] = None) -> pd.DataFrame:
        """One row per stored report: metadata, ``has_file``, ``n_findings``, ``n_open`` (findings without a
        decision), ``n_corrections``, the matched roster body, region path and county, ``display_name`` (the one
        name the body is shown by, :func:`display_name`), and the publication date: ``published`` /
        ``published_source`` as they apply (a date the reviewer entered, source ``reviewer``, wins over the one the
        file shows, kept in ``published_as_read``). Newest first. Without ``counts`` the four counting columns
        (``has_file`` … ``n_corrections``) are left out: a listing of every report that does not show them (the
        dashboard's catalog) need not count them. ``meta`` reads only these of the metadata columns (``sha256`` and
        ``body`` are always read): the same frame less the others. ``ids`` lists only the reports of these ids
        (the rows of the whole listing that are theirs, to bring a listing up to date, :meth:`changed_since`).

        A province's ten years (30,000 reports) are read from the covering index ``reports_listing`` (not the rows
        with their running text), and the counts, roster matches and reviewer's dates are read once per table and
        matched here, not row by row in SQL (:meth:`library_listing` reads the same way)."""
        params: list = []
        conds = (["r.is_current=1"] if current_only else []) + ([_in("r.id", list(ids), params)] if ids is not None
                                                               else [])
        where = " WHERE " + " AND ".join(conds) if conds else ""
        keep = set(_REPORT_META if meta is None else meta) | {"sha256", "body", "body_key"}
        cols = ", ".join(f"r.{c}" for c in _REPORT_META if c in keep)
        df = self._frame(
            f"SELECT r.id, {cols}, json_extract(r.extra, '$.published') AS published_as_read,"
            " json_extract(r.extra, '$.published_source') AS read_source"
            f" FROM reports r INDEXED BY reports_listing{where} ORDER BY r.id DESC", params)
        ids, shas = df["id"].tolist(), df["sha256"].tolist()  # lists: iterating an arrow column is slow
        if counts:
            with_file = {s for (s,) in self._query("SELECT sha256 FROM files")}
            summary = {i: (f, o) for i, f, o in self._query("SELECT report_id, n_findings, n_open FROM report_summary")}
            corrected = dict(self._query("SELECT sha256, COUNT(*) FROM corrections GROUP BY sha256"))
            found = [summary.get(i, (0, 0)) for i in ids]
            df["has_file"] = [int(s in with_file) for s in shas]
            df["n_findings"] = [f or 0 for f, _ in found]
            df["n_open"] = [o or 0 for _, o in found]
            df["n_corrections"] = [corrected.get(s, 0) for s in shas]
        roster = {k: (b, p, c) for k, b, p, c in self._query(
            "SELECT m.body_key, ro.body, ro.region_path, ro.county FROM roster_matches m"
            " JOIN roster ro ON ro.id=m.roster_id WHERE m.body_key IS NOT NULL")}
        matched = [roster.get(k, (None, None, None)) for k in df["body_key"].tolist()]
        df["roster_body"] = [m[0] for m in matched]
        df["roster_path"] = [m[1] for m in matched]
        df["roster_county"] = [m[2] for m in matched]
        by_reviewer = dict(self._query("SELECT sha256, published FROM publication_dates"))
        reviewer = pd.Series([by_reviewer.get(s) for s in shas], index=df.index)
        entered = reviewer.notna().to_numpy()
        df["published"] = reviewer.where(entered, df["published_as_read"])
        df["published_source"] = [PUBLISHED_BY_REVIEWER if e else s for e, s in zip(entered, df["read_source"].tolist())]
        names: dict = {}  # one call per distinct (body, roster body): a province has 3,000 bodies, 30,000 reports
        df["display_name"] = [names[k] if k in names else names.setdefault(k, display_name(*k))
                              for k in zip(df["body"].tolist(), df["roster_body"].tolist())]
        df = df.drop(columns=["id", "read_source"] + ([] if meta is None or "body_key" in meta else ["body_key"]))
        return df[[c for c in df.columns if c not in _LATE] + _LATE]

    def library_listing(self, ids: Optional[list[int]] = None) -> pd.DataFrame:
        """The columns of :meth:`list_reports` that the 报告库 lists, for every stored version, newest first, with
        the same values: ``sha256``, ``file_name``, ``body``, ``body_key``, ``year``, ``parser_version``,
        ``added_at``, ``parsed_at``, ``pinned``, ``is_current``, ``current_reason``, ``has_file``, ``n_findings``,
        ``n_open``, ``n_corrections``, ``roster_body``, ``roster_path``, ``display_name``. A province's ten years
        (30,000 versions) are read from the covering index ``reports_listing`` (not the rows, text included), and
        the counts and roster names are read once per table and matched here, not row by row in SQL. ``ids``
        lists only the versions of these ids (their rows of the whole listing)."""
        params: list = []
        df = self._frame(
            "SELECT r.id, r.sha256, r.file_name, r.body, r.body_key, r.year, r.parser_version, r.added_at,"
            " r.parsed_at, r.pinned, r.is_current, r.current_reason"
            + (" FROM reports r INDEXED BY reports_listing" if ids is None
               else " FROM reports r WHERE " + _in("r.id", list(ids), params)), params)
        # newest first: sorted here (SQLite would copy every row into a temporary B-tree; the index is by
        # is_current first)
        df = df.sort_values("id", ascending=False, kind="stable").reset_index(drop=True)
        summary = dict(((i, (f, o)) for i, f, o in
                        self._query("SELECT report_id, n_findings, n_open FROM report_summary")))
        counts = [summary.get(i, (0, 0)) for i in df["id"].tolist()]
        corrected = dict(self._query("SELECT sha256, COUNT(*) FROM corrections GROUP BY sha256"))
        with_file = {s for (s,) in self._query("SELECT sha256 FROM files")}
        shas = df["sha256"].tolist()
        df["has_file"] = [int(s in with_file) for s in shas]
        df["n_findings"] = [f if f is not None else 0 for f, _ in counts]
        df["n_open"] = [o if o is not None else 0 for _, o in counts]
        df["n_corrections"] = [corrected.get(s, 0) for s in shas]
        roster = {k: (b, p) for k, b, p in self._query(
            "SELECT m.body_key, ro.body, ro.region_path FROM roster_matches m JOIN roster ro ON ro.id=m.roster_id"
            " WHERE m.body_key IS NOT NULL")}
        matched = [roster.get(k, (None, None)) for k in df["body_key"].tolist()]
        df["roster_body"] = [b for b, _ in matched]
        df["roster_path"] = [p for _, p in matched]
        names: dict = {}  # one call per distinct (body, roster body), as in list_reports
        df["display_name"] = [names[k] if k in names else names.setdefault(k, display_name(*k))
                              for k in zip(df["body"].tolist(), df["roster_body"].tolist())]
        return df.drop(columns=["id"])

    def section_flags(self, shas: Optional[list] = None, ids: Optional[list[int]] = None) -> pd.DataFrame:
        """Per stored report (of these report ``ids`` only, if given), oldest first: which sections were found
        (``s1`` … ``s6``, bool) and ``tables_found`` (dict of table -> bool), one row per sha256 — the
        completeness matrix without loading every report."""
        # kept per report on every write (report_summary, schema 11): no aggregate over every section row
        found = ", ".join(f"COALESCE(q.s{n}, 0) AS s{n}" for n in range(1, 7))
        params: list = []
        where = " WHERE " + _in("r.id", list(ids), params) if ids is not None else ""
        out = self._frame(f"SELECT r.sha256, {found}, r.tables_found FROM reports r"
                          f" LEFT JOIN report_summary q ON q.report_id=r.id{where} ORDER BY r.id", params)
        if shas is not None:
            out = out[out["sha256"].isin(list(shas))]
        cols = [f"s{n}" for n in range(1, 7)]
        for c in cols:
            out[c] = out[c].fillna(0).astype(bool)
        cache: dict = {}
        out["tables_found"] = [cache[t] if t in cache else cache.setdefault(t, json.loads(t) if t else {})
                               for t in out["tables_found"].tolist()]
        out["tables_found"] = [dict(t) for t in out["tables_found"]]
        return out[["sha256", *cols, "tables_found"]].reset_index(drop=True)

    def sections_found(self, current_only: bool = True) -> pd.DataFrame:
        """Per stored report (the current ones with ``current_only``): ``sha256`` and which sections were found,
        ``s1`` … ``s6`` (bool) - :meth:`section_flags` without ``tables_found``, read from report_summary alone
        (what the landing page's 章节 column shows)."""
        found = ", ".join(f"COALESCE(q.s{n}, 0) AS s{n}" for n in range(1, 7))
        where = " WHERE r.is_current=1" if current_only else ""
        out = self._frame(f"SELECT r.sha256, {found} FROM reports r"
                          f" LEFT JOIN report_summary q ON q.report_id=r.id{where} ORDER BY r.id")
        for n in range(1, 7):
            out[f"s{n}"] = out[f"s{n}"].fillna(0).astype(bool)
        return out[["sha256", *(f"s{n}" for n in range(1, 7))]]

    def report_summaries(self, current_only: bool = True, ids: Optional[list[int]] = None) -> pd.DataFrame:
        """:meth:`finding_counts` and :meth:`sections_found` in one read of report_summary: per stored report
        (the current ones with ``current_only``; of these ``ids`` only, if given), newest first, ``sha256``,
        ``error``, ``warning``, ``info``, ``n_open`` and ``s1`` … ``s6`` (bool), the same values (what the landing
        page's overview reads)."""
        found = ", ".join(f"COALESCE(q.s{n}, 0) AS s{n}" for n in range(1, 7))
        params: list = []
        conds = (["r.is_current=1"] if current_only else []) + ([_in("r.id", list(ids), params)] if ids is not None
                                                               else [])
        where = " WHERE " + " AND ".join(conds) if conds else ""
        out = self._frame(
            "SELECT r.sha256, COALESCE(q.error, 0) AS error, COALESCE(q.warning, 0) AS warning,"
            f" COALESCE(q.info, 0) AS info, COALESCE(q.n_open, 0) AS n_open, {found} FROM reports r"
            f" LEFT JOIN report_summary q ON q.report_id=r.id{where} ORDER BY r.id DESC", params)
        for n in range(1, 7):
            out[f"s{n}"] = out[f"s{n}"].astype(bool)
        return out

    def versions(self, body: Optional[str], year: Optional[int]) -> pd.DataFrame:
        """All stored versions of one body's report for one year, oldest first, with ``is_current`` and
        ``pinned`` (the reviewer's choice). ``body`` is a name or a body_key; it is normalised."""
        key = body_key(body)
        cols = ", ".join(_REPORT_META)
        return self._frame(f"SELECT {cols} FROM reports WHERE body_key IS ? AND year IS ? ORDER BY id",
                           (key, _int(year)))

    def current(self, body: str, year: int) -> Optional[str]:
        """The sha256 of the current version for a body and year, or None."""
        # +is_current: looked up through reports_body_year; left to itself SQLite takes the covering
        # reports_listing index (is_current first) and walks every current report (7 ms on 30,000)
        row = self._query("SELECT sha256 FROM reports WHERE body_key=? AND year=? AND +is_current=1",
                          (body_key(body), int(year)))
        return row[0][0] if row else None

    def previous_report(self, report: ParsedReport | str) -> Optional[ParsedReport]:
        """Last year's current report of the same body (with corrections applied), for cross-year rules.

        ``report`` is a ParsedReport (stored or not) or a stored sha256. None when there is none.
        """
        if isinstance(report, str):
            row = self._query("SELECT body_key, year FROM reports WHERE sha256=?", (report,))
            if not row:
                return None
            key, year = row[0]
        else:
            key, year = report_body_key(report), _int(report.year)
        if key is None or year is None:
            return None
        sha = self.current(key, year - 1)
        return self.corrected_report(sha) if sha else None

    def values_long(self, table: Any = None, row: Any = None, column: Any = None, *, body: Any = None,
                    year: Any = None, sha256: Any = None, region: Optional[str] = None, status: Any = None,
                    current_only: bool = True, corrected: bool = True) -> pd.DataFrame:
        """Stored values in long form, joined with report metadata and the roster, for trend and completeness views.

        Every filter takes one value or a list; None means no filter. ``table``/``row``/``column`` are the
        official cell labels of :mod:`parsing.forms`; ``body`` is a ``body_key`` (as in :meth:`list_reports`) or
        a name, normalised by :func:`body_key`; ``region`` is a prefix of the roster's region path (``"某市"``,
        ``"某市/某县"``); ``status`` filters on the (corrected) status. ``current_only`` keeps the current version
        of each body and year. With ``corrected`` (default) hand corrections replace parsed values (status
        ``"corrected"``, the parsed value stays in ``parsed_value``).

        Columns: sha256, file_name, body, body_key, region, year (Int64), template, is_current, table, row,
        column, value (float, NaN when blank/unreadable/missing, never 0), raw, page (Int64), status, form,
        confidence, parsed_value, roster_body, roster_path, city, county, township, department. Sorted by year,
        body_key, report, form order. The trend query for one cell over a few thousand reports takes ~30-100 ms.
        """
        # Report-level and cell-level filters are resolved first on the small tables; the long table is then
        # read as numbers and ids only, and labels and metadata are joined in pandas (much faster than letting
        # sqlite3 decode the same long labels for every row).
        params: list = []
        where = []
        for col, val in (("r.year", year), ("r.sha256", sha256)):
            vals = _as_list(val)
            if vals is not None:
                where.append(_in(col, [_int(v) if col == "r.year" else v for v in vals], params))
        keys = _as_list(body)
        if keys is not None:
            where.append(_in("r.body_key", [body_key(k) for k in keys], params))
        if current_only:
            where.append("r.is_current=1")
        if region:
            where.append("(ro.region_path = ? OR ro.region_path LIKE ? ESCAPE '\\')")
            esc = region.rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.extend([region.rstrip("/"), esc + "/%"])
        reports = self._frame(
            "SELECT r.id AS report_id, r.sha256, r.file_name, r.body, r.body_key, r.region, r.year, r.template,"
            " r.is_current, ro.body AS roster_body, ro.region_path AS roster_path, ro.city, ro.county, ro.township,"
            " ro.department FROM reports r LEFT JOIN roster_matches m ON m.body_key=r.body_key"
            " LEFT JOIN roster ro ON ro.id=m.roster_id" + (" WHERE " + " AND ".join(where) if where else ""), params)

        cparams: list = []
        cwhere = []
        for col, val in (("table_id", table), ("row_key", row), ("col_key", column)):
            vals = _as_list(val)
            if vals is not None:
                cwhere.append(_in(col, vals, cparams))
        cells = self._frame('SELECT cell_id, table_id AS "table", row_key AS "row", col_key AS "column" FROM cells'
                            + (" WHERE " + " AND ".join(cwhere) if cwhere else ""), cparams)

        value_cols = "report_id, seq, cell_id, value, raw, page, status, form, confidence"
        if reports.empty or cells.empty:
            vals = pd.DataFrame(columns=value_cols.split(", "))
        elif cwhere and len(cells) * max(len(self), 1) <= len(reports) * 250:
            # few cells: read them through the (cell_id, report_id) index, then keep the chosen reports
            vals = self._frame_chunked(f"SELECT {value_cols} FROM cell_values WHERE cell_id IN ({{}})",
                                       cells["cell_id"].tolist())
            vals = vals[vals["report_id"].isin(reports["report_id"])]
            if not vals.empty:
                vals = vals[vals["cell_id"].isin(cells["cell_id"])]
        else:
            vals = self._frame_chunked(f"SELECT {value_cols} FROM cell_values WHERE report_id IN ({{}})",
                                       reports["report_id"].tolist())
            if cwhere:
                vals = vals[vals["cell_id"].isin(cells["cell_id"])]

        df = vals.merge(cells, on="cell_id", how="inner").merge(reports, on="report_id", how="inner")
        df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
        df["parsed_value"] = df["value"]
        if corrected and not df.empty:
            fixes = self._frame(
                "SELECT r.id AS report_id, k.cell_id, c.value AS fixed FROM corrections c"
                " JOIN reports r ON r.sha256=c.sha256 JOIN cells k ON k.table_id=c.table_id AND k.row_key=c.row_key"
                " AND k.col_key=c.col_key")
            if not fixes.empty:
                df = df.merge(fixes, on=["report_id", "cell_id"], how="left", indicator="_fixed")
                hit = (df["_fixed"] == "both").to_numpy()
                df.loc[hit, "value"] = pd.to_numeric(df.loc[hit, "fixed"], errors="coerce").astype("float64")
                df["status"] = df["status"].astype(object)
                df.loc[hit, "status"] = CORRECTED
                df = df.drop(columns=["fixed", "_fixed"])
        statuses = _as_list(status)
        if statuses is not None:
            df = df[df["status"].isin(statuses)]
        df = df.sort_values(["year", "body_key", "report_id", "seq"], na_position="last", kind="stable")
        df["confidence"] = pd.to_numeric(df["confidence"], errors="coerce").astype("float64")
        df["year"] = df["year"].astype("Int64")
        df["is_current"] = df["is_current"].astype(bool)
        df["page"] = df["page"].astype("Int64")
        columns = ["sha256", "file_name", "body", "body_key", "region", "year", "template", "is_current", "table",
                   "row", "column", "value", "raw", "page", "status", "form", "confidence", "parsed_value",
                   "roster_body", "roster_path", "city", "county", "township", "department"]
        return df[columns].reset_index(drop=True)

    def findings(self, sha256: Any = None, *, rule: Any = None, severity: Any = None, year: Any = None,
                 current_only: bool = False, include_notes: bool = False,
                 decision: Optional[str] = None) -> pd.DataFrame:
        """Stored findings with the reviewer's decisions and report metadata.

        Columns: sha256, file_name, body, year, kind ("finding" or "note"), the :data:`FINDING_COLUMNS`,
        finding_key, decision ("confirmed", "dismissed" or None), decision_note, decided_at, decided_by (the
        reviewer's account, None without accounts). ``decision`` filters:
        "open" (undecided), "confirmed" or "dismissed".
        """
        params: list = []
        where = [] if include_notes else ["f.kind='finding'"]
        for col, val in (("r.sha256", sha256), ("f.rule", rule), ("f.severity", severity), ("r.year", year)):
            vals = _as_list(val)
            if vals is not None:
                where.append(_in(col, vals, params))
        if current_only:
            where.append("r.is_current=1")
        if decision == "open":
            where.append("d.status IS NULL")
        elif decision is not None:
            where.append("d.status=?")
            params.append(decision)
        sql = ("SELECT r.sha256, r.file_name, r.body, r.year, f.kind, f.rule, f.severity, f.message,"
               " f.table_id AS \"table\", f.row_key AS \"row\", f.col_key AS \"column\", f.section, f.expected,"
               " f.actual, f.finding_key, d.status AS decision, d.note AS decision_note, d.decided_at,"
               " d.reviewer AS decided_by"
               " FROM findings f JOIN reports r ON r.id=f.report_id"
               " LEFT JOIN decisions d ON d.sha256=r.sha256 AND d.finding_key=f.finding_key"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY r.id DESC, f.kind, f.seq")
        return self._frame(sql, params)

    def findings_of_reports(self, sha256: list) -> pd.DataFrame:
        """``findings(sha256)`` (the rule findings of these reports, with decisions, in its order), read report by
        report through the findings' primary key: :meth:`findings` lets SQLite walk every finding of the store and
        look each one's report up (a quarter of a second on a province, for one county's year)."""
        return self._frame(
            "SELECT r.sha256, r.file_name, r.body, r.year, f.kind, f.rule, f.severity, f.message,"
            " f.table_id AS \"table\", f.row_key AS \"row\", f.col_key AS \"column\", f.section, f.expected,"
            " f.actual, f.finding_key, d.status AS decision, d.note AS decision_note, d.decided_at,"
            " d.reviewer AS decided_by"
            " FROM reports r CROSS JOIN findings f ON f.report_id=r.id AND f.kind='finding'"
            " LEFT JOIN decisions d ON d.sha256=r.sha256 AND d.finding_key=f.finding_key"
            " WHERE r.sha256 IN (SELECT value FROM json_each(?)) ORDER BY r.id DESC, f.kind, f.seq",
            [json.dumps([str(x) for x in sha256])])

    def cell_sums(self, groups: dict, *, current_only: bool = True, skip_status: tuple = ("missing",)) -> pd.DataFrame:
        """Per stored report and group of cells, added up over the index of values by cell (no long frame of
        every value): a trend's sums over a province's 30,000 reports.

        ``groups`` maps a name to the cells it adds up, as ``(table, row, column)`` official labels (a cell may be
        in several groups; labels the store has no cell for are ignored). Reports with hand corrections are left
        out (their values are not the parsed ones: read them with :meth:`values_long`). Columns: report_id (as in
        :meth:`report_places`), ``group``, ``n_rows`` (the report's rows of these cells), and over the rows whose
        status is not in ``skip_status``: ``n_cells``, ``n_values`` (those holding a number) and ``total`` (their
        sum, NaN when none holds one). One row per report and group the report has a row of, sorted by group and
        report_id.

        Each cell's rows are read from the covering index ``cell_values_cell`` as they lie (report_id, whether
        the status counts, the value) and added up here: letting SQLite group them costs a sort of every row
        (four times as long on a province)."""
        cells = self._query("SELECT cell_id, table_id, row_key, col_key FROM cells")
        ids = {(t, r, c): i for i, t, r, c in cells}
        pairs = sorted({(str(g), ids[k]) for g, keys in groups.items() for k in keys if k in ids})
        cols = ["report_id", "group", "n_rows", "n_cells", "n_values", "total"]
        if not pairs:
            return pd.DataFrame({c: pd.Series(dtype="float64" if c == "total" else "int64") for c in cols}
                                ).astype({"group": object})
        skip = list(skip_status)
        ok = f"(status IS NULL OR status NOT IN ({','.join('?' * len(skip))}))" if skip else "1"
        chosen = np.array([r[0] for r in self._query(
            "SELECT id FROM reports WHERE sha256 NOT IN (SELECT sha256 FROM corrections)"
            + (" AND is_current=1" if current_only else ""))], dtype="int64")
        read: dict = {}  # cell_id -> (report_id, counts, value) of the chosen reports, in report_id order

        def rows_of(cell_id):
            if cell_id not in read:
                got = self._query(f"SELECT report_id, {ok}, CASE WHEN typeof(value) IN ('integer', 'real')"
                                  " THEN value END FROM cell_values INDEXED BY cell_values_cell WHERE cell_id=?",
                                  [*skip, cell_id])
                a = np.array(got, dtype="float64").reshape(-1, 3)
                a = a[np.isin(a[:, 0].astype("int64"), chosen)]
                read[cell_id] = (a[:, 0].astype("int64"), a[:, 1] != 0, a[:, 2])
            return read[cell_id]

        by_group: dict = {}
        for g, cell_id in pairs:
            by_group.setdefault(g, []).append(cell_id)
        parts = []
        for g, cell_ids in by_group.items():  # sorted by group, as the pairs are
            got = [rows_of(c) for c in cell_ids]
            rid = np.concatenate([x[0] for x in got])
            counts = np.concatenate([x[1] for x in got])
            value = np.concatenate([x[2] for x in got])
            known = counts & ~np.isnan(value)
            if len(got) == 1 and (len(rid) < 2 or (np.diff(rid) > 0).all()):
                # one row per report (the common case): the sums are the rows themselves
                part = pd.DataFrame({"report_id": rid, "n_rows": np.ones(len(rid), dtype="int64"),
                                     "n_cells": counts.astype("int64"), "n_values": known.astype("int64"),
                                     "total": np.where(counts, value, np.nan)})
            else:
                f = pd.DataFrame({"report_id": rid, "n_cells": counts.astype("int64"),
                                  "n_values": known.astype("int64"), "total": np.where(counts, value, np.nan)})
                by = f.groupby("report_id", sort=True)
                part = pd.DataFrame({"n_rows": by.size(), "n_cells": by["n_cells"].sum(),
                                     "n_values": by["n_values"].sum(), "total": by["total"].sum(min_count=1)}
                                    ).reset_index()
            parts.append(part.assign(group=g))
        sums = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        sums["total"] = sums["total"].astype("float64")
        return sums[cols].reset_index(drop=True)

    def report_places(self, current_only: bool = True, ids: Optional[list[int]] = None) -> pd.DataFrame:
        """Per stored report (current versions with ``current_only``): report_id, sha256, file_name, body,
        body_key, region, year (Int64) and the matched roster body's name, region path, city, county, township
        and department (``roster_body``, ``roster_path``, …), the columns :meth:`values_long` joins to each
        value. Sorted by year, body_key and report id, as :meth:`values_long` sorts (missing ones last). ``ids``
        lists only the reports of these ids.

        The reports are read from the covering index ``reports_listing`` and sorted in SQL; the roster's few
        thousand matches are read once and joined here, not looked up for each report."""
        cols = ["report_id", "sha256", "file_name", "body", "body_key", "region", "year"]
        ros = ["roster_body", "roster_path", "city", "county", "township", "department"]
        params: list = []
        conds = (["r.is_current=1"] if current_only else []) + ([_in("r.id", list(ids), params)] if ids is not None
                                                               else [])
        rows = self._query(
            "SELECT r.id, r.sha256, r.file_name, r.body, r.body_key, r.region, r.year FROM reports r"
            + (" INDEXED BY reports_listing" if ids is None else "")
            + (" WHERE " + " AND ".join(conds) if conds else "")
            + " ORDER BY r.year IS NULL, r.year, r.body_key IS NULL, r.body_key, r.id", params)
        matched = {k: v for k, *v in self._query(
            "SELECT m.body_key, ro.body, ro.region_path, ro.city, ro.county, ro.township, ro.department"
            " FROM roster_matches m JOIN roster ro ON ro.id=m.roster_id WHERE m.body_key IS NOT NULL")}
        none = [None] * len(ros)
        data = dict(zip(cols, (list(c) for c in zip(*rows)))) if rows else {c: [] for c in cols}
        found = [matched.get(k, none) for k in data["body_key"]]
        data.update(zip(ros, (list(c) for c in zip(*found)) if found else ([] for _ in ros)))
        df = pd.DataFrame.from_dict(data)
        if df.empty:  # the columns as the SQL join of every report gave them
            df = pd.DataFrame(columns=cols + ros)
        df["year"] = df["year"].astype("Int64")
        return df.reset_index(drop=True)

    def cell_rows(self, table: Any = None) -> list[str]:
        """The distinct row keys the store holds cells for (of ``table``, one or a list, if given)."""
        params: list = []
        where = ""
        tables = _as_list(table)
        if tables is not None:
            where = " WHERE " + _in("table_id", tables, params)
        return [r[0] for r in self._query("SELECT DISTINCT row_key FROM cells" + where + " ORDER BY row_key", params)]

    def finding_rules(self) -> list[str]:
        """The distinct rule codes of the stored rule findings (read from the index by rule)."""
        return [r[0] for r in self._query("SELECT DISTINCT rule FROM findings WHERE rule IS NOT NULL"
                                          " AND kind='finding' ORDER BY rule")]

    def listing_order(self, current_only: bool = True, ids: Optional[list[int]] = None) -> tuple[list[int],
                                                                                                list[str]]:
        """The ids and sha256 of the stored reports (the current ones with ``current_only``; of these ``ids``
        only, if given), newest first: the rows of :meth:`list_reports` and :meth:`report_summaries`, in their
        order (read from the covering index)."""
        params: list = []
        conds = (["r.is_current=1"] if current_only else []) + ([_in("r.id", list(ids), params)] if ids is not None
                                                               else [])
        rows = self._query("SELECT r.id, r.sha256 FROM reports r INDEXED BY reports_listing"
                           + (" WHERE " + " AND ".join(conds) if conds else "") + " ORDER BY r.id DESC", params)
        return [i for i, _ in rows], [s for _, s in rows]

    def current_shas(self, year: Any = None) -> list[str]:
        """The sha256 of every current report (of ``year``, one or a list, if given), newest first."""
        params: list = []
        years = _as_list(year)
        where = " AND " + _in("year", [_int(y) for y in years], params) if years is not None else ""
        return [r[0] for r in self._query(f"SELECT sha256 FROM reports WHERE is_current=1{where} ORDER BY id DESC",
                                          params)]

    def finding_counts(self, current_only: bool = True) -> pd.DataFrame:
        """Per stored report (current versions with ``current_only``), aggregated in SQL: sha256, ``error``,
        ``warning``, ``info`` (rule findings by severity, those the reviewer dismissed left out: what the badge
        counts) and ``n_open`` (findings without a decision). Reports without findings have zeros."""
        where = "WHERE r.is_current=1" if current_only else ""
        # kept per report on every write (report_summary, schema 11): no aggregate over every finding
        return self._frame(
            "SELECT r.sha256, COALESCE(q.error, 0) AS error, COALESCE(q.warning, 0) AS warning,"
            " COALESCE(q.info, 0) AS info, COALESCE(q.n_open, 0) AS n_open FROM reports r"
            f" LEFT JOIN report_summary q ON q.report_id=r.id {where} ORDER BY r.id DESC")

    def finding_index(self, current_only: bool = True, text: bool = False) -> pd.DataFrame:
        """One lean row per rule finding (of the current versions with ``current_only``), for listing, filtering
        and counting a province's findings without reading every column of every one: report_id, sha256, seq,
        rule, severity, decision ("confirmed", "dismissed" or None); with ``text`` also message, table, row,
        column, section and decision_note. In the order of :meth:`findings` (newest report first, then seq).

        A finding the same as an earlier one of its report in rule, place and message is left out (the dashboard
        shows it once, :func:`ui.state.findings`), found as the workbench finds it (:attr:`_DUPLICATE`: only the
        rows whose key is numbered are compared). :meth:`findings_at` reads the whole rows of a page of them."""
        if text:
            f = pd.DataFrame.from_records(self.finding_text_rows(current_only), columns=self._TEXT_ROW)
            f["decision_note"] = f["decision_note"].astype(object).astype("str")
        else:
            reports = dict(self._query("SELECT id, sha256 FROM reports" + (" WHERE is_current=1" if current_only
                                                                            else "")))
            f = self._frame("SELECT f.report_id, f.seq, f.rule, f.severity FROM findings f INDEXED BY findings_workbench"
                            f" WHERE f.kind='finding' AND {self._DUPLICATE}")
            ids = f["report_id"].tolist()
            mine = [i in reports for i in ids]
            if not all(mine):
                f = f[mine]
                ids = f["report_id"].tolist()
            f.insert(1, "sha256", pd.Series([reports[i] for i in ids], index=f.index, dtype=object).astype("str"))
            decided = {(r, q): st for r, q, st, _ in self._decided_findings()}
            f["decision"] = pd.Series([decided.get(k) for k in zip(ids, f["seq"].tolist())] if decided else None,
                                      index=f.index, dtype=object)
            f = f.sort_values(["report_id", "seq"], ascending=[False, True], kind="stable")
        f["sha256"] = f["sha256"].astype("str")
        f["decision"] = f["decision"].astype(object).where(f["decision"].notna(), None)
        head = ["report_id", "sha256", "seq", "rule", "severity", "decision"]
        return f[head + [c for c in f.columns if c not in head]].reset_index(drop=True)

    def _decided_findings(self) -> list[tuple]:
        """``(report_id, seq, status, note)`` of every decided rule finding, read from the decisions' side (they
        are few; SQLite would otherwise walk every finding to find them)."""
        return self._query("SELECT f.report_id, f.seq, d.status, d.note FROM decisions d"
                           " CROSS JOIN reports r ON r.sha256=d.sha256 CROSS JOIN findings f ON f.report_id=r.id"
                           " AND f.kind='finding' AND f.finding_key=d.finding_key")

    # -- the review workbench: a province's findings filtered, counted and paged in SQL ----------------------

    # a repeat of the same rule on the same place has its key numbered (``…#2``): only such rows are looked at
    # (through the row's own copy h, so that the listing itself reads the covering index findings_workbench)
    _DUPLICATE = ("(instr(f.finding_key, '#')=0 OR NOT EXISTS (SELECT 1 FROM findings h JOIN findings g"
                  " ON g.report_id=h.report_id AND g.kind='finding' AND g.seq<h.seq AND g.rule IS h.rule"
                  " AND g.table_id IS h.table_id AND g.row_key IS h.row_key AND g.col_key IS h.col_key"
                  " AND g.section IS h.section AND g.message IS h.message WHERE h.rowid=f.rowid))")

    def _workbench_sql(self, select: str, reports: list, *, rules: Any = None, severities: Any = None,
                       statuses: Any = None) -> tuple[str, list]:
        """``SELECT {select}`` over the rule findings of ``reports`` (sha256s, in the order they are listed in)
        that pass the filters, the same ones :meth:`finding_index` lists (duplicates once): ``rules`` and
        ``severities`` (lists of the stored values; None among them matches a missing one), ``statuses``
        ("open", "confirmed", "dismissed"). ``rep.rk`` is the report's place in ``reports``."""
        params: list = [json.dumps([str(x) for x in reports])]
        where = ["f.kind='finding'", self._DUPLICATE]
        for col, vals in (("f.rule", rules), ("f.severity", severities)):
            if vals is None:
                continue
            vals = list(vals)
            known = [v for v in vals if v is not None]
            parts = [_in(col, known, params)] if known else []
            if len(known) < len(vals):
                parts.append(f"{col} IS NULL")
            where.append("(" + " OR ".join(parts or ["0"]) + ")")
        if statuses is not None:
            conds = {"open": "d.status IS NULL", "confirmed": "d.status='confirmed'", "dismissed": "d.status='dismissed'"}
            where.append("(" + " OR ".join([conds[x] for x in statuses] or ["0"]) + ")")
        sql = ("WITH rep(sha256, rk) AS (SELECT value, key FROM json_each(?))"
               f" SELECT {select} FROM rep JOIN reports r ON r.sha256=rep.sha256"
               " JOIN findings f INDEXED BY findings_workbench ON f.report_id=r.id"
               " LEFT JOIN decisions d ON d.sha256=r.sha256 AND d.finding_key=f.finding_key"
               " WHERE " + " AND ".join(where))
        return sql, params

    def workbench_groups(self, reports: list) -> pd.DataFrame:
        """The findings of ``reports`` (sha256s) counted in SQL per report, rule, severity and decision: sha256,
        rule, severity, decision, n. What the review workbench's filters offer and its counts add up, without
        reading the findings (:meth:`workbench_counts` counts every current report's faster)."""
        sql, params = self._workbench_sql("r.sha256, f.rule, f.severity, d.status AS decision, COUNT(*) AS n",
                                          reports)
        df = self._frame(sql + " GROUP BY r.id, f.rule, f.severity, d.status", params)
        if df.empty:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in ("sha256", "rule", "severity", "decision")}
                                ).assign(n=pd.Series(dtype="int64"))
        df["decision"] = df["decision"].astype(object).where(df["decision"].notna(), None)
        return df

    def workbench_counts(self) -> pd.DataFrame:
        """:meth:`workbench_groups` of every current report (the same rows, in another order), counted over the
        covering index alone: the findings per report, rule and severity, less those with a decision, which are
        few and counted apart (joining the decisions to each of a province's 150,000 findings costs more), read
        from the decisions' side (``CROSS JOIN``: SQLite would otherwise walk every finding to find none)."""
        cols = ["sha256", "rule", "severity", "decision", "n"]
        where = "f.kind='finding' AND " + self._DUPLICATE
        current = dict(self._query("SELECT id, sha256 FROM reports WHERE is_current=1"))
        total = self._query("SELECT f.report_id, f.rule, f.severity, COUNT(*) AS n"
                            f" FROM findings f INDEXED BY findings_workbench WHERE {where}"
                            " GROUP BY f.report_id, f.rule, f.severity")
        decided = self._query("SELECT f.report_id, f.rule, f.severity, d.status AS decision, COUNT(*) AS n"
                              " FROM decisions d CROSS JOIN reports r ON r.sha256=d.sha256"
                              " CROSS JOIN findings f ON f.report_id=r.id AND f.kind='finding'"
                              f" AND f.finding_key=d.finding_key WHERE {where}"
                              " GROUP BY f.report_id, f.rule, f.severity, d.status")
        less: dict = {}
        for rid, rule, sev, _, n in decided:
            less[(rid, rule, sev)] = less.get((rid, rule, sev), 0) + n
        rows = [(current[rid], rule, sev, None, n - less.get((rid, rule, sev), 0))
                for rid, rule, sev, n in total if rid in current]
        rows += [(current[rid], rule, sev, dec, n) for rid, rule, sev, dec, n in decided if rid in current]
        rows = [r for r in rows if r[4] > 0]
        if not rows:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in cols[:-1]}).assign(n=pd.Series(dtype="int64"))
        out = pd.DataFrame(rows, columns=cols)
        out["decision"] = out["decision"].astype(object).where(out["decision"].notna(), None)
        out["n"] = out["n"].astype("int64")
        return out

    _ORDER = ("CASE WHEN f.severity IN ('error', '错误') THEN 0 WHEN f.severity IN ('warning', '警告') THEN 1"
              " WHEN f.severity IN ('info', '提示') THEN 2 ELSE 9 END, rep.rk, f.seq")

    def workbench_page(self, reports: list, *, limit: int, offset: int = 0, **filters) -> pd.DataFrame:
        """One page of the findings :meth:`_workbench_sql` selects (``filters`` as it takes them), whole rows
        (the columns of :meth:`findings`, with report_id and seq), errors first, then warnings, then notes, each
        in the order of ``reports``, then in the report's own order."""
        sql, params = self._workbench_sql("f.report_id, f.seq", reports, **filters)
        # the page is chosen on the covering index, then only its rows are read whole
        keys = self._query(f"{sql} ORDER BY {self._ORDER} LIMIT ? OFFSET ?", params + [int(limit), int(offset)])
        return self.workbench_rows(keys)

    def workbench_rows(self, keys: list) -> pd.DataFrame:
        """The rule findings ``keys`` ((report_id, seq) pairs), whole rows as :meth:`workbench_page` gives them,
        in the order of ``keys``."""
        return self._frame(
            "SELECT r.sha256, r.file_name, r.body, r.year, f.kind, f.rule, f.severity, f.message,"
            " f.table_id AS \"table\", f.row_key AS \"row\", f.col_key AS \"column\", f.section, f.expected,"
            " f.actual, f.finding_key, d.status AS decision, d.note AS decision_note, d.decided_at,"
            " d.reviewer AS decided_by, f.report_id, f.seq"
            " FROM json_each(?) k JOIN findings f ON f.report_id=json_extract(k.value, '$[0]') AND f.kind='finding'"
            " AND f.seq=json_extract(k.value, '$[1]') JOIN reports r ON r.id=f.report_id"
            " LEFT JOIN decisions d ON d.sha256=r.sha256 AND d.finding_key=f.finding_key ORDER BY k.key",
            [json.dumps([[int(r), int(q)] for r, q in keys])])

    def workbench_keys(self, reports: list, **filters) -> list[tuple[str, str]]:
        """``(sha256, finding_key)`` of every finding :meth:`_workbench_sql` selects, in :meth:`workbench_page`'s
        order: what a decision on all of them records."""
        sql, params = self._workbench_sql("r.sha256, f.finding_key", reports, **filters)
        return [tuple(r) for r in self._query(f"{sql} ORDER BY {self._ORDER}", params)]

    _TEXT_ROW = ["report_id", "sha256", "seq", "rule", "severity", "decision", "message", "table", "row", "column",
                 "section", "decision_note"]

    def finding_text_rows(self, current_only: bool = True) -> list[tuple]:
        """:meth:`finding_index` with ``text`` as plain tuples (:attr:`_TEXT_ROW`), the same rows in the same order:
        what the 审查台's search index is made of, without a frame of 150,000 rows built and read back."""
        reports = dict(self._query("SELECT id, sha256 FROM reports" + (" WHERE is_current=1" if current_only else "")))
        rows = self._query("SELECT f.report_id, f.seq, f.rule, f.severity, f.message, f.table_id, f.row_key,"
                           f" f.col_key, f.section FROM findings f WHERE f.kind='finding' AND {self._DUPLICATE}")
        decided = {(r, q): (st, note) for r, q, st, note in self._decided_findings()}
        if decided:
            none = (None, None)
            out = [(rid, reports[rid], seq, rule, sev, d[0], msg, t, r, c, sec, d[1])
                   for rid, seq, rule, sev, msg, t, r, c, sec in rows if rid in reports
                   for d in (decided.get((rid, seq), none),)]
        else:
            out = [(rid, reports[rid], seq, rule, sev, None, msg, t, r, c, sec, None)
                   for rid, seq, rule, sev, msg, t, r, c, sec in rows if rid in reports]
        out.sort(key=itemgetter(2))  # then by report, newest first: each report's own in its order (stable)
        out.sort(key=itemgetter(0), reverse=True)
        return out

    def table(self, name: str) -> pd.DataFrame:
        """A raw table for export: one of decisions, corrections, roster, roster_matches."""
        if name not in ("decisions", "corrections", "roster", "roster_matches"):
            raise ValueError(f"unknown table {name!r}")
        return self._frame(f"SELECT * FROM {name}")
