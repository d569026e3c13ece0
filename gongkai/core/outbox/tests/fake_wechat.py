"""A local fake of the WeChat official-account API for tests: a real HTTP server in a thread.

It answers ``cgi-bin/stable_token``, ``cgi-bin/material/add_material``, ``cgi-bin/draft/add``,
``cgi-bin/freepublish/submit``, ``cgi-bin/freepublish/get`` and ``cgi-bin/freepublish/delete``
with the platform's response shapes (``{"errcode", "errmsg"}`` with HTTP 200 for errors), checks
the access token, keeps drafts and publications, reports a publication "in progress" for a set
number of polls, and can be told to fail the next calls with given errcodes (-1 busy, 45009
quota, 42001 token expired, 53503 refused …) or to expire every token.
"""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

APP_ID = "wxfake0123456789"
APP_SECRET = "fakeSecret0123456789abcdef012345"


class FakeWechat:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.materials: dict[str, int] = {}
        self.drafts: dict[str, dict] = {}
        self.publications: dict[str, dict] = {}
        self.articles: dict[str, dict] = {}
        self.requests: list[tuple[str, bytes]] = []
        self.fail: dict[str, list[int]] = {}  # path -> errcodes for the next calls
        self.polls_in_progress = 0  # freepublish/get answers "1 (发布中)" this many times first
        self.final_status = 0  # then this publish_status
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> FakeWechat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- test controls -----------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def fail_next(self, path: str, *errcodes: int) -> None:
        with self.lock:
            self.fail.setdefault(path, []).extend(errcodes)

    def calls(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _ in self.requests if p == path)

    def live_articles(self) -> list[dict]:
        with self.lock:
            return [a for a in self.articles.values() if not a["deleted"]]

    # --- protocol ----------------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def handle(self, path: str, query: dict[str, str], body: bytes, content_type: str) -> dict:
        with self.lock:
            self.requests.append((path, body))
        if path == "cgi-bin/stable_token":
            return self.stable_token(body)
        with self.lock:
            injected = self.fail.get(path, [])
            code = injected.pop(0) if injected else None
        if code is not None:
            return {"errcode": code, "errmsg": "injected failure"}
        token = query.get("access_token")
        if not token:
            return {"errcode": 41001, "errmsg": "access_token missing"}
        with self.lock:
            valid = token in self.tokens
        if not valid:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if path == "cgi-bin/material/add_material":
            if query.get("type") not in {"image", "thumb"} or not content_type.startswith(
                "multipart/form-data"
            ):
                return {"errcode": 40004, "errmsg": "invalid media type"}
            if b'name="media"' not in body:
                return {"errcode": 41005, "errmsg": "media data missing"}
            media_id = self._id("THUMB_")
            with self.lock:
                self.materials[media_id] = len(body)
            return {"media_id": media_id, "url": f"http://mmbiz.qpic.cn/fake/{media_id}/0"}
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {"errcode": 47001, "errmsg": "data format error"}
        if path == "cgi-bin/draft/add":
            return self.draft_add(data)
        if path == "cgi-bin/freepublish/submit":
            return self.submit(data)
        if path == "cgi-bin/freepublish/get":
            return self.get(data)
        if path == "cgi-bin/freepublish/delete":
            return self.delete(data)
        return {"errcode": 40066, "errmsg": "invalid url"}

    def stable_token(self, body: bytes) -> dict:
        data = json.loads(body or b"{}")
        if data.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if data.get("appid") != APP_ID:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if data.get("secret") != APP_SECRET:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self.lock:
            self.token_requests += 1
            if not self.tokens or data.get("force_refresh"):
                self.tokens = {f"ACCESS_TOKEN_{self.token_requests}"}
            token = next(iter(self.tokens))
        return {"access_token": token, "expires_in": 7200}

    def draft_add(self, data: dict) -> dict:
        articles = data.get("articles")
        if not isinstance(articles, list) or not articles:
            return {"errcode": 44003, "errmsg": "empty news data"}
        for article in articles:
            if not article.get("title") or not article.get("content"):
                return {"errcode": 44004, "errmsg": "empty content"}
            if len(article["title"]) > 64:
                return {"errcode": 45003, "errmsg": "title size out of limit"}
            if len(article["content"]) > 20000:
                return {"errcode": 45002, "errmsg": "content size out of limit"}
            with self.lock:
                known = article.get("thumb_media_id") in self.materials
            if not known:
                return {"errcode": 40007, "errmsg": "invalid media_id"}
        media_id = self._id("DRAFT_")
        with self.lock:
            self.drafts[media_id] = {"articles": articles}
        return {"media_id": media_id, "item": []}

    def submit(self, data: dict) -> dict:
        with self.lock:
            draft = self.drafts.pop(data.get("media_id", ""), None)
        if draft is None:
            return {"errcode": 40007, "errmsg": "invalid media_id"}
        publish_id = str(2_247_000_000 + next(self._ids))
        with self.lock:
            self.publications[publish_id] = {
                "draft": draft,
                "polls_left": self.polls_in_progress,
                "final": self.final_status,
                "article_id": None,
            }
        return {"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": str(2_650_000_000)}

    def get(self, data: dict) -> dict:
        publish_id = str(data.get("publish_id", ""))
        with self.lock:
            publication = self.publications.get(publish_id)
            if publication is None:
                return {"errcode": 40007, "errmsg": "invalid publish_id"}
            if publication["polls_left"] > 0:
                publication["polls_left"] -= 1
                return {"publish_id": publish_id, "publish_status": 1, "fail_idx": []}
            status = publication["final"]
            if status != 0:
                return {"publish_id": publish_id, "publish_status": status, "fail_idx": [1]}
            if publication["article_id"] is None:
                article_id = "ARTICLE_" + publish_id
                publication["article_id"] = article_id
                self.articles[article_id] = {
                    "article_id": article_id,
                    "title": publication["draft"]["articles"][0]["title"],
                    "deleted": False,
                }
            article_id = publication["article_id"]
        return {
            "publish_id": publish_id,
            "publish_status": 0,
            "article_id": article_id,
            "article_detail": {
                "count": 1,
                "item": [{"idx": 1, "article_url": f"https://mp.weixin.qq.com/s/{article_id}"}],
            },
            "fail_idx": [],
        }

    def delete(self, data: dict) -> dict:
        with self.lock:
            article = self.articles.get(str(data.get("article_id", "")))
            if article is None or article["deleted"]:
                return {"errcode": 40007, "errmsg": "invalid article_id"}
            article["deleted"] = True
        return {"errcode": 0, "errmsg": "ok"}

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
                data = json.dumps(answer, ensure_ascii=False).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json; encoding=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            def log_message(self, format, *args):
                pass

        return Handler


def use(settings, server: FakeWechat, *, polls: int = 2) -> FakeWechat:
    """Point the WeChat backend at ``server`` (pytest-django's ``settings``), polling ``polls`` times."""
    settings.GONGKAI_WECHAT_BACKEND = "http"
    settings.WECHAT_MP_API_BASE = server.url
    settings.WECHAT_MP_APP_ID = APP_ID
    settings.WECHAT_MP_APP_SECRET = APP_SECRET
    settings.WECHAT_MP_THUMB_MEDIA_ID = ""
    settings.WECHAT_MP_THUMB_IMAGE = ""
    settings.WECHAT_MP_TIMEOUT = 2.0
    settings.WECHAT_MP_PUBLISH_POLLS = polls
    settings.WECHAT_MP_PUBLISH_POLL_SECONDS = 0.0
    return server
