"""Reports that governments actually published read right: body, year and every cell the text shows.

The fixtures in ``tests/fixtures/real/`` are public documents (a WPS-exported PDF, an HTML page and page
texts as stored from the web, many provinces, both forms), with their truth read by hand in
``index.json``. Every truth cell must come back with its value; the few the text itself leaves
ambiguous are listed in KNOWN below with the reason, and must stay unread (never a wrong number).
"""
import json
import math
import re
from pathlib import Path

import pytest

from parsing import parse_path

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
INDEX = json.loads((REAL / "index.json").read_text(encoding="utf-8"))
FOLD = str.maketrans({"(": "（", ")": "）", " ": "", "\u3000": ""})

# (file, table, row, column) -> why the text does not say which number the cell holds
KNOWN = {
    ("006.txt", "二", "第二十条第（九）项/政府集中采购", "采购项目数量"):
        "the excerpt is cut off right after the row: '0', '0', '20' (the start of the next line) are three "
        "numbers for two cells, with nothing to tell which two are the row's",
    ("006.txt", "二", "第二十条第（九）项/政府集中采购", "采购总金额"): "same row as above",
    **{("113.txt", "三", "三、本年度办理结果/（二）部分公开（区分处理的，只计这一情形，不计其他情形）", c):
       "the excerpt ends inside the row: six numbers one a line, then the text stops; in a row without cell "
       "boundaries six numbers for seven columns do not say which column is empty"
       for c in ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")},
    **{("117.txt", "三", "三、本年度办理结果/（三）不予公开/1.属于国家秘密", c):
       "the excerpt ends with '2' (the first character of the next row's label) right after the row's seven "
       "numbers: eight numbers for seven columns, nothing in the text says the last is not a value"
       for c in ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")},
}
KNOWN_BODY = {
    "211.txt": "the bureau is named only as the website the information went on ('在句容市住房和城鄉建設局官網上'), "
               "never as the subject or the author of the report",
    "109.txt": "a flip-book page: the body is named only in the viewer's page header '2020年报_审计局', a site-title "
               "suffix of the kind that is never taken as the body",
    "014.txt": "the excerpt names the body only inside '包括七里乡政府规范性文件' (a noun phrase, not a subject "
               "or a title); the page's title is not in the excerpt",
}


def _num(v):
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    m = re.search(r"-?\d+(?:\.\d+)?", str(v).replace(",", ""))
    return float(m.group()) if m else None


@pytest.fixture(scope="module")
def parsed():
    return {e["file"]: parse_path(REAL / e["file"]) for e in INDEX}


@pytest.mark.parametrize("entry", INDEX, ids=[e["file"] for e in INDEX])
def test_real_report_reads_its_truth(entry, parsed):
    rep = parsed[entry["file"]]
    assert rep.error is None, rep.error
    truth = entry["truth"]
    if truth.get("body_core") and entry["file"] not in KNOWN_BODY:
        wanted = [truth["body_core"], *truth.get("body_alts", [])]
        assert rep.body and any(w in rep.body for w in wanted), (rep.body, wanted, rep.body_source)
    assert rep.year == truth["year"], (rep.year, rep.year_source)
    got = {(r.table, r.row.translate(FOLD), r.column.translate(FOLD)): r for r in rep.values.itertuples()}
    wrong, unread = [], []
    for table, row, column, want in truth["cells"]:
        r = got.get((table, row.translate(FOLD), column.translate(FOLD)))
        value = None if r is None or (isinstance(r.value, float) and math.isnan(r.value)) else float(r.value)
        if (entry["file"], table, row, column) in KNOWN:
            assert value is None, f"{row}/{column}: {KNOWN[(entry['file'], table, row, column)]}"
            continue
        if value is None:
            unread.append((row, column, want, None if r is None else r.status))
        elif value != _num(want):
            wrong.append((row, column, want, value))
    assert not wrong, wrong[:5]
    assert not unread, unread[:5]


def test_known_misses_are_still_misses_of_real_truth():
    """Every entry of KNOWN is a cell of some report's truth (no stale excuses)."""
    cells = {(e["file"], t, r, c) for e in INDEX for t, r, c, _ in e["truth"]["cells"]}
    assert set(KNOWN) <= cells
    assert set(KNOWN_BODY) <= {e["file"] for e in INDEX if e["truth"].get("body_core")}
