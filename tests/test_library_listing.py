"""The 报告库's listing (``Store.library_listing``, read from the covering index with counts and roster names
matched in Python) lists exactly what ``Store.list_reports`` does, and the page's table built from it is the one
built from ``list_reports``: on the demo county plus several versions of one body and year (a pinned current
version and old ones), a report without body or year, corrections, a publication date the reviewer entered, and
the roster with an automatic and a manual "not in the roster" match."""
import pandas as pd
import pytest

from parsing.store import Store
from tests.test_store import findings_for, make_report
from ui import demo, labels, library


@pytest.fixture
def versioned(demo_db):
    with Store(demo_db) as s:
        v1, v2, v3 = (make_report(seed, "浓桥镇人民政府", 2023) for seed in (1, 2, 3))
        for r in (v1, v2, make_report(4, "浓桥镇", 2022), make_report(5, None, None)):
            s.add(r, findings_for(r))
        s.set_current(v1.sha256)  # the reviewer's choice (pinned)
        s.add(v3, findings_for(v3))  # a later version that does not override it
        cell = v1.values.dropna(subset=["value"]).iloc[0]
        s.correct(v1.sha256, cell["table"], cell["row"], cell["column"], 99.0, note="核对原件")
        s.correct(v3.sha256, cell["table"], cell["row"], cell["column"], None)
        s.set_published(v2.sha256, "2024-01-20")
        s.import_roster(demo.roster_bytes(), name="名册.csv")
        s.match_body("浓桥镇", None)  # the reviewer: not in the roster
        yield s


def test_library_listing_is_list_reports(versioned):
    old = versioned.list_reports()
    new = versioned.library_listing()
    assert len(new) > 100 and new["pinned"].sum() == 1 and (new["is_current"] == 0).sum() >= 2
    assert new["n_corrections"].max() == 1 and new["has_file"].sum() == 100 and new["roster_body"].notna().any()
    assert new["body"].isna().any() and new["year"].isna().any()
    pd.testing.assert_frame_equal(new, old[new.columns])


def test_library_table_is_the_one_built_from_list_reports(versioned):
    old, new = versioned.list_reports(), versioned.library_listing()
    table = library.reports_table(new)
    pd.testing.assert_frame_equal(table, library.reports_table(old))
    assert "当前（人工选定）" in set(table["当前版本"]) and (table["同年版本数"] == 3).sum() == 3
    assert table["文件"].tolist() == [labels.short_file(n) for n in old["file_name"]]
    assert library.version_groups(new) == library.version_groups(old) != []


def test_short_files_is_short_file_of_every_name():
    names = ["a/b.pdf", "县\\乡\\报告.docx", "批次.zip/市/县/报告.txt", "folder/", "", "报告.pdf", "a\\", "/", "\\", "甲/乙\n丙/丁.pdf", "甲\n乙"]
    assert labels.short_files(pd.Series(names)).tolist() == [labels.short_file(n) for n in names]
