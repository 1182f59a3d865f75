"""Score ReportQA answers against gold questions in the QA format of ../shared/README.md.

Gold rows are ``{"id", "doc", "question", "answer", "type", "evidence"}``; predictions are
``asdict(Answer)``. The scorer parses numbers and dates itself (cn2an directly, not the
``qa`` package) so that a bug in the system's own parsers cannot make a wrong answer score right.
"""
from __future__ import annotations

import json
import re
import unicodedata
import warnings
from pathlib import PureWindowsPath

import cn2an

# NFKC already folds （）：，； and full-width digits/letters; these are the marks it leaves alone.
_PUNCT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "〔": "[", "〕": "]", "【": "[", "】": "]",
                        "〈": "<", "〉": ">", "—": "-", "–": "-", "―": "-", "−": "-", "～": "~", "。": "."})

_TYPES_WITHOUT_EVIDENCE = ("list", "none")


def norm_text(s) -> str:
    """Whitespace removed, full-width punctuation folded to half-width, lower-cased.

    Used on both sides of every containment check, so that a report typed with （） still
    matches a gold phrase typed with ().
    """
    t = unicodedata.normalize("NFKC", str(s or ""))
    return re.sub(r"\s+", "", t).translate(_PUNCT).lower()


# ---------------------------------------------------------------- numbers

_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_NUM_RE = re.compile(rf"(?P<arabic>\d+(?:\.\d+)?)(?:\s*(?P<mult>[万亿]))?|(?P<cn>[{_CN_DIGITS}]+)")
_MULT = {"万": 1e4, "亿": 1e8}
# Words where 一 is not a quantity; without this "进一步公开了7项" would read as 1.
_NOT_NUMBERS = ("进一步", "一步", "一些", "一般", "一致", "一律", "一并", "一体", "一是", "一定", "一直",
                "一方面", "统一", "唯一", "同一", "之一", "万一", "一旦")


def _inside_word(text: str, start: int, end: int) -> bool:
    for w in _NOT_NUMBERS:
        for m in re.finditer(re.escape(w), text):
            if m.start() <= start and end <= m.end():
                return True
    return False


def to_number(s) -> float | None:
    """The first number in ``s``: Arabic digits (thousands commas, decimals, 万/亿 suffix) or a
    Chinese numeral (七 -> 7, 一百零五 -> 105, 两千三百 -> 2300); None when there is none.

    Ordinals (第三) and 一 inside ordinary words (进一步, 统一) are skipped, since a count
    answer sentence often contains them before the actual quantity.
    """
    if s is None:
        return None
    if isinstance(s, bool):
        return None
    if isinstance(s, (int, float)):
        return float(s)
    text = unicodedata.normalize("NFKC", str(s))
    # Only commas between digit groups are thousands separators; "2,3项" is a list, not 23.
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    for m in _NUM_RE.finditer(text):
        if m.group("arabic"):
            return float(m.group("arabic")) * _MULT.get(m.group("mult") or "", 1.0)
        tok = m.group("cn")
        if text[max(0, m.start() - 1):m.start()] == "第" or _inside_word(text, m.start(), m.end()):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # cn2an warns before raising on a bare 万
                return float(cn2an.cn2an(tok, "smart"))
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            continue  # a bare unit such as 万 in 万人: look further on
    return None


# ---------------------------------------------------------------- dates

_Y = r"((?:19|20)\d{2})"
_DAY_RE = re.compile(_Y + r"\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})(?!\d)\s*[日号]?")
_MONTH_RE = re.compile(_Y + r"\s*[年\-/.]\s*(\d{1,2})(?!\d)\s*月?")
_YEAR_RANGE_RE = re.compile(_Y + r"\s*年?\s*[-~至到/]\s*" + _Y + r"(?!\d)")
_YEAR_RE = re.compile(_Y + r"\s*(?:学年|年度|年)")


def _days(f: str) -> list[str]:
    out = []
    for y, m, d in _DAY_RE.findall(f):
        if 1 <= int(m) <= 12 and 1 <= int(d) <= 31:  # not a phone number or a version string
            out.append(f"{y}-{int(m):02d}-{int(d):02d}")
    return out


def _fold_date(s) -> str:
    return unicodedata.normalize("NFKC", str(s or "")).translate(_PUNCT).strip()


def normalize_date(s) -> str:
    """ISO form of a date or period: "2020年9月1日至2021年8月31日" -> "2020-09-01/2021-08-31",
    "2018年10月31日" -> "2018-10-31", "2014—2015学年" -> "2014/2015", "2014年" -> "2014".

    Month-level periods come out as "2020-09/2021-08". The result is a fixed point
    (normalising it again gives it back); unparseable text comes back stripped.
    """
    t = str(s or "").strip()
    f = _fold_date(t)
    days = _days(f)
    if len(days) >= 2:
        return f"{days[0]}/{days[1]}"
    if len(days) == 1:
        return days[0]
    months = [f"{y}-{int(m):02d}" for y, m in _MONTH_RE.findall(f) if 1 <= int(m) <= 12]
    # A month needs 年 or a separator after the year; "2014-2015" must not read as month 20.
    if months and not _YEAR_RANGE_RE.search(f):
        return "/".join(months[:2])
    m = _YEAR_RANGE_RE.search(f)
    if m:
        return f"{m.group(1)}/{m.group(2)}"
    m = _YEAR_RE.search(f) or re.fullmatch(_Y, f)
    if m:
        return m.group(1)
    return t


def _date_forms(s) -> set[str]:
    """Every date and adjacent-date period in a sentence, so that a gold period is found even
    when the answer mentions another date (a publication date) before it."""
    days = _days(_fold_date(s))
    forms = {normalize_date(s)} | set(days)
    forms |= {f"{a}/{b}" for a, b in zip(days, days[1:])}
    return forms


# ---------------------------------------------------------------- answers

def _digits(s) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", str(s or "")))


_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def _as_list(v) -> list:
    """A list from a list, a JSON list string, or a 、/，-separated string."""
    if v is None:
        return []
    if isinstance(v, (list, tuple, set)):
        return list(v)
    t = str(v).strip()
    if t.startswith("["):
        try:
            got = json.loads(t)
            if isinstance(got, list):
                return got
        except ValueError:
            pass
    return [x for x in re.split(r"[、，,；;\n]", t) if x.strip()]


def _name_set(v) -> set[str]:
    return {n for n in (norm_text(x) for x in _as_list(v)) if n}


def _present(v) -> bool:
    return v is not None and v != "" and v != []


def list_f1(gold, pred) -> float:
    """F1 of two institution lists compared as sets of normalised names (1.0 when both are empty)."""
    g, p = _name_set(gold), _name_set(pred)
    if not g and not p:
        return 1.0
    tp = len(g & p)
    if not tp:
        return 0.0
    prec, rec = tp / len(p), tp / len(g)
    return 2 * prec * rec / (prec + rec)


def score_answer(gold: dict, pred: dict) -> bool:
    """Whether ``pred`` (asdict of Answer) answers ``gold`` correctly, judged by the gold type.

    none: right only when the prediction abstained; any other type: an abstention is wrong.
    count: numbers equal (value, else the answer sentence). phone: digits equal or the gold
    digits inside the predicted ones. email: case-insensitive equal. date: normalised equal or
    the normalised gold inside the normalised prediction. yesno: value is exactly 是/否 as gold.
    text: normalised gold phrase inside the value or the answer. list: equal sets.
    Unknown types score False.
    """
    kind = gold.get("type")
    abstained = pred.get("abstained") is True
    if kind == "none":
        return abstained
    if abstained:
        return False
    value, answer, want = pred.get("value"), str(pred.get("answer") or ""), gold.get("answer")
    if kind == "count":
        g = to_number(want)
        got = to_number(value) if _present(value) and not isinstance(value, list) else None
        if got is None:
            got = to_number(answer)
        return g is not None and got is not None and abs(g - got) < 1e-9
    if kind == "phone":
        gd = _digits(want)
        pd = _digits(value if _present(value) else answer)
        return bool(gd) and (pd == gd or gd in pd)
    if kind == "email":
        g = str(want or "").strip().lower()
        src = str(value).strip() if _present(value) else answer
        found = [e.lower() for e in _EMAIL_RE.findall(src)] or [src.strip().lower()]
        return bool(g) and g in found
    if kind == "date":
        g = normalize_date(want)
        if not g:
            return False
        for cand in (value, answer):
            if isinstance(cand, str) and cand.strip():
                if g in _date_forms(cand) or g in normalize_date(cand):
                    return True
        return False
    if kind == "yesno":
        return isinstance(value, str) and value.strip() in ("是", "否") and value.strip() == str(want).strip()
    if kind == "text":
        g = norm_text(want)
        cands = ["、".join(map(str, value)) if isinstance(value, list) else value, answer]
        return bool(g) and any(g in norm_text(c) for c in cands if isinstance(c, str))
    if kind == "list":
        return _name_set(want) == _name_set(value)
    return False


# ---------------------------------------------------------------- citations and retrieval

def _has_evidence(gold: dict) -> bool:
    return gold.get("type") not in _TYPES_WITHOUT_EVIDENCE and bool(norm_text(gold.get("evidence")))


def _same_doc(a, b) -> bool:
    # Citations and chunks may carry a path where the gold names only the file.
    return bool(a) and bool(b) and PureWindowsPath(str(a)).name == PureWindowsPath(str(b)).name


def citation_ok(gold: dict, pred: dict) -> bool | None:
    """None when the gold has no evidence (list and none questions); otherwise whether one of the
    first three citations is in the gold doc and its quote contains the evidence or lies inside
    it (whitespace removed, punctuation folded)."""
    if not _has_evidence(gold):
        return None
    ev = norm_text(gold.get("evidence"))
    for c in (pred.get("citations") or [])[:3]:
        q = norm_text(c.get("quote"))
        # An empty quote is "inside" every evidence string, so it must not count.
        if q and _same_doc(c.get("doc"), gold.get("doc")) and (ev in q or q in ev):
            return True
    return False


def evidence_rank(gold: dict, ranked_chunks: list[dict]) -> int | None:
    """1-based rank of the first retrieved chunk ({"doc", "text"}) of the gold doc whose text
    contains the evidence; None when none does or the gold has no evidence."""
    if not _has_evidence(gold):
        return None
    ev = norm_text(gold.get("evidence"))
    for i, c in enumerate(ranked_chunks, 1):
        if _same_doc(c.get("doc"), gold.get("doc")) and ev in norm_text(c.get("text")):
            return i
    return None


# ---------------------------------------------------------------- summary

def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), 0.0 for no values."""
    if not values:
        return 0.0
    v = sorted(values)
    pos = (len(v) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return float(v[lo] + (v[hi] - v[lo]) * (pos - lo))


def _ratio(num: int | float, den: int) -> float | None:
    return num / den if den else None


def summarize(rows: list[dict]) -> dict:
    """Aggregate metrics over rows of ``{"gold", "pred", "latency_ms", "rank"}``.

    citation_accuracy counts only correctly answered rows with evidence, so it measures whether
    right answers are supported, not how often wrong ones happen to be. Retrieval metrics cover
    rows with evidence; a missing rank counts as a miss. Metrics without any eligible row are None,
    except answer_accuracy (0.0 for no rows) and abstention precision/recall, which are 1.0 when
    nothing could go wrong.
    """
    n = len(rows)
    correct = [score_answer(r["gold"], r["pred"]) for r in rows]
    cites = [c for r, ok in zip(rows, correct) if ok for c in [citation_ok(r["gold"], r["pred"])] if c is not None]
    ranks = [r.get("rank") or 0 for r in rows if _has_evidence(r["gold"])]
    abstained = [r for r in rows if r["pred"].get("abstained") is True]
    nones = [r for r in rows if r["gold"].get("type") == "none"]

    counts: dict[str, list[int]] = {}
    for r, ok in zip(rows, correct):
        c = counts.setdefault(r["gold"].get("type", "?"), [0, 0])
        c[0] += 1
        c[1] += int(ok)
    by_type = {t: {"n": k, "accuracy": right / k} for t, (k, right) in sorted(counts.items())}

    lists = [list_f1(r["gold"].get("answer"), r["pred"].get("value")) for r in rows
             if r["gold"].get("type") == "list"]
    # A row without a timing is left out rather than read as 0 ms, which would flatter p50.
    lat = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
    return {
        "n": n,
        # 0.0 rather than None: callers format this one with :.3f unconditionally.
        "answer_accuracy": sum(correct) / n if n else 0.0,
        "citation_accuracy": _ratio(sum(cites), len(cites)),
        "recall_at_1": _ratio(sum(1 for k in ranks if k == 1), len(ranks)),
        "recall_at_5": _ratio(sum(1 for k in ranks if 1 <= k <= 5), len(ranks)),
        "mrr": _ratio(sum(1 / k for k in ranks if k), len(ranks)),
        "abstention_precision": _ratio(sum(1 for r in abstained if r["gold"].get("type") == "none"),
                                       len(abstained)) if abstained else 1.0,
        "abstention_recall": _ratio(sum(1 for r in nones if r["pred"].get("abstained") is True),
                                    len(nones)) if nones else 1.0,
        "latency_ms": {"p50": _percentile(lat, 50), "p95": _percentile(lat, 95)},
        "by_type": by_type,
        "list_f1": _ratio(sum(lists), len(lists)),
    }
