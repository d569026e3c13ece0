"""Two-factor enforcement for staff (filled in by the accounts work)."""

from __future__ import annotations


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
