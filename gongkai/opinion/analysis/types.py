"""The shapes that travel through the opinion pipeline.

Every source (ingest API, file import, RSS poller, Weibo client, WeChat comments, the hotline and
website streams) hands the pipeline :class:`RawPost` objects; the pipeline returns one
:class:`Analysis` per post. Both are plain slotted dataclasses so a batch of 10,000 stays cheap.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

SENTIMENT_POSITIVE = "positive"
SENTIMENT_NEUTRAL = "neutral"
SENTIMENT_NEGATIVE = "negative"
SENTIMENTS = (SENTIMENT_POSITIVE, SENTIMENT_NEUTRAL, SENTIMENT_NEGATIVE)


@dataclass(slots=True)
class RawPost:
    """One post, comment, article or appeal as a source delivers it (already validated)."""

    source: str  # Source.code: "weibo", "wechat", "rss-<feed>", "vendor-<client>", "hotline", "website"
    external_id: str  # unique within the source; (source, external_id) makes ingest idempotent
    text: str
    published_at: datetime.datetime  # timezone-aware
    title: str = ""
    url: str = ""
    author: str = ""
    author_id: str = ""
    followers: int = 0  # reach
    verified: bool = False  # reach
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    place: str = ""  # free text from the source (profile location, geotag, article dateline)
    kind: str = "post"  # post / comment / article / appeal / message
    parent_external_id: str = ""  # for comments: the post commented on

    @property
    def key(self) -> str:
        return f"{self.source}:{self.external_id}"


@dataclass(slots=True)
class Analysis:
    """What the pipeline found in one post."""

    text: str  # normalized text (simplified, half-width, emoji as :name: or removed)
    fingerprint: int  # signed 64-bit hash of the normalized text (exact duplicates; fits a bigint)
    duplicate_of: str | None = None  # RawPost.key of the first near-duplicate seen in the window
    topics: list[int] = field(default_factory=list)  # ids of the monitoring topics (专题) matched
    sensitive: list[str] = field(default_factory=list)  # sensitive words found
    sentiment: str = SENTIMENT_NEUTRAL
    negative_probability: float = 0.0
    district: str = ""  # code of the district/county/city the post is about ("" unknown)
    event_key: int | None = None  # the event (incremental cluster) the post joined
    rumor_candidate: bool = False
