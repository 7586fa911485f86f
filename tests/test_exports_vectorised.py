"""The export's vectorised helpers give exactly what the per-cell code they replace gives: the formula-like mask
(:func:`parsing.exports.formula_like` on every cell), the CSV rows (pandas' ``to_csv``) and the code-to-label
mapping (``Series.map``)."""
import numpy as np
import pandas as pd
import pytest

from parsing import exports
from parsing.exports import _csv_rows, _formula_mask, _map_distinct, _shown, formula_like

TRICKY = ["=1+1", "+", "-", "@", "\tx", "\rx", "-1", "+3.5", "-5%", "1e5", "-1e-3", ".5", "-.5", "-１２", "－1",
          "＝SUM(A1)", "＠x", "", " =x", "=", "@SUM(A1)", "-\n", "x=1", "\n=1", "-1 ", "- 1", "-٣", "+-1",
          '=HYPERLINK("x")', "中文", "\t", "\r", "\r\n=1", "--1", "-1.", "-1.e5", "=1+1", "-1"]
STRING_DTYPES = [object, "str", "string", pd.StringDtype("python"), pd.StringDtype("pyarrow", na_value=np.nan)]


@pytest.mark.parametrize("dtype", STRING_DTYPES, ids=str)
def test_formula_mask_is_formula_like_on_every_cell(dtype):
    s = pd.Series(TRICKY + [None, np.nan], dtype=dtype, index=range(10, 10 + len(TRICKY) + 2))
    got = _formula_mask(s)
    assert got.dtype == bool and list(got.index) == list(s.index)
    assert got.tolist() == [formula_like(x) for x in s]
    assert _formula_mask(s.iloc[::-3]).tolist() == [formula_like(x) for x in s.iloc[::-3]]


@pytest.mark.parametrize("s", [
    pd.Series(["=x", 3, -1.0, None, "-1", b"=x", np.str_("=y"), True], dtype=object),
    pd.Series([None, np.nan], dtype=object), pd.Series([], dtype="str"), pd.Series(["a", "b"], dtype="str"),
], ids=["mixed objects", "blanks", "empty", "no candidate"])
def test_formula_mask_on_other_columns(s):
    assert _formula_mask(s).tolist() == [formula_like(x) for x in s]


CSV_TEXT = ["=1+1", "a,b", 'say "hi"', "x\ry", "x\ny", "\r\n", "", " ", "中文，全角", "'=x", '"', ",", "\u2028",
            "tab\tx", '""', 'a"b,c\nd']


def _frame():
    n = len(CSV_TEXT) + 1
    floats = [120.0, 1e-7, 1e16, -0.0, 0.0, np.inf, -np.inf, np.nan, 0.1 + 0.2, 12345678.25, 5e-324, -1.5, 3.0,
              np.nan, 1e22, 2.5, 7.0]
    return pd.DataFrame({
        "文本": pd.Series(CSV_TEXT + [None], dtype="str"),
        "数": floats[:n],
        "整数": pd.array(list(range(-3, n - 5)) + [None] * 2, dtype="Int64"),
        "n": np.arange(n),
        "o": pd.Series(([None, "x,y", np.nan, "ok"] * 5)[:n], dtype=object),
        "空": pd.Series([None] * n, dtype=object),
        "p": pd.Series(['a', None, 'q"r'] * 5 + ["z", None], dtype=pd.StringDtype("python")),
        "g": pd.Series(CSV_TEXT + [None], dtype="string"),
    }, index=range(100, 100 + n))


def _to_csv(df):
    return df.to_csv(index=False, header=False, lineterminator="\r\n").encode("utf-8")


@pytest.mark.parametrize("pick", [slice(None), slice(5, 12), slice(None, None, -1), slice(0, 1)],
                         ids=["all", "middle", "reversed", "one row"])
def test_csv_rows_are_pandas_to_csv(pick):
    df = _frame().iloc[pick]
    assert all(exports._arrow_csv_column(df[c]) is not None for c in df.columns)  # the fast path, every column
    assert _csv_rows(df) == _to_csv(df)


def test_csv_rows_of_other_columns_go_through_pandas():
    df = _frame()
    n = len(df)
    for odd in (df.assign(b=([True, False] * n)[:n]), df.assign(文本=["a\x00b"] * n),
                df.assign(m=([1, "x", 2.5] * n)[:n]), df[["文本"]], df[["数", "整数"]],
                df.assign(f32=np.arange(n, dtype=np.float32) / 3 - 1)):  # float32: no bit view of its own
        assert _csv_rows(odd) == _to_csv(odd)
    assert _csv_rows(df.iloc[:0]) == b""


SHOWN_SAMPLES = {
    "str": pd.Series(["ok", "blank", None, "ok", "weird", "corrected", np.nan, "2024-01-02T03:04:05+00:00", "ARI-06",
                      "pdf"] * 3, dtype="str", index=range(5, 35)),
    "string": pd.Series(["ok", None, "ok", "x"] * 3, dtype="string"),
    "object text": pd.Series(["ok", None, "corrected", np.nan, "x", "ok"] * 2, dtype=object),
    "all blank": pd.Series([None] * 4, dtype="str"),
    "int": pd.Series([1, 0, 1, 2, 0]), "Int64": pd.Series([1, None, 0, 1], dtype="Int64"),
    "bool": pd.Series([True, False, True]), "boolean": pd.Series([True, None, False], dtype="boolean"),
    "float": pd.Series([1.0, np.nan, 0.0, -0.0]), "mixed": pd.Series([1, 1.0, True, None, "ok", np.nan], dtype=object),
    "one": pd.Series(["ok"], dtype="str"), "empty": pd.Series([], dtype="str"),
}


@pytest.mark.parametrize("kind", ["status", "decision", "kind", "source", "severity", "format", "template", "time",
                                  "rule", "yes", "kept"])
def test_labels_mapped_per_distinct_value_equal_series_map(kind, monkeypatch):
    for name, series in SHOWN_SAMPLES.items():
        try:
            got = _shown(kind, series.copy())
        except Exception as exc:  # a kind that refuses a column must refuse it as before
            got = type(exc)
        with monkeypatch.context() as m:
            m.setattr(exports, "_map_distinct", lambda s, fn: s.map(fn))
            try:
                want = _shown(kind, series.copy())
            except Exception as exc:
                want = type(exc)
        if isinstance(want, type) or isinstance(got, type):
            assert got == want, name
        else:
            pd.testing.assert_series_equal(got, want, check_exact=True, obj=name)


def test_map_distinct_calls_once_per_value():
    calls = []
    s = pd.Series(["ok", "blank", "ok", None, "ok"] * 1000, dtype="str")
    got = _map_distinct(s, lambda x: calls.append(x) or ("是" if x == "ok" else None))
    assert len(calls) == 3 and got.tolist() == s.map(lambda x: "是" if x == "ok" else None).tolist()
