"""完整性: which reports lack which of the six sections and three tables."""
import streamlit as st

from ui import core, figures, state, widgets

st.title("章节与表格完整性")
st.caption("每份报告是否具备六个部分和三张统计表。绿色“有”为具备，红色“缺”为缺失。")

if widgets.empty_state("完整性矩阵"):
    st.stop()

matrix = core.completeness_frame(state.readable_reports())
items = core.COMPLETENESS_ITEMS
incomplete = matrix[~matrix[items].all(axis=1)]
c1, c2 = st.columns(2)
c1.metric("报告", len(matrix))
c2.metric("有缺项的报告", len(incomplete))

view = st.radio("查看方式", ["按报告", "按单位 × 年度"], horizontal=True, key="completeness_view")
if view == "按报告":
    fig = figures.completeness_heatmap(matrix, items, short=core.COMPLETENESS_SHORT)
    table = matrix.drop(columns=["sha256"]).copy()
    table[items] = table[items].map(lambda ok: "有" if ok else "缺失")
    widgets.chart_with_data(fig, table, "completeness", "章节完整性")
else:
    st.caption("每格为该单位该年度报告具备的项目数（满分 9：六个部分加三张表）。")
    st.dataframe(core.completeness_by_body_year(matrix), key="completeness_pivot")

if not incomplete.empty:
    st.subheader("缺项清单")
    for r in incomplete.to_dict("records"):
        missing = [i for i in items if not r[i]]
        st.markdown(f"- **{r['报告']}**：缺 {'、'.join(missing)}")
