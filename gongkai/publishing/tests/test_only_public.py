"""Pages under a Wagtail view restriction stay off the public lists; without any, no join is made."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction

from gongkai.publishing.models import DocumentIndexPage
from gongkai.publishing.selectors import only_public

pytestmark = pytest.mark.django_db


def test_without_restrictions_no_restriction_join(lists):
    with CaptureQueriesContext(connection) as ctx:
        pages = list(only_public(DocumentIndexPage.objects.live()))
    assert len(pages) == len(lists)
    assert not any(
        "wagtailcore_pageviewrestriction" in q["sql"] and "JOIN" in q["sql"] for q in ctx.captured_queries
    )


def test_a_restricted_list_is_left_out(lists):
    restricted = lists["policy"]
    PageViewRestriction.objects.create(
        page=Page.objects.get(pk=restricted.pk), restriction_type="password", password="x"
    )
    pages = list(only_public(DocumentIndexPage.objects.live()))
    assert restricted.pk not in [page.pk for page in pages] and len(pages) == len(lists) - 1


def test_the_section_page_lists_only_public_lists(client, lists):
    restricted = lists["policy"]
    PageViewRestriction.objects.create(
        page=Page.objects.get(pk=restricted.pk), restriction_type="password", password="x"
    )
    section = restricted.get_parent()
    response = client.get(section.url)
    assert response.status_code == 200
    assert restricted.pk not in [page.pk for page in response.context["lists"]]
