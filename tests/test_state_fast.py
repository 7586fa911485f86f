"""Fast paths of ui.state give what the slow computations they replaced give, on the same session."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.waits import HANG_SECONDS

ROOT = Path(__file__).resolve().parents[1]

PROBE = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from ui import demo, state, views
state.init()
old = bool(state.catalog()["sha256"].isin(list(demo.shas())).any())  # what shows_demo computed before
st.text(f"shows_demo={{state.shows_demo()}} old={{old}}")
# what widgets.report_picker built on every load before its options were cached
cat = state.catalog()
shas = cat["sha256"].tolist()
bad = cat["error"].map(lambda e: isinstance(e, str) and bool(e))
names = {{sha: label + ("（无法读取）" if b else "") for sha, label, b in zip(shas, views.labels_of(cat), bad)}}
new_shas, new_names = state.picker_options()
st.text(f"picker_same={{(new_shas, new_names) == (shas, names)}} n={{len(shas)}} labels={{sorted(names.values())[:2]}}")
"""


def probe(tmp_path: Path) -> str:
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=HANG_SECONDS).run()
    assert not at.exception, at.exception
    return at.text[0].value, at.text[1].value


def test_shows_demo_and_the_picker_match_the_catalog_scan(store_db, tmp_path):
    demo_line, picker = probe(tmp_path)
    assert demo_line == "shows_demo=False old=False" and picker.startswith("picker_same=True n=0 ")  # an empty store
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=HANG_SECONDS).run()
    at.button(key="load_demo").click().run()
    assert not at.exception, at.exception
    demo_line, picker = probe(tmp_path)  # a new session on the store holding the demo county
    assert demo_line == "shows_demo=True old=True"
    assert picker.startswith("picker_same=True n=") and " n=0 " not in picker and "年" in picker
