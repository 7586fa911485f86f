"""Every sample report parses exactly to its golden file (values, notes, findings)."""
import pytest

from tests import golden_io

SAMPLES = golden_io.sample_files()
REAL = golden_io.real_files()


@pytest.mark.parametrize("path", SAMPLES + REAL, ids=[p.name for p in SAMPLES] + [f"real/{p.name}" for p in REAL])
def test_sample_matches_golden(path):
    got = golden_io.snapshot(path)
    if golden_io.updating():
        golden_io.write(path, got)
    assert golden_io.golden_path(path).exists(), f"no golden file for {path.name}: run with UPDATE_GOLDEN=1"
    want = golden_io.read(path)
    for key in ("error", "body", "region", "year", "template", "title", "sections", "tables_found"):
        assert got[key] == want[key], key
    assert len(got["values"]) == len(want["values"])
    diffs = [(w["table"], w["row"], w["column"], w["value"], g["value"])
             for g, w in zip(got["values"], want["values"]) if g != w]
    assert not diffs, diffs[:10]
    assert got["findings"] == want["findings"]


def test_every_sample_has_a_golden_file_and_no_stale_ones():
    for files, folder in ((SAMPLES, golden_io.GOLDEN), (REAL, golden_io.GOLDEN_REAL)):
        names = {golden_io.golden_path(p).name for p in files}
        stale = {p.name for p in folder.glob("*.json")} - names
        assert not stale, f"golden files without a sample: {stale}"
        assert files and names == {p.name for p in folder.glob("*.json")}
