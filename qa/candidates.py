"""Stage 4 of the reader: every typed span of the candidate sentences.

A candidate is a span of one report sentence with a kind (number, phone, date, office, clause…),
the value it stands for and the clause it sits in. Which candidate answers the question is
decided later, by the fitted scorer over features (qa/features.py, qa/scorer.py); nothing here
looks at the question except to choose which kinds an intent can be answered with.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index import lexicon
from index.metadata import names_in
from index.textutil import fold

from .numbers import find_numbers, to_number


@dataclass(frozen=True)
class Sent:
    """A candidate sentence: doc[start:end] == text; ``ret`` is its retrieval strength (0..1);
    ``dense`` the cosine of the question's vector and the sentence's (the index's sentence part;
    0.0 where there is none, e.g. the facts table at ingest or an index built before it)."""

    doc: str
    start: int
    end: int
    text: str
    ret: float = 0.0
    dense: float = 0.0


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
    rel: str = ""  # what binds a phrase to its slot: a role (组长), a verb (编制), a head noun (制度), a subject

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
    "text": ("org", "url", "wechat", "address", "title", "quoted", "docno", "percent", "clause",
             "holder", "agent", "named", "pred"),
}
ALL_KINDS = tuple(dict.fromkeys(k for ks in KINDS.values() for k in ks))

PHONE = re.compile(r"(?<![\d-])(0\d{2,3}\s*[-－—]?\s*\d{7,8}(?:-\d{1,4})?|1[3-9]\d{9}|\d{4}-\d{7})(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
URL = re.compile(r"(https?://[A-Za-z0-9./_\-?=&%#:~]+|www\.[A-Za-z0-9./_\-]+)")
WECHAT = re.compile(r"(?<![A-Za-z0-9_])(gh_[0-9a-f]{6,16}|[A-Za-z][A-Za-z0-9_-]{5,19})(?![A-Za-z0-9_@.])")
ADDRESS = re.compile(r"[\u4e00-\u9fff]{2,30}?(?:路|街|道|大街|大道)\s*\d+\s*号?(?:[\u4e00-\u9fff0-9]{0,12}(?:楼|室|办公室))?")
TITLE = re.compile(r"《[^《》]{2,50}》")
QUOTED = re.compile(r"[“\"]([^”\"]{2,60})[”\"]")
DOCNO = re.compile(rf"[\u4e00-\u9fff]{{1,10}}[〔\[［(（]\s*{lexicon.YEAR}\s*[〕\]］)）]\s*\d+\s*号")
# A decree's number (教育部令第29号, 国务院令第711号), cited after the regulations in 15 dev reports.
DECREE = re.compile(r"令\s*第\s*\d+\s*号")
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
        m = re.match(rf"({lexicon.YEAR})年?(\d{{1,2}})月(.*)$", t)
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
    # a figure inside a cited title or a document's or decree's number names a document
    # (《…2023年度…》, 教办函〔2014〕23号, 教育部令第29号): it counts nothing
    named = [m.span() for r in (TITLE, DOCNO, DECREE) for m in r.finditer(t)] \
        if want & {"number", "percent", "ordinal"} else []
    if want & {"number", "percent"}:
        for n in find_numbers(t):
            if any(a <= n.start < b for a, b in named):
                continue
            kind = "percent" if n.unit == "%" else "number"
            if kind in want:
                out.append(_mk(kind, n.value if kind == "number" else n.text.strip(), s, n.start, n.end, i, n.unit,
                               NUM_CLAUSE_SPLIT))
    if "ordinal" in want:
        for m in ORDINAL.finditer(f):
            v = to_number(m.group(1))
            if v is not None and not any(a <= m.start() < b for a, b in named):
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
    if "holder" in want:
        for pat in lexicon.HOLDER:
            for m in pat.finditer(f):
                out += _slot("holder", s, m, i, enum=True, inner=False)
    if "agent" in want:
        out += _agents(s, f, i)
    if "named" in want:
        out += _named(s, f, i)
    if "pred" in want:
        out += _predicates(s, f, i)
    if "clause" in want:
        for st, en in clauses(t):
            out.append(Candidate("clause", t[st:en], t[st:en], s, st, en, (st, en), "", i))
    return out


# Part-of-speech flags (jieba) that end a phrase: verbs, prepositions, conjunctions, particles,
# adverbs, pronouns and punctuation. A name never starts with 请与, 由, 现编制 or 的; 各 (各部门) and
# the adverb-like 公开 of 信息公开办公室 (flag ad) stay inside.
_BREAK_FLAGS = ("v", "p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "y", "x", "d", "r", "e", "o", "w", "f")
# Words that join an enumeration of holders or bodies (学校各部门、学院和直属单位) and stay inside it.
_ENUM_WORDS = ("、", "和", "及", "与", "以及", "或")
_KEEP_WORDS = ("各",)


@lru_cache(maxsize=8192)
def words(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """jieba's words of ``text`` with part-of-speech flags: (start, end, word, flag)."""
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    out, pos = [], 0
    for w in pseg.cut(fold(text)):
        word, flag = w.word, w.flag
        if flag.startswith("nr") and len(word) >= 3 and word[0] in _GLUED_PREPS:
            # the tagger glues a preposition to a name it does not know (由青岚 read as a person)
            out.append((pos, pos + 1, word[0], "p"))
            pos, word = pos + 1, word[1:]
        out.append((pos, pos + len(word), word, flag))
        pos += len(word)
    return tuple(out)


_GLUED_PREPS = "由经向与请"


def word_bounds(text: str) -> frozenset[int]:
    """Offsets in ``text`` where a jieba word starts or ends: a span cut elsewhere cuts a word."""
    return frozenset([0] + [e for _, e, _, _ in words(text)])


_BRACKETS = "()（）"


def _breaks(w: str, flag: str, enum: bool) -> bool:
    # a bracketed part belongs to the name (党委(校长)办公室(督查室)); trim_phrase checks the balance
    if w in _KEEP_WORDS or w in _BRACKETS or enum and w in _ENUM_WORDS:
        return False
    return flag in _BREAK_FLAGS or not w.strip() or w in lexicon.NOT_NAME_START


def trim_phrase(text: str, st: int, en: int, enum: bool = False, inner: bool = True) -> tuple[int, int] | None:
    """The phrase inside ``text[st:en]`` snapped to whole words: it starts after the last verb,
    preposition, particle or punctuation word in the span and ends before trailing ones; None when
    ``st``/``en`` fall inside a word at the end or nothing nominal is left. ``enum`` keeps 、和及
    (an enumeration of bodies is one answer); ``inner=False`` cuts only leading and trailing break
    words (a holder keeps its modifier: 分管人事工作的副校长)."""
    ws = [w for w in words(text) if w[1] > st and w[0] < en]
    if not ws or ws[-1][1] != en and not any(w[1] == en for w in ws):
        return None
    ws = [w for w in ws if w[1] <= en]
    while ws and (_breaks(ws[-1][2], ws[-1][3], enum) or ws[-1][2] in _ENUM_WORDS):
        ws.pop()  # nor does it end in a verb or a dangling 和 (由…办公室进行调研和编制)
    if inner:
        k = max((j + 1 for j, w in enumerate(ws) if _breaks(w[2], w[3], enum)), default=0)
        ws = ws[k:]
    while ws and _breaks(ws[0][2], ws[0][3], enum):
        ws = ws[1:]
    while ws and ws[0][2] in _ENUM_WORDS:
        ws = ws[1:]
    if not ws:
        return None
    a, b = max(ws[0][0], st), ws[-1][1]
    # an institution name holding a verb-tagged word (延安大学西安创新学院: 创新/v) is one name: the
    # office's name starts where the institution's does
    a = min([n0 for n0, n1, _ in names_in(fold(text)) if n0 < a <= n1 and n0 >= st], default=a)
    a, b = _balanced(fold(text), a, b)
    return (a, b) if b - a >= 2 else None


def _balanced(f: str, a: int, b: int) -> tuple[int, int]:
    """``f[a:b]`` less an unmatched bracket and what it cuts off (a name never opens 联系(地址)."""
    depth, cut = 0, a
    for k in range(a, b):
        if f[k] in "(（":
            depth += 1
        elif f[k] in ")）":
            if depth == 0:
                cut = k + 1  # a closing bracket with no opening one: the phrase starts after it
            else:
                depth -= 1
    if depth:  # an opening bracket never closed: the phrase ends before the last one
        b = max(k for k in range(cut, b) if f[k] in "(（")
    while b > cut and f[b - 1] in " 、":
        b -= 1
    return cut, b


def _org_spans(text: str) -> list[tuple[int, int]]:
    """Office names, whole words only (所列数据由学校各部 is no office: 部 is inside 部门); an
    enumeration of offices (人事处、财务处、招生办) joined into one span."""
    spans = []
    bounds = word_bounds(text)
    for m in ORG.finditer(fold(text)):
        if m.end() not in bounds:
            continue
        got = trim_phrase(text, m.start(), m.end())
        if got and got[1] - got[0] >= 3:  # 主办, 各部 are no office (人事处 is the shortest)
            spans.append(got)
    joined: list[list[int]] = []
    for st, en in spans:
        if joined and text[joined[-1][1]:st] in ("", "、", "和", "及", "与"):
            joined[-1][1] = en
            joined[-1][2] += 1
        else:
            joined.append([st, en, 1])
    # an enumeration keeps the report's own 等 (人事处、财务处、招生办等职能部门): the list is open
    return [(a, b + 1 if n > 1 and text[b:b + 1] == "等" else b) for a, b, n in joined]


def _slot(kind: str, s: Sent, m: re.Match, i: int, enum: bool = False, inner: bool = True) -> list[Candidate]:
    """The phrase in a pattern's ``x`` group, snapped to whole words, bound by its ``rel`` group."""
    got = trim_phrase(s.text, m.start("x"), m.end("x"), enum, inner)
    if not got:
        return []
    st, en = got
    c = _mk(kind, s.text[st:en], s, st, en, i)
    return [Candidate(c.kind, c.value, c.display, s, st, en, c.clause, "", i, m.group("rel"))]


# What the name of a body ends in: an office suffix, or a unit, school or government body.
_BODY_ENDS = lexicon.OFFICE_SUFFIXES + ("部门", "单位", "学院", "政府", "局", "委")


def _agents(s: Sent, f: str, i: int) -> list[Candidate]:
    """The body a work is done by (由X编制, 由X提供): of the readings of one 由 the longest whose
    phrase ends in a body noun (由新闻发布办公室编制: 发布 there is no act), else the shortest."""
    out = []
    seen: set[int] = set()
    for m in lexicon.AGENT.finditer(f):
        if m.start() in seen:
            continue
        seen.add(m.start())
        _, ce = clause_around(f, m.start())
        best = m
        readings = [mm for mm in (lexicon.AGENT.fullmatch(f, m.start(), e) for e in range(m.end(), ce + 1)) if mm]
        ends = [(mm, trim_phrase(s.text, mm.start("x"), mm.end("x"), True, False)) for mm in readings]
        bodies = [mm for mm, got in ends if got and s.text[:got[1]].endswith(_BODY_ENDS)]
        if bodies:
            best = max(bodies, key=lambda mm: mm.end("x"))
        # 由 and the act verb bound the body: a verb inside it is part of its name (新闻发布办公室),
        # what follows its last body noun is not (由…办公室进行调研和编制)
        got = trim_phrase(s.text, best.start("x"), best.end("x"), True, False)
        if not got:
            continue
        st, en = got
        if not s.text[st:en].endswith(_BODY_ENDS):
            en = max((w[1] for w in words(s.text) if st < w[1] <= en and w[2].endswith(_BODY_ENDS)), default=en)
        c = _mk("agent", s.text[st:en], s, st, en, i)
        out.append(Candidate(c.kind, c.value, c.display, s, st, en, c.clause, "", i, best.group("rel")))
    return out


def _named(s: Sent, f: str, i: int) -> list[Candidate]:
    """Named rules, mechanisms, meetings and platforms (跟班学习制度, 第十三次校长办公会议): the words
    before a head noun of lexicon.HEAD_NOUNS back to a break, less leading verbs (实行保密审查制度 ->
    保密审查制度). A meeting with a dated event in its clause carries the date (会议（2014年7月25日）)."""
    out = []
    ws = words(s.text)
    for j, (a, b, w, flag) in enumerate(ws):
        head = next((h for h in lexicon.HEAD_NOUNS if w.endswith(h)), None)
        if head is None:
            continue
        k = j
        while k > 0 and not _named_break(*ws[k - 1][2:]) and b - ws[k - 1][0] <= 24:
            k -= 1
        while k < j and ws[k][3] in ("v", "ad", "d", "a"):
            k += 1
        st = ws[k][0]
        if b - st < 3:
            continue  # a bare head noun (制度, 会议) names nothing
        c = _mk("named", s.text[st:b], s, st, b, i)
        value = c.value
        if head in ("会议", "办公会议", "办公会", "常委会", "党委会"):
            cs, ce = c.clause
            day = next((d for d in lexicon.DAY.finditer(f, cs, ce) if not st <= d.start() < b), None)
            if day:
                value = f"{value}（{_date_value('day', s.text[day.start():day.end()])}）"
        out.append(Candidate("named", value, c.display, s, st, b, c.clause, "", i, head))
    return out


def _named_break(w: str, flag: str) -> bool:
    """A named rule may hold verbs (跟班学习制度); everything else that ends a phrase ends it."""
    return flag != "v" and _breaks(w, flag, False)


_ENUM_MARK = "一二三四五六七八九十"


def _predicates(s: Sent, f: str, i: int) -> list[Candidate]:
    """What a clause states of its subject (复议结果为维持 -> 维持, bound to 复议结果); a clause that
    opens with 是 states it of the clause before (2018年,是…之年). Not the enumerations 一是…二是."""
    out = []
    t = s.text
    cl = clauses(t)
    for m in lexicon.COPULA.finditer(f):
        rel = m.group("rel")
        if rel[-1] in _ENUM_MARK or not any(w[0] == m.end("rel") and w[2] in ("为", "是") for w in words(t)):
            continue  # 一是…二是 enumerate; 作为, 认为, 成为 hold no copula
        st, en = m.start("x"), m.end("x")
        if find_numbers(t[st:en]) and len(t[st:en].strip()) <= 8:
            continue  # a figure is a count's candidate, not a text answer
        out.append(Candidate("pred", t[st:en], t[st:en], s, st, en, clause_around(t, st), "", i, rel))
    for m in [*lexicon.SERVES_AS.finditer(f), *lexicon.TAKE_AS.finditer(f)]:
        got = trim_phrase(t, m.start("x"), m.end("x"))
        if got:
            st, en = got
            out.append(Candidate("pred", t[st:en], t[st:en], s, st, en, clause_around(t, st), "", i,
                                 m.group("rel")))
    for j, (a, b) in enumerate(cl):
        if j and t[a] == "是" and b - a >= 3:
            pa, pb = cl[j - 1]
            out.append(Candidate("pred", t[a + 1:b], t[a + 1:b], s, a + 1, b, (a, b), "", i, t[pa:pb]))
    return out


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
           "sentence_candidates", "trim_phrase", "word_bounds", "words"]
