"""From a reader's Document to a ParsedReport: metadata, sections, every cell of the form, notes.

Pipeline (format-agnostic):

1. ``document_to_template`` (:mod:`.matcher`): which form the report uses (fingerprint strings).
2. ``blocks_to_sections`` (:mod:`.sections`): the six section headings in order, and the text of each.
3. ``TableMatcher`` (:mod:`.matcher`): every table row is found by its label, whatever the layout, and
   its value cells are fitted onto the form's columns; each number keeps its raw text and page. Rows
   whose cells cannot be aligned for sure are left null with a note.
4. ``document_to_metadata`` (:mod:`.metadata`): title, body, region, year, publication date.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pandas as pd

from .. import forms
from ..forms import FORM_2019, FORM_2021
from ..model import Document, ReportError
from ..report import VALUE_COLUMNS, ParsedReport, frame_from_arrays
from .matcher import TableMatcher, document_to_template, fit_values, items_to_tokens
from .metadata import document_to_metadata, strip_markup
from .notes import NOTES, Notes
from .sections import blocks_to_sections
from .values import cn_to_int, is_blank_text, is_number_text, parse_value

__all__ = ["extract_report", "parse_value", "cn_to_int", "is_blank_text", "is_number_text", "fit_values",
           "NOTES", "Notes", "document_to_template", "blocks_to_sections"]


def reconcile(grid: TableMatcher, text: TableMatcher, notes: Notes) -> None:
    """The tables as the grids read them against the same pages read as text in order (PDF). A row the
    grids do not have but the text reads completely is taken from the text, with a note; a number the two
    readings disagree on keeps the grid's reading, with a note; nothing is chosen silently."""
    by_row: dict = {}
    for (table, row, col), cell in text.cells.items():
        by_row.setdefault((table, row), {})[col] = cell
    for key, cells in by_row.items():
        table, row = key
        leaf = row.split("/")[-1]
        if key not in grid.rows_seen:
            if text.row_complete.get(key):
                for col, cell in cells.items():
                    grid.cells[(table, row, col)] = cell
                grid.rows_seen.add(key)
                grid.tables_seen.add(table)
                notes.add("PARSE-FROM-TEXT", table=table, row=row, leaf=leaf)
            continue
        for col, cell in cells.items():
            mine = grid.cells.get((table, row, col))
            if mine is None or mine["status"] != "ok" or cell["status"] != "ok":
                continue
            if mine["value"] != cell["value"]:
                notes.add("PARSE-SOURCES-DISAGREE", table=table, row=row, column=col, leaf=leaf,
                          grid=mine["raw"], text=cell["raw"], expected=mine["raw"], actual=cell["raw"])


_BACK_2019 = {v: k for k, v in forms.COUNTERPART_2019_TO_2021.items()}
_NO_CELL = ("-", "-", "-")
# per cell of the 2021 form: its key, the key of its trial-form counterpart (table 二) or None, whether in table 二
_PLAN = tuple(((c.table, c.row, c.column), _BACK_2019.get((c.table, c.row, c.column)) if c.table == "二" else None,
               c.table == "二") for c in forms.ALL_CELLS_2021)
_KEY_COLUMNS: dict = {}  # (trial form?, trial cells emitted) -> the frame's table/row/column/form arrays


def _key_columns(template: str, trial: tuple) -> dict:
    """The table, row, column and form columns of a values frame: the same for every report that emits the
    same cells, so made once per process (string arrays are immutable: frames may share them)."""
    key = (template == FORM_2019, trial)
    got = _KEY_COLUMNS.get(key)
    if got is None:
        cells = [(c.table, c.row, c.column, FORM_2021) for c in forms.ALL_CELLS_2021]
        cells += [(c.table, c.row, c.column, FORM_2019) for c in trial]
        cols = list(zip(*cells))
        got = {name: pd.array(list(col), dtype=pd.StringDtype(na_value=math.nan))
               for name, col in zip(("table", "row", "column", "form"), cols)}
        if len(_KEY_COLUMNS) < 64:
            _KEY_COLUMNS[key] = got
    return got


def cells_to_values(matcher: TableMatcher, template: str, notes: Notes) -> pd.DataFrame:
    """The values frame on the 2021 naming: every cell of the 2021 form, plus the trial form's own cells
    for a trial-form report and any the report prints in the trial form's layout. Built column by column."""
    found = matcher.cells
    get = found.get
    trial_form = template == FORM_2019
    hits = []
    for key, back, in_二 in _PLAN:
        if back is not None and (trial_form or key not in found) and back in found:
            hits.append(get(back))
        elif trial_form and in_二 and key not in found:
            hits.append(get(_NO_CELL))
        else:
            hits.append(get(key))
    trial_cells = forms.cells_2019_only()
    if template == FORM_2019:
        trial = tuple(trial_cells)
        notes.add("PARSE-FORM-2019", table="三", row="三、本年度办理结果/（六）其他处理")
    else:  # a 2021 report printing part of a table in the trial form's layout
        trial = tuple(c for c in trial_cells if (c.table, c.row, c.column) in found)
    hits += [found.get((c.table, c.row, c.column)) for c in trial]
    n = len(hits)
    value = np.full(n, np.nan)
    raw, page, status, confidence, bbox = [None] * n, [None] * n, ["missing"] * n, [None] * n, [None] * n
    for i, hit in enumerate(hits):
        if hit is not None:
            v = hit["value"]
            if v is not None:
                value[i] = float(v)
            raw[i], page[i], status[i] = hit["raw"], hit["page"], hit["status"]
            confidence[i], bbox[i] = hit["confidence"], hit.get("bbox")
    keys = _key_columns(template, trial)
    arrays = _inferred_arrays(value, raw, page, status, confidence, bbox)
    df = None if arrays is None else frame_from_arrays(
        [keys["table"].copy(), keys["row"].copy(), keys["column"].copy(), value, arrays[0], arrays[1], arrays[2],
         keys["form"].copy(), arrays[3], arrays[4]], VALUE_COLUMNS)
    if df is None:
        df = pd.DataFrame({"table": keys["table"], "row": keys["row"], "column": keys["column"], "value": value,
                           "raw": raw, "page": page, "status": status, "form": keys["form"],
                           "confidence": confidence, "bbox": bbox}, columns=VALUE_COLUMNS)
    return df


_STR = pd.StringDtype(na_value=math.nan)  # what pandas infers for a column of texts (None read as NaN)
_NONE, _TEXT, _INT = frozenset({type(None)}), frozenset({str, type(None)}), frozenset({int, type(None)})


def _objects(vals: list) -> np.ndarray:
    return np.fromiter(vals, dtype=object, count=len(vals))


def _inferred_arrays(value, raw: list, page: list, status: list, confidence: list, bbox: list) -> Optional[list]:
    """The raw, page, status, confidence and bbox columns as the frame's constructor infers them from these lists,
    where each holds what a text-layer reading gives (texts or None; whole numbers or None; texts; None only;
    tuples or None); None otherwise (an OCR reading's confidences: the caller lets the constructor infer)."""
    kinds = set(map(type, raw))
    if not kinds <= _TEXT or set(map(type, status)) != {str} or set(map(type, confidence)) != _NONE:
        return None
    if not set(map(type, bbox)) <= {tuple, type(None)}:
        return None
    raw_a = pd.array(raw, dtype=_STR) if str in kinds else _objects(raw)
    kinds = set(map(type, page))
    if kinds == _NONE:
        page_a = _objects(page)
    elif kinds == {int}:
        page_a = np.array(page, dtype=np.int64)
    elif kinds == _INT:
        page_a = np.array([math.nan if p is None else p for p in page], dtype=np.float64)
    else:
        return None
    return [raw_a, page_a, pd.array(status, dtype=_STR), _objects(confidence), _objects(bbox)]


def _missing_row_notes(matcher: TableMatcher, template: str, notes: Notes, tables_found: dict):
    """A note per row of the form that a found table does not have (cells the trial form lacks are
    noted once, in PARSE-FORM-2019; rows a hybrid table prints in the other form are not missing)."""
    rows = {"二": [f"{st.caption}/{r}" for st in forms.subtables_二(template) for r in st.rows],
            "三": [r.key for r in forms.row_defs("三", template)],
            "四": [r.key for r in forms.ROWS_四]}
    if template == FORM_2019:
        rows["二"] = []
    other = forms.FORM_2019 if template == FORM_2021 else FORM_2021
    covered = set()
    for st_other in forms.subtables_二(other):
        if any(("二", f"{st_other.caption}/{r}") in matcher.rows_seen for r in st_other.rows):
            covered.add(st_other.caption)
    if ("三", forms.ROW_三_2019_OTHER.key) in matcher.rows_seen:
        covered.add(forms.ROW_三_2019_OTHER.key)
    for table in forms.TABLES:
        if not tables_found.get(table):
            continue
        for row in rows[table]:
            if (table, row) in matcher.rows_seen:
                continue
            if table == "二" and row.split("/")[0] in covered:
                continue
            if table == "三" and row.startswith(forms.ROW_三_2019_OTHER.key + "/") and \
                    forms.ROW_三_2019_OTHER.key in covered:
                continue
            notes.add("PARSE-ROW-MISSING", table=table, row=row, leaf=row.split("/")[-1])


def _column_notes(matcher: TableMatcher, notes: Notes):
    hdr = matcher.headers_三
    if hdr and "三" in matcher.tables_seen:
        present = [c for c in forms.APPLICANT_COLUMNS if c in hdr]
        if len(present) >= 5:
            for c in forms.APPLICANT_COLUMNS:
                if c not in hdr:
                    notes.add("PARSE-COLUMN-MISSING", table="三", column=c)


def extract_report(doc: Document, name: str) -> ParsedReport:
    """Build the ParsedReport of one document. Raises ReportError when nothing can be read."""
    notes = Notes()
    text_items = doc.text_blocks()
    grids = doc.grids()
    if doc.page_count and len(doc.scanned_pages) >= doc.page_count:
        raise ReportError("该 PDF 为扫描版（页面是图片，没有文字层），文字识别（OCR）也未能读出内容。"
                          "请上传更清晰的扫描件，或由 Word/WPS 导出的 PDF、DOCX 原件。")
    if not text_items and not grids:
        raise ReportError("文件中没有可读取的文字内容。")
    for msg in doc.notes:
        notes.add("PARSE-READER", message=msg)
    if doc.scanned_pages:
        notes.add("PARSE-SCANNED-PAGES", pages="、".join(str(p) for p in doc.scanned_pages))

    template, _score = document_to_template(doc)
    sections, _item_section, headings = blocks_to_sections(doc)
    matcher = TableMatcher(template or FORM_2021, notes)
    matcher.feed(items_to_tokens(doc, headings))
    if doc.stream and grids:
        stream_doc = Document(items=doc.stream, format=doc.format)
        alt = TableMatcher(template or FORM_2021, None)  # quiet: its notes are not read
        alt.feed(items_to_tokens(stream_doc, blocks_to_sections(stream_doc)[2]))
        reconcile(matcher, alt, notes)
    if template is None and matcher.cells:
        notes.add("PARSE-TEMPLATE")

    values = cells_to_values(matcher, template or FORM_2021, notes)
    tables_found = {t: t in matcher.tables_seen or any(k[0] == t for k in matcher.cells) for t in forms.TABLES}
    _column_notes(matcher, notes)
    _missing_row_notes(matcher, template or FORM_2021, notes, tables_found)

    full_text = "\n".join(b.text for b in text_items)
    md = document_to_metadata(doc, full_text, sections[1].text)
    if not any(s.found for s in sections.values()) and not matcher.cells:
        raise ReportError("未找到年度报告的章节标题或统计表格，该文件可能不是政府信息公开工作年度报告。")

    return ParsedReport(
        file=name, format=doc.format, body=md.body, region=md.region, year=md.year, year_source=md.year_source,
        body_source=md.body_source, published=md.published, published_source=md.published_source,
        template=template, title=md.title and strip_markup(md.title), sections=sections, values=values,
        notes=notes.frame(), text=full_text, tables_found=tables_found, page_count=doc.page_count,
        ocr=any(c.confidence is not None for g in grids for r in g.rows for c in r if c is not None),
    )
