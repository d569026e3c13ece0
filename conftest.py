"""Root pytest configuration: shared fixtures for every app's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _default_language():
    """Tests run in the default language (zh-hans) unless they switch."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


def pytest_collection_modifyitems(items):
    """Give every transactional test serialized rollback.

    A transactional test empties the database when it ends. Without serialized rollback, the flush
    also re-runs post_migrate (roles sync) and the seeded rows (work calendar, Wagtail's root page,
    routing catalogue) are gone for the tests after it; with it, each such test starts from the
    migrated state.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and "transactional_db" in getattr(item, "fixturenames", ()):
            # The fixture without the marker flushes the same way: treat it as the marker.
            marker = pytest.mark.django_db(transaction=True).mark
        if (
            marker is not None
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            item.add_marker(
                pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}), append=False
            )
