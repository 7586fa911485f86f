"""A Word or web-page report as the reader saw it, for the dashboard's 原文 view: its paragraphs and tables in
order, read in a worker (the same reader and limits as parsing), and where a finding's cell is in those tables.

The values of a DOCX or HTML report carry no position in its tables (only PDFs have page boxes), so a finding's
cell is found again here: the table row whose label cell reads the form row's label, and in it the one cell whose
text is the value's raw text. When the row is found but no single cell matches, only the row is marked; when the
row is not found, nothing is (:func:`locate` says which). This module never imports streamlit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .model import Grid, TextBlock
from .workers import Limits, Pool, Task

MAX_ITEMS = 2000  # paragraphs and tables shown (a hostile file may hold millions of empty paragraphs)


@dataclass
class Outline:
    """``items``: ("text", str) or ("grid", rows of cell texts, None for a merged-away cell), in reading order.
    ``error``: a Chinese message when the file could not be read."""
    items: list = field(default_factory=list)
    error: Optional[str] = None


def outline_of(data: bytes, name: str, on_page=None) -> Outline:
    """Read the file with the parser's readers (in this process; call :func:`outline` from the app)."""
    from .readers import read_document

    doc = read_document(data, name)
    items: list = []
    for it in doc.items[:MAX_ITEMS]:
        if isinstance(it, Grid):
            items.append(("grid", [[None if c is None else str(c.text) for c in row] for row in it.rows]))
        elif isinstance(it, TextBlock) and str(it.text).strip():
            items.append(("text", str(it.text)))
    return Outline(items)


def outline(data: bytes, name: str, limits: Optional[Limits] = None) -> Outline:
    """:func:`outline_of` in a worker with the per-file limits; a file that fails gives an Outline with error."""
    with Pool(1, limits) as pool:
        out = next(iter(pool.run([Task(0, name, outline_of, (data, name))])))
    if out.error is not None:
        return Outline(error=out.error)
    return out.value


_SPACE = re.compile(r"[\s\u3000:：]+")
_NUMBERING = re.compile(r"^[（(]?[一二三四五六七八九十\d]+[）)]?[、.．]?")


def _norm(text: Optional[str]) -> str:
    return _SPACE.sub("", str(text or ""))


def _label_of(row_key: str) -> str:
    """The form row's own label: the last part of its key, without its numbering (``（三）不予公开`` -> ``不予公开``)."""
    last = str(row_key or "").split("/")[-1]
    return _NUMBERING.sub("", _norm(last))


@dataclass
class Location:
    item: Optional[int] = None  # index in Outline.items of the table
    row: Optional[int] = None
    col: Optional[int] = None  # None: the row was found, not the cell

    @property
    def found(self) -> bool:
        return self.item is not None


def locate(items: list, table: Optional[str], row_key: Optional[str], raw: Optional[str],
           column: Optional[str] = None, columns: Optional[list] = None) -> Location:
    """Where a form cell (``table``: 二/三/四, ``row_key``, ``column``, the value's ``raw`` text) is in the
    outline's tables: the first row of a table whose label cells hold the row's label; in it, the cell at the
    column's place when the row has one cell after its label for each of the row's form ``columns`` (in form
    order) and that cell reads ``raw``, else the one cell whose text is ``raw``; the row only when neither tells
    the cell. Location() when no row matches."""
    label = _label_of(row_key or "")
    if not table or not label:
        return Location()
    want = _norm(raw)
    for same in (True, False):  # a label cell that reads the label itself first, then one that contains it
        for i, (kind, body) in enumerate(items):
            if kind != "grid":
                continue
            for r, cells in enumerate(body):
                hit = _in_row(cells, label, same, want, column, columns)
                if hit is not None:
                    return Location(i, r, hit if hit >= 0 else None)
    return Location()


def _in_row(cells: list, label: str, same: bool, want: str, column, columns) -> Optional[int]:
    """None: not the row; -1: the row, cell not told; else the cell's index."""
    texts = [_norm(c) for c in cells]
    at = next((k for k, t in enumerate(texts[:-1])
               if t and (_NUMBERING.sub("", t) == label if same else label in t)), None)
    if at is None:
        return None
    after = [k for k in range(at + 1, len(cells)) if cells[k] is not None]
    if columns and column in columns and len(after) == len(columns):
        k = after[list(columns).index(column)]
        if texts[k] == want:
            return k
    hits = [k for k in after if want and texts[k] == want]
    return hits[0] if len(hits) == 1 else -1
