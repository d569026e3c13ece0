import logging

import pytest
from django.contrib.auth.models import Group, Permission

from gongkai.accounts import roles as roles_module
from gongkai.accounts.models import RoleGroup
from gongkai.accounts.roles import ROLE_LIST, ROLES, Role, RoleScope, role_get, roles_sync, user_has_role
from gongkai.accounts.selectors import users_with_role

EXPECTED_NAMES = {
    "operator": "话务员",
    "dispatcher": "派单员",
    "handler": "承办人",
    "drafter": "起草人",
    "reviewer": "审核人",
    "approver": "审批人",
    "press_office": "新闻办",
    "opinion_analyst": "舆情分析员",
    "disclosure_office": "公开办",
    "disclosure_clerk": "部门公开专员",
    "leader": "督查/领导",
    "auditor": "审计员",
    "administrator": "系统管理员",
}


def test_every_role_of_the_architecture_is_defined():
    assert {role.code: role.group_name for role in ROLE_LIST} == EXPECTED_NAMES


@pytest.mark.django_db
def test_migrate_created_one_group_per_role_with_its_permissions():
    for code, name in EXPECTED_NAMES.items():
        group = RoleGroup.objects.get(code=code).group
        assert group.name == name
        assert group.permissions.filter(
            codename="access_admin", content_type__app_label="wagtailadmin"
        ).exists()
    auditor = Group.objects.get(name="审计员")
    assert auditor.permissions.filter(codename="view_auditevent", content_type__app_label="audit").exists()
    administrator = Group.objects.get(name="系统管理员")
    assert administrator.permissions.filter(codename="change_calendarday").exists()


@pytest.mark.django_db
def test_sync_is_idempotent():
    before = {g.pk: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    counts = roles_sync()
    assert counts["created"] == 0 and counts["updated"] == 0
    after = {g.pk: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert before == after


@pytest.mark.django_db
def test_sync_keeps_extra_permissions_unless_strict():
    group = RoleGroup.objects.get(code="handler").group
    extra = Permission.objects.get(codename="add_group")
    group.permissions.add(extra)
    roles_sync()
    assert group.permissions.filter(pk=extra.pk).exists()
    roles_sync(strict=True)
    assert not group.permissions.filter(pk=extra.pk).exists()


@pytest.mark.django_db
def test_sync_recreates_a_deleted_group_and_follows_a_renamed_one():
    RoleGroup.objects.get(code="auditor").group.delete()
    counts = roles_sync()
    assert counts["created"] == 1
    assert RoleGroup.objects.get(code="auditor").group.name == "审计员"
    group = RoleGroup.objects.get(code="leader").group
    group.name = "市领导"
    group.save()
    roles_sync()  # the label did not change in code: the group is found by code and renamed back
    group.refresh_from_db()
    assert group.name == "督查/领导"
    assert Group.objects.filter(name="督查/领导").count() == 1


@pytest.mark.django_db
def test_unknown_permissions_are_skipped_with_a_warning(monkeypatch, caplog):
    from django.utils.translation import gettext_lazy as _

    future = Role(
        code="handler",
        label=_("承办人"),
        description=_("承办人"),
        scope=RoleScope.DEPARTMENT,
        permissions=("wagtailadmin.access_admin", "notyetanapp.change_thing"),
    )
    monkeypatch.setattr(roles_module, "ROLE_LIST", (future,))
    with caplog.at_level(logging.WARNING, logger="gongkai.accounts.roles"):
        counts = roles_sync()
    assert counts["skipped_permissions"] == 1
    assert "notyetanapp.change_thing" in caplog.text


def test_unknown_role_code_fails_loudly():
    with pytest.raises(KeyError):
        role_get("mayor")
    with pytest.raises(KeyError):
        user_has_role(None, "mayor")


def test_scopes():
    assert {code for code, role in ROLES.items() if role.scope == RoleScope.DEPARTMENT} == {
        "handler",
        "drafter",
        "reviewer",
        "approver",
        "disclosure_clerk",
    }


def test_user_roles_and_users_with_role(users, tree):
    assert user_has_role(users["handler_a"], "handler")
    assert not user_has_role(users["handler_a"], "dispatcher")
    assert not user_has_role(users["anonymous"], "handler")
    assert set(users_with_role("handler")) == {
        users["handler_a"],
        users["handler_b"],
        users["handler_district"],
    }
    assert list(users_with_role("handler", department=tree["dept_a"])) == [users["handler_a"]]
    assert list(users_with_role("handler", department=tree["city"], include_descendants=True)) == sorted(
        [users["handler_a"], users["handler_b"], users["handler_district"]], key=lambda u: u.username
    )


def test_roles_sync_command(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("roles_sync", stdout=out)
    assert "roles:" in out.getvalue()
