"""The dashboard's province-scale fast paths give what the old code gave, on a store with varied data: the demo
county plus several versions of one body and year (a pinned current version and old ones), a report without body
or year, corrections, a publication date the reviewer entered, and the roster with an automatic and a manual
"not in the roster" match (the fixture of ``tests/test_library_listing.py``).

The old code is kept here as it was (``_old_*``), so that each test compares the new path with it."""
import pandas as pd

from parsing.store import PUBLISHED_BY_REVIEWER, display_name
from parsing.store.queries import _LATE, _REPORT_META
from tests.test_library_listing import versioned  # noqa: F401 (the fixture)


def _old_list_reports(store, current_only: bool = False, counts: bool = True) -> pd.DataFrame:
    """``Store.list_reports`` before it read the covering index: joins and a subquery per report in SQL."""
    where = "WHERE r.is_current=1" if current_only else ""
    cols = ", ".join(f"r.{c}" for c in _REPORT_META)
    counting = (
        " EXISTS(SELECT 1 FROM files f WHERE f.sha256=r.sha256) AS has_file,"
        " COALESCE((SELECT n_findings FROM report_summary q WHERE q.report_id=r.id), 0) AS n_findings,"
        " COALESCE((SELECT n_open FROM report_summary q WHERE q.report_id=r.id), 0) AS n_open,"
        " (SELECT COUNT(*) FROM corrections k WHERE k.sha256=r.sha256) AS n_corrections,") if counts else ""
    df = store._frame(
        f"SELECT {cols}, json_extract(r.extra, '$.published') AS published_as_read,"
        " json_extract(r.extra, '$.published_source') AS read_source,"
        f"{counting}"
        " ro.body AS roster_body, ro.region_path AS roster_path, ro.county AS roster_county,"
        " p.published AS reviewer_published"
        " FROM reports r LEFT JOIN roster_matches m ON m.body_key=r.body_key"
        " LEFT JOIN roster ro ON ro.id=m.roster_id LEFT JOIN publication_dates p ON p.sha256=r.sha256"
        f" {where} ORDER BY r.id DESC")
    read_source = df["read_source"].tolist()
    by_reviewer = df["reviewer_published"].notna().to_numpy()
    df["published"] = df["reviewer_published"].where(by_reviewer, df["published_as_read"])
    df["published_source"] = [PUBLISHED_BY_REVIEWER if r else src for r, src in zip(by_reviewer, read_source)]
    df["display_name"] = [display_name(b, rb) for b, rb in zip(df["body"].tolist(), df["roster_body"].tolist())]
    df = df.drop(columns=["read_source", "reviewer_published"])
    return df[[c for c in df.columns if c not in _LATE] + _LATE]


def test_list_reports_is_the_old_query(versioned):  # noqa: F811
    for current_only in (False, True):
        for counts in (True, False):
            new = versioned.list_reports(current_only=current_only, counts=counts)
            old = _old_list_reports(versioned, current_only=current_only, counts=counts)
            assert len(new) > 100 and new["roster_body"].notna().any() and new["roster_body"].isna().any()
            assert new["body"].isna().any() and new["year"].isna().any()
            assert (new["published_source"] == PUBLISHED_BY_REVIEWER).sum() == (0 if current_only else 1)
            if not current_only:
                assert new["pinned"].sum() == 1 and (new["is_current"] == 0).sum() >= 2
            if counts:
                assert new["n_corrections"].max() == 1 and 90 < new["has_file"].sum() < len(new)
                assert new["n_findings"].sum() > 0
            pd.testing.assert_frame_equal(new, old)
