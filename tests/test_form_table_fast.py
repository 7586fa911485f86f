"""ui.tables.form_table_html (its grids filled as arrays) gives the same HTML as the cell-by-cell version it
replaced, on real reports with their findings, marks and hand corrections."""
import re
from pathlib import Path

import pandas as pd
import pytest

from parsing import forms, parse_path, rules
from ui import tables

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "sample_reports").glob("*.txt"))[:3]


def old_styled_frame(frame: dict, marks: dict, tips: dict):
    """tables.styled_frame as it was (cell by cell through .iat)."""
    text, keys, status = frame["text"], frame["keys"], frame["status"]
    css = pd.DataFrame("", index=text.index, columns=text.columns)
    tt = pd.DataFrame("", index=text.index, columns=text.columns)
    for i in range(text.shape[0]):
        for j in range(text.shape[1]):
            key = keys.iat[i, j]
            style = tables.STATUS_CSS.get(status.iat[i, j], "")
            if key in marks:
                style += tables.MARK_CSS.get(marks[key], "")
            css.iat[i, j] = style
            tt.iat[i, j] = tables.css_string(tips.get(key, ""))
    styler = (text.style.format(escape="html").format_index(escape="html", axis=0)
              .format_index(escape="html", axis=1).apply(lambda _: css, axis=None).set_table_styles(tables.TABLE_CSS))
    if frame.get("caption"):
        styler = styler.set_caption(tables.html_text(frame["caption"]))
    if (tt != "").any().any():
        styler = styler.set_tooltips(tt, props="visibility:hidden;position:absolute;z-index:1;"
                                               "background:#333;color:#fff;padding:4px;font-size:12px;")
    return styler


def old_form_table_html(values, table, template=None, findings=None, marks=None, parsed=None) -> str:
    """tables.form_table_html as it was."""
    frames = tables.form_frames(values, table, template)
    keys = [k for fr in frames for k in fr["keys"].values.ravel().tolist()]
    m, tips = tables.marks_from_findings(findings, keys)
    for k, v in (marks or {}).items():
        if k not in m or tables._RANK.get(v, 9) < tables._RANK.get(m[k], 9):
            m[k] = v
    for fr in frames:
        for i in range(fr["text"].shape[0]):
            for j in range(fr["text"].shape[1]):
                key = fr["keys"].iat[i, j]
                if parsed and key in parsed:
                    fr["text"].iat[i, j] = f"{fr['text'].iat[i, j]}（原 {parsed[key]}）"
                    m.setdefault(key, "corrected")
                    tips[key] = "；".join(x for x in (tips.get(key), f"人工更正，原解析值 {parsed[key]}") if x)
    parts = [old_styled_frame(fr, m, tips).to_html() for fr in frames]
    title = f"<div style='font-family:{tables.CJK_FONT};font-weight:bold;margin:6px 0'>" \
            f"{tables.html_text(table)}、{tables.html_text(forms.TABLE_TITLES[table])}</div>"
    return title + "\n".join(parts)


def same_ids(html: str) -> str:
    """The HTML with the Styler's random table id (``T_1e46b``) made one (it differs on every render)."""
    return re.sub(r"T_[0-9a-f]{5}", "T_id", html)


@pytest.fixture(scope="module")
def reports():
    out = []
    for path in SAMPLES:
        r = parse_path(path)
        out.append((r, rules.check_report(r)))
    assert out
    return out


@pytest.mark.parametrize("table", ["二", "三", "四"])
def test_form_table_html_is_unchanged(reports, table):
    for r, findings in reports:
        vals = r.values
        some = vals[vals["table"] == table].head(3)
        keys = list(zip(some["table"], some["row"], some["column"]))
        marks = {keys[0]: "error"} if keys else {}
        parsed = {k: "21" for k in keys[1:]}
        for kw in ({}, {"findings": findings}, {"findings": findings, "marks": marks, "parsed": parsed}):
            new = tables.form_table_html(vals, table, r.template, **kw)
            assert same_ids(new) == same_ids(old_form_table_html(vals, table, r.template, **kw))
            assert new.count("<td") > 5
        if parsed:
            assert "（原 21）" in tables.form_table_html(vals, table, r.template, parsed=parsed)
