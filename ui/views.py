"""The working set's tables, one of each: the overview (one row per report, with its badge) and the completeness
matrix (reports × the six sections and three tables). Plain pandas, no Streamlit.

Both are built from catalog rows (:mod:`ui.storeview`), whether the reports come from the store or from this
session's drops, so the landing page, the exports and the tests see the same answer.
"""
from __future__ import annotations

from typing import Iterable, Optional

import numpy as np
import pandas as pd

from parsing import forms, rules
from parsing.report import ParsedReport

from . import storeview
from .labels import each_distinct, short_file, short_files

COMPLETENESS_SHORT = {  # compact labels for the heat map's columns (two lines: numeral, then the subject)
    "一、总体情况": "一<br>总体情况", "二、主动公开政府信息情况": "二<br>主动公开",
    "三、收到和处理政府信息公开申请情况": "三<br>依申请公开", "四、政府信息公开行政复议、行政诉讼情况": "四<br>复议诉讼",
    "五、存在的主要问题及改进情况": "五<br>问题与改进", "六、其他需要报告的事项": "六<br>其他事项",
    "表二": "表二<br>主动公开", "表三": "表三<br>依申请", "表四": "表四<br>复议诉讼",
}
COMPLETENESS_ITEMS = [f"{s.numeral}、{s.heading.split('、', 1)[1]}" for s in forms.SECTIONS] + [
    f"表{t}" for t in forms.TABLES]
COMPLETENESS_COLUMNS = ["报告", "单位", "年度", "sha256", *COMPLETENESS_ITEMS]
OVERVIEW_COLUMNS = ["文件", "单位", "地区", "年度", "格式版本", "结论", "错误数", "警告数", "提示数", "未处理",
                    "章节", "报告库", "说明", "sha256"]


def label_of(row: dict) -> str:
    """A report's label from a catalog row: 单位 年度 · 文件 (the body by its display name)."""
    who = row.get("name") or row.get("body") or "（单位未识别）"
    y = row.get("year")
    year = f"{int(y)}年" if y is not None and not pd.isna(y) else "（年度未识别）"
    return f"{who} {year} · {short_file(row.get('file') or '')}"


def labels_of(catalog: pd.DataFrame) -> list[str]:
    """:func:`label_of` of every catalog row (column-wise: a province's 30,000 rows)."""
    names = catalog["name"] if "name" in catalog.columns else pd.Series([None] * len(catalog), index=catalog.index)
    who = names.where(names.notna() & (names != ""), catalog["body"])
    who = who.where(who.notna() & (who != ""), "（单位未识别）")
    years = pd.to_numeric(catalog["year"], errors="coerce")
    year = each_distinct(years.tolist(), lambda y: "（年度未识别）" if pd.isna(y) else f"{int(y)}年")
    files = short_files(catalog["file"].fillna("")).tolist()  # = short_file of each (all distinct in a province)
    # lists, not Series: iterating an arrow string column value by value is slow (a province: 30,000 rows)
    return [f"{w} {y} · {f}" for w, y, f in zip(who.tolist(), year, files)]


def report_label(r: ParsedReport) -> str:
    """:func:`label_of` for a parsed report."""
    return label_of(storeview.session_catalog([r], set()).iloc[0].to_dict())


# ---------------------------------------------------------------------------
# The overview
# ---------------------------------------------------------------------------

def finding_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Per sha256 of a findings frame: ``error``, ``warning``, ``info`` (dismissed ones left out) and ``n_open``
    (without a decision) - the columns :meth:`parsing.store.Store.finding_counts` aggregates in SQL."""
    cols = ["sha256", "error", "warning", "info", "n_open"]
    if findings is None or findings.empty:
        return pd.DataFrame(columns=cols)
    act = storeview.active(findings)
    out = (act.groupby(["sha256", "severity"]).size().unstack(fill_value=0) if not act.empty
           else pd.DataFrame(index=pd.Index([], name="sha256")))
    out = out.reindex(columns=["error", "warning", "info"], fill_value=0)
    opened = findings[findings["decision"].isna()].groupby("sha256").size()
    out = out.reindex(out.index.union(findings["sha256"].unique()), fill_value=0)
    out["n_open"] = opened.reindex(out.index, fill_value=0)
    return out.rename_axis("sha256").reset_index()[cols]


def overview(catalog: pd.DataFrame, findings: Optional[pd.DataFrame], matrix: pd.DataFrame, saved: dict,
             counts: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """One row per report of the working set: the badge (:func:`parsing.rules.badge_counts`; dismissed findings
    do not count), counts, sections found, what became of it in the store (``saved``: sha256 -> SAVED_*; reports
    not dropped now are 库中). The counts come from ``findings``, or ready made from ``counts``
    (:func:`finding_counts` columns, e.g. :func:`ui.state.finding_counts`, aggregated in SQL)."""
    if catalog.empty:
        return pd.DataFrame(columns=OVERVIEW_COLUMNS).astype({"年度": "Int64"})
    # Column-wise (a province's ten years are 30,000 rows): counts and sections looked up by position, the badge
    # from parsing.rules once per distinct (error, warning, info, unreadable), the section text once per distinct
    # set of sections found; plain lists, not Series (iterating an arrow column value by value is slow).
    cat = catalog.reset_index(drop=True)
    sha = cat["sha256"]
    shas = sha.tolist()
    if counts is None:
        counts = finding_counts(findings)
    n = np.zeros((len(cat), 4), dtype="int64")  # error, warning, info, n_open
    has_counts = np.zeros(len(cat), dtype=bool)
    distinct = len(set(shas)) == len(shas)
    if not counts.empty:
        by_sha, at = _first_rows(counts, shas, distinct)
        has_counts = at >= 0
        table = by_sha[["error", "warning", "info", "n_open"]].fillna(0).to_numpy(dtype="int64")
        n[has_counts] = table[at[has_counts]]
    errors = cat["error"].tolist()
    unreadable = [isinstance(e, str) and bool(e) for e in errors]
    err = [e if u else "" for e, u in zip(errors, unreadable)]
    keys = list(zip(n[:, 0].tolist(), n[:, 1].tolist(), n[:, 2].tolist(), unreadable))
    badges = {k: rules.badge_counts(*k[:3], unreadable=k[3]) for k in set(keys)}
    b = [badges[k] for k in keys]
    sections = [""] * len(cat)  # "n/6（缺…）" of the first matrix row of each sha256
    if not matrix.empty:
        first, at = _first_rows(matrix, shas, distinct)
        present = first[COMPLETENESS_ITEMS[:6]].astype(bool).to_numpy()
        code = (present * (1 << np.arange(6))).sum(axis=1)
        numerals = [sec.numeral for sec in forms.SECTIONS]
        text = {}
        for c in set(code.tolist()):
            missing = [numerals[i] for i in range(6) if not c >> i & 1]
            text[c] = f"{6 - len(missing)}/6" + (f"（缺{'、'.join(missing)}）" if missing else "")
        codes = code.tolist()
        sections = ["" if i < 0 else text[codes[i]] for i in at.tolist()]
    stored = cat["stored"].astype(bool).tolist()
    open_n = n[:, 3].tolist()
    has = has_counts.tolist()
    by_default = {True: storeview.SAVED_ZH[storeview.SAVED_STORED], False: storeview.SAVED_ZH[storeview.SAVED_NOT]}
    names = cat["name"] if "name" in cat.columns else pd.Series([None] * len(cat))
    df = pd.DataFrame({
        "文件": pd.Series(short_files(cat["file"]).tolist(), index=cat.index, dtype=cat["file"].dtype),
        "单位": names.where(names.notna() & (names != ""), cat["body"]).fillna(""),
        "地区": cat["region"].fillna(""),
        "年度": cat["year"],
        "格式版本": ["" if e else forms.FORM_NAMES.get(t, "未识别") for e, t in zip(unreadable, cat["template"].tolist())],
        "结论": [x["label"] for x in b], "错误数": [x["error"] for x in b], "警告数": [x["warning"] for x in b],
        "提示数": [x["info"] for x in b],
        "未处理": [(o if h else 0) if st_ else None for o, h, st_ in zip(open_n, has, stored)],
        "章节": ["" if u else t for u, t in zip(unreadable, sections)],
        "报告库": [storeview.SAVED_ZH.get(saved[h], "") if h in saved else by_default[x] for h, x in zip(shas, stored)],
        "说明": pd.Series(err, index=cat.index, dtype=cat["error"].dtype if len(cat) else None), "sha256": sha,
    }, columns=OVERVIEW_COLUMNS)
    df["年度"] = pd.to_numeric(df["年度"], errors="coerce").astype("Int64")
    df["未处理"] = pd.to_numeric(df["未处理"], errors="coerce").astype("Int64")
    return df


def _first_rows(frame: pd.DataFrame, shas: list, distinct: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame``'s first row of each sha256 and, for each of ``shas``, its position there (-1 where absent). When
    ``frame`` lists exactly ``shas`` in that order and they are distinct (the landing page's summaries come in
    its catalog's order: both newest first), the positions are the rows themselves: no index of 30,000 hashes
    built and searched."""
    keys = frame["sha256"]
    if distinct and len(keys) == len(shas) and keys.tolist() == shas:
        return frame, np.arange(len(shas))
    first = frame.drop_duplicates("sha256")
    return first, pd.Index(first["sha256"]).get_indexer(shas)


def sections_matrix(flags: pd.DataFrame) -> pd.DataFrame:
    """What :func:`overview` reads of the completeness matrix (``sha256`` and the six sections, True where
    found) straight from section flags (``s1`` … ``s6``, e.g. ``Store.sections_found``): no report labels, no
    tables."""
    out = pd.DataFrame({"sha256": flags["sha256"].to_numpy()})
    for n, item in enumerate(COMPLETENESS_ITEMS[:6], start=1):
        out[item] = flags[f"s{n}"].astype(bool).to_numpy()
    return out


# ---------------------------------------------------------------------------
# Completeness
# ---------------------------------------------------------------------------

def flags_of(r: ParsedReport) -> dict:
    """Sections found (``s1`` … ``s6``) and ``tables_found`` of a parsed report, as the store's
    ``section_flags`` gives them for stored ones."""
    found = r.sections_found()
    return {"sha256": r.sha256, **{f"s{n}": bool(found[str(n)]) for n in range(1, 7)},
            "tables_found": dict(r.tables_found or {})}


def completeness(catalog: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Readable reports × (6 sections + 3 tables), True where present, from catalog rows and their flags
    (:func:`flags_of`, or ``Store.section_flags``). Columns :data:`COMPLETENESS_COLUMNS`."""
    cat = catalog[catalog["error"].isna() | (catalog["error"] == "")] if not catalog.empty else catalog
    if cat.empty or flags is None or flags.empty:
        return pd.DataFrame(columns=COMPLETENESS_COLUMNS)
    m = cat.merge(flags, on="sha256", how="inner")
    if m.empty:
        return pd.DataFrame(columns=COMPLETENESS_COLUMNS)
    names = m["name"] if "name" in m.columns else m["body"]
    out = pd.DataFrame({
        "报告": labels_of(m),
        "单位": names.fillna("").to_numpy(),
        "年度": m["year"].to_numpy(),
        "sha256": m["sha256"].to_numpy(),
    })
    for n, item in enumerate(COMPLETENESS_ITEMS[:6], start=1):
        out[item] = m[f"s{n}"].astype(bool).to_numpy()
    found = m["tables_found"].tolist()
    for t in forms.TABLES:
        out[f"表{t}"] = [bool((tf or {}).get(t, False)) for tf in found]
    return out[COMPLETENESS_COLUMNS]


def present_words(flags: pd.DataFrame) -> pd.DataFrame:
    """有 where True, 缺失 where not, of every cell (a province's matrix: 270,000 cells, not one call each)."""
    words = np.where(flags.to_numpy(dtype=bool), "有", "缺失")
    return pd.DataFrame(words, columns=flags.columns, index=flags.index).astype("str")


def completeness_of_reports(reports: Iterable[ParsedReport]) -> pd.DataFrame:
    """:func:`completeness` of parsed reports (unreadable ones are left out)."""
    reports = list(reports)
    if not reports:
        return pd.DataFrame(columns=COMPLETENESS_COLUMNS)
    return completeness(storeview.session_catalog(reports, set()), pd.DataFrame([flags_of(r) for r in reports]))


def completeness_by_body_year(matrix: pd.DataFrame) -> pd.DataFrame:
    """Bodies × years: how many of the 9 items the (best) report of that year has, as 'n/9'."""
    if matrix.empty:
        return pd.DataFrame()
    m = matrix.copy()
    m["n"] = m[COMPLETENESS_ITEMS].sum(axis=1)
    m["年度"] = m["年度"].astype("Int64").astype(str).replace("<NA>", "未识别")
    m["单位"] = m["单位"].replace("", "（单位未识别）")
    pv = m.pivot_table(index="单位", columns="年度", values="n", aggfunc="max")
    total = len(COMPLETENESS_ITEMS)
    return pv.map(lambda x: "" if pd.isna(x) else f"{int(x)}/{total}")
