"""The answerer: scope, retrieve (dense + BM25, fused), extract, cite or abstain."""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import replace

import numpy as np

from index import lexicon
from index.embed import Embedder
from index.repository import Index
from index.schema import Chunk, Hit
from index.textutil import fold, sentences
from index.tokenize import tokenize
from index.settings import Settings

from . import extract as ex
from . import scorer as scoring
from . import reader
from .candidates import Sent
from .errors import InvalidQuestion, UnknownFilter
from .parse import InstitutionMatcher, Parsed, parse, question_years, to_simplified
from .schema import Answer, Citation

FOLLOW_UP = re.compile(r"^(那|那么|还有|再看看|换成|改成)|呢[?？]?$")


def rrf(rankings: list[list[int]], weights: list[float], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of several ranked id lists."""
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for r, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + w / (k + r + 1)
    return sorted(scores.items(), key=lambda x: -x[1])


class Engine:
    """Answers questions over one loaded index version."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings):
        self.index, self.embedder, self.settings = index, embedder, settings
        self.docs = {d.doc: d for d in index.store.documents()}
        self.matcher = InstitutionMatcher([d.institution for d in self.docs.values()])
        self.facts = index.store.facts()
        # An index version never changes, so these are read or computed once per document.
        self._institutions = sorted({d.institution for d in self.docs.values()})
        self._years = sorted({d.year for d in self.docs.values() if d.year})
        self._texts: dict[str, str] = {}
        self._sentences: dict[str, list[tuple[int, int]]] = {}
        self._chunks: dict[str, list[Chunk]] = {}
        self._scorer: scoring.Scorer | None = None

    @property
    def scorer(self) -> scoring.Scorer:
        """The fitted candidate scorer (qa/reader_weights.json), read on first use."""
        if self._scorer is None:
            self._scorer = scoring.load()
        return self._scorer

    @scorer.setter
    def scorer(self, value: scoring.Scorer) -> None:
        self._scorer = value  # eval --cv answers each fold with a scorer fitted on the other folds

    # ------------------------------------------------------------------ helpers
    def text(self, doc: str) -> str:
        if doc not in self._texts:
            self._texts[doc] = self.index.store.text(doc)
        return self._texts[doc]

    def doc_sentences(self, doc: str) -> list[tuple[int, int]]:
        """Sentence spans of a report's cleaned text."""
        if doc not in self._sentences:
            self._sentences[doc] = sentences(self.text(doc))
        return self._sentences[doc]

    def institutions(self) -> list[str]:
        return self._institutions

    def years(self) -> list[str]:
        return self._years

    def citation(self, doc: str, start: int, end: int) -> Citation:
        d = self.docs[doc]
        text = self.text(doc)
        if doc not in self._chunks:
            self._chunks[doc] = self.index.store.chunks(doc=doc)
        section = ""
        page = None
        for c in self._chunks[doc]:
            if c.start <= start < c.end:
                section, page = c.section, c.page
                break
        return Citation(doc=doc, institution=d.institution, year=d.year, section=section,
                        start=start, end=end, page=page, quote=text[start:end])

    def sentence_citation(self, doc: str, start: int, end: int) -> Citation:
        """The citation of the whole sentence holding [start, end)."""
        text = self.text(doc)
        for s, e in self.doc_sentences(doc):
            if s <= start < e:
                return self.citation(doc, s, max(e, min(end, len(text))))
        return self.citation(doc, start, end)

    # ---------------------------------------------------------------- retrieval
    def retrieve(self, query: str, docs: list[str] | None = None, k: int | None = None) -> list[Hit]:
        """Hybrid retrieval: FAISS cosine and BM25 rankings fused with RRF."""
        k = k or self.settings.top_k
        allowed = None
        if docs is not None:
            allowed = np.asarray(self.index.store.chunk_ids_where(docs), dtype=np.int64)
            if len(allowed) == 0:
                return []
        depth = max(k * 3, 20)
        dense = self.index.vectors.search(self.embedder.embed([query])[0], depth, allowed, docs)
        sparse = self.index.keyword.search(tokenize(query), depth, allowed, docs)
        fused = rrf([[i for i, _ in dense], [i for i, _ in sparse]],
                    [self.settings.dense_weight, self.settings.keyword_weight], self.settings.rrf_k)[:k]
        chunks = {c.id: c for c in self.index.store.chunks([i for i, _ in fused])}
        dr = {i: r for r, (i, _) in enumerate(dense)}
        kr = {i: r for r, (i, _) in enumerate(sparse)}
        return [Hit(chunks[i], s, "hybrid", {"dense": dr.get(i), "keyword": kr.get(i)})
                for i, s in fused if i in chunks]

    def candidate_sentences(self, p: Parsed, docs: list[str] | None, hits: list[Hit]) -> list[Sent]:
        """Sentences of the top chunks, plus every sentence of a small scoped set of reports."""
        strength: dict[tuple[str, int, int], float] = {}
        for r, h in enumerate(hits):
            text = self.text(h.chunk.doc)
            for s, e in sentences(text[h.chunk.start:h.chunk.end], h.chunk.start):
                key = (h.chunk.doc, s, e)
                strength[key] = max(strength.get(key, 0.0), 1.0 / (1 + r))
        out = []
        if docs is not None and len(docs) <= 3:
            for d in docs:
                text = self.text(d)
                for s, e in self.doc_sentences(d):
                    out.append(Sent(d, s, e, text[s:e], strength.get((d, s, e), 0.0)))
            return out
        for (d, s, e), st in strength.items():
            out.append(Sent(d, s, e, self.text(d)[s:e], st))
        return out

    # ------------------------------------------------------------------- asking
    def validate(self, question: str) -> str:
        q = (question or "").strip()
        if not q:
            raise InvalidQuestion("question is empty")
        if len(q) > self.settings.max_question_chars:
            raise InvalidQuestion(f"question is {len(q)} characters; the limit is {self.settings.max_question_chars}")
        if not re.search(r"[\w\u4e00-\u9fff]", q):
            raise InvalidQuestion("question has no words")
        return to_simplified(q)

    def resolve_follow_up(self, q: str, history) -> str:
        """「那湖南工商大学呢？」 after a question about 重庆理工大学 asks the same of 湖南工商大学."""
        prev = _last_question(history)
        if not prev:
            return q
        new_insts, _ = self.matcher.match(q)
        if not FOLLOW_UP.search(q) and len(q) > 14:
            return q
        old_insts, _ = self.matcher.match(prev)
        new_years = question_years(q)
        base = prev
        if new_insts:
            if old_insts:
                for o in old_insts:
                    base = base.replace(o, "\u0000")
                base = base.replace("\u0000", new_insts[0], 1).replace("\u0000", "")
            else:
                base = new_insts[0] + base
            # aliases in the previous question (重庆理工) are replaced by the new name too
            for a in getattr(self.matcher, "last_aliases", []):
                base = base.replace(a, new_insts[0])
        if new_years:
            base = re.sub(r"20\d{2}\s*[-—–]\s*20\d{2}\s*(学年度|学年|年度)?|20\d{2}\s*(年度|年)", new_years[0] + "年", base, count=1)
        return base if (new_insts or new_years) else q

    def scope(self, q: str, q_eff: str, filters: dict | None):
        """(parsed question, docs in scope or None for all, years, an abstention or None).

        Institutions and years named in the question (or given as filters) restrict the
        reports; naming ones that are not indexed is an abstention that says which.
        """
        p = parse(q_eff, self.matcher)
        filters = filters or {}
        insts = list(p.institutions)
        if filters.get("institution"):
            fi = filters["institution"]
            if fi not in self.institutions():
                raise UnknownFilter(f"institution {fi!r} is not indexed")
            insts = [fi]
        years = list(p.years)
        if filters.get("year"):
            fy = str(filters["year"])
            if fy not in self.years():
                raise UnknownFilter(f"year {fy!r} is not indexed")
            years = [fy]
        if p.unknown_institutions and not p.institutions and not filters.get("institution"):
            names = "、".join(p.unknown_institutions)
            return p, None, years, _abstain(q, f"索引中没有{names}的报告，无法回答。", p.intent)
        if p.ambiguous and not insts:
            word, owners = p.ambiguous[0]
            return p, None, years, _abstain(q, f"「{word}」可能指{'、'.join(owners)}，请写出是哪一所。", p.intent)
        docs = None
        if insts:
            docs = [d.doc for d in self.docs.values() if d.institution in insts]
        if years:
            pool = docs if docs is not None else list(self.docs)
            scoped = [d for d in pool if _year_matches(self.docs[d].year, years)]
            if not scoped:
                who = "、".join(insts) if insts else "索引"
                return p, None, years, _abstain(q, f"{who}没有{'、'.join(years)}的报告，无法回答。", p.intent)
            docs = scoped
        return p, docs, years, None

    def search(self, question: str, k: int = 5, filters: dict | None = None) -> list[Hit]:
        """The top-k chunks for a question, scoped as ``ask`` scopes it (for recall metrics)."""
        q = self.validate(question)
        p, docs, _, refusal = self.scope(q, q, filters)
        if refusal is not None:
            return []
        return self.retrieve(q, docs, k)

    def ask(self, question: str, history=None, filters: dict | None = None) -> Answer:
        """Answer one question (with optional chat history and institution/year filters)."""
        answer = self._ask(question, history, filters)
        original = question.strip()
        return answer if answer.question == original else replace(answer, question=original)

    def _ask(self, question: str, history, filters: dict | None) -> Answer:
        q = self.validate(question)
        if not self.docs:
            return _abstain(q, "索引为空：还没有导入任何报告。", "none")
        if history:
            q_eff = self.resolve_follow_up(q, history)
        else:
            q_eff = q
        p, docs, years, refusal = self.scope(q, q_eff, filters)
        if refusal is not None:
            return refusal
        if p.intent in ("list", "superlative", "compare"):
            return self.cross_report(q, p, set(docs) if docs is not None else (
                {d for d in self.docs if _year_matches(self.docs[d].year, years)} if years else None))
        if p.intent == "practice":
            return self.practice(q, p, docs)
        return self.answer_single(q, q_eff, p, docs)

    def read(self, q_eff: str, p: Parsed, docs: list[str] | None):
        """Retrieve, then list and featurise the candidates: (parsed with idf, hits, sentences,
        candidates, feature matrix). The stages the fitted scorer reads (and eval.fit fits on)."""
        hits = self.retrieve(q_eff, docs)
        sents = self.candidate_sentences(p, docs, hits)
        p = ex.with_idf(p, sents)
        sents = _focus_sentences(p, sents)
        years = {d: self.docs[d].year for d in {s.doc for s in sents} if d in self.docs}
        cands, X = reader.rank(p, sents, years)
        return p, hits, sents, cands, X

    def answer_single(self, q: str, q_eff: str, p: Parsed, docs: list[str] | None) -> Answer:
        """The single-report reader: retrieve within ``docs``, list typed candidates, score them with
        the fitted model, cite the best or abstain below the fitted threshold.

        This is the seam the cross-report planner calls once per report (``docs=[doc]``)."""
        published = self.published_answer(q, p, docs)
        if published is not None:
            return published
        p, hits, sents, cands, X = self.read(q_eff, p, docs)
        found = None
        ok = False
        if p.intent == "yesno":
            found = ex.answer_yesno(p, sents)
            ok = found is not None and found.score >= self.settings.abstain_threshold
        else:
            if p.intent == "text":
                ordinal = ex.answer_ordinal(p, sents)
                if ordinal is not None and ordinal.score >= self.settings.abstain_threshold:
                    found, ok = ordinal, True
            if found is None:
                found, ok = reader.pick(self.scorer, p, cands, X)
        related = [self.citation(h.chunk.doc, h.chunk.start, h.chunk.end) for h in hits[:3]]
        if found is None or not ok:
            return _abstain(q, "报告中没有找到能回答这个问题的内容。以下是最相关的段落（仅供参考，不是答案）。",
                            p.intent, related, confidence=float(found.score) if found else 0.0)
        cite = self.sentence_citation(found.sent.doc, found.span[0], found.span[1])
        d = self.docs[found.sent.doc]
        answer = _phrase(p.intent, d.institution, found)
        if docs is None and len(self.institutions()) > 1:
            answer = f"{d.institution}：{answer}"  # the question named no school: say whose figure this is
        result = Answer(question=q, answer=answer, value=found.value, abstained=False,
                        confidence=round(min(1.0, max(0.0, found.score)), 3), citations=[cite],
                        intent=p.intent)
        if self.settings.llm_url:
            from .generate import generate

            passages = [cite] + [c for c in related if c.quote != cite.quote]
            result = generate(result, passages, self.settings.llm_url, self.settings.llm_model,
                              self.settings.llm_api_key)
        return result

    def published_answer(self, q: str, p: Parsed, docs: list[str] | None) -> Answer | None:
        """「…报告是哪天发布的」 of one report: the page's publication date kept at ingest
        (Document.published, from 发布时间:… lines that cleaning drops), cited by the report's title."""
        if p.intent != "date" or docs is None or len(docs) != 1 or not self.docs[docs[0]].published:
            return None
        f = fold(q)
        if not lexicon.ASKS_PUBLICATION.search(f) or any(v in f for v in lexicon.EVENT_VERBS):
            return None
        d = self.docs[docs[0]]
        y, m, day = (int(x) for x in d.published.split("-"))
        # cite the line that states it when cleaning kept it (发布日期:2018-10-31), else the title
        stated = re.search(rf"{y}\s*[-/.年]\s*0?{m}\s*[-/.月]\s*0?{day}(?!\d)", fold(self.text(d.doc)))
        spans = self.doc_sentences(d.doc)
        if stated:
            cite = self.sentence_citation(d.doc, stated.start(), stated.end())
        else:
            cite = self.citation(d.doc, *spans[0]) if spans else self.citation(d.doc, 0, 0)
        return Answer(question=q, answer=f"{d.published}（网页发布时间）", value=d.published, abstained=False,
                      confidence=1.0, citations=[cite], intent=p.intent)

    # ----------------------------------------------------------- cross-report
    def fact_rows(self, name: str) -> list[dict]:
        return [f for f in self.facts if f["name"] == name and f["doc"] in self.docs]

    def cross_report(self, q: str, p: Parsed, scope: set[str] | None = None) -> Answer:
        """List, superlative and comparison questions, answered from the facts table."""
        f = fold(q)
        schools_only = bool(re.search(r"学校|高校|院校|大学", f))
        if re.search(r"举报|复议|诉讼", f):
            name = "complaints"
        elif re.search(r"主动公开", f):
            name = "published_items"
        elif re.search(r"不予公开", f):
            name = "applications_refused"
        else:
            name = "applications_received"
        rows = [r for r in self.fact_rows(name) if scope is None or r["doc"] in scope]
        if schools_only:
            rows = [r for r in rows if self.docs[r["doc"]].institution.endswith(("大学", "学院", "学校"))]
        if not rows:
            return _abstain(q, "事实表中没有这一项，无法跨校比较。", p.intent)
        cites = [self.citation(r["doc"], r["start"], r["end"]) for r in rows]
        if p.intent == "list":
            neg = bool(re.search(r"没有|未|无", f))
            if name == "complaints":
                pick = [r for r in rows if (r["value"] in ("否", "0")) == neg]
            else:
                pick = [r for r in rows if (float(r["value"]) == 0) == neg]
            names = sorted({self.docs[r["doc"]].institution for r in pick})
            cites = [c for c, r in zip(cites, rows) if r in pick]
            ans = ("、".join(names) if names else "没有符合条件的学校") + "。"
            return Answer(q, ans, names, False, 0.8, cites, p.intent)
        if p.intent == "superlative":
            num = [r for r in rows if _is_num(r["value"])]
            if not num:
                return _abstain(q, "没有可比较的数字。", p.intent)
            most = not re.search(r"最少|最低", f)
            r = (max if most else min)(num, key=lambda r: float(r["value"]))
            inst = self.docs[r["doc"]].institution
            return Answer(q, f"{inst}（{r['value']}）", inst, False, 0.7,
                          [self.citation(r["doc"], r["start"], r["end"])], p.intent)
        lines = [f"{self.docs[r['doc']].institution}：{r['quote']}" for r in rows]
        return Answer(q, "\n".join(lines), [self.docs[r["doc"]].institution for r in rows], False, 0.7,
                      cites, p.intent)

    def practice(self, q: str, p: Parsed, docs: list[str] | None) -> Answer:
        """Peer practice: top passages spread across institutions, grouped by school."""
        hits = self.retrieve(q, docs, k=40)
        groups: "OrderedDict[str, list[Citation]]" = OrderedDict()
        for h in hits:
            inst = h.chunk.institution
            if len(groups.get(inst, [])) >= 2 or (inst not in groups and len(groups) >= 6):
                continue
            text = self.text(h.chunk.doc)
            best = max(sentences(text[h.chunk.start:h.chunk.end], h.chunk.start) or [(h.chunk.start, h.chunk.end)],
                       key=lambda se: ex.cov(p, text[se[0]:se[1]]))
            groups.setdefault(inst, []).append(self.citation(h.chunk.doc, best[0], best[1]))
        if not groups:
            return _abstain(q, "没有找到相关做法。", p.intent)
        cites = [c for cs in groups.values() for c in cs]
        ans = f"{len(groups)}所学校的相关做法：" + "；".join(groups)
        return Answer(q, ans, list(groups), False, 0.6, cites, p.intent, groups=dict(groups))


def _is_num(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def _year_matches(doc_year: str, years: list[str]) -> bool:
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


def _last_question(history) -> str:
    """The last user question in a history of strings, (q, a) pairs or {role, content} dicts."""
    for item in reversed(list(history or [])):
        if isinstance(item, str):
            return item
        if isinstance(item, dict):
            if item.get("role") in (None, "user") and (item.get("question") or item.get("content")):
                c = item.get("question") or item.get("content")
                if isinstance(c, str):
                    return c
        elif isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            return item[0]
    return ""


def _focus_sentences(p: Parsed, sents: list[Sent], keep: int = 40) -> list[Sent]:
    """The sentences worth reading: those whose text or neighbours share a term with the question
    (a 电话: line beside the sentence naming the office), at most ``keep``, in report order."""
    score = []
    for i, s in enumerate(sents):
        own = ex.cov(p, s.text)
        near = max((ex.cov(p, sents[j].text) for j in (i - 1, i + 1)
                    if 0 <= j < len(sents) and sents[j].doc == s.doc), default=0.0)
        score.append(own + 0.5 * near + s.ret)
    order = sorted(range(len(sents)), key=lambda i: -score[i])
    top = sorted(i for i in order[:keep] if score[i] > 0)
    return [sents[i] for i in top]


def _phrase(intent: str, inst: str, f: ex.Found) -> str:
    if intent == "count":
        return f"{f.display}" if f.value != "0" else f"0（{f.display}）"
    if intent == "yesno":
        return f"{f.value}。"
    return f.display


def _abstain(q: str, why: str, intent: str, related=None, confidence: float = 0.0) -> Answer:
    return Answer(question=q, answer=why, value=None, abstained=True, confidence=round(confidence, 3),
                  citations=[], intent=intent, related=list(related or []))


__all__ = ["Engine", "rrf"]
