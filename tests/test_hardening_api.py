"""Hardening of the HTTP edge (issue 16): Host, Origin and token checks, bounded inputs, one error shape."""
from __future__ import annotations

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

import csv  # noqa: E402
import fcntl  # noqa: E402
import io  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from index.embed import HashEmbedder  # noqa: E402
from index.settings import Settings  # noqa: E402
from qa.service import Service  # noqa: E402
from ui.app import create_app  # noqa: E402
from ui.guard import allowed_hosts, cookie_name  # noqa: E402
from ui.uploads import MultipartReceiver, UploadTooLarge, safe_name  # noqa: E402

from .conftest import DEMO, fictional_report as report  # noqa: E402

BASE = "http://127.0.0.1:7860"
TOKEN = "hardening-token"
HDR = {"X-ReportQA-Token": TOKEN}
Q = "东江理工大学2022-2023学年共收到多少项信息公开申请？"


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Service:
    settings = Settings(index_dir=tmp_path_factory.mktemp("hard") / "index", model="hash")
    assert all(r.status == "ok" for r in Service(settings, HashEmbedder()).ingest([DEMO]))
    # small limits so that every bound is cheap to cross
    return Service(settings.with_(max_file_bytes=64 * 1024, max_request_bytes=16 * 1024, max_upload_files=3,
                                  max_history_items=4, max_history_chars=300), HashEmbedder())


@pytest.fixture(scope="module")
def app(service):
    return create_app(service, token=TOKEN)


@pytest.fixture
def client(app):
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        yield c


def docs(client) -> set[str]:
    return {d["doc"] for d in client.get("/api/docs").json()}


def files(*items):
    return [("files", (name, body.encode() if isinstance(body, str) else body, "text/plain")) for name, body in items]


def assert_error(r, status: int, kind: str, needle: str = ""):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert body["type"] == kind and needle in body["error"], body


# ------------------------------------------------------------------ Host, Origin, token
@pytest.mark.parametrize("method, path", [("get", "/api/docs"), ("get", "/"), ("post", "/api/ask"),
                                          ("get", "/doc/demo01_dongjiang_ligong.txt")])
def test_foreign_host_is_refused_on_every_route(client, method, path):
    r = getattr(client, method)(path, headers={"Host": "rebind.attacker.example"},
                                **({"json": {"question": Q}} if method == "post" else {}))
    assert_error(r, 403, "ForbiddenHost", "rebind.attacker.example")


def test_allowed_hosts():
    assert allowed_hosts("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert allowed_hosts("0.0.0.0", ["reports.example.org"]) == {"127.0.0.1", "localhost", "::1",
                                                                 "reports.example.org"}
    assert allowed_hosts("192.168.1.5") == {"192.168.1.5"}


def test_allowed_host_option_lets_a_name_in(service):
    app = create_app(service, token=TOKEN, hosts=allowed_hosts("127.0.0.1", ["reports.lan"]))
    with TestClient(app, base_url="http://reports.lan:7860") as c:
        assert c.get("/api/health").status_code == 200


@pytest.mark.parametrize("headers, kind", [
    ({}, "TokenRequired"),  # no token at all
    ({"X-ReportQA-Token": "wrong"}, "TokenRequired"),
    ({**HDR, "Origin": "http://127.0.0.1:9999"}, "CrossOrigin"),  # another loopback port is another origin
    ({**HDR, "Origin": "null"}, "CrossOrigin"),
    ({**HDR, "Referer": "http://evil.example/page"}, "CrossOrigin"),
    ({**HDR, "Sec-Fetch-Site": "same-origin"}, "TokenRequired"),  # a browser also needs the cookie
    ({"Origin": BASE, "Cookie": f"{cookie_name(TOKEN)}={TOKEN}"}, "TokenRequired"),  # ... and the header
])
def test_uploads_without_the_token_or_from_another_origin_are_refused(client, headers, kind):
    before = docs(client)
    r = client.post("/api/ingest", files=files(("forged.txt", report("伪造大学", 999))), headers=headers)
    assert_error(r, 403, kind)
    assert docs(client) == before


def test_browser_write_needs_cookie_and_header_and_same_origin(client):
    page = client.get("/")
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{cookie_name(TOKEN)}={TOKEN};")
    assert "SameSite=Strict" in cookie and "HttpOnly" in cookie
    assert TOKEN in page.text  # the page's own script adds the header to its fetches
    r = client.post("/api/ingest", files=files(("browser.txt", report("星河理工大学", 13))),
                    headers={**HDR, "Origin": BASE, "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "ok", r.text


def test_gradio_events_need_the_token(client):
    r = client.post("/gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": "x"})
    assert_error(r, 403, "TokenRequired")
    r = client.post("/gradio_api/upload", files=files(("a.txt", "x")), headers={"Origin": "http://127.0.0.1:9999"})
    assert_error(r, 403, "CrossOrigin")


def test_reads_need_no_token_but_foreign_origins_are_refused(client):
    assert client.post("/api/ask", json={"question": Q}).json()["value"] == "5"
    assert_error(client.get("/api/docs", headers={"Origin": "http://127.0.0.1:9999"}), 403, "CrossOrigin")


def test_basic_auth_replaces_the_token_for_non_browser_clients(service):
    with TestClient(create_app(service, auth="alice:s3cret", token=TOKEN), base_url=BASE) as c:
        r = c.post("/api/ingest", files=files(("basic.txt", report("夜航职业学院", 4))), auth=("alice", "s3cret"))
        assert r.status_code == 200, r.text
        r = c.post("/api/ingest", files=files(("basic2.txt", report("夜航职业学院", 4))), auth=("alice", "s3cret"),
                   headers={"Origin": BASE})  # a browser replaying cached credentials: not enough
        assert_error(r, 403, "TokenRequired")


# ---------------------------------------------------------------------------- bounds
def test_ask_body_is_capped_while_read(client):
    big = b'{"question": "' + "问".encode() * 20_000 + b'"}'  # 60 KB > 16 KB
    assert_error(client.post("/api/ask", content=big, headers={"content-type": "application/json"}),
                 413, "RequestTooLarge", "16,384")

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"question": "'
        for _ in range(100):
            yield "问".encode() * 1000
        yield b'"}'

    assert_error(client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"}),
                 413, "RequestTooLarge")


def test_declared_upload_size_over_the_limit_is_refused_before_reading(client):
    r = client.post("/api/ingest", content=b"x", headers={**HDR, "content-type": "multipart/form-data; boundary=b",
                                                           "content-length": str(10 * 1024 ** 3)})
    assert_error(r, 413, "RequestTooLarge")


def test_streamed_upload_stops_at_the_file_limit(tmp_path):
    rx = MultipartReceiver(tmp_path, b"BOUND", max_files=3, max_bytes=100_000)
    rx.write(b'--BOUND\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
             b"Content-Type: text/plain\r\n\r\n")
    sent = 0
    with pytest.raises(UploadTooLarge, match="100000 bytes"):
        for _ in range(10_000):  # up to 640 MB would follow
            rx.write(b"x" * 65536)
            sent += 65536
    assert sent <= 100_000  # the 2nd block crossed the limit; nothing after it was read
    assert list(tmp_path.iterdir()) == []  # the partial file is gone


def test_upload_over_the_file_limit_is_a_413(client):
    before = docs(client)
    assert_error(client.post("/api/ingest", files=files(("big.txt", "报" * 40_000)), headers=HDR),
                 413, "UploadTooLarge", "limit")
    assert docs(client) == before


def test_files_per_request_limit(client):
    r = client.post("/api/ingest", files=files(*[(f"r{i}.txt", "x") for i in range(4)]), headers=HDR)
    assert_error(r, 400, "UploadRejected", "at most 3")


@pytest.mark.parametrize("history, needle", [
    (["问题"] * 5, "5 questions; the limit is 4"),
    (["问" * 200, "问" * 200], "400 characters; the limit is 300"),
])
def test_history_is_bounded(client, history, needle):
    assert_error(client.post("/api/ask", json={"question": Q, "history": history}), 400, "InvalidQuestion", needle)


# ----------------------------------------------------------------------- error shape
def test_lone_surrogate_is_a_json_400(client):
    r = client.post("/api/ask", content=b'{"question": "\\ud800\\u95ee"}', headers={"content-type": "application/json"})
    assert_error(r, 400, "InvalidQuestion", "surrogate")
    r = client.post("/api/ask", content=b'{"question": "q", "history": ["\\udfff"]}',
                    headers={"content-type": "application/json"})
    assert_error(r, 400, "InvalidQuestion", "surrogate")


def test_name_over_255_bytes_is_shortened_not_a_500(client):
    name = "名" * 200 + ".txt"  # 603 bytes
    assert len(safe_name(name).encode()) <= 200 and safe_name(name).endswith(".txt")
    r = client.post("/api/ingest", files=files((name, report("长名大学", 3))), headers=HDR)
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["status"] == "ok"


def test_internal_errors_are_json(client, service, monkeypatch):
    def boom(*a, **kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "ask", boom)
    assert_error(client.post("/api/ask", json={"question": Q}), 500, "InternalError", "RuntimeError")


@pytest.mark.parametrize("body, headers, status, kind", [
    (b"{not json", {"content-type": "application/json"}, 422, "InvalidRequest"),
    (b"[]", {"content-type": "application/json"}, 422, "InvalidRequest"),
])
def test_parse_errors_are_json(client, body, headers, status, kind):
    assert_error(client.post("/api/ask", content=body, headers=headers), status, kind)


@pytest.mark.parametrize("method, path", [("get", "/api/nope"), ("get", "/api/ingest"), ("delete", "/api/docs")])
def test_unknown_api_routes_are_json_404(client, method, path):
    assert_error(getattr(client, method)(path, headers=HDR), 404, "NotFound", path)


@pytest.mark.parametrize("content, ctype, status, kind", [
    (b"", None, 422, "NoFiles"),
    (b'{"a": 1}', "application/json", 415, "UploadUnsupported"),
    (b"garbage", "multipart/form-data", 415, "UploadUnsupported"),  # no boundary
    (b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--\r\n", "multipart/form-data; boundary=b",
     422, "NoFiles"),
])
def test_upload_parse_errors_are_json(client, content, ctype, status, kind):
    headers = {**HDR, **({"content-type": ctype} if ctype else {})}
    assert_error(client.post("/api/ingest", content=content, headers=headers), status, kind)


def test_multi_file_upload_statuses(client):
    r = client.post("/api/ingest", headers=HDR, files=files(("m_ok.txt", report("青霜大学", 4)), ("m_empty.txt", "")))
    assert r.status_code == 207, r.text
    assert [x["status"] for x in r.json()["results"]] == ["ok", "failed"]
    r = client.post("/api/ingest", headers=HDR, files=files(("a.exe", "MZ"), ("b.exe", "MZ")))
    assert_error(r, 415, "UploadUnsupported")
    r = client.post("/api/ingest", headers=HDR, files=files(("e1.txt", ""), ("c.exe", "MZ")))
    assert_error(r, 422, "UploadFailed", "all 2 files failed")
    assert [x["status"] for x in r.json()["results"]] == ["failed", "failed"]


# ----------------------------------------------------------------------- staging, CSV
def test_staging_folders_left_by_a_crash_are_cleaned_at_start_up(service):
    root = service.settings.index_dir / "uploads"
    dead = root / "upload-deadbeef"  # a kill -9 mid-upload: folder and lock file, no live lock
    dead.mkdir(parents=True)
    (dead / ".staging.lock").touch()
    (dead / "half.txt").write_bytes(b"x" * 1000)
    bare = root / "upload-nolock"
    bare.mkdir()
    live = root / "upload-live"  # another server's upload in flight
    live.mkdir()
    fd = os.open(live / ".staging.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        create_app(service, token=TOKEN)
        assert sorted(p.name for p in root.iterdir()) == ["upload-live"]
    finally:
        os.close(fd)


FORMULA_REPORT = ("=HYPERLINK(\"http://evil.example\",\"x\")学院2023-2024学年信息公开工作年度报告\n"
                  "一、概述\n　　本学年学校持续完善信息公开制度。\n"
                  "二、依申请公开情况\n=1+2 本学年共收到信息公开申请9项，其中予以公开9项。\n"
                  "-2+3 联系电话：0100-5550199。\n")


def test_csv_cells_are_neutralised_in_api_and_cli(client, service, capsys):
    from reportqa.cli import main
    from ui.render import csv_cell

    assert [csv_cell(v) for v in ("=1+2", "+1", "-1", "@SUM(A1)", "\t=x", "正常", 5, "")] == \
        ["'=1+2", "'+1", "'-1", "'@SUM(A1)", "'\t=x", "正常", 5, ""]
    r = client.post("/api/ingest", headers=HDR, files=files(("formula.txt", FORMULA_REPORT)))
    assert r.status_code == 200, r.text
    api_rows = list(csv.reader(io.StringIO(client.get("/api/facts", params={"format": "csv"}).content.decode("utf-8-sig"))))
    assert main(["facts", "--csv", "--index", str(service.settings.index_dir), "--model", "hash"]) == 0
    cli_rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    for rows in (api_rows, cli_rows):
        cells = [c for row in rows for c in row]
        assert any(c.startswith("'=") for c in cells), "the formula text is present, neutralised"
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), [c for c in cells if c[:1] in "=+-@"]


# ----------------------------------------------------------------------- CLI secrets
def test_serve_reads_secrets_from_env_and_files_not_argv(tmp_path, monkeypatch, capsys):
    from reportqa.cli import build_settings, make_parser, serve_secrets

    (tmp_path / "auth").write_text("alice:s3cret\n")
    (tmp_path / "tok").write_text("file-token\n")
    monkeypatch.delenv("REPORTQA_AUTH", raising=False)
    monkeypatch.delenv("REPORTQA_TOKEN", raising=False)
    args = make_parser().parse_args(["serve", "--index", str(tmp_path / "ix"), "--auth-file", str(tmp_path / "auth"),
                                     "--token-file", str(tmp_path / "tok")])
    assert serve_secrets(args, build_settings(args)) == ("alice:s3cret", "file-token", None)
    monkeypatch.setenv("REPORTQA_AUTH", "bob:pw")
    monkeypatch.setenv("REPORTQA_TOKEN", "env-token")
    args = make_parser().parse_args(["serve", "--index", str(tmp_path / "ix")])
    assert serve_secrets(args, build_settings(args)) == ("bob:pw", "env-token", None)
    monkeypatch.delenv("REPORTQA_TOKEN")
    args = make_parser().parse_args(["serve", "--index", str(tmp_path / "ix")])
    auth, token, token_file = serve_secrets(args, build_settings(args))
    assert token is None and token_file == tmp_path / "ix" / "server-token"  # serve generates and writes it
    capsys.readouterr()
    args = make_parser().parse_args(["serve", "--index", str(tmp_path / "ix"), "--auth", "carol:pw"])
    assert serve_secrets(args, build_settings(args))[0] == "bob:pw"  # the environment wins
    assert "`ps` shows it" in capsys.readouterr().err  # the deprecated flag warns
    monkeypatch.delenv("REPORTQA_AUTH")
    assert serve_secrets(args, build_settings(args))[0] == "carol:pw"  # still works, with the warning


# ----------------------------------------------------------------------- memory bounds
def test_csv_exports_are_bounded():
    from ui.app import CsvCache

    cache = CsvCache(keep=3)
    paths = [cache.write(f"机构,收到申请\n学院{i},{i}\n") for i in range(6)]
    assert sorted(Path(p).parent.name for p in paths[-3:]) == sorted(d.name for d in cache.root.iterdir())
    assert Path(paths[-1]).read_text(encoding="utf-8-sig").endswith("学院5,5\n")


def test_memory_is_given_back_on_glibc():
    from ui import memory

    assert memory.release() is True and memory.limit_arenas(4) is True


def test_the_early_app_serve_runs_while_gradio_loads_is_guarded_too(service):
    """`serve` answers /api/* from an API-only app before the UI is built: Host, token and auth hold there."""
    from ui.app import serving_app

    app = serving_app(service, None, TOKEN, allowed_hosts("127.0.0.1"))  # not started: the early app answers
    c = TestClient(app, base_url=BASE, raise_server_exceptions=False)
    before = docs(c)
    assert before
    assert_error(TestClient(app, base_url="http://evil.example:7860").get("/api/docs"), 403, "ForbiddenHost")
    r = c.post("/api/ingest", files=files(("forged.txt", report("伪造大学", 999))))
    assert r.status_code == 403, r.text
    assert docs(c) == before
    authed = serving_app(service, "u:p", TOKEN, allowed_hosts("127.0.0.1"))
    assert TestClient(authed, base_url=BASE).get("/api/docs").status_code == 401
