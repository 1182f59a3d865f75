"""The per-report facts table, extracted at ingest with the same extractors that answer questions."""
from __future__ import annotations

from index.schema import Chunk, Document
from index.textutil import sentences

from . import extract as ex
from .parse import InstitutionMatcher, parse

# (fact name, canonical question, extractor)
FACT_QUESTIONS = [
    ("applications_received", "收到多少项信息公开申请？", ex.best_count),
    ("applications_refused", "不予公开的申请有多少项？", ex.best_count),
    ("published_items", "主动公开了多少条信息？", ex.best_count),
    ("complaints", "因信息公开工作受到举报、复议、诉讼吗？", ex.answer_yesno),
    ("phone", "信息公开的联系电话是多少？", ex.best_phone),
    ("email", "信息公开的联系邮箱是什么？", ex.best_email),
    ("period", "本报告的统计期限是什么？", ex.best_date),
    ("office", "信息公开工作由哪个部门负责？", ex.answer_text),
]
MIN_SCORE = {"applications_received": 0.45, "applications_refused": 0.45, "published_items": 0.45,
             "complaints": 0.5, "phone": 0.2, "email": 0.2, "period": 0.2, "office": 0.45}
FACT_LABELS = {"applications_received": "收到申请", "applications_refused": "不予公开",
               "published_items": "主动公开信息", "complaints": "举报/复议/诉讼", "phone": "联系电话",
               "email": "电子邮箱", "period": "统计期限", "office": "负责部门"}


def extract_facts(doc: Document, text: str, chunks: list[Chunk]) -> list[dict]:
    """Facts of one report, each with the exact evidence sentence (for the facts table)."""
    sents = [ex.Sent(doc.doc, s, e, text[s:e], 0.0) for s, e in sentences(text)]
    matcher = InstitutionMatcher([doc.institution])
    out = []
    for name, question, fn in FACT_QUESTIONS:
        found = fn(parse(question, matcher), sents)
        if found is None or found.score < MIN_SCORE[name]:
            continue
        s, e = found.sent.start, found.sent.end
        out.append({"name": name, "value": found.value, "start": s, "end": e, "quote": text[s:e],
                    "extra": {"display": found.display, "score": round(found.score, 3)}})
    return out
