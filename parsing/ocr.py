"""Offline OCR of scanned pages into the same intermediate as the other readers.

The engine is rapidocr 3.x on onnxruntime with the models that ship inside the rapidocr wheel
(PP-OCRv6 det + rec); nothing is downloaded at run time (:func:`get_engine` refuses to).
One engine per process, created on first use.

Pipeline for one page image (each step a small function):

1. ``image_to_ink``: a grey image from the red channel, so a red seal fades out while black
   text under it stays dark.
2. ``ink_to_skew`` / ``rotate``: the skew angle (projection profile, within ±3°) and the
   straightened page.
3. ``ink_to_tables``: ruling lines found by morphology (long thin openings), then per table
   the grid of line positions and the cells (slots joined where the line between them is
   missing, i.e. merged cells).
4. ``image_to_boxes``: OCR text boxes (det + rec) on the straightened page.
5. ``boxes_to_items``: boxes are assigned to cells by their centres; a cell with ink but no
   box is read again on its own (rec only). Tables become :class:`Grid` rows like pdfplumber
   gives them (one :class:`Cell` per slot, ``None`` for a slot covered by a merged cell),
   other boxes become text lines. Without ruling lines, rows and columns are clustered from
   the box centres instead (``boxes_to_loose_grid``).

:func:`ocr_pdf_pages` renders the pages a PDF reader listed in ``Document.scanned_pages``
with pypdfium2, runs the above, and merges the result into the document in page order.
Every cell read by OCR carries ``confidence`` (the engine's score, 0..1); numbers below
:data:`LOW_CONFIDENCE` are counted in a note for the reviewer.
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .model import Cell, Document, Grid, Item, TextBlock

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------

RENDER_DPI = 200
LOW_CONFIDENCE = 0.9  # numbers read with a lower score are flagged for the reviewer
# rapidocr settings: the wheel's default models only (no download). The classifier for upside-down
# lines is off (pages are upright; it costs ~10%), and the detector works on a page scaled to at
# most 1280 px on its long side (tech-notes §2.2: 3.5 s instead of 5.7 s per page, same accuracy).
ENGINE_PARAMS = {
    "Global.use_cls": False,
    "Global.log_level": "warning",
    "Det.limit_type": "max",
    "Det.limit_side_len": 1280,
}
INK_LEVEL = 160  # red-channel values below this are ink
MAX_SKEW = 3.0  # degrees searched when straightening a page
SPECK_AREA = 7  # pixels at 200 dpi (dust is 1-6, a full stop 10-16)
MAX_IMAGE_SIDE = 3500  # larger photos are scaled down before OCR

NOTE_OCR_USED = "第{pages}页为扫描图片，已通过文字识别（OCR）读取，数值请与原件核对。"
NOTE_OCR_IMAGE = "本文件为图片，已通过文字识别（OCR）读取，数值请与原件核对。"
NOTE_OCR_FAILED = "第{page}页为扫描图片，文字识别（OCR）未能读取该页（{reason}），该页内容缺失。"
NOTE_OCR_EMPTY = "第{page}页为扫描图片，文字识别（OCR）未在该页识别出文字，该页内容缺失。"
NOTE_OCR_UNAVAILABLE = "文字识别（OCR）组件不可用，扫描页未能读取（{reason}）。"
NOTE_LOW_CONFIDENCE = "第{page}页有{n}个数字识别置信度较低（低于{limit}），请重点与原件核对：{cells}。"
NOTE_UNREAD_CELLS = "第{page}页表格中有{n}个单元格有字迹但未能识别，按空白保留，请与原件核对。"

_NUMBERISH = re.compile(r"^[0-9OoIlQ|]+$")
_STRAY = ".·。，,'`:;：；°_~"  # marks that noise leaves around a number


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot be created (missing package, or a model would be downloaded)."""


# ---------------------------------------------------------------------------
# The engine: one per process
# ---------------------------------------------------------------------------

_ENGINE = None
_ENGINE_LOCK = threading.Lock()


def _forbid_downloads() -> None:
    """Make any model download inside rapidocr fail at once instead of reaching the network."""
    from rapidocr.utils import download_file

    def refuse(url, logger):  # pragma: no cover - only reached with a non-default model
        raise OcrUnavailable(f"rapidocr tried to download a model ({url}); only the bundled models may be used")

    download_file.DownloadFile._make_http_request = staticmethod(refuse)


def create_engine():
    """A new rapidocr engine with :data:`ENGINE_PARAMS` (prefer :func:`get_engine`)."""
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable(f"rapidocr is not installed: {exc}") from exc
    _forbid_downloads()
    return RapidOCR(params=dict(ENGINE_PARAMS))


def get_engine():
    """The process-wide OCR engine, created on first call (thread-safe)."""
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                _ENGINE = create_engine()
    return _ENGINE


# ---------------------------------------------------------------------------
# Step 1-2: ink and straightening
# ---------------------------------------------------------------------------


def to_rgb_array(img) -> np.ndarray:
    """A PIL image or an array as an H x W x 3 uint8 RGB array."""
    if isinstance(img, np.ndarray):
        arr = img
    else:
        arr = np.asarray(img.convert("RGB"))
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    return np.ascontiguousarray(arr[..., :3]).astype(np.uint8)


def image_to_ink(rgb: np.ndarray) -> np.ndarray:
    """The grey page to read: the red channel, with speckles removed.

    Black text stays dark in the red channel while red ink (a seal over a table) becomes nearly
    white, so neither the line finder nor the recogniser sees it. Isolated dark specks smaller
    than :data:`SPECK_AREA` pixels (scanner dust) are painted white; they would otherwise be
    read as stray dots next to numbers ("0.").
    """
    import cv2

    gray = rgb[..., 0].copy()
    ink = np.where(gray < INK_LEVEL + 40, 255, 0).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] <= SPECK_AREA)
    small = small[small > 0]
    if small.size:
        gray[np.isin(labels, small)] = 255
    return gray


def _rotate(gray: np.ndarray, angle: float, interpolation=None) -> np.ndarray:
    import cv2

    h, w = gray.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    flags = cv2.INTER_LINEAR if interpolation is None else interpolation
    return cv2.warpAffine(gray, m, (w, h), flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def ink_to_skew(gray: np.ndarray) -> float:
    """The rotation (degrees, for :func:`rotate`) that makes text lines and rulings level.

    Projection-profile search on a small binarised copy: the angle whose row sums are the
    sharpest wins; coarse steps of 0.25° then fine steps of 0.05°.
    """
    import cv2

    h, w = gray.shape
    scale = min(1.0, 900 / max(h, w))
    small = cv2.resize(gray, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    ink = np.where(small < INK_LEVEL, 255, 0).astype(np.uint8)
    if ink.sum() == 0:
        return 0.0

    def score(a: float) -> float:
        rows = _rotate(ink, a, cv2.INTER_NEAREST).astype(np.float64).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25), key=score)
    fine = max(np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05), key=score)
    return float(round(fine, 2))


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """``gray`` rotated by ``angle`` degrees about its centre, white outside."""
    return gray if abs(angle) < 0.02 else _rotate(gray, angle)


# ---------------------------------------------------------------------------
# Step 3: ruling lines and cell grids
# ---------------------------------------------------------------------------


@dataclass
class TableGrid:
    """A ruled table found on the page image (pixel coordinates of the straightened page).

    ``ys``/``xs`` are the row and column line positions; ``owner[i][j]`` is the index in
    ``cells`` of the cell covering slot (i, j); ``cells`` are (r0, c0, r1, c1) slot ranges.
    """

    ys: list[float]
    xs: list[float]
    owner: list[list[int]]
    cells: list[tuple[int, int, int, int]]

    @property
    def bbox(self) -> tuple:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def contains(self, x: float, y: float) -> bool:
        return self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]

    def slot_at(self, x: float, y: float) -> tuple[int, int]:
        i = min(max(bisect_right(self.ys, y) - 1, 0), len(self.ys) - 2)
        j = min(max(bisect_right(self.xs, x) - 1, 0), len(self.xs) - 2)
        return i, j

    def cell_box(self, k: int) -> tuple:
        r0, c0, r1, c1 = self.cells[k]
        return (self.xs[c0], self.ys[r0], self.xs[c1 + 1], self.ys[r1 + 1])


def _cluster(values: list[float], tol: float) -> list[float]:
    """1-D clusters (mean of each run of values closer than ``tol``)."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [float(np.mean(c)) for c in out]


def _segments(mask: np.ndarray, horizontal: bool) -> list[tuple[float, float, float]]:
    """Line segments of a line mask as (position, start, end)."""
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for k in range(1, n):
        x, y, w, h, _area = stats[k]
        if horizontal:
            out.append((y + h / 2, float(x), float(x + w)))
        else:
            out.append((x + w / 2, float(y), float(y + h)))
    return out


def ink_to_line_masks(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of horizontal and vertical ruling lines (long thin openings of the ink)."""
    import cv2

    h, w = gray.shape
    ink = np.where(gray < INK_LEVEL, 255, 0).astype(np.uint8)
    hlen = max(40, w // 25)
    vlen = max(30, h // 45)
    hmask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hlen, 1)))
    vmask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vlen)))
    # close small gaps left by blur, noise or a residual skew
    hmask = cv2.dilate(hmask, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    vmask = cv2.dilate(vmask, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 9)))
    return hmask, vmask


def _coverage(mask: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> float:
    """Share of the positions along a band of ``mask`` that hold line pixels."""
    xa, xb, ya, yb = int(round(x0)), int(round(x1)), int(round(y0)), int(round(y1))
    xa, ya = max(xa, 0), max(ya, 0)
    xb, yb = min(xb, mask.shape[1]), min(yb, mask.shape[0])
    if xb <= xa or yb <= ya:
        return 0.0
    band = mask[ya:yb, xa:xb] > 0
    if (xb - xa) >= (yb - ya):  # a horizontal band: a column is covered if any pixel is set
        return float(band.any(axis=0).mean())
    return float(band.any(axis=1).mean())


def ink_to_tables(gray: np.ndarray) -> list[TableGrid]:
    """The ruled tables of a straightened page, top to bottom."""
    import cv2

    hmask, vmask = ink_to_line_masks(gray)
    both = cv2.dilate(cv2.bitwise_or(hmask, vmask), cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(both, connectivity=8)
    h_img, w_img = gray.shape
    tables = []
    tol = max(6.0, h_img / 300)
    for k in range(1, n):
        x, y, w, h, _ = stats[k]
        if w < w_img * 0.2 or h < 20:
            continue
        hs = [s for s in _segments(hmask[y:y + h, x:x + w], True) if s[2] - s[1] >= w * 0.1]
        vs = [s for s in _segments(vmask[y:y + h, x:x + w], False) if s[2] - s[1] >= 12]
        ys = _cluster([s[0] + y for s in hs], tol)
        xs = _cluster([s[0] + x for s in vs], tol)
        if len(ys) < 2 or len(xs) < 2:
            continue
        tables.append(_grid_from_lines(ys, xs, hmask, vmask))
    tables.sort(key=lambda t: t.ys[0])
    return tables


def _grid_from_lines(ys: list[float], xs: list[float], hmask: np.ndarray, vmask: np.ndarray) -> TableGrid:
    """Cells of a table from its line positions: neighbouring slots merge where no line separates them."""
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for i in range(nr):
        y0, y1 = ys[i], ys[i + 1]
        pad = (y1 - y0) * 0.2
        for j in range(nc - 1):
            x = xs[j + 1]
            if _coverage(vmask, x - 4, x + 4, y0 + pad, y1 - pad) < 0.6:
                union(i * nc + j, i * nc + j + 1)
    for i in range(nr - 1):
        y = ys[i + 1]
        for j in range(nc):
            x0, x1 = xs[j], xs[j + 1]
            pad = (x1 - x0) * 0.2
            if _coverage(hmask, x0 + pad, x1 - pad, y - 4, y + 4) < 0.6:
                union(i * nc + j, (i + 1) * nc + j)

    groups: dict[int, list[tuple[int, int]]] = {}
    for i in range(nr):
        for j in range(nc):
            groups.setdefault(find(i * nc + j), []).append((i, j))
    cells = []
    owner = [[0] * nc for _ in range(nr)]
    for slots in sorted(groups.values(), key=lambda s: min(s)):
        k = len(cells)
        rs, cs = [s[0] for s in slots], [s[1] for s in slots]
        cells.append((min(rs), min(cs), max(rs), max(cs)))
        for i, j in slots:
            owner[i][j] = k
    return TableGrid(list(ys), list(xs), owner, cells)


# ---------------------------------------------------------------------------
# Step 4: OCR boxes
# ---------------------------------------------------------------------------


@dataclass
class Box:
    """One OCR text box (pixel coordinates of the straightened page)."""

    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


# rapidocr 3.x keeps the ``use_*`` flags of a call on the engine (``RapidOCR.__call__`` ->
# ``update_params``), so a call that leaves one out inherits whatever the previous call set: every
# call passes all three.
PAGE_FLAGS = {"use_det": True, "use_cls": False, "use_rec": True}  # a whole page: find lines, read them
CROP_FLAGS = {"use_det": False, "use_cls": False, "use_rec": True}  # one cell's interior: read it as one line


def image_to_boxes(gray: np.ndarray, engine=None) -> list[Box]:
    """Det + rec on a grey page; boxes with their text and score."""
    engine = engine or get_engine()
    out = engine(np.stack([gray] * 3, axis=-1), **PAGE_FLAGS)
    if out.boxes is None or out.txts is None:
        return []
    boxes = []
    for quad, text, score in zip(out.boxes, out.txts, out.scores):
        q = np.asarray(quad, dtype=float)
        text = (text or "").strip()
        if text:
            boxes.append(Box(text, float(score), q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max()))
    return boxes


def recognise_crop(gray: np.ndarray, box: tuple, engine=None) -> Optional[tuple[str, float]]:
    """Rec only (no det) on one cell's interior; (text, score) or None."""
    engine = engine or get_engine()
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    crop = gray[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)]
    if crop.size == 0 or min(crop.shape) < 8:
        return None
    out = engine(np.stack([crop] * 3, axis=-1), **CROP_FLAGS)
    txts = getattr(out, "txts", None)
    if not txts or not txts[0] or not txts[0].strip():
        return None
    return txts[0].strip(), float(out.scores[0])


# ---------------------------------------------------------------------------
# Step 5: boxes to items
# ---------------------------------------------------------------------------


def clean_cell_text(text: str, score: float) -> tuple[str, float]:
    """OCR text of one cell, with digit look-alikes fixed in number-only cells.

    ``O``/``o`` read for ``0`` and ``l``/``I``/``|`` read for ``1`` are mapped back when the
    whole cell is digits and such letters; the score is then capped below
    :data:`LOW_CONFIDENCE` so the reviewer is asked to check it.
    """
    s = unicodedata.normalize("NFKC", text).strip()
    compact = re.sub(r"\s+", "", s)
    core = compact.strip(_STRAY)
    if core != compact and core and _NUMBERISH.match(core):
        compact, score = core, min(score, LOW_CONFIDENCE - 0.01)
    if compact and _NUMBERISH.match(compact) and not compact.isdigit():
        fixed = compact.translate(str.maketrans({"O": "0", "o": "0", "Q": "0", "I": "1", "l": "1", "|": "1"}))
        return fixed, min(score, LOW_CONFIDENCE - 0.01)
    if compact.isdigit() and compact != s:
        return compact, score
    if compact and compact[-1] in ".·。" and re.search(r"[\u4e00-\u9fff]", compact[:-1]):
        return text.strip()[:-1].rstrip(), score  # a speck after a label: "1.属于国家秘密."
    return text.strip(), score


def _lines_of(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into text lines (vertical centre within half a line height), top to bottom."""
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.cy):
        if lines:
            last = lines[-1]
            cy = np.mean([x.cy for x in last])
            hgt = max(np.median([x.height for x in last]), b.height)
            if abs(b.cy - cy) < 0.5 * hgt:
                last.append(b)
                continue
        lines.append([b])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _join_line(line: list[Box]) -> str:
    out = ""
    prev = None
    for b in line:
        if prev is not None and b.x0 - prev.x1 > 1.5 * max(prev.height, b.height):
            out += " "
        out += b.text
        prev = b
    return out


def _join_cell(boxes: list[Box]) -> str:
    return "\n".join(_join_line(line) for line in _lines_of(boxes))


def _split_box(box: Box, table: TableGrid, row: int) -> list[tuple[int, Box]]:
    """A box that runs over several cells of one row, cut by character positions.

    Characters are assumed evenly spaced; each goes to the cell that holds its centre.
    Returns (cell index, piece) pairs; a box inside one cell comes back whole.
    """
    ks = []
    for j in range(len(table.xs) - 1):
        lo, hi = max(box.x0, table.xs[j]), min(box.x1, table.xs[j + 1])
        if hi - lo > 0.25 * min(box.x1 - box.x0, table.xs[j + 1] - table.xs[j]):
            ks.append(table.owner[row][j])
    if len(set(ks)) <= 1 or len(box.text) < 2:
        i, j = table.slot_at(box.cx, box.cy)
        return [(table.owner[i][j], box)]
    chars = list(box.text)
    step = (box.x1 - box.x0) / len(chars)
    pieces: dict[int, list[tuple[int, str]]] = {}
    for n, ch in enumerate(chars):
        cx = box.x0 + (n + 0.5) * step
        _, j = table.slot_at(cx, box.cy)
        pieces.setdefault(table.owner[row][j], []).append((n, ch))
    out = []
    for k, chs in pieces.items():
        text = "".join(c for _, c in chs).strip()
        if not text:
            continue
        n0, n1 = chs[0][0], chs[-1][0]
        out.append((k, Box(text, box.score, box.x0 + n0 * step, box.y0, box.x0 + (n1 + 1) * step, box.y1)))
    return out


def _has_ink(gray: np.ndarray, box: tuple) -> bool:
    """Whether a cell's interior holds marks bigger than speckle (ruling lines excluded)."""
    import cv2

    x0, y0, x1, y1 = box
    m = 6
    crop = gray[int(y0) + m:int(y1) - m, int(x0) + m:int(x1) - m]
    if crop.size == 0:
        return False
    ink = np.where(crop < INK_LEVEL, 255, 0).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    # marks at least about a stroke's size; long thin parts of a ruling line do not count
    big = [k for k in range(1, n) if stats[k][4] >= 25 and stats[k][2] < 0.9 * crop.shape[1]
           and stats[k][3] < 0.9 * crop.shape[0]]
    return sum(stats[k][4] for k in big) >= 60


@dataclass
class PageResult:
    """The items read from one page, and what the reviewer should be told about it."""

    items: list = field(default_factory=list)  # TextBlock | Grid, top to bottom
    boxes: int = 0
    low_confidence: list[str] = field(default_factory=list)  # raw texts of low-confidence numbers
    unread_cells: int = 0
    skew: float = 0.0
    grid_tops: list = field(default_factory=list)  # (grid, top, bottom, page_height, xs) for joining


def _to_points(v: float, scale: float) -> float:
    return round(v / scale, 2)


def table_to_grid(table: TableGrid, boxes: list[Box], gray: np.ndarray, page: Optional[int], scale: float,
                  engine, result: PageResult) -> Grid:
    """A :class:`Grid` of one ruled table: boxes placed in cells by their centres."""
    nr, nc = len(table.ys) - 1, len(table.xs) - 1
    per_cell: dict[int, list[Box]] = {}
    for b in boxes:
        i, _ = table.slot_at(b.cx, b.cy)
        for k, piece in _split_box(b, table, i):
            per_cell.setdefault(k, []).append(piece)
    rows: list[list[Optional[Cell]]] = [[None] * nc for _ in range(nr)]
    for k, (r0, c0, r1, c1) in enumerate(table.cells):
        box_px = table.cell_box(k)
        bbox = tuple(_to_points(v, scale) for v in box_px)
        got = per_cell.get(k, [])
        if got:
            text = _join_cell(got)
            score = min(b.score for b in got)
        elif _has_ink(gray, box_px):
            again = recognise_crop(gray, (box_px[0] + 3, box_px[1] + 3, box_px[2] - 3, box_px[3] - 3), engine)
            if again:
                text, score = again
            else:
                text, score = "", 0.0
                result.unread_cells += 1
        else:
            text, score = "", 1.0
        text, score = clean_cell_text(text, score)
        if text and re.fullmatch(r"\d+", text) and score < LOW_CONFIDENCE:
            result.low_confidence.append(text)
        rows[r0][c0] = Cell(text, page, bbox, round(score, 3))
    return Grid(rows=rows, page=page, bbox=tuple(_to_points(v, scale) for v in table.bbox))


def boxes_to_loose_grid(boxes: list[Box], page: Optional[int], scale: float,
                        result: PageResult) -> tuple[list[Grid], list[list[Box]]]:
    """Tables without ruling lines: rows from box lines, columns from the numbers' x positions.

    A line with at least two number boxes is a table row; its text before the first number is
    the row label (one cell), and each number column found across the rows is one slot (an
    empty string where the row has no number there). Returns the grids (consecutive table
    rows form one grid) and the remaining lines as running text.
    """
    lines = _lines_of(boxes)

    def is_num(b: Box) -> bool:
        return bool(re.fullmatch(r"[0-9OoIl|]+", re.sub(r"\s+", "", unicodedata.normalize("NFKC", b.text))))

    table_lines = [ln for ln in lines if sum(1 for b in ln if is_num(b)) >= 2]
    if not table_lines:
        return [], lines
    heights = [b.height for ln in table_lines for b in ln]
    col_tol = max(8.0, float(np.median(heights)))
    xs = _cluster([b.cx for ln in table_lines for b in ln if is_num(b)], col_tol)
    grids: list[Grid] = []
    text_lines: list[list[Box]] = []
    current: Optional[list] = None
    for ln in lines:
        if ln not in table_lines:
            text_lines.append(ln)
            current = None
            continue
        first_num = next(n for n, b in enumerate(ln) if is_num(b))
        label = [b for b in ln[:first_num]]
        row: list[Optional[Cell]] = []
        if label:
            x0, x1 = min(b.x0 for b in label), max(b.x1 for b in label)
            y0, y1 = min(b.y0 for b in label), max(b.y1 for b in label)
            row.append(Cell(_join_line(label), page, tuple(_to_points(v, scale) for v in (x0, y0, x1, y1)),
                            round(min(b.score for b in label), 3)))
        else:
            row.append(Cell("", page, None, 1.0))
        slots: list[list[Box]] = [[] for _ in xs]
        for b in ln[first_num:]:
            j = int(np.argmin([abs(b.cx - x) for x in xs]))
            slots[j].append(b)
        for bs in slots:
            if bs:
                text, score = clean_cell_text(_join_line(bs), min(b.score for b in bs))
                if re.fullmatch(r"\d+", text) and score < LOW_CONFIDENCE:
                    result.low_confidence.append(text)
                box = (min(b.x0 for b in bs), min(b.y0 for b in bs), max(b.x1 for b in bs), max(b.y1 for b in bs))
                row.append(Cell(text, page, tuple(_to_points(v, scale) for v in box), round(score, 3)))
            else:
                row.append(Cell("", page, None, 1.0))
        if current is None:
            current = []
            grids.append(Grid(rows=current, page=page))
        current.append(row)
    return grids, text_lines


def ocr_image(img, page: Optional[int] = None, *, scale: float = 1.0, engine=None,
              result: Optional[PageResult] = None) -> list[Item]:
    """Read one page image into text blocks and grids, top to bottom.

    ``img`` is a PIL image or an RGB/grey array; ``page`` the 1-based page number stored on the
    items; ``scale`` the pixels per PDF point (so bboxes come out in points; 1.0 keeps pixels).
    Cells carry the OCR score in ``confidence``. Pass a :class:`PageResult` to receive the
    counts (boxes, low-confidence numbers, unread cells) as well.
    """
    result = result if result is not None else PageResult()
    engine = engine or get_engine()
    gray = image_to_ink(to_rgb_array(img))
    result.skew = ink_to_skew(gray)
    gray = rotate(gray, result.skew)
    tables = ink_to_tables(gray)
    boxes = image_to_boxes(gray, engine)
    result.boxes = len(boxes)

    positioned: list[tuple[float, object]] = []
    rest: list[Box] = []
    in_table: dict[int, list[Box]] = {}
    for b in boxes:
        hit = next((n for n, t in enumerate(tables) if t.contains(b.cx, b.cy)), None)
        if hit is None:
            rest.append(b)
        else:
            in_table.setdefault(hit, []).append(b)
    for n, t in enumerate(tables):
        grid = table_to_grid(t, in_table.get(n, []), gray, page, scale, engine, result)
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
    from .readers.pdf import PageItems, Piece, pieces_to_grids

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
        from .readers import pdf as pdf_reader
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
        engine = engine or get_engine()
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
