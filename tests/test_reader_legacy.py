"""Legacy .doc/.wps: read through wvWare (no LibreOffice needed), LibreOffice where installed, catdoc as text.

The committed fixtures (``sample_reports/*.doc``, ``*.wps``: the sample DOCX saved by LibreOffice in the Word 97
binary format) are read in CI by wvWare alone; their golden files and the cross-format test (every value equal
to the seed's) cover them. CI installs ``wv`` and ``catdoc`` (``.ci/run``), never LibreOffice.
"""
import math
import shutil
import subprocess
from pathlib import Path

import docx
import pytest

from parsing import parse_bytes, parse_path
from parsing.model import Grid, ReportError, TextBlock
from parsing.readers import legacy, read_document

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HAVE_SOFFICE = legacy.find_soffice() is not None
SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"
LEGACY_SAMPLES = sorted([*SAMPLES.glob("*.doc"), *SAMPLES.glob("*.wps")])


def test_without_libreoffice_the_message_says_how_to_save_as_docx_or_pdf(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(ReportError) as err:
        legacy.read_legacy(OLE2_MAGIC + b"\x00" * 512, "寨科乡年报.wps")
    msg = err.value.message
    assert "寨科乡年报.wps" in msg
    for words in ("wv", "LibreOffice", "WPS", "Word", "另存为", "DOCX", "PDF"):
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
        doc = legacy.read_legacy(data, name, tools=["LibreOffice"])
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


# ---------------------------------------------------------------------------
# Without LibreOffice: wvWare (HTML with tables), catdoc (text)
# ---------------------------------------------------------------------------

def test_ci_installs_the_converters_that_read_the_fixtures():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    install = next(line for line in ci.splitlines() if "apt-get install" in line).split()
    assert {"wv", "catdoc"} <= set(install) and not any("libreoffice" in w for w in install)
    assert {p.suffix for p in LEGACY_SAMPLES} == {".doc", ".wps"}
    for p in LEGACY_SAMPLES:
        assert p.read_bytes().startswith(OLE2_MAGIC), p.name


def test_converters_are_tried_wvware_first_then_libreoffice_then_catdoc(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: f"/usr/bin/{name}")
    assert [t for t, _ in legacy.converters()] == ["wvWare", "LibreOffice", "catdoc"]


@pytest.mark.parametrize("path", LEGACY_SAMPLES, ids=[p.name for p in LEGACY_SAMPLES])
def test_fixture_reads_through_wvware_with_every_cell_of_its_docx(path):
    if shutil.which("wvWare") is None:
        pytest.fail("wvWare is not installed: apt-get install wv (as .ci/run does)")
    doc = legacy.read_legacy(path.read_bytes(), path.name, tools=["wvWare"])
    assert [len(g.rows) for g in doc.grids()] == [14, 28, 4]  # the three tables of the form, as grids
    assert any("wvWare" in n for n in doc.notes)
    got = parse_path(path)
    want = parse_path(path.with_suffix(".docx"))
    assert got.error is None and got.format == "legacy"
    assert (got.body, got.year, got.template) == (want.body, want.year, want.template)
    a = {(r.table, r.row, r.column): (r.value, r.status) for r in got.values.itertuples(index=False)}
    b = {(r.table, r.row, r.column): (r.value, r.status) for r in want.values.itertuples(index=False)}
    assert a.keys() == b.keys()
    assert all(a[k][1] == b[k][1] and (a[k][0] == b[k][0] or (math.isnan(a[k][0]) and math.isnan(b[k][0])))
               for k in a)


@pytest.mark.parametrize("path", LEGACY_SAMPLES[:1], ids=[p.name for p in LEGACY_SAMPLES[:1]])
def test_catdoc_text_keeps_tables_two_and_four_and_the_rows_of_table_three_it_prints(path):
    """catdoc prints table cells separated by tabs; the matcher reads them. catdoc loses the header rows of
    table 三 with its rows 一/二 and the group label 三、本年度办理结果 (it prints "Õl‹_" in their place), so
    those rows are missing, never 0 or shifted: a text loss of the converter, not a layout the matcher
    misreads."""
    if shutil.which("catdoc") is None:
        pytest.fail("catdoc is not installed: apt-get install catdoc (as .ci/run does)")
    doc = legacy.read_legacy(path.read_bytes(), path.name, tools=["catdoc"])
    assert any("catdoc" in n for n in doc.notes)
    from parsing.extract import extract_report

    got = extract_report(doc, path.name)
    want = parse_path(path.with_suffix(".docx"))
    b = {(r.table, r.row, r.column): r.value for r in want.values.itertuples(index=False)}
    ok = 0
    for r in got.values.itertuples(index=False):
        if r.status == "ok":
            assert r.value == b[(r.table, r.row, r.column)], (r.table, r.row, r.column)
            ok += 1
        else:
            assert r.status == "missing" and r.table == "三", r
    assert ok >= 170 and got.tables_found == {"二": True, "三": True, "四": True}


def test_a_damaged_legacy_file_gives_a_report_error_and_never_raises():
    for data in (OLE2_MAGIC + b"\x00" * 2048, OLE2_MAGIC + bytes(range(256)) * 8):
        rep = parse_bytes(data, "坏.doc")
        assert rep.error and rep.error_kind == "data"


def test_a_converter_that_hangs_is_stopped_with_a_message(tmp_path, monkeypatch):
    script = tmp_path / "wvWare"
    script.write_text("#!/bin/sh\nsleep 600\n")
    script.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: str(script) if name == "wvWare" else None)
    with pytest.raises(ReportError, match="超时"):
        legacy.convert_with_wvware(OLE2_MAGIC + b"\x00" * 512, "慢.doc", str(script), timeout=0.5)
