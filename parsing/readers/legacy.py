"""Reader for legacy Word (.doc) and Kingsoft WPS (.wps) files, through a converter installed on the machine.

Kingsoft WPS writes .wps files in the MS Word 97 binary format (an OLE2 compound file with a ``WordDocument``
stream), so every converter of .doc reads them too. The converters are tried in this order, the first one
installed that gives text wins:

1. ``wvWare`` (Debian package ``wv``, the Word importer of AbiWord): the document as HTML with its tables as
   ``<table>`` rows and cells (merged cells as ``rowspan``/``colspan``), read by
   :func:`parsing.readers.html.read_html`. It starts in milliseconds and needs nothing else.
2. LibreOffice (``soffice``/``libreoffice``): converted to DOCX (with a private profile per conversion and a
   temporary directory of its own) and read by :func:`parsing.readers.docx.read_docx`. It starts in seconds.
3. ``catdoc`` (Debian package ``catdoc``): plain text, table cells separated by tabs, read by
   :func:`parsing.readers.text.read_text` (the form-driven matcher reads text of any layout).

Every converter runs in a child process of its own, in a private temporary directory, with a wall-clock time
limit, a CPU-time limit, a memory limit and a cap on the size of what it writes (``resource`` limits set in the
child). Its output is untrusted input like any other file. When none is installed, or none can read the file, a
:class:`ReportError` tells the reviewer how to save the file as DOCX or PDF.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Callable, Optional

from ..model import Document, ReportError
from .docx import read_docx

TIMEOUT_S = 60
MAX_OUTPUT_MB = 100  # what a converter may write (its HTML, text or DOCX, and any picture files)
MAX_MEMORY_MB = 1024  # address space of a converter (LibreOffice is given no memory limit: it maps far more)
SOFFICE_NAMES = ("soffice", "libreoffice")
WVWARE, CATDOC = "wvWare", "catdoc"
_KEEP_EXT = (".doc", ".wps", ".rtf", ".dot", ".wpt")

NOTE_CONVERTED = "“{name}”为旧版 Word/WPS 格式，已通过 {tool} 转换为{target}后读取。"


def find_soffice() -> str | None:
    """Path of the LibreOffice executable, or None when it is not installed."""
    for exe in SOFFICE_NAMES:
        path = shutil.which(exe)
        if path:
            return path
    return None


def no_converter_message(name: str) -> str:
    return (
        f"无法直接读取旧版 Word/WPS 文件“{name}”：本机未安装可转换 DOC/WPS 格式的程序"
        "（wv、LibreOffice 或 catdoc，安装方法见 README）。"
        "请用 WPS 或 Word 打开该文件，选择“另存为”DOCX 或 PDF 格式后重新上传。"
    )


no_soffice_message = no_converter_message  # the former name


def unreadable_message(name: str) -> str:
    return (f"无法转换旧版 Word/WPS 文件“{name}”（文件可能已损坏、加密，或不是 Word/WPS 文档）。"
            "请用 WPS 或 Word 打开该文件，另存为 DOCX 或 PDF 后重新上传。")


def converters() -> list[tuple[str, str]]:
    """The converters installed on this machine, in the order they are tried: ``(tool, executable)``."""
    out = []
    for tool, exe in ((WVWARE, shutil.which(WVWARE)), ("LibreOffice", find_soffice()), (CATDOC, shutil.which(CATDOC))):
        if exe:
            out.append((tool, exe))
    return out


def read_legacy(data: bytes, name: str, tools: Optional[list[str]] = None) -> Document:
    """Read a .doc/.wps file's bytes through the first installed converter that reads it.

    ``tools`` restricts the converters tried (names as in :func:`converters`: ``wvWare``, ``LibreOffice``,
    ``catdoc``), e.g. to test one of them. Returns the :class:`Document` of the converted file (``page`` None
    everywhere, as for DOCX and HTML) with a note naming the converter. Raises :class:`ReportError` when no
    converter is installed, or none can read the file (damaged, encrypted, not a Word document, over a limit).
    """
    available = [(t, exe) for t, exe in converters() if tools is None or t in tools]
    if not available:
        raise ReportError(no_converter_message(name), details="none of wvWare, soffice, catdoc on PATH")
    details = []
    for tool, exe in available:
        try:
            doc = _CONVERT[tool](data, name, exe)
        except ReportError as exc:
            details.append(f"{tool}: {exc.details or exc.message}")
            if exc.details.startswith("timeout"):
                raise
            continue
        if doc.items:
            doc.format = "legacy"
            return doc
        details.append(f"{tool}: no text")
    raise ReportError(unreadable_message(name), details="; ".join(details))


# ---------------------------------------------------------------------------
# Running a converter
# ---------------------------------------------------------------------------

def _limits(cpu_s: float, memory_mb: Optional[int]) -> Callable[[], None]:
    def apply() -> None:  # in the child, between fork and exec: only plain system calls
        cpu = int(cpu_s) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        size = MAX_OUTPUT_MB << 20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        if memory_mb:
            mem = memory_mb << 20
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _run(cmd: list[str], name: str, tool: str, cwd: Path, timeout: float,
         memory_mb: Optional[int] = MAX_MEMORY_MB) -> bytes:
    """Run a converter; its standard output (at most :data:`MAX_OUTPUT_MB`). Raises ReportError on a timeout."""
    out_path = cwd / f"stdout-{uuid.uuid4().hex}"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "LANG": "C.UTF-8", "TMPDIR": str(cwd)}
    with open(out_path, "wb") as out:
        # own process group, so a hung grandchild (soffice.bin under the soffice script) can be killed
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=cwd,
                                env=env, start_new_session=True, preexec_fn=_limits(timeout, memory_mb))
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ReportError(
                f"转换旧版 Word/WPS 文件“{name}”超时（超过 {int(timeout)} 秒）。"
                "请用 WPS 或 Word 打开该文件，另存为 DOCX 或 PDF 后重新上传。",
                details=f"timeout after {timeout}s: {tool}",
            ) from None
    with open(out_path, "rb") as fh:
        output = fh.read(MAX_OUTPUT_MB << 20)
    if proc.returncode != 0:
        raise ReportError(unreadable_message(name),
                          details=f"{tool} rc={proc.returncode} stderr={err[:500].decode(errors='replace')!r}")
    return output


def _input_file(tmpdir: Path, data: bytes, name: str) -> Path:
    ext = os.path.splitext(name.lower())[1]
    src = tmpdir / f"input{ext if ext in _KEEP_EXT else '.doc'}"
    src.write_bytes(data)
    return src


def convert_with_wvware(data: bytes, name: str, exe: str, timeout: float = TIMEOUT_S) -> Document:
    """The document through ``wvWare`` as HTML (tables kept), read by the HTML reader."""
    from .html import read_html

    with tempfile.TemporaryDirectory(prefix="legacy-") as tmp:
        tmpdir = Path(tmp)
        src = _input_file(tmpdir, data, name)
        pictures = tmpdir / "pictures"
        pictures.mkdir()
        html = _run([exe, "--charset=utf-8", "--nographics", f"--dir={pictures}", str(src)], name, WVWARE,
                    tmpdir, timeout)
    if b"<body" not in html.lower():
        raise ReportError(unreadable_message(name), details="wvWare: no HTML body")
    doc = read_html(html, name)
    doc.notes.append(NOTE_CONVERTED.format(name=os.path.basename(name), tool="wvWare", target="HTML"))
    return doc


def convert_with_catdoc(data: bytes, name: str, exe: str, timeout: float = TIMEOUT_S) -> Document:
    """The document's text through ``catdoc`` (table cells separated by tabs), read by the text reader."""
    from .text import read_text

    with tempfile.TemporaryDirectory(prefix="legacy-") as tmp:
        tmpdir = Path(tmp)
        src = _input_file(tmpdir, data, name)
        text = _run([exe, "-d", "utf-8", "-w", str(src)], name, CATDOC, tmpdir, timeout)
    if not text.strip():
        raise ReportError(unreadable_message(name), details="catdoc: no text")
    doc = read_text(text, f"{os.path.splitext(name)[0]}.txt")
    doc.notes.append(NOTE_CONVERTED.format(name=os.path.basename(name), tool="catdoc", target="纯文本"))
    return doc


def convert_with_soffice(data: bytes, name: str, exe: str, timeout: float = TIMEOUT_S) -> Document:
    docx_bytes = convert_to_docx(data, name, exe, timeout)
    doc = read_docx(docx_bytes, name)
    doc.notes.append(NOTE_CONVERTED.format(name=os.path.basename(name), tool="LibreOffice", target="DOCX"))
    return doc


def convert_to_docx(data: bytes, name: str, exe: str, timeout: float = TIMEOUT_S) -> bytes:
    """Convert legacy document bytes to DOCX bytes with LibreOffice in a private temp dir."""
    with tempfile.TemporaryDirectory(prefix="legacy-") as tmp:
        tmpdir = Path(tmp)
        src = _input_file(tmpdir, data, name)
        outdir = tmpdir / "out"
        outdir.mkdir()
        profile = tmpdir / f"lo-{uuid.uuid4().hex}"
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir), str(src)]
        _run(cmd, name, "LibreOffice", tmpdir, timeout, memory_mb=None)
        produced = sorted(outdir.glob("*.docx"))
        if not produced:
            raise ReportError(
                f"LibreOffice 无法转换文件“{name}”（文件可能已损坏或不是 Word/WPS 文档）。"
                "请用 WPS 或 Word 打开该文件，另存为 DOCX 或 PDF 后重新上传。",
                details="LibreOffice produced no DOCX",
            )
        return produced[0].read_bytes()


_CONVERT = {WVWARE: convert_with_wvware, "LibreOffice": convert_with_soffice, CATDOC: convert_with_catdoc}


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()
