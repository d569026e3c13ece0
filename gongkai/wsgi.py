"""WSGI entry point (gunicorn or granian in production; granian in `make run`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings.base")
application = get_wsgi_application()
