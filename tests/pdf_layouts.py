"""Text PDFs of a report in the table layouts real PDFs use, with known values (built at test time).

The tables are those of the official form (``tools/make_samples.py`` layouts: merged cells, three label
columns in table 三, the 15-column table 四); what varies is how they are printed:

* ``rules``: ``grid`` (every cell ruled), ``rows`` (a rule under every row, no vertical rules),
  ``three`` (a three-line table: top, under the header, bottom) or ``none``;
* ``vertical``: the group labels of table 三 (三、本年度办理结果, （三）不予公开 …) printed one character a
  line down their merged cell, as WPS and Word exports show them;
* ``landscape``: table 三 on a landscape page of its own;
* ``split``: table 三 broken over this many pages, its header repeated at the top of each;
* ``label_cm``: the width of 三's innermost label column (narrow widths wrap the labels in their cell).

Text is drawn with a non-embedded CID font (Identity-H with a ToUnicode map), as in ``bench/corpus.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

from bench.corpus import _IDENTITY_TO_UNICODE, _hex, text_width, wrap
from parsing import forms
from tests.report_factory import SECTIONS
from tools.make_samples import TABLE_LAYOUTS, TABLE_WIDTHS_CM, place

CM = 72 / 2.54
A4 = (595.0, 842.0)
MARGIN = 60.0


@dataclass
class Layout:
    rules: str = "grid"
    vertical: bool = False
    landscape: bool = False
    split: int = 1
    label_cm: float = 4.4
    form: str = "2021"  # the form the tables follow (forms.FORM_2021 / FORM_2019)


class Canvas:
    def __init__(self):
        self.pages: list[tuple[tuple[float, float], list[str]]] = []

    def new_page(self, size=A4):
        self.pages.append((size, ["0.6 w 0 0 0 RG"]))

    @property
    def size(self):
        return self.pages[-1][0]

    def text(self, x, y_top, s, size=9.0):
        """Text whose top is ``y_top`` points below the top of the page."""
        if s:
            h = self.size[1]
            self.pages[-1][1].append(f"BT /F1 {size:g} Tf 1 0 0 1 {x:.2f} {h - y_top - size:.2f} Tm <{_hex(s)}> Tj ET")

    def hline(self, x0, x1, y_top):
        h = self.size[1]
        self.pages[-1][1].append(f"{x0:.2f} {h - y_top:.2f} m {x1:.2f} {h - y_top:.2f} l S")

    def rect(self, x, y_top, w, hgt):
        h = self.size[1]
        self.pages[-1][1].append(f"{x:.2f} {h - y_top - hgt:.2f} {w:.2f} {hgt:.2f} re S")

    def finish(self) -> bytes:
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        def stream(data: bytes) -> bytes:
            return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"

        catalog, pages_ref = add(b""), add(b"")
        widths = " ".join("500" for _ in range(32, 127))
        desc = add(b"<< /Type /FontDescriptor /FontName /SimSun /Flags 6 /FontBBox [0 -141 1000 859] "
                   b"/ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>")
        cid = add(("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) "
                   f"/Ordering (Identity) /Supplement 0 >> /FontDescriptor {desc} 0 R /DW 1000 /W [32 [{widths}]] "
                   "/CIDToGIDMap /Identity >>").encode())
        tu = add(stream(_IDENTITY_TO_UNICODE))
        font = add((f"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
                    f"/DescendantFonts [{cid} 0 R] /ToUnicode {tu} 0 R >>").encode())
        kids = []
        for (w, h), ops in self.pages:
            content = add(stream("\n".join(ops).encode("ascii")))
            kids.append(add((f"<< /Type /Page /Parent {pages_ref} 0 R /MediaBox [0 0 {w:g} {h:g}] "
                             f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>").encode()))
        objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_ref} 0 R >>".encode()
        objects[pages_ref - 1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
                                  f"/Count {len(kids)} >>").encode()
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objects, 1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
        out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
        return bytes(out)


class Flow:
    def __init__(self, layout: Layout):
        self.layout = layout
        self.c = Canvas()
        self.c.new_page()
        self.y = MARGIN

    def need(self, h):
        if self.y + h > self.c.size[1] - MARGIN:
            self.c.new_page(A4)
            self.y = MARGIN

    def paragraph(self, s, size=10.5, leading=18.0):
        width = self.c.size[0] - 2 * MARGIN
        for line in wrap(s, width, size):
            self.need(leading)
            self.c.text(MARGIN, self.y, line, size)
            self.y += leading

    def table(self, table_id: str, cells: dict):
        lay = self.layout
        rows = TABLE_LAYOUTS[table_id](cells, lay.form)
        widths = list(TABLE_WIDTHS_CM[table_id])
        if table_id == "三":
            widths[2] = lay.label_cm
        if table_id == "三" and lay.landscape:
            self.c.new_page((A4[1], A4[0]))
            self.y = MARGIN
        avail = self.c.size[0] - 2 * MARGIN
        scale = min(1.0, avail / (sum(widths) * CM))
        xs = [MARGIN]
        for w in widths:
            xs.append(xs[-1] + w * CM * scale)
        size, leading, pad = 8.0, 10.0, 3.0
        placed = place(rows)
        n = len(rows)
        head = {"二": 0, "三": 3, "四": 3}[table_id]
        wrapped, heights = {}, [0.0] * n
        for r, c, (text, cs, rs, kind) in placed:
            vertical = lay.vertical and table_id == "三" and kind == "label" and rs > 1
            width = xs[c + cs] - xs[c] - 2 * pad
            if kind == "head" and len(text) > 3 and width < 4 * size:  # 商业 / 企业, as the form prints it
                lines = [text[i:i + 2] for i in range(0, len(text), 2)]
            else:
                lines = list(text) if vertical else (wrap(text, width, size) if text else [])
            wrapped[(r, c)] = (lines, vertical)
            if rs == 1:
                heights[r] = max(heights[r], len(lines) * leading + 2 * pad, 16.0)
        for r, c, (text, cs, rs, kind) in placed:
            lines, _ = wrapped[(r, c)]
            have = sum(heights[r:r + rs])
            need = len(lines) * leading + 2 * pad
            if need > have:
                for k in range(r, r + rs):
                    heights[k] += (need - have) / rs
        # pages: rows per part of the table (header rows repeated on each continued page)
        body_rows = list(range(head, n))
        parts = [body_rows] if table_id != "三" or lay.split <= 1 else [
            body_rows[k * len(body_rows) // lay.split:(k + 1) * len(body_rows) // lay.split]
            for k in range(lay.split)]
        header_rows = list(range(head))
        for k, part in enumerate(parts):
            if k > 0:
                self.c.new_page(self.c.size)
                self.y = MARGIN
            show = header_rows + part if (k == 0 or lay.split > 1) else part
            total = sum(heights[r] for r in show)
            if k == 0 and not (table_id == "三" and lay.landscape):
                self.need(min(total, 200))
            self._draw(placed, wrapped, heights, xs, show, head, size, leading, pad)
        self.y += 14
        if table_id == "三" and lay.landscape:
            self.c.new_page(A4)
            self.y = MARGIN

    def _draw(self, placed, wrapped, heights, xs, show, head, size, leading, pad):
        """Draw the rows ``show`` from the current position, breaking to a new page where one is full."""
        lay = self.layout
        c = self.c
        tops = {}  # row -> (page index, top)
        y = self.y
        for r in show:
            if y + heights[r] > c.size[1] - MARGIN:
                c.new_page(c.size)
                y = MARGIN
            tops[r] = (len(c.pages) - 1, y)
            y += heights[r]
        x0, x1 = xs[0], xs[-1]

        def emit(page, fn, *args):
            if page == len(c.pages) - 1:
                fn(*args)
                return
            saved = c.pages[-1]
            c.pages.append(c.pages[page])
            fn(*args)
            c.pages.pop()
            assert c.pages[-1] is saved

        first_page, first_top = tops[show[0]]
        if lay.rules in ("rows", "three"):
            emit(first_page, c.hline, x0, x1, first_top)
        for r, col, (text, cs, rs, kind) in placed:
            covered = [k for k in range(r, r + rs) if k in tops]
            if not covered:
                continue
            page, top = tops[covered[0]]
            same_page = [k for k in covered if tops[k][0] == page]
            h = sum(heights[k] for k in same_page)
            x, w = xs[col], xs[col + cs] - xs[col]
            if lay.rules == "grid":
                emit(page, c.rect, x, top, w, h)
            if covered[0] != r and not (lay.split > 1 and r < head):
                continue  # a merged cell continued from the previous part: its text is there
            lines, vertical = wrapped[(r, col)]
            ty = top + pad
            for line in lines:
                lx = x + (w - text_width(line, size)) / 2 if (kind == "num" or vertical) else x + pad
                emit(page, c.text, lx, ty, line, size)
                ty += leading
        for r in show:
            page, top = tops[r]
            if lay.rules == "rows" or (lay.rules == "three" and (r == head - 1 or r == show[-1])):
                emit(page, c.hline, x0, x1, top + heights[r])
        self.y = tops[show[-1]][1] + heights[show[-1]]

    def finish(self) -> bytes:
        for i, (size, ops) in enumerate(self.c.pages, 1):
            label = f"- {i} -"
            ops.append(f"BT /F1 9 Tf 1 0 0 1 {(size[0] - text_width(label, 9)) / 2:.2f} 30 Tm <{_hex(label)}> Tj ET")
        return self.c.finish()


def build_pdf(values: dict, layout: Layout, body: str = "测试镇", year: int = 2023) -> bytes:
    """The report as a text PDF: title, six sections, tables 二/三/四 with ``values`` (None = blank cell)."""
    flow = Flow(layout)
    flow.paragraph(f"{body}{year}年政府信息公开工作年度报告", size=16, leading=28)
    cells = {k: str(v) for k, v in values.items() if v is not None}
    for i, (heading, text) in enumerate(SECTIONS, 1):
        flow.need(40)
        flow.paragraph(heading, size=12, leading=22)
        if text:
            flow.paragraph(text.format(body=body, year=year))
        if i in (2, 3, 4):
            flow.table({2: "二", 3: "三", 4: "四"}[i], cells)
    return flow.finish()


def expected(values: dict) -> dict:
    return {k: v for k, v in values.items() if k in forms.CELL_KEYS_2021}


def describe(layout: Layout) -> str:
    return (f"rules={layout.rules} vertical={layout.vertical} landscape={layout.landscape} "
            f"split={layout.split} label_cm={layout.label_cm} form={layout.form}")


def form_values(rng, form: str, blank_rate: float = 0.0) -> dict:
    """A value for every cell of ``form`` under its own labels (None = blank); 本年增/减 may be negative."""
    out = {}
    for c in forms.FORMS[form].cells():
        v = None if rng.random() < blank_rate else rng.randint(0, 999)
        if v is not None and c.kind == "signed":
            v = rng.randint(-50, 50)
        out[(c.table, c.row, c.column)] = v
    return out


def output_key(key: tuple) -> tuple:
    """Where the parser lists a cell of either form: its 2021 counterpart, else its own labels."""
    return forms.COUNTERPART_2019_TO_2021.get(key, key)
