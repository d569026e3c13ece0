"""Settings for the worker processes of the crash test (test_crash.py).

The database and the fake Aliyun endpoint come from the environment the test sets up.
"""

import os

import dj_database_url

from gongkai.settings.test import *  # noqa: F403

DATABASES = {"default": dj_database_url.parse(os.environ["OUTBOX_CRASH_DATABASE_URL"])}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
GONGKAI_SMS_BACKEND = "aliyun"
ALIYUN_SMS_ENDPOINT = os.environ["OUTBOX_CRASH_ALIYUN_URL"]
ALIYUN_SMS_ACCESS_KEY_ID = "testKeyId"
ALIYUN_SMS_ACCESS_KEY_SECRET = "testKeySecret"
ALIYUN_SMS_SIGN_NAME = "吉林市人民政府"
# Short, but longer than a confirm plus a send (two 1 s timeouts), as the lease must be.
ALIYUN_SMS_TIMEOUT = 1.0
OUTBOX_LEASE_SECONDS = 3.0
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
