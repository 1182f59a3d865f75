"""Length-preserving text helpers, so offsets found on folded text hold on the original."""
from __future__ import annotations

import re

# Full-width ASCII (！..～) and the ideographic space map 1:1 to ASCII: offsets survive.
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
_FOLD.update({ord("—"): ord("-"), ord("–"): ord("-"), ord("－"): ord("-"), ord("〜"): ord("~")})


def fold(text: str) -> str:
    """Map full-width forms to ASCII one character for one character (same length)."""
    return text.translate(_FOLD)


SENT_END = "。！？!?；;\n"
_SENT_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


def sentences(text: str, base: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of ``text``, offset by ``base``, trimmed of blanks."""
    spans = []
    for m in _SENT_RE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= 2:
            spans.append((base + s, base + e))
    return spans


def squash(text: str) -> str:
    """Folded text with whitespace removed, for containment checks."""
    return re.sub(r"\s+", "", fold(text))
