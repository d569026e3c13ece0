"""Public-opinion (舆情) monitoring: where posts come from, the posts as analysed, topics and events.

A :class:`Source` delivers posts (a data vendor through the ingest API, a file import, an RSS feed,
Weibo, WeChat, the city's own hotline and website); each :class:`Post` is stored once per
``(source, external_id)`` with what the pipeline (``gongkai.opinion.pipeline``) found in it:
normalized text, fingerprint, near-duplicate, topics (专题), sensitive words, sentiment, district,
event, rumor candidate. Events (:class:`Event`) are the clusterer's incremental clusters; the
pipeline's long-lived state is kept in :class:`ClustererState` so another process can resume.

Write only through ``gongkai.opinion.services``; read through ``gongkai.opinion.selectors``.
Times are stored in UTC.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.opinion.analysis.types import SENTIMENT_NEGATIVE, SENTIMENT_NEUTRAL, SENTIMENT_POSITIVE

# Bounds of what a source may send (checked by the ingest validation, so the columns never overflow).
MAX_EXTERNAL_ID = 200
MAX_AUTHOR = 100
MAX_TITLE = 300
MAX_TEXT = 20_000
MAX_URL = 1000
MAX_PLACE = 100
MAX_DISTRICT = 50  # a district's Department.code (the place tagger's codes)
MAX_COUNT = 2**31 - 1  # reposts, comments, likes, followers: a PostgreSQL integer/bigint column


class SourceKind(models.TextChoices):
    # A licensed data vendor pushing batches through the ingest API.
    VENDOR = "vendor", _("数据服务商")
    # A news or government site's RSS/Atom feed, polled.
    RSS = "rss", _("RSS订阅")
    # Weibo's open API (search, mentions, comments).
    WEIBO = "weibo", _("微博")
    # Comments on the city's WeChat official accounts.
    WECHAT = "wechat", _("微信")
    # The city's own 12345 hotline work orders.
    HOTLINE = "hotline", _("12345热线")
    # Messages left on the government website.
    WEBSITE = "website", _("政府网站留言")
    # Files imported with `gongkai opinion import`.
    FILE = "file", _("文件导入")


class PostKind(models.TextChoices):
    POST = "post", _("帖子")
    COMMENT = "comment", _("评论")
    ARTICLE = "article", _("文章")
    APPEAL = "appeal", _("诉求")
    MESSAGE = "message", _("留言")


class Sentiment(models.TextChoices):
    POSITIVE = SENTIMENT_POSITIVE, _("正面")
    NEUTRAL = SENTIMENT_NEUTRAL, _("中性")
    NEGATIVE = SENTIMENT_NEGATIVE, _("负面")


class EventStatus(models.TextChoices):
    # Found by the clusterer; nobody has assessed it yet.
    OPEN = "open", _("待研判")
    # An analyst assessed it (level, responsible department).
    ASSESSED = "assessed", _("已研判")
    # Over: answered, or not worth following.
    CLOSED = "closed", _("已关闭")


class SensitiveLevel(models.TextChoices):
    # Worth a look.
    NOTICE = "notice", _("关注")
    # Needs the analyst's attention soon.
    WARNING = "warning", _("警示")
    # Alert the analyst on duty.
    SEVERE = "severe", _("严重")


class Source(models.Model):
    """Where posts come from; ``code`` is what ``RawPost.source`` carries."""

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=SourceKind.choices)
    url = models.URLField(_("地址"), max_length=MAX_URL, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    config = models.JSONField(_("配置"), default=dict, blank=True)
    cursor = models.JSONField(
        _("拉取位置"), default=dict, blank=True, help_text=_("轮询型来源上次读到的位置（由程序维护）。")
    )
    last_polled_at = models.DateTimeField(_("上次拉取时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("舆情来源")
        verbose_name_plural = _("舆情来源")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class IngestClient(models.Model):
    """A data vendor allowed to push posts of one source through the ingest API.

    Only a SHA-256 digest of the key is stored (the key is random, 256 bits: no salt or slow hash
    needed); the key itself is shown once, when the client is created
    (``services.ingest_client_create``). Quotas count posts received, per minute and per day.
    """

    name = models.CharField(_("名称"), max_length=100)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="clients", verbose_name=_("来源")
    )
    key_prefix = models.CharField(_("密钥前缀"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    per_minute_quota = models.PositiveIntegerField(_("每分钟配额（条）"), default=20_000)
    per_day_quota = models.PositiveIntegerField(_("每日配额（条）"), default=2_000_000)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("创建人"),
    )
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("接入客户端")
        verbose_name_plural = _("接入客户端")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class Topic(models.Model):
    """A monitoring topic (专题): a keyword rule with AND / OR / NOT and proximity.

    The rule is checked with ``analysis.rules.parse_rule`` when saved through the services; a bad
    rule is refused with the position of the error.
    """

    name = models.CharField(_("名称"), max_length=100)
    rule = models.TextField(_("规则"), help_text=_("关键词规则：AND、OR、NOT、括号和邻近匹配。"))
    description = models.CharField(_("说明"), max_length=300, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    owner_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("负责单位"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("舆情专题")
        verbose_name_plural = _("舆情专题")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class SensitiveWord(models.Model):
    """A word the pipeline flags in posts (the opinion office's list, not the publishing review's)."""

    word = models.CharField(_("词语"), max_length=60, unique=True)
    level = models.CharField(
        _("级别"), max_length=10, choices=SensitiveLevel.choices, default=SensitiveLevel.NOTICE
    )
    enabled = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("舆情敏感词")
        verbose_name_plural = _("舆情敏感词")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class Event(models.Model):
    """An event (舆情事件): posts the clusterer put together, with its counters and hotness.

    ``key`` is the clusterer's event key; the counters are kept by the ingest service as posts join.
    Assessment (研判), alerts and reports hang off this row in later parts.
    """

    key = models.BigIntegerField(_("聚类键"), unique=True)
    label = models.CharField(_("自动标题"), max_length=200, blank=True)
    title = models.CharField(
        _("标题"), max_length=200, blank=True, help_text=_("分析员填写；空则显示自动标题。")
    )
    top_terms = models.JSONField(_("关键词"), default=list, blank=True)
    first_seen = models.DateTimeField(_("首次出现"))
    last_seen = models.DateTimeField(_("最近出现"))
    post_count = models.PositiveIntegerField(_("帖子数"), default=0)
    negative_count = models.PositiveIntegerField(_("负面帖子数"), default=0)
    rumor_candidate_count = models.PositiveIntegerField(_("疑似谣言帖子数"), default=0)
    hotness = models.FloatField(_("热度"), default=0.0)
    district = models.CharField(
        _("所属区县"), max_length=MAX_DISTRICT, blank=True, help_text=_("区县（开发区）的机构代码。")
    )
    # {district code: posts}: kept by ingest as posts join, so the district (where most posts are)
    # never needs a recount of the event's posts.
    district_counts = models.JSONField(_("各区县帖子数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=EventStatus.choices, default=EventStatus.OPEN)
    is_rumor = models.BooleanField(_("谣言"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("舆情事件")
        verbose_name_plural = _("舆情事件")
        ordering = ["-last_seen", "-pk"]
        indexes = [
            # The event board: open (or assessed) events, hottest first.
            models.Index(fields=["status", "-hotness"], name="opinion_event_board"),
            # Reports and the board's "latest" order.
            models.Index(fields=["-last_seen", "-id"], name="opinion_event_recent"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or self.label or str(_("事件 %(key)s") % {"key": self.key})


class Post(models.Model):
    """One post, comment, article, appeal or message, stored once per ``(source, external_id)``."""

    # Indexed by the unique constraint and the feed index below, both starting with it. No database
    # constraint on this and the event below (nor on PostTopic's two): see ADR 0019; Django's
    # on_delete still applies.
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="posts",
        db_index=False,
        db_constraint=False,
        verbose_name=_("来源"),
    )
    external_id = models.CharField(_("来源编号"), max_length=MAX_EXTERNAL_ID)
    kind = models.CharField(_("类型"), max_length=10, choices=PostKind.choices, default=PostKind.POST)
    parent_external_id = models.CharField(_("上级编号"), max_length=MAX_EXTERNAL_ID, blank=True)
    author = models.CharField(_("作者"), max_length=MAX_AUTHOR, blank=True)
    author_id = models.CharField(_("作者编号"), max_length=MAX_AUTHOR, blank=True)
    followers = models.BigIntegerField(_("粉丝数"), default=0)
    verified = models.BooleanField(_("认证用户"), default=False)
    title = models.CharField(_("标题"), max_length=MAX_TITLE, blank=True)
    text = models.TextField(_("原文"))
    normalized_text = models.TextField(_("规范化文本"), blank=True)
    url = models.CharField(_("链接"), max_length=MAX_URL, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    ingested_at = models.DateTimeField(_("采集时间"), default=timezone.now)
    reposts = models.BigIntegerField(_("转发数"), default=0)
    comments = models.BigIntegerField(_("评论数"), default=0)
    likes = models.BigIntegerField(_("点赞数"), default=0)
    place = models.CharField(_("地点"), max_length=MAX_PLACE, blank=True)
    district = models.CharField(
        _("所属区县"), max_length=MAX_DISTRICT, blank=True, help_text=_("区县（开发区）的机构代码。")
    )
    sentiment = models.CharField(
        _("情感"), max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    negative_probability = models.FloatField(_("负面概率"), default=0.0)
    sentiment_corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index below: a new post is never corrected
        verbose_name=_("情感校正人"),
    )
    sentiment_corrected_at = models.DateTimeField(_("情感校正时间"), null=True, blank=True)
    # Stored for the API and the analysts, never searched by: not indexed.
    fingerprint = models.BigIntegerField(_("指纹"), default=0)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        db_index=False,  # a partial index below: most posts are no copy
        verbose_name=_("重复于"),
    )
    # Indexed together with the time below (the event's posts in order), not alone.
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        db_index=False,
        db_constraint=False,
        verbose_name=_("事件"),
    )
    # The clusterer's key of the post's event. The Event row (and ``event``) exists once the event
    # has enough posts (``GONGKAI_OPINION_EVENT_MIN_POSTS``); its earlier posts are linked then.
    event_key = models.BigIntegerField(_("事件聚类键"), null=True, blank=True)
    rumor_candidate = models.BooleanField(_("疑似谣言"), default=False)
    sensitive_words = models.JSONField(_("敏感词"), default=list, blank=True)
    topics = models.ManyToManyField(
        Topic, through="PostTopic", related_name="posts", blank=True, verbose_name=_("专题")
    )

    class Meta:
        verbose_name = _("舆情帖子")
        verbose_name_plural = _("舆情帖子")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="opinion_post_source_external_id"),
        ]
        indexes = [
            # The live feed, newest first, and every report's time range.
            models.Index(fields=["-published_at", "-id"], name="opinion_post_feed"),
            # The feed filtered by one source, one district or one event; the event page's timeline.
            models.Index(fields=["source", "-published_at"], name="opinion_post_source_time"),
            models.Index(fields=["district", "-published_at"], name="opinion_post_district_time"),
            models.Index(fields=["event", "-published_at"], name="opinion_post_event_time"),
            # Posts waiting for their event's row (small: only posts of events still too small).
            models.Index(
                fields=["event_key"],
                name="opinion_post_event_pending",
                condition=models.Q(event__isnull=True, event_key__isnull=False),
            ),
            # A post's copies, and what an analyst corrected: only the rows that have one.
            models.Index(
                fields=["duplicate_of"],
                name="opinion_post_duplicate_nn",
                condition=models.Q(duplicate_of__isnull=False),
            ),
            models.Index(
                fields=["sentiment_corrected_by"],
                name="opinion_post_corrected_nn",
                condition=models.Q(sentiment_corrected_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:40]


class PostTopic(models.Model):
    """A post matched a topic; the post's time is copied here so a topic's feed is one index scan."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="topic_links", db_index=False, db_constraint=False
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="post_links", db_index=False, db_constraint=False
    )
    published_at = models.DateTimeField()

    class Meta:
        verbose_name = _("帖子专题")
        verbose_name_plural = _("帖子专题")
        constraints = [
            models.UniqueConstraint(fields=["post", "topic"], name="opinion_posttopic_unique"),
        ]
        indexes = [models.Index(fields=["topic", "-published_at"], name="opinion_posttopic_topic_time")]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.topic_id}"


class ClustererState(models.Model):
    """The long-lived state of one pipeline (clusterer, hotness, spikes), dumped as JSON.

    One row per pipeline slot: each worker process claims a free row when its pipeline starts,
    saves to it every minute (renewing its claim) and releases it when it stops, so the next process
    resumes from it (``pipeline.worker_pipeline``). The row's id also sets the slot's range of
    event keys. ``version`` goes up on every save.
    """

    name = models.CharField(max_length=60, unique=True, default="default")
    state = models.JSONField(default=dict)
    version = models.PositiveBigIntegerField(default=0)
    # The process using the row, until when (renewed at every save); free when empty or past.
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("分析状态")
        verbose_name_plural = _("分析状态")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
