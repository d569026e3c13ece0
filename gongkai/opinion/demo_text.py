"""The opinion demo's stream: a week of posts about Jilin City matters, generated from a seed.

:func:`generate` returns :class:`RawPost` objects (nothing is stored here) for five matters and the
city's everyday chatter, with realistic shapes:

* **heating** (船营区江城嘉园小区暖气不热, negative) — a trickle four to six days ago, growing with a
  cold wave, a surge when a local account's post goes viral (a spike of reposts), the district's
  answer six hours ago, and a last burst in the final half hour;
* **snow** (清雪 praise, positive) — the morning after a night of snow three days ago;
* **rime** (松花江雾凇 and the ice-and-snow festival, positive/neutral) — every morning, more after
  the first rime of the winter and the festival announcement;
* **water** (丰满区 planned water cut, neutral → negative) — the notice, the day without water, the
  overrun into the night, the restoration;
* **rumor** (网传明天全市停水三天) — born during the overrun, spreading through group chats and
  reposts, clarified (``RUMOR_CLARIFIED_HOURS`` ago), then fading;
* **chatter** — traffic, food, weather, parks, the counties: many small matters.

Posts come from Weibo (originals, ``//@`` reposts, comments under the viral posts), WeChat
(comments under the official account's articles), news sites (RSS articles) and a data vendor
(Douyin, Toutiao, forums), with authors' followers and verification, places, traditional-character
and full-width copies, verbatim copies and near-duplicates. Times follow the hour of the day
(few posts at night). The same seed and the same ``now`` give the same posts; ids do not depend
on ``now``.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import opencc

from gongkai.opinion.analysis.types import RawPost

SEED = 20261128

# Source codes of the demo (Source rows made by demo.py).
WEIBO = "weibo"
WECHAT = "wechat-jlfb"
RSS_CITY = "rss-jlcity"
RSS_NEWS = "rss-jcnews"
VENDOR = "vendor-demo"

#: When the rumor's clarification was published, in hours before ``now``.
RUMOR_CLARIFIED_HOURS = 13.0
#: The residential area of the heating surge, and its district and street.
HEATING_AREA = "江城嘉园小区"

# Hours of the day (Beijing time) → relative activity.
_DIURNAL = [
    0.25, 0.12, 0.06, 0.04, 0.04, 0.08, 0.3, 0.65, 0.9, 0.95, 1.0, 0.95,
    0.9, 0.85, 0.85, 0.9, 0.9, 0.95, 1.0, 1.0, 1.0, 0.95, 0.75, 0.45,
]  # fmt: skip
BEIJING = datetime.timezone(datetime.timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    uid: str
    followers: int
    verified: bool
    place: str


OFFICIAL = {
    "jlfb": Account("吉林发布", "1001", 1_250_000, True, "吉林 吉林市"),
    "jcrb": Account("江城日报", "1002", 860_000, True, "吉林 吉林市"),
    "chengguan": Account("吉林城管", "1003", 120_000, True, "吉林 吉林市"),
    "chuanying": Account("船营发布", "1004", 56_000, True, "吉林 船营区"),
    "fengman": Account("丰满发布", "1005", 48_000, True, "吉林 丰满区"),
    "shenghuo": Account("吉林生活圈", "1006", 380_000, True, "吉林 吉林市"),
    "jiaotong": Account("吉林交通广播", "1007", 210_000, True, "吉林 吉林市"),
    "wenlv": Account("吉林文旅", "1008", 300_000, True, "吉林 吉林市"),
    "shuiwu": Account("吉林市水务集团", "1009", 35_000, True, "吉林 吉林市"),
}

_NAME_HEADS = (
    "江城", "松花江畔", "北山脚下", "雾凇岛", "龙潭山", "吉林", "东市场", "小白山", "丰满", "昌邑",
    "船营", "世纪广场", "江南", "北大湖", "冰城", "雪乡", "玄天岭", "朱雀山",
)  # fmt: skip
_NAME_TAILS = (
    "的猫", "小李", "老王", "阿姨", "大叔", "宝妈", "打工人", "看客", "吃货", "摄影", "跑者", "少年",
    "日记", "的风", "一家人", "老张", "小刘", "姐姐", "哥", "奶爸", "不吃香菜", "的雪", "晴天",
)  # fmt: skip
_PLACES_BY_DISTRICT = {
    "chuanying": "吉林 船营区",
    "fengman": "吉林 丰满区",
    "changyi": "吉林 昌邑区",
    "longtan": "吉林 龙潭区",
    "": "吉林 吉林市",
}
_ELSEWHERE = ("吉林 长春", "辽宁 沈阳", "北京", "黑龙江 哈尔滨", "其他", "海外")


# --- Texts ------------------------------------------------------------------------------------------

SLOTS: dict[str, Sequence[str]] = {
    "area": (HEATING_AREA, HEATING_AREA, HEATING_AREA, "江城嘉园二期", "北京路街道江城嘉园"),
    "temp": ("11", "12", "12", "13", "13", "14", "15", "16"),
    "outside": ("18", "20", "22", "23", "25", "26"),
    "days": ("三", "四", "五", "好几", "一个星期"),
    "who": ("老人", "孩子", "刚满月的宝宝", "八十多岁的老母亲", "瘫痪在床的老父亲", "上网课的孩子"),
    "company": ("热力公司", "供热公司", "供热站"),
    "road": (
        "解放大路",
        "吉林大街",
        "重庆路",
        "北京路",
        "松江东路",
        "珲春街",
        "遵义东路",
        "长春路",
        "世纪广场周边",
        "江南公园附近",
        "东市场一带",
        "徐州路",
        "越山路",
    ),  # fmt: skip
    "district": ("昌邑区", "龙潭区", "船营区", "丰满区", "高新区"),
    "spot": ("雾凇岛", "松花江畔", "阿什哈达", "吉林大桥附近", "世纪广场江边", "韩屯", "清源桥"),
    "street": ("江南街道", "泰山街道", "江南街道", "红旗街道"),
    "hour": ("10", "11", "12", "凌晨1", "凌晨2"),
    "n": ("1.2", "1.5", "1.8", "2.1"),
    "m": ("860", "920", "1100", "1260"),
}

# A post is composed of one piece of each pool of a "parts" tuple ("" pieces make a pool optional):
# two posts then share a sentence, not a whole text, as real posts about one matter do.
HEATING_PARTS: tuple[tuple[str, ...], ...] = (
    ("", "", "", "真是受不了了，", "@船营发布 ", "今天早上起来一看，", "下班回到家，", "求助！", "第{days}天了，",
     "有没有人管管？"),
    ("船营区{area}暖气不热，室温只有{temp}度，", "{area}的暖气还是不热，屋里才{temp}度，",
     "{area}供热不达标，暖气不热，室温{temp}度，", "船营区{area}暖气不热好几天了，",
     "外面零下{outside}度，{area}暖气不热，室温{temp}度，", "{area}整栋楼暖气都不热，室温{temp}度，",
     "{area}的暖气片冰凉，暖气不热，", "我家在船营区{area}，暖气不热，室温{temp}度，"),
    ("家里{who}冻得受不了。", "{company}电话打不通。", "{company}说在排查，一直没结果。", "供暖费一分没少交。",
     "只能开电暖器取暖。", "{who}都冻感冒了。", "打了12345也没解决。", "没人管。", "", ""),
    ("", "", "", "太气人了！", "希望有关部门重视！", "求转发🙏", "#吉林市供热#", "#船营区#", "这个冬天太难熬了。",
     "什么时候是个头？", "😤", "🥶🥶", "谁能帮帮我们？"),
)  # fmt: skip
#: Now and then instead of the third part (業主 talk of protests: the sensitive words).
HEATING_SENSITIVE = (
    "业主们商量明天去{company}门口拉横幅讨说法。",
    "再不解决大家就要集体上访了！",
    "几十户业主准备去{company}聚集维权。",
    "有人说要去堵路，大家还是理性一点。",
)
HEATING_VIRAL = (
    "【零下{outside}度室温只有{temp}度！船营区{area}居民冻得在家穿棉袄】近日，多名网友反映船营区"
    "{area}暖气不热，老人孩子冻得受不了，{company}电话打不通。#吉林身边事#"
)
HEATING_REPLY = (
    "【船营区回应{area}供热问题】11月27日，船营区供热办会同热力公司对{area}供热管网进行排查，"
    "发现小区二次管网堵塞，已连夜组织抢修，预计28日18时前室温达标。区供热办已开通24小时服务电话，"
    "请居民遇到问题及时反映。"
)
HEATING_COMMENTS = (
    "我们小区也是，室温{temp}度", "转发让更多人看到", "{company}出来说句话", "太冷了，孩子都感冒了",
    "同是船营区，我家还行", "希望尽快解决", "交了钱不给热，凭什么", "终于有人管了吗？",
    "看实际行动吧", "说了多少次了，希望这次真能解决", "已经打了三次12345了", "心疼老人孩子",
)  # fmt: skip
HEATING_AFTER_REPLY = (
    "终于有回应了，希望今晚暖气能热起来。",
    "船营区这次回应还算及时，等着看{area}明天的室温。",
    "抢修的师傅辛苦了，{area}的暖气好像开始热了。",
    "说是28日前达标，{area}居民都在等，别又是一句空话。",
)

SNOW_PARTS: tuple[tuple[str, ...], ...] = (
    ("一夜大雪，", "下了一宿的雪，", "早上七点出门，", "雪后的江城真美，", "今天上班路上，", "送孩子上学的时候，", ""),
    ("{road}的清雪速度太快了，", "清雪车凌晨就在{road}作业，", "{road}清雪清得干干净净，",
     "清雪工人把{road}清得跟没下过雪一样，", "{district}的小路也完成了清雪，", "看到环卫工人在{road}清雪，"),
    ("环卫工人辛苦了！", "点赞吉林清雪！", "吉林清雪“一夜清”名不虚传！", "给清雪工人点赞。", "吉林市的清雪真给力。",
     "孩子上学路上安全多了。", "可我们小区里面的雪没人管，物业也得加把劲。", ""),
    ("", "", "👍", "❄️", "😊", "#吉林清雪#", "致敬！"),
)  # fmt: skip
SNOW_OFFICIAL = (
    "【全市出动清雪人员{n}万人次、机械{m}台次】11月24日夜间，我市普降中雪，市城管执法局连夜启动清雪预案，"
    "主次干道已于25日7时前清理完毕，背街小巷正在清理中。"
)
SNOW_COMMENTS = (
    "辛苦了！",
    "点赞环卫工人",
    "吉林清雪全国第一",
    "{road}确实清得快",
    "感谢！",
    "致敬最可爱的人",
)

RIME_PARTS: tuple[tuple[str, ...], ...] = (
    ("今早", "清晨六点", "周末一早", "带南方的朋友", "趁着零下二十多度", "冒着严寒", "天还没亮就"),
    ("去{spot}看雾凇，", "来到{spot}，", "在{spot}拍雾凇，", "到松花江边看雾凇，"),
    ("树挂像银色的珊瑚，", "江面雾气升腾，雾凇挂满枝头，", "一片玉树琼花，", "雾凇配日出，美得不像话，",
     "今天的雾凇一般，雾气不够大，", "看雾凇的人好多，停车太难了，", "朋友说这辈子值了，", "冻得手机都关机了，"),
    ("不枉早起！", "外地的朋友快来打卡。", "这就是冬天的吉林。", "明天再来碰碰运气。", "建议增加临时停车位。",
     "吉林的冬天最美。", "雾凇冰雪节见！", "求问明天还会有吗？", "每年都看不够。"),
    ("", "", "📷", "😍", "✨", "#吉林雾凇#", "#雾凇冰雪节#"),
)  # fmt: skip
RIME_OFFICIAL = (
    "【今冬首场雾凇亮相松花江畔】11月23日清晨，松花江吉林市区段出现今冬首场雾凇景观，江畔树挂晶莹剔透，"
    "吸引众多市民和游客观赏拍摄。",
    "【2026中国·吉林国际雾凇冰雪节12月下旬开幕】活动期间将推出雾凇观赏、冰雪运动、冰雪文化等五大类40余项活动，"
    "雾凇岛、北大湖等景区将推出优惠措施。",
)
RIME_COMMENTS = ("太美了", "已经订好票了", "{spot}明天还有吗", "吉林冬天最美", "拍得真好", "冰雪节见")

WATER_NOTICE = (
    "【停水通知】因供水管网改造施工，11月26日8时至20时，丰满区江南街道、泰山街道部分区域停止供水，"
    "请居民提前做好储水准备。给您带来不便，敬请谅解。"
)
WATER_BEFORE = (
    "丰满区{street}明天停水一天，提前接了两大桶水。",
    "看到停水通知了，丰满区{street}这边明天白天没水，大家提前储水。",
    "丰满区管网改造停水，理解，希望按时来水。",
    "明天丰满区{street}停水，记得提前把洗衣机的衣服洗了。",
)
WATER_OVERRUN_PARTS: tuple[tuple[str, ...], ...] = (
    ("说好晚上8点恢复供水，", "停水一整天，", "通知说20点来水，", "下班回家一拧水龙头，", "都{hour}点了，", ""),
    ("丰满区{street}停水到现在还没来水，", "丰满区{street}还是停水，一直没来水，", "丰满区停水超时，{street}还没来水，",
     "丰满区{street}停水这么久还没恢复供水，"),
    ("孩子没法洗漱！", "饭都没法做。", "老人要吃药都没水。", "连个说法都没有。", "供水公司电话一直占线。",
     "施工延期也不提前说一声。", ""),
    ("", "", "太折腾了😤", "供水部门能不能给个准话？", "#丰满区停水#"),
)  # fmt: skip
WATER_RESTORED = (
    "【恢复供水】丰满区江南街道、泰山街道管网改造施工已于27日2时完工，供水已全部恢复。施工中发现旧管道破损，"
    "延长了施工时间，给市民带来不便深表歉意。"
)
WATER_AFTER = (
    "凌晨终于来水了，施工的师傅们也辛苦了。",
    "丰满区{street}来水了，就是刚开始水有点黄，放一会儿就好了。",
    "来水了，下次延期能不能早点通知？",
)

RUMOR_PARTS: tuple[tuple[str, ...], ...] = (
    ("紧急扩散！网传", "听说", "群里都在传", "朋友圈疯传", "内部消息：", "网传", "刚刚得到消息，"),
    ("明天起全市停水三天", "吉林市要全市停水72小时", "全市大面积停水三天", "水厂检修，全市停水三天",
     "吉林市明天开始停水三天"),
    ("，超市桶装水都被抢光了", "，大家赶紧囤水", "，楼下超市矿泉水卖断货了", "，家里老人已经囤了十几桶水",
     "，我们这边的超市排长队买水", ""),
    ("，是真的吗？", "，赶紧转发给家人！", "，有没有人知道真假？", "！", "，求辟谣！", "😱 转发告知家人"),
)  # fmt: skip
RUMOR_CLARIFICATION = (
    "【辟谣】网传“吉林市明天全市停水三天”系谣言。经核实，近日仅丰满区部分区域因管网改造施工临时停水，"
    "目前已全部恢复，全市供水正常，请勿轻信、传播。"
)
RUMOR_AFTER = (
    "官方已经辟谣了，全市停水三天是谣言，别再囤水了。",
    "白囤了两大桶水😂 原来全市停水三天是谣言。",
    "谣言止于智者，全市停水三天是假的，别传了。",
    "辟谣了辟谣了，全市供水正常，只是丰满区之前管网施工。",
    "全市停水三天的谣言是谁传的？害得超市抢水，应该查一查。",
)
RUMOR_COMMENTS = ("真的假的？", "已经囤了", "转给家人了", "求官方回应", "超市的水都没了", "别信谣传谣")

CHATTER_TOPICS = (
    "{road}早高峰又堵了，公交二十分钟没动。",
    "东市场的粘豆包真好吃，过年准备多买点。",
    "北山公园雪后太美了，周末带孩子去滑冰车。",
    "12345热线给力，上午反映的路灯不亮，下午就修好了。",
    "吉林化纤今年又招工了，待遇还不错。",
    "今天最低气温零下22度，出门注意保暖，江城的冬天真正来了。",
    "北大湖滑雪场开板了！今年雪质不错⛷️",
    "丰满区有没有好吃的锅包肉推荐？",
    "昌邑区新开的公交线路挺方便的，坐到吉林站只要二十分钟。",
    "医保电子凭证现在药店都能用了，方便。",
    "孩子下周期末考试，家长比孩子还紧张😂",
    "吉林站到长春的城际列车又加车次了，周末回家方便多了。",
    "世纪广场的冰灯开始搭建了，期待！",
    "龙潭山的日出值得早起一次。",
    "桦甸的朋友送来一箱木耳，谢谢老铁。",
    "舒兰大米真是香，吃过就忘不了。",
    "磐石有什么好吃的农家菜馆推荐一下？",
    "永吉县口前镇的冰雪小镇开张了，带娃去玩了一下午。",
    "蛟河拉法山冬天也挺好看，雪后的山像水墨画。",
    "{district}的菜市场今天白菜一块二一斤，准备腌酸菜了。",
    "吉林市博物馆的新展不错，推荐周末去看看。",
    "江南公园的冰场开了没？想带孩子去滑冰。",
    "高新区那边新开了一家商场，周末人山人海。",
    "松花湖开江鱼明年开春再去吃，今年错过了。",
    "吉林一中的家长会开到晚上九点，老师辛苦了。",
    "冬天的吉林，就得来一锅酸菜白肉血肠。",
    "{road}的路灯坏了好几天，晚上走路黑乎乎的。",
    "今天在{road}看到一个小伙子扶老人过马路，江城好人多👍",
    "吉林市今年的冬季游泳比赛什么时候开始？",
    "下雪天开车慢点，{road}刚才追尾了两辆车。",
)
CHATTER_PARTS: tuple[tuple[str, ...], ...] = (
    CHATTER_TOPICS,
    ("", "", "", "哈哈", "大家觉得呢？", "记录一下生活。", "江城的日子就是这样。", "分享给大家。", "同意的点个赞。",
     "今天心情不错。", "#吉林#", "#江城生活#", "😊", "～", "有一起的吗？"),
)  # fmt: skip
#: News of the week on the city's sites (RSS articles): (hours before now, "【title】body").
NEWS: tuple[tuple[float, str], ...] = (
    (160.0, "【我市开展冬季消防安全大检查】重点检查人员密集场所、高层建筑和老旧小区的消防设施。"),
    (140.0, "【我市新增3条公交线路】新线路连接昌邑区、高新区和吉林站，12月1日起运营。"),
    (118.0, "【北大湖滑雪场开板】北大湖体育旅游经济开发区迎来新雪季，首日接待游客逾万人次。"),
    (100.0, "【吉林市发布寒潮蓝色预警】未来三天最低气温将降至零下25度，请市民注意防寒保暖。"),
    (90.0, "【吉林站至长春站城际列车加开车次】周末及节假日每天加开6对城际列车。"),
    (76.0, "【市政数局：12345热线本月受理诉求同比增长12%】供热、清雪类诉求居前。"),
    (60.0, "【吉林市博物馆推出冰雪文化特展】展期至明年3月，免费预约参观。"),
    (38.0, "【世纪广场冰灯开始搭建】预计12月中旬亮灯，将展出冰雕作品200余件。"),
    (20.0, "【我市开展冬季道路交通安全整治】重点整治冰雪路面超速、酒驾等违法行为。"),
    (8.0, "【吉林化纤集团四季度招聘启动】计划招聘一线员工300人。"),
)
REPOST_REASONS = ("转发微博", "转发", "扩散", "关注", "顶", "支持", "看看", "💪", "[心]", "同问")
VENDOR_PLATFORMS = (("抖音", "dy"), ("今日头条", "tt"), ("百度贴吧", "tb"), ("江城论坛", "bbs"))


Parts = tuple[tuple[str, ...], ...]


@dataclass(slots=True)
class Phase:
    """``count`` posts between ``start`` and ``end`` hours before now, with a ``shape``.

    An original post is composed from ``parts`` (one piece of each pool), or is one of ``texts``
    (with ``parts`` too, a share ``1 - parts_share`` of the posts); with ``rare`` given, that share
    of the composed posts has a rare piece instead of its third part.
    """

    start: float
    end: float
    count: int
    parts: Parts = ()
    shape: str = "flat"  # flat / rise / fall / burst (most at the start, then decaying)
    district: str = ""  # the district the matter is about (profile places lean to it)
    comments: Sequence[str] = ()
    texts: Sequence[str] = ()
    parts_share: float = 1.0
    rare: Sequence[str] = ()
    rare_share: float = 0.0
    official: Account | None = None  # a repost-worthy official post opens the phase
    official_text: str = ""
    article: str = ""  # "city" / "news": the official text is also an RSS article
    share_weibo: float = 0.55
    share_vendor: float = 0.25
    share_wechat: float = 0.1


@dataclass
class Matter:
    name: str
    phases: list[Phase] = field(default_factory=list)


def matters(scale: float = 1.0) -> list[Matter]:
    """The demo's matters and their phases (``scale`` multiplies every count)."""

    def n(count: int) -> int:
        return max(1, round(count * scale))

    def heat(start: float, end: float, count: int, shape: str, **extra: Any) -> Phase:
        return Phase(
            start,
            end,
            n(count),
            HEATING_PARTS,
            shape,
            "chuanying",
            HEATING_COMMENTS,
            rare=HEATING_SENSITIVE,
            **extra,
        )

    heating = Matter(
        "heating",
        [
            heat(150, 96, 50, "rise"),
            heat(96, 48, 280, "rise", rare_share=0.01),
            heat(48, 31, 330, "flat", rare_share=0.02),
            heat(
                30.5, 27, 330, "burst", rare_share=0.02,
                official=OFFICIAL["shenghuo"], official_text=HEATING_VIRAL,
            ),
            heat(27, 6.5, 320, "flat", rare_share=0.03),
            heat(
                6, 0.6, 150, "fall", texts=HEATING_AFTER_REPLY, parts_share=0.6,
                official=OFFICIAL["chuanying"], official_text=HEATING_REPLY, article="city",
            ),
            # Just now: residents meet in front of the heating station, the posts pour in (a spike).
            heat(0.16, 0.003, 110, "flat", rare_share=0.15),
        ],
    )  # fmt: skip
    snow = Matter(
        "snow",
        [
            Phase(
                78, 72, n(120), SNOW_PARTS, "rise", comments=SNOW_COMMENTS,
                official=OFFICIAL["chengguan"], official_text=SNOW_OFFICIAL, article="city",
            ),
            Phase(72, 62, n(380), SNOW_PARTS, "fall", comments=SNOW_COMMENTS),
            Phase(62, 40, n(120), SNOW_PARTS, "fall", comments=SNOW_COMMENTS),
        ],
    )  # fmt: skip
    rime = Matter(
        "rime",
        [
            Phase(
                112, 80, n(260), RIME_PARTS, "fall", "longtan", RIME_COMMENTS,
                official=OFFICIAL["wenlv"], official_text=RIME_OFFICIAL[0], article="news",
            ),
            Phase(80, 44, n(200), RIME_PARTS, "flat", "longtan", RIME_COMMENTS),
            Phase(
                44, 1, n(320), RIME_PARTS, "fall", "longtan", RIME_COMMENTS,
                official=OFFICIAL["jlfb"], official_text=RIME_OFFICIAL[1], article="city",
            ),
        ],
    )  # fmt: skip
    water = Matter(
        "water",
        [
            Phase(
                56, 42, n(140), (), "fall", "fengman", texts=WATER_BEFORE,
                official=OFFICIAL["fengman"], official_text=WATER_NOTICE, article="city",
            ),
            Phase(34, 29.5, n(60), (), "flat", "fengman", texts=WATER_BEFORE),
            Phase(29.5, 23, n(280), WATER_OVERRUN_PARTS, "rise", "fengman", ("还没来水", "一样", "太折腾了")),
            Phase(
                23, 16, n(70), (), "fall", "fengman", ("终于来了", "辛苦了"), texts=WATER_AFTER,
                official=OFFICIAL["shuiwu"], official_text=WATER_RESTORED, article="news",
            ),
        ],
    )  # fmt: skip
    clarified = RUMOR_CLARIFIED_HOURS
    rumor = Matter(
        "rumor",
        [
            Phase(26.5, 20, n(200), RUMOR_PARTS, "rise", "", RUMOR_COMMENTS, share_vendor=0.35, share_wechat=0.05),
            Phase(20, clarified + 0.2, n(260), RUMOR_PARTS, "flat", "", RUMOR_COMMENTS, share_vendor=0.35),
            Phase(
                clarified, clarified - 5, n(150), (), "burst", "", ("原来是谣言", "白囤水了", "谢谢辟谣"),
                texts=RUMOR_AFTER, official=OFFICIAL["jlfb"], official_text=RUMOR_CLARIFICATION, article="city",
            ),
            Phase(clarified - 0.5, 2, n(45), RUMOR_PARTS, "fall", share_vendor=0.4),
        ],
    )  # fmt: skip
    chatter = Matter("chatter", [Phase(167, 0.1, n(800), CHATTER_PARTS, "flat", share_wechat=0.0)])
    return [heating, snow, rime, water, rumor, chatter]


# --- The generator ----------------------------------------------------------------------------------


class Generator:
    """Turns the matters into posts; see the module docstring."""

    def __init__(self, *, now: datetime.datetime, seed: int = SEED, scale: float = 1.0) -> None:
        self.now = now
        self.random = random.Random(seed)
        self.scale = scale
        self.posts: list[RawPost] = []
        self._s2t = opencc.OpenCC("s2t")
        self._counters: dict[str, int] = {}
        self._users: list[Account] = self._make_users(900)
        #: Each matter's posts as (source code, external id).
        self.by_matter: dict[str, list[tuple[str, str]]] = {}

    # ids ---------------------------------------------------------------------------------------
    def _next(self, prefix: str) -> str:
        value = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = value
        return f"demo-{prefix}{value:05d}"

    # people ------------------------------------------------------------------------------------
    def _make_users(self, count: int) -> list[Account]:
        rnd = self.random
        users: list[Account] = []
        seen: set[str] = set()
        while len(users) < count:
            name = rnd.choice(_NAME_HEADS) + rnd.choice(_NAME_TAILS)
            if rnd.random() < 0.4:
                name += str(rnd.randint(1, 2026))
            if name in seen:
                continue
            seen.add(name)
            followers = int(min(2_000_000, math.exp(rnd.gauss(5.2, 1.6))))
            verified = followers > 20_000 and rnd.random() < 0.4
            users.append(Account(name, str(5_000_000 + len(users)), followers, verified, ""))
        return users

    def _user(self, district: str) -> tuple[Account, str]:
        rnd = self.random
        user = rnd.choice(self._users)
        roll = rnd.random()
        if roll < 0.55:
            place = _PLACES_BY_DISTRICT.get(district, "吉林 吉林市")
        elif roll < 0.85:
            place = rnd.choice(list(_PLACES_BY_DISTRICT.values()))
        elif roll < 0.93:
            place = rnd.choice(_ELSEWHERE)
        else:
            place = ""
        return user, place

    # times -------------------------------------------------------------------------------------
    def _time(self, phase: Phase) -> datetime.datetime:
        """A time in the phase, following its shape and the hour of the day."""
        rnd = self.random
        span = phase.start - phase.end
        for _attempt in range(50):
            # offset: hours after the phase's start
            if phase.shape == "burst":  # most at once, then decaying
                offset = min(span, rnd.expovariate(4.0 / span))
            elif phase.shape == "rise":  # denser towards the end
                offset = span * math.sqrt(rnd.random())
            elif phase.shape == "fall":  # denser at the start
                offset = span * (1.0 - math.sqrt(1.0 - rnd.random()))
            else:
                offset = span * rnd.random()
            hours_before = phase.start - offset
            moment = self.now - datetime.timedelta(hours=hours_before)
            if span < 3 or rnd.random() < _DIURNAL[moment.astimezone(BEIJING).hour]:
                return moment
        return moment

    # texts -------------------------------------------------------------------------------------
    def _text(self, phase: Phase) -> str:
        """An original post of the phase (see :class:`Phase`), now and then as a variant."""
        rnd = self.random
        if phase.parts and (not phase.texts or rnd.random() < phase.parts_share):
            pieces = [rnd.choice(pool) for pool in phase.parts]
            if phase.rare and len(pieces) > 2 and rnd.random() < phase.rare_share:
                pieces[2] = rnd.choice(phase.rare)
            template = "".join(pieces)
        else:
            template = rnd.choice(phase.texts)
        return self._variant(self._fill(template))

    def _fill(self, template: str) -> str:
        rnd = self.random
        text = template
        while "{" in text:
            start = text.index("{")
            end = text.index("}", start)
            key = text[start + 1 : end]
            text = text[:start] + rnd.choice(SLOTS[key]) + text[end + 1 :]
        return text

    def _variant(self, text: str) -> str:
        """Now and then a traditional-character, full-width or lightly edited copy."""
        rnd = self.random
        roll = rnd.random()
        if roll < 0.03:
            return self._s2t.convert(text)
        if roll < 0.045:
            return text.translate(_FULL_WIDTH)
        if roll < 0.12:
            return text + rnd.choice(("！！", "…", " 急", "😡", "🙏", " 求关注"))
        return text

    # posts -------------------------------------------------------------------------------------
    def _add(self, **values: object) -> RawPost:
        post = RawPost(**values)  # type: ignore[arg-type]
        self.posts.append(post)
        return post

    def _weibo(self, text: str, at: datetime.datetime, user: Account, place: str, **extra: object) -> RawPost:
        rnd = self.random
        weight = 1 + user.followers // 20_000
        return self._add(
            source=WEIBO,
            external_id=self._next("w"),
            text=text,
            published_at=at,
            author=user.name,
            author_id=user.uid,
            followers=user.followers,
            verified=user.verified,
            reposts=int(rnd.expovariate(1 / (2 * weight))) if rnd.random() < 0.4 else 0,
            comments=int(rnd.expovariate(1 / (2 * weight))) if rnd.random() < 0.5 else 0,
            likes=int(rnd.expovariate(1 / (6 * weight))),
            place=place,
            **extra,
        )

    def _vendor(self, text: str, at: datetime.datetime, user: Account, place: str) -> RawPost:
        rnd = self.random
        platform, code = rnd.choice(VENDOR_PLATFORMS)
        title = ""
        if code in {"tb", "bbs"} and rnd.random() < 0.6:
            sentence = text.replace("！", "。").replace("？", "。").split("。")[0]
            title = sentence if len(sentence) <= 24 else sentence[:23] + "…"
        return self._add(
            source=VENDOR,
            external_id=self._next(code),
            text=text,
            title=title,
            published_at=at,
            author=f"{user.name}（{platform}）",
            author_id=f"{code}-{user.uid}",
            followers=user.followers // (2 if code in {"tb", "bbs"} else 1),
            verified=user.verified and code in {"dy", "tt"},
            comments=int(rnd.expovariate(1 / 4)) if rnd.random() < 0.5 else 0,
            likes=int(rnd.expovariate(1 / 20)) if code in {"dy", "tt"} else 0,
            place=place if code in {"dy", "tt"} else "",
        )

    def _article(self, text: str, at: datetime.datetime, where: str, author: Account) -> RawPost:
        title, _bracket, body = text.partition("】")
        title = title.lstrip("【")
        source = RSS_CITY if where == "city" else RSS_NEWS
        external_id = self._next("a")
        site = "www.jlcity.example" if where == "city" else "news.jcrb.example"
        return self._add(
            source=source,
            external_id=external_id,
            kind="article",
            title=title,
            text=body or text,
            url=f"https://{site}/{at.astimezone(BEIJING):%Y%m}/{external_id}.html",
            published_at=at,
            author=author.name if where == "city" else "江城日报",
            place="吉林市",
        )

    def _wechat_article(self, at: datetime.datetime) -> str:
        """The id of the official account's article published at ``at`` (comments hang on it)."""
        return f"jlfb-{at.astimezone(BEIJING):%Y%m%d%H%M}:0"

    def _wechat_comment(self, text: str, at: datetime.datetime, article: str) -> RawPost:
        openid = "o" + format(self.random.getrandbits(60), "015x")
        return self._add(
            source=WECHAT,
            external_id=f"{article}:{self._next('c')[5:]}",
            kind="comment",
            parent_external_id=article,
            text=text,
            published_at=at,
            author_id=openid,
        )

    def _official(self, phase: Phase, at: datetime.datetime) -> tuple[RawPost, str]:
        """The phase's official post on Weibo (and as an article); returns it and its WeChat article id."""
        account = phase.official
        assert account is not None
        text = self._fill(phase.official_text)
        post = self._add(
            source=WEIBO,
            external_id=self._next("w"),
            text=text,
            published_at=at,
            author=account.name,
            author_id=account.uid,
            followers=account.followers,
            verified=True,
            reposts=self.random.randint(300, 2500),
            comments=self.random.randint(100, 900),
            likes=self.random.randint(800, 6000),
            place=account.place,
        )
        if phase.article:
            self._article(text, at + datetime.timedelta(minutes=3), phase.article, account)
        return post, self._wechat_article(at)

    def _phase(self, phase: Phase) -> None:
        rnd = self.random
        seeds: list[RawPost] = []  # posts worth reposting and commenting
        article = ""
        if phase.official is not None:
            first = self.now - datetime.timedelta(hours=phase.start)
            official, article = self._official(phase, first)
            seeds.append(official)
        times = sorted(self._time(phase) for _ in range(phase.count))
        for at in times:
            roll = rnd.random()
            user, place = self._user(phase.district)
            if roll < phase.share_wechat and (article or phase.comments):
                article_id = article or self._wechat_article(self.now - datetime.timedelta(hours=phase.start))
                pool = phase.comments or phase.texts or phase.parts[-2]
                self._wechat_comment(self._fill(rnd.choice(pool)), at, article_id)
                continue
            if roll < phase.share_wechat + phase.share_vendor:
                if seeds and rnd.random() < 0.15:  # a verbatim copy of a post going round
                    text = rnd.choice(seeds).text
                else:
                    text = self._text(phase)
                self._vendor(text, at, user, place)
                continue
            kind = rnd.random()
            if seeds and kind < 0.3:  # a repost with a few words
                seed = rnd.choice(seeds)
                if seed.published_at <= at:
                    reason = rnd.choice(REPOST_REASONS)
                    self._weibo(f"{reason}//@{seed.author}:{seed.text}", at, user, place)
                    continue
            if seeds and kind < 0.42 and phase.comments:  # a comment under a post going round
                seed = rnd.choice(seeds)
                if seed.published_at <= at and seed.source == WEIBO:
                    self._weibo(
                        self._fill(rnd.choice(phase.comments)),
                        at,
                        user,
                        place,
                        kind="comment",
                        parent_external_id=seed.external_id,
                    )
                    continue
            post = self._weibo(self._text(phase), at, user, place)
            if post.followers > 3000 or post.verified:
                seeds.append(post)

    def news(self) -> None:
        """The week's other news on the city's news site."""
        for hours, text in NEWS:
            at = self.now - datetime.timedelta(hours=hours)
            self._article(text, at, "news", OFFICIAL["jcrb"])

    def run(self, matter_list: Sequence[Matter]) -> Stream:
        if any(matter.name == "chatter" for matter in matter_list):
            self.news()
        for matter in matter_list:
            first = len(self.posts)
            for phase in matter.phases:
                self._phase(phase)
            self.by_matter[matter.name] = [(post.source, post.external_id) for post in self.posts[first:]]
        self.posts.sort(key=lambda post: (post.published_at, post.source, post.external_id))
        return Stream(self.posts, self.by_matter)


@dataclass(slots=True)
class Stream:
    """The generated posts, oldest first, and each matter's posts as (source code, external id)."""

    posts: list[RawPost]
    by_matter: dict[str, list[tuple[str, str]]]


_FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}


def generate(
    *, now: datetime.datetime, seed: int = SEED, scale: float = 1.0, only: Callable[[str], bool] | None = None
) -> Stream:
    """The demo stream ending at ``now`` (about 5,000 posts at ``scale`` 1)."""
    chosen = [matter for matter in matters(scale) if only is None or only(matter.name)]
    return Generator(now=now, seed=seed, scale=scale).run(chosen)


# --- Hotline appeals and new-media messages about the heating surge ---------------------------------

#: (hours before now, the caller's family name, the complaint)
HEATING_APPEALS: tuple[tuple[float, str, str], ...] = (
    (70.0, "张", "暖气一直不热，室温只有14度，家里有老人，请供热公司尽快处理。"),
    (52.0, "李", "暖气片冰凉，打供热公司电话没人接，室温13度。"),
    (47.5, "王", "整栋楼暖气都不热，已经反映过两次，没有人来处理。"),
    (40.0, "刘", "家里有刚出生的孩子，暖气不热，室温12度，请尽快解决。"),
    (33.0, "陈", "暖气不热五天了，物业说是供热公司的问题，供热公司说是物业的问题，互相推诿。"),
    (30.0, "杨", "室温只有11度，老人已经感冒住院，请求相关部门督促供热公司解决。"),
    (29.5, "赵", "暖气不热，要求退还部分供暖费。"),
    (28.7, "黄", "小区暖气不热，业主情绪很大，有人说要去供热公司门口拉横幅，请政府重视。"),
    (27.9, "周", "暖气温度不够，晚上冻得睡不着，请尽快派人检修管网。"),
    (26.0, "吴", "供热不达标，室温13度，请按标准供热。"),
    (22.0, "徐", "反映过多次暖气不热，一直没有解决，对处理结果不满意。"),
    (18.5, "孙", "暖气不热，家里老人有心脏病，不能受冻，请求紧急处理。"),
    (14.0, "马", "暖气还是不热，供热公司说在排查，但是没有告诉什么时候能好。"),
    (9.0, "朱", "暖气片上面热下面凉，室温15度，请派人处理。"),
    (5.0, "胡", "听说小区管网堵了，请问什么时候能修好？家里太冷了。"),
    (2.5, "郭", "昨晚暖气稍微热了一点，但是室温还是不到16度，请继续跟进。"),
    (1.2, "何", "暖气不热，要求供热公司上门测温。"),
    (0.4, "高", "暖气还是不热，希望今天能彻底解决。"),
)
APPEAL_GIVEN_NAMES = ("秀英", "建国", "丽华", "志强", "桂兰", "海涛", "春梅", "立新", "玉珍", "国庆")


def heating_appeal(index: int, rnd: random.Random) -> dict[str, str]:
    """One caller's appeal about the heating surge, with the personal data a real one carries
    (the streams must mask it): the caller's name, mobile and full address in the text."""
    hours, family, complaint = HEATING_APPEALS[index]
    name = family + rnd.choice(APPEAL_GIVEN_NAMES)
    phone = f"139{rnd.randint(0, 99_999_999):08d}"
    building, unit, room = rnd.randint(1, 12), rnd.randint(1, 4), rnd.choice((101, 302, 501, 602, 1203))
    address = f"船营区北京路街道{HEATING_AREA}{building}号楼{unit}单元{room}室"
    text = f"我是{address}的住户{name}，{complaint}联系电话{phone}。"
    return {"hours": str(hours), "name": name, "phone": phone, "address": address, "content": text}


HEATING_MESSAGES: tuple[tuple[float, str, str], ...] = (
    (44.0, "wechat", "船营区江城嘉园小区暖气不热，室温13度，请问找哪个部门？"),
    (31.0, "weibo", "@吉林发布 船营区江城嘉园小区暖气不热好几天了，请关注！"),
    (25.0, "wechat", "江城嘉园小区供热不达标，老人孩子受不了，请政府督促解决。我的电话13804329876"),
    (16.0, "email", "市长您好，船营区江城嘉园小区今年供热一直不达标，希望市里督促热力公司整改。"),
    (7.0, "wechat", "江城嘉园小区暖气什么时候能修好？"),
    (1.5, "weibo", "船营区回应说28日前达标，江城嘉园小区居民会持续关注。"),
)
