"""``python -m ui.serve`` builds the landing page's shared views of the store before the server listens
(:func:`ui.state.build_shared_views`): the first session after a restart finds them built and shows what a
session that built them itself shows, and a store written to afterwards is read again."""
import pytest
from pandas.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from bench.province import build_store
from parsing.store import Store
from tests.conftest import clear_streamlit_resources
from ui import metrics, serve, state, storeview

APP = serve.APP


def landing():
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    return at


def shown(at):
    """What the landing page shows of the store: its counts and its table's page."""
    return [(m.label, m.value) for m in at.metric], at.dataframe[0].value.reset_index(drop=True)


def same(a, b):
    assert a[0] == b[0]
    assert_frame_equal(a[1], b[1])


def test_the_first_session_finds_the_views_built_and_shows_the_same(store_db, monkeypatch):
    build_store(store_db, 5, 3)
    unbuilt = shown(landing())  # a session that builds the views itself (a server started by streamlit run)
    clear_streamlit_resources()  # a restart
    assert state.build_shared_views() is not None

    def built_again(*args, **kwargs):
        raise AssertionError("the session built a view the server had built")

    monkeypatch.setattr(storeview, "stored_catalog", built_again)
    monkeypatch.setattr(Store, "report_summaries", built_again)
    first = shown(landing())
    same(first, unbuilt)
    assert first[0][0] == ("报告", "15")


def test_a_store_written_after_the_start_is_read_again(store_db):
    build_store(store_db, 5, 3)
    state.build_shared_views()
    before = shown(landing())
    with Store(store_db) as s:  # the command line, or another window, after the server started
        sha = s.list_reports(current_only=True)["sha256"].iloc[0]
        key = storeview.store_findings(s, [sha])["finding_key"].tolist()
        assert key, "the generated report has no finding to dismiss"
        s.decide_many([(sha, k) for k in key], "dismissed")
    after = shown(landing())
    clear_streamlit_resources()
    fresh = shown(landing())  # built from the store as it is now, without the server's views
    same(after, fresh)
    # the newest report (the table's first row) had findings open; now every one is dismissed
    assert before[1]["未处理"].iloc[0] > 0 and after[1]["未处理"].iloc[0] == 0
    assert (before[1]["错误数"].iloc[0] + before[1]["警告数"].iloc[0] + before[1]["提示数"].iloc[0]
            > after[1]["错误数"].iloc[0] + after[1]["警告数"].iloc[0] + after[1]["提示数"].iloc[0])


def test_an_unopenable_store_builds_nothing_and_the_page_says_why(store_db):
    store_db.write_bytes(b"this is not a database" * 100)
    assert state.build_shared_views() is None
    at = landing()
    assert any("不是有效的报告库" in e.value for e in at.sidebar.error)


def test_start_runs_no_streamlit_command(store_db):
    """serve.start() in a fresh process, outside any script run: no Streamlit context warning, and it says how
    long it took."""
    import subprocess
    import sys

    build_store(store_db, 2, 1)
    code = "from ui import serve; serve.start(log=print)"
    out = subprocess.run([sys.executable, "-c", code], cwd=APP.parent, capture_output=True, text=True, check=True)
    assert "准备就绪" in out.stdout
    assert "ScriptRunContext" not in out.stderr and "Session state does not function" not in out.stderr


def test_start_warms_and_builds(store_db):
    build_store(store_db, 2, 2)
    took = serve.start()
    assert set(took) == {"warm", "views", "trend"}
    s = state._open_store(str(store_db))
    generation = state._generation(s)
    # built: a call now is a cache hit, not a build
    calls = []
    real = storeview.stored_catalog
    try:
        storeview.stored_catalog = lambda *a, **k: calls.append(1) or real(*a, **k)
        state._shared_view(str(s.path), generation, "catalog")
    finally:
        storeview.stored_catalog = real
    assert calls == []


def test_the_first_trend_is_built_at_the_start_and_shown_as_a_session_builds_it(store_db, monkeypatch):
    """趋势's first metric for the store is made before the server listens (ui.state.build_first_trend): the
    first session to open the page makes no trend frame and shows what a session that made it itself shows."""
    build_store(store_db, 4, 3)

    def trend_page():
        at = AppTest.from_file(str(APP), default_timeout=300)
        at.switch_page("pages/trends.py")
        at.run()
        assert not at.exception, at.exception
        return [(m.label, m.value) for m in at.metric], [d.value.reset_index(drop=True) for d in at.dataframe]

    unbuilt = trend_page()
    clear_streamlit_resources()  # a restart
    serve.start()
    made = []
    real = metrics.stored_trend_frame
    monkeypatch.setattr(metrics, "stored_trend_frame", lambda *a, **k: made.append(a[1]) or real(*a, **k))
    first = trend_page()
    assert made == []
    assert first[0] == unbuilt[0] and len(first[1]) == len(unbuilt[1])
    for a, b in zip(first[1], unbuilt[1]):
        assert_frame_equal(a, b)


@pytest.mark.parametrize("module, name, said_what", [
    (storeview, "stored_catalog", "未能预先建立"),  # the landing page's views
    (metrics, "stored_trend_frame", "未能预先计算趋势页"),  # 趋势's first metric
])
def test_a_store_that_fails_while_a_view_is_built_does_not_stop_the_server(store_db, monkeypatch, module, name,
                                                                          said_what):
    import sqlite3

    build_store(store_db, 2, 1)

    def broken(*args, **kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(module, name, broken)
    said = []
    took = serve.start(log=said.append)
    assert set(took) == {"warm", "views", "trend"}
    assert any(said_what in m and "malformed" in m for m in said) and "准备就绪" in said[-1]


def test_a_write_through_the_dashboard_is_shown_as_a_fresh_server_shows_it(store_db):
    """A decision made through the dashboard's own store object: the next session's landing page comes from the
    views brought up to date (not built whole) and shows what a restarted server shows."""
    build_store(store_db, 5, 3)
    state.build_shared_views()
    landing()
    s = state._open_store(str(store_db))
    sha = s.list_reports(current_only=True)["sha256"].iloc[1]
    keys = storeview.store_findings(s, [sha])["finding_key"].tolist()
    assert keys, "the generated report has no finding to dismiss"
    whole = []
    real = state._built_view
    state._built_view = lambda *a: whole.append(a[-1]) or real(*a)
    try:
        s.decide_many([(sha, k) for k in keys], "dismissed")
        after = shown(landing())
    finally:
        state._built_view = real
    assert "catalog" not in whole and "overview" not in whole
    clear_streamlit_resources()
    state._LAST.clear()
    same(after, shown(landing()))
    assert after[1]["未处理"].iloc[1] == 0
