"""The dashboard's province-scale fast paths give what the old code gave, on a store with varied data: the demo
county plus several versions of one body and year (a pinned current version and old ones), a report without body
or year, corrections, a publication date the reviewer entered, and the roster with an automatic and a manual
"not in the roster" match (the fixture of ``tests/test_library_listing.py``).

The old code is kept here as it was (``_old_*``), so that each test compares the new path with it."""
from typing import Optional

import pandas as pd

from parsing import forms, rules
from parsing.store import PUBLISHED_BY_REVIEWER, display_name
from parsing.store.queries import _LATE, _REPORT_META
from tests.test_dashboard_views import _two_warnings_decided, store  # noqa: F401 (the fixture)
from tests.test_library_listing import versioned  # noqa: F401 (the fixture)
from tests.test_store import findings_for, make_report
from ui import labels, storeview, views


def _old_list_reports(db, current_only: bool = False, counts: bool = True) -> pd.DataFrame:
    """``Store.list_reports`` before it read the covering index: joins and a subquery per report in SQL."""
    where = "WHERE r.is_current=1" if current_only else ""
    cols = ", ".join(f"r.{c}" for c in _REPORT_META)
    counting = (
        " EXISTS(SELECT 1 FROM files f WHERE f.sha256=r.sha256) AS has_file,"
        " COALESCE((SELECT n_findings FROM report_summary q WHERE q.report_id=r.id), 0) AS n_findings,"
        " COALESCE((SELECT n_open FROM report_summary q WHERE q.report_id=r.id), 0) AS n_open,"
        " (SELECT COUNT(*) FROM corrections k WHERE k.sha256=r.sha256) AS n_corrections,") if counts else ""
    df = db._frame(
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
            light = versioned.list_reports(current_only=current_only, counts=counts, meta=["file_name", "year"])
            assert "title" not in light.columns and "body_key" not in light.columns
            pd.testing.assert_frame_equal(light, old[light.columns])
    new, old = storeview.stored_catalog(versioned), _old_stored_catalog(versioned)
    assert new["published"].notna().any() and new["published"].isna().any()
    # the publication dates, the same ones, made one by one (their type from their values, missing ones None)
    pd.testing.assert_series_equal(new["published"].astype(object).where(new["published"].notna(), None),
                                   old["published"].astype(object).where(old["published"].notna(), None))
    old["published"] = storeview.each_value(old["published"])
    pd.testing.assert_frame_equal(new, old)


def test_each_value_types_a_column_by_its_values():
    both = pd.Series(["2024-01-02", None, float("nan")], dtype=object)
    assert storeview.each_value(both).tolist()[1:] == [None, None] or storeview.each_value(both).isna().sum() == 2
    assert storeview.each_value(both).dtype == pd.Series(["2024-01-02", None]).dtype
    none = storeview.each_value(pd.Series([None, float("nan")], dtype=object))
    assert none.dtype == object and none.tolist() == [None, None]


def _old_stored_catalog(db) -> pd.DataFrame:
    """``ui.storeview.stored_catalog`` before it read only the columns it shows."""
    rep = _old_list_reports(db, current_only=True, counts=False)
    out = pd.DataFrame({
        "sha256": rep["sha256"], "file": rep["file_name"], "name": rep["display_name"], "body": rep["body"],
        "region": rep["region"], "year": rep["year"], "template": rep["template"], "format": rep["format"],
        "error": rep["error"], "stored": True, "session": False, "roster_body": rep["roster_body"],
        "roster_path": rep["roster_path"], "roster_county": rep["roster_county"], "published": rep["published"],
        "published_source": rep["published_source"], "added_at": rep["added_at"],
    })
    return out[storeview.CATALOG_COLUMNS]


def _old_overview(catalog: pd.DataFrame, findings: Optional[pd.DataFrame], matrix: pd.DataFrame, saved: dict,
             counts: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """``ui.views.overview`` before it was column-wise. One row per report of the working set: the badge (:func:`parsing.rules.badge_counts`; dismissed findings
    do not count), counts, sections found, what became of it in the store (``saved``: sha256 -> SAVED_*; reports
    not dropped now are 库中). The counts come from ``findings``, or ready made from ``counts``
    (:func:`finding_counts` columns, e.g. :func:`ui.state.finding_counts`, aggregated in SQL)."""
    if catalog.empty:
        return pd.DataFrame(columns=views.OVERVIEW_COLUMNS).astype({"年度": "Int64"})
    # Vectorised (a province's ten years are 30,000 rows): counts by merge, the badge from parsing.rules
    # applied once per distinct (error, warning, info, unreadable) tuple.
    cat = catalog.reset_index(drop=True)
    sha = cat["sha256"]
    shas = sha.tolist()
    if counts is None:
        counts = views.finding_counts(findings)
    by_sha = counts.drop_duplicates("sha256").set_index("sha256") if not counts.empty else None
    n = pd.DataFrame(0, index=cat.index, columns=["error", "warning", "info"])
    if by_sha is not None:
        for s_ in n.columns:
            n[s_] = sha.map(by_sha[s_]).fillna(0).astype(int).to_numpy()
    open_n = by_sha["n_open"].to_dict() if by_sha is not None else {}
    err = cat["error"].where(cat["error"].map(lambda e: isinstance(e, str) and bool(e)), "")
    unreadable = (err != "").to_numpy()
    badges = {}
    for key in set(zip(n["error"], n["warning"], n["info"], unreadable)):
        badges[key] = rules.badge_counts(*key[:3], unreadable=bool(key[3]))
    b = [badges[k] for k in zip(n["error"], n["warning"], n["info"], unreadable)]
    sections: dict = {}  # sha256 -> "n/6（缺…）", the first row of a sha256; a dict (Series.get per row is slow)
    if not matrix.empty:
        items = views.COMPLETENESS_ITEMS[:6]
        present = matrix[items].astype(bool).to_numpy()
        numerals = [sec.numeral for sec in forms.SECTIONS]
        text = {}
        for row in {tuple(r) for r in present.tolist()}:
            missing = [numerals[i] for i, ok in enumerate(row) if not ok]
            text[row] = f"{6 - len(missing)}/6" + (f"（缺{'、'.join(missing)}）" if missing else "")
        for h, r in zip(matrix["sha256"].tolist(), present.tolist()):
            sections.setdefault(h, text[tuple(r)])
    stored = cat["stored"].astype(bool).to_numpy()
    default_saved = [storeview.SAVED_STORED if x else storeview.SAVED_NOT for x in stored]
    names = cat["name"] if "name" in cat.columns else pd.Series([None] * len(cat))
    df = pd.DataFrame({
        "文件": pd.Series(labels.each_distinct(cat["file"].fillna("").tolist(), labels.short_file), index=cat.index,
                        dtype=cat["file"].dtype if len(cat) else None),
        "单位": names.where(names.notna() & (names != ""), cat["body"]).fillna(""),
        "地区": cat["region"].fillna(""),
        "年度": cat["year"],
        "格式版本": ["" if e else forms.FORM_NAMES.get(t, "未识别") for e, t in zip(unreadable, cat["template"].tolist())],
        "结论": [x["label"] for x in b], "错误数": [x["error"] for x in b], "警告数": [x["warning"] for x in b],
        "提示数": [x["info"] for x in b],
        "未处理": [int(open_n.get(h, 0)) if st_ else None for h, st_ in zip(shas, stored)],
        "章节": ["" if e else sections.get(h, "") for e, h in zip(unreadable, shas)],
        "报告库": [storeview.SAVED_ZH.get(saved.get(h, d), "") for h, d in zip(shas, default_saved)],
        "说明": err, "sha256": sha,
    }, columns=views.OVERVIEW_COLUMNS)
    df["年度"] = pd.to_numeric(df["年度"], errors="coerce").astype("Int64")
    df["未处理"] = pd.to_numeric(df["未处理"], errors="coerce").astype("Int64")
    return df


def _session_and_store(store):  # noqa: F811 (the fixture)
    """The working set of a session that dropped a stored report, an unsaved one and an unreadable one, with
    their findings (one dismissed, one confirmed among the stored ones): catalog, findings, saved."""
    ids = store._conn.execute("SELECT id, sha256 FROM reports WHERE is_current=1 ORDER BY id").fetchall()
    with store.transaction() as tx:
        tx.execute("UPDATE sections SET found=0 WHERE report_id=? AND number IN (2, 5)", (ids[2][0],))
        tx.execute("UPDATE reports SET error='无法读取：测试' WHERE id=?", (ids[3][0],))
    _two_warnings_decided(store)
    dropped = store.get(ids[0][1])
    unsaved = make_report(7, "某某乡人民政府", 2023)
    clean = make_report(9, "某某镇人民政府", 2023)  # no findings: passes
    unreadable = make_report(8, None, None)
    unreadable.error = "文件无法读取"
    session = storeview.session_catalog([dropped, unsaved, clean, unreadable], {dropped.sha256})
    cat = storeview.merge_catalog(session, storeview.stored_catalog(store))
    own = findings_for(unsaved)
    own.loc[len(own)] = dict(own.iloc[0], rule="ARI-01", severity="error", message="合计不符")
    own = own.assign(sha256=unsaved.sha256, file=unsaved.file)
    f = pd.concat([storeview.store_findings(store), storeview.with_decision_columns(own)], ignore_index=True)
    saved = {dropped.sha256: storeview.SAVED_UNCHANGED, unsaved.sha256: storeview.SAVED_NOT,
             clean.sha256: storeview.SAVED_IMPORTED, unreadable.sha256: storeview.SAVED_UNREADABLE}
    matrix = views.completeness(cat, pd.concat([store.section_flags(), pd.DataFrame([views.flags_of(unsaved), views.flags_of(clean)])],
                                               ignore_index=True))
    return cat, f, saved, matrix


def test_overview_is_the_old_one(store):  # noqa: F811
    cat, f, saved, matrix = _session_and_store(store)
    assert cat["session"].sum() == 4 and cat["error"].fillna("").ne("").sum() == 2
    for counts in (None, views.finding_counts(f)):
        for m in (matrix, matrix.iloc[::-1], matrix.iloc[:0], views.sections_matrix(store.sections_found())):
            for s_ in (saved, {}):
                new = views.overview(cat, f, m, s_, counts=counts)
                pd.testing.assert_frame_equal(new, _old_overview(cat, f, m, s_, counts=counts), check_exact=True)
    new = views.overview(cat, f, matrix, saved)
    assert set(new["结论"]) == {rules.BADGE_PASS, rules.BADGE_WARN, rules.BADGE_ERROR, rules.BADGE_UNREADABLE}
    assert new["章节"].str.contains("缺").any() and (new["章节"] == "").sum() == 2
    assert new["报告库"].nunique() == 5 and new["未处理"].isna().sum() == 3
    stored_only = storeview.merge_catalog(storeview.empty_catalog(), storeview.stored_catalog(store))
    counts = store.finding_counts()
    pd.testing.assert_frame_equal(views.overview(stored_only, None, matrix, {}, counts=counts),
                                  _old_overview(stored_only, None, matrix, {}, counts=counts), check_exact=True)
    empty = storeview.empty_catalog()
    pd.testing.assert_frame_equal(views.overview(empty, f, matrix, {}), _old_overview(empty, f, matrix, {}))


def test_overview_of_summaries_in_the_catalogs_order_is_the_old_one(store):  # noqa: F811
    """The landing page's path: the store's summaries come in its catalog's order (newest first), and the overview
    then takes their rows by position; the same frame as the old lookup, also when the orders differ, a report
    is missing from the summaries or the catalog lists a report twice (the first row of a sha256 counts)."""
    _session_and_store(store)  # a missing section, an unreadable report, decisions
    stored_only = storeview.merge_catalog(storeview.empty_catalog(), storeview.stored_catalog(store))
    summary = store.report_summaries()
    assert summary["sha256"].tolist() == stored_only["sha256"].tolist()  # the fast path is the one taken
    counts = summary[["sha256", "error", "warning", "info", "n_open"]]
    matrix = views.sections_matrix(summary)
    assert counts[["error", "warning", "n_open"]].to_numpy().any() and not matrix.iloc[:, 1:].all(axis=None)
    twice = pd.concat([stored_only, stored_only.iloc[:1]], ignore_index=True)
    bumped = counts.iloc[:1].assign(error=7, warning=0)  # a second row for a report, which must not count
    cases = [(stored_only, counts, matrix), (stored_only, counts.iloc[::-1], matrix.iloc[::-1]),
             (stored_only, counts.iloc[1:], matrix.iloc[:-1]), (stored_only.iloc[::-1], counts, matrix),
             (twice, pd.concat([counts, bumped], ignore_index=True), pd.concat([matrix, matrix.iloc[:1]])),
             (twice, counts, matrix)]
    for cat, c, m in cases:
        pd.testing.assert_frame_equal(views.overview(cat, None, m, {}, counts=c),
                                      _old_overview(cat, None, m, {}, counts=c), check_exact=True)


def _old_labels_of(catalog: pd.DataFrame) -> list[str]:
    """``ui.views.labels_of`` before the file names were shortened column-wise."""
    names = catalog["name"] if "name" in catalog.columns else pd.Series([None] * len(catalog), index=catalog.index)
    who = names.where(names.notna() & (names != ""), catalog["body"])
    who = who.where(who.notna() & (who != ""), "（单位未识别）")
    years = pd.to_numeric(catalog["year"], errors="coerce")
    year = ["（年度未识别）" if pd.isna(y) else f"{int(y)}年" for y in years.tolist()]
    files = labels.each_distinct(catalog["file"].fillna("").tolist(), labels.short_file)
    return [f"{w} {y} · {f}" for w, y, f in zip(who.tolist(), year, files)]


def _old_completeness(catalog: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """``ui.views.completeness`` before it, with its labels, was column-wise."""
    cat = catalog[catalog["error"].isna() | (catalog["error"] == "")] if not catalog.empty else catalog
    if cat.empty or flags is None or flags.empty:
        return pd.DataFrame(columns=views.COMPLETENESS_COLUMNS)
    m = cat.merge(flags, on="sha256", how="inner")
    if m.empty:
        return pd.DataFrame(columns=views.COMPLETENESS_COLUMNS)
    names = m["name"] if "name" in m.columns else m["body"]
    out = pd.DataFrame({
        "报告": _old_labels_of(m),
        "单位": names.fillna("").to_numpy(),
        "年度": m["year"].to_numpy(),
        "sha256": m["sha256"].to_numpy(),
    })
    for n, item in enumerate(views.COMPLETENESS_ITEMS[:6], start=1):
        out[item] = m[f"s{n}"].astype(bool).to_numpy()
    for t in forms.TABLES:
        out[f"表{t}"] = [bool((tf or {}).get(t, False)) for tf in m["tables_found"]]
    return out[views.COMPLETENESS_COLUMNS]


def test_labels_and_completeness_are_the_old_ones(store):  # noqa: F811
    cat, f, saved, matrix = _session_and_store(store)
    odd = cat.copy()
    odd.loc[0, "file"] = "批次.zip/某县\\乡/报告.pdf"
    odd.loc[1, "file"] = None
    odd.loc[2, "name"] = ""
    assert views.labels_of(odd) == _old_labels_of(odd)
    assert any("（年度未识别）" in x for x in views.labels_of(cat)) and any("（单位未识别）" in x for x in views.labels_of(odd))
    flags = pd.concat([store.section_flags(), pd.DataFrame([views.flags_of(make_report(7, "某某乡人民政府", 2023))])],
                      ignore_index=True)
    new = views.completeness(cat, flags)
    pd.testing.assert_frame_equal(new, _old_completeness(cat, flags), check_exact=True)
    assert not new[views.COMPLETENESS_ITEMS].all(axis=None) and new["表二"].any() and not new["表四"].all()
    for c in (cat.iloc[:0], cat):
        for fl in (flags.iloc[:0], flags.iloc[::-1]):
            pd.testing.assert_frame_equal(views.completeness(c, fl), _old_completeness(c, fl), check_exact=True)
    words = views.present_words(new[views.COMPLETENESS_ITEMS])
    pd.testing.assert_frame_equal(words, new[views.COMPLETENESS_ITEMS].map(lambda ok: "有" if ok else "缺失"))
    assert set(words.to_numpy().ravel()) == {"有", "缺失"}


def test_report_summaries_are_the_finding_counts_and_sections_found(store):  # noqa: F811
    cat, f, saved, matrix = _session_and_store(store)  # a missing section, an unreadable report, decisions
    with store.transaction() as tx:  # an older version
        tx.execute("UPDATE reports SET is_current=0 WHERE id=(SELECT MIN(id) FROM reports)")
    for current_only in (True, False):
        both = store.report_summaries(current_only=current_only)
        counts = store.finding_counts(current_only=current_only)
        pd.testing.assert_frame_equal(both[counts.columns], counts, check_exact=True)
        sections = store.sections_found(current_only=current_only)
        pd.testing.assert_frame_equal(both.iloc[::-1].reset_index(drop=True)[sections.columns], sections)
        assert both["n_open"].sum() > 0 and not both[[f"s{n}" for n in range(1, 7)]].all(axis=None)
    assert len(store.report_summaries(current_only=False)) > len(store.report_summaries())

