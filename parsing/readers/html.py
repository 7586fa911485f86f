"""HTML reader for report pages saved from government websites.

Steps: :func:`decode_html` turns the bytes into text (BOM, then strict UTF-8, then the
charset the page declares, then GB18030; a declared charset that does not fit the bytes
never crashes), lxml parses it, scripts/styles/comments are dropped, and
:func:`html_to_items` walks the tree in document order:

* text blocks come from block elements (``p``, ``div``, ``h1``-``h6``, ``li``, ...) and
  from lines separated by ``<br>``; whitespace runs collapse to one space as a browser
  shows them;
* data tables become :class:`~parsing.model.Grid` objects with ``rowspan``/``colspan``
  expanded: the spanning cell sits at its top-left slot and every other slot it covers is
  ``None`` (slots a short row leaves out are ``None`` too); tables nested inside a data
  table follow it as separate grids;
* layout tables (a table that contains another table, a single-cell table, or
  ``role="presentation"``), which old government sites wrap around the whole page, are
  read like ``div`` containers so the report inside keeps its order.

Navigation chrome is kept: order matters more than filtering. HTML has no pages, so every
``page`` is None.
"""
from __future__ import annotations

import codecs
import re
from typing import Optional

from ..model import Cell, Document, Grid, ReportError, TextBlock

# Tags whose content is never shown as text.
DROP_TAGS = ("script", "style", "noscript", "template", "object", "embed", "iframe", "svg", "select")

BLOCK_TAGS = frozenset(
    """address article aside blockquote body caption center dd details dialog dir div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu nav ol p pre section
    summary table tbody td tfoot th thead tr ul html title legend""".split()
)

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_DECL_ENC = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.\-]+)["']""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_WS = re.compile(r"[ \t\n\r\f\v\u00a0\u3000\u2002\u2003\u2009\u200b]+")
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "windows-936", "gb_2312-80", "euc-cn",
              "hz-gb-2312", "csgb2312", "chinese", "iso-ir-58"}

MAX_SPAN = 1000  # colspan/rowspan beyond this is treated as broken markup

# <meta name=… content=…> (or property=…) that government CMSs (TRS, 大汉, gov.cn) and others use for the date an
# article was published, most specific first; the date is the first YYYY-MM-DD (or YYYY年M月D日) in the content.
PUBLISHED_META = ("pubdate", "publishdate", "publish_date", "firstpublishedtime", "article:published_time",
                  "og:published_time", "dcterms.issued", "dc.date.issued", "dc.date", "releasedate", "publishtime")
_META_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def declared_charset(data: bytes) -> Optional[str]:
    """The charset a page declares in its first 4 KB (``<meta charset>``, http-equiv, or XML declaration)."""
    head = data[:4096]
    m = _META_CHARSET.search(head) or _XML_DECL_ENC.search(head)
    return m.group(1).decode("ascii", "replace").strip().lower() if m else None


def _codec_for(label: Optional[str]) -> Optional[str]:
    """A Python codec for a declared charset label; GB2312/GBK map to the superset GB18030."""
    if not label:
        return None
    label = label.lower()
    if label in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes) -> tuple[str, str, list[str]]:
    """Decode page bytes deterministically; returns ``(text, encoding, notes)``.

    Order: a BOM (UTF-8, UTF-16) decides; otherwise strict UTF-8 (valid multi-byte UTF-8 is
    almost never GBK by accident, so this also survives a page that declares gb2312 but is
    UTF-8); otherwise the declared charset; otherwise GB18030; as a last resort the declared
    charset (or GB18030) with replacement characters, and a Chinese note says so.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8", []
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace"), "utf-16", []
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    declared = _codec_for(declared_charset(data))
    for enc in dict.fromkeys([declared, "gb18030"]):
        if enc is None or enc == "utf-8":
            continue
        try:
            return data.decode(enc), enc, []
        except (UnicodeDecodeError, LookupError):
            continue
    enc = declared if declared and declared != "utf-8" else "gb18030"
    note = f"网页编码无法完全识别，已按 {enc.upper()} 读取，个别字符可能显示为“�”，请核对原文。"
    return data.decode(enc, errors="replace"), enc, [note]


def read_html(data: bytes, name: str) -> Document:
    """Read an HTML page's bytes into a :class:`Document` (see the module docstring).

    Raises :class:`ReportError` when the bytes hold no parseable HTML or no text at all.
    """
    import lxml.etree
    import lxml.html

    text, _encoding, notes = decode_html(data)
    text = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    if not text.strip():
        raise ReportError(f"网页文件“{name}”没有内容。")
    try:
        # huge_tree: without it libxml2 silently drops text nested deeper than 256 (unclosed <font> tags)
        root = lxml.html.document_fromstring(text, parser=lxml.html.HTMLParser(huge_tree=True))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ReportError(f"网页文件“{name}”无法解析（不是有效的 HTML）。", details=str(exc)) from exc
    published = published_meta(root)
    _clean(root)
    doc = Document(format="html", notes=list(notes))
    if published:
        doc.meta = {"published": published, "published_source": "html-meta"}
    walker = _Walker()
    try:
        head = root.find("head")
        if head is not None:
            title = head.find("title")
            if title is not None:
                walker.walk(title)
        body = root.find("body")
        walker.walk(body if body is not None else root)
        walker.flush()
    except RecursionError as exc:  # thousands of unclosed tags nest the tree that deep
        raise ReportError(f"网页文件“{name}”的结构嵌套过深，无法读取。请另存为 PDF 或 DOCX 后上传。",
                          details="RecursionError") from exc
    doc.items = walker.items
    if not doc.items:
        raise ReportError(f"网页文件“{name}”中没有可读取的文字或表格（报告可能是图片或附件）。")
    return doc


def published_meta(root) -> Optional[str]:
    """The publication date a page's meta tags give (:data:`PUBLISHED_META`, case-insensitive), ISO
    ``YYYY-MM-DD``; None when there is none or it is not a real date."""
    import datetime

    found: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (el.get("name") or el.get("property") or el.get("itemprop") or "").strip().lower()
        if key in PUBLISHED_META and key not in found:
            found[key] = el.get("content") or ""
    for key in PUBLISHED_META:
        m = _META_DATE.search(found.get(key, ""))
        if not m:
            continue
        try:
            return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            continue
    return None


def _clean(root) -> None:
    import lxml.etree

    for el in list(root.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        _drop_keep_tail(el)
    for tag in DROP_TAGS:
        for el in list(root.iter(tag)):
            _drop_keep_tail(el)


def _drop_keep_tail(el) -> None:
    """Remove an element but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _collapse(s: str) -> str:
    return _WS.sub(" ", s).strip()


class _Walker:
    """Document-order walk that collects text blocks and grids."""

    def __init__(self) -> None:
        self.items: list = []
        self._buf: list[str] = []
        self._pre = 0

    def flush(self) -> None:
        raw = "".join(self._buf)
        self._buf = []
        if self._pre:
            lines = [ln.strip() for ln in raw.split("\n")]
        else:
            lines = [_collapse(raw)]
        for ln in lines:
            if ln:
                self.items.append(TextBlock(text=ln, page=None))

    def walk_detached(self, el) -> None:
        """Walk an element's content without its tail text."""
        tail, el.tail = el.tail, None
        try:
            self.walk(el)
        finally:
            el.tail = tail

    def walk(self, el) -> None:
        tag = _tag(el)
        if tag == "table" and not _is_layout_table(el):
            self.flush()
            for cap in el:
                if _tag(cap) == "caption":  # a caption such as 第二十条第（一）项 is printed above its table
                    self.walk_detached(cap)
            self.items.extend(table_to_grids(el))
            if el.tail:
                self._buf.append(el.tail)
            return
        if tag == "br":
            if self._pre:
                self._buf.append("\n")
            else:
                self.flush()
            if el.tail:
                self._buf.append(el.tail)
            return
        block = tag in BLOCK_TAGS
        if block:
            self.flush()
        if tag == "pre":
            self._pre += 1
        if el.text:
            self._buf.append(el.text)
        for child in el:
            self.walk(child)
        if tag == "pre":
            self.flush()
            self._pre -= 1
        elif block:
            self.flush()
        if el.tail:
            self._buf.append(el.tail)


def _own_rows(table) -> list:
    """The ``tr`` elements of this table (not of tables nested in it), in order."""
    rows = []
    for child in table:
        t = _tag(child)
        if t == "tr":
            rows.append(child)
        elif t in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if _tag(c) == "tr")
    return rows


def _own_cells(tr) -> list:
    return [c for c in tr if _tag(c) in ("td", "th")]


def _nested_tables(el) -> list:
    """Tables inside ``el`` that are not inside another table inside ``el``."""
    out = []
    for child in el:
        if _tag(child) == "table":
            out.append(child)
        elif isinstance(child.tag, str):
            out.extend(_nested_tables(child))
    return out


def _is_layout_table(table) -> bool:
    if (table.get("role") or "").lower() in ("presentation", "none"):
        return True
    cells = [c for tr in _own_rows(table) for c in _own_cells(tr)]
    if len(cells) <= 1:
        return True
    return any(_nested_tables(c) for c in cells)


def _span(el, attr: str) -> int:
    raw = (el.get(attr) or "").strip()
    m = re.match(r"\d+", raw)
    if not m:
        return 1
    n = int(m.group(0))
    return n if 1 <= n <= MAX_SPAN else 1  # 0 ("to the end") and absurd values: no span


def cell_text(td) -> str:
    """Text of a table cell: lines split at ``<br>`` and block children, joined by ``\\n``."""
    w = _Walker()
    w._buf.append(td.text or "")
    for child in td:
        if _tag(child) == "table":  # nested tables are emitted as grids of their own
            if child.tail:
                w._buf.append(child.tail)
            continue
        w.walk(child)
    w.flush()
    return "\n".join(b.text for b in w.items)


def table_to_grids(table) -> list:
    """A data table as a Grid with spans expanded (covered slots None), then the items of tables nested in it."""
    trs = _own_rows(table)
    n_rows = len(trs)
    slots: dict[tuple[int, int], Optional[Cell]] = {}
    width = 0
    nested: list = []
    for r, tr in enumerate(trs):
        c = 0
        for td in _own_cells(tr):
            while (r, c) in slots:
                c += 1
            cs, rs = _span(td, "colspan"), _span(td, "rowspan")
            rs = min(rs, n_rows - r)
            for dr in range(rs):
                for dc in range(cs):
                    slots[(r + dr, c + dc)] = None
            slots[(r, c)] = Cell(text=cell_text(td), page=None)
            nested.extend(_nested_tables(td))
            c += cs
            width = max(width, c)
    rows = [[slots.get((r, c)) for c in range(width)] for r in range(n_rows)]
    grids = [Grid(rows=rows, page=None)] if rows and width else []
    for inner in nested:
        grids.extend(table_to_grids(inner) if not _is_layout_table(inner) else _layout_items(inner))
    return grids


def _layout_items(el) -> list:
    w = _Walker()
    w.walk(el)
    w.flush()
    return w.items
