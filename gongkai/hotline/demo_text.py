"""Phrase banks for the hotline demo: callers, replies, return and extension reasons, callbacks.

The appeals themselves come from ``gongkai.hotline.knowledge.synthetic`` (the routing history
generator); this module adds what a department, the hotline office and the callback say. Everything
is invented; phone numbers use the reserved-looking 1390432xxxx / 1380432xxxx ranges.
"""

from __future__ import annotations

import random

FAMILY_NAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN_NAMES = (
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀兰", "霞", "平", "刚", "桂英", "玉兰", "建国", "建华", "淑珍", "凤霞", "国庆",
    "海燕", "立新", "春梅", "志刚", "晓东", "丹", "鑫", "宇", "浩然", "子涵", "雪", "红梅", "福林",
)  # fmt: skip

REPLY_OPENINGS = (
    "经核实，",
    "您好，您反映的问题我单位已收悉。经现场核查，",
    "关于您反映的问题，经调查，",
    "收到工单后，我单位立即安排工作人员到现场核实。",
    "您反映的情况属实。",
    "经与相关单位沟通协调，",
)
REPLY_ACTIONS = {
    "default": (
        "已责成相关责任单位限期整改，目前问题已解决。",
        "已于近日安排专人处理完毕，并将加强日常巡查。",
        "已将问题纳入整改台账，预计本月底前完成。",
        "已与来电人电话沟通，详细解释了相关政策，来电人表示理解。",
        "该问题涉及多个部门，已牵头召开协调会，明确了责任分工和完成时限。",
        "已现场督促整改，下一步将持续跟踪，防止问题反复。",
    ),
    "gongnuan": (
        "供热公司已上门检测，对管网进行排气和阀门调节，现室温已达到18℃以上。",
        "已责成供热企业更换故障换热站循环泵，供热效果已恢复正常。",
        "经测温，室内温度符合标准；针对楼道末端户，供热公司已加装排气阀。",
    ),
    "ludeng": (
        "已安排维修班组更换损坏的灯具和电缆，路灯已恢复照明。",
        "经排查为线路老化导致，已更换线路，路灯恢复正常。",
    ),
    "wuye": (
        "已约谈物业服务企业，责令其按合同约定履行服务义务并公示收费明细。",
        "经街道、社区、业委会和物业公司协调，物业费争议已达成一致意见。",
    ),
    "zaosheng": (
        "已联合属地派出所和城管执法部门现场劝导，并明确了活动时间和音量要求。",
        "经现场监测，噪声超标，已依法责令整改，并将加强夜间巡查。",
    ),
    "shebao": (
        "已电话告知来电人社保关系转移接续的办理流程和所需材料，可通过“吉林祥云”APP网上办理。",
        "经查询，来电人的养老保险转移手续已办结，相关缴费记录已合并。",
    ),
    "yibao": (
        "已向来电人解释异地就医备案和报销政策，并协助其完成备案。",
        "经核实，报销款项已于近日拨付至来电人社会保障卡。",
    ),
    "jiaotong": (
        "公交集团已根据市民需求调整线路发车间隔，高峰时段加密班次。",
        "已协调交警部门在雾凇节期间增设临时停车场和交通引导岗。",
    ),
    "jiaoyu": (
        "已会同市场监管部门对该校外培训机构进行检查，责令其退还预收费用。",
        "已向来电人解释入学政策，并告知咨询电话。",
    ),
}
CLOSING = ("感谢您对我们工作的支持和监督。", "如有疑问，请联系我单位。", "", "")

DIRECT_ANSWERS = (
    "已根据知识库为来电人解答相关政策，来电人表示清楚。",
    "已告知来电人办理地点、时间和所需材料，来电人表示满意。",
    "已告知来电人可通过“吉林祥云”APP或政务服务中心窗口办理。",
    "已为来电人查询办理进度并告知结果。",
)
RETURN_REASONS = (
    "该事项不属于我单位职责范围，建议转属地区政府办理。",
    "经核实，该路段由城管部门管理，请改派。",
    "该小区供热由供热企业负责，属住建部门监管，请改派。",
    "诉求涉及医保报销，属医保局职责，请改派。",
)
EXTENSION_REASONS = (
    "涉及多部门协调，需召开协调会，申请延期。",
    "需等待供热季结束后施工，申请延期。",
    "需委托第三方检测，检测周期较长，申请延期。",
    "涉及资金审批，流程较长，申请延期。",
)
SEND_BACK_REASONS = (
    "答复内容未针对来电人诉求，请补充具体处理结果。",
    "答复未说明整改时限，请补充。",
    "答复过于简单，请说明核查情况和处理依据。",
)
REOPEN_REASONS = (
    "来电人表示问题仍未解决，要求重新办理。",
    "回访时来电人表示不满意，称只是电话沟通，未实地处理。",
    "来电人反映整改后问题再次出现。",
)
CALLBACK_COMMENTS = ("来电人表示满意。", "来电人表示问题已解决。", "来电人对办理结果基本认可。", "")
DISSATISFIED_COMMENTS = ("来电人表示问题仍未解决。", "来电人对答复不认可。")
INVALID_REASONS = ("无声电话", "骚扰电话，多次来电辱骂话务员", "测试电话", "来电人拨错号码")
MERGE_NOTES = ("同一小区同一问题重复反映，并入主工单。", "与已受理工单为同一事项，并单办理。")
ARBITRATION = (
    "经核实，该事项属于贵单位职责，请按期办理。",
    "依据派单目录，该事项由贵单位主办，维持原派单。",
)


def person(rng: random.Random) -> str:
    return rng.choice(FAMILY_NAMES) + rng.choice(GIVEN_NAMES)


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)}0432{rng.randint(0, 9999):04d}"


def reply(rng: random.Random, category_code: str) -> str:
    key = next((k for k in REPLY_ACTIONS if k != "default" and category_code.startswith(k)), "default")
    actions = REPLY_ACTIONS[key] if rng.random() < 0.8 else REPLY_ACTIONS["default"]
    return f"{rng.choice(REPLY_OPENINGS)}{rng.choice(actions)}{rng.choice(CLOSING)}"
