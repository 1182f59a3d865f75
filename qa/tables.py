"""Answer table-cell questions from the cells stored at ingest (index/tables.py).

A question that names a row of a report's table (「以“属于国家秘密”为由不予公开的申请总计有几件」)
gets that row's cell: in the column the question names (自然人, 行政复议 / 结果维持, 本年废止件数),
else the row's 总计. Labels are matched by character bigrams, the same way for every row and
column; the words a question uses for a column (个人 for 自然人) are in ``COLUMN_WORDS``. The answer
cites the row as it stands in the cleaned text and carries the cell's own span.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, replace

from index import lexicon
from index.tables import CELL_FACT, TableCell, cell_from_fact
from index.textutil import fold

from .schema import Answer

# A row's leaf label must cover this share of its (distinctive) bigrams in the question, a column
# its share. Set in the gap seen on the one government report with gold (../shared/gov, 34
# questions): the rows that the cell questions name score 0.75-1.05, every other question's best
# row <= 0.33; a named column scores >= 0.6 (本年废止 of 本年废止件数), the others <= 0.2. One report
# only: no cross-validation was possible; the invented reports of tests/test_tables.py agree.
ROW_MIN = 0.6
COL_MIN = 0.5
# How questions name the standard columns (all three templates' readers ask this way): the
# applicant kinds of 表三 and the outcomes of 表四.
COLUMN_WORDS = (
    (re.compile(r"个人|公民|群众"), "自然人"),
    (re.compile(r"被纠正|予以纠正"), "结果纠正"),
    (re.compile(r"被维持|予以维持"), "结果维持"),
)
# Marker and note parts of a label that a question never repeats: 1. （三） and （区分处理的…）.
_MARK = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[）)]|\d{1,2}\s*[.．、])")
_NOTE = re.compile(r"[（(][^（）()]{4,}[）)]")
_TOTAL = ("总计", "合计")
_GENERIC_COL = {"申请人情况", "信息内容", "数量"}
_YEAR = lexicon.YEAR_ANY

_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def clean_label(label: str) -> str:
    """A label without its marker, notes and spaces: 「（二）部分公开（区分处理的…）」 -> 部分公开."""
    s = _MARK.sub("", fold(label))
    s = _NOTE.sub("", s)
    return re.sub(r"[\s“”\"'‘’「」]", "", s)


def bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)}


# The genre's own words: every 表三 label and nearly every question about it says 政府信息公开申请
# (数量, 件); they tell no row from another, so a label is matched on its other words.
GENRE_WORDS = ("政府信息公开申请数量", "信息公开申请")
_GENRE = set().union(*(set(w[i:i + 2] for i in range(len(w) - 1)) for w in GENRE_WORDS))


def label_bigrams(label: str) -> set[str]:
    """A label's bigrams less the genre's words (all of them when nothing else is left)."""
    b = bigrams(clean_label(label))
    return (b - _GENRE) or b


def coverage(label: str, q: set[str]) -> float:
    """Share of a label's (distinctive) bigrams found in the question's bigrams."""
    b = label_bigrams(label)
    return len(b & q) / len(b) if b else 0.0


def question_bigrams(q: str, institutions=()) -> set[str]:
    """The question's bigrams, institution names and years left out (they match no label, but
    their 政府/人民 would match many), column words mapped to the standard labels."""
    f = fold(q)
    for inst in sorted(institutions, key=len, reverse=True):
        f = f.replace(fold(inst), "|")
    f = _YEAR.sub("|", f)
    for pat, word in COLUMN_WORDS:
        if pat.search(f):
            f += "|" + word
    f = re.sub(r"[\s“”\"'‘’「」]", "", f)
    return bigrams(f)


@dataclass(frozen=True)
class Match:
    """The cells that answer a question: one, or (a yes/no over a column group) several."""

    doc: str
    cells: tuple
    score: float


def cells_of(engine, doc: str) -> list[TableCell]:
    """The stored table cells of one report (read once per engine)."""
    return _load(engine, doc)[0]


def checks_of(engine, doc: str) -> dict[int, str]:
    """The failed arithmetic rule each flagged cell of a report takes part in, by its number's offset."""
    return _load(engine, doc)[1]


def _load(engine, doc: str):
    per = _cache.setdefault(engine, {})
    if doc not in per:
        facts = engine.index.store.facts(names=(CELL_FACT,), doc=doc)
        per[doc] = ([cell_from_fact(f) for f in facts],
                    {int(f["extra"]["value_start"]): f["extra"]["check"] for f in facts
                     if (f.get("extra") or {}).get("check")})
    return per[doc]


def _rows(cells: list[TableCell]) -> dict:
    out: dict = {}
    for c in cells:
        out.setdefault((c.table, c.start, c.row), []).append(c)
    return out


def _row_score(row: tuple, q: set[str]) -> float:
    if not row:
        return 0.0
    anc = [coverage(a, q) for a in row[:-1]]
    anc_cov = sum(anc) / len(anc) if anc else 0.0
    if not label_bigrams(row[-1]) & q:
        return 0.0
    if clean_label(row[-1]) in _TOTAL:
        # 总计 in a question names the column more often than the row: the (七)总计 row is
        # named by its block too (办理结果总计)
        return 0.5 + 0.5 * anc_cov
    return coverage(row[-1], q) + 0.1 * anc_cov


def _col_score(col: tuple, q: set[str], taken: set[str]) -> float:
    labels = [c for c in col if c not in _GENERIC_COL]
    if not labels:
        return 0.0
    qq = q - taken  # the row's own words do not name a column (其他处理 is not the 其他 column)
    leaf = coverage(labels[-1], qq)
    anc = [coverage(a, qq) for a in labels[:-1]]
    return 0.7 * leaf + 0.3 * (sum(anc) / len(anc)) if anc else leaf


def _total_cell(cells: list[TableCell]) -> TableCell | None:
    totals = [c for c in cells if c.col and clean_label(c.col[-1]) in _TOTAL]
    if totals:
        return min(totals, key=lambda c: len(c.col))
    return cells[0] if len(cells) == 1 else None


def match(engine, question: str, institutions, docs: list[str]) -> Match | None:
    """The best-matching cell(s) of ``docs`` for a question, or None when no row or column is named."""
    q = question_bigrams(question, institutions)
    best: Match | None = None
    for doc in docs:
        rows = _rows(cells_of(engine, doc))
        scored = sorted(((_row_score(k[2], q), k) for k in rows), key=lambda x: -x[0])
        if scored and scored[0][0] >= ROW_MIN:
            score, key = scored[0]
            cells = rows[key]
            taken = label_bigrams(key[2][-1])
            cols = sorted(((_col_score(c.col, q, taken), c) for c in cells), key=lambda x: -x[0])
            if cols[0][0] >= COL_MIN and len(cells) > 1:
                pick = [c for s, c in cols if s >= cols[0][0] - 1e-9]
            else:
                total = _total_cell(cells)
                pick = [total] if total is not None else []
            if pick and (best is None or score > best.score):
                best = Match(doc, tuple(pick), score)
            continue
        # rows without a label (表四's one row): the question names the column alone
        for key, cells in rows.items():
            if key[2]:
                continue
            cols = sorted(((_col_score(c.col, q, set()), c) for c in cells), key=lambda x: -x[0])
            if cols and cols[0][0] >= ROW_MIN and (best is None or cols[0][0] > best.score):
                best = Match(doc, tuple(c for s, c in cols if s >= cols[0][0] - 1e-9), cols[0][0])
    return best


def describe(c: TableCell) -> str:
    """「表三 三、本年度办理结果 › （三）不予公开 › 1.属于国家秘密 × 申请人情况 › 总计」."""
    row = " › ".join(c.row) or "（数据行）"
    return f"{c.table} {row} × {' › '.join(c.col)}"


def answer_table(engine, q: str, p, docs: list[str] | None) -> Answer | None:
    """An answer read from a table cell when the question names a row (or, for a table whose one
    row has no label, a column) of a report in scope; None to leave the question to the reader."""
    if p.intent not in ("count", "yesno"):
        return None
    if docs is None:
        docs = list(engine.docs) if len(engine.docs) == 1 else []
    if not docs or len(docs) > 3:
        return None
    m = match(engine, q, p.institutions, docs)
    if m is None:
        return None
    c = m.cells[0]
    cite = engine.citation(m.doc, c.start, c.end)
    cites = [replace(cite, cell=(x.value_start, x.value_end)) for x in m.cells[:1]]
    where = describe(c)
    if p.intent == "yesno":
        total = sum(float(x.value) for x in m.cells)
        value = "是" if total > 0 else "否"
        shown = "、".join(f"{describe(x)}：{x.value}" for x in m.cells)
        return Answer(question=q, answer=f"{value}。（{shown}）", value=value, abstained=False,
                      confidence=round(min(1.0, m.score), 3), citations=cites, intent=p.intent)
    flag = checks_of(engine, m.doc).get(c.value_start)
    note = f"；注意：报告此表的算术不符（{flag}）" if flag else ""  # the figure as stated, flagged
    return Answer(question=q, answer=f"{c.value}（{where}{note}）", value=c.value, abstained=False,
                  confidence=round(min(1.0, m.score), 3), citations=cites, intent=p.intent)


__all__ = ["answer_table", "match", "cells_of", "checks_of", "clean_label", "coverage", "question_bigrams", "describe",
           "ROW_MIN", "COL_MIN", "COLUMN_WORDS"]
