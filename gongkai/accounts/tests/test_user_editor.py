"""Wagtail's user editor with department, job title and phone, and its audit events."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from gongkai.accounts.models import User
from gongkai.accounts.roles import role_get
from gongkai.accounts.user_forms import phone_normalize
from gongkai.core.audit.models import AuditEvent

NEW_PASSWORD = "Neu-Passwort-2026"


def _group(code: str) -> Group:
    return Group.objects.get(name=role_get(code).group_name)


def _create_data(tree, **overrides):
    data = {
        "username": "zhang.wei",
        "email": "zhangwei@example.cn",
        "last_name": "张",
        "first_name": "伟",
        "department": tree["street"].pk,
        "job_title": "科员",
        "phone": "139 1234 5678",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "groups": [_group("handler").pk],
    }
    data.update(overrides)
    return data


def _edit_data(user: User, **overrides):
    data = {
        "username": user.username,
        "email": user.email or "someone@example.cn",
        "last_name": user.last_name or "王",
        "first_name": user.first_name or "芳",
        "department": user.department_id or "",
        "job_title": user.job_title,
        "phone": user.phone,
        "is_active": "on" if user.is_active else "",
        "groups": [group.pk for group in user.groups.all()],
        "password1": "",
        "password2": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["superuser"])
    return client


def test_create_form_shows_the_tree_indented(admin_client, tree):
    response = admin_client.get(reverse("wagtailusers_users:add"))
    assert response.status_code == 200
    html = response.content.decode()
    for label in ["所属机构", "职务", "联系电话"]:
        assert label in html
    assert "\u3000\u3000延安街道办事处" in html  # city → district → street
    # Tree order: siblings by sort order, so 教育局 (10) comes before 公安局 (20).
    assert html.index("吉林市教育局") < html.index("吉林市公安局")


def test_superuser_creates_staff_user(admin_client, tree, users):
    response = admin_client.post(reverse("wagtailusers_users:add"), _create_data(tree))
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="zhang.wei")
    assert user.department == tree["street"]
    assert user.job_title == "科员"
    assert user.phone == "13912345678"
    assert user.get_full_name() == "张伟"
    assert list(user.groups.values_list("name", flat=True)) == [role_get("handler").group_name]

    event = AuditEvent.objects.get(action="accounts.user_created", target_id=str(user.pk))
    assert event.actor == users["superuser"]
    assert event.old_values is None
    assert event.new_values["department"] == {"pk": tree["street"].pk, "name": "延安街道办事处"}
    assert event.new_values["roles"] == [role_get("handler").group_name]
    assert event.new_values["phone"] == "139****5678"
    assert "password" in event.fields
    assert "password" not in event.new_values
    assert user.password not in str(event.old_values) + str(event.new_values)


def test_superuser_edits_department_roles_and_phone(admin_client, tree, users):
    user = users["handler_a"]
    response = admin_client.post(
        reverse("wagtailusers_users:edit", args=[user.pk]),
        _edit_data(
            user,
            department=tree["district"].pk,
            job_title="副主任",
            phone="0432-6201 2345",
            groups=[_group("handler").pk, _group("reviewer").pk],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.department == tree["district"]
    assert user.job_title == "副主任"
    assert user.phone == "0432-62012345"

    event = AuditEvent.objects.get(action="accounts.user_changed", target_id=str(user.pk))
    assert event.actor == users["superuser"]
    assert set(event.fields) >= {"department", "job_title", "phone", "roles"}
    assert "password" not in event.fields
    assert event.old_values["department"] == {"pk": tree["dept_a"].pk, "name": "吉林市公安局"}
    assert event.new_values["department"] == {"pk": tree["district"].pk, "name": "昌邑区人民政府"}
    assert event.old_values["roles"] == ["承办人"]
    assert sorted(event.new_values["roles"]) == sorted(["承办人", "审核人"])
    assert event.new_values["phone"] == "043******2345"
    # Only what changed: the unchanged username and flags are not in the event.
    assert "username" not in event.new_values and "is_active" not in event.new_values


def test_edit_without_changes_writes_no_audit_event(admin_client, tree, users):
    user = users["handler_district"]
    user.email, user.last_name, user.first_name = "li@example.cn", "李", "娜"
    user.save()
    response = admin_client.post(reverse("wagtailusers_users:edit", args=[user.pk]), _edit_data(user))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not AuditEvent.objects.filter(target_id=str(user.pk), action="accounts.user_changed").exists()


def test_password_change_is_named_but_never_recorded(admin_client, tree, users):
    user = users["handler_b"]
    old_hash = user.password
    response = admin_client.post(
        reverse("wagtailusers_users:edit", args=[user.pk]),
        _edit_data(user, password1=NEW_PASSWORD, password2=NEW_PASSWORD),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    event = AuditEvent.objects.filter(action="accounts.user_changed", target_id=str(user.pk)).get()
    assert "password" in event.fields
    recorded = str(event.old_values) + str(event.new_values)
    assert "password" not in recorded and old_hash not in recorded and user.password not in recorded


@pytest.mark.parametrize("phone", ["12345", "1391234567", "23912345678", "0432-123", "62012345", "abc"])
def test_bad_phone_is_rejected(admin_client, tree, phone):
    response = admin_client.post(reverse("wagtailusers_users:add"), _create_data(tree, phone=phone))
    assert response.status_code == 200
    assert "请输入 11 位手机号码，或带区号的固定电话" in response.content.decode()
    assert not User.objects.filter(username="zhang.wei").exists()
    assert not AuditEvent.objects.filter(action="accounts.user_created").exists()


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13912345678", "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("0432-62012345", "0432-62012345"),
        ("（0432）6201 2345", "0432-62012345"),
        ("010-62012345转801", "010-62012345-801"),
        ("02162012345", "021-62012345"),
        ("0432-6201234", "0432-6201234"),
    ],
)
def test_phone_normalize(raw, stored):
    assert phone_normalize(raw) == stored


def test_phone_normalize_rejects_in_chinese():
    with pytest.raises(ValidationError) as excinfo:
        phone_normalize("0000")
    assert excinfo.value.code == "invalid_phone"
    assert "手机号码" in str(excinfo.value.messages[0])


def test_department_scoped_role_needs_a_department(admin_client, tree):
    response = admin_client.post(reverse("wagtailusers_users:add"), _create_data(tree, department=""))
    assert response.status_code == 200
    assert "承办人只能办理本机构的事务，须选择所属机构。" in response.content.decode()
    # A city-wide role may go without one.
    response = admin_client.post(
        reverse("wagtailusers_users:add"), _create_data(tree, department="", groups=[_group("leader").pk])
    )
    assert response.status_code == 302


def test_inactive_department_is_offered_only_to_its_members(admin_client, tree, users):
    street = tree["street"]
    street.is_active = False
    street.save()
    user = users["handler_district"]
    user.department = street
    user.save()
    html = admin_client.get(reverse("wagtailusers_users:edit", args=[user.pk])).content.decode()
    assert "延安街道办事处（已停用）" in html
    html = admin_client.get(reverse("wagtailusers_users:add")).content.decode()
    assert "延安街道办事处" not in html
    response = admin_client.post(reverse("wagtailusers_users:add"), _create_data(tree))
    assert response.status_code == 200  # the inactive street is not a valid choice


@pytest.fixture
def sysadmin(make_user, tree):
    return make_user("sysadmin", department=tree["city"], roles=["administrator"])


@pytest.fixture
def sysadmin_client(client, sysadmin):
    client.force_login(sysadmin)
    return client


def test_administrator_role_sees_phone_but_cannot_grant_superuser(sysadmin_client, tree, users):
    user = users["handler_a"]
    user.phone = "13912345678"
    user.save()
    html = sysadmin_client.get(reverse("wagtailusers_users:edit", args=[user.pk])).content.decode()
    assert "13912345678" in html
    assert 'name="is_superuser"' not in html
    response = sysadmin_client.post(
        reverse("wagtailusers_users:add"), _create_data(tree, username="sneaky", is_superuser="on")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="sneaky").is_superuser is False


def test_phone_hidden_from_non_administrators(client, tree, users, make_user):
    """Someone given the user permissions without the 系统管理员 role edits users but not phones."""
    from django.contrib.auth.models import Permission

    editor = make_user("editor", department=tree["city"], roles=["leader"])
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts", codename__in=["change_user", "add_user"]
        )
    )
    user = users["handler_a"]
    user.phone = "13912345678"
    user.save()
    client.force_login(editor)
    response = client.get(reverse("wagtailusers_users:edit", args=[user.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "13912345678" not in html and 'name="phone"' not in html
    # Saving the form leaves the phone alone.
    response = client.post(
        reverse("wagtailusers_users:edit", args=[user.pk]), _edit_data(user, phone=None, job_title="科长")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.phone == "13912345678" and user.job_title == "科长"


def test_handler_cannot_open_user_editor(client, users):
    client.force_login(users["handler_a"])
    response = client.get(reverse("wagtailusers_users:edit", args=[users["handler_b"].pk]))
    assert response.status_code in (302, 403)


def test_user_list_still_works(admin_client, users):
    response = admin_client.get(reverse("wagtailusers_users:index"))
    assert response.status_code == 200
    assert "handler.district" in response.content.decode()


def test_edit_form_selects_current_department(admin_client, tree, users):
    user = users["handler_a"]
    html = admin_client.get(reverse("wagtailusers_users:edit", args=[user.pk])).content.decode()
    assert f'<option value="{tree["dept_a"].pk}" selected>' in html


def test_bulk_assign_role_is_audited(admin_client, users):
    targets = [users["handler_a"], users["handler_b"]]
    url = reverse("wagtail_bulk_action", args=["accounts", "user", "assign_role"])
    query = "&".join(f"id={user.pk}" for user in targets)
    response = admin_client.post(f"{url}?{query}", {"role": _group("reviewer").pk})
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action="accounts.user_changed", fields=["roles"])
    assert sorted(event.target_id for event in events) == sorted(str(user.pk) for user in targets)
    assert all(sorted(event.new_values["roles"]) == ["审核人", "承办人"] for event in events)


def test_bulk_deactivate_is_audited(admin_client, users):
    user = users["handler_b"]
    url = reverse("wagtail_bulk_action", args=["accounts", "user", "set_active_state"])
    response = admin_client.post(f"{url}?id={user.pk}", {"mark_as_active": "False"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="accounts.user_changed", target_id=str(user.pk))
    assert event.old_values == {"is_active": True} and event.new_values == {"is_active": False}


def test_administrator_role_cannot_edit_a_superuser(sysadmin_client, users):
    # Wagtail answers PermissionDenied with a redirect to the dashboard and an error message.
    response = sysadmin_client.get(reverse("wagtailusers_users:edit", args=[users["superuser"].pk]))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    response = sysadmin_client.post(
        reverse("wagtailusers_users:edit", args=[users["superuser"].pk]),
        _edit_data(users["superuser"], password1=NEW_PASSWORD, password2=NEW_PASSWORD),
    )
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    users["superuser"].refresh_from_db()
    assert not users["superuser"].check_password(NEW_PASSWORD)
