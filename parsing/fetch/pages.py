"""What a fetched page says: its links (report links naming a year, attachments), dates, and what kind of page it is.

Pages are decoded by the HTML reader's decoder (:func:`parsing.readers.html.decode_html`) and parsed with lxml,
as the reader does. Publication dates: the ``发布时间`` line the parser reads (:func:`parsing.extract.metadata.
find_published` on the page's text), the page's meta tags (``PubDate``, ``publishdate``, ``firstpublishedtime``,
``article:published_time``, ``dc.date``...), the date printed beside a link on a list page, and an attachment's own
metadata (a PDF's creation date, a DOCX's ``dcterms:created``).
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from ..forms import SECTIONS

ATTACHMENT_EXT = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx")
REPORT_WORDS = ("年度报告", "年报")
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_META_NAMES = ("pubdate", "publishdate", "publish_date", "firstpublishedtime", "lastmodifiedtime", "article:published_time",
               "og:published_time", "dc.date", "dc.date.issued", "dc.date.created", "dcterms.issued", "date",
               "publishtime", "pub_date")
_CN_DIGITS = "〇一二三四五六七八九"


def iso_date(text: Optional[str]) -> Optional[str]:
    """The first plausible date in ``text`` as YYYY-MM-DD, or None."""
    if not text:
        return None
    for m in _DATE.finditer(text):
        y, mo, d = (int(x) for x in m.groups())
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def names_year(text: str, year: int) -> bool:
    """Whether ``text`` names ``year`` (``2023``, ``二〇二三``, ``二零二三``)."""
    if re.search(rf"(?<!\d){year}(?!\d)", text):
        return True
    cn = "".join(_CN_DIGITS[int(c)] for c in str(year))
    return cn in text or cn.replace("〇", "零") in text


def names_report(text: str) -> bool:
    return any(w in text for w in REPORT_WORDS)


def section_count(text: str) -> int:
    """How many of the form's six section headings the text carries (a report has most of them)."""
    return sum(1 for s in SECTIONS if any(k in text for k in s.keywords))


@dataclass
class Link:
    url: str
    text: str
    date: Optional[str] = None  # the date printed beside it (list pages)

    @property
    def is_attachment(self) -> bool:
        return urlsplit(self.url).path.lower().endswith(ATTACHMENT_EXT)

    @property
    def file_name(self) -> str:
        return unquote(urlsplit(self.url).path.rsplit("/", 1)[-1])


@dataclass
class Page:
    """A fetched HTML page: title, text, links, and the dates it shows."""

    url: str
    title: str = ""
    text: str = ""
    links: list = field(default_factory=list)
    meta_published: Optional[str] = None
    shown_published: Optional[str] = None  # a 发布时间 line, as the parser reads it
    is_list: bool = False  # set by the fetcher: a list page's dates are not the dates of the reports it links

    @property
    def report_like(self) -> bool:
        return section_count(self.text) >= 3

    def report_links(self, year: int) -> list[Link]:
        """Links whose text (or title) names ``year`` and 年度报告/年报, those naming 政府信息公开 first, one per URL."""
        hits = [k for k in self.links if names_year(k.text, year) and names_report(k.text)]
        hits.sort(key=lambda k: "政府信息公开" not in k.text)
        return _unique(hits)

    def attachments(self) -> list[Link]:
        return _unique([k for k in self.links if k.is_attachment])


def _unique(links: list[Link]) -> list[Link]:
    seen, out = set(), []
    for k in links:
        if k.url not in seen:
            seen.add(k.url)
            out.append(k)
    return out


def read_page(data: bytes, url: str) -> Page:
    """Parse a page's bytes (any declared or undeclared encoding); a page lxml cannot parse has no links."""
    import lxml.html

    from ..readers.html import decode_html

    page = Page(url)
    try:
        text, _, _ = decode_html(data)
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
        root = lxml.html.document_fromstring(text or "<html></html>")
    except Exception:  # noqa: BLE001 - hostile or broken markup: no links, no dates
        return page
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    base = url
    for b in root.xpath("//base[@href]")[:1]:
        base = urljoin(url, b.get("href", "").strip())
    page.title = " ".join((root.findtext(".//title") or "").split())
    heads = [" ".join(h.text_content().split()) for h in root.xpath("//h1|//h2")[:3]]
    if heads and any(names_report(h) for h in heads):
        page.title = next(h for h in heads if names_report(h))
    page.text = " ".join(root.text_content().split())
    for m in root.xpath("//meta[@content]"):
        name = (m.get("name") or m.get("property") or m.get("itemprop") or "").strip().lower()
        if name in _META_NAMES:
            d = iso_date(m.get("content"))
            if d:
                page.meta_published = d
                break
    for a in root.xpath("//a[@href]"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        absolute, _ = urldefrag(urljoin(base, href))
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        label = " ".join(" ".join([a.text_content(), a.get("title") or ""]).split())
        page.links.append(Link(absolute, label, _date_beside(a)))
    page.shown_published = _shown_published(data, url)
    return page


def _date_beside(a) -> Optional[str]:
    """The date printed in the list item (li, tr, dd, p, div) holding a link, outside the link's own text."""
    own = a.text_content()
    parent = a.getparent()
    for _ in range(3):
        if parent is None:
            return None
        if parent.tag in ("li", "tr", "dd", "dl", "p", "div", "td"):
            rest = parent.text_content().replace(own, " ", 1)
            d = iso_date(rest)
            if d or parent.tag in ("li", "tr"):
                return d
        parent = parent.getparent()
    return None


def _shown_published(data: bytes, url: str) -> Optional[str]:
    """The ``发布时间：…`` date the parser would read near the top of the page."""
    from ..extract.metadata import find_published
    from ..readers.html import read_html

    try:
        date, source = find_published(read_html(data, "page.html"))
    except Exception:  # noqa: BLE001 - a page the reader refuses shows no date
        return None
    return date if source == "page" else None


# ---------------------------------------------------------------------------
# An attachment's own metadata
# ---------------------------------------------------------------------------

def attachment_published(data: bytes) -> tuple[Optional[str], Optional[str]]:
    """The creation date an attachment records about itself (PDF ``/CreationDate``, DOCX ``dcterms:created``) and
    its source name, or ``(None, None)``. Never raises."""
    try:
        if data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
            from pypdf import PdfReader

            meta = PdfReader(io.BytesIO(data)).metadata
            raw = (meta or {}).get("/CreationDate") or (meta or {}).get("/ModDate")
            m = re.search(r"((?:19|20)\d{2})(\d{2})(\d{2})", str(raw or ""))
            if m:
                return iso_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}"), "pdf-metadata"
        elif data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                info = z.getinfo("docProps/core.xml")
                if info.file_size <= 1 << 20:
                    core = z.read(info).decode("utf-8", "replace")
                    m = re.search(r"<dcterms:created[^>]*>([^<]+)<", core)
                    if m:
                        return iso_date(m.group(1)), "docx-metadata"
    except Exception:  # noqa: BLE001 - a damaged attachment has no usable metadata
        pass
    return None, None
