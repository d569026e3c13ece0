"""Root pytest configuration: shared fixtures for every app's tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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


#: Debian's Chromium (apt-get install chromium), driven by Playwright in the browser tests.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    """Headless Chromium for the browser tests; skipped without it unless CI requires it
    (``GONGKAI_BROWSER_TESTS=required``)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("GONGKAI_BROWSER_TESTS") == "required":
            raise RuntimeError("Chromium is required for the browser tests: apt-get install chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test itself makes
    # (creating users and pages) are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
