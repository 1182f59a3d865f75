"""The reader's stages: candidates (a table of spans), features, the fitted scorer, the fit, the folds."""
from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from eval import fit as F
from qa import scorer as scoring
from qa.candidates import KINDS, Sent, candidates, clauses, sentence_candidates, word_bounds
from qa.errors import ScorerError
from qa.extract import with_idf
from qa.features import FEATURES, featurize, number_items, question_predicate, wanted_kinds
from qa.numbers import find_numbers
from qa.parse import InstitutionMatcher, parse

from .conftest import DEMO, shared_path


def spans(text: str, kinds: tuple[str, ...]) -> list[tuple[str, str, str]]:
    s = Sent("d", 100, 100 + len(text), text)
    out = []
    for c in sentence_candidates(s, kinds):
        assert text[c.start:c.end] == c.display  # a candidate is always a span of its sentence
        assert c.span == (100 + c.start, 100 + c.end)
        out.append((c.kind, c.value, c.display))
    return out


@pytest.mark.parametrize("text, kinds, want", [
    ("共收到申请44件(其中网上申请42件)", ("number",),
     [("number", "44", "44件"), ("number", "42", "42件")]),
    ("网民留言办结率达91.65%", ("number", "percent"), [("percent", "91.65%", "91.65%")]),
    ("访问量近8万", ("number",), [("number", "80000", "近8万")]),
    # figures that name a document count nothing: a title's, a document number's, a decree's
    ("依据《青岚学院2021年信息公开办法》(青院发〔2020〕12号)和教育部令第29号,公开信息86条", ("number", "ordinal"),
     [("number", "86", "86条")]),
    ("召开第3次专题会议,依据国务院令第711号", ("ordinal",), [("ordinal", "3", "第3次")]),
    ("浏览1.2万人次", ("number",), [("number", "12000", "1.2万人次")]),
    ("这是第八次会议", ("ordinal",), [("ordinal", "8", "第八次")]),
    ("本年度未收到信息公开申请", ("zero",), [("zero", "0", "本年度未收到信息公开申请")]),
    ("电话:0100-5550123,传真:0100-5550124", ("phone", "fax"),
     [("phone", "0100-5550123", "0100-5550123"), ("fax", "0100-5550124", "0100-5550124")]),
    ("邮箱:xxgk@example.edu.cn", ("email",), [("email", "xxgk@example.edu.cn", "xxgk@example.edu.cn")]),
    ("可在信息公开网(http://xxgk.example.cn/)下载", ("url",),
     [("url", "http://xxgk.example.cn", "http://xxgk.example.cn/")]),
    ("官方微信号:gh_1a2b3c4d5e6f", ("wechat",), [("wechat", "gh_1a2b3c4d5e6f", "gh_1a2b3c4d5e6f")]),
    ("地址:青岚市北辰区学府大道88号", ("address",), [("address", "青岚市北辰区学府大道88号", "青岚市北辰区学府大道88号")]),
    ("依据《青岚学院信息公开办法》(青院发〔2020〕12号)", ("title", "docno"),
     [("title", "《青岚学院信息公开办法》", "《青岚学院信息公开办法》"), ("docno", "青院发〔2020〕12号", "青院发〔2020〕12号")]),
    ("坚持“统筹兼顾、稳步推进”的原则", ("quoted",), [("quoted", "统筹兼顾、稳步推进", "统筹兼顾、稳步推进")]),
    ("统计期限为2022年9月1日至2023年8月31日", ("period", "day", "year"),
     [("period", "2022年9月1日至2023年8月31日", "2022年9月1日至2023年8月31日")]),
    ("学校于20126月印发细则,2014年7月25日审议通过", ("day", "month", "year"),
     [("month", "2012年6月", "20126月"), ("day", "2014年7月25日", "2014年7月25日")]),
    ("2019年成立领导小组", ("year",), [("year", "2019年", "2019年")]),
    ("由党委办公室、校长办公室负责", ("org",), [("org", "党委办公室、校长办公室", "党委办公室、校长办公室")]),
])
def test_candidate_spans(text, kinds, want):
    assert sorted(spans(text, kinds), key=lambda x: text.find(x[2])) == want


# Text answers (issue 11 item 4): the whole phrase that fills the slot, snapped to jieba words,
# with what binds it (rel). Sentences are our own invented text.
TEXT_KINDS = ("org", "holder", "agent", "named", "pred", "address")


@pytest.mark.parametrize("text, want", [
    # the body a work is done by: 由X编制 / 由X提供, an enumeration of bodies kept whole
    ("本报告由青岚学院党政办公室编制,数据由各职能部门、各学院和附属单位提供。",
     [("agent", "青岚学院党政办公室", "编制"), ("agent", "各职能部门、各学院和附属单位", "提供")]),
    # the body is read to its body noun, not to the first act verb inside its name
    ("本报告由学校新闻发布办公室编制", [("agent", "学校新闻发布办公室", "编制")]),
    ("本报告由学校信息公开办公室进行调研和编制", [("agent", "学校信息公开办公室", "编制")]),
    # the four shapes of the leading group's holders; a holder keeps its modifier
    ("学院成立以院长为组长,分管校领导任副组长的领导小组。",
     [("holder", "院长", "组长"), ("holder", "分管校领导", "副组长")]),
    ("组长由党委书记、院长担任,分管人事工作的副院长担任副组长",
     [("holder", "党委书记、院长", "组长"), ("holder", "分管人事工作的副院长", "副组长")]),
    # named rules and meetings; a meeting carries the date of the event in its clause
    ("推行信息公开保密审查制度和限时办结制度",
     [("named", "信息公开保密审查制度", "制度"), ("named", "限时办结制度", "制度")]),
    ("办法于2023年6月18日经2023年第五次院长办公会议审议通过",
     [("named", "2023年第五次院长办公会议", "会议")]),
    # what a clause states of its subject, and what a thing serves as / is taken as
    ("行政复议结果为维持", [("pred", "维持", "行政复议结果")]),
    ("学校党政办公室作为信息公开网站的主办单位", [("pred", "学校党政办公室", "信息公开网站的主办单位")]),
    ("形成以学校网站为第一平台的格局", [("pred", "学校网站", "第一平台的格局")]),
])
def test_text_slot_spans(text, want):
    s = Sent("d", 0, len(text), text)
    got = [(c.kind, c.display, c.rel) for c in sentence_candidates(s, TEXT_KINDS) if c.rel]
    for w in want:
        assert w in got


@pytest.mark.parametrize("text, kinds, want", [
    # office names start after 请联系/由/依托 and keep their bracketed parts
    ("如有疑问请联系北辰学院党政办公室(信息公开办公室)。", ("org",), ["北辰学院党政办公室(信息公开办公室)"]),
    ("依托党政办公室,由人事处、财务处、教务处等部门配合", ("org",), ["党政办公室", "人事处、财务处、教务处等"]),
    # 部 of 各部门 and 办 of 主办 end no office: no fragment cut mid-word
    ("所列数据由学校各部门提供", ("org",), []),
    ("学校网站的主办部门", ("org",), []),
    ("请与青岚学院信息公开办公室联系(地址:青岚市学府路9号)", ("org", "address"),
     ["青岚学院信息公开办公室", "青岚市学府路9号"]),
])
def test_text_spans_are_whole_words(text, kinds, want):
    s = Sent("d", 0, len(text), text)
    cands = sorted(sentence_candidates(s, kinds), key=lambda c: c.start)
    assert [c.display for c in cands] == want
    bounds = word_bounds(text)
    assert all(c.start in bounds and c.end in bounds for c in cands)


def test_a_meeting_answer_carries_its_event_date():
    text = "办法于2023年6月18日经2023年第五次院长办公会议审议通过"
    (c,) = [c for c in sentence_candidates(Sent("d", 0, len(text), text), ("named",))]
    assert (c.display, c.value) == ("2023年第五次院长办公会议", "2023年第五次院长办公会议（2023年6月18日）")


def test_slot_features_bind_the_asked_role_and_shun_the_question_subject():
    text = "学院成立以院长为组长,分管校领导任副组长的信息公开工作领导小组。"
    for question, holder in (("领导小组的组长由谁担任？", "院长"), ("领导小组的副组长是谁？", "分管校领导")):
        p, cands, X = _feats(question, text)
        rel = {c.display: X[j, FEATURES.index("rel_match")] for j, c in enumerate(cands) if c.kind == "holder"}
        assert rel[holder] == 1.0 and sum(rel.values()) == 1.0
    p, cands, X = _feats("信息公开工作领导小组的组长由谁担任？", text)
    echo = {c.display: X[j, FEATURES.index("echo")] for j, c in enumerate(cands) if c.kind == "org"}
    assert echo == {"信息公开工作领导小组": 1.0}


def test_statistics_period_names_ask_a_date():
    m = InstitutionMatcher([])
    assert parse("报告的统计年限是什么？", m).intent == "date"
    assert parse("统计周期是哪段时间？", m).intent == "date"


def test_clauses_are_whole_and_never_cut_mid_word():
    text = "组长由校党委书记、校长担任,分管人事工作的副校长和纪委书记担任副组长。"
    got = [text[a:b] for a, b in clauses(text)]
    assert got == ["组长由校党委书记、校长担任", "分管人事工作的副校长和纪委书记担任副组长"]


def test_intent_kinds_cover_every_reader_intent():
    assert set(KINDS) == {"count", "phone", "email", "date", "text"}
    sents = [Sent("d", 0, 12, "电话:0100-5550123")]
    assert [c.kind for c in candidates("phone", sents)] == ["phone"]
    assert candidates("email", sents) == []


def test_numbers_multiply_and_keep_the_written_form():
    n = find_numbers("近8万")[0]
    assert (n.value, n.text, n.approx) == (80000, "近8万", "近")
    assert find_numbers("约3亿")[0].value == 300_000_000 and find_numbers("1.2万人次")[0].value == 12000


@pytest.mark.parametrize("question, kinds", [
    ("传真号码是多少？", {"fax"}),
    ("办结率是多少？", {"percent"}),
    ("统计期限是什么？", {"period"}),
    ("是哪一年成立的？", {"year"}),
    ("附了什么表？", {"title"}),
])
def test_wanted_kinds(question, kinds):
    assert kinds <= wanted_kinds(question)


def _feats(question: str, text: str, intent_kinds=None):
    p = parse(question, InstitutionMatcher([]))
    sents = [Sent("d", 0, len(text), text, 1.0)]
    p = with_idf(p, sents)
    cands = candidates(p.intent, sents)
    return p, cands, featurize(p, cands, sents, {"d": "2023"})


def test_features_bind_the_asked_thing_to_its_figure():
    p, cands, X = _feats("委网站公开了多少条信息？", "委网站公开信息3071条,微信公众号公开信息4681条。")
    assert X.shape == (len(cands), len(FEATURES)) and [c.value for c in cands] == ["3071", "4681"]
    col = FEATURES.index("tight_before_cov")
    assert X[0, col] > X[1, col]
    assert X[0, FEATURES.index("kind_number")] == 1.0


def test_features_tell_sub_counts_and_unit_agreement():
    p, cands, X = _feats("共收到多少件申请？", "共收到申请44件(其中网上申请42件),办结3项。")
    vals = [c.value for c in cands]
    sub, total, unit = (FEATURES.index(n) for n in ("sub_count", "total_wanted", "unit_mismatch"))
    assert X[vals.index("42"), sub] == 1.0 and X[vals.index("44"), sub] == 0.0
    assert X[vals.index("3"), unit] == 1.0 and X[vals.index("44"), unit] == 0.0
    assert X[vals.index("44"), total] == 0.0  # 共 is not right before 44: 收到申请 sits between


@pytest.mark.parametrize("text, labels, leads", [
    # the label after the figure when it has one, else the words before it
    ("本年新增了3项一级栏目及15项二级栏目,进一步完善目录。", ["一级栏目", "二级栏目"], ["本年新增了", "本年新增了"]),
    ("全年受理咨询60件(其中:电话咨询50件,来访10件),按时答复58件。",
     ["全年受理咨询", "电话咨询", "来访", "按时答复"], ["全年受理咨询", "电话咨询", "来访", "按时答复"]),
    ("公众号推送文章80篇,其中52篇为原创文章。", ["公众号推送文章", "为原创文章"], ["公众号推送文章", ""]),
])
def test_number_items_bind_each_figure_to_its_own_label(text, labels, leads):
    items = number_items(text)
    assert [it.label for it in items] == labels
    assert [it.lead for it in items] == leads  # 新增了 is shared along the 及 chain


@pytest.mark.parametrize("question, pred", [
    ("某委2023年办结了多少件申请？", "办结"),
    ("新增了多少项二级栏目？", "新增"),
    ("在官网共发布了多少篇新闻？", "发布"),
    ("多少？", ""),
])
def test_question_predicate(question, pred):
    assert question_predicate(question) == pred


@pytest.mark.parametrize("question, text, feature, hot, cold", [
    # the asked distinction sits only in the label of the right figure
    ("新增了多少项二级栏目？", "本年新增了3项一级栏目及15项二级栏目。", "label_disc_cov", "15", "3"),
    # the asked verb binds the last figure; the first one counts what was received
    ("办结了多少件申请？", "收到申请60件(其中网上申请50件,来访10件),办结58件。", "pred_in_item", "58", "60"),
    ("办结了多少件申请？", "收到申请60件(其中网上申请50件,来访10件),办结58件。", "pred_in_other_item", "50", "58"),
    # a total that sums the figures before it, asked with 共
    ("共发布了多少篇信息？", "要闻20篇、通知15篇、公告5篇,合计40篇。", "sum_wanted", "40", "20"),
    # …and one that sums the figures after it (其中…)
    ("收到多少件申请？", "收到申请60件(其中网上申请50件,来访10件),办结58件。", "sum_of_items", "60", "50"),
    # the asked thing names another figure: not this one (but a total's parts do not count against it)
    ("有多少件来访？", "收到申请60件(其中网上申请50件,来访10件)。", "head_in_other_label", "50", "10"),
])
def test_figure_binding_features(question, text, feature, hot, cold):
    p, cands, X = _feats(question, text)
    vals = [c.value for c in cands]
    col = FEATURES.index(feature)
    assert X[vals.index(hot), col] > 0 and X[vals.index(cold), col] == 0


def test_a_rate_question_prefers_the_percentage():
    p, cands, X = _feats("留言的办结率是多少？", "办结网民留言300条,办结率达95.5%。")
    kinds = {c.kind: i for i, c in enumerate(cands)}
    assert X[kinds["percent"], FEATURES.index("rate_percent")] == 1.0
    assert X[kinds["number"], FEATURES.index("rate_other")] == 1.0
    sc = scoring.load()
    i, _, _ = sc.best(p.intent, X)
    assert cands[i].display == "95.5%"


def test_a_total_is_not_a_sum_of_the_figures_that_merely_follow_it():
    # 3 = 2 + 1 by chance: with no 其中 or bracket after it, 3 is an item, not a total
    items = number_items("予以公开9件、部分公开3件、不予公开2件、无法提供1件。")
    p, cands, X = _feats("有几件部分公开？", "予以公开9件、部分公开3件、不予公开2件、无法提供1件。")
    assert len(items) == 4 and not X[:, FEATURES.index("sum_of_items")].any()


def test_shipped_weights_load_and_match_the_features():
    sc = scoring.load()
    assert sc.features == tuple(FEATURES)
    for intent in KINDS:
        m = sc.model(intent)
        assert m.coef.shape == (len(FEATURES),) and 0.0 <= m.threshold <= 1.0


@pytest.mark.parametrize("data, message", [
    ({"features": ["a"], "models": {"*": {"coef": [1.0], "intercept": 0, "threshold": 0.5}}}, "other features"),
    ({"features": FEATURES, "models": {"*": {"coef": [1.0], "intercept": 0, "threshold": 0.5}}}, "weights for"),
    ({"features": FEATURES, "models": {"*": {"coef": [0.0] * len(FEATURES), "intercept": 0, "threshold": 0.5,
                                             "point": [1.0]}}}, "pointwise weights"),
    ({"features": FEATURES, "models": {}, "yesno": {"min_cov": 0.1, "bogus": 1}}, "yes/no thresholds"),
    ({"features": FEATURES, "models": {}, "ordinal": {"w_label": 0.5, "bogus": 1}}, "ordinal weights"),
    ({"features": FEATURES, "models": {}, "ordinal": {"floor": "high"}}, "ordinal weights"),
])
def test_bad_weights_are_typed_errors(tmp_path, data, message):
    f = tmp_path / "w.json"
    f.write_text(json.dumps(data))
    with pytest.raises(ScorerError, match=message):
        scoring.load(f)


def test_shipped_weights_carry_fitted_yesno_thresholds():
    from dataclasses import fields

    from qa.extract import YesNoParams

    sc = scoring.load()
    assert set(sc.yesno) == {f.name for f in fields(YesNoParams)}  # every threshold is fitted, none defaulted
    params = YesNoParams.of(sc.yesno)
    for name, grid in F.YESNO_GRID.items():
        assert getattr(params, name) in grid


def test_engine_abstains_on_yesno_under_the_fitted_floor(hash_service, tmp_path):
    from .conftest import fictional_report

    f = tmp_path / "r.txt"
    f.write_text(fictional_report("青岚理工学院", 3) + "\n本学年学校未收取信息处理费。\n", encoding="utf-8")
    hash_service.ingest([f])
    eng = hash_service.engine()
    q = "青岚理工学院有没有收取信息处理费？"
    shipped = eng.scorer
    try:
        eng.scorer = scoring.Scorer(shipped.features, shipped.models, {**shipped.yesno, "floor": 0.0})
        a = eng.ask(q)
        assert not a.abstained and a.value == "否"
        eng.scorer = scoring.Scorer(shipped.features, shipped.models, {**shipped.yesno, "floor": 5.0})
        assert eng.ask(q).abstained  # no sentence scores 5: the floor is read from the weights
    finally:
        eng.scorer = shipped


def test_fit_yesno_picks_thresholds_that_answer_the_rows():
    from qa.extract import YesNoParams

    def row(q, text, answer, kind="yesno"):
        p = parse(q, InstitutionMatcher([]))
        sents = [Sent("a.txt", 0, len(text), text, 1.0)]
        return F.YNRow({"question": q, "answer": answer, "type": kind}, with_idf(p, sents), sents)

    rows = [row("东江市有没有收取信息处理费？", "东江市未收取信息处理费。", "否"),
            row("西岭区是否收到过信息公开申请？", "西岭区收到信息公开申请3件。", "是"),
            row("南山县有没有开设网上信箱？", "南山县开设了网上信箱。", "是"),
            row("北河市是否设立了听证制度？", "北河市全年举办培训2场。", "", "none")]
    params = YesNoParams.of(F.fit_yesno(rows))
    assert F.yesno_value(rows, params) == 3 + F.NONE_WEIGHT  # all three answered, the none one abstains


def test_shipped_weights_carry_fitted_ordinal_weights_that_round_trip():
    from dataclasses import asdict, fields

    from qa.extract import OrdinalParams

    sc = scoring.load()
    assert set(sc.ordinal) == {f.name for f in fields(OrdinalParams)}  # fitted, none defaulted
    params = OrdinalParams.of(sc.ordinal)
    for name, grid in F.ORDINAL_GRID.items():
        assert getattr(params, name) in grid
    again = scoring.Scorer.from_json(json.loads(json.dumps(sc.to_json())), list(FEATURES))
    assert again.ordinal == sc.ordinal and OrdinalParams.of(again.ordinal) == params
    assert OrdinalParams.of({}) == OrdinalParams() and asdict(OrdinalParams.of({"floor": 0.5}))["floor"] == 0.5


# A report section with two enumerations, each after its label (存在问题：一是…；二是…), as the genre writes them.
_LISTS = ("存在问题：一是网站栏目更新不及时；二是信息员业务能力不足；三是解读材料偏少。"
          "改进措施：一是建立栏目巡查制度；二是开展信息员专题培训。")


def _ord_row(q: str, answer: str, kind: str = "text", text: str = _LISTS):
    from index.textutil import sentences

    p = parse(q, InstitutionMatcher([]))
    sents = [Sent("a.txt", s, e, text[s:e], 0.0) for s, e in sentences(text)]
    return F.OrdRow({"question": q, "answer": answer, "type": kind}, with_idf(p, sents), sents)


@pytest.mark.parametrize("question, item", [
    ("第二个存在问题是什么？", "信息员业务能力不足"),
    ("第三个存在问题是什么？", "解读材料偏少"),
    ("第1项改进措施是什么？", "建立栏目巡查制度"),   # an Arabic ordinal asks the same
    ("第二项改进措施是什么？", "开展信息员专题培训"),  # the second list's 二是, by its own label
    ("第四个存在问题是什么？", None),                # no 四是 in the report
    ("以什么为第一平台？", None),                    # an ordinal without a measure word asks no item
])
def test_answer_ordinal_picks_the_kth_item_of_the_labelled_list(question, item):
    from qa.extract import OrdinalParams, answer_ordinal

    r = _ord_row(question, item or "")
    found = answer_ordinal(r.parsed, r.sents, OrdinalParams(w_label=0.7, floor=0.3))
    if item is None:
        assert found is None
    else:
        assert found.value == item and found.sent.text[found.span[0] - found.sent.start:][:len(item)] == item


def test_answer_ordinal_reads_the_heading_over_a_list_that_opens_its_line():
    from qa.extract import OrdinalParams, answer_ordinal

    text = "五、存在的主要问题\n　　一是网站栏目更新不及时；二是信息员业务能力不足。\n六、其他需要报告的事项\n　　无。"
    r = _ord_row("第二个主要问题是什么？", "信息员业务能力不足", text=text)
    only_label = OrdinalParams(w_label=1.0)
    found = answer_ordinal(r.parsed, r.sents, only_label)
    assert found.value == "信息员业务能力不足" and found.score > 0.5  # 问题 is read from the heading above
    assert answer_ordinal(r.parsed, r.sents[1:], only_label).score == 0.0  # without the heading: no label


@pytest.mark.parametrize("question, label, heading, expected", [
    ("第二项改进措施是什么？", "针对上述问题，学校将采取以下改进措施：", False, 1.0),  # a lead-in names it last
    ("第二项改进措施是什么？", "下一步，学校将重点做好以下工作：", False, 1.0),
    ("第二项改进措施是什么？", "存在的主要问题及改进措施", True, -1.0),  # a heading names first the list under it
    ("第一点不足是什么？", "存在的主要问题及改进措施", True, 1.0),
    ("第一点不足是什么？", "下一步，学校将重点做好以下工作：", False, -1.0),
    ("第二项主要经验是什么？", "存在问题：", False, 0.0),  # the question asks no kind the lexicon knows
    ("第二个存在问题是什么？", "本学年工作取得新进展：", False, 0.0),  # the label names none
])
def test_kind_match_of_question_and_list_label(question, label, heading, expected):
    from qa.extract import kind_match, list_kind

    assert kind_match(question, list_kind(label, heading)) == expected


def test_answer_ordinal_tells_measures_from_problems_under_a_heading_naming_both():
    from qa.extract import OrdinalParams, answer_ordinal

    text = ("六、存在的主要问题及改进措施\n　　一是网站栏目更新不及时；二是信息员业务能力不足。"
            "下一步，学校将重点做好以下工作：一是建立栏目巡查制度；二是开展信息员专题培训。")
    r = _ord_row("第二项改进措施是什么？", "开展信息员专题培训", text=text)
    assert answer_ordinal(r.parsed, r.sents, OrdinalParams(w_label=0.7, w_kind=0.0)).value == "信息员业务能力不足"
    assert answer_ordinal(r.parsed, r.sents, OrdinalParams(w_label=0.7, w_kind=0.5)).value == "开展信息员专题培训"


def test_fit_ordinal_picks_the_best_grid_point():
    from dataclasses import replace
    from itertools import product

    from qa.extract import OrdinalParams

    other = "本学年工作取得新进展：一是完善了制度；二是加强了培训。" + _LISTS
    rows = [_ord_row("第二个存在问题是什么？", "信息员业务能力不足", text=other),
            _ord_row("第一项改进措施是什么？", "建立栏目巡查制度", text=other),
            _ord_row("第二项主要经验是什么？", "", "none", text=other),   # no list of 经验: must abstain
            _ord_row("第二项培训安排是什么？", "", "none", text=other)]
    params = OrdinalParams.of(F.fit_ordinal(rows))
    grid = [OrdinalParams(**dict(zip(F.ORDINAL_GRID, vals))) for vals in product(*F.ORDINAL_GRID.values())]
    best = max(F.ordinal_value(rows, pt) for pt in grid)
    assert F.ordinal_value(rows, params) == best == 2 + 2 * F.NONE_WEIGHT  # both answered, both none abstain
    # a floor of 0 answers the none questions (their best list scores above 0): the fit does not pick it
    assert F.ordinal_value(rows, replace(params, floor=0.0)) < best


def test_engine_answers_the_kth_item_and_abstains_past_the_list(hash_service, tmp_path):
    from .conftest import fictional_report

    f = tmp_path / "r.txt"
    f.write_text(fictional_report("青岚理工学院", 3) + "五、存在的主要问题及改进措施\n　　" + _LISTS + "\n",
                 encoding="utf-8")
    hash_service.ingest([f])
    eng = hash_service.engine()
    a = eng.ask("青岚理工学院的第二个存在问题是什么？")
    assert not a.abstained and a.value == "信息员业务能力不足" and "二是信息员业务能力不足" in a.citations[0].quote
    assert eng.ask("青岚理工学院的第二项改进措施是什么？").value == "开展信息员专题培训"
    assert eng.ask("青岚理工学院的第五个存在问题是什么？").abstained  # a three-item list has no 五是
    shipped = eng.scorer
    try:  # the floor is read from the weights file's "ordinal" entry
        eng.scorer = scoring.Scorer(shipped.features, shipped.models, shipped.yesno, {**shipped.ordinal, "floor": 5.0})
        assert eng.ask("青岚理工学院的第二个存在问题是什么？").value != "信息员业务能力不足"
    finally:
        eng.scorer = shipped


def test_ranker_confidence_reads_the_pointwise_model():
    coef = np.array([1.0, 0.0], dtype=np.float32)
    X = np.array([[2.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    base = scoring.Model(coef, 0.0, 0.5, (0.0, 0.0, 0.0))
    with_point = scoring.Model(coef, 0.0, 0.5, (0.0, 0.0, 0.0), point=np.array([0.0, 0.0], dtype=np.float32),
                               point_intercept=3.0, a_point=1.0)
    assert base.confidence(X) == (0, 0.5)
    i, conf = with_point.confidence(X)
    assert i == 0 and conf == pytest.approx(1 / (1 + np.exp(-3.0)))


def test_missing_weights_file_is_a_typed_error(tmp_path):
    with pytest.raises(ScorerError, match="cannot read"):
        scoring.load(tmp_path / "absent.json")


def test_scorer_picks_the_best_and_applies_the_threshold():
    m = scoring.Model(np.array([2.0, 0.0], dtype=np.float32), -1.0, 0.6)
    sc = scoring.Scorer(("a", "b"), {"*": m})
    X = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    i, p, ok = sc.best("count", X)
    assert i == 1 and abs(p - 1 / (1 + np.exp(-1.0))) < 1e-6 and ok
    assert sc.best("count", X[:1])[2] is False
    assert sc.best("count", X[:0]) == (-1, 0.0, False)


def _rows(n: int, rng) -> list[F.QRows]:
    """Synthetic questions: the right candidate has feature 0 high; ``none`` questions have none."""
    out = []
    d = len(FEATURES)
    for q in range(n):
        X = rng.random((5, d)).astype(np.float32) * 0.3
        y = np.zeros(5, dtype=np.int8)
        none = q % 5 == 0
        if not none:
            X[q % 5, 0] = 1.0
            y[q % 5] = 1
        out.append(F.QRows({"id": f"s{q}", "type": "none" if none else "count"}, "count", X, y))
    return out


def test_fit_learns_the_signal_and_keeps_none_abstaining():
    rows = _rows(60, np.random.default_rng(0))
    sc = F.fit(rows)
    assert sc.model("count").coef[0] > 0
    for r in rows:
        i, p, ok = sc.best("count", r.X)
        if r.gold["type"] == "none":
            assert not ok
        else:
            assert r.y[i] == 1 and ok


def test_folds_file_covers_every_dev_report():
    folds = F.load_folds()
    assert folds["k"] == 5 and set(folds["docs"].values()) == set(range(5))
    for p in list(DEMO.iterdir()) + list((F.ROOT / "eval" / "corpus" / "train").iterdir()):
        assert p.name in folds["docs"]
    for sub in (("seeds",), ("wild_dev", "docs"), ("wild_more", "docs"), ("gov", "docs")):
        for p in shared_path(*sub).iterdir():
            if not p.name.startswith("manifest"):
                assert p.name in folds["docs"], p.name


def test_fold_of_a_question_is_its_reports_fold():
    folds = {"k": 5, "docs": {"a.txt": 3}}
    assert F.fold_of({"doc": "a.txt", "id": "x"}, folds) == 3
    assert F.fold_of({"doc": "", "id": "x"}, folds) == zlib.crc32(b"x") % 5


@pytest.mark.parametrize("kept_in_text", [True, False])
def test_publication_day_comes_from_the_page_date(hash_service, tmp_path, kept_in_text):
    from .conftest import fictional_report

    body = fictional_report("青岚理工学院", 3)
    head, rest = body.split("\n", 1)
    page = f"{head}\n发布时间:2024-10-30\n{rest}" if kept_in_text else f"{head}\n{rest}"
    f = tmp_path / "r.txt"
    f.write_text(page, encoding="utf-8")
    hash_service.ingest([f])
    doc = next(iter(hash_service.engine().docs.values()))
    if not kept_in_text:
        if doc.published:
            pytest.fail("no date was given, yet one was detected")
        a = hash_service.ask("青岚理工学院2023-2024学年信息公开工作年度报告是哪天发布的？")
        assert a.value != "2024-10-30"
        return
    assert doc.published == "2024-10-30"
    a = hash_service.ask("青岚理工学院2023-2024学年信息公开工作年度报告是哪天发布的？")
    assert a.value == "2024-10-30" and "2024-10-30" in a.citations[0].quote
    # an event date is not the publication date
    b = hash_service.ask("青岚理工学院是哪一年成立信息公开领导小组的？")
    assert b.value != "2024-10-30"


# Dates (issue 11 item 5): the statistics period, the events (成立, 印发, 修订, 审议通过) and the page's
# publication date of one invented report are told apart.
_DATED_REPORT = """青岚理工学院2023-2024学年信息公开工作年度报告
发布时间:2024-10-30
本报告所列数据的统计年限自2023年9月1日起,至2024年8月31日止。
学校于2016年3月成立信息公开工作领导小组,组长由校长担任。
2019年5月20日,学校印发《青岚理工学院信息公开实施细则》。
2022年11月,学校修订《青岚理工学院信息公开目录》,新增公开事项12项。
《青岚理工学院依申请公开办法》于2021年6月18日经2021年第七次校长办公会议审议通过。
本学年学校共收到信息公开申请3项,均已按期答复。
"""


@pytest.mark.parametrize("question, value", [
    ("青岚理工学院2023-2024学年报告的统计年限是什么？", "2023年9月1日起,至2024年8月31日止"),
    ("青岚理工学院是什么时候印发信息公开实施细则的？", "2019年5月20日"),
    ("青岚理工学院何时修订信息公开目录？", "2022年11月"),
    ("青岚理工学院2023-2024学年信息公开工作年度报告是哪天发布的？", "2024-10-30"),
    ("青岚理工学院的依申请公开办法是在哪次会议上审议通过的？", "2021年第七次校长办公会议（2021年6月18日）"),
])
def test_periods_events_and_publication_are_told_apart(hash_service, tmp_path, question, value):
    f = tmp_path / "r.txt"
    f.write_text(_DATED_REPORT, encoding="utf-8")
    hash_service.ingest([f])
    a = hash_service.ask(question)
    assert not a.abstained and a.value == value


def test_the_founding_year_is_the_events_not_the_reports(hash_service, tmp_path):
    f = tmp_path / "r.txt"
    f.write_text(_DATED_REPORT, encoding="utf-8")
    hash_service.ingest([f])
    a = hash_service.ask("青岚理工学院是哪一年成立信息公开工作领导小组的？")
    assert not a.abstained and a.value.startswith("2016")


def _pair_rows(doc: str, right: int, n: int = 3) -> list[F.QRows]:
    """``n`` questions of report ``doc``, two candidates each: the one with feature ``right`` set is right."""
    out = []
    for q in range(n):
        X = np.zeros((2, len(FEATURES)), dtype=np.float32)
        X[0, 0] = X[1, 1] = 1.0
        y = np.array([right == 0, right == 1], dtype=np.int8)
        out.append(F.QRows({"id": f"{doc}-{q}", "doc": doc, "type": "count"}, "count", X, y))
    return out


def test_cv_fold_scorers_train_every_fold_on_the_extra_rows_too():
    from eval.run import fold_scorers

    folds = F.load_folds()
    doc1 = next(d for d, f in sorted(folds["docs"].items()) if f == 1)
    rows = _pair_rows(doc1, right=0)  # the run's own questions: all in fold 1
    extra = _pair_rows("own.txt", right=1)  # our corpora's rows: in every fold's training set
    X = rows[0].X
    plain = fold_scorers(rows, [], 5)
    assert plain[1].models == {}  # fold 1's training set is empty without the extra rows
    assert plain[0].best("count", X)[0] == 0
    with_own = fold_scorers(rows, [], 5, extra, [])
    assert with_own[1].best("count", X)[0] == 1  # learnt from the extra rows alone
    assert with_own[1].models != plain[1].models


@pytest.mark.parametrize("asked, expected", [
    (["demo_qa.jsonl", "train_qa.jsonl"], ([], [], [])),  # both own corpora are the questions under CV
])
def test_own_rows_leave_out_the_corpora_being_cross_validated(asked, expected, tmp_path):
    from eval.run import own_rows

    from eval.run import own_names

    files = [str(F.ROOT / "eval" / "corpus" / a) for a in asked]
    assert own_names(files) == ()
    assert own_names(files[:1]) == ("train",) and own_names([]) == ("demo", "train")
    assert own_rows(None, files, tmp_path) == expected
    assert not any(tmp_path.iterdir())  # nothing ingested


def test_training_corpus_gold_is_spans_of_its_reports():
    from eval.run import load_gold

    gold = load_gold([str(F.ROOT / "eval" / "corpus" / "train_qa.jsonl")])
    docs = {p.name: p.read_text(encoding="utf-8") for p in (F.ROOT / "eval" / "corpus" / "train").iterdir()}
    assert len(docs) == 16 and 80 <= len(gold) <= 200
    from qa.extract import ordinal_asked

    kth = [g for g in gold if ordinal_asked(g["question"])]  # the k-th item questions, some to abstain on
    assert 15 <= len(kth) <= 40 and {g["type"] for g in kth} == {"text", "none"}
    for g in gold:
        if g["type"] == "none":
            assert g["doc"] == "" and g["answer"] == ""
            continue
        assert g["evidence"] in docs[g["doc"]], g["id"]
        if g["type"] in ("phone", "email", "text"):
            assert g["answer"] in docs[g["doc"]], g["id"]
    assert "train" in [name for name, _, _ in F.datasets()]


def test_yesno_sentence_penalties_come_from_the_fitted_params():
    from qa.extract import YesNoParams, sentence_score
    from qa.parse import InstitutionMatcher, parse

    p = parse("是否公开了主动公开情况？", InstitutionMatcher([]))
    heading = Sent("d", 0, 8, "二、主动公开情况")
    outline = Sent("d", 0, 40, "全文包括概述、主动公开情况、依申请公开情况、对信息公开的评议情况、举报情况。")
    base = YesNoParams(heading_pen=0.0, outline_pen=0.0)
    assert sentence_score(p, heading, base) - sentence_score(p, heading, YesNoParams(heading_pen=0.7, outline_pen=0.0)) \
        == pytest.approx(0.7)
    assert sentence_score(p, outline, base) - sentence_score(p, outline, YesNoParams(heading_pen=0.0, outline_pen=0.3)) \
        == pytest.approx(0.3)


@pytest.mark.parametrize("question, values", [
    ("学校收到多少件信息公开申请？", ["5"]),        # the outline's 七个部分 is no count of applications
    ("本报告包括几个部分？", ["7"]),
    ("这份报告共分多少个部分？", ["7"]),
])
def test_the_outline_figure_is_a_candidate_only_for_the_report_parts(question, values):
    from qa.reader import rank

    outline = "本报告包括概述、主动公开情况、依申请公开情况、评议情况、举报情况、存在的问题等七个部分。"
    sents = [Sent("d", 0, len(outline), outline, 1.0),
             Sent("d", len(outline), len(outline) + 14, "本学年收到信息公开申请5件。", 0.5)]
    p = with_idf(parse(question, InstitutionMatcher([])), sents)
    cands, X = rank(p, sents, {"d": "2023"})
    assert [c.value for c in cands] == values and X.shape[0] == len(values)
