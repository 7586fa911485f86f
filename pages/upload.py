"""上传与快速检查: drop a batch, see one row per file with its badge."""
import streamlit as st

from ui import core, state, widgets

st.title("上传与快速检查")
st.caption("拖入一批政府信息公开工作年度报告，逐份检查章节、表格与勾稽关系。同一文件重复拖入只解析一次。")

uploads = st.file_uploader(
    "拖入报告文件（可一次多选；支持 PDF、DOCX、HTML、TXT/MD，或包含这些文件的 ZIP 压缩包）",
    type=core.UPLOAD_TYPES, accept_multiple_files=True, key="uploads",
)

if uploads:
    seen = st.session_state["seen_uploads"]
    fresh = [f for f in uploads if (f.name, f.size, getattr(f, "file_id", "")) not in seen]
    if fresh:
        bar = st.progress(0.0, text="正在解析…")
        result = state.add_files(
            [core.Upload(f.name, f.getvalue()) for f in fresh],
            lambda i, n, name: bar.progress(min(i / max(n, 1), 1.0),
                                            text=f"正在解析 {i + 1}/{n}：{core.short_file(name)}" if name else "解析完成"),
        )
        bar.empty()
        seen.update((f.name, f.size, getattr(f, "file_id", "")) for f in fresh)
        if result["added"]:
            st.toast(f"新解析 {result['added']} 个文件")

for msg in st.session_state.get("upload_messages", []):
    st.warning(msg)

left, right = st.columns([1, 1])
with left:
    widgets.load_samples_button()
with right:
    if state.reports() and st.button("清空全部报告", icon=":material/delete:", key="clear_all"):
        state.clear()
        st.rerun()

reports = state.reports()
if not reports:
    st.info("还没有报告。把报告文件拖到上方区域（可以一次拖入很多份，或拖入一个 ZIP 压缩包），"
            "也可以点击“载入示例报告”先试用。解析后每份报告一行，显示单位、年度、格式版本和检查结论。")
    st.stop()

overview = core.overview_frame(reports, state.findings())
labels = overview["结论"]
cols = st.columns(5)
cols[0].metric("报告", len(overview))
cols[1].metric("通过", int((labels == core.BADGE_PASS).sum()))
cols[2].metric("有警告", int((labels == core.BADGE_WARN).sum()))
cols[3].metric("有错误", int((labels == core.BADGE_ERROR).sum()))
cols[4].metric("无法读取", int((labels == core.BADGE_UNREADABLE).sum()))

st.subheader("检查结果")
st.caption("点击一行可打开该报告的详细检查结果。")
shown = overview.drop(columns=["sha256", "地区"])
sel = st.dataframe(
    shown.style.map(widgets.badge_cell_css, subset=["结论"]), hide_index=True, key="overview", on_select="rerun", selection_mode="single-row",
    column_config={
        "年度": st.column_config.NumberColumn("年度", format="%d"),
        "说明": st.column_config.TextColumn("说明", width="large"),
    },
)
rows = sel.selection.rows if sel is not None and hasattr(sel, "selection") else []
if rows:
    st.session_state["current"] = overview.iloc[rows[0]]["sha256"]
    st.switch_page(state.PAGE_REPORT)

if len(overview) <= 60:
    chips = [f"**{widgets.md_escape(r.文件)}** :{core.BADGE_COLORS.get(r.结论, 'gray')}-badge["
             f"{core.BADGE_ICONS.get(r.结论, '')} {r.结论}]" for r in overview.itertuples()]
    st.markdown("　".join(chips))

failed = overview[overview["说明"] != ""]
for r in failed.itertuples():
    st.error(f"{r.文件}：{r.说明}")
