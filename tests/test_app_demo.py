"""The demo county (示例数据): one click loads it, every page says so, the 报告库 page takes it out again, and its
designed defects are what the checks find.

The county is parsed once per test session (``demo_store_file`` in tests/conftest.py); each test here works on a
copy of that store (``demo_db``), or on a few of its files.
"""
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from parsing.store import Store
from tests.waits import HANG_SECONDS
from ui import demo

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
SEED = ROOT / "sample_reports" / "000_f2cddb79f4434941.txt"  # 群科镇 2023, a real report
MANIFEST = json.loads((ROOT / "sample_reports" / "demo" / "manifest.json").read_text(encoding="utf-8"))
PAGES = ["pages/upload.py", "pages/completeness.py", "pages/report.py", "pages/trends.py", "pages/compare.py",
         "pages/export.py", "pages/library.py", "pages/fetch.py", "pages/briefing.py", "pages/review.py"]


def texts(at) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=HANG_SECONDS).run()
    assert not at.exception, at.exception
    return at


def load_demo(at: AppTest) -> AppTest:
    at.button(key="load_demo").click().run()
    assert not at.exception, at.exception
    return at


def banner(at) -> bool:
    return any(str(i.value).startswith(f"{demo.LABEL}：") for i in at.info)


def few_demo_files():
    """Three demo files in three formats (no scan: OCR of the demo happens once, in the session fixture)."""
    wanted = {"html", "docx", "pdf"}
    picked = []
    for f in MANIFEST["files"]:
        if f["format"] in wanted:
            wanted.discard(f["format"])
            picked.append(f["file"])
    return [u for u in demo.files() if u.name in picked]


def test_one_click_loads_the_demo_county_and_the_library_removes_it(store_db, monkeypatch):
    files = few_demo_files()
    assert len(files) == 3
    monkeypatch.setattr(demo, "files", lambda: files)
    at = start()
    assert not banner(at)
    at.file_uploader(key="uploads").set_value([(SEED.name, SEED.read_bytes(), "text/plain")]).run()  # the office's own
    load_demo(at)
    overview = at.dataframe(key="overview").value
    assert set(overview["文件"]) == {SEED.name, *(u.name for u in files)}
    assert banner(at)
    with Store(store_db) as s:
        assert len(s) == 4
        roster = s.roster()
        assert len(roster) == 21 and set(roster["county"]) == {"示例县"}

    at.switch_page("pages/library.py").run()
    assert not at.exception, at.exception
    assert banner(at)
    at.button(key="remove_demo").click().run()
    assert not at.exception, at.exception
    assert "已移除示例县：3 份报告，名册 21 个单位" in texts(at)
    with Store(store_db) as s:
        assert len(s) == 1 and s.roster().empty  # the office's own report stays
    assert not banner(at)
    at.switch_page("pages/upload.py").run()
    assert list(at.dataframe(key="overview").value["文件"]) == [SEED.name]


def test_demo_roster_is_added_to_the_offices_own(store_db, monkeypatch):
    one = few_demo_files()[:1]
    monkeypatch.setattr(demo, "files", lambda: one)
    with Store(store_db) as s:
        s.import_roster("单位名称,市,县区,乡镇街道\n群科镇人民政府,海东市,化隆县,群科镇\n".encode("utf-8"))
    load_demo(start())
    with Store(store_db) as s:
        assert len(s.roster()) == 22
        demo.remove(s)
        assert s.roster()["body"].tolist() == ["群科镇人民政府"]


def test_every_page_says_demo_data_on_the_demo_county(demo_db):
    at = load_demo(start())  # every file is in the store already: nothing is parsed again
    overview = at.dataframe(key="overview").value
    assert len(overview) == len(MANIFEST["files"])
    stored_again = [w.value for w in at.warning if "已在报告库中" in w.value]
    assert len(stored_again) == 1 and f"{len(MANIFEST['files'])} 个文件" in stored_again[0]  # one box, not 100
    assert set(overview["年度"].dropna().astype(int)) == set(MANIFEST["years"])
    copied = next(f for f in MANIFEST["files"] if f.get("rule") == "XYR-04")
    batch = at.session_state["batch_findings"]
    assert "XYR-04" in set(batch.loc[batch["sha256"] == copied["sha256"], "rule"]), copied["what"]
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert banner(at), page
    # The county has bodies with several years: the year-against-year page has something to compare.
    at.switch_page("pages/compare.py").run()
    assert at.selectbox(key="compare_body").options
    # The roster's body that never reported is missing every year.
    at.switch_page("pages/library.py").run()
    missing = [d.value for d in at.dataframe if "单位" in d.value.columns and len(d.value) == 1]
    assert any(MANIFEST["never_reported"][0] in m["单位"].tolist() for m in missing)


BATCH_RULES = {"XYR-04"}  # across bodies: run on a session's drops (parsing.rules.check_batch), not stored


def _designed():
    return [f for f in MANIFEST["files"] if f.get("rule") and f["rule"] not in BATCH_RULES]


@pytest.mark.parametrize("item", _designed(), ids=[f"{f['rule']}-{f['file'][:8]}" for f in _designed()])
def test_the_demos_designed_defects_are_found(demo_store_file, item):
    with Store(demo_store_file) as s:
        rules = set(s.findings(item["sha256"])["rule"])
    assert item["rule"] in rules, (item["what"], sorted(rules))


def test_the_demos_clean_reports_have_no_errors(demo_store_file):
    clean = {f["sha256"] for f in MANIFEST["files"] if not f.get("defect")}
    with Store(demo_store_file) as s:
        f = s.findings(sorted(clean))
    errors = f[f["severity"] == "error"]
    assert errors.empty, errors[["file_name", "rule", "message"]].to_string()
