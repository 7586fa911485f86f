"""从网站导入: paste report URLs (or use the roster's 年报栏目 pages); each is fetched, checked and stored."""
import streamlit as st

from parsing import fetch as fetching
from ui import labels, login, state, widgets

login.gate()
state.init()  # this page may run without app.py (see ui.login)

st.title("从网站导入")
widgets.demo_banner()
st.caption("粘贴各单位年度报告的网址（报告网页、PDF/DOC/DOCX/WPS 附件，或年报栏目列表页），"
           "程序下载后按与上传文件相同的方式解析、检查并存入报告库，同时记下来源网址和网页上的发布日期。"
           "列表页中只跟踪标题含所选年度和“年度报告/年报”的链接（一层）。上次已导入的网址不会重复下载。")
with st.expander("程序会拒绝什么"):
    st.markdown("只访问 http/https 网址；不访问本机、内网和保留地址（含重定向后的地址），除非管理员用环境变量 "
                "GOVREPORT_FETCH_ALLOW 列出允许的地址段；遵守网站的 robots.txt；每个网站同时最多一个请求，"
                "两次请求之间稍作停顿；单个文件超过 50 MB、20 秒无响应或重定向超过 5 次即放弃，并逐个网址说明原因。")

store = state.store()
if store is None:
    st.error(state.store_error() or "报告库无法打开，无法导入。")
    st.stop()

urls_text = st.text_area("网址（每行一个）", key="fetch_urls", height=160,
                         placeholder="https://www.example.gov.cn/xxgk/ndbg/2024/t20250120_1.html")
c1, c2 = st.columns([1, 2])
year = c1.number_input("报告年度", min_value=2008, max_value=2100, value=fetching.default_year(), step=1,
                       key="fetch_year", help="列表页中只跟踪标题含该年度的年报链接；也作为续传时判断是否已导入的依据")
take_all = c2.checkbox("列表页中有多个符合的链接时全部导入", key="fetch_all",
                       help="不勾选时，列出这些链接由您选择")
roster_urls = store.roster_report_urls()
b1, b2 = st.columns(2)
start = b1.button("开始导入", key="fetch_start", icon=":material/download:", type="primary")
from_roster = b2.button(f"从名册的年报栏目导入（{len(roster_urls)} 个单位）", key="fetch_roster",
                        disabled=roster_urls.empty, icon=":material/list:",
                        help="名册中“年报栏目”列填写了网址的单位" if not roster_urls.empty else
                        "名册中没有“年报栏目”列或该列为空：在报告库页面导入含“年报栏目”列的名册")


def run_jobs(jobs: list) -> None:
    bars = [st.progress(0.0, text=f"排队：{labels.md(j.url)}") for j in jobs]
    stage = {"get": "下载", "bytes": "下载", "parse": "解析并检查"}

    def on_event(kind, i, url, done, total):
        if kind == "done":
            bars[i].progress(1.0, text=f"完成：{labels.md(jobs[i].url)}")
        elif kind in stage:
            frac = min(done / total, 1.0) if (kind == "bytes" and total) else (0.9 if kind == "parse" else 0.05)
            size = f" {done // 1024} KB" if kind == "bytes" else ""
            bars[i].progress(frac, text=f"{stage[kind]}{size}：{labels.md(url)}")

    try:
        settings = fetching.Settings()
    except ValueError as exc:
        st.error(f"环境变量 GOVREPORT_FETCH_ALLOW 中的地址段不正确：{labels.md(exc)}")
        return
    results = []
    for out in fetching.fetch(jobs, store, settings, on_event=on_event, take_all=take_all):
        results.append(out)
    st.session_state["fetch_results"] = results
    if any(o.status == fetching.IMPORTED for o in results):
        state.changed()


if start:
    urls = fetching.read_url_file(urls_text or "")
    if not urls:
        st.warning("请先粘贴网址，每行一个。")
    else:
        run_jobs([fetching.Job(u, int(year)) for u in urls])
if from_roster:
    run_jobs(fetching.roster_jobs(store, int(year)))

results = st.session_state.get("fetch_results") or []
if results:
    st.subheader("导入结果")
    counts = {k: sum(1 for o in results if o.status == k) for k in fetching.STATUS_ZH}
    cols = st.columns(5)
    for col, k in zip(cols, (fetching.IMPORTED, fetching.UNCHANGED, fetching.SKIPPED, fetching.FAILED,
                             fetching.CHOOSE)):
        col.metric(fetching.STATUS_ZH[k], counts[k])
    for n, out in enumerate(results):
        head = f"**{labels.md(fetching.STATUS_ZH[out.status])}**　{labels.md(out.job.url)}"
        body = labels.md(out.message)
        notes = "".join(f"\n- {labels.md(x)}" for x in out.notes if x != out.message)
        if out.status == fetching.FAILED:
            st.error(f"{head}\n\n{body}{notes}")
        elif out.status == fetching.CHOOSE:
            st.warning(f"{head}\n\n{body}{notes}")
            options = {f"{k.text or k.url}（{k.url}）": k.url for k in out.candidates}
            picked = st.multiselect("选择要导入的报告", list(options), key=f"fetch_pick_{n}")
            if st.button("导入所选", key=f"fetch_pick_go_{n}", disabled=not picked):
                run_jobs([fetching.Job(out.job.url, out.job.year, out.job.body, picks=[options[p] for p in picked])])
                st.rerun()
        else:
            st.success(f"{head}\n\n{body}{notes}")
