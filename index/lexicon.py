"""The genre's vocabulary, in one place for index/ and qa/.

Every list here states a pattern of 信息公开工作年度报告 seen in at least three different reports
(the comment says which pattern); nothing in it names a single question. Scoring weights are
not here: they are fitted (qa/reader_weights.json, ``python -m eval.fit``).
"""
from __future__ import annotations

import re

# ------------------------------------------------------------------ years and periods
# A calendar year, an academic year (2021-2022学年, 2021—2022学年度) and a dated day, as every
# report writes them in its title, its statistics period and its events.
YEAR = r"(?:19|20)\d{2}"
ACADEMIC_YEAR = re.compile(rf"({YEAR})\s*[-—–~至到－]\s*({YEAR})\s*(?:学年度|学年|年度)")
CALENDAR_YEAR = re.compile(rf"({YEAR})\s*(?:年度|年)(?!\s*\d{{1,2}}\s*月)")
# A year and month as a dated day writes them (2022-10-, 2022/10/, 2022年10月), the day's number next.
_YEAR_MONTH = rf"({YEAR})\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*"
DAY = re.compile(rf"{_YEAR_MONTH}(\d{{1,2}})\s*[日号]?")
# 年 is sometimes lost in web extraction (20126月 is 2012年6月).
MONTH = re.compile(rf"({YEAR})\s*年?\s*(1[0-2]|0?[1-9])\s*月(?:\s*(?:[-—–~至到－]\s*\d{{1,2}}\s*月))?(?:底|初|中旬|上旬|下旬)?")
_DATE = r"(20\d{2})\s*年?\s*(\d{1,2})?\s*月?\s*(\d{1,2})?\s*日?"
# Statistics periods: 2021年9月1日至2022年8月31日, also with 年/月 lost by web extraction
# (202191日至2022831), 起…止 and dash forms; seen in most university reports.
PERIOD = re.compile(rf"{_DATE}\s*(?:起)?\s*[,，]?\s*(?:至|到|—|-|~|－|――)\s*{_DATE}\s*(?:止)?")
# Words that introduce the statistics period (统计期限为…, 所列数据的统计时间…, 起止时间…).
PERIOD_CUES = ("统计期限", "统计时间", "统计年限", "起止时间", "统计数据", "数据统计", "统计周期", "时间段",
               "所列数据", "统计", "期限")
# The cue of the report's own statistics period when detecting it (narrower than PERIOD_CUES, whose
# bare 统计 serves as an answer label): 统计期限为…, 所列数据的统计时间…, 数据的起止时间….
STATISTICS_PERIOD_CUE = re.compile(r"(统计期限|统计时间|起止时间|统计数据|数据统计|统计周期|时间段|所列数据|"
                                   r"数据.{0,6}时间|期限)")
# A period written with full dates (2021年9月1日至2022年8月31日), and one whose dates lost 年/月 in web
# extraction (202191日至2022831), as the seeds and wild reports write them.
FULL_DATE_PERIOD = re.compile(rf"({YEAR})年(\d{{1,2}})月(\d{{1,2}})日.*?(?:至|到|-|~)\s*({YEAR})年(\d{{1,2}})月(\d{{1,2}})日")
FLAT_DATE_PERIOD = re.compile(rf"({YEAR})(\d{{2,4}})日?\s*(?:起)?(?:至|到|-)\s*({YEAR})(\d{{2,4}})日?")
# The year a report's title gives before its kind (2023年度政府信息公开…, 2014年学校信息公开…): every
# government report and many school reports title themselves so.
TITLE_YEAR = re.compile(rf"({YEAR})\s*年度?(?:高校|学校|本校|我校|我院|学院)?(?:信息公开|政府信息公开)")
# Any year written with 年 (2022年, 2022年9月): the last resort of a report's year.
YEAR_MARK = re.compile(rf"({YEAR})\s*年")
# The page's publication date after a label (发布时间:2022-10-30, 发布时间:[2017-12-01], 成文日期：…).
PUBLISHED_AT = re.compile(r"(发布时间|发布日期|发表时间|发稿时间|印发日期|成文日期|时间|日期)\s*[:：]\s*[\[【(（]?\s*"
                          rf"{_YEAR_MONTH}(\d{{1,2}})")
# A date alone on a line, bare or bracketed ([2022-10-31], (2020年10月30日)), perhaps followed by the
# page's hit counter or source: the date a report is signed or posted, under its title or signature.
DATE_LINE = re.compile(rf"^\s*[\[【(（]?\s*{_YEAR_MONTH}(\d{{1,2}})\s*日?\s*[\]】)）]?"
                       r"\s*(?:(?:点击|浏览|阅读|访问|作者|来源|字号|编辑)\S*.*)?$")
# Years as questions write them: an academic year with or without its word (2022-2023, 2022-2023学年),
# the short form (22-23学年), a year in Chinese digits (二〇二三年), and a year with its word that is
# not the start of a date (2023年, 2023年度, but not 2014年9月).
QUESTION_ACADEMIC_YEAR = re.compile(rf"({YEAR})\s*[-—–~至到－]\s*({YEAR})\s*(?:学年度|学年|年度|年)?")
SHORT_ACADEMIC_YEAR = re.compile(r"(?<!\d)(\d{2})\s*[-—–~至到]\s*(\d{2})\s*(?=学年)")
CHINESE_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=\s*(?:年|学年|[-—–~至到]))")
QUESTION_YEAR = re.compile(rf"({YEAR})\s*(?:学年度|年度|年|学年)(?!\s*\d{{1,2}}\s*月)")
# A year written as a year inside a question or a follow-up: a range (2022-2023, 2022-2023学年度)
# or one year with its word (2023年, 2023年度); a bare 2023 may be a count and is not taken.
YEAR_TEXT = re.compile(rf"{YEAR}\s*[-—–~至到－]\s*{YEAR}\s*(?:学年度|学年|年度|年)?|{YEAR}\s*(?:学年度|年度|学年|年)")
# A year anywhere a count cannot be (table labels, the text left after names are removed): also bare.
YEAR_ANY = re.compile(rf"{YEAR}(?:\s*[-—–~至到－]\s*{YEAR})?\s*(?:学年度|学年|年度|年)?")
# A report's stored year, as index/metadata normalises it: 2023 or 2022-2023.
STORED_YEAR = re.compile(rf"^{YEAR}(?:-{YEAR})?$")
# A day written in full in a question (2024年9月1日) and a day or month in an answer (2023-10-31,
# 2023年10月): the statistics period and publication date conditions of list questions.
QUESTION_DAY = rf"({YEAR})\s*年?\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日?"
ANSWER_DAY = re.compile(rf"{_YEAR_MONTH}(\d{{1,2}})?")

# ------------------------------------------------------------------ units and numbers
# Counting units of the genre (申请2项, 信息321条, 培训2场, 七个部分, 1.2万人次), and money (元, 万元:
# 收取信息处理费0元 in every government report's 收费 line, 经费…万元 in university reports).
UNITS = ("人次", "批次", "个部分", "部分", "项", "条", "件", "次", "个", "期", "批", "起", "场", "份", "篇",
         "家", "门", "类", "名", "所", "人", "封", "例", "余项", "余条", "余次", "余人", "万条", "万人次", "万次",
         "万元", "元")
MULTIPLIERS = {"万": 10_000, "亿": 100_000_000}
# Approximations written before or after a figure (近8万, 约200条, 2000余条, 超过100项).
APPROX_BEFORE = ("近", "约", "超过", "逾")
APPROX_AFTER = ("余", "多")
# A total against its parts: 共收到申请44件(其中:网上申请42件…); government and university reports alike.
TOTAL_CUES = ("共", "合计", "总计", "累计", "总共", "一共", "总数")
SUB_CUES = ("其中",)
# What separates the items of an enumeration of figures (新闻动态265篇、教学实践69篇…，共计456篇;
# 新增了2项二级子目录及12项三级子目录; 收到申请44件(其中:网上申请42件…),本年度办结39件): the label of
# a figure never crosses one of these; 及/和/以及/、 also chain items that share one lead-in verb.
ITEM_DELIMS = re.compile(r"[、，,；;。：:！!？?()（）\[\]【】]|以及|及|和|其中")
ITEM_CHAIN = ("、", "及", "和", "以及")
# A question that asks a rate or share is answered with a percentage (办结率达91.65%, 满意度98%,
# 占比12%): university and government reports alike state them beside the count they rate.
RATE_CUES = ("率", "比例", "百分", "占比", "满意度")

# ------------------------------------------------------------------ offices and organisations
# Suffixes of the offices that run the work (党政办公室, 信息公开领导小组, 监察处, 档案馆, 受理窗口).
OFFICE_SUFFIXES = ("办公室", "受理窗口", "窗口", "处", "部", "中心", "委员会", "小组", "室", "办", "科", "馆")
# Endings of a school's name (longest first), in every university and college report's title.
SCHOOL_SUFFIXES = ("职业技术学院", "高等专科学校", "专科学校", "职业学院", "大学", "学院", "学校")
INSTITUTION_SUFFIXES = SCHOOL_SUFFIXES  # the older name of the same list
# Endings of a government body that reports (人民政府, 教育局, 卫生健康委员会, 民族事务委员会, 街道办事处,
# 管委会, 卫生健康委, …中心), longest first, as the government reports of the dev sets sign.
BODY_SUFFIXES = ("人民政府办公室", "人民政府办公厅", "人民政府", "街道办事处", "管理委员会", "管委会", "委员会", "海关",
                 "局", "厅", "委", "中心")
# Every ending of a reporting institution's name: what detection looks for (index/metadata.py).
NAME_SUFFIXES = SCHOOL_SUFFIXES + BODY_SUFFIXES
# Endings a question's institution names are found by (qa/scope.py): short and specific, so that
# 中心, 委 and 海关 in a question are not taken for a name.
QUESTION_NAME_SUFFIXES = SCHOOL_SUFFIXES + ("教育局", "教育厅", "人民政府", "委员会", "局", "厅")
# The forms a government body's own name ends with, after its places (淮安市洪泽区|人民政府,
# 九原区|民族事务委员会 is …委员会): used to split places from the body (index/names.py).
GOV_BODIES = ("人民政府办公室", "人民政府办公厅", "人民政府", "街道办事处", "管理委员会", "管委会", "委员会",
              "办公室", "办公厅", "委", "局", "厅", "中心", "办事处")
# Endings of administrative units (longest first, so 自治州 wins over 州).
ADMIN_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "地区",
                  "新区", "省", "市", "区", "县", "旗", "盟", "镇", "乡")

# ------------------------------------------------------------------ report structure
# Section names of the national template (概述, 主动公开情况, 依申请公开…); a sentence naming four
# of them is the report's own outline and states no fact.
SECTION_NAMES = ("概述", "主动公开", "依申请", "评议", "举报", "存在的", "其他需要报告", "改进")
# A question about that outline itself (由几个部分组成, 共八个部分, 报告的构成, 本报告包括几项内容):
# the outline's figure (…等七个部分, seven dev reports state it) answers it and no other count;
# 部分公开 is an outcome.
PARTS_ASKED = re.compile(r"(?:[个几\d一二三四五六七八九十]|多少)部分(?!公开)|组成|构成|报告(?:内容)?(?:包括|包含|分为)")
# What an enumeration (一是…；二是…) lists, told by the words of its label: the template's closing
# section (存在的主要问题及改进措施, 存在的问题及下一步工作打算: in most real reports' outlines) holds
# a list of problems (但也存在一些不足：一是…, seeds and demo) and one of measures (下一步，学校将从
# 以下几方面改进：一是…). Each word is in at least three real reports.
LIST_KINDS = {"问题": ("问题", "不足"), "措施": ("措施", "改进", "下一步")}
# "No applications at all" (本年度未收到信息公开申请), which makes every kind of application 0;
# stated by many university and government reports (four wild_more government bodies alone).
NO_APPLICATIONS = re.compile(r"(未|没有|尚未|并未)(收到|受理|接到).{0,12}申请")
# A stated count of nothing: a negated occurrence or receipt (未收到, 没有发生, 暂无, 未出现),
# the way university and government reports alike write a 0 (not 无力, 无法, 无论).
ZERO_STATEMENT = re.compile(r"(未|没有|尚未|并未|均未|暂无|无|未曾)(收到|发生|受理|接到|出现|产生|有|涉及)"
                            r"|^\s*(无|暂无)\s*[。；;]?$")
# Negations that govern a stated fact (未收到, 没有发生, 暂无).
NEGATION = re.compile(r"(未|没有|无|尚未|不存在|未曾|均未|暂无|并未|没)")

# ------------------------------------------------------------------ answer slots
# Roles in the leading group and who holds them (以校长为组长, 组长由校党委书记、校长担任,
# 副校级领导任副组长); asked 组长由谁担任 of university reports (辽宁师范, 山东英才, 南华, 福建农业…).
ROLES = ("副组长", "组长", "负责人", "主任", "牵头人", "召集人")


def role_holder(role: str) -> re.Pattern:
    """The clause shapes that bind a holder to ``role`` (not 副组长 when 组长 is asked)."""
    r = rf"(?<!副){re.escape(role)}" if not role.startswith("副") else re.escape(role)
    return re.compile(rf"(以|由)[^，,；;。]{{1,24}}?(为|担任|任){r}|{r}由[^，,；;。]{{1,24}}?担任|[^，,；;。]{{1,24}}?(担任|任){r}")


# The slots a text answer fills, as the genre binds them (qa/candidates.py lists the phrase in
# each slot as a candidate; whether the slot is the one asked is a fitted feature, not a rule).
# A body that does a report's work: 由学校信息公开办公室编制, 所列数据由各部门提供, 由校长办公室牵头,
# 由…负责, 由…发布 (the verbs seen after 由… in nine reports of seeds/wild_dev/wild_more).
AGENT_VERBS = ("编制", "负责", "提供", "牵头", "发布")
AGENT = re.compile(rf"由(?P<x>[^，,；;。:：()（）]{{2,30}}?)(?P<rel>{'|'.join(AGENT_VERBS)})")
# The leading group's holders, in the four shapes the reports write (以校长为组长, 由党委书记和院长担任
# 组长, 组长由校党委书记、校长担任, 副校级领导任副组长): five reports of wild_dev/wild_more.
_ROLE = "|".join(sorted(ROLES, key=len, reverse=True))
HOLDER = (re.compile(rf"(?:以|由)(?P<x>[^，,；;。]{{1,24}}?)(?:为|担任|任)(?P<rel>{_ROLE})"),
          re.compile(rf"(?P<rel>{_ROLE})由(?P<x>[^，,；;。]{{1,24}}?)(?:担任|兼任)"),
          re.compile(rf"(?:^|[，,；;。])(?P<x>[^，,；;。由以]{{1,24}}?)(?:担任|兼任|任)(?P<rel>{_ROLE})"))
# Head nouns of the named things a report describes: a rule (跟班学习制度, 保密审查制度), a working
# mechanism (…工作机制), a meeting (校长办公会, 党委常委会, 第十三次校长办公会议), a platform or
# column (信息公开平台, 信息公开专栏). Each appears in 11 to 35 reports of seeds/wild_dev/wild_more.
HEAD_NOUNS = ("制度", "机制", "会议", "办公会议", "办公会", "常委会", "党委会", "平台", "专栏")
# What a clause states of a named attribute, after 为/是 (统计数据的时间为…, 统计期限为…, 各部门负责人为
# 成员, 23 reports; 复议结果为维持 in our demo reports): the value, bound to the attribute.
COPULA = re.compile(r"(?P<rel>[\u4e00-\u9fff]{2,8})(?:为|是)(?P<x>[^，,；;。]{1,24})")
# Words before an office that a tagger may read as nouns but never start its name: the contact line
# (请联系…, 请与…联系; 23 reports), the body a work relies on (依托…; 5 reports), and the prepositions
# 通过, 经, 向, 由, which the tagger sometimes glues to the name after them.
NOT_NAME_START = ("联系", "依托", "通过", "请", "经", "向", "由")
# What a thing is taken as (以校园网站为第一平台, 以校长为组长, 以服务师生为宗旨, 以信息公开为抓手; the
# genre's commonest frame, in most reports): the thing, bound to its role.
TAKE_AS = re.compile(r"以(?P<x>[^，,；;。以]{1,20}?)为(?P<rel>[^，,；;。、]{1,10})")
# What a thing serves as (学校党政办公室作为信息公开网的主办部门, 信息公开专栏作为学校主页的一级栏目,
# 将信息公开作为…重要抓手; more than ten reports): the subject, bound to its role.
SERVES_AS = re.compile(r"(?P<x>[^，,；;。]{2,24}?)作为(?P<rel>[^，,；;。]{2,24})")


# ------------------------------------------------------------------ answer kinds
# What a question asks for, by the words it uses; each kind below is asked for in three or more
# reports of the dev sets. The reader uses this only as one feature (kind agreement) whose
# weight is fitted, never as a rule that picks the answer.
KIND_CUES = {
    "fax": ("传真",),
    "phone": ("电话", "热线"),
    "email": ("邮箱", "电子邮件", "邮件", "email", "e-mail"),
    # where the report can be read or downloaded (信息公开网, 专栏, 网址)
    "url": ("网址", "网站", "网页", "链接", "平台", "专栏"),
    "wechat": ("微信号", "公众号"),
    "address": ("地址", "门牌", "哪条路", "在哪里"),
    # the 文号 of a cited rule or notice (教办厅函〔2017〕41号)
    "docno": ("文号",),
    # a cited rule, notice or attached table, written in 《》
    "title": ("表", "办法", "细则", "规定", "制度", "文件", "通知"),
    # a working method quoted as a slogan (“统筹规划、稳步推进”的工作方针/思路/机制/格局)
    "quoted": ("方针", "原则", "思路", "机制", "格局"),
    "org": ("部门", "机构", "办公室", "单位", "处室", "组织", "谁"),
    # the phrase bound to the asked slot (qa/candidates.py): a body by its act (由哪个部门编制), a
    # role's holder (组长由谁担任), a named rule/meeting/platform (什么制度, 哪次会议), a stated
    # quality or result (结果如何, 怎样形容)
    "agent": ("部门", "机构", "办公室", "单位", "处室", "谁"),
    "holder": ("谁",) + ROLES,
    "named": HEAD_NOUNS,
    "pred": ("如何", "怎样", "怎么"),
    "percent": RATE_CUES,
    "period": ("期限", "期间", "时间段", "起止", "统计时间", "统计年限", "覆盖", "哪段"),
    "year": ("哪一年", "哪年", "年份"),
    "ay": ("哪个学年", "哪一学年"),
    "day": ("哪天", "哪一天", "日期", "发布"),
    "month": ("什么时候", "何时"),
}
# Labels a report writes right before a typed value (电话:, 传真:, 邮箱:, 地址:, 网址…).
KIND_LABELS = {
    "phone": ("电话", "热线", "咨询", "联系", "tel"),
    "fax": ("传真", "fax"),
    "email": ("邮箱", "邮件", "e-mail", "email", "信箱"),
    "url": ("网址", "网站", "网", "平台", "专栏", "http"),
    "wechat": ("微信号", "公众号", "微信"),
    "address": ("地址", "地点", "位于"),
    "period": PERIOD_CUES,
}
# Events a date can belong to, apart from the statistics period and publication: a group set up
# (成立), a rule issued (印发, 出台, 制定) or revised (修订), adopted at a meeting (审议通过), work
# started (启动, 开始, 推行). Seen across the university and government reports alike.
EVENT_VERBS = ("成立", "印发", "出台", "制定", "修订", "审议通过", "通过", "启动", "开始", "推行", "召开", "梳理",
               "更新", "建立", "开通", "上线")
# The page's own publication (发布时间:2022-10-30, [2022-10-31]).
PUBLICATION_CUES = ("发布时间", "发布日期", "发表时间", "发稿时间", "发布")
# A question about the report's own publication day (报告是哪天发布的, 报告的发布日期).
ASKS_PUBLICATION = re.compile(r"报告.{0,4}(哪天|哪一天|哪日|什么时候|何时|什么日期).{0,3}(发布|发表|公布)"
                              r"|报告.{0,4}(发布|发表|公布)(日期|时间)")


# ------------------------------------------------------------------ verb variants
# The reports write one act with several verbs: receiving (收到申请, 受到举报, 接到投诉, 接收信件) in
# every report's 依申请公开 and 举报 sections; a question's verb counts as found when a variant is.
_RECEIVE = ("收到", "受到", "接到", "接收", "收悉")
VARIANTS: dict[str, tuple[str, ...]] = {v: tuple(x for x in _RECEIVE if x != v) for v in _RECEIVE}
