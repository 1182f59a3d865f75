"""The naive RAG a user would otherwise build, measured beside ReportQA in the same run.

Fixed-size character chunks of the raw extracted text, the same embedding model, FAISS
top-k with no institution scoping and no keyword search, and the answer taken as the first
value of the asked type in the top chunk; abstain below a fixed similarity threshold.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from index.embed import Embedder
from index.ingest import walk
from index.readers import read_file
from index.vectors import VectorIndex
from index.lexicon import ACADEMIC_YEAR, DAY
from qa.candidates import EMAIL, PHONE
from qa.numbers import find_numbers
from qa.parse import detect_intent
from qa.schema import Answer, Citation

CHUNK = 400
THRESHOLD = 0.55
_PERIOD_RE = re.compile(r"20\d{2}年\d{1,2}月\d{1,2}日.{0,3}(?:至|到|—|-).{0,3}20\d{2}年\d{1,2}月\d{1,2}日")


class NaiveRAG:
    """Fixed-size chunks + dense top-k + first-match extraction."""

    def __init__(self, embedder: Embedder, chunk: int = CHUNK, threshold: float = THRESHOLD):
        self.embedder, self.chunk, self.threshold = embedder, chunk, threshold
        self.chunks: list[tuple[str, int, str]] = []  # (doc, start, text)
        self.index = VectorIndex(embedder.dim)

    def build(self, corpora: list[Path], max_bytes: int = 50 * 1024 * 1024) -> None:
        for path in walk(corpora):
            try:
                _, _, segments = read_file(path, max_bytes)
            except Exception:  # the naive pipeline just skips what it cannot read
                continue
            text = "\n".join(t for _, t in segments)
            for s in range(0, len(text), self.chunk):
                self.chunks.append((path.name, s, text[s:s + self.chunk]))
        vecs = self.embedder.embed([c[2] for c in self.chunks]) if self.chunks else np.zeros((0, self.embedder.dim))
        self.index.add(np.arange(len(self.chunks)), vecs)

    def ranked(self, question: str, k: int = 5) -> list[dict]:
        q = self.embedder.embed([question])[0]
        return [{"doc": self.chunks[i][0], "text": self.chunks[i][2], "score": s}
                for i, s in self.index.search(q, k)]

    def ask(self, question: str) -> Answer:
        hits = self.index.search(self.embedder.embed([question])[0], 1)
        intent = detect_intent(question)
        if not hits or hits[0][1] < self.threshold:
            return Answer(question, "未找到", None, True, hits[0][1] if hits else 0.0, [], intent)
        i, score = hits[0]
        doc, start, text = self.chunks[i]
        value, span = _first_value(intent, text)
        if intent == "text":
            value, span = _best_sentence(question, text)
            value = value or None
        if value is None:
            return Answer(question, "未找到", None, True, score, [], intent)
        # the naive pipeline cites its whole top chunk
        cite = Citation(doc, "", "", "", start, start + len(text), None, text)
        return Answer(question, str(value), value, False, float(score), [cite], intent)


def _first_value(intent: str, text: str):
    if intent in ("count", "superlative"):
        nums = find_numbers(text)
        return (str(nums[0].value), (nums[0].start, nums[0].end)) if nums else (None, None)
    pat = {"phone": PHONE, "email": EMAIL}.get(intent)
    if intent == "date":
        m = _PERIOD_RE.search(text) or DAY.search(text) or ACADEMIC_YEAR.search(text)
        return (m.group(), m.span()) if m else (None, None)
    if intent == "yesno":
        return ("否" if re.search(r"未|没有|无", text) else "是"), (0, len(text))
    if intent == "list":
        return [], (0, 0)
    if pat is not None:
        m = pat.search(text)
        return (m.group(), m.span()) if m else (None, None)
    return None, None


def _best_sentence(question: str, text: str) -> tuple[str, tuple[int, int]]:
    """The sentence of ``text`` sharing most character bigrams with the question."""
    grams = {question[i:i + 2] for i in range(len(question) - 1)}
    best, span, pos = "", (0, 0), 0
    for sent in re.split(r"(?<=[。；！？\n])", text):
        score = sum(1 for i in range(len(sent) - 1) if sent[i:i + 2] in grams)
        if sent.strip() and (not best or score > best[0]):
            best, span = (score, sent.strip()), (pos, pos + len(sent))
        pos += len(sent)
    return (best[1] if best else ""), span
