"""The three tables of a report laid out as the official form prints them, as styled HTML.

Blank cells read “（空）”, unreadable ones “（无法识别：原文）”, cells the report lacks “（缺失）”
- never 0. Cells a finding points at are highlighted by severity, with the message as tooltip.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pandas as pd

from parsing import forms

from .figures import CJK_FONT
from .labels import css_string, html_text

CELL_BLANK = "（空）"
CELL_UNREADABLE = "（无法识别）"
CELL_MISSING = "（缺失）"

MARK_CSS = {
    "error": "background-color:#f9c4c4;color:#7a0000;font-weight:bold;",
    "warning": "background-color:#ffe3a3;color:#6b4500;",
    "info": "background-color:#dbe9fb;",
    "changed": "background-color:#fff3b0;font-weight:bold;",
    "corrected": "outline:2px solid #7c3aed;outline-offset:-2px;color:#5b21b6;font-weight:bold;",
}
STATUS_CSS = {
    "blank": "color:#888;font-style:italic;",
    "unreadable": "color:#a15c00;font-style:italic;",
    "missing": "color:#aaa;font-style:italic;",
}
_RANK = {"error": 0, "warning": 1, "changed": 2, "info": 3, "corrected": 4}

TABLE_CSS = [
    {"selector": "", "props": f"border-collapse:collapse;font-family:{CJK_FONT};font-size:13px;margin-bottom:12px;"},
    {"selector": "th, td", "props": "border:1px solid #bbb;padding:3px 6px;"},
    {"selector": "th", "props": "background:#f3f4f6;font-weight:normal;text-align:center;"},
    {"selector": "td", "props": "text-align:right;min-width:3.5em;"},
    {"selector": "caption", "props": "caption-side:top;text-align:left;font-weight:bold;padding:4px 0;"},
]


def format_number(x) -> str:
    f = float(x)
    return str(int(f)) if f.is_integer() else f"{f:g}"


def cell_text(rec: Optional[dict]) -> str:
    """What a cell shows: the number, or a marker for blank / unreadable / missing."""
    if rec is None:
        return CELL_MISSING
    status = rec.get("status")
    v = rec.get("value")
    has_value = v is not None and not (isinstance(v, float) and math.isnan(v))
    if status == "ok" and has_value:
        return format_number(v)
    if status == "blank" or (status == "corrected" and not has_value):
        return CELL_BLANK
    if status == "unreadable":
        raw = str(rec.get("raw") or "").strip()
        return f"（无法识别：{raw}）" if raw else CELL_UNREADABLE
    if has_value:  # a value with an unexpected status: still show the number
        return format_number(v)
    return CELL_MISSING


def _lookup(values: pd.DataFrame) -> dict:
    if values is None or values.empty:
        return {}
    return {(r["table"], r["row"], r["column"]): r for r in values.to_dict("records")}


def marks_from_findings(findings: pd.DataFrame, keys: list[tuple]) -> tuple[dict, dict]:
    """Map findings onto cells: (severity by cell, tooltip text by cell).

    A finding naming table, row and column marks that cell; one naming only a row (or only a
    column) marks the whole row (or column) of that table.
    """
    marks: dict = {}
    tips: dict = {}
    if findings is None or findings.empty:
        return marks, tips

    def ok(x):
        return x is not None and not (isinstance(x, float) and math.isnan(x)) and str(x) not in ("", "<NA>")

    for f in findings.to_dict("records"):
        t, r, c = f.get("table"), f.get("row"), f.get("column")
        if not ok(t) or not (ok(r) or ok(c)):
            continue
        for key in keys:
            if key[0] != t:
                continue
            if ok(r) and key[1] != r:
                continue
            if ok(c) and key[2] != c:
                continue
            sev = str(f.get("severity") or "info")
            if key not in marks or _RANK.get(sev, 9) < _RANK.get(marks[key], 9):
                marks[key] = sev
            tips.setdefault(key, []).append(str(f.get("message") or ""))
    return marks, {k: "；".join(dict.fromkeys(v)) for k, v in tips.items()}


def _row_levels_三(rd: forms.RowDef) -> tuple[str, str, str]:
    parts = rd.key.split("/")
    if len(parts) == 1:
        return parts[0], "", ""
    if len(parts) == 2:
        return parts[0], parts[1], ""
    return parts[0], parts[1], parts[2]


def _columns_三() -> pd.MultiIndex:
    tuples = [("自然人", "")] + [("法人或其他组织", c) for c in forms.APPLICANT_COLUMNS[1:6]] + [("总计", "")]
    return pd.MultiIndex.from_tuples([("申请人情况", a, b) for a, b in tuples])


def form_frames(values: pd.DataFrame, table: str, template: Optional[str] = None) -> list[dict]:
    """The display grids of one table: a list of ``{caption, text, keys, status}`` frames.

    ``text`` holds the strings shown, ``keys`` the (table, row, column) of each cell, ``status``
    the cell status; all three share index and columns. Table 二 gives one frame per
    第二十条 item; 三 and 四 give one frame each.
    """
    form = forms.FORM_2019 if template == forms.FORM_2019 else forms.FORM_2021
    look = _lookup(values)

    def rec(key):
        r = look.get(key)
        if r is None and form == forms.FORM_2019:
            alt = forms.COUNTERPART_2019_TO_2021.get(key)
            r = look.get(alt) if alt else None
            key = alt or key
        return r, key

    def grid(index, columns, cells) -> dict:
        """The three grids of one frame from ``cells[i][j]`` = the (table, row, column) asked for, filled at once
        (not cell by cell through .loc: a form has a few hundred cells)."""
        shape = (len(index), len(columns))
        text, keys, status = (np.empty(shape, dtype=object) for _ in range(3))
        for i, row in enumerate(cells):
            for j, asked in enumerate(row):
                found, key = rec(asked)
                text[i, j] = cell_text(found)
                keys[i, j] = key
                status[i, j] = found["status"] if found else "missing"
        return {name: pd.DataFrame(a, index=index, columns=columns) for name, a in
                (("text", text), ("keys", keys), ("status", status))}

    frames = []
    if table == "二":
        for st in forms.subtables_二(form):
            idx = pd.Index(list(st.rows), name="信息内容")
            cells = [[("二", f"{st.caption}/{r}", c) for c in st.columns] for r in st.rows]
            frames.append({"caption": st.caption, **grid(idx, pd.Index(list(st.columns)), cells)})
        return frames
    if table == "三":
        rows = forms.row_defs("三", form)
        idx = pd.MultiIndex.from_tuples([_row_levels_三(rd) for rd in rows])
        cells = [[("三", rd.key, c) for c in forms.APPLICANT_COLUMNS] for rd in rows]
        frames.append({"caption": "", **grid(idx, _columns_三(), cells)})
        return frames
    if table == "四":
        tuples = []
        cells = []
        for rd in forms.ROWS_四:
            group = rd.group or rd.leaf
            sub = rd.leaf if rd.group else ""
            for c in forms.OUTCOME_COLUMNS:
                tuples.append((group, sub, c))
                cells.append(("四", rd.key, c))
        frames.append({"caption": "", **grid(pd.Index(["件数"]), pd.MultiIndex.from_tuples(tuples), [cells])})
        return frames
    raise KeyError(table)


def styled_frame(frame: dict, marks: dict, tips: dict):
    """A pandas Styler for one display grid, with marked cells coloured and tooltips set.

    Cell text (a cell's raw text comes from the report), labels and the caption are HTML-escaped, and tooltips
    (finding messages quote report text) are escaped for the CSS string pandas puts them in."""
    text = frame["text"]
    # filled as arrays and wrapped once (not cell by cell through .iat: a form has a few hundred cells)
    keys, status = frame["keys"].to_numpy(), frame["status"].to_numpy()
    css_a, tt_a = np.empty(keys.shape, dtype=object), np.empty(keys.shape, dtype=object)
    for i in range(keys.shape[0]):
        for j in range(keys.shape[1]):
            key = keys[i, j]
            style = STATUS_CSS.get(status[i, j], "")
            if key in marks:
                style += MARK_CSS.get(marks[key], "")
            css_a[i, j] = style
            tt_a[i, j] = css_string(tips.get(key, ""))
    css = pd.DataFrame(css_a, index=text.index, columns=text.columns)
    tt = pd.DataFrame(tt_a, index=text.index, columns=text.columns)
    styler = (text.style.format(escape="html").format_index(escape="html", axis=0)
              .format_index(escape="html", axis=1).apply(lambda _: css, axis=None).set_table_styles(TABLE_CSS))
    if frame.get("caption"):
        styler = styler.set_caption(html_text(frame["caption"]))
    if (tt != "").any().any():
        styler = styler.set_tooltips(tt, props="visibility:hidden;position:absolute;z-index:1;"
                                               "background:#333;color:#fff;padding:4px;font-size:12px;")
    return styler


def form_table_html(values: pd.DataFrame, table: str, template: Optional[str] = None,
                    findings: Optional[pd.DataFrame] = None, marks: Optional[dict] = None,
                    parsed: Optional[dict] = None) -> str:
    """HTML of one table in form layout; ``findings`` (and/or explicit ``marks``) highlight cells.

    ``parsed`` maps hand-corrected cells to what the parser read there: such a cell shows the corrected
    value with the parsed one beside it, “12（原 21）”, outlined.
    """
    frames = form_frames(values, table, template)
    keys = [k for fr in frames for k in fr["keys"].values.ravel().tolist()]
    m, tips = marks_from_findings(findings, keys)
    for k, v in (marks or {}).items():
        if k not in m or _RANK.get(v, 9) < _RANK.get(m[k], 9):
            m[k] = v
    for fr in frames if parsed else []:
        keys_a = fr["keys"].to_numpy()
        for i in range(keys_a.shape[0]):
            for j in range(keys_a.shape[1]):
                key = keys_a[i, j]
                if key in parsed:
                    fr["text"].iat[i, j] = f"{fr['text'].iat[i, j]}（原 {parsed[key]}）"
                    m.setdefault(key, "corrected")
                    tips[key] = "；".join(x for x in (tips.get(key), f"人工更正，原解析值 {parsed[key]}") if x)
    parts = [styled_frame(fr, m, tips).to_html() for fr in frames]
    title = f"<div style='font-family:{CJK_FONT};font-weight:bold;margin:6px 0'>" \
            f"{html_text(table)}、{html_text(forms.TABLE_TITLES[table])}</div>"
    return title + "\n".join(parts)
