"""A local news site serving RSS 2.0 and Atom feeds for tests: a real HTTP server in a thread.

``/rss.xml`` and ``/atom.xml`` render the same list of items (``FakeFeeds.items``, newest first),
with an ``ETag`` and a ``Last-Modified`` header, and answer ``304 Not Modified`` to a matching
``If-None-Match`` / ``If-Modified-Since``. ``/raw`` answers ``raw_body`` as is (a malformed feed,
an HTML page, a huge body). Tests can make the next answers fail with a status (``fail_next``) or
be slow (``delay``). The items are news of Jilin City written for these tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

CST = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Item:
    guid: str
    title: str
    html: str
    published: dt.datetime | None
    link: str = ""
    author: str = ""


def jilin_items() -> list[Item]:
    """Five news items from Jilin City, newest first (times in Beijing time)."""
    return [
        Item(
            guid="jlcity-2025-0520-005",
            title="松花江吉林市区段全线开江 江城迎来春汛观测期",
            html=(
                "<p>吉林市讯（记者 王丽）5月20日，松花江吉林市区段全线开江，市水利局提醒市民"
                "不要在江边冰面逗留。</p><p>沿江&nbsp;各区已设置警示牌&amp;巡查岗。</p>"
                "<script>alert('x')</script>"
            ),
            published=dt.datetime(2025, 5, 20, 9, 30, tzinfo=CST),
            link="https://www.jlcity.gov.cn/zwgk/zwdt/202505/t20250520_005.html",
            author="吉林市人民政府办公室",
        ),
        Item(
            guid="jlcity-2025-0519-004",
            title="吉林省出台冰雪经济高质量发展若干措施",
            html="<p>新华社长春5月19日电 吉林省日前出台措施，支持吉林市北大湖等冰雪旅游度假区建设。</p>",
            published=dt.datetime(2025, 5, 19, 18, 5, tzinfo=CST),
            link="https://www.jlcity.gov.cn/zwgk/zwdt/202505/t20250519_004.html",
        ),
        Item(
            guid="jlcity-2025-0519-003",
            title="丰满区开展燃气安全隐患排查",
            html="<div>本报讯 丰满区应急管理局近日联合燃气公司，对辖区老旧小区开展入户安全检查。</div>",
            published=dt.datetime(2025, 5, 19, 10, 0, tzinfo=CST),
            link="https://www.jlcity.gov.cn/zwgk/zwdt/202505/t20250519_003.html",
        ),
        Item(
            guid="jlcity-2025-0518-002",
            title="关于网传“吉林市自来水停供三天”的说明",
            html=(
                "<p>近日有网民发布“吉林市自来水将停供三天”的消息。经核实，该消息不实，"
                "船营区仅个别小区因管网维修于5月18日短时停水。</p>"
            ),
            published=dt.datetime(2025, 5, 18, 21, 15, tzinfo=CST),
            link="https://www.jlcity.gov.cn/zwgk/zwdt/202505/t20250518_002.html",
        ),
        Item(
            guid="jlcity-2025-0517-001",
            title="昌邑区12345热线“接诉即办”工作推进会召开",
            html="<p>本报吉林5月17日讯 昌邑区召开12345热线工作推进会，通报一季度工单办理情况。</p>",
            published=dt.datetime(2025, 5, 17, 15, 40, tzinfo=CST),
            link="https://www.jlcity.gov.cn/zwgk/zwdt/202505/t20250517_001.html",
        ),
    ]


def render_rss(items: list[Item], *, title: str = "吉林市人民政府 政务动态") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel><title>{escape(title)}</title><link>https://www.jlcity.gov.cn/</link>",
        "<description>吉林市人民政府门户网站</description><language>zh-cn</language>",
    ]
    for item in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(item.title)}</title>")
        if item.link:
            parts.append(f"<link>{escape(item.link)}</link>")
        if item.guid:
            parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.published:
            parts.append(f"<pubDate>{format_datetime(item.published)}</pubDate>")
        if item.author:
            parts.append(f"<author>{escape(item.author)}</author>")
        parts.append(f"<description><![CDATA[{item.html}]]></description>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def render_atom(items: list[Item], *, title: str = "江城日报 吉林新闻") -> bytes:
    updated = max((i.published for i in items if i.published), default=dt.datetime(2025, 1, 1, tzinfo=CST))
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
        f"<title>{escape(title)}</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>",
        f"<updated>{updated.isoformat()}</updated>",
        '<link href="https://www.jlcity.gov.cn/"/>',
    ]
    for item in items:
        parts.append("<entry>")
        parts.append(f"<title>{escape(item.title)}</title>")
        if item.guid:
            parts.append(f"<id>tag:jlcity.gov.cn,2025:{escape(item.guid)}</id>")
        if item.link:
            parts.append(f'<link rel="alternate" href="{escape(item.link)}"/>')
        if item.published:
            parts.append(f"<published>{item.published.isoformat()}</published>")
            parts.append(f"<updated>{item.published.isoformat()}</updated>")
        if item.author:
            parts.append(f"<author><name>{escape(item.author)}</name></author>")
        parts.append(f'<content type="html">{escape(item.html)}</content>')
        parts.append("</entry>")
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")


class FakeFeeds:
    def __init__(self, items: list[Item] | None = None) -> None:
        self.lock = threading.Lock()
        self.items = items if items is not None else jilin_items()
        self.raw_body = b""
        self.raw_content_type = "application/xml; charset=utf-8"
        self.fail: list[int] = []  # statuses for the next answers
        self.delay = 0.0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> FakeFeeds:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- test controls -----------------------------------------------------------------------------

    def add(self, item: Item) -> None:
        with self.lock:
            self.items.insert(0, item)

    def fail_next(self, status: int, times: int = 1) -> None:
        with self.lock:
            self.fail.extend([status] * times)

    def calls(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _ in self.requests if p == path)

    # --- protocol ----------------------------------------------------------------------------------

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append((path, headers))
            failure = self.fail.pop(0) if self.fail else None
            items = list(self.items)
        if self.delay:
            time.sleep(self.delay)
        if failure:
            return failure, {"Content-Type": "text/html; charset=utf-8"}, "<h1>服务器错误</h1>".encode()
        if path == "/raw":
            return 200, {"Content-Type": self.raw_content_type}, self.raw_body
        if path == "/redirect":
            return 301, {"Location": "/rss.xml"}, b""
        if path == "/rss.xml":
            body, content_type = render_rss(items), "application/rss+xml; charset=utf-8"
        elif path == "/atom.xml":
            body, content_type = render_atom(items), "application/atom+xml; charset=utf-8"
        else:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        newest = max((i.published for i in items if i.published), default=None)
        validators = {"ETag": etag}
        if newest:
            validators["Last-Modified"] = format_datetime(newest.astimezone(dt.UTC), usegmt=True)
        if headers.get("if-none-match") == etag or (
            "if-none-match" not in headers
            and newest
            and headers.get("if-modified-since") == validators["Last-Modified"]
        ):
            return 304, validators, b""
        return 200, {"Content-Type": content_type, **validators}, body

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer_headers, body = fake.answer(urlsplit(self.path).path, headers)
                try:
                    self.send_response(status)
                    for name, value in answer_headers.items():
                        self.send_header(name, value)
                    if status != 304:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, format, *args):
                pass

        return Handler
