"""The periodic jobs of every app, in one place.

Celery beat reads this in production; `gongkai jobs` runs the same entries in embedded mode.
Each entry: a dotted task name and an interval in seconds.
"""

from __future__ import annotations

BEAT_SCHEDULE: dict[str, dict] = {
    "outbox-deliver": {"task": "gongkai.core.outbox.tasks.deliver_due", "schedule": 5.0},
    "calendar-check-next-year": {
        "task": "gongkai.core.workcalendar.tasks.check_next_year",
        "schedule": 6 * 3600.0,
    },
    "hotline-sweep-deadlines": {"task": "gongkai.hotline.tasks.sweep_deadlines", "schedule": 300.0},
    "hotline-index-pending": {"task": "gongkai.hotline.tasks.index_pending", "schedule": 30.0},
    "hotline-record-pending": {"task": "gongkai.hotline.tasks.record_pending", "schedule": 5.0},
    "knowledge-routing-train": {
        "task": "gongkai.hotline.knowledge.tasks.routing_train_weekly",
        "schedule": 7 * 24 * 3600.0,
    },
    "publishing-review-publish-scheduled": {
        "task": "gongkai.publishing.review.tasks.publish_scheduled",
        "schedule": 60.0,
    },
    "publishing-review-deadlines": {
        "task": "gongkai.publishing.review.tasks.deadlines_notify",
        "schedule": 3600.0,
    },
    "publishing-review-rereviews": {
        "task": "gongkai.publishing.review.tasks.rereviews_notify",
        "schedule": 24 * 3600.0,
    },
    "knowledge-articles-expire": {
        "task": "gongkai.hotline.knowledge.tasks.articles_expire",
        "schedule": 24 * 3600.0,
    },
    "opinion-response-alerts": {"task": "gongkai.opinion.response.tasks.evaluate_alerts", "schedule": 60.0},
    "opinion-response-sweep": {"task": "gongkai.opinion.response.tasks.sweep", "schedule": 60.0},
    "opinion-poll-sources": {"task": "gongkai.opinion.jobs.poll_sources", "schedule": 60.0},
    "opinion-city-streams": {"task": "gongkai.opinion.jobs.city_streams", "schedule": 60.0},
    "opinion-refresh-hotness": {"task": "gongkai.opinion.tasks.refresh_hotness", "schedule": 300.0},
    "opinion-reports-generate-due": {
        "task": "gongkai.opinion.reports.tasks.generate_due",
        "schedule": 600.0,
    },
    "disclosure-clocks-tick": {"task": "gongkai.disclosure.tasks.disclosure_clocks_tick", "schedule": 3600.0},
    "disclosure-annual-reminders": {
        "task": "gongkai.disclosure.annual.tasks.annual_reminders",
        "schedule": 6 * 3600.0,
    },
}
