"""The web UI in a real browser (Playwright driving Debian's /usr/bin/chromium, headless).

One server (``reportqa serve --demo --model hash``) on 127.0.0.1 and a free port is shared
by the module. Chromium is never downloaded: without /usr/bin/chromium these tests skip
(and fail in CI, where `make browser` installs it).
"""
from __future__ import annotations

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from .conftest import fictional_report as report, serving  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
FIGURE_Q = "东江理工大学2022-2023学年共收到多少项信息公开申请？"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
TIMEOUT_MS = 20_000
WRITE_TOKEN = "ui-browser-test-token"  # the server's write token: direct uploads (httpx) send it
WRITE = {"X-ReportQA-Token": WRITE_TOKEN}

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (browser tests must run in CI)",
                    pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (run `make browser`)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`reportqa serve --demo` in a subprocess over a temp index; yields the base URL."""
    tmp = tmp_path_factory.mktemp("ui-server")
    with serving(tmp, ["--model", "hash", "--demo"], 10, {"REPORTQA_TOKEN": WRITE_TOKEN}) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh page (its own Gradio session) that records every JS dialog."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.dialogs = []

    def on_dialog(d):
        pg.dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", on_dialog)
    pg.external = []  # the UI must work offline: nothing but the local server is fetched
    pg.on("request", lambda r: pg.external.append(r.url)
          if not r.url.startswith((server, "data:", "blob:")) else None)
    pg.goto(server + "/")
    pg.wait_for_selector("#rq-question textarea")
    yield pg
    ctx.close()


def wait_text(page, selector: str, text: str) -> None:
    """Wait until the element's rendered text contains ``text``."""
    page.wait_for_function("([s, t]) => { const e = document.querySelector(s); return !!e && e.innerText.includes(t); }",
                           arg=[selector, text], timeout=TIMEOUT_MS)


def wait_value(page, selector: str, text: str) -> None:
    """Wait until the textarea's value contains ``text`` (innerText does not include it)."""
    page.wait_for_function("([s, t]) => { const e = document.querySelector(s); return !!e && e.value.includes(t); }",
                           arg=[selector, text], timeout=TIMEOUT_MS)


def ask(page, question: str, expect: str) -> None:
    page.fill("#rq-question textarea", question)
    page.click("#rq-ask")
    wait_text(page, "#rq-chat", expect)


def open_citation(page, n: int, expect: str) -> None:
    page.locator("#rq-cites label").filter(has_text=f"[{n}]").first.click()
    wait_text(page, "#rq-highlight", expect)


def test_chat_citation_follow_up(page, server, tmp_path):
    ask(page, FIGURE_Q, "5项")
    open_citation(page, 1, "申请5项")
    assert "东江理工大学" in page.inner_text("#rq-source-panel")
    href = page.get_attribute("#rq-doc-link", "href")
    assert href.startswith("/doc/demo01_dongjiang_ligong.txt?start=")
    doc = page.context.new_page()
    doc.goto(server + href)
    assert "申请5项" in doc.inner_text("#rq-highlight")
    doc.close()
    # the follow-up uses this session's history: same question, another school
    ask(page, "那青岚师范学院呢？", "7项")
    wait_text(page, "#rq-cites", "青岚师范学院")
    open_citation(page, 1, "申请7项")
    page.screenshot(path=str(tmp_path / "chat.png"))
    if os.environ.get("REPORTQA_UPDATE_SCREENSHOT") == "1":  # refresh the README's picture on request
        shutil.copyfile(tmp_path / "chat.png", ROOT / "docs" / "screenshot-chat.png")
    assert page.dialogs == []
    assert page.external == []


def test_upload_then_ask(page, tmp_path):
    page.click("#rq-tab-reports-button")
    wait_text(page, "#rq-docs", "东江理工大学")
    src = tmp_path / "星河理工大学2023-2024学年年报.txt"
    src.write_text(report("星河理工大学", 13), encoding="utf-8")
    page.set_input_files("#rq-upload input[type=file]", str(src))
    wait_value(page, "#rq-upload-status textarea", "成功")
    assert src.name in page.input_value("#rq-upload-status textarea")
    wait_text(page, "#rq-docs", "星河理工大学")
    page.screenshot(path=str(tmp_path / "reports.png"))
    page.click("#rq-tab-chat-button")
    ask(page, "星河理工大学2023-2024学年共收到多少项信息公开申请？", "13项")
    open_citation(page, 1, "申请13项")


def test_compare_csv_and_evidence(page, tmp_path):
    page.click("#rq-tab-compare-button")
    wait_text(page, "#rq-facts", "东江理工大学")
    with page.expect_download() as dl:
        page.click("#rq-facts-csv")
    path = tmp_path / "facts.csv"
    dl.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("机构,年度,收到申请")
    assert any(line.startswith("东江理工大学,2022-2023,5,") for line in text.splitlines())
    page.locator("#rq-facts").get_by_text("东江理工大学", exact=True).first.click()
    wait_text(page, "#rq-evidence", "申请5项")
    page.locator("#rq-chart").scroll_into_view_if_needed()
    page.wait_for_selector("#rq-chart canvas, #rq-chart svg")
    page.screenshot(path=str(tmp_path / "compare.png"))


def test_payloads_render_as_text(page, server, tmp_path):
    body = report("赤霄大学", 6, note=f"（备注{XSS_IMG}）")
    r = httpx.post(server + "/api/ingest", files=[("files", ("chixiao.txt", body.encode(), "text/plain"))], timeout=60,
                   headers=WRITE)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "ok", r.text
    question = f"赤霄大学共收到多少项信息公开申请？{XSS_SCRIPT}"
    ask(page, question, "6项")
    assert XSS_SCRIPT in page.inner_text("#rq-chat")
    open_citation(page, 1, "申请6项")
    assert XSS_IMG in page.inner_text("#rq-source-panel")
    assert XSS_IMG in page.inner_text("#rq-chat")
    page.wait_for_timeout(500)
    assert page.locator("#rq-chat script, #rq-chat img[src=x], #rq-source-panel img").count() == 0
    page.screenshot(path=str(tmp_path / "payload.png"))
    # a payload in a file name: uploaded, listed in the reports table, runs nothing
    evil = f"{XSS_IMG}青霜.txt"
    r = httpx.post(server + "/api/ingest", timeout=60, headers=WRITE,
                   files=[("files", (evil, report("青霜大学", 4).encode(), "text/plain"))])
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "ok", r.text
    page.reload()
    page.click("#rq-tab-reports-button")
    wait_text(page, "#rq-docs", "青霜大学")
    page.wait_for_timeout(500)
    assert page.locator("#rq-docs img, #rq-docs script").count() == 0
    assert page.dialogs == []
