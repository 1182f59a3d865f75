"""Cross-site writes in real Chromium (issue 16): a page on another loopback port cannot upload.

The victim has the ReportQA UI open (so the browser holds its SameSite=Strict cookie, which
cookies share across ports of one host); a page served on another port of 127.0.0.1 then
POSTs a forged report to /api/ingest the way a hostile page would (fetch, mode no-cors,
multipart: a CORS "simple" request, no preflight), and also tries a CORS fetch and a form
post. None gets through, and the index is unchanged.
"""
from __future__ import annotations

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

import http.server  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "browser-test-token"

from .conftest import serving  # noqa: E402
# Chromium's path, its flags and the CI guard (fail in CI, skip elsewhere) live in test_ui_browser
from .test_ui_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

sync_api = pytest.importorskip("playwright.sync_api")

ATTACK = """<!doctype html><html><body><script>
window.done = (async () => {
  const out = {};
  const form = () => { const f = new FormData();
    f.append('files', new Blob(['伪造大学2023-2024学年信息公开工作年度报告\\n本学年共收到信息公开申请999项。'],
                                {type: 'text/plain'}), 'forged.txt'); return f; };
  try { const r = await fetch(TARGET + '/api/ingest', {method: 'POST', mode: 'no-cors', body: form(),
                                                       credentials: 'include'});
        out.nocors = r.type; } catch (e) { out.nocors = 'error ' + e; }
  try { const r = await fetch(TARGET + '/api/ingest', {method: 'POST', body: form(), credentials: 'include',
                                                       headers: {'X-ReportQA-Token': 'guess'}});
        out.cors = r.status; } catch (e) { out.cors = 'error'; }
  try { const r = await fetch(TARGET + '/api/docs'); out.read = r.status; } catch (e) { out.read = 'error'; }
  return out;
})();
</script></body></html>"""



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`reportqa serve --demo --model hash` with a known write token; yields the base URL."""
    tmp = tmp_path_factory.mktemp("guard-server")
    with serving(tmp, ["--model", "hash", "--demo"], 10, {"REPORTQA_TOKEN": TOKEN}) as base:
        yield base


@pytest.fixture(scope="module")
def attacker(tmp_path_factory, server):
    """A page on another loopback port (its own origin) that attacks the server."""
    root = tmp_path_factory.mktemp("attacker")
    (root / "index.html").write_text(ATTACK.replace("TARGET", repr(server)), encoding="utf-8")
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **kw)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_page_on_another_port_cannot_upload(server, attacker, tmp_path):
    before = httpx.get(server + "/api/docs").json()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx = b.new_context()
        ui = ctx.new_page()  # the user has ReportQA open: the browser holds its cookie
        ui.goto(server + "/", wait_until="load")
        ui.wait_for_selector("#rq-question textarea")
        assert any(c["name"].startswith("reportqa_") for c in ctx.cookies(server))
        evil = ctx.new_page()
        evil.goto(attacker + "/index.html", wait_until="load")
        out = evil.evaluate("window.done")
        b.close()
    assert out["nocors"] == "opaque"  # sent; the answer is unreadable, and the server refused it
    assert out["cors"] in (403, "error") and out["read"] in (403, "error"), out
    after = httpx.get(server + "/api/docs").json()
    assert after == before and len(after) == 10
    a = httpx.post(server + "/api/ask", json={"question": "伪造大学共收到多少项信息公开申请？"}).json()
    assert a["abstained"] and "999" not in a["answer"]
    # the same upload with the server token (the CLI or curl) goes in: the refusal above was the guard
    r = httpx.post(server + "/api/ingest", headers={"X-ReportQA-Token": TOKEN},
                   files=[("files", ("ok.txt", "星河理工大学2023-2024学年信息公开工作年度报告\n本学年共收到信息公开申请13项。"
                                     .encode(), "text/plain"))])
    assert r.status_code == 200, r.text
