import io

import pytest

from gongkai.core.search.documents import SearchDocument
from gongkai.core.search.services import index_documents
from gongkai.portal import demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    demo.load(stdout=io.StringIO())


def test_home_page_renders_in_chinese(client, home):
    html = client.get("/").content.decode()
    assert "吉林市人民政府" in html and 'lang="zh-Hans"' in html
    assert 'role="search"' in html


def test_demo_load_is_idempotent(home):
    from wagtail.models import Site

    from gongkai.portal.models import HomePage

    demo.load(stdout=io.StringIO())
    assert HomePage.objects.count() == 1
    assert Site.objects.get(is_default_site=True).root_page.specific.__class__ is HomePage


def test_search_page_finds_one_character_and_escapes(client, home, django_user_model):
    owner = django_user_model.objects.create_user("owner")
    index_documents(
        [
            SearchDocument.for_object(
                owner,
                title="关于路灯维修的通知",
                body="<script>alert(1)</script> 船营区路灯已修复",
                doc_type="notice",
            )
        ]
    )
    html = client.get("/search/", {"q": "灯"}).content.decode()
    assert "<mark>灯</mark>" in html and "<script>alert(1)</script>" not in html
    assert "共找到 1 条结果" in html


def test_search_page_rejects_an_overlong_query(client, home):
    html = client.get("/search/", {"q": "长" * 101}).content.decode()
    assert "关键词太长" in html
