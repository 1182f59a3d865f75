"""Read report files into plain text segments, one per page for PDFs.

Each reader returns ``[(page, text), ...]``; ``page`` is None outside PDFs.
Errors are typed per file so an ingest can report them and go on.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from .errors import (BinaryFile, CorruptFile, EmptyFile, EncryptedPDF, FileTooLarge,
                     InputFileError, NoTextLayer, UnsupportedFormat)

SUPPORTED = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024  # a larger inflated size is treated as a zip bomb


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one file may cost to parse (defaults match Settings; see docs/reliability.md).

    A DOCX's XML is scanned as a stream before python-docx builds its tree, so a small file that
    inflates to a huge or element-dense XML is refused at the cap instead of taking gigabytes."""

    max_xml_bytes: int = 40 * 1024 * 1024  # inflated XML of all DOCX parts together
    max_xml_elements: int = 1_000_000  # XML elements of all DOCX parts together
    max_html_depth: int = 200  # element nesting; libxml2 drops text nested deeper than 256
    max_pdf_pages: int = 2000

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
        if text is not None and _gb2312_share(text) < MIN_GB2312_SHARE:
            # GB18030 decodes almost any byte pairs, so Big5 (traditional script) bytes come out as
            # rare-character mojibake. Prefer Big5 when it decodes; otherwise refuse the file.
            try:
                big5 = data.decode("big5hkscs")
            except UnicodeDecodeError:
                raise BinaryFile("undecodable text: not UTF-8, GB18030 gives mostly rare characters "
                                 "(mojibake) and it is not Big5 either") from None
            if _looks_binary(big5):
                raise BinaryFile("not a text file (binary content)")
            return big5
    if text is None:
        best = from_bytes(data[:2_000_000]).best()
        if best is None:
            raise BinaryFile("not a text file (binary content, no text encoding fits)")
        text = data.decode(best.encoding, errors="replace")
    if _looks_binary(text):
        raise BinaryFile("not a text file (binary content)")
    return text


# Chinese text in GB encodings uses the 6,763 GB2312 characters for nearly all of its Han
# characters; Big5 bytes read as GB18030 land about half the time in the GBK extension rows.
MIN_GB2312_SHARE = 0.9


def _gb2312_share(text: str) -> float:
    """Share of the Han characters in ``text`` (first 20,000 characters) that GB2312 encodes."""
    han = [c for c in text[:20000] if "\u4e00" <= c <= "\u9fff"]
    if len(han) < 20:
        return 1.0  # too little Chinese to judge
    common = 0
    for c in han:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(han)


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample.strip("\x00 \t\r\n"):
        return False
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\r\n") or c == "\ufffd")
    # a few stray NULs or control bytes in a real text are tolerated (and stripped later)
    return bad > 8 and bad / max(len(sample), 1) > 0.05


def read_txt(data: bytes) -> Segments:
    return [(None, decode_text(data))]


# Elements whose end tag HTML lets authors omit, and void elements: neither counts as nesting.
_HTML_NO_NEST = frozenset("p li td th tr thead tbody tfoot dt dd option optgroup colgroup caption rb rt rp "
                          "area base br col embed hr img input link meta param source track wbr".split())
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")


def html_depth(html: str, limit: int) -> int:
    """The element nesting depth of ``html`` by a linear scan of its tags, stopping past ``limit``."""
    depth = top = 0
    for m in _HTML_TAG.finditer(html):
        if m.group(2).lower() in _HTML_NO_NEST or m.group(3):
            continue
        depth = max(0, depth - 1) if m.group(1) else depth + 1
        if depth > top:
            top = depth
            if top > limit:
                break
    return top


def read_html(data: bytes, max_depth: int = ReadLimits.max_html_depth) -> Segments:
    """Main text of a saved web page; scripts, styles and boilerplate dropped."""
    import trafilatura

    html = decode_text(data)
    if html_depth(html, max_depth) > max_depth:
        raise CorruptFile(f"HTML nests elements more than {max_depth} deep; refused "
                          f"(the parser would drop the text nested below that)")
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


def page_names(data: bytes, limit: int = 20_000) -> tuple[str, ...]:
    """The names a saved web page gives itself outside its text: ``og:site_name``,
    ``application-name`` and ``<title>`` (in that order, blanks dropped). A school's pages carry
    the school's name there (…年度报告-金融学院-东江大学) even when the report itself calls its
    author by a department's name only; detection reads them for that case (index/metadata.py).
    Only the first ``limit`` bytes are read: the head of the page."""
    head = decode_text(data[:limit])
    out = []
    for pat in (r"<meta[^>]+property=[\"']og:site_name[\"'][^>]*content=[\"']([^\"']+)",
                r"<meta[^>]+content=[\"']([^\"']+)[\"'][^>]*property=[\"']og:site_name",
                r"<meta[^>]+name=[\"']application-name[\"'][^>]*content=[\"']([^\"']+)",
                r"<title[^>]*>([^<]+)</title>"):
        m = re.search(pat, head, re.I)
        if m and m.group(1).strip():
            out.append(re.sub(r"\s+", " ", m.group(1)).strip())
    return tuple(dict.fromkeys(out))


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


def read_pdf(data: bytes, max_pages: int = ReadLimits.max_pdf_pages) -> Segments:
    """Text per page via pypdf; encrypted or corrupt PDFs are clear errors; at most ``max_pages``."""
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
        if len(reader.pages) > max_pages:
            raise FileTooLarge(f"PDF has {len(reader.pages):,} pages; the limit is {max_pages:,}")
        pages = [(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
    except InputFileError:
        raise
    except Exception as exc:  # pypdf raises a wide range on damaged files; keep it per file
        raise CorruptFile(f"corrupt or truncated PDF: {exc}") from exc
    if not any(t.strip() for _, t in pages):
        raise NoTextLayer("PDF has no text layer (scanned?); needs OCR")
    return pages


class _Capped:
    """A read-only stream that raises FileTooLarge once more than ``limit`` bytes were read."""

    def __init__(self, raw, limit: int, what: str):
        self.raw, self.limit, self.what, self.n = raw, limit, what, 0

    def read(self, size: int = -1) -> bytes:
        block = self.raw.read(1 << 16 if size is None or size < 0 else min(size, 1 << 16))
        self.n += len(block)
        if self.n > self.limit:
            raise FileTooLarge(f"{self.what} inflates past the {self.limit / 1024 / 1024:.0f} MB limit on XML")
        return block


def check_docx_xml(zf: zipfile.ZipFile, max_bytes: int, max_elements: int) -> None:
    """Stream every XML part of a DOCX through a size-capped, element-counting parser.

    python-docx parses every part into one lxml tree; a file far below the zip-bomb ratio can
    still hold hundreds of megabytes of tiny elements. The scan keeps memory flat (each element
    is dropped once seen), and stops at ``max_bytes`` inflated bytes or ``max_elements``."""
    from lxml import etree

    read = elements = 0
    for info in zf.infolist():
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        stream = _Capped(zf.open(info), max_bytes - read, "DOCX")
        try:
            for _, el in etree.iterparse(stream, events=("end",), huge_tree=False, resolve_entities=False,
                                         no_network=True, load_dtd=False):
                elements += 1
                if elements > max_elements:
                    raise FileTooLarge(f"DOCX holds more than {max_elements:,} XML elements; refused")
                el.clear()
                parent = el.getparent()
                while parent is not None and el.getprevious() is not None:
                    del parent[0]
        except etree.XMLSyntaxError as exc:
            raise CorruptFile(f"unreadable DOCX part {info.filename}: {exc}") from exc
        finally:
            stream.raw.close()
        read += stream.n


def read_docx(data: bytes, max_xml_bytes: int = ReadLimits.max_xml_bytes,
              max_xml_elements: int = ReadLimits.max_xml_elements) -> Segments:
    """Paragraphs and tables of a DOCX in document order; zip bombs and XML bombs refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
            if total > MAX_DOCX_UNCOMPRESSED:
                raise CorruptFile(f"DOCX inflates to {total / 1e6:.0f} MB; refused as a zip bomb")
            if "word/document.xml" not in zf.namelist():
                raise CorruptFile("not a DOCX (no word/document.xml)")
            check_docx_xml(zf, max_xml_bytes, max_xml_elements)
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


def read_file(path: Path, max_bytes: int, max_chars: int = 2_000_000,
              limits: ReadLimits | None = None) -> tuple[str, bytes, Segments]:
    """(format, raw bytes, segments) of a file, or a typed InputFileError.

    Memory stays bounded: sizes are checked before reading, plain-text formats are
    refused before decoding when their bytes could not fit ``max_chars`` characters, and
    ``limits`` bound DOCX XML, HTML nesting and PDF pages.
    """
    lim = limits or ReadLimits()
    fmt = file_format(path)
    if fmt in ("txt", "md", "html") and path.exists() and path.stat().st_size > 4 * max_chars:
        raise FileTooLarge(f"text file is {path.stat().st_size / 1e6:.1f} MB; a report has at most "
                           f"{max_chars:,} characters")
    data = read_bytes(path, max_bytes)
    if fmt == "docx":
        segments = read_docx(data, lim.max_xml_bytes, lim.max_xml_elements)
    elif fmt == "html":
        segments = read_html(data, lim.max_html_depth)
    elif fmt == "pdf":
        segments = read_pdf(data, lim.max_pdf_pages)
    else:
        segments = _READERS[fmt](data)
    if not any(t.strip() for _, t in segments):
        raise EmptyFile("file has no text")
    chars = sum(len(t) for _, t in segments)
    if chars > max_chars:
        raise FileTooLarge(f"file holds {chars:,} characters of text; a report has at most {max_chars:,}")
    return fmt, data, segments
