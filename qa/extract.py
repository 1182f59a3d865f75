"""Helpers shared by the reader stages (term coverage, outline and heading tests) and the two
answerers that are not candidate ranking: yes/no and the k-th item of an enumeration.

Every value returned is a span of a report sentence; the sentence is the citation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index import lexicon
from index.sections import heading_level
from index.textutil import fold

from .candidates import NUM_CLAUSE_SPLIT as _NUM_CLAUSE_SPLIT, Sent, clause_around
from .numbers import find_numbers
from .parse import GENERIC, Parsed


@dataclass(frozen=True)
class Found:
    value: str
    display: str  # the value as the report writes it (近2000条, 七个部分)
    sent: Sent
    span: tuple[int, int]  # absolute offsets of the value
    score: float


@dataclass(frozen=True)
class YesNoParams:
    """The yes/no answerer's thresholds, fitted on the dev sets' yes/no questions by ``python -m
    eval.fit`` (``fit_yesno``) and saved under "yesno" in qa/reader_weights.json; these defaults are
    only what an older weights file without them gets."""

    min_cov: float = 0.15  # a sentence covering less of the question is not read for a bound figure
    share: float = 0.6  # share of the question's content terms in a figure's clause that binds it
    tail_cov: float = 0.3  # coverage of what a negation governs that makes it deny the question
    clause_cov: float = 0.5  # coverage of a negated clause that makes it deny the question
    w_ret: float = 0.2  # weight of retrieval strength against term coverage in the sentence score
    floor: float = 0.35  # the answer's sentence score under which it abstains
    heading_pen: float = 0.5  # a bare heading (一、概述) states nothing: its sentence score is lowered by this
    outline_pen: float = 0.4  # so is the report's outline (全文包括概述、主动公开…) unless 部分 is asked

    @classmethod
    def of(cls, data: dict | None) -> "YesNoParams":
        """Params from the weights file's "yesno" entry (unknown keys are an error, missing ones default)."""
        return cls(**{k: float(v) for k, v in (data or {}).items()})


NEG = lexicon.NEGATION
_OUTLINE = lexicon.SECTION_NAMES


def is_outline(text: str) -> bool:
    """The sentence listing the report's parts (全文包括概述、主动公开…): it states no facts."""
    return sum(1 for w in _OUTLINE if w in text) >= 4


def idf_weights(terms, sents) -> dict[str, float]:
    """Weights for question terms by rarity among the candidate sentences (rarer terms discriminate)."""
    import math

    n = max(len(sents), 1)
    out = {}
    for t in terms:
        df = sum(1 for s in sents if t in s.text)
        out[t] = 0.5 + math.log(1 + n / (1 + df)) / math.log(1 + n)
    return out


def with_idf(p: Parsed, sents: list[Sent]) -> Parsed:
    """The parsed question carrying idf weights computed over ``sents``."""
    return replace(p, extra={**p.extra, "idf": idf_weights(p.terms, sents)})


def term_weight(t: str, idf: dict | None = None) -> float:
    base = 0.3 if t in GENERIC else 1.0 + 0.1 * min(len(t), 4)
    return base * (idf or {}).get(t, 1.0)


def cov(p: Parsed, text: str) -> float:
    """Coverage of the question's terms in ``text`` with the question's idf weights."""
    return coverage(p.terms, text, p.extra.get("idf"))


def coverage(terms: tuple[str, ...], text: str, idf: dict | None = None) -> float:
    """Weighted share of question terms found in ``text`` (half credit for a part of a long term)."""
    return Coverage(terms, idf)(text)


class Coverage:
    """``coverage(terms, text, idf)`` as a function of ``text``, the terms' weights and variants
    looked up once: the reader asks it of about a hundred spans per report and question."""

    def __init__(self, terms: tuple[str, ...], idf: dict | None = None):
        self.items = [(t, term_weight(t, idf), lexicon.VARIANTS.get(t, ()), len(t) >= 3) for t in terms]
        total = 0.0
        for _, w, _, _ in self.items:  # summed in term order, as the answers were always computed
            total += w
        self.total = total

    def __call__(self, text: str) -> float:
        if not self.items or not self.total:
            return 0.0
        f = fold(text).lower()
        got = 0.0
        for t, w, variants, long in self.items:
            if t in f or any(v in f for v in variants):
                got += w
            elif long and (t[:2] in f or t[-2:] in f):
                got += w * 0.5
        return got / self.total


_TITLE_ITEM = re.compile(r"^[\u4e00-\u9fff、，,（）()]{4,40}(情况|措施|事项|问题)[;；。]?$")


def looks_heading(text: str) -> bool:
    """A heading, or an item of the report's outline (…受到举报、复议、诉讼的情况;): it states nothing."""
    t = text.strip()
    if heading_level(t) is not None and len(t) < 45 and not t.endswith("。"):
        return True
    return bool(_TITLE_ITEM.match(t)) and not NEG.search(t)


def sentence_score(p: Parsed, s: Sent, k: "YesNoParams | None" = None) -> float:
    """How well a sentence covers the question; bare headings and report outlines state nothing
    (the weights are the fitted ``YesNoParams``)."""
    k = k or YesNoParams()
    pen = k.heading_pen if looks_heading(s.text) else 0.0
    if is_outline(s.text) and "部分" not in p.question:
        pen += k.outline_pen
    return (1.0 - k.w_ret) * cov(p, s.text) + k.w_ret * s.ret - pen


def best_sentence(p: Parsed, sents: list[Sent], k: "YesNoParams | None" = None) -> tuple[Sent, float] | None:
    """The sentence that covers the question best (ties go to better retrieval)."""
    scored = [(sentence_score(p, s, k), s) for s in sents]
    if not scored:
        return None
    score, s = max(scored, key=lambda x: x[0])
    return s, score


def answer_yesno(p: Parsed, sents: list[Sent], params: YesNoParams | None = None) -> Found | None:
    """是/否 from the best sentence: 否 when a negation governs the asked thing. The caller abstains
    when the returned score is under ``params.floor``."""
    k = params or YesNoParams()
    bs = best_sentence(p, sents, k)
    if bs is None:
        return None
    s, score = bs
    # a stated positive count (收到举报1件) answers 是 even beside a negated sibling clause,
    # when the count is bound to one of the question's most specific terms
    content = [t for t in p.terms if t not in GENERIC]
    specific = content[-1:]  # the object comes last in Chinese: 收到过信息公开申请吗 -> 申请
    alternatives: list[str] = []
    # alternatives (举报、复议或诉讼): any one of them stated with a positive count means 是
    for m in re.finditer(r"[\u4e00-\u9fff]{2,6}(?:[、/][\u4e00-\u9fff]{2,6})+(?:(?:或|和|及)[\u4e00-\u9fff]{2,6})?", fold(p.question)):
        alternatives += [t for t in p.terms if t in m.group() and t not in GENERIC]
    # a stated zero bound the same way (收取信息处理费0元, 收到申请0件: the genre's tables and
    # 收费 sentences state zeros as numbers in most government reports) answers 否 unless some
    # alternative has a positive count
    zero: Found | None = None
    for c in sorted(sents, key=lambda x: -sentence_score(p, x, k)):
        if cov(p, c.text) < k.min_cov:
            continue
        for n in find_numbers(c.text):
            cs, ce = clause_around(c.text, n.start, _NUM_CLAUSE_SPLIT)
            clause = fold(c.text[cs:ce])
            share = sum(t in clause for t in content) / max(len(content), 1)
            bound = not NEG.search(clause) and (
                any(t in clause for t in alternatives)
                or (any(t in clause for t in specific) and share >= k.share))
            if bound and n.value:
                return Found("是", "是", c, (c.start, c.end), max(score, sentence_score(p, c, k)))
            if bound and zero is None and n.value == 0:
                zero = Found("否", "否", c, (c.start, c.end), max(score, sentence_score(p, c, k)))
    if zero is not None:
        return zero
    f = fold(s.text)
    if is_outline(s.text) or looks_heading(s.text):
        return None  # a list of the report's parts or a heading affirms nothing
    neg = False
    for m in NEG.finditer(f):
        cs, ce = clause_around(f, m.start())
        tail = f[m.start(): ce]
        # the negation governs the asked object (未出现…举报的情况) or most of the question
        if any(t in tail for t in specific + alternatives) or cov(p, tail) >= k.tail_cov or cov(p, f[cs:ce]) >= k.clause_cov:
            neg = True
            break
    value = "否" if neg else "是"
    return Found(value, value, s, (s.start, s.end), score)


@dataclass(frozen=True)
class OrdinalParams:
    """The k-th item answerer's weights (「第二个存在问题是什么」 over 一是…；二是…), fitted on the
    ordinal questions of the fit data by ``python -m eval.fit`` (``fit_ordinal``) and saved under
    "ordinal" in qa/reader_weights.json; these defaults are only what an older weights file without
    them gets (the hand-set weights the answerer had before it was fitted)."""

    w_label: float = 0.7  # weight of the list's label and the item against the whole sentence
    w_kind: float = 0.0  # weight of the list's kind (问题 or 措施, by its label) matching the asked one (+1/-1)
    floor: float = 0.35  # the item's score under which it abstains

    @classmethod
    def of(cls, data: dict | None) -> "OrdinalParams":
        """Params from the weights file's "ordinal" entry (unknown keys are an error, missing ones default)."""
        return cls(**{k: float(v) for k, v in (data or {}).items()})


@dataclass(frozen=True)
class OrdinalItem:
    """The k-th item of one enumeration with what scores it: the question's coverage of its whole
    sentence, of its list's label with the item, and whether the list's kind is the asked one
    (``kind_match``: 1, -1, or 0 when unknown)."""

    found: Found  # score 0: ``ordinal_score`` scores it
    sent_cov: float
    label_cov: float
    kind: float

    def score(self, k: OrdinalParams) -> float:
        return (1.0 - k.w_label) * self.sent_cov + k.w_label * self.label_cov + k.w_kind * self.kind


_CN_DIGITS = "一二三四五六七八九十"
# an item is asked with its measure word (第二个问题, 第三项措施, 第一点不足); 第一平台 (the genre's
# 以门户网站为第一平台) and 第二部分 (a part of the report) are no list's items
_ORDINAL_Q = re.compile(r"第([一二三四五六七八九十]|\d{1,2})(?:个|项|条|点|方面)")
# the ordinal words of a question (第二, 二项, 三点) are not in the report
_ORDINAL_TERM = re.compile(r"^第|^[一二三四五六七八九十](?:个|项|条|点)$")
_LABEL_CHARS = 20  # how much text before a list's 一是 is read as its label (存在问题：, 主要措施如下：)


def ordinal_asked(question: str) -> str | None:
    """The ordinal a question asks as the Chinese digit (第二个… -> 二), or None."""
    m = _ORDINAL_Q.search(fold(question))
    if not m:
        return None
    k = m.group(1)
    if k.isdigit():
        return _CN_DIGITS[int(k) - 1] if 0 < int(k) <= 10 else None
    return k


def list_kind(label: str, heading: bool) -> str:
    """What a list lists by its label (lexicon.LIST_KINDS: 问题 or 措施; "" when the label names
    neither). A lead-in names it last, nearest the list (针对上述问题，学校将采取以下措施：一是…); a
    heading naming both (存在的主要问题及改进措施) names first the list right under it, as the template
    puts the problems before the measures."""
    at = {k: [m.start() for w in words for m in re.finditer(w, label)] for k, words in lexicon.LIST_KINDS.items()}
    at = {k: (min(v) if heading else max(v)) for k, v in at.items() if v}
    if not at:
        return ""
    return (min if heading else max)(at, key=at.get)


def kind_match(question: str, kind: str) -> float:
    """1 when the question asks the list's kind (第二项改进措施 of a list of 措施), -1 when it asks
    another kind, 0 when either is unknown."""
    asked = {k for k, words in lexicon.LIST_KINDS.items() if any(w in question for w in words)}
    if not asked or not kind:
        return 0.0
    return 1.0 if kind in asked else -1.0


def _list_label(sents: list[Sent], j: int, at: int) -> tuple[str, bool]:
    """(label, whether it is a heading) of the list whose 一是 is at ``at`` in ``sents[j]``: the
    text before it in the sentence, or, when the list opens its sentence (a list right under its
    heading: 二、存在的问题 then 一是…), the sentence just before it in the report."""
    s = sents[j]
    before = s.text[max(0, at - _LABEL_CHARS): at]
    if before.strip() or j == 0:
        return before, False
    prev = sents[j - 1]
    if prev.doc == s.doc and 0 <= s.start - prev.end <= 4:  # adjacent in the report, not a gap of the focus
        return prev.text[-_LABEL_CHARS:], True
    return before, False


def ordinal_items(p: Parsed, sents: list[Sent]) -> list[OrdinalItem]:
    """The k-th item (the question's 第k个) of every enumeration (一是…；二是…) in ``sents`` (in report
    order), with its list's label: the text before the list's 一是 (``_list_label``)."""
    k = ordinal_asked(p.question)
    if k is None:
        return []
    marker = re.compile(rf"{k}是([^；;。]+)")
    p = replace(p, terms=tuple(t for t in p.terms if not _ORDINAL_TERM.search(t)))
    asked = fold(p.question)
    out = []
    for i, s in enumerate(sents):
        mm = marker.search(s.text)
        if not mm:
            continue
        label = None
        if k == "一":
            label = _list_label(sents, i, mm.start())
        else:
            j0 = s.text.rfind("一是", 0, mm.start())
            if j0 >= 0:  # the list runs on within one sentence (一是…，二是…)
                label = _list_label(sents, i, j0)
            else:  # the label sits before the list's 一是, a few sentences back
                for j in range(i - 1, max(-1, i - 11), -1):
                    prev = sents[j]
                    j1 = prev.text.find("一是")
                    if prev.doc == s.doc and j1 >= 0:
                        label = _list_label(sents, j, j1)
                        break
        if label is None:
            label = (s.text[max(0, mm.start() - _LABEL_CHARS): mm.start()], False)
        st, en = mm.span(1)
        found = Found(s.text[st:en], s.text[st:en], s, (s.start + st, s.start + en), 0.0)
        out.append(OrdinalItem(found, cov(p, s.text), cov(p, label[0] + mm.group(1)),
                               kind_match(asked, list_kind(*label))))
    return out


def pick_ordinal(items: list[OrdinalItem], params: OrdinalParams | None = None) -> Found | None:
    """The best-scoring item (the first of equals, in report order) with its score."""
    k = params or OrdinalParams()
    best = None
    for it in items:
        sc = it.score(k)
        if best is None or sc > best.score:
            best = replace(it.found, score=sc)
    return best


def answer_ordinal(p: Parsed, sents: list[Sent], params: OrdinalParams | None = None) -> Found | None:
    """「第一个存在问题是什么」: the k-th item of an enumeration (一是…；二是…) whose list label and
    item best match the rest of the question. Its score weighs the label and item against the whole
    sentence, and the list's kind (问题/措施) against the asked one, by the fitted ``params``; the
    caller abstains under ``params.floor``."""
    return pick_ordinal(ordinal_items(p, sents), params)
