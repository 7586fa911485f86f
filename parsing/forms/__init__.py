"""The official forms as data: a registry of form versions (2021 form, 2019 trial form).

This package is the one place that knows the official labels. Readers and the matcher use it to
recognise tables, rules refer to its cell ids, and pages take display labels from it. A form version is
one module (``form_2021.py``, ``form_2019.py``) defining a :class:`~parsing.forms.base.Form`; ``FORMS``
lists them and :func:`form_for` says which one a report year should use.

Naming of cells (what the CLI prints and tests rely on): a cell is ``(table, row, column)`` where
``table`` is ``"二"``, ``"三"`` or ``"四"``, and ``row`` / ``column`` are the official labels with
full-width brackets, outer to inner joined by ``/``. Output is on the 2021 naming; cells that only the
trial form has keep their own labels.
"""
from __future__ import annotations

from typing import Optional

from . import form_2019, form_2021
from .base import SECTIONS, TABLE_TITLES, TABLES, CellDef, Form, RowDef, Section, SubTable, cell_kind
from .labels import PROSE_CHARS, is_prose, label_number, norm, strip_number, to_simplified

FORMS: dict[str, Form] = {f.FORM.id: f.FORM for f in (form_2021, form_2019)}
FORM_2021 = form_2021.ID
FORM_2019 = form_2019.ID
FORM_NAMES = {fid: f.name for fid, f in FORMS.items()}
OUTPUT_FORM = FORM_2021  # the naming every report's values are listed in


def form_for(year: Optional[int]) -> Optional[Form]:
    """The form a report for ``year`` should use (None for years before any form)."""
    if year is None:
        return None
    fitting = [f for f in FORMS.values() if f.first_year <= year]
    return max(fitting, key=lambda f: f.first_year) if fitting else None


def get(form_id: Optional[str]) -> Form:
    """The form with this id (the output form when unknown)."""
    return FORMS.get(form_id or OUTPUT_FORM, FORMS[OUTPUT_FORM])


# ---------------------------------------------------------------------------
# Names kept for callers (tables, rows and columns of the two forms)
# ---------------------------------------------------------------------------

APPLICANT_COLUMNS = form_2021.APPLICANT_COLUMNS
COLUMN_GROUPS_三 = form_2021.COLUMN_GROUPS_三
OUTCOME_COLUMNS = form_2021.OUTCOME_COLUMNS
FEE_COLUMN = form_2021.FEE_COLUMN
_R3 = form_2021.R3
_G3 = form_2021.GROUPS_三
ROWS_三_2021 = form_2021.ROWS_三
ROWS_三_2019 = form_2019.ROWS_三
ROW_三_2019_OTHER = form_2019.ROW_三_OTHER
ROWS_四 = form_2021.ROWS_四
SUBTABLES_二_2021 = form_2021.SUBTABLES_二
SUBTABLES_二_2019 = form_2019.SUBTABLES_二
COUNTERPART_2019_TO_2021 = form_2019.COUNTERPARTS
FINGERPRINTS = {fid: f.fingerprints for fid, f in FORMS.items()}


def cells_2021() -> list[CellDef]:
    """All 200 cells of the 2021 form, in form order."""
    return FORMS[FORM_2021].cells()


def _cells_2019_only() -> tuple[CellDef, ...]:
    f19 = FORMS[FORM_2019]
    out = [c for c in f19.cells() if c.table == "二" and (c.table, c.row, c.column) not in f19.counterparts]
    out += [CellDef("三", ROW_三_2019_OTHER.key, c, FORM_2019) for c in f19.columns_三]
    return tuple(out)


_CELLS_2019_ONLY = _cells_2019_only()  # made once: every report's values and checks ask for them


def cells_2019_only() -> list[CellDef]:
    """Cells that only the 2019 trial form has (listed under their own labels)."""
    return list(_CELLS_2019_ONLY)


ALL_CELLS_2021 = tuple(cells_2021())
assert len(ALL_CELLS_2021) == 200
CELL_KEYS_2021 = frozenset((c.table, c.row, c.column) for c in ALL_CELLS_2021)


def row_defs(table: str, form: str = FORM_2021) -> tuple[RowDef, ...]:
    return get(form).rows(table)


def subtables_二(form: str = FORM_2021) -> tuple[SubTable, ...]:
    return get(form).subtables_二


def columns_of(table: str) -> tuple[str, ...]:
    return FORMS[FORM_2021].columns(table)


def short_label(table: str, row: str) -> str:
    """A short display label for a row key (for charts and compact tables)."""
    for r in ROWS_三_2021 + (ROW_三_2019_OTHER,) + ROWS_四:
        if r.key == row:
            return r.short or r.leaf
    return row.split("/")[-1]


__all__ = [
    "FORMS", "Form", "form_for", "get", "FORM_2021", "FORM_2019", "FORM_NAMES", "OUTPUT_FORM",
    "TABLES", "TABLE_TITLES", "SECTIONS", "Section", "RowDef", "SubTable", "CellDef", "cell_kind",
    "APPLICANT_COLUMNS", "COLUMN_GROUPS_三", "OUTCOME_COLUMNS", "FEE_COLUMN",
    "ROWS_三_2021", "ROWS_三_2019", "ROW_三_2019_OTHER", "ROWS_四", "SUBTABLES_二_2021", "SUBTABLES_二_2019",
    "COUNTERPART_2019_TO_2021", "FINGERPRINTS", "ALL_CELLS_2021", "CELL_KEYS_2021",
    "cells_2021", "cells_2019_only", "row_defs", "subtables_二", "columns_of", "short_label",
    "norm", "strip_number", "label_number", "to_simplified", "is_prose", "PROSE_CHARS",
]
