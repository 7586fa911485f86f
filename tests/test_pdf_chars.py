"""A table page's characters as rows (text, x0, x1, top, bottom, upright) instead of a pdfplumber dict each.

``pdfium_to_page`` reads the characters the page keeps with one loose-box call each, straight into an array, and
hands them on as rows; pdfplumber's dicts are made from the rows only where pdfplumber's code reads characters
(fake bold, cells on several lines, rotated text, the tests). ``page_to_items`` reads a page without doubled
characters on its rows (``_rows_to_items``). Each must give exactly what the dict path gave: the same characters as
the old per-character loop, the same cells and lines, the same page items, on every page of every PDF we hold and
on random characters."""
import itertools
import math
import random

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsing.readers import pdf as P
from tests.test_pdf_speed import PDFS, _pdf_pages, _text_objects


def _old_page_chars(page, textpage, raw=None, upright=False):
    """The characters and the fake-bold answer of ``pdfium_to_page`` before rows: one dict per character."""
    left, bottom_y, right, top_y = page.get_mediabox()
    handle = textpage.raw
    box = pdfium_c.FS_RECTF()
    chars, index_of, inked = [], [], ([], [], [])
    count = textpage.count_chars()
    texts = raw if raw is not None and len(raw) == count else None
    for i in range(count):
        if texts is None:
            if pdfium_c.FPDFText_IsGenerated(handle, i) == 1:
                continue
            code = pdfium_c.FPDFText_GetUnicode(handle, i)
        else:
            code = ord(texts[i])
            if code <= 0x20 or texts[i].isspace():
                if pdfium_c.FPDFText_IsGenerated(handle, i) == 1:
                    continue
        if code < 0x20 or code in (0xFFFE, 0xFFFF):
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(handle, i, box):
            continue
        b_left, b_right, b_top, b_bottom = box.left, box.right, box.top, box.bottom
        x0, x1 = b_left - left, b_right - left
        top, bottom = top_y - b_top, top_y - b_bottom
        text = chr(code)
        chars.append({"object_type": "char", "text": text, "x0": x0, "x1": x1, "top": top,
                      "bottom": bottom, "doctop": top, "width": x1 - x0, "height": bottom - top,
                      "size": None, "fontname": "",
                      "upright": upright or abs(pdfium_c.FPDFText_GetCharAngle(handle, i)) < 0.01,
                      "matrix": (1, 0, 0, 1, x0, top_y - b_bottom)})
        index_of.append(i)
        if not text.isspace():
            for ink, value in zip(inked, (text, top, x0)):
                ink.append(value)
    doubled = P._doubled(*inked)
    if doubled:
        for c, i in zip(chars, index_of):
            c["size"] = round(pdfium_c.FPDFText_GetFontSize(handle, i), 2)
    return chars, doubled


def _same_chars(new, old):
    """Equal lists of dicts, with the same keys in the same order and the same types (True, not 1)."""
    assert new == old
    for a, b in zip(new, old):
        assert list(a) == list(b)
        assert [type(v) for v in a.values()] == [type(v) for v in b.values()]


def test_page_characters_equal_the_old_loop(monkeypatch):
    """The characters read into an array and made into rows: the old loop's dicts (texts from the page's text or
    asked, angles known or asked), on every page of every PDF held and the made pages; and with every page taken
    for fake bold (pdfium's text page merges the fake bold of the PDFs held), their font sizes asked."""
    compared = doubled = 0
    real, real_page = P._doubled, P._page_doubled
    for k, (name, page) in enumerate(_pdf_pages()):
        monkeypatch.setattr(P, "_doubled", (lambda *a: True) if k % 3 == 0 else real)
        monkeypatch.setattr(P, "_page_doubled", (lambda *a: True) if k % 3 == 0 else real_page)
        textpage = page.get_textpage()
        raw = textpage.get_text_range()
        upright = P.texts_upright(_text_objects(page))
        for args in ((), (raw,), (raw, None, upright)):
            old, old_doubled = _old_page_chars(page, textpage, *[a for k, a in enumerate(args) if k != 1])
            new = P.pdfium_to_page(page, textpage, *args)
            _same_chars(new.chars, old)
            assert new.doubled is old_doubled, name
            assert (new.rows is None) is old_doubled, name
            if new.rows is not None:
                assert new.rows == [(c["text"], c["x0"], c["x1"], c["top"], c["bottom"], c["upright"]) for c in old]
            compared += len(old)
            doubled += old_doubled
    assert compared > 100_000 and doubled > 30


def _old_path(page):
    """The same page for page_to_items' dict path (its characters as pdfplumber's dicts, no rows)."""
    return P.PdfiumPage(page.chars, page.edges, page.width, page.height, page.doubled)


def test_page_items_on_rows_equal_the_dict_path():
    """A table page read on its character rows: the same tables, cells, lines and furniture as on pdfplumber's
    dicts, on every table page of every PDF held."""
    fast = 0
    for path in PDFS:
        try:
            pdf = pdfium.PdfDocument(path.read_bytes())
        except pdfium.PdfiumError:
            continue
        for i in range(len(pdf)):
            info = P.pdfium_to_triage(pdf, i)
            page = info.objects
            if page is None:
                continue
            old = P.page_to_items(_old_path(page), info.number)
            assert P.page_to_items(page, info.number) == old, (path.name, info.number)
            fast += page.rows is not None and old[0] is not None
    assert fast > 50


def _random_rows(rng, count, tops, steps, letters, rotated):
    rows, x = [], rng.uniform(0, 50)
    for _ in range(count):
        w = rng.uniform(2, 8)
        x += rng.choice(steps)
        top = 100 + rng.choice(tops)
        rows.append((rng.choice(letters), x, x + w, top, top + 9.0, rng.random() >= rotated))
    return rows


def test_cells_and_lines_of_rows_equal_those_of_dicts():
    """rows_cell_text, rows_extract_text and rows_text_lines: cell_text, extract_text and text_lines of the rows'
    dicts, on random rows (one or several characters, blanks, empty texts, gaps near the tolerance, several lines,
    overlaps, out of order, rotated text, ligatures, line breaks in a text)."""
    rng = random.Random(29)
    letters = list("0123456789一二三件其他 ,.-") + ["ﬁ", " ", "\u3000", "", "a\nb"]
    short = {"cell": 0, "line": 0}
    for case in range(6000):
        rows = _random_rows(rng, rng.choice([1, 1, 2, 3, 4, 6, 12]), [0, 0, 0, 0.5, 1.5, 2.8, 2.95, 3.2, 12],
                            [0, 0, 0.5, 2.9, 3.0, 3.1, 6, -1, -9], letters, 0.05 if case % 2 else 0.0)
        if rng.random() < 0.2:
            rng.shuffle(rows)
        chars = P.rows_to_chars(rows)
        assert P.rows_cell_text(rows) == P.cell_text(chars), rows
        assert P.rows_extract_text(rows) == P.extract_text(chars), rows
        assert P.rows_text_lines(rows) == P.text_lines(chars), rows
        plain = all(r[5] is True and "\n" not in r[0] for r in rows)
        short["line"] += plain
        short["cell"] += plain and max(r[3] for r in rows) - min(r[3] for r in rows) < P._ONE_LINE
    assert P.rows_text_lines([]) == P.text_lines([]) == []
    assert min(short.values()) > 1000  # the rows' own ways, not only the fallbacks


def test_index_of_rows_equals_the_index_of_dicts():
    """CharIndex.of_rows: the middles, order and cells of CharIndex on the rows' dicts, on table pages held and
    on random rows with ties and NaN; a row's cells at once (in_cells) as one by one."""
    rng = random.Random(3)
    cases = []
    for name, page in itertools.islice(_pdf_pages(), 120):
        read = P.pdfium_to_page(page, page.get_textpage())
        if read.rows is not None:
            cases.append(read.rows)
    for _ in range(300):
        rows = _random_rows(rng, rng.randint(0, 30), [0, 0, 1, 2, 9, math.nan], [0, 1, 3, math.nan], list("12 一"),
                            0.0)
        cases.append(rows)
    for rows in cases:
        new, old = P.CharIndex.of_rows(rows), P.CharIndex(P.rows_to_chars(rows))
        assert new.chars is rows
        for attr in ("v", "order", "v_mid", "h_mid"):
            assert repr(getattr(new, attr)) == repr(getattr(old, attr))
        box = (rng.uniform(0, 300), rng.uniform(0, 300), rng.uniform(300, 600), rng.uniform(300, 800))
        assert new.inside(box) == old.inside(box)
        mid = (box[0] + box[2]) / 2
        if rows and rng.random() < 0.7:  # a cell edge through a character's middle (right edges out, left in)
            r = rng.choice(rows)
            mid = (r[1] + r[2]) / 2
        cells = [None, box, (box[0], box[1], mid, box[3]), (mid, *box[1:])]
        for index in (new, old):  # a row's cells at once: each cell's inside() among the row's characters
            in_row = index.inside(box)
            assert index.in_cells(box, cells) == [None] + [index.inside(c, in_row) for c in cells[1:]]
        assert new.outside([box]) == [tuple(c[k] for k in ("text", "x0", "x1", "top", "bottom", "upright"))
                                      for c in old.outside([box])]


def test_table_cells_at_once_as_row_by_row(monkeypatch):
    """CharIndex.table_cells (every cell of a table tested at once) gives what in_cells gives row by row, for the
    tables of the pages held (both indexes) and for random grids of random characters: cells missing, edges
    through characters' middles, ties, NaN middles and NaN cell edges (row by row there)."""
    from pdfplumber.table import Row

    compared = 0
    for name, page in itertools.islice(_pdf_pages(), 200):
        read = P.pdfium_to_page(page, page.get_textpage())
        if read.rows is None:
            continue
        for table in read.find_tables():
            rows = table.rows
            for index in (P.CharIndex.of_rows(read.rows, read.columns), P.CharIndex(read.chars)):
                assert index.table_cells(rows) == [index.in_cells(r.bbox, r.cells) for r in rows], name
            compared += 1
    assert compared > 20
    rng = random.Random(11)
    for case in range(400):
        chars = _random_rows(rng, rng.randint(0, 60), [0, 0, 4, 9, 20, 31, math.nan if case % 7 == 0 else 0],
                             [0, 1, 3, 8, -20], list("12 一"), 0.0)
        xs = sorted(rng.sample([50.0, 60.0, 70.0, 75.5, 90.0, 120.0, 200.0], rng.randint(2, 5)))
        ys = sorted(rng.sample([90.0, 100.0, 104.5, 109.0, 113.0, 140.0], rng.randint(2, 4)))
        if chars and rng.random() < 0.5:  # an edge through a character's middle
            xs = sorted(set(xs + [(chars[0][1] + chars[0][2]) / 2]))
        rows = []
        for top, bottom in zip(ys, ys[1:]):
            cells = [None if rng.random() < 0.2 else (a, top, b, bottom) for a, b in zip(xs, xs[1:])]
            if case % 11 == 0 and rng.random() < 0.3:
                cells[0] = (math.nan, top, xs[1], bottom)
            if any(cells):
                rows.append(Row(cells))
        if case == 300:  # too many tests at once: row by row
            monkeypatch.setattr(P, "_MAX_CELL_TESTS", 0)
        for index in (P.CharIndex.of_rows(chars), P.CharIndex(P.rows_to_chars(chars))):
            assert index.table_cells(rows) == [index.in_cells(r.bbox, r.cells) for r in rows], (case, chars, rows)


def test_page_doubled_as_doubled():
    """_page_doubled (code points rank one-character texts, blanks by regular expression) answers as _doubled on
    the non-blank characters, on the pages held and on random pages: painted twice or not, blanks, ties of
    top and x0 near the tolerance, texts of several characters or none, NaN edges."""
    import numpy as np

    def old(texts, columns):
        x0s, tops = columns[0].tolist(), columns[2].tolist()
        inked = [k for k, text in enumerate(texts) if not text.isspace()]
        return P._doubled([texts[k] for k in inked], [tops[k] for k in inked], [x0s[k] for k in inked])

    answers = set()
    for name, page in itertools.islice(_pdf_pages(), 200):
        read = P.pdfium_to_page(page, page.get_textpage())
        rows = read.rows if read.rows is not None else P._char_rows(read.chars)
        columns = np.array([r[1:5] for r in rows], dtype=np.float64).reshape(-1, 4).T
        texts = [r[0] for r in rows]
        assert P._page_doubled(texts, columns) == old(texts, columns), name
        answers.add(old(texts, columns))
    rng = random.Random(5)
    letters = list("12一二 \u3000\t") + ["\ud800", "😀", "ab", ""]
    for case in range(3000):
        n = rng.randint(0, 12)
        texts = [rng.choice(letters[:9] if case % 3 else letters) for _ in range(n)]
        x0 = [rng.choice([0.0, 0.5, 1.0, 1.5, 10.0, -0.0, math.nan if case % 13 == 0 else 2.0]) for _ in range(n)]
        top = [rng.choice([0.0, 1.0, 2.0, 2.5, -0.0, math.nan if case % 17 == 0 else 3.0]) for _ in range(n)]
        columns = np.array([x0, x0, top, top], dtype=np.float64).reshape(4, -1)
        answers.add(old(texts, columns))
        assert P._page_doubled(texts, columns) == old(texts, columns), (texts, x0, top)
    assert answers == {True, False}


def test_clustered_as_cluster_objects():
    """_clustered: pdfplumber's cluster_objects (without preserve_order) on random keys: ties, signed zeros,
    chains of values within the tolerance, infinities, NaN, tolerance 0, no items."""
    from operator import itemgetter

    from pdfplumber.utils.clustering import cluster_objects

    rng = random.Random(17)
    pool = [0.0, -0.0, 1.0, 2.5, 3.0, 3.1, 5.9, 6.0, 9.05, 100.0, math.inf, -math.inf]
    for case in range(5000):
        keys = [rng.choice(pool + ([math.nan] if case % 9 == 0 else [])) for _ in range(rng.randint(0, 12))]
        items = [(k, n) for n, k in enumerate(keys)]
        for tolerance in (3, 0, 0.1):
            got = P._clustered(items, itemgetter(0), tolerance)
            assert repr(got) == repr(cluster_objects(items, itemgetter(0), tolerance)), (items, tolerance)


def test_cell_members_as_every_point_against_every_box():
    """_cell_members (each box tests only the points of its band, found by bisection) gives what testing every
    point against every box at once gave (CharIndex.table_cells before): random points with ties and NaN
    horizontal middles, random boxes (no NaN: table_cells goes row by row then) overlapping, empty, upside down,
    with edges through points and infinite; all points, or some given sorted by their vertical middle."""
    import numpy as np

    def old(b, hn, vn):
        inside = ((hn >= b[:, 0, None]) & (hn < b[:, 2, None])) & ((vn >= b[:, 1, None]) & (vn < b[:, 3, None]))
        return np.nonzero(inside)[1].tolist(), np.cumsum(inside.sum(axis=1)).tolist()

    rng = random.Random(17)
    for case in range(3000):
        n, m = rng.randint(0, 40), rng.randint(1, 25)
        grid = [0.0, -0.0, 1.0, 2.5, 3.0, 7.0, 10.0]
        h = [rng.choice(grid) if rng.random() < 0.4 else rng.uniform(-2, 12) for _ in range(n)]
        v = [rng.choice(grid) if rng.random() < 0.4 else rng.uniform(-2, 12) for _ in range(n)]
        if case % 5 == 0:
            h = [math.nan if rng.random() < 0.2 else x for x in h]
        boxes = []
        for _ in range(m):
            pick = (lambda: rng.choice([x for x in h + v + grid if x == x])) if (h and rng.random() < 0.5) else (lambda: rng.uniform(-3, 13))
            x0, x1, top, bottom = pick(), pick(), pick(), pick()
            if rng.random() < 0.8:
                x0, x1 = min(x0, x1), max(x0, x1)
                top, bottom = min(top, bottom), max(top, bottom)
            if rng.random() < 0.05:
                x0, top, x1, bottom = -math.inf, -math.inf, math.inf, math.inf
            boxes.append((x0, top, x1, bottom))
        b = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        hn, vn = np.array(h, dtype=np.float64), np.array(v, dtype=np.float64)
        ids, ends = P._cell_members(b, hn, vn)
        assert (ids.tolist(), ends.tolist()) == old(b, hn, vn), (case, h, v, boxes)
        some = [k for k in range(n) if rng.random() < 0.6]  # only some points, given sorted by v (CharIndex.order)
        by_v = np.array(sorted(some, key=v.__getitem__), dtype=np.intp)
        ids, ends = P._cell_members(b, hn, vn, by_v)
        want, want_ends = old(b, hn[some], vn[some])
        assert (ids.tolist(), ends.tolist()) == ([some[k] for k in want], want_ends), (case, h, v, boxes, some)
