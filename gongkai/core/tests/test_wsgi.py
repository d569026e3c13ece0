"""The WSGI entry point hands an in-memory response over as a list, closed; a stream as it is."""

import io
import sys

import pytest
from django.core.signals import request_finished
from django.http import StreamingHttpResponse

from gongkai import wsgi

pytestmark = pytest.mark.django_db


def _environ(path: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "REMOTE_ADDR": "127.0.0.1",
    }


def test_an_in_memory_response_is_a_closed_one_item_list():
    finished = []

    def receiver(**kwargs):
        finished.append(kwargs)

    request_finished.connect(receiver)
    try:
        statuses = []
        body = wsgi.application(
            _environ("/healthz"), lambda status, headers, exc=None: statuses.append(status)
        )
    finally:
        request_finished.disconnect(receiver)
    assert isinstance(body, list) and len(body) == 1 and body[0]
    assert statuses[0].startswith("200")
    assert finished, "closed (request_finished sent) before it was handed over"


def test_a_streaming_response_is_left_to_the_server(monkeypatch):
    stream = StreamingHttpResponse(iter([b"a", b"b"]))
    monkeypatch.setattr(wsgi, "django_application", lambda environ, start_response: stream)
    assert wsgi.application(_environ("/anything"), lambda *args: None) is stream
    assert b"".join(stream) == b"ab"
