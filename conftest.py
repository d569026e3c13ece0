"""Root pytest configuration: shared fixtures for every app's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _default_language():
    """Tests run in the default language (zh-hans) unless they switch."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield
