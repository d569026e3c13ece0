"""Production entry point: the same settings module with GONGKAI_ENV forced to production."""

import os

os.environ["GONGKAI_ENV"] = "production"

from gongkai.settings.base import *  # noqa: E402,F403
