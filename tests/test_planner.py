"""The cross-report planner: its typed predicate grammar, scope, plans over the demo corpus,
year-over-year, aggregates, abstentions, the per-version cache, and follow-ups resolved by what changed."""
from __future__ import annotations

import pytest

from qa import planner as pl
from qa.followup import Match, resolve
from qa.schema import Answer, Citation


# --------------------------------------------------------------------------- planning
@pytest.mark.parametrize("question, kind, sub, vtype, pred", [
    ("哪些学校没有收到信息公开申请？", "list", "收到多少信息公开申请？", "count", ("zero", "")),
    ("在这批年度报告里，哪些政府机关明确表示当年没有收到政府信息公开申请（或收到0件）？", "list",
     "收到多少政府信息公开申请？", "count", ("zero", "")),
    ("哪些高校留下的信息公开咨询电话使用0551区号？", "list", "信息公开的联系电话是多少？", "phone", ("prefix", "0551")),
    ("哪些机构在报告中给出的联系邮箱是163.com邮箱？", "list", "信息公开的联系邮箱是什么？", "email",
     ("domain", "163.com")),
    ("哪些学校的信息公开报告统计的是2024年9月1日至2025年8月31日（2024-2025学年）这一期间？", "list",
     "本报告的统计期限是什么？", "date", ("period", "2024-09-01/2025-08-31")),
    ("哪些学校的信息公开年度报告由八个部分（8项内容）组成？", "list", "本报告包括几个部分？", "count",
     ("eq", "==")),
    ("哪些学校的年度报告发布于2023年10月？", "list", "本报告的发布日期是哪天？", "date", ("published", "2023-10")),
    ("哪些学校收到的信息公开申请超过5项？", "list", "收到多少项信息公开申请？", "count", ("cmp", ">")),
    ("哪所学校收到的信息公开申请最多？", "superlative", "收到多少信息公开申请？", "count", None),
    ("哪所学校不予公开的信息公开申请最多？", "superlative", "有多少项信息公开申请不予公开？", "count", None),
    ("2022-2023学年有哪些学校对信息公开申请作出了不予公开的决定？", "list", "有多少项信息公开申请不予公开？",
     "count", ("cmp", ">")),
    ("哪些学校因信息公开工作受到过举报？", "list", "因信息公开工作受到多少举报？", "count", ("cmp", ">")),
    ("哪些学校没有因信息公开工作受到举报？", "list", "因信息公开工作受到多少举报？", "count", ("zero", "")),
    ("有哪些学校建立了信息公开考核机制？", "list", "是否建立了信息公开考核机制？", "yesno", ("yes", "")),
    ("哪些学校的报告提到了“阳光服务热线”？", "list", "是否提到了“阳光服务热线”？", "yesno", ("yes", "")),
    ("哪些学校没有建立信息公开考核机制？", "list", "是否建立信息公开考核机制？", "yesno", ("no", "")),
    ("共有多少所学校没有收到信息公开申请？", "count", "收到多少信息公开申请？", "count", ("zero", "")),
    ("各校合计收到多少项信息公开申请？", "sum", "收到多少项信息公开申请？", "count", None),
    ("各校平均收到多少项信息公开申请？", "mean", "收到多少项信息公开申请？", "count", None),
])
def test_plan(question, kind, sub, vtype, pred):
    assert pl.frame(question) == kind
    plan = pl.plan(question, kind)
    assert (plan.sub_question, plan.value_type) == (sub, vtype)
    assert (None if plan.predicate is None else (plan.predicate.kind, plan.predicate.arg)) == pred


@pytest.mark.parametrize("question, named, kind", [
    ("重庆理工大学通过哪些渠道公开信息？", 1, ""),  # one named school: a single-report question
    ("青岚师范学院2022-2023学年比上一学年多收到多少项申请？", 1, "yoy"),
    ("各校如何处理答复期限？", 0, "practice"),  # 期限 does not make it a date question
    ("其他学校怎样做信息公开培训？", 0, "practice"),
    ("比较各校的举报、复议、诉讼情况", 0, "compare"),
    ("语料中哪些学校有两个学年的信息公开年度报告？", 0, "multi_year"),
    ("收到多少项信息公开申请？", 0, ""),
    ("年度报告是由哪个机构编制的？", 0, ""),  # one office inside a report
    ("为提高各单位信息公开工作人员的业务水平，实行什么制度？", 0, ""),  # 各单位: its own departments
    ("哪个学校的电话使用0551区号？", 0, "list"),
])
def test_frame(question, named, kind):
    assert pl.frame(question, named) == kind


def test_scope_of_plan():
    assert pl.plan("哪些政府机关没有收到申请？", "list").scope.kind == "government"
    assert pl.plan("哪些高校没有收到申请？", "list").scope.kind == "school"
    assert pl.plan("哪些机构没有收到申请？", "list").scope.kind == "all"
    assert pl.plan("2022-2023学年有哪些学校没有收到申请？", "list").scope.years == ("2022-2023",)
    # the years of a stated period are its predicate, not a scope
    assert pl.plan("哪些学校统计的是2024年9月1日至2025年8月31日这一期间？", "list").scope.years == ()
    assert pl.plan("东江哪些学校没有收到申请？", "list").scope.region == "东江"
    assert pl.institution_kind("九原区民族事务委员会") == "government"
    assert pl.institution_kind("湖北幼儿师范高等专科学校") == "school"


def test_unplannable_question_says_why():
    with pytest.raises(pl.NotPlannable, match="哪一项"):
        pl.plan("哪些学校？", "list")


@pytest.mark.parametrize("text, norm", [
    ("2024年9月1日至2025年8月31日", "2024-09-01/2025-08-31"),
    ("20249月1日起至20258月31日止", "2024-09-01/2025-08-31"),  # 年 lost in web extraction
    ("2024年9月1日起,至2025年8月31日止", "2024-09-01/2025-08-31"),
    ("2021年1月1日至12月31日", "2021-01-01/2021-12-31"),
    ("本学年", ""),
])
def test_period_norm(text, norm):
    assert pl.period_norm(text) == norm


def _answer(value, quote="", abstained=False):
    cites = [Citation("d", "甲大学", "2023", "", 0, len(quote), None, quote)] if quote else []
    return Answer("q", str(value), None if abstained else value, abstained, 0.8, cites, "count")


@pytest.mark.parametrize("pred, answer, status", [
    (pl.Predicate("zero"), _answer("0", "未收到申请"), "match"),
    (pl.Predicate("zero"), _answer("3", "收到申请3项"), "no"),
    (pl.Predicate("zero"), _answer(None, abstained=True), "silent"),  # silence is never a match
    (pl.Predicate("cmp", ">", 5.0), _answer("6", "6项"), "match"),
    (pl.Predicate("cmp", ">", 5.0), _answer("5", "5项"), "no"),
    (pl.Predicate("cmp", "<=", 5.0), _answer("5", "5项"), "match"),
    (pl.Predicate("eq", "==", 8.0), _answer("8", "八个部分"), "match"),
    (pl.Predicate("prefix", "0551"), _answer("0551-63861050", "电话"), "match"),
    (pl.Predicate("prefix", "0551"), _answer("0571-82345678", "电话"), "no"),
    (pl.Predicate("domain", "163.com"), _answer("ab@163.com", "邮箱"), "match"),
    (pl.Predicate("domain", "163.com"), _answer("ab@x163.com", "邮箱"), "no"),
    (pl.Predicate("period", "2024-09-01/2025-08-31"), _answer("2024年9月1日至2025年8月31日", "x"), "match"),
    (pl.Predicate("period", "2024-09-01/2025-08-31"), _answer("2023年9月1日至2024年8月31日", "x"), "no"),
    (pl.Predicate("yes", words=("考核", "机制")), _answer("是", "建立了信息公开考核机制"), "match"),
    # a 是 whose sentence does not name the asked practice is not evidence of it
    (pl.Predicate("yes", words=("考核", "机制")), _answer("是", "建立了巡查机制"), "silent"),
    (pl.Predicate("yes", words=("举报|复议|诉讼",)), _answer("是", "收到举报1件"), "match"),
    (pl.Predicate("yes", support=("10大类", "50项")), _answer("是", "10大类50条公开事项"), "match"),
    (pl.Predicate("yes", support=("10大类", "50项")), _answer("是", "10大类公开事项"), "silent"),
    (pl.Predicate("no", words=("考核",)), _answer("否", "未建立考核制度"), "match"),
    (pl.Predicate("published", "2023-10"), _answer("2023年10月31日", "2023年10月31日"), "match"),
    (pl.Predicate("published", "2023-10"), _answer("2023-11-02", "发布时间：2023-11-02"), "no"),
    # the report's outline (…因学校信息公开工作受到举报的情况…共六个部分) is no count of 举报
    (pl.Predicate("cmp", ">", 0.0), _answer("6", "全文包括概述、主动公开情况、依申请公开和不予公开情况、"
                                              "因学校信息公开工作受到举报的情况、改进措施共六个部分"), "silent"),
])
def test_evaluate(pred, answer, status):
    assert pl.evaluate(pred, answer) == status


@pytest.mark.parametrize("question, words", [
    # the enumeration is one word, cut out of the words around it (not 作受到过举报)
    ("哪些高校因信息公开工作受到过举报、复议或诉讼？", ("举报|复议|诉讼",)),
    ("哪些学校设立了查阅点、咨询电话和意见箱？", ("查阅点|咨询电话|意见箱",)),
    ("有哪些学校建立了信息公开考核机制？", ("考核", "机制")),
])
def test_yes_no_support_words(question, words):
    assert pl.plan(question, "list").predicate.words == words


def test_outline_answers_a_parts_question():
    quote = "全文包括概述、主动公开情况、依申请公开情况、受到举报的情况、主要问题和改进措施共六个部分"
    assert pl.evaluate(pl.Predicate("eq", "==", 6.0), _answer("6", quote), "本报告包括几个部分？") == "match"


# ----------------------------------------------------------------- over the demo corpus
def ask(svc, q, **kw):
    return svc.ask(q, **kw)


@pytest.mark.parametrize("question, names", [
    ("哪些学校在2022-2023学年没有收到信息公开申请？", ["东江理工职业学院", "南溪医学高等专科学校", "西陵农业大学"]),
    ("2022-2023学年有哪些学校对信息公开申请作出了不予公开的决定？", ["东江理工大学", "青岚师范学院", "北辰工商大学"]),
    # an OR of three events: 东江理工职业学院 received one 举报, 北辰工商大学 one 复议
    ("哪些高校因信息公开工作受到过举报、复议或诉讼？", ["东江理工职业学院", "北辰工商大学"]),
    ("哪些学校因信息公开工作受到过举报？", ["东江理工职业学院"]),
    ("哪些学校收到的信息公开申请超过6项？", ["青岚师范学院", "北辰工商大学"]),
    ("语料中哪些学校有两个学年的信息公开年度报告？", ["青岚师范学院"]),
    ("东江哪些学校没有收到信息公开申请？", ["东江理工职业学院"]),  # a region: names holding 东江
    ("哪些学校的报告落款日期是2023年10月31日？", ["北辰工商大学"]),
])
def test_list_questions_on_demo(demo_service, question, names):
    a = ask(demo_service, question)
    assert not a.abstained and sorted(a.value) == sorted(names)
    assert {c.institution for c in a.citations} == set(names) and all(c.quote for c in a.citations)


def test_list_answer_counts_silent_reports(demo_service):
    a = ask(demo_service, "有哪些学校建立了信息公开考核机制？")
    # no demo report states such a mechanism: nothing is claimed, the silent reports are counted
    assert a.value == [] and "未说明" in a.answer and "共9份" in a.answer
    assert a.citations == []


def test_superlative_and_follow_up_ranking(demo_service):
    first = "哪所学校收到的信息公开申请最多？"
    a = ask(demo_service, first)
    assert a.value == "北辰工商大学" and "12项" in a.citations[0].quote
    b = ask(demo_service, "那不予公开的呢？", history=[first])
    assert b.intent == "superlative" and sorted(b.value) == ["海川交通大学", "青岚师范学院"]
    assert all("不予公开2项" in c.quote for c in b.citations)


def test_named_institutions_are_the_scope_not_the_sub_question(demo_service):
    a = ask(demo_service, "东江理工大学和北辰工商大学哪所学校收到的信息公开申请最多？")
    assert a.value == "北辰工商大学" and "共2份" in a.answer
    b = ask(demo_service, "比较东江理工大学和青岚师范学院收到的信息公开申请")
    assert b.intent == "compare"
    assert b.answer.splitlines() == ["东江理工大学：5项", "青岚师范学院（2021-2022）：2项", "青岚师范学院（2022-2023）：7项"]
    assert sorted(c.institution for c in b.citations) == ["东江理工大学", "青岚师范学院", "青岚师范学院"]


def test_year_over_year_cites_both_reports(demo_service):
    a = ask(demo_service, "青岚师范学院2022-2023学年比上一学年多收到多少项申请？")
    assert a.value == "5" and "多5" in a.answer
    assert [c.year for c in a.citations] == ["2022-2023", "2021-2022"]
    assert "7项" in a.citations[0].quote and "2项" in a.citations[1].quote


@pytest.mark.parametrize("question, value, cited", [
    ("共有多少所学校没有收到信息公开申请？", "3", 3),
    ("各校合计收到多少项信息公开申请？", "36", 9),
])
def test_aggregates_list_what_they_counted(demo_service, question, value, cited):
    a = ask(demo_service, question)
    assert a.value == value and len(a.citations) == cited


def test_compare_rows_for_any_per_report_question(demo_service):
    sub, rows = demo_service.engine().compare_rows("信息公开的联系电话是多少？")
    assert sub == "信息公开的联系电话是多少？" and len(rows) == 10
    by = {r.doc: r for r in rows}
    assert by["demo02_dongjiang_zhiye.txt"].value == "0571-82345678"
    assert all((r.status == "silent") == (r.citation is None) for r in rows)


def test_sub_answers_are_cached_per_index_version(demo_service):
    eng = demo_service.engine()
    calls = []
    real = eng.answer_single

    def counting(*a, **k):
        calls.append(a[0])
        return real(*a, **k)

    eng.answer_single = counting
    try:
        q = "哪些学校收到的信息公开申请超过4项？"
        first = ask(demo_service, q)
        n = len(calls)
        again = ask(demo_service, q)
    finally:
        del eng.answer_single
    schools = len(eng.cross.docs_in_scope(pl.plan(q, "list").scope, None))
    assert n in (0, schools)  # 0 when an earlier test asked the same sub-question
    assert len(calls) == n and again == first
    assert all(k[0] == eng.index.version for k in eng.cross._cache)


# --------------------------------------------------------------------------- follow-ups
NAMES = ["重庆理工大学", "湖南工商大学", "青岚师范学院"]


def _match(q: str) -> Match:
    found = tuple(n for n in NAMES if n in q)
    aliases = tuple(a for a in ("重庆理工", "湖工商") if a in q and not any(a in n and n in q for n in NAMES))
    alias_names = tuple({"重庆理工": "重庆理工大学", "湖工商": "湖南工商大学"}[a] for a in aliases)
    return Match(found + alias_names, (), aliases)


@pytest.mark.parametrize("prev, q, resolved", [
    # the institution changed
    ("重庆理工大学2021-2022学年收到多少项信息公开申请？", "那湖南工商大学呢？",
     "湖南工商大学2021-2022学年收到多少项信息公开申请？"),
    ("重庆理工收到多少项申请？", "那湖南工商大学呢", "湖南工商大学收到多少项申请？"),
    # the year changed
    ("青岚师范学院2022-2023学年共收到多少项信息公开申请？", "2021-2022学年呢？",
     "青岚师范学院2021-2022学年共收到多少项信息公开申请？"),
    ("湖南工商大学收到多少项申请？", "那2022年呢", "湖南工商大学2022年收到多少项申请？"),
    # the asked quantity changed
    ("重庆理工大学收到多少项信息公开申请？", "那不予公开的呢？", "重庆理工大学收到多少项不予公开的信息公开申请？"),
    ("哪所学校收到的信息公开申请最多？", "那不予公开的呢？", "哪所学校不予公开的信息公开申请最多？"),
    ("湖南工商大学收到多少项申请？", "它的电话呢？", "湖南工商大学信息公开的联系电话是多少？"),
    ("湖南工商大学2020-2021学年收到多少项申请？", "那邮箱呢", "湖南工商大学2020-2021学年信息公开的联系邮箱是什么？"),
    # institution and year together
    ("重庆理工大学2021-2022学年收到多少项申请？", "那湖南工商大学2020-2021学年呢？",
     "湖南工商大学2020-2021学年收到多少项申请？"),
    # a full new question stands alone, however short
    ("重庆理工大学收到多少项申请？", "湖南工商大学的电话是多少？", "湖南工商大学的电话是多少？"),
    ("重庆理工大学收到多少项申请？", "哪些学校没有收到申请？", "哪些学校没有收到申请？"),
    ("重庆理工大学收到多少项申请？", "统计期限是什么？", "统计期限是什么？"),
    # a question that only refers back gets the previous institution
    ("湖南工商大学收到多少项申请？", "它的统计期限是什么？", "湖南工商大学的统计期限是什么？"),
    # no history: unchanged
    ("", "那湖南工商大学呢？", "那湖南工商大学呢？"),
])
def test_follow_up_table(prev, q, resolved):
    assert resolve(q, prev, _match) == resolved


def test_follow_up_after_list_keeps_the_list(demo_service):
    a = ask(demo_service, "那2021-2022学年呢？", history=["哪些学校在2022-2023学年没有收到信息公开申请？"])
    assert a.intent == "list" and a.value == []  # the 2021-2022 demo report did receive applications


# ------------------------------------------------------------ a report's own structure
def _structured(inst: str, outline: str) -> str:
    """A fictional report whose opening states its structure as ``outline`` says."""
    return (f"{inst}2023-2024学年信息公开工作年度报告\n"
            f"　　本报告内容包括概述，主动公开情况，依申请公开和不予公开情况，对信息公开的评议情况，"
            f"因学校信息公开工作受到举报的情况，存在的主要问题及改进措施，其他需要报告的事项{outline}。\n"
            "一、概述\n　　本学年学校修订信息公开目录8项，开展信息公开专题培训2场。\n"
            "二、主动公开情况\n　　通过学校门户网站主动公开信息321条。\n")


def _four_outlines(tmp_path):
    """A corpus of four reports: eight parts, 8项内容, seven parts, and no count of its parts."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, inst, outline in [("a.txt", "甲山大学", "等八个部分"), ("b.txt", "乙水学院", "等8项内容"),
                                ("c.txt", "丙林学院", "等七个部分"), ("d.txt", "丁原学院", "")]:
        (corpus / name).write_text(_structured(inst, outline), encoding="utf-8")
    return corpus


def test_parts_are_asked_as_parts_only(hash_service, tmp_path):
    """The report's structure is asked as 部分, the form of most reports; a report that counts its
    outline only as 等8项内容 (one dev report does) is 未说明: counted, never claimed."""
    hash_service.ingest([_four_outlines(tmp_path)])
    a = hash_service.ask("哪些学校的信息公开年度报告由八个部分组成？")
    assert a.value == ["甲山大学"]
    assert {c.institution for c in a.citations} == {"甲山大学"}
    assert all("包括概述" in c.quote for c in a.citations)
    silent = a.answer.split("未说明")[1]
    assert "丁原学院" in silent and "乙水学院" in silent  # silent on its parts: counted, not matched
    # a list answer equals the per-report answers taken one by one
    eng = hash_service.engine()
    plan = pl.plan("哪些学校的信息公开年度报告由八个部分组成？", "list")
    assert plan.sub_question == "本报告包括几个部分？"
    one = {eng.docs[d].institution: eng.answer_single(plan.sub_question, plan.sub_question,
                                                      eng.parse(plan.sub_question), [d]).value
           for d in eng.docs}
    assert one == {"甲山大学": "8", "乙水学院": None, "丙林学院": "7", "丁原学院": None}


def test_a_bracketed_second_unit_is_asked_too(hash_service, tmp_path):
    """由八个部分（8项内容）组成: the asker's bracket names a second unit, asked of the reports where
    the first finds nothing; 修订信息公开目录8项 (not the outline) is still no answer."""
    hash_service.ingest([_four_outlines(tmp_path)])
    q = "哪些学校的信息公开年度报告由八个部分（8项内容）组成？"
    plan = pl.plan(q, "list")
    assert (plan.sub_question, plan.alternatives) == ("本报告包括几个部分？", ("本报告包括几项内容？",))
    a = hash_service.ask(q)
    assert sorted(a.value) == ["乙水学院", "甲山大学"]
    assert all("包括概述" in c.quote for c in a.citations)
    assert "丁原学院" in a.answer.split("未说明")[1]


@pytest.mark.parametrize("question, sub, alternatives", [
    ("哪些学校的信息公开年度报告由八个部分（8项内容）组成？", "本报告包括几个部分？", ("本报告包括几项内容？",)),
    ("哪些学校提到了50项（条）公开事项？", "提到了几项公开事项？", ("提到了几条公开事项？",)),
    ("哪些学校的信息公开年度报告由八个部分组成？", "本报告包括几个部分？", ()),
    # a bracket with another figure is an aside, not a second unit of the asked one
    ("哪些学校提到了50项（其中10类）公开事项？", "提到了几项公开事项？", ()),
    ("哪些学校收到了3件（或3项）申请？", "收到了几件申请？", ("收到了几项申请？",)),
])
def test_bracket_units_table(question, sub, alternatives):
    plan = pl.plan(question, "list")
    assert (plan.sub_question, plan.alternatives) == (sub, alternatives)


def test_cv_cache_is_keyed_by_the_scorer(demo_service):
    """Per-report answers read under one fold's weights are not reused under another's."""
    import dataclasses

    eng = demo_service.engine()
    shipped = eng.scorer
    calls = []
    real = eng.answer_single

    def counting(*a, **k):
        calls.append(a[0])
        return real(*a, **k)

    q = "哪些学校收到的信息公开申请超过3项？"
    n = len(eng.cross.docs_in_scope(pl.plan(q, "list").scope, None))
    eng.answer_single = counting
    try:
        ask(demo_service, q)
        ask(demo_service, q)
        n_first = len(calls)
        assert n_first in (0, n)  # 0 when an earlier test asked the same sub-question
        other = dataclasses.replace(shipped, models={k: dataclasses.replace(m, threshold=m.threshold + 0.01)
                                                     for k, m in shipped.models.items()})
        eng.scorer = other
        ask(demo_service, q)
        assert len(calls) == n_first + n  # a new scorer: every report asked again
        key_other = eng.cross.scorer_key()
        eng.scorer = shipped
        ask(demo_service, q)
        assert len(calls) == n_first + n  # back to the shipped weights: their cache
        assert key_other != eng.cross.scorer_key()
    finally:
        eng.scorer = shipped
        del eng.answer_single


def test_list_rows_equal_the_per_report_answers_one_by_one(demo_service):
    """The planner's batched path (cached scores, chunk ids read once) answers each report exactly
    as a fresh engine asked about that report alone."""
    from dataclasses import replace

    from qa.engine import Engine

    base = demo_service.engine()
    q = "哪些学校没有收到信息公开申请？"
    plan = pl.plan(q, "list")
    eng = Engine(base.index, base.embedder.inner, base.settings)
    docs = eng.cross.docs_in_scope(plan.scope, None)
    parsed = replace(eng.parse(plan.sub_question), intent=plan.value_type)
    rows = {r.doc: r for r in eng.cross.rows(plan.sub_question, parsed, plan.predicate, docs)}
    for d in docs:
        alone = Engine(base.index, base.embedder.inner, base.settings)
        a = alone.answer_single(plan.sub_question, plan.sub_question, parsed, [d])
        assert eng.cross.sub_answer(plan.sub_question, parsed, d) == a, d
        assert rows[d].status == pl.evaluate(plan.predicate, a, plan.sub_question)
    assert sorted(r.institution for r in rows.values() if r.status == "match") == \
        ["东江理工职业学院", "南溪医学高等专科学校", "西陵农业大学"]

