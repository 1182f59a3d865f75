"""Find numbers with their units in Chinese text, Chinese numerals included (cn2an)."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import cn2an

from index import lexicon
from index.textutil import fold

UNITS = list(lexicon.UNITS)
# 万/亿 are multipliers, not units: 1.2万人次 is 12000 人次, 近8万 is 80000.
_UNIT_RE = "|".join(sorted({u.lstrip("余").lstrip("万") for u in UNITS} - {""}, key=len, reverse=True))
_CN_NUM = "零〇一二两三四五六七八九十百千万"
_PRE = "|".join(lexicon.APPROX_BEFORE)
NUM_RE = re.compile(
    rf"(?P<approx_pre>{_PRE}|达|共计|共|合计|累计)?"
    rf"(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|[{_CN_NUM}]{{1,8}})"
    rf"\s*(?P<approx_post>余|多)?\s*(?P<mult>[万亿])?\s*(?P<approx_post2>余|多)?"
    rf"\s*(?:(?P<unit>{_UNIT_RE})|(?P<pct>%|％))")
# A bare approximated magnitude with no unit after it: 近8万, 约3亿.
BARE_MULT_RE = re.compile(rf"(?P<approx_pre>{_PRE})(?P<num>\d+(?:\.\d+)?)(?P<mult>[万亿])")


@dataclass(frozen=True)
class NumberSpan:
    """A number bound to its unit: text[start:end] is e.g. "2842条" or "七个部分"."""

    value: int | float
    unit: str
    start: int
    end: int
    text: str
    approx: str  # 近/约/余/多 when the report gives an approximation


def to_number(token: str) -> int | float | None:
    """Arabic or Chinese numeral to a number (七 -> 7, 两千三百 -> 2300), else None."""
    t = fold(token).replace(",", "").strip()
    if not t:
        return None
    try:
        v = float(t) if re.fullmatch(r"\d+(\.\d+)?", t) else cn2an.cn2an(t, "smart")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None
    return int(v) if float(v).is_integer() else float(v)


def find_numbers(text: str) -> list[NumberSpan]:
    """Counted quantities in ``text``; years, dates, ordinals and phone digits are left out."""
    return list(_find_numbers(text))


@functools.lru_cache(maxsize=8192)
def _find_numbers(text: str) -> tuple[NumberSpan, ...]:
    # Memoised: the candidates and the features both read a sentence's figures, and reports of
    # one template share many sentences (a list question reads the same ones in every report).
    f = fold(text)
    out = []
    taken: set[int] = set()
    for m in list(NUM_RE.finditer(f)) + list(BARE_MULT_RE.finditer(f)):
        num = m.group("num")
        s, e = m.start("num"), m.end()
        if s in taken:
            continue
        before = f[max(0, s - 1):s]
        after = f[m.end("num"):m.end("num") + 1]
        if before == "第" or before.isdigit() or before == "." or after in ("年", "月", "日", "号", "-"):
            continue
        if num in ("万", "千", "百", "亿"):
            continue  # a bare magnitude (万人) is not a count
        value = to_number(num)
        if value is None:
            continue
        mult = m.group("mult") or ""
        if mult:
            value = value * lexicon.MULTIPLIERS[mult]
            value = int(value) if float(value).is_integer() else value
        if isinstance(value, (int, float)) and value > 10**10:
            continue
        gd = m.groupdict()
        unit = "%" if gd.get("pct") else (gd.get("unit") or "")
        pre = gd.get("approx_pre") or ""
        approx = pre if pre in lexicon.APPROX_BEFORE else ""
        approx = approx or gd.get("approx_post") or gd.get("approx_post2") or ""
        start = m.start("approx_pre") if pre in lexicon.APPROX_BEFORE else s
        taken.add(s)
        out.append(NumberSpan(value, unit, start, e, text[start:e], approx))
    return tuple(sorted(out, key=lambda n: n.start))
