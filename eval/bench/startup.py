"""Start-up, first answer and serving memory, per embedder, on a prebuilt synthetic index.

    python -m eval.bench.startup --n 100 --out eval-out/startup [--rounds 2] [--embedders onnx st]

Generates N synthetic reports (eval.bench.synth), builds one index per embedder (once; reused),
then, per round and embedder in turn (interleaved, so that load from other processes falls on
all alike), measures in fresh processes:

- ``ask``: wall seconds of one ``reportqa ask QUESTION --index IDX`` (imports, index and model
  load, one answer);
  ``ask_cpu_s`` is its user + system CPU time, less sensitive to other processes;
- ``serve``: seconds from starting ``reportqa serve`` to the first 200 of ``/api/health``, then of
  the first ``POST /api/ask`` (sent as soon as health answers), then of ``/`` (the page); ``ready_s``
  is the last of the three; ``serve_cpu_s`` is the server's CPU time (user + system, all threads)
  by then; the server's RSS (VmRSS) after them and its peak (VmHWM).

Prints a Markdown table of medians and writes OUT/startup.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "reportqa", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, data: bytes | None = None) -> int:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            r.read()
            return r.status
    except OSError:
        return 0


def proc_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process, all its threads (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_ask(index: Path, question: str) -> dict:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cli("ask", question, "--index", str(index)), env=ENV, cwd=ROOT, check=True,
                   capture_output=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"ask_s": wall, "ask_cpu_s": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime}


def time_serve(index: Path, question: str) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    p = subprocess.Popen(cli("serve", "--index", str(index), "--port", str(port)), env=ENV, cwd=ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {}
    try:
        while get(base + "/api/health") != 200:
            if p.poll() is not None:
                raise RuntimeError("server exited")
            time.sleep(0.05)
        out["health_s"] = time.perf_counter() - t0
        body = json.dumps({"question": question}).encode()
        status = get(base + "/api/ask", body)
        out["first_answer_s"] = time.perf_counter() - t0
        assert status == 200, status
        while get(base + "/") != 200:
            time.sleep(0.05)
        out["page_s"] = time.perf_counter() - t0
        out["ready_s"] = out["page_s"]
        out["serve_cpu_s"] = proc_cpu_s(p.pid)
        out["rss_mb"] = proc_kb(p.pid, "VmRSS") / 1024
        out["peak_rss_mb"] = proc_kb(p.pid, "VmHWM") / 1024
    finally:
        p.terminate()
        p.wait(30)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the measurements; print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--out", type=Path, default=Path("eval-out/startup"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--embedders", nargs="+", default=["onnx", "st"])
    args = ap.parse_args(argv)
    from .synth import generate

    corpus = args.out / f"corpus-{args.n}"
    if not (corpus / "qa.jsonl").exists():
        shutil.rmtree(corpus, ignore_errors=True)
        generate(args.n, corpus)
    gold = [json.loads(ln) for ln in (corpus / "qa.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    question = next(g["question"] for g in gold if g.get("type") == "count") if any(
        g.get("type") == "count" for g in gold) else gold[0]["question"]
    indexes = {}
    for e in args.embedders:
        idx = args.out / f"index-{e}-{args.n}"
        if not (idx / "CURRENT").exists():
            reports = [str(p) for p in sorted(corpus.glob("*.txt"))]  # not qa.jsonl
            subprocess.run(cli("ingest", *reports, "--index", str(idx), "--embedder", e), env=ENV, cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
        indexes[e] = idx
    runs: dict[str, list[dict]] = {e: [] for e in args.embedders}
    for r in range(args.rounds):
        for e, idx in indexes.items():
            row = {**time_ask(idx, question), **time_serve(idx, question)}
            runs[e].append(row)
            print(f"round {r + 1} {e}: " + ", ".join(f"{k} {v:.2f}" for k, v in row.items()), flush=True)
    keys = ["ask_s", "ask_cpu_s", "health_s", "first_answer_s", "page_s", "ready_s", "serve_cpu_s", "rss_mb",
            "peak_rss_mb"]
    med = {e: {k: round(statistics.median(x[k] for x in rows), 2) for k in keys} for e, rows in runs.items()}
    print(f"\nN={args.n} reports, {args.rounds} interleaved rounds, medians; question: {question}\n")
    print("| embedder | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for e, m in med.items():
        print(f"| {e} | " + " | ".join(str(m[k]) for k in keys) + " |")
    (args.out / "startup.json").write_text(json.dumps({"question": question, "runs": runs, "median": med}, indent=1,
                                                      ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
