"""Build the sample reports in other formats from the seed text reports.

For each seed ``sample_reports/NNN_<id>.txt`` the script parses the seed with
:func:`parsing.parse_path` (title, running text, sections and every cell of the form) and
writes, next to it:

* ``NNN_<id>.docx``: the report in the official Word-form layout: the title, the preamble,
  the six section headings and their paragraphs, and the three tables laid out as the form
  prints them (table 二 as one 14 x 4 grid with caption rows across the full width; table 三
  as 28 x 10 with the merged note cell, the 申请人情况 / 法人或其他组织 headers, three label
  columns with vertical merges and seven number columns; table 四 as 4 x 15 with the
  行政复议 / 行政诉讼 / 未经复议直接起诉 / 复议后起诉 headers). Borders come from Word's
  "Table Grid" style, CJK text uses Noto Serif/Sans CJK SC (``w:eastAsia``), and every
  data row has a minimum height so that table 三 is taller than a page and always breaks
  across pages in the PDF. Only cells the parser read as numbers are filled; blank,
  unreadable and missing cells (e.g. seed 004's absent 总计 column) stay blank, never 0.
* ``NNN_<id>.pdf``: that DOCX exported by LibreOffice (``soffice --headless --convert-to
  pdf``). LibreOffice stamps dates into a PDF, so a PDF is only re-exported when its DOCX
  changed, when it is missing, or with ``--force-pdf``.

and, for the seeds listed in :data:`HTML_SEEDS` / :data:`GBK_SEEDS`:

* ``NNN_<id>_gov.html``: the report as a page saved from a government site: GBK bytes with
  ``<meta charset="gb2312">``, a layout table with navigation chrome around the article, a
  metadata box, ``<script>``/``<style>``/``<noscript>``/comments, and the three tables with
  ``rowspan``/``colspan`` and ``<br>``-split header labels.
* ``NNN_<id>_gbk.txt``: the seed text re-encoded as GBK.
* ``NNN_<id>.doc`` / ``NNN_<id>.wps`` (seeds in :data:`LEGACY_SEEDS`): the DOCX saved by LibreOffice in the MS
  Word 97 binary format (``--convert-to "doc:MS Word 97"``), as government sites attach them; written only when
  missing or with ``--force-legacy`` (LibreOffice stamps dates into them). Reading them needs no LibreOffice
  (``parsing/readers/legacy.py`` uses wvWare).

The outputs are deterministic: fixed core properties and fixed ZIP timestamps, so running
the script again gives byte-identical DOCX, HTML and text files. Tests never need
LibreOffice: the outputs are committed.

Usage (from the repository root)::

    .venv/bin/python tools/make_samples.py            # (re)build everything
    .venv/bin/python tools/make_samples.py --only 000 # one seed
    .venv/bin/python tools/make_samples.py --no-pdf   # skip LibreOffice
    .venv/bin/python tools/make_samples.py --check    # also re-read every output and compare its values with the seed
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import math
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Cm, Pt  # noqa: E402

from parsing import forms, parse_path  # noqa: E402
from parsing.report import ParsedReport  # noqa: E402

SAMPLES = ROOT / "sample_reports"
SEED_GLOB = "[0-9][0-9][0-9]_*.txt"
HTML_SEEDS = ("001",)
GBK_SEEDS = ("003",)
# seeds also written in the MS Word 97 binary format by LibreOffice: as .doc, and as .wps (what Kingsoft WPS writes
# for .wps is that same format); read in tests by wvWare without LibreOffice
LEGACY_SEEDS = {"000": ".doc", "002": ".wps", "004": ".doc"}
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

BODY_FONT = "Noto Serif CJK SC"
HEAD_FONT = "Noto Sans CJK SC"
LATIN_FONT = "Times New Roman"

Key = tuple[str, str, str]


# ---------------------------------------------------------------------------
# What goes into a sample: taken from the parsed seed
# ---------------------------------------------------------------------------


@dataclass
class SampleContent:
    """The parts of one report that the writers lay out."""

    stem: str
    title: str
    preamble: list[str] = field(default_factory=list)
    sections: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (number, heading, lines)
    cells: dict[Key, str] = field(default_factory=dict)  # only cells read as numbers; others are blank
    body: str = ""


_MD_PREFIX = re.compile(r"^(?:#+\s*|[-*+]\s+)")


def _clean_line(line: str) -> str:
    """A text line without markdown markers (headings, list bullets, bold)."""
    line = _MD_PREFIX.sub("", line.strip())
    return line.replace("**", "").strip()


def _lines(text: str) -> list[str]:
    return [c for c in (_clean_line(ln) for ln in text.split("\n")) if c]


def cell_display(value, raw) -> str:
    """The text to print for a number read from the seed: the raw text when it is that number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    r = str(raw or "").strip()
    try:
        if r and float(r.replace(",", "")) == float(value):
            return r
    except ValueError:
        pass
    f = float(value)
    return str(int(f)) if f.is_integer() else repr(f)


def content_from_report(report: ParsedReport, stem: str) -> SampleContent:
    """Collect title, preamble, section texts and number cells from a parsed seed."""
    if report.error:
        raise SystemExit(f"{stem}: the seed could not be parsed: {report.error}")
    title = (report.title or "").strip() or f"{report.body or ''}{report.year or ''}年政府信息公开工作年度报告"
    content = SampleContent(stem=stem, title=title, body=report.body or "")
    first = report.sections.get(1)
    text = report.text or ""
    if first is not None and first.found and first.heading and first.heading in text:
        pre = text[: text.index(first.heading)]
        content.preamble = [ln for ln in _lines(pre) if ln != _clean_line(title)]
    for sec in forms.SECTIONS:
        st = report.sections.get(sec.number)
        heading = st.heading if st is not None and st.found and st.heading else sec.heading
        lines = _lines(st.text) if st is not None and st.found else []
        content.sections.append((sec.number, _clean_line(heading), lines))
    v = report.values
    ok = v[(v["status"] == "ok") & (v["form"] == forms.FORM_2021)]
    for row in ok.itertuples(index=False):
        content.cells[(row.table, row.row, row.column)] = cell_display(row.value, row.raw)
    return content


# ---------------------------------------------------------------------------
# Table layouts as the official form prints them. A layout is a list of rows; each entry
# is (text, colspan, rowspan, kind) placed at the next free slot, kind one of
# "caption", "head", "label", "num". Shared by the DOCX and HTML writers.
# ---------------------------------------------------------------------------

Entry = tuple[str, int, int, str]
NOTE_三 = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def layout_二(cells: dict[Key, str], form: str = forms.FORM_2021) -> list[list[Entry]]:
    rows: list[list[Entry]] = []
    for st in forms.subtables_二(form):
        rows.append([(st.caption, 4, 1, "caption")])
        span = 4 - len(st.columns) if len(st.columns) > 1 else 3
        head = [("信息内容", 1, 1, "head")] + [(c, 1 if len(st.columns) > 1 else span, 1, "head") for c in st.columns]
        rows.append(head)
        for r in st.rows:
            key_row = f"{st.caption}/{r}"
            rows.append([(r, 1, 1, "label")] + [
                (cells.get(("二", key_row, c), ""), 1 if len(st.columns) > 1 else span, 1, "num") for c in st.columns
            ])
    return rows


def layout_三(cells: dict[Key, str], form: str = forms.FORM_2021) -> list[list[Entry]]:
    cols = forms.APPLICANT_COLUMNS
    org = [c for c in cols if forms.COLUMN_GROUPS_三[c] == "法人或其他组织"]
    rows: list[list[Entry]] = [
        [(NOTE_三, 3, 3, "head"), ("申请人情况", 7, 1, "head")],
        [("自然人", 1, 2, "head"), ("法人或其他组织", len(org), 1, "head"), ("总计", 1, 2, "head")],
        [(c, 1, 1, "head") for c in org],
    ]
    defs = forms.row_defs("三", form)
    result_rows = [d for d in defs if d.group]  # rows under 三、本年度办理结果
    for d in defs:
        nums = [(cells.get(("三", d.key, c), ""), 1, 1, "num") for c in cols]
        if not d.group:
            rows.append([(d.leaf, 3, 1, "label")] + nums)
            continue
        lead: list[Entry] = []
        if d is result_rows[0]:
            lead.append((d.key.split("/")[0], 1, len(result_rows), "label"))
        parts = d.key.split("/")
        if len(parts) == 2:  # （一）（二）（七）: label over columns 2-3
            lead.append((parts[1], 2, 1, "label"))
        else:  # an item of （三）-（六）: the group label starts a vertical merge on its first item
            members = [x for x in result_rows if x.key.split("/")[1] == parts[1]]
            if d is members[0]:
                lead.append((parts[1], 1, len(members), "label"))
            lead.append((parts[2], 1, 1, "label"))
        rows.append(lead + nums)
    return rows


def layout_四(cells: dict[Key, str], form: str = forms.FORM_2021) -> list[list[Entry]]:
    outs = forms.OUTCOME_COLUMNS
    rows: list[list[Entry]] = [
        [("行政复议", 5, 1, "head"), ("行政诉讼", 10, 1, "head")],
        [(c, 1, 2, "head") for c in outs] + [("未经复议直接起诉", 5, 1, "head"), ("复议后起诉", 5, 1, "head")],
        [(c, 1, 1, "head") for c in outs] * 2,
        [(cells.get(("四", r.key, c), ""), 1, 1, "num") for r in forms.ROWS_四 for c in outs],
    ]
    return rows


TABLE_WIDTHS_CM = {
    "二": [4.6, 3.8, 3.8, 3.8],
    "三": [1.3, 1.9, 4.4] + [1.2] * 7,
    "四": [16.0 / 15] * 15,
}
TABLE_LAYOUTS = {"二": layout_二, "三": layout_三, "四": layout_四}
SECTION_TABLE = {2: "二", 3: "三", 4: "四"}


def place(layout: list[list[Entry]]) -> list[tuple[int, int, Entry]]:
    """(row, column, entry) for each entry, skipping slots covered by earlier spans."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(layout):
        c = 0
        for entry in row:
            while (r, c) in taken:
                c += 1
            _, cs, rs, _ = entry
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
            out.append((r, c, entry))
            c += cs
    return out


# ---------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------


def _set_fonts(rpr_owner, east_asia: str, size_pt: float | None = None, bold: bool | None = None) -> None:
    font = rpr_owner.font
    font.name = LATIN_FONT
    if size_pt is not None:
        font.size = Pt(size_pt)
    if bold is not None:
        font.bold = bold
    rpr = rpr_owner.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)


def build_docx(content: SampleContent) -> bytes:
    """The report as a DOCX in the official Word-form layout (deterministic bytes)."""
    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.top_margin = sec.bottom_margin = Cm(2.54)

    normal = d.styles["Normal"]
    _set_fonts(normal, BODY_FONT, 12)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(0), 1.5

    def para(text: str, *, east_asia=BODY_FONT, size=12, bold=False, align=None, indent=True, space_after=0):
        p = d.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        p.paragraph_format.space_after = Pt(space_after)
        _set_fonts(p.add_run(text), east_asia, size, bold)
        return p

    para(content.title, east_asia=HEAD_FONT, size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
         indent=False, space_after=12)
    for line in content.preamble:
        para(line)
    for number, heading, lines in content.sections:
        para(heading, east_asia=HEAD_FONT, size=14, bold=True, indent=False)
        for line in lines:
            para(line)
        table_id = SECTION_TABLE.get(number)
        if table_id:
            _add_table(d, table_id, content.cells)
            d.add_paragraph()  # keeps a paragraph between tables (LibreOffice drops a table ending the body)

    props = d.core_properties
    props.title = content.title
    props.author = "tools/make_samples.py"
    props.last_modified_by = "tools/make_samples.py"
    props.comments = f"Generated from sample_reports/{content.stem}.txt"
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    props.keywords = props.subject = props.category = ""
    buf = io.BytesIO()
    d.save(buf)
    return normalise_zip(buf.getvalue())


def _add_table(d, table_id: str, cells: dict[Key, str]) -> None:
    """One form table with its merges, fixed column widths and minimum row heights."""
    layout = TABLE_LAYOUTS[table_id](cells)
    widths = TABLE_WIDTHS_CM[table_id]
    n_rows, n_cols = len(layout), len(widths)
    t = d.add_table(rows=n_rows, cols=n_cols)
    t.style = d.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for j, w in enumerate(widths):
        t.columns[j].width = Cm(w)
    for row in t.rows:
        row.height = Cm(0.95 if table_id == "三" else 0.7)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        for j, cell in enumerate(row.cells):
            cell.width = Cm(widths[j])
    size = 9 if table_id != "二" else 10.5
    for r, c, (text, cs, rs, kind) in place(layout):
        cell = t.cell(r, c)
        if cs > 1 or rs > 1:
            cell = cell.merge(t.cell(r + rs - 1, c + cs - 1))
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.line_spacing = 1.0
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT if kind == "label" else WD_ALIGN_PARAGRAPH.CENTER
        if text:
            run = p.add_run(text)
            _set_fonts(run, HEAD_FONT if kind in ("caption", "head") else BODY_FONT, size, kind == "caption")


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed timestamps and attributes so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------
# PDF via LibreOffice
# ---------------------------------------------------------------------------


def export_pdf(docx_path: Path, pdf_path: Path) -> None:
    _soffice_convert(docx_path, pdf_path, "pdf:writer_pdf_Export", ".pdf")


def export_legacy(docx_path: Path, out_path: Path) -> None:
    """The DOCX in the MS Word 97 binary format (a .doc, or a .wps as Kingsoft WPS writes it)."""
    _soffice_convert(docx_path, out_path, "doc:MS Word 97", ".doc")


def _soffice_convert(docx_path: Path, out_path: Path, target: str, suffix: str) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise SystemExit("LibreOffice (soffice) is needed to export PDF/DOC files; install it or use --no-pdf")
    with tempfile.TemporaryDirectory(prefix="make-samples-") as tmp:
        profile = Path(tmp) / "profile"
        subprocess.run(
            [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", target, "--outdir", tmp, str(docx_path)],
            check=True, capture_output=True, timeout=180,
        )
        produced = Path(tmp) / (docx_path.stem + suffix)
        shutil.copyfile(produced, out_path)


# ---------------------------------------------------------------------------
# HTML (a page saved from a government site, GBK)
# ---------------------------------------------------------------------------

_HTML_HEAD_LABELS = {  # header labels that real pages break over two lines
    "商业企业": "商业<br>企业", "科研机构": "科研<br>机构", "社会公益组织": "社会公<br>益组织",
    "法律服务机构": "法律服<br>务机构", "结果维持": "结果<br>维持", "结果纠正": "结果<br>纠正",
    "其他结果": "其他<br>结果", "尚未审结": "尚未<br>审结",
}


def _html_table(table_id: str, cells: dict[Key, str]) -> str:
    layout = TABLE_LAYOUTS[table_id](cells)
    out = ['<table class="xxgk-table" border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse">',
           "<tbody>"]
    for row in layout:
        out.append("<tr>")
        for text, cs, rs, kind in row:
            attrs = (f' colspan="{cs}"' if cs > 1 else "") + (f' rowspan="{rs}"' if rs > 1 else "")
            if kind == "head":
                body = _HTML_HEAD_LABELS.get(text, html.escape(text))
            else:
                body = html.escape(text) if text else "&nbsp;"
            align = ' style="text-align:left"' if kind == "label" else ' align="center"'
            out.append(f"<td{attrs}{align}><p>{body}</p></td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def build_html(content: SampleContent) -> bytes:
    """The report as a gov-style page, GBK bytes declaring gb2312 (deterministic)."""
    esc = html.escape
    article = [f'<div class="title"><h1>{esc(content.title)}</h1></div>']
    article.append('<!-- 正文开始 -->\n<div id="zoom" class="TRS_Editor">')
    for line in content.preamble:
        article.append(f'<p style="text-indent:2em">{esc(line)}</p>')
    for number, heading, lines in content.sections:
        article.append(f"<p><strong>{esc(heading)}</strong></p>")
        for line in lines:
            article.append(f'<p style="text-indent:2em">&nbsp;&nbsp;{esc(line)}</p>')
        if number in SECTION_TABLE:
            article.append(_html_table(SECTION_TABLE[number], content.cells))
    article.append("</div>\n<!-- 正文结束 -->")
    nav = ["首页", "政务公开", "政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "互动交流"]
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<meta name="ArticleTitle" content="{esc(content.title)}" />
<title>{esc(content.title)}</title>
<link rel="stylesheet" type="text/css" href="../css/style.css" />
<style type="text/css">
  .xxgk-table td {{ border: 1px solid #000; font-size: 12px; }}
  .title h1 {{ font-size: 22px; text-align: center; }}
</style>
<script type="text/javascript" src="../js/jquery.min.js"></script>
<script type="text/javascript">
  var _hmt = _hmt || [];
  function changeSize(n) {{ document.getElementById("zoom").style.fontSize = n + "px"; }}
  document.write("<div class='tip'>欢迎访问政府信息公开专栏（脚本输出）</div>");
</script>
</head>
<body>
<div class="top"><div class="logo">政府信息公开专栏</div>
<div class="search"><form action="/search"><input type="text" name="q" value="" /><input type="submit" value="搜索" /></form></div></div>
<noscript>您的浏览器不支持脚本，部分功能无法使用。</noscript>
<table class="layout" width="100%" border="0" cellspacing="0" cellpadding="0">
<tr>
<td class="left" valign="top" width="200">
<ul class="menu">
{"".join(f'<li><a href="#">{esc(n)}</a></li>' for n in nav)}
</ul>
</td>
<td class="main" valign="top">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="#">政务公开</a> &gt; <a href="#">政府信息公开年报</a></div>
<table class="info" width="100%" border="0">
<tr><td>索&nbsp;引&nbsp;号：</td><td>XXGK-{esc(content.stem.split("_")[0])}-0001</td><td>发布机构：</td><td>{esc(content.body)}</td></tr>
<tr><td>信息名称：</td><td colspan="3">{esc(content.title)}</td></tr>
</table>
{chr(10).join(article)}
<div class="tools">【字体：<a href="javascript:changeSize(16)">大</a> <a href="javascript:changeSize(14)">中</a> <a href="javascript:changeSize(12)">小</a>】 <a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
</td>
</tr>
</table>
<div class="footer"><p>主办：政府信息公开专栏编辑部&nbsp;&nbsp;技术支持：信息中心</p></div>
<script type="text/javascript">
  (function () {{ var hm = document.createElement("script"); hm.src = "https://example.invalid/stat.js"; }})();
</script>
</body>
</html>
"""
    return page.encode("gbk", errors="xmlcharrefreplace")


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


def _ok_values(report: ParsedReport) -> dict[Key, float]:
    v = report.values
    ok = v[(v["status"] == "ok") & (v["form"] == forms.FORM_2021)]
    return {(r.table, r.row, r.column): float(r.value) for r in ok.itertuples(index=False)}


def check_output(seed_report: ParsedReport, path: Path) -> list[str]:
    """Differences between the numbers read from a generated file and from its seed."""
    out = parse_path(path)
    if out.error:
        return [f"{path.name}: {out.error}"]
    want, got = _ok_values(seed_report), _ok_values(out)
    problems = [f"{path.name}: {k} seed={want.get(k)} output={got.get(k)}"
                for k in sorted(set(want) | set(got)) if want.get(k) != got.get(k)]
    for attr in ("body", "year"):
        if getattr(out, attr) != getattr(seed_report, attr):
            problems.append(f"{path.name}: {attr} seed={getattr(seed_report, attr)!r} output={getattr(out, attr)!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", default=None, help="seed prefixes to build, e.g. 000 003")
    ap.add_argument("--no-pdf", action="store_true", help="do not export PDFs (no LibreOffice needed)")
    ap.add_argument("--force-pdf", action="store_true", help="re-export PDFs even if their DOCX did not change")
    ap.add_argument("--force-legacy", action="store_true", help="re-export the .doc/.wps files")
    ap.add_argument("--check", action="store_true", help="re-read each output and compare its values with the seed")
    args = ap.parse_args(argv)

    seeds = sorted(p for p in SAMPLES.glob(SEED_GLOB) if not p.stem.endswith("_gbk"))
    if args.only:
        seeds = [p for p in seeds if p.name[:3] in args.only]
    problems: list[str] = []
    for seed in seeds:
        prefix, stem = seed.name[:3], seed.stem
        report = parse_path(seed)
        content = content_from_report(report, stem)
        outputs = []
        docx_path = SAMPLES / f"{stem}.docx"
        changed = _write_if_changed(docx_path, build_docx(content))
        outputs.append(docx_path)
        pdf_path = SAMPLES / f"{stem}.pdf"
        if not args.no_pdf and (changed or args.force_pdf or not pdf_path.exists()):
            export_pdf(docx_path, pdf_path)
        if pdf_path.exists():
            outputs.append(pdf_path)
        if prefix in LEGACY_SEEDS:
            path = SAMPLES / f"{stem}{LEGACY_SEEDS[prefix]}"
            if not args.no_pdf and (args.force_legacy or not path.exists()):
                export_legacy(docx_path, path)
            if path.exists():
                outputs.append(path)
        if prefix in HTML_SEEDS:
            path = SAMPLES / f"{stem}_gov.html"
            _write_if_changed(path, build_html(content))
            outputs.append(path)
        if prefix in GBK_SEEDS:
            path = SAMPLES / f"{stem}_gbk.txt"
            _write_if_changed(path, seed.read_bytes().decode("utf-8-sig").encode("gbk"))
            outputs.append(path)
        print(f"{seed.name}: " + ", ".join(p.name for p in outputs))
        if args.check:
            for path in outputs:
                problems += check_output(report, path)
    for p in problems:
        print("MISMATCH", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
