"""Read report files into plain text segments, one per page for PDFs.

Each reader returns ``[(page, text), ...]``; ``page`` is None outside PDFs.
Errors are typed per file so an ingest can report them and go on.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from charset_normalizer import from_bytes

from .errors import (BinaryFile, CorruptFile, EmptyFile, EncryptedPDF, FileTooLarge,
                     InputFileError, NoTextLayer, UnsupportedFormat)

SUPPORTED = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024  # a larger inflated size is treated as a zip bomb

Segments = list[tuple[int | None, str]]


def file_format(path: Path) -> str:
    """The format name for a path, or raise UnsupportedFormat."""
    fmt = SUPPORTED.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedFormat(f"unsupported file type {path.suffix or '(none)'!r}; "
                                f"supported: {', '.join(sorted(SUPPORTED))}")
    return fmt


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, checking size before reading so memory stays bounded."""
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile("empty file")
    if size > max_bytes:
        raise FileTooLarge(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    return path.read_bytes()


def decode_text(data: bytes) -> str:
    """Decode text in UTF-8, UTF-16 (BOM) or GB18030/GBK/Big5, detected; reject binaries."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:
        try:  # GB18030 is a superset of GBK: the commonest non-UTF-8 encoding of these reports
            text = data.decode("gb18030")
            if _looks_binary(text):
                text = None
        except UnicodeDecodeError:
            text = None
    if text is None:
        best = from_bytes(data[:2_000_000]).best()
        if best is None:
            raise BinaryFile("not a text file (binary content, no text encoding fits)")
        text = data.decode(best.encoding, errors="replace")
    if _looks_binary(text):
        raise BinaryFile("not a text file (binary content)")
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample.strip("\x00 \t\r\n"):
        return False
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\r\n") or c == "\ufffd")
    # a few stray NULs or control bytes in a real text are tolerated (and stripped later)
    return bad > 8 and bad / max(len(sample), 1) > 0.05


def read_txt(data: bytes) -> Segments:
    return [(None, decode_text(data))]


def read_html(data: bytes) -> Segments:
    """Main text of a saved web page; scripts, styles and boilerplate dropped."""
    import trafilatura

    html = decode_text(data)
    text = trafilatura.extract(html, include_comments=False, include_tables=True,
                               favor_recall=True, include_formatting=False, deduplicate=False)
    if not text or not text.strip():
        # Pages that trafilatura judges all boilerplate still may hold the report in <body>.
        from lxml import html as lxml_html

        try:
            tree = lxml_html.fromstring(html)
        except Exception as exc:  # lxml raises several types on junk markup
            raise CorruptFile(f"unreadable HTML: {exc}") from exc
        for bad in tree.xpath("//script|//style|//noscript|//template"):
            bad.drop_tree()
        _flatten_tables(tree)
        text = "\n".join(t.strip() for t in tree.itertext() if t.strip())
    if not text.strip():
        raise EmptyFile("HTML page has no visible text")
    return [(None, text)]


def _flatten_tables(tree) -> None:
    """Each ``<tr>`` of a page's ``<table>`` elements becomes one line of tab-separated cells, so a
    table row survives as a row (index/tables.py reads it) instead of one line per cell."""
    for tr in tree.xpath("//tr"):
        cells = ["".join(td.itertext()).strip().replace("\t", " ").replace("\n", "")
                 for td in tr.xpath("./td|./th")]
        tail = tr.tail
        tr.clear()
        tr.text = "\n" + "\t".join(cells) + "\n"
        tr.tail = tail


def read_pdf(data: bytes) -> Segments:
    """Text per page via pypdf; encrypted or corrupt PDFs are clear errors."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise EncryptedPDF("encrypted PDF (password required)")
        pages = [(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
    except InputFileError:
        raise
    except Exception as exc:  # pypdf raises a wide range on damaged files; keep it per file
        raise CorruptFile(f"corrupt or truncated PDF: {exc}") from exc
    if not any(t.strip() for _, t in pages):
        raise NoTextLayer("PDF has no text layer (scanned?); needs OCR")
    return pages


def read_docx(data: bytes) -> Segments:
    """Paragraphs and tables of a DOCX in document order; zip bombs refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
            if total > MAX_DOCX_UNCOMPRESSED:
                raise CorruptFile(f"DOCX inflates to {total / 1e6:.0f} MB; refused as a zip bomb")
            if "word/document.xml" not in zf.namelist():
                raise CorruptFile("not a DOCX (no word/document.xml)")
    except zipfile.BadZipFile as exc:
        raise CorruptFile(f"not a DOCX (not a zip archive): {exc}") from exc
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise CorruptFile(f"unreadable DOCX: {exc}") from exc
    lines = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell repeats itself; equal numbers (0 0 0) do not
                        continue
                    seen.add(id(cell._tc))
                    cells.append(re.sub(r"\s+", " ", cell.text).strip())
                lines.append("\t".join(cells))
    text = "\n".join(lines)
    if not text.strip():
        raise EmptyFile("DOCX has no text")
    return [(None, text)]


_READERS = {"txt": read_txt, "md": read_txt, "html": read_html, "pdf": read_pdf, "docx": read_docx}


def read_file(path: Path, max_bytes: int, max_chars: int = 2_000_000) -> tuple[str, bytes, Segments]:
    """(format, raw bytes, segments) of a file, or a typed InputFileError.

    Memory stays bounded: sizes are checked before reading, and plain-text formats are
    refused before decoding when their bytes could not fit ``max_chars`` characters.
    """
    fmt = file_format(path)
    if fmt in ("txt", "md", "html") and path.exists() and path.stat().st_size > 4 * max_chars:
        raise FileTooLarge(f"text file is {path.stat().st_size / 1e6:.1f} MB; a report has at most "
                           f"{max_chars:,} characters")
    data = read_bytes(path, max_bytes)
    segments = _READERS[fmt](data)
    if not any(t.strip() for _, t in segments):
        raise EmptyFile("file has no text")
    chars = sum(len(t) for _, t in segments)
    if chars > max_chars:
        raise FileTooLarge(f"file holds {chars:,} characters of text; a report has at most {max_chars:,}")
    return fmt, data, segments
