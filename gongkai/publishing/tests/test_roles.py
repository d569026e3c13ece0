"""The demo accounts' roles give each publishing role what its work needs in the Wagtail admin."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gongkai.accounts import demo as accounts_demo
from gongkai.publishing.models import DOCUMENT_MODELS, DocumentIndexPage
from gongkai.publishing.review.defaults import defaults_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree, departments):
    accounts_demo.load_users(departments)
    defaults_ensure()

    def login(username: str) -> Client:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return login


# (user, admin URL) pairs each role must reach.
REACHABLE = {
    "drafter": [
        "/admin/",
        "/admin/documents/chooser/",
        "/admin/images/chooser/",
        "/admin/snippets/choose/publishing/topic/",
        "/admin/documents/multiple/add/",
    ],
    "reviewer": ["/admin/", "/admin/publishing-review/deadlines/", "/admin/publishing_review_words/"],
    "approver": ["/admin/", "/admin/publishing-review/deadlines/"],
    "disclosure": [
        "/admin/",
        "/admin/publishing-review/deadlines/",
        "/admin/publishing-review/rereview/",
        "/admin/snippets/publishing/topic/",
        "/admin/snippets/publishing/topic/add/",
        "/admin/publishing/releases/",
    ],
    "press": ["/admin/", "/admin/publishing/releases/"],
    "leader": ["/admin/", "/admin/publishing-review/deadlines/", "/admin/publishing/releases/"],
}


@pytest.mark.parametrize("username", sorted(REACHABLE))
def test_each_role_reaches_its_admin_views(staff, username):
    client = staff(username)
    for url in REACHABLE[username]:
        response = client.get(url)
        assert response.status_code == 200, (username, url, response.status_code)


def test_drafter_opens_the_add_form_of_every_type_under_its_list(staff):
    client = staff("drafter")
    for document_type, model in DOCUMENT_MODELS.items():
        parent = DocumentIndexPage.objects.get(document_type=document_type)
        url = f"/admin/pages/add/publishing/{model._meta.model_name}/{parent.pk}/"
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        chooser = client.get(f"/admin/pages/{parent.pk}/add_subpage/")
        assert chooser.status_code in (200, 302), url


def test_drafter_saves_a_draft_and_submits_it(staff, departments):
    from gongkai.publishing.models import AnnouncementPage

    client = staff("drafter")
    parent = DocumentIndexPage.objects.get(document_type="announcement")
    url = f"/admin/pages/add/publishing/announcementpage/{parent.pk}/"
    data = {
        "title": "关于2026年社会保险缴费基数调整的通告",
        "slug": "shebao-2026",
        "department": departments["renshe"].pk,
        "formed_at": datetime.date.today().isoformat(),
        "disclosure_attribute": "proactive",
        "body": '{"blocks":[{"key":"a","text":"缴费基数自2026年1月1日起调整。","type":"unstyled","depth":0,"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
        "summary": "",
        "action-submit": "1",
    }
    form = client.get(url).content.decode()
    for prefix in ("attachments",):
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{prefix}-{name}"] = "0" if name != "MAX_NUM_FORMS" else "1000"
    data["comments-TOTAL_FORMS"] = data["comments-INITIAL_FORMS"] = "0"
    data["comments-MIN_NUM_FORMS"], data["comments-MAX_NUM_FORMS"] = "0", "1000"
    response = client.post(url, data)
    assert response.status_code == 302, (response.status_code, _errors(response), form[:0])
    page = AnnouncementPage.objects.get(slug="shebao-2026")
    assert not page.live
    assert page.current_workflow_state is not None  # submitted to the review chain


def _errors(response) -> str:
    import re

    html = response.content.decode()
    return (
        " | ".join(re.findall(r'class="error-message"[^>]*>\s*<p[^>]*>([^<]+)', html))[:1000] or html[-600:]
    )


def test_drafters_hold_no_publish_permission(staff):
    from wagtail.models import Page

    drafter = get_user_model().objects.get(username="drafter")
    parent = DocumentIndexPage.objects.get(document_type="policy")
    perms = Page.objects.get(pk=parent.pk).permissions_for_user(drafter)
    assert perms.can_add_subpage() and not perms.can_publish()


def test_press_office_drafts_press_releases_and_rumor_clarifications_only(staff):
    from wagtail.models import Page

    press = get_user_model().objects.get(username="press")
    for document_type in DOCUMENT_MODELS:
        parent = Page.objects.get(pk=DocumentIndexPage.objects.get(document_type=document_type).pk)
        assert parent.permissions_for_user(press).can_add_subpage() == (
            document_type in ("press_release", "rumor")
        ), document_type
        assert not parent.permissions_for_user(press).can_publish()
    client = staff("press")
    parent = DocumentIndexPage.objects.get(document_type="press_release")
    assert client.get(f"/admin/pages/add/publishing/pressreleasepage/{parent.pk}/").status_code == 200
