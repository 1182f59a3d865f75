"""Fit the reader's candidate scorer on the gold sets and write qa/reader_weights.json.

    python -m eval.fit [--work DIR] [--out qa/reader_weights.json] [--write-folds]

Training rows are the candidates the reader lists for each gold question (qa/candidates.py) with
their features (qa/features.py); a candidate is a positive when its value answers the gold
question (eval.scoring.score_answer) and its sentence holds the gold evidence. One logistic
regression is fitted per intent, and the abstention threshold of each intent is the one that
answers most questions right on the training rows, with ``none`` questions counted three times
so that they keep abstaining.
"""
from __future__ import annotations

import argparse
import json
import sys
import zlib
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from index.errors import ReportQAError
from index.ingest import Ingester
from index.settings import Settings
from qa.extract import OrdinalParams, YesNoParams, ordinal_asked
from qa.features import FEATURES
from qa.scorer import WEIGHTS, Model, Scorer
from qa.service import Service, ingest_options

from .scoring import citation_ok, norm_text, score_answer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FOLDS = Path(__file__).with_name("folds.json")
READER_INTENTS = ("count", "phone", "email", "date", "text")
# A wrong answer to a question the reports cannot answer costs more than a missed answer: the
# threshold search counts each ``none`` question this many times.
NONE_WEIGHT = 3.0
CALIB_C = 1.0  # inverse regularisation of the confidence model
# The candidate model and its regularisation, chosen by 5-fold CV by report over all dev sets
# (seeds + wild_dev + wild_more + gov, 253 questions; /tmp sweep of 2026-11-28): the conditional
# logit ranker with C=3 scored 0.925, C=10 0.921, C=1 0.905; the pointwise logistic regression with
# C=0.3/1/3/10 0.905/0.909/0.909/0.905. Within one sentence of several figures only a ranker sees
# which features tell them apart; a pointwise fit spends its weights on sentence-level cues.
# Refit with eval/corpus/train in every fold (2026-11-28, `reportqa eval --cv 5` over the four real
# sets, 253 questions): C=3 0.980, C=10 0.984, C=30 0.984, C=100 0.984. C=10 is kept: the most
# regularised of the flat stretch; C=30 misread 「不予公开的2项中，1项…」 as 1 in the demo corpus
# (tests/test_planner.py::test_superlative_and_follow_up_ranking), C=10 and C=3 read 2.
FIT_C = 10.0
FIT_METHOD = "ranker"
POINT_C = 1.0  # the pointwise model beside the ranker (its confidence input), as the pointwise fit's C


# Our own invented corpora (eval/corpus/NAME with NAME_qa.jsonl): always in the training set, and in
# every fold's training set under `reportqa eval --cv` (eval.run.cross_validate), so that the CV
# figure measures what the shipped weights are.
OWN = ("demo", "train")


def datasets() -> list[tuple[str, list[Path], list[Path]]]:
    """(name, gold files, corpus folders) of every dev set: our own corpora (OWN) and ../shared."""
    out = [(name, [ROOT / "eval" / "corpus" / f"{name}_qa.jsonl"], [ROOT / "eval" / "corpus" / name])
           for name in OWN]
    if SHARED.exists():
        out += [("seeds", [SHARED / "eval" / "seeds_dev.jsonl"], [SHARED / "seeds"]),
                ("wild", [SHARED / "wild_dev" / "qa.jsonl", SHARED / "wild_more" / "qa.jsonl"],
                 [SHARED / "wild_dev" / "docs", SHARED / "wild_more" / "docs"]),
                ("gov", [SHARED / "gov" / "qa.jsonl"], [SHARED / "gov" / "docs"])]
    return out


@dataclass
class QRows:
    """The reader's candidates for one gold question: features, labels, and what scores them."""

    gold: dict
    intent: str
    X: np.ndarray
    y: np.ndarray


def scoped(engine, gold: list[dict]):
    """(gold row, question, parsed, docs in scope) of every gold question the engine scopes to
    reports without refusing it (the rows the reader and the yes/no thresholds are fitted on)."""
    for g in gold:
        try:
            q = engine.validate(g["question"])
            p, docs, _, refusal = engine.scope(q, q, None)
        except ReportQAError:
            continue
        if refusal is None:
            yield g, q, p, docs


def question_rows(engine, gold: list[dict]) -> list[QRows]:
    """Candidate features and labels for every gold question the reader answers (not list/yes-no)."""
    out = []
    for g, q, p, docs in scoped(engine, gold):
        if p.intent not in READER_INTENTS:
            continue
        if p.intent == "text" and ordinal_asked(q) is not None:
            continue  # the k-th item answerer's alone (fit_ordinal): the engine never ranks it
        p, _, _, cands, X = engine.read(q, p, docs)
        y = np.zeros(len(cands), dtype=np.int8)
        if g.get("type") != "none":
            ev = norm_text(g.get("evidence"))
            for j, c in enumerate(cands):
                pred = {"value": c.value, "answer": c.display, "abstained": False,
                        "citations": [{"doc": c.sent.doc, "quote": c.sent.text}]}
                if score_answer(g, pred) and (not ev or citation_ok(g, pred)):
                    y[j] = 1
        out.append(QRows(g, p.intent, X, y))
    return out


@dataclass
class YNRow:
    """A gold yes/no question with the sentences the reader would read for it."""

    gold: dict
    parsed: object
    sents: list


def yesno_rows(engine, gold: list[dict]) -> list[YNRow]:
    """The yes/no questions of ``gold`` (by parsed intent) with their parsed form and sentences."""
    from qa.tables import answer_table

    out = []
    for g, q, p, docs in scoped(engine, gold):
        if p.intent != "yesno":
            continue
        if answer_table(engine, q, p, docs) is not None:
            continue  # a table row answers it (gov 表二/表三 yes/no), not the yes/no answerer
        p, _, sents = engine.gather(q, p, docs)
        out.append(YNRow(g, p, engine.focus(q, p, sents)))
    return out


# The grid each yes/no threshold is searched over (coordinate ascent from the defaults).
YESNO_GRID = {
    "min_cov": (0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
    "share": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0),
    "tail_cov": (0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
    "clause_cov": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
    "w_ret": (0.0, 0.1, 0.2, 0.3, 0.4),
    "floor": (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6),
    "heading_pen": (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0),
    "outline_pen": (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0),
}


def yesno_value(rows: list[YNRow], params) -> float:
    """Right yes/no answers over ``rows`` with ``params`` (``none`` questions that abstain count
    NONE_WEIGHT each, as for the reader's thresholds)."""
    from qa.extract import answer_yesno

    return floored_value(rows, lambda r: answer_yesno(r.parsed, r.sents, params), params.floor)


def floored_value(rows: list, answer, floor: float) -> float:
    """Right answers over ``rows``, each ``answer(row)`` taken when its score reaches ``floor``;
    a ``none`` question that abstains counts NONE_WEIGHT."""
    v = 0.0
    for r in rows:
        f = answer(r)
        answered = f is not None and f.score >= floor
        if r.gold.get("type") == "none":
            v += NONE_WEIGHT * (not answered)
        elif answered:
            v += bool(score_answer(r.gold, {"value": f.value, "answer": f.display, "abstained": False,
                                            "citations": []}))
    return v


def fit_yesno(rows: list[YNRow]) -> dict:
    """The yes/no thresholds that answer most training questions right: coordinate ascent over
    YESNO_GRID, two passes; among equally good values the middle one of the best run is kept, so
    that a flat stretch does not pin a threshold to its edge."""
    from dataclasses import asdict

    cur = YesNoParams()
    if not rows:
        return asdict(cur)
    for _ in range(2):
        for name, grid in YESNO_GRID.items():
            vals = [yesno_value(rows, replace(cur, **{name: g})) for g in grid]
            best = max(vals)
            run = [g for g, v in zip(grid, vals) if v == best]
            cur = replace(cur, **{name: run[len(run) // 2]})
    return asdict(cur)


class OrdRow(YNRow):
    """A gold question asking the k-th item of an enumeration (第二个存在问题…), with the sentences
    the k-th item answerer reads for it."""

    @cached_property
    def items(self) -> list:
        """The k-th items the answerer scores (their features are computed once for the grid)."""
        from qa.extract import ordinal_items

        return ordinal_items(self.parsed, self.sents)


def ordinal_rows(engine, gold: list[dict]) -> list[OrdRow]:
    """The questions of ``gold`` the k-th item answerer reads (text intent, an ordinal asked), with
    their parsed form and sentences, as the engine reads them."""
    from qa.tables import answer_table

    out = []
    for g, q, p, docs in scoped(engine, gold):
        if p.intent != "text" or ordinal_asked(q) is None:
            continue
        if answer_table(engine, q, p, docs) is not None:
            continue  # a table cell answers it before the k-th item answerer is asked
        p, _, sents = engine.gather(q, p, docs)
        out.append(OrdRow(g, p, engine.ordinal_sentences(sents)))
    return out


# The grid of the k-th item answerer's weights, searched whole (three weights: 1232 points).
ORDINAL_GRID = {
    "w_label": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "w_kind": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
    "floor": (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8),
}


def ordinal_value(rows: list[OrdRow], params) -> float:
    """Right answers of the k-th item answerer over ``rows`` with ``params`` (``none`` questions that
    abstain count NONE_WEIGHT each, as for the yes/no thresholds)."""
    from qa.extract import pick_ordinal

    return floored_value(rows, lambda r: pick_ordinal(r.items, params), params.floor)


def fit_ordinal(rows: list[OrdRow]) -> dict:
    """The k-th item answerer's weights that answer most training questions right: every point of
    ORDINAL_GRID is tried (three weights, so the whole grid, not coordinate ascent); among equally
    good points the middle one in grid order is kept, so that a flat stretch does not pin a weight
    to its edge (as ``fit_yesno`` keeps the middle of a best run)."""
    from dataclasses import asdict
    from itertools import product

    if not rows:
        return asdict(OrdinalParams())
    names = list(ORDINAL_GRID)
    points = [OrdinalParams(**dict(zip(names, vals))) for vals in product(*ORDINAL_GRID.values())]
    vals = [ordinal_value(rows, pt) for pt in points]
    best = [pt for pt, v in zip(points, vals) if v == max(vals)]
    return asdict(best[len(best) // 2])


def _fit_lr(X: np.ndarray, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    if y.min() == y.max():  # nothing to separate: a constant model that abstains
        return np.zeros(X.shape[1], dtype=np.float32), (-10.0 if y.max() == 0 else 10.0)
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=C, max_iter=2000)
    lr.fit(X, y)
    return lr.coef_[0].astype(np.float32), float(lr.intercept_[0])


def _fit_ranker(rows: list[QRows], C: float) -> np.ndarray:
    """Conditional-logit weights: per question, softmax over its candidates, maximising the
    probability of the right ones (L2-regularised with strength 1/C)."""
    from scipy.optimize import minimize

    qs = [r for r in rows if len(r.X) and r.y.any()]
    if not qs:
        return np.zeros(len(FEATURES), dtype=np.float64)
    d = qs[0].X.shape[1]
    Xs = [r.X.astype(np.float64) for r in qs]
    Ys = [r.y.astype(bool) for r in qs]

    def loss(w):
        total, grad = 0.5 * (w @ w) / C, w / C
        for X, y in zip(Xs, Ys):
            z = X @ w
            z = z - z.max()
            e = np.exp(z)
            p_all = e / e.sum()
            pos = e[y].sum() / e.sum()
            total -= np.log(pos + 1e-12)
            # d/dw -log(sum_pos softmax) = E_all[x] - E_pos[x]
            p_pos = np.where(y, e, 0.0) / max(e[y].sum(), 1e-300)
            grad = grad + X.T @ (p_all - p_pos)
        return total, grad

    res = minimize(loss, np.zeros(d), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return res.x


def _calibrate(w: np.ndarray, rows: list[QRows]) -> tuple[float, float]:
    """(a, b) of P(top candidate is right) = sigmoid(a * top score + b), fitted on the training rows."""
    from sklearn.linear_model import LogisticRegression

    z, ok = [], []
    for r in rows:
        if len(r.X):
            sc = r.X @ w
            i = int(np.argmax(sc))
            z.append(sc[i])
            ok.append(int(r.y[i]))
    if len(set(ok)) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=10.0)
    lr.fit(np.asarray(z).reshape(-1, 1), np.asarray(ok))
    a = float(lr.coef_[0][0])
    return (a, float(lr.intercept_[0])) if a > 0 else (1e-3, float(lr.intercept_[0]))


def fit_calibration(model: Model, rows: list[QRows], with_features: bool = True) -> tuple[float, ...]:
    """(a_score, a_lead, b[, a_features...]): P(top candidate is right) from its score, its lead over
    the runner-up and its features, a logistic regression over the training questions (``none``
    questions are negatives)."""
    from sklearn.linear_model import LogisticRegression

    from qa.scorer import LONE_LEAD

    feats, ok = [], []
    for r in rows:
        if len(r.X) == 0:
            continue
        z = model.scores(r.X)
        i = int(np.argmax(z))
        lead = float(z[i] - np.partition(z, -2)[-2]) if len(z) > 1 else LONE_LEAD
        pt = [float(r.X[i] @ model.point) + model.point_intercept] if model.point is not None else []
        # a ranker's own score is defined only up to a constant per question (softmax), so with a
        # pointwise model beside it the calibration reads the pointwise logit in its place
        top = 0.0 if model.point is not None else float(z[i])
        feats.append([top, min(lead, LONE_LEAD)] + pt + (list(map(float, r.X[i])) if with_features else []))
        ok.append(int(r.y[i]))
    if len(set(ok)) < 2:
        return ((1.0, 0.0, 0.0), 0.0) if model.point is not None else (1.0, 0.0, 0.0)
    lr = LogisticRegression(C=CALIB_C, max_iter=2000)
    lr.fit(np.asarray(feats), np.asarray(ok))
    c = [float(x) for x in lr.coef_[0]]
    if model.point is not None:  # the pointwise logit's weight rides after the intercept: see fit()
        return (c[0], c[1], float(lr.intercept_[0]), *c[3:]), c[2]
    return (c[0], c[1], float(lr.intercept_[0]), *c[2:])


def fit_threshold(model: Model, rows: list[QRows]) -> float:
    """The threshold that answers most training questions right (``none`` counted NONE_WEIGHT times)."""
    tops = []
    for r in rows:
        if len(r.X) == 0:
            tops.append((0.0, False, r.gold.get("type") == "none"))
            continue
        i, conf = model.confidence(r.X)
        tops.append((conf, bool(r.y[i]), r.gold.get("type") == "none"))
    cands = sorted({0.0} | {t for t, _, _ in tops})
    best_t, best_v = 0.5, -1.0
    for k, t in enumerate(cands):
        thr = (t + cands[k - 1]) / 2 if k else t
        v = sum(1.0 for p, ok, _ in tops if ok and p >= thr) + sum(NONE_WEIGHT for p, _, none in tops if none and p < thr)
        if v > best_v:
            best_t, best_v = thr, v
    return best_t


def fit(rows: list[QRows], C: float = FIT_C, method: str = FIT_METHOD) -> Scorer:
    """One model per reader intent (and a shared one), its abstention threshold fitted likewise.

    ``ranker`` (default, better under CV: see FIT_METHOD): a conditional logit over each question's
    candidates, its top score calibrated to a probability; ``pointwise``: a logistic regression over
    all candidates."""
    models = {}
    groups = {"*": rows}
    for intent in READER_INTENTS:
        groups[intent] = [r for r in rows if r.intent == intent]
    shared = None
    for name, rs in groups.items():
        rs_x = [r for r in rs if len(r.X)]
        if not rs_x or sum(int(r.y.sum()) for r in rs_x) < 3:
            if shared is not None:
                models[name] = replace(shared, threshold=fit_threshold(shared, rs) if rs else shared.threshold)
            continue
        X = np.vstack([r.X for r in rs_x])
        y = np.concatenate([r.y for r in rs_x])
        if method == "ranker":
            w = _fit_ranker(rs_x, C)
            a, b = _calibrate(w, rs_x)
            coef = (a * w).astype(np.float32)
            pc, pb = _fit_lr(X, y, POINT_C)  # how right a winner is at all (see Model.point)
            m = Model(coef, b, 0.5, point=pc, point_intercept=pb)
            calib, a_point = fit_calibration(m, rs_x)
            m = replace(m, calib=calib, a_point=a_point)
        else:
            coef, b = _fit_lr(X, y, C)
            m = Model(coef, b, 0.5)
            m = replace(m, calib=fit_calibration(m, rs_x))
        m = replace(m, threshold=fit_threshold(m, rs))
        models[name] = m
        if name == "*":
            shared = m
    return Scorer(tuple(FEATURES), models)


def load_folds() -> dict:
    """The fixed fold of each report (eval/folds.json)."""
    return json.loads(FOLDS.read_text(encoding="utf-8"))


def fold_of(gold: dict, folds: dict) -> int:
    """The fold of a gold question: its report's fold; questions without a report by their id."""
    k = int(folds["k"])
    doc = Path(str(gold.get("doc") or "")).name
    if doc in folds["docs"]:
        return int(folds["docs"][doc])
    return zlib.crc32(str(gold.get("id", gold.get("question"))).encode("utf-8")) % k


def write_folds(k: int = 5) -> dict:
    """Assign every dev report to one of ``k`` folds (a fixed, seeded shuffle) and save it."""
    docs = sorted({p.name for _, _, corpora in datasets() for c in corpora for p in Path(c).iterdir()
                   if p.is_file() and not p.name.startswith("manifest")})
    rng = np.random.default_rng(20261128)
    order = rng.permutation(len(docs))
    folds = {"k": k, "docs": {docs[i]: int(r % k) for r, i in enumerate(order)}}
    FOLDS.write_text(json.dumps(folds, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return folds


def collect(work: Path, settings: Settings, names: tuple[str, ...] | None = None,
            embedder=None) -> tuple[list[QRows], list[YNRow], list[OrdRow]]:
    """Ingest each dev set (those named in ``names``, default all) into its own index under ``work``
    (skipped when unchanged) and list the reader's rows, the yes/no rows and the k-th item rows."""
    from .run import load_gold

    rows, yn, od = [], [], []
    for name, qa_files, corpora in datasets():
        if names is not None and name not in names:
            continue
        svc = Service(settings.with_(index_dir=work / name), embedder)
        embedder = svc.embedder
        # Without the facts table: facts are read with the weights being refitted, which do not match
        # the features yet after a feature changes (the reader's rows below do not use facts).
        for _ in Ingester(svc.settings.index_dir, embedder, ingest_options(svc.settings), enrich=None).run_batches(corpora):
            pass
        gold = load_gold([str(f) for f in qa_files])
        eng = svc.engine()
        got = question_rows(eng, gold)
        yn += yesno_rows(eng, gold)
        od += ordinal_rows(eng, gold)
        print(f"{name}: {len(got)} questions, {sum(int(r.y.max(initial=0)) for r in got)} with a right candidate",
              file=sys.stderr)
        rows += got
    return rows, yn, od


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.fit", description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", default=".reportqa/fit", help="index folders of the dev sets")
    ap.add_argument("--out", default=str(WEIGHTS))
    ap.add_argument("--model", default="m3e-small")
    ap.add_argument("--C", type=float, default=FIT_C, help="inverse regularisation strength")
    ap.add_argument("--method", choices=["pointwise", "ranker"], default=FIT_METHOD)
    ap.add_argument("--write-folds", action="store_true", help="(re)assign eval/folds.json first")
    args = ap.parse_args(argv)
    if args.write_folds:
        write_folds()
    rows, yn, od = collect(Path(args.work), Settings(model=args.model))
    scorer = fit(rows, args.C, args.method)
    scorer = Scorer(scorer.features, scorer.models, fit_yesno(yn), fit_ordinal(od))
    print(f"yes/no: {len(yn)} questions, {yesno_value(yn, YesNoParams.of(scorer.yesno)):.0f} right "
          f"(none x{NONE_WEIGHT:g})", file=sys.stderr)
    print(f"k-th item: {len(od)} questions ({sum(r.gold.get('type') == 'none' for r in od)} none), "
          f"{ordinal_value(od, OrdinalParams.of(scorer.ordinal)):.0f} right (none x{NONE_WEIGHT:g}); "
          f"{scorer.ordinal}", file=sys.stderr)
    data = scorer.to_json()
    data["fitted_on"] = {name: [str(f.relative_to(ROOT.parent)) if f.is_relative_to(ROOT.parent) else str(f)
                                for f in files] for name, files, _ in datasets()}
    data["questions"] = len(rows)
    data["yesno_questions"] = len(yn)
    data["ordinal_questions"] = len(od)
    Path(args.out).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"fitted on {len(rows)} questions -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
