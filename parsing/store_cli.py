"""Command line for the store: ``python -m parsing import|export|reparse|delete ...``.

* ``import FOLDER [--db PATH] [--keep-files] [--jobs N]``: import a folder tree (progress bar on stderr, summary on
  stdout; exit code 1 when some files failed).
* ``export (--xlsx FILE | --csv DIR | --parquet FILE) [--db PATH]``: write what the store holds.
* ``reparse [--db PATH] [--jobs N]``: re-parse every stored report that kept its original file (after a parser upgrade).
* ``delete SHA [--db PATH]``: delete one report (a unique prefix of its SHA-256 is enough).

``--db`` defaults to ``$GOVREPORT_DB`` or ``data/reports.sqlite3``. Messages are in Chinese.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Optional, TextIO

from .model import ReportError
from .store import Store

OUTCOME_ZH = {"imported": "新导入", "unchanged": "未变化", "failed": "失败", "reparsed": "已重新解析"}


class ProgressBar:
    """A one-line text progress bar on a stream (redrawn in place with ``\\r``)."""

    def __init__(self, label: str, stream: TextIO = sys.stderr, width: int = 30):
        self.label, self.stream, self.width = label, stream, width
        self.start = time.monotonic()
        self.drawn = False

    def __call__(self, done: int, total: int, name: str, outcome: str) -> None:
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        rate = done / max(time.monotonic() - self.start, 1e-9)
        tail = name if len(name) <= 40 else "…" + name[-39:]
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {rate:5.1f} 份/秒 {OUTCOME_ZH.get(outcome, outcome)}"
                          f" {tail}\033[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _print_failed(failed: list) -> None:
    if failed:
        print("失败的文件：")
        for name, reason in failed:
            print(f"  {name}：{reason}")


def _cmd_import(args) -> int:
    from .batch import import_folder

    if not os.path.exists(args.folder):
        print(f"找不到文件夹“{args.folder}”。", file=sys.stderr)
        return 2
    with Store(args.db) as store:
        bar = ProgressBar("导入")
        try:
            summary = import_folder(args.folder, store, workers=args.jobs, progress=bar, keep_files=args.keep_files)
        finally:
            bar.close()
        print(f"导入完成（数据库：{store.path}）：新导入 {summary['imported']} 份，未变化 {summary['unchanged']} 份，"
              f"失败 {len(summary['failed'])} 份。")
        _print_failed(summary["failed"])
    return 1 if summary["failed"] else 0


def _cmd_export(args) -> int:
    from .batch import export

    with Store(args.db) as store:
        written = export(store, xlsx=args.xlsx, csv_dir=args.csv, parquet=args.parquet)
        print(f"已导出 {len(store)} 份报告（数据库：{store.path}）：")
    for p in written:
        print(f"  {p}")
    return 0


def _cmd_reparse(args) -> int:
    from .batch import default_check_fn

    with Store(args.db) as store:
        bar = ProgressBar("重新解析")
        try:
            summary = store.reparse_all(check_fn=default_check_fn(), progress=bar, workers=args.jobs)
        finally:
            bar.close()
        print(f"重新解析完成：{summary['reparsed']} 份已更新，{summary['skipped']} 份未保存原文件而跳过，"
              f"失败 {len(summary['failed'])} 份（保留原解析结果）。")
        _print_failed(summary["failed"])
    return 1 if summary["failed"] else 0


def _cmd_delete(args) -> int:
    prefix = args.sha.strip().lower()
    with Store(args.db) as store:
        if len(prefix) < 8:
            print("请至少给出 SHA-256 的前 8 位。", file=sys.stderr)
            return 2
        shas = [s for s in store.list_reports()["sha256"] if s.startswith(prefix)]
        if not shas:
            print(f"数据库中没有指纹以“{prefix}”开头的报告。", file=sys.stderr)
            return 1
        if len(shas) > 1:
            print(f"指纹前缀“{prefix}”对应多份报告，请给出更长的前缀。", file=sys.stderr)
            return 2
        store.delete(shas[0])
        print(f"已删除报告 {shas[0]}。")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m parsing", description="报告库：导入、导出、重新解析、删除。")
    sub = ap.add_subparsers(dest="command", required=True)

    def db_arg(p):
        p.add_argument("--db", default=None, help="数据库文件（默认取环境变量 GOVREPORT_DB 或 data/reports.sqlite3）")

    p = sub.add_parser("import", help="导入文件夹中的全部报告")
    p.add_argument("folder", help="报告文件夹（含子文件夹）")
    p.add_argument("--keep-files", action="store_true", help="同时保存原文件（以便解析程序升级后重新解析）")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="并行解析进程数（默认：CPU 核数）")
    db_arg(p)
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("export", help="导出数据库内容")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--xlsx", help="导出为 Excel 文件")
    g.add_argument("--csv", help="导出为 CSV 文件夹")
    g.add_argument("--parquet", help="导出为 Parquet 文件")
    db_arg(p)
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("reparse", help="用当前解析程序重新解析已保存原文件的报告")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="并行解析进程数（默认：CPU 核数）")
    db_arg(p)
    p.set_defaults(func=_cmd_reparse)

    p = sub.add_parser("delete", help="删除一份报告")
    p.add_argument("sha", help="报告的 SHA-256（或其唯一前缀，至少 8 位）")
    db_arg(p)
    p.set_defaults(func=_cmd_delete)
    return ap


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return args.func(args)
    except ReportError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n已中断：已导入的报告完整保存，未完成的报告没有写入。", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
