import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection, transaction

from gongkai.core.audit.models import AuditEvent, AuditImmutableError
from gongkai.core.audit.services import audit_personal_data_view, audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("handler", password="x", is_staff=True, first_name="李四")


@pytest.fixture
def auditor(django_user_model):
    user = django_user_model.objects.create_user("auditor", password="x", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_auditevent"), Permission.objects.get(codename="access_admin")
    )
    return user


def test_record_keeps_actor_target_and_values(staff, rf):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="pytest")
    event = audit_record(
        actor=staff, action="thing.changed", target=staff, old={"a": 1}, new={"a": 2}, request=request
    )
    event.refresh_from_db()
    assert event.actor == staff and event.actor_repr == "李四 (handler)"
    assert event.target_id == str(staff.pk) and event.target_type.model == "user"
    assert event.old_values == {"a": 1} and event.new_values == {"a": 2}
    assert event.ip_address == "10.1.2.3" and event.user_agent == "pytest"


def test_personal_data_view_is_its_own_kind(staff):
    event = audit_personal_data_view(actor=staff, target=staff, fields=["phone"], purpose="回访")
    assert event.kind == AuditEvent.Kind.PERSONAL_DATA_VIEW and event.fields == ["phone"]


def test_events_cannot_be_changed_or_deleted_by_the_application(staff):
    event = audit_record(actor=staff, action="x", target=staff)
    event.note = "tampered"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(note="tampered")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()


def test_database_refuses_updates_too(staff):
    event = audit_record(actor=staff, action="x", target=staff)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET note = 'tampered' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.note == ""


def test_rolled_back_change_leaves_no_event(staff):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=staff, action="x", target=staff)
        raise RuntimeError
    assert not AuditEvent.objects.exists()


def test_admin_list_needs_the_auditor_permission(client, staff, auditor):
    audit_record(actor=staff, action="thing.changed", target=staff, note="可见的说明")
    client.force_login(staff)
    assert client.get("/admin/audit/").status_code == 302 or client.get("/admin/audit/").status_code == 403
    client.force_login(auditor)
    response = client.get("/admin/audit/", {"action": "thing"})
    assert response.status_code == 200
    assert "thing.changed" in response.content.decode()
    bad = client.get("/admin/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "起始日期不能晚于截止日期" in bad.content.decode()


def test_api_lists_events_for_auditors_only(client, staff, auditor):
    audit_record(actor=staff, action="thing.changed", target=staff)
    client.force_login(staff)
    assert client.get("/api/v1/audit/events").status_code == 403
    client.force_login(auditor)
    body = client.get("/api/v1/audit/events", {"action": "thing"}).json()
    assert body["count"] == 1 and body["items"][0]["action"] == "thing.changed"
    assert client.get("/api/v1/audit/events", {"date_from": "bad"}).status_code == 422
