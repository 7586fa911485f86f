"""The dashboard and the command line give the same findings for the same files (they share the pipeline): a
text PDF dropped on the dashboard, and a scan of the demo county (read by OCR) shown from the store.
"""
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from parsing.rules import SEVERITY_ZH
from tests.waits import HANG_SECONDS
from ui import core

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
DEMO = ROOT / "sample_reports" / "demo"
MANIFEST = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))


def cli_findings(*paths: Path) -> dict:
    """File name -> the command line's JSON line for it (``python -m parsing FILES --json``)."""
    out = subprocess.run([sys.executable, "-m", "parsing", *map(str, paths), "--json", "--jobs", "1"], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=HANG_SECONDS).stdout
    return {Path(d["file"]).name: d for d in map(json.loads, out.splitlines())}


def as_cli(findings: list[dict]) -> Counter:
    return Counter((f["rule"], SEVERITY_ZH[f["severity"]], f["message"]) for f in findings)


def as_shown(table) -> Counter:
    return Counter(zip(table["规则编号"], table["级别"], table["问题"]))


def dashboard(at: AppTest, *paths: Path) -> AppTest:
    at.run()
    at.file_uploader(key="uploads").set_value([(p.name, p.read_bytes(), "application/octet-stream")
                                                for p in paths]).run()
    assert not at.exception, at.exception
    return at


def shown_on_report_page(at: AppTest, path: Path):
    at.session_state["current"] = core.sha256_of(path.read_bytes())
    at.switch_page("pages/report.py").run()
    assert not at.exception, at.exception
    tables = [d for d in at.dataframe if d.key == "report_findings"]
    if not tables:
        assert "未发现问题。" in [m.value for m in at.success]
        return pd.DataFrame(columns=["规则编号", "级别", "问题"])
    return tables[0].value


def check_same(at: AppTest, cli: dict, path: Path) -> None:
    d = cli[path.name]
    shown = shown_on_report_page(at, path)
    assert as_shown(shown) == as_cli(d["findings"]), path.name
    at.switch_page("pages/upload.py").run()
    row = at.dataframe(key="overview").value.set_index("文件").loc[path.name]
    by_sev = Counter(f["severity"] for f in d["findings"])
    assert (int(row["错误数"]), int(row["警告数"]), int(row["提示数"])) == (
        by_sev["error"], by_sev["warning"], by_sev["info"]), path.name


def test_a_dropped_pdf_has_the_clis_findings(store_db):
    path = ROOT / "sample_reports" / "000_f2cddb79f4434941.pdf"
    cli = cli_findings(path)
    assert cli[path.name]["findings"]
    check_same(dashboard(AppTest.from_file(APP, default_timeout=HANG_SECONDS), path), cli, path)


def test_a_scan_has_the_clis_findings(demo_db):
    """The scan is read by OCR here once more, by the command line; the dashboard shows the stored reading."""
    scan = next(f for f in MANIFEST["files"] if f["format"] == "scan")
    before = next(f for f in MANIFEST["files"] if f["body"] == scan["body"] and f["year"] == scan["year"] - 1)
    paths = [DEMO / before["file"], DEMO / scan["file"]]
    cli = cli_findings(*paths)
    assert any(f["rule"].startswith("PARSE-") for f in cli[scan["file"]]["findings"])  # the OCR's notes
    at = dashboard(AppTest.from_file(APP, default_timeout=HANG_SECONDS), *paths)
    for p in paths:
        check_same(at, cli, p)
