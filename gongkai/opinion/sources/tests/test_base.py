"""The shared HTTP (retries, size limit) and helpers of the source clients."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gongkai.opinion.analysis.types import RawPost
from gongkai.opinion.sources.base import (
    FetchError,
    Http,
    ItemErrors,
    SourceAuthError,
    SourceConfigError,
    bounded_id,
    fit,
    html_to_text,
    to_int,
)


class Script:
    """A server answering each request with the next (status, body, send_length) in ``answers``."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0
        script = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                script.calls += 1
                status, body, send_length = script.answers.pop(0) if script.answers else (200, b"ok", True)
                self.send_response(status)
                if send_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}/"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def script():
    made = []

    def make(*answers):
        made.append(Script(answers))
        return made[-1]

    yield make
    for server in made:
        server.stop()


def test_5xx_is_retried_with_growing_backoff(script):
    server = script((500, b"x", True), (503, b"x", True), (200, b"fine", True))
    waits: list[float] = []

    with Http(retries=2, backoff=0.5, sleep=waits.append) as http:
        answer = http.request("GET", server.url, what="测试")

    assert answer.status_code == 200 and answer.content == b"fine"
    assert server.calls == 3
    assert waits == [0.5, 1.0]


def test_4xx_is_returned_at_once(script):
    server = script((404, b"missing", True))

    with Http(retries=3, backoff=0, sleep=lambda s: None) as http:
        answer = http.request("GET", server.url, what="测试")

    assert answer.status_code == 404 and server.calls == 1


def test_the_last_failure_is_raised_after_the_retries(script):
    server = script(*[(502, b"<html>Bad Gateway</html>", True)] * 3)

    with Http(retries=2, backoff=0, sleep=lambda s: None) as http, pytest.raises(FetchError) as raised:
        http.request("GET", server.url, what="测试")

    assert str(raised.value) == "测试：HTTP 502 <html>Bad Gateway</html>，已重试 2 次"


def test_a_refused_connection_is_reported():
    with Http(retries=1, backoff=0, sleep=lambda s: None) as http, pytest.raises(FetchError) as raised:
        http.request("GET", "http://127.0.0.1:9/", what="测试")

    assert "连接失败" in str(raised.value)


@pytest.mark.parametrize("send_length", [True, False], ids=["declared", "streamed"])
def test_a_body_over_the_limit_is_refused(script, send_length):
    server = script((200, b"x" * 5000, send_length))

    with Http(max_bytes=1000, retries=0) as http, pytest.raises(FetchError) as raised:
        http.request("GET", server.url, what="测试")

    assert "响应过大" in str(raised.value)


def test_errors_carry_chinese_and_english():
    error = SourceAuthError("令牌已失效。", "The token expired.")
    assert str(error) == "令牌已失效。 / The token expired."
    assert isinstance(error, SourceConfigError)
    assert (error.zh, error.en) == ("令牌已失效。", "The token expired.")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>第一段</p><p>第二段&nbsp;&amp;&lt;附件&gt;</p>", "第一段\n第二段 &<附件>"),
        ("纯文本，没有标签", "纯文本，没有标签"),
        ("<div>正文<script>var x = '<p>';</script><style>p{}</style>结束</div>", "正文结束"),
        ("　　首行缩进<br/>换行", "首行缩进\n换行"),
        ("<p>未闭合<b>粗体", "未闭合粗体"),
        ("", ""),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text


def test_bounded_id_and_to_int():
    assert bounded_id("  guid-1 ") == "guid-1"
    assert bounded_id("x" * 200) == "x" * 200
    assert bounded_id("x" * 201).startswith("sha1:")
    assert [to_int(v) for v in (5, "7", None, "abc", -3, True, 2.9)] == [5, 7, 0, 0, 0, 1, 2]


def test_item_errors_are_capped():
    errors = ItemErrors()
    for n in range(25):
        errors.add(f"第 {n} 条")
    lines: list[str] = []
    errors.drain_into(lines)
    assert len(lines) == 21 and lines[-1] == "另有 5 条格式不对的条目被跳过。"


def test_fit_cuts_what_the_store_would_refuse():
    post = RawPost(
        source="rss-x",
        external_id="1",
        text="长" * 25_000,
        published_at=dt.datetime(2025, 5, 20, tzinfo=dt.UTC),
        title="标" * 400,
        url="https://x.cn/" + "a" * 1000,
        author="作" * 150,
        place="地" * 150,
        followers=2**40,
    )

    fit(post)

    assert len(post.text) == 20_000 and post.text.endswith("…")
    assert len(post.title) == 300 and len(post.author) == 100 and len(post.place) == 100
    assert post.url == ""
    assert post.followers == 2**31 - 1
