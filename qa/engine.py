"""The answerer: scope, retrieve (dense + BM25, fused), extract, cite or abstain."""
from __future__ import annotations

import re
import threading
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
from index.tables import CELL_FACT, CHECK_FACT

from . import extract as ex
from . import followup
from . import planner as pl
from . import reader
from . import scorer as scoring
from .candidates import Sent
from .errors import ConflictingScope, InvalidQuestion, UnknownFilter
from .parse import Parsed, parse, to_simplified
from .scope import InstitutionMatcher, question_years, year_matches
from .schema import Answer, Citation


def rrf(rankings: list[list[int]], weights: list[float], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of several ranked id lists."""
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for r, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + w / (k + r + 1)
    return sorted(scores.items(), key=lambda x: -x[1])


class QueryVectors:
    """An embedder that remembers the vectors of recent single questions.

    The cross-report planner asks the same sub-question of every report in scope; embedding it
    once instead of once per report is most of what makes a list question over 1,000 reports fast."""

    def __init__(self, embedder: Embedder, size: int = 1024):
        self.inner, self.size = embedder, size
        self.dim = getattr(embedder, "dim", None)
        self._memo: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts):
        if len(texts) != 1:
            return self.inner.embed(texts)
        key = texts[0]
        with self._lock:
            vec = self._memo.get(key)
            if vec is not None:
                self._memo.move_to_end(key)
                return vec
        vec = self.inner.embed(texts)
        with self._lock:
            self._memo[key] = vec
            while len(self._memo) > self.size:
                self._memo.popitem(last=False)
        return vec

    def __getattr__(self, name):
        return getattr(self.inner, name)


class Engine:
    """Answers questions over one loaded index version."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings):
        self.index, self.embedder, self.settings = index, QueryVectors(embedder), settings
        self.docs = {d.doc: d for d in index.store.documents()}
        self.matcher = InstitutionMatcher([d.institution for d in self.docs.values()])
        self.facts = index.store.facts(exclude=(CELL_FACT, CHECK_FACT))  # cells: qa/tables.py, per report
        # An index version never changes, so these are read or computed once per document.
        self._institutions = sorted({d.institution for d in self.docs.values()})
        self._years = sorted({d.year for d in self.docs.values() if d.year})
        self._texts: dict[str, str] = {}
        self._sentences: dict[str, list[tuple[int, int]]] = {}
        self._chunks: dict[str, list[Chunk]] = {}
        self._chunk_ids: dict[str, np.ndarray] | None = None  # doc -> chunk ids, read once (chunk_ids)
        self.cross = pl.CrossReport(self, getattr(index, "version", ""))
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

    def match(self, q: str) -> followup.Match:
        """Institutions named in ``q`` (with the aliases that named them); the matcher keeps no state."""
        m = self.matcher.match(q)
        return followup.Match(m.found, m.unknown, m.aliases)

    def parse(self, q: str) -> Parsed:
        """``qa.parse.parse`` with this index's institutions."""
        return parse(q, self.matcher)

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

    def chunk_ids(self, docs: list[str]) -> np.ndarray:
        """The ids of the chunks of ``docs``, from a doc -> ids map read once per engine (an index
        version never changes): the cross-report planner asks one question per report, and one
        store query per report was a tenth of a list question's time over 1,000 reports."""
        if self._chunk_ids is None:
            by_doc: dict[str, list[int]] = {}
            for doc, cid in self.index.store.chunk_docs():
                by_doc.setdefault(doc, []).append(cid)
            self._chunk_ids = {d: np.asarray(ids, dtype=np.int64) for d, ids in by_doc.items()}
        parts = [self._chunk_ids[d] for d in docs if d in self._chunk_ids]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def doc_chunks(self, doc: str) -> list[Chunk]:
        """The chunks of ``doc`` in text order, read once per engine."""
        if doc not in self._chunks:
            self._chunks[doc] = self.index.store.chunks(doc=doc)
        return self._chunks[doc]

    def chunk_at(self, doc: str, pos: int) -> Chunk | None:
        """The chunk of ``doc`` holding character ``pos`` (its section and page)."""
        return next((c for c in self.doc_chunks(doc) if c.start <= pos < c.end), None)

    def citation(self, doc: str, start: int, end: int) -> Citation:
        d = self.docs[doc]
        text = self.text(doc)
        c = self.chunk_at(doc, start)
        section, page = (c.section, c.page) if c is not None else ("", None)
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
            allowed = self.chunk_ids(docs)
            if len(allowed) == 0:
                return []
        depth = max(k * 3, 20)
        dense = self.index.vectors.search(self.embedder.embed([query])[0], depth, allowed, docs)
        sparse = self.index.keyword.search(tokenize(query), depth, allowed, docs)
        fused = rrf([[i for i, _ in dense], [i for i, _ in sparse]],
                    [self.settings.dense_weight, self.settings.keyword_weight], self.settings.rrf_k)[:k]
        if docs is not None and len(docs) <= 3:
            # a report's chunks are read once per engine (its citations need them too)
            chunks = {c.id: c for d in docs for c in self.doc_chunks(d)}
        else:
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

    def with_dense(self, query: str, sents: list[Sent]) -> list[Sent]:
        """``sents`` with ``dense`` set: the cosine of the query's vector (the one retrieval computed,
        remembered by QueryVectors) and each sentence's vector from the index's sentence part, a
        dot product per sentence. Unchanged (0.0) for an index built before that part."""
        table = getattr(self.index, "sentences", None)
        if table is None or not sents:
            return sents
        qv = self.embedder.embed([query])[0]
        sims = table.similarity(qv, [(s.doc, s.start) for s in sents])
        return [replace(s, dense=float(v)) for s, v in zip(sents, sims)]

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
        """The question a follow-up asks, resolved by what it changes (see ``qa.followup``)."""
        return followup.resolve(q, _last_question(history), self.match)

    def scope(self, q: str, q_eff: str, filters: dict | None):
        """(parsed question, docs in scope or None for all, years, an abstention or None).

        Institutions and years named in the question (or given as filters) restrict the
        reports; naming ones that are not indexed is an abstention that says which. A filter
        naming another institution than the question does is a ConflictingScope error, never
        a silent answer about the filter's institution. A calendar year picks a body's report of
        that year or a school's academic year that ends in it.
        """
        p = self.parse(q_eff)
        filters = filters or {}
        insts = list(p.institutions)
        if filters.get("institution"):
            fi = filters["institution"]
            if fi not in self.institutions():
                raise UnknownFilter(f"institution {fi!r} is not indexed")
            named = [n for n in p.institutions if not self.matcher.same(n, fi)]
            if p.institutions and len(named) == len(p.institutions):
                raise ConflictingScope(f"the question names {'、'.join(dict.fromkeys(named))}, "
                                       f"the institution filter says {fi}")
            if p.unknown_institutions and not p.institutions:
                raise ConflictingScope(f"the question names {'、'.join(p.unknown_institutions)}, "
                                       f"the institution filter says {fi}")
            insts = list(self.matcher.group(fi))
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
            return p, None, years, _abstain(q, f"「{word}」可能指{'、'.join(owners)}，请写出是哪一个。", p.intent)
        docs = None
        if insts:
            docs = [d.doc for d in self.docs.values() if d.institution in insts]
        if years:
            pool = docs if docs is not None else list(self.docs)
            scoped = [d for d in pool if year_matches(self.docs[d].year, years)]
            if not scoped:
                who = "、".join(dict.fromkeys(self._canonical(i) for i in insts)) if insts else "索引"
                return p, None, years, _abstain(q, f"{who}没有{'、'.join(years)}的报告，无法回答。", p.intent)
            docs = scoped
        return p, docs, years, None

    def _canonical(self, name: str) -> str:
        return min(self.matcher.group(name), key=len)

    def search(self, question: str, k: int = 5, filters: dict | None = None) -> list[Hit]:
        """The top-k chunks for a question, scoped as ``ask`` scopes it (for recall metrics)."""
        q = self.validate(question)
        p, docs, _, refusal = self.scope(q, q, filters)
        if refusal is not None:
            return []
        return self.retrieve(q, docs, k)

    def ask(self, question: str, history=None, filters: dict | None = None) -> Answer:
        """Answer one question (with optional chat history and institution/year filters)."""
        answer = self._year_note(self._ask(question, history, filters), question, filters)
        original = question.strip()
        return answer if answer.question == original else replace(answer, question=original)

    def _year_note(self, answer: Answer, question: str, filters: dict | None) -> Answer:
        """Say which report a calendar year was read as: 「2023年」 of a school is its 2022-2023
        academic-year report (the one whose period ends in 2023), so the answer says so."""
        asked = [str((filters or {}).get("year") or "")] if (filters or {}).get("year") else question_years(question)
        if answer.abstained or not answer.citations or not asked or any("-" in y for y in asked):
            return answer
        years = {c.year for c in answer.citations}
        if len(years) == 1 and "-" in next(iter(years)) and next(iter(years)) not in asked:
            return replace(answer, answer=f"{answer.answer}（按{next(iter(years))}学年报告）")
        return answer

    def _ask(self, question: str, history, filters: dict | None) -> Answer:
        q = self.validate(question)
        if not self.docs:
            return _abstain(q, "索引为空：还没有导入任何报告。", "none")
        if history:
            q_eff = self.resolve_follow_up(q, history)
        else:
            q_eff = q
        p, docs, years, refusal = self.scope(q, q_eff, filters)
        kind = pl.frame(q_eff, len(p.institutions))
        if not kind and not p.institutions and p.intent in ("practice", "list", "superlative", "compare"):
            kind = p.intent  # the parser's own cross-report phrasings (经验做法, 哪几所 …)
        if kind == "practice":
            return refusal if refusal is not None else self.practice(q, replace(p, intent="practice"), docs)
        if kind:
            # a named school that is not indexed; 共有多少所学校 and the like are not names
            if [u for u in p.unknown_institutions if not pl.FRAME_WORDS.search(u)] and not p.institutions:
                return refusal
            return self.cross_report(q, q_eff, p, kind, filters)
        if refusal is not None:
            return refusal
        return self.answer_single(q, q_eff, p, docs)

    def gather(self, q_eff: str, p: Parsed, docs: list[str] | None):
        """Retrieve and list the candidate sentences: (parsed with idf over them, hits, sentences)."""
        hits = self.retrieve(q_eff, docs)
        sents = self.candidate_sentences(p, docs, hits)
        return ex.with_idf(p, sents), hits, sents

    def focus(self, q_eff: str, p: Parsed, sents: list[Sent]) -> list[Sent]:
        """The sentences the reader and the yes/no answerer read, with their dense similarity."""
        return self.with_dense(q_eff, _focus_sentences(p, sents))

    def rank(self, p: Parsed, sents: list[Sent]):
        """The candidates of ``p.intent`` in ``sents`` and their feature matrix."""
        years = {d: self.docs[d].year for d in {s.doc for s in sents} if d in self.docs}
        return reader.rank(p, sents, years)

    def read(self, q_eff: str, p: Parsed, docs: list[str] | None):
        """Retrieve, then list and featurise the candidates: (parsed with idf, hits, sentences,
        candidates, feature matrix). The stages the fitted scorer reads (and eval.fit fits on)."""
        p, hits, sents = self.gather(q_eff, p, docs)
        sents = self.focus(q_eff, p, sents)
        cands, X = self.rank(p, sents)
        return p, hits, sents, cands, X

    @staticmethod
    def ordinal_sentences(sents: list[Sent]) -> list[Sent]:
        """The sentences the k-th item answerer reads: all candidate sentences (``gather``), in report
        order, not the reader's focus (a list's later items share no term with the question: 二是信息员…)."""
        return sorted(sents, key=lambda s: (s.doc, s.start))

    def answer_single(self, q: str, q_eff: str, p: Parsed, docs: list[str] | None) -> Answer:
        """The single-report reader: retrieve within ``docs``, list typed candidates, score them with
        the fitted model, cite the best or abstain below the fitted threshold.

        This is the seam the cross-report planner calls once per report (``docs=[doc]``)."""
        published = self.published_answer(q, p, docs)
        if published is not None:
            return published
        from .tables import answer_table  # a question naming a table row (and column) gets its cell

        cell = answer_table(self, q_eff, p, docs)
        if cell is not None:
            return cell
        p, hits, sents = self.gather(q_eff, p, docs)
        if p.intent == "yesno":
            params = ex.YesNoParams.of(self.scorer.yesno)
            found = ex.answer_yesno(p, self.focus(q_eff, p, sents), params)
            ok = found is not None and found.score >= params.floor
        elif p.intent == "text" and ex.ordinal_asked(p.question) is not None:
            # the k-th item of a list is read from a list or not at all: the ranker reads no
            # ordinal, and its best sentence for 第五个存在问题 would be a guess
            oparams = ex.OrdinalParams.of(self.scorer.ordinal)
            found = ex.answer_ordinal(p, self.ordinal_sentences(sents), oparams)
            ok = found is not None and found.score >= oparams.floor
        else:
            cands, X = self.rank(p, self.focus(q_eff, p, sents))
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
    def plan(self, q: str, named: int = 0) -> pl.Plan | None:
        """The cross-report plan of a question, or None for a single-report question.

        Raises ``planner.NotPlannable`` for a cross-report shape whose parts cannot be worked out."""
        kind = pl.frame(q, named)
        return pl.plan(q, kind) if kind and kind != "practice" else None

    def scoped_docs(self, p: Parsed, scope: pl.Scope, filters: dict | None) -> set[str] | None:
        """Reports a cross-report question may cover: named institutions and the filters."""
        filters = filters or {}
        allowed = None
        insts = list(p.institutions)
        if filters.get("institution"):
            if filters["institution"] not in self.institutions():
                raise UnknownFilter(f"institution {filters['institution']!r} is not indexed")
            insts = [filters["institution"]]
        if insts:
            allowed = {d for d, doc in self.docs.items() if doc.institution in insts}
        if filters.get("year"):
            fy = str(filters["year"])
            if fy not in self.years():
                raise UnknownFilter(f"year {fy!r} is not indexed")
            pool = allowed if allowed is not None else set(self.docs)
            allowed = {d for d in pool if year_matches(self.docs[d].year, [fy])}
        return allowed

    def compare_rows(self, question: str, filters: dict | None = None) -> tuple[str, list[pl.Row]]:
        """(sub-question, one row per report) for any per-report question, or a cross-report one's
        sub-question: the compare tab and ``POST /api/compare``."""
        q = self.validate(question)
        p = self.parse(q)
        kind = pl.frame(q, len(p.institutions))
        if kind and kind not in ("practice", "multi_year", "yoy"):
            m = self.match(q)
            plan = pl.plan(q, kind, m.institutions + m.aliases)
            sub, pred, scope = plan.sub_question, plan.predicate, plan.scope
            vtype = plan.value_type
        else:
            sub, pred, vtype = q, None, p.intent
            scope = pl.Scope("all", "", p.years)
        allowed = self.scoped_docs(p, scope, filters)
        docs = self.cross.docs_in_scope(scope, allowed)
        parsed = replace(self.parse(sub), intent=vtype) if vtype in pl.VALUE_TYPES else self.parse(sub)
        rows = self.cross.rows(sub, parsed, pred, docs)
        if pred is None:  # no condition: every report that answers is a row with a value
            rows = [r if r.status == "silent" else replace(r, status="match") for r in rows]
        return sub, rows

    def cross_report(self, q: str, q_eff: str, p: Parsed, kind: str, filters: dict | None = None) -> Answer:
        """List, ranking, comparison, aggregate and year-over-year questions, planned over the
        single-report answerer (see ``qa.planner``)."""
        intent = {"list": "list", "superlative": "superlative", "count": "list", "multi_year": "list"}.get(
            kind, "compare")
        try:
            plan = pl.plan(q_eff, kind, self.match(q_eff).institutions + self.match(q_eff).aliases)
        except pl.NotPlannable as exc:
            return _abstain(q, f"无法把这个问题拆成逐份报告可回答的问题：{exc}", intent)
        allowed = self.scoped_docs(p, plan.scope, filters)
        if plan.kind == "multi_year":
            return self._multi_year(q, allowed, intent)
        if plan.kind == "yoy":
            return self._year_over_year(q, q_eff, p, plan, allowed)
        docs = self.cross.docs_in_scope(plan.scope, allowed)
        if not docs:
            return _abstain(q, "索引中没有这个范围内的报告，无法回答。", intent)
        parsed = replace(self.parse(plan.sub_question), intent=plan.value_type)
        alts = tuple((a, replace(self.parse(a), intent=plan.value_type)) for a in plan.alternatives)
        rows = self.cross.rows(plan.sub_question, parsed, plan.predicate, docs, alts)
        seen: dict[str, int] = {}
        for r in rows:
            seen[r.institution] = seen.get(r.institution, 0) + 1
        note = pl.silent_note(rows)
        answered = sum(r.status != "silent" for r in rows)
        conf = round(0.4 + 0.5 * answered / len(rows), 3)
        head = f"（逐份报告回答「{plan.sub_question}」，共{len(rows)}份）"
        if plan.kind in ("list", "count"):
            hits = [r for r in rows if r.status == "match"]
            names = sorted(dict.fromkeys(r.institution for r in hits))
            if hits:
                body = "；".join(f"{pl.label(r, seen)}（{r.display}）" for r in hits)
                ans = (f"共{len(names)}个：{body}。" if plan.kind == "count" else f"{body}。")
            else:
                ans = "没有符合条件的报告。"
            value = str(len(names)) if plan.kind == "count" else names
            return Answer(q, f"{ans}{note}{head}", value, False, conf,
                          [r.citation for r in hits if r.citation], intent)
        nums = [(r, float(r.value)) for r in rows if r.status == "match" and _is_num(r.value)]
        if plan.kind == "superlative":
            if not nums:
                return _abstain(q, f"没有一份报告给出可比较的数字。{note}", intent)
            best = (max if plan.order == "max" else min)(v for _, v in nums)
            top = [r for r, v in nums if v == best]
            names = list(dict.fromkeys(r.institution for r in top))
            ans = "、".join(f"{pl.label(r, seen)}（{r.display}）" for r in top)
            value = names[0] if len(names) == 1 else names
            return Answer(q, f"{ans}。在{len(nums)}份给出数字的报告中{'最多' if plan.order == 'max' else '最少'}。"
                          f"{note}{head}", value, False, conf, [r.citation for r in top if r.citation], intent)
        if plan.kind in ("sum", "mean"):
            if not nums:
                return _abstain(q, f"没有一份报告给出可计算的数字。{note}", intent)
            total = sum(v for _, v in nums)
            val = total if plan.kind == "sum" else total / len(nums)
            shown = f"{val:g}" if plan.kind == "sum" else f"{val:.2f}".rstrip("0").rstrip(".")
            parts = "＋".join(f"{pl.label(r, seen)}{r.display}" for r, _ in nums)
            word = "合计" if plan.kind == "sum" else f"{len(nums)}份报告平均"
            return Answer(q, f"{word}{shown}（{parts}）。{note}{head}", shown, False, conf,
                          [r.citation for r, _ in nums if r.citation], "compare")
        shown = [r for r in rows if r.status == "match"]
        if not shown:
            return _abstain(q, f"没有一份报告回答了「{plan.sub_question}」。{note}", intent)
        lines = [f"{pl.label(r, seen)}：{r.display}" for r in shown]
        return Answer(q, "\n".join(lines) + (f"\n{note}" if note else ""),
                      [r.institution for r in shown], False, conf, [r.citation for r in shown if r.citation],
                      "compare")

    def _multi_year(self, q: str, allowed: set[str] | None, intent: str) -> Answer:
        """Institutions with reports for two or more years (document metadata, not report text)."""
        per: dict[str, list[str]] = {}
        for d in self.docs.values():
            if allowed is None or d.doc in allowed:
                per.setdefault(d.institution, []).append(d.doc)
        names = sorted(n for n, ds in per.items() if len({self.docs[x].year for x in ds}) >= 2)
        cites = [self.sentence_citation(doc, 0, 1) for n in names for doc in per[n]]
        return Answer(q, ("、".join(names) or "没有") + "。", names, False, 0.8, cites, intent)

    def _year_over_year(self, q: str, q_eff: str, p: Parsed, plan: pl.Plan, allowed: set[str] | None) -> Answer:
        """「青岚师范学院2022-2023学年比上一学年多收到多少项申请？」: both figures, each from its own report."""
        mine = sorted((d for d in (allowed or set(self.docs)) if self.docs[d].year),
                      key=lambda d: _year_key(self.docs[d].year))
        if not mine:
            return _abstain(q, "没有这所学校带年份的报告，无法逐年比较。", "compare")
        years = list(p.years)
        cur = [d for d in mine if year_matches(self.docs[d].year, years)] if years else mine[-1:]
        if not cur:
            return _abstain(q, f"没有{'、'.join(years)}的报告，无法比较。", "compare")
        cur_doc = cur[-1]
        k = _year_key(self.docs[cur_doc].year)
        prev = [d for d in mine if _year_key(self.docs[d].year) == k - 1]
        if not prev:
            return _abstain(q, f"索引中没有{self.docs[cur_doc].institution}上一年度的报告，无法比较。", "compare")
        parsed = replace(self.parse(plan.sub_question), intent=plan.value_type)
        a = self.cross.sub_answer(plan.sub_question, parsed, cur_doc)
        b = self.cross.sub_answer(plan.sub_question, parsed, prev[0])
        if a.abstained or b.abstained or not (_is_num(a.value) and _is_num(b.value)):
            missing = "、".join(self.docs[d].year for d, x in ((cur_doc, a), (prev[0], b))
                               if x.abstained or not _is_num(x.value))
            return _abstain(q, f"{missing}的报告没有给出「{plan.sub_question}」的数字，无法比较。", "compare")
        va, vb = float(a.value), float(b.value)
        less = bool(re.search(r"(?<!多)少(?!于)|减少|下降", pl.main_text(q_eff)))
        diff = (vb - va) if less else (va - vb)
        ya, yb = self.docs[cur_doc].year, self.docs[prev[0]].year
        word = ("少" if less else "多") if diff >= 0 else ("多" if less else "少")
        ans = (f"{ya}：{_short(a.answer)}；{yb}：{_short(b.answer)}；{ya}比{yb}{word}{abs(diff):g}。")
        return Answer(q, ans, f"{diff:g}", False, round(min(a.confidence, b.confidence), 3),
                      a.citations[:1] + b.citations[:1], "compare")

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


def _year_key(year: str) -> int:
    """A report year as one integer for ordering: 2021-2022 -> 2022, 2023 -> 2023."""
    m = re.findall(lexicon.YEAR, year)
    return int(m[-1]) if m else 0


def _short(answer: str) -> str:
    return answer.split("：", 1)[-1].rstrip("。")


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
    cov = ex.Coverage(p.terms, p.extra.get("idf"))  # the term weights once
    own = [cov(s.text) for s in sents]  # once per sentence: each is also two sentences' neighbour
    score = []
    for i, s in enumerate(sents):
        near = max((own[j] for j in (i - 1, i + 1)
                    if 0 <= j < len(sents) and sents[j].doc == s.doc), default=0.0)
        score.append(own[i] + 0.5 * near + s.ret)
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
