"""审查台: every finding of the working set in one table: filter and search (body, region, year, badge, rule),
confirm or dismiss many at once with one note, and the 审查意见 of every report in the selection in one click."""
import hashlib

import pandas as pd
import streamlit as st

from ui import demo, exports, labels, login, review, state, storeview, views, widgets

login.gate()
state.init()  # this page may run without app.py (see ui.login)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAGE_ROWS = 300  # findings styled at once (a province has 150,000); as the landing page, every page coloured

st.title("审查台")
widgets.demo_banner()
st.caption("一次审查一个县：按单位、地区、年度、结论和规则筛选或搜索全部问题，勾选多条后用同一说明一并确认或排除；"
           "再为筛选出的每份报告一键生成审查意见。")

if widgets.empty_state("审查台"):
    st.stop()

store = state.store()
catalog = state.catalog()
fast = state.store_only()  # the store alone: filtered, counted and paged in SQL, not every finding loaded
if fast:
    overview = state.overview()
    badges = dict(zip(overview["sha256"].tolist(), overview["结论"].tolist()))
    frame = groups = state.stored_view("workbench_groups")  # what the filters offer, and whether there is any
    reports = state.stored_view("workbench_reports")
else:
    findings = state.findings()
    overview = views.overview(catalog, findings, pd.DataFrame(), st.session_state["saved"])
    badges = dict(zip(overview["sha256"].tolist(), overview["结论"].tolist()))
    frame = review.workbench_frame(findings, catalog, badges)
    reports = review.reports_frame(catalog, badges)
opts = review.filter_options(frame, reports)

with st.container(border=True):
    c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
    bodies = c1.multiselect("单位", opts["单位"], key="wb_body", placeholder="全部单位")
    regions = c2.multiselect("地区", opts["地区"], key="wb_region", placeholder="全部地区")
    years = c3.multiselect("年度", opts["年度"], key="wb_year", placeholder="全部年度")
    badge_pick = c4.multiselect("结论", opts["结论"], key="wb_badge", placeholder="全部")
    c5, c6, c7, c8 = st.columns([2, 1, 1, 2])
    rule_pick = c5.multiselect("规则", opts["规则"], key="wb_rule", placeholder="全部规则")
    severities = c6.multiselect("级别", opts["级别"], key="wb_severity", placeholder="全部")
    statuses = c7.multiselect("处理", opts["处理"], key="wb_status", placeholder="全部")
    query = c8.text_input("搜索", key="wb_query", placeholder="问题、单位、位置、文件或说明中的文字")

report_filters = dict(bodies=bodies, regions=regions, years=years, badges=badge_pick)
finding_filters = dict(rule_names=rule_pick, severities=severities, statuses=statuses, query=query)
chosen = review.filter_reports(reports, **report_filters)
if fast:
    shown = review.StoredSelection(store, catalog, badges, reports, groups, bodies=bodies, regions=regions,
                                   years=years, badge_pick=badge_pick, **finding_filters,
                                   search=state.workbench_search() if query.strip() else None)
    n_shown, n_reports = len(shown), shown.n_reports()
    status_n = {s: shown.count(s) for s in review.STATUSES}
else:
    shown = review.filter_findings(frame, **report_filters, **finding_filters)
    n_shown, n_reports = len(shown), (shown["sha256"].nunique() if not shown.empty else 0)
    status_n = {s: int((shown["处理"] == review.STATUS_MARKS[s]).sum()) if not shown.empty else 0
                for s in review.STATUSES}


def shown_rows(start: int, stop: int) -> pd.DataFrame:
    """Rows ``start:stop`` of the findings shown, as review.workbench_frame rows."""
    return shown.rows(start, stop) if fast else shown.iloc[start:stop]


m = st.columns(5)
m[0].metric("筛选出的问题", n_shown)
for col, status in zip(m[1:4], review.STATUSES):
    col.metric(status, status_n[status])
m[4].metric("涉及报告", n_reports)

sig = hashlib.sha256(repr((sorted(map(str, bodies)), sorted(map(str, regions)), sorted(map(str, years)),
                           sorted(badge_pick), sorted(rule_pick), sorted(severities), sorted(statuses), query,
                           st.session_state.get("gen", 0))).encode("utf-8")).hexdigest()[:12]
table_key = f"wb_table_{sig}"  # a new filter or a new decision starts with nothing selected

picked = shown_rows(0, 0)
page_rows, page = picked, 1
if frame.empty:
    st.success("工作集中的报告都没有发现问题。")
elif shown.empty:
    st.info("没有符合筛选条件的问题。")
else:
    st.caption("○ 未处理（按级别着色）　● 已确认（蓝）　✕ 已排除（灰）。勾选左侧方框可多选；点表头可排序；"
               "选中一条在下方看详情。")
    n_pages = max(1, -(-n_shown // PAGE_ROWS))
    if n_pages > 1:  # paged: only the page shown is styled
        page = int(st.number_input(f"页码（共 {n_pages} 页，每页 {PAGE_ROWS} 条）", min_value=1, max_value=n_pages,
                                   value=1, step=1, key="wb_page"))
    page_rows = shown_rows((page - 1) * PAGE_ROWS, page * PAGE_ROWS)
    sel = st.dataframe(  # fits 1440 px beside the sidebar; rows over 4rem high let long problems wrap (Streamlit)
        page_rows[review.TABLE_COLUMNS].style.apply(review.table_css, axis=None), key=f"{table_key}_{page}",
        hide_index=True, on_select="rerun", selection_mode="multi-row", row_height=70,
        height=min(640, 40 + 70 * len(page_rows)),
        column_config={
            "处理": st.column_config.TextColumn("处理", width=76),
            "单位": st.column_config.TextColumn("单位", width=96),
            "年度": st.column_config.NumberColumn("年度", format="%d", width=52),
            "级别": st.column_config.TextColumn("级别", width=48),
            "规则": st.column_config.TextColumn("规则", width=120, help="规则名称（编号见下方详情）"),
            "问题": st.column_config.TextColumn("问题", width=380),
            "位置": st.column_config.TextColumn("位置", width=170),
        })
    rows = sel.selection.rows if sel is not None and hasattr(sel, "selection") else []
    picked = page_rows.iloc[sorted(rows)] if rows else picked

left, right = st.columns(2)
with left:
    first = page_rows if page == 1 and not page_rows.empty else shown_rows(0, 1)  # the listing's first
    focus = picked.iloc[-1] if not picked.empty else (first.iloc[0] if not first.empty else None)
    if focus is not None:
        with st.container(border=True):
            st.markdown(f"**{labels.md(focus['单位'])}** {'' if pd.isna(focus['年度']) else int(focus['年度'])}年"
                        f" · {labels.md(focus['结论'])}")
            st.markdown(f"**{labels.md(focus['级别'])} · {labels.md(focus['规则'])}**"
                        f"（{labels.md(focus['规则编号'])}）")
            st.markdown(labels.md(focus["问题"]))
            details = [f"位置：{labels.md(focus['位置'])}"]
            if focus["应为"] or focus["实为"]:
                details.append(f"应为：{labels.md(focus['应为'] or '—')}　实为：{labels.md(focus['实为'] or '—')}")
            details.append(f"文件：{labels.md(focus['文件'])}")
            if focus["地区"]:
                details.append(f"地区：{labels.md(focus['地区'])}")
            decided = focus["处理"] != review.STATUS_MARKS[review.STATUS_OPEN]
            details.append(f"处理：{labels.md(focus['处理'])}" + (
                f"（{labels.md(focus['处理时间'])}" + (f"，{labels.md(focus['处理人'])}" if focus["处理人"] else "")
                + "）" if decided else ""))
            if focus["处理说明"]:
                details.append(f"说明：{labels.md(focus['处理说明'])}")
            st.markdown("  \n".join(details))
            if demo.is_demo(focus["sha256"]):
                st.caption(f":blue-badge[{demo.LABEL}] 自动生成的示例县报告。")
            if st.button("打开这份报告", key="wb_open", icon=":material/description:"):
                st.session_state["current"] = focus["sha256"]
                st.switch_page(state.PAGE_REPORT)

with right:
    st.markdown("**批量处理**")
    scopes = (["selected"] if not picked.empty else []) + (["filtered"] if not shown.empty else [])
    if not scopes:
        st.caption("没有可处理的问题。")
    else:
        # ticking rows makes them the default (a radio of its own, so it does not keep "all" from before)
        scope = st.radio("作用于", scopes, key=f"wb_scope_{scopes[0]}", horizontal=True, format_func=lambda s: (
            f"勾选的 {len(picked)} 条" if s == "selected" else f"筛选出的全部 {n_shown} 条"))
        if scope == "selected" or not fast:
            target = picked if scope == "selected" else shown
            items = review.decidable(target)
            if len(items) < len(target):
                st.caption(f"其中 {len(target) - len(items)} 条属于未保存到报告库的报告或跨报告比对结果，不能记录审查决定。")
        else:  # every stored finding can be decided: their keys are read when a button is pressed
            items = shown.items
        note = st.text_area("说明（对这些问题相同）", key="wb_note", height=80, placeholder="例如：扫描件空行，已与原件核对")
        b1, b2, b3 = st.columns(3)
        actions = {"confirmed": b1.button("确认", key="wb_confirm", icon=":material/check:", disabled=not items,
                                          help="确有问题，需要报送单位整改"),
                   "dismissed": b2.button("排除", key="wb_dismiss", icon=":material/block:", disabled=not items,
                                          help="不是问题（不计入结论）"),
                   None: b3.button("恢复未处理", key="wb_reopen", icon=":material/undo:", disabled=not items)}
        status = next((s for s, clicked in actions.items() if clicked), "none")
        if status != "none" and store is not None:
            n = store.decide_many(items() if callable(items) else items, status, note, reviewer=login.reviewer())
            state.changed()
            word = {"confirmed": "确认", "dismissed": "排除", None: "恢复为未处理"}[status]
            st.session_state["wb_flash"] = f"已{word} {n} 条问题" + (f"，说明：{note}" if note else "") + "。"
            st.rerun()
    if flash := st.session_state.pop("wb_flash", None):
        st.success(labels.md(flash))

st.subheader("审查意见")
st.caption(f"按上方单位、地区、年度和结论的筛选，共 {len(chosen)} 份报告。每份报告一份 Word 审查意见（已排除的问题不列入），"
           "打包为 ZIP；另附一份合并文档，首页为汇总表。")
opinion_sig = (tuple(chosen["sha256"].tolist()), st.session_state.get("gen", 0))
made = st.session_state.get("wb_opinions")
if st.button(f"生成审查意见（{len(chosen)} 份）", key="wb_make_opinions", icon=":material/description:",
             type="primary", disabled=chosen.empty):
    bar = st.progress(0.0, text="正在生成审查意见…")
    title = review.opinions_title(chosen)
    opinions = []
    for i, rec in enumerate(chosen.to_dict("records")):
        report = state.get(rec["sha256"])
        if report is None:
            continue
        opinions.append(exports.Opinion(report, storeview.active(state.findings_of(rec["sha256"])), rec["单位"],
                                        demo.is_demo(rec["sha256"])))
        bar.progress((i + 1) / (2 * max(len(chosen), 1)), text=f"正在读取 {i + 1}/{len(chosen)}")
    data = exports.county_opinions_zip(opinions, title, on_progress=lambda k, n: bar.progress(
        0.5 + k / (2 * max(n, 1)), text=f"正在生成 {k}/{n}"))
    merged = exports.county_opinions_docx(opinions, title)
    bar.empty()
    made = {"sig": opinion_sig, "zip": data, "docx": merged, "n": len(opinions), "title": title}
    st.session_state["wb_opinions"] = made
if made and made["sig"] == opinion_sig:
    d1, d2 = st.columns(2)
    d1.download_button(f"下载 {made['n']} 份审查意见（ZIP）", made["zip"], file_name=f"{exports.safe_stem(made['title'], 80)}.zip",
                       mime="application/zip", key="wb_zip", icon=":material/folder_zip:", on_click="ignore")
    d2.download_button("下载合并文档（Word，首页为汇总表）", made["docx"],
                       file_name=f"{exports.safe_stem(made['title'], 80)}.docx", mime=DOCX, key="wb_docx",
                       icon=":material/description:", on_click="ignore")
elif made:
    st.caption("筛选或审查决定已改变，请重新生成。")
