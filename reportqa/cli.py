"""The `reportqa` command: a thin shell over index/, qa/, ui/ and eval/."""
from __future__ import annotations

import os

# Offline at run time: set before any Hugging Face or Gradio import.
for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from dataclasses import asdict  # noqa: E402
from pathlib import Path  # noqa: E402

from index.errors import ReportQAError  # noqa: E402
from index.settings import Settings  # noqa: E402

DEMO_CORPUS = Path(__file__).resolve().parent.parent / "eval" / "corpus" / "demo"


def default_index_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "reportqa" / "index"


def build_settings(args: argparse.Namespace) -> Settings:
    """Settings from flags, with environment variables as fallback."""
    env = os.environ
    index_dir = getattr(args, "index", None) or env.get("REPORTQA_INDEX") or default_index_dir()
    model = getattr(args, "model", None) or env.get("REPORTQA_MODEL") or "m3e-small"
    kw = {}
    if env.get("REPORTQA_MAX_FILE_MB"):
        kw["max_file_bytes"] = int(float(env["REPORTQA_MAX_FILE_MB"]) * 1024 * 1024)
    if getattr(args, "commit_every", None):
        kw["commit_every"] = args.commit_every
    workers = getattr(args, "workers", None) or env.get("REPORTQA_WORKERS")
    if workers:
        kw["workers"] = int(workers)
    if getattr(args, "max_file_mb", None):
        kw["max_file_bytes"] = int(args.max_file_mb * 1024 * 1024)
    if env.get("REPORTQA_LLM_URL"):  # optional generative mode, off by default
        kw.update(llm_url=env["REPORTQA_LLM_URL"], llm_model=env.get("REPORTQA_LLM_MODEL", ""),
                  llm_api_key=env.get("REPORTQA_LLM_API_KEY", ""))
    backend = getattr(args, "backend", None) or env.get("REPORTQA_BACKEND")
    if backend:
        if backend not in ("faiss", "milvus"):
            raise SystemExit(f"reportqa: error: --backend must be faiss or milvus, not {backend!r}")
        kw["backend"] = backend
    embedder = getattr(args, "embedder", None) or env.get("REPORTQA_EMBEDDER")
    if embedder:
        from index.embed import EMBEDDERS

        if embedder not in EMBEDDERS:
            raise SystemExit(f"reportqa: error: --embedder must be one of {', '.join(EMBEDDERS)}, not {embedder!r}")
        kw["embedder"] = embedder
    milvus_uri = getattr(args, "milvus_uri", None) or env.get("REPORTQA_MILVUS_URI")
    if milvus_uri:
        kw["milvus_uri"] = milvus_uri
    return Settings(index_dir=Path(index_dir).expanduser(), model=model, **kw)


def _service(settings: Settings):
    from qa.service import Service

    return Service(settings)


def _progress():
    from tqdm import tqdm

    return lambda it, **kw: tqdm(it, file=sys.stderr, leave=False, **kw)


def cmd_ingest(args, settings: Settings) -> int:
    from index.ingest import load_overrides

    overrides = load_overrides(Path(args.manifest)) if args.manifest else {}
    for p in ([] if args.no_manifest else args.paths):  # a manifest beside the reports applies automatically
        for cand in ("manifest.jsonl", "manifest.csv"):
            f = os.path.join(p, cand)
            if os.path.isfile(f) and not args.manifest:  # os.path.isfile: False, not an error, on odd paths
                overrides.update(load_overrides(Path(f)))
    # Only a path that plainly does not exist is reported here; every other odd path (a symlink
    # loop, a name too long for the file system) goes to ingest, which reports it per file.
    missing = [p for p in args.paths if not os.path.lexists(p) and _missing(p)]
    for p in missing:
        print(f"failed   {p}: no such file or directory", file=sys.stderr)
    batches = _service(settings).ingest_batches([Path(p) for p in args.paths if p not in missing], overrides,
                                                _progress(), rebuild=args.rebuild)
    counts = {"ok": 0, "skipped": 0, "failed": len(missing)}
    for batch in batches:  # printed as each batch commits: no list of every file's result
        for r in batch:
            detail = f"{r.chunks} chunks" if r.status in ("ok", "skipped") else r.message
            if r.status == "ok" and r.message:  # ingested, with a part that could not be read
                detail += f" (warning: {r.message})"
            print(f"{r.status:<8} {r.doc}: {detail}", flush=True)
            counts[r.status] = counts.get(r.status, 0) + 1
    n_ok, n_skip, n_fail = counts["ok"], counts["skipped"], counts["failed"]
    print(f"{n_ok} ingested, {n_skip} unchanged, {n_fail} failed -> {settings.index_dir}")
    return 1 if n_fail else 0


def _missing(path: str) -> bool:
    try:
        os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def cmd_remove(args, settings: Settings) -> int:
    for r in _service(settings).ingest([], remove=args.docs):
        print(f"{r.status:<8} {r.doc}")
    return 0


def cmd_docs(args, settings: Settings) -> int:
    from index import repository as repo

    if args.set:
        d = _service(settings).correct(args.set, args.institution, args.year)
        print(f"set      {d.doc}: {d.institution} {d.year} (kept in {settings.index_dir}/corrections.json)")
        return 0
    if args.institution or args.year:
        raise ReportQAError("--institution and --year go with --set DOC")
    index = repo.load(settings.index_dir)
    docs = index.store.documents()
    if args.check:
        return _check(docs, Path(args.check), args.json)
    rows = [{"doc": d.doc, "institution": d.institution, "year": d.year, "period": d.period,
             "period_norm": d.period_norm, "published": d.published, "chunks": d.chunks, "format": d.format}
            for d in docs]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for r in rows:
            print(f"{r['doc']}\t{r['institution']}\t{r['year']}\t{r['period']}\t{r['published'] or '-'}\t"
                  f"{r['chunks']}\t{r['format']}")
        print(f"{len(rows)} documents")
    return 0


def _check(docs, manifest_path: Path, as_json: bool) -> int:
    """Detected institution/year per report against a manifest, and the exact-match rates."""
    from index.ingest import load_overrides
    from index.metadata import check_detection

    if not manifest_path.is_file():
        raise ReportQAError(f"no manifest file {manifest_path}")
    rows, summary = check_detection(docs, load_overrides(manifest_path))
    if as_json:
        print(json.dumps({"rows": [asdict(r) for r in rows], **summary}, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        year = "" if r.year_same is None else f"\t{'ok' if r.year_same else 'YEAR'} {r.detected_year or '-'}" + (
            "" if r.year_same else f" (expected {r.expected_year})")
        print(f"{'ok  ' if r.same else 'DIFF'}\t{r.doc}\t{r.detected or '-'}\t{r.expected}{year}")
    print(f"institution: {summary['exact']}/{summary['reports']} exact ({summary['rate']:.1%}); "
          f"year: {summary['years_exact']}/{summary['years']} ({summary['year_rate']:.1%})"
          + (f"; not indexed: {', '.join(summary['missing'])}" if summary["missing"] else ""))
    return 0


def cmd_facts(args, settings: Settings) -> int:
    from index import repository as repo
    import csv

    from qa.facts import FACT_LABELS
    from index.tables import CELL_FACT, CHECK_FACT

    index = repo.load(settings.index_dir)
    docs = {d.doc: d for d in index.store.documents()}
    # table cells and checks are many rows per report: only with --cells
    facts = index.store.facts(exclude=() if args.cells else (CELL_FACT, CHECK_FACT))
    rows = []
    for f in facts:
        if f["doc"] not in docs:
            continue
        x = f.get("extra") or {}
        rows.append({"doc": f["doc"], "institution": docs[f["doc"]].institution, "year": docs[f["doc"]].year,
                     "fact": f["name"], "value": f["value"], "start": f["start"], "end": f["end"],
                     "quote": f["quote"], "label": FACT_LABELS.get(f["name"], x.get("rule", "")),
                     "table": x.get("table", ""), "row": " / ".join(x.get("row", [])),
                     "col": " / ".join(x.get("col", [])),
                     "check": x.get("check", "") or (f["value"] if f["name"] == CHECK_FACT else "")})
    if args.csv:
        from ui.render import csv_cell  # the same neutralising as the API's CSV

        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["doc"])
        w.writeheader()
        w.writerows({k: csv_cell(v) for k, v in r.items()} for r in rows)
    else:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


def _read_batch(path: str) -> list[str]:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            out.append(json.loads(line)["question"])
        else:
            out.append(line)
    return out


def cmd_ask(args, settings: Settings) -> int:
    svc = _service(settings)
    filters = {k: v for k, v in (("institution", args.institution), ("year", args.year)) if v}
    if args.batch:
        from qa.batch import ask_batch

        for row in ask_batch(svc, _read_batch(args.batch), filters):
            print(json.dumps(row, ensure_ascii=False), flush=True)
        for note in svc.notices():
            print(f"note: {note}", file=sys.stderr)
        return 0
    if not args.question:
        raise ReportQAError("give a QUESTION or --batch FILE")
    ans = svc.ask(args.question, filters=filters)
    for note in svc.notices():
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(asdict(ans), ensure_ascii=False))
    else:
        print(ans.answer)
        for i, c in enumerate(ans.citations or ans.related, 1):
            tag = "" if ans.citations else "(related) "
            page = f" p.{c.page}" if c.page else ""
            print(f"  [{i}] {tag}{c.institution} {c.year} · {c.section}{page} · {c.doc}:{c.start}-{c.end}")
            print(f"      「{c.quote}」")
    return 0


def read_secret(path: str, what: str) -> str:
    """The first line of a secret file (--auth-file, --token-file)."""
    try:
        value = Path(path).read_text(encoding="utf-8").strip().splitlines()
    except OSError as exc:
        raise ReportQAError(f"cannot read the {what} file {path}: {exc.strerror or exc}") from exc
    if not value or not value[0].strip():
        raise ReportQAError(f"the {what} file {path} is empty")
    return value[0].strip()


def serve_secrets(args, settings: Settings) -> tuple[str | None, str | None, Path | None]:
    """(auth, token, token file to write) from files and the environment, never from argv values.

    ``--auth user:pass`` still works but warns: every local user can read it with ``ps``."""
    auth = None
    if args.auth_file:
        auth = read_secret(args.auth_file, "auth")
    elif os.environ.get("REPORTQA_AUTH"):
        auth = os.environ["REPORTQA_AUTH"]
    if args.auth:
        print("warning: --auth puts the password on the command line, where `ps` shows it; "
              "use REPORTQA_AUTH or --auth-file FILE (--auth will be removed)", file=sys.stderr)
        auth = auth or args.auth
    token = os.environ.get("REPORTQA_TOKEN") or None
    token_file = Path(args.token_file) if args.token_file else settings.index_dir / "server-token"
    if not token and args.token_file and token_file.is_file():
        token = read_secret(args.token_file, "token")
    return auth, token, None if token else token_file


def cmd_serve(args, settings: Settings) -> int:
    from ui.app import serve

    auth, token, token_file = serve_secrets(args, settings)
    return serve(settings, host=args.host, port=args.port, demo=args.demo, auth=auth, no_auth=args.no_auth,
                 token=token, token_file=token_file, extra_hosts=args.allowed_host or ())


def cmd_eval(args, settings: Settings) -> int:
    from eval.run import run_eval

    return run_eval(settings, qa_files=args.qa, corpora=args.corpus, out=Path(args.out),
                    min_accuracy=args.min_accuracy, baseline=not args.no_baseline, cv=args.cv)


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reportqa", description=(
        "Question answering with exact citations over Chinese information-disclosure reports."))
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--index", help="index directory (default: $REPORTQA_INDEX, else ~/.local/share/reportqa/index)")
        sp.add_argument("--model", help="embedding model: m3e-small (bundled) or a local sentence-transformers folder "
                                        "(default: $REPORTQA_MODEL, else m3e-small)")
        sp.add_argument("--embedder", choices=["auto", "st", "onnx", "onnx-fp32", "onnx-int8", "model2vec"],
                        help="what runs the model: onnx (ONNX Runtime, int8; no torch), onnx-fp32, st "
                             "(sentence-transformers: the reference, and the GPU path), model2vec (a static "
                             "distillation; extra reportqa[model2vec]), or auto: the one that "
                             "built the index, else onnx on a CPU and st on a GPU (default: $REPORTQA_EMBEDDER, else auto)")
        sp.add_argument("--backend", choices=["faiss", "milvus"],
                        help="vector/keyword store: faiss (embedded, default) or milvus (default: $REPORTQA_BACKEND)")
        sp.add_argument("--milvus-uri", help="milvus-lite file or http://host:19530 "
                                             "(default: $REPORTQA_MILVUS_URI, else INDEX/milvus.db)")

    sp = sub.add_parser("ingest", help="add reports (files or folders) to the index")
    common(sp)
    sp.add_argument("paths", nargs="*", help="files or folders (.txt .md .html .htm .pdf .docx)")
    sp.add_argument("--manifest", help="CSV/JSONL sidecar: doc -> institution/year/period overrides")
    sp.add_argument("--no-manifest", action="store_true",
                    help="ignore a manifest.jsonl/.csv beside the reports (to measure detection)")
    sp.add_argument("--rebuild", action="store_true", help="re-chunk and re-embed everything (fixes a damaged or mismatched index)")
    sp.add_argument("--max-file-mb", type=float, help="per-file size limit in MB (default 50)")
    sp.add_argument("--commit-every", type=int, help="commit a new index version every N files (default 500): "
                                                     "bounded memory, and a rerun after a crash resumes")
    sp.add_argument("--workers", type=int, help="processes that read, parse, tokenise and extract facts in "
                                                "parallel before each batch is embedded (default: $REPORTQA_WORKERS, else 1)")
    sp.set_defaults(fn=cmd_ingest)

    sp = sub.add_parser("remove", help="drop documents from the index")
    common(sp)
    sp.add_argument("docs", nargs="+", help="document names as shown by `reportqa docs`")
    sp.set_defaults(fn=cmd_remove)

    sp = sub.add_parser("docs", help="list indexed documents, check detection, correct a report")
    common(sp)
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--check", metavar="MANIFEST",
                    help="print detected vs expected institution/year per report (CSV/JSONL manifest) and the rate")
    sp.add_argument("--set", metavar="DOC", help="correct one report's metadata (with --institution/--year); "
                                                 "kept in INDEX/corrections.json, so re-ingests keep it")
    sp.add_argument("--institution", help="with --set: the reporting institution")
    sp.add_argument("--year", help="with --set: the report year, 2023 or 2022-2023")
    sp.set_defaults(fn=cmd_docs)

    sp = sub.add_parser("facts", help="export the per-report facts table")
    common(sp)
    sp.add_argument("--csv", action="store_true")
    sp.add_argument("--cells", action="store_true",
                    help="also every table cell (table, row and column label paths) and arithmetic check")
    sp.set_defaults(fn=cmd_facts)

    sp = sub.add_parser("ask", help="ask a question (or a batch)")
    common(sp)
    sp.add_argument("question", nargs="?")
    sp.add_argument("--json", action="store_true", help="print the Answer as JSON")
    sp.add_argument("--batch", help="JSON Lines with a question field, or plain lines ('-' for stdin)")
    sp.add_argument("--institution")
    sp.add_argument("--year")
    sp.set_defaults(fn=cmd_ask)

    sp = sub.add_parser("serve", help="serve the web UI")
    common(sp)
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=7860)
    sp.add_argument("--demo", action="store_true", help="ingest the bundled demo corpus first if the index is empty")
    sp.add_argument("--auth-file", help="file holding user:pass for HTTP Basic auth (default: $REPORTQA_AUTH)")
    sp.add_argument("--auth", help="deprecated: user:pass on the command line is visible in ps; "
                                   "use $REPORTQA_AUTH or --auth-file")
    sp.add_argument("--no-auth", action="store_true", help="allow a non-loopback host without auth")
    sp.add_argument("--token-file", help="write token for uploads and removals: read from FILE if it exists, "
                                         "else generated and written there (default: $REPORTQA_TOKEN, else a "
                                         "new token written to INDEX/server-token); clients send it as the "
                                         "X-ReportQA-Token header")
    sp.add_argument("--allowed-host", action="append", metavar="NAME",
                    help="a Host name to serve besides the bound address (repeatable; others get 403, "
                         "which stops DNS rebinding)")
    sp.add_argument("--max-file-mb", type=float, help="upload size limit in MB (default 50, or $REPORTQA_MAX_FILE_MB)")
    sp.set_defaults(fn=cmd_serve)

    sp = sub.add_parser("eval", help="score answers against gold QA files")
    common(sp)
    sp.add_argument("--qa", nargs="+", required=True)
    sp.add_argument("--corpus", nargs="+", required=True)
    sp.add_argument("--out", default="eval-out")
    sp.add_argument("--min-accuracy", type=float)
    sp.add_argument("--no-baseline", action="store_true")
    sp.add_argument("--cv", type=int, metavar="K",
                    help="also score K-fold cross-validation by report: the reader's scorer is refitted on the "
                         "other folds' questions (folds fixed in eval/folds.json) before answering each fold")
    sp.set_defaults(fn=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 error or failed files)."""
    args = make_parser().parse_args(argv)
    settings = build_settings(args)
    try:
        return args.fn(args, settings)
    except ReportQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
