from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone

from gongkai.core.outbox.backends.aliyun_sms import AliyunSmsBackend, sign
from gongkai.core.outbox.backends.base import Kind
from gongkai.core.outbox.backends.smtp import SmtpBackend, message_id_for
from gongkai.core.outbox.backends.webhook import WebhookBackend
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.services import outbox_deliver
from gongkai.core.outbox.tests.fake_aliyun import ACCESS_KEY_ID, ACCESS_KEY_SECRET


def sms_message(key="k1", phone="13812341234", **params):
    return SimpleNamespace(
        pk=1,
        channel="sms",
        recipient=phone,
        idempotency_key=key,
        payload={"template": "SMS_100", "params": params},
        created_at=timezone.now(),
    )


def backend(fake, timeout=2.0):
    return AliyunSmsBackend(
        endpoint=fake.url,
        access_key_id=ACCESS_KEY_ID,
        access_key_secret=ACCESS_KEY_SECRET,
        sign_name="吉林市人民政府",
        timeout=timeout,
    )


# --- Aliyun SMS -----------------------------------------------------------------------------------


def test_signature_matches_the_example_in_aliyuns_documentation():
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert sign(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_send_sms_is_signed_and_carries_the_idempotency_key_as_out_id(fake_aliyun):
    # Spaces, "*", "~", "+", "/" and Chinese exercise every percent-encoding rule.
    result = backend(fake_aliyun).send(sms_message("workorder:7:replied:sms", name="张 三*~+/", no=7))
    assert result.kind is Kind.SENT
    assert result.provider_message_id
    request = fake_aliyun.requests[-1]
    assert request["Action"] == "SendSms"
    assert request["OutId"] == "workorder:7:replied:sms"
    assert request["SignName"] == "吉林市人民政府"
    assert json.loads(request["TemplateParam"]) == {"name": "张 三*~+/", "no": 7}
    assert fake_aliyun.sent_count_by_out_id() == {"workorder:7:replied:sms": 1}


def test_a_wrong_secret_is_refused_and_retried_not_dropped(fake_aliyun):
    wrong = AliyunSmsBackend(
        endpoint=fake_aliyun.url, access_key_id=ACCESS_KEY_ID, access_key_secret="nope", sign_name="x"
    )
    result = wrong.send(sms_message())
    assert result.kind is Kind.TRANSIENT
    assert result.error.startswith("SignatureDoesNotMatch")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("isv.MOBILE_NUMBER_ILLEGAL", Kind.PERMANENT),
        ("isv.TEMPLATE_MISSING_PARAMETERS", Kind.PERMANENT),
        ("isv.BUSINESS_LIMIT_CONTROL", Kind.TRANSIENT),
        ("Throttling.User", Kind.TRANSIENT),
        ("isv.AMOUNT_NOT_ENOUGH", Kind.TRANSIENT),
        ("isp.SYSTEM_ERROR", Kind.TRANSIENT),
    ],
)
def test_error_codes_are_classified(fake_aliyun, code, kind):
    fake_aliyun.fail_codes = [code]
    result = backend(fake_aliyun).send(sms_message())
    assert result.kind is kind
    assert code in result.error
    assert code in result.response_excerpt


def test_a_slow_provider_times_out_as_a_transient_maybe_sent_failure(fake_aliyun):
    fake_aliyun.delay_seconds = 1.0
    result = backend(fake_aliyun, timeout=0.2).send(sms_message())
    assert result.kind is Kind.TRANSIENT
    assert result.maybe_sent


def test_an_unreachable_provider_is_transient_and_certainly_not_sent():
    dead = AliyunSmsBackend(
        endpoint="http://127.0.0.1:9/", access_key_id="a", access_key_secret="b", sign_name="c"
    )
    result = dead.send(sms_message())
    assert result.kind is Kind.TRANSIENT
    assert not result.maybe_sent


def test_confirm_pages_through_query_send_details(fake_aliyun):
    sender = backend(fake_aliyun)
    for number in range(60):  # more than one page of 50
        sender.send(sms_message(f"other:{number}"))
    sender.send(sms_message("wanted"))
    assert sender.confirm(sms_message("wanted")) is True
    assert sender.confirm(sms_message("missing")) is False
    assert sender.confirm(sms_message("wanted", phone="13900000000")) is False
    pages = [r["CurrentPage"] for r in fake_aliyun.requests if r["Action"] == "QuerySendDetails"]
    assert pages[:2] == ["1", "2"]


# --- webhook --------------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver that verifies the signature and drops duplicate Idempotency-Keys."""

    def __init__(self, secret: str):
        self.secret = secret
        self.processed: dict[str, int] = {}
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = (
                    "sha256="
                    + hmac.new(
                        receiver.secret.encode(),
                        self.headers["X-Gongkai-Timestamp"].encode() + b"." + body,
                        hashlib.sha256,
                    ).hexdigest()
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if not hmac.compare_digest(expected, self.headers["X-Gongkai-Signature"]):
                    status = 401
                elif status == 200:
                    key = self.headers["Idempotency-Key"]
                    receiver.processed[key] = receiver.processed.get(key, 0) + 1
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver():
    found = Receiver("s3cret")
    yield found
    found.server.shutdown()
    found.server.server_close()


def webhook_message(url, key="hook:1"):
    return SimpleNamespace(
        pk=1, recipient=url, idempotency_key=key, payload={"event": "workorder.replied", "data": {"n": 1}}
    )


def test_webhook_posts_signed_json_with_the_idempotency_key(receiver):
    result = WebhookBackend(secret="s3cret").send(webhook_message(receiver.url))
    assert result.kind is Kind.SENT
    assert receiver.processed == {"hook:1": 1}


@pytest.mark.parametrize(
    ("status", "kind"), [(429, Kind.TRANSIENT), (503, Kind.TRANSIENT), (400, Kind.PERMANENT)]
)
def test_webhook_statuses_are_classified(receiver, status, kind):
    receiver.statuses = [status]
    assert WebhookBackend(secret="s3cret").send(webhook_message(receiver.url)).kind is kind


def test_webhook_with_a_wrong_secret_is_refused(receiver):
    assert WebhookBackend(secret="wrong").send(webhook_message(receiver.url)).kind is Kind.PERMANENT


# --- e-mail ---------------------------------------------------------------------------------------


@pytest.fixture
def outbox_email(settings):
    # Django's test set-up swaps EMAIL_BACKEND for locmem; put the project's setting back.
    from gongkai.settings import base

    assert base.EMAIL_BACKEND == "gongkai.core.outbox.mail.OutboxEmailBackend"
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND


@pytest.mark.django_db
def test_django_mail_goes_through_the_outbox(outbox_email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = mail.send_mail("密码重置", "点击链接重置密码。", None, ["citizen@example.com"])
    assert sent == 1
    message = OutboxMessage.objects.get()
    assert message.channel == "email"
    assert message.recipient == "citizen@example.com"
    assert message.payload["subject"] == "密码重置"
    assert message.status == OutboxMessage.Status.SENT  # the log backend, in embedded mode
    assert "密码重置" in message.delivery_attempts.get().response_excerpt


@pytest.mark.django_db
def test_smtp_backend_sends_through_django_smtp_with_a_stable_message_id(outbox_email, settings, monkeypatch):
    settings.GONGKAI_EMAIL_BACKEND = "smtp"
    outgoing = []
    from django.core.mail.backends.smtp import EmailBackend

    def capture(self, messages):
        outgoing.extend(messages)
        return len(messages)

    monkeypatch.setattr(EmailBackend, "send_messages", capture)
    mail.EmailMultiAlternatives(
        "主题", "正文", to=["a@example.com"], alternatives=[("<p>正文</p>", "text/html")]
    ).send()
    message = OutboxMessage.objects.get()
    # Not delivered yet (the test transaction has not committed); deliver it as the worker would.
    message = outbox_deliver(message.pk)
    assert message.status == OutboxMessage.Status.SENT
    assert len(outgoing) == 1  # no recursion into the outbox
    assert outgoing[0].extra_headers["Message-ID"] == message_id_for(message.idempotency_key)
    assert outgoing[0].alternatives[0][1] == "text/html"
    assert OutboxMessage.objects.count() == 1
    assert message_id_for("k") == message_id_for("k") != message_id_for("k2")


def test_smtp_refusals_are_classified():
    import smtplib

    class Refusing:
        def __init__(self, error):
            self.error = error

        def send_messages(self, messages):
            raise self.error

    msg = SimpleNamespace(
        idempotency_key="k", recipient="a@example.com", payload={"subject": "s", "body": "b"}
    )
    permanent = SmtpBackend(Refusing(smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no")}))).send(
        msg
    )
    assert permanent.kind is Kind.PERMANENT
    later = SmtpBackend(Refusing(smtplib.SMTPDataError(451, b"try later"))).send(msg)
    assert later.kind is Kind.TRANSIENT
    broken = SmtpBackend(Refusing(smtplib.SMTPServerDisconnected("gone"))).send(msg)
    assert broken.kind is Kind.TRANSIENT and broken.maybe_sent
