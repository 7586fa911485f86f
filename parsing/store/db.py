"""The SQLite file: where it lives, who may read it, connections, transactions and migrations.

Nothing to install or start: stdlib :mod:`sqlite3` in WAL mode, so the dashboard and a command-line import can use
the same file at the same time. The path comes from the ``GOVREPORT_DB`` environment variable (``--db`` on the
command line), or defaults to ``data/reports.sqlite3`` under the repository.

The file holds every report and the original files kept for a re-parse, so it is private: folders the store creates
are 0700, the database file and its WAL and shared-memory files 0600 (SQLite gives its journals the mode of the
database file). A path that is a folder, or that cannot be created or written, is a :class:`ReportError` with a
Chinese message, never a raw ``sqlite3`` error.

The schema version is ``PRAGMA user_version`` (:data:`SCHEMA_VERSION`); each step of :data:`MIGRATIONS` takes a
store from version N to N+1 inside the opening transaction. ``meta.schema_version`` mirrors it, so that an older
program (which read only that) refuses a newer store instead of damaging it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Union

import pandas as pd

from ..clock import now_iso
from ..model import ReportError

SCHEMA_VERSION = 11
ENV_VAR = "GOVREPORT_DB"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "reports.sqlite3"
FILE_MODE = 0o600
DIR_MODE = 0o700

MSG_IS_DIR = ("报告库路径“{path}”是一个文件夹，不是数据库文件。请指定一个文件，例如“{example}”"
              "（命令行用 --db，仪表盘用环境变量 GOVREPORT_DB）。")
MSG_UNWRITABLE = ("无法在“{path}”创建或写入报告库（{reason}）。请指定一个可以写入的文件路径"
                  "（命令行用 --db，仪表盘用环境变量 GOVREPORT_DB）。")
MSG_LOCKED = "报告库“{path}”正被其他程序长时间占用，请稍后再试。"
MSG_NOT_A_STORE = "文件“{path}”不是有效的报告库（SQLite 数据库），请检查 GOVREPORT_DB 或 --db 设置的路径。"
MSG_NEWER = ("数据库“{path}”由更新版本的程序创建（结构版本 {version}），本程序只支持到版本 {supported}，"
             "请升级程序后再打开。")

# Per report, what the dashboard's summaries of a province count (kept by triggers in every write transaction, so
# no write path has to remember it): rule findings by severity without those the reviewer dismissed (the badge),
# findings without a decision, every rule finding, and the sections found (s1 … s6, as section_flags gives them).
# A finding's decision is looked up when the finding is written; a decision's change recounts its report.
_FINDING_DECISION = ("(SELECT d.status FROM decisions d JOIN reports r ON r.sha256=d.sha256"
                     " WHERE r.id={row}.report_id AND d.finding_key={row}.finding_key)")


def _finding_delta(row: str, sign: str) -> str:
    dec = _FINDING_DECISION.format(row=row)
    parts = [f"n_findings=n_findings{sign}1"]
    for sev in ("error", "warning", "info"):
        parts.append(f"{sev}={sev}{sign}({row}.severity='{sev}' AND {dec} IS NOT 'dismissed')")
    parts.append(f"n_open=n_open{sign}({dec} IS NULL)")
    return (f"UPDATE report_summary SET {', '.join(parts)} WHERE report_id={row}.report_id")


_RECOUNT = ("UPDATE report_summary SET (n_findings, error, warning, info, n_open) = (SELECT COUNT(*),"
            " COALESCE(SUM(f.severity='error' AND d.status IS NOT 'dismissed'), 0),"
            " COALESCE(SUM(f.severity='warning' AND d.status IS NOT 'dismissed'), 0),"
            " COALESCE(SUM(f.severity='info' AND d.status IS NOT 'dismissed'), 0),"
            " COALESCE(SUM(d.status IS NULL), 0)"
            " FROM findings f JOIN reports r ON r.id=f.report_id"
            " LEFT JOIN decisions d ON d.sha256=r.sha256 AND d.finding_key=f.finding_key"
            " WHERE f.report_id=report_summary.report_id AND f.kind='finding')"
            " WHERE report_id IN ({ids})")
_OF_SHA = "SELECT id FROM reports WHERE sha256={row}.sha256"
_SECTION_SET = ("UPDATE report_summary SET " + ", ".join(
    f"s{n}=CASE WHEN {{row}}.number={n} THEN {{value}} ELSE s{n} END" for n in range(1, 7))
    + " WHERE report_id={row}.report_id")
_SUMMARY_ROW = "INSERT OR IGNORE INTO report_summary(report_id) VALUES ({row}.report_id)"

_SUMMARY_SQL = f"""
CREATE TABLE IF NOT EXISTS report_summary (
    report_id  INTEGER PRIMARY KEY,
    n_findings INTEGER NOT NULL DEFAULT 0,
    error      INTEGER NOT NULL DEFAULT 0,
    warning    INTEGER NOT NULL DEFAULT 0,
    info       INTEGER NOT NULL DEFAULT 0,
    n_open     INTEGER NOT NULL DEFAULT 0,
    s1 INTEGER NOT NULL DEFAULT 0, s2 INTEGER NOT NULL DEFAULT 0, s3 INTEGER NOT NULL DEFAULT 0,
    s4 INTEGER NOT NULL DEFAULT 0, s5 INTEGER NOT NULL DEFAULT 0, s6 INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER IF NOT EXISTS summary_report_in AFTER INSERT ON reports BEGIN
    INSERT OR IGNORE INTO report_summary(report_id) VALUES (NEW.id);
END;
CREATE TRIGGER IF NOT EXISTS summary_report_out AFTER DELETE ON reports BEGIN
    DELETE FROM report_summary WHERE report_id=OLD.id;
END;
CREATE TRIGGER IF NOT EXISTS summary_finding_in AFTER INSERT ON findings WHEN NEW.kind='finding' BEGIN
    {_SUMMARY_ROW.format(row="NEW")};
    {_finding_delta("NEW", "+")};
END;
CREATE TRIGGER IF NOT EXISTS summary_finding_out AFTER DELETE ON findings WHEN OLD.kind='finding' BEGIN
    {_finding_delta("OLD", "-")};
END;
CREATE TRIGGER IF NOT EXISTS summary_finding_change AFTER UPDATE ON findings BEGIN
    {_SUMMARY_ROW.format(row="NEW")};
    {_RECOUNT.format(ids="OLD.report_id, NEW.report_id")};
END;
CREATE TRIGGER IF NOT EXISTS summary_decision_in AFTER INSERT ON decisions BEGIN
    {_RECOUNT.format(ids=_OF_SHA.format(row="NEW"))};
END;
CREATE TRIGGER IF NOT EXISTS summary_decision_out AFTER DELETE ON decisions BEGIN
    {_RECOUNT.format(ids=_OF_SHA.format(row="OLD"))};
END;
CREATE TRIGGER IF NOT EXISTS summary_decision_change AFTER UPDATE ON decisions BEGIN
    {_RECOUNT.format(ids=_OF_SHA.format(row="OLD"))};
    {_RECOUNT.format(ids=_OF_SHA.format(row="NEW"))};
END;
CREATE TRIGGER IF NOT EXISTS summary_section_in AFTER INSERT ON sections BEGIN
    {_SUMMARY_ROW.format(row="NEW")};
    {_SECTION_SET.format(row="NEW", value="NEW.found")};
END;
CREATE TRIGGER IF NOT EXISTS summary_section_out AFTER DELETE ON sections BEGIN
    {_SECTION_SET.format(row="OLD", value="0")};
END;
CREATE TRIGGER IF NOT EXISTS summary_section_change AFTER UPDATE ON sections BEGIN
    {_SECTION_SET.format(row="OLD", value="0")};
    {_SUMMARY_ROW.format(row="NEW")};
    {_SECTION_SET.format(row="NEW", value="NEW.found")};
END;
"""


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
    is_current     INTEGER NOT NULL DEFAULT 1,
    cells_read     INTEGER NOT NULL DEFAULT 0,
    current_reason TEXT
);
CREATE INDEX IF NOT EXISTS reports_body_year ON reports(body_key, year);
CREATE INDEX IF NOT EXISTS reports_year ON reports(year);
CREATE INDEX IF NOT EXISTS reports_listing ON reports(is_current, id, sha256, file_name, body, body_key, region, year,
    year_source, template, title, format, page_count, ocr, parser_version, added_at, parsed_at, error, pinned,
    cells_read, current_reason, extra);

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
CREATE INDEX IF NOT EXISTS cell_values_cell ON cell_values(cell_id, report_id, status, value);

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
CREATE INDEX IF NOT EXISTS findings_counts ON findings(kind, report_id, severity, finding_key);
CREATE INDEX IF NOT EXISTS findings_workbench ON findings(kind, report_id, rule, severity, finding_key, seq);
CREATE INDEX IF NOT EXISTS sections_found ON sections(report_id, number, found);

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
CREATE TABLE IF NOT EXISTS publication_dates (
    sha256     TEXT PRIMARY KEY,
    published  TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    entered_at TEXT NOT NULL,
    reviewer   TEXT
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
    report_url  TEXT,
    UNIQUE (body_key, region_path)
);
CREATE INDEX IF NOT EXISTS roster_key ON roster(body_key);
CREATE TABLE IF NOT EXISTS sources (
    id               INTEGER PRIMARY KEY,
    sha256           TEXT NOT NULL,
    url              TEXT NOT NULL,
    final_url        TEXT NOT NULL,
    via_url          TEXT,
    link_text        TEXT,
    year_asked       INTEGER,
    fetched_at       TEXT NOT NULL,
    published        TEXT,
    published_source TEXT,
    content_type     TEXT,
    content_sha256   TEXT NOT NULL,
    UNIQUE (sha256, final_url, url)
);
CREATE INDEX IF NOT EXISTS sources_sha ON sources(sha256);
CREATE INDEX IF NOT EXISTS sources_url ON sources(url, year_asked);
CREATE TABLE IF NOT EXISTS roster_matches (
    body_key  TEXT PRIMARY KEY,
    roster_id INTEGER REFERENCES roster(id) ON DELETE SET NULL,
    manual    INTEGER NOT NULL DEFAULT 0,
    method    TEXT
);
""" + _SUMMARY_SQL

_VALUES_BY_CELL = _SCHEMA[_SCHEMA.index("CREATE INDEX IF NOT EXISTS cell_values_cell"):
                          _SCHEMA.index("CREATE TABLE IF NOT EXISTS sections")].strip().rstrip(";")
_SUMMARY_INDEXES = _SCHEMA[_SCHEMA.index("CREATE INDEX IF NOT EXISTS findings_counts"):
                           _SCHEMA.index("CREATE TABLE IF NOT EXISTS files")]
_REPORTS_LISTING = _SCHEMA[_SCHEMA.index("CREATE INDEX IF NOT EXISTS reports_listing"):
                           _SCHEMA.index("CREATE TABLE IF NOT EXISTS cells")]


def _migrate_6(c: sqlite3.Connection) -> None:
    """6: the sources of fetched reports, and the roster's annual-report column pages."""
    start = _SCHEMA.index("CREATE TABLE IF NOT EXISTS sources")
    end = _SCHEMA.index("CREATE TABLE IF NOT EXISTS roster_matches")
    for stmt in _split_sql(_SCHEMA[start:end]):
        c.execute(stmt)
    if "report_url" not in {r[1] for r in c.execute("PRAGMA table_info(roster)").fetchall()}:
        c.execute("ALTER TABLE roster ADD COLUMN report_url TEXT")


def _migrate_4(c: sqlite3.Connection) -> None:
    """4: how many cells each report read, and why its version is current (the best-source rule)."""
    c.execute("ALTER TABLE reports ADD COLUMN cells_read INTEGER NOT NULL DEFAULT 0")
    c.execute("ALTER TABLE reports ADD COLUMN current_reason TEXT")
    c.execute("UPDATE reports SET cells_read=(SELECT COUNT(*) FROM cell_values v WHERE v.report_id=reports.id"
              " AND v.status='ok')")
    from .reports import recompute_all_current

    recompute_all_current(c)


def fill_summary(c: sqlite3.Connection) -> None:
    """(Re)build ``report_summary`` of every report from its findings, decisions and sections (the long way)."""
    c.execute("DELETE FROM report_summary")
    found = ", ".join(f"COALESCE((SELECT s.found FROM sections s WHERE s.report_id=r.id AND s.number={n}), 0)"
                      for n in range(1, 7))
    c.execute(f"INSERT INTO report_summary(report_id, s1, s2, s3, s4, s5, s6) SELECT r.id, {found} FROM reports r")
    c.execute(_RECOUNT.format(ids="SELECT id FROM reports"))


def _migrate_11(c: sqlite3.Connection) -> None:
    """11: the per-report summary table and the triggers that keep it, filled from what the store holds."""
    for stmt in _split_sql(_SUMMARY_SQL):
        c.execute(stmt)
    fill_summary(c)


# Migrations from version N to N+1: an SQL script or a function of the open connection.
MIGRATIONS: dict[int, Union[str, Callable[[sqlite3.Connection], None]]] = {
    # 2: fields of ParsedReport / SectionText that have no column of their own (e.g. SectionText.in_order)
    1: "ALTER TABLE reports ADD COLUMN extra TEXT; ALTER TABLE sections ADD COLUMN extra TEXT",
    # 3: where a cell sits on its PDF page, "x0,top,x1,bottom" in points
    2: "ALTER TABLE cell_values ADD COLUMN bbox TEXT",
    3: _migrate_4,
    # 5: who made a decision or a correction (the reviewer's account; NULL before accounts, or without them)
    4: "ALTER TABLE decisions ADD COLUMN reviewer TEXT; ALTER TABLE corrections ADD COLUMN reviewer TEXT",
    # 6: where fetched reports came from (one report may have several sources: its page and its attachment),
    #    and each roster body's annual-report column page (年报栏目)
    5: _migrate_6,
    # 7: the publication date a reviewer entered for a report (it overrides the date the file shows)
    6: "CREATE TABLE IF NOT EXISTS publication_dates (sha256 TEXT PRIMARY KEY, published TEXT NOT NULL,"
       " note TEXT NOT NULL DEFAULT '', entered_at TEXT NOT NULL, reviewer TEXT)",
    # 8: a covering index of every report's metadata (current ones first), so that listing a province's
    #    30,000 reports does not walk past each report's running text (stored in the same row)
    7: _REPORTS_LISTING,
    # 9: covering indexes of what the dashboard's summaries read (finding counts by severity and decision,
    #    sections found, a trend's sums of cells: the index by cell carries status and value), so that a
    #    province's summaries do not walk past each finding's message, each section's text or each cell's row
    8: "DROP INDEX IF EXISTS cell_values_cell; " + _VALUES_BY_CELL + "; " + _SUMMARY_INDEXES,
    # 10: a covering index of what the review workbench filters, counts and orders a province's findings by
    #     (rule, severity, the decision's key, the finding's place in its report), read without the messages
    9: "CREATE INDEX IF NOT EXISTS findings_workbench ON findings(kind, report_id, rule, severity, finding_key, seq)",
    # 11: per report, the finding counts and sections found the dashboard's summaries read (report_summary), kept
    #     by triggers on every write, filled here the long way
    10: _migrate_11,
}


def default_path() -> Path:
    """Where the store lives: ``$GOVREPORT_DB`` if set, else ``data/reports.sqlite3`` under the repository."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else DEFAULT_PATH


def _make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parents with mode 0700 (folders that exist are left as they are)."""
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=DIR_MODE)
        os.chmod(d, DIR_MODE)  # mkdir's mode is filtered by the umask


def _private_file(path: Path) -> None:
    """Create the database file 0600 if missing; tighten an existing one (and its journals) that we own."""
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
        os.close(fd)
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            os.chmod(p, FILE_MODE)


def prepare_path(path: Path) -> None:
    """Make sure ``path`` can hold a store: not a folder, its folder created (0700), the file created (0600).
    Raises :class:`ReportError` with a Chinese message otherwise."""
    if path.is_dir():
        raise ReportError(MSG_IS_DIR.format(path=path, example=path / "reports.sqlite3"), details="is a directory")
    try:
        _make_private_dirs(path.parent)
        _private_file(path)
    except OSError as exc:
        raise ReportError(MSG_UNWRITABLE.format(path=path, reason=_os_reason(exc)), details=repr(exc)) from exc


def _os_reason(exc: OSError) -> str:
    import errno

    words = {errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.EROFS: "文件系统只读",
             errno.ENOTDIR: "路径中的某一级不是文件夹", errno.ENOSPC: "磁盘空间不足", errno.EISDIR: "这是一个文件夹",
             errno.ENOENT: "路径不存在"}
    return words.get(exc.errno, exc.strerror or type(exc).__name__)


def _missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, float) and math.isnan(x)) or (hasattr(x, "dtype") and bool(pd.isna(x)))
    except (TypeError, ValueError):
        return False


def _sql(x: Any) -> Any:
    """A Python value sqlite3 can bind: NaN/NA to NULL, numpy scalars to int/float/bool, else str."""
    t = type(x)
    if x is None or t is str or t is int:  # the usual cases first (a store writes ~700 of these per report)
        return x
    if t is float:
        return None if x != x else x
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
    return [None if m else conv(x) for x, m in zip(series.tolist(), missing)]


def _with_extra(kwargs: dict, extra: Optional[str], cls: type) -> dict:
    if extra:
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs.update({k: v for k, v in json.loads(extra).items() if k in names})
    return kwargs


def _now() -> str:
    """This moment as the store writes it: Beijing time with its offset (:func:`parsing.clock.now_iso`)."""
    return now_iso()


def _as_list(x: Any) -> Optional[list]:
    if x is None:
        return None
    if isinstance(x, (list, tuple, set, frozenset, pd.Series, pd.Index)):
        return list(x)
    return [x]


def _in(column: str, values: list, params: list) -> str:
    params.extend(values)
    return f"{column} IN ({','.join('?' * len(values))})"


def _split_sql(script: str) -> list[str]:
    """The statements of ``script`` (a trigger's body, between BEGIN and END, stays in its statement)."""
    out, part = [], ""
    for piece in script.split(";"):
        part = f"{part};{piece}" if part else piece
        if sqlite3.complete_statement(part + ";"):
            if part.strip():
                out.append(part.strip())
            part = ""
    if part.strip():
        out.append(part.strip())
    return out


class Database:
    """One SQLite connection with a lock, transactions and the schema (the base of :class:`parsing.store.Store`).

    ``Database(path=None)`` opens (and creates, with private parent folders) the database at ``path``, or at
    :func:`default_path`. One object may be shared by threads (a lock serialises its calls); other processes may
    open the same file at the same time (WAL mode, 30 s busy timeout).
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path).expanduser() if path is not None else default_path()
        prepare_path(self.path)
        self._lock = threading.RLock()
        self._depth = 0
        self._cell_ids: dict[tuple[str, str, str], int] = {}
        self._roster_cache: Optional[tuple] = None
        try:
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ReportError(MSG_UNWRITABLE.format(path=self.path, reason=str(exc)), details=repr(exc)) from exc
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._init_schema()
            _private_file(self.path)  # the WAL and shared-memory files exist now
        except (sqlite3.DatabaseError, OSError) as exc:
            self._conn.close()
            raise _store_error(self.path, exc) from exc
        except BaseException:
            self._conn.close()
            raise

    # -- plumbing ------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self):
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any exception), yielding the connection.

        Transactions nest: an inner one joins the outer, so several writes (a report, its findings, its
        neighbour's re-checked findings) commit together or not at all.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._conn
            except BaseException:
                self._depth = 0
                self._conn.execute("ROLLBACK")
                self._cell_ids.clear()  # ids inserted in the rolled-back transaction are gone
                self._roster_cache = None
                raise
            else:
                self._depth = 0
                # every committed write bumps the store's generation: views cached across sessions key on it
                self._conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('generation', '0')")
                self._conn.execute("UPDATE meta SET value=CAST(value AS INTEGER)+1 WHERE key='generation'")
                self._conn.execute("COMMIT")

    _tx = transaction

    def _query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def _frame(self, sql: str, params: Iterable = ()) -> pd.DataFrame:
        with self._lock:
            cur = self._conn.execute(sql, tuple(params))
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
        return pd.DataFrame.from_records(rows, columns=cols)

    def _frame_chunked(self, sql: str, ids: list, size: int = 20000) -> pd.DataFrame:
        """A query with ``IN ({})`` run over chunks of ``ids`` (SQLite limits bound parameters)."""
        parts = [self._frame(sql.format(",".join("?" * len(chunk))), chunk)
                 for chunk in (ids[i:i + size] for i in range(0, len(ids), size))]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def _init_schema(self) -> None:
        with self.transaction() as c:
            version = c.execute("PRAGMA user_version").fetchone()[0]
            legacy = None
            if c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone():
                row = c.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                legacy = int(row[0]) if row else None
            newest = max(version, legacy or 0)
            version = version or legacy or 0  # stores made before user_version was used keep it in meta only
            if newest > SCHEMA_VERSION:
                raise ReportError(MSG_NEWER.format(path=self.path, version=newest, supported=SCHEMA_VERSION),
                                  details=f"schema version {newest} > {SCHEMA_VERSION}")
            if version == 0:
                # statement by statement: executescript() would COMMIT the open transaction
                for stmt in _split_sql(_SCHEMA):
                    c.execute(stmt)
                c.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('created_at', ?)", (_now(),))
                self._set_version(c, SCHEMA_VERSION)
                return
            while version < SCHEMA_VERSION:
                step = MIGRATIONS[version]
                if callable(step):
                    step(c)
                else:
                    for stmt in _split_sql(step):
                        c.execute(stmt)
                version += 1
            self._set_version(c, version)

    @staticmethod
    def _set_version(c: sqlite3.Connection, version: int) -> None:
        c.execute(f"PRAGMA user_version={int(version)}")
        c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(version),))

    def generation(self) -> int:
        """A number that changes with every committed write to the store, by this process or any other (views
        built from the store may be cached on it)."""
        row = self._query("SELECT value FROM meta WHERE key='generation'")
        return int(row[0][0]) if row else 0

    def created_at(self) -> Optional[str]:
        """When this store file was made (Beijing time): with :meth:`generation` it tells a recreated store at
        the same path from the old one."""
        row = self._query("SELECT value FROM meta WHERE key='created_at'")
        return row[0][0] if row else None

    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version")[0][0])


def _store_error(path: Path, exc: BaseException) -> ReportError:
    text = str(exc)
    if isinstance(exc, ReportError):
        return exc
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return ReportError(MSG_LOCKED.format(path=path), details=text)
    if isinstance(exc, OSError) or (isinstance(exc, sqlite3.OperationalError) and any(
            w in text for w in ("readonly", "unable to open", "disk I/O", "read-only"))):
        reason = _os_reason(exc) if isinstance(exc, OSError) else text
        return ReportError(MSG_UNWRITABLE.format(path=path, reason=reason), details=text)
    return ReportError(MSG_NOT_A_STORE.format(path=path), details=text)
