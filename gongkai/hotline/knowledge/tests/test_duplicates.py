import datetime

import pytest

from gongkai.hotline import services as hotline
from gongkai.hotline.knowledge.suggest import find_duplicates

pytestmark = pytest.mark.django_db

TEXT = "昌邑区延安街道万科城小区门口路灯不亮已经一周，晚上出行很不方便，希望尽快修复。"


@pytest.fixture
def make(tree):
    def order(content=TEXT, street="yanan", phone="13812345678", district="changyi", **extra):
        created, _code = hotline.work_order_create(
            channel="phone",
            content=content,
            order_type="help",
            caller_phone=phone,
            district=tree[district] if district else None,
            street=tree[street] if street else None,
            notify=False,
            **extra,
        )
        return created

    return order


def test_near_identical_appeal_on_same_street_is_found(make, clock):
    first = make(phone="13800000001")
    clock.shift(datetime.timedelta(days=3))
    second = make(
        content="延安街道万科城小区门口的路灯不亮了一个星期，晚上出行很不方便，请尽快修复。",
        phone="13800000002",
    )

    found = find_duplicates(second)

    assert [c.order.pk for c in found] == [first.pk]
    assert "同一街道" in found[0].reasons
    assert any(r.startswith("内容相似度") for r in found[0].reasons)
    assert 0.35 <= found[0].score <= 1.0


def test_other_street_old_or_different_matter_is_not_found(make, clock):
    make(street="xinghua", phone="13800000001")  # same text, another street, another caller
    make(content="昌邑区延安街道万科城小区供暖温度不达标，室温只有十三度。", phone="13800000003")
    clock.shift(datetime.timedelta(days=40))
    make(phone="13800000004")  # the old one is now 40 days back
    clock.shift(datetime.timedelta(days=1))
    new = make(phone="13800000005")

    found = find_duplicates(new)

    assert [c.order.pk for c in found] == [new.pk - 1]  # only the one from yesterday
    assert find_duplicates(new, days=30, limit=5)[0].reasons[-1] == "相隔 1 天"


def test_merged_and_invalid_orders_are_left_out(make, users, clock):
    lead = make(phone="13800000001")
    follower = make(phone="13800000002")
    hotline.work_order_merge(work_order=follower, actor=users["dispatcher"], into=lead, reason="重复")
    junk = make(phone="13800000003")
    hotline.work_order_mark_invalid(work_order=junk, actor=users["operator"], reason="测试")
    new = make(phone="13800000004")

    assert [c.order.pk for c in find_duplicates(new)] == [lead.pk]


def test_coordinates_within_500_metres_count_as_same_place(make, clock):
    first = make(
        street=None, district=None, phone="13800000001", latitude="43.864000", longitude="126.556000"
    )
    far = make(street=None, district=None, phone="13800000003", latitude="43.900000", longitude="126.600000")
    new = make(street=None, district=None, phone="13800000002", latitude="43.866000", longitude="126.557000")

    found = find_duplicates(new)

    assert [c.order.pk for c in found] == [first.pk]
    assert any(r.startswith("相距约") for r in found[0].reasons)
    assert far.pk not in [c.order.pk for c in found]


def test_order_without_any_area_is_compared_with_nothing(make):
    make(street=None, district=None, phone="")
    assert find_duplicates(make(street=None, district=None, phone="")) == []
