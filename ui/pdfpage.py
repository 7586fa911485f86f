"""Render a PDF page to PNG (pypdfium2), optionally with a cell's box drawn on it."""
from __future__ import annotations

import io
from typing import Optional

PAGE_DPI = 110


def render_page_png(pdf: bytes, page: int, bbox: Optional[tuple] = None, dpi: int = PAGE_DPI,
                    cells: Optional[list] = None) -> bytes:
    """PNG bytes of 1-based ``page``; ``bbox`` = (x0, top, x1, bottom) in PDF points (top-left origin,
    as pdfplumber gives it) is outlined in red. ``cells`` (from :func:`ocr_cells`) are outlined in blue with
    the value OCR read written above each (orange where the engine was unsure), so a reviewer can compare
    a scan with what was read. Raises ValueError for a page outside the document."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    doc = pdfium.PdfDocument(pdf)
    try:
        if not 1 <= page <= len(doc):
            raise ValueError(f"页码 {page} 超出范围（共 {len(doc)} 页）")
        p = doc[page - 1]
        scale = dpi / 72
        img = p.render(scale=scale).to_pil().convert("RGB")
        if cells:
            draw = ImageDraw.Draw(img)
            for (cx0, ctop, cx1, cbottom), text, unsure in cells:
                color = (230, 120, 0) if unsure else (30, 90, 200)
                box = [cx0 * scale, ctop * scale, cx1 * scale, cbottom * scale]
                draw.rectangle(box, outline=color)
                draw.text((box[0] + 2, box[1] + 1), text, fill=color)
        if bbox is not None and len(bbox) == 4:
            x0, top, x1, bottom = (float(v) * scale for v in bbox)
            draw = ImageDraw.Draw(img)
            pad = 3
            for w in range(3):
                draw.rectangle([x0 - pad - w, top - pad - w, x1 + pad + w, bottom + pad + w], outline=(220, 0, 0))
        out = io.BytesIO()
        img.save(out, format="PNG")
        return out.getvalue()
    finally:
        doc.close()


def cell_location(values, table: str, row: str, column: Optional[str]) -> tuple[Optional[int], Optional[tuple]]:
    """(page, bbox) of a cell from a report's values frame (its ``bbox`` column, PDF points, top-left origin).

    Without ``column`` the box spans the row's cells on the row's first page. bbox is None where the frame
    has no box (non-PDF readers, OCR without positions)."""
    table, row, column = (_clean(x) for x in (table, row, column))
    if values is None or values.empty or not table or not row:
        return None, None
    hit = values[(values["table"] == table) & (values["row"] == row)]
    if column:
        hit = hit[hit["column"] == column]
    hit = hit[hit["page"].notna()] if "page" in hit else hit.iloc[0:0]
    if hit.empty:
        return None, None
    first = hit.iloc[0]
    page = int(first["page"])
    bbox = None
    if "bbox" in hit.columns:
        # one cell: its box; a whole row (no column): the box around its cells on that page
        same = hit[hit["page"] == first["page"]] if not column else hit.iloc[:1]
        boxes = [tuple(b) for b in same["bbox"] if isinstance(b, (tuple, list)) and len(b) == 4]
        if boxes:
            bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                    max(b[3] for b in boxes))
    return page, bbox


def _clean(x):
    if x is None or (isinstance(x, float) and x != x) or str(x) in ("", "<NA>", "nan", "None"):
        return None
    return x


def ocr_cells(values, page: int, unsure_below: float = 0.9) -> list:
    """The form cells read by OCR on one page: [(bbox, text, unsure)], text the value read ('-' when blank,
    '?' when unreadable); ``unsure`` where the engine's confidence is below ``unsure_below``."""
    if values is None or values.empty or "confidence" not in values or "bbox" not in values:
        return []
    hit = values[(values["page"] == page) & values["confidence"].notna()]
    out = []
    for r in hit.itertuples(index=False):
        if not isinstance(r.bbox, (tuple, list)) or len(r.bbox) != 4:
            continue
        if r.status == "ok":
            v = float(r.value)
            text = str(int(v)) if v.is_integer() else f"{v:g}"
        else:
            text = "-" if r.status == "blank" else "?"
        out.append((tuple(r.bbox), text, float(r.confidence) < unsure_below))
    return out
