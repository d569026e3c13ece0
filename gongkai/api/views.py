"""Endpoints about the API itself."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import get_language
from ninja import Field, Router, Schema, Status
from wagtail.models import APIToken

from gongkai.api.errors import NotFound
from gongkai.core.audit.models import AuditEvent
from gongkai.core.audit.services import audit_record

router = Router(tags=["meta"])


class InfoOut(Schema):
    name: str
    api_version: str
    software_version: str
    languages: list[str]
    time_zone: str
    server_time: datetime.datetime


@router.get("/info", response=InfoOut, auth=None, summary="接口信息 / About this API")
def info(request):
    """Public: what this server is, its languages and its clock (integrations check their skew)."""
    from importlib.metadata import version

    from django.conf import settings
    from django.utils import timezone

    return {
        "name": settings.WAGTAIL_SITE_NAME,
        "api_version": "1",
        "software_version": version("gongkai"),
        "languages": [code for code, _name in settings.LANGUAGES],
        "time_zone": settings.TIME_ZONE,
        "server_time": timezone.localtime(),
    }


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


class TokenIn(Schema):
    model_config = {"extra": "forbid"}

    name: str = Field(..., min_length=1, max_length=100, description="用途 / what the token is for")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="只显示这一次 / shown only once")


@router.get("/tokens", response=list[TokenOut], summary="我的接口令牌 / My API tokens")
def token_list(request):
    return APIToken.objects.filter(user=request.auth).order_by("-created")


@router.post("/tokens", response={201: TokenCreatedOut}, summary="创建接口令牌 / Create an API token")
def token_create(request, payload: TokenIn):
    with transaction.atomic():
        token, plaintext = APIToken.create_token(user=request.auth, name=payload.name.strip())
        audit_record(
            actor=request.auth, action="api_token.created", target=token, request=request,
            kind=AuditEvent.Kind.SECURITY, new={"name": token.name, "prefix": token.prefix},
        )  # fmt: skip
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": plaintext})


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="吊销接口令牌 / Revoke an API token")
def token_revoke(request, token_id: int):
    with transaction.atomic():
        token = APIToken.objects.select_for_update().filter(user=request.auth, pk=token_id).first()
        if token is None:
            raise NotFound()
        if token.revoked_at is None:
            token.revoke()
            audit_record(
                actor=request.auth, action="api_token.revoked", target=token, request=request,
                kind=AuditEvent.Kind.SECURITY, new={"revoked_at": token.revoked_at},
            )  # fmt: skip
    return token
