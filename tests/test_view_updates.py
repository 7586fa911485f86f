"""The views of the store shared by sessions (``ui.state._shared_view``: the catalog, the overview, the 报告库's
listing and where each report sits) are brought up to date
from their last build after a write through the dashboard's store object (only the reports written are read
again) and equal a whole build exactly, after every kind of write; a write they cannot follow (another process,
the roster) has them built whole."""
import dataclasses

import pytest
from pandas.testing import assert_frame_equal

from bench.province import parsed_report, specs
from parsing.store import Store
from ui import demo, state, storeview

NAMES = state.UPDATED_VIEWS


@pytest.fixture
def watched(demo_db, monkeypatch):
    """The dashboard's store object on a copy of the demo county, its views built once, and a record of how each
    later build was made (``updated`` or ``whole``)."""
    s = state._open_store(str(demo_db))
    how: list = []
    real = state._updated_view

    def spy(*args):
        out = real(*args)
        how.append((args[-1], "whole" if out is None else "updated"))
        return out

    monkeypatch.setattr(state, "_updated_view", spy)
    check(s)
    how.clear()
    yield s, how
    state._LAST.clear()


def check(s: Store) -> None:
    """Each view at the store's generation, as the pages get it, equals the same view built whole."""
    path, generation = str(s.path), state._generation(s)
    for name in NAMES:
        assert_frame_equal(state._shared_view(path, generation, name), state._built_view(s, path, generation, name))
    assert (state._shared_view(path, generation, "overview")["sha256"].tolist()
            == state._shared_view(path, generation, "catalog")["sha256"].tolist())


def updated(how) -> bool:
    """Whether every view was brought up to date (not built whole) since the last call."""
    out = [h for _, h in how] == ["updated"] * len(NAMES)
    how.clear()
    return out


def new_report(i: int):
    spec = list(specs(3, 2, seed=7))[i]
    return parsed_report(spec)


def test_after_each_write_the_views_equal_a_whole_build(watched):
    s, how = watched
    shas = s.listing_order()[1]
    # decisions: every finding of a report dismissed, then one of them back to open
    found = storeview.store_findings(s)
    sha = found["sha256"].iloc[0]
    keys = found.loc[found["sha256"] == sha, "finding_key"].tolist()
    s.decide_many([(sha, k) for k in keys], "dismissed")
    check(s)
    assert updated(how)
    s.decide(sha, keys[0], None)
    check(s)
    assert updated(how)
    # a correction
    v = s.values_long(sha256=shas[1]).dropna(subset=["value"]).iloc[0]
    s.correct(shas[1], v["table"], v["row"], v["column"], float(v["value"]) + 1)
    check(s)
    assert updated(how)
    # publication dates entered (the first one gives the column its first value: built whole), then removed
    s.set_published(shas[2], "2024-01-20")
    check(s)
    how.clear()
    s.set_published(shas[3], "2024-01-21")
    check(s)
    assert updated(how)
    s.set_published(shas[3], None)
    check(s)
    assert updated(how)
    # new reports, one re-parsed with other findings, one deleted
    for i in range(3):
        report, findings = new_report(i)
        assert s.add(report, findings) == "imported"
        check(s)
        assert updated(how)
    report, findings = new_report(1)
    s.replace(dataclasses.replace(report, title="重新解析"), findings.iloc[:1])
    check(s)
    assert updated(how)
    assert s.delete(new_report(0)[0].sha256)
    check(s)
    assert updated(how)
    # another version of a body and year made current by hand, and back
    report, findings = new_report(2)
    again = dataclasses.replace(report, sha256="f" * 64, file="第二版.pdf")
    s.add(again, findings)
    check(s)
    how.clear()
    s.set_current(report.sha256)
    check(s)
    assert updated(how)
    # the demo county removed (its roster entries with it: the views are built whole)
    demo.remove(s)
    check(s)
    assert s.listing_order()[1] and not set(s.listing_order()[1]) & set(demo.shas())


def test_a_write_by_another_connection_or_to_the_roster_is_read_whole(watched, demo_db):
    s, how = watched
    sha = s.listing_order()[1][0]
    with Store(demo_db) as other:  # the command line, another window's process
        other.set_published(sha, "2024-02-01")
    check(s)
    assert [h for _, h in how] == ["whole"] * len(NAMES)
    how.clear()
    s.import_roster(demo.roster_bytes(), replace=True, name="名册.csv")
    check(s)
    assert [h for _, h in how] == ["whole"] * len(NAMES)
    how.clear()
    s.set_published(sha, None)  # and after them, writes through the store object are followed again
    check(s)
    assert updated(how)


def test_a_rolled_back_write_leaves_no_change(watched):
    s, how = watched
    generation, epoch = s.generation(), s.watch_changes()
    sha = s.listing_order()[1][0]
    with pytest.raises(RuntimeError):
        with s.transaction():
            s.set_published(sha, "2024-03-01")
            raise RuntimeError("cancelled")
    assert s.watch_changes() == epoch and s.changed_since(generation, epoch, s.generation()) == set()
    s.set_published(sha, "2024-03-01")
    rid = s.listing_order(ids=None)[0][0]
    assert s.changed_since(generation, epoch, s.generation()) == {rid}
    check(s)


def test_patch_rows_refuses_what_a_whole_build_could_type_otherwise():
    import numpy as np
    import pandas as pd

    old = pd.DataFrame({"sha256": ["b", "a"], "x": pd.Series(["t", None], dtype="str")})
    ids = np.array([2, 1])
    fresh = pd.DataFrame({"sha256": ["a"], "x": pd.Series([None], dtype=object)})
    out, out_ids = state.patch_rows(old, ids, fresh, np.array([1]), {1})
    assert out_ids.tolist() == [2, 1] and out["x"].dtype == old["x"].dtype
    # the only value left replaced by a missing one: a whole build would read the column as objects
    assert state.patch_rows(old, ids, pd.DataFrame({"sha256": ["b"], "x": [None]}), np.array([2]), {2}) is None
    # a new report, newest first
    added = pd.DataFrame({"sha256": ["c"], "x": pd.Series(["u"], dtype="str")})
    out, out_ids = state.patch_rows(old, ids, added, np.array([3]), {3})
    assert out["sha256"].tolist() == ["c", "b", "a"] and out_ids.tolist() == [3, 2, 1]


def test_patch_rows_puts_new_rows_in_their_sorted_place():
    """Rows sorted by year and body (missing ones last), as the store sorts where each report sits: a few new
    rows merged in their places, many sorted, the same order as sorting everything."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)

    def frame(ids):
        years = pd.array([None if i % 7 == 0 else 2020 + i % 4 for i in ids], dtype="Int64")
        keys = pd.Series([None if i % 5 == 0 else f"单位{i % 6}" for i in ids], dtype="str")
        f = pd.DataFrame({"report_id": ids, "sha256": [f"h{i}" for i in ids], "year": years, "body_key": keys})
        return f.sort_values(["year", "body_key", "report_id"], na_position="last").reset_index(drop=True)

    by = ["year", "body_key", "report_id"]
    for n_new in (3, 100):
        old = frame(list(range(1, 301)))
        gone = {int(i) for i in rng.choice(np.arange(1, 301), 20, replace=False)}
        fresh = frame(list(range(301, 301 + n_new)) + sorted(gone)[:5])  # new ones, and some re-read
        out, ids = state.patch_rows(old, old["report_id"].to_numpy(), fresh, fresh["report_id"].to_numpy(),
                                    gone | set(range(301, 301 + n_new)), by)
        keep = old[~old["report_id"].isin(gone)]
        want = pd.concat([keep, fresh]).sort_values(by, na_position="last").reset_index(drop=True)
        assert_frame_equal(out, want)
        assert ids.tolist() == want["report_id"].tolist()
