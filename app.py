"""Entry point: `streamlit run app.py`. Registers the pages and the shared sidebar."""
import streamlit as st

from ui import core, state

st.set_page_config(page_title="政府信息公开年报审查", page_icon="📑", layout="wide")

PAGES = [
    st.Page(state.PAGE_UPLOAD, title="上传与快速检查", icon="📥", default=True),
    st.Page(state.PAGE_COMPLETENESS, title="完整性", icon="🧩"),
    st.Page(state.PAGE_REPORT, title="单份报告", icon="📄"),
    st.Page(state.PAGE_TRENDS, title="趋势", icon="📈"),
    st.Page(state.PAGE_COMPARE, title="年度对比", icon="🔀"),
    st.Page(state.PAGE_EXPORT, title="导出", icon="📤"),
]

nav = st.navigation(PAGES)
state.init()
with st.sidebar:
    reps = state.reports()
    st.caption(f"本次会话已载入 {len(reps)} 份报告" if reps else "尚未载入报告")
    if not core.rules_available():
        st.caption("校验规则模块尚未安装：目前只显示解析说明。")
nav.run()
