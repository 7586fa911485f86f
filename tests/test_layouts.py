"""Whatever the text layout, a report parses to exactly the values put in.

Reports with distinct random numbers are rendered in the seeds' layouts (tab rows with
merged-label fragments and extra tabs, one cell per line with broken labels, Markdown pipes),
so a value landing in a wrong column shows up as a wrong number.
"""
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsing import parse_bytes
from tests.report_factory import random_values, render

LAYOUTS = ["tabs", "cells", "pipes"]


def _parsed(values, layout, seed, encoding="utf-8"):
    rng = random.Random(seed)
    text = render(values, layout, rng)
    rep = parse_bytes(text.encode(encoding), f"synthetic_{layout}.txt")
    assert rep.error is None, rep.error
    got = {(r.table, r.row, r.column): r for r in rep.values.itertuples(index=False)}
    return rep, got


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), layout=st.sampled_from(LAYOUTS))
def test_filled_report_parses_to_the_same_values(seed, layout):
    values = random_values(random.Random(seed))
    rep, got = _parsed(values, layout, seed)
    assert len(got) == 200
    wrong = {k: (v, got[k].value) for k, v in values.items() if got[k].value != v}
    assert not wrong, f"{layout}: {list(wrong.items())[:5]}"
    assert rep.body == "测试镇" and rep.year == 2023 and rep.template == "2021"
    assert all(rep.sections_found().values())
    # the official labels are printed, so no label or column note (captions on lines of their own included)
    assert rep.notes.empty, rep.notes.message.tolist()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), layout=st.sampled_from(LAYOUTS))
def test_blank_cells_stay_blank_and_never_shift(seed, layout):
    """With blanks, a cell is either read right or left null as unreadable: never a wrong number."""
    values = random_values(random.Random(seed), blank_rate=0.15)
    _, got = _parsed(values, layout, seed)
    for k, v in values.items():
        g = got[k]
        if v is None:
            assert math.isnan(g.value), (k, g)
            assert g.status in ("blank", "unreadable"), (k, g)
        else:
            assert g.value == v or (math.isnan(g.value) and g.status == "unreadable"), (k, v, g)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gbk_encoded_report_reads_the_same(layout):
    values = random_values(random.Random(7))
    _, got = _parsed(values, layout, 7, encoding="gbk")
    assert all(got[k].value == v for k, v in values.items())
