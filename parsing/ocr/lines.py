"""Text lines to cells: OCR boxes of a page, placed into the cells of its tables or read as lines.

* :func:`image_to_boxes`: the text lines of a straightened page with their text and score:
  detection once for the whole page, then every line recognised in one batched call.
* :func:`tables_to_grids`: boxes are assigned to cells by their centres (a box running over
  several cells of a row is cut by character positions); a cell with ink but no box is read on
  its own, all such cells of the page in one batch; an empty cell is never recognised. Tables
  become :class:`Grid` rows like pdfplumber gives them (one :class:`Cell` per slot, ``None`` for
  a slot covered by a merged cell).
* :func:`boxes_to_loose_grid`: without ruling lines, rows and columns are clustered from the
  box centres instead.
* :func:`clean_cell_text`: digit look-alikes and stray specks in number cells, dashes.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..model import Cell, Grid
from . import engine as ocr_engine
from .engine import TEXT_SCORE
from .image import TableGrid, _cluster, crop_box, crop_quad, has_ink, ink_bbox

LOW_CONFIDENCE = 0.9  # numbers read with a lower score are flagged for the reviewer
MIN_CROP_SIDE = 8  # pixels: a cell interior smaller than this is not worth reading
# The detector's view of a page: scaled to 1280 px on its long side (a 200 dpi A4 page is 2339 px):
# as accurate as the full page and 40 % of the time (tech-notes §2.2); 1024 px misread a number
# beside the seal of a scanned sample.
DETECT_SIDE = 1280
LINE_SIDE = 2000  # text lines are cut from the page scaled to this (rapidocr's Global.max_side_len)

_NUMBERISH = re.compile(r"^[0-9OoIlQ|]+$")
_STRAY = ".·。，,'`:;：；°_~"  # marks that noise leaves around a number
# One to three horizontal strokes alone in a cell: a dash for "none" ("—", "-", "--"); the
# recogniser often reads a lone dash as the character 一 (one), which would become the number 1.
_DASHES = re.compile(r"^[一—–\-―─ー_]{1,3}$")


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


@dataclass
class CellCounts:
    """What the reviewer is told about the cells of a page."""

    low_confidence: list[str] = field(default_factory=list)  # raw texts of low-confidence numbers
    unread_cells: int = 0  # cells with ink that the recogniser could not read


def image_to_boxes(gray: np.ndarray, engine=None) -> list[Box]:
    """The text lines of a grey page: detected once, recognised in one batch; their text and score.

    The detector sees only the box around the page's ink (:func:`ink_bbox`; margins hold
    nothing to read), scaled as the whole page would be to :data:`DETECT_SIDE` pixels on its
    long side; the lines are cut from the page at :data:`LINE_SIDE` for recognition. Lines
    recognised as nothing, or with a score below :data:`TEXT_SCORE`, are dropped.
    """
    import cv2

    engine = engine or ocr_engine.get_engine()
    box = ink_bbox(gray)
    if box is None:
        return []
    x0, y0, x1, y1 = box
    region = gray[y0:y1, x0:x1]
    k = min(1.0, DETECT_SIDE / max(gray.shape))
    if k < 1.0:
        region = cv2.resize(region, (max(1, round(region.shape[1] * k)), max(1, round(region.shape[0] * k))),
                            interpolation=cv2.INTER_LINEAR)
    quads = [q / k + np.array([x0, y0], dtype=np.float32) for q in engine.detect(np.stack([region] * 3, axis=-1))]
    if not quads:
        return []
    small, ratio = _line_source(gray)
    reads = engine.recognise([crop_quad(small, q / ratio) for q in quads])
    boxes = []
    for q, (text, score) in zip(quads, reads):
        if text and score >= TEXT_SCORE:
            boxes.append(Box(text, score, float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()),
                             float(q[:, 1].max())))
    return boxes


def _line_source(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The page the text lines are cut from, and its pixel ratio (x, y) to ``gray``: scaled to at
    most :data:`LINE_SIDE` pixels as rapidocr cuts them (the recogniser's scores, and so the
    low-confidence notes, stay what they were)."""
    if max(gray.shape) <= LINE_SIDE:
        return gray, np.array([1.0, 1.0], dtype=np.float32)
    from rapidocr.utils.process_img import reduce_max_side

    small, ratio_h, ratio_w = reduce_max_side(gray, LINE_SIDE)
    return small, np.array([ratio_w, ratio_h], dtype=np.float32)


def read_cells(gray: np.ndarray, boxes: list[tuple], engine=None) -> list[Optional[tuple[str, float]]]:
    """The interiors of cells (x0, y0, x1, y1 pixel boxes) each read as one line, in one batch.

    (text, score) per box, or None where the box is too small or nothing was recognised.
    """
    crops = [crop_box(gray, b) for b in boxes]
    todo = [n for n, c in enumerate(crops) if c.size and min(c.shape) >= MIN_CROP_SIDE]
    out: list[Optional[tuple[str, float]]] = [None] * len(boxes)
    if todo:
        engine = engine or ocr_engine.get_engine()
        for n, (text, score) in zip(todo, engine.recognise([crops[n] for n in todo])):
            out[n] = (text, score) if text else None
    return out


def clean_cell_text(text: str, score: float) -> tuple[str, float]:
    """OCR text of one cell, with digit look-alikes fixed in number-only cells.

    ``O``/``o`` read for ``0`` and ``l``/``I``/``|`` read for ``1`` are mapped back when the
    whole cell is digits and such letters; the score is then capped below
    :data:`LOW_CONFIDENCE` so the reviewer is asked to check it. A cell of nothing but one to
    three horizontal strokes (``一``, ``-``, ``--``) is a dash, ``"—"``: a blank, never the
    number one.
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
    if _DASHES.match(compact):
        return "—", score
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

def _to_points(v: float, scale: float) -> float:
    return round(v / scale, 2)


def boxes_to_cells(table: TableGrid, boxes: list[Box]) -> dict[int, list[Box]]:
    """The boxes (or pieces of boxes) in each cell of ``table``, by cell index."""
    per_cell: dict[int, list[Box]] = {}
    for b in boxes:
        i, _ = table.slot_at(b.cx, b.cy)
        for k, piece in _split_box(b, table, i):
            per_cell.setdefault(k, []).append(piece)
    return per_cell


def _unsure_number(boxes: list[Box]) -> bool:
    """Whether the boxes of a cell read as a plain number with a score below :data:`LOW_CONFIDENCE`."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _join_cell(boxes)))
    return text.isdigit() and min(b.score for b in boxes) < LOW_CONFIDENCE


def tables_to_grids(tables: list[TableGrid], boxes: list[list[Box]], gray: np.ndarray, page: Optional[int],
                    scale: float, engine, counts: CellCounts) -> list[Grid]:
    """The :class:`Grid` of each ruled table, given the boxes inside each.

    Cells are read on their own (:func:`read_cells`, 3 px inside the ruling lines), all of the
    page's in one batch, in two cases: a cell with ink but no box (one that still gives nothing
    stays ``""`` and is counted in ``counts.unread_cells``), and a number read with a low score
    (a second reading of the whole cell that gives the same number lends it its score; one that
    differs leaves the first reading and its low score). Cells without ink are ``""`` without
    reading.
    """
    per_table = [boxes_to_cells(t, bs) for t, bs in zip(tables, boxes)]
    todo = [(n, k) for n, t in enumerate(tables) for k in range(len(t.cells))
            if (k not in per_table[n] and has_ink(gray, t.cell_box(k)))
            or (k in per_table[n] and _unsure_number(per_table[n][k]))]
    inset = [tuple(v + d for v, d in zip(tables[n].cell_box(k), (3, 3, -3, -3))) for n, k in todo]
    reads = dict(zip(todo, read_cells(gray, inset, engine)))
    return [table_to_grid(t, per_table[n], {k: r for (m, k), r in reads.items() if m == n}, page, scale, counts)
            for n, t in enumerate(tables)]


def table_to_grid(table: TableGrid, per_cell: dict[int, list[Box]], reads: dict[int, Optional[tuple[str, float]]],
                  page: Optional[int], scale: float, counts: CellCounts) -> Grid:
    """A :class:`Grid` of one ruled table: each cell's boxes joined, or its own reading from ``reads``
    (None: ink that could not be read), or ``""`` for an empty cell. For a cell with boxes, a reading
    in ``reads`` is a second opinion: the same text lends its higher score."""
    nr, nc = len(table.ys) - 1, len(table.xs) - 1
    rows: list[list[Optional[Cell]]] = [[None] * nc for _ in range(nr)]
    for k, (r0, c0, r1, c1) in enumerate(table.cells):
        bbox = tuple(_to_points(v, scale) for v in table.cell_box(k))
        got = per_cell.get(k, [])
        if got:
            text, score = clean_cell_text(_join_cell(got), min(b.score for b in got))
            if reads.get(k):
                again, again_score = clean_cell_text(*reads[k])
                if again == text:
                    score = max(score, again_score)
        elif k in reads:
            if reads[k]:
                text, score = clean_cell_text(*reads[k])
            else:
                text, score = "", 0.0
                counts.unread_cells += 1
        else:
            text, score = "", 1.0
        if text and re.fullmatch(r"\d+", text) and score < LOW_CONFIDENCE:
            counts.low_confidence.append(text)
        rows[r0][c0] = Cell(text, page, bbox, round(score, 3))
    return Grid(rows=rows, page=page, bbox=tuple(_to_points(v, scale) for v in table.bbox))


def boxes_to_loose_grid(boxes: list[Box], page: Optional[int], scale: float,
                        counts: CellCounts) -> tuple[list[Grid], list[list[Box]]]:
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
                    counts.low_confidence.append(text)
                box = (min(b.x0 for b in bs), min(b.y0 for b in bs), max(b.x1 for b in bs), max(b.y1 for b in bs))
                row.append(Cell(text, page, tuple(_to_points(v, scale) for v in box), round(score, 3)))
            else:
                row.append(Cell("", page, None, 1.0))
        if current is None:
            current = []
            grids.append(Grid(rows=current, page=page))
        current.append(row)
    return grids, text_lines

