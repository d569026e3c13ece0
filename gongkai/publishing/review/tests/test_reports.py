"""The 20-working-day report and job, the sensitive-word pre-check, Art. 18 re-reviews, the API."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.workcalendar.selectors import add_working_days
from gongkai.publishing.review import selectors
from gongkai.publishing.review.models import DeadlineNotice, ReReview, SensitiveWord
from gongkai.publishing.review.precheck import precheck_page, precheck_text
from gongkai.publishing.review.services import ReviewRefused, rereview_record
from gongkai.publishing.review.services_notify import deadlines_notify

from .conftest import act, reload, submit

pytestmark = pytest.mark.django_db

FORMED = datetime.date(2026, 9, 25)  # a Friday before the National Day holidays


def test_working_days_follow_the_calendar(make_document):
    doc = make_document("announcement", formed_at=FORMED)
    day15 = add_working_days(start=FORMED, days=15)
    day14 = add_working_days(start=FORMED, days=14)
    # The National Day week is not counted: 15 working days take more than three calendar weeks.
    assert (day15 - FORMED).days > 21
    assert selectors.deadline_rows(today=day14) == []
    [row] = selectors.deadline_rows(today=day15)
    assert (row.page_id, row.working_days, row.status) == (doc.pk, 15, "approaching")
    assert row.due_on == add_working_days(start=FORMED, days=20)
    [row] = selectors.deadline_rows(today=add_working_days(start=FORMED, days=20))
    assert row.status == "approaching"  # the 20th working day is still in time
    [row] = selectors.deadline_rows(today=add_working_days(start=FORMED, days=21))
    assert (row.working_days, row.status) == (21, "overdue")


def test_published_and_non_proactive_documents_are_not_reported(make_document, users):
    published = make_document("announcement", formed_at=FORMED)
    submit(published, users["drafter"])
    act(published, users["reviewer"], "approve")
    make_document(
        "announcement", formed_at=FORMED, disclosure_attribute="withheld", legal_ground="art16_process"
    )
    assert selectors.deadline_rows(today=add_working_days(start=FORMED, days=30)) == []


def test_notices_go_once_per_document_and_threshold(make_document, users):
    doc = make_document("announcement", formed_at=FORMED)
    day16 = add_working_days(start=FORMED, days=16)
    assert deadlines_notify(today=day16) == {"approaching": 1, "overdue": 0}
    assert deadlines_notify(today=day16) == {"approaching": 0, "overdue": 0}
    day22 = add_working_days(start=FORMED, days=22)
    assert deadlines_notify(today=day22) == {"approaching": 0, "overdue": 1}
    assert deadlines_notify(today=day22) == {"approaching": 0, "overdue": 0}
    assert set(DeadlineNotice.objects.filter(page_id=doc.pk).values_list("threshold", flat=True)) == {15, 20}
    messages = OutboxMessage.objects.filter(idempotency_key__startswith="publishing-review:deadline:")
    assert messages.count() == 2
    assert all("disclosure@example.gov.cn" in m.recipient for m in messages)


def test_deadline_report_view_and_api(make_document, users, client):
    make_document("announcement", formed_at=datetime.date(2026, 1, 5))
    client.force_login(users["disclosure"])
    response = client.get("/admin/publishing-review/deadlines/")
    assert response.status_code == 200
    assert "已超期" in response.content.decode()
    response = client.get("/api/v1/publishing/overdue")
    assert response.status_code == 200
    [row] = response.json()
    assert row["status"] == "overdue" and row["working_days"] > 20
    assert client.get("/api/v1/publishing/overdue?status=approaching").json() == []

    client.force_login(users["drafter"])
    assert client.get("/api/v1/publishing/overdue").status_code == 403
    assert client.get("/admin/publishing-review/deadlines/").status_code in (302, 403)


# --- Sensitive words ------------------------------------------------------------------------------


def test_precheck_finds_words_with_context_most_severe_first(make_document):
    SensitiveWord.objects.create(word="机密", category="secrecy", severity="high")
    SensitiveWord.objects.create(word="内部资料", category="secrecy", severity="medium")
    SensitiveWord.objects.create(word="身份证号", category="personal", severity="high")
    SensitiveWord.objects.create(word="停用词", severity="high", active=False)
    result = precheck_text(text="本文件为内部资料，附件含机密信息和停用词。")
    assert [hit.word for hit in result.hits] == ["机密", "内部资料"]
    [high] = result.high
    assert high.before.endswith("附件含") and high.after.startswith("信息")
    assert result.counts == {"high": 1, "medium": 1, "low": 0}

    doc = make_document("announcement", body="<p>请勿外传：机密。联系人身份证号见附件。</p>")
    assert {hit.word for hit in precheck_page(page=doc).high} == {"机密", "身份证号"}


def test_precheck_follows_list_changes():
    word = SensitiveWord.objects.create(word="绝密", severity="high")
    assert precheck_text(text="绝密文件").hits
    word.active = False
    word.save()
    assert not precheck_text(text="绝密文件").hits


def test_reviewer_modal_shows_high_hits(make_document, users, client):
    SensitiveWord.objects.create(word="机密", category="secrecy", severity="high")
    doc = make_document("announcement", body="<p>此件含机密内容。</p>")
    submit(doc, users["drafter"])
    task_state = reload(doc).current_workflow_task_state
    client.force_login(users["reviewer"])
    response = client.get(f"/admin/pages/workflow/action/{doc.pk}/approve/{task_state.pk}/")
    assert response.status_code == 200
    html = response.json()["html"]
    assert "敏感词预检" in html and "<mark>机密</mark>" in html


# --- Art. 18 re-review ----------------------------------------------------------------------------


def test_rereview_queue_and_decision(make_document, users):
    withheld = make_document(
        "announcement",
        formed_at=datetime.date(2025, 6, 1),
        disclosure_attribute="withheld",
        legal_ground="art16_process",
    )
    make_document("announcement")  # proactive: never in the queue
    today = timezone.localdate()
    [row] = selectors.rereview_rows(today=today, due_only=True)
    assert row.page_id == withheld.pk and row.is_due

    with pytest.raises(ReviewRefused):
        rereview_record(page=withheld, user=users["disclosure"], decision="keep", reason="")
    rereview_record(page=withheld, user=users["disclosure"], decision="keep", reason="情势未变")
    assert selectors.rereview_rows(today=today, due_only=True) == []

    review = rereview_record(
        page=withheld, user=users["disclosure"], decision="to_proactive", reason="项目已完工，可以公开"
    )
    assert review.previous_attribute == "withheld"
    draft = reload(withheld).get_latest_revision_as_object()
    assert draft.disclosure_attribute == "proactive"
    assert not reload(withheld).live  # it goes through the review chain like any draft
    assert ReReview.objects.filter(page_id=withheld.pk).count() == 2


def test_rereview_views(make_document, users, client):
    withheld = make_document(
        "announcement",
        formed_at=datetime.date(2025, 6, 1),
        disclosure_attribute="withheld",
        legal_ground="art16_process",
    )
    client.force_login(users["disclosure"])
    assert withheld.title in client.get("/admin/publishing-review/rereview/").content.decode()
    response = client.post(
        f"/admin/publishing-review/rereview/{withheld.pk}/", {"decision": "keep", "reason": "仍属过程性信息"}
    )
    assert response.status_code == 302
    assert ReReview.objects.get(page_id=withheld.pk).decided_by == users["disclosure"]
    client.force_login(users["reviewer"])
    assert client.get("/admin/publishing-review/rereview/").status_code in (302, 403)
    assert client.get("/api/v1/publishing/rereview").status_code == 403


def test_dashboard_and_editor_for_reviewers(make_document, users, client):
    doc = make_document("announcement", title="待审的公告")
    submit(doc, users["drafter"])
    client.force_login(users["reviewer"])
    assert "待审的公告" in client.get("/admin/").content.decode()
    assert client.get(f"/admin/pages/{doc.pk}/edit/").status_code == 200
    client.force_login(users["reviewer_other"])
    assert "待审的公告" not in client.get("/admin/").content.decode()
    client.force_login(users["leader"])
    assert client.get("/admin/").status_code == 200
    client.force_login(users["admin"])
    for url in (
        "/admin/publishing_review_words/",
        "/admin/publishing_review_rules/new/",
        "/admin/publishing_review_duty/",
        "/admin/publishing_review_escalations/",
    ):
        assert client.get(url).status_code == 200, url
