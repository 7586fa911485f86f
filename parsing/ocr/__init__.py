"""Offline OCR of scanned pages into the same intermediate as the other readers.

One rapidocr engine per process (models from the rapidocr wheel only; nothing is downloaded
at run time). For one page image:

1. :mod:`.image`: the ink (red channel: a red seal fades, black text stays), the skew angle
   and the straightened page, ruling lines and the cells of each ruled table;
2. :mod:`.engine`: text lines detected once per page, recognised in one batched call;
3. :mod:`.lines`: boxes placed into cells (cells with ink but no box read on their own, in one
   batch; empty cells never recognised), tables without rulings rebuilt from box positions,
   the other boxes joined into text lines;
4. :mod:`.pages`: the page's items in reading order; for a PDF, its scanned pages rendered with
   pypdfium2, read, and merged into the document in page order with notes for the reviewer.

The public functions (:func:`ocr_pdf_pages`, :func:`ocr_image`, :func:`result_notes`, ...) are
importable from ``parsing.ocr``.
"""
from .engine import ENGINE_PARAMS, OcrEngine, OcrUnavailable, create_engine, get_engine
from .image import MAX_IMAGE_SIDE, image_to_ink, ink_to_skew, ink_to_tables, rotate, to_rgb_array
from .lines import LOW_CONFIDENCE, Box, clean_cell_text, image_to_boxes, read_cells
from .pages import (NOTE_LOW_CONFIDENCE, NOTE_OCR_EMPTY, NOTE_OCR_FAILED, NOTE_OCR_IMAGE, NOTE_OCR_UNAVAILABLE,
                    NOTE_OCR_USED, NOTE_UNREAD_CELLS, RENDER_DPI, PageResult, ocr_image, ocr_pdf_pages, render_page,
                    result_notes)

__all__ = [
    "ENGINE_PARAMS", "OcrEngine", "OcrUnavailable", "create_engine", "get_engine",
    "MAX_IMAGE_SIDE", "image_to_ink", "ink_to_skew", "ink_to_tables", "rotate", "to_rgb_array",
    "LOW_CONFIDENCE", "Box", "clean_cell_text", "image_to_boxes", "read_cells",
    "NOTE_LOW_CONFIDENCE", "NOTE_OCR_EMPTY", "NOTE_OCR_FAILED", "NOTE_OCR_IMAGE", "NOTE_OCR_UNAVAILABLE",
    "NOTE_OCR_USED", "NOTE_UNREAD_CELLS", "RENDER_DPI", "PageResult", "ocr_image", "ocr_pdf_pages", "render_page",
    "result_notes",
]
