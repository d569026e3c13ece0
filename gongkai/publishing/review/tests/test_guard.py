"""No route publishes a document without a completed workflow; scheduled publishing still works."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone
from wagtail.models import Revision

from gongkai.core.audit.models import AuditEvent
from gongkai.publishing.review.guard import PublishRefused, review_bypass
from gongkai.publishing.review.models import ReviewApproval

from .conftest import act, reload, submit

pytestmark = pytest.mark.django_db


def test_revision_publish_without_workflow_is_refused(make_document, users):
    doc = make_document("announcement")
    revision = doc.latest_revision
    with pytest.raises(PublishRefused) as excinfo:
        revision.publish(user=users["admin"])
    assert excinfo.value.code == "review_required"
    assert "审核流程" in str(excinfo.value.message)
    assert not reload(doc).live


def test_direct_page_publish_is_refused_even_for_superusers(make_document, users):
    doc = make_document("announcement")
    revision = doc.save_revision(user=users["admin"])
    with pytest.raises(PublishRefused):
        doc.publish(revision, user=users["admin"], skip_permission_checks=True)
    assert not reload(doc).live


def test_setting_live_on_the_model_is_refused(make_document):
    from wagtail.models import Page

    doc = make_document("announcement")
    doc.live = True
    doc.live_revision = doc.latest_revision
    with pytest.raises(PublishRefused):
        doc.save()
    base = Page.objects.get(pk=doc.pk)
    base.live = True
    base.live_revision_id = doc.latest_revision_id
    with pytest.raises(PublishRefused):
        base.save()
    assert not reload(doc).live


def test_revision_in_review_is_not_approved_yet(make_document, users):
    doc = make_document("announcement")
    submit(doc, users["drafter"])
    with pytest.raises(PublishRefused):
        reload(doc).latest_revision.publish(user=users["admin"])


def test_new_revision_after_approval_needs_review_again(make_document, users):
    doc = make_document("announcement")
    submit(doc, users["drafter"])
    act(doc, users["reviewer"], "approve")
    doc = reload(doc)
    assert doc.live
    doc.title = "改过的标题"
    revision = doc.save_revision(user=users["admin"])
    with pytest.raises(PublishRefused):
        revision.publish(user=users["admin"])
    assert reload(doc).title != "改过的标题"
    # Re-publishing the approved revision itself is allowed (e.g. reverting to it).
    Revision.objects.get(pk=doc.live_revision_id).publish(user=users["admin"])


@pytest.mark.parametrize("attribute", ["on_request", "withheld"])
def test_non_proactive_documents_never_go_live(make_document, users, attribute):
    doc = make_document("announcement", disclosure_attribute=attribute, legal_ground="art16_process")
    submit(doc, users["drafter"])
    act(doc, users["reviewer"], "approve")
    doc = reload(doc)
    assert not doc.live  # approved as a record, not published
    assert ReviewApproval.objects.filter(revision_id=doc.latest_revision_id).exists()
    with pytest.raises(PublishRefused) as excinfo:
        doc.latest_revision.publish(user=users["admin"])
    assert excinfo.value.code == "not_proactive"
    with pytest.raises(PublishRefused), review_bypass(reason="导入"):
        doc.latest_revision.publish(user=users["admin"])


def test_admin_publish_button_is_refused_by_hook(make_document, users):
    from gongkai.publishing.review.wagtail_hooks import refuse_publish_without_review

    doc = make_document("announcement")
    request = RequestFactory().post("/admin/pages/1/edit/")
    request.user = users["admin"]
    request.session = {}
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    response = refuse_publish_without_review(request, doc)
    assert response is not None and response.status_code == 302
    assert not reload(doc).live


def test_admin_edit_view_publish_is_refused(make_document, users, client):
    doc = make_document("announcement")
    client.force_login(users["admin"])
    response = client.post(
        f"/admin/pages/{doc.pk}/edit/",
        {
            "title": doc.title,
            "slug": doc.slug,
            "action-publish": "action-publish",
        },
    )
    assert response.status_code in (200, 302)
    assert not reload(doc).live


def test_import_bypass_records_the_reason(section, tree, users):
    from gongkai.publishing.models import AnnouncementPage

    page = AnnouncementPage(
        title="历史公告",
        slug="old-notice",
        department=tree["zhujian"],
        disclosure_attribute="proactive",
        formed_at=datetime.date(2025, 5, 6),
        live=False,
    )
    section["announcement"].add_child(instance=page)
    revision = page.save_revision()
    with pytest.raises(PublishRefused):
        revision.publish()
    with review_bypass(reason="原网站已发布，2025 年导入", user=users["admin"]):
        revision.publish()
    assert reload(page).live
    approval = ReviewApproval.objects.get(revision=revision)
    assert approval.kind == "imported" and "导入" in approval.note
    assert AuditEvent.objects.filter(action="publishing_review.approval_imported").exists()


def test_scheduled_publish_of_an_approved_revision_works(make_document, users):
    go_live = (timezone.now() + datetime.timedelta(hours=2)).replace(microsecond=0)
    doc = make_document("announcement", go_live_at=go_live)
    submit(doc, users["drafter"])
    act(doc, users["reviewer"], "approve")
    doc = reload(doc)
    assert not doc.live
    revision = Revision.objects.get(pk=doc.latest_revision_id)
    assert revision.approved_go_live_at == go_live

    call_command("publish_scheduled", stdout=io.StringIO())
    assert not reload(doc).live  # not yet
    with time_machine.travel(go_live + datetime.timedelta(minutes=1), tick=False):
        call_command("publish_scheduled", stdout=io.StringIO())
    assert reload(doc).live


def test_scheduling_an_unreviewed_revision_is_refused(make_document, users):
    doc = make_document("announcement", go_live_at=timezone.now() + datetime.timedelta(hours=1))
    with pytest.raises(PublishRefused):
        doc.latest_revision.publish(user=users["admin"])
    assert Revision.objects.get(pk=doc.latest_revision_id).approved_go_live_at is None


def test_publish_scheduled_refuses_unreviewed_and_goes_on(make_document, users):
    past = timezone.now() - datetime.timedelta(minutes=5)
    sneaky = make_document("announcement", title="绕过审核")
    # A schedule written behind the guard's back (a raw UPDATE): the job must still refuse it.
    Revision.objects.filter(pk=sneaky.latest_revision_id).update(approved_go_live_at=past)
    good = make_document("announcement", go_live_at=timezone.now() + datetime.timedelta(minutes=30))
    submit(good, users["drafter"])
    act(good, users["reviewer"], "approve")

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1), tick=False):
        call_command("publish_scheduled", stdout=io.StringIO())

    assert not reload(sneaky).live
    assert Revision.objects.get(pk=sneaky.latest_revision_id).approved_go_live_at is None
    assert AuditEvent.objects.filter(
        action="publishing_review.schedule_refused", target_id=str(sneaky.pk)
    ).exists()
    assert reload(good).live


def test_business_roles_cannot_publish_and_drafters_can_submit(make_document, users):
    from wagtail.models import GroupPagePermission

    assert not GroupPagePermission.objects.filter(
        permission__codename="publish_page", group__role__isnull=False
    ).exists()
    doc = make_document("announcement")
    perms = doc.permissions_for_user(users["drafter"])
    assert perms.can_edit() and not perms.can_publish()
    assert perms.can_submit_for_moderation()
    assert users["reviewer"].has_perm("publishing_review.view_sensitiveword")
    assert not users["reviewer"].has_perm("publishing_review.change_sensitiveword")
