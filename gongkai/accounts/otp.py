"""Two-factor authentication for staff: TOTP devices, one-time backup codes, verification.

Built on django-otp: ``TOTPDevice`` (authenticator apps) and ``StaticDevice`` (backup codes).
Both throttle failed attempts themselves (an exponentially growing wait after each failure), so
every check goes through the device's ``verify_token``.
"""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"
BACKUP_CODE_COUNT = 10


def user_requires_otp(user: Any) -> bool:
    """Return whether ``user`` must confirm a code before using the admin and the staff API.

    All staff when ``GONGKAI_REQUIRE_2FA`` is on (production); otherwise only staff who turned
    two-factor on themselves (a confirmed device), so a voluntary device still protects them.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return False
    return bool(getattr(settings, "GONGKAI_REQUIRE_2FA", False)) or user_has_device(user, confirmed=True)


def user_has_totp(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def totp_device_start(*, user: Any) -> TOTPDevice:
    """Return the user's unconfirmed TOTP device, creating one with a fresh key if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_DEVICE_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm ``device`` with a code from the app; other TOTP devices of the user are removed."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(_clean(token)):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def backup_codes_generate(*, user: Any, count: int = BACKUP_CODE_COUNT) -> list[str]:
    """Replace the user's backup codes with ``count`` new ones and return them (shown once)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def backup_codes_remaining(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def otp_verify(*, user: Any, token: str) -> Any:
    """Check ``token`` against the user's confirmed devices; return the device that accepted it or None.

    A six-digit token is tried on authenticator apps, anything else on backup codes (a used
    backup code is deleted). Each device counts failures and refuses attempts while throttled.
    """
    token = _clean(token)
    if not token:
        return None
    is_totp_shaped = token.isdigit() and len(token) == 6
    # ``for_verify`` locks the devices (SELECT … FOR UPDATE), which PostgreSQL allows only inside
    # a transaction: outside one, every staff sign-in's second step answered 500 there.
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if isinstance(device, TOTPDevice) != is_totp_shaped:
                continue
            if device.verify_token(token if is_totp_shaped else token.lower()):
                return device
    return None


def otp_throttled(user: Any) -> bool:
    """Return whether every confirmed TOTP device of ``user`` currently refuses attempts."""
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    return bool(devices) and all(not device.verify_is_allowed()[0] for device in devices)


@transaction.atomic
def otp_disable(*, user: Any) -> None:
    """Remove every two-factor device of ``user`` (their own choice or an administrator's reset)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def totp_secret_base32(device: TOTPDevice) -> str:
    """The key for manual entry in an authenticator app, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The ``otpauth://`` URL of ``device`` as an inline SVG QR code (no image request, no JS)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, title="TOTP")


def _clean(token: str | None) -> str:
    return "".join((token or "").split()).replace("-", "")
