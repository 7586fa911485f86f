"""Hostile input: every bad file gets a clear Chinese message (or parses, when it is a real report),
within a time and a memory bound, writes nothing, and runs nothing it carries.

The hostile files are built here at test time (pypdf for PDFs, zipfile for DOCX); nothing big is
committed. Each case is one row of ``CASES``: the file, and either the words its data error must
contain or the sample whose values it must give back. An ``internal`` error is always a bug.
"""
from __future__ import annotations

import io
import os
import random
import re
import time
import zipfile
from functools import lru_cache
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from parsing import forms, limits, parse_bytes, pipeline
from parsing.workers import Limits
from tests.report_factory import random_values, render

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"
PDF = SAMPLES / "000_f2cddb79f4434941.pdf"
DOCX = SAMPLES / "000_f2cddb79f4434941.docx"
HTML = SAMPLES / "001_a7d1ab90ef2b8173_gov.html"
TXT = SAMPLES / "000_f2cddb79f4434941.txt"

TIME_BOUND = 20.0  # CPU seconds per file: a bound on the work, not a benchmark (a report takes about a second)
WORKER_MEMORY_MB = 1024  # how much a worker may grow while parsing one hostile file
MARKERS = ("evil_marker.txt", "hostile_abs_marker.txt", "xss_marker.txt")


# ---------------------------------------------------------------------------
# Building hostile files
# ---------------------------------------------------------------------------


def _pdf_bytes(writer: pypdf.PdfWriter) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def encrypted_pdf(user: str, owner: str, algorithm: str = "RC4-128") -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(PDF.read_bytes())))
    writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm)
    return _pdf_bytes(writer)


def drawn_pdf(pages: int, content: bytes, width: float = 595, height: float = 842) -> bytes:
    """``pages`` pages of ``width`` x ``height`` points, each drawing ``content`` with Helvetica as /F1."""
    writer = pypdf.PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    stream = DecodedStreamObject()
    stream.set_data(content)
    stream_ref = writer._add_object(stream)
    for _ in range(pages):
        page = writer.add_blank_page(width, height)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        page[NameObject("/Contents")] = stream_ref
    return _pdf_bytes(writer)


HELLO = b"BT /F1 12 Tf 72 720 Td (Annual report page) Tj ET"


def ruled_grid(rects: int) -> bytes:
    """A page of ``rects`` tiny ruled boxes: catnip for a table finder."""
    side = int(rects ** 0.5)
    parts = [HELLO, b"0.1 w"]
    parts += [b"%d %d 5 5 re S" % (10 + i * 6, 10 + j * 6) for i in range(side) for j in range(side)]
    return b"\n".join(parts)


def raw_pdf(catalog_extra: bytes = b"", pages_obj: bytes = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            page_obj: bytes = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>") -> bytes:
    """A hand-written PDF (no valid xref: readers must reconstruct it)."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >> endobj\n"
            b"2 0 obj " + pages_obj + b" endobj\n3 0 obj " + page_obj + b" endobj\n"
            b"trailer << /Root 1 0 R /Size 4 >>\n%%EOF\n")


def docx_with(replace: dict[str, bytes] | None = None, extra: dict[str, bytes] | None = None,
              document_tail: tuple[bytes, int] | None = None) -> bytes:
    """The sample DOCX with parts replaced or added; ``document_tail=(chunk, n)`` streams ``n``
    copies of ``chunk`` into word/document.xml just before ``</w:body>`` (a ZIP bomb)."""
    src = zipfile.ZipFile(io.BytesIO(DOCX.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if replace and info.filename in replace:
                data = replace[info.filename]
            if document_tail and info.filename == "word/document.xml":
                chunk, n = document_tail
                cut = data.rindex(b"</w:body>")
                with out.open("word/document.xml", "w", force_zip64=True) as fh:
                    fh.write(data[:cut])
                    for _ in range(n):
                        fh.write(chunk)
                    fh.write(data[cut:])
                continue
            out.writestr(info, data)
        for path, data in (extra or {}).items():
            out.writestr(path, data)
    return buf.getvalue()


def docx_with_external_entity() -> bytes:
    """word/document.xml declaring an external entity that would read /etc/passwd (XXE)."""
    xml = zipfile.ZipFile(io.BytesIO(DOCX.read_bytes())).read("word/document.xml")
    decl_end = xml.index(b"?>") + 2
    dtd = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    xml = xml[:decl_end] + dtd + xml[decl_end:]
    at = re.search(rb"<w:t(?: [^>]*)?>", xml).end()  # inside the first text run
    return docx_with(replace={"word/document.xml": xml[:at] + b"&xxe;" + xml[at:]})


def html_with_scripts_and_charset_lie() -> bytes:
    """The GBK sample page declaring UTF-8, with scripts and handlers that would write a marker."""
    data = HTML.read_bytes()
    data = data.replace(b"gb2312", b"utf-8").replace(b"GB2312", b"utf-8")
    evil = ("<script>document.write('脚本注入');fetch('file:///xss_marker.txt')</script>"
            "<img src=x onerror=\"alert('xss_marker')\"><iframe src=\"file:///etc/passwd\"></iframe>")
    return data.replace(b"<body", evil.encode("gb18030") + b"<body", 1) if b"<body" in data else evil.encode() + data


def report_text_with(cell: tuple[str, str, str], shown: str, seed: int = 7) -> tuple[bytes, dict]:
    """A text report in the seeds' tab layout whose ``cell`` is printed as ``shown``."""
    values = random_values(random.Random(seed))
    values[cell] = 987654  # a placeholder no other cell can hold
    text = render(values, "tabs", random.Random(seed)).replace("987654", shown)
    return text.encode("utf-8"), values


# ---------------------------------------------------------------------------
# Running one file under the bounds
# ---------------------------------------------------------------------------


def _tree(root: Path) -> set[str]:
    skip = {".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache", "artifacts", "node_modules"}
    out = set()
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        out.update(os.path.join(dirpath, f) for f in files)
    return out


@pytest.fixture(scope="module", autouse=True)
def nothing_written_to_the_repo():
    before = _tree(ROOT)
    yield
    new = {p for p in _tree(ROOT) - before if not p.endswith((".pyc", ".log", ".png", ".sqlite", ".db"))}
    assert not new, f"hostile input wrote files: {sorted(new)[:5]}"


def parse_hostile(data: bytes, name: str, tmp_path: Path, monkeypatch):
    """parse_bytes with the working directory in an empty temp folder; checks the time bound,
    that nothing was written, and that no reader failed unexpectedly."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    start = time.process_time()  # CPU time: a busy machine makes a parse slower, not more work
    report = parse_bytes(data, name)
    spent = time.process_time() - start
    assert spent < TIME_BOUND, f"{name}: {spent:.1f} s of CPU"
    assert report.error_kind != "internal", f"{name}: reader failure: {report.error}"
    assert list(work.iterdir()) == [], "a reader wrote into the working directory"
    for marker in MARKERS:
        assert not (tmp_path / marker).exists() and not (ROOT / marker).exists()
        assert not Path("/tmp", marker).exists()
    return report


def parse_in_capped_worker(data: bytes, name: str):
    """The same file in a worker whose memory may grow by at most WORKER_MEMORY_MB."""
    report = pipeline.parse_one(data, name, limits=Limits(cpu_seconds=TIME_BOUND * 3, memory_mb=WORKER_MEMORY_MB))
    assert "处理超时" not in (report.error or ""), report.error
    assert "内存超过上限" not in (report.error or ""), report.error
    assert report.error_kind != "internal", report.error
    return report


@lru_cache(maxsize=None)
def sample_values(path: Path) -> dict:
    return ok_values(parse_bytes(path.read_bytes(), path.name))


def ok_values(report) -> dict:
    v = report.values
    return {(r.table, r.row, r.column): r.value for r in v[v["status"] == "ok"].itertuples()}


# ---------------------------------------------------------------------------
# The cases: (id, builder, file name, expectation, heavy)
#   expectation: ("error", words the Chinese message must contain, any of them)
#                ("parse", the sample whose values the file must give back)
#   heavy: also run in a memory-capped worker
# ---------------------------------------------------------------------------

UNREADABLE_REPORT = "不是政府信息公开工作年度报告"

CASES = [
    ("empty", lambda: b"", "报告.pdf", ("error", ["空文件"]), False),
    ("truncated_pdf", lambda: PDF.read_bytes()[: len(PDF.read_bytes()) // 2], "截断.pdf",
     ("error", ["不完整", "损坏"]), False),
    ("pdf_header_only", lambda: PDF.read_bytes()[:100], "头.pdf", ("error", ["不完整", "损坏"]), False),
    ("pdf_named_docx", lambda: PDF.read_bytes(), "报告.docx", ("parse", PDF), False),
    ("binary_named_txt", lambda: bytes(random.Random(5).randrange(1, 256) for _ in range(20000)), "报告.txt",
     ("error", ["二进制", UNREADABLE_REPORT]), False),
    ("elf_named_txt", lambda: b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 40, "报告.txt",
     ("error", ["二进制", UNREADABLE_REPORT]), False),
    ("encrypted_user_password", lambda: encrypted_pdf("secret", "owner"), "加密.pdf",
     ("error", ["加密", "密码"]), False),
    ("encrypted_user_password_aes", lambda: encrypted_pdf("secret", "owner", "AES-256"), "加密.pdf",
     ("error", ["加密", "密码"]), False),
    ("owner_password_only", lambda: encrypted_pdf("", "owner"), "限制.pdf", ("parse", PDF), False),
    ("owner_password_only_aes", lambda: encrypted_pdf("", "owner", "AES-128"), "限制.pdf", ("parse", PDF), False),
    ("thousands_of_pages", lambda: drawn_pdf(3000, HELLO), "长.pdf", ("error", ["3000 页", "最多"]), True),
    ("many_pages_below_limit", lambda: drawn_pdf(limits.MAX_PAGES, HELLO), "长.pdf",
     ("error", [UNREADABLE_REPORT]), True),
    ("huge_page", lambda: drawn_pdf(1, HELLO, 14400, 14400), "大页.pdf", ("error", [UNREADABLE_REPORT]), True),
    ("absurd_page_size", lambda: drawn_pdf(1, HELLO, 1e9, 1e9), "大页.pdf", ("error", [UNREADABLE_REPORT]), True),
    ("page_of_40000_boxes", lambda: drawn_pdf(1, ruled_grid(40000)), "格.pdf", ("error", [UNREADABLE_REPORT]), True),
    ("deeply_nested_arrays", lambda: raw_pdf(b"/X " + b"[" * 200000 + b"]" * 200000), "嵌套.pdf",
     ("error", ["没有可读取", UNREADABLE_REPORT, "损坏"]), True),
    ("deeply_nested_dicts", lambda: raw_pdf(b"/X " + b"<</A " * 50000 + b"1" + b">>" * 50000), "嵌套.pdf",
     ("error", ["没有可读取", UNREADABLE_REPORT, "损坏"]), True),
    ("page_tree_loop", lambda: raw_pdf(pages_obj=b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 9 >>",
                                       page_obj=b"<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>"),
     "环.pdf", ("error", ["没有", "损坏", UNREADABLE_REPORT]), False),
    ("javascript_open_action", lambda: raw_pdf(
        b"/OpenAction << /S /JavaScript /JS (app.launchURL('file:///evil_marker.txt');) >>"), "脚本.pdf",
     ("error", ["没有可读取", UNREADABLE_REPORT]), False),
    ("docx_not_a_zip", lambda: b"PK but not really a zip archive " * 20, "报告.docx", ("error", ["DOCX"]), False),
    ("zip_bomb_docx", lambda: docx_with(document_tail=(b"<w:p><w:r><w:t>" + b"A" * (1 << 20) + b"</w:t></w:r></w:p>",
                                                       400)), "炸弹.docx", ("error", ["解压", "压缩"]), True),
    ("zip_slip_docx", lambda: docx_with(extra={"../../evil_marker.txt": b"x", "/tmp/hostile_abs_marker.txt": b"x"}),
     "穿越.docx", ("parse", DOCX), False),
    ("docx_external_entity", docx_with_external_entity, "实体.docx", ("parse", DOCX), False),
    ("html_scripts_charset_lie", html_with_scripts_and_charset_lie, "网页.html", ("parse", HTML), False),
    ("text_in_big5", lambda: TXT.read_text("utf-8").encode("big5", "replace"), "繁体.txt",
     ("error", [UNREADABLE_REPORT]), False),
    ("text_not_in_any_encoding", lambda: bytes(range(0x80, 0x100)) * 40, "乱码.txt",
     ("error", [UNREADABLE_REPORT, "编码"]), False),
]


# Known failures, each a bug to fix in a reader (remove the entry once fixed; the case then runs).
KNOWN_FAILURES: dict[str, str] = {}


def _param(case):
    reason = KNOWN_FAILURES.get(case[0])
    marks = [pytest.mark.xfail(run=False, reason=reason)] if reason else []
    return pytest.param(*case, id=case[0], marks=marks)


@pytest.mark.parametrize("case_id,build,name,expect,heavy", [_param(c) for c in CASES])
def test_hostile_file(case_id, build, name, expect, heavy, tmp_path, monkeypatch):
    data = build()
    report = parse_hostile(data, name, tmp_path, monkeypatch)
    kind, what = expect
    if kind == "error":
        assert report.error_kind == "data", f"expected a data error, got {report.error!r}"
        assert any(w in report.error for w in what), report.error
        assert report.values.empty or not (report.values["status"] == "ok").any()
    else:
        assert report.error is None, report.error
        assert ok_values(report) == sample_values(what)
        assert "passwd" not in report.text and "root:x:0" not in report.text
        assert "脚本注入" not in report.text and "alert(" not in report.text and "<script" not in report.text
    if heavy:
        capped = parse_in_capped_worker(data, name)
        assert capped.error == report.error


# ---------------------------------------------------------------------------
# Numbers written as words or with thousands separators
# ---------------------------------------------------------------------------

CELL = ("三", forms.ROWS_三_2021[0].key, "商业企业")


@pytest.mark.parametrize("shown,value", [("1,234", 1234), ("1，234", 1234), ("12,345,678", 12345678)])
def test_thousands_separators_are_read(shown, value, tmp_path, monkeypatch):
    data, values = report_text_with(CELL, shown)
    report = parse_hostile(data, "千分位.txt", tmp_path, monkeypatch)
    assert report.error is None
    assert report.value(*CELL) == value
    others = {k: v for k, v in values.items() if k != CELL}
    assert all(report.value(*k) == v for k, v in others.items())


@pytest.mark.parametrize("shown,value", [("十二", 12), ("零", 0), ("一百零五", 105)])
def test_numbers_written_as_words_are_never_zero_or_moved(shown, value, tmp_path, monkeypatch):
    """A word number is read as its value or marked unreadable; it never becomes another
    number, and no value lands in another cell."""
    data, values = report_text_with(CELL, shown)
    report = parse_hostile(data, "大写.txt", tmp_path, monkeypatch)
    assert report.error is None
    v = report.values
    hit = v[(v["table"] == CELL[0]) & (v["row"] == CELL[1]) & (v["column"] == CELL[2])].iloc[0]
    assert (hit["status"] == "ok" and hit["value"] == value) or hit["status"] == "unreadable"
    for key, expected in values.items():
        if key == CELL:
            continue
        got = report.value(*key)
        same_row = key[:2] == CELL[:2]
        # cells of the same row may be unreadable (the row could not be aligned), never wrong
        assert got == expected or (same_row and got is None), (key, expected, got)
