"""How often the cyclic garbage collector runs while a report is read and checked: :func:`young_gc` raises its
first threshold for a block (the PDF reader while it reads, :func:`parsing.readers.pdf.read_pdf`, and
:func:`parsing.collecting_less` around a whole parse and check); why, and how far, at :data:`YOUNG_GC_THRESHOLD`.

This module imports nothing but the standard library, so any reader or caller may use it.
"""
from __future__ import annotations

import contextlib
import gc
import threading

# A PDF's reading makes hundreds of thousands of small containers (a dict per character, tuples per box) that
# almost all die young. With Python's default first threshold (700) the collector runs every few hundred of them
# and walks what survives: about 7 % of a text PDF's reading. At this threshold it runs about 15 times less often;
# what it holds uncollected between two runs stays bounded by the threshold's count of objects (tests/test_pdf_gc.py
# checks the peak memory of a long PDF).
YOUNG_GC_THRESHOLD = 10_000
_GC_LOCK = threading.Lock()
_GC_HELD = [0, None]  # readers inside young_gc, and the thresholds they found


@contextlib.contextmanager
def young_gc(threshold: int):
    """Raise the collector's first threshold to at least ``threshold`` inside the block (never lower it); put back
    what it was when the last reader inside (of any thread) leaves."""
    with _GC_LOCK:
        if _GC_HELD[0] == 0:
            _GC_HELD[1] = gc.get_threshold()
            first, *rest = _GC_HELD[1]
            if first and first < threshold:  # 0: the collector is off; leave it so
                gc.set_threshold(threshold, *rest)
        _GC_HELD[0] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_HELD[0] -= 1
            if _GC_HELD[0] == 0:
                gc.set_threshold(*_GC_HELD[1])
