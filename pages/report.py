"""单份报告: badge, findings (confirm / dismiss), hand corrections, the three tables, section texts, source pages."""
import pandas as pd
import streamlit as st

from parsing import forms, preview
from ui import core, demo, docview, exports, labels, login, pdfpage, review, state, storeview, tables, widgets

login.gate()
state.init()  # this page may run without app.py (see ui.login)

st.title("单份报告")
widgets.demo_banner()

if state.catalog().empty:
    widgets.empty_state("单份报告页")
    st.stop()

report = widgets.report_picker()
sha = report.sha256
name = state.name_of(sha)  # the one name the dashboard shows; the name as printed is in the details
store = state.store()
stored = state.is_stored(sha)
findings = state.findings_of(sha)
b = core.badge(storeview.active(findings), report)

head, meta = st.columns([1, 2])
with head:
    st.subheader(labels.md(name) or "（单位未识别）")
    widgets.badge_chip(b)
    if demo.is_demo(sha):
        st.caption(f":blue-badge[{demo.LABEL}] 自动生成的示例县报告，并非真实政府报告。")
    if stored:
        st.caption("已保存在报告库" + ("；已排除的问题不计入结论。" if (findings.get("decision") == "dismissed").any() else "。"))
    else:
        st.caption("未保存到报告库：可以查看，但不能确认/排除问题或更正数值。")
with meta:
    st.markdown(
        f"**标题**：{labels.md(report.title) or '（未识别）'}  \n"
        f"**报告所印单位名称**：{labels.md(report.body) or '（未识别）'}  \n"
        f"**文件**：{labels.md(labels.short_file(report.file))}（{labels.md(report.format) or '未知格式'}"
        + (f"，{report.page_count} 页" if report.page_count else "") + "）  \n"
        f"**年度**：{report.year or '未识别'}　**地区**：{labels.md(report.region) or '未注明'}  \n"
        f"**格式版本**：{forms.FORM_NAMES.get(report.template, '未识别')}"
    )

if report.error:
    st.error(labels.md(report.error))
    st.stop()

live = storeview.active(findings)
is_demo = demo.is_demo(sha)
stem = exports.opinion_stem(name, report.year)
d1, d2 = st.columns(2)
d1.download_button("下载审查意见（Word）", lambda: exports.report_summary_docx(report, live, name=name, demo=is_demo),
                   file_name=f"{stem}.docx", key="report_docx", icon=":material/description:", on_click="ignore",
                   mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
d2.download_button("下载审查意见（Markdown）",  # made when clicked, as the Word one is
                   lambda: exports.report_summary_markdown(report, live, name=name, demo=is_demo).encode("utf-8"),
                   file_name=f"{stem}.md", mime="text/markdown", key="report_md", icon=":material/description:",
                   on_click="ignore")

st.subheader("问题清单")
ordered = widgets.sorted_findings(findings)
sel = widgets.findings_table(ordered, key="report_findings", selectable=True)
picked_i = sel.selection.rows[0] if sel is not None and sel.selection.rows else None

picked = None
if not ordered.empty:
    recs = ordered.to_dict("records")
    box = st.container(border=True)
    with box:
        i = st.selectbox("选中的问题（也可在上表点选）", range(len(recs)), index=picked_i or 0,
                         format_func=lambda k: review.finding_choice_label(recs[k]), key=f"decide_pick_{sha}")
        picked = ordered.iloc[i]
        rec = recs[i]
        if rec.get("decision") not in storeview.DECISION_ZH:
            rec["decision"] = None
        if stored and isinstance(rec.get("finding_key"), str):
            if rec.get("decision"):
                by = f"，{labels.md(rec['decided_by'])}" if isinstance(rec.get("decided_by"), str) else ""
                st.caption(f"当前：{storeview.decision_text(rec)}（{str(rec.get('decided_at') or '').replace('T', ' ')}{by}）"
                           + (f"，说明：{labels.md(rec['decision_note'])}" if isinstance(rec.get("decision_note"), str)
                                 and rec["decision_note"] else ""))
            c1, c2 = st.columns([1, 2])
            choice = c1.radio("审查决定", ["confirmed", "dismissed", None], horizontal=False,
                              index=["confirmed", "dismissed", None].index(rec.get("decision")),
                              format_func=lambda s: {"confirmed": "确认（确有问题）", "dismissed": "排除（不是问题）",
                                                     None: "未处理"}[s], key=f"decide_status_{sha}_{i}")
            note = c2.text_area("说明", value=rec["decision_note"] if isinstance(rec.get("decision_note"), str) else "", key=f"decide_note_{sha}_{i}",
                                placeholder="例如：已与报送单位核实", height=80)
            if c2.button("保存决定", key="decide_save", icon=":material/gavel:"):
                store.decide(sha, rec["finding_key"], choice, note, reviewer=login.reviewer())
                state.changed()
                st.rerun()

tab_names = ["表二 主动公开", "表三 依申请公开", "表四 复议诉讼", "章节文本", "更正数值"]
if report.format == "pdf":
    tab_names.append("原文页面")
elif report.format in docview.FORMATS:
    tab_names.append("原文（文字）")
tabs = st.tabs(tab_names)
corr = store.corrections(sha) if stored else pd.DataFrame()
parsed = {(r["table"], r["row"], r["column"]): review.cell_display(pd.DataFrame([{
    "table": r["table"], "row": r["row"], "column": r["column"], "value": r["parsed_value"], "raw": r["raw"],
    "status": "ok" if pd.notna(r["parsed_value"]) else ("unreadable" if r["raw"] else "blank")}]),
    r["table"], r["row"], r["column"]) for r in corr.to_dict("records")} if not corr.empty else {}
for tab, t in zip(tabs[:3], forms.TABLES):
    with tab:
        if not report.tables_found.get(t):
            st.warning(f"报告中未找到表{t}（{forms.TABLE_TITLES[t]}）。")
        st.html(tables.form_table_html(report.values, t, report.template, live, parsed=parsed))
        st.caption("红色：错误；橙色：警告；蓝色：提示（鼠标悬停看原因）；紫框：人工更正（括号内为原解析值）。"
                   "“（空）”表示报告中该格为空白，不按 0 计。")

with tabs[3]:
    for n in range(1, 7):
        sec = report.sections.get(n)
        heading = forms.SECTIONS[n - 1].heading
        if not sec or not sec.found:
            st.error(f"缺少：{heading}")
            continue
        page = f"（第 {sec.page} 页）" if sec.page else ""
        with st.expander(f"{labels.md(sec.heading or heading)}{page}", expanded=n == 1):
            st.text(sec.text or "（本部分没有正文）")

with tabs[4]:
    if not stored:
        st.info("保存到报告库后才能更正数值。请在“上传与快速检查”页勾选“保存到报告库”后重新拖入此文件。")
    else:
        st.caption("解析有误时，可在此填写正确的数值。原解析值始终保留；更正后按更正后的数值重新检查。")
        cells = review.correctable_cells(report.values)
        c1, c2, c3 = st.columns(3)
        t = c1.selectbox("表", forms.TABLES, format_func=lambda x: f"表{x}", key="fix_table")
        rows = list(dict.fromkeys(cells.loc[cells["table"] == t, "row"]))
        if not rows:
            st.warning(f"报告中没有表{t}的单元格。")
        else:
            r = c2.selectbox("行", rows, format_func=lambda x: x.replace("/", " › "), key=f"fix_row_{t}")
            cols = cells.loc[(cells["table"] == t) & (cells["row"] == r), "column"].tolist()
            c = c3.selectbox("列", cols, key=f"fix_col_{t}_{r}")
            st.markdown(f"**报告中的值**：{labels.md(review.cell_display(report.values, t, r, c))}")
            v1, v2 = st.columns([1, 2])
            blank = v1.checkbox("该格应为空白", key="fix_blank")
            value = v1.number_input("正确的数值", min_value=0.0, step=1.0, value=None, key="fix_value",
                                    disabled=blank, placeholder="输入数值")
            note = v2.text_area("更正说明", key="fix_note", placeholder="例如：PDF 中该格为 12，解析为 21", height=80)
            if st.button("保存更正", key="fix_save", icon=":material/edit:", disabled=value is None and not blank):
                store.correct(sha, t, r, c, None if blank else value, note, check_fn=core.check_report,
                              reviewer=login.reviewer())
                state.changed()
                st.toast("已保存更正，已按更正后的数值重新检查。")
                st.rerun()
        if not corr.empty:
            st.markdown("**本报告的更正**")
            st.dataframe(review.corrections_display(corr), hide_index=True, key="corrections_table")
            keys = list(zip(corr["table"], corr["row"], corr["column"]))
            undo = st.selectbox("撤销更正", range(len(keys)), index=None, placeholder="选择要撤销的更正",
                                format_func=lambda k: core.location_text(dict(zip(("table", "row", "column"), keys[k]))),
                                key="fix_undo_pick")
            if undo is not None and st.button("撤销", key="fix_undo"):
                store.remove_correction(sha, *keys[undo], check_fn=core.check_report)
                state.changed()
                st.rerun()

if report.format == "pdf":
    with tabs[5]:
        pdf = state.source_bytes(sha)
        if not pdf:
            st.info("原始文件未保存，无法显示页面。")
        else:
            page, bbox = (None, None)
            if picked is not None:
                page, bbox = pdfpage.cell_location(report.values, picked.get("table"), picked.get("row"),
                                                   picked.get("column"))
                if page is None and picked.get("section") is not None and str(picked.get("section")) != "nan":
                    sec = report.sections.get(int(float(picked["section"])))
                    page = sec.page if sec else None
            st.caption("在上方选中一条问题，可跳到它所在的页面" + ("并用红框标出单元格。" if bbox else "。"))
            pages = report.page_count or 1
            page = st.number_input("页码", min_value=1, max_value=pages, value=min(page or 1, pages), step=1,
                                   key=f"page_{sha}_{page}")
            read = pdfpage.ocr_cells(report.values, int(page)) if report.ocr else []
            if read:
                st.caption("本页为扫描件，蓝框内为文字识别读出的数值（橙色为识别置信度较低，请重点核对）。")
            st.image(pdfpage.render_page_png(pdf, int(page), bbox, cells=read), caption=f"第 {int(page)} 页", width=820)

if report.format in docview.FORMATS:
    with tabs[5]:
        data = state.source_bytes(sha)
        if not data:
            st.info("原始文件未保存，无法显示原文。")
        else:
            cache = st.session_state.setdefault("outlines", {})
            if sha not in cache:
                with st.spinner("正在读取原文…"):
                    cache[sha] = preview.outline(data, report.file)
            doc = cache[sha]
            if doc.error:
                st.error(labels.md(doc.error))
            else:
                st.caption("报告的文字和表格（按读取顺序，不含原文件的字体和版式）。在上方选中一条问题，"
                           "可标出它所在的表格行和单元格。")
                loc = preview.Location()
                if picked is not None and picked.get("table") in forms.TABLES and isinstance(picked.get("row"), str):
                    v = report.values
                    same_row = v[(v["table"] == picked["table"]) & (v["row"] == picked["row"])]
                    cell = same_row[same_row["column"] == picked.get("column")]
                    raw = cell["raw"].iloc[0] if not cell.empty else None
                    loc = preview.locate(doc.items, picked["table"], picked["row"], raw, picked.get("column"),
                                         same_row["column"].tolist())
                    named = isinstance(picked.get("column"), str) and bool(picked.get("column"))
                    st.markdown(labels.md(docview.where_text(loc, doc.items, cell=named)))
                    if loc.found:
                        st.html(docview.document_html(doc.items, loc, only_hit=True))
                with st.expander("全文", expanded=not loc.found):
                    st.html(docview.document_html(doc.items, loc))
