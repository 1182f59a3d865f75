"""Heading hierarchy of a report and chunks with exact offsets into the cleaned text."""
from __future__ import annotations

import pytest

from index.chunking import chunk_sections
from index.sections import PREAMBLE, heading_level, parse_sections, top_section

TEXT = ("某大学2023年信息公开年度报告\n前言文字。\n一、概述\n概述正文。\n（一）组织领导\n正文一。\n"
        "(二)制度建设\n1.制度文件\n正文二。\n（1）细则\n正文三。\n一是加强培训。\n二、主动公开情况\n正文四。\n")


def test_section_paths():
    assert [s.path for s in parse_sections(TEXT)] == [
        "报告开头",
        "一、概述",
        "一、概述 > （一）组织领导",
        "一、概述 > (二)制度建设",
        "一、概述 > (二)制度建设 > 1.制度文件",
        "一、概述 > (二)制度建设 > 1.制度文件 > （1）细则",
        "一、概述 > (二)制度建设 > 1.制度文件 > （1）细则 > 一是加强培训",
        "二、主动公开情况",
    ]


def test_sections_tile_the_text():
    secs = parse_sections(TEXT)
    assert secs[0].start == 0 and secs[-1].end == len(TEXT)
    assert all(a.end == b.start for a, b in zip(secs, secs[1:]))
    assert TEXT[secs[1].start:secs[1].end] == "一、概述\n概述正文。\n"
    assert TEXT[secs[-1].start:secs[-1].end] == "二、主动公开情况\n正文四。\n"


@pytest.mark.parametrize("line, level", [
    ("一、概述", 1), ("十二、其他", 1), ("（一）组织领导", 2), ("(二)制度建设", 2), ("1.制度文件", 3),
    ("12、附件", 3), ("（1）细则", 4), ("一是加强培训", 5), ("二是完善制度", 5),
    ("2.5万条信息", None), ("学校共收到申请2项。", None), ("", None),
])
def test_heading_levels(line, level):
    assert heading_level(line) == level


def test_text_without_headings_is_one_preamble_section():
    text = "学校共收到信息公开申请2项。\n均已按时答复。"
    secs = parse_sections(text)
    assert [(s.path, s.start, s.end) for s in secs] == [(PREAMBLE, 0, len(text))]
    assert parse_sections("") == [] and parse_sections("\n\n") == []


def test_long_heading_label_is_cut_at_sentence_end():
    secs = parse_sections("一、概述。本部分介绍学校信息公开工作的总体情况。\n正文。\n")
    assert secs[0].path == "一、概述" and top_section("一、概述 > （一）组织领导") == "一、概述"


def test_inline_chunks_have_exact_offsets_and_sizes():
    body = "".join(f"第{i}句，学校收到信息公开申请{i}项。" for i in range(1, 40)) + "\n"
    text = "一、概述\n" + body + "二、其他\n" + body
    secs = parse_sections(text)
    pieces = chunk_sections(text, secs, 60, 10)
    assert len(pieces) > 10
    for p in pieces:
        assert text[p.start:p.end] == p.text and 0 < len(p.text) <= 60
    assert {p.section for p in pieces} == {"一、概述", "二、其他"}
    assert [p.start for p in pieces] == sorted(p.start for p in pieces)
    # every non-blank character of the text is in some chunk
    covered = set()
    for p in pieces:
        covered.update(range(p.start, p.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_every_chunk_of_the_demo_index_points_at_its_text(demo_service):
    eng = demo_service.engine()
    chunks = eng.index.store.chunks()
    assert len({c.doc for c in chunks}) == 10
    for c in chunks:
        assert eng.text(c.doc)[c.start:c.end] == c.text
        assert 0 < len(c.text) <= demo_service.settings.chunk_size
    pdf = [c for c in chunks if c.doc.endswith(".pdf")]
    assert {c.page for c in pdf} >= {1, 2}
    assert all(c.page is None for c in chunks if not c.doc.endswith(".pdf"))
