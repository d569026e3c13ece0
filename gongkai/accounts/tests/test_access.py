"""The visibility matrix: who sees which department, and objects filtered through their department."""

import pytest
from django.contrib.auth import get_user_model
from django.http import Http404

from gongkai.accounts.access import (
    access_department_or_404,
    access_object_or_404,
    can_access_department,
    scope_queryset,
    visible_departments,
)

ALL = {"city", "dept_a", "dept_b", "district", "street"}

VISIBLE = {
    "anonymous": set(),
    "handler_a": {"dept_a"},
    "handler_b": {"dept_b"},
    "handler_district": {"district", "street"},
    "dispatcher": ALL,
    "superuser": ALL,
}


def _names(tree, departments):
    by_pk = {department.pk: name for name, department in tree.items()}
    return {by_pk[department.pk] for department in departments}


@pytest.mark.parametrize("who", VISIBLE)
def test_visible_departments(users, tree, who):
    assert _names(tree, visible_departments(users[who])) == VISIBLE[who]


@pytest.mark.parametrize("who", VISIBLE)
@pytest.mark.parametrize("department", sorted(ALL))
def test_can_access_department(users, tree, who, department):
    expected = department in VISIBLE[who]
    assert can_access_department(users[who], tree[department]) is expected
    assert can_access_department(users[who], tree[department].pk) is expected


@pytest.mark.parametrize("who", VISIBLE)
def test_scope_queryset_filters_by_the_department_field(users, tree, who):
    # Staff users stand in for "any model with a department FK".
    User = get_user_model()
    for name in ALL:
        User.objects.create(username=f"row-{name}", department=tree[name])
    User.objects.create(username="row-none", department=None)
    rows = scope_queryset(users[who], User.objects.filter(username__startswith="row-"))
    expected = {f"row-{name}" for name in VISIBLE[who]}
    if VISIBLE[who] == ALL:
        expected.add("row-none")  # rows without a department: city-wide users only
    assert set(rows.values_list("username", flat=True)) == expected


@pytest.mark.parametrize("who", VISIBLE)
def test_scope_queryset_follows_a_related_lookup(users, tree, who):
    from django.contrib.auth.models import Group

    # Group -> user -> department is a two-step lookup path.
    User = get_user_model()
    group = Group.objects.create(name="street-group")
    User.objects.create(username="street-member", department=tree["street"]).groups.add(group)
    visible = scope_queryset(
        users[who], Group.objects.filter(pk=group.pk), department_field="user__department"
    )
    assert visible.exists() is ("street" in VISIBLE[who])


@pytest.mark.parametrize("who", VISIBLE)
def test_access_object_or_404_same_error_for_missing_and_forbidden(users, tree, who):
    User = get_user_model()
    row = User.objects.create(username="row-a", department=tree["dept_a"])
    queryset = User.objects.all()
    if "dept_a" in VISIBLE[who]:
        assert access_object_or_404(users[who], queryset, row.pk) == row
    else:
        with pytest.raises(Http404) as forbidden:
            access_object_or_404(users[who], queryset, row.pk)
        with pytest.raises(Http404) as missing:
            access_object_or_404(users[who], queryset, 10**9)
        assert str(forbidden.value) == str(missing.value)
    with pytest.raises(Http404):
        access_object_or_404(users[who], queryset, "not-a-number")


@pytest.mark.parametrize("who", VISIBLE)
def test_access_department_or_404(users, tree, who):
    for name, department in tree.items():
        if name in VISIBLE[who]:
            assert access_department_or_404(users[who], department.pk) == department
        else:
            with pytest.raises(Http404):
                access_department_or_404(users[who], department.pk)


def test_inactive_user_sees_nothing(users):
    handler = users["handler_a"]
    handler.is_active = False
    assert not visible_departments(handler).exists()
    superuser = users["superuser"]
    superuser.is_active = False
    assert not visible_departments(superuser).exists()


def test_staff_without_role_or_department_sees_nothing(make_user, tree):
    no_role = make_user("no-role", department=tree["dept_a"])
    no_department = make_user("no-department", roles=["handler"])
    assert not visible_departments(no_role).exists()
    assert not visible_departments(no_department).exists()


def test_city_wide_role_wins_over_department_role(make_user, tree):
    both = make_user("both", department=tree["dept_a"], roles=["handler", "leader"])
    assert visible_departments(both).count() == len(ALL)


def test_scope_queryset_is_one_query(users, django_assert_num_queries):
    User = get_user_model()
    handler = users["handler_district"]
    visible_departments(handler)  # warm the role cache and the department
    handler.department  # noqa: B018
    with django_assert_num_queries(1):
        list(scope_queryset(handler, User.objects.all()))
