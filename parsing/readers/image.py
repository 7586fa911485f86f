"""Image reader: a .jpg/.jpeg/.png page (a photo or scan of the paper report), read by OCR.

The image is one page. It goes through the same OCR path as the scanned pages of a PDF
(:func:`parsing.ocr.ocr_image`): ruling lines to table grids, text boxes to cells, each cell
with the engine's confidence. Bounding boxes are in pixels of the (possibly scaled) image.
"""
from __future__ import annotations

import io

from ..model import Document, ReportError

MSG_BAD_IMAGE = "图片文件“{name}”无法打开（文件可能已损坏，或不是 JPG/PNG 图片）。"
MSG_TINY_IMAGE = "图片“{name}”太小（{w}×{h} 像素），无法识别文字。请上传清晰的扫描件或照片。"
MSG_NO_TEXT = "图片“{name}”中没有识别出文字，无法读取。请上传清晰、端正的扫描件或照片。"
MIN_SIDE = 200  # pixels: below this a page cannot be read
MAX_PIXELS = 60_000_000  # refuse decompression bombs before decoding


def bytes_to_image(data: bytes, name: str):
    """Decode ``data`` as an upright RGB PIL image, scaled down if huge; ReportError if unreadable."""
    from PIL import Image, ImageOps

    from ..ocr import MAX_IMAGE_SIDE

    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_PIXELS:
            raise ReportError(MSG_BAD_IMAGE.format(name=name), f"{img.width}x{img.height} pixels")
        img = ImageOps.exif_transpose(img)
        img.load()
    except ReportError:
        raise
    except Exception as exc:  # PIL raises many types for broken files
        raise ReportError(MSG_BAD_IMAGE.format(name=name), f"{name}: {exc!r}") from None
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, img)
    img = img.convert("RGB")
    if min(img.size) < MIN_SIDE:
        raise ReportError(MSG_TINY_IMAGE.format(name=name, w=img.width, h=img.height))
    if max(img.size) > MAX_IMAGE_SIDE:
        k = MAX_IMAGE_SIDE / max(img.size)
        img = img.resize((round(img.width * k), round(img.height * k)), Image.LANCZOS)
    return img


def read_image(data: bytes, name: str) -> Document:
    """Read one page image into a :class:`Document` (``format="image"``, one page).

    Returns text blocks and grids from OCR, with a note that OCR was used. Raises
    :class:`ReportError` for files that are not decodable images, images too small to read,
    images where OCR finds no text, and when the OCR engine is not available.
    """
    from ..ocr import NOTE_OCR_IMAGE, PageResult, ocr_image, result_notes

    img = bytes_to_image(data, name)
    doc = Document(format="image", page_count=1)
    res = PageResult()
    try:
        ocr_image(img, 1, result=res)
    except ReportError:
        raise
    except Exception as exc:
        raise ReportError(f"图片“{name}”的文字识别（OCR）失败，无法读取。", repr(exc)) from None
    if res.boxes == 0:
        raise ReportError(MSG_NO_TEXT.format(name=name))
    doc.items = res.items
    doc.notes.append(NOTE_OCR_IMAGE)
    doc.notes.extend(result_notes(1, res))
    return doc
