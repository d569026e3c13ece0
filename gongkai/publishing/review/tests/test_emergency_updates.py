"""New timeline entries of a live emergency event go through the fast path, then live on approval."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from wagtail.models import Site, TaskState, WorkflowState

from gongkai.publishing.models import EmergencyUpdate
from gongkai.publishing.review.models import OnDutyAssignment
from gongkai.publishing.review.tests.conftest import act, actions, reload, submit
from gongkai.publishing.services import emergency_update_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_event(make_document, users, section):
    """An open emergency event approved by the leader on duty and live, with one update."""
    site = Site.objects.get(is_default_site=True)
    site.root_page = section["emergency"].get_parent()
    site.save()
    today = timezone.localdate()
    OnDutyAssignment.objects.create(leader=users["leader"], starts_on=today, ends_on=today)
    event = make_document("emergency", title="松花江段油污泄漏", is_open=True)
    submit(event, users["drafter"])
    act(event, users["leader"], "approve", comment="同意发布")
    event = reload(event)
    assert event.live
    return event


def public_html(page) -> str:
    response = Client().get(reload(page).url)
    assert response.status_code == 200
    return response.content.decode()


def test_new_update_waits_for_the_leader_then_goes_live(live_event, users):
    at = timezone.now() - datetime.timedelta(minutes=5)
    result = emergency_update_add(
        page=live_event,
        kind="measure",
        text="已布设围油栏 3 道，下游水厂加强监测。",
        at=at,
        actor=users["drafter"],
    )
    # Not live yet: saved as a revision, in the leader's hands.
    assert result.workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert reload(live_event).current_workflow_task.name == "值班领导审批"
    assert "已布设围油栏" not in public_html(live_event)
    assert not EmergencyUpdate.objects.filter(page=live_event).exists()
    assert actions(live_event, users["drafter"]) == []

    act(live_event, users["leader"], "approve", comment="同意")

    event = reload(live_event)
    assert event.live and not event.has_unpublished_changes
    assert event.live_revision_id == result.revision.pk
    assert list(EmergencyUpdate.objects.filter(page=event).values_list("kind", "text")) == [
        ("measure", "已布设围油栏 3 道，下游水厂加强监测。")
    ]
    assert "已布设围油栏" in public_html(event)
    approved = TaskState.objects.filter(workflow_state=result.workflow_state, status="approved").get()
    assert approved.finished_by == users["leader"]


def test_two_updates_before_approval_both_go_live_and_close_ends_the_banner(live_event, users):
    emergency_update_add(page=live_event, kind="progress", text="泄漏点已封堵。", actor=users["drafter"])
    second = emergency_update_add(
        page=live_event,
        kind="investigation",
        text="事故原因系运输车辆侧翻。",
        actor=users["drafter"],
        close=True,
    )
    # The run waiting for the leader restarted on the newer revision; one step is in progress.
    state = second.workflow_state
    assert state.task_states.filter(status=TaskState.STATUS_IN_PROGRESS).count() == 1
    assert state.current_task_state.revision_id == second.revision.pk
    assert reload(live_event).is_open  # the live page still shows the banner until approval

    act(live_event, users["leader"], "approve")

    event = reload(live_event)
    assert not event.is_open
    assert set(EmergencyUpdate.objects.filter(page=event).values_list("text", flat=True)) == {
        "泄漏点已封堵。",
        "事故原因系运输车辆侧翻。",
    }


def test_update_sent_back_is_resubmitted_with_the_next_update(live_event, users):
    emergency_update_add(page=live_event, kind="progress", text="初步统计无人员伤亡", actor=users["drafter"])
    act(live_event, users["leader"], "reject", comment="请核实伤亡情况后再发")
    result = emergency_update_add(
        page=live_event, kind="progress", text="经核实，无人员伤亡。", actor=users["drafter"]
    )
    assert result.workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    act(live_event, users["leader"], "approve")
    assert EmergencyUpdate.objects.filter(page=live_event, text="经核实，无人员伤亡。").exists()


def test_bad_update_is_refused_and_changes_nothing(live_event, users):
    revision_id = reload(live_event).latest_revision_id
    with pytest.raises(ValidationError):
        emergency_update_add(page=live_event, kind="nonsense", text="x", actor=users["drafter"])
    with pytest.raises(ValidationError):
        emergency_update_add(page=live_event, kind="progress", text="   ", actor=users["drafter"])
    assert reload(live_event).latest_revision_id == revision_id
