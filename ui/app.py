"""Gradio web UI: chat with cited answers, source view, reports list and upload."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from index import repository as repo
from index.errors import ReportQAError
from qa.service import Service
from reportqa.settings import Settings

from .render import answer_markdown, esc, source_html

EXAMPLES = ["东江理工大学2022-2023学年共收到多少项信息公开申请？", "那青岚师范学院呢？",
            "哪些学校在2022-2023学年没有收到信息公开申请？", "海川交通大学信息公开的联系电话是多少？",
            "其他学校怎样做信息公开培训？"]
DEMO_CORPUS = Path(__file__).resolve().parent.parent / "eval" / "corpus" / "demo"


def _plain(content) -> str:
    """Chat message text; Gradio 6 sends content as a list of {type, text} parts."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "")


def docs_table(svc: Service) -> list[list]:
    try:
        eng = svc.engine()
    except ReportQAError:
        return []
    return [[d.institution, d.year, d.period, d.format, d.chunks, d.doc] for d in eng.docs.values()]


def build_app(svc: Service):
    """The Gradio Blocks app over a Service (model and index loaded once)."""
    import gradio as gr

    def respond(message, history, inst, year, state):
        if not (message or "").strip():
            raise gr.Error("请输入问题")
        prev = [_plain(h.get("content")) for h in (history or []) if h.get("role") == "user"]
        filters = {k: v for k, v in (("institution", inst), ("year", year)) if v}
        try:
            ans = svc.ask(message, history=prev, filters=filters)
        except ReportQAError as exc:
            raise gr.Error(str(exc))
        history = list(history or []) + [{"role": "user", "content": esc(message)},
                                         {"role": "assistant", "content": answer_markdown(ans)}]
        cites = ans.citations or ans.related
        choices = [f"[{i}] {c.institution} · {c.section[:20]}" for i, c in enumerate(cites, 1)]
        state = {"cites": [c.__dict__ for c in cites]}
        first = source_for(0, state)
        return history, "", gr.update(choices=choices, value=choices[0] if choices else None), state, first

    def source_for(idx, state):
        cites = (state or {}).get("cites") or []
        if not cites or idx is None or idx >= len(cites):
            return ""
        from qa.schema import Citation

        c = Citation(**cites[idx])
        return source_html(svc.engine().text(c.doc), c)

    def pick(choice, state):
        if not choice:
            return ""
        return source_for(int(choice.split("]")[0].lstrip("[")) - 1, state)

    def upload(files):
        if not files:
            return "没有选择文件", docs_table(svc)
        tmp = Path(tempfile.mkdtemp(prefix="reportqa-upload-"))
        try:
            paths = []
            for f in files:
                src = Path(getattr(f, "name", f))
                safe = "".join(ch for ch in src.name if ch.isalnum() or ch in "._-")[:120] or "upload.txt"
                dst = tmp / safe
                shutil.copyfile(src, dst)
                paths.append(dst)
            results = svc.ingest(paths)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        lines = [f"{r.status}: {r.doc} {r.message}" for r in results]
        return "\n".join(lines), docs_table(svc)

    eng_ok = True
    try:
        eng = svc.engine()
        insts, years = eng.institutions(), eng.years()
    except ReportQAError:
        eng_ok, insts, years = False, [], []

    with gr.Blocks(title="ReportQA 信息公开报告问答") as app:
        gr.Markdown("## ReportQA · 信息公开年度报告问答" + ("" if eng_ok else "\n\n索引为空：请先上传报告。"))
        state = gr.State({})
        with gr.Tab("问答"):
            with gr.Row():
                inst = gr.Dropdown(choices=[""] + insts, value="", label="机构", elem_id="rq-inst")
                year = gr.Dropdown(choices=[""] + years, value="", label="年度", elem_id="rq-year")
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="对话", elem_id="rq-chat", height=420)
                    box = gr.Textbox(label="问题", placeholder="例如：" + EXAMPLES[0], elem_id="rq-question")
                    ask = gr.Button("提问", variant="primary", elem_id="rq-ask")
                    gr.Examples(EXAMPLES, inputs=box)
                with gr.Column(scale=2):
                    cite_pick = gr.Radio(choices=[], label="引用（点击查看原文）", elem_id="rq-cites")
                    source = gr.HTML(elem_id="rq-source-panel")
        with gr.Tab("报告"):
            table = gr.Dataframe(headers=["机构", "年度", "统计期限", "格式", "分块", "文件"],
                                 value=docs_table(svc), elem_id="rq-docs", interactive=False)
            files = gr.File(file_count="multiple", label="上传报告 (PDF/DOCX/HTML/TXT)", elem_id="rq-upload")
            status = gr.Textbox(label="导入结果", elem_id="rq-upload-status", lines=4)
            files.upload(upload, files, [status, table])
        outs = [chat, box, cite_pick, state, source]
        ask.click(respond, [box, chat, inst, year, state], outs)
        box.submit(respond, [box, chat, inst, year, state], outs)
        cite_pick.change(pick, [cite_pick, state], source)
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, demo: bool = False,
          auth: str | None = None, no_auth: bool = False) -> int:
    """Serve the UI; with ``demo`` the bundled corpus is ingested when the index is empty."""
    if host not in ("127.0.0.1", "localhost", "::1") and not auth and not no_auth:
        raise ReportQAError(f"--host {host} exposes the server: set REPORTQA_AUTH=user:pass or --auth, "
                            f"or pass --no-auth explicitly")
    svc = Service(settings)
    if demo and not repo.exists(settings.index_dir):
        svc.ingest([DEMO_CORPUS])
    app = build_app(svc)
    creds = tuple(auth.split(":", 1)) if auth else None
    app.queue(default_concurrency_limit=4).launch(server_name=host, server_port=port, auth=creds,
                                                   share=False, show_error=True)
    return 0
