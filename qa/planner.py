"""The cross-report planner: list, ranking, comparison and aggregate questions over many reports.

A question such as 「哪些学校没有收到信息公开申请？」 is split into three parts:

- a **sub-question** that the single-report answerer understands (「收到多少信息公开申请？」),
- a **predicate** (value 0) or an **ordering** (最多/最少) or an **aggregate** (共有多少所, 合计, 平均),
- a **scope** (schools, government bodies, a region, years).

The sub-question is answered once per report in scope by ``Engine.answer_single`` (cached per
index version); the predicate is then applied to each report's cited value. A report whose
answer abstains is counted and listed as 未说明 and is never taken as a match. A question whose
shape is recognised but cannot be planned abstains and says why.

The predicates form a small typed grammar (``Predicate.kind``):

========== ===================================================== ==========================
kind        phrased as                                           value type it applies to
========== ===================================================== ==========================
zero        没有/未/无 + a counted event (申请, 举报, 复议 …)       count
cmp         超过/多于/不少于/少于/不到/不超过 N                      count
eq          由八个部分组成, 收到0件 (a number written in the body)  count
prefix      使用0551区号, 0551开头                                  phone
domain      163.com邮箱, @qq.com                                   email
period      统计的是2024年9月1日至2025年8月31日                     date (a period)
published   发布于2023年10月, 落款日期是2023年10月31日              date (the report's own day)
yes / no    any other body: 建立了考核机制 / 没有建立考核机制        yes/no, the 是 (or 否) cited
========== ===================================================== ==========================
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field, replace

from index import lexicon
from index.metadata import normalize_period
from index.textutil import fold

from .errors import NotPlannable
from .extract import is_outline
from .numbers import to_number
from .parse import question_years
from .scope import year_matches
from .schema import Answer, Citation

# --------------------------------------------------------------------------- vocabulary
# The nouns a cross-report question ranges over, by kind of institution.
SCHOOL_NOUN = r"(?:高等学校|学校|高校|院校|大学|学院)"
GOV_NOUN = r"(?:政府机关|政府部门|行政机关|机关|政府)"
ANY_NOUN = r"(?:机构|单位)"
SCOPE_NOUN = rf"(?:{SCHOOL_NOUN}|{GOV_NOUN}|{ANY_NOUN})"
# An institution's own name says its kind: schools end in 大学/学院/学校, bodies in 局/委员会/政府 ….
SCHOOL_NAME = re.compile(r"(大学|学院|学校|专科学校)$")
GOV_NAME = re.compile(r"(局|委员会|委|政府|厅|办公室|办|中心|署|院|所|部)$")

# 哪个机构/哪个单位 (singular) asks for an office inside one report, not for reports
WHICH = re.compile(rf"(?:有)?(?:哪(?:些|几所|几个|几家)\s*(?P<noun>{SCOPE_NOUN})"
                   rf"|哪(?:一所|一个|一家|所|个|家)\s*(?P<noun1>{SCHOOL_NOUN}|{GOV_NOUN}))")
HOW_MANY = re.compile(rf"(?:共|一共|总共)?有?(?:多少|几)(?:所|个|家|份)\s*(?P<noun>{SCOPE_NOUN}|报告)")
# 各单位 inside a report means its own departments: only schools and bodies count here
EACH = re.compile(rf"(?:各|每所|每个|每家|所有|全部|这些)\s*(?P<noun>{SCHOOL_NOUN}|{GOV_NOUN}|校|报告)")
ORDER = re.compile(r"(最多|最少|最高|最低|最大|最小)")
SUM = re.compile(r"合计|总计|共计|加起来|总和|总共")
MEAN = re.compile(r"平均")
COMPARE = re.compile(r"比较|对比|分别|相比")
YOY = re.compile(r"比(?:上一?|前一?|去)(?:个)?(?:学年度|学年|年度|年)|同比|较上一?(?:学年度|学年|年度|年)")
FRAME_WORDS = re.compile(r"多少|几|哪|各|所有|全部|这些|每")
PRACTICE = re.compile(r"如何|怎样|怎么|做法|经验|举措")
# 「哪些学校有两个学年的报告」 asks about the corpus itself, answered from document metadata.
MULTI_YEAR = re.compile(r"(两|二|多|几|2)个(学年|年度|年份).{0,8}报告")

# Counted events of the genre: a negated one (未收到申请, 没有受到举报) is the value 0.
COUNTED = re.compile(r"申请|举报|复议|诉讼|投诉|咨询|来电|来信|来访|意见|建议|事项|信息|文件|培训|会议")
NEG = re.compile(r"没有|未曾|尚未|并未|均未|未|无|零")
# Words that frame the question but say nothing about the asked value.
FILLER = re.compile(r"^(?:在|于)?报告期内|^(?:在|于)?(?:这批|这些|所有|全部|本批|语料中的?)?(?:年度)?(?:报告)?(?:里|中)?[,，]?"
                    r"|明确表示|明确|表示|当年|本年度|本学年|该年度?|报告期内|在报告期内|期间内?|^的|^[,，]"
                    # 「报告提到了…」: the report is the one being asked about, not a word to match
                    r"|^(?:信息公开)?(?:工作)?(?:年度)?报告(?:中|里)?(?=提到|提及|包含|列出|写明|载明|给出|显示)")
OUTCOMES = ("不予公开", "部分公开", "予以公开")
# 因信息公开工作受到举报: the cause in front of the counted event
CAUSE = re.compile(r"^因[\u4e00-\u9fff]{0,10}?工作")
# 对…申请作出不予公开的决定 is the reports' way of saying an application was refused
DECISION = re.compile(r"对(?P<obj>[\u4e00-\u9fff]{0,10}?申请)作出了?(?P<verb>不予公开|部分公开|予以公开)的?(?:决定|答复)?")
VERB = re.compile(r"^(?:共|一共|总共|累计)?(不予公开|部分公开|予以公开|收到|受理|接到|接收|办理|答复|提出|发生|受到|出现|主动公开|公开|发布|"
                  r"召开|开展|举办|组织|接待|处理|回复|收取)(?:了|过)?(?:的)?")
_NUM = r"(\d+|[零〇一二两三四五六七八九十百千]+)"
CMP = re.compile(rf"(超过|多于|大于|高于|不少于|至少|不低于|少于|低于|不足|不到|不超过|小于|等于)\s*{_NUM}\s*"
                 r"(个部分|部分|项|条|件|次|个|份|人次|人|场|类)?")
CMP_KIND = {"超过": ">", "多于": ">", "大于": ">", "高于": ">", "不少于": ">=", "至少": ">=", "不低于": ">=",
            "少于": "<", "低于": "<", "不足": "<", "不到": "<", "不超过": "<=", "小于": "<", "等于": "=="}
EXACT = re.compile(rf"{_NUM}\s*(个部分|部分|个方面|项|条|件|次|份|场)")
AREA = re.compile(r"(?:使用|用|是|为)?\s*(0\d{2,3})\s*(?:的)?(?:区号|开头)|区号(?:是|为)?\s*(0\d{2,3})")
DOMAIN = re.compile(r"@?([a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org)(?:\.cn)?)", re.I)
_DATE = lexicon.QUESTION_DAY
DATE = re.compile(_DATE)
QPERIOD = re.compile(rf"{_DATE}\s*(?:起)?\s*[,，]?\s*(?:至|到|—|-|~)\s*(?:{_DATE}|(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日?)\s*(?:止)?")
PAREN = re.compile(r"[(（][^()（）]{0,40}[)）]")
# A question may restate the asked figure in brackets in a second unit (由八个部分（8项内容）组成, 50项（条）,
# 收到0件（0项）): the bracket is the asker's own second wording, so the figure is asked in that unit too
# where the first finds nothing. The bracket holds a number and a short unit, or one counting unit alone.
PAREN_UNIT = re.compile(rf"[(（]\s*(?:或|即|也就是)?\s*(?:{_NUM}\s*(?P<unit>[\u4e00-\u9fff]{{1,3}}?)|"
                        r"(?P<bare>个部分|部分|个方面|项|条|件|次|份|场))\s*[)）]")
# 发布于2023年10月 / 落款日期是2023年10月31日: the report's own date, compared to the day or month
PUBLISHED = re.compile(rf"(?:发布|印发|公布|落款|成文|发表)[^0-9]{{0,6}}?(?P<y>{lexicon.YEAR})\s*年\s*(?P<m>\d{{1,2}})\s*月"
                       r"(?:\s*(?P<d>\d{1,2})\s*日)?")
REGION = re.compile(r"([\u4e00-\u9fff]{2,6}?)(?:省|市|自治区|地区|区|县)?(?:内|的)?$")
_NOT_REGION = ("这批", "这些", "报告", "语料", "所有", "全部", "其中", "年度", "学年", "中", "里", "在", "有")


@dataclass(frozen=True)
class Predicate:
    """A typed condition on one report's value (see the module docstring)."""

    kind: str  # zero, cmp, eq, prefix, domain, period, yes, no
    arg: str = ""  # 0551, 163.com, 2024-09-01/2025-08-31, ">" …
    number: float | None = None
    support: tuple[str, ...] = ()  # literals a cited 是 must contain (10大类, 50项 …)
    words: tuple[str, ...] = ()  # content words it must contain, all but one of three or more
    text: str = ""  # as the question phrases it

    def describe(self) -> str:
        return self.text or self.kind


@dataclass(frozen=True)
class Scope:
    """Which reports a plan runs over."""

    kind: str = "all"  # school, government, all
    region: str = ""
    years: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A cross-report question taken apart."""

    kind: str  # list, superlative, compare, count, sum, mean, yoy, multi_year
    sub_question: str
    value_type: str  # count, phone, email, date, yesno
    predicate: Predicate | None = None
    order: str = ""  # max or min
    scope: Scope = field(default_factory=Scope)
    # the sub-question asked again in the question's bracketed second unit (PAREN_UNIT), in order,
    # of a report where ``sub_question`` finds nothing
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """One report's answer to the sub-question, and whether it meets the predicate."""

    doc: str
    institution: str
    year: str
    status: str  # match, no, silent (未说明)
    value: str | None
    display: str
    citation: Citation | None


VALUE_TYPES = ("count", "phone", "email", "date", "yesno")
def structure_question(unit: str = "个部分") -> str:
    """The canonical question of the report's own structure, counted in ``unit``."""
    return f"本报告包括几{unit}？"


# The report's own structure (全文包括…等八个部分): one canonical sub-question.
STRUCTURE = structure_question()


def bracket_units(question: str, n: float) -> list[str]:
    """Units the question restates its figure ``n`` in, inside brackets (（8项内容） -> ["项内容"])."""
    out = []
    for m in PAREN_UNIT.finditer(fold(question)):
        if m.group("bare"):
            out.append(m.group("bare"))
        elif to_number(m.group(1)) == n and m.group("unit"):
            out.append(m.group("unit"))
    return out


# ------------------------------------------------------------------------------ planning
def main_text(q: str) -> str:
    """The question folded, without parenthesised asides (（或收到0件）, （8项内容）) and end marks."""
    f = PAREN.sub("", fold(q)).strip()
    return re.sub(r"[?？!！。\s]+$", "", f)


def frame(q: str, named: int = 0) -> str:
    """The cross-report shape of a question, or "" for a single-report question.

    ``named`` is how many indexed institutions the question names: a 哪些 question about one
    named school (重庆理工大学通过哪些渠道…) is a single-report question."""
    f = main_text(q)
    if named == 1 and YOY.search(f):
        return "yoy"
    if named == 1:
        return ""
    if MULTI_YEAR.search(f) and WHICH.search(f):
        return "multi_year"
    if PRACTICE.search(f) and not re.search(r"多少|几", f) and (EACH.search(f) or WHICH.search(f)
                                                                or re.search(r"其他|别的|兄弟|同类", f)):
        return "practice"
    if ORDER.search(f) and (WHICH.search(f) or re.search(r"哪(所|个|家|一)", f) or re.search(r"是哪", f)):
        return "superlative"
    if HOW_MANY.search(f) and (WHICH.search(f) is None):
        return "count"
    if WHICH.search(f):
        return "list"
    if named == 0 and MEAN.search(f) and re.search(r"多少|几", f):
        return "mean"
    if named == 0 and SUM.search(f) and EACH.search(f) and re.search(r"多少|几", f):
        return "sum"
    if COMPARE.search(f) or (named == 0 and EACH.search(f)):
        return "compare"
    if named >= 2 and ORDER.search(f):
        return "superlative"
    return ""


def _strip_frame(f: str, kind: str) -> tuple[str, str]:
    """(body, region): the question without its 哪些学校 / 共有多少所 frame."""
    m = WHICH.search(f) or HOW_MANY.search(f) or EACH.search(f)
    region = ""
    if m:
        before = f[:m.start()]
        body = f[m.end():]
        r = REGION.search(re.sub(r"[,，]", "", before))
        if r and not any(w in r.group(1) for w in _NOT_REGION):
            region = r.group(1)
        elif before and not re.search(r"[,，]$", before) and not re.match(r"^(在|语料|这|所有|全部|其中)", before):
            body = before + body  # 2022-2023学年有哪些学校… keeps its year in front
    else:
        body = f
    body = re.sub(r"^(的|中|里|当中|之中|是)", "", body)
    return body, region


def _clean(body: str) -> str:
    prev = None
    while prev != body:
        prev = body
        body = FILLER.sub("", body).strip(" ,，")
    return body


def _count_question(body: str) -> str:
    """「收到政府信息公开申请」 -> 「收到多少政府信息公开申请？」: 多少 after the leading verb;
    an outcome of applications (不予公开的申请) -> 「有多少项申请不予公开？」, as the reports state it."""
    body = re.sub(r"[的了]$", "", body)
    if re.search(r"多少|几", body):
        return body + "？"
    cause = CAUSE.match(body)
    if cause:  # 因信息公开工作受到举报 -> 因信息公开工作受到多少举报
        return cause.group() + _count_question(body[cause.end():])
    m = VERB.match(body)
    if m and m.group(1) in OUTCOMES:
        obj = re.sub(r"^[的了过]+", "", body[m.end():]) or "申请"
        return f"有多少项{obj}{m.group(1)}？"
    if m:
        return f"{body[:m.end(1)]}多少{body[m.end():]}？"
    return f"{body}的数量是多少？"


def _years_outside(f: str, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    rest = f
    for s, e in sorted(spans, reverse=True):
        rest = rest[:s] + " " + rest[e:]
    return tuple(question_years(rest))


def _support_terms(body: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(literals, words) a cited 是 must contain: quoted or titled items and numbers with units
    (all of them), and the content words of the asked practice (all but one of three or more).
    An enumeration (举报、复议或诉讼) is one word: any of its items will do."""
    import jieba

    lits = [m.group(1) for m in re.finditer(r"[“\"《]([^”\"》]{1,20})[”\"》]", body)]
    lits += [f"{m.group(1)}{m.group(2)}" for m in re.finditer(r"(\d+)\s*([项条件个类次])", body)]
    plain = re.sub(r"[“\"《][^”\"》]*[”\"》]|\d+\s*[项条件个类次]?", " ", body)
    words = []
    item = r"(?:(?!或|和|及)[\u4e00-\u9fff]){2,6}"
    for m in re.finditer(rf"{item}(?:[、/]{item})+(?:(?:或者|或|和|及){item})?", plain):
        items = [i for i in re.split(r"[、/]|或者|或|和|及", m.group()) if i]
        # the window of 2-6 characters cuts into the words around the enumeration (工作受到过举报、
        # 复议 -> 作受到过举报): its first item is the last word of its chunk, its last the first
        items[0] = _edge_word(items[0], -1)
        items[-1] = _edge_word(items[-1], 0)
        words.append("|".join(items))
        plain = plain.replace(m.group(), " ")
    words += [w for w in jieba.lcut(plain) if len(w) >= 2 and re.match(r"[\u4e00-\u9fff]", w)
              and w not in _WEAK_WORDS]
    return tuple(dict.fromkeys(lits)), tuple(dict.fromkeys(words))


def _edge_word(item: str, which: int) -> str:
    """The enumerated noun at the end (``which`` -1) or start (0) of an enumeration's first or last
    item: the words after the last (before the first) verb or particle of the sentence around it
    (设立了查阅点 -> 查阅点, 作受到过举报 -> 举报, 诉讼的情况 -> 诉讼)."""
    import jieba

    ws = jieba.lcut(item)
    cut = [i for i, w in enumerate(ws) if w in _WEAK_WORDS or w in _GLUE]
    if which == -1:
        keep = ws[cut[-1] + 1:] if cut else ws
    else:
        keep = ws[:cut[0]] if cut else ws
    return "".join(keep) or item


# Particles and prepositions that join an enumeration to the sentence around it.
_GLUE = {"了", "过", "的", "着", "被", "对", "在", "与", "因", "等", "有", "和", "及", "向", "从", "为"}
# Words too common in these reports to show that a sentence is about the asked practice.
_WEAK_WORDS = {"信息", "公开", "信息公开", "学校", "工作", "情况", "报告", "年度", "学年", "提到", "提及", "建立",
               "设立", "设置", "开展", "作出", "进行", "是否", "相关", "方面", "事项", "受到", "有关", "所有",
               "明确", "给出", "包括", "实行", "实施", "提出", "做出", "发生", "出现"}


def plan(question: str, kind: str, names: tuple[str, ...] = ()) -> Plan:
    """Take a cross-report question of shape ``kind`` (see ``frame``) apart, or raise NotPlannable.

    ``names`` are the institutions (and the short forms that named them) the question mentions:
    they choose the reports, so they are no part of the per-report sub-question."""
    f = main_text(question)
    body, region = _strip_frame(f, kind)
    if names or SCHOOL_NAME.search(region) or GOV_NAME.search(region):
        region = ""  # named institutions are the scope; a name is no region
    if names:
        for n in sorted(names, key=len, reverse=True):
            body = body.replace(n, " ")
        # 比较东江理工大学和青岚师范学院收到的申请 -> 收到的申请
        body = re.sub(r"^[\s和与及跟、,，]*(?:比较|对比)?[\s和与及跟、,，]*(?:的)?", "", body)
        body = re.sub(r"\s+[和与及跟、,，]*\s*", "", body)
    scope_kind = "all"
    m = WHICH.search(f) or HOW_MANY.search(f) or EACH.search(f)
    noun = (m.group("noun") or m.groupdict().get("noun1") or "") if m else ""
    if re.fullmatch(SCHOOL_NOUN, noun or "") or noun == "校" or re.search(rf"{SCHOOL_NOUN}", f[:12]):
        scope_kind = "school"
    if re.fullmatch(GOV_NOUN, noun or ""):
        scope_kind = "government"
    if kind == "multi_year":
        return Plan("multi_year", "", "", scope=Scope(scope_kind, region))
    order = ""
    if kind == "superlative":
        om = ORDER.search(body) or ORDER.search(f)
        order = "max" if om and om.group(1) in ("最多", "最高", "最大") else "min"
        body = ORDER.sub("", body)
    if kind == "yoy":
        body = YOY.sub("", body)
        body = re.sub(r"^.*?(学年度|学年|年度|年)", "", body) if re.search(lexicon.YEAR, body) else body
        body = re.sub(r"(多|少|增加|减少|增长|下降)(?=收到|受理|接到|公开|了|多少|几)", "", body)
    if kind in ("sum", "mean"):
        body = re.sub(r"^(?:.*?(?:各|每所|每个|每家|所有|全部|这些)[\u4e00-\u9fff]{0,2}?(?:学校|高校|院校|校|机构|单位))", "", body)
        body = SUM.sub("", MEAN.sub("", body))
    body = _clean(body)
    # years inside a stated period or a year-over-year comparison are not a scope
    period_m = QPERIOD.search(f)
    years = _years_outside(f, [period_m.span()] if period_m else [])
    body_wo_years = _clean(lexicon.QUESTION_YEAR.sub("", lexicon.QUESTION_ACADEMIC_YEAR.sub("", body)))
    scope = Scope(scope_kind, region, () if kind == "yoy" else years)

    def _plan(sub, vtype, pred=None):
        return Plan(kind, sub, vtype, pred, order, scope)

    if not body_wo_years:
        raise NotPlannable("问题没有说明要比较报告中的哪一项。")
    # ----- typed predicates, first match wins
    a = AREA.search(body_wo_years)
    if a:
        code = a.group(1) or a.group(2)
        return _plan("信息公开的联系电话是多少？", "phone", Predicate("prefix", code, text=f"区号{code}"))
    d = DOMAIN.search(body_wo_years)
    if d and re.search(r"邮箱|邮件|信箱|@", body_wo_years):
        dom = d.group(1).lower()
        return _plan("信息公开的联系邮箱是什么？", "email", Predicate("domain", dom, text=f"{dom}邮箱"))
    pub = PUBLISHED.search(f)
    if pub and not period_m:
        y, mo, d = pub.group("y"), pub.group("m"), pub.group("d")
        day = f"{int(y):04d}-{int(mo):02d}" + (f"-{int(d):02d}" if d else "")
        # the date under the signature (落款) and the web page's publication date are different days
        cue = "落款" if re.search(r"落款|成文|签发", pub.group()) else "发布"
        return _plan(f"本报告的{cue}日期是哪天？", "date", Predicate("published", day, text=pub.group()))
    if period_m:
        norm = period_norm(period_m.group())
        if not norm:
            raise NotPlannable("问题中的期间无法识别为起止日期。")
        return _plan("本报告的统计期限是什么？", "date", Predicate("period", norm, text=period_m.group()))
    body = DECISION.sub(lambda m: m.group("verb") + "的" + m.group("obj"), body_wo_years)
    c = CMP.search(body)
    if c:
        n = to_number(c.group(2))
        sub = _count_question(_clean(body[:c.start()] + body[c.end():]).replace("  ", ""))
        if c.group(3):
            sub = sub.replace("多少", f"多少{c.group(3)}", 1)
        return _plan(sub, "count", Predicate("cmp", CMP_KIND[c.group(1)], float(n), text=c.group()))
    if kind in ("superlative", "compare", "sum", "mean", "yoy") and not re.search(r"是否|有没有|吗", body):
        if re.search(r"电话|热线", body):
            return _plan("信息公开的联系电话是多少？", "phone")
        if re.search(r"邮箱|邮件|信箱", body):
            return _plan("信息公开的联系邮箱是什么？", "email")
        if re.search(r"期限|期间|统计时间|起止", body):
            return _plan("本报告的统计期限是什么？", "date")
        nm = NEG.match(body)
        if nm:
            body = body[nm.end():]
        return _plan(_count_question(_clean(body)), "count")
    e = EXACT.search(body)
    if e and to_number(e.group(1)) is not None:
        n = to_number(e.group(1))
        unit = e.group(2)
        pred = Predicate("eq", "==", float(n), text=e.group())
        others = [u for u in bracket_units(question, float(n)) if u != unit]
        if unit in ("部分", "个部分") or re.search(r"组成|构成", body):
            # the report's own structure (全文包括…等八个部分): one canonical question, since
            # reports say 包括/分为/由…组成/共计 interchangeably
            return replace(_plan(STRUCTURE, "count", pred),
                           alternatives=tuple(structure_question(u) for u in others))
        sub = body[:e.start()] + "几" + unit + body[e.end():]
        return replace(_plan(sub + "？", "count", pred),
                       alternatives=tuple(body[:e.start()] + "几" + u + body[e.end():] + "？" for u in others))
    nm = NEG.search(body)
    if nm and COUNTED.search(body[nm.end():]) and VERB.match(_uncaused(body[nm.end():])):
        rest = _clean(body[:nm.start()] + body[nm.end():])
        return _plan(_count_question(rest), "count", Predicate("zero", text=nm.group() + body[nm.end():]))
    core = _uncaused(body)
    vm = VERB.match(core)
    # one counted event (受到过举报); an alternative of several (举报、复议或诉讼) is a yes/no
    if not nm and vm and (vm.group(1) in OUTCOMES or COUNTED.search(core[vm.end():])) and \
            not re.search(r"[、/]|或", core):
        # 收到过举报, 不予公开的申请: a counted event of the genre happened at least once
        return _plan(_count_question(body), "count", Predicate("cmp", ">", 0.0, text=body))
    # anything else is a practice or a fact stated or not: a per-report yes/no
    negative = bool(nm) and nm.start() <= 2
    rest = _clean(body[:nm.start()] + body[nm.end():]) if negative else body
    rest = re.sub(r"^(是否|有没有|有无)", "", rest)
    lits, words = _support_terms(rest)
    return _plan(f"是否{rest}？", "yesno",
                 Predicate("no" if negative else "yes", support=lits, words=words, text=body))


def _uncaused(body: str) -> str:
    m = CAUSE.match(body)
    return body[m.end():] if m else body


def period_norm(text: str) -> str:
    """"2024-09-01/2025-08-31" for a written period, 年/月 lost or not (20249月1日至20258月31日)."""
    f = fold(text)
    m = QPERIOD.search(f)
    if m:
        y1, m1, d1 = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if m.group(4):
            y2, m2, d2 = int(m.group(4)), int(m.group(5)), int(m.group(6))
        else:
            y2, m2, d2 = y1, int(m.group(7)), int(m.group(8))
        if 1 <= m1 <= 12 and 1 <= m2 <= 12 and 1 <= d1 <= 31 and 1 <= d2 <= 31:
            return f"{y1:04d}-{m1:02d}-{d1:02d}/{y2:04d}-{m2:02d}-{d2:02d}"
    return normalize_period(f)


# -------------------------------------------------------------------------- predicates
def _number(v) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def evaluate(pred: Predicate | None, answer: Answer, asked: str = "") -> str:
    """match / no / silent for one report's answer to the sub-question ``asked``."""
    if answer.abstained or answer.value in (None, ""):
        return "silent"
    quote = "".join(c.quote for c in answer.citations)
    if is_outline(quote) and not lexicon.PARTS_ASKED.search(asked):
        # the sentence listing the report's parts (…受到举报的情况…共六个部分) states no fact
        return "silent"
    if pred is None:
        return "match"
    v = answer.value if isinstance(answer.value, str) else str(answer.value)
    if pred.kind == "zero":
        n = _number(v)
        return "silent" if n is None else ("match" if n == 0 else "no")
    if pred.kind in ("cmp", "eq"):
        n = _number(v)
        if n is None:
            return "silent"
        ok = {">": n > pred.number, ">=": n >= pred.number, "<": n < pred.number, "<=": n <= pred.number,
              "==": n == pred.number}[pred.arg]
        return "match" if ok else "no"
    if pred.kind == "prefix":
        digits = re.sub(r"\D", "", v)
        return "match" if digits.startswith(pred.arg) else "no"
    if pred.kind == "domain":
        return "match" if v.lower().endswith("@" + pred.arg) or v.lower().endswith("." + pred.arg) else "no"
    if pred.kind == "period":
        norm = period_norm(v)
        if not norm:
            return "silent"
        return "match" if norm == pred.arg else "no"
    if pred.kind == "published":
        m = lexicon.ANSWER_DAY.search(fold(v))
        if not m:
            return "silent"
        day = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}" + (f"-{int(m.group(3)):02d}" if m.group(3) else "")
        return "match" if day.startswith(pred.arg) else "no"
    if pred.kind in ("yes", "no"):
        want = "是" if pred.kind == "yes" else "否"
        if v not in ("是", "否"):
            return "silent"
        # a 是 counts only where the cited sentence names the asked thing itself
        squashed = re.sub(r"\s+", "", fold(quote))
        have = sum(any(_contains(squashed, w) for w in t.split("|")) for t in pred.words)
        need = len(pred.words) if len(pred.words) <= 2 else len(pred.words) - 1
        if not all(_contains(squashed, t) for t in pred.support) or have < need:
            return "silent" if v == "是" else ("match" if pred.kind == "no" else "no")
        return "match" if v == want else "no"
    return "silent"


def _contains(text: str, term: str) -> bool:
    """``term`` in ``text``; a number's counting unit may differ (50项 / 50条), a long word may be split."""
    if term in text:
        return True
    m = re.fullmatch(r"(\d+)([项条件个类次])", term)
    if m:
        return re.search(rf"(?<!\d){m.group(1)}\s*[项条件个类次]", text) is not None
    return False


# ------------------------------------------------------------------------------ scope
def institution_kind(name: str) -> str:
    """school or government, by how the name ends."""
    if SCHOOL_NAME.search(name):
        return "school"
    if GOV_NAME.search(name):
        return "government"
    return "other"


class CrossReport:
    """Runs plans over an engine's reports; per-report answers cached per index version."""

    def __init__(self, engine, version: str, limit: int = 200_000):
        self.engine, self.version, self.limit = engine, version, limit
        self._cache: dict[tuple, Answer] = {}
        self._lock = threading.Lock()
        self._scorer_key: tuple | None = None

    def docs_in_scope(self, scope: Scope, docs: set[str] | None) -> list[str]:
        """The reports a plan covers, in a stable order."""
        eng = self.engine
        out = []
        for d in sorted(eng.docs):
            doc = eng.docs[d]
            if docs is not None and d not in docs:
                continue
            if scope.kind != "all" and institution_kind(doc.institution) != scope.kind:
                continue
            if scope.region and scope.region not in doc.institution and \
                    scope.region not in eng.text(d)[:300]:
                continue
            if scope.years and not year_matches(doc.year, list(scope.years)):
                continue
            out.append(d)
        return out

    def scorer_key(self) -> str:
        """A hash of the engine's fitted scorer: per-report answers read under one scorer's weights
        are never reused under another's (``reportqa eval --cv`` swaps the scorer per fold)."""
        scorer = self.engine.scorer
        known = self._scorer_key
        if known is not None and known[0] is scorer:
            return known[1]
        key = hashlib.sha1(json.dumps(scorer.to_json(), sort_keys=True).encode()).hexdigest()[:16]
        self._scorer_key = (scorer, key)
        return key

    def sub_answer(self, sub: str, parsed, doc: str) -> Answer:
        """The single-report answer to ``sub`` in ``doc`` (key: index version, scorer, sub-question,
        parsed intent, doc)."""
        key = (self.version, self.scorer_key(), sub, getattr(parsed, "intent", ""), doc)
        hit = self._cache.get(key)
        if hit is None:
            hit = self.engine.answer_single(sub, sub, parsed, [doc])
            with self._lock:
                if len(self._cache) >= self.limit:
                    self._cache.clear()
                self._cache[key] = hit
        return hit

    def rows(self, sub: str, parsed, pred: Predicate | None, docs: list[str],
             alternatives: tuple = ()) -> list[Row]:
        """Every report's row: its value, citation and whether it meets ``pred``.

        ``alternatives`` are (sub-question, parsed) pairs (``Plan.alternatives``) asked of a report
        where ``sub`` finds nothing; a structure question's answer must cite the outline sentence."""
        eng = self.engine
        out = []
        for d in docs:
            a = self.sub_answer(sub, parsed, d)
            status = evaluate(pred, a, sub)
            for alt, alt_parsed in alternatives if status == "silent" else ():
                b = self.sub_answer(alt, alt_parsed, d)
                st = evaluate(pred, b, alt)
                if st != "silent" and (sub != STRUCTURE or is_outline("".join(c.quote for c in b.citations))):
                    a, status = b, st
                    break
            doc = eng.docs[d]
            cite = a.citations[0] if a.citations and status != "silent" else None
            value = a.value if status != "silent" else None
            if isinstance(value, list):
                value = "、".join(map(str, value))
            display = _short(a.answer, doc.institution) if status != "silent" else "未说明"
            out.append(Row(d, doc.institution, doc.year, status, value, display, cite))
        return out


def _short(answer: str, inst: str) -> str:
    a = answer[len(inst) + 1:] if answer.startswith(inst + "：") else answer
    return a.rstrip("。")


def label(row: Row, names_seen: dict[str, int]) -> str:
    """An institution's name, with the year where it has several reports."""
    return f"{row.institution}（{row.year}）" if names_seen.get(row.institution, 0) > 1 and row.year else row.institution


def silent_note(rows: list[Row]) -> str:
    silent = [r for r in rows if r.status == "silent"]
    if not silent:
        return ""
    names = "、".join(dict.fromkeys(r.institution for r in silent[:12]))
    more = f"等{len(silent)}份" if len(silent) > 12 else f"共{len(silent)}份"
    return f"未说明（报告中没有找到这一项，未计入）：{names}{more}。"


__all__ = ["Plan", "Predicate", "Scope", "Row", "CrossReport", "NotPlannable", "frame", "plan", "evaluate",
           "period_norm", "institution_kind", "year_matches", "main_text"]
