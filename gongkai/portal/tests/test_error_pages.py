"""The error pages: in the reader's language, in the portal's layout, with the way on; and a NUL in
an address or a query string refused before it can reach the database."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_missing_page_is_a_chinese_404_with_the_way_on(client):
    response = client.get("/no-such-page-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到该页面" in html and "12345" in html
    assert 'href="/"' in html and "返回首页" in html


def test_missing_page_in_english(client):
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page-here/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_csrf_failure_explains_the_expired_form():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/disclosure/track/", {"tracking_number": "YSQ2026-000001", "code": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期" in html and "刷新后重新提交" in html


def test_server_error_page_needs_nothing(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "系统暂时出错" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/disclosure/?q=%00",
        "/admin/disclosure/list/?q=a%00b",
        "/search/?q=%00",
        "/news%00/",
        "/hotline/track/?a%00=1",
    ],
)
def test_nul_in_the_address_is_refused_with_a_page(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()


def test_nul_in_an_api_query_is_refused_in_the_api_format(client):
    response = client.get("/api/v1/disclosure/applications?q=%00")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_characters" and "空字符" in body["message"]
