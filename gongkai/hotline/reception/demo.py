"""Demo 局长接待日: upcoming sessions of several departments, a few bookings, one past session.

Idempotent: sessions are keyed by (department, date, official); bookings by phone within a session.
Bookings are made through ``reception.services`` (so the counts and SMS are real).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from gongkai.accounts.models import Department
from gongkai.core.workcalendar import selectors as calendar
from gongkai.hotline.reception import services
from gongkai.hotline.reception.models import BookingStatus, ReceptionBooking, ReceptionSession, SessionStatus

# (department code, official, title, working days from today, start, end, place, topic, slots)
SESSIONS = [
    ("zhujian", "王建国", "局长", 3, "09:00", "11:30", "市住建局一楼来访接待室（解放中路 1 号）",
     "供热不热、物业服务、老旧小区改造、维修资金", 12),
    ("renshe", "李淑华", "副局长", 5, "13:30", "16:30", "市人社局政务大厅二楼", "社保转移接续、工资拖欠、就业补贴", 10),
    ("yibao", "赵志刚", "局长", 6, "09:00", "11:00", "市医保局三楼会议室", "医保报销、异地就医备案、门诊慢特病", 8),
    ("jiaotong", "孙海涛", "局长", 8, "09:00", "11:30", "市交通运输局接待室", "公交线路、出租车服务、雾凇节交通组织", 10),
    ("jiaoyu", "陈静", "副局长", 10, "14:00", "16:00", "市教育局一楼接待室", "入学政策、校外培训退费、校车安全", 8),
    ("changyi", "刘洋", "副区长", 4, "09:00", "11:30", "昌邑区政府信访接待中心", "街道社区治理、拆迁安置、环境卫生", 10),
    ("chuanying", "韩雪松", "区长", 12, "09:00", "11:00", "船营区政府一楼接待室", "松花江边噪声、违建、停车难", 6),
    ("gongan", "张卫东", "副局长", 7, "09:00", "11:30", "市公安局群众来访接待室", "户籍办理、治安问题、交通违法处理", 10),
]  # fmt: skip

BOOKINGS = [
    (
        "zhujian",
        "周桂英",
        "13904321001",
        "我家住昌邑区延安街道，今年供暖室温只有16度，多次找供热公司没解决。",
    ),
    ("zhujian", "吴国庆", "13804321002", "小区物业费上涨没有公示，业主意见很大，请求监管部门查处。"),
    ("zhujian", "郑丽", "13704321003", "老旧小区改造后楼道墙皮脱落，施工单位不维修。"),
    ("renshe", "冯志强", "15904321004", "从外省回吉林工作，养老保险转移手续办了三个月还没完成。"),
    ("yibao", "朱秀兰", "18604321005", "在长春住院的医保报销比例和吉林不一样，想咨询异地就医政策。"),
    ("jiaotong", "许浩然", "13604321006", "雾凇节期间乌拉街方向公交太挤，建议增加班次。"),
    ("changyi", "马春梅", "13504321007", "东局子街道小区门口垃圾长期无人清运。"),
    ("gongan", "黄立新", "13904321008", "孩子户口迁移需要哪些材料，派出所说法不一致。"),
]


def _time(value: str) -> datetime.time:
    hour, minute = value.split(":")
    return datetime.time(int(hour), int(minute))


def load(*, stdout: Any) -> None:
    departments = {d.code: d for d in Department.objects.filter(code__in={row[0] for row in SESSIONS})}
    if not departments:
        stdout.write("reception: 缺少演示机构，跳过 / demo departments missing, skipped")
        return
    now = timezone.now()
    today = timezone.localdate()
    creator = get_user_model().objects.filter(username="dispatcher").first()
    by_department: dict[str, ReceptionSession] = {}
    created = 0
    for code, official, title, days, start, end, place, topic, slots in SESSIONS:
        department = departments.get(code)
        if department is None:
            continue
        day = calendar.add_working_days(start=today, days=days)
        session = ReceptionSession.objects.filter(
            department=department, official_name=official, date__gte=today
        ).first()
        if session is None:
            session = ReceptionSession(
                department=department,
                official_name=official,
                official_title=title,
                date=day,
                start_time=_time(start),
                end_time=_time(end),
                place=place,
                topic=topic,
                slots=slots,
                booking_opens_at=now - datetime.timedelta(days=2),
                booking_closes_at=timezone.make_aware(
                    datetime.datetime.combine(day - datetime.timedelta(days=1), datetime.time(16, 0))
                ),
                status=SessionStatus.OPEN if days < 11 else SessionStatus.PLANNED,
                created_by=creator,
            )
            if session.status == SessionStatus.PLANNED:
                session.booking_opens_at = now + datetime.timedelta(days=3)
            services.session_validate(session)
            session.save()
            created += 1
        by_department[code] = session
    booked = 0
    for code, name, phone, matter in BOOKINGS:
        session = by_department.get(code)
        if session is None or ReceptionBooking.objects.filter(session=session, phone=phone).exists():
            continue
        if not services.booking_is_open(session):
            continue
        try:
            services.booking_create(session=session, citizen_name=name, phone=phone, matter=matter)
            booked += 1
        except services.BookingRefused:
            continue
    past = _past_session(departments.get("zhujian"), creator=creator, now=now)
    stdout.write(
        f"reception: {created} 个接待日、{booked} 个预约 / {created} sessions, {booked} bookings"
        + (" (+1 past)" if past else "")
    )


def _past_session(department: Department | None, *, creator: Any, now: datetime.datetime) -> bool:
    """One reception held last month: two visits became work orders (channel reception_day)."""
    if department is None or creator is None:
        return False
    day = calendar.add_working_days(start=timezone.localdate(), days=-15)
    if ReceptionSession.objects.filter(department=department, date=day).exists():
        return False
    session = ReceptionSession.objects.create(
        department=department,
        official_name="王建国",
        official_title="局长",
        date=day,
        start_time=datetime.time(9, 0),
        end_time=datetime.time(11, 30),
        place="市住建局一楼来访接待室（解放中路 1 号）",
        topic="供热不热、物业服务",
        slots=10,
        booking_opens_at=now - datetime.timedelta(days=40),
        booking_closes_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0))),
        status=SessionStatus.CLOSED,
        created_by=creator,
    )
    visits = [
        (
            "何凤霞",
            "13904322001",
            "龙潭区遵义街道某小区连续三年供暖不达标，要求退还部分供暖费。",
            "complaint",
        ),
        ("罗建华", "13804322002", "船营区北山街道小区电梯频繁故障，物业以维修资金不足为由拖延。", "help"),
    ]
    for name, phone, matter, order_type in visits:
        booking = services.walk_in_register(
            session=session,
            actor=creator,
            citizen_name=name,
            phone=phone,
            matter=matter,
            order_type=order_type,
            notes="王局长当场听取意见，责成供热处、物业科三个工作日内提出处理意见。",
        )
        ReceptionBooking.objects.filter(pk=booking.pk).update(status=BookingStatus.ATTENDED)
    return True
