"""The benchmark's bulk builder of a province-sized store writes exactly what Store.add writes."""
import pandas as pd
import pytest

from bench import province
from parsing.store import Store


def _stored(path):
    with Store(path) as s:
        reports = s.list_reports().drop(columns=["added_at", "parsed_at"]).sort_values("sha256")
        values = s.values_long().sort_values(["sha256", "table", "row", "column"])
        findings = s.findings().sort_values(["sha256", "finding_key"])
        sections = s.section_flags().sort_values("sha256")
        got = [s.corrected_report(sha) for sha in reports["sha256"]]
        matches = s.roster_matches()
    frames = [df.reset_index(drop=True) for df in (reports, values, findings, sections)]
    return (*frames, got, matches)


def test_bulk_build_equals_store_add(tmp_path):
    bulk, slow = tmp_path / "bulk.sqlite3", tmp_path / "slow.sqlite3"
    assert province.build_store(bulk, n_bodies=3, years=2) == 6
    with Store(slow) as s:
        for spec in province.specs(3, 2):
            report, findings = province.parsed_report(spec)
            s.add(report, findings)
        s.import_roster(province.roster_frame(3))
    a, b = _stored(bulk), _stored(slow)
    for x, y in zip(a[:4], b[:4]):
        pd.testing.assert_frame_equal(x, y)
    pd.testing.assert_frame_equal(a[5], b[5])
    assert len(a[1]) == 6 * len(province.CELLS)
    assert a[1]["value"].isna().any() and (a[1].loc[a[1]["value"].isna(), "status"] == "blank").all()
    for ra, rb in zip(a[4], b[4]):
        assert (ra.body, ra.year, ra.title, ra.text, ra.page_count) == (rb.body, rb.year, rb.title, rb.text,
                                                                        rb.page_count)
        pd.testing.assert_frame_equal(ra.values, rb.values)
        assert {k: vars(v) for k, v in ra.sections.items()} == {k: vars(v) for k, v in rb.sections.items()}


@pytest.mark.parametrize("bodies,years", [(2, 3)])
def test_every_body_is_on_the_roster_and_one_never_reports(tmp_path, bodies, years):
    path = tmp_path / "p.sqlite3"
    province.build_store(path, bodies, years)
    with Store(path) as s:
        assert s.roster_matches()["roster_id"].notna().all()
        assert s.missing_reports(2024)["body"].tolist() == ["未报告镇"]


def test_trend_from_the_metric_rows_alone_equals_the_whole_tables(tmp_path):
    from ui import metrics, storeview

    path = tmp_path / "p.sqlite3"
    province.build_store(path, 4, 2)
    with Store(path) as s:
        for m in metrics.METRICS:
            t, c = metrics.metric_cells(m.id)
            rows = metrics.metric_rows(m.id, s.cell_rows(t))
            assert rows and set(rows) <= set(s.cell_rows(t))
            whole = metrics.trend_frame(storeview.working_values(s, {}, t, c), m.id)
            narrow = metrics.trend_frame(storeview.working_values(s, {}, t, c, rows), m.id)
            pd.testing.assert_frame_equal(narrow, whole, obj=m.id)
            assert whole["数值"].notna().any()
