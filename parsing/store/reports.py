"""Writing and reading whole reports: add, replace (one transaction with their findings), delete, the current
version of a body and year, and the original files kept for a re-parse.

The current version of a body and year is the reviewer's pinned choice, or else the best source
(:func:`best_version`): a text layer over OCR, then more cells read over fewer, then a newer parser over an older
one, then the version stored last. ``reports.current_reason`` says which rule decided, in Chinese.
"""
from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable, Optional

import pandas as pd

from ..report import FINDING_COLUMNS, VALUE_COLUMNS, ParsedReport, SectionText, empty_findings
from ..rules import body_key as rules_body_key
from ..rules import name_key as rules_name_key
from .db import _column, _extra, _int, _missing, _now, _sql, _with_extra

# A check function: (report, previous=ParsedReport | None) -> findings DataFrame (FINDING_COLUMNS).
CheckFn = Callable[..., pd.DataFrame]
ParseFn = Callable[[bytes, str], ParsedReport]

# Fields with their own columns; any other dataclass field is kept as JSON in the ``extra`` column.
_REPORT_FIELDS = {"file", "sha256", "format", "body", "region", "year", "year_source", "template", "title",
                  "sections", "values", "notes", "text", "tables_found", "page_count", "ocr", "error"}


_SECTION_FIELDS = {"number", "found", "heading", "text", "page"}

REASON_PINNED = "审查人员指定为当前版本"
REASON_ONLY = "该单位该年度只有这一个版本"
REASON_TEXT_LAYER = "文字版优先于扫描件（OCR 识别的版本）"
REASON_MORE_CELLS = "读出的数值最多（{best} 项，其他版本最多 {other} 项）"
REASON_NEWER_PARSER = "读出的数值一样多，取解析程序较新的版本（{version}）"
REASON_LATEST = "读出的数值一样多，取最后入库的版本"
REASON_UNGROUPED = "单位或年度未识别，不与其他版本比较"


def body_key(name: Optional[str]) -> Optional[str]:
    """The grouping key of a body's name (:func:`parsing.rules.name_key`): normalised label text without
    whitespace, ``人民政府`` and ``办事处``. ``"桃江县 松木塘镇人民政府"`` and ``"桃江县松木塘镇"`` give the same
    key. None or blank gives None.
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return None
    return rules_name_key(str(name)) or None


def report_body_key(report: ParsedReport) -> Optional[str]:
    """The body key of a report: the very key :func:`parsing.rules.body_key` pairs reports across years with
    (the body, else the name before the year in the title, without a leading region name); None if empty."""
    return rules_body_key(report) or None


def finding_key(rule: Any, table: Any = None, row: Any = None, column: Any = None, section: Any = None) -> str:
    """The stable key of a finding: rule + table + row + column + section (blank parts empty).

    It does not depend on row ids or message text, so it is the same after a re-parse of the same file.
    """
    parts = []
    for p in (rule, table, row, column, section):
        t = type(p)
        if t is str:  # the usual case first
            parts.append(p)
        elif p is None:
            parts.append("")
        elif _missing(p):
            parts.append("")
        elif isinstance(p, float) and p.is_integer():
            parts.append(str(int(p)))
        else:
            parts.append(str(p))
    return "|".join(parts)


def _version_tuple(v: Optional[str]) -> tuple:
    parts = []
    for p in str(v or "").split("."):
        parts.append(int(p) if p.isdigit() else -1)
    return tuple(parts)


def best_version(rows: list[dict]) -> tuple[Optional[int], str]:
    """The current version among one body's reports for one year, and why (a Chinese sentence).

    ``rows`` are dicts with ``id``, ``pinned``, ``ocr``, ``cells_read`` and ``parser_version`` (ids grow with the
    order of storing). A pinned version wins; otherwise a text layer beats OCR, more cells read beat fewer, a
    newer parser beats an older one, and the version stored last wins a tie. Returns ``(None, "")`` for no rows.
    """
    if not rows:
        return None, ""
    pinned = [r for r in rows if r["pinned"]]
    if pinned:
        return max(pinned, key=lambda r: r["id"])["id"], REASON_PINNED
    if len(rows) == 1:
        return rows[0]["id"], REASON_ONLY

    def rank(r):
        return (not r["ocr"], int(r["cells_read"] or 0), _version_tuple(r["parser_version"]), r["id"])

    ordered = sorted(rows, key=rank, reverse=True)
    best, runner = ordered[0], ordered[1]
    if bool(best["ocr"]) != bool(runner["ocr"]):
        reason = REASON_TEXT_LAYER
    elif int(best["cells_read"] or 0) != int(runner["cells_read"] or 0):
        reason = REASON_MORE_CELLS.format(best=int(best["cells_read"] or 0), other=int(runner["cells_read"] or 0))
    elif _version_tuple(best["parser_version"]) != _version_tuple(runner["parser_version"]):
        reason = REASON_NEWER_PARSER.format(version=best["parser_version"])
    else:
        reason = REASON_LATEST
    return best["id"], reason


@dataclass
class ReportRows:
    """A parsed report's rows for the store, made where it was parsed (a worker, :func:`report_rows`), so that
    the process that writes the store only binds them (``executemany``): on two cores every CPU second that
    process spends is taken from the parsing.

    The frames the rows were made from travel along (in the same pickle, so they are the very objects of the
    report that comes back): :meth:`Store.add` and :meth:`Store.replace` use the rows only while the report still
    holds those objects (and the findings rows only for that findings frame), and else make the rows from the
    report as it is, so a report or findings changed after parsing are stored as they are then."""

    values: Any
    value_rows: list
    sections: Any
    section_rows: list
    notes: Any
    note_rows: list
    cells_read: int
    findings: Any = None
    finding_rows: Optional[list] = None

    def for_report(self, report: ParsedReport) -> bool:
        return self.values is report.values and self.sections is report.sections and self.notes is report.notes

    def for_findings(self, findings: Any) -> Optional[list]:
        return self.finding_rows if findings is not None and findings is self.findings else None


def report_rows(report: ParsedReport, findings: Optional[pd.DataFrame] = None) -> ReportRows:
    """The rows :meth:`Store.add` writes for ``report`` (and its rule ``findings``), made now (see
    :class:`ReportRows`)."""
    values = value_rows(report.values)
    return ReportRows(report.values, values, report.sections, section_rows(report.sections), report.notes,
                      finding_rows(report.notes), _cells_read_rows(values), findings,
                      finding_rows(findings) if findings is not None else None)


def value_rows(values: Optional[pd.DataFrame]) -> list[tuple]:
    """The cells of a values frame as ``(table, row, column, value, raw, page, status, form, confidence, bbox)``
    tuples of plain Python values (missing as None), in the frame's order."""
    if values is None or values.empty:
        return []
    missing = [col for col in ("table", "row", "column") if col not in values.columns]
    if missing:
        raise ValueError(f"values frame lacks columns {missing}")
    convert = {"value": float, "raw": str, "page": int, "status": str, "form": str, "confidence": float}
    cols = {k: _column(values, k, conv) for k, conv in convert.items()}
    # Text columns give a new str per cell (pyarrow-backed strings): equal texts share one object, so the rows a
    # worker sends pickle each label once (a report's 200 cells have a few dozen distinct labels and statuses)
    share = {}.setdefault
    keys = [[share(x, x) for x in map(str, values[k].tolist())] for k in ("table", "row", "column")]
    for k in ("raw", "status", "form"):
        cols[k] = [share(x, x) for x in cols[k]]
    bboxes = [_bbox_text(b) for b in (values["bbox"].tolist() if "bbox" in values.columns
                                      else [None] * len(values))]
    return list(zip(*keys, cols["value"], cols["raw"], cols["page"], cols["status"], cols["form"],
                    cols["confidence"], bboxes))


def section_rows(sections: Optional[dict[int, SectionText]]) -> list[tuple]:
    """``(number, found, heading, text, page, extra)`` per section, by number."""
    return [(int(n), int(bool(s.found)), s.heading, s.text, _int(s.page), _extra(s, _SECTION_FIELDS))
            for n, s in sorted((sections or {}).items())]


def finding_rows(frame: Optional[pd.DataFrame]) -> list[tuple]:
    """``(seq, rule, severity, message, table, row, column, section, expected, actual, finding_key)`` per finding
    of a findings frame (:data:`FINDING_COLUMNS`), repeats of one key numbered ``#2``, ``#3``..."""
    if frame is None or len(frame) == 0:
        return []
    cols = [frame[k].tolist() if k in frame.columns else [None] * len(frame) for k in FINDING_COLUMNS]
    return _numbered(zip(*cols))


def finding_dict_rows(found: list[dict]) -> list[tuple]:
    """:func:`finding_rows` of the findings frame the rules make of ``found`` (their finding dicts, notes merged:
    ``parsing.rules._frame(found, FINDING_COLUMNS)``), made from the dicts without the frame: a field missing or
    NA is None, as the frame holds it."""
    from ..rules import _na

    return _numbered([None if _na(v := f.get(c)) else v for c in FINDING_COLUMNS] for f in found)


_KEY_AT = [FINDING_COLUMNS.index(k) for k in ("rule", "table", "row", "column", "section")]


def _numbered(findings) -> list[tuple]:
    """The store's finding rows of ``findings`` (per finding its values in :data:`FINDING_COLUMNS` order)."""
    at = _KEY_AT
    seen: dict[str, int] = {}
    rows = []
    for i, vals in enumerate(findings):
        key = finding_key(*(vals[j] for j in at))
        n = seen.get(key, 0) + 1
        seen[key] = n
        if n > 1:  # the same rule on the same cell twice: number the repeats so each keeps its own decision
            key = f"{key}#{n}"
        rows.append((i, *map(_sql, vals), key))
    return rows


def _cells_read_rows(rows: list[tuple]) -> int:
    return sum(1 for r in rows if r[6] == "ok")


def cells_read(values: Optional[pd.DataFrame]) -> int:
    """How many cells of a report were read as numbers (status ``ok``)."""
    if values is None or values.empty or "status" not in values.columns:
        return 0
    return int((values["status"] == "ok").sum())


def recompute_current(c: sqlite3.Connection, key: Optional[str], year: Optional[int]) -> None:
    """Set ``is_current`` and ``current_reason`` of one (body_key, year) group by :func:`best_version`. A report
    without a body or a year is its own group, always current."""
    if key is None or year is None:
        c.execute("UPDATE reports SET is_current=1, current_reason=? WHERE body_key IS ? AND year IS ?"
                  " AND (body_key IS NULL OR year IS NULL)", (REASON_UNGROUPED, key, year))
        return
    cur = c.execute("SELECT id, pinned, ocr, cells_read, parser_version FROM reports WHERE body_key=? AND year=?",
                    (key, year))
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    best, reason = best_version(rows)
    if best is not None:
        c.execute("UPDATE reports SET is_current=(id=?), current_reason=CASE WHEN id=? THEN ? ELSE NULL END"
                  " WHERE body_key=? AND year=?", (best, best, reason, key, year))


def recompute_all_current(c: sqlite3.Connection) -> None:
    """:func:`recompute_current` for every group (after a migration)."""
    for key, year in c.execute("SELECT DISTINCT body_key, year FROM reports").fetchall():
        recompute_current(c, key, year)


class ReportsMixin:
    """Reports in and out of the store (mixed into :class:`parsing.store.Store`)."""

    def _cell_id(self, c: sqlite3.Connection, table: str, row: str, column: str) -> int:
        key = (table, row, column)
        cid = self._cell_ids.get(key)
        if cid is None:
            hit = c.execute("SELECT cell_id FROM cells WHERE table_id=? AND row_key=? AND col_key=?", key).fetchone()
            if hit is None:
                cid = c.execute("INSERT INTO cells(table_id, row_key, col_key) VALUES (?,?,?)", key).lastrowid
            else:
                cid = hit[0]
            self._cell_ids[key] = cid
        return cid

    def _report_id(self, sha256: str) -> Optional[int]:
        row = self._query("SELECT id FROM reports WHERE sha256=?", (sha256,))
        return row[0][0] if row else None

    def _require(self, sha256: str) -> int:
        rid = self._report_id(sha256)
        if rid is None:
            raise KeyError(f"no stored report with sha256 {sha256}")
        return rid

    def add(self, report: ParsedReport, findings: Optional[pd.DataFrame] = None,
            data: Optional[bytes] = None, rows: Optional[ReportRows] = None,
            found_rows: Optional[list[tuple]] = None) -> str:
        """Store one parsed report with its findings, in one transaction.

        ``report.sha256`` must be set (the SHA-256 of the file's bytes). ``findings`` is the rule findings frame
        (:data:`FINDING_COLUMNS`), or None for none; ``report.notes`` are stored as parse notes. ``data`` are the
        original file's bytes, kept so the report can be re-parsed later. ``rows``: the report's rows made
        beforehand (:func:`report_rows`, in its worker), used while they still belong to ``report``.
        ``found_rows``: the findings' rows made beforehand (:func:`finding_dict_rows`), stored instead of
        ``findings``'.

        Returns ``"imported"``, or ``"unchanged"`` when a report with this sha256 is already stored (nothing is
        changed then, except that ``data`` is kept if the stored report had no file yet).
        """
        if not report.sha256:
            raise ValueError("report.sha256 is empty: parse with parsing.parse_bytes or set it")
        if data is not None and hashlib.sha256(data).hexdigest() != report.sha256:
            raise ValueError("data does not hash to report.sha256")
        from .. import PARSER_VERSION

        with self._tx() as c:
            if c.execute("SELECT 1 FROM reports WHERE sha256=?", (report.sha256,)).fetchone():
                if data is not None:
                    c.execute("INSERT OR IGNORE INTO files(sha256, bytes) VALUES (?, ?)", (report.sha256, data))
                return "unchanged"
            now = _now()
            key = report_body_key(report)
            rows = rows if rows is not None and rows.for_report(report) else report_rows(report)
            rid = c.execute(
                "INSERT INTO reports(sha256, file_name, body, body_key, region, year, year_source, template, title,"
                " format, page_count, ocr, tables_found, text, parser_version, added_at, parsed_at, error, extra,"
                " cells_read) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (report.sha256, report.file, report.body, key, report.region, _int(report.year),
                 report.year_source, report.template, report.title, report.format, _int(report.page_count),
                 int(bool(report.ocr)), json.dumps(report.tables_found or {}, ensure_ascii=False), report.text,
                 PARSER_VERSION, now, now, report.error, _extra(report, _REPORT_FIELDS), rows.cells_read),
            ).lastrowid
            self._insert_values(c, rid, rows.value_rows)
            self._insert_sections(c, rid, rows.section_rows)
            self._insert_findings(c, rid, "note", rows.note_rows)
            self._insert_findings(c, rid, "finding",
                                  found_rows if found_rows is not None else _finding_rows(rows, findings))
            if data is not None:
                c.execute("INSERT OR REPLACE INTO files(sha256, bytes) VALUES (?, ?)", (report.sha256, data))
            self._recompute_current(c, key, _int(report.year))
            self._auto_match(c, key, report.region)
        return "imported"

    def replace(self, report: ParsedReport, findings: Optional[pd.DataFrame] = None,
                rows: Optional[ReportRows] = None, found_rows: Optional[list[tuple]] = None) -> None:
        """Replace the parsed content of a stored report (same sha256) and its findings, in one transaction.

        Everything the parser made (metadata, values, sections, parse notes) and the rule ``findings`` are replaced
        together, so a report is never left with new notes and no findings; the reviewer's work (decisions,
        corrections, the pinned version), ``added_at`` and the kept file stay. Raises KeyError when the report is
        not stored. ``rows`` and ``found_rows`` as for :meth:`add`.
        """
        from .. import PARSER_VERSION

        with self._tx() as c:
            row = c.execute("SELECT id, body_key, year FROM reports WHERE sha256=?", (report.sha256,)).fetchone()
            if row is None:
                raise KeyError(f"no stored report with sha256 {report.sha256}")
            rid, old_key, old_year = row
            key = report_body_key(report)
            rows = rows if rows is not None and rows.for_report(report) else report_rows(report)
            c.execute(
                "UPDATE reports SET body=?, body_key=?, region=?, year=?, year_source=?, template=?, title=?,"
                " format=?, page_count=?, ocr=?, tables_found=?, text=?, parser_version=?, parsed_at=?, error=?,"
                " extra=?, cells_read=? WHERE id=?",
                (report.body, key, report.region, _int(report.year), report.year_source, report.template,
                 report.title, report.format, _int(report.page_count), int(bool(report.ocr)),
                 json.dumps(report.tables_found or {}, ensure_ascii=False), report.text, PARSER_VERSION, _now(),
                 report.error, _extra(report, _REPORT_FIELDS), rows.cells_read, rid))
            for table in ("cell_values", "sections", "findings"):
                c.execute(f"DELETE FROM {table} WHERE report_id=?", (rid,))
            self._insert_values(c, rid, rows.value_rows)
            self._insert_sections(c, rid, rows.section_rows)
            self._insert_findings(c, rid, "note", rows.note_rows)
            self._insert_findings(c, rid, "finding",
                                  found_rows if found_rows is not None else _finding_rows(rows, findings))
            self._recompute_current(c, old_key, old_year)
            self._recompute_current(c, key, _int(report.year))
            self._auto_match(c, key, report.region)

    def _insert_values(self, c: sqlite3.Connection, rid: int, rows: list[tuple]) -> None:
        """Insert :func:`value_rows` for report ``rid`` (the cell keys mapped to their cell ids)."""
        if not rows:
            return
        known, cell_id = self._cell_ids.get, self._cell_id  # ids are >= 1: a known cell without a call
        c.executemany("INSERT INTO cell_values(report_id, seq, cell_id, value, raw, page, status, form, confidence,"
                      " bbox) VALUES (?,?,?,?,?,?,?,?,?,?)",
                      [(rid, i, known(r[:3]) or cell_id(c, r[0], r[1], r[2]), *r[3:]) for i, r in enumerate(rows)])

    def _insert_sections(self, c: sqlite3.Connection, rid: int, rows: list[tuple]) -> None:
        """Insert :func:`section_rows` for report ``rid``."""
        c.executemany("INSERT INTO sections(report_id, number, found, heading, text, page, extra)"
                      " VALUES (?,?,?,?,?,?,?)", [(rid, *r) for r in rows])

    def _insert_findings(self, c: sqlite3.Connection, rid: int, kind: str, rows: list[tuple]) -> None:
        """Insert :func:`finding_rows` of ``kind`` ("note" or "finding") for report ``rid``."""
        if not rows:
            return
        c.executemany("INSERT INTO findings(report_id, kind, seq, rule, severity, message, table_id, row_key,"
                      " col_key, section, expected, actual, finding_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      [(rid, kind, *r) for r in rows])

    def _recompute_current(self, c: sqlite3.Connection, key: Optional[str], year: Optional[int]) -> None:
        """Apply the current-version rule (:func:`best_version`) to one (body_key, year) group."""
        recompute_current(c, key, year)

    def set_findings(self, sha256: str, findings: Optional[pd.DataFrame],
                     found_rows: Optional[list[tuple]] = None) -> None:
        """Replace the stored rule findings of a report (decisions are kept: they are keyed by finding_key).
        ``found_rows``: the findings' rows made beforehand (:func:`finding_dict_rows`), stored instead.

        Only the rows that change are written: a stored row equal to the new one at its place (every value of
        the same type) stays, the others are deleted and the new ones inserted (a re-check against last year
        mostly adds the cross-year findings to the same rows: each row written costs the summary's triggers)."""
        new = found_rows if found_rows is not None else finding_rows(findings)
        with self._tx() as c:
            rid = self._require(sha256)
            old = {r[0]: r for r in c.execute(
                "SELECT seq, rule, severity, message, table_id, row_key, col_key, section, expected, actual,"
                " finding_key FROM findings WHERE report_id=? AND kind='finding'", (rid,))}
            write = [r for r in new if not _same_row(old.get(r[0]), r)]
            keep = {r[0] for r in new} - {r[0] for r in write}
            gone = [(rid, seq) for seq in old if seq not in keep]
            if gone:
                c.executemany("DELETE FROM findings WHERE report_id=? AND kind='finding' AND seq=?", gone)
            self._insert_findings(c, rid, "finding", write)

    def delete(self, sha256: str) -> bool:
        """Delete a report and everything about it (values, findings, file, decisions, corrections, sources).

        Returns False when no such report was stored. The current version of its body and year is recomputed.
        """
        with self._tx() as c:
            row = c.execute("SELECT id, body_key, year FROM reports WHERE sha256=?", (sha256,)).fetchone()
            if row is None:
                return False
            rid, key, year = row
            for table in ("cell_values", "sections", "findings"):
                c.execute(f"DELETE FROM {table} WHERE report_id=?", (rid,))
            for table in ("files", "decisions", "corrections", "publication_dates", "sources"):
                c.execute(f"DELETE FROM {table} WHERE sha256=?", (sha256,))
            c.execute("DELETE FROM reports WHERE id=?", (rid,))
            self._recompute_current(c, key, year)
            if key is not None and not c.execute("SELECT 1 FROM reports WHERE body_key=?", (key,)).fetchone():
                c.execute("DELETE FROM roster_matches WHERE body_key=? AND manual=0", (key,))
        return True

    def set_current(self, sha256: str) -> None:
        """Make this report the current version of its body and year (the reviewer's choice, kept until changed)."""
        with self._tx() as c:
            row = c.execute("SELECT id, body_key, year FROM reports WHERE sha256=?", (sha256,)).fetchone()
            if row is None:
                raise KeyError(f"no stored report with sha256 {sha256}")
            rid, key, year = row
            if key is not None and year is not None:
                c.execute("UPDATE reports SET pinned=0 WHERE body_key=? AND year=?", (key, year))
            c.execute("UPDATE reports SET pinned=1 WHERE id=?", (rid,))
            self._recompute_current(c, key, year)

    def __contains__(self, sha256: str) -> bool:
        return self._report_id(sha256) is not None

    def __len__(self) -> int:
        return self._query("SELECT COUNT(*) FROM reports")[0][0]

    def has_file(self, sha256: str) -> bool:
        return bool(self._query("SELECT 1 FROM files WHERE sha256=?", (sha256,)))

    def keep_file(self, sha256: str, data: bytes) -> None:
        """Store the original bytes of an already stored report (ignored if they are kept already)."""
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("data does not hash to sha256")
        with self._tx() as c:
            self._require(sha256)
            c.execute("INSERT OR IGNORE INTO files(sha256, bytes) VALUES (?, ?)", (sha256, data))

    def file_bytes(self, sha256: str) -> Optional[bytes]:
        """The original file's bytes, or None if they were not kept."""
        row = self._query("SELECT bytes FROM files WHERE sha256=?", (sha256,))
        return bytes(row[0][0]) if row else None

    def get(self, sha256: str) -> ParsedReport:
        """Rebuild the :class:`ParsedReport` as it was stored: values (parsed, not corrected), sections, notes.

        Raises KeyError when no such report is stored.
        """
        with self._lock:
            c = self._conn
            row = c.execute(
                "SELECT id, file_name, format, body, region, year, year_source, template, title, tables_found,"
                " page_count, ocr, error, text, extra FROM reports WHERE sha256=?", (sha256,)).fetchone()
            if row is None:
                raise KeyError(f"no stored report with sha256 {sha256}")
            (rid, file_name, fmt, body, region, year, year_source, template, title, tables_found, page_count,
             ocr, error, text, extra) = row
            vals = c.execute(
                "SELECT k.table_id, k.row_key, k.col_key, v.value, v.raw, v.page, v.status, v.form, v.confidence,"
                " v.bbox FROM cell_values v JOIN cells k ON k.cell_id=v.cell_id WHERE v.report_id=? ORDER BY v.seq",
                (rid,)).fetchall()
            secs = c.execute("SELECT number, found, heading, text, page, extra FROM sections WHERE report_id=?"
                             " ORDER BY number", (rid,)).fetchall()
            notes = self._findings_rows(rid, "note")
        sections = {n: SectionText(**_with_extra(dict(number=n, found=bool(f), heading=h or "", text=t or "",
                                                      page=p), x, SectionText))
                    for n, f, h, t, p, x in secs}
        return ParsedReport(**_with_extra(dict(
            file=file_name, sha256=sha256, format=fmt or "", body=body, region=region, year=year,
            year_source=year_source, template=template, title=title, sections=sections,
            values=_values_frame(vals), notes=notes, text=text or "",
            tables_found=json.loads(tables_found) if tables_found else {}, page_count=page_count,
            ocr=bool(ocr), error=error), extra, ParsedReport))

    def _findings_rows(self, rid: int, kind: str) -> pd.DataFrame:
        rows = self._conn.execute(
            "SELECT rule, severity, message, table_id, row_key, col_key, section, expected, actual FROM findings"
            " WHERE report_id=? AND kind=? ORDER BY seq", (rid, kind)).fetchall()
        if not rows:
            return empty_findings()
        return pd.DataFrame.from_records(rows, columns=FINDING_COLUMNS).astype(object)


def _same_row(stored: Optional[tuple], row: tuple) -> bool:
    """Whether a stored finding row holds exactly ``row`` (values and their types: 1 and 1.0 differ)."""
    return stored is not None and len(stored) == len(row) and all(
        a == b and type(a) is type(b) for a, b in zip(stored, row))


def _finding_rows(rows: ReportRows, findings: Optional[pd.DataFrame]) -> list[tuple]:
    made = rows.for_findings(findings)
    return made if made is not None else finding_rows(findings)


def _values_frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows, columns=VALUE_COLUMNS)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    # page and confidence as the extractor makes them: object columns of int/float or None
    df["page"] = pd.Series([None if r[5] is None else int(r[5]) for r in rows], dtype=object, index=df.index)
    df["confidence"] = pd.Series([None if r[8] is None else float(r[8]) for r in rows], dtype=object,
                                 index=df.index)
    df["bbox"] = pd.Series([_bbox_tuple(r[9]) for r in rows], dtype=object, index=df.index)
    return df


def _bbox_text(b) -> Optional[str]:
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return None
    return ",".join(f"{float(x):.2f}" for x in b)


def _bbox_tuple(text: Optional[str]) -> Optional[tuple]:
    return tuple(float(x) for x in text.split(",")) if text else None
