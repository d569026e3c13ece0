"""The public letters (信件公开) and their monthly statistics."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from gongkai.hotline import services
from gongkai.hotline.models import Status
from gongkai.hotline.selectors import letter_statistics

from .conftest import TZ

pytestmark = pytest.mark.django_db

LETTER = "我是张三，住在延安街道幸福小区，电话13812345678。小区门前的路灯坏了很久，请尽快维修。"


@pytest.fixture
def letters(walk, users):
    published = walk(
        Status.AWAITING_CALLBACK,
        channel="mailbox",
        consent_to_publish=True,
        title="幸福小区路灯坏了",
        content=LETTER,
    )
    published = services.work_order_approve_publication(
        work_order=published,
        actor=users["dispatcher"],
        public_title="幸福小区路灯坏了",
        public_content=services.public_text(published, published.content),
        public_reply=published.public_reply,
    )
    unapproved = walk(
        Status.AWAITING_CALLBACK, channel="mailbox", consent_to_publish=True, title="尚未审核公开的来信"
    )
    no_consent = walk(Status.AWAITING_CALLBACK, channel="mailbox", title="不同意公开的来信")
    not_approved = walk(Status.REPLIED, channel="mailbox", consent_to_publish=True, title="答复尚未审核")
    confidential = walk(
        Status.AWAITING_CALLBACK,
        channel="mailbox",
        consent_to_publish=True,
        confidential=True,
        title="要求保密的来信",
    )
    web = walk(Status.AWAITING_CALLBACK, channel="web", consent_to_publish=True, title="网站诉求")
    return {
        "published": published,
        "hidden": [unapproved, no_consent, not_approved, confidential, web],
    }


def test_list_shows_only_consented_and_approved_letters(client, letters):
    page = client.get(reverse("hotline_public:letters")).content.decode()
    assert "幸福小区路灯坏了" in page
    for hidden in letters["hidden"]:
        assert hidden.title not in page


def test_letter_detail_redacts_personal_data(client, letters):
    order = letters["published"]
    response = client.get(reverse("hotline_public:letter_detail", args=[order.tracking_number]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "13812345678" not in page
    assert "138****5678" in page
    assert "张三" not in page
    assert "张*" in page
    assert "受理日期" in page and "答复日期" in page and "答复部门" in page
    assert "市住建局" in page
    assert "已修复路灯" in page


def test_hidden_letters_have_no_detail_page(client, letters):
    for hidden in letters["hidden"]:
        response = client.get(reverse("hotline_public:letter_detail", args=[hidden.tracking_number]))
        assert response.status_code == 404


def test_search_matches_what_is_shown_not_the_hidden_data(client, letters):
    url = reverse("hotline_public:letters")
    assert "幸福小区路灯坏了" in client.get(url, {"q": "路灯"}).content.decode()
    # The phone number and the name are in the raw letter but not on the page: no match.
    for query in ("13812345678", "张三"):
        assert "幸福小区路灯坏了" not in client.get(url, {"q": query}).content.decode()


def test_list_is_paginated(client, walk, users):
    for i in range(12):
        order = walk(
            Status.AWAITING_CALLBACK, channel="mailbox", consent_to_publish=True, title=f"来信{i:02d}"
        )
        services.work_order_approve_publication(
            work_order=order,
            actor=users["dispatcher"],
            public_title=order.title,
            public_content="内容",
            public_reply="答复",
        )
    first = client.get(reverse("hotline_public:letters")).content.decode()
    second = client.get(reverse("hotline_public:letters"), {"page": 2}).content.decode()
    assert "第 1 页，共 2 页" in first
    assert first.count("hl-letter-card") == 10
    assert second.count("hl-letter-card") == 2


def _letter_answered(*, make_order, users, tree, clock, received, approved, order_type="complaint"):
    clock.move_to(received)
    order = make_order(channel="mailbox", order_type=order_type)
    order = services.work_order_dispatch(
        work_order=order, actor=users["dispatcher"], department=tree["dept_a"]
    )
    order = services.work_order_accept(work_order=order, actor=users["handler_a"])
    order = services.work_order_reply(work_order=order, actor=users["handler_a"], reply_text="已处理。")
    clock.move_to(approved)
    return services.work_order_approve_reply(work_order=order, actor=users["dispatcher"])


def test_monthly_statistics_on_a_small_dataset(client, make_order, users, tree, clock):
    at = lambda *args: datetime.datetime(*args, tzinfo=TZ)  # noqa: E731
    # May: one letter answered the same day.
    _letter_answered(
        make_order=make_order,
        users=users,
        tree=tree,
        clock=clock,
        received=at(2026, 5, 11, 9),
        approved=at(2026, 5, 11, 15),
    )
    # June: one complaint answered after 4 working days (on time: 13 allowed),
    # one request for help answered after 7 working days (late: 3 allowed), one not answered yet,
    # and one web appeal that does not count.
    _letter_answered(
        make_order=make_order,
        users=users,
        tree=tree,
        clock=clock,
        received=at(2026, 6, 1, 9),
        approved=at(2026, 6, 5, 10),
    )
    _letter_answered(
        make_order=make_order,
        users=users,
        tree=tree,
        clock=clock,
        received=at(2026, 6, 1, 10),
        approved=at(2026, 6, 10, 10),
        order_type="help",
    )
    clock.move_to(at(2026, 6, 2, 9))
    make_order(channel="mailbox")
    make_order(channel="web")

    stats = letter_statistics(today=datetime.date(2026, 6, 15))
    months = {row.label: row for row in stats["months"]}
    assert len(stats["months"]) == 12
    assert stats["months"][0].label == "2025-07" and stats["months"][-1].label == "2026-06"
    may, june = months["2026-05"], months["2026-06"]
    assert (may.received, may.answered, may.on_time, may.average_days) == (1, 1, 1, 0.0)
    assert (june.received, june.answered, june.on_time) == (3, 2, 1)
    assert june.average_days == 5.5  # (4 + 7) / 2
    assert june.on_time_rate == "50%"
    assert (stats["total"].received, stats["total"].answered, stats["total"].on_time) == (4, 3, 2)
    (department,) = stats["departments"]
    assert (department.label, department.answered, department.on_time) == ("市住建局", 3, 2)

    page = client.get(reverse("hotline_public:letter_stats")).content.decode()
    assert "<svg" in page and 'id="stats-months"' in page and "市住建局" in page


def test_publication_rules(walk, users, client):
    from gongkai.core.workflow import TransitionNotAllowed

    office = users["dispatcher"]
    texts = {"public_title": "标题", "public_content": "内容", "public_reply": "答复"}
    no_consent = walk(Status.AWAITING_CALLBACK, channel="mailbox")
    with pytest.raises(TransitionNotAllowed) as exc:
        services.work_order_approve_publication(work_order=no_consent, actor=office, **texts)
    assert exc.value.code == "not_publishable"
    early = walk(Status.IN_PROGRESS, channel="mailbox", consent_to_publish=True)
    with pytest.raises(TransitionNotAllowed):
        services.work_order_approve_publication(work_order=early, actor=office, **texts)
    order = walk(Status.CLOSED, channel="mailbox", consent_to_publish=True, title="原标题")
    with pytest.raises(TransitionNotAllowed) as exc:
        services.work_order_approve_publication(work_order=order, actor=users["operator"], **texts)
    assert exc.value.code == "permission_denied"
    services.work_order_approve_publication(
        work_order=order, actor=office, **{**texts, "public_title": "核对后的标题"}
    )
    page = client.get(reverse("hotline_public:letters")).content.decode()
    assert "核对后的标题" in page and "原标题" not in page
    services.work_order_withdraw_publication(work_order=order, actor=office, reason="写信人要求撤下")
    assert "核对后的标题" not in client.get(reverse("hotline_public:letters")).content.decode()
    with pytest.raises(TransitionNotAllowed) as exc:
        services.work_order_withdraw_publication(work_order=order, actor=office, reason="再次")
    assert exc.value.code == "not_published"


def test_publication_through_the_api_and_the_workspace(walk, users, client):
    order = walk(Status.AWAITING_CALLBACK, channel="mailbox", consent_to_publish=True, title="来信甲")
    client.force_login(users["dispatcher"])
    url = f"/api/v1/hotline/orders/{order.pk}/publication"
    body = {"public_title": "公开甲", "public_content": "内容", "public_reply": "答复"}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert "withdraw_publication" in [a["name"] for a in response.json()["actions"]]
    order.refresh_from_db()
    assert order.public_title == "公开甲" and order.publication_approved_at is not None
    refused = client.post(url, {"approve": False, "reason": ""}, content_type="application/json")
    assert refused.status_code == 422
    assert (
        client.post(url, {"approve": False, "reason": "撤下"}, content_type="application/json").status_code
        == 200
    )
    page = client.get(reverse("hotline_workspace:order", args=[order.pk])).content.decode()
    assert "审核通过并公开" in page and "来信甲" in page
    response = client.post(
        reverse("hotline_workspace:act", args=[order.pk, "approve_publication"]),
        {
            "approve_publication-public_title": "公开乙",
            "approve_publication-public_content": "内容",
            "approve_publication-public_reply": "答复",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.public_title == "公开乙" and order.publication_approved_at is not None
    client.force_login(users["handler_a"])
    handler = client.post(url, body, content_type="application/json")
    assert handler.status_code == 403
