"""Small Streamlit render helpers shared by the pages."""
from __future__ import annotations

from typing import Optional

import pandas as pd
import streamlit as st

from parsing import clock
from parsing.report import ParsedReport

from . import core, demo, exports, labels, state, storeview, views

BADGE_CELL_CSS = {
    core.BADGE_PASS: "background-color:#d9f2de;color:#135c23",
    core.BADGE_WARN: "background-color:#fff1cc;color:#7a4d00",
    core.BADGE_ERROR: "background-color:#fde2e2;color:#8a1010",
    core.BADGE_UNREADABLE: "background-color:#e5e7eb;color:#374151",
}
SEVERITY_ROW_CSS = {"错误": "background-color:#fde2e2", "警告": "background-color:#fff1cc", "提示": ""}


def badge_cell_css(label: str) -> str:
    return BADGE_CELL_CSS.get(label, "")


def badge_chip(b: dict) -> None:
    """The badge as a coloured chip followed by the counts."""
    st.badge(b["label"], icon=core.BADGE_ICONS.get(b["label"]), color=core.BADGE_COLORS.get(b["label"], "gray"))
    if b["label"] != core.BADGE_UNREADABLE:
        st.caption(f"错误 {b['error']} 项 · 警告 {b['warning']} 项 · 提示 {b['info']} 项")


def findings_table(findings: pd.DataFrame, with_file: bool = False, key: Optional[str] = None,
                   selectable: bool = False):
    """Findings in reviewer words, errors first, rows tinted by severity (a dismissed one greyed), with the
    reviewer's decision where the findings carry one. Returns the selection."""
    disp = core.findings_display(findings, with_file=with_file)
    if not disp.empty and "decision" in findings.columns and findings["finding_key"].notna().any():
        ordered = sorted_findings(findings)
        disp["处理"] = [storeview.decision_text(r) for r in ordered.to_dict("records")]
        disp["处理说明"] = ordered["decision_note"].fillna("").astype(str).to_numpy()
        disp["处理时间"] = ordered["decided_at"].map(clock.beijing).to_numpy()
        if "decided_by" in ordered.columns and ordered["decided_by"].notna().any():
            disp["处理人"] = ordered["decided_by"].fillna("").astype(str).to_numpy()
    if disp.empty:
        st.success("未发现问题。")
        return None
    def row_css(r):
        if r.get("处理") == "已排除":
            return ["color:#9ca3af;text-decoration:line-through"] * len(r)
        return [SEVERITY_ROW_CSS.get(r["级别"], "")] * len(r)

    styled = disp.style.apply(row_css, axis=1)
    if selectable:
        return st.dataframe(styled, hide_index=True, key=key, on_select="rerun", selection_mode="single-row")
    st.dataframe(styled, hide_index=True, key=key)
    return None


def sorted_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings in the order :func:`core.findings_display` shows them (for mapping a selection back)."""
    if findings.empty:
        return findings
    o = findings["severity"].map(core.SEVERITY_ORDER).fillna(9)
    return findings.assign(_o=o).sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


def load_samples_button(key: str = "load_samples") -> None:
    if st.button("载入示例报告", key=key, icon=":material/folder_open:", help="载入项目自带的 sample_reports/ 中的报告，便于试用"):
        files = state.sample_files()
        if not files:
            st.warning("未找到示例报告（sample_reports/ 为空）。")
            return
        bar = st.progress(0.0, text="正在解析示例报告…")
        res = state.add_files(files, lambda i, n, name: bar.progress(
            min(i / max(n, 1), 1.0), text=f"正在解析 {i}/{n}：{labels.md(labels.short_file(name))}" if name else "解析完成"),
            save=st.session_state.get("save_choice", True))
        bar.empty()
        st.toast(f"已载入 {res['added']} 份示例报告")


def load_demo_button(key: str = "load_demo") -> None:
    """One click: the demo county (示例数据) into the session and the store, with its roster."""
    if not demo.available():
        return
    if st.button(f"载入示例县（{demo.LABEL}）", key=key, icon=":material/location_city:", type="primary",
                 help="载入自动生成的“示例市示例县”20个单位5个年度的报告和名册（网页、PDF、Word、扫描件），"
                      "其中有意设置了若干问题，便于试用审查、趋势和简报。可在“报告库”页移除。"):
        bar = st.progress(0.0, text="正在载入示例县…")
        res = state.load_demo(
            lambda i, n, name: bar.progress(min(i / max(n, 1), 1.0),
                                            text=f"正在解析 {i}/{n}：{labels.md(labels.short_file(name))}" if name
                                            else "解析完成"),
            on_page=lambda done, total, name: bar.progress(
                min(done / max(total, 1), 1.0),
                text=f"正在识别扫描件“{labels.md(labels.short_file(name))}”：第 {done}/{total} 页"))
        bar.empty()
        st.session_state["flash"] = (f"已载入示例县：{res['added']} 份报告" +
                                     (f"，名册 {res['roster']} 个单位" if res["roster"] else ""))
        st.rerun()


def demo_banner() -> None:
    """Say 示例数据 on a page whose working set holds the demo county."""
    if state.shows_demo():
        st.info(demo.BANNER, icon=":material/science:")


def empty_state(what: str = "本页") -> bool:
    """When the working set (this session and the store) has no readable report, say what to do; True then."""
    if not state.readable_catalog().empty:
        return False
    if not state.catalog().empty:
        st.warning(f"已上传的文件都无法读取，{what}没有可显示的内容。请在“上传与快速检查”页查看原因。")
    else:
        st.info(f"还没有报告。请先在“上传与快速检查”页拖入报告文件（PDF、DOCX、HTML、TXT/MD 或 ZIP），"
                f"或点击下方按钮载入示例报告，{what}即会显示结果。")
        c1, c2 = st.columns(2)
        with c1:
            load_demo_button(key=f"load_demo_{what}")
        with c2:
            load_samples_button(key=f"load_samples_{what}")
    st.page_link(state.PAGE_UPLOAD, label="前往 上传与快速检查", icon=":material/upload_file:")
    return True


def report_picker(label: str = "选择报告", key: str = "report_pick",
                  candidates: Optional[list[ParsedReport]] = None) -> Optional[ParsedReport]:
    """A selectbox of the working set's reports; remembers the choice in ``current``."""
    if candidates is not None:
        shas = [r.sha256 for r in candidates]
        names = {r.sha256: views.report_label(r) + ("（无法读取）" if r.error else "") for r in candidates}
    else:
        shas, names = state.picker_options()  # cached: a province's 30,000 labels
    if not shas:
        return None
    cur = st.session_state.get("current")
    index = shas.index(cur) if cur in shas else 0
    sha = st.selectbox(label, shas, index=index, format_func=lambda s: names[s], key=key)
    st.session_state["current"] = sha
    return state.get(sha)


def chart_with_data(fig, data: pd.DataFrame, key: str, file_stem: str,
                    shown=None, page_rows: Optional[int] = None) -> None:
    """A chart with its data beside it: table, CSV download and PNG (print quality) download.

    ``shown`` is an optional display version of ``data`` (e.g. unknown numbers spelled out), or a function of a
    slice of ``data`` that makes it; the CSV always carries ``data``. With ``page_rows``, a table longer than
    that is shown a page at a time (a province's trend is tens of thousands of rows: every row stays reachable,
    only the page is sent to the browser and formatted).
    """
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(fig, key=f"chart_{key}", config={"displaylogo": False})
    with right:
        part = data
        if page_rows and len(data) > page_rows:
            pages = -(-len(data) // page_rows)
            page = int(st.number_input(f"页码（共 {pages} 页，每页 {page_rows} 行）", min_value=1, max_value=pages,
                                       value=1, step=1, key=f"page_{key}"))
            start = (page - 1) * page_rows
            part = data.iloc[start:start + page_rows]
            st.caption(f"第 {start + 1}–{start + len(part)} 行，共 {len(data)} 行。")
        if shown is None:
            table = part
        elif callable(shown):
            table = shown(part)
        else:
            table = shown if part is data else shown.iloc[start:start + page_rows]
        st.dataframe(table, hide_index=True, key=f"data_{key}", height=min(420, 40 + 35 * max(len(table), 1)))
        # written when asked for: the data of a province's trend is tens of thousands of rows
        st.download_button("下载数据（CSV）", lambda: exports.csv_bytes(data), file_name=f"{file_stem}.csv",
                           mime="text/csv", key=f"csv_{key}", icon=":material/download:", on_click="ignore")
        png_button(fig, key, file_stem)


def png_button(fig, key: str, file_stem: str) -> None:
    if not exports.chromium_available():
        st.caption(exports.PNG_UNAVAILABLE)
        return

    def make_png() -> bytes:
        png, msg = exports.figure_png(fig)
        if png is None:
            raise RuntimeError(msg)
        return png

    st.download_button("下载图表（PNG，高清）", make_png, file_name=f"{file_stem}.png", mime="image/png",
                       key=f"png_{key}", icon=":material/image:", on_click="ignore")


def missing_reports(store, roster: pd.DataFrame, years: list[int], key: str) -> None:
    """Per year, the roster's bodies that have no stored report: a year picker, a count, the list and a CSV."""
    from . import library

    year = st.selectbox("年度", years, key=f"{key}_year")
    missing = library.missing_table(store.missing_reports(year))
    st.metric(f"{year}年未报送", f"{len(missing)} / {len(roster)}")
    if missing.empty:
        st.success(f"名册中的单位 {year} 年都已报送（以报告库中的报告为准）。")
    else:
        st.dataframe(missing, hide_index=True, key=f"{key}_table")
        st.download_button("下载未报送名单（CSV）", exports.csv_bytes(missing), file_name=f"{year}年未报送单位.csv",
                           mime="text/csv", key=f"{key}_csv", on_click="ignore")
