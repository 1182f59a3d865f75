"""Parse the heading hierarchy of a report into sections with character spans."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .textutil import fold

_CN = "一二三四五六七八九十"
# (level, pattern) — tried in order on the folded line; level 1 is 一、 headings.
_HEADINGS = [
    (1, re.compile(rf"^\s*[{_CN}]{{1,3}}\s*[、.]")),
    (2, re.compile(rf"^\s*\(\s*[{_CN}]{{1,3}}\s*\)")),
    (3, re.compile(r"^\s*\d{1,2}\s*[、.](?!\d)")),
    (4, re.compile(r"^\s*\(\s*\d{1,2}\s*\)")),
    (5, re.compile(rf"^\s*[{_CN}]{{1,2}}是")),
]
PREAMBLE = "报告开头"
# A table row (一、本年新收… 21 0 0 0 0 0 21, or a |/tab-separated row) is never a heading,
# though its label starts like one: the section stays the table's own heading.
_TABLE_ROW = re.compile(r"\d+(?:\.\d+)?[ \u3000]+\d+(?:\.\d+)?\s*$|^\s*\||\t")


@dataclass(frozen=True)
class Section:
    """A span of cleaned text under one heading path (start inclusive, end exclusive)."""

    path: str
    start: int
    end: int


def heading_level(line: str) -> int | None:
    """The heading level of a line (1-5), or None for body text."""
    f = fold(line)
    for level, pat in _HEADINGS:
        if pat.match(f):
            return level
    return None


def heading_label(line: str) -> str:
    """A short label for a heading line: up to its first sentence end, at most 30 chars."""
    s = line.strip()
    m = re.search(r"[。；;！？!?]", s)
    if m:
        s = s[: m.start()]
    return s[:30].rstrip("，,：: ")


def parse_sections(text: str) -> list[Section]:
    """Sections covering ``text`` in order; each path joins headings with " > "."""
    stack: list[tuple[int, str]] = []
    sections: list[Section] = []
    cur_start, cur_path = 0, PREAMBLE
    pos = 0
    for line in text.split("\n"):
        level = heading_level(line) if line.strip() and not _TABLE_ROW.search(line) else None
        if level is not None:
            if pos > cur_start:
                sections.append(Section(cur_path, cur_start, pos))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading_label(line)))
            cur_start, cur_path = pos, " > ".join(lbl for _, lbl in stack)
        pos += len(line) + 1
    if len(text) > cur_start:
        sections.append(Section(cur_path, cur_start, len(text)))
    return [s for s in sections if text[s.start:s.end].strip()]


def top_section(path: str) -> str:
    """The first level of a section path."""
    return path.split(" > ", 1)[0]
