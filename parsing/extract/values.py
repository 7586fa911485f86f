"""Cell values: what a cell's raw text means (a number, a blank, or unreadable text).

A blank is never 0 and text is never 0: :func:`parse_value` says which of ``ok`` / ``blank`` /
``unreadable`` a cell is, with a note where the reading needed a word of explanation.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Optional

BLANK_MARKS = {"", "-", "--", "—", "——", "/", "\\", "－", "—-", "／"}
_NUM = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_NUM_UNIT = re.compile(r"^([+-]?\d+(?:\.\d+)?)[(（]?(件|个|项|次|条|万元|元|万)[)）]?$")
_SIGNED_WORD = re.compile(r"^(增加|增|减少|减|減少|減)([0-9]+(?:\.[0-9]+)?)(件|个|项)?$")
_NOISE = "?？\ufffd"  # what an encoding loss leaves where a character was: never a digit
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
              "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_NUM = re.compile(r"^[零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万]+$")
# words that stand where a number should be: kept in the value cells, read as unreadable (not as 0)
VALUE_WORDS = {"无", "空", "暂无", "未统计", "不详"}


_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")

# The functions below are pure functions of a cell's text, asked many times for the same few texts (0, 1, 2, ...)
# while a report is matched: they remember their answers (bounded, per process).


@lru_cache(maxsize=65536)
def clean_num_text(text: str) -> str:
    s = unicodedata.normalize("NFKC", text or "")
    return _SPACES.sub("", s)


def cn_to_int(s: str) -> Optional[int]:
    """A number written in Chinese characters (十二, 一百零五, 两千三百, 壹万) as an int, else None."""
    if not s or not _CN_NUM.match(s):
        return None
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            if digit is not None and digit != 0 and _CN_DIGITS[ch] != 0:
                return None  # two digits in a row (一二) is not a number word
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
    return total + section + (digit or 0)


@lru_cache(maxsize=65536)
def is_blank_text(text: Optional[str]) -> bool:
    return clean_num_text(text or "") in BLANK_MARKS


def _denoised(s: str) -> str:
    t = s.strip(_NOISE)
    return t if t != s and t and (_NUM.match(t) or _NUM_UNIT.match(t)) else s


@lru_cache(maxsize=65536)
def is_number_text(text: Optional[str]) -> bool:
    """Text that stands in a value cell: a number (with a unit, thousands separators, a sign word such as
    减3, or in characters) or one of the words that stand where a number should be."""
    s = _denoised(clean_num_text(text or ""))
    if "," in s and _THOUSANDS.match(s):
        return True
    return bool(_NUM.match(s) or _NUM_UNIT.match(s) or _SIGNED_WORD.match(s) or s in VALUE_WORDS
                or cn_to_int(s) is not None)


def is_value_text(text: Optional[str]) -> bool:
    """Text a value cell may hold: a number, a blank mark, or a word standing for a number."""
    return is_blank_text(text) or is_number_text(text)


@lru_cache(maxsize=65536)
def is_digit_value(text: Optional[str]) -> bool:
    """A number written in digits (with a unit, thousands separators or a sign word): never a label fragment."""
    s = _denoised(clean_num_text(text or ""))
    return bool(_NUM.match(s) or _NUM_UNIT.match(s) or _SIGNED_WORD.match(s) or ("," in s and _THOUSANDS.match(s)))


@lru_cache(maxsize=65536)
def parse_value(text: Optional[str]) -> tuple[Optional[float], str, Optional[str]]:
    """(value, status, note) for a cell's raw text. Blank is not 0; text is not 0."""
    s = clean_num_text(text or "")
    if s in BLANK_MARKS:
        return None, "blank", None
    t = _denoised(s)
    if t != s:
        value, status, note = parse_value(t)
        return value, status, "单元格中有无法显示的字符“" + s.replace(t, "") + "”，已略去" + (f"；{note}" if note else "")
    m = _SIGNED_WORD.match(s)
    if m:
        v = float(m.group(2))
        return (-v if m.group(1).startswith(("减", "減")) else v), "ok", f"增减写作“{s}”，按{'-' if m.group(1).startswith(('减', '減')) else '+'}{m.group(2)}读取"
    if _THOUSANDS.match(s):
        return float(s.replace(",", "")), "ok", None
    if _NUM.match(s):
        return float(s), "ok", None
    m = _NUM_UNIT.match(s)
    if m:
        return float(m.group(1)), "ok", f"单元格带单位“{m.group(2)}”"
    n = cn_to_int(s)
    if n is not None:
        return float(n), "ok", "单元格中的数字以汉字书写"
    if s in VALUE_WORDS:
        return None, "unreadable", f"单元格写作“{s}”而不是数字"
    return None, "unreadable", "单元格内容不是数字"
