"""Two-factor pages for staff: overview, set-up with QR code, verification, backup codes."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from gongkai.accounts import otp
from gongkai.accounts.forms import ConfirmDeviceForm, TokenForm

if TYPE_CHECKING:
    from gongkai.accounts.models import User

    class OTPUser(User):
        """The user as django-otp's ``OTPMiddleware`` leaves it on the request."""

        def is_verified(self) -> bool: ...

    class OTPRequest(HttpRequest):
        """A request behind ``login_required`` (so the user is authenticated) and ``OTPMiddleware``."""

        user: OTPUser
else:
    OTPRequest = HttpRequest


def _next_url(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


def _url(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _needs_verification_first(request: OTPRequest) -> bool:
    """A password alone must not let anyone add or replace a second factor."""
    return user_has_device(request.user, confirmed=True) and not request.user.is_verified()


@never_cache
@login_required
def two_factor_overview(request: OTPRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/2fa_overview.html",
        {
            "has_totp": otp.user_has_totp(user),
            "is_verified": user.is_verified(),
            "backup_codes_remaining": otp.backup_codes_remaining(user),
            "is_required": bool(settings.GONGKAI_REQUIRE_2FA and user.is_staff),
        },
    )


@never_cache
@login_required
def two_factor_setup(request: OTPRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next")
    if _needs_verification_first(request):
        return redirect(_url("accounts:2fa_verify", reverse("accounts:2fa_setup")))
    device = otp.totp_device_start(user=request.user)
    form = ConfirmDeviceForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        if otp.totp_device_confirm(device=device, token=form.cleaned_data["token"]):
            device.refresh_from_db()
            otp_login(request, device)
            codes = otp.backup_codes_generate(user=request.user)
            # The codes are rendered once and never stored in clear anywhere else.
            return render(
                request,
                "accounts/2fa_backup_codes.html",
                {"codes": codes, "next_url": _next_url(request, form.cleaned_data.get("next"))},
            )
        form.add_error("token", _("验证码不正确或尝试过于频繁，请稍候再试。"))
    return render(
        request,
        "accounts/2fa_setup.html",
        {
            "form": form,
            "qr_svg": otp.totp_qr_svg(device),
            "secret": otp.totp_secret_base32(device),
            "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
        },
    )


@never_cache
@login_required
def two_factor_verify(request: OTPRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next")
    if request.user.is_verified():
        return HttpResponseRedirect(_next_url(request, next_url))
    if not user_has_device(request.user, confirmed=True):
        return redirect(_url("accounts:2fa_setup", _next_url(request, next_url)))
    form = TokenForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        # Checked before the attempt: a throttled device refuses even the right code.
        was_throttled = otp.otp_throttled(request.user)
        device = otp.otp_verify(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request, form.cleaned_data.get("next")))
        if was_throttled:
            form.add_error("token", _("错误次数过多，请稍候再试。"))
        else:
            form.add_error("token", _("验证码不正确。"))
    return render(request, "accounts/2fa_verify.html", {"form": form})


@never_cache
@login_required
@require_POST
def two_factor_backup_codes(request: OTPRequest) -> HttpResponse:
    if not request.user.is_verified():
        return redirect(_url("accounts:2fa_verify", reverse("accounts:2fa")))
    codes = otp.backup_codes_generate(user=request.user)
    return render(
        request, "accounts/2fa_backup_codes.html", {"codes": codes, "next_url": reverse("accounts:2fa")}
    )


@never_cache
@login_required
@require_POST
def two_factor_disable(request: OTPRequest) -> HttpResponse:
    if settings.GONGKAI_REQUIRE_2FA:
        messages.error(request, _("本系统要求工作人员使用两步验证，不能关闭。"))
        return redirect("accounts:2fa")
    if not request.user.is_verified():
        return redirect(_url("accounts:2fa_verify", reverse("accounts:2fa")))
    otp.otp_disable(user=request.user)
    messages.success(request, _("两步验证已关闭。"))
    return redirect("accounts:2fa")
