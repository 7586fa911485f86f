"""单份报告: badge, findings with locations, the three tables in form layout, section texts, source pages."""
import streamlit as st

from parsing import forms
from ui import core, exports, pdfpage, state, tables, widgets

st.title("单份报告")

if not state.reports():
    widgets.empty_state("单份报告页")
    st.stop()

report = widgets.report_picker()
findings = state.findings_of(report.sha256)
b = core.badge(findings, report)

head, meta = st.columns([1, 2])
with head:
    st.subheader(report.body or "（单位未识别）")
    widgets.badge_chip(b)
with meta:
    st.markdown(
        f"**标题**：{report.title or '（未识别）'}  \n"
        f"**文件**：{core.short_file(report.file)}（{report.format or '未知格式'}"
        + (f"，{report.page_count} 页" if report.page_count else "") + "）  \n"
        f"**年度**：{report.year or '未识别'}　**地区**：{report.region or '未注明'}  \n"
        f"**格式版本**：{forms.FORM_NAMES.get(report.template, '未识别')}"
    )

if report.error:
    st.error(report.error)
    st.stop()

stem = f"{report.body or '报告'}{report.year or ''}审查意见"
d1, d2 = st.columns(2)
d1.download_button("下载审查意见（Word）", lambda: exports.report_summary_docx(report, findings),
                   file_name=f"{stem}.docx", key="report_docx", icon=":material/description:", on_click="ignore",
                   mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
d2.download_button("下载审查意见（Markdown）", exports.report_summary_markdown(report, findings).encode("utf-8"),
                   file_name=f"{stem}.md", mime="text/markdown", key="report_md", icon=":material/description:", on_click="ignore")

st.subheader("问题清单")
ordered = widgets.sorted_findings(findings)
sel = widgets.findings_table(ordered, key="report_findings", selectable=report.format == "pdf")
picked = None
if sel is not None and sel.selection.rows:
    picked = ordered.iloc[sel.selection.rows[0]]

tab_names = ["表二 主动公开", "表三 依申请公开", "表四 复议诉讼", "章节文本"]
if report.format == "pdf":
    tab_names.append("原文页面")
tabs = st.tabs(tab_names)
for tab, t in zip(tabs[:3], forms.TABLES):
    with tab:
        if not report.tables_found.get(t):
            st.warning(f"报告中未找到表{t}（{forms.TABLE_TITLES[t]}）。")
        st.html(tables.form_table_html(report.values, t, report.template, findings))
        st.caption("红色：错误；橙色：警告；蓝色：提示（鼠标悬停看原因）。“（空）”表示报告中该格为空白，不按 0 计。")

with tabs[3]:
    for n in range(1, 7):
        sec = report.sections.get(n)
        heading = forms.SECTIONS[n - 1].heading
        if not sec or not sec.found:
            st.error(f"缺少：{heading}")
            continue
        page = f"（第 {sec.page} 页）" if sec.page else ""
        with st.expander(f"{sec.heading or heading}{page}", expanded=n == 1):
            st.text(sec.text or "（本部分没有正文）")

if report.format == "pdf":
    with tabs[4]:
        pdf = st.session_state["sources"].get(report.sha256)
        if not pdf:
            st.info("原始文件不在本次会话中，无法显示页面。")
        else:
            page, bbox = (None, None)
            if picked is not None:
                page, bbox = pdfpage.cell_location(report.values, picked.get("table"), picked.get("row"),
                                                   picked.get("column"))
                if page is None and picked.get("section") is not None and str(picked.get("section")) != "nan":
                    sec = report.sections.get(int(float(picked["section"])))
                    page = sec.page if sec else None
            st.caption("在上方问题清单中选中一条问题，可跳到它所在的页面" + ("并框出单元格。" if bbox else "。"))
            pages = report.page_count or 1
            page = st.number_input("页码", min_value=1, max_value=pages, value=min(page or 1, pages), step=1,
                                   key=f"page_{report.sha256}_{page}")
            st.image(pdfpage.render_page_png(pdf, int(page), bbox), caption=f"第 {int(page)} 页", width=820)
