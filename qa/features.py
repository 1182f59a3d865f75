"""Stage 5 of the reader: one feature vector per (question, candidate), shared by every intent.

The features say how well the candidate's sentence, clause and neighbours cover the question,
how strongly retrieval found the sentence, whether the candidate's kind and unit agree with what
the question asks, how near the asked head term it sits, and whether it is a total or a
sub-count. How much each one counts is fitted (qa/scorer.py), not set here.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import jieba
import numpy as np

from index import lexicon
from index.textutil import fold

from .candidates import ALL_KINDS, KINDS, Candidate, Sent, word_bounds, words
from .extract import Coverage, coverage, is_outline, looks_heading, term_weight
from .numbers import find_numbers
from .parse import QUESTION_WORDS, Parsed, head_term

_BASE = [
    "sent_cov", "clause_cov", "before_cov", "after_cov", "neigh_cov", "retrieval", "retrieval_top",
    "sent_rank", "head_in_clause", "head_before", "head_near", "unit_match", "unit_mismatch",
    "kind_wanted", "kind_unwanted", "label_near", "event_match", "event_other", "stat_cue",
    "stat_wanted", "report_year", "sub_count", "total_cue", "total_wanted", "outline", "heading",
    "first_in_clause", "many_in_clause", "negated_clause", "length", "question_in_span",
    "wh_focus", "doc_head", "tight_before_cov", "tight_after_cov", "clause_token_cov",
    "negation_governs", "no_applications", "role_bound", "head_absent",
    # text answers (issue 11 item 4): the phrase fills the slot the question asks about, it does
    # not repeat the question, it is cut at word boundaries, and what follows it covers the question
    "rel_match", "echo", "whole_words", "sent_after_cov",
    # a figure among several in one sentence: the label bound to it inside its own item
    "label_cov", "label_disc_cov", "head_in_label", "pred_in_item", "head_blocked", "sum_of_items",
    "sum_wanted", "rate_percent", "rate_other", "head_in_other_label", "pred_in_other_item",
    # dense similarity of the question and the candidate's sentence (issue 11): the cosine, and the
    # sentence's rank by it among the sentences read for the question (1/(1+rank)); a gap to the
    # best cosine would add nothing, the ranker compares candidates of one question only
    "dense_sim", "dense_rank",
]
_HEAD_ABSENT = _BASE.index("head_absent")
_REL, _ECHO, _WHOLE, _AFTER = (_BASE.index(n) for n in ("rel_match", "echo", "whole_words", "sent_after_cov"))
_COL = {name: j for j, name in enumerate(_BASE)}
FEATURES = _BASE + [f"kind_{k}" for k in ALL_KINDS]


@dataclass(frozen=True)
class NumberItem:
    """One figure of a sentence and the text bound to it inside its own enumeration item.

    ``left``/``right`` run from the figure to the nearest item delimiter (lexicon.ITEM_DELIMS) or
    the neighbouring figure; ``label`` is what the figure counts: the words after it when there
    are any (2项二级子目录, 227篇为原创推文), else the words before it (本年度办结39件); ``lead`` is
    the lead-in before it, inherited along a chain of items (新增了2项…及12项… share 新增了)."""

    start: int
    end: int
    value: float
    unit: str
    left: str
    right: str
    label: str
    lead: str
    opens_parts: bool = False  # 其中 or a bracket follows it before the next figure (申请44件(其中:…)


_CJK2 = re.compile(r"[\u4e00-\u9fff]{2}")


def number_items(text: str) -> list[NumberItem]:
    """The figures of ``text`` with their items, in order."""
    f = fold(text)
    nums = find_numbers(text)
    cuts = [(m.start(), m.end()) for m in lexicon.ITEM_DELIMS.finditer(f)]
    out: list[NumberItem] = []
    for k, n in enumerate(nums):
        lo = max([b for a, b in cuts if b <= n.start] + [nums[k - 1].end if k else 0, n.start - 24])
        hi = min([a for a, b in cuts if a >= n.end] + [nums[k + 1].start if k + 1 < len(nums) else len(f),
                                                       n.end + 16])
        left, right = f[lo:n.start], f[n.end:hi]
        label = right if _CJK2.search(right) else left
        lead = left
        if not _CJK2.search(left) and out:
            between = f[out[-1].end:n.start]
            if any(d in between for d in lexicon.ITEM_CHAIN) and len(between) <= 20:
                lead = out[-1].lead
        v = float(n.value) if isinstance(n.value, (int, float)) else 0.0
        gap = f[n.end:nums[k + 1].start] if k + 1 < len(nums) else ""
        opens = any(cue in gap for cue in lexicon.SUB_CUES) or "(" in gap
        out.append(NumberItem(n.start, n.end, v, n.unit, left, right, label, lead, opens))
    return out


def _is_sum(items: list[NumberItem], k: int) -> bool:
    """The k-th figure is the sum of two or more figures of the same unit right after it (收到申请
    7项，其中予以公开4项、部分公开1项、不予公开2项) or right before it (…265篇、…69篇、…0篇，共计456篇):
    the genre's total of an enumeration, on either side of its parts."""
    it = items[k]
    if it.value <= 0:
        return False
    for step in ((-1, 1) if it.opens_parts else (-1,)):
        total, parts, j = 0.0, 0, k + step
        while 0 <= j < len(items) and items[j].unit == it.unit:
            total += items[j].value
            parts += 1
            if parts >= 2 and abs(total - it.value) < 1e-6:
                return True
            j += step
    return False


def _pred_in(pred: str, it: NumberItem) -> bool:
    return pred in it.left or pred in it.lead or pred in it.right


_PRED = re.compile(r"([\u4e00-\u9fff]{1,8}?)(?:了|过)?(?:一共|总共|共计|共)?(?:有|是|为|达)?(?:多少|几)")


def question_predicate(question: str) -> str:
    """The verb the question counts by (办结了多少件 -> 办结, 新增了多少项 -> 新增), else ""."""
    m = _PRED.search(fold(question))
    if not m:
        return ""
    toks = [t for t in jieba.lcut(m.group(1)) if len(t) >= 2 and t not in QUESTION_WORDS]
    return toks[-1] if toks else ""


def wanted_kinds(question: str) -> set[str]:
    """The answer kinds a question's wording asks for (lexicon.KIND_CUES)."""
    f = fold(question).lower()
    return {k for k, cues in lexicon.KIND_CUES.items() if any(c in f for c in cues)}


_WH = re.compile(r"哪些|哪个|哪里|什么|如何|怎样|怎么|谁|多少|哪")


def _focus(question: str, terms: tuple[str, ...]) -> tuple[str, ...]:
    """Terms right beside the question word (涉及哪些内容 -> 涉及, 内容)."""
    f = fold(question)
    out: list[str] = []
    for m in _WH.finditer(f):
        window = f[max(0, m.start() - 4): m.end() + 4]
        out += [t for t in terms if t in window and t not in out]
    return tuple(out)


def featurize(p: Parsed, cands: list[Candidate], sents: list[Sent], doc_years: dict[str, str] | None = None
              ) -> np.ndarray:
    """The feature matrix (len(cands) x len(FEATURES)) of the candidates of one question."""
    idf = p.extra.get("idf")
    terms = p.terms
    cov = Coverage(terms, idf)  # the weights once, not once per span
    q = fold(p.question)
    head = head_term(p.question)
    # only the kinds this intent is answered with count (网站 in a count question asks no URL)
    want = wanted_kinds(p.question) & set(KINDS.get(p.intent, KINDS["text"]))
    focus = _focus(p.question, terms)
    cov_focus = Coverage(focus, idf)
    q_events = [v for v in lexicon.EVENT_VERBS if v in q]
    q_stat = "period" in want or "统计" in q
    q_total = any(c in q for c in lexicon.TOTAL_CUES)
    q_applications = "申请" in q
    role = next((r for r in lexicon.ROLES if r in q), None)
    role_pat = lexicon.role_holder(role) if role else None
    q_years = set(re.findall(lexicon.YEAR, q))
    q_periods = [m.group() for m in lexicon.ACADEMIC_YEAR.finditer(q)]
    text_q = p.intent == "text"
    q_rate = any(c in q for c in lexicon.RATE_CUES)
    pred = question_predicate(p.question)
    items_of: dict[int, dict[int, tuple[int, list[NumberItem]]]] = {}
    rank = sorted(range(len(sents)), key=lambda i: -sents[i].ret)
    rank_of = {i: r for r, i in enumerate(rank)}
    dense_of = {i: r for r, i in enumerate(sorted(range(len(sents)), key=lambda i: -sents[i].dense))}
    any_dense = any(s.dense for s in sents)  # no sentence vectors: both features stay 0
    sent_cov: dict[int, float] = {}
    neigh_cov: dict[int, float] = {}
    per_clause: dict[tuple[int, tuple[int, int], str], list[int]] = {}
    for c in cands:
        per_clause.setdefault((c.index, c.clause, c.kind), []).append(c.start)
    tok_cache: dict[str, set[str]] = {}
    folded: dict[int, str] = {}
    kind_col = {k: len(_BASE) + j for j, k in enumerate(ALL_KINDS)}
    X = np.zeros((len(cands), len(FEATURES)), dtype=np.float32)
    for r, c in enumerate(cands):
        s, t = c.sent, c.sent.text
        ft = folded.get(c.index)
        if ft is None:
            ft = folded[c.index] = fold(t)
        i = c.index
        if i not in sent_cov:
            sent_cov[i] = cov(t)
            ctx = "".join(sents[j].text for j in (i - 1, i + 1)
                          if 0 <= j < len(sents) and sents[j].doc == s.doc)
            neigh_cov[i] = cov(ctx)
        cs, ce = c.clause
        clause = ft[cs:ce]
        x = X[r]
        x[0] = sent_cov[i]
        x[1] = cov(t[cs:ce])
        x[2] = cov(t[max(0, cs - 30):c.start])
        x[3] = cov(t[c.end:ce])
        x[4] = neigh_cov[i]
        x[5] = s.ret
        x[6] = 1.0 if s.ret >= 1.0 else 0.0
        x[7] = 1.0 / (1 + rank_of.get(i, len(sents)))
        x[_COL["dense_sim"]] = s.dense
        if any_dense:
            x[_COL["dense_rank"]] = 1.0 / (1 + dense_of.get(i, len(sents)))
        if head:
            x[8] = head in clause
            x[9] = head in ft[cs:c.start]
            pos = [m.start() for m in re.finditer(re.escape(head), ft)]
            if pos:
                d = min(abs(c.start - (pp + len(head))) for pp in pos)
                x[10] = math.exp(-d / 12.0)
            else:  # the asked thing is not named in the sentence at all (收到申请2项 for 不予公开的申请)
                x[_HEAD_ABSENT] = 1.0
        if p.unit and c.unit:
            same = _unit(c.unit) == _unit(p.unit)
            x[11] = same
            x[12] = not same
        x[13] = c.kind in want
        x[14] = bool(want) and c.kind not in want
        labels = lexicon.KIND_LABELS.get(c.kind, ())
        near = ft[max(0, c.start - 12):c.start].lower()
        x[15] = any(lb in near for lb in labels)
        if q_events:
            x[16] = any(v in ft for v in q_events)
            x[17] = any(v in clause for v in lexicon.EVENT_VERBS if v not in q_events)
        x[18] = any(cue in ft[max(0, c.start - 20):c.start] for cue in lexicon.PERIOD_CUES)
        x[19] = x[18] * q_stat
        years = set(re.findall(lexicon.YEAR, c.display))
        own = set(re.findall(lexicon.YEAR, (doc_years or {}).get(s.doc, "")))
        x[20] = bool(years) and bool(years & (q_years | own))
        before = ft[cs:c.start]
        x[21] = any(cue in before for cue in lexicon.SUB_CUES) or ("(" in before and ")" not in before)
        x[22] = any(cue in ft[max(cs, c.start - 4):c.start] for cue in lexicon.TOTAL_CUES)
        x[23] = x[22] * q_total
        x[24] = is_outline(t)
        x[25] = looks_heading(t)
        starts = per_clause[(i, c.clause, c.kind)]
        x[26] = c.start == min(starts)
        x[27] = math.log(len(starts))
        x[28] = bool(lexicon.NEGATION.search(clause))
        x[29] = min(len(c.display), 60) / 60.0
        x[30] = cov(c.display)
        x[31] = cov_focus(t[max(0, cs - 10):ce + 10]) if focus else 0.0
        x[32] = s.start < 200
        x[33] = cov(t[max(0, c.start - 8):c.start])
        x[34] = cov(t[c.end:c.end + 8])
        x[35] = _token_cov(terms, t[cs:ce], tok_cache)
        neg = lexicon.NEGATION.search(clause)
        if neg:  # what the negation governs: 未收到…申请 denies the asked thing itself
            x[36] = cov(t[cs + neg.start():ce])
        x[37] = c.kind == "zero" and q_applications and bool(lexicon.NO_APPLICATIONS.search(clause))
        if role_pat is not None:  # the candidate binds a holder to the asked role
            x[38] = bool(role_pat.search(fold(c.display)))
        if c.rel:
            x[_REL] = _rel_match(c, q, role, terms, q_periods, idf)
        if text_q:
            x[_ECHO] = _echo(c.display, q)
            bounds = word_bounds(t)
            x[_WHOLE] = c.start in bounds and c.end in bounds
        x[_AFTER] = cov(t[c.end:])
        if c.kind in ("number", "percent"):
            if i not in items_of:
                its = number_items(t)
                items_of[i] = {it.start: (k, its) for k, it in enumerate(its)}
            hit = items_of[i].get(c.start)
            if hit is not None:
                k, its = hit
                it = its[k]
                x[_COL["label_cov"]] = cov(it.label)
                # the terms that tell the sentence's figures apart (in some labels, not in all): the
                # weighted share of them this figure's label holds (三级 of 12项三级子目录 beside 2项二级子目录)
                labs = [fold(o.label) for o in its]
                disc = [tm for tm in terms if any(tm in lb for lb in labs) and not all(tm in lb for lb in labs)]
                if disc:
                    wsum = sum(term_weight(tm, idf) for tm in disc)
                    x[_COL["label_disc_cov"]] = sum(term_weight(tm, idf) for tm in disc if tm in labs[k]) / wsum
                x[_COL["head_in_label"]] = bool(head) and head in it.label
                x[_COL["pred_in_item"]] = bool(pred) and _pred_in(pred, it)
                total = _is_sum(its, k)
                x[_COL["sum_of_items"]] = total
                x[_COL["sum_wanted"]] = total and q_total
                # the asked thing or the asked verb is bound to another figure of the sentence, not this
                # one (a total's parts name what the total counts, so they do not count against it)
                x[_COL["head_in_other_label"]] = not total and bool(head) and head not in it.label and any(
                    head in o.label for j, o in enumerate(its) if j != k)
                x[_COL["pred_in_other_item"]] = not total and bool(pred) and not x[_COL["pred_in_item"]] and any(
                    _pred_in(pred, o) for j, o in enumerate(its) if j != k)
                if head and head not in it.left + it.right:
                    # the asked thing is named earlier in the sentence, but another figure claims it first
                    hp = ft.rfind(head, 0, c.start)
                    x[_COL["head_blocked"]] = hp >= 0 and any(hp < o.start < c.start for o in its)
        if q_rate:
            x[_COL["rate_percent"]] = c.kind == "percent"
            x[_COL["rate_other"]] = c.kind != "percent"
        x[kind_col[c.kind]] = 1.0
    return X


def _rel_match(c: Candidate, q: str, role: str | None, terms, q_periods: list[str], idf) -> float:
    """Whether the slot a phrase fills is the one asked: its role is the asked role (组长, not
    副组长), its verb or head noun is in the question (由谁编制, 什么制度, 哪次会议), or its subject
    covers the question (复议结果如何 -> 复议结果为维持; 怎样形容2018学年 -> 2018学年,是…)."""
    if c.kind == "holder":
        return float(role is not None and c.rel == role)
    if c.kind == "pred":
        if any(y in fold(c.rel) for y in q_periods):
            return 1.0
        return coverage(terms, c.rel, idf)
    return float(c.rel in q)


def _echo(display: str, q: str) -> float:
    """Whether the question already says every word (two characters or more) of the candidate:
    the office a question names (…办公室的地址在哪里) is its subject, not its answer."""
    ws = [w for _, _, w, _ in words(display) if len(w) >= 2]
    return float(bool(ws) and all(w in q for w in ws))


@functools.lru_cache(maxsize=16384)
def _words(text: str) -> frozenset[str]:
    # Memoised across questions: jieba is the reader's largest cost, and the genre's template
    # sentences recur in every report of a list question.
    return frozenset(jieba.lcut(text))


def _token_cov(terms: tuple[str, ...], text: str, cache: dict) -> float:
    """Share of the question's terms that are whole words of ``text`` (组长 is not a word of 副组长)."""
    if not terms:
        return 0.0
    if text not in cache:
        cache[text] = _words(fold(text).lower())
    words = cache[text]
    return sum(1 for t in terms if t in words) / len(terms)


def _unit(u: str) -> str:
    u = u.lstrip("余").lstrip("万")
    return "部分" if u in ("个部分", "部分") else u


__all__ = ["FEATURES", "NumberItem", "featurize", "number_items", "question_predicate", "wanted_kinds"]
