"""A deterministic, realistic synthetic 12345 history: appeals with their final category and department.

Used by the routing benchmark and the tests, and meant for the demo data (``make run``): the
category codes extend the starter catalogue of ``hotline/migrations/0002`` and the department and
street codes are those of ``gongkai/accounts/demo.py``, so a loader can look both up by code.

What makes it realistic enough to measure a routing model on:

* varied phrasing: openings, place descriptions (district, street, road, residential compound),
  the matter in several wordings, duration, impact and request, with channel-typical styles;
* real ambiguity: categories whose lead department depends on the place (物业, 垃圾, 违建 … go to
  the district government in part of the cases), sub-matters that go to another department (广场舞
  噪声 → 公安), shared vocabulary between categories (供暖/燃气, 停车/交通, 医疗/医保), and a small
  share of vague appeals;
* skewed volumes (供暖 and 物业 dominate, as on every northern city's hotline).

Pure Python, no database: ``generate_history(n, seed=...)`` returns ``SyntheticOrder`` rows.
"""

from __future__ import annotations

import datetime
import random
import zlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SyntheticCategory:
    code: str
    name: str
    parent: str | None
    department: str
    """Code of the default lead department (accounts demo codes)."""
    keywords: str
    """Comma-separated keywords, as ``RoutingCategory.keywords``."""
    weight: float
    """Relative volume."""
    matters: tuple[str, ...]
    """Ways citizens name the matter; an item ``"text|dept"`` goes to ``dept`` instead."""
    district_share: float = 0.0
    """Share of orders whose lead is the government of the appeal's district or county."""
    order_type: str = "complaint"


@dataclass(frozen=True)
class Place:
    district: str
    """Department code of the district/county (demo codes)."""
    district_name: str
    street: str | None
    street_name: str
    latitude: float
    longitude: float


@dataclass
class SyntheticOrder:
    title: str
    content: str
    category: str
    department: str
    district: str
    street: str | None
    order_type: str
    channel: str
    days_ago: int
    latitude: float | None
    longitude: float | None
    extra: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.content}"

    def created_at(self, *, now: datetime.datetime) -> datetime.datetime:
        """A reception time ``days_ago`` days before ``now``, during office-ish hours."""
        minutes = zlib.crc32(f"{self.title}{self.days_ago}".encode()) % 600 + 8 * 60
        base = (now - datetime.timedelta(days=self.days_ago)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return base + datetime.timedelta(minutes=minutes)


C = SyntheticCategory
CATALOGUE: tuple[SyntheticCategory, ...] = (
    C(
        "chengxiang",
        "城乡建设",
        None,
        "zhujian",
        "城建,建设,施工",
        2.0,
        (
            "工地夜间施工",
            "老旧小区改造进度慢",
            "小区改造后外墙脱落",
            "建筑工地围挡倒塌",
            "工地渣土车撒漏",
            "回迁房迟迟不交房",
            "新楼盘质量问题墙体开裂",
        ),
        0.2,
    ),
    C(
        "shizheng",
        "市政设施",
        "chengxiang",
        "chengguan",
        "市政,道路,井盖,人行道",
        4.0,
        (
            "人行道砖松动",
            "井盖缺失",
            "道路坑洼不平",
            "下水道堵塞往外冒水",
            "雨水井盖破损",
            "马路塌陷一个大坑",
            "路边护栏被撞坏",
            "排水管网堵塞雨天积水",
        ),
        0.25,
        "help",
    ),
    C(
        "ludeng",
        "路灯",
        "shizheng",
        "chengguan",
        "路灯,不亮,照明",
        3.0,
        (
            "路灯不亮",
            "路灯坏了一排",
            "路灯白天还亮着浪费电",
            "路灯杆倾斜有危险",
            "晚上路灯不亮黑灯瞎火",
            "景观灯不亮",
        ),
        0.15,
        "help",
    ),
    C(
        "gongnuan",
        "供暖",
        None,
        "zhujian",
        "供暖,暖气,采暖,不热,供热",
        12.0,
        (
            "暖气不热",
            "室温只有十二三度",
            "供暖温度不达标",
            "暖气片漏水",
            "供热公司不给开栓",
            "暖气忽冷忽热",
            "家里冷得穿棉袄",
            "供热管道漏水",
            "暖气费收费标准",
            "停暖没有提前通知",
            "楼上暖气热楼下不热",
        ),
        0.0,
    ),
    C(
        "gongshui",
        "供水",
        None,
        "zhujian",
        "供水,停水,水压,自来水",
        4.0,
        (
            "突然停水没有通知",
            "水压太低楼上没水",
            "自来水发黄有异味",
            "水管爆裂",
            "二次供水水箱不清洗",
            "水费收得太高",
            "停水好几天了",
        ),
        0.0,
        "help",
    ),
    C(
        "ranqi",
        "燃气",
        "gongshui",
        "zhujian",
        "燃气,煤气,天然气",
        1.5,
        ("燃气费上涨", "燃气表不走字", "天然气开户安装太慢", "楼道里有煤气味", "燃气公司入户安检收费"),
        0.0,
    ),
    C(
        "wuye",
        "物业管理",
        None,
        "zhujian",
        "物业,小区,业委会,物业费",
        9.0,
        (
            "物业不作为",
            "物业费乱收",
            "电梯坏了物业不修",
            "楼道卫生没人打扫",
            "业委会选举有问题",
            "物业强制收取停车费",
            "物业撤走了小区没人管",
            "小区监控全坏了物业不管",
            "物业公司私自占用公共收益",
        ),
        0.5,
    ),
    C(
        "jiaotong",
        "交通出行",
        None,
        "jiaotong",
        "公交,出租车,交通,道路运输",
        4.0,
        (
            "公交车不按站停车",
            "公交线路调整后出行不便",
            "出租车拒载",
            "公交司机态度恶劣",
            "出租车不打表",
            "公交车发车间隔太长",
            "希望增开公交线路",
            "网约车乱收费",
        ),
        0.0,
    ),
    C(
        "tingche",
        "停车管理",
        "jiaotong",
        "gongan",
        "停车,乱停,违停",
        2.0,
        (
            "车辆乱停乱放堵住消防通道",
            "小区门口违停严重",
            "路边停车收费不合理|chengguan",
            "僵尸车长期占用车位|chengguan",
            "路口违停影响通行",
        ),
        0.2,
    ),
    C(
        "shebao",
        "社会保障",
        None,
        "renshe",
        "社保,养老保险,失业,工资,拖欠",
        4.0,
        (
            "养老保险断缴怎么补",
            "社保卡丢了怎么补办",
            "失业保险金怎么领取",
            "灵活就业人员社保缴费",
            "退休手续办理进度",
            "养老金调整什么时候发",
        ),
        0.0,
        "consultation",
    ),
    C(
        "gongzi",
        "拖欠工资",
        "shebao",
        "renshe",
        "拖欠,工资,欠薪,农民工",
        3.0,
        (
            "工地老板拖欠工资",
            "公司拖欠工资三个月",
            "农民工工资一直不给",
            "离职后公司不给结算工资",
            "装修队包工头拖欠工钱",
        ),
        0.2,
    ),
    C(
        "yiliao",
        "医疗卫生",
        None,
        "weijian",
        "医院,医疗,卫生,疫苗",
        3.0,
        (
            "医院收费不合理",
            "医生态度恶劣",
            "医院挂号难",
            "疫苗接种预约不上",
            "社区卫生服务中心不开门",
            "医院排队时间太长",
            "诊所无证行医",
        ),
        0.0,
    ),
    C(
        "yibao",
        "医疗保障",
        "yiliao",
        "yibao",
        "医保,报销,异地就医",
        2.5,
        (
            "医保报销比例太低",
            "异地就医备案怎么办",
            "医保卡在药店用不了",
            "门诊慢特病怎么申请",
            "住院医保报销迟迟不到账",
        ),
        0.0,
        "consultation",
    ),
    C(
        "jiaoyu",
        "教育",
        None,
        "jiaoyu",
        "学校,入学,教育,补课",
        3.0,
        (
            "孩子入学划片不合理",
            "学校乱收费",
            "老师有偿补课",
            "校车存在安全隐患",
            "幼儿园收费太高",
            "学校食堂饭菜质量差",
            "转学手续办不下来",
        ),
        0.0,
    ),
    C(
        "shichang",
        "市场监管",
        None,
        "shijian",
        "市场,食品,价格",
        3.0,
        (
            "超市卖过期食品",
            "饭店后厨卫生脏乱",
            "商家价格欺诈",
            "农贸市场缺斤短两",
            "药店卖假药",
            "无证经营的小作坊",
        ),
        0.0,
        "report",
    ),
    C(
        "xiaofei",
        "消费维权",
        "shichang",
        "shijian",
        "消费,退款,假货,维权",
        4.0,
        (
            "预付卡老板跑路",
            "健身房不给退费",
            "网购商品质量差商家不退款",
            "买到假货",
            "理发店办卡后关门",
            "培训机构不退学费|jiaoyu",
            "装修公司拿了钱不干活",
        ),
        0.0,
    ),
    C(
        "shengtai",
        "生态环境",
        None,
        "shengtai",
        "环境,污染,排放",
        2.5,
        (
            "工厂排放黑烟",
            "河道有污水排放",
            "附近企业有刺鼻异味",
            "烧烤店油烟扰民",
            "垃圾焚烧冒烟",
            "化工厂废水直排松花江",
        ),
        0.0,
        "report",
    ),
    C(
        "zaosheng",
        "噪声",
        "shengtai",
        "shengtai",
        "噪音,噪声,扰民",
        3.5,
        (
            "工厂噪音扰民",
            "商铺音响噪音太大",
            "广场舞音响声音太大|gongan",
            "夜间施工噪音扰民|zhujian",
            "楼下饭店排风机噪声",
            "邻居半夜装修噪音|gongan",
        ),
        0.1,
    ),
    C(
        "gongan",
        "公安/治安",
        None,
        "gongan",
        "治安,户籍,派出所,身份证",
        3.0,
        (
            "户口迁移手续",
            "身份证补办要多久",
            "小区有人聚众赌博",
            "电动车被盗",
            "有人在小区门口打架",
            "居住证怎么办理",
            "诈骗电话骚扰",
        ),
        0.0,
    ),
    C(
        "minzheng",
        "民政",
        None,
        "minzheng",
        "低保,养老院,婚姻登记,救助",
        2.5,
        (
            "低保申请被拒",
            "养老院收费问题",
            "婚姻登记预约",
            "高龄补贴没发放",
            "残疾人两项补贴",
            "困难家庭临时救助",
        ),
        0.4,
        "help",
    ),
    C(
        "huanwei",
        "环境卫生",
        None,
        "chengguan",
        "垃圾,清运,环卫,卫生",
        4.0,
        (
            "垃圾清运不及时",
            "垃圾桶满了没人清",
            "道路清扫不干净",
            "公共厕所脏乱",
            "垃圾堆放散发臭味",
            "小区门口垃圾成堆",
        ),
        0.5,
    ),
    C(
        "weijian",
        "违章建筑",
        None,
        "chengguan",
        "违建,私搭乱建,违章",
        2.5,
        ("私搭乱建", "楼顶加盖违建", "一楼住户私自扩建院子", "占用绿地建房", "违建仓库"),
        0.5,
        "report",
    ),
    C(
        "zhandao",
        "占道经营",
        None,
        "chengguan",
        "占道,摊贩,夜市",
        2.0,
        ("摊贩占道经营", "夜市占道影响通行", "商铺店外经营", "早市摊位堵路"),
        0.3,
    ),
    C(
        "chuxue",
        "冬季除雪",
        None,
        "chengguan",
        "除雪,积雪,清雪,结冰",
        2.5,
        ("路面积雪没人清", "人行道结冰很滑", "清雪不及时影响出行", "小区门口积雪成冰坡"),
        0.4,
        "help",
    ),
    C(
        "fangchan",
        "不动产登记",
        None,
        "ziran",
        "房产证,不动产,产权",
        2.0,
        ("房产证办不下来", "不动产登记要多长时间", "开发商不给办房产证|zhujian", "二手房过户流程"),
        0.0,
        "consultation",
    ),
    C(
        "wenlv",
        "文化旅游",
        None,
        "wenlv",
        "旅游,景区,雾凇,门票",
        1.5,
        ("雾凇岛门票涨价", "景区乱收费", "旅行社强制购物", "滑雪场服务差", "北山公园设施损坏"),
        0.0,
    ),
    C(
        "nongye",
        "农业农村",
        None,
        "nongye",
        "农村,土地,种粮,农业",
        1.5,
        ("种粮补贴没有发放", "土地流转纠纷", "农村道路坑洼", "村里饮水困难|shuili", "农资化肥质量有问题"),
        0.3,
    ),
    C(
        "shuili",
        "水利防汛",
        None,
        "shuili",
        "河道,防汛,堤坝,水库",
        1.0,
        ("河道淤积需要清淤", "堤坝有安全隐患", "防汛物资不到位", "河道有人非法采砂"),
        0.2,
    ),
    C(
        "yingji",
        "安全生产",
        None,
        "yingji",
        "安全隐患,烟花爆竹,安全生产",
        1.0,
        ("非法储存烟花爆竹", "小作坊存在安全隐患", "企业安全生产不到位", "加油站附近有人违规动火"),
        0.0,
        "report",
    ),
    C(
        "zhengwu",
        "政务服务",
        None,
        "zhengshu",
        "政务服务,办事大厅,窗口,网上办",
        1.5,
        ("办事大厅窗口态度差", "网上办事平台登录不上", "办事要跑好几趟", "政务服务大厅排队太久"),
        0.0,
    ),
    C(
        "tuiyi",
        "退役军人",
        None,
        "tuiyi",
        "退役,优抚,老兵",
        0.7,
        ("退役军人优抚金没发", "老兵补贴怎么申请", "退役士兵安置问题"),
        0.0,
        "consultation",
    ),
)

#: (district code, district name, [(street code, street name, lat, lon)]) from accounts/demo.py;
#: county-level units have towns without department codes.
PLACES: tuple[tuple[str, str, tuple[tuple[str | None, str, float, float], ...]], ...] = (
    (
        "changyi",
        "昌邑区",
        (
            ("changyi-yanan", "延安街道", 43.8640, 126.5560),
            ("changyi-xinghua", "兴华街道", 43.8760, 126.5640),
            ("changyi-wenmiao", "文庙街道", 43.8570, 126.5700),
            ("changyi-dongjuzi", "东局子街道", 43.8960, 126.5880),
        ),
    ),
    (
        "longtan",
        "龙潭区",
        (
            ("longtan-xiangtan", "湘潭街道", 43.9100, 126.5600),
            ("longtan-xinjilin", "新吉林街道", 43.9230, 126.5330),
            ("longtan-zunyi", "遵义街道", 43.9040, 126.5760),
            ("longtan-paoziyan", "泡子沿街道", 43.9170, 126.5680),
        ),
    ),
    (
        "chuanying",
        "船营区",
        (
            ("chuanying-beijinglu", "北京路街道", 43.8380, 126.5350),
            ("chuanying-xiangyang", "向阳街道", 43.8440, 126.5470),
            ("chuanying-desheng", "德胜街道", 43.8310, 126.5240),
            ("chuanying-beishan", "北山街道", 43.8300, 126.5100),
        ),
    ),
    (
        "fengman",
        "丰满区",
        (
            ("fengman-jiangnan", "江南街道", 43.8200, 126.5610),
            ("fengman-hongqi", "红旗街道", 43.8100, 126.5700),
            ("fengman-taishan", "泰山街道", 43.8000, 126.5500),
            ("fengman-yanfeng", "沿丰街道", 43.7900, 126.5800),
        ),
    ),
    ("yongji", "永吉县", ((None, "口前镇", 43.6720, 126.4970), (None, "岔路河镇", 43.7600, 126.1700))),
    ("jiaohe", "蛟河市", ((None, "新站镇", 43.9200, 127.3400), (None, "天岗镇", 43.7400, 127.2400))),
    ("huadian", "桦甸市", ((None, "夹皮沟镇", 42.8700, 127.4900), (None, "红石砬子镇", 43.0500, 127.0000))),
    ("shulan", "舒兰市", ((None, "平安镇", 44.2800, 126.9000), (None, "法特镇", 44.4000, 126.5000))),
    ("panshi", "磐石市", ((None, "明城镇", 42.9800, 126.1800), (None, "烟筒山镇", 43.2900, 126.0200))),
    ("gaoxin", "高新区", ((None, "高新北区", 43.8500, 126.5000), (None, "高新南区", 43.8150, 126.5150))),
)
#: Share of appeals by district (the four urban districts dominate).
PLACE_WEIGHTS = (20, 16, 18, 14, 5, 5, 4, 5, 5, 8)

ROADS = (
    "吉林大街",
    "解放中路",
    "重庆路",
    "河南街",
    "松江东路",
    "遵义东路",
    "北京路",
    "长春路",
    "珲春街",
    "越山路",
    "深圳街",
    "汉阳街",
    "新地号",
    "头道码头",
    "大东街",
    "通潭大路",
    "滨江南路",
    "昌邑街",
    "光华路",
    "天津街",
    "青岛街",
    "沈阳街",
    "民主路",
    "黄旗街",
)
COMPOUNDS = (
    "万科城",
    "江南一号",
    "恒大绿洲",
    "中海紫御",
    "东方家园",
    "世纪花园",
    "龙潭山小区",
    "北华小区",
    "化工小区",
    "铁路小区",
    "电力小区",
    "碧桂园",
    "阳光家园",
    "和谐家园",
    "锦江花园",
    "松江花园",
    "幸福里",
    "金色家园",
    "丽景花园",
    "紫光苑",
    "亚泰城",
    "华府名门",
)
OPENINGS = (
    "",
    "",
    "",
    "您好，",
    "你好，",
    "市民来电反映：",
    "来电人称，",
    "网友留言：",
    "我是{district}居民，",
    "我想反映个问题，",
    "请问一下，",
    "家住{district}的市民反映，",
)
DURATIONS = (
    "",
    "",
    "已经三天了，",
    "已经一个多星期了，",
    "从上个月开始，",
    "这个问题存在很久了，",
    "最近几天，",
    "今天早上发现",
    "连续好几天",
    "去年就反映过，",
)
IMPACTS = (
    "",
    "",
    "严重影响居民生活，",
    "老人孩子出行很不方便，",
    "存在安全隐患，",
    "多次找过都没人管，",
    "给居民带来很大困扰，",
    "大家意见很大，",
)
REQUESTS = (
    "",
    "希望尽快解决。",
    "请相关部门处理。",
    "请尽快派人来看看。",
    "希望给个说法。",
    "要求退还费用。",
    "希望有关部门管一管。",
    "怎么办？",
    "能不能帮忙协调？",
    "请予答复。",
)
VAGUE = (
    "我家这边的事一直没人管",
    "想反映一下我们这的情况",
    "上次打电话说的事还没解决",
    "这个问题反映好多次了",
)
CHANNELS = ("phone",) * 6 + ("web", "mailbox", "wechat", "weibo")


def _place_text(rng: random.Random, district_name: str, street_name: str) -> str:
    roll = rng.random()
    if roll < 0.30:
        return f"{district_name}{street_name}{rng.choice(COMPOUNDS)}"
    if roll < 0.50:
        return f"{district_name}{rng.choice(ROADS)}{rng.randint(1, 399)}号附近"
    if roll < 0.65:
        return f"{rng.choice(COMPOUNDS)}小区{rng.randint(1, 30)}栋"
    if roll < 0.80:
        return f"{street_name}{rng.choice(ROADS)}"
    if roll < 0.92:
        return f"{district_name}{rng.choice(ROADS)}与{rng.choice(ROADS)}交汇处"
    return ""


def generate_history(n: int, *, seed: int = 20260601, days: int = 365) -> list[SyntheticOrder]:
    """``n`` dispatched appeals of the past ``days`` days with their final category and lead department.

    The same ``seed`` gives the same list (pure ``random.Random``; no global state touched).
    """
    rng = random.Random(seed)
    weights = [category.weight for category in CATALOGUE]
    orders: list[SyntheticOrder] = []
    for _i in range(n):
        category = rng.choices(CATALOGUE, weights)[0]
        district_code, district_name, streets = rng.choices(PLACES, PLACE_WEIGHTS)[0]
        street_code, street_name, lat, lon = rng.choice(streets)
        raw = rng.choice(category.matters)
        matter, _sep, override = raw.partition("|")
        if override:
            department = override
        elif category.district_share and rng.random() < category.district_share:
            department = district_code
        else:
            department = category.department
        category_code = category.code
        if rng.random() < 0.04:
            # Dispatchers are not perfectly consistent: the parent or a sibling category was chosen.
            siblings = [c.code for c in CATALOGUE if c.department == category.department]
            category_code = category.parent or rng.choice(siblings)
        if rng.random() < 0.03:
            matter_text = rng.choice(VAGUE)
        else:
            matter_text = matter
        place = _place_text(rng, district_name, street_name)
        opening = rng.choice(OPENINGS).format(district=district_name)
        content = (
            f"{opening}{place}{'' if not place else '，'}{rng.choice(DURATIONS)}{matter_text}，"
            f"{rng.choice(IMPACTS)}{rng.choice(REQUESTS)}"
        ).replace("，，", "，")
        if content.endswith("，"):
            content = content[:-1] + "。"
        if rng.random() < 0.5:
            title = f"{district_name}{matter_text}"[:40]
        elif rng.random() < 0.5:
            title = f"关于{matter_text}的问题"[:40]
        else:
            title = matter_text[:40]
        has_coordinates = street_code is not None and rng.random() < 0.6
        orders.append(
            SyntheticOrder(
                title=title,
                content=content,
                category=category_code,
                department=department,
                district=district_code,
                street=street_code,
                order_type=category.order_type,
                channel=rng.choice(CHANNELS),
                # Busier in the heating season (Oct–Apr): skew towards recent and winter days.
                days_ago=min(days - 1, int(rng.triangular(0, days, 0))),
                latitude=round(lat + rng.uniform(-0.008, 0.008), 6) if has_coordinates else None,
                longitude=round(lon + rng.uniform(-0.008, 0.008), 6) if has_coordinates else None,
            )
        )
    return orders


def departments_used() -> set[str]:
    """Every department code that may appear as ``SyntheticOrder.department``."""
    codes = {category.department for category in CATALOGUE}
    for category in CATALOGUE:
        codes.update(m.partition("|")[2] for m in category.matters if "|" in m)
        if category.district_share:
            codes.update(code for code, _name, _streets in PLACES)
    return codes
