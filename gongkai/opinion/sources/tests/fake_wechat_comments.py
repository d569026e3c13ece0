"""A local fake of WeChat's comment list for opinion tests, on top of the outbox's FakeWechat.

Adds ``cgi-bin/comment/list`` (``msg_data_id``, ``index``, ``begin``, ``count`` < 50, ``type``) with
the platform's answer (``{"errcode": 0, "errmsg": "ok", "total", "comment": [...]}``) and error
format (``{"errcode", "errmsg"}`` with HTTP 200). Inherited from FakeWechat: ``stable_token``, the
token check (``42001``), ``expire_tokens`` and ``fail_next(path, *errcodes)``. New controls:
``order`` ("asc": oldest first, or "desc"), ``answer_raw_next`` (a non-JSON body or a status),
``delete`` (a comment disappears, shifting offsets) and ``comment_privilege``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from gongkai.core.outbox.tests import fake_wechat
from gongkai.core.outbox.tests.fake_wechat import APP_ID, APP_SECRET, FakeWechat

COMMENT_LIST = "cgi-bin/comment/list"
CST = dt.timezone(dt.timedelta(hours=8))


class FakeWechatComments(FakeWechat):
    def __init__(self, start: dt.datetime | None = None) -> None:
        super().__init__()
        self.comments: dict[tuple[int, int], list[dict]] = {}  # (msg_data_id, index) -> oldest first
        self.order = "asc"
        self.comment_privilege = True
        self.raw_next: list[tuple[int, bytes]] = []
        self.epoch = start or (dt.datetime.now(CST) - dt.timedelta(hours=3)).replace(microsecond=0)
        self._comment_ids: dict[tuple[int, int], itertools.count] = {}
        self._clock = itertools.count(1)
        self.read_lock = threading.Lock()

    # --- test data ---------------------------------------------------------------------------------

    def add_article(self, msg_data_id: int, index: int = 0) -> None:
        with self.read_lock:
            self.comments.setdefault((msg_data_id, index), [])
            self._comment_ids.setdefault((msg_data_id, index), itertools.count(1))

    def add_comment(
        self, msg_data_id: int, content: str, *, index: int = 0, openid: str = "", **fields
    ) -> dict:
        self.add_article(msg_data_id, index)
        with self.read_lock:
            comment_id = next(self._comment_ids[(msg_data_id, index)])
            moment = self.epoch + dt.timedelta(minutes=next(self._clock))
            comment = {
                "user_comment_id": comment_id,
                "openid": openid or f"oFAKE{comment_id:06d}",
                "create_time": int(moment.timestamp()),
                "content": content,
                "comment_type": 0,
                **fields,
            }
            self.comments[(msg_data_id, index)].append(comment)
        return comment

    def delete(self, msg_data_id: int, comment_id: int, index: int = 0) -> None:
        with self.read_lock:
            self.comments[(msg_data_id, index)] = [
                c for c in self.comments[(msg_data_id, index)] if c["user_comment_id"] != comment_id
            ]

    def answer_raw_next(self, body: bytes, status: int = 200) -> None:
        with self.read_lock:
            self.raw_next.append((status, body))

    # --- protocol ----------------------------------------------------------------------------------

    def handle(self, path: str, query: dict[str, str], body: bytes, content_type: str):  # type: ignore[override]
        if path != COMMENT_LIST:
            return super().handle(path, query, body, content_type)
        with self.lock:
            self.requests.append((path, body))
            injected = self.fail.get(path, [])
            code = injected.pop(0) if injected else None
        with self.read_lock:
            raw = self.raw_next.pop(0) if self.raw_next else None
        if raw is not None:
            return raw
        if code is not None:
            return {"errcode": code, "errmsg": "injected failure"}
        token = query.get("access_token")
        if not token:
            return {"errcode": 41001, "errmsg": "access_token missing"}
        with self.lock:
            valid = token in self.tokens
        if not valid:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if not self.comment_privilege:
            return {"errcode": 88000, "errmsg": "without comment privilege"}
        try:
            data = json.loads(body.decode("utf-8"))
            key = (int(data["msg_data_id"]), int(data.get("index", 0)))
            begin, count, kind = int(data["begin"]), int(data["count"]), int(data["type"])
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            return {"errcode": 47001, "errmsg": "data format error"}
        if count >= 50 or count < 1 or begin < 0 or kind not in {0, 1, 2}:
            return {"errcode": 88010, "errmsg": "count range error. cout <= 0 or count > 50"}
        with self.read_lock:
            if key not in self.comments:
                return {"errcode": 88001, "errmsg": "msg_data is not exists"}
            comments = list(self.comments[key])
        if kind:
            comments = [c for c in comments if c["comment_type"] == (1 if kind == 2 else 0)]
        if self.order == "desc":
            comments.reverse()
        return {
            "errcode": 0,
            "errmsg": "ok",
            "total": len(comments),
            "comment": comments[begin : begin + count],
        }

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                answer = fake.handle(
                    parts.path.lstrip("/"), query, body, self.headers.get("Content-Type") or ""
                )
                if isinstance(answer, tuple):
                    status, data = answer
                else:
                    status, data = 200, json.dumps(answer, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; encoding=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            def log_message(self, format, *args):
                pass

        return Handler


def use(settings, server: FakeWechatComments) -> FakeWechatComments:
    """Point the city's WeChat settings at ``server`` (pytest-django's ``settings``)."""
    fake_wechat.use(settings, server)
    return server


def config(server: FakeWechatComments, **extra) -> dict:
    """A Source config for the comments client, pointed at ``server``."""
    return {"app_id": APP_ID, "app_secret": APP_SECRET, "base_url": server.url, "timeout": 2.0, **extra}
