"""The parsed report: metadata, sections, every cell of the form, and parse notes."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import pandas as pd

# Columns of the tidy values frame (one row per cell of the form).
VALUE_COLUMNS = ["table", "row", "column", "value", "raw", "page", "status", "form", "confidence", "bbox"]
# bbox: (x0, top, x1, bottom) of the cell on its page in PDF points, where the reader knows it (PDF), else None.
# status: "ok" (a number was read), "blank" (the report leaves the cell empty),
#         "unreadable" (text that is not a number, or a row whose columns could not be aligned),
#         "missing" (the cell, its row or its table was not found in the report).

# Columns of a findings frame (parse notes now, rule findings from parsing.rules).
FINDING_COLUMNS = ["rule", "severity", "message", "table", "row", "column", "section", "expected", "actual"]


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})


_COLUMN_INDEXES: dict = {}  # tuple of column names -> its Index (immutable: frames may share it)


def frame_from_arrays(arrays: list, columns: list[str]) -> Optional[pd.DataFrame]:
    """The frame of ``arrays`` (one per column, in order: 1-d ndarrays or pandas extension arrays, all of one
    length, at least one row, each made for this frame alone), built from them as they are: pandas'
    ``_from_arrays``, without the constructor's checks and inference of each column. None where pandas lacks it
    or its signature has changed (the caller then uses the constructor)."""
    make = getattr(pd.DataFrame, "_from_arrays", None)
    if make is None:
        return None
    key = tuple(columns)
    index = _COLUMN_INDEXES.get(key)
    if index is None:
        index = _COLUMN_INDEXES[key] = pd.Index(list(columns))
    try:
        return make(arrays, columns=index, index=pd.RangeIndex(len(arrays[0])), verify_integrity=False)
    except TypeError:  # a pandas whose private signature changed
        return None


def object_frame(data: dict, columns: list[str]) -> pd.DataFrame:
    """``pd.DataFrame(data, columns=columns, dtype=object)`` for ``data``: one object ndarray per column, all of
    one length (at least one row), made for this frame alone. Built from the arrays as they are
    (:func:`frame_from_arrays`: a notes or findings frame is made per report, and the constructor's checks of
    each column cost three times the rest); through the constructor where pandas lacks it or its signature has
    changed."""
    got = frame_from_arrays([data[c] for c in columns], columns)
    return pd.DataFrame(data, columns=columns, dtype=object) if got is None else got


@dataclass
class SectionText:
    number: int
    found: bool = False
    heading: str = ""
    text: str = ""
    page: Optional[int] = None
    in_order: bool = True  # False when the heading comes after a later section's heading


@dataclass
class ParsedReport:
    """Everything read from one file.

    ``values`` has the columns of :data:`VALUE_COLUMNS`; every cell of the 2021 form appears
    (value NaN where blank, unreadable or missing), plus the 2019-only cells for a trial-form
    report. ``notes`` has the columns of :data:`FINDING_COLUMNS` (rule ids ``PARSE-…``).
    ``error`` is a Chinese message when the file could not be read at all.
    """

    file: str
    sha256: str = ""
    format: str = ""
    body: Optional[str] = None
    region: Optional[str] = None
    year: Optional[int] = None
    year_source: Optional[str] = None  # "title", "sentence", "period", "text"
    body_source: Optional[str] = None  # "title", "title-lines", "sentence", "text"
    published: Optional[str] = None  # publication date the file shows, ISO (YYYY-MM-DD)
    published_source: Optional[str] = None  # "page" (a 发布时间 line), "html-meta", "pdf-metadata"
    template: Optional[str] = None  # forms.FORM_2021 / FORM_2019 / None
    title: Optional[str] = None
    sections: dict[int, SectionText] = field(default_factory=dict)
    values: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VALUE_COLUMNS))
    notes: pd.DataFrame = field(default_factory=empty_findings)
    text: str = ""  # the whole running text, for text rules
    tables_found: dict[str, bool] = field(default_factory=dict)
    page_count: Optional[int] = None
    ocr: bool = False
    error: Optional[str] = None
    # "data" for problems with the file the user must see; "internal" when a reader failed
    # unexpectedly (the hostile-input tests treat that as a bug to fix).
    error_kind: Optional[str] = None

    def value(self, table: str, row: str, column: str) -> Optional[float]:
        """The number in one cell, or None when blank/unreadable/missing."""
        v = self.values
        hit = v[(v["table"] == table) & (v["row"] == row) & (v["column"] == column)]
        if hit.empty:
            return None
        x = hit["value"].iloc[0]
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)

    def sections_found(self) -> dict[str, bool]:
        return {str(n): bool(self.sections.get(n) and self.sections[n].found) for n in range(1, 7)}


def json_number(x):
    """A float as int when whole, None for NaN (for JSON output)."""
    if x is None:
        return None
    try:
        if isinstance(x, float) and math.isnan(x):
            return None
    except TypeError:
        return None
    f = float(x)
    return int(f) if f.is_integer() else f


def json_value(x):
    """A frame cell as a plain JSON value: numpy scalars unwrapped, NaN as None, whole floats as int."""
    if x is None:
        return None
    if isinstance(x, float):
        return json_number(x)
    if hasattr(x, "item"):
        return json_value(x.item())
    return x
