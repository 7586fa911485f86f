"""AppTest smoke tests: every page with zero reports and with the sample reports loaded."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.waits import HANG_SECONDS

from parsing.readers import EXTENSIONS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
SAMPLES = sorted(p for p in (ROOT / "sample_reports").iterdir()  # the five real seeds (the demo county is below)
                 if p.is_file() and p.suffix.lower() in EXTENSIONS)
PAGES = ["pages/upload.py", "pages/completeness.py", "pages/report.py", "pages/trends.py",
         "pages/compare.py", "pages/export.py"]
TIMEOUT = HANG_SECONDS  # a hang guard, not a speed check (tests/waits.py)


def texts(at) -> str:
    """All visible text of the run (markdown, captions, alerts, titles...)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def fresh() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def loaded() -> AppTest:
    at = fresh()
    at.button(key="load_samples").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_with_no_reports_shows_empty_state(page):
    at = fresh()
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    assert "还没有报告" in texts(at)
    assert any(b.label == "载入示例报告" for b in at.button)


def test_landing_lists_every_sample_with_badge(loaded):
    at = loaded
    overview = at.dataframe(key="overview").value
    assert len(overview) == len(SAMPLES)
    assert set(overview["文件"]) == {p.name for p in SAMPLES}
    badges = overview["结论"].str.split(" ").str[-1]
    assert badges.isin(["通过", "有警告", "有错误", "无法读取"]).all()
    # Every seed names its body and year.
    assert (overview["单位"] != "").all() and overview["年度"].notna().all()
    assert int(at.metric[0].value) == len(SAMPLES)


def test_upload_through_the_uploader_parses_once_per_content():
    at = fresh()
    files = [(p.name, p.read_bytes(), "text/plain") for p in SAMPLES[:3]]
    twin = (f"copy_of_{SAMPLES[0].name}", SAMPLES[0].read_bytes(), "text/plain")
    at.file_uploader(key="uploads").set_value(files + [twin]).run()
    assert not at.exception, at.exception
    overview = at.dataframe(key="overview").value
    assert len(overview) == 3
    assert any("内容相同" in w.value for w in at.warning)


def test_unreadable_upload_gets_its_row_with_a_chinese_message():
    at = fresh()
    good = SAMPLES[0]
    at.file_uploader(key="uploads").set_value([
        (good.name, good.read_bytes(), "text/plain"),
        ("empty.pdf", b"", "application/pdf"),
        ("random.pdf", bytes(range(256)) * 8, "application/pdf"),
    ]).run()
    assert not at.exception, at.exception
    overview = at.dataframe(key="overview").value.set_index("文件")
    assert len(overview) == 3
    for bad in ("empty.pdf", "random.pdf"):
        assert overview.loc[bad, "结论"].endswith("无法读取")
        assert overview.loc[bad, "说明"]  # a message, in Chinese
        assert any("\u4e00" <= ch <= "\u9fff" for ch in overview.loc[bad, "说明"])
    assert not overview.loc[good.name, "结论"].endswith("无法读取")


def test_completeness_page(loaded):
    at = loaded
    at.switch_page("pages/completeness.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert len(table) == len(SAMPLES)
    assert {"一、总体情况", "表三"} <= set(table.columns)


def test_report_page(loaded):
    at = loaded
    at.switch_page("pages/report.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="report_pick").options
    assert len(at.tabs) >= 4
    html = "\n".join(str(e.value) for e in at.html)
    assert "本年新收政府信息公开申请数量" in html and "行政复议" in html
    # Pick the report with the blank 行政复议 row (seed 003): blanks show as （空）, not 0.
    pick = at.selectbox(key="report_pick")
    target = next(o for o in pick.options if "寨科乡" in o)
    pick.select(target).run()
    html = "\n".join(str(e.value) for e in at.html)
    assert "（空）" in html


def test_trends_page(loaded):
    at = loaded
    at.switch_page("pages/trends.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="trend_metric").value == "requests"
    data = at.dataframe[0].value
    assert not data.empty and {"单位", "年度", "项目", "数值"} <= set(data.columns)
    at.selectbox(key="trend_metric").select("outcomes").run()
    assert not at.exception, at.exception


def test_compare_page(loaded):
    at = loaded
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    # The seeds are five different bodies: the page says what it needs.
    assert "至少两个年度" in texts(at) or at.selectbox(key="compare_body") is not None


def test_export_page(loaded):
    at = loaded
    at.switch_page("pages/export.py").run()
    assert not at.exception, at.exception
    assert "审查意见" in texts(at)


def test_compare_page_with_two_years_of_one_body():
    seed = ROOT / "sample_reports" / "000_f2cddb79f4434941.txt"
    this_year = seed.read_text(encoding="utf-8")
    # Last year's report: same body, year 2022, one figure changed and section 一 rewritten in part.
    last_year = this_year.replace("2023年", "2022年").replace("拓宽政务公开范围，", "")
    last_year = last_year.replace("行政规范性文件\t6\t0\t6", "行政规范性文件\t4\t0\t4")
    assert last_year != this_year
    at = fresh()
    at.file_uploader(key="uploads").set_value([
        ("群科镇2022.txt", last_year.encode("utf-8"), "text/plain"),
        ("群科镇2023.txt", this_year.encode("utf-8"), "text/plain"),
    ]).run()
    assert not at.exception, at.exception
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="compare_body").value == "群科镇"
    assert at.selectbox(key="compare_cur").value == 2023 and at.selectbox(key="compare_prev").value == 2022
    changed = at.dataframe[-1].value
    hit = changed[(changed["列"] == "本年制发件数") & changed["行"].str.contains("行政规范性文件")]
    assert hit[["上年", "本年", "变化"]].values.tolist() == [["4", "6", "+2"]]
    assert any("与上年相同的文字占" in e.label for e in at.expander)


def test_zip_upload_is_expanded_safely():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in SAMPLES[:2]:
            z.writestr(f"年报/{p.name}", p.read_bytes())
        z.writestr("../outside.txt", SAMPLES[2].read_bytes())
    at = fresh()
    at.file_uploader(key="uploads").set_value([("batch.zip", buf.getvalue(), "application/zip")]).run()
    assert not at.exception, at.exception
    overview = at.dataframe(key="overview").value
    assert sorted(overview["文件"]) == sorted(p.name for p in SAMPLES[:2])
    assert any("不安全" in w.value for w in at.warning)


def test_clear_empties_the_session_and_keeps_uploaded_files_out():
    at = fresh()
    at.checkbox(key="save_to_store").uncheck().run()  # check only: nothing goes to the store
    p = SAMPLES[0]
    at.file_uploader(key="uploads").set_value([(p.name, p.read_bytes(), "text/plain")]).run()
    overview = at.dataframe(key="overview").value
    assert len(overview) == 1 and overview["报告库"].iloc[0] == "未保存（仅检查）"
    at.button(key="clear_all").click().run()
    assert not at.exception, at.exception
    assert "还没有报告" in texts(at)


def test_clear_keeps_what_was_saved_to_the_store():
    at = fresh()
    assert at.checkbox(key="save_to_store").value is True  # saving is the default
    p = SAMPLES[0]
    at.file_uploader(key="uploads").set_value([(p.name, p.read_bytes(), "text/plain")]).run()
    at.button(key="clear_all").click().run()
    assert not at.exception, at.exception
    overview = at.dataframe(key="overview").value
    assert overview["文件"].tolist() == [p.name] and overview["报告库"].iloc[0] == "库中"


def test_zip_member_names_are_shown_as_written_whatever_the_archiver():
    from tests.test_uploads import zip_raw

    seed = SAMPLES[0].read_bytes()
    other = SAMPLES[1].read_bytes()
    linux = zip_raw([("浓桥镇2023年报告.txt".encode("utf-8"), seed)])   # Linux zip: UTF-8, no flag
    windows = zip_raw([("寨科乡2023年报告.txt".encode("gbk"), other)])   # Windows: GBK, no flag
    at = fresh()
    at.file_uploader(key="uploads").set_value([("linux.zip", linux, "application/zip"),
                                               ("windows.zip", windows, "application/zip")]).run()
    assert not at.exception, at.exception
    assert sorted(at.dataframe(key="overview").value["文件"]) == ["寨科乡2023年报告.txt", "浓桥镇2023年报告.txt"]


def test_a_batch_over_the_limit_is_refused_whole_with_its_message(monkeypatch):
    from parsing import limits

    monkeypatch.setattr(limits, "MAX_BATCH_FILES", 2)
    at = fresh()
    at.file_uploader(key="uploads").set_value([(p.name, p.read_bytes(), "text/plain") for p in SAMPLES[:3]]).run()
    assert not at.exception, at.exception
    assert any("本次共选择了 3 个文件，超过单次上限 2 个" in w.value for w in at.warning)
    assert "还没有报告" in texts(at)  # nothing was parsed: no silent cut to the first files
