"""Write the reader's training corpus: invented annual reports and their gold questions.

    python -m eval.make_train_corpus

  eval/corpus/train/*.txt          16 invented reports (11 schools, 5 government bodies)
  eval/corpus/train_qa.jsonl       gold questions over them

Every school, body, person, address, phone number and figure here is invented. The reports follow
the national templates (高等学校信息公开工作年度报告: 概述 … 其他需要报告的事项; 政府信息公开工作年度报告:
总体情况 … 存在的主要问题) in prose, with the wording varied from report to report the way real reports
vary it. They exist to give the fitted reader (eval.fit) more examples of the genre's answer shapes
than the dev sets hold: a fax number beside a phone number, a rate beside the counts it is computed
from, one figure among several in a sentence picked by its own label, the contact of one office
among several offices, the holder of a role, the office that compiles the report, where it is
published, and what a report calls its first platform. Each shape is asked in at least four
reports, with other figures, offices or dates beside the answer.

The gold rows are built with the text, so each answer and its evidence are spans of the report
(checked when writing). The output is deterministic (a fixed seed).
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT_DIR = ROOT / "corpus" / "train"
QA_PATH = ROOT / "corpus" / "train_qa.jsonl"


@dataclass
class Report:
    """One invented report being written: its paragraphs and the gold questions over them."""

    file: str
    inst: str
    year: str  # "2021-2022" for a school, "2022" for a body
    school: bool
    office: str
    rng: random.Random
    paras: list[str] = field(default_factory=list)
    qa: list[dict] = field(default_factory=list)
    lists: dict = field(default_factory=dict)  # the report's enumerations: "问题"/"措施" -> items in order

    @property
    def ord_rng(self) -> random.Random:
        """The second random stream (the enumerations and the questions over them), by report."""
        if not hasattr(self, "_ord"):
            self._ord = random.Random(f"ordinal-{self.file}")
        return self._ord

    @property
    def when(self) -> str:
        return f"{self.year}学年" if self.school else f"{self.year}年"

    def ask(self, question: str, answer: str, kind: str, evidence: str, p: float = 0.6) -> None:
        """Add a gold question with probability ``p`` (every report asks a different subset)."""
        if self.rng.random() < p:
            self.qa.append({"question": question, "answer": answer, "type": kind, "evidence": evidence})

    def none(self, question: str) -> None:
        self.qa.append({"question": question, "answer": "", "type": "none", "evidence": ""})


def phone(rng: random.Random, area: str) -> str:
    return f"{area}-{rng.randint(2, 8)}{rng.randint(100000, 999999)}"


def pick(rng: random.Random, xs):
    return xs[rng.randrange(len(xs))]


# ------------------------------------------------------------------ school report parts

def s_intro(r: Report, dom: str, area: str) -> None:
    rng, inst, office = r.rng, r.inst, r.office
    y0, y1 = r.year.split("-")
    basis = pick(rng, ["根据《高等学校信息公开办法》和《高等学校信息公开事项清单》的要求",
                       "依据《中华人民共和国政府信息公开条例》《高等学校信息公开办法》等有关规定",
                       "按照教育部办公厅关于做好高等学校信息公开年度报告工作的通知要求",
                       "为贯彻落实《高等学校信息公开办法》，进一步推进校务公开"])
    comp = [f"本报告由{inst}{office}编制", f"{inst}{office}在各单位报送材料的基础上编制了本年度报告",
            f"学校{office}汇总各职能部门提供的数据，编制了本报告", f"本年度报告由学校{office}负责编制"][rng.randrange(4)]
    r.ask(f"{inst}{r.when}信息公开工作年度报告由哪个部门编制？", office, "text", comp)  # the sentence is its evidence
    period = f"{y0}年9月1日至{y1}年8月31日"
    v = rng.randrange(4)
    if v == 0:
        site, place = "门户网站“信息公开”专栏", f"本报告电子版在{inst}门户网站“信息公开”专栏登载"
    elif v == 1:
        site, place = f"信息公开网（xxgk.{dom}.edu.cn）", f"报告全文在学校信息公开网（xxgk.{dom}.edu.cn）公布"
    elif v == 2:
        site, place = "网站通知公告专栏、信息公开专栏", f"本报告同时在{inst}网站通知公告专栏、信息公开专栏登载"
    else:
        site, place = "官方网站“信息公开”栏目", "本报告可在学校官方网站“信息公开”栏目查阅和下载"
    r.ask(pick(rng, [f"{inst}的信息公开工作年度报告在哪里登载？", f"{inst}{r.when}信息公开年度报告在什么地方公布？",
                     f"哪里可以查到{inst}的信息公开年度报告？"]), site, "text", place)
    tel, fax = phone(rng, area), phone(rng, area)
    mail = f"xxgk@{dom}.edu.cn"
    addr = f"{inst[:2]}市{pick(rng, ['学府路', '文苑路', '湖滨大道', '科教大道'])}{rng.randint(8, 299)}号"
    v = rng.randrange(3)
    if v == 0:
        contact = f"如对本报告有疑问，请联系{inst}{office}（电话：{tel}，传真：{fax}，电子邮箱：{mail}）"
        tel_ev, fax_ev = f"电话：{tel}", f"传真：{fax}"
    elif v == 1:
        contact = (f"联系单位：{inst}{office}；联系地址：{addr}；邮政编码：{rng.randint(100000, 850000)}；"
                   f"联系电话：{tel}；传真：{fax}；电子邮箱：{mail}")
        tel_ev, fax_ev = f"联系电话：{tel}", f"传真：{fax}"
    else:
        contact = (f"对本报告如有疑问或建议，请与{inst}{office}联系，联系电话{tel}，传真号码{fax}，"
                   f"邮箱{mail}")
        tel_ev, fax_ev = f"联系电话{tel}", f"传真号码{fax}"
    r.paras.append(f"{inst}{r.when}信息公开工作年度报告")
    r.paras.append(f"　　{basis}，{comp}。本报告所列数据的统计期限为{period}。{place}。{contact}。")
    r.ask(pick(rng, [f"{inst}{office}的传真号码是多少？", f"{inst}信息公开工作的传真是多少？"]), fax, "phone", fax_ev, 0.8)
    if rng.random() < 0.6:
        r.ask(pick(rng, [f"{inst}{office}的联系电话是多少？", f"就{inst}的信息公开年度报告有疑问应拨打什么电话？"]),
              tel, "phone", tel_ev)
    if rng.random() < 0.4:
        r.ask(f"{inst}{r.when}信息公开年度报告的数据统计期限是什么？", period, "date", period)


def s_overview(r: Report, y_lead: int) -> None:
    rng, inst = r.rng, r.inst
    head = pick(rng, ["学", "院"]) if "学院" in inst else "学"
    boss = "院长" if "学院" in inst else "校长"
    role = pick(rng, [boss, f"党委书记、{boss}", f"党委书记和{boss}", "党委书记"])
    deputy = pick(rng, [f"分管副{boss}", f"分管办公室工作的副{boss}", f"党委副书记和分管副{boss}"])
    v = rng.randrange(4)
    if v == 0:
        lead = f"学校成立了以{role}为组长、{deputy}为副组长的信息公开工作领导小组"
    elif v == 1:
        lead = f"信息公开工作领导小组组长由{role}担任，{deputy}任副组长，各部门主要负责人为成员"
    elif v == 2:
        lead = f"{y_lead}年，学校成立了由{role}担任组长的信息公开工作领导小组，{deputy}担任副组长"
        r.ask(f"{inst}是哪一年成立信息公开工作领导小组的？", f"{y_lead}年", "date", f"{y_lead}年，学校成立了由{role}担任组长")
    else:
        lead = f"学校信息公开工作领导小组由{role}任组长，{deputy}任副组长，领导小组办公室设在{r.office}"
    lead_ev = lead[:lead.index("组长") + 2] if v != 1 else f"信息公开工作领导小组组长由{role}担任"
    r.ask(pick(rng, [f"{inst}信息公开工作领导小组的组长由谁担任？", f"{inst}信息公开领导小组组长是谁？"]), role, "text", lead_ev)
    if rng.random() < 0.4:
        i = lead.index(deputy)
        r.ask(f"{inst}信息公开工作领导小组的副组长由谁担任？", deputy, "text", lead[i:i + len(deputy) + 4])
    a, b = rng.randint(9, 24), rng.randint(12, 40)
    meet = pick(rng, [f"本{head}年，学校召开党委常委会{a}次、校长办公会{b}次，研究涉及师生切身利益的重要事项",
                      f"全年召开党委会{a}次、{boss}办公会{b}次，会议决定事项除依法不予公开的外均在校内公开"])
    platform = pick(rng, ["学校门户网站", "信息公开网", "校园网站", "信息公开专栏"])
    others = pick(rng, ["官方微信公众号、官方微博", "校报、宣传栏、电子显示屏", "校内办公系统和微信公众号"])
    v = rng.randrange(3)
    if v == 0:
        plat = f"逐步形成了以{platform}为第一平台，{others}为补充的信息公开体系"
    elif v == 1:
        plat = f"学校坚持以{platform}为信息公开第一平台，同时利用{others}及时发布信息"
    else:
        plat = f"学校将{platform}作为信息公开的第一平台，{others}协同发布"
    i = plat.index(platform)
    r.ask(pick(rng, [f"{inst}的信息公开以什么为第一平台？", f"{inst}把什么作为信息公开的第一平台？"]), platform, "text",
          plat[i:plat.index("第一平台") + 4])
    train = rng.randint(2, 6)
    rules = pick(rng, [f"{y_lead + 1}年3月，学校修订了《{inst}信息公开实施办法》，{y_lead + 3}年又制定了《信息公开保密审查规定》，"
                       "明确了公开范围、公开程序和责任追究",
                       f"学校先后印发《{inst}信息公开工作规定》和《信息发布审核办法》，并于本学年对公开事项清单进行了第{rng.randint(2, 5)}次修订",
                       f"学校建立了信息公开工作例会制度，每学期召开例会{rng.randint(1, 3)}次，通报各单位信息更新情况"])
    r.paras += ["一、概述",
                f"　　{r.when.replace('学年', '学年，')}学校坚持“以公开为常态、不公开为例外”，把信息公开作为依法治校和民主管理的"
                f"重要抓手。{lead}。{meet}。",
                f"　　{plat}。本{head}年组织信息公开业务培训{train}次，各二级单位均明确了一名信息员，负责本单位信息的"
                f"采集、审核和报送，落实“先审后发”的保密审查制度。",
                f"　　{rules}。学校把信息公开工作纳入二级单位年度目标考核，考核结果与评优评先挂钩。"]


def s_active(r: Report) -> None:
    rng, inst = r.rng, r.inst
    n2, n3, rm = rng.randint(2, 9), rng.randint(10, 36), rng.randint(3, 20)
    v = rng.randrange(3)
    if v == 0:
        cat = f"本学年对信息公开目录进行了梳理，新增了{n2}项二级子目录及{n3}项三级子目录，删除失效条目{rm}条"
    elif v == 1:
        cat = f"学校动态调整信息公开目录，新增二级目录{n2}个、三级目录{n3}个，并清理过期信息{rm}条"
    else:
        cat = f"对照事项清单，学校在信息公开网增设二级栏目{n2}个，下设三级栏目{n3}个，撤并栏目{rm}个"
    ev2 = {0: f"{n2}项二级子目录", 1: f"二级目录{n2}个", 2: f"二级栏目{n2}个"}[v]
    ev3 = {0: f"{n3}项三级子目录", 1: f"三级目录{n3}个", 2: f"三级栏目{n3}个"}[v]
    if rng.randrange(2) == 0:
        r.ask(pick(rng, [f"{inst}{r.when}新增了多少项三级目录？", f"{inst}{r.when}信息公开目录新增三级目录多少个？"]),
              str(n3), "count", ev3, 0.8)
    else:
        r.ask(f"{inst}{r.when}信息公开目录新增了几个二级目录？", str(n2), "count", ev2, 0.8)
    notice, news, other = rng.randint(60, 400), rng.randint(200, 900), rng.randint(0, 80)
    total = notice + news + other
    v = rng.randrange(3)
    if v == 0:
        web = f"学校门户网站全年发布新闻动态{news}篇、通知公告{notice}篇、招标采购信息{other}篇，共计{total}篇"
    elif v == 1:
        web = f"通过门户网站发布新闻{news}条，通知公告{notice}条，其他信息{other}条，合计{total}条"
    else:
        web = f"信息公开网更新各类信息共{total}条，其中通知公告{notice}条、新闻报道{news}条、其他{other}条"
    k = rng.randrange(2)
    if k == 0:
        ev = web[web.index("共计") if "共计" in web else (web.index("合计") if "合计" in web else web.index("共")):]
        ev = ev if "其中" not in ev else ev[:ev.index("，")]
        r.ask(f"{inst}{r.when}通过网站共发布了多少条信息？", str(total), "count", ev)
    else:
        r.ask(f"{inst}{r.when}发布了多少条通知公告？", str(notice), "count", f"通知公告{notice}")
    posts, orig, reads = rng.randint(150, 700), 0, rng.randint(20, 260)
    orig = rng.randint(posts // 3, posts - 20)
    v = rng.randrange(3)
    if v == 0:
        wx = f"官方微信公众号共发布推文{posts}篇，其中{orig}篇为原创，累计阅读量{reads}万次"
        ev = f"其中{orig}篇为原创"
    elif v == 1:
        wx = f"学校微信公众号全年推送{posts}篇，原创{orig}篇，粉丝增至{reads}万人"
        ev = f"原创{orig}篇"
    else:
        wx = f"官方微博、微信共发布信息{posts}条，其中原创内容{orig}条，总阅读量超过{reads}万"
        ev = f"其中原创内容{orig}条"
    if rng.random() < 0.5:
        r.ask(pick(rng, [f"{inst}官方微信公众号{r.when}发布的推文中有多少篇是原创？", f"{inst}{r.when}新媒体原创内容有多少？"]),
              str(orig), "count", ev)
    else:
        r.ask(f"{inst}{r.when}微信公众号发布了多少篇推文？", str(posts), "count", f"{posts}{'条' if v == 2 else '篇'}")
    r.paras += ["二、主动公开情况",
                f"　　（一）公开目录建设。{cat}，确保《高等学校信息公开事项清单》所列事项全部在目录中有对应栏目。",
                f"　　（二）公开渠道。{web}。{wx}。学校还通过校报、校园广播和宣传栏公开师生关心的事项。",
                "　　（三）重点领域信息公开。学校及时公开了招生录取、财务收支、收费项目、重大建设项目和学生"
                f"资助等信息。本学年公开招生计划{rng.randint(18, 70) * 100}人，发布各类招标公告{rng.randint(20, 150)}项，"
                f"在网站公示学生资助名单{rng.randint(5, 40)}批次；学校年度部门预算和决算均在教育主管部门批复后"
                f"{rng.choice(['20个', '15个', '二十个'])}工作日内公开。",
                "　　（四）回应关切。对师生普遍关心的食堂价格、宿舍调整、评奖评优等事项，相关部门通过网站问答和"
                "座谈会作出说明，做到件件有回复。"]


def s_request(r: Report) -> None:
    rng, inst = r.rng, r.inst
    n = rng.randint(3, 60)
    done = rng.randint(max(1, n - 6), n - 1)
    web_, mail_ = rng.randint(1, n - 1), 0
    mail_ = n - web_
    v = rng.randrange(3)
    if v == 0:
        req = f"本学年共收到信息公开申请{n}件，其中网上申请{web_}件、信函申请{mail_}件；截至统计期末办结{done}件，其余{n - done}件正在办理"
        ev_n, ev_d = f"共收到信息公开申请{n}件", f"办结{done}件"
    elif v == 1:
        req = f"学校收到申请{n}件（网络{web_}件，当面{mail_}件），本年度办结{done}件，结转下学年{n - done}件"
        ev_n, ev_d = f"收到申请{n}件", f"本年度办结{done}件"
    else:
        req = f"全年受理依申请公开{n}项，已答复{done}项，另有{n - done}项因需第三方意见延期答复"
        ev_n, ev_d = f"受理依申请公开{n}项", f"已答复{done}项"
    if rng.random() < 0.5:
        r.ask(pick(rng, [f"{inst}{r.when}办结了多少件信息公开申请？", f"{inst}{r.when}已经办结或答复的信息公开申请有多少？"]),
              str(done), "count", ev_d)
    else:
        r.ask(f"{inst}{r.when}共收到多少件信息公开申请？", str(n), "count", ev_n)
    a = rng.randint(0, done)
    b = rng.randint(0, done - a)
    c = done - a - b
    res = f"在已办结的申请中，予以公开{a}件，部分公开{b}件，不予公开{c}件，不予公开的原因主要是申请内容属于学校内部管理信息"
    if rng.random() < 0.4:
        r.ask(f"{inst}{r.when}有多少件申请被不予公开？", str(c), "count", f"不予公开{c}件")
    r.paras += ["三、依申请公开和不予公开情况", f"　　{req}。{res}。学校未因依申请公开收取任何费用。",
                "　　申请内容主要涉及招生录取、学历学位认证、人事档案和财务信息等方面。学校对每一件申请登记编号，"
                "由信息公开工作机构转交承办部门，承办部门提出答复意见后经分管领导审核，在规定期限内书面答复申请人。"]
    r.ask(f"{inst}{r.when}办理信息公开申请是否收取了费用？", "否", "yesno", "学校未因依申请公开收取任何费用", 0.3)


def s_review(r: Report, dom: str, area: str) -> None:
    rng, inst = r.rng, r.inst
    sent, back = rng.randint(800, 3000), 0
    back = rng.randint(sent // 2, sent - 10)
    sat = f"{rng.randint(880, 995) / 10:.1f}%"
    v = rng.randrange(3)
    if v == 0:
        rev = f"学校面向师生开展信息公开满意度调查，发放问卷{sent}份，回收有效问卷{back}份，总体满意度为{sat}"
        ev = f"总体满意度为{sat}"
    elif v == 1:
        rev = f"本学年收回测评表{back}份（共发放{sent}份），师生对信息公开工作的满意率达到{sat}"
        ev = f"满意率达到{sat}"
    else:
        rev = f"在教代会和学代会期间组织的测评中，{back}名代表参与评议，对信息公开工作表示满意的占{sat}"
        ev = f"表示满意的占{sat}"
    r.ask(pick(rng, [f"{inst}{r.when}信息公开满意度是多少？", f"{inst}师生对信息公开工作的满意度有多高？"]), sat, "text", ev, 0.8)
    t1, t2 = phone(rng, area), phone(rng, area)
    m2 = f"jjjc@{dom}.edu.cn"
    office2 = pick(rng, ["纪检监察室", "纪委办公室", "监察处"])
    v = rng.randrange(2)
    if v == 0:
        rep = (f"学校公布了信息公开监督举报渠道：{r.office}电话{t1}，邮箱xxgk@{dom}.edu.cn；"
               f"{office2}电话{t2}，邮箱{m2}")
    else:
        rep = (f"师生可就信息公开工作向学校反映意见：{r.office}（电话：{t1}）；{office2}（电话：{t2}，"
               f"电子邮箱：{m2}）")
    if rng.random() < 0.5:
        r.ask(f"{inst}{office2}的举报邮箱是什么？", m2, "email", m2)
    else:
        r.ask(f"{inst}{office2}的电话是多少？", t2, "phone", t2)
    r.paras += ["四、对信息公开的评议情况", f"　　{rev}。多数师生认为学校信息公开内容全面、更新及时。",
                "五、因学校信息公开工作受到举报的情况", f"　　本学年，学校未收到有关信息公开工作的举报。{rep}。"]
    r.ask(f"{inst}{r.when}是否收到过信息公开工作方面的举报？", "否", "yesno", "未收到有关信息公开工作的举报", 0.3)


# The genre's enumerations (一是…；二是…；三是…): a report's 存在的主要问题 and 改进措施 are most often
# listed so, after a label (存在以下问题：) or right under the section heading. Items, their order and
# the label are drawn with a second random stream (Report.ord_rng), so that the main stream, and with
# it every other sentence and question of the corpus, is the same as before the lists were added.
SCHOOL_PROBLEMS = ["部分二级单位对信息公开工作重视不够，信息更新不够及时", "信息公开的形式还比较单一，对新媒体的运用有待加强",
                   "信息员队伍流动较大，业务能力参差不齐", "部分栏目内容更新滞后，公开深度不够",
                   "政策解读和回应关切的力度有待加大", "依申请公开答复的规范性还需提高"]
SCHOOL_PROBLEM_LABELS = ["", "学校信息公开工作还存在一些不足：", "对照上级要求，工作中仍存在以下问题："]
SCHOOL_MEASURES = ["加强对各单位的督促检查，把信息公开纳入年度考核", "定期开展信息员业务培训，提升队伍能力",
                   "完善信息公开目录动态调整机制", "加强政策解读，及时回应师生关切",
                   "建设信息公开网的检索功能，方便师生查阅", "规范依申请公开办理流程，统一答复文书格式"]
SCHOOL_MEASURE_LABELS = ["下一步，学校将重点做好以下工作：", "针对上述问题，学校将采取以下改进措施：",
                         "下一学年，学校将从三个方面加以改进："]
BODY_MEASURES = ["丰富政策解读形式，通过图文、音视频等多种形式解读重要政策", "健全依申请公开办理机制，提升答复质量",
                 "加强政务新媒体管理，确保发布内容准确规范", "进一步细化公开事项目录，加大民生领域信息公开力度"]
BODY_MEASURE_LABELS = ["下一年度，本机关将重点做好以下工作：", "下一步，本机关将从以下方面加以改进："]


def enumerate_items(items: list[str]) -> str:
    """一是…；二是…；三是… over ``items``."""
    return "；".join(f"{'一二三四五六'[i]}是{x}" for i, x in enumerate(items))


def s_close(r: Report) -> None:
    rng, o = r.rng, r.ord_rng
    probs_items = o.sample(SCHOOL_PROBLEMS, 3)
    fix_items = o.sample(SCHOOL_MEASURES, 3)
    probs_label, fix_label = pick(o, SCHOOL_PROBLEM_LABELS), pick(o, SCHOOL_MEASURE_LABELS)
    probs = pick(rng, [probs_label + enumerate_items(probs_items),
                       "个别栏目的内容更新滞后，部分信息的公开深度不够，师生对一些事项的关注点与公开内容之间仍有差距",
                       "信息公开与网站建设、档案管理的衔接还不够紧密，公开信息的解读工作有待加强"])
    fix = pick(rng, [fix_label + enumerate_items(fix_items),
                     "学校将完善信息公开目录动态调整机制，加强政策解读和回应关切，推动信息公开与学校中心工作深度融合",
                     "下一学年，学校将重点建设信息公开网的检索功能，规范公开流程，加强保密审查，提高信息公开的时效性"])
    if "一是" in probs:
        r.lists["问题"] = probs_items
    if "一是" in fix:
        r.lists["措施"] = fix_items
    r.paras += ["六、存在的主要问题及改进措施", f"　　{probs}。{fix}。",
                "七、其他需要报告的事项", "　　本学年无其他需要报告的事项。"]


# ------------------------------------------------------------------ government report parts

def g_report(r: Report, area: str, city: str, dom: str) -> None:
    rng, inst, office = r.rng, r.inst, r.office
    head = "局长" if inst.endswith("局") else ("主任" if inst.endswith("委员会") else ("县长" if inst.endswith("县人民政府") else "区长"))
    role = pick(rng, ["主要负责同志", head, f"党组书记、{head}"])
    deputy = pick(rng, [f"分管副{head[-2:]}", "办公室主任", "分管负责同志"])
    tel, fax = phone(rng, area), phone(rng, area)
    v = rng.randrange(3)
    if v == 0:
        comp, comp_ev = f"本报告由{inst}{office}编制", f"本报告由{inst}{office}编制"
    elif v == 1:
        comp, comp_ev = f"{inst}{office}汇总编制了本年度报告", f"{inst}{office}汇总编制了本年度报告"
    else:
        comp, comp_ev = f"本年度报告由本机关{office}负责编制", f"本年度报告由本机关{office}负责编制"
    r.ask(f"{inst}{r.year}年政府信息公开工作年度报告由哪个部门编制？", office if v == 2 else inst + office, "text", comp_ev)
    v = rng.randrange(3)
    if v == 0:
        site, place = f"{city}人民政府门户网站“政府信息公开”专栏", f"本报告电子版可在{city}人民政府门户网站“政府信息公开”专栏查阅下载"
    elif v == 1:
        site, place = "本机关门户网站政府信息公开专栏", "本报告在本机关门户网站政府信息公开专栏登载"
    else:
        site, place = f"{city}政务公开平台", f"报告全文在{city}政务公开平台发布"
    r.ask(f"{inst}的政府信息公开工作年度报告在哪里可以查阅？", site, "text", place)
    v = rng.randrange(2)
    if v == 0:
        contact = f"如对本报告有疑问，请与{inst}{office}联系（电话：{tel}，传真：{fax}）"
        tel_ev, fax_ev = f"电话：{tel}", f"传真：{fax}"
    else:
        contact = f"联系电话：{tel}；传真：{fax}；通讯地址：{city}{pick(rng, ['人民路', '政务中心', '行政中心'])}{rng.randint(1, 99)}号"
        tel_ev, fax_ev = f"联系电话：{tel}", f"传真：{fax}"
    r.ask(f"{inst}{office}的传真号码是多少？", fax, "phone", fax_ev, 0.8)
    if rng.random() < 0.5:
        r.ask(f"{inst}政府信息公开工作的联系电话是多少？", tel, "phone", tel_ev)
    y = int(r.year)
    r.paras += [f"{inst}{r.year}年政府信息公开工作年度报告",
                f"　　根据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》要求，"
                f"{comp}。报告中所列数据的统计期限为{y}年1月1日至{y}年12月31日。{place}。{contact}。"]
    # 一、总体情况
    if rng.random() < 0.5:
        lead = f"成立了以{role}为组长、{deputy}为副组长的政务公开工作领导小组"
        lead_ev = f"以{role}为组长"
    else:
        lead = f"政务公开工作领导小组由{role}任组长，{deputy}任副组长"
        lead_ev = f"由{role}任组长"
    r.ask(f"{inst}政务公开工作领导小组的组长由谁担任？", role, "text", lead_ev)
    plat = pick(rng, [f"{city}人民政府门户网站", "本机关门户网站", "政务新媒体"])
    plat_s = pick(rng, [f"坚持以{plat}为政府信息公开第一平台，政务微信、政务微博同步发布",
                        f"将{plat}作为信息发布的第一平台，新闻发布会和政务新媒体为补充"])
    r.ask(f"{inst}以什么作为政府信息公开的第一平台？", plat, "text", plat_s[plat_s.index(plat):plat_s.index("第一平台") + 4])
    total, docs, expl = rng.randint(300, 2500), rng.randint(3, 25), rng.randint(5, 60)
    act = pick(rng, [f"全年主动公开政府信息{total}条，其中规范性文件{docs}件、政策解读{expl}篇",
                     f"{y}年共主动公开各类政府信息{total}条，发布规范性文件{docs}件，解读政策{expl}篇"])
    if rng.random() < 0.5:
        r.ask(f"{inst}{y}年主动公开了多少条政府信息？", str(total), "count", f"{total}条")
    else:
        r.ask(f"{inst}{y}年发布了多少件规范性文件？", str(docs), "count", f"规范性文件{docs}件" if "规范性文件" + str(docs) in act else f"{docs}件")
    n, carry = rng.randint(8, 120), rng.randint(0, 6)
    done = rng.randint(n // 2, n + carry - 1)
    left = n + carry - done
    req = pick(rng, [f"本年度共收到政府信息公开申请{n}件，上年结转{carry}件；全年办结{done}件，结转下年度继续办理{left}件",
                     f"收到申请{n}件（另有上年度结转{carry}件），本年度办结{done}件，{left}件结转至下一年度办理"])
    if rng.random() < 0.5:
        r.ask(f"{inst}{y}年办结了多少件政府信息公开申请？", str(done), "count", f"办结{done}件")
    else:
        r.ask(f"{inst}{y}年新收到多少件政府信息公开申请？", str(n), "count", f"申请{n}件")
    msg, ok = rng.randint(200, 3000), 0
    ok = rng.randint(int(msg * 0.8), msg - 1)
    rate = f"{ok / msg * 100:.2f}%"
    satis = f"{rng.randint(900, 999) / 10:.1f}%"
    inter = pick(rng, [f"通过“局长信箱”“市民热线”受理网民留言{msg}件，按期办结{ok}件，办结率达{rate}，回访满意度{satis}",
                       f"全年收到网民留言{msg}条，已办结{ok}条，办结率为{rate}；群众满意度为{satis}"])
    if rng.random() < 0.7:
        r.ask(f"{inst}{y}年网民留言的办结率是多少？", rate, "text", f"办结率{'达' if '达' + rate in inter else '为'}{rate}", 0.9)
    else:
        r.ask(f"{inst}{y}年网民留言的满意度是多少？", satis, "text", satis)
    fy, ss = rng.randint(0, 4), rng.randint(0, 3)
    law = (f"{y}年，本机关因政府信息公开工作被申请行政复议{fy}件，被提起行政诉讼{ss}件"
           + ("，复议和诉讼结果均为维持" if fy + ss else ""))
    r.ask(f"{inst}{y}年因政府信息公开被申请行政复议多少件？", str(fy), "count", f"行政复议{fy}件")
    t2 = phone(rng, area)
    measures = r.ord_rng.sample(BODY_MEASURES, 3)
    m2 = f"jjz@{dom}.gov.cn"
    rep = pick(rng, [f"社会公众可通过以下方式对本机关政府信息公开工作进行监督：{office}电话{tel}；派驻纪检监察组电话{t2}，邮箱{m2}",
                     f"监督渠道：{office}（电话{tel}），纪检监察组（电话{t2}，电子邮箱{m2}）"])
    if rng.random() < 0.5:
        r.ask(f"{inst}纪检监察组的监督邮箱是什么？", m2, "email", m2)
    else:
        r.ask(f"{inst}纪检监察组的监督电话是多少？", t2, "phone", t2)
    r.paras += ["一、总体情况",
                f"　　{y}年，{inst}认真贯彻落实《中华人民共和国政府信息公开条例》，{lead}，办公室具体负责日常工作。{plat_s}。",
                f"　　本机关建立了政务公开工作月调度机制，全年召开专题会议{rng.randint(2, 8)}次，对各科室公开事项落实情况进行"
                f"督查通报；组织政务公开业务培训{rng.randint(1, 5)}次，参训人员{rng.randint(30, 200)}人次。"
                "同时加强政府网站和政务新媒体的内容保障和安全管理，实行信息发布“三审三校”。",
                f"　　（一）主动公开。{act}，涉及财政预决算、行政许可、行政处罚和重大建设项目等领域。",
                f"　　（二）依申请公开。{req}，答复均在法定期限内作出。",
                f"　　（三）政民互动。{inter}。",
                "二、主动公开政府信息情况", "　　本机关按照公开事项目录，对机构职能、权责清单、政策文件、财政信息、人事信息等进行了全面公开，"
                "并对已公开的文件进行了清理，对失效文件作出标注。"
                f"全年办理行政许可{rng.randint(40, 900)}件，作出行政处罚{rng.randint(0, 60)}件，行政强制{rng.randint(0, 9)}件，"
                f"均在作出决定后7个工作日内公开。政务微博发布信息{rng.randint(100, 900)}条，政务微信发布{rng.randint(100, 900)}条。",
                f"　　本机关还围绕重点工作召开新闻发布会{rng.randint(2, 12)}场，组织“政府开放日”活动{rng.randint(1, 4)}次，"
                f"邀请人大代表、政协委员和群众代表{rng.randint(20, 120)}人次参与，现场解答群众提出的问题。",
                "三、收到和处理政府信息公开申请情况", "　　申请人主要为自然人，申请内容集中在项目审批、补助发放和信访事项办理进度等方面。"
                "对申请内容不明确的，本机关一次性告知申请人补正。"
                "本机关严格执行申请登记、审核、办理、答复、归档等环节的工作规范，涉及第三方权益的，依法书面征求第三方意见；"
                "答复文书载明依据和救济途径，做到程序规范、答复准确。申请办理情况按月登记台账，年底统一归档备查。",
                "四、政府信息公开行政复议、行政诉讼情况", f"　　{law}。",
                "五、存在的主要问题及改进情况",
                "　　一是政策解读的形式还不够丰富，图解、视频解读数量偏少；二是个别科室信息报送不够及时；三是部分栏目"
                "内容更新频率不高，与群众期待还有差距。"
                f"下一步，本机关将加强业务培训和督促考核，提高公开质量。{rep}。",
                f"　　{pick(r.ord_rng, BODY_MEASURE_LABELS)}{enumerate_items(measures)}。",
                "六、其他需要报告的事项",
                f"　　本年度未收取信息处理费。本机关认真落实建议提案办理结果公开工作，全年办理人大代表建议{rng.randint(3, 40)}件、"
                f"政协委员提案{rng.randint(3, 40)}件，办理复文除涉及个人隐私的外均已在门户网站公开，公开率保持在较高水平。"]
    r.ask(f"{inst}{y}年是否收取了信息处理费？", "否", "yesno", "本年度未收取信息处理费", 0.4)
    r.lists["问题"] = ["政策解读的形式还不够丰富，图解、视频解读数量偏少", "个别科室信息报送不够及时",
                     "部分栏目内容更新频率不高，与群众期待还有差距"]
    r.lists["措施"] = measures


SCHOOLS = [  # (file stem, invented school, academic year, office, mail domain, area code)
    ("t01_jiangyue_ligong", "江岳理工大学", "2021-2022", "校长办公室", "jyut", "0736"),
    ("t02_linxi_shifan", "临汐师范学院", "2022-2023", "党政办公室", "lxnu", "0758"),
    ("t03_beisong_yike", "北嵩医科大学", "2019-2020", "学校办公室", "bsmu", "0379"),
    ("t04_yunping_zhiye", "云屏职业技术学院", "2023-2024", "院长办公室", "ypvc", "0872"),
    ("t05_nanping_caijing", "南屏财经大学", "2020-2021", "党委办公室（校长办公室）", "npufe", "0794"),
    ("t06_tinglan_nonglin", "汀澜农林大学", "2018-2019", "信息公开办公室", "tlafu", "0597"),
    ("t07_daichuan_gongcheng", "岱川工程学院", "2022-2023", "校长办公室", "dcie", "0538"),
    ("t08_fengxi_waiyu", "枫溪外国语学院", "2017-2018", "党政办公室", "fxfs", "0576"),
    ("t09_yuheng_zhiye", "玉衡理工职业学院", "2021-2022", "党政办公室", "yhpt", "0915"),
    ("t10_heyu_haiyang", "鹤屿海洋大学", "2016-2017", "校长办公室", "hyou", "0595"),
    ("t11_qiulan_yishu", "秋岚艺术学院", "2023-2024", "党委办公室", "qlart", "0851"),
]
BODIES = [  # (file stem, invented body, year, office, city, mail domain, area code)
    ("t12_ningchuan_weijian", "宁川市卫生健康委员会", "2022", "办公室", "宁川市", "ncwjw", "0719"),
    ("t13_qingwan_jiaoyuju", "清湾市教育局", "2023", "办公室", "清湾市", "qwjyj", "0662"),
    ("t14_lanling_minzong", "岚陵市民族宗教事务委员会", "2021", "综合科", "岚陵市", "llmzw", "0745"),
    ("t15_xiachuan_xian", "霞川县人民政府", "2020", "办公室", "霞川县", "xcx", "0937"),
    ("t16_wangyue_beihu", "望岳市北湖区人民政府", "2024", "办公室", "望岳市", "bhq", "0833"),
]
NONE_QUESTIONS = [  # things these reports never state
    ("{inst}{when}信息公开工作经费是多少？", True),
    ("{inst}{when}聘请了几名信息公开监督员？", True),
    ("{inst}{when}政务公开工作的专项经费是多少？", False),
    ("{inst}{when}政府网站的总访问量是多少？", False),
]


CN = "一二三四五六"
# Ways the k-th item of each list is asked ({k}: 一, 二 …), and ordinals that must abstain: the k-th
# item past the end of a three-item list, and the k-th item of a list no report here writes.
ORDINAL_ASKS = {
    "问题": ["{inst}在报告中提到的第{k}个存在问题是什么？", "{inst}{when}信息公开工作存在的第{k}个问题是什么？",
           "{inst}年度报告指出的第{k}项不足是什么？", "{inst}信息公开工作的第{k}个主要问题是什么？"],
    "措施": ["{inst}提出的第{k}项改进措施是什么？", "{inst}下一步工作的第{k}项是什么？",
           "{inst}在报告中提出的第{k}个改进措施是什么？"],
}
ORDINAL_ABSENT = ["{inst}{when}信息公开工作取得的第二项经验是什么？", "{inst}在报告中列出的第二项主要成效是什么？",
                  "{inst}信息公开工作的第三个创新做法是什么？"]


def ordinal_questions(r: Report, k: int) -> list[dict]:
    """Questions for the k-th item of the report's enumerations (Report.lists), and ones that must
    abstain; drawn with the second stream, after the report is written."""
    o, out = r.ord_rng, []
    for kind, items in r.lists.items():
        if o.random() < 0.8:
            i = o.randrange(len(items))
            q = pick(o, ORDINAL_ASKS[kind]).format(inst=r.inst, when=r.when, k=CN[i])
            out.append({"question": q, "answer": items[i], "type": "text", "evidence": f"{CN[i]}是{items[i]}"})
    if k % 3 == 0 and "问题" in r.lists:
        q = pick(o, ORDINAL_ASKS["问题"]).format(inst=r.inst, when=r.when, k=CN[len(r.lists["问题"])])
        out.append({"question": q, "answer": "", "type": "none", "evidence": ""})
    elif k % 3 == 1:
        out.append({"question": pick(o, ORDINAL_ABSENT).format(inst=r.inst, when=r.when), "answer": "",
                    "type": "none", "evidence": ""})
    return out


def build() -> list[Report]:
    """Every training report with its gold questions (deterministic)."""
    reports = []
    for k, (stem, inst, year, office, dom, area) in enumerate(SCHOOLS):
        r = Report(stem + ".txt", inst, year, True, office, random.Random(f"train-{stem}"))
        s_intro(r, dom, area)
        s_overview(r, int(year[:4]) - r.rng.randint(2, 8))
        s_active(r)
        s_request(r)
        s_review(r, dom, area)
        s_close(r)
        if k % 3 == 0:
            q, _ = NONE_QUESTIONS[(k // 3) % 2]
            r.none(q.format(inst=inst, when=r.when))
        reports.append(r)
    for k, (stem, inst, year, office, city, dom, area) in enumerate(BODIES):
        r = Report(stem + ".txt", inst, year, False, office, random.Random(f"train-{stem}"))
        g_report(r, area, city, dom)
        if k % 2 == 0:
            q, _ = NONE_QUESTIONS[2 + (k // 2) % 2]
            r.none(q.format(inst=inst, when=r.when))
        reports.append(r)
    return reports


def main() -> int:
    reports = build()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    rows = []
    for r in reports:
        text = "\n".join(r.paras) + "\n"
        for q in r.qa:
            if q["type"] != "none":
                assert q["evidence"] in text, (r.file, q)
                if q["type"] in ("text", "phone", "email"):
                    assert q["answer"] in q["evidence"] or q["answer"] in text, (r.file, q)
        (OUT_DIR / r.file).write_text(text, encoding="utf-8")
        for q in r.qa:
            rows.append({"id": f"train-{len(rows) + 1:03d}", "doc": r.file if q["type"] != "none" else "", **q})
        print(f"{r.file}: {len(text)} chars, {len(r.qa)} questions")
    # the enumeration questions come after all the others, so that the earlier ids stay as they were
    for k, r in enumerate(reports):
        text = (OUT_DIR / r.file).read_text(encoding="utf-8")
        for q in ordinal_questions(r, k):
            assert q["type"] == "none" or (q["evidence"] in text and q["answer"] in q["evidence"]), (r.file, q)
            rows.append({"id": f"train-{len(rows) + 1:03d}", "doc": r.file if q["type"] != "none" else "", **q})
    QA_PATH.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in rows), encoding="utf-8")
    print(f"{len(reports)} reports, {len(rows)} questions -> {QA_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
