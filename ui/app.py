"""The web edge: a Gradio Blocks UI (chat, reports, compare) mounted in a FastAPI app with a REST API.

``create_app(service, auth)`` builds the whole ASGI app (tests use it directly);
``serve(settings, host, port, demo, auth, no_auth)`` runs it with uvicorn.
"""
# No `from __future__ import annotations`: Gradio reads `evt: gr.SelectData` hints at runtime.
import hashlib
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False"}.items():
    os.environ.setdefault(_k, _v)

from index import repository as repo  # noqa: E402
from index.errors import ReportQAError  # noqa: E402
from qa.facts import DEFAULT_FACTS, FACT_LABELS  # noqa: E402
from qa.tables import cells_of  # noqa: E402
from qa.schema import Citation  # noqa: E402
from qa.service import Service  # noqa: E402
from index.settings import Settings  # noqa: E402

from . import render  # noqa: E402
from . import memory  # noqa: E402
from .api import BasicAuth, add_api_fallback, add_routes, ingest_and_settle, parse_auth  # noqa: E402
from .guard import Guard, allowed_hosts, new_token, page_script  # noqa: E402
from .render import esc  # noqa: E402
from .uploads import UploadRejected, clean_staging, stage_path, staging  # noqa: E402

EXAMPLES = ["东江理工大学2022-2023学年共收到多少项信息公开申请？",
            "海川交通大学信息公开的联系电话是多少？",
            "哪些学校在2022-2023学年没有收到信息公开申请？",
            "哪所学校收到的信息公开申请最多？",
            "其他学校怎样做信息公开培训？"]
DEMO_CORPUS = Path(__file__).resolve().parent.parent / "eval" / "corpus" / "demo"
# Local font stacks only: the default theme fonts would be fetched from Google Fonts.
LOCAL_FONTS = ["ui-sans-serif", "system-ui", "PingFang SC", "Microsoft YaHei", "sans-serif"]
MONO_FONTS = ["ui-monospace", "DejaVu Sans Mono", "monospace"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SESSION_TTL_S = 6 * 3600
SOURCE_HINT = '<div class="rq-hint">点击上方的引用编号，在这里查看所在章节的原文，引用的句子会高亮显示。</div>'
EVIDENCE_HINT = '<div class="rq-hint">点击表格中的一行（或一个单元格）查看每个数字的原文依据。</div>'
CSS = """
#rq-source-panel, #rq-evidence { max-height: 520px; overflow-y: auto; }
.rq-source-head { font-size: 1.05em; margin-bottom: .2em; }
.rq-source-meta { color: #666; font-size: .85em; margin-bottom: .6em; }
.rq-source-text { white-space: pre-wrap; line-height: 1.75; word-break: break-all; }
#rq-highlight { background: #ffe066; padding: 1px 0; }
.rq-hint { color: #777; padding: .8em 0; }
.rq-evidence ul { padding-left: 1.2em; }
.rq-evidence li.rq-focus { background: #fff8d6; }
.rq-evidence blockquote { margin: .2em 0 .2em 0; color: #444; border-left: 3px solid #ddd; padding-left: .6em; }
"""


def _plain(content) -> str:
    """Chat message text; Gradio 6 sends content as a list of {type, text} parts."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "")


def _engine(svc: Service):
    try:
        return svc.engine()
    except ReportQAError:
        return None


def docs_table(svc: Service) -> list[list]:
    eng = _engine(svc)
    if eng is None:
        return []
    return [[d.institution, d.year, d.period, d.format, d.chunks, d.doc]
            for d in sorted(eng.docs.values(), key=lambda d: (d.institution, d.year, d.doc))]


def correct_report(svc: Service, doc: str, institution: str, year: str) -> tuple[str, list[list]]:
    """The reports tab's correction: set a report's institution/year by hand (kept across
    re-ingests, as `reportqa docs --set`); a line saying what happened, and the new table."""
    if not doc:
        return "请先选择要更正的报告", docs_table(svc)
    try:
        d = svc.correct(doc, (institution or "").strip() or None, (year or "").strip() or None)
    except ReportQAError as exc:
        return f"未更正：{exc}", docs_table(svc)
    return f"已更正 {d.doc}：{d.institution} {d.year}（重新导入也会保留）", docs_table(svc)


def doc_names(svc: Service) -> list[str]:
    """The indexed reports' names, for the correction row's picker."""
    eng = _engine(svc)
    return sorted(eng.docs) if eng else []


def filter_choices(svc: Service) -> tuple[list, list]:
    eng = _engine(svc)
    insts, years = (eng.institutions(), eng.years()) if eng else ([], [])
    return [("全部机构", "")] + [(i, i) for i in insts], [("全部年度", "")] + [(y, y) for y in years]


def section_span(eng, c: Citation) -> tuple[int, int] | None:
    """[start, end) of the section holding the citation (the union of its section's chunks)."""
    spans = [(ch.start, ch.end) for ch in eng.index.store.chunks(doc=c.doc) if ch.section == c.section]
    if not spans:
        return None
    spans.sort()
    # the contiguous run of chunks around the citation
    lo, hi = None, None
    for s, e in spans:
        if lo is None or s > hi:
            if lo is not None and lo <= c.start < hi:
                break
            lo, hi = s, e
        else:
            hi = max(hi, e)
    return (lo, hi) if lo is not None and lo <= c.start <= hi else None


def upload_lines(results, rejected) -> str:
    lines = []
    for name, msg in rejected:
        lines.append(f"✗ 失败  {name}：{msg}")
    for r in results:
        if r.status == "ok":
            note = f"（注意：{r.message}）" if r.message else ""
            lines.append(f"✓ 成功  {r.doc}：{r.chunks} 个分块，已可提问{note}")
        elif r.status == "skipped":
            lines.append(f"• 未变  {r.doc}：与已索引的版本相同")
        else:
            lines.append(f"✗ 失败  {r.doc}：{r.message}")
    return "\n".join(lines) or "没有选择文件"


class CsvCache:
    """CSV exports written to one temp folder per app, named by content (Gradio serves them).

    Every upload changes the facts table, so only the ``keep`` newest exports stay on disk."""

    def __init__(self, keep: int = 20):
        self.root = Path(tempfile.mkdtemp(prefix="reportqa-csv-"))
        self.keep = keep

    def write(self, text: str) -> str:
        h = hashlib.sha256(text.encode()).hexdigest()[:16]
        d = self.root / h
        d.mkdir(exist_ok=True)
        p = d / "reportqa-facts.csv"
        if not p.exists():
            p.write_text("\ufeff" + text, encoding="utf-8")
        os.utime(d)
        for old in sorted(self.root.iterdir(), key=lambda x: x.stat().st_mtime)[:-self.keep]:
            if old != d:
                shutil.rmtree(old, ignore_errors=True)
        return str(p)


def build_app(svc: Service):
    """The Gradio Blocks app over a Service (model and index loaded once; state per session)."""
    import gradio as gr
    import pandas as pd

    csv_cache = CsvCache()
    fact_choices = [(label, name) for name, label in FACT_LABELS.items()]
    metric_choices = [(render.ALL_LABELS[n], n) for n in render.NUMERIC_FACTS]

    # ------------------------------------------------------------------ chat
    def respond(message, chat, inst, year, state):
        message = message or ""
        state = dict(state or {})
        if not message.strip():
            gr.Warning("请输入问题")
            return chat, message, gr.update(), state, gr.update()
        questions = list(state.get("questions") or [])
        filters = {k: v for k, v in (("institution", inst), ("year", year)) if v}
        chat = list(chat or []) + [{"role": "user", "content": render.md_esc(message.strip())}]
        try:
            ans = svc.ask(message, history=questions or None, filters=filters)
        except ReportQAError as exc:
            chat.append({"role": "assistant", "content": f"**无法回答**：{render.md_esc(str(exc))}"})
            state["cites"] = []
            return chat, "", gr.update(choices=[], value=None), state, SOURCE_HINT
        questions.append(message.strip())
        # Session state stays bounded: only the questions the history limits let through are kept.
        questions = questions[-svc.settings.max_history_items:]
        while sum(map(len, questions)) > svc.settings.max_history_chars and len(questions) > 1:
            questions.pop(0)
        chat.append({"role": "assistant", "content": render.answer_markdown(ans)})
        cites = render.answer_citations(ans)
        state.update(questions=questions, cites=[asdict(c) for c in cites])
        labels = [(render.citation_label(i, c), i - 1) for i, c in enumerate(cites, 1)]
        return chat, "", gr.update(choices=labels, value=None), state, SOURCE_HINT

    def from_example(evt: gr.SelectData, chat, inst, year, state):
        value = evt.value
        text = value.get("text", "") if isinstance(value, dict) else str(value or "")
        return respond(text, chat, inst, year, state)

    def open_citation(idx, state):
        cites = (state or {}).get("cites") or []
        if idx is None or not isinstance(idx, int) or not 0 <= idx < len(cites):
            return SOURCE_HINT
        c = Citation(**cites[idx])
        eng = _engine(svc)
        if eng is None or c.doc not in eng.docs:
            return '<div class="rq-hint">这份报告已不在索引中。</div>'
        return render.source_html(eng.text(c.doc), c, section_span(eng, c), cells=cells_of(eng, c.doc))

    def clear():
        return [], "", gr.update(choices=[], value=None), {}, SOURCE_HINT

    # --------------------------------------------------------------- reports
    def upload(files):
        files = files or []
        rejected, results = [], []
        max_files = svc.settings.max_upload_files
        if len(files) > max_files:
            rejected.append(("", f"一次最多上传 {max_files} 个文件"))
            files = []
        if files:
            with staging(svc.settings.index_dir) as tmp:
                paths = []
                for f in files:
                    src = Path(getattr(f, "name", None) or str(f))
                    try:
                        paths.append(stage_path(tmp, src, svc.settings.max_file_bytes))
                    except UploadRejected as exc:
                        rejected.append((src.name, str(exc)))
                if paths:
                    try:
                        results = ingest_and_settle(svc, paths)
                    except ReportQAError as exc:
                        rejected.append(("", str(exc)))
        insts, years = filter_choices(svc)
        return (upload_lines(results, rejected), docs_table(svc), gr.update(choices=insts),
                gr.update(choices=years)) + compare_outputs(DEFAULT_FACTS, "applications_received")

    # --------------------------------------------------------------- compare
    def compare_outputs(names, metric):
        eng = _engine(svc)
        names = [n for n in (names or []) if n in FACT_LABELS]
        if eng is None:
            headers, rows = ["机构", "年度"] + [FACT_LABELS[n] for n in names] + ["文件"], []
        else:
            headers, rows = render.facts_wide(eng, names)
        table = gr.update(value=pd.DataFrame(rows, columns=headers), headers=headers)
        csv_path = csv_cache.write(render.csv_text(headers, rows))
        return table, gr.update(value=csv_path), chart(metric)

    def chart(metric):
        eng = _engine(svc)
        rows = []
        for f in (eng.facts if eng else []):
            d = eng.docs.get(f["doc"])
            if d is not None and f["name"] == metric:
                try:
                    rows.append({"报告": f"{d.institution} {d.year}", "数值": float(f["value"])})
                except ValueError:
                    pass
        df = pd.DataFrame(rows, columns=["报告", "数值"])
        return gr.update(value=df, title=render.ALL_LABELS.get(metric, metric), visible=True)

    def compare_question(question, names, metric):
        """A typed per-report question asked of every report: one row each (未说明 where silent),
        the CSV of those rows and a chart of the numeric answers. An empty question shows the facts table."""
        q = (question or "").strip()
        if not q:
            return compare_outputs(names, metric) + (EVIDENCE_HINT,)
        eng = _engine(svc)
        if eng is None or not eng.docs:
            raise gr.Error("索引为空：请先在「报告」页上传报告。")
        try:
            sub, rows = eng.compare_rows(q)
        except ReportQAError as exc:
            raise gr.Error(str(exc))
        headers = ["机构", "年度", "回答", "原文引用", "文件"]
        table_rows = [[r.institution, r.year, r.display, r.citation.quote if r.citation else "", r.doc]
                      for r in rows]
        points = []
        for r in rows:
            try:
                points.append({"报告": f"{r.institution} {r.year}", "数值": float(r.value)})
            except (TypeError, ValueError):
                pass
        silent = sum(r.status == "silent" for r in rows)
        matched = sum(r.status == "match" for r in rows)
        note = (f'<div class="rq-evidence"><p>逐份报告回答：<b>{esc(sub)}</b></p>'
                f"<p>{len(rows)}份报告：{matched}份符合，{silent}份未说明（报告中没有找到，未计入）。</p></div>")
        table = gr.update(value=pd.DataFrame(table_rows, columns=headers), headers=headers)
        csv_path = csv_cache.write(render.csv_text(headers, table_rows))
        plot_df = pd.DataFrame(points, columns=["报告", "数值"])
        # answers that are not numbers (phones, periods, 是/否) have no chart
        return table, gr.update(value=csv_path), gr.update(value=plot_df, title=sub, visible=bool(points),
                                                       y_lim=[0, max([p["数值"] for p in points] + [1])]), note

    def evidence(evt: gr.SelectData, names):
        eng = _engine(svc)
        row = evt.row_value or []
        if eng is None or not row:
            return EVIDENCE_HINT
        doc = str(row[-1])
        names = [n for n in (names or []) if n in FACT_LABELS]
        col = evt.index[1] if isinstance(evt.index, (list, tuple)) and len(evt.index) > 1 else None
        focus = names[col - 2] if isinstance(col, int) and 2 <= col < 2 + len(names) else None
        return render.evidence_html(eng, doc, focus, names)

    # ---------------------------------------------------------------- layout
    insts0, years0 = filter_choices(svc)
    eng0 = _engine(svc)
    # Uploaded files wait in Gradio's cache only until their upload event has staged them.
    with gr.Blocks(title="ReportQA 信息公开报告问答", delete_cache=(3600, 3600)) as app:
        gr.Markdown("## ReportQA · 高校信息公开年度报告问答\n每个回答都附带可核对的原文引用；"
                    "找不到依据时会明确说明，并列出相关段落。" +
                    ("" if eng0 is not None and eng0.docs else "\n\n**索引为空**：请先在「报告」页上传报告。"),
                    elem_id="rq-header")
        # a session's chat state is dropped after 6 idle hours (Gradio otherwise keeps up to 10,000)
        state = gr.State({}, time_to_live=SESSION_TTL_S)
        with gr.Tab("问答", id="chat", elem_id="rq-tab-chat"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    with gr.Row():
                        inst = gr.Dropdown(choices=insts0, value="", label="机构筛选", elem_id="rq-inst",
                                           scale=1)
                        year = gr.Dropdown(choices=years0, value="", label="年度筛选", elem_id="rq-year",
                                           scale=1)
                    chat = gr.Chatbot(label="对话", show_label=False, elem_id="rq-chat", height=430, latex_delimiters=[],
                                      sanitize_html=True, allow_tags=False, feedback_options=None, buttons=["copy"],
                                      examples=[{"text": q} for q in EXAMPLES],
                                      placeholder="问一个关于信息公开年度报告的问题，或点击下面的示例。")
                    with gr.Row():
                        box = gr.Textbox(show_label=False, placeholder="例如：" + EXAMPLES[0],
                                         elem_id="rq-question", scale=5, max_lines=4,
                                         max_length=svc.settings.max_question_chars)
                        ask = gr.Button("提问", variant="primary", elem_id="rq-ask", scale=1, min_width=80)
                        clear_btn = gr.Button("新对话", elem_id="rq-clear", scale=1, min_width=80)
                with gr.Column(scale=2):
                    cite_pick = gr.Radio(choices=[], label="引用（点击查看原文）", elem_id="rq-cites")
                    source = gr.HTML(SOURCE_HINT, elem_id="rq-source-panel")
        with gr.Tab("报告", id="reports", elem_id="rq-tab-reports"):
            with gr.Row(equal_height=True):
                files = gr.File(file_count="multiple", label="上传报告（PDF / DOCX / HTML / TXT / MD，可多选）",
                                file_types=[".pdf", ".docx", ".html", ".htm", ".txt", ".md"],
                                elem_id="rq-upload", height=150, scale=2)
                status = gr.Textbox(label="导入结果（每个文件一行；上传后无需重启即可提问）",
                                    elem_id="rq-upload-status", lines=5, interactive=False, scale=3)
            table = gr.Dataframe(headers=["机构", "年度", "统计期限", "格式", "分块", "文件"],
                                 value=docs_table(svc), elem_id="rq-docs", interactive=False, wrap=True,
                                 label="已索引的报告")
            with gr.Row(equal_height=True):  # a person corrects a misdetected institution or year
                fix_doc = gr.Dropdown(choices=doc_names(svc), label="更正报告", elem_id="rq-fix-doc", scale=2)
                fix_inst = gr.Textbox(label="机构", elem_id="rq-fix-inst", scale=2)
                fix_year = gr.Textbox(label="年度（如 2023 或 2022-2023）", elem_id="rq-fix-year", scale=1)
                fix_btn = gr.Button("更正", elem_id="rq-fix", scale=1, min_width=80)
            fix_status = gr.Textbox(label="更正结果", elem_id="rq-fix-status", interactive=False, lines=1)
        with gr.Tab("对比", id="compare", elem_id="rq-tab-compare"):
            with gr.Row():
                cmp_box = gr.Textbox(show_label=False, elem_id="rq-compare-question", scale=5, max_lines=2,
                                     max_length=svc.settings.max_question_chars,
                                     placeholder="逐校提问，例如：信息公开的联系电话是多少？（留空显示事实表）")
                cmp_btn = gr.Button("逐校回答", variant="primary", elem_id="rq-compare-ask", scale=1, min_width=80)
            with gr.Row():
                fact_pick = gr.CheckboxGroup(choices=fact_choices, value=DEFAULT_FACTS, label="显示的事实",
                                             elem_id="rq-fact-filter", scale=4)
                download = gr.DownloadButton("下载 CSV", elem_id="rq-facts-csv", scale=1)
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    facts_df = gr.Dataframe(elem_id="rq-facts", interactive=False, wrap=True)
                with gr.Column(scale=2):
                    ev = gr.HTML(EVIDENCE_HINT, elem_id="rq-evidence")
            metric = gr.Dropdown(choices=metric_choices, value="applications_received", label="柱状图指标",
                                 elem_id="rq-metric")
            plot = gr.BarPlot(x="报告", y="数值", elem_id="rq-chart", x_label_angle=-30, height=320,
                              sort="-y")

        chat_outs = [chat, box, cite_pick, state, source]
        ask.click(respond, [box, chat, inst, year, state], chat_outs)
        box.submit(respond, [box, chat, inst, year, state], chat_outs)
        chat.example_select(from_example, [chat, inst, year, state], chat_outs)
        clear_btn.click(clear, None, chat_outs)
        chat.clear(clear, None, chat_outs)
        cite_pick.input(open_citation, [cite_pick, state], source)
        compare_outs = [facts_df, download, plot]
        files.upload(upload, files, [status, table, inst, year] + compare_outs)
        fact_pick.change(compare_outputs, [fact_pick, metric], compare_outs)
        metric.change(chart, metric, plot)
        facts_df.select(evidence, [fact_pick], ev)
        cmp_outs = compare_outs + [ev]
        cmp_btn.click(compare_question, [cmp_box, fact_pick, metric], cmp_outs)
        cmp_box.submit(compare_question, [cmp_box, fact_pick, metric], cmp_outs)

        def fix(doc, inst_name, year_text):
            msg, rows = correct_report(svc, doc, inst_name, year_text)
            i, y = filter_choices(svc)
            return msg, rows, gr.update(choices=i), gr.update(choices=y)

        fix_btn.click(fix, [fix_doc, fix_inst, fix_year], [fix_status, table, inst, year])

        def on_load(names, metric_name):
            i, y = filter_choices(svc)
            return (docs_table(svc), gr.update(choices=i), gr.update(choices=y), gr.update(choices=doc_names(svc))) \
                + compare_outputs(names, metric_name)

        app.load(on_load, [fact_pick, metric], [table, inst, year, fix_doc] + compare_outs, show_progress="hidden")
    return app


def protect(app, settings: Settings, creds, token: str, hosts) -> None:
    """Basic auth (when ``creds``) inside the Guard (Host, Origin/Referer, write token, body sizes),
    so that refusals happen before auth, parsing or Gradio see the request."""
    if creds:
        app.add_middleware(BasicAuth, creds=creds)
    app.add_middleware(Guard, hosts=hosts, token=token, max_body=settings.max_request_bytes, creds=creds,
                       max_upload=settings.max_upload_files * (settings.max_file_bytes + 64 * 1024))


def create_app(service: Service, auth=None, token: str | None = None, hosts=None):
    """The FastAPI app: /api/*, /doc/*, /openapi.json and the Gradio UI at /.

    ``auth`` = "user:pass" (HTTP Basic on every route); ``token`` = the per-server write token
    (random when None; ``app.state.token``); ``hosts`` = the Host names served (default: the
    loopback names). The Guard middleware (ui/guard.py) checks Host, Origin/Referer, the token
    on writes and body sizes before anything else runs."""
    from .startup import skip_gradio_stubs

    skip_gradio_stubs()  # before the first Gradio import: it then skips regenerating .pyi stubs
    import gradio as gr
    from fastapi import FastAPI

    creds = parse_auth(auth)
    token = token or new_token()
    settings = service.settings
    removed = clean_staging(settings.index_dir)  # left by a crash mid-upload
    if removed:
        print(f"removed {len(removed)} staging folder(s) left by an interrupted upload", file=sys.stderr)
    api = FastAPI(title="ReportQA", version="0.1.0", docs_url="/api/swagger", redoc_url=None,
                  description="Question answering with exact citations over Chinese information-disclosure reports.")
    add_routes(api, service)
    add_api_fallback(api)  # keep last among /api routes: it answers every path left
    blocks = build_app(service)
    blocks.queue(default_concurrency_limit=4)
    app = gr.mount_gradio_app(api, blocks, path="/", ssr_mode=False, show_error=True,
                              max_file_size=service.settings.max_file_bytes, footer_links=[], css=CSS,
                              theme=gr.themes.Soft(font=LOCAL_FONTS, font_mono=MONO_FONTS),
                              head=page_script(token))
    protect(app, settings, creds, token, allowed_hosts("127.0.0.1") if hosts is None else hosts)
    app.state.service = service
    app.state.token = token
    return app


def serving_app(svc: Service, auth, token: str, hosts):
    """The ASGI app ``serve`` runs: a LazyApp whose early API-only app (answering /api/* and /doc/*
    while Gradio is imported) sits behind the same Guard and auth as the full app it builds."""
    from fastapi import FastAPI

    from .startup import LazyApp

    early = FastAPI(title="ReportQA", docs_url=None, redoc_url=None, openapi_url=None)
    add_routes(early, svc)
    add_api_fallback(early)
    protect(early, svc.settings, parse_auth(auth), token, hosts)
    return LazyApp(lambda: create_app(svc, auth, token=token, hosts=hosts), svc, early)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, demo: bool = False,
          auth: str | None = None, no_auth: bool = False, token: str | None = None,
          extra_hosts=(), token_file: Path | None = None) -> int:
    """Serve UI and API with uvicorn; with ``demo`` the bundled corpus is ingested when no index exists.

    ``token`` is the write token (random when None, then written to ``token_file``, mode 0600, for
    the CLI and scripts); ``extra_hosts`` are Host names allowed besides the bound address."""
    import uvicorn

    if host not in LOOPBACK and not auth and not no_auth:
        raise ReportQAError(f"--host {host} exposes the server: set REPORTQA_AUTH=user:pass or --auth, "
                            f"or pass --no-auth explicitly")
    parse_auth(auth)  # fail early on a malformed value
    memory.limit_arenas()  # before uvicorn starts its threads (ui/memory.py says why)
    from .startup import warm

    svc = Service(settings)
    if demo and not repo.exists(settings.index_dir):
        results = svc.ingest([DEMO_CORPUS])
        print(f"demo corpus: {sum(r.status == 'ok' for r in results)} reports ingested into {settings.index_dir}",
              file=sys.stderr)
    if not token:
        token = new_token()
        if token_file is not None:
            token_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(token + "\n")
    hosts = allowed_hosts(host, extra_hosts)
    # The port opens at once: health answers from the manifest while the UI is built (Gradio's import
    # takes seconds) and the model loads, each in a thread; other requests wait for them.
    threading.Thread(target=warm, args=(svc,), name="reportqa-warm", daemon=True).start()
    app = serving_app(svc, auth, token, hosts)
    app.start()
    shown = f"[{host}]" if ":" in host else host
    where = f"; write token in {token_file}" if token_file is not None else ""
    print(f"ReportQA on http://{shown}:{port}/  (API: /api/ask, /api/docs, /api/facts, /api/ingest; "
          f"schema: /openapi.json){'  auth: on' if auth else ''}{where}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


__all__ = ["create_app", "build_app", "serve", "esc"]
