"""The REST API, the /doc page, upload safety, auth and HTML escaping (FastAPI TestClient, hash embedder)."""
from __future__ import annotations

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

import base64  # noqa: E402
import csv  # noqa: E402
import io  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from qa.schema import Answer, Citation  # noqa: E402
from qa.service import Service  # noqa: E402
from index.settings import Settings  # noqa: E402
from ui import render  # noqa: E402
from ui.app import create_app  # noqa: E402
from ui.uploads import safe_name  # noqa: E402
from .conftest import fictional_report as report  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "eval" / "corpus" / "demo"
FIGURE_Q = "东江理工大学2022-2023学年共收到多少项信息公开申请？"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("api-data")


@pytest.fixture(scope="module")
def service(data_dir) -> Service:
    settings = Settings(index_dir=data_dir / "index", model="hash")
    results = Service(settings).ingest([DEMO])
    assert all(r.status == "ok" for r in results), results
    # the served instance has a small upload limit (64 KB) so the oversize case is cheap to test
    return Service(settings.with_(max_file_bytes=64 * 1024))


BASE = "http://127.0.0.1:7860"  # a loopback Host: other Host names are refused (DNS rebinding)
TOKEN = "test-write-token"


@pytest.fixture(scope="module")
def client(service) -> TestClient:
    """A non-browser client that sends the server's write token (as the CLI or curl would)."""
    with TestClient(create_app(service, token=TOKEN), base_url=BASE, headers={"X-ReportQA-Token": TOKEN}) as c:
        yield c


def upload(client, name: str, body: bytes | str, ctype: str = "text/plain"):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return client.post("/api/ingest", files=[("files", (name, data, ctype))])


# ------------------------------------------------------------------------ happy paths
def test_ask_figure_question(client):
    r = client.post("/api/ask", json={"question": FIGURE_Q})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["value"] == "5" and not a["abstained"]
    c = a["citations"][0]
    assert c["institution"] == "东江理工大学" and "申请5项" in c["quote"]
    assert set(a) >= {"question", "answer", "value", "abstained", "confidence", "citations", "related"}


def test_ask_follow_up_and_filters(client):
    r = client.post("/api/ask", json={"question": "那青岚师范学院呢？", "history": [FIGURE_Q]})
    assert r.status_code == 200 and r.json()["value"] == "7"
    r = client.post("/api/ask", json={"question": "共收到多少项信息公开申请？", "institution": "青岚师范学院",
                                      "year": "2021-2022"})
    assert r.status_code == 200
    assert all(c["year"] == "2021-2022" for c in r.json()["citations"])


def test_docs_and_facts(client):
    docs = client.get("/api/docs").json()
    assert len(docs) == 10
    assert {"doc", "institution", "year", "period", "format", "chunks"} <= set(docs[0])
    facts = client.get("/api/facts").json()
    row = next(f for f in facts if f["doc"] == "demo01_dongjiang_ligong.txt" and f["fact"] == "applications_received")
    assert row["value"] == "5" and "5项" in row["quote"]
    assert len(client.get("/api/facts", params={"fact": "phone"}).json()) >= 9
    r = client.get("/api/facts", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == len(facts)
    assert any(x["institution"] == "东江理工大学" and x["fact"] == "applications_received" and x["value"] == "5"
               for x in rows)


def test_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/docs", "/api/facts", "/api/ingest"} <= set(paths)


def test_upload_then_ask(client):
    r = upload(client, "星河理工大学2023-2024学年信息公开年报.txt", report("星河理工大学", 13))
    assert r.status_code == 200, r.text
    [res] = r.json()["results"]
    assert res["status"] == "ok" and res["chunks"] > 0, res
    assert any(d["institution"] == "星河理工大学" for d in client.get("/api/docs").json())
    a = client.post("/api/ask", json={"question": "星河理工大学2023-2024学年共收到多少项信息公开申请？"}).json()
    assert a["value"] == "13" and a["citations"][0]["institution"] == "星河理工大学"


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("body, status, needle", [
    ({"question": ""}, 400, "empty"),
    ({"question": "   "}, 400, "empty"),
    ({}, 400, "empty"),
    ({"question": "问" * 2001}, 400, "2000"),
    ({"question": "收到多少项申请？", "institution": "火星大学"}, 400, "火星大学"),
    ({"question": "收到多少项申请？", "year": "1999"}, 400, "1999"),
    ({"question": 123}, 422, "question"),
    ({"question": "收到多少项申请？", "history": "not a list"}, 422, "history"),
])
def test_ask_errors(client, body, status, needle):
    r = client.post("/api/ask", json=body)
    assert r.status_code == status, r.text
    assert needle in r.json()["error"]


def test_bad_json_is_4xx(client):
    r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "error" in r.json()


def test_upload_errors(client, service, data_dir):
    big = "报告" * 40_000  # 240 KB > the 64 KB limit of this service
    r = upload(client, "big.txt", big)
    assert r.status_code == 413 and "limit" in r.json()["error"]
    r = upload(client, "virus.exe", b"MZ...")
    assert r.status_code == 415 and "unsupported" in r.json()["error"]
    r = client.post("/api/ingest")
    assert r.status_code == 422
    r = upload(client, "empty.txt", b"")  # the only file failed: a 4xx with the per-file list
    assert r.status_code == 422 and r.json()["results"][0]["status"] == "failed", r.text
    assert r.json()["type"] == "UploadFailed" and "empty" in r.json()["error"]
    # nothing is left behind in the staging area
    assert list((data_dir / "index" / "uploads").iterdir()) == []


def test_path_traversal_name_stays_inside(client, data_dir):
    r = upload(client, "../../evil.txt", report("夜航职业学院", 4))
    assert r.status_code == 200, r.text
    [res] = r.json()["results"]
    assert res["doc"] == "evil.txt" and res["status"] == "ok"
    for p in (data_dir / "evil.txt", data_dir.parent / "evil.txt", data_dir.parent.parent / "evil.txt",
              data_dir / "index" / "evil.txt"):
        assert not p.exists(), p
    r = upload(client, "..\\..\\win\u202edows.txt", report("夜航职业学院", 4))
    assert r.status_code == 200 and r.json()["results"][0]["doc"] == "windows.txt"


def test_safe_name():
    assert safe_name("../../evil.txt") == "evil.txt"
    assert safe_name("C:\\Users\\x\\年报.pdf") == "年报.pdf"
    assert safe_name("a\x00b\nc.txt") == "abc.txt"
    assert safe_name(".hidden.md") == "hidden.md"
    long = safe_name("名" * 300 + ".docx")
    assert len(long) <= 120 and long.endswith(".docx")
    for bad in ("", "..", "../", "\x01\x02"):
        with pytest.raises(Exception):
            safe_name(bad)


def test_doc_route(client):
    r = client.get("/doc/demo01_dongjiang_ligong.txt", params={"start": 1536, "end": 1574})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<mark id="rq-highlight">本学年共收到信息公开申请5项' in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert client.get("/doc/nope.txt").status_code == 404
    assert client.get("/doc/demo01_dongjiang_ligong.txt", params={"start": 5, "end": 10**7}).status_code == 400
    assert client.get("/doc/demo01_dongjiang_ligong.txt", params={"start": 5}).status_code == 400
    assert client.get("/doc/demo01_dongjiang_ligong.txt", params={"start": "x", "end": 3}).status_code == 422


# ----------------------------------------------------------------------------- escaping
def test_payload_report_is_escaped(client):
    body = report("赤霄大学", 6, note=f"（备注{XSS_SCRIPT}{XSS_IMG}）")
    r = upload(client, f"x{XSS_IMG}.txt", body)
    assert r.status_code == 200
    [res] = r.json()["results"]
    assert res["status"] == "ok" and "<" not in res["doc"] and "/" not in res["doc"]
    doc = res["doc"]
    a = client.post("/api/ask", json={"question": "赤霄大学共收到多少项信息公开申请？"}).json()
    assert a["value"] == "6"
    cite = a["citations"][0]
    assert XSS_IMG in cite["quote"]  # JSON keeps the text as written
    page = client.get(f"/doc/{doc}", params={"start": cite["start"], "end": cite["end"]}).text
    for raw in (XSS_SCRIPT, XSS_IMG):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_render_functions_escape():
    c = Citation(doc=f"d{XSS_IMG}.txt", institution=f"学院{XSS_SCRIPT}", year="2023", section=f"一、{XSS_IMG}",
                 start=2, end=2 + len(XSS_IMG), page=None, quote=XSS_IMG)
    text = "前文" + XSS_IMG + "后文" + XSS_SCRIPT
    a = Answer(question=XSS_SCRIPT, answer=f"5项{XSS_SCRIPT}", value="5", abstained=False, confidence=1.0,
               citations=[c])
    abst = Answer(question="q", answer=XSS_IMG, value=None, abstained=True, confidence=0.0, related=[c])
    outputs = [render.answer_markdown(a), render.answer_markdown(abst), render.citation_html(1, c),
               render.source_html(text, c), render.doc_page_html(c.doc, c.institution, c.year, text, 2, 8),
               render.md_esc(XSS_SCRIPT)]
    for out in outputs:
        assert "<script" not in out and "<img" not in out, out
    assert "&lt;img src=x onerror=alert(1)&gt;" in render.source_html(text, c)
    assert '<mark id="rq-highlight">&lt;img src=x onerror=alert(1)&gt;</mark>' in render.source_html(text, c)
    assert "未找到答案" in render.answer_markdown(abst) and "不是答案" in render.answer_markdown(abst)


# ------------------------------------------------------------------------------- auth
def test_auth_required_when_set(service):
    with TestClient(create_app(service, auth="alice:s3cret"), base_url=BASE) as c:
        assert c.get("/api/docs").status_code == 401
        assert c.post("/api/ask", json={"question": FIGURE_Q}).status_code == 401
        r = c.get("/")
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
        assert c.get("/api/docs", auth=("alice", "wrong")).status_code == 401
        assert c.get("/api/docs", headers={"Authorization": "Basic !!!"}).status_code == 401
        assert c.get("/api/docs", auth=("alice", "s3cret")).status_code == 200
        tok = base64.b64encode(b"alice:s3cret").decode()
        r = c.post("/api/ask", json={"question": FIGURE_Q}, headers={"Authorization": f"Basic {tok}"})
        assert r.status_code == 200 and r.json()["value"] == "5"
        assert c.get("/", auth=("alice", "s3cret")).status_code == 200


def test_serve_refuses_public_host_without_auth(tmp_path):
    from index.errors import ReportQAError
    from ui.app import serve

    with pytest.raises(ReportQAError, match="auth"):
        serve(Settings(index_dir=tmp_path, model="hash"), host="0.0.0.0", port=1)
    with pytest.raises(ReportQAError, match="user:pass"):
        serve(Settings(index_dir=tmp_path, model="hash"), host="0.0.0.0", port=1, auth="nocolon")


def test_upload_count_limit(client):
    from ui.uploads import MAX_FILES

    files = [("files", (f"r{i}.txt", b"x", "text/plain")) for i in range(MAX_FILES + 1)]
    r = client.post("/api/ingest", files=files)
    assert r.status_code == 400 and f"at most {MAX_FILES}" in r.json()["error"]


def test_very_long_question_is_a_400_not_a_500(client):
    r = client.post("/api/ask", json={"question": "问" * 10_000})
    assert r.status_code == 400 and "2000" in r.json()["error"]
