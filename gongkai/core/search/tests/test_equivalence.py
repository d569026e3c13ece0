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


@pytest.mark.parametrize(
    ("walk_rows", "probe_rows"),
    [(5000, 5000), (0, 0)],  # the newest-first walk and the probe; their fallbacks (sort, indexes)
)
def test_large_result_sets_are_newest_first_undated_last(content_type, monkeypatch, walk_rows, probe_rows):
    import datetime

    from gongkai.core.search import storage

    monkeypatch.setattr(storage, "RANK_LIMIT", 12)
    monkeypatch.setattr(storage, "PROBE_SAMPLE", min(40, probe_rows))
    monkeypatch.setattr(storage, "PROBE_ROWS", probe_rows)
    monkeypatch.setattr(storage, "WALK_ROWS", walk_rows)
    monkeypatch.setattr(storage, "WALK_ROWS_PER_HIT", 0 if walk_rows == 0 else 100)
    docs = make_corpus(content_type.pk, 300)
    rng = random.Random(5)
    for d in docs:
        d.date = (
            None if rng.random() < 0.2 else datetime.date(2020, 1, 1) + datetime.timedelta(rng.randrange(60))
        )
    services.index_documents(docs)
    by_id = {d.object_id: d for d in docs}

    def newest(object_id: int) -> tuple:
        date = by_id[object_id].date
        return (date is None, -(date.toordinal() if date else 0), -object_id)

    for query in ["灯", "路灯", "区", "松花江", "吉林市", "12345", "jilin", "江 区"]:
        expected = sorted(like_scan(docs, query), key=newest)
        assert len(expected) > 12, query
        for offset in (0, 10):
            results = selectors.search(query, offset=offset, limit=7)
            assert (results.total, results.total_is_exact) == (13, False), query
            assert [h.object_id for h in results.hits] == expected[offset : offset + 7], query
