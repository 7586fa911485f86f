"""完整性: which reports lack which of the six sections and three tables; who on the roster has not reported."""
import streamlit as st

from ui import exports, figures, labels, login, state, views, widgets

login.gate()
state.init()  # this page may run without app.py (see ui.login)

MAX_HEATMAP_ROWS = 150

st.title("章节与表格完整性")
widgets.demo_banner()
st.caption("每份报告是否具备六个部分和三张统计表（报告库中各单位各年度的当前版本，以及本次未保存的报告）。"
           "绿色“有”为具备，红色“缺”为缺失。")

store = state.store()
roster = store.roster() if store is not None else None

if widgets.empty_state("完整性矩阵"):
    st.stop()

matrix = state.completeness()
items = views.COMPLETENESS_ITEMS
incomplete = matrix[~matrix[items].all(axis=1)]
c1, c2 = st.columns(2)
c1.metric("报告", len(matrix))
c2.metric("有缺项的报告", len(incomplete))

view = st.radio("查看方式", ["按报告", "按单位 × 年度"], horizontal=True, key="completeness_view")
if view == "按报告":
    shown = matrix
    if len(matrix) > MAX_HEATMAP_ROWS:
        shown = incomplete.head(MAX_HEATMAP_ROWS)
        st.caption(f"报告较多，热力图只画有缺项的报告（最多 {MAX_HEATMAP_ROWS} 份）；表格列出全部。")
    fig = figures.completeness_heatmap(shown, items, short=views.COMPLETENESS_SHORT)
    table = matrix.drop(columns=["sha256"]).copy()
    table[items] = views.present_words(table[items])
    # The heat map is as wide as its columns need (figures.completeness_heatmap): drawn at its own width, the
    # table under it.
    st.plotly_chart(fig, key="chart_completeness", width="content", config={"displaylogo": False})
    st.dataframe(table, hide_index=True, key="data_completeness")
    d1, d2 = st.columns(2)
    with d1:
        # written when asked for: a province's matrix is 30,000 rows
        st.download_button("下载数据（CSV）", lambda: exports.csv_bytes(table), file_name="章节完整性.csv", mime="text/csv",
                           key="csv_completeness", icon=":material/download:", on_click="ignore")
    with d2:
        widgets.png_button(fig, "completeness", "章节完整性")
else:
    st.caption("每格为该单位该年度报告具备的项目数（满分 9：六个部分加三张表）。")
    st.dataframe(views.completeness_by_body_year(matrix), key="completeness_pivot")

if not incomplete.empty:
    st.subheader("缺项清单")
    for r in incomplete.head(200).to_dict("records"):
        missing = [i for i in items if not r[i]]
        st.markdown(f"- **{labels.md(r['报告'])}**：缺 {'、'.join(missing)}")
    if len(incomplete) > 200:
        st.caption(f"另有 {len(incomplete) - 200} 份，见上方表格。")

st.subheader("未报送年报的单位")
if roster is None or roster.empty:
    st.caption("在“报告库”页导入名册（必须报送的单位及其区划）后，这里按年度列出还没有报送的单位。")
else:
    years = sorted({int(y) for y in matrix["年度"].dropna()}, reverse=True)
    if years:
        widgets.missing_reports(store, roster, years, key="completeness_missing")
    st.caption("只统计已保存到报告库的报告；报告单位与名册的匹配可在“报告库”页更正。")
