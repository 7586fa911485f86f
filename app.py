"""Entry point: `streamlit run app.py`. Registers the pages and the shared sidebar (where the report store is)."""
import streamlit as st

from ui import labels, login, state

st.set_page_config(page_title="政府信息公开年报审查", page_icon=":material/fact_check:", layout="wide")

PAGES = [
    st.Page(state.PAGE_UPLOAD, title="上传与快速检查", icon=":material/upload_file:", default=True),
    st.Page(state.PAGE_REVIEW, title="审查台", icon=":material/checklist:"),
    st.Page(state.PAGE_COMPLETENESS, title="完整性", icon=":material/grid_on:"),
    st.Page(state.PAGE_REPORT, title="单份报告", icon=":material/description:"),
    st.Page(state.PAGE_TRENDS, title="趋势", icon=":material/show_chart:"),
    st.Page(state.PAGE_COMPARE, title="年度对比", icon=":material/compare_arrows:"),
    st.Page("pages/briefing.py", title="简报", icon=":material/summarize:"),
    st.Page(state.PAGE_EXPORT, title="导出", icon=":material/download:"),
    st.Page(state.PAGE_LIBRARY, title="报告库", icon=":material/inventory_2:"),
    st.Page("pages/fetch.py", title="从网站导入", icon=":material/travel_explore:"),
]

# Pages are listed only to a logged-in reviewer when accounts are on (an office serving the dashboard).
nav = st.navigation(PAGES, position="sidebar" if login.account() or not login.required() else "hidden")
login.gate()
state.init()
store = state.store()
with st.sidebar:
    login.sidebar()
    if store is None:
        st.error(state.store_error() or "报告库无法打开。")
        st.caption("本次检查结果只保存在浏览器会话中；关闭页面后需重新上传。")
    else:
        st.caption(f"报告库：{labels.code(store.path)}")
        st.caption(f"库中共 {len(store)} 份报告（含旧版本）。可用环境变量 GOVREPORT_DB 指定其他位置。")
        if st.button("刷新报告库", key="refresh_store", icon=":material/refresh:",
                     help="命令行导入或其他窗口改动报告库后，点此重新读取"):
            state.changed()
nav.run()
