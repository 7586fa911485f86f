"""Scanned pages: one page image to text blocks and grids, and the scanned pages of a PDF.

:func:`ocr_image` reads one page image: ink and straightening (:mod:`.image`), ruled tables,
text lines detected once and recognised in one batch, boxes into cells (:mod:`.lines`).

:func:`ocr_pdf_pages` renders the pages a PDF reader listed in ``Document.scanned_pages``
with pypdfium2, reads each with :func:`ocr_image`, and merges the result into the document in
page order. Every cell read by OCR carries ``confidence`` (the engine's score, 0..1); numbers
below :data:`LOW_CONFIDENCE` are counted in a note for the reviewer.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..model import Document, Grid, Item, TextBlock
from . import engine as ocr_engine
from .image import image_to_ink, ink_to_skew, ink_to_tables, rotate, to_rgb_array
from .lines import (LOW_CONFIDENCE, Box, CellCounts, _join_line, _lines_of, boxes_to_loose_grid, image_to_boxes,
                    tables_to_grids)

log = logging.getLogger(__name__)

RENDER_DPI = 200

NOTE_OCR_USED = "第{pages}页为扫描图片，已通过文字识别（OCR）读取，数值请与原件核对。"
NOTE_OCR_IMAGE = "本文件为图片，已通过文字识别（OCR）读取，数值请与原件核对。"
NOTE_OCR_FAILED = "第{page}页为扫描图片，文字识别（OCR）未能读取该页（{reason}），该页内容缺失。"
NOTE_OCR_EMPTY = "第{page}页为扫描图片，文字识别（OCR）未在该页识别出文字，该页内容缺失。"
NOTE_OCR_UNAVAILABLE = "文字识别（OCR）组件不可用，扫描页未能读取（{reason}）。"
NOTE_LOW_CONFIDENCE = "第{page}页有{n}个数字识别置信度较低（低于{limit}），请重点与原件核对：{cells}。"
NOTE_UNREAD_CELLS = "第{page}页表格中有{n}个单元格有字迹但未能识别，按空白保留，请与原件核对。"


@dataclass
class PageResult(CellCounts):
    """The items read from one page, and what the reviewer should be told about it."""

    items: list = field(default_factory=list)  # TextBlock | Grid, top to bottom
    boxes: int = 0
    skew: float = 0.0
    grid_tops: list = field(default_factory=list)  # (grid, top, bottom, page_height, xs) for joining


def ocr_image(img, page: Optional[int] = None, *, scale: float = 1.0, engine=None,
              result: Optional[PageResult] = None) -> list[Item]:
    """Read one page image into text blocks and grids, top to bottom.

    ``img`` is a PIL image or an RGB/grey array; ``page`` the 1-based page number stored on the
    items; ``scale`` the pixels per PDF point (so bboxes come out in points; 1.0 keeps pixels).
    Cells carry the OCR score in ``confidence``. Pass a :class:`PageResult` to receive the
    counts (boxes, low-confidence numbers, unread cells) as well.
    """
    result = result if result is not None else PageResult()
    engine = engine or ocr_engine.get_engine()
    gray = image_to_ink(to_rgb_array(img))
    result.skew = ink_to_skew(gray)
    gray = rotate(gray, result.skew)
    tables = ink_to_tables(gray)
    boxes = image_to_boxes(gray, engine)
    result.boxes = len(boxes)

    positioned: list[tuple[float, object]] = []
    rest: list[Box] = []
    in_table: list[list[Box]] = [[] for _ in tables]
    for b in boxes:
        hit = next((n for n, t in enumerate(tables) if t.contains(b.cx, b.cy)), None)
        if hit is None:
            rest.append(b)
        else:
            in_table[hit].append(b)
    for t, grid in zip(tables, tables_to_grids(tables, in_table, gray, page, scale, engine, result)):
        positioned.append((t.ys[0], grid))
        result.grid_tops.append((grid, t.ys[0] / scale, t.ys[-1] / scale, gray.shape[0] / scale,
                                 [x / scale for x in t.xs]))
    loose, text_lines = boxes_to_loose_grid(rest, page, scale, result) if not tables else ([], _lines_of(rest))
    for g in loose:
        tops = [c.bbox[1] for r in g.rows for c in r if c is not None and c.bbox]
        positioned.append(((min(tops) * scale) if tops else 0.0, g))
    for ln in text_lines:
        positioned.append((min(b.y0 for b in ln), TextBlock(_join_line(ln), page)))
    positioned.sort(key=lambda t: t[0])
    result.items = [obj for _, obj in positioned]
    return result.items


# ---------------------------------------------------------------------------
# Scanned pages of a PDF
# ---------------------------------------------------------------------------


def _pages_text(pages: list[int]) -> str:
    return "、".join(str(p) for p in pages)


def _join_scanned_tables(results: dict[int, PageResult]) -> dict[int, list]:
    """Per page, its items; a table at the top of a page that continues the table ending the
    previous scanned page (same column lines) is appended to it, as the PDF reader does."""
    from ..readers.pdf import PageItems, Piece, pieces_to_grids

    pages = []
    for number in sorted(results):
        res = results[number]
        pi = PageItems(number)
        tops = {id(g): (top, bottom, ph, xs) for g, top, bottom, ph, xs in res.grid_tops}
        for item in res.items:
            if isinstance(item, Grid) and id(item) in tops:
                top, bottom, ph, xs = tops[id(item)]
                pi.items.append(Piece(item, xs[:-1], xs[-1], top, bottom, ph))
            else:
                if isinstance(item, TextBlock) and _PAGE_NUMBER.match(item.text.strip()):
                    pi.furniture.add(len(pi.items))
                pi.items.append(item)
        pages.append(pi)
    out: dict[int, list] = {n: [] for n in results}
    runs: list[list] = []
    for pi in pages:  # only consecutive pages can continue a table
        if runs and runs[-1][-1].number == pi.number - 1:
            runs[-1].append(pi)
        else:
            runs.append([pi])
    for run in runs:
        for item in pieces_to_grids(run):
            out[item.page if item.page in out else run[0].number].append(item)
    return out


_PAGE_NUMBER = re.compile(r"^(?:[-—–－_\s]*\d{1,4}[-—–－_\s]*|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?)$")


def _drop_reader_notes(doc: Document, scanned: list[int]) -> None:
    """Remove the PDF reader's "no text layer" notes: the OCR notes replace them."""
    try:
        from ..readers import pdf as pdf_reader
    except ImportError:  # pragma: no cover
        return
    stale = set()
    for tmpl in ("NOTE_ALL_SCANNED", "NOTE_SCANNED_PAGES", "NOTE_GARBLED_PAGES"):
        pattern = getattr(pdf_reader, tmpl, None)
        if not pattern:
            continue
        head = pattern.split("{")[0]
        tail = pattern.split("}")[-1]
        stale.update(n for n in doc.notes if n.startswith(head) and n.endswith(tail))
    doc.notes = [n for n in doc.notes if n not in stale]


def _insert_in_page_order(items: list, page_items: dict[int, list]) -> list:
    """``items`` (in their order) with each page's OCR items placed before the first item of a later page."""
    out: list = []
    pending = sorted(page_items)
    for item in items:
        p = getattr(item, "page", None)
        while pending and p is not None and pending[0] < p:
            out.extend(page_items[pending.pop(0)])
        out.append(item)
    for n in pending:
        out.extend(page_items[n])
    return out


def result_notes(page: int, res: PageResult) -> list[str]:
    """The reviewer's notes about one OCR'd page: low-confidence numbers and unread cells."""
    notes = []
    if res.low_confidence:
        shown = "、".join(res.low_confidence[:10]) + ("等" if len(res.low_confidence) > 10 else "")
        notes.append(NOTE_LOW_CONFIDENCE.format(page=page, n=len(res.low_confidence), limit=LOW_CONFIDENCE,
                                                cells=shown))
    if res.unread_cells:
        notes.append(NOTE_UNREAD_CELLS.format(page=page, n=res.unread_cells))
    return notes


def render_page(pdf, index: int, dpi: int = RENDER_DPI):
    """Page ``index`` (0-based) of an open pypdfium2 document as a PIL RGB image."""
    page = pdf[index]
    try:
        return page.render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        page.close()


def ocr_pdf_pages(data: bytes, doc: Document, progress: Optional[Callable[[int, int], None]] = None,
                  *, dpi: int = RENDER_DPI, engine=None) -> Document:
    """OCR the pages of a PDF listed in ``doc.scanned_pages`` and merge them into ``doc``.

    ``data`` is the PDF's bytes, ``doc`` what the PDF reader returned for it. Each listed page
    is rendered with pypdfium2 at ``dpi`` and read with :func:`ocr_image`; its items are put
    into ``doc.items`` in page order (the items of text pages keep their order), the page is
    removed from ``doc.scanned_pages``, and a note says OCR was used. A page that cannot be
    read stays in ``scanned_pages`` and gets a note; nothing raises for bad pages.
    ``progress(done, total)`` is called before the first page and after each page.
    Returns ``doc`` (changed in place).
    """
    pages = sorted(set(doc.scanned_pages))
    total = len(pages)
    if not pages:
        return doc
    if progress:
        progress(0, total)
    try:
        engine = engine or ocr_engine.get_engine()
    except Exception as exc:  # missing package or a refused download: the pages stay unread
        doc.notes.append(NOTE_OCR_UNAVAILABLE.format(reason=str(exc)[:120]))
        if progress:
            progress(total, total)
        return doc

    import pypdfium2 as pdfium

    results: dict[int, PageResult] = {}
    failed: dict[int, str] = {}
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:
        pdf = None
        failed = {p: f"无法打开文件：{exc}" for p in pages}
    if pdf is not None:
        try:
            for done, number in enumerate(pages, start=1):
                try:
                    img = render_page(pdf, number - 1, dpi)
                    res = PageResult()
                    ocr_image(img, number, scale=dpi / 72, engine=engine, result=res)
                    if res.boxes == 0:
                        failed[number] = ""
                    else:
                        results[number] = res
                except Exception as exc:  # a broken page or an engine failure: note it, go on
                    log.warning("OCR failed on page %s: %r", number, exc, exc_info=True)
                    failed[number] = f"{type(exc).__name__}"
                if progress:
                    progress(done, total)
        finally:
            pdf.close()

    _drop_reader_notes(doc, pages)
    page_items = _join_scanned_tables(results)
    doc.items = _insert_in_page_order(doc.items, page_items)
    doc.scanned_pages = [p for p in doc.scanned_pages if p not in results]
    if results:
        doc.notes.append(NOTE_OCR_USED.format(pages=_pages_text(sorted(results))))
    for number in sorted(results):
        doc.notes.extend(result_notes(number, results[number]))
    for number, reason in sorted(failed.items()):
        doc.notes.append(NOTE_OCR_FAILED.format(page=number, reason=reason) if reason
                         else NOTE_OCR_EMPTY.format(page=number))
    return doc
