"""A cited table row in a real browser: the chat's source panel and /doc show the report's table as a
table, the cited row and cell highlighted (Playwright, Debian's /usr/bin/chromium, headless).

The server runs over an invented government report (a PDF built by tests/test_tables.py)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_tables import make_pdf, report_lines
from .conftest import serving
from .test_ui_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, wait_text

sync_api = pytest.importorskip("playwright.sync_api")
ROOT = Path(__file__).resolve().parents[1]
QUESTION = "青岚县人民政府2024年因本机关不掌握相关政府信息而无法提供的申请，总计有几件？"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tables-ui")
    (tmp / "docs").mkdir()
    (tmp / "docs" / "qinglan2024.pdf").write_bytes(make_pdf(report_lines()))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("REPORTQA_AUTH", None)
    subprocess.run([sys.executable, "-m", "reportqa.cli", "ingest", str(tmp / "docs"), "--index", str(tmp / "index"),
                    "--model", "hash"], cwd=ROOT, env=env, check=True, capture_output=True)
    with serving(tmp, ["--model", "hash"], 1) as base:
        yield base


def test_cited_table_row_is_highlighted(server, tmp_path):
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx = b.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        page = ctx.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server + "/", wait_until="load")
        page.wait_for_selector("#rq-question textarea")
        page.fill("#rq-question textarea", QUESTION)
        page.click("#rq-ask")
        wait_text(page, "#rq-chat", "6（表三")
        page.locator("#rq-cites label").filter(has_text="[1]").first.click()
        page.wait_for_selector("#rq-source-panel table.rq-table tr.rq-hl")
        row = page.inner_text("#rq-source-panel tr.rq-hl")
        assert "本机关不掌握相关政府信息" in row
        assert "（四）无法提供" in page.get_attribute("#rq-source-panel tr.rq-hl span[title]", "title")
        assert "三、收到和处理政府信息公开申请情况" in page.inner_text("#rq-source-panel")  # the section
        assert page.inner_text("#rq-source-panel td.rq-cell-hl") == "6"
        # the cell is the row's 总计 (the last column), not the 自然人 figure 5
        cells = page.locator("#rq-source-panel tr.rq-hl td").all_inner_texts()
        assert cells[1:] == ["5", "1", "0", "0", "0", "0", "6"]
        page.locator("#rq-source-panel").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "table.png"))
        href = page.get_attribute("#rq-doc-link", "href")
        assert "&cell=" in href
        doc = ctx.new_page()
        doc.goto(server + href, wait_until="load")
        assert doc.evaluate("document.querySelector('#rq-highlight').tagName") == "TR"
        assert doc.inner_text("#rq-cell") == "6"
        assert doc.locator("table.rq-table").count() == 3  # 表二, 表三, 表四
        bg = doc.evaluate("getComputedStyle(document.querySelector('#rq-cell')).backgroundColor")
        assert bg == "rgb(255, 212, 59)"
        doc.screenshot(path=str(tmp_path / "doc.png"))
        if os.environ.get("REPORTQA_UPDATE_SCREENSHOT") == "1":  # refresh docs/ on request
            shutil.copyfile(tmp_path / "table.png", ROOT / "docs" / "screenshot-table.png")
            shutil.copyfile(tmp_path / "doc.png", ROOT / "docs" / "screenshot-table-doc.png")
        ctx.close()
        b.close()
