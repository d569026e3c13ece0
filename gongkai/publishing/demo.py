"""Demo content of the disclosure section: the section tree and a few dozen Jilin City documents.

Everything goes through the import (``importer.import_rows`` with ``publish=True``), so the demo
exercises the same validation, index numbers, revisions, catalogue and search as real imports.
The requirement itself (吉市政办发〔2014〕2号, ``data/jishizhengbanfa-2014-2.txt``) is loaded with
its real 索引号, 发文字号, dates and text, parsed from the file's header. Idempotent: a second run
finds every document by its 索引号 (or type, department, title and year) and changes nothing.
"""

from __future__ import annotations

import datetime
import re
import tempfile
from pathlib import Path
from typing import Any

from django.utils import timezone

DATA = Path(__file__).resolve().parent / "data"
REQUIREMENT_FILE = DATA / "jishizhengbanfa-2014-2.txt"
ATTACHMENT_FILE = DATA / "recruitment-positions-2026.pdf"

# The 统一社会信用代码 of 吉林市人民政府 as printed in the requirement's header (the part of its
# 索引号 before the slash). The accounts demo invents codes; this one is public and real.
CITY_GOVERNMENT_CREDIT_CODE = "11220200795219742W"
REASON = "演示数据：吉林市已经发布的文件"

TOPICS = [
    ("zhengwu", "政务服务和数字化建设管理"),
    ("jingji", "国民经济管理、国有资产监管"),
    ("chengxiang", "城乡建设、环境保护"),
    ("jiaotong", "交通运输"),
    ("minzheng", "民政、扶贫、救灾"),
    ("laodong", "劳动、人事、监察"),
    ("weisheng", "卫生、体育"),
    ("wenhua", "文化、广电、新闻出版、旅游"),
    ("anquan", "公安、安全生产、司法"),
    ("nongye", "农业、林业、水利"),
]

LISTS = [
    ("policy", "zcwj", "政策文件", "市政府及各部门制发的规范性文件和其他政策文件。"),
    ("interpretation", "zcjd", "政策解读", "谁起草、谁解读：重要政策与解读材料同步发布。"),
    ("press_release", "xwfb", "新闻发布", "新闻发布会、吹风会、答记者问和新闻稿。"),
    ("announcement", "tzgg", "通知公告", "各类通知、公告、通告。"),
    ("event", "hdxx", "活动信息", "节庆、展会、“无车日”、公路赛事等活动的时间、地点和交通安排。"),
    ("emergency", "tfsj", "突发事件", "突发事件的进展、政府措施、公众防范提示和调查处理结果。"),
    ("rumor", "py", "辟谣", "针对不实传言发布的事实真相。"),
]

_HEADER = re.compile(r"^(索引号|分类|发文机关|成文日期|标题|发文字号|发布日期):\s*$")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+\.)")
_TERMINAL = tuple("。：:；;！？!?")


def parse_requirement(text: str) -> dict[str, Any]:
    """Read the header (索引号, 分类, 发文机关, 成文日期, 标题, 发文字号, 发布日期) and the text.

    The header is a table of ``label:<TAB>value`` cells. The text's lines are joined where a page
    break split a sentence (a line that ends without 。：； and is not a heading).
    """
    lines = text.replace("\r\n", "\n").split("\n")
    header: dict[str, str] = {}
    body_start = 0
    for number, line in enumerate(lines):
        cells = [cell.strip() for cell in line.split("\t")]
        if (
            any(_HEADER.match(cell + ("" if cell.endswith(":") else ":")) for cell in cells[:1])
            and ":" in line
        ):
            for i in range(0, len(cells) - 1, 2):
                label = cells[i].rstrip(":").strip()
                if label:
                    header[label] = cells[i + 1]
            body_start = number + 1
        elif header and line.strip():
            break
    title = header.get("标题", "")
    body_lines = [line.strip() for line in lines[body_start:] if line.strip()]
    # The text repeats the title (with spaces where it was broken) before the salutation.
    if body_lines and body_lines[0].replace(" ", "") == title.replace(" ", ""):
        body_lines = body_lines[1:]
    paragraphs: list[str] = []
    for line in body_lines:
        previous = paragraphs[-1] if paragraphs else ""
        previous_is_heading = bool(_HEADING.match(previous)) and len(previous) < 40
        if (
            previous
            and not previous.endswith(_TERMINAL)
            and not previous_is_heading
            and not _HEADING.match(line)
            and not re.match(r"^\d{4}年", line)
            and not previous.endswith("办公厅")
            and not re.match(r"^\d{4}年\d{1,2}月\d{1,2}日$", previous)
        ):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    category, _sep, genre = header.get("分类", "").partition(";")
    return {
        "index_number": header.get("索引号", ""),
        "category": category.strip(),
        "genre": genre.strip(),
        "department": header.get("发文机关", ""),
        "written_on": header.get("成文日期", ""),
        "title": title,
        "document_number": header.get("发文字号", ""),
        "published_at": header.get("发布日期", ""),
        "body": "\n".join(paragraphs),
    }


def _at(day: str, time: str = "09:00") -> str:
    return f"{day} {time}"


def documents() -> list[dict[str, Any]]:
    """The demo's documents as import rows (policies first; interpretations name their policy)."""
    requirement = parse_requirement(REQUIREMENT_FILE.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = [
        {
            "type": "policy",
            "title": requirement["title"],
            "department": requirement["department"],
            "index_number": requirement["index_number"],
            "category": requirement["category"],
            "genre": requirement["genre"],
            "document_number": requirement["document_number"],
            "written_on": requirement["written_on"],
            "published_at": requirement["published_at"],
            "subject_words": "政府信息公开 回应社会关切 政府公信力",
            "summary": "完善政府信息公开平台，加大工作机制建设力度，建立健全政务公开工作保障措施，"
            "及时回应群众反映强烈和社会关切度较高的问题。",
            "body": requirement["body"],
        },
    ]
    rows += [
        {
            "type": "policy",
            "title": "吉林市人民政府办公厅关于印发吉林市2026—2027年度冬季城市清雪工作方案的通知",
            "department": "bangongting",
            "category": "城乡建设、环境保护",
            "genre": "通知",
            "document_number": "吉市政办发〔2026〕21号",
            "written_on": "2026-10-28",
            "published_at": _at("2026-10-30"),
            "subject_words": "清雪 冬季 城市管理",
            "needs_interpretation": True,
            "summary": "明确全市冬季清雪责任分工、作业标准和时限，主干道雪停后 24 小时内清理完毕。",
            "body": "各县（市）区人民政府，各开发区管委会，市政府各委办局、各直属机构：\n"
            "《吉林市2026—2027年度冬季城市清雪工作方案》已经市政府同意，现印发给你们，请认真贯彻执行。\n"
            "一、工作目标\n坚持“以雪为令、雪停路净”，主干道、桥梁、坡道雪停后 24 小时内清理完毕，"
            "次干道 48 小时内清理完毕，背街小巷 72 小时内清理完毕。\n"
            "二、责任分工\n市城管执法局负责主次干道机械化清雪；各区政府负责辖区背街小巷和居民小区周边清雪；"
            "沿街单位负责门前责任区。\n三、保障措施\n各单位要加强值守，遇暴雪天气启动应急响应，"
            "通过12345热线及时受理群众反映的清雪问题。",
        },
        {
            "type": "policy",
            "title": "吉林市人民政府关于调整全市城乡居民最低生活保障标准的通知",
            "department": "jilin",
            "category": "民政、扶贫、救灾",
            "genre": "通知",
            "document_number": "吉市政发〔2025〕9号",
            "written_on": "2025-06-20",
            "published_at": _at("2025-06-25"),
            "subject_words": "最低生活保障 标准 民生",
            "needs_interpretation": True,
            "summary": "自 2025 年 7 月 1 日起，城市低保标准提高到每人每月 780 元，农村低保标准提高到每人每年 6600 元。",
            "body": "各县（市）区人民政府，各开发区管委会，市政府各委办局：\n"
            "为保障困难群众基本生活，经市政府研究决定，调整全市城乡居民最低生活保障标准。\n"
            "一、城市居民最低生活保障标准由每人每月 740 元提高到 780 元。\n"
            "二、农村居民最低生活保障标准由每人每年 6200 元提高到 6600 元。\n"
            "三、新标准自 2025 年 7 月 1 日起执行，所需资金按现行渠道解决。",
        },
        {
            "type": "policy",
            "title": "吉林市人民政府办公厅关于进一步做好城市供热保障工作的通知",
            "department": "bangongting",
            "category": "城乡建设、环境保护",
            "genre": "通知",
            "document_number": "吉市政办发〔2025〕14号",
            "written_on": "2025-09-30",
            "published_at": _at("2025-10-09"),
            "subject_words": "供热 民生保障",
            "needs_interpretation": True,
            "summary": "供热期为每年 10 月 25 日至次年 4 月 5 日，居民室温不低于 18℃，热企接诉后 2 小时内上门。",
            "body": "各县（市）区人民政府，市政府有关部门，各供热企业：\n"
            "一、供热期为每年 10 月 25 日至次年 4 月 5 日，可视天气情况提前或延长。\n"
            "二、居民卧室、起居室室温不低于 18℃。供热企业接到室温不达标反映后 2 小时内上门检测处理。\n"
            "三、市住建局会同12345热线建立供热投诉快速处置机制，每日通报投诉办理情况。",
        },
        {
            "type": "policy",
            "title": "吉林市人力资源和社会保障局关于做好2026年高校毕业生就业创业工作的通知",
            "department": "renshe",
            "category": "劳动、人事、监察",
            "genre": "通知",
            "document_number": "吉市人社发〔2026〕5号",
            "written_on": "2026-03-12",
            "published_at": _at("2026-03-16"),
            "subject_words": "就业 创业 高校毕业生",
            "needs_interpretation": True,
            "summary": "落实一次性吸纳就业补贴、创业担保贷款和见习补贴，开展“百日千万”招聘专项行动。",
            "body": "各县（市）区人力资源和社会保障局，各有关单位：\n"
            "一、企业吸纳离校 2 年内未就业高校毕业生就业并签订 1 年以上劳动合同的，给予每人 1500 元一次性吸纳就业补贴。\n"
            "二、高校毕业生自主创业的，可申请最高 30 万元创业担保贷款，按规定给予贴息。\n"
            "三、见习单位按见习人员每人每月 1900 元标准获得见习补贴。",
        },
        {
            "type": "policy",
            "title": "吉林市交通运输局关于优化调整市区部分公交线路的通告",
            "department": "jiaotong",
            "category": "交通运输",
            "genre": "通告",
            "document_number": "吉市交通发〔2025〕18号",
            "written_on": "2025-11-05",
            "published_at": _at("2025-11-07"),
            "subject_words": "公交 线路调整",
            "summary": "自 2025 年 11 月 15 日起，3 路、12 路、33 路公交线路走向和站点调整。",
            "body": "为方便市民出行，经研究，自 2025 年 11 月 15 日起对市区部分公交线路进行优化调整：\n"
            "一、3 路延伸至吉林北站，新增北站站点。\n二、12 路取消江湾大桥东站，改经松江中路。\n"
            "三、33 路首班时间提前至 5:30。\n特此通告。",
        },
        {
            "type": "policy",
            "title": "吉林市生态环境局关于印发吉林市重污染天气应急预案的通知",
            "department": "shengtai",
            "category": "城乡建设、环境保护",
            "genre": "通知",
            "document_number": "吉市环发〔2025〕7号",
            "written_on": "2025-10-15",
            "published_at": _at("2025-10-20"),
            "subject_words": "重污染天气 应急预案",
            "summary": "按黄色、橙色、红色三级预警启动应急响应，明确工业企业减排和机动车管控措施。",
            "body": "各县（市）区人民政府，市直有关部门：\n现将《吉林市重污染天气应急预案》印发给你们，请认真组织实施。\n"
            "预警分为黄色、橙色、红色三级。发布橙色及以上预警时，启动工业企业减排清单，"
            "建筑工地停止土石方作业，并视情采取机动车限行措施。",
        },
        {
            "type": "policy",
            "title": "吉林市人民政府办公厅关于印发吉林市政务公开工作考核办法的通知",
            "department": "bangongting",
            "category": "政务服务和数字化建设管理",
            "genre": "通知",
            "document_number": "吉市政办发〔2025〕3号",
            "written_on": "2025-02-20",
            "published_at": _at("2025-02-26"),
            "subject_words": "政务公开 考核",
            "validity": "已修改",
            "changed_by": "__amendment__",
            "summary": "从主动公开、依申请公开、政策解读与回应关切、平台建设和监督保障五方面考核各单位政务公开工作。",
            "body": "各县（市）区人民政府，各开发区管委会，市政府各委办局：\n"
            "《吉林市政务公开工作考核办法》已经市政府同意，现印发给你们，请遵照执行。\n"
            "考核实行百分制，分为主动公开（30 分）、依申请公开（20 分）、政策解读与回应关切（20 分）、"
            "平台建设（15 分）、监督保障（15 分）五部分。",
        },
        {
            "type": "policy",
            "title": "吉林市人民政府办公厅关于修改《吉林市政务公开工作考核办法》的通知",
            "department": "bangongting",
            "category": "政务服务和数字化建设管理",
            "genre": "通知",
            "document_number": "吉市政办发〔2026〕8号",
            "written_on": "2026-04-10",
            "published_at": _at("2026-04-15"),
            "subject_words": "政务公开 考核 修改",
            "summary": "将政务新媒体内容更新和互动回应情况纳入考核，分值调整为 10 分。",
            "body": "各县（市）区人民政府，各开发区管委会，市政府各委办局：\n"
            "经市政府同意，对《吉林市政务公开工作考核办法》作如下修改：\n"
            "一、增加“政务新媒体”考核项目，分值 10 分，考核内容更新和互动回应情况。\n"
            "二、“平台建设”分值由 15 分调整为 10 分，“监督保障”分值由 15 分调整为 10 分。",
        },
        {
            "type": "policy",
            "title": "吉林市人民政府办公厅关于市政府部门内部机构设置调整的请示",
            "department": "bangongting",
            "category": "政务服务和数字化建设管理",
            "genre": "其他",
            "document_number": "吉市政办呈〔2026〕4号",
            "written_on": "2026-05-08",
            "disclosure_attribute": "不予公开",
            "legal_ground": "art16_process",
            "legal_ground_explanation": "请示报告属于过程性信息（条例第十六条第二款）。",
            "body": "内部请示，不予公开。",
        },
    ]
    rows += [
        {
            "type": "interpretation",
            "title": "一图读懂：吉林市2026—2027年度冬季城市清雪工作方案",
            "department": "chengguan",
            "policy": "__snow__",
            "form": "illustrated",
            "category": "城乡建设、环境保护",
            "published_at": _at("2026-10-30", "10:00"),
            "summary": "清雪时限、责任分工和市民如何反映清雪问题，一张图看明白。",
            "body": "主干道：雪停后 24 小时内清理完毕。\n次干道：48 小时内。\n背街小巷：72 小时内。\n"
            "发现积雪未清，可拨打 12345 反映。",
        },
        {
            "type": "interpretation",
            "title": "专家解读：我市城乡低保标准为何这样调整",
            "department": "minzheng",
            "policy": "__dibao__",
            "author_kind": "expert",
            "expert_name": "李文华",
            "expert_title": "吉林大学行政学院教授",
            "category": "民政、扶贫、救灾",
            "published_at": _at("2025-06-25", "15:00"),
            "summary": "标准调整综合考虑了居民人均消费支出、物价变动和财政承受能力。",
            "body": "本次调整后，城市低保标准约占上年度城镇居民人均消费支出的 35%，与全省平均水平相当。\n"
            "调整综合考虑了物价变动和财政承受能力，困难群众无需重新申请，新标准自动执行。",
        },
        {
            "type": "interpretation",
            "title": "《关于进一步做好城市供热保障工作的通知》政策解读",
            "department": "zhujian",
            "policy": "__heating__",
            "category": "城乡建设、环境保护",
            "published_at": _at("2025-10-09", "14:00"),
            "summary": "室温不达标怎么办？热企多长时间上门？这篇解读说清楚。",
            "body": "一、出台背景：为保障群众温暖过冬，回应往年供热投诉集中的问题。\n"
            "二、主要内容：室温不低于 18℃；接诉后 2 小时内上门；投诉办理情况每日通报。\n"
            "三、市民如何反映：拨打 12345 或供热企业服务电话。",
        },
        {
            "type": "interpretation",
            "title": "图解：2026年高校毕业生就业创业扶持政策",
            "department": "renshe",
            "policy": "__jobs__",
            "form": "illustrated",
            "category": "劳动、人事、监察",
            "published_at": _at("2026-03-16", "11:00"),
            "summary": "吸纳就业补贴、创业担保贷款、见习补贴怎么申请。",
            "body": "一次性吸纳就业补贴：每人 1500 元。\n创业担保贷款：最高 30 万元。\n见习补贴：每人每月 1900 元。",
        },
    ]
    rows += [
        {
            "type": "press_release",
            "title": "吉林市2026年前三季度经济运行情况新闻发布会",
            "department": "tongji",
            "release_kind": "conference",
            "spokesperson": "市统计局副局长 王立新",
            "held_at": _at("2026-10-24", "10:00"),
            "venue": "市政府新闻发布厅",
            "category": "国民经济管理、国有资产监管",
            "published_at": _at("2026-10-24", "12:00"),
            "summary": "前三季度全市地区生产总值同比增长 5.6%，规模以上工业增加值增长 7.1%。",
            "body": "10 月 24 日，市政府新闻办召开新闻发布会，通报全市前三季度经济运行情况。\n"
            "前三季度，全市地区生产总值同比增长 5.6%；规模以上工业增加值增长 7.1%；"
            "社会消费品零售总额增长 6.3%；城镇居民人均可支配收入增长 5.2%。",
        },
        {
            "type": "press_release",
            "title": "吉林市冬季清雪保障工作新闻发布会",
            "department": "xinwenban",
            "release_kind": "conference",
            "spokesperson": "市城管执法局局长 刘志刚",
            "held_at": _at("2026-11-10", "09:30"),
            "venue": "市政府新闻发布厅",
            "category": "城乡建设、环境保护",
            "published_at": _at("2026-11-10", "11:30"),
            "summary": "今冬投入清雪机械 860 台，新增融雪剂储备 1.2 万吨。",
            "body": "今冬全市共投入清雪机械 860 台、作业人员 1.1 万人，储备环保型融雪剂 1.2 万吨。\n"
            "市民发现清雪不及时，可拨打 12345 热线反映，热线将在 2 小时内派单。",
        },
        {
            "type": "press_release",
            "title": "第二十九届中国·吉林国际雾凇冰雪节新闻发布会",
            "department": "wenlv",
            "release_kind": "conference",
            "spokesperson": "市文广旅局副局长 张晓梅",
            "held_at": _at("2025-12-10", "10:00"),
            "venue": "市政府新闻发布厅",
            "category": "文化、广电、新闻出版、旅游",
            "published_at": _at("2025-12-10", "13:00"),
            "summary": "冰雪节 12 月 26 日开幕，推出雾凇观赏、冰雪运动等 6 大板块 60 余项活动。",
            "body": "第二十九届中国·吉林国际雾凇冰雪节将于 12 月 26 日开幕，持续至 2026 年 2 月底。\n"
            "本届冰雪节推出雾凇观赏、冰雪运动、冰雪文化等 6 大板块 60 余项活动。",
        },
        {
            "type": "press_release",
            "title": "市卫生健康委就秋冬季呼吸道疾病防治答记者问",
            "department": "weijian",
            "release_kind": "questions",
            "spokesperson": "市卫生健康委新闻发言人",
            "category": "卫生、体育",
            "published_at": _at("2025-11-20", "16:00"),
            "summary": "全市 38 家医疗机构开设发热门诊，儿科门诊延长服务时间。",
            "body": "问：近期呼吸道疾病患者增多，就医有哪些便利措施？\n"
            "答：全市 38 家医疗机构开设发热门诊，儿科门诊延长服务时间至 21 时；"
            "建议老年人和儿童接种流感疫苗，出现发热症状及时就医。",
        },
    ]
    rows += [
        {
            "type": "announcement",
            "title": "关于2026年元旦假期12345热线服务安排的公告",
            "department": "rexian",
            "category": "政务服务和数字化建设管理",
            "published_at": _at("2025-12-28"),
            "summary": "元旦假期 12345 热线 24 小时人工服务不间断。",
            "body": "2026 年元旦假期期间，12345 政务服务便民热线 24 小时人工服务不间断，"
            "供热、供水、燃气等紧急诉求即时转办。",
        },
        {
            "type": "announcement",
            "title": "吉林市2026年事业单位公开招聘工作人员公告",
            "department": "renshe",
            "category": "劳动、人事、监察",
            "published_at": _at("2026-04-15"),
            "valid_until": "2026-05-15",
            "attachments": ATTACHMENT_FILE.name,
            "summary": "全市事业单位公开招聘 326 人，4 月 20 日至 4 月 24 日网上报名。",
            "body": "根据工作需要，全市事业单位公开招聘工作人员 326 名。\n"
            "报名时间：2026 年 4 月 20 日 9:00 至 4 月 24 日 16:00，网上报名。\n招聘岗位见附件。",
        },
        {
            "type": "announcement",
            "title": "关于松花江吉林市区段2026年禁渔期的通告",
            "department": "nongye",
            "category": "农业、林业、水利",
            "published_at": _at("2026-03-25"),
            "summary": "4 月 1 日至 6 月 30 日松花江吉林市区段禁止捕捞。",
            "body": "为保护松花江渔业资源，2026 年 4 月 1 日 12 时至 6 月 30 日 12 时，"
            "松花江吉林市区段禁止一切捕捞作业。违者依法查处。",
        },
        {
            "type": "announcement",
            "title": "关于开展2026年度城镇燃气安全隐患排查整治的通知",
            "department": "yingji",
            "category": "公安、安全生产、司法",
            "published_at": _at("2026-09-01"),
            "summary": "9 月至 11 月对全市餐饮场所和老旧小区燃气设施开展隐患排查。",
            "body": "9 月至 11 月，全市开展城镇燃气安全隐患排查整治，重点检查餐饮场所、老旧小区燃气设施。"
            "市民发现燃气泄漏，请立即关闭阀门、开窗通风并拨打燃气企业抢修电话。",
        },
    ]
    rows += [
        {
            "type": "event",
            "title": "2026年吉林市“无车日”活动安排",
            "department": "jiaotong",
            "event_kind": "car_free_day",
            "starts_at": _at("2026-09-22", "07:00"),
            "ends_at": _at("2026-09-22", "19:00"),
            "place": "世纪广场至江湾大桥段",
            "organizer": "吉林市交通运输局",
            "category": "交通运输",
            "published_at": _at("2026-09-15"),
            "traffic_arrangements": "7:00—19:00 世纪大街（世纪广场至江湾大桥）禁止机动车通行，"
            "公交 3 路、12 路临时绕行松江中路。\n当日市区公交免费乘坐。",
            "summary": "9 月 22 日世纪大街部分路段禁止机动车通行，当日公交免费。",
            "body": "为倡导绿色出行，9 月 22 日举办“无车日”活动，欢迎市民步行、骑行参与。",
        },
        {
            "type": "event",
            "title": "2026吉林市马拉松赛交通管制公告",
            "department": "gongan",
            "event_kind": "road_race",
            "starts_at": _at("2026-05-17", "06:30"),
            "ends_at": _at("2026-05-17", "13:30"),
            "place": "世纪广场（起终点）、松江东路、滨江南路",
            "organizer": "吉林市人民政府",
            "category": "公安、安全生产、司法",
            "published_at": _at("2026-05-10"),
            "traffic_arrangements": "6:30—13:30 赛道沿线分段封闭，社会车辆请绕行吉林大街、解放大路。",
            "summary": "5 月 17 日马拉松赛期间赛道沿线分段交通管制。",
            "body": "2026吉林市马拉松赛于 5 月 17 日 7:30 在世纪广场鸣枪起跑，设全程、半程和健康跑项目。",
        },
        {
            "type": "event",
            "title": "第二十九届中国·吉林国际雾凇冰雪节活动安排",
            "department": "wenlv",
            "event_kind": "festival",
            "starts_at": _at("2025-12-26", "09:00"),
            "ends_at": _at("2026-02-28", "18:00"),
            "place": "松花江沿岸、北大壶、万科松花湖",
            "organizer": "吉林市人民政府",
            "category": "文化、广电、新闻出版、旅游",
            "published_at": _at("2025-12-12"),
            "traffic_arrangements": "开幕式当日世纪广场周边 8:00—12:00 临时交通管制。",
            "summary": "雾凇观赏、冰雪运动、冰雪文化等 60 余项活动。",
            "body": "冰雪节期间推出雾凇观赏、冰雪运动、冰雪文化等 6 大板块 60 余项活动，欢迎广大市民和游客参与。",
        },
        {
            "type": "event",
            "title": "2026东北亚（吉林）农业博览会",
            "department": "nongye",
            "event_kind": "exhibition",
            "starts_at": _at("2026-08-20", "09:00"),
            "ends_at": _at("2026-08-24", "17:00"),
            "place": "吉林市会展中心",
            "organizer": "吉林市农业农村局",
            "category": "农业、林业、水利",
            "published_at": _at("2026-08-01"),
            "summary": "展览面积 3 万平方米，设农产品、农机装备等 6 个展区。",
            "body": "展会设农产品、农机装备、智慧农业等 6 个展区，市民凭身份证免费入场。",
        },
    ]
    rows += [
        {
            "type": "emergency",
            "title": "我市应对11月24日寒潮暴雪天气",
            "department": "yingji",
            "is_open": True,
            "level": "4",
            "occurred_at": _at("2026-11-24", "06:00"),
            "location": "吉林市全域",
            "category": "公安、安全生产、司法",
            "published_at": _at("2026-11-24", "07:30"),
            "summary": "市气象台发布暴雪橙色预警，全市启动Ⅳ级应急响应。",
            "body": "11 月 24 日，我市出现寒潮暴雪天气，市气象台发布暴雪橙色预警。"
            "市防汛抗旱指挥部启动Ⅳ级应急响应，全力做好道路清雪、供热保障和群众安全工作。",
            "updates": "2026-11-24 07:30|progress|市气象台发布暴雪橙色预警，预计降雪量 15—20 毫米。\n"
            "2026-11-24 08:00|measure|全市启动Ⅳ级应急响应，出动清雪机械 620 台次。\n"
            "2026-11-24 09:00|precaution|请市民减少不必要外出，驾车出行注意防滑，关注学校停课通知。\n"
            "2026-11-25 10:00|progress|主干道已基本通行，12345 热线受理清雪诉求 1326 件，已办结 1108 件。",
        },
        {
            "type": "emergency",
            "title": "永吉县“7·20”强降雨洪涝灾害处置情况",
            "department": "yongji",
            "is_open": False,
            "level": "3",
            "occurred_at": _at("2025-07-20", "03:00"),
            "location": "永吉县口前镇、岔路河镇",
            "category": "农业、林业、水利",
            "published_at": _at("2025-07-20", "08:00"),
            "summary": "强降雨导致部分村屯受灾，已转移群众 3200 人，无人员伤亡。",
            "body": "7 月 20 日凌晨，永吉县出现强降雨，部分村屯道路、农田受灾。县政府立即启动应急响应。",
            "updates": "2025-07-20 08:00|progress|强降雨致部分村屯道路中断，已转移群众 3200 人。\n"
            "2025-07-20 10:00|measure|县政府启动防汛Ⅲ级应急响应，调派救援力量 800 人。\n"
            "2025-07-20 12:00|precaution|请沿河群众远离河道，不要涉水通行。\n"
            "2025-08-15 09:00|investigation|灾情核查完毕：农作物受灾 1.2 万亩，损毁道路 18 公里，无人员伤亡；"
            "灾后恢复重建资金已下拨。",
        },
    ]
    rows += [
        {
            "type": "rumor",
            "title": "网传“吉林市今冬供热推迟到11月15日”不实",
            "department": "zhujian",
            "rumor": "网传吉林市今冬供热将推迟到 11 月 15 日开始。",
            "facts": "我市供热期仍为 10 月 25 日至次年 4 月 5 日，今年已按期供热。",
            "evidence": "依据《关于进一步做好城市供热保障工作的通知》（吉市政办发〔2025〕14号）。",
            "answers_description": "某短视频平台账号 10 月 18 日发布的视频",
            "category": "城乡建设、环境保护",
            "published_at": _at("2025-10-19", "10:00"),
            "summary": "今年供热按期于 10 月 25 日开始。",
        },
        {
            "type": "rumor",
            "title": "网传“松花江吉林段饮用水源被污染”系谣言",
            "department": "shengtai",
            "rumor": "网传松花江吉林段饮用水源被化工企业污染，自来水不能饮用。",
            "facts": "经监测，松花江吉林段饮用水水源地各项指标均符合国家标准，自来水出厂水质合格，可放心饮用。",
            "evidence": "市生态环境监测站 7 月 8 日监测报告；市供水公司出厂水水质检测报告。",
            "answers_description": "微信群流传的截图",
            "category": "城乡建设、环境保护",
            "published_at": _at("2026-07-09", "09:00"),
            "summary": "饮用水源地水质达标，自来水可放心饮用。",
        },
    ]
    return rows


def _city_government_credit_code() -> None:
    """Give 吉林市人民政府 its real credit code (the one in the requirement's 索引号)."""
    from gongkai.accounts.models import Department
    from gongkai.core.audit.services import audit_record

    city = Department.objects.filter(code="jilin").first()
    if city is None or city.credit_code == CITY_GOVERNMENT_CREDIT_CODE:
        return
    Department.objects.filter(credit_code=CITY_GOVERNMENT_CREDIT_CODE).exclude(pk=city.pk).update(
        credit_code=""
    )
    old = city.credit_code
    city.credit_code = CITY_GOVERNMENT_CREDIT_CODE
    city.full_clean()
    city.save(update_fields=["credit_code"])
    audit_record(
        actor=None,
        action="accounts.department_changed",
        target=city,
        old={"credit_code": old},
        new={"credit_code": city.credit_code},
        note="demo: 吉市政办发〔2014〕2号 索引号",
    )


def load_tree(*, stdout: Any = None) -> Any:
    """Create the 政府信息公开 section and its lists under the portal's home page (if missing)."""
    from gongkai.portal import demo as portal_demo
    from gongkai.portal.models import HomePage
    from gongkai.publishing.models import DisclosureSectionPage, DocumentIndexPage, Topic

    home = HomePage.objects.first()
    if home is None:
        portal_demo.load(stdout=stdout or _Null())
        home = HomePage.objects.get()
    for sort_order, (code, name) in enumerate(TOPICS):
        Topic.objects.update_or_create(name=name, defaults={"code": code, "sort_order": sort_order * 10})
    section = DisclosureSectionPage.objects.first()
    if section is None:
        section = DisclosureSectionPage(
            title="政府信息公开",
            slug="zwgk",
            intro="依据《中华人民共和国政府信息公开条例》，公开吉林市人民政府及其部门的政府信息。",
            guide_overview="<p>本指南所称政府信息，是指行政机关在履行行政管理职能过程中制作或者获取的，"
            "以一定形式记录、保存的信息。政府信息按政策文件、政策解读、新闻发布、通知公告、活动信息、"
            "突发事件和辟谣分类，目录按索引号、名称、内容概述、生成日期编排。</p>"
            "<p>主动公开的政府信息通过本网站、政务微博“吉林发布”和政务微信公众号发布，"
            "可在本网站检索、查阅、下载。</p>",
            office_name="吉林市人民政府办公厅政务公开科",
            office_address="吉林省吉林市丰满区吉林大街 1 号",
            office_postcode="132013",
            office_hours="工作日 8:30—12:00，13:00—17:00",
            office_phone="0432-62012001",
            office_fax="0432-62012009",
            office_email="zwgk@jlcity.gov.cn",
            how_to_apply="<p>申请人可通过本网站在线申请、信函或当面提交书面申请，"
            "写明姓名或名称、身份证明、联系方式，所需政府信息的名称、文号或便于查询的其他特征性描述，"
            "以及获取信息的方式和途径。</p><p>能够当场答复的当场答复；不能当场答复的，"
            "自收到申请之日起 20 个工作日内答复，需要延长的最长不超过 20 个工作日。依申请提供政府信息不收取费用。</p>",
        )
        home.add_child(instance=section)
        section.save_revision().publish()
    existing = set(DocumentIndexPage.objects.descendant_of(section).values_list("document_type", flat=True))
    for document_type, slug, title, intro in LISTS:
        if document_type in existing:
            continue
        index_page = DocumentIndexPage(title=title, slug=slug, document_type=document_type, intro=intro)
        section.add_child(instance=index_page)
        index_page.save_revision().publish()
    return section


class _Null:
    def write(self, *args: Any, **kwargs: Any) -> None:
        pass


def load(*, stdout: Any) -> None:
    from gongkai.publishing import importer
    from gongkai.publishing.models import CatalogueEntry

    started = timezone.now()
    _city_government_credit_code()
    section = load_tree()
    rows = documents()
    # Interpretations and the amended policy refer to policies whose 索引号 is assigned on the
    # first load: import the policies, then resolve the placeholders to their index numbers.
    policies = [row for row in rows if row["type"] == "policy"]
    others = [row for row in rows if row["type"] != "policy"]
    amendment_title = "吉林市人民政府办公厅关于修改《吉林市政务公开工作考核办法》的通知"
    first = [row for row in policies if not row.get("changed_by")]
    first_result = importer.import_rows(
        importer.rows_from_dicts(first), publish=True, section=section, reason=REASON
    )

    def index_of(title_part: str) -> str:
        entry = CatalogueEntry.objects.filter(doc_type="policy", title__contains=title_part).first()
        return entry.index_number if entry else ""

    placeholders = {
        "__snow__": index_of("冬季城市清雪工作方案"),
        "__dibao__": index_of("最低生活保障标准"),
        "__heating__": index_of("城市供热保障工作"),
        "__jobs__": index_of("高校毕业生就业创业"),
        "__amendment__": index_of(amendment_title),
    }
    second = [
        {
            key: placeholders.get(value, value) if isinstance(value, str) else value
            for key, value in row.items()
        }
        for row in [*[row for row in policies if row.get("changed_by")], *others]
    ]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / ATTACHMENT_FILE.name).write_bytes(ATTACHMENT_FILE.read_bytes())
        result = importer.import_rows(
            importer.rows_from_dicts(second),
            base_dir=Path(folder),
            publish=True,
            section=section,
            reason=REASON,
        )
    total = CatalogueEntry.objects.filter(is_public=True).count()
    seconds = (timezone.now() - started).total_seconds()
    stdout.write(
        f"publishing: 政府信息公开栏目 {total} 件公开文件（本次新建 {len(first_result.created) + len(result.created)}）"
        f" / {total} public documents ({seconds:.1f} s)"
    )


def today() -> datetime.date:
    return timezone.localdate()
