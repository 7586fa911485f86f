"""Seconds per page of the OCR path on this machine.

Reads the scanned samples (``sample_reports/*_scan.pdf``, or the files given) page by page the
way :func:`parsing.ocr.ocr_pdf_pages` does (render with pypdfium2, then
:func:`parsing.ocr.ocr_image`), and prints the engine start-up time, each page's time and the
median and mean seconds per page.

Usage (from the repository root)::

    .venv/bin/python bench/ocr_bench.py [FILE.pdf ...] [--repeat N]
"""
from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import pypdfium2 as pdfium  # noqa: E402

from parsing import ocr  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="OCR seconds per page")
    ap.add_argument("files", nargs="*", help="image-only PDFs (default: sample_reports/*_scan.pdf)")
    ap.add_argument("--repeat", type=int, default=1, help="read every page this many times")
    args = ap.parse_args(argv)
    files = args.files or sorted(glob.glob(os.path.join(ROOT, "sample_reports", "*_scan.pdf")))
    if not files:
        print("no scanned PDFs found; run tools/make_scans.py", file=sys.stderr)
        return 1

    t0 = time.perf_counter()
    engine = ocr.get_engine()
    print(f"engine start-up: {time.perf_counter() - t0:.2f} s  (cores: {os.cpu_count()}, params: {ocr.ENGINE_PARAMS})")

    render_times, ocr_times = [], []
    for path in files:
        pdf = pdfium.PdfDocument(path)
        try:
            for index in range(len(pdf)):
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    img = ocr.render_page(pdf, index)
                    t1 = time.perf_counter()
                    res = ocr.PageResult()
                    ocr.ocr_image(img, index + 1, scale=ocr.RENDER_DPI / 72, engine=engine, result=res)
                    t2 = time.perf_counter()
                    render_times.append(t1 - t0)
                    ocr_times.append(t2 - t1)
                    print(f"{os.path.basename(path)} page {index + 1}: render {t1 - t0:.2f} s, "
                          f"OCR {t2 - t1:.2f} s ({res.boxes} boxes, skew {res.skew:+.2f} deg)")
        finally:
            pdf.close()
    total = [a + b for a, b in zip(render_times, ocr_times)]
    print(f"pages: {len(total)}; seconds per page: median {statistics.median(total):.2f}, "
          f"mean {statistics.mean(total):.2f}, max {max(total):.2f} (render median "
          f"{statistics.median(render_times):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
