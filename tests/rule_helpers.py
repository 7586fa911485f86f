"""Small in-memory reports for rule tests.

``make_report`` builds a ParsedReport on the 2021 form with all 200 cells filled with 0 unless
told otherwise, six found sections with plausible text (different sentences for different
bodies and years, so two reports are never 内容雷同 by accident), and a title with the year.
Section 一 covers the five topics of the form (and 工作考核、社会评议、责任追究) and quotes the
number of new applications from table 三, section 五 reports last year's problems as fixed, and
section 六 states the statistics period and that no 信息处理费 was charged, so a default report
is in order.
"""
from __future__ import annotations

import math
import random
from typing import Optional

import pandas as pd

from parsing import forms
from parsing.report import FINDING_COLUMNS, VALUE_COLUMNS, ParsedReport, SectionText

BLANK = object()  # a cell the report leaves empty


def unreadable(raw: str):
    """A cell whose text is not a number."""
    return ("unreadable", raw)


MISSING = ("missing", None)

# Section 一 covers the five topics of 国办公开办函〔2021〕30号 (two wordings each) and, for a
# 人民政府, 工作考核、社会评议和责任追究; the other sentences are drawn at random.
_TOPICS = [
    ("主动公开方面，通过政府门户网站、政务新媒体和公开栏发布工作动态、通知公告和政策文件。",
     "主动公开方面，及时公开财政预决算、重大项目和惠民补贴等重点领域信息。"),
    ("依申请公开方面，畅通申请渠道，规范受理、办理和答复流程，按时答复申请人。",
     "依申请公开方面，明确受理机构和办理时限，统一答复文书格式。"),
    ("政府信息管理方面，严格落实保密审查制度，做到涉密信息不上网、上网信息不涉密。",
     "政府信息管理方面，建立信息发布审核登记制度，定期清理过时信息。"),
    ("平台建设方面，及时更新政府信息公开专栏，规范栏目设置，方便群众查询。",
     "政府信息公开平台建设方面，完善公开专栏的栏目设置，提高检索便利度。"),
    ("监督保障方面，将政务公开纳入年度工作考核，组织社会评议，对工作不力的严格追究责任。",
     "监督保障方面，开展政务公开工作考核和群众评议，落实责任追究制度。"),
]
_S1 = [
    "我{kind}高度重视政府信息公开工作，明确分管领导和工作人员，健全信息发布审核机制。",
    "围绕乡村振兴、民生保障和重大项目，加大重点领域信息公开力度。",
    "加强政策解读，采用图文、短视频等形式解读惠民政策，回应群众关切。",
    "规范公开栏管理，村务财务公开按季度更新，接受群众监督。",
    "完善信息公开目录，梳理公开事项清单，实行动态调整。",
    "建立舆情收集、研判、处置和回应机制，及时回应社会关切。",
    "组织干部学习政府信息公开条例，提高依法公开意识和能力。",
    "结合基层政务公开标准化规范化建设，编制公开事项标准目录。",
    "利用村民微信群和广播发布惠农补贴、低保救助等信息。",
]
_LAST_YEAR = [
    "上一年度报告所列问题已逐项整改落实。",
    "去年报告指出的问题已全部完成整改。",
    "针对上年度查找的问题，已制定清单逐项改进。",
]
_S5 = [
    "一是公开内容不够全面，部分领域信息更新不及时。",
    "二是政策解读形式单一，解读质量有待提高。",
    "三是工作人员业务能力不足，对公开流程熟悉程度不够。",
    "四是公开平台互动功能薄弱，群众参与度不高。",
    "五是村务公开栏内容陈旧，部分信息没有及时更新。",
    "六是政策解读与文件同步发布的比例偏低。",
    "七是依申请公开答复文书格式不够规范。",
    "八是信息发布前的保密审查记录不够完整。",
    "下一步，我{kind}将加强业务培训，提升工作人员能力。",
    "今后将进一步完善公开制度，规范公开流程，确保信息及时准确。",
    "改进措施包括丰富解读形式，加强与群众的互动交流。",
    "将加强对各村公开工作的指导和检查，推动问题整改落实。",
    "改进情况：建立信息更新台账，明确每个栏目的责任人和更新时限。",
    "今后将推行政策文件与解读材料同步起草、同步审签、同步发布。",
    "下一步将统一依申请公开答复文书模板，规范告知内容。",
    "改进措施还包括完善保密审查登记，做到每条信息有记录可查。",
]


def section_texts(body: str, year: int, new_applications: Optional[float]) -> dict[int, str]:
    """Plausible text for the six sections, varied by body and year."""
    rnd = random.Random(f"{body}/{year}")
    kind = "镇"
    one = rnd.sample(_S1, 3) + [rnd.choice(pair) for pair in _TOPICS]
    if new_applications is not None:
        one.insert(2, f"{year}年，本{kind}共收到政府信息公开申请{int(new_applications)}件，均按时答复。")
    problems = rnd.sample(_S5[:8], 3)
    fixes = [rnd.choice(_LAST_YEAR)] + rnd.sample(_S5[8:], 3)
    return {
        1: "".join(s.format(kind=kind) for s in one),
        2: "主动公开政府信息情况见下表。",
        3: "收到和处理政府信息公开申请情况见下表。",
        4: "政府信息公开行政复议、行政诉讼情况见下表。",
        5: "存在的主要问题：" + "".join(problems) + "改进情况：" + "".join(s.format(kind=kind) for s in fixes),
        6: f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。{year}年度，本{kind}未收取信息处理费。",
    }


def make_report(cells: Optional[dict] = None, *, year: Optional[int] = 2023, body: str = "群科镇",
                template: Optional[str] = forms.FORM_2021, title: Optional[str] = None,
                texts: Optional[dict] = None, missing_sections=(), section_order=None,
                tables_found: Optional[dict] = None, notes: Optional[list] = None,
                file: Optional[str] = None, extra_text: str = "", error: Optional[str] = None) -> ParsedReport:
    """A ParsedReport for rule tests.

    ``cells`` maps (table, row, column) to a number, ``BLANK``, ``MISSING`` or
    ``unreadable(raw)``; every other cell of the 2021 form is 0. ``texts`` overrides section
    texts by number; ``missing_sections`` lists sections not found; ``section_order`` gives
    the document order of the sections (default 1..6); ``extra_text`` is appended to the
    whole text.
    """
    cells = dict(cells or {})
    unknown = [k for k in cells if k not in forms.CELL_KEYS_2021 and k not in _cells_2019()]
    assert not unknown, f"unknown cells in test: {unknown}"
    keys = [(c.table, c.row, c.column) for c in forms.ALL_CELLS_2021]
    if template == forms.FORM_2019:
        keys += [k for k in _cells_2019() if k not in forms.CELL_KEYS_2021]
    rows = []
    for key in keys:
        spec = cells.get(key, 0)
        if template == forms.FORM_2019 and key not in _cells_2019() and key not in cells:
            spec = MISSING  # a 2021-only cell on a trial-form report
        if spec is BLANK:
            value, raw, status = math.nan, "", "blank"
        elif isinstance(spec, tuple):
            (status, raw), value = spec, math.nan
        else:
            value, raw, status = float(spec), str(spec), "ok"
        form = forms.FORM_2021 if key in forms.CELL_KEYS_2021 else forms.FORM_2019
        rows.append(dict(table=key[0], row=key[1], column=key[2], value=value, raw=raw, page=1,
                         status=status, form=form, confidence=None, bbox=None))
    values = pd.DataFrame(rows, columns=VALUE_COLUMNS)

    new = cells.get(("三", "一、本年新收政府信息公开申请数量", "总计"), 0)
    new = new if isinstance(new, (int, float)) else None
    st = section_texts(body, year or 2023, new)
    st.update(texts or {})
    order = list(section_order or range(1, 7))
    sections = {}
    highest = 0
    for n in order:
        s = forms.SECTIONS[n - 1]
        found = n not in missing_sections
        sections[n] = SectionText(n, found, s.heading if found else "", st[n] if found else "", 1 if found else None)
        if hasattr(sections[n], "in_order"):
            sections[n].in_order = n > highest  # as the extractor marks a heading after a later one
        highest = max(highest, n) if found else highest
    if title is None:
        title = f"{body}{year}年政府信息公开工作年度报告" if year else f"{body}政府信息公开工作年度报告"
    text = "\n".join([title] + [f"{sections[n].heading}\n{sections[n].text}" for n in order if sections[n].found])
    text += extra_text
    tf = {"二": True, "三": True, "四": True}
    tf.update(tables_found or {})
    note_frame = pd.DataFrame(notes or [], columns=FINDING_COLUMNS)
    return ParsedReport(
        file=file or f"{body}_{year}.txt", sha256=f"sha-{body}-{year}", format="text", body=body, year=year,
        year_source="title" if year else None, template=template, title=title, sections=sections,
        values=values, notes=note_frame, text=text, tables_found=tf, error=error,
    )


def _cells_2019() -> frozenset:
    from parsing.rules import expected_cells

    return frozenset((c.table, c.row, c.column) for c in expected_cells(forms.FORM_2019))
