import streamlit as st

st.set_page_config(page_title="政府信息公开年报审查", layout="wide")
st.title("政府信息公开工作年度报告审查")
st.info("请上传年度报告文件（PDF、DOCX、HTML、TXT）。")
