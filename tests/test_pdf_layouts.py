"""PDF tables read right whatever their rules: ruled grids, a rule under every row, three-line tables, no
rules at all (columns from the header's and the complete rows' word positions), group labels printed
vertically, table 三 on a landscape page or over three pages with its header repeated, labels wrapped in
a narrow column. Every PDF is generated at test time with known values (tests/pdf_layouts.py)."""
import math
import random

import pytest

from parsing import parse_bytes
from tests.pdf_layouts import Layout, build_pdf, describe
from tests.report_factory import random_values

LAYOUTS = [
    Layout(), Layout(rules="rows"), Layout(rules="three"), Layout(rules="none"),
    Layout(vertical=True), Layout(vertical=True, rules="none"),
    Layout(landscape=True), Layout(landscape=True, rules="none"),
    Layout(split=3), Layout(split=2, rules="three"),
    Layout(label_cm=2.2), Layout(label_cm=2.2, rules="rows"),
]
IDS = [describe(x).replace(" ", ",") for x in LAYOUTS]


def _parse(values, layout):
    rep = parse_bytes(build_pdf(values, layout), "测试镇2023年报.pdf")
    assert rep.error is None, rep.error
    return rep, {(r.table, r.row, r.column): r for r in rep.values.itertuples(index=False)}


@pytest.mark.parametrize("layout", LAYOUTS, ids=IDS)
def test_filled_tables_read_exactly(layout):
    values = random_values(random.Random(7))
    rep, got = _parse(values, layout)
    wrong = {k: (v, got[k].value) for k, v in values.items() if got[k].value != v}
    assert not wrong, list(wrong.items())[:5]
    assert rep.body == "测试镇" and rep.year == 2023 and rep.template == "2021"
    assert all(rep.sections_found().values())
    assert rep.notes.empty, rep.notes.message.tolist()


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("layout", LAYOUTS, ids=IDS)
def test_blank_cells_stay_blank_and_numbers_keep_their_column(layout, seed):
    """Where no rule separates the cells, a row with blanks is placed by where its numbers stand;
    a number never lands in another column, and a cell that cannot be placed is unreadable."""
    values = random_values(random.Random(seed), blank_rate=0.15)
    rep, got = _parse(values, layout)
    for k, v in values.items():
        g = got[k]
        if v is None:
            assert math.isnan(g.value) and g.status in ("blank", "unreadable"), (k, g)
        else:
            assert g.value == v or (math.isnan(g.value) and g.status == "unreadable"), (k, v, g)
    read = sum(1 for k, v in values.items() if v is not None and got[k].value == v)
    assert read >= 0.97 * sum(1 for v in values.values() if v is not None), describe(layout)
    if layout.rules == "none":
        assert "PARSE-POSITION" in set(rep.notes.rule), "rows with blanks were placed by position"
