"""Reader for legacy Word (.doc) and Kingsoft WPS (.wps) files, through LibreOffice.

Kingsoft .wps files are built on the MS binary DOC format and LibreOffice imports them.
When ``soffice`` (or ``libreoffice``) is on PATH, the file is converted to DOCX in a
temporary directory of its own (two files ``a.doc`` and ``a.wps`` would otherwise both
become ``a.docx``) with a private LibreOffice profile (so concurrent conversions do not
block each other) and a time limit, and the DOCX is read by
:func:`parsing.readers.docx.read_docx`. Without LibreOffice a :class:`ReportError` tells
the reviewer how to save the file as DOCX or PDF.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path

from ..model import Document, ReportError
from .docx import read_docx

TIMEOUT_S = 60
SOFFICE_NAMES = ("soffice", "libreoffice")
_KEEP_EXT = (".doc", ".wps", ".rtf", ".dot", ".wpt")


def find_soffice() -> str | None:
    """Path of the LibreOffice executable, or None when it is not installed."""
    for exe in SOFFICE_NAMES:
        path = shutil.which(exe)
        if path:
            return path
    return None


def no_soffice_message(name: str) -> str:
    return (
        f"无法直接读取旧版 Word/WPS 文件“{name}”：本机未安装 LibreOffice，不能转换 DOC/WPS 格式。"
        "请用 WPS 或 Word 打开该文件，选择“另存为”DOCX 或 PDF 格式后重新上传。"
    )


def read_legacy(data: bytes, name: str) -> Document:
    """Read a .doc/.wps file's bytes by converting them to DOCX with LibreOffice.

    Returns the :class:`Document` of the converted file (``page`` None everywhere, as for
    DOCX) with a note that it was converted. Raises :class:`ReportError` when LibreOffice
    is missing, times out (60 s) or cannot convert the file.
    """
    exe = find_soffice()
    if exe is None:
        raise ReportError(no_soffice_message(name), details="soffice/libreoffice not on PATH")
    docx_bytes = convert_to_docx(data, name, exe)
    doc = read_docx(docx_bytes, name)
    doc.format = "legacy"
    doc.notes.append(f"“{name}”为旧版 Word/WPS 格式，已通过 LibreOffice 转换为 DOCX 后读取。")
    return doc


def convert_to_docx(data: bytes, name: str, exe: str, timeout: float = TIMEOUT_S) -> bytes:
    """Convert legacy document bytes to DOCX bytes with LibreOffice in a private temp dir."""
    ext = os.path.splitext(name.lower())[1]
    ext = ext if ext in _KEEP_EXT else ".doc"
    with tempfile.TemporaryDirectory(prefix="legacy-") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / f"input{ext}"
        src.write_bytes(data)
        outdir = tmpdir / "out"
        outdir.mkdir()
        profile = tmpdir / f"lo-{uuid.uuid4().hex}"
        cmd = [
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(outdir),
            str(src),
        ]
        # own process group, so a hung soffice.bin (a grandchild of the soffice script) can be killed
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ReportError(
                f"转换旧版 Word/WPS 文件“{name}”超时（超过 {int(timeout)} 秒）。"
                "请用 WPS 或 Word 打开该文件，另存为 DOCX 或 PDF 后重新上传。",
                details=f"timeout after {timeout}s: {' '.join(cmd)}",
            ) from None
        produced = sorted(outdir.glob("*.docx"))
        if proc.returncode != 0 or not produced:
            raise ReportError(
                f"LibreOffice 无法转换文件“{name}”（文件可能已损坏或不是 Word/WPS 文档）。"
                "请用 WPS 或 Word 打开该文件，另存为 DOCX 或 PDF 后重新上传。",
                details=f"rc={proc.returncode} stdout={out.decode(errors='replace')!r} "
                f"stderr={err.decode(errors='replace')!r}",
            )
        return produced[0].read_bytes()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()
