"""Property-based tests: the text pipeline never raises undocumented errors and offsets always hold."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.chunking import chunk_sections
from index.clean import clean_segments
from index.metadata import detect
from index.sections import parse_sections
from index.textutil import sentences
from qa.numbers import find_numbers
from qa.parse import InstitutionMatcher, parse

# Report-like text: Chinese, digits, headings, punctuation, noise words, control characters.
PIECES = st.sampled_from(["一、", "（一）", "(二)", "1.", "（1）", "一是", "。", "，", "、", "\n", "\r\n", "\x00",
                          "首页 >> 正文", "点击：12", "版权所有", "收到申请", "2项", "七个部分", "近2000条",
                          "2021年9月1日至2022年8月31日", "202191日至2022831", "电话：023-62563022", "学校",
                          "东江理工大学", "信息公开", "　", " ", "\t", "《", "》", "余", "第3次", "万"])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=60).map("".join)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_cleaning_sections_chunks_keep_offsets(raw):
    text, pages = clean_segments([(None, raw)])
    assert "\x00" not in text and "\r" not in text
    secs = parse_sections(text)
    for s in secs:
        assert 0 <= s.start < s.end <= len(text)
    for p in chunk_sections(text, secs, 40, 10):
        assert text[p.start:p.end] == p.text
    for s, e in sentences(text):
        assert text[s:e].strip() == text[s:e]


@FAST
@given(st.lists(st.tuples(st.integers(1, 9), TEXT), min_size=1, max_size=4))
def test_page_starts_point_into_the_text(segments):
    text, pages = clean_segments(segments)
    assert [o for o, _ in pages] == sorted(o for o, _ in pages)
    assert all(0 <= o <= len(text) for o, _ in pages)


@FAST
@given(TEXT)
def test_number_spans_point_at_their_text(text):
    for n in find_numbers(text):
        assert text[n.start:n.end] == n.text and n.value >= 0


@FAST
@given(TEXT)
def test_metadata_never_raises(text):
    meta = detect(text, text)
    assert isinstance(meta.institution, str) and isinstance(meta.year, str)


@FAST
@given(TEXT)
def test_question_parser_never_raises(question):
    p = parse(question, InstitutionMatcher(["东江理工大学", "青岚师范学院"]))
    assert p.intent in ("count", "phone", "email", "date", "yesno", "text", "list", "superlative",
                        "compare", "practice")
