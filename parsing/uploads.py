"""What a reviewer drops, turned into report files: ZIP archives expanded, folders walked, safely.

Everything here is untrusted input: ZIP member names (in whatever encoding the archiver used), paths that try to
leave the archive, archives that expand to far more than they weigh. :func:`expand` turns dropped files into
report files (ZIPs expanded, everything else passed through); :func:`expand_zip` expands one archive;
:func:`folder_files` lists the report files of a folder tree. Refusals are Chinese messages in
:attr:`Expanded.messages`; nothing here raises for bad input.

Member names are decoded as the archiver meant them (:func:`member_name`): the UTF-8 flag (bit 11) first; then the
Info-ZIP Unicode Path extra field (0x7075) when its checksum matches; then the raw bytes as UTF-8 (Linux ``zip``,
macOS), then as GB18030 (Windows' GBK names); zipfile's cp437 reading of unflagged names is undone first.

This module never imports streamlit or plotly.
"""
from __future__ import annotations

import io
import os
import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .readers import EXTENSIONS

# Report files by extension: what the reader registry takes.
REPORT_EXTENSIONS = tuple(EXTENSIONS)
# Extensions that are ZIP containers but reports in their own right (never expanded).
_ZIP_DOCUMENTS = (".docx", ".doc", ".wps", ".xlsx")

# One archive (a province's batch is a few hundred reports of a few MB each).
ZIP_MAX_MEMBERS = 500
ZIP_MAX_TOTAL_BYTES = 300 * 1024 * 1024
ZIP_MAX_RATIO = 200  # uncompressed / compressed for one member over 1 MB
# Everything the archives of one session (one browser tab) may expand to, together.
SESSION_MAX_BYTES = 1024 * 1024 * 1024
SESSION_MAX_MEMBERS = 2000

_UTF8_FLAG = 0x800
_UNICODE_PATH_EXTRA = 0x7075


@dataclass
class Upload:
    """One file: its name as the reviewer would recognise it (``archive.zip/folder/file.pdf`` for a member) and
    its bytes."""

    name: str
    data: bytes


@dataclass
class Expanded:
    files: list[Upload] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


@dataclass
class Budget:
    """What archives may still expand to (bytes, members); one per session, spent by :func:`expand_zip`."""

    bytes_left: int = SESSION_MAX_BYTES
    members_left: int = SESSION_MAX_MEMBERS

    @property
    def spent(self) -> bool:
        return self.bytes_left <= 0 or self.members_left <= 0


def _mb(n: int) -> str:
    return f"{n / 1048576:.0f}"


# ---------------------------------------------------------------------------
# Member names
# ---------------------------------------------------------------------------

def _raw_name(info: zipfile.ZipInfo) -> Optional[bytes]:
    """The name's bytes as stored, for a name without the UTF-8 flag (zipfile read them as cp437)."""
    if info.flag_bits & _UTF8_FLAG:
        return None
    try:
        return info.filename.encode("cp437")
    except UnicodeEncodeError:  # zipfile was told another metadata encoding
        return None


def _unicode_path_field(info: zipfile.ZipInfo, raw: bytes) -> Optional[str]:
    """The Info-ZIP Unicode Path extra field (0x7075: version 1, CRC-32 of the stored name, UTF-8 name), if it
    belongs to this name."""
    extra, i = info.extra or b"", 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4:i + 4 + size]
        i += 4 + size
        if tag != _UNICODE_PATH_EXTRA or len(body) < 5 or body[0] != 1:
            continue
        (crc,) = struct.unpack_from("<I", body, 1)
        if crc != zlib.crc32(raw):
            continue  # the name was changed after the field was written: the field is stale
        try:
            return body[5:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as the archiver meant it (see the module docstring for the order tried)."""
    raw = _raw_name(info)
    if raw is None:
        return info.filename
    if raw.isascii():
        return info.filename
    unicode_path = _unicode_path_field(info, raw)
    if unicode_path:
        return unicode_path
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def is_safe_member(name: str) -> bool:
    """False for names that would leave the archive: absolute, drive letters, ``..``, empty parts."""
    n = name.replace("\\", "/")
    if n.startswith("/") or (len(n) > 1 and n[1] == ":"):
        return False
    parts = posixpath.normpath(n).split("/")
    return ".." not in parts and not any(p == "" for p in parts)


def is_report_name(name: str) -> bool:
    return name.lower().endswith(REPORT_EXTENSIONS)


def is_zip(name: str, data: bytes) -> bool:
    """A ZIP archive to expand: named .zip, or ZIP bytes under a name that is not a ZIP-based document."""
    lower = name.lower()
    return lower.endswith(".zip") or (data[:4] == b"PK\x03\x04" and not lower.endswith(_ZIP_DOCUMENTS))


# ---------------------------------------------------------------------------
# Expansion
# ---------------------------------------------------------------------------

def expand_zip(data: bytes, name: str, max_members: int = ZIP_MAX_MEMBERS, max_total: int = ZIP_MAX_TOTAL_BYTES,
               budget: Optional[Budget] = None) -> Expanded:
    """Expand one ZIP archive in memory.

    Directories, hidden and ``__MACOSX`` entries are dropped; paths that leave the archive are skipped with a
    message, files that are not reports are listed in one message. An archive with more than ``max_members``
    files or declaring more than ``max_total`` bytes yields nothing but a message; a member that expands more
    than :data:`ZIP_MAX_RATIO` times is skipped; reading stops at ``max_total`` whatever the headers declare.
    ``budget`` (one per session) caps what all archives together may expand to. Members are named
    ``{name}/{member}``.
    """
    out = Expanded()
    if budget is not None and budget.spent:
        out.messages.append(f"本次会话解压的文件已达上限（{_mb(SESSION_MAX_BYTES)} MB 或 {SESSION_MAX_MEMBERS} 个文件），"
                            f"压缩包“{name}”未解压。请关闭页面重新打开后再上传。")
        return out
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        out.messages.append(f"压缩包“{name}”无法打开（{exc}），已跳过。")
        return out
    files = [i for i in infos if not i.is_dir()]
    if len(files) > max_members:
        out.messages.append(f"压缩包“{name}”包含 {len(files)} 个文件，超过上限 {max_members} 个，未解压。请分批上传。")
        return out
    declared = sum(i.file_size for i in files)
    if declared > max_total:
        out.messages.append(f"压缩包“{name}”解压后约 {_mb(declared)} MB，超过上限 {_mb(max_total)} MB，"
                            "疑似压缩炸弹，未解压。")
        return out
    total = 0
    skipped: list[str] = []
    for info in files:
        member = member_name(info)
        norm = member.replace("\\", "/")
        base = posixpath.basename(norm)
        if not is_safe_member(member):
            out.messages.append(f"压缩包“{name}”中的路径“{member}”不安全，已跳过。")
            continue
        if base.startswith(".") or norm.startswith("__MACOSX/"):
            continue
        if not is_report_name(base):
            skipped.append(base)
            continue
        if info.file_size > 1048576 and info.file_size / max(info.compress_size, 1) > ZIP_MAX_RATIO:
            out.messages.append(f"压缩包“{name}”中的“{member}”压缩比异常，疑似压缩炸弹，已跳过。")
            continue
        cap = max_total - total
        if budget is not None:
            if budget.spent:
                out.messages.append(f"本次会话解压的文件已达上限（{_mb(SESSION_MAX_BYTES)} MB 或 "
                                    f"{SESSION_MAX_MEMBERS} 个文件），压缩包“{name}”中其余文件未解压。"
                                    "请关闭页面重新打开后再上传。")
                break
            cap = min(cap, budget.bytes_left)
        try:
            with zf.open(info) as fh:  # read with a hard cap: the sizes in the headers can lie
                body = fh.read(cap + 1)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, EOFError,
                zlib.error) as exc:
            out.messages.append(f"压缩包“{name}”中的“{member}”无法解压（{exc}），已跳过。")
            continue
        if len(body) > cap:
            if budget is not None and cap == budget.bytes_left:
                budget.bytes_left = 0
                out.messages.append(f"本次会话解压的文件已超过上限 {_mb(SESSION_MAX_BYTES)} MB，"
                                    f"压缩包“{name}”中其余文件未解压。请关闭页面重新打开后再上传。")
            else:
                out.messages.append(f"压缩包“{name}”解压后超过上限 {_mb(max_total)} MB，疑似压缩炸弹，其余文件未解压。")
            break
        total += len(body)
        if budget is not None:
            budget.bytes_left -= len(body)
            budget.members_left -= 1
        out.files.append(Upload(f"{name}/{norm}", body))
    if skipped:
        out.messages.append(f"压缩包“{name}”中有 {len(skipped)} 个非报告文件已跳过：{'、'.join(skipped[:5])}"
                            + ("等" if len(skipped) > 5 else "") + "。")
    return out


def expand(uploads: Iterable[Upload], budget: Optional[Budget] = None) -> Expanded:
    """Files as dropped -> report files: ZIP archives expanded (:func:`expand_zip`), the rest as they are."""
    out = Expanded()
    for up in uploads:
        if is_zip(up.name, up.data):
            sub = expand_zip(up.data, up.name, budget=budget)
            out.files.extend(sub.files)
            out.messages.extend(sub.messages)
        else:
            out.files.append(up)
    return out


def folder_files(root: str | os.PathLike) -> list[Upload]:
    """Every report file under ``root`` (recursive, sorted by path; hidden files and folders skipped), named by
    its path relative to ``root``. ZIP archives in the folder are not expanded here (pass them to :func:`expand`)."""
    base = Path(root)
    if not base.is_dir():
        return []
    paths = []
    for dirpath, dirs, names in os.walk(base):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        paths += [Path(dirpath) / n for n in names if not n.startswith(".") and is_report_name(n)]
    rel = sorted((p.relative_to(base).as_posix(), p) for p in paths)
    return [Upload(name, p.read_bytes()) for name, p in rel]
