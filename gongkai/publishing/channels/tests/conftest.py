from __future__ import annotations

import pytest
from django.core.cache import cache
from wagtail.models import Page, Site

from gongkai.core.outbox.tests import fake_wechat as fw
from gongkai.core.outbox.tests import fake_weibo as fb

BASE = f"https://{fb.SAFE_DOMAIN}"


@pytest.fixture(autouse=True)
def _channel_settings(settings):
    cache.clear()
    settings.WAGTAILADMIN_BASE_URL = BASE
    settings.WEIBO_SAFE_DOMAINS = [fb.SAFE_DOMAIN]
    settings.GONGKAI_RELEASE_CHANNELS = ["weibo", "wechat_mp"]
    settings.GONGKAI_WEIBO_BACKEND = "log"
    settings.GONGKAI_WECHAT_BACKEND = "log"
    yield
    cache.clear()


@pytest.fixture
def proactive(monkeypatch):
    """Treat plain Wagtail pages as 主动公开 documents (the page models are another app's)."""
    from gongkai.publishing.channels import services

    monkeypatch.setattr(services, "is_proactive", lambda page: True)


@pytest.fixture
def site_root(db):
    return Site.objects.get(is_default_site=True).root_page


@pytest.fixture
def make_page(site_root):
    def make(title="吉林市优化营商环境若干措施", slug="youhua", summary="为进一步优化营商环境，制定本措施。"):
        page = site_root.add_child(
            instance=Page(title=title, slug=slug, search_description=summary, live=False)
        )
        return page

    return make


@pytest.fixture
def fake_weibo():
    server = fb.FakeWeibo().start()
    yield server
    server.stop()


@pytest.fixture
def weibo(settings, fake_weibo):
    return fb.use(settings, fake_weibo)


@pytest.fixture
def fake_wechat():
    server = fw.FakeWechat().start()
    yield server
    server.stop()


@pytest.fixture
def wechat(settings, fake_wechat):
    return fw.use(settings, fake_wechat, polls=1)


@pytest.fixture
def release_staff(db, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="press", password="x-Password-123", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_channelrelease"),
        Permission.objects.get(codename="retry_channelrelease"),
        Permission.objects.get(codename="access_admin"),
    )
    return user


@pytest.fixture
def release_viewer(db, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="viewer", password="x-Password-123", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_channelrelease"),
        Permission.objects.get(codename="access_admin"),
    )
    return user
