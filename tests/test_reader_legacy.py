import shutil
import subprocess

import docx
import pytest

from parsing.model import Grid, ReportError, TextBlock
from parsing.readers import legacy, read_document

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HAVE_SOFFICE = legacy.find_soffice() is not None


def test_without_libreoffice_the_message_says_how_to_save_as_docx_or_pdf(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(ReportError) as err:
        legacy.read_legacy(OLE2_MAGIC + b"\x00" * 512, "寨科乡年报.wps")
    msg = err.value.message
    assert "寨科乡年报.wps" in msg
    for words in ("LibreOffice", "WPS", "Word", "另存为", "DOCX", "PDF"):
        assert words in msg


def test_registry_routes_ole2_bytes_to_the_legacy_reader(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(ReportError, match="另存为"):
        read_document(OLE2_MAGIC + b"\x00" * 512, "报告.doc")


def test_libreoffice_is_looked_up_under_both_names(monkeypatch):
    seen = []
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: seen.append(name) or
                        ("/opt/lo/libreoffice" if name == "libreoffice" else None))
    assert legacy.find_soffice() == "/opt/lo/libreoffice"
    assert seen == ["soffice", "libreoffice"]


@pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice (soffice) is not installed")
def test_doc_converted_by_libreoffice_keeps_text_order_and_merged_cells(tmp_path):
    d = docx.Document()
    d.add_paragraph("二、主动公开政府信息情况")
    t = d.add_table(rows=3, cols=3)
    t.style = "Table Grid"
    t.cell(0, 0).merge(t.cell(0, 2)).text = "第二十条第（一）项"
    t.cell(1, 0).merge(t.cell(2, 0)).text = "信息内容"
    t.cell(1, 1).text, t.cell(1, 2).text = "本年制发件数", "现行有效件数"
    t.cell(2, 1).text, t.cell(2, 2).text = "6", ""
    d.add_paragraph("三、收到和处理政府信息公开申请情况")  # LibreOffice drops a table that ends the document
    src = tmp_path / "form.docx"
    d.save(src)
    subprocess.run(
        [legacy.find_soffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "doc:MS Word 97", "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=120,
    )
    data = (tmp_path / "form.doc").read_bytes()
    assert data.startswith(OLE2_MAGIC)

    for name in ("报告.doc", "报告.wps"):  # a Kingsoft .wps is DOC-based
        doc = read_document(data, name)
        assert doc.format == "legacy" and any("LibreOffice" in n for n in doc.notes)
        assert [type(i) for i in doc.items] == [TextBlock, Grid, TextBlock]
        rows = [[c.text if c is not None else None for c in r] for r in doc.items[1].rows]
        assert rows == [
            ["第二十条第（一）项", None, None],
            ["信息内容", "本年制发件数", "现行有效件数"],
            [None, "6", ""],
        ]


@pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice (soffice) is not installed")
def test_garbage_legacy_file_gives_a_report_error():
    with pytest.raises(ReportError):
        legacy.read_legacy(OLE2_MAGIC + b"\x00" * 2048, "坏.doc")
