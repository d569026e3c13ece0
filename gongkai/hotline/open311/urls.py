"""Open311 GeoReport v2 under /open311/v2/: every resource as ``.json`` and ``.xml``."""

from django.urls import re_path

from gongkai.hotline.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[-a-zA-Z0-9_]{1,60})" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.request_collection, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/.]{1,64})" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/.]{1,64})" + FMT, views.token_detail, name="token"),
]
