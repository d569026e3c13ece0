"""Settings for the test suite: fast hashing, in-memory cache, no network, embedded jobs."""

import os

os.environ.setdefault("GONGKAI_ENV", "test")

from gongkai.settings.base import *  # noqa: E402,F403
from gongkai.settings.base import DATA_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
EMBEDDED = True
GONGKAI_REQUIRE_2FA = False
MEDIA_ROOT = DATA_DIR / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
GONGKAI_API_ANON_RATE = "100000/m"
# Off for the suite (pages are asserted as rendered); gongkai/core/tests/test_pagecache.py turns it on.
GONGKAI_PAGE_CACHE_SECONDS = 0
GONGKAI_API_AUTH_RATE = "100000/m"
