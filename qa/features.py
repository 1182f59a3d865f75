"""Stage 5 of the reader: one feature vector per (question, candidate), shared by every intent.

The features say how well the candidate's sentence, clause and neighbours cover the question,
how strongly retrieval found the sentence, whether the candidate's kind and unit agree with what
the question asks, how near the asked head term it sits, and whether it is a total or a
sub-count. How much each one counts is fitted (qa/scorer.py), not set here.
"""
from __future__ import annotations

import math
import re

import jieba
import numpy as np

from index import lexicon
from index.textutil import fold

from .candidates import ALL_KINDS, KINDS, Candidate, Sent, word_bounds, words
from .extract import coverage, is_outline, looks_heading
from .parse import Parsed, head_term

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
]
_HEAD_ABSENT = _BASE.index("head_absent")
_REL, _ECHO, _WHOLE, _AFTER = (_BASE.index(n) for n in ("rel_match", "echo", "whole_words", "sent_after_cov"))
FEATURES = _BASE + [f"kind_{k}" for k in ALL_KINDS]


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
    q = fold(p.question)
    head = head_term(p.question)
    # only the kinds this intent is answered with count (网站 in a count question asks no URL)
    want = wanted_kinds(p.question) & set(KINDS.get(p.intent, KINDS["text"]))
    focus = _focus(p.question, terms)
    q_events = [v for v in lexicon.EVENT_VERBS if v in q]
    q_stat = "period" in want or "统计" in q
    q_total = any(c in q for c in lexicon.TOTAL_CUES)
    q_applications = "申请" in q
    role = next((r for r in lexicon.ROLES if r in q), None)
    role_pat = lexicon.role_holder(role) if role else None
    q_years = set(re.findall(r"(?:19|20)\d{2}", q))
    q_periods = [m.group() for m in lexicon.ACADEMIC_YEAR.finditer(q)]
    text_q = p.intent == "text"
    rank = sorted(range(len(sents)), key=lambda i: -sents[i].ret)
    rank_of = {i: r for r, i in enumerate(rank)}
    sent_cov: dict[int, float] = {}
    neigh_cov: dict[int, float] = {}
    per_clause: dict[tuple[int, tuple[int, int], str], list[int]] = {}
    for c in cands:
        per_clause.setdefault((c.index, c.clause, c.kind), []).append(c.start)
    tok_cache: dict[str, set[str]] = {}
    kind_col = {k: len(_BASE) + j for j, k in enumerate(ALL_KINDS)}
    X = np.zeros((len(cands), len(FEATURES)), dtype=np.float32)
    for r, c in enumerate(cands):
        s, t = c.sent, c.sent.text
        ft = fold(t)
        i = c.index
        if i not in sent_cov:
            sent_cov[i] = coverage(terms, t, idf)
            ctx = "".join(sents[j].text for j in (i - 1, i + 1)
                          if 0 <= j < len(sents) and sents[j].doc == s.doc)
            neigh_cov[i] = coverage(terms, ctx, idf)
        cs, ce = c.clause
        clause = ft[cs:ce]
        x = X[r]
        x[0] = sent_cov[i]
        x[1] = coverage(terms, t[cs:ce], idf)
        x[2] = coverage(terms, t[max(0, cs - 30):c.start], idf)
        x[3] = coverage(terms, t[c.end:ce], idf)
        x[4] = neigh_cov[i]
        x[5] = s.ret
        x[6] = 1.0 if s.ret >= 1.0 else 0.0
        x[7] = 1.0 / (1 + rank_of.get(i, len(sents)))
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
        years = set(re.findall(r"(?:19|20)\d{2}", c.display))
        own = set(re.findall(r"(?:19|20)\d{2}", (doc_years or {}).get(s.doc, "")))
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
        x[30] = coverage(terms, c.display, idf)
        x[31] = coverage(focus, t[max(0, cs - 10):ce + 10], idf) if focus else 0.0
        x[32] = s.start < 200
        x[33] = coverage(terms, t[max(0, c.start - 8):c.start], idf)
        x[34] = coverage(terms, t[c.end:c.end + 8], idf)
        x[35] = _token_cov(terms, t[cs:ce], tok_cache)
        neg = lexicon.NEGATION.search(clause)
        if neg:  # what the negation governs: 未收到…申请 denies the asked thing itself
            x[36] = coverage(terms, t[cs + neg.start():ce], idf)
        x[37] = c.kind == "zero" and q_applications and bool(lexicon.NO_APPLICATIONS.search(clause))
        if role_pat is not None:  # the candidate binds a holder to the asked role
            x[38] = bool(role_pat.search(fold(c.display)))
        if c.rel:
            x[_REL] = _rel_match(c, q, role, terms, q_periods, idf)
        if text_q:
            x[_ECHO] = _echo(c.display, q)
            bounds = word_bounds(t)
            x[_WHOLE] = c.start in bounds and c.end in bounds
        x[_AFTER] = coverage(terms, t[c.end:], idf)
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


def _token_cov(terms: tuple[str, ...], text: str, cache: dict) -> float:
    """Share of the question's terms that are whole words of ``text`` (组长 is not a word of 副组长)."""
    if not terms:
        return 0.0
    if text not in cache:
        cache[text] = set(jieba.lcut(fold(text).lower()))
    words = cache[text]
    return sum(1 for t in terms if t in words) / len(terms)


def _unit(u: str) -> str:
    u = u.lstrip("余").lstrip("万")
    return "部分" if u in ("个部分", "部分") else u


__all__ = ["FEATURES", "featurize", "wanted_kinds"]
