"""Golden files: what each sample report parses to (metadata, every cell, findings).

Regenerate after a reviewed change with ``UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py``
and read the diff before committing it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from parsing import parse_path
from parsing.cli import findings_for
from parsing.readers import EXTENSIONS
from parsing.report import FINDING_COLUMNS, json_number, json_value

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_reports"
REAL = ROOT / "tests" / "fixtures" / "real"  # reports governments published, truth read by hand (index.json)
GOLDEN = ROOT / "tests" / "golden"
GOLDEN_REAL = GOLDEN / "real"
REPORT_SUFFIXES = set(EXTENSIONS)  # every format the readers take


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in REPORT_SUFFIXES)


def real_files() -> list[Path]:
    return sorted(p for p in REAL.iterdir() if p.suffix.lower() in REPORT_SUFFIXES and p.stem != "README")


def snapshot(path: Path) -> dict:
    """The golden content of one sample: its own findings only (no cross-report rules)."""
    rep = parse_path(path)
    findings = findings_for([rep])[rep.file]
    values = []
    for r in rep.values.itertuples(index=False):
        values.append({"table": r.table, "row": r.row, "column": r.column, "value": json_number(r.value),
                       "status": r.status, "raw": json_value(r.raw),
                       "page": None if r.page is None or pd.isna(r.page) else int(r.page), "form": r.form})
    return {
        "file": path.name,
        "error": rep.error,
        "body": rep.body, "region": rep.region, "year": rep.year, "year_source": rep.year_source,
        "template": rep.template, "title": rep.title,
        "sections": {str(n): {"found": s.found, "heading": s.heading} for n, s in rep.sections.items()},
        "tables_found": rep.tables_found,
        "values": values,
        "findings": [{k: json_value(f.get(k)) for k in FINDING_COLUMNS} for f in findings.to_dict("records")],
    }


def golden_path(path: Path) -> Path:
    return (GOLDEN_REAL if path.parent == REAL else GOLDEN) / (path.name + ".json")


def write(path: Path, data: dict):
    golden_path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read(path: Path) -> dict:
    return json.loads(golden_path(path).read_text(encoding="utf-8"))


def updating() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"
