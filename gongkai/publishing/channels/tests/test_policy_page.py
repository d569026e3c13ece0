"""A real 政策文件 page (gongkai.publishing) through publication and withdrawal on every channel."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from wagtail.models import Site

from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.services import outbox_deliver_due
from gongkai.publishing.channels.models import ChannelRelease
from gongkai.publishing.channels.tests.conftest import BASE

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy_index(db):
    from gongkai.accounts.models import DepartmentKind
    from gongkai.accounts.services import department_upsert
    from gongkai.publishing.models import DisclosureSectionPage, DocumentIndexPage

    city, _ = department_upsert(code="city", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    root = Site.objects.get(is_default_site=True).root_page
    section = root.add_child(instance=DisclosureSectionPage(title="政府信息公开", slug="zfxxgk"))
    index = section.add_child(
        instance=DocumentIndexPage(title="政策文件", slug="zcwj", document_type="policy")
    )
    return index, city


def make_policy(policy_index, **fields):
    from gongkai.publishing.models import PolicyDocumentPage

    index, city = policy_index
    values = {
        "title": "吉林市人民政府办公厅关于进一步加强政务公开工作的通知",
        "slug": "zwgk-2014-2",
        "department": city,
        "document_number": "吉市政办发〔2014〕2号",
        "written_on": datetime.date(2014, 1, 20),
        "formed_at": datetime.date(2014, 1, 20),
        "summary": "进一步加强政务公开工作，做好政府信息发布、解读和回应。",
        "body": '<p>各县（市）区人民政府：</p><p>为进一步加强政务公开工作<script>alert(1)</script>……</p><p><a href="/zfxxgk/">政府信息公开</a></p>',
        "disclosure_attribute": "proactive",
        "live": False,
        **fields,
    }
    page = PolicyDocumentPage(**values)
    index.add_child(instance=page)
    return page


def publish(page, *, release=True):
    from gongkai.publishing.review.guard import review_bypass

    with review_bypass(reason="测试：在原系统已审核的文件", release=release):
        page.save_revision().publish()
    page.refresh_from_db()


def deliver_all():
    OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(next_attempt_at=timezone.now())
    outbox_deliver_due()


def test_a_proactive_policy_document_goes_to_every_channel_and_comes_down_again(policy_index, weibo, wechat):
    page = make_policy(policy_index)
    publish(page)
    url = f"{BASE}/zfxxgk/zcwj/zwgk-2014-2/"
    assert ChannelRelease.objects.get(page=page, channel="website").remote_url == url

    weibo_text = OutboxMessage.objects.get(channel="weibo").payload["text"]
    assert weibo_text.startswith(
        "【吉林市人民政府办公厅关于进一步加强政务公开工作的通知】进一步加强政务公开工作"
    )
    assert weibo_text.endswith(url)
    article = OutboxMessage.objects.get(channel="wechat_mp").payload
    assert "script" not in article["content"]
    assert f'href="{BASE}/zfxxgk/"' in article["content"]

    deliver_all()
    assert dict(ChannelRelease.objects.filter(page=page).values_list("channel", "status")) == {
        "website": "sent",
        "weibo": "sent",
        "wechat_mp": "sent",
    }
    assert len(weibo.live_statuses()) == 1 and len(wechat.live_articles()) == 1

    page.unpublish()
    deliver_all()
    assert set(ChannelRelease.objects.filter(page=page).values_list("status", flat=True)) == {"withdrawn"}
    assert weibo.live_statuses() == [] and wechat.live_articles() == []


def test_a_document_published_inside_the_review_bypass_goes_to_the_website_only(policy_index):
    page = make_policy(policy_index)
    publish(page, release=False)
    assert list(ChannelRelease.objects.filter(page=page).values_list("channel", "status")) == [
        ("website", "sent")
    ]
    assert not OutboxMessage.objects.exists()
    page.unpublish()
    assert list(ChannelRelease.objects.filter(page=page).values_list("status", flat=True)) == ["withdrawn"]
