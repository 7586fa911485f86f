"""The one pool on a Dask cluster: a folder imported through a LocalCluster on 127.0.0.1 (one worker process)
gives the very reports, values and findings the local warm pool gives, from the library and from the command
line (``import --scheduler``). The cluster is closed at the end."""
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed")

from parsing.batch import import_folder  # noqa: E402
from parsing.cluster import DaskPool, local_cluster  # noqa: E402
from parsing.store import Store  # noqa: E402
from tests.store_contents import stored  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"
# one file per body and year: which of two equal versions is current depends on which is stored last, and an
# import stores files as they finish (in any pool)
FILES = ["000_f2cddb79f4434941.txt", "001_a7d1ab90ef2b8173_gov.html", "002_4cd244469f2197ef.docx",
         "003_f33e39129a8130ac.pdf", "004_19df153a773c7689.txt"]


@pytest.fixture(scope="module")
def cluster():
    c = local_cluster(n_workers=1, threads_per_worker=1)
    assert c.scheduler_address.startswith("tcp://127.0.0.1:")
    yield c
    c.close()


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "县"
    d.mkdir()
    for name in FILES:
        shutil.copy(SAMPLES / name, d / name)
    return d


def test_import_through_a_local_cluster_equals_the_local_pool(cluster, folder, tmp_path):
    with Store(tmp_path / "local.sqlite3") as s:
        local = import_folder(folder, s, workers=2)
    with Store(tmp_path / "dask.sqlite3") as s, DaskPool(cluster) as pool:
        assert pool.size == 1
        remote = import_folder(folder, s, pool=pool)
    assert local == remote and local["imported"] == len(FILES) and not local["failed"]
    a, b = stored(tmp_path / "local.sqlite3"), stored(tmp_path / "dask.sqlite3")
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
    assert len(a[1]) > 100 and a[1]["value"].notna().any() and len(a[2]) > 0
    assert not a[0].duplicated(["body_key", "year"]).any() and a[0]["is_current"].all()


def test_command_line_import_with_scheduler(cluster, folder, tmp_path):
    with Store(tmp_path / "local.sqlite3") as s:
        import_folder(folder, s, workers=1)
    out = subprocess.run([sys.executable, "-m", "parsing", "import", str(folder), "--db", str(tmp_path / "cli.sqlite3"),
                          "--scheduler", cluster.scheduler_address], capture_output=True, text=True, cwd=ROOT,
                         timeout=1200)
    assert out.returncode == 0, out.stderr
    assert "使用集群" in out.stderr and f"新导入 {len(FILES)} 份" in out.stdout
    for x, y in zip(stored(tmp_path / "local.sqlite3"), stored(tmp_path / "cli.sqlite3")):
        pd.testing.assert_frame_equal(x.drop(columns=[c for c in ("file_name",) if c in x]),
                                      y.drop(columns=[c for c in ("file_name",) if c in y]))


def test_help_names_the_scheduler_option_in_chinese():
    out = subprocess.run([sys.executable, "-m", "parsing", "import", "-h"], capture_output=True, text=True, cwd=ROOT)
    assert "--scheduler 地址" in out.stdout and "Dask 集群" in out.stdout
