"""Metadata from every piece of evidence: title, body (the reporting organ), region, year, publication date.

Each comes with the reason it was chosen (``body_source``, ``year_source``, ``published_source``):

* the title: a line near the top that names the report, or a title printed over two lines (body on the
  first, year and 年度报告 on the second), or a title that starts with the year; never a breadcrumb
  (``当前位置：首页 > …``), a ``发布时间`` line, a site name after the title (``…年度报告_和平县人民政府``) or
  the title of a quoted notice (``…关于印发《…年度报告格式》的通知``);
* the first sentence (``现公布兴仁市人民政府2022年政府信息公开工作年度报告``);
* the subject of a sentence in the overview (``2025年，武山县城关镇全面贯彻…``).

A body is a plausible name (ending in 镇、乡、街道、办事处、人民政府、局、委员会、办公室、中心 …) or none:
junk in front of it (spam-mirror prefixes, markup) is dropped and a fragment is never a body. Traditional
characters are converted for matching; the name is shown as printed.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ..forms.labels import drop_inline_pinyin, to_simplified
from ..model import Document, Grid
from .sections import heading_section

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(
    r"((?:19|20)\d{2})\s*年\s*(?:度\s*)?(?:1|一)\s*月\s*(?:1|一)\s*日\s*(?:起\s*)?(?:至|到|-|—|~)\s*"
    r"(?:((?:19|20)\d{2})\s*年\s*)?12\s*月\s*31\s*日")
_TITLE_KEY = re.compile(r"(政府)?信息公开(工作)?(年度)?(工作)?报告|信息公开年报|政务公开.*报告")
_NOT_TITLE = re.compile(r"关于印发|的通知|格式》|当前位置|所在位置|首页\s*[>＞»]|[>＞»]\s*\S+\s*[>＞»]|^来源[:：]|"
                        r"发布(?:时间|日期)|浏览次数|点击[数率量]|访问量|字体[:：［\[]|^索引号|^主题分类")
_BODY_SUFFIX = ("街道办事处", "人民政府办公室", "人民政府办公厅", "人民政府", "管理委员会", "委员会", "办公室", "办公厅",
                "办事处", "街道", "政府", "中心", "总局", "分局", "局", "镇", "乡", "苏木", "委", "厅", "署", "院", "馆",
                "所", "站", "队", "会", "处", "办", "社", "部")
_TOWNSHIP = re.compile(r"^(?P<region>.+?(?:省|自治区|市|州|盟|地区|区|县|旗))(?P<body>[^省市县区旗]{1,12}?(?:镇|乡|街道|苏木)"
                       r"(?:人民政府|办事处|街道办事处)?)$")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>]{0,200}>")
_URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+")
_EMPHASIS = re.compile(r"\*\*|__|`+|^[#>\s*\-]+")
_SENTENCE = re.compile(
    r"(?:公布|公开|发布|编制|形成了?|印发|现将|现把)\s*《?(?P<body>[^，,。；;《》“”]{2,40}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?"
    r"\s*(?:政府)?信息公开(?:工作)?(?:年度)?(?:工作)?报告")
_CONTACT = re.compile(r"(?:请|可)与\s*(?P<body>[^，,。；;《》“”\s（(]{2,30}?)(?:党政综合办公室|党政办公室|综合办公室|党政办|办公室|政府办)?"
                      r"\s*联系")
_COMPILED_BY = re.compile(r"由\s*(?P<body>[^，,。；;《》“”\s]{2,30}?)(?:党政综合办公室|党政办公室|综合办公室|党政办|办公室|政府办)?"
                          r"\s*(?:负责)?编制")
_ORGAN = r"(?:街道办事处|人民政府|办事处|街道|镇|乡|局|委员会|办公室|中心)"
_VERB_AFTER = (r"(?=认真|高度|坚持|严格|按照|根据|全面|深入|积极|进一步|继续|始终|紧紧|紧扣|围绕|共|主动|切实|着力|持续|扎实|"
               r"不断|大力|通过|依法|贯彻|落实|聚焦|结合|立足|把|将|以)")
_SUBJECT_LEAD = r"(?P<year>(?:19|20)\d{2})\s*年(?:度|以来)?\s*[,，、]\s*(?:在[^,，。]{2,30}?下\s*[,，]\s*)?"
# the subject of the overview's first sentence: the longest name followed by its verb, else the shortest name
_SUBJECT = re.compile(_SUBJECT_LEAD + r"(?P<body>[^，,。、；;（(“”\s]{2,40}" + _ORGAN + ")" + _VERB_AFTER)
_SUBJECT_SHORT = re.compile(_SUBJECT_LEAD + r"(?P<body>[^，,。、；;（(“”\s]{2,40}?" + _ORGAN + ")")
_NOT_NAME = re.compile(r"[的在了我其该你]|^[及和与对把将为从向于以]")
_DATE = re.compile(r"(?:发布|发文|公开|成文|更新)?\s*(?:时间|日期)\s*[:：]\s*((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]"
                   r"\s*(\d{1,2})")
_NOT_BODY_START = re.compile(r"^(?:我|本|全|各|该|其|区政府办|县政府办|市政府办)")


@dataclass
class Metadata:
    title: Optional[str] = None
    body: Optional[str] = None
    region: Optional[str] = None
    body_source: Optional[str] = None
    year: Optional[int] = None
    year_source: Optional[str] = None
    published: Optional[str] = None  # ISO date (YYYY-MM-DD)
    published_source: Optional[str] = None


_SPACES = re.compile(r"\s+")
_BREADCRUMB = re.compile(r"^\s*[>＞»›]")


def strip_markup(text: str) -> str:
    """Text as a reader sees it: Markdown images, links, HTML tags, emphasis and URLs removed."""
    s = _MD_IMAGE.sub("", text or "")
    s = _MD_LINK.sub(r"\1", s)
    s = _HTML_TAG.sub("", s)
    s = _URL.sub("", s)
    s = _EMPHASIS.sub("", s)
    return _SPACES.sub(" ", s).strip()


@lru_cache(maxsize=16384)  # a pure function of the line, asked for the first lines by each metadata step
def _clean_line(text: str) -> str:
    return strip_markup(drop_inline_pinyin(text))


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch in "〇"


def plausible_body(name: Optional[str]) -> Optional[str]:
    """A body name with junk in front removed, or None when what is left is not a name: the longest
    run of Chinese characters at the end, ending in an organ's suffix."""
    if not name:
        return None
    s = re.sub(r"[\s\u3000]+", "", name).strip("的：:,，、 ")
    s = re.sub(r"^\d{4}年(?:度)?", "", s)
    s = re.sub(r"^(?:关于|现将|现)", "", s)
    # the run of Chinese characters (and brackets inside names) that ends the string
    i = len(s)
    while i > 0 and (_cjk(s[i - 1]) or s[i - 1] in "（）()"):
        i -= 1
    s = s[i:].lstrip("（(")
    simp = to_simplified(s)
    # a unit under a government: 某区人民政府某街道办事处 -> 某街道办事处 (the government is where it is)
    m = re.search(r"人民政府(?=.{2,}(?:街道办事处|办事处|街道|镇|乡)$)", simp)
    if m:
        s, simp = s[m.end():], simp[m.end():]
    if len(s) < 2 or not simp.endswith(_BODY_SUFFIX) or _NOT_BODY_START.match(simp) or _NOT_NAME.search(simp):
        return None
    return s


def split_region(body: str) -> tuple[str, Optional[str]]:
    """(body, region) for a township under a county or district (原州区寨科乡 -> 寨科乡, 原州区)."""
    m = _TOWNSHIP.match(to_simplified(body))
    if m:
        n = len(m.group("region"))
        return body[n:], body[:n]
    return body, None


def _title_lines(doc: Document, limit: int = 40) -> list[tuple[int, str]]:
    out = []
    for k, item in enumerate(doc.items[:limit]):
        if isinstance(item, Grid) or _BREADCRUMB.match(item.text):  # a breadcrumb's link
            continue
        t = _clean_line(item.text)
        if t:
            out.append((k, t))
    return out


def _is_heading(text: str) -> bool:
    return heading_section(text, 0) is not None


def _site_suffix_removed(t: str) -> str:
    """``…年度报告_和平县人民政府`` -> ``…年度报告``: a site name after the title is not part of it."""
    parts = re.split(r"\s*[_|｜]\s*|\s+[-—–]\s+", t)
    if len(parts) > 1:
        for p in parts:
            if _TITLE_KEY.search(to_simplified(p)):
                return p.strip()
    return t


def find_title(doc: Document) -> tuple[Optional[str], Optional[str]]:
    """(title, how it was found): 'title' for one line, 'title-lines' for a title printed over two lines
    (the body's name on the first, the year and 年度报告 on the second)."""
    lines = _title_lines(doc)
    found = []
    for n, (k, t) in enumerate(lines):
        simp = to_simplified(t)
        if len(t) > 80 or _NOT_TITLE.search(simp) or not _TITLE_KEY.search(re.sub(r"\s+", "", simp)) \
                or _is_heading(t):
            continue
        if re.search(r"[。；]$", t) or ("《" in t and "》" in t):
            continue  # a sentence, or a document quoted in one
        t = _site_suffix_removed(t)
        if n > 0 and _title_body_text(t) == "":
            pk, prev = lines[n - 1]
            if pk == k - 1 and len(prev) <= 30 and plausible_body(prev) == re.sub(r"\s+", "", prev):
                return re.sub(r"\s+", " ", prev + t).strip(), "title-lines"
        found.append(re.sub(r"\s+", " ", t).strip())
        if title_to_body(found[-1])[0]:
            return found[-1], "title"
    return (found[0], "title") if found else (None, None)


def _title_body_text(title: str) -> str:
    """The part of a title that names the body: before the year or 政府信息公开, after a leading year."""
    t = re.sub(r"^关于", "", title.strip())
    simp = to_simplified(t)
    lead = re.match(r"^\s*(?:19|20)\d{2}\s*年\s*度?\s*", simp)
    start = lead.end() if lead else 0
    cut = len(simp)
    for pat in (_YEAR, re.compile(r"(政府)?信息公开"), re.compile(r"政务公开")):
        m = pat.search(simp, start)
        if m:
            cut = min(cut, m.start())
    return re.sub(r"[\s\u3000]+", "", t[start:cut]).rstrip("的")


def title_to_body(title: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(body, region) from a title such as 原州区寨科乡 2023年政府信息公开工作年度报告."""
    if not title:
        return None, None
    name = _title_body_text(title)
    if not name:
        return None, None
    body = plausible_body(name)
    if body is None:
        return None, None
    return split_region(body)


def _intro_text(doc: Document, limit: int = 60) -> list[str]:
    return [t for _, t in _title_lines(doc, limit)]


def find_body_in_text(doc: Document) -> tuple[Optional[str], Optional[str], Optional[int]]:
    """(body, source, year) from the first sentences: ``现公布X2022年…年度报告`` ('sentence') or a sentence
    whose subject is the body (``2025年，X全面贯彻…``, 'text')."""
    lines = _intro_text(doc)
    for pat, source in ((_SENTENCE, "sentence"), (_COMPILED_BY, "sentence"), (_SUBJECT, "text"),
                        (_SUBJECT_SHORT, "text"), (_CONTACT, "contact")):
        for t in (lines[:12] if source == "sentence" else lines):
            simp = to_simplified(t)
            for m in pat.finditer(simp):
                a, b = m.span("body")
                printed = t[a:b] if len(simp) == len(t) else m.group("body")
                body = plausible_body(printed)
                if body:
                    year = int(m.group("year")) if "year" in m.groupdict() and source == "sentence" else None
                    return body, source, year
    return None, None, None


def find_year(title: Optional[str], text: str, section1: str,
              sentence_year: Optional[int] = None) -> tuple[Optional[int], Optional[str]]:
    if title:
        m = _YEAR.search(title)
        if m:
            return int(m.group(1)), "title"
    if sentence_year:
        return sentence_year, "sentence"
    m = _PERIOD.search(text)
    if m:
        return int(m.group(1)), "period"
    counts = Counter(int(y) for y in _YEAR.findall(section1 or "")) or Counter(int(y) for y in _YEAR.findall(text))
    if counts:
        return counts.most_common(1)[0][0], "text"
    return None, None


def find_published(doc: Document) -> tuple[Optional[str], Optional[str]]:
    """The publication date the file shows: a ``发布时间：…`` line near the top ('page'), else what the
    reader found in the file's own metadata (HTML meta tags, PDF dates)."""
    for t in _intro_text(doc, 30):
        m = _DATE.search(to_simplified(t))
        if m:
            y, mo, d = (int(x) for x in m.groups())
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}", "page"
    meta = getattr(doc, "meta", None) or {}
    for key in ("published", "created"):
        if meta.get(key):
            return meta[key], meta.get(f"{key}_source", key)
    return None, None


def document_to_metadata(doc: Document, text: str, section1: str) -> Metadata:
    """Title, body, region, year and publication date of one document, each with its source."""
    md = Metadata()
    md.title, title_source = find_title(doc)
    body, region = title_to_body(md.title)
    sentence_year = None
    if body:
        md.body, md.region, md.body_source = body, region, title_source
    else:
        body, source, sentence_year = find_body_in_text(doc)
        if body:
            md.body, md.region = split_region(body)
            md.body_source = source
    md.year, md.year_source = find_year(md.title, text, section1, sentence_year)
    md.published, md.published_source = find_published(doc)
    return md
