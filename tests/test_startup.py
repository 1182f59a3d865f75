"""Serve start-up (ui/startup.py): health at once, other requests wait for the app, never fail."""
from __future__ import annotations

import asyncio
import json
import threading

from fastapi import FastAPI

from index.embed import HashEmbedder
from index.settings import Settings
from qa.service import Service
from ui.startup import LazyApp, warm

from .conftest import fictional_report


async def _call(app, path: str, scope_type: str = "http"):
    """One GET through the ASGI app: (status, body bytes)."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(msg):
        sent.append(msg)

    scope = {"type": scope_type, "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"test")], "client": ("127.0.0.1", 1), "server": ("test", 80)}
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def _service(tmp_path) -> Service:
    p = tmp_path / "in" / "a.txt"
    p.parent.mkdir()
    p.write_text(fictional_report("青岚师范学院", 4), encoding="utf-8")
    svc = Service(Settings(index_dir=tmp_path / "idx", model="hash"), HashEmbedder())
    svc.ingest([p])
    return Service(svc.settings, HashEmbedder())  # a fresh one: nothing loaded yet


def _inner(events: list) -> FastAPI:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.get("/api/docs")
    def docs():
        return {"docs": 1}

    return app


def test_health_answers_before_the_app_is_built_and_requests_wait(tmp_path):
    svc = _service(tmp_path)
    gate, events = threading.Event(), []

    def build():
        gate.wait()  # the Gradio import, held open
        return _inner(events)

    app = LazyApp(build, svc)

    async def scenario():
        lifespan_in: asyncio.Queue = asyncio.Queue()
        lifespan_out: list = []

        async def lsend(msg):
            lifespan_out.append(msg["type"])

        life = asyncio.create_task(app({"type": "lifespan"}, lifespan_in.get, lsend))
        await lifespan_in.put({"type": "lifespan.startup"})
        while "lifespan.startup.complete" not in lifespan_out:
            await asyncio.sleep(0)
        status, body = await _call(app, "/api/health")
        assert (status, json.loads(body)) == (200, {"status": "ok", "documents": 1, "ready": False})
        pending = asyncio.create_task(_call(app, "/api/docs"))
        await asyncio.sleep(0.05)
        assert not pending.done()  # held while the build cannot finish: waits, does not fail
        gate.set()
        assert await pending == (200, b'{"docs":1}')
        assert events == ["startup"]  # the built app's lifespan ran before it got the request
        await lifespan_in.put({"type": "lifespan.shutdown"})
        await life
        assert events == ["startup", "shutdown"] and lifespan_out[-1] == "lifespan.shutdown.complete"

    asyncio.run(scenario())


def test_api_answers_from_the_early_app_while_the_ui_is_built(tmp_path):
    from ui.api import add_routes

    svc = _service(tmp_path)
    early = FastAPI()
    add_routes(early, svc)
    gate = threading.Event()

    def build():
        gate.wait()
        return _inner([])

    app = LazyApp(build, svc, early)

    async def scenario():
        status, body = await _call(app, "/api/health")
        assert (status, json.loads(body)) == (200, {"status": "ok", "documents": 1, "ready": False})
        status, body = await _call(app, "/api/docs")  # the real route: loads the index, not the UI
        assert status == 200 and json.loads(body)[0]["institution"] == "青岚师范学院"
        page = asyncio.create_task(_call(app, "/"))
        await asyncio.sleep(0.05)
        assert not page.done()  # the page waits for the UI
        gate.set()
        assert (await page)[0] == 404  # the stand-in app has no page; the real one serves Gradio
        assert await _call(app, "/api/docs") == (200, b'{"docs":1}')  # now the full app answers

    asyncio.run(scenario())


def test_build_without_lifespan_happens_on_first_request(tmp_path):
    events = []
    app = LazyApp(lambda: _inner(events), _service(tmp_path))
    assert asyncio.run(_call(app, "/api/docs")) == (200, b'{"docs":1}')
    assert events == ["startup"]


def test_a_failed_build_is_a_503_naming_it(tmp_path):
    def build():
        raise RuntimeError("gradio is broken")

    app = LazyApp(build, _service(tmp_path))
    status, body = asyncio.run(_call(app, "/"))
    assert status == 503
    assert json.loads(body) == {"error": "the web app could not start: RuntimeError('gradio is broken')",
                                "type": "Unavailable"}


def test_status_never_loads_the_model_and_warm_does(tmp_path):
    svc = _service(tmp_path)
    assert svc.status() == {"documents": 1, "ready": False}
    warm(svc)
    assert svc.status() == {"documents": 1, "ready": True}


def test_status_and_warm_without_an_index(tmp_path, capsys):
    svc = Service(Settings(index_dir=tmp_path / "none", model="hash"), HashEmbedder())
    assert svc.status() == {"documents": 0, "ready": False}
    warm(svc)  # reports, does not raise: the first request says what is missing
    assert "no index at" in capsys.readouterr().err


def _fresh(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter from the worktree root; its printed lines."""
    import subprocess
    import sys

    from .conftest import ROOT

    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_gradio_imported_without_stub_regeneration_still_builds_components():
    lines = _fresh(
        "from ui.startup import skip_gradio_stubs; first = skip_gradio_stubs(); again = skip_gradio_stubs()\n"
        "import gradio as gr, gradio.component_meta as cm, gradio.blocks_events as be\n"
        "late = skip_gradio_stubs()\n"
        "print(first, again, late, cm.create_or_modify_pyi(None, 'X', []), be.create_or_modify_pyi(None, 'X', []))\n"
        "with gr.Blocks() as b:\n"
        "    t = gr.Textbox(label='问题')\n"
        "print(type(t).__name__, t.label, len(b.blocks) > 0)")
    # the finder goes in once, before the import; both bindings of the function are the no-op
    # (blocks_events imports it by name), so calling it with a bogus class does nothing
    assert lines == ["True", "False", "False", "None", "None", "Textbox", "问题", "True"]


def test_the_web_edge_leaves_gradio_to_create_app():
    """create_app skips the stub regeneration before its Gradio import: only in time if nothing
    imported by ui.app (the API, guard, uploads, rendering) imports Gradio at module level."""
    lines = _fresh("import sys, ui.app, ui.api, ui.guard, ui.uploads, ui.render, ui.startup\n"
                   "print('gradio' in sys.modules)")
    assert lines == ["False"]
