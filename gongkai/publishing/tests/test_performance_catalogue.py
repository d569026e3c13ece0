"""The catalogue's and the home page's queries stay index-driven at 100,000 documents (bench/publishing.py).

Pinned by the SQL they send (no joins of the page tree, one query per type, no sort of every
public row), never by time.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.publishing import selectors
from gongkai.publishing.models import AnnouncementPage, DisclosureSectionPage, PressReleasePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(lists, office, save):
    saved = []
    for i in range(3):
        saved.append(
            save(
                PressReleasePage(
                    title=f"吉林市召开新闻发布会（第{i + 1}场）", department=office, body="<p>通报。</p>"
                ),
                lists["press_release"],
                published_at=datetime.datetime(2025, 1, 1 + i, tzinfo=datetime.UTC),
            )
        )
        saved.append(
            save(
                AnnouncementPage(
                    title=f"关于清雪作业的公告（{i + 1}）", department=office, body="<p>公告。</p>"
                ),
                lists["announcement"],
                published_at=datetime.datetime(2025, 2, 1 + i, tzinfo=datetime.UTC),
            )
        )
    return saved


def _catalogue_sql(queries) -> list[str]:
    return [q["sql"] for q in queries if "publishing_catalogueentry" in q["sql"]]


def test_the_catalogue_of_the_only_section_does_not_join_the_page_tree(client, tree, documents):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(tree.url, {"page": "1"})
    assert response.status_code == 200
    sql = _catalogue_sql(queries)
    assert sql, "the catalogue was not queried"
    assert not [s for s in sql if '"wagtailcore_page"."path" LIKE' in s or 'U1."path" LIKE' in s]


def test_a_list_page_filters_by_its_type_without_joining_the_page_tree(client, lists, documents):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(lists["press_release"].url)
    assert response.status_code == 200
    assert "吉林市召开新闻发布会（第3场）" in response.content.decode()
    assert "关于清雪作业的公告" not in response.content.decode()
    sql = _catalogue_sql(queries)
    assert not [s for s in sql if 'path" LIKE' in s]


def test_a_second_section_still_narrows_by_the_tree(tree, documents):
    other = tree.get_parent().add_child(instance=DisclosureSectionPage(title="部门信息公开", slug="bmgk"))
    total, _exact, _entries = selectors.entries_search(selectors.CatalogueFilters(), within=other)
    assert total == 0
    total, _exact, _entries = selectors.entries_search(selectors.CatalogueFilters(), within=tree)
    assert total == len(documents)


def test_latest_asks_once_per_type_and_merges_newest_first(documents):
    with CaptureQueriesContext(connection) as queries:
        entries = selectors.latest(["press_release", "announcement"], limit=4)
    assert len(queries.captured_queries) == 2
    assert not [q for q in queries.captured_queries if '"doc_type" IN' in q["sql"]]
    assert [e.title for e in entries] == [
        "关于清雪作业的公告（3）",
        "关于清雪作业的公告（2）",
        "关于清雪作业的公告（1）",
        "吉林市召开新闻发布会（第3场）",
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_newest_first_walks_the_partial_index_without_sorting(documents):
    for queryset in (
        selectors.public_entries().filter(doc_type="press_release")[:6],
        selectors.public_entries()[20:40],
    ):
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "publishing_cat_pub_" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
