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
