"""The dashboard's server: ``python -m ui.serve [streamlit run options]`` is ``streamlit run app.py [options]``
with the pages' modules imported first.

Streamlit imports the app only when the first session opens, so without this the first reviewer after a restart
waits for pandas, plotly and every ``ui`` module to load (about half of that first page load on a province's
store, see the README's benchmark section). Here the server process imports them before it starts listening; the
script runs in the same process, so every session finds them loaded. Nothing else differs from ``streamlit run``:
the options given are passed on as they are (``make run`` and ``make serve-office`` use this).
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Optional

APP = Path(__file__).resolve().parents[1] / "app.py"

# What the pages import (pages/*.py, app.py); importing them runs no Streamlit command.
MODULES = ("pandas", "plotly.graph_objects", "plotly.io", "ui.state", "ui.views", "ui.widgets", "ui.figures",
           "ui.review", "ui.tables", "ui.briefing", "ui.metrics", "ui.library", "ui.compare", "ui.exports",
           "ui.login", "ui.accounts", "ui.docview", "ui.pdfpage", "ui.core", "ui.labels", "ui.demo", "ui.storeview")


def warm() -> None:
    """Import :data:`MODULES` in this process."""
    for name in MODULES:
        importlib.import_module(name)


def main(argv: Optional[list[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    warm()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *args]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
