"""No user text is live on any page: a store whose every piece of outside text carries Markdown links and images,
raw HTML, autolinks and Streamlit directives, run page by page through AppTest.

What the pages render is inspected as the browser would get it: every Markdown body (markdown, captions, titles,
alerts, toasts, labels of widgets, expanders, tabs and metrics, radio options) is parsed with markdown-it
(CommonMark with HTML and GFM-style autolinks, which is stricter than Streamlit's renderer) and must give no link,
image or HTML; every ``st.html`` body is parsed with lxml and must hold no link, image, script or remote
reference; every plotly spec must hold no tag. The Markdown review download is checked the same way.
"""
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from tests.waits import HANG_SECONDS

import parsing
from parsing import rules
from parsing.exports import markdown_text
from parsing.report import SectionText
from parsing.store import Store, finding_key
from ui import exports

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
SEED = ROOT / "sample_reports" / "000_f2cddb79f4434941.txt"
TIMEOUT = HANG_SECONDS  # a hang guard, not a speed check (tests/waits.py)

EVIL = "evil.example"
PAYLOAD = (f"[点我](http://{EVIL}/link) ![x](http://{EVIL}/pixel.png) <img src=http://{EVIL}/h.png> "
           f"<script>alert(1)</script> http://{EVIL}/auto <http://{EVIL}/angle> www.{EVIL} a@{EVIL} "
           ":red[红字] :material/warning: $x^2$ **粗** `code`")
BODY = f"浓桥镇{PAYLOAD}"
FILE = f"年报/浓桥镇![x](http:{EVIL}.png)[点我](http:{EVIL})<img src=x onerror=alert(1)>.txt"
CSS_BREAK = f'总计不符"; background:url(http://{EVIL}/css.png); x:"</style><img src=http://{EVIL}/t.png>'
ROSTER_NAME = f"![r](http://{EVIL}/r.png)浓桥镇<img src=x>"
PAGES = ["pages/upload.py", "pages/completeness.py", "pages/report.py", "pages/trends.py", "pages/compare.py",
         "pages/export.py", "pages/library.py", "pages/review.py", "pages/briefing.py"]

MD = MarkdownIt("commonmark", {"linkify": True, "html": True}).enable(["linkify", "table", "strikethrough"])
LIVE_TAGS = {"a", "img", "script", "iframe", "object", "embed", "svg", "link", "meta", "form", "base", "video",
             "audio", "source"}


def hostile(report, sha: str, year: int, file: str):
    """The seed report with outside text everywhere a report carries text."""
    r = report
    r.sha256, r.year, r.file = sha, year, file
    r.body, r.title, r.region = BODY, f"{BODY}{year}年政府信息公开工作年度报告", PAYLOAD
    r.sections = {n: SectionText(n, s.found, s.heading, s.text, s.page) for n, s in r.sections.items()}
    r.sections[1].heading = f"一、总体情况{PAYLOAD}"
    r.sections[1].text = f"{PAYLOAD}。本年度持续推进政务公开。"
    r.sections[5].found = False  # incomplete: the completeness page lists it
    v = r.values.copy()
    first = v.index[v["table"] == "二"][0]  # the cell the correction picker opens on
    v.loc[first, ["value", "raw", "status"]] = [float("nan"), PAYLOAD, "unreadable"]
    r.values = v
    note = pd.DataFrame([{"rule": "PARSE-CELL", "severity": "warning", "message": f"{CSS_BREAK}{PAYLOAD}",
                          "table": "二", "row": v.loc[first, "row"], "column": v.loc[first, "column"],
                          "section": None, "expected": None, "actual": PAYLOAD}])
    r.notes = pd.concat([r.notes, note], ignore_index=True) if not r.notes.empty else note
    return r


@pytest.fixture
def world(store_db):
    return build_world(store_db)


def build_world(db) -> str:
    """Two versions of 2023 and one 2022 report of a hostile body, decided and corrected with hostile notes,
    and a roster with hostile names. Returns the sha256 of the 2023 report shown."""
    shas = ["a" * 64, "b" * 64, "c" * 64]
    with Store(db) as s:
        for sha, year, file in [(shas[0], 2022, FILE.replace("年报/", "旧/")), (shas[1], 2023, FILE),
                                (shas[2], 2023, f"二版/{PAYLOAD.replace('/', '_')}.txt")]:
            r = hostile(parsing.parse_bytes(SEED.read_bytes(), SEED.name), sha, year, file)
            found = rules.check_report(r)
            extra = pd.DataFrame([{"rule": "TXT-99", "severity": "error", "message": f"{CSS_BREAK}{PAYLOAD}",
                                   "table": "三", "row": "一、本年新收政府信息公开申请数量", "column": "总计",
                                   "section": None, "expected": PAYLOAD, "actual": 1}])
            s.add(r, pd.concat([found, extra], ignore_index=True))
        for rec in s.findings(shas[1], include_notes=True).to_dict("records"):
            if rec["kind"] == "finding":
                s.decide(shas[1], rec["finding_key"], "confirmed", PAYLOAD)
        s.correct(shas[1], "三", "一、本年新收政府信息公开申请数量", "总计", 3, PAYLOAD)
        s.import_roster(pd.DataFrame({"单位名称": [ROSTER_NAME, f"另一镇{PAYLOAD}"],
                                      "市": [f"海东市{PAYLOAD}", "海东市"]}))
        assert finding_key("TXT-99", "三", "一、本年新收政府信息公开申请数量", "总计")
    return shas[1]


# ---------------------------------------------------------------------------
# What a run renders
# ---------------------------------------------------------------------------

def nodes(at):
    stack = [at._tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(getattr(node, "children", {}).values())


def markdown_bodies(at) -> list[str]:
    out = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success",
                 "toast"):
        out += [str(e.value) for e in getattr(at, kind)]
    for m in at.metric:
        out += [str(m.label), str(m.value)]
    for node in nodes(at):
        label = getattr(node, "label", None)
        if isinstance(label, str):
            out.append(label)
    for r in at.radio:
        out += [str(o) for o in r.options]
    return out


# GFM literal autolinks, as remark-gfm (Streamlit's renderer) finds them: in the text after escapes are resolved.
GFM_AUTOLINK = re.compile(r"(https?://|www\.)[-.\w]+|[-.\w+]+@[-\w]+(\.[-\w]+)+", re.I | re.A)


def live_in_markdown(text: str) -> list[str]:
    found = []

    def visit(tokens):
        run = ""
        for t in tokens:
            if t.type in ("link_open", "image", "html_inline", "html_block"):
                found.append(f"{t.type} {t.attrs or t.content!r}")
            if t.type in ("text", "text_special"):
                run += t.content
            else:
                found.extend(f"autolink {m.group(0)!r}" for m in GFM_AUTOLINK.finditer(run))
                run = ""
            if t.children:
                visit(t.children)
        found.extend(f"autolink {m.group(0)!r}" for m in GFM_AUTOLINK.finditer(run))

    visit(MD.parse(text))
    return found


def live_in_html(body: str) -> list[str]:
    doc = lxml_html.fragment_fromstring(body, create_parent="div")
    found = [f"<{el.tag}>" for el in doc.iter() if isinstance(el.tag, str) and el.tag.lower() in LIVE_TAGS]
    found += [f"{k}={v}" for el in doc.iter() for k, v in el.attrib.items()
              if EVIL in v or k.lower().startswith("on")]
    found += [f"style: {s.text_content()[:80]}" for s in doc.iter("style") if "url(" in s.text_content()]
    return found


def live_in_plotly(spec: str) -> list[str]:
    found = []

    def visit(x):  # the builders' own <br> and <extra></extra> aside, no tag may reach plotly
        if isinstance(x, str) and re.search(r"<\s*/?\s*[a-zA-Z]", x.replace("<br>", "").replace("<extra></extra>", "")):
            found.append(x[:80])
        elif isinstance(x, dict):
            for v in x.values():
                visit(v)
        elif isinstance(x, list):
            for v in x:
                visit(v)

    visit(json.loads(spec))
    return found


def live_on(at) -> dict:
    problems = {}
    for text in markdown_bodies(at):
        if hits := live_in_markdown(text):
            problems[text[:120]] = hits
    for h in at.html:
        if hits := live_in_html(str(h.value)):
            problems["st.html"] = problems.get("st.html", []) + hits
    for chart in at.get("plotly_chart"):
        if hits := live_in_plotly(chart.proto.spec):
            problems["plotly"] = problems.get("plotly", []) + hits
    return problems


def shown_text(at) -> str:
    parts = markdown_bodies(at) + [str(h.value) for h in at.html]
    parts += [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")]
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------

def test_the_checkers_see_live_text():
    """The checks would catch each payload if it were rendered as is (so the page test can fail)."""
    assert live_in_markdown(f"**标题**：{BODY}")
    assert not live_in_markdown(f"**标题**：{markdown_text(BODY)}")
    # a backslash does not stop a literal autolink (remark-gfm finds them after escapes are resolved)
    assert live_in_markdown("http\\://evil\\.example/x") and live_in_markdown("a\\@evil\\.example")
    assert live_in_html(f"<td>{PAYLOAD}</td>")
    assert live_in_html(f"<style>.x::after {{ content: \"{CSS_BREAK}\" }}</style>")
    assert live_in_plotly('{"layout": {"title": {"text": "<a href=\\"http://evil.example\\">x</a>"}}}')
    assert not live_in_plotly('{"data": [{"hovertemplate": "甲<br>%{x}<extra></extra>"}]}')


@pytest.mark.parametrize("page", PAGES)
def test_no_user_text_is_live_on_any_page(world, page):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["current"] = world
    at.run()
    assert not at.exception, at.exception
    if page == "pages/upload.py":  # a dropped file whose name and error message carry the payload
        name = f"浓桥镇![x](http:{EVIL}.png)<img src=x onerror=alert(1)>[点我](http:{EVIL}).pdf"
        at.file_uploader(key="uploads").set_value([(name, b"not a pdf", "application/pdf")]).run()
    else:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    assert "点我" in shown_text(at)  # the hostile text is on the page (escaped)
    assert live_on(at) == {}


def test_the_markdown_review_download_is_inert(world, store_db):
    with Store(store_db) as s:
        report = s.corrected_report(world)
        findings = s.findings(world, include_notes=True)
    md = exports.report_summary_markdown(report, findings)
    assert "浓桥镇" in md and PAYLOAD not in md
    assert live_in_markdown(md) == []
