"""The dashboard's views of a province's store, read the fast way, equal the old computation on a small store.

The trend of a stored metric is aggregated in SQL (:meth:`parsing.store.Store.cell_sums`,
:func:`ui.metrics.stored_trend_frame`) instead of reading every value in long form; the catalog leaves out counts
it never showed. Each is compared here with the long way on a store holding the cases that matter: blank and
missing cells, a row printed whole beside its sub-items (the 2019 trial form), hand corrections, an older
version of a report, a body without a year, two printed names shown by one roster name.
"""
import pandas as pd
import pytest

from bench import province
from parsing.store import Store
from ui import metrics, storeview, views

OTHER = "三、本年度办理结果/（六）其他处理"


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "p.sqlite3"
    province.build_store(path, 6, 3)
    s = Store(path)
    c = s._conn
    ids = c.execute("SELECT id, sha256 FROM reports ORDER BY id").fetchall()
    # blank and missing cells in the rows the trends add up
    c.execute("UPDATE cell_values SET status='missing', value=NULL WHERE report_id=? AND cell_id IN"
              " (SELECT cell_id FROM cells WHERE table_id='三' AND col_key='总计')", (ids[0][0],))
    c.execute("UPDATE cell_values SET value=NULL, status='blank' WHERE report_id=? AND cell_id IN"
              " (SELECT cell_id FROM cells WHERE row_key LIKE '三、本年度办理结果/（三）不予公开/%')", (ids[1][0],))
    c.execute("UPDATE cell_values SET status=NULL WHERE report_id=? AND cell_id IN"
              " (SELECT cell_id FROM cells WHERE table_id='四')", (ids[2][0],))
    # the row （六）其他处理 printed whole (2019 trial form) in one report, beside the 2021 sub-items of others
    with s.transaction() as tx:
        cid = s._cell_id(tx, "三", OTHER, "总计")
        tx.execute("INSERT INTO cell_values(report_id, seq, cell_id, value, raw, page, status, form)"
                   " VALUES (?, 9999, ?, 7, '7', 1, 'ok', ?)", (ids[3][0], cid, "总计"))
        # a report without a year, and one whose body is blank: on no trend
        tx.execute("UPDATE reports SET year=NULL WHERE id=?", (ids[4][0],))
        tx.execute("UPDATE reports SET body='', body_key=NULL WHERE id=?", (ids[5][0],))
    # hand corrections, one on a value the trend adds up, one on a blank cell
    s.correct(ids[6][1], "三", "一、本年新收政府信息公开申请数量", "总计", 123.0)
    s.correct(ids[1][1], "三", "三、本年度办理结果/（三）不予公开/1.属于国家秘密", "总计", 2.0)
    # an older version of a body's year: not current, not on the trend
    with s.transaction() as tx:
        tx.execute("UPDATE reports SET is_current=0, pinned=0 WHERE id=?", (ids[7][0],))
    yield s
    s.close()


@pytest.mark.parametrize("metric", [m.id for m in metrics.METRICS])
def test_stored_trend_equals_the_trend_of_the_long_values(store, metric):
    t, c = metrics.metric_cells(metric)
    long_way = metrics.trend_frame(storeview.working_values(store, {}, t, c, metrics.metric_rows(metric,
                                                                                                  store.cell_rows(t))),
                                   metric)
    fast = metrics.stored_trend_frame(store, metric)
    pd.testing.assert_frame_equal(fast, long_way, check_exact=True)
    assert len(fast) and fast["数值"].notna().any()


def test_the_cases_are_in_the_store(store):
    """The fixture holds what the comparison is about (else the test above could pass on plain data)."""
    v = store.values_long("三", current_only=True)
    assert (v["status"] == "missing").any() and (v["status"] == "corrected").any()
    assert ((v["row"] == OTHER) & v["value"].notna()).sum() == 1
    outcomes = metrics.stored_trend_frame(store, "outcomes")
    assert (~outcomes["完整"]).any() and outcomes["完整"].any()
    assert 123.0 in metrics.stored_trend_frame(store, "requests")["数值"].tolist()
    assert 7.0 in outcomes.loc[outcomes["项目"] == "其他处理", "数值"].tolist()


def test_cell_sums_adds_up_what_values_long_reads(store):
    row = "一、本年新收政府信息公开申请数量"
    sums = store.cell_sums({"a": [("三", row, "总计"), ("三", row, "自然人")], "none": [("三", "无此行", "总计")]})
    assert set(sums["group"]) == {"a"}
    v = store.values_long("三", row, ["总计", "自然人"])
    v = v[~v["sha256"].isin(store.corrected_shas())]
    rows = v.groupby("sha256").size()
    want = v[v["status"] != "missing"].groupby("sha256")["value"].agg(["sum", "count", "size"])
    places = store.report_places().set_index("report_id")
    got = sums.assign(sha256=sums["report_id"].map(places["sha256"])).set_index("sha256")
    assert set(got.index) == set(rows.index) and (got["n_cells"] < got["n_rows"]).any()
    for sha, n in rows.items():
        assert got.loc[sha, "n_rows"] == n
        w = want.loc[sha] if sha in want.index else pd.Series({"sum": 0, "count": 0, "size": 0})
        assert got.loc[sha, "n_values"] == w["count"] and got.loc[sha, "n_cells"] == w["size"]
        assert (got.loc[sha, "total"] == w["sum"]) if w["count"] else pd.isna(got.loc[sha, "total"])


def test_catalog_and_overview_without_the_per_report_counts(store):
    full = store.list_reports(current_only=True)
    light = store.list_reports(current_only=True, counts=False)
    assert not {"has_file", "n_findings", "n_open", "n_corrections"} & set(light.columns)
    pd.testing.assert_frame_equal(light, full[light.columns])
    cat = storeview.merge_catalog(storeview.empty_catalog(), storeview.stored_catalog(store))
    matrix = views.completeness(cat, store.section_flags())
    o = views.overview(cat, None, matrix, {}, counts=store.finding_counts())
    n_open = full.set_index("sha256")["n_open"]
    assert (o["未处理"].astype(int).to_numpy() == n_open.reindex(o["sha256"]).to_numpy()).all()
    assert o["章节"].str.fullmatch(r"\d/6.*").all()


def _two_warnings_decided(store):
    """Dismiss one warning and confirm another; the current findings before that, the warnings, and the stored
    catalog with its readable part."""
    f = store.findings(current_only=True)
    warn = f[f["severity"] == "warning"]
    store.decide(warn["sha256"].iloc[0], warn["finding_key"].iloc[0], "dismissed")
    store.decide(warn["sha256"].iloc[1], warn["finding_key"].iloc[1], "confirmed")
    cat = storeview.merge_catalog(storeview.empty_catalog(), storeview.stored_catalog(store))
    return f, warn, cat, cat[cat["error"].isna() | (cat["error"] == "")]


def test_overview_and_completeness_from_the_summary_equal_the_long_way(store):
    """The landing page's overview and the completeness matrix read per-report counts and sections found from
    report_summary (schema 11): the same frames as counting every stored finding (with decisions: one dismissed,
    one confirmed) and reading every report's sections whole."""
    f, warn, cat, readable = _two_warnings_decided(store)
    fast_matrix = views.completeness(readable, store.section_flags())
    long_matrix = views.completeness(readable, pd.DataFrame([views.flags_of(store.get(sha))
                                                             for sha in readable["sha256"]]))
    pd.testing.assert_frame_equal(fast_matrix, long_matrix, check_exact=True)
    fast = views.overview(cat, None, fast_matrix, {}, counts=store.finding_counts())
    long_way = views.overview(cat, storeview.store_findings(store), long_matrix, {})
    pd.testing.assert_frame_equal(fast, long_way, check_exact=True)
    one = fast.set_index("sha256").loc[warn["sha256"].iloc[0]]
    assert one["警告数"] == (warn["sha256"] == warn["sha256"].iloc[0]).sum() - 1  # the dismissed one not counted
    assert fast["未处理"].sum() == len(f) - 2


def test_landing_overview_from_the_sections_alone_equals_the_one_from_the_completeness_matrix(store):
    """The landing page's shared overview (``ui.state._stored_view(..., "overview")``) reads the six sections from
    report_summary (:meth:`parsing.store.Store.sections_found`, :func:`ui.views.sections_matrix`) instead of
    building the completeness matrix of every report: the same frame as before, on a store with an older version,
    corrections, a dismissed and a confirmed finding, a missing section and an unreadable report."""
    from ui import state

    ids = store._conn.execute("SELECT id, sha256 FROM reports WHERE is_current=1 ORDER BY id").fetchall()
    with store.transaction() as tx:
        tx.execute("UPDATE sections SET found=0 WHERE report_id=? AND number=3", (ids[0][0],))
        tx.execute("UPDATE sections SET found=0 WHERE report_id=? AND number IN (2, 5)", (ids[2][0],))
        tx.execute("UPDATE reports SET error='无法读取：测试' WHERE id=?", (ids[3][0],))
    f, warn, cat, readable = _two_warnings_decided(store)
    old = views.overview(cat, None, views.completeness(readable, store.section_flags()), {},
                         counts=store.finding_counts(current_only=True))
    new = views.overview(cat, None, views.sections_matrix(store.sections_found(current_only=True)), {},
                         counts=store.finding_counts(current_only=True))
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    shared = state._stored_view(str(store.path), f"test#{store.generation()}", "overview")
    pd.testing.assert_frame_equal(shared, old, check_exact=True)
    # the cases are there: a section missing, an unreadable report (no 章节), an older version left out
    assert new["章节"].str.startswith("5/6（缺三）").any() and new["章节"].str.startswith("4/6（缺二、五）").any()
    assert (new["章节"] == "").sum() == 1 and (new["结论"] == "无法读取").sum() == 1
    assert len(new) == len(ids) < len(store.sections_found(current_only=False))
