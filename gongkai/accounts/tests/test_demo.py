from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import RequestFactory, override_settings

from gongkai.accounts import demo
from gongkai.accounts.access import visible_departments
from gongkai.accounts.credit_code import credit_code_is_valid
from gongkai.accounts.models import Department, DepartmentKind
from gongkai.accounts.roles import ROLES, user_role_codes


def run_load() -> str:
    out = StringIO()
    demo.load(stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_city_loads_twice_without_duplicates():
    first = run_load()
    counts = (Department.objects.count(), get_user_model().objects.count())
    second = run_load()
    assert (Department.objects.count(), get_user_model().objects.count()) == counts
    assert first == second  # the accounts table is printed every time, identically
    for username in ["admin", "operator", "handler.gongan", "sysadmin"]:
        assert username in second
    assert demo.DEMO_PASSWORD in second


@pytest.mark.django_db
def test_demo_city_tree():
    run_load()
    root = Department.objects.get(code="jilin")
    assert root.parent is None and root.name == "吉林市人民政府"
    for name in [
        "吉林市公安局",
        "吉林市工业和信息化局",
        "吉林市人力资源和社会保障局",
        "吉林市互联网信息中心",
    ]:
        assert Department.objects.get(name=name).parent == root
    districts = Department.objects.filter(kind=DepartmentKind.DISTRICT)
    assert {d.short_name for d in districts} == {"昌邑区", "龙潭区", "船营区", "丰满区"}
    for district in districts:
        assert district.children.filter(kind=DepartmentKind.STREET).count() >= 3
    assert Department.objects.get(code="chuanying-beijinglu").parent.code == "chuanying"
    assert {d.short_name for d in Department.objects.filter(kind__in=["county", "county_city"])} == {
        "永吉县",
        "蛟河市",
        "桦甸市",
        "舒兰市",
        "磐石市",
    }
    assert Department.objects.filter(kind=DepartmentKind.DEVELOPMENT_ZONE).count() >= 4
    assert all(credit_code_is_valid(d.credit_code) for d in Department.objects.all())


@pytest.mark.django_db
def test_one_demo_user_per_role_who_can_log_in():
    run_load()
    User = get_user_model()
    held = set()
    for user in User.objects.filter(is_superuser=False):
        held |= user_role_codes(user)
    assert held == set(ROLES)
    request = RequestFactory().post("/admin/login/")
    assert authenticate(request, username="handler.changyi", password=demo.DEMO_PASSWORD) is not None
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.department is None
    # The district handler sees the district's streets, the Public Security handler only the bureau.
    assert visible_departments(User.objects.get(username="handler.changyi")).count() == 5
    assert visible_departments(User.objects.get(username="handler.gongan")).count() == 1
    assert admin.wagtail_userprofile.preferred_language == "zh-hans"


@pytest.mark.django_db
def test_no_demo_accounts_in_production():
    with override_settings(PRODUCTION=True):
        output = run_load()
    assert not get_user_model().objects.exists()
    assert Department.objects.filter(code="jilin").exists()
    assert demo.DEMO_PASSWORD not in output


@pytest.mark.django_db
def test_demo_command_runs_the_accounts_loader(monkeypatch):
    from django.conf import settings
    from django.core.management import call_command

    monkeypatch.setattr(settings, "GONGKAI_APPS", ["gongkai.accounts"])
    out = StringIO()
    call_command("demo", "load", stdout=out)
    assert "admin" in out.getvalue()
