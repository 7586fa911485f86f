"""The dashboard's view of the report store (:mod:`parsing.store`): catalog rows, findings with decisions,
section completeness, saving a checked batch. Plain Python on top of the store's public API, no Streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

import pandas as pd

from parsing import pipeline
from parsing.report import FINDING_COLUMNS, ParsedReport
from parsing.store import Store, display_name

from . import core

CATALOG_COLUMNS = ["sha256", "file", "name", "body", "region", "year", "template", "format", "error", "stored",
                   "session", "roster_body", "roster_path", "roster_county", "published", "published_source",
                   "added_at"]
# name: the one name a body is shown by (parsing.store.display_name); body: the name as printed
FINDINGS_COLUMNS = ["file", "sha256", *FINDING_COLUMNS, "finding_key", "decision", "decision_note", "decided_at",
                    "decided_by"]
DECISION_ZH = {"confirmed": "已确认", "dismissed": "已排除"}

# What a file dropped in this session became: the 报告库 column of the overview.
SAVED_IMPORTED, SAVED_UNCHANGED, SAVED_NOT, SAVED_UNREADABLE, SAVED_STORED = (
    "imported", "unchanged", "not_saved", "unreadable", "stored")
SAVED_ZH = {SAVED_IMPORTED: "已保存", SAVED_UNCHANGED: "库中已有（未变化）", SAVED_NOT: "未保存（仅检查）",
            SAVED_UNREADABLE: "无法读取（未保存）", SAVED_STORED: "库中"}


def empty_catalog() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in CATALOG_COLUMNS})


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in FINDINGS_COLUMNS})


_CATALOG_META = ["sha256", "file_name", "body", "region", "year", "template", "format", "error", "added_at"]


def stored_catalog(store: Store, ids: Optional[list] = None) -> pd.DataFrame:
    """The current version of every stored report (of these report ids, if given), as catalog rows (newest
    first)."""
    rep = store.list_reports(current_only=True, counts=False, meta=_CATALOG_META, ids=ids)
    if rep.empty:
        return empty_catalog()
    out = pd.DataFrame({
        "sha256": rep["sha256"], "file": rep["file_name"], "name": rep["display_name"], "body": rep["body"],
        "region": rep["region"], "year": rep["year"], "template": rep["template"], "format": rep["format"],
        "error": rep["error"], "stored": True, "session": False, "roster_body": rep["roster_body"],
        "roster_path": rep["roster_path"], "roster_county": rep["roster_county"],
        "published": each_value(rep["published"]), "published_source": rep["published_source"],
        "added_at": rep["added_at"],
    })
    return out[CATALOG_COLUMNS]


def each_value(column: pd.Series) -> pd.Series:
    """``column`` as a column made from its values one by one (missing ones as None): its type follows from
    which kinds of value it holds (text, or none at all), as for the catalog's other columns, not from how it
    was computed (the publication date: the reviewer's where entered, else the one read; each read as text where
    any is). So the catalog's rows of a few reports, built alone, are those of the whole catalog
    (``ui.state.patch_rows``)."""
    values = [None if v is None or (isinstance(v, float) and v != v) else v for v in column.tolist()]
    return pd.Series(values, index=column.index, dtype=None if values else object)


def session_catalog(reports: Iterable[ParsedReport], stored: set) -> pd.DataFrame:
    rows = [{"sha256": r.sha256, "file": r.file, "name": display_name(r.body), "body": r.body, "region": r.region,
             "year": r.year, "template": r.template, "format": r.format, "error": r.error,
             "stored": r.sha256 in stored, "session": True, "roster_body": None, "roster_path": None,
             "roster_county": None, "published": r.published, "published_source": r.published_source,
             "added_at": None} for r in reports]
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS) if rows else empty_catalog()


_FROM_STORE = ["name", "roster_body", "roster_path", "roster_county", "published", "published_source", "added_at"]


def merge_catalog(session: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """This session's drops first (in drop order), then the stored current reports not dropped this session.
    A session row that is stored takes its name, roster match and publication date from the store."""
    if not stored.empty and not session.empty:
        match = stored.set_index("sha256")[_FROM_STORE]
        hit = session["sha256"].isin(match.index)
        session = session.astype({c: object for c in _FROM_STORE})
        for col in _FROM_STORE:
            session.loc[hit, col] = session.loc[hit, "sha256"].map(match[col])
    rest = stored[~stored["sha256"].isin(session["sha256"])] if not session.empty else stored
    parts = [p for p in (session, rest) if not p.empty]
    out = pd.concat(parts, ignore_index=True) if parts else empty_catalog()
    out["year"] = pd.to_numeric(out["year"], errors="coerce").astype("Int64")
    return out[CATALOG_COLUMNS]


def store_findings(store: Store, shas: Optional[list] = None, current_only: bool = True) -> pd.DataFrame:
    """Stored rule findings with the reviewer's decisions, in the dashboard's column layout.

    ``shas`` None: the current versions; otherwise these reports."""
    if shas is not None and not shas:
        return empty_findings()
    f = store.findings(shas, current_only=current_only and shas is None)
    if f.empty:
        return empty_findings()
    f = f.rename(columns={"file_name": "file"})
    return f[FINDINGS_COLUMNS].reset_index(drop=True)


def once(allf: pd.DataFrame) -> pd.DataFrame:
    """The same finding from the store and from this session's cross-report check is shown once; findings
    that differ only in what they say (a scan's notes on several pages) are all shown, as the CLI does."""
    key = ["sha256", "rule", "table", "row", "column", "section", "message"]
    probe = pd.DataFrame({k: allf[k].map(core._num_text) for k in key})
    return allf.loc[~probe.duplicated()].reset_index(drop=True)


def findings_for(store: Store, shas: list, rule_prefix: str, counts: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                                             pd.DataFrame]:
    """The current stored findings of the reports ``shas`` and those of every current report whose rule starts
    with ``rule_prefix`` (once each, in the order :func:`store_findings` lists them), and ``counts``
    (:meth:`parsing.store.Store.finding_counts` of every report) with those of ``shas`` counted from these
    findings (:func:`ui.views.finding_counts`): ``(findings, counts)``, what :func:`ui.briefing.build` needs of
    a province's store without loading every finding."""
    from . import views

    whole = [sha for sha in dict.fromkeys(shas) if sha in store]
    own = store.findings_of_reports(whole) if whole else pd.DataFrame()  # = store_findings(store, whole)
    parts = [own.rename(columns={"file_name": "file"})[FINDINGS_COLUMNS].reset_index(drop=True) if not own.empty
             else empty_findings()]
    codes = [r for r in store.finding_rules() if str(r).startswith(rule_prefix)]
    if codes:
        f = store.findings(rule=codes, current_only=True)
        if not f.empty:
            parts.append(f.rename(columns={"file_name": "file"})[FINDINGS_COLUMNS])
    parts = [p for p in parts if not p.empty]
    if parts:  # newest report first, each report's own in its order
        f = pd.concat(parts, ignore_index=True)
        rank = {sha: i for i, sha in enumerate(store.current_shas())}
        f = once(f.iloc[f["sha256"].map(rank).argsort(kind="stable")])
    else:
        f = empty_findings()
    own = views.finding_counts(f[f["sha256"].isin(set(whole))])
    return f, pd.concat([counts[~counts["sha256"].isin(set(own["sha256"]))], own], ignore_index=True)


def working_findings(store: Optional[Store], session_findings: pd.DataFrame, shas: set) -> pd.DataFrame:
    """The working set's findings from the store's current reports and this session's own findings
    (``ui.state.session_findings``), kept to the working set's ``shas``; a session finding replaces the
    stored one of the same report, rule and place (what ``ui.state.findings`` gives, without session state)."""
    parts = []
    if store is not None:
        stored = store_findings(store)
        if not session_findings.empty:
            stored = stored[~stored["sha256"].isin(set(session_findings["sha256"]))]
        parts.append(stored)
    parts.append(session_findings)
    parts = [p for p in parts if not p.empty]
    if not parts:
        return empty_findings()
    allf = pd.concat(parts, ignore_index=True)
    return allf[allf["sha256"].isin(shas)].reset_index(drop=True)


def with_decision_columns(f: pd.DataFrame) -> pd.DataFrame:
    """Findings of an unsaved report in the same layout (no key, no decisions)."""
    out = f.copy()
    for c in FINDINGS_COLUMNS:
        if c not in out.columns:
            out[c] = None
    return out[FINDINGS_COLUMNS]


def active(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings that count for the badge: every one the reviewer has not dismissed."""
    if findings.empty or "decision" not in findings.columns:
        return findings
    return findings[findings["decision"] != "dismissed"]


def decision_text(row) -> str:
    d = row.get("decision")
    if d not in DECISION_ZH:
        return "未处理"
    return DECISION_ZH[d]


def working_values(store: Optional[Store], session: dict, table=None, column=None, row=None) -> pd.DataFrame:
    """Values in long form of the stored current reports (with corrections) and of this session's drops
    (``session``: sha256 -> ParsedReport): stored drops that are not current come from the store, unsaved ones
    from the reports themselves. ``table``/``column``/``row`` filter (one or a list)."""
    parts = []
    if store is not None:
        v = store.values_long(table, row, column, current_only=True, corrected=True)
        if not v.empty:
            parts.append(v.rename(columns={"file_name": "file"}))
        stored_session = [sha for sha in session if sha in store]
        if stored_session:
            extra = store.values_long(table, row, column, sha256=stored_session, current_only=False)
            extra = extra[~extra["is_current"]] if not extra.empty else extra
            if not extra.empty:
                parts.append(extra.rename(columns={"file_name": "file"}))
    unsaved = [r for sha, r in session.items() if not r.error and (store is None or sha not in store)]
    if unsaved:
        u = core.values_long(unsaved)
        if table is not None:
            u = u[u["table"].isin([table] if isinstance(table, str) else list(table))]
        if column is not None:
            u = u[u["column"].isin([column] if isinstance(column, str) else list(column))]
        if row is not None:
            u = u[u["row"].isin([row] if isinstance(row, str) else list(row))]
        parts.append(u)
    parts = [p for p in parts if not p.empty]
    if not parts:
        return core.values_long([])
    return pd.concat(parts, ignore_index=True)


def section_flags(store: Store, shas: Optional[list] = None, ids: Optional[list] = None) -> pd.DataFrame:
    """Per stored report (of these report ``ids``, if given): sections found (``s1`` … ``s6``) and
    ``tables_found`` (dict), one row per sha256, oldest first."""
    return store.section_flags(shas, ids=ids)


# ---------------------------------------------------------------------------
# Checking and saving a dropped batch
# ---------------------------------------------------------------------------

@dataclass
class Checked:
    report: ParsedReport
    findings: pd.DataFrame
    outcome: str  # one of the SAVED_* constants


@dataclass
class BatchResult:
    checked: list[Checked] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # sha256 -> the file's bytes


OUTCOME_SAVED = {pipeline.IMPORTED: SAVED_IMPORTED, pipeline.UNCHANGED: SAVED_UNCHANGED,
                 pipeline.NOT_SAVED: SAVED_NOT, pipeline.FAILED: SAVED_UNREADABLE}


def check_and_save(new: list, store: Optional[Store], save: bool, unsaved: Iterable[ParsedReport] = (),
                   check_fn: Optional[Callable] = None, *,
                   on_progress: Optional[Callable[[int, int, str], None]] = None,
                   on_page: Optional[Callable[[int, int, str], None]] = None,
                   workers: Optional[int] = None) -> BatchResult:
    """The upload page's call into the one pipeline (:func:`parsing.pipeline.run`), the same sequence the
    command line and ``import`` use: parse in the warm workers, check, and with ``save`` store each report with
    its findings and bytes in one transaction, re-checking the next year's stored report.

    ``new`` holds ``(report, bytes)`` of files already parsed, or :class:`parsing.pipeline.Source` objects to be
    parsed here. Last year's report comes from this session's ``unsaved`` reports first, then from the store.
    ``check_fn`` defaults to the pipeline's (``parsing.rules.check_report``). ``on_progress(i, n, name)`` as file
    ``i`` goes to a worker (and ``(n, n, "")`` at the end), ``on_page(done, total, name)`` per page read by OCR.
    Unreadable files are never stored. Returns the checked files in the order given.
    """
    sources = [item if isinstance(item, pipeline.Source) else pipeline.Source(item[0].file, data=item[1],
                                                                              report=item[0])
               for item in new]
    started = 0

    def start(_i, src):
        nonlocal started
        if on_progress:
            on_progress(started, len(sources), src.name)
        started += 1

    page = (lambda _i, src, done, total: on_page(done, total, src.name)) if on_page else None
    results = list(pipeline.run(sources, store, save=save and store is not None, keep_files=True,
                                check_fn=pipeline._DEFAULT if check_fn is None else check_fn, unsaved=unsaved,
                                workers=workers, ordered=True, on_start=start, on_page=page))
    if on_progress and sources:
        on_progress(len(sources), len(sources), "")
    res = BatchResult()
    by_index = {r.index: r for r in results}
    for i in range(len(sources)):
        r = by_index[i]
        report = r.report
        if r.outcome == pipeline.FAILED and not report.error:  # a rule or store failure on a readable file
            report.error = r.reason
        findings = r.findings if r.findings is not None else core.check_report(report)
        res.checked.append(Checked(report, findings, OUTCOME_SAVED[r.outcome]))
        res.data[report.sha256] = r.data
    return res
