"""The web edge: a Gradio Blocks UI (chat, reports, compare) mounted in a FastAPI app with a REST API.

``create_app(service, auth)`` builds the whole ASGI app (tests use it directly);
``serve(settings, host, port, demo, auth, no_auth)`` runs it with uvicorn.
"""
# No `from __future__ import annotations`: Gradio reads `evt: gr.SelectData` hints at runtime.
import hashlib
import os
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
from qa.facts import FACT_LABELS  # noqa: E402
from qa.schema import Citation  # noqa: E402
from qa.service import Service  # noqa: E402
from index.settings import Settings  # noqa: E402

from . import render  # noqa: E402
from .api import BasicAuth, add_routes, parse_auth  # noqa: E402
from .render import esc  # noqa: E402
from .uploads import MAX_FILES, UploadRejected, stage_path, staging  # noqa: E402

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
            lines.append(f"✓ 成功  {r.doc}：{r.chunks} 个分块，已可提问")
        elif r.status == "skipped":
            lines.append(f"• 未变  {r.doc}：与已索引的版本相同")
        else:
            lines.append(f"✗ 失败  {r.doc}：{r.message}")
    return "\n".join(lines) or "没有选择文件"


class CsvCache:
    """CSV exports written to one temp folder per app, named by content (Gradio serves them)."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="reportqa-csv-"))

    def write(self, text: str) -> str:
        h = hashlib.sha256(text.encode()).hexdigest()[:16]
        d = self.root / h
        d.mkdir(exist_ok=True)
        p = d / "reportqa-facts.csv"
        if not p.exists():
            p.write_text("\ufeff" + text, encoding="utf-8")
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
        return render.source_html(eng.text(c.doc), c, section_span(eng, c))

    def clear():
        return [], "", gr.update(choices=[], value=None), {}, SOURCE_HINT

    # --------------------------------------------------------------- reports
    def upload(files):
        files = files or []
        rejected, results = [], []
        if len(files) > MAX_FILES:
            rejected.append(("", f"一次最多上传 {MAX_FILES} 个文件"))
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
                        results = svc.ingest(paths)
                    except ReportQAError as exc:
                        rejected.append(("", str(exc)))
        insts, years = filter_choices(svc)
        return (upload_lines(results, rejected), docs_table(svc), gr.update(choices=insts),
                gr.update(choices=years)) + compare_outputs(list(FACT_LABELS), "applications_received")

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
        return gr.update(value=df, title=render.ALL_LABELS.get(metric, metric))

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
    with gr.Blocks(title="ReportQA 信息公开报告问答") as app:
        gr.Markdown("## ReportQA · 高校信息公开年度报告问答\n每个回答都附带可核对的原文引用；"
                    "找不到依据时会明确说明，并列出相关段落。" +
                    ("" if eng0 is not None and eng0.docs else "\n\n**索引为空**：请先在「报告」页上传报告。"),
                    elem_id="rq-header")
        state = gr.State({})
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
        with gr.Tab("对比", id="compare", elem_id="rq-tab-compare"):
            with gr.Row():
                fact_pick = gr.CheckboxGroup(choices=fact_choices, value=list(FACT_LABELS), label="显示的事实",
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

        def on_load(names, metric_name):
            i, y = filter_choices(svc)
            return (docs_table(svc), gr.update(choices=i), gr.update(choices=y)) + compare_outputs(names, metric_name)

        app.load(on_load, [fact_pick, metric], [table, inst, year] + compare_outs, show_progress="hidden")
    return app


def create_app(service: Service, auth=None):
    """The FastAPI app: /api/*, /doc/*, /openapi.json and the Gradio UI at /. ``auth`` = "user:pass"."""
    import gradio as gr
    from fastapi import FastAPI

    creds = parse_auth(auth)
    api = FastAPI(title="ReportQA", version="0.1.0", docs_url="/api/swagger", redoc_url=None,
                  description="Question answering with exact citations over Chinese information-disclosure reports.")
    add_routes(api, service)
    blocks = build_app(service)
    blocks.queue(default_concurrency_limit=4)
    app = gr.mount_gradio_app(api, blocks, path="/", ssr_mode=False, show_error=True,
                              max_file_size=service.settings.max_file_bytes, footer_links=[], css=CSS,
                              theme=gr.themes.Soft(font=LOCAL_FONTS, font_mono=MONO_FONTS))
    if creds:
        app.add_middleware(BasicAuth, creds=creds)
    app.state.service = service
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, demo: bool = False,
          auth: str | None = None, no_auth: bool = False) -> int:
    """Serve UI and API with uvicorn; with ``demo`` the bundled corpus is ingested when no index exists."""
    import uvicorn

    if host not in LOOPBACK and not auth and not no_auth:
        raise ReportQAError(f"--host {host} exposes the server: set REPORTQA_AUTH=user:pass or --auth, "
                            f"or pass --no-auth explicitly")
    from fastapi import FastAPI

    from .startup import LazyApp, warm

    creds = parse_auth(auth)
    svc = Service(settings)
    if demo and not repo.exists(settings.index_dir):
        results = svc.ingest([DEMO_CORPUS])
        print(f"demo corpus: {sum(r.status == 'ok' for r in results)} reports ingested into {settings.index_dir}",
              file=sys.stderr)
    # The port opens at once: health answers from the manifest while the UI is built (Gradio's import
    # takes seconds) and the model loads, each in a thread; other requests wait for them.
    threading.Thread(target=warm, args=(svc,), name="reportqa-warm", daemon=True).start()
    early = FastAPI(title="ReportQA", docs_url=None, redoc_url=None, openapi_url=None)
    add_routes(early, svc)  # /api/* and /doc/* answer while Gradio is imported
    app = LazyApp(lambda: create_app(svc), svc, early)
    app.start()
    if creds:
        app = BasicAuth(app, creds=creds)
    shown = f"[{host}]" if ":" in host else host
    print(f"ReportQA on http://{shown}:{port}/  (API: /api/ask, /api/docs, /api/facts, /api/ingest; "
          f"schema: /openapi.json){'  auth: on' if auth else ''}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


__all__ = ["create_app", "build_app", "serve", "esc"]
