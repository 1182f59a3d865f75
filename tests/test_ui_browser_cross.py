"""Cross-report questions in a real browser: a follow-up that keeps a ranking, and the compare tab
answering a typed per-report question across the demo corpus (Debian's /usr/bin/chromium)."""
from __future__ import annotations

import json
import os
import shutil
import urllib.request

from .test_ui_browser import ROOT, ask, browser, page, server, wait_text  # noqa: F401  (fixtures)


def test_follow_up_keeps_the_ranking(page):
    ask(page, "哪所学校收到的信息公开申请最多？", "北辰工商大学")
    # 「那不予公开的呢？」 asks the same ranking of refusals, not one school's sentence
    ask(page, "那不予公开的呢？", "海川交通大学")
    wait_text(page, "#rq-chat", "不予公开")
    wait_text(page, "#rq-cites", "海川交通大学")
    assert "青岚师范学院" in page.inner_text("#rq-cites")
    assert page.dialogs == [] and page.external == []


def test_compare_tab_answers_a_typed_question(page, server, tmp_path):
    page.click("#rq-tab-compare-button")
    wait_text(page, "#rq-facts", "东江理工大学")
    page.fill("#rq-compare-question textarea", "信息公开的联系电话是多少？")
    page.click("#rq-compare-ask")
    wait_text(page, "#rq-facts", "0571-82345678")
    wait_text(page, "#rq-evidence", "逐份报告回答")
    assert "原文引用" in page.inner_text("#rq-facts")
    with page.expect_download() as dl:
        page.click("#rq-facts-csv")
    path = tmp_path / "compare.csv"
    dl.value.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "机构,年度,回答,原文引用,文件"
    assert any(ln.startswith("东江理工职业学院,2022-2023,0571-82345678,") for ln in lines)
    assert not page.locator("#rq-chart").is_visible()  # phone numbers are not charted
    # a count question: 未说明 where a report is silent, and a chart of the numbers
    page.fill("#rq-compare-question textarea", "开展了几场信息公开培训？")
    page.click("#rq-compare-ask")
    wait_text(page, "#rq-facts", "未说明")
    # the tab shows what POST /api/compare computes: as many 未说明 as silent rows (at least one:
    # a demo report never states its training sessions)
    req = urllib.request.Request(server + "/api/compare", method="POST",
                                 data=json.dumps({"question": "开展了几场信息公开培训？"}).encode(),
                                 headers={"Content-Type": "application/json"})
    rows = json.load(urllib.request.urlopen(req, timeout=30))["rows"]
    silent = sum(r["status"] == "silent" for r in rows)
    assert silent >= 1 and any(r["status"] == "match" for r in rows)
    wait_text(page, "#rq-evidence", f"{silent}份未说明")
    page.locator("#rq-chart").scroll_into_view_if_needed()
    page.wait_for_selector("#rq-chart canvas, #rq-chart svg")
    page.screenshot(path=str(tmp_path / "compare-question.png"), full_page=True)
    if os.environ.get("REPORTQA_UPDATE_SCREENSHOT") == "1":  # refresh docs/ on request
        shutil.copyfile(tmp_path / "compare-question.png", ROOT / "docs" / "screenshot-compare.png")
    assert page.dialogs == [] and page.external == []
