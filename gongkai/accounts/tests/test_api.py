import pytest
from django.test import override_settings


def test_department_tree_is_public(client, tree):
    response = client.get("/api/v1/accounts/departments")
    assert response.status_code == 200
    (root,) = response.json()
    assert root["code"] == "city"
    assert [child["code"] for child in root["children"]] == ["district", "dept-b", "dept-a"]
    district = root["children"][0]
    assert district["kind"] == "district" and district["kind_label"] == "区"
    assert [street["code"] for street in district["children"]] == ["street"]
    assert set(root) == {
        "code",
        "name",
        "short_name",
        "kind",
        "kind_label",
        "credit_code",
        "phone",
        "address",
        "children",
    }


def test_roles_need_a_staff_login(client, users):
    response = client.get("/api/v1/accounts/roles")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    client.force_login(users["handler_a"])
    response = client.get("/api/v1/accounts/roles")
    assert response.status_code == 200
    roles = {role["code"]: role for role in response.json()}
    assert roles["handler"]["name"] == "承办人" and roles["handler"]["scope"] == "department"
    assert roles["dispatcher"]["scope"] == "city"
    assert "wagtailadmin.access_admin" in roles["auditor"]["permissions"]


@pytest.mark.django_db
def test_roles_are_translated(client, make_user):
    client.force_login(make_user("someone", roles=["leader"]))
    with override_settings(LANGUAGE_CODE="zh-hans"):
        response = client.get("/api/v1/accounts/roles", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200  # labels fall back to the Chinese msgid until en catalogue exists
