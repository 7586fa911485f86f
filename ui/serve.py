"""The dashboard's server: ``python -m ui.serve [streamlit run options]`` is ``streamlit run app.py [options]``
with the pages' modules imported and the landing page's views of the store built first (:func:`start`).

Streamlit imports the app only when the first session opens, so without this the first reviewer after a restart
waits for pandas, plotly and every ``ui`` module to load, and for what pandas and Streamlit set up on first use
(the Styler's templates, the icon names, the first table's conversion: :func:`warm`), about half of that first
page load on a province's store (see the README's benchmark section). Here the server process does them before
it starts listening; the script runs in the same process, so every session finds them done. Nothing else differs
from ``streamlit run``: the options given are passed on as they are (``make run`` and ``make serve-office`` use
this).

Then (:func:`start`) the landing page's views of the default store (its catalog and overview, 1-2 s on a
province's 30,000 reports) are built with the cached functions the pages call (``ui.state.build_shared_views``),
so the first session after a restart finds them made; they belong to the store's generation of that moment, and
a write after it brings them up to date: from the reports it changed when it was made through this dashboard,
whole when another process (the command line) made it. The server prints how long its start took.
"""
from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from typing import Optional

APP = Path(__file__).resolve().parents[1] / "app.py"

# What the pages import (pages/*.py, app.py); importing them runs no Streamlit command.
MODULES = ("pandas", "plotly.graph_objects", "plotly.io", "ui.state", "ui.views", "ui.widgets", "ui.figures",
           "ui.review", "ui.tables", "ui.briefing", "ui.metrics", "ui.library", "ui.compare", "ui.exports",
           "ui.login", "ui.accounts", "ui.docview", "ui.pdfpage", "ui.core", "ui.labels", "ui.demo", "ui.storeview")


# What a script run imports on first use, inside Streamlit's commands and pandas (not at their import): the
# Styler and its jinja2 templates (``DataFrame.style``), the icon names ``icon=`` is checked against, the magic
# commands' module (found in ``sys.modules`` after a first run of the landing page that had MODULES loaded).

FIRST_USE = ("pandas.io.formats.style", "streamlit.emojis", "streamlit.material_icon_names",
             "streamlit.runtime.scriptrunner.magic_funcs")


def warm() -> None:
    """Import :data:`MODULES` and :data:`FIRST_USE` in this process, and do once what the first script run
    would otherwise pay for: a styled table turned into what ``st.dataframe`` sends (:func:`prime_tables`) and
    plotly's default template loaded (:func:`prime_figures`). No Streamlit command runs and no store is opened."""
    for name in MODULES + FIRST_USE:
        importlib.import_module(name)
    prime_tables()
    prime_figures()
    prime_stack_check()


def prime_tables() -> None:
    """A two-row table with the landing overview's columns and dtypes (:data:`ui.views.OVERVIEW_COLUMNS`), its
    verdicts coloured as the page colours them, marshalled the way ``st.dataframe`` marshals a Styler (pandas'
    ``_compute``/``_translate``, the display values, the Arrow bytes): the code paths pandas, pyarrow and
    Streamlit set up on first use. Returns nothing; the proto is thrown away."""
    import pandas as pd
    from streamlit import dataframe_util
    from streamlit.elements.lib.pandas_styler_utils import marshall_styler
    from streamlit.proto.ArrowData_pb2 import ArrowData

    from ui import core, views, widgets

    frame = pd.DataFrame({
        "文件": pd.Series(["a.pdf", "b.pdf"], dtype="str"), "单位": ["示例县", ""], "地区": ["示例市", ""],
        "年度": pd.array([2023, None], dtype="Int64"), "格式版本": ["2021版", ""],
        "结论": [core.BADGE_PASS, core.BADGE_ERROR], "错误数": [0, 1], "警告数": [0, 0], "提示数": [1, 0],
        "未处理": pd.array([0, None], dtype="Int64"), "章节": ["6/6", "5/6（缺六）"], "报告库": ["库中", "库中"],
        "说明": pd.Series(["", "无法读取"], dtype="str"), "sha256": ["0" * 64, "1" * 64],
    }, columns=views.OVERVIEW_COLUMNS)
    shown = frame.drop(columns=["sha256", "地区"])
    marshall_styler(ArrowData(), shown.style.map(widgets.badge_cell_css, subset=["结论"]), "warm")
    dataframe_util.convert_pandas_df_to_arrow_bytes(shown)


def prime_stack_check() -> None:
    """Streamlit's check, on the first element a process draws, of whether it runs in a REPL
    (``streamlit.env_util.is_repl``: ``inspect.stack()``, which finds the module of every frame and so builds
    ``inspect``'s table of every loaded module's file, about a quarter of a second here): run once here, so the
    first session's check finds the table built. It only reads the stack; the warning it decides on is left to
    the first element, as before."""
    from streamlit import env_util

    env_util.is_repl()


def prime_figures() -> None:
    """plotly's default template, loaded (read from its JSON on first use) and applied to a small figure."""
    import plotly.graph_objects as go
    import plotly.io as pio

    pio.templates[pio.templates.default]
    go.Figure(go.Scatter(x=[1, 2], y=[1, 2])).to_plotly_json()


def start(log=None) -> dict:
    """What the server does before it listens: :func:`warm`, then the landing page's shared views of the default
    store built (:func:`ui.state.build_shared_views`: the first session after a restart finds its catalog and
    overview of a province's 30,000 reports made; they are per store generation, so a store changed later is
    read again), then the trend 趋势 opens on (:func:`ui.state.build_first_trend`). Returns the seconds each
    took (``warm``, ``views``, ``trend``); ``log`` (e.g. ``print``) is told them. A
    store that opens but cannot be read does not stop the server: the views are left to the first page, which
    shows the error as before."""
    t = time.perf_counter()
    warm()
    took = {"warm": time.perf_counter() - t}
    from ui import state

    t = time.perf_counter()
    try:
        state.build_shared_views()
    except Exception as exc:  # noqa: BLE001 - only a head start: the first page builds them again and says why
        if log is not None:
            log(f"未能预先建立首页的报告库视图（首次打开页面时再建立）：{type(exc).__name__}: {exc}")
    took["views"] = time.perf_counter() - t
    t = time.perf_counter()
    try:
        state.build_first_trend()
    except Exception as exc:  # noqa: BLE001 - only a head start, as above
        if log is not None:
            log(f"未能预先计算趋势页的首个指标（首次打开趋势页时再计算）：{type(exc).__name__}: {exc}")
    took["trend"] = time.perf_counter() - t
    if log is not None:
        log(f"准备就绪：载入模块 {took['warm']:.1f} 秒，建立首页的报告库视图 {took['views']:.1f} 秒，"
            f"计算趋势页的首个指标 {took['trend']:.1f} 秒")
    return took


def main(argv: Optional[list[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    start(log=lambda msg: print(msg, file=sys.stderr, flush=True))
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *args]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
