"""The eval scoring functions on hand-made cases: right, wrong and edge cases per type."""
from __future__ import annotations

import pytest

from eval.scoring import (citation_ok, evidence_rank, list_f1, normalize_date, score_answer, summarize,
                          to_number)


def pred(value=None, answer="", abstained=False, citations=()):
    return {"question": "q", "answer": answer or (str(value) if value is not None else ""), "value": value,
            "abstained": abstained, "confidence": 0.5, "citations": list(citations), "intent": ""}


def cite(doc, quote):
    return {"doc": doc, "institution": "", "year": "", "section": "", "start": 0, "end": len(quote),
            "page": None, "quote": quote}


@pytest.mark.parametrize("text, number", [
    ("7", 7), ("七", 7), ("十二", 12), ("一百零五", 105), ("两千三百", 2300), ("2,842条", 2842),
    ("2.5万", 25000), ("近2000条", 2000), ("没有", None), ("", None),
])
def test_to_number(text, number):
    assert to_number(text) == number


@pytest.mark.parametrize("text, iso", [
    ("2020年9月1日至2021年8月31日", "2020-09-01/2021-08-31"),
    ("2019年9月1日—2020年10月31日", "2019-09-01/2020-10-31"),
    ("2013年9月1日起到2014年8月31日止", "2013-09-01/2014-08-31"),
    ("2023年9月1日到2024年8月31日", "2023-09-01/2024-08-31"),
    ("2018-10-31", "2018-10-31"),
    ("2018年10月31日", "2018-10-31"),
    ("2014-2015学年", "2014/2015"),
    ("2014—2015学年", "2014/2015"),
    ("2014年", "2014"),
    ("不详", "不详"),
])
def test_normalize_date(text, iso):
    assert normalize_date(text) == iso


CASES = [
    # (type, gold answer, prediction, expected)
    ("count", "7", pred("7"), True),
    ("count", "七", pred("7"), True),
    ("count", "2", pred("1"), False),
    ("count", "2", pred(None, answer="共2项"), True),
    ("count", "2", pred("2", abstained=True), False),
    ("phone", "023-62563022", pred("02362563022"), True),
    ("phone", "023-62563022", pred("023-62563023"), False),
    ("phone", "0577-88130778", pred(None, answer="电话：0577-88130778"), True),
    ("email", "xxgk@vip.cqut.edu.cn", pred("XXGK@vip.cqut.edu.cn"), True),
    ("email", "xxgk@vip.cqut.edu.cn", pred("xxgk@cqut.edu.cn"), False),
    ("date", "2020年9月1日至2021年8月31日", pred("2020年9月1日起至2021年8月31日止"), True),
    ("date", "2020年9月1日至2021年8月31日", pred("2020年9月1日至2021年8月30日"), False),
    ("date", "2018-10-31", pred("2018年10月31日"), True),
    ("yesno", "否", pred("否"), True),
    ("yesno", "否", pred("是"), False),
    ("text", "党政办公室", pred("党政办公室"), True),
    ("text", "赣南师范大学党委(校长)办公室(督查室)", pred("赣南师范大学党委（校长）办公室（督查室）"), True),
    ("text", "校长办公室", pred("人事处"), False),
    ("text", "校长", pred("人事处", answer="由校长担任组长"), True),
    ("list", ["湖南工商大学", "浙江工贸职业技术学院"], pred(["浙江工贸职业技术学院", "湖南工商大学"]), True),
    ("list", ["湖南工商大学", "浙江工贸职业技术学院"], pred(["湖南工商大学"]), False),
    ("list", '["湖南工商大学"]', pred(["湖南工商大学"]), True),
    ("none", "", pred(None, abstained=True), True),
    ("none", "", pred("3"), False),
]


@pytest.mark.parametrize("kind, answer, prediction, expected", CASES)
def test_score_answer(kind, answer, prediction, expected):
    assert score_answer({"type": kind, "answer": answer}, prediction) is expected


def test_list_f1():
    assert list_f1(["a", "b"], ["a", "b"]) == 1.0
    assert list_f1(["a", "b"], ["a"]) == pytest.approx(2 / 3)
    assert list_f1(["a"], ["b"]) == 0.0
    assert list_f1([], []) == 1.0


GOLD = {"type": "count", "doc": "d.txt", "answer": "2", "evidence": "提出的信息公开申请2项"}


@pytest.mark.parametrize("citations, expected", [
    ([cite("d.txt", "学年收到信息公开申请2项。")], False),  # different wording: neither contains the other
    ([cite("d.txt", "通过各种形式提出的信息公开申请2项。")], True),   # contains the evidence
    ([cite("d.txt", "申请2项")], True),                             # lies inside the evidence
    ([cite("e.txt", "提出的信息公开申请2项")], False),                # wrong document
    ([], False),
])
def test_citation_ok(citations, expected):
    assert citation_ok(GOLD, pred("2", citations=citations)) is expected


def test_citation_ok_none_without_evidence():
    assert citation_ok({"type": "none", "evidence": ""}, pred(None, abstained=True)) is None


def test_evidence_rank():
    chunks = [{"doc": "e.txt", "text": "提出的信息公开申请2项"}, {"doc": "d.txt", "text": "无关"},
              {"doc": "d.txt", "text": "……提出的信息公开申请2项……"}]
    assert evidence_rank(GOLD, chunks) == 3
    assert evidence_rank(GOLD, chunks[:2]) is None


def test_summarize_exact_numbers():
    rows = [
        {"gold": GOLD, "pred": pred("2", citations=[cite("d.txt", "提出的信息公开申请2项")]), "latency_ms": 10, "rank": 1},
        {"gold": {**GOLD, "answer": "3"}, "pred": pred("2"), "latency_ms": 20, "rank": 3},
        {"gold": {"type": "none", "answer": "", "evidence": ""}, "pred": pred(None, abstained=True),
         "latency_ms": 30, "rank": None},
        {"gold": {"type": "yesno", "answer": "否", "evidence": "x"}, "pred": pred(None, abstained=True),
         "latency_ms": 40, "rank": None},
    ]
    s = summarize(rows)
    assert s["n"] == 4
    assert s["answer_accuracy"] == 0.5
    assert s["citation_accuracy"] == 1.0           # one correct answer with evidence, cited right
    assert s["recall_at_1"] == pytest.approx(1 / 3)
    assert s["recall_at_5"] == pytest.approx(2 / 3)
    assert s["mrr"] == pytest.approx((1 + 1 / 3) / 3)
    assert s["abstention_precision"] == 0.5        # two abstentions, one on a none question
    assert s["abstention_recall"] == 1.0
    assert s["latency_ms"]["p50"] == 25.0
    assert s["by_type"]["count"] == {"n": 2, "correct": 1, "accuracy": 0.5}
