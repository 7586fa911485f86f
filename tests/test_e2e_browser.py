"""End-to-end: the dashboard served as `make run` serves it (`python -m ui.serve`, which is `streamlit run app.py`)
in a real headless chromium (Debian's, never `playwright install`).

Drops the sample reports on the uploader, waits for their badges, opens a report and the trends
page, and saves screenshots to tests/artifacts/ (gitignored).
"""
import contextlib
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from docx import Document

from parsing.readers import EXTENSIONS
from tests.waits import HANG_MS, HANG_SECONDS

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
SAMPLES = sorted(p for p in (ROOT / "sample_reports").iterdir()  # the five real seeds (the demo county is below)
                 if p.is_file() and p.suffix.lower() in EXTENSIONS)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is not installed (CI installs the Debian chromium package)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("e2e_store") / "reports.sqlite3"  # its own empty store, never data/
    with streamlit_server({"GOVREPORT_DB": str(db)}, "streamlit.log") as url:
        yield url


@contextlib.contextmanager
def streamlit_server(env: dict, log_name: str):
    """A real server as ``make run`` starts it (``python -m ui.serve``: ``streamlit run app.py`` with the pages'
    modules imported first) on a free port of 127.0.0.1 with ``env`` added to the environment (its log
    in tests/artifacts/``log_name``); yields its URL once it answers, and stops it afterwards."""
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / log_name, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.serve", "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
         "--server.fileWatcherType=none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + HANG_SECONDS  # server start: a hang guard, not a speed check
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"streamlit did not start; see {ARTIFACTS / log_name}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_drop_samples_open_report_and_trends(server):
    from playwright.sync_api import expect, sync_playwright

    assert SAMPLES, "sample_reports/ is empty"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
            page.goto(server)
            expect(page.get_by_text("还没有报告", exact=False).first).to_be_visible(timeout=HANG_MS)
            expect(page.get_by_text("保存到报告库").first).to_be_visible()
            # the reviewer's toolbar only (.streamlit/config.toml client.toolbarMode): no Deploy button
            expect(page.get_by_role("button", name="Deploy")).to_have_count(0)

            page.locator('input[type="file"]').set_input_files([str(p) for p in SAMPLES])
            # One badge chip per file, each with its verdict.
            for p in SAMPLES:
                expect(page.get_by_text(p.name, exact=True).last).to_be_visible(timeout=HANG_MS)
            chips = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=SAMPLES[0].name).last
            text = chips.inner_text()
            verdicts = sum(text.count(v) for v in ("通过", "有警告", "有错误", "无法读取"))
            assert verdicts == len(SAMPLES), text
            expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text(str(len(SAMPLES)))
            # what was just saved is counted in the sidebar (the page reruns after saving)
            expect(page.get_by_text(f"库中共 {len(SAMPLES)} 份报告", exact=False)).to_be_visible(timeout=HANG_MS)
            page.screenshot(path=str(ARTIFACTS / "01_upload.png"), full_page=True)

            page.get_by_role("link", name="单份报告").click()
            expect(page.get_by_text("问题清单").first).to_be_visible(timeout=HANG_MS)
            expect(page.get_by_text("本年新收政府信息公开申请数量").first).to_be_attached(timeout=HANG_MS)
            page.get_by_role("tab", name="表三 依申请公开").click()
            expect(page.get_by_text("本年新收政府信息公开申请数量").first).to_be_visible(timeout=HANG_MS)
            page.screenshot(path=str(ARTIFACTS / "02_report.png"), full_page=True)

            page.get_by_role("link", name="趋势").click()
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=HANG_MS)
            page.wait_for_timeout(800)  # let plotly finish drawing before the screenshot
            page.screenshot(path=str(ARTIFACTS / "03_trends.png"), full_page=True)
            # The chart's PNG is rendered on the server by kaleido when the button is clicked.
            with page.expect_download(timeout=HANG_MS) as dl:
                page.get_by_role("button", name="下载图表（PNG，高清）").first.click()
            png = Path(dl.value.path()).read_bytes()
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            from PIL import Image  # opened: a briefing-sized picture with its title, axes and lines drawn

            img = Image.open(io.BytesIO(png))
            assert img.width >= 900 and img.height >= 300, img.size
            ink = sum(img.convert("L").point(lambda v: 255 if v < 128 else 0).histogram()[255:])
            assert ink > 0.002 * img.width * img.height
            (ARTIFACTS / "04_trend_chart.png").write_bytes(png)

            # 审查台: dismiss every finding of one body at once with one note, then the opinions of all bodies.
            page.get_by_role("link", name="审查台").click()
            expect(page.get_by_text("批量处理").first).to_be_visible(timeout=HANG_MS)
            page.get_by_label("搜索").fill("寨科乡")
            page.get_by_label("搜索").press("Enter")
            expect(page.get_by_text("筛选出的全部", exact=False).first).to_be_visible(timeout=HANG_MS)
            page.get_by_label("说明（对这些问题相同）").fill("已与原件核对")
            page.get_by_role("button", name="排除", exact=False).click()
            expect(page.get_by_text("已排除", exact=False).filter(has_text="已与原件核对").first).to_be_visible(
                timeout=HANG_MS)
            page.get_by_label("搜索").fill("")
            page.get_by_label("搜索").press("Enter")
            page.get_by_role("button", name="生成审查意见", exact=False).click()
            with page.expect_download(timeout=HANG_MS) as dl:
                page.get_by_role("button", name="审查意见（ZIP）", exact=False).click()
            with zipfile.ZipFile(dl.value.path()) as z:
                names = z.namelist()
                docs = [Document(io.BytesIO(z.read(n))) for n in names]
            assert any(n.startswith("寨科乡") and n.endswith("年审查意见.docx") for n in names), names
            assert len(docs) == len(SAMPLES) + 1  # one per report and the merged document
            page.screenshot(path=str(ARTIFACTS / "05_review.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
