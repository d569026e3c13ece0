"""The disclosure API: public submission and lookup, staff steps, isolation, masking, errors."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from gongkai.core.audit.models import AuditEvent
from gongkai.disclosure.models import Application, ReviewCase
from gongkai.disclosure.tests.conftest import COMPLETE_APPLICATION

pytestmark = pytest.mark.django_db

BASE = "/api/v1/disclosure"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def post(client, path, data=None, **extra):
    return client.post(BASE + path, data or {}, content_type="application/json", **extra)


def public_payload(**overrides):
    return {**COMPLETE_APPLICATION, "department": "dept-a", **overrides}


def test_public_submit_and_lookup(client, tree, clock):
    response = post(client, "/applications", public_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tracking_number"] == "YSQ2026-000001" and len(body["query_code"]) == 6
    assert body["status"] == "registered" and body["reply_due_on"] == "2026-06-30"
    lookup = post(
        client,
        "/applications/lookup",
        {"tracking_number": body["tracking_number"], "query_code": body["query_code"]},
    )
    assert lookup.status_code == 200, lookup.content
    view = lookup.json()
    assert view["status"] == "registered" and view["reply_due_on"] == "2026-06-30"
    assert view["timeline"][0]["action"] == "submitted"
    assert "张三" not in lookup.content.decode() and "13800000001" not in lookup.content.decode()
    wrong = post(
        client, "/applications/lookup", {"tracking_number": body["tracking_number"], "query_code": "x"}
    )
    assert wrong.status_code == 404 and wrong.json()["code"] == "not_found"


def test_incomplete_application_is_accepted_with_the_correction_listed(client, tree, clock):
    response = post(client, "/applications", public_payload(id_number="", description=""))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "correction"
    assert len(body["missing_items"]) == 2 and "补正" in body["message"]
    view = post(
        client,
        "/applications/lookup",
        {"tracking_number": body["tracking_number"], "query_code": body["query_code"]},
    ).json()
    assert view["missing_items"] == ["id_number", "description"]
    assert view["missing_item_labels"][0].startswith("申请人身份证明")
    assert view["reply_due_on"] is None and view["applicant_due_on"] == "2026-06-23"
    assert [entry["action"] for entry in view["timeline"]] == ["submitted", "correction_requested"]


def test_public_errors_are_422_with_chinese_messages_and_never_500(client, tree, clock):
    bad = post(client, "/applications", public_payload(phone="2345"))
    assert bad.status_code == 422 and "phone" in bad.json()["details"]
    assert post(client, "/applications", public_payload(department="nowhere")).status_code == 422
    assert post(client, "/applications", public_payload(extra="x")).status_code == 422
    assert post(client, "/applications", public_payload(channel="post")).status_code == 422
    malformed = client.post(BASE + "/applications", "{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["code"] == "malformed_json"
    english = post(client, "/applications", public_payload(email="bad"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 422
    assert not Application.objects.exists()


def test_lookups_are_limited_after_failures(client, tree, clock, settings):
    settings.GONGKAI_DISCLOSURE_LOOKUP_RATE = "1000/m"
    for _ in range(10):
        post(client, "/applications/lookup", {"tracking_number": "YSQ2026-000001", "query_code": "000000"})
    blocked = post(
        client, "/applications/lookup", {"tracking_number": "YSQ2026-000001", "query_code": "000000"}
    )
    assert blocked.status_code == 429


def test_submissions_are_rate_limited(client, tree, clock, settings):
    settings.GONGKAI_DISCLOSURE_SUBMIT_RATE = "2/m"
    assert post(client, "/applications", public_payload()).status_code == 201
    assert post(client, "/applications", public_payload()).status_code == 201
    assert post(client, "/applications", public_payload()).status_code == 429


def test_staff_need_login_and_see_only_their_department(client, walk_application, tree, users):
    mine = walk_application("handling")
    theirs = walk_application("handling", department=tree["dept_b"], applicant_name="李四")
    assert client.get(BASE + "/applications").status_code == 401
    client.force_login(users["clerk_a"])
    listing = client.get(BASE + "/applications").json()
    assert [row["tracking_number"] for row in listing["results"]] == [mine.tracking_number]
    assert listing["results"][0]["applicant_name"] == "张*"
    assert client.get(f"{BASE}/applications/{theirs.pk}").status_code == 404
    assert post(client, f"/applications/{theirs.pk}/accept").status_code == 404
    assert client.get(f"{BASE}/applications/99999999999999999999999").status_code in (404, 422)


def test_detail_unmasked_for_identity_holders_is_audited(client, walk_application, users):
    app = walk_application("handling")
    client.force_login(users["clerk_a"])
    detail = client.get(f"{BASE}/applications/{app.pk}").json()
    assert detail["applicant"]["masked"] is False
    assert detail["applicant"]["id_number"] == COMPLETE_APPLICATION["id_number"]
    assert detail["clock"]["due_on"] == "2026-06-30" and detail["clock"]["remaining"] == 20
    assert {a["name"] for a in detail["actions"]} >= {"reply", "consult", "request_extension"}
    assert AuditEvent.objects.filter(kind="personal_data_view", target_id=str(app.pk)).count() == 1


def test_detail_masked_without_identity_permission(client, walk_application, users):
    app = walk_application("handling")
    viewer = users["clerk_a"]
    from django.contrib.auth.models import Permission

    # A user with the view right only (e.g. an inspector): masked, nothing audited.
    viewer = users["handler_a"]
    viewer.user_permissions.add(Permission.objects.get(codename="view_application"))
    from django.contrib.auth import get_user_model

    viewer = get_user_model().objects.get(pk=viewer.pk)
    client.force_login(viewer)
    response = client.get(f"{BASE}/applications/{app.pk}")
    assert response.status_code == 200, response.content
    applicant = response.json()["applicant"]
    assert applicant["masked"] is True and applicant["phone"] == "138****0001"
    assert COMPLETE_APPLICATION["id_number"] not in response.content.decode()
    assert not AuditEvent.objects.filter(kind="personal_data_view").exists()


def test_staff_walk_through_the_steps(client, walk_application, users, clock):
    app = walk_application("registered")
    client.force_login(users["clerk_a"])
    assert post(client, f"/applications/{app.pk}/review", {}).json()["status"] == "reviewing"
    assert post(client, f"/applications/{app.pk}/accept").json()["status"] == "handling"
    consultation = post(
        client, f"/applications/{app.pk}/consultations", {"kind": "agency", "party_name": "市财政局"}
    )
    assert consultation.status_code == 201
    refused = post(
        client,
        f"/applications/{app.pk}/reply",
        {"reply_type": "disclosed", "ground": "disclosed", "body": "见附件"},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "consultation_open"
    answered = post(
        client,
        f"/applications/{app.pk}/consultations/{consultation.json()['id']}/answer",
        {"answer": "consent"},
    )
    assert answered.status_code == 200
    extension = post(client, f"/applications/{app.pk}/extension-request", {"days": 10, "reason": "档案调取"})
    assert extension.status_code == 201
    assert (
        post(client, f"/applications/{app.pk}/extension-request", {"days": 30, "reason": "x"}).status_code
        == 422
    )
    own = post(client, f"/applications/{app.pk}/extension-decision", {"approve": True})
    assert own.status_code == 403  # a clerk may not approve
    client.force_login(users["office_head"])
    approved = post(client, f"/applications/{app.pk}/extension-decision", {"approve": True})
    assert approved.status_code == 200 and approved.json()["reply_due_on"] == "2026-07-14"
    client.force_login(users["clerk_a"])
    wrong = post(
        client,
        f"/applications/{app.pk}/reply",
        {"reply_type": "withheld", "ground": "disclosed", "body": "不予公开"},
    )
    assert wrong.status_code == 409 and wrong.json()["code"] == "ground_not_allowed"
    future = post(
        client,
        f"/applications/{app.pk}/reply",
        {"reply_type": "disclosed", "ground": "disclosed", "body": "见附件", "replied_on": "2026-06-02"},
    )
    assert future.status_code == 422 and "replied_on" in future.json()["details"]
    replied = post(
        client,
        f"/applications/{app.pk}/reply",
        {"reply_type": "disclosed", "ground": "disclosed", "body": "见附件"},
    )
    assert replied.json()["status"] == "replied"
    assert post(client, f"/applications/{app.pk}/delivery", {"channel": "email"}).status_code == 200
    archived = post(client, f"/applications/{app.pk}/archive")
    assert archived.json()["status"] == "archived" and archived.json()["actions"] == []
    timeline = client.get(f"{BASE}/applications/{app.pk}/timeline").json()
    assert [entry["action"] for entry in timeline][-3:] == ["replied", "delivered", "archived"]


def test_register_offline_application(client, tree, users, clock):
    client.force_login(users["clerk_a"])
    payload = {**public_payload(), "channel": "post", "received_on": "2026-05-29"}
    response = post(client, "/applications/register", payload)
    assert response.status_code == 201, response.content
    assert response.json()["received_on"] == "2026-05-29"
    missing = post(client, "/applications/register", {**payload, "received_on": None})
    assert missing.status_code == 422
    other = post(client, "/applications/register", {**payload, "department": "dept-b"})
    assert other.status_code == 403


def test_clock_board(client, walk_application, users):
    walk_application("correction")
    client.force_login(users["office"])
    board = client.get(BASE + "/clock-board").json()
    assert {bucket["key"]: bucket["count"] for bucket in board}["waiting_applicant"] == 1
    client.force_login(users["handler_a"])
    assert client.get(BASE + "/clock-board").status_code == 403


def test_review_cases_crud(client, walk_application, users, tree):
    app = walk_application("replied")
    client.force_login(users["clerk_a"])
    payload = {
        "department": "dept-a",
        "kind": "reconsideration",
        "body": "吉林市人民政府",
        "filed_on": "2026-06-01",
        "application": app.tracking_number,
    }
    before_receipt = post(client, "/review-cases", {**payload, "filed_on": "2026-05-29"})
    assert before_receipt.status_code == 422 and "filed_on" in before_receipt.json()["details"]
    created = post(client, "/review-cases", payload)
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    bad = post(client, "/review-cases", {**payload, "outcome": "upheld"})
    assert bad.status_code == 422
    updated = client.put(
        f"{BASE}/review-cases/{case_id}",
        {**payload, "outcome": "upheld", "concluded_on": "2026-06-01"},
        content_type="application/json",
    )
    assert updated.status_code == 200 and updated.json()["outcome_label"] == "结果维持"
    assert [c["id"] for c in client.get(BASE + "/review-cases?year=2026").json()] == [case_id]
    assert client.delete(f"{BASE}/review-cases/{case_id}").status_code == 403
    client.force_login(users["clerk_b"])
    assert client.get(f"{BASE}/review-cases/{case_id}").status_code == 404
    assert ReviewCase.objects.count() == 1
    assert datetime.date(2026, 6, 1) == ReviewCase.objects.get().concluded_on
