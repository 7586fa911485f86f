"""The trend's fast paths against the code they replace, on a store with the cases that matter.

:meth:`parsing.store.Store.cell_sums` adds each cell's rows up in numpy (it let SQLite group and sort every row),
:meth:`parsing.store.Store.report_places` joins the roster's matches in Python and sorts in SQL (it joined the
roster for every report and sorted in pandas). The old code is kept here as it was (``_old_cell_sums``,
``_old_report_places``) and both are compared, value for value and dtype for dtype, on the store of
``tests/test_dashboard_views.py`` (blank and missing cells, a row printed whole beside its sub-items, hand
corrections, an older version, a report without a year, one without a body) with a roster matched to some bodies
and a cell held twice by one report.
"""
import numpy as np
import pandas as pd
import pytest

from parsing.store import Store
from tests.test_dashboard_views import OTHER, store  # noqa: F401  (the fixture)
from ui import metrics


def _old_cell_sums(s: Store, groups: dict, *, current_only: bool = True, skip_status: tuple = ("missing",)):
    """``Store.cell_sums`` before it read the cells' rows as they lie (74d46fc)."""
    cells = s._frame("SELECT cell_id, table_id, row_key, col_key FROM cells")
    ids = {(t, r, c): i for i, t, r, c in cells.itertuples(index=False, name=None)}
    pairs = sorted({(str(g), ids[k]) for g, keys in groups.items() for k in keys if k in ids})
    cols = ["report_id", "group", "n_rows", "n_cells", "n_values", "total"]
    if not pairs:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "total" else "int64") for c in cols}
                            ).astype({"group": object})
    skip = list(skip_status)
    ok = f"(v.status IS NULL OR v.status NOT IN ({','.join('?' * len(skip))}))" if skip else "1"
    values = ",".join("(?, ?)" for _ in pairs)
    sums = s._frame(
        f"WITH g(grp, cell_id) AS (VALUES {values})"
        " SELECT v.report_id, g.grp AS \"group\", COUNT(*) AS n_rows,"
        f" COALESCE(SUM({ok}), 0) AS n_cells,"
        f" COALESCE(SUM({ok} AND v.value IS NOT NULL), 0) AS n_values,"
        f" SUM(CASE WHEN {ok} THEN v.value END) AS total"
        " FROM g JOIN cell_values v ON v.cell_id=g.cell_id GROUP BY g.grp, v.report_id",
        [x for p in pairs for x in p] + skip * 3)
    chosen = s._query("SELECT id FROM reports WHERE sha256 NOT IN (SELECT sha256 FROM corrections)"
                      + (" AND is_current=1" if current_only else ""))
    sums = sums[sums["report_id"].isin([r[0] for r in chosen])]
    sums["total"] = pd.to_numeric(sums["total"], errors="coerce").astype("float64")
    return sums[cols].reset_index(drop=True)


def _old_report_places(s: Store, current_only: bool = True) -> pd.DataFrame:
    """``Store.report_places`` before it joined the roster in Python (74d46fc)."""
    df = s._frame(
        "SELECT r.id AS report_id, r.sha256, r.file_name, r.body, r.body_key, r.region, r.year,"
        " ro.body AS roster_body, ro.region_path AS roster_path, ro.city, ro.county, ro.township, ro.department"
        " FROM reports r LEFT JOIN roster_matches m ON m.body_key=r.body_key"
        " LEFT JOIN roster ro ON ro.id=m.roster_id" + (" WHERE r.is_current=1" if current_only else ""))
    df = df.sort_values(["year", "body_key", "report_id"], na_position="last", kind="stable")
    df["year"] = df["year"].astype("Int64")
    return df.reset_index(drop=True)


def _groups(s: Store, metric_id: str) -> dict:
    """The groups :func:`ui.metrics.stored_trend_frame` asks for (each series' row, its sub-items, the rest)."""
    tables, columns = metrics.metric_cells(metric_id)
    rows = metrics.metric_rows(metric_id, s.cell_rows(tables))
    groups = {}
    for i, se in enumerate(metrics.METRICS_BY_ID[metric_id].series):
        groups[f"{i}="] = [(se.table, se.row, se.column)]
        groups[f"{i}/"] = [(se.table, r, se.column) for r in rows if str(r).startswith(se.row + "/")]
    groups["all"] = [k for keys in list(groups.values()) for k in keys]
    return groups


@pytest.fixture
def varied(store):  # noqa: F811
    """The store of test_dashboard_views plus: a cell held twice by one report (two rows of one cell), a value
    stored as text, and a roster that matches some bodies (region tree columns filled for them only)."""
    c = store._conn
    ids = [r[0] for r in c.execute("SELECT id FROM reports WHERE is_current=1 ORDER BY id")]
    with store.transaction() as tx:
        cid = store._cell_id(tx, "三", "一、本年新收政府信息公开申请数量", "总计")
        tx.execute("INSERT INTO cell_values(report_id, seq, cell_id, value, raw, page, status, form)"
                   " VALUES (?, 9998, ?, 2.5, '2.5', 1, 'ok', '总计')", (ids[9], cid))
        tx.execute("INSERT INTO cell_values(report_id, seq, cell_id, value, raw, page, status, form)"
                   " VALUES (?, 9997, ?, 4, '4', 1, 'missing', '总计')", (ids[9], cid))
        tx.execute("UPDATE cell_values SET value=0.1 WHERE report_id=? AND cell_id=?", (ids[10], cid))
    bodies = c.execute("SELECT DISTINCT body FROM reports WHERE body<>'' ORDER BY body").fetchall()
    roster = pd.DataFrame({"单位名称": [b for (b,) in bodies[:3]], "市": "某市", "县区": ["甲县", "乙县", "甲县"],
                           "乡镇街道": ["", "城关镇", ""]})
    store.import_roster(roster)
    return store


def test_the_varied_cases_are_there(varied):
    places = varied.report_places()
    assert places["roster_body"].notna().any() and places["roster_body"].isna().any()
    assert places["year"].isna().any() and (places["body"] == "").any()
    twice = varied._query("SELECT report_id, cell_id, COUNT(*) FROM cell_values GROUP BY report_id, cell_id"
                          " HAVING COUNT(*) > 1")
    assert twice


@pytest.mark.parametrize("metric", [m.id for m in metrics.METRICS])
@pytest.mark.parametrize("current_only", [True, False])
def test_cell_sums_equals_the_sql_aggregate(varied, metric, current_only):
    groups = _groups(varied, metric)
    new = varied.cell_sums(groups, current_only=current_only)
    old = _old_cell_sums(varied, groups, current_only=current_only)
    old = old.sort_values(["group", "report_id"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    assert len(new) and ((new["n_rows"] > 1).any() or metric == "fees")  # "all" adds several cells up


def test_cell_sums_without_skipping_and_of_unknown_cells(varied):
    groups = _groups(varied, "outcomes")
    pd.testing.assert_frame_equal(
        varied.cell_sums(groups, skip_status=()),
        _old_cell_sums(varied, groups, skip_status=()).sort_values(["group", "report_id"]).reset_index(drop=True),
        check_exact=True)
    none = varied.cell_sums({"x": [("三", "无此行", "总计")]})
    assert none.empty and list(none.columns) == ["report_id", "group", "n_rows", "n_cells", "n_values", "total"]


@pytest.mark.parametrize("current_only", [True, False])
def test_report_places_equals_the_sql_join(varied, current_only):
    pd.testing.assert_frame_equal(varied.report_places(current_only), _old_report_places(varied, current_only),
                                  check_exact=True)


def test_report_places_of_an_empty_store(tmp_path):
    with Store(tmp_path / "e.sqlite3") as s:
        pd.testing.assert_frame_equal(s.report_places(), _old_report_places(s), check_exact=True)


@pytest.mark.parametrize("metric", [m.id for m in metrics.METRICS])
def test_stored_trend_equals_the_long_way_on_the_varied_store(varied, metric):
    from ui import storeview

    t, c = metrics.metric_cells(metric)
    long_way = metrics.trend_frame(
        storeview.working_values(varied, {}, t, c, metrics.metric_rows(metric, varied.cell_rows(t))), metric)
    fast = metrics.stored_trend_frame(varied, metric)
    pd.testing.assert_frame_equal(fast, long_way, check_exact=True)
    assert (fast["市"] == "某市").any() and (fast["市"] == "").any()


def test_total_by_year_equals_the_whole_frame_filtered(varied):
    """:func:`ui.metrics.total_by_year` filters only the columns it adds up; the same totals as filtering all."""
    df = metrics.stored_trend_frame(varied, "outcomes")
    got, left = metrics.total_by_year(df, "合计")
    known = df[df["完整"]]
    g = known.groupby(["年度", "项目"], sort=True)["数值"].sum().reset_index()
    want = pd.DataFrame({"单位": "合计", "地区": "", "年度": g["年度"], "项目": g["项目"], "数值": g["数值"],
                         "完整": True, "文件": "", "sha256": ""})
    order = {lab: i for i, lab in enumerate(dict.fromkeys(df["项目"].tolist()))}
    want = want.assign(_o=want["项目"].map(order)).sort_values(["年度", "_o"]).drop(columns="_o")
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_exact=True)
    assert left == int((~df["完整"]).sum()) > 0
    assert np.isfinite(got["数值"]).all()


def test_total_by_year_leaves_out_a_year_whose_values_are_all_unknown():
    df = pd.DataFrame({"单位": ["甲", "乙", "甲", "乙"], "地区": "", "年度": [2023, 2023, 2024, 2024],
                       "项目": "本年新收", "数值": [1.0, 2.0, np.nan, np.nan], "完整": [True, True, False, False],
                       "文件": "", "sha256": ["a", "b", "c", "d"]})
    got, left = metrics.total_by_year(df, "合计")
    assert got["年度"].tolist() == [2023] and got["数值"].tolist() == [3.0] and left == 2
