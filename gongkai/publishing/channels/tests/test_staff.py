"""What staff see: the admin list with filters and retry, the page header link, the API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.services import outbox_deliver_due
from gongkai.publishing.channels.models import ChannelRelease, ReleaseStatus

pytestmark = pytest.mark.django_db
API = "/api/v1/publishing/releases"


@pytest.fixture
def published(proactive, make_page):
    page = make_page()
    page.save_revision().publish()
    return page


@pytest.fixture
def failed_weibo(published):
    release = ChannelRelease.objects.get(page=published, channel="weibo")
    OutboxMessage.objects.filter(pk=release.outbox_message_id).update(
        status=OutboxMessage.Status.FAILED, last_error="20012: Text too long"
    )
    ChannelRelease.objects.filter(pk=release.pk).update(
        status=ReleaseStatus.FAILED, error="20012: Text too long"
    )
    return release


def test_api_lists_a_pages_releases_for_staff(client, release_viewer, published, make_page):
    other = make_page(title="另一份文件", slug="other")
    other.save_revision().publish()
    client.force_login(release_viewer)
    body = client.get(API, {"page": published.pk}).json()
    assert body["count"] == 3
    assert {item["channel"] for item in body["items"]} == {"website", "weibo", "wechat_mp"}
    assert all(item["page"] == published.pk for item in body["items"])
    weibo = next(item for item in body["items"] if item["channel"] == "weibo")
    assert weibo["status"] == "pending" and weibo["outbox_message"]
    only_failed = client.get(API, {"status": "failed"}).json()
    assert only_failed["count"] == 0
    assert client.get(API, {"channel": "tiktok"}).status_code == 422
    assert client.get(API, {"status": "lost"}).status_code == 422


def test_api_is_for_staff_with_the_permission_only(client, django_user_model, published):
    assert client.get(API, {"page": published.pk}).status_code == 401
    nobody = django_user_model.objects.create_user(
        username="nobody", password="x-Password-123", is_staff=True
    )
    client.force_login(nobody)
    assert client.get(API, {"page": published.pk}).status_code == 403


def test_api_retry(client, release_viewer, release_staff, failed_weibo):
    client.force_login(release_viewer)
    assert client.post(f"{API}/{failed_weibo.pk}/retry").status_code == 403
    client.force_login(release_staff)
    response = client.post(f"{API}/{failed_weibo.pk}/retry")
    assert response.status_code == 200
    assert response.json()["retries"] == 1
    assert client.post(f"{API}/{failed_weibo.pk}/retry").status_code == 409
    assert client.post(f"{API}/999999/retry").status_code == 404


def test_admin_list_filters_and_retries(client, release_staff, failed_weibo, published):
    client.force_login(release_staff)
    url = reverse("publishing_channels:index")
    response = client.get(url, {"page": published.pk})
    assert response.status_code == 200
    text = response.content.decode()
    assert published.title in text
    assert "20012" in text
    assert reverse("publishing_channels:retry", args=[failed_weibo.pk]) in text
    filtered = client.get(url, {"status": "sent"}).content.decode()
    assert "20012" not in filtered
    assert client.get(url, {"page": "²", "status": "nonsense"}).status_code == 200

    response = client.post(reverse("publishing_channels:retry", args=[failed_weibo.pk]), {"next": url})
    assert response.status_code == 302
    failed_weibo.refresh_from_db()
    assert failed_weibo.status == ReleaseStatus.PENDING
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    outbox_deliver_due()
    failed_weibo.refresh_from_db()
    assert failed_weibo.status == ReleaseStatus.SENT


def test_admin_views_need_the_permission(client, django_user_model, published, failed_weibo, release_viewer):
    nobody = django_user_model.objects.create_user(
        username="nobody", password="x-Password-123", is_staff=True
    )
    client.force_login(nobody)
    assert client.get(reverse("publishing_channels:index")).status_code in {302, 403}
    client.force_login(release_viewer)
    assert client.get(reverse("publishing_channels:index")).status_code == 200
    # Wagtail turns the refusal into a redirect with a message; nothing is retried.
    assert client.post(reverse("publishing_channels:retry", args=[failed_weibo.pk])).status_code in {302, 403}
    failed_weibo.refresh_from_db()
    assert failed_weibo.status == ReleaseStatus.FAILED and failed_weibo.retries == 0


def test_page_edit_view_links_to_the_release_status(client, django_user_model, published):
    admin = django_user_model.objects.create_superuser(username="root", password="x-Password-123")
    client.force_login(admin)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[published.pk]))
    assert response.status_code == 200
    assert f"{reverse('publishing_channels:index')}?page={published.pk}" in response.content.decode()
