"""Phrase banks for the disclosure demo: applicants, what they ask each department, and the replies.

Everything is invented. Names are common Chinese names; organisations are made-up names in Jilin
City; resident ID numbers have the right shape and check digit but a made-up sequence, phone numbers
use the 1390432xxxx / 1380432xxxx ranges the hotline demo uses, e-mail addresses are at example.com.
Places (districts, streets, roads) are Jilin City's; projects, companies and schools are invented.

``request_for(rng, department, ground)`` returns ``(subject, description)``: a short name of the
information (used in the reply letter) and the applicant's own description. ``reply_body(...)``
returns the letter's text for a reply type and ground, citing the article of the Regulations.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from gongkai.core.personal_data import resident_id_check_character

FAMILY_NAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺"
GIVEN_NAMES = (
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀兰", "霞", "平", "刚", "桂英", "玉兰", "建国", "建华", "淑珍", "凤霞", "国庆",
    "海燕", "立新", "春梅", "志刚", "晓东", "丹", "鑫", "宇", "浩然", "雪", "红梅", "福林", "德山",
    "长春", "玉珍", "永胜", "淑华", "金凤", "树林", "宝山", "文博",
)  # fmt: skip

DISTRICTS = ("昌邑区", "龙潭区", "船营区", "丰满区")
STREETS = {
    "昌邑区": ("延安街道", "兴华街道", "文庙街道", "东局子街道"),
    "龙潭区": ("湘潭街道", "新吉林街道", "遵义街道", "泡子沿街道"),
    "船营区": ("北京路街道", "向阳街道", "德胜街道", "北山街道"),
    "丰满区": ("江南街道", "红旗街道", "泰山街道", "沿丰街道"),
}
ROADS = (
    "解放大路", "吉林大街", "松江东路", "北京路", "遵义东路", "长春路", "越山路", "珲春街",
    "重庆街", "青岛街", "九站街", "哈达湾路", "深圳街", "延安路", "东昌街", "鸡林路",
)  # fmt: skip
COMMUNITIES = (
    "江湾花园", "松江家园", "北山小区", "世纪城", "东市场小区", "铁东小区", "临江门小区", "天津街小区",
    "九站小区", "德胜门小区", "新地号小区", "越山路小区", "西山小区", "江南明珠", "泰山花园", "丰满新城",
)  # fmt: skip
#: Invented projects (the names of real-looking areas; the projects themselves are made up).
PROJECTS = (
    "哈达湾老工业区搬迁改造项目",
    "东局子棚户区改造项目",
    "北山片区城市更新项目",
    "江北体育场周边旧城改造项目",
    "九站街棚户区改造（二期）项目",
    "铁东片区房屋征收项目",
    "西关地块房屋征收项目",
    "松花江南岸景观带建设项目",
)
VILLAGES = (
    "昌邑区孤店子镇大荒地村",
    "龙潭区金珠镇金珠村",
    "船营区大绥河镇大绥河村",
    "丰满区旺起镇旺起村",
    "永吉县岔路河镇红旗村",
)
#: Invented companies (third parties and applicants).
COMPANIES = (
    "吉林市江城置业有限公司",
    "吉林市北方精细化工有限公司",
    "吉林市松江建筑工程有限公司",
    "吉林市鸿运物业服务有限公司",
    "吉林市润泽热力有限公司",
    "吉林市新源环保科技有限公司",
    "吉林市金鼎房地产开发有限公司",
    "吉林市东盛食品有限公司",
    "吉林市宏达建材有限公司",
    "吉林市天成物流有限公司",
)
INDUSTRIAL_PROJECTS = (
    "年产5万吨精细化工项目",
    "生活垃圾焚烧发电项目",
    "热电联产扩建项目",
    "危险废物综合处置中心项目",
    "污水处理厂提标改造工程",
    "混凝土搅拌站建设项目",
)
SCHOOLS = (
    "昌邑区第一实验小学",
    "船营区第五中学",
    "丰满区江南小学",
    "龙潭区新吉林小学",
    "吉林市第三十中学",
    "船营区北山小学",
)
HOSPITALS = ("吉林市第一人民医院", "吉林市中心医院", "船营区人民医院", "丰满区社区卫生服务中心")

#: Applicant organisations by Table 3 column (商业企业、科研机构、社会公益组织、法律服务机构、其他).
ORGANISATIONS = {
    "commercial": COMPANIES,
    "research": (
        "江城城市发展研究院",
        "吉林市社会科学研究所",
        "松花江流域生态环境研究中心",
        "吉林市城乡规划设计研究所",
    ),
    "nonprofit": (
        "吉林市绿色江城环保志愿者协会",
        "吉林市助残公益服务中心",
        "吉林市江城义工联合会",
        "吉林市老年人权益保障促进会",
    ),
    "legal_service": (
        "吉林江城律师事务所",
        "吉林松江律师事务所",
        "吉林华信律师事务所",
        "吉林市丰满区正义法律服务所",
    ),
    "other_organisation": (
        "昌邑区江湾花园业主委员会",
        "船营区北山小区业主委员会",
        "永吉县岔路河镇红旗村村民委员会",
        "丰满区旺起镇旺起村村民委员会",
    ),
}

#: The first six digits of resident IDs (吉林市 and its districts, counties and cities).
ID_REGIONS = ("220202", "220203", "220204", "220211", "220221", "220281", "220282", "220283", "220284")


def person(rng: random.Random) -> str:
    return rng.choice(FAMILY_NAMES) + rng.choice(GIVEN_NAMES)


def mobile(rng: random.Random) -> str:
    return rng.choice(("1390432", "1380432")) + f"{rng.randint(0, 9999):04d}"


def resident_id(rng: random.Random) -> str:
    """An 18-character resident ID number with a valid check character (GB 11643)."""
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 52))
    body = f"{rng.choice(ID_REGIONS)}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + resident_id_check_character(body)


def email(rng: random.Random) -> str:
    return f"jl{rng.randint(10000, 99999)}@example.com"


def address(rng: random.Random) -> tuple[str, str]:
    """A street address in one of the four districts and its postal code."""
    district = rng.choice(DISTRICTS)
    postal = {"昌邑区": "132002", "龙潭区": "132021", "船营区": "132011", "丰满区": "132013"}[district]
    place = f"吉林省吉林市{district}{rng.choice(ROADS)}{rng.randint(1, 299)}号"
    if rng.random() < 0.7:
        place += f"{rng.choice(COMMUNITIES)}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
    return place, postal


def organisation(rng: random.Random, kind: str) -> str:
    return rng.choice(ORGANISATIONS[kind])


# --- What is asked ------------------------------------------------------------------------------


def _fill(rng: random.Random, template: str, *, year: int) -> str:
    district = rng.choice(DISTRICTS)
    return template.format(
        year=year,
        last_year=year - 1,
        district=district,
        street=rng.choice(STREETS[district]),
        road=rng.choice(ROADS),
        road2=rng.choice(ROADS),
        community=rng.choice(COMMUNITIES),
        project=rng.choice(PROJECTS),
        village=rng.choice(VILLAGES),
        company=rng.choice(COMPANIES),
        industrial=rng.choice(INDUSTRIAL_PROJECTS),
        school=rng.choice(SCHOOLS),
        hospital=rng.choice(HOSPITALS),
        number=rng.randint(1, 60),
        house=rng.randint(1, 299),
    )


#: Per department: (subject, description) templates that may be disclosed, partly disclosed,
#: not held, need to be compiled, already public or asked again.
REQUESTS: dict[str, tuple[tuple[str, str], ...]] = {
    "jilin": (
        (
            "关于{project}的房屋征收决定及征收范围图",
            "申请公开吉林市人民政府作出的{project}房屋征收决定书、征收公告及征收范围红线图。"
            "本人房屋位于{road}{house}号，在该项目范围内，征收决定关系本人切身利益。",
        ),
        (
            "{village}集体土地征收的征收土地方案公告",
            "申请公开{village}集体土地征收的征收土地方案公告、征地补偿安置方案及报批材料中的批准文件文号。"
            "本人为该村村民，承包地被纳入征收范围。",
        ),
        (
            "市政府关于{project}立项及实施方案的批复",
            "申请公开吉林市人民政府关于{project}立项及实施方案的批复文件（含文号和批复日期）。",
        ),
        (
            "{year}年吉林市政府工作报告重点工作任务分解方案",
            "申请公开{year}年吉林市政府工作报告重点工作任务分解方案及各项任务的牵头单位。",
        ),
        (
            "{last_year}年吉林市国民经济和社会发展计划执行情况",
            "申请公开{last_year}年吉林市国民经济和社会发展计划执行情况与{year}年计划草案的报告全文。",
        ),
        (
            "{project}安置补偿资金拨付情况",
            "申请公开{project}房屋征收安置补偿资金的总额、来源和拨付情况。",
        ),
    ),
    "zhujian": (
        (
            "{project}房屋征收补偿方案",
            "申请公开{project}的房屋征收补偿方案，包括补偿标准、产权调换安置房源、搬迁奖励办法及"
            "评估机构选定结果。本人房屋位于{road}{house}号。",
        ),
        (
            "{project}拆迁安置房分配方案及分配结果",
            "申请公开{project}拆迁安置房的分配方案、选房顺序号确定办法和本人所在{community}的分配结果公示。",
        ),
        (
            "{community}老旧小区改造工程施工合同及工程预算",
            "申请公开{year}年{district}{community}老旧小区改造工程的施工合同、工程预算及竣工验收报告。",
        ),
        (
            "{community}住宅专项维修资金使用情况",
            "申请公开{community}住宅专项维修资金的交存总额、历年使用审批记录及{last_year}年度使用明细。",
        ),
        (
            "{community}项目商品房预售许可证",
            "申请公开{company}开发的{community}三期项目的商品房预售许可证及预售方案。",
        ),
        (
            "{road}道路改造工程招标文件及中标结果",
            "申请公开{year}年{road}道路改造及排水管网改造工程的招标公告、招标文件、中标候选人公示和中标通知书。",
        ),
        (
            "{last_year}—{year}年供热期供热质量投诉处理情况",
            "申请公开{last_year}—{year}年供热期全市供热质量投诉的受理数量、处理结果及对供热企业的考核情况。",
        ),
    ),
    "ziran": (
        (
            "{community}周边新建住宅项目的建设工程规划许可证及总平面图",
            "申请公开{community}北侧新建住宅项目的建设工程规划许可证及批准的总平面图、日照分析报告，"
            "该项目可能影响本人住宅采光。",
        ),
        (
            "{road}地块建设用地规划许可证及规划条件",
            "申请公开{road}与{road2}交汇处地块的建设用地规划许可证、规划条件通知书及附图。",
        ),
        (
            "吉林市国土空间总体规划中{district}的用地布局规划图",
            "申请公开《吉林市国土空间总体规划（2021—2035年）》中{district}中心城区的用地布局规划图。",
        ),
        (
            "{village}土地征收勘测定界图及征地补偿标准",
            "申请公开{village}土地征收项目的勘测定界图、征地补偿标准及地上附着物和青苗补偿标准。",
        ),
        (
            "{road}地块国有建设用地使用权出让公告及成交结果",
            "申请公开{year}年{road}地块国有建设用地使用权挂牌出让公告、成交公示及出让合同的主要内容。",
        ),
        (
            "{project}用地预审与选址意见书",
            "申请公开{project}的建设项目用地预审与选址意见书。",
        ),
    ),
    "jiaoyu": (
        (
            "{year}年{district}义务教育阶段学区划分方案",
            "申请公开{year}年{district}义务教育阶段公办学校学区划分方案，包括{school}的具体学区范围。",
        ),
        (
            "{school}{year}年招生计划及录取情况",
            "申请公开{school}{year}年秋季招生计划、报名人数、录取人数及学区内外生源录取办法。",
        ),
        (
            "{year}年市区民办幼儿园收费标准备案情况",
            "申请公开{year}年市区民办幼儿园保育教育费收费标准的备案情况和核定依据。",
        ),
        (
            "{last_year}年中小学校舍安全改造资金使用情况",
            "申请公开{last_year}年全市中小学校舍安全改造及冬季供暖改造资金的分配和使用情况。",
        ),
        (
            "{year}年市直学校教师公开招聘拟聘用人员名单",
            "申请公开{year}年市直中小学公开招聘教师的考试成绩、体检考察结果及拟聘用人员名单。",
        ),
        (
            "{district}{street}校外培训机构审批情况",
            "申请公开{district}{street}辖区内经审批的校外培训机构名单及其办学许可证信息。",
        ),
    ),
    "gongan": (
        (
            "对本人作出的行政处罚决定书及处罚依据",
            "申请公开吉林市公安局交通管理支队{year}年对本人作出的行政处罚决定书及作出处罚所依据的规范性文件。",
        ),
        (
            "{road}与{road2}交叉路口电子警察设置依据",
            "申请公开{road}与{road2}交叉路口闯红灯自动记录设备（电子警察）的设置依据、审批文件及检定合格证明。",
        ),
        (
            "{last_year}年全市道路交通事故统计数据",
            "申请公开{last_year}年吉林市市区道路交通事故的起数、死亡人数、受伤人数及主要事故路段统计。",
        ),
        (
            "{community}周边临时停车泊位设置审批情况",
            "申请公开{district}{community}周边道路临时停车泊位的设置审批文件和收费依据。",
        ),
        (
            "吉林市养犬登记管理实施情况",
            "申请公开吉林市{last_year}年养犬登记数量、违法养犬查处数量及犬只收容情况。",
        ),
    ),
    "shengtai": (
        (
            "{company}{industrial}环境影响报告书的批复",
            "申请公开{company}{industrial}环境影响报告书的审批意见（批复文件），该项目距本人居住的{community}约800米。",
        ),
        (
            "{last_year}年松花江吉林段水质监测数据",
            "申请公开{last_year}年松花江吉林段各国控、省控断面逐月水质监测数据。",
        ),
        (
            "{company}排污许可证及执法监测报告",
            "申请公开{company}的排污许可证副本及{last_year}年执法监测报告。",
        ),
        (
            "{year}年{district}空气质量自动监测站监测数据",
            "申请公开{year}年1月至今{district}空气质量自动监测站的PM2.5、PM10日均值数据。",
        ),
        (
            "{industrial}环境影响评价公众参与说明",
            "申请公开{company}{industrial}环境影响评价的公众参与说明及公众意见采纳情况。",
        ),
    ),
    "caizheng": (
        (
            "{year}年吉林市本级一般公共预算及“三公”经费预算",
            "申请公开{year}年吉林市本级一般公共预算表、政府性基金预算表及市本级“三公”经费预算安排情况。",
        ),
        (
            "{last_year}年市本级政府债务限额及余额情况",
            "申请公开{last_year}年末吉林市本级政府一般债务和专项债务的限额、余额及新增专项债券资金投向。",
        ),
        (
            "{year}年市本级政府集中采购目录及限额标准",
            "申请公开{year}年吉林市市本级政府集中采购目录及采购限额标准。",
        ),
        (
            "{last_year}年城乡居民最低生活保障资金分配文件",
            "申请公开{last_year}年吉林市城乡居民最低生活保障资金的分配文件和各县（市）区分配金额。",
        ),
        (
            "{district}老旧小区改造补助资金拨付文件",
            "申请公开{year}年{district}城镇老旧小区改造中央和省级补助资金的下达及拨付文件。",
        ),
    ),
    "renshe": (
        (
            "{year}年吉林市最低工资标准调整文件",
            "申请公开吉林市现行最低工资标准的调整文件及执行时间。",
        ),
        (
            "{year}年市直事业单位公开招聘考试成绩及体检名单",
            "申请公开{year}年吉林市市直事业单位公开招聘工作人员的笔试、面试成绩及进入体检人员名单。",
        ),
        (
            "{last_year}年失业保险稳岗返还企业名单及金额",
            "申请公开{last_year}年吉林市失业保险稳岗返还的企业名单及返还金额。",
        ),
        (
            "工伤认定决定书",
            "申请公开吉林市人力资源和社会保障局对本人{last_year}年工伤认定申请作出的工伤认定决定书。",
        ),
    ),
    "shijian": (
        (
            "{company}食品经营许可证及监督检查结果",
            "申请公开{company}的食品经营许可证信息及{last_year}年以来的日常监督检查结果。",
        ),
        (
            "{year}年{district}农贸市场食用农产品抽检结果",
            "申请公开{year}年{district}各农贸市场食用农产品抽检批次、不合格批次及处置情况。",
        ),
        (
            "对{company}作出的行政处罚决定书",
            "申请公开吉林市市场监督管理局对{company}作出的行政处罚决定书。",
        ),
        (
            "{community}电梯安全监督检查情况",
            "申请公开{community}在用电梯的定期检验报告结论及{last_year}年以来的安全监督检查记录。",
        ),
    ),
    "weijian": (
        (
            "{year}年二级以上公立医院医疗服务价格调整文件",
            "申请公开{year}年吉林市二级以上公立医院医疗服务价格调整的文件及调整项目清单。",
        ),
        (
            "{district}医疗机构执业许可校验结果",
            "申请公开{last_year}年度{district}医疗机构执业许可证校验结果。",
        ),
        (
            "{last_year}年法定报告传染病疫情统计数据",
            "申请公开{last_year}年吉林市法定报告传染病发病数、死亡数的月度统计数据。",
        ),
        (
            "{hospital}改扩建项目的设置批准文件",
            "申请公开{hospital}门诊楼改扩建项目的设置审批和床位核定文件。",
        ),
    ),
    "chengguan": (
        (
            "对{community}违法建设作出的限期拆除决定书",
            "申请公开吉林市城市管理行政执法局对{community}{house}号楼顶违法建设作出的限期拆除决定书。",
        ),
        (
            "{road}沿街占道经营整治依据",
            "申请公开{year}年{road}沿街占道经营集中整治的工作方案及执法依据。",
        ),
        (
            "{last_year}—{year}年冬季城市清雪作业经费支出情况",
            "申请公开{last_year}—{year}年冬季城市清雪作业的经费预算、支出明细及承包单位。",
        ),
        (
            "{district}生活垃圾分类设施采购合同",
            "申请公开{year}年{district}生活垃圾分类收集设施的采购合同及中标结果。",
        ),
    ),
    "jiaotong": (
        (
            "{year}年市区公交线路调整方案",
            "申请公开{year}年吉林市市区公交线路优化调整方案及听取公众意见的情况。",
        ),
        (
            "{road}道路大修工程招标文件及中标通知书",
            "申请公开{year}年{road}道路大修工程的招标文件、评标报告及中标通知书。",
        ),
        (
            "出租汽车经营权有偿使用费收取依据",
            "申请公开吉林市出租汽车经营权有偿使用费的收取标准、依据及{last_year}年收取总额。",
        ),
        (
            "{year}年农村公路建设计划及资金安排",
            "申请公开{year}年吉林市农村公路新改建计划及省、市补助资金安排。",
        ),
    ),
}

#: Requests whose wording fits one ground (the department code, or None for any department).
SPECIAL_REQUESTS: dict[str, tuple[tuple[str | None, str, str], ...]] = {
    "withheld_state_secret": (
        (
            "gongan",
            "全市重点目标安全保卫部署方案",
            "申请公开吉林市公安局制定的全市重点目标安全保卫部署方案及警力部署图。",
        ),
        (
            "jilin",
            "市区人民防空工程分布及位置图",
            "申请公开吉林市市区人民防空工程的数量、分布及具体位置图。",
        ),
    ),
    "withheld_law_prohibited": (
        (
            "gongan",
            "他人的犯罪记录",
            "申请公开本人前夫（已离婚）在吉林市的违法犯罪记录，用于子女抚养权诉讼。",
        ),
        (
            "jilin",
            "{company}在经济普查中填报的普查表",
            "申请公开{company}在第五次全国经济普查中填报的普查表及其财务数据。",
        ),
    ),
    "withheld_security_stability": (
        (
            "gongan",
            "市区公共安全视频监控点位分布图",
            "申请公开吉林市市区公共安全视频监控摄像头的点位分布图、编号及存储位置。",
        ),
        (
            "jilin",
            "丰满水电站大坝安全监测原始数据",
            "申请公开丰满水电站大坝安全监测的原始数据及城市防洪应急预案中的重点防护目标清单。",
        ),
    ),
    "withheld_third_party": (
        (
            "zhujian",
            "{company}的财务报表及纳税情况",
            "申请公开{company}向主管部门报送的{last_year}年度财务报表、银行监管账户资金余额及纳税情况。",
        ),
        (
            "zhujian",
            "{project}其他被征收户的补偿协议",
            "申请公开{project}中与本人同一栋楼的其他被征收户签订的房屋征收补偿协议（含姓名、补偿金额）。",
        ),
        (
            "shijian",
            "{company}产品配方及工艺资料",
            "申请公开{company}申请生产许可时提交的产品配方、工艺流程及检验报告。",
        ),
        (
            "renshe",
            "同事的社会保险缴费记录",
            "申请公开本人原单位同事王某某的社会保险缴费记录和工资基数。",
        ),
    ),
    "withheld_internal_affairs": (
        (
            "jiaoyu",
            "机关干部年度考核结果及人员调动审批表",
            "申请公开吉林市教育局机关{last_year}年度干部考核结果及内部人员调动审批表。",
        ),
        (
            "caizheng",
            "机关公务用车维修保养记录",
            "申请公开吉林市财政局机关公务用车{last_year}年维修保养记录及加油明细。",
        ),
        (
            "shengtai",
            "局内部工作规程及值班安排",
            "申请公开吉林市生态环境局机关内部公文流转规程和{year}年值班安排表。",
        ),
    ),
    "withheld_process_info": (
        (
            "jilin",
            "市政府常务会议研究{project}的会议纪要",
            "申请公开吉林市人民政府常务会议研究{project}征收补偿问题的会议纪要及相关部门的请示。",
        ),
        (
            "jiaoyu",
            "{year}年学区划分方案的讨论稿和征求意见汇总",
            "申请公开{year}年{district}学区划分方案的讨论稿、各次修改稿及内部征求意见汇总材料。",
        ),
        (
            "zhujian",
            "{project}补偿标准的内部请示及领导批示",
            "申请公开{project}补偿标准确定过程中市住建局向市政府的请示报告及领导批示。",
        ),
    ),
    "withheld_enforcement_file": (
        (
            "chengguan",
            "对{company}违法建设查处的全部执法案卷",
            "申请公开吉林市城市管理行政执法局查处{company}违法建设案件的全部执法案卷，包括调查询问笔录、"
            "现场勘验笔录和集体讨论记录。",
        ),
        (
            "shengtai",
            "{company}环境违法案件调查笔录及案卷",
            "申请公开吉林市生态环境局对{company}环境违法行为立案查处的调查笔录、现场检查笔录等案卷材料。",
        ),
        (
            "shijian",
            "{company}食品安全案件的执法案卷",
            "申请公开吉林市市场监督管理局查处{company}食品安全案件的执法案卷，包括询问笔录和证据材料。",
        ),
    ),
    "withheld_administrative_query": (
        (
            "ziran",
            "{community}某房屋的不动产登记簿信息",
            "申请公开{community}{house}号房屋的不动产登记簿信息，包括权利人、抵押登记及查封情况。",
        ),
        (
            "shijian",
            "{company}的企业登记档案",
            "申请公开{company}的企业登记档案，包括设立登记材料、股东名册及历次变更登记材料。",
        ),
        (
            "gongan",
            "他人的户籍登记信息",
            "申请公开本人父亲{last_year}年迁出户口的户籍登记信息及迁移审批材料。",
        ),
    ),
    "unavailable_not_held": (
        (
            None,
            "{year}年{district}{street}社区网格员考核结果",
            "申请公开{year}年{district}{street}各社区网格员的考核结果。",
        ),
        (
            None,
            "{community}1998年房改售房审批档案",
            "申请公开{community}1998年房改售房的审批文件及售房价格核定表。",
        ),
    ),
    "unavailable_needs_creation": (
        (
            None,
            "近五年全市各小区物业费收缴率统计分析",
            "请统计近五年吉林市各小区物业费收缴率，按区汇总并形成分析报告提供给本人。",
        ),
        (
            None,
            "{last_year}年各部门办理群众诉求情况的对比分析",
            "请将{last_year}年各部门办理群众诉求的数量按月份、类别进行对比分析，形成统计图表。",
        ),
    ),
    "unavailable_still_unclear": (
        (
            None,
            "与本人有关的所有文件",
            "申请公开你单位掌握的与本人有关的全部文件。",
        ),
        (
            None,
            "关于老房子的所有材料",
            "申请公开关于我家老房子的所有材料。",
        ),
    ),
    "not_processed_petition": (
        (
            None,
            "关于{community}违建的举报及处理结果",
            "举报{community}{house}号楼一楼住户私自扩建、占用公共绿地，请求依法查处并将查处结果书面告知本人。",
        ),
        (
            None,
            "要求对征收补偿不公问题进行调查处理",
            "本人认为{project}对本人房屋的补偿明显偏低，要求你单位调查处理并给出书面结论。",
        ),
    ),
    "not_processed_publication": (
        (
            None,
            "《吉林市年鉴（{last_year}）》",
            "申请提供《吉林市年鉴（{last_year}）》纸质版一册。",
        ),
        (
            None,
            "{last_year}年《吉林市统计年鉴》",
            "申请提供{last_year}年《吉林市统计年鉴》全本。",
        ),
    ),
    "not_processed_confirmation": (
        (
            None,
            "确认已获取的补偿协议复印件",
            "本人已持有{project}补偿协议复印件，请你单位在复印件上加盖公章，确认其与原件一致。",
        ),
        (
            None,
            "重新出具已答复材料的盖章件",
            "请对你单位{last_year}年答复本人时提供的政府信息重新出具一份加盖公章的纸质件。",
        ),
    ),
    "not_processed_excessive": (
        (
            None,
            "{year}年{district}各社区全部会议记录",
            "申请公开{year}年{district}{street}各社区召开的全部会议记录、签到表和会议照片。",
        ),
    ),
    "not_this_agency": (
        (
            "zhujian",
            "{road}地块国有建设用地使用权出让合同",
            "申请公开{road}地块国有建设用地使用权出让合同及土地出让金缴纳凭证。",
        ),
        (
            "jiaoyu",
            "{district}校外培训机构消防验收意见",
            "申请公开{district}{street}某校外培训机构所在建筑的消防验收意见书。",
        ),
        (
            "jilin",
            "{street}某小区物业服务企业选聘结果",
            "申请公开{district}{street}辖区{community}物业服务企业的选聘结果及备案材料。",
        ),
        (
            "caizheng",
            "{company}营业执照及年度报告",
            "申请公开{company}的营业执照及{last_year}年度报告。",
        ),
    ),
}

#: The agency that discloses what a ``not_this_agency`` request asks (name, contact).
OTHER_AGENCIES = {
    "zhujian": ("吉林市自然资源局", "0432-62505678，吉林市丰满区吉林大街"),
    "jiaoyu": ("吉林市消防救援支队", "0432-62459119，吉林市昌邑区解放北路"),
    "jilin": ("所在区人民政府（街道办事处）", "0432-12345，或向所在街道办事处咨询"),
    "caizheng": ("吉林市市场监督管理局", "0432-12315，国家企业信用信息公示系统"),
}


def request_for(
    rng: random.Random, *, department: str, ground: str, reply_type: str, year: int
) -> tuple[str, str]:
    """``(subject, description)`` of a request that fits ``department`` and the way it ends."""
    key = "not_this_agency" if reply_type == "not_this_agency" else ground
    specials = [
        (subject, description)
        for code, subject, description in SPECIAL_REQUESTS.get(key, ())
        if code in (None, department)
    ]
    if specials:
        subject, description = rng.choice(specials)
    else:
        subject, description = rng.choice(REQUESTS.get(department) or REQUESTS["jilin"])
    # The same placeholders in both texts: fill them from twin random streams.
    seed = rng.random()
    return _fill(random.Random(seed), subject, year=year), _fill(random.Random(seed), description, year=year)


def special_departments(ground: str, *, reply_type: str = "") -> tuple[str, ...]:
    key = "not_this_agency" if reply_type == "not_this_agency" else ground
    return tuple(dict.fromkeys(code for code, _s, _d in SPECIAL_REQUESTS.get(key, ()) if code))


# --- Process texts ------------------------------------------------------------------------------

CORRECTION_ITEMS = (
    "申请内容不明确：请写明所需政府信息的名称、文号或者便于查询的其他特征性描述（如项目名称、文件形成时间）。",
    "申请人身份证明缺失：请补充提供身份证件复印件。",
    "所需信息的指定提供方式不明确：请写明以纸质、电子文档或其他方式提供，以及邮寄、电子邮件或当面领取。",
    "申请内容涉及多项不同事项，请按“一事一申请”原则分别提出，并写明每项信息的具体名称。",
)
CORRECTED_SUFFIX = (
    "（补正）具体为{year}年形成的相关文件，文号不详，形成机关为贵单位。",
    "（补正）已补充身份证复印件；所需信息为上述文件全文，以电子文档方式通过电子邮件提供。",
    "（补正）所需信息限于{year}年1月至6月形成的文件，请以纸质方式邮寄提供。",
)
EXTENSION_REASONS = (
    "所申请信息数量较大，涉及多个年度的档案，需要调档检索和逐页审查，20个工作日内无法答复。",
    "所申请信息涉及多个内设机构和下属单位，需要汇总核实，20个工作日内无法答复。",
    "所申请信息需进行保密审查，并对涉及个人信息的部分进行区分处理，20个工作日内无法答复。",
)
CONSULTED_AGENCIES = {
    "zhujian": "吉林市自然资源局",
    "ziran": "吉林市住房和城乡建设局",
    "jiaoyu": "吉林市财政局",
    "shengtai": "吉林市发展和改革委员会",
    "jilin": "吉林市住房和城乡建设局",
    "caizheng": "吉林市发展和改革委员会",
    "chengguan": "吉林市自然资源局",
    "jiaotong": "吉林市财政局",
    "gongan": "吉林市交通运输局",
    "renshe": "吉林市财政局",
    "shijian": "吉林市商务局",
    "weijian": "吉林市医疗保障局",
}
#: How the information goes to the applicant, by the channel asked for (获取方式).
MEDIA = {
    "post": "以纸质形式邮寄",
    "email": "以电子文档形式通过电子邮件发送",
    "pickup": "以纸质形式供您当面领取",
    "online": "通过政府信息公开平台供您在线查看",
    "fax": "以传真方式发送",
}
OBJECTION_TEXTS = (
    "该信息含有本公司的经营数据和成本构成，属于商业秘密，不同意公开。",
    "该协议载有本人及家庭成员的身份信息和补偿金额，属于个人隐私，不同意公开。",
)
CONSENT_TEXTS = ("经研究，同意公开。", "我单位无不同意见，同意公开。")
WITHDRAWAL_NOTE = "申请人书面撤回申请。"
REVIEW_BODIES = {
    "reconsideration": ("吉林市人民政府", "吉林省人民政府"),
    "litigation_direct": ("吉林市船营区人民法院", "吉林市昌邑区人民法院", "吉林市中级人民法院"),
    "litigation_after": ("吉林市中级人民法院", "吉林市丰满区人民法院"),
}
REVIEW_NOTES = {
    "upheld": "复议机关（法院）认为被申请人答复认定事实清楚、程序合法，予以维持。",
    "corrected": "答复未说明不予公开的具体理由，责令被申请人重新答复。",
    "other": "申请人撤回复议申请（起诉），案件终结。",
    "pending": "案件正在审理中。",
}


# --- Reply letters ------------------------------------------------------------------------------

_LAW = "《中华人民共和国政府信息公开条例》"
_REMEDY = (
    "如对本答复不服，可以自收到本答复之日起六十日内向吉林市人民政府或者上一级主管部门申请行政复议，"
    "也可以自收到本答复之日起六个月内依法向人民法院提起行政诉讼。"
)
_PORTAL = "吉林市人民政府门户网站“政府信息公开”栏目"

WITHHELD_REASONS = {
    "withheld_state_secret": "经审查，该信息已依法确定为国家秘密。根据{law}第十四条的规定，依法确定为国家秘密的政府信息不予公开。",
    "withheld_law_prohibited": "经审查，该信息属于法律、行政法规禁止公开的政府信息。根据{law}第十四条以及《中华人民共和国统计法》等有关规定，不予公开。",
    "withheld_security_stability": "经审查，该信息公开后可能危及公共安全和社会稳定。根据{law}第十四条的规定，不予公开。",
    "withheld_third_party": "经审查，该信息涉及第三方的商业秘密（个人隐私），公开会对第三方合法权益造成损害。我机关已依照{law}第三十二条征求第三方意见，第三方不同意公开。根据{law}第十五条的规定，不予公开。",
    "withheld_internal_affairs": "经审查，该信息属于我机关的人事管理、后勤管理、内部工作流程等内部事务信息。根据{law}第十六条第一款的规定，不予公开。",
    "withheld_process_info": "经审查，该信息属于我机关在履行行政管理职能过程中形成的讨论记录、过程稿、请示报告等过程性信息。根据{law}第十六条第二款的规定，不予公开。",
    "withheld_enforcement_file": "经审查，该信息属于行政执法案卷信息。根据{law}第十六条第二款的规定，不予公开。您作为案件当事人，可以依照有关法律规定申请查阅案卷。",
    "withheld_administrative_query": "经审查，该信息属于行政查询事项，应依照有关法律、行政法规的规定办理。",
}


def reply_body(
    rng: random.Random,
    *,
    reply_type: str,
    ground: str,
    subject: str,
    pages: int = 0,
    published_on: datetime.date | None = None,
    other_agency: tuple[str, str] | None = None,
    withheld_ground: str = "",
    channel: str = "",
) -> str:
    """The body of the reply letter (the template adds the heading, the addressee and the seal)."""
    law = _LAW
    received = f"您申请公开的“{subject}”"
    if reply_type == "already_public":
        day = published_on or datetime.date(2025, 3, 1)
        text = (
            f"{received}，我机关已于{day.year}年{day.month}月{day.day}日在{_PORTAL}主动公开。"
            f"根据{law}第三十六条第（一）项的规定，您可以登录吉林市人民政府门户网站，"
            "在“政府信息公开—法定主动公开内容”中查阅、下载。"
        )
    elif reply_type == "disclosed":
        media = MEDIA.get(channel, "以纸质形式邮寄")
        text = (
            f"{received}属于可以公开的政府信息。根据{law}第三十六条第（二）项的规定，"
            f"现将该信息（共{pages or rng.randint(2, 24)}页）{media}提供给您，请查收。"
        )
    elif reply_type == "partial":
        reason = WITHHELD_REASONS.get(withheld_ground or "withheld_third_party", "").format(law=law)
        text = (
            f"{received}中，部分内容可以公开，部分内容不予公开。根据{law}第三十七条的规定，"
            "我机关对该信息作区分处理，现将可以公开的部分提供给您。"
            f"对不予公开的部分说明如下：{reason}"
        )
    elif reply_type == "withheld":
        text = received + "，" + WITHHELD_REASONS[ground].format(law=law)
        if ground == "withheld_administrative_query":
            text += f"根据{law}第三十六条第（七）项的规定，请您依照有关规定到相关登记机构办理查询。"
    elif reply_type == "not_exist":
        if ground == "unavailable_needs_creation":
            text = (
                f"{received}需要我机关对现有政府信息进行加工、分析后另行制作。根据{law}第三十八条的规定，"
                "我机关不予提供。您可以在我机关门户网站查阅已公开的相关统计数据。"
            )
        else:
            text = (
                f"经我机关对档案及业务系统进行检索，{received}不存在。"
                f"根据{law}第三十六条第（四）项的规定，特此告知。"
            )
    elif reply_type == "not_this_agency":
        name, contact = other_agency or ("有关行政机关", "")
        text = (
            f"{received}不属于我机关负责公开的政府信息。根据{law}第三十六条第（五）项的规定，"
            f"负责公开该信息的行政机关为{name}，联系方式：{contact}。请您向该机关提出申请。"
        )
    elif reply_type == "duplicate":
        text = (
            f"{received}，我机关已于此前作出答复。您再次申请公开相同的政府信息，"
            f"根据{law}第三十六条第（六）项的规定，我机关不予重复处理。"
        )
    elif reply_type == "special_procedure":
        text = (
            f"{received}属于不动产登记资料（工商登记资料、户籍信息）等信息，有关法律、行政法规对信息的获取有特别规定。"
            f"根据{law}第三十六条第（七）项的规定，请您依照《不动产登记暂行条例》等有关规定，"
            "持有效证件到相应登记机构办理查询。"
        )
    elif reply_type == "not_processed":
        texts = {
            "not_processed_petition": f"您提出的事项属于信访、投诉、举报。根据{law}第三十九条第一款的规定，"
            "该申请不作为政府信息公开申请处理，请您依照《信访工作条例》等规定向有关机关提出。",
            "not_processed_publication": f"您申请获取的是公开出版物。根据{law}第三十九条第二款的规定，"
            "您可以通过新华书店、吉林市图书馆或出版单位获取。",
            "not_processed_excessive": f"您在短期内提出的政府信息公开申请数量、频次明显超过合理范围，"
            f"经要求说明理由，您未能说明合理理由。根据{law}第三十五条的规定，我机关不予处理。",
            "not_processed_confirmation": f"您要求我机关确认或者重新出具已获取的信息。根据{law}第三十九条第二款的规定，"
            "该要求不属于政府信息公开申请的处理范围，不予处理。",
            "unavailable_still_unclear": f"我机关已于收到申请后向您发出补正告知，您补正后的申请内容仍不明确，"
            f"无法确定您所需的政府信息。根据{law}第三十条的规定，我机关无法提供。",
        }
        text = texts[ground]
    elif reply_type == "terminated":
        texts = {
            "other_no_correction": f"我机关向您发出补正告知后，您无正当理由逾期未补正。根据{law}第三十条的规定，"
            "视为您放弃申请，我机关不再处理该政府信息公开申请。",
            "other_no_fee": "我机关向您发出收费通知后，您逾期未按收费通知要求缴纳信息处理费。根据"
            "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）的规定，我机关不再处理该政府信息公开申请。",
            "other_other": "您已书面撤回该政府信息公开申请，我机关终止处理。",
        }
        return texts[ground]
    else:  # pragma: no cover - every reply type is handled above
        raise ValueError(reply_type)
    return text + "\n" + _REMEDY


# --- The annual report's narrative ---------------------------------------------------------------

#: Table 2 figures (第二十条第（五）（六）（八）项) per department for a year: licensing decisions,
#: penalty decisions, enforcement decisions, fee income in 万元. Invented but of a plausible size.
TABLE2_FIGURES: dict[str, tuple[int, int, int, str]] = {
    "jilin": (126, 0, 0, "0"),
    "zhujian": (3254, 86, 12, "415.2600"),
    "ziran": (2187, 57, 9, "3865.1800"),
    "jiaoyu": (421, 3, 0, "0"),
    "gongan": (48612, 126305, 2318, "1250.3600"),
    "shengtai": (186, 96, 23, "0"),
    "caizheng": (12, 4, 0, "0"),
    "renshe": (1563, 35, 2, "0"),
    "shijian": (15807, 1246, 86, "32.1000"),
    "weijian": (2341, 212, 5, "18.7500"),
    "chengguan": (864, 3152, 418, "126.4000"),
    "jiaotong": (6423, 1871, 64, "87.9200"),
}


def annual_sections(
    *, agency_name: str, year: int, consolidated: bool, figures: dict[str, Any]
) -> dict[str, str]:
    """The six sections of an annual report (``AnnualReport`` field names), with the report's figures."""
    f = figures
    scope = "全市各级行政机关" if consolidated else "本机关"
    overview = (
        f"{year}年，{agency_name}全面贯彻落实"
        "《中华人民共和国政府信息公开条例》和国务院办公厅、省政府办公厅关于政务公开工作的部署，"
        "以公开为常态、不公开为例外，持续推进决策、执行、管理、服务、结果公开，政府信息公开工作取得新成效。\n"
        f"（一）主动公开。全年通过政府门户网站、政务新媒体和新闻发布会主动公开政府信息，"
        f"制发行政规范性文件{f['normative_issued']}件，对涉及群众切身利益的文件同步发布政策解读。"
        "重点做好财政预决算、房屋征收、义务教育招生、生态环境、公共卫生等领域信息公开。\n"
        f"（二）依申请公开。{scope}新收政府信息公开申请{f['new']}件，上年结转{f['carried']}件，"
        f"办结{f['concluded']}件，结转下年度继续办理{f['forward']}件。严格执行登记、审核、办理、答复、归档制度，"
        "答复期限、补正告知、征求意见和延期答复均按条例规定的工作日计算，依法规范答复。\n"
        "（三）政府信息管理。落实公开前保密审查机制，动态更新政府信息公开目录，"
        "对行政规范性文件实行统一登记、统一编号、统一公布，及时清理已废止、失效的文件并标注有效性。\n"
        "（四）平台建设。优化政府门户网站“政府信息公开”专栏，上线政府信息公开申请网上办理和进度查询功能，"
        "申请人凭申请编号和查询码可随时查询办理进度。\n"
        "（五）监督保障。将政务公开工作纳入年度绩效考核，开展政务公开业务培训，"
        "全年未发生因政府信息公开工作被责任追究的情况。"
    )
    proactive = (
        f"本年度{scope}依据条例第二十条主动公开行政许可处理决定{f['licensing']}件、行政处罚决定{f['penalty']}件、"
        f"行政强制决定{f['enforcement']}件，行政事业性收费{f['fees']}万元。具体情况如下："
    )
    applications = (
        f"本年度新收申请{f['new']}件，其中自然人申请{f['natural']}件、法人或其他组织申请{f['organisations']}件。"
        f"办结的申请中，予以公开{f['disclosed']}件，部分公开{f['partial']}件，不予公开{f['withheld']}件，"
        f"无法提供{f['unavailable']}件，不予处理{f['not_processed']}件，其他处理{f['other']}件。"
        "申请内容主要集中在房屋征收补偿、建设工程规划许可、义务教育学区划分、环境影响评价和财政预决算等方面。"
        "具体情况如下："
    )
    reviews = (
        f"本年度因政府信息公开工作被申请行政复议{f['reconsideration']}件，被提起行政诉讼{f['litigation']}件。"
        "对被纠错的案件，已按复议决定重新作出答复，并在全市政务公开培训中作为案例讲评。具体情况如下："
    )
    problems = (
        "一是依申请公开答复质量仍需提升，个别答复对不予公开理由的说明不够具体，"
        "部分申请因需要调档检索和征求意见而延期答复。\n"
        "二是基层政务公开工作力量不足，工作人员变动较频繁，业务能力有待加强。\n"
        "三是部分领域主动公开的及时性和完整性有差距，政策解读形式还不够丰富。\n"
        "改进措施：一是规范答复文书，逐类制定答复书模板，对“不予公开”“无法提供”等答复实行政务公开工作机构审核；"
        "二是加强培训，每季度组织一次政府信息公开业务培训，编印典型案例；"
        "三是把群众申请较多的房屋征收、规划许可、学区划分等信息逐步转为主动公开，"
        "落实条例第四十四条，从源头减少重复申请。"
    )
    other = (
        f"{f['fee_line']}\n"
        "本年度办理人大代表建议和政协委员提案的复文已按规定公开。"
        "按照年度政务公开工作要点，全面完成基层政务公开标准目录的更新和公开平台的整合。"
    )
    return {
        "overview": overview,
        "proactive_intro": proactive,
        "applications_intro": applications,
        "reviews_intro": reviews,
        "problems": problems,
        "other_matters": other,
    }
