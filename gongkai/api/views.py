"""Endpoints about the API itself."""

from __future__ import annotations

from django.utils.translation import get_language
from ninja import Router, Schema

router = Router(tags=["meta"])


class MeOut(Schema):
    username: str
    full_name: str
    is_superuser: bool
    language: str
    roles: list[str]


@router.get("/me", response=MeOut, summary="当前用户 / Current user")
def me(request):
    user = request.auth
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "is_superuser": user.is_superuser,
        "language": get_language(),
        "roles": sorted(user.groups.values_list("name", flat=True)),
    }
