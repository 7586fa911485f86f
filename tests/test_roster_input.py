"""A roster file is outside input too: a malformed one gets a Chinese message on the 报告库 page (never pandas'
ParserError), and no name is ever shifted into another column."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from parsing.model import ReportError
from parsing.store import Store

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")

MALFORMED = {
    "unclosed quote": '单位名称,市\n"群科镇,海东市\n',
    "row longer than the header": "单位名称,市\n群科镇,海东市,多余,多余\n寨科乡,海东市\n",
    "empty": "",
    "blank lines": "\n\n",
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_roster_is_a_report_error_in_chinese(tmp_path, case):
    with Store(tmp_path / "s.sqlite3") as s:
        with pytest.raises(ReportError) as err:
            s.import_roster(MALFORMED[case].encode("utf-8"), name="名册.csv")
        assert "名册文件“名册.csv”" in err.value.message
        assert s.roster().empty  # nothing half-imported


def test_rows_are_read_as_written(tmp_path):
    with Store(tmp_path / "s.sqlite3") as s:
        assert s.import_roster("单位名称\n群科镇\n寨科乡\n".encode("utf-8"), name="名册.csv") == 2  # one column
        assert sorted(s.roster()["body"]) == ["寨科乡", "群科镇"]
        with pytest.raises(ReportError, match="第 2 行"):
            s.import_roster("单位名称,市\n群科镇,海东市,多余\n".encode("utf-8"), name="名册.csv")
        assert sorted(s.roster()["body"]) == ["寨科乡", "群科镇"]  # the old roster stays


def test_the_library_page_shows_the_message_instead_of_a_traceback():
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/library.py").run()
    assert not at.exception, at.exception
    bad = MALFORMED["unclosed quote"].encode("utf-8")
    at.file_uploader(key="roster_upload").set_value([("名册.csv", bad, "text/csv")]).run()
    at.button(key="roster_import").click().run()
    assert not at.exception, at.exception
    assert any("名册文件" in e.value and "无法解析" in e.value for e in at.error)
