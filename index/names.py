"""Institution names: place prefixes, government body forms, canonical names and aliases.

A government body's name is a chain of place names (省/市/区/县…) and a body (人民政府,
教育局, 卫生健康委员会…). Reports of one body write the chain at different lengths in
different years (东湖区人民政府 in one, 东江市东湖区人民政府 in the next), and questions
shorten it further (东湖区政府). Everything here is pure string work on the name itself.
"""
from __future__ import annotations

import re

from .lexicon import ADMIN_SUFFIXES, GOV_BODIES, SCHOOL_SUFFIXES

# Provincial-level units, whose short forms (北京, 广西) stand for the full name in text.
PROVINCES = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市", "河北": "河北省", "山西": "山西省",
    "辽宁": "辽宁省", "吉林": "吉林省", "黑龙江": "黑龙江省", "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省",
    "福建": "福建省", "江西": "江西省", "山东": "山东省", "河南": "河南省", "湖北": "湖北省", "湖南": "湖南省",
    "广东": "广东省", "海南": "海南省", "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "台湾": "台湾省", "内蒙古": "内蒙古自治区", "广西": "广西壮族自治区",
    "西藏": "西藏自治区", "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区",
    "澳门": "澳门特别行政区",
}
# 人民政府办公室/办公厅 publish the 人民政府's report: one institution for matching.
_GOV_OFFICE = re.compile(r"人民政府(办公室|办公厅)$")

_PLACE = re.compile(
    "(?:" + "|".join(sorted(PROVINCES.values(), key=len, reverse=True)) + "|"
    + "|".join(sorted(PROVINCES, key=len, reverse=True))
    + rf"|[\u4e00-\u9fff]{{1,8}}?(?:{'|'.join(ADMIN_SUFFIXES)}))")


def split_places(name: str) -> tuple[list[str], str]:
    """(leading place names, the rest): 淮安市洪泽区人民政府 -> (["淮安市", "洪泽区"], "人民政府").

    A place is only taken while a body or a school name still follows it, so 上海市 alone
    stays a name and 北京大学 is not split (北京 followed by 大学 is a school's own name)."""
    places: list[str] = []
    rest = name
    while True:
        m = _PLACE.match(rest)
        if not m or m.end() >= len(rest):
            break
        tail = rest[m.end():]
        # a bare province short form (北京) is a place only before a body or another place
        if m.group() in PROVINCES and not (tail.startswith(GOV_BODIES) or _PLACE.match(tail)):
            break
        if not m.group() in PROVINCES and not m.group() in PROVINCES.values() and not (
                tail.startswith(GOV_BODIES) or _PLACE.match(tail) and _PLACE.match(tail).end() < len(tail)
                or _office_of(m.group(), tail)):
            break  # 洪泽区 before 人民政府 or before another place, never before a school's words
        places.append(m.group())
        rest = tail
    return places, rest


# The units a body's office belongs to (涵江区|教育局, 九原区|民族事务委员会, 湖口县|卫生健康委员会).
_OFFICE_PLACE_ENDS = ("区", "县", "旗", "市", "州", "盟")


def _office_of(place: str, tail: str) -> bool:
    """True when ``tail`` is a body's office (教育局, 民族事务委员会) that ``place`` heads: a district,
    county or city, not a word that only ends like one (住房和城乡|建设局, 城市|管理局: a place taken
    here has a name of two characters or more before its unit)."""
    return (is_government(tail) and len(tail) >= 2 and len(place) >= 3 and place.endswith(_OFFICE_PLACE_ENDS)
            and not re.search(r"[和与及]", place) and not _PLACE.match(tail))


def is_place_chain(text: str) -> bool:
    """True when ``text`` is one or more place names and nothing else (淮安市, 江苏省淮安市)."""
    pos = 0
    while pos < len(text):
        m = _PLACE.match(text, pos)
        if not m:
            return False
        pos = m.end()
    return bool(text)


def is_government(name: str) -> bool:
    """True for a government body's name (人民政府, …局, …委员会, 街道办事处 …)."""
    return name.endswith(GOV_BODIES) and not name.endswith(SCHOOL_SUFFIXES)


def normal_form(name: str) -> str:
    """The name as compared: 人民政府办公室/办公厅 -> 人民政府, 卫生健康委 -> 卫生健康委员会, blanks gone."""
    name = re.sub(r"\s+", "", name or "")
    name = re.sub(r"(?<=[\u4e00-\u9fff]{4})委$", "委员会", name)
    return _GOV_OFFICE.sub("人民政府", name)


def same_institution(a: str, b: str) -> bool:
    """True when two names are one institution up to a leading place name and 人民政府 vs
    人民政府办公室 (淮安市洪泽区人民政府 = 洪泽区人民政府办公室)."""
    a, b = normal_form(a), normal_form(b)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return (long_.endswith(short) and is_place_chain(long_[: -len(short)]) and len(short) >= 4
            and short not in GOV_BODIES)


def canonical(name: str) -> str:
    """One name per body: the innermost place and the body (淮安市洪泽区人民政府 -> 洪泽区人民政府).

    Schools and names without a place prefix are returned as they are."""
    name = normal_form(name)
    if not is_government(name):
        return name
    places, body = split_places(name)
    if not places:
        return name
    return places[-1] + body


def aliases(name: str) -> list[str]:
    """Other ways of writing a government body's name: each place chain suffix, 政府 for 人民政府,
    the province's short form (北京市人民政府 -> 北京人民政府, 北京政府)."""
    name = normal_form(name)
    if not is_government(name):
        return []
    places, body = split_places(name)
    out: list[str] = []
    bodies = [body] + (["政府"] if body == "人民政府" else [])
    for i in range(len(places) + 1):
        chain = "".join(places[i:])
        if not chain:
            continue  # a body without its place names no one (人民政府, 教育局)
        for bd in bodies:
            out.append(chain + bd)
        last = places[i] if i < len(places) else ""
        short = next((k for k, v in PROVINCES.items() if v == last), "")
        if short and i == len(places) - 1:
            for bd in bodies:
                out.append(short + bd)
    return [a for a in dict.fromkeys(out) if a != name and len(a) >= 3]


_T2S = None


# Traditional forms of characters every report uses (學 開 報 會 …): a text with none of them in
# its first pages is simplified already and skips the (pure-Python, slow) conversion.
_TRADITIONAL_MARKS = set("學開報會機關與為資訊國華東書們個來時實進對發務員縣區廳處辦單統計錄請應當號電話郵網門問題體衛醫")


def to_simplified(text: str) -> str:
    """Traditional characters mapped to simplified (OpenCC t2s), so 重慶理工大學 is 重庆理工大学."""
    global _T2S
    if not _TRADITIONAL_MARKS.intersection(text[:5000]):
        return text
    if _T2S is None:
        from opencc import OpenCC

        _T2S = OpenCC("t2s")
    return _T2S.convert(text)


__all__ = ["to_simplified", "PROVINCES", "GOV_BODIES", "split_places", "is_place_chain", "is_government", "normal_form",
           "same_institution", "canonical", "aliases"]
