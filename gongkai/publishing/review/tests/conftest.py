"""Fixtures: a department tree, staff of the review roles, a document section, and helpers."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from wagtail.models import Page, WorkflowPage

from gongkai.accounts.models import DepartmentKind
from gongkai.accounts.services import department_upsert, staff_user_upsert
from gongkai.publishing.review.defaults import workflows_ensure
from gongkai.publishing.review.precheck import matcher


@pytest.fixture(autouse=True)
def _clean_caches():
    cache.clear()
    matcher.reset()
    yield
    matcher.reset()


@pytest.fixture
def tree(db):
    city, _ = department_upsert(code="city", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    office, _ = department_upsert(
        code="zfb", name="吉林市人民政府办公室", parent=city, kind=DepartmentKind.GOVERNMENT_OFFICE
    )
    zhujian, _ = department_upsert(code="zhujian", name="吉林市住房和城乡建设局", parent=city)
    jiaoyu, _ = department_upsert(code="jiaoyu", name="吉林市教育局", parent=city)
    return {"city": city, "office": office, "zhujian": zhujian, "jiaoyu": jiaoyu}


@pytest.fixture
def users(tree):
    def make(username, department, roles, **extra):
        user, _ = staff_user_upsert(
            username=username,
            password=None,
            department=department,
            roles=roles,
            email=f"{username}@example.gov.cn",
            **extra,
        )
        return user

    return {
        "drafter": make("drafter_zj", tree["zhujian"], ["drafter"]),
        "reviewer": make("reviewer_zj", tree["zhujian"], ["reviewer"]),
        "reviewer_other": make("reviewer_jy", tree["jiaoyu"], ["reviewer"]),
        "approver_city": make("approver_city", tree["city"], ["approver"]),
        "approver_same": make("approver_zj", tree["zhujian"], ["approver"]),
        "approver_other": make("approver_jy", tree["jiaoyu"], ["approver"]),
        "reviewer_and_approver": make("both_zj", tree["zhujian"], ["reviewer", "approver"]),
        "leader": make("leader", tree["city"], ["leader"]),
        "leader2": make("leader2", tree["city"], ["leader"]),
        "disclosure": make("disclosure", tree["office"], ["disclosure_office"]),
        "admin": make("admin_su", None, [], is_superuser=True),
    }


@pytest.fixture
def workflows(db):
    return workflows_ensure()


@pytest.fixture
def section(db, workflows):
    """A 政府信息公开 section with one list page per document type, the default workflows assigned."""
    from gongkai.publishing.models import DisclosureSectionPage, DocumentIndexPage

    root = Page.get_first_root_node()
    section = root.add_child(instance=DisclosureSectionPage(title="政府信息公开", slug="zfxxgk-review"))
    indexes = {}
    for doc_type in ("policy", "interpretation", "announcement", "emergency"):
        index = section.add_child(
            instance=DocumentIndexPage(title=doc_type, slug=f"{doc_type}-review", document_type=doc_type)
        )
        key = "emergency" if doc_type == "emergency" else "standard"
        WorkflowPage.objects.create(page=index, workflow=workflows[key])
        indexes[doc_type] = index
    return indexes


@pytest.fixture
def make_document(section, tree):
    """Create an unpublished document (a draft revision saved) of ``kind`` under its list page."""
    from gongkai.publishing import models as pm

    classes = {
        "policy": pm.PolicyDocumentPage,
        "interpretation": pm.InterpretationPage,
        "announcement": pm.AnnouncementPage,
        "emergency": pm.EmergencyEventPage,
    }
    counter = {"n": 0}

    def make(kind="announcement", *, department=None, user=None, **fields):
        counter["n"] += 1
        values = {
            "title": fields.pop("title", f"测试文档{counter['n']}"),
            "slug": f"doc-{kind}-{counter['n']}",
            "department": department or tree["zhujian"],
            "disclosure_attribute": "proactive",
            "formed_at": datetime.date(2026, 3, 2),
            "body": "<p>关于做好城市供暖工作的通知。</p>",
            "live": False,
        }
        values.update(fields)
        page = classes[kind](**values)
        section[kind].add_child(instance=page)
        page.save_revision(user=user)
        return classes[kind].objects.get(pk=page.pk)

    return make


def submit(page, user):
    """Start the page's workflow as the drafter does with "submit for review"."""
    page = Page.objects.get(pk=page.pk).specific
    workflow = page.get_workflow()
    assert workflow is not None
    return workflow.start(page, user)


def act(page, user, action, **data):
    """Perform ``action`` on the page's current task as ``user`` (what the admin's modal does)."""
    page = Page.objects.get(pk=page.pk).specific
    task_state = page.current_workflow_task_state
    assert task_state is not None, "no task in progress"
    task = task_state.task.specific
    return task.on_action(task_state.specific, user, action, **data)


def actions(page, user):
    page = Page.objects.get(pk=page.pk).specific
    task = page.current_workflow_task
    return [name for name, _label, _modal in task.get_actions(page, user)] if task else []


def reload(page):
    return Page.objects.get(pk=page.pk).specific
