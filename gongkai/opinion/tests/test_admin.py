"""The configuration views in the staff admin: sources and vendors' clients (the key shown once)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from gongkai.accounts.services import staff_user_upsert
from gongkai.opinion import services
from gongkai.opinion.models import IngestClient, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(db):
    user, _ = staff_user_upsert(username="admin", password=None, department=None, roles=["administrator"])
    return user


def test_an_administrator_creates_a_client_and_sees_its_key_once(client, administrator, source):
    client.force_login(administrator)
    assert client.get("/admin/opinion/ingest-clients/").status_code == 200
    response = client.post(
        "/admin/opinion/ingest-clients/new/",
        {
            "name": "甲公司",
            "source": source.pk,
            "per_minute_quota": 500,
            "per_day_quota": 100000,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    key = message.rsplit("：", 1)[1].split()[0]
    created = IngestClient.objects.get(name="甲公司")
    assert services.ingest_client_authenticate(key) == created and created.per_minute_quota == 500
    assert key in client.get("/admin/opinion/ingest-clients/").content.decode()  # the page after saving
    assert key not in client.get("/admin/opinion/ingest-clients/").content.decode()  # and never again
    edit = client.post(
        f"/admin/opinion/ingest-clients/edit/{created.pk}/",
        {"name": "甲公司", "per_minute_quota": 50, "per_day_quota": 1000},
    )
    assert edit.status_code == 302
    created.refresh_from_db()
    assert created.per_minute_quota == 50 and not created.active and created.source == source


def test_an_administrator_adds_a_source(client, administrator):
    client.force_login(administrator)
    response = client.post(
        "/admin/opinion/sources/new/",
        {"code": "rss-jlnews", "name": "江城日报", "kind": "rss", "url": "https://example.org/rss", "enabled": "on",
         "config": "{}"},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    assert Source.objects.get(code="rss-jlnews").kind == "rss"


def test_analysts_see_the_sources_but_not_the_clients(client, analyst, source):
    client.force_login(analyst)
    assert client.get("/admin/opinion/sources/").status_code == 200
    assert client.get("/admin/opinion/sources/new/").status_code in (302, 403)
    assert client.get("/admin/opinion/ingest-clients/").status_code in (302, 403)
    assert not Source.objects.exclude(pk=source.pk).exists()
