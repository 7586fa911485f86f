"""Every text the forms print inside their tables, as one lexicon the matcher looks labels up in.

The lexicon is built from the form registry (:mod:`parsing.forms`), never written by hand: each row label,
group label, column header and caption of every form version is an :class:`Entry` with the normalised
strings that denote it. :func:`find_entries` finds the entries in a run of label text however it is
printed: split over several cells or lines, with a vertically printed group label in front of it
(``三、本年度（一）予以公开``), with its item number dropped, cut off at the end, or misspelt by a character
or two (``2.其他法律行政止公开``).
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .. import forms
from ..forms import label_number, norm, strip_number
from ..forms.labels import to_mainland

ROW, GROUP, COLUMN, HEADER, CAPTION = "row", "group", "column", "header", "caption"
SHORT = 3  # patterns this short must be a whole printed cell, never part of a longer text
FUZZY_MIN = 0.8  # similarity above which a misprinted label is read as the official one
FUZZY_MAX = 60  # text longer than this between labels is running text, not a misprinted label
_CAPTION = re.compile(r"第二十条(?:第)?\(([一二三四五六七八九十])\)项")
_TRAILING_REMARK = re.compile(r"\([^()]{2,}\)$")
_TRIVIAL = re.compile(r"^[\s\-—_:：,，.。、;；()（）\[\]【】\"'“”/|]*$")


@dataclass(frozen=True)
class Slot:
    """Where a row label puts its numbers: one row of one form."""

    table: str
    key: str
    leaf: str
    columns: tuple
    form: str
    group: str = ""
    caption: str = ""
    order: int = 0  # position of the row in its table, in form order


@dataclass
class Entry:
    """One text a form prints in its tables (a row, group, column, header or caption)."""

    kind: str
    table: str
    official: str
    patterns: tuple[str, ...]
    slots: dict = field(default_factory=dict)  # form id -> Slot (rows only)
    forms: set = field(default_factory=set)  # the form versions that print it
    number: str = ""  # the item number as printed in the form ('1.', '(三)', '一、'), normalised
    also_group: bool = False  # a row label that is a group label in another form (（六）其他处理)


@dataclass
class Hit:
    """An entry found in a run of label text: where, and how it was printed."""

    entry: Entry
    start: int
    end: int
    printed: str
    exact: bool = True  # False for a misprint read by similarity
    cut: bool = False  # the printed label stops before the official one ends (wrapped or cut off)


def _patterns(official: str, extra=()) -> tuple[str, ...]:
    """The normalised strings that denote a label: as printed officially, without its item number
    (when what is left is long enough not to be confused), and its accepted variants."""
    out = []
    for text in (official, *extra):
        n = norm(text)
        out.append(n)
        s = strip_number(n)
        if s != n and len(s) > SHORT:
            out.append(s)
    return tuple(dict.fromkeys(sorted(out, key=len, reverse=True)))


_KIND_RANK = {ROW: 0, GROUP: 1, CAPTION: 2, COLUMN: 3, HEADER: 4}


@lru_cache(maxsize=1)
def lexicon() -> tuple[Entry, ...]:
    """All entries of all forms (built once from the registry). A text is one entry per table: a label
    that is a row in one form and a group label in the other (（六）其他处理) is the row, marked
    ``also_group``; a header that is also a row or group label is that row or group."""
    entries: dict[tuple, Entry] = {}

    def add(kind, table, official, form, extra=(), slot=None):
        key = (table, norm(official))
        e = entries.get(key)
        if e is None or _KIND_RANK[kind] < _KIND_RANK[e.kind]:
            old = e
            e = entries[key] = Entry(kind, table, official, _patterns(official, extra),
                                     number=label_number(norm(official)))
            if old is not None:
                e.slots.update(old.slots)
                e.forms |= old.forms
                e.also_group = old.kind == GROUP or old.also_group
        elif kind == GROUP and e.kind == ROW:
            e.also_group = True
        if extra and e.patterns != _patterns(official, extra):
            e.patterns = tuple(dict.fromkeys(sorted(e.patterns + _patterns(official, extra), key=len,
                                                    reverse=True)))
        if slot is not None:
            e.slots[form] = slot
        e.forms.add(form)
        return e

    for fid, form in forms.FORMS.items():
        for st in form.subtables_二:
            add(CAPTION, "二", st.caption, fid)
            for i, leaf in enumerate(st.rows):
                add(ROW, "二", leaf, fid, slot=Slot("二", f"{st.caption}/{leaf}", leaf, st.columns, fid,
                                                   caption=st.caption, order=i))
            for col in st.columns:
                add(COLUMN, "二", col, fid, ("本年收费金额",) if col == forms.FEE_COLUMN else ())
        for i, r in enumerate(form.rows_三):
            add(ROW, "三", r.leaf, fid, r.variants,
                slot=Slot("三", r.key, r.leaf, form.columns_三, fid, r.group, order=i))
            if r.group:
                add(GROUP, "三", r.group, fid)
        for i, r in enumerate(form.rows_四):
            add(ROW, "四", r.leaf, fid, r.variants,
                slot=Slot("四", r.key, r.leaf, form.columns_四, fid, r.group, order=i))
            if r.group:
                add(GROUP, "四", r.group, fid)
        for col in form.columns_三:
            add(COLUMN, "三", col, fid)
        for col in form.columns_四:
            add(COLUMN, "四", col, fid)
        for table, texts in form.headers.items():
            for text in texts:
                add(HEADER, table, text, fid)
    out = list(entries.values())
    for e in out:
        if e.kind == HEADER and e.official.startswith("（本列数据"):
            e.patterns = (norm(e.official), norm("本列数据的勾稽关系"))
    return tuple(out)


@lru_cache(maxsize=1)
def _fragments() -> frozenset:
    """Every substring (2+ characters) of every entry: the text a label split over cells or printed
    vertically leaves around the label it belongs to."""
    out = set()
    for e in lexicon():
        for p in e.patterns:
            for i in range(len(p)):
                for j in range(i + 2, len(p) + 1):
                    out.add(p[i:j])
    return frozenset(out)


def is_fragment(text_norm: str) -> bool:
    """Text that is part of some form label (or only punctuation and single characters of one)."""
    if not text_norm or _TRIVIAL.match(text_norm):
        return True
    if text_norm in _fragments():
        return True
    if len(text_norm) == 1:
        return any(text_norm in p for e in lexicon() for p in e.patterns)
    return False


@lru_cache(maxsize=1)
def _pattern_list() -> tuple[tuple[str, tuple[Entry, ...]], ...]:
    """Every pattern with the entries it denotes (one per table), longest first."""
    by: dict[str, list[Entry]] = {}
    for e in lexicon():
        for p in e.patterns:
            by.setdefault(p, []).append(e)
    return tuple(sorted(((p, tuple(es)) for p, es in by.items()), key=lambda t: -len(t[0])))


def _pick(entries: tuple[Entry, ...], table: Optional[str]) -> Entry:
    if len(entries) > 1 and table:
        for e in entries:
            if e.table == table:
                return e
    return entries[0]


def find_entries(tokens: list[str], table: Optional[str] = None) -> tuple[list[Hit], str, list[tuple[int, int]]]:
    """The entries printed in a run of label cells (each already normalised with :func:`norm`).

    Returns ``(hits, text, bounds)``: the hits in order of position in ``text`` (the cells joined),
    and each cell's span in ``text``. Exact patterns are found first, longest first; short patterns
    only as whole cells; what is left is tried against the entries by similarity (misprints) and as
    the start of a long label whose end was cut off.

    The answer depends only on the cells and the table, and every report of a form prints the same labels, so
    it is remembered (a worker parsing a county's reports matches each distinct run of labels once); the hits
    returned are fresh copies the caller may annotate.
    """
    hits, text, bounds = _find_entries(tuple(tokens), table)
    return [_copy(h) for h in hits], text, list(bounds)


def _copy(hit: Hit) -> Hit:
    """A shallow copy of a cached hit (the cache is never annotated), without ``dataclasses.replace``'s
    walk through ``__init__``."""
    new = object.__new__(Hit)
    new.__dict__.update(hit.__dict__)
    return new


@lru_cache(maxsize=8192)
def _find_entries(tokens: tuple[str, ...], table: Optional[str]) -> tuple[tuple[Hit, ...], str, tuple]:
    text = "".join(tokens)
    bounds, pos = [], 0
    for t in tokens:
        bounds.append((pos, pos + len(t)))
        pos += len(t)
    taken = [False] * len(text)
    hits: list[Hit] = []
    allowed = set()  # (start, end) spans a short pattern may take: whole cells, or cells printed split
    for k, (a, b) in enumerate(bounds):
        cell = text[a:b]
        remark = _TRAILING_REMARK.search(cell)  # 规章（设区的市、自治州人民政府应提供相关数据）
        if remark and remark.start() > 0:  # a filling note after a label is not searched for labels
            for i in range(a + remark.start(), b):
                taken[i] = True
        for c in (cell, cell[:remark.start()] if remark else None):
            if not c:
                continue
            allowed.add((a, a + len(c)))
            num = label_number(c)
            if num:
                allowed.add((a + len(num), a + len(c)))
        end = b
        for j in range(k + 1, len(bounds)):  # 自 / 然 / 人, 总 / 计: one label printed a character a cell
            end = bounds[j][1]
            if end - a > SHORT:
                break
            allowed.add((a, end))
    caption_m = list(_CAPTION.finditer(text))
    for m in caption_m:
        official = f"第二十条第（{m.group(1)}）项"
        e = next((x for x in lexicon() if x.kind == CAPTION and x.official == official), None)
        if e is None:  # an item the forms do not tabulate (第二十条第（二）项): a caption all the same
            e = Entry(CAPTION, "二", official, (norm(official),), forms=set(forms.FORMS))
        hits.append(Hit(e, m.start(), m.end(), m.group(0)))
        for i in range(m.start(), m.end()):
            taken[i] = True
    present = set(text)
    for p, es in _pattern_list():
        if p[0] not in present:
            continue
        starts, i = [], text.find(p)
        while i >= 0:
            if len(p) > SHORT or (i, i + len(p)) in allowed:
                starts.append(i)
            i = text.find(p, i + 1)
        if not starts:
            continue
        e = _pick(es, table)
        for s in starts:
            if any(taken[s:s + len(p)]):
                continue
            hits.append(Hit(e, s, s + len(p), text[s:s + len(p)]))
            for i in range(s, s + len(p)):
                taken[i] = True
    # what no pattern covers: misprints, and long labels cut off at the end of the run
    for a, b in _gaps(taken):
        seg = text[a:b]
        if len(seg) < 3 or len(seg) > FUZZY_MAX:
            continue
        hit = _cut(seg, a, b == len(text))  # the start of a long label (a fragment too)
        if hit is None and not is_fragment(seg):
            hit = _fuzzy(seg, a, table) or _mainland_words(seg, a, table)
        if hit is not None:
            hits.append(hit)
            for i in range(hit.start, hit.end):
                taken[i] = True
    hits.sort(key=lambda h: h.start)
    return tuple(hits), text, tuple(bounds)


def _gaps(taken: list[bool]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, t in enumerate(taken + [True]):
        if not t and start is None:
            start = i
        elif t and start is not None:
            out.append((start, i))
            start = None
    return out


@lru_cache(maxsize=1)
def _fuzzy_patterns() -> tuple:
    """(entry, pattern, its characters counted, a matcher with the pattern as its second sequence)."""
    out = []
    for e in lexicon():
        if e.kind not in (ROW, COLUMN, GROUP):
            continue
        for p in e.patterns:
            if len(p) >= 4:
                sm = difflib.SequenceMatcher(None, autojunk=False)
                sm.set_seq2(p)
                out.append((e, p, Counter(p), sm))
    return tuple(out)


@lru_cache(maxsize=1)
def _fuzzy_index() -> dict:
    """Each character of the fuzzy patterns -> ((k, how often pattern k of :func:`_fuzzy_patterns` has it), ...)."""
    by: dict = {}
    for k, (_e, _p, chars, _sm) in enumerate(_fuzzy_patterns()):
        for ch, n in chars.items():
            by.setdefault(ch, []).append((k, n))
    return {ch: tuple(v) for ch, v in by.items()}


def _fuzzy(seg: str, offset: int, table: Optional[str]) -> Optional[Hit]:
    """The entry a misprinted label stands for: the best similarity of an entry's pattern with the
    segment or a window of it (a vertically printed prefix may stand in front), at least FUZZY_MIN.

    Only patterns sharing enough characters with the segment are compared: the characters each pattern shares
    are counted for all patterns at once, from the segment's characters (a pattern sharing none has no chance)."""
    best = None
    have = Counter(seg)
    patterns, index = _fuzzy_patterns(), _fuzzy_index()
    total: dict = {}  # k -> characters of pattern k that the segment has at all (counted as in the pattern)
    shared: dict = {}  # k -> characters the two have in common (counted in both)
    for ch, m in have.items():
        for k, n in index.get(ch, ()):
            total[k] = total.get(k, 0) + n
            shared[k] = shared.get(k, 0) + (n if n < m else m)
    for k in sorted(total):
        e, p, chars, sm = patterns[k]
        if table and e.table != table:
            continue
        lo, hi = int(len(p) * 0.7), int(len(p) * 1.3) + 1
        # no window can be more similar than the characters the whole segment shares with the pattern
        if 2 * total[k] < FUZZY_MIN * (min(lo, len(seg)) + len(p)):
            continue
        if 2 * shared[k] < FUZZY_MIN * (min(lo, len(seg)) + len(p)):
            continue
        for start in range(0, max(1, len(seg) - lo + 1)):
            w = seg[start:start + hi]
            if len(w) < lo:
                break
            num = label_number(w)
            if e.number and num and num != e.number:
                continue
            sm.set_seq1(w)
            if sm.real_quick_ratio() < FUZZY_MIN or sm.quick_ratio() < FUZZY_MIN:
                continue
            r = sm.ratio()
            if r >= FUZZY_MIN and (best is None or r > best[0]):
                best = (r, e, start, start + len(w))
    if best is None:
        return None
    r, e, s, t = best
    return Hit(e, offset + s, offset + t, seg[s:t], exact=False)


def is_prefix_of(printed: str, entry: Entry) -> bool:
    """A printed label that is the beginning of the official one (the rest wrapped elsewhere)."""
    return any(p.startswith(printed) for p in entry.patterns)


def _mainland_words(seg: str, offset: int, table: Optional[str]) -> Optional[Hit]:
    """A label a mirror site printed in Taiwan vocabulary (規範性檔案 for 规范性文件): the segment read with
    mainland words is exactly one of the form's labels."""
    conv = to_mainland(seg)
    if conv == seg:
        return None
    for p, es in _pattern_list():
        if p == conv:
            return Hit(_pick(es, table), offset, offset + len(seg), seg, exact=False)
    return None


def _cut(seg: str, offset: int, at_end: bool) -> Optional[Hit]:
    """A long row label whose end is not in the run (wrapped onto the next line, or the page was cut
    off): the segment ends with at least half of the label's beginning."""
    if not at_end:
        return None
    best = None
    for e in lexicon():
        if e.kind != ROW:
            continue
        for p in e.patterns:
            if len(p) < 10:
                continue
            need = max(6, len(p) // 2)
            for n in range(len(p) - 1, need - 1, -1):
                if seg.endswith(p[:n]):
                    if best is None or n > best[0]:
                        best = (n, e)
                    break
    if best is None:
        return None
    n, e = best
    return Hit(e, offset + len(seg) - n, offset + len(seg), seg[-n:], cut=True)
