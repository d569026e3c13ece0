"""Settings of the benchmark server (bench/hotline.py): the normal settings with the public limits raised.

The load generator sends every request from 127.0.0.1, so the per-address limits of the public
endpoints (10 appeals and 10 lookups a minute, 20 new appeals an hour) would answer 429 after a
few requests. Here they are raised far above what a run can reach; nothing else changes. The
server sits "behind one proxy" (``X-Forwarded-For`` is trusted once, as behind nginx in
production) so that the load generator can spread its requests over many client addresses, as
real citizens would: ninja's throttles keep one list of timestamps per address, and a single
address with a raised limit would make that list, and every request's cost, grow with the run.

Never use this module outside the benchmarks.
"""

import os

os.environ.setdefault("GONGKAI_ENV", "test")
os.environ.setdefault("GONGKAI_API_ANON_RATE", "1000000/m")
os.environ.setdefault("GONGKAI_API_AUTH_RATE", "1000000/m")
os.environ.setdefault("GONGKAI_NUM_PROXIES", "1")

from gongkai.settings.base import *  # noqa: E402,F403

DEBUG = False
# Persistent connections, as in production (GONGKAI_ENV=production sets 60 s; the default here is 0).
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
GONGKAI_REQUIRE_2FA = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# Per client address (ninja throttles of the public operations).
GONGKAI_HOTLINE_APPEAL_RATE = "1000000/m"
GONGKAI_HOTLINE_LOOKUP_RATE = "1000000/m"
GONGKAI_HOTLINE_RATING_RATE = "1000000/m"
# The pages' own counters (gongkai.hotline.ratelimit and the API's per-number lookup limit).
GONGKAI_HOTLINE_RATE_LIMITS = {
    "appeal-phone": (1000, 86400),
    "appeal-ip": (1000000, 3600),
    "lookup-failed-ip": (1000000, 600),
    "lookup-failed-number": (1000000, 3600),
    "rating-ip": (1000000, 3600),
}
# One reverse proxy in front (the load generator's X-Forwarded-For), for the pages' counters.
GONGKAI_TRUSTED_PROXY_COUNT = 1
