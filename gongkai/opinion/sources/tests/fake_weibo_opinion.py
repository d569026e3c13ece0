"""A local fake of Weibo's read interfaces for opinion tests, on top of the outbox's FakeWeibo.

Adds ``2/statuses/mentions.json``, ``2/comments/to_me.json``, ``2/comments/show.json`` and the
commercial ``2/search/statuses/limited.json`` with Weibo's paging (``since_id``, ``max_id``,
``count``, ``page``; search: ``q``, ``starttime``, ``endtime``, ``count`` ≤ 50, ``page``), newest
first, and Weibo's error format. Inherited from FakeWeibo: the access-token check (``21327``
expired_token), the refresh grant, and ``fail_next(path, error_code, http_status)``. New controls:
``answer_raw_next`` (a non-JSON or truncated body), ``search_licensed`` (``10014`` when False) and
``delay`` (a slow answer). Ids grow with time, as Weibo's do.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from gongkai.core.outbox.tests import fake_weibo
from gongkai.core.outbox.tests.fake_weibo import ACCESS_TOKEN, UID, FakeWeibo

CST = dt.timezone(dt.timedelta(hours=8))
MENTIONS = "2/statuses/mentions.json"
COMMENTS_TO_ME = "2/comments/to_me.json"
COMMENTS_SHOW = "2/comments/show.json"
SEARCH = "2/search/statuses/limited.json"
READ_PATHS = {MENTIONS, COMMENTS_TO_ME, COMMENTS_SHOW, SEARCH}

ACCOUNT = {
    "id": UID,
    "idstr": str(UID),
    "screen_name": "吉林发布",
    "followers_count": 1_250_000,
    "verified": True,
    "location": "吉林 吉林市",
}
USERS = [
    {"id": 1900000001, "idstr": "1900000001", "screen_name": "江城小王", "followers_count": 523,
     "verified": False, "location": "吉林 吉林市"},
    {"id": 1900000002, "idstr": "1900000002", "screen_name": "船营区居民李女士", "followers_count": 88,
     "verified": False, "location": "吉林 船营区"},
    {"id": 1900000003, "idstr": "1900000003", "screen_name": "吉林日报", "followers_count": 2_310_000,
     "verified": True, "location": "吉林 长春"},
]  # fmt: skip

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def created_at(moment: dt.datetime) -> str:
    """Weibo's format, "Tue May 20 08:00:01 +0800 2025", whatever the process locale."""
    moment = moment.astimezone(CST)
    return (
        f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d} "
        f"{moment:%H:%M:%S} +0800 {moment.year}"
    )


class Raw:
    def __init__(self, body: bytes, content_type: str = "text/html; charset=utf-8"):
        self.body = body
        self.content_type = content_type


class FakeWeiboOpinion(FakeWeibo):
    def __init__(self, start: dt.datetime | None = None) -> None:
        super().__init__()
        # Items are 7 seconds apart from ``start`` (default: two hours ago, inside search's look-back).
        self.epoch = start or (dt.datetime.now(CST) - dt.timedelta(hours=2)).replace(microsecond=0)
        self.mentions: list[dict] = []
        self.comments: list[dict] = []  # each with "status" (the post) and "_to_me"
        self.public: list[dict] = []  # what keyword search sees
        self.raw_next: dict[str, list[tuple[int, Raw]]] = {}
        self.search_licensed = True
        self.delay = 0.0
        self._sequence = itertools.count(1)
        self.read_lock = threading.Lock()

    # --- test data ---------------------------------------------------------------------------------

    def _stamp(self) -> tuple[int, dt.datetime]:
        number = next(self._sequence)
        return 5_000_000_000_000_000 + number * 1000, self.epoch + dt.timedelta(seconds=number * 7)

    def status(self, text: str, *, user: dict | None = None, **fields) -> dict:
        status_id, moment = self._stamp()
        status = {
            "created_at": created_at(moment),
            "id": status_id,
            "idstr": str(status_id),
            "mid": str(status_id),
            "text": text,
            "source": '<a href="http://weibo.com/" rel="nofollow">微博 weibo.com</a>',
            "user": dict(user or USERS[0]),
            "reposts_count": 0,
            "comments_count": 0,
            "attitudes_count": 0,
            "geo": None,
            "_seconds": int(moment.timestamp()),
            "_order": status_id,  # the real id, even when a test damages "id"
        }
        status.update(fields)
        return status

    def add_mention(self, text: str, **fields) -> dict:
        status = self.status(text, **fields)
        with self.read_lock:
            self.mentions.append(status)
            self.public.append(status)
        return status

    def add_public(self, text: str, **fields) -> dict:
        status = self.status(text, **fields)
        with self.read_lock:
            self.public.append(status)
        return status

    def add_comment(self, text: str, *, on: dict, user: dict | None = None, to_me: bool = True) -> dict:
        comment_id, moment = self._stamp()
        comment = {
            "created_at": created_at(moment),
            "id": comment_id,
            "idstr": str(comment_id),
            "mid": str(comment_id),
            "text": text,
            "source": '<a href="http://weibo.com/" rel="nofollow">微博 weibo.com</a>',
            "user": dict(user or USERS[1]),
            "status": _public(on),
            "_to_me": to_me,
            "_order": comment_id,
        }
        with self.read_lock:
            self.comments.append(comment)
        return comment

    def answer_raw_next(self, path: str, body: bytes, status: int = 200, times: int = 1) -> None:
        with self.read_lock:
            self.raw_next.setdefault(path, []).extend([(status, Raw(body))] * times)

    # --- protocol ----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, fields: dict[str, str]):  # type: ignore[override]
        if path not in READ_PATHS:
            return super().handle(method, path, fields)
        with self.lock:
            self.requests.append((path, dict(fields)))
            injected = self.fail.get(path, [])
            failure = injected.pop(0) if injected else None
        if self.delay:
            time.sleep(self.delay)
        with self.read_lock:
            raws = self.raw_next.get(path, [])
            raw = raws.pop(0) if raws else None
        if raw:
            return raw
        if failure:
            return self.error(path, failure[0], failure[1], "injected failure")
        if method != "GET":
            return self.error(path, 405, 10021, "HTTP method is not suported for this request")
        token = fields.get("access_token", "")
        if not token:
            return self.error(path, 403, 21301, "auth faild!")
        with self.lock:
            valid = token in self.valid_tokens
        if not valid:
            return self.error(path, 403, 21327, "expired_token")
        try:
            since_id = int(fields.get("since_id") or 0)
            max_id = int(fields.get("max_id") or 0)
            page = int(fields.get("page") or 1)
            count = int(fields.get("count") or (10 if path == SEARCH else 50))
        except ValueError:
            return self.error(path, 400, 10017, "parameter's value invalid")
        if page < 1 or count < 1 or count > (50 if path == SEARCH else 200):
            return self.error(path, 400, 10017, "parameter (count)'s value invalid")
        with self.read_lock:
            if path == MENTIONS:
                items, key = list(self.mentions), "statuses"
            elif path == COMMENTS_TO_ME:
                items, key = [c for c in self.comments if c["_to_me"]], "comments"
            elif path == COMMENTS_SHOW:
                if not fields.get("id", "").isdigit():
                    return self.error(
                        path, 400, 10016, "miss required parameter (id), see doc for more info."
                    )
                if not any(s["idstr"] == fields["id"] for s in self.public + self.mentions) and not any(
                    c["status"]["idstr"] == fields["id"] for c in self.comments
                ):
                    return self.error(path, 400, 20101, "target weibo does not exist!")
                items, key = [c for c in self.comments if c["status"]["idstr"] == fields["id"]], "comments"
            else:
                if not self.search_licensed:
                    return self.error(path, 403, 10014, "Insufficient app permissions!")
                if not fields.get("q"):
                    return self.error(path, 400, 10016, "miss required parameter (q), see doc for more info.")
                items, key = self._search(fields), "statuses"
        items = [i for i in items if i["_order"] > since_id and (not max_id or i["_order"] <= max_id)]
        items.sort(key=lambda i: i["_order"], reverse=True)
        chosen = items[(page - 1) * count : page * count]
        answer: dict = {key: [_public(i) for i in chosen], "total_number": len(items)}
        if key == "statuses":
            answer.update({"previous_cursor": 0, "next_cursor": 0, "hasvisible": False})
        return 200, answer

    def _search(self, fields: dict[str, str]) -> list[dict]:
        start = int(fields.get("starttime") or 0)
        end = int(fields.get("endtime") or 2**40)
        found = []
        for status in self.public:
            if fields["q"] in status["text"] and start <= status["_seconds"] <= end:
                found.append(status)
        return found

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                fields = dict(parse_qsl(parts.query, keep_blank_values=True))
                if method == "POST":
                    length = int(self.headers.get("Content-Length") or 0)
                    fields.update(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                status, answer = fake.handle(method, parts.path.lstrip("/"), fields)
                if isinstance(answer, Raw):
                    data, content_type = answer.body, answer.content_type
                else:
                    data = json.dumps(answer, ensure_ascii=False).encode()
                    content_type = "application/json;charset=UTF-8"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            def do_GET(self):  # noqa: N802
                self._answer("GET")

            def do_POST(self):  # noqa: N802
                self._answer("POST")

            def log_message(self, format, *args):
                pass

        return Handler


def _public(item: dict) -> dict:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def use(settings, server: FakeWeiboOpinion, **extra) -> FakeWeiboOpinion:
    """Point the city's Weibo settings at ``server`` (pytest-django's ``settings``)."""
    fake_weibo.use(settings, server, **extra)
    return server


def config(server: FakeWeiboOpinion, **extra) -> dict:
    """A Source config for the opinion client, pointed at ``server`` (search on the same server)."""
    return {
        "access_token": ACCESS_TOKEN,
        "base_url": server.url,
        "search_base_url": server.url,
        "timeout": 2.0,
        **extra,
    }
