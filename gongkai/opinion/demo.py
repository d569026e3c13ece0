"""The opinion demo: a week of posts about Jilin City through the real pipeline, and the response loop.

``load(*, stdout)`` (run by ``gongkai demo load`` after the accounts, hotline and publishing demos):

1. the demo sources (Weibo, the 吉林发布 WeChat account's comments, two news sites' RSS, a data
   vendor — all but the vendor disabled, as they have no credentials here), six monitoring topics
   with real rules, a short list of sensitive words, alert rules and the analyst on duty;
2. about 5,000 generated posts (``demo_text``: heating surge, snow-clearing praise, rime tourism,
   a water cut, the rumor 网传明天全市停水三天, everyday chatter) stored through
   ``services.ingest_posts`` in time order, so dedupe, topics, sensitive words, sentiment,
   districts, events, hotness and rumor candidates all come from the pipeline;
3. heating appeals to the 12345 hotline and messages on the new-media channels (through the
   hotline's services, with the callers' personal data in them), then one run of the city streams
   (``streams.run_streams``), which redact them and feed them to the pipeline as well;
4. the alert rules evaluated once; through the response services: the rumor assessed (重大, rumor,
   responsible 住建局) with its clarification published (publishing importer under
   ``review_bypass``, like the publishing demo) and linked, and a statement recorded; the heating
   event assessed (一般, 船营区) and forwarded to 船营区; the daily report of yesterday and the
   heating event's report generated.

Deterministic (``demo_text.SEED``; times are relative to the moment of loading) and idempotent:
once the first generated Weibo post exists, a second load does nothing.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter, defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from gongkai.opinion import demo_text as text
from gongkai.opinion import services
from gongkai.opinion.analysis.types import RawPost
from gongkai.opinion.models import (
    Event,
    Post,
    SensitiveLevel,
    SensitiveWord,
    Source,
    SourceKind,
    Topic,
)

#: The marker: the first generated Weibo post (ids do not depend on the time of loading).
MARKER = (text.WEIBO, "demo-w00001")
#: Posts are stored in time windows of this many hours (one batch per source in each window), so
#: the clusterer sees the week in order.
WINDOW_HOURS = 6

SOURCES: tuple[tuple[str, str, str, str, bool, dict[str, Any]], ...] = (
    # (code, name, kind, url, enabled, config)
    (text.WEIBO, "新浪微博", SourceKind.WEIBO, "", False,
     {"keywords": ["吉林市", "江城"], "interval_minutes": 10}),
    (text.WECHAT, "微信公众号“吉林发布”评论", SourceKind.WECHAT, "", False, {"interval_minutes": 30}),
    (text.RSS_CITY, "吉林市人民政府网站", SourceKind.RSS, "https://www.jlcity.example/rss.xml", False,
     {"place": "吉林市", "interval_minutes": 15}),
    (text.RSS_NEWS, "江城日报网", SourceKind.RSS, "https://news.jcrb.example/rss.xml", False,
     {"place": "吉林市", "interval_minutes": 15}),
    (text.VENDOR, "舆情数据服务商（演示）", SourceKind.VENDOR, "", True, {}),
)  # fmt: skip

TOPICS: tuple[tuple[str, str, str, str], ...] = (
    # (name, rule, description, owner department code)
    ("城市供热", "(供热 OR 暖气 OR 供暖 OR 采暖 OR 取暖费) NOT 演习", "供热不达标、停暖、收费等。", "zhujian"),
    ("冬季清雪", "清雪 OR 除雪 OR 扫雪 OR 铲雪 OR (积雪 NEAR/10 清理)", "清雪除冰工作及群众评价。", "chengguan"),
    ("雾凇冰雪旅游", "雾凇 OR 冰雪节 OR 树挂 OR (冰雪 NEAR/8 (旅游 OR 游客))", "雾凇观赏、冰雪节及冰雪旅游。", "wenlv"),
    ("城市供水", "停水 OR 供水 OR 来水 OR 自来水 OR 断水 OR 囤水 OR 桶装水", "停水、水质、供水保障。", "zhujian"),
    ("谣言线索", "网传 OR 听说 OR 据说 OR 紧急扩散 OR 求辟谣 OR 辟谣 OR 谣言", "传言及辟谣信息。", "xinwenban"),
    ("12345热线", "12345 OR 市长热线 OR 市长信箱 OR 便民热线", "涉及12345热线的评价和诉求。", "rexian"),
)  # fmt: skip

SENSITIVE_WORDS: tuple[tuple[str, str], ...] = (
    ("拉横幅", SensitiveLevel.WARNING),
    ("上访", SensitiveLevel.WARNING),
    ("堵路", SensitiveLevel.WARNING),
    ("聚集", SensitiveLevel.NOTICE),
    ("维权", SensitiveLevel.NOTICE),
    ("罢工", SensitiveLevel.SEVERE),
    ("投毒", SensitiveLevel.SEVERE),
)

ALERT_RULES: tuple[tuple[str, str, float], ...] = (
    ("热度达到关注线", "hotness", 80.0),
    ("热度达到热点线", "hotness", 120.0),
    ("十分钟突增", "spike", 6.0),
    ("负面占比超过六成", "negative_share", 0.6),
    ("疑似谣言集中出现", "rumor", 10.0),
    ("敏感信息", "sensitive", 3.0),
)

CLARIFICATION_TITLE = "网传“吉林市明天全市停水三天”系谣言"


def demo_exists() -> bool:
    code, external_id = MARKER
    return Post.objects.filter(source__code=code, external_id=external_id).exists()


def load(*, stdout: Any, now: datetime.datetime | None = None, scale: float = 1.0) -> dict[str, int]:
    """Load the demo once (see the module docstring); returns what was made."""
    if demo_exists():
        stdout.write("opinion: 演示舆情已存在，跳过 / demo posts exist, skipped")
        return {}
    started = time.monotonic()
    now = now or timezone.now()
    departments = _departments()
    analyst = _analyst()
    sources = _sources()
    _topics(analyst, departments)
    _sensitive_words()

    stream = text.generate(now=now, scale=scale)
    made: Counter[str] = Counter()
    made.update(_ingest(stream.posts, sources))
    appeals = _city_appeals(now, departments)
    made["appeals"] = appeals
    from gongkai.opinion import streams

    for outcome in streams.run_streams(now=now):
        made[f"stream_{outcome.source}"] = outcome.created
    ingested = time.monotonic() - started

    events = _matter_events(stream.by_matter)
    response = _response_loop(now, analyst, departments, events)
    made.update(response)
    made["events"] = Event.objects.count()
    seconds = time.monotonic() - started
    stdout.write(
        f"opinion: {made['created']} 条演示帖子（城市热线/留言 {made['stream_hotline'] + made['stream_website']} 条），"
        f"{made['events']} 个事件，预警 {made['alerts']} 条，用时 {seconds:.1f} 秒（入库 {ingested:.1f} 秒）"
        f" / {made['created']} demo posts, {made['events']} events, {made['alerts']} alerts, {seconds:.1f} s"
    )
    return dict(made)


# --- Set-up -----------------------------------------------------------------------------------------


def _departments() -> dict[str, Any]:
    from gongkai.accounts.models import Department

    codes = {code for *_rest, code in TOPICS} | {"chuanying", "chuanying-beijinglu", "zhujian"}
    return {d.code: d for d in Department.objects.filter(code__in=codes, is_active=True)}


def _analyst() -> Any:
    """The demo's opinion analyst (accounts demo), else a superuser, else nobody."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return users.filter(username="opinion").first() or users.filter(is_superuser=True).order_by("pk").first()


def _sources() -> dict[str, Source]:
    found = {}
    for code, name, kind, url, enabled, config in SOURCES:
        source, _created = Source.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "url": url, "enabled": enabled, "config": config}
        )
        found[code] = source
    return found


def _topics(actor: Any, departments: dict[str, Any]) -> None:
    existing = set(Topic.objects.values_list("name", flat=True))
    for name, rule, description, department in TOPICS:
        if name in existing:
            continue
        services.topic_create(
            actor=actor,
            name=name,
            rule=rule,
            description=description,
            owner_department=departments.get(department),
        )


def _sensitive_words() -> None:
    for word, level in SENSITIVE_WORDS:
        SensitiveWord.objects.get_or_create(word=word, defaults={"level": level, "note": "演示词表"})


# --- The stream -----------------------------------------------------------------------------------------


def _ingest(posts: list[RawPost], sources: dict[str, Source]) -> Counter[str]:
    """Store the posts in time windows, one batch per source in each."""
    made: Counter[str] = Counter()
    window: dict[str, list[RawPost]] = defaultdict(list)
    window_end: datetime.datetime | None = None

    def flush() -> None:
        for code in sorted(window):
            result = services.ingest_posts(sources[code], window[code])
            made["created"] += result.created
            made["refused"] += len(result.errors)
            made["events_created"] += result.events_created
        window.clear()

    for post in posts:
        if window_end is None or post.published_at >= window_end:
            flush()
            window_end = post.published_at + datetime.timedelta(hours=WINDOW_HOURS)
        window[post.source].append(post)
    flush()
    return made


def _city_appeals(now: datetime.datetime, departments: dict[str, Any]) -> int:
    """Heating appeals to 12345 and new-media messages, through the hotline's services."""
    from gongkai.hotline import services as hotline
    from gongkai.hotline.models import Channel, OrderType, RoutingCategory

    district, street = departments.get("chuanying"), departments.get("chuanying-beijinglu")
    if district is None:
        return 0
    category = (
        RoutingCategory.objects.filter(is_active=True, keywords__contains="供热").order_by("depth").first()
    )
    rnd = random.Random(text.SEED)
    made = 0
    for index in range(len(text.HEATING_APPEALS)):
        appeal = text.heating_appeal(index, rnd)
        channel: str = Channel.PHONE if index % 3 else Channel.WEB
        _order, code = hotline.work_order_create(
            channel=channel,
            content=appeal["content"],
            order_type=OrderType.COMPLAINT,
            caller_name=appeal["name"],
            caller_phone=appeal["phone"],
            caller_address=appeal["address"],
            category=category,
            district=district,
            street=street if street is not None and street.parent_id == district.pk else None,
            source_reference=f"opinion-demo-{index:02d}",
            received_at=now - datetime.timedelta(hours=float(appeal["hours"])),
            notify=False,
        )
        made += code is not None
    for index, (hours, channel, message) in enumerate(text.HEATING_MESSAGES):
        hotline.inbound_message_record(
            channel=channel,
            external_id=f"opinion-demo-{index:02d}",
            text=message,
            sender_name="江城市民" if channel != "email" else "王建国",
            sender_handle=f"jlcity_user_{index}",
            sender_email="wangjg@example.com" if channel == "email" else "",
            received_at=now - datetime.timedelta(hours=hours),
        )
    return made


def _matter_events(by_matter: dict[str, list[tuple[str, str]]]) -> dict[str, Event]:
    """The event holding most of each matter's posts."""
    events: dict[str, Event] = {}
    for matter, keys in by_matter.items():
        votes: Counter[int] = Counter()
        per_source: dict[str, list[str]] = defaultdict(list)
        for code, external_id in keys:
            per_source[code].append(external_id)
        for code, external_ids in per_source.items():
            for start in range(0, len(external_ids), 2000):
                rows = (
                    Post.objects.filter(
                        source__code=code,
                        external_id__in=external_ids[start : start + 2000],
                        event__isnull=False,
                    )
                    .values("event")
                    .annotate(n=Count("pk"))
                )
                for row in rows:
                    votes[row["event"]] += row["n"]
        if votes:
            event = Event.objects.filter(pk=votes.most_common(1)[0][0]).first()
            if event is not None:
                events[matter] = event
    return events


# --- The response loop --------------------------------------------------------------------------------


def _response_loop(
    now: datetime.datetime, analyst: Any, departments: dict[str, Any], events: dict[str, Event]
) -> Counter[str]:
    from gongkai.opinion.response import services as response
    from gongkai.opinion.response.models import AlertRuleConfig, AnalystDuty, Level, ResponseKind

    made: Counter[str] = Counter()
    if not AlertRuleConfig.objects.exists():
        for name, kind, threshold in ALERT_RULES:
            response.rule_create(kind=kind, threshold=threshold, name=name, actor=analyst)
    if analyst is not None and not AnalystDuty.objects.filter(starts_at__lte=now, ends_at__gt=now).exists():
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        response.duty_create(
            user=analyst,
            starts_at=start - datetime.timedelta(days=1),
            ends_at=start + datetime.timedelta(days=7),
            note="演示值班",
            actor=analyst,
        )
    made["alerts"] = response.evaluate_alerts(now=now)["alerts"]
    if analyst is None:
        return made

    rumor, heating = events.get("rumor"), events.get("heating")
    zhujian, chuanying = departments.get("zhujian"), departments.get("chuanying")
    if rumor is not None and zhujian is not None:
        response.case_assess(
            event=rumor,
            level=Level.MAJOR,
            is_major_emergency=False,
            department=zhujian,
            is_rumor=True,
            clock_started_at=now - datetime.timedelta(hours=text.RUMOR_CLARIFIED_HOURS + 5),
            note="“全市停水三天”系不实传言，已引发部分市民抢购桶装水，研判为重大舆情，由市住建局会同市水务集团发布辟谣信息。",
            actor=analyst,
        )
        response.case_record_response(
            event=rumor,
            kind=ResponseKind.STATEMENT,
            summary="市水务集团通过官方微博发布全市供水情况说明：全市供水正常，丰满区部分区域管网施工停水已恢复。",
            at=now - datetime.timedelta(hours=text.RUMOR_CLARIFIED_HOURS - 0.5),
            department=zhujian,
            actor=analyst,
        )
        page = _clarification(now, analyst)
        if page is not None:
            response.case_link_clarification(event=rumor, page_id=page.pk, actor=analyst)
            made["clarifications"] += 1
        made["assessed"] += 1
    if heating is not None and chuanying is not None:
        response.case_assess(
            event=heating,
            level=Level.GENERAL,
            is_major_emergency=False,
            department=chuanying,
            clock_started_at=now - datetime.timedelta(hours=26),
            note="船营区江城嘉园小区供热不达标，网民集中反映，涉及群众切身利益，按属地管理由船营区负责核实处置并回应。",
            actor=analyst,
        )
        response.case_forward(
            event=heating,
            department=chuanying,
            instructions="请核实江城嘉园小区供热不达标情况，督促供热企业立即整改，并反馈处置进展和对外回应口径。",
            actor=analyst,
        )
        made["assessed"] += 1
        made["forwarded"] += 1
    made.update(_reports(now, analyst, heating))
    return made


def _clarification(now: datetime.datetime, actor: Any) -> Any:
    """The rumor's clarification (辟谣), published through the publishing importer like the
    publishing demo's documents (``review_bypass`` inside); found again on a second call."""
    from gongkai.publishing import importer
    from gongkai.publishing.demo import load_tree
    from gongkai.publishing.models import RumorClarificationPage

    page = RumorClarificationPage.objects.filter(title=CLARIFICATION_TITLE).first()
    if page is not None:
        return page
    section = load_tree()
    published = now - datetime.timedelta(hours=text.RUMOR_CLARIFIED_HOURS)
    row = {
        "type": "rumor",
        "title": CLARIFICATION_TITLE,
        "department": "zhujian",
        "rumor": "网传吉林市明天起全市停水三天，请市民提前囤水。",
        "facts": "经核实，近日仅丰满区江南街道、泰山街道部分区域因供水管网改造施工临时停水，"
        "目前已全部恢复供水；全市供水正常，没有全市停水计划。",
        "evidence": "市水务集团供水调度中心运行记录；丰满区供水管网改造施工停水通知。",
        "answers_description": "微信群、朋友圈及短视频平台流传的消息",
        "category": "城乡建设、环境保护",
        "published_at": published,
        "summary": "全市供水正常，“全市停水三天”系谣言。",
    }
    importer.import_rows(
        importer.rows_from_dicts([row]),
        publish=True,
        section=section,
        actor=actor,
        reason="演示数据：已经发布的辟谣信息",
    )
    return RumorClarificationPage.objects.filter(title=CLARIFICATION_TITLE).first()


def _reports(now: datetime.datetime, actor: Any, heating: Event | None) -> Counter[str]:
    from gongkai.opinion.reports import services as reports
    from gongkai.opinion.reports.models import ReportKind

    made: Counter[str] = Counter()
    yesterday = timezone.localdate(now) - datetime.timedelta(days=1)
    _report, created = reports.report_regular_ensure(kind=ReportKind.DAILY, day=yesterday, actor=actor)
    made["reports"] += created
    if heating is not None:
        reports.report_event_generate(event=heating, actor=actor, end=now)
        made["reports"] += 1
    return made
