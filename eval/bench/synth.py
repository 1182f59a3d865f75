"""Synthetic annual information-disclosure reports for scale benchmarks.

``python -m eval.bench.synth --n N --out DIR [--seed S]`` writes N fictional reports (UTF-8
.txt) in the usual template and ``DIR/qa.jsonl`` with gold questions whose answers are known.

Every institution, place and number is invented. Report ``i`` depends only on ``(seed, i)``,
so the corpus for a smaller N is a prefix of the corpus for a larger N (same file names, same
text, same questions): accuracy at N=10 and N=1000 can be compared on the same questions.

Near-duplicates are deliberate: one stem (place + discipline) appears as 大学, 学院 and
职业学院 etc., and one institution appears in several academic years, next to each other.
"""
from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

# Two-character fictional places made from two pools (characters chosen so that no place
# starts with a word that metadata detection trims, e.g. 的/在/经/通).
_P1 = "东西南北青云海江河山岚溪湖泉川丰宁安平清明华兴长永嘉景昌瑞润泰盛"
_P2 = "江岚溪辰川陵岭州原阳宁城峰林湾浦屿塘漳岳泽"
PLACES = [a + b for a in _P1 for b in _P2 if a != b]
# Places never used for a report: questions about them have no answer.
RESERVED_PLACES = ["临湖", "雾屿", "枫渡", "霁川", "墨岭", "鹭汀", "苇塘", "栎原"]
DISCIPLINES = ["理工", "师范", "医科", "财经", "农业", "交通", "工商", "科技", "外国语", "艺术", "体育",
               "政法", "林业", "海洋", "电力", "传媒", "建筑", "化工", "轻工", "中医药", "信息工程",
               "航空", "水利", "商贸", "纺织"]
SUFFIXES = ["大学", "学院", "职业学院", "职业技术学院", "高等专科学校"]
YEARS = list(range(2014, 2025))  # academic years 2014-2015 … 2024-2025
OFFICES = ["党政办公室", "校长办公室", "党委办公室（校长办公室）", "学校办公室", "院长办公室"]
AREA = ["010", "021", "022", "023", "0571", "0591", "0411", "0913", "0731", "0851", "0471", "0898",
        "0351", "0871", "0931", "0551", "0791", "0771", "0531", "0371"]
CN = "零一二三四五六七八九"


def cn_num(n: int) -> str:
    """Chinese numerals for 0..99 (十二, 二十, 三十五)."""
    if n < 10:
        return CN[n]
    t, u = divmod(n, 10)
    return ("" if t == 1 else CN[t]) + "十" + ("" if u == 0 else CN[u])


@dataclass(frozen=True)
class Identity:
    place: str
    discipline: str
    suffix: str
    year: int  # start of the academic year

    @property
    def name(self) -> str:
        return self.place + self.discipline + self.suffix

    @property
    def ay(self) -> str:
        return f"{self.year}-{self.year + 1}"


def identities(n: int, seed: int = 0) -> list[Identity]:
    """The first ``n`` report identities: unique (institution, year), clustered near-duplicates."""
    rng = random.Random(f"ids:{seed}")
    stems = [(p, d) for p in PLACES for d in DISCIPLINES]
    rng.shuffle(stems)
    out: list[Identity] = []
    for place, disc in stems:
        sufs = rng.sample(SUFFIXES, rng.choice([1, 1, 2, 2, 3]))
        for suf in sufs:
            years = sorted(rng.sample(YEARS, rng.choice([1, 1, 2, 3])))
            out.extend(Identity(place, disc, suf, y) for y in years)
        if len(out) >= n:
            break
    return out[:n]


def all_years(ids: list[Identity]) -> dict[str, set[int]]:
    by: dict[str, set[int]] = {}
    for i in ids:
        by.setdefault(i.name, set()).add(i.year)
    return by


def _pick(rng: random.Random, options: list[str]) -> str:
    return options[rng.randrange(len(options))]


def _num(rng: random.Random, n: int, p_cn: float = 0.3) -> str:
    return cn_num(n) if n < 100 and rng.random() < p_cn else str(n)


def _domain(ident: Identity, rng: random.Random) -> str:
    letters = "abcdefghjklmnpqrstwxyz"
    return "".join(rng.choice(letters) for _ in range(rng.randint(3, 5))) + ".edu.cn"


def report(ident: Identity, i: int, seed: int = 0) -> tuple[str, dict]:
    """(report text, facts with the exact evidence strings) for identity number ``i``."""
    rng = random.Random(f"doc:{seed}:{i}")
    # The contact phone, domain and office are per institution (stable across years).
    irng = random.Random(f"inst:{seed}:{ident.name}")
    area = irng.choice(AREA)
    local = str(irng.randint(10_000_000, 89_999_999) if len(area) == 3 or irng.random() < 0.7
                else irng.randint(1_000_000, 8_999_999))
    phone = f"{area}-{local}"
    footer_phone = f"{area}-{local[:-4]}{(int(local[-4:]) + 1111) % 10000:04d}"
    domain = _domain(ident, irng)
    email = f"xxgk@{domain}"
    office = irng.choice(OFFICES)
    name, ay, y = ident.name, ident.ay, ident.year
    unit = "学校" if ident.suffix in ("大学", "高等专科学校") else "学院"
    head = "院长" if unit == "学院" else "校长"
    f: dict = {"institution": name, "year": ay, "phone": phone}

    lines: list[str] = []
    title = f"{name}{ay}学年信息公开工作年度报告"
    pub = f"{y + 1}-{rng.randint(10, 11)}-{rng.randint(10, 30):02d}"
    if rng.random() < 0.8:
        lines.append(_pick(rng, ["首页 >> 信息公开 >> 年度报告", "当前位置：首页 > 信息公开 > 年度报告",
                                 "网站首页 | 信息公开 | 公开年报"]))
        lines.append(f"{title}")
        lines.append(f"发布时间：{pub}　　来源：{office}　　点击：{rng.randint(50, 9999)}")
    lines.append(title)
    if rng.random() < 0.75:
        p0, p1 = f"{y}年9月1日", f"{y + 1}年8月31日"
    else:
        p0, p1 = f"{y}年8月1日", f"{y + 1}年7月31日"
    period = f"{p0}至{p1}"
    f["period"] = period
    period_sent = _pick(rng, [f"本报告中所列数据的统计期限为{period}",
                              f"本报告统计数据的时间范围为{period}",
                              f"报告所列数据统计期限为{period}"])
    contact = f"请联系{name}{office}（电话：{phone}，电子邮箱：{email}）"
    lines.append(f"　　根据《中华人民共和国政府信息公开条例》和《高等学校信息公开办法》，{name}编制本年度报告。"
                 f"{period_sent}。如对本报告有疑问，{contact}。")
    f["ev_period"] = period_sent
    f["ev_phone"] = f"（电话：{phone}"

    lines.append("一、概述")
    lines.append(f"　　{ay}学年，{unit}" + _pick(rng, [
        "坚持“以公开为常态、不公开为例外”的原则，持续完善信息公开工作机制。",
        "把信息公开作为依法治校的重要抓手，信息公开工作总体平稳有序。",
        "围绕办学中心工作，不断健全信息公开制度，办学透明度进一步提高。"]))
    train = rng.randint(1, 9)
    trainees = rng.randint(30, 400)
    t_num = _num(rng, train)
    lines.append("（一）组织领导")
    lines.append(f"　　{unit}信息公开工作领导小组由{head}任组长，办公室设在{office}。")
    lines.append("（二）队伍建设")
    ev_train = _pick(rng, [f"开展信息公开专题培训{t_num}场", f"组织信息公开业务培训{t_num}场",
                           f"举办信息公开培训{t_num}场"])
    lines.append(f"　　本学年{unit}{ev_train}，参训人员{trainees}人次。")
    f["train"], f["ev_train"] = train, ev_train

    lines.append("二、主动公开情况")
    active = rng.randint(200, 3000)
    ev_active = _pick(rng, [f"主动公开信息{active}条", f"通过门户网站等渠道主动公开信息{active}条",
                            f"累计主动公开各类信息{active}条"])
    lines.append("（一）公开总体情况")
    lines.append(f"　　本学年，{unit}对照《高等学校信息公开事项清单》，{ev_active}。")
    f["active"], f["ev_active"] = active, ev_active
    party, office_mtg = rng.randint(8, 30), rng.randint(10, 35)
    ev_party = f"召开党委会{_num(rng, party)}次、{head}办公会{_num(rng, office_mtg)}次"
    lines.append("（二）重点领域信息公开情况")
    lines.append("　　1. 招生考试信息。" + _pick(rng, [
        "及时公开招生章程、分省分专业招生计划和录取结果。",
        "公开招生简章、招生计划、录取办法及咨询申诉渠道。"]))
    lines.append(f"　　2. 决策公开情况。本学年{ev_party}，重要事项除涉密内容外均按规定公开。")
    f["party"], f["ev_party"] = party, ev_party

    lines.append("三、依申请公开和不予公开情况")
    received = 0 if rng.random() < 0.3 else rng.randint(1, 15)
    f["received"] = received
    if received == 0:
        ev_recv = _pick(rng, [f"本学年{unit}未收到信息公开申请", "本学年未收到信息公开申请"])
        lines.append(f"　　{ev_recv}，也没有不予公开的情况。")
        f["refused"] = 0
        f["ev_refused"] = ev_recv
    else:
        refused = rng.randint(0, min(3, received))
        partial = rng.randint(0, received - refused)
        granted = received - refused - partial
        f["refused"] = refused
        r_num = _num(rng, received)
        ev_recv = _pick(rng, [f"本学年共收到信息公开申请{r_num}项", f"全年共受理信息公开申请{r_num}项",
                              f"本学年共收到依申请公开申请{r_num}项"])
        ev_refused = f"其中予以公开{granted}项、部分公开{partial}项、不予公开{refused}项"
        lines.append(f"　　{ev_recv}，{ev_refused}。所有申请均在规定期限内答复。")
        f["ev_refused"] = ev_refused
    f["ev_recv"] = ev_recv

    lines.append("四、对信息公开的评议情况")
    lines.append(f"　　{unit}通过教职工代表大会等形式听取师生意见，满意率为{rng.randint(85, 99)}.{rng.randint(0, 9)}%。")
    lines.append(f"五、因{unit}信息公开工作受到举报、复议、诉讼的情况")
    complained = rng.random() < 0.15
    f["complained"] = complained
    if complained:
        ev_comp = f"本学年，{unit}收到举报{_num(rng, rng.randint(1, 3))}件"
        lines.append(f"　　{ev_comp}，已依法依规处理完毕。")
    else:
        ev_comp = _pick(rng, [f"{unit}没有因信息公开工作受到举报、复议、诉讼的情况",
                              "未发生因信息公开工作受到举报、复议、诉讼的情况"])
        lines.append(f"　　本学年，{ev_comp}。")
    f["ev_comp"] = ev_comp
    lines.append("六、信息公开工作存在的主要问题和改进措施")
    lines.append("　　" + _pick(rng, [
        "存在的问题：个别部门信息更新不够及时；解读性信息偏少。下一步将强化考核督查，丰富公开形式。",
        "主要问题是公开内容以通知文件为主、检索不便。改进措施是推进信息公开网改版，加强政策解读。"]))
    lines.append("七、其他需要报告的事项")
    lines.append(f"　　本学年{unit}未因信息公开工作收取任何费用。")
    sign = f"{y + 1}年{rng.randint(10, 11)}月{rng.randint(10, 30)}日"
    lines.append(name)
    lines.append(sign)
    f["signed"] = sign
    if rng.random() < 0.8:
        lines.append("【打印本页】【关闭窗口】")
        lines.append(f"版权所有 © {name}　地址：{ident.place}市学府路{rng.randint(1, 300)}号　电话：{footer_phone}")
    return "\n".join(lines) + "\n", f


def file_name(i: int, ident: Identity) -> str:
    return f"r{i:05d}_{ident.year}.txt"


def questions(i: int, ident: Identity, f: dict, doc: str, seed: int = 0) -> list[dict]:
    """Three gold questions for one report, sampled from count/phone/yesno/date."""
    rng = random.Random(f"qa:{seed}:{i}")
    name, ay = f["institution"], f["year"]
    pre = f"{name}{ay}学年"
    pool = {
        "count": [
            (f"{pre}共收到多少项信息公开申请？", str(f["received"]), f["ev_recv"]),
            (f"{pre}主动公开了多少条信息？", str(f["active"]), f["ev_active"]),
            (f"{pre}召开了几次党委会？", str(f["party"]), f["ev_party"]),
            (f"{pre}开展了几场信息公开培训？", str(f["train"]), f["ev_train"]),
            (f"{pre}有几项信息公开申请被决定不予公开？", str(f["refused"]), f["ev_refused"]),
        ],
        "phone": [(f"{pre}信息公开年度报告的联系电话是多少？", f["phone"], f["ev_phone"])],
        "yesno": [
            (f"{pre}是否收到过信息公开申请？", "是" if f["received"] else "否", f["ev_recv"]),
            (f"{pre}是否因信息公开工作受到举报、复议或诉讼？", "是" if f["complained"] else "否", f["ev_comp"]),
        ],
        "date": [(f"{pre}信息公开年度报告的数据统计期限是什么？", f["period"], f["ev_period"])],
    }
    kinds = rng.sample(["count", "phone", "yesno", "date"], 3)
    out = []
    for k, kind in enumerate(kinds):
        q, a, e = rng.choice(pool[kind])
        out.append({"id": f"s{i:05d}-{k}", "doc": doc, "question": q, "answer": a, "type": kind, "evidence": e})
    return out


def none_question(j: int, ids: list[Identity], full: list[Identity], seed: int = 0) -> dict:
    """A question with no answer: an institution that does not exist, or a year it lacks."""
    rng = random.Random(f"none:{seed}:{j}")
    if j % 2 == 0 or not ids:
        name = rng.choice(RESERVED_PLACES) + rng.choice(DISCIPLINES) + rng.choice(SUFFIXES)
        y = rng.choice(YEARS)
    else:
        # an institution of the corpus (the same one for every N >= 10), in a year it never has
        name = ids[(j * 7) % min(len(ids), 10)].name
        free = [y for y in YEARS if y not in all_years(full)[name]]
        y = rng.choice(free)
    q = rng.choice([f"{name}{y}-{y + 1}学年共收到多少项信息公开申请？",
                    f"{name}{y}-{y + 1}学年召开了几次党委会？",
                    f"{name}{y}-{y + 1}学年主动公开了多少条信息？"])
    return {"id": f"none-{j:04d}", "doc": "", "question": q, "answer": "", "type": "none", "evidence": ""}


def generate(n: int, out: Path, seed: int = 0, n_none: int | None = None) -> list[dict]:
    """Write ``n`` reports and ``qa.jsonl`` under ``out``; return the gold questions."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ids = identities(n, seed)
    gold: list[dict] = []
    for i, ident in enumerate(ids):
        text, facts = report(ident, i, seed)
        doc = file_name(i, ident)
        (out / doc).write_text(text, encoding="utf-8")
        gold.extend(questions(i, ident, facts, doc, seed))
    n_none = max(2, n // 20) if n_none is None else n_none
    full = identities(max(n, 6000), seed)  # "absent year" is absent for every corpus size
    gold.extend(none_question(j, ids, full, seed) for j in range(n_none))
    with open(out / "qa.jsonl", "w", encoding="utf-8") as fh:
        for g in gold:
            fh.write(json.dumps(g, ensure_ascii=False) + "\n")
    return gold


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    gold = generate(a.n, a.out, a.seed)
    print(f"wrote {a.n} reports and {len(gold)} questions to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
