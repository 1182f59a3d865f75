"""The REST API and the /doc page: FastAPI routes over a Service, and HTTP Basic auth."""
from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import asdict
from typing import Union

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.errors import IndexNotFound, ReportQAError
from qa.errors import InvalidQuestion
from qa.service import Service

from . import memory, render
from .uploads import MultipartReceiver, UploadUnsupported, staging

DOC_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
               "X-Content-Type-Options": "nosniff"}


class AskRequest(BaseModel):
    question: str = Field("", description="the question (1-2000 characters)")
    history: list[Union[str, dict]] | None = Field(None, description="earlier user questions, oldest first")
    institution: str | None = Field(None, description="only this institution's reports")
    year: Union[str, int, None] = Field(None, description="only reports of this year, e.g. 2022-2023")


class CompareRequest(BaseModel):
    question: str = Field("", description="a per-report question, or a list/ranking question (1-2000 characters)")
    institution: str | None = Field(None, description="only this institution's reports")
    year: Union[str, int, None] = Field(None, description="only reports of this year, e.g. 2022-2023")


def error(status: int, message: str, kind: str = "error") -> JSONResponse:
    return JSONResponse({"error": message, "type": kind}, status_code=status)


def status_of(exc: ReportQAError) -> int:
    return getattr(exc, "status", 400)


def has_surrogate(value) -> bool:
    """A lone UTF-16 surrogate (JSON allows "\\ud800"); such text cannot be encoded or answered."""
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(has_surrogate(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_surrogate(v) for v in value)
    return False


def ingest_and_settle(svc: Service, paths: list) -> list:
    """Ingest, open the new version's engine here (not in the next ask), then give freed memory back."""
    results = svc.ingest(paths)
    try:
        svc.engine()
    except ReportQAError:
        pass  # nothing committed yet (every file failed on a new index): the asks report it
    memory.release()
    return results


INGEST_SCHEMA = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}}


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


def add_api_fallback(app: FastAPI) -> None:
    """Unknown /api/* paths and methods answer JSON 404 here instead of reaching Gradio (mounted at /,
    whose 404 is ``{"detail"}``). Register it after every other /api route."""

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def _no_such_route(request: Request, rest: str):
        return error(404, f"no API route {request.method} /api/{rest}", "NotFound")


def upload_response(rows: list[dict]) -> JSONResponse:
    """200 when every file went in, 207 when some failed, a 4xx when all failed: 413 or 415 when
    every file failed for that reason, else 422. The body always lists every file."""
    failed = [r for r in rows if r["status"] == "failed"]
    if not failed:
        return JSONResponse({"results": rows})
    if len(failed) < len(rows):
        return JSONResponse({"results": rows}, status_code=207)
    codes = {r["http_status"] for r in rows}
    status = codes.pop() if len(codes) == 1 and codes <= {413, 415} else 422
    kind = {413: "UploadTooLarge", 415: "UploadUnsupported"}.get(status, "UploadFailed")
    msg = rows[0]["message"] if len(rows) == 1 else f"all {len(rows)} files failed; see results"
    return JSONResponse({"error": msg, "type": kind, "results": rows}, status_code=status)


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

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return error(exc.status_code, str(exc.detail), "HTTPError")

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):  # never a plain-text 500
        return error(500, f"internal error ({type(exc).__name__}); the server log has the details",
                     "InternalError")

    def engine():
        return svc.engine()

    @app.post("/api/ask", tags=["api"], summary="Ask a question; returns the Answer with citations")
    def api_ask(req: AskRequest):
        if has_surrogate(req.model_dump()):
            raise InvalidQuestion("the request holds a lone surrogate (invalid Unicode); send UTF-8 text")
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

    @app.post("/api/compare", tags=["api"],
              summary="Ask one per-report question of every report in scope; one row per report")
    def api_compare(req: CompareRequest):
        q = (req.question or "").strip()
        limit = svc.settings.max_question_chars
        if not q:
            raise InvalidQuestion("question is empty")
        if len(q) > limit:
            raise InvalidQuestion(f"question is {len(q)} characters; the limit is {limit}")
        filters = {k: str(v) for k, v in (("institution", req.institution), ("year", req.year)) if v}
        sub, rows = engine().compare_rows(q, filters)
        return {"question": q, "sub_question": sub,
                "rows": [{"doc": r.doc, "institution": r.institution, "year": r.year,
                          "status": r.status, "value": r.value, "answer": r.display,
                          "citation": asdict(r.citation) if r.citation else None} for r in rows]}

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

    @app.post("/api/ingest", tags=["api"], openapi_extra=INGEST_SCHEMA,
              summary="Upload reports (PDF, DOCX, HTML, TXT, MD) as multipart `files`; per-file results "
                      "(200 all ok, 207 some failed, 4xx all failed)")
    async def api_ingest(request: Request):
        settings = svc.settings
        ctype = request.headers.get("content-type", "")
        if not ctype:
            return error(422, "no files uploaded: send multipart/form-data with one or more `files` parts",
                         "NoFiles")
        from python_multipart.multipart import parse_options_header

        kind, opts = parse_options_header(ctype)
        if kind != b"multipart/form-data" or not opts.get(b"boundary"):
            raise UploadUnsupported(f"uploads are multipart/form-data with a boundary, not {ctype[:80]!r}")
        with staging(settings.index_dir) as tmp:
            rx = MultipartReceiver(tmp, opts[b"boundary"], settings.max_upload_files, settings.max_file_bytes)
            try:
                async for chunk in request.stream():
                    rx.write(chunk)
            finally:
                rx.close()
            if not rx.items:
                return error(422, "no files uploaded: send multipart/form-data with one or more `files` parts",
                             "NoFiles")
            staged = [it.path for it in rx.items if it.path is not None]
            results = iter(await run_in_threadpool(ingest_and_settle, svc, staged) if staged else [])
        rows = []
        for it in rx.items:
            if it.path is None:
                rows.append({"doc": it.name, "status": "failed", "message": it.message, "chunks": 0,
                             "http_status": it.status})
            else:
                r = next(results)
                rows.append({"doc": r.doc, "status": r.status, "message": r.message, "chunks": r.chunks,
                             "http_status": 200 if r.status != "failed" else 422})
        return upload_response(rows)
    @app.get("/doc/{doc}", response_class=HTMLResponse, tags=["pages"],
             summary="The whole cleaned document as escaped HTML, [start, end) highlighted")
    def doc_page(doc: str, start: int | None = None, end: int | None = None, cell: int | None = None):
        eng = engine()
        d = eng.docs.get(doc)
        if d is None:
            return error(404, f"no document named {doc!r} in the index", "UnknownDocument")
        text = eng.text(doc)
        if (start is None) != (end is None):
            return error(400, "give both start and end, or neither", "InvalidRange")
        if start is not None and not (0 <= start <= end <= len(text)):
            return error(400, f"range {start}-{end} is outside the document (0-{len(text)})", "InvalidRange")
        from qa.tables import cells_of

        page = render.doc_page_html(d.doc, d.institution, d.year, text, start, end, cells_of(eng, d.doc), cell)
        return HTMLResponse(page, headers=DOC_HEADERS)

    @app.get("/api/health", tags=["api"], summary="Liveness and index size")
    def health():
        # from the manifest: health never waits for the model to load (ui/startup.py)
        return {"status": "ok", **svc.status()}
