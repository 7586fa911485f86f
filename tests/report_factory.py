"""Render a report with known values into the text layouts real reports use.

Used by the layout tests: whatever the layout, parsing must give back exactly the values put in.
Layouts follow the seeds: ``tabs`` (tab-separated rows, merged-label fragments, extra tabs),
``cells`` (one cell per line, labels broken over lines) and ``pipes`` (Markdown tables).
"""
from __future__ import annotations

import random
from typing import Optional

from parsing import forms

HEAD = "{body}{year}年政府信息公开工作年度报告"
SECTIONS = [
    ("一、总体情况", "{year}年，{body}认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息。"),
    ("二、主动公开政府信息情况", None),
    ("三、收到和处理政府信息公开申请情况", None),
    ("四、政府信息公开行政复议、行政诉讼情况", None),
    ("五、存在的主要问题及改进情况", "存在的主要问题：公开内容不够全面。改进情况：下一步将加强培训。"),
    ("六、其他需要报告的事项", "本年度未收取信息处理费。统计期限为{year}年1月1日至{year}年12月31日。"),
]


def random_values(rng: random.Random, blank_rate: float = 0.0) -> dict:
    """A value (int, or None for a blank cell) for every cell of the 2021 form."""
    out = {}
    for c in forms.ALL_CELLS_2021:
        out[(c.table, c.row, c.column)] = None if rng.random() < blank_rate else rng.randint(0, 999)
    return out


def _fmt(v: Optional[int]) -> str:
    return "" if v is None else str(v)


def _rows_二(values):
    """Rows of the 二 grid: (kind, cells) with kind caption/header/data."""
    rows = []
    for st in forms.SUBTABLES_二_2021:
        rows.append(("caption", [st.caption]))
        rows.append(("header", ["信息内容", *st.columns]))
        for r in st.rows:
            rows.append(("data", [r] + [_fmt(values[("二", f"{st.caption}/{r}", c)]) for c in st.columns]))
    return rows


def _labels_三(rdef: forms.RowDef, first_in_group: bool) -> list[str]:
    """Three label cells as the Word form prints them (merged cells blank after their first row)."""
    if rdef.group == "":
        return [rdef.leaf, "", ""]
    parts = rdef.key.split("/")
    if len(parts) == 2:  # 三、本年度办理结果/（一）予以公开
        return ["三、本年度办理结果" if rdef.leaf.startswith("（一）") else "", rdef.leaf, ""]
    return ["", parts[1] if first_in_group else "", parts[2]]


def render(values: dict, layout: str, rng: random.Random, body="测试镇", year=2023) -> str:
    out = [HEAD.format(body=body, year=year), ""]
    for heading, text in SECTIONS:
        out += [heading, ""]
        if text:
            out += [text.format(body=body, year=year), ""]
        if heading.startswith("二"):
            out += _render_二(values, layout, rng)
        elif heading.startswith("三"):
            out += _render_三(values, layout, rng)
        elif heading.startswith("四"):
            out += _render_四(values, layout, rng)
        out.append("")
    return "\n".join(out)


def _emit(rows: list[list[str]], layout: str, rng: random.Random, width: int) -> list[str]:
    lines = []
    if layout == "pipes":
        for i, r in enumerate(rows):
            r = r + [""] * (width - len(r))
            lines.append("| " + " | ".join(r) + " |")
            if i == 0:
                lines.append("|" + "|".join(["---"] * width) + "|")
        return lines
    if layout == "cells":
        for r in rows:
            for c in r:
                if len(c) >= 4 and rng.random() < 0.3 and not c.isdigit():
                    k = rng.randint(2, len(c) - 1)
                    c = c[:k] + "\n" + c[k:]  # a label broken over lines
                lines.append("\t" + c)
            lines.append("")
        return lines
    for r in rows:  # tabs
        line = "\t".join(r)
        if rng.random() < 0.3:
            line += "\t"  # trailing tab padding
        lines.append(line)
    return lines


def _render_二(values, layout, rng):
    rows = [cells for _, cells in _rows_二(values)]
    return _emit(rows, layout, rng, 4) + [""]


def _render_三(values, layout, rng):
    cols = forms.APPLICANT_COLUMNS
    rows = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "", "申请人情况", "", "", "", "", "", ""],
        ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        ["", "", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
    ]
    seen_groups = set()
    for rdef in forms.ROWS_三_2021:
        first = rdef.group not in seen_groups
        seen_groups.add(rdef.group)
        labels = _labels_三(rdef, first)
        nums = [_fmt(values[("三", rdef.key, c)]) for c in cols]
        if layout == "cells":
            labels = [x for x in labels if x] if rng.random() < 0.5 else labels
        elif layout == "tabs" and rng.random() < 0.3:
            labels = [x for x in labels if x]  # a row shifted left: merged label columns dropped
        rows.append(labels + nums)
    return _emit(rows, layout, rng, 10) + [""]


def _render_四(values, layout, rng):
    outs = forms.OUTCOME_COLUMNS
    rows = [
        ["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
        list(outs) + ["未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
        [""] * 5 + list(outs) + list(outs),
        [_fmt(values[("四", r.key, c)]) for r in forms.ROWS_四 for c in outs],
    ]
    return _emit(rows, layout, rng, 15) + [""]
