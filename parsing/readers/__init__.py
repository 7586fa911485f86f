"""Readers, one per format, all returning a :class:`parsing.model.Document`.

``READERS`` maps a format name to a reader function ``(data: bytes, name: str) -> Document``.
:func:`detect_format` decides the format from the file's first bytes and its extension
(content wins over the extension, so a PDF named .doc is read as a PDF).
"""
from __future__ import annotations

import importlib
import os

from ..model import Document, ReportError

# format -> "module:function" (imported lazily so a missing optional library only affects its format)
READERS = {
    "pdf": "parsing.readers.pdf:read_pdf",
    "docx": "parsing.readers.docx:read_docx",
    "html": "parsing.readers.html:read_html",
    "text": "parsing.readers.text:read_text",
    "legacy": "parsing.readers.legacy:read_legacy",
    "image": "parsing.readers.image:read_image",
}

EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".txt": "text",
    ".md": "text",
    ".doc": "legacy",
    ".wps": "legacy",
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
}
SUPPORTED_ZH = "PDF、DOCX、DOC/WPS（经 wv、LibreOffice 或 catdoc 转换）、HTML/HTM、TXT/MD、JPG/PNG 图片（文字识别）"


def detect_format(data: bytes, name: str) -> str:
    """The format of a file, from magic bytes first and the extension second."""
    ext = os.path.splitext(name.lower())[1]
    head = data[:2048]
    if head.lstrip()[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        return "pdf"
    if head[:4] == b"PK\x03\x04":
        if ext in (".docx", ".doc", ".wps") or b"word/" in data[:65536] or b"[Content_Types].xml" in data[:4096]:
            return "docx"
        raise ReportError(f"文件“{name}”是 ZIP 压缩包而不是报告文件，请解压后上传其中的报告。")
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: legacy .doc / .wps
        return "legacy"
    if head[:8] == b"\x89PNG\r\n\x1a\n" or head[:3] == b"\xff\xd8\xff":
        return "image"
    low = head.lower()
    if ext in (".html", ".htm", ".shtml") or b"<html" in low or b"<!doctype html" in low:
        return "html"
    if ext in EXTENSIONS:
        fmt = EXTENSIONS[ext]
        if fmt == "pdf":
            raise ReportError(f"文件“{name}”扩展名为 PDF，但内容不是 PDF（文件可能已损坏或为空）。")
        if fmt == "docx":
            raise ReportError(f"文件“{name}”扩展名为 DOCX，但内容不是有效的 Word 文档（可能已损坏）。")
        return fmt
    raise ReportError(f"不支持的文件类型“{ext or name}”。支持的格式：{SUPPORTED_ZH}。")


def read_document(data: bytes, name: str, progress=None) -> Document:
    """Read a file's bytes into the intermediate. Raises ReportError for unreadable input.

    Pages of a PDF without a text layer are read by OCR (``parsing.ocr``); ``progress(done,
    total)`` is called per OCR'd page. A text PDF never goes through OCR.
    """
    if not data:
        raise ReportError(f"文件“{name}”是空文件（0 字节），无法读取。")
    fmt = detect_format(data, name)
    module, func = READERS[fmt].split(":")
    reader = getattr(importlib.import_module(module), func)
    doc = reader(data, name)
    doc.format = doc.format or fmt
    if fmt == "pdf" and doc.scanned_pages:
        from ..ocr import ocr_pdf_pages

        doc = ocr_pdf_pages(data, doc, progress)
    return doc
