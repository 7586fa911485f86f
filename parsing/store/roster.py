"""The roster of bodies that must report, and the matching of report bodies to it."""
from __future__ import annotations

import csv
import os
import re
import sqlite3
from pathlib import Path
from typing import Optional

import pandas as pd

from ..forms import norm
from ..model import ReportError
from .db import _text
from .reports import body_key

_ROSTER_HEADERS = {
    "body": ("单位名称", "单位", "机关名称", "机关", "主体名称", "报告主体", "名称", "body", "name"),
    "city": ("市", "地市", "市州", "设区市", "city"),
    "county": ("县区", "县(区)", "区县", "县/区", "县(市、区)", "县市区", "county"),
    "township": ("乡镇街道", "乡镇(街道)", "乡镇/街道", "乡镇", "街道", "township"),
    "department": ("部门", "department"),
    "path": ("区划", "地区", "区域", "层级", "region", "region_path", "path"),
    # the body's annual-report column page on its website, where ``python -m parsing fetch --roster`` looks
    "report_url": ("年报栏目", "年报栏目网址", "年报栏目地址", "年度报告栏目", "年报网址", "年报地址", "栏目网址", "网址",
                   "report_url", "url"),
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
        url = (_text(rec.get(found["report_url"])) or "").strip() or None if "report_url" in found else None
        rows.append((body, key, levels.get("city"), levels.get("county"), levels.get("township"),
                     levels.get("department"), path, url))
    return rows


_GOVERNMENT_SUFFIX = re.compile(r"(?:(?<=[镇乡])|(?<=苏木))人民政府$")
_SUBDISTRICT_SUFFIX = re.compile(r"(?<=街道)办事处$")


def display_name(body: Optional[str], roster_body: Optional[str] = None) -> str:
    """The one name a body is shown by: the roster's name when the body is matched to the roster, else the name
    as printed without the trailing 人民政府 of a township or 办事处 of a 街道 (``官坡镇人民政府`` -> ``官坡镇``,
    ``城关街道办事处`` -> ``城关街道``), so that reports naming themselves both ways read the same. The printed name
    is still the report's ``body`` (shown in the report's own view). '' when there is no name."""
    for name in (roster_body, body):
        if name is None or (isinstance(name, float) and name != name):
            continue
        text = str(name).strip()
        if not text:
            continue
        if name is roster_body:
            return text
        return _SUBDISTRICT_SUFFIX.sub("", _GOVERNMENT_SUFFIX.sub("", text))
    return ""


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


class RosterMixin:
    """The roster and its matches (mixed into :class:`parsing.store.Store`)."""

    def import_roster(self, source: str | os.PathLike | pd.DataFrame | bytes, replace: bool = True,
                      name: str = "名册.csv") -> int:
        """Import the list of bodies that must report, from a CSV/Excel file, its bytes (an upload; ``name``
        gives the extension) or a DataFrame.

        Accepted headers (any of each group): body ``单位名称``/``单位``/``机关名称``/``名称``/``body``; region levels
        ``市``, ``县区``, ``乡镇街道``, ``部门`` (and variants such as ``县（区）``, ``乡镇（街道）``), or one
        ``区划``/``地区``/``region`` column holding the path joined with ``/``; optionally ``年报栏目`` (or
        ``年报栏目网址``, ``网址``, ``url``): the body's annual-report column page, for fetching. With ``replace`` the old roster is
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
                          " region_path, report_url) VALUES (?,?,?,?,?,?,?,?)", rows)
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

    def remove_roster_entries(self, ids) -> int:
        """Take these roster rows out (matches to them go; the bodies are matched again automatically). The rest
        of the roster stays. Returns how many rows were removed."""
        ids = [(int(i),) for i in ids]
        with self._tx() as c:
            c.executemany("DELETE FROM roster_matches WHERE roster_id=?", ids)
            n = sum(c.execute("DELETE FROM roster WHERE id=?", i).rowcount for i in ids)
            c.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('roster_version', '0')")
            c.execute("UPDATE meta SET value=CAST(value AS INTEGER)+1 WHERE key='roster_version'")
            c.execute("DELETE FROM roster_matches WHERE manual=0")
            for key, region in c.execute("SELECT body_key, MAX(region) FROM reports WHERE body_key IS NOT NULL"
                                         " GROUP BY body_key").fetchall():
                self._auto_match(c, key, region)
        return n

    def roster(self) -> pd.DataFrame:
        """The roster: id, body, body_key, city, county, township, department, region_path."""
        return self._frame("SELECT id, body, body_key, city, county, township, department, region_path FROM roster"
                           " ORDER BY region_path, body")

    def roster_report_urls(self) -> pd.DataFrame:
        """Roster bodies with an annual-report column page (``年报栏目``): id, body, region_path, report_url."""
        return self._frame("SELECT id, body, region_path, report_url FROM roster WHERE report_url IS NOT NULL"
                           " AND report_url<>'' ORDER BY region_path, body")

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
