"""The demo city: Jilin City's organisation tree and one demo account per role.

``load()`` is idempotent: departments are upserted by ``code``, users by ``username`` (a user's
password is set only when the user is created). The credit codes are invented: valid format and
check characters (GB 32100 / GB 11714), real division codes (220200 吉林市, 220202 昌邑区 …), but
they do not belong to the real bodies.

DEMO ONLY: every demo account has the password ``DEMO_PASSWORD``; ``load()`` refuses to create
them when ``settings.PRODUCTION`` is true.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password

from gongkai.accounts.credit_code import credit_code_build
from gongkai.accounts.models import Department, DepartmentKind
from gongkai.accounts.roles import ROLES, roles_sync
from gongkai.accounts.services import department_upsert, staff_user_upsert

DEMO_PASSWORD = "Gongkai-demo-2026"  # noqa: S105 - documented demo-only password (docs/accounts.md)

K = DepartmentKind
CITY = "220200"

# (code, name, short name, kind, parent code, division, registration type, phone)
# Registration type (2nd character of the credit code): 1 = 机关, 2 = 事业单位.
DEPARTMENTS: list[tuple[str, str, str, str, str | None, str, str, str]] = [
    ("jilin", "吉林市人民政府", "市政府", K.GOVERNMENT, None, CITY, "1", "0432-62012345"),
    (
        "bangongting",
        "吉林市人民政府办公厅",
        "市政府办公厅",
        K.GOVERNMENT_OFFICE,
        "jilin",
        CITY,
        "1",
        "0432-62012001",
    ),
    (
        "xinwenban",
        "吉林市人民政府新闻办公室",
        "市政府新闻办",
        K.GOVERNMENT_OFFICE,
        "jilin",
        CITY,
        "1",
        "0432-62012002",
    ),
    (
        "rexian",
        "吉林市市长电话室（12345政务服务便民热线）",
        "12345热线",
        K.GOVERNMENT_OFFICE,
        "jilin",
        CITY,
        "1",
        "12345",
    ),
    ("hulianwang", "吉林市互联网信息中心", "市互联网信息中心", K.OTHER, "jilin", CITY, "2", "0432-62012003"),
    ("fagai", "吉林市发展和改革委员会", "市发改委", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("gongan", "吉林市公安局", "市公安局", K.DEPARTMENT, "jilin", CITY, "1", "0432-62012110"),
    ("gongxin", "吉林市工业和信息化局", "市工信局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("renshe", "吉林市人力资源和社会保障局", "市人社局", K.DEPARTMENT, "jilin", CITY, "1", "0432-12333"),
    ("jiaoyu", "吉林市教育局", "市教育局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("weijian", "吉林市卫生健康委员会", "市卫健委", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("jiaotong", "吉林市交通运输局", "市交通运输局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("zhujian", "吉林市住房和城乡建设局", "市住建局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("shengtai", "吉林市生态环境局", "市生态环境局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("shijian", "吉林市市场监督管理局", "市市场监管局", K.DEPARTMENT, "jilin", CITY, "1", "0432-12315"),
    ("minzheng", "吉林市民政局", "市民政局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("ziran", "吉林市自然资源局", "市自然资源局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("wenlv", "吉林市文化广播电视和旅游局", "市文广旅局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("yingji", "吉林市应急管理局", "市应急局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("tongji", "吉林市统计局", "市统计局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("caizheng", "吉林市财政局", "市财政局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("chengguan", "吉林市城市管理行政执法局", "市城管执法局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("shuili", "吉林市水利局", "市水利局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("nongye", "吉林市农业农村局", "市农业农村局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("shangwu", "吉林市商务局", "市商务局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("yibao", "吉林市医疗保障局", "市医保局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("sifa", "吉林市司法局", "市司法局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("xinfang", "吉林市信访局", "市信访局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("tuiyi", "吉林市退役军人事务局", "市退役军人局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    ("zhengshu", "吉林市政务服务和数字化建设管理局", "市政数局", K.DEPARTMENT, "jilin", CITY, "1", ""),
    # Districts and their streets (街道).
    ("changyi", "吉林市昌邑区人民政府", "昌邑区", K.DISTRICT, "jilin", "220202", "1", ""),
    ("changyi-yanan", "昌邑区延安街道办事处", "延安街道", K.STREET, "changyi", "220202", "1", ""),
    ("changyi-xinghua", "昌邑区兴华街道办事处", "兴华街道", K.STREET, "changyi", "220202", "1", ""),
    ("changyi-wenmiao", "昌邑区文庙街道办事处", "文庙街道", K.STREET, "changyi", "220202", "1", ""),
    ("changyi-dongjuzi", "昌邑区东局子街道办事处", "东局子街道", K.STREET, "changyi", "220202", "1", ""),
    ("longtan", "吉林市龙潭区人民政府", "龙潭区", K.DISTRICT, "jilin", "220203", "1", ""),
    ("longtan-xiangtan", "龙潭区湘潭街道办事处", "湘潭街道", K.STREET, "longtan", "220203", "1", ""),
    ("longtan-xinjilin", "龙潭区新吉林街道办事处", "新吉林街道", K.STREET, "longtan", "220203", "1", ""),
    ("longtan-zunyi", "龙潭区遵义街道办事处", "遵义街道", K.STREET, "longtan", "220203", "1", ""),
    ("longtan-paoziyan", "龙潭区泡子沿街道办事处", "泡子沿街道", K.STREET, "longtan", "220203", "1", ""),
    ("chuanying", "吉林市船营区人民政府", "船营区", K.DISTRICT, "jilin", "220204", "1", ""),
    ("chuanying-beijinglu", "船营区北京路街道办事处", "北京路街道", K.STREET, "chuanying", "220204", "1", ""),
    ("chuanying-xiangyang", "船营区向阳街道办事处", "向阳街道", K.STREET, "chuanying", "220204", "1", ""),
    ("chuanying-desheng", "船营区德胜街道办事处", "德胜街道", K.STREET, "chuanying", "220204", "1", ""),
    ("chuanying-beishan", "船营区北山街道办事处", "北山街道", K.STREET, "chuanying", "220204", "1", ""),
    ("fengman", "吉林市丰满区人民政府", "丰满区", K.DISTRICT, "jilin", "220211", "1", ""),
    ("fengman-jiangnan", "丰满区江南街道办事处", "江南街道", K.STREET, "fengman", "220211", "1", ""),
    ("fengman-hongqi", "丰满区红旗街道办事处", "红旗街道", K.STREET, "fengman", "220211", "1", ""),
    ("fengman-taishan", "丰满区泰山街道办事处", "泰山街道", K.STREET, "fengman", "220211", "1", ""),
    ("fengman-yanfeng", "丰满区沿丰街道办事处", "沿丰街道", K.STREET, "fengman", "220211", "1", ""),
    # The county and the county-level cities.
    ("yongji", "永吉县人民政府", "永吉县", K.COUNTY, "jilin", "220221", "1", ""),
    ("jiaohe", "蛟河市人民政府", "蛟河市", K.COUNTY_CITY, "jilin", "220281", "1", ""),
    ("huadian", "桦甸市人民政府", "桦甸市", K.COUNTY_CITY, "jilin", "220282", "1", ""),
    ("shulan", "舒兰市人民政府", "舒兰市", K.COUNTY_CITY, "jilin", "220283", "1", ""),
    ("panshi", "磐石市人民政府", "磐石市", K.COUNTY_CITY, "jilin", "220284", "1", ""),
    # Development zones (开发区管委会).
    ("gaoxin", "吉林高新技术产业开发区管理委员会", "高新区", K.DEVELOPMENT_ZONE, "jilin", CITY, "1", ""),
    ("jingkai", "吉林经济技术开发区管理委员会", "经开区", K.DEVELOPMENT_ZONE, "jilin", CITY, "1", ""),
    ("shipinqu", "吉林中国新加坡食品区管理委员会", "中新食品区", K.DEVELOPMENT_ZONE, "jilin", CITY, "1", ""),
    ("beidahu", "北大壶体育旅游经济开发区管理委员会", "北大壶", K.DEVELOPMENT_ZONE, "jilin", CITY, "1", ""),
]

# (username, role code, family name, given name, department code, job title)
STAFF: list[tuple[str, str, str, str, str, str]] = [
    ("operator", "operator", "王", "芳", "rexian", "话务员"),
    ("dispatcher", "dispatcher", "李", "强", "rexian", "派单员"),
    ("handler.gongan", "handler", "张", "伟", "gongan", "信访科科员"),
    ("handler.changyi", "handler", "刘", "洋", "changyi", "区政府办公室科员"),
    ("handler.yanan", "handler", "韩", "雪", "changyi-yanan", "街道党政办科员"),
    ("drafter", "drafter", "陈", "静", "renshe", "办公室科员"),
    ("reviewer", "reviewer", "杨", "磊", "renshe", "办公室主任"),
    ("approver", "approver", "赵", "敏", "renshe", "副局长"),
    ("press", "press_office", "黄", "婷", "xinwenban", "新闻发言人"),
    ("opinion", "opinion_analyst", "周", "杰", "hulianwang", "舆情分析师"),
    ("disclosure", "disclosure_office", "吴", "霞", "bangongting", "政务公开科科长"),
    ("gongkaiban", "disclosure_office", "郑", "红", "bangongting", "政务公开科科员"),
    ("clerk.zhujian", "disclosure_clerk", "曹", "颖", "zhujian", "办公室政务公开专员"),
    ("clerk.ziran", "disclosure_clerk", "邓", "军", "ziran", "办公室政务公开专员"),
    ("clerk.jiaoyu", "disclosure_clerk", "潘", "丽", "jiaoyu", "办公室政务公开专员"),
    ("clerk.gongan", "disclosure_clerk", "石", "磊", "gongan", "法制支队政务公开专员"),
    ("leader", "leader", "徐", "刚", "bangongting", "副秘书长"),
    ("auditor", "auditor", "孙", "丽", "zhengshu", "审计专员"),
    ("sysadmin", "administrator", "马", "超", "zhengshu", "信息科科长"),
]


def _organization_body(code: str) -> str:
    # Stable per department (independent of list order), so re-runs and insertions keep codes.
    return "MB" + str(int(hashlib.sha256(code.encode()).hexdigest(), 16) % 10**6).zfill(6)


def demo_credit_code(*, code: str, division: str, registration_type: str) -> str:
    """The invented, valid credit code of the demo department ``code``."""
    return credit_code_build(
        authority="1", kind=registration_type, division=division, organization_body=_organization_body(code)
    )


def load_departments() -> dict[str, Department]:
    """Upsert the demo org tree; return the departments by code."""
    by_code: dict[str, Department] = {}
    for sort_order, (
        code,
        name,
        short_name,
        kind,
        parent_code,
        division,
        registration_type,
        phone,
    ) in enumerate(DEPARTMENTS):
        department, _created = department_upsert(
            code=code,
            name=name,
            parent=by_code[parent_code] if parent_code else None,
            short_name=short_name,
            kind=kind,
            credit_code=demo_credit_code(code=code, division=division, registration_type=registration_type),
            sort_order=sort_order * 10,
            is_active=True,
            phone=phone,
        )
        by_code[code] = department
    return by_code


def load_users(departments: dict[str, Department]) -> list[tuple[str, str, str, str]]:
    """Upsert the demo staff and the ``admin`` superuser; return the rows of the accounts table."""
    validate_password(DEMO_PASSWORD)
    rows = []
    admin, _created = staff_user_upsert(
        username="admin",
        password=DEMO_PASSWORD,
        department=None,
        last_name="管理员",
        job_title="超级管理员",
        is_superuser=True,
    )
    rows.append(("admin", "超级管理员", "—", DEMO_PASSWORD))
    for username, role_code, family_name, given_name, department_code, job_title in STAFF:
        department = departments[department_code]
        staff_user_upsert(
            username=username,
            password=DEMO_PASSWORD,
            department=department,
            last_name=family_name,
            first_name=given_name,
            job_title=job_title,
            roles=[role_code],
        )
        rows.append((username, ROLES[role_code].group_name, department.display_name, DEMO_PASSWORD))
    return rows


def load(*, stdout: Any) -> None:
    roles_sync()
    departments = load_departments()
    stdout.write(f"accounts: {len(departments)} 个机构 / departments")
    if getattr(settings, "PRODUCTION", False):
        stdout.write("accounts: 生产环境不创建演示账号 / demo accounts are not created in production")
        return
    rows = load_users(departments)
    header = ("用户名 username", "角色 role", "机构 department", "密码 password (仅供演示 demo only)")
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    stdout.write("")
    for row in [header, *rows]:
        stdout.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
    stdout.write("")


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
