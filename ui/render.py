"""Render answers as escaped HTML/Markdown for the web UI (no report text is trusted)."""
from __future__ import annotations

import html

from qa.schema import Answer, Citation


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def citation_html(i: int, c: Citation, context: str = "") -> str:
    """One numbered citation: institution, year, section and the quoted sentence, escaped."""
    page = f" · 第{c.page}页" if c.page else ""
    return (f'<div class="rq-cite" id="rq-cite-{i}"><b>[{i}]</b> {esc(c.institution)} {esc(c.year)} · '
            f'{esc(c.section)}{page} · <code>{esc(c.doc)}:{c.start}-{c.end}</code>'
            f'<blockquote>{esc(c.quote)}</blockquote></div>')


def answer_markdown(a: Answer) -> str:
    """Chat text of an answer: the short answer, then numbered citations (all escaped)."""
    lines = []
    if a.abstained:
        lines.append(f"**未找到答案：** {esc(a.answer)}")
    else:
        lines.append(f"**{esc(a.answer)}**")
    cites = a.citations or a.related
    if cites:
        lines.append("" if a.citations else "相关段落（不是答案）：")
    for i, c in enumerate(cites, 1):
        page = f" 第{c.page}页" if c.page else ""
        lines.append(f"[{i}] {esc(c.institution)} {esc(c.year)} · {esc(c.section)}{page}<br>「{esc(c.quote)}」")
    return "\n\n".join(lines)


def source_html(full_text: str, c: Citation, window: int = 600) -> str:
    """The cited sentence highlighted inside its surrounding text."""
    s = max(0, c.start - window)
    e = min(len(full_text), c.end + window)
    return (f'<div class="rq-source" id="rq-source"><h4>{esc(c.institution)} {esc(c.year)} · {esc(c.section)}</h4>'
            f'<p style="white-space:pre-wrap">{esc(full_text[s:c.start])}'
            f'<mark id="rq-highlight">{esc(full_text[c.start:c.end])}</mark>{esc(full_text[c.end:e])}</p></div>')
