"""The extractor's former slow paths, kept as references for the equivalence tests of the fast ones
(tests/test_extract_speed.py): each is the code as it was before its fast path replaced it."""
from __future__ import annotations

import math

import pandas as pd

from parsing import forms
from parsing.forms import FORM_2019, FORM_2021
from parsing.report import VALUE_COLUMNS


def cells_to_values(matcher, template: str, notes) -> pd.DataFrame:
    """The values frame on the 2021 naming: every cell of the 2021 form, plus the trial form's own cells
    for a trial-form report and any the report prints in the trial form's layout."""
    found = matcher.cells
    rows = []

    def emit(table, row, column, form, src_key=None):
        hit = found.get(src_key or (table, row, column))
        if hit is None:
            rows.append(dict(table=table, row=row, column=column, value=math.nan, raw=None, page=None,
                             status="missing", form=form, confidence=None, bbox=None))
        else:
            v = hit["value"]
            rows.append(dict(table=table, row=row, column=column, value=(math.nan if v is None else float(v)),
                             raw=hit["raw"], page=hit["page"], status=hit["status"], form=form,
                             confidence=hit["confidence"], bbox=hit.get("bbox")))

    back = {v: k for k, v in forms.COUNTERPART_2019_TO_2021.items()}
    for c in forms.ALL_CELLS_2021:
        key = (c.table, c.row, c.column)
        if c.table == "二" and key in back and (template == FORM_2019 or key not in found) and back[key] in found:
            emit(c.table, c.row, c.column, FORM_2021, back[key])
        elif template == FORM_2019 and c.table == "二" and key not in found:
            emit(c.table, c.row, c.column, FORM_2021, ("-", "-", "-"))
        else:
            emit(c.table, c.row, c.column, FORM_2021)
    trial_cells = forms.cells_2019_only()
    if template == FORM_2019:
        for c in trial_cells:
            emit(c.table, c.row, c.column, FORM_2019)
        notes.add("PARSE-FORM-2019", table="三", row="三、本年度办理结果/（六）其他处理")
    else:
        for c in trial_cells:  # a 2021 report printing part of a table in the trial form's layout
            if (c.table, c.row, c.column) in found:
                emit(c.table, c.row, c.column, FORM_2019)
    df = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    df["value"] = df["value"].astype(float)
    return df



def findings_frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """``parsing.rules._frame`` as it was: built from a list of rows."""
    from parsing.rules import _na

    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    data = [[None if _na(v := r.get(c)) else v for c in columns] for r in rows]
    return pd.DataFrame(data, columns=columns, dtype="object")
