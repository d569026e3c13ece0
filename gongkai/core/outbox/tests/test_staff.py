"""The staff surfaces: API, admin views and the outbox command."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.services import outbox_cancel, outbox_retry

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status
API = "/api/v1/outbox"


@pytest.fixture
def failed(sms):
    message = sms("workorder:9:replied:sms")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.FAILED, attempts=8, last_error="isp.SYSTEM_ERROR"
    )
    return message


# --- services -------------------------------------------------------------------------------------


def test_retry_requeues_a_failed_message_and_delivers_it_after_commit(
    failed, manager_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox_retry(failed.pk, manager_user)
    failed.refresh_from_db()
    assert failed.status == Status.SENT
    assert failed.attempts == 1  # a fresh budget


def test_retry_and_cancel_are_audited(failed, manager_user):
    from gongkai.core.audit.models import AuditEvent

    outbox_retry(failed.pk, manager_user)
    outbox_cancel(failed.pk, manager_user)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["outbox.retried", "outbox.cancelled"]


@pytest.mark.parametrize("status", [Status.SENT, Status.SENDING, Status.CANCELLED])
def test_retry_and_cancel_refuse_other_states_and_change_nothing(sms, manager_user, status):
    from gongkai.api.errors import Conflict

    message = sms()
    OutboxMessage.objects.filter(pk=message.pk).update(status=status)
    for verb in (outbox_retry, outbox_cancel):
        with pytest.raises(Conflict):
            verb(message.pk, manager_user)
    message.refresh_from_db()
    assert message.status == status


def test_retry_needs_the_manage_permission(failed, staff_user):
    from gongkai.api.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        outbox_retry(failed.pk, staff_user)


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_masked_recipients_newest_first_with_filters(client, staff_user, sms, failed):
    sms("other", phone="13900001111")
    client.force_login(staff_user)
    body = client.get(f"{API}/messages").json()
    assert body["count"] == 2
    assert [item["recipient"] for item in body["items"]] == ["139****1111", "138****1234"]
    assert "13900001111" not in str(body)
    only_failed = client.get(f"{API}/messages", {"status": "failed"}).json()
    assert [item["id"] for item in only_failed["items"]] == [failed.pk]
    by_phone = client.get(f"{API}/messages", {"recipient": "139 0000 1111"}).json()
    assert by_phone["count"] == 1
    bad = client.get(f"{API}/messages", {"status": "lost"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_filter"


def test_api_detail_shows_attempts(client, staff_user, sms):
    from gongkai.core.outbox.services import outbox_deliver

    message = outbox_deliver(sms().pk)
    client.force_login(staff_user)
    body = client.get(f"{API}/messages/{message.pk}").json()
    assert body["status"] == "sent"
    assert body["status_label"] == "已发送"
    assert body["recipient"] == "138****1234"
    assert body["delivery_attempts"][0]["outcome"] == "sent"
    assert client.get(f"{API}/messages/999999").status_code == 404


def test_api_retry(client, manager_user, staff_user, failed):
    client.force_login(staff_user)
    assert client.post(f"{API}/messages/{failed.pk}/retry").status_code == 403
    client.force_login(manager_user)
    response = client.post(f"{API}/messages/{failed.pk}/retry")
    assert response.status_code == 200
    assert response.json()["status"] == "pending"  # delivery runs after commit
    OutboxMessage.objects.filter(pk=failed.pk).update(status=Status.SENT)
    conflict = client.post(f"{API}/messages/{failed.pk}/retry")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "outbox_state"
    assert "已发送" in conflict.json()["message"]
    assert client.post(f"{API}/messages/999999/retry").status_code == 404


def test_api_refuses_anonymous_and_unprivileged_callers(client, django_user_model):
    assert client.get(f"{API}/messages").status_code == 401
    nobody = django_user_model.objects.create_user(username="nobody", is_staff=True)
    client.force_login(nobody)
    response = client.get(f"{API}/messages")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# --- admin ----------------------------------------------------------------------------------------


@pytest.fixture
def admin_access(django_user_model):
    from django.contrib.auth.models import Permission

    def grant(user):
        user.user_permissions.add(Permission.objects.get(codename="access_admin"))
        return user

    return grant


def test_admin_list_and_detail(client, staff_user, admin_access, sms):
    from gongkai.core.outbox.services import outbox_deliver

    message = outbox_deliver(sms().pk)
    client.force_login(admin_access(staff_user))
    listing = client.get(reverse("outbox:index"), {"status": "sent"})
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "138****1234" in html and "13812341234" not in html
    detail = client.get(reverse("outbox:detail", args=[message.pk])).content.decode()
    assert "投递记录" in detail and "立即重试" not in detail  # viewing only


def test_admin_retry_and_cancel_buttons(client, manager_user, staff_user, admin_access, failed):
    client.force_login(admin_access(staff_user))
    refused = client.post(reverse("outbox:cancel", args=[failed.pk]))
    assert refused.status_code == 302 and refused.url == reverse(
        "wagtailadmin_home"
    )  # Wagtail's "no permission"
    failed.refresh_from_db()
    assert failed.status == Status.FAILED
    client.force_login(admin_access(manager_user))
    detail = client.get(reverse("outbox:detail", args=[failed.pk])).content.decode()
    assert "立即重试" in detail and "取消发送" in detail
    assert client.get(reverse("outbox:cancel", args=[failed.pk])).status_code == 405
    response = client.post(reverse("outbox:cancel", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Status.CANCELLED
    client.post(reverse("outbox:retry", args=[failed.pk]))  # refused: cancelled is final
    failed.refresh_from_db()
    assert failed.status == Status.CANCELLED


def test_admin_forbids_users_without_the_view_permission(client, django_user_model, admin_access):
    user = admin_access(django_user_model.objects.create_user(username="x", is_staff=True))
    client.force_login(user)
    refused = client.get(reverse("outbox:index"))
    assert refused.status_code == 302 and refused.url == reverse("wagtailadmin_home")


def test_admin_post_needs_csrf(manager_user, admin_access, failed):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_access(manager_user))
    assert strict.post(reverse("outbox:retry", args=[failed.pk])).status_code == 403


# --- command --------------------------------------------------------------------------------------


def test_outbox_command(sms, failed, capsys):
    sms("due")
    call_command("outbox", "deliver")
    call_command("outbox", "list", "--status", "sent")
    out = capsys.readouterr().out
    assert "138****1234" in out and "due" in out
    call_command("outbox", "retry", str(failed.pk))
    failed.refresh_from_db()
    assert failed.status == Status.PENDING


def test_email_content_is_for_superusers_only(client, staff_user, admin_access, django_user_model):
    """A password-reset link in an e-mail must not let other staff take over the account."""
    from gongkai.core.outbox.services import outbox_deliver, outbox_enqueue

    message = outbox_enqueue(
        channel="email",
        recipient="boss@example.com",
        payload={"subject": "重置密码", "body": "https://x/reset/SECRET/"},
    )
    outbox_deliver(message.pk)
    client.force_login(admin_access(staff_user))
    assert "SECRET" not in client.get(reverse("outbox:detail", args=[message.pk])).content.decode()
    body = client.get(f"{API}/messages/{message.pk}").json()
    assert body["payload"] == {} and "SECRET" not in str(body)
    root = django_user_model.objects.create_superuser(username="root", password="x-Password-123")
    client.force_login(root)
    assert "SECRET" in client.get(reverse("outbox:detail", args=[message.pk])).content.decode()
    assert client.get(f"{API}/messages/{message.pk}").json()["payload"]["body"].endswith("SECRET/")
