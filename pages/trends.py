"""趋势: across years per body, and across bodies for one year."""
import pandas as pd
import streamlit as st

from ui import core, figures, metrics, state, tables, widgets

st.title("趋势")
st.caption("跨年度看同一单位的变化，或在同一年度比较各单位。含空白或无法识别单元格的数值不计入（图中断开），不按 0 计。")

if widgets.empty_state("趋势图"):
    st.stop()

values = core.values_long(state.readable_reports())
metric = st.selectbox("指标", [m.id for m in metrics.METRICS], key="trend_metric",
                      format_func=lambda i: metrics.METRICS_BY_ID[i].title)
m = metrics.METRICS_BY_ID[metric]
data = metrics.trend_frame(values, metric)
if data.empty:
    st.info("已载入的报告缺少单位或年度信息，无法绘制趋势。")
    st.stop()

f1, f2, f3 = st.columns(3)
regions = sorted({r for r in data["地区"] if r})
pick_regions = f1.multiselect("地区", regions, key="trend_regions", placeholder="全部地区") if regions else []
pool = data[data["地区"].isin(pick_regions)] if pick_regions else data
bodies = list(dict.fromkeys(pool["单位"]))
pick_bodies = f2.multiselect("单位", bodies, key="trend_bodies", placeholder="全部单位")
years = sorted(pool["年度"].unique().tolist())
pick_years = f3.multiselect("年度", years, key="trend_years", placeholder="全部年度")
if pick_bodies:
    pool = pool[pool["单位"].isin(pick_bodies)]
if pick_years:
    pool = pool[pool["年度"].isin(pick_years)]


def table_of(df):
    out = df[["单位", "地区", "年度", "项目", "数值", "完整"]].copy()
    out["完整"] = out["完整"].map({True: "是", False: "否（含空白或无法识别）"})
    return out


def shown_of(df):
    out = table_of(df)
    out["数值"] = out["数值"].map(lambda v: "（空缺）" if pd.isna(v) else tables.format_number(v))
    return out


tab_years, tab_bodies = st.tabs(["跨年度（按单位）", "跨单位（按年度）"])
with tab_years:
    chosen = pool
    if pool["单位"].nunique() > 1 and len(m.series) > 1:
        item = st.selectbox("项目（多个单位时每次看一个项目）", [s.label for s in m.series], key="trend_item")
        chosen = pool[pool["项目"] == item]
        title = f"{m.title}：{item}"
    else:
        title = m.title + (f"（{pool['单位'].iloc[0]}）" if pool["单位"].nunique() == 1 else "")
    fig = figures.trend_over_years(chosen, title, m.unit)
    widgets.chart_with_data(fig, table_of(chosen), f"years_{metric}", f"趋势_{m.title}", shown_of(chosen))

with tab_bodies:
    year_options = sorted(pool["年度"].unique().tolist(), reverse=True)
    year = st.selectbox("年度", year_options, key="trend_one_year")
    one = pool[pool["年度"] == year]
    fig = figures.bars_across_bodies(one, f"{year}年 {m.title}", m.unit)
    widgets.chart_with_data(fig, table_of(one), f"bodies_{metric}", f"{year}年_{m.title}", shown_of(one))
