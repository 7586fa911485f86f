"""End-to-end, as an office serves it: a real `streamlit run` with accounts on and a store full of hostile text, in
a headless chromium (Debian's). Nothing is reachable before logging in, not even a page asked for first thing on a
fresh server; after logging in no link or image from report text exists in the page, selectbox menus included."""
from pathlib import Path

import pytest

from tests.test_app_hostile import EVIL, build_world
from tests.test_e2e_browser import ARTIFACTS, CHROMIUM, streamlit_server
from ui import accounts
from tests.waits import HANG_MS

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is not installed (CI installs the Debian chromium package)")
PASSWORD = "办公室审查密码123"
WAIT_MS = HANG_MS  # a busy machine is slow, not wrong (tests/waits.py)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("office")
    db, users = tmp / "reports.sqlite3", tmp / "users.json"
    build_world(db)
    accounts.add_user("liming", PASSWORD, "李明", users)
    with streamlit_server({"GOVREPORT_DB": str(db), "GOVREPORT_USERS": str(users)}, "streamlit_office.log") as url:
        yield url


def no_live_user_text(page) -> None:
    live = page.locator(f'a[href*="{EVIL}"], img[src*="{EVIL}"]').evaluate_all(
        "els => els.map(e => e.outerHTML + ' IN ' + e.parentElement.parentElement.outerHTML.slice(0, 400))")
    assert live == []
    assert page.locator("script:not([src])").filter(has_text="alert(1)").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.timeout(1200)
def test_login_first_then_no_live_text(office):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
            page.goto(office + "/library")  # the first request of a fresh server, for an inner page
            expect(page.get_by_role("button", name="登录")).to_be_visible(timeout=WAIT_MS)
            assert page.get_by_text("报告库文件").count() == 0 and page.get_by_text("浓桥镇").count() == 0
            page.goto(office)
            expect(page.get_by_role("button", name="登录")).to_be_visible(timeout=WAIT_MS)
            page.get_by_label("用户名").fill("liming")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_text("已登录：李明（liming）")).to_be_visible(timeout=WAIT_MS)
            expect(page.get_by_text("检查结果").first).to_be_visible(timeout=WAIT_MS)
            no_live_user_text(page)
            page.screenshot(path=str(ARTIFACTS / "11_office_upload.png"), full_page=True)

            for name in ("单份报告", "完整性", "年度对比", "导出", "报告库"):
                page.get_by_role("link", name=name).click()
                expect(page.get_by_text("点我", exact=False).first).to_be_attached(timeout=WAIT_MS)
                no_live_user_text(page)
            page.get_by_role("link", name="单份报告").click()
            expect(page.get_by_text("问题清单").first).to_be_visible(timeout=WAIT_MS)
            page.get_by_label("选择报告").click()  # the picker's menu lists the hostile reports' labels
            expect(page.get_by_role("option").first).to_be_visible(timeout=WAIT_MS)
            no_live_user_text(page)
            page.screenshot(path=str(ARTIFACTS / "12_office_report.png"), full_page=True)
        finally:
            browser.close()
