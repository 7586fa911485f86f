"""``python -m ui.serve`` (``make run``): ``streamlit run app.py`` with the options given, the pages' modules
imported before Streamlit starts."""
import subprocess
import sys
from pathlib import Path

import pytest

from ui import serve

ROOT = Path(__file__).resolve().parents[1]


def test_serve_runs_the_app_with_the_options_given_after_warming_and_building_the_landing_views(monkeypatch):
    from streamlit.web import cli

    seen = {"calls": []}

    def fake_main():
        seen["argv"] = list(sys.argv)
        seen["calls"].append("streamlit")
        raise SystemExit(0)

    monkeypatch.setattr(cli, "main", fake_main)
    monkeypatch.setattr(serve, "warm", lambda: seen["calls"].append("warm"))
    from ui import state

    monkeypatch.setattr(state, "build_shared_views", lambda: seen["calls"].append("views"))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    with pytest.raises(SystemExit):
        serve.main(["--server.port=9999", "--server.address=127.0.0.1"])
    assert seen["argv"] == ["streamlit", "run", str(ROOT / "app.py"), "--server.port=9999", "--server.address=127.0.0.1"]
    assert seen["calls"] == ["warm", "views", "streamlit"]


def test_every_module_the_pages_import_is_warmed():
    """What app.py and pages/*.py import from ui is in MODULES (a page's new import is warmed too)."""
    import re

    imported = set()
    for f in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        for names in re.findall(r"^from ui import ([\w, ]+)$", f.read_text(encoding="utf-8"), re.M):
            imported |= {f"ui.{n.strip()}" for n in names.split(",")}
        imported |= set(re.findall(r"^import (ui\.\w+)", f.read_text(encoding="utf-8"), re.M))
    assert imported and imported <= set(serve.MODULES)


def test_warming_imports_the_modules_and_runs_no_streamlit_command():
    """In a fresh process, warm() leaves every module of MODULES and FIRST_USE imported, and importing them outside a script run
    prints no warning of a missing Streamlit context."""
    code = ("import sys; from ui import serve; names = serve.MODULES + serve.FIRST_USE; "
            "before = [m for m in names if m in sys.modules]; serve.warm(); "
            "print(len(before), all(m in sys.modules for m in names))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "True"]
    assert "ScriptRunContext" not in out.stderr and "Session state does not function" not in out.stderr


_FIRST_RUN = """
import os, sys
sys.path.insert(0, os.getcwd())
os.environ["GOVREPORT_DB"] = sys.argv[1]
from bench.province import build_store
from streamlit.testing.v1 import AppTest
from tests.apptest_setup import scan_components_once
build_store(sys.argv[1], 4, 2)
scan_components_once()
from ui import serve
serve.warm()
before = set(sys.modules)
at = AppTest.from_file("app.py", default_timeout=300)
at.run()
assert not at.exception, at.exception
assert at.dataframe, "the landing page showed no table"
print("NEW", *sorted(set(sys.modules) - before))
"""


def test_after_warming_the_landing_pages_first_run_imports_nothing(tmp_path):
    """What the first session after a restart would import on the landing page (pandas' Styler and jinja2, the
    icon names, ...) is imported by warm() before the server listens: in a fresh process, warm() and then the
    landing page's first run on a store with reports (its table styled and sent) leaves sys.modules unchanged."""
    out = subprocess.run([sys.executable, "-c", _FIRST_RUN, str(tmp_path / "s.sqlite3")], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    new = [line for line in out.stdout.splitlines() if line.startswith("NEW")][-1].split()[1:]
    assert new == []


def test_priming_tables_and_figures_runs_no_streamlit_command():
    """prime_tables() and prime_figures() outside any script run: no Streamlit context warning, nothing drawn."""
    code = "from ui import serve; serve.prime_tables(); serve.prime_figures(); print('ok')"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["ok"]
    assert "ScriptRunContext" not in out.stderr and "Session state does not function" not in out.stderr
