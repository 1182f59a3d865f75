"""Tables of government annual reports (表二/表三/表四) as cells with row and column label paths.

Every 政府信息公开工作年度报告 since the 2021 template states its figures in the same three
tables: 表二 主动公开政府信息情况 (a header line ``信息内容 本年制发件数 …`` and short rows),
表三 收到和处理政府信息公开申请情况 (seven columns: 自然人, five kinds of 法人或其他组织, 总计;
rows 一、本年新收 … 四、结转下年度继续办理) and 表四 行政复议、行政诉讼 (fifteen columns, one row).

Cells are read from the *cleaned text*, so that every cell's row has a span there that a citation
can quote (gold evidence for a PDF is a substring of its pypdf text). Three renderings of a row are
understood:

* a PDF text row, ``1.本机关不掌握相关政府信息 10 0 0 0 0 0 10`` (pypdf flattens the table), whose
  row label path comes from the block headers above it (``（四）无法提供``, the vertical
  ``三\\n、\\n本\\n…`` column) and whose column labels come from the standard layout or from the
  header line above it;
* a cell-separated row, ``| a | b | 1 | 2 |`` (saved web pages: trafilatura renders ``<table>``)
  or ``a\\tb\\t1\\t2`` (DOCX tables, web pages read without trafilatura), whose blank label cells
  are spans of the cell above;
* pdfplumber's grid of a PDF page (``pdf_grids``) names columns of tables outside the standard
  layout; its rows are located in the text by their run of numbers (``grid_cells``).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace

from .schema import TableCell
from .textutil import fold

# ------------------------------------------------------------------ standard vocabulary
# The one place that states the standard tables' layout (the 2021 national template, used by
# every government report seen: district, city and department reports alike).
APPLICANT = "申请人情况"
LEGAL = "法人或其他组织"
TABLE3_COLUMNS: tuple[tuple[str, ...], ...] = (
    (APPLICANT, "自然人"),
    (APPLICANT, LEGAL, "商业企业"),
    (APPLICANT, LEGAL, "科研机构"),
    (APPLICANT, LEGAL, "社会公益组织"),
    (APPLICANT, LEGAL, "法律服务机构"),
    (APPLICANT, LEGAL, "其他"),
    (APPLICANT, "总计"),
)
_OUTCOMES = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
TABLE4_COLUMNS: tuple[tuple[str, ...], ...] = tuple(
    [("行政复议", o) for o in _OUTCOMES]
    + [("行政诉讼", "未经复议直接起诉", o) for o in _OUTCOMES]
    + [("行政诉讼", "复议后起诉", o) for o in _OUTCOMES])
STANDARD_COLUMNS = {"表三": TABLE3_COLUMNS, "表四": TABLE4_COLUMNS}
# 表三's result rows （一）…（七） sit under this block, written as a vertical column in PDFs
TABLE3_RESULTS = "三、本年度办理结果"
# Section headings that open each table (the report's own 二、/三、/四、 headings).
TABLE_HEADINGS = (
    ("表二", re.compile(r"主动公开政府信息情况|主动公开.{0,6}情况")),
    ("表三", re.compile(r"收到和处理政府信息公开申请|依申请公开.{0,6}情况|收到和处理")),
    ("表四", re.compile(r"行政复议.{0,4}行政诉讼|复议.{0,2}诉讼情况")),
)
# Row labels that identify 表三 even without its heading (a web page that shows only the table).
TABLE3_ROWS = re.compile(r"本年新收|上年结转|予以公开|部分公开|不予公开|无法提供|不予处理|结转下年")

_L1 = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]")
_L2 = re.compile(r"^[（(]\s*[一二三四五六七八九十]+\s*[）)]")
_L3 = re.compile(r"^\d{1,2}\s*[.．、](?!\d)")
_NUM = r"\d+(?:\.\d+)?"
_TEXT_ROW = re.compile(rf"^(?P<label>.*?)\s*(?P<nums>{_NUM}(?:[ \u3000]+{_NUM})*)\s*$")
_CELL_NUM = re.compile(rf"^{_NUM}$")
_PAGE_NO = re.compile(r"^\s*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*共\s*\d{1,3}\s*页)?)\s*$")
_SENTENCE_END = re.compile(r"[。；;！？!?]\s*$")


def level(label: str) -> int | None:
    """Heading level of a row label by its marker: 一、 1, （一） 2, 1. 3; None without one."""
    s = label.strip()
    if _L1.match(s):
        return 1
    if _L2.match(s):
        return 2
    if _L3.match(s):
        return 3
    return None


def table_of_heading(line: str) -> str | None:
    """表二/表三/表四 when ``line`` is the section heading that opens that table."""
    f = re.sub(r"\s+", "", fold(line))
    if len(f) > 40 or _SENTENCE_END.search(f) or not (_L1.match(f) or len(f) <= 24):
        return None
    for name, pat in TABLE_HEADINGS:
        if pat.search(f):
            return name
    return None


# ------------------------------------------------------------------------- text rows
@dataclass
class _Row:
    table: str
    labels: list  # label cells as written (a path when cell-separated, else one label)
    nums: list  # (value, start, end) per number
    start: int  # span of the row in the text (label lines included)
    end: int
    header: list | None = None  # column labels in effect (a header line above), or None


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def _split_cells(line: str) -> list[str] | None:
    """Cells of a cell-separated row (``| a | b |`` or tab-separated), else None."""
    s = line.strip()
    if s.startswith("|") and s.count("|") >= 3:
        return [c.strip() for c in s.strip("|").split("|")]
    if "\t" in s:
        return [c.strip() for c in line.split("\t")]
    return None


def _compact(s: str) -> str:
    return re.sub(r"\s+", "", s)


class _Reader:
    """Walks the cleaned text line by line, keeping the table context (which table, block
    headers above, pending label lines, header line, label cells of the previous row)."""

    def __init__(self, text: str):
        self.text = text
        self.rows: list[_Row] = []
        self.table: str | None = None
        self.vertical: list[tuple[int, str]] = []  # single characters of a vertical label
        self.pending: tuple[int, str] | None = None  # (start, label) awaiting its numbers
        self.blocks: dict[int, str] = {}  # level -> block header label in effect
        self.header: list[str] | None = None
        self.prev_cells: list[str] = []

    def run(self) -> list[_Row]:
        for start, line in _lines(self.text):
            self.line(start, line)
        return self.rows

    def close_table(self) -> None:
        self.table, self.pending, self.blocks, self.header, self.prev_cells = None, None, {}, None, []
        self.vertical = []

    def flush_vertical(self) -> None:
        if len(self.vertical) >= 3:  # 三\n、\n本\n年… is a block header written top to bottom
            label = "".join(c for _, c in self.vertical)
            lv = level(label) or 1
            self.push_block(lv, label)
        self.vertical = []

    def push_block(self, lv: int, label: str) -> None:
        self.blocks = {k: v for k, v in self.blocks.items() if k < lv}
        self.blocks[lv] = label

    def line(self, start: int, line: str) -> None:
        s = line.strip()
        if not s or _PAGE_NO.match(s):
            return
        heading = table_of_heading(s)
        cells = _split_cells(line)
        if heading and not re.search(r"\d\s*$", s):
            self.close_table()
            self.table = heading
            return
        if cells is not None:
            self.cell_row(start, line, cells)
            return
        m = _TEXT_ROW.match(s)
        if len(s) == 1 and not s.isdigit():
            self.vertical.append((start, s))
            return
        self.flush_vertical()
        if m and self.table is not None and (m.group("label") or self.pending or self.table == "表四"
                                             or self._incomplete()):
            self.text_row(start, line, m)
            return
        if self.table is None:
            return
        if _SENTENCE_END.search(s):
            # prose after the table ends it (a table row never closes with 。)
            self.close_table()
            return
        lv = level(s)
        if self.table == "表二" and not lv and len(s.split()) >= 2 and not m:
            self.header = s.split()  # 信息内容 本年制发件数 本年废止件数 现行有效件数
            self.pending = None
            return
        if lv is not None:
            if self.pending is not None:
                plv = level(self.pending[1])
                if plv is not None:
                    self.push_block(plv, self.pending[1])
            self.pending = (start, s)
        elif self.pending is not None:
            self.pending = (self.pending[0], self.pending[1] + s)  # a label wrapped onto the next line

    def _incomplete(self) -> bool:
        """The last row is a standard row still short of its numbers (they run on below it)."""
        prev = self.rows[-1] if self.rows else None
        std = len(STANDARD_COLUMNS.get(self.table or "", ()))
        return prev is not None and prev.table == self.table and 0 < len(prev.nums) < std

    def text_row(self, start: int, line: str, m: re.Match) -> None:
        s_off = start + (len(line) - len(line.lstrip()))
        label = m.group("label").strip()
        row_start = s_off
        if self.pending is not None:
            plv = level(self.pending[1])
            if label and level(label) is not None:
                if plv is not None:
                    self.push_block(plv, self.pending[1])
            else:  # the row's label began on the line(s) above
                label = self.pending[1] + label
                row_start = self.pending[0]
            self.pending = None
        nums = []
        base = s_off + m.start("nums")
        for n in re.finditer(_NUM, m.group("nums")):
            nums.append((n.group(0), base + n.start(), base + n.end()))
        if not label:
            row_start = nums[0][1]  # a bare run of numbers: cite the run, not the header text before it
            prev = self.rows[-1] if self.rows else None
            std = len(STANDARD_COLUMNS.get(self.table, ()))
            if (prev is not None and prev.table == self.table and std and len(prev.nums) + len(nums) <= std
                    and self.text.count("\n", prev.end, start) <= 1):
                # a standard row's numbers wrapped onto the next line(s) (表四's fifteen), or one
                # number a line (PDFs that write each cell as its own text object): one row
                prev.nums += nums
                prev.end = s_off + len(line.strip())
                return
        self.rows.append(_Row(self.table, [label] if label else [], nums, row_start, s_off + len(line.strip()),
                              list(self.header) if self.header else None))
        self._place(self.rows[-1])

    def _place(self, row: _Row) -> None:
        """Give a text row its block headers as ancestors (and make it one for rows below)."""
        if len(row.labels) != 1:
            return
        label = row.labels[0]
        lv = level(label)
        if lv is None:
            return
        path = [self.blocks[k] for k in sorted(self.blocks) if k < lv]
        if row.table == "表三" and lv >= 2 and not any(p.startswith("三") and level(p) == 1 for p in path):
            path = [TABLE3_RESULTS] + [p for p in path if level(p) != 1]  # the result rows' block
        row.labels = path + [label]
        self.blocks = {k: v for k, v in self.blocks.items() if k < lv}
        if lv == 1:
            self.blocks[1] = label

    def cell_row(self, start: int, line: str, cells: list[str]) -> None:
        self.flush_vertical()
        while cells and cells[-1] == "":
            cells.pop()
        k = len(cells)
        while k > 0 and _CELL_NUM.match(fold(cells[k - 1]).replace(" ", "")):
            k -= 1
        nums_txt = cells[k:]
        labels = cells[:k]
        if not nums_txt:
            if self.table is None and any(TABLE3_ROWS.search(c) for c in cells):
                self.table = "表三"
            if labels and self.table == "表二" and fold(labels[0]).strip() == "信息内容":
                self.header = [c for c in labels if c]
            return
        if self.table is None:
            if len(nums_txt) == 7 and any(TABLE3_ROWS.search(c) for c in labels):
                self.table = "表三"
            elif len(nums_txt) == 15:
                self.table = "表四"
            else:
                return
        # blank label cells continue the cell above (rowspan in HTML, vertical merge in DOCX)
        filled = []
        for i, c in enumerate(labels):
            if c == "" and i < len(self.prev_cells) and any(x for x in labels[i + 1:]):
                c = self.prev_cells[i]
            filled.append(c)
        self.prev_cells = filled
        path = []
        for c in filled:
            if c and (not path or path[-1] != c):
                path.append(c)
        nums = []
        pos = 0
        for c in nums_txt:
            j = line.find(c, line.find(labels[-1]) + len(labels[-1]) if labels and labels[-1] else 0) if pos == 0 else line.find(c, pos)
            j = j if j >= 0 else pos
            nums.append((fold(c).replace(" ", ""), start + j, start + j + len(c)))
            pos = j + len(c)
        s_off = start + (len(line) - len(line.lstrip()))
        row = _Row(self.table, path, nums, s_off, start + len(line.rstrip()),
                   list(self.header[1:]) if self.header else None)
        if path and level(path[-1]) is not None:
            # the label cells above the leaf are block headers; a leaf alone in its row (the
            # block header in a cell merged from above, or left out) takes the blocks in effect
            for lab in path[:-1]:
                if level(lab) is not None:
                    self.push_block(level(lab), lab)
            row.labels = [path[-1]]
            self._place(row)
        self.rows.append(row)


def _columns(row: _Row) -> list[tuple[str, ...]] | None:
    n = len(row.nums)
    std = STANDARD_COLUMNS.get(row.table)
    if std is not None and n == len(std):
        return list(std)
    if row.header:
        head = [h for h in row.header if fold(h).strip() != "信息内容"]
        if len(head) >= n:
            return [(h,) for h in head[len(head) - n:]]
    if n == 1:
        return [("数量",)]
    return None


def text_cells(text: str, pages: list[tuple[int, int]] | None = None) -> list[TableCell]:
    """Cells of the standard tables found in the cleaned text (PDF rows, web and DOCX rows)."""
    from .clean import page_at

    out: list[TableCell] = []
    for row in _Reader(text).run():
        cols = _columns(row)
        if cols is None:
            continue
        path = tuple(_compact(p) for p in row.labels)
        for (value, s, e), col in zip(row.nums, cols):
            out.append(TableCell(table=row.table, row=path, col=tuple(col), value=value,
                                 start=row.start, end=row.end, value_start=s, value_end=e,
                                 page=page_at(pages or [], row.start)))
    return out


# ------------------------------------------------------------------------- pdfplumber
def pdf_grids(data: bytes, pages_wanted: set[int] | None = None) -> list[tuple[int, list[list[str | None]]]]:
    """Table grids of a PDF by pdfplumber, ``[(page, rows), ...]`` (``None`` marks a merged cell).

    Only pages in ``pages_wanted`` are read (pdfplumber lays out every character: slow).
    Raises ``GridsUnreadable`` (with the grids read before the failure) when pdfminer fails on a
    PDF that pypdf read: the caller keeps the text rows and tells the user, never silently."""
    import pdfplumber

    if pages_wanted is not None and not pages_wanted:
        return []
    out = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for i, page in enumerate(pdf.pages, start=1):
                if pages_wanted is not None and i not in pages_wanted:
                    continue
                for t in page.find_tables():
                    rows = t.extract()
                    if any(any(c and _CELL_NUM.match(c.strip()) for c in r) for r in rows):
                        out.append((i, rows))
    except Exception as exc:  # pdfminer raises many types on odd PDFs that pypdf read
        raise GridsUnreadable(f"{type(exc).__name__}: {exc}"[:200], out) from exc
    return out


class GridsUnreadable(Exception):
    """pdfplumber could not lay out a PDF's table pages; ``grids`` holds what it read before."""

    def __init__(self, reason: str, grids: list):
        super().__init__(reason)
        self.grids = grids


def table_pages(segments) -> set[int]:
    """PDF pages whose text has table rows: lines that end with a run of three numbers or more."""
    pat = re.compile(rf"{_NUM}(?:\s+{_NUM}){{2,}}\s*$", re.M)
    return {p for p, t in segments if p is not None and pat.search(t)}


def grid_cells(text: str, grids, pages: list[tuple[int, int]] | None = None) -> list[TableCell]:
    """Cells of pdfplumber grids whose rows can be found in the cleaned text by their numbers.

    A grid's header rows (those above its first row of numbers) name the columns: a column's
    path is its header cells top to bottom, a merged (None) header cell taking its left
    neighbour's label. A row's label path is its non-empty label cells, blank ones continuing
    the row above. The row is cited where its numbers appear, in order, on one line of the text.
    """
    from .clean import page_at

    out: list[TableCell] = []
    for page, rows in grids:
        ncol = max((len(r) for r in rows), default=0)
        grid = [[(c or "").replace("\n", "") if c is not None else None for c in r] + [None] * (ncol - len(r))
                for r in rows]
        header: list[list[str | None]] = []  # the header rows in effect, merged cells filled
        prev: list[str | None] = [None] * ncol
        cursor = 0
        for r in grid:
            numcols = [j for j, c in enumerate(r) if c and _CELL_NUM.match(c.strip())]
            if not numcols:
                filled = [c for c in r if c]
                if len(filled) == 1 and len(r) >= 3 and sum(c is None for c in r) == len(r) - 1:
                    continue  # a caption or a line of prose across the whole width, not a header
                if filled:  # a header row (a new one after data starts a new block)
                    if header and header[-1] is None:
                        header = []
                    header.append(_fill_header(r, header[-1] if header else None))
                continue
            if header and header[-1] is not None:
                header.append(None)  # marks that data has started under these header rows
            labels = []
            for j in range(min(numcols)):
                c = r[j] if r[j] else (prev[j] if r[j] is None else "")
                prev[j] = c
                if c:
                    labels.append(_compact(c))
            vals = [r[j].strip() for j in numcols]
            span = _find_run(text, vals, cursor)
            if span is None:
                continue
            s, e, vpos = span
            cursor = e
            heads = [h for h in header if h is not None]
            for j, v, (vs, ve) in zip(numcols, vals, vpos):
                col = tuple(dict.fromkeys(_compact(h[j]) for h in heads if h[j]))
                out.append(TableCell(table="", row=tuple(labels), col=col or (f"第{j + 1}列",), value=v,
                                     start=s, end=e, value_start=vs, value_end=ve,
                                     page=page_at(pages or [], s)))
    return out


def _fill_header(row: list, above: list | None) -> list[str | None]:
    """A header row with merged (None) cells filled: from the left when the row above spans both
    columns too (or this is the first header row), else left empty (a cell merged from above).
    Long cells are prose that pdfplumber took into the table, not labels."""
    out: list[str | None] = []
    for j, c in enumerate(row):
        if c is not None and len(c) > 30:
            c = ""
        if c is None and out and (above is None or (j > 0 and above[j] and above[j] == above[j - 1])):
            c = out[-1]
        out.append(c or None)
    return out


def _find_run(text: str, vals: list[str], start: int):
    """(line start, line end, value spans) of the first line at or after ``start`` whose trailing
    numbers are ``vals`` in order."""
    # numbers of a row on one line; with three or more, also one number a line (a run that long
    # does not occur by chance)
    gap = r"\s*" if len(vals) >= 3 else r"[ \u3000]*"
    pat = re.compile(r"(?<![\d.])" + gap.join(re.escape(v) + r"(?![\d.])" for v in vals) + r"[ \u3000]*$", re.M)
    m = pat.search(text, start)
    if m is None:
        return None
    ls = text.rfind("\n", 0, m.start()) + 1
    spans, pos = [], m.start()
    for v in vals:
        j = text.find(v, pos)
        spans.append((j, j + len(v)))
        pos = j + len(v)
    return ls, m.end(), spans


def extract_cells(text: str, pages: list[tuple[int, int]] | None = None, grids=None) -> list[TableCell]:
    """All table cells of a report: text rows first; pdfplumber grid rows fill in rows that the
    text reader could not place (their table taken from the text rows around them)."""
    cells = text_cells(text, pages)
    if not grids:
        return cells
    have = {(c.start, c.value_start) for c in cells}
    extra = []
    for c in grid_cells(text, grids, pages):
        if (c.start, c.value_start) in have or any(x.value_start == c.value_start for x in cells):
            continue
        near = [x for x in cells if x.end <= c.start]
        extra.append(replace(c, table=near[-1].table if near else "表"))
    return sorted(cells + extra, key=lambda c: (c.start, c.value_start))


# ----------------------------------------------------------------------- arithmetic
@dataclass(frozen=True)
class Check:
    """One arithmetic rule checked on a table: ``expected`` (the stated total) against ``found``
    (the sum of its parts), with the cells involved."""

    table: str
    rule: str
    expected: float
    found: float
    ok: bool
    start: int
    end: int
    cells: tuple = ()


def _num(v: str) -> float:
    return float(v)


def check_cells(cells: list[TableCell]) -> list[Check]:
    """Arithmetic rules of the standard tables:

    * every row: 总计 = the sum of the other columns at its level (表三: 自然人 + five 法人 columns;
      表四: each group's 总计 = 维持 + 纠正 + 其他 + 尚未审结);
    * 表三: a block's 小计/总计 row = the sum of its sub-rows, per column ((七)总计 = (一)…(六));
    * 表三: 本年新收 + 上年结转 = (七)总计 + 结转下年度, per column.
    """
    checks: list[Check] = []
    rows: dict[tuple, list[TableCell]] = {}
    for c in cells:
        rows.setdefault((c.table, c.start, c.row), []).append(c)
    for (table, _, row), rc in rows.items():
        groups: dict[tuple, list[TableCell]] = {}
        for c in rc:
            groups.setdefault(c.col[:-1], []).append(c)
        for parent, cs in groups.items():
            totals = [c for c in cs if c.col[-1] in ("总计", "合计")]
            if len(totals) != 1:
                continue
            parts = [c for c in rc if c is not totals[0] and c.col[:len(parent)] == parent
                     and c.col[-1] not in ("总计", "合计")]
            if len(parts) < 2:
                continue
            found = sum(_num(c.value) for c in parts)
            t = totals[0]
            checks.append(Check(table, f"{'/'.join(row + parent) or table} 总计=各列之和", _num(t.value), found,
                                abs(found - _num(t.value)) < 1e-6, t.start, t.end,
                                tuple((c.value_start, c.value_end) for c in [t] + parts)))
    t3 = [c for c in cells if c.table == "表三"]
    if t3:
        checks += _table3_checks(t3)
    return checks


def _table3_checks(cells: list[TableCell]) -> list[Check]:
    out = []
    by_col: dict[tuple, list[TableCell]] = {}
    for c in cells:
        by_col.setdefault(c.col, []).append(c)

    def row_where(cs, pat):
        return next((c for c in cs if re.search(pat, c.row[-1] if c.row else "")), None)

    for col, cs in by_col.items():
        name = col[-1]
        new, old = row_where(cs, r"本年新收"), row_where(cs, r"上年结转")
        total, carry = row_where(cs, r"^[（(]七[)）]总计|^[（(]七[)）]合计"), row_where(cs, r"结转下年")
        if all((new, old, total, carry)):
            a, b = _num(new.value) + _num(old.value), _num(total.value) + _num(carry.value)
            out.append(Check("表三", f"{name}: 本年新收+上年结转=办理结果总计+结转下年度", a, b, abs(a - b) < 1e-6,
                             new.start, carry.end,
                             tuple((c.value_start, c.value_end) for c in (new, old, total, carry))))
        if total is not None:
            results = [c for c in cs if c is not total and c.row and c.row[0] == total.row[0]
                       and not _has_children(cells, c) and len(c.row) >= 2]
            if results:
                found = sum(_num(c.value) for c in results)
                out.append(Check("表三", f"{name}: 办理结果总计=各项之和", _num(total.value), found,
                                 abs(found - _num(total.value)) < 1e-6, total.start, total.end,
                                 tuple((c.value_start, c.value_end) for c in [total] + results)))
    return out


def _has_children(cells: list[TableCell], c: TableCell) -> bool:
    return any(len(x.row) > len(c.row) and x.row[:len(c.row)] == c.row for x in cells)


__all__ = ["TableCell", "Check", "table_facts", "headline_facts", "TABLE_FIELDS", "cell_from_fact", "CELL_FACT", "CHECK_FACT", "text_cells", "grid_cells", "pdf_grids", "table_pages", "extract_cells",
           "check_cells", "level", "table_of_heading", "STANDARD_COLUMNS", "TABLE3_COLUMNS", "TABLE4_COLUMNS",
           "TABLE3_RESULTS"]


# ------------------------------------------------------------------- headline fields
# The compare view's and ``reportqa facts``'s table fields: (name, label, table, row pattern, column).
# Row patterns match a row's leaf label (and for reasons, its block); "总计" is the row's total column.
_REASONS = {
    "refused": ("不予公开", ("属于国家秘密", "其他法律行政法规禁止公开", "危及“三安全一稳定”", "保护第三方合法权益",
                         "属于三类内部事务信息", "属于四类过程性信息", "属于行政执法案卷", "属于行政查询事项")),
    "unable": ("无法提供", ("本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确")),
    "not_processed": ("不予处理", ("信访举报投诉类申请", "重复申请", "要求提供公开出版物", "无正当理由大量反复申请",
                                "要求行政机关确认或重新出具已获取信息")),
}
TABLE_FIELDS: dict[str, str] = {
    "t3_new": "表三 本年新收", "t3_carried": "表三 上年结转", "t3_granted": "表三 予以公开",
    "t3_partly": "表三 部分公开", "t3_refused": "表三 不予公开",
    **{f"t3_refused_{i}": f"不予公开·{r}" for i, r in enumerate(_REASONS["refused"][1], 1)},
    "t3_unable": "表三 无法提供",
    **{f"t3_unable_{i}": f"无法提供·{r}" for i, r in enumerate(_REASONS["unable"][1], 1)},
    "t3_not_processed": "表三 不予处理",
    **{f"t3_not_processed_{i}": f"不予处理·{r}" for i, r in enumerate(_REASONS["not_processed"][1], 1)},
    "t3_other": "表三 其他处理", "t3_total": "表三 办理结果总计", "t3_carry_next": "表三 结转下年度",
    "t2_regulations_issued": "表二 规章制发", "t2_normative_issued": "表二 规范性文件制发",
    "t2_normative_valid": "表二 规范性文件现行有效", "t2_licensing": "表二 行政许可", "t2_penalty": "表二 行政处罚",
    "t2_coercion": "表二 行政强制", "t2_fees": "表二 行政事业性收费（万元）",
    "t4_review_total": "表四 行政复议总计", "t4_review_corrected": "表四 行政复议纠正",
    "t4_litigation_total": "表四 行政诉讼总计", "t4_litigation_corrected": "表四 行政诉讼纠正",
    "table_arithmetic": "表格算术核对",
}
_T3_ROWS = {"t3_new": r"本年新收", "t3_carried": r"上年结转", "t3_granted": r"予以公开$", "t3_partly": r"部分公开",
            "t3_other": r"其他处理", "t3_total": r"^[（(]七[)）](总计|合计)", "t3_carry_next": r"结转下年"}
_T2 = {"t2_regulations_issued": (r"^规章$", r"制发"), "t2_normative_issued": (r"规范性文件", r"制发"),
       "t2_normative_valid": (r"规范性文件", r"现行有效"), "t2_licensing": (r"^行政许可$", None),
       "t2_penalty": (r"^行政处罚$", None), "t2_coercion": (r"^行政强制$", None), "t2_fees": (r"事业性收费", None)}


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def headline_facts(cells: list[TableCell], checks: list[Check], text: str) -> list[dict]:
    """The table fields of TABLE_FIELDS as facts, each citing its row (a sum cites its block's rows)."""
    out: list[dict] = []
    failed: dict[int, str] = {}  # value_start of a cell -> the first failed rule it takes part in
    for k in checks:
        if not k.ok:
            for vs, _ in k.cells:
                failed.setdefault(vs, k.rule)

    def fact(name, value, start, end, cells=(), **extra):
        check = next((failed[c.value_start] for c in cells if c.value_start in failed), "")
        out.append({"name": name, "value": value, "start": start, "end": end, "quote": text[start:end],
                    "extra": {"source": "table", "check": check, **extra}})

    def total(row_cells):
        t = [c for c in row_cells if c.col and c.col[-1] in ("总计", "合计")]
        return min(t, key=lambda c: len(c.col)) if t else (row_cells[0] if len(row_cells) == 1 else None)

    rows: dict[tuple, list[TableCell]] = {}
    for c in cells:
        rows.setdefault((c.table, c.start, c.row), []).append(c)
    t3 = {k: v for k, v in rows.items() if k[0] == "表三" and k[2]}
    leaf = {k: re.sub(r"\s", "", k[2][-1]) for k in t3}
    for name, pat in _T3_ROWS.items():
        k = next((k for k in t3 if re.search(pat, re.sub(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[.．、])", "", leaf[k]))
                  or (pat.startswith("^") and re.search(pat, leaf[k]))), None)
        c = total(t3[k]) if k else None
        if c is not None:
            fact(name, c.value, c.start, c.end, [c], cell=[c.value_start, c.value_end])
    for key, (block, reasons) in _REASONS.items():
        sub = [k for k in t3 if len(k[2]) >= 2 and block in k[2][-2]]
        vals = [(k, total(t3[k])) for k in sub]
        vals = [(k, c) for k, c in vals if c is not None]
        if not vals:
            continue
        fact(f"t3_{key}", _fmt(sum(float(c.value) for _, c in vals)), vals[0][1].start, vals[-1][1].end,
             [c for _, c in vals])
        for k, c in vals:
            m = re.match(r"(\d+)", leaf[k])
            if m and 1 <= int(m.group(1)) <= len(reasons):
                fact(f"t3_{key}_{int(m.group(1))}", c.value, c.start, c.end, [c], cell=[c.value_start, c.value_end])
    t2 = {k: v for k, v in rows.items() if k[0] == "表二" and k[2]}
    for name, (rpat, cpat) in _T2.items():
        k = next((k for k in t2 if re.search(rpat, k[2][-1])), None)
        if k is None:
            continue
        c = next((c for c in t2[k] if cpat is None or re.search(cpat, "".join(c.col))), None)
        if c is not None:
            fact(name, c.value, c.start, c.end, [c], cell=[c.value_start, c.value_end])
    t4 = [c for c in cells if c.table == "表四"]
    for name, group, leafname in (("t4_review_total", "行政复议", "总计"), ("t4_review_corrected", "行政复议", "结果纠正"),
                                  ("t4_litigation_total", "行政诉讼", "总计"),
                                  ("t4_litigation_corrected", "行政诉讼", "结果纠正")):
        cs = [c for c in t4 if c.col and c.col[0] == group and c.col[-1] == leafname]
        if cs:
            fact(name, _fmt(sum(float(c.value) for c in cs)), cs[0].start, cs[-1].end, cs)
    if checks:
        bad = [k for k in checks if not k.ok]
        value = "通过" if not bad else "不符：" + "；".join(f"{k.table} {k.rule}（{_fmt(k.expected)}≠{_fmt(k.found)}）"
                                                          for k in bad)
        first = bad[0] if bad else checks[0]
        fact("table_arithmetic", value, first.start, first.end, checks=len(checks), mismatches=len(bad))
    return out


# ------------------------------------------------------------------------ as facts
CELL_FACT, CHECK_FACT = "cell", "table_check"


def table_facts(text: str, pages: list[tuple[int, int]] | None = None, grids=None) -> list[dict]:
    """A report's table cells and arithmetic checks as rows of the facts table.

    A cell is ``{"name": "cell", "value", "start", "end" (its row), "quote" (the row as written),
    "extra": {table, row, col, page, value_start, value_end, check}}``, where ``check`` names
    the failed rule a cell takes part in ("" when none). A check is ``{"name": "table_check",
    "value": "ok"|"mismatch", "extra": {table, rule, expected, found, cells}}``.
    """
    cells = extract_cells(text, pages, grids)
    checks = check_cells(cells)
    failed: dict[int, str] = {}
    for k in checks:
        if not k.ok:
            for vs, _ in k.cells:
                failed.setdefault(vs, k.rule)
    out = []
    for c in cells:
        out.append({"name": CELL_FACT, "value": c.value, "start": c.start, "end": c.end,
                    "quote": text[c.start:c.end],
                    "extra": {"table": c.table, "row": list(c.row), "col": list(c.col), "page": c.page,
                              "value_start": c.value_start, "value_end": c.value_end,
                              "check": failed.get(c.value_start, "")}})
    out += headline_facts(cells, checks, text)
    for k in checks:
        out.append({"name": CHECK_FACT, "value": "ok" if k.ok else "mismatch", "start": k.start, "end": k.end,
                    "quote": text[k.start:k.end],
                    "extra": {"table": k.table, "rule": k.rule, "expected": k.expected, "found": k.found,
                              "cells": [list(x) for x in k.cells]}})
    return out


def cell_from_fact(f: dict) -> TableCell:
    """The TableCell a stored ``cell`` fact row holds."""
    x = f.get("extra") or {}
    return TableCell(table=x.get("table", ""), row=tuple(x.get("row", ())), col=tuple(x.get("col", ())),
                     value=str(f["value"]), start=int(f["start"]), end=int(f["end"]),
                     value_start=int(x.get("value_start", f["start"])), value_end=int(x.get("value_end", f["end"])),
                     page=x.get("page"))
