"""新媒体留言 through its whole life: escalate to a department (deadline, outbox, audit), answer,
the transition matrix, the API filters and the workspace actions."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gongkai.core.audit.models import AuditEvent
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.hotline import selectors, services
from gongkai.hotline.models import InboundMessage, InboundStatus
from gongkai.hotline.workflow import INBOUND_GRAPH

from .conftest import TZ
from .test_api_orders import api, superuser  # noqa: F401 - the fixtures

pytestmark = pytest.mark.django_db

MESSAGE = {
    "channel": "weibo",
    "external_id": "wb-7001",
    "sender_name": "微博网友",
    "sender_handle": "@吉林小李",
    "sender_phone": "13812345678",
    "text": "学校门口早晚高峰拥堵，希望增派交警。",
}


def _record(**extra):
    message, _ = services.inbound_message_record(**{**MESSAGE, **extra})
    return message


def _escalate(message, users, tree, **extra):
    values = {"actor": users["operator"], "department": tree["dept_a"], "note": "请在微博回复网友", **extra}
    return services.inbound_message_escalate(message=message, **values)


def test_escalate_sets_deadline_in_working_days_notifies_and_audits(
    clock, users, tree, django_capture_on_commit_callbacks
):
    message = _record()
    message = _escalate(message, users, tree, days=3)
    assert message.status == InboundStatus.ESCALATED and message.escalated_to == tree["dept_a"]
    assert message.escalated_by == users["operator"] and message.escalation_note == "请在微博回复网友"
    # START is Monday 2026-06-01: three working days later is Thursday, to the end of that day.
    assert message.due_at.astimezone(TZ).date() == datetime.date(2026, 6, 4)
    assert message.due_rule == "3 个工作日内答复"
    outbox = OutboxMessage.objects.filter(
        idempotency_key__startswith=f"hotline:inbound:{message.pk}:escalated"
    )
    assert {m.channel for m in outbox} == {"email", "sms"}  # handler_a has both
    assert {m.recipient for m in outbox} == {"ha@example.org", "13900000001"}
    event = AuditEvent.objects.get(action="inboundmessage.escalate")
    assert event.old_values["status"] == "new" and event.new_values["status"] == "escalated"
    assert event.actor == users["operator"] and event.note == "请在微博回复网友"


def test_default_deadline_and_re_escalation(clock, users, tree, settings):
    settings.GONGKAI_HOTLINE_INBOUND_ESCALATION_DAYS = 5
    message = _escalate(_record(), users, tree)
    assert message.due_rule == "5 个工作日内答复"
    again = _escalate(message, users, tree, department=tree["dept_b"], note="改由教育局答复", days=1)
    assert again.escalated_to == tree["dept_b"] and again.due_at.astimezone(TZ).date() == datetime.date(
        2026, 6, 2
    )
    assert AuditEvent.objects.filter(action="inboundmessage.escalate").count() == 2


@pytest.mark.parametrize(
    "bad",
    [{"note": ""}, {"note": "x\x00"}, {"days": 0}, {"days": 31}, {"days": "3"}, {"days": True}],
)
def test_bad_escalation_changes_nothing(clock, users, tree, bad):
    message = _record()
    with pytest.raises(ValidationError):
        _escalate(message, users, tree, **bad)
    message.refresh_from_db()
    assert message.status == InboundStatus.NEW and message.escalated_to is None
    assert (
        not OutboxMessage.objects.exists()
        and not AuditEvent.objects.filter(action__contains="escalate").exists()
    )


def test_inactive_department_is_refused(clock, users, tree):
    tree["dept_b"].is_active = False
    tree["dept_b"].save()
    with pytest.raises(ValidationError):
        _escalate(_record(), users, tree, department=tree["dept_b"])


def test_department_answers_what_was_handed_to_it(clock, users, tree):
    message = _escalate(_record(), users, tree)
    with pytest.raises(TransitionNotAllowed):
        services.inbound_message_answer(message=message, actor=users["handler_b"], reason="不是我们的")
    with pytest.raises(ValidationError):
        services.inbound_message_answer(message=message, actor=users["handler_a"], reason="")
    message = services.inbound_message_answer(
        message=message, actor=users["handler_a"], reason="已在微博回复，交警已增派警力。"
    )
    assert message.status == InboundStatus.ANSWERED and message.handled_by == users["handler_a"]
    assert message.note == "已在微博回复，交警已增派警力。"
    assert AuditEvent.objects.get(action="inboundmessage.answer").actor == users["handler_a"]
    # A handler may not answer a message nobody handed to them.
    fresh = _record(external_id="wb-7002")
    with pytest.raises(TransitionNotAllowed):
        services.inbound_message_answer(message=fresh, actor=users["handler_a"], reason="x")
    assert services.inbound_message_answer(
        message=fresh, actor=users["operator"], reason="已回复"
    ).status == (InboundStatus.ANSWERED)


ACTIONS = {
    "convert": lambda m, u, t: services.inbound_message_convert(message=m, actor=u["operator"]),
    "ignore": lambda m, u, t: services.inbound_message_ignore(message=m, actor=u["operator"], reason="广告"),
    "escalate": lambda m, u, t: _escalate(m, u, t),
    "answer": lambda m, u, t: services.inbound_message_answer(
        message=m, actor=u["operator"], reason="已回复"
    ),
}
ALLOWED = {(t.name, s) for t in INBOUND_GRAPH.transitions for s in t.source}


def _to(state, users, tree, n):
    message = _record(external_id=f"wb-m{n}")
    if state == InboundStatus.NEW:
        return message
    if state == InboundStatus.ESCALATED:
        return _escalate(message, users, tree)
    if state == InboundStatus.ANSWERED:
        ACTIONS["answer"](message, users, tree)
    elif state == InboundStatus.IGNORED:
        ACTIONS["ignore"](message, users, tree)
    else:
        ACTIONS["convert"](message, users, tree)
    message.refresh_from_db()
    return message


@pytest.mark.parametrize("state", list(InboundStatus))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transition_matrix(clock, users, tree, state, action):
    message = _to(state, users, tree, f"{state}-{action}")
    if (action, state) in ALLOWED:
        ACTIONS[action](message, users, tree)
        return
    if action == "convert" and state == InboundStatus.CONVERTED:
        return  # converting again answers the same order: covered in test_inbound_messages
    before = (
        InboundMessage.objects.get(pk=message.pk).status,
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )
    with pytest.raises(TransitionNotAllowed):
        ACTIONS[action](message, users, tree)
    after = (
        InboundMessage.objects.get(pk=message.pk).status,
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )
    assert before == after


def test_selector_scope_and_filters(clock, users, tree):
    handed = _escalate(_record(), users, tree, days=1)
    other = _record(external_id="wb-7003", text="公交站牌损坏。", channel="wechat", sender_handle="wx-u2")
    assert set(selectors.inbound_messages_visible(users["handler_a"])) == {handed}
    assert not selectors.inbound_messages_visible(users["handler_b"]).exists()
    assert set(selectors.inbound_messages_visible(users["leader"])) == {handed, other}
    op = users["operator"]
    assert list(selectors.inbound_messages_for(op, department_id=tree["dept_a"].pk)) == [handed]
    assert list(selectors.inbound_messages_for(op, channel="wechat")) == [other]
    assert list(selectors.inbound_messages_for(op, q="公交")) == [other]
    assert list(selectors.inbound_messages_for(op, q="吉林小李")) == [handed]
    later = handed.due_at + datetime.timedelta(minutes=1)
    assert list(selectors.inbound_messages_for(op, overdue=True, now=later)) == [handed]
    assert list(selectors.inbound_messages_for(op, overdue=False, now=later)) == [other]
    assert not selectors.inbound_messages_for(op, overdue=True).exists()
    day = datetime.date(2026, 6, 1)
    assert selectors.inbound_messages_for(op, received_from=day, received_to=day).count() == 2
    assert not selectors.inbound_messages_for(op, received_from=day + datetime.timedelta(days=1)).exists()


def test_api_escalate_answer_filters_and_permissions(clock, api, users, tree):  # noqa: F811
    message = _record()
    url = f"/inbound-messages/{message.pk}"
    assert (
        api("handler_a").post(f"{url}/escalate", {"department": "dept-a", "note": "请回复"}).status_code
        == 404
    )
    assert (
        api("leader").post(f"{url}/escalate", {"department": "dept-a", "note": "请回复"}).status_code == 403
    )
    bad = api("operator").post(f"{url}/escalate", {"department": "nope", "note": "请回复"})
    assert bad.status_code == 422
    assert (
        api("operator").post(f"{url}/escalate", {"department": "dept-a", "note": "x", "days": 99}).status_code
        == 422
    )
    assert (
        api("operator").post(f"{url}/escalate", {"department": "dept-a", "note": "x", "extra": 1}).status_code
        == 422
    )
    done = api("operator").post(
        f"{url}/escalate", {"department": "dept-a", "note": "请在微博回复", "days": 2}
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "escalated" and body["escalated_to"]["code"] == "dept-a"
    assert body["due_rule"] == "2 个工作日内答复" and body["is_overdue"] is False

    listed = api("handler_a").get("/inbound-messages").json()
    assert listed["count"] == 1 and listed["results"][0]["sender_phone"] == "138****5678"
    assert api("handler_b").get("/inbound-messages").json()["count"] == 0
    assert api("operator").get("/inbound-messages", {"department": "dept-a"}).json()["count"] == 1
    assert api("operator").get("/inbound-messages", {"department": "dept-b"}).json()["count"] == 0
    assert api("operator").get("/inbound-messages", {"department": "nope"}).status_code == 422
    assert api("operator").get("/inbound-messages", {"overdue": "true"}).json()["count"] == 0
    assert api("operator").get("/inbound-messages", {"q": "交警"}).json()["count"] == 1
    assert api("operator").get("/inbound-messages", {"received_from": "2026-13-01"}).status_code == 422
    assert api("handler_a").get(url).status_code == 200
    assert api("handler_b").get(url).status_code == 404

    assert api("handler_b").post(f"{url}/answer", {"reason": "已回复"}).status_code == 404
    answered = api("handler_a").post(f"{url}/answer", {"reason": "已在微博回复网友"})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    again = api("handler_a").post(f"{url}/answer", {"reason": "再次"})
    assert again.status_code == 409
    assert api("operator").post(
        "/inbound-messages/99999999999999999999999/answer", {"reason": "x"}
    ).status_code in (404, 422)
    assert api("anonymous").get(url).status_code == 401


def test_workspace_escalate_and_department_answers(clock, client, users, tree):
    message = _record()
    client.force_login(users["operator"])
    page = client.get(reverse("hotline_workspace:inbound")).content.decode()
    assert "转交单位" in page and "学校门口" in page
    response = client.post(
        reverse("hotline_workspace:inbound_act", args=[message.pk, "escalate"]),
        {
            f"m{message.pk}-department": tree["dept_a"].pk,
            f"m{message.pk}-note": "请回复网友",
            f"m{message.pk}-days": "2",
        },
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == InboundStatus.ESCALATED and message.escalated_to == tree["dept_a"]
    filtered = client.get(
        reverse("hotline_workspace:inbound"), {"department": tree["dept_b"].pk}
    ).content.decode()
    assert "学校门口" not in filtered

    client.force_login(users["handler_b"])
    assert "学校门口" not in client.get(reverse("hotline_workspace:inbound")).content.decode()
    client.force_login(users["handler_a"])
    page = client.get(reverse("hotline_workspace:inbound")).content.decode()
    assert "学校门口" in page and "登记已答复" in page and "转为工单</summary>" not in page
    refused = client.post(
        reverse("hotline_workspace:inbound_act", args=[message.pk, "ignore"]), {f"m{message.pk}-reason": "x"}
    )
    assert refused.status_code == 403
    client.post(
        reverse("hotline_workspace:inbound_act", args=[message.pk, "answer"]),
        {f"m{message.pk}-reason": "已在微博回复"},
    )
    message.refresh_from_db()
    assert message.status == InboundStatus.ANSWERED and message.handled_by == users["handler_a"]


def test_docs_page_draws_the_graph_of_the_code():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[3] / "docs" / "workflows" / "inbound-messages.md"
    assert "```mermaid\n" + INBOUND_GRAPH.to_mermaid() + "\n```" in doc.read_text(encoding="utf-8"), (
        "docs/workflows/inbound-messages.md is out of date: paste INBOUND_GRAPH.to_mermaid()"
    )
