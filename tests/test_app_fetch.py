"""AppTest of the 从网站导入 page: paste URLs served by a site on 127.0.0.1, see a bar and a result per URL."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from parsing.store import Store
from tests.fetch_site import GOV_PDF, Site, gbk_report_page, generated_report_page, list_page
from tests.waits import HANG_SECONDS

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def site(monkeypatch):
    monkeypatch.setenv("GOVREPORT_FETCH_ALLOW", "127.0.0.0/8")  # the office allows its own machine
    s = Site().start()
    yield s
    s.stop()


def page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=HANG_SECONDS)
    at.run()
    at.switch_page("pages/fetch.py").run()
    assert not at.exception, at.exception
    return at


def test_fetch_page_imports_pasted_urls_and_says_what_failed(site, store_db):
    good = site.add("/r.html", gbk_report_page(published="2023-01-18", attachment="/f.pdf"))
    site.add("/f.pdf", GOV_PDF.read_bytes(), content_type="application/pdf")
    at = page()
    assert at.title[0].value == "从网站导入"
    at.text_area(key="fetch_urls").input(f"{good}\n{site.url('/gone.html')}\nhttp://10.0.0.8/a.pdf\n").run()
    at.number_input(key="fetch_year").set_value(2022).run()
    at.button(key="fetch_start").click().run()
    assert not at.exception, at.exception
    ok = " ".join(str(e.value) for e in at.success).replace("\\", "")  # shown escaped: text is never live
    bad = " ".join(str(e.value) for e in at.error).replace("\\", "")
    assert "新导入" in ok and "辛集镇" in ok and "2023-01-18" in ok
    assert "404" in bad and "内网" in bad
    with Store(store_db) as s:
        assert len(s) == 1 and len(s.sources()) == 2


def test_fetch_page_lets_the_reviewer_pick_among_several_reports_of_a_list(site, store_db):
    site.add("/qs.html", generated_report_page("测试县青山镇", 2022, 1))
    site.add("/ls.html", generated_report_page("测试县绿水乡", 2022, 2))
    url = site.add("/list.html", list_page([("/qs.html", "青山镇2022年政府信息公开工作年度报告", "2023-01-10"),
                                           ("/ls.html", "绿水乡2022年政府信息公开工作年度报告", "2023-01-11")]))
    at = page()
    at.text_area(key="fetch_urls").input(url).run()
    at.number_input(key="fetch_year").set_value(2022).run()
    at.button(key="fetch_start").click().run()
    assert "请选择" in " ".join(str(e.value) for e in at.warning)
    choice = at.multiselect(key="fetch_pick_0")
    choice.select(next(o for o in choice.options if "绿水乡" in o)).run()
    at.button(key="fetch_pick_go_0").click().run()
    assert not at.exception, at.exception
    with Store(store_db) as s:
        assert s.list_reports()["body"].tolist() == ["绿水乡"]


def test_roster_button_is_disabled_without_report_columns(store_db):
    at = page()
    assert at.button(key="fetch_roster").disabled
