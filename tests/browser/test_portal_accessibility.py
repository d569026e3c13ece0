"""The public portal in Chromium: axe-core (WCAG 2.1 A/AA rules) finds no serious or critical
violation on the home page, the 政府信息公开 section, a policy document, an emergency event and a
search results page; keyboard users get the skip link; large type and a phone screen work.

axe-core is vendored (tests/browser/vendor/axe-core/axe.min.js, MPL-2.0): nothing is downloaded.
Screenshots go to test-results/portal-*.png for a person to look at.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_city(settings):
    """The demo city's departments, portal and documents (the publishing demo)."""
    from gongkai.accounts import demo as accounts_demo
    from gongkai.publishing import demo as publishing_demo

    settings.GONGKAI_RELEASE_CHANNELS = []
    accounts_demo.load_departments()
    publishing_demo.load(stdout=io.StringIO())


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} → {targets}")
    return "\n".join(lines)


def test_public_pages_pass_axe_and_work_by_keyboard_in_large_type_and_on_a_phone(
    live_server, browser, demo_city
):
    from gongkai.publishing.models import EmergencyEventPage, PolicyDocumentPage

    policy = PolicyDocumentPage.objects.get(index_number="11220200795219742W/2014-09752")
    emergency = EmergencyEventPage.objects.live().filter(is_open=True).first()
    assert emergency is not None
    pages = {
        "home": "/",
        "section": "/zwgk/",
        "policy": policy.url,
        "emergency": emergency.url,
        "search": "/search/?q=供热",
        "search-filtered": "/search/?q=路&type=announcement",
        "search-one-char": "/search/?q=雪",
    }
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    problems = {}
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (name, path)
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        assert page.get_by_role("heading", level=1).count() == 1, name
        page.screenshot(path=str(SHOTS / f"portal-{name}.png"), full_page=True)
        found = axe_violations(page)
        if found:
            problems[name] = describe(found)
    assert not problems, "\n\n".join(f"{name}:\n{text}" for name, text in problems.items())

    # The home page has real content: the emergency banner, headlines, policies, interpretations.
    page.goto(live_server.url + "/")
    assert page.locator(".emergency-banner").count() >= 1
    for heading in ("要闻动态", "最新政策文件", "政策解读", "政府信息公开"):
        assert page.get_by_role("heading", name=heading, level=2).count() == 1, heading
    assert page.locator("link[rel=alternate][type='application/rss+xml']").count() == 1

    # Keyboard: the first Tab reaches the skip link, which moves to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Search highlights the hits.
    page.goto(live_server.url + "/search/?q=供热")
    assert page.locator("ol.results mark").count() >= 1

    # Large type: the button enlarges the text on every page and is remembered.
    page.goto(live_server.url + "/")
    before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("#large-type-toggle")
    after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert after > before * 1.2
    page.goto(live_server.url + policy.url)
    assert page.evaluate("document.documentElement.classList.contains('large-type')")
    page.screenshot(path=str(SHOTS / "portal-policy-large-type.png"), full_page=True)
    assert not axe_violations(page)
    page.close()

    # A phone: no horizontal scrolling on the home page and the document page.
    phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    for name, path in (("home", "/"), ("policy", policy.url), ("search", "/search/?q=供热")):
        phone.goto(live_server.url + path)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        phone.screenshot(path=str(SHOTS / f"portal-phone-{name}.png"), full_page=True)
        assert overflow <= 1, (name, overflow)
    phone.close()
