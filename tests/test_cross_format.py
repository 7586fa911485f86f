"""Every value of a sample is the same in every format it ships in (text, DOCX, PDF, HTML, GBK text).

The text seed is the reference (its values are checked by hand in test_seeds.py and the golden
files). A blank/unreadable cell must stay null in every format: never 0.
"""
import math
from pathlib import Path

import pytest

from parsing import parse_path
from parsing.readers import EXTENSIONS

ROOT = Path(__file__).resolve().parent.parent
S = ROOT / "sample_reports"
SEEDS = {p.name[:3]: p for p in S.glob("[0-9][0-9][0-9]_*.txt") if len(p.stem) == 20}
VARIANTS = sorted(p for p in S.iterdir()
                  if p.name[:3] in SEEDS and p != SEEDS[p.name[:3]]
                  and p.suffix.lower() in EXTENSIONS)


def _values(rep):
    return {(r.table, r.row, r.column): r.value for r in rep.values.itertuples(index=False)}


@pytest.mark.parametrize("path", VARIANTS, ids=[p.name for p in VARIANTS])
def test_variant_has_the_seed_values(path):
    seed = parse_path(SEEDS[path.name[:3]])
    rep = parse_path(path)
    assert rep.error is None, rep.error
    if rep.ocr:
        pytest.skip("OCR samples are compared in test_ocr.py")
    assert (rep.body, rep.year, rep.template) == (seed.body, seed.year, seed.template)
    want, got = _values(seed), _values(rep)
    assert want.keys() == got.keys()
    diff = {k: (w, got[k]) for k, w in want.items()
            if not (w == got[k] or (math.isnan(w) and math.isnan(got[k])))}
    assert not diff, list(diff.items())[:8]
    assert rep.sections_found() == seed.sections_found()


def test_there_are_variants_in_several_formats():
    assert {p.suffix.lower() for p in VARIANTS} >= {".docx", ".pdf"}
