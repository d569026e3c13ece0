"""Aliyun SMS (阿里云短信服务, dysmsapi 2017-05-25) over its RPC-style HTTP API.

Implemented from Aliyun's public documentation of the RPC signature (signature version 1.0) and of
``SendSms`` / ``QuerySendDetails``; no SDK is needed:

* Common parameters: ``AccessKeyId``, ``Action``, ``Format=JSON``, ``RegionId=cn-hangzhou``,
  ``SignatureMethod=HMAC-SHA1``, ``SignatureNonce`` (unique per request), ``SignatureVersion=1.0``,
  ``Timestamp`` (UTC, ``YYYY-MM-DDThh:mm:ssZ``), ``Version=2017-05-25``.
* Percent-encoding: RFC 3986 over UTF-8 — everything except ``A-Z a-z 0-9 - _ . ~`` is encoded, so a
  space is ``%20`` (not ``+``), ``*`` is ``%2A`` and ``~`` stays ``~``.
* Canonical query: the encoded ``key=value`` pairs sorted by key, joined with ``&``.
  ``StringToSign = "GET&%2F&" + percent_encode(canonical_query)``;
  ``Signature = base64(HMAC-SHA1(key=AccessKeySecret + "&", StringToSign))``, sent as one more
  (encoded) query parameter.
* ``SendSms``: ``PhoneNumbers``, ``SignName``, ``TemplateCode``, ``TemplateParam`` (JSON), ``OutId``
  — we pass the outbox idempotency key as ``OutId`` so that ``QuerySendDetails`` can find the message.
  A response ``{"Code": "OK", "BizId": …}`` means accepted; other codes are classified below.
* ``QuerySendDetails``: ``PhoneNumber``, ``SendDate`` (``yyyyMMdd``, last 30 days), ``PageSize``
  (1–50), ``CurrentPage``; the answer lists ``SmsSendDetailDTOs.SmsSendDetailDTO[]`` with ``OutId``
  and ``SendStatus`` (1 waiting for receipt, 2 failed, 3 delivered).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.utils import timezone

from gongkai.core.outbox.backends.base import ConfirmError, Result

API_VERSION = "2017-05-25"
CHINA = ZoneInfo("Asia/Shanghai")

# Errors about this message itself: sending it again cannot succeed.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.INVALID_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_CONTENT_ILLEGAL",
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
        "isv.EXTEND_CODE_ERROR",
        "isv.SMS_TEST_NUMBER_LIMIT",
    }
)
# Everything else is retried with backoff: throttling (Throttling.*, isv.BUSINESS_LIMIT_CONTROL,
# isv.DAY_LIMIT_CONTROL), provider faults (isp.SYSTEM_ERROR, ServiceUnavailable) and account or
# configuration problems (isv.AMOUNT_NOT_ENOUGH, InvalidAccessKeyId.*, SignatureDoesNotMatch) that
# an operator can fix — the message itself is fine and should go out once they are fixed.


def percent_encode(value: str) -> str:
    return quote(str(value), safe="~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))


def sign(params: dict[str, str], access_key_secret: str, method: str = "GET") -> str:
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend:
    def __init__(
        self,
        *,
        endpoint: str,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        timeout: float = 10.0,
        region: str = "cn-hangzhou",
    ):
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self.region = region

    @classmethod
    def from_settings(cls) -> AliyunSmsBackend:
        return cls(
            endpoint=settings.ALIYUN_SMS_ENDPOINT,
            access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID or "",
            access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET or "",
            sign_name=settings.ALIYUN_SMS_SIGN_NAME or "",
            timeout=float(getattr(settings, "ALIYUN_SMS_TIMEOUT", 10.0)),
        )

    # --- requests ----------------------------------------------------------------------------------

    def signed_url(self, action: str, params: dict[str, str], *, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        query = {
            "AccessKeyId": self.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **{key: str(value) for key, value in params.items()},
        }
        signature = sign(query, self.access_key_secret)
        return f"{self.endpoint}?Signature={percent_encode(signature)}&{canonical_query(query)}"

    def _get(self, client: httpx.Client, action: str, params: dict[str, str]) -> httpx.Response:
        return client.get(self.signed_url(action, params))

    # --- interface ---------------------------------------------------------------------------------

    def send(self, message) -> Result:
        payload = message.payload
        params = {
            "PhoneNumbers": message.recipient,
            "SignName": payload.get("sign_name") or self.sign_name,
            "TemplateCode": payload["template"],
            "TemplateParam": json.dumps(payload.get("params", {}), ensure_ascii=False, separators=(",", ":")),
            "OutId": message.idempotency_key,
        }
        try:
            with httpx.Client(timeout=self.timeout) as client:
                response = self._get(client, "SendSms", params)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never reached Aliyun.
            return Result.transient(f"SendSms connect: {exc!r}")
        except httpx.HTTPError as exc:
            # Read timeout, broken connection, …: Aliyun may have accepted it.
            return Result.transient(f"SendSms: {exc!r}", maybe_sent=True)
        text = response.text
        try:
            data = response.json()
        except ValueError:
            return Result.transient(f"SendSms HTTP {response.status_code}: not JSON", text, maybe_sent=True)
        code = str(data.get("Code", ""))
        if code == "OK":
            return Result.sent(provider_message_id=str(data.get("BizId", "")), response=text)
        error = f"{code}: {data.get('Message', '')}"
        if code in PERMANENT_CODES:
            return Result.permanent(error, text)
        return Result.transient(error, text, maybe_sent=response.status_code >= 500)

    def confirm(self, message) -> bool | None:
        """Ask QuerySendDetails whether Aliyun has a message with OutId = the idempotency key.

        Looks at every China-time date from the message's creation to today (Aliyun keeps 30
        days). Raises ConfirmError if Aliyun cannot be asked, so that the caller waits rather than
        risking a duplicate.
        """
        today = timezone.now().astimezone(CHINA).date()
        first = max(message.created_at.astimezone(CHINA).date(), today - dt.timedelta(days=29))
        dates = [first + dt.timedelta(days=n) for n in range((today - first).days + 1)]
        try:
            with httpx.Client(timeout=self.timeout) as client:
                for day in reversed(dates):
                    if self._has_out_id(client, message.recipient, day, message.idempotency_key):
                        return True
        except httpx.HTTPError as exc:
            raise ConfirmError(f"QuerySendDetails: {exc!r}") from exc
        return False

    def _has_out_id(self, client: httpx.Client, phone: str, day: dt.date, out_id: str) -> bool:
        page = 1
        while True:
            response = self._get(
                client,
                "QuerySendDetails",
                {
                    "PhoneNumber": phone,
                    "SendDate": day.strftime("%Y%m%d"),
                    "PageSize": "50",
                    "CurrentPage": str(page),
                },
            )
            try:
                data = response.json()
            except ValueError:
                raise ConfirmError(f"QuerySendDetails HTTP {response.status_code}: not JSON") from None
            if data.get("Code") != "OK":
                raise ConfirmError(f"QuerySendDetails {data.get('Code')}: {data.get('Message', '')}")
            details = (data.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            # Any record counts, whatever its SendStatus: Aliyun accepted it, which is what a
            # successful SendSms would have told us too.
            if any(str(item.get("OutId", "")) == out_id for item in details):
                return True
            total = int(data.get("TotalCount") or 0)
            if not details or page * 50 >= total or page >= 20:
                return False
            page += 1
