"""Reading one cell's text: numbers, blanks, units, numbers written in characters, words that are not numbers."""
import math

import pytest

from parsing import parse_bytes
from parsing.extract import cn_to_int, parse_value
from tests.report_factory import random_values, render


@pytest.mark.parametrize("text,value", [("十二", 12), ("零", 0), ("一百零五", 105), ("两千三百", 2300),
                                        ("壹万", 10000), ("十", 10), ("三千零八", 3008), ("一万二千", 12000)])
def test_numbers_written_in_characters(text, value):
    assert cn_to_int(text) == value
    assert parse_value(text)[:2] == (value, "ok")


@pytest.mark.parametrize("text", ["一二", "三、", "其他", "总计", ""])
def test_not_number_words(text):
    assert cn_to_int(text) is None


@pytest.mark.parametrize("text,status", [("", "blank"), ("—", "blank"), ("/", "blank"), ("无", "unreadable"),
                                         ("见附件", "unreadable"), ("12件", "ok"), ("1,234", "ok"), ("０", "ok")])
def test_cell_status(text, status):
    value, got, _ = parse_value(text)
    assert got == status
    assert (value is None) == (status != "ok")


def test_a_word_in_a_cell_is_unreadable_and_moves_nothing():
    import random

    values = random_values(random.Random(3))
    text = render(values, "tabs", random.Random(3))
    key = ("三", "一、本年新收政府信息公开申请数量", "科研机构")
    line = next(ln for ln in text.splitlines() if ln.startswith("一、本年新收"))
    cells = line.split("\t")
    idx = len(cells) - 7 + 2 if cells[-1] != "" else len(cells) - 8 + 2  # the 科研机构 cell
    assert cells[idx] == str(values[key])
    cells[idx] = "无"
    rep = parse_bytes(text.replace(line, "\t".join(cells)).encode(), "word.txt")
    got = {(r.table, r.row, r.column): r for r in rep.values.itertuples(index=False)}
    assert got[key].status == "unreadable" and math.isnan(got[key].value)
    assert all(got[k].value == v for k, v in values.items() if k != key)
    assert "PARSE-UNREADABLE" in set(rep.notes.rule)
