"""WSGI entry point (gunicorn or granian in production; granian in `make run`).

After Django is set up, the URL configuration and the views it names are imported, and everything
alive at that point is moved out of the garbage collector's reach (``gc.freeze``): a web worker
holds about 250,000 long-lived objects (Django, Wagtail, the catalogues, the API schema), and
every full collection walked all of them, 60–400 ms with the request that triggered it waiting
(the lookup's p99, docs/benchmarks.md). Frozen, a full collection walks only what requests
created since. ``GONGKAI_GC_FREEZE=0`` turns it off.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings.base")
application = get_wsgi_application()


def _warm_and_freeze() -> None:
    from django.urls import get_resolver

    # Import every URLconf and view now rather than on the first request, so they are frozen too.
    get_resolver().reverse_dict  # noqa: B018 - the property imports every URL module and view
    gc.collect()
    gc.freeze()


if os.environ.get("GONGKAI_GC_FREEZE", "1") != "0":
    _warm_and_freeze()
