"""No shared mutable state on the request path: concurrent questions about different institutions
(full names, short forms, follow-ups, list questions) each get the answer they get alone."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

from fastapi.testclient import TestClient

from ui.app import create_app

# Different institutions named in different ways: the matcher's aliases (东江理工, 青岚) and the
# 东江 ambiguity are exactly the per-call results that must not leak from one request into another.
QUESTIONS = [
    ("东江理工大学2022-2023学年共收到多少项信息公开申请？", None),
    ("青岚2022-2023学年收到多少项信息公开申请？", None),
    ("东江理工收到多少项信息公开申请？", None),
    ("东江的信息公开联系电话是多少？", None),  # 东江 alone is ambiguous: the answer asks which one
    ("海川交通大学信息公开的联系电话是多少？", None),
    ("北辰工商大学2022-2023学年共收到多少项信息公开申请？", None),
    ("那青岚师范学院呢？", ["东江理工大学2022-2023学年共收到多少项信息公开申请？"]),
    ("那不予公开的呢？", ["哪所学校收到的信息公开申请最多？"]),
    ("哪些学校在2022-2023学年没有收到信息公开申请？", None),
    ("南溪医学高等专科学校是否收到过信息公开申请？", None),
]


def _key(answer) -> dict:
    d = asdict(answer) if not isinstance(answer, dict) else dict(answer)
    d.pop("confidence", None)
    return d


def test_concurrent_asks_equal_answers_alone(demo_service):
    alone = [_key(demo_service.ask(q, history=h)) for q, h in QUESTIONS]
    work = QUESTIONS * 6
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda qh: _key(demo_service.ask(qh[0], history=qh[1])), work))
    for i, got in enumerate(together):
        assert got == alone[i % len(QUESTIONS)], work[i][0]


def test_concurrent_api_requests_equal_answers_alone(demo_service):
    with TestClient(create_app(demo_service), base_url="http://127.0.0.1:7860") as client:
        def post(qh):
            q, h = qh
            r = client.post("/api/ask", json={"question": q, "history": h})
            assert r.status_code == 200, r.text
            return _key(r.json())

        alone = [post(qh) for qh in QUESTIONS]
        with ThreadPoolExecutor(max_workers=8) as pool:
            together = list(pool.map(post, QUESTIONS * 3))
    for i, got in enumerate(together):
        assert got == alone[i % len(QUESTIONS)], QUESTIONS[i % len(QUESTIONS)][0]


def test_matcher_results_do_not_leak_between_threads(demo_service):
    """A matcher that is pre-empted between matching and returning (as a busy server's threads
    are): each question must still be parsed with its own aliases."""
    import time

    from qa.engine import Engine
    from qa.parse import InstitutionMatcher

    class PreemptedMatcher(InstitutionMatcher):
        def match(self, question):
            found = super().match(question)
            time.sleep(0.003)  # another thread runs here: state kept on the matcher would leak
            return found

    base = demo_service.engine()
    eng = Engine(base.index, base.embedder, base.settings)
    eng.matcher = PreemptedMatcher(list(eng.institutions()))
    alone = [_key(eng.ask(q, history=h)) for q, h in QUESTIONS[:4]]
    assert "可能指" in alone[3]["answer"] and alone[3]["abstained"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda qh: _key(eng.ask(qh[0], history=qh[1])), QUESTIONS[:4] * 4))
    for i, got in enumerate(together):
        assert got == alone[i % 4], QUESTIONS[i % 4][0]
