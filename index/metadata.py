"""Detect institution, reporting year, statistics period and publication date of a report."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .textutil import fold

SUFFIXES = ("职业技术学院", "高等专科学校", "专科学校", "职业学院", "大学", "学院", "学校",
            "教育局", "教育厅", "人民政府", "委员会", "局", "厅")
_CJK = r"[\u4e00-\u9fffX]"
_NAME_RE = re.compile(rf"{_CJK}{{2,18}}?(?:{'|'.join(SUFFIXES)})")
# Characters that end the words before a name: a name never starts right after them.
_LEAD_STOP = set("的在了和与及对将由是为据我本该各全向从至于把被经按照根通过以并等所")
_GENERIC = {"高校", "学校", "我校", "本校", "学院", "我院", "大学", "高等学校", "本院", "各高校", "该校"}
_BAD_PARTS = ("公开", "平台", "面向", "各类", "全校", "按照", "要求", "以下", "报告", "年度")
_LEAD_WORDS = ("学年度", "年度", "学年", "根据", "关于", "现将", "按照", "依照", "依据", "通过", "推进", "加强", "编制", "做好",
               "落实", "贯彻", "为做好", "严格执行", "执行", "结合", "综合", "对照", "联系", "请联系")


@dataclass(frozen=True)
class Metadata:
    institution: str
    year: str
    period: str
    period_norm: str
    published: str
    title: str


def _trim_name(name: str) -> str:
    for w in ("学年度", "年度", "学年"):
        if w in name[:-2]:
            name = name[name.rindex(w, 0, len(name) - 2) + len(w):]
    changed = True
    while changed:
        changed = False
        for w in _LEAD_WORDS:
            if name.startswith(w) and len(name) - len(w) >= 4:
                name, changed = name[len(w):], True
    i = 0
    while i < len(name) - 4 and name[i] in _LEAD_STOP:
        i += 1
    return name[i:]


def institution_candidates(text: str) -> Counter:
    """Institution-like names in ``text`` with their counts (longest form at each place)."""
    counts: Counter = Counter()
    for m in re.finditer(rf"(?:{'|'.join(SUFFIXES)})", text):
        end = m.end()
        # walk back over CJK characters to the start of the run
        start = end - len(m.group())
        while start > 0 and re.match(_CJK, text[start - 1]) and end - start < 20:
            start -= 1
        name = _trim_name(text[start:end])
        if m.group() == "学校" and name[:-2].endswith(("大学", "学院", "学校")):
            continue  # 长江大学学校办公室: the school is 长江大学
        if len(name) >= 4 and name not in _GENERIC and not any(b in name for b in _BAD_PARTS):
            counts[name] += 1
    # A name followed directly by a longer name's tail (新疆医科大学|厚博学院) counts for the longer.
    for a in list(counts):
        for b in list(counts):
            if a != b and b.startswith(a) and b.endswith(("学院", "学校", "大学")):
                counts[b] += counts[a] if len(b) - len(a) <= 6 else 0
    return counts


def _title_line(lines: list[str]) -> str:
    lines = [ln.strip() for ln in lines[:20] if ln.strip()]
    for i, f in enumerate(lines[:15]):
        if 6 <= len(f) <= 80 and ("报告" in f or "年报" in f) and "公开" in f and not re.search(r"[|>]|首页", f):
            if i and len(f) < 14 and len(lines[i - 1]) < 30:  # a title broken over two lines
                return lines[i - 1] + f
            return f
    return ""


def detect_institution(text: str, title: str) -> str:
    """The reporting institution: the title's name, else the most frequent named one."""
    body = text[:20000]
    counts = institution_candidates(body)
    if title:
        in_title = [n for n in institution_candidates(title) if n not in _GENERIC]
        if in_title:
            return max(in_title, key=lambda n: (counts.get(n, 0) > 0, len(n)))
    if not counts:
        return ""
    # The reporter names itself often; other institutions (ministries) less so.
    def score(n: str) -> tuple:
        c = counts[n]
        issuer = any(k in n for k in ("教育部", "教育厅", "国务院", "委员会", "人民政府"))
        return (not issuer, c + (2 if n.endswith(("大学", "学院", "学校")) else 0), len(n))
    return max(counts, key=score)


_AY = re.compile(r"(20\d{2})\s*[-—–~至到－]\s*(20\d{2})\s*(?:学年|年度)")
_CY = re.compile(r"(20\d{2})\s*年度?(?:高校|学校|本校|我校|我院|学院)?(?:信息公开|政府信息公开)")


def detect_year(text: str, title: str) -> str:
    """Academic year "2021-2022" or calendar year "2023" of the report, or ""."""
    for src in (title, text[:3000]):
        if not src:
            continue
        f = fold(src)
        found = []  # (inside a 《》 title?, position, year)
        for m in _AY.finditer(f):
            if int(m.group(2)) == int(m.group(1)) + 1:
                found.append((_in_book_title(f, m.start()), m.start(), f"{m.group(1)}-{m.group(2)}"))
        for m in _CY.finditer(f):
            found.append((_in_book_title(f, m.start()), m.start(), m.group(1)))
        if found:
            return min(found)[2]
    m = re.search(r"(20\d{2})\s*年", fold(text[:3000]))
    return m.group(1) if m else ""


def _in_book_title(text: str, pos: int) -> bool:
    """True when ``pos`` lies inside 《…》 (a cited document's title, not this report)."""
    return text.rfind("《", 0, pos) > text.rfind("》", 0, pos)


_DATE = r"(20\d{2})\s*年?\s*(\d{1,2})?\s*月?\s*(\d{1,2})?\s*日?"
PERIOD = re.compile(rf"{_DATE}\s*(?:起)?\s*(?:至|到|—|-|~|－|――)\s*{_DATE}\s*(?:止)?")
_PERIOD_CUE = re.compile(r"(统计期限|统计时间|起止时间|统计数据|数据统计|统计周期|时间段|所列数据|数据.{0,6}时间|期限)")


def _split_md(digits: str) -> tuple[int, int] | None:
    """Split a run like "91" or "831" into (month, day) only when exactly one split is valid."""
    opts = []
    for i in (1, 2):
        if i < len(digits):
            m, d = int(digits[:i]), int(digits[i:])
            if 1 <= m <= 12 and 1 <= d <= 31 and len(digits[i:]) <= 2:
                opts.append((m, d))
    return opts[0] if len(opts) == 1 else None


def normalize_period(raw: str) -> str:
    """"2021-09-01/2022-08-31" for a stated period when it can be inferred safely, else ""."""
    f = fold(raw)
    m = re.search(r"(20\d{2})年(\d{1,2})月(\d{1,2})日.*?(?:至|到|-|~)\s*(20\d{2})年(\d{1,2})月(\d{1,2})日", f)
    if m:
        y1, m1, d1, y2, m2, d2 = map(int, m.groups())
        return f"{y1:04d}-{m1:02d}-{d1:02d}/{y2:04d}-{m2:02d}-{d2:02d}"
    # Dates that lost their 年/月 in web extraction: 202191日至2022831
    m = re.search(r"(20\d{2})(\d{2,4})日?\s*(?:起)?(?:至|到|-)\s*(20\d{2})(\d{2,4})日?", f)
    if m:
        a, b = _split_md(m.group(2)), _split_md(m.group(4))
        if a and b:
            return (f"{int(m.group(1)):04d}-{a[0]:02d}-{a[1]:02d}/"
                    f"{int(m.group(3)):04d}-{b[0]:02d}-{b[1]:02d}")
    return ""


def detect_period(text: str) -> str:
    """The statistics period as stated (raw text), or ""."""
    f = fold(text[:15000])
    for cue in _PERIOD_CUE.finditer(f):
        window = f[cue.end(): cue.end() + 60]
        m = PERIOD.search(window)
        if m and m.start() < 12:
            s = cue.end() + m.start()
            return text[s: cue.end() + m.end()].strip()
    for m in PERIOD.finditer(f[:4000]):  # no cue word: a full date range early in the report
        if all(m.group(i) for i in (1, 2, 3, 4, 5, 6)):
            return text[m.start(): m.end()].strip()
    return ""


_PUB = re.compile(r"(发布时间|发布日期|发表时间|发稿时间|时间|日期)\s*[:：]\s*(20\d{2})[-/年.](\d{1,2})[-/月.](\d{1,2})")


def detect_published(raw_text: str) -> str:
    """Publication date (ISO) from page metadata lines such as 发布时间:2022-10-30."""
    m = _PUB.search(fold(raw_text[:5000]))
    if not m:
        return ""
    y, mo, d = int(m.group(2)), int(m.group(3)), int(m.group(4))
    return f"{y:04d}-{mo:02d}-{d:02d}"


def detect(text: str, raw_text: str = "") -> Metadata:
    """All metadata of a cleaned report text (``raw_text`` may hold lines cleaning dropped)."""
    lines = text.split("\n")
    title = _title_line(lines)
    period = detect_period(text)
    return Metadata(
        institution=detect_institution(text, title),
        year=detect_year(text, title),
        period=period,
        period_norm=normalize_period(period) if period else "",
        published=detect_published(raw_text or text),
        title=title,
    )
