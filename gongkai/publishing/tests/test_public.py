import datetime

import pytest
from django.utils import timezone

from gongkai.core.search import selectors as search_selectors
from gongkai.publishing.models import (
    AnnouncementPage,
    EmergencyEventPage,
    EmergencyUpdate,
    InterpretationPage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def interpretation(lists, office, policy, save):
    page = InterpretationPage(
        title="《关于做好冬季供热工作的通知》政策解读",
        department=office,
        policy=policy,
        formed_at=datetime.date(2025, 10, 9),
        body="<p>室温不低于 18℃。</p>",
    )
    return save(page, lists["interpretation"])


@pytest.fixture
def withheld(lists, office, save):
    page = AnnouncementPage(
        title="关于内部机构调整的请示",
        department=office,
        formed_at=datetime.date(2025, 5, 8),
        disclosure_attribute="withheld",
        legal_ground="art16_process",
        body="<p>内部请示，机密供热调整。</p>",
    )
    return save(page, lists["announcement"])


def test_document_page_shows_the_metadata_table(client, policy, interpretation):
    html = client.get(policy.url).content.decode()
    for label in ("索引号", "分类", "发文机关", "成文日期", "标题", "发文字号", "发布日期", "有效性"):
        assert f'<th scope="row">{label}</th>' in html
    assert policy.index_number in html and "吉市政办发〔2025〕14号" in html and "2025年09月30日" in html
    assert interpretation.title in html  # its interpretation is listed
    html = client.get(interpretation.url).content.decode()
    assert policy.title in html  # and the interpretation links its policy


def test_non_public_document_is_never_served(client, withheld, policy):
    assert not withheld.live  # the import never publishes a withheld document
    # Even if it went live by some route, serve() refuses it.
    AnnouncementPage.objects.filter(pk=withheld.pk).update(live=True)
    withheld.refresh_from_db()
    assert client.get(withheld.url).status_code == 404
    assert client.get(policy.url).status_code == 200


def test_non_public_document_is_absent_from_lists_search_and_api(client, tree, lists, withheld, policy):
    for url in (tree.url, lists["announcement"].url, tree.url + "?q=供热"):
        html = client.get(url).content.decode()
        assert withheld.title not in html and withheld.index_number not in html
    assert policy.title in client.get(tree.url).content.decode()
    assert all(hit.object_id != withheld.pk for hit in search_selectors.search("机密", public_only=True).hits)
    assert search_selectors.search("机密", public_only=False).total == 1
    items = client.get("/api/v1/publishing/documents").json()["items"]
    assert [item["id"] for item in items] == [policy.pk]
    assert client.get(f"/api/v1/publishing/documents/{withheld.pk}").status_code == 404


def test_unpublished_document_leaves_the_catalogue(client, tree, policy):
    policy.unpublish()
    policy.refresh_from_db()
    assert not policy.catalogue_entry.is_public
    assert policy.title not in client.get(tree.url).content.decode()
    assert search_selectors.search("冬季供热", public_only=True).total == 0


def test_public_search_finds_documents(policy):
    hits = search_selectors.search(
        "供热", doc_types=["policy"], department_code="bangongting", year=2025
    ).hits
    assert [hit.object_id for hit in hits] == [policy.pk]
    assert hits[0].url == policy.url


def test_catalogue_filters_and_pagination(client, tree, policy, interpretation):
    html = client.get(tree.url, {"type": "interpretation"}).content.decode()
    assert interpretation.title in html and policy.title not in html
    html = client.get(tree.url, {"department": "renshe"}).content.decode()
    assert policy.title not in html
    html = client.get(tree.url, {"year": "2025", "page": "999"}).content.decode()
    assert "共 2 条" in html
    assert client.get(tree.url, {"year": "abc", "type": "nonsense", "page": "x"}).status_code == 200


def test_api_list_filters_and_detail(client, policy, interpretation):
    body = client.get("/api/v1/publishing/documents", {"type": "policy"}).json()
    assert body["total"] == 1 and body["items"][0]["index_number"] == policy.index_number
    body = client.get("/api/v1/publishing/documents", {"department": "bangongting", "year": 2025}).json()
    assert body["total"] == 2
    assert client.get("/api/v1/publishing/documents", {"year": 2024}).json()["total"] == 0
    body = client.get("/api/v1/publishing/documents", {"q": "18℃"}).json()
    assert [item["id"] for item in body["items"]] == [interpretation.pk]
    assert client.get("/api/v1/publishing/documents", {"type": "bogus"}).status_code == 422
    assert client.get("/api/v1/publishing/documents", {"q": "长" * 101}).status_code == 422
    detail = client.get(f"/api/v1/publishing/documents/{policy.pk}").json()
    assert detail["document_number"] == "吉市政办发〔2025〕14号"
    assert detail["fields"]["validity"] == "valid"
    assert [link["id"] for link in detail["interpretations"]] == [interpretation.pk]
    assert ["发文字号", "吉市政办发〔2025〕14号"] in detail["metadata"]
    detail = client.get(f"/api/v1/publishing/documents/{interpretation.pk}").json()
    assert detail["policy"]["id"] == policy.pk
    assert client.get("/api/v1/publishing/documents/99999999").status_code == 404


def test_emergency_page_shows_its_timeline(client, lists, departments, save):
    page = EmergencyEventPage(
        title="寒潮暴雪天气应对",
        department=departments["yingji"],
        occurred_at=timezone.now() - datetime.timedelta(hours=3),
        body="<p>启动应急响应。</p>",
    )
    page.updates = [
        EmergencyUpdate(
            kind="measure", at=timezone.now() - datetime.timedelta(hours=2), text="出动清雪机械 620 台次。"
        ),
        EmergencyUpdate(
            kind="precaution", at=timezone.now() - datetime.timedelta(hours=1), text="请减少外出。"
        ),
    ]
    page = save(page, lists["emergency"])
    html = client.get(page.url).content.decode()
    assert "事件正在处置中" in html
    assert html.index("请减少外出") < html.index("出动清雪机械")  # newest first
    detail = client.get(f"/api/v1/publishing/documents/{page.pk}").json()
    assert [entry["kind"] for entry in detail["fields"]["timeline"]] == ["precaution", "measure"]
