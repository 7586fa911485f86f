"""报告库: every stored report and its versions, re-parse, the roster of bodies that must report, who is missing."""
import os

import streamlit as st

from parsing import pipeline
from parsing.model import ReportError
from ui import core, demo, labels, library, login, state, widgets

login.gate()
state.init()  # this page may run without app.py (see ui.login)

MAX_PICK = 500  # reports listed in the delete picker at once
PAGE_ROWS = 1000  # rows of the list of reports shown at once (a province's ten years: 30,000 versions)

st.title("报告库")
widgets.demo_banner()
store = state.store()
if store is None:
    st.error(state.store_error() or "报告库无法打开。")
    st.stop()
st.caption(f"报告库文件：{labels.code(store.path)}（可用环境变量 GOVREPORT_DB 指定其他位置）。"
           "每份报告按文件内容的指纹保存一次；同一单位同一年度的不同文件作为不同版本保存。")

listed = state.stored_view("library")  # every version; shared by sessions until the store changes
roster = store.roster()
c1, c2, c3, c4 = st.columns(4)
c1.metric("库中报告", len(listed))
c2.metric("单位", int(listed["body_key"].nunique()) if not listed.empty else 0)
c3.metric("年度", int(listed["year"].nunique()) if not listed.empty else 0)
c4.metric("名册单位", len(roster))

held = demo.held(store)
if held["reports"] or held["roster"]:
    with st.container(border=True):
        st.markdown(f"**{demo.LABEL}**：库中有示例县的 {held['reports']} 份报告"
                    + (f"、名册中有 {held['roster']} 个示例单位" if held["roster"] else "")
                    + "。移除后库中其他报告和名册不受影响，需要时可在首页重新载入。")
        if st.button(f"移除示例县（{demo.LABEL}）", key="remove_demo", icon=":material/delete_sweep:"):
            gone = state.remove_demo()
            st.session_state["lib_flash"] = f"已移除示例县：{gone['reports']} 份报告，名册 {gone['roster']} 个单位。"
            st.rerun()
if flash := st.session_state.pop("lib_flash", None):
    st.success(flash)

tab_list, tab_roster, tab_missing = st.tabs(["报告与版本", "名册与匹配", "未报送单位"])

with tab_list:
    if listed.empty:
        st.info("报告库中还没有报告。在“上传与快速检查”页拖入报告（勾选“保存到报告库”），"
                "或在命令行运行 `python -m parsing import 文件夹` 批量导入。")
    else:
        every = library.reports_table(listed)  # built once: the list and the delete picker show the same rows
        shown = every
        if len(every) > PAGE_ROWS:  # a province's store: every version is listed, a page at a time
            pages = -(-len(every) // PAGE_ROWS)
            page = int(st.number_input(f"页码（共 {pages} 页，每页 {PAGE_ROWS} 份）", min_value=1, max_value=pages,
                                       value=1, step=1, key="lib_reports_page"))
            start = (page - 1) * PAGE_ROWS
            shown = every.iloc[start:start + PAGE_ROWS]
            st.caption(f"第 {start + 1}–{start + len(shown)} 份，共 {len(every)} 份。")
        st.dataframe(shown.drop(columns=["sha256"]), hide_index=True, key="lib_reports",
                     column_config={"年度": st.column_config.NumberColumn("年度", format="%d")})

        st.subheader("版本")
        groups = library.version_groups(listed)
        if not groups:
            st.caption("每个单位每个年度都只有一个版本。")
        else:
            st.caption("同一单位同一年度有多个文件时，趋势、完整性和跨年度校验使用“当前版本”：默认是来源最好的版本"
                       "（文字版优先于扫描件，其次读出数值多的，再次解析程序新的、最后入库的），可以改选。")
            gi = st.selectbox("单位与年度", range(len(groups)), format_func=lambda i: groups[i][2], key="lib_group")
            key, year, _ = groups[gi]
            versions = store.versions(key, year)
            recs = versions.to_dict("records")
            current = next((i for i, r in enumerate(recs) if r["is_current"]), 0)
            vi = st.radio("版本", range(len(recs)), index=current, format_func=lambda i: labels.md(library.version_label(recs[i])),
                          key=f"lib_version_{key}_{year}")
            chosen = recs[current]
            st.caption(f"当前版本：{labels.md(library.version_label(chosen))}。"
                       f"原因：{labels.md(chosen.get('current_reason') or '')}")
            if st.button("设为当前版本", key="lib_set_current", disabled=bool(recs[vi]["is_current"])):
                pipeline.set_current(store, recs[vi]["sha256"], check_fn=core.check_report)
                state.changed()
                st.rerun()

        st.subheader("删除报告")
        table = every
        if len(table) > MAX_PICK:  # a province's store: narrow the list by name first
            needle = st.text_input("查找要删除的报告（单位名称、年度或文件名的一部分）", key="lib_delete_find")
            text = table["单位"].astype(str) + " " + table["年度"].astype(str) + " " + table["文件"].astype(str)
            table = table[text.str.contains(needle, regex=False)] if needle else table.iloc[:0]
            if needle and len(table) > MAX_PICK:
                st.caption(f"找到 {len(table)} 份，只列出前 {MAX_PICK} 份；请输入更多文字缩小范围。")
                table = table.head(MAX_PICK)
        year_text = table["年度"].astype(str).replace("<NA>", "")
        names_of = {sha: f"{body} {year} · {file}{' · ' + cur if cur else ''}"
                    for sha, body, year, file, cur in zip(table["sha256"], table["单位"], year_text, table["文件"],
                                                          table["当前版本"])}
        victim = st.selectbox("要删除的报告", list(names_of), format_func=lambda s: names_of[s], index=None,
                              placeholder="选择一份报告", key="lib_delete_pick")
        if victim:
            sure = st.checkbox("我确认删除这份报告及其检查结果、审查决定和更正（不可恢复）", key="lib_delete_confirm")
            if st.button("删除", key="lib_delete", type="primary", disabled=not sure, icon=":material/delete:"):
                name = names_of[victim]
                store.delete(victim)
                st.session_state["session"].pop(victim, None)
                st.session_state["saved"].pop(victim, None)
                state.changed()
                st.toast(f"已删除：{labels.md(name)}")
                st.rerun()

        st.subheader("重新解析")
        n_files = int(listed["has_file"].astype(bool).sum())
        st.caption(f"解析程序升级后，用保存的原文件重新解析全部报告（{n_files} 份保存了原文件），并重新检查。"
                   "审查决定、人工更正和版本选择都会保留。")
        if st.button("重新解析全部报告", key="lib_reparse", icon=":material/autorenew:", disabled=n_files == 0):
            bar = st.progress(0.0, text="正在重新解析…")
            workers = max(1, min(4, os.cpu_count() or 1))
            res = store.reparse_all(check_fn=core.check_report, workers=workers,
                                    progress=lambda i, n, name, _: bar.progress(
                                        min(i / max(n, 1), 1.0), text=f"{i}/{n}：{labels.md(labels.short_file(name))}"))
            bar.empty()
            state.changed()
            st.session_state["reparse_result"] = res
        res = st.session_state.get("reparse_result")
        if res:
            st.success(f"已重新解析 {res['reparsed']} 份；{res['skipped']} 份没有保存原文件，未处理。")
            for name, reason in res["failed"]:
                st.error(f"{labels.md(labels.short_file(name))}：{labels.md(reason)}（保留原来的解析结果）")

with tab_roster:
    st.caption("名册列出必须报送年报的单位及其区划（市 / 县区 / 乡镇街道，或部门）。表头示例："
               "“单位名称,市,县区,乡镇街道,部门”。导入后报告按单位名称自动匹配，匹配结果可以更正。")
    up = st.file_uploader("名册文件（CSV 或 Excel）", type=["csv", "xlsx", "xls"], key="roster_upload")
    if up is not None and st.button("导入名册", key="roster_import", icon=":material/upload:"):
        try:
            n = store.import_roster(up.getvalue(), name=up.name)
        except ReportError as exc:
            st.error(labels.md(exc.message))
        else:
            state.changed()
            st.success(f"已导入名册：{n} 个单位。")
    roster = store.roster()
    if roster.empty:
        st.info("还没有导入名册。")
    else:
        with st.expander(f"名册（{len(roster)} 个单位）"):
            st.dataframe(library.missing_table(roster), hide_index=True, key="roster_table")
        matches = store.roster_matches()
        mt = library.matches_table(matches)
        st.subheader("报告单位与名册的匹配")
        st.dataframe(mt.drop(columns=["body_key"]), hide_index=True, key="roster_matches")
        names = library.roster_labels(roster)
        unmatched = mt[mt["匹配方式"] == "未匹配"]
        if not unmatched.empty:
            st.markdown(f"**未匹配的单位（{len(unmatched)} 个）**：请为每个单位选择名册中的对应单位。")
            shown = unmatched.head(30)
            choices = {}
            for r in shown.to_dict("records"):
                choices[r["body_key"]] = st.selectbox(
                    labels.md(r["报告中的单位"]), [None, -1, *names], format_func=lambda i: (
                        "（暂不处理）" if i is None else "不在名册中" if i == -1 else names[i]),
                    key=f"match_{r['body_key']}")
            if len(unmatched) > len(shown):
                st.caption(f"另有 {len(unmatched) - len(shown)} 个未匹配单位，保存以上选择后显示。")
            if st.button("保存匹配", key="match_save", icon=":material/save:"):
                for body, rid in choices.items():
                    if rid is not None:
                        store.match_body(body, None if rid == -1 else rid)
                state.changed()
                st.rerun()
        with st.expander("更正某个单位的匹配"):
            bodies = dict(zip(mt["body_key"], mt["报告中的单位"]))
            body = st.selectbox("报告中的单位", list(bodies), format_func=lambda k: bodies[k], key="match_fix_body")
            target = st.selectbox("名册中的单位", ["auto", -1, *names], key="match_fix_target",
                                  format_func=lambda i: "恢复自动匹配" if i == "auto" else
                                  "不在名册中" if i == -1 else names[i])
            if st.button("保存更正", key="match_fix_save"):
                if target == "auto":
                    store.clear_match(body)
                else:
                    store.match_body(body, None if target == -1 else target)
                state.changed()
                st.rerun()

with tab_missing:  # the roster as read again by 名册与匹配 (after an import)
    if roster.empty:
        st.info("导入名册后，这里按年度列出名册中还没有报送年报的单位。")
    else:
        years = sorted({int(y) for y in listed["year"].dropna()}, reverse=True) if not listed.empty else []
        if not years:
            st.info("报告库中还没有识别出年度的报告。")
        else:
            widgets.missing_reports(store, roster, years, key="missing")
