"""Clients that collect posts from outside sources for the opinion pipeline.

The periodic job builds a client from a Source row and polls it::

    client = client_for(source.kind, source.config, source=source.code, url=source.url)
    result = client.fetch(source.cursor)        # never raises for what a later poll may cure
    ingest_posts(source, result.posts)          # idempotent by (source, external id)
    source.cursor = result.cursor                # plain JSON
    # result.errors: lines to show on the source; SourceAuthError/SourceConfigError: an operator
    # must fix the config or re-authorise the account before the next poll can work.

Kinds with a client: ``rss`` (RSS 2.0 and Atom), ``weibo``, ``wechat``. Sources that push (the
ingest API, file import, the hotline and website streams) have no client. See
docs/opinion-sources.md for each kind's config keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gongkai.opinion.sources.base import (
    FetchResult,
    SourceAuthError,
    SourceClient,
    SourceConfigError,
    SourceError,
)

__all__ = [
    "FetchResult",
    "SourceAuthError",
    "SourceClient",
    "SourceConfigError",
    "SourceError",
    "client_for",
    "polled_kinds",
    "register",
]

Factory = Callable[[dict[str, Any], str], SourceClient]
_FACTORIES: dict[str, Factory] = {}


def register(kind: str, factory: Factory) -> None:
    """Make ``client_for(kind, …)`` build clients with ``factory(config, source_code)``."""
    _FACTORIES[kind] = factory


def _rss(config: dict[str, Any], source: str) -> SourceClient:
    from gongkai.opinion.sources.rss import RssClient

    return RssClient.from_config(config, source=source)


def _weibo(config: dict[str, Any], source: str) -> SourceClient:
    from gongkai.opinion.sources.weibo import WeiboOpinionClient

    return WeiboOpinionClient.from_config(config, source=source)


def _wechat(config: dict[str, Any], source: str) -> SourceClient:
    from gongkai.opinion.sources.wechat import WeChatCommentsClient

    return WeChatCommentsClient.from_config(config, source=source)


register("rss", _rss)
register("weibo", _weibo)
register("wechat", _wechat)


def polled_kinds() -> frozenset[str]:
    """The Source kinds that have a client (the others push their posts)."""
    return frozenset(_FACTORIES)


def client_for(
    kind: str, config: dict[str, Any] | None, *, source: str | None = None, url: str = ""
) -> SourceClient:
    """The client for a Source row of ``kind`` with ``config``; its posts carry ``source`` as code.

    ``source`` defaults to ``config["source"]``, then to the kind. ``url`` (the row's address) is
    the feed of an ``rss`` source whose config has no ``url``. Raises SourceConfigError for a kind
    without a client or a config that cannot work.
    """
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise SourceConfigError(
            f"来源类型 {kind!r} 没有抓取客户端（可抓取的类型：{', '.join(sorted(_FACTORIES))}）。",
            f"Source kind {kind!r} has no polling client (polled kinds: {', '.join(sorted(_FACTORIES))}).",
        )
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise SourceConfigError("来源配置必须是 JSON 对象。", "A source's config must be a JSON object.")
    code = source or str(config.get("source") or "") or kind
    if url and not config.get("url"):
        config = {**config, "url": url}
    return factory(config, code)
