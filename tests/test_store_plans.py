"""The per-report lookups an import makes are index searches, not walks over every report.

An import of a county's folder into a province's store looks up, for every report, the current version of the
same body's last and next year (``Store.current``, ``Store.previous_report``). SQLite chooses the index by its
own heuristics (the store has no ANALYZE statistics), so which index a lookup takes is checked here on the
statements the store actually runs: one that took the covering listing index (``is_current`` first) walked all
30,000 current reports of a province for each lookup, 7 ms each.
"""
import pytest

from bench import province
from parsing.store import Store


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("plans") / "p.sqlite3"
    province.build_store(path, n_bodies=4, years=3)
    return path


def _plans(store, fn):
    """The query plans of the statements that ``fn()`` runs on ``store``'s connection (with the values bound)."""
    seen = []
    store._conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        store._conn.set_trace_callback(None)
    selects = [sql for sql in seen if sql.lstrip().upper().startswith("SELECT")]
    assert selects, "the lookup ran no statement"
    return {sql: " | ".join(row[-1] for row in store._conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
            for sql in selects}


def _body_year(store):
    return store._conn.execute("SELECT body_key, year FROM reports WHERE year > (SELECT MIN(year) FROM reports)"
                               " LIMIT 1").fetchone()


def test_current_version_lookup_searches_the_body_year_index(db):
    with Store(db) as s:
        key, year = _body_year(s)
        assert s.current(key, year)
        plans = _plans(s, lambda: s.current(key, year))
    for sql, plan in plans.items():
        assert "reports_body_year" in plan and "reports_listing" not in plan, (sql, plan)


def test_previous_report_lookup_searches_the_body_year_index(db):
    with Store(db) as s:
        key, year = _body_year(s)
        sha = s.current(key, year)
        assert s.previous_report(sha) is not None
        plans = _plans(s, lambda: s.previous_report(sha))
    assert any("WHERE body_key" in sql for sql in plans)
    for sql, plan in plans.items():
        assert "SCAN reports" not in plan and "reports_listing" not in plan, (sql, plan)
        if "WHERE body_key" in sql:
            assert "reports_body_year" in plan, (sql, plan)
