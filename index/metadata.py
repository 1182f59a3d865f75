"""Detect institution, reporting year, statistics period and publication date of a report.

The institution is found where a report names itself, in this order: its title line (…工作年度报告,
with the name on the line before or after when the title has none), the sentences where it refers
to itself (本报告由…编制, 请与…联系, 现公布…), then the most frequent name. A name's left boundary
comes from jieba's part-of-speech segmentation: it starts at a name-like token, never at a verb,
preposition, numeral or time word (请与, 特向社会公布, 现编制, 日成立了, a stray 年 are not part of it).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import (ACADEMIC_YEAR, DATE_LINE, FLAT_DATE_PERIOD, FULL_DATE_PERIOD, NAME_SUFFIXES, PERIOD, PUBLISHED_AT,
                      SCHOOL_SUFFIXES, STATISTICS_PERIOD_CUE, TITLE_YEAR, YEAR_MARK)
from .names import PROVINCES, is_government, split_places, to_simplified
from .textutil import fold

# The vocabulary (name endings, year and period forms) lives in index/lexicon.py.
# Endings too generic to be trusted on frequency alone (党委, 数据中心): title or self-reference only.
_WEAK_SUFFIXES = ("委", "中心")
_SUF_RE = re.compile("|".join(sorted(set(NAME_SUFFIXES), key=len, reverse=True)))
_CJK = r"[\u4e00-\u9fffX]"
_GENERIC = {"高校", "学校", "我校", "本校", "学院", "我院", "大学", "高等学校", "本院", "各高校", "该校", "人民政府",
            "委员会", "管委会", "中心", "局", "厅", "委", "本局", "我局", "我委", "本委", "政府"}
_BAD_PARTS = ("公开", "平台", "面向", "各类", "全校", "按照", "要求", "以下", "报告", "年度", "学年")
# Part-of-speech tags (jieba) of tokens a name may be made of, and of tokens it may start with.
_NAME_POS = {"n", "ns", "nt", "nz", "nr", "nrt", "nrfg", "j", "eng", "b", "a", "an", "l", "s", "x", "ng"}
_START_POS = {"n", "ns", "nt", "nz", "nr", "nrt", "nrfg", "j", "eng", "b", "l", "s", "x", "ng", "a", "an"}
# A verb inside a name (西安创新学院, 工贸) only right after a proper-name token.
_PROPER_POS = {"ns", "nt", "nz", "nr", "nrt", "j", "eng"}
# Words that start a clause, not a name, whatever tag the segmenter gives them.
_LEAD_WORDS = ("现向", "现将", "特向", "其中", "通过", "根据", "按照", "依据", "结合", "关于", "经过", "联系", "请与")
# Bodies above the reporter that its text cites (国务院办公厅, 省教育厅): never taken as the author
# from frequency or self-reference sentences; a bare 省/市/县/区 before a body is such a mention.
_SUPERIOR = re.compile(r"^(国务院|教育部|中共|中国共产党|全国|中华人民共和国|中央|自治区|[省市县区州]"
                       r"(?!场|立|属|委员会$))")
# Sentences where a report refers to itself.
_SELF_REF = re.compile(r"本(年度)?报告(由|是|根据)|对本报告|请与|请联系|现(向社会)?公布|特向社会公布|现编制|现将|"
                       r"结合.{0,12}实际|根据.{0,24}(年度|学年).{0,10}情况")


@dataclass(frozen=True)
class Metadata:
    institution: str
    year: str
    period: str
    period_norm: str
    published: str
    title: str


def jieba_pos(text: str) -> tuple[tuple[str, str], ...]:
    """(word, jieba part-of-speech tag) of ``text``: the segmenter detection uses (see
    docs/detection.md for the offline alternatives measured against it)."""
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    return tuple((w.word, w.flag) for w in pseg.cut(text))


_SEGMENTER = jieba_pos


def use_segmenter(segment=None) -> None:
    """Make detection segment with ``segment(text) -> ((word, tag), ...)`` (jieba's tag set), or
    with jieba again when None; for measuring other segmenters (eval/compare_segmenters.py)."""
    global _SEGMENTER
    _SEGMENTER = segment or jieba_pos
    _pos.cache_clear()


@lru_cache(maxsize=4096)
def _pos(text: str) -> tuple[tuple[str, str], ...]:
    return _SEGMENTER(text)


def names_in(text: str) -> list[tuple[int, int, str]]:
    """Institution names in ``text`` as (start, end, name), their boundaries found by segmentation.

    Each name ends in a NAME_SUFFIXES ending that closes a token (局官网 is no 局) and starts
    at the first token of an unbroken run of name-like tokens before it."""
    out: list[tuple[int, int, str]] = []
    for m in _SUF_RE.finditer(text):
        e = m.end()
        s0 = e - len(m.group())
        # the clause holding the name: back to the last punctuation, at most 24 characters
        lo = s0
        while lo > 0 and s0 - lo < 24 and re.match(_CJK, text[lo - 1]):
            lo -= 1
        window = text[lo: min(len(text), e + 4)]
        toks = _pos(window)
        bounds, pos = [], 0
        for w, flag in toks:
            bounds.append((pos, pos + len(w), w, flag))
            pos += len(w)
        rel_e = e - lo
        if not any(b[1] == rel_e for b in bounds):
            continue  # the ending is inside a word (局官网, 学院路)
        # the token holding the suffix's first character, then walk back
        i = next(k for k, b in enumerate(bounds) if b[0] <= s0 - lo < b[1])
        j = i
        while j > 0:
            w, flag = bounds[j - 1][2], bounds[j - 1][3]
            if not re.fullmatch(_CJK + "+", w) or w in _LEAD_WORDS:
                break
            if w.endswith(("年", "年度")) and w != "青年":
                break  # 2022年|湖口县…, 学年度|福建师范大学
            if flag in _NAME_POS or flag == "vn":
                j -= 1
                continue
            # 和 joins two fields inside a body's name (发展和改革委员会, 人力资源和社会保障局), never
            # two bodies (…人民政府和…教育委员会) nor a place to what follows
            if w == "和" and j - 2 >= 0 and bounds[j - 2][3] in _NAME_POS | {"vn"} \
                    and not bounds[j - 2][2].endswith(NAME_SUFFIXES + ("政府",)) and bounds[j][3] != "ns":
                j -= 1
                continue
            if j - 2 >= 0 and (flag == "v" and bounds[j - 2][3] in _PROPER_POS
                               or flag == "vn" and bounds[j - 2][3] in _PROPER_POS | {"n"}):
                j -= 1  # 西安|创新|学院, 财经|管理|学院 (but not 社会|公布|…)
                continue
            break
        while j < i and (bounds[j][3] not in _START_POS or bounds[j][2] in _LEAD_WORDS):
            j += 1
        start = lo + bounds[j][0]
        name = text[start:e]
        if _ok_name(name):
            out.append((start, e, name))
    return out


# Words that end like a body but are not one (服务大厅, 格局, 党委).
_NOT_BODY = ("大厅", "展厅", "餐厅", "客厅", "门厅", "格局", "布局", "大局", "全局", "结局", "党委", "常委", "纪委",
             "团委", "校委", "院委", "街道委")


def _ok_name(name: str) -> bool:
    if name.endswith(_NOT_BODY) or name.endswith("学校") and name[:-2].endswith(SCHOOL_SUFFIXES):
        return False  # 长江大学学校办公室: the school is 长江大学
    if len(name) < 4 or len(name) > 22 or name in _GENERIC or any(b in name for b in _BAD_PARTS):
        return False
    if re.search(r"[的了和与及或在对将由是为我本该各]", name[:2]) or name[0] in "年月日":
        return False
    inner = name[:-2]
    # a school's department (重庆工商大学党政办公室) or a body's office is not the reporting body
    if not name.endswith(SCHOOL_SUFFIXES) and any(s in inner for s in ("大学", "学院", "学校")):
        return False
    return True


def _in_book_titles(text: str) -> list[tuple[int, int]]:
    """Spans of cited titles (《…》) after their first character: a name that opens a title
    (《福建师范大学信息公开实施细则》) is the reporter's own document, one further in is cited."""
    return [(m.start() + 2, m.end()) for m in re.finditer(r"《[^》]{0,80}》", text)]


def _outside(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return not any(a <= s and e <= b for a, b in spans)


def institution_candidates(text: str) -> Counter:
    """Institution names in ``text`` outside cited titles (《…》), with their counts; at each place
    only the longest name (新疆医科大学厚博学院 rather than 新疆医科大学)."""
    spans = _in_book_titles(text)
    found = [(s, e, n) for s, e, n in names_in(text) if _outside(spans, s, e)]
    longest: dict[int, tuple[int, str]] = {}
    for s, e, n in found:
        if s not in longest or e > longest[s][0]:
            longest[s] = (e, n)
    return Counter(n for _, n in longest.values())


def _proper_start(name: str) -> bool:
    """True when a name opens with a proper noun (a place, an organisation, a brand: 重庆|工商大学,
    XX|医学…), as a name that only frequency supports must (充分保证|学院 is not one)."""
    toks = _pos(name)
    return toks[0][1] in _PROPER_POS or len(toks) == 1


def title_line(lines: list[str]) -> str:
    """The report's title: the first early line with 报告/年报 and 公开, joined to the line before
    when a short title was broken over two lines."""
    lines = [ln.strip() for ln in lines[:20] if ln.strip()]
    for i, f in enumerate(lines[:15]):
        if 6 <= len(f) <= 80 and ("报告" in f or "年报" in f) and "公开" in f and not re.search(r"[|>]|首页", f) \
                and not re.search(r"[，。,；;]", f):  # a sentence that mentions a report is no title
            if i and len(f) < 14 and len(lines[i - 1]) < 30:  # a title broken over two lines
                return lines[i - 1] + f
            return f
    return ""


def _name_lines(lines: list[str], title: str) -> list[str]:
    """The title and the short lines around it that are a name and nothing else
    (重庆工商大学 above 2021-2022学年度信息公开工作报告)."""
    lines = [ln.strip() for ln in lines[:20] if ln.strip()]
    out = [title]
    if title in lines:
        i = lines.index(title)
        for k in (i - 1, i + 1):
            if 0 <= k < len(lines) and 4 <= len(lines[k]) <= 24:
                out.append(lines[k])
    return out


def _pick(cands: list[str], counts: Counter) -> str:
    return max(cands, key=lambda n: (counts.get(n, 0) > 0, counts.get(n, 0), len(n)))


_BODY_CHARS = 8000
# Words a report uses for itself: a school's (我校, 学校) or a government body's (我局, 本机关).
_SCHOOL_SELF = re.compile(r"我校|本校|学校|我院|本院|高校|学年")
_GOV_SELF = re.compile(r"我局|本局|我委|本委|本机关|本单位|我办|本办|政府信息公开|行政机关|我厅|本厅|街道")


# Weights of the frequency stage: a mention in a self-referring sentence, and a name that opens
# with a proper noun, against a plain mention (weight 1). Fitted by leave-one-report-out
# cross-validation on the dev reports (eval/fit_detection.py; see docs/detection.md).
WEIGHTS = {"self": 2, "proper": 0}


def detect_institution(text: str, title: str, weights: dict | None = None) -> str:
    """The reporting institution: the title's name, else the name the report uses where it refers
    to itself, else the most frequent name of its kind (a school's report is a school's, a body's
    a body's), never a superior body it only cites."""
    # A report names itself near its top; reading further costs segmentation time, not accuracy.
    body = to_simplified(text[:_BODY_CHARS])
    title_s = to_simplified(title) if title else ""
    lines = body.split("\n")
    if title_s:
        for ln in _name_lines(lines, title_s):
            in_line = [n for s, e, n in names_in(ln) if _outside(_in_book_titles(ln), s, e)]
            if ln != title_s:  # a neighbouring line counts only when it is the name alone
                in_line = [n for n in in_line if n == ln]
            in_line = _longest_each([n for n in in_line if not _SUPERIOR.match(n)] or in_line)
            if len(in_line) == 1:
                return _expand(in_line[0], body)
            if in_line:
                return _expand(_pick(in_line, institution_candidates(body)), body)
    counts = institution_candidates(body)
    spans = _in_book_titles(body)
    selfref: Counter = Counter()
    for sent in re.finditer(r"[^。！？!?\n]+", body):
        if _SELF_REF.search(sent.group()):
            for s, e, n in names_in(sent.group()):
                if re.match(r"(门户)?(网站|官网|网)", sent.group()[e:e + 4]):
                    continue  # 在莆田市涵江区人民政府网站公布: whose website, not whose report
                if _outside(spans, sent.start() + s, sent.start() + e):
                    selfref[n] += 1
    plain = re.sub(r"《[^》]{0,80}》", "", body)  # 《高等学校信息公开办法》《…政府信息公开条例》 say nothing of the kind
    school_kind = len(_SCHOOL_SELF.findall(plain)) >= len(_GOV_SELF.findall(plain))
    pool = [n for n in set(counts) | set(selfref) if not _SUPERIOR.match(n) and not n.endswith(_WEAK_SUFFIXES)]
    if not pool:
        return ""
    kind = [n for n in pool if n.endswith(SCHOOL_SUFFIXES) == school_kind]
    if school_kind and not kind:  # a school's report names its supervising education bodies
        kind = [n for n in pool if not re.search(r"教育(厅|部|局|委员会|委)$", n)]
    pool = kind or pool

    w = weights or WEIGHTS

    def score(n: str) -> tuple:
        # a self-reference outweighs a mere mention; the longer name wins a tie (新疆医科大学厚博学院)
        return (selfref[n] * w["self"] + counts.get(n, 0) + (w["proper"] if _proper_start(n) else 0), len(n))
    return _expand(max(pool, key=score), body)


def with_parent(name: str, site: tuple[str, ...]) -> str:
    """A department-named college (金融学院: no proper noun in it) under the school its web page's
    site name or title names (…-金融学院-东江大学 -> 东江大学金融学院). A school's own pages carry the
    school's name there; a report that names its parent in its text was read whole already, and a
    name with a place or proper noun in it (东江师范学院) is a school of its own."""
    if not site or not name.endswith("学院") or len(name) > 8 or any(t in _PROPER_POS for _, t in _pos(name)):
        return name
    for line in site:
        for _, _, parent in names_in(line):
            if parent.endswith(name) and len(parent) > len(name):
                return parent  # the site writes the whole name (东江大学金融学院)
            if parent.endswith(("大学", "学院")) and parent != name and len(parent) >= 4:
                return parent + name
    return name


def _longest_each(names: list[str]) -> list[str]:
    """Names with those that another one extends dropped (新疆医科大学 inside 新疆医科大学厚博学院)."""
    return [n for n in dict.fromkeys(names) if not any(o != n and o.startswith(n) for o in names)]


def _expand(name: str, body: str) -> str:
    """The name in its fullest form the report itself supports: 卫生健康委 -> 卫生健康委员会 when the
    text has the long form, and a district's body under its city (qualify)."""
    # 卫生健康委 is the short form of 卫生健康委员会: the full form when the text has it, or when the
    # field before 委 is a full one of four characters or more (卫生健康委, 发展改革委; 民委, 教委 and
    # 发改委 are abbreviations whose long form is not the short one plus 员会)
    if name.endswith("委") and not name.endswith("委员会") and (
            name + "员会" in body or len(split_places(name)[1]) >= 5):
        name = name + "员会"
    return qualify(name, body)


# Endings of the units a district, county or county-level city lies in (莆田市, 延边朝鲜族自治州,
# 锡林郭勒盟, 和田地区): the prefix a body's most qualified name takes.
_CITY_ENDS = ("市", "自治州", "州", "盟", "地区")


def qualify(name: str, text: str) -> str:
    """A government body's most qualified name: when its name opens with a district, county or
    county-level city (涵江区教育局) and the report itself writes that place under one city
    (莆田市涵江区人民政府网站, an address in 莆田市涵江区…), the city goes in front (莆田市涵江区教育局).

    Only the report's own text is read, never a gazetteer: a place name is not unique across the
    country (鼓楼区, 朝阳区), and a report that never names its city keeps the name it signs with.
    Two different cities before the place leave the name as it is."""
    if not is_government(name):
        return name
    places, _ = split_places(name)
    if len(places) != 1 or not places[0].endswith(("区", "县", "旗", "市")) or places[0] in PROVINCES.values():
        return name
    place = places[0]
    cities = set()
    for m in re.finditer(re.escape(place), text):
        toks = _pos(text[max(0, m.start() - 10): m.start()])
        if not toks:
            continue
        w, flag = toks[-1]
        if w in _CITY_ENDS and len(toks) > 1 and toks[-2][1] == "ns":
            w, flag = toks[-2][0] + w, "ns"  # 东江|市: a name the segmenter does not know
        if flag == "ns" and w.endswith(_CITY_ENDS) and w != place and len(w) >= 3 and w not in PROVINCES.values():
            cities.add(w)
    return cities.pop() + name if len(cities) == 1 else name


def detect_year(text: str, title: str, period: str = "") -> str:
    """Academic year "2021-2022" or calendar year "2023" of the report, or "".

    An academic year written in the title wins; then the year the statistics period stands for
    (a "2020年度" report on 2019-09-01 to 2020-08-31 is the 2019-2020 report); then the first
    year form near the top."""
    m = ACADEMIC_YEAR.search(fold(title or ""))
    if m and int(m.group(2)) == int(m.group(1)) + 1:
        return f"{m.group(1)}-{m.group(2)}"
    from_period = year_of_period(period) if period else ""
    if from_period:
        return from_period
    for src in (title, text[:3000]):
        if not src:
            continue
        f = fold(src)
        found = []  # (inside a 《》 title?, position, year)
        for m in ACADEMIC_YEAR.finditer(f):
            if int(m.group(2)) == int(m.group(1)) + 1:
                found.append((_in_book_title(f, m.start()), m.start(), f"{m.group(1)}-{m.group(2)}"))
        for m in TITLE_YEAR.finditer(f):
            found.append((_in_book_title(f, m.start()), m.start(), m.group(1)))
        if found:
            return min(found)[2]
    m = YEAR_MARK.search(fold(text[:3000]))
    return m.group(1) if m else ""


def _in_book_title(text: str, pos: int) -> bool:
    """True when ``pos`` lies inside 《…》 (a cited document's title, not this report)."""
    return text.rfind("《", 0, pos) > text.rfind("》", 0, pos)


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
    m = FULL_DATE_PERIOD.search(f)
    if m:
        y1, m1, d1, y2, m2, d2 = map(int, m.groups())
        return f"{y1:04d}-{m1:02d}-{d1:02d}/{y2:04d}-{m2:02d}-{d2:02d}"
    # Dates that lost their 年/月 in web extraction: 202191日至2022831
    m = FLAT_DATE_PERIOD.search(f)
    if m:
        a, b = _split_md(m.group(2)), _split_md(m.group(4))
        if a and b:
            return (f"{int(m.group(1)):04d}-{a[0]:02d}-{a[1]:02d}/"
                    f"{int(m.group(3)):04d}-{b[0]:02d}-{b[1]:02d}")
    return ""


def detect_period(text: str) -> str:
    """The statistics period as stated (raw text), or ""."""
    f = fold(text[:15000])
    for cue in STATISTICS_PERIOD_CUE.finditer(f):
        window = f[cue.end(): cue.end() + 60]
        m = PERIOD.search(window)
        if m and m.start() < 12:
            s = cue.end() + m.start()
            return text[s: cue.end() + m.end()].strip()
    for m in PERIOD.finditer(f[:4000]):  # no cue word: a full date range early in the report
        if all(m.group(i) for i in (1, 2, 3, 4, 5, 6)):
            return text[m.start(): m.end()].strip()
    return ""


def detect_published(raw_text: str) -> str:
    """Publication date (ISO) from page metadata (发布时间:2022-10-30, 发布时间:[2017-12-01]) or a
    date alone on a line near the top or the end of the page; read from the raw text, before
    cleaning strips the page chrome around it."""
    f = fold(raw_text)
    m = PUBLISHED_AT.search(f[:5000])
    if not m:
        lines = f.split("\n")
        near = lines[:12] + lines[-12:] if len(lines) > 24 else lines
        m = next((x for x in map(DATE_LINE.match, near) if x), None)
        if not m:
            return ""
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        y, mo, d = int(m.group(2)), int(m.group(3)), int(m.group(4))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return ""
    return f"{y:04d}-{mo:02d}-{d:02d}"


def detect(text: str, raw_text: str = "", site: tuple[str, ...] = ()) -> Metadata:
    """All metadata of a cleaned report text (``raw_text`` may hold lines cleaning dropped; ``site``
    the names a web page gives itself outside its text: og:site_name, <title>).

    Traditional script is read as simplified (OpenCC), so 學年 is 学年 and 大學 is 大学."""
    text = to_simplified(text)
    raw_text = to_simplified(raw_text) if raw_text else raw_text
    lines = text.split("\n")
    title = title_line(lines)
    period = detect_period(text)
    institution = with_parent(detect_institution(text, title), tuple(to_simplified(x) for x in site))
    published = detect_published(raw_text or text)
    return Metadata(
        institution=institution,
        year=detect_year(text, title, period) or year_of_publication(published, institution),
        period=period,
        period_norm=normalize_period(period) if period else "",
        published=published,
        title=title,
    )


def year_of_publication(published: str, institution: str) -> str:
    """The report year a publication date implies, when nothing else says it: a school publishes
    its academic-year report in the autumn that ends it (2020-10-30 -> 2019-2020), a government
    body its calendar-year report early the next year (2023-01-31 -> 2022)."""
    if not published:
        return ""
    y, mo = int(published[:4]), int(published[5:7])
    if institution.endswith(SCHOOL_SUFFIXES):
        return f"{y - 1}-{y}" if mo >= 9 else ""
    return str(y - 1) if mo <= 4 else ""

from .names import same_institution  # noqa: E402,F401  (the comparison `reportqa docs --check` uses)


def year_of_period(period: str) -> str:
    """The report year a statistics period stands for: "2021-2022" for an academic year
    (September to August, or written 2021-2022学年), "2023" for a calendar year, else ""."""
    f = fold(period or "")
    m = ACADEMIC_YEAR.search(f)
    if m and int(m.group(2)) == int(m.group(1)) + 1:
        return f"{m.group(1)}-{m.group(2)}"
    norm = normalize_period(f)
    if norm:
        y1, m1 = int(norm[:4]), int(norm[5:7])
        y2 = int(norm[11:15])
        if y2 == y1 + 1 and m1 >= 7:
            return f"{y1}-{y2}"
        if y1 == y2:
            return str(y1)
    ys = YEAR_MARK.findall(f)
    if ys and len(set(ys)) == 1 and re.search(r"1\s*月\s*1\s*日|年度|全年", f):
        return ys[0]
    return ""


@dataclass(frozen=True)
class CheckRow:
    """One report of ``check_detection``: what was detected against what a manifest says."""

    doc: str
    detected: str
    expected: str
    same: bool
    detected_year: str = ""
    expected_year: str = ""
    year_same: bool | None = None  # None: the manifest gives no period to compare with


def check_detection(docs, manifest: dict) -> tuple[list[CheckRow], dict]:
    """Compare documents' institutions (and years) with a manifest ``{doc: {"institution", "period"
    or "year"}}``; a leading place name and 人民政府 vs 人民政府办公室 are not differences.

    Returns the rows (manifest order; a manifest doc not indexed has detected "") and a summary
    ``{"reports", "exact", "rate", "years", "years_exact", "year_rate", "missing"}``."""
    by_doc = {d.doc: d for d in docs}
    rows = []
    for name, exp in manifest.items():
        d = by_doc.get(name)
        det = d.institution if d else ""
        ey = exp.get("year") or year_of_period(exp.get("period", ""))
        dy = d.year if d else ""
        rows.append(CheckRow(name, det, exp.get("institution", ""), same_institution(det, exp.get("institution", "")),
                             dy, ey, (dy == ey) if ey else None))
    n = len(rows)
    ny = [r for r in rows if r.year_same is not None]
    summary = {"reports": n, "exact": sum(r.same for r in rows), "rate": round(sum(r.same for r in rows) / n, 4) if n else 0.0,
               "years": len(ny), "years_exact": sum(bool(r.year_same) for r in ny),
               "year_rate": round(sum(bool(r.year_same) for r in ny) / len(ny), 4) if ny else 0.0,
               "missing": [r.doc for r in rows if r.doc not in by_doc]}
    return rows, summary
