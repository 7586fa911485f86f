"""The store of record: every checked report, kept across sessions and years, in one SQLite file.

Nothing to install or start: stdlib :mod:`sqlite3` in WAL mode, so the dashboard and a command-line import can use
the same file at the same time. The path comes from the ``GOVREPORT_DB`` environment variable, or defaults to
``data/reports.sqlite3`` under the repository.

A report is keyed by the SHA-256 of its bytes. Each :meth:`Store.add` is one transaction: either every row of a
report is written (metadata, values, sections, parse notes, findings, optionally the original file) or none is.

Versions: several reports of one body (``body_key``) for one year are kept side by side. The *current* one is the
version the reviewer chose with :meth:`Store.set_current`, otherwise the one added last. ``reports.is_current``
holds the result of that rule and is recomputed on every change of the group.

The reviewer's own work lives beside the parsed data and is never overwritten by it:

* ``decisions``: a finding confirmed or dismissed, keyed by ``(sha256, finding_key)`` where ``finding_key`` is built
  from the finding's rule and cell (see :func:`finding_key`), so a decision survives a re-parse of the same file.
* ``corrections``: a value typed in by hand for one cell; the parsed value stays in ``cell_values``.
  :meth:`Store.corrected_report` returns the report with corrections applied (status ``"corrected"``).

Schema (version :data:`SCHEMA_VERSION`; ``meta.schema_version``). ``values`` is an SQL keyword, so the long value
table is ``cell_values``; it refers to reports and cells by integer ids to keep a province-sized store small:

* ``reports(id, sha256 UNIQUE, file_name, body, body_key, region, year, ..., pinned, is_current)``
* ``cells(cell_id, table_id, row_key, col_key)`` - one row per distinct cell label, UNIQUE(table_id, row_key, col_key)
* ``cell_values(report_id, seq, cell_id, value, raw, page, status, form, confidence, bbox)``
* ``sections``, ``findings`` (``kind`` = ``note`` for parse notes, ``finding`` for rule findings), ``files``,
  ``decisions``, ``corrections``, ``roster``, ``roster_matches``.

This module never imports streamlit or plotly.
"""
from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import inspect
import json
import math
import os
import re
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import pandas as pd

from .forms import norm
from .model import ReportError
from .report import FINDING_COLUMNS, VALUE_COLUMNS, ParsedReport, SectionText, empty_findings
from .rules import body_key as rules_body_key
from .rules import name_key as rules_name_key

SCHEMA_VERSION = 4
ENV_VAR = "GOVREPORT_DB"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "reports.sqlite3"

DECISION_STATUSES = ("confirmed", "dismissed")
CORRECTED = "corrected"

# A check function: (report, previous=ParsedReport | None) -> findings DataFrame (FINDING_COLUMNS).
CheckFn = Callable[..., pd.DataFrame]
ParseFn = Callable[[bytes, str], ParsedReport]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS reports (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256         TEXT NOT NULL UNIQUE,
    file_name      TEXT NOT NULL,
    body           TEXT,
    body_key       TEXT,
    region         TEXT,
    year           INTEGER,
    year_source    TEXT,
    template       TEXT,
    title          TEXT,
    format         TEXT,
    page_count     INTEGER,
    ocr            INTEGER NOT NULL DEFAULT 0,
    tables_found   TEXT,
    text           TEXT,
    parser_version TEXT,
    added_at       TEXT NOT NULL,
    parsed_at      TEXT NOT NULL,
    error          TEXT,
    extra          TEXT,
    pinned         INTEGER NOT NULL DEFAULT 0,
    is_current     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS reports_body_year ON reports(body_key, year);
CREATE INDEX IF NOT EXISTS reports_year ON reports(year);

CREATE TABLE IF NOT EXISTS cells (
    cell_id  INTEGER PRIMARY KEY,
    table_id TEXT NOT NULL,
    row_key  TEXT NOT NULL,
    col_key  TEXT NOT NULL,
    UNIQUE (table_id, row_key, col_key)
);
CREATE TABLE IF NOT EXISTS cell_values (
    report_id  INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    cell_id    INTEGER NOT NULL REFERENCES cells(cell_id),
    value      REAL,
    raw        TEXT,
    page       INTEGER,
    status     TEXT,
    form       TEXT,
    confidence REAL,
    bbox       TEXT,
    PRIMARY KEY (report_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cell_values_cell ON cell_values(cell_id, report_id);

CREATE TABLE IF NOT EXISTS sections (
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    number    INTEGER NOT NULL,
    found     INTEGER NOT NULL,
    heading   TEXT,
    text      TEXT,
    page      INTEGER,
    extra     TEXT,
    PRIMARY KEY (report_id, number)
);
CREATE TABLE IF NOT EXISTS findings (
    report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    rule        TEXT,
    severity    TEXT,
    message     TEXT,
    table_id    TEXT,
    row_key     TEXT,
    col_key     TEXT,
    section     ANY,
    expected    ANY,
    actual      ANY,
    finding_key TEXT NOT NULL,
    PRIMARY KEY (report_id, kind, seq)
);
CREATE INDEX IF NOT EXISTS findings_rule ON findings(rule);

CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY,
    bytes  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    sha256      TEXT NOT NULL,
    finding_key TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('confirmed', 'dismissed')),
    note        TEXT NOT NULL DEFAULT '',
    decided_at  TEXT NOT NULL,
    reviewer    TEXT,
    PRIMARY KEY (sha256, finding_key)
);
CREATE TABLE IF NOT EXISTS corrections (
    sha256       TEXT NOT NULL,
    table_id     TEXT NOT NULL,
    row_key      TEXT NOT NULL,
    col_key      TEXT NOT NULL,
    value        REAL,
    note         TEXT NOT NULL DEFAULT '',
    corrected_at TEXT NOT NULL,
    reviewer     TEXT,
    PRIMARY KEY (sha256, table_id, row_key, col_key)
);
CREATE TABLE IF NOT EXISTS roster (
    id          INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,
    body_key    TEXT NOT NULL,
    city        TEXT,
    county      TEXT,
    township    TEXT,
    department  TEXT,
    region_path TEXT NOT NULL DEFAULT '',
    UNIQUE (body_key, region_path)
);
CREATE INDEX IF NOT EXISTS roster_key ON roster(body_key);
CREATE TABLE IF NOT EXISTS roster_matches (
    body_key  TEXT PRIMARY KEY,
    roster_id INTEGER REFERENCES roster(id) ON DELETE SET NULL,
    manual    INTEGER NOT NULL DEFAULT 0,
    method    TEXT
);
"""

# Migrations from version N to N+1, as SQL scripts.
_MIGRATIONS: dict[int, str] = {
    # 2: fields of ParsedReport / SectionText that have no column of their own (e.g. SectionText.in_order)
    1: "ALTER TABLE reports ADD COLUMN extra TEXT; ALTER TABLE sections ADD COLUMN extra TEXT",
    # 3: where a cell sits on its PDF page, "x0,top,x1,bottom" in points
    2: "ALTER TABLE cell_values ADD COLUMN bbox TEXT",
    # 4: who made a decision or a correction (the reviewer's account; NULL before accounts, or without them)
    3: "ALTER TABLE decisions ADD COLUMN reviewer TEXT; ALTER TABLE corrections ADD COLUMN reviewer TEXT",
}

# Fields with their own columns; any other dataclass field is kept as JSON in the ``extra`` column.
_REPORT_FIELDS = {"file", "sha256", "format", "body", "region", "year", "year_source", "template", "title",
                  "sections", "values", "notes", "text", "tables_found", "page_count", "ocr", "error"}
_SECTION_FIELDS = {"number", "found", "heading", "text", "page"}

_REPORT_META = ["sha256", "file_name", "body", "body_key", "region", "year", "year_source", "template", "title",
                "format", "page_count", "ocr", "parser_version", "added_at", "parsed_at", "error", "pinned",
                "is_current"]


# ---------------------------------------------------------------------------
# Small pure helpers
# ---------------------------------------------------------------------------

def default_path() -> Path:
    """Where the store lives: ``$GOVREPORT_DB`` if set, else ``data/reports.sqlite3`` under the repository."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else DEFAULT_PATH


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


def _missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, float) and math.isnan(x)) or (hasattr(x, "dtype") and bool(pd.isna(x)))
    except (TypeError, ValueError):
        return False


def _sql(x: Any) -> Any:
    """A Python value sqlite3 can bind: NaN/NA to NULL, numpy scalars to int/float/bool, else str."""
    if _missing(x):
        return None
    if isinstance(x, (bool, int, float, str, bytes)):
        return x
    if hasattr(x, "item"):  # numpy scalar
        return _sql(x.item())
    return str(x)


def _float(x: Any) -> Optional[float]:
    if _missing(x):
        return None
    return float(x)


def _int(x: Any) -> Optional[int]:
    if _missing(x):
        return None
    return int(x)


def _text(x: Any) -> Optional[str]:
    if _missing(x):
        return None
    return str(x)


def finding_key(rule: Any, table: Any = None, row: Any = None, column: Any = None, section: Any = None) -> str:
    """The stable key of a finding: rule + table + row + column + section (blank parts empty).

    It does not depend on row ids or message text, so it is the same after a re-parse of the same file.
    """
    parts = []
    for p in (rule, table, row, column, section):
        if _missing(p):
            parts.append("")
        elif isinstance(p, float) and p.is_integer():
            parts.append(str(int(p)))
        else:
            parts.append(str(p))
    return "|".join(parts)


def _extra(obj: Any, known: set) -> Optional[str]:
    """Dataclass fields without a column of their own, as JSON (None when there are none)."""
    out = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name not in known}
    return json.dumps(out, ensure_ascii=False, default=str) if out else None


def _column(frame: pd.DataFrame, name: str, conv: Callable) -> list:
    """One column as a list of Python values for sqlite3: missing (None, NaN, NA) as None, others converted."""
    if name not in frame.columns:
        return [None] * len(frame)
    series = frame[name]
    missing = series.isna().tolist()
    return [None if m else conv(x) for x, m in zip(series.astype(object).tolist(), missing)]


def _with_extra(kwargs: dict, extra: Optional[str], cls: type) -> dict:
    if extra:
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs.update({k: v for k, v in json.loads(extra).items() if k in names})
    return kwargs


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _as_list(x: Any) -> Optional[list]:
    if x is None:
        return None
    if isinstance(x, (list, tuple, set, frozenset, pd.Series, pd.Index)):
        return list(x)
    return [x]


def _in(column: str, values: list, params: list) -> str:
    params.extend(values)
    return f"{column} IN ({','.join('?' * len(values))})"


def _accepts_previous(fn: Callable) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    return "previous" in sig.parameters or any(
        p.kind == inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())


def run_check(check_fn: CheckFn, report: ParsedReport, previous: Optional[ParsedReport]) -> pd.DataFrame:
    """Call a check function with ``previous=`` when it takes it."""
    if _accepts_previous(check_fn):
        return check_fn(report, previous=previous)
    return check_fn(report)


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------

class Store:
    """An embedded SQLite store of parsed reports, their findings and the reviewer's work.

    ``Store(path=None)`` opens (and creates, with parent folders) the database at ``path``, or at
    :func:`default_path`. One object may be shared by threads (a lock serialises its calls); other processes may
    open the same file at the same time (WAL mode, 30 s busy timeout). Use it as a context manager or call
    :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._cell_ids: dict[tuple[str, str, str], int] = {}
        self._roster_cache: Optional[tuple] = None
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise ReportError(f"报告库“{self.path}”正被其他程序长时间占用，请稍后再试。", details=str(exc)) from exc
            raise ReportError(f"文件“{self.path}”不是有效的报告库（SQLite 数据库），请检查 GOVREPORT_DB 设置的路径。",
                              details=str(exc)) from exc

    # -- plumbing ------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self):
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any exception)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._cell_ids.clear()  # ids inserted in the rolled-back transaction are gone
                self._roster_cache = None
                raise
            else:
                self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def _frame(self, sql: str, params: Iterable = ()) -> pd.DataFrame:
        with self._lock:
            cur = self._conn.execute(sql, tuple(params))
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
        return pd.DataFrame.from_records(rows, columns=cols)

    def _init_schema(self) -> None:
        with self._tx() as c:
            has_meta = c.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone() is not None
            version = None
            if has_meta:
                row = c.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                version = int(row[0]) if row else None
            if version is None:
                # statement by statement: executescript() would COMMIT the open transaction
                for stmt in _split_sql(_SCHEMA):
                    c.execute(stmt)
                c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                          (str(SCHEMA_VERSION),))
                c.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('created_at', ?)", (_now(),))
                return
            if version > SCHEMA_VERSION:
                raise ReportError(
                    f"数据库“{self.path}”由更新版本的程序创建（结构版本 {version}），本程序只支持到版本 "
                    f"{SCHEMA_VERSION}，请升级程序后再打开。",
                    details=f"schema_version={version} > {SCHEMA_VERSION}")
            while version < SCHEMA_VERSION:
                for stmt in _split_sql(_MIGRATIONS[version]):
                    c.execute(stmt)
                version += 1
                c.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))

    def schema_version(self) -> int:
        return int(self._query("SELECT value FROM meta WHERE key='schema_version'")[0][0])

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

    # -- writing reports -----------------------------------------------------

    def add(self, report: ParsedReport, findings: Optional[pd.DataFrame] = None,
            data: Optional[bytes] = None) -> str:
        """Store one parsed report with its findings, in one transaction.

        ``report.sha256`` must be set (the SHA-256 of the file's bytes). ``findings`` is the rule findings frame
        (:data:`FINDING_COLUMNS`), or None for none; ``report.notes`` are stored as parse notes. ``data`` are the
        original file's bytes, kept so the report can be re-parsed later.

        Returns ``"imported"``, or ``"unchanged"`` when a report with this sha256 is already stored (nothing is
        changed then, except that ``data`` is kept if the stored report had no file yet).
        """
        if not report.sha256:
            raise ValueError("report.sha256 is empty: parse with parsing.parse_bytes or set it")
        if data is not None and hashlib.sha256(data).hexdigest() != report.sha256:
            raise ValueError("data does not hash to report.sha256")
        from . import PARSER_VERSION

        with self._tx() as c:
            if c.execute("SELECT 1 FROM reports WHERE sha256=?", (report.sha256,)).fetchone():
                if data is not None:
                    c.execute("INSERT OR IGNORE INTO files(sha256, bytes) VALUES (?, ?)", (report.sha256, data))
                return "unchanged"
            now = _now()
            key = report_body_key(report)
            rid = c.execute(
                "INSERT INTO reports(sha256, file_name, body, body_key, region, year, year_source, template, title,"
                " format, page_count, ocr, tables_found, text, parser_version, added_at, parsed_at, error, extra)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (report.sha256, report.file, report.body, key, report.region, _int(report.year),
                 report.year_source, report.template, report.title, report.format, _int(report.page_count),
                 int(bool(report.ocr)), json.dumps(report.tables_found or {}, ensure_ascii=False), report.text,
                 PARSER_VERSION, now, now, report.error, _extra(report, _REPORT_FIELDS)),
            ).lastrowid
            self._insert_values(c, rid, report.values)
            self._insert_sections(c, rid, report.sections)
            self._insert_findings(c, rid, "note", report.notes)
            self._insert_findings(c, rid, "finding", findings)
            if data is not None:
                c.execute("INSERT OR REPLACE INTO files(sha256, bytes) VALUES (?, ?)", (report.sha256, data))
            self._recompute_current(c, key, _int(report.year))
            self._auto_match(c, key, report.region)
        return "imported"

    def _insert_values(self, c: sqlite3.Connection, rid: int, values: Optional[pd.DataFrame]) -> None:
        if values is None or values.empty:
            return
        missing = [col for col in ("table", "row", "column") if col not in values.columns]
        if missing:
            raise ValueError(f"values frame lacks columns {missing}")
        convert = {"value": float, "raw": str, "page": int, "status": str, "form": str, "confidence": float}
        cols = {k: _column(values, k, conv) for k, conv in convert.items()}
        cell_ids = [self._cell_id(c, str(t), str(r), str(k))
                    for t, r, k in zip(values["table"].tolist(), values["row"].tolist(), values["column"].tolist())]
        bboxes = [_bbox_text(b) for b in (values["bbox"].tolist() if "bbox" in values.columns
                                          else [None] * len(values))]
        rows = list(zip([rid] * len(values), range(len(values)), cell_ids, cols["value"], cols["raw"], cols["page"],
                        cols["status"], cols["form"], cols["confidence"], bboxes))
        c.executemany("INSERT INTO cell_values(report_id, seq, cell_id, value, raw, page, status, form, confidence,"
                      " bbox) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)

    def _insert_sections(self, c: sqlite3.Connection, rid: int, sections: dict[int, SectionText]) -> None:
        rows = [(rid, int(n), int(bool(s.found)), s.heading, s.text, _int(s.page), _extra(s, _SECTION_FIELDS))
                for n, s in sorted((sections or {}).items())]
        c.executemany("INSERT INTO sections(report_id, number, found, heading, text, page, extra)"
                      " VALUES (?,?,?,?,?,?,?)", rows)

    def _insert_findings(self, c: sqlite3.Connection, rid: int, kind: str, frame: Optional[pd.DataFrame]) -> None:
        if frame is None or len(frame) == 0:
            return
        cols = {k: (frame[k].tolist() if k in frame.columns else [None] * len(frame)) for k in FINDING_COLUMNS}
        seen: dict[str, int] = {}
        rows = []
        for i in range(len(frame)):
            key = finding_key(cols["rule"][i], cols["table"][i], cols["row"][i], cols["column"][i],
                              cols["section"][i])
            n = seen.get(key, 0) + 1
            seen[key] = n
            if n > 1:  # the same rule on the same cell twice: number the repeats so each keeps its own decision
                key = f"{key}#{n}"
            rows.append((rid, kind, i, *(_sql(cols[k][i]) for k in FINDING_COLUMNS), key))
        c.executemany("INSERT INTO findings(report_id, kind, seq, rule, severity, message, table_id, row_key,"
                      " col_key, section, expected, actual, finding_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def _recompute_current(self, c: sqlite3.Connection, key: Optional[str], year: Optional[int]) -> None:
        """Apply the current-version rule to one (body_key, year) group."""
        if key is None or year is None:
            c.execute("UPDATE reports SET is_current=1 WHERE body_key IS ? AND year IS ?"
                      " AND (body_key IS NULL OR year IS NULL)", (key, year))
            return
        best = c.execute("SELECT id FROM reports WHERE body_key=? AND year=? ORDER BY pinned DESC, id DESC LIMIT 1",
                         (key, year)).fetchone()
        if best:
            c.execute("UPDATE reports SET is_current=(id=?) WHERE body_key=? AND year=?", (best[0], key, year))

    def set_findings(self, sha256: str, findings: Optional[pd.DataFrame]) -> None:
        """Replace the stored rule findings of a report (decisions are kept: they are keyed by finding_key)."""
        with self._tx() as c:
            rid = self._require(sha256)
            c.execute("DELETE FROM findings WHERE report_id=? AND kind='finding'", (rid,))
            self._insert_findings(c, rid, "finding", findings)

    def delete(self, sha256: str) -> bool:
        """Delete a report and everything about it (values, findings, file, decisions, corrections).

        Returns False when no such report was stored. The current version of its body and year is recomputed.
        """
        with self._tx() as c:
            row = c.execute("SELECT id, body_key, year FROM reports WHERE sha256=?", (sha256,)).fetchone()
            if row is None:
                return False
            rid, key, year = row
            for table in ("cell_values", "sections", "findings"):
                c.execute(f"DELETE FROM {table} WHERE report_id=?", (rid,))
            for table in ("files", "decisions", "corrections"):
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

    # -- reading reports -----------------------------------------------------

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

    def list_reports(self, current_only: bool = False) -> pd.DataFrame:
        """One row per stored report: metadata, ``has_file``, ``n_findings``, ``n_open`` (findings without a
        decision), ``n_corrections``, and the matched roster body and region path. Newest first."""
        where = "WHERE r.is_current=1" if current_only else ""
        cols = ", ".join(f"r.{c}" for c in _REPORT_META)
        return self._frame(
            f"SELECT {cols},"
            " EXISTS(SELECT 1 FROM files f WHERE f.sha256=r.sha256) AS has_file,"
            " (SELECT COUNT(*) FROM findings f WHERE f.report_id=r.id AND f.kind='finding') AS n_findings,"
            " (SELECT COUNT(*) FROM findings f WHERE f.report_id=r.id AND f.kind='finding' AND NOT EXISTS("
            "    SELECT 1 FROM decisions d WHERE d.sha256=r.sha256 AND d.finding_key=f.finding_key)) AS n_open,"
            " (SELECT COUNT(*) FROM corrections k WHERE k.sha256=r.sha256) AS n_corrections,"
            " ro.body AS roster_body, ro.region_path AS roster_path"
            " FROM reports r LEFT JOIN roster_matches m ON m.body_key=r.body_key"
            " LEFT JOIN roster ro ON ro.id=m.roster_id"
            f" {where} ORDER BY r.id DESC")

    def section_flags(self, shas: Optional[list] = None) -> pd.DataFrame:
        """Per stored report: which sections were found (``s1`` … ``s6``, bool) and ``tables_found`` (dict of
        table -> bool), one row per sha256 — the completeness matrix without loading every report."""
        rep = self._frame("SELECT id, sha256, tables_found FROM reports")
        sec = self._frame("SELECT report_id, number, found FROM sections")
        if shas is not None:
            rep = rep[rep["sha256"].isin(list(shas))]
        cols = [f"s{n}" for n in range(1, 7)]
        if sec.empty:
            wide = pd.DataFrame(columns=cols)
        else:
            wide = (sec.pivot_table(index="report_id", columns="number", values="found", aggfunc="max")
                    .reindex(columns=range(1, 7)).fillna(0).astype(bool))
            wide.columns = cols
        out = rep.merge(wide, left_on="id", right_index=True, how="left")
        for c in cols:
            out[c] = out[c].fillna(False).astype(bool)
        out["tables_found"] = [json.loads(t) if t else {} for t in out["tables_found"]]
        return out[["sha256", *cols, "tables_found"]].reset_index(drop=True)

    def versions(self, body: Optional[str], year: Optional[int]) -> pd.DataFrame:
        """All stored versions of one body's report for one year, oldest first, with ``is_current`` and
        ``pinned`` (the reviewer's choice). ``body`` is a name or a body_key; it is normalised."""
        key = body_key(body)
        cols = ", ".join(_REPORT_META)
        return self._frame(f"SELECT {cols} FROM reports WHERE body_key IS ? AND year IS ? ORDER BY id",
                           (key, _int(year)))

    def current(self, body: str, year: int) -> Optional[str]:
        """The sha256 of the current version for a body and year, or None."""
        row = self._query("SELECT sha256 FROM reports WHERE body_key=? AND year=? AND is_current=1",
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

    def _frame_chunked(self, sql: str, ids: list, size: int = 20000) -> pd.DataFrame:
        """A query with ``IN ({})`` run over chunks of ``ids`` (SQLite limits bound parameters)."""
        parts = [self._frame(sql.format(",".join("?" * len(chunk))), chunk)
                 for chunk in (ids[i:i + size] for i in range(0, len(ids), size))]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

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

    # -- the reviewer's work -------------------------------------------------

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

    def decisions(self, sha256: Any = None) -> pd.DataFrame:
        params: list = []
        where = ""
        vals = _as_list(sha256)
        if vals is not None:
            where = " WHERE " + _in("sha256", vals, params)
        return self._frame("SELECT sha256, finding_key, status, note, decided_at, reviewer FROM decisions" + where
                           + " ORDER BY decided_at", params)

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
        if check_fn is not None:
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
        """The stored report with hand corrections applied: a corrected cell carries the corrected value and
        status ``"corrected"`` (raw, page and form stay those of the parsed cell). The store keeps the original."""
        report = self.get(sha256)
        fixes = self._query("SELECT table_id, row_key, col_key, value FROM corrections WHERE sha256=?", (sha256,))
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

    # -- re-checking and re-parsing -------------------------------------------

    def recheck(self, shas: Iterable[str], check_fn: CheckFn) -> None:
        """Re-run ``check_fn(report, previous=...)`` on the corrected reports and replace their stored findings."""
        for sha in shas:
            report = self.corrected_report(sha)
            findings = run_check(check_fn, report, self.previous_report(report))
            self.set_findings(sha, findings)

    def reparse_all(self, parse_fn: Optional[ParseFn] = None, check_fn: Optional[CheckFn] = None,
                    progress: Optional[Callable[[int, int, str, str], None]] = None, workers: int = 1) -> dict:
        """Re-parse every stored report that kept its original bytes (after a parser upgrade).

        ``parse_fn(data, file_name) -> ParsedReport`` defaults to :func:`parsing.parse_bytes` (it must be
        picklable when ``workers`` > 1: parsing then runs in that many processes, writing stays here). Each report
        is replaced in one transaction, keeping its sha256, added_at, the reviewer's version choice, decisions and
        corrections. With ``check_fn`` the rules then run on the corrected reports in year order (so ``previous``
        is already re-parsed), and on the next year's current report of each. A report the new parser cannot read
        keeps its old data and is listed in ``failed``. ``progress(done, total, name, outcome)`` per report.

        Returns ``{"reparsed": n, "skipped": n_without_file, "failed": [(file_name, reason)]}``.
        """
        rows = self._query("SELECT r.sha256, r.file_name FROM reports r JOIN files f ON f.sha256=r.sha256"
                           " ORDER BY r.year IS NULL, r.year, r.id")
        skipped = len(self) - len(rows)
        reparsed, failed = [], []
        jobs = ((sha, name, lambda sha=sha: self.file_bytes(sha)) for sha, name in rows)
        for i, (sha, name, report, reason, _) in enumerate(parse_many(jobs, parse_fn, workers), 1):
            outcome = "failed"
            if report is not None:
                report.sha256 = report.sha256 or sha
                if report.sha256 != sha:
                    reason = "重新解析得到的文件指纹与存储的不一致。"
                elif report.error:
                    reason = report.error
                else:
                    report.file = name
                    self._replace(report)
                    reparsed.append(sha)
                    outcome = "reparsed"
            if outcome == "failed":
                failed.append((name, reason))
            if progress:
                progress(i, len(rows), name, outcome)
        if check_fn is not None and reparsed:
            later = [self._next_year_current(sha) for sha in reparsed]
            order = list(dict.fromkeys(reparsed + [s for s in later if s]))
            for sha in order:
                try:
                    self.recheck([sha], check_fn)
                except Exception as exc:  # a rule bug must not stop the other reports
                    failed.append((self.get(sha).file, f"检查出错：{type(exc).__name__}: {exc}"))
        return {"reparsed": len(reparsed), "skipped": skipped, "failed": failed}

    def _next_year_current(self, sha256: str) -> Optional[str]:
        row = self._query("SELECT body_key, year FROM reports WHERE sha256=?", (sha256,))
        if not row or row[0][0] is None or row[0][1] is None:
            return None
        return self.current(row[0][0], row[0][1] + 1)

    def _replace(self, report: ParsedReport) -> None:
        """Replace the parsed content of a stored report in one transaction (reviewer's work kept)."""
        from . import PARSER_VERSION

        with self._tx() as c:
            rid, old_key, old_year = c.execute("SELECT id, body_key, year FROM reports WHERE sha256=?",
                                               (report.sha256,)).fetchone()
            key = report_body_key(report)
            c.execute(
                "UPDATE reports SET body=?, body_key=?, region=?, year=?, year_source=?, template=?, title=?,"
                " format=?, page_count=?, ocr=?, tables_found=?, text=?, parser_version=?, parsed_at=?, error=?,"
                " extra=? WHERE id=?",
                (report.body, key, report.region, _int(report.year), report.year_source, report.template,
                 report.title, report.format, _int(report.page_count), int(bool(report.ocr)),
                 json.dumps(report.tables_found or {}, ensure_ascii=False), report.text, PARSER_VERSION, _now(),
                 report.error, _extra(report, _REPORT_FIELDS), rid))
            for table in ("cell_values", "sections", "findings"):
                c.execute(f"DELETE FROM {table} WHERE report_id=?", (rid,))
            self._insert_values(c, rid, report.values)
            self._insert_sections(c, rid, report.sections)
            self._insert_findings(c, rid, "note", report.notes)
            self._recompute_current(c, old_key, old_year)
            self._recompute_current(c, key, _int(report.year))
            self._auto_match(c, key, report.region)

    # -- roster ----------------------------------------------------------------

    def import_roster(self, source: str | os.PathLike | pd.DataFrame | bytes, replace: bool = True,
                      name: str = "名册.csv") -> int:
        """Import the list of bodies that must report, from a CSV/Excel file, its bytes (an upload; ``name``
        gives the extension) or a DataFrame.

        Accepted headers (any of each group): body ``单位名称``/``单位``/``机关名称``/``名称``/``body``; region levels
        ``市``, ``县区``, ``乡镇街道``, ``部门`` (and variants such as ``县（区）``, ``乡镇（街道）``), or one
        ``区划``/``地区``/``region`` column holding the path joined with ``/``. With ``replace`` the old roster is
        replaced; manual matches are kept when their body is still on the list. Report bodies are then matched
        automatically. Returns the number of roster rows. Raises :class:`ReportError` for an unusable file.
        """
        df = _read_roster(source, name)
        rows = _roster_rows(df)
        with self._tx() as c:
            manual = c.execute("SELECT m.body_key, ro.body_key, ro.region_path FROM roster_matches m"
                               " JOIN roster ro ON ro.id=m.roster_id WHERE m.manual=1").fetchall()
            if replace:
                c.execute("DELETE FROM roster_matches WHERE manual=0")
                c.execute("UPDATE roster_matches SET roster_id=NULL")
                c.execute("DELETE FROM roster")
            c.executemany("INSERT OR REPLACE INTO roster(body, body_key, city, county, township, department,"
                          " region_path) VALUES (?,?,?,?,?,?,?)", rows)
            c.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('roster_version', '0')")
            c.execute("UPDATE meta SET value=CAST(value AS INTEGER)+1 WHERE key='roster_version'")
            for report_key, rkey, rpath in manual:
                hit = c.execute("SELECT id FROM roster WHERE body_key=? AND region_path=?", (rkey, rpath)).fetchone()
                if hit:
                    c.execute("UPDATE roster_matches SET roster_id=? WHERE body_key=?", (hit[0], report_key))
                else:
                    c.execute("DELETE FROM roster_matches WHERE body_key=?", (report_key,))
            c.execute("DELETE FROM roster_matches WHERE manual=0")
            for key, region in c.execute("SELECT body_key, MAX(region) FROM reports WHERE body_key IS NOT NULL"
                                         " GROUP BY body_key").fetchall():
                self._auto_match(c, key, region)
        return len(rows)

    def roster(self) -> pd.DataFrame:
        """The roster: id, body, body_key, city, county, township, department, region_path."""
        return self._frame("SELECT id, body, body_key, city, county, township, department, region_path FROM roster"
                           " ORDER BY region_path, body")

    def _roster_for_matching(self, c: sqlite3.Connection) -> list[tuple]:
        """The roster rows used by matching, cached until the roster changes (in any process)."""
        version = c.execute("SELECT value FROM meta WHERE key='roster_version'").fetchone()
        version = version[0] if version else None
        if self._roster_cache is None or self._roster_cache[0] != version:
            rows = c.execute("SELECT id, body_key, city, county, township, department FROM roster").fetchall()
            self._roster_cache = (version, rows)
        return self._roster_cache[1]

    def _auto_match(self, c: sqlite3.Connection, key: Optional[str], region: Optional[str] = None) -> None:
        if key is None:
            return
        roster = self._roster_for_matching(c)
        if not roster:
            return
        if c.execute("SELECT 1 FROM roster_matches WHERE body_key=? AND manual=1", (key,)).fetchone():
            return
        rid, method = match_roster(key, region, roster)
        if rid is None:
            c.execute("DELETE FROM roster_matches WHERE body_key=?", (key,))
        else:
            c.execute("INSERT OR REPLACE INTO roster_matches(body_key, roster_id, manual, method) VALUES (?,?,0,?)",
                      (key, rid, method))

    def match_body(self, body: str, roster_id: Optional[int]) -> None:
        """The reviewer's match of a report body to a roster entry (``roster_id`` None: "not on the roster").
        Manual matches are never changed by automatic matching."""
        key = body_key(body)
        with self._tx() as c:
            if roster_id is not None and not c.execute("SELECT 1 FROM roster WHERE id=?", (roster_id,)).fetchone():
                raise KeyError(f"no roster entry {roster_id}")
            c.execute("INSERT OR REPLACE INTO roster_matches(body_key, roster_id, manual, method) VALUES (?,?,1,?)",
                      (key, roster_id, "manual"))

    def clear_match(self, body: str) -> None:
        """Forget the reviewer's match of a body; automatic matching applies again."""
        key = body_key(body)
        with self._tx() as c:
            c.execute("DELETE FROM roster_matches WHERE body_key=?", (key,))
            region = c.execute("SELECT MAX(region) FROM reports WHERE body_key=?", (key,)).fetchone()[0]
            self._auto_match(c, key, region)

    def roster_matches(self) -> pd.DataFrame:
        """Every report body with its roster match: body_key, body (as in the latest report), roster_id,
        roster_body, roster_path, manual, method (None when unmatched)."""
        return self._frame(
            "SELECT b.body_key, b.body, m.roster_id, ro.body AS roster_body, ro.region_path AS roster_path,"
            " COALESCE(m.manual, 0) AS manual, m.method FROM"
            " (SELECT body_key, body FROM reports WHERE id IN (SELECT MAX(id) FROM reports"
            "   WHERE body_key IS NOT NULL GROUP BY body_key)) b"
            " LEFT JOIN roster_matches m ON m.body_key=b.body_key LEFT JOIN roster ro ON ro.id=m.roster_id"
            " ORDER BY b.body_key")

    def missing_reports(self, year: int) -> pd.DataFrame:
        """Roster bodies with no stored report for ``year`` (same columns as :meth:`roster`)."""
        return self._frame(
            "SELECT id, body, body_key, city, county, township, department, region_path FROM roster"
            " WHERE id NOT IN (SELECT m.roster_id FROM reports r JOIN roster_matches m ON m.body_key=r.body_key"
            "   WHERE r.year=? AND m.roster_id IS NOT NULL) ORDER BY region_path, body", (int(year),))

    # -- export helpers --------------------------------------------------------

    def table(self, name: str) -> pd.DataFrame:
        """A raw table for export: one of decisions, corrections, roster, roster_matches."""
        if name not in ("decisions", "corrections", "roster", "roster_matches"):
            raise ValueError(f"unknown table {name!r}")
        return self._frame(f"SELECT * FROM {name}")


# ---------------------------------------------------------------------------
# Parsing many files (used by re-parse here and by parsing.batch)
# ---------------------------------------------------------------------------

def parse_job(data: bytes, name: str, parse_fn: Optional[ParseFn]) -> tuple[Optional[ParsedReport], Optional[str]]:
    """Parse one file's bytes (runs in a worker). Returns (report, None) or (None, Chinese reason)."""
    try:
        if parse_fn is None:
            from . import parse_bytes as parse_fn  # noqa: N813
        return parse_fn(data, name), None
    except ReportError as exc:
        return None, exc.message
    except Exception as exc:  # a parser bug: report it for this file, go on with the others
        return None, f"解析程序出错：{type(exc).__name__}: {exc}"


def pool_context():
    """The multiprocessing context for parse workers: forkserver, so workers inherit no open SQLite connection
    and no threads of the parent (spawn where forkserver does not exist)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _load(sha: str, name: str, load: Callable[[], bytes]) -> tuple[Optional[bytes], Optional[str]]:
    try:
        data = load()
    except OSError as exc:
        return None, f"无法打开文件：{exc.strerror or exc}"
    if data is None:
        return None, "原文件未保存。"
    if sha and hashlib.sha256(data).hexdigest() != sha:
        return None, "文件在处理过程中被修改，请重新导入。"
    return data, None


def parse_many(jobs: Iterable[tuple[str, str, Callable[[], bytes]]], parse_fn: Optional[ParseFn], workers: int):
    """Parse many files, yielding ``(sha256, name, report, reason, data)`` as each finishes.

    ``jobs`` are ``(sha256, name, load)`` where ``load()`` returns the file's bytes (checked against sha256).
    With ``workers`` > 1 parsing runs in that many processes with only a few files in flight, so memory stays
    bounded; ``parse_fn`` must then be picklable. ``report`` is None and ``reason`` a Chinese message when the
    file could not be loaded or the parser raised; a report whose ``error`` is set is yielded as is.
    """
    if parse_fn is None:  # the real parser: in worker processes with the per-file time and memory limits
        yield from _parse_many_limited(jobs, max(1, workers))
        return
    if workers <= 1:
        for sha, name, load in jobs:
            data, reason = _load(sha, name, load)
            if data is None:
                yield sha, name, None, reason, None
            else:
                yield (sha, name, *parse_job(data, name, parse_fn), data)
        return
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    crashed = "解析进程意外退出（某个文件可能导致解析程序崩溃），未处理。"
    jobs = iter(jobs)
    with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as ex:
        pending: dict = {}
        while True:
            while len(pending) < workers * 3:
                job = next(jobs, None)
                if job is None:
                    break
                sha, name, load = job
                data, reason = _load(sha, name, load)
                if data is None:
                    yield sha, name, None, reason, None
                    continue
                try:
                    pending[ex.submit(parse_job, data, name, parse_fn)] = (sha, name, data)
                except BrokenProcessPool:
                    yield sha, name, None, crashed, None
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                sha, name, data = pending.pop(fut)
                try:
                    report, reason = fut.result()
                except BrokenProcessPool:
                    report, reason = None, crashed
                except Exception as exc:  # e.g. a result that cannot be unpickled
                    report, reason = None, f"解析程序出错：{type(exc).__name__}: {exc}"
                yield sha, name, report, reason, data


def _parse_many_limited(jobs: Iterable[tuple[str, str, Callable[[], bytes]]], workers: int):
    """:func:`parse_many` with :func:`parsing.limits.parse_many_with_timeout`: a file that runs out of time or
    memory gets its message and the batch goes on. Files are loaded a few per worker at a time."""
    import itertools

    from .limits import parse_many_with_timeout

    jobs = iter(jobs)
    while True:
        chunk = []
        for sha, name, load in itertools.islice(jobs, workers * 4):
            data, reason = _load(sha, name, load)
            if data is None:
                yield sha, name, None, reason, None
            else:
                chunk.append((sha, name, data))
        if not chunk:
            return
        for k, report in parse_many_with_timeout([(data, name) for _, name, data in chunk], workers=workers):
            sha, name, data = chunk[k]
            yield sha, name, report, None, data


# ---------------------------------------------------------------------------
# Helpers that need no database
# ---------------------------------------------------------------------------

def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


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


_ROSTER_HEADERS = {
    "body": ("单位名称", "单位", "机关名称", "机关", "主体名称", "报告主体", "名称", "body", "name"),
    "city": ("市", "地市", "市州", "设区市", "city"),
    "county": ("县区", "县(区)", "区县", "县/区", "县(市、区)", "县市区", "county"),
    "township": ("乡镇街道", "乡镇(街道)", "乡镇/街道", "乡镇", "街道", "township"),
    "department": ("部门", "department"),
    "path": ("区划", "地区", "区域", "层级", "region", "region_path", "path"),
}


def _read_roster(source: str | os.PathLike | pd.DataFrame | bytes, name: str = "名册.csv") -> pd.DataFrame:
    import io

    if isinstance(source, pd.DataFrame):
        return source
    p = Path(name) if isinstance(source, (bytes, bytearray)) else Path(source)
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            return pd.read_excel(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else p, dtype=str)
        raw = bytes(source) if isinstance(source, (bytes, bytearray)) else p.read_bytes()
    except OSError as exc:
        raise ReportError(f"无法打开名册文件“{p.name}”：{exc.strerror or exc}", details=str(exc)) from exc
    except Exception as exc:
        raise ReportError(f"名册文件“{p.name}”无法读取，请检查是否为有效的 Excel 文件。", details=str(exc)) from exc
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReportError(f"名册文件“{p.name}”的编码无法识别，请另存为 UTF-8 编码的 CSV。")
    if not text.strip():
        raise ReportError(f"名册文件“{p.name}”是空的。")

    def parse(sep: Optional[str]) -> pd.DataFrame:
        # header=None: a row longer than the header is an error (with a header row pandas would silently take
        # the extra cells as the index and shift every name into the wrong column)
        raw = pd.read_csv(io.StringIO(text), dtype=str, sep=sep, engine="python", header=None)
        df = raw.iloc[1:].reset_index(drop=True)
        df.columns = ["" if pd.isna(c) else str(c) for c in raw.iloc[0]]
        return df

    try:
        try:
            return parse(None)
        except csv.Error:  # a single column has no delimiter to sniff
            return parse(",")
    except (csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f"第 {line.group(1)} 行的列数与表头不一致或引号不成对" if line else "列数与表头不一致或引号不成对"
        raise ReportError(f"名册文件“{p.name}”无法解析：{where}。请检查文件（每行用逗号分隔、列数与表头相同），"
                          "或另存为 Excel 文件后再导入。", details=str(exc)) from exc


def _roster_rows(df: pd.DataFrame) -> list[tuple]:
    normed = {norm(str(c)).lower(): c for c in df.columns}
    found = {}
    for field, names in _ROSTER_HEADERS.items():
        for name in names:
            if norm(name).lower() in normed:
                found[field] = normed[norm(name).lower()]
                break
    if "body" not in found:
        raise ReportError("名册中找不到单位名称列。请使用表头“单位名称”，并按需加上“市”“县区”“乡镇街道”或“部门”列。",
                          details=f"columns={list(df.columns)}")
    rows = []
    for rec in df.to_dict("records"):
        body = _text(rec.get(found["body"]))
        body = body.strip() if body else body
        key = body_key(body)
        if not key:
            continue
        levels = {f: (_text(rec.get(found[f])) or "").strip() or None
                  for f in ("city", "county", "township", "department") if f in found}
        if "path" in found and not any(levels.values()):
            parts = [s.strip() for s in re.split(r"[/／>＞]", _text(rec.get(found["path"])) or "") if s.strip()]
            for f, part in zip(("city", "county", "township"), parts):
                levels[f] = part
        path = "/".join(x for x in (levels.get("city"), levels.get("county"), levels.get("township"),
                                     levels.get("department")) if x)
        rows.append((body, key, levels.get("city"), levels.get("county"), levels.get("township"),
                     levels.get("department"), path))
    return rows


def _place_stem(name: Optional[str]) -> str:
    """A place name without its level suffix, for matching (``桃江县`` -> ``桃江``)."""
    if not name:
        return ""
    s = norm(name).replace("人民政府", "")
    return re.sub(r"(自治县|自治州|新区|地区|市|县|区|镇|乡|街道|盟|旗)$", "", s) or s


def match_roster(key: str, region: Optional[str], roster: list[tuple]) -> tuple[Optional[int], Optional[str]]:
    """Match a report's body_key to a roster entry.

    ``roster`` rows are ``(id, body_key, city, county, township, department)``. An exact key wins when it is
    unique; otherwise a roster key contained in the report key (or the reverse, e.g. a report that omits its
    county), narrowed by the place names of the roster entry appearing in the report's key or region. Returns
    ``(roster_id, method)`` with method "exact" or "contains", or ``(None, None)`` when no unique match exists.
    """
    exact = [r for r in roster if r[1] == key]
    if len(exact) == 1:
        return exact[0][0], "exact"
    candidates = exact or [r for r in roster if len(r[1]) >= 2 and (r[1] in key or key in r[1])]
    if not candidates:
        return None, None
    if len(candidates) > 1:
        context = key + norm(region or "")
        scored = []
        for r in candidates:
            places = [_place_stem(p) for p in (r[2], r[3]) if p]
            score = sum(1 for p in places if p and p in context)
            scored.append((score, len(r[1]), r))
        scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
        if len(scored) > 1 and scored[0][:2] == scored[1][:2]:
            return None, None
        return scored[0][2][0], "exact" if exact else "contains"
    return candidates[0][0], "contains"
