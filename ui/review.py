"""The reviewer's own work: on one report, choosing a finding to decide and picking a cell to correct; across a
county, every finding in one table to filter, search and decide in bulk.

Plain pandas, no Streamlit.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from parsing import clock, forms, rules

from . import core, storeview, tables
from .labels import each_distinct, short_files


def finding_choice_label(row: dict) -> str:
    """One finding in a selectbox: 级别 · 规则 · 位置 · 问题 · 处理."""
    sev = core.SEVERITY_ZH.get(row.get("severity"), str(row.get("severity")))
    msg = str(row.get("message") or "")
    if len(msg) > 40:
        msg = msg[:40] + "…"
    return (f"{sev} · {rules.rule_name(row.get('rule'))}（{row.get('rule')}） · {core.location_text(row)} · {msg}"
            f"（{storeview.decision_text(row)}）")


def correctable_cells(values: pd.DataFrame) -> pd.DataFrame:
    """The cells of a report a reviewer can correct (every cell the report has), in form order."""
    if values is None or values.empty:
        return pd.DataFrame(columns=["table", "row", "column"])
    order = {t: i for i, t in enumerate(forms.TABLES)}
    v = values[["table", "row", "column"]].drop_duplicates()
    return v.assign(_t=v["table"].map(order)).sort_values("_t", kind="stable").drop(columns="_t").reset_index(
        drop=True)


def cell_display(values: pd.DataFrame, table: str, row: str, column: str) -> str:
    """What the report shows in one cell (the number, or the blank / unreadable marker)."""
    hit = values[(values["table"] == table) & (values["row"] == row) & (values["column"] == column)]
    if hit.empty:
        return tables.CELL_MISSING
    return tables.cell_text(hit.iloc[0].to_dict())


def corrections_display(corr: pd.DataFrame) -> pd.DataFrame:
    """``Store.corrections(sha)`` in reviewer words: where, the parsed value beside the corrected one."""
    cols = ["位置", "原解析值", "更正为", "说明", "更正时间"]
    if "reviewer" in corr.columns and corr["reviewer"].notna().any():
        cols.append("更正人")
    if corr.empty:
        return pd.DataFrame(columns=cols)

    def num(v, raw=None):
        if pd.isna(v):
            return "（空）" if raw in (None, "") or pd.isna(raw) else f"（无法识别：{raw}）"
        return tables.format_number(v)

    return pd.DataFrame({
        "位置": [core.location_text(r) for r in corr.to_dict("records")],
        "原解析值": [num(v, raw) for v, raw in zip(corr["parsed_value"], corr["raw"])],
        "更正为": [num(v) if not pd.isna(v) else "（空）" for v in corr["value"]],
        "说明": corr["note"].fillna(""),
        "更正时间": corr["corrected_at"].fillna("").str.replace("T", " ").str[:19],
        "更正人": corr["reviewer"].fillna("") if "reviewer" in corr.columns else "",
    })[cols]


def correction_marks(corr: pd.DataFrame) -> dict:
    """(table, row, column) -> "corrected" for the form tables."""
    if corr is None or corr.empty:
        return {}
    return {(t, r, c): "corrected" for t, r, c in zip(corr["table"], corr["row"], corr["column"])}


# ---------------------------------------------------------------------------
# A county in one pass: every finding of the working set, filtered, decided in bulk
# ---------------------------------------------------------------------------

STATUS_OPEN, STATUS_CONFIRMED, STATUS_DISMISSED = "未处理", "已确认", "已排除"
STATUSES = [STATUS_OPEN, STATUS_CONFIRMED, STATUS_DISMISSED]
# A mark of its own shape for each status, so the three differ without colour too.
STATUS_MARKS = {STATUS_OPEN: "○ 未处理", STATUS_CONFIRMED: "● 已确认", STATUS_DISMISSED: "✕ 已排除"}
STATUS_CSS = {  # row styles of the findings table: open rows tinted by severity, decided ones by their decision
    STATUS_CONFIRMED: "background-color:#e0e7ff;color:#1e3a8a",
    STATUS_DISMISSED: "background-color:#f3f4f6;color:#9ca3af",
}
SEVERITY_CSS = {"错误": "background-color:#fde2e2", "警告": "background-color:#fff1cc", "提示": ""}
WORKBENCH_COLUMNS = ["处理", "单位", "年度", "地区", "结论", "级别", "规则", "问题", "位置", "应为", "实为",
                     "处理说明", "处理人", "处理时间", "规则编号", "文件", "sha256", "finding_key", "可处理"]
TABLE_COLUMNS = ["处理", "单位", "年度", "级别", "规则", "问题", "位置"]  # the rest is in the detail pane


def status_of(decision) -> str:
    return {"confirmed": STATUS_CONFIRMED, "dismissed": STATUS_DISMISSED}.get(decision, STATUS_OPEN)


def workbench_frame(findings: pd.DataFrame, catalog: pd.DataFrame, badges: Optional[dict] = None) -> pd.DataFrame:
    """Every finding of the working set with its report's identity, one row each (:data:`WORKBENCH_COLUMNS`):
    the body by its display name, year, region (the roster's path when matched, else as printed), the report's
    badge (``badges``: sha256 -> label, e.g. from :func:`ui.views.overview`), the rule by its Chinese name with
    its code beside it, the status (未处理 / 已确认 / 已排除) and the decision's note, reviewer and Beijing time.
    ``可处理``: the finding can be decided (its report is stored and it has a key). Errors first, then by body
    and year."""
    if findings is None or findings.empty or catalog.empty:
        return pd.DataFrame(columns=WORKBENCH_COLUMNS)
    cat = catalog.drop_duplicates("sha256").set_index("sha256")
    f = findings[findings["sha256"].isin(cat.index)].copy()
    if f.empty:
        return pd.DataFrame(columns=WORKBENCH_COLUMNS)
    rows = cat.loc[f["sha256"]]
    name = rows["name"].where(rows["name"].notna() & (rows["name"] != ""), rows["body"]).fillna("")
    region = rows["roster_path"].where(rows["roster_path"].notna() & (rows["roster_path"] != ""), rows["region"])
    decision = f["decision"].tolist() if "decision" in f.columns else [None] * len(f)
    none = pd.Series(None, index=f.index)
    keys = f.get("finding_key", none)
    places = zip(*(f[c].tolist() if c in f.columns else [None] * len(f) for c in ("table", "row", "column", "section")))
    shas = f["sha256"].tolist()
    # per distinct value, column by column: the old path (a session's drops) builds this for every finding at once
    out = pd.DataFrame({
        "处理": each_distinct(pd.Series(decision, dtype=object), lambda d: STATUS_MARKS[status_of(d)]),
        "单位": name.replace("", "（单位未识别）").to_numpy(),
        "年度": pd.to_numeric(rows["year"], errors="coerce").astype("Int64").to_numpy(),
        "地区": region.fillna("").astype(str).to_numpy(),
        "结论": [(badges or {}).get(s, "") for s in shas],
        "级别": each_distinct(f["severity"], lambda s: core.SEVERITY_ZH.get(s, str(s))),
        "规则": each_distinct(f["rule"], rules.rule_name),
        "问题": f["message"].fillna("").astype(str).to_numpy(),
        "位置": each_distinct(places, lambda k: core.location_text(
            {"table": k[0], "row": k[1], "column": k[2], "section": k[3]})),
        "应为": each_distinct(f["expected"], core._num_text),
        "实为": each_distinct(f["actual"], core._num_text),
        "处理说明": f.get("decision_note", none).fillna("").astype(str).to_numpy(),
        "处理人": f.get("decided_by", none).fillna("").astype(str).to_numpy(),
        "处理时间": each_distinct(f.get("decided_at", none), clock.beijing),
        "规则编号": f["rule"].astype(str).to_numpy(),
        "文件": short_files(f["file"]).to_numpy(),
        "sha256": f["sha256"].to_numpy(),
        "finding_key": keys.to_numpy(),
        "可处理": (rows["stored"].fillna(False).astype(bool).to_numpy()
                 & np.array([isinstance(k, str) for k in keys.tolist()], dtype=bool)),
    })
    order = out["级别"].map({"错误": 0, "警告": 1, "提示": 2}).fillna(9)
    out = out.assign(_o=order).sort_values(["_o", "单位", "年度"], kind="stable").drop(columns="_o")
    return out.reset_index(drop=True)[WORKBENCH_COLUMNS]


def filter_options(frame: pd.DataFrame, reports: Optional[pd.DataFrame] = None) -> dict:
    """The values each filter offers, sorted: 单位, 地区 (each region and the levels above it), 年度 and 结论 from
    the reports (``reports``, else the findings), 规则 and 级别 from the findings, 处理 (the statuses)."""
    base = reports if reports is not None and not reports.empty else frame
    years = sorted({int(y) for y in base["年度"].dropna().unique()}, reverse=True) if not base.empty else []
    regions = set()
    for r in set(base["地区"].unique()):
        parts = [p for p in str(r).split("/") if p]
        regions.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    badge_order = (rules.BADGE_ERROR, rules.BADGE_WARN, rules.BADGE_PASS, rules.BADGE_UNREADABLE)
    levels = set(frame["级别"].unique()) if not frame.empty else set()  # unique(): not element by element
    return {
        "单位": sorted(set(base["单位"].unique())), "地区": sorted(regions), "年度": years,
        "结论": [b for b in badge_order if b in set(base["结论"].unique())],
        "规则": sorted(set(frame["规则"].unique())) if not frame.empty else [],
        "级别": [s for s in ("错误", "警告", "提示") if s in levels],
        "处理": STATUSES,
    }


def _rule_mask(frame: pd.DataFrame, rule_names=(), severities=(), statuses=()) -> pd.Series:
    """Rows of a findings frame (or of its SQL counts, :func:`group_frame`) of the chosen rules, levels and
    decisions; all rows where a choice is empty."""
    keep = pd.Series(True, index=frame.index)
    if rule_names:
        keep &= frame["规则"].isin(list(rule_names))
    if severities:
        keep &= frame["级别"].isin(list(severities))
    if statuses:
        keep &= frame["处理"].isin([STATUS_MARKS[s] for s in statuses])
    return keep


def filter_findings(frame: pd.DataFrame, *, bodies=(), regions=(), years=(), badges=(), rule_names=(),
                    severities=(), statuses=(), query: str = "") -> pd.DataFrame:
    """The rows of :func:`workbench_frame` that pass every filter given (an empty filter passes everything).
    A region passes its sub-regions too (``示例市/示例县`` passes ``示例市/示例县/青石镇``). ``query`` is looked
    for, as typed and case-blind, in the body, the problem, the place, the rule (name and code), the file and the
    note."""
    if frame.empty:
        return frame
    keep = pd.Series(True, index=frame.index)
    if bodies:
        keep &= frame["单位"].isin(list(bodies))
    if regions:
        keep &= frame["地区"].map(lambda r: any(r == g or r.startswith(g.rstrip("/") + "/") for g in regions))
    if years:
        keep &= frame["年度"].isin([int(y) for y in years])
    if badges:
        keep &= frame["结论"].isin(list(badges))
    keep &= _rule_mask(frame, rule_names, severities, statuses)
    q = (query or "").strip().casefold()
    if q:
        # the fields joined by spaces, row by row in plain Python: DataFrame.agg(" ".join, axis=1) is very slow
        # under pandas 3 on a province's findings
        parts = [frame[c].astype(str).tolist() for c in ("单位", "问题", "位置", "规则", "规则编号", "文件", "处理说明")]
        keep &= pd.Series([q in " ".join(t).casefold() for t in zip(*parts)], index=frame.index, dtype=bool)
    return frame[keep].reset_index(drop=True)


def row_css(row: pd.Series) -> list[str]:
    """A row's style in the findings table: decided rows by their decision, open ones by severity."""
    status = next((s for s, mark in STATUS_MARKS.items() if mark == row.get("处理")), STATUS_OPEN)
    css = STATUS_CSS.get(status) or SEVERITY_CSS.get(row.get("级别"), "")
    return [css] * len(row)


def table_css(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`row_css` of every row at once (``Styler.apply(table_css, axis=None)``): a page's 1,000 rows."""
    status = frame["处理"].map({mark: s for s, mark in STATUS_MARKS.items()}).fillna(STATUS_OPEN)
    css = status.map(STATUS_CSS).fillna("")
    by_severity = frame["级别"].map(SEVERITY_CSS).fillna("")
    css = css.where(css != "", by_severity)
    return pd.DataFrame({c: css.to_numpy() for c in frame.columns}, index=frame.index)


def decidable(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """``(sha256, finding_key)`` of the rows that can be decided (stored reports' findings with a key)."""
    if frame.empty:
        return []
    hit = frame[frame["可处理"].astype(bool)]
    return list(zip(hit["sha256"], hit["finding_key"]))


def selected_reports(frame: pd.DataFrame) -> list[str]:
    """The reports (sha256) of these rows, in the order they first appear."""
    return list(dict.fromkeys(frame["sha256"])) if not frame.empty else []


REPORT_COLUMNS = ["单位", "年度", "地区", "结论", "文件", "县", "sha256"]


def reports_frame(catalog: pd.DataFrame, badges: Optional[dict] = None) -> pd.DataFrame:
    """One row per report of the working set (:data:`REPORT_COLUMNS`), with the same 单位, 年度, 地区 and 结论 as
    :func:`workbench_frame`, so the report filters select the same reports there and here (a report without
    findings included); 县: the roster's county when matched."""
    if catalog.empty:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    cat = catalog.drop_duplicates("sha256")
    name = cat["name"].where(cat["name"].notna() & (cat["name"] != ""), cat["body"]).fillna("")
    region = cat["roster_path"].where(cat["roster_path"].notna() & (cat["roster_path"] != ""), cat["region"])
    return pd.DataFrame({
        "单位": name.replace("", "（单位未识别）").to_numpy(),
        "年度": pd.to_numeric(cat["year"], errors="coerce").astype("Int64").to_numpy(),
        "地区": region.fillna("").astype(str).to_numpy(),
        "结论": [(badges or {}).get(s, "") for s in cat["sha256"].tolist()],
        "文件": short_files(cat["file"]).to_numpy(),
        "县": cat["roster_county"].fillna("").astype(str).to_numpy(),
        "sha256": cat["sha256"].to_numpy(),
    }).sort_values(["单位", "年度"], kind="stable").reset_index(drop=True)


def filter_reports(frame: pd.DataFrame, *, bodies=(), regions=(), years=(), badges=()) -> pd.DataFrame:
    """:func:`filter_findings` with the report filters only (单位, 地区, 年度, 结论)."""
    return filter_findings(frame, bodies=bodies, regions=regions, years=years, badges=badges)


def opinions_title(reports: pd.DataFrame) -> str:
    """The merged 审查意见's title: the county (when the reports share one) and the year (when they share one)."""
    counties = {c for c in reports["县"] if c} if not reports.empty else set()
    years = {int(y) for y in reports["年度"].dropna()} if not reports.empty else set()
    place = next(iter(counties)) if len(counties) == 1 else ""  # reports not matched to the roster say nothing
    year = f"{next(iter(years))}年度" if len(years) == 1 else ""
    return f"{place}{year}政府信息公开工作年度报告审查意见汇总"


# ---------------------------------------------------------------------------
# The same workbench over the store alone, filtered, counted and paged in SQL (a province's 150,000 findings)
# ---------------------------------------------------------------------------

DECISION_OF_STATUS = {STATUS_OPEN: "open", STATUS_CONFIRMED: "confirmed", STATUS_DISMISSED: "dismissed"}


def group_frame(groups: pd.DataFrame) -> pd.DataFrame:
    """``Store.workbench_groups`` with the workbench's words beside the stored values: 规则 (the rule's name),
    级别 and 处理 as :func:`workbench_frame` shows them."""
    g = groups.copy()
    g["规则"] = each_distinct(g["rule"], rules.rule_name)  # once per distinct value: a province has 30,000 rows here
    g["级别"] = each_distinct(g["severity"], lambda s: core.SEVERITY_ZH.get(s, str(s)))
    g["处理"] = each_distinct(g["decision"], lambda d: STATUS_MARKS[status_of(d)])
    return g


SEARCH_COLUMNS = ["report_id", "seq", "sha256", "rule", "severity", "decision", "text", "rank"]


def search_index(store, reports: pd.DataFrame) -> pd.DataFrame:
    """Every current rule finding of the store's reports ``reports`` (rows of :func:`reports_frame`), one row each
    in the order of :meth:`parsing.store.Store.finding_index` (repeats once): report_id, seq, sha256, rule,
    severity, decision, and ``text``: the body, problem, place, rule (name and code), file and note joined by
    spaces and case-folded, where :func:`filter_findings` looks for a query. Read once per store generation and
    shared: a search is then a substring test over these strings (:class:`StoredSelection`). ``rank``: the
    report's place in ``reports``; the rows are in the listing's order (:meth:`parsing.store.Store.workbench_page`)."""
    shown = set(reports["sha256"].tolist())
    ix = [r for r in store.finding_text_rows(current_only=True) if r[1] in shown]
    if not ix:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SEARCH_COLUMNS})
    who = reports.drop_duplicates("sha256")
    whos = who["sha256"].tolist()
    # each part case-folded once per distinct value (case folding is character by character, so folding the
    # parts and joining them is folding the joined text): only the message and the note are folded per row
    body = {s: str(b).casefold() for s, b in zip(whos, who["单位"].tolist())}
    file = {s: str(f).casefold() for s, f in zip(whos, who["文件"].tolist())}

    def place(k) -> str:
        return core.location_text({"table": k[0], "row": k[1], "column": k[2], "section": k[3]}).casefold()

    def rule_text(r) -> str:
        return f"{rules.rule_name(r)} {r}".casefold()

    def text(v) -> str:  # a missing message or note reads as "" (fillna("") in filter_findings)
        return "" if v is None or (isinstance(v, float) and v != v) else str(v).casefold()

    where = each_distinct(((t, r, c, sec) for _, _, _, _, _, _, _, t, r, c, sec, _ in ix), place)
    named = each_distinct((r[3] for r in ix), rule_text)
    # plain strings joined in Python: DataFrame.agg(" ".join, axis=1) takes a minute over 150,000 rows
    hay = [f"{body[s]} {m.casefold() if type(m) is str else text(m)} {p} {rn} {file[s]} "
           f"{n.casefold() if type(n) is str else text(n)}"
           for (_, s, _, _, _, _, m, _, _, _, _, n), p, rn in zip(ix, where, named)]
    first = {sha: i for i, sha in reversed(list(enumerate(reports["sha256"].tolist())))}
    rank = [first[r[1]] for r in ix]
    sev_rank = each_distinct((r[4] for r in ix), lambda v: _LEVEL_RANK.get(v, 9) if isinstance(v, str) else 9)
    # in the listing's order (levels, then reports as reports_frame lists them, then each report's own)
    order = np.lexsort((np.array([r[2] for r in ix]), np.array(rank), np.array(sev_rank)))
    cols = list(zip(*ix))
    out = pd.DataFrame({
        "report_id": np.array(cols[0])[order], "seq": np.array(cols[2])[order],
        "sha256": pd.Series(np.array(cols[1], dtype=object)[order], dtype="str"),
        "rule": pd.Series(np.array(cols[3], dtype=object)[order]).astype(object).astype("str"),
        "severity": pd.Series(np.array(cols[4], dtype=object)[order]).astype(object).astype("str"),
        "decision": pd.Series(np.array(cols[5], dtype=object)[order], dtype=object),
        "text": pd.Series(np.array(hay, dtype=object)[order], dtype=object),
        "rank": np.array(rank)[order],
    })
    return out


def _in_stored(values: pd.Series, stored: list) -> pd.Series:
    """``values`` among the stored values ``stored`` (None among them matches a missing one), as
    :meth:`parsing.store.Store._workbench_sql` filters."""
    known = [v for v in stored if v is not None]
    hit = values.isin(known)
    return hit | values.isna() if len(known) < len(stored) else hit


_LEVEL_RANK = {"error": 0, "错误": 0, "warning": 1, "警告": 1, "info": 2, "提示": 2}


def _severity_rank(severity: pd.Series) -> pd.Series:
    """The listing's order of levels (:attr:`parsing.store.Store._ORDER`): errors, warnings, notes, the rest."""
    return pd.Series(each_distinct(severity, lambda v: _LEVEL_RANK.get(v, 9) if isinstance(v, str) else 9),
                     index=severity.index, dtype=int)


class StoredSelection:
    """The findings the workbench's filters select among the store's current reports, counted in SQL and read a
    page at a time (:meth:`parsing.store.Store.workbench_page`): the same rows, in the same order, as
    :func:`filter_findings` over :func:`workbench_frame` of every stored finding.

    ``groups``: :meth:`parsing.store.Store.workbench_groups` of every current report (or :func:`group_frame` of
    it). A page is read from the reports it falls in only (found from the counts). A ``query`` is looked for in
    ``search`` (:func:`search_index`, built here when not given), and the findings it finds are counted, listed
    and decided from there."""

    def __init__(self, store, catalog: pd.DataFrame, badges: dict, reports: pd.DataFrame, groups: pd.DataFrame, *,
                 bodies=(), regions=(), years=(), badge_pick=(), rule_names=(), severities=(), statuses=(),
                 query: str = "", search: Optional[pd.DataFrame] = None):
        self.store, self.catalog, self.badges = store, catalog, badges
        chosen = filter_reports(reports, bodies=bodies, regions=regions, years=years, badges=badge_pick)
        self.shas = list(dict.fromkeys(chosen["sha256"].tolist()))  # in the order of reports_frame: the listing's
        g = groups if "处理" in groups.columns else group_frame(groups)
        self.filters: dict = {}
        if rule_names:
            self.filters["rules"] = sorted({r for r, n in zip(g["rule"], g["规则"]) if n in set(rule_names)},
                                           key=lambda r: (r is None, str(r)))
        if severities:
            self.filters["severities"] = sorted({s for s, z in zip(g["severity"], g["级别"]) if z in set(severities)},
                                                key=lambda s: (s is None, str(s)))
        if statuses:
            self.filters["statuses"] = [DECISION_OF_STATUS[s] for s in statuses]
        self.hits: Optional[pd.DataFrame] = None  # with a query: the findings it finds, in the listing's order
        q = (query or "").strip().casefold()
        if q:
            ix = search_index(store, reports) if search is None else search
            hit = ix[[q in t for t in ix["text"].tolist()]] if not ix.empty else ix
            if len(self.shas) < reports["sha256"].nunique():
                hit = hit[hit["sha256"].isin(set(self.shas))]
            if "rules" in self.filters:
                hit = hit[_in_stored(hit["rule"], self.filters["rules"])]
            if "severities" in self.filters:
                hit = hit[_in_stored(hit["severity"], self.filters["severities"])]
            if statuses:
                hit = hit[hit["decision"].map(lambda d: "open" if d is None else d).isin(self.filters["statuses"])]
            self.hits = hit.reset_index(drop=True)  # the index is in the listing's order
            if self.hits.empty:
                g = g.iloc[0:0]
            else:
                g = group_frame(self.hits.groupby(["sha256", "rule", "severity", "decision"], dropna=False,
                                                  sort=False).size().rename("n").reset_index())
                g["decision"] = g["decision"].astype(object).where(g["decision"].notna(), None)
        keep = pd.Series(True, index=g.index) if len(self.shas) == reports["sha256"].nunique() else (
            g["sha256"].isin(self.shas))
        keep &= _rule_mask(g, rule_names, severities, statuses)
        self.groups = g[keep & (g["n"] > 0)]
        self._blocks: Optional[pd.DataFrame] = None

    def __len__(self) -> int:
        return int(self.groups["n"].sum())

    @property
    def empty(self) -> bool:
        return len(self) == 0

    def count(self, status: str) -> int:
        """How many of them have this status (:data:`STATUSES`)."""
        return int(self.groups.loc[self.groups["处理"] == STATUS_MARKS[status], "n"].sum())

    def n_reports(self) -> int:
        return int(self.groups["sha256"].nunique())

    def blocks(self) -> pd.DataFrame:
        """The listing in runs of one level and one report (its order: levels, then reports, then each report's
        own order): level rank ``s``, report rank ``r`` (place in :attr:`shas`), ``n`` and where the run starts
        and ends in the listing (``start``, ``stop``)."""
        if self._blocks is None:
            rank = {sha: i for i, sha in enumerate(self.shas)}
            b = pd.DataFrame({"s": _severity_rank(self.groups["severity"]).to_numpy(),
                              "r": [rank[sha] for sha in self.groups["sha256"].tolist()],
                              "n": self.groups["n"].to_numpy()})
            b = b.groupby(["s", "r"], sort=True)["n"].sum().reset_index()
            b["stop"] = b["n"].cumsum()
            b["start"] = b["stop"] - b["n"]
            self._blocks = b
        return self._blocks

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        """Rows ``start:stop`` of the listing as :func:`workbench_frame` rows."""
        start, stop = max(0, int(start)), min(int(stop), len(self))
        if self.empty or not self.shas or stop <= start:
            return pd.DataFrame(columns=WORKBENCH_COLUMNS)
        if self.hits is not None:
            f = self.store.workbench_rows(list(zip(self.hits["report_id"][start:stop].tolist(),
                                                   self.hits["seq"][start:stop].tolist())))
        else:  # only the reports whose runs the page falls in are read, the page's place among them from the counts
            b = self.blocks()
            window = b[(b["stop"] > start) & (b["start"] < stop)]
            ranks = sorted(set(window["r"]))
            mine = b[b["r"].isin(ranks)]
            offset = int(mine.loc[mine["stop"] <= start, "n"].sum()) + start - int(window["start"].iloc[0])
            f = self.store.workbench_page([self.shas[r] for r in ranks], limit=stop - start, offset=offset,
                                          **self.filters)
        f = f.rename(columns={"file_name": "file"})
        cat = self.catalog[self.catalog["sha256"].isin(f["sha256"].unique().tolist())]  # the page's reports
        return workbench_frame(f, cat, self.badges)

    def items(self) -> list[tuple[str, str]]:
        """``(sha256, finding_key)`` of every one of them (all are stored, so all can be decided)."""
        if not self.shas or self.empty:
            return []
        if self.hits is not None:
            f = self.store.workbench_rows(list(zip(self.hits["report_id"].tolist(), self.hits["seq"].tolist())))
            return list(zip(f["sha256"], f["finding_key"]))
        return self.store.workbench_keys(self.shas, **self.filters)
