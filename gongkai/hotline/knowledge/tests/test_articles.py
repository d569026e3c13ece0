import datetime

import pytest
from django.core.exceptions import ValidationError

from gongkai.api.errors import PermissionDenied
from gongkai.core.audit.models import AuditEvent
from gongkai.hotline.knowledge import selectors, services
from gongkai.hotline.knowledge.models import ArticleStatus, KnowledgeArticle, KnowledgeArticleRevision

pytestmark = pytest.mark.django_db


@pytest.fixture
def heating(users, tree):
    return services.article_create(
        actor=users["dispatcher"],
        title="供暖温度不达标如何处理",
        questions="暖气不热找谁\n家里室温太低怎么办\n供热公司不给开栓",
        answer="供暖期内室温应不低于18℃。可先联系供热单位报修；24小时内未处理的，由市住建局督促。",
        department=tree["zhujian"],
        policy_basis="《吉林市城市供热条例》",
        status=ArticleStatus.PUBLISHED,
    )


@pytest.fixture
def streetlight(users, tree):
    return services.article_create(
        actor=users["dispatcher"],
        title="路灯不亮的报修",
        questions="路灯坏了找谁修",
        answer="城区路灯由市城管执法局负责维护，报修后一般3个工作日内修复。",
        department=tree["chengguan"],
        status=ArticleStatus.PUBLISHED,
    )


def test_create_update_publish_keep_revisions_and_audit(users, clock):
    article = services.article_create(
        actor=users["dispatcher"], title="社保卡补办", answer="携带身份证到社保网点办理。"
    )
    assert article.status == ArticleStatus.DRAFT
    assert article.version == 1 and article.review_due is None

    article = services.article_update(
        article=article, actor=users["dispatcher"], answer="可在网上或网点补办。"
    )
    article = services.article_publish(article=article, actor=users["admin"])

    assert article.version == 3
    assert article.status == ArticleStatus.PUBLISHED
    assert article.review_due == datetime.date(2026, 6, 1) + datetime.timedelta(days=180)
    versions = list(
        KnowledgeArticleRevision.objects.filter(article=article).values_list("version", flat=True)
    )
    assert sorted(versions) == [1, 2, 3]
    actions = set(AuditEvent.objects.filter(target_id=str(article.pk)).values_list("action", flat=True))
    assert {"knowledge.article_created", "knowledge.article_updated"} <= actions


def test_update_without_change_writes_nothing(users, heating):
    again = services.article_update(article=heating, actor=users["dispatcher"], title=heating.title)
    assert again.version == heating.version
    assert KnowledgeArticleRevision.objects.filter(article=heating).count() == 1


def test_delete_removes_article_and_index_entry(users, heating):
    services.article_delete(article=heating, actor=users["dispatcher"])
    assert not KnowledgeArticle.objects.exists()
    assert selectors.article_suggest("暖气不热") == []


@pytest.mark.parametrize("role", ["operator", "handler"])
def test_operator_and_handler_cannot_edit(users, heating, role):
    with pytest.raises(PermissionDenied):
        services.article_create(actor=users[role], title="x", answer="y")
    with pytest.raises(PermissionDenied):
        services.article_update(article=heating, actor=users[role], title="改")
    with pytest.raises(PermissionDenied):
        services.article_delete(article=heating, actor=users[role])
    assert KnowledgeArticle.objects.get().title == heating.title


def test_validation(users):
    with pytest.raises(ValidationError) as info:
        services.article_create(actor=users["dispatcher"], title="", answer="")
    assert {"title", "answer"} <= set(info.value.message_dict)
    with pytest.raises(ValidationError) as info:
        services.article_create(
            actor=users["dispatcher"],
            title="t",
            answer="a",
            valid_from=datetime.date(2026, 5, 1),
            valid_until=datetime.date(2026, 4, 1),
        )
    assert "valid_until" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.article_create(
            actor=users["dispatcher"], title="t", answer="a", source_url="javascript:alert(1)"
        )
    with pytest.raises(ValidationError):
        services.article_create(actor=users["dispatcher"], title="t", answer="a", category=999999)


def test_search_finds_title_and_body(users, heating, streetlight):
    total, items = selectors.article_list(user=users["operator"], q="暖气")
    assert total == 1 and items[0] == heating
    total, items = selectors.article_list(user=users["operator"], q="路灯 城管")
    assert [a.pk for a in items] == [streetlight.pk]


def test_operator_sees_only_published(users):
    draft = services.article_create(actor=users["dispatcher"], title="草稿条目", answer="未定稿")
    assert selectors.article_list(user=users["operator"])[0] == 0
    assert selectors.article_list(user=users["dispatcher"])[0] == 1
    assert selectors.article_list(user=users["dispatcher"], q="草稿")[1] == [draft]
    assert selectors.article_list(user=users["operator"], q="草稿")[0] == 0


def test_suggest_finds_article_from_paraphrased_question(heating, streetlight):
    suggestions = selectors.article_suggest("您好，我家暖气一点都不热，屋里才十五度，该找哪个部门？")
    assert suggestions and suggestions[0].article == heating
    assert "暖气" in suggestions[0].matched_terms

    suggestions = selectors.article_suggest("小区门口的路灯坏了好几天")
    assert suggestions[0].article == streetlight


def test_suggest_ignores_stopwords_and_odd_input(heating):
    assert selectors.article_suggest("") == []
    assert selectors.article_suggest("你好请问一下怎么办") == []
    assert selectors.article_suggest("\x00<script>" * 500) == []


def test_suggest_skips_drafts_and_expired(users, heating):
    services.article_expire(article=heating, actor=users["dispatcher"])
    assert selectors.article_suggest("暖气不热") == []


def test_review_due_list(users, heating, streetlight, clock):
    services.article_update(article=heating, actor=users["dispatcher"], review_due=datetime.date(2026, 5, 20))
    due = list(selectors.articles_review_due())
    assert due == [KnowledgeArticle.objects.get(pk=heating.pk)]

    services.article_mark_reviewed(article=heating, actor=users["dispatcher"])
    assert list(selectors.articles_review_due()) == []
    assert KnowledgeArticle.objects.get(pk=heating.pk).review_due == datetime.date(2026, 11, 28)


def test_expire_sweep(users, clock):
    article = services.article_create(
        actor=users["dispatcher"],
        title="临时政策",
        answer="本月有效",
        status=ArticleStatus.PUBLISHED,
        valid_until=datetime.date(2026, 6, 10),
    )
    assert services.articles_expire_due(today=datetime.date(2026, 6, 10)) == 0
    assert services.articles_expire_due(today=datetime.date(2026, 6, 11)) == 1
    article.refresh_from_db()
    assert article.status == ArticleStatus.EXPIRED


def test_record_use_counts(users, heating):
    services.article_record_use(article=heating)
    services.article_record_use(article=heating.pk)
    heating.refresh_from_db()
    assert heating.usage_count == 2 and heating.last_used_at is not None
