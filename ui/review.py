"""The reviewer's own work on one report: choosing a finding to decide, picking a cell to correct.

Plain pandas, no Streamlit.
"""
from __future__ import annotations

import pandas as pd

from parsing import forms

from . import core, storeview, tables


def finding_choice_label(row: dict) -> str:
    """One finding in a selectbox: 级别 · 规则 · 位置 · 问题 · 处理."""
    sev = core.SEVERITY_ZH.get(row.get("severity"), str(row.get("severity")))
    msg = str(row.get("message") or "")
    if len(msg) > 40:
        msg = msg[:40] + "…"
    return f"{sev} · {row.get('rule')} · {core.location_text(row)} · {msg}（{storeview.decision_text(row)}）"


def correctable_cells(values: pd.DataFrame) -> pd.DataFrame:
    """The cells of a report a reviewer can correct (every cell the report has), in form order."""
    if values is None or values.empty:
        return pd.DataFrame(columns=["table", "row", "column"])
    order = {t: i for i, t in enumerate(forms.TABLES)}
    v = values[["table", "row", "column"]].drop_duplicates()
    return v.assign(_t=v["table"].map(order)).sort_values("_t", kind="stable").drop(columns="_t").reset_index(
        drop=True)


def cell_display(values: pd.DataFrame, table: str, row: str, column: str) -> str:
    """What the report shows in one cell (the number, or the blank / unreadable marker)."""
    hit = values[(values["table"] == table) & (values["row"] == row) & (values["column"] == column)]
    if hit.empty:
        return tables.CELL_MISSING
    return tables.cell_text(hit.iloc[0].to_dict())


def corrections_display(corr: pd.DataFrame) -> pd.DataFrame:
    """``Store.corrections(sha)`` in reviewer words: where, the parsed value beside the corrected one."""
    cols = ["位置", "原解析值", "更正为", "说明", "更正时间"]
    if "reviewer" in corr.columns and corr["reviewer"].notna().any():
        cols.append("更正人")
    if corr.empty:
        return pd.DataFrame(columns=cols)

    def num(v, raw=None):
        if pd.isna(v):
            return "（空）" if raw in (None, "") or pd.isna(raw) else f"（无法识别：{raw}）"
        return tables.format_number(v)

    return pd.DataFrame({
        "位置": [core.location_text(r) for r in corr.to_dict("records")],
        "原解析值": [num(v, raw) for v, raw in zip(corr["parsed_value"], corr["raw"])],
        "更正为": [num(v) if not pd.isna(v) else "（空）" for v in corr["value"]],
        "说明": corr["note"].fillna(""),
        "更正时间": corr["corrected_at"].fillna("").str.replace("T", " ").str[:19],
        "更正人": corr["reviewer"].fillna("") if "reviewer" in corr.columns else "",
    })[cols]


def correction_marks(corr: pd.DataFrame) -> dict:
    """(table, row, column) -> "corrected" for the form tables."""
    if corr is None or corr.empty:
        return {}
    return {(t, r, c): "corrected" for t, r, c in zip(corr["table"], corr["row"], corr["column"])}
