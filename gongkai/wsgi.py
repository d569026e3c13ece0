"""WSGI entry point (gunicorn or granian in production; granian in `make run`).

A response whose body is already in memory (every ``HttpResponse``; not a streaming or file
response) is handed to the server as a one-item list, after the response is closed. Django's
handler returns the response object itself, which a server has to iterate and close from its own
side: granian then calls back into Python once per chunk and again to close it, each time taking
the interpreter lock again from its I/O thread, where a list is sent in one call
(``response_bytes``). Closing first (Django's ``request_finished``: database connections past
their age, caches) is what the server's ``close()`` would have done a moment later; a
streaming response is still iterated and closed by the server.
"""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings.base")
django_application = get_wsgi_application()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    response = django_application(environ, start_response)
    if isinstance(response, HttpResponse):
        try:
            body = response.content
        finally:
            response.close()
        return [body]
    return response
