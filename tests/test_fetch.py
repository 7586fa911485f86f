"""Import straight from government sites, against a site on 127.0.0.1 that each test starts and stops.

Every test asserts what is stored (or that nothing is), the source and publication date kept, and the message
given. The site serves the samples: the saved GBK page (辛集镇 2022), the same report as a PDF, generated report
pages of one body over three years, list pages. Loopback is allowed only through the settings' allow list, as an
office would allow its intranet; nothing leaves the machine (the private-address tests are refused before any
connection is made).
"""
from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from parsing import parse_bytes
from parsing.cli import main as cli_main
from parsing.fetch import (CHOOSE, FAILED, IMPORTED, SKIPPED, UNCHANGED, Client, Job, Settings, fetch,
                           read_url_file, same_report)
from parsing.store import Store
from parsing.workers import Pool
from tests.fetch_site import (GOV_HTML, GOV_PDF, LEGACY_DOC, OTHER_PDF, Site, gbk_report_page,
                              generated_report_page, html, list_page)

LOOPBACK = ("127.0.0.0/8",)


@pytest.fixture
def site():
    s = Site().start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pool():
    with Pool(1) as p:
        yield p


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "fetch.sqlite3") as s:
        yield s


def settings(**kw) -> Settings:
    base = dict(timeout=30, deadline=600, pause=0, retries=0, backoff=0, allow=LOOPBACK)
    base.update(kw)
    return Settings(**base)


def run(jobs, store, pool, **kw):
    s = kw.pop("settings", None) or settings()
    return list(fetch(jobs, store, s, pool=pool, **kw))


def only(outcomes):
    assert len(outcomes) == 1
    return outcomes[0]


# ---------------------------------------------------------------------------
# What is stored, with its source and publication date
# ---------------------------------------------------------------------------

def test_a_gbk_report_page_is_stored_as_a_dropped_file_with_its_source_and_date(site, store, pool):
    data = gbk_report_page(published="2023-01-18")
    url = site.add("/xxgk/2023/t20230118_1.html", data, content_type="text/html")  # no charset in the header
    out = only(run([Job(url)], store, pool))
    assert out.status == IMPORTED, out.message
    assert "辛集镇" in out.message and "2023-01-18" in out.message
    dropped = parse_bytes(data, "t20230118_1.html")
    rep = store.get(dropped.sha256)  # the page's own bytes, deduplicated by content like a dropped file
    assert (rep.body, rep.year, rep.format) == ("辛集镇", 2022, "html")
    assert rep.values[["table", "row", "column", "value", "status"]].equals(
        dropped.values[["table", "row", "column", "value", "status"]])
    assert rep.published == "2023-01-18" and rep.published_source == "page"
    assert store.file_bytes(rep.sha256) == data  # the bytes are kept (nothing to download again for a re-parse)
    assert not store.findings([rep.sha256]).empty  # checked by the same rules
    src = store.sources(rep.sha256)
    assert len(src) == 1
    row = src.iloc[0]
    assert (row.url, row.final_url, row.published, row.published_source) == (url, url, "2023-01-18", "page")
    assert row.fetched_at.endswith("+08:00") and row.content_sha256 == rep.sha256


def test_meta_tags_and_the_http_header_give_the_date_when_the_page_prints_none(site, store, pool):
    a = site.add("/a.html", gbk_report_page(published=None, meta="2023-02-03"))
    out = only(run([Job(a)], store, pool))
    row = store.sources().iloc[0]
    assert out.status == IMPORTED and (row.published, row.published_source) == ("2023-02-03", "html-meta")
    assert store.get(row.sha256).published == "2023-02-03"


def test_a_page_whose_report_is_a_pdf_beside_the_same_report_in_html_is_one_report_with_two_sources(
        site, store, pool):
    page = site.add("/xxgk/report.html", gbk_report_page(published="2023-01-18", attachment="/files/nb2022.pdf"))
    pdf = site.add("/files/nb2022.pdf", GOV_PDF.read_bytes(), content_type="application/pdf")
    out = only(run([Job(page)], store, pool))
    assert out.status == IMPORTED, out.message
    assert len(store) == 1  # one report, not two
    sha = parse_bytes(GOV_PDF.read_bytes(), "nb2022.pdf").sha256
    rep = store.get(sha)  # the rendition with pages is the one stored
    assert (rep.body, rep.year, rep.format) == ("辛集镇", 2022, "pdf")
    assert rep.published == "2023-01-18" and rep.published_source == "page"  # the page's date, not the PDF's
    src = store.sources(sha).set_index("final_url")
    assert set(src.index) == {page, pdf}
    assert src.at[pdf, "via_url"] == page and pd.isna(src.at[page, "via_url"])
    assert src.at[page, "content_sha256"] == parse_bytes(site.routes["/xxgk/report.html"].body, "p.html").sha256
    assert src.at[pdf, "content_sha256"] == sha
    assert (src["published"] == "2023-01-18").all()


def test_same_report_is_body_year_and_identical_values():
    a = parse_bytes(GOV_PDF.read_bytes(), "a.pdf")
    b = parse_bytes(GOV_HTML.read_bytes(), "b.html")
    assert same_report(a, b)
    c = parse_bytes(GOV_HTML.read_bytes(), "c.html")
    c.values.loc[c.values["status"] == "ok", "value"] = c.values.loc[c.values["status"] == "ok", "value"] + 1
    assert not same_report(a, c)  # one cell or more differ: two reports
    d = parse_bytes(GOV_HTML.read_bytes(), "d.html")
    d.year = 2021
    assert not same_report(a, d)
    assert not same_report(a, parse_bytes(OTHER_PDF.read_bytes(), "e.pdf"))


def test_the_attachment_fetched_on_its_own_later_becomes_a_second_source_of_the_stored_report(site, store, pool):
    page = site.add("/p.html", gbk_report_page(published="2023-01-18"))
    pdf = site.add("/f.pdf", GOV_PDF.read_bytes(), content_type="application/pdf")
    first = run([Job(page)], store, pool)
    second = run([Job(pdf)], store, pool)
    assert first[0].status == IMPORTED and second[0].status == UNCHANGED
    assert "相同" in " ".join(second[0].notes)
    assert len(store) == 1
    sha = first[0].reports[0].sha256
    assert set(store.sources(sha)["final_url"]) == {page, pdf}


def test_a_wrapper_page_whose_report_is_only_an_attachment(site, store, pool):
    wrapper = html('<h1>辛集镇2022年政府信息公开工作年度报告</h1><div>发布时间：2023-01-20</div>'
                   '<p>附件：<a href="/files/a.pdf">年度报告全文</a></p>', "辛集镇2022年政府信息公开工作年度报告")
    page = site.add("/w.html", wrapper)
    site.add("/files/a.pdf", GOV_PDF.read_bytes(), content_type="application/pdf",
             headers={"Last-Modified": "Wed, 25 Jan 2023 02:00:00 GMT"})
    out = only(run([Job(page)], store, pool))
    assert out.status == IMPORTED, out.message
    row = store.sources().iloc[0]
    assert row.via_url == page and row.final_url == site.url("/files/a.pdf")
    assert (row.published, row.published_source) == ("2023-01-20", "page")  # the wrapper shows it


def test_an_attachment_alone_keeps_its_own_metadata_or_the_last_modified_header(site, store, pool):
    url = site.add("/only.pdf", OTHER_PDF.read_bytes(), content_type="application/pdf",
                   headers={"Last-Modified": "Mon, 22 Jan 2024 08:00:00 GMT"})
    out = only(run([Job(url)], store, pool))
    assert out.status == IMPORTED
    row = store.sources().iloc[0]
    assert row.published_source in ("pdf-metadata", "http-header") and row.published


def test_a_doc_attachment_reads_without_libreoffice(site, store, pool, monkeypatch):
    import shutil

    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda n, *a, **k: None if n in ("soffice", "libreoffice") else real(n))
    url = site.add("/files/report.doc", LEGACY_DOC.read_bytes(), content_type="application/msword")
    out = only(run([Job(url)], store, pool))
    assert out.status == IMPORTED, out.message
    rep = store.get(out.reports[0].sha256)
    assert (rep.body, rep.year, rep.format) == ("群科镇", 2023, "legacy")


# ---------------------------------------------------------------------------
# List pages: the year's link followed one level, the right body's report chosen
# ---------------------------------------------------------------------------

def _three_years(site):
    items = []
    for year, date in ((2021, "2022-01-20"), (2022, "2023-01-19"), (2023, "2024-01-22")):
        site.add(f"/qs/{year}.html", generated_report_page("测试县青山镇", year, year))
        items.append((f"/qs/{year}.html", f"青山镇{year}年政府信息公开工作年度报告", date))
    items.append(("/qs/notice.html", "关于召开政务公开工作会议的通知", "2023-03-01"))
    return site.add("/qs/list.html", list_page(items))


def test_a_list_page_of_three_years_gives_the_asked_year_only(site, store, pool):
    url = _three_years(site)
    out = only(run([Job(url, 2022)], store, pool))
    assert out.status == IMPORTED, out.message
    assert len(store) == 1
    rep = store.get(out.reports[0].sha256)
    assert (rep.body, rep.year) == ("青山镇", 2022)
    row = store.sources().iloc[0]
    assert (row.url, row.final_url, row.via_url) == (url, site.url("/qs/2022.html"), url)
    assert "2022" in row.link_text
    assert (row.published, row.published_source, row.year_asked) == ("2023-01-19", "list", 2022)
    assert rep.published == "2023-01-19" and rep.published_source == "list"
    assert site.count("/qs/2021.html") == 0 and site.count("/qs/2023.html") == 0  # one level, the year's link
    out = only(run([Job(url, 2023)], store, pool))
    assert out.status == IMPORTED and store.get(out.reports[0].sha256).year == 2023


def test_a_list_page_without_the_years_report_says_so(site, store, pool):
    url = _three_years(site)
    out = only(run([Job(url, 2019)], store, pool))
    assert out.status == FAILED and "不是年度报告" in out.message and "2019" in out.message
    assert len(store) == 0


def test_several_bodies_on_one_list_page_the_reviewer_picks_or_the_roster_body_is_chosen(site, store, pool):
    site.add("/qs/2022.html", generated_report_page("测试县青山镇", 2022, 1))
    site.add("/ls/2022.html", generated_report_page("测试县绿水乡", 2022, 2))
    url = site.add("/county/list.html", list_page([("/qs/2022.html", "青山镇2022年政府信息公开工作年度报告", "2023-01-10"),
                                                  ("/ls/2022.html", "绿水乡2022年政府信息公开工作年度报告", "2023-01-11")]))
    out = only(run([Job(url, 2022)], store, pool))
    assert out.status == CHOOSE and "请选择" in out.message and len(store) == 0
    assert [k.url for k in out.candidates] == [site.url("/qs/2022.html"), site.url("/ls/2022.html")]
    assert site.count("/qs/2022.html") == 0  # nothing fetched before the reviewer chooses
    out = only(run([Job(url, 2022, picks=[site.url("/ls/2022.html")])], store, pool))
    assert out.status == IMPORTED and store.get(out.reports[0].sha256).body == "绿水乡"
    out = only(run([Job(url, 2022, body="测试县青山镇人民政府")], store, pool, resume=False))
    assert out.status == IMPORTED and store.get(out.reports[0].sha256).body == "青山镇"


def test_the_roster_column_of_report_pages_feeds_the_fetch(site, store, pool):
    url = _three_years(site)
    store.import_roster(f"单位名称,县区,年报栏目\n测试县青山镇,测试县,{url}\n绿水乡,测试县,\n".encode(), name="名册.csv")
    from parsing.fetch import roster_jobs

    jobs = roster_jobs(store, 2022)
    assert [(j.url, j.body, j.year) for j in jobs] == [(url, "测试县青山镇", 2022)]
    out = only(run(jobs, store, pool))
    assert out.status == IMPORTED and store.get(out.reports[0].sha256).body == "青山镇"
    assert store.missing_reports(2022)["body"].tolist() == ["绿水乡"]


# ---------------------------------------------------------------------------
# Failures: a clear message each, nothing stored, the batch goes on
# ---------------------------------------------------------------------------

def test_404_slow_too_large_and_not_a_report_each_get_their_message_and_the_batch_goes_on(site, store, pool):
    good = site.add("/good.html", gbk_report_page())
    missing = site.url("/gone.html")
    slow = site.add("/slow.pdf", OTHER_PDF.read_bytes(), content_type="application/pdf", wait=120)
    big = site.add("/big.pdf", b"%PDF-1.4\n" + b"0" * 300_000, content_type="application/pdf")
    big_chunked = site.add("/big2.pdf", b"%PDF-1.4\n" + b"0" * 300_000, content_type="application/pdf",
                           headers={"X-No-Length": "1"})
    news = site.add("/news.html", html("<h1>我县召开春季植树活动动员会</h1><p>3月12日，全县干部群众参加义务植树。</p>",
                                       "我县召开春季植树活动动员会"))
    zipped = site.add("/x.bin", b"\x00\x01binary", content_type="application/octet-stream")
    outs = {o.job.url: o for o in run([Job(u) for u in (missing, slow, big, big_chunked, news, zipped, good)],
                                      store, pool, settings=settings(timeout=0.5, max_bytes=200_000))}
    assert outs[good].status == IMPORTED
    assert outs[missing].status == FAILED and "不能访问" in outs[missing].message and "404" in outs[missing].message
    assert outs[slow].status == FAILED and "超时" in outs[slow].message
    for u in (big, big_chunked):
        assert outs[u].status == FAILED and "太大" in outs[u].message
    assert outs[news].status == FAILED and "不是年度报告" in outs[news].message
    assert outs[zipped].status == FAILED and "不是年度报告" in outs[zipped].message
    assert len(store) == 1 and set(store.sources()["url"]) == {good}


def test_redirects_are_followed_and_kept_and_capped(site, store, pool):
    target = site.add("/new/report.html", gbk_report_page())
    old = site.add("/old/report.html", status=301, headers={"Location": "/new/report.html"})
    site.add("/loop/a", status=302, headers={"Location": "/loop/b"})
    site.add("/loop/b", status=302, headers={"Location": "/loop/a"})
    outs = run([Job(old), Job(site.url("/loop/a"))], store, pool)
    by = {o.job.url: o for o in outs}
    assert by[old].status == IMPORTED
    row = store.sources().iloc[0]
    assert (row.url, row.final_url) == (old, target)
    assert by[site.url("/loop/a")].status == FAILED and "重定向次数过多" in by[site.url("/loop/a")].message


def test_private_loopback_and_non_http_addresses_are_refused_unless_allowed(site, store, pool):
    good = site.add("/r.html", gbk_report_page())
    site.add("/to-metadata", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    lst = site.add("/l.html", list_page([("http://192.168.10.5/nb2022.pdf", "某镇2022年政府信息公开工作年度报告", None)]))
    jobs = [Job("http://10.1.2.3/report.pdf"), Job("file:///etc/passwd"), Job("ftp://example.gov.cn/a.pdf"),
            Job(site.url("/to-metadata")), Job(lst, 2022), Job("http://[::1]:1/x.html"), Job(good)]
    outs = {o.job.url: o for o in run(jobs, store, pool)}
    assert "内网" in outs["http://10.1.2.3/report.pdf"].message
    assert "只能从 http 或 https" in outs["file:///etc/passwd"].message
    assert "只能从 http 或 https" in outs["ftp://example.gov.cn/a.pdf"].message
    assert "169.254.169.254" in outs[site.url("/to-metadata")].message  # a redirect hop is checked too
    assert "192.168.10.5" in outs[lst].message or any("192.168.10.5" in n for n in outs[lst].notes)
    assert "内网" in outs["http://[::1]:1/x.html"].message  # ::1 is not in the allowed 127.0.0.0/8
    assert outs[good].status == IMPORTED
    assert all(o.status == FAILED for u, o in outs.items() if u != good)
    # loopback itself, when the office has not allowed it: refused before any request
    before = len(site.hits)
    out = only(run([Job(site.url("/r.html"))], store, pool, settings=settings(allow=()), resume=False))
    assert out.status == FAILED and "127.0.0.1" in out.message and len(site.hits) == before
    out = only(run([Job(site.url("/r.html").replace("127.0.0.1", "localhost"))], store, pool,
                   settings=settings(allow=())))
    assert out.status == FAILED and "内网" in out.message and len(site.hits) == before


def test_the_guard_holds_at_the_socket_too(site):
    """A host name that resolves to a refused address is refused where the connection is made, whatever was
    checked before (DNS answers can change between a check and the connection)."""
    from parsing.fetch import client as c

    s = settings(allow=())
    backend = c._GuardedBackend(s)
    with pytest.raises(c._Refused):
        backend.connect_tcp("localhost", site.server.server_address[1])
    assert c.Settings(allow=()).address_allowed("93.184.216.34")
    for ip in ("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
               "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "224.0.0.1"):
        assert not c.Settings(allow=()).address_allowed(ip), ip
    assert c.Settings(allow=("10.20.0.0/16",)).address_allowed("10.20.3.4")


def test_robots_txt_is_honoured(site, store, pool):
    site.add("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    hidden = site.add("/private/r.html", gbk_report_page())
    out = only(run([Job(hidden)], store, pool))
    assert out.status == FAILED and "robots.txt" in out.message and site.count("/private/r.html") == 0
    site.routes["/robots.txt"].status = 503
    other = Site().start()
    try:
        other.add("/robots.txt", status=503, content_type="text/plain")
        url = other.add("/r.html", gbk_report_page())
        out = only(run([Job(url)], store, pool))
        assert out.status == FAILED and "robots.txt" in out.message and other.count("/r.html") == 0
    finally:
        other.stop()


def test_one_request_at_a_time_per_host_retries_with_backoff_and_retry_after(site, store, pool):
    pages = [site.add(f"/p{i}.html", gbk_report_page(published=f"2023-01-1{i}"), wait=0.2) for i in range(3)]
    flaky = site.add("/flaky.pdf", OTHER_PDF.read_bytes(), content_type="application/pdf",
                     first=[(503, {"Retry-After": "7", "Content-Type": "text/html"}, b"busy"),
                            (503, {"Content-Type": "text/html"}, b"busy")])
    slept = []
    s = settings(retries=2, backoff=3, per_host=1, parallel_hosts=4)
    with Client(s, sleep=slept.append) as client:
        outs = run([Job(u) for u in pages + [flaky]], store, pool, settings=s, client=client)
    assert all(o.status in (IMPORTED, UNCHANGED) for o in outs), [o.message for o in outs]
    assert site.most_at_once == 1
    assert site.count("/flaky.pdf") == 3
    assert 7 in slept and 6 in slept  # Retry-After, then the backoff doubled (3 -> 6)


# ---------------------------------------------------------------------------
# Progress and resumption
# ---------------------------------------------------------------------------

def test_progress_events_per_url_and_an_interrupted_fetch_resumes_without_fetching_again(site, store, pool):
    a = site.add("/a.html", gbk_report_page())
    b = site.add("/b.pdf", OTHER_PDF.read_bytes(), content_type="application/pdf")
    events = []
    gen = fetch([Job(a), Job(b)], store, settings(parallel_hosts=1), pool=pool,
                on_event=lambda kind, i, url, done, total: events.append((kind, i)))
    first = next(gen)
    gen.close()  # interrupted after the first URL
    assert first.status == IMPORTED
    assert ("done", first.index) in events and any(k == "bytes" for k, _ in events)
    hits = {p: site.count(p) for p in ("/a.html", "/b.pdf")}
    outs = {o.job.url: o for o in run([Job(a), Job(b)], store, pool)}
    done_url = first.job.url
    rest = b if done_url == a else a
    assert outs[done_url].status == SKIPPED and "未重新下载" in outs[done_url].message
    assert outs[rest].status == IMPORTED
    assert site.count(urlpath(done_url)) == hits[urlpath(done_url)]  # not fetched again
    assert len(store) == 2


def urlpath(url: str) -> str:
    return re.sub(r"^http://[^/]+", "", url)


def test_url_lists_read_one_a_line_with_comments():
    text = "# 青山镇\nhttp://a.gov.cn/1.html\n\n  http://a.gov.cn/2.pdf  http://a.gov.cn/1.html\n#http://x\n"
    assert read_url_file(text) == ["http://a.gov.cn/1.html", "http://a.gov.cn/2.pdf"]


def test_cli_fetch_prints_a_line_per_url_a_bar_on_stderr_and_resumes(site, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GOVREPORT_FETCH_ALLOW", "127.0.0.0/8")
    good = site.add("/r.html", gbk_report_page())
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{good}\n{site.url('/none.html')}\n", encoding="utf-8")
    db = tmp_path / "cli.sqlite3"
    assert cli_main(["fetch", str(urls), "--year", "2022", "--db", str(db)]) == 1
    out, err = capsys.readouterr()
    assert "新导入" in out and "辛集镇" in out and "404" in out and "失败 1 个" in out
    assert "[1/2]" in err or "[2/2]" in err
    urls.write_text(f"{good}\n", encoding="utf-8")
    assert cli_main(["fetch", str(urls), "--year", "2022", "--db", str(db)]) == 0
    out, _ = capsys.readouterr()
    assert "上次已导入" in out and site.count("/r.html") == 1
    assert cli_main(["fetch", "--roster", "--db", str(db)]) == 2
    assert "年报栏目" in capsys.readouterr().err
    assert cli_main(["fetch", str(urls), "--allow", "not-a-network", "--db", str(db)]) == 2


def test_fetch_help_is_chinese():
    buf = io.StringIO()
    with pytest.raises(SystemExit):
        import contextlib

        with contextlib.redirect_stdout(buf):
            cli_main(["fetch", "--help"])
    assert "网址列表文件" in buf.getvalue() and "年报栏目" in buf.getvalue()


def test_a_reparse_keeps_the_date_the_page_showed(site, store, pool):
    url = site.add("/only.pdf", OTHER_PDF.read_bytes(), content_type="application/pdf",
                   headers={"Last-Modified": "Mon, 22 Jan 2024 08:00:00 GMT"})
    lst = site.add("/l.html", list_page([("/only.pdf", "群科镇2023年政府信息公开工作年度报告", "2024-01-19")]))
    out = only(run([Job(lst, 2023)], store, pool))
    assert out.status == IMPORTED, out.message
    sha = out.reports[0].sha256
    assert (store.get(sha).published, store.get(sha).published_source) == ("2024-01-19", "list")
    assert url == store.sources(sha).iloc[0].final_url
    summary = store.reparse_all(workers=1)
    assert summary["reparsed"] == 1
    assert (store.get(sha).published, store.get(sha).published_source) == ("2024-01-19", "list")


def test_deleting_a_report_forgets_its_sources_so_a_fetch_brings_it_back(site, store, pool):
    url = site.add("/r.html", gbk_report_page())
    sha = only(run([Job(url)], store, pool)).reports[0].sha256
    store.delete(sha)
    assert store.sources().empty
    assert only(run([Job(url)], store, pool)).status == IMPORTED
