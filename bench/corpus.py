"""A deterministic benchmark corpus: reports in the official form with known values.

Three kinds of file, each with every cell of the 2021 form filled from a seeded random draw
(about 5 % of cells left blank), and a manifest of the values put in:

* ``pdf``: text PDFs written directly (no LibreOffice, no extra library): A4 pages, the title,
  the six sections, and tables 二/三/四 drawn as ruled grids with the form's merged cells, in
  the column widths of the Word form. Table 三 breaks across pages as in real exports. Text
  uses a CID font (Identity-H with a ToUnicode map) named SimSun and not embedded, as many
  government PDFs do; both pdfium and pdfminer read its text exactly.
* ``docx``: the Word-form layout of ``tools/make_samples.py`` (python-docx), built once with
  tokens in its cells and filled in per report.
* ``txt``: the seeds' text layouts (tabs, one cell per line, Markdown pipes) from
  ``tests/report_factory.py``.

Plus ``sample``: the committed sample PDFs (LibreOffice exports of the Word form, embedded
subset fonts), copied with a distinct trailing comment each so that every file has its own
bytes (and sha256).

The corpus lives in a cache folder (default: ``$TMPDIR/report-bench-<version>-<n>-<seed>``),
is built once and reused; it is never committed.
"""
from __future__ import annotations

import hashlib
import html
import io
import json
import random
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from parsing import forms  # noqa: E402
from tests.report_factory import SECTIONS, random_values, render  # noqa: E402
from tools.make_samples import (  # noqa: E402
    TABLE_LAYOUTS,
    TABLE_WIDTHS_CM,
    SampleContent,
    build_docx,
    place,
)

CORPUS_VERSION = "v2"
KINDS = ("pdf", "docx", "txt", "sample")
# Share of each kind in a corpus of n files (the rest of n goes to pdf).
MIX = {"docx": 0.25, "txt": 0.25, "sample": 0.05}

COUNTIES = ["青山县", "白水县", "东城区", "西湖区", "南岭县", "北川县", "云溪区", "石门县", "清河县", "长宁县"]
TOWNS = ["城关镇", "河口镇", "大坪乡", "新塘镇", "松林乡", "桥头镇", "龙泉街道", "花园街道", "马场乡", "柳溪镇"]

Key = tuple[str, str, str]

# ---------------------------------------------------------------------------
# PDF writer: a minimal PDF with a non-embedded CID font and ruled tables
# ---------------------------------------------------------------------------

PAGE_W, PAGE_H = 595.0, 842.0
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 70.0, 72.0, 72.0
CM = 72 / 2.54


def text_width(s: str, size: float) -> float:
    return sum(size * (0.5 if ord(ch) < 0x2E80 else 1.0) for ch in s)


def wrap(s: str, width: float, size: float) -> list[str]:
    """Break ``s`` into lines no wider than ``width`` (characters, as CJK text wraps)."""
    lines: list[str] = []
    for part in s.split("\n"):
        cur, w = "", 0.0
        for ch in part:
            cw = text_width(ch, size)
            if cur and w + cw > width:
                lines.append(cur)
                cur, w = "", 0.0
            cur += ch
            w += cw
        lines.append(cur)
    return lines


def _hex(s: str) -> str:
    return s.encode("utf-16-be", "replace").hex().upper()


class PdfCanvas:
    """Collects page content streams; :meth:`finish` writes the file.

    The font is SimSun, not embedded. By default its CIDs are the UTF-16 codes (Identity-H): text extracts
    exactly, but a renderer without that font draws no Chinese glyphs. With ``gb1`` the same codes are declared
    as UniGB-UCS2-H over Adobe-GB1 (as Word and WPS write a non-embedded SimSun), so renderers substitute an
    installed Chinese font and the pages look as printed (the demo county's PDFs)."""

    def __init__(self, gb1: bool = False) -> None:
        self.pages: list[list[str]] = []
        self.gb1 = gb1
        self.new_page()

    def new_page(self) -> None:
        self.pages.append(["0.5 w 0 0 0 RG"])

    @property
    def ops(self) -> list[str]:
        return self.pages[-1]

    def text(self, x: float, y: float, s: str, size: float) -> None:
        if s:
            self.ops.append(f"BT /F1 {size:g} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm <{_hex(s)}> Tj ET")

    def rect(self, x: float, y: float, w: float, h: float) -> None:
        self.ops.append(f"{x:.2f} {y:.2f} {w:.2f} {h:.2f} re S")

    def finish(self) -> bytes:
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        def stream(data: bytes, extra: str = "") -> bytes:
            return b"<< /Length %d %s>>\nstream\n" % (len(data), extra.encode()) + data + b"\nendstream"

        catalog = add(b"")  # filled in below
        pages_ref = add(b"")
        widths = " ".join("500" for _ in range(32, 127))
        descriptor = add(b"<< /Type /FontDescriptor /FontName /SimSun /Flags 6 /FontBBox [0 -141 1000 859] "
                         b"/ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>")
        if self.gb1:  # Adobe-GB1: ASCII 0x20-0x7E are CIDs 1-95
            system, first, gid_map, encoding = "(Adobe) /Ordering (GB1) /Supplement 5", 1, "", "/UniGB-UCS2-H"
        else:
            system, first, gid_map, encoding = "(Adobe) /Ordering (Identity) /Supplement 0", 32, \
                " /CIDToGIDMap /Identity", "/Identity-H"
        cid_font = add(("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo "
                        f"<< /Registry {system} >> "
                        f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [{first} [{widths}]]{gid_map} >>").encode())
        to_unicode = add(stream(_IDENTITY_TO_UNICODE))
        font = add((f"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding {encoding} "
                    f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>").encode())
        kids = []
        for ops in self.pages:
            content = add(stream("\n".join(ops).encode("ascii")))
            kids.append(add((f"<< /Type /Page /Parent {pages_ref} 0 R /MediaBox [0 0 {PAGE_W:g} {PAGE_H:g}] "
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


def _to_unicode_cmap() -> bytes:
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256) if not 0xD8 <= hi <= 0xDF]
    blocks = []
    for i in range(0, len(ranges), 100):
        chunk = ranges[i:i + 100]
        blocks.append(f"{len(chunk)} beginbfrange\n" + "\n".join(chunk) + "\nendbfrange")
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + "\n".join(blocks) +
            "\nendcmap\nCMapName currentdict /CIDInit /ProcSet findresource exch defineresource pop\nend\nend").encode()


_IDENTITY_TO_UNICODE = _to_unicode_cmap()


class Flow:
    """Top-to-bottom layout on A4 pages with page numbers."""

    def __init__(self, gb1: bool = False) -> None:
        self.canvas = PdfCanvas(gb1)
        self.y = PAGE_H - MARGIN_TOP

    def page_break(self) -> None:
        self.canvas.new_page()
        self.y = PAGE_H - MARGIN_TOP

    def need(self, h: float) -> None:
        if self.y - h < MARGIN_BOTTOM:
            self.page_break()

    def paragraph(self, s: str, size: float = 10.5, leading: float = 18.0, center: bool = False,
                  indent: bool = True) -> None:
        width = PAGE_W - 2 * MARGIN_X
        first = ("\u3000\u3000" if indent else "") + s
        for line in wrap(first, width, size):
            self.need(leading)
            x = MARGIN_X + (width - text_width(line, size)) / 2 if center else MARGIN_X
            self.canvas.text(x, self.y - size, line, size)
            self.y -= leading

    def table(self, table_id: str, cells: dict[Key, str]) -> None:
        layout = TABLE_LAYOUTS[table_id](cells)
        widths = [w * CM for w in TABLE_WIDTHS_CM[table_id]]
        scale = min(1.0, (PAGE_W - 2 * MARGIN_X + 10) / sum(widths))
        widths = [w * scale for w in widths]
        x0 = (PAGE_W - sum(widths)) / 2
        xs = [x0]
        for w in widths:
            xs.append(xs[-1] + w)
        size, leading, pad = (9.0, 11.0, 3.0)
        placed = place(layout)
        n_rows = len(layout)
        min_h = 0.95 * CM if table_id == "三" else 0.7 * CM
        heights = [min_h] * n_rows
        wrapped = {}
        for r, c, (text, cs, rs, kind) in placed:
            lines = wrap(text, xs[c + cs] - xs[c] - 2 * pad, size) if text else []
            wrapped[(r, c)] = lines
            need = len(lines) * leading + 2 * pad
            if rs == 1:
                heights[r] = max(heights[r], need)
        for r, c, (text, cs, rs, kind) in placed:
            need = len(wrapped[(r, c)]) * leading + 2 * pad
            have = sum(heights[r:r + rs])
            if need > have:
                heights[r + rs - 1] += need - have
        # paginate rows: (page index, top y) for each row
        tops: list[tuple[int, float]] = []
        for r in range(n_rows):
            if self.y - heights[r] < MARGIN_BOTTOM:
                self.page_break()
            tops.append((len(self.canvas.pages) - 1, self.y))
            self.y -= heights[r]
        pages = self.canvas.pages
        for r, c, (text, cs, rs, kind) in placed:
            x, w = xs[c], xs[c + cs] - xs[c]
            first_segment = True
            seg_start = r
            for k in range(r, r + rs + 1):
                if k == r + rs or tops[k][0] != tops[seg_start][0]:
                    page_no, top = tops[seg_start]
                    h = sum(heights[seg_start:k])
                    ops = pages[page_no]
                    ops.append(f"{x:.2f} {top - h:.2f} {w:.2f} {h:.2f} re S")
                    if first_segment:
                        lines = wrapped[(r, c)]
                        ty = top - pad - size
                        for line in lines:
                            lx = x + pad if kind == "label" else x + (w - text_width(line, size)) / 2
                            ops.append(f"BT /F1 {size:g} Tf 1 0 0 1 {lx:.2f} {ty:.2f} Tm <{_hex(line)}> Tj ET")
                            ty -= leading
                        first_segment = False
                    seg_start = k
        self.y -= 12

    def finish(self) -> bytes:
        total = len(self.canvas.pages)
        for i, ops in enumerate(self.canvas.pages, 1):
            label = f"- {i} -"
            ops.append(f"BT /F1 9 Tf 1 0 0 1 {(PAGE_W - text_width(label, 9)) / 2:.2f} 40 Tm <{_hex(label)}> Tj ET")
        assert total >= 1
        return self.canvas.finish()


def build_pdf(content: SampleContent, gb1: bool = False) -> bytes:
    """The report as a text PDF in the official form's layout (deterministic bytes); ``gb1``: the font declared
    so that renderers draw it with an installed Chinese font (:class:`PdfCanvas`)."""
    flow = Flow(gb1)
    flow.paragraph(content.title, size=16, leading=28, center=True, indent=False)
    for line in content.preamble:
        flow.paragraph(line)
    tables = {2: "二", 3: "三", 4: "四"}
    for number, heading, lines in content.sections:
        flow.need(40)
        flow.paragraph(heading, size=12, leading=22, indent=False)
        for line in lines:
            flow.paragraph(line)
        if number in tables:
            flow.table(tables[number], content.cells)
    return flow.finish()


# ---------------------------------------------------------------------------
# Report content with known values
# ---------------------------------------------------------------------------


def report_values(rng: random.Random) -> dict[Key, int | None]:
    """Every cell of the 2021 form: small counts, about 5 % blank."""
    values = random_values(rng, blank_rate=0.05)
    for k, v in values.items():
        if v is not None:
            values[k] = rng.choice((0, 0, 1, 2, 3, 5, 8, 12, 20, 35, 60, 110, 240, v))
    return values


def report_content(values: dict, body: str, year: int, stem: str) -> SampleContent:
    title = f"{body}{year}年政府信息公开工作年度报告"
    content = SampleContent(stem=stem, title=title, body=body)
    content.preamble = [f"本报告依据《中华人民共和国政府信息公开条例》编制，统计期限为{year}年1月1日至{year}年12月31日。"]
    for i, (heading, text) in enumerate(SECTIONS, 1):
        lines = [text.format(body=body, year=year)] if text else []
        content.sections.append((i, heading, lines))
    content.cells = {k: str(v) for k, v in values.items() if v is not None}
    return content


_DOCX_TEMPLATE: dict = {}
_TOKEN = re.compile(r"§(\w+)§")


def docx_template() -> tuple[dict[str, bytes], list[Key]]:
    """The Word-form DOCX of tools/make_samples.py built once, with a token in every number cell,
    the body and the year (python-docx needs about a second per report; substituting takes ms)."""
    if not _DOCX_TEMPLATE:
        keys = [(c.table, c.row, c.column) for c in forms.ALL_CELLS_2021]
        content = report_content({k: f"§c{i}§" for i, k in enumerate(keys)}, "§body§", "§year§", "template")
        data = build_docx(content)
        zf = zipfile.ZipFile(io.BytesIO(data))
        _DOCX_TEMPLATE["parts"] = {i.filename: zf.read(i) for i in zf.infolist()}
        _DOCX_TEMPLATE["keys"] = keys
    return _DOCX_TEMPLATE["parts"], _DOCX_TEMPLATE["keys"]


def build_docx_from_template(values: dict, body: str, year: int) -> bytes:
    """The report as a DOCX in the Word-form layout: the template with its tokens filled in."""
    parts, keys = docx_template()
    fill = {f"c{i}": "" if values.get(k) is None else str(values[k]) for i, k in enumerate(keys)}
    fill.update(body=body, year=str(year))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name, part in parts.items():
            if name.endswith(".xml"):
                part = _TOKEN.sub(lambda m: html.escape(fill.get(m.group(1), m.group(0))),
                                  part.decode("utf-8")).encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, part)
    return buf.getvalue()


@dataclass
class CorpusFile:
    path: str
    kind: str
    values: dict | None  # (table, row, column) -> int or None (blank); None for "sample"


def _key_str(k: Key) -> str:
    return "|".join(k)


def default_dir(n: int, seed: int) -> Path:
    return Path(tempfile.gettempdir()) / f"report-bench-{CORPUS_VERSION}-{n}-{seed}"


def build_corpus(n: int, seed: int = 0, folder: Path | None = None, log=print) -> list[CorpusFile]:
    """Build (or reuse) a corpus of ``n`` files; returns the files with their known values."""
    folder = Path(folder) if folder else default_dir(n, seed)
    manifest = folder / "manifest.json"
    if manifest.exists():
        entries = json.loads(manifest.read_text("utf-8"))
        if len(entries) == n and all((folder / e["path"]).exists() for e in entries):
            return [CorpusFile(str(folder / e["path"]), e["kind"],
                               None if e["values"] is None else {tuple(k.split("|")): v for k, v in e["values"].items()})
                    for e in entries]
    folder.mkdir(parents=True, exist_ok=True)
    counts = {k: int(n * share) for k, share in MIX.items()}
    counts["pdf"] = n - sum(counts.values())
    samples = sorted((ROOT / "sample_reports").glob("[0-9][0-9][0-9]_*[0-9a-f].pdf"))
    kinds = [k for k in ("pdf", "docx", "txt", "sample") for _ in range(counts.get(k, 0))]
    random.Random(seed).shuffle(kinds)
    entries, files = [], []
    for i, kind in enumerate(kinds):
        rng = random.Random(f"{seed}-{i}")
        body = rng.choice(COUNTIES) + rng.choice(TOWNS) + "人民政府"
        year = rng.choice((2021, 2022, 2023, 2024))
        stem = f"{i:05d}_{kind}"
        values = None
        if kind == "sample":
            src = samples[i % len(samples)]
            data = src.read_bytes() + f"\n% bench copy {i}\n".encode()
            name = f"{stem}.pdf"
        else:
            values = report_values(rng)
            if kind == "txt":
                layout = rng.choice(("tabs", "cells", "pipes"))
                data = render(values, layout, rng, body=body, year=year).encode("utf-8")
                name = f"{stem}.txt"
            else:
                content = report_content(values, body, year, stem)
                data = build_pdf(content) if kind == "pdf" else build_docx_from_template(values, body, year)
                name = f"{stem}.{kind}"
        (folder / name).write_bytes(data)
        files.append(CorpusFile(str(folder / name), kind, values))
        entries.append({"path": name, "kind": kind, "sha256": hashlib.sha256(data).hexdigest(),
                        "values": None if values is None else {_key_str(k): v for k, v in values.items()}})
        if log and (i + 1) % 500 == 0:
            log(f"  corpus: {i + 1}/{n} files")
    manifest.write_text(json.dumps(entries, ensure_ascii=False), "utf-8")
    return files


if __name__ == "__main__":  # build a corpus and say where it is
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    built = build_corpus(a.n, a.seed, a.out)
    print(f"{len(built)} files in {Path(built[0].path).parent}")
