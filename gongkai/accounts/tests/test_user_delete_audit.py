"""Deleting a staff user writes ``accounts.user_deleted`` with who deleted whom, by every path."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from gongkai.accounts.models import User
from gongkai.core.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _deleted(user_pk: int) -> AuditEvent:
    return AuditEvent.objects.get(action="accounts.user_deleted", target_id=str(user_pk))


def test_wagtail_delete_view_records_actor_and_target(admin_client, admin_user, users):
    user = users["handler_a"]
    user.phone = "13912345678"
    user.save(update_fields=["phone"])
    response = admin_client.post(reverse("wagtailusers_users:delete", args=[user.pk]))
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    event = _deleted(user.pk)
    assert event.actor == admin_user
    assert event.old_values["username"] == "handler.a"
    assert event.old_values["roles"] == ["承办人"]
    assert event.old_values["department"]["name"] == "吉林市公安局"
    assert event.old_values["phone"] == "139****5678"
    assert "handler.a" in event.target_repr


def test_wagtail_bulk_delete_records_each_user(admin_client, admin_user, users):
    targets = [users["handler_a"], users["handler_b"]]
    url = reverse("wagtail_bulk_action", args=["accounts", "user", "delete"])
    query = "&".join(f"id={user.pk}" for user in targets)
    response = admin_client.post(f"{url}?{query}")
    assert response.status_code == 302
    for user in targets:
        assert _deleted(user.pk).actor == admin_user


def test_orm_delete_is_recorded_without_actor(users):
    user = users["handler_b"]
    pk = user.pk
    user.delete()
    event = _deleted(pk)
    assert event.actor is None and event.old_values["username"] == "handler.b"


def test_queryset_delete_is_recorded(users):
    pks = [users["handler_a"].pk, users["handler_b"].pk]
    User.objects.filter(pk__in=pks).delete()
    assert AuditEvent.objects.filter(action="accounts.user_deleted").count() == 2


def test_rolled_back_delete_leaves_no_event(users):
    user = users["handler_a"]
    pk = user.pk
    with pytest.raises(RuntimeError), transaction.atomic():
        user.delete()
        raise RuntimeError
    assert User.objects.filter(pk=pk).exists()
    assert not AuditEvent.objects.filter(action="accounts.user_deleted").exists()


def test_actor_does_not_leak_past_the_block(admin_user, users):
    from gongkai.accounts.services import user_deletion_by

    first, second = users["handler_a"].pk, users["handler_b"].pk
    with user_deletion_by(admin_user):
        users["handler_a"].delete()
    users["handler_b"].delete()
    assert _deleted(first).actor == admin_user
    assert _deleted(second).actor is None
