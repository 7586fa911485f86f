"""The extractor's former slow paths, kept as references for the equivalence tests of the fast ones
(tests/test_extract_speed.py): each is the code as it was before its fast path replaced it."""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Optional

import pandas as pd

from parsing import forms
from parsing.extract import lexicon as lex
from parsing.extract.sections import _HEADING, _lone_text, _numeral_is, heading_section
from parsing.forms import FORM_2019, FORM_2021, norm
from parsing.model import Grid, TextBlock
from parsing.report import VALUE_COLUMNS, SectionText


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


def blocks_to_sections(doc):
    """``parsing.extract.sections.blocks_to_sections`` as it was: each section's text grown a line at a time.

    Find the six section headings in order.

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

    def add_text(text: str) -> None:
        if state["current"] is not None:
            sec = sections[state["current"]]
            sec.text = (sec.text + "\n" + text) if sec.text else text

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
    return sections, item_section, headings


def merge_notes(notes: list[dict], found: list[dict]) -> list[dict]:
    """``parsing.rules._merge_notes`` as it was: every finding against every note."""
    from parsing.rules import _RANK, _covers, _location

    note_locs = [(_location(f), _RANK.get(f.get("severity"), 0)) for f in notes]
    kept_found = []
    for f in found:
        loc, rank = _location(f), _RANK.get(f["severity"], 0)
        if loc is not None and any(_covers(nl, loc) and nr >= rank for nl, nr in note_locs):
            continue
        kept_found.append(f)
    found_locs = [(_location(f), _RANK.get(f["severity"], 0)) for f in kept_found]
    kept_notes = [f for f, (nl, nr) in zip(notes, note_locs)
                  if not any(_covers(fl, nl) and fr > nr for fl, fr in found_locs)]
    return kept_notes + kept_found


def heading_section_each_last(text: str, last: int) -> Optional[int]:
    """``parsing.extract.sections.heading_section`` as it was: the whole reading for each ``last``."""
    s = unicodedata.normalize("NFKC", text).strip()
    s = re.sub(r"^[#*\s]+", "", s).replace("*", "").strip()
    s = re.sub(r"\s+", "", s)
    m = _HEADING.match(s)
    if m:
        numeral, rest = m.group(1), m.group(2)
        if len(rest) > 40:
            return None
        rest_n = norm(rest)
        candidates = [sec for sec in forms.SECTIONS if sec.number > last
                      and any(norm(k) in rest_n for k in sec.keywords)]
        if not candidates:
            return None
        for sec in candidates:
            if sec.numeral == numeral:
                return sec.number
        return candidates[0].number
    # a heading printed without its numeral: the whole line equals the official heading
    s_n = norm(s)
    for sec in forms.SECTIONS:
        if sec.number > last and s_n == norm(sec.heading[2:]):
            return sec.number
    return None


def fuzzy(seg: str, offset: int, table: Optional[str]):
    """lexicon._fuzzy before it counted the shared characters of all patterns at once. The entry a misprinted label stands for: the best similarity of an entry's pattern with the
    segment or a window of it (a vertically printed prefix may stand in front), at least lex.FUZZY_MIN."""
    best = None
    have = Counter(seg)
    for e, p, chars, sm in lex._fuzzy_patterns():
        if table and e.table != table:
            continue
        lo, hi = int(len(p) * 0.7), int(len(p) * 1.3) + 1
        # no window can be more similar than the characters the whole segment shares with the pattern
        common = chars.keys() & have.keys()
        if 2 * sum(chars[ch] for ch in common) < lex.FUZZY_MIN * (min(lo, len(seg)) + len(p)):
            continue
        shared = sum(min(chars[ch], have[ch]) for ch in common)
        if 2 * shared < lex.FUZZY_MIN * (min(lo, len(seg)) + len(p)):
            continue
        for start in range(0, max(1, len(seg) - lo + 1)):
            w = seg[start:start + hi]
            if len(w) < lo:
                break
            num = lex.label_number(w)
            if e.number and num and num != e.number:
                continue
            sm.set_seq1(w)
            if sm.real_quick_ratio() < lex.FUZZY_MIN or sm.quick_ratio() < lex.FUZZY_MIN:
                continue
            r = sm.ratio()
            if r >= lex.FUZZY_MIN and (best is None or r > best[0]):
                best = (r, e, start, start + len(w))
    if best is None:
        return None
    r, e, s, t = best
    return lex.Hit(e, offset + s, offset + t, seg[s:t], exact=False)


def lookup(matcher, run: list):
    """TableMatcher._lookup before a hit within one cell took that cell's token, centre and slot directly."""
    import bisect

    words, owner, centers = [], [], []
    for t in run:
        parts = t.parts
        if parts:
            for c in parts:
                words.append(norm(c.text))
                owner.append(t)
                b = c.bbox
                centers.append((b[0] + b[2]) / 2 if b else None)
        else:
            ws = t.text.split() or [t.text]
            words.extend(map(norm, ws))
            owner.extend([t] * len(ws))
            centers.extend([None] * len(ws))
    hits, text, bounds = lex.find_entries(words, matcher.state.table)
    ends = [b for _, b in bounds]
    for h in hits:
        ks = []
        for k in range(bisect.bisect_right(ends, h.start), len(bounds)):
            if bounds[k][0] >= h.end:
                break
            ks.append(k)
        ks = ks or [len(words) - 1]
        h.token = owner[ks[0]].text
        xs = [centers[k] for k in ks if centers[k] is not None]
        h.x = sum(xs) / len(xs) if xs else None
        owners = {id(owner[k]) for k in ks}
        h.col = owner[ks[0]].col if len(owners) == 1 else None
    return hits, (text, bounds)
