"""The 2019 trial form: 《中华人民共和国政府信息公开工作年度报告格式（试行）》, 国办公开办函〔2019〕60号
(reports for 2019 and 2020).

Tables 三 and 四 are those of the 2021 form except that 三 has a single （六）其他处理 row; table 二 has its
own sub-tables (项目数量 and 增/减 instead of 制发/废止/现行有效, plus 第二十条第（九）项 政府集中采购).
"""
from __future__ import annotations

from . import form_2021 as f21
from .base import Form, RowDef, SubTable

ID = "2019"
NAME = "2019年试行格式（国办公开办函〔2019〕60号）"

ROW_三_OTHER = RowDef(f"{f21.R3}/（六）其他处理", "（六）其他处理", f21.R3, "其他处理")
ROWS_三: tuple[RowDef, ...] = tuple(
    [r for r in f21.ROWS_三 if not r.key.startswith(f"{f21.R3}/（六）其他处理/")][:-2]
    + [ROW_三_OTHER]
    + list(f21.ROWS_三[-2:])
)
assert len(ROWS_三) == 23

SUBTABLES_二: tuple[SubTable, ...] = (
    SubTable("第二十条第（一）项", ("规章", "规范性文件"), ("本年新制作数量", "本年新公开数量", "对外公开总数量")),
    SubTable("第二十条第（五）项", ("行政许可", "其他对外管理服务事项"), ("上一年项目数量", "本年增/减", "处理决定数量")),
    SubTable("第二十条第（六）项", ("行政处罚", "行政强制"), ("上一年项目数量", "本年增/减", "处理决定数量")),
    SubTable("第二十条第（八）项", ("行政事业性收费",), ("上一年项目数量", "本年增/减")),
    SubTable("第二十条第（九）项", ("政府集中采购",), ("采购项目数量", "采购总金额")),
)

# 2019 cell -> its 2021 counterpart (table 二). Cells not listed have none.
COUNTERPARTS = {
    ("二", "第二十条第（五）项/行政许可", "处理决定数量"): ("二", "第二十条第（五）项/行政许可", "本年处理决定数量"),
    ("二", "第二十条第（六）项/行政处罚", "处理决定数量"): ("二", "第二十条第（六）项/行政处罚", "本年处理决定数量"),
    ("二", "第二十条第（六）项/行政强制", "处理决定数量"): ("二", "第二十条第（六）项/行政强制", "本年处理决定数量"),
}

FORM = Form(
    id=ID,
    name=NAME,
    first_year=2019,
    subtables_二=SUBTABLES_二,
    rows_三=ROWS_三,
    rows_四=f21.ROWS_四,
    columns_三=f21.APPLICANT_COLUMNS,
    columns_四=f21.OUTCOME_COLUMNS,
    column_groups_三=f21.COLUMN_GROUPS_三,
    fingerprints=("本年新制作数量", "对外公开总数量", "其他对外管理服务事项", "上一年项目数量",
                  "第二十条第(九)项", "政府集中采购"),
    headers=f21.HEADERS,
    counterparts=COUNTERPARTS,
)
