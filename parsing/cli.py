"""Command line: ``python -m parsing PATH... [--json]`` and the store subcommands.

* ``PATH... [--json] [--jobs N]``: parse and check files and folders (recursive). Without ``--json`` a short
  readable summary per file; with ``--json`` exactly one JSON object per line per file. A file that cannot be
  read still gets its line, with ``error`` set, and the run goes on. Checking several reports together also runs
  the cross-report rules.
* ``import FOLDER [--db PATH] [--keep-files] [--jobs N] [--scheduler tcp://HOST:PORT]``: import a folder tree (progress bar on stderr, summary on
  stdout; exit code 1 when some files failed).
* ``export (--xlsx FILE | --csv DIR | --parquet FILE) [--db PATH]``: write what the store holds.
* ``reparse [--db PATH] [--jobs N]``: re-parse every stored report that kept its original file (after a parser
  upgrade).
* ``delete SHA [--db PATH]``: delete one report (a unique prefix of its SHA-256 is enough).
* ``fetch FILE [--year Y] [--all] [--db PATH]`` or ``fetch --roster [--year Y]``: fetch the reports at the URLs
  of a text file (one a line; ``-`` reads standard input), or at the roster's 年报栏目 pages, into the store
  (:mod:`parsing.fetch`): a progress bar per URL on stderr, one line per URL on stdout, exit code 1 when some URLs
  failed or need a choice. URLs already fetched for that year are skipped, so an interrupted fetch resumes.

Every file is parsed and checked by the one pipeline (:mod:`parsing.pipeline`) in the one pool of warm workers,
exactly as the dashboard does. ``--db`` defaults to ``$GOVREPORT_DB`` or ``data/reports.sqlite3``; a ``--db`` that
is a folder or cannot be written is a Chinese message and exit code 2. Messages are in Chinese.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import time
from typing import Iterable, Optional, TextIO

import pandas as pd

from . import forms
from .model import ReportError
from .readers import EXTENSIONS
from .report import FINDING_COLUMNS, ParsedReport, json_number, json_value
from .store import Store

STORE_COMMANDS = ("import", "export", "reparse", "delete", "fetch")


# ---------------------------------------------------------------------------
# argparse in Chinese: headings, the help option and its errors
# ---------------------------------------------------------------------------

_ARGPARSE_ERRORS = [  # argparse's messages (Python 3.11+) and their Chinese
    (re.compile(r"^the following arguments are required: (.+)$"), "缺少必需的参数：{0}"),
    (re.compile(r"^one of the arguments (.+) is required$"), "必须给出以下参数之一：{0}"),
    (re.compile(r"^unrecognized arguments: (.+)$"), "无法识别的参数：{0}"),
    (re.compile(r"^argument (.+?): invalid choice: (.+?) \(choose from (.+)\)$"), "参数 {0} 的值 {1} 无效（可选：{2}）"),
    (re.compile(r"^argument (.+?): expected one argument$"), "参数 {0} 需要一个值"),
    (re.compile(r"^argument (.+?): expected (.+) arguments?$"), "参数 {0} 需要 {1} 个值"),
    (re.compile(r"^argument (.+?): invalid (\w+) value: (.+)$"), "参数 {0} 的值 {2} 无效（应为 {1}）"),
    (re.compile(r"^argument (.+?): not allowed with argument (.+)$"), "参数 {0} 不能与参数 {1} 同时使用"),
    (re.compile(r"^argument (.+?): ignored explicit argument (.+)$"), "参数 {0} 不接受值 {1}"),
    (re.compile(r"^ambiguous option: (.+?) could match (.+)$"), "选项 {0} 不明确，可能是：{1}"),
]
_TYPE_ZH = {"int": "整数", "float": "数字"}


def chinese_error(message: str) -> str:
    """One of argparse's error messages in Chinese (an unknown one as it is)."""
    for pattern, template in _ARGPARSE_ERRORS:
        m = pattern.match(message)
        if m:
            return template.format(*(_TYPE_ZH.get(g, g) for g in m.groups()))
    return message


class ChineseHelpFormatter(argparse.HelpFormatter):
    """argparse's help with its usage line headed 用法：."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """An argument parser whose help and errors are in Chinese: 用法：, 位置参数, 选项, the -h option's own help,
    and argparse's error messages (:func:`chinese_error`). Subcommands get the same class."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助信息并退出")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{chinese_error(message)}\n")


def _deadline_arg(p: argparse.ArgumentParser) -> None:
    from .rules import DEADLINE_ENV

    p.add_argument("--publish-deadline", metavar="月-日", default=None,
                   help=f"本省规定的年报发布期限（报告年度的次年，如 02-20），用于发布时效检查；"
                        f"默认取环境变量 {DEADLINE_ENV}，未设置时只按条例第四十九条检查")


def _apply_deadline(args) -> None:
    """``--publish-deadline`` (else the environment variable) checked now, and kept in ``args.check_fn``: the
    rules with that deadline, handed to the worker processes with each file."""
    import functools

    from .rules import DEADLINE_ENV, check_report, provincial_deadline

    value = getattr(args, "publish_deadline", None)
    value = os.environ.get(DEADLINE_ENV, "") if value is None else value
    try:
        provincial_deadline(2000, value)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    args.check_fn = functools.partial(check_report, publish_deadline=value)
REPORT_SUFFIXES = tuple(EXTENSIONS)
OUTCOME_ZH = {"imported": "新导入", "unchanged": "未变化", "failed": "失败", "reparsed": "已重新解析"}


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


def findings_for(reports: list[ParsedReport], own: Optional[dict] = None) -> dict[str, pd.DataFrame]:
    """Findings per file: the report's own rules (``own``: file -> findings already computed by the pipeline;
    otherwise computed here) plus cross-report rules over the batch. An unreadable file has its parse notes."""
    try:
        from .rules import check_batch, check_report
    except ImportError:  # rules not available: parse notes only
        return {r.file: r.notes for r in reports}
    out = {}
    for r in reports:
        mine = None if own is None else own.get(r.file)
        out[r.file] = r.notes if r.error else (mine if mine is not None else check_report(r))
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


def parse_and_check_files(files: list[str], jobs: int, check_fn=None
                          ) -> tuple[list[ParsedReport], dict[str, pd.DataFrame]]:
    """Parse and check every file through the one pipeline (:func:`parsing.pipeline.run`, no store, each report
    on its own), in warm workers with the per-file limits, so one pathological file cannot stall the run.
    ``check_fn`` defaults to the pipeline's (the rules). Returns the reports in the order of ``files`` and their
    own findings by file name."""
    from . import pipeline

    sources = [pipeline.Source(f, load=lambda f=f: _read(f)) for f in files]
    reports: list[Optional[ParsedReport]] = [None] * len(files)
    own: dict[str, pd.DataFrame] = {}
    extra = {} if check_fn is None else {"check_fn": check_fn}
    for res in pipeline.run(sources, None, save=False, cross_year=False, workers=max(1, min(jobs, len(files))),
                            **extra):
        reports[res.index] = res.report
        if res.findings is not None:
            own[res.report.file] = res.findings
    return reports, own


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


class ProgressBar:
    """A one-line text progress bar on a stream (redrawn in place with ``\\r``)."""

    def __init__(self, label: str, stream: Optional[TextIO] = None, width: int = 30):
        self.label, self.stream, self.width = label, stream if stream is not None else sys.stderr, width
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


def _forked_pool(folder: str, jobs: Optional[int]):
    """The import's pool of local workers, started now: forked from this process where
    :func:`parsing.workers.fork_safe` allows (one thread, no SQLite database open), else from the forkserver.
    No more workers than report files under ``folder``; None when there are none."""
    from .batch import iter_report_files
    from .workers import Pool, _preload_here, cpu_count

    n = len(iter_report_files(folder))
    if not n:
        return None
    _preload_here()
    # What this process holds now (the interpreter, the parser, pandas: some hundred thousand objects) outlives the
    # import: moved out of the collector's generations before the fork, the full collections of the import (while
    # it unpickles and stores the workers' reports) no longer walk it, nor write to its pages that the forked
    # workers share. The workers freeze what they inherit too (parsing.workers._serve); _cmd_import unfreezes
    # when the import is over.
    gc.freeze()
    return Pool(min(int(jobs or cpu_count()), n), fork=True).start()


def _cmd_import(args) -> int:
    from .batch import import_folder

    if not os.path.exists(args.folder):
        print(f"找不到文件夹“{args.folder}”。", file=sys.stderr)
        return 2
    # the local pool's workers start before the store is opened (and before any thread), so they can be forked
    # from this process with the parser imported instead of coming from the forkserver (parsing.workers.fork_safe)
    forked = not (args.scheduler or args.jobs == 0)
    pool = _forked_pool(args.folder, args.jobs) if forked else None
    try:
        with Store(args.db) as store:
            if args.scheduler:
                from .cluster import DaskPool

                try:
                    pool = DaskPool(args.scheduler)
                except ReportError as exc:
                    print(exc.message, file=sys.stderr)
                    return 2
                print(f"使用集群：{args.scheduler}（{pool.size} 个工作线程）", file=sys.stderr)
            bar = ProgressBar("导入")
            try:
                summary = import_folder(args.folder, store, workers=args.jobs, progress=bar,
                                        keep_files=args.keep_files, check_fn=args.check_fn, pool=pool)
            finally:
                bar.close()
            print(f"导入完成（数据库：{store.path}）：新导入 {summary['imported']} 份，未变化 {summary['unchanged']} 份，"
                  f"失败 {len(summary['failed'])} 份。")
            _print_failed(summary["failed"])
    finally:
        if pool is not None:
            pool.close()
        if forked:
            gc.unfreeze()  # frozen by _forked_pool for the import only
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
    with Store(args.db) as store:
        bar = ProgressBar("重新解析")
        try:
            summary = store.reparse_all(check_fn=args.check_fn, progress=bar, workers=args.jobs)
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


class UrlProgress:
    """A progress bar per URL on a stream: redrawn in place while its bytes arrive, then left as a line."""

    STAGE_ZH = {"start": "排队", "get": "下载", "bytes": "下载", "parse": "解析"}

    def __init__(self, total: int, stream: Optional[TextIO] = None, width: int = 24):
        self.total, self.stream, self.width = total, stream if stream is not None else sys.stderr, width
        self.finished = 0

    def __call__(self, kind: str, index: int, url: str, done: int, total: Optional[int]) -> None:
        if kind == "start":
            return
        if kind == "done":
            self.finished += 1
            return
        if kind == "bytes" and total:
            filled = int(self.width * min(done / total, 1.0))
            size = f"{done / 1024:.0f}/{total / 1024:.0f} KB"
        else:
            filled = self.width if kind == "parse" else 0
            size = f"{done / 1024:.0f} KB" if kind == "bytes" else ""
        bar = "#" * filled + "-" * (self.width - filled)
        tail = url if len(url) <= 60 else "…" + url[-59:]
        self.stream.write(f"\r[{self.finished + 1}/{self.total}] [{bar}] {self.STAGE_ZH.get(kind, kind)} {size} {tail}\033[K")
        self.stream.flush()

    def line(self, text: str) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()
        print(text, flush=True)


def _cmd_fetch(args) -> int:
    from . import fetch as fetching

    if args.year is not None and not 2000 <= args.year <= 2100:
        print(f"年度“{args.year}”不正确。", file=sys.stderr)
        return 2
    with Store(args.db) as store:
        if args.roster:
            jobs = fetching.roster_jobs(store, args.year)
            if not jobs:
                print("名册中没有填写“年报栏目”网址的单位。请在名册中加一列“年报栏目”，填写各单位年报栏目页的网址，"
                      "重新导入名册后再试。", file=sys.stderr)
                return 2
        else:
            if args.file is None:
                print("请给出网址列表文件（每行一个网址），或用 --roster 从名册的年报栏目导入。", file=sys.stderr)
                return 2
            try:
                text = sys.stdin.read() if args.file == "-" else open(args.file, "rb").read().decode("utf-8-sig",
                                                                                                    "replace")
            except OSError as exc:
                print(f"无法打开网址列表文件“{args.file}”：{exc.strerror or exc}", file=sys.stderr)
                return 2
            jobs = [fetching.Job(u, args.year) for u in fetching.read_url_file(text)]
            if not jobs:
                print(f"网址列表文件“{args.file}”中没有网址。", file=sys.stderr)
                return 2
        try:
            settings = fetching.Settings(allow=fetching.client.env_allow() + tuple(args.allow))
        except ValueError as exc:
            print(f"允许访问的地址段不正确（{exc}）：请写成 10.20.0.0/16 这样的形式。", file=sys.stderr)
            return 2
        progress = UrlProgress(len(jobs))
        counts = {k: 0 for k in fetching.STATUS_ZH}
        for out in fetching.fetch(jobs, store, settings, on_event=progress, take_all=args.all,
                                  workers=max(1, args.jobs)):
            counts[out.status] += 1
            progress.line(f"{fetching.STATUS_ZH[out.status]}：{out.job.url}\n  {out.message}")
            for note in out.notes:
                if note != out.message:
                    progress.line(f"  · {note}")
            for k in out.candidates:
                progress.line(f"  候选：{k.text} {k.url}")
            if out.candidates:
                progress.line("  请把要导入的链接写入网址列表后重新运行，或加 --all 全部导入。")
        print(f"完成（数据库：{store.path}）：新导入 {counts['imported']} 个网址，库中已有 {counts['unchanged']} 个，"
              f"上次已导入而跳过 {counts['skipped']} 个，失败 {counts['failed']} 个，需要选择 {counts['choose']} 个。")
    return 1 if counts["failed"] or counts["choose"] else 0


def build_parser() -> argparse.ArgumentParser:
    ap = ChineseArgumentParser(prog="python -m parsing", description="报告库：导入、从网站导入、导出、重新解析、删除。")
    sub = ap.add_subparsers(dest="command", required=True, title="子命令", metavar="子命令")

    def db_arg(p):
        p.add_argument("--db", default=None, metavar="文件",
                       help="数据库文件（默认取环境变量 GOVREPORT_DB 或 data/reports.sqlite3）")

    p = sub.add_parser("import", help="导入文件夹中的全部报告")
    p.add_argument("folder", metavar="文件夹", help="报告文件夹（含子文件夹）")
    p.add_argument("--keep-files", action="store_true", help="同时保存原文件（以便解析程序升级后重新解析）")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="进程数", help="并行解析进程数（默认：CPU 核数）")
    p.add_argument("--scheduler", metavar="地址",
                   help="在 Dask 集群上解析（调度器地址，例如 tcp://10.0.0.5:8786；需安装 distributed）："
                        "各工作节点解析和检查，结果写回本机的报告库；不给出时在本机并行解析")
    _deadline_arg(p)
    db_arg(p)
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("export", help="导出数据库内容")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--xlsx", metavar="文件", help="导出为 Excel 文件")
    g.add_argument("--csv", metavar="文件夹", help="导出为 CSV 文件夹")
    g.add_argument("--parquet", metavar="文件", help="导出为 Parquet 文件")
    db_arg(p)
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("reparse", help="用当前解析程序重新解析已保存原文件的报告")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="进程数", help="并行解析进程数（默认：CPU 核数）")
    _deadline_arg(p)
    db_arg(p)
    p.set_defaults(func=_cmd_reparse)

    p = sub.add_parser("fetch", help="从政府网站下载年度报告并导入报告库")
    p.add_argument("file", nargs="?", default=None, help="网址列表文件（每行一个网址；“-”表示从标准输入读取）")
    p.add_argument("--roster", action="store_true", help="从名册的“年报栏目”网址导入（每个单位一个栏目页）")
    p.add_argument("--year", type=int, default=None, help="报告年度（默认：去年）；列表页中只跟踪标题含该年度的年报链接")
    p.add_argument("--all", action="store_true", help="列表页中有多个符合的链接时全部导入（默认列出后请您选择）")
    p.add_argument("--allow", action="append", default=[], metavar="地址段",
                   help="允许访问的内网地址段，如 10.20.0.0/16（默认不访问本机和内网地址；也可用环境变量 GOVREPORT_FETCH_ALLOW）")
    p.add_argument("--jobs", type=int, default=1, help="解析进程数（默认 1）")
    db_arg(p)
    p.set_defaults(func=_cmd_fetch)

    p = sub.add_parser("delete", help="删除一份报告")
    p.add_argument("sha", metavar="指纹", help="报告的 SHA-256（或其唯一前缀，至少 8 位）")
    db_arg(p)
    p.set_defaults(func=_cmd_delete)
    return ap


def store_main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        _apply_deadline(args)
        return args.func(args)
    except ReportError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n已中断：已导入的报告完整保存，未完成的报告没有写入。", file=sys.stderr)
        return 130


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in STORE_COMMANDS:
        return store_main(argv)
    ap = ChineseArgumentParser(
        prog="python -m parsing", description="解析并检查政府信息公开工作年度报告（文件或文件夹）。",
        epilog="报告库子命令：import（导入文件夹）、export（导出）、reparse（重新解析）、delete（删除），"
               "例如 python -m parsing import --help 查看其说明。")
    ap.add_argument("paths", nargs="+", metavar="文件或文件夹", help="报告文件或文件夹（文件夹含子文件夹）")
    ap.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="进程数", help="并行进程数")
    _deadline_arg(ap)
    args = ap.parse_args(argv)
    try:
        _apply_deadline(args)
    except ReportError as exc:
        print(exc.message, file=sys.stderr)
        return 2

    for p in args.paths:
        if not os.path.exists(p):
            print(f"找不到文件或文件夹“{p}”。", file=sys.stderr)
    files = iter_files([p for p in args.paths if os.path.exists(p)])
    if not files:
        print("没有找到报告文件。", file=sys.stderr)
        return 1
    reports, own = parse_and_check_files(files, args.jobs, args.check_fn)
    findings = findings_for(reports, own)
    for r in reports:
        if args.json:
            print(json.dumps(report_to_json(r, findings.get(r.file)), ensure_ascii=False))
        else:
            print("\n".join(summary_lines(r, findings.get(r.file))))
    return 0


