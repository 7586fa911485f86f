"""Exports for briefings and for telling a township what to fix: Excel, CSV, PNG, one-report summary.

The frames are built here; every file is written by :mod:`parsing.exports` (text made inert there).
``csv_bytes`` is that module's."""
from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from datetime import date
from typing import Callable, Optional

import pandas as pd

from parsing import clock, forms
from parsing.exports import (Bold, Heading, PageBreak, Paragraph, Table, docx_bytes, markdown_document, store_sheets,
                             xlsx_bytes)
from parsing.exports import csv_bytes  # noqa: F401 - the pages' CSV writer
from parsing.report import ParsedReport

from . import core

SHEET_REPORTS, SHEET_FINDINGS, SHEET_VALUES = "报告", "问题清单", "数据明细"
STATUS_ZH = {"ok": "已读取", "blank": "空白", "unreadable": "无法识别", "missing": "缺失"}

VALUES_EXPORT_COLUMNS = {
    "file": "文件", "body": "单位", "region": "地区", "year": "年度", "template": "格式版本",
    "table": "表", "row": "行", "column": "列", "value": "数值", "raw": "原文", "page": "页码",
    "status": "状态", "confidence": "识别置信度", "sha256": "sha256",
}


def values_export_frame(values: pd.DataFrame) -> pd.DataFrame:
    """The long values frame with Chinese headers; blanks stay empty (never 0)."""
    cols = [c for c in VALUES_EXPORT_COLUMNS if c in values.columns]
    out = values[cols].rename(columns=VALUES_EXPORT_COLUMNS).copy()
    if "状态" in out:
        out["状态"] = out["状态"].map(lambda s: STATUS_ZH.get(s, s))
    if "文件" in out:
        out["文件"] = out["文件"].map(core.short_file)
    return out


def workbook_bytes(reports: pd.DataFrame, findings: pd.DataFrame, values: pd.DataFrame) -> bytes:
    """An .xlsx with sheets 报告, 问题清单, 数据明细 (column widths set for reading; text made inert)."""
    return xlsx_bytes({
        SHEET_REPORTS: reports,
        SHEET_FINDINGS: core.findings_display(findings, with_file=True),
        SHEET_VALUES: values_export_frame(values),
    })


def store_workbook_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx of :func:`parsing.exports.export_frames` (one sheet per table; long sheets split)."""
    return xlsx_bytes(store_sheets(frames))


def store_workbook_streamed(store) -> bytes:
    """The store's whole workbook (:func:`parsing.exports.export`, streamed to a private temporary file in
    constant memory, the values 200 reports at a time), then read back for the download: the finished
    file is in memory once, the frames and openpyxl's cells never all at once."""
    import tempfile
    from pathlib import Path

    from parsing.exports import export

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.xlsx"
        export(store, xlsx=path)
        return path.read_bytes()


def chromium_available() -> bool:
    """Whether kaleido can find a browser to render PNGs (BROWSER_PATH or a chromium on PATH)."""
    return browser_path() is not None


PNG_UNAVAILABLE = "无法导出 PNG 图片：本机未安装 Chromium 浏览器（图表导出需要它）。请安装 chromium 后重试，或使用图表右上角的相机按钮保存。"


def figure_png(fig, scale: int = 3) -> tuple[Optional[bytes], Optional[str]]:
    """(PNG bytes, None), or (None, a Chinese message) when the chart cannot be rendered.

    The figure's own width and height when it sets them (the completeness heat map is sized to its content),
    else :data:`ui.figures.WIDTH` by the figure's height; ``scale`` 3 is print quality."""
    from .figures import WIDTH

    if not chromium_available():
        return None, PNG_UNAVAILABLE
    try:
        return fig.to_image(format="png", scale=scale, width=fig.layout.width or WIDTH,
                            height=fig.layout.height or 420), None
    except Exception as exc:  # noqa: BLE001 - kaleido raises several types; the reviewer gets a sentence
        return None, f"PNG 导出失败：{exc}"


def figures_png(figs: dict, scale: int = 2) -> tuple[dict, Optional[str]]:
    """Several figures rendered in one browser session (a document with many charts): ({key: PNG bytes}, None),
    or ({}, a Chinese message)."""
    import tempfile
    from pathlib import Path

    import plotly.io as pio

    from .figures import WIDTH

    if not chromium_available():
        return {}, PNG_UNAVAILABLE
    keys = list(figs)
    if not keys:
        return {}, None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            paths = [Path(tmp) / f"{i}.png" for i in range(len(keys))]
            pio.write_images([figs[k] for k in keys], paths, format="png", scale=scale,
                             width=[figs[k].layout.width or WIDTH for k in keys],
                             height=[figs[k].layout.height or 420 for k in keys])
            return {k: p.read_bytes() for k, p in zip(keys, paths)}, None
    except Exception as exc:  # noqa: BLE001 - kaleido raises several types; the reviewer gets a sentence
        return {}, f"PNG 导出失败：{exc}"


def browser_path() -> Optional[str]:
    path = os.environ.get("BROWSER_PATH")
    if path and os.path.exists(path):
        return path
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome", "chrome")) if p), None)


PDF_UNAVAILABLE = "无法导出 PDF：本机未安装 Chromium 浏览器（打印 PDF 需要它）。请下载 Word 版本。"
PDF_TIMEOUT = 300  # seconds: a hang guard for the browser printing a document, not a speed limit


def pdf_from_html(html: str) -> tuple[Optional[bytes], Optional[str]]:
    """An HTML page (:func:`parsing.exports.html_document`: escaped text, no scripts, no fetches) printed to PDF by
    the machine's chromium: (PDF bytes, None), or (None, a Chinese message)."""
    import subprocess
    import tempfile
    from pathlib import Path

    browser = browser_path()
    if browser is None:
        return None, PDF_UNAVAILABLE
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "briefing.html", Path(tmp) / "briefing.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer", f"--print-to-pdf={out}",
               src.as_uri()]
        try:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=PDF_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"PDF 导出失败：{exc}"
        if not out.exists() or out.stat().st_size == 0:
            return None, "PDF 导出失败：浏览器没有生成文件。"
        return out.read_bytes(), None


# ---------------------------------------------------------------------------
# One-report summary for the township
# ---------------------------------------------------------------------------

def _summary_lines(report: ParsedReport, findings: pd.DataFrame) -> dict:
    b = core.badge(findings, report)
    disp = core.findings_display(findings)
    missing_sections = [core.SECTION_LABELS[n] for n in range(1, 7)
                        if not report.sections_found().get(str(n))] if not report.error else []
    missing_tables = [f"表{t}（{forms.TABLE_TITLES[t]}）" for t in forms.TABLES
                      if not report.tables_found.get(t)] if not report.error else []
    return {"badge": b, "findings": disp, "missing_sections": missing_sections, "missing_tables": missing_tables}


DEMO_NOTE = "示例数据：本报告是自动生成的示例县报告，并非真实政府报告。"


def report_summary_blocks(report: ParsedReport, findings: pd.DataFrame, today: Optional[date] = None,
                          findings_as_table: bool = False, name: Optional[str] = None, demo: bool = False,
                          level: int = 1) -> list:
    """The note to send back to the body, as :mod:`parsing.exports` blocks: what was checked and what to fix,
    with locations. ``findings_as_table`` lists the findings as one table (Word) instead of numbered lines.
    ``name``: the body as the dashboard shows it (the store's display name; default the name as printed, which
    the note always gives too); ``demo`` says 示例数据 under the heading; ``level`` of the heading (its parts one
    below). Dated ``today`` (default: today in Beijing)."""
    s = _summary_lines(report, findings)
    b = s["badge"]
    who = name or report.body or "（单位未识别）"
    year = f"{report.year}年" if report.year else "（年度未识别）"
    blocks: list = [Heading(f"{who}{year}政府信息公开工作年度报告审查意见", level)]
    if demo:
        blocks.append(Paragraph([Bold(DEMO_NOTE)]))
    if report.body and report.body != who:
        blocks.append(Paragraph(f"报告所印单位名称：{report.body}", "bullet"))
    blocks += [
        Paragraph(f"文件：{core.short_file(report.file)}", "bullet"),
        Paragraph(f"报告标题：{report.title or '（未识别）'}", "bullet"),
        Paragraph(f"格式版本：{forms.FORM_NAMES.get(report.template, '未识别')}", "bullet"),
        Paragraph(["审查结论：", Bold(b["label"]),
                   f"（错误 {b['error']} 项，警告 {b['warning']} 项，提示 {b['info']} 项）"], "bullet"),
        Paragraph(f"审查日期：{(today or clock.today()).isoformat()}", "bullet"),
    ]
    sub = level + 1
    if report.error:
        return blocks + [Heading("文件无法读取", sub), Paragraph(report.error),
                         Paragraph("请重新提供可读取的 PDF、DOCX 或网页版本。")]
    if s["missing_sections"] or s["missing_tables"]:
        blocks.append(Heading("缺少的内容", sub))
        blocks += [Paragraph(f"缺少章节：{x}", "bullet") for x in s["missing_sections"]]
        blocks += [Paragraph(f"缺少表格：{x}", "bullet") for x in s["missing_tables"]]
    disp = s["findings"]
    if findings_as_table:
        blocks.append(Heading("问题清单", sub))
        cols = ["级别", "问题", "位置", "应为", "实为"]
        if not disp.empty:
            blocks.append(Table(cols, [[f[c] for c in cols] for f in disp.to_dict("records")]))
    else:
        for sev in ("错误", "警告", "提示"):
            part = disp[disp["级别"] == sev]
            if part.empty:
                continue
            blocks.append(Heading(f"{sev}（{len(part)} 项）", sub))
            for f in part.to_dict("records"):
                extra = f"（应为 {f['应为'] or '—'}，实为 {f['实为'] or '—'}）" if f["应为"] or f["实为"] else ""
                blocks.append(Paragraph(f"{f['问题']}{extra}　位置：{f['位置']}", "number"))
    if disp.empty:
        blocks.append(Paragraph("未发现问题。"))
    blocks.append(Paragraph("请对照上述问题核实并修改报告后重新发布。"))
    return blocks


def report_summary_markdown(report: ParsedReport, findings: pd.DataFrame, today: Optional[date] = None,
                            name: Optional[str] = None, demo: bool = False) -> str:
    """The review note as Markdown (every piece of report text escaped: safe to download and to show)."""
    return markdown_document(report_summary_blocks(report, findings, today, name=name, demo=demo))


def report_summary_docx(report: ParsedReport, findings: pd.DataFrame, today: Optional[date] = None,
                        name: Optional[str] = None, demo: bool = False) -> bytes:
    """The same note as a Word document (findings as a table)."""
    return docx_bytes(report_summary_blocks(report, findings, today, findings_as_table=True, name=name, demo=demo))


# ---------------------------------------------------------------------------
# The opinions of a county: one Word file per report in a ZIP, and one merged document
# ---------------------------------------------------------------------------

_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_stem(text: str, limit: int = 60) -> str:
    """Text made fit for a file name on any system (a ZIP member or a download): no folders, no characters
    Windows refuses, no control characters, no leading dots or spaces, at most ``limit`` characters."""
    s = _UNSAFE_IN_NAME.sub("_", str(text or "")).strip(" ._")
    return s[:limit].rstrip(" .") or "报告"


def opinion_stem(name: Optional[str], year) -> str:
    """The file name (without extension) of a report's 审查意见: ``浓桥镇2022年审查意见`` (the year with 年)."""
    y = "" if year is None or pd.isna(year) else f"{int(year)}年"
    return safe_stem(f"{name or '报告'}{y}审查意见", limit=80)


@dataclass
class Opinion:
    """One report's 审查意见: the report, the findings that count (dismissed ones left out), the body's display
    name and whether it is demo data."""
    report: ParsedReport
    findings: pd.DataFrame
    name: str = ""
    demo: bool = False

    @property
    def badge(self) -> dict:
        return core.badge(self.findings, self.report)

    def blocks(self, today: Optional[date] = None, level: int = 1) -> list:
        return report_summary_blocks(self.report, self.findings, today, findings_as_table=True, name=self.name,
                                     demo=self.demo, level=level)


def opinion_summary_rows(opinions: list[Opinion]) -> list[list]:
    """The merged document's first table: one row per report (序号, 单位, 年度, 结论, counts, 文件)."""
    rows = []
    for i, o in enumerate(opinions, start=1):
        b = o.badge
        year = f"{o.report.year}" if o.report.year else "未识别"
        rows.append([i, o.name or o.report.body or "（单位未识别）", year, b["label"], b["error"], b["warning"],
                     b["info"], core.short_file(o.report.file)])
    return rows


SUMMARY_COLUMNS = ["序号", "单位", "年度", "结论", "错误", "警告", "提示", "文件"]


def county_opinions_docx(opinions: list[Opinion], title: str, today: Optional[date] = None) -> bytes:
    """One Word document: the title, a summary table of every report first, then each report's 审查意见 on a
    page of its own."""
    today = today or clock.today()
    n = len(opinions)
    blocks: list = [Heading(title, 1),
                    Paragraph(f"共 {n} 份报告；审查日期：{today.isoformat()}。已排除的问题不计入结论。")]
    if any(o.demo for o in opinions):
        blocks.append(Paragraph([Bold("示例数据：含自动生成的示例县报告，并非真实政府报告。")]))
    blocks += [Heading("汇总", 2), Table(SUMMARY_COLUMNS, opinion_summary_rows(opinions))]
    for o in opinions:
        blocks.append(PageBreak())
        blocks += o.blocks(today, level=2)
    return docx_bytes(blocks)


def county_opinions_zip(opinions: list[Opinion], title: str, today: Optional[date] = None,
                        on_progress: Optional[Callable[[int, int], None]] = None) -> bytes:
    """A ZIP holding one Word 审查意见 per report (``单位2022年审查意见.docx``; a second report of the same body
    and year gets ``（2）``) and the merged document (:func:`county_opinions_docx`) as ``{title}.docx``."""
    today = today or clock.today()
    buf = io.BytesIO()
    used: set = set()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, o in enumerate(opinions):
            stem = opinion_stem(o.name or o.report.body, o.report.year)
            name, k = f"{stem}.docx", 2
            while name in used:
                name, k = f"{stem}（{k}）.docx", k + 1
            used.add(name)
            z.writestr(name, docx_bytes(o.blocks(today)))
            if on_progress:
                on_progress(i + 1, len(opinions))
        z.writestr(f"{safe_stem(title, 80)}.docx", county_opinions_docx(opinions, title, today))
    return buf.getvalue()
