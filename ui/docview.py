"""A Word or web-page report shown as read (:mod:`parsing.preview`), every piece of its text escaped, with the
table row and cell of the finding picked marked. Plain Python, no Streamlit."""
from __future__ import annotations

from typing import Optional

from parsing.preview import Location

from .labels import html_text

FORMATS = ("docx", "html")  # shown as read; PDFs show their pages (ui.pdfpage)

STYLE = """<style>
.gr-doc {max-height: 640px; overflow-y: auto; border: 1px solid #e5e7eb; padding: 8px 14px; font-size: 14px;}
.gr-doc p {margin: 4px 0;}
.gr-doc table {border-collapse: collapse; margin: 8px 0; font-size: 13px;}
.gr-doc td {border: 1px solid #9ca3af; padding: 2px 6px; vertical-align: top;}
.gr-doc tr.gr-hit td {background: #fff7d6;}
.gr-doc td.gr-cell {outline: 3px solid #dc2626; outline-offset: -2px; background: #fde2e2; font-weight: bold;}
</style>"""


def grid_html(rows: list, hit_row: Optional[int] = None, hit_col: Optional[int] = None) -> str:
    """One table: a cell merged away by its neighbour (None) is left out, every text escaped."""
    out = ["<table>"]
    for r, cells in enumerate(rows):
        cls = ' class="gr-hit"' if r == hit_row else ""
        tds = []
        for c, text in enumerate(cells):
            if text is None:
                continue
            mark = ' class="gr-cell"' if r == hit_row and c == hit_col else ""
            tds.append(f"<td{mark}>{html_text(text) or '&nbsp;'}</td>")
        out.append(f"<tr{cls}>{''.join(tds)}</tr>")
    out.append("</table>")
    return "".join(out)


def document_html(items: list, loc: Optional[Location] = None, only_hit: bool = False) -> str:
    """The outline as HTML (paragraphs and tables in order), the located row and cell marked; ``only_hit``: the
    table holding the mark alone."""
    loc = loc or Location()
    parts = [STYLE, '<div class="gr-doc">']
    for i, (kind, body) in enumerate(items):
        if only_hit and i != loc.item:
            continue
        if kind == "grid":
            parts.append(grid_html(body, loc.row if i == loc.item else None, loc.col if i == loc.item else None))
        else:
            parts.append(f"<p>{html_text(body)}</p>")
    parts.append("</div>")
    return "".join(parts)


def where_text(loc: Location, items: list, cell: bool = True) -> str:
    """Where the mark is, in words (which table, which row), or that the cell was not found; ``cell``: the
    finding names a cell (not a whole row)."""
    if not loc.found:
        return "未能在原文表格中找到该单元格所在的行（按行名称查找），请在下方全文中核对。"
    n = sum(1 for kind, _ in items[:loc.item + 1] if kind == "grid")
    where = f"原文第 {n} 个表格第 {loc.row + 1} 行"
    if not cell:
        return f"{where}（黄色）。"
    if loc.col is None:
        return f"{where}（黄色）；该行中无法唯一确定此单元格，请按列核对。"
    return f"{where}，红框为该单元格（按行名称和数值在原文中定位，请核对）。"
