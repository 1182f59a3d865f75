"""Understand a question: intent, the institutions and years it names, and its key terms."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import jieba

from index import lexicon
from index.lexicon import QUESTION_ACADEMIC_YEAR
from index.names import to_simplified  # noqa: F401  (re-exported: engine.validate)
from index.textutil import fold
from index.tokenize import tokenize

from .scope import InstitutionMatcher, Match, normalize_years, question_years  # noqa: F401

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


# First match wins, so the order matters: practice and cross-report phrasings before the
# single-fact types, phone before count (电话是多少), count before yes/no (有多少…吗).
_INTENT_RULES = [
    ("practice", re.compile(r"(其他|别的|各|兄弟|同类)(学校|高校|院校).{0,10}(怎样|怎么|如何|做法|经验|举措|措施)"
                            r"|怎样做|怎么做|如何做|有哪些做法|经验做法|好的做法")),
    ("compare", re.compile(r"比较|对比|各校.{0,12}(情况|分别)")),
    ("list", re.compile(r"哪些(学校|高校|院校)|哪几所")),
    ("superlative", re.compile(r"哪(所|个|家)(学校|高校|单位|院校).{0,20}(最多|最少|最高|最低)|(最多|最少)的是哪")),
    # a fax number is asked like a phone number (传真号码是多少): every report's contact line gives both
    ("phone", re.compile(r"(电话|热线|传真)(号码)?\s*(是|为)?\s*(多少|什么)|哪个电话|什么电话|联系方式|电话号码"
                         r"|传真号码|(电话|传真)[?？]?$")),
    ("email", re.compile(r"邮箱|电子邮件|e-?mail|邮件地址", re.I)),
    ("count", re.compile(r"多少|几(个|项|条|件|次|期|批|起|场|份|篇|部分|名|所|门|类|家|人|封|例)|数量|几部分|几个部分")),
    # a date asked with a question word (什么时候, 哪一年) is a date question even beside 是否 …
    ("date", re.compile(r"哪段|哪天|哪一天|什么时候|何时|哪一年|哪年|哪个学年")),
    ("yesno", re.compile(r"吗[?？]?$|是否|有没有|有无|是不是")),
    # … but a date noun (期限, 期间) inside a yes/no question (是否都在法定期限内答复) is its object
    # (the reports name their statistics period 统计期限/统计时间 in most reports, also 统计年限/统计周期:
    # 统计 + any time noun asks for the period, lexicon.PERIOD_CUES)
    ("date", re.compile(r"期限|期间|时间段|起止|日期|统计(?:时间|年限|周期|区间)|统计数据.{0,3}时间")),
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


def head_term(q: str) -> str:
    """The counted thing: 多少项信息公开申请 -> 申请, 召开了多少次党委会 -> 党委会, 专项经费是多少 -> 经费."""
    f = fold(q)
    m = re.search(r"(?:多少|几)(?:个部分|人次|批次|[项条件次个期批起场份篇名所门类家人封例])?\s*([\u4e00-\u9fff]{2,14})", f)
    phrase = m.group(1) if m else ""
    # 多少篇是原创, 多少件为依申请公开: the counted thing follows the copula
    if re.match(r"(是|为)[\u4e00-\u9fff]{2}", phrase):
        phrase = phrase[1:]
    if not phrase or re.match(r"(吗|呢|是|的|了)", phrase):
        m = re.search(r"([\u4e00-\u9fff]{2,10}?)(?:一共|总共|共)?(?:是|有|为|达)?(?:多少|几)", f)
        phrase = m.group(1) if m else ""
    toks = [t for t in jieba.lcut(phrase) if len(t) >= 2 and t not in QUESTION_WORDS and t not in GENERIC]
    return toks[-1] if toks else ""


def key_terms(q: str, institutions: list[str]) -> list[str]:
    """Content terms of the question: no institution names, years or question words."""
    f = normalize_years(q)
    for n in sorted(institutions, key=len, reverse=True):
        f = f.replace(n, " ")
    f = QUESTION_ACADEMIC_YEAR.sub(" ", f)
    f = lexicon.YEAR_ANY.sub(" ", f)
    terms = []
    for t in tokenize(f):
        if t in QUESTION_WORDS or t.isdigit() or len(t) < 2 and t not in ("表",):
            continue
        if t not in terms:
            terms.append(t)
    return terms


def parse(question: str, matcher: InstitutionMatcher) -> Parsed:
    """Everything the answerer needs to know about a question."""
    m = matcher.match(question)
    return Parsed(question=question, intent=detect_intent(question), institutions=m.found,
                  unknown_institutions=m.unknown, years=tuple(question_years(question)),
                  terms=tuple(key_terms(question, list(m.found) + list(m.aliases) + list(m.unknown))),
                  unit=question_unit(question), ambiguous=m.ambiguous)
