"""Chinese display text (badges, severities, where a finding points, file names) and the escaping of user text.

Every piece of text that comes from outside (a title, a body's name, a file or ZIP member name, section text, a
roster cell, a reviewer's note, a message that quotes any of these) is escaped where it is rendered, with the
helper for the place it goes:

* :func:`md` for everything Streamlit renders as Markdown: ``st.markdown``/``st.write`` of text, captions,
  titles and headers, alerts (``st.error`` …), toasts, progress texts, labels of widgets, expanders, tabs and
  metrics, and the options of ``st.radio`` (their ``format_func`` output is Markdown too). The options of
  ``st.selectbox``/``st.multiselect`` are plain text in Streamlit and take the text as it is;
* :func:`code` for text shown literally in a code span (file paths);
* :func:`html_text` for HTML given to ``st.html`` (and what pandas' ``Styler.to_html`` writes, see
  :mod:`ui.tables`);
* :func:`css_string` for text inside a CSS string (the form tables' tooltips live in a ``<style>`` block);
* :func:`plotly_text` for chart titles, legends, axis categories and hover text (plotly reads HTML tags there).

Plain Python, no Streamlit.
"""
from __future__ import annotations

import html
import posixpath
import re

import pandas as pd

from parsing import forms
from parsing.exports import markdown_text
from parsing.rules import BADGE_ERROR, BADGE_PASS, BADGE_UNREADABLE, BADGE_WARN  # the core's one badge
BADGE_ICONS = {BADGE_PASS: ":material/check_circle:", BADGE_WARN: ":material/warning:",
               BADGE_ERROR: ":material/cancel:", BADGE_UNREADABLE: ":material/block:"}
BADGE_COLORS = {BADGE_PASS: "green", BADGE_WARN: "orange", BADGE_ERROR: "red", BADGE_UNREADABLE: "gray"}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

SECTION_LABELS = {s.number: s.heading for s in forms.SECTIONS}
TABLE_LABELS = {t: f"表{t}" for t in forms.TABLES}

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ---------------------------------------------------------------------------
# Escaping
# ---------------------------------------------------------------------------

def md(text) -> str:
    """User text as literal Markdown: no link, image, HTML, autolink, heading, list, colour or icon directive
    comes out of it (every Markdown control character is backslash-escaped; line breaks become spaces).
    The same escaping as the Markdown export (:func:`parsing.exports.markdown_text`)."""
    return markdown_text(text)


def code(text) -> str:
    """Text as a Markdown code span (shown literally, in a monospace font), e.g. a file path; the fence is longer
    than any run of backticks inside, so the text cannot close it."""
    s = re.sub(r"[\r\n]+", " ", _CONTROL.sub("", str(text)))
    fence = "`" * (max((len(m) for m in re.findall(r"`+", s)), default=0) + 1)
    return f"{fence} {s} {fence}" if s.startswith("`") or s.endswith("`") else f"{fence}{s}{fence}"


def html_text(text) -> str:
    """User text for an HTML context (``&``, ``<``, ``>`` and quotes as entities); None is ''."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return html.escape(_CONTROL.sub("", str(text)), quote=True)


def css_string(text) -> str:
    """User text for the inside of a double-quoted CSS string (``content: "…"``): quotes, backslashes, angle
    brackets and line breaks as CSS escapes, so it can neither end the string nor the ``<style>`` block."""
    out = []
    for ch in _CONTROL.sub("", str(text or "")):
        if ch in '\\"\'<>&()' or ch in "\r\n\f":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)


def plotly_text(text) -> str:
    """User text for plotly (titles, trace names, categories): its tags (``<a href>``, ``<br>`` …) as entities,
    which plotly shows as the characters they stand for."""
    return html.escape(_CONTROL.sub("", str(text)), quote=False)


# ---------------------------------------------------------------------------
# Display text
# ---------------------------------------------------------------------------

def short_file(name: str) -> str:
    """A file's own name, without the folders (or the ZIP) it came in."""
    return posixpath.basename(name.replace("\\", "/")) or name


def short_files(names: pd.Series) -> pd.Series:
    """:func:`short_file` of every name (a blank one as ""), column-wise: a province's 30,000 file names are all
    distinct, so calling it per distinct name is calling it per row."""
    text = names.fillna("").astype(str)
    own = text.str.replace(r"(?s)^.*[/\\]", "", regex=True)  # everything up to the last / or \ (pyarrow, not per row)
    return own.where(own != "", text)


def each_distinct(values, fn) -> list:
    """``fn`` of each value (a Series, a list or any iterable, tuples too), called once per distinct one
    (``values.map(fn)`` calls it on every row); an unhashable value is passed to ``fn`` every time."""
    if hasattr(values, "tolist"):
        values = values.tolist()  # iterating an arrow string column value by value is slow
    seen: dict = {}
    out = []
    for v in values:
        try:
            out.append(seen[v] if v in seen else seen.setdefault(v, fn(v)))
        except TypeError:  # an unhashable value
            out.append(fn(v))
    return out


def location_text(f: dict | pd.Series) -> str:
    """Where a finding points, in words: 表三 · 行 · 列, or 第三部分."""
    def present(x):
        if x is None:
            return False
        try:
            if pd.isna(x):
                return False
        except (TypeError, ValueError):
            pass
        return str(x) != ""

    parts = []
    if present(f.get("table")):
        t = str(f["table"])
        parts.append(TABLE_LABELS.get(t, t))
        if present(f.get("row")):
            parts.append(str(f["row"]).replace("/", " › "))
        if present(f.get("column")):
            parts.append(str(f["column"]))
    if present(f.get("section")):
        try:
            n = int(float(f["section"]))
            parts.append(SECTION_LABELS.get(n, f"第{n}部分"))
        except (TypeError, ValueError):
            parts.append(str(f["section"]))
    return " · ".join(parts) if parts else "全文"
