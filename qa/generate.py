"""Optional generative answers from an OpenAI-compatible endpoint (off unless configured).

The model sees only retrieved passages, must cite them as [n], and any number it states
that does not occur in a cited passage makes the whole reply rejected: the extractive
answer stands, and the Answer says the generated one was refused.
"""
from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import replace

from index.errors import ReportQAError

from .schema import Answer, Citation

PROMPT = ("你是信息公开年度报告的问答助手。只根据下面编号的段落回答，用中文简短作答，"
          "并用[编号]标注依据；段落中没有的数字不要写。如果段落不能回答，回答“无法回答”。")


class GenerationError(ReportQAError):
    """The generation endpoint failed or returned something unusable."""


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text.replace(",", "")))


def call_endpoint(url: str, model: str, api_key: str, messages: list[dict], timeout: float = 30.0) -> str:
    """POST /chat/completions and return the first choice's text."""
    body = json.dumps({"model": model, "messages": messages, "temperature": 0}).encode()
    req = urllib.request.Request(url.rstrip("/") + "/chat/completions", data=body,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {api_key}"} if api_key else {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = json.loads(resp.read().decode())
        return data["choices"][0]["message"]["content"]
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise GenerationError(f"generation endpoint failed: {exc}") from exc


def generate(answer: Answer, passages: list[Citation], url: str, model: str, api_key: str = "") -> Answer:
    """A generated answer grounded in ``passages``, or ``answer`` marked as kept when it is rejected."""
    if not passages:
        return answer
    ctx = "\n".join(f"[{i}] {c.institution} {c.section}：{c.quote}" for i, c in enumerate(passages, 1))
    text = call_endpoint(url, model, api_key, [{"role": "system", "content": PROMPT},
                                               {"role": "user", "content": f"{ctx}\n\n问题：{answer.question}"}])
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text) if 0 < int(n) <= len(passages)})
    if not cited:
        return replace(answer, answer=answer.answer + "（生成的回答没有引用依据，已拒绝；显示抽取式答案）",
                       intent=answer.intent + "+generation_rejected:no_citation")
    quotes = "".join(passages[i - 1].quote for i in cited)
    unsupported = _numbers(re.sub(r"\[\d+\]", "", text)) - _numbers(quotes)
    if unsupported:
        return replace(answer, answer=answer.answer + "（生成的回答含有引文中没有的数字，已拒绝；显示抽取式答案）",
                       intent=answer.intent + "+generation_rejected:unsupported_numbers")
    return replace(answer, answer=text.strip(), citations=[passages[i - 1] for i in cited],
                   intent=answer.intent + "+generated", abstained=False)
