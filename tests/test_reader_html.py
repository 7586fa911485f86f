import pytest

from parsing.model import ReportError, TextBlock
from parsing.readers import read_document
from parsing.readers.html import decode_html, read_html


def texts(grid):
    return [[c.text if c is not None else None for c in row] for row in grid.rows]


GOV_PAGE = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>辛集镇2022年政府信息公开工作年度报告</title>
<style>.nav {{ color: #c00 }}</style>
<script type="text/javascript">var banner = "脚本里的字不能出现"; document.write("<p>写入的字</p>");</script>
</head><body>
<!-- 注释里的字不能出现 -->
<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 年度报告</div>
<noscript>请开启浏览器脚本</noscript>
<div class="article">
<h1>辛集镇2022年政府信息公开工作年度报告</h1>
<p>一、总体情况</p>
<p>　　2022年，辛集镇{rare}认真落实。<br>第二行文字</p>
<p>二、主动公开政府信息情况</p>
<table border="1"><caption>主动公开情况表</caption>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>行政规范性文件</td><td>6</td><td></td><td>6</td></tr>
</table>
<p>三、收到和处理政府信息公开申请情况</p>
<table>
<tbody>
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业<br>企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td rowspan="2">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td><td>6</td><td>21</td></tr>
<tr><td rowspan="1">（三）不予公开</td><td>1.属于国家秘密</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
</tbody></table>
<p>六、其他需要报告的事项</p>
</div>
<script>var tail = "尾部脚本";</script>
<div class="footer">主办单位：某县人民政府</div>
</body></html>
"""


def page(rare: str = "") -> str:
    return GOV_PAGE.format(rare=rare)


def block_texts(doc):
    return [i.text for i in doc.items if isinstance(i, TextBlock)]


def test_gbk_page_with_gb2312_meta_decodes():
    data = page().encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    doc = read_html(data, "报告.html")
    blocks = block_texts(doc)
    assert "辛集镇2022年政府信息公开工作年度报告" in blocks
    assert "2022年，辛集镇认真落实。" in blocks
    assert doc.notes == []


def test_gb2312_declared_page_with_characters_outside_gb2312_uses_gb18030():
    # 镕 is in GBK but not GB2312; 䶮 needs GB18030. Real pages declaring gb2312 contain both.
    data = page(rare="镕䶮").encode("gb18030")
    doc = read_html(data, "rare.htm")
    assert "2022年，辛集镇镕䶮认真落实。" in block_texts(doc)


def test_lying_charset_falls_back_without_crashing():
    utf8_declared_gbk = page().encode("utf-8")  # meta says gb2312, bytes are UTF-8
    assert "2022年，辛集镇认真落实。" in block_texts(read_html(utf8_declared_gbk, "a.html"))
    gbk_declared_utf8 = page().replace("charset=gb2312", "charset=utf-8").encode("gbk")
    assert "2022年，辛集镇认真落实。" in block_texts(read_html(gbk_declared_utf8, "b.html"))
    bogus = page().replace("charset=gb2312", "charset=no-such-codec").encode("gbk")
    assert "2022年，辛集镇认真落实。" in block_texts(read_html(bogus, "c.html"))


def test_undecodable_bytes_give_replacement_and_a_note():
    data = page().encode("gbk").replace("认真".encode("gbk"), b"\x81\x20")
    text, enc, notes = decode_html(data)
    assert enc == "gb18030" and "\ufffd" in text and len(notes) == 1


def test_bom_wins():
    text, enc, _ = decode_html("\ufeff<p>正文</p>".encode("utf-8"))
    assert enc == "utf-8" and text == "<p>正文</p>"
    text, enc, _ = decode_html("<p>正文</p>".encode("utf-16"))
    assert enc == "utf-16" and text == "<p>正文</p>"


def test_scripts_styles_noscript_and_comments_are_dropped():
    doc = read_html(page().encode("gbk"), "报告.html")
    everything = " ".join(block_texts(doc)) + " ".join(
        c.text for g in doc.grids() for r in g.rows for c in r if c is not None
    )
    for hidden in ("脚本", "写入的字", "注释", "请开启浏览器脚本", "color", "尾部"):
        assert hidden not in everything
    assert "主办单位：某县人民政府" in block_texts(doc)  # chrome is kept


def test_document_order_of_text_and_tables():
    doc = read_html(page().encode("gbk"), "报告.html")
    seq = [i.text if isinstance(i, TextBlock) else "<grid>" for i in doc.items]
    i1, i2, i3, i6 = (seq.index(s) for s in ("一、总体情况", "二、主动公开政府信息情况",
                                            "三、收到和处理政府信息公开申请情况", "六、其他需要报告的事项"))
    assert i1 < seq.index("第二行文字") < i2
    assert seq[i2 + 1:i2 + 3] == ["主动公开情况表", "<grid>"] and seq[i3 + 1] == "<grid>"
    assert i2 < i3 < i6 < seq.index("主办单位：某县人民政府")
    assert seq[0] == "辛集镇2022年政府信息公开工作年度报告"  # <title> comes first
    assert seq.index("首页 > 政务公开 > 年度报告") < i1


def test_rowspan_colspan_expanded_with_covered_slots_none():
    doc = read_html(page().encode("gbk"), "报告.html")
    t2, t3 = doc.grids()
    assert texts(t2) == [
        ["第二十条第（一）项", None, None, None],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["行政规范性文件", "6", "", "6"],  # the blank cell stays blank
    ]
    rows = texts(t3)
    assert all(len(r) == 10 for r in rows)
    assert rows[0][:4] == ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", None, None, "申请人情况"]
    assert rows[0][4:] == [None] * 6
    assert rows[1] == [None, None, None, "自然人", "法人或其他组织", None, None, None, None, "总计"]
    assert rows[2] == [None, None, None, None, "商业\n企业", "科研机构", "社会公益组织", "法律服务机构", "其他", None]
    assert rows[3] == ["三、本年度办理结果", "（一）予以公开", None, "1", "2", "3", "4", "5", "6", "21"]
    assert rows[4] == [None, "（三）不予公开", "1.属于国家秘密"] + ["0"] * 7
    flat = [c for r in rows for c in r if c is not None]
    assert flat.count("三、本年度办理结果") == 1 and flat.count("申请人情况") == 1
    assert all(c is None or c.page is None for r in t3.rows for c in r)


def test_layout_table_around_the_report_keeps_order():
    html = """<html><body><table width="100%"><tr>
      <td class="left"><a>首页</a><br><a>政务公开</a></td>
      <td class="main"><p>一、总体情况</p><p>正文</p>
        <table><tr><td>行政许可</td><td>3</td></tr></table>
        <p>二、主动公开政府信息情况</p></td></tr></table></body></html>"""
    doc = read_html(html.encode("utf-8"), "layout.html")
    seq = [i.text if isinstance(i, TextBlock) else texts(i) for i in doc.items]
    assert seq == ["首页", "政务公开", "一、总体情况", "正文", [["行政许可", "3"]], "二、主动公开政府信息情况"]


def test_registry_detects_html_without_extension_hint():
    doc = read_document(page().encode("gbk"), "download")
    assert doc.format == "html" and len(doc.grids()) == 2


def test_empty_page_raises_report_error():
    with pytest.raises(ReportError):
        read_html(b"<html><head><script>x()</script></head><body>  </body></html>", "e.html")


def test_deeply_nested_unclosed_tags_keep_their_text():
    # old pages with hundreds of unclosed <font> tags: libxml2 drops such text unless huge_tree is on
    doc = read_html(("<html><body>" + "<font>" * 300 + "深层文字").encode("gbk"), "deep.html")
    assert block_texts(doc) == ["深层文字"]


SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "sample_reports"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.htm*")), ids=lambda p: p.name[:3])
def test_committed_gov_page_sample(path):
    data = path.read_bytes()
    text, enc, notes = decode_html(data)
    assert enc == "gb18030" and not notes  # saved as GBK with <meta charset=gb2312>
    doc = read_html(data, path.name)
    grids = doc.grids()
    assert [(len(g.rows), len(g.rows[0])) for g in grids][-3:] == [(14, 4), (28, 10), (4, 15)]
    everything = "".join(block_texts(doc))
    assert "脚本输出" not in everything and "changeSize" not in everything
    headings = [t for t in block_texts(doc) if t[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")]
    assert [h[0] for h in headings] == list("一二三四五六")


# ---------------------------------------------------------------------------
# Publication date from the page's meta tags
# ---------------------------------------------------------------------------

def _page(head: str, body: str = "") -> bytes:
    return (f'<html><head><meta charset="utf-8">{head}<title>群科镇2023年政府信息公开工作年度报告</title></head>'
            f"<body><h1>群科镇2023年政府信息公开工作年度报告</h1>{body}<p>一、总体情况</p><p>我镇认真落实条例。</p>"
            "</body></html>").encode("utf-8")


@pytest.mark.parametrize("head,expected", [
    ('<meta name="PubDate" content="2024-03-20 09:30">', "2024-03-20"),
    ('<meta name="firstpublishedtime" content="2024-01-20-09:30:00">', "2024-01-20"),  # gov.cn
    ('<meta property="article:published_time" content="2024-01-08T10:00:00+08:00">', "2024-01-08"),
    ('<meta name="publishdate" content="2024年1月9日">', "2024-01-09"),
    ('<meta name="PubDate" content="2024-02-30">', None),  # not a date
    ('<meta name="keywords" content="2024-01-20">', None),  # not a publication date
])
def test_publication_date_from_meta_tags(head, expected):
    from parsing import parse_bytes

    doc = read_html(_page(head), "p.html")
    assert doc.meta.get("published") == expected
    r = parse_bytes(_page(head), "p.html")
    assert r.published == expected and r.published_source == ("html-meta" if expected else None)


def test_a_publication_line_on_the_page_wins_over_the_meta_tag():
    from parsing import parse_bytes

    r = parse_bytes(_page('<meta name="PubDate" content="2024-03-20">', "<p>发布时间：2024-01-25</p>"), "p.html")
    assert (r.published, r.published_source) == ("2024-01-25", "page")
