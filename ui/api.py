"""The REST API and the /doc page: FastAPI routes over a Service, and HTTP Basic auth."""
from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import asdict
from typing import Union

from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from index.errors import IndexNotFound, ReportQAError
from qa.errors import InvalidQuestion
from qa.service import Service

from . import render
from .uploads import MAX_FILES, UploadRejected, stage_stream, staging

DOC_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
               "X-Content-Type-Options": "nosniff"}


class AskRequest(BaseModel):
    question: str = Field("", description="the question (1-2000 characters)")
    history: list[Union[str, dict]] | None = Field(None, description="earlier user questions, oldest first")
    institution: str | None = Field(None, description="only this institution's reports")
    year: Union[str, int, None] = Field(None, description="only reports of this year, e.g. 2022-2023")


def error(status: int, message: str, kind: str = "error") -> JSONResponse:
    return JSONResponse({"error": message, "type": kind}, status_code=status)


def status_of(exc: ReportQAError) -> int:
    return getattr(exc, "status", 400)


# ---------------------------------------------------------------------------- auth
def parse_auth(auth: str | tuple | None) -> tuple[str, str] | None:
    """"user:pass" (or a pair) -> (user, pass); None when auth is off."""
    if not auth:
        return None
    if isinstance(auth, (tuple, list)):
        user, pw = auth
    else:
        if ":" not in auth:
            raise ReportQAError("auth must be given as user:pass")
        user, pw = auth.split(":", 1)
    if not user or not pw:
        raise ReportQAError("auth must be given as user:pass with both parts non-empty")
    return str(user), str(pw)


class BasicAuth:
    """ASGI middleware: every HTTP request (UI, API, /doc) needs the configured user:pass."""

    def __init__(self, app, creds: tuple[str, str], realm: str = "ReportQA"):
        self.app, self.realm = app, realm
        self.user, self.pw = creds[0].encode(), creds[1].encode()

    def ok(self, headers) -> bool:
        for k, v in headers:
            if k.lower() == b"authorization":
                scheme, _, token = v.partition(b" ")
                if scheme.lower() != b"basic":
                    return False
                try:
                    user, _, pw = base64.b64decode(token.strip(), validate=True).partition(b":")
                except (binascii.Error, ValueError):
                    return False
                return secrets.compare_digest(user, self.user) & secrets.compare_digest(pw, self.pw)
        return False

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and not self.ok(scope.get("headers") or []):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            resp = JSONResponse({"error": "authentication required", "type": "Unauthorized"}, status_code=401,
                                headers={"WWW-Authenticate": f'Basic realm="{self.realm}", charset="UTF-8"'})
            await resp(scope, receive, send)
            return
        await self.app(scope, receive, send)


# -------------------------------------------------------------------------- routes
def add_routes(app: FastAPI, svc: Service) -> None:
    """Register /api/* and /doc/* on ``app`` (before Gradio is mounted at /)."""

    @app.exception_handler(ReportQAError)
    async def _reportqa_error(request: Request, exc: ReportQAError):
        return error(status_of(exc), str(exc), type(exc).__name__)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        parts = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{loc}: {e.get('msg', 'invalid')}" if loc else str(e.get("msg", "invalid")))
        return error(422, "invalid request: " + "; ".join(parts), "InvalidRequest")

    def engine():
        return svc.engine()

    @app.post("/api/ask", tags=["api"], summary="Ask a question; returns the Answer with citations")
    def api_ask(req: AskRequest):
        q = req.question or ""
        limit = svc.settings.max_question_chars
        if not q.strip():
            raise InvalidQuestion("question is empty")
        if len(q.strip()) > limit:
            raise InvalidQuestion(f"question is {len(q.strip())} characters; the limit is {limit}")
        filters = {k: str(v) for k, v in (("institution", req.institution), ("year", req.year)) if v}
        history = []
        for h in req.history or []:
            if isinstance(h, str):
                history.append(h)
            elif isinstance(h, dict) and isinstance(h.get("content") or h.get("question"), str):
                if h.get("role") in (None, "user"):
                    history.append(h.get("question") or h.get("content"))
        return asdict(svc.ask(q, history=history or None, filters=filters))

    @app.get("/api/docs", tags=["api"], summary="The indexed documents")
    def api_docs():
        try:
            eng = engine()
        except IndexNotFound:
            return []
        return [{"doc": d.doc, "institution": d.institution, "year": d.year, "period": d.period,
                 "period_norm": d.period_norm, "published": d.published, "format": d.format,
                 "chunks": d.chunks, "chars": d.chars, "title": d.title} for d in eng.docs.values()]

    @app.get("/api/facts", tags=["api"], summary="The per-report facts table (JSON, or CSV with format=csv)")
    def api_facts(format: str = Query("json", pattern="^(json|csv)$"), fact: str | None = None,
                  institution: str | None = None):
        try:
            rows = render.facts_long(engine())
        except IndexNotFound:
            rows = []
        if fact:
            rows = [r for r in rows if r["fact"] == fact]
        if institution:
            rows = [r for r in rows if r["institution"] == institution]
        if format == "csv":
            cols = ["doc", "institution", "year", "fact", "label", "value", "start", "end", "quote"]
            text = render.csv_text(cols, [[r[c] for c in cols] for r in rows])
            return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="reportqa-facts.csv"'})
        return rows

    @app.post("/api/ingest", tags=["api"], summary="Upload reports (PDF, DOCX, HTML, TXT, MD); per-file results")
    def api_ingest(files: list[UploadFile] = File(...)):
        if not files:
            raise UploadRejected("no files uploaded")
        if len(files) > MAX_FILES:
            raise UploadRejected(f"{len(files)} files uploaded; at most {MAX_FILES} per request")
        limit = svc.settings.max_file_bytes
        with staging(svc.settings.index_dir) as tmp:
            paths = [stage_stream(tmp, f.filename, f.file, limit) for f in files]
            results = svc.ingest(paths)
        return {"results": [{"doc": r.doc, "status": r.status, "message": r.message, "chunks": r.chunks}
                            for r in results]}

    @app.get("/doc/{doc}", response_class=HTMLResponse, tags=["pages"],
             summary="The whole cleaned document as escaped HTML, [start, end) highlighted")
    def doc_page(doc: str, start: int | None = None, end: int | None = None):
        eng = engine()
        d = eng.docs.get(doc)
        if d is None:
            return error(404, f"no document named {doc!r} in the index", "UnknownDocument")
        text = eng.text(doc)
        if (start is None) != (end is None):
            return error(400, "give both start and end, or neither", "InvalidRange")
        if start is not None and not (0 <= start <= end <= len(text)):
            return error(400, f"range {start}-{end} is outside the document (0-{len(text)})", "InvalidRange")
        page = render.doc_page_html(d.doc, d.institution, d.year, text, start, end)
        return HTMLResponse(page, headers=DOC_HEADERS)

    @app.get("/api/health", tags=["api"], summary="Liveness and index size")
    def health():
        # from the manifest: health never waits for the model to load (ui/startup.py)
        return {"status": "ok", **svc.status()}
