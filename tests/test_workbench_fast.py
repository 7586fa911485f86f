"""The 审查台's fast paths give what the slower code they replace gave, on a store with varied data: decisions of
each kind with notes, a finding repeated two and three times (shown once), one that differs only in its message,
a repeat whose label is stored as ``1.0`` beside ``1`` (the same key, a different place as stored: see
:func:`labelled`), findings
without a place, a message or a section, file names with folders, and a second version of one body's year.

The reference implementations below are the code as it was before (kept here, not in the product): the finding
index with its duplicate check over every finding, the search index built from that frame, the workbench frame
built with ``Series.map`` and ``to_dict("records")``, the old path's search joined with ``DataFrame.agg``.
"""
import dataclasses

import pandas as pd
import pytest

from parsing import clock, rules
from parsing.store import Store
from ui import core, review, storeview, views

COLS = ["rule", "severity", "message", "table", "row", "column", "section", "expected", "actual"]


@pytest.fixture
def store(demo_db):
    s = Store(demo_db)
    f = s.findings(current_only=True)
    keys = list(zip(f["sha256"], f["finding_key"]))
    s.decide_many(keys[:6], "confirmed", "已核对 Straße", reviewer="甲")
    s.decide_many(keys[6:10], "dismissed", "扫描件空行 ARI")
    shas = list(dict.fromkeys(f["sha256"]))
    own = s.findings(shas[0])[COLS]
    one = own.iloc[0].to_dict()
    extra = pd.DataFrame([
        one, one, one,  # three times the same: the repeats numbered #2, #3, shown once
        {**one, "message": "另一处说明"},  # the same key, another message: shown
        {"rule": "TXT-01", "severity": "info", "message": None, "table": None, "row": None, "column": None,
         "section": None, "expected": None, "actual": None},
        {"rule": "TXT-01", "severity": "info", "message": None, "table": None, "row": None, "column": None,
         "section": None, "expected": None, "actual": None},  # a repeat without place or message
        {"rule": "SEC-01", "severity": "warning", "message": "缺少第 3 部分", "table": None, "row": None,
         "column": None, "section": 3, "expected": None, "actual": None},
    ], columns=COLS)
    s.set_findings(shas[0], pd.concat([own, extra], ignore_index=True))
    f2 = s.findings(shas[0])
    s.decide(shas[0], f2["finding_key"].iloc[-1], "dismissed", "不是问题")
    first = s.get(shas[-1])
    second = dataclasses.replace(first, sha256="f" * 64, file="某市/某县/" + first.file + "（更正版）.txt")
    s.add(second, s.findings(first.sha256)[COLS])
    yield s
    s.close()


@pytest.fixture
def labelled(store):
    """``store`` with the same key twice in one report, its table label stored once as "1" and once as "1.0":
    the store's duplicate check compares stored values (both are listed), :func:`ui.storeview.once` compares
    them read as numbers (one is shown), so the old path (a session with drops) is left out where it is used."""
    sha = store.current_shas()[1]
    labels = pd.DataFrame({"rule": ["ARI-06", "ARI-06"], "severity": ["error", "error"],
                           "message": ["合计不等", "合计不等"], "table": pd.Series([1, 1.0], dtype=object),
                           "row": ["总计", "总计"], "column": ["申请", "申请"], "section": [None, None],
                           "expected": [3.0, 3.0], "actual": [4, 4]})
    store.set_findings(sha, pd.concat([store.findings(sha)[COLS], labels], ignore_index=True))
    return store


# -- the code as it was ------------------------------------------------------------------------------------------

def old_finding_index(s: Store, current_only: bool = True, text: bool = False) -> pd.DataFrame:
    where = " WHERE is_current=1" if current_only else ""
    reports = s._frame("SELECT id AS report_id, sha256 FROM reports" + where)
    cols = "f.report_id, f.seq, f.rule, f.severity" + (
        ', f.message, f.table_id AS "table", f.row_key AS "row", f.col_key AS "column", f.section' if text else "")
    f = s._frame(
        f"SELECT {cols} FROM findings f WHERE f.kind='finding' AND NOT EXISTS (SELECT 1 FROM findings g"
        " WHERE g.report_id=f.report_id AND g.kind='finding' AND g.seq<f.seq AND g.rule IS f.rule"
        " AND g.table_id IS f.table_id AND g.row_key IS f.row_key AND g.col_key IS f.col_key"
        " AND g.section IS f.section AND g.message IS f.message)")
    dec = s._frame("SELECT f.report_id, f.seq, d.status AS decision, d.note AS decision_note"
                   " FROM decisions d JOIN reports r ON r.sha256=d.sha256"
                   " JOIN findings f ON f.report_id=r.id AND f.kind='finding' AND f.finding_key=d.finding_key")
    if not text:
        dec = dec.drop(columns="decision_note")
    f = f.merge(reports, on="report_id", how="inner").merge(dec, on=["report_id", "seq"], how="left")
    f = f.sort_values(["report_id", "seq"], ascending=[False, True], kind="stable")
    f["decision"] = f["decision"].astype(object).where(f["decision"].notna(), None)
    head = ["report_id", "sha256", "seq", "rule", "severity", "decision"]
    return f[head + [c for c in f.columns if c not in head]].reset_index(drop=True)


def old_search_index(s: Store, reports: pd.DataFrame) -> pd.DataFrame:
    ix = old_finding_index(s, current_only=True, text=True)
    ix = ix[ix["sha256"].isin(set(reports["sha256"]))]
    who = reports.drop_duplicates("sha256").set_index("sha256")
    body, file = dict(zip(who.index, who["单位"])), dict(zip(who.index, who["文件"]))
    place = [core.location_text({"table": k[0], "row": k[1], "column": k[2], "section": k[3]})
             for k in zip(ix["table"].tolist(), ix["row"].tolist(), ix["column"].tolist(), ix["section"].tolist())]

    def text(v) -> str:
        return "" if v is None or (isinstance(v, float) and v != v) else str(v)

    hay = [" ".join((str(body[sh]), text(m), p, str(rules.rule_name(r)), str(r), str(file[sh]), text(n))).casefold()
           for sh, m, p, r, n in zip(ix["sha256"].tolist(), ix["message"].tolist(), place, ix["rule"].tolist(),
                                     ix["decision_note"].tolist())]
    out = ix[["report_id", "seq", "sha256", "rule", "severity", "decision"]].reset_index(drop=True)
    out["text"] = pd.Series(hay, dtype=object)
    first = {sha: i for i, sha in reversed(list(enumerate(reports["sha256"].tolist())))}
    out["rank"] = [first[sha] for sha in ix["sha256"].tolist()]
    level = out["severity"].map({"error": 0, "错误": 0, "warning": 1, "警告": 1, "info": 2, "提示": 2}).fillna(9)
    out = out.assign(_s=level.astype(int)).sort_values(["_s", "rank", "seq"], kind="stable")
    return out.drop(columns="_s").reset_index(drop=True)


def old_workbench_frame(findings, catalog, badges=None):
    cat = catalog.drop_duplicates("sha256").set_index("sha256")
    f = findings[findings["sha256"].isin(cat.index)].copy()
    rows = cat.loc[f["sha256"]]
    name = rows["name"].where(rows["name"].notna() & (rows["name"] != ""), rows["body"]).fillna("")
    region = rows["roster_path"].where(rows["roster_path"].notna() & (rows["roster_path"] != ""), rows["region"])
    decision = f["decision"] if "decision" in f.columns else pd.Series(None, index=f.index)
    out = pd.DataFrame({
        "处理": [review.STATUS_MARKS[review.status_of(d)] for d in decision],
        "单位": name.replace("", "（单位未识别）").to_numpy(),
        "年度": pd.to_numeric(rows["year"], errors="coerce").astype("Int64").to_numpy(),
        "地区": region.fillna("").astype(str).to_numpy(),
        "结论": [(badges or {}).get(s, "") for s in f["sha256"]],
        "级别": f["severity"].map(lambda s: core.SEVERITY_ZH.get(s, str(s))).to_numpy(),
        "规则": f["rule"].map(rules.rule_name).to_numpy(),
        "问题": f["message"].fillna("").astype(str).to_numpy(),
        "位置": [core.location_text(r) for r in f.to_dict("records")],
        "应为": f["expected"].map(core._num_text).to_numpy(),
        "实为": f["actual"].map(core._num_text).to_numpy(),
        "处理说明": f.get("decision_note", pd.Series(None, index=f.index)).fillna("").astype(str).to_numpy(),
        "处理人": f.get("decided_by", pd.Series(None, index=f.index)).fillna("").astype(str).to_numpy(),
        "处理时间": f.get("decided_at", pd.Series(None, index=f.index)).map(clock.beijing).to_numpy(),
        "规则编号": f["rule"].astype(str).to_numpy(),
        "文件": f["file"].fillna("").map(core.short_file).to_numpy(),
        "sha256": f["sha256"].to_numpy(),
        "finding_key": f.get("finding_key", pd.Series(None, index=f.index)).to_numpy(),
        "可处理": (rows["stored"].fillna(False).astype(bool).to_numpy()
                 & f.get("finding_key", pd.Series(None, index=f.index)).map(lambda k: isinstance(k, str)).to_numpy()),
    })
    order = out["级别"].map({"错误": 0, "警告": 1, "提示": 2}).fillna(9)
    out = out.assign(_o=order).sort_values(["_o", "单位", "年度"], kind="stable").drop(columns="_o")
    return out.reset_index(drop=True)[review.WORKBENCH_COLUMNS]


def old_query_mask(frame: pd.DataFrame, q: str) -> list:
    hay = frame[["单位", "问题", "位置", "规则", "规则编号", "文件", "处理说明"]].astype(str).agg(" ".join, axis=1)
    return hay.str.casefold().str.contains(q.strip().casefold(), regex=False).tolist()


# -- the tests ---------------------------------------------------------------------------------------------------

def working_set(s: Store):
    catalog = storeview.merge_catalog(storeview.empty_catalog(), storeview.stored_catalog(s))
    overview = views.overview(catalog, None, pd.DataFrame(), {}, counts=s.finding_counts())
    badges = dict(zip(overview["sha256"].tolist(), overview["结论"].tolist()))
    return catalog, badges, review.reports_frame(catalog, badges)


def test_the_data_is_varied(labelled):
    store = labelled
    f = store.findings(current_only=True)
    assert f["finding_key"].str.endswith("#3").any() and f["decision"].nunique() == 2
    assert f["table"].isna().any() and f["message"].isna().any() and f["section"].notna().any()
    assert {"1", "1.0"} <= set(f["table"].dropna())
    assert len(old_finding_index(store)) < len(f)  # the repeats are left out


@pytest.mark.parametrize("current_only", [True, False])
@pytest.mark.parametrize("text", [False, True])
def test_the_finding_index_is_the_one_with_the_duplicate_check_over_every_finding(labelled, current_only, text):
    store = labelled
    new, old = store.finding_index(current_only=current_only, text=text), old_finding_index(store, current_only, text)
    assert len(new) and new["decision"].nunique() == 2
    pd.testing.assert_frame_equal(new, old)


def test_the_search_index_is_the_one_built_from_the_finding_frame(labelled):
    store = labelled
    catalog, badges, reports = working_set(store)
    pd.testing.assert_frame_equal(review.search_index(store, reports), old_search_index(store, reports))
    some = reports.iloc[::3].reset_index(drop=True)  # the index of some reports, in another order
    pd.testing.assert_frame_equal(review.search_index(store, some), old_search_index(store, some))
    assert "strasse" in " ".join(review.search_index(store, reports)["text"])  # folded: "STRASSE" finds "Straße"


def test_a_search_finds_across_fields_and_case_as_the_frame_did(store):
    catalog, badges, reports = working_set(store)
    frame = review.workbench_frame(storeview.once(storeview.store_findings(store)), catalog, badges)
    index = review.search_index(store, reports)
    groups = store.workbench_groups(catalog["sha256"].tolist())
    one = frame[frame["处理说明"] != ""].iloc[0]
    across = [one["单位"][-2:] + " " + one["问题"][:2], one["文件"][-4:] + " " + one["处理说明"][:2]]  # two fields
    assert all(q not in str(v) for q in across for v in one.tolist())
    for q in ["STRASSE", "ari-0", "更正版.txt", "某县", "全文", "第三部分", "表二 ·", " 已核对 ", "不在任何地方", *across]:
        old = frame[old_query_mask(frame, q)].reset_index(drop=True)
        pd.testing.assert_frame_equal(review.filter_findings(frame, query=q), old, obj=q)
        new = review.StoredSelection(store, catalog, badges, reports, groups, query=q, search=index)
        assert len(new) == len(old), q
        if len(old):
            pd.testing.assert_frame_equal(new.rows(0, len(old)), old, obj=q)


def test_the_workbench_frame_is_the_one_built_per_row(labelled):
    store = labelled
    catalog, badges, _ = working_set(store)
    findings = storeview.once(storeview.store_findings(store))
    session = findings.iloc[:5].assign(decision=None, decision_note=None, decided_at=None, finding_key=None,
                                       file=["C:\\报告\\a.pdf", "x/y/", "", None, "b.txt"])
    for f in (findings, pd.concat([findings, session], ignore_index=True), findings.iloc[:0]):
        if f.empty:
            assert review.workbench_frame(f, catalog, badges).empty
            continue
        pd.testing.assert_frame_equal(review.workbench_frame(f, catalog, badges), old_workbench_frame(f, catalog, badges))
    cat = catalog.assign(file=["某市\\某县\\" + str(x) if i % 2 else x for i, x in enumerate(catalog["file"])])
    old = cat.drop_duplicates("sha256")["file"].fillna("").map(core.short_file).tolist()
    assert sorted(review.reports_frame(cat, badges)["文件"]) == sorted(old)
    assert sorted(old) != sorted(cat["file"])  # folders were there to drop
