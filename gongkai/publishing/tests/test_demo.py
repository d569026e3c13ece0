import io

import pytest
from django.utils import timezone

from gongkai.publishing import demo
from gongkai.publishing.models import (
    CatalogueEntry,
    DocumentType,
    EmergencyEventPage,
    PolicyDocumentPage,
)

pytestmark = pytest.mark.django_db


def test_requirement_header_is_parsed():
    parsed = demo.parse_requirement(demo.REQUIREMENT_FILE.read_text(encoding="utf-8"))
    assert parsed["index_number"] == "11220200795219742W/2014-09752"
    assert parsed["document_number"] == "吉市政办发(2014)2号"
    assert parsed["written_on"] == parsed["published_at"] == "2014年02月17日"
    assert parsed["category"] == "政务服务和数字化建设管理" and parsed["genre"] == "意见"
    assert parsed["body"].startswith("各县(市)区人民政府")
    assert "公众防范措施和调查处理结果" in parsed["body"]  # a sentence broken by a page break is joined


def test_demo_loads_every_type_and_is_idempotent(client, departments, settings):
    from gongkai.core.outbox.models import OutboxMessage
    from gongkai.publishing.channels.models import ChannelRelease

    settings.GONGKAI_RELEASE_CHANNELS = ["weibo", "wechat_mp"]
    demo.load(stdout=io.StringIO())
    # Imported historical documents are recorded on the website only, never posted to Weibo/WeChat.
    assert ChannelRelease.objects.filter(channel="website").count() >= 25
    assert not ChannelRelease.objects.exclude(channel="website").exists()
    assert not OutboxMessage.objects.filter(channel__in=["weibo", "wechat_mp"]).exists()
    requirement = PolicyDocumentPage.objects.get(index_number="11220200795219742W/2014-09752")
    assert requirement.live and requirement.document_number == "吉市政办发〔2014〕2号"
    assert requirement.department.code == "jilin" and requirement.written_on.isoformat() == "2014-02-17"
    assert timezone.localdate(requirement.first_published_at).isoformat() == "2014-02-17"
    html = client.get(requirement.url).content.decode()
    assert "11220200795219742W/2014-09752" in html and "2014年02月17日" in html
    public = CatalogueEntry.objects.filter(is_public=True)
    assert {entry.doc_type for entry in public} == set(DocumentType.values)
    assert public.count() >= 25
    assert EmergencyEventPage.objects.filter(is_open=True, live=True).exists()
    assert PolicyDocumentPage.objects.filter(validity="amended", changed_by__isnull=False).exists()
    assert CatalogueEntry.objects.filter(is_public=False, disclosure_attribute="withheld").exists()
    revisions = requirement.revisions.count()
    before = CatalogueEntry.objects.count()
    demo.load(stdout=io.StringIO())
    assert CatalogueEntry.objects.count() == before
    assert requirement.revisions.count() == revisions
