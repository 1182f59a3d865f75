"""The naive-RAG baseline that `reportqa eval` reports beside ReportQA runs on the demo corpus."""
from __future__ import annotations

from eval.baseline import NaiveRAG
from index.embed import HashEmbedder

from .conftest import DEMO


def test_naive_rag_builds_and_answers_typed_values():
    rag = NaiveRAG(HashEmbedder())
    rag.build([DEMO], 50 * 1024 * 1024)
    a = rag.ask("东江理工大学信息公开的联系电话是多少？")
    assert a.intent == "phone"
    assert a.abstained or any(ch.isdigit() for ch in str(a.value))
    assert len(rag.ranked("东江理工大学信息公开的联系电话是多少？", 5)) == 5
