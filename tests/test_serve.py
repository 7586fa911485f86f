"""``python -m ui.serve`` (``make run``): ``streamlit run app.py`` with the options given, the pages' modules
imported before Streamlit starts."""
import subprocess
import sys
from pathlib import Path

import pytest

from ui import serve

ROOT = Path(__file__).resolve().parents[1]


def test_serve_runs_the_app_with_the_options_given_after_importing_the_pages_modules(monkeypatch):
    from streamlit.web import cli

    seen = {"calls": []}

    def fake_main():
        seen["argv"] = list(sys.argv)
        seen["calls"].append("streamlit")
        raise SystemExit(0)

    monkeypatch.setattr(cli, "main", fake_main)
    monkeypatch.setattr(serve, "warm", lambda: seen["calls"].append("warm"))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    with pytest.raises(SystemExit):
        serve.main(["--server.port=9999", "--server.address=127.0.0.1"])
    assert seen["argv"] == ["streamlit", "run", str(ROOT / "app.py"), "--server.port=9999", "--server.address=127.0.0.1"]
    assert seen["calls"] == ["warm", "streamlit"]


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
    """In a fresh process, warm() leaves every module of MODULES imported, and importing them outside a script run
    prints no warning of a missing Streamlit context."""
    code = ("import sys; from ui import serve; before = [m for m in serve.MODULES if m in sys.modules]; serve.warm(); "
            "print(len(before), all(m in sys.modules for m in serve.MODULES))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "True"]
    assert "ScriptRunContext" not in out.stderr and "Session state does not function" not in out.stderr
