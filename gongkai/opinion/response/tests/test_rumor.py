"""A rumor linked to its published clarification, with its volume before and after; the graph docs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from gongkai.opinion.response import selectors, services
from gongkai.opinion.response.models import CaseStatus, ClockKind, EventCase, Level, ResponseKind
from gongkai.opinion.response.workflow import CASE_GRAPH, FORWARDING_GRAPH

from .conftest import HOUR, MINUTE, NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish(tree):
    """``publish(title, at, rumor=True)``: a published 辟谣 (or press release) page, first published at ``at``."""
    from gongkai.accounts import demo as accounts_demo
    from gongkai.publishing import demo as publishing_demo
    from gongkai.publishing import services as publishing
    from gongkai.publishing.models import DocumentIndexPage, PressReleasePage, RumorClarificationPage
    from gongkai.publishing.review.guard import review_bypass

    office = accounts_demo.load_departments()["bangongting"]
    publishing_demo.load_tree(stdout=io.StringIO())
    lists = {page.document_type: page for page in DocumentIndexPage.objects.all()}

    def make(title, at, *, rumor=True, live=True):
        if rumor:
            page = RumorClarificationPage(
                title=title,
                department=office,
                rumor="网传松江路水源被投毒，全市停水。",
                facts="<p>经核实，系管线爆裂抢修停水，水质检测合格。</p>",
            )
            parent = lists["rumor"]
        else:
            page = PressReleasePage(title=title, department=office, body="<p>通报。</p>")
            parent = lists["press_release"]
        with review_bypass(reason="测试"):
            saved = publishing.document_save(page=page, parent=parent, publish=live, published_at=at)
        return saved

    return make


def _assess_rumor(event, users, tree, **extra):
    return services.case_assess(
        event=event,
        level=Level.LARGER,
        is_major_emergency=False,
        department=tree["water"],
        is_rumor=True,
        actor=users["analyst"],
        **extra,
    )


def test_clarification_is_linked_once_published_and_stops_the_clock(clock, users, tree, make_event, publish):
    event = make_event()
    page = publish("关于“松江路水源被投毒”的辟谣", NOW + HOUR)
    draft = publish("草稿辟谣", None, live=False)
    with pytest.raises(ValidationError):  # not marked as a rumor yet
        services.case_link_clarification(event=event, page_id=page.pk, actor=users["analyst"])
    _assess_rumor(event, users, tree)
    event.refresh_from_db()
    assert event.is_rumor
    press = publish("新闻发布", NOW, rumor=False)
    for wrong in (draft.pk, press.pk, 10**12):
        with pytest.raises(ValidationError):
            services.case_link_clarification(event=event, page_id=wrong, actor=users["analyst"])
    clock.shift(2 * HOUR)
    case = services.case_link_clarification(event=event, page_id=page.pk, actor=users["analyst"])
    assert case.clarification_id == page.pk and case.status == CaseStatus.RESPONDED
    (response,) = case.responses.all()
    assert (response.kind, response.page_id, response.at) == (ResponseKind.DOCUMENT, page.pk, NOW + HOUR)
    (only,) = selectors.case_clocks(case)
    assert only.kind == ClockKind.RESPONSE and only.met_by == response
    # Linking again records no second response.
    services.case_link_clarification(event=event, page_id=page.pk, actor=users["analyst"])
    assert EventCase.objects.get(pk=case.pk).responses.count() == 1


def test_rumor_volume_before_and_after_the_clarification(clock, users, tree, make_event, make_posts, publish):
    published = NOW + 5 * HOUR
    event = make_event(first_seen=NOW, last_seen=published + 3 * HOUR)
    # 4 hours before at 30 posts per hour (the event began 5 hours before: 4×30 + 1 hour of 10) …
    make_posts(event, [NOW + i * 6 * MINUTE for i in range(10)], rumor_candidate=True)
    make_posts(event, [NOW + HOUR + i * 2 * MINUTE for i in range(120)], rumor_candidate=True)
    # … then 6 posts per hour for the 3 hours after.
    make_posts(event, [published + i * 10 * MINUTE for i in range(18)])
    page = publish("关于“松江路水源被投毒”的辟谣", published)
    _assess_rumor(event, users, tree)
    clock.move_to(published + 3 * HOUR)
    case = services.case_link_clarification(event=event, page_id=page.pk, actor=users["analyst"])
    series = selectors.rumor_volume(case, hours=24)
    assert series is not None
    assert len(series.before) == 24 and len(series.after) == 3
    assert [b["posts"] for b in series.before[-5:]] == [10, 30, 30, 30, 30]
    assert series.before[-1]["offset_hours"] == -1 and series.after[0]["offset_hours"] == 0
    assert [b["posts"] for b in series.after] == [6, 6, 6]
    assert series.before[-1]["rumor_candidates"] == 30 and series.after[0]["rumor_candidates"] == 0
    assert (series.before_hours, series.after_hours) == (5.0, 3.0)
    assert series.before_per_hour == 26.0 and series.after_per_hour == 6.0
    assert series.change == pytest.approx((6 - 26) / 26, abs=1e-4)


def test_no_series_without_a_published_clarification(clock, users, tree, make_event):
    event = make_event()
    case = _assess_rumor(event, users, tree)
    assert selectors.rumor_volume(case) is None


@pytest.mark.parametrize(("graph", "marker"), [(CASE_GRAPH, "case"), (FORWARDING_GRAPH, "forwarding")])
def test_the_documented_graph_is_the_declared_graph(graph, marker):
    doc = Path(__file__).resolve().parents[4] / "docs" / "workflows" / "opinion-event.md"
    text = doc.read_text(encoding="utf-8")
    assert f"<!-- graph:{marker}:begin" in text
    assert "```mermaid\n" + graph.to_mermaid() + "\n```" in text, (
        "docs/workflows/opinion-event.md is out of date: run `python manage.py opinion_response_graph --write`"
    )


def test_every_case_state_is_reachable():
    targets = {t.target for t in CASE_GRAPH.transitions if t.target} | {CaseStatus.OPEN}
    assert targets == set(CaseStatus.values)
