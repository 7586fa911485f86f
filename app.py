"""Entry point: `streamlit run app.py`. Registers the pages and the shared sidebar."""
import streamlit as st

from ui import core, state

st.set_page_config(page_title="政府信息公开年报审查", page_icon=":material/fact_check:", layout="wide")

PAGES = [
    st.Page(state.PAGE_UPLOAD, title="上传与快速检查", icon=":material/upload_file:", default=True),
    st.Page(state.PAGE_COMPLETENESS, title="完整性", icon=":material/grid_on:"),
    st.Page(state.PAGE_REPORT, title="单份报告", icon=":material/description:"),
    st.Page(state.PAGE_TRENDS, title="趋势", icon=":material/show_chart:"),
    st.Page(state.PAGE_COMPARE, title="年度对比", icon=":material/compare_arrows:"),
    st.Page(state.PAGE_EXPORT, title="导出", icon=":material/download:"),
]

nav = st.navigation(PAGES)
state.init()
with st.sidebar:
    st.caption("报告只保存在本次浏览器会话中；关闭页面后需重新上传。")
nav.run()
