"""Parse notes as a table: what the parser tells the reviewer about how it read a report.

Each note is a row of :data:`NOTES` (code, severity, Chinese message template, description), like the
rules in :mod:`parsing.rules`; :class:`Notes` collects them per report in the findings shape, and the
catalogue (``docs/rules.md``) lists every one. A note that is not in the table cannot be written.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..report import FINDING_COLUMNS, object_frame


@dataclass(frozen=True)
class NoteDef:
    code: str
    severity: str  # "error" | "warning" | "info"
    message: str  # str.format template over the note's parameters
    description: str


NOTES: tuple[NoteDef, ...] = (
    NoteDef("PARSE-READER", "warning", "{message}",
            "读取文件时遇到的问题（页面损坏、编码无法确定、表格结构异常等），内容由各格式的读取器给出。"),
    NoteDef("PARSE-SCANNED-PAGES", "warning", "第{pages}页没有文字层（可能是扫描图片），其中内容未能读取。",
            "PDF 中没有文字层、也未能由文字识别读出的页面。"),
    NoteDef("PARSE-TEMPLATE", "warning", "未能判断报告使用的格式版本，按2021年格式读取。",
            "报告中没有任何只属于某一版格式的表头或行名，按2021年格式读取。"),
    NoteDef("PARSE-FORM-2019", "info",
            "本报告使用2019年试行格式：表三“（六）其他处理”只有一行，2021年格式的三个子项为空；"
            "表二中2019年格式特有的单元格按其原标签列出。",
            "报告使用2019年试行格式；其单元格对应到2021年格式，试行格式特有的单元格按原标签列出。"),
    NoteDef("PARSE-HYBRID", "warning", "{what}按{used}印制，与报告其余部分的{form}不同，已按所印格式读取。",
            "同一份报告中部分表格（或表格的一部分）使用了另一版格式，例如2021年格式的报告中表三“（六）其他处理”只有一行。"
            "这些单元格按所印格式的标签列出，不会丢弃。"),
    NoteDef("PARSE-LABEL", "warning", "表{table}中的“{printed}”与官方标签“{official}”不一致，已按“{official}”读取。",
            "表格中的行名或列名与官方标签有错字、漏字或多字，按最接近的官方标签读取。"),
    NoteDef("PARSE-LABEL-REMARK", "info", "表二“{caption}”的表头“{printed}”在官方表头“{official}”之外附加了说明。",
            "表头在官方文字之外加了括号说明（如单位）。"),
    NoteDef("PARSE-SHORT-ROW", "warning",
            "表{table}“{leaf}”行只有{found}个数值，应有{n}列，无法确定各数值所属的列，该行按无法读取处理（原文：{raw}）。",
            "一行的数值少于应有的列数，又没有单元格边界或位置可以判断每个数属于哪一列：该行不猜测，按无法读取处理。"),
    NoteDef("PARSE-LONG-ROW", "warning",
            "表{table}“{leaf}”行的数值多于{n}列，无法确定各数值所属的列，该行按无法读取处理（原文：{raw}）。",
            "一行的数值多于应有的列数（常见于相邻两行粘连），该行按无法读取处理。"),
    NoteDef("PARSE-ALIGN", "warning", "表{table}“{leaf}”行的空单元格位置不确定，部分单元格按无法读取处理（原文：{raw}）。",
            "一行中有空白单元格，其位置不能确定时，受影响的单元格按无法读取处理。"),
    NoteDef("PARSE-POSITION", "info", "表{table}“{leaf}”行的数值少于列数，已按各数值在页面上的位置对应到“{columns}”列。",
            "没有表格线的表格中，一行的数值少于列数时，按数值与同一表格完整行各列的水平位置对应；位置不能明确对应时按无法读取处理。"),
    NoteDef("PARSE-RUN-TOGETHER", "warning", "表{table}“{leaf}”行的数字连在一起印出（原文“{raw}”），{how}。",
            "数字紧跟在行名后、彼此之间没有分隔（如“规章000”）：只有唯一一种拆分方式时（如“000”只能是0、0、0）按其读取，否则按无法读取处理。"),
    NoteDef("PARSE-CUT-OFF", "warning",
            "文件在表{table}“{leaf}”行中间结束（文件可能不完整），只读取了印出的前{k}个单元格（共{n}列），其余按缺失处理。",
            "文件（或网页内容）在表格中间中断：最后一行有单元格分隔时，已印出的单元格按顺序对应前几列，其余单元格按缺失处理，"
            "未写完的最后一个单元格不读取。"),
    NoteDef("PARSE-UNREADABLE", "warning", "表{table}“{leaf}”行“{column}”列：{problem}（原文“{raw}”），按无法读取处理。",
            "单元格中不是数字（例如“无”），按无法读取处理，不按0计。"),
    NoteDef("PARSE-UNIT", "info", "表{table}“{leaf}”行“{column}”列{problem}（原文“{raw}”），已取其数值。",
            "单元格中的数字带单位或以汉字书写，已取其数值。"),
    NoteDef("PARSE-DUPLICATE-ROW", "warning", "表{table}的“{leaf}”行出现了不止一次，只采用第一次出现的数值。",
            "同一行在表格中出现了两次以上。"),
    NoteDef("PARSE-DUPLICATE-DIFFERS", "warning",
            "表{table}的“{leaf}”行出现了不止一次且数值不同（采用：{used}；另一处：{other}），请核对。",
            "同一行出现两次以上且数值不一致，采用表格中完整读出的一处，并列出另一处。"),
    NoteDef("PARSE-SOURCES-DISAGREE", "warning",
            "表{table}“{leaf}”行“{column}”列：表格读出“{grid}”，按文字顺序读出“{text}”，两者不一致，采用表格读出的值，请核对原文。",
            "PDF 中表格结构与文字顺序两种读法得到不同的数，采用表格结构读出的值，并提示核对。"),
    NoteDef("PARSE-FROM-TEXT", "info", "表{table}“{leaf}”行未能从表格结构中读出，已按文字顺序读取。",
            "表格结构中缺少的行，按页面文字顺序读出。"),
    NoteDef("PARSE-UNKNOWN-ROW", "info", "表{table}中有不属于官方格式的行“{printed}”，其数值未读取。",
            "表格中多出官方格式没有的行（例如自行增加的子项），其数值不计入任何单元格。"),
    NoteDef("PARSE-ROW-MISSING", "warning", "表{table}中没有找到“{leaf}”行。",
            "找到的表格中缺少官方格式的某一行。"),
    NoteDef("PARSE-COLUMN-MISSING", "warning", "表三缺少“{column}”列，该列各单元格为空（不按0计）。",
            "表三的表头缺少某一列。"),
)
NOTES_BY_CODE = {n.code: n for n in NOTES}


class Notes:
    """Collects one report's parse notes in the findings shape (rule ids PARSE-…)."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, code: str, table=None, row=None, column=None, section=None, expected=None, actual=None,
            **params):
        """Record note ``code`` (a row of :data:`NOTES`) with its message formatted from ``params``."""
        d = NOTES_BY_CODE[code]
        fields = dict(table=table, row=row, column=column, expected=expected, actual=actual)
        message = d.message.format(**{**{k: v for k, v in fields.items() if v is not None}, **params})
        self.rows.append(dict(rule=code, severity=d.severity, message=message, table=table, row=row,
                              column=column, section=section, expected=expected, actual=actual))

    def codes(self) -> list[str]:
        return [r["rule"] for r in self.rows]

    def frame(self) -> pd.DataFrame:
        """The notes as a frame of object columns, each holding what ``pd.DataFrame(rows).astype(object)``
        holds (:meth:`frame_by_rows`), made column by column: a column of text (or text and None) keeps its
        strings with NaN for None, whole numbers stay ints (floats with NaN once a None is among them),
        an empty column is None; a column of any other mix is left to pandas."""
        rows = self.rows
        if not rows:
            return self.frame_by_rows()
        data = {}
        for c in FINDING_COLUMNS:
            col = _object_column([r[c] for r in rows])
            if col is None:
                return self.frame_by_rows()
            data[c] = col
        return object_frame(data, FINDING_COLUMNS)

    def frame_by_rows(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=FINDING_COLUMNS).astype(object)


_NAN = float("nan")
_INT64 = 2 ** 63


def _object_column(vals: list):
    """An object array of what pandas' inference and ``astype(object)`` make of ``vals``; None where the mix
    of types is not one of the plain cases below."""
    kinds = {type(v) for v in vals}
    kinds.discard(type(None))
    out = np.empty(len(vals), dtype=object)
    if not kinds:
        out[:] = vals
    elif kinds == {str}:
        out[:] = [_NAN if v is None else v for v in vals]
    elif kinds == {int}:
        if not all(v is None or -_INT64 <= v < _INT64 for v in vals):
            return None
        out[:] = vals if len(kinds) == 1 and None not in vals else [_NAN if v is None else float(v) for v in vals]
    elif kinds <= {int, float}:
        if not all(v is None or type(v) is float or -_INT64 <= v < _INT64 for v in vals):
            return None
        out[:] = [_NAN if v is None else float(v) for v in vals]
    else:
        return None
    return out
