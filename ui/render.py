"""Render answers, sources and facts as escaped HTML/Markdown. No report text is trusted.

Every string that comes from a report, a file name, a question or an answer goes through
``esc`` (HTML) or ``md_esc`` (HTML, then Markdown punctuation) before it reaches a page.
"""
from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import quote

from qa.facts import FACT_LABELS
from qa.schema import Answer, Citation

NUMERIC_FACTS = ["applications_received", "applications_refused", "published_items", "applications_completed",
                 "t3_new", "t3_granted", "t3_refused", "t3_unable", "t3_total", "t2_licensing", "t2_penalty"]
ALL_LABELS = {**FACT_LABELS, "applications_completed": "办理总计"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


def esc(text) -> str:
    """HTML-escape anything (quotes too)."""
    return html.escape("" if text is None else str(text), quote=True)


def md_esc(text) -> str:
    """Escape for Gradio's Markdown renderer: Markdown/LaTeX punctuation, then HTML."""
    return esc(_MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text)))


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def doc_url(doc: str, start: int | None = None, end: int | None = None, cell: int | None = None) -> str:
    """Link to the whole cleaned document, the span highlighted (and a table cell, by its offset)."""
    url = "/doc/" + quote(doc, safe="")
    if start is not None and end is not None:
        url += f"?start={int(start)}&end={int(end)}"
        url += f"&cell={int(cell)}" if cell is not None else ""
        url += "#rq-highlight"
    return url


def citation_label(i: int, c: Citation) -> str:
    """Plain-text label of a citation (used as a radio choice; Gradio escapes it)."""
    sec = one_line(c.section)
    sec = sec if len(sec) <= 24 else sec[:23] + "…"
    return f"[{i}] {one_line(c.institution)} {c.year} · {sec or '正文'}"


def _cite_md(i: int, c: Citation, cap: int = 300) -> str:
    page = f" · 第{c.page}页" if c.page else ""
    head = f"**\\[{i}\\]** {md_esc(c.institution)} {md_esc(c.year)} · {md_esc(one_line(c.section) or '正文')}{page}"
    quote = one_line(c.quote)
    quote = quote if len(quote) <= cap else quote[:cap - 1] + "…"
    return f"{head}  \n「{md_esc(quote)}」"


def answer_markdown(a: Answer) -> str:
    """Chat text of an answer: the short answer, then numbered citations (all escaped)."""
    parts = []
    if a.abstained:
        parts.append(f"**未找到答案**：{md_esc(a.answer)}")
        if a.related:
            parts.append("相关段落（仅供参考，不是答案）：")
            parts += [_cite_md(i, c, cap=120) for i, c in enumerate(a.related, 1)]
        return "\n\n".join(parts)
    parts.append(f"**{md_esc(a.answer)}**".replace("\n", "  \n"))
    if a.groups:
        i = 0
        for inst, cites in a.groups.items():
            parts.append(f"**{md_esc(inst)}**")
            for c in cites:
                i += 1
                parts.append(_cite_md(i, c))
    else:
        parts += [_cite_md(i, c) for i, c in enumerate(a.citations, 1)]
    if a.citations:
        parts.append("*点击右侧引用编号查看原文。*")
    return "\n\n".join(parts)


def answer_citations(a: Answer) -> list[Citation]:
    """Citations in the order they are numbered in ``answer_markdown``."""
    if a.abstained:
        return list(a.related)
    if a.groups:
        return [c for cs in a.groups.values() for c in cs]
    return list(a.citations)


def citation_html(i: int, c: Citation, context: str = "") -> str:
    """One numbered citation: institution, year, section and the quoted sentence, escaped."""
    page = f" · 第{c.page}页" if c.page else ""
    return (f'<div class="rq-cite" id="rq-cite-{i}"><b>[{i}]</b> {esc(c.institution)} {esc(c.year)} · '
            f'{esc(c.section)}{page} · <code>{esc(c.doc)}:{c.start}-{c.end}</code>'
            f'<blockquote>{esc(c.quote)}</blockquote></div>')


def _highlighted(text: str, s: int, e: int, lo: int, hi: int) -> str:
    return (f"{esc(text[lo:s])}<mark id=\"rq-highlight\">{esc(text[s:e])}</mark>{esc(text[e:hi])}")


def source_html(full_text: str, c: Citation, span: tuple[int, int] | None = None, window: int = 600,
                cap: int = 4000, cells=None) -> str:
    """The source panel: the cited section's text with the quoted sentence highlighted.

    ``span`` is the section's [start, end) in the cleaned text; without it a window around
    the quote is shown. Very long sections are cut to ``cap`` characters around the quote.
    """
    s, e = max(0, min(c.start, len(full_text))), max(0, min(c.end, len(full_text)))
    lo, hi = span if span else (s - window, e + window)
    lo, hi = max(0, min(lo, s)), min(len(full_text), max(hi, e))
    if hi - lo > cap:
        lo, hi = max(lo, s - cap // 2), min(hi, e + cap // 2)
    page = f" · 第{c.page}页" if c.page else ""
    cell = c.cell[0] if getattr(c, "cell", None) else None
    blocks = [b for b in table_blocks(cells or []) if _in_one_row(b, s, e)]
    if blocks:  # a cited table row: show its table, the row and the cell highlighted
        lo, hi = blocks[0]["start"], blocks[0]["end"]
        body = (f"<style>{TABLE_CSS}</style>" + text_with_tables(full_text, blocks, s, e, cell, lo, hi, window=3))
    else:
        body = _highlighted(full_text, s, e, lo, hi)
    pre = "…" if lo > 0 else ""
    post = "…" if hi < len(full_text) else ""
    return (f'<div class="rq-source" id="rq-source">'
            f'<div class="rq-source-head"><b>{esc(c.institution)} {esc(c.year)}</b> · '
            f'{esc(one_line(c.section) or "正文")}{page}</div>'
            f'<div class="rq-source-meta">{esc(c.doc)} · 字符 {c.start}–{c.end} · '
            f'<a id="rq-doc-link" href="{esc(doc_url(c.doc, c.start, c.end, cell))}" target="_blank" '
            f'rel="noopener">在完整文档中查看 ↗</a></div>'
            f'<div class="rq-source-text">{esc(pre)}{body}{esc(post)}</div></div>')


# --------------------------------------------------------------------------- tables
TABLE_CSS = ("table.rq-table{border-collapse:collapse;margin:.6em 0;font-size:13px;line-height:1.4}"
             ".rq-table th,.rq-table td{border:1px solid #bbb;padding:2px 6px;text-align:center}"
             ".rq-table td.rq-rowlabel{text-align:left;min-width:16em}.rq-table .rq-anc{color:#888}"
             ".rq-table caption{text-align:left;font-weight:bold;color:#555}"
             ".rq-table tr.rq-hl td{background:#fff3bf}"
             ".rq-table tr.rq-hl td.rq-cell-hl{background:#ffd43b;font-weight:bold;outline:2px solid #e67700}")


def table_blocks(cells) -> list[dict]:
    """Cells (TableCell) grouped into tables as they run through the text: each block has its
    table name, text span, column paths in order and rows ``(start, end, row path, {col: cell})``."""
    blocks: list[dict] = []
    for c in sorted(cells, key=lambda c: (c.start, c.value_start)):
        b = blocks[-1] if blocks else None
        if b is None or b["table"] != c.table or c.start > b["end"] + 400:
            b = {"table": c.table, "start": c.start, "end": c.end, "cols": [], "rows": []}
            blocks.append(b)
        if not b["rows"] or b["rows"][-1][0] != c.start:
            b["rows"].append((c.start, c.end, c.row, {}))
        b["rows"][-1][3][c.col] = c
        if c.col not in b["cols"]:
            b["cols"].append(c.col)
        b["end"] = max(b["end"], c.end)
    return blocks


def _header_rows(cols: list[tuple]) -> str:
    depth = max((len(c) for c in cols), default=1)
    out = []
    for lv in range(depth):
        cells, j = [], 0
        while j < len(cols):
            key = cols[j][:lv + 1] if len(cols[j]) > lv else None
            span = 1
            while j + span < len(cols) and key is not None and cols[j + span][:lv + 1] == key:
                span += 1
            label = key[-1] if key is not None else ""
            cells.append(f'<th colspan="{span}">{esc(label)}</th>' if span > 1 else f"<th>{esc(label)}</th>")
            j += span
        first = f'<th rowspan="{depth}">项目</th>' if lv == 0 else ""
        out.append(f"<tr>{first}{''.join(cells)}</tr>")
    return "".join(out)


def table_html(block: dict, start: int | None = None, end: int | None = None, cell: int | None = None,
               window: int | None = None) -> str:
    """One table as an HTML table; the row overlapping [start, end) and the cell whose number
    starts at ``cell`` highlighted (the row gets id rq-highlight, to scroll to). With ``window``,
    only that many rows either side of the highlighted row are shown (the source panel)."""
    rows = []
    shown = block["rows"]
    if window is not None and start is not None and end is not None:
        at = next((i for i, r in enumerate(shown) if r[0] < end and start < r[1]), 0)
        shown = shown[max(0, at - window):at + window + 1]
    for rs, re_, path, by_col in shown:
        hl = start is not None and end is not None and rs < end and start < re_
        if window is None:
            anc = "".join(f'<span class="rq-anc">{esc(p)} › </span>' for p in path[:-1])
            label = anc + esc(path[-1] if path else "")
        else:  # the narrow source panel: the leaf label, its block headers on hover
            label = f'<span title="{esc(" › ".join(path))}">{esc(path[-1] if path else "")}</span>'

        tds = []
        for col in block["cols"]:
            c = by_col.get(col)
            cls = ' class="rq-cell-hl" id="rq-cell"' if hl and c is not None and cell == c.value_start else ""
            tds.append(f"<td{cls}>{esc(c.value) if c is not None else ''}</td>")
        attrs = ' class="rq-hl" id="rq-highlight"' if hl else ""
        rows.append(f'<tr{attrs} data-start="{rs}" data-end="{re_}"><td class="rq-rowlabel">{label}</td>'
                    f"{''.join(tds)}</tr>")
    return (f'<table class="rq-table" data-table="{esc(block["table"])}"><caption>{esc(block["table"])}</caption>'
            f"<thead>{_header_rows(block['cols'])}</thead><tbody>{''.join(rows)}</tbody></table>")


def _in_one_row(block: dict, start: int, end: int) -> bool:
    return any(rs <= start and end <= re_ for rs, re_, _, _ in block["rows"])


def text_with_tables(text: str, blocks: list[dict], start: int | None, end: int | None,
                     cell: int | None = None, lo: int = 0, hi: int | None = None, window: int | None = None) -> str:
    """``text[lo:hi]`` escaped, each table block in it shown as a table. A highlight inside one
    row marks that row (and cell); any other highlight is marked in the text, and a block it
    overlaps stays text so that the whole highlight shows."""
    hi = len(text) if hi is None else hi
    out, pos = [], lo
    has = start is not None and end is not None
    for b in blocks:
        if b["end"] <= lo or b["start"] >= hi:
            continue
        if has and b["start"] < end and start < b["end"] and not _in_one_row(b, start, end):
            continue  # the highlight runs across table text: keep it as text
        out.append(_text_part(text, pos, b["start"], start, end))
        out.append(table_html(b, start, end, cell, window))
        pos = b["end"]
    out.append(_text_part(text, pos, hi, start, end))
    return "".join(out)


def _text_part(text: str, a: int, b: int, start: int | None, end: int | None) -> str:
    if start is not None and end is not None and a <= start and end <= b and start < end:
        return _highlighted(text, start, end, a, b)
    return esc(text[a:b])


def doc_page_html(doc: str, institution: str, year: str, text: str, start: int | None = None,
                  end: int | None = None, cells=None, cell: int | None = None) -> str:
    """A standalone page: the whole cleaned document, the span highlighted and scrolled to.

    With ``cells`` (the report's TableCells) its tables are shown as tables, the cited row and
    the cell at ``cell`` (the number's start offset) highlighted."""
    if cells:
        body = text_with_tables(text, table_blocks(cells), start, end, cell)
    elif start is not None and end is not None:
        body = _highlighted(text, start, end, 0, len(text))
    else:
        body = esc(text)
    return ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(doc)}</title><style>"
            "body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif;"
            "max-width:920px;margin:2em auto;padding:0 1em;line-height:1.8;color:#222}"
            "pre{white-space:pre-wrap;word-break:break-all;font-family:inherit}"
            "mark{background:#ffe066;padding:2px 0}" + TABLE_CSS +
            "header{border-bottom:1px solid #ddd;margin-bottom:1em;color:#555}</style></head><body>"
            f"<header><h2>{esc(institution)} {esc(year)}</h2><div>{esc(doc)}</div></header>"
            f"<pre id=\"rq-doc-text\">{body}</pre></body></html>")


# --------------------------------------------------------------------------- facts
def facts_long(engine) -> list[dict]:
    """One row per fact: doc, institution, year, fact, label, value, start, end, quote."""
    out = []
    for f in engine.facts:
        d = engine.docs.get(f["doc"])
        if d is None:
            continue
        out.append({"doc": f["doc"], "institution": d.institution, "year": d.year, "fact": f["name"],
                    "label": ALL_LABELS.get(f["name"], f["name"]), "value": f["value"],
                    "start": f["start"], "end": f["end"], "quote": f["quote"]})
    return out


def facts_wide(engine, names: list[str] | None = None) -> tuple[list[str], list[list]]:
    """(headers, rows): one row per report, one column per fact (FACT_LABELS order)."""
    names = [n for n in FACT_LABELS if names is None or n in names]
    by_doc: dict[str, dict] = {}
    for f in engine.facts:
        flag = (f.get("extra") or {}).get("check")  # a table figure whose arithmetic does not add up
        by_doc.setdefault(f["doc"], {})[f["name"]] = f"{f['value']} ⚠" if flag else f["value"]
    rows = []
    for d in sorted(engine.docs.values(), key=lambda d: (d.institution, d.year, d.doc)):
        vals = by_doc.get(d.doc, {})
        rows.append([d.institution, d.year] + [vals.get(n, "") for n in names] + [d.doc])
    return ["机构", "年度"] + [FACT_LABELS[n] for n in names] + ["文件"], rows


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A CSV cell that a spreadsheet will not run: text starting with = + - @ (or a tab or CR)
    gets a leading apostrophe (OWASP's advice against formula injection); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(headers: list[str], rows: list[list]) -> str:
    """CSV with every text cell neutralised by ``csv_cell`` (report text is untrusted)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([csv_cell(h) for h in headers])
    w.writerows([csv_cell(c) for c in row] for row in rows)
    return buf.getvalue()


def evidence_html(engine, doc: str, focus: str | None = None, names: list[str] | None = None) -> str:
    """Every fact of one report with its evidence sentence and a link to it in the document."""
    d = engine.docs.get(doc)
    if d is None:
        return '<div class="rq-evidence">没有这份报告。</div>'
    facts = [f for f in engine.facts if f["doc"] == doc and (names is None or f["name"] in names
                                                             or f["name"] == focus)]
    facts.sort(key=lambda f: (f["name"] != focus, list(ALL_LABELS).index(f["name"])
                              if f["name"] in ALL_LABELS else 99))
    items = []
    for f in facts:
        cls = ' class="rq-focus"' if f["name"] == focus else ""
        items.append(f'<li{cls}><b>{esc(ALL_LABELS.get(f["name"], f["name"]))}</b>：{esc(f["value"])}'
                     f'<blockquote>{esc(one_line(f["quote"]))}</blockquote>'
                     f'<a href="{esc(doc_url(doc, f["start"], f["end"]))}" target="_blank" rel="noopener">'
                     f'查看原文 ↗</a></li>')
    if not items:
        items.append("<li>这份报告没有抽取到事实。</li>")
    return (f'<div class="rq-evidence" id="rq-evidence-body"><div><b>{esc(d.institution)} {esc(d.year)}</b> · '
            f'{esc(d.doc)}</div><ul>{"".join(items)}</ul></div>')
