"""Looking an appeal up with its tracking number and query code, and rating the reply."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from gongkai.hotline import services
from gongkai.hotline.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def filed(db):
    """``filed(**kwargs)`` → (order, code) through the core intake."""

    def make(**kwargs):
        values = {
            "channel": "web",
            "content": "小区门口路灯不亮。",
            "order_type": "help",
            "caller_name": "李四",
            "caller_phone": "13812345678",
        }
        values.update(kwargs)
        return services.work_order_create(**values)

    return make


def lookup(client, number, code, ip="10.0.0.1"):
    return client.post(
        reverse("hotline_public:track"), {"tracking_number": number, "query_code": code}, REMOTE_ADDR=ip
    )


def not_found_message(response) -> str:
    return re.search(r'<p class="hl-error-lead">([^<]+)</p>', response.content.decode()).group(1)


def test_right_code_shows_the_timeline(client, filed):
    order, code = filed()
    response = lookup(client, order.tracking_number, code)
    assert response.status_code == 302
    assert code not in response["Location"] and order.tracking_number not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "您的诉求已受理。" in page
    assert "已受理" in page
    assert order.tracking_number in page
    # Personal data only masked.
    assert "13812345678" not in page
    assert "138****5678" in page
    assert "李*" in page


def test_full_width_digits_and_spaces_are_forgiven(client, filed):
    order, code = filed()
    spaced = " ".join(order.tracking_number)
    wide = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert lookup(client, spaced, wide).status_code == 302


def test_wrong_code_and_unknown_number_look_the_same(client, filed):
    order, code = filed()
    wrong = "000000" if code != "000000" else "111111"
    bad_code = lookup(client, order.tracking_number, wrong)
    unknown = lookup(client, "2001010001", code)
    assert bad_code.status_code == unknown.status_code == 404
    assert not_found_message(bad_code) == not_found_message(unknown)
    assert "没有找到" in not_found_message(bad_code)
    for response in (bad_code, unknown):
        assert order.title not in response.content.decode()


def test_failed_lookups_are_limited_per_address(client, filed):
    order, code = filed()
    for _ in range(10):
        assert (
            lookup(client, order.tracking_number, "999999" if code != "999999" else "888888").status_code
            == 404
        )
    blocked = lookup(client, order.tracking_number, code)
    assert blocked.status_code == 429
    assert "查询失败次数过多" in blocked.content.decode()
    # Another address still gets through.
    assert lookup(client, order.tracking_number, code, ip="10.0.0.2").status_code == 302


def test_result_needs_a_lookup_first(client):
    response = client.get(reverse("hotline_public:track_result"))
    assert response.status_code == 302
    assert response["Location"] == reverse("hotline_public:track")


def test_dispatched_order_shows_department_and_deadline(client, filed, users, tree, clock):
    order, code = filed()
    services.work_order_dispatch(work_order=order, actor=users["dispatcher"], department=tree["dept_a"])
    lookup(client, order.tracking_number, code)
    page = client.get(reverse("hotline_public:track_result")).content.decode()
    assert "已转交市住建局办理。" in page
    assert "答复期限" in page
    assert "剩余 3 个工作日" in page


def test_merged_order_shows_the_lead_orders_progress(client, filed, users, tree):
    lead, _code = filed(content="同一处路灯不亮。")
    follower, code = filed()
    services.work_order_dispatch(work_order=lead, actor=users["dispatcher"], department=tree["dept_a"])
    services.work_order_merge(work_order=follower, actor=users["dispatcher"], into=lead, reason="重复")
    lookup(client, follower.tracking_number, code)
    page = client.get(reverse("hotline_public:track_result")).content.decode()
    assert lead.tracking_number in page
    assert "合并办理" in page
    assert "已转交市住建局办理。" in page


def test_end_forgets_the_lookup(client, filed):
    order, code = filed()
    lookup(client, order.tracking_number, code)
    client.post(reverse("hotline_public:track_end"))
    assert client.get(reverse("hotline_public:track_result")).status_code == 302


# --- Rating -------------------------------------------------------------------------------------


def rated(order):
    order.refresh_from_db()
    return order.citizen_rated_at is not None


def test_rating_once_when_the_reply_is_in(client, walk):
    # walk() does not hand out the query code, so give the order a known one.
    order = walk(Status.AWAITING_CALLBACK)
    code = "123456"
    order.query_code_hash = services.query_code_hash(tracking_number=order.tracking_number, query_code=code)
    order.save(update_fields=["query_code_hash"])
    lookup(client, order.tracking_number, code)
    page = client.get(reverse("hotline_public:track_result")).content.decode()
    assert "评价答复" in page
    assert "已修复路灯" in page
    assert "13812345678" not in page

    url = reverse("hotline_public:track_rate")
    response = client.post(
        url, {"satisfaction": "dissatisfied", "comment": "灯还是不亮", "request_reopen": "on"}
    )
    assert response.status_code == 302
    assert rated(order)
    assert order.satisfaction == "dissatisfied" and order.citizen_comment == "灯还是不亮"
    assert order.reopen_requested_at is not None and order.status == Status.AWAITING_CALLBACK

    client.post(url, {"satisfaction": "very_satisfied"})
    order.refresh_from_db()
    assert order.satisfaction == "dissatisfied"
    page = client.get(reverse("hotline_public:track_result")).content.decode()
    assert "您已经评价过" in page
    assert 'action="/hotline/track/rate/"' not in page
    assert "您已申请重新办理" in page


def test_satisfied_rating_closes_the_order(client, walk):
    order = walk(Status.AWAITING_CALLBACK)
    order.query_code_hash = services.query_code_hash(
        tracking_number=order.tracking_number, query_code="123456"
    )
    order.save(update_fields=["query_code_hash"])
    lookup(client, order.tracking_number, "123456")
    client.post(reverse("hotline_public:track_rate"), {"satisfaction": "satisfied"})
    order.refresh_from_db()
    assert order.status == Status.CLOSED and order.callback_outcome == "rated_online"
    assert "您已评价：满意" in client.get(reverse("hotline_public:track_result")).content.decode()


def test_reopen_request_needs_dissatisfaction(client, walk):
    order = walk(Status.AWAITING_CALLBACK)
    order.query_code_hash = services.query_code_hash(
        tracking_number=order.tracking_number, query_code="123456"
    )
    order.save(update_fields=["query_code_hash"])
    lookup(client, order.tracking_number, "123456")
    response = client.post(
        reverse("hotline_public:track_rate"), {"satisfaction": "satisfied", "request_reopen": "on"}
    )
    assert response.status_code == 400
    assert "只有选择“不满意”或“非常不满意”时才能申请重新办理" in response.content.decode()
    assert not rated(order)


def test_no_rating_before_the_reply(client, filed):
    order, code = filed()
    lookup(client, order.tracking_number, code)
    page = client.get(reverse("hotline_public:track_result")).content.decode()
    assert "评价答复" not in page
    client.post(reverse("hotline_public:track_rate"), {"satisfaction": "very_satisfied"})
    assert not rated(order)


def test_rating_without_a_lookup_is_refused(client, walk):
    order = walk(Status.AWAITING_CALLBACK)
    response = client.post(reverse("hotline_public:track_rate"), {"satisfaction": "very_satisfied"})
    assert response.status_code == 302
    assert not rated(order)
