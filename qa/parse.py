"""Understand a question: intent, the institutions and years it names, and its key terms."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import jieba

from index.metadata import SUFFIXES
from index.textutil import fold
from index.tokenize import tokenize

INTENTS = ("count", "phone", "email", "date", "yesno", "text", "list", "superlative", "compare", "practice")

# Words that say what kind of answer is wanted; they are not evidence terms.
QUESTION_WORDS = set("""多少 几 几个 几次 几项 几条 几部分 数量 是否 有没有 有无 吗 呢 什么 哪个 哪些 哪所 哪家 哪段 哪天
哪一年 哪年 哪里 哪 谁 怎样 怎么 如何 请问 一共 共 总共 分别 了 过 是 的 一 应该 应 可以 能 从 在 由 打 下载
本 该 年度 学年 学年度 报告 年度报告 信息公开报告 其 情况 多 么 样 方面""".split())
GENERIC = {"信息", "公开", "信息公开", "学校", "工作", "情况", "年度", "学年", "报告", "我校", "学院", "大学", "全校"}


@dataclass(frozen=True)
class Parsed:
    question: str
    intent: str
    institutions: tuple[str, ...] = ()
    unknown_institutions: tuple[str, ...] = ()
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()
    years: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    unit: str = ""
    negated_topic: str = ""
    extra: dict = field(default_factory=dict)


_T2S = None


def to_simplified(text: str) -> str:
    """Traditional characters mapped to simplified (OpenCC t2s), so 重慶理工大學 finds 重庆理工大学."""
    global _T2S
    if _T2S is None:
        from opencc import OpenCC

        _T2S = OpenCC("t2s")
    return _T2S.convert(text)


# First match wins, so the order matters: practice and cross-report phrasings before the
# single-fact types, phone before count (电话是多少), count before yes/no (有多少…吗).
_INTENT_RULES = [
    ("practice", re.compile(r"(其他|别的|各|兄弟|同类)(学校|高校|院校).{0,10}(怎样|怎么|如何|做法|经验|举措|措施)"
                            r"|怎样做|怎么做|如何做|有哪些做法|经验做法|好的做法")),
    ("compare", re.compile(r"比较|对比|各校.{0,12}(情况|分别)")),
    ("list", re.compile(r"哪些(学校|高校|院校)|哪几所")),
    ("superlative", re.compile(r"哪(所|个|家)(学校|高校|单位|院校).{0,20}(最多|最少|最高|最低)|(最多|最少)的是哪")),
    ("phone", re.compile(r"(电话|热线)(号码)?\s*(是|为)?\s*(多少|什么)|哪个电话|什么电话|联系方式|电话号码|电话[?？]?$")),
    ("email", re.compile(r"邮箱|电子邮件|e-?mail|邮件地址", re.I)),
    ("count", re.compile(r"多少|几(个|项|条|件|次|期|批|起|场|份|篇|部分|名|所|门|类|家|人|封|例)|数量|几部分|几个部分")),
    ("date", re.compile(r"期限|期间|时间段|哪段|起止|哪天|哪一天|什么时候|何时|日期|哪一年|哪年|哪个学年|统计时间"
                        r"|统计数据.{0,3}时间")),
    ("yesno", re.compile(r"吗[?？]?$|是否|有没有|有无|是不是")),
]


def detect_intent(q: str) -> str:
    """The answer type a question asks for."""
    f = fold(q)
    return next((intent for intent, pat in _INTENT_RULES if pat.search(f)), "text")


def question_unit(q: str) -> str:
    """The counting unit a question asks with (多少项 -> 项, 几个部分 -> 部分)."""
    f = fold(q)
    m = re.search(r"(?:多少|几)\s*(个部分|部分|人次|批次|项|条|件|次|个|期|批|起|场|份|篇|名|所|门|类|家|人|封)", f)
    if m:
        u = m.group(1)
        return "部分" if u == "个部分" else u
    return ""


_NAME_IN_Q = re.compile(rf"[\u4e00-\u9fffX]{{2,16}}?(?:{'|'.join(SUFFIXES)})")
_Q_LEAD = re.compile(r"^(那么|那|请问|问|关于|对于|对|和|与|跟|比较|在|据)+")
_NOT_NAMES = ("哪", "其他", "各", "本", "该", "所有", "全部", "兄弟", "同类", "每", "这", "那些", "一些")


def _abbrev_of(alias: str, name: str, words: list[str] | None = None) -> bool:
    """True when ``alias`` abbreviates ``name``: an ordered subsequence starting in its first two
    characters and spanning at least two of its words (湖工商 -> 湖南工商大学, 国科大 -> 中国科学院大学)."""
    if len(alias) < 3 or alias == name or alias[0] not in name[:2]:
        return False
    words = words if words is not None else jieba.lcut(name)
    owner = []
    for i, w in enumerate(words):
        owner.extend([i] * len(w))
    pos, used = 0, set()
    for ch in alias:
        idx = name.find(ch, pos)
        if idx < 0:
            return False
        used.add(owner[idx])
        pos = idx + 1
    return len(used) >= 2


def _stem(name: str) -> str:
    for suf in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


def head_term(q: str) -> str:
    """The counted thing: 多少项信息公开申请 -> 申请, 召开了多少次党委会 -> 党委会, 专项经费是多少 -> 经费."""
    f = fold(q)
    m = re.search(r"(?:多少|几)(?:个部分|人次|批次|[项条件次个期批起场份篇名所门类家人封例])?\s*([\u4e00-\u9fff]{2,14})", f)
    phrase = m.group(1) if m else ""
    if not phrase or re.match(r"(吗|呢|是|的|了)", phrase):
        m = re.search(r"([\u4e00-\u9fff]{2,10}?)(?:一共|总共|共)?(?:是|有|为|达)?(?:多少|几)", f)
        phrase = m.group(1) if m else ""
    toks = [t for t in jieba.lcut(phrase) if len(t) >= 2 and t not in QUESTION_WORDS and t not in GENERIC]
    return toks[-1] if toks else ""


class InstitutionMatcher:
    """Recognise indexed institutions in a question by full name, short form or abbreviation."""

    def __init__(self, names: list[str]):
        self.names = sorted(set(n for n in names if n), key=len, reverse=True)
        self._prefixes = Counter(n[:k] for n in self.names for k in range(1, len(n) + 1))
        self._stems: dict[str, list[str]] = {}
        for n in self.names:
            self._stems.setdefault(_stem(n), []).append(n)
        # Everything that depends only on the indexed names is computed once per index version,
        # so matching a question costs a few substring scans, not a pass over all name pairs.
        self._forms = {n: self._short_forms(n) for n in self.names}
        self._words = {n: jieba.lcut(n) for n in self.names}
        self._first_word: dict[str, list[str]] = {}
        for n in self.names:
            w = self._words[n][0]
            if len(w) >= 2:
                self._first_word.setdefault(w, []).append(n)
        self._initials = {}
        for n in self.names:
            self._initials.setdefault(n[0], []).append(n)
            if len(n) > 1:
                self._initials.setdefault(n[1], []).append(n)

    def short_forms(self, name: str) -> list[str]:
        """Short forms that point at ``name`` alone (precomputed)."""
        return self._forms.get(name) or self._short_forms(name)

    def _short_forms(self, name: str) -> list[str]:
        """Short forms that point at ``name`` alone: its stem without the generic suffix
        (重庆理工 for 重庆理工大学; among names sharing a stem, the shortest one owns it) and its
        unique prefixes of four or more characters."""
        forms = []
        stem = _stem(name)
        sharing = self._stems.get(stem, [])
        if stem != name and len(stem) >= 3 and min(sharing, key=len) == name and \
                sum(1 for n in sharing if len(n) == len(name)) == 1:
            forms.append(stem)  # 东江理工 is 东江理工大学, not 东江理工职业学院
        forms += [name[:k] for k in range(4, len(name)) if self._prefixes[name[:k]] == 1]
        return forms

    def match(self, question: str) -> tuple[list[str], list[str]]:
        """(indexed institutions named, institution-like names that are not indexed)."""
        q = fold(question)
        self.last_aliases: list[str] = []
        self.last_ambiguous: list[tuple[str, list[str]]] = []
        found: list[str] = []
        rest = q
        for n in self.names:  # longest first, so 东江理工职业学院 wins over 东江理工
            if n in rest:
                found.append(n)
                rest = rest.replace(n, " ")
        unknown = []
        for part in re.split(r"[\s,，。？?！!、；;：:和与及跟或]+", rest):
            part = _Q_LEAD.sub("", part)
            for m in _NAME_IN_Q.finditer(part):
                cand = m.group()
                if any(w in cand for w in _NOT_NAMES):
                    continue
                if len(cand) < 4 or len(cand) > 14 or any(b in cand for b in ("的", "公开", "报告", "工作", "信息")):
                    continue
                if any(cand in n for n in self.names):
                    continue
                unknown.append(cand)
        if not unknown:
            for n in self.names:
                if n in found:
                    continue
                for sf in self.short_forms(n):
                    if sf in rest:
                        found.append(n)
                        self.last_aliases.append(sf)
                        break
            if not found:
                cands = set()
                for L in (3, 4, 5):
                    for i in range(len(rest) - L + 1):
                        cands.add(rest[i:i + L])
                hits = {(n, c) for c in cands for n in self._initials.get(c[0], ()) if _abbrev_of(c, n, self._words[n])}
                if len({n for n, _ in hits}) == 1:
                    found.append(next(iter(hits))[0])
                    self.last_aliases.extend(c for _, c in hits)
            if not found:
                self._leading_word(rest, found)
        return found, unknown

    def _leading_word(self, rest: str, found: list[str]) -> None:
        """A name's first word alone (青岚, 东江): the institution when only one name starts with it,
        an ambiguity to report when several do. Only where the word stands apart (before a year,
        的, punctuation or the end), so ordinary words are not taken for names."""
        for w in self._first_word:
            for m in re.finditer(re.escape(w), rest):
                nxt = rest[m.end(): m.end() + 1]
                if nxt and re.match(r"[\u4e00-\u9fff]", nxt) and nxt != "的":
                    continue
                owners = [x for x in self.names if x.startswith(w)]
                if len(owners) == 1:
                    found.append(owners[0])
                    self.last_aliases.append(w)
                else:
                    self.last_ambiguous.append((w, owners))
                break


_AY_Q = re.compile(r"(20\d{2})\s*[-—–~至到]\s*(20\d{2})\s*(?:学年|年度|年)?")
_Y_Q = re.compile(r"(20\d{2})\s*(?:年度|年|学年)")


def question_years(q: str) -> list[str]:
    """Reporting years named in the question: "2021-2022" or "2023"."""
    f = fold(q)
    years = [f"{a}-{b}" for a, b in _AY_Q.findall(f) if int(b) == int(a) + 1]
    rest = _AY_Q.sub(" ", f)
    years += [y for y in _Y_Q.findall(rest)]
    return years


def key_terms(q: str, institutions: list[str]) -> list[str]:
    """Content terms of the question: no institution names, years or question words."""
    f = fold(q)
    for n in sorted(institutions, key=len, reverse=True):
        f = f.replace(n, " ")
    f = _AY_Q.sub(" ", f)
    f = re.sub(r"20\d{2}\s*(年度|年|学年)?", " ", f)
    terms = []
    for t in tokenize(f):
        if t in QUESTION_WORDS or t.isdigit() or len(t) < 2 and t not in ("表",):
            continue
        if t not in terms:
            terms.append(t)
    return terms


def parse(question: str, matcher: InstitutionMatcher) -> Parsed:
    """Everything the answerer needs to know about a question."""
    insts, unknown = matcher.match(question)
    return Parsed(question=question, intent=detect_intent(question), institutions=tuple(insts),
                  unknown_institutions=tuple(unknown), years=tuple(question_years(question)),
                  terms=tuple(key_terms(question, insts + matcher.last_aliases + list(unknown))),
                  unit=question_unit(question),
                  ambiguous=tuple((w, tuple(ns)) for w, ns in matcher.last_ambiguous))
