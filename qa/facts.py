"""The per-report facts table, extracted at ingest with the same extractors that answer questions."""
from __future__ import annotations

import re

from index.schema import Chunk, Document
from index.tables import TABLE_FIELDS
from index.textutil import fold, sentences

from . import extract as ex
from . import reader
from .candidates import Sent
from .parse import InstitutionMatcher, parse
from .scorer import load as load_scorer

# (fact name, canonical question); each is answered by the same reader as a user's question,
# with its fitted weights and abstention threshold.
FACT_QUESTIONS = [
    ("applications_received", "收到多少项信息公开申请？"),
    ("applications_refused", "有多少项申请不予公开？"),
    ("published_items", "主动公开了多少条信息？"),
    ("complaints", "因信息公开工作受到举报、复议、诉讼吗？"),
    ("phone", "信息公开的联系电话是多少？"),
    ("email", "信息公开的联系邮箱是什么？"),
    ("period", "本报告的统计期限是什么？"),
    ("office", "对本报告有疑问应联系哪个部门？"),
]
FACT_LABELS = {"applications_received": "收到申请", "applications_refused": "不予公开",
               "published_items": "主动公开信息", "complaints": "举报/复议/诉讼", "phone": "联系电话",
               "email": "电子邮箱", "period": "统计期限", "office": "负责部门"}
# The government tables' fields (表三 by outcome and reason, headline 表二/表四 figures, the
# arithmetic check), stored at ingest by index/tables.py; the compare view shows a few by default.
FACT_LABELS.update(TABLE_FIELDS)
DEFAULT_FACTS = [*list(FACT_LABELS)[:8], "t3_new", "t3_granted", "t3_refused", "t3_unable", "t3_total",
                 "t3_carry_next", "t4_review_total", "t4_litigation_total", "table_arithmetic"]

# Rows of the standard government table 收到和处理政府信息公开申请情况 (总计 is the last number).
_GOV_ROWS = {
    "new": re.compile(r"本年新收.{0,12}申请数量"),
    "carried": re.compile(r"上年结转.{0,12}申请数量"),
    "total": re.compile(r"[(（]七[)）]\s*总计"),
    "carry_next": re.compile(r"结转下年度?继续办理"),
    "refused": re.compile(r"[(（]三[)）]\s*不予公开"),
}


def _line_spans(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line), line
        pos += len(line) + 1


def parse_gov_table(text: str) -> dict:
    """Totals of the standard application table: {row: (value, start, end)}; refused sums its sub-rows."""
    rows: dict = {}
    lines = list(_line_spans(text))
    for i, (s, e, line) in enumerate(lines):
        f = fold(line)
        nums = re.findall(r"(?<![\d.])\d+(?![\d.])", f.split("\t", 1)[-1] if "\t" in f else "")
        for name, pat in _GOV_ROWS.items():
            if name in rows or not pat.search(f):
                continue
            if name == "refused":
                total, end = 0, e
                for s2, e2, l2 in [lines[i]] + lines[i + 1:i + 10]:
                    if l2 is not line and re.search(r"[(（][一二四五六七][)）]", fold(l2)):
                        break
                    n2 = re.findall(r"\d+", fold(l2).rsplit("\t", 1)[-1])
                    if n2:
                        total += int(n2[-1])
                        end = e2
                rows[name] = (total, s, end)
            elif nums:
                rows[name] = (int(nums[-1]), s, e)
    return rows


def gov_facts(text: str) -> list[dict]:
    """Facts from the government table, with its arithmetic rule checked (新收+结转 = 办理结果+结转下年)."""
    rows = parse_gov_table(text)
    if "new" not in rows:
        return []
    check = None
    if all(k in rows for k in ("new", "carried", "total", "carry_next")):
        ok = rows["new"][0] + rows["carried"][0] == rows["total"][0] + rows["carry_next"][0]
        check = "ok" if ok else "mismatch"
    out = []
    for name, row in (("applications_received", "new"), ("applications_refused", "refused"),
                      ("applications_completed", "total")):
        if row in rows:
            v, s, e = rows[row]
            out.append({"name": name, "value": str(v), "start": s, "end": e, "quote": text[s:e],
                        "extra": {"source": "table", "arithmetic": check}})
    return out


def extract_facts(doc: Document, text: str, chunks: list[Chunk]) -> list[dict]:
    """Facts of one report, each with the exact evidence sentence (for the facts table)."""
    sents = [Sent(doc.doc, s, e, text[s:e], 0.0) for s, e in sentences(text)]
    matcher = InstitutionMatcher([doc.institution])
    table = {f["name"]: f for f in gov_facts(text)}
    out = list(table.values())
    scorer = load_scorer()
    for name, question in FACT_QUESTIONS:
        if name in table:
            continue
        p = ex.with_idf(parse(question, matcher), sents)
        if p.intent == "yesno":
            params = ex.YesNoParams.of(scorer.yesno)
            found = ex.answer_yesno(p, sents, params)
            ok = found is not None and found.score >= params.floor
        else:
            cands, X = reader.rank(p, sents, {doc.doc: doc.year})
            found, ok = reader.pick(scorer, p, cands, X)
        if found is None or not ok:
            continue
        s, e = found.sent.start, found.sent.end
        out.append({"name": name, "value": found.value, "start": s, "end": e, "quote": text[s:e],
                    "extra": {"display": found.display, "score": round(found.score, 3)}})
    return out
