"""Page images: the ink to read, straightening, ruling lines and the cells of ruled tables.

Each step is a small function on numpy arrays (pixels of the page image):

1. :func:`image_to_ink`: a grey image from the red channel, so a red seal fades out while
   black text under it stays dark; scanner dust removed.
2. :func:`ink_to_skew` / :func:`rotate`: the skew angle (projection profile, within ±3°) and
   the straightened page.
3. :func:`ink_to_tables`: ruling lines found by morphology (long thin openings), then per
   table the grid of line positions and the cells (slots joined where the line between them
   is missing, i.e. merged cells).
4. :func:`ink_bbox`, :func:`has_ink`, :func:`crop_box`, :func:`crop_quad`: where the page's ink is
   (the detector looks only there), whether a cell holds marks at all (an empty cell is never
   sent to the recogniser), and the pixels of one cell or one text line.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Optional

import numpy as np

INK_LEVEL = 160  # red-channel values below this are ink
MAX_SKEW = 3.0  # degrees searched when straightening a page
SPECK_AREA = 7  # pixels at 200 dpi (dust is 1-6, a full stop 10-16)
MAX_IMAGE_SIDE = 3500  # larger photos are scaled down before OCR
MIN_INK_RUN = 6  # dark pixels a row or column needs to count as inked (speckle has 1-4)


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


def has_ink(gray: np.ndarray, box: tuple) -> bool:
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


def ink_bbox(gray: np.ndarray, pad: int = 24) -> Optional[tuple[int, int, int, int]]:
    """The box (x0, y0, x1, y1) around the page's ink, ``pad`` pixels wider; None for a blank page.

    Rows and columns count as inked from :data:`MIN_INK_RUN` dark pixels on, so scattered
    speckle (a few pixels per row at most) does not stretch the box to the page edge.
    """
    ink = gray < INK_LEVEL
    rows = np.flatnonzero(np.count_nonzero(ink, axis=1) >= MIN_INK_RUN)
    cols = np.flatnonzero(np.count_nonzero(ink, axis=0) >= MIN_INK_RUN)
    if rows.size == 0 or cols.size == 0:
        return None
    h, w = gray.shape
    return (max(int(cols[0]) - pad, 0), max(int(rows[0]) - pad, 0), min(int(cols[-1]) + 1 + pad, w),
            min(int(rows[-1]) + 1 + pad, h))


def crop_box(gray: np.ndarray, box: tuple) -> np.ndarray:
    """The pixels inside an axis-aligned box (x0, y0, x1, y1), clipped to the image."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return gray[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)]


def crop_quad(gray: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """One detected text line straightened into its own image (rapidocr's own crop: a line
    taller than 1.5 times its width is turned to read across)."""
    from rapidocr.utils.process_img import get_rotate_crop_image

    return get_rotate_crop_image(gray, np.asarray(quad, dtype=np.float32).copy())
