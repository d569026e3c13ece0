"""API authentication: Wagtail's bearer tokens for integrations, the session for staff in the browser.

Tokens are Wagtail 8's ``APIToken`` (only an HMAC digest is stored; staff create and revoke them in
the admin under their account, or with ``gongkai api_tokens``). ``request.auth`` is always the user.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyCookie
from wagtail.api.v3.auth import BearerTokenAuth


class ApiTokenAuth(BearerTokenAuth):
    """``Authorization: Bearer wagtail_…`` — a token created for a staff user."""

    def authenticate(self, request: HttpRequest, token: str):
        if not token or len(token) > 200:
            return None
        api_token = super().authenticate(request, token)
        return api_token.user if api_token is not None else None


class SessionStaffAuth(APIKeyCookie):
    """A logged-in staff session (CSRF-checked for unsafe methods)."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active and user.is_staff:
            return user
        return None
