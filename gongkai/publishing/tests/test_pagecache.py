"""The whole-page cache of the public portal (gongkai/core/pagecache.py)."""

import io

import pytest
from django.core.cache import cache

from gongkai.core import pagecache
from gongkai.core.search.documents import SearchDocument
from gongkai.core.search.services import index_documents
from gongkai.portal import demo as portal_demo

pytestmark = pytest.mark.django_db

HEADER = "X-Gongkai-Cache"


@pytest.fixture
def cached(settings):
    cache.clear()
    settings.GONGKAI_PAGE_CACHE_SECONDS = 300
    settings.GONGKAI_PAGE_CACHE_CHECK_SECONDS = 0  # read the generation on every request
    yield
    cache.clear()


def test_an_anonymous_reader_gets_the_stored_page(client, policy, cached):
    first = client.get(policy.url)
    second = client.get(policy.url)
    assert first.status_code == second.status_code == 200
    assert first[HEADER] == "miss" and second[HEADER] == "hit"
    assert first.content == second.content and policy.title in second.content.decode()
    # The stored page carries the headers the full path set (the security policy among them).
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_public_pages_carry_no_csrf_token_or_cookie(client, policy, cached):
    response = client.get(policy.url)
    assert not response.cookies  # nothing per reader, so the page can be shared
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_publishing_a_change_empties_the_cache(
    client, policy, cached, save, django_capture_on_commit_callbacks
):
    assert client.get(policy.url)[HEADER] == "miss"
    assert client.get(policy.url)[HEADER] == "hit"
    policy.title = "吉林市人民政府办公厅关于做好冬季供热工作的通知（修订）"
    with django_capture_on_commit_callbacks(execute=True):
        save(policy)
    response = client.get(policy.url)
    assert response[HEADER] == "miss" and "（修订）" in response.content.decode()


def test_nothing_is_bumped_before_the_transaction_commits(
    policy, cached, save, django_capture_on_commit_callbacks
):
    before = pagecache.generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        policy.title = "草稿标题"
        save(policy)
        assert pagecache.generation() == before
    assert len([c for c in callbacks if c is pagecache.invalidate]) == 1  # once per transaction
    for callback in callbacks:
        callback()
    assert pagecache.generation() == before + 1


def test_unpublishing_removes_the_page_for_readers(
    client, policy, cached, django_capture_on_commit_callbacks
):
    assert client.get(policy.url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        policy.unpublish()
    assert client.get(policy.url).status_code == 404


def test_restricted_pages_are_never_stored(client, policy, cached):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(
        page=policy, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    for _ in range(2):
        response = client.get(policy.url)
        assert HEADER not in response  # the password form, rendered each time, never stored


def test_signed_in_readers_bypass_the_cache(client, policy, cached, django_user_model):
    client.get(policy.url)
    assert client.get(policy.url)[HEADER] == "hit"
    user = django_user_model.objects.create_user("reader", password="pw-123456789A")
    client.force_login(user)
    response = client.get(policy.url)
    assert HEADER not in response and response.status_code == 200


def test_language_is_part_of_the_key(client, policy, cached):
    chinese = client.get(policy.url)
    client.cookies["django_language"] = "en"
    english = client.get(policy.url)
    assert english[HEADER] == "miss"
    assert "Home" in english.content.decode() and "首页" in chinese.content.decode()
    assert client.get(policy.url)[HEADER] == "hit"


def test_search_results_are_cached_per_query(client, cached, django_user_model):
    portal_demo.load(stdout=io.StringIO())
    owner = django_user_model.objects.create_user("owner")
    index_documents(
        [SearchDocument.for_object(owner, title="关于路灯维修的通知", body="船营区路灯", doc_type="notice")]
    )
    assert client.get("/search/", {"q": "路灯"})[HEADER] == "miss"
    hit = client.get("/search/", {"q": "路灯"})
    assert hit[HEADER] == "hit" and "<mark>" in hit.content.decode()
    assert client.get("/search/", {"q": "维修"})[HEADER] == "miss"


def test_posts_and_forms_with_tokens_are_not_cached(client, cached):
    portal_demo.load(stdout=io.StringIO())
    response = client.get("/hotline/new/")
    assert response.status_code == 200 and HEADER not in response  # has a CSRF token: never stored
    assert HEADER not in client.post("/search/", {"q": "x"})


def test_language_switch_is_a_link_that_stays_on_this_site(client):
    response = client.get("/language/", {"language": "en", "next": "/zwgk/"})
    assert response.status_code == 302 and response["Location"] == "/zwgk/"
    assert response.cookies["django_language"].value == "en"
    outside = client.get("/language/", {"language": "en", "next": "https://evil.example/"})
    assert outside["Location"] == "/"
    unknown = client.get("/language/", {"language": "xx"})
    assert "django_language" not in unknown.cookies


def test_the_cache_is_off_when_its_lifetime_is_zero(client, policy, settings):
    settings.GONGKAI_PAGE_CACHE_SECONDS = 0
    client.get(policy.url)
    assert HEADER not in client.get(policy.url)


def test_filter_choices_are_kept_until_content_changes(
    policy, cached, save, departments, lists, django_capture_on_commit_callbacks
):
    from gongkai.publishing import selectors
    from gongkai.publishing.models import AnnouncementPage

    before = selectors.department_choices()
    assert [code for code, _name in before] == [policy.department.code]
    other = (
        departments["jiaoyuju"]
        if "jiaoyuju" in departments
        else next(d for code, d in departments.items() if d.pk != policy.department_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        save(
            AnnouncementPage(
                title="关于寒假安排的通知", department=other, formed_at=policy.formed_at, body="<p>放假。</p>"
            ),
            lists["announcement"],
        )
    after = {code for code, _name in selectors.department_choices()}
    assert after == {policy.department.code, other.code}
