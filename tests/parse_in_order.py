"""Parse files one after another in this one process and print one JSON line per file.

Used by ``tests/test_ocr_order.py`` to parse the same files in one long-lived process in
different orders (and each in a fresh process) and compare. Usage::

    python -m tests.parse_in_order FILE...
"""
from __future__ import annotations

import json
import sys

from parsing import parse_path
from parsing.report import json_number, json_value


def snapshot(path: str) -> dict:
    """What a reviewer gets from one file: the error, every cell (value, status, raw text, page), the notes."""
    rep = parse_path(path)
    cells = [[r.table, r.row, r.column, json_number(r.value), r.status, json_value(r.raw),
              None if r.page is None or r.page != r.page else int(r.page)]
             for r in rep.values.itertuples(index=False)]
    notes = [[n.rule, n.severity, n.message] for n in rep.notes.itertuples(index=False)]
    return {"file": path, "error": rep.error, "ocr": rep.ocr, "cells": cells, "notes": notes}


def main(paths: list[str]) -> int:
    for path in paths:
        print(json.dumps(snapshot(path), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
