"""What the issue says about each real seed, checked against the sample text files directly."""
import json
import math
import subprocess
import sys
from pathlib import Path

from parsing import parse_bytes, parse_path
from parsing.readers import EXTENSIONS

ROOT = Path(__file__).resolve().parent.parent
S = ROOT / "sample_reports"


def val(rep, table, row, col):
    hit = rep.values[(rep.values.table == table) & (rep.values.row == row) & (rep.values.column == col)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_000_body_year_from_text_and_normative_documents():
    rep = parse_path(S / "000_f2cddb79f4434941.txt")
    assert rep.body == "群科镇" and rep.year == 2023 and rep.year_source == "text"
    row = "第二十条第（一）项/行政规范性文件"
    assert [val(rep, "二", row, c).value for c in ("本年制发件数", "本年废止件数", "现行有效件数")] == [6, 0, 6]
    assert rep.year_source == "text"


def test_003_review_cells_blank_and_lawsuit_cells_zero():
    rep = parse_path(S / "003_f33e39129a8130ac.txt")
    assert rep.body == "寨科乡" and rep.region == "原州区" and rep.year == 2023
    for col in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"):
        c = val(rep, "四", "行政复议", col)
        assert math.isnan(c.value) and c.status == "blank"
        for group in ("行政诉讼/未经复议直接起诉", "行政诉讼/复议后起诉"):
            assert val(rep, "四", group, col).value == 0


def test_004_label_typo_missing_total_and_short_rows():
    rep = parse_path(S / "004_19df153a773c7689.txt")
    notes = rep.notes
    typo = notes[notes.rule == "PARSE-LABEL"]
    assert list(typo.actual) == ["本年度止件数"] and list(typo.expected) == ["本年废止件数"]
    assert list(notes[notes.rule == "PARSE-COLUMN-MISSING"].column) == ["总计"]
    short = notes[notes.rule == "PARSE-SHORT-ROW"]
    assert len(short) == 19  # every sub-item row of （三）–（六） prints 5 numbers for 6 columns
    # no value lands in a wrong column: the short rows are null, the 总计 column is null
    v = rep.values
    assert v[(v.table == "三") & (v.column == "总计")].value.isna().all()
    for row in short.row:
        assert v[(v.table == "三") & (v.row == row)].value.isna().all()
    assert val(rep, "三", "一、本年新收政府信息公开申请数量", "自然人").value == 0
    assert val(rep, "二", "第二十条第（一）项/规章", "本年废止件数").value == 0


def test_cli_json_prints_one_line_per_file_with_all_200_cells():
    files = [p for p in S.iterdir() if p.suffix.lower() in EXTENSIONS]  # the seeds (not the demo county below)
    out = subprocess.run([sys.executable, "-m", "parsing", *map(str, sorted(files)), "--json", "--jobs", "1"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout.splitlines()
    assert len(out) == len(files)
    for line in out:
        d = json.loads(line)
        assert set(d) == {"file", "body", "region", "year", "template", "title", "sections", "values",
                          "findings", "error"}
        if d["error"] is None:
            counts = {t: sum(1 for v in d["values"] if v["table"] == t) for t in "二三四"}
            assert counts == {"二": 10, "三": 175, "四": 15}, d["file"]
            assert all(set(v) == {"table", "row", "column", "value", "page"} for v in d["values"])


def test_cli_gives_a_line_for_a_bad_file_and_goes_on(tmp_path):
    (tmp_path / "a_empty.pdf").write_bytes(b"")
    (tmp_path / "b_random.pdf").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "c.txt").write_bytes((S / "000_f2cddb79f4434941.txt").read_bytes())
    out = subprocess.run([sys.executable, "-m", "parsing", str(tmp_path), "--json"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout.splitlines()
    got = [json.loads(x) for x in out]
    assert [Path(d["file"]).name for d in got] == ["a_empty.pdf", "b_random.pdf", "c.txt"]
    assert got[0]["error"] and got[1]["error"] and got[2]["error"] is None
    assert all("\u4e00" <= ch <= "\u9fff" for ch in got[0]["error"][:2])


def test_a_row_the_report_lacks_is_noted_and_missing_not_zero():
    text = (S / "000_f2cddb79f4434941.txt").read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if "2. 重复申请" in ln)
    rep = parse_bytes(text.replace(line + "\n", "").encode("utf-8"), "cut.txt")
    row = "三、本年度办理结果/（五）不予处理/2.重复申请"
    notes = rep.notes[rep.notes.rule == "PARSE-ROW-MISSING"]
    assert list(notes.row) == [row]
    cells = rep.values[(rep.values.table == "三") & (rep.values.row == row)]
    assert len(cells) == 7 and (cells.status == "missing").all() and cells.value.isna().all()
