"""Command line: ``python -m parsing PATH... [--json]``.

Files and folders (recursive). Without ``--json`` a short readable summary per file; with
``--json`` exactly one JSON object per line per file. A file that cannot be read still gets its
line, with ``error`` set, and the run goes on. Checking several reports together also runs the
cross-report rules.

Store subcommands (``import``, ``export``, ``reparse``, ``delete``) are handled by
:mod:`parsing.store_cli`.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Iterable, Optional

import pandas as pd

from . import forms, limits
from .readers import EXTENSIONS
from .report import FINDING_COLUMNS, ParsedReport, json_number, json_value

STORE_COMMANDS = ("import", "export", "reparse", "delete")
REPORT_SUFFIXES = tuple(EXTENSIONS)


def iter_files(paths: Iterable[str]) -> list[str]:
    """Files named on the command line, and report files inside folders (recursive, sorted)."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if f.lower().endswith(REPORT_SUFFIXES) and not f.startswith("."):
                        out.append(os.path.join(root, f))
        else:
            out.append(p)
    return out


def findings_for(reports: list[ParsedReport]) -> dict[str, pd.DataFrame]:
    """Findings per file: the report's own rules plus cross-report rules over the batch."""
    try:
        from .rules import check_batch, check_report
    except ImportError:  # rules not available: parse notes only
        return {r.file: r.notes for r in reports}
    out = {}
    for r in reports:
        out[r.file] = r.notes if r.error else check_report(r)
    good = [r for r in reports if not r.error]
    if len(good) > 1:
        cross = check_batch(good)
        for f, g in cross.groupby("file", sort=False):
            out[f] = pd.concat([out[f], g[FINDING_COLUMNS]], ignore_index=True)
    return out


def report_to_json(r: ParsedReport, findings: Optional[pd.DataFrame]) -> dict:
    values = []
    if not r.error:
        for row in r.values.itertuples(index=False):
            values.append({"table": row.table, "row": row.row, "column": row.column,
                           "value": json_number(row.value),
                           "page": None if row.page is None or pd.isna(row.page) else int(row.page)})
    fl = []
    if findings is not None:
        for f in findings.to_dict("records"):
            fl.append({k: json_value(f.get(k)) for k in FINDING_COLUMNS})
    return {
        "file": r.file, "body": r.body, "region": r.region, "year": r.year, "template": r.template,
        "title": r.title, "sections": r.sections_found() if not r.error else {str(i): False for i in range(1, 7)},
        "values": values, "findings": fl, "error": r.error,
    }


def summary_lines(r: ParsedReport, findings: Optional[pd.DataFrame]) -> list[str]:
    if r.error:
        return [f"{r.file}: 无法读取：{r.error}"]
    try:
        from .rules import badge
        b = badge(findings)
        verdict = f"{b['label']}（错误 {b['error']}，警告 {b['warning']}，提示 {b['info']}）"
    except ImportError:
        verdict = f"解析说明 {len(findings)} 条"
    secs = "".join(("✓" if ok else "✗") for ok in r.sections_found().values())
    ok = int((r.values["status"] == "ok").sum())
    lines = [f"{r.file}: {r.body or '（单位未识别）'} {r.year or '（年度未识别）'}年 "
             f"{forms.FORM_NAMES.get(r.template, '格式未识别')} | {verdict}",
             f"  章节一至六 {secs} | 表格 {' '.join(t + ('✓' if r.tables_found.get(t) else '✗') for t in forms.TABLES)}"
             f" | 读取数值 {ok}/{len(r.values)}"]
    if findings is not None:
        for f in findings.itertuples(index=False):
            lines.append(f"  [{f.severity}] {f.rule} {f.message}")
    return lines


def _parse_all(files: list[str], jobs: int) -> list[ParsedReport]:
    """Parse every file in worker processes with the per-file time and memory limits of
    :mod:`parsing.limits` (one pathological file cannot stall the run), a chunk of files at a time."""
    reports: list[Optional[ParsedReport]] = [None] * len(files)
    step = limits.MAX_BATCH_FILES
    for start in range(0, len(files), step):
        chunk = []
        for k, f in enumerate(files[start:start + step], start=start):
            try:
                with open(f, "rb") as fh:
                    chunk.append((k, fh.read()))
            except OSError as exc:
                reports[k] = ParsedReport(file=f, error=f"无法打开文件：{exc.strerror or exc}", error_kind="data")
        items = [(data, files[k]) for k, data in chunk]
        for j, rep in limits.parse_many_with_timeout(items, workers=max(1, jobs)):
            reports[chunk[j][0]] = rep
    return reports


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in STORE_COMMANDS:
        from .store_cli import main as store_main
        return store_main(argv)
    ap = argparse.ArgumentParser(prog="python -m parsing",
                                 description="解析并检查政府信息公开工作年度报告（文件或文件夹）。")
    ap.add_argument("paths", nargs="+", help="报告文件或文件夹")
    ap.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="并行进程数")
    args = ap.parse_args(argv)

    files = iter_files(args.paths)
    if not files:
        print("没有找到报告文件。", file=sys.stderr)
        return 1
    reports = _parse_all(files, args.jobs)
    findings = findings_for(reports)
    for r in reports:
        if args.json:
            print(json.dumps(report_to_json(r, findings.get(r.file)), ensure_ascii=False))
        else:
            print("\n".join(summary_lines(r, findings.get(r.file))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
