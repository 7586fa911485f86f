"""The command line speaks Chinese: help (usage line, headings, the -h option), argparse's errors, and the
province's publication deadline option reaches the rules."""
import json
import os

import pytest

from parsing.cli import chinese_error, main
from parsing.rules import DEADLINE_ENV

ENGLISH = ("usage:", "positional arguments", "options:", "optional arguments", "show this help message",
           "the following arguments", "invalid choice", "unrecognized arguments", "expected one argument")


@pytest.mark.parametrize("argv", [["--help"], ["import", "--help"], ["export", "-h"], ["reparse", "-h"],
                                  ["delete", "-h"]])
def test_help_is_chinese(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：python -m parsing") and "选项" in out and "显示本帮助信息并退出" in out
    assert not [w for w in ENGLISH if w in out.lower()], out


@pytest.mark.parametrize("argv,expected", [
    (["import"], "缺少必需的参数"),
    (["export", "--xlsx", "a.xlsx", "--csv", "d"], "不能与参数"),
    (["export"], "必须给出以下参数之一"),
    (["sample_reports", "--jobs", "两个"], "无效（应为 整数）"),
    (["import", "d", "--frob"], "无法识别的参数"),
])
def test_errors_are_chinese(argv, expected, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：") and "：错误：" in err and expected in err
    assert not [w for w in ENGLISH if w in err.lower()], err


def test_unknown_messages_stay_as_they_are():
    assert chinese_error("something new") == "something new"


def test_a_missing_path_is_said_in_chinese(capsys, tmp_path):
    assert main([str(tmp_path / "没有这个文件.pdf")]) == 1
    assert "找不到文件或文件夹" in capsys.readouterr().err


def test_the_province_deadline_option_reaches_the_rules(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(DEADLINE_ENV, raising=False)
    page = ("<html><head><meta charset='utf-8'><meta name='PubDate' content='2024-01-25'></head><body>"
            "<h1>群科镇2023年政府信息公开工作年度报告</h1><p>一、总体情况</p><p>我镇认真落实条例。</p></body></html>")
    f = tmp_path / "群科镇2023.html"
    f.write_text(page, encoding="utf-8")
    assert main([str(f), "--json", "--jobs", "1"]) == 0
    rules = {x["rule"] for x in json.loads(capsys.readouterr().out)["findings"]}
    assert not rules & {"PUB-03", "PUB-04"}  # on time for 31 January
    assert main([str(f), "--json", "--jobs", "1", "--publish-deadline", "01-20"]) == 0
    late = [x for x in json.loads(capsys.readouterr().out)["findings"] if x["rule"].startswith("PUB-")]
    assert [(x["rule"], x["expected"], x["actual"]) for x in late] == [("PUB-04", "2024-01-20", "2024-01-25")]
    os.environ.pop(DEADLINE_ENV, None)
    assert main([str(f), "--publish-deadline", "二月底"]) == 2
    assert "无法识别" in capsys.readouterr().err
