"""Make scanned-looking copies of sample PDFs, for the OCR reader's tests.

For each chosen sample ``sample_reports/NNN_<id>.pdf`` (a text PDF made by make_samples.py)
the script renders every page with pypdfium2, then per page:

* tilts it by 0.5-1 degree (sign and size from a fixed seed),
* blurs it slightly (Gaussian, radius 0.7) and adds speckle noise (dark dots and grain),
* on the page given in :data:`SAMPLES`, stamps a red round seal over part of a table,

and wraps the pages as an image-only PDF (no text layer) ``sample_reports/NNN_<id>_scan.pdf``.
It also writes one page as ``tests/fixtures/ocr/NNN_<id>_pageN.png`` for the image reader's tests
(a single page is not a whole report, so it is not a sample report), and, for the samples in
:data:`DASHED`, a scan in which every empty number cell of table 三 holds a dash ("—", as many
offices fill blank cells) as ``tests/fixtures/ocr/NNN_<id>_dashes_scan.pdf``: a lone dash is a
mark the text detector often misses, so the OCR reader has to read those cells on their own.
Its text version is the sample's own PDF (a dash is a blank, like an empty cell).

Everything is deterministic (fixed seeds, fixed PDF dates), so running it again gives the same
files. The outputs are committed; tests never run this script.

Usage (from the repository root)::

    .venv/bin/python tools/make_scans.py
"""
from __future__ import annotations

import argparse
import io
import math
import os
import random
import sys
import time

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES_DIR = os.path.join(ROOT, "sample_reports")

# sample stem -> (1-based page that gets the seal, seal centre as fractions of the page size)
SAMPLES = {
    "000_f2cddb79f4434941": (2, (0.70, 0.30)),  # over table 二 and its numbers
    "004_19df153a773c7689": (3, (0.62, 0.62)),  # over table 四
}
PNG_PAGE = ("000_f2cddb79f4434941", 3)  # one page as a .png
DASHED = {"004_19df153a773c7689": "—"}  # sample stem -> the mark written into its empty cells
DASH_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DPI = 200
JPEG_QUALITY = 80
FIXED_DATE = time.strptime("2024-01-01 00:00:00", "%Y-%m-%d %H:%M:%S")
SEAL_FONTS = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")


def render_pages(path: str, dpi: int = DPI) -> list[Image.Image]:
    pdf = pdfium.PdfDocument(path)
    try:
        return [pdf[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(pdf))]
    finally:
        pdf.close()


def seal_layer(size: int, text: str = "某某镇人民政府") -> Image.Image:
    """A red round seal (ring, star and an arc of text) on a transparent square."""
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    r = size / 2
    d.ellipse((6, 6, size - 6, size - 6), outline=255, width=max(6, size // 40))
    # five-pointed star
    pts = []
    for k in range(10):
        rad = (r * 0.22) if k % 2 == 0 else (r * 0.09)
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((r + rad * math.cos(a), r + rad * math.sin(a)))
    d.polygon(pts, fill=255)
    font_path = next((p for p in SEAL_FONTS if os.path.exists(p)), None)
    if font_path:
        font = ImageFont.truetype(font_path, int(size * 0.13))
        span = math.radians(220)
        for k, ch in enumerate(text):
            a = -math.pi / 2 - span / 2 + span * (k + 0.5) / len(text)
            glyph = Image.new("L", (int(size * 0.16),) * 2, 0)
            ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, fill=255, font=font, anchor="mm")
            glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.BICUBIC)
            cx, cy = r + r * 0.70 * math.cos(a), r + r * 0.70 * math.sin(a)
            img.paste(255, (int(cx - glyph.width / 2), int(cy - glyph.height / 2)), glyph)
    return img


def stamp(page: Image.Image, centre: tuple[float, float], rng: random.Random) -> Image.Image:
    """Multiply a red seal onto the page (black text under it stays black)."""
    size = int(page.width * 0.26)
    mask = seal_layer(size).rotate(rng.uniform(-20, 20), resample=Image.BICUBIC)
    alpha = np.asarray(mask, dtype=np.float32) / 255 * 0.85
    x0 = int(page.width * centre[0] - size / 2)
    y0 = int(page.height * centre[1] - size / 2)
    arr = np.asarray(page, dtype=np.float32).copy()
    region = arr[y0:y0 + size, x0:x0 + size]
    red = np.array([214, 38, 44], dtype=np.float32) / 255
    a = alpha[: region.shape[0], : region.shape[1], None]
    region[:] = region * (1 - a) + region * red * a
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


def degrade(page: Image.Image, rng: random.Random) -> Image.Image:
    """Tilt, blur and speckle one page."""
    angle = rng.uniform(0.5, 1.0) * rng.choice((-1, 1))
    out = page.rotate(angle, resample=Image.BICUBIC, fillcolor=(255, 255, 255))
    out = out.filter(ImageFilter.GaussianBlur(0.7))
    arr = np.asarray(out, dtype=np.int16).copy()
    nrng = np.random.default_rng(rng.randrange(2**32))
    grain = nrng.normal(0, 6, arr.shape[:2])[..., None]
    arr = arr + grain.astype(np.int16)
    h, w = arr.shape[:2]
    n = int(h * w * 0.0004)
    ys, xs = nrng.integers(0, h - 2, n), nrng.integers(0, w - 2, n)
    for y, x, s in zip(ys, xs, nrng.integers(1, 3, n)):
        arr[y:y + s, x:x + s] = nrng.integers(30, 110)
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


def empty_number_cells(path: str) -> dict[int, list[tuple]]:
    """Per 1-based page, the bboxes (points) of the empty number cells of 10-column tables (table 三)."""
    import pdfplumber

    out: dict[int, list[tuple]] = {}
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for table in page.find_tables():
                for row in table.rows:
                    if len(row.cells) != 10:
                        continue
                    for j, box in enumerate(row.cells):
                        if j >= 3 and box is not None and not (page.crop(box).extract_text() or "").strip():
                            out.setdefault(number, []).append(box)
    return out


def write_marks(page: Image.Image, boxes: list[tuple], mark: str, dpi: int = DPI) -> Image.Image:
    """``mark`` centred in each box (PDF points), in the size of the form's numbers (10.5 pt)."""
    out = page.copy()
    d = ImageDraw.Draw(out)
    font = ImageFont.truetype(DASH_FONT, round(10.5 * dpi / 72))
    k = dpi / 72
    for x0, y0, x1, y1 in boxes:
        d.text(((x0 + x1) / 2 * k, (y0 + y1) / 2 * k), mark, fill="black", font=font, anchor="mm")
    return out


def scan_pages(stem: str, marks: str | None = None) -> list[Image.Image]:
    """The scanned pages of a sample; with ``marks``, its empty number cells hold that mark."""
    seal_page, centre = SAMPLES[stem]
    rng = random.Random(f"scan:{stem}" + (f":{marks}" if marks else ""))
    src = os.path.join(SAMPLES_DIR, stem + ".pdf")
    empty = empty_number_cells(src) if marks else {}
    pages = []
    for number, page in enumerate(render_pages(src), start=1):
        if number in empty:
            page = write_marks(page, empty[number], marks)
        if number == seal_page:
            page = stamp(page, centre, rng)
        pages.append(degrade(page, rng))
    return pages


def save_pdf(pages: list[Image.Image], path: str) -> None:
    """An image-only PDF (JPEG pages at :data:`DPI`), with fixed metadata."""
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=DPI, quality=JPEG_QUALITY,
                  title="scan", author="", subject="", creator="make_scans", producer="make_scans",
                  creationDate=FIXED_DATE, modDate=FIXED_DATE)
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="one sample stem prefix, e.g. 000")
    args = ap.parse_args(argv)
    for stem in SAMPLES:
        if args.only and not stem.startswith(args.only):
            continue
        src = os.path.join(SAMPLES_DIR, stem + ".pdf")
        if not os.path.exists(src):
            print(f"missing {src}; run tools/make_samples.py first", file=sys.stderr)
            return 1
        pages = scan_pages(stem)
        out = os.path.join(SAMPLES_DIR, stem + "_scan.pdf")
        save_pdf(pages, out)
        print(f"wrote {out} ({len(pages)} pages, {os.path.getsize(out) // 1024} KB)")
        if stem == PNG_PAGE[0]:
            png = os.path.join(ROOT, "tests", "fixtures", "ocr", f"{stem}_page{PNG_PAGE[1]}.png")
            # a 64-colour palette keeps the file small; the seal stays red
            pages[PNG_PAGE[1] - 1].quantize(64, dither=Image.Dither.NONE).save(png, optimize=True)
            print(f"wrote {png} ({os.path.getsize(png) // 1024} KB)")
        if stem in DASHED:
            out = os.path.join(ROOT, "tests", "fixtures", "ocr", f"{stem}_dashes_scan.pdf")
            save_pdf(scan_pages(stem, DASHED[stem]), out)
            print(f"wrote {out} ({os.path.getsize(out) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
