"""Exports for briefings and for telling a township what to fix: Excel, CSV, PNG, one-report summary."""
from __future__ import annotations

import io
import os
import shutil
from datetime import date
from typing import Optional

import pandas as pd

from parsing import forms
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
    """An .xlsx with sheets 报告, 问题清单, 数据明细 (column widths set for reading)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        sheets = {
            SHEET_REPORTS: reports,
            SHEET_FINDINGS: core.findings_display(findings, with_file=True),
            SHEET_VALUES: values_export_frame(values),
        }
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            ws.freeze_panes = "A2"
            for i, col in enumerate(df.columns, start=1):
                sample = [str(col)] + [str(x) for x in df[col].head(200).tolist()]
                width = min(60, max(6, max(_display_width(s) for s in sample) + 2))
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    return buf.getvalue()


STORE_SHEETS = {"reports": "报告", "values": "数值", "findings": "问题", "corrections": "更正",
                "decisions": "审查决定", "roster": "名册"}
XLSX_MAX_ROWS = 1_000_000


def store_workbook_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx of :func:`parsing.batch.export_frames` (one sheet per table; long sheets split)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in frames.items():
            sheet = STORE_SHEETS.get(name, name)
            if len(df) <= XLSX_MAX_ROWS:
                df.to_excel(xw, sheet_name=sheet, index=False)
                continue
            for i, start in enumerate(range(0, len(df), XLSX_MAX_ROWS), 1):
                df.iloc[start:start + XLSX_MAX_ROWS].to_excel(xw, sheet_name=f"{sheet}{i}", index=False)
    return buf.getvalue()


def _display_width(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV with a BOM so that Excel opens the Chinese text correctly."""
    return df.to_csv(index=False).encode("utf-8-sig")


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


def report_summary_markdown(report: ParsedReport, findings: pd.DataFrame, today: Optional[date] = None) -> str:
    """A Markdown note to send back to the body: what was checked and what to fix, with locations."""
    s = _summary_lines(report, findings)
    b = s["badge"]
    who = report.body or "（单位未识别）"
    year = f"{report.year}年" if report.year else "（年度未识别）"
    lines = [
        f"# {who}{year}政府信息公开工作年度报告审查意见",
        "",
        f"- 文件：{core.short_file(report.file)}",
        f"- 报告标题：{report.title or '（未识别）'}",
        f"- 格式版本：{forms.FORM_NAMES.get(report.template, '未识别')}",
        f"- 审查结论：**{b['label']}**（错误 {b['error']} 项，警告 {b['warning']} 项，提示 {b['info']} 项）",
        f"- 审查日期：{(today or date.today()).isoformat()}",
        "",
    ]
    if report.error:
        lines += ["## 文件无法读取", "", report.error, "", "请重新提供可读取的 PDF、DOCX 或网页版本。"]
        return "\n".join(lines) + "\n"
    if s["missing_sections"] or s["missing_tables"]:
        lines += ["## 缺少的内容", ""]
        lines += [f"- 缺少章节：{x}" for x in s["missing_sections"]]
        lines += [f"- 缺少表格：{x}" for x in s["missing_tables"]]
        lines.append("")
    disp = s["findings"]
    for sev in ("错误", "警告", "提示"):
        part = disp[disp["级别"] == sev]
        if part.empty:
            continue
        lines += [f"## {sev}（{len(part)} 项）", ""]
        for i, f in enumerate(part.to_dict("records"), start=1):
            extra = ""
            if f["应为"] or f["实为"]:
                extra = f"（应为 {f['应为'] or '—'}，实为 {f['实为'] or '—'}）"
            lines.append(f"{i}. {f['问题']}{extra}　位置：{f['位置']}")
        lines.append("")
    if disp.empty:
        lines += ["未发现问题。", ""]
    lines += ["请对照上述问题核实并修改报告后重新发布。", ""]
    return "\n".join(lines)


def report_summary_docx(report: ParsedReport, findings: pd.DataFrame, today: Optional[date] = None) -> bytes:
    """The same summary as a Word document (findings as a table)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    s = _summary_lines(report, findings)
    b = s["badge"]
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    who = report.body or "（单位未识别）"
    year = f"{report.year}年" if report.year else "（年度未识别）"
    doc.add_heading(f"{who}{year}政府信息公开工作年度报告审查意见", level=1)
    for line in (f"文件：{core.short_file(report.file)}",
                 f"报告标题：{report.title or '（未识别）'}",
                 f"格式版本：{forms.FORM_NAMES.get(report.template, '未识别')}",
                 f"审查结论：{b['label']}（错误 {b['error']} 项，警告 {b['warning']} 项，提示 {b['info']} 项）",
                 f"审查日期：{(today or date.today()).isoformat()}"):
        doc.add_paragraph(line)
    if report.error:
        doc.add_heading("文件无法读取", level=2)
        doc.add_paragraph(report.error)
    else:
        if s["missing_sections"] or s["missing_tables"]:
            doc.add_heading("缺少的内容", level=2)
            for x in s["missing_sections"]:
                doc.add_paragraph(f"缺少章节：{x}", style="List Bullet")
            for x in s["missing_tables"]:
                doc.add_paragraph(f"缺少表格：{x}", style="List Bullet")
        disp = s["findings"]
        doc.add_heading("问题清单", level=2)
        if disp.empty:
            doc.add_paragraph("未发现问题。")
        else:
            cols = ["级别", "问题", "位置", "应为", "实为"]
            t = doc.add_table(rows=1, cols=len(cols))
            t.style = "Table Grid"
            for c, name in zip(t.rows[0].cells, cols):
                c.text = name
            for f in disp.to_dict("records"):
                cells = t.add_row().cells
                for c, name in zip(cells, cols):
                    c.text = str(f[name])
        doc.add_paragraph("请对照上述问题核实并修改报告后重新发布。")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
