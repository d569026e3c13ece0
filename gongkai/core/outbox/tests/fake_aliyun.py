"""A local fake of Aliyun's SMS API (dysmsapi 2017-05-25) for tests: a real HTTP server in a thread.

It checks the RPC signature exactly as Aliyun documents it, refuses reused nonces, records every
accepted ``SendSms`` by ``OutId`` and answers ``QuerySendDetails`` from those records. Tests can
make it fail with a given code, throttle, answer slowly, or block on one OutId (before or after
recording it) until released — the latter is how the crash test freezes a worker mid-send.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo

ACCESS_KEY_ID = "testKeyId"
ACCESS_KEY_SECRET = "testKeySecret"


def _enc(value: str) -> str:
    return quote(value, safe="~")


def expected_signature(params: dict[str, str], secret: str) -> str:
    canonical = "&".join(f"{_enc(k)}={_enc(params[k])}" for k in sorted(params))
    string_to_sign = "GET&%2F&" + _enc(canonical)
    return base64.b64encode(
        hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    ).decode()


class FakeAliyunSms:
    def __init__(self) -> None:
        self.records: list[dict] = []
        self.requests: list[dict] = []
        self.nonces: set[str] = set()
        self.lock = threading.Lock()
        self.fail_codes: list[str] = []  # answer SendSms with these codes, one per request
        self.query_fail_codes: list[str] = []
        self.delay_seconds = 0.0
        self.block_out_id: str | None = None
        self.block_after_record = True
        self.blocked = threading.Event()  # set when a request is being held
        self.release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> FakeAliyunSms:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    # --- observations ------------------------------------------------------------------------------

    def sent_count_by_out_id(self) -> Counter:
        with self.lock:
            return Counter(record["OutId"] for record in self.records)

    def block(self, out_id: str, *, after_record: bool) -> None:
        """Hold the first SendSms for ``out_id`` (after or before accepting it) until released."""
        self.block_out_id = out_id
        self.block_after_record = after_record
        self.blocked.clear()
        self.release.clear()

    # --- protocol ----------------------------------------------------------------------------------

    def handle(self, query: dict[str, str]) -> tuple[int, dict]:
        signature = query.pop("Signature", "")
        for name in (
            "AccessKeyId",
            "Action",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "Timestamp",
        ):
            if name not in query:
                return 400, {"Code": "MissingParameter", "Message": f"{name} is mandatory"}
        if query["AccessKeyId"] != ACCESS_KEY_ID:
            return 404, {
                "Code": "InvalidAccessKeyId.NotFound",
                "Message": "Specified access key is not found.",
            }
        if query["SignatureMethod"] != "HMAC-SHA1" or query["SignatureVersion"] != "1.0":
            return 400, {"Code": "InvalidParameter", "Message": "signature method"}
        if not hmac.compare_digest(signature, expected_signature(query, ACCESS_KEY_SECRET)):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched."}
        stamp = dt.datetime.strptime(query["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        if abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()) > 900:
            return 400, {"Code": "InvalidTimeStamp.Expired", "Message": "timestamp expired"}
        with self.lock:
            if query["SignatureNonce"] in self.nonces:
                return 400, {"Code": "SignatureNonceUsed", "Message": "nonce used"}
            self.nonces.add(query["SignatureNonce"])
            self.requests.append(dict(query))
        if query.get("Version") != "2017-05-25":
            return 400, {"Code": "InvalidVersion", "Message": "version"}
        if query["Action"] == "SendSms":
            return self.send_sms(query)
        if query["Action"] == "QuerySendDetails":
            return self.query_send_details(query)
        return 400, {"Code": "InvalidAction.NotFound", "Message": "action"}

    def send_sms(self, query: dict[str, str]) -> tuple[int, dict]:
        request_id = str(uuid.uuid4()).upper()
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        with self.lock:
            code = self.fail_codes.pop(0) if self.fail_codes else None
        if code:
            return 200, {"Code": code, "Message": code, "RequestId": request_id}
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not query.get(name):
                return 200, {"Code": "isv.INVALID_PARAMETERS", "Message": name, "RequestId": request_id}
        json.loads(query.get("TemplateParam") or "{}")
        holding = query.get("OutId") and query.get("OutId") == self.block_out_id
        if holding:
            self.block_out_id = None  # block once
            if not self.block_after_record:
                self._hold()
                return 200, {"Code": "OK", "Message": "OK", "RequestId": request_id, "BizId": "never-seen"}
        biz_id = f"{int(time.time() * 1000)}^{len(self.records)}"
        with self.lock:
            self.records.append(
                {
                    "OutId": query.get("OutId", ""),
                    "PhoneNum": query["PhoneNumbers"],
                    "TemplateCode": query["TemplateCode"],
                    "TemplateParam": query.get("TemplateParam", ""),
                    "SendDate": dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S"),
                    "BizId": biz_id,
                }
            )
        if holding:
            self._hold()
        return 200, {"Code": "OK", "Message": "OK", "RequestId": request_id, "BizId": biz_id}

    def _hold(self) -> None:
        self.blocked.set()
        self.release.wait(timeout=30)

    def query_send_details(self, query: dict[str, str]) -> tuple[int, dict]:
        with self.lock:
            code = self.query_fail_codes.pop(0) if self.query_fail_codes else None
        if code:
            return 200, {"Code": code, "Message": code}
        day = query["SendDate"]
        page_size = int(query.get("PageSize", "10"))
        page = int(query.get("CurrentPage", "1"))
        with self.lock:
            matches = [
                r
                for r in self.records
                if r["PhoneNum"] == query["PhoneNumber"] and r["SendDate"][:10].replace("-", "") == day
            ]
        chunk = matches[(page - 1) * page_size : page * page_size]
        details = [
            {
                "PhoneNum": r["PhoneNum"],
                "SendStatus": 3,
                "ErrCode": "DELIVERED",
                "TemplateCode": r["TemplateCode"],
                "Content": "",
                "SendDate": r["SendDate"],
                "ReceiveDate": r["SendDate"],
                "OutId": r["OutId"],
            }
            for r in chunk
        ]
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "RequestId": str(uuid.uuid4()),
            "TotalCount": len(matches),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
        }

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
                status, body = fake.handle(query)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client went away (e.g. killed while we held the request)

            def log_message(self, format, *args):
                pass

        return Handler
