"""Whose report it is: institution/year detection (invented pages and every dev manifest),
`reportqa docs --check/--set`, the UI correction, and names and years in questions."""
from __future__ import annotations

import json
from dataclasses import FrozenInstanceError

import pytest

from index.clean import clean_segments
from index.embed import HashEmbedder
from index.errors import InvalidCorrection
from index.ingest import load_overrides
from index.metadata import (detect, detect_published, qualify, same_institution, with_parent, year_of_period,
                            year_of_publication)
from index.names import aliases, canonical, split_places
from index.readers import page_names, read_file
from index.settings import Settings
from qa.errors import ConflictingScope
from qa.scope import InstitutionMatcher, Match, question_years, year_matches
from qa.service import Service
from reportqa.cli import main

from .conftest import fictional_report, shared_path

# ----------------------------------------------------------------- detection on invented pages
PAGES = [
    # the title line, 学年 form
    ("云岭测试大学2022-2023学年信息公开工作年度报告\n　　本学年学校共收到信息公开申请3项。\n", "云岭测试大学", "2022-2023"),
    # the title line with a leading year (a stray 年 is not part of the name)
    ("2022年东江市东湖区卫生健康委员会政府信息公开工作年度报告\n　　根据《中华人民共和国政府信息公开条例》，"
     "现编制本年度报告。我局共收到申请2件。\n", "东江市东湖区卫生健康委员会", "2022"),
    # 特向社会公布 … : the verb phrase is not part of the name; the supervising 教育厅 is not the author
    ("根据《高等学校信息公开办法》等规定和东江省教育厅要求，特向社会公布青岚师范学院2021-2022学年度信息公开报告。\n"
     "一、概述\n　　学校持续推进信息公开。\n", "青岚师范学院", "2021-2022"),
    # 现编制 …; a school under a university keeps its whole name
    ("根据教育部《高等学校信息公开办法》和东江省教育厅办公室《关于做好高校信息公开年度报告工作的通知》等要求，"
     "现编制北辰工商大学南湖创新学院2025年度信息公开工作报告。\n一、概述\n　　学院持续推进信息公开。\n",
     "北辰工商大学南湖创新学院", "2025"),
    # 如对本报告有疑问，请与 … 联系
    ("本报告依据《高等学校信息公开办法》编制。\n　　本报告电子版可以从学校信息公开网下载。如对本报告有疑问，"
     "请与海川交通大学党政办公室联系。\n一、概述\n　　我校共收到申请1项。\n", "海川交通大学", ""),
    # a superior body cited over and over (国务院办公厅) is never the author
    ("东江省卫生健康委2022年政府信息公开工作年度报告\n发布时间: 2023-01-31\n　　根据《中华人民共和国政府信息公开条例》"
     "和《国务院办公厅政府信息与政务公开办公室关于印发<格式>的通知》的要求，编制省卫生健康委政府信息公开工作年度报告。"
     "国务院办公厅、国务院办公厅、国务院办公厅。\n", "东江省卫生健康委员会", "2022"),  # 卫生健康委 in full
    # traditional script
    ("雲嶺測試大學2022-2023學年信息公開工作年度報告\n　　本學年學校共收到信息公開申請3項。\n", "云岭测试大学", "2022-2023"),
    # 现向社会公布2021年…局: 局官网 is no 局
    ("根据《中华人民共和国政府信息公开条例》，现向社会公布2021年东江市教育局政府信息公开工作年度报告。\n　　2021年，"
     "我局公开各类信息共计100条，其中通过政府网站及局官网公开信息80条。\n", "东江市教育局", "2021"),
    # frequency: 日成立了 … is not part of the name, and 学校师生…学校 is no name
    ("2013-2014学年度，我校认真贯彻落实《高等学校信息公开办法》。\n　　2013年9月15日成立了青岚师范学院信息公开工作"
     "领导小组，青岚师范学院党政办公室负责日常工作。学校师生和社会公众参与支持学校信息公开工作。\n",
     "青岚师范学院", "2013-2014"),
    # a body's own name beats the website of the government it publishes on
    ("本报告所列数据的统计期限自2022年1月1日至2022年12月31日。\n　　2022年，东江市东湖区人民政府认真贯彻落实政务公开"
     "要求，本机关共收到政府信息公开申请5件。本年度报告电子版可在东江市人民政府网站查阅。\n", "东江市东湖区人民政府", "2022"),
    # a "2020年度" report over an academic period is the 2019-2020 report
    ("2020年度信息公开工作年度报告\n云岭测试大学\n(2020年10月30日)\n　　现将我校2020年度（2019年9月1日-2020年8月31日）"
     "信息公开工作总结如下。\n", "云岭测试大学", "2019-2020"),
]


@pytest.mark.parametrize("page, institution, year", PAGES)
def test_detection_on_invented_pages(page, institution, year):
    text, _ = clean_segments([(None, page)])
    meta = detect(text, page)
    assert (meta.institution, meta.year) == (institution, year)


GOV_BODY = ("\n　　根据《中华人民共和国政府信息公开条例》和《国务院办公厅政府信息与政务公开办公室关于印发<中华人民共和国"
            "政府信息公开工作年度报告格式>的通知》要求，编制本报告。本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。"
            "\n一、总体情况\n　　2023年，本机关共收到申请3件。\n")


# The forms of government bodies, each as a title line over the same body text.
@pytest.mark.parametrize("title, institution", [
    ("东江市东湖区人民政府办公室关于2023年政府信息公开工作年度报告", "东江市东湖区人民政府办公室"),
    ("南溪县人民政府2023年政府信息公开工作年度报告", "南溪县人民政府"),
    ("青石镇人民政府2023年政府信息公开工作年度报告", "青石镇人民政府"),
    ("东江市东湖区青石街道办事处2023年政府信息公开工作年度报告", "东江市东湖区青石街道办事处"),
    ("东江经济技术开发区管委会2023年政府信息公开工作年度报告", "东江经济技术开发区管委会"),
    ("东江市公共资源交易中心2023年政府信息公开工作年度报告", "东江市公共资源交易中心"),
    ("东江市市场监督管理局2023年政府信息公开工作年度报告", "东江市市场监督管理局"),
    ("东江市发展和改革委员会2023年政府信息公开工作年度报告", "东江市发展和改革委员会"),  # 和 inside a name
    ("东江市人力资源和社会保障局2023年政府信息公开工作年度报告", "东江市人力资源和社会保障局"),
    ("东江省教育厅2023年政府信息公开工作年度报告", "东江省教育厅"),
    ("东江市东湖区人民政府\n2023年政府信息公开工作年度报告", "东江市东湖区人民政府"),  # the name on its own line
])
def test_government_title_lines(title, institution):
    page = title + GOV_BODY
    text, _ = clean_segments([(None, page)])
    assert (detect(text, page).institution, detect(text, page).year) == (institution, "2023")


def test_a_body_named_only_in_its_text():
    page = "2023年政府信息公开工作年度报告" + GOV_BODY.replace("本机关", "东江市生态环境局")
    text, _ = clean_segments([(None, page)])
    assert detect(text, page).institution == "东江市生态环境局"


@pytest.mark.parametrize("published, institution, year", [
    ("2020-10-30", "云岭测试大学", "2019-2020"), ("2023-01-31", "东江市教育局", "2022"),
    ("2023-06-30", "东江市教育局", ""), ("2020-05-30", "云岭测试大学", ""), ("", "云岭测试大学", ""),
])
def test_year_of_publication(published, institution, year):
    assert year_of_publication(published, institution) == year


@pytest.mark.parametrize("raw, published", [
    ("标题\n发布时间:[2017-12-01] 作者:[某人]\n正文", "2017-12-01"),
    ("标题\n(2020年10月30日)\n正文", "2020-10-30"),
    ("标题\n发布日期：2018-10-31　字号：【大 中 小】\n正文", "2018-10-31"),
    ("标题\n[2022-10-31]\n正文", "2022-10-31"),
    ("正文里有2022年10月31日这样的日期。", ""),
])
def test_publication_date(raw, published):
    assert detect_published(raw) == published


def test_publication_date_survives_the_page_chrome():
    raw = "首页 > 信息公开 > 正文\n云岭测试大学2022-2023学年信息公开工作年度报告\n[2023-10-28]　点击：12\n　　正文。\n"
    text, _ = clean_segments([(None, raw)])
    assert detect(text, raw).published == "2023-10-28"


@pytest.mark.parametrize("a, b, same", [
    ("淮安市洪泽区人民政府", "洪泽区人民政府", True),  # a leading place name is no difference
    ("洪泽区人民政府办公室", "洪泽区人民政府", True),  # nor 人民政府 vs 人民政府办公室
    ("东江省卫生健康委", "东江省卫生健康委员会", True),
    ("北京市人民政府", "人民政府", False),  # a bare body names no one
    ("重庆理工大学", "重庆工商大学", False),
    ("金融学院", "合肥经济学院金融学院", False),  # the parent school is not a place
    ("", "", False),
])
def test_same_institution(a, b, same):
    assert same_institution(a, b) is same


@pytest.mark.parametrize("name, places, canon, some_aliases", [
    ("淮安市洪泽区人民政府", ["淮安市", "洪泽区"], "洪泽区人民政府", {"洪泽区人民政府", "洪泽区政府", "淮安市洪泽区政府"}),
    ("北京市人民政府办公厅", ["北京市"], "北京市人民政府", {"北京市政府", "北京政府"}),
    ("北京大学", [], "北京大学", set()),
])
def test_government_names(name, places, canon, some_aliases):
    assert split_places(name)[0] == places
    assert canonical(name) == canon
    assert some_aliases <= set(aliases(name))


@pytest.mark.parametrize("name, places, canon, some_aliases, not_aliases", [
    # a district's office: the district is its place, so the city-prefixed form is the same body
    ("东江市东湖区教育局", ["东江市", "东湖区"], "东湖区教育局", {"东湖区教育局"}, {"教育局"}),
    ("东湖区民族事务委员会", ["东湖区"], "东湖区民族事务委员会", set(), {"民族事务委员会"}),
    # words that only end like a place are not split off (住房和城乡, 城市)
    ("东湖区住房和城乡建设局", ["东湖区"], "东湖区住房和城乡建设局", set(), {"建设局", "住房和城乡建设局"}),
    ("东湖区城市管理局", ["东湖区"], "东湖区城市管理局", set(), {"管理局", "城市管理局"}),
])
def test_office_names_and_aliases(name, places, canon, some_aliases, not_aliases):
    assert split_places(name)[0] == places
    assert canonical(name) == canon
    assert some_aliases <= set(aliases(name))
    assert not not_aliases & set(aliases(name))


@pytest.mark.parametrize("name, text, qualified", [
    # the report writes its district under its city (a website, an address): the city goes in front
    ("东湖区教育局", "本报告在东江市东湖区人民政府网站公布。请联系东湖区教育局。", "东江市东湖区教育局"),
    ("东湖区人民政府", "地址：东江市东湖区湖滨路1号", "东江市东湖区人民政府"),
    ("青岚县卫生健康委员会", "青岚县卫生健康委员会，地址：南湖市青岚县城关镇", "南湖市青岚县卫生健康委员会"),
    # the city is never guessed: no city in the text, or two different ones, leave the name as signed
    ("东湖区教育局", "请联系东湖区教育局办公室。", "东湖区教育局"),
    ("东湖区人民政府", "东江市东湖区与西江市东湖区结对。", "东湖区人民政府"),
    # already qualified, a province-level city, a school: unchanged
    ("东江市东湖区教育局", "南湖省东江市东湖区", "东江市东湖区教育局"),
    ("北京市人民政府", "中国北京市", "北京市人民政府"),
    ("东湖职业学院", "东江市东湖职业学院", "东湖职业学院"),
])
def test_a_body_takes_the_city_its_report_names(name, text, qualified):
    assert qualify(name, text) == qualified


def test_a_report_signed_by_a_district_body_is_listed_under_its_city():
    page = ("东湖区教育局2021年政府信息公开工作年度报告\n　　本年度报告电子版在东江市东湖区人民政府网站公布。"
            "我局共收到申请2件。\n")
    text, _ = clean_segments([(None, page)])
    assert detect(text, page).institution == "东江市东湖区教育局"
    # the matcher finds it by the short form a question uses, with or without the city
    m = InstitutionMatcher(["东江市东湖区教育局", "东湖区教育局", "青岚师范学院"])
    assert sorted(m.match("东湖区教育局2021年收到多少件申请？").found) == ["东江市东湖区教育局", "东湖区教育局"]
    assert sorted(m.match("东江市东湖区教育局的电话？").found) == ["东江市东湖区教育局", "东湖区教育局"]
    assert m.match("教育局的电话？").found == ()


def test_detection_modules_keep_no_year_or_period_pattern_of_their_own():
    """The year forms, periods and name endings are index/lexicon.py's: detection and the question
    matcher import them instead of writing their own (one vocabulary for index/ and qa/)."""
    import inspect
    import re

    import index.metadata
    import index.names
    import qa.scope

    for mod in (index.metadata, index.names, qa.scope):
        src = inspect.getsource(mod)
        assert not re.search(r"(19|20)\\d\{2\}|\\d\{4\}", src), mod.__name__
        assert not re.search(r"^(SUFFIXES|SCHOOL_SUFFIXES|NAME_SUFFIXES|GOV_BODIES|PERIOD)\s*=", src, re.M), mod.__name__


def test_detection_segments_with_the_segmenter_it_is_given():
    """use_segmenter swaps jieba for another segmenter (eval/compare_segmenters.py measures LAC so);
    None restores jieba. A segmenter that tags every word a verb leaves no name to find."""
    from index.metadata import jieba_pos, use_segmenter

    page = "云岭测试大学2022-2023学年信息公开工作年度报告\n　　本学年学校共收到信息公开申请3项。\n"
    try:
        use_segmenter(lambda text: tuple((w, "v") for w, _ in jieba_pos(text)))
        assert detect(page).institution == ""
    finally:
        use_segmenter(None)
    assert detect(page).institution == "云岭测试大学"


def test_a_period_with_a_comma_before_its_end():
    """起…, 至…止 with a comma between: the lexicon's PERIOD reads it (a wild report writes so)."""
    page = "东江大学2024-2025学年信息公开工作年度报告\n本报告统计时间为2024年9月1日起，至2025年8月31日止。\n"
    text, _ = clean_segments([(None, page)])
    assert detect(text, page).period_norm == "2024-09-01/2025-08-31"


@pytest.mark.parametrize("period, year", [
    ("2019年9月1日—2020年10月31日", "2019-2020"), ("2014—2015学年度", "2014-2015"),
    ("2021年1月1日至12月31日", "2021"), ("2023年度", "2023"), ("自2023年9月1日到2024年8月31日止", "2023-2024"),
    ("", ""),
])
def test_year_of_period(period, year):
    assert year_of_period(period) == year


# ------------------------------------------------------------------ every dev manifest
SEEDS = {"000_": "重庆理工大学", "001_": "湖南工商大学", "002_": "XX医学高等专科学校", "003_": "新疆医科大学厚博学院",
         "004_": "浙江工贸职业技术学院"}


def _detected(path):
    _, _, segs = read_file(path, 10 ** 8)
    text, _ = clean_segments(segs)
    return detect(text, "\n".join(t for _, t in segs))


@pytest.mark.shared
def test_seed_detection_rate():
    files = sorted(shared_path("seeds").glob("*.txt"))
    misses = [p.name for p in files
              if not same_institution(_detected(p).institution, next(v for k, v in SEEDS.items() if p.name.startswith(k)))]
    assert (len(files), misses) == (5, [])


# wild_more/025.txt names itself 金融学院 only: its parent school (in the manifest) is nowhere in
# the text, so detection cannot know it; `reportqa docs --set` is the remedy.
@pytest.mark.shared
@pytest.mark.parametrize("folder, reports, misses", [
    ("wild_dev", 12, []), ("wild_more", 36, ["025.txt"]), ("gov", 1, []),
])
def test_dev_manifest_detection_rate(folder, reports, misses):
    manifest = load_overrides(shared_path(folder, "manifest.jsonl"))
    bad_inst, bad_year = [], []
    for doc, exp in manifest.items():
        meta = _detected(shared_path(folder, "docs", doc))
        if not same_institution(meta.institution, exp["institution"]):
            bad_inst.append(doc)
        if meta.year != year_of_period(exp["period"]):
            bad_year.append(doc)
    print(f"{folder}: institution {reports - len(bad_inst)}/{reports}, year {reports - len(bad_year)}/{reports}")
    assert (len(manifest), bad_inst, bad_year) == (reports, misses, [])


# ------------------------------------------------------------------- docs --check / --set
BODY = ("2023年东江市东湖区人民政府政府信息公开工作年度报告\n　　本报告所列数据统计期限自2023年1月1日至2023年12月31日。"
        "\n一、总体情况\n　　2023年本机关共收到政府信息公开申请{n}件。\n")


def _corpus(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "a.txt").write_text(fictional_report("云岭测试大学", 3), encoding="utf-8")
    (d / "b.txt").write_text(BODY.format(n=4), encoding="utf-8")
    # detected as 南湖职业学院 (the name it gives itself); the manifest says otherwise
    (d / "c.txt").write_text(fictional_report("南湖职业学院", 2), encoding="utf-8")
    (d / "manifest.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"doc": "a.txt", "institution": "云岭测试大学", "period": "2023年9月1日至2024年8月31日"},
        {"doc": "b.txt", "institution": "东江市东湖区人民政府办公室", "period": "2023年1月1日至2023年12月31日"},
        {"doc": "c.txt", "institution": "南湖职业技术学院", "period": "2023-2024学年"},
        {"doc": "d.txt", "institution": "海川交通大学"},
    ]) + "\n", encoding="utf-8")
    return d


def test_docs_check_prints_each_report_and_the_rate(tmp_path, capsys):
    d = _corpus(tmp_path)
    ix = str(tmp_path / "ix")
    assert main(["ingest", str(d), "--index", ix, "--model", "hash", "--no-manifest"]) == 0
    capsys.readouterr()
    assert main(["docs", "--index", ix, "--model", "hash", "--check", str(d / "manifest.jsonl")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "ok  \ta.txt\t云岭测试大学\t云岭测试大学\tok 2023-2024",
        "ok  \tb.txt\t东江市东湖区人民政府\t东江市东湖区人民政府办公室\tok 2023",
        "DIFF\tc.txt\t南湖职业学院\t南湖职业技术学院\tok 2023-2024",
        "DIFF\td.txt\t-\t海川交通大学",
        "institution: 2/4 exact (50.0%); year: 3/3 (100.0%); not indexed: d.txt",
    ]
    assert main(["docs", "--index", ix, "--model", "hash", "--check", str(d / "manifest.jsonl"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["exact"], out["reports"], out["rate"], out["missing"]) == (2, 4, 0.5, ["d.txt"])
    assert main(["docs", "--index", ix, "--model", "hash", "--check", str(tmp_path / "nope.jsonl")]) == 1


def test_ingest_reads_a_manifest_beside_the_reports_unless_told_not_to(tmp_path, capsys):
    d = _corpus(tmp_path)
    for flag, want in (([], "南湖职业技术学院"), (["--no-manifest"], "南湖职业学院")):
        ix = str(tmp_path / f"ix{len(flag)}")
        assert main(["ingest", str(d), "--index", ix, "--model", "hash", *flag]) == 0
        capsys.readouterr()
        main(["docs", "--json", "--index", ix, "--model", "hash"])
        assert {r["doc"]: r["institution"] for r in json.loads(capsys.readouterr().out)}["c.txt"] == want


@pytest.mark.parametrize("name, site, institution", [
    # a department-named college under the school its page's title or site name gives
    ("金融学院", ("2023-2024学年信息公开年度报告-金融学院-东江经济学院",), "东江经济学院金融学院"),
    ("经济管理学院", ("首页 - 东江大学",), "东江大学经济管理学院"),
    ("金融学院", ("东江大学金融学院",), "东江大学金融学院"),  # the site writes the whole name
    # nothing to add: no school in the site names, no site names, a school of its own, not a 学院
    ("金融学院", ("信息公开网",), "金融学院"),
    ("金融学院", (), "金融学院"),
    ("东江师范学院", ("东江大学",), "东江师范学院"),
    ("云岭测试大学", ("东江大学",), "云岭测试大学"),
])
def test_a_department_named_college_takes_the_school_its_page_names(name, site, institution):
    assert with_parent(name, site) == institution


def test_page_names_and_an_html_report_under_its_site_name(tmp_path, capsys):
    html = ("<html><head><meta property=\"og:site_name\" content=\"东江经济学院\">"
            "<title>信息公开年度报告 - 金融学院</title></head><body><article>"
            "<h1>金融学院2023-2024学年信息公开工作年度报告</h1>"
            "<p>现公布金融学院2023-2024学年信息公开工作年度报告。如对本报告有疑问，请联系金融学院办公室。</p>"
            "<p>一、概述。本学年学院共收到信息公开申请3项，均已按期答复。学院持续完善信息公开制度。</p>"
            "</article></body></html>")
    assert page_names(html.encode()) == ("东江经济学院", "信息公开年度报告 - 金融学院")
    d = tmp_path / "docs"
    d.mkdir()
    (d / "r.html").write_text(html, encoding="utf-8")
    (d / "r.txt").write_text(fictional_report("金融学院", 3), encoding="utf-8")  # no page: as signed
    ix = str(tmp_path / "ix")
    assert main(["ingest", str(d), "--index", ix, "--model", "hash", "--no-manifest"]) == 0
    got = {k: v["institution"] for k, v in _docs(ix, capsys).items()}
    assert got == {"r.html": "东江经济学院金融学院", "r.txt": "金融学院"}


def _docs(ix, capsys):
    capsys.readouterr()
    assert main(["docs", "--json", "--index", ix, "--model", "hash"]) == 0
    return {r["doc"]: r for r in json.loads(capsys.readouterr().out)}


def test_docs_set_survives_reingest_and_rebuild(tmp_path, capsys):
    d = _corpus(tmp_path)
    ix = str(tmp_path / "ix")
    assert main(["ingest", str(d), "--index", ix, "--model", "hash", "--no-manifest"]) == 0
    assert main(["docs", "--index", ix, "--model", "hash", "--set", "c.txt", "--institution", "南湖职业技术学院",
                 "--year", "2022-2023"]) == 0
    assert "set      c.txt: 南湖职业技术学院 2022-2023" in capsys.readouterr().out
    assert (_docs(ix, capsys)["c.txt"]["institution"], _docs(ix, capsys)["c.txt"]["year"]) == ("南湖职业技术学院", "2022-2023")
    # the chunks and the answers carry the corrected name at once
    svc = Service(Settings(index_dir=tmp_path / "ix", model="hash"), HashEmbedder())
    ans = svc.ask("南湖职业技术学院收到多少项信息公开申请？")
    assert (ans.abstained, ans.value, ans.citations[0].institution) == (False, "2", "南湖职业技术学院")
    # a changed file is re-read and re-detected: the correction still applies
    (d / "c.txt").write_text(fictional_report("南湖职业学院", 5), encoding="utf-8")
    assert main(["ingest", str(d), "--index", ix, "--model", "hash", "--no-manifest"]) == 0
    row = _docs(ix, capsys)["c.txt"]
    assert (row["institution"], row["year"]) == ("南湖职业技术学院", "2022-2023")
    assert main(["ingest", "--rebuild", str(d), "--index", ix, "--model", "hash", "--no-manifest"]) == 0
    assert _docs(ix, capsys)["c.txt"]["institution"] == "南湖职业技术学院"
    # only the year: the institution stays
    assert main(["docs", "--index", ix, "--model", "hash", "--set", "c.txt", "--year", "2023"]) == 0
    row = _docs(ix, capsys)["c.txt"]
    assert (row["institution"], row["year"]) == ("南湖职业技术学院", "2023")


@pytest.mark.parametrize("args, message", [
    (["--set", "zzz.txt", "--institution", "某大学"], "no document named 'zzz.txt'"),
    (["--set", "a.txt", "--year", "2023-2025"], "neither a year"),
    (["--set", "a.txt", "--year", "去年"], "neither a year"),
    (["--set", "a.txt", "--institution", "  "], "institution is empty"),
    (["--set", "a.txt"], "give --institution and/or --year"),
    (["--institution", "某大学"], "go with --set DOC"),
])
def test_docs_set_errors(tmp_path, capsys, args, message):
    d = _corpus(tmp_path)
    ix = str(tmp_path / "ix")
    assert main(["ingest", str(d / "a.txt"), "--index", ix, "--model", "hash"]) == 0
    capsys.readouterr()
    assert main(["docs", "--index", ix, "--model", "hash", *args]) == 1
    assert message in capsys.readouterr().err


def test_ui_reports_tab_correction(tmp_path):
    from ui.app import correct_report, docs_table

    d = _corpus(tmp_path)
    svc = Service(Settings(index_dir=tmp_path / "ix", model="hash"), HashEmbedder())
    svc.ingest([d / "c.txt"])
    msg, rows = correct_report(svc, "c.txt", "南湖职业技术学院", "")
    assert msg == "已更正 c.txt：南湖职业技术学院 2023-2024（重新导入也会保留）"
    assert [r[0] for r in rows] == ["南湖职业技术学院"] and rows == docs_table(svc)
    assert svc.engine().institutions() == ["南湖职业技术学院"]
    msg, _ = correct_report(svc, "c.txt", "", "明年")
    assert msg.startswith("未更正：") and "neither a year" in msg
    assert correct_report(svc, "", "某校", "")[0] == "请先选择要更正的报告"
    with pytest.raises(InvalidCorrection):
        svc.correct("c.txt")


# --------------------------------------------------------------------- names in questions
GOV = ["东湖区人民政府", "东江市东湖区人民政府", "淮安市洪泽区人民政府", "北京市人民政府办公厅", "东江市教育局",
       "东江理工大学", "青岚师范学院"]


@pytest.mark.parametrize("question, found, unknown, ambiguous", [
    # one body, two written forms: both (its reports of different years)
    ("东湖区人民政府2024年收到多少件申请？", ["东江市东湖区人民政府", "东湖区人民政府"], [], []),
    ("东江市东湖区人民政府收到多少件申请？", ["东江市东湖区人民政府", "东湖区人民政府"], [], []),
    ("东湖区政府的电话是多少？", ["东江市东湖区人民政府", "东湖区人民政府"], [], []),
    # short forms with or without the city, 政府 for 人民政府
    ("洪泽区政府收到多少申请？", ["淮安市洪泽区人民政府"], [], []),
    ("洪泽区人民政府收到多少申请？", ["淮安市洪泽区人民政府"], [], []),
    ("淮安市洪泽区政府收到多少申请？", ["淮安市洪泽区人民政府"], [], []),
    # a city named alone is its 人民政府
    ("2022年北京收到多少件申请？", ["北京市人民政府办公厅"], [], []),
    ("北京市政府的邮箱是什么？", ["北京市人民政府办公厅"], [], []),
    # a school abbreviation not indexed is unknown (never another school's answer)
    ("北大的电话是多少？", [], ["北大"], []),
    ("国科大的电话是多少？", [], ["国科大"], []),
    # a school named in full that is not indexed
    ("北京大学收到多少申请", [], ["北京大学"], []),
    # a school's first word alone, when it is the only one starting so
    ("青岚的电话是多少？", ["青岚师范学院"], [], []),
])
def test_matcher_names(question, found, unknown, ambiguous):
    m = InstitutionMatcher(GOV).match(question)
    assert (sorted(m.found), list(m.unknown), [(w, tuple(sorted(o))) for w, o in m.ambiguous]) == \
        (sorted(found), unknown, ambiguous)


def test_matcher_is_stateless_and_its_result_frozen():
    matcher = InstitutionMatcher(GOV)
    a = matcher.match("洪泽区政府收到多少申请？")
    b = matcher.match("青岚师范学院收到多少申请？")
    assert a == Match(("淮安市洪泽区人民政府",), (), ("洪泽区政府",), ())  # not changed by the second call
    assert b.found == ("青岚师范学院",) and b.aliases == ()
    assert not hasattr(matcher, "last_aliases") and not hasattr(matcher, "last_ambiguous")
    with pytest.raises(FrozenInstanceError):
        a.found = ()
    found, unknown = a  # unpacks as before
    assert (found, unknown) == (["淮安市洪泽区人民政府"], [])


def test_matcher_lists_the_choices_of_an_ambiguous_mention():
    m = InstitutionMatcher(["东江理工大学", "东江师范学院"]).match("东江的电话是多少？")
    assert (m.found, m.ambiguous) == ((), (("东江", ("东江师范学院", "东江理工大学")),))


@pytest.mark.parametrize("question, years", [
    ("22-23学年收到多少申请", ["2022-2023"]), ("二〇二三年收到多少申请", ["2023"]),
    ("2022—2023学年度", ["2022-2023"]), ("2023年度报告", ["2023"]), ("本学年", []),
])
def test_question_year_forms(question, years):
    assert question_years(question) == years


@pytest.mark.parametrize("doc_year, asked, match", [
    ("2023", ["2023"], True), ("2022-2023", ["2023"], True), ("2023-2024", ["2023"], False),
    ("2022-2023", ["2022-2023"], True), ("2022", ["2022-2023"], True), ("", ["2023"], False),
])
def test_year_matches_by_kind(doc_year, asked, match):
    assert year_matches(doc_year, asked) is match


def _gov_report(name: str, year: int, n: int) -> str:
    return (f"{year}年{name}政府信息公开工作年度报告\n　　本报告所列数据统计期限自{year}年1月1日至{year}年12月31日。\n"
            f"一、总体情况\n　　{year}年本机关共收到政府信息公开申请{n}件。\n")


def test_one_body_under_two_names_answers_each_year(hash_service, tmp_path):
    d = tmp_path / "gov"
    d.mkdir()
    (d / "dh2023.txt").write_text(_gov_report("东湖区人民政府", 2023, 7), encoding="utf-8")
    (d / "dh2024.txt").write_text(_gov_report("东江市东湖区人民政府", 2024, 9), encoding="utf-8")
    (d / "ql.txt").write_text(fictional_report("青岚师范学院", 3), encoding="utf-8")
    hash_service.ingest([d])
    ans = hash_service.ask("东湖区人民政府2024年收到多少件申请？")
    assert (ans.abstained, ans.value, ans.citations[0].doc) == (False, "9", "dh2024.txt")
    ans = hash_service.ask("东湖区政府2023年收到多少件申请？")
    assert (ans.value, ans.citations[0].doc) == ("7", "dh2023.txt")
    ans = hash_service.ask("东湖区人民政府2021年收到多少件申请？")
    assert ans.abstained and ans.answer == "东湖区人民政府没有2021的报告，无法回答。"
    for q in ("北大的电话是多少？", "国科大的电话是多少？"):
        ans = hash_service.ask(q)
        assert ans.abstained and ans.citations == [] and "索引中没有" in ans.answer, q
    # a filter that contradicts the question is an error, never the filter's figure
    with pytest.raises(ConflictingScope):
        hash_service.ask("东湖区人民政府2024年收到多少件申请？", filters={"institution": "青岚师范学院"})
    with pytest.raises(ConflictingScope):
        hash_service.ask("北京大学2024年收到多少件申请？", filters={"institution": "青岚师范学院"})
    # a filter naming the same body in another written form is no contradiction
    ans = hash_service.ask("东湖区人民政府2024年收到多少件申请？", filters={"institution": "东湖区人民政府"})
    assert ans.value == "9"


def test_a_calendar_year_of_a_school_says_which_academic_year(hash_service, tmp_path):
    d = tmp_path / "school"
    d.mkdir()
    (d / "y1.txt").write_text(fictional_report("青岚师范学院", 3).replace("2023-2024", "2022-2023")
                              .replace("2023年9月1日至2024年8月31日", "2022年9月1日至2023年8月31日"), encoding="utf-8")
    (d / "y2.txt").write_text(fictional_report("青岚师范学院", 8), encoding="utf-8")
    hash_service.ingest([d])
    ans = hash_service.ask("青岚师范学院2023年收到多少项信息公开申请？")
    assert (ans.value, ans.citations[0].doc) == ("3", "y1.txt")
    assert ans.answer.endswith("（按2022-2023学年报告）")
    ans = hash_service.ask("青岚师范学院2023-2024学年收到多少项信息公开申请？")
    assert (ans.value, ans.answer.endswith("学年报告）")) == ("8", False)


@pytest.mark.parametrize("backend", ["faiss", "milvus"])
def test_correction_on_each_backend(tmp_path, backend):
    if backend == "milvus":
        pytest.importorskip("pymilvus")
        pytest.importorskip("milvus_lite")
    root = tmp_path / "ix"
    settings = Settings(index_dir=root, model="hash", backend=backend,
                        milvus_uri=str(root / "milvus.db") if backend == "milvus" else "")
    svc = Service(settings, HashEmbedder())
    d = _corpus(tmp_path)
    svc.ingest([d / "a.txt", d / "c.txt"])
    svc.correct("c.txt", "南湖职业技术学院", None)
    eng = svc.engine()
    assert sorted(eng.institutions()) == ["云岭测试大学", "南湖职业技术学院"]
    chunks = eng.index.store.chunks(doc="c.txt")
    assert chunks and {c.institution for c in chunks} == {"南湖职业技术学院"}
    hits = eng.search("南湖职业技术学院收到多少项信息公开申请？")
    assert hits and {h.chunk.doc for h in hits} == {"c.txt"}
