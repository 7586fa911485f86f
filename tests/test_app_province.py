"""Every page renders on a store larger than what pandas' Styler may style (a province's years, scaled down).

1,500 generated reports (150 bodies × 10 years) hold 300,000 cells, past the Styler's default limit of 262,144;
the limit is lowered further here so that the landing page's 1,500 rows × 12 columns would pass it too if that
table were styled whole (it was: StreamlitAPIException on a 30,000-report store). No timing: only that each page
runs without an exception and shows what it should.
"""
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from bench import province
from tests.waits import HANG_SECONDS

ROOT = Path(__file__).resolve().parents[1]

PAGES = ["pages/upload.py", "pages/completeness.py", "pages/report.py", "pages/trends.py", "pages/compare.py",
         "pages/export.py", "pages/library.py", "pages/fetch.py", "pages/review.py", "pages/briefing.py"]
BODIES, YEARS = 150, 10


@pytest.fixture
def province_store(store_db):
    assert province.build_store(store_db, BODIES, YEARS) == BODIES * YEARS
    old = pd.get_option("styler.render.max_elements")
    pd.set_option("styler.render.max_elements", 15_000)  # below 1,500 rows x 12 columns, above one page
    yield store_db
    pd.set_option("styler.render.max_elements", old)


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=HANG_SECONDS)
    at.switch_page(page)
    at.run()
    return at


def test_store_is_larger_than_the_styler_limit(province_store):
    from parsing.store import Store

    with Store(province_store) as s:
        assert len(s.values_long(current_only=False)) == BODIES * YEARS * len(province.CELLS) > 262_144


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_a_province_store(province_store, page):
    at = open_page(page)
    assert not at.exception, at.exception


def test_landing_page_is_paged_and_counts_every_report(province_store):
    at = open_page("pages/upload.py")
    assert not at.exception
    assert at.metric[0].value == str(BODIES * YEARS)
    pages = at.number_input(key="overview_page")
    n_pages = int(pages.max)
    seen = [at.dataframe(key="overview").value]
    assert len(seen[0]) == 300 and n_pages == -(-BODIES * YEARS // 300)  # a page of 300, every one coloured
    for n in range(2, n_pages + 1):
        at.number_input(key="overview_page").set_value(n).run()
        assert not at.exception
        seen.append(at.dataframe(key="overview").value)
    every = pd.concat(seen, ignore_index=True)
    assert len(every) == BODIES * YEARS and not every["文件"].duplicated().any()
    # every synthetic report has blank cells flagged as warnings (ARI-06)
    assert at.metric[2].value == str(BODIES * YEARS)


def test_trend_table_is_paged_and_holds_every_row(province_store):
    """A province's trend (150 bodies x 10 years x 3 items here) is shown a page of rows at a time: every row is
    on one page, none twice, and the table's rows are the trend's own."""
    at = open_page("pages/trends.py")
    assert not at.exception
    pages = at.number_input(key="page_years_requests")
    first = at.dataframe[0].value
    n_pages = int(pages.max)
    assert len(first) == 1000 and n_pages == -(-BODIES * YEARS * 3 // 1000)
    seen = [first]
    for n in range(2, n_pages + 1):
        at.number_input(key="page_years_requests").set_value(n).run()
        assert not at.exception
        seen.append(at.dataframe[0].value)
    every = pd.concat(seen, ignore_index=True)
    assert len(every) == BODIES * YEARS * 3
    assert not every.duplicated(["单位", "年度", "项目"]).any()
    assert set(every["数值"]) - {"（空缺）"} and every["数值"].map(type).eq(str).all()


def test_library_lists_every_version_a_page_at_a_time(province_store):
    from parsing.store import Store

    at = open_page("pages/library.py")
    assert not at.exception
    n_pages = int(at.number_input(key="lib_reports_page").max)
    assert n_pages == -(-BODIES * YEARS // 1000)

    def listing():  # the list of reports (AppTest keeps keys only of selectable tables)
        return next(d.value for d in at.dataframe if "当前版本依据" in d.value.columns)

    seen = [listing()]
    for n in range(2, n_pages + 1):
        at.number_input(key="lib_reports_page").set_value(n).run()
        assert not at.exception
        seen.append(listing())
    every = pd.concat(seen, ignore_index=True)
    with Store(province_store) as s:
        listed = s.list_reports()
    assert len(every) == len(listed) == BODIES * YEARS
    assert every["未处理"].astype(int).tolist() == listed["n_open"].astype(int).tolist()
    assert every["问题"].astype(int).tolist() == listed["n_findings"].astype(int).tolist()


def test_review_table_is_paged_at_300_findings(province_store):
    """审查台 styles one page of 300 findings at a time (as the landing page does): the pages hold every finding the
    metric counts, the last one the rest, and none twice."""
    at = open_page("pages/review.py")
    assert not at.exception

    def page_rows():
        hits = [d for d in at.dataframe if (d.key or "").startswith("wb_table_")]
        assert len(hits) == 1
        return hits[0].value

    n_shown = int(at.metric[0].value)
    n_pages = int(at.number_input(key="wb_page").max)
    assert n_shown > 300 and n_pages == -(-n_shown // 300)
    first = page_rows()
    assert len(first) == 300
    at.number_input(key="wb_page").set_value(n_pages).run()
    assert not at.exception
    last = page_rows()
    assert len(last) == n_shown - 300 * (n_pages - 1)
    both = pd.concat([first, last], ignore_index=True)
    assert not both.duplicated().any()
