"""The traditional/Taiwan-vocabulary conversions of parsing.forms.labels (built lazily, on first use) give what
opencc's converters give when built up front, as they were before they became lazy."""
import subprocess
import sys

import opencc
import pytest

from parsing.forms import labels

TEXTS = ["政府信息公開工作年度報告", "檔案資訊公開", "報(bào)告", "本行政機關", "abc 123", "", "（一）行政許可",
         "依申請公開", "資料處理費"]


@pytest.mark.parametrize("text", TEXTS)
def test_conversions_match_opencc_built_up_front(text):
    t2s, tw2sp, s2t = opencc.OpenCC("t2s"), opencc.OpenCC("tw2sp"), opencc.OpenCC("s2t")
    has_han = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert labels.to_simplified(text) == (t2s.convert(text) if text and has_han else text)
    assert labels.to_mainland(text) == (tw2sp.convert(s2t.convert(text)) if text else text)


def test_conversions_change_traditional_text():
    # Not a no-op: traditional characters and Taiwan words do change (a converter that silently failed would not).
    assert labels.to_simplified("政府信息公開工作年度報告") == "政府信息公开工作年度报告"
    assert labels.to_mainland("檔案") == "文件"
    assert labels.norm("（一）行政許可") == "(一)行政许可"


def test_importing_the_labels_builds_no_converter():
    code = ("import parsing.forms.labels as L, sys; assert L._converter.cache_info().currsize == 0; "
            "L.to_simplified('abc'); assert L._converter.cache_info().currsize == 0; "
            "L.to_simplified('報告'); assert L._converter.cache_info().currsize == 1")
    subprocess.run([sys.executable, "-c", code], check=True)
