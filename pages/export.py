"""导出: the workbook and CSVs of the whole batch, and a summary of one report for the township."""
import streamlit as st

from ui import core, demo, exports, login, state, storeview, widgets

login.gate()
state.init()  # this page may run without app.py (see ui.login)

st.title("导出")
widgets.demo_banner()
st.caption("导出全部检查结果（报告库中各单位各年度的当前版本和本次未保存的报告），或为单份报告生成审查意见，"
           "发回报送单位整改。各图表的 PNG 图片在图表旁下载。")

if widgets.empty_state("导出"):
    st.stop()

overview = state.overview().drop(columns=["sha256"])

# Built only when a download is asked for (a province's store holds a million cells and 150,000 findings): the
# callables get what they need now, no session state.
_store, _session = state.store(), dict(st.session_state["session"])
_own_findings = state.session_findings()
_shas = set(state.catalog()["sha256"].tolist())  # tolist: iterating an arrow column is slow


def values():
    return storeview.working_values(_store, _session)


def findings():
    return storeview.active(storeview.working_findings(_store, _own_findings, _shas))


st.subheader("全部结果")
st.download_button(
    "下载 Excel 工作簿（报告、问题清单、数据明细）",
    lambda: exports.workbook_bytes(overview, findings(), values()),
    file_name="年报审查结果.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="xlsx", icon=":material/table_view:", type="primary", on_click="ignore",
)
c1, c2, c3 = st.columns(3)
c1.download_button("报告清单（CSV）", lambda: exports.csv_bytes(overview), file_name="报告.csv", mime="text/csv",
                   key="csv_reports", on_click="ignore")
c2.download_button("问题清单（CSV）", lambda: exports.csv_bytes(core.findings_display(findings(), with_file=True)),
                   file_name="问题清单.csv", mime="text/csv", key="csv_findings", on_click="ignore")
c3.download_button("数据明细（CSV）", lambda: exports.csv_bytes(exports.values_export_frame(values())),
                   file_name="数据明细.csv", mime="text/csv", key="csv_values", on_click="ignore")

store = state.store()
if store is not None and len(store):
    st.caption("导出结果中已排除的问题不列入问题清单。")
    st.download_button(
        "下载报告库全部内容（Excel：报告、数值、问题、更正、审查决定、名册，含所有版本）",
        lambda: exports.store_workbook_streamed(store),
        file_name="报告库.xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="xlsx_store", icon=":material/inventory_2:", on_click="ignore")

st.subheader("单份报告审查意见")
st.page_link(state.PAGE_REVIEW, label="一个县的全部审查意见（ZIP 和合并文档）：前往 审查台", icon=":material/checklist:")
report = widgets.report_picker(key="export_pick")
if report is not None:
    f = storeview.active(state.findings_of(report.sha256))
    name, is_demo = state.name_of(report.sha256), demo.is_demo(report.sha256)
    md = exports.report_summary_markdown(report, f, name=name, demo=is_demo)
    stem = exports.opinion_stem(name, report.year)
    d1, d2 = st.columns(2)
    d1.download_button("下载审查意见（Word）", lambda: exports.report_summary_docx(report, f, name=name, demo=is_demo),
                       file_name=f"{stem}.docx", key="summary_docx", icon=":material/description:", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    d2.download_button("下载审查意见（Markdown）", md.encode("utf-8"), file_name=f"{stem}.md",
                       mime="text/markdown", key="summary_md", icon=":material/description:", on_click="ignore")
    with st.container(border=True):
        st.markdown(md)
