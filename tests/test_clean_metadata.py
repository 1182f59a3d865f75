"""Noise stripping and metadata detection (inline pages, seeds and wild_dev)."""
from __future__ import annotations

import json

import pytest

from index.clean import clean_segments
from index.metadata import detect, normalize_period

from .conftest import shared_path

PAGE = """首页 >> 信息公开 >> 年度报告 >> 正文
云岭测试大学2022-2023学年信息公开工作年度报告
发布时间：2023-10-28　　作者：　　点击：1532
　　本报告统计期限为2022年9月1日至2023年8月31日。如有疑问请联系学校办公室（电话：0871-1234567）。
一、概述
　　学校共收到信息公开申请3项。
责任编辑：李四
上一篇：关于召开会议的通知
版权所有 © 云岭测试大学　地址：某市某路1号　电话：0871-7654321　滇ICP备12345678号
"""


def test_page_noise_is_stripped_line_by_line():
    text, _ = clean_segments([(None, PAGE)])
    for noise in ("首页 >>", "点击", "作者", "责任编辑", "上一篇", "版权所有", "ICP", "0871-7654321"):
        assert noise not in text, noise
    assert "发布时间：2023-10-28" in text  # the publication date survives, its chrome does not
    assert "0871-1234567" in text and "收到信息公开申请3项" in text


def test_seed_footer_phone_is_not_in_the_text():
    raw = next(shared_path("seeds").glob("004_*.txt")).read_text(encoding="utf-8")
    text, _ = clean_segments([(None, raw)])
    assert "0577-88332966" not in text
    assert "0577-88130778" in text


SEED_META = [
    ("000_", "重庆理工大学", "2021-2022", "2021-09-01/2022-08-31"),
    ("001_", "湖南工商大学", "2020-2021", "2020-09-01/2021-08-31"),
    ("002_", "XX医学高等专科学校", "2023", "2023-01-01/2023-11-07"),
    ("003_", "新疆医科大学厚博学院", "2021", ""),
    ("004_", "浙江工贸职业技术学院", "2021-2022", "2021-09-01/2022-08-31"),
]


@pytest.mark.shared
@pytest.mark.parametrize("prefix, institution, year, period_norm", SEED_META)
def test_seed_metadata(prefix, institution, year, period_norm):
    raw = next(shared_path("seeds").glob(prefix + "*.txt")).read_text(encoding="utf-8")
    text, _ = clean_segments([(None, raw)])
    meta = detect(text, raw)
    assert (meta.institution, meta.year, meta.period_norm) == (institution, year, period_norm)


@pytest.mark.shared
def test_wild_dev_institution_hit_rate():
    rows = [json.loads(ln) for ln in shared_path("wild_dev", "manifest.jsonl").read_text().splitlines() if ln]
    hits = 0
    for r in rows:
        raw = shared_path("wild_dev", "docs", r["doc"]).read_text(encoding="utf-8")
        text, _ = clean_segments([(None, raw)])
        hits += detect(text, raw).institution == r["institution"]
    print(f"wild_dev institution hit rate: {hits}/{len(rows)}")
    assert hits == len(rows) == 12


@pytest.mark.parametrize("raw, norm", [
    ("202191日至2022831", "2021-09-01/2022-08-31"),
    ("2020年9月1日至2021年8月31日", "2020-09-01/2021-08-31"),
    ("2013年9月1日起到2014年8月31日止", "2013-09-01/2014-08-31"),
    ("202111日至2021111", ""),  # 111 could be 1-11 or 11-1: not inferred
])
def test_normalize_period(raw, norm):
    assert normalize_period(raw) == norm



@pytest.mark.parametrize("line, noise", [
    ("首页 > 信息公开 > 年度报告", True),
    ("首页 / 信息公开 / 年度报告", True),
    ("当前位置：首页 » 通知公告", True),
    # a report's own closing line: 首页 and a URL's slashes are not a breadcrumb
    ("本报告的电子版可在青岚师范学院门户网站首页信息公开平台查阅或下载(网址:https://xxgk.qinglan.edu.cn/nb.htm)。"
     "如对本报告有疑问,请与党政办公室联系(联系电话:023-61234567,电子邮箱:office@qinglan.edu.cn)。", False),
    ("学校网站首页设有信息公开专栏(www.example.edu.cn/xxgk),及时发布各类信息。", False),
])
def test_breadcrumbs_against_prose_with_urls(line, noise):
    from index.clean import is_noise_line

    assert is_noise_line(line) is noise
