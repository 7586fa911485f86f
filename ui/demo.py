"""The demo county (示例数据, ``sample_reports/demo/``, made by ``tools/make_demo.py``): its files, its roster, which
reports of the working set belong to it, and taking it out of the store again. No Streamlit here."""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Iterable, Optional

from parsing import uploads

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "sample_reports" / "demo"
MANIFEST = DEMO_DIR / "manifest.json"
ROSTER = DEMO_DIR / "名册.csv"
LABEL = "示例数据"
BANNER = ("示例数据：本页含自动生成的“示例市示例县”报告（并非真实政府报告），其中有意设置了若干问题（结转不一致、照抄往年、"
          "缺报年度、逾期发布、扫描件等），供试用审查台。可在“报告库”页一键移除。")


@functools.lru_cache(maxsize=1)
def manifest() -> dict:
    """The demo's manifest (files with their body, year, format, sha256, publication date and defect), or {}."""
    try:
        return json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def available() -> bool:
    return bool(manifest().get("files")) and ROSTER.exists()


def shas() -> frozenset:
    return frozenset(f["sha256"] for f in manifest().get("files", []))


def is_demo(sha: Optional[str]) -> bool:
    return bool(sha) and sha in shas()


def any_demo(sha_list: Iterable[str]) -> bool:
    demo = shas()
    return any(s in demo for s in sha_list)


def files() -> list[uploads.Upload]:
    """The demo's report files, in the manifest's order (bodies, then years)."""
    out = []
    for f in manifest().get("files", []):
        path = DEMO_DIR / f["file"]
        if path.is_file():
            out.append(uploads.Upload(f["file"], path.read_bytes()))
    return out


def roster_bytes() -> bytes:
    return ROSTER.read_bytes()


def county() -> str:
    return manifest().get("county", "示例县")


def _roster_ids(store) -> list:
    roster = store.roster()
    city = manifest().get("city", "示例市")
    return roster.loc[roster["city"] == city, "id"].tolist() if not roster.empty else []


def held(store) -> dict:
    """What of the demo ``store`` holds: ``{"reports": n, "roster": n}`` (reports by sha256, roster rows of the
    demo's city)."""
    if store is None:
        return {"reports": 0, "roster": 0}
    return {"reports": sum(sha in store for sha in shas()), "roster": len(_roster_ids(store))}


def remove(store) -> dict:
    """Delete every demo report (by sha256) and the demo's roster entries from ``store``; the store's own reports
    and roster stay. Returns ``{"reports": n, "roster": n}``."""
    n = sum(bool(store.delete(sha)) for sha in shas() if sha in store)
    ids = _roster_ids(store)
    if ids:
        store.remove_roster_entries(ids)
    return {"reports": n, "roster": len(ids)}
