"""Serving an office: localhost by default, accounts when the dashboard is reachable from elsewhere, every decision
and correction signed by its reviewer (ui.accounts, ui.login, the store's reviewer columns)."""
import os
import re
import sqlite3
import stat
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.waits import HANG_SECONDS

from parsing import limits
from parsing.model import ReportError
from parsing.store import SCHEMA_VERSION, Store
from tests.conftest import clear_streamlit_resources
from ui import accounts, core

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
QUNKE = ROOT / "sample_reports" / "000_f2cddb79f4434941.txt"
PAGES = ["pages/upload.py", "pages/completeness.py", "pages/report.py", "pages/trends.py", "pages/compare.py",
         "pages/export.py", "pages/library.py"]
TIMEOUT = HANG_SECONDS  # a hang guard, not a speed check (tests/waits.py)
PASSWORD = "审查员的密码2024"


# ---------------------------------------------------------------------------
# Where the dashboard listens
# ---------------------------------------------------------------------------

def test_config_listens_on_localhost_with_the_real_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["maxUploadSize"] == limits.MAX_FILE_MB


def test_make_run_is_local_and_serving_an_office_needs_accounts():
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = re.search(r"^run:.*?(?=^\S)", make, re.S | re.M).group(0)
    assert "--server.address=127.0.0.1" in run
    office = re.search(r"^serve-office:.*?(?=^\S)", make, re.S | re.M).group(0)
    assert "GOVREPORT_USERS=" in office and "test -s" in office


@pytest.mark.parametrize("address,on", [("127.0.0.1", False), ("localhost", False), ("::1", False),
                                        ("0.0.0.0", True), ("192.168.1.20", True), ("", True), (None, True)])
def test_accounts_are_on_unless_the_address_is_loopback(monkeypatch, address, on):
    monkeypatch.delenv(accounts.ENV_VAR, raising=False)
    assert accounts.accounts_on(address) is on
    monkeypatch.setenv(accounts.ENV_VAR, "/some/users.json")
    assert accounts.accounts_on(address) is True


# ---------------------------------------------------------------------------
# Passwords and the users file
# ---------------------------------------------------------------------------

def test_passwords_are_stored_as_salted_scrypt_hashes(tmp_path):
    path = tmp_path / "users.json"
    accounts.add_user("li", PASSWORD, "李审查", path)
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "scrypt$" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    stored = accounts.load_users(path)["li"]["password"]
    assert accounts.verify_password(PASSWORD, stored)
    assert not accounts.verify_password(PASSWORD + "x", stored)
    assert not accounts.verify_password(PASSWORD, "scrypt$broken")
    assert accounts.hash_password(PASSWORD) != accounts.hash_password(PASSWORD)  # a fresh salt each time
    with pytest.raises(ReportError, match="已存在"):
        accounts.add_user("li", PASSWORD, None, path)
    with pytest.raises(ReportError, match="至少"):
        accounts.add_user("wang", "short", None, path)
    with pytest.raises(ReportError, match="用户名"):
        accounts.add_user("../x", PASSWORD, None, path)
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match="无法读取"):
        accounts.load_users(tmp_path / "bad.json")


def test_command_line_adds_changes_lists_and_removes(tmp_path, monkeypatch, capsys):
    import io

    path = str(tmp_path / "users.json")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert accounts.main(["--file", path, "add", "li", "--name", "李审查", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("另一个足够长的密码\n"))
    assert accounts.main(["--file", path, "passwd", "li", "--password-stdin"]) == 0
    users = accounts.load_users(path)
    assert users["li"]["name"] == "李审查" and accounts.verify_password("另一个足够长的密码", users["li"]["password"])
    assert accounts.main(["--file", path, "list"]) == 0
    assert "li\t李审查" in capsys.readouterr().out
    assert accounts.main(["--file", path, "remove", "li"]) == 0
    assert accounts.load_users(path) == {}
    assert accounts.main(["--file", path, "remove", "li"]) == 1
    assert "没有用户" in capsys.readouterr().err


def test_wrong_passwords_lock_a_username_for_a_while():
    now = [1000.0]
    throttle = accounts.Throttle(clock=lambda: now[0])
    users = {"li": {"name": "李审查", "password": accounts.hash_password(PASSWORD)}}
    assert throttle.login(users, "nobody", PASSWORD) == accounts.MSG_WRONG
    for _ in range(accounts.MAX_FAILURES - 1):
        assert throttle.login(users, "li", "wrong") == accounts.MSG_WRONG
    assert "锁定" in throttle.login(users, "li", "wrong")
    assert "锁定" in throttle.login(users, "li", PASSWORD)  # even the right password, while locked
    now[0] += accounts.LOCKOUT_SECONDS + 1
    assert throttle.login(users, "li", PASSWORD) == accounts.Account("li", "李审查")


# ---------------------------------------------------------------------------
# The dashboard with accounts on
# ---------------------------------------------------------------------------

@pytest.fixture
def users_file(tmp_path, monkeypatch):
    path = tmp_path / "users.json"
    accounts.add_user("li", PASSWORD, "李审查", path)
    monkeypatch.setenv(accounts.ENV_VAR, str(path))
    monkeypatch.setattr(accounts, "THROTTLE", accounts.Throttle())
    return path


def only_the_login_form(at) -> None:
    assert not at.exception, at.exception
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert [t.value for t in at.title] == ["政府信息公开年报审查"]
    assert not at.dataframe and not at.get("plotly_chart") and not at.html and not at.file_uploader
    assert not at.sidebar.caption and not at.sidebar.button  # not even the store's path


@pytest.mark.parametrize("page", PAGES)
def test_without_login_every_page_shows_only_the_login_form(users_file, store_db, page):
    with Store(store_db) as s:  # something to hide
        import parsing
        s.add(parsing.parse_bytes(QUNKE.read_bytes(), QUNKE.name))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    only_the_login_form(at)
    at.switch_page(page).run()
    only_the_login_form(at)
    # a page asked for first thing on a fresh server (Streamlit runs it without app.py then)
    clear_streamlit_resources()
    first = AppTest.from_file(APP, default_timeout=TIMEOUT)
    first.switch_page(page).run()
    only_the_login_form(first)


def test_no_accounts_yet_says_how_to_create_one(tmp_path, monkeypatch):
    monkeypatch.setenv(accounts.ENV_VAR, str(tmp_path / "none.json"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert any("还没有任何账号" in e.value for e in at.error) and "ui.accounts add" in at.code[0].value
    assert not at.text_input and not at.file_uploader


def login(at, password=PASSWORD):
    # AppTest runs every page of pages/ on its own after the first run (Streamlit's multipage v1 fallback), so a
    # widget drawn by app.py in the first run is another widget than the page's: rerun once to type into the
    # form as a returning session sees it.
    at.run()
    at.text_input(key="login_username").input("li")
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_dashboard(users_file):
    at = login(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "wrong")
    assert accounts.MSG_WRONG in [e.value for e in at.error] and at.text_input
    at = login(at)
    assert at.file_uploader(key="uploads") is not None
    at.switch_page("app.py").run()  # the sidebar is app.py's (AppTest runs the pages alone after a first run)
    assert not at.exception, at.exception
    assert any("李审查" in c.value for c in at.sidebar.caption)
    at.button(key="logout").click().run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]


def test_decisions_and_corrections_record_the_reviewer(users_file, store_db):
    at = login(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    at.file_uploader(key="uploads").set_value([(QUNKE.name, QUNKE.read_bytes(), "text/plain")]).run()
    assert not at.exception, at.exception
    sha = core.sha256_of(QUNKE.read_bytes())
    at.session_state["current"] = sha
    at.switch_page("pages/report.py").run()
    assert not at.exception, at.exception
    at.radio(key=f"decide_status_{sha}_0").set_value("confirmed").run()
    at.button(key="decide_save").click().run()
    row = "一、本年新收政府信息公开申请数量"
    at.selectbox(key="fix_table").select("三").run()
    at.selectbox(key="fix_row_三").select(row).run()
    at.selectbox(key=f"fix_col_三_{row}").select("总计").run()
    at.number_input(key="fix_value").set_value(5.0).run()
    at.button(key="fix_save").click().run()
    assert not at.exception, at.exception
    with Store(store_db) as s:
        assert s.decisions(sha)["reviewer"].tolist() == ["li"]
        assert s.findings(sha, decision="confirmed")["decided_by"].tolist() == ["li"]
        assert s.corrections(sha)["reviewer"].tolist() == ["li"]
    assert "li" in at.dataframe(key="report_findings").value["处理人"].tolist()


def test_an_account_removed_from_the_file_is_logged_out(users_file):
    accounts.add_user("wang", PASSWORD, "王审查", users_file)
    at = login(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    assert at.file_uploader(key="uploads") is not None
    accounts.remove_user("li", users_file)
    at.run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]


# ---------------------------------------------------------------------------
# The store keeps who decided
# ---------------------------------------------------------------------------

def test_old_stores_gain_the_reviewer_columns(tmp_path):
    import parsing
    from parsing.store import finding_key

    path = tmp_path / "old.sqlite3"
    report = parsing.parse_bytes(QUNKE.read_bytes(), QUNKE.name)
    key = finding_key("TXT-05", None, None, None, 1)
    with Store(path) as s:
        s.add(report)
        s.decide(report.sha256, key, "dismissed", "旧的决定")
    con = sqlite3.connect(path)  # make it a version-4 store (the last one without reviewer columns)
    con.executescript("ALTER TABLE decisions DROP COLUMN reviewer; ALTER TABLE corrections DROP COLUMN reviewer;"
                      "DROP TABLE publication_dates; PRAGMA user_version=4;"
                      "UPDATE meta SET value='4' WHERE key='schema_version';")
    con.close()
    with Store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        old = s.decisions(report.sha256)
        assert old["note"].tolist() == ["旧的决定"] and old["reviewer"].isna().all()
        s.decide(report.sha256, key, "confirmed", "复核", reviewer="wang")
        assert s.decisions(report.sha256)[["status", "reviewer"]].values.tolist() == [["confirmed", "wang"]]


def test_unknown_users_are_checked_against_a_real_hash_of_the_current_parameters():
    # _DUMMY is written out (no scrypt at import); it must be what hash_password makes, with today's parameters, so an
    # unknown username costs one full scrypt like a known one.
    assert accounts._DUMMY == accounts.hash_password("", salt=b"\0" * 16)
    assert accounts.verify_password("", accounts._DUMMY)
