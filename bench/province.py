"""A province-sized store, built fast: bodies × years of synthetic reports of the 2021 form.

:func:`build_store` writes in one transaction of the store (:meth:`Store.transaction`), with the store's own
cell ids (``Store._cell_id``), finding keys (:func:`parsing.store.finding_key`), current-version rule
(:func:`parsing.store.reports.recompute_all_current`) and roster import (:meth:`Store.import_roster`, which
matches every body): the rows are exactly what :meth:`Store.add` writes for :func:`parsed_report` of the same
spec (``tests/test_province_store.py`` compares both), only bulk-inserted (30,000 reports in about a minute
instead of ten).

Each report: every cell of the 2021 form, about 15 % blank (NaN, raw ``""``, status ``blank``), six sections
found, a short running text, up to five findings (``ARI-06`` on blank cells). Bodies are
``第{c}市第{k}县第{b}镇`` in 4 cities × 5 counties, on a roster of every body plus one that never reports.
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from parsing import forms  # noqa: E402
from parsing.report import FINDING_COLUMNS, VALUE_COLUMNS, ParsedReport, SectionText  # noqa: E402
from parsing.store import Store, finding_key  # noqa: E402
from parsing.store.reports import recompute_all_current  # noqa: E402

CELLS = forms.ALL_CELLS_2021
CITIES, COUNTIES = 4, 5
TEXT = "本机关依照《中华人民共和国政府信息公开条例》主动公开政府信息。" * 40
SECTION_TEXT = "本年度工作情况概述。" * 20
FINDINGS_PER_REPORT = 5


@dataclass
class Spec:
    """One synthetic report: its body, year and the numbers put in (NaN = blank)."""

    i: int
    body: str
    year: int
    values: np.ndarray  # float64, len(CELLS)
    pages: np.ndarray  # int, len(CELLS)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.body}|{self.year}|{self.i}".encode()).hexdigest()

    @property
    def file(self) -> str:
        return f"{self.body}{self.year}.pdf"

    @property
    def title(self) -> str:
        return f"{self.body}{self.year}年政府信息公开工作年度报告"

    def blank(self) -> np.ndarray:
        return np.isnan(self.values)


def body_names(n_bodies: int) -> list[str]:
    return [f"第{b % CITIES}市第{(b // CITIES) % COUNTIES}县第{b}镇" for b in range(n_bodies)]


def specs(n_bodies: int, years: int, seed: int = 2024, last_year: int = 2024):
    """Every (body, year) spec, year after year, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    bodies = body_names(n_bodies)
    n = len(CELLS)
    i = 0
    for year in range(last_year - years + 1, last_year + 1):
        for body in bodies:
            values = rng.integers(0, 500, n).astype("float64")
            values[rng.random(n) < 0.15] = math.nan
            yield Spec(i, body, year, values, rng.integers(1, 8, n))
            i += 1


def _findings(spec: Spec) -> list[dict]:
    return [dict(rule="ARI-06", severity="warning", message="单元格为空", table=c.table, row=c.row, column=c.column,
                 section=None, expected=None, actual=None)
            for c, b in zip(CELLS, spec.blank()) if b][:FINDINGS_PER_REPORT]


def _sections() -> dict[int, SectionText]:
    return {k: SectionText(k, True, f"第{k}部分", SECTION_TEXT, 1) for k in range(1, 7)}


def parsed_report(spec: Spec) -> tuple[ParsedReport, pd.DataFrame]:
    """The ParsedReport and findings frame of a spec, for :meth:`Store.add` (the slow path the bulk one equals)."""
    blank = spec.blank()
    frame = pd.DataFrame({
        "table": [c.table for c in CELLS], "row": [c.row for c in CELLS], "column": [c.column for c in CELLS],
        "value": spec.values, "raw": ["" if b else str(int(v)) for v, b in zip(spec.values, blank)],
        "page": pd.Series([int(p) for p in spec.pages], dtype=object),
        "status": ["blank" if b else "ok" for b in blank], "form": [c.form for c in CELLS],
        "confidence": pd.Series([None] * len(CELLS), dtype=object),
        "bbox": pd.Series([None] * len(CELLS), dtype=object)}, columns=VALUE_COLUMNS)
    report = ParsedReport(file=spec.file, sha256=spec.sha256, format="pdf", body=spec.body, year=spec.year,
                          template=forms.FORM_2021, title=spec.title, sections=_sections(), values=frame,
                          text=TEXT, page_count=8)
    return report, pd.DataFrame(_findings(spec), columns=FINDING_COLUMNS)


def roster_frame(n_bodies: int) -> pd.DataFrame:
    bodies = body_names(n_bodies)
    return pd.DataFrame({"单位名称": bodies + ["未报告镇"],
                         "市": [b.split("市")[0] + "市" for b in bodies] + ["第0市"],
                         "县区": [b.split("市")[1].split("县")[0] + "县" for b in bodies] + ["第0县"],
                         "乡镇街道": [b.split("县")[1] for b in bodies] + ["未报告镇"]})


def build_store(path: str | Path, n_bodies: int, years: int, seed: int = 2024, roster: bool = True,
                log: Optional[Callable[[str], None]] = None) -> int:
    """Bulk-write ``n_bodies × years`` synthetic reports into the store at ``path``; returns the count."""
    from parsing import PARSER_VERSION
    from parsing.store.db import _extra, _now
    from parsing.store.reports import _REPORT_FIELDS, _SECTION_FIELDS, report_body_key

    store = Store(path)
    try:
        with store.transaction() as c:
            cell_ids = [store._cell_id(c, c_.table, c_.row, c_.column) for c_ in CELLS]
            forms_ = [c_.form for c_ in CELLS]
            seqs = list(range(len(CELLS)))
            sections = _sections()
            sec_rows = [(int(n), 1, s.heading, s.text, s.page, _extra(s, _SECTION_FIELDS))
                        for n, s in sorted(sections.items())]
            template = ParsedReport(file="", format="pdf", template=forms.FORM_2021, page_count=8)
            n = 0
            for spec in specs(n_bodies, years, seed):
                # replace() shares the template's (empty) frames: no pandas construction per report
                report = dataclasses.replace(template, file=spec.file, sha256=spec.sha256, body=spec.body,
                                             year=spec.year, title=spec.title)
                now = _now()
                blank = spec.blank().tolist()
                values = spec.values.tolist()
                n_ok = len(blank) - sum(blank)
                rid = c.execute(
                    "INSERT INTO reports(sha256, file_name, body, body_key, region, year, year_source, template,"
                    " title, format, page_count, ocr, tables_found, text, parser_version, added_at, parsed_at,"
                    " error, extra, cells_read) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (spec.sha256, spec.file, spec.body, report_body_key(report), None, spec.year, None,
                     forms.FORM_2021, spec.title, "pdf", 8, 0, "{}", TEXT, PARSER_VERSION, now, now, None,
                     _extra(report, _REPORT_FIELDS), n_ok)).lastrowid
                c.executemany(
                    "INSERT INTO cell_values(report_id, seq, cell_id, value, raw, page, status, form, confidence,"
                    " bbox) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [(rid, s, cid, None if b else v, "" if b else str(int(v)), int(p), "blank" if b else "ok", f,
                      None, None)
                     for s, cid, v, b, p, f in zip(seqs, cell_ids, values, blank, spec.pages.tolist(), forms_)])
                c.executemany("INSERT INTO sections(report_id, number, found, heading, text, page, extra)"
                              " VALUES (?,?,?,?,?,?,?)", [(rid, *r) for r in sec_rows])
                c.executemany(
                    "INSERT INTO findings(report_id, kind, seq, rule, severity, message, table_id, row_key,"
                    " col_key, section, expected, actual, finding_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(rid, "finding", k, f["rule"], f["severity"], f["message"], f["table"], f["row"], f["column"],
                      None, None, None, finding_key(f["rule"], f["table"], f["row"], f["column"], None))
                     for k, f in enumerate(_findings(spec))])
                n += 1
                if log and n % 5000 == 0:
                    log(f"  {n} reports written")
            recompute_all_current(c)
        if roster:
            store.import_roster(roster_frame(n_bodies))
    finally:
        store.close()
    return n

