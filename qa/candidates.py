"""Stage 4 of the reader: every typed span of the candidate sentences.

A candidate is a span of one report sentence with a kind (number, phone, date, office, clause…),
the value it stands for and the clause it sits in. Which candidate answers the question is
decided later, by the fitted scorer over features (qa/features.py, qa/scorer.py); nothing here
looks at the question except to choose which kinds an intent can be answered with.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index import lexicon
from index.textutil import fold

from .numbers import find_numbers, to_number


@dataclass(frozen=True)
class Sent:
    """A candidate sentence: doc[start:end] == text; ``ret`` is its retrieval strength (0..1)."""

    doc: str
    start: int
    end: int
    text: str
    ret: float = 0.0


@dataclass(frozen=True)
class Candidate:
    """A typed span: ``sent.text[start:end]`` is what the report writes (``display``)."""

    kind: str
    value: str  # the bare value (digits for numbers, ISO-ish date text, the phrase itself)
    display: str
    sent: Sent
    start: int  # offsets inside sent.text
    end: int
    clause: tuple[int, int]  # the clause holding the span, offsets inside sent.text
    unit: str = ""
    index: int = 0  # position of the sentence in the candidate-sentence list

    @property
    def span(self) -> tuple[int, int]:
        """Absolute offsets of the span in the report's cleaned text."""
        return self.sent.start + self.start, self.sent.start + self.end


# Kinds each intent can be answered with.
KINDS = {
    "count": ("number", "percent", "zero", "ordinal"),
    "phone": ("phone", "fax"),
    "email": ("email",),
    "date": ("day", "month", "year", "ay", "period"),
    "text": ("org", "url", "wechat", "address", "title", "quoted", "docno", "percent", "clause"),
}
ALL_KINDS = tuple(dict.fromkeys(k for ks in KINDS.values() for k in ks))

PHONE = re.compile(r"(?<![\d-])(0\d{2,3}\s*[-－—]?\s*\d{7,8}(?:-\d{1,4})?|1[3-9]\d{9}|\d{4}-\d{7})(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
URL = re.compile(r"(https?://[A-Za-z0-9./_\-?=&%#:~]+|www\.[A-Za-z0-9./_\-]+)")
WECHAT = re.compile(r"(?<![A-Za-z0-9_])(gh_[0-9a-f]{6,16}|[A-Za-z][A-Za-z0-9_-]{5,19})(?![A-Za-z0-9_@.])")
ADDRESS = re.compile(r"[\u4e00-\u9fff]{2,30}?(?:路|街|道|大街|大道)\s*\d+\s*号?(?:[\u4e00-\u9fff0-9]{0,12}(?:楼|室|办公室))?")
TITLE = re.compile(r"《[^《》]{2,50}》")
QUOTED = re.compile(r"[“\"]([^”\"]{2,60})[”\"]")
DOCNO = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*\d+\s*号")
ORG = re.compile(rf"[\u4e00-\u9fff()（）]{{2,24}}?(?:{'|'.join(lexicon.OFFICE_SUFFIXES)})"
                 r"(?:[(（][\u4e00-\u9fff]{1,10}[)）])?")
ORDINAL = re.compile(r"第\s*([一二三四五六七八九十百]{1,4}|\d{1,3})\s*(次|届|个|项|批|期|号)")
CLAUSE_SPLIT = re.compile(r"[，,；;。：:！!？?]")
NUM_CLAUSE_SPLIT = re.compile(r"[，,；;。：:！!？?、]")


def clause_around(text: str, pos: int, split: re.Pattern = CLAUSE_SPLIT) -> tuple[int, int]:
    """Bounds of the clause holding ``pos`` (between commas, semicolons and stops)."""
    s = pos
    while s > 0 and not split.match(text[s - 1]):
        s -= 1
    e = pos
    while e < len(text) and not split.match(text[e]):
        e += 1
    return s, e


def clauses(text: str) -> list[tuple[int, int]]:
    """The clauses of a sentence, trimmed of blanks and closing punctuation."""
    out = []
    bounds = [0] + [m.end() for m in CLAUSE_SPLIT.finditer(text)] + [len(text)]
    for a, b in zip(bounds, bounds[1:]):
        while a < b and (text[a].isspace() or text[a] in "“\"(（"):
            a += 1
        while b > a and (text[b - 1].isspace() or CLAUSE_SPLIT.match(text[b - 1]) or text[b - 1] in "”\")）"):
            b -= 1
        if b - a >= 2:
            out.append((a, b))
    return out


def _date_value(kind: str, span: str) -> str:
    """A date as the report writes it, with 年 restored where web extraction glued it away
    (20126月 -> 2012年6月)."""
    t = re.sub(r"\s+", "", span)
    if kind == "month":
        m = re.match(r"((?:19|20)\d{2})年?(\d{1,2})月(.*)$", t)
        if m:
            return f"{m.group(1)}年{int(m.group(2))}月{m.group(3)}"
    return t


def _mk(kind, value, s: Sent, st: int, en: int, i: int, unit: str = "", split=CLAUSE_SPLIT) -> Candidate:
    return Candidate(kind, str(value), s.text[st:en], s, st, en, clause_around(s.text, st, split), unit, i)


def sentence_candidates(s: Sent, kinds: tuple[str, ...], i: int = 0) -> list[Candidate]:
    """Every span of the given kinds in one sentence."""
    t = s.text
    f = fold(t)
    out: list[Candidate] = []
    want = set(kinds)
    if want & {"number", "percent"}:
        for n in find_numbers(t):
            kind = "percent" if n.unit == "%" else "number"
            if kind in want:
                out.append(_mk(kind, n.value if kind == "number" else n.text.strip(), s, n.start, n.end, i, n.unit,
                               NUM_CLAUSE_SPLIT))
    if "ordinal" in want:
        for m in ORDINAL.finditer(f):
            v = to_number(m.group(1))
            if v is not None:
                out.append(_mk("ordinal", v, s, m.start(), m.end(), i, m.group(2), NUM_CLAUSE_SPLIT))
    if "zero" in want:
        # 未收到/没有发生… with no figure in its clause states a count of 0
        for m in lexicon.ZERO_STATEMENT.finditer(f):
            cs, ce = clause_around(t, m.start())
            if not find_numbers(t[cs:ce]):
                out.append(Candidate("zero", "0", t[cs:ce], s, cs, ce, (cs, ce), "", i))
    phones = []
    if want & {"phone", "fax"}:
        for m in PHONE.finditer(f):
            near = f[max(0, m.start() - 8): m.start()].lower()
            kind = "fax" if any(c in near for c in lexicon.KIND_LABELS["fax"]) else "phone"
            phones.append(m.span())
            out.append(_mk(kind, m.group().strip(), s, m.start(), m.end(), i))
    if "email" in want:
        for m in EMAIL.finditer(f):
            out.append(_mk("email", m.group(), s, m.start(), m.end(), i))
    if want & {"day", "month", "year", "ay", "period"}:
        out += _dates(s, f, want, i)
    if "url" in want:
        for m in URL.finditer(f):
            out.append(_mk("url", m.group().rstrip("./"), s, m.start(), m.end(), i))
    if "wechat" in want:
        for m in WECHAT.finditer(f):
            near = f[max(0, m.start() - 12): m.start()]
            if any(c in near for c in lexicon.KIND_LABELS["wechat"]) and not URL.search(f[max(0, m.start() - 8): m.end()]):
                out.append(_mk("wechat", m.group(), s, m.start(), m.end(), i))
    if "address" in want:
        for m in ADDRESS.finditer(f):
            st = m.start()
            lab = re.search(r"(地址|地点|位于)\s*[:：为是]?\s*", f[max(0, st - 40): m.end()])
            if lab:  # the address starts right after its label (地址:湖北省…), not at the clause start
                st = max(0, st - 40) + lab.end()
            out.append(_mk("address", t[st:m.end()], s, st, m.end(), i))
    if "title" in want:
        for m in TITLE.finditer(t):
            out.append(_mk("title", m.group(), s, m.start(), m.end(), i))
    if "quoted" in want:
        for m in QUOTED.finditer(f):
            out.append(_mk("quoted", t[m.start(1):m.end(1)], s, m.start(1), m.end(1), i))
    if "docno" in want:
        for m in DOCNO.finditer(t):
            out.append(_mk("docno", m.group(), s, m.start(), m.end(), i))
    if "org" in want:
        for st, en in _org_spans(t):
            out.append(_mk("org", t[st:en], s, st, en, i))
    if "clause" in want:
        for st, en in clauses(t):
            out.append(Candidate("clause", t[st:en], t[st:en], s, st, en, (st, en), "", i))
    return out


def _org_spans(text: str) -> list[tuple[int, int]]:
    """Office names; an enumeration of offices (人事处、财务处、招生办) joined into one span."""
    spans = [m.span() for m in ORG.finditer(text)]
    joined: list[list[int]] = []
    for st, en in spans:
        if joined and text[joined[-1][1]:st] in ("", "、", "和", "及", "与"):
            joined[-1][1] = en
        else:
            joined.append([st, en])
    return [(a, b) for a, b in joined]


def _dates(s: Sent, f: str, want: set[str], i: int) -> list[Candidate]:
    out = []
    taken: list[tuple[int, int]] = []
    if "period" in want:
        for m in lexicon.PERIOD.finditer(f):
            if not (m.group(1) and m.group(4)):
                continue
            # a real period has two dated ends (with months) or a glued date run (202191日至2022831)
            if not (m.group(2) or len(f[m.start(): m.end()]) >= 12):
                continue
            st, en = m.start(), m.end()
            while en > st and f[en - 1] in " ,，":
                en -= 1
            taken.append((st, en))
            out.append(_mk("period", _date_value("period", s.text[st:en]), s, st, en, i))
        for m in lexicon.ACADEMIC_YEAR.finditer(f):
            if int(m.group(2)) == int(m.group(1)) + 1 and "ay" in want:
                out.append(_mk("ay", s.text[m.start():m.end()], s, m.start(), m.end(), i))
    elif "ay" in want:
        for m in lexicon.ACADEMIC_YEAR.finditer(f):
            out.append(_mk("ay", s.text[m.start():m.end()], s, m.start(), m.end(), i))

    def free(a, b):
        return not any(x <= a < y or x < b <= y for x, y in taken)

    for kind, pat in (("day", lexicon.DAY), ("month", lexicon.MONTH), ("year", lexicon.CALENDAR_YEAR)):
        if kind not in want:
            continue
        for m in pat.finditer(f):
            if kind == "day" and not (1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31):
                continue
            if not free(*m.span()):
                continue
            taken.append(m.span())
            out.append(_mk(kind, _date_value(kind, s.text[m.start():m.end()]), s, m.start(), m.end(), i))
    return out


def candidates(intent: str, sents: list[Sent]) -> list[Candidate]:
    """Every candidate of the kinds ``intent`` is answered with, over all ``sents``."""
    kinds = KINDS.get(intent, KINDS["text"])
    out = []
    for i, s in enumerate(sents):
        out += sentence_candidates(s, kinds, i)
    return out


__all__ = ["ALL_KINDS", "Candidate", "KINDS", "Sent", "candidates", "clause_around", "clauses",
           "sentence_candidates"]
