"""Extract an exact answer span from candidate sentences, per intent.

Every value returned is a span of a report sentence; the sentence is the citation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.metadata import PERIOD
from index.sections import heading_level
from index.textutil import fold

from .numbers import find_numbers
from .parse import GENERIC, Parsed, head_term


@dataclass(frozen=True)
class Sent:
    """A candidate sentence: doc[start:end] == text; ``ret`` is its retrieval strength (0..1)."""

    doc: str
    start: int
    end: int
    text: str
    ret: float = 0.0


@dataclass(frozen=True)
class Found:
    value: str
    display: str  # the value as the report writes it (近2000条, 七个部分)
    sent: Sent
    span: tuple[int, int]  # absolute offsets of the value
    score: float


NEG = re.compile(r"(未|没有|无|尚未|不存在|未曾|均未|暂无|并未|没)")
PHONE = re.compile(r"(?<![\d-])(0\d{2,3}\s*[-－—]?\s*\d{7,8}(?:-\d{1,4})?|1[3-9]\d{9}|\d{4}-\d{7})(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
URL = re.compile(r"(https?://[A-Za-z0-9./_\-?=&%#:~]+|www\.[A-Za-z0-9./_\-]+)")
ISO_DATE = re.compile(r"20\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?")
AY = re.compile(r"20\d{2}\s*[-—–]\s*20\d{2}\s*学年(度)?")
YEAR = re.compile(r"20\d{2}\s*年(?!\s*\d{1,2}\s*月)")
ORG = re.compile(r"[\u4e00-\u9fff()（）]{2,24}?(办公室|受理窗口|窗口|处|部|中心|委员会|小组|室|办|科|馆)(?:[(（][\u4e00-\u9fff]{1,10}[)）])?")
BOOK = re.compile(r"《[^《》]{2,40}》")
QUOTED = re.compile(r"[“\"]([^”\"]{2,40})[”\"]")
DOCNO = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\s*20\d{2}\s*[〕\]］)）]\s*\d+\s*号")
_CLAUSE_SPLIT = re.compile(r"[，,；;。：:！!？?]")
_NUM_CLAUSE_SPLIT = re.compile(r"[，,；;。：:！!？?、]")
_OUTLINE = ("概述", "主动公开", "依申请", "评议", "举报", "存在的", "其他需要报告", "改进")


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
    if not terms:
        return 0.0
    f = fold(text).lower()
    got = total = 0.0
    for t in terms:
        w = term_weight(t, idf)
        total += w
        if t in f:
            got += w
        elif len(t) >= 3 and (t[:2] in f or t[-2:] in f):
            got += w * 0.5
    return got / total if total else 0.0


def clause_around(text: str, pos: int, split: re.Pattern = _CLAUSE_SPLIT) -> tuple[int, int]:
    """Bounds of the clause holding ``pos`` (between commas, semicolons and stops)."""
    s = pos
    while s > 0 and not split.match(text[s - 1]):
        s -= 1
    e = pos
    while e < len(text) and not split.match(text[e]):
        e += 1
    return s, e


def _unit_norm(u: str) -> str:
    return "部分" if u in ("个部分", "部分") else u


def best_count(p: Parsed, sents: list[Sent]) -> Found | None:
    """The number bound to the asked quantity, or 0 from an explicit 未收到/没有 statement."""
    best: Found | None = None
    head = head_term(p.question)
    for s in sents:
        scov = cov(p, s.text)
        if scov < 0.25:
            continue
        fs = fold(s.text)
        # the counted thing must be named in the sentence (经费 is not 检查)
        if head and not (head in fs or (len(head) >= 3 and head[-2:] in fs)):
            continue
        outline = -0.3 if is_outline(s.text) and "部分" not in p.question else 0.0
        for n in find_numbers(s.text):
            cs, ce = clause_around(s.text, n.start, _NUM_CLAUSE_SPLIT)
            ctx = s.text[max(cs - 0, 0): n.end]
            # the measured thing sits in the number's clause, mostly before the number
            local = cov(p, ctx)
            prev = s.text[max(0, cs - 30): cs]
            local = max(local, 0.6 * cov(p, prev + ctx))
            local = max(local, 0.8 * cov(p, s.text[cs:ce]))
            if head and head in fold(s.text[cs:ce]):
                local += 0.25  # the counted thing is bound to this number
            unit = 0.0
            if p.unit:
                unit = 0.25 if _unit_norm(n.unit) == _unit_norm(p.unit) else -0.2
            sub = -0.15 if re.match(r"\s*其中", fold(s.text[cs:n.start])) and local < 0.6 else 0.0
            score = 0.35 * scov + 0.5 * local + unit + sub + 0.1 * s.ret + outline
            if best is None or score > best.score:
                best = Found(str(n.value), n.text, s, (s.start + n.start, s.start + n.end), score)
        m = NEG.search(s.text)
        if m and scov >= 0.5:
            cs, ce = clause_around(s.text, m.start())
            if not find_numbers(s.text[cs:ce]):
                local = cov(p, s.text[m.start(): ce])
                score = 0.35 * scov + 0.5 * local + 0.1 * s.ret + (0.1 if p.unit else 0)
                if local >= 0.4 and (best is None or score > best.score):
                    best = Found("0", s.text[cs:ce], s, (s.start + cs, s.start + ce), score)
    zero = implied_zero(p, sents)
    if zero is not None and (best is None or best.score < zero.score):
        return zero
    return best


_NO_APPLICATIONS = re.compile(r"(未|没有|尚未|并未)(收到|受理|接到).{0,12}申请")


def implied_zero(p: Parsed, sents: list[Sent]) -> Found | None:
    """No applications received at all implies 0 for every kind of application (不予公开, 部分公开…)."""
    if "申请" not in p.question:
        return None
    for s in sents:
        m = _NO_APPLICATIONS.search(fold(s.text))
        if m:
            cs, ce = clause_around(s.text, m.start())
            if not find_numbers(s.text[cs:ce]):
                return Found("0", s.text[cs:ce], s, (s.start + cs, s.start + ce), 0.5)
    return None


def _best_pattern(p: Parsed, sents: list[Sent], pattern: re.Pattern, cues: tuple[str, ...],
                  group: int = 0) -> Found | None:
    best = None
    for s in sents:
        scov = cov(p, s.text)
        for m in pattern.finditer(s.text):
            cs, _ = clause_around(s.text, m.start())
            near = fold(s.text[max(0, m.start() - 40): m.start()])
            cue = 0.3 if any(c in near for c in cues) else 0.0
            score = 0.6 * scov + cue + 0.15 * s.ret + 0.1 * cov(p, s.text[max(0, cs - 20): m.end()])
            if best is None or score > best.score:
                st, en = m.span(group)
                best = Found(m.group(group).strip(), m.group(group).strip(), s, (s.start + st, s.start + en), score)
    return best


def best_phone(p: Parsed, sents: list[Sent]) -> Found | None:
    return _best_pattern(p, sents, PHONE, ("电话", "联系", "咨询", "热线", "Tel", "tel"))


def best_email(p: Parsed, sents: list[Sent]) -> Found | None:
    return _best_pattern(p, sents, EMAIL, ("邮箱", "邮件", "E-mail", "email", "信箱"))


_DATE_KINDS = [
    ("day", re.compile(r"哪天|哪一天|日期|什么时候发布|何时发布|发布时间")),
    ("ay", re.compile(r"哪个学年|哪一学年")),
    ("year", re.compile(r"哪一年|哪年|哪个年份")),
]


def date_kind(q: str) -> str:
    """What kind of date a question wants: a day, an academic year, a year, or a period."""
    f = fold(q)
    return next((kind for kind, pat in _DATE_KINDS if pat.search(f)), "period")


def best_date(p: Parsed, sents: list[Sent]) -> Found | None:
    kind = date_kind(p.question)
    if kind == "day":
        found = _best_pattern(p, sents, ISO_DATE, ("发布", "日期", "时间"))
        if re.search(r"落款|签发|成文", p.question):
            # the date line under the signature closes the report
            alone = [s for s in sents if ISO_DATE.fullmatch(fold(s.text).strip())]
            if alone:
                s = max(alone, key=lambda x: x.start)
                return Found(s.text.strip(), s.text.strip(), s, (s.start, s.end), 0.6)
        return found
    if kind == "ay":
        return _best_pattern(p, sents, AY, ())
    if kind == "year":
        return _best_pattern(p, sents, YEAR, ())
    found = []
    for s in sents:
        f = fold(s.text)
        for m in PERIOD.finditer(f):
            if not (m.group(1) and m.group(4)):
                continue
            # a real period has two dates, with months, or a glued date run (202191日至2022831)
            if not (m.group(2) or len(f[m.start(): m.end()]) >= 12):
                continue
            near = f[max(0, m.start() - 15): m.start()]
            cue = 0.3 if re.search(r"期限|时间|起止|周期|统计|数据|根据", near) else 0.0
            score = 0.5 * cov(p, s.text) + cue + 0.15 * s.ret
            found.append(Found(s.text[m.start(): m.end()].strip(), s.text[m.start(): m.end()].strip(), s,
                               (s.start + m.start(), s.start + m.end()), score))
    return max(found, key=lambda x: x.score) if found else None


_TITLE_ITEM = re.compile(r"^[\u4e00-\u9fff、，,（）()]{4,40}(情况|措施|事项|问题)[;；。]?$")


def _looks_heading(text: str) -> bool:
    """A heading, or an item of the report's outline (…受到举报、复议、诉讼的情况;): it states nothing."""
    t = text.strip()
    if heading_level(t) is not None and len(t) < 45 and not t.endswith("。"):
        return True
    return bool(_TITLE_ITEM.match(t)) and not NEG.search(t)


def sentence_score(p: Parsed, s: Sent) -> float:
    """How well a sentence covers the question; bare headings and report outlines state nothing."""
    pen = 0.5 if _looks_heading(s.text) else 0.0
    if is_outline(s.text) and "部分" not in p.question:
        pen += 0.4
    return 0.8 * cov(p, s.text) + 0.2 * s.ret - pen


def best_sentence(p: Parsed, sents: list[Sent]) -> tuple[Sent, float] | None:
    """The sentence that covers the question best (ties go to better retrieval)."""
    scored = [(sentence_score(p, s), s) for s in sents]
    if not scored:
        return None
    score, s = max(scored, key=lambda x: x[0])
    return s, score


def answer_yesno(p: Parsed, sents: list[Sent]) -> Found | None:
    """是/否 from the best sentence: 否 when a negation governs the asked thing."""
    bs = best_sentence(p, sents)
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
    for c in sorted(sents, key=lambda x: -sentence_score(p, x)):
        if cov(p, c.text) < 0.15:
            continue
        for n in find_numbers(c.text):
            cs, ce = clause_around(c.text, n.start, _NUM_CLAUSE_SPLIT)
            clause = fold(c.text[cs:ce])
            share = sum(t in clause for t in content) / max(len(content), 1)
            if n.value and not NEG.search(clause) and (
                    any(t in clause for t in alternatives)
                    or (any(t in clause for t in specific) and share >= 0.6)):
                return Found("是", "是", c, (c.start, c.end), max(score, sentence_score(p, c)))
    f = fold(s.text)
    if is_outline(s.text) or _looks_heading(s.text):
        return None  # a list of the report's parts or a heading affirms nothing
    neg = False
    for m in NEG.finditer(f):
        cs, ce = clause_around(f, m.start())
        tail = f[m.start(): ce]
        # the negation governs the asked object (未出现…举报的情况) or most of the question
        if any(t in tail for t in specific + alternatives) or cov(p, tail) >= 0.3 or cov(p, f[cs:ce]) >= 0.5:
            neg = True
            break
    value = "否" if neg else "是"
    return Found(value, value, s, (s.start, s.end), score)


_LEAD_VERB = re.compile(r"^(依托|协同|联系|请联系|由|是|为|向|经|在|通过|并|和|及|与|负责|设在|设立|成立|建立|我校|学校的|的)+")
ROLE_Q = re.compile(r"(组长|副组长|负责人|主任|牵头人|召集人)")


def _role_spans(q: str, text: str) -> list[tuple[int, int]]:
    m = ROLE_Q.search(fold(q))
    if not m or not re.search(r"谁|哪位|什么人", q):
        return []
    role = m.group(1)
    spans = []
    for pat in (rf"以([\u4e00-\u9fff]{{1,10}}?)为{role}", rf"{role}由([\u4e00-\u9fff]{{1,10}}?)担任",
                rf"([\u4e00-\u9fff]{{1,10}}?)任{role}"):
        for mm in re.finditer(pat, text):
            spans.append(mm.span(1))
    return spans


def _org_spans(q: str, text: str) -> list[tuple[int, int]]:
    spans = []
    for m in ORG.finditer(text):
        st, en = m.span()
        lead = _LEAD_VERB.match(text[st:en])
        if lead and en - st - lead.end() >= 2:
            st += lead.end()
        spans.append((st, en))
    joined: list[tuple[int, int]] = []
    for st, en in spans:  # 档案馆|信息公开受理窗口 written together is one office
        if joined and joined[-1][1] == st:
            joined[-1] = (joined[-1][0], en)
        else:
            joined.append((st, en))
    spans = joined
    if "哪些" in q and spans:
        # an enumeration 人事处、财务处、招生办等 is the answer to 哪些
        merged = [list(spans[0])]
        for st, en in spans[1:]:
            if text[merged[-1][1]:st] in ("、", "，", ","):
                merged[-1][1] = en
            else:
                merged.append([st, en])
        spans = []
        for st, en in merged:
            if text[en:en + 1] == "等":
                en += 1
            spans.append((st, en))
    return spans


def _text_candidates(q: str, text: str) -> list[tuple[int, int]]:
    f = fold(q)
    roles = _role_spans(q, text)
    if roles:
        return roles
    simple = []
    if re.search(r"网址|网站|网页|链接|平台", f):
        simple.append(URL)
    if re.search(r"文号", f):
        simple.append(DOCNO)
    if re.search(r"什么表|哪张表|附表|附了|附件", f):
        simple.append(BOOK)
    if re.search(r"方针|原则|理念|口号", f):
        simple.append(QUOTED)
    for pat in simple:
        spans = [m.span(1) if pat is QUOTED else m.span() for m in pat.finditer(text)]
        if pat is BOOK and "表" in q:
            spans = [sp for sp in spans if "表" in text[sp[0]:sp[1]]]
        if spans:
            return spans
    if re.search(r"部门|机构|办公室|单位|处室", f) and not re.search(r"哪些单位", f):
        return _org_spans(q, text)
    return []


_WH = re.compile(r"哪些|哪个|哪里|什么|如何|怎样|怎么|谁|多少")


def focus_terms(q: str, terms: tuple[str, ...]) -> tuple[str, ...]:
    """Terms right beside the question word (涉及哪些内容 -> 涉及, 内容; 结果如何 -> 结果)."""
    f = fold(q)
    out = []
    for m in _WH.finditer(f):
        window = f[max(0, m.start() - 4): m.end() + 4]
        out += [t for t in terms if t in window and t not in out]
    return tuple(out)


_CN_DIGITS = "一二三四五六七八九十"
_ORDINAL_Q = re.compile(r"第([一二三四五六七八九十]|\d{1,2})(?:个|项|条|点|方面)?")


def answer_ordinal(p: Parsed, sents: list[Sent]) -> Found | None:
    """「第一个存在问题是什么」: the k-th item of an enumeration (一是…；二是…) in the sentence that
    best matches the rest of the question."""
    m = _ORDINAL_Q.search(fold(p.question))
    if not m:
        return None
    k = m.group(1)
    k = _CN_DIGITS[int(k) - 1] if k.isdigit() and 0 < int(k) <= 10 else k
    marker = re.compile(rf"{k}是([^；;。]+)")
    # the ordinal words themselves (第一, 一个) are not in the report
    p = replace(p, terms=tuple(t for t in p.terms if not re.search(r"^第|^[一二三四五六七八九十]个$", t)))
    best = None
    for i, s in enumerate(sents):
        mm = marker.search(s.text)
        if not mm:
            continue
        before = s.text[max(0, mm.start() - 20): mm.start()]  # the label of the list (存在问题：)
        if k != "一":  # the label sits before the list's 一是, a few sentences back
            for prev in reversed(sents[max(0, i - 10):i]):
                j = prev.text.find("一是")
                if prev.doc == s.doc and j >= 0:
                    before = prev.text[max(0, j - 20): j]
                    break
        sc = 0.3 * cov(p, s.text) + 0.7 * cov(p, before + mm.group(1))  # the list's label decides
        if best is None or sc > best.score:
            st, en = mm.span(1)
            best = Found(s.text[st:en], s.text[st:en], s, (s.start + st, s.start + en), sc)
    return best


def answer_text(p: Parsed, sents: list[Sent]) -> Found | None:
    """A short phrase: a URL, office, document number, role holder, quoted motto or the best clause."""
    ordinal = answer_ordinal(p, sents)
    if ordinal is not None and ordinal.score >= 0.3:
        return ordinal
    ranked = sorted(sents, key=lambda s: -sentence_score(p, s))[:8]
    if not ranked:
        return None
    best: Found | None = None
    for s in ranked:
        sc_sent = sentence_score(p, s)
        for st, en in _text_candidates(p.question, s.text):
            cs, ce = clause_around(s.text, st)
            local = (0.7 * cov(p, s.text[cs:max(ce, en)])
                     + 0.3 * cov(p, s.text[max(0, cs - 30): max(ce, en) + 12]))
            before = fold(s.text[max(0, st - 12): st])
            cue = 0.1 if re.search(r"由|是|为|联系|依托|通过|可|在|以", before) else 0.0
            sc = 0.6 * sc_sent + 0.4 * local + cue + 0.15  # a typed match (URL, office, 文号) is evidence
            if best is None or sc > best.score:
                best = Found(s.text[st:en], s.text[st:en], s, (s.start + st, s.start + en), sc)
    if best is not None:
        return best
    s = ranked[0]
    # the clause that holds most of the question's terms
    bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(s.text)] + [len(s.text)]
    clauses = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1) if bounds[i + 1] > bounds[i]]
    focus = focus_terms(p.question, p.terms)
    st, en = max(clauses, key=lambda c: cov(p, s.text[c[0]:c[1]])
                 + (coverage(focus, s.text[c[0]:c[1]], p.extra.get("idf")) if focus else 0.0))
    text = s.text[st:en].rstrip("，,；;。：: ")
    return Found(text, text, s, (s.start + st, s.start + st + len(text)), sentence_score(p, s))
