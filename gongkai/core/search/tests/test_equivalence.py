"""The index answers exactly what a LIKE '%term%' scan over title and body answers."""

from __future__ import annotations

import random

import pytest

from gongkai.core.search import selectors, services
from gongkai.core.search.tests.conftest import PHRASES, make_corpus

pytestmark = pytest.mark.django_db


def like_scan(docs, query: str) -> set[int]:
    terms = query.lower().split()
    return {d.object_id for d in docs if all(t in d.title.lower() or t in d.body.lower() for t in terms)}


def _queries(seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    alphabet = sorted({c for p in PHRASES for c in p})
    queries = set(alphabet[:40])  # one character
    text = "".join(PHRASES) + "，。、"
    for length in (2, 2, 2, 3, 4, 5, 7):
        for _ in range(15):
            at = rng.randrange(len(text) - length)
            queries.add(text[at : at + length])
    queries.update(
        ["灯", "路灯", "路灯不亮", "12345", "wifi", "WiFi", "jilin 江", "不亮，", "区灯", "江北 通知"]
    )
    return sorted(q for q in queries if q.strip())


def test_every_query_matches_like_scan(content_type):
    docs = make_corpus(content_type.pk, 300)
    services.index_documents(docs)
    for query in _queries():
        expected = like_scan(docs, query)
        got = {object_id for _, object_id in selectors.matching_keys(query)}
        assert got == expected, query
        results = selectors.search(query, limit=5)
        assert results.total == len(expected), query


def test_text_split_by_whitespace_is_not_a_phrase(content_type):
    docs = make_corpus(content_type.pk, 0)
    from gongkai.core.search.documents import SearchDocument

    docs = [
        SearchDocument(content_type_id=content_type.pk, object_id=1, title="甲", body="ab bcd", doc_type="t"),
        SearchDocument(content_type_id=content_type.pk, object_id=2, title="乙", body="路 灯", doc_type="t"),
    ]
    services.index_documents(docs)
    assert selectors.matching_keys("abcd") == set()
    assert selectors.matching_keys("路灯") == set()
    assert {o for _, o in selectors.matching_keys("bcd")} == {1}
    assert {o for _, o in selectors.matching_keys("路")} == {2}
