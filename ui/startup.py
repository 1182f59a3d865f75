"""Serving at once: the port opens before Gradio is imported and before the model is loaded.

``LazyApp`` is the ASGI app uvicorn runs. While a thread builds the full app (FastAPI routes plus
the Gradio UI, whose import alone takes seconds), ``/api/*`` and ``/doc/*`` go to an API-only app
made at once (``/api/health`` answers from the index manifest, without the model); any other
request (the page) waits for the full app rather than failing, then goes to it, as does everything
once it is ready. ``warm`` loads the index and the model in another thread, so that the
first question usually finds them ready; if it comes sooner it waits on the service's lock.

Start-up is bound by the GIL: imports, building the Blocks and loading the index are Python work
that two threads cannot do at once (starting Gradio's import first thing in ``serve`` was measured
and gained nothing: docs/benchmarks.md). What shortens it is less work: ``skip_gradio_stubs`` drops
the type-stub (.pyi) regeneration Gradio runs for every component class on import, about 45% of
``import gradio``'s CPU time here.
"""
from __future__ import annotations

import asyncio
import importlib.abc
import importlib.machinery
import json
import sys
import threading
from typing import Callable

from index.errors import ReportQAError
from qa.service import Service

HEALTH = "/api/health"
# Served by the API-only app until the full one is ready (the same routes: ui.api.add_routes).
EARLY_PREFIXES = ("/api/", "/doc/")


STUB_MODULE = "gradio.component_meta"


class _NoStubs(importlib.abc.MetaPathFinder):
    """Loads ``gradio.component_meta`` as usual, then makes its ``create_or_modify_pyi`` a no-op.

    Gradio calls that function for every component class it defines (about 40 on ``import
    gradio``): it re-parses the class's source file with ``ast`` and rewrites the .pyi stub beside
    it for editors when it differs. It changes nothing at run time (the class exists before it is
    called), and a server has no use for stubs, nor any business writing into site-packages.
    """

    def find_spec(self, name, path, target=None):
        if name != STUB_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            if hasattr(module, "create_or_modify_pyi"):  # another Gradio may have dropped it: nothing to skip
                module.create_or_modify_pyi = lambda *args, **kwargs: None

        spec.loader.exec_module = exec_module
        return spec


_NO_STUBS = _NoStubs()


def skip_gradio_stubs() -> bool:
    """Make the coming ``import gradio`` skip its stub regeneration (see ``_NoStubs``).

    Returns False, and does nothing, when Gradio is imported already (too late) or the finder is
    in place. Call it before the first Gradio import; ``ui.app.create_app`` does (which ``serve``
    builds in a thread; nothing in ui/ imports Gradio at module level).
    """
    if STUB_MODULE in sys.modules or _NO_STUBS in sys.meta_path:
        return False
    sys.meta_path.insert(0, _NO_STUBS)
    return True


def warm(svc: Service) -> None:
    """Load the live index and the model and run the model once (in a background thread)."""
    try:
        svc.engine()
        svc.embedder.embed(["预热"])
    except ReportQAError as exc:  # no index yet, or a mismatch: the first request reports it
        print(f"note: {exc}", file=sys.stderr, flush=True)


class LazyApp:
    """An ASGI app that serves health at once and everything else once ``build()`` has made the app.

    ``early``: an ASGI app for ``EARLY_PREFIXES`` meanwhile (without one, only health is answered
    early, by this class). ``build`` runs in a thread started by ``start``; the built app's lifespan (Gradio's queue is
    started there) is run by this one when it is ready. A build failure is printed and every
    waiting or later request gets a 503 naming it.
    """

    def __init__(self, build: Callable[[], object], svc: Service, early=None):
        self._build, self._svc, self._early = build, svc, early
        self._app = None
        self._error: BaseException | None = None
        self._built = threading.Event()
        self._live: asyncio.Event | None = None
        self._lifespan_in: asyncio.Queue | None = None
        self._lifespan_task: asyncio.Task | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start building the full app in a thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run_build, name="reportqa-build", daemon=True)
            self._thread.start()

    def _run_build(self) -> None:
        try:
            self._app = self._build()
        except BaseException as exc:  # reported to every request; the server stays up to say so
            self._error = exc
            print(f"error: the web app could not be built: {exc!r}", file=sys.stderr, flush=True)
        finally:
            self._built.set()

    async def _start_inner(self) -> None:
        """Wait for the build, then run the built app's lifespan startup; requests wait on _live."""
        await asyncio.to_thread(self._built.wait)
        if self._app is not None:
            self._lifespan_in = asyncio.Queue()
            started = asyncio.Event()

            async def send(msg):
                if msg["type"] in ("lifespan.startup.complete", "lifespan.startup.failed"):
                    if msg["type"].endswith("failed"):
                        self._error = RuntimeError(msg.get("message") or "startup failed")
                    started.set()

            await self._lifespan_in.put({"type": "lifespan.startup"})
            self._lifespan_task = asyncio.create_task(
                self._app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                          self._lifespan_in.get, send))
            await started.wait()
        self._live.set()

    async def _lifespan(self, receive, send) -> None:
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                self._live = asyncio.Event()
                self.start()
                asyncio.get_running_loop().create_task(self._start_inner())
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                if self._lifespan_task is not None and not self._lifespan_task.done():
                    await self._lifespan_in.put({"type": "lifespan.shutdown"})
                    try:
                        await asyncio.wait_for(self._lifespan_task, 10)
                    except (asyncio.TimeoutError, Exception):  # shutting down regardless
                        pass
                await send({"type": "lifespan.shutdown.complete"})
                return

    def health(self) -> dict:
        """Liveness without waiting for the model or the UI: documents from the live manifest."""
        return {"status": "ok", **self._svc.status()}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        live = self._live is not None and self._live.is_set()
        path = scope.get("path") or ""
        if not live and self._early is not None and scope["type"] == "http" and path.startswith(EARLY_PREFIXES):
            return await self._early(scope, receive, send)
        if not live and scope["type"] == "http" and path == HEALTH:
            body = json.dumps(self.health()).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        if not live:
            if self._live is None:  # no lifespan from the server: build on first request
                self._live = asyncio.Event()
                self.start()
                asyncio.get_running_loop().create_task(self._start_inner())
            await self._live.wait()
        if self._app is None or self._error is not None:
            return await self._unavailable(scope, send)
        await self._app(scope, receive, send)

    async def _unavailable(self, scope, send) -> None:
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1011})
            return
        body = json.dumps({"error": f"the web app could not start: {self._error!r}",
                           "type": "Unavailable"}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
