"""The 机构与人员 menu in the Wagtail admin."""

import pytest
from django.urls import reverse


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["superuser"])
    return client


def test_department_list_shows_the_tree(admin_client, tree):
    response = admin_client.get("/admin/departments/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ["吉林市人民政府", "延安街道办事处", "统一社会信用代码"]:
        assert name in html
    assert "\u3000\u3000延安街道办事处" in html  # indented by depth


def test_department_search(admin_client, tree):
    response = admin_client.get("/admin/departments/", {"q": "公安"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "吉林市公安局" in html and "吉林市教育局" not in html


def test_department_create_validates_credit_code(admin_client, tree):
    response = admin_client.post(
        "/admin/departments/new/",
        {
            "name": "测试局",
            "code": "ceshi",
            "credit_code": "11220200795219742X",
            "kind": "department",
            "sort_order": 0,
        },
    )
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()


def test_staff_list_shows_department_and_roles(admin_client, users):
    response = admin_client.get(reverse("gongkai_staff_index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "handler.district" in html and "昌邑区人民政府" in html and "承办人" in html


def test_menu_group(admin_client, tree):
    import json

    html = admin_client.get("/admin/").content.decode()
    # The sidebar is rendered from JSON, with non-ASCII characters escaped.
    label = json.dumps("机构与人员")[1:-1]
    assert label in html or "机构与人员" in html
    assert "/admin/departments/" in html and "/admin/staff/" in html


def test_handler_cannot_open_staff_list(client, users):
    client.force_login(users["handler_a"])
    response = client.get(reverse("gongkai_staff_index"))
    assert response.status_code in (302, 403)


def test_new_staff_get_chinese_admin(users):
    assert users["handler_a"].wagtail_userprofile.preferred_language == "zh-hans"
