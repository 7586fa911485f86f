"""上传与快速检查: drop a batch, see one row per file with its badge; saved to the report store unless unticked."""
import streamlit as st

from parsing import limits
from parsing.uploads import Upload
from ui import core, labels, login, state, widgets

login.gate()
state.init()  # this page may run without app.py (see ui.login)

# rows per page of the overview; every page's verdict cells are coloured, and pandas' Styler takes about half a
# second per 1,000 rows, so a page is kept short
PAGE_ROWS = 300
MAX_ERRORS_SHOWN = 50

st.title("上传与快速检查")
st.caption("拖入一批政府信息公开工作年度报告，逐份检查章节、表格与勾稽关系。同一文件重复拖入只解析一次。")

save = st.checkbox("保存到报告库", value=st.session_state.get("save_choice", True), key="save_to_store",
                   help="勾选时，解析结果、检查结果和原始文件一并存入报告库，下次打开仍在；"
                        "取消勾选则只检查、不保存（关闭页面后结果消失）。")
st.session_state["save_choice"] = save
if state.store() is None and save:
    st.warning("报告库无法打开，本次结果只保存在浏览器会话中。")

uploads = st.file_uploader(
    "拖入报告文件（可一次多选；支持 PDF（含扫描件）、Word（DOCX、DOC）、WPS、HTML、TXT/MD、JPG/PNG 图片，或包含这些文件的 ZIP 压缩包）",
    type=core.UPLOAD_TYPES, accept_multiple_files=True, key="uploads", max_upload_size=limits.MAX_FILE_MB,
    help=f"单个文件不超过 {limits.MAX_FILE_MB} MB，一次不超过 {limits.MAX_BATCH_FILES} 个文件；"
         f"单个文件处理超过 {limits.PER_FILE_SECONDS} 秒 CPU 时间（扫描件按每页计）即停止并提示。",
)

if uploads:
    seen = st.session_state["seen_uploads"]
    fresh = [f for f in uploads if (f.name, f.size, getattr(f, "file_id", "")) not in seen]
    if fresh:
        bar = st.progress(0.0, text="正在解析…")
        result = state.add_files(
            [Upload(f.name, f.getvalue()) for f in fresh],
            lambda i, n, name: bar.progress(min(i / max(n, 1), 1.0),
                                            text=f"正在解析 {i + 1}/{n}：{labels.md(labels.short_file(name))}" if name else "解析完成"),
            save=save,
            on_page=lambda done, total, name: bar.progress(
                min(done / max(total, 1), 1.0),
                text=f"正在识别扫描件“{labels.md(labels.short_file(name))}”：第 {done}/{total} 页（每页约需数秒）"),
        )
        bar.empty()
        seen.update((f.name, f.size, getattr(f, "file_id", "")) for f in fresh)
        if result["imported"]:
            # rerun so that everything drawn before this page (the sidebar's count of stored reports) is current
            st.session_state["flash"] = f"已保存 {result['imported']} 份报告到报告库"
            st.rerun()
        elif result["added"]:
            st.toast(f"新检查 {result['added']} 个文件")
if flash := st.session_state.pop("flash", None):
    st.toast(labels.md(flash))
widgets.demo_banner()

for msg in st.session_state.get("upload_messages", []):
    st.warning(labels.md(msg))

left, middle, right = st.columns([1, 1, 1])
with left:
    widgets.load_demo_button()
with middle:
    widgets.load_samples_button()
with right:
    if st.session_state["session"] and st.button("清空本次上传", icon=":material/delete:", key="clear_all",
                                                 help="只清空本次会话的列表；已保存到报告库的报告仍在库中"):
        state.clear()
        st.rerun()

catalog = state.catalog()
if catalog.empty:
    st.info("还没有报告。把报告文件拖到上方区域（可以一次拖入很多份，或拖入一个 ZIP 压缩包），"
            "也可以点击“载入示例县（示例数据）”或“载入示例报告”先试用。解析后每份报告一行，显示单位、年度、格式版本和检查结论。")
    st.stop()

overview = state.overview()
verdicts = overview["结论"]
cols = st.columns(6)
cols[0].metric("报告", len(overview))
cols[1].metric("通过", int((verdicts == core.BADGE_PASS).sum()))
cols[2].metric("有警告", int((verdicts == core.BADGE_WARN).sum()))
cols[3].metric("有错误", int((verdicts == core.BADGE_ERROR).sum()))
cols[4].metric("无法读取", int((verdicts == core.BADGE_UNREADABLE).sum()))
cols[5].metric("本次上传", int(catalog["session"].sum()))

st.subheader("检查结果")
st.caption("本次上传的报告在前，其后是报告库中各单位各年度的当前版本。点击一行可打开该报告的详细检查结果；"
           "已排除的问题不计入结论。")
# A province's ten years are tens of thousands of rows: the table is shown a page at a time (only the page is
# styled; pandas' Styler refuses more than 262,144 cells), filtered by verdict first.
shown_all = overview
verdict_filter = st.segmented_control("只看", ["全部", core.BADGE_ERROR, core.BADGE_WARN, core.BADGE_UNREADABLE],
                                      default="全部", key="overview_filter") if len(overview) > PAGE_ROWS else "全部"
if verdict_filter and verdict_filter != "全部":
    shown_all = overview[verdicts == verdict_filter]
pages = max(1, -(-len(shown_all) // PAGE_ROWS))
page = 1
if pages > 1:
    page = int(st.number_input(f"页码（共 {pages} 页，每页 {PAGE_ROWS} 份）", min_value=1, max_value=pages, value=1,
                               step=1, key="overview_page"))
start = (page - 1) * PAGE_ROWS
shown_page = shown_all.iloc[start:start + PAGE_ROWS]
shown = shown_page.drop(columns=["sha256", "地区"])
sel = st.dataframe(
    shown.style.map(widgets.badge_cell_css, subset=["结论"]),
    hide_index=True, key="overview", on_select="rerun",
    selection_mode="single-row",
    column_config={
        "年度": st.column_config.NumberColumn("年度", format="%d"),
        "未处理": st.column_config.NumberColumn("未处理", help="尚未确认或排除的问题数（仅限已保存的报告）"),
        "说明": st.column_config.TextColumn("说明", width="large"),
    },
)
if pages > 1:
    st.caption(f"第 {start + 1}–{start + len(shown_page)} 份，共 {len(shown_all)} 份。")
rows = sel.selection.rows if sel is not None and hasattr(sel, "selection") else []
if rows and rows[0] < len(shown_page):
    st.session_state["current"] = shown_page.iloc[rows[0]]["sha256"]
    st.switch_page(state.PAGE_REPORT)

if len(overview) <= 60:
    chips = [f"**{labels.md(r.文件)}** :{labels.BADGE_COLORS.get(r.结论, 'gray')}-badge["
             f"{labels.BADGE_ICONS.get(r.结论, '')} {r.结论}]" for r in overview.itertuples()]
    st.markdown("　".join(chips))

failed = overview[overview["说明"] != ""]
for r in failed.head(MAX_ERRORS_SHOWN).itertuples():
    st.error(f"{labels.md(r.文件)}：{labels.md(r.说明)}")
if len(failed) > MAX_ERRORS_SHOWN:
    st.caption(f"另有 {len(failed) - MAX_ERRORS_SHOWN} 份无法读取，在上方表格中选“{core.BADGE_UNREADABLE}”查看。")
