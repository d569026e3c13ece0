"""Wagtail hooks of the response sub-app: the staff forms' admin URLs (namespace ``opinion_response``)."""

from __future__ import annotations

from django.urls import include, path
from wagtail import hooks

from gongkai.opinion.response import urls


@hooks.register("register_admin_urls")
def register_response_urls():
    return [path("opinion/response/", include(urls, namespace="opinion_response"))]
