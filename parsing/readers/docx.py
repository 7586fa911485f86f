"""DOCX reader: paragraphs and tables of a Word document, in document order.

The body is walked as XML (``w:body`` children, descending into content controls
``w:sdt``), so paragraphs and tables come out in the order they are printed.

Tables become :class:`~parsing.model.Grid` objects with one slot per grid column of the
table (``w:tblGrid``). A merged cell appears once, at its top-left slot; every other slot
it covers (``w:gridSpan`` to the right, ``w:vMerge="continue"`` below, legacy
``w:hMerge="continue"``) is ``None``, and so are the slots a row leaves out
(``w:gridBefore`` / ``w:gridAfter``). This differs from python-docx's ``row.cells``, which
repeats the merged cell in every slot: a merged label must not be read twice and a merged
header must not look like several headers.

Tables nested inside a cell are emitted as separate grids right after the outer table
(depth first, in order); the outer cell's text does not include them. DOCX has no pages,
so every ``page`` is None.
"""
from __future__ import annotations

import io
import zipfile
from typing import Iterator, Optional

from ..model import Cell, Document, Grid, ReportError, TextBlock

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{%s}" % W_NS
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"

# Elements whose text is not part of the printed paragraph: deleted revisions, text boxes
# (anchored drawings, read with their own paragraphs would break reading order), the
# fallback copy of a drawing, field instructions, and nested tables (emitted separately).
_SKIP_TEXT = {
    _W + "del",
    _W + "moveFrom",
    _W + "txbxContent",
    _W + "instrText",
    _W + "delInstrText",
    _W + "tbl",
    "{%s}Fallback" % MC_NS,
}
# Wrappers that hold body-level content (paragraphs, tables) of their own.
_CONTAINERS = {_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "smartTag"}


def read_docx(data: bytes, name: str) -> Document:
    """Read a DOCX file's bytes into a :class:`Document`.

    Paragraphs become :class:`TextBlock` items (empty paragraphs are skipped; a line break
    inside a paragraph stays a ``\\n``), tables become :class:`Grid` items, all in document
    order and with ``page=None``. Raises :class:`ReportError` with a Chinese message if the
    bytes are not a readable Word document.
    """
    body = _load_body(data, name)
    doc = Document(format="docx")
    for el in _iter_block_elements(body):
        if el.tag == _W + "p":
            text = _paragraph_text(el).strip()
            if text:
                doc.items.append(TextBlock(text=text, page=None))
        else:  # w:tbl
            doc.items.extend(_table_to_grids(el))
    return doc


def _load_body(data: bytes, name: str):
    import docx  # python-docx; imported here so the registry stays cheap to import
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ReportError(
            f"文件“{name}”不是有效的 DOCX 文档（文件可能已损坏，或是改了扩展名的其他格式）。"
            "请用 Word 或 WPS 打开后另存为 DOCX 或 PDF 再上传。",
            details="not a zip archive",
        )
    _check_unpacked_size(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ReportError(
            f"文件“{name}”不是有效的 DOCX 文档（缺少 Word 正文部分或已损坏）。"
            "请用 Word 或 WPS 打开后另存为 DOCX 或 PDF 再上传。",
            details=f"{type(exc).__name__}: {exc}",
        ) from exc
    except Exception as exc:  # lxml XMLSyntaxError and other damage inside the package
        raise ReportError(
            f"文件“{name}”的 Word 内容无法解析（文件可能已损坏）。请用 Word 或 WPS 打开后另存为 DOCX 或 PDF 再上传。",
            details=f"{type(exc).__name__}: {exc}",
        ) from exc
    body = document.element.body
    if body is None:
        raise ReportError(f"文件“{name}”中没有 Word 正文内容。", details="no w:body")
    return body


# A report's word/document.xml is well under 10 MB and the whole package rarely over 50 MB
# unpacked; far more means a ZIP bomb, which would take minutes and gigabytes to inflate and parse.
MAX_XML_PART_MB = 64
MAX_UNPACKED_MB = 512


def _check_unpacked_size(data: bytes, name: str) -> None:
    """Refuse a ZIP bomb before python-docx inflates it.

    Uses the sizes the archive declares; zipfile stops reading a member at its declared size
    (and fails its CRC check), so a member cannot inflate beyond what is checked here.
    """
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # python-docx's own error below reports a broken archive
    mb = 1024 * 1024
    total = sum(i.file_size for i in infos)
    largest_xml = max((i.file_size for i in infos if i.filename.lower().endswith((".xml", ".rels"))), default=0)
    if total > MAX_UNPACKED_MB * mb or largest_xml > MAX_XML_PART_MB * mb:
        raise ReportError(
            f"文件“{name}”解压后体积异常（约 {total / mb:.0f} MB，压缩前 {len(data) / mb:.1f} MB），"
            "可能是压缩炸弹或已损坏，未读取。请确认文件来源，或用 Word/WPS 另存为 PDF 后再上传。",
            details=f"unpacked {total} bytes, largest XML part {largest_xml} bytes",
        )


def _iter_block_elements(parent) -> Iterator:
    """Body-level ``w:p`` and ``w:tbl`` elements under ``parent``, in order."""
    for child in parent.iterchildren():
        tag = child.tag
        if tag == _W + "p" or tag == _W + "tbl":
            yield child
        elif tag in _CONTAINERS:
            yield from _iter_block_elements(child)


def _paragraph_text(p) -> str:
    """The printed text of one ``w:p``: runs, hyperlinks, tabs and line breaks."""
    parts: list[str] = []
    _collect_text(p, parts)
    return "".join(parts)


def _collect_text(el, parts: list[str]) -> None:
    for child in el.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP_TEXT:
            continue
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag == _W + "tab" and el.tag == _W + "r":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            # a page break (w:br w:type="page") separates text just like a line break
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        else:
            _collect_text(child, parts)


def _cell_text(tc) -> str:
    """Text of a ``w:tc``: its paragraphs joined by ``\\n`` (nested tables excluded)."""
    lines = []
    for el in _iter_block_elements(tc):
        if el.tag == _W + "p":
            lines.append(_paragraph_text(el))
    text = "\n".join(line.strip() for line in "\n".join(lines).split("\n"))
    return text.strip("\n")


def _int_attr(el, path: str, default: int) -> int:
    found = el.find(path)
    if found is None:
        return default
    val = found.get(_W + "val")
    try:
        return int(val) if val is not None else default
    except ValueError:
        return default


def _rows_of(tbl) -> list:
    return tbl.xpath("./w:tr | ./w:sdt/w:sdtContent/w:tr | ./w:customXml/w:tr")


def _cells_of(tr) -> list:
    return tr.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc | ./w:customXml/w:tc")


def _table_to_grids(tbl) -> list[Grid]:
    """One ``w:tbl`` as a Grid, followed by the grids of any tables nested in its cells."""
    grid_cols = tbl.xpath("./w:tblGrid/w:gridCol")
    rows: list[list[Optional[Cell]]] = []
    nested: list = []
    for tr in _rows_of(tbl):
        row: list[Optional[Cell]] = [None] * _int_attr(tr, f"./{_W}trPr/{_W}gridBefore", 0)
        for tc in _cells_of(tr):
            span = max(1, _int_attr(tc, f"./{_W}tcPr/{_W}gridSpan", 1))
            if _is_continuation(tc):
                row.extend([None] * span)
            else:
                row.append(Cell(text=_cell_text(tc), page=None))
                row.extend([None] * (span - 1))
            nested.extend(_direct_nested_tables(tc))
        rows.append(row)
    width = max([len(grid_cols)] + [len(r) for r in rows]) if rows else len(grid_cols)
    for r in rows:
        r.extend([None] * (width - len(r)))
    grids = [Grid(rows=rows, page=None)]
    for inner in nested:
        grids.extend(_table_to_grids(inner))
    return grids


def _direct_nested_tables(tc) -> list:
    """Tables directly inside a cell (not tables nested deeper, which their parent emits)."""
    return [el for el in _iter_block_elements(tc) if el.tag == _W + "tbl"]


def _is_continuation(tc) -> bool:
    """True if this cell continues a merge begun above (vMerge) or to the left (hMerge)."""
    tcPr = tc.find(_W + "tcPr")
    if tcPr is None:
        return False
    for tag in ("vMerge", "hMerge"):
        m = tcPr.find(_W + tag)
        # <w:vMerge/> without a val means "continue"; val="restart" starts a merge
        if m is not None and m.get(_W + "val", "continue") == "continue":
            return True
    return False
