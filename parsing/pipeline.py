"""The one pipeline: parse -> check -> store -> re-check the neighbouring years.

Every way a report enters or changes in the store goes through here, so the dashboard, the command line and
``import`` give the same answer for the same file:

* the upload page (``ui.storeview.check_and_save``), ``import`` (:func:`parsing.batch.import_folder`) and the
  command line (``python -m parsing FILES``, with no store) call :func:`run`;
* ``reparse`` calls :func:`reparse`; corrections and re-checks call :func:`recheck`; a reviewer's choice of
  version calls :func:`set_current`.

The steps, for each file:

1. **parse** in the one pool of warm workers (:mod:`parsing.workers`, with the per-file limits); the worker also
   runs the report's own rules, so checking is spread over the cores too;
2. **check** in this process when the result depends on the store: with last year's report of the same body
   (from this batch's unsaved reports first, then the store's current version) and with the reviewer's
   corrections of a re-parsed report. With the form's rules the worker hands back the report's own findings
   (:class:`parsing.rules.OwnFindings`) and only the cross-year rules run here, against last year's report as
   this run stored it when it did (no read-back): the parent's CPU is taken from the workers on a small machine;
3. **store** the report with its parse notes and its rule findings in **one transaction**, and in that same
   transaction re-check the next year's current report of the body (its cross-year rules compare with this one).
   A kill at any moment leaves every report either as it was or fully replaced, never without its findings.

This module never imports streamlit or plotly.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import pickle
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Optional

import pandas as pd

from . import limits as _limits
from .model import ReportError
from .report import ParsedReport
from .store import CheckFn, ParseFn, Store, report_body_key
from .store.reports import report_rows
from .workers import Limits, Pool, Task, run_ahead

# What became of a file (Result.outcome)
IMPORTED, UNCHANGED, FAILED, NOT_SAVED, REPARSED = "imported", "unchanged", "failed", "not_saved", "reparsed"

_DEFAULT = object()

MSG_CHANGED = "文件在处理过程中被修改，请重新导入。"
MSG_NO_FILE = "原文件未保存。"
MSG_SHA_MISMATCH = "重新解析得到的文件指纹与存储的不一致。"
MSG_PARSER_BUG = "解析程序出错：{detail}"
MSG_CHECK_BUG = "检查或保存出错：{detail}"


def default_check() -> Optional[CheckFn]:
    """``parsing.rules.check_report`` (the rules of the form), or None when the rules module is missing."""
    try:
        from .rules import check_report
    except ImportError:  # pragma: no cover - the rules ship with the parser
        return None
    return check_report


def _accepts(fn: Callable, name: str) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    return name in sig.parameters or any(p.kind == inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())


def run_check(check_fn: CheckFn, report: ParsedReport, previous: Optional[ParsedReport]) -> pd.DataFrame:
    """Call a check function with ``previous=`` when it takes it."""
    if _accepts(check_fn, "previous"):
        return check_fn(report, previous=previous)
    return check_fn(report)


def _split(check_fn: Any) -> Optional[dict]:
    """The keyword arguments of the form's rules when ``check_fn`` is :func:`parsing.rules.check_report` (or a
    partial of it with only ``publish_deadline``), else None. Then a report's own rules run once, in its worker
    (:func:`parsing.rules.own_findings`), and this process adds only the cross-year rules
    (:func:`parsing.rules.with_previous`): the same findings as ``check_report(report, previous)``."""
    from . import rules

    kwargs: dict = {}
    fn = check_fn
    if isinstance(fn, functools.partial):
        if fn.args or not set(fn.keywords) <= {"publish_deadline"}:
            return None
        fn, kwargs = fn.func, dict(fn.keywords)
    return kwargs if fn is rules.check_report else None


class Found:
    """Rule findings as the form's rules make them, before the frame: their finding dicts, the parse notes merged
    (what :func:`parsing.rules.with_previous` makes its frame of). The store's rows are made from the dicts
    (:func:`parsing.store.reports.finding_dict_rows`) and the frame only when it is asked for (:meth:`frame`,
    the very frame ``with_previous`` gives): the process that stores an import's reports builds no frame per
    report. A :class:`Result`'s ``findings`` is always the frame."""

    __slots__ = ("dicts", "_frame", "_rows")

    def __init__(self, dicts: list[dict], rows: Optional[list] = None):
        self.dicts = dicts
        self._frame = None
        self._rows = rows

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            from .report import FINDING_COLUMNS
            from .rules import _frame

            self._frame = _frame(self.dicts, FINDING_COLUMNS)
        return self._frame

    def rows(self) -> list:
        """The store's rows of these findings (:func:`parsing.store.reports.finding_rows` of :meth:`frame`)."""
        if self._rows is None:
            from .store.reports import finding_dict_rows

            self._rows = finding_dict_rows(self.dicts)
        return self._rows

    def __getstate__(self):
        return {"dicts": self.dicts, "rows": self._rows}  # the frame is made again where it is wanted

    def __setstate__(self, state):
        self.dicts, self._rows, self._frame = state["dicts"], state["rows"], None


def _frame_of(findings: Any) -> Any:
    return findings.frame() if isinstance(findings, Found) else findings


def cross_year(own: Any, previous: Any) -> Optional[Found]:
    """What :func:`parsing.rules.with_previous` computes for ``own`` (a :class:`parsing.rules.OwnFindings`) and
    last year's report (a report, an OwnFindings or None), as a :class:`Found` (no frame); None for an unreadable
    report (then ``with_previous`` is called). ``tests/test_pipeline_found.py`` holds the two equal on real
    reports."""
    from .rules import with_previous_rows

    return None if own.report.error else Found(with_previous_rows(own, previous))


def _check(check_fn: CheckFn, report: ParsedReport, previous: Any, own: Any = None, found: bool = False) -> Any:
    """``check_fn(report, previous)``; with ``own`` (the report's :class:`parsing.rules.OwnFindings`, made by
    the same rules) only the cross-year rules run (with ``found``, given back as a :class:`Found`, the frame not
    built). ``previous`` is a report, an OwnFindings or None."""
    if own is not None:
        from .rules import with_previous

        made = cross_year(own, previous) if found else None
        return made if made is not None else with_previous(own, previous)
    if previous is not None and not isinstance(previous, ParsedReport):
        previous = previous.report
    return run_check(check_fn, report, previous)


# ---------------------------------------------------------------------------
# Step 1: parse (and the report's own rules) in a worker
# ---------------------------------------------------------------------------

def parse_and_check(data: bytes, name: str, parse_fn: Optional[ParseFn], check_fn: Optional[CheckFn],
                    on_page: Optional[Callable[[int, int], None]] = None, found: bool = False
                    ) -> tuple[ParsedReport, Any, Any]:
    """Parse one file and run its own rules (no previous year): the task every worker runs.

    Returns ``(report, findings, own)``; ``findings`` is None when the report is unreadable or no ``check_fn``
    is given, and a Chinese message (str) when the check function raised. ``own`` is the report's
    :class:`parsing.rules.OwnFindings` when ``check_fn`` is the form's rules (so the cross-year rules can be
    added later without running the others again), else None; then with ``found`` the findings are a
    :class:`Found` instead of the frame. Never raises for bad input.

    The parse and the check run in one :func:`parsing.collecting_less` (the collector's first threshold raised,
    the caller's put back after).
    """
    from . import collecting_less

    with collecting_less():
        return _parse_and_check(data, name, parse_fn, check_fn, on_page, found)


def _parse_and_check(data: bytes, name: str, parse_fn: Optional[ParseFn], check_fn: Optional[CheckFn],
                     on_page: Optional[Callable[[int, int], None]], found: bool) -> tuple[ParsedReport, Any, Any]:
    sha = hashlib.sha256(data).hexdigest()
    try:
        if parse_fn is None:
            from . import parse_bytes

            report = parse_bytes(data, name, on_page)
        else:
            report = parse_fn(data, name)
    except ReportError as exc:
        return ParsedReport(file=name, sha256=sha, error=exc.message, error_kind="data"), None, None
    except Exception as exc:  # a parser bug: this file fails, the batch goes on
        return ParsedReport(file=name, sha256=sha, error=MSG_PARSER_BUG.format(detail=f"{type(exc).__name__}: {exc}"),
                            error_kind="internal"), None, None
    report.sha256 = report.sha256 or sha
    if report.error or check_fn is None:
        return report, None, None
    try:
        split = _split(check_fn)
        if split is None:
            return report, run_check(check_fn, report, None), None
        from .rules import own_findings, with_previous

        own = own_findings(report, **split)
        made = cross_year(own, None) if found else None
        return report, made if made is not None else with_previous(own, None), own
    except Exception as exc:  # a rule bug: reported for this file
        return report, MSG_CHECK_BUG.format(detail=f"{type(exc).__name__}: {exc}"), None


def parse_check_rows(data: bytes, name: str, parse_fn: Optional[ParseFn], check_fn: Optional[CheckFn],
                     on_page: Optional[Callable[[int, int], None]] = None
                     ) -> tuple[ParsedReport, Any, Any, Any]:
    """:func:`parse_and_check`, and the report's rows for the store (:func:`parsing.store.reports.report_rows`,
    None for an unreadable report) made here too: the task of a run that stores its reports, so that the
    process writing the store only binds rows (``own``, the rules' :class:`parsing.rules.OwnFindings`, is pickled
    with the report's prepared rules context, for the cross-year rules in the receiving process). With the
    form's rules the findings come back as a :class:`Found` (their dicts, which the pickle shares with ``own``,
    and their rows; no frame made or pickled).
    Returns ``(report, findings, own, rows)``. The rows are made in the same :func:`parsing.collecting_less` as
    the parse and the check."""
    from . import collecting_less

    with collecting_less():
        report, findings, own = parse_and_check(data, name, parse_fn, check_fn, on_page, found=True)
        rows = None
        if not report.error and not isinstance(findings, str):
            try:
                rows = report_rows(report, None if isinstance(findings, Found) else findings)
                if isinstance(findings, Found):
                    rows.findings, rows.finding_rows = findings, findings.rows()
            except Exception:  # noqa: BLE001 - the store makes them itself and reports the problem there
                rows = None
    return report, findings, own, rows


def _picklable(*objs) -> bool:
    try:
        pickle.dumps(objs)
    except Exception:  # noqa: BLE001 - lambdas, closures, local functions
        return False
    return True


# ---------------------------------------------------------------------------
# Sources and results
# ---------------------------------------------------------------------------

@dataclass
class Source:
    """One file to go through the pipeline: its ``name`` (as shown and stored), and either ``data`` or
    ``load()`` (called when a worker is free, so a big batch is not held in memory). ``sha256``, when known
    beforehand (import, reparse), is checked against the bytes. ``report``: already parsed (not parsed again).
    ``key`` is the caller's."""

    name: str
    data: Optional[bytes] = None
    load: Optional[Callable[[], Optional[bytes]]] = None
    sha256: Optional[str] = None
    report: Optional[ParsedReport] = None
    key: Any = None


@dataclass
class Result:
    """What became of one source: ``outcome`` (:data:`IMPORTED`, :data:`UNCHANGED`, :data:`FAILED`,
    :data:`NOT_SAVED`, :data:`REPARSED`), the report (an unreadable file's report has ``error`` set), its
    findings (rule findings and parse notes as ``check_fn`` gives them; None for an unreadable file), and the
    Chinese ``reason`` of a failure. ``index`` is the source's position in the input."""

    index: int
    source: Source
    outcome: str
    report: Optional[ParsedReport] = None
    findings: Optional[pd.DataFrame] = None
    reason: Optional[str] = None
    data: Optional[bytes] = None

    @property
    def name(self) -> str:
        return self.source.name


def _get_findings(self: Result) -> Optional[pd.DataFrame]:
    found = self.__dict__.get("_findings")
    if isinstance(found, Found):  # made on first use: an import asks for none
        found = self.__dict__["_findings"] = found.frame()
    return found


def _set_findings(self: Result, findings: Any) -> None:
    self.__dict__["_findings"] = findings  # a frame, None, or a Found whose frame is made when asked for


# Result.findings is the findings frame; a run that stores its reports hands it a Found, made a frame on first use
Result.findings = property(_get_findings, _set_findings)  # type: ignore[assignment]


def _load(source: Source) -> tuple[Optional[bytes], Optional[str]]:
    data = source.data
    if data is None and source.load is not None:
        try:
            data = source.load()
        except OSError as exc:
            return None, f"无法打开文件：{exc.strerror or exc}"
    if data is None:
        return None, MSG_NO_FILE
    if source.sha256 and hashlib.sha256(data).hexdigest() != source.sha256:
        return None, MSG_CHANGED
    return data, None


def _error_report(name: str, data: Optional[bytes], message: str, kind: str = "data") -> ParsedReport:
    return ParsedReport(file=name, sha256=hashlib.sha256(data).hexdigest() if data is not None else "",
                        error=message, error_kind=kind)


# ---------------------------------------------------------------------------
# Steps 2 and 3: check against the neighbours, store in one transaction
# ---------------------------------------------------------------------------

class _Memory:
    """This run's (and the caller's) unsaved reports, for last year's report of the same body and for
    re-checking the next year's unsaved report when last year's arrives later."""

    def __init__(self, reports: Iterable[ParsedReport] = ()):
        self.reports: list[ParsedReport] = [r for r in reports if not r.error]
        self.results: dict[int, Result] = {}  # id(report) -> its result in this run

    def previous(self, report: ParsedReport) -> Optional[ParsedReport]:
        return self._find(report_body_key(report), None if report.year is None else report.year - 1)

    def _find(self, key, year) -> Optional[ParsedReport]:
        if key is None or year is None:
            return None
        hit = None
        for r in self.reports:  # the last one given wins
            if r.year == year and report_body_key(r) == key:
                hit = r
        return hit

    def add(self, report: ParsedReport, result: Optional[Result] = None) -> None:
        self.reports.append(report)
        if result is not None:
            self.results[id(report)] = result

    def next_year(self, report: ParsedReport) -> Optional[Result]:
        later = self._find(report_body_key(report), None if report.year is None else report.year + 1)
        return None if later is None else self.results.get(id(later))


STORED_KEPT = 256  # reports of this run kept in memory (about 0.2 MB each) for their neighbours' checks


class _Stored:
    """The reports this run stored, with their own findings (:class:`parsing.rules.OwnFindings`), by sha256 (the
    last :data:`STORED_KEPT`): checking a neighbouring year against one of them needs neither reading it back
    from the store nor running its own rules again. A report the reviewer has corrected, or given a publication
    date, since is read from the store as before."""

    def __init__(self, store: Store, size: int = STORED_KEPT):
        self.store = store
        self.size = size
        self._kept: OrderedDict[str, Any] = OrderedDict()

    def put(self, sha: str, own: Any) -> None:
        self._kept[sha] = own
        self._kept.move_to_end(sha)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def get(self, sha: str) -> Any:
        own = self._kept.get(sha)
        if own is None or self.store.correction_cells(sha) or self.store.published_override(sha):
            return None
        self._kept.move_to_end(sha)
        return own


def _previous(report: ParsedReport, store: Optional[Store], memory: Optional[_Memory] = None,
              stored: Optional[_Stored] = None) -> Any:
    """Last year's report of the same body: this batch's unsaved reports first, then the store's current version
    (with corrections; :meth:`Store.previous_report`'s lookup), as this run's :class:`parsing.rules.OwnFindings`
    when it stored that report."""
    prev = memory.previous(report) if memory is not None else None
    if prev is None and store is not None:
        key, year = report_body_key(report), report.year
        if key is None or year is None:
            return None
        sha = store.current(key, int(year) - 1)
        if not sha:
            return None
        prev = (stored.get(sha) if stored is not None else None) or store.corrected_report(sha)
    return prev


def recheck(store: Store, shas: Iterable[str], check_fn: CheckFn) -> None:
    """Re-run ``check_fn(report, previous=...)`` on the corrected stored reports and replace their stored
    findings, one transaction for all (it joins the caller's transaction when there is one)."""
    with store.transaction():
        for sha in shas:
            report = store.corrected_report(sha)
            store.set_findings(sha, run_check(check_fn, report, store.previous_report(report)))


def _recheck_next_year(store: Store, groups: Iterable[tuple], check_fn: Optional[CheckFn], skip: str,
                       just_stored: Optional[ParsedReport] = None, stored: Optional[_Stored] = None,
                       just_own: Any = None) -> None:
    """Inside the caller's transaction: re-check the current report of the year after each (key, year).
    ``just_stored`` (with its corrections applied) is used as last year's report when it is the current version,
    instead of reading it back (``just_own``: its own findings, when it has no corrections). A next year's report
    in ``stored`` gets only its cross-year rules run again."""
    if check_fn is None:
        return
    for key, year in groups:
        if key is None or year is None:
            continue
        sha = store.current(key, int(year) + 1)
        if not sha or sha == skip:
            continue
        own = stored.get(sha) if stored is not None else None
        later = own.report if own is not None else store.corrected_report(sha)
        if just_stored is not None and store.current(key, int(year)) == just_stored.sha256:
            prev = just_own if just_own is not None else just_stored
        else:
            prev = _previous(later, store, None, stored)
        found = _check(check_fn, later, prev, own, found=True)
        if isinstance(found, Found):
            store.set_findings(sha, None, found_rows=found.rows())
        else:
            store.set_findings(sha, found)


def store_report(store: Store, report: ParsedReport, findings: Any,
                 check_fn: Optional[CheckFn], data: Optional[bytes] = None, replace: bool = False,
                 checked: Optional[ParsedReport] = None, stored: Optional[_Stored] = None, own: Any = None,
                 rows: Any = None) -> str:
    """Step 3: store one checked report and re-check the next year's report of its body, in one transaction.

    ``findings``: a frame, None, or a :class:`Found` (its rows are stored, no frame made).
    With ``replace`` the stored report of the same sha256 is replaced (a re-parse: the reviewer's work stays),
    otherwise it is added (``data``: the original file, kept for a later re-parse). ``checked`` is the report as
    checked (with the reviewer's corrections), when it differs from ``report``. ``own``: the report's own
    findings (:class:`parsing.rules.OwnFindings`, of the report as stored), kept in this run's ``stored`` for the
    checks of its neighbours. ``rows``: the report's rows made in its worker
    (:class:`parsing.store.reports.ReportRows`; the store uses them only while they match). Returns the store's
    outcome (:data:`IMPORTED`, :data:`UNCHANGED` or
    :data:`REPARSED`).
    """
    key, year = report_body_key(report), report.year
    found_rows = findings.rows() if isinstance(findings, Found) else None  # then no frame is made
    frame = None if found_rows is not None else findings
    with store.transaction() as c:
        if replace:
            old = c.execute("SELECT body_key, year FROM reports WHERE sha256=?", (report.sha256,)).fetchone()
            store.replace(report, frame, rows=rows, found_rows=found_rows)
            groups = {(key, year), tuple(old)} if old else {(key, year)}
            outcome = REPARSED
        else:
            outcome = store.add(report, frame, data=data, rows=rows, found_rows=found_rows)
            groups = {(key, year)} if outcome == IMPORTED else set()
        reviewed = checked is not None and checked is not report and (
            store.correction_cells(report.sha256) or store.published_override(report.sha256))
        _recheck_next_year(store, groups, check_fn, skip=report.sha256, just_stored=checked or report,
                           stored=stored, just_own=None if reviewed else own)
    if stored is not None and own is not None and outcome in (IMPORTED, REPARSED):
        stored.put(report.sha256, own)
    return outcome


def set_current(store: Store, sha256: str, check_fn: Optional[CheckFn] = _DEFAULT) -> None:
    """The reviewer's choice of the current version of a body and year, and the re-check of the next year's
    report (whose cross-year rules compare with the current version), in one transaction."""
    check_fn = default_check() if check_fn is _DEFAULT else check_fn
    with store.transaction():
        store.set_current(sha256)
        row = store._query("SELECT body_key, year FROM reports WHERE sha256=?", (sha256,))
        _recheck_next_year(store, row, check_fn, skip="")


# ---------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------

def run(sources: Iterable[Source], store: Optional[Store] = None, *, save: bool = True, keep_files: bool = False,
        parse_fn: Optional[ParseFn] = None, check_fn: Any = _DEFAULT, workers: Optional[int] = None,
        limits: Optional[Limits] = None, pool: Optional[Pool] = None, unsaved: Iterable[ParsedReport] = (),
        cross_year: bool = True, replace: bool = False, ordered: bool = False,
        on_start: Optional[Callable[[int, Source], None]] = None,
        on_page: Optional[Callable[[int, Source, int, int], None]] = None) -> Iterator[Result]:
    """Parse, check and (with ``store`` and ``save``) store every source; yield a :class:`Result` per source as
    it is done (in the order files finish).

    * ``parse_fn(data, name)`` defaults to :func:`parsing.parse_bytes`; ``check_fn(report, previous=None)`` to
      :func:`default_check` (None: no rules). Parsing runs in ``pool`` or in a new :class:`~parsing.workers.Pool`
      of ``workers`` processes (default: the usable cores) with ``limits``; ``workers=0``, or a ``parse_fn`` that
      cannot be pickled (a test's closure), parses in this process instead, without limits.
    * Last year's report of the same body comes from ``unsaved`` (the caller's unsaved reports) and this run's
      unsaved reports first, then from the store; ``cross_year=False`` checks every report on its own (the
      command line adds the batch's cross-report rules itself).
    * ``save`` stores each readable report in one transaction with its findings (``keep_files``: with its
      bytes); ``replace`` replaces stored reports instead (a re-parse), applying the reviewer's corrections
      before the check. Unreadable files are never stored: outcome :data:`FAILED`, ``reason`` says why.
    * Without saving, a report whose last year arrives later in the run is re-checked then: its
      ``Result.findings`` are final when the run ends.
    * ``ordered``: check and store (and yield) in the order of ``sources``, so that among equal versions of one
      body and year the one given last is stored last (the dashboard's drop order); otherwise each file is
      stored as soon as it is parsed (an import of thousands of files holds nothing back).
    * ``on_start(index, source)`` when a file goes to a worker, ``on_page(index, source, done, total)`` per
      page a worker reads by OCR.
    """
    check_fn = default_check() if check_fn is _DEFAULT else check_fn
    sources = list(sources) if not isinstance(sources, list) else sources
    memory = _Memory(unsaved)
    keep = save and store is not None
    stored = _Stored(store) if keep else None
    in_process = workers == 0 or not _picklable(parse_fn)
    worker_check = check_fn if _picklable(check_fn) else None
    held: dict[int, bytes] = {}  # bytes of files in flight that are to be kept or handed back
    task_fn = parse_check_rows if keep else parse_and_check  # a stored report's rows are made in its worker

    def finish(i: int, report: ParsedReport, findings: Any, own: Any, data: Optional[bytes], rows: Any = None
               ) -> Result:
        src = sources[i]
        if src.sha256 and report.sha256 and report.sha256 != src.sha256:
            return Result(i, src, FAILED, report, None, MSG_SHA_MISMATCH, data)
        if report.error:
            return Result(i, src, FAILED, report, None, report.error, data)
        if isinstance(findings, str):  # the check raised in the worker
            return Result(i, src, FAILED, report, None, findings, data)
        report.file = src.name
        if replace and store is not None and not report.published:
            # a fetched report keeps the publication date its page showed (parsing.store.sources)
            report.published, report.published_source = store.source_published(report.sha256)
        try:
            # a re-parse is checked with the reviewer's corrections and publication date; it is stored as parsed
            checked = store.apply_review(copy.copy(report)) if (replace and store is not None) else report
            reviewed = checked is not report and (store.correction_cells(report.sha256)
                                                  or store.published_override(report.sha256))
            prev = _previous(checked, store, memory, stored) if cross_year else None
            if check_fn is not None and (findings is None or prev is not None or reviewed):
                findings = _check(check_fn, checked, prev, None if reviewed else own, found=keep)
            if keep:
                outcome = store_report(store, report, findings, check_fn,
                                       data=data if keep_files else None, replace=replace, checked=checked,
                                       stored=stored, own=own, rows=rows)
                result = Result(i, src, outcome, report, findings, None, data)
            else:
                result = Result(i, src, NOT_SAVED, report, _frame_of(findings), None, data)
                if cross_year and check_fn is not None:
                    later = memory.next_year(report)
                    if later is not None:  # this year's report came after next year's: check that one again
                        later.findings = run_check(check_fn, later.report, report)
                memory.add(report, result)
        except ReportError as exc:
            return Result(i, src, FAILED, report, None, exc.message, data)
        except Exception as exc:  # a rule bug: this file fails, the batch goes on
            return Result(i, src, FAILED, report, None, MSG_CHECK_BUG.format(detail=f"{type(exc).__name__}: {exc}"),
                          data)
        return result

    def tasks() -> Iterator[Task]:
        for i, src in enumerate(sources):
            if src.report is not None:
                continue
            data, reason = _load(src)
            if data is None:
                yield Task(i, src.name, error=reason)
                continue
            try:
                _limits.check_size(data, src.name)
            except ReportError as exc:
                yield Task(i, src.name, error=exc.message, args=(data,))
                continue
            held[i] = data
            yield Task(i, src.name, task_fn, (data, src.name, parse_fn, worker_check))

    def parsed() -> Iterator[tuple[int, ParsedReport, Any, Any, Optional[bytes], Any]]:
        """(index, report, findings, own findings, bytes, rows) of every source as its parse finishes."""
        for i, src in enumerate(sources):  # already parsed sources first, in the order given
            if src.report is not None:
                yield i, src.report, None, None, src.data, None
        if in_process:
            for task in tasks():
                i = task.key
                if task.error is not None:
                    data = task.args[0] if task.args else None
                    yield i, _error_report(task.name, data, task.error), None, None, data, None
                    continue
                if on_start:
                    on_start(i, sources[i])
                page = (lambda d, n, _i=i: on_page(_i, sources[_i], d, n)) if on_page else None
                data, name, parse = task.args[:3]
                report, findings, own = parse_and_check(data, name, parse, check_fn, page)
                yield i, report, findings, own, held.pop(i, None), None
            return
        own_pool = pool is None
        workers_pool = pool or Pool(workers, limits)
        stream = None
        try:
            started = (lambda t: on_start(t.key, sources[t.key])) if on_start else None
            paged = (lambda t, d, n: on_page(t.key, sources[t.key], d, n)) if on_page else None
            # a local pool is served from a thread while this one checks and stores (parsing.workers.run_ahead)
            stream = (run_ahead(workers_pool, tasks(), started, paged) if isinstance(workers_pool, Pool) and keep
                      else workers_pool.run(tasks(), on_start=started, on_page=paged))
            for out in stream:
                i = out.task.key
                data = held.pop(i, None)
                if data is None and out.task.args:
                    data = out.task.args[0]
                rows = None
                if out.ok:
                    report, findings, own, *more = out.value
                    rows = more[0] if more else None
                else:
                    kind = "internal" if out.reason in ("died", "raised") else "data"
                    report = _error_report(out.task.name, data, out.error, kind)
                    if not report.sha256 and sources[i].sha256:
                        report.sha256 = sources[i].sha256
                    findings = own = None
                yield i, report, findings, own, data, rows
        finally:
            if stream is not None:
                stream.close()  # before the pool closes: the serving thread ends its run first
            if own_pool:
                workers_pool.close()

    stream = parsed()
    if not ordered:
        for item in stream:
            yield finish(*item)
        return
    waiting: dict[int, tuple] = {}
    nxt = 0
    for item in stream:
        waiting[item[0]] = item
        while nxt in waiting:
            yield finish(*waiting.pop(nxt))
            nxt += 1


def parse_one(data: bytes, name: str, *, limits: Optional[Limits] = None,
              on_page: Optional[Callable[[int, int], None]] = None, parse_fn: Optional[ParseFn] = None
              ) -> ParsedReport:
    """Parse one file in a worker with ``limits`` (no rules, no store): for tools and tests. A batch goes through
    :func:`run`, which keeps one pool warm for all its files."""
    page = (lambda _i, _src, done, total: on_page(done, total)) if on_page else None
    res = next(run([Source(name, data=data)], None, save=False, check_fn=None, parse_fn=parse_fn, workers=1,
                   limits=limits, on_page=page))
    return res.report


def reparse(store: Store, parse_fn: Optional[ParseFn] = None, check_fn: Optional[CheckFn] = None,
            progress: Optional[Callable[[int, int, str, str], None]] = None, workers: Optional[int] = 1,
            pool: Optional[Pool] = None) -> dict:
    """Re-parse every stored report that kept its original file (after a parser upgrade).

    Each report is re-parsed in the pool, checked (with the reviewer's corrections and last year's current
    report) and replaced together with its findings in one transaction, in which the next year's report is
    re-checked too; the reviewer's decisions, corrections and version choice, and ``added_at``, stay. A report the
    new parser cannot read keeps its old data and is listed in ``failed``. Files are handed out in year order.
    ``check_fn`` None stores no rule findings (parse notes only). ``progress(done, total, name, outcome)`` per
    report.

    Returns ``{"reparsed": n, "skipped": n_without_file, "failed": [(file_name, reason)]}``.
    """
    rows = store._query("SELECT r.sha256, r.file_name FROM reports r JOIN files f ON f.sha256=r.sha256"
                        " ORDER BY r.year IS NULL, r.year, r.id")
    skipped = len(store) - len(rows)
    sources = [Source(name, load=lambda sha=sha: store.file_bytes(sha), sha256=sha) for sha, name in rows]
    reparsed, failed = 0, []
    for done, res in enumerate(run(sources, store, parse_fn=parse_fn, check_fn=check_fn, workers=workers,
                                   pool=pool, replace=True), 1):
        if res.outcome == REPARSED:
            reparsed += 1
        else:
            failed.append((res.name, res.reason))
        if progress:
            progress(done, len(rows), res.name, REPARSED if res.outcome == REPARSED else FAILED)
    return {"reparsed": reparsed, "skipped": skipped, "failed": failed}
