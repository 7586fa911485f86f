"""A fetch: URLs (or the roster's 年报栏目 pages) -> pages and attachments -> the one pipeline -> the store.

For each :class:`Job` (one URL, optionally the year and the body wanted):

1. **resume**: a job whose URL and year already stored reports (``sources``) is skipped without a request;
2. **fetch** (in a thread; :class:`~parsing.fetch.client.Client` keeps every limit and the manners per host):

   * an attachment (PDF, DOC, DOCX, WPS, XLS, XLSX; by its bytes first, then its type and name) is read as is;
   * a report page (its text carries most of the form's section headings) is read, together with its
     attachments (the same report as a PDF beside the page, usually);
   * a page whose title names 年度报告/年报 but holds no report itself wraps its attachments: they are read;
   * any other page is a list page: the links whose text names the year and 年度报告/年报 are followed, one
     level (a followed page is read with its attachments; its own list links are not followed). With a body
     (a roster job) the links naming that body win. Where several links remain, the reviewer picks
     (:attr:`Outcome.candidates`, and :attr:`Job.picks` on the next run) unless ``take_all``;
   * a link whose bytes are already stored (its final URL is a stored source) is not fetched again.

3. **parse** every fetched document through :func:`parsing.pipeline.run` (the warm worker pool, the same parse as
   a dropped file);
4. **one report, several sources**: documents of one job that parse to the same body, the same year and
   identical values (every cell of the form: the same status and the same number) are one report; the one
   stored is the rendition with pages (PDF, then DOCX, then DOC/WPS, then the page's HTML), and every rendition
   is a source of it. A document identical in that sense to a report already stored becomes a source of that
   report instead of a second report;
5. **store** through :func:`parsing.pipeline.run` (check with last year, store with its findings, re-check next
   year; the original bytes kept) and record each source with the publication date the page shows; one job is
   one transaction, so an interrupted fetch leaves every job stored whole or not at all.

Publication date of a report, best first (:data:`parsing.store.PUBLISHED_SOURCES`): the ``发布时间`` a page shows,
the page's meta tags, the date beside the link on a list page, a ``发布时间`` in the report's own text, the
attachment's own metadata, the ``Last-Modified`` header. Where the parser read none, the report takes that one.
"""
from __future__ import annotations

import hashlib
import math
import queue
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Iterator, Optional
from urllib.parse import unquote, urlsplit

from ..report import ParsedReport
from ..store import PUBLISHED_SOURCES, SourceRow, Store, report_body_key
from ..store.roster import _place_stem
from . import client as _client
from .client import BEIJING, Client, FetchError, Settings
from .pages import Link, Page, attachment_published, names_report, read_page

# Outcome.status
IMPORTED, UNCHANGED, SKIPPED, FAILED, CHOOSE = "imported", "unchanged", "skipped", "failed", "choose"
STATUS_ZH = {IMPORTED: "新导入", UNCHANGED: "库中已有", SKIPPED: "上次已导入（未重新下载）", FAILED: "失败", CHOOSE: "需要选择"}

MSG_NOT_REPORT = "不是年度报告：{what}"
MSG_NO_LINKS = "网页中没有找到政府信息公开工作年度报告的内容，也没有标题含“{year}”和“年度报告/年报”的链接。"
MSG_NOT_A_FILE = "网址返回的是“{ctype}”，不是网页，也不是 PDF、DOC、DOCX、WPS 或 Excel 文件。"
MSG_CHOOSE = "列表页中有 {n} 个 {year} 年度报告的链接，请选择要导入的报告。"
MSG_SKIPPED = "上次已从此网址导入 {n} 份报告，未重新下载。"
MSG_BODY_MISMATCH = "报告的单位“{got}”与名册中的“{want}”不一致，请核对。"
MSG_YEAR_MISMATCH = "报告年度为 {got} 年，不是要求的 {want} 年。"
MSG_SAME_AS_STORED = "与库中已有的报告内容相同，记为该报告的又一来源。"

_FORMAT_RANK = {"pdf": 0, "docx": 1, "legacy": 2, "html": 3}
MAX_ATTACHMENTS = 4  # attachments read per page


def default_year() -> int:
    """The year whose reports are due now: last year in Beijing time (reports are published by 31 January or, for
    county governments, 31 March)."""
    return datetime.now(BEIJING).year - 1


@dataclass
class Job:
    """One URL to fetch: ``year`` (default :func:`default_year`), ``body`` (a roster job: the body wanted),
    ``picks`` (links the reviewer chose on a list page)."""

    url: str
    year: Optional[int] = None
    body: Optional[str] = None
    picks: Optional[list] = None

    @property
    def year_asked(self) -> int:
        return int(self.year) if self.year else default_year()


@dataclass
class Doc:
    """One fetched page or attachment (or a link whose report is stored already: ``known_sha``)."""

    url: str  # the URL this document was asked for (the job's URL, or the link followed)
    final_url: str
    data: bytes
    content_type: str
    fetched_at: str
    via_url: Optional[str] = None
    link_text: Optional[str] = None
    hints: list = field(default_factory=list)  # [(date, source)], where the fetch read a publication date
    known_sha: Optional[str] = None
    is_page: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class StoredReport:
    sha256: str
    outcome: str  # "imported" / "unchanged"
    body: Optional[str]
    year: Optional[int]
    published: Optional[str]
    published_source: Optional[str]
    sources: list  # final URLs


@dataclass
class Outcome:
    """What became of one job: ``status`` (:data:`IMPORTED`, :data:`UNCHANGED`, :data:`SKIPPED`, :data:`FAILED`,
    :data:`CHOOSE`), a Chinese ``message``, the reports stored, the Chinese ``notes`` on documents of the job that
    were not stored, and the ``candidates`` to choose from."""

    index: int
    job: Job
    status: str
    message: str = ""
    reports: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    candidates: list = field(default_factory=list)  # [Link]


# ---------------------------------------------------------------------------
# Fetching one job (in a thread)
# ---------------------------------------------------------------------------

def _kind(data: bytes, content_type: str, url: str) -> str:
    head = data[:2048]
    path = urlsplit(url).path.lower()
    if b"%PDF-" in head[:1024]:
        return "attachment"
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or head[:4] == b"PK\x03\x04":
        return "attachment"
    low = head.lower()
    if "html" in content_type or b"<html" in low or b"<!doctype html" in low or path.endswith((".html", ".htm",
                                                                                                ".shtml")):
        return "page"
    if content_type.startswith("text/") or path.endswith((".txt", ".md")):
        return "attachment"
    return "other"


def _name_for(doc: Doc) -> str:
    """A file name for the store: host and the last part of the path, with the extension its bytes need."""
    parts = urlsplit(doc.final_url)
    base = unquote(parts.path.rsplit("/", 1)[-1]) or "index"
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '\\/:*?"<>|')[:120] or "index"
    head = doc.data[:1024]
    if doc.is_page and not base.lower().endswith((".html", ".htm", ".shtml")):
        base += ".html"
    elif b"%PDF-" in head and not base.lower().endswith(".pdf"):
        base += ".pdf"
    return f"{parts.hostname}/{base}"


class _Fetcher:
    def __init__(self, client: Client, store: Store, events: "queue.Queue", take_all: bool):
        self.client, self.store, self.events, self.take_all = client, store, events, take_all

    def _get(self, index: int, url: str):
        def on_bytes(done: int, total: Optional[int]) -> None:
            self.events.put(("bytes", index, url, done, total))

        self.events.put(("get", index, url, 0, None))
        return self.client.get(url, on_bytes)

    def _doc(self, resp, url: str, via: Optional[Page] = None, link: Optional[Link] = None) -> Doc:
        doc = Doc(url=url, final_url=resp.final_url, data=resp.data, content_type=resp.content_type,
                  fetched_at=resp.fetched_at, via_url=via.url if via else None, link_text=link.text if link else None)
        if via is not None:  # the page linking here shows when it was published
            if via.shown_published and not via.is_list:
                doc.hints.append((via.shown_published, "page"))
            if via.meta_published and not via.is_list:
                doc.hints.append((via.meta_published, "html-meta"))
        if link is not None and link.date:
            doc.hints.append((link.date, "list"))
        return doc

    def _add_time_hints(self, doc: Doc, resp) -> None:
        own = attachment_published(doc.data)
        if own[0]:
            doc.hints.append(own)
        if resp.last_modified:
            doc.hints.append((resp.last_modified, "http-header"))

    def job(self, index: int, job: Job) -> tuple[list[Doc], list[str], list[Link]]:
        """The documents of one job, notes on links that failed, and candidates when the reviewer must choose."""
        _client.check_url(job.url)
        resp = self._get(index, job.url)
        kind = _kind(resp.data, resp.content_type, resp.final_url)
        if kind == "other":
            raise FetchError(MSG_NOT_REPORT.format(what=MSG_NOT_A_FILE.format(ctype=resp.content_type or "未知类型")),
                             _client.NOT_REPORT, job.url)
        if kind == "attachment":
            doc = self._doc(resp, job.url)
            self._add_time_hints(doc, resp)
            return [doc], [], []
        page = read_page(resp.data, resp.final_url)
        docs, notes = self._page_docs(index, job.url, resp, page, None, None)
        if docs:
            return docs, notes, []
        year = job.year_asked
        links = page.report_links(year)
        if job.picks is not None:
            picked = set(job.picks)
            links = [k for k in links if k.url in picked] + [Link(u, "") for u in job.picks
                                                              if u not in {k.url for k in links}]
        elif job.body and len(links) > 1:
            named = [k for k in links if _names_body(k.text, job.body)]
            links = named or links
        if not links:
            raise FetchError(MSG_NOT_REPORT.format(what=MSG_NO_LINKS.format(year=year)), _client.NOT_REPORT, job.url)
        if len(links) > 1 and job.picks is None and not self.take_all:
            return [], [], links
        page.is_list = True
        for link in links:
            known = self.store.fetched_from(link.url)
            if known:
                docs.append(_known_doc(link.url, page, link.text, known,
                                       hints=[(link.date, "list")] if link.date else []))
                continue
            try:
                resp2 = self._get(index, link.url)
            except FetchError as exc:
                notes.append(exc.message)
                continue
            if _kind(resp2.data, resp2.content_type, resp2.final_url) == "page":
                sub = read_page(resp2.data, resp2.final_url)
                more, more_notes = self._page_docs(index, link.url, resp2, sub, page, link, wrapper_ok=True)
                docs += more
                notes += more_notes
                if not more:
                    notes.append(MSG_NOT_REPORT.format(what=f"链接“{link.text or link.url}”打开的网页中没有报告：{link.url}"))
            else:
                doc = self._doc(resp2, link.url, page, link)
                self._add_time_hints(doc, resp2)
                docs.append(doc)
        return docs, notes, []

    def _page_docs(self, index: int, url: str, resp, page: Page, via: Optional[Page], link: Optional[Link],
                   wrapper_ok: bool = True) -> tuple[list[Doc], list[str]]:
        """A report page with its attachments, or a page wrapping its report's attachments; [] for a list page."""
        page.is_list = False
        docs: list[Doc] = []
        notes: list[str] = []
        wrapper = names_report(page.title) and page.attachments()
        if not page.report_like and not (wrapper_ok and wrapper):
            return [], []
        if page.report_like:
            doc = self._doc(resp, url, via, link)
            doc.is_page = True
            if page.meta_published:
                doc.hints.append((page.meta_published, "html-meta"))
            if resp.last_modified:
                doc.hints.append((resp.last_modified, "http-header"))
            docs.append(doc)
        attachments = [a for a in page.attachments()
                       if page.report_like or names_report(a.text + a.file_name) or names_report(page.title)]
        for a in attachments[:MAX_ATTACHMENTS]:
            known = self.store.fetched_from(a.url)
            if known:
                docs.append(_known_doc(a.url, page, a.text, known))
                continue
            try:
                r = self._get(index, a.url)
            except FetchError as exc:
                notes.append(exc.message)
                continue
            doc = self._doc(r, a.url, page, a)
            if link is not None and link.date:
                doc.hints.append((link.date, "list"))
            self._add_time_hints(doc, r)
            docs.append(doc)
        return docs, notes


def _names_body(text: str, body: str) -> bool:
    """Whether ``text`` (a link's text, a report's body) names ``body`` (a roster name, perhaps with its county
    before it: ``测试县青山镇人民政府`` is named by ``青山镇2022年…``)."""
    from ..forms import norm

    key = norm(body).replace("人民政府", "").replace("办事处", "")
    t = norm(text)
    if not key:
        return False
    names = {key}
    parts = [x for x in re.split(r"(?<=[省市州县区旗盟])", key) if x]
    if len(parts) > 1 and len(parts[-1]) >= 2:
        names.add(parts[-1])  # the body's own name without the places above it
    stems = {_place_stem(n) for n in names}
    return any(n in t for n in names) or any(len(st) >= 2 and st in t for st in stems)


# ---------------------------------------------------------------------------
# Parsing, grouping and storing (in the calling thread)
# ---------------------------------------------------------------------------

def _signature(report: ParsedReport) -> Optional[tuple]:
    """Every cell as (table, row, column, status, value): equal signatures are the same report's values."""
    v = report.values
    if v is None or v.empty or not (v["status"] == "ok").any():
        return None
    out = []
    for r in v.itertuples(index=False):
        val = None if r.value is None or (isinstance(r.value, float) and math.isnan(r.value)) else float(r.value)
        out.append((r.table, r.row, r.column, r.status, val))
    return tuple(sorted(out, key=lambda x: x[:3]))


def same_report(a: ParsedReport, b: ParsedReport) -> bool:
    """One report or two: the same body (its key), the same year and identical values in every cell."""
    key = report_body_key(a)
    return (key is not None and key == report_body_key(b) and a.year is not None and a.year == b.year
            and _signature(a) is not None and _signature(a) == _signature(b))


def looks_like_report(report: ParsedReport) -> bool:
    """A readable file with the form's cells or most of its sections: what a fetched document must be to be kept."""
    if report.error:
        return False
    cells = int((report.values["status"] == "ok").sum()) if not report.values.empty else 0
    return cells > 0 or sum(report.sections_found().values()) >= 4


def _best_published(items: list) -> tuple[Optional[str], Optional[str]]:
    rank = {s: i for i, s in enumerate(PUBLISHED_SOURCES)}
    items = [(d, s) for d, s in items if d]
    if not items:
        return None, None
    return min(items, key=lambda x: (rank.get(x[1], len(rank)), x[0]))


def _doc_published(doc: Doc, report: Optional[ParsedReport]) -> tuple[Optional[str], Optional[str]]:
    items = list(doc.hints)
    if report is not None and report.published:
        source = report.published_source  # the reader says where it found the date (a 发布时间 line, meta tags)
        if source in (None, "page"):
            source = "page" if doc.is_page else "report-text"
        items.append((report.published, source))
    return _best_published(items)



def _known_doc(url: str, via: Page, link_text: str, sha: str, hints: Optional[list] = None) -> Doc:
    """A link fetched and stored before (report ``sha``): a source to add, nothing to download again."""
    return Doc(url=url, final_url=url, data=b"", content_type="", fetched_at="", via_url=via.url, link_text=link_text,
               known_sha=sha, hints=hints or [])

class Run:
    """The state of one fetch: the store, the settings, the client, the pool; :meth:`__call__` runs jobs."""

    def __init__(self, store: Store, settings: Optional[Settings] = None, *, workers: int = 1, limits=None,
                 check_fn=None, take_all: bool = False, pool=None):
        from ..pipeline import default_check

        self.store = store
        self.settings = settings or Settings()
        self.workers, self.limits = workers, limits
        self.check_fn = check_fn if check_fn is not None else default_check()
        self.take_all = take_all
        self._pool = pool

    def pool(self):
        if self._pool is None:
            from ..workers import Pool

            self._pool = Pool(self.workers, self.limits)
            self._own_pool = True
        return self._pool

    def close(self) -> None:
        if self._pool is not None and getattr(self, "_own_pool", False):
            self._pool.close()
            self._pool = None

    def parse(self, docs: list[Doc]) -> list[Optional[ParsedReport]]:
        from .. import pipeline

        todo = [(i, d) for i, d in enumerate(docs) if d.known_sha is None]
        out: list[Optional[ParsedReport]] = [None] * len(docs)
        if not todo:
            return out
        sources = [pipeline.Source(_name_for(d), data=d.data) for _, d in todo]
        for res in pipeline.run(sources, None, save=False, check_fn=None, cross_year=False, pool=self.pool()):
            out[todo[res.index][0]] = res.report
        return out

    def store_job(self, docs: list[Doc], reports: list[Optional[ParsedReport]], job: Job) -> tuple[list, list]:
        """Group, store and record the sources of one job's documents, in one transaction."""
        from .. import pipeline

        notes: list[str] = []
        groups: list[list[int]] = []
        for i, (doc, rep) in enumerate(zip(docs, reports)):
            if doc.known_sha:
                groups.append([i])
                continue
            if rep is None or not looks_like_report(rep):
                if rep is not None and rep.error and not rep.error.startswith("未找到年度报告"):
                    notes.append(f"{doc.final_url}：{rep.error}")
                elif not doc.is_page or len(docs) == 1:
                    notes.append(MSG_NOT_REPORT.format(what=f"{doc.final_url} 中没有读出年度报告的章节或表格。"))
                continue
            for g in groups:
                j = g[0]
                if reports[j] is not None and not docs[j].known_sha and same_report(reports[j], rep):
                    g.append(i)
                    break
            else:
                groups.append([i])
        stored: list[StoredReport] = []
        with self.store.transaction():
            for g in groups:
                stored.append(self._store_group(job, [docs[i] for i in g], [reports[i] for i in g], notes,
                                                pipeline))
        return stored, notes

    def _store_group(self, job: Job, docs: list[Doc], reps: list, notes: list, pipeline) -> StoredReport:
        year_asked = job.year_asked
        if docs[0].known_sha:  # stored before (another job): one more source
            sha = docs[0].known_sha
            rep = self.store.get(sha)
            self._add_sources(sha, job, docs, [_doc_published(docs[0], None)], year_asked)
            return StoredReport(sha, UNCHANGED, rep.body, rep.year, *self.store.source_published(sha),
                                [d.final_url for d in docs])
        order = sorted(range(len(docs)), key=lambda i: (_FORMAT_RANK.get(reps[i].format, 9), i))
        main = order[0]
        report, doc = reps[main], docs[main]
        shown = [_doc_published(d, r) for d, r in zip(docs, reps)]  # before the report takes the best of them
        date, source = _best_published(shown)
        if date:  # the best date any rendition shows (the parser's own among them)
            report.published, report.published_source = date, source
        if job.body and report.body and not _names_body(report.body, job.body) and not _names_body(job.body,
                                                                                                   report.body):
            notes.append(MSG_BODY_MISMATCH.format(got=report.body, want=job.body))
        if report.year and job.year and report.year != job.year:
            notes.append(MSG_YEAR_MISMATCH.format(got=report.year, want=job.year))
        sha = report.sha256
        twin = None if sha in self.store else self._identical_stored(report)
        if twin is not None:
            notes.append(MSG_SAME_AS_STORED)
            self._add_sources(twin, job, docs, shown, year_asked)
            return StoredReport(twin, UNCHANGED, report.body, report.year, *self.store.source_published(twin),
                                [d.final_url for d in docs])
        src = pipeline.Source(_name_for(doc), data=doc.data, report=report)
        res = next(pipeline.run([src], self.store, keep_files=True, check_fn=self.check_fn, pool=self.pool()))
        if res.outcome == pipeline.FAILED:
            raise FetchError(res.reason or "保存失败", "store", job.url)
        self._add_sources(sha, job, docs, shown, year_asked)
        outcome = IMPORTED if res.outcome == pipeline.IMPORTED else UNCHANGED
        return StoredReport(sha, outcome, report.body, report.year, report.published, report.published_source,
                            [d.final_url for d in docs])

    def _identical_stored(self, report: ParsedReport) -> Optional[str]:
        key = report_body_key(report)
        if key is None or report.year is None:
            return None
        rows = self.store._query("SELECT sha256 FROM reports WHERE body_key=? AND year=?", (key, int(report.year)))
        for (sha,) in rows:
            if same_report(self.store.get(sha), report):
                return sha
        return None

    def _add_sources(self, sha: str, job: Job, docs: list[Doc], shown: list, year_asked: int) -> None:
        for doc, (date, source) in zip(docs, shown):
            if doc.known_sha:
                old = self.store.sources(doc.known_sha)
                hit = old[old["final_url"] == doc.final_url]
                if not hit.empty:
                    row = hit.iloc[0]
                    date, source = (date, source) if date else (row["published"], row["published_source"])
                    self.store.add_source(SourceRow(sha, job.url, doc.final_url, row["fetched_at"],
                                                    row["content_sha256"], doc.via_url, doc.link_text, year_asked,
                                                    date, source, row["content_type"]))
                continue
            self.store.add_source(SourceRow(sha, job.url, doc.final_url, doc.fetched_at, doc.sha256, doc.via_url,
                                            doc.link_text, year_asked, date, source, doc.content_type or None))


def fetch(jobs: Iterable[Job], store: Store, settings: Optional[Settings] = None, *,
          on_event: Optional[Callable[[str, int, str, int, Optional[int]], None]] = None, take_all: bool = False,
          workers: int = 1, limits=None, check_fn=None, client: Optional[Client] = None,
          resume: bool = True, pool=None) -> Iterator[Outcome]:
    """Run every job and yield its :class:`Outcome` as it finishes (jobs of different hosts are fetched at the same
    time, :attr:`Settings.parallel_hosts` at most; parsing and storing happen in the calling thread).

    ``on_event(kind, index, url, done, total)`` is called in the calling thread: ``"start"`` when a job starts,
    ``"get"`` when a request is made, ``"bytes"`` as bytes arrive (``total`` None when the size is not known),
    ``"parse"`` when its documents go to the parser, ``"done"`` at its end. ``resume=False`` fetches again a job
    whose reports are stored. ``pool``: a :class:`parsing.workers.Pool` to parse in (default: one of ``workers``
    processes for this fetch). One URL that fails never stops the others.
    """
    settings = settings or Settings()
    jobs = list(jobs)
    events: "queue.Queue" = queue.Queue()
    own_client = client is None
    client = client or Client(settings)
    runner = Run(store, settings, workers=workers, limits=limits, check_fn=check_fn, take_all=take_all, pool=pool)
    fetcher = _Fetcher(client, store, events, take_all)
    done_q: "queue.Queue" = queue.Queue()

    def emit(kind: str, i: int, url: str, done: int = 0, total: Optional[int] = None) -> None:
        if on_event:
            on_event(kind, i, url, done, total)

    def work(i: int, job: Job) -> None:
        try:
            done_q.put((i, fetcher.job(i, job), None))
        except FetchError as exc:
            done_q.put((i, None, exc))
        except Exception as exc:  # noqa: BLE001 - one URL never stops the batch
            done_q.put((i, None, FetchError(f"处理网址时出错（{type(exc).__name__}）：{job.url}", "internal", job.url)))

    threads = ThreadPoolExecutor(max_workers=max(1, settings.parallel_hosts), thread_name_prefix="fetch")
    try:
        pending = 0
        for i, job in enumerate(jobs):
            if resume:
                stored = store.fetched(job.url, job.year_asked)
                if stored:
                    emit("done", i, job.url, 1, 1)
                    yield Outcome(i, job, SKIPPED, MSG_SKIPPED.format(n=len(stored)),
                                  reports=[_stored_row(store, sha) for sha in stored])
                    continue
            emit("start", i, job.url)
            threads.submit(work, i, job)
            pending += 1
        def drain() -> None:
            try:
                while True:
                    emit(*events.get_nowait())
            except queue.Empty:
                pass

        while pending:
            drain()
            try:
                i, result, error = done_q.get(timeout=0.1)
            except queue.Empty:
                continue
            drain()  # the job's last events come before its end
            pending -= 1
            job = jobs[i]
            if error is not None:
                emit("done", i, job.url, 1, 1)
                yield Outcome(i, job, FAILED, error.message)
                continue
            docs, notes, candidates = result
            if candidates:
                emit("done", i, job.url, 1, 1)
                yield Outcome(i, job, CHOOSE, MSG_CHOOSE.format(n=len(candidates), year=job.year_asked),
                              notes=notes, candidates=candidates)
                continue
            emit("parse", i, job.url)
            try:
                reports = runner.parse(docs)
                stored, more = runner.store_job(docs, reports, job)
            except FetchError as exc:
                emit("done", i, job.url, 1, 1)
                yield Outcome(i, job, FAILED, exc.message, notes=notes)
                continue
            notes += more
            emit("done", i, job.url, 1, 1)
            if not stored:
                msg = next((n for n in notes if n.startswith("不是年度报告")), None) or (notes[0] if notes else
                                                                                     MSG_NOT_REPORT.format(what=job.url))
                yield Outcome(i, job, FAILED, msg, notes=notes)
                continue
            status = IMPORTED if any(s.outcome == IMPORTED for s in stored) else UNCHANGED
            yield Outcome(i, job, status, _summary(stored), reports=stored, notes=notes)
    finally:
        threads.shutdown(wait=True, cancel_futures=True)
        runner.close()
        if own_client:
            client.close()


def _stored_row(store: Store, sha: str) -> StoredReport:
    rep = store.get(sha)
    return StoredReport(sha, UNCHANGED, rep.body, rep.year, *store.source_published(sha),
                        list(store.sources(sha)["final_url"]))


def _summary(stored: list[StoredReport]) -> str:
    parts = []
    for s in stored:
        what = "新导入" if s.outcome == IMPORTED else "库中已有"
        when = f"，发布日期 {s.published}" if s.published else "，未找到发布日期"
        parts.append(f"{what}：{s.body or '（单位未识别）'} {s.year or '（年度未识别）'}年{when}（来源 {len(s.sources)} 个）")
    return "；".join(parts)


def read_url_file(text: str) -> list[str]:
    """The URLs of a text file or a pasted list: one a line (or separated by spaces); ``#`` starts a comment."""
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
        for word in line.split():
            word = word.strip().strip(",，;；")
            if word and word not in out:
                out.append(word)
    return out


def roster_jobs(store: Store, year: Optional[int] = None) -> list[Job]:
    """One job per roster body with a 年报栏目 page."""
    rows = store.roster_report_urls()
    return [Job(r.report_url.strip(), year, r.body) for r in rows.itertuples(index=False)]
