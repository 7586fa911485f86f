"""Label normalisation, used for matching only (output always keeps the official labels).

A label printed in a report may differ from the official one in ways that do not change its meaning:
full-width or half-width brackets, colons and dots, traditional characters, whitespace inside (``自 然 人``),
stray emphasis marks. :func:`norm` removes those differences; :func:`strip_number` drops an item number
such as ``1.``, ``（三）`` or ``四、``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WS = re.compile(r"[\s\u3000\u00a0\u2002\u2003\u200b\ufeff]+")
_NUMBERED_DOT = re.compile(r"^\d+[。．]")
_NUM_PREFIX = re.compile(r"^(?:[0-9]+[.、．]|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)")
_INLINE_PINYIN = re.compile(r"\((?:[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*\s*)+\)")


@lru_cache(maxsize=None)
def _converter(config: str):
    """opencc's converter for ``config``, built on first use (building ``s2t`` alone costs about 0.1 s, paid at every
    start of the dashboard when it was built at import); None when opencc is unavailable."""
    try:  # traditional -> simplified, for mirrors that serve traditional characters
        import opencc  # type: ignore

        return opencc.OpenCC(config)
    except Exception:  # pragma: no cover - opencc is in requirements; stay usable without it
        return None


@lru_cache(maxsize=16384)
def to_simplified(text: str) -> str:
    """Traditional characters converted to simplified (the text itself when opencc is unavailable). A pure function
    of the text, asked for the same title lines by each metadata step: remembered."""
    if not text or not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    t2s = _converter("t2s")
    return text if t2s is None else t2s.convert(text)


def to_mainland(text: str) -> str:
    """Text with Taiwan vocabulary replaced by mainland words (only for matching a label no other way)."""
    if not text:
        return text
    tw2sp, s2t = _converter("tw2sp"), _converter("s2t")  # Taiwan words to mainland words (檔案 -> 文件)
    return text if tw2sp is None or s2t is None else tw2sp.convert(s2t.convert(text))


def drop_inline_pinyin(text: str) -> str:
    """Remove pinyin glosses that some mirror sites insert after characters: ``報(bào)告`` -> ``報告``."""
    return _INLINE_PINYIN.sub("", text) if "(" in text else text


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """Normalise a label for matching: NFKC (full-width digits/brackets to half-width),
    traditional to simplified, no whitespace, unified dots and quotes."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = drop_inline_pinyin(s)
    s = to_simplified(s)
    s = _WS.sub("", s)
    s = s.replace("．", ".").replace("。", ".") if _NUMBERED_DOT.match(s) else s
    s = s.replace("“", '"').replace("”", '"').replace("〞", '"').replace("〝", '"')
    s = s.replace("（", "(").replace("）", ")").replace("：", ":").replace("，", ",")
    s = s.replace("*", "").replace("\\", "/")
    return s


def strip_number(label_norm: str) -> str:
    """Drop a leading item number such as '1.', '(三)', '四、' from a normalised label."""
    return _NUM_PREFIX.sub("", label_norm, count=1)


PROSE_CHARS = 60  # label text longer than this (normalised) is prose, not a label
_PROSE_MARKS = re.compile(r"[。；;！？]")
_LABEL_REMARK = re.compile(r"\([^()]{2,}\)$")


@lru_cache(maxsize=16384)
def is_prose(text: str) -> bool:
    """Whether a printed cell or line is running text, not a label (the matcher reads it as a break): longer
    than :data:`PROSE_CHARS` normalised, or a sentence mark in more than 12 characters; a label may carry a
    long filling note in brackets. The PDF reader asks it too: such a line's words are never needed. A pure
    function of the text, asked by the reader and then by the matcher for the same lines: remembered."""
    n = _LABEL_REMARK.sub("", norm(text))
    return len(n) > PROSE_CHARS or (bool(_PROSE_MARKS.search(n)) and len(n) > 12)


def label_number(label_norm: str) -> str:
    """The leading item number of a normalised label ('1.', '(三)', '四、'), or ''."""
    m = _NUM_PREFIX.match(label_norm)
    return m.group(0) if m else ""
