from django.conf import settings
from django.contrib import admin as django_admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from gongkai.api.router import api
from gongkai.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/", api.urls),
    re_path(r"^api/", core_views.api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("gongkai.accounts.urls")),
    path("hotline/", include("gongkai.hotline.public_urls")),
    path("reception/", include("gongkai.hotline.reception.urls")),
    path("open311/v2/", include("gongkai.hotline.open311.urls")),
    path("disclosure/annual-reports/", include("gongkai.disclosure.annual.urls")),
    path("disclosure/", include("gongkai.disclosure.public_urls")),
    path("admin/", include(wagtailadmin_urls)),
    # Django's own admin is kept for superusers only, at a separate address; staff use /admin/.
    path("django-admin/", django_admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("feeds/", include("gongkai.publishing.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    path("", include("gongkai.portal.urls")),
    path("", include(wagtail_urls)),
]

# Error pages in the portal's layout and the reader's language (portal/errors.py).
handler400 = "gongkai.portal.errors.bad_request"
handler403 = "gongkai.portal.errors.permission_denied"
handler404 = "gongkai.portal.errors.page_not_found"
