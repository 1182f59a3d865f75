"""Who may talk to the server, and how much: an ASGI middleware in front of the API and the UI.

The threat is a web page the user happens to open (another site, or another port on the same
loopback address), not a local process, which can write the index directory anyway:

* **Host** (every route): a DNS-rebinding page reaches 127.0.0.1 under its own name, so any
  Host header that is not the bound address, a loopback name (when bound to loopback) or a name
  given with ``--allowed-host`` is refused (403).
* **Origin / Referer**: a request whose ``Origin`` is another origin is refused on every route; a
  state-changing request (not GET/HEAD/OPTIONS) whose ``Referer`` is another origin is refused too.
  Ports count: ``http://127.0.0.1:9999`` is not ``http://127.0.0.1:7860``.
* **Token** (writes: ``/api/ingest``, any DELETE/PUT/PATCH, and every POST to the Gradio UI, which
  is how its upload event runs): a per-server secret in the ``X-ReportQA-Token`` header. The UI's
  own page holds it (its fetches add the header) and also gets it as an ``HttpOnly``,
  ``SameSite=Strict`` cookie, which browser writes must carry too. A request is "from a browser"
  when it has an Origin, Referer, Cookie or Sec-Fetch-Site header. Other clients (the CLI, curl)
  send the header (``--token``/``REPORTQA_TOKEN``) or valid HTTP Basic credentials.
* **Body size** (every request but uploads): read while it arrives and refused (413) past the
  limit, before any parser sees it; an upload's declared length is checked against the most the
  upload limits allow, and the upload route itself stops each file at its limit.

Every refusal is JSON ``{"error", "type"}``.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from typing import Iterable
from urllib.parse import urlsplit

TOKEN_HEADER = "x-reportqa-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UPLOAD_PATHS = ("/api/ingest", "/gradio_api/upload")  # bodies bounded per file by their routes
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def new_token() -> str:
    """A fresh random per-server token."""
    return secrets.token_urlsafe(32)


def cookie_name(token: str) -> str:
    """Cookies ignore ports: two servers on one loopback address need two cookie names."""
    return "reportqa_" + hashlib.sha256(token.encode()).hexdigest()[:10]


def allowed_hosts(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host names the server answers to: the bound address, loopback names when bound to loopback
    or to every interface, and ``extra`` (``--allowed-host``)."""
    names = {bind.strip("[]").lower()}
    if bind in LOOPBACK_NAMES or bind in ("0.0.0.0", "::", ""):
        names.update(LOOPBACK_NAMES)
    names.update(h.strip().strip("[]").lower() for h in extra if h.strip())
    names.discard("0.0.0.0")
    names.discard("::")
    return frozenset(names)


def host_name(host: str) -> str:
    """``127.0.0.1:7860`` -> ``127.0.0.1``; ``[::1]:7860`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def page_script(token: str) -> str:
    """The <head> script of the UI page: adds the token header to the page's own fetches."""
    return ("<script>(() => { const t = " + json.dumps(token) + "; const f = window.fetch;"
            " window.fetch = function (input, init) { try {"
            " const u = new URL(typeof input === 'string' ? input : (input && input.url) || String(input), location.href);"
            " if (u.origin === location.origin) { init = Object.assign({}, init || {});"
            " const h = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));"
            " h.set('X-ReportQA-Token', t); init.headers = h; } } catch (e) {}"
            " return f.call(this, input, init); }; })();</script>")


class Refused(Exception):
    def __init__(self, status: int, message: str, kind: str):
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


async def send_json(send, status: int, body: dict, headers: list | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
                + (headers or [])})
    await send({"type": "http.response.body", "body": data})


class Guard:
    """ASGI middleware enforcing the Host, Origin/Referer, token and body-size rules above."""

    def __init__(self, app, *, hosts: Iterable[str], token: str, max_body: int, max_upload: int,
                 creds: tuple[str, str] | None = None):
        self.app, self.hosts, self.token = app, frozenset(hosts), token.encode()
        self.max_body, self.max_upload, self.creds = max_body, max_upload, creds
        self.cookie = cookie_name(token)

    # ------------------------------------------------------------------ checks
    def check(self, scope, h: dict[str, str]) -> None:
        method = scope.get("method", "GET") if scope["type"] == "http" else "GET"
        path = scope.get("path", "")
        host = h.get("host", "")
        if host_name(host) not in self.hosts:
            raise Refused(403, f"host {host!r} is not served here; start the server with --allowed-host "
                               f"{host_name(host) or 'NAME'} to allow it", "ForbiddenHost")
        origin = h.get("origin")
        if origin is not None and self.netloc(origin) != host.lower():
            raise Refused(403, f"requests from another origin ({origin}) are refused", "CrossOrigin")
        if method in SAFE_METHODS:
            return
        referer = h.get("referer")
        if origin is None and referer and self.netloc(referer) != host.lower():
            raise Refused(403, "state-changing requests from another site are refused", "CrossOrigin")
        if self.is_write(method, path) and not self.token_ok(h):
            raise Refused(403, "this request changes the index and needs the server token: send the "
                               "X-ReportQA-Token header (reportqa serve prints where the token is; "
                               "REPORTQA_TOKEN sets it) or HTTP Basic credentials", "TokenRequired")

    @staticmethod
    def netloc(url: str) -> str:
        try:
            return urlsplit(url).netloc.lower()
        except ValueError:
            return "\0"  # unparsable: matches no host

    @staticmethod
    def is_write(method: str, path: str) -> bool:
        """/api/ingest, removal-like methods anywhere, and every POST into the Gradio UI."""
        if method in ("DELETE", "PUT", "PATCH"):
            return True
        return path.startswith("/api/ingest") or not path.startswith(("/api/", "/doc/"))

    def token_ok(self, h: dict[str, str]) -> bool:
        header = h.get(TOKEN_HEADER, "").encode()
        header_ok = secrets.compare_digest(header, self.token)
        browser = any(k in h for k in ("origin", "referer", "cookie", "sec-fetch-site"))
        if browser:  # the page's header and its SameSite=Strict cookie, both
            return header_ok and secrets.compare_digest(self.cookie_value(h).encode(), self.token)
        return header_ok or self.basic_ok(h)

    def cookie_value(self, h: dict[str, str]) -> str:
        for part in h.get("cookie", "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == self.cookie:
                return v
        return ""

    def basic_ok(self, h: dict[str, str]) -> bool:
        if not self.creds:
            return False
        scheme, _, value = h.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, pw = base64.b64decode(value.strip(), validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return False
        return secrets.compare_digest(user, self.creds[0].encode()) & secrets.compare_digest(pw, self.creds[1].encode())

    # -------------------------------------------------------------------- ASGI
    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        h: dict[str, str] = {}
        for k, v in scope.get("headers") or []:
            h[k.decode("latin-1").lower()] = v.decode("latin-1")
        try:
            self.check(scope, h)
        except Refused as exc:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send_json(send, exc.status, {"error": exc.message, "type": exc.kind})
            return
        if scope["type"] == "http":
            try:
                receive = await self.bounded(scope, receive, h)
            except Refused as exc:
                await send_json(send, exc.status, {"error": exc.message, "type": exc.kind},
                                [(b"connection", b"close")])
                return
            if scope.get("method") in ("GET", "HEAD"):
                send = self.with_cookie(send)
        await self.app(scope, receive, send)

    async def bounded(self, scope, receive, h: dict[str, str]):
        """A ``receive`` for the app: uploads pass through after a declared-length check; any other
        body is read here, at most ``max_body`` bytes, and replayed."""
        path = scope.get("path", "")
        upload = path.startswith(UPLOAD_PATHS)
        limit = self.max_upload if upload else self.max_body
        declared = h.get("content-length")
        if declared is not None:
            try:
                n = int(declared)
            except ValueError:
                raise Refused(400, "invalid Content-Length header", "BadRequest") from None
            if n > limit:
                raise Refused(413, f"request body is {n:,} bytes; the limit is {limit:,}", "RequestTooLarge")
        if upload or scope.get("method") in ("GET", "HEAD") and declared is None:
            return receive
        body, more = [], True
        size = 0
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return _replay([msg], receive)
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise Refused(413, f"request body is over the {limit:,}-byte limit", "RequestTooLarge")
            body.append(chunk)
            more = msg.get("more_body", False)
        return _replay([{"type": "http.request", "body": b"".join(body), "more_body": False}], receive)

    def with_cookie(self, send):
        cookie = (f"{self.cookie}={self.token.decode()}; Path=/; SameSite=Strict; HttpOnly").encode()

        async def wrapped(msg):
            if msg["type"] == "http.response.start":
                headers = list(msg.get("headers") or [])
                if any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                    headers.append((b"set-cookie", cookie))
                    msg = {**msg, "headers": headers}
            await send(msg)
        return wrapped


def _replay(messages: list[dict], then):
    """Hand out ``messages``, then defer to the real ``then`` (which waits for a disconnect)."""
    queue = list(messages)

    async def receive():
        if queue:
            return queue.pop(0)
        return await then()
    return receive
