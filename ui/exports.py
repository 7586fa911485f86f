"""Exports for briefings and for telling a township what to fix: Excel, CSV, PNG, one-report summary.

The frames are built here; every file is written by :mod:`parsing.exports` (text made inert there).
``csv_bytes`` is that module's."""
from __future__ import annotations

import os
import shutil
from datetime import date
from typing import Optional

import pandas as pd

from parsing import forms
from parsing.exports import Bold, Heading, Paragraph, Table, docx_bytes, markdown_document, store_sheets, xlsx_bytes
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
    path = os.environ.get("BROWSER_PATH")
    if path and os.path.exists(path):
        return True
    return any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "chrome"))


PNG_UNAVAILABLE = "无法导出 PNG 图片：本机未安装 Chromium 浏览器（图表导出需要它）。请安装 chromium 后重试，或使用图表右上角的相机按钮保存。"


def figure_png(fig, scale: int = 3) -> tuple[Optional[bytes], Optional[str]]:
    """(PNG bytes, None), or (None, a Chinese message) when the chart cannot be rendered."""
    if not chromium_available():
        return None, PNG_UNAVAILABLE
    try:
        return fig.to_image(format="png", scale=scale), None
    except Exception as exc:  # noqa: BLE001 - kaleido raises several types; the reviewer gets a sentence
        return None, f"PNG 导出失败：{exc}"


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


def report_summary_blocks(report: ParsedReport, findings: pd.DataFrame, today: Optional[date] = None,
                          findings_as_table: bool = False) -> list:
    """The note to send back to the body, as :mod:`parsing.exports` blocks: what was checked and what to fix,
    with locations. ``findings_as_table`` lists the findings as one table (Word) instead of numbered lines."""
    s = _summary_lines(report, findings)
    b = s["badge"]
    who = report.body or "（单位未识别）"
    year = f"{report.year}年" if report.year else "（年度未识别）"
    blocks: list = [
        Heading(f"{who}{year}政府信息公开工作年度报告审查意见", 1),
        Paragraph(f"文件：{core.short_file(report.file)}", "bullet"),
        Paragraph(f"报告标题：{report.title or '（未识别）'}", "bullet"),
        Paragraph(f"格式版本：{forms.FORM_NAMES.get(report.template, '未识别')}", "bullet"),
        Paragraph(["审查结论：", Bold(b["label"]),
                   f"（错误 {b['error']} 项，警告 {b['warning']} 项，提示 {b['info']} 项）"], "bullet"),
        Paragraph(f"审查日期：{(today or date.today()).isoformat()}", "bullet"),
    ]
    if report.error:
        return blocks + [Heading("文件无法读取", 2), Paragraph(report.error),
                         Paragraph("请重新提供可读取的 PDF、DOCX 或网页版本。")]
    if s["missing_sections"] or s["missing_tables"]:
        blocks.append(Heading("缺少的内容", 2))
        blocks += [Paragraph(f"缺少章节：{x}", "bullet") for x in s["missing_sections"]]
        blocks += [Paragraph(f"缺少表格：{x}", "bullet") for x in s["missing_tables"]]
    disp = s["findings"]
    if findings_as_table:
        blocks.append(Heading("问题清单", 2))
        cols = ["级别", "问题", "位置", "应为", "实为"]
        if not disp.empty:
            blocks.append(Table(cols, [[f[c] for c in cols] for f in disp.to_dict("records")]))
    else:
        for sev in ("错误", "警告", "提示"):
            part = disp[disp["级别"] == sev]
            if part.empty:
                continue
            blocks.append(Heading(f"{sev}（{len(part)} 项）", 2))
            for f in part.to_dict("records"):
                extra = f"（应为 {f['应为'] or '—'}，实为 {f['实为'] or '—'}）" if f["应为"] or f["实为"] else ""
                blocks.append(Paragraph(f"{f['问题']}{extra}　位置：{f['位置']}", "number"))
    if disp.empty:
        blocks.append(Paragraph("未发现问题。"))
    blocks.append(Paragraph("请对照上述问题核实并修改报告后重新发布。"))
    return blocks


def report_summary_markdown(report: ParsedReport, findings: pd.DataFrame, today: Optional[date] = None) -> str:
    """The review note as Markdown (every piece of report text escaped: safe to download and to show)."""
    return markdown_document(report_summary_blocks(report, findings, today))


def report_summary_docx(report: ParsedReport, findings: pd.DataFrame, today: Optional[date] = None) -> bytes:
    """The same note as a Word document (findings as a table)."""
    return docx_bytes(report_summary_blocks(report, findings, today, findings_as_table=True))
