"""ZIP and folder expansion (parsing.uploads): member names in every encoding archivers use, path safety, limits.

The archives are made here, byte for byte as the archivers write them: Windows' built-in "send to compressed
folder" and older WinRAR/360压缩 store GBK names without the UTF-8 flag; Linux ``zip`` stores UTF-8 bytes without the
flag (and adds an Info-ZIP Unicode Path field); Python, 7-Zip and macOS set the flag.
"""
import io
import struct
import zipfile
import zlib

from parsing import uploads
from parsing.uploads import Budget, Upload

NAMES = ["浓桥镇2022年政府信息公开工作年度报告.txt", "年报/群科镇人民政府2023年度报告.pdf", "寨科乡（2021）.docx"]


class RawNameInfo(zipfile.ZipInfo):
    """A member whose name is written as the given bytes, without the UTF-8 flag, as Windows archivers do."""

    def __init__(self, raw: bytes, extra: bytes = b""):
        super().__init__("placeholder")
        self.raw = raw
        self.filename = raw.decode("cp437")  # what zipfile reads back for a name without the flag
        self.extra = extra
        self.compress_type = zipfile.ZIP_DEFLATED

    def _encodeFilenameFlags(self):
        return self.raw, self.flag_bits & ~0x800


def zip_raw(members: list[tuple[bytes, bytes]], extra_for=None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for raw, data in members:
            z.writestr(RawNameInfo(raw, extra_for(raw) if extra_for else b""), data)
    return buf.getvalue()


def zip_of(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            if name.endswith("/"):
                z.writestr(zipfile.ZipInfo(name), b"")
            else:
                z.writestr(name, data)
    return buf.getvalue()


def names(out) -> list[str]:
    return [u.name for u in out.files]


def test_windows_gbk_names_without_the_utf8_flag():
    data = zip_raw([(n.encode("gbk"), b"x") for n in NAMES])
    # What zipfile alone shows for them: the mojibake of the issue.
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()[0] != NAMES[0]
    assert names(uploads.expand_zip(data, "批量.zip")) == [f"批量.zip/{n}" for n in NAMES]


def test_linux_zip_utf8_names_without_the_flag():
    data = zip_raw([(n.encode("utf-8"), b"x") for n in NAMES])
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()[0].startswith("µ")  # µ╡ôµíÑΘòç…
    assert names(uploads.expand_zip(data, "a.zip")) == [f"a.zip/{n}" for n in NAMES]


def test_names_with_the_utf8_flag():
    data = zip_of({n: b"x" for n in NAMES})
    assert all(i.flag_bits & 0x800 for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert names(uploads.expand_zip(data, "a.zip")) == [f"a.zip/{n}" for n in NAMES]


def test_info_zip_unicode_path_field_wins_over_the_stored_name():
    def unicode_path(raw: bytes) -> bytes:
        name = raw.decode("gbk").encode("utf-8")
        body = b"\x01" + struct.pack("<I", zlib.crc32(raw)) + name
        return struct.pack("<HH", 0x7075, len(body)) + body

    data = zip_raw([(n.encode("gbk"), b"x") for n in NAMES], extra_for=unicode_path)
    assert names(uploads.expand_zip(data, "a.zip")) == [f"a.zip/{n}" for n in NAMES]

    def stale(raw: bytes) -> bytes:  # a field whose checksum is not the stored name's is ignored
        body = b"\x01" + struct.pack("<I", zlib.crc32(b"other")) + "别的名字.txt".encode("utf-8")
        return struct.pack("<HH", 0x7075, len(body)) + body

    data = zip_raw([(NAMES[0].encode("gbk"), b"x")], extra_for=stale)
    assert names(uploads.expand_zip(data, "a.zip")) == [f"a.zip/{NAMES[0]}"]


def test_ascii_names_and_windows_backslashes():
    data = zip_raw([(b"dir\\report.txt", b"x"), (b"plain.txt", b"y")])
    assert names(uploads.expand_zip(data, "a.zip")) == ["a.zip/dir/report.txt", "a.zip/plain.txt"]


def test_zip_expands_reports_and_skips_unsafe_paths():
    data = zip_of({"年报/": b"", "年报/甲镇.txt": "甲".encode(), "../evil.txt": b"x", "/abs.txt": b"y",
                   "说明.xls": b"z", "__MACOSX/._a.txt": b"", ".hidden.txt": b"h"})
    out = uploads.expand([Upload("batch.zip", data)])
    assert names(out) == ["batch.zip/年报/甲镇.txt"]
    assert any("不安全" in m and "../evil.txt" in m for m in out.messages)
    assert any("非报告文件" in m and "说明.xls" in m for m in out.messages)
    gbk_escape = zip_raw([("..\\..\\浓桥镇.txt".encode("gbk"), b"x")])
    out = uploads.expand_zip(gbk_escape, "a.zip")
    assert out.files == [] and "不安全" in out.messages[0] and "浓桥镇" in out.messages[0]


def test_zip_bomb_and_member_cap():
    bomb = zip_of({"a.txt": b"0" * (3 * 1024 * 1024)})
    out = uploads.expand_zip(bomb, "bomb.zip", max_total=1024 * 1024)
    assert out.files == [] and "压缩炸弹" in out.messages[0]
    ratio = zip_of({"big.txt": b"0" * (2 * 1024 * 1024)})  # 2 MB of zeros: ratio about 1000
    out = uploads.expand_zip(ratio, "ratio.zip")
    assert out.files == [] and "压缩比异常" in out.messages[0]
    many = zip_of({f"{i}.txt": b"x" for i in range(6)})
    out = uploads.expand_zip(many, "many.zip", max_members=5)
    assert out.files == [] and "超过上限" in out.messages[0]
    out = uploads.expand_zip(b"PK\x03\x04garbage", "bad.zip")
    assert out.files == [] and "无法打开" in out.messages[0]


def test_what_one_session_may_expand_is_capped():
    data = zip_of({f"{i}.txt": bytes([65 + i]) * 1000 for i in range(3)})
    budget = Budget(bytes_left=2500, members_left=100)
    first = uploads.expand([Upload("a.zip", data)], budget)
    assert names(first) == ["a.zip/0.txt", "a.zip/1.txt"]
    assert any("会话" in m and "上限" in m for m in first.messages)
    again = uploads.expand([Upload("b.zip", data)], budget)
    assert again.files == [] and "会话" in again.messages[0]
    # a plain file is no archive: it passes whatever the budget
    assert names(uploads.expand([Upload("c.txt", b"x")], budget)) == ["c.txt"]
    by_count = Budget(members_left=2)
    assert len(uploads.expand([Upload("a.zip", data)], by_count).files) == 2 and by_count.spent


def test_docx_is_not_treated_as_zip():
    data = zip_of({"word/document.xml": b"<x/>"})
    out = uploads.expand([Upload("a.docx", data)])
    assert names(out) == ["a.docx"]
    # ZIP bytes under another name are expanded
    assert names(uploads.expand([Upload("download", zip_of({"x.txt": b"1"}))])) == ["download/x.txt"]


def test_folder_files_lists_reports_sorted_and_skips_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for rel in ["b/乙镇.txt", "a.pdf", "c.xls", ".hidden.txt", ".git/x.txt", "b/d.DOCX"]:
        (tmp_path / rel).write_bytes(b"x")
    assert [u.name for u in uploads.folder_files(tmp_path)] == ["a.pdf", "b/d.DOCX", "b/乙镇.txt"]
    assert uploads.folder_files(tmp_path / "missing") == []
