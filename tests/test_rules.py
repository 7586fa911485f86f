"""Rules: every rule has a report that breaks it and one that passes it; the table is well formed;
the catalogue matches the table; a broken rule becomes a finding; cross-report rules find the
right report and cell."""
from __future__ import annotations

import pathlib
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsing import forms, textsim
from parsing.report import FINDING_COLUMNS
from parsing.rules import (BATCH_COLUMNS, DEADLINE_ENV, RULES, RULES_BY_ID, Rule, badge, body_key, catalogue, check_batch,
                           check_report, fee_amounts, is_government, mask_id, valid_id_number, validate_rules)
from tests.rule_helpers import BLANK, MISSING, make_report, unreadable

ROOT = pathlib.Path(__file__).resolve().parents[1]

NEW = ("三", "一、本年新收政府信息公开申请数量")
CARRY_IN = ("三", "二、上年结转政府信息公开申请数量")
OPEN = ("三", "三、本年度办理结果/（一）予以公开")
TOTAL = ("三", "三、本年度办理结果/（七）总计")
CARRY_OUT = ("三", "四、结转下年度继续办理")
REVIEW = ("四", "行政复议")
SUIT_AFTER = ("四", "行政诉讼/复议后起诉")
RULES_ROW = ("二", "第二十条第（一）项/规章")
NORMATIVE = ("二", "第二十条第（一）项/行政规范性文件")
LICENCE = ("二", "第二十条第（五）项/行政许可", "本年处理决定数量")
PENALTY = ("二", "第二十条第（六）项/行政处罚", "本年处理决定数量")
FEE = ("二", "第二十条第（八）项/行政事业性收费", forms.FEE_COLUMN)
UNPAID = ("三", "三、本年度办理结果/（六）其他处理/2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请")


def published(when, body="群科镇", year=2023, source="page"):
    """A report in order that says it was published on ``when`` (ISO), as the reader or the reviewer gives it."""
    r = make_report(year=year, body=body)
    r.published, r.published_source = when, source
    return r


def with_deadline(setting, fn):
    """Run ``fn`` with the province's deadline set (the environment variable the rules read)."""
    import os

    old = os.environ.get(DEADLINE_ENV)
    os.environ[DEADLINE_ENV] = setting
    try:
        return fn()
    finally:
        if old is None:
            os.environ.pop(DEADLINE_ENV, None)
        else:
            os.environ[DEADLINE_ENV] = old


def cell(rowkey, column):
    return (*rowkey, column)


def row_cells(rowkey, **values):
    """All seven applicant columns of a 三 row (or five of a 四 row) from keyword values."""
    cols = forms.APPLICANT_COLUMNS if rowkey[0] == "三" else forms.OUTCOME_COLUMNS
    return {cell(rowkey, c): values.get(c, 0) for c in cols}


def run(report, previous=None):
    f = check_report(report, previous)
    assert list(f.columns) == FINDING_COLUMNS
    errors = f[f["message"].str.startswith("规则执行出错")]
    assert errors.empty, errors.to_dict("records")
    return f


def run_batch(reports):
    f = check_batch(reports)
    assert list(f.columns) == BATCH_COLUMNS
    errors = f[f["message"].str.startswith("规则执行出错")]
    assert errors.empty, errors.to_dict("records")
    return f


def of(findings, rule_id):
    return findings[findings["rule"] == rule_id]


def consistent(new=0, carry_in=0, opened=None, carry_out=0, column="自然人"):
    """三 cells where one applicant column holds figures and 总计 follows, all identities intact."""
    opened = new + carry_in - carry_out if opened is None else opened
    cells = {}
    for rowkey, x in ((NEW, new), (CARRY_IN, carry_in), (OPEN, opened), (TOTAL, opened), (CARRY_OUT, carry_out)):
        cells.update(row_cells(rowkey, **{column: x, "总计": x}))
    return cells


def series(body="官坡镇", years=(2021, 2022, 2023, 2024), broken=None, **kw):
    """One body's reports for several years with carry-over chained; ``broken`` = (year, column, value)."""
    out = []
    carry = 0
    for i, y in enumerate(years):
        new = 3 + i
        carry_out = i % 2
        cells = consistent(new=new, carry_in=carry, carry_out=carry_out)
        if broken and broken[0] == y:
            cells[cell(CARRY_IN, broken[1])] = broken[2]
        out.append(make_report(cells, year=y, body=body, **kw))
        carry = carry_out
    return out


# ---------------------------------------------------------------------------
# One failing and one passing case per rule
# ---------------------------------------------------------------------------

SAME_TEXT = {1: "我镇高度重视政府信息公开工作，" * 12, 5: "存在的问题是公开不够及时，下一步将加强培训和完善制度。" * 5}
FIVE_TOPICS = "我镇认真做好主动公开、依申请公开、政府信息管理、政府信息公开平台建设和监督保障各项工作。" * 3
FEE_NOTICE = "本年度向1名申请人发出收费通知，申请人逾期未缴费，未收取信息处理费。"
FEE_CHARGED = "本年度依据《政府信息公开信息处理费管理办法》收取信息处理费200元。"

CASES = {
    "STR-00": (lambda: run(make_report(error="文件“x.pdf”是空文件（0 字节），无法读取。")), lambda: run(make_report())),
    "STR-01": (lambda: run(make_report(missing_sections=(5,))), lambda: run(make_report())),
    "STR-11": (lambda: run(make_report(section_order=[1, 2, 4, 3, 5, 6])), lambda: run(make_report())),
    "STR-02": (lambda: run(make_report(year=2022, template=forms.FORM_2019)),
               lambda: run(make_report(year=2020, template=forms.FORM_2019))),
    "STR-03": (lambda: run(make_report({LICENCE: MISSING})), lambda: run(make_report())),
    "STR-04": (lambda: run(make_report({cell((NEW[0], r.key), "总计"): MISSING for r in forms.ROWS_三_2021})),
               lambda: run(make_report())),
    "STR-05": (lambda: run(make_report({k: MISSING for k in row_cells(SUIT_AFTER)})), lambda: run(make_report())),
    "STR-06": (lambda: run(make_report(tables_found={"三": False})), lambda: run(make_report())),
    "STR-07": (lambda: run(make_report(extra_text="依据国办公开办函〔2019〕60号编制。")),
               lambda: run(make_report(year=2020, template=forms.FORM_2019, extra_text="依据国办公开办函〔2019〕60号编制。"))),
    "STR-08": (lambda: run(make_report(title="群科镇政府信息公开工作年度报告")), lambda: run(make_report())),
    "STR-10": (lambda: run(make_report(texts={6: "本报告统计期限为2022年1月1日至2022年12月31日。本年度未收取信息处理费。"})),
               lambda: run(make_report())),
    "STR-12": (lambda: run(make_report(year=None)), lambda: run(make_report())),
    "ARI-01": (lambda: run(make_report(row_cells(NEW, 自然人=1, 总计=1))),
               lambda: run(make_report(consistent(new=1)))),
    "ARI-02": (lambda: run(make_report({cell(OPEN, "商业企业"): 2})), lambda: run(make_report(consistent(new=2)))),
    "ARI-03": (lambda: run(make_report({**row_cells(NEW, 自然人=1, 总计=1), **row_cells(TOTAL, 自然人=1, 总计=1)})),
               lambda: run(make_report(consistent(new=1)))),
    "ARI-04": (lambda: run(make_report(row_cells(REVIEW, 结果维持=1))),
               lambda: run(make_report(row_cells(REVIEW, 结果维持=1, 总计=1)))),
    "ARI-05": (lambda: run(make_report({PENALTY: -1, LICENCE: 2.5})), lambda: run(make_report({PENALTY: 4, FEE: 0.35}))),
    "ARI-06": (lambda: run(make_report({k: BLANK for k in row_cells(REVIEW)})), lambda: run(make_report())),
    "ARI-13": (lambda: run(make_report({PENALTY: unreadable("若干")})), lambda: run(make_report())),
    "ARI-07": (lambda: run(make_report({cell(RULES_ROW, "本年制发件数"): 1, cell(RULES_ROW, "现行有效件数"): 1})),
               lambda: run(make_report({cell(RULES_ROW, "本年制发件数"): 1, cell(RULES_ROW, "现行有效件数"): 1},
                                       body="某市人民政府"))),
    "ARI-08": (lambda: run(make_report({cell(NORMATIVE, "本年制发件数"): 3, cell(NORMATIVE, "现行有效件数"): 1})),
               lambda: run(make_report({cell(NORMATIVE, "本年制发件数"): 3, cell(NORMATIVE, "现行有效件数"): 3}))),
    "ARI-09": (lambda: run(make_report({FEE: 25000})), lambda: run(make_report({FEE: 2.5}))),
    "ARI-12": (lambda: run(make_report(texts={1: "本年度共收到政府信息公开申请3件，均已按时答复。"})),
               lambda: run(make_report(consistent(new=3)))),
    "ARI-10": (lambda: run(make_report({cell(UNPAID, "自然人"): 1, cell(UNPAID, "总计"): 1})),
               lambda: run(make_report({cell(UNPAID, "自然人"): 1, cell(UNPAID, "总计"): 1}, texts={6: FEE_NOTICE}))),
    "ARI-11": (lambda: run(make_report(texts={6: FEE_CHARGED})), lambda: run(make_report({FEE: 0.02}, texts={6: FEE_CHARGED}))),
    "TXT-01": (lambda: run(make_report(texts={1: "我镇认真贯彻落实政府信息公开条例，" * 8})), lambda: run(make_report())),
    "TXT-02": (lambda: run(make_report(texts={1: FIVE_TOPICS})),
               lambda: run(make_report(texts={1: FIVE_TOPICS}, body="某县审计局"))),
    "TXT-04": (lambda: run(make_report(texts={5: SAME_TEXT[5]})), lambda: run(make_report())),
    "TXT-07": (lambda: run(make_report(texts={1: "我镇高度重视政府信息公开工作。"})), lambda: run(make_report())),
    "TXT-03": (lambda: run(make_report(texts={5: "我镇政务公开工作存在宣传不够、更新不及时等问题。"})),
               lambda: run(make_report())),
    "TXT-05": (lambda: run(make_report(texts={6: "无。"})), lambda: run(make_report(year=2020, template=forms.FORM_2019,
                                                                                   texts={6: "无。"}))),
    "TXT-06": (lambda: run(make_report(extra_text="联系人：张三，电话13812345678。")),
               lambda: run(make_report(extra_text="联系电话0371-12345678，文号202312345678901234。"))),
    "TXT-08": (lambda: run(make_report(texts={1: "2022年，我镇认真贯彻落实政府信息公开条例，不断推进政务公开工作。"})),
               lambda: run(make_report(texts={1: "我镇落实《2022年政务公开工作要点》。2024年，我镇将继续推进政务公开。"}))),
    "XYR-01": (lambda: run_batch(series(broken=(2023, "自然人", 5))), lambda: run_batch(series())),
    "XYR-02": (lambda: run_batch([make_report({cell(NORMATIVE, "本年制发件数"): 2, cell(NORMATIVE, "现行有效件数"): 2}, year=2022),
                                  make_report({cell(NORMATIVE, "本年制发件数"): 1, cell(NORMATIVE, "现行有效件数"): 1}, year=2023)]),
               lambda: run_batch([make_report({cell(NORMATIVE, "本年制发件数"): 2, cell(NORMATIVE, "现行有效件数"): 2}, year=2022),
                                  make_report({cell(NORMATIVE, "本年制发件数"): 1, cell(NORMATIVE, "现行有效件数"): 3}, year=2023)])),
    "XYR-03": (lambda: run_batch([make_report(year=2022, texts=SAME_TEXT), make_report(year=2023, texts=SAME_TEXT)]),
               lambda: run_batch([make_report(year=2022), make_report(year=2023)])),
    "XYR-04": (lambda: run_batch([make_report(body="甲镇", texts=SAME_TEXT), make_report(body="乙乡", texts=SAME_TEXT)]),
               lambda: run_batch([make_report(body="甲镇"), make_report(body="乙乡")])),
    "XYR-05": (lambda: run_batch([make_report({PENALTY: 12}, year=2022), make_report({PENALTY: 80}, year=2023)]),
               lambda: run_batch([make_report({PENALTY: 12}, year=2022), make_report({PENALTY: 50}, year=2023)])),
    "XYR-06": (lambda: run_batch([make_report(year=2021), make_report(year=2023)]),
               lambda: run_batch([make_report(year=2021), make_report(year=2022)])),
    "XYR-07": (lambda: run_batch([make_report(file="a.txt"), make_report({PENALTY: 3}, file="b.txt")]),
               lambda: run_batch([make_report(file="a.pdf"), make_report(file="a.docx")])),
    "PUB-01": (lambda: run(published("2024-02-05", body="某县审计局")),
               lambda: run(published("2024-01-31", body="某县审计局"))),
    "PUB-02": (lambda: run(published("2024-04-02", body="某县人民政府")),
               lambda: run(published("2024-03-31", body="某县人民政府"))),
    "PUB-03": (lambda: run(published("2024-02-05", body="群科镇")), lambda: run(published("2024-01-20", body="群科镇"))),
    "PUB-04": (lambda: with_deadline("01-15", lambda: run(published("2024-01-20", body="群科镇"))),
               lambda: with_deadline("02-20", lambda: run(published("2024-02-10", body="群科镇")))),
}


def test_every_rule_has_a_failing_and_a_passing_case():
    assert set(CASES) == set(RULES_BY_ID)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fails_on_a_report_that_breaks_it(rule_id):
    assert not of(CASES[rule_id][0](), rule_id).empty


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_on_a_report_that_keeps_it(rule_id):
    assert of(CASES[rule_id][1](), rule_id).empty


# ---------------------------------------------------------------------------
# Where findings point, and what they say
# ---------------------------------------------------------------------------


def test_report_in_order_has_no_finding_at_all():
    f = run(make_report(consistent(new=4, carry_in=1, carry_out=2)))
    assert f.empty
    assert badge(f) == {"label": "通过", "level": "pass", "error": 0, "warning": 0, "info": 0}


def test_identity_finding_names_cell_expected_and_actual():
    f = of(run(make_report(row_cells(REVIEW, 结果维持=2, 尚未审结=1, 总计=5))), "ARI-04")
    assert f[["table", "row", "column", "expected", "actual"]].to_dict("records") == [
        {"table": "四", "row": "行政复议", "column": "总计", "expected": 3, "actual": 5}]
    assert "总计为5" in f["message"].iloc[0]


def test_column_identity_points_at_the_column():
    f = of(run(make_report(row_cells(NEW, 自然人=1, 总计=1))), "ARI-01")
    assert sorted(f["column"]) == ["总计", "自然人"]
    assert set(f["expected"]) == {1} and set(f["actual"]) == {0}


def test_blank_row_is_one_warning_and_its_identity_is_not_computed():
    # like seed 003: the 行政复议 cells are blank while the 行政诉讼 cells are 0
    f = run(make_report({k: BLANK for k in row_cells(REVIEW)}))
    blanks = of(f, "ARI-06")
    assert blanks[["table", "row", "column"]].to_dict("records") == [{"table": "四", "row": "行政复议", "column": None}]
    assert of(f, "ARI-04").empty


def test_blank_total_with_nonzero_parts_is_not_read_as_zero():
    cells = row_cells(REVIEW, 结果维持=2)
    cells[cell(REVIEW, "总计")] = BLANK
    f = run(make_report(cells))
    assert of(f, "ARI-04").empty
    assert of(f, "ARI-06")[["row", "column"]].to_dict("records") == [{"row": "行政复议", "column": "总计"}]


def test_missing_column_is_one_finding_not_twenty_five():
    # like seed 004: no 总计 column in table 三
    f = run(make_report({cell((NEW[0], r.key), "总计"): MISSING for r in forms.ROWS_三_2021}))
    missing = of(f, "STR-04")
    assert missing[["table", "row", "column"]].to_dict("records") == [{"table": "三", "row": None, "column": "总计"}]
    assert of(f, "ARI-02").empty and of(f, "ARI-06").empty


def test_missing_row_is_one_finding():
    f = of(run(make_report({k: MISSING for k in row_cells(SUIT_AFTER)})), "STR-05")
    assert f[["row", "column"]].to_dict("records") == [{"row": "行政诉讼/复议后起诉", "column": None}]


def test_table_without_numbers_is_one_warning_and_no_cell_findings():
    f = run(make_report({k: BLANK for k in forms.CELL_KEYS_2021 if k[0] == "三"}))
    assert of(f, "STR-06")["table"].tolist() == ["三"]
    assert of(f, "ARI-06").empty and of(f, "STR-04").empty


def test_table_missing_and_section_missing_is_a_structure_error():
    f = run(make_report(tables_found={"四": False}, missing_sections=(4,),
                        cells={k: MISSING for k in forms.CELL_KEYS_2021 if k[0] == "四"}))
    assert of(f, "STR-05")["table"].tolist() == ["四"]
    assert of(f, "STR-01")["section"].tolist() == [4]
    assert of(f, "STR-06").empty


def test_trial_form_report_is_checked_on_its_own_rows():
    other = ("三", "三、本年度办理结果/（六）其他处理")
    cells = consistent(new=2)
    cells.update({cell(OPEN, "自然人"): 1, cell(OPEN, "总计"): 1, cell(other, "自然人"): 1, cell(other, "总计"): 1})
    f = run(make_report(cells, year=2020, template=forms.FORM_2019))
    assert f.empty, f.to_dict("records")
    cells[cell(other, "自然人")] = 0
    cells[cell(other, "总计")] = 0
    f = run(make_report(cells, year=2020, template=forms.FORM_2019))
    assert of(f, "ARI-03")["column"].tolist() == ["自然人", "总计"]


def test_township_rules_row_cells_each_named():
    f = of(run(make_report({cell(RULES_ROW, "本年制发件数"): 2, cell(RULES_ROW, "现行有效件数"): 2},
                           body="城关街道办事处")), "ARI-07")
    assert f["column"].tolist() == ["本年制发件数", "现行有效件数"] and f["actual"].tolist() == [2, 2]


def test_fee_written_in_yuan_text_is_flagged():
    f = of(run(make_report({FEE: unreadable("251000元")})), "ARI-09")
    assert len(f) == 1 and "251000元" in f["message"].iloc[0]


def test_text_figures_unapplied_versus_table():
    f = of(run(make_report(consistent(new=2), texts={1: "我镇2023年度未收到政府信息公开申请。"})), "ARI-12")
    assert f[["expected", "actual", "section"]].to_dict("records") == [{"expected": 2, "actual": 0, "section": 1}]
    # seed 004's wording: 受理依申请公开政府信息 0 件
    assert of(run(make_report(texts={1: "2023 年全镇受理依申请公开政府信息 0 件。"})), "ARI-12").empty


def test_personal_data_is_masked():
    digits = "11010119900307123"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    idn = digits + "10X98765432"[sum(int(d) * w for d, w in zip(digits, weights)) % 11]
    assert valid_id_number(idn)
    bad = idn[:-1] + ("0" if idn[-1] != "0" else "1")
    assert not valid_id_number(bad)
    f = of(run(make_report(texts={5: SAME_TEXT[5] + f"申请人身份证号{idn}，手机13812345678。"})), "TXT-06")
    messages = " ".join(f["message"])
    assert mask_id(idn) in messages and "138****5678" in messages
    assert idn not in messages and "13812345678" not in messages
    assert f["section"].tolist() == [5, 5]
    assert of(run(make_report(extra_text=f"编号{bad}，流水号913812345678。")), "TXT-06").empty


def test_parse_notes_are_included():
    note = {"rule": "PARSE-LABEL", "severity": "warning", "message": "标签“本年度止件数”与官方文字“本年废止件数”不同",
            "table": "二", "row": "第二十条第（一）项/规章", "column": "本年废止件数", "section": 2,
            "expected": None, "actual": None}
    f = run(make_report(notes=[note]))
    assert f.to_dict("records") == [note]
    assert badge(f)["label"] == "有警告"


def test_badge_levels():
    assert badge(run(make_report(title="群科镇政府信息公开工作年度报告"))) == {
        "label": "通过", "level": "pass", "error": 0, "warning": 0, "info": 1}
    assert badge(run(make_report(row_cells(REVIEW, 结果维持=1))))["label"] == "有错误"
    assert badge(run(make_report(texts={6: "无。"})))["label"] == "有警告"


# ---------------------------------------------------------------------------
# The rules table itself
# ---------------------------------------------------------------------------


def test_rules_table_is_well_formed():
    assert validate_rules(RULES) == []


@pytest.mark.parametrize("change, problem", [
    (dict(severity="fatal"), "bad severity"),
    (dict(id="ARI-1"), "id must look like"),
    (dict(scope="folder"), "bad scope"),
    (dict(message="total mismatch"), "message must be a Chinese sentence"),
    (dict(message="总计{"), "bad message template"),
    (dict(cells=(("三", "（七）合计", "总计"),)), "unknown row"),
    (dict(cells=(("三", "三、本年度办理结果/（七）总计", "合计"),)), "unknown cell"),
    (dict(cells=(("五", None, None),)), "unknown table"),
    (dict(cells=(("四", None, "合计"),)), "unknown column"),
])
def test_malformed_rule_is_caught(change, problem):
    base = RULES_BY_ID["ARI-04"]
    fields = {k: getattr(base, k) for k in Rule.__dataclass_fields__}
    fields.update(change)
    problems = validate_rules([Rule(**fields)])
    assert any(problem in p for p in problems), problems


def test_duplicate_rule_id_is_caught():
    assert any("duplicate id" in p for p in validate_rules(list(RULES) + [RULES_BY_ID["ARI-01"]]))


def test_rule_that_raises_becomes_a_finding_not_a_crash():
    def broken(ctx):
        raise KeyError("总计")

    def bad_cell(ctx):
        yield dict(table="三", row="（七）合计", column="总计")

    rules = [Rule("ARI-98", "warning", "不会出现", "测试用的坏规则", "report", broken),
             Rule("ARI-99", "info", "不会出现", "测试用的坏规则", "report", bad_cell)] + list(RULES)
    f = check_report(make_report(), rules=rules)
    bad = f[f["message"].str.startswith("规则执行出错")]
    assert bad[["rule", "severity"]].to_dict("records") == [{"rule": "ARI-98", "severity": "error"},
                                                           {"rule": "ARI-99", "severity": "error"}]
    assert len(f) == 2  # the other rules still ran, and found nothing


def test_catalogue_in_docs_matches_the_rules_table():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert text == catalogue(), "docs/rules.md is stale: run  python -m parsing.rules --catalogue > docs/rules.md"
    for r in RULES:
        assert f"| {r.id} |" in text


# ---------------------------------------------------------------------------
# Across reports
# ---------------------------------------------------------------------------


def test_one_broken_carry_over_gives_exactly_one_cross_year_finding():
    reports = series(broken=(2023, "商业企业", 2))
    random.Random(3).shuffle(reports)  # folder order is not year order
    f = run_batch(reports)
    assert len(f) == 1, f.to_dict("records")
    got = f.iloc[0]
    assert (got["rule"], got["file"], got["table"], got["row"], got["column"], got["expected"], got["actual"]) == (
        "XYR-01", "官坡镇_2023.txt", "三", "二、上年结转政府信息公开申请数量", "商业企业", 0, 2)


def test_same_body_under_two_names():
    a = make_report(consistent(new=3, carry_out=1), year=2023, body="官坡镇")
    b = make_report(consistent(new=3, carry_in=2, carry_out=0), year=2024, body="官坡镇人民政府")
    assert body_key(a) == body_key(b)
    f = run_batch([b, a])
    assert f[["rule", "file", "column"]].to_dict("records") == [
        {"rule": "XYR-01", "file": b.file, "column": "自然人"}, {"rule": "XYR-01", "file": b.file, "column": "总计"}]


def test_check_report_with_previous_runs_pairwise_rules():
    prev = make_report(consistent(new=3, carry_out=1), year=2023)
    cur = make_report(consistent(new=3, carry_in=0), year=2024)
    f = of(run(cur, prev), "XYR-01")
    assert f["column"].tolist() == ["自然人", "总计"]
    assert of(run(cur), "XYR-01").empty


def test_copied_report_finding_is_on_the_later_year():
    f = of(run_batch([make_report(year=2023, texts=SAME_TEXT, file="b.txt"),
                      make_report(year=2022, texts=SAME_TEXT, file="a.txt")]), "XYR-03")
    assert f["file"].tolist() == ["b.txt"] and f["actual"].iloc[0] >= 0.9


def test_other_body_copy_is_on_both_reports():
    f = of(run_batch([make_report(body="甲镇", texts=SAME_TEXT, file="a.txt"),
                      make_report(body="乙乡", texts=SAME_TEXT, file="b.txt")]), "XYR-04")
    assert sorted(f["file"]) == ["a.txt", "b.txt"]


def test_missing_year_is_on_the_later_report():
    f = of(run_batch([make_report(year=2020, template=forms.FORM_2019), make_report(year=2023)]), "XYR-06")
    assert f["file"].tolist() == ["群科镇_2023.txt"] and "2021、2022" in f["message"].iloc[0]


def test_default_batch_of_many_bodies_and_years_is_clean():
    reports = [make_report(year=y, body=b) for b in ("甲镇", "乙乡", "丙街道") for y in (2022, 2023)]
    assert run_batch(reports).empty


def test_textsim_banding_finds_the_copied_pair_among_many():
    rnd = random.Random(7)
    words = [chr(0x4E00 + i) for i in range(3000)]
    docs = ["".join(rnd.choice(words) for _ in range(300)) for _ in range(textsim.EXACT_LIMIT + 20)]
    docs[50] = docs[10][:-5] + "改了五个字"
    pairs = textsim.similar_pairs([textsim.shingles(d) for d in docs], 0.9)
    assert [(i, j) for i, j, _ in pairs] == [(10, 50)]


# ---------------------------------------------------------------------------
# Robustness: any mix of cell states never makes a rule raise
# ---------------------------------------------------------------------------

_STATES = st.one_of(st.integers(-3, 30), st.floats(0, 1e6, allow_nan=False), st.just(BLANK), st.just(MISSING),
                    st.just(unreadable("—")))
_KEYS = sorted(forms.CELL_KEYS_2021)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_KEYS), _STATES, max_size=40), st.sampled_from([None, 2019, 2021, 2024]),
       st.sampled_from([forms.FORM_2021, forms.FORM_2019, None]))
def test_no_rule_raises_on_any_cells(cells, year, template):
    run(make_report(cells, year=year, template=template))


def test_parse_note_and_rule_on_the_same_place_are_not_both_shown():
    short_row = {"rule": "PARSE-SHORT-ROW", "severity": "warning", "message": "表三“（一）予以公开”行只有5个数值",
                 "table": "三", "row": OPEN[1], "column": None, "section": None, "expected": 6, "actual": 5}
    unread = {cell(OPEN, c): unreadable("0") for c in forms.APPLICANT_COLUMNS[:3]}
    f = run(make_report(unread, notes=[short_row]))
    assert f["rule"].tolist() == ["PARSE-SHORT-ROW"]  # the note covers the row, ARI-13 adds nothing
    col_note = {"rule": "PARSE-COLUMN-MISSING", "severity": "warning", "message": "表三缺少“总计”列",
                "table": "三", "row": None, "column": "总计", "section": None, "expected": None, "actual": None}
    f = run(make_report({cell((NEW[0], r.key), "总计"): MISSING for r in forms.ROWS_三_2021}, notes=[col_note]))
    assert f["rule"].tolist() == ["STR-04"]  # the structure error replaces the parser's warning


def test_sections_out_of_order_as_the_extractor_records_them():
    report = make_report()
    report.sections[4].in_order = False  # sections stay keyed 1..6; the flag says the heading came late
    f = of(run(report), "STR-11")
    assert f["section"].tolist() == [4]
    f = of(run(make_report(section_order=[1, 2, 4, 3, 5, 6])), "STR-11")
    assert f["section"].tolist() == [3]


def test_a_cluster_of_copies_gives_one_finding_per_report():
    reports = [make_report(body=b, texts=SAME_TEXT, file=f"{b}.txt") for b in ("甲镇", "乙乡", "丙镇", "丁街道")]
    f = of(run_batch(reports), "XYR-04")
    assert sorted(f["file"]) == sorted(r.file for r in reports)
    assert all("另与2份" in m for m in f["message"])


def test_hand_corrected_cells_count_as_read():
    """A reviewer's correction (status "corrected", from the store) is checked like a read value."""
    broken = make_report({cell(OPEN, "商业企业"): 2})
    assert not of(run(broken), "ARI-02").empty
    fixed = make_report(consistent(new=2, column="商业企业"))
    v = fixed.values
    hit = (v["table"] == "三") & v["row"].isin([NEW[1], OPEN[1], TOTAL[1]])
    v.loc[hit & (v["column"].isin(["商业企业", "总计"])), "status"] = "corrected"
    assert of(run(fixed), "ARI-02").empty and of(run(fixed), "ARI-06").empty
    wrong = (v["row"] == OPEN[1]) & (v["column"] == "总计")
    v.loc[wrong, "value"] = 5.0  # a correction that breaks the row total is caught like a read value
    assert not of(run(fixed), "ARI-02").empty
    v.loc[hit & (v["column"] == "总计"), "value"] = float("nan")  # corrected to blank: a blank, not a 0
    assert not of(run(fixed), "ARI-06").empty


# ---------------------------------------------------------------------------
# Text coverage, fees and year-on-year jumps
# ---------------------------------------------------------------------------


def test_missing_overview_topics_are_named():
    text = "主动公开方面，及时发布政策文件。依申请公开方面，按时答复。监督保障方面，开展考核、评议和责任追究。" * 2
    f = of(run(make_report(texts={1: text})), "TXT-01")
    msg = f["message"].iloc[0]
    assert f["section"].tolist() == [1]
    assert "“政府信息管理”" in msg and "“政府信息公开平台建设”" in msg and "主动公开" not in msg
    assert of(run(make_report(texts={1: text}, year=2020, template=forms.FORM_2019)), "TXT-01").empty  # 30号 is for 2021+


def test_government_accountability_names_what_is_missing():
    f = of(run(make_report(texts={1: FIVE_TOPICS + "将政务公开纳入年度绩效考核。"})), "TXT-02")
    msg = f["message"].iloc[0]
    assert "“社会评议”" in msg and "“责任追究”" in msg and "“工作考核”" not in msg
    assert of(run(make_report(texts={1: FIVE_TOPICS + "开展工作考核和社会评议，对失职的依法追究相关人员责任。"})),
              "TXT-02").empty


@pytest.mark.parametrize("body, title, government", [
    ("某县人民政府", None, True), ("城关街道办事处", None, True), ("寨科乡", None, True),
    ("某县人民政府办公室", None, False), ("某县审计局", None, False),
    (None, "某市人民政府2023年政府信息公开工作年度报告", True),
    (None, "某市人民政府办公室2023年政府信息公开工作年度报告", False),
])
def test_which_bodies_are_governments(body, title, government):
    report = make_report(body=body or "", title=title)
    report.body = body
    assert is_government(report) is government


def test_last_year_needs_rectification_in_the_same_sentence():
    five = "存在的问题：公开不及时。上一年度报告共列出3个问题。下一步将加强培训。"
    assert not of(run(make_report(texts={5: five})), "TXT-04").empty
    for ok in ("2022年度报告所列问题已整改到位，存在的问题：公开不及时。下一步将加强培训。",
               "去年指出的栏目更新不及时问题已改进。存在的问题：解读不足。下一步将加强培训。"):
        assert of(run(make_report(texts={5: ok})), "TXT-04").empty, ok


def test_one_line_sections_are_reported_once():
    # 五 "无。" is TXT-03's (几乎没有内容); 六 "无。" from 2021 on is TXT-05's; before 2021 it is TXT-07's
    f = run(make_report(texts={5: "无。", 6: "无。"}))
    assert of(f, "TXT-07").empty and not of(f, "TXT-03").empty and not of(f, "TXT-05").empty
    f = of(run(make_report(year=2020, template=forms.FORM_2019, texts={6: "无。"})), "TXT-07")
    assert f["section"].tolist() == [6]
    f = of(run(make_report(texts={5: "我镇政府信息公开工作不存在需要改进的问题。"})), "TXT-07")
    assert f["section"].tolist() == [5]


def test_fee_amounts_in_text():
    assert [a for a, _, _ in fee_amounts("2025年全市实际收取信息处理费共计1,200元。")] == [1200]
    assert [a for a, _, _ in fee_amounts("共收取0.05万元信息处理费")] == [500]
    assert fee_amounts("按每件10元的标准收取信息处理费") == []
    assert fee_amounts("本年度未收取信息处理费。") == []


def test_fees_collected_without_applications():
    f = of(run(make_report(texts={6: FEE_CHARGED})), "ARI-10")
    assert f[["table", "row", "column", "section"]].to_dict("records") == [
        {"table": "三", "row": NEW[1], "column": "总计", "section": 6}]
    assert of(run(make_report(consistent(new=2), texts={6: FEE_CHARGED})), "ARI-10").empty
    assert of(run(make_report({cell(NEW, "总计"): BLANK}, texts={6: FEE_CHARGED})), "ARI-10").empty  # blank is not 0


def test_unpaid_fee_row_blank_is_not_compared():
    assert of(run(make_report({cell(UNPAID, "总计"): BLANK})), "ARI-10").empty


def test_fee_charged_against_blank_fee_cell_is_not_compared():
    assert of(run(make_report({FEE: BLANK}, texts={6: FEE_CHARGED})), "ARI-11").empty


def test_year_on_year_jump_finding():
    f = of(run_batch([make_report({FEE: 30000}, year=2023, file="b.txt"),
                      make_report({FEE: 3}, year=2022, file="a.txt")]), "XYR-05")
    assert f[["file", "table", "row", "column", "expected", "actual"]].to_dict("records") == [
        {"file": "b.txt", "table": "二", "row": FEE[1], "column": FEE[2], "expected": 3, "actual": 30000}]
    down = of(run_batch([make_report(consistent(new=60), year=2022), make_report(consistent(new=11), year=2023)]), "XYR-05")
    assert down["row"].tolist() == [NEW[1]] and "减少" in down["message"].iloc[0]


@pytest.mark.parametrize("before, after, years", [
    (3, 80, (2022, 2023)),  # below the floor
    (BLANK, 80, (2022, 2023)),  # blank is not 0
    (unreadable("若干"), 80, (2022, 2023)),
    (12, 80, (2021, 2023)),  # not consecutive
])
def test_year_on_year_jump_is_not_computed(before, after, years):
    reports = [make_report({PENALTY: before}, year=years[0]), make_report({PENALTY: after}, year=years[1])]
    assert of(run_batch(reports), "XYR-05").empty


# ---------------------------------------------------------------------------
# Timeliness (条例第四十九条) and the province's deadline
# ---------------------------------------------------------------------------


def pub(findings):
    return findings[findings["rule"].str.startswith("PUB-")]


def test_each_body_has_its_own_statutory_deadline():
    from parsing.rules import KIND_DEPARTMENT, KIND_GOVERNMENT, KIND_TOWNSHIP, body_kind

    kinds = {b: body_kind(make_report(body=b)) for b in ("上海市人民政府办公厅", "某县人民政府", "城关街道办事处", "群科镇",
                                                      "某县教育局")}
    assert kinds == {"上海市人民政府办公厅": KIND_DEPARTMENT, "某县人民政府": KIND_GOVERNMENT,
                     "城关街道办事处": KIND_TOWNSHIP, "群科镇": KIND_TOWNSHIP, "某县教育局": KIND_DEPARTMENT}
    # 31 March is the county government's deadline, not a department's
    assert of(run(published("2024-03-31", body="某县教育局")), "PUB-01").shape[0] == 1
    assert pub(run(published("2024-03-31", body="某县人民政府"))).empty


def test_a_late_finding_says_when_by_how_much_and_from_where():
    f = of(run(published("2024-02-05", body="某县审计局", source="reviewer")), "PUB-01")
    assert f[["expected", "actual"]].values.tolist() == [["2024-01-31", "2024-02-05"]]
    assert "逾期5天" in f["message"].iloc[0] and "审查人员录入" in f["message"].iloc[0]


def test_no_date_or_no_body_no_timeliness_finding():
    assert pub(run(published(None))).empty
    r = published("2024-06-01", body="")
    r.title = "2023年政府信息公开工作年度报告"
    assert pub(run(r)).empty


def test_the_province_replaces_the_january_reading_for_townships():
    late_for_january = lambda: run(published("2024-02-10", body="群科镇"))  # noqa: E731
    assert not of(late_for_january(), "PUB-03").empty
    f = with_deadline("02-20", late_for_january)
    assert pub(f).empty
    f = with_deadline("02-01", late_for_january)
    assert list(pub(f)["rule"]) == ["PUB-04"] and f["expected"].dropna().tolist() == ["2024-02-01"]


def test_the_province_is_not_said_twice_after_the_statute():
    f = with_deadline("01-15", lambda: run(published("2024-02-05", body="某县审计局")))
    assert list(pub(f)["rule"]) == ["PUB-01"]
    f = with_deadline("01-15", lambda: run(published("2024-01-20", body="某县审计局")))
    assert list(pub(f)["rule"]) == ["PUB-04"]


def test_a_malformed_province_setting_is_a_finding_in_chinese():
    f = with_deadline("二月底", lambda: check_report(published("2024-02-10", body="群科镇")))
    hit = of(f, "PUB-04")
    assert len(hit) == 1 and "无法识别" in hit["message"].iloc[0] and DEADLINE_ENV in hit["message"].iloc[0]
    assert len(of(f, "PUB-03")) == 1  # the statute still applies while the setting is broken


def test_own_findings_sent_from_a_worker_give_the_findings_of_check_report():
    """The pipeline runs a report's own rules in its worker and adds the cross-year rules later, in another process,
    against one previous year and then another (a re-check), the previous one given as its own OwnFindings too."""
    import pickle

    import pandas as pd

    from parsing.rules import check_report, own_findings, with_previous

    prev = make_report(consistent(new=3, carry_out=1), year=2023, texts=SAME_TEXT, file="a.txt")
    other = make_report(consistent(new=3, carry_out=0), year=2023, file="c.txt")
    cur = make_report(consistent(new=3, carry_in=0), year=2024, texts=SAME_TEXT, file="b.txt")
    own = pickle.loads(pickle.dumps(own_findings(cur)))  # as it comes back from a worker, with its Ctx
    assert own._ctx is not None and own._ctx.report is own.report
    bare = pickle.loads(pickle.dumps(own_findings(cur)))
    bare._ctx = None  # one whose Ctx is prepared again on first use
    prev_own = pickle.loads(pickle.dumps(own_findings(prev)))
    for o in (own, bare):
        for previous, handed in ((None, None), (prev, prev), (prev, prev_own), (other, other), (prev, prev)):
            expected = check_report(cur, previous)
            pd.testing.assert_frame_equal(with_previous(o, handed), expected)
    assert {"XYR-01", "XYR-03"} <= set(check_report(cur, prev)["rule"])
    assert "XYR-03" not in set(check_report(cur, other)["rule"])
