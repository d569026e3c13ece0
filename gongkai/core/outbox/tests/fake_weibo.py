"""A local fake of Weibo's open platform (API v2) for tests: a real HTTP server in a thread.

It answers ``2/statuses/share.json``, ``2/statuses/destroy.json``, ``2/statuses/user_timeline.json``
and ``oauth2/access_token`` (refresh) with Weibo's response shapes and error format
(``{"error", "error_code", "request"}``), checks the access token, the safe-domain link, the
length and repeated content, and can be told to fail with given codes, expire the token, or
accept a post and then answer too slowly (a read timeout after the status exists).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

APP_KEY = "fakeAppKey"
APP_SECRET = "fakeAppSecret"
ACCESS_TOKEN = "2.00fakeToken1"
REFRESH_TOKEN = "2.00fakeRefresh1"
SAFE_DOMAIN = "www.jlcity.gov.cn"
UID = 5560000001


class FakeWeibo:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.valid_tokens = {ACCESS_TOKEN}
        self.refresh_tokens = {REFRESH_TOKEN}
        self.statuses: dict[int, dict] = {}
        self.requests: list[tuple[str, dict]] = []
        self.fail: dict[str, list[tuple[int, int]]] = {}  # path -> [(http status, error_code)]
        self.slow_after_accept = 0.0
        self.next_id = 4_900_000_000_000_000
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> FakeWeibo:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- test controls -----------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        with self.lock:
            self.valid_tokens.clear()

    def fail_next(self, path: str, error_code: int, http_status: int = 400, times: int = 1) -> None:
        with self.lock:
            self.fail.setdefault(path, []).extend([(http_status, error_code)] * times)

    def live_statuses(self) -> list[dict]:
        with self.lock:
            return [s for s in self.statuses.values() if not s["deleted"]]

    def calls(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _ in self.requests if p == path)

    # --- protocol ----------------------------------------------------------------------------------

    def error(self, path: str, http_status: int, code: int, message: str) -> tuple[int, dict]:
        return http_status, {"error": message, "error_code": code, "request": "/" + path}

    def handle(self, method: str, path: str, fields: dict[str, str]) -> tuple[int, dict]:
        with self.lock:
            self.requests.append((path, dict(fields)))
        if path == "oauth2/access_token":
            return self.access_token(fields)
        if path not in {"2/statuses/share.json", "2/statuses/destroy.json", "2/statuses/user_timeline.json"}:
            return self.error(path, 404, 10021, "HTTP method is not suported for this request")
        expected = "GET" if path.endswith("user_timeline.json") else "POST"
        if method != expected:
            return self.error(path, 405, 10021, "HTTP method is not suported for this request")
        with self.lock:
            injected = self.fail.get(path, [])
            failure = injected.pop(0) if injected else None
        if failure:
            return self.error(path, failure[0], failure[1], "injected failure")
        token = fields.get("access_token", "")
        if not token:
            return self.error(path, 403, 21301, "auth faild!")
        with self.lock:
            valid = token in self.valid_tokens
        if not valid:
            return self.error(path, 403, 21327, "expired_token")
        if path == "2/statuses/share.json":
            return self.share(path, fields)
        if path == "2/statuses/destroy.json":
            return self.destroy(path, fields)
        return self.timeline(fields)

    def share(self, path: str, fields: dict[str, str]) -> tuple[int, dict]:
        text = fields.get("status", "")
        if not text:
            return self.error(path, 400, 10016, "miss required parameter (status), see doc for more info.")
        if not fields.get("rip"):
            return self.error(path, 400, 10016, "miss required parameter (rip), see doc for more info.")
        if f"://{SAFE_DOMAIN}/" not in text:
            return self.error(path, 400, 10017, "appkey not bind domain!")
        if len(text) > 400:
            return self.error(path, 400, 20012, "Text too long, please input text less than 140 characters!")
        with self.lock:
            if any(s["text"] == text and not s["deleted"] for s in self.statuses.values()):
                return self.error(path, 400, 20019, "repeat content!")
            self.next_id += 1
            status_id = self.next_id
            status = {
                "created_at": dt.datetime.now(dt.UTC).strftime("%a %b %d %H:%M:%S +0000 %Y"),
                "id": status_id,
                "mid": str(status_id),
                "idstr": str(status_id),
                # Weibo shortens links in the stored text.
                "text": text.split("http", 1)[0] + "http://t.cn/A6fake" + str(status_id)[-4:],
                "source": '<a href="" rel="nofollow">吉林发布</a>',
                "favorited": False,
                "truncated": False,
                "user": {"id": UID, "idstr": str(UID), "screen_name": "吉林发布"},
                "reposts_count": 0,
                "comments_count": 0,
                "deleted": False,
                "original_text": text,
            }
            self.statuses[status_id] = status
        if self.slow_after_accept:
            time.sleep(self.slow_after_accept)
        return 200, _public(status)

    def destroy(self, path: str, fields: dict[str, str]) -> tuple[int, dict]:
        try:
            status_id = int(fields.get("id", ""))
        except ValueError:
            return self.error(path, 400, 10017, "parameter (id)'s value invalid")
        with self.lock:
            status = self.statuses.get(status_id)
            if status is None or status["deleted"]:
                return self.error(path, 400, 20101, "target weibo does not exist!")
            status["deleted"] = True
        return 200, _public(status)

    def timeline(self, fields: dict[str, str]) -> tuple[int, dict]:
        count = min(int(fields.get("count", "20") or 20), 100)
        live = sorted(self.live_statuses(), key=lambda s: s["id"], reverse=True)[:count]
        return 200, {"statuses": [_public(s) for s in live], "total_number": len(live)}

    def access_token(self, fields: dict[str, str]) -> tuple[int, dict]:
        path = "oauth2/access_token"
        if fields.get("client_id") != APP_KEY or fields.get("client_secret") != APP_SECRET:
            return self.error(path, 400, 21324, "unauthorized_client")
        if fields.get("grant_type") != "refresh_token":
            return self.error(path, 400, 21328, "unsupported_grant_type")
        with self.lock:
            if fields.get("refresh_token") not in self.refresh_tokens:
                return self.error(path, 400, 21325, "invalid_grant")
            self.refresh_tokens.discard(fields["refresh_token"])
            number = len(self.requests)
            token = f"2.00fakeToken{number}x"
            refresh = f"2.00fakeRefresh{number}x"
            self.valid_tokens.add(token)
            self.refresh_tokens.add(refresh)
        return 200, {
            "access_token": token,
            "expires_in": 157679999,
            "refresh_token": refresh,
            "uid": str(UID),
        }

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                fields = dict(parse_qsl(parts.query, keep_blank_values=True))
                if method == "POST":
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length).decode()
                    fields.update(parse_qsl(body, keep_blank_values=True))
                status, answer = fake.handle(method, parts.path.lstrip("/"), fields)
                data = json.dumps(answer, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=UTF-8")
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


def _public(status: dict) -> dict:
    return {k: v for k, v in status.items() if k not in {"deleted", "original_text"}}


def use(settings, server: FakeWeibo, **extra) -> FakeWeibo:
    """Point the Weibo backend at ``server`` (pytest-django's ``settings``); ``extra`` adds settings."""
    settings.GONGKAI_WEIBO_BACKEND = "http"
    settings.WEIBO_API_BASE = server.url
    settings.WEIBO_ACCESS_TOKEN = ACCESS_TOKEN
    settings.WEIBO_RIP = "202.98.0.68"
    settings.WEIBO_TIMEOUT = 2.0
    for name, value in extra.items():
        setattr(settings, name, value)
    return server
