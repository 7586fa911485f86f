"""Year against year for one body: cell changes and section text diffs (pure pandas / difflib)."""
from __future__ import annotations

import difflib
import html
import re

import pandas as pd

from . import tables

COMPARE_COLUMNS = ["表", "行", "列", "上年", "本年", "变化", "已变化", "table", "row", "column"]
_SENTENCE = re.compile(r"(?<=[。；！？!?;\n])")


def compare_values(prev: pd.DataFrame, cur: pd.DataFrame) -> pd.DataFrame:
    """Every cell of either report: last year's and this year's text, the difference, and whether it changed.

    Cells compare by what they show, so blank → 0 is a change and blank → blank is not.
    """
    key = ["table", "row", "column"]

    def shown(v: pd.DataFrame) -> pd.DataFrame:
        if v is None or v.empty:
            return pd.DataFrame(columns=key + ["text", "num"])
        out = v[key].copy()
        out["text"] = [tables.cell_text(r) for r in v.to_dict("records")]
        out["num"] = pd.to_numeric(v["value"], errors="coerce").where(v["status"] == "ok")
        return out

    m = shown(prev).merge(shown(cur), on=key, how="outer", suffixes=("_prev", "_cur"))
    if m.empty:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    m["text_prev"] = m["text_prev"].fillna(tables.CELL_MISSING)
    m["text_cur"] = m["text_cur"].fillna(tables.CELL_MISSING)
    diff = m["num_cur"] - m["num_prev"]
    out = pd.DataFrame({
        "表": m["table"], "行": m["row"].str.replace("/", " › "), "列": m["column"],
        "上年": m["text_prev"], "本年": m["text_cur"],
        "变化": [("" if pd.isna(d) else (f"+{tables.format_number(d)}" if d > 0 else tables.format_number(d)))
               for d in diff],
        "已变化": m["text_prev"] != m["text_cur"],
        "table": m["table"], "row": m["row"], "column": m["column"],
    })
    order = {"二": 0, "三": 1, "四": 2}
    out["_o"] = out["table"].map(order).fillna(9)
    return out.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text or "") if s.strip()]


def section_diff(prev: str, cur: str) -> tuple[str, float]:
    """(HTML of this year's text with sentences copied from last year highlighted and removed ones
    struck through, share of this year's characters that are copied sentences)."""
    a, b = split_sentences(prev), split_sentences(cur)
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    parts = []
    copied = 0
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            for s in b[j1:j2]:
                copied += len(s)
                parts.append(f"<span class='same' style='background:#ffe08a' title='与上年相同'>{html.escape(s)}</span>")
        else:
            for s in a[i1:i2]:
                parts.append(f"<span class='removed' style='color:#999;text-decoration:line-through'>"
                             f"{html.escape(s)}</span>")
            for s in b[j1:j2]:
                parts.append(f"<span class='added' style='background:#d7f5dd'>{html.escape(s)}</span>")
    total = sum(len(s) for s in b)
    share = copied / total if total else 0.0
    return "<div style='line-height:1.8'>" + "".join(parts) + "</div>", share
