"""Fixtures: a source, a vendor's client with its key, staff with and without the analyst role, posts."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from gongkai.accounts.services import staff_user_upsert
from gongkai.opinion.analysis.types import RawPost
from gongkai.opinion.models import Source, SourceKind

NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_pipeline_and_quotas():
    """Each test starts with a new process pipeline (no events, no dedupe window) and no quota used."""
    from gongkai.opinion import pipeline as pipelines

    pipelines.worker_pipeline_reset()
    cache.clear()
    yield
    pipelines.worker_pipeline_reset()
    cache.clear()


@pytest.fixture
def source(db):
    return Source.objects.create(code="vendor-a", name="数据服务商甲", kind=SourceKind.VENDOR)


@pytest.fixture
def client_and_key(source):
    from gongkai.opinion import services

    return services.ingest_client_create(
        name="甲公司", source=source, per_minute_quota=1000, per_day_quota=5000
    )


@pytest.fixture
def bearer(client_and_key):
    return {"HTTP_AUTHORIZATION": f"Bearer {client_and_key[1]}"}


@pytest.fixture
def analyst(db):
    user, _ = staff_user_upsert(username="analyst", password=None, department=None, roles=["opinion_analyst"])
    return user


@pytest.fixture
def clerk(db):
    user, _ = staff_user_upsert(username="clerk", password=None, department=None, roles=["operator"])
    return user


def raw(
    external_id: str,
    text: str = "松江路停水三天了，什么时候恢复供水？",
    *,
    source: str = "vendor-a",
    minutes: int = 0,
    **extra,
):
    return RawPost(
        source=source,
        external_id=external_id,
        text=text,
        published_at=NOW + datetime.timedelta(minutes=minutes),
        **extra,
    )
