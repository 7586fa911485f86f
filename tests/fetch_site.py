"""A government site on 127.0.0.1 for the fetcher's tests: saved pages and attachments made from the samples.

``Site`` serves fixed routes (status, headers, body, an optional wait before answering) from a thread, records
every request, and the most requests it was answering at once. It is started and stopped by the test; nothing
leaves the machine. A wait ends early when the site stops, so a test never waits for it.
"""
from __future__ import annotations

import random
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"
GOV_HTML = SAMPLES / "001_a7d1ab90ef2b8173_gov.html"  # 辛集镇 2022, GBK, gb2312 declared
GOV_PDF = SAMPLES / "001_a7d1ab90ef2b8173.pdf"  # the same report as a PDF (LibreOffice)
OTHER_PDF = SAMPLES / "000_f2cddb79f4434941.pdf"  # 群科镇 2023
LEGACY_DOC = SAMPLES / "000_f2cddb79f4434941.doc"  # 群科镇 2023, Word 97 binary


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    wait: float = 0.0
    # answers in turn (status, headers, body) before settling on the route itself (a 503 then a 200)
    first: list = field(default_factory=list)


class Site:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        self.active = 0
        self.most_at_once = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                with site._lock:
                    site.hits.append(self.path)
                    site.active += 1
                    site.most_at_once = max(site.most_at_once, site.active)
                self._counted = True
                try:
                    self._answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    self._answered()

            def _answered(self):
                # A request stops counting as active just before the last bytes of its answer go out: the client
                # can send its next request only after reading them, while this thread may still be returning.
                if self._counted:
                    self._counted = False
                    with site._lock:
                        site.active -= 1

            def _answer(self):
                route = site.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    body = "<html><body>页面不存在</body></html>".encode()
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self._answered()
                    self.wfile.write(body)
                    return
                if route.wait:
                    site._stop.wait(route.wait)
                status, headers, body = route.status, route.headers, route.body
                with site._lock:
                    if route.first:
                        status, headers, body = route.first.pop(0)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in headers and not headers.get("X-No-Length"):
                    self.send_header("Content-Length", str(len(body)))
                if headers.get("X-No-Length"):
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self._answered()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> "Site":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=60)

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes = b"", status: int = 200, content_type: Optional[str] = "text/html",
            headers: Optional[dict] = None, wait: float = 0.0, first: Optional[list] = None) -> str:
        h = dict(headers or {})
        if content_type:
            h.setdefault("Content-Type", content_type)
        self.routes[path] = Route(body, status, h, wait, list(first or []))
        return self.url(path)

    def count(self, path: str) -> int:
        return sum(1 for p in self.hits if p == path)


# ---------------------------------------------------------------------------
# Pages made from the samples
# ---------------------------------------------------------------------------

def gbk_report_page(published: Optional[str] = "2023-01-18", attachment: Optional[str] = None,
                    meta: Optional[str] = None) -> bytes:
    """The sample's saved GBK page, with a 发布时间 line (as sites print it above the article), optionally a meta
    tag and a link to the same report as an attachment."""
    page = GOV_HTML.read_bytes().decode("gbk")
    if published:
        page = page.replace('<div class="title">', f'<div class="info">发布时间：{published}</div>\n<div class="title">', 1)
    if meta:
        page = page.replace("<title>", f'<meta name="PubDate" content="{meta} 09:30:00" />\n<title>', 1)
    if attachment:
        page = page.replace("<!-- 正文结束 -->",
                            f'<p>附件：<a href="{attachment}">辛集镇2022年政府信息公开工作年度报告.pdf</a></p>\n<!-- 正文结束 -->', 1)
    return page.encode("gbk")


def generated_report_page(body: str, year: int, seed: int) -> bytes:
    """A report page of ``body`` for ``year`` with random values, in the sample pages' layout (GBK)."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_samples
    finally:
        sys.path.remove(str(ROOT / "tools"))
    from parsing import parse_bytes
    from tests import report_factory

    rng = random.Random(seed)
    text = report_factory.render(report_factory.random_values(rng), "tabs", rng, body=body, year=year)
    report = parse_bytes(text.encode("utf-8"), "seed.txt")
    return make_samples.build_html(make_samples.content_from_report(report, f"{body}{year}"))


def html(body: str, title: str = "") -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body>{body}</body></html>").encode("utf-8")


def list_page(items: list[tuple[str, str, Optional[str]]], title: str = "政府信息公开年报") -> bytes:
    """A column list page: one <li> per (href, text, date)."""
    lis = "\n".join(f'<li><a href="{href}" title="{text}">{text}</a><span class="date">{date or ""}</span></li>'
                    for href, text, date in items)
    return html(f'<div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a></div>'
                f'<h2>{title}</h2><ul class="list">{lis}</ul>', title)
