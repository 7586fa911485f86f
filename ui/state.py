"""Session state shared by all pages, backed by the report store.

The *working set* the pages show is this session's drops plus the current version of every report in the store
(:mod:`parsing.store`), so after a restart the reports, findings and charts are there again. Stored reports are
loaded lazily (metadata at start, a full report when a page needs it).

Plain ``st.session_state`` keys (not widget keys), so the state survives page switches:

* ``session``   dict sha256 -> ParsedReport dropped in this session (readable or not), in drop order
* ``saved``     dict sha256 -> what became of the drop (``storeview.SAVED_*``)
* ``unsaved_findings`` dict sha256 -> findings of a report checked without saving
* ``batch_findings`` cross-report findings of this session's drops (``parsing.rules.check_batch``)
* ``sources``   dict sha256 -> original bytes of this session's PDFs (stored ones come from the store)
* ``names``     dict sha256 -> every file name the same content arrived under
* ``loaded``    dict sha256 -> stored report as loaded (with corrections), dropped when it changes
* ``gen``       bumped on every write to the store; per-session views are cached per ``gen``
* ``zip_budget`` what ZIP archives may still expand to in this session (``parsing.uploads.Budget``)
* ``upload_messages``, ``seen_uploads``, ``current`` (sha256 opened on the 单份报告 page)
"""
from __future__ import annotations

import bisect
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pandas as pd
import streamlit as st

from parsing import limits, uploads
from parsing.model import ReportError
from parsing.report import ParsedReport
from parsing.store import Store, default_path, display_name

from . import core, demo, review, storeview, views

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_reports"

PAGE_UPLOAD = "pages/upload.py"
PAGE_COMPLETENESS = "pages/completeness.py"
PAGE_REPORT = "pages/report.py"
PAGE_TRENDS = "pages/trends.py"
PAGE_COMPARE = "pages/compare.py"
PAGE_EXPORT = "pages/export.py"
PAGE_LIBRARY = "pages/library.py"
PAGE_REVIEW = "pages/review.py"


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    return Store(path)


def store() -> Optional[Store]:
    """The shared store (one per database path and process), or None when it cannot be opened
    (:func:`store_error` then says why, in Chinese)."""
    try:
        s = _open_store(str(default_path()))
    except ReportError as exc:
        st.session_state["store_error"] = exc.message
        return None
    st.session_state.pop("store_error", None)
    return s


def store_error() -> Optional[str]:
    return st.session_state.get("store_error")


def store_path() -> str:
    return str(default_path())


def changed() -> None:
    """Call after every write to the store: cached views of this session are rebuilt on next use."""
    ss = st.session_state
    ss["gen"] = ss.get("gen", 0) + 1
    ss["loaded"] = {}


def _stored_view(path: str, generation: str, name: str) -> pd.DataFrame:
    """A view of the store's current reports, shared by every session (a province's store takes seconds to
    list) and rebuilt when the store changes: ``generation`` changes with every committed write, from this
    dashboard or the command line. Each caller gets its own copy (of the frame: not pickled and unpickled on
    every use as ``st.cache_data`` would, a province's catalog is 30,000 rows)."""
    return _shared_view(path, generation, name).copy()


@st.cache_resource(show_spinner=False, max_entries=24)
def _shared_view(path: str, generation: str, name: str) -> pd.DataFrame:
    """:func:`_stored_view`'s frames, built once per store generation; never handed out (only copies of it).
    Those of :data:`UPDATED_VIEWS` are brought up to date from their last build when only a few reports changed
    since (:func:`_updated_view`), else built whole (:func:`_built_view`): the same frame either way."""
    s = _open_store(path)
    if name not in UPDATED_VIEWS:
        return _built_view(s, path, generation, name)
    epoch = s.watch_changes()  # before anything is read: what the view is built from is at least this new
    done = _updated_view(s, path, generation, name)
    if done is None:
        out = _built_view(s, path, generation, name)
        ids = _row_ids(s, name, out)
        done = None if ids is None else (out, ids)  # None: written in between, not to be brought up to date
    else:
        out = done[0]
    if done is None:
        _LAST.pop((path, name), None)
    else:
        _LAST[(path, name)] = (s, generation, epoch, *done, _basis(path, generation, name))
    return out


# The views brought up to date from their last build (_updated_view), and that last build of each:
# (path, name) -> (the store object, its generation, the store's epoch read before it was built, the frame, the
# report id of each of its rows, the types of the columns of the view it was made from: _basis).
UPDATED_VIEWS = ("catalog", "overview", "library", "places", "section_flags", "completeness")
# how each one's rows are ordered, when not newest first (as the store lists them): places as values_long sorts
_SORTED = {"places": ["year", "body_key", "report_id"], "section_flags": "oldest"}
_EVERY_VERSION = ("library", "section_flags")  # the others list the current reports


def _row_ids(s: Store, name: str, out: pd.DataFrame) -> Optional[np.ndarray]:
    """The report id of each row of the view ``name`` just built whole (``out``), read after it; None when they
    do not match (a write in between)."""
    if "report_id" in out.columns:
        return out["report_id"].to_numpy(dtype=np.int64)
    ids, shas = _listing(s, name not in _EVERY_VERSION)  # newest first
    if name == "section_flags":
        ids, shas = ids[::-1], shas[::-1]
    if name == "completeness":  # the readable ones, in the catalog's order
        at = dict(zip(shas, ids))
        rows = [at.get(sha) for sha in out["sha256"].tolist()]
        if None in rows or any(a <= b for a, b in zip(rows, rows[1:])):
            return None
        return np.asarray(rows, dtype=np.int64)
    return np.asarray(ids, dtype=np.int64) if shas == out["sha256"].tolist() else None
_LAST: dict[tuple[str, str], tuple[Store, str, int, pd.DataFrame, np.ndarray, tuple]] = {}
_UPDATE_AT_MOST = 2000  # changed reports; more are read whole


def _basis(path: str, generation: str, name: str) -> tuple:
    """The types of the catalog's columns for the overview (some of its own follow them: 地区 is text where any
    report's region is), nothing for the catalog."""
    if name not in ("overview", "completeness"):
        return ()
    return tuple(str(t) for t in _shared_view(path, generation, "catalog").dtypes)


_LISTED: dict[tuple[int, bool], tuple[Store, int, list, list]] = {}


def _listing(s: Store, current_only: bool) -> tuple[list, list]:
    """:meth:`parsing.store.Store.listing_order`, read once per store generation for the views built whole at
    it (a province's 30,000 ids): the generation is read before it, so one found again at the same generation
    had no write committed since."""
    generation = s.generation()
    hit = _LISTED.get((id(s), current_only))
    if hit is not None and hit[0] is s and hit[1] == generation:
        return hit[2], hit[3]
    ids, shas = s.listing_order(current_only=current_only)
    _LISTED[(id(s), current_only)] = (s, generation, ids, shas)
    return ids, shas


def _generation_number(generation: str) -> Optional[tuple[str, int]]:
    """``(created_at, generation)`` of a :func:`_generation` key, or None."""
    created, _, number = generation.rpartition("#")
    return (created, int(number)) if number.isdigit() else None


def _updated_view(s: Store, path: str, generation: str, name: str) -> Optional[tuple[pd.DataFrame, np.ndarray]]:
    """The view ``name`` at ``generation`` made from its last build (:data:`_LAST`) and the rows of the reports
    written since (:meth:`parsing.store.Store.changed_since`, through this same store object), the others kept,
    with the report id of each row: what :func:`_built_view` builds, exactly (:func:`patch_rows`). None when the
    last build is not of this store object, the changes are not known (a write by another process, the roster)
    or too many, or a column's type could come out otherwise than in a whole build."""
    last = _LAST.get((path, name))
    now = _generation_number(generation)
    if last is None or last[0] is not s or now is None:
        return None
    _, then_key, epoch, old, old_ids, basis = last
    then = _generation_number(then_key)
    if then is None or then[0] != now[0] or old.empty:
        return None
    changed = s.changed_since(then[1], epoch, now[1])
    if changed is None or len(changed) > _UPDATE_AT_MOST:
        return None
    if _basis(path, generation, name) != basis:  # the catalog's column types changed: build it whole
        return None
    if not changed:
        return old, old_ids
    # those listed now (the current ones, or every version), newest first
    ids, shas = s.listing_order(current_only=name not in _EVERY_VERSION, ids=sorted(changed))
    fresh = old.iloc[:0]
    if name == "catalog":
        if ids:
            fresh = storeview.stored_catalog(s, ids=ids)
    elif name == "library":
        if ids:
            fresh = s.library_listing(ids=ids)
    elif name == "section_flags":
        if ids:
            fresh = storeview.section_flags(s, ids=ids)  # oldest first
            ids, shas = ids[::-1], shas[::-1]
    elif name == "completeness":  # of the catalog and the flags at this generation, the readable reports
        catalog_ = storeview.merge_catalog(storeview.empty_catalog(), _shared_view(path, generation, "catalog"))
        readable = catalog_[catalog_["error"].isna() | (catalog_["error"] == "")]
        if ids:
            flags = _shared_view(path, generation, "section_flags")
            mine = set(shas)
            fresh = views.completeness(readable[readable["sha256"].isin(mine)], flags[flags["sha256"].isin(mine)])
            at = dict(zip(shas, ids))
            shas = fresh["sha256"].tolist()
            ids = [at[sha] for sha in shas]
    elif name == "places":
        if ids:
            fresh = s.report_places(current_only=True, ids=ids)
            ids = fresh["report_id"].tolist()
            shas = fresh["sha256"].tolist()
    else:  # the overview, of the catalog at this generation (its rows: the same reports in the same order)
        catalog_ = storeview.merge_catalog(storeview.empty_catalog(), _shared_view(path, generation, "catalog"))
        if ids:
            summary = s.report_summaries(current_only=True, ids=ids)
            mine = catalog_[catalog_["sha256"].isin(set(shas))]
            fresh = views.overview(mine, None, views.sections_matrix(summary), {},
                                   counts=summary[["sha256", "error", "warning", "info", "n_open"]])
    if fresh["sha256"].tolist() != shas:  # written in between: build it whole
        return None
    out = patch_rows(old, old_ids, fresh, np.asarray(ids, dtype=np.int64), changed, _SORTED.get(name))
    if out is None or (name == "overview" and out[0]["sha256"].tolist() != catalog_["sha256"].tolist()) or (
            name == "completeness" and out[0]["sha256"].tolist() != readable["sha256"].tolist()):
        return None
    return out


def patch_rows(old: pd.DataFrame, old_ids: np.ndarray, fresh: pd.DataFrame, fresh_ids: np.ndarray,
               changed: set, by: Optional[list[str] | str] = None) -> Optional[tuple[pd.DataFrame, np.ndarray]]:
    """``old`` (rows of the report ids ``old_ids``, newest first) less the rows of the reports ``changed``, plus
    ``fresh`` (rows of ``fresh_ids``), newest first (oldest first with ``by="oldest"``, or sorted by the columns
    ``by``, missing values last, as SQL's ``ORDER BY x IS NULL, x`` sorts), with ``old``'s columns and types, and the report id of each row: what building the frame whole gives when each of its rows is built from its own report and each
    column's type follows from which kinds of value it holds (missing ones, others). None when that could
    differ: a type of ``fresh`` that is not ``old``'s, or a column that now holds no missing value where it held
    some (or the other way round), or no value at all."""
    if list(fresh.columns) != list(old.columns) or len(old) != len(old_ids) or len(fresh) != len(fresh_ids):
        return None
    cast = {}
    if len(fresh):
        for c in old.columns:
            want, got = old[c].dtype, fresh[c].dtype
            if want == got:
                continue
            if (got == object and fresh[c].isna().all() and want == "str") or (
                    got == "int64" and want == "float64"):
                cast[c] = want  # all missing read as objects / integers without a missing one: the same values
            else:
                return None
    kept = np.flatnonzero(~np.isin(old_ids, np.fromiter(changed, dtype=np.int64, count=len(changed))))
    ids = np.concatenate([old_ids[kept], fresh_ids])
    rows = np.concatenate([kept, len(old) + np.arange(len(fresh))])
    both = pd.concat([old, fresh.astype(cast) if cast else fresh], ignore_index=True) if len(fresh) else old
    if by is None:
        order = np.argsort(-ids, kind="stable")  # newest first, as the store lists them
    elif by == "oldest":
        order = np.argsort(ids, kind="stable")
    elif len(fresh) <= 64:  # old is sorted: each new row put in its place (a few rows: a few lookups each)
        order = _merged(both, rows[:len(kept)], rows[len(kept):], by)
    else:
        keys = both.take(rows)[by].reset_index(drop=True)
        order = keys.sort_values(by, na_position="last", kind="stable").index.to_numpy()
    out = both.take(rows[order]).reset_index(drop=True)
    for c in old.columns:
        if out[c].dtype != old[c].dtype:
            return None
        was, now = old[c].isna(), out[c].isna()
        if bool(was.any()) != bool(now.any()) or bool(was.all()) != bool(now.all()):
            return None
    return out, ids[order]


def _merged(frame: pd.DataFrame, kept: np.ndarray, added: np.ndarray, by: list[str]) -> np.ndarray:
    """The positions, in ``kept`` followed by ``added`` (rows of ``frame``, each sorted by the columns ``by``,
    missing values last), of their rows merged in that order."""
    cols = [frame[c] for c in by]

    def key(row):
        return tuple((True, 0) if pd.isna(v) else (False, v) for v in (c.iat[row] for c in cols))

    class Keys:  # the keys of the kept rows, read only where bisect looks
        def __len__(self):
            return len(kept)

        def __getitem__(self, i):
            return key(kept[i])

    where = [bisect.bisect_left(Keys(), key(row)) for row in added]
    return np.insert(np.arange(len(kept)), where, len(kept) + np.arange(len(added)))


def _built_view(s: Store, path: str, generation: str, name: str) -> pd.DataFrame:
    """:func:`_shared_view`'s frame ``name`` built whole from the store."""
    if name == "catalog":
        return storeview.stored_catalog(s)
    if name == "finding_counts":
        return s.finding_counts(current_only=True)
    if name == "section_flags":
        return storeview.section_flags(s)
    if name == "places":  # where each current report sits (a trend's rows), the same for every metric
        return s.report_places(current_only=True)
    if name == "library":  # every stored version, as the 报告库 lists it
        return s.library_listing()
    # the working set of a session that dropped nothing is the store's current reports: its tables too
    catalog_ = storeview.merge_catalog(storeview.empty_catalog(), _stored_view(path, generation, "catalog"))
    if name == "completeness":
        readable = catalog_[catalog_["error"].isna() | (catalog_["error"] == "")]
        return views.completeness(readable, _stored_view(path, generation, "section_flags"))
    if name == "workbench_groups":  # the review workbench's counts of every current finding (审查台)
        return review.group_frame(s.workbench_counts())  # = s.workbench_groups(every current report)
    if name == "workbench_reports":  # its reports (what the filters of 单位, 地区, 年度 and 结论 choose from)
        overview_ = _stored_view(path, generation, "overview")
        return review.reports_frame(catalog_, dict(zip(overview_["sha256"].tolist(), overview_["结论"].tolist())))
    if name == "overview":  # the matrix built once, for the overview and the completeness page alike
        # the 章节 column needs the six sections alone: read from report_summary, not the completeness matrix
        # (a label per report) nor the flags of every version with their tables
        # the counts and the sections in one read of report_summary (= finding_counts and sections_found)
        summary = s.report_summaries(current_only=True)
        return views.overview(catalog_, None, views.sections_matrix(summary), {},
                              counts=summary[["sha256", "error", "warning", "info", "n_open"]])
    raise ValueError(name)


def stored_view(name: str) -> pd.DataFrame:
    """:func:`_stored_view` of the open store (``catalog``, ``finding_counts``, ``section_flags``, ``places``,
    ``completeness``, ``overview``, ``workbench_groups``, ``workbench_reports`` or ``library``)."""
    s = store()
    return _stored_view(str(s.path), _generation(s), name)


@st.cache_resource(show_spinner=False, max_entries=2)
def _search_index(path: str, generation: str) -> pd.DataFrame:
    """:func:`ui.review.search_index` of the store's current reports, built once per generation and shared by
    every session as it is (not copied: 150,000 findings' text; its users only read it)."""
    return review.search_index(_open_store(path), _stored_view(path, generation, "workbench_reports"))


def workbench_search() -> pd.DataFrame:
    """What the 审查台 searches in when the session dropped nothing (:func:`store_only`)."""
    s = store()
    return _search_index(str(s.path), _generation(s))


# What the landing page (app.py's default page) reads of the shared views when a session dropped nothing:
# its catalog, its overview and whether the demo county is stored (widgets.demo_banner).
LANDING_VIEWS = ("catalog", "overview")


def build_shared_views() -> Optional[str]:
    """Build the landing page's shared views of the default store (:data:`LANDING_VIEWS` and the demo flag) with
    the very cached functions the pages call, for the store's current generation: ``python -m ui.serve`` calls
    this before the server listens, so the first session after a restart finds them built. A write after this
    changes the generation, and the pages then bring the views up to date (from the reports a write through this
    store object changed, else built whole: nothing a session sees is older than the store). Returns the generation built, or None when the store cannot be opened (the pages then say why).
    Runs no Streamlit command (``st.cache_resource`` needs no session)."""
    key = _default_store_key()
    if key is None:
        return None
    path, generation = key
    for name in LANDING_VIEWS:
        _shared_view(path, generation, name)
    _stored_demo(path, generation)
    return generation


def build_first_trend() -> Optional[str]:
    """Build the trend of the metric 趋势 opens on (the first of :data:`ui.metrics.METRICS`) for the default
    store's current reports, with the cached function the page calls (:func:`_stored_trend`): ``python -m
    ui.serve`` calls this after :func:`build_shared_views`, so the first session to open 趋势 after a restart does
    not make it (0.6 s on a province's 30,000 reports, more on a busy machine). Returns the generation built, or
    None when the store cannot be opened. Runs no Streamlit command."""
    from . import metrics

    key = _default_store_key()
    if key is None:
        return None
    path, generation = key
    _stored_trend(path, generation, metrics.METRICS[0].id)
    return generation


def _default_store_key() -> Optional[tuple[str, str]]:
    """The default store's path and current generation, the key its shared views are cached on; None when it
    cannot be opened."""
    try:
        s = _open_store(str(default_path()))
    except ReportError:
        return None
    return str(s.path), _generation(s)


def _generation(s: Store) -> str:
    """The store's generation, with the file's creation time (a store recreated at the same path starts again)."""
    return f"{s.created_at()}#{s.generation()}"


def _cached(name: str, build: Callable[[], object]):
    ss = st.session_state
    key = (name, ss.get("gen", 0))
    cache = ss.setdefault("_views", {})
    if key not in cache:
        for k in [k for k in cache if k[1] != key[1]]:
            del cache[k]
        cache[key] = build()
    return cache[key]


# ---------------------------------------------------------------------------
# Session
# ---------------------------------------------------------------------------

def init() -> None:
    ss = st.session_state
    ss.setdefault("session", {})
    ss.setdefault("saved", {})
    ss.setdefault("unsaved_findings", {})
    if "batch_findings" not in ss:  # not setdefault: an empty findings frame costs ~8 ms, and init runs often
        ss["batch_findings"] = storeview.empty_findings()
    ss.setdefault("sources", {})
    ss.setdefault("names", {})
    ss.setdefault("loaded", {})
    ss.setdefault("gen", 0)
    ss.setdefault("upload_messages", [])
    ss.setdefault("seen_uploads", set())
    ss.setdefault("current", None)
    if "zip_budget" not in ss:
        ss["zip_budget"] = uploads.Budget()


def catalog() -> pd.DataFrame:
    """The working set, one row per report (``storeview.CATALOG_COLUMNS``): this session's drops, then the
    current version of every stored report."""
    init()

    def build():
        s = store()
        stored = stored_view("catalog") if s is not None else storeview.empty_catalog()
        in_store = set(stored["sha256"].tolist())  # tolist: iterating an arrow column is slow
        if s is not None:
            in_store |= {sha for sha in st.session_state["session"] if sha in s}
        session = storeview.session_catalog(st.session_state["session"].values(), in_store)
        return storeview.merge_catalog(session, stored)

    return _cached("catalog", build)


def picker_options() -> tuple[list, dict]:
    """The working set's reports as the report picker offers them (``widgets.report_picker``): their sha256 in
    catalog order, and each one's label (``views.labels_of``, with （无法读取） for an unreadable one). Built once per
    store generation and shared by every session when the session dropped nothing (a province's 30,000 labels),
    else once per session generation; callers only read them."""
    s = store()
    if s is not None and not st.session_state.get("session"):
        return _stored_picker(str(s.path), _generation(s))
    return _cached("picker", lambda: picker_of(catalog()))


def picker_of(cat: pd.DataFrame) -> tuple[list, dict]:
    shas = cat["sha256"].tolist()
    bad = cat["error"].map(lambda e: isinstance(e, str) and bool(e))
    names = {sha: label + ("（无法读取）" if b else "") for sha, label, b in zip(shas, views.labels_of(cat), bad)}
    return shas, names


@st.cache_resource(show_spinner=False, max_entries=2)
def _stored_picker(path: str, generation: str) -> tuple[list, dict]:
    """:func:`picker_of` the catalog of a session that dropped nothing (the store's current reports)."""
    return picker_of(storeview.merge_catalog(storeview.empty_catalog(), _shared_view(path, generation, "catalog")))


def readable_catalog() -> pd.DataFrame:
    c = catalog()
    return c[c["error"].isna() | (c["error"] == "")]


def is_stored(sha: str) -> bool:
    s = store()
    return s is not None and sha in s


def get(sha: Optional[str]) -> Optional[ParsedReport]:
    """A report of the working set: stored ones with the reviewer's corrections applied."""
    init()
    if not sha:
        return None
    ss = st.session_state
    s = store()
    if s is not None and sha in s:
        if sha not in ss["loaded"]:
            ss["loaded"][sha] = s.corrected_report(sha)
        return ss["loaded"][sha]
    return ss["session"].get(sha)


def reports() -> list[ParsedReport]:
    """Every report of the working set, loaded in full (for pages that need them all)."""
    return [get(sha) for sha in catalog()["sha256"]]


def readable_reports() -> list[ParsedReport]:
    return [get(sha) for sha in readable_catalog()["sha256"]]


def _build_findings(session_only: bool = False) -> pd.DataFrame:
    """Findings of the working set, or (``session_only``) of this session's drops only: stored ones with
    decisions, unsaved ones, and the cross-report findings of the session."""
    ss = st.session_state
    cat = catalog()
    s = store()
    parts = []
    stored_session = [sha for sha in cat.loc[cat["session"] & cat["stored"], "sha256"]]
    if s is not None and not session_only:
        parts.append(storeview.store_findings(s))
        extra = [sha for sha in stored_session if sha not in set(parts[0]["sha256"])]
        if extra:
            parts.append(storeview.store_findings(s, extra))
    elif s is not None and stored_session:
        parts.append(storeview.store_findings(s, stored_session))
    for sha, f in ss["unsaved_findings"].items():
        if not f.empty and sha in ss["session"]:
            parts.append(storeview.with_decision_columns(f.assign(sha256=sha, file=ss["session"][sha].file)))
    batch = ss["batch_findings"]
    if not batch.empty:
        parts.append(storeview.with_decision_columns(batch))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return storeview.empty_findings()
    allf = pd.concat(parts, ignore_index=True)
    keep = set(cat.loc[cat["session"], "sha256"]) if session_only else set(cat["sha256"])
    return _once(allf[allf["sha256"].isin(keep)])


_once = storeview.once


def year_findings(shas: list, rule_prefix: str) -> tuple[pd.DataFrame, Optional[pd.DataFrame]]:
    """For a page that needs the findings of a few reports and one kind of finding of every report (简报: one
    year's problems, the late publications of every year): ``(findings, counts)``. With the store alone
    (:func:`store_only`) the findings are those of the reports ``shas`` and those of every report whose rule
    starts with ``rule_prefix``, read in SQL (as :func:`findings` gives them), and ``counts`` the
    :func:`finding_counts` of every report (those of ``shas`` counted from these findings); otherwise
    :func:`findings` and None (counted from them)."""
    init()
    if not store_only():
        return findings(), None

    def build():
        return storeview.findings_for(store(), shas, rule_prefix, finding_counts())

    import hashlib

    sig = hashlib.sha256(repr((sorted(shas), rule_prefix)).encode("utf-8")).hexdigest()[:16]
    return _cached(f"year_findings_{sig}", build)


def store_only() -> bool:
    """Whether the working set is the store's current reports alone (this session dropped nothing and holds no
    unsaved or cross-report findings): pages may then read it in SQL rather than loading every finding."""
    init()
    ss = st.session_state
    return store() is not None and not ss["session"] and not ss["unsaved_findings"] and ss["batch_findings"].empty


def session_findings() -> pd.DataFrame:
    """Findings of this session's drops only (stored ones with decisions, unsaved ones, cross-report ones)."""
    init()
    return _cached("session_findings", lambda: _build_findings(session_only=True))


def findings() -> pd.DataFrame:
    """Findings of the working set (``storeview.FINDINGS_COLUMNS``), stored ones with decisions."""
    init()
    return _cached("findings", _build_findings)


def finding_counts() -> pd.DataFrame:
    """Per report of the working set: ``error``/``warning``/``info`` (not dismissed) and ``n_open``
    (:func:`ui.views.finding_counts` columns) without loading every stored finding: the stored reports' counts
    are aggregated in SQL (:meth:`parsing.store.Store.finding_counts`), this session's drops counted from
    their findings (the same ones :func:`findings` gives them)."""
    init()

    def build():
        s = store()
        cat = catalog()
        session = set(cat.loc[cat["session"], "sha256"])
        parts = []
        if s is not None:
            stored = stored_view("finding_counts")
            parts.append(stored[~stored["sha256"].isin(session)])
        if session:
            parts.append(views.finding_counts(session_findings()))
        parts = [p for p in parts if not p.empty]
        return pd.concat(parts, ignore_index=True) if parts else views.finding_counts(storeview.empty_findings())

    return _cached("finding_counts", build)


def findings_of(sha: str) -> pd.DataFrame:
    ss = st.session_state
    if sha not in ss["session"] and ("findings", ss.get("gen", 0)) not in ss.get("_views", {}):
        # a stored report not dropped now: its own findings only, not the whole working set's (a province's)
        return storeview.store_findings(store(), [sha]) if is_stored(sha) else storeview.empty_findings()
    f = findings()
    hit = f[f["sha256"] == sha].reset_index(drop=True) if not f.empty else f
    if hit.empty and is_stored(sha):  # a stored version that is not in the working set
        return storeview.store_findings(store(), [sha])
    return hit


def name_of(sha: str) -> str:
    """The one name the body of this report is shown by (the store's display name; the printed name is the
    report's ``body``)."""
    cat = catalog()
    hit = cat.loc[cat["sha256"] == sha, "name"]
    if not hit.empty and isinstance(hit.iloc[0], str) and hit.iloc[0]:
        return hit.iloc[0]
    r = get(sha)
    return display_name(r.body) if r is not None else ""


def badge_of(sha: str) -> dict:
    return core.badge(storeview.active(findings_of(sha)), get(sha))


def values_long(table=None, column=None) -> pd.DataFrame:
    """Values of the working set in long form (``ui.core.values_long`` columns plus the roster's region tree):
    the store's current reports (with corrections) and this session's drops."""
    init()
    return storeview.working_values(store(), dict(st.session_state["session"]), table, column)


def overview() -> pd.DataFrame:
    """The overview of the working set (:func:`ui.views.overview`, finding counts aggregated in SQL); shared by
    every session that dropped nothing (the store's current reports), cached on the store's generation."""
    init()

    def build():
        s = store()
        if s is not None and not st.session_state["session"]:
            return stored_view("overview")
        return views.overview(catalog(), None, completeness(), st.session_state["saved"], counts=finding_counts())

    return _cached("overview", build)


def completeness() -> pd.DataFrame:
    """The completeness matrix of the working set (:func:`ui.views.completeness`)."""
    def build():
        ss = st.session_state
        if store() is not None and not ss["session"]:
            return stored_view("completeness")
        cat = readable_catalog()
        s = store()
        flags = []
        stored_shas = cat.loc[cat["stored"], "sha256"].tolist()
        if s is not None and stored_shas:
            every = stored_view("section_flags")
            flags.append(every[every["sha256"].isin(set(stored_shas))])
        own = [ss["session"][sha] for sha in cat.loc[~cat["stored"], "sha256"] if sha in ss["session"]]
        if own:
            flags.append(pd.DataFrame([views.flags_of(r) for r in own]))
        if not flags:
            return views.completeness(cat, pd.DataFrame())
        return views.completeness(cat, pd.concat(flags, ignore_index=True))

    return _cached("completeness", build)


def source_bytes(sha: str) -> Optional[bytes]:
    """The original file: from this session, else from the store when it was kept."""
    src = st.session_state["sources"].get(sha)
    if src is None and is_stored(sha):
        src = store().file_bytes(sha)
    return src


# ---------------------------------------------------------------------------
# Dropping files
# ---------------------------------------------------------------------------

def add_files(files: list[uploads.Upload], on_progress: Optional[Callable[[int, int, str], None]] = None,
              save: bool = True, on_page: Optional[Callable[[int, int, str], None]] = None) -> dict:
    """Parse new files into the session and, with ``save``, into the store (with their bytes).

    The same content (by sha256) is parsed once: a file already in this session or in the store is not parsed
    again. ZIP archives are expanded (:func:`parsing.uploads.expand`, within this session's budget); a batch of
    more report files than :data:`parsing.limits.MAX_BATCH_FILES` is refused whole with the limit's message.
    ``on_page(done, total, name)`` reports the pages of a scanned file as OCR reads them. Returns counts
    ``added``, ``duplicates``, ``failed``, ``imported``, ``unchanged`` and ``messages``.
    """
    from parsing import pipeline  # here, not at the top: about 0.15 s of imports every page start would pay for

    init()
    ss = st.session_state
    s = store()
    expanded = uploads.expand(files, ss["zip_budget"])
    messages = list(expanded.messages)
    todo = expanded.files
    try:
        limits.check_batch(len(todo))
    except ReportError as exc:
        messages.append(exc.message)
        todo = []
    counts = {"added": 0, "duplicates": 0, "failed": 0, "imported": 0, "unchanged": 0}
    already: list[str] = []  # files whose content the store holds: one message for all of them
    new: list[pipeline.Source] = []
    batch_shas = set()
    for up in todo:
        digest = core.sha256_of(up.data)
        if digest in ss["session"] or digest in batch_shas:
            names = ss["names"].setdefault(digest, [])
            if up.name not in names:
                names.append(up.name)
                first = core.short_file(ss["session"][digest].file) if digest in ss["session"] else names[0]
                messages.append(f"“{core.short_file(up.name)}”与已上传的“{first}”内容相同，未重复解析。")
            counts["duplicates"] += 1
            continue
        if s is not None and digest in s:
            report = s.corrected_report(digest)
            ss["session"][digest] = report
            ss["names"][digest] = [up.name]
            ss["saved"][digest] = storeview.SAVED_UNCHANGED
            if save and not s.has_file(digest):
                s.keep_file(digest, up.data)
            already.append(core.short_file(up.name))
            counts["unchanged"] += 1
            counts["added"] += 1
            continue
        batch_shas.add(digest)
        ss["names"][digest] = [up.name]
        new.append(pipeline.Source(up.name, data=up.data, sha256=digest))
    if already:
        messages.append(already_stored_message(already))
    if new:
        unsaved = [ss["session"][sha] for sha in ss["session"] if ss["saved"].get(sha) == storeview.SAVED_NOT]
        result = storeview.check_and_save(new, s, save, unsaved, on_progress=on_progress, on_page=on_page)
        for c in result.checked:
            sha = c.report.sha256
            ss["session"][sha] = c.report
            ss["saved"][sha] = c.outcome
            if c.outcome == storeview.SAVED_NOT:
                ss["unsaved_findings"][sha] = c.findings
            if c.report.format in ("pdf", "docx", "html") and not c.report.error:  # the 原文 views
                ss["sources"][sha] = result.data.get(sha)
            counts["added"] += 1
            counts["failed"] += bool(c.report.error)
            counts["imported"] += c.outcome == storeview.SAVED_IMPORTED
            counts["unchanged"] += c.outcome == storeview.SAVED_UNCHANGED
    elif on_progress and todo:
        on_progress(len(todo), len(todo), "")
    if counts["added"]:
        ss["batch_findings"] = _cross_only([r for r in ss["session"].values() if not r.error])
        changed()
    if s is None and save and new:
        messages.append("报告库无法打开，本次结果只保存在浏览器会话中。")
    ss["upload_messages"] = messages
    return {**counts, "messages": messages}


def already_stored_message(names: list[str], shown: int = 3) -> str:
    """One sentence for every file of a drop whose content the store already holds (not one box per file)."""
    if len(names) == 1:
        return f"“{names[0]}”已在报告库中（内容相同），未重复解析，沿用库中的检查结果。"
    listed = "、".join(f"“{n}”" for n in names[:shown]) + ("等" if len(names) > shown else "")
    return f"{len(names)} 个文件已在报告库中（内容相同）：{listed}，未重复解析，沿用库中的检查结果。"


def _cross_only(readable: list[ParsedReport]) -> pd.DataFrame:
    """Cross-report findings of this session's drops (e.g. copied text between bodies); not stored."""
    from parsing import rules

    if not readable:
        return storeview.empty_findings()
    cross = rules.check_batch(readable)
    if cross is None or cross.empty:
        return storeview.empty_findings()
    return storeview.with_decision_columns(core._as_findings(cross))


def sample_files() -> list[uploads.Upload]:
    """The report files of the five real seeds bundled in ``sample_reports/`` (not the demo county in
    ``sample_reports/demo/``), sorted by name."""
    return [u for u in uploads.folder_files(SAMPLE_DIR) if "/" not in u.name]


def load_demo(on_progress: Optional[Callable[[int, int, str], None]] = None,
              on_page: Optional[Callable[[int, int, str], None]] = None) -> dict:
    """Load the demo county (:mod:`ui.demo`): its reports into this session and the store, and its roster into the
    store (added to a roster already there, never replacing it). Returns :func:`add_files`' counts and
    ``roster`` (rows imported, 0 without a store)."""
    result = add_files(demo.files(), on_progress, save=True, on_page=on_page)
    s = store()
    n = 0
    if s is not None:
        n = s.import_roster(demo.roster_bytes(), replace=s.roster().empty, name="名册.csv")
        changed()
    return {**result, "roster": n}


def remove_demo() -> dict:
    """Take the demo county out of the store and this session (the store's own reports and roster stay)."""
    s = store()
    result = demo.remove(s) if s is not None else {"reports": 0, "roster": 0}
    ss = st.session_state
    for sha in [sha for sha in ss["session"] if demo.is_demo(sha)]:
        for k in ("session", "saved", "unsaved_findings", "sources", "names"):
            ss[k].pop(sha, None)
    if demo.is_demo(ss.get("current")):
        ss["current"] = None
    batch = ss["batch_findings"]
    if not batch.empty:
        ss["batch_findings"] = batch[~batch["sha256"].isin(demo.shas())].reset_index(drop=True)
    changed()
    return result


def shows_demo() -> bool:
    """Whether the working set holds reports of the demo county (pages then say 示例数据): one of this session's
    drops, or a current stored report (asked of the store's catalog shared by every session, once per generation,
    not of a copy of this session's catalog on every page)."""
    init()
    shas = demo.shas()
    if any(sha in shas for sha in st.session_state["session"]):
        return True
    s = store()
    return s is not None and _stored_demo(str(s.path), _generation(s))


@st.cache_resource(show_spinner=False, max_entries=4)
def _stored_demo(path: str, generation: str) -> bool:
    """Whether a current stored report is one of the demo county's (the shared catalog is only read)."""
    return bool(_shared_view(path, generation, "catalog")["sha256"].isin(list(demo.shas())).any())


def clear() -> None:
    """Forget this session's drops (the store keeps what was saved).
    ``seen_uploads`` stays: files still sitting in the uploader must not come straight back."""
    for k in ("session", "saved", "unsaved_findings", "batch_findings", "sources", "names", "upload_messages",
              "current", "loaded"):  # zip_budget stays: clearing the list does not renew what archives may use
        st.session_state.pop(k, None)
    init()
    changed()


def trend_data(metric_id: str) -> pd.DataFrame:
    """:func:`ui.metrics.trend_frame` of the working set for one metric (only its cells are read)."""
    from . import metrics

    def build():
        s = store()
        if s is not None and not st.session_state["session"]:  # the store alone: shared by every session
            return _stored_trend(str(s.path), _generation(s), metric_id)
        t, c = metrics.metric_cells(metric_id)
        session = dict(st.session_state["session"])
        rows = None
        if s is not None:  # the rows the metric reads, among the store's and this session's cells
            known = set(s.cell_rows(t)) | {r for rep in session.values() if not rep.error
                                           for r in rep.values["row"].tolist()}
            rows = metrics.metric_rows(metric_id, known)
        return metrics.trend_frame(storeview.working_values(s, session, t, c, rows), metric_id)

    return _cached(f"trend_{metric_id}", build)


@st.cache_resource(show_spinner=False, max_entries=16)
def _stored_trend(path: str, generation: str, metric_id: str) -> pd.DataFrame:
    """:func:`trend_data` of the store's current reports (no session drops), cached on the store's generation
    and shared by every session as it is (not pickled and copied for each: a province's trend is 90,000 rows;
    its users only read it, and pandas' copy-on-write keeps what they derive from it apart)."""
    from . import metrics

    # sums in SQL, not every value read; where each report sits is read once for every metric
    return metrics.stored_trend_frame(_open_store(path), metric_id, places=_stored_view(path, generation, "places"))
