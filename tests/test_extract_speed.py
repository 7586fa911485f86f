"""The extractor's fast paths give what the slow ones gave, on every report we hold.

Each fast path of ``parsing.extract`` (a frame built column by column, ...) is compared with the code it
replaced (kept in ``tests/extract_reference.py``) on the Documents of the sample reports, the test fixtures,
the shared real reports and seeds where this machine has them, and a small benchmark corpus built here:
every column's dtype, every cell's type and value. Scanned PDFs are left out (OCR takes seconds a page; their
Documents go through the same code as any other's)."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parsing import extract
from parsing import report as report_mod
from parsing.extract import notes as notes_mod
from parsing.model import ReportError
from parsing.readers import read_document

from . import extract_reference as ref

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path("/work/shared")
SKIP_SUFFIXES = (".json", ".py", ".md", ".csv", ".png")


def _held_files(tmp_dir: Path) -> list[Path]:
    dirs = [ROOT / "sample_reports", ROOT / "sample_reports" / "demo", ROOT / "tests" / "fixtures" / "pdf",
            ROOT / "tests" / "fixtures" / "real", SHARED / "real", SHARED / "seeds"]
    files = [p for d in dirs if d.is_dir() for p in sorted(d.iterdir())
             if p.is_file() and not p.name.endswith(SKIP_SUFFIXES) and "scan" not in p.name]
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from corpus import build_corpus
    finally:
        sys.path.remove(str(ROOT / "bench"))
    files += [Path(f.path) for f in build_corpus(16, 3, tmp_dir / "corpus", lambda *a: None)]
    return files


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    out = []
    for p in _held_files(tmp_path_factory.mktemp("held")):
        try:
            out.append((p.name, read_document(p.read_bytes(), p.name)))
        except ReportError:
            continue
    assert len(out) > 50
    return out


def _cells(df: pd.DataFrame) -> list:
    def one(v):
        if isinstance(v, float) and math.isnan(v):
            return (type(v).__name__, "NaN")
        return (type(v).__name__, v)
    return [tuple(one(v) for v in row) for row in df.itertuples(index=False)]


def assert_same_frame(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert list(fast.columns) == list(slow.columns)
    assert [(repr(t), getattr(t, "storage", None)) for t in fast.dtypes] == \
        [(repr(t), getattr(t, "storage", None)) for t in slow.dtypes]
    assert fast.index.equals(slow.index) and type(fast.index) is type(slow.index)
    assert _cells(fast) == _cells(slow)
    pd.testing.assert_frame_equal(fast, slow)


def _extract_all(documents):
    for name, doc in documents:
        try:
            extract.extract_report(doc, name)
        except ReportError:
            pass


def test_values_frame_built_by_columns_is_the_frame_built_by_rows(documents, monkeypatch):
    fast = extract.cells_to_values
    seen = []

    def both(matcher, template, notes):
        slow_notes = notes_mod.Notes()
        got = fast(matcher, template, notes)
        want = ref.cells_to_values(matcher, template, slow_notes)
        assert_same_frame(got, want)
        assert notes.rows[len(notes.rows) - len(slow_notes.rows):] == slow_notes.rows
        seen.append(template)
        return got

    monkeypatch.setattr(extract, "cells_to_values", both)
    _extract_all(documents)
    assert len(seen) > 50 and extract.FORM_2019 in seen and extract.FORM_2021 in seen


def test_notes_frame_built_by_columns_is_the_frame_built_by_rows(documents, monkeypatch):
    fast = notes_mod.Notes.frame
    kinds = set()

    def both(self):
        got = fast(self)
        assert_same_frame(got, self.frame_by_rows())
        kinds.update((c, type(r[c])) for r in self.rows for c in r)
        return got

    monkeypatch.setattr(notes_mod.Notes, "frame", both)
    _extract_all(documents)
    assert {("expected", int), ("expected", str), ("actual", str), ("row", type(None))} <= kinds


@pytest.mark.parametrize("rows", [
    [],
    [dict(expected=None, actual=None)],
    [dict(expected=3, actual="x"), dict(expected=None, actual=None)],
    [dict(expected=3, actual=2.5), dict(expected=4, actual=1)],
    [dict(expected=3, actual="a"), dict(expected="b", actual=None)],
    [dict(expected=2 ** 70, actual=True), dict(expected=1, actual=False)],
    [dict(expected=(1, 2), actual=float("nan")), dict(expected=None, actual="x")],
])
def test_notes_frame_of_every_mix_of_types_is_pandas_own(rows):
    n = notes_mod.Notes()
    for r in rows:
        n.add("PARSE-TEMPLATE", table="二", **r)
    assert_same_frame(n.frame(), n.frame_by_rows())


def test_findings_frame_built_by_columns_is_the_frame_built_by_rows(documents, monkeypatch):
    from parsing import rules

    fast = rules._frame
    sizes = []

    def both(rows, columns):
        got = fast(rows, columns)
        assert_same_frame(got, ref.findings_frame(rows, columns))
        sizes.append(len(rows))
        return got

    monkeypatch.setattr(rules, "_frame", both)
    reports = []
    for name, doc in documents:
        try:
            reports.append(extract.extract_report(doc, name))
        except ReportError:
            continue
        rules.check_report(reports[-1])
    rules.check_batch(reports)
    assert len(sizes) > 50 and max(sizes) > 20


def _same_list(a: list, b: list) -> bool:
    # the same objects where missing (np.nan, pd.NA, None), equal values of the same types elsewhere
    return len(a) == len(b) and all(type(x) is type(y) and (x is y or bool(x == y) or (
        isinstance(x, float) and x != x and y != y)) for x, y in zip(a, b))


def test_columns_read_through_pyarrow_are_pandas_tolist(documents):
    from parsing import rules

    kinds = set()
    for name, doc in documents:
        try:
            report = extract.extract_report(doc, name)
        except ReportError:
            continue
        for frame in (report.values, report.notes):
            for c in frame.columns:
                got, want = rules._as_list(frame[c]), frame[c].tolist()
                assert _same_list(got, want), (name, c)
                kinds.add(repr(frame[c].dtype))
    assert "<StringDtype(na_value=nan)>" in kinds and "dtype('O')" in kinds


@pytest.mark.parametrize("dtype", [pd.StringDtype("pyarrow", na_value=np.nan), pd.StringDtype("python", na_value=np.nan),
                                   pd.StringDtype("pyarrow"), object, None])
def test_a_column_of_any_text_dtype_reads_as_its_tolist(dtype):
    from parsing import rules

    col = pd.Series(["规章", None, "", "0", "１２"], dtype=dtype)
    assert _same_list(rules._as_list(col), col.tolist())


def test_sections_text_joined_once_is_the_text_grown_a_line_at_a_time(documents):
    from parsing.model import Document, TextBlock

    from parsing.extract import sections as sections_mod

    docs = [doc for _, doc in documents] + [Document(items=doc.stream, format=doc.format)
                                            for _, doc in documents if doc.stream]
    docs.append(Document(items=[TextBlock("一、总体情况", 1), TextBlock("", 1), TextBlock("  ", 1), TextBlock("", 1),
                                TextBlock("甲", 1), TextBlock("", 1), TextBlock("二、主动公开政府信息情况", 2),
                                TextBlock("", 2)], format="text"))
    texts = 0
    for doc in docs:
        got, want = sections_mod.blocks_to_sections(doc), ref.blocks_to_sections(doc)
        assert got[1:] == want[1:]
        assert got[0] == want[0]
        texts += sum(1 for s in got[0].values() if s.text)
    assert texts > 100
    assert sections_mod.blocks_to_sections(docs[-1])[0][1].text == "  \n\n甲\n"


def test_quiet_text_reading_has_the_cells_of_the_noted_one(documents):
    """reconcile's reading of the pages as text, made without notes, finds what it found with them: the same
    cells, rows and tables, and so the same PARSE-FROM-TEXT rows and PARSE-SOURCES-DISAGREE notes."""
    from parsing.forms import FORM_2021
    from parsing.model import Document

    from parsing.extract import matcher as matcher_mod

    from .test_grid_text_agree import GRID, TEXT, _doc

    made = [("agree.pdf", _doc(GRID, TEXT)), ("grid-short.pdf", _doc(GRID[:3], TEXT)),
            ("disagree.pdf", _doc(GRID, TEXT[:3] + ["行政规范性文件 3 1 21"]))]
    codes = set()
    read = 0
    for name, doc in list(documents) + made:
        streams = [doc] + ([Document(items=doc.stream, format=doc.format)] if doc.stream else [])
        template = extract.document_to_template(doc)[0] or FORM_2021
        readings = []
        for d in streams:
            tokens = matcher_mod.items_to_tokens(d, extract.blocks_to_sections(d)[2])
            noted, quiet = extract.TableMatcher(template, notes_mod.Notes()), extract.TableMatcher(template, None)
            noted.feed(tokens)
            quiet.feed(tokens)
            assert quiet.cells == noted.cells and quiet.row_complete == noted.row_complete, name
            assert quiet.rows_seen == noted.rows_seen and quiet.tables_seen == noted.tables_seen, name
            assert quiet.headers_三 == noted.headers_三, name
            readings.append((noted, quiet))
            read += bool(noted.cells)
        if len(readings) == 2 and doc.grids():
            (grid_a, grid_b), (text_noted, text_quiet) = readings
            notes_a, notes_b = notes_mod.Notes(), notes_mod.Notes()
            extract.reconcile(grid_a, text_noted, notes_a)
            extract.reconcile(grid_b, text_quiet, notes_b)
            assert notes_a.rows == notes_b.rows and grid_a.cells == grid_b.cells, name
            assert grid_a.rows_seen == grid_b.rows_seen and grid_a.tables_seen == grid_b.tables_seen, name
            codes.update(notes_a.codes())
    assert read > 50 and {"PARSE-FROM-TEXT", "PARSE-SOURCES-DISAGREE"} <= codes


def test_notes_merged_by_table_are_the_notes_merged_pairwise(documents, monkeypatch):
    import itertools
    import random

    from parsing import rules

    fast = rules._merge_notes
    dropped = []

    def both(notes, found):
        got = fast(notes, found)
        assert got == ref.merge_notes(notes, found)
        dropped.append(len(notes) + len(found) - len(got))
        return got

    monkeypatch.setattr(rules, "_merge_notes", both)
    for name, doc in documents:
        try:
            rules.check_report(extract.extract_report(doc, name))
        except ReportError:
            continue
    assert len(dropped) > 50 and sum(dropped) > 0
    # every mix of places and severities, notes and findings in one table or several
    places = [(None, None, None), ("二", None, None), ("三", None, None), ("三", "r1", None), ("三", None, "c1"),
              ("三", "r1", "c1"), ("三", "r2", "c1"), ("四", "r1", "c1")]
    rnd = random.Random(14)
    for _ in range(400):
        def one(i):
            t, r, c = rnd.choice(places)
            return dict(rule=f"R{i}", severity=rnd.choice(["info", "warning", "error", None]), table=t, row=r, column=c)
        notes = [one(i) for i in range(rnd.randrange(6))]
        found = [dict(one(i), severity=rnd.choice(["info", "warning", "error"])) for i in range(rnd.randrange(6))]
        assert fast(notes, found) == ref.merge_notes(notes, found)
    for n, f in itertools.product(places, repeat=2):
        notes, found = [dict(severity="warning", table=n[0], row=n[1], column=n[2])], \
            [dict(severity="error", table=f[0], row=f[1], column=f[2])]
        assert fast(notes, found) == ref.merge_notes(notes, found)


def test_heading_read_once_per_line_is_the_heading_read_for_each_last(documents):
    from parsing import forms
    from parsing.extract.sections import _lone_text, heading_section
    from parsing.model import Grid

    lines = {s.heading for s in forms.SECTIONS} | {s.heading[2:] for s in forms.SECTIONS}
    lines |= {"第二部分 主动公开政府信息情况", "三、收到和处理政府信息公开申请情况" * 3, "一、总体情况（续）", "四、 其他",
              "二、政府信息公开行政复议、行政诉讼情况", "## 五、存在的主要问题及改进情况", "**六、其他需要报告的事项**"}
    for _, doc in documents:
        for item in list(doc.items) + list(doc.stream or []):
            if isinstance(item, Grid):
                lines.update(t for row in item.rows if (t := _lone_text(row)))
            else:
                lines.add(item.text)
    found = set()
    for text in lines:
        for last in range(7):
            got = heading_section(text, last)
            assert got == ref.heading_section_each_last(text, last), (text, last)
            found.add(got)
    assert found == {None, 1, 2, 3, 4, 5, 6}


@pytest.mark.parametrize("vals", [["x", None, "y"], [1, 2, 3], [1.5, float("nan"), None], [(1, 2), [3], {"a": 1}],
                                  [True, 2 ** 70, pd.NA], ["规章"]])
def test_object_frame_from_the_arrays_is_the_constructors_frame(vals, monkeypatch):
    from parsing.report import FINDING_COLUMNS, object_frame

    data = {c: np.fromiter(vals[k % len(vals):] + vals[:k % len(vals)], dtype=object, count=len(vals))
            for k, c in enumerate(FINDING_COLUMNS)}
    want = pd.DataFrame(data, columns=FINDING_COLUMNS, dtype=object)
    got = object_frame(data, FINDING_COLUMNS)
    assert_same_frame(got, want)
    assert [got[c].tolist() for c in FINDING_COLUMNS] == [want[c].tolist() for c in FINDING_COLUMNS]
    got.loc[0, "rule"] = "changed"  # a frame's cell set: neither the arrays nor the next frame change
    assert_same_frame(object_frame(data, FINDING_COLUMNS), want)
    monkeypatch.setattr(pd.DataFrame, "_from_arrays", classmethod(lambda cls, arrays: None), raising=True)
    assert_same_frame(object_frame(data, FINDING_COLUMNS), want)  # a pandas whose signature changed
    monkeypatch.delattr(pd.DataFrame, "_from_arrays")  # a pandas without it: the constructor
    assert_same_frame(object_frame(data, FINDING_COLUMNS), want)


@pytest.mark.parametrize("raw, page, confidence, bbox", [
    (["0", None, "12"], [1, None, 3], [None] * 3, [(1.0, 2.0, 3.0, 4.0), None, (0, 0, 1, 1)]),
    (["0", "", "12"], [1, 2, 3], [None] * 3, [None] * 3),
    ([None] * 3, [None] * 3, [None] * 3, [None] * 3),
    (["规章", None, None], [None, None, 7], [None] * 3, [None, (1, 2, 3, 4), None]),
    (["0", None, "1"], [1, None, 2], [0.9, None, 0.5], [None] * 3),  # OCR confidences: the constructor's own
    (["0", None, "1"], [1.0, None, 2], [None] * 3, [None] * 3),
    ([3, None, "1"], [1, None, 2], [None] * 3, [[1, 2, 3, 4], None, None]),
])
def test_values_frame_from_its_arrays_is_the_constructors_frame(raw, page, confidence, bbox):
    from parsing.report import VALUE_COLUMNS

    status = ["ok", "missing", "blank"]
    keys = {c: pd.array(["二", "三", "四"], dtype=pd.StringDtype(na_value=np.nan)) for c in ("table", "row", "column", "form")}
    value = np.array([0.0, np.nan, 12.0])
    data = {"table": keys["table"], "row": keys["row"], "column": keys["column"], "value": value, "raw": raw,
            "page": page, "status": status, "form": keys["form"], "confidence": confidence, "bbox": bbox}
    want = pd.DataFrame(data, columns=VALUE_COLUMNS)
    arrays = extract._inferred_arrays(value.copy(), raw, page, status, confidence, bbox)
    if arrays is None:  # kinds a text-layer reading never gives: left to the constructor
        assert any(x is not None for x in confidence) or any(type(p) not in (int, type(None)) for p in page) or \
            any(type(r) not in (str, type(None)) for r in raw) or any(type(b) not in (tuple, type(None)) for b in bbox)
        return
    got = report_mod.frame_from_arrays([keys["table"].copy(), keys["row"].copy(), keys["column"].copy(), value.copy(),
                                        arrays[0], arrays[1], arrays[2], keys["form"].copy(), arrays[3], arrays[4]],
                                       VALUE_COLUMNS)
    assert_same_frame(got, want)


def test_values_frames_share_no_array_a_change_could_reach(documents):
    """The key columns are made once per process: a cell set in one report's frame is in no other frame."""
    reports = []
    for name, doc in documents[:12]:
        try:
            reports.append(extract.extract_report(doc, name))
        except ReportError:
            continue
    a, b = reports[0].values, reports[1].values
    before = b["table"].tolist()
    a.loc[0, "table"] = "改"
    a["row"] = a["row"].str.replace("、", "")
    assert b["table"].tolist() == before and a.loc[0, "table"] == "改"
    c = extract.extract_report(*next((d, n) for n, d in documents if n == reports[0].file)).values
    assert c.loc[0, "table"] != "改" and c["row"].tolist() != a["row"].tolist()


def test_mean_of_centres_is_statistics_mean():
    import random
    import statistics

    from parsing.extract.matcher import _mean

    rnd = random.Random(38)
    lists = [[rnd.uniform(0, 900)] for _ in range(300)] + [[rnd.uniform(0, 900), rnd.uniform(0, 900)] for _ in range(3000)]
    lists += [[rnd.uniform(-1, 1) * 10 ** rnd.randrange(-320, 309) for _ in range(rnd.randrange(1, 4))]
              for _ in range(3000)]
    lists += [[0.1, 0.2], [1e308, 1e308], [5e-324, 5e-324], [-0.0, 0.0], [-0.0], [-0.0, -0.0], [3, 4.5], [2, 3], [7], [1.5, 2.5, 3.5],
              [float("inf"), 1.0], [float("nan"), 1.0]]
    for xs in lists:
        got, want = _mean(xs), statistics.mean(xs)
        assert type(got) is type(want) and (got == want or (got != got and want != want)), xs
        assert math.copysign(1, got) == math.copysign(1, want) or got != got, xs


def _document_texts(documents, stripped: bool = False) -> set:
    """Every text of the documents held: their grids' cells and their text items (also stripped, if asked), in
    the reading order and in the text stream."""
    from parsing.model import Grid

    texts = set()
    for _, doc in documents:
        for item in list(doc.items) + list(doc.stream or []):
            if isinstance(item, Grid):
                texts.update(c.text for row in item.rows for c in row if c is not None)
            else:
                texts.update((item.text, item.text.strip()) if stripped else (item.text,))
    return texts


def test_prose_remembered_is_prose_read_again(documents):
    from parsing.forms import labels

    texts = _document_texts(documents, stripped=True)
    assert len(texts) > 1000
    kinds = {labels.is_prose(t) for t in texts}
    assert kinds == {True, False}
    assert all(labels.is_prose(t) == labels.is_prose.__wrapped__(t) for t in texts)


def test_texts_remembered_are_the_texts_read_again(documents):
    """to_simplified, metadata's _clean_line and the matcher's normalised words of a cell, remembered per text,
    give what they give read afresh (twice: the second answer is the remembered one)."""
    from parsing.extract import matcher as matcher_mod
    from parsing.extract import metadata as metadata_mod
    from parsing.forms import labels

    texts = _document_texts(documents)
    texts |= {"政府信息公開工作年度報告", "報(bào)告", "**一、总体情况**", "", " ", "自 然 人"}
    for f in (labels.to_simplified, metadata_mod._clean_line, matcher_mod._norm_words):
        for t in texts:
            assert f(t) == f(t) == f.__wrapped__(t), (f.__name__, t)
    assert matcher_mod._norm_words("自 然 人") == ("自", "然", "人") and matcher_mod._norm_words(" ") == ("",)


def test_fuzzy_match_over_the_shared_characters_is_the_match_over_every_pattern(documents):
    import random

    from parsing.extract import lexicon as lex
    from parsing.forms import norm
    from parsing.model import Grid

    segs = set()
    for _, doc in documents[:40]:
        for item in doc.items:
            texts = [c.text for row in item.rows for c in row if c is not None] if isinstance(item, Grid) else [item.text]
            segs.update(n for n in map(norm, texts) if 3 <= len(n) <= lex.FUZZY_MAX)
    rnd = random.Random(38)
    pats = [p for _, p, _, _ in lex._fuzzy_patterns()]
    for p in pats:  # misprints: a character changed, dropped or doubled, a prefix or a remark added
        for _ in range(4):
            i = rnd.randrange(len(p))
            segs.update({p[:i] + rnd.choice("的一是不了人我在有他这为之大来以个中上们") + p[i + 1:], p[:i] + p[i + 1:],
                         p[:i] + p[i] + p[i:], rnd.choice(["申请", "总计", "（一）", "1."]) + p, p + "（件）"})
    segs = sorted(s for s in segs if 3 <= len(s) <= lex.FUZZY_MAX)
    assert len(segs) > 1000
    found = 0
    for seg in segs:
        for table in (None, "二", "三", "四"):
            got, want = lex._fuzzy(seg, 5, table), ref.fuzzy(seg, 5, table)
            assert (got is None) == (want is None), (seg, table)
            if got is not None:
                assert (got.entry, got.start, got.end, got.printed, got.exact) == \
                    (want.entry, want.start, want.end, want.printed, want.exact), (seg, table)
                found += 1
    assert found > 500


def test_lookup_of_a_hit_in_one_cell_is_the_lookup_over_its_cells(documents):
    from parsing.extract import matcher as matcher_mod
    from parsing.forms import FORM_2021
    from parsing.model import Cell, Document, TextBlock

    def seen(h):
        return (h.entry, h.start, h.end, h.printed, h.token, type(h.x), h.x, math.copysign(1, h.x or 1), h.col)

    made = Document(items=[TextBlock("自 然 人 商业企业", 1, words=[  # a centre of -0.0: 0.0 to sum()
        Cell("自", 1, (-1.0, 0, 1.0, 5)), Cell("然", 1, (2, 0, 4, 5)), Cell("人", 1, (5, 0, 7, 5)),
        Cell("商业企业", 1, (-0.0, 0, -0.0, 5))])], format="pdf")
    runs = 0
    kinds = set()
    for _, doc in list(documents) + [("made", made)]:
        for d in [doc] + ([Document(items=doc.stream, format=doc.format)] if doc.stream else []):
            toks = matcher_mod.items_to_tokens(d, extract.blocks_to_sections(d)[2])
            texts = [t for t in toks if t.kind == matcher_mod.TEXT]
            for i in range(0, len(texts), 3):
                for w in (1, 2, 4):
                    run = texts[i:i + w]
                    for table in (None, "三"):
                        m = extract.TableMatcher(FORM_2021, None)
                        m.state.table = table
                        got, want = m._lookup(run), ref.lookup(m, run)
                        assert got[1] == want[1]
                        assert [seen(h) for h in got[0]] == [seen(h) for h in want[0]]
                        runs += 1
                        kinds.update((h.x is None, h.col is None) for h in got[0])
    assert runs > 5000 and {(True, True), (False, True)} <= kinds
