"""趋势: across years per body, and across bodies for one year; filters by the roster's region tree."""
import pandas as pd
import streamlit as st

from ui import figures, login, metrics, state, tables, widgets

login.gate()
state.init()  # this page may run without app.py (see ui.login)

MAX_LINES = 15  # more bodies than this: one line of their total per item
MAX_BARS = 60   # bars per chart across bodies (the table beside it has them all)
PAGE_ROWS = 1000  # rows of the table beside a chart shown at once (a province's trend: 90,000 rows, paged)

st.title("趋势")
widgets.demo_banner()
st.caption("跨年度看同一单位的变化，或在同一年度比较各单位。数据来自报告库中各单位各年度的当前版本（含人工更正）"
           "和本次未保存的报告。含空白或无法识别单元格的数值不计入（图中断开），不按 0 计。")

if widgets.empty_state("趋势图"):
    st.stop()

metric = st.selectbox("指标", [m.id for m in metrics.METRICS], key="trend_metric",
                      format_func=lambda i: metrics.METRICS_BY_ID[i].title)
m = metrics.METRICS_BY_ID[metric]
data = state.trend_data(metric)
if data.empty:
    st.info("已载入的报告缺少单位或年度信息，无法绘制趋势。")
    st.stop()

levels = [lv for lv in metrics.REGION_LEVELS if lv in data.columns and data[lv].ne("").any()]
pool = data
if levels:
    st.caption("按名册的区划筛选（未匹配名册的报告只在不选区划时出现）。")
    chosen: dict = {}
    cols = st.columns(len(levels))
    for col, lv in zip(cols, levels):
        options = metrics.region_tree_options(data, lv, chosen)
        pick = col.selectbox(lv, options, index=None, placeholder=f"全部{lv}", key=f"trend_region_{lv}")
        chosen[lv] = pick
    pool = metrics.filter_region(data, chosen)
f1, f2, f3 = st.columns(3)
regions = sorted({r for r in pool["地区"].unique().tolist() if r})
pick_regions = f1.multiselect("报告中注明的地区", regions, key="trend_regions", placeholder="全部地区") if regions else []
if pick_regions:
    pool = pool[pool["地区"].isin(pick_regions)]
bodies = sorted(pool["单位"].unique().tolist())
pick_bodies = f2.multiselect("单位", bodies, key="trend_bodies", placeholder="全部单位")
years = sorted(pool["年度"].unique().tolist())
pick_years = f3.multiselect("年度", years, key="trend_years", placeholder="全部年度")
if pick_bodies:
    pool = pool[pool["单位"].isin(pick_bodies)]
if pick_years:
    pool = pool[pool["年度"].isin(pick_years)]
if pool.empty:
    st.info("筛选条件下没有数据。")
    st.stop()


def table_of(df):
    extra = [c for c in metrics.REGION_LEVELS if c in df.columns and df[c].ne("").any()]
    out = df[["单位", "地区", *extra, "年度", "项目", "数值", "完整"]].copy()
    out["完整"] = out["完整"].map({True: "是", False: "否（含空白或无法识别）"})
    return out


def shown_of(table):
    """The display version of a slice of :func:`table_of`'s rows (unknown numbers spelled out)."""
    out = table.copy()
    out["数值"] = out["数值"].map(lambda v: "（空缺）" if pd.isna(v) else tables.format_number(v))
    return out


tab_years, tab_bodies = st.tabs(["跨年度（按单位）", "跨单位（按年度）"])
with tab_years:
    n_bodies = pool["单位"].nunique()
    if n_bodies > MAX_LINES:
        chosen_df, left_out = metrics.total_by_year(pool, f"{n_bodies} 个单位合计")
        title = f"{m.title}（{n_bodies} 个单位合计）"
        st.caption("单位较多，图中为各年度已知数值的合计；选择单位可看各单位的曲线。"
                   + (f"另有 {left_out} 个数值因含空白或无法识别未计入合计。" if left_out else ""))
        fig = figures.trend_over_years(
            chosen_df, title, m.unit, n_reports=pool["sha256"].nunique(),
            note=f"注：另有 {left_out} 个数值因含空白或无法识别未计入合计（不按 0 计）。" if left_out else "")
    else:
        chosen_df = pool
        if n_bodies > 1 and len(m.series) > 1:
            item = st.selectbox("项目（多个单位时每次看一个项目）", [s.label for s in m.series], key="trend_item")
            chosen_df = pool[pool["项目"] == item]
            title = f"{m.title}：{item}"
        else:
            title = m.title + (f"（{pool['单位'].iloc[0]}）" if n_bodies == 1 else "")
        fig = figures.trend_over_years(chosen_df, title, m.unit)
    data_df = pool if n_bodies > MAX_LINES else chosen_df
    widgets.chart_with_data(fig, table_of(data_df), f"years_{metric}", f"趋势_{m.title}", shown_of, PAGE_ROWS)

with tab_bodies:
    year_options = sorted(pool["年度"].unique().tolist(), reverse=True)
    year = st.selectbox("年度", year_options, key="trend_one_year")
    one = pool[pool["年度"] == year]
    plotted = one
    if one["单位"].nunique() > MAX_BARS:
        first = m.series[0].label
        top = (one[one["项目"] == first].sort_values("数值", ascending=False, na_position="last")["单位"]
               .head(MAX_BARS).tolist())
        plotted = one[one["单位"].isin(top)]
        st.caption(f"共 {one['单位'].nunique()} 个单位，图中显示“{first}”最多的 {MAX_BARS} 个；右侧表格列出全部。")
    fig = figures.bars_across_bodies(plotted, f"{year}年 {m.title}", m.unit)
    widgets.chart_with_data(fig, table_of(one), f"bodies_{metric}", f"{year}年_{m.title}", shown_of, PAGE_ROWS)
