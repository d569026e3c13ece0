"""Browser smoke test: Debian's Chromium, driven by Playwright, opens the public home page and
logs into the staff admin. Screenshots go to test-results/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site():
    import io

    from gongkai.portal import demo

    demo.load(stdout=io.StringIO())


def test_home_page_and_staff_login(live_server, browser, demo_site, django_user_model):

    django_user_model.objects.create_superuser("smoke", "smoke@example.com", "Smoke-test-2026!")
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})

    page.goto(live_server.url + "/")
    assert "吉林市人民政府" in page.title()
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("search").count() >= 1
    page.screenshot(path=str(SHOTS / "home.png"), full_page=True)

    page.goto(live_server.url + "/admin/")
    page.fill("input[name=username]", "smoke")
    page.fill("input[name=password]", "Smoke-test-2026!")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/admin/login" not in page.url
    page.screenshot(path=str(SHOTS / "admin-dashboard.png"), full_page=True)
    assert page.locator("#wagtail-sidebar").count() == 1
