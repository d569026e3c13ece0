"""The statistics of a period on the hand-built day of conftest.py."""

from __future__ import annotations

import datetime

import pytest

from gongkai.opinion.reports import periods, selectors
from gongkai.opinion.reports.tests.conftest import DAY, local

pytestmark = pytest.mark.django_db


def _day(**kwargs):
    start, end = periods.day_period(DAY)
    return selectors.statistics(start=start, end=end, **kwargs)


def test_totals_and_sentiment_shares(dataset):
    stats = _day()
    totals = stats["totals"]
    assert totals["posts"] == 6
    assert (totals["positive"], totals["neutral"], totals["negative"]) == (1, 2, 3)
    assert totals["negative_share"] == 0.5
    assert totals["rumor_candidates"] == 1
    assert totals["new_events"] == 2
    # One post the evening before: +500 %.
    assert totals["previous_posts"] == 1
    assert totals["change"] == 5.0
    shares = {s["key"]: (s["count"], s["share"]) for s in stats["sentiment"]}
    assert shares == {"positive": (1, 0.1667), "neutral": (2, 0.3333), "negative": (3, 0.5)}


def test_volume_is_hourly_for_a_day_with_every_hour_present(dataset):
    stats = _day()
    assert stats["period"]["granularity"] == "hour"
    volume = stats["volume"]
    assert len(volume) == 24
    assert [b["label"] for b in volume[:2]] == ["00时", "01时"]
    by_label = {b["label"]: b for b in volume}
    assert by_label["08时"] == {**by_label["08时"], "posts": 3, "negative": 2, "neutral": 1, "positive": 0}
    assert by_label["09时"]["posts"] == 2 and by_label["09时"]["positive"] == 1
    assert by_label["23时"]["posts"] == 1
    assert sum(b["posts"] for b in volume) == 6
    assert datetime.datetime.fromisoformat(volume[8]["t"]) == local(DAY, 8)


def test_volume_is_daily_for_a_week(dataset):
    start, end = periods.week_period(DAY)  # 2026-06-01 is a Monday
    stats = selectors.statistics(start=start, end=end)
    assert stats["period"]["granularity"] == "day"
    assert [b["label"] for b in stats["volume"]] == [f"06-0{d}" for d in range(1, 8)]
    assert [b["posts"] for b in stats["volume"]] == [6, 1, 0, 0, 0, 0, 0]
    # The week before had the one post of Sunday evening.
    assert stats["totals"]["previous_posts"] == 1


def test_top_events_by_volume_and_by_hotness(dataset):
    events = _day()["events"]
    assert [e["title"] for e in events] == ["松江路停水", "化工厂异味"]
    water, smell = events
    assert (water["posts"], water["negative"], water["negative_share"]) == (3, 2, 0.6667)
    assert water["district_name"] == "昌邑区"
    assert smell["is_rumor"] and smell["status"] == "assessed" and smell["hotness"] == 80.0
    assert [e["title"] for e in _day(events_order="hotness")["events"]] == ["化工厂异味", "松江路停水"]


def test_sources_and_kinds(dataset):
    stats = _day()
    assert [(s["name"], s["posts"], s["negative"]) for s in stats["sources"]] == [
        ("新浪微博", 4, 2),
        ("江城日报网", 2, 1),
    ]
    assert stats["sources"][0]["kind_label"] == "微博"
    assert [(k["kind"], k["posts"]) for k in stats["source_kinds"]] == [("weibo", 4), ("rss", 2)]


def test_districts_are_named_from_the_department_codes(dataset):
    districts = _day()["districts"]
    assert [(d["code"], d["name"], d["posts"], d["negative"]) for d in districts] == [
        ("changyi", "昌邑区", 3, 2),
        ("longtan", "龙潭区", 2, 1),
        ("", "未识别地域", 1, 0),
    ]


def test_top_topics(dataset):
    topics = _day()["topics"]
    assert [(t["name"], t["posts"], t["negative"], t["negative_share"]) for t in topics] == [
        ("供水保障", 2, 2, 1.0)
    ]


def test_top_folds_the_rest_into_one_row(dataset):
    districts = _day(top=1)["districts"]
    assert [d["name"] for d in districts] == ["昌邑区", "其他地域"]
    assert districts[1]["posts"] == 3 and districts[1]["rest"] == 2


def test_scope_narrows_every_figure(dataset):
    by_topic = _day(topic_id=dataset["topic"].pk)
    assert by_topic["totals"]["posts"] == 2 and by_topic["totals"]["negative_share"] == 1.0
    assert by_topic["scope"]["topic"]["name"] == "供水保障"
    assert by_topic["totals"]["new_events"] == 1
    by_event = _day(event_id=dataset["smell"].pk)
    assert by_event["totals"]["posts"] == 2 and by_event["totals"]["rumor_candidates"] == 1
    assert by_event["scope"]["event"]["title"] == "化工厂异味"
    assert [s["name"] for s in by_event["sources"]] == ["江城日报网"]
    by_district = _day(district="changyi")
    assert by_district["totals"]["posts"] == 3
    assert by_district["scope"]["district"] == {"code": "changyi", "name": "昌邑区"}
    assert [e["title"] for e in by_district["events"]] == ["松江路停水"]


def test_an_empty_period_counts_zero_without_dividing_by_it(db):
    start, end = periods.day_period(DAY)
    stats = selectors.statistics(start=start, end=end)
    assert stats["totals"]["posts"] == 0
    assert stats["totals"]["negative_share"] is None and stats["totals"]["change"] is None
    assert len(stats["volume"]) == 24 and stats["events"] == [] and stats["sources"] == []


def test_statistics_take_a_bounded_number_of_queries(dataset, django_assert_max_num_queries):
    start, end = periods.day_period(DAY)
    with django_assert_max_num_queries(14):
        selectors.statistics(start=start, end=end)


def test_events_carry_their_assessment_when_the_response_app_is_there(dataset):
    from django.apps import apps

    if not apps.is_installed("gongkai.opinion.response"):
        pytest.skip("gongkai.opinion.response is not installed")
    case_model = selectors._assessment_model()
    assert case_model is not None
    case_model._default_manager.create(event=dataset["smell"], status="forwarded", level="major")
    water, smell = _day()["events"]
    assert water["assessment"] is None
    assert (smell["assessment"]["level_label"], smell["assessment"]["status_label"]) == ("重大", "已转办")
