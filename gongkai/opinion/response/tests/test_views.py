"""The staff forms in the admin: assess, forward, respond, link a clarification; refusals; access."""

from __future__ import annotations

import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from gongkai.core.audit.models import AuditEvent
from gongkai.opinion.response.models import (
    CaseStatus,
    EventCase,
    Forwarding,
    Level,
    Response,
    ResponseKind,
)

from .conftest import HOUR, MINUTE, NOW

pytestmark = pytest.mark.django_db


def url(name, event):
    return reverse(f"opinion_response:{name}", args=[event.pk])


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


@pytest.fixture
def publish(tree):
    """``publish(title, at)``: a published 辟谣 page, first published at ``at``."""
    from gongkai.accounts import demo as accounts_demo
    from gongkai.publishing import demo as publishing_demo
    from gongkai.publishing import services as publishing
    from gongkai.publishing.models import DocumentIndexPage, RumorClarificationPage
    from gongkai.publishing.review.guard import review_bypass

    office = accounts_demo.load_departments()["bangongting"]
    publishing_demo.load_tree(stdout=io.StringIO())
    parent = DocumentIndexPage.objects.get(document_type="rumor")

    def make(title, at):
        page = RumorClarificationPage(
            title=title,
            department=office,
            rumor="网传松江路水源被投毒，全市停水。",
            facts="<p>经核实，系管线爆裂抢修停水，水质检测合格。</p>",
        )
        with review_bypass(reason="测试"):
            return publishing.document_save(page=page, parent=parent, publish=True, published_at=at)

    return make


def _assessed(login, users, tree, event, **extra):
    client = login(users["analyst"])
    data = {"level": Level.LARGER, "department": tree["water"].pk, "note": "停水影响居民", **extra}
    response = client.post(url("assess", event), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def test_assess_form_preselects_the_suggestion_and_assesses(clock, login, users, tree, make_event):
    event = make_event()  # district changyi: 属地 is the district's government
    client = login(users["analyst"])
    page = client.get(url("assess", event)).content.decode()
    assert f'<option value="{tree["district"].pk}" selected>' in page
    assert "属地" in page and "csrfmiddlewaretoken" in page

    response = client.post(
        url("assess", event),
        {"level": Level.MAJOR, "is_major_emergency": "on", "department": tree["district"].pk, "note": "紧急"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("opinion_workspace:event", args=[event.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["已保存研判。"]
    case = EventCase.objects.get(event=event)
    assert (case.status, case.level, case.is_major_emergency) == (CaseStatus.ASSESSED, Level.MAJOR, True)
    assert case.responsible_department == tree["district"] and case.assessed_by == users["analyst"]
    assert sorted(case.clocks.values_list("kind", flat=True)) == ["info", "press_conference"]
    assert AuditEvent.objects.filter(action="opinion_case.assess", actor=users["analyst"]).exists()

    # Reassessing: the form shows what was decided.
    page = client.get(url("assess", event)).content.decode()
    assert f'<option value="{Level.MAJOR}" selected>' in page and "紧急" in page


def test_assess_bad_input_shows_the_form_and_changes_nothing(clock, login, users, tree, make_event):
    event = make_event()
    client = login(users["analyst"])
    response = client.post(url("assess", event), {"level": "huge", "department": tree["water"].pk})
    assert response.status_code == 400
    assert "error-message" in response.content.decode()
    inactive = tree["school"]
    inactive.is_active = False
    inactive.save()
    response = client.post(url("assess", event), {"level": Level.GENERAL, "department": inactive.pk})
    assert response.status_code == 400
    assert not EventCase.objects.filter(event=event).exists()
    assert not AuditEvent.objects.filter(action__startswith="opinion_case.").exists()


def test_forward_form_forwards_and_shows_the_services_refusal(clock, login, users, tree, make_event):
    event = make_event()
    client = _assessed(login, users, tree, event)
    page = client.get(url("forward", event)).content.decode()
    assert f'<option value="{tree["water"].pk}" selected>' in page  # the responsible department

    data = {"department": tree["water"].pk, "deadline": "2026-06-01T15:00", "instructions": "请核实停水原因"}
    response = client.post(url("forward", event), data)
    assert response.status_code == 302
    forwarding = Forwarding.objects.get()
    assert forwarding.deadline == NOW + 6 * HOUR  # 15:00 in Jilin is 07:00 UTC
    assert forwarding.department == tree["water"] and forwarding.instructions == "请核实停水原因"
    assert EventCase.objects.get(event=event).status == CaseStatus.FORWARDED
    assert AuditEvent.objects.filter(action="opinion_forwarding.sent").count() == 1

    # The same department again, still unanswered: the service's message on the department field.
    response = client.post(url("forward", event), data)
    assert response.status_code == 400
    assert "已转办该单位，尚未答复。" in response.content.decode()
    # A deadline in the past.
    past = {**data, "department": tree["school"].pk, "deadline": "2026-06-01T08:00"}
    response = client.post(url("forward", event), past)
    assert response.status_code == 400 and "答复期限须晚于现在。" in response.content.decode()
    # An unknown work order.
    wrong = {**data, "department": tree["school"].pk, "deadline": "", "work_order": "NOPE-1"}
    response = client.post(url("forward", event), wrong)
    assert response.status_code == 400 and "NOPE-1" in response.content.decode()
    assert Forwarding.objects.count() == 1
    assert AuditEvent.objects.filter(action="opinion_forwarding.sent").count() == 1


def test_respond_form_records_a_response_and_refuses_bad_input(clock, login, users, tree, make_event):
    event = make_event()
    client = _assessed(login, users, tree, event)
    response = client.post(url("respond", event), {"kind": ResponseKind.DOCUMENT, "summary": "发布通报"})
    assert response.status_code == 400
    assert "发布文件须选择已发布的页面或填写链接。" in response.content.decode()
    response = client.post(url("respond", event), {"kind": ResponseKind.STATEMENT, "summary": ""})
    assert response.status_code == 400
    response = client.post(
        url("respond", event),
        {"kind": ResponseKind.STATEMENT, "summary": "x", "at": "2026-06-01T12:00"},  # in the future
    )
    assert response.status_code == 400 and "时间不能晚于现在。" in response.content.decode()
    assert not Response.objects.exists()

    response = client.post(
        url("respond", event),
        {
            "kind": ResponseKind.STATEMENT,
            "summary": "市水务局发布停水情况通报",
            "at": "2026-06-01T08:30",
            "url": "https://example.org/notice",
        },
    )
    assert response.status_code == 302
    recorded = Response.objects.get()
    assert recorded.at == NOW - 30 * MINUTE and recorded.url == "https://example.org/notice"
    case = EventCase.objects.get(event=event)
    assert case.status == CaseStatus.RESPONDED
    assert case.clocks.get().met_by == recorded
    assert AuditEvent.objects.filter(action="opinion_response.recorded").count() == 1


def test_clarification_form_links_a_published_clarification(clock, login, users, tree, make_event, publish):
    event = make_event()
    page = publish("关于“松江路水源被投毒”的辟谣", NOW - HOUR)
    client = login(users["analyst"])
    # Not a rumor yet: the service refuses, the form says why.
    response = client.post(url("clarify", event), {"page": page.pk})
    assert response.status_code == 400 and "该事件未被研判为谣言。" in response.content.decode()
    assert not EventCase.objects.filter(event=event, clarification__isnull=False).exists()

    _assessed(login, users, tree, event, is_rumor="on")
    event.refresh_from_db()
    assert event.is_rumor
    assert url("clarify", event) in client.get(url("respond", event)).content.decode()
    choices = client.get(url("clarify", event)).content.decode()
    assert f'<option value="{page.pk}">' in choices
    response = client.post(url("clarify", event), {"page": 10**9})
    assert response.status_code == 400
    response = client.post(url("clarify", event), {"page": page.pk})
    assert response.status_code == 302
    case = EventCase.objects.get(event=event)
    assert case.clarification_id == page.pk and case.status == CaseStatus.RESPONDED
    assert case.responses.get().page_id == page.pk
    assert AuditEvent.objects.filter(action="opinion_case.link_clarification").exists()


@pytest.mark.parametrize("who", ["clerk", "water", "leader"])
def test_others_get_403_and_change_nothing(clock, login, users, tree, make_event, who):
    event = make_event()
    client = login(users[who])
    for name in ("assess", "forward", "respond", "clarify"):
        assert client.get(url(name, event)).status_code == 403
    data = {"level": Level.GENERAL, "department": tree["water"].pk}
    assert client.post(url("assess", event), data).status_code == 403
    assert client.post(url("respond", event), {"kind": "statement", "summary": "x"}).status_code == 403
    assert not EventCase.objects.exists()


def test_missing_event_is_404(clock, login, users):
    client = login(users["analyst"])
    assert client.get(reverse("opinion_response:assess", args=[999999])).status_code == 404


def test_the_event_page_shows_the_buttons(clock, login, users, make_event):
    event = make_event()
    page = login(users["analyst"]).get(reverse("opinion_workspace:event", args=[event.pk])).content.decode()
    for name in ("assess", "forward", "respond"):
        assert f'href="{url(name, event)}"' in page
