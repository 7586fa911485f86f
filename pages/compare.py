"""年度对比: one body's report of two years side by side: changed cells, section diffs, cross-year findings."""
import itertools

import streamlit as st

from parsing import forms
from ui import compare, core, login, state, tables, widgets

login.gate()
state.init()  # this page may run without app.py (see ui.login)

st.title("年度对比")
widgets.demo_banner()
st.caption("同一单位两个年度的报告对照：表格中变化的数字、章节文字的雷同与改动、跨年度校验结果。")

if widgets.empty_state("年度对比"):
    st.stop()

by_body: dict = {}
cat = state.readable_catalog()
cat = cat[cat["body"].notna() & (cat["body"] != "") & cat["year"].notna()]


def _rows(df):
    """(name, body, year, sha256) of each row, read column-wise (a province's catalog is 30,000 rows)."""
    return zip(df["name"].tolist(), df["body"].tolist(), df["year"].tolist(), df["sha256"].tolist())


# stored reports oldest first, then this session's drops in order: a later one of the same year replaces
rows = itertools.chain(_rows(cat[~cat["session"]].iloc[::-1]), _rows(cat[cat["session"]]))
for name, body_, year_, sha in rows:  # by the one name a body is shown by (官坡镇人民政府 and 官坡镇 are one body)
    by_body.setdefault(name or body_, {})[int(year_)] = sha
candidates = {b: ys for b, ys in by_body.items() if len(ys) >= 2}
if not candidates:
    st.info("需要同一单位至少两个年度的报告才能对比。请上传该单位往年的报告。")
    st.stop()

body = st.selectbox("单位", sorted(candidates), key="compare_body")
years = sorted(candidates[body])
c1, c2 = st.columns(2)
cur_year = c2.selectbox("本年", years[1:][::-1], key="compare_cur")
prev_options = [y for y in years if y < cur_year][::-1]
prev_year = c1.selectbox("上年（对照）", prev_options, key="compare_prev")
prev, cur = state.get(candidates[body][prev_year]), state.get(candidates[body][cur_year])

st.subheader("跨年度校验")
if cur_year - prev_year != 1:
    st.caption(f"两份报告相隔 {cur_year - prev_year} 年，结转等跨年度规则只适用于相邻年度。")
cross = core.check_report(cur, previous=prev)
alone = core.check_report(cur)
if not cross.empty:
    key_cols = ["rule", "table", "row", "column", "section", "message"]
    seen = set(map(tuple, alone[key_cols].astype(str).values.tolist())) if not alone.empty else set()
    cross = cross[[tuple(x) not in seen for x in cross[key_cols].astype(str).values.tolist()]]
widgets.findings_table(cross, key="cross_findings")

st.subheader("表格对照")
diff = compare.compare_values(prev.values, cur.values)
changed = diff[diff["已变化"]]
st.caption(f"共 {len(diff)} 个单元格，{len(changed)} 个与上年不同（黄色标出）。")
marks = {(r["table"], r["row"], r["column"]): "changed" for r in changed.to_dict("records")}
tabs = st.tabs([f"表{t}" for t in forms.TABLES] + ["变化清单"])
for tab, t in zip(tabs[:3], forms.TABLES):
    with tab:
        left, right = st.columns(2)
        with left:
            st.markdown(f"**{prev_year}年**")
            st.html(tables.form_table_html(prev.values, t, prev.template, marks=marks))
        with right:
            st.markdown(f"**{cur_year}年**")
            st.html(tables.form_table_html(cur.values, t, cur.template, marks=marks))
with tabs[3]:
    only = st.toggle("只看有变化的单元格", value=True, key="compare_only_changed")
    shown = (changed if only else diff).drop(columns=["table", "row", "column"])
    st.dataframe(shown, hide_index=True, key="compare_cells")

st.subheader("章节文字对照")
st.caption("本年文字中与上年完全相同的句子以黄色标出，新增的句子为绿色，删去的句子划线显示。")
for n in range(1, 7):
    a, b = prev.sections.get(n), cur.sections.get(n)
    heading = forms.SECTIONS[n - 1].heading
    if not (a and a.found) and not (b and b.found):
        continue
    html, share = compare.section_diff(a.text if a else "", b.text if b else "")
    flag = "（与上年高度雷同）" if share >= 0.8 and b and b.text else ""
    with st.expander(f"{heading}：与上年相同的文字占 {share:.0%}{flag}", expanded=bool(flag)):
        st.html(html)
