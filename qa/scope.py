"""Whose report a question is about: the institutions and years it names.

``InstitutionMatcher.match`` is stateless: it returns a frozen ``Match`` (found, unknown,
aliases, ambiguous), so one matcher serves concurrent requests. Government bodies are matched
through their canonical name (index/names.py): 东湖区人民政府 and 东江市东湖区人民政府 are one
institution, 洪泽区政府 is 洪泽区人民政府, and a question naming only 北京 reaches 北京市人民政府.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import jieba

# The year forms (2022-2023学年, 22-23学年, 二〇二三年, 2023年 but not 2014年9月) and the name endings
# are index/lexicon.py's.
from index.lexicon import (CHINESE_YEAR, QUESTION_ACADEMIC_YEAR, QUESTION_NAME_SUFFIXES, QUESTION_YEAR,
                           SHORT_ACADEMIC_YEAR)
from index.names import PROVINCES, aliases, canonical, is_government, normal_form, split_places
from index.textutil import fold

_NAME_IN_Q = re.compile(rf"[\u4e00-\u9fffX]{{2,16}}?(?:{'|'.join(QUESTION_NAME_SUFFIXES)})")
_Q_LEAD = re.compile(r"^(那么|那|请问|问|关于|对于|对|和|与|跟|比较|在|据)+")
_NOT_NAMES = ("哪", "其他", "各", "本", "该", "所有", "全部", "兄弟", "同类", "每", "这", "那些", "一些")
# A school's abbreviation ends in 大 (北大, 国科大, 北师大, 合工大); jieba tags such words "j".
_ABBREV_END = "大"


@dataclass(frozen=True)
class Match:
    """What a question says about institutions: indexed names found (all names of one body when
    its reports carry different forms), names that look like institutions but are not indexed,
    the short forms or abbreviations that were read as names, and mentions with several owners."""

    found: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __iter__(self):
        """``found, unknown = matcher.match(q)`` as lists."""
        return iter((list(self.found), list(self.unknown)))


def _abbrev_of(alias: str, name: str, words: list[str] | None = None) -> bool:
    """True when ``alias`` abbreviates ``name``: an ordered subsequence starting in its first two
    characters and spanning at least two of its words (湖工商 -> 湖南工商大学, 国科大 -> 中国科学院大学);
    a two-character one (北大) only for a two-word name, first character of each word (北京|大学)."""
    words = words if words is not None else jieba.lcut(name)
    if len(alias) == 2:
        return len(words) == 2 and alias == words[0][0] + words[1][0]
    if len(alias) < 3 or alias == name or alias[0] not in name[:2]:
        return False
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
    for suf in sorted(QUESTION_NAME_SUFFIXES, key=len, reverse=True):
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


def school_abbreviations(text: str) -> list[str]:
    """Words that abbreviate a school's name (北大, 国科大, 北师大): jieba's abbreviation tag on a
    word ending in 大, joined to a single character before it that jieba split off (国|科大)."""
    import jieba.posseg as pseg

    toks = [(w.word, w.flag) for w in pseg.cut(text)]
    out = []
    for i, (w, flag) in enumerate(toks):
        if flag == "j" and w.endswith(_ABBREV_END) and 2 <= len(w) <= 4:
            if i and len(toks[i - 1][0]) == 1 and re.match(r"[\u4e00-\u9fff]", toks[i - 1][0]) \
                    and toks[i - 1][1] in ("n", "j", "ns", "nr"):
                w = toks[i - 1][0] + w
            out.append(w)
        elif flag == "a" and w == _ABBREV_END and i and toks[i - 1][1] == "j" and len(toks[i - 1][0]) == 1:
            out.append(toks[i - 1][0] + w)  # 川|大
    return out


class InstitutionMatcher:
    """Recognise indexed institutions in a question by full name, short form or abbreviation."""

    def __init__(self, names: list[str]):
        self.names = sorted(set(n for n in names if n), key=lambda n: (-len(n), n))  # stable across runs
        self._prefixes = Counter(n[:k] for n in self.names for k in range(1, len(n) + 1))
        self._stems: dict[str, list[str]] = {}
        for n in self.names:
            self._stems.setdefault(_stem(n), []).append(n)
        # One body, several written forms: every indexed name of a canonical name goes together.
        self._group: dict[str, tuple[str, ...]] = {}
        by_canon: dict[str, list[str]] = {}
        for n in self.names:
            by_canon.setdefault(canonical(n), []).append(n)
        for members in by_canon.values():
            for n in members:
                self._group[n] = tuple(sorted(members, key=len, reverse=True))
        # Written forms of government bodies (淮安市洪泽区人民政府, 洪泽区政府 …) -> indexed names.
        self._gov_forms: dict[str, set[str]] = {}
        # Bare places (北京, 北京市, 洪泽区) -> the 人民政府 indexed for that place.
        self._places: dict[str, set[str]] = {}
        for n in self.names:
            if not is_government(n):
                continue
            for form in [canonical(n), normal_form(n)] + aliases(n):
                self._gov_forms.setdefault(form, set()).add(n)
            places, body = split_places(normal_form(n))
            if body == "人民政府" and places:
                for i in range(len(places)):
                    chain = "".join(places[i:])
                    self._places.setdefault(chain, set()).add(n)
                short = next((k for k, v in PROVINCES.items() if v == places[-1]), "")
                if short:
                    self._places.setdefault(short, set()).add(n)
        self._gov_order = sorted(self._gov_forms, key=len, reverse=True)
        self._place_order = sorted(self._places, key=len, reverse=True)
        # Everything that depends only on the indexed names is computed once per index version,
        # so matching a question costs a few substring scans, not a pass over all name pairs.
        self._forms = {n: self._short_forms(n) for n in self.names}
        self._words = {n: jieba.lcut(n) for n in self.names}
        self._first_word: dict[str, list[str]] = {}
        for n in self.names:
            w = self._words[n][0]
            if len(w) >= 2:
                self._first_word.setdefault(w, []).append(n)
        self._initials: dict[str, list[str]] = {}
        for n in self.names:
            self._initials.setdefault(n[0], []).append(n)
            if len(n) > 1:
                self._initials.setdefault(n[1], []).append(n)

    def group(self, name: str) -> tuple[str, ...]:
        """Every indexed name of the body ``name`` belongs to (one name for a school)."""
        return self._group.get(name, (name,))

    def same(self, a: str, b: str) -> bool:
        """True when two indexed names are one institution (东湖区人民政府 = 东江市东湖区人民政府)."""
        return a == b or canonical(a) == canonical(b)

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
        if not is_government(name):  # a body's prefixes are places (洪泽区人…): its forms are aliases()
            forms += [name[:k] for k in range(4, len(name)) if self._prefixes[name[:k]] == 1]
        return forms

    def match(self, question: str) -> Match:
        """The institutions a question names (a frozen Match; nothing is kept on the matcher)."""
        q = fold(question)
        found: list[str] = []
        used: list[str] = []
        ambiguous: list[tuple[str, tuple[str, ...]]] = []
        rest = q
        for n in self.names:  # longest first, so 东江理工职业学院 wins over 东江理工
            if n in rest:
                found.append(n)
                rest = rest.replace(n, " ")
        for form in self._gov_order:  # 洪泽区政府, 淮安市洪泽区人民政府 …
            if form in rest:
                owners = sorted(self._gov_forms[form])
                found.extend(o for o in owners if o not in found)
                used.append(form)
                rest = rest.replace(form, " ")
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
        # Abbreviations of schools (北大, 国科大): an indexed school's if exactly one fits, else unknown.
        abbrevs = [] if found or unknown else school_abbreviations(rest)
        for a in abbrevs:
            owners = [n for n in self.names if not is_government(n) and _abbrev_of(a, n, self._words[n])]
            if len(owners) == 1:
                found.append(owners[0])
                used.append(a)
            elif owners:
                ambiguous.append((a, tuple(owners)))
            else:
                unknown.append(a)
            rest = rest.replace(a, " ")
        if not unknown and not found and not ambiguous:
            for n in self.names:
                for sf in self.short_forms(n):
                    if sf in rest:
                        found.append(n)
                        used.append(sf)
                        break
            if not found:
                self._places_in(rest, found, used, ambiguous)
            if not found and not ambiguous:
                cands = set()
                for L in (3, 4, 5):
                    for i in range(len(rest) - L + 1):
                        cands.add(rest[i:i + L])
                hits = {(n, c) for c in cands for n in self._initials.get(c[0], ())
                        if not is_government(n) and _abbrev_of(c, n, self._words[n])}
                if len({n for n, _ in hits}) == 1:
                    found.append(next(iter(hits))[0])
                    used.extend(c for _, c in hits)
            if not found and not ambiguous:
                self._leading_word(rest, found, used, ambiguous)
        # every written form of a body found goes with it (its reports of other years)
        out: list[str] = []
        for n in found:
            for g in self.group(n):
                if g not in out:
                    out.append(g)
        return Match(tuple(out), tuple(unknown), tuple(used), tuple(ambiguous))

    def _places_in(self, rest: str, found: list[str], used: list[str], ambiguous: list) -> None:
        """A place named alone (2022年北京…, 洪泽区…) is that place's 人民政府, unless a name of
        another institution starts there (北京大学, 北京市教育局)."""
        for p in self._place_order:
            i = rest.find(p)
            if i < 0:
                continue
            if _NAME_IN_Q.match(rest, i) and not rest[i:].startswith(p + "政府") and not rest[i:].startswith(
                    p + "人民政府"):
                continue
            owners = sorted(self._places[p])
            if len({canonical(o) for o in owners}) == 1:
                found.extend(owners)
                used.append(p)
            else:
                ambiguous.append((p, tuple(owners)))
            return

    def _leading_word(self, rest: str, found: list[str], used: list[str], ambiguous: list) -> None:
        """A name's first word alone (青岚, 东江): the institution when only one name starts with it,
        an ambiguity to report when several do. Only where the word stands apart (before a year,
        的, punctuation or the end), so ordinary words are not taken for names."""
        for w in self._first_word:
            for m in re.finditer(re.escape(w), rest):
                nxt = rest[m.end(): m.end() + 1]
                if nxt and re.match(r"[\u4e00-\u9fff]", nxt) and nxt != "的":
                    continue
                owners = [x for x in self.names if x.startswith(w)]
                if len({canonical(o) for o in owners}) == 1:
                    found.extend(owners)
                    used.append(w)
                else:
                    ambiguous.append((w, tuple(owners)))
                break


_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}
_CN_DIGITS["零"] = "0"


def normalize_years(q: str) -> str:
    """Year forms written for people made plain: 二〇二三年 -> 2023年, 22-23学年 -> 2022-2023学年."""
    f = CHINESE_YEAR.sub(lambda m: "".join(_CN_DIGITS[c] for c in m.group()), fold(q))
    return SHORT_ACADEMIC_YEAR.sub(lambda m: f"20{m.group(1)}-20{m.group(2)}", f)


def question_years(q: str) -> list[str]:
    """Reporting years named in the question: "2021-2022" (also 22-23学年) or "2023" (also 二〇二三年)."""
    f = normalize_years(q)
    years = [f"{a}-{b}" for a, b in QUESTION_ACADEMIC_YEAR.findall(f) if int(b) == int(a) + 1]
    rest = QUESTION_ACADEMIC_YEAR.sub(" ", f)
    years += [y for y in QUESTION_YEAR.findall(rest)]
    return years


def year_matches(doc_year: str, years: list[str]) -> bool:
    """True when a report of ``doc_year`` is the one a question's years ask for, by kind: a calendar
    year is that calendar report, or the academic year that ends in it (2023 -> 2022-2023)."""
    if not doc_year:
        return False
    for y in years:
        if y == doc_year:
            return True
        if "-" in doc_year and "-" not in y and y == doc_year.split("-")[1]:
            return True  # a 2021-2022 academic-year report is the 2022 report
        if "-" in y and "-" not in doc_year and doc_year in y.split("-"):
            return True
    return False


__all__ = ["InstitutionMatcher", "Match", "question_years", "normalize_years", "year_matches",
           "school_abbreviations"]
