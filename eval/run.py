"""`reportqa eval`: answer accuracy, citation accuracy, retrieval recall, abstention and latency,
ours beside a naive-RAG baseline, written to report.json, report.md and a PNG chart."""
from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from index.errors import ReportQAError
from qa.batch import ask_batch
from qa.service import Service
from index.settings import Settings

from .scoring import evidence_rank, score_answer, summarize


def load_gold(files: list[str]) -> list[dict]:
    """Gold questions from QA-format JSON Lines files."""
    out = []
    for f in files:
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            if line.strip():
                g = json.loads(line)
                if isinstance(g.get("answer"), str) and g.get("type") == "list" and g["answer"].startswith("["):
                    g["answer"] = json.loads(g["answer"])
                out.append(g)
    return out


def _rows(gold: list[dict], preds: list[dict], lat: list[float], ranked: list[list[dict]]) -> list[dict]:
    return [{"gold": g, "pred": p, "latency_ms": ms, "rank": evidence_rank(g, r) if g.get("evidence") else None}
            for g, p, ms, r in zip(gold, preds, lat, ranked)]


def evaluate_ours(svc: Service, gold: list[dict]) -> list[dict]:
    questions = [g["question"] for g in gold]
    preds, lat = [], []
    for ans, ms in ask_batch(svc, questions, timed=True):
        preds.append(ans)
        lat.append(ms)
    eng = svc.engine()
    ranked = []
    for q in questions:
        try:
            hits = eng.search(q, k=5)
        except ReportQAError:
            hits = []
        ranked.append([{"doc": h.chunk.doc, "text": h.chunk.text} for h in hits])
    return _rows(gold, preds, lat, ranked)


def evaluate_baseline(svc: Service, corpora: list[Path], gold: list[dict]) -> list[dict]:
    from .baseline import NaiveRAG

    rag = NaiveRAG(svc.embedder)
    rag.build(corpora, svc.settings.max_file_bytes)
    preds, lat, ranked = [], [], []
    for g in gold:
        t = time.perf_counter()
        preds.append(asdict(rag.ask(g["question"])))
        lat.append((time.perf_counter() - t) * 1000)
        ranked.append(rag.ranked(g["question"], 5))
    return _rows(gold, preds, lat, ranked)


_SCOPE_ABSTAIN = ("索引中没有", "的报告，无法回答", "可能指", "索引为空")


def scoping_failure(g: dict, p: dict, docs: dict) -> str:
    """Why an answer went to the wrong report ("" when it did not): it abstained for want of the
    institution or year the question names, or it cites another institution's report."""
    want = docs.get(g.get("doc") or "")
    if want is None:
        return ""
    if p.get("abstained") and any(m in (p.get("answer") or "") for m in _SCOPE_ABSTAIN):
        return f"abstained ({p.get('answer')}); the report is {want.doc} ({want.institution} {want.year})"
    cited = [c for c in p.get("citations") or [] if c.get("doc")]
    if cited and all(c["doc"] != want.doc for c in cited):
        other = cited[0]
        if other.get("institution") != want.institution or other.get("year") != want.year:
            return (f"answered from {other['doc']} ({other.get('institution')} {other.get('year')}) instead of "
                    f"{want.doc} ({want.institution} {want.year})")
    return ""


def detection_rates(docs: list, corpora: list[Path]) -> dict:
    """Institution/year detection against each corpus's manifest.jsonl (in the folder or the one
    above it, as ../shared lays them out): ``{corpus: summary}``; corpora without one are left out."""
    from index.ingest import load_overrides
    from index.metadata import check_detection

    out = {}
    for c in corpora:
        man = next((m for m in (Path(c) / "manifest.jsonl", Path(c).parent / "manifest.jsonl") if m.is_file()), None)
        if man is None:
            continue
        rows, summary = check_detection(docs, load_overrides(man))
        summary["differences"] = [{"doc": r.doc, "detected": r.detected, "expected": r.expected}
                                  for r in rows if not r.same]
        out[str(c)] = summary
    return out


def _fmt(x) -> str:
    return "—" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))


def fold_scorers(rows: list, yn: list, k: int, extra_rows: list = (), extra_yn: list = (),
                 od: list = (), extra_od: list = ()) -> dict:
    """The scorer of each of ``k`` folds: the reader's model, the yes/no thresholds and the k-th item
    weights fitted on the questions of the other folds (folds by report, eval/folds.json) plus
    ``extra_rows``/``extra_yn``/``extra_od``, which are in every fold's training set (our own
    corpora, always in the shipped fit)."""
    from qa.scorer import Scorer

    from .fit import fit, fit_ordinal, fit_yesno, fold_of, load_folds

    folds = load_folds()

    def others(xs: list, f: int) -> list:
        return [r for r in xs if fold_of(r.gold, folds) % k != f]

    scorers = {}
    for f in range(k):
        sc = fit(others(rows, f) + list(extra_rows))
        scorers[f] = Scorer(sc.features, sc.models, fit_yesno(others(yn, f) + list(extra_yn)),
                            fit_ordinal(others(od, f) + list(extra_od)))
    return scorers


def own_names(qa_files: list[str]) -> tuple[str, ...]:
    """Our own corpora (eval.fit.OWN: demo, train) whose gold files are not among ``qa_files``."""
    from .fit import OWN, datasets

    asked = {Path(f).resolve() for f in qa_files}
    return tuple(n for n, files, _ in datasets() if n in OWN and not asked & {f.resolve() for f in files})


def own_rows(svc: Service, qa_files: list[str], work: Path) -> tuple[list, list, list]:
    """The reader's rows, yes/no rows and k-th item rows of our own corpora (``own_names``), each
    ingested into its own index under ``work`` with the eval's embedder; a corpus whose gold file is among
    ``qa_files`` is left out (its questions are the ones being cross-validated)."""
    from .fit import collect

    names = own_names(qa_files)
    if not names:
        return [], [], []
    return collect(work, svc.settings, names, svc.embedder)


def cross_validate(svc: Service, gold: list[dict], k: int,
                   extra: tuple[list, list, list] = ([], [], [])) -> list[dict]:
    """Answers to ``gold`` where each question's reader scorer was fitted only on questions of the
    other folds (folds by report, eval/folds.json) plus ``extra`` (reader, yes/no and k-th item rows) in every
    fold, as the shipped weights are fitted with our own corpora. Same rows as ``evaluate_ours``, no
    timings."""
    from .fit import fold_of, load_folds, ordinal_rows, question_rows, yesno_rows

    eng = svc.engine()
    folds = load_folds()
    fold = [fold_of(g, folds) % k for g in gold]
    extra_rows, extra_yn, extra_od = extra
    scorers = fold_scorers(question_rows(eng, gold), yesno_rows(eng, gold), k, extra_rows, extra_yn,
                           ordinal_rows(eng, gold), extra_od)
    shipped = eng.scorer
    preds = []
    try:
        for g, f in zip(gold, fold):
            eng.scorer = scorers[f]
            try:
                preds.append(asdict(eng.ask(g["question"])))
            except ReportQAError as exc:
                preds.append({"question": g["question"], "error": str(exc), "abstained": True, "value": None,
                              "answer": str(exc), "citations": [], "confidence": 0.0, "intent": ""})
    finally:
        eng.scorer = shipped
    return _rows(gold, preds, [None] * len(gold), [[] for _ in gold])


def write_reports(out: Path, ours: dict, base: dict | None, rows: list[dict], docs: dict | None = None,
                  detection: dict | None = None, cv: dict | None = None, cv_rows: list[dict] = ()) -> None:
    """report.json, report.md (with every failure, in-sample and, given ``cv_rows``, cross-validated)
    and the accuracy chart under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    report = dict(ours)
    scoping = [(r, why) for r in rows if (why := scoping_failure(r["gold"], r["pred"], docs or {}))]
    report["scoping_failures"] = len(scoping)
    if detection:
        report["detection"] = detection
    if base is not None:
        report["baseline"] = base
    if cv is not None:
        report["cv"] = cv
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    keys = ["answer_accuracy", "citation_accuracy", "recall_at_1", "recall_at_5", "mrr",
            "abstention_precision", "abstention_recall"]
    lines = ["# ReportQA eval", "", f"{ours['n']} questions.", "", "| metric | ReportQA | naive RAG |", "|---|---|---|"]
    for k in keys:
        lines.append(f"| {k} | {_fmt(ours.get(k))} | {_fmt(base.get(k)) if base else '—'} |")
    lines.append(f"| latency p50 ms | {_fmt(ours['latency_ms']['p50'])} | {_fmt(base['latency_ms']['p50']) if base else '—'} |")
    lines.append(f"| latency p95 ms | {_fmt(ours['latency_ms']['p95'])} | {_fmt(base['latency_ms']['p95']) if base else '—'} |")
    if cv is not None:
        lines += ["", f"## Cross-validated ({cv['k']}-fold by report)", "",
                  "The reader's weights fitted on the other folds' reports before each fold is answered "
                  "(eval/folds.json), plus, in every fold, the questions of our own invented corpora not in "
                  f"this run (eval/corpus: {', '.join(cv.get('own_corpora') or ['none'])}; "
                  f"{cv.get('own_questions', 0)} questions), as the shipped weights are fitted; in-sample "
                  "uses the shipped qa/reader_weights.json.", "",
                  "| metric | in-sample | cross-validated |", "|---|---|---|"]
        for k in ("answer_accuracy", "citation_accuracy", "abstention_recall"):
            lines.append(f"| {k} | {_fmt(ours.get(k))} | {_fmt(cv.get(k))} |")
        for t, v in sorted(cv["by_type"].items()):
            lines.append(f"| accuracy: {t} (n={v['n']}) | {_fmt(ours['by_type'].get(t, {}).get('accuracy'))} "
                         f"| {_fmt(v['accuracy'])} |")
    lines += ["", "## Accuracy by type", "", "| type | n | ReportQA | naive RAG |", "|---|---|---|---|"]
    for t, v in sorted(ours["by_type"].items()):
        b = base["by_type"].get(t, {}).get("accuracy") if base else None
        lines.append(f"| {t} | {v['n']} | {_fmt(v['accuracy'])} | {_fmt(b)} |")
    if detection:
        lines += ["", "## Detection (institution, year) against the manifests", "",
                  "| corpus | institution | year |", "|---|---|---|"]
        for c, d in detection.items():
            lines.append(f"| {c} | {d['exact']}/{d['reports']} ({d['rate']:.1%}) | "
                         f"{d['years_exact']}/{d['years']} ({d['year_rate']:.1%}) |")
        for c, d in detection.items():
            for x in d["differences"]:
                lines.append(f"- {c}/{x['doc']}: detected `{x['detected'] or '-'}`, expected `{x['expected']}`")
    lines += ["", "## Scoping failures (the wrong report, or none, for the institution or year asked)", ""]
    lines += [f"- **{r['gold']['id']}** {r['gold']['question']}  \n  {why}" for r, why in scoping] or ["None."]
    lines += ["", "![accuracy by type](accuracy_by_type.png)", "", "## Failures", ""]
    lines += _failure_lines(rows)
    if cv_rows:
        lines += ["", "## Failures under cross-validation", "",
                  "Each question answered with the weights fitted without its fold's reports."]
        lines += [""] + _failure_lines(cv_rows)
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _chart(out / "accuracy_by_type.png", ours, base)


def _failure_lines(rows: list[dict]) -> list[str]:
    """One markdown item per wrong answer: the question, the gold and the answer with its citations."""
    fails = [r for r in rows if not score_answer(r["gold"], r["pred"])]
    lines = [] if fails else ["None."]
    for r in fails:
        g, p = r["gold"], r["pred"]
        cites = "; ".join(f"{c['doc']}:{c['start']}-{c['end']} 「{c['quote'][:60]}」" for c in p.get("citations", [])[:2])
        lines.append(f"- **{g['id']}** ({g['type']}) {g['question']}  \n  expected `{g['answer']}`, got "
                     f"`{p.get('value')}`{' (abstained)' if p.get('abstained') else ''}; citations: {cites or 'none'}")
    return lines


def _chart(path: Path, ours: dict, base: dict | None) -> None:
    from index.extras import require

    matplotlib = require("matplotlib", "'reportqa[plot]'", "the accuracy chart of `reportqa eval`")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    types = sorted(ours["by_type"])
    x = range(len(types))
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar([i - 0.2 for i in x], [ours["by_type"][t]["accuracy"] for t in types], 0.4, label="ReportQA")
    if base:
        ax.bar([i + 0.2 for i in x], [base["by_type"].get(t, {}).get("accuracy", 0) for t in types], 0.4,
               label="naive RAG")
    ax.set_xticks(list(x), types)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run_eval(settings: Settings, qa_files: list[str], corpora: list[str], out: Path,
             min_accuracy: float | None = None, baseline: bool = True, cv: int | None = None) -> int:
    """Build or reuse the index over ``corpora``, answer every gold question, write the reports."""
    svc = Service(settings)
    results = svc.ingest([Path(c) for c in corpora])
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        print(f"failed   {r.doc}: {r.message}", file=sys.stderr)
    gold = load_gold(qa_files)
    rows = evaluate_ours(svc, gold)
    ours = summarize(rows)
    base = summarize(evaluate_baseline(svc, [Path(c) for c in corpora], gold)) if baseline else None
    cvs, cv_rows = None, []
    if cv:
        extra = own_rows(svc, qa_files, Path(settings.index_dir) / "cv-own")
        cv_rows = cross_validate(svc, gold, cv, extra)
        cvs = summarize(cv_rows)
        cvs["k"] = cv
        cvs["own_corpora"] = list(own_names(qa_files))
        cvs["own_questions"] = len(extra[0]) + len(extra[1])
    docs = {d.doc: d for d in svc.engine().docs.values()}
    write_reports(out, ours, base, rows, docs, detection_rates(list(docs.values()), [Path(c) for c in corpora]), cvs,
                  cv_rows)
    print(f"answer accuracy {ours['answer_accuracy']:.3f}, citation accuracy {_fmt(ours['citation_accuracy'])}, "
          f"recall@5 {_fmt(ours['recall_at_5'])}, p50 {ours['latency_ms']['p50']:.1f} ms"
          + (f"; baseline accuracy {base['answer_accuracy']:.3f}" if base else "")
          + (f"; {cv}-fold CV accuracy {cvs['answer_accuracy']:.3f}" if cvs else "") + f" -> {out}/report.md")
    if min_accuracy is not None and ours["answer_accuracy"] < min_accuracy:
        print(f"answer accuracy {ours['answer_accuracy']:.3f} is below --min-accuracy {min_accuracy}", file=sys.stderr)
        return 2
    return 0
