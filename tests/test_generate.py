"""Optional generative mode against a local fake OpenAI-compatible server."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from qa.generate import GenerationError, generate
from qa.schema import Answer, Citation

CITE = Citation("d.txt", "东江理工大学", "2022-2023", "三、依申请公开", 0, 20, None, "本学年共收到信息公开申请5项。")
BASE = Answer("东江理工大学收到多少项申请？", "5项", "5", False, 0.9, [CITE], "count")


@pytest.fixture
def fake_llm():
    replies: list[str] = []
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server API)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            out = json.dumps({"choices": [{"message": {"content": replies.pop(0)}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}/v1", replies, seen
    srv.shutdown()


def test_grounded_reply_is_used_with_its_citations(fake_llm):
    url, replies, seen = fake_llm
    replies.append("东江理工大学本学年共收到5项信息公开申请[1]。")
    out = generate(BASE, [CITE], url, "fake")
    assert out.answer == "东江理工大学本学年共收到5项信息公开申请[1]。"
    assert out.citations == [CITE] and out.intent == "count+generated"
    assert "本学年共收到信息公开申请5项" in seen[0]["messages"][1]["content"]


@pytest.mark.parametrize("reply, reason", [
    ("共收到7项申请[1]。", "unsupported_numbers"),   # 7 is in no cited quote
    ("共收到5项申请。", "no_citation"),
])
def test_unsupported_replies_are_rejected_visibly(fake_llm, reply, reason):
    url, replies, _ = fake_llm
    replies.append(reply)
    out = generate(BASE, [CITE], url, "fake")
    assert out.value == "5" and out.intent == f"count+generation_rejected:{reason}"
    assert "已拒绝" in out.answer


def test_unreachable_endpoint_is_a_typed_error():
    with pytest.raises(GenerationError, match="generation endpoint failed"):
        generate(BASE, [CITE], "http://127.0.0.1:9/v1", "fake")
