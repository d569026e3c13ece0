import pytest

from gongkai.hotline import services as hotline
from gongkai.hotline.knowledge import services
from gongkai.hotline.knowledge.models import ArticleStatus

pytestmark = pytest.mark.django_db

BASE = "/api/v1/knowledge"


@pytest.fixture
def articles(users, tree):
    published = services.article_create(
        actor=users["dispatcher"],
        title="供暖温度不达标如何处理",
        questions="暖气不热找谁",
        answer="先联系供热单位报修。",
        department=tree["zhujian"],
        status=ArticleStatus.PUBLISHED,
    )
    draft = services.article_create(actor=users["dispatcher"], title="草稿：供暖费标准", answer="待定")
    return published, draft


@pytest.fixture
def as_user(client, users):
    def login(role):
        client.force_login(users[role])
        return client

    return login


def test_list_search_and_get(as_user, articles):
    published, draft = articles
    client = as_user("operator")
    body = client.get(f"{BASE}/articles", {"q": "供暖"}).json()
    assert body["total"] == 1 and body["items"][0]["id"] == published.pk
    assert body["items"][0]["questions"] == ["暖气不热找谁"]
    assert client.get(f"{BASE}/articles/{published.pk}").json()["title"] == published.title
    assert client.get(f"{BASE}/articles/{draft.pk}").status_code == 404

    editor = as_user("dispatcher")
    assert editor.get(f"{BASE}/articles", {"q": "供暖"}).json()["total"] == 2
    assert editor.get(f"{BASE}/articles", {"status": "draft"}).json()["total"] == 1


def test_suggest_and_use(as_user, articles):
    published, _draft = articles
    client = as_user("operator")
    body = client.get(f"{BASE}/suggest", {"text": "我家暖气不热怎么办"}).json()
    assert body[0]["article"]["id"] == published.pk
    assert client.post(f"{BASE}/articles/{published.pk}/use").status_code == 204
    published.refresh_from_db()
    assert published.usage_count == 1


@pytest.mark.parametrize(
    "path, params",
    [
        ("/articles", {"limit": 0}),
        ("/articles", {"limit": 101}),
        ("/articles", {"offset": -1}),
        ("/articles", {"status": "bogus"}),
        ("/articles", {"category": "abc"}),
        ("/articles", {"q": "长" * 101}),
        ("/articles/abc", {}),
        ("/suggest", {}),
        ("/suggest", {"text": ""}),
        ("/suggest", {"text": "x" * 2001}),
        ("/routing/suggest", {"text": ""}),
        ("/routing/suggest", {"text": "路灯", "limit": 99}),
        ("/duplicates/abc", {}),
    ],
)
def test_bad_input_is_422(as_user, articles, path, params):
    response = as_user("dispatcher").get(f"{BASE}{path}", params)
    assert response.status_code == 422, response.content
    assert response.json()["code"] in {"validation_error", "query_too_long", "query_empty"}


def test_whitespace_query_lists_everything(as_user, articles):
    assert as_user("dispatcher").get(f"{BASE}/articles", {"q": "   "}).json()["total"] == 2


def test_anonymous_is_refused(client, articles):
    assert client.get(f"{BASE}/articles").status_code == 401
    assert client.get(f"{BASE}/suggest", {"text": "暖气"}).status_code == 401


def test_routing_and_duplicates(as_user, users, tree):
    order, _ = hotline.work_order_create(
        channel="phone",
        content="延安街道路灯不亮",
        caller_phone="13812345678",
        street=tree["yanan"],
        notify=False,
    )
    hotline.work_order_create(
        channel="phone",
        content="延安街道路灯不亮了",
        caller_phone="13812345679",
        street=tree["yanan"],
        notify=False,
    )
    client = as_user("dispatcher")
    body = client.get(f"{BASE}/routing/suggest", {"text": "小区路灯不亮"}).json()
    assert body[0]["category"]["code"] == "ludeng" and body[0]["source"] == "rules"
    body = client.get(f"{BASE}/duplicates/{order.pk}").json()
    assert len(body) == 1 and "同一街道" in body[0]["reasons"]
    assert client.get(f"{BASE}/duplicates/999999").status_code == 404
    assert as_user("handler").get(f"{BASE}/routing/suggest", {"text": "路灯"}).status_code == 403


def test_admin_views_by_role(as_user, articles):
    published, _draft = articles
    client = as_user("operator")
    assert client.get("/admin/knowledge/").status_code == 200
    assert client.get("/admin/knowledge/new/").status_code in {302, 403}
    assert client.get(f"/admin/knowledge/edit/{published.pk}/").status_code in {302, 403}

    editor = as_user("dispatcher")
    assert editor.get("/admin/knowledge/?review_due=true").status_code == 200
    response = editor.post(
        "/admin/knowledge/new/",
        {
            "title": "新条目",
            "answer": "内容",
            "status": "draft",
            "questions": "",
            "policy_basis": "",
            "source_url": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    total = editor.get(f"{BASE}/articles", {"q": "新条目"}).json()["total"]
    assert total == 1
