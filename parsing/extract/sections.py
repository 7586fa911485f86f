"""The six sections: their headings in order, and the text of each."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Optional

from .. import forms
from ..forms import norm
from ..model import Document, Grid, TextBlock
from ..report import SectionText

_NUMERALS = "一二三四五六"
_HEADING = re.compile(r"^(?:第)?([一二三四五六])(?:、|\.|．|,|，|部分)\s*(.*)$")
_MARKUP_START = re.compile(r"^[#*\s]+")
_SPACES = re.compile(r"\s+")


def heading_section(text: str, last: int) -> Optional[int]:
    """The section number a line is the heading of, or None. Only sections after ``last``."""
    got = _heading_reading(text)
    if got is None:
        return None
    numbered, numbers = got
    if numbered:  # "二、主动公开…": the sections whose keywords the rest names, the one of its numeral first
        candidates = [(n, same) for n, same in numbers if n > last]
        if not candidates:
            return None
        for n, same in candidates:
            if same:
                return n
        return candidates[0][0]
    for n in numbers:
        if n > last:
            return n
    return None


@lru_cache(maxsize=16384)  # a pure function of the line, asked for each line after each heading found
def _heading_reading(text: str) -> Optional[tuple[bool, tuple]]:
    """What :func:`heading_section` needs of a line, whatever section came last: (True, ((number, numeral is
    its own), ...)) for a numbered heading, the sections whose keywords it names, in order; (False, (number,
    ...)) for the sections whose heading (without its numeral) the whole line is; None when neither."""
    s = unicodedata.normalize("NFKC", text).strip()
    s = _MARKUP_START.sub("", s).replace("*", "").strip()
    s = _SPACES.sub("", s)
    m = _HEADING.match(s)
    if m:
        numeral, rest = m.group(1), m.group(2)
        if len(rest) > 40:
            return None
        rest_n = norm(rest)
        numbers = tuple((sec.number, sec.numeral == numeral) for sec in forms.SECTIONS
                        if any(norm(k) in rest_n for k in sec.keywords))
        return (True, numbers) if numbers else None
    # a heading printed without its numeral: the whole line equals the official heading
    s_n = norm(s)
    numbers = tuple(sec.number for sec in forms.SECTIONS if s_n == norm(sec.heading[2:]))
    return (False, numbers) if numbers else None


def _numeral_is(text: str, number: int) -> bool:
    s = _MARKUP_START.sub("", unicodedata.normalize("NFKC", text).strip())
    return s.startswith(_NUMERALS[number - 1] + "、")


def _lone_text(row: list) -> Optional[str]:
    """The text of a grid row that holds one non-empty cell (a heading or a paragraph caught inside a
    table's frame), else None."""
    texts = [c.text for c in row if c is not None and c.text and c.text.strip()]
    return texts[0] if len(texts) == 1 else None


def blocks_to_sections(doc: Document) -> tuple[dict[int, SectionText], list[Optional[int]], dict]:
    """Find the six section headings in order.

    Returns the sections, per document item the section it belongs to (None before the first heading),
    and ``headings``: (item index, grid row index or None) -> section number, for every heading found.
    A heading may stand in a grid row of its own (a PDF whose table frame also encloses the text
    above the table).
    """
    sections = {n: SectionText(n) for n in range(1, 7)}
    item_section: list[Optional[int]] = []
    headings: dict = {}
    state = {"current": None, "last": 0}

    def try_heading(text: str, page) -> Optional[int]:
        last = state["last"]
        num = heading_section(text, last)
        in_order = True
        if num is None:  # a heading that comes after a later section's heading
            num = heading_section(text, 0)
            if num is not None and (sections[num].found or not _numeral_is(text, num)):
                num = None
            in_order = False
        if num is None:
            return None
        state["current"] = num
        state["last"] = max(last, num)
        sec = sections[num]
        sec.found = True
        sec.in_order = in_order
        sec.heading = text.strip()
        sec.page = page
        return num

    parts: dict[int, list[str]] = {n: [] for n in sections}  # each section's lines, joined at the end

    def add_text(text: str) -> None:
        if state["current"] is not None:
            got = parts[state["current"]]
            if got or text:  # what "a + '\n' + b if a else b" makes: empty lines before the first are dropped
                got.append(text)

    for i, item in enumerate(doc.items):
        if isinstance(item, TextBlock):
            num = try_heading(item.text, item.page)
            if num is not None:
                headings[(i, None)] = num
                item_section.append(num)
                continue
            add_text(item.text)
        elif isinstance(item, Grid):
            for r, row in enumerate(item.rows):
                lone = _lone_text(row)
                if lone is None:
                    continue
                num = try_heading(lone, item.page) if len(norm(lone)) <= 60 else None
                if num is not None:
                    headings[(i, r)] = num
                elif "。" in lone or len(norm(lone)) > 40:
                    add_text(lone)  # a paragraph inside the table's frame is running text
        item_section.append(state["current"])
    for n, got in parts.items():
        if got:
            sections[n].text = "\n".join(got)
    return sections, item_section, headings
