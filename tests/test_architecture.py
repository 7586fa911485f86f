"""The core never imports the UI, and the forms module is complete and consistent."""
import ast
from pathlib import Path

from parsing import forms

ROOT = Path(__file__).resolve().parent.parent
UI_MODULES = {"streamlit", "plotly"}


def test_parsing_imports_neither_streamlit_nor_plotly():
    bad = []
    for py in (ROOT / "parsing").rglob("*.py"):
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            bad += [(py.name, n) for n in names if n.split(".")[0] in UI_MODULES]
    assert not bad


def test_form_has_200_cells_with_labels_and_unique_keys():
    keys = [(c.table, c.row, c.column) for c in forms.ALL_CELLS_2021]
    assert len(keys) == 200 == len(set(keys))
    assert sum(1 for k in keys if k[0] == "二") == 10
    assert sum(1 for k in keys if k[0] == "三") == 175
    assert sum(1 for k in keys if k[0] == "四") == 15
    assert all(all(part for part in k) for k in keys)
    # official labels use full-width brackets
    assert all("(" not in k[1] and ")" not in k[1] for k in keys)


def test_trial_form_cells_are_their_own():
    only = forms.cells_2019_only()
    keys = {(c.table, c.row, c.column) for c in only}
    assert not keys & forms.CELL_KEYS_2021
    assert ("二", "第二十条第（九）项/政府集中采购", "采购总金额") in keys
    assert len(forms.ROWS_三_2019) == 23


def test_norm_handles_width_spacing_and_traditional():
    assert forms.norm("第二十条第(一)项") == forms.norm("第二十条第（一）项")
    assert forms.norm("商业\n企业") == "商业企业"
    assert forms.norm("本年收費金額(單位:萬元)") == forms.norm("本年收费金额（单位：万元）")
