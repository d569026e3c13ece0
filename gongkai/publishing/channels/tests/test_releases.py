"""Publishing a 主动公开 page releases it to every channel; unpublishing withdraws it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gongkai.api.errors import Conflict, PermissionDenied
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.newmedia import weibo_length
from gongkai.core.outbox.services import outbox_deliver, outbox_deliver_due
from gongkai.publishing.channels import content
from gongkai.publishing.channels.models import ChannelRelease, ReleaseStatus
from gongkai.publishing.channels.services import (
    channel_release_retry,
    releases_for_published_page,
)
from gongkai.publishing.channels.tests.conftest import BASE

pytestmark = pytest.mark.django_db
Message = OutboxMessage.Status


def publish(page):
    revision = page.save_revision()
    revision.publish()
    page.refresh_from_db()
    return revision


def deliver_all():
    OutboxMessage.objects.filter(status=Message.PENDING).update(next_attempt_at=timezone.now())
    outbox_deliver_due()


def statuses(page):
    return dict(ChannelRelease.objects.filter(page=page).values_list("channel", "status"))


def test_publishing_releases_the_website_at_once_and_queues_one_message_per_channel(proactive, make_page):
    page = make_page()
    revision = publish(page)

    assert statuses(page) == {"website": "sent", "weibo": "pending", "wechat_mp": "pending"}
    website = ChannelRelease.objects.get(page=page, channel="website")
    assert website.remote_url == f"{BASE}/youhua/"
    assert website.sent_at is not None
    weibo = OutboxMessage.objects.get(channel="weibo")
    assert weibo.idempotency_key == f"release:{page.pk}:{revision.pk}:weibo"
    assert (
        weibo.payload["text"]
        == f"【吉林市优化营商环境若干措施】为进一步优化营商环境，制定本措施。 {BASE}/youhua/"
    )
    wechat = OutboxMessage.objects.get(channel="wechat_mp")
    assert wechat.payload["title"] == "吉林市优化营商环境若干措施"
    assert wechat.payload["content_source_url"] == f"{BASE}/youhua/"
    assert wechat.payload["digest"] == "为进一步优化营商环境，制定本措施。"


def test_pages_that_are_not_proactive_documents_are_ignored(make_page):
    page = make_page()
    publish(page)
    assert not ChannelRelease.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_only_enabled_channels_get_a_copy(proactive, make_page, settings):
    settings.GONGKAI_RELEASE_CHANNELS = ["wechat_mp"]
    page = make_page()
    publish(page)
    assert statuses(page) == {"website": "sent", "wechat_mp": "pending"}


def test_delivery_reports_each_channels_id_back_to_the_release(proactive, make_page, weibo, wechat):
    page = make_page()
    publish(page)
    deliver_all()
    releases = {r.channel: r for r in ChannelRelease.objects.filter(page=page)}
    assert {c: r.status for c, r in releases.items()} == {
        "website": "sent",
        "weibo": "sent",
        "wechat_mp": "sent",
    }
    (status,) = weibo.live_statuses()
    assert releases["weibo"].remote_id == status["idstr"]
    assert releases["weibo"].remote_url.endswith(status["idstr"])
    (article,) = wechat.live_articles()
    assert releases["wechat_mp"].remote_id == article["article_id"]
    assert releases["wechat_mp"].remote_url.startswith("https://mp.weixin.qq.com/s/")


def test_a_channel_that_is_down_delays_only_its_own_copy(proactive, make_page, weibo, wechat):
    weibo.fail_next("2/statuses/share.json", 10023, http_status=403, times=1)
    page = make_page()
    publish(page)
    outbox_deliver_due()
    weibo_release = ChannelRelease.objects.get(page=page, channel="weibo")
    assert weibo_release.status == ReleaseStatus.PENDING
    assert "10023" in weibo_release.error
    assert ChannelRelease.objects.get(page=page, channel="wechat_mp").status == ReleaseStatus.SENT
    deliver_all()
    assert statuses(page)["weibo"] == "sent"


def test_a_failed_release_is_retried_by_staff_with_a_new_key_and_audited(
    proactive, make_page, weibo, release_staff
):
    from gongkai.core.audit.models import AuditEvent

    weibo.fail_next("2/statuses/share.json", 20012)
    page = make_page()
    publish(page)
    deliver_all()
    release = ChannelRelease.objects.get(page=page, channel="weibo")
    assert release.status == ReleaseStatus.FAILED
    assert "20012" in release.error
    first_message = release.outbox_message_id

    channel_release_retry(release_id=release.pk, actor=release_staff)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PENDING
    assert release.retries == 1
    assert release.outbox_message_id != first_message
    assert release.outbox_message.idempotency_key.endswith(":weibo:retry1")
    event = AuditEvent.objects.get(action="publishing.release_retried")
    assert event.old_values["outbox_message"] == first_message
    deliver_all()
    release.refresh_from_db()
    assert release.status == ReleaseStatus.SENT
    assert len(weibo.live_statuses()) == 1


def test_retry_is_refused_for_releases_that_did_not_fail_and_for_unprivileged_staff(
    proactive, make_page, release_viewer, release_staff
):
    page = make_page()
    publish(page)
    release = ChannelRelease.objects.get(page=page, channel="weibo")
    with pytest.raises(PermissionDenied):
        channel_release_retry(release_id=release.pk, actor=release_viewer)
    with pytest.raises(Conflict):
        channel_release_retry(release_id=release.pk, actor=release_staff)
    release.refresh_from_db()
    assert release.retries == 0


def test_publishing_a_new_revision_does_not_post_again(proactive, make_page):
    page = make_page()
    publish(page)
    deliver_all()
    page.title = "吉林市优化营商环境若干措施（修订）"
    publish(page)
    assert OutboxMessage.objects.filter(channel="weibo").count() == 1
    assert ChannelRelease.objects.filter(page=page, channel="website").count() == 2


def test_correcting_a_document_released_to_the_website_only_posts_nothing(proactive, make_page):
    from gongkai.publishing.review.guard import review_bypass

    page = make_page()
    with review_bypass(reason="导入历史文件"):
        publish(page)
    assert statuses(page) == {"website": "sent"}
    page.title = "吉林市优化营商环境若干措施（勘误）"
    publish(page)
    assert OutboxMessage.objects.filter(channel__in=["weibo", "wechat_mp"]).count() == 0
    assert ChannelRelease.objects.filter(page=page, channel="website").count() == 2


def test_a_withdrawn_page_published_again_is_posted_anew(proactive, make_page, weibo, wechat):
    page = make_page()
    publish(page)
    deliver_all()
    page.unpublish()
    publish(page)
    posts = [
        m for m in OutboxMessage.objects.filter(channel="weibo") if m.payload.get("action") != "withdraw"
    ]
    assert len(posts) == 2, statuses(page)


def test_a_replayed_publication_creates_nothing_new(proactive, make_page):
    page = make_page()
    revision = publish(page)
    again = releases_for_published_page(page=page, revision=revision)
    assert len(again) == 3
    assert ChannelRelease.objects.count() == 3
    assert OutboxMessage.objects.count() == 2


def test_unpublishing_withdraws_every_copy(proactive, make_page, weibo, wechat):
    page = make_page()
    publish(page)
    deliver_all()
    page.unpublish()
    assert statuses(page) == {
        "website": "withdrawn",
        "weibo": "withdraw_pending",
        "wechat_mp": "withdraw_pending",
    }
    deliver_all()
    assert statuses(page) == {"website": "withdrawn", "weibo": "withdrawn", "wechat_mp": "withdrawn"}
    assert weibo.live_statuses() == []
    assert wechat.live_articles() == []
    assert ChannelRelease.objects.filter(withdrawn_at__isnull=True).count() == 0


def test_unpublishing_before_delivery_cancels_instead_of_posting(proactive, make_page, weibo, wechat):
    page = make_page()
    publish(page)
    page.unpublish()
    assert statuses(page) == {"website": "withdrawn", "weibo": "withdrawn", "wechat_mp": "withdrawn"}
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Message.CANCELLED}
    deliver_all()
    assert weibo.live_statuses() == [] and wechat.live_articles() == []


def test_unpublishing_while_a_post_is_being_sent_withdraws_it_once_out(proactive, make_page, weibo):
    page = make_page()
    publish(page)
    post = OutboxMessage.objects.get(channel="weibo")
    OutboxMessage.objects.filter(pk=post.pk).update(status=Message.SENDING, claimed_until=timezone.now())
    page.unpublish()
    release = ChannelRelease.objects.get(page=page, channel="weibo")
    assert release.status == ReleaseStatus.WITHDRAW_PENDING
    # The withdrawal waits for the post; the post goes out (lease expired → reclaimed) and is then withdrawn.
    outbox_deliver(release.withdrawal_message_id)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.WITHDRAW_PENDING
    deliver_all()
    deliver_all()
    release.refresh_from_db()
    assert release.status == ReleaseStatus.WITHDRAWN
    assert weibo.live_statuses() == []


def test_a_page_the_channel_cannot_take_fails_only_there(proactive, make_page, settings):
    settings.WEIBO_SAFE_DOMAINS = ["weibo-safe.example.cn"]  # the public URL is not on it
    page = make_page()
    publish(page)
    weibo_release = ChannelRelease.objects.get(page=page, channel="weibo")
    assert weibo_release.status == ReleaseStatus.FAILED
    assert weibo_release.outbox_message is None
    assert "安全域名" in weibo_release.error
    assert statuses(page)["wechat_mp"] == "pending"


# --- content --------------------------------------------------------------------------------------


def test_weibo_text_fits_140_characters_and_has_no_topics(proactive, make_page):
    page = make_page(title="#热点# " + "长标题" * 10, summary="摘要" * 200)
    publish(page)
    text = OutboxMessage.objects.get(channel="weibo").payload["text"]
    assert weibo_length(text) <= 140
    assert "#" not in text.replace(BASE, "")
    assert text.endswith(f"{BASE}/youhua/")


def test_wechat_article_html_is_sanitised_and_absolute(site_root):
    class Doc:
        title = "通知"
        summary = "摘要"
        body = (
            '<p onclick="x()">正文<script>alert(1)</script></p><style>p{}</style>'
            '<a href="/zwgk/a/">链接</a><a href="javascript:alert(1)">坏</a><iframe src="x"></iframe>'
        )

    html = content.article_html(Doc(), f"{BASE}/tongzhi/")
    assert "script" not in html and "alert" not in html and "onclick" not in html
    assert "iframe" not in html and "style" not in html
    assert f'href="{BASE}/zwgk/a/"' in html
    assert html.endswith(f"<p>原文链接：{BASE}/tongzhi/</p>")
