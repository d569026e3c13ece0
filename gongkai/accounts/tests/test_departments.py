import pytest
from django.core.exceptions import ValidationError

from gongkai.accounts.models import Department
from gongkai.accounts.selectors import (
    department_ancestors,
    department_descendants,
    department_tree,
    department_tree_flat,
)
from gongkai.accounts.services import department_upsert


def test_path_and_depth_follow_parent(tree):
    city, district, street = tree["city"], tree["district"], tree["street"]
    assert city.path == f"/{city.pk}/" and city.depth == 0
    assert street.path == f"/{city.pk}/{district.pk}/{street.pk}/" and street.depth == 2


def test_descendants_and_ancestors(tree):
    assert set(department_descendants(tree["district"])) == {tree["street"]}
    assert set(department_descendants(tree["district"], include_self=True)) == {
        tree["district"],
        tree["street"],
    }
    assert set(department_descendants(tree["city"])) == {
        tree["dept_a"],
        tree["dept_b"],
        tree["district"],
        tree["street"],
    }
    assert list(department_ancestors(tree["street"])) == [tree["city"], tree["district"]]
    assert list(department_ancestors(tree["street"], include_self=True))[-1] == tree["street"]


def test_moving_a_department_moves_its_subtree(tree):
    district, street, dept_a = tree["district"], tree["street"], tree["dept_a"]
    district.parent = dept_a
    district.save()
    street.refresh_from_db()
    assert street.path == f"{dept_a.path}{district.pk}/{street.pk}/"
    assert street.depth == 3
    assert set(department_descendants(dept_a)) == {district, street}


def test_a_department_cannot_be_moved_under_itself(tree):
    district = tree["district"]
    district.parent = tree["street"]
    with pytest.raises(ValidationError):
        district.full_clean()
    with pytest.raises(ValidationError):
        district.save()


def test_tree_orders_siblings_by_sort_order_then_name(tree):
    (root,) = department_tree()
    assert root.department == tree["city"]
    names = [child.department.code for child in root.children]
    assert names == ["district", "dept-b", "dept-a"]  # sort_order 0, 10, 20
    flat = department_tree_flat()
    assert [(depth, dept.code) for depth, dept in flat][:3] == [(0, "city"), (1, "district"), (2, "street")]


def test_tree_skips_inactive_departments(tree):
    Department.objects.filter(pk=tree["district"].pk).update(is_active=False)
    (root,) = department_tree()
    codes = {code for _depth, dept in root.walk() for code in [dept.code]}
    assert "district" not in codes and "street" not in codes  # the street's parent is hidden too


def test_upsert_is_idempotent_and_validates(tree):
    department, created = department_upsert(
        code="dept-a", name="吉林市公安局", parent=tree["city"], sort_order=20
    )
    assert not created and department.pk == tree["dept_a"].pk
    with pytest.raises(ValidationError):
        department_upsert(code="bad", name="坏代码", parent=tree["city"], credit_code="11220200795219742X")


def test_credit_codes_are_unique_but_may_be_blank(tree):
    department_upsert(code="x1", name="甲", parent=tree["city"], credit_code="11220200795219742W")
    with pytest.raises(ValidationError):
        department_upsert(code="x2", name="乙", parent=tree["city"], credit_code="11220200795219742W")
    assert Department.objects.filter(credit_code="").count() >= 2
