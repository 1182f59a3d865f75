"""Follow-up questions resolved by what they change: the institution, the year, or the asked quantity.

「那湖南工商大学呢？」 changes the institution, 「那2022年呢？」 the year, 「那不予公开的呢？」 and
「它的电话呢？」 the asked quantity; the rest of the previous question is kept. A question that
asks something with its own question word (「湖南工商大学的电话是多少？」) stands on its own,
whatever its length; one that only refers back (它/该校) gets the previous institution.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from index import lexicon
from index.textutil import fold

from .parse import question_years


@dataclass(frozen=True)
class Match:
    """The institutions a question names, and the short forms (aliases) that named them."""

    institutions: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


LEAD = re.compile(r"^(?:那么|那|还有|再看看|换成|改成|换作|如果是|要是|再问一下|再问)[,，]?")
PRONOUN = re.compile(r"^(?:它们|它|他们|其|该校|该单位|该机构|这所学校|这所|这个学校|这家单位|这家|那所学校)(?:的)?")
ELLIPSIS_END = re.compile(r"(?:的情况|情况)?(?:呢|怎么样|怎样|如何|又如何)[?？。!！\s]*$")
QUESTION_CUE = re.compile(r"多少|几|什么|哪|吗|是否|有没有|有无|如何|怎样|怎么|谁|是不是")
CROSS_FRAME = re.compile(r"哪(?:些|几所|所|个|家|一所)|各校|各高校|比较|对比|平均|合计")

# Quantities of the genre a follow-up may switch to: (name, how a question names it, the phrase
# that replaces the previous quantity, or a whole question for the typed fields).
COUNTED = [
    ("refused", re.compile(r"不予公开"), "不予公开的信息公开申请"),
    ("partial", re.compile(r"部分公开"), "部分公开的信息公开申请"),
    ("granted", re.compile(r"予以公开|同意公开|全部公开"), "予以公开的信息公开申请"),
    ("published", re.compile(r"主动公开"), "主动公开的信息"),
    ("complaints", re.compile(r"举报|复议|诉讼|投诉"), "因信息公开工作受到的举报"),
    ("received", re.compile(r"收到(?:的)?(?:政府)?(?:信息公开)?申请|(?:信息公开)?申请"), "收到的信息公开申请"),
]
TYPED = [
    ("phone", re.compile(r"电话|热线|联系方式"), "信息公开的联系电话是多少？"),
    ("email", re.compile(r"邮箱|电子邮件|邮件"), "信息公开的联系邮箱是什么？"),
    ("period", re.compile(r"统计期限|统计时间|期限|期间|起止"), "报告的统计期限是什么？"),
]


def _family(text: str, table):
    for name, pat, phrase in table:
        m = pat.search(text)
        if m:
            return name, m, phrase
    return None


def resolve(q: str, prev: str, match: Callable[[str], Match]) -> str:
    """The question ``q`` asks after ``prev`` (the previous user question, "" for none)."""
    if not prev:
        return q
    f = fold(q).strip()
    lead = LEAD.match(f)
    core = f[lead.end():] if lead else f
    pron = PRONOUN.match(core)
    core = core[pron.end():] if pron else core
    ends = ELLIPSIS_END.search(core)
    elliptic = bool(lead or pron or ends)
    if not elliptic:
        return q  # a full question stands alone, however short
    new = match(q)
    old = match(prev)
    body = core[:ends.start()] if ends else core.rstrip("?？。!！ ")
    for name in sorted(new.institutions + new.aliases + new.unknown, key=len, reverse=True):
        body = body.replace(name, "")
    years = question_years(q)
    body = lexicon.YEAR_TEXT.sub("", body)
    body = re.sub(r"^(的|在|是)|的$", "", body.strip(" ,，")).strip()
    if new.unknown and not new.institutions:
        return q  # a school that is not indexed: the question as asked, so the answer says so
    if QUESTION_CUE.search(body):
        # its own question word: keep it, naming the previous institution where it only refers back
        if new.institutions or not old.institutions:
            return q
        return "".join(old.institutions[:1]) + _years_of(prev) + "的" + re.sub(r"^的", "", body) + \
            ("" if re.search(r"[?？]$", body) else "？")
    base = prev
    if new.institutions:
        base = _swap_institution(base, old, new.institutions[0])
    if years:
        base = _swap_year(base, years[0], new.institutions[0] if new.institutions else
                          (old.institutions[0] if old.institutions else ""))
    if body:
        base = _swap_quantity(base, body, old)
    if base == prev and not (new.institutions or years or body):
        return q
    return base


def _years_of(q: str) -> str:
    m = lexicon.YEAR_TEXT.search(fold(q))
    return m.group() if m else ""


def _swap_institution(base: str, old: Match, name: str) -> str:
    if old.institutions:
        for o in sorted(old.institutions + old.aliases, key=len, reverse=True):
            base = base.replace(o, "\u0000")
        base = re.sub("\u0000+", "\u0000", base)
        return base.replace("\u0000", name, 1).replace("\u0000", "")
    if CROSS_FRAME.search(base):
        return name + re.sub(r"^.*?(?:哪些|哪所|哪个|哪家|各)(?:学校|高校|院校|机构|单位|校)(?:的|在)?", "", base)
    return name + base


def _swap_year(base: str, year: str, inst: str) -> str:
    shown = year if "-" in year else year + "年"
    if lexicon.YEAR_TEXT.search(fold(base)):
        f = fold(base)
        m = lexicon.YEAR_TEXT.search(f)
        return base[:m.start()] + (shown if "-" not in year else year + "学年") + base[m.end():]
    if inst and inst in base:
        i = base.index(inst) + len(inst)
        return base[:i] + shown + base[i:]
    return shown + base


def _swap_quantity(base: str, body: str, old: Match) -> str:
    """The previous question asking about ``body`` instead of its own quantity."""
    typed = _family(body, TYPED)
    prefix = "".join(old.institutions[:1]) + _years_of(base)
    if typed:
        return prefix + typed[2] if prefix else typed[2]
    new_c = _family(body, COUNTED)
    old_c = _family(fold(base), COUNTED)
    if new_c and old_c:
        m = old_c[1]
        return base[:m.start()] + new_c[2] + base[m.end():]
    if old_c:
        m = old_c[1]
        return base[:m.start()] + body + base[m.end():]
    counted = re.search(r"多少|几", base)
    return f"{prefix}{body}{'有多少' if counted else '是什么'}？"


__all__ = ["Match", "resolve"]
