"""简报: one county and year for a briefing: reports against the roster, pass rate, common problems, the bodies with
most errors, late publications, trends; every chart as PNG, the whole page as one Word document."""
import streamlit as st

from ui import briefing, exports, labels, login, state, widgets

login.gate()
state.init()  # this page may run without app.py (see ui.login)

st.title("简报")
widgets.demo_banner()
st.caption("一个县区一个年度的年报审查情况，可直接用于汇报：报送与未报送、通过率、最常见的问题、问题较多的单位、"
           "逾期发布的单位和历年趋势。每张图可下载 PNG，整页可下载为一份 Word 文档。数据为报告库中各单位各年度报告的"
           "当前版本（含人工更正）和本次未保存的报告；审查人员已排除的检查结果不计。")

if widgets.empty_state("简报"):
    st.stop()

store = state.store()
roster = store.roster() if store is not None else None
catalog = state.catalog()
scopes = briefing.scopes(catalog, roster)
c1, c2 = st.columns(2)
scope = c1.selectbox("县区（按名册）", scopes, key="briefing_scope",
                     help="名册中的县区；未导入名册时只能看全部单位，也无法统计未报送。")
years = briefing.years_of(catalog, scope)
if not years:
    st.info("所选范围内没有注明年度的报告。")
    st.stop()
year = c2.selectbox("年度", years, key="briefing_year")

# with the store alone, not every finding: this year's reports' in scope, and the late publications
findings, counts = state.year_findings(briefing.report_shas(catalog, scope, year), briefing.LATE_PREFIX)
b = briefing.build(catalog, findings, roster, scope, year, state.trend_data("requests"), counts=counts)
figs = briefing.figures_of(b)

st.subheader(labels.md(b.title))
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("名册应报送", "—" if b.n_roster is None else f"{b.n_roster} 个")
m2.metric("已报送", f"{b.n_received} 个" if b.n_roster is not None else f"{b.n_reports} 份")
m3.metric("未报送", "—" if b.n_roster is None else f"{len(b.missing)} 个")
m4.metric("通过率", briefing.pct_text(b.pass_rate))
m5.metric("逾期发布", f"{len(b.late)} 个")
st.markdown("\n".join(f"- {labels.md(line)}" for line in briefing.summary_lines(b)))
if roster is None or roster.empty:
    st.caption("在“报告库”页导入名册后，简报按名册统计应报送和未报送的单位。")


def docx_bytes() -> bytes:
    pngs, _ = exports.figures_png(figs)  # without a browser the document keeps its tables, without charts
    return briefing.docx(b, pngs)


def pdf_bytes() -> bytes:
    pngs, _ = exports.figures_png(figs)
    pdf, msg = exports.pdf_from_html(briefing.html(b, pngs))
    if pdf is None:
        raise RuntimeError(msg)
    return pdf


d1, d2, _ = st.columns([1, 1, 3])
with d1:
    st.download_button("下载简报（Word）", docx_bytes, file_name=briefing.file_name(b), key="briefing_docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       icon=":material/description:", on_click="ignore", type="primary",
                       help="整页内容（文字、表格和全部图表）为一份 Word 文档；生成图表需要片刻。")
with d2:
    if exports.chromium_available():
        st.download_button("下载简报（PDF）", pdf_bytes, file_name=briefing.file_name(b, "pdf"), key="briefing_pdf",
                           mime="application/pdf", icon=":material/picture_as_pdf:", on_click="ignore",
                           help="与 Word 版内容相同，便于直接打印或转发。")


def section(key: str, data, heading: str) -> None:
    st.subheader(heading)
    stem = briefing.FIGURES[key][1]
    widgets.chart_with_data(figs[key], data, f"briefing_{key}", f"{b.year}年度_{stem}")


section("status", briefing.status_counts(b), "报送与审查结论")
if b.missing:
    st.markdown("**未报送的单位**：" + "、".join(labels.md(x) for x in b.missing))
if b.off_roster:
    st.caption("不在名册中的报告单位：" + "、".join(labels.md(x) for x in b.off_roster))

if b.problems.empty:
    st.subheader("最常见的问题")
    st.success("未发现问题。")
else:
    section("problems", b.problems, "最常见的问题")

if b.worst.empty:
    st.subheader("问题较多的单位")
    st.success("各单位报告均未发现错误或警告。")
else:
    section("worst", b.worst, "问题较多的单位")

if b.late.empty:
    st.subheader("逾期发布的单位")
    st.success("未发现逾期发布的报告" + ("（以载明发布日期的报告为准）。" if b.undated else "。"))
else:
    section("late", b.late, "逾期发布的单位")
if b.undated:
    st.caption(f"{len(b.undated)} 份报告未载明发布日期，未检查是否逾期（可在“单份报告”页录入发布日期）："
               + "、".join(labels.md(x) for x in b.undated))

section("history", b.history, "历年报送与审查情况")
section("pass_rate", b.history[["年度", "通过", "已报送", "通过率"]], "历年通过率")
if "requests" in figs:
    section("requests", b.requests[["年度", "数值", "报告数"]].rename(columns={"数值": "本年新收（件）"}),
            "历年依申请公开本年新收申请")
