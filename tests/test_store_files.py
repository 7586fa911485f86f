"""The store's file: private permissions, clear messages for a bad --db, and which version is current."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from parsing import parse_bytes
from parsing.model import ReportError
from parsing.store import Store, best_version
from parsing.store.reports import REASON_MORE_CELLS, REASON_PINNED, REASON_TEXT_LAYER
from tests.test_store import make_report

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_reports"


def mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


# -- item 6: permissions ------------------------------------------------------------------------------------------

def test_the_store_its_journals_and_new_folders_are_private(tmp_path):
    old = os.umask(0o022)  # the usual default: would give 0644 files and 0755 folders
    try:
        db = tmp_path / "new" / "deeper" / "reports.sqlite3"
        data = b"\xe7\xbe\xa4\xe7\xa7\x91\xe9\x95\x87"
        with Store(db) as s:
            report = make_report(1)
            report.sha256 = __import__("hashlib").sha256(data).hexdigest()
            s.add(report, data=data)  # a kept original file lives in the database
            assert s.file_bytes(report.sha256) == data
            for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                assert p.exists() and mode(p) == 0o600, (p.name, oct(mode(p)))
        assert mode(tmp_path / "new") == 0o700 and mode(tmp_path / "new" / "deeper") == 0o700
    finally:
        os.umask(old)


def test_an_existing_world_readable_store_is_made_private(tmp_path):
    db = tmp_path / "old.sqlite3"
    Store(db).close()
    os.chmod(db, 0o644)
    Store(db).close()
    assert mode(db) == 0o600


# -- item 10: a --db that cannot be a store ---------------------------------------------------------------------------

def test_a_folder_as_store_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError) as info:
        Store(tmp_path)
    assert "是一个文件夹" in info.value.message and str(tmp_path) in info.value.message


def test_an_unwritable_store_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(ReportError) as info:  # a path below a file cannot be created, not even by root
        Store(blocker / "reports.sqlite3")
    assert "无法在" in info.value.message and "可以写入的文件路径" in info.value.message


@pytest.mark.parametrize("bad", ["folder", "under_a_file"])
def test_the_cli_says_what_is_wrong_with_db_without_a_traceback(tmp_path, bad):
    target = tmp_path if bad == "folder" else tmp_path / "f.txt" / "r.sqlite3"
    (tmp_path / "f.txt").write_text("x")
    folder = tmp_path / "in"
    folder.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for args in (["import", str(folder)], ["export", "--csv", str(tmp_path / "csv")], ["reparse"],
                 ["delete", "0123456789ab"]):
        proc = subprocess.run([sys.executable, "-m", "parsing", *args, "--db", str(target)], env=env,
                              cwd=str(REPO), capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and "OperationalError" not in proc.stderr, proc.stderr
        assert "报告库" in proc.stderr and "--db" in proc.stderr


def test_the_dashboard_says_what_is_wrong_with_the_store_path(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GOVREPORT_DB", str(tmp_path))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600).run()
    assert not at.exception, at.exception
    assert any("是一个文件夹" in e.value for e in at.sidebar.error)


# -- item 8: the current version is the best source -------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf_and_scan():
    pdf, scan = SAMPLES / "000_f2cddb79f4434941.pdf", SAMPLES / "000_f2cddb79f4434941_scan.pdf"
    return [(parse_bytes(p.read_bytes(), p.name), p.read_bytes()) for p in (pdf, scan)]


@pytest.mark.parametrize("order", ["pdf_first", "scan_first"])
def test_a_pdf_beats_its_scan_in_either_order(tmp_path, pdf_and_scan, order):
    (pdf, pdf_bytes), (scan, scan_bytes) = pdf_and_scan
    assert scan.ocr and not pdf.ocr
    items = [(pdf, pdf_bytes), (scan, scan_bytes)]
    with Store(tmp_path / f"{order}.sqlite3") as s:
        for r, data in (items if order == "pdf_first" else items[::-1]):
            s.add(r, data=data)
        assert s.current("群科镇", 2023) == pdf.sha256
        versions = s.versions("群科镇", 2023).set_index("sha256")
        assert versions.at[pdf.sha256, "current_reason"] == REASON_TEXT_LAYER
        assert versions["is_current"].sum() == 1 and pd.isna(versions.at[scan.sha256, "current_reason"])
        listed = s.list_reports(current_only=True)
        assert listed["current_reason"].tolist() == [REASON_TEXT_LAYER]
        # the reviewer pins the scan: it stays current, also when another version arrives
        s.set_current(scan.sha256)
        assert s.current("群科镇", 2023) == scan.sha256
        txt = SAMPLES / "000_f2cddb79f4434941.txt"
        s.add(parse_bytes(txt.read_bytes(), txt.name))
        assert s.current("群科镇", 2023) == scan.sha256
        assert s.versions("群科镇", 2023).set_index("sha256").at[scan.sha256, "current_reason"] == REASON_PINNED


def test_best_version_rule():
    def row(i, ocr=0, cells=200, version="0.1.0", pinned=0):
        return dict(id=i, ocr=ocr, cells_read=cells, parser_version=version, pinned=pinned)

    assert best_version([row(1, cells=150), row(2, cells=180)]) == (2, REASON_MORE_CELLS.format(best=180, other=150))
    assert best_version([row(1, cells=190), row(2, cells=180)])[0] == 1  # more cells beat the later one
    assert best_version([row(1, ocr=0, cells=100), row(2, ocr=1, cells=200)]) == (1, REASON_TEXT_LAYER)
    assert best_version([row(1, version="0.2.0"), row(2, version="0.1.0")])[0] == 1  # a newer parser
    assert "最后入库" in best_version([row(1), row(2)])[1] and best_version([row(1), row(2)])[0] == 2
    assert best_version([row(1, pinned=1, ocr=1, cells=10), row(2)]) == (1, REASON_PINNED)
    assert best_version([row(7)])[0] == 7 and best_version([]) == (None, "")


def test_the_library_page_says_which_version_is_current_and_why(store_db):
    from streamlit.testing.v1 import AppTest

    qunke = SAMPLES / "000_f2cddb79f4434941.txt"
    text = qunke.read_text(encoding="utf-8")
    fewer = text.replace("行政规范性文件\t6\t0\t6", "行政规范性文件\t\t0\t6")  # one cell fewer read
    assert fewer != text
    with Store(store_db) as s:
        s.add(parse_bytes(qunke.read_bytes(), "群科镇2023.txt"))
        s.add(parse_bytes(fewer.encode("utf-8"), "群科镇2023缺一格.txt"))
        assert s.current("群科镇", 2023) == parse_bytes(qunke.read_bytes(), "x").sha256
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600).run()
    at.switch_page("pages/library.py").run()
    assert not at.exception, at.exception
    shown = "\n".join(str(c.value) for c in at.caption)
    assert "群科镇2023" in shown.replace("\\", "") and "读出的数值最多" in shown
    table = next(d.value for d in at.dataframe if "当前版本依据" in d.value.columns)
    assert (table["当前版本依据"].str.startswith("读出的数值最多")).sum() == 1
