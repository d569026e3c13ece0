"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) at /open311/v2/, in JSON and XML.

Plain Django views, because GeoReport has its own formats: errors are a list of ``{code,
description}`` with the HTTP status; XML uses the documented element names.

Mapping:

- services = the active entries of the routing catalogue (派单目录): ``service_code`` is the
  category code, ``group`` its top-level entry; every service has one attribute, ``type``
  (诉求类型), so ``metadata`` is true;
- a request = a work order: ``service_request_id`` is the tracking number, ``status`` open/closed
  (merged and invalid orders are closed), ``status_notes`` the public status, ``agency_responsible``
  the lead department, ``service_notice`` the deadline rule, ``expected_datetime`` the reply due time;
- POST needs ``api_key`` = a Wagtail API token of an active staff account; orders are taken in on
  the ``open311`` channel and answered with their id at once (``type`` realtime; the ``token`` is
  the id too, so ``tokens/{token}`` resolves immediately).

Media: ``media_url`` (the spec's link to a photo the client hosts) is checked to be an absolute
http(s) URL of at most ``MAX_MEDIA_URL`` characters without user name or password, stored on the
order (``raw_source["media_url"]``) and returned as ``media_url``. It is never fetched by the
server: fetching a URL a client chose would let anyone with a key make the server request internal
addresses (SSRF: the metadata service, the database, admin ports) and download unbounded content.
Staff open the link in their own browser.

Privacy: GET never shows the caller; descriptions are redacted. Without an ``api_key`` GET shows
only requests filed through Open311 (whose submitters used a public interface) and not marked
confidential; with one, the orders the key's user may see. Orders from other channels are never
readable by tracking number alone (that needs the query code, on the citizen pages).
"""

import datetime
import xml.etree.ElementTree as ET  # noqa: S405 - we only build XML, never parse untrusted input
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from wagtail.models import APIToken

from gongkai.core.personal_data import mask_name, redact_text
from gongkai.hotline import ratelimit, selectors, services
from gongkai.hotline.models import (
    FINAL_STATUSES,
    Channel,
    OrderType,
    RoutingCategory,
    Status,
    WorkOrder,
)

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_JURISDICTION = "jlcity.gov.cn"
MAX_RANGE_DAYS = 90
MAX_RESULTS = 1000
MAX_PARAM = 5000
MAX_MEDIA_URL = 1000
GET_PER_IP = ratelimit.Limit("open311-get-ip", 300, 60)
POST_PER_KEY = ratelimit.Limit("open311-post-key", 60, 60)


def jurisdiction() -> str:
    return getattr(settings, "GONGKAI_OPEN311_JURISDICTION", DEFAULT_JURISDICTION)


# --- Rendering -------------------------------------------------------------------------------


class Open311Error(Exception):
    def __init__(self, status: int, description: Any):
        super().__init__(str(description))
        self.status = status
        self.description = str(description)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _to_xml(parent: ET.Element, tag: str, value: Any, item_tags: dict[str, str]) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, child in value.items():
            _to_xml(element, key, child, item_tags)
    elif isinstance(value, list):
        for child in value:
            _to_xml(element, item_tags.get(tag, "item"), child, item_tags)
    else:
        element.text = _text(value)


ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _render(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    element = ET.Element(root)
    if isinstance(data, list):
        for item in data:
            _to_xml(element, ITEM_TAGS[root], item, ITEM_TAGS)
    else:
        for key, value in data.items():
            _to_xml(element, key, value, ITEM_TAGS)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _render(fmt, "errors", [{"code": status, "description": description}], status=status)


def _iso(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(TZ).isoformat(timespec="seconds")


def open311_view(methods: tuple[str, ...]):
    """Wrap a view: allowed methods, the jurisdiction, a per-IP read limit and the error format."""

    def decorate(view):
        @csrf_exempt  # api_key, not cookies, authenticates writes
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise Open311Error(405, _("不支持此请求方法。"))
                params = request.GET if request.method == "GET" else request.POST
                for value in params.values():
                    if len(value) > MAX_PARAM or "\x00" in value:
                        raise Open311Error(400, _("参数过长或含有无法识别的字符。"))
                given = params.get("jurisdiction_id", "").strip()
                if given and given != jurisdiction():
                    raise Open311Error(404, _("未知的 jurisdiction_id。"))
                if request.method == "GET" and ratelimit.reserve(
                    [(GET_PER_IP, ratelimit.client_ip(request))]
                ):
                    raise Open311Error(429, _("请求过于频繁，请稍后再试。"))
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return _error(fmt, exc.status, exc.description)

        return wrapper

    return decorate


# --- Discovery and services ---------------------------------------------------------------------


@open311_view(("GET",))
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "json"}))
    base = base.rsplit("/", 1)[0] + "/"
    data = {
        "changeset": "2026-06-01T00:00:00+08:00",
        "contact": _("吉林市12345政务服务便民热线，电话 12345"),
        "key_service": _("请联系市政务服务便民热线管理办公室申请接口令牌（api_key）。"),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-06-01T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _render(fmt, "discovery", data)


def _categories() -> QuerySet[RoutingCategory]:
    return RoutingCategory.objects.filter(is_active=True).select_related("parent__parent")


def _top(category: RoutingCategory) -> RoutingCategory:
    while category.parent is not None:
        category = category.parent
    return category


def _keywords(category: RoutingCategory) -> str:
    words = category.keywords.replace("\n", ",").replace("，", ",").split(",")
    return ",".join(word.strip() for word in words if word.strip())


@open311_view(("GET",))
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    data = [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.description or category.full_name,
            "metadata": True,
            "type": "realtime",
            "keywords": _keywords(category),
            "group": _top(category).name,
        }
        for category in _categories().order_by("path", "sort_order")
    ]
    return _render(fmt, "services", data)


def _type_attribute() -> dict:
    return {
        "variable": True,
        "code": "type",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": _("诉求类型，不填为“其他”"),
        "order": 1,
        "description": _("诉求类型"),
        "values": [{"key": value, "name": str(label)} for value, label in OrderType.choices],
    }


@open311_view(("GET",))
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    if not _categories().filter(code=code).exists():
        raise Open311Error(404, _("未知的 service_code。"))
    return _render(fmt, "service_definition", {"service_code": code, "attributes": [_type_attribute()]})


# --- Requests --------------------------------------------------------------------------------


def _api_user(key: str) -> Any:
    """The active staff user of a Wagtail API token, or ``None``."""
    key = (key or "").strip()
    if not key or len(key) > 200 or not APIToken.validate_token_format(key):
        return None
    token = (
        APIToken.objects.select_related("user")
        .filter(key_hash__in=APIToken.candidate_key_hashes(key), revoked_at__isnull=True)
        .first()
    )
    user = token.user if token is not None else None
    if user is None or not user.is_active or not user.is_staff:
        return None
    return user


def _readable(request: HttpRequest) -> QuerySet[WorkOrder]:
    key = request.GET.get("api_key", "")
    if key:
        user = _api_user(key)
        if user is None:
            raise Open311Error(403, _("api_key 无效。"))
        return selectors.work_order_visible(user)
    return WorkOrder.objects.filter(channel=Channel.OPEN311, confidential=False)


def _description(order: WorkOrder) -> str:
    text = redact_text(order.content)
    if order.caller_name and len(order.caller_name) >= 2:
        text = text.replace(order.caller_name, mask_name(order.caller_name))
    return text


def _request_out(order: WorkOrder) -> dict:
    closed = order.status in FINAL_STATUSES
    status_notes = str(order.get_status_display())
    if order.status == Status.MERGED and order.merged_into is not None:
        status_notes = _("已与相同诉求合并办理（受理编号 %(number)s）") % {
            "number": order.merged_into.tracking_number
        }
    department = order.lead_department
    return {
        "service_request_id": order.tracking_number,
        "status": "closed" if closed else "open",
        "status_notes": status_notes,
        "service_name": order.category.name if order.category else "",
        "service_code": order.category.code if order.category else "",
        "description": _description(order),
        "agency_responsible": department.name if department else "",
        "service_notice": order.deadline_rule_text,
        "requested_datetime": _iso(order.created_at),
        "updated_datetime": _iso(order.updated_at),
        "expected_datetime": _iso(order.reply_due_at) if not closed else None,
        "address": order.location,
        "address_id": "",
        "zipcode": "",
        "lat": float(order.latitude) if order.latitude is not None else None,
        "long": float(order.longitude) if order.longitude is not None else None,
        "media_url": (order.raw_source or {}).get("media_url", "")
        if order.channel == Channel.OPEN311
        else "",
    }


def _moment(value: str, *, field: str, end: bool = False) -> datetime.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                raise ValueError(value)
            moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    except ValueError:
        raise Open311Error(400, _("%(field)s 不是 ISO 8601 日期时间。") % {"field": field}) from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=TZ)
    return moment


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()][:MAX_RESULTS]


def _orders(queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    return queryset.select_related("category", "lead_department", "merged_into")


def _request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    queryset = _readable(request)
    ids = _split(request.GET.get("service_request_id", ""))
    if ids:
        # The spec: with ids, every other parameter is ignored.
        rows = _orders(queryset.filter(tracking_number__in=ids)).order_by("-created_at")
        return _render(fmt, "service_requests", [_request_out(order) for order in rows])
    start = _moment(request.GET.get("start_date", ""), field="start_date")
    end = _moment(request.GET.get("end_date", ""), field="end_date", end=True)
    if start is None:
        if end is None:
            end = timezone.now()
        start = end - datetime.timedelta(days=MAX_RANGE_DAYS)
    elif end is None:
        end = start + datetime.timedelta(days=MAX_RANGE_DAYS)
    if end < start:
        raise Open311Error(400, _("end_date 不能早于 start_date。"))
    if end - start > datetime.timedelta(days=MAX_RANGE_DAYS):
        raise Open311Error(400, _("查询区间不能超过 %(days)s 天。") % {"days": MAX_RANGE_DAYS})
    queryset = queryset.filter(created_at__gte=start, created_at__lte=end)
    codes = _split(request.GET.get("service_code", ""))
    if codes:
        queryset = queryset.filter(category__code__in=codes)
    statuses = set(_split(request.GET.get("status", "").lower()))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed。"))
    if statuses == {"open"}:
        queryset = queryset.exclude(status__in=FINAL_STATUSES)
    elif statuses == {"closed"}:
        queryset = queryset.filter(status__in=FINAL_STATUSES)
    rows = _orders(queryset).order_by("-created_at")[:MAX_RESULTS]
    return _render(fmt, "service_requests", [_request_out(order) for order in rows])


def _attributes(params: Any) -> dict[str, str]:
    return {
        key[len("attribute[") : -1]: value
        for key, value in params.items()
        if key.startswith("attribute[") and key.endswith("]")
    }


def _media_url(value: str) -> str:
    """The submitted ``media_url`` if it is an http(s) link we may store, else raise (400).

    Only checked and stored, never fetched (see the module docstring: SSRF).
    """
    from urllib.parse import urlsplit

    from django.core.validators import URLValidator

    url = (value or "").strip()
    if not url:
        return ""
    if len(url) > MAX_MEDIA_URL:
        raise Open311Error(400, _("media_url 不能超过 %(n)s 个字符。") % {"n": MAX_MEDIA_URL})
    try:
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
    except (ValidationError, ValueError):
        raise Open311Error(400, _("media_url 必须是以 http:// 或 https:// 开头的完整链接。")) from None
    if parts.username is not None or parts.password is not None:
        raise Open311Error(400, _("media_url 不能包含用户名或密码。"))
    return url


def _request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    user = _api_user(params.get("api_key", ""))
    if user is None:
        raise Open311Error(403, _("缺少 api_key 或 api_key 无效。"))
    if ratelimit.reserve([(POST_PER_KEY, str(user.pk))]):
        raise Open311Error(429, _("请求过于频繁，请稍后再试。"))
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("缺少 service_code。"))
    category = _categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("未知的 service_code。"))
    lat, lng = params.get("lat", "").strip(), params.get("long", "").strip()
    address = params.get("address_string", "").strip()
    if not ((lat and lng) or address or params.get("address_id", "").strip()):
        raise Open311Error(400, _("请提供 lat 和 long，或 address_string。"))
    description = params.get("description", "").strip()
    if not description:
        raise Open311Error(400, _("缺少 description。"))
    order_type = _attributes(params).get("type", "").strip() or category.default_type or OrderType.OTHER
    if order_type not in OrderType.values:
        raise Open311Error(400, _("attribute[type] 无效。"))
    name = " ".join(part for part in (params.get("last_name", ""), params.get("first_name", "")) if part)
    media_url = _media_url(params.get("media_url", ""))
    raw = {
        "service_code": code,
        "address_string": address[:500],
        "address_id": params.get("address_id", "")[:200],
        "device_id": params.get("device_id", "")[:200],
        "account_id": params.get("account_id", "")[:200],
        "media_url": media_url,
        "attributes": {k[:100]: v[:500] for k, v in _attributes(params).items()},
    }
    try:
        order, _code = services.work_order_create(
            channel=Channel.OPEN311,
            content=description,
            order_type=order_type,
            category=category,
            caller_name=name.strip()[:50],
            caller_phone=params.get("phone", ""),
            caller_email=params.get("email", ""),
            location=address[:200],
            latitude=lat or None,
            longitude=lng or None,
            raw_source=raw,
            actor=user,
            request=request,
        )
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        text = "；".join(
            f"{field}: {'、'.join(m)}" if field else "、".join(m) for field, m in messages.items()
        )
        raise Open311Error(400, text) from None
    data = [
        {
            "service_request_id": order.tracking_number,
            "token": order.tracking_number,
            "service_notice": _("已受理，%(rule)s。受理编号 %(number)s。")
            % {"rule": order.deadline_rule_text or _("按规定时限办理"), "number": order.tracking_number},
            "account_id": raw["account_id"],
        }
    ]
    return _render(fmt, "service_requests", data, status=201)


@open311_view(("GET", "POST"))
def request_collection(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt)
    return _request_list(request, fmt)


@open311_view(("GET",))
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    order = _orders(_readable(request).filter(tracking_number=request_id[:16])).first()
    if order is None:
        raise Open311Error(404, _("未找到该服务请求。"))
    return _render(fmt, "service_requests", [_request_out(order)])


@open311_view(("GET",))
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Requests are created at once, so a token is its request's id."""
    order = _readable(request).filter(tracking_number=token[:16]).first()
    if order is None:
        raise Open311Error(404, _("未找到该令牌。"))
    return _render(
        fmt,
        "service_requests",
        [{"service_request_id": order.tracking_number, "token": order.tracking_number}],
    )
