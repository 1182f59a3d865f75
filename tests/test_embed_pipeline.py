"""The pipelined encode path of SentenceTransformerEmbedder (threaded tokenising, bounded prefetch)
gives the same vectors as stock ``SentenceTransformer.encode``, in input order."""
from __future__ import annotations

import copy
import random
import threading
import time
from contextlib import contextmanager

import numpy as np
import pytest

from index.embed import SentenceTransformerEmbedder

pytestmark = pytest.mark.model

# Longer than the model's 512 tokens (one token per Chinese character, near enough).
LONG = "本学年学校持续完善信息公开制度，通过门户网站主动公开信息，并开展信息公开专题培训。" * 40


def _texts() -> list[str]:
    """About 50 texts from 1 character to well past the truncation length, with duplicates."""
    rng = random.Random(7)
    pieces = ["现公布学校信息公开工作年度报告。", "本学年共收到信息公开申请5项，其中予以公开3项。",
              "如对本报告有疑问，请联系党政办公室（电话：0100-5550123）。", "未发生因信息公开工作受到举报、复议、诉讼的情况。",
              "Annual report on information disclosure, 2023-2024.", "一、概述", "（二）主动公开情况"]
    texts = ["a", "", "。", "0", "年报", "东江理工大学 2023-2024 概述\n" + pieces[0]]
    for i in range(36):
        n = rng.choice([1, 2, 3, 5, 8, 12])
        texts.append(f"东江理工大学 2023-2024 第{i}节\n" + "".join(rng.choice(pieces) for _ in range(n)))
    # Equal in the first 512 tokens, different after: truncation must make them equal vectors.
    texts += [LONG, LONG + "此后的文字被截断。", LONG * 2, "a", texts[10], texts[20], LONG]
    return texts


TEXTS = _texts()


def _variant(base: SentenceTransformerEmbedder, **attrs) -> SentenceTransformerEmbedder:
    """The same loaded model with other pipeline settings (no second model load)."""
    e = copy.copy(base)
    for k, v in attrs.items():
        setattr(e, k, v)
    return e


@pytest.fixture(scope="module")
def cpu_embedder(real_embedder) -> SentenceTransformerEmbedder:
    # fp32 on the CPU, so that the pipelined and stock paths can be compared to 1e-5.
    if real_embedder.device == "cpu":
        return real_embedder
    return SentenceTransformerEmbedder("m3e-small", device="cpu")


@pytest.fixture(scope="module")
def stock(cpu_embedder) -> np.ndarray:
    return _variant(cpu_embedder, pipeline=False).embed(TEXTS)


def test_texts_exercise_truncation(cpu_embedder):
    n_tokens = len(cpu_embedder._model.tokenizer(LONG)["input_ids"])
    assert n_tokens > cpu_embedder._model.max_seq_length


def test_pipeline_matches_stock_encode(cpu_embedder, stock):
    got = _variant(cpu_embedder, pipeline=True).embed(TEXTS)
    assert got.shape == (len(TEXTS), cpu_embedder.dim) and got.dtype == np.float32
    assert np.abs(got - stock).max() < 1e-5
    assert np.abs(np.linalg.norm(got, axis=1) - 1).max() < 1e-5
    # truncation at max_seq_length: texts equal in their first 512 tokens get the same vector
    i, j = TEXTS.index(LONG), TEXTS.index(LONG + "此后的文字被截断。")
    assert np.abs(got[i] - got[j]).max() < 1e-5
    assert np.abs(got[i] - got[TEXTS.index(LONG * 2)]).max() < 1e-5


def test_rows_come_back_in_input_order(cpu_embedder, stock):
    e = _variant(cpu_embedder, pipeline=True, batch_size=4)
    perm = list(range(len(TEXTS)))
    random.Random(3).shuffle(perm)
    got = e.embed([TEXTS[p] for p in perm])
    assert np.abs(got - stock[perm]).max() < 1e-5
    for k in (0, 1, 2, len(TEXTS) - 1, TEXTS.index(LONG)):  # each row is that text's own vector
        assert np.abs(e.embed([TEXTS[k]])[0] - stock[k]).max() < 1e-5
    # distinct texts give distinct rows (a mis-scatter would repeat or swap them)
    assert np.abs(got[perm.index(3)] - got[perm.index(4)]).max() > 1e-3


def test_empty_input(cpu_embedder):
    for pipeline in (True, False):
        out = _variant(cpu_embedder, pipeline=pipeline).embed([])
        assert out.shape == (0, cpu_embedder.dim) and out.dtype == np.float32


@pytest.mark.parametrize("batch_size", [1, 3, 16])
@pytest.mark.parametrize("threads", [1, 4])
def test_independent_of_batch_size_and_threads(cpu_embedder, stock, batch_size, threads):
    e = _variant(cpu_embedder, pipeline=True, batch_size=batch_size, tokenizer_threads=threads,
                 prefetch=2 * threads)
    got = e.embed(TEXTS)
    assert got.dtype == np.float32
    assert np.abs(got - stock).max() < 1e-5


@contextmanager
def _patched(model, **fns):
    """Instance attributes shadowing the model's methods, removed afterwards (the model is shared
    with other tests through the session fixture)."""
    for name, fn in fns.items():
        setattr(model, name, fn)
    try:
        yield
    finally:
        for name in fns:
            delattr(model, name)


def _tok_name(model) -> str:
    # sentence-transformers >= 5 tokenises in preprocess; older releases in tokenize
    return "preprocess" if hasattr(model, "preprocess") else "tokenize"


def _count_in_flight(model, forward_sleep: float):
    """Wrap the model's tokenising and forward: a batch is in flight from the moment a worker
    starts tokenising it until the model has run on it."""
    state = {"now": 0, "max": 0, "tokenized": 0}
    lock = threading.Lock()
    name = _tok_name(model)
    real_tok, real_fwd = getattr(model, name), model.forward

    def tok(*a, **k):
        with lock:
            state["now"] += 1
            state["tokenized"] += 1
            state["max"] = max(state["max"], state["now"])
        return real_tok(*a, **k)

    def fwd(*a, **k):
        out = real_fwd(*a, **k)
        time.sleep(forward_sleep)  # a slow model, so that unbounded tokenisers would run ahead
        with lock:
            state["now"] -= 1
        return out

    return state, _patched(model, **{name: tok, "forward": fwd})


@pytest.mark.parametrize("prefetch", [1, 3])
def test_in_flight_batches_stay_bounded(cpu_embedder, prefetch):
    texts = [f"第{i}条：本学年共收到信息公开申请{i}项。" for i in range(40)]
    want = _variant(cpu_embedder, pipeline=False, batch_size=2).embed(texts)
    e = _variant(cpu_embedder, pipeline=True, batch_size=2, tokenizer_threads=4, prefetch=prefetch)
    state, patch = _count_in_flight(cpu_embedder._model, forward_sleep=0.03)
    with patch:
        got = e.embed(texts)
    assert state["tokenized"] == 20  # 40 texts in batches of 2, each tokenised once
    assert state["max"] <= prefetch, state
    # ...and the bound is reached: batches really are tokenised ahead of the model
    assert state["max"] == prefetch, state
    assert np.abs(got - want).max() < 1e-5


def test_tokenizer_error_propagates_and_embedder_recovers(cpu_embedder):
    model = cpu_embedder._model
    name = _tok_name(model)
    real, calls = getattr(model, name), []

    def flaky(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("tokenizer broke")
        return real(*a, **k)

    e = _variant(cpu_embedder, pipeline=True, batch_size=2, tokenizer_threads=2, prefetch=2)
    texts = [f"文本{i}" for i in range(20)]
    with _patched(model, **{name: flaky}), pytest.raises(RuntimeError, match="tokenizer broke"):
        e.embed(texts)
    assert e.embed(texts).shape == (20, cpu_embedder.dim)


def test_default_batch_size_on_cpu(cpu_embedder):
    # 256 is for a GPU; on the CPU the default stays 16 (explicit sizes are kept as given)
    assert cpu_embedder.batch_size == 16


def test_fp16_on_cuda_close_to_stock_fp32(stock):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    gpu = SentenceTransformerEmbedder("m3e-small")
    assert gpu.batch_size == 256 and gpu.pipeline is True
    got = gpu.embed(TEXTS)
    assert got.dtype == np.float32
    assert np.abs(np.linalg.norm(got, axis=1) - 1).max() < 1e-5
    assert (got * stock).sum(axis=1).min() > 0.999  # fp16 vs fp32: cosine, not exact equality


def test_pipeline_is_the_default_on_cuda_only(cpu_embedder):
    assert cpu_embedder.pipeline is False  # measured no faster on the CPU; stock encode there
    assert SentenceTransformerEmbedder.__init__.__kwdefaults__["pipeline"] is None
