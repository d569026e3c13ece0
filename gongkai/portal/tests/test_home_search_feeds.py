"""The portal with the demo city's documents: home page blocks, search filters, feeds, sitemap, robots."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from gongkai.accounts import demo as accounts_demo
from gongkai.publishing import demo as publishing_demo
from gongkai.publishing.models import (
    CatalogueEntry,
    DisclosureSectionPage,
    DocumentIndexPage,
    EmergencyEventPage,
    PolicyDocumentPage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(settings):
    settings.GONGKAI_RELEASE_CHANNELS = []
    accounts_demo.load_departments()
    publishing_demo.load(stdout=io.StringIO())


def test_home_page_shows_headlines_emergency_policies_interpretations_and_the_section(client, city):
    html = client.get("/").content.decode()
    emergency = EmergencyEventPage.objects.live().get(is_open=True)
    assert 'class="emergency-banner"' in html and emergency.title in html
    for heading in ("要闻动态", "最新政策文件", "政策解读", "通知公告", "政府信息公开指南", "我要反映"):
        assert heading in html, heading
    newest_policy = (
        CatalogueEntry.objects.filter(is_public=True, doc_type="policy").order_by("-published_at").first()
    )
    assert newest_policy.title in html
    section = DisclosureSectionPage.objects.get()
    assert f'href="/feeds/{section.pk}/rss/"' in html and 'type="application/atom+xml"' in html
    # Withheld documents never show.
    for entry in CatalogueEntry.objects.filter(is_public=False):
        assert entry.title not in html


def test_banner_disappears_when_no_event_is_open(client, city):
    from gongkai.publishing.review.guard import review_bypass

    for event in EmergencyEventPage.objects.live().filter(is_open=True):
        event.is_open = False
        with review_bypass(reason="测试"):
            event.save_revision().publish()
    assert 'class="emergency-banner"' not in client.get("/").content.decode()


def test_search_filters_by_type_department_and_year_with_highlights(client, city):
    all_hits = client.get("/search/", {"q": "供热"}).content.decode()
    assert "<mark>供热</mark>" in all_hits and 'class="hit-type"' in all_hits
    policy_only = client.get("/search/", {"q": "供热", "type": "policy"}).content.decode()
    assert "政策解读</span>" not in policy_only and "政策文件</span>" in policy_only
    entry = CatalogueEntry.objects.filter(is_public=True, title__contains="供热").first()
    by_department = client.get(
        "/search/", {"q": "供热", "department": entry.department.code, "year": str(entry.year)}
    ).content.decode()
    assert entry.title in by_department.replace("<mark>", "").replace("</mark>", "")
    nothing = client.get("/search/", {"q": "供热", "year": "1999"}).content.decode()
    assert "1999" not in nothing.split('id="filter-year"')[1].split("</select>")[0]  # unknown year ignored


@pytest.mark.parametrize("query", ["雪", "供热", "吉林"])
def test_one_and_two_character_queries_find_documents(client, city, query):
    html = client.get("/search/", {"q": query}).content.decode()
    assert f"<mark>{query}</mark>" in html
    assert "没有找到相关信息" not in html


def test_search_odd_input_never_fails(client, city):
    for params in (
        {"q": "供热", "type": "nonsense", "department": "x" * 500, "year": "２０２５"},
        {"q": "供热", "page": "99999999999999999999"},
        {"q": "   "},
    ):
        assert client.get("/search/", params).status_code == 200, params
    # A NUL is refused before the search sees it (core.middleware.UnstorableQueryMiddleware).
    assert client.get("/search/", {"q": "供\x00热"}).status_code == 400


def test_feeds_per_list_and_for_the_section_list_only_public_documents(client, city):
    section = DisclosureSectionPage.objects.get()
    policies = DocumentIndexPage.objects.get(document_type="policy")
    rss = client.get(f"/feeds/{policies.pk}/rss/")
    assert rss.status_code == 200 and rss["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(rss.content).find("channel")  # noqa: S314 - our own feed
    titles = [item.findtext("title") for item in channel.findall("item")]
    public_policies = CatalogueEntry.objects.filter(is_public=True, doc_type="policy")
    assert titles and set(titles) <= set(public_policies.values_list("title", flat=True))
    requirement = PolicyDocumentPage.objects.get(index_number="11220200795219742W/2014-09752")
    assert requirement.title in titles

    atom = client.get(f"/feeds/{section.pk}/atom/")
    assert atom.status_code == 200 and atom["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.fromstring(atom.content).findall("a:entry", ns)  # noqa: S314 - our own feed
    kinds = {c.get("term") for e in entries for c in e.findall("a:category", ns)}
    assert {"政策文件", "政策解读"} <= kinds
    hidden = set(CatalogueEntry.objects.filter(is_public=False).values_list("title", flat=True))
    assert not hidden & {e.findtext("a:title", namespaces=ns) for e in entries}

    list_html = client.get(policies.url).content.decode()
    assert f'href="/feeds/{policies.pk}/rss/"' in list_html
    assert f'href="/feeds/{policies.pk}/rss/"' in client.get(requirement.url).content.decode()


def test_feeds_of_other_pages_are_not_found(client, city):
    document = PolicyDocumentPage.objects.live().first()
    assert client.get(f"/feeds/{document.pk}/rss/").status_code == 404
    assert client.get("/feeds/999999/atom/").status_code == 404


def test_sitemap_lists_public_pages_only_and_robots_points_at_it(client, city):
    xml = client.get("/sitemap.xml").content.decode()
    for entry in CatalogueEntry.objects.filter(is_public=True)[:10]:
        assert entry.page.url in xml
    for entry in CatalogueEntry.objects.filter(is_public=False):
        assert f"/{entry.page.slug}/" not in xml
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    text = robots.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text and "Disallow: /admin/" in text


def test_search_finds_a_document_number_and_snippets_start_with_the_text(client, city):
    requirement = PolicyDocumentPage.objects.get(index_number="11220200795219742W/2014-09752")
    html = client.get("/search/", {"q": "吉市政办发〔2014〕2号"}).content.decode()
    assert requirement.title in html
    from gongkai.core.search.selectors import search

    hits = search(requirement.title[:12], public_only=True, limit=5).hits
    hit = next(h for h in hits if h.object_id == requirement.pk)
    assert not str(hit.snippet).startswith("11220200795219742W")
