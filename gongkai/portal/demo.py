"""Demo content for the portal: the home page as the root of the default site."""

from __future__ import annotations

from django.conf import settings
from wagtail.models import Page, Site

from gongkai.portal.models import HomePage


def load(*, stdout) -> None:
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        # Wagtail's initial migration creates a placeholder "Welcome" page; replace it.
        for placeholder in root.get_children().exact_type(Page):
            placeholder.delete()
        home = HomePage(
            title="吉林市人民政府 · 政府信息公开",
            slug="home",
            intro="公开透明、回应关切：在这里查阅政府信息，反映诉求，了解办理结果。",
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=settings.WAGTAIL_SITE_NAME,
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = settings.WAGTAIL_SITE_NAME
        site.save()
    stdout.write("门户首页已就绪 / portal home page ready")
