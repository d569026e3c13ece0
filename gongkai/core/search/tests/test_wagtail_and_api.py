from __future__ import annotations

import pytest
from django.core.management import call_command
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from gongkai.core.search import selectors, services
from gongkai.core.search.models import SearchEntry
from gongkai.core.search.wagtail_backend import ChineseSearchBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages():
    root = Page.get_first_root_node()
    national_day = root.add_child(instance=Page(title="关于2026年国庆节放假安排的通知", slug="guoqing"))
    heating = root.add_child(instance=Page(title="供暖期开始的通知", slug="gongnuan"))
    draft = root.add_child(instance=Page(title="国庆节草稿", slug="draft", live=False))
    return national_day, heating, draft


def test_backend_is_configured():
    assert isinstance(get_search_backend(), ChineseSearchBackend)


def test_page_title_search_finds_chinese_words(pages):
    national_day, heating, draft = pages
    assert {p.pk for p in Page.objects.search("国庆节")} == {national_day.pk, draft.pk}
    assert {p.pk for p in Page.objects.live().search("国庆")} == {national_day.pk}
    assert {p.pk for p in Page.objects.search("通知")} == {national_day.pk, heating.pk}
    assert Page.objects.search("通知").count() == 2
    assert list(Page.objects.search("不存在的词")) == []


def test_page_search_or_operator_fields_and_scores(pages):
    national_day, heating, _ = pages
    found = Page.objects.live().search("国庆 供暖", operator="or")
    assert {p.pk for p in found} == {national_day.pk, heating.pk}
    results = Page.objects.live().search("通知", fields=["title"]).annotate_score("score")
    assert all(p.score >= 2 for p in results)


def test_draft_pages_are_not_public_and_delete_removes(pages):
    national_day, _, draft = pages
    assert {h.object_id for h in selectors.search("国庆节").hits} == {national_day.pk}
    assert {h.object_id for h in selectors.search("国庆节", public_only=False).hits} == {
        national_day.pk,
        draft.pk,
    }
    draft.delete()
    assert selectors.search("国庆节", public_only=False).total == 1


def test_update_index_rebuilds(pages):
    SearchEntry.objects.all().delete()
    assert Page.objects.search("国庆节").count() == 0
    call_command("update_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Page.objects.search("国庆节").count() == 2


def test_search_rebuild_command(pages, capsys):
    SearchEntry.objects.all().delete()
    call_command("search", "rebuild")
    assert Page.objects.search("国庆节").count() == 2
    call_command("search", "query", "国庆节")
    assert "<mark>国庆节</mark>" in capsys.readouterr().out


def test_admin_page_search(pages, client, django_user_model):
    user = django_user_model.objects.create_superuser(
        username="admin", email="a@example.com", password="x" * 12
    )
    client.force_login(user)
    response = client.get("/admin/pages/search/", {"q": "国庆节"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "关于2026年国庆节放假安排的通知" in content
    assert "供暖期开始的通知" not in content


def test_api_search(content_type):
    services.index_object(
        content_type, title="路灯不亮", body="昌邑区<script>路灯</script>", doc_type="reply"
    )
    response = (
        pytest.importorskip("django.test").Client().get("/api/v1/search/", {"q": "路灯", "type": "reply"})
    )
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 1
    hit = data["hits"][0]
    assert hit["title_html"] == "<mark>路灯</mark>不亮"
    assert "&lt;script&gt;<mark>路灯</mark>&lt;/script&gt;" in hit["snippet"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"q": ""}, "query_empty"),
        ({"q": "   "}, "query_empty"),
        ({"q": "路" * 101}, "query_too_long"),
        ({"q": "路灯", "limit": 1000}, "validation_error"),
        ({"q": "路灯", "year": "abc"}, "validation_error"),
    ],
)
def test_api_rejects_bad_queries_with_422(client, params, code):
    response = client.get("/api/v1/search/", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert body["message"]
