"""Everything the store and the dashboard write out, through one writer layer in which text is inert.

Text in an export comes from outside (titles, bodies, file names, roster cells, reviewers' notes). A spreadsheet
runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or a carriage return, what follows) as a
formula, so every writer here makes such text inert:

* **xlsx** (:func:`write_xlsx`, :func:`xlsx_bytes`): the cell is written as text with Excel's quote prefix (what a
  leading apostrophe typed in Excel does): it shows exactly the text, and stays text when edited;
* **csv** (:func:`write_csv`, :func:`csv_bytes`): the cell gets a leading apostrophe (CSV has no types), and a
  field holding a line break is quoted, so it cannot start a row of its own;
* **docx** (:func:`docx_bytes`): table cells as in CSV (they are pasted into spreadsheets); all text is plain runs;
* **markdown** (:func:`markdown_document`, :func:`markdown_text`): Markdown and HTML control characters are
  backslash-escaped, so no text becomes a link, an image or HTML;
* **parquet** (:func:`write_parquet`): typed columns, read by programs, not spreadsheets: text is kept exactly.

Numbers stay numbers, and text that is just a number (``-5``, ``+3.5``) is left alone. Characters that XML cannot
hold (control characters) are dropped from xlsx and docx text, which would otherwise refuse to be written.

:func:`export_frames` and :func:`export` write what the store holds (the ``export`` command). This module never
imports streamlit or plotly.
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence, Union

import numpy as np
import pandas as pd

from .model import ReportError

if TYPE_CHECKING:
    from .store import Store

XLSX_MAX_ROWS = 1_000_000  # below Excel's 1,048,576 rows per sheet
SHEET_NAMES = {"reports": "报告", "values": "数值", "findings": "问题", "corrections": "更正",
               "decisions": "审查决定", "publication_dates": "发布日期", "roster": "名册"}

_FORMULA_START = re.compile(r"[=+\-@\t\r]")
_FORMULA_FIRST = frozenset("=+-@\t\r")  # the characters _FORMULA_START matches
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WORD_JOINER = "\u2060"
# where a word joiner goes: inside "://", after "www" before ".", before "@", and after a ":" that starts a word
# (Streamlit's :material/icon:, :red[…] and :emoji: also act on the text after escapes are resolved)
_JOINER_AT = re.compile(r"(?<=:)(?=/|[a-z])|(?<=www)(?=\.)|(?=@)", re.I)
_MARKDOWN_SPECIAL = set("\\`*_{}[]<>()#+-.!|:$~&@=")


# ---------------------------------------------------------------------------
# Text made inert
# ---------------------------------------------------------------------------

def formula_like(x) -> bool:
    """True for text a spreadsheet would run: it starts with = + - @ tab or CR and is not just a number."""
    return isinstance(x, str) and bool(_FORMULA_START.match(x)) and not _PLAIN_NUMBER.fullmatch(x)


def inert_text(x):
    """``x`` as a CSV cell that no spreadsheet runs: formula-like text gets a leading apostrophe; anything
    else (numbers, None, ordinary text) is returned unchanged."""
    return "'" + x if formula_like(x) else x


def xml_text(x):
    """Text without the control characters XML cannot hold (xlsx and docx refuse them); non-text unchanged."""
    return _XML_ILLEGAL.sub("", x) if isinstance(x, str) else x


def markdown_text(x) -> str:
    """``x`` as literal Markdown text: every Markdown and HTML control character backslash-escaped, so that no
    link, image, HTML tag, heading or list comes out of it, and line breaks as spaces. None is ''.

    GFM's literal autolinks (``http://…``, ``www.…``, ``name@host``) are found in the text *after* escapes are
    resolved (remark-gfm, which Streamlit uses, and cmark-gfm), so no backslash stops them: an invisible word
    joiner (U+2060) goes inside ``://``, after ``www`` and before ``@`` instead (and after a ``:`` followed by a
    letter, for Streamlit's ``:material/…:`` icons, ``:red[…]`` colours and ``:emoji:`` codes)."""
    if x is None or (isinstance(x, float) and x != x):
        return ""
    s = re.sub(r"\s*[\r\n]+\s*", " ", str(x))
    s = _JOINER_AT.sub(_WORD_JOINER, s)
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in s)


def _text_columns(df: pd.DataFrame) -> list:
    return [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c].dtype)]


def _arrow_text(s: pd.Series):
    """A text column (pandas' string dtypes, or objects that are all text or blank) as a pyarrow large_string
    array, blanks as nulls; None for any other column."""
    import pyarrow as pa

    dtype = s.dtype
    if isinstance(dtype, pd.StringDtype):
        arr = pa.array(s.array)
    elif dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        arr = pa.array(s.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    else:
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


def _formula_mask(s: pd.Series) -> pd.Series:
    """``[formula_like(x) for x in s]`` as a boolean Series, without a Python call per cell: a text column is
    reduced to its distinct values, those whose first character could start a formula go through
    :func:`formula_like` (which decides, numbers such as ``-5`` included), and the verdicts are spread back."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_text(s)
    if arr is None:
        first = _FORMULA_FIRST
        return pd.Series([isinstance(x, str) and x[:1] in first and formula_like(x) for x in s.to_numpy(dtype=object)],
                         index=s.index, dtype=bool)
    enc = pc.dictionary_encode(arr)
    words = enc.dictionary
    maybe = np.flatnonzero(pc.match_substring_regex(words, "^" + _FORMULA_START.pattern).to_numpy(zero_copy_only=False))
    hit_words = [int(i) for i, w in zip(maybe, words.take(pa.array(maybe, type=pa.int64())).to_pylist())
                 if formula_like(w)]
    if not hit_words:
        return pd.Series(np.zeros(len(s), dtype=bool), index=s.index, dtype=bool)
    hits = pc.is_in(enc.indices, value_set=pa.array(hit_words, type=enc.indices.type)).fill_null(False)
    return pd.Series(hits.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose formula-like text cells start with an apostrophe (:func:`inert_text`)."""
    out = df.copy()
    for col in _text_columns(out):
        mask = _formula_mask(out[col])
        if mask.any():
            out[col] = out[col].astype(object)
            out.loc[mask, col] = "'" + out.loc[mask, col].astype(str)
    return out


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV with a BOM (so Excel opens the Chinese text correctly), text made inert. Lines end in CRLF (RFC 4180),
    so a field holding a CR or LF is quoted and stays one cell: a bare CR would start a new row in Excel."""
    return csv_frame(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


_CSV_NEEDS_QUOTES = '[,"\r\n]'  # what makes Python's csv writer (QUOTE_MINIMAL, CRLF lines) quote a field


def _arrow_csv_column(s: pd.Series):
    """One column as the text fields pandas' ``to_csv`` writes for it (a pyarrow large_string array, blanks as
    ''), or None when the column is of a kind this does not reproduce (booleans, dates, mixed objects...)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    dtype = s.dtype
    arr = _arrow_text(s)
    if arr is not None:  # quoting decided once per distinct value
        enc = pc.dictionary_encode(arr)
        words = enc.dictionary
        if pc.any(pc.match_substring(words, "\x00")).as_py():
            return None  # left to the csv module
        needs = pc.match_substring_regex(words, _CSV_NEEDS_QUOTES)
        if pc.any(needs).as_py():
            quote, empty = pa.scalar('"', text), pa.scalar("", text)
            quoted = pc.binary_join_element_wise(quote, pc.replace_substring(words, '"', '""'), quote, empty)
            arr = pc.if_else(needs, quoted, words).take(enc.indices)
        return arr.fill_null("")
    if dtype == np.float64:  # (float32 would need its own bit view; it goes through pandas)
        # numpy's str() of each distinct number (what pandas writes), by bit pattern so 0.0 and -0.0 stay apart
        values = s.to_numpy()
        codes, bits = pd.factorize(values.view(np.int64))
        numbers = bits.view(np.float64)
        shown = numbers.astype(str).astype(object)
        shown[np.isnan(numbers)] = ""
        return pa.array(shown.tolist(), type=text).take(pa.array(codes))
    if pd.api.types.is_integer_dtype(dtype):  # int64 or Int64: decimal digits, a blank as ''
        arr = pa.array(s.array) if isinstance(dtype, pd.api.extensions.ExtensionDtype) else pa.array(s.to_numpy())
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        return arr.cast(text).fill_null("")
    return None


def _csv_rows(df: pd.DataFrame) -> bytes:
    """The rows of ``df.to_csv(index=False, header=False, lineterminator="\r\n")``, UTF-8, byte for byte, built
    column by column in pyarrow (text quoted as the csv module quotes it) instead of one Python call per field;
    a frame with a column of another kind goes through pandas."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(df) == 0:
        return b""
    cols = [_arrow_csv_column(df.iloc[:, j]) for j in range(df.shape[1])] if df.shape[1] > 1 else [None]
    if any(c is None for c in cols):
        return df.to_csv(index=False, header=False, lineterminator="\r\n").encode("utf-8")
    text = pa.large_string()
    last = pc.binary_join_element_wise(cols[-1], pa.scalar("\r\n", text), pa.scalar("", text))
    lines = pc.binary_join_element_wise(*cols[:-1], last, pa.scalar(",", text))
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return lines.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    p = Path(path)
    p.write_bytes(csv_bytes(df))
    return p


def _display_width(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _write_sheet(xw: pd.ExcelWriter, df: pd.DataFrame, sheet: str, fit_widths: bool) -> None:
    clean = df.copy()
    cols = _text_columns(clean)
    for col in cols:
        clean[col] = clean[col].map(xml_text)
    clean.to_excel(xw, sheet_name=sheet, index=False)
    ws = xw.sheets[sheet]
    ws.freeze_panes = "A2"
    for col in cols:
        j = clean.columns.get_loc(col) + 1
        for i in [k for k, hit in enumerate(_formula_mask(clean[col]).to_numpy()) if hit]:
            cell = ws.cell(row=i + 2, column=j)
            cell.data_type = "s"     # text, not a formula ...
            cell.quotePrefix = True  # ... and kept text when a reviewer edits it in Excel
    if fit_widths:
        for j, col in enumerate(clean.columns, start=1):
            sample = [str(col)] + [str(x) for x in clean[col].head(200).tolist()]
            width = min(60, max(6, max(_display_width(s) for s in sample) + 2))
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = width


def write_xlsx(sheets: Mapping[str, pd.DataFrame], target: Union[str, os.PathLike, io.BytesIO],
               fit_widths: bool = True) -> None:
    """One workbook, one sheet per frame (``sheets``: sheet name -> frame, in order); a frame longer than
    :data:`XLSX_MAX_ROWS` is split into ``name1``, ``name2``, …. Header row frozen, columns sized to their text
    (``fit_widths``), formula-like text written as quoted text, numbers as numbers."""
    with pd.ExcelWriter(target, engine="openpyxl") as xw:
        for name, df in sheets.items():
            if len(df) <= XLSX_MAX_ROWS:
                _write_sheet(xw, df, name, fit_widths)
                continue
            for i, start in enumerate(range(0, len(df), XLSX_MAX_ROWS), 1):
                _write_sheet(xw, df.iloc[start:start + XLSX_MAX_ROWS], f"{name}{i}", fit_widths)


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame], fit_widths: bool = True) -> bytes:
    buf = io.BytesIO()
    write_xlsx(sheets, buf, fit_widths)
    return buf.getvalue()


def _parquet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding mixed types (e.g. expected/actual) as text, so pyarrow accepts them."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            kinds = {type(x) for x in out[col] if x is not None and not (isinstance(x, float) and x != x)}
            if len(kinds) > 1 or (kinds and not kinds <= {int, float, str, bool}):
                out[col] = out[col].map(lambda x: None if x is None or (isinstance(x, float) and x != x) else str(x))
    return out


def write_parquet(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Parquet (typed; text kept exactly). Raises :class:`ReportError` when pyarrow is missing."""
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise ReportError("导出 Parquet 需要安装 pyarrow。", details=str(exc)) from exc
    p = Path(path)
    _parquet_safe(df).to_parquet(p, index=False)
    return p


# ---------------------------------------------------------------------------
# Documents: one list of blocks, written as Markdown or Word
# ---------------------------------------------------------------------------

class Bold(str):
    """A piece of a paragraph shown in bold."""


Text = Union[str, Sequence[str]]  # a string, or pieces (some of them Bold)


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Paragraph:
    text: Text
    style: str = "plain"  # "plain", "bullet" or "number" (numbered from 1 in each run of numbered paragraphs)


@dataclass
class Table:
    columns: list[str]
    rows: list[list] = field(default_factory=list)


@dataclass
class Image:
    """A picture (PNG bytes, e.g. a chart) with its caption under it."""
    png: bytes
    caption: str = ""
    width_cm: float = 16.0


@dataclass
class PageBreak:
    """A new page (Word); a rule between parts in Markdown."""


Block = Union[Heading, Paragraph, Table, Image, PageBreak]


def _pieces(text: Text) -> list[str]:
    return [text] if isinstance(text, str) else list(text)


def markdown_document(blocks: Iterable[Block]) -> str:
    """The blocks as Markdown, every piece of text escaped (:func:`markdown_text`); tables as pipe tables."""
    lines: list[str] = []
    number = 0
    for b in blocks:
        if not (isinstance(b, Paragraph) and b.style == "number"):
            number = 0
        if isinstance(b, Heading):
            lines += [f"{'#' * max(1, min(b.level, 6))} {markdown_text(b.text)}", ""]
        elif isinstance(b, Paragraph):
            text = "".join(f"**{markdown_text(p)}**" if isinstance(p, Bold) else markdown_text(p)
                           for p in _pieces(b.text))
            if b.style == "bullet":
                lines.append(f"- {text}")
            elif b.style == "number":
                number += 1
                lines.append(f"{number}. {text}")
            else:
                lines += [text, ""]
        elif isinstance(b, Table):
            lines.append("| " + " | ".join(markdown_text(c) for c in b.columns) + " |")
            lines.append("|" + "---|" * len(b.columns))
            lines += ["| " + " | ".join(markdown_text(v) for v in row) + " |" for row in b.rows]
            lines.append("")
        elif isinstance(b, Image):  # Markdown carries no pictures: the caption says where one was
            lines += [f"［{markdown_text(b.caption or '图')}］", ""]
        elif isinstance(b, PageBreak):
            lines += ["", "---", ""]
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).rstrip("\n") + "\n"


HTML_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"  # no script, no fetch: only its own pictures
HTML_STYLE = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',SimSun,sans-serif;font-size:11pt;line-height:1.6;"
              "margin:0 8mm}h1{font-size:18pt;text-align:center}h2{font-size:14pt;margin-top:1.2em}"
              "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #777;padding:2px 6px}"
              "th{background:#eee}figure{margin:.6em 0;text-align:center;page-break-inside:avoid}"
              "img{max-width:100%}figcaption{font-size:10pt;color:#444}")


def html_document(blocks: Iterable[Block], title: str = "") -> str:
    """The blocks as one self-contained HTML page (for printing to PDF): every piece of text escaped, pictures as
    data URIs, and a Content-Security-Policy that allows neither scripts nor any fetch."""
    import base64
    from html import escape

    def t(x) -> str:
        return escape(xml_text(str("" if x is None else x)), quote=True)

    out = ["<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
           f"<meta http-equiv=\"Content-Security-Policy\" content=\"{HTML_CSP}\">",
           f"<title>{t(title)}</title><style>{HTML_STYLE}</style></head><body>"]
    kind = None

    def close_list():
        nonlocal kind
        if kind:
            out.append(f"</{kind}>")
            kind = None

    for b in blocks:
        want = {"bullet": "ul", "number": "ol"}.get(b.style) if isinstance(b, Paragraph) else None
        if want != kind:
            close_list()
            if want:
                out.append(f"<{want}>")
                kind = want
        if isinstance(b, Heading):
            n = max(1, min(b.level + 1, 6))  # level 0 (the document's title) is <h1>
            out.append(f"<h{n}>{t(b.text)}</h{n}>")
        elif isinstance(b, Paragraph):
            text = "".join(f"<b>{t(p)}</b>" if isinstance(p, Bold) else t(p) for p in _pieces(b.text))
            out.append(f"<li>{text}</li>" if want else f"<p>{text}</p>")
        elif isinstance(b, Table):
            out.append("<table><tr>" + "".join(f"<th>{t(c)}</th>" for c in b.columns) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{t(v)}</td>" for v in row) + "</tr>" for row in b.rows]
            out.append("</table>")
        elif isinstance(b, Image):
            data = base64.b64encode(b.png).decode("ascii")
            out.append(f"<figure><img src=\"data:image/png;base64,{data}\" alt=\"{t(b.caption)}\">"
                       f"<figcaption>{t(b.caption)}</figcaption></figure>")
        elif isinstance(b, PageBreak):
            out.append("<div style=\"break-after:page\"></div>")
    close_list()
    out.append("</body></html>")
    return "".join(out)


def docx_bytes(blocks: Iterable[Block], font: str = "SimSun") -> bytes:
    """The blocks as a Word document: plain runs (control characters dropped), tables in the grid style with
    their cells made inert as in CSV (they get pasted into spreadsheets), pictures centred with their caption."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = font
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), font)
    for b in blocks:
        if isinstance(b, Heading):
            doc.add_heading(xml_text(str(b.text)), level=max(0, min(b.level, 9)))
        elif isinstance(b, Paragraph):
            para = doc.add_paragraph(style={"bullet": "List Bullet", "number": "List Number"}.get(b.style))
            for piece in _pieces(b.text):
                run = para.add_run(xml_text(str(piece)))
                run.bold = isinstance(piece, Bold) or None
        elif isinstance(b, Table):
            t = doc.add_table(rows=1, cols=len(b.columns))
            t.style = "Table Grid"
            for c, name in zip(t.rows[0].cells, b.columns):
                c.text = xml_text(str(name))
            for row in b.rows:
                for c, v in zip(t.add_row().cells, row):
                    c.text = xml_text(str(inert_text("" if v is None else v)))
        elif isinstance(b, Image):
            doc.add_picture(io.BytesIO(b.png), width=Cm(b.width_cm))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            if b.caption:
                cap = doc.add_paragraph(xml_text(str(b.caption)))
                cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(b, PageBreak):
            doc.add_page_break()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# The store's export
# ---------------------------------------------------------------------------

STATUS_ZH = {"ok": "已读取", "blank": "空白", "unreadable": "无法识别", "missing": "缺失", "corrected": "人工更正"}
DECISION_ZH = {"confirmed": "已确认", "dismissed": "已排除"}
KIND_ZH = {"note": "解析说明", "finding": "检查结果"}
PUBLISHED_SOURCE_ZH = {"page": "页面所载发布时间", "html-meta": "网页元数据", "pdf-metadata": "PDF 文件属性",
                       "reviewer": "审查人员录入"}
FORMAT_ZH = {"pdf": "PDF", "docx": "Word（DOCX）", "html": "网页", "text": "文本", "image": "图片", "doc": "Word（DOC）",
             "wps": "WPS"}

# Each export table: (column of the store's frame, Chinese header, how its values are shown). Codes a program needs
# (the sha256, the rule id, the finding key, a status code) keep a column of their own beside the Chinese words.
_YES_NO = {1: "是", 0: "否"}  # True and False are 1 and 0
EXPORT_COLUMNS: dict[str, list[tuple]] = {
    "reports": [
        ("display_name", "单位", None), ("body", "报告所印单位名称", None), ("region", "地区", None), ("year", "年度", None),
        ("file_name", "文件", None), ("title", "标题", None), ("format", "文件格式", "format"),
        ("template", "格式版本", "template"), ("page_count", "页数", None), ("ocr", "扫描件（文字识别）", "yes"),
        ("is_current", "当前版本", "yes"), ("pinned", "人工选定当前版本", "yes"), ("current_reason", "当前版本依据", None),
        ("cells_read", "读出数值", None), ("n_findings", "问题数", None), ("n_open", "未处理问题数", None),
        ("n_corrections", "更正数", None), ("published", "发布日期", None), ("published_source", "发布日期来源", "source"),
        ("published_as_read", "文件所载发布日期", None), ("roster_body", "名册单位", None),
        ("roster_path", "名册区划", None), ("has_file", "原文件", "kept"), ("error", "无法读取的原因", None),
        ("added_at", "入库时间（北京时间）", "time"), ("parsed_at", "解析时间（北京时间）", "time"),
        ("parser_version", "解析程序版本", None), ("year_source", "年度依据", None), ("body_key", "单位键", None),
        ("sha256", "文件指纹（SHA-256）", None),
    ],
    "values": [
        ("body", "单位", None), ("year", "年度", None), ("file_name", "文件", None), ("table", "表", None),
        ("row", "行", None), ("column", "列", None), ("value", "数值", None), ("status", "状态", "status"),
        ("status", "状态代码", None), ("raw", "原文", None), ("page", "页码", None), ("confidence", "识别置信度", None),
        ("parsed_value", "原解析值", None), ("form", "格式版本", "template"), ("is_current", "当前版本", "yes"),
        ("roster_body", "名册单位", None), ("city", "市", None), ("county", "县区", None),
        ("township", "乡镇街道", None), ("department", "部门", None), ("sha256", "文件指纹（SHA-256）", None),
    ],
    "findings": [
        ("body", "单位", None), ("year", "年度", "int"), ("file_name", "文件", None), ("kind", "类别", "kind"),
        ("rule", "规则", "rule"), ("rule", "规则编号", None), ("severity", "级别", "severity"), ("message", "问题", None),
        ("table", "表", None), ("row", "行", None), ("column", "列", None), ("section", "部分", "int"),
        ("expected", "应为", "number"), ("actual", "实为", "number"), ("decision", "审查决定", "decision"),
        ("decision_note", "处理说明", None), ("decided_at", "处理时间（北京时间）", "time"), ("decided_by", "处理人", None),
        ("finding_key", "问题键", None), ("sha256", "文件指纹（SHA-256）", None),
    ],
    "corrections": [
        ("body", "单位", None), ("year", "年度", None), ("file_name", "文件", None), ("table", "表", None),
        ("row", "行", None), ("column", "列", None), ("value", "更正为", None), ("parsed_value", "原解析值", None),
        ("raw", "原文", None), ("note", "说明", None), ("corrected_at", "更正时间（北京时间）", "time"),
        ("reviewer", "更正人", None), ("sha256", "文件指纹（SHA-256）", None),
    ],
    "decisions": [
        ("status", "审查决定", "decision"), ("status", "决定代码", None), ("note", "说明", None),
        ("decided_at", "处理时间（北京时间）", "time"), ("reviewer", "处理人", None), ("finding_key", "问题键", None),
        ("sha256", "文件指纹（SHA-256）", None),
    ],
    "publication_dates": [
        ("published", "发布日期", None), ("note", "说明", None), ("entered_at", "录入时间（北京时间）", "time"),
        ("reviewer", "录入人", None), ("sha256", "文件指纹（SHA-256）", None),
    ],
    "roster": [
        ("body", "单位名称", None), ("city", "市", None), ("county", "县区", None), ("township", "乡镇街道", None),
        ("department", "部门", None), ("region_path", "区划", None), ("id", "名册编号", None), ("body_key", "单位键", None),
    ],
}


def _map_distinct(series: pd.Series, fn) -> pd.Series:
    """``series.map(fn)``, with ``fn`` called once per distinct value instead of once per row (a chunk of values
    holds a few statuses and form names in 40,000 rows). Only text, integer and boolean columns, whose distinct
    values are exactly the values ``fn`` tells apart (an object column only when it holds nothing but text and
    blanks, which ``fn`` must treat alike: None and NaN are one value here); others are mapped row by row
    (pandas' hashing takes an object column's 1, 1.0 and True, or a float column's 0.0 and -0.0, for one value)."""
    dtype = series.dtype
    if len(series) < 2 or not (isinstance(dtype, pd.StringDtype) or pd.api.types.is_bool_dtype(dtype)
                               or pd.api.types.is_integer_dtype(dtype)
                               or (dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "string")):
        return series.map(fn)
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    mapped = pd.Series(uniques, dtype=series.dtype).map(fn)
    return pd.Series(mapped.array.take(codes), index=series.index, name=series.name)


def _shown(kind: str, series: pd.Series) -> pd.Series:
    from . import forms
    from .clock import beijing
    from .rules import SEVERITY_ZH, rule_name

    def blank(x):
        return x is None or (isinstance(x, float) and x != x)

    maps = {
        "status": STATUS_ZH, "decision": DECISION_ZH, "kind": KIND_ZH, "source": PUBLISHED_SOURCE_ZH,
        "severity": SEVERITY_ZH, "format": FORMAT_ZH, "template": forms.FORM_NAMES,
    }
    if kind == "time":
        return _map_distinct(series, lambda x: None if blank(x) else beijing(x))
    if kind == "int":
        return pd.to_numeric(series, errors="coerce").astype("Int64")
    if kind == "number":  # a number as stored (3 stays 3 beside a blank, which pandas would make 3.0), or text
        return pd.Series([None if blank(x) else int(x) if isinstance(x, float) and x.is_integer() else x
                          for x in series.astype(object)], index=series.index, dtype=object)
    if kind == "rule":
        return _map_distinct(series, lambda x: None if blank(x) else rule_name(x))
    if kind == "yes":
        return _map_distinct(series, lambda x: None if blank(x) else _YES_NO.get(int(x) if isinstance(x, (bool, int, float))
                                                                                 else x, x))
    if kind == "kept":
        return _map_distinct(series, lambda x: "已保存" if (not blank(x) and bool(x)) else "未保存")
    table = maps[kind]
    return _map_distinct(series, lambda x: None if blank(x) else table.get(x, x))


def chinese_frame(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """One export table of the store in reviewer words: Chinese headers (:data:`EXPORT_COLUMNS`), statuses,
    decisions, severities and rule names in Chinese, times in Beijing time; the codes a program needs in columns
    of their own (规则编号, 状态代码, 决定代码, 问题键, 文件指纹). Columns the frame lacks are left out."""
    spec = EXPORT_COLUMNS.get(name)
    if spec is None:
        return df
    out = pd.DataFrame(index=df.index)
    for column, header, kind in spec:
        if column in df.columns:
            out[header] = df[column] if kind is None else _shown(kind, df[column])
    return out.reset_index(drop=True)


def export_frames(store: "Store") -> dict[str, pd.DataFrame]:
    """What :func:`export` writes: name -> frame in reviewer words (:func:`chinese_frame`); all versions, values
    with hand corrections applied."""
    frames = {
        "reports": store.list_reports(),
        "values": store.values_long(current_only=False, corrected=True),
        "findings": store.findings(include_notes=True),
        "corrections": store.corrections(),
        "decisions": store.decisions(),
        "publication_dates": store.publication_dates(),
        "roster": store.roster(),
    }
    return {name: chinese_frame(name, df) for name, df in frames.items()}


def store_sheets(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """:func:`export_frames` keyed by their Chinese sheet names."""
    return {SHEET_NAMES.get(name, name): df for name, df in frames.items()}


EXPORT_CHUNK_REPORTS = 200  # reports whose values (200 cells each: 40,000 rows) or findings are in memory at once


def _report_chunks(store: "Store", order: str, size: int) -> list[list[str]]:
    shas = [r[0] for r in store._query(f"SELECT sha256 FROM reports ORDER BY {order}")]
    return [shas[i:i + size] for i in range(0, len(shas), size)] or [[]]  # an empty store: one empty piece


def iter_export_frames(store: "Store", chunk_reports: int = EXPORT_CHUNK_REPORTS):
    """What :func:`export_frames` holds, as ``(name, frame)`` pieces in order, for writing in constant memory:
    the values and findings a chunk of ``chunk_reports`` reports at a time (in the order the whole frames
    have), the other tables whole (they are small). Concatenating the pieces of a name gives its frame."""
    yield "reports", chinese_frame("reports", store.list_reports())
    # values_long's order (year, body, report, cell) is kept across chunks: reports are chunked in that order
    for chunk in _report_chunks(store, "year IS NULL, year, body_key IS NULL, body_key, id", chunk_reports):
        yield "values", chinese_frame("values", store.values_long(sha256=chunk, current_only=False, corrected=True))
    for chunk in _report_chunks(store, "id DESC", chunk_reports):  # findings: newest report first
        yield "findings", chinese_frame("findings", store.findings(chunk, include_notes=True))
    for name, frame in (("corrections", store.corrections()), ("decisions", store.decisions()),
                        ("publication_dates", store.publication_dates()), ("roster", store.roster())):
        yield name, chinese_frame(name, frame)


def _count_rows(store: "Store") -> dict[str, int]:
    q = store._query
    return {"values": q("SELECT COUNT(*) FROM cell_values")[0][0], "findings": q("SELECT COUNT(*) FROM findings")[0][0]}


class _StreamedSheets:
    """An openpyxl write-only workbook (rows go to the file as they are appended, constant memory) with what
    :func:`write_xlsx` does: header row frozen, column widths from the first rows, formula-like text as quoted
    text, control characters dropped, sheets split beyond :data:`XLSX_MAX_ROWS`."""

    def __init__(self, fit_widths: bool = True):
        from openpyxl import Workbook

        self.wb = Workbook(write_only=True)
        self.fit_widths = fit_widths
        self.ws = None
        self.rows = 0
        self.part = 0
        self.name = None
        self.columns: list = []
        self.split = False

    def _new_sheet(self, name: str, frame: pd.DataFrame) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self.part += 1
        self.ws = self.wb.create_sheet(f"{name}{self.part}" if self.split else name)
        self.ws.freeze_panes = "A2"
        if self.fit_widths:
            from openpyxl.utils import get_column_letter

            for j, col in enumerate(frame.columns, start=1):
                sample = [str(col)] + [str(x) for x in frame[col].head(200).tolist()]
                width = min(60, max(6, max(_display_width(x) for x in sample) + 2))
                self.ws.column_dimensions[get_column_letter(j)].width = width
        header = []
        for col in frame.columns:
            cell = WriteOnlyCell(self.ws, value=xml_text(str(col)))
            cell.font = Font(bold=True)
            header.append(cell)
        self.ws.append(header)
        self.rows = 0

    def start(self, name: str, total: int) -> None:
        self.name, self.part, self.ws = name, 0, None
        self.split = total > XLSX_MAX_ROWS

    def append(self, frame: pd.DataFrame) -> None:
        from openpyxl.cell import WriteOnlyCell

        if self.ws is None:
            self._new_sheet(self.name, frame)
        text_cols = set(_text_columns(frame))
        cols = list(frame.columns)
        data = {c: frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in cols}
        for i in range(len(frame)):
            if self.rows >= XLSX_MAX_ROWS:
                self._new_sheet(self.name, frame.iloc[i:])
            row = []
            for c in cols:
                x = data[c][i]
                if c in text_cols and isinstance(x, str):
                    x = xml_text(x)
                    if formula_like(x):
                        cell = WriteOnlyCell(self.ws, value=x)
                        cell.data_type = "s"  # text, not a formula ...
                        cell.quotePrefix = True  # ... and kept text when a reviewer edits it in Excel
                        x = cell
                elif hasattr(x, "item"):  # numpy scalar
                    x = x.item()
                row.append(x)
            self.ws.append(row)
            self.rows += 1

    def finish(self, frame: pd.DataFrame) -> None:
        """A sheet that got no rows still gets its header."""
        if self.ws is None:
            self._new_sheet(self.name, frame)

    def save(self, path) -> None:
        self.wb.save(path)


def export(store: "Store", xlsx: str | os.PathLike | None = None, csv_dir: str | os.PathLike | None = None,
           parquet: str | os.PathLike | None = None, chunk_reports: int = EXPORT_CHUNK_REPORTS) -> list[Path]:
    """Write what the store holds. Returns the paths written.

    * ``xlsx``: one workbook, one sheet per table (报告, 数值, 问题, 更正, 审查决定, 发布日期, 名册); the values sheet
      is split into 数值1, 数值2, ... beyond a million rows.
    * ``csv_dir``: ``reports.csv``, ``values.csv``, ``findings.csv``, ``corrections.csv``, ``decisions.csv``,
      ``publication_dates.csv``, ``roster.csv`` (UTF-8 with BOM, so Excel opens them).

    Headers and values are in Chinese (:func:`chinese_frame`), with the codes a program needs in columns of their
    own.
    * ``parquet``: the long values table (with report metadata) to that file, and the reports and findings next
      to it as ``<stem>.reports.parquet`` and ``<stem>.findings.parquet``.

    The xlsx and CSV files are streamed (:func:`iter_export_frames`): values and findings go to the files
    ``chunk_reports`` reports at a time (openpyxl's write-only workbook, CSV appended), so memory does not grow
    with the store; the files equal what the whole frames give. Parquet is written from whole frames.

    Values are the long form of :meth:`Store.values_long` (``current_only=False``): a blank cell stays empty. Text
    is made inert as the module docstring says.
    """
    if xlsx is None and csv_dir is None and parquet is None:
        raise ValueError("give at least one of xlsx, csv_dir, parquet")
    written: list[Path] = []
    if xlsx is not None or csv_dir is not None:
        book = None
        if xlsx is not None:
            xpath = Path(xlsx)
            xpath.parent.mkdir(parents=True, exist_ok=True)
            book = _StreamedSheets()
            totals = _count_rows(store)
        csv_files: dict = {}
        if csv_dir is not None:
            d = Path(csv_dir)
            d.mkdir(parents=True, exist_ok=True)
        current, last = None, None
        try:
            for name, frame in iter_export_frames(store, chunk_reports):
                if name != current:
                    if book is not None and current is not None:
                        book.finish(last)
                    if book is not None:
                        book.start(SHEET_NAMES.get(name, name), totals.get(name, len(frame)))
                    current = name
                if book is not None and len(frame):
                    book.append(frame)
                last = frame
                if csv_dir is not None:
                    fh = csv_files.get(name)
                    first = fh is None
                    if first:
                        fh = csv_files[name] = open(d / f"{name}.csv", "wb")
                    inert = csv_frame(frame)
                    if first:
                        fh.write(inert.iloc[:0].to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
                    fh.write(_csv_rows(inert))
            if book is not None and current is not None:
                book.finish(last)
        finally:
            for fh in csv_files.values():
                fh.close()
        if book is not None:
            book.save(xpath)
            written.append(xpath)
        if csv_dir is not None:
            written += [d / f"{name}.csv" for name in csv_files]
    if parquet is not None:
        frames = export_frames(store)
        p = Path(parquet)
        p.parent.mkdir(parents=True, exist_ok=True)
        stem = p.name[: -len(p.suffix)] if p.suffix else p.name
        targets = {"values": p, "reports": p.with_name(f"{stem}.reports.parquet"),
                   "findings": p.with_name(f"{stem}.findings.parquet")}
        for name, target in targets.items():
            written.append(write_parquet(frames[name], target))
    return written
