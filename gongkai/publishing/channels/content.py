"""What a page looks like on each channel: the public URL, the Weibo text, the WeChat article."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator
from wagtail.rich_text import expand_db_html
from wagtail.whitelist import Whitelister, attribute_rule, check_url

from gongkai.core.outbox.newmedia import (
    WECHAT_CONTENT_MAX,
    WECHAT_DIGEST_MAX,
    WECHAT_TITLE_MAX,
    WEIBO_LINK_LENGTH,
    WEIBO_MAX_LENGTH,
    weibo_length,
)

DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "form", "svg"}


class ArticleWhitelister(Whitelister):
    """The HTML a WeChat article may carry: text structure, links, images and tables; no scripts."""

    element_rules = {
        **Whitelister.element_rules,
        "blockquote": attribute_rule({}),
        "span": attribute_rule({}),
        "u": attribute_rule({}),
        "table": attribute_rule({}),
        "thead": attribute_rule({}),
        "tbody": attribute_rule({}),
        "tr": attribute_rule({}),
        "th": attribute_rule({"colspan": True, "rowspan": True}),
        "td": attribute_rule({"colspan": True, "rowspan": True}),
        "a": attribute_rule({"href": check_url}),
    }

    def clean_tag_node(self, doc, tag):
        if tag.name in DROP_WITH_CONTENT:
            tag.decompose()
            return
        super().clean_tag_node(doc, tag)


def public_url(page) -> str:
    """The page's address on the public site (GONGKAI_BASE_URL + its path), or "" if it has none."""
    parts = page.get_url_parts()
    if not parts:
        return ""
    path = parts[2]
    return urljoin(settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/", path.lstrip("/"))


def summary_of(page) -> str:
    catalogue_summary = getattr(page, "catalogue_summary", None)
    if callable(catalogue_summary):
        text = catalogue_summary()
    else:
        text = getattr(page, "summary", "") or getattr(page, "search_description", "") or ""
    return " ".join(str(text).split())


def _no_topics(text: str) -> str:
    # "#话题#" is refused by statuses/share; a full-width sign reads the same.
    return text.replace("#", "＃")


def weibo_text(page, url: str) -> str:
    """【title】summary… url — cut to fit Weibo's 140 characters."""
    title = _no_topics(" ".join(page.title.split()))
    summary = _no_topics(summary_of(page))
    budget = WEIBO_MAX_LENGTH - WEIBO_LINK_LENGTH - 1
    head = f"【{title}】"
    while weibo_length(head) > budget - 1 and len(title) > 1:
        title = title[:-1]
        head = f"【{title}…】"
    text = head + summary
    if weibo_length(text) > budget:
        while summary and weibo_length(head + summary + "…") > budget:
            summary = summary[:-1]
        text = head + summary + "…" if summary else head
    return f"{text} {url}"


def article_html(page, url: str) -> str:
    """The page's body as a WeChat article: expanded links, sanitised, absolute, within 20,000 characters."""
    body: Any = getattr(page, "body", "") or ""
    raw = expand_db_html(body) if isinstance(body, str) else str(body)
    cleaned = ArticleWhitelister().clean(raw)
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/"
    cleaned = cleaned.replace('href="/', f'href="{base}').replace('src="/', f'src="{base}')
    # Text for the account's readers, always in Chinese whatever language the publisher uses.
    footer = f"<p>原文链接：{escape(url)}</p>"
    if len(cleaned) + len(footer) > WECHAT_CONTENT_MAX:
        text = Truncator(strip_tags(cleaned)).chars(WECHAT_CONTENT_MAX - len(footer) - 200)
        cleaned = f"<p>{escape(text)}</p><p>（全文见原文链接）</p>"
    if not strip_tags(cleaned).strip():
        cleaned = f"<p>{escape(summary_of(page) or page.title)}</p>"
    return cleaned + footer


def wechat_article(page, url: str) -> dict[str, Any]:
    title = " ".join(page.title.split())
    if len(title) > WECHAT_TITLE_MAX:
        title = title[: WECHAT_TITLE_MAX - 1] + "…"
    return {
        "action": "post",
        "title": title,
        "author": (getattr(settings, "WECHAT_MP_AUTHOR", "") or "")[:16],
        "digest": Truncator(summary_of(page)).chars(min(WECHAT_DIGEST_MAX, 120)),
        "content": article_html(page, url),
        "content_source_url": url,
    }


def payload_for(channel: str, page, url: str) -> dict[str, Any]:
    if channel == "weibo":
        return {"action": "post", "text": weibo_text(page, url)}
    return wechat_article(page, url)


def account_for(channel: str) -> str:
    if channel == "weibo":
        return settings.WEIBO_ACCOUNT_NAME
    return settings.WECHAT_MP_ACCOUNT_NAME
