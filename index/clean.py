"""Strip web-page noise line by line, keeping every kept character as it was written.

Characters inside kept lines are never rewritten, so quotes are exact substrings of
the source line; only whole noise lines, control characters and blank runs go.
"""
from __future__ import annotations

import re

from . import lexicon
from .textutil import fold

_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")

_NOISE_PATTERNS = [
    r"(首页|当前位置|您的位置|所在位置|主页).{0,40}(>|>>|»|->|→|/|＞)",  # breadcrumbs
    r"^\s*(>|»|＞)",
    r"(点击|浏览|阅读|访问)(次数|量|数)?\s*[:：]\s*\d*\s*$",  # view counters
    r"(点击|浏览|阅读|访问)(次数|量)\s*[:：]\s*\d+",
    r"^[\s•·\-*]*(作者|来源|编辑|审核|审稿|供稿|摄影|字号|责任编辑|最后编辑|发布者)\s*[:：]",
    r"责任编辑\s*[:：]",
    r"版权所有|copyright|©|\(c\)\s*\d{4}|all rights reserved",
    r"icp\s*备|icp证|公网安备|网安备",
    r"^(技术支持|联系我们|网站地图|设为首页|加入收藏|打印本页|关闭窗口|上一篇|下一篇|分享到|返回顶部|【?打印】?|关闭|相关信息|更多关于|扫一扫)",
    r"【\s*(打印|关闭|字号)",
    r"如若转载|转载请注明|本文链接|原文链接",
    r"^\s*connect\s*:?\s*$",
]
_NOISE = re.compile("|".join(f"(?:{p})" for p in _NOISE_PATTERNS), re.IGNORECASE)
_KEEP_META = re.compile(rf"(发布|发表|印发)(日期|时间)\s*[:：]\s*{lexicon.YEAR}")
# A footer starts where a copyright/ICP line appears near the end: everything after it goes too.
# a data row of a table: cells separated by | or tabs, one of them a number (layout tables of
# old pages, navigation in cells, hold no number cells and stay subject to the stripper)
_TABLE_ROW = re.compile(r"(?:^|\t|\|)\s*\d+(?:\.\d+)?\s*(?:\t|\||$)")
_FOOTER_START = re.compile(r"版权所有|copyright|icp\s*备|公网安备", re.IGNORECASE)


def is_noise_line(line: str) -> bool:
    """True for navigation, counters, editor credits, copyright, ICP and footer lines."""
    folded = fold(line).strip()
    if not folded:
        return False
    if _KEEP_META.search(folded):
        return False  # 发布日期:2018-10-31 answers "when was it published", even amid page chrome
    # URLs go before matching: their slashes read as breadcrumb separators, and reports give their
    # own web address in prose (可在学校门户网站首页…查阅(网址:https://…/…)), in most reports' closing lines
    return bool(_NOISE.search(_URL.sub(" ", folded)))


_URL = re.compile(r"(?:https?://|www\.)[^\s()（）,，。;；]+", re.IGNORECASE)
_META_TAIL = re.compile(r"\s*(来源|作者|点击|浏览|阅读|访问|字号|【|编辑|审核)")


def _trim_meta(line: str) -> str:
    """A kept publication-date line loses its trailing page chrome (来源… 点击：2087)."""
    m = _KEEP_META.search(fold(line))
    if not m:
        return line
    tail = _META_TAIL.search(fold(line), m.end())
    return line[: tail.start()].rstrip() if tail else line


def clean_lines(text: str) -> list[str]:
    """The kept lines of one text segment (noise lines and the trailing footer removed)."""
    text = _CTRL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [ln.rstrip() for ln in text.split("\n")]
    # Drop the footer block: from the first copyright/ICP line in the last 40% of lines onwards.
    n = len(lines)
    cut = n
    for i in range(n - 1, max(-1, int(n * 0.6) - 1), -1):
        if _FOOTER_START.search(fold(lines[i])):
            cut = i
    # table rows (| a | 1 | from a web page's <table>, tab-separated from DOCX) are never page chrome
    kept = [_trim_meta(ln) for ln in lines[:cut]
            if (("\t" in ln or "|" in ln) and _TABLE_ROW.search(ln)) or not is_noise_line(ln)]
    out: list[str] = []
    for ln in kept:
        if not ln.strip():
            if out and out[-1] == "":
                continue
            out.append("")
        else:
            out.append(ln)
    while out and out[0] == "":
        out.pop(0)
    while out and out[-1] == "":
        out.pop()
    return out


_SENT_END = tuple("。！？!?；;：:")
# A table row as pypdf flattens it (label, then a run of two numbers or more) or a table's header
# line (信息内容 …, the standard 表二 header): never joined to a neighbour, so each row keeps its
# own line and index/tables.py can read it.
_TABLE_LINE = re.compile(r"(?:\d+(?:\.\d+)?[ \u3000]+)+\d+(?:\.\d+)?\s*$|^\s*信息内容")


def rejoin_wrapped(lines: list[str]) -> list[str]:
    """Join lines that a PDF wrapped mid-sentence (no closing punctuation, next line not a heading)."""
    from .sections import heading_level

    out: list[str] = []
    for ln in lines:
        if (out and out[-1] and ln and not out[-1].rstrip().endswith(_SENT_END)
                and len(out[-1]) >= 15 and heading_level(ln) is None and heading_level(out[-1]) is None
                and not _TABLE_LINE.search(ln) and not _TABLE_LINE.search(out[-1])):
            out[-1] = out[-1].rstrip() + ln.lstrip()
        else:
            out.append(ln)
    return out


def clean_segments(segments: list[tuple[int | None, str]]) -> tuple[str, list[tuple[int, int]]]:
    """Cleaned full text and its page starts ``[(offset, page), ...]`` (empty if no pages)."""
    parts: list[str] = []
    pages: list[tuple[int, int]] = []
    pos = 0
    for page, raw in segments:
        lines = clean_lines(raw)
        body = "\n".join(rejoin_wrapped(lines) if page is not None else lines)
        if not body:
            continue
        if parts:
            parts.append("\n")
            pos += 1
        if page is not None:
            pages.append((pos, page))
        parts.append(body)
        pos += len(body)
    return "".join(parts), pages


def page_at(pages: list[tuple[int, int]], offset: int) -> int | None:
    """The page holding ``offset``, or None for documents without pages."""
    page = None
    for start, p in pages:
        if start <= offset:
            page = p
        else:
            break
    return page
