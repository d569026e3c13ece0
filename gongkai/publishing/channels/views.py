"""Staff view of channel releases inside the Wagtail admin (发布渠道)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from gongkai.api.errors import ApiError
from gongkai.core.parsing import parse_id
from gongkai.publishing.channels.access import can_retry_releases, can_view_releases
from gongkai.publishing.channels.models import ReleaseChannel, ReleaseStatus
from gongkai.publishing.channels.selectors import channel_release_list
from gongkai.publishing.channels.services import channel_release_retry

PER_PAGE = 50


def release_index(request: HttpRequest) -> HttpResponse:
    if not can_view_releases(request.user):
        raise PermissionDenied
    channel = request.GET.get("channel") or ""
    status = request.GET.get("status") or ""
    if channel not in ReleaseChannel.values:
        channel = ""
    if status not in ReleaseStatus.values:
        status = ""
    page_id = parse_id(request.GET.get("page"))
    page_obj = Page.objects.filter(pk=page_id).first() if page_id else None
    releases = channel_release_list(
        page_id=page_obj.pk if page_obj else None, channel=channel or None, status=status or None
    )
    listing = Paginator(releases, PER_PAGE).get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    return TemplateResponse(
        request,
        "publishing_channels/index.html",
        {
            "page_title": _("发布渠道"),
            "listing": listing,
            "filtered_page": page_obj,
            "channels": ReleaseChannel.choices,
            "statuses": ReleaseStatus.choices,
            "channel": channel,
            "status": status,
            "query": query.urlencode(),
            "can_retry": can_retry_releases(request.user),
            "failed": ReleaseStatus.FAILED,
            "website": ReleaseChannel.WEBSITE,
        },
    )


@require_POST
def release_retry_view(request: HttpRequest, release_id: int) -> HttpResponse:
    if not can_retry_releases(request.user):
        raise PermissionDenied
    try:
        channel_release_retry(release_id=release_id, actor=request.user, request=request)
    except ApiError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("渠道发布 %(id)s 已重新排队。") % {"id": release_id})
    back = request.POST.get("next") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("publishing_channels:index")
