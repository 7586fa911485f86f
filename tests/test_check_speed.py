"""What the checks and the extractor now make once per process is what they made per report."""
from parsing import forms, rules
from parsing.forms import CellDef


def test_trial_form_cells_made_once_are_the_forms_and_a_fresh_list_each_time():
    f19 = forms.FORMS[forms.FORM_2019]
    made = [c for c in f19.cells() if c.table == "二" and (c.table, c.row, c.column) not in f19.counterparts]
    made += [CellDef("三", forms.ROW_三_2019_OTHER.key, c, forms.FORM_2019) for c in f19.columns_三]
    first = forms.cells_2019_only()
    assert first == made and len(first) > 20
    first.clear()  # a caller's list is its own
    assert forms.cells_2019_only() == made


def test_cells_of_the_other_form_made_once_per_form():
    for form in (forms.FORM_2021, forms.FORM_2019):
        other = forms.FORM_2019 if form == forms.FORM_2021 else forms.FORM_2021
        old = ({(c.table, c.row, c.column) for c in forms.cells_2019_only()} if other == forms.FORM_2019 else
               {(c.table, c.row, c.column) for c in forms.ALL_CELLS_2021 if c.table in ("二", "三")}
               - {(c.table, c.row, c.column) for c in rules._EXPECTED[forms.FORM_2019]})
        assert rules._only_other(form) == old and old


def test_flattened_text_is_the_text_flattened():
    for text in ("第 1 条\n共 ２ 件", "", None, "ＡＢ　c"):
        assert rules._flat(text) == rules._flat.__wrapped__(text)
    assert rules._flat("１２ 3") == "123"


def test_a_tables_cells_split_once_are_the_forms_and_a_fresh_list_each_time():
    from parsing.report import ParsedReport

    for form in (forms.FORM_2021, forms.FORM_2019):
        ctx = rules.Ctx(ParsedReport(file="x.pdf", template=form))
        for table in ("一", *forms.TABLES, "五"):
            want = [c for c in rules._EXPECTED[form] if c.table == table]
            got = ctx.table_cells(table)
            assert got == want and (bool(got) or table not in forms.TABLES)
            got.clear()
            assert ctx.table_cells(table) == want
        first = ctx.table_cells("三")[0]
        ctx.expected = [c for c in ctx.expected if c != first]  # a context given cells of its own
        assert ctx.table_cells("三") == [c for c in ctx.expected if c.table == "三"]


def test_a_tables_statuses_made_once_are_its_cells_statuses():
    import pickle

    import pandas as pd

    from parsing.report import ParsedReport

    form = forms.FORM_2021
    cells = [c for c in rules._EXPECTED[form] if c.table in forms.TABLES]
    status = ["ok", "blank", "unreadable", "corrected", "missing"]
    values = pd.DataFrame({"table": [c.table for c in cells], "row": [c.row for c in cells],
                           "column": [c.column for c in cells], "value": [float(i % 3) for i in range(len(cells))],
                           "status": [status[i % 5] for i in range(len(cells))], "raw": ["1"] * len(cells),
                           "page": [1] * len(cells)})
    ctx = rules.Ctx(ParsedReport(file="x.pdf", template=form, values=values.iloc[: len(cells) - 7]))
    for table in ("一", *forms.TABLES):
        want = [ctx.status(c.table, c.row, c.column) for c in ctx.table_cells(table)]
        assert ctx.table_statuses(table) == want and ctx.table_statuses(table) == want
    assert {"ok", "blank", "unreadable", "missing"} <= set(ctx.table_statuses("三"))
    first = ctx.table_cells("三")[0]
    ctx.expected = [c for c in ctx.expected if c != first]  # a context given cells of its own
    assert ctx.table_statuses("三") == [ctx.status(c.table, c.row, c.column) for c in ctx.table_cells("三")]
    own = rules.own_findings(ParsedReport(file="x.pdf", template=form, values=values))
    assert own.ctx.table_statuses("二")
    again = pickle.loads(pickle.dumps(own))
    assert "_statuses" not in vars(again.ctx)
    assert again.ctx.table_statuses("二") == own.ctx.table_statuses("二")


def test_cell_keys_made_once_per_shared_key_arrays_are_each_frames_keys():
    from pathlib import Path

    from parsing import parse_path

    samples = Path(__file__).resolve().parents[1] / "sample_reports"
    reports = [parse_path(p) for p in sorted(samples.glob("00[0-3]_*.pdf")) if "_scan" not in p.name]
    seen = {}
    for r in reports:
        v = r.values
        want = list(zip(*(v[c].tolist() for c in ("table", "row", "column"))))
        got = rules._cell_keys([v._get_column_array(i) for i in range(3)])
        assert got == want and list(rules.Ctx(r).cells) == want, r.file
        seen.setdefault(len(want), []).append(got)
    # frames of the same cells share their key arrays (parsing.extract._key_columns): one list for them all
    assert any(len(lists) > 1 and all(x is lists[0] for x in lists) for lists in seen.values())
    copy = reports[0].values.copy(deep=True)
    copy["row"] = copy["row"].str.replace("一", "壹")  # other arrays: their own keys, not the remembered ones
    own = list(zip(*(copy[c].tolist() for c in ("table", "row", "column"))))
    assert rules._cell_keys([copy._get_column_array(i) for i in range(3)]) == own
    assert own != list(zip(*(reports[0].values[c].tolist() for c in ("table", "row", "column"))))
