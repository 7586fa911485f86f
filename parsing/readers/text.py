"""Reader for plain text and Markdown reports (.txt, .md).

Reports saved as text keep their tables in one of three shapes, all turned into grids here:

* tab-separated rows, with merged-cell fragments on lines of their own and rows shifted by
  extra tabs (the matcher copes with the shifts);
* one cell per line: every cell on its own line starting with a tab, rows separated by a blank
  line, and a label broken over lines (``\\t商业`` then ``企业``) continued on a line without tab;
* Markdown pipe tables.
"""
from __future__ import annotations

import re

from ..model import Cell, Document, Grid, ReportError, TextBlock

_EMPTY_CELL = re.compile(r"^[ \u3000\u00a0]+$")
_PIPES_ONLY = re.compile(r"^[\s|]*$")
_PIPE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s*")
_BOLD = re.compile(r"\*\*|__")
_BLANKISH = re.compile(r"^[\s\u3000\u00a0\u2002\u2003\u200b\ufeff]*$")


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode report text deterministically: BOMs first, then strict UTF-8, then GB18030.

    GB18030 is a superset of GBK and GB2312. Returns the text and reader notes.
    """
    notes: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), notes
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), notes
    if b"\x00" in data[:4096]:
        # NUL bytes in text: UTF-16 without BOM, or not text at all.
        even = data[0:4096:2].count(0)
        odd = data[1:4096:2].count(0)
        if max(even, odd) > len(data[:4096]) // 4:
            enc = "utf-16-be" if even > odd else "utf-16-le"
            return data.decode(enc, errors="replace"), notes
        raise ReportError("文件内容是二进制数据，不是文本报告（扩展名可能有误）。")
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), notes
        except UnicodeDecodeError:
            continue
    notes.append("文本编码无法确定（既不是 UTF-8 也不是 GBK/GB18030），部分字符可能显示为乱码。")
    return data.decode("gb18030", errors="replace"), notes


def _is_blank(line: str) -> bool:
    return bool(_BLANKISH.match(line))


def _is_pipe_row(line: str) -> bool:
    """A row of a Markdown table: ``| a | b |`` (two cells at least; a line of pipes only, or a single
    ``| x |``, belongs to a text table whose cells end at pipes, read by the matcher)."""
    s = line.strip()
    return s.startswith("|") and s.endswith("|") and s.count("|") >= 3 and not _PIPES_ONLY.match(s)


def _pipe_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip().replace("<br>", "\n").replace("<br/>", "\n") for c in s.split("|")]


def _clean_text_line(line: str) -> str:
    s = _MD_HEADING.sub("", line)
    s = _BOLD.sub("", s)
    return s.strip(" \t\u3000\u00a0\u2002\u2003\ufeff")


_HEADING_LIKE = re.compile(r"^\s*(#|[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分)")


def _continues_cell(line: str) -> bool:
    """A line without tab right after a cell line continues that cell, unless it reads as a heading."""
    s = line.strip()
    return 0 < len(s) <= 60 and not _HEADING_LIKE.match(line)


MAX_CONTINUATION_LINES = 4  # a label in a narrow cell wraps over a few lines, never a paragraph's worth


def _continuation_run(block: list[str]) -> int:
    """How many lines without tab end ``block`` (continuations of its last cell so far)."""
    n = 0
    for ln in reversed(block):
        if "\t" in ln or _is_blank(ln):
            break
        n += 1
    return n


def _cell_per_line(lines: list[str]) -> bool:
    tab_lines = [ln for ln in lines if "\t" in ln]
    single = [ln for ln in tab_lines if ln.startswith("\t") and ln.count("\t") == 1]
    return bool(tab_lines) and len(single) >= 0.8 * len(tab_lines)


def _grid_from_cell_lines(lines: list[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    row: list[str] = []
    prev_blank = True
    for ln in lines:
        if ln.startswith("\t"):
            row.append(ln[1:].strip())
        elif _is_blank(ln):
            if row:
                rows.append(row)
                row = []
            prev_blank = True
            continue
        elif row and not prev_blank:
            row[-1] = row[-1] + "\n" + ln.strip()  # a label broken over lines
        else:
            row.append(ln.strip())
        prev_blank = False
    if row:
        rows.append(row)
    return rows


def _grid_from_tab_lines(lines: list[str]) -> list[list[str]]:
    return [[c.strip() for c in ln.split("\t")] for ln in lines if not _is_blank(ln)]


def read_text(data: bytes, name: str) -> Document:
    text, notes = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    doc = Document(format="text", notes=notes)

    i = 0
    n = len(lines)
    while i < n:
        ln = lines[i]
        if _is_pipe_row(ln):
            rows = []
            while i < n and (_is_pipe_row(lines[i]) or (_is_blank(lines[i]) and i + 1 < n and _is_pipe_row(lines[i + 1]))):
                if _is_pipe_row(lines[i]) and not _PIPE_SEP.match(lines[i].strip()):
                    rows.append(_pipe_cells(lines[i]))
                i += 1
            doc.items.append(Grid([[Cell(c) for c in r] for r in rows], aligned=False))
            continue
        if "\t" in ln:
            block = []
            while i < n:
                cur = lines[i]
                if "\t" in cur:
                    block.append(cur)
                    i += 1
                elif _is_blank(cur):
                    # a blank line stays inside the table only when more table lines follow
                    j = i
                    while j < n and _is_blank(lines[j]):
                        j += 1
                    if j < n and "\t" in lines[j]:
                        block.extend(lines[i:j])
                        i = j
                    else:
                        break
                elif (block and _continuation_run(block) < MAX_CONTINUATION_LINES and _cell_per_line(block)
                      and _continues_cell(cur)):
                    block.append(cur)  # continuation of a cell broken over lines (a narrow cell: several)
                    i += 1
                else:
                    break
            rows = _grid_from_cell_lines(block) if _cell_per_line(block) else _grid_from_tab_lines(block)
            doc.items.append(Grid([[Cell(c) for c in r] for r in rows], aligned=False))
            continue
        if not _is_blank(ln):
            cleaned = _clean_text_line(ln)
            if cleaned:
                doc.items.append(TextBlock(cleaned))
        elif _EMPTY_CELL.match(ln) and 0 < i < n - 1 and lines[i - 1] == "" and lines[i + 1] == "":
            # a paragraph of spaces between empty lines: an empty cell of a table pasted one cell a paragraph
            doc.items.append(TextBlock(" "))
        i += 1
    return doc
