"""Score answers against gold questions in the QA format of ../shared/README.md."""
from __future__ import annotations

import json
import re
import statistics

from qa.numbers import to_number as _to_number

_PUNCT = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "“": '"', "”": '"',
                        "《": "<", "》": ">", "〈": "<", "〉": ">", "—": "-", "－": "-", "～": "~"})


def norm_text(s) -> str:
    """Whitespace removed, full-width punctuation folded, lower-cased: for containment checks."""
    return re.sub(r"\s+", "", str(s or "")).translate(_PUNCT).lower()


def to_number(s) -> float | None:
    """The first number in a string: Arabic digits or Chinese numerals (七 -> 7, 2.5万 -> 25000)."""
    if s is None:
        return None
    text = str(s).replace(",", "")
    m = re.search(r"\d+(?:\.\d+)?\s*万?|[零〇一二两三四五六七八九十百千万亿]+", text)
    if not m:
        return None
    tok = m.group().strip()
    mult = 1
    if tok.endswith("万") and re.match(r"\d", tok):
        tok, mult = tok[:-1].strip(), 10000
    v = _to_number(tok)
    return None if v is None else float(v) * mult


_DAY = r"(20\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"


def normalize_date(s) -> str:
    """ISO form of a date ("2018-10-31"), a period ("2020-09-01/2021-08-31"), an academic
    year ("2014/2015") or a year ("2014"); unparseable text comes back stripped."""
    t = str(s or "").strip()
    f = t.translate(_PUNCT)
    days = re.findall(_DAY, f)
    if len(days) >= 2:
        (y1, m1, d1), (y2, m2, d2) = days[:2]
        return f"{int(y1):04d}-{int(m1):02d}-{int(d1):02d}/{int(y2):04d}-{int(m2):02d}-{int(d2):02d}"
    if len(days) == 1:
        y, m, d = days[0]
        return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
    m = re.search(r"(20\d{2})\s*[-~至到/]\s*(20\d{2})\s*(学年|年度|年)?", f)
    if m:
        return f"{m.group(1)}/{m.group(2)}"
    m = re.search(r"(20\d{2})\s*年", f)
    if m:
        return m.group(1)
    return t


def _as_list(v) -> list:
    if isinstance(v, list):
        return v
    if isinstance(v, str) and v.strip().startswith("["):
        try:
            return list(json.loads(v))
        except ValueError:
            return [v]
    return [v] if v else []


def list_f1(gold, pred) -> float:
    """F1 of two institution lists taken as sets."""
    g = {norm_text(x) for x in _as_list(gold)}
    p = {norm_text(x) for x in _as_list(pred)}
    if not g and not p:
        return 1.0
    tp = len(g & p)
    if not tp:
        return 0.0
    prec, rec = tp / len(p), tp / len(g)
    return 2 * prec * rec / (prec + rec)


def score_answer(gold: dict, pred: dict) -> bool:
    """Whether a predicted answer (asdict of Answer) is right for a gold question, by type."""
    kind = gold.get("type")
    if kind == "none":
        return bool(pred.get("abstained"))
    if pred.get("abstained"):
        return False
    value, answer, want = pred.get("value"), pred.get("answer") or "", gold.get("answer")
    if kind == "count":
        g = to_number(want)
        got = to_number(value) if value not in (None, "", []) else to_number(answer)
        return g is not None and got is not None and abs(g - got) < 1e-9
    if kind == "phone":
        gd = re.sub(r"\D", "", str(want))
        if value:
            return re.sub(r"\D", "", str(value)) == gd
        return bool(gd) and gd in re.sub(r"\D", "", answer)
    if kind == "email":
        return any(str(want).strip().lower() == str(c or "").strip().lower() or
                   str(want).strip().lower() in str(c or "").lower() for c in (value, answer))
    if kind == "date":
        g = normalize_date(want)
        for cand in (value, answer):
            if cand and (normalize_date(cand) == g or g in normalize_date(cand)):
                return True
        return False
    if kind == "yesno":
        return str(value or "").strip() == str(want).strip()
    if kind == "text":
        g = norm_text(want)
        return bool(g) and any(g in norm_text(c) for c in (value, answer) if isinstance(c, str))
    if kind == "list":
        return {norm_text(x) for x in _as_list(want)} == {norm_text(x) for x in _as_list(value)}
    return False


def citation_ok(gold: dict, pred: dict) -> bool | None:
    """None without gold evidence; else whether a top-3 citation of the gold doc contains the
    evidence or lies inside it."""
    ev = norm_text(gold.get("evidence"))
    if not ev:
        return None
    for c in (pred.get("citations") or [])[:3]:
        q = norm_text(c.get("quote"))
        if c.get("doc") == gold.get("doc") and q and (ev in q or q in ev):
            return True
    return False


def evidence_rank(gold: dict, ranked_chunks: list[dict]) -> int | None:
    """1-based rank of the first retrieved chunk of the gold doc that contains the evidence."""
    ev = norm_text(gold.get("evidence"))
    if not ev:
        return None
    for i, c in enumerate(ranked_chunks, 1):
        if c.get("doc") == gold.get("doc") and ev in norm_text(c.get("text")):
            return i
    return None


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1])


def summarize(rows: list[dict]) -> dict:
    """Aggregate metrics over rows of {"gold", "pred", "latency_ms", "rank"}."""
    n = len(rows)
    correct = [score_answer(r["gold"], r["pred"]) for r in rows]
    cites = [citation_ok(r["gold"], r["pred"]) for r, ok in zip(rows, correct) if ok]
    cites = [c for c in cites if c is not None]
    with_ev = [r for r in rows if r["gold"].get("evidence")]
    ranks = [r.get("rank") for r in with_ev]
    abstained = [r for r in rows if r["pred"].get("abstained")]
    nones = [r for r in rows if r["gold"].get("type") == "none"]
    by_type: dict = {}
    for r, ok in zip(rows, correct):
        t = by_type.setdefault(r["gold"].get("type", "?"), {"n": 0, "correct": 0})
        t["n"] += 1
        t["correct"] += int(ok)
    for t in by_type.values():
        t["accuracy"] = t["correct"] / t["n"]
    lists = [list_f1(r["gold"].get("answer"), r["pred"].get("value")) for r in rows if r["gold"].get("type") == "list"]
    lat = [float(r.get("latency_ms") or 0.0) for r in rows]
    return {
        "n": n,
        "answer_accuracy": sum(correct) / n if n else 0.0,
        "citation_accuracy": (sum(cites) / len(cites)) if cites else None,
        "recall_at_1": (sum(1 for k in ranks if k == 1) / len(ranks)) if ranks else None,
        "recall_at_5": (sum(1 for k in ranks if k and k <= 5) / len(ranks)) if ranks else None,
        "mrr": (sum(1 / k for k in ranks if k) / len(ranks)) if ranks else None,
        "abstention_precision": (sum(1 for r in abstained if r["gold"].get("type") == "none") / len(abstained))
        if abstained else 1.0,
        "abstention_recall": (sum(1 for r in nones if r["pred"].get("abstained")) / len(nones)) if nones else 1.0,
        "latency_ms": {"p50": _pct(lat, 50), "p95": _pct(lat, 95)},
        "by_type": by_type,
        "list_f1": (sum(lists) / len(lists)) if lists else None,
    }
