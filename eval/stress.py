"""Load test of the REST API: concurrent /api/ask clients, alone and during an upload.

    python -m eval.stress --clients 20 --seconds 60 --upload 20 --model m3e-small --out eval-out/stress

1. ``reportqa serve --demo`` starts in a subprocess on 127.0.0.1 (a free port) over a temp index
   of the demo corpus; /api/health is polled until it reports the 10 demo reports (bounded).
2. Reference: every demo gold question is asked once, sequentially; (answer, value, abstained,
   citations) of each answer is the reference.
3. Phase A: ``--clients`` threads, each with its own httpx.Client, loop over the gold questions
   for ``--seconds`` (and at most ``--max-requests`` per client), comparing every answer with
   the reference. Errors (non-2xx, exceptions, timeouts) and mismatches are counted.
4. Phase B: the same load while ``--upload`` generated fictional reports (distinct invented
   institutions, 2023-2024) are uploaded through POST /api/ingest. Every answer must equal the
   answer before the upload or the answer after it (a second sequential pass once the upload is
   done), and for questions about one demo report both must be the same; every citation must name
   a document of the new doc set; /api/docs, polled throughout, must show the old or the new doc
   set and nothing in between. A probe question about the first uploaded report is mixed into the
   load: it must flip from the old answer (abstain) to the new one (its number) at most once per
   client, never go back, and every probe sent after the upload returned must get the new answer.
   After the upload each uploaded report's application count is asked and must come back.
5. Soak (``--soak SECONDS``, 0: none): the ask loops run on while, every ``--soak-upload-every``
   seconds, an upload replaces ``--soak-files`` reports with new figures; the server's RSS is
   sampled and must stay within ``--soak-max-growth`` (15%) after the warm-up.
6. OUT/results.json is written, a Markdown table printed, and the exit status is 1 when any
   error, mismatch, state violation or memory growth occurred. Uploads send the server's write
   token (REPORTQA_TOKEN, set for the server subprocess).

All traffic goes to 127.0.0.1; every loop is bounded by time and by a request count.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "eval" / "corpus" / "demo"
DEMO_QA = ROOT / "eval" / "corpus" / "demo_qa.jsonl"
HOST = "127.0.0.1"
DEMO_DOCS = 10
MAX_UPLOAD_BATCH = 20  # Settings.max_upload_files
TOKEN = secrets.token_urlsafe(24)  # the server's write token (REPORTQA_TOKEN); uploads send it
WRITE = {"X-ReportQA-Token": TOKEN}
EXAMPLES_KEPT = 10
PROBE_ID = "upload-probe"

# Invented place names and kinds of school for the uploaded reports. No first character is shared
# with a demo institution (东 青 南 北 云 海 西) or a gold "none" question (江枫, 临湖), so no demo
# question can become ambiguous.
PLACES = ["翠屏", "金沙", "玉泉", "枫林", "白鹭", "松涛", "桃溪", "柳湾", "石门", "红枫", "兰亭", "竹山",
          "梅岭", "杏坛", "星河", "朗月", "晴川", "苍梧", "碧水", "凌霄", "锦屏", "秋浦", "芦荡", "鹤鸣"]
KINDS = ["工程学院", "商贸职业学院", "医药高等专科学校", "艺术学院", "农林大学", "信息职业技术学院",
         "外国语学院", "体育学院", "传媒学院", "科技大学"]
UPLOAD_YEAR = "2023-2024"


# ------------------------------------------------------------------ reports
def upload_institution(i: int) -> str:
    return PLACES[i % len(PLACES)] + KINDS[(i * 7 + i // len(PLACES)) % len(KINDS)]


def upload_report(i: int) -> tuple[str, str, int]:
    """(file name, text, applications received) of fictional uploaded report ``i``."""
    inst = upload_institution(i)
    received = 11 + 3 * i
    published = 200 + 37 * i
    text = (f"{inst}{UPLOAD_YEAR}学年信息公开工作年度报告\n"
            f"　　现公布{inst}{UPLOAD_YEAR}学年信息公开工作年度报告。本报告中所列数据的统计期限为"
            f"2023年9月1日至2024年8月31日。如对本报告有疑问，请联系{inst}党政办公室"
            f"（电话：0100-{5550100 + i}）。\n"
            "一、概述\n"
            f"　　本学年学校持续完善信息公开制度，开展信息公开专题培训{1 + i % 4}场。\n"
            "二、主动公开情况\n"
            f"　　通过学校门户网站等主动公开信息{published}条。\n"
            "三、依申请公开和不予公开情况\n"
            f"　　本学年共收到信息公开申请{received}项，其中予以公开{received}项。\n"
            "四、因学校信息公开工作受到举报、复议、诉讼的情况\n"
            "　　本学年未发生因信息公开工作受到举报、复议、诉讼的情况。\n")
    return f"stress{i + 1:02d}_{inst}.txt", text, received


def upload_question(i: int) -> str:
    return f"{upload_institution(i)}{UPLOAD_YEAR}学年共收到多少项信息公开申请？"


# ------------------------------------------------------------------ helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def load_questions(path: Path = DEMO_QA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def answer_key(ans: dict) -> str:
    """What must not change between two asks of one question (confidence excluded)."""
    cites = [[c.get("doc"), c.get("start"), c.get("end"), c.get("quote")] for c in ans.get("citations") or []]
    return json.dumps([ans.get("answer"), ans.get("value"), ans.get("abstained"), cites], ensure_ascii=False)


def cited_docs(ans: dict) -> set[str]:
    return {c.get("doc") for k in ("citations", "related") for c in ans.get(k) or []}


def percentile(sorted_vals: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, int(-(-p * len(sorted_vals) // 100)) - 1))
    return sorted_vals[k]


def client(base: str, timeout: float) -> httpx.Client:
    # trust_env=False: no proxy from the environment, every request goes straight to 127.0.0.1
    return httpx.Client(base_url=base, timeout=timeout, trust_env=False)


# ------------------------------------------------------------------ server
class Server:
    """``reportqa serve --demo`` in a subprocess over a temp index, on 127.0.0.1 and a free port."""

    def __init__(self, workdir: Path, model: str, start_timeout: float):
        self.workdir, self.model, self.start_timeout = workdir, model, start_timeout
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_path = workdir / "server.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
               "HF_HUB_DISABLE_TELEMETRY": "1", "GRADIO_ANALYTICS_ENABLED": "False",
               "TOKENIZERS_PARALLELISM": "false", "REPORTQA_TOKEN": TOKEN}
        env.pop("REPORTQA_AUTH", None)
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "reportqa.cli", "serve", "--host", HOST,
                                      "--port", str(self.port), "--index", str(self.workdir / "index"),
                                      "--model", self.model, "--demo"],
                                     cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        t0 = time.monotonic()
        deadline = t0 + self.start_timeout
        with client(self.base, 2) as c:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
                try:
                    if c.get("/api/health").json().get("documents") == DEMO_DOCS:
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"server not up after {self.start_timeout:.0f} s:\n{self.log_tail()}")
                time.sleep(0.25)
        self.start_s = time.monotonic() - t0
        return self

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


# ------------------------------------------------------------------ load
class Recorder:
    """Per-request records of one phase (thread-safe appends)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records: list[dict] = []

    def add(self, rec: dict) -> None:
        with self.lock:
            self.records.append(rec)


def ask(c: httpx.Client, question: str) -> dict:
    r = c.post("/api/ask", json={"question": question})
    if not 200 <= r.status_code < 300:
        raise HTTPStatus(r.status_code, r.text[:300])
    return r.json()


class HTTPStatus(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status


def client_loop(base: str, questions: list[dict], offset: int, rec: Recorder, t_phase: float,
                keep_going, max_requests: int, timeout: float) -> None:
    """One client: ask the questions round-robin from ``offset`` while ``keep_going()`` holds."""
    n = 0
    with client(base, timeout) as c:
        while n < max_requests and keep_going():
            q = questions[(offset + n) % len(questions)]
            n += 1
            t = time.perf_counter()
            out = {"qid": q["id"], "t": t - t_phase, "client": offset}
            try:
                ans = ask(c, q["question"])
                out.update(ok=True, key=answer_key(ans), docs=sorted(cited_docs(ans)))
            except HTTPStatus as exc:
                out.update(ok=False, status=exc.status, error=str(exc))
            except Exception as exc:  # noqa: BLE001 - every failure counts as an error
                out.update(ok=False, status=None, error=f"{type(exc).__name__}: {exc}"[:300])
            out["ms"] = (time.perf_counter() - t) * 1000
            rec.add(out)


def run_clients(base: str, questions: list[dict], clients: int, keep_going, max_requests: int,
                timeout: float, rec: Recorder, t_phase: float) -> list[threading.Thread]:
    step = max(1, len(questions) // max(1, clients))
    threads = [threading.Thread(target=client_loop, daemon=True, name=f"stress-client-{i}",
                                args=(base, questions, i * step, rec, t_phase, keep_going, max_requests, timeout))
               for i in range(clients)]
    for th in threads:
        th.start()
    return threads


def join_all(threads: list[threading.Thread], limit: float) -> list[str]:
    """Join with an overall limit; the names of threads still running (a hang) are returned."""
    end = time.monotonic() + limit
    for th in threads:
        th.join(max(0.0, end - time.monotonic()))
    return [th.name for th in threads if th.is_alive()]


def latency_stats(records: list[dict], duration: float) -> dict:
    ms = sorted(r["ms"] for r in records)
    done = len(records)
    return {"requests": done, "ok": sum(r["ok"] for r in records),
            "errors": sum(not r["ok"] for r in records),
            "p50_ms": _r(percentile(ms, 50)), "p95_ms": _r(percentile(ms, 95)), "p99_ms": _r(percentile(ms, 99)),
            "max_ms": _r(ms[-1] if ms else None), "mean_ms": _r(sum(ms) / done if done else None),
            "duration_s": round(duration, 2), "throughput_rps": round(done / duration, 2) if duration > 0 else None}


def _r(x):
    return None if x is None else round(x, 1)


def summarize(records: list[dict], duration: float, allowed: dict[str, set[str]], known_docs: set[str]) -> dict:
    """Latency, errors, and mismatches: an answer key outside ``allowed[qid]`` or a citation outside
    ``known_docs``."""
    out = latency_stats(records, duration)
    errors = [r for r in records if not r["ok"]]
    mism = [r for r in records if r["ok"] and r["key"] not in allowed[r["qid"]]]
    unknown = [r for r in records if r["ok"] and not set(r["docs"]) <= known_docs]
    codes: dict[str, int] = {}
    for r in errors:
        k = str(r.get("status") or "exception")
        codes[k] = codes.get(k, 0) + 1
    out.update(mismatches=len(mism), unknown_doc_citations=len(unknown), error_codes=codes,
               error_examples=[{k: r.get(k) for k in ("qid", "t", "status", "error")} for r in errors[:EXAMPLES_KEPT]],
               mismatch_examples=[{"qid": r["qid"], "t": round(r["t"], 2), "got": r["key"][:400]}
                                  for r in mism[:EXAMPLES_KEPT]],
               mismatched_questions=sorted({r["qid"] for r in mism}))
    return out


def with_probe(questions: list[dict], probe: dict, every: int = 8) -> list[dict]:
    """The questions with ``probe`` after every ``every``-th one."""
    out = []
    for i, q in enumerate(questions, 1):
        out.append(q)
        if i % every == 0:
            out.append(probe)
    return out


def probe_check(records: list[dict], old_key: str, new_key: str, upload_end: float) -> dict:
    """The probe (a question about an uploaded report) flips from the old answer to the new one once
    per client and never goes back; a request started after the upload returned sees the new one."""
    probes = sorted((r for r in records if r["qid"] == PROBE_ID and r["ok"]), key=lambda r: r["t"])
    seen_new: set = set()
    back, stale = [], []
    for r in probes:
        if r["key"] == new_key:
            seen_new.add(r["client"])
        elif r["key"] == old_key:
            if r["client"] in seen_new:
                back.append(round(r["t"], 2))
            if r["t"] > upload_end:
                stale.append(round(r["t"], 2))
    return {"asked": len(probes), "old": sum(r["key"] == old_key for r in probes),
            "new": sum(r["key"] == new_key for r in probes), "visible": old_key != new_key,
            "old_after_new": back, "old_after_upload_returned": stale}


def reference_pass(base: str, questions: list[dict], timeout: float) -> tuple[dict[str, str], dict[str, dict], list]:
    """Each question asked once, sequentially: qid -> answer key, qid -> answer, errors."""
    keys, answers, errors = {}, {}, []
    with client(base, timeout) as c:
        for q in questions:
            try:
                ans = ask(c, q["question"])
            except Exception as exc:  # noqa: BLE001
                errors.append({"qid": q["id"], "error": f"{type(exc).__name__}: {exc}"[:300]})
                continue
            keys[q["id"]], answers[q["id"]] = answer_key(ans), ans
    return keys, answers, errors


def doc_set(c: httpx.Client) -> frozenset[str]:
    r = c.get("/api/docs")
    r.raise_for_status()
    return frozenset(d["doc"] for d in r.json())


# ------------------------------------------------------------------ phases
def phase_a(base: str, questions: list[dict], args, ref: dict[str, str], old_docs: set[str]) -> dict:
    rec = Recorder()
    t0 = time.perf_counter()
    end = time.monotonic() + args.seconds
    threads = run_clients(base, questions, args.clients, lambda: time.monotonic() < end, args.max_requests,
                          args.timeout, rec, t0)
    hung = join_all(threads, args.seconds + args.timeout + 30)
    dur = time.perf_counter() - t0
    out = summarize(rec.records, dur, {k: {v} for k, v in ref.items()}, old_docs)
    out["hung_clients"] = hung
    return out


def phase_b(base: str, questions: list[dict], args, ref_old: dict[str, str], old_docs: frozenset[str],
            reports: list[tuple[str, str, int]], timeout: float) -> tuple[list[dict], dict]:
    """Load plus upload; returns the raw records and the upload/poller facts (checked by the caller)."""
    rec = Recorder()
    upload_done = threading.Event()
    stop = threading.Event()
    t0 = time.perf_counter()
    end = time.monotonic() + args.seconds
    hard_end = end + args.upload_timeout

    def keep_going() -> bool:
        now = time.monotonic()
        return not stop.is_set() and (now < end or (not upload_done.is_set() and now < hard_end))

    threads = run_clients(base, questions, args.clients, keep_going, args.max_requests, timeout, rec, t0)

    # /api/docs poller: every state seen must be the old doc set or a superset reached by the upload
    states: list[dict] = []

    def poll_docs():
        n = 0
        with client(base, timeout) as c:
            while keep_going() and n < 100_000:
                n += 1
                t = time.perf_counter() - t0
                try:
                    s = doc_set(c)
                    if not states or states[-1]["docs"] != s:
                        states.append({"t": round(t, 2), "docs": s})
                except Exception as exc:  # noqa: BLE001
                    states.append({"t": round(t, 2), "error": f"{type(exc).__name__}: {exc}"[:200]})
                time.sleep(0.2)

    poller = threading.Thread(target=poll_docs, daemon=True, name="stress-docs-poller")
    poller.start()

    upload: dict = {"files": len(reports), "requests": 0, "results": [], "errors": []}
    time.sleep(min(1.0, args.seconds / 5))  # the load is running before the upload starts
    u0 = time.perf_counter()
    upload["start_s"] = round(u0 - t0, 2)
    try:
        with client(base, args.upload_timeout) as c:
            for b in range(0, len(reports), MAX_UPLOAD_BATCH):
                batch = reports[b:b + MAX_UPLOAD_BATCH]
                files = [("files", (name, text.encode("utf-8"), "text/plain")) for name, text, _ in batch]
                upload["requests"] += 1
                r = c.post("/api/ingest", files=files, headers=WRITE)
                if r.status_code != 200:
                    upload["errors"].append(f"HTTP {r.status_code}: {r.text[:300]}")
                    continue
                upload["results"] += r.json().get("results", [])
    except Exception as exc:  # noqa: BLE001
        upload["errors"].append(f"{type(exc).__name__}: {exc}"[:300])
    upload["upload_s"] = round(time.perf_counter() - u0, 2)
    upload["end_s"] = round(time.perf_counter() - t0, 2)
    upload_done.set()

    hung = join_all(threads, max(0.0, end - time.monotonic()) + timeout + 30)
    stop.set()
    poller.join(timeout + 5)
    upload["duration_s"] = time.perf_counter() - t0
    upload["hung_clients"] = hung
    upload["doc_states"] = states
    return rec.records, upload


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (Linux /proc), None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def phase_soak(srv: "Server", questions: list[dict], args) -> dict:
    """Mixed load for ``--soak`` seconds: ``--clients`` ask loops, and every ``--soak-upload-every``
    seconds an upload that replaces ``--soak-files`` reports with new figures (the index keeps its
    size, so memory should not grow with it). The server's RSS is sampled every
    ``--soak-sample`` seconds; after the first ``--soak-warmup`` share of the run it must stay
    within ``--soak-max-growth`` of its value at the end of the warm-up."""
    rec = Recorder()
    t0 = time.perf_counter()
    end = time.monotonic() + args.soak
    threads = run_clients(srv.base, questions, args.clients, lambda: time.monotonic() < end,
                          args.max_requests * max(1, int(args.soak // max(args.seconds, 1))), args.timeout, rec, t0)
    samples: list[dict] = []
    uploads = {"requests": 0, "ok_files": 0, "errors": []}
    next_upload = time.monotonic() + min(5.0, args.soak_upload_every)
    round_ = 0
    with client(srv.base, args.upload_timeout) as c:
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_upload:
                files = []
                for i in range(args.soak_files):
                    name, text, received = upload_report(i)
                    text = text.replace(f"申请{received}项", f"申请{received + round_}项")
                    files.append(("files", (name, text.encode("utf-8"), "text/plain")))
                round_ += 1
                uploads["requests"] += 1
                try:
                    r = c.post("/api/ingest", files=files, headers=WRITE)
                    if r.status_code == 200:
                        uploads["ok_files"] += sum(x.get("status") == "ok" for x in r.json()["results"])
                    else:
                        uploads["errors"].append(f"HTTP {r.status_code}: {r.text[:200]}")
                except Exception as exc:  # noqa: BLE001
                    uploads["errors"].append(f"{type(exc).__name__}: {exc}"[:200])
                next_upload = time.monotonic() + args.soak_upload_every
            rss = rss_mb(srv.proc.pid)
            samples.append({"t": round(time.perf_counter() - t0, 1), "rss_mb": None if rss is None else round(rss, 1),
                            "requests": len(rec.records)})
            time.sleep(max(0.0, min(args.soak_sample, end - time.monotonic())))
    hung = join_all(threads, args.timeout + 30)
    dur = time.perf_counter() - t0
    out = latency_stats(rec.records, dur)
    errors = [r for r in rec.records if not r["ok"]]
    out["error_examples"] = [{k: r.get(k) for k in ("qid", "t", "status", "error")} for r in errors[:EXAMPLES_KEPT]]
    warm = [x for x in samples if x["t"] >= args.soak * args.soak_warmup and x["rss_mb"] is not None]
    base = warm[0]["rss_mb"] if warm else None
    top = max((x["rss_mb"] for x in warm), default=None)
    out.update(uploads=uploads, hung_clients=hung, rss_samples=samples,
               rss_start_mb=samples[0]["rss_mb"] if samples else None, rss_after_warmup_mb=base,
               rss_max_after_warmup_mb=top, rss_end_mb=samples[-1]["rss_mb"] if samples else None,
               rss_growth_after_warmup=round(top / base - 1, 3) if base and top else None)
    return out


# ------------------------------------------------------------------ report
def markdown(res: dict) -> str:
    rows = ["| phase | clients | requests | errors | mismatches | p50 ms | p95 ms | p99 ms | throughput req/s | note |",
            "|---|---|---|---|---|---|---|---|---|---|"]

    def row(name, p, note):
        rows.append(f"| {name} | {res['clients']} | {p['requests']} | {p['errors']} | {p['mismatches']} | "
                    f"{p['p50_ms']} | {p['p95_ms']} | {p['p99_ms']} | {p['throughput_rps']} | {note} |")

    a, b = res["phases"].get("A"), res["phases"].get("B")
    if a:
        row("A: ask only", a, f"{a['duration_s']} s")
    if b:
        up = b["upload"]
        row("B: ask + upload", b, f"{b['duration_s']} s; upload of {up['files']} reports took {up['upload_s']} s")
        if b.get("during_upload"):
            row("B, during the upload", b["during_upload"], f"requests started in [{up['start_s']}, {up['end_s']}] s")
    soak = res["phases"].get("S")
    if soak:
        rows.append("")
        rows.append("| soak | requests | errors | uploads | RSS start MB | after warm-up MB | max after warm-up MB "
                    "| end MB | growth |")
        rows.append("|---|---|---|---|---|---|---|---|---|")
        rows.append(f"| {soak['duration_s']} s | {soak['requests']} | {soak['errors']} | "
                    f"{soak['uploads']['requests']} | {soak['rss_start_mb']} | {soak['rss_after_warmup_mb']} | "
                    f"{soak['rss_max_after_warmup_mb']} | {soak['rss_end_mb']} | {soak['rss_growth_after_warmup']} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.stress", description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60, help="duration of each phase")
    ap.add_argument("--model", default="hash", help="hash (fast, tests) or m3e-small")
    ap.add_argument("--upload", type=int, default=20, help="reports uploaded during phase B (0: no phase B)")
    ap.add_argument("--out", default="eval-out/stress")
    ap.add_argument("--max-requests", type=int, default=20_000, help="per client and phase")
    ap.add_argument("--timeout", type=float, default=60, help="per request, seconds")
    ap.add_argument("--upload-timeout", type=float, default=600, help="seconds phase B may run past --seconds "
                                                                       "waiting for the upload")
    ap.add_argument("--start-timeout", type=float, default=300, help="seconds to wait for the server")
    ap.add_argument("--soak", type=float, default=0, help="seconds of mixed asks and uploads after phase B, "
                                                          "sampling the server's RSS (0: no soak)")
    ap.add_argument("--soak-upload-every", type=float, default=20, help="seconds between soak uploads")
    ap.add_argument("--soak-files", type=int, default=5, help="reports replaced by each soak upload")
    ap.add_argument("--soak-sample", type=float, default=5, help="seconds between RSS samples")
    ap.add_argument("--soak-warmup", type=float, default=0.25, help="share of the soak counted as warm-up")
    ap.add_argument("--soak-max-growth", type=float, default=0.15,
                    help="largest RSS growth after warm-up, as a share of the RSS at the end of the warm-up")
    args = ap.parse_args(argv)
    if not (1 <= args.clients <= 200 and 0 < args.seconds <= 3600 and 0 <= args.upload <= len(PLACES) * 4):
        ap.error("need 1 <= --clients <= 200, 0 < --seconds <= 3600, 0 <= --upload <= 96")

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    questions = load_questions()
    res: dict = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                 "command": "python -m eval.stress " + " ".join(sys.argv[1:] if argv is None else argv),
                 "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                             "python": platform.python_version(), "load_avg_before": os.getloadavg()},
                 "model": args.model, "clients": args.clients, "seconds": args.seconds, "upload": args.upload,
                 "questions": len(questions), "phases": {}, "problems": []}
    problems = res["problems"]
    work = Path(tempfile.mkdtemp(prefix="reportqa-stress-"))
    try:
        with Server(work, args.model, args.start_timeout) as srv:
            res["server_start_s"] = round(srv.start_s, 1)
            print(f"server up on {srv.base} after {srv.start_s:.1f} s (model {args.model})", file=sys.stderr)
            t = time.perf_counter()
            ref_old, answers_old, ref_err = reference_pass(srv.base, questions, args.timeout)
            res["reference"] = {"seconds": round(time.perf_counter() - t, 2), "answered": len(ref_old),
                                "abstained": sum(bool(a.get("abstained")) for a in answers_old.values()),
                                "errors": ref_err}
            if ref_err:
                problems.append(f"{len(ref_err)} errors in the single-user reference pass")
                raise SystemExit(finish(res, out_dir, work, srv))
            with client(srv.base, args.timeout) as c:
                old_docs = doc_set(c)
            if len(old_docs) != DEMO_DOCS:
                problems.append(f"/api/docs lists {len(old_docs)} documents, expected {DEMO_DOCS}")

            print(f"phase A: {args.clients} clients x {args.seconds:g} s", file=sys.stderr)
            a = phase_a(srv.base, questions, args, ref_old, set(old_docs))
            res["phases"]["A"] = a
            if a["hung_clients"]:
                problems.append(f"phase A: clients did not stop: {a['hung_clients']}")

            if args.upload:
                reports = [upload_report(i) for i in range(args.upload)]
                print(f"phase B: {args.clients} clients x {args.seconds:g} s + upload of {len(reports)} reports",
                      file=sys.stderr)
                probe = {"id": PROBE_ID, "question": upload_question(0), "doc": reports[0][0]}
                probe_old, _, probe_err = reference_pass(srv.base, [probe], args.timeout)
                records, up = phase_b(srv.base, with_probe(questions, probe), args, ref_old, old_docs, reports,
                                      args.timeout)
                # the state after the upload: a second sequential pass and the new doc set
                ref_new, answers_new, new_err = reference_pass(srv.base, questions + [probe], args.timeout)
                new_err += probe_err
                probe_new = ref_new.pop(PROBE_ID, None)
                with client(srv.base, args.timeout) as c:
                    new_docs = doc_set(c)
                    uploaded = []
                    for i, (name, _, received) in enumerate(reports):
                        try:
                            ans = ask(c, upload_question(i))
                            got = ans.get("value")
                            docs = sorted({ct.get("doc") for ct in ans.get("citations") or []})
                        except Exception as exc:  # noqa: BLE001
                            got, docs = f"error: {exc}"[:200], []
                        uploaded.append({"doc": name, "expected": str(received), "got": got, "docs": docs,
                                         "ok": got == str(received) and docs == [name]})
                expected_new = set(old_docs) | {name for name, _, _ in reports}
                allowed = {qid: {k, ref_new.get(qid, k)} for qid, k in ref_old.items()}
                allowed[PROBE_ID] = {probe_old.get(PROBE_ID), probe_new}
                probe_res = probe_check(records, probe_old.get(PROBE_ID), probe_new, up["end_s"])
                b = summarize(records, up["duration_s"], allowed, set(new_docs))
                during = [r for r in records if up["start_s"] <= r["t"] <= up["end_s"]]
                b["during_upload"] = summarize(during, max(1e-9, up["end_s"] - up["start_s"]), allowed,
                                               set(new_docs))
                for k in ("error_examples", "mismatch_examples", "error_codes", "mismatched_questions"):
                    b["during_upload"].pop(k, None)
                changed = sorted(q for q in ref_old if ref_new.get(q) != ref_old[q])
                scoped_changed = [q["id"] for q in questions if q["id"] in changed and q.get("doc")]
                states = up.pop("doc_states")
                bad_states = [s for s in states if "error" in s or s["docs"] not in (old_docs, frozenset(expected_new))]
                ok_results = sum(r.get("status") == "ok" for r in up["results"])
                up.pop("duration_s")
                b.update(upload=up | {"ok": ok_results}, probe=probe_res, changed_by_upload=changed,
                         scoped_changed_by_upload=scoped_changed, new_reference_errors=new_err,
                         docs_states=[{"t": s["t"], "documents": len(s["docs"])} if "docs" in s else s
                                      for s in states],
                         bad_docs_states=[{"t": s["t"], "documents": len(s.get("docs", ())),
                                           "error": s.get("error")} for s in bad_states],
                         new_docs=len(new_docs), uploaded_checked=len(uploaded),
                         uploaded_wrong=[u for u in uploaded if not u["ok"]])
                res["phases"]["B"] = b
                if up["errors"] or ok_results != len(reports):
                    problems.append(f"upload: {ok_results}/{len(reports)} ok; errors {up['errors']}")
                if set(new_docs) != expected_new:
                    problems.append(f"after the upload /api/docs lists {len(new_docs)} documents, "
                                    f"expected {len(expected_new)}")
                if new_err:
                    problems.append(f"{len(new_err)} errors in the reference pass after the upload")
                if scoped_changed:
                    problems.append(f"answers about one demo report changed with the upload: {scoped_changed}")
                if bad_states:
                    problems.append(f"/api/docs showed {len(bad_states)} states other than old/new doc set")
                if not probe_res["visible"] or probe_res["old_after_new"] or probe_res["old_after_upload_returned"]:
                    problems.append(f"probe about an uploaded report: {probe_res}")
                if b["uploaded_wrong"]:
                    problems.append(f"{len(b['uploaded_wrong'])} uploaded reports not answered correctly")
                if up["hung_clients"]:
                    problems.append(f"phase B: clients did not stop: {up['hung_clients']}")
            if args.soak:
                print(f"soak: {args.clients} clients x {args.soak:g} s, an upload every "
                      f"{args.soak_upload_every:g} s", file=sys.stderr)
                soak = phase_soak(srv, questions, args)
                res["phases"]["S"] = soak
                growth = soak["rss_growth_after_warmup"]
                if growth is None or growth > args.soak_max_growth:
                    problems.append(f"soak: RSS grew {growth} after warm-up (limit {args.soak_max_growth})")
                if soak["uploads"]["errors"]:
                    problems.append(f"soak: upload errors {soak['uploads']['errors'][:3]}")
                if soak["hung_clients"]:
                    problems.append(f"soak: clients did not stop: {soak['hung_clients']}")
            if not srv.alive():
                problems.append("the server died during the run")
            res["server_log_tail"] = srv.log_tail(2000)
        return finish(res, out_dir, work, None)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def finish(res: dict, out_dir: Path, work: Path, srv: Server | None) -> int:
    if srv is not None:
        res["server_log_tail"] = srv.log_tail(2000)
    for name, p in res["phases"].items():
        if p["errors"]:
            res["problems"].append(f"phase {name}: {p['errors']} errors {p.get('error_codes', '')}")
        if name == "S":  # the soak checks errors and memory, not answers
            continue
        if p["mismatches"]:
            res["problems"].append(f"phase {name}: {p['mismatches']} mismatches in {p['mismatched_questions']}")
        if p["unknown_doc_citations"]:
            res["problems"].append(f"phase {name}: {p['unknown_doc_citations']} answers cite unknown documents")
    res["machine"]["load_avg_after"] = os.getloadavg()
    res["passed"] = not res["problems"]
    (out_dir / "results.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    print(markdown(res))
    for p in res["problems"]:
        print(f"PROBLEM: {p}", file=sys.stderr)
    print(f"{'passed' if res['passed'] else 'FAILED'}; results in {out_dir / 'results.json'}", file=sys.stderr)
    return 0 if res["passed"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as exc:  # the server did not come up
        print(f"FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
