"""The 审查台 and the 简报 read a province's store in SQL (:class:`ui.review.StoredSelection`,
:func:`ui.storeview.findings_for`): on the demo county's store, with decisions, dismissed findings, a correction,
a second version of one body's year and a repeated finding, they give exactly what the old way gave (every finding
loaded, the workbench frame built and filtered in pandas, the briefing built from every finding).
"""
import dataclasses

import pandas as pd
import pytest

from parsing import rules
from parsing.store import Store
from ui import briefing, review, storeview, views


@pytest.fixture
def store(demo_db):
    s = Store(demo_db)
    f = s.findings(current_only=True)
    keys = list(zip(f["sha256"], f["finding_key"]))
    s.decide_many(keys[:7], "confirmed", "已核对", reviewer="甲")
    s.decide_many(keys[7:12], "dismissed", "扫描件空行 ARI")
    s.decide(*keys[-1], "dismissed", "不是问题")
    # a repeated finding (same rule, place and message: shown once) and one that differs only in its message
    sha = f["sha256"].iloc[0]
    own = s.findings(sha)
    extra = own.iloc[[0, 0]].copy()
    extra.iloc[1, extra.columns.get_loc("message")] = "另一处说明"
    cols = ["rule", "severity", "message", "table", "row", "column", "section", "expected", "actual"]
    s.set_findings(sha, pd.concat([own[cols], extra[cols]], ignore_index=True))
    # a second version of one body's year, and a corrected cell
    first = s.get(f["sha256"].iloc[-1])
    second = dataclasses.replace(first, sha256="f" * 64, file=first.file + "（更正版）.txt")
    s.add(second, s.findings(first.sha256)[cols])
    v = s.values_long(sha256=sha)
    row = v.iloc[0]
    s.correct(sha, row["table"], row["row"], row["column"], 7.0, "与原件核对")
    yield s
    s.close()


def old_way(s: Store):
    catalog = storeview.merge_catalog(storeview.empty_catalog(), storeview.stored_catalog(s))
    findings = storeview.once(storeview.store_findings(s))
    overview = views.overview(catalog, findings, pd.DataFrame(), {})
    badges = dict(zip(overview["sha256"], overview["结论"]))
    return catalog, findings, badges, review.workbench_frame(findings, catalog, badges)


def test_the_stored_workbench_lists_counts_and_decides_what_the_frame_did(store):
    catalog, findings, badges, frame = old_way(store)
    sql_badges = dict(zip(*[views.overview(catalog, None, pd.DataFrame(), {}, counts=store.finding_counts())[c]
                            for c in ("sha256", "结论")]))
    assert sql_badges == badges
    reports = review.reports_frame(catalog, badges)
    groups = store.workbench_groups(catalog["sha256"].tolist())
    assert review.filter_options(review.group_frame(groups), reports) == review.filter_options(frame, reports)
    assert frame["处理"].nunique() == 3 and frame["处理说明"].str.contains("ARI").any()
    some = frame.iloc[len(frame) // 2]
    noted = frame[frame["处理说明"] == "已核对"].iloc[0]
    across = noted["文件"][-3:] + " 已核"  # the end of the file's name, the space between, the note's start
    cases = [{}, {"statuses": [review.STATUS_CONFIRMED]}, {"statuses": [review.STATUS_OPEN, review.STATUS_DISMISSED]},
             {"severities": ["错误"]}, {"severities": ["警告", "提示"], "statuses": [review.STATUS_OPEN]},
             {"rule_names": [rules.rule_name("ARI-06")]}, {"bodies": [some["单位"]]}, {"years": [int(some["年度"])]},
             {"regions": [some["地区"].split("/")[0]]}, {"badges": [rules.BADGE_ERROR]},
             {"query": "表三"}, {"query": "ari-0"}, {"query": some["单位"][:2]}, {"query": across},
             {"query": "更正版"}, {"query": "这串文字不在任何问题里"}, {"bodies": ["没有这个单位"]},
             {"query": "ari", "statuses": [review.STATUS_OPEN]}, {"query": "表", "severities": ["警告", "提示"]},
             {"query": some["单位"][:2], "years": [int(some["年度"])]}]
    index = review.search_index(store, reports)  # the page builds it once per store generation
    for i, case in enumerate(cases):
        old = review.filter_findings(frame, **case)
        args = {("badge_pick" if k == "badges" else k): v for k, v in case.items()}
        new = review.StoredSelection(store, catalog, badges, reports, groups, **args, search=index if i % 2 else None)
        assert len(new) == len(old), case
        assert new.n_reports() == old["sha256"].nunique(), case
        for status in review.STATUSES:
            assert new.count(status) == int((old["处理"] == review.STATUS_MARKS[status]).sum()), case
        if old.empty:
            assert new.empty and new.rows(0, 5).empty and not new.items(), case
            continue
        pd.testing.assert_frame_equal(new.rows(0, len(old) + 5), old.reset_index(drop=True), obj=str(case))
        if len(old) > 3:
            pd.testing.assert_frame_equal(new.rows(3, 11), old.iloc[3:11].reset_index(drop=True), obj=str(case))
        else:
            assert new.rows(3, 11).empty
        for start in range(0, len(old), 5):  # windows that begin and end inside one report's run and across runs
            pd.testing.assert_frame_equal(new.rows(start, start + 7), old.iloc[start:start + 7].reset_index(drop=True),
                                          obj=f"{case} rows {start}:{start + 7}")
        assert new.items() == review.decidable(old), case
    assert len(review.filter_findings(frame, query=across)) > 0  # the query across two fields finds something
    assert len(review.StoredSelection(store, catalog, badges, reports, groups)) < len(store.findings(current_only=True))


def test_the_counts_of_every_current_report_are_the_workbench_groups(store):
    """Store.workbench_counts (the 审查台's first load: decisions counted apart) has the rows of
    Store.workbench_groups over every current report: open, confirmed and dismissed ones, the repeat once."""
    groups = store.workbench_groups(store.current_shas())
    counts = store.workbench_counts()
    key = ["sha256", "rule", "severity", "decision"]
    assert set(groups["decision"]) == {None, "confirmed", "dismissed"}
    pd.testing.assert_frame_equal(counts.sort_values(key, key=lambda c: c.astype(str)).reset_index(drop=True),
                                  groups.sort_values(key, key=lambda c: c.astype(str)).reset_index(drop=True))


def test_a_bulk_decision_on_the_stored_selection_records_what_the_frame_did(store, tmp_path):
    catalog, findings, badges, frame = old_way(store)
    reports = review.reports_frame(catalog, badges)
    groups = store.workbench_groups(catalog["sha256"].tolist())
    sel = review.StoredSelection(store, catalog, badges, reports, groups, statuses=[review.STATUS_OPEN],
                                 severities=["警告"])
    expected = review.decidable(review.filter_findings(frame, statuses=[review.STATUS_OPEN], severities=["警告"]))
    assert expected and store.decide_many(sel.items(), "dismissed", "批量") == len(expected)
    d = store.decisions()
    assert set(zip(d.loc[d["note"] == "批量", "sha256"], d.loc[d["note"] == "批量", "finding_key"])) == set(expected)


def test_the_findings_of_some_reports_read_report_by_report_are_those_findings_gives(store):
    shas = store.current_shas()
    some = shas[::2] + ["f" * 64, "0" * 64]  # the second version too, and a report the store does not hold
    for chosen in (shas, some, shas[:1], []):
        pd.testing.assert_frame_equal(store.findings_of_reports(chosen), store.findings(chosen), obj=str(len(chosen)))
    assert set(store.findings_of_reports(shas)["decision"].dropna()) == {"confirmed", "dismissed"}


def test_the_briefing_from_sql_is_the_briefing_from_every_finding(store):
    catalog, findings, _, _ = old_way(store)
    roster = store.roster()
    for year in sorted({int(y) for y in catalog["year"].dropna()}):
        old = briefing.build(catalog, findings, roster, briefing.ALL, year)
        f, counts = storeview.findings_for(store, briefing.report_shas(catalog, briefing.ALL, year),
                                           briefing.LATE_PREFIX, store.finding_counts())
        assert len(f) < len(findings)
        new = briefing.build(catalog, f, roster, briefing.ALL, year, counts=counts)
        for field in dataclasses.fields(briefing.Briefing):
            a, b = getattr(old, field.name), getattr(new, field.name)
            if field.name == "generated":
                continue
            if isinstance(a, pd.DataFrame):
                pd.testing.assert_frame_equal(a, b, obj=f"{year} {field.name}")
            else:
                assert a == b, (year, field.name)
    assert any(not briefing.build(catalog, findings, roster, briefing.ALL, y).late.empty
               for y in range(2021, 2026))  # the late publications are among what is compared
