"""The weibo and wechat_mp channels, delivered through the outbox to local fake providers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from gongkai.core.outbox.channels import OutboxPayloadError
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.newmedia import weibo_length
from gongkai.core.outbox.services import outbox_deliver, outbox_enqueue, outbox_save_provider_state
from gongkai.core.outbox.signals import _LISTENERS, on_status_changed
from gongkai.core.outbox.tests import fake_wechat as fw
from gongkai.core.outbox.tests import fake_weibo as fb

Status = OutboxMessage.Status
LINK = f"https://{fb.SAFE_DOMAIN}/zwgk/policy/123/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_weibo():
    server = fb.FakeWeibo().start()
    yield server
    server.stop()


@pytest.fixture
def weibo(settings, fake_weibo):
    return fb.use(
        settings,
        fake_weibo,
        WEIBO_SAFE_DOMAINS=[fb.SAFE_DOMAIN],
        WEIBO_APP_KEY="",
        WEIBO_APP_SECRET="",
        WEIBO_REFRESH_TOKEN="",
    )


@pytest.fixture
def fake_wechat():
    server = fw.FakeWechat().start()
    yield server
    server.stop()


@pytest.fixture
def wechat(settings, fake_wechat):
    return fw.use(settings, fake_wechat, polls=2)


def post_weibo(key="page:1:rev:1:weibo", text=None):
    return outbox_enqueue(
        channel="weibo",
        recipient="吉林发布",
        payload={"action": "post", "text": text or f"【吉林市优化营商环境若干措施】全文见 {LINK}"},
        idempotency_key=key,
    )


def post_wechat(key="page:1:rev:1:wechat_mp", title="吉林市优化营商环境若干措施"):
    return outbox_enqueue(
        channel="wechat_mp",
        recipient="吉林发布",
        payload={
            "action": "post",
            "title": title,
            "digest": "为进一步优化营商环境，制定本措施。",
            "author": "市政府办公室",
            "content": "<p>为进一步优化营商环境，制定本措施。</p>",
            "content_source_url": LINK,
        },
        idempotency_key=key,
    )


def withdraw(channel, post, key=None):
    return outbox_enqueue(
        channel=channel,
        recipient="吉林发布",
        payload={"action": "withdraw", "of_message": post.pk},
        idempotency_key=key or f"{post.idempotency_key}:withdraw",
    )


def due_now(message):
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


# --- validation -----------------------------------------------------------------------------------


def test_weibo_length_counts_chinese_as_one_and_links_as_twelve():
    assert weibo_length("政务公开") == 4
    assert weibo_length("abcd") == 2
    assert weibo_length(f"政务 {LINK}") == 3 + 12


@pytest.mark.parametrize(
    "text",
    [
        "没有链接的微博",
        "链接不在安全域名 https://example.com/x",
        f"#话题# 不允许 {LINK}",
        "长" * 130 + f" {LINK}",
    ],
)
def test_weibo_posts_that_weibo_would_refuse_are_refused_at_enqueue(db, settings, text):
    settings.WEIBO_SAFE_DOMAINS = [fb.SAFE_DOMAIN]
    with pytest.raises(OutboxPayloadError):
        post_weibo(text=text)
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "post", "title": "", "content": "<p>x</p>"},
        {"action": "post", "title": "标" * 65, "content": "<p>x</p>"},
        {"action": "post", "title": "t", "content": ""},
        {"action": "post", "title": "t", "content": "<p>x</p>", "content_source_url": "javascript:alert(1)"},
        {"action": "post", "title": "t", "content": "<p>x</p>", "digest": 5},
        {"action": "withdraw"},
        {"action": "delete", "article_id": "x"},
    ],
)
def test_wechat_payloads_are_checked(db, payload):
    with pytest.raises(OutboxPayloadError):
        outbox_enqueue(channel="wechat_mp", recipient="吉林发布", payload=payload)


def test_log_backend_is_the_embedded_default(db, settings):
    settings.WEIBO_SAFE_DOMAINS = [fb.SAFE_DOMAIN]
    message = outbox_deliver(post_weibo(text=f"政务 {LINK}").pk)
    assert message.status == Status.SENT
    assert message.provider_message_id.startswith("log:")


# --- weibo ----------------------------------------------------------------------------------------


def test_weibo_post_is_shared_and_reports_the_status_id(db, weibo):
    message = outbox_deliver(post_weibo().pk)
    assert message.status == Status.SENT
    (status,) = weibo.live_statuses()
    assert message.provider_message_id == status["idstr"]
    path, fields = weibo.requests[-1]
    assert path == "2/statuses/share.json"
    assert fields["rip"] == "202.98.0.68"
    assert fields["access_token"] == fb.ACCESS_TOKEN
    assert LINK in fields["status"]


def test_weibo_rate_limit_is_retried_then_sent(db, weibo):
    weibo.fail_next("2/statuses/share.json", 10023, http_status=403)
    message = outbox_deliver(post_weibo().pk)
    assert message.status == Status.PENDING
    assert "10023" in message.last_error
    assert message.next_attempt_at > timezone.now()
    due_now(message)
    message = outbox_deliver(message.pk)
    assert message.status == Status.SENT
    assert len(weibo.live_statuses()) == 1


def test_weibo_content_refusal_is_permanent(db, weibo):
    weibo.fail_next("2/statuses/share.json", 20012)
    message = outbox_deliver(post_weibo().pk)
    assert message.status == Status.FAILED
    assert "20012" in message.last_error
    assert weibo.live_statuses() == []


def test_weibo_busy_is_retried(db, weibo):
    weibo.fail_next("2/statuses/share.json", 10001, http_status=500)
    message = outbox_deliver(post_weibo().pk)
    assert message.status == Status.PENDING
    assert message.in_doubt  # a 5xx may have gone through: confirm before resending


def test_weibo_expired_token_is_refreshed_once_and_cached(db, weibo, settings):
    settings.WEIBO_APP_KEY = fb.APP_KEY
    settings.WEIBO_APP_SECRET = fb.APP_SECRET
    settings.WEIBO_REFRESH_TOKEN = fb.REFRESH_TOKEN
    weibo.expire_tokens()
    first = outbox_deliver(post_weibo().pk)
    assert first.status == Status.SENT
    second = outbox_deliver(post_weibo("page:2:rev:1:weibo", text=f"另一条 {LINK}").pk)
    assert second.status == Status.SENT
    assert weibo.calls("oauth2/access_token") == 1
    assert len(weibo.live_statuses()) == 2


def test_weibo_expired_token_without_refresh_credentials_waits_for_an_operator(db, weibo):
    weibo.expire_tokens()
    message = outbox_deliver(post_weibo().pk)
    assert message.status == Status.PENDING
    assert "21327" in message.last_error
    assert "重新授权" in message.last_error


def test_weibo_read_timeout_is_confirmed_on_the_timeline_not_posted_twice(db, weibo, settings):
    settings.WEIBO_TIMEOUT = 0.5
    weibo.slow_after_accept = 1.5
    message = outbox_deliver(post_weibo().pk)
    assert message.status == Status.PENDING and message.in_doubt
    weibo.slow_after_accept = 0
    due_now(message)
    message = outbox_deliver(message.pk)
    assert message.status == Status.SENT
    (status,) = weibo.live_statuses()
    assert message.provider_message_id == status["idstr"]
    assert message.delivery_attempts.last().outcome == "confirmed"
    assert weibo.calls("2/statuses/share.json") == 1


def test_weibo_withdrawal_destroys_the_status(db, weibo):
    post = outbox_deliver(post_weibo().pk)
    message = outbox_deliver(withdraw("weibo", post).pk)
    assert message.status == Status.SENT
    assert message.provider_message_id == post.provider_message_id
    assert weibo.live_statuses() == []
    # Withdrawing again (e.g. resent after a crash) finds it gone and is done.
    again = outbox_deliver(
        outbox_enqueue(
            channel="weibo",
            recipient="吉林发布",
            payload={"action": "withdraw", "status_id": post.provider_message_id},
        ).pk
    )
    assert again.status == Status.SENT


def test_weibo_withdrawal_waits_for_a_post_still_being_delivered(db, weibo):
    post = post_weibo()
    message = outbox_deliver(withdraw("weibo", post).pk)
    assert message.status == Status.PENDING
    assert weibo.calls("2/statuses/destroy.json") == 0


def test_missing_weibo_credentials_are_an_operator_error_not_a_lost_post(db, weibo, settings):
    settings.WEIBO_ACCESS_TOKEN = None
    message = outbox_deliver(post_weibo().pk)
    assert message.status == Status.PENDING
    assert "WEIBO_ACCESS_TOKEN" in message.last_error


# --- wechat ---------------------------------------------------------------------------------------


def test_wechat_article_is_drafted_published_and_reports_its_ids(db, wechat):
    message = outbox_deliver(post_wechat().pk)
    assert message.status == Status.SENT, message.last_error
    (article,) = wechat.live_articles()
    assert message.provider_message_id == article["article_id"]
    assert message.provider_state["publish_id"]
    assert message.provider_state["article_url"].startswith("https://mp.weixin.qq.com/s/")
    draft_body = next(body for path, body in wechat.requests if path == "cgi-bin/draft/add")
    assert "吉林市优化营商环境若干措施".encode() in draft_body  # raw UTF-8, not \u escapes
    # The cover is uploaded once and reused.
    assert outbox_deliver(post_wechat("page:2:rev:1:wechat_mp", title="第二篇").pk).status == Status.SENT
    assert wechat.calls("cgi-bin/material/add_material") == 1
    assert wechat.token_requests == 1


def test_wechat_busy_is_retried_then_sent(db, wechat):
    wechat.fail_next("cgi-bin/draft/add", -1)
    message = outbox_deliver(post_wechat().pk)
    assert message.status == Status.PENDING
    assert "errcode -1" in message.last_error
    due_now(message)
    assert outbox_deliver(message.pk).status == Status.SENT
    assert len(wechat.live_articles()) == 1


def test_wechat_resumes_after_the_draft_instead_of_drafting_twice(db, wechat):
    wechat.fail_next("cgi-bin/freepublish/submit", 45009)
    message = outbox_deliver(post_wechat().pk)
    assert message.status == Status.PENDING
    assert "45009" in message.last_error
    assert message.provider_state["media_id"]
    due_now(message)
    message = outbox_deliver(message.pk)
    assert message.status == Status.SENT
    assert wechat.calls("cgi-bin/draft/add") == 1
    assert wechat.calls("cgi-bin/freepublish/submit") == 2


def test_wechat_publication_in_progress_is_polled_again_later(db, wechat):
    wechat.polls_in_progress = 3
    message = outbox_deliver(post_wechat().pk)
    assert message.status == Status.PENDING
    assert "发布中" in message.last_error
    due_now(message)
    message = outbox_deliver(message.pk)
    assert message.status == Status.SENT
    assert wechat.calls("cgi-bin/freepublish/submit") == 1


def test_wechat_review_rejection_is_permanent_and_a_retry_starts_afresh(db, wechat):
    wechat.final_status = 4
    message = outbox_deliver(post_wechat().pk)
    assert message.status == Status.FAILED
    assert "平台审核不通过" in message.last_error
    assert "publish_id" not in message.provider_state


def test_wechat_content_error_is_permanent(db, wechat):
    wechat.fail_next("cgi-bin/draft/add", 45166)
    message = outbox_deliver(post_wechat().pk)
    assert message.status == Status.FAILED
    assert "45166" in message.last_error


def test_wechat_expired_token_is_fetched_again_and_the_call_repeated(db, wechat):
    assert outbox_deliver(post_wechat().pk).status == Status.SENT
    wechat.expire_tokens()
    message = outbox_deliver(post_wechat("page:2:rev:1:wechat_mp", title="第二篇").pk)
    assert message.status == Status.SENT
    assert wechat.token_requests == 2


def test_wechat_token_that_stays_invalid_is_retried_later(db, wechat):
    wechat.fail_next("cgi-bin/draft/add", 40001, 40001)
    message = outbox_deliver(post_wechat().pk)
    assert message.status == Status.PENDING
    assert "40001" in message.last_error


def test_wechat_withdrawal_deletes_the_article(db, wechat):
    post = outbox_deliver(post_wechat().pk)
    message = outbox_deliver(withdraw("wechat_mp", post).pk)
    assert message.status == Status.SENT
    assert wechat.live_articles() == []


def test_wechat_configured_cover_is_used_without_upload(db, wechat, settings):
    wechat.materials["THUMB_CONFIGURED"] = 1
    settings.WECHAT_MP_THUMB_MEDIA_ID = "THUMB_CONFIGURED"
    assert outbox_deliver(post_wechat().pk).status == Status.SENT
    assert wechat.calls("cgi-bin/material/add_material") == 0


# --- outbox mechanics used by these backends --------------------------------------------------------


def test_listeners_see_every_recorded_outcome_and_a_failing_one_does_not_stop_delivery(db, weibo):
    seen = []

    def record(message):
        seen.append(message.status)

    def broken(message):
        raise RuntimeError("listener bug")

    on_status_changed(record)
    on_status_changed(broken)
    try:
        weibo.fail_next("2/statuses/share.json", 10023, http_status=403)
        message = outbox_deliver(post_weibo().pk)
        due_now(message)
        message = outbox_deliver(message.pk)
    finally:
        _LISTENERS.remove(record)
        _LISTENERS.remove(broken)
    assert message.status == Status.SENT
    assert seen == [Status.PENDING, Status.SENT]


def test_provider_state_is_only_saved_by_the_claim_holder(db):
    message = post_wechat()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, claimed_by="me", claimed_until=timezone.now() + dt.timedelta(minutes=1)
    )
    message.refresh_from_db()
    assert outbox_save_provider_state(message, {"media_id": "D1"}) is True
    message.claimed_by = "someone else"
    assert outbox_save_provider_state(message, {"media_id": "D2"}) is False
    message.refresh_from_db()
    assert message.provider_state == {"media_id": "D1"}
