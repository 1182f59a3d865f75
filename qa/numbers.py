"""Find numbers with their units in Chinese text, Chinese numerals included (cn2an)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an

from index.textutil import fold

UNITS = ["人次", "批次", "个部分", "部分", "余项", "项", "条", "件", "次", "个", "期", "批", "起", "场", "份", "篇",
         "家", "门", "类", "名", "所", "人", "封", "例", "万条", "万人次", "万次", "余条", "余次", "余人"]
_UNIT_RE = "|".join(sorted({u.lstrip("余") for u in UNITS}, key=len, reverse=True))
_CN_NUM = "零〇一二两三四五六七八九十百千万"
NUM_RE = re.compile(
    rf"(?P<approx_pre>近|约|超过|逾|达|共计|共|合计|累计)?"
    rf"(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|[{_CN_NUM}]{{1,8}})"
    rf"\s*(?P<approx_post>余|多)?\s*(?P<unit>{_UNIT_RE})")


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
    f = fold(text)
    out = []
    for m in NUM_RE.finditer(f):
        num = m.group("num")
        s, e = m.start("num"), m.end()
        before = f[max(0, s - 1):s]
        after = f[m.end("num"):m.end("num") + 1]
        if before == "第" or (before.isdigit()) or after in ("年", "月", "日", "号", "%", "-"):
            continue
        if num in ("万", "千", "百", "亿"):
            continue  # a bare magnitude (万人) is not a count
        value = to_number(num)
        if value is None:
            continue
        if isinstance(value, (int, float)) and value > 10**9:
            continue
        unit = m.group("unit")
        approx = (m.group("approx_pre") or "") if (m.group("approx_pre") or "") in ("近", "约", "超过", "逾") else ""
        approx = approx or (m.group("approx_post") or "")
        start = m.start("approx_pre") if approx and m.group("approx_pre") in ("近", "约", "超过", "逾") else s
        out.append(NumberSpan(value, unit, start, e, text[start:e], approx))
    return out
