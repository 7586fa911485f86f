"""The 简报 (briefing) of one county and year: the figures a provincial office puts in front of its leaders.

From the working set's catalog and findings (:mod:`ui.state`, or built directly in tests) and the store's roster:
reports received against the roster, the pass rate, the most common problems by their Chinese rule names, the
bodies with most errors, the bodies that published late (the PUB-* findings), and the headline figures across
years. :func:`build` computes the numbers, :func:`figures_of` draws them (:mod:`ui.figures`, each with its title,
unit, notes and source line), :func:`document_blocks` lays them out as one document, written as Word by
:func:`docx` (text made inert by :mod:`parsing.exports`). Plain Python, no Streamlit.

Honesty about blanks: a report whose publication date is unknown is not counted as on time (the briefing says how
many were not checked); a year with no roster gives no 未报送 count rather than 0.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import pandas as pd

from parsing import clock, rules
from parsing.exports import Bold, Heading, Image, Paragraph, Table, docx_bytes, html_document

from . import demo as demo_county
from . import figures, storeview, views

DEMO_LABEL = demo_county.LABEL
ALL = "（全部单位）"  # the scope when no county is chosen (or there is no roster)
STATUS_NOT_SENT = "未报送"
STATUS_ORDER = [rules.BADGE_PASS, rules.BADGE_WARN, rules.BADGE_ERROR, rules.BADGE_UNREADABLE, STATUS_NOT_SENT]
STATUS_COLORS = {rules.BADGE_PASS: "#2ca02c", rules.BADGE_WARN: "#ff9f1c", rules.BADGE_ERROR: "#d62728",
                 rules.BADGE_UNREADABLE: "#7f7f7f", STATUS_NOT_SENT: "#9aa5b1"}
TOP_N = 10
LATE_PREFIX = "PUB-"
REQUESTS_ROW = ("三", "一、本年新收政府信息公开申请数量", "总计")

FIGURES = {  # key -> (heading in the document, file stem)
    "status": ("报送与审查结论", "报送与审查结论"),
    "problems": ("最常见的问题", "最常见的问题"),
    "worst": ("问题较多的单位", "问题较多的单位"),
    "late": ("逾期发布的单位", "逾期发布的单位"),
    "history": ("历年报送与通过情况", "历年报送与通过"),
    "pass_rate": ("历年通过率", "历年通过率"),
    "requests": ("历年依申请公开本年新收申请", "历年新收申请"),
}


@dataclass
class Briefing:
    """The numbers of one briefing. Frames have Chinese column names (shown and exported as they are)."""
    scope: str                     # the county (roster 县区), or ALL
    year: int
    generated: str                 # 2026-12-01 21:40:12 北京时间
    n_roster: Optional[int]        # bodies that must report (None: no roster)
    reports: pd.DataFrame          # this year's reports in scope: 单位, 结论, 错误数, 警告数, 发布日期, 名册单位, sha256
    missing: list[str]             # roster bodies without a report this year
    off_roster: list[str]          # bodies that reported but are not on the roster
    badges: dict                   # 结论 -> count (of this year's reports)
    problems: pd.DataFrame         # 问题, 规则, 级别, 次数, 单位数
    worst: pd.DataFrame            # 单位, 错误数, 警告数, 结论
    late: pd.DataFrame             # 单位, 问题, 规则, 发布日期, 期限, 逾期天数
    undated: list[str]             # bodies whose report does not say when it was published (not checked)
    history: pd.DataFrame          # 年度, 应报送, 已报送, 通过, 有错误, 逾期, 通过率
    requests: pd.DataFrame = field(default_factory=pd.DataFrame)  # trend frame: 本年新收 summed per year
    requests_left_out: int = 0     # reports whose 本年新收 is blank or unreadable (not summed, not 0)
    n_all_years: int = 0           # reports in scope over all years (the source line of the trends)
    demo: bool = False             # the reports include the bundled demo county's (labelled 示例数据)

    @property
    def n_reports(self) -> int:
        return len(self.reports)

    @property
    def n_received(self) -> int:
        """Roster bodies that reported (all reports when there is no roster)."""
        if self.n_roster is None:
            return self.n_reports
        return self.n_roster - len(self.missing)

    @property
    def pass_rate(self) -> Optional[float]:
        """Share of this year's reports that passed (通过), None when there are none."""
        return self.badges.get(rules.BADGE_PASS, 0) / self.n_reports if self.n_reports else None

    @property
    def title(self) -> str:
        who = "" if self.scope == ALL else self.scope
        return f"{who}{self.year}年度政府信息公开工作年度报告审查简报" + (f"（{DEMO_LABEL}）" if self.demo else "")

    @property
    def source(self) -> str:
        """What the figures count, for the source line."""
        who = "各单位" if self.scope == ALL else f"{self.scope}各单位"
        return f"{DEMO_LABEL}·" * self.demo + f"{who}{self.year}年度政府信息公开工作年度报告"


def scopes(catalog: pd.DataFrame, roster: Optional[pd.DataFrame]) -> list[str]:
    """The counties a briefing can be made for: the roster's 县区 that have reports, then :data:`ALL`."""
    out = []
    if roster is not None and not roster.empty and "county" in roster.columns:
        have = set(catalog["roster_county"].dropna()) if "roster_county" in catalog.columns else set()
        out = [c for c in dict.fromkeys(roster["county"].dropna()) if c and c in have]
    return out + [ALL]


def years_of(catalog: pd.DataFrame, scope: str) -> list[int]:
    """The years with readable reports in scope, newest first."""
    cat = _in_scope(_readable(catalog), scope)
    return sorted({int(y) for y in cat["year"].dropna()}, reverse=True)


def report_shas(catalog: pd.DataFrame, scope: str, year: int) -> list[str]:
    """The readable reports of ``scope`` and ``year`` (sha256): those whose findings :func:`build` reads whole
    when it is given ``counts``."""
    cat = _in_scope(_readable(catalog), scope)
    return cat.loc[pd.to_numeric(cat["year"], errors="coerce") == int(year), "sha256"].tolist()


def _readable(catalog: pd.DataFrame) -> pd.DataFrame:
    if catalog.empty:
        return catalog
    return catalog[catalog["error"].isna() | (catalog["error"] == "")]


def _in_scope(catalog: pd.DataFrame, scope: str) -> pd.DataFrame:
    if scope == ALL or catalog.empty:
        return catalog
    return catalog[catalog["roster_county"] == scope]


def _roster_in_scope(roster: Optional[pd.DataFrame], scope: str) -> Optional[pd.DataFrame]:
    if roster is None or roster.empty:
        return None
    if scope == ALL:
        return roster
    return roster[roster["county"] == scope]


def _one_per_body(cat: pd.DataFrame) -> pd.DataFrame:
    """One report per body and year: the first row (the catalog lists this session's latest drops first, then the
    store's current versions)."""
    name = cat["roster_body"].where(cat["roster_body"].notna() & cat["roster_body"].astype(str).ne(""), cat["name"])
    cat = cat.assign(_who=name.fillna(cat["body"]).fillna("（单位未识别）"))
    return cat.drop_duplicates(["_who", "year"], keep="first")


def _report_rows(cat: pd.DataFrame, findings: pd.DataFrame, counts: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    cols = ["单位", "年度", "结论", "错误数", "警告数", "发布日期", "名册单位", "sha256"]
    if cat.empty:
        return pd.DataFrame(columns=cols)
    ov = views.overview(cat.drop(columns="_who"), findings, pd.DataFrame(), {}, counts=counts).set_index("sha256")
    out = pd.DataFrame({
        "单位": cat["_who"].to_numpy(),
        "年度": cat["year"].astype(int).to_numpy(),
        "结论": ov.loc[cat["sha256"], "结论"].to_numpy(),
        "错误数": ov.loc[cat["sha256"], "错误数"].astype(int).to_numpy(),
        "警告数": ov.loc[cat["sha256"], "警告数"].astype(int).to_numpy(),
        "发布日期": cat["published"].map(lambda d: "" if d is None or pd.isna(d) else str(d)[:10]).to_numpy(),
        "名册单位": cat["roster_body"].fillna("").astype(str).to_numpy(),
        "sha256": cat["sha256"].to_numpy(),
    })
    return out[cols].reset_index(drop=True)


def _late_rows(f: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    cols = ["单位", "问题", "规则", "发布日期", "期限", "逾期天数"]
    if f.empty:
        return pd.DataFrame(columns=cols)
    late = f[f["rule"].astype(str).str.startswith(LATE_PREFIX)]
    if late.empty:
        return pd.DataFrame(columns=cols)
    who = reports.set_index("sha256")["单位"]

    def days(row) -> Optional[int]:
        try:
            return (date.fromisoformat(str(row["actual"])[:10]) - date.fromisoformat(str(row["expected"])[:10])).days
        except ValueError:
            return None

    out = pd.DataFrame({
        "单位": late["sha256"].map(who).to_numpy(),
        "问题": late["rule"].map(rules.rule_name).to_numpy(),
        "规则": late["rule"].astype(str).to_numpy(),
        "发布日期": late["actual"].astype(str).str[:10].to_numpy(),
        "期限": late["expected"].astype(str).str[:10].to_numpy(),
        "逾期天数": [days(r) for r in late.to_dict("records")],
    })
    out["逾期天数"] = pd.to_numeric(out["逾期天数"], errors="coerce").astype("Int64")
    # one line per body: the latest deadline it missed (the statute's, or the province's when that is later)
    out = out.sort_values(["单位", "逾期天数"], ascending=[True, True]).drop_duplicates("单位", keep="first")
    return out.sort_values("逾期天数", ascending=False, na_position="last")[cols].reset_index(drop=True)


def _problems(f: pd.DataFrame) -> pd.DataFrame:
    cols = ["问题", "规则", "级别", "次数", "单位数"]
    f = f[f["severity"].isin(["error", "warning"])] if not f.empty else f
    if f.empty:
        return pd.DataFrame(columns=cols)
    g = f.groupby("rule", sort=False).agg(次数=("rule", "size"), 单位数=("sha256", "nunique"),
                                          severity=("severity", "first")).reset_index()
    g["问题"] = g["rule"].map(rules.rule_name)
    g["规则"] = g["rule"].astype(str)
    g["级别"] = g["severity"].map(lambda s: {"error": "错误", "warning": "警告"}.get(s, s))
    g = g.sort_values(["单位数", "次数", "规则"], ascending=[False, False, True])
    return g[cols].reset_index(drop=True)


def build(catalog: pd.DataFrame, findings: pd.DataFrame, roster: Optional[pd.DataFrame], scope: str, year: int,
          requests: Optional[pd.DataFrame] = None, counts: Optional[pd.DataFrame] = None) -> Briefing:
    """The briefing of ``scope`` (a roster 县区, or :data:`ALL`) for ``year``.

    ``catalog`` and ``findings`` are the working set's (:func:`ui.state.catalog`, :func:`ui.state.findings`:
    catalog rows with the roster match, findings with decisions; dismissed findings do not count), ``roster`` the
    store's (:meth:`parsing.store.Store.roster`, None without one), ``requests`` the trend frame of the
    ``requests`` metric (:func:`ui.state.trend_data`, :func:`ui.metrics.trend_frame`) for the trend of 本年新收
    applications (left out when None).

    With ``counts`` (:func:`ui.views.finding_counts` columns of every report, e.g. from
    :func:`ui.state.year_findings`), the badges and counts come from it and ``findings`` need only hold the
    findings of ``year``'s reports and the late publications (``PUB-*``) of every year: a province's briefing
    without loading every finding.
    """
    cat = _one_per_body(_in_scope(_readable(catalog), scope).dropna(subset=["year"]))
    act = storeview.active(findings) if not findings.empty else findings
    ros = _roster_in_scope(roster, scope)
    allrep = _report_rows(cat, act, counts)
    reports = allrep[allrep["年度"] == int(year)].reset_index(drop=True)
    f_year = act[act["sha256"].isin(set(reports["sha256"]))] if not act.empty else act

    roster_names = list(dict.fromkeys(ros["body"])) if ros is not None else []
    sent = set(reports["名册单位"]) - {""}
    missing = [b for b in roster_names if b not in sent] if ros is not None else []
    off = sorted(set(reports.loc[reports["名册单位"] == "", "单位"])) if ros is not None else []
    badges = {k: int(v) for k, v in reports["结论"].value_counts().items()}

    worst = reports[(reports["错误数"] > 0) | (reports["警告数"] > 0)]
    worst = worst.sort_values(["错误数", "警告数", "单位"], ascending=[False, False, True])
    worst = worst[["单位", "错误数", "警告数", "结论"]].head(TOP_N).reset_index(drop=True)
    late = _late_rows(f_year, reports)
    undated = sorted(reports.loc[reports["发布日期"] == "", "单位"])

    hist = []
    for y in sorted(set(allrep["年度"])):
        rep_y = allrep[allrep["年度"] == y]
        f_y = act[act["sha256"].isin(set(rep_y["sha256"]))] if not act.empty else act
        late_y = f_y[f_y["rule"].astype(str).str.startswith(LATE_PREFIX)]["sha256"].nunique() if not f_y.empty else 0
        got = len(set(rep_y["名册单位"]) - {""}) if ros is not None else len(rep_y)
        hist.append({"年度": int(y), "应报送": len(roster_names) if ros is not None else None, "已报送": got,
                     "通过": int((rep_y["结论"] == rules.BADGE_PASS).sum()),
                     "有错误": int((rep_y["结论"] == rules.BADGE_ERROR).sum()), "逾期": int(late_y),
                     "通过率": round(100 * (rep_y["结论"] == rules.BADGE_PASS).mean(), 1) if len(rep_y) else None})
    history = pd.DataFrame(hist, columns=["年度", "应报送", "已报送", "通过", "有错误", "逾期", "通过率"])
    history["应报送"] = pd.to_numeric(history["应报送"], errors="coerce").astype("Int64")

    requests, left_out = _requests_trend(requests, allrep, scope)
    return Briefing(scope=scope, year=int(year), generated=figures.generated_text(), n_roster=len(roster_names)
                    if ros is not None else None, reports=reports, missing=missing, off_roster=off, badges=badges,
                    problems=_problems(f_year), worst=worst, late=late, undated=undated, history=history,
                    requests=requests, requests_left_out=left_out, n_all_years=len(allrep),
                    demo=demo_county.any_demo(allrep["sha256"]))


def _requests_trend(trend: Optional[pd.DataFrame], reports: pd.DataFrame, scope: str) -> tuple[pd.DataFrame, int]:
    """本年新收 applications (表三 总计) summed per year over the scope's reports; a report whose cell is blank or
    unreadable is left out of the sum and counted, never taken as 0."""
    from . import metrics

    if trend is None or trend.empty or reports.empty:
        return pd.DataFrame(), 0
    tf = trend[trend["sha256"].isin(set(reports["sha256"])) & (trend["项目"] == "本年新收")]
    if tf.empty:
        return pd.DataFrame(), 0
    label = "各单位合计" if scope == ALL else f"{scope}各单位合计"
    total, left_out = metrics.total_by_year(tf, label)
    counts = tf[tf["完整"]].groupby("年度")["sha256"].nunique()
    total["报告数"] = total["年度"].map(counts).fillna(0).astype(int)
    return total, left_out


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def status_counts(b: Briefing) -> pd.DataFrame:
    """结论 counts of this year's reports, and the roster's bodies that did not report (未报送)."""
    rows = [(s, b.badges.get(s, 0)) for s in STATUS_ORDER[:-1]]
    if b.n_roster is not None:
        rows.append((STATUS_NOT_SENT, len(b.missing)))
    return pd.DataFrame(rows, columns=["结论", "份数"])


def figures_of(b: Briefing) -> dict:
    """Every figure of the briefing, keyed as :data:`FIGURES`."""
    y = f"{b.year}年度"
    who = "" if b.scope == ALL else b.scope
    src, n = b.source, b.n_reports
    st = status_counts(b)
    sent = (f"已报送 {b.n_received} 个单位，名册应报送 {b.n_roster} 个" if b.n_roster is not None
            else f"共 {b.n_reports} 份报告（未导入名册，无法统计未报送）")
    out = {}
    fig = figures.hbar(st["结论"].tolist(), st["份数"].tolist(), f"{who}{y}年报报送与审查结论", "份", source=src,
                       n_reports=n, colors=[STATUS_COLORS[s] for s in st["结论"]], note=f"注：{sent}。")
    out["status"] = fig
    p = b.problems.head(TOP_N)
    out["problems"] = figures.hbar(
        p["问题"].tolist(), p["单位数"].tolist(), f"{who}{y}年报最常见的问题（涉及单位数）", "个单位", source=src,
        n_reports=n, hover=[f"{r['规则']} · {r['级别']} · 共 {r['次数']} 处" for r in p.to_dict("records")],
        note="" if len(b.problems) <= TOP_N else f"注：另有 {len(b.problems) - TOP_N} 类问题未画出，见表。",
        empty="未发现问题")
    w = b.worst
    title = f"{who}{y}年报问题较多的单位（错误与警告项数）"
    if w.empty:
        out["worst"] = figures.hbar([], [], title, "项", source=src, n_reports=n, empty="各单位报告均未发现错误或警告")
    else:
        long = pd.DataFrame([{"单位": r["单位"], "年度": b.year, "项目": k, "数值": float(r[f"{k}数"])}
                             for r in w.to_dict("records") for k in ("错误", "警告")])
        out["worst"] = figures.bars_across_bodies(
            long, title, "项", n_reports=n, source=src, colors=[STATUS_COLORS[rules.BADGE_ERROR],
                                                                STATUS_COLORS[rules.BADGE_WARN]],
            note="注：按错误数排序，错误数相同时按警告数；已排除的检查结果不计。", horizontal=True)
    late = b.late
    und = f"另有 {len(b.undated)} 份报告未载明发布日期，未检查是否逾期。" if b.undated else ""
    out["late"] = figures.hbar(
        late["单位"].tolist(), late["逾期天数"].tolist(), f"{who}{y}年报逾期发布的单位（逾期天数）", "天", source=src,
        n_reports=n, color="#8c564b",
        hover=[f"{r['问题']}（{r['规则']}）· 发布于 {r['发布日期']}，期限 {r['期限']}" for r in late.to_dict("records")],
        note=f"注：{und}" if und else "", empty="未发现逾期发布的报告")
    h = b.history
    all_src = src.replace(f"{b.year}年度", "历年")  # the trends count every year's reports
    n_all = b.n_all_years
    long = []
    for r in h.to_dict("records"):
        if r["应报送"] is not None and not pd.isna(r["应报送"]):
            long.append({"单位": who or "全部", "年度": r["年度"], "项目": "应报送", "数值": float(r["应报送"])})
        long += [{"单位": who or "全部", "年度": r["年度"], "项目": k, "数值": float(r[k])}
                 for k in ("已报送", "通过", "有错误", "逾期")]
    out["history"] = figures.trend_over_years(pd.DataFrame(long), f"{who}历年年报报送与审查情况", "份",
                                              n_reports=n_all, source=all_src)
    rate = pd.DataFrame([{"单位": who or "全部", "年度": r["年度"], "项目": "通过率", "数值": r["通过率"]}
                         for r in h.to_dict("records")])
    fig = figures.trend_over_years(rate, f"{who}历年年报通过率", "%", n_reports=n_all, source=all_src)
    fig.update_yaxes(range=[0, 105], dtick=20)
    out["pass_rate"] = fig
    if not b.requests.empty:
        note = (f"注：{b.requests_left_out} 份报告的本年新收申请数含空白或无法识别的单元格，未计入合计（不按 0 计）。"
                if b.requests_left_out else "")
        out["requests"] = figures.trend_over_years(
            b.requests, f"{who}历年依申请公开本年新收申请（合计）", "件", n_reports=int(b.requests["报告数"].sum()),
            source=all_src, note=note)
    return out


# ---------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------

def pct_text(x: Optional[float]) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def summary_lines(b: Briefing) -> list[str]:
    """The briefing's key sentences, in order (shown on the page and at the head of the document)."""
    lines = []
    if b.n_roster is not None:
        lines.append(f"名册应报送 {b.n_roster} 个单位，已报送 {b.n_received} 个，未报送 {len(b.missing)} 个"
                     + (f"（{'、'.join(b.missing)}）" if b.missing else "") + "。")
        if b.off_roster:
            lines.append(f"另有 {len(b.off_roster)} 份报告的单位不在名册中（{'、'.join(b.off_roster)}）。")
    else:
        lines.append(f"共收到 {b.n_reports} 份报告（未导入名册，无法统计未报送单位）。")
    c = b.badges
    lines.append(f"审查通过 {c.get(rules.BADGE_PASS, 0)} 份，有警告 {c.get(rules.BADGE_WARN, 0)} 份，"
                 f"有错误 {c.get(rules.BADGE_ERROR, 0)} 份，通过率 {pct_text(b.pass_rate)}。")
    if not b.problems.empty:
        top = b.problems.iloc[0]
        lines.append(f"最常见的问题是“{top['问题']}”，涉及 {top['单位数']} 个单位、共 {top['次数']} 处。")
    if not b.late.empty:
        lines.append(f"逾期发布 {len(b.late)} 个单位：" + "、".join(
            f"{r['单位']}（逾期 {r['逾期天数']} 天）" for r in b.late.to_dict("records")) + "。")
    else:
        lines.append("未发现逾期发布的报告" + ("。" if not b.undated else "（以载明发布日期的报告为准）。"))
    if b.undated:
        lines.append(f"{len(b.undated)} 份报告未载明发布日期，未检查是否逾期。")
    return lines


def _table(df: pd.DataFrame, cols: list[str]) -> Table:
    return Table(cols, [["" if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in row]
                        for row in df[cols].itertuples(index=False)])


def document_blocks(b: Briefing, images: Optional[dict[str, bytes]] = None) -> list:
    """The briefing as :mod:`parsing.exports` blocks; ``images`` (figure key -> PNG) are placed under their
    headings (a figure without its PNG is left out, its table stays)."""
    images = images or {}

    def figure(key: str) -> list:
        png = images.get(key)
        return [Image(png, caption=f"图：{FIGURES[key][0]}")] if png else []

    blocks: list = [
        Heading(b.title, 0),
        *([Paragraph([Bold(f"{DEMO_LABEL}："), "示例市示例县及其单位、报告均为虚构，仅供试用，不代表任何真实单位。"])]
          if b.demo else []),
        Paragraph(f"生成于{b.generated}。数据为报告库中各单位该年度报告的当前版本（含人工更正），"
                  "审查人员已排除的检查结果不计。"),
        Heading("一、总体情况", 1),
        *[Paragraph(x, "bullet") for x in summary_lines(b)],
        Heading("二、报送与审查结论", 1),
        Paragraph(["通过率：", Bold(pct_text(b.pass_rate)),
                   f"（{b.badges.get(rules.BADGE_PASS, 0)} / {b.n_reports} 份）"]),
        *figure("status"),
        _table(status_counts(b), ["结论", "份数"]),
    ]
    if b.missing:
        blocks += [Paragraph("未报送的单位：" + "、".join(b.missing))]
    blocks += [Heading("三、最常见的问题", 1)]
    if b.problems.empty:
        blocks.append(Paragraph("未发现问题。"))
    else:
        blocks += [*figure("problems"), _table(b.problems, ["问题", "级别", "单位数", "次数", "规则"])]
    blocks += [Heading("四、问题较多的单位", 1)]
    if b.worst.empty:
        blocks.append(Paragraph("各单位报告均未发现错误或警告。"))
    else:
        blocks += [*figure("worst"), _table(b.worst, ["单位", "错误数", "警告数", "结论"])]
    blocks += [Heading("五、逾期发布", 1)]
    if b.late.empty:
        blocks.append(Paragraph("未发现逾期发布的报告。"))
    else:
        blocks += [*figure("late"), _table(b.late, ["单位", "问题", "发布日期", "期限", "逾期天数", "规则"])]
    if b.undated:
        blocks.append(Paragraph("未载明发布日期（未检查）：" + "、".join(b.undated)))
    blocks += [Heading("六、历年趋势", 1), *figure("history"), *figure("pass_rate")]
    hist = b.history.assign(通过率=b.history["通过率"].map(lambda x: "—" if x is None or pd.isna(x) else f"{x:g}%"))
    blocks.append(_table(hist, ["年度", "应报送", "已报送", "通过", "有错误", "逾期", "通过率"]))
    if not b.requests.empty:
        blocks += [*figure("requests")]
        req = b.requests.assign(数值=b.requests["数值"].map(lambda v: f"{v:g}"))
        blocks.append(_table(req.rename(columns={"数值": "本年新收（件）"}), ["年度", "本年新收（件）", "报告数"]))
        if b.requests_left_out:
            blocks.append(Paragraph(f"注：{b.requests_left_out} 份报告的本年新收申请数含空白或无法识别的单元格，"
                                    "未计入合计（不按 0 计）。"))
    return blocks


def docx(b: Briefing, images: Optional[dict[str, bytes]] = None) -> bytes:
    """The briefing as one Word document."""
    return docx_bytes(document_blocks(b, images))


def html(b: Briefing, images: Optional[dict[str, bytes]] = None) -> str:
    """The briefing as one self-contained HTML page (what the PDF is printed from)."""
    return html_document(document_blocks(b, images), b.title)


def file_name(b: Briefing, ext: str = "docx") -> str:
    """``示例县2024年度年报审查简报_2026-12-01.docx`` (the county's name comes from the roster: no path
    separators or control characters get into the file name)."""
    who = "" if b.scope == ALL else re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]', "_", b.scope)
    return f"{who}{b.year}年度年报审查简报_{clock.today().isoformat()}.{ext}"
