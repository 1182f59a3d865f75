"""Split sections into chunks with exact offsets into the cleaned text."""
from __future__ import annotations

from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .sections import Section

SEPARATORS = ["\n\n", "\n", "。", "；", "！", "？", "，", "、", ""]


@dataclass(frozen=True)
class Piece:
    section: str
    start: int
    end: int
    text: str


def make_splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    """A Chinese-aware recursive splitter: paragraphs, sentences, clauses, then characters."""
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=chunk_overlap, separators=SEPARATORS,
        keep_separator="end", strip_whitespace=True)


def chunk_sections(text: str, sections: list[Section], chunk_size: int, chunk_overlap: int) -> list[Piece]:
    """Pieces of each section; ``text[p.start:p.end] == p.text`` always holds."""
    splitter = make_splitter(chunk_size, chunk_overlap)
    pieces: list[Piece] = []
    for sec in sections:
        body = text[sec.start:sec.end]
        cursor = 0
        for part in splitter.split_text(body):
            idx = body.find(part, max(0, cursor - chunk_overlap - len(part)))
            if idx < 0:
                idx = body.find(part)
            if idx < 0:  # the splitter never rewrites text, but never trust blindly
                continue
            start = sec.start + idx
            pieces.append(Piece(sec.path, start, start + len(part), part))
            cursor = idx + len(part)
    return pieces
