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
    ("2.5万", 25000), ("近2000条", 2000), ("没有", None), ("", None), (None, None),
    ("十二万", 120000), ("3亿", 300000000), ("１２", 12), ("0.5", 0.5), ("共有七个部分", 7),
    ("学校进一步公开了7项", 7),       # 一 inside 进一步 is not a number
    ("第三部分共5条", 5),             # ordinals are skipped
    ("万人以上", None),               # a bare unit is not a number
    (7, 7),
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
    ("2014年至2015年", "2014/2015"),
    ("2020年9月至2021年8月", "2020-09/2021-08"),
    ("2020.9.1-2021.8.31", "2020-09-01/2021-08-31"),
    ("2014年9月1日起至2015年8月31日止", "2014-09-01/2015-08-31"),
    ("统计数据时间为 2019年9月1日至2020年8月31日", "2019-09-01/2020-08-31"),
    ("２０１８年１０月３１日", "2018-10-31"),
    ("  不详 ", "不详"),
    ("", ""),
])
def test_normalize_date(text, iso):
    assert normalize_date(text) == iso
    assert normalize_date(iso) == iso  # a fixed point: already-normal values survive a second pass


CASES = [
    # (type, gold answer, prediction, expected)
    ("count", "7", pred("7"), True),
    ("count", "七", pred("7"), True),
    ("count", "2", pred("1"), False),
    ("count", "2", pred(None, answer="共2项"), True),
    ("count", "2", pred("2", abstained=True), False),
    ("count", "七", pred(None, answer="报告由七个部分组成"), True),
    ("count", "2842", pred("2,842"), True),
    ("count", "7", pred("没有", answer="共7个部分"), True),  # value without a number: the answer decides
    ("count", "7", pred(None, answer="没有找到"), False),
    ("count", "7", pred(7), True),
    ("phone", "023-62563022", pred("02362563022"), True),
    ("phone", "023-62563022", pred("023-62563023"), False),
    ("phone", "0577-88130778", pred(None, answer="电话：0577-88130778"), True),
    ("phone", "023-62563022", pred("(023) 6256 3022"), True),
    ("phone", "023-62563022", pred("86-023-62563022"), True),   # gold digits inside the value
    ("phone", "023-62563022", pred("62563022"), False),         # area code missing
    ("phone", "023-62563022", pred(None, answer="未找到电话"), False),
    ("email", "xxgk@vip.cqut.edu.cn", pred("XXGK@vip.cqut.edu.cn"), True),
    ("email", "xxgk@vip.cqut.edu.cn", pred("xxgk@cqut.edu.cn"), False),
    ("email", "xxgk@vip.cqut.edu.cn", pred(" xxgk@vip.cqut.edu.cn "), True),
    ("email", "xxgk@vip.cqut.edu.cn", pred(None, answer="邮箱：xxgk@vip.cqut.edu.cn。"), True),
    ("email", "xxgk@cqut.edu.cn", pred("axxgk@cqut.edu.cn"), False),  # a substring is not the address
    ("date", "2020年9月1日至2021年8月31日", pred("2020年9月1日起至2021年8月31日止"), True),
    ("date", "2020年9月1日至2021年8月31日", pred("2020年9月1日至2021年8月30日"), False),
    ("date", "2018-10-31", pred("2018年10月31日"), True),
    ("date", "2018-10-31", pred("2018-10-30"), False),
    ("date", "2019年9月1日—2020年10月31日", pred("2019年9月1日至2020年10月31日"), True),
    ("date", "2013年9月1日起到2014年8月31日止", pred("2013-09-01/2014-08-31"), True),
    ("date", "2023年9月1日到2024年8月31日", pred("2023年9月1日—2024年8月31日"), True),
    ("date", "2020年9月1日至2021年8月31日", pred("2020年9月2日至2021年8月31日"), False),
    ("date", "2020年9月1日至2021年8月31日", pred("2020年9月1日"), False),   # half a period
    ("date", "2014-2015学年", pred("2014—2015学年"), True),
    ("date", "2014-2015学年", pred("2015-2016学年"), False),
    ("date", "2014年", pred("2014年"), True),
    ("date", "2014年", pred("2014-2015学年"), True),   # normalised gold inside the prediction
    ("date", "2020年9月1日至2021年8月31日",
     pred(None, answer="报告发布于2021年10月31日，统计期限为2020年9月1日至2021年8月31日。"), True),
    ("yesno", "否", pred("否"), True),
    ("yesno", "否", pred("是"), False),
    ("yesno", "是", pred(" 是 "), True),
    ("yesno", "否", pred("没有"), False),                  # only 是/否 count
    ("yesno", "是", pred(None, answer="是"), False),        # the value decides
    ("text", "党政办公室", pred("党政办公室"), True),
    ("text", "赣南师范大学党委(校长)办公室(督查室)", pred("赣南师范大学党委（校长）办公室（督查室）"), True),
    ("text", "校长办公室", pred("人事处"), False),
    ("text", "校长", pred("人事处", answer="由校长担任组长"), True),
    ("text", "校发办字〔2013〕162号", pred("校发办字[2013]162号"), True),
    ("text", "党政办公室", pred(None, answer="受理机构是 党政 办公室。"), True),  # whitespace ignored
    ("text", "http://xxgk.ahu.edu.cn/", pred("HTTP://XXGK.AHU.EDU.CN/"), True),
    ("text", "学校信息公开办公室", pred("信息公开办公室"), False),  # the prediction must hold the whole phrase
    ("list", ["湖南工商大学", "浙江工贸职业技术学院"], pred(["浙江工贸职业技术学院", "湖南工商大学"]), True),
    ("list", ["湖南工商大学", "浙江工贸职业技术学院"], pred(["湖南工商大学"]), False),
    ("list", '["湖南工商大学"]', pred(["湖南工商大学"]), True),
    ("list", ["湖南工商大学", "浙江工贸职业技术学院"], pred([" 湖南工商大学", "浙江工贸职业技术学院 "]), True),
    ("list", ["湖南工商大学", "浙江工贸职业技术学院"], pred("浙江工贸职业技术学院、湖南工商大学"), True),
    ("list", ["湖南工商大学"], pred(["湖南工商大学", "安徽大学"]), False),  # an extra element
    ("list", ["湖南工商大学"], pred(None, abstained=True), False),
    ("none", "", pred(None, abstained=True), True),
    ("none", "", pred("3"), False),
    ("none", "", pred(None, answer="未找到"), False),   # saying so without abstaining does not count
    ("unknown-type", "x", pred("x"), False),
]


@pytest.mark.parametrize("kind, answer, prediction, expected", CASES)
def test_score_answer(kind, answer, prediction, expected):
    assert score_answer({"type": kind, "answer": answer}, prediction) is expected


def test_list_f1():
    assert list_f1(["a", "b"], ["a", "b"]) == 1.0
    assert list_f1(["a", "b"], ["a"]) == pytest.approx(2 / 3)
    assert list_f1(["a"], ["b"]) == 0.0
    assert list_f1([], []) == 1.0
    assert list_f1(["a", "b"], ["b", "a", "a"]) == 1.0          # order and duplicates do not matter
    assert list_f1(["a", "b"], ["a", "c"]) == pytest.approx(0.5)
    assert list_f1(["a"], None) == 0.0
    assert list_f1('["a", "b"]', ["a"]) == pytest.approx(2 / 3)


GOLD = {"type": "count", "doc": "d.txt", "answer": "2", "evidence": "提出的信息公开申请2项"}


@pytest.mark.parametrize("citations, expected", [
    ([cite("d.txt", "学年收到信息公开申请2项。")], False),  # different wording: neither contains the other
    ([cite("d.txt", "通过各种形式提出的信息公开申请2项。")], True),   # contains the evidence
    ([cite("d.txt", "申请2项")], True),                             # lies inside the evidence
    ([cite("e.txt", "提出的信息公开申请2项")], False),                # wrong document
    ([], False),
    ([cite("d.txt", "提出的信息公开申请 2 项")], True),              # whitespace ignored
    ([cite("d.txt", "")], False),                                  # an empty quote proves nothing
    ([cite("/corpus/d.txt", "提出的信息公开申请2项")], True),        # a path naming the gold file
    ([cite("e.txt", "x"), cite("e.txt", "y"), cite("d.txt", "申请2项")], True),
    ([cite("e.txt", "x"), cite("e.txt", "y"), cite("e.txt", "z"), cite("d.txt", "申请2项")], False),  # 4th ignored
])
def test_citation_ok(citations, expected):
    assert citation_ok(GOLD, pred("2", citations=citations)) is expected


def test_citation_ok_none_without_evidence():
    assert citation_ok({"type": "none", "evidence": ""}, pred(None, abstained=True)) is None
    assert citation_ok({"type": "list", "doc": "", "answer": ["a"], "evidence": ""}, pred(["a"])) is None


def test_citation_ok_folds_bracket_width():
    gold = {"type": "phone", "doc": "d.txt", "answer": "0551-62901069", "evidence": "办公室(电话:0551-62901069)"}
    assert citation_ok(gold, pred("0551-62901069", citations=[cite("d.txt", "请联系学校办公室（电话：0551-62901069）。")]))


def test_evidence_rank():
    chunks = [{"doc": "e.txt", "text": "提出的信息公开申请2项"}, {"doc": "d.txt", "text": "无关"},
              {"doc": "d.txt", "text": "……提出的信息公开申请2项……"}]
    assert evidence_rank(GOLD, chunks) == 3
    assert evidence_rank(GOLD, chunks[:2]) is None
    assert evidence_rank(GOLD, []) is None
    assert evidence_rank(GOLD, [{"doc": "d.txt", "text": "提出的信息公开\n申请2项"}]) == 1  # whitespace ignored
    assert evidence_rank({"type": "none", "doc": "", "evidence": ""}, chunks) is None


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
    assert s["latency_ms"]["p95"] == pytest.approx(38.5)
    assert s["by_type"] == {"count": {"n": 2, "accuracy": 0.5}, "none": {"n": 1, "accuracy": 1.0},
                            "yesno": {"n": 1, "accuracy": 0.0}}
    assert s["list_f1"] is None


def test_summarize_citations_lists_and_abstentions():
    lst = {"type": "list", "doc": "", "answer": ["a", "b"], "evidence": ""}
    rows = [
        # right answer, wrong citation
        {"gold": GOLD, "pred": pred("2", citations=[cite("e.txt", "提出的信息公开申请2项")]), "latency_ms": 5, "rank": 2},
        # right answer, right citation
        {"gold": GOLD, "pred": pred("2", citations=[cite("d.txt", "申请2项")]), "latency_ms": 5, "rank": None},
        # wrong answer with a right citation: left out of citation accuracy
        {"gold": GOLD, "pred": pred("9", citations=[cite("d.txt", "申请2项")]), "latency_ms": None, "rank": 1},
        {"gold": lst, "pred": pred(["a"]), "latency_ms": 5, "rank": None},
        {"gold": lst, "pred": pred(["b", "a"]), "latency_ms": 5, "rank": None},
        {"gold": {"type": "none", "answer": "", "evidence": ""}, "pred": pred("3"), "latency_ms": 5, "rank": None},
    ]
    s = summarize(rows)
    assert s["n"] == 6
    assert s["answer_accuracy"] == pytest.approx(3 / 6)
    assert s["citation_accuracy"] == 0.5
    assert s["recall_at_1"] == pytest.approx(1 / 3)
    assert s["recall_at_5"] == pytest.approx(2 / 3)
    assert s["mrr"] == pytest.approx((1 / 2 + 0 + 1) / 3)
    assert s["abstention_precision"] == 1.0        # nothing abstained
    assert s["abstention_recall"] == 0.0           # the none question was answered
    assert s["list_f1"] == pytest.approx((2 / 3 + 1) / 2)
    assert s["latency_ms"]["p50"] == 5.0           # the row without a timing is left out
    assert s["by_type"]["list"] == {"n": 2, "accuracy": 0.5}


def test_summarize_empty():
    s = summarize([])
    assert s["n"] == 0 and s["answer_accuracy"] == 0.0 and s["mrr"] is None
    assert s["abstention_precision"] == 1.0 and s["abstention_recall"] == 1.0
    assert s["latency_ms"] == {"p50": 0.0, "p95": 0.0}


def test_report_lists_failures_in_sample_and_under_cv(tmp_path, monkeypatch):
    """report.md names every wrong answer, and separately those wrong only under cross-validation."""
    from eval import run

    monkeypatch.setattr(run, "_chart", lambda *a, **k: None)  # the chart needs matplotlib, not tested here
    right = {"gold": {**GOLD, "id": "q-1", "question": "收到几项申请？"}, "pred": pred("2", citations=[cite("d.txt", "申请2项")]),
             "latency_ms": 5, "rank": 1}
    wrong = {"gold": {**GOLD, "id": "q-1", "question": "收到几项申请？"}, "pred": pred("12", citations=[cite("d.txt", "申请12项")]),
             "latency_ms": 5, "rank": 1}
    rows, cv_rows = [right], [wrong]
    cv = {**summarize(cv_rows), "k": 5, "own_corpora": [], "own_questions": 0}
    run.write_reports(tmp_path, summarize(rows), None, rows, cv=cv, cv_rows=cv_rows)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    in_sample, under_cv = md.split("## Failures under cross-validation")
    assert "None." in in_sample.split("## Failures")[1] and "q-1" not in in_sample
    assert "**q-1** (count)" in under_cv and "got `12`" in under_cv
