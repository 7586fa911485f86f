"""Build the demo county (示例数据): one made-up county's annual reports over five years, for trying the dashboard.

示例市示例县 has 21 bodies that must report (its own government, eight departments, eleven townships and 街道, and
北山乡, which never reports). Each reporting body publishes one report a year for 2021-2025, in the format its
website uses: a page saved from the site (HTML, most with a 发布时间 line and a PubDate meta tag), a text PDF
(some printed from the site, with the 发布时间 line), a Word file, and two scanned PDFs. The figures follow
trends (applications grow, penalties fall …) and keep every identity of the form: table 三 adds up in both
directions, 上年结转 is last year's 结转下年度, 现行有效 carries on from last year. The texts are drawn per body
and year from phrase pools, so no two reports are copies by accident.

A few defects are put in on purpose, as reviewers meet them (:data:`DEFECTS`, also in ``manifest.json``):

* a broken carry-over (青石镇 2023: 上年结转 is not 2022's 结转下年度 -> XYR-01);
* copied text (柳林镇 2024 repeats its 2023 report -> XYR-03; 松岭乡 2023 copies 石门乡's -> XYR-04);
* a missing year (白沙镇 has no 2022 report -> XYR-06, and 2022 shows it as 未报送);
* late publications (示例县自然资源局 2022 published 14 February -> PUB-01; 河湾镇 2023 published 18 March -> PUB-03);
* an arithmetic error (示例县公安局 2022: one cell printed 21 for 12 -> ARI-02/ARI-03);
* a text that contradicts its table (示例县教育局 2024 -> ARI-12);
* a missing section (东城街道 2021 has no 五 -> STR-01);
* zeros left blank (桃源镇 2021 -> a batch of ARI-06 warnings a reviewer dismisses at once);
* two scans read by OCR (龙潭镇 2023, 新丰乡 2025);
* one body that never reported (北山乡, on the roster only);
* the same report published twice, as a web page and a PDF (示例县卫生健康局 2023: two versions, same figures).

Everything is labelled as demo data: the county is 示例县 of 示例市, the landing page loads it with a button that
says 示例数据, and every page that shows it says so. The outputs are deterministic (fixed seeds, fixed times in the
DOCX and PDF files) and committed under ``sample_reports/demo/`` (about 4 MB) with ``名册.csv`` (the roster) and
``manifest.json`` (each file's body, year, format, sha256, publication date and defects). The text PDFs are
written directly (``bench/corpus.py``, with the non-embedded SimSun declared as Adobe-GB1 so that viewers draw it
with an installed Chinese font), the Word files and web pages by ``tools/make_samples.py``. The scans are those
PDFs rendered with pypdfium2 at 200 dpi and degraded as ``tools/make_scans.py`` does; rendering uses the machine's
fonts, so only the scans depend on it, and ``--check`` rebuilds every other file and compares bytes.

Usage (from the repository root)::

    .venv/bin/python tools/make_demo.py             # (re)build sample_reports/demo/
    .venv/bin/python tools/make_demo.py --check     # rebuild in a temporary folder and compare (scans excepted)
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import build_pdf  # noqa: E402
from parsing import forms  # noqa: E402
from tools.make_samples import SampleContent, build_docx, build_html  # noqa: E402

OUT = ROOT / "sample_reports" / "demo"
CITY, COUNTY = "示例市", "示例县"
YEARS = tuple(range(2021, 2026))
ROSTER_FILE = "名册.csv"
MANIFEST_FILE = "manifest.json"
SCAN_DPI = 200
SCAN_QUALITY = 40
LABEL = "示例数据"

Key = tuple[str, str, str]
APPLICANTS = forms.APPLICANT_COLUMNS[:6]
R_NEW, R_CARRY_IN = "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量"
R_TOTAL, R_CARRY_OUT = "三、本年度办理结果/（七）总计", "四、结转下年度继续办理"
R3 = "三、本年度办理结果"
# how answers are spread over the result rows (row key under 三、本年度办理结果, weight); 逾期未缴费 stays 0
RESULTS = (
    ("（一）予以公开", 52), ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 10),
    ("（三）不予公开/3.危及“三安全一稳定”", 1), ("（三）不予公开/4.保护第三方合法权益", 3),
    ("（三）不予公开/6.属于四类过程性信息", 2), ("（三）不予公开/7.属于行政执法案卷", 2),
    ("（四）无法提供/1.本机关不掌握相关政府信息", 16), ("（四）无法提供/2.没有现成信息需要另行制作", 4),
    ("（四）无法提供/3.补正后申请内容仍不明确", 2), ("（五）不予处理/1.信访举报投诉类申请", 3),
    ("（五）不予处理/2.重复申请", 2), ("（五）不予处理/5.要求行政机关确认或重新出具已获取信息", 1),
    ("（六）其他处理/1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 1),
    ("（六）其他处理/3.其他", 1),
)
APPLICANT_SHARE = {"自然人": 80, "商业企业": 10, "科研机构": 1, "社会公益组织": 1, "法律服务机构": 3, "其他": 5}


@dataclass
class Body:
    """One body of the county and how its figures and its website behave."""

    name: str            # as the roster names it (and the dashboard shows it)
    kind: str            # "township", "subdistrict", "department", "government"
    printed: tuple       # how its titles name it, one per year in turn (a body names itself more than one way)
    formats: tuple       # file format per year 2021..2025: "html", "pdf", "pdf-web" (with 发布时间), "docx", "scan"
    apps: float = 2.0    # new applications in 2021
    growth: float = 1.1  # per year
    permits: float = 0.0
    penalties: float = 0.0
    penalty_trend: float = 1.0
    coercion: float = 0.0
    normative: float = 0.0  # 行政规范性文件 issued per year
    fee: float = 0.0     # 万元
    review: float = 0.0  # 行政复议 per year
    suits: float = 0.0
    township: str = ""   # the roster's 乡镇街道 column
    department: str = ""  # the roster's 部门 column
    reports: bool = True


def _t(name, kind, formats, apps, **kw):
    printed = (f"{COUNTY}{name}人民政府" if kind == "township" else f"{COUNTY}{name}办事处", name)
    return Body(name, kind, printed, formats, apps, township=name, **kw)


def _d(name, formats, apps, **kw):
    return Body(f"{COUNTY}{name}", "department", (f"{COUNTY}{name}",), formats, apps, department=name, **kw)


BODIES: tuple[Body, ...] = (
    Body(f"{COUNTY}人民政府", "government", (f"{COUNTY}人民政府",), ("html",) * 5, 48, 1.18, normative=14,
         review=9, suits=6),
    _d("人民政府办公室", ("html", "html", "pdf-web", "html", "html"), 6, growth=1.05, normative=9),
    _d("教育局", ("docx", "docx", "pdf", "pdf", "docx"), 9, growth=1.12, permits=40, normative=2, review=1),
    _d("公安局", ("pdf", "pdf", "pdf", "pdf-web", "pdf"), 14, growth=1.08, permits=320, penalties=1450,
       penalty_trend=0.9, coercion=60, review=6, suits=3),
    _d("财政局", ("html", "html", "html", "html", "html"), 4, growth=1.06, normative=3),
    _d("自然资源局", ("html", "html", "html", "html", "html"), 22, growth=1.22, permits=140, penalties=36,
       coercion=4, fee=118.6, review=4, suits=5),
    _d("住房和城乡建设局", ("pdf-web", "pdf", "pdf-web", "pdf", "pdf-web"), 12, growth=1.1, permits=260,
       penalties=40, fee=35.2, review=2, suits=1),
    _d("卫生健康局", ("html", "html", "html", "html", "html"), 7, growth=1.09, permits=180, penalties=70,
       penalty_trend=1.05, review=1),
    _d("市场监督管理局", ("docx", "pdf", "pdf", "pdf", "pdf"), 11, growth=1.07, permits=2400, penalties=210,
       penalty_trend=1.08, coercion=12, review=3, suits=1),
    _t("城关街道", "subdistrict", ("html",) * 5, 6, growth=1.15, permits=12, penalties=8),
    _t("东城街道", "subdistrict", ("docx", "html", "html", "html", "html"), 4, growth=1.12, permits=6, penalties=5),
    _t("青石镇", "township", ("html", "html", "pdf-web", "html", "html"), 3, growth=1.2, permits=25, penalties=12),
    _t("河湾镇", "township", ("html",) * 5, 2, growth=1.25, permits=18, penalties=9),
    _t("柳林镇", "township", ("pdf", "pdf", "pdf", "pdf", "pdf"), 2, growth=1.1, permits=20, penalties=6),
    _t("白沙镇", "township", ("html", "html", "html", "html", "html"), 1, growth=1.3, permits=8, penalties=4),
    _t("石门乡", "township", ("docx", "docx", "html", "html", "html"), 1, growth=1.2, permits=5, penalties=2),
    _t("松岭乡", "township", ("docx", "docx", "html", "html", "html"), 1, growth=1.1, permits=4, penalties=3),
    _t("桃源镇", "township", ("docx", "pdf", "pdf", "pdf-web", "pdf"), 2, growth=1.15, permits=16, penalties=7),
    _t("龙潭镇", "township", ("html", "pdf", "scan", "pdf", "pdf"), 2, growth=1.1, permits=14, penalties=10),
    _t("新丰乡", "township", ("pdf", "pdf", "pdf-web", "docx", "scan"), 1, growth=1.2, permits=6, penalties=3),
    _t("北山乡", "township", ("html",) * 5, 1, reports=False),
)
BY_NAME = {b.name: b for b in BODIES}

# The defects put in on purpose: (body, year) -> what; the rule each should raise is in the manifest.
DEFECTS = {
    ("青石镇", 2023): ("carry-over", "XYR-01", "“上年结转”与2022年报告的“结转下年度继续办理”不一致"),
    ("柳林镇", 2024): ("copied-last-year", "XYR-03", "第一、五、六部分照抄2023年报告"),
    ("松岭乡", 2023): ("copied-other-body", "XYR-04", "正文套用石门乡同年报告"),
    ("白沙镇", 2022): ("missing-year", "XYR-06", "缺少2022年度报告（名册中显示为未报送）"),
    (f"{COUNTY}自然资源局", 2022): ("late", "PUB-01", "2023年2月14日才发布，晚于1月31日"),
    ("河湾镇", 2023): ("late", "PUB-03", "2024年3月18日才发布，晚于1月31日"),
    (f"{COUNTY}公安局", 2022): ("arithmetic", "ARI-03", "表三“予以公开”自然人一格印成21（应为12）"),
    (f"{COUNTY}教育局", 2024): ("text-vs-table", "ARI-12", "第一部分所写申请件数与表三不一致"),
    ("东城街道", 2021): ("missing-section", "STR-01", "缺少第五部分"),
    ("桃源镇", 2021): ("blank-zeros", "ARI-06", "表三中没有发生的事项留空未填0"),
    ("龙潭镇", 2023): ("scan", None, "扫描件（文字识别读出）"),
    ("新丰乡", 2025): ("scan", None, "扫描件（文字识别读出）"),
    (f"{COUNTY}卫生健康局", 2023): ("two-versions", None, "同一报告另以PDF发布一次（两个版本，数字相同）"),
    ("北山乡", None): ("never-reported", None, "名册中有，五年都未报送"),
}
LATE_DATES = {(f"{COUNTY}自然资源局", 2022): (2, 14), ("河湾镇", 2023): (3, 18)}


# ---------------------------------------------------------------------------
# Figures: every identity of the form kept, trends per body
# ---------------------------------------------------------------------------


def _rng(*parts) -> random.Random:
    return random.Random("demo:" + ":".join(str(p) for p in parts))


def _around(x: float, rng: random.Random, spread: float = 0.18) -> int:
    return max(0, int(round(x * rng.uniform(1 - spread, 1 + spread))))


def _split(total: int, weights: dict, rng: random.Random) -> dict:
    """``total`` spread over the keys of ``weights`` (whole numbers, deterministic)."""
    keys = list(weights)
    out = dict.fromkeys(keys, 0)
    for _ in range(total):
        out[rng.choices(keys, [weights[k] for k in keys])[0]] += 1
    return out


@dataclass
class Year:
    """One body's figures for one year (every cell of the 2021 form as an int or float), and what carries on."""

    cells: dict = field(default_factory=dict)
    carry_out: dict = field(default_factory=dict)  # per applicant column
    in_force: int = 0
    new_total: int = 0


def figures(body: Body, year: int, last: Year | None) -> Year:
    rng = _rng(body.name, year, "figures")
    k = year - YEARS[0]
    y = Year()
    cells = y.cells
    # 二: 规章 (none of these bodies may make one), 规范性文件 carried on from last year, permits, penalties, fees
    for c in ("本年制发件数", "本年废止件数", "现行有效件数"):
        cells[("二", "第二十条第（一）项/规章", c)] = 0
    issued = _around(body.normative, rng, 0.3) if body.normative else 0
    base = last.in_force if last else int(round(body.normative * 4))
    repealed = min(base, _around(body.normative * 0.4, rng, 0.5)) if body.normative else 0
    y.in_force = base + issued - repealed
    cells[("二", "第二十条第（一）项/行政规范性文件", "本年制发件数")] = issued
    cells[("二", "第二十条第（一）项/行政规范性文件", "本年废止件数")] = repealed
    cells[("二", "第二十条第（一）项/行政规范性文件", "现行有效件数")] = y.in_force
    cells[("二", "第二十条第（五）项/行政许可", "本年处理决定数量")] = _around(body.permits * 1.04 ** k, rng)
    cells[("二", "第二十条第（六）项/行政处罚", "本年处理决定数量")] = _around(body.penalties * body.penalty_trend ** k,
                                                                       rng)
    cells[("二", "第二十条第（六）项/行政强制", "本年处理决定数量")] = _around(body.coercion, rng, 0.3)
    fee = round(body.fee * 1.03 ** k * rng.uniform(0.9, 1.1), 2) if body.fee else 0
    cells[("二", "第二十条第（八）项/行政事业性收费", forms.FEE_COLUMN)] = fee
    # 三: new applications by applicant, last year's carry-over, answers, carried into next year
    new_total = _around(body.apps * body.growth ** k, rng, 0.2)
    y.new_total = new_total
    share = dict(APPLICANT_SHARE) if new_total >= 6 else {"自然人": 90, "商业企业": 6, "其他": 4}
    new = {c: 0 for c in APPLICANTS}
    new.update(_split(new_total, share, rng))
    carry_in = dict(last.carry_out) if last else {c: (1 if c == "自然人" and body.apps >= 10 else 0)
                                                  for c in APPLICANTS}
    for c in APPLICANTS:
        avail = new[c] + carry_in[c]
        out = 0
        if avail >= 8:
            out = rng.choice((0, 1, 1, 2))
        elif avail >= 3:
            out = rng.choice((0, 0, 1))
        y.carry_out[c] = out
        answered = _split(avail - out, {r: w for r, w in RESULTS}, rng)
        cells[("三", R_NEW, c)] = new[c]
        cells[("三", R_CARRY_IN, c)] = carry_in[c]
        for rd in forms.ROWS_三_2021:
            if rd.key.startswith(R3 + "/") and rd.key != R_TOTAL:
                cells[("三", rd.key, c)] = answered.get(rd.key[len(R3) + 1:], 0)
        cells[("三", R_TOTAL, c)] = avail - out
        cells[("三", R_CARRY_OUT, c)] = out
    for rd in forms.ROWS_三_2021:
        cells[("三", rd.key, "总计")] = sum(cells[("三", rd.key, c)] for c in APPLICANTS)
    # 四: review and litigation, each total the sum of its outcomes
    for row, mean in (("行政复议", body.review), ("行政诉讼/未经复议直接起诉", body.suits),
                      ("行政诉讼/复议后起诉", body.suits * 0.5)):
        n = _around(mean * 1.05 ** k, rng, 0.35) if mean else 0
        parts = _split(n, {"结果维持": 60, "结果纠正": 15, "其他结果": 15, "尚未审结": 10}, rng)
        for c in forms.OUTCOME_COLUMNS[:4]:
            cells[("四", row, c)] = parts[c]
        cells[("四", row, "总计")] = n
    return y


# ---------------------------------------------------------------------------
# Texts
# ---------------------------------------------------------------------------

SELF = {"township": "我镇", "subdistrict": "我街道", "department": "我局", "government": "县政府"}
OFFICE = {"township": "党政综合办公室", "subdistrict": "党政办公室", "department": "办公室", "government": "县政府办公室"}

S1_OPENING = [
    "{year}年，{name}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》，"
    "围绕中心工作扎实推进政务公开。",
    "{year}年，{name}深入贯彻党中央、国务院关于全面推进政务公开的决策部署，按照县委、县政府工作要求，"
    "持续提升政务公开质量。",
    "{year}年，{name}把政府信息公开作为建设法治政府、服务型政府的重要抓手，进一步健全工作机制、拓展公开范围。",
    "{year}年，{name}以群众需求为导向，围绕重点领域和关键环节，统筹推进政府信息公开各项工作。",
]
S1_TOPICS = [
    ["主动公开方面，通过政府门户网站{site}公开政策文件、通知公告和工作动态{n_posts}条。",
     "主动公开方面，及时公开财政预决算、重大项目、惠民惠农补贴等重点领域信息，全年发布信息{n_posts}条。",
     "主动公开方面，规范公开栏和政务新媒体管理，做到应公开尽公开，全年主动公开各类信息{n_posts}条。"],
    ["依申请公开方面，畅通申请渠道，规范受理、办理、答复流程，{apps_sentence}",
     "依申请公开方面，严格落实登记、审核、答复等环节要求，{apps_sentence}",
     "依申请公开方面，明确专人负责，统一答复文书格式，{apps_sentence}"],
    ["政府信息管理方面，严格落实信息发布保密审查制度，做到涉密不上网、上网不涉密。",
     "政府信息管理方面，建立信息发布前审核登记制度，定期清理过时和失效信息。",
     "政府信息管理方面，动态调整政府信息公开目录，对规范性文件进行清理并公布结果。"],
    ["政府信息公开平台建设方面，优化公开专栏栏目设置，提升检索和浏览的便利度。",
     "平台建设方面，完善政府信息公开专栏，统一栏目名称和更新要求，确保平台运行安全稳定。",
     "政府信息公开平台建设方面，推进门户网站与政务新媒体协同发布，及时回应群众关切。"],
    ["监督保障方面，{accountability}",
     "监督保障方面，明确分管领导和工作人员，将政务公开纳入日常工作督查，{accountability}"],
]
ACCOUNTABILITY_GOV = [
    "将政务公开纳入年度绩效考核，组织群众开展社会评议，对工作不力的严格追究责任。",
    "开展政务公开工作考核和满意度测评，落实责任追究制度，全年未发生因公开不到位被追责的情况。",
    "把政府信息公开纳入目标考核，邀请群众代表参与评议，对发现的问题严格问责整改。",
]
ACCOUNTABILITY_DEPT = [
    "加强业务培训和日常督促检查，确保各项公开任务按时完成。",
    "定期通报公开工作情况，对发现的问题限期整改。",
    "接受社会监督，对群众反映的问题及时核实处理。",
]
S1_EXTRA = [
    "加强政策解读，采用图文、短视频、问答等形式解读重要政策{n_explain}次。",
    "建立舆情收集、研判、回应机制，对群众关注的热点问题及时回应。",
    "组织工作人员学习《中华人民共和国政府信息公开条例》，全年开展专题培训{n_train}次。",
    "推进基层政务公开标准化规范化建设，编制公开事项标准目录并动态更新。",
    "利用微信群、广播和公开栏发布民生救助、就业创业等信息，方便群众知晓。",
    "落实重大行政决策预公开制度，重要政策出台前公开征求意见。",
    "开展政府开放日活动，邀请群众代表走进机关、了解工作。",
    "规范政务新媒体运营，做到内容准确、更新及时、互动规范。",
]
S5_PROBLEMS = [
    "公开内容不够全面，部分领域信息更新不够及时",
    "政策解读形式较为单一，图解、音视频解读比例偏低",
    "工作人员业务能力有待提高，对公开流程和标准掌握不够",
    "公开平台互动功能较为薄弱，群众参与度不高",
    "部分公开栏内容陈旧，没有及时更新",
    "依申请公开答复文书格式还不够规范",
    "信息发布前的保密审查记录不够完整",
    "政务新媒体更新频率不稳定",
]
S5_FIXES = [
    "加强业务培训，提升工作人员依法公开的能力",
    "丰富政策解读形式，推动政策文件与解读材料同步起草、同步发布",
    "建立信息更新台账，明确每个栏目的责任人和更新时限",
    "统一依申请公开答复文书模板，规范告知内容和救济途径",
    "完善保密审查登记，做到每条信息有记录可查",
    "加强对公开栏和新媒体的日常检查，确保内容及时准确",
    "畅通互动渠道，及时回应群众关切",
]
S5_LAST_YEAR = [
    "对上一年度报告所列问题，已逐项制定整改措施并落实到位。",
    "针对上年度查找的问题，已建立清单逐项整改，完成率百分之百。",
    "去年报告指出的问题已全部整改落实。",
]


def _sentences(body: Body, year: int, y: Year, rng: random.Random) -> dict[int, list[str]]:
    self_ = SELF[body.kind]
    name = body.printed[(year - YEARS[0]) % len(body.printed)].replace("办事处", "")
    n = y.new_total
    apps = (f"全年共收到政府信息公开申请{n}件，均在法定期限内答复。" if n else
            "全年未收到政府信息公开申请。")
    gov = body.kind in ("township", "subdistrict", "government")
    fill = dict(year=year, name=name, site="和政务新媒体", n_posts=_around(60 + 30 * len(body.name), rng, 0.3),
                apps_sentence=apps, n_explain=rng.randint(3, 15), n_train=rng.randint(1, 4),
                accountability=rng.choice(ACCOUNTABILITY_GOV if gov else ACCOUNTABILITY_DEPT))
    one = [rng.choice(S1_OPENING)] + [rng.choice(group) for group in S1_TOPICS] + rng.sample(S1_EXTRA, 3)
    problems = rng.sample(S5_PROBLEMS, 3)
    fixes = rng.sample(S5_FIXES, 3)
    five = ["存在的主要问题：" + "；".join(f"{'一二三'[i]}是{p}" for i, p in enumerate(problems)) + "。",
            f"改进情况：下一步，{self_}将" + "；".join(fixes) + "。", rng.choice(S5_LAST_YEAR)]
    six = [f"{year}年度，{self_}未收取政府信息公开信息处理费。",
           rng.choice(["本年度无其他需要报告的事项。", f"{year}年度，{self_}认真办理人大代表建议和政协委员提案，"
                       "并按要求公开办理结果。", f"{self_}按照{year}年政务公开工作要点要求，逐项落实各项任务。"])]
    return {1: [s.format(**fill) for s in one], 5: five, 6: six}


def report_content(body: Body, year: int, y: Year, texts: dict[int, list[str]], stem: str,
                   published: str | None, fmt: str) -> SampleContent:
    printed = body.printed[(year - YEARS[0]) % len(body.printed)]
    title = f"{printed}{year}年政府信息公开工作年度报告"
    content = SampleContent(stem=stem, title=title, body=printed)
    if fmt == "pdf-web" and published:
        content.preamble.append(f"来源：{printed}　　发布时间：{published}")
    content.preamble.append(f"本报告依据《中华人民共和国政府信息公开条例》和上级有关要求编制。本报告中所列数据的统计期限"
                            f"自{year}年1月1日起至{year}年12月31日止。如对本报告有疑问，请与{printed}"
                            f"{OFFICE[body.kind]}联系。")
    intro = {2: "主动公开政府信息情况如下表。", 3: "收到和处理政府信息公开申请情况如下表。",
             4: "政府信息公开行政复议、行政诉讼情况如下表。"}
    for sec in forms.SECTIONS:
        if sec.number not in intro and sec.number not in texts:
            continue  # a section the report leaves out
        lines = texts.get(sec.number) or [intro[sec.number]]
        content.sections.append((sec.number, sec.heading, lines))
    content.cells = {k: _cell_text(v) for k, v in y.cells.items()}
    return content


def _cell_text(v) -> str:
    if v is None:
        return ""
    f = float(v)
    return str(int(f)) if f.is_integer() else f"{f:g}"


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def _published(body: Body, year: int) -> str:
    if (body.name, year) in LATE_DATES:
        m, d = LATE_DATES[(body.name, year)]
    elif body.kind == "government":
        m, d = 3, _rng(body.name, year, "date").randint(10, 28)
    else:
        m, d = 1, _rng(body.name, year, "date").randint(8, 29)
    return f"{year + 1}-{m:02d}-{d:02d}"


def html_page(content: SampleContent, published: str, meta: bool, line: bool) -> bytes:
    """The gov-site page of tools/make_samples.py, with its publication date as sites show it: a PubDate meta tag
    (``meta``) and a 来源/发布时间 line under the breadcrumb (``line``)."""
    page = build_html(content).decode("gbk")
    if meta:
        page = page.replace('<meta name="ArticleTitle"', f'<meta name="PubDate" content="{published} 09:30" />\n'
                                                          '<meta name="ArticleTitle"', 1)
    if line:
        page = page.replace('<table class="info"', f'<div class="pubinfo">来源：{content.body}　发布时间：{published} 09:30'
                                                   '　浏览次数：</div>\n<table class="info"', 1)
    return page.encode("gbk", errors="xmlcharrefreplace")


def scan_pdf(text_pdf: bytes, seal: str, seed: str) -> bytes:
    """A scanned-looking copy of a text PDF (tools/make_scans.py: tilt, blur, speckle, a red seal on page 1)."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    from tools import make_scans

    doc = pdfium.PdfDocument(text_pdf)
    try:
        pages = [doc[i].render(scale=SCAN_DPI / 72).to_pil().convert("RGB") for i in range(len(doc))]
    finally:
        doc.close()
    rng = random.Random(f"scan:{seed}")
    out = []
    for number, page in enumerate(pages, start=1):
        if number == 1:
            size = int(page.width * 0.24)
            mask = make_scans.seal_layer(size, seal).rotate(rng.uniform(-20, 20), resample=Image.BICUBIC)
            alpha = np.asarray(mask, dtype=np.float32) / 255 * 0.8
            x0, y0 = int(page.width * 0.62), int(page.height * 0.06)
            arr = np.asarray(page, dtype=np.float32).copy()
            region = arr[y0:y0 + size, x0:x0 + size]
            a = alpha[: region.shape[0], : region.shape[1], None]
            red = np.array([214, 38, 44], dtype=np.float32) / 255
            region[:] = region * (1 - a) + region * red * a
            page = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
        out.append(make_scans.degrade(page, rng))
    buf = io.BytesIO()
    out[0].save(buf, "PDF", save_all=True, append_images=out[1:], resolution=SCAN_DPI, quality=SCAN_QUALITY,
                title="scan", author="", subject="", creator="make_demo", producer="make_demo",
                creationDate=make_scans.FIXED_DATE, modDate=make_scans.FIXED_DATE)
    return buf.getvalue()


EXT = {"html": "html", "pdf": "pdf", "pdf-web": "pdf", "docx": "docx", "scan": "pdf"}
FORMAT_ZH = {"html": "网页", "pdf": "PDF", "pdf-web": "PDF（网页打印）", "docx": "Word", "scan": "扫描件"}


def build(out: Path, scans: bool = True, log=print) -> list[dict]:
    """Write every file of the demo county into ``out``; returns the manifest entries."""
    out.mkdir(parents=True, exist_ok=True)
    entries: list[dict] = []
    texts_of: dict[tuple, dict] = {}
    for body in BODIES:
        if not body.reports:
            continue
        last = None
        for i, year in enumerate(YEARS):
            y = figures(body, year, last)
            last = y
            defect = DEFECTS.get((body.name, year), (None, None, ""))
            kind = defect[0]
            if kind == "missing-year":
                continue
            rng = _rng(body.name, year, "text")
            texts = _sentences(body, year, y, rng)
            if kind == "copied-last-year":
                prev = texts_of[(body.name, year - 1)]
                texts = {n: [s.replace(str(year - 1), str(year)) for s in lines] for n, lines in prev.items()}
            elif kind == "copied-other-body":
                other = texts_of[("石门乡", year)]
                texts = {n: [s.replace("石门乡", body.name) for s in lines] for n, lines in other.items()}
            elif kind == "text-vs-table":
                texts[1] = [s.replace(f"申请{y.new_total}件", f"申请{y.new_total + 3}件") for s in texts[1]]
            elif kind == "missing-section":
                texts.pop(5)
            texts_of[(body.name, year)] = texts
            cells = dict(y.cells)
            if kind == "carry-over":
                cells[("三", R_CARRY_IN, "自然人")] += 2  # and the identities of this year kept:
                cells[("三", R_CARRY_IN, "总计")] += 2
                cells[("三", R_NEW, "自然人")] = max(0, cells[("三", R_NEW, "自然人")])
                cells[("三", R3 + "/（一）予以公开", "自然人")] += 2
                cells[("三", R3 + "/（一）予以公开", "总计")] += 2
                cells[("三", R_TOTAL, "自然人")] += 2
                cells[("三", R_TOTAL, "总计")] += 2
            elif kind == "arithmetic":
                cells[("三", R3 + "/（一）予以公开", "自然人")] = 21  # printed for 12
            shown = Year(cells=cells)
            if kind == "blank-zeros":
                for key, v in list(cells.items()):
                    if key[0] == "三" and v == 0 and key[1].startswith(R3 + "/（"):
                        cells[key] = None
            fmt = body.formats[i]
            published = _published(body, year)
            stem = f"{body.name}_{year}年政府信息公开工作年度报告"
            content = report_content(body, year, shown, texts, stem, published if fmt == "pdf-web" else None, fmt)
            files = [(fmt, stem)]
            if kind == "two-versions":
                files.append(("pdf", stem + "（PDF版）"))
            for f, name in files:
                if f == "scan" and not scans:
                    continue
                if f == "html":
                    meta = _rng(body.name, year, "meta").random() < 0.8
                    data = html_page(content, published, meta=meta, line=not meta or body.kind != "government")
                elif f in ("pdf", "pdf-web"):
                    data = build_pdf(content, gb1=True)
                elif f == "docx":
                    data = build_docx(content)
                else:
                    data = scan_pdf(build_pdf(content, gb1=True), body.printed[0], f"{body.name}:{year}")
                file_name = f"{name}.{EXT[f]}"
                (out / file_name).write_bytes(data)
                known = f == "html" or f == "pdf-web"
                entries.append({
                    "file": file_name, "body": body.name, "kind": body.kind, "year": year, "format": f,
                    "format_zh": FORMAT_ZH[f], "sha256": hashlib.sha256(data).hexdigest(),
                    "published": published, "published_in_file": known,
                    "defect": defect[0], "rule": defect[1], "what": defect[2],
                })
        if log:
            log(f"  {body.name}: {sum(1 for e in entries if e['body'] == body.name)} 份")
    _write_roster(out / ROSTER_FILE)
    manifest = {"label": LABEL, "city": CITY, "county": COUNTY, "years": list(YEARS), "files": entries,
                "never_reported": [b.name for b in BODIES if not b.reports],
                "defects": [{"body": b, "year": y, "defect": d[0], "rule": d[1], "what": d[2]}
                            for (b, y), d in DEFECTS.items()]}
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return entries


def _write_roster(path: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["单位名称", "市", "县区", "乡镇街道", "部门"])
    for b in BODIES:
        w.writerow([b.name, CITY, COUNTY, b.township, b.department])
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


def check(scans: bool = False) -> list[str]:
    """Rebuild into a temporary folder and list the committed files that differ (scans only with ``scans``)."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="make-demo-") as tmp:
        entries = build(Path(tmp), scans=scans, log=None)
        names = [e["file"] for e in entries] + [ROSTER_FILE]
        for name in names:
            a, b = OUT / name, Path(tmp) / name
            if not a.exists() or a.read_bytes() != b.read_bytes():
                problems.append(name)
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="rebuild in a temporary folder and compare with the "
                                                        "committed files (scans excepted)")
    args = ap.parse_args(argv)
    if args.check:
        bad = check()
        for name in bad:
            print("DIFFERS", name)
        return 1 if bad else 0
    for old in OUT.glob("*"):
        if old.is_file():
            old.unlink()
    entries = build(OUT)
    size = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(entries)} files, {size / 1e6:.1f} MB in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
