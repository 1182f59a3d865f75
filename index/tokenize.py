"""Chinese tokens for the keyword index (jieba, search mode)."""
from __future__ import annotations

import logging
import re

import jieba

from .textutil import fold

jieba.setLogLevel(logging.WARNING)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
STOPWORDS = frozenset("的 了 和 与 及 是 在 对 为 等 中 有 也 将 其 并 或 之 于 把 被 以 向 从 这 那 哪 哪些 什么 多少 几 吗 呢 呀 啊 了 个 一 该 我 我校 本 请问".split())


def tokenize(text: str) -> list[str]:
    """Lower-cased jieba search-mode tokens without punctuation or stopwords."""
    toks = jieba.lcut_for_search(fold(text).lower())
    return [t for t in toks if _KEEP.search(t) and t.strip() and t not in STOPWORDS]
