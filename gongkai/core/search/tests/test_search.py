from __future__ import annotations

import datetime

import pytest
from django.db import connection

from gongkai.core.search import selectors, services, text
from gongkai.core.search.documents import SearchDocument
from gongkai.core.search.models import SearchEntry

pytestmark = pytest.mark.django_db


def doc(content_type, object_id, title, body="", **values):
    values.setdefault("doc_type", "policy")
    return SearchDocument(
        content_type_id=content_type.pk, object_id=object_id, title=title, body=body, **values
    )


def ids(results):
    return [hit.object_id for hit in results.hits]


def test_latin_and_digits_are_case_insensitive_substrings(content_type):
    services.index_documents(
        [
            doc(content_type, 1, "开通12345热线", "市民拨打12345反映问题"),
            doc(content_type, 2, "公共WiFi覆盖", "松花江沿岸开通免费wifi"),
            doc(content_type, 3, "无关", "123 45 不连续"),
        ]
    )
    assert ids(selectors.search("12345")) == [1]
    assert ids(selectors.search("wifi")) == [2]
    assert ids(selectors.search("WIFI")) == [2]
    assert ids(selectors.search("Fi覆")) == [2]
    assert sorted(ids(selectors.search("123"))) == [1, 3]


def test_snippet_highlights_hits_and_escapes_html(content_type):
    body = "前文" * 40 + "<script>alert('路灯')</script> 昌邑区路灯不亮，请尽快维修路灯。" + "后文" * 80
    services.index_documents([doc(content_type, 1, "关于<b>路灯</b>维修", body)])
    hit = selectors.search("路灯").hits[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;alert(&#x27;<mark>路灯</mark>&#x27;)&lt;/script&gt;" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert hit.snippet.count("<mark>路灯</mark>") >= 2
    assert hit.title_html == "关于&lt;b&gt;<mark>路灯</mark>&lt;/b&gt;维修"


def test_snippet_marks_every_term_case_preserved(content_type):
    services.index_documents([doc(content_type, 1, "标题", "Jilin 吉林 WiFi 信号")])
    hit = selectors.search("wifi 吉林").hits[0]
    assert "<mark>WiFi</mark>" in hit.snippet
    assert "<mark>吉林</mark>" in hit.snippet


def test_title_hits_rank_above_body_hits_then_newest(content_type):
    services.index_documents(
        [
            doc(content_type, 1, "冬季工作安排", "今年供暖提前开始", date=datetime.date(2026, 10, 1)),
            doc(content_type, 2, "供暖通知", "详见正文", date=datetime.date(2020, 1, 1)),
            doc(content_type, 3, "其他安排", "供暖费缴纳", date=datetime.date(2025, 1, 1)),
        ]
    )
    results = selectors.search("供暖")
    assert ids(results) == [2, 1, 3]
    assert results.hits[0].score > results.hits[1].score


def test_whole_word_hits_rank_above_partial_ones(content_type):
    services.index_documents(
        [
            doc(content_type, 1, "甲", "松花江畔", date=datetime.date(2026, 1, 2)),  # 花江 inside 松花江
            doc(content_type, 2, "乙", "江南江北的花江小区", date=datetime.date(2020, 1, 1)),
        ]
    )
    assert ids(selectors.search("松花江")) == [1]
    # Both contain 花江; neither has it as a word except possibly doc 2 — order is by word hit then date.
    assert set(ids(selectors.search("花江"))) == {1, 2}


def test_filters(content_type):
    services.index_documents(
        [
            doc(
                content_type,
                1,
                "路灯",
                doc_type="policy",
                department_code="gov",
                date=datetime.date(2025, 5, 1),
            ),
            doc(
                content_type,
                2,
                "路灯",
                doc_type="reply",
                department_code="housing",
                date=datetime.date(2026, 5, 1),
            ),
            doc(content_type, 3, "路灯", doc_type="reply", department_code="gov", is_public=False),
        ]
    )
    assert sorted(ids(selectors.search("路灯"))) == [1, 2]
    assert sorted(ids(selectors.search("路灯", public_only=False))) == [1, 2, 3]
    assert ids(selectors.search("路灯", doc_types=["reply"])) == [2]
    assert ids(selectors.search("路灯", department_code="gov")) == [1]
    assert ids(selectors.search("路灯", year=2026)) == [2]


def test_pagination(content_type):
    services.index_documents(
        [doc(content_type, i, f"通知{i}", date=datetime.date(2026, 1, i)) for i in range(1, 26)]
    )
    first = selectors.search("通知", limit=10)
    third = selectors.search("通知", offset=20, limit=10)
    beyond = selectors.search("通知", offset=40, limit=10)
    assert first.total == third.total == beyond.total == 25
    assert ids(first) == list(range(25, 15, -1))
    assert ids(third) == [5, 4, 3, 2, 1]
    assert beyond.hits == []


def test_reindex_replaces_and_remove_forgets(content_type):
    obj = content_type  # any saved model instance will do
    services.index_object(obj, title="路灯维修", body="旧内容", doc_type="policy")
    services.index_object(obj, title="供暖通知", body="新内容", doc_type="policy")
    assert selectors.search("路灯").total == 0
    assert ids(selectors.search("新内容")) == [obj.pk]
    assert SearchEntry.objects.count() == 1
    assert services.remove_object(obj) == 1
    assert selectors.search("供暖").total == 0
    assert services.remove_object(obj) == 0


def test_long_document_is_chunked_and_every_phrase_found(content_type):
    filler = "吉林市人民政府办公厅" * 1700  # 17,000 characters, more than a tsvector holds
    body = "开头的雾凇" + filler + "跨越" + filler[:3000] + "结尾的松花江"
    services.index_documents([doc(content_type, 1, "长文", body)])
    assert SearchEntry.objects.filter(object_id=1).count() > 1
    for query in ["雾凇", "松花江", "结尾的松花江", "办公厅跨越吉林", "开头的雾凇吉林市"]:
        results = selectors.search(query)
        assert results.total == 1, query
        assert query[:2] in results.hits[0].snippet.replace("<mark>", "").replace("</mark>", "")
    for chunk in text.chunk_document("长文", text.normalize(body)):
        assert len("长文") + 2 + chunk.end - chunk.start <= text.MAX_POSITION


@pytest.mark.skipif(connection.vendor != "postgresql", reason="tsvector limits are PostgreSQL's")
def test_postgres_long_repetitive_document(content_type):
    body = "路灯" * 9000  # 18,000 characters, each bigram far more than 256 times
    services.index_documents([doc(content_type, 1, "重复", body + "终点")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(length(terms)) FROM search_searchentry")
        assert cursor.fetchone()[0] > 0
    assert selectors.search("路灯终点").total == 1
    assert selectors.search("灯路灯路灯").total == 1


def test_query_validation():
    with pytest.raises(selectors.InvalidQuery) as empty:
        selectors.search("   ")
    assert empty.value.code == "query_empty"
    with pytest.raises(selectors.InvalidQuery) as long:
        selectors.search("路" * 101)
    assert long.value.code == "query_too_long"
