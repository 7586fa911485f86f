"""Every test runs against a temporary report store: nothing writes into the repository's data/ folder.

A session-wide database is set first (so module-scoped fixtures, such as the browser test's server, inherit
it), then each test gets its own, and Streamlit's resource cache (which holds the open store) is cleared
after the test.
"""
import os

import pytest

# The dashboard listens on 127.0.0.1 (.streamlit/config.toml) and asks for no login there; tests that run from
# another folder (where that file is not read) get the same, and no test inherits a users file from the shell.
os.environ.setdefault("STREAMLIT_SERVER_ADDRESS", "127.0.0.1")


@pytest.fixture(scope="session", autouse=True)
def _components_scanned_once():
    """Every AppTest session starts as a server's does: without scanning every installed package again."""
    from tests.apptest_setup import scan_components_once

    scan_components_once()


@pytest.fixture(scope="session", autouse=True)
def _session_store_db(tmp_path_factory):
    old = os.environ.get("GOVREPORT_DB")
    os.environ["GOVREPORT_DB"] = str(tmp_path_factory.mktemp("store") / "reports.sqlite3")
    yield
    if old is None:
        os.environ.pop("GOVREPORT_DB", None)
    else:
        os.environ["GOVREPORT_DB"] = old


@pytest.fixture(autouse=True)
def store_db(tmp_path, monkeypatch):
    """The path of this test's own (initially absent) report store."""
    db = tmp_path / "reports.sqlite3"
    monkeypatch.setenv("GOVREPORT_DB", str(db))
    monkeypatch.delenv("GOVREPORT_USERS", raising=False)
    monkeypatch.delenv("GOVREPORT_PUBLISH_DEADLINE", raising=False)  # the province's deadline (parsing.rules)
    yield db
    clear_streamlit_resources()


def clear_streamlit_resources() -> None:
    """Forget cached resources (the open store) as a restarted server would."""
    import sys

    if "streamlit" in sys.modules:
        import streamlit as st

        st.cache_resource.clear()


DEMO_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sample_reports", "demo")


@pytest.fixture(scope="session")
def demo_store_file(tmp_path_factory):
    """A store holding the demo county (``sample_reports/demo``: 100 reports, two of them scans), imported once per
    test session through the one pipeline (``parsing.batch.import_folder``, the ``import`` command's path), with
    the original files kept. Without its roster: the dashboard's 载入示例县 button adds that. Tests copy it
    (:func:`demo_db`) and never write to it, so the demo is parsed, and its scans read by OCR, once."""
    from parsing import batch
    from parsing.store import Store

    path = tmp_path_factory.mktemp("demo_store") / "demo.sqlite3"
    with Store(path) as store:
        summary = batch.import_folder(DEMO_DIR, store, keep_files=True)
    assert not summary["failed"], summary["failed"]
    return path


@pytest.fixture
def demo_db(demo_store_file, store_db):
    """This test's store (``store_db``) as a copy of :func:`demo_store_file`."""
    import sqlite3

    src, dst = sqlite3.connect(demo_store_file), sqlite3.connect(store_db)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return store_db
