"""Two-factor enforcement for staff: the admin and the staff API need an OTP-verified session."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse

from gongkai.accounts.otp import user_has_totp, user_requires_otp


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


class StaffTwoFactorMiddleware:
    """Send a logged-in staff user whose session is not OTP-verified to confirm a code first.

    - Needs ``django_otp.middleware.OTPMiddleware`` before it (``request.user.is_verified()``).
    - Applies to the Wagtail admin, Django's admin and the API, and only when
      ``user_requires_otp()`` (``GONGKAI_REQUIRE_2FA``, or a device the user set up themselves).
    - Admin pages redirect to ``/accounts/2fa/verify/`` (or ``/accounts/2fa/setup/`` when the user
      has no authenticator yet). Login, logout and password reset stay reachable.
    - For the API the unverified session simply does not count as a login (``request.user``
      becomes anonymous): staff endpoints answer 401, public endpoints still work, and bearer
      tokens (integrations) are unaffected.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths: tuple[tuple[str, ...], tuple[str, ...], str] | None = None

    def _path_rules(self) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        # Resolved lazily: URLconf is not importable while middleware is instantiated.
        if self._paths is None:
            admin_home = _reverse_or_none("wagtailadmin_home") or "/admin/"
            django_admin = _reverse_or_none("admin:index") or "/django-admin/"
            protected = (admin_home, django_admin)
            exempt = tuple(
                path
                for path in (
                    _reverse_or_none("wagtailadmin_login"),
                    _reverse_or_none("wagtailadmin_logout"),
                    _reverse_or_none("wagtailadmin_password_reset"),
                    _reverse_or_none("admin:login"),
                    _reverse_or_none("admin:logout"),
                    settings.STATIC_URL,
                    "/healthz",
                    "/readyz",
                )
                if path
            )
            self._paths = (protected, exempt, "/api/")
        return self._paths

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request: HttpRequest, user) -> HttpResponseRedirect | None:
        protected, exempt, api_prefix = self._path_rules()
        path = request.path_info
        is_api = path.startswith(api_prefix)
        if not is_api and (path.startswith(exempt) or not path.startswith(protected)):
            return None
        if user.is_verified() or not user_requires_otp(user):
            return None
        if is_api:
            request.user = AnonymousUser()
            return None
        target = "accounts:2fa_verify" if user_has_totp(user) else "accounts:2fa_setup"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
