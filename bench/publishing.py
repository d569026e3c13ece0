"""Publishing and the public portal with 100,000 published documents, on PostgreSQL and on SQLite.

For each database a child process (``DJANGO_SETTINGS_MODULE=bench.settings_bench``) migrates a
database of its own (PostgreSQL ``gk_bench_pub``, SQLite a temporary file), loads the demo
organisation tree and the publishing demo (the section, its seven lists and the demo's real
documents, through the import), then:

1. **Load**: ``BENCH_PUBLISHING_DOCS`` generated documents of every type, department, topic and
   the last five years are written in bulk: Wagtail page rows with the materialized path computed
   here (``path``, ``depth``, ``numchild``, ``url_path``, ``live``, ``first_published_at``), the
   specific rows through the multi-table parent pointer, the catalogue rows, the index-number
   counters and the search index (``core.search.services.index_documents``). No revisions
   (``latest_revision`` / ``live_revision`` stay NULL). Counts are checked; a random document must
   answer 200 through the server. Figure ``publishing.<db>.load.docs_per_s``.
2. **Pages**: granian WSGI (2 workers × ``BENCH_PUBLISHING_THREADS`` blocking threads, as
   ``gongkai serve``; a private Redis cache on PostgreSQL when redis-server exists), wrk with Lua,
   16 connections, a warm-up and then ``BENCH_PUBLISHING_SECONDS`` each: ``/healthz`` (baseline),
   ``/`` (home), the catalogue with filters (``/zwgk/?department=…&year=…``), the catalogue's page
   200 (``/zwgk/?page=200``), a list page (``/zwgk/zcwj/``), random document pages, and
   ``/search/?q=`` with one-, two- and multi-character Chinese queries. p50 / p99 (ms) and req/s;
   ``….p99_target_met`` is 1 when p99 ≤ 100 ms.
3. **Fan-out**: ``BENCH_PUBLISHING_FANOUT`` new documents published through the real path
   (``services.document_save(publish=True)`` inside ``review_bypass(release=True)``) with the
   website, Weibo and WeChat channels enabled against the local fake Weibo and WeChat servers
   (real HTTP); the outbox is then delivered by 4 threads calling ``outbox_deliver_due``.
   Deliveries per second, and every release must end ``sent`` (``fanout.lost`` must be 0).

Environment: ``BENCH_PUBLISHING_DBS`` (``pg,sqlite``), ``BENCH_PUBLISHING_DOCS`` (100000),
``BENCH_PUBLISHING_SECONDS`` (10), ``BENCH_PUBLISHING_FANOUT`` (200), ``BENCH_PUBLISHING_PG``
(server URL without database, default ``postgres://postgres@127.0.0.1:5432``),
``BENCH_PUBLISHING_THREADS`` (2).
"""

from __future__ import annotations

import datetime
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench.harness import run_databases
from bench.hotline import LUA_DONE, Server, _start_redis, emit, lua_healthz, note, wrk_run

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PUBLISHING_PG", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "gk_bench_pub"
DBS = [d.strip() for d in os.environ.get("BENCH_PUBLISHING_DBS", "pg,sqlite").split(",") if d.strip()]
DOCS = int(os.environ.get("BENCH_PUBLISHING_DOCS", "100000"))
SECONDS = float(os.environ.get("BENCH_PUBLISHING_SECONDS", "10"))
FANOUT = int(os.environ.get("BENCH_PUBLISHING_FANOUT", "200"))
TARGET_P99_MS = 100.0
WARMUP_SECONDS = 3.0
DELIVERY_THREADS = 4
SECRET_KEY = "gongkai-bench-publishing-not-a-secret-0123456789abcdef"  # noqa: S105 - bench only
SEED = 20261202
BATCH = 1000

# --- Realistic Chinese documents -------------------------------------------------------------------

SUBJECTS = [
    ("冬季城市清雪", "清雪 冬季 城市管理"),
    ("城市供热保障", "供热 民生保障"),
    ("城乡居民最低生活保障", "低保 民生 救助"),
    ("高校毕业生就业创业", "就业 创业 高校毕业生"),
    ("优化营商环境", "营商环境 市场主体"),
    ("重污染天气应急", "大气污染 应急"),
    ("公交线路优化调整", "公交 交通"),
    ("老旧小区改造", "老旧小区 城市更新"),
    ("农村人居环境整治", "乡村振兴 人居环境"),
    ("安全生产大排查大整治", "安全生产 隐患排查"),
    ("义务教育招生入学", "教育 招生"),
    ("基本医疗保险参保缴费", "医保 参保"),
    ("住房公积金提取", "公积金 住房"),
    ("食品安全监督抽检", "食品安全 抽检"),
    ("森林草原防灭火", "防火 森林草原"),
    ("防汛抗旱", "防汛 抗旱 水利"),
    ("养老服务体系建设", "养老 民政"),
    ("政务服务“一网通办”", "政务服务 数字化"),
    ("雾凇冰雪旅游季", "冰雪 旅游 雾凇"),
    ("松花江水质保护", "水源地 生态环境"),
    ("退役军人优待", "退役军人 优待"),
    ("消费券发放", "促消费 商务"),
    ("新能源汽车充电设施建设", "新能源 充电桩"),
    ("粮食生产和秋收", "粮食 农业"),
    ("城市道路挖掘管理", "道路 城管"),
    ("生活垃圾分类", "垃圾分类 环境卫生"),
    ("行政执法公示", "行政执法 法治政府"),
    ("信访事项办理", "信访 群众诉求"),
    ("统计调查", "统计 调查"),
    ("政府信息公开工作年度报告", "政务公开 年度报告"),
]
POLICY_FORMS = [
    ("关于印发{s}工作方案的通知", "notice"),
    ("关于进一步做好{s}工作的通知", "notice"),
    ("关于加强{s}的实施意见", "opinion"),
    ("{s}管理办法", "measures"),
    ("关于{s}有关事项的通告", "public_notice"),
    ("关于印发{s}三年行动计划的通知", "notice"),
]
PLACES = [
    "世纪广场", "江南公园", "北山公园", "吉林大街", "松花江畔", "雾凇岛", "人民广场",
    "市体育中心", "东北亚文化创意科技园", "北大壶滑雪场", "万科松花湖度假区", "解放中路",
]  # fmt: skip
PHRASES = [
    "坚持以人民为中心的发展思想，",
    "按照市委、市政府的统一部署，",
    "各县（市）区人民政府、各开发区管委会要高度重视，",
    "进一步压实属地责任和部门监管责任，",
    "建立健全长效工作机制，",
    "加强统筹协调和督促检查，",
    "及时回应群众关切，",
    "通过12345政务服务便民热线受理群众反映的问题，",
    "确保各项措施落地见效。",
    "所需资金按现行渠道解决。",
    "本通知自印发之日起施行。",
    "请认真贯彻执行。",
    "市直各有关部门要按照职责分工，",
    "严格落实“谁主管、谁负责”的要求，",
    "对工作不力、推诿扯皮的单位和个人严肃追责问责。",
    "广泛宣传有关政策，营造良好社会氛围。",
]
TYPES = [  # (document type, share)
    ("policy", 30),
    ("interpretation", 10),
    ("press_release", 25),
    ("announcement", 20),
    ("event", 7),
    ("emergency", 3),
    ("rumor", 5),
]
QUERIES = {
    "search_1char": ["雪", "税", "水", "热", "医", "路"],
    "search_2char": ["供热", "就业", "公交", "清雪", "医保", "旅游"],
    "search_multi": ["冬季城市清雪", "最低生活保障", "优化营商环境", "安全生产大排查", "住房公积金提取"],
}


def _body(rng: random.Random, subject: str, department: str) -> tuple[str, str]:
    """(HTML body, plain text) of 3–5 paragraphs, ~300–600 characters."""
    paragraphs = []
    for _ in range(rng.randint(3, 5)):
        sentence = f"为做好{subject}工作，{department}" + "".join(rng.sample(PHRASES, rng.randint(3, 6)))
        paragraphs.append(sentence)
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    return html, "\n".join(paragraphs)


# --- Child: one database ---------------------------------------------------------------------------


def child(db: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from gongkai.accounts import demo as accounts_demo
    from gongkai.publishing import demo as publishing_demo

    departments = accounts_demo.load_departments()

    class _Out:
        def write(self, text: str) -> None:
            print(f"# publishing.{db}: {text}", flush=True)

    publishing_demo.load(stdout=_Out())
    print(
        f"# publishing.{db}: migrated, {len(departments)} departments and the publishing demo in "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    urls = bulk_load(db, list(departments.values()))

    server = Server(
        {**os.environ},
        threads=int(os.environ.get("BENCH_PUBLISHING_THREADS", 2)),
        log=Path(tempfile.gettempdir()) / f"gongkai-bench-publishing-{db}.log",
    )
    cache = "Redis" if os.environ.get("REDIS_URL") else "the database cache"
    note(
        f"{db}: granian WSGI 2 workers x {server.threads} blocking threads, CONN_MAX_AGE=60, cache in {cache}; "
        f"wrk {WRK_CONNECTIONS} connections, warm-up {WARMUP_SECONDS:.0f} s then {SECONDS:.0f} s per page"
    )
    server.start()
    try:
        verify(db, server, urls)
        pages(db, server, urls)
    finally:
        server.stop()
    fanout(db)


WRK_CONNECTIONS = 16


# --- 1. Bulk load ------------------------------------------------------------------------------------

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _step(n: int) -> str:
    """Treebeard's materialized-path step (base 36, 4 characters) of the ``n``-th child (1-based)."""
    out = ""
    for _ in range(4):
        n, r = divmod(n, 36)
        out = _ALPHABET[r] + out
    assert n == 0, "too many children for one parent"
    return out


def bulk_load(db: str, departments: list) -> list[str]:
    """Write ``DOCS`` published documents in bulk; return a sample of their public URLs."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from wagtail.models import Page

    from gongkai.core.search import services as search_services
    from gongkai.core.search import storage as search_storage
    from gongkai.core.search.documents import SearchDocument
    from gongkai.publishing import index_numbers
    from gongkai.publishing.models import (
        DOCUMENT_MODELS,
        CatalogueEntry,
        DisclosureSectionPage,
        DocumentIndexPage,
        IndexNumberCounter,
        Topic,
    )

    rng = random.Random(SEED)
    section = DisclosureSectionPage.objects.get()
    lists = {p.document_type: p for p in DocumentIndexPage.objects.child_of(section)}
    list_urls = {t: p.get_url() for t, p in lists.items()}
    next_child = {t: p.numchild for t, p in lists.items()}
    topics = list(Topic.objects.all())
    page_ct = ContentType.objects.get_for_model(Page).pk
    cts = {t: ContentType.objects.get_for_model(m).pk for t, m in DOCUMENT_MODELS.items()}
    counters = {(c.department_id, c.year): c.last_value for c in IndexNumberCounter.objects.all()}
    existing_numbers = set(CatalogueEntry.objects.values_list("document_number_key", flat=True))
    policy_ids = list(DOCUMENT_MODELS["policy"].objects.values_list("pk", flat=True))
    locale_id = section.locale_id
    now = timezone.now()
    start = now - datetime.timedelta(days=5 * 365)
    span = int((now - start).total_seconds()) - 86400
    type_pool = [t for t, share in TYPES for _ in range(share)]
    before = CatalogueEntry.objects.filter(is_public=True).count()
    specific_before = sum(m.objects.count() for m in DOCUMENT_MODELS.values())
    live_before = Page.objects.filter(depth=section.depth + 2, live=True).count()
    urls: list[str] = []
    loaded = 0
    indexed = 0
    started = time.perf_counter()
    search_seconds = 0.0

    def make(doc_type: str):
        department = rng.choice(departments)
        topic = rng.choice(topics)
        subject, words = rng.choice(SUBJECTS)
        published = start + datetime.timedelta(seconds=rng.randrange(span))
        local_day = timezone.localdate(published)
        formed = local_day - datetime.timedelta(days=rng.randint(0, 10))
        year = formed.year
        key = (department.pk, year)
        counters[key] = counters.get(key, 0) + 1
        index_number = index_numbers.format_index_number(
            index_numbers.department_code(department), year, counters[key]
        )
        body_html, body_text = _body(rng, subject, department.name)
        short = department.short_name or department.name
        extra: dict = {}
        if doc_type == "policy":
            form, genre = rng.choice(POLICY_FORMS)
            title = f"{department.name}{form.format(s=subject)}"
            number = f"吉市{short[1:3]}发〔{year}〕{counters[key]}号"
            while index_numbers.normalize_document_number(number) in existing_numbers:
                number = number.replace("号", "-1号")
            existing_numbers.add(number)
            extra = {
                "document_number": number,
                "written_on": formed,
                "genre": genre,
                "subject_words": words,
                "validity": "valid",
            }
        elif doc_type == "interpretation":
            title = f"图解：《关于进一步做好{subject}工作的通知》政策解读"
            extra = {"policy_id": rng.choice(policy_ids) if policy_ids else None, "form": "text"}
        elif doc_type == "press_release":
            title = rng.choice(
                [
                    f"吉林市召开{subject}新闻发布会",
                    f"{short}就{subject}答记者问",
                    f"{short}：{subject}取得阶段性成效",
                ]
            )
            extra = {
                "release_kind": "conference",
                "spokesperson": f"{short}新闻发言人",
                "venue": "市政府新闻发布厅",
            }
        elif doc_type == "announcement":
            title = rng.choice(
                [
                    f"关于{subject}有关事项的公告",
                    f"{short}关于{subject}的通知",
                    f"关于征求{subject}意见的公告",
                ]
            )
        elif doc_type == "event":
            place = rng.choice(PLACES)
            title = f"{year}吉林市{subject}主题活动在{place}举行"
            begins = published + datetime.timedelta(days=rng.randint(1, 20))
            extra = {
                "event_kind": rng.choice(["festival", "exhibition", "car_free_day", "road_race", "other"]),
                "starts_at": begins,
                "ends_at": begins + datetime.timedelta(hours=rng.randint(2, 72)),
                "place": place,
                "organizer": department.name,
                "traffic_arrangements": f"<p>活动期间{place}周边道路实行交通管制，请市民绕行。</p>",
            }
        elif doc_type == "emergency":
            place = rng.choice(PLACES)
            title = f"关于{place}附近突发事件的情况通报"
            extra = {"is_open": False, "level": "4", "occurred_at": published, "location": place}
        else:
            title = f"网传“{subject}政策取消”不实"
            extra = {
                "rumor": f"网传{subject}相关政策即将取消。",
                "facts": f"<p>经核实，{subject}相关政策继续执行，网传消息不实。</p>",
                "evidence": f"<p>{department.name}书面说明。</p>",
                "answers_description": "微信群流传的截图",
            }
        summary = body_text[:120]
        n = next_child[doc_type] = next_child[doc_type] + 1
        parent = lists[doc_type]
        slug = index_number.lower().replace("/", "-")
        page = Page(
            title=title[:255],
            draft_title=title[:255],
            slug=slug,
            path=parent.path + _step(n),
            depth=parent.depth + 1,
            numchild=0,
            url_path=f"{parent.url_path}{slug}/",
            live=True,
            has_unpublished_changes=False,
            first_published_at=published,
            last_published_at=published,
            content_type_id=cts[doc_type],
            locale_id=locale_id,
            translation_key=uuid.uuid4(),
            show_in_menus=False,
        )
        specific_values = {
            "department_id": department.pk,
            "category_id": topic.pk,
            "index_number": index_number,
            "summary": summary,
            "body": body_html,
            "formed_at": formed,
            "disclosure_attribute": "proactive",
            **extra,
        }
        entry = {
            "doc_type": doc_type,
            "department_id": department.pk,
            "category_id": topic.pk,
            "index_number": index_number,
            "title": title[:255],
            "summary": summary,
            "document_number": extra.get("document_number", ""),
            "document_number_key": extra.get("document_number", ""),
            "formed_at": formed,
            "year": year,
            "published_at": published,
            "disclosure_attribute": "proactive",
            "is_public": True,
        }
        extras_text = [
            v
            for k, v in extra.items()
            if k in ("document_number", "subject_words", "place", "organizer", "rumor")
        ]
        search = {
            "title": title[:255],
            "body": "\n".join([index_number, summary, body_text, *extras_text]),
            "doc_type": doc_type,
            "department_code": department.code,
            "date": extra.get("written_on")
            or (timezone.localdate(published) if doc_type == "emergency" else formed),
            "url": f"{list_urls[doc_type]}{slug}/",
            "extra": {"index_number": index_number, "published": timezone.localdate(published).isoformat()},
        }
        return page, specific_values, entry, search

    def fresh_statistics() -> None:
        # PostgreSQL caches the plans of its foreign-key checks per session: planned while the page
        # table held a few dozen rows they stay sequential scans, and each batch's deferred checks
        # at COMMIT grow with the table (minutes at 40,000 documents). Fresh statistics and a new
        # session every few batches keep them index scans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connection.close()

    fresh_statistics()
    remaining = DOCS
    while remaining > 0:
        count = min(BATCH, remaining)
        remaining -= count
        rows = [make(rng.choice(type_pool)) for _ in range(count)]
        with transaction.atomic():
            created = Page.objects.bulk_create([r[0] for r in rows])
            by_type: dict[str, list] = {}
            for page, (_p, values, entry, _s) in zip(created, rows, strict=True):
                assert page.pk is not None
                values["page_ptr_id"] = page.pk
                by_type.setdefault(entry["doc_type"], []).append(values)
            for doc_type, values_list in by_type.items():
                model = DOCUMENT_MODELS[doc_type]
                fields = [f for f in model._meta.local_concrete_fields]
                objs = [model(**values) for values in values_list]
                for start_at in range(0, len(objs), 200):
                    model._base_manager._insert(objs[start_at : start_at + 200], fields=fields, raw=True)
                if doc_type == "policy":
                    policy_ids.extend(v["page_ptr_id"] for v in values_list)
            CatalogueEntry.objects.bulk_create(
                [
                    CatalogueEntry(page_id=page.pk, **entry)
                    for page, (_p, _v, entry, _s) in zip(created, rows, strict=True)
                ]
            )
        s0 = time.perf_counter()
        indexed += search_services.index_documents(
            (
                SearchDocument(content_type_id=page_ct, object_id=page.pk, is_public=True, **search)
                for page, (_p, _v, _e, search) in zip(created, rows, strict=True)
            ),
            replace=False,
        )
        search_seconds += time.perf_counter() - s0
        loaded += count
        if loaded in (BATCH, 5 * BATCH) or loaded % (20 * BATCH) == 0:
            fresh_statistics()
        if len(urls) < 4000:
            urls.extend(r[3]["url"] for r in rows[: max(0, min(len(rows), 4000 - len(urls)))])
        if loaded % 20000 == 0 or remaining == 0:
            print(
                f"# publishing.{db}: {loaded} documents in {time.perf_counter() - started:.1f} s "
                f"(search index {search_seconds:.1f} s)",
                flush=True,
            )
    with transaction.atomic():
        for doc_type, parent in lists.items():
            Page.objects.filter(pk=parent.pk).update(numchild=next_child[doc_type])
        for (department_id, year), value in counters.items():
            index_numbers.reserve(department_id=department_id, year=year, sequence=value)
    loaded_s = time.perf_counter() - started
    search_storage.optimize()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    print(
        f"# publishing.{db}: loaded {loaded} documents in {loaded_s:.1f} s (search index {search_seconds:.1f} s), "
        f"optimize and statistics {elapsed - loaded_s:.1f} s",
        flush=True,
    )
    emit(f"publishing.{db}.load.docs_per_s", loaded / loaded_s, "docs/s")
    # The counts must match: pages, specific rows, catalogue rows, search entries.
    public = CatalogueEntry.objects.filter(is_public=True).count()
    specific = sum(m.objects.count() for m in DOCUMENT_MODELS.values())
    live_docs = Page.objects.filter(depth=section.depth + 2, live=True).count()
    from gongkai.core.search.models import SearchEntry

    indexed_docs = SearchEntry.objects.filter(chunk=0, doc_type__in=list(DOCUMENT_MODELS)).count()
    emit(f"publishing.{db}.documents_public", public, "count")
    ok = (
        public == before + loaded
        and specific == specific_before + loaded
        and live_docs == live_before + loaded
        and indexed == loaded
        and indexed_docs >= public
    )
    if not ok:
        note(
            f"{db}: COUNTS DIFFER: public catalogue {public}, expected {before + loaded}; specific rows {specific}, "
            f"expected {specific_before + loaded}; live document pages {live_docs}, expected {live_before + loaded}; "
            f"indexed {indexed} of {loaded} (first chunks {indexed_docs})"
        )
    emit(f"publishing.{db}.load.counts_match", 1 if ok else 0, "bool")
    rng.shuffle(urls)
    return urls


# --- 2. Pages ----------------------------------------------------------------------------------------


def verify(db: str, server: Server, urls: list[str]) -> None:
    import httpx

    bad = []
    for url in urls[:5]:
        r = httpx.get(server.url + url, timeout=30)
        if r.status_code != 200 or "索引号" not in r.text:
            bad.append(f"{url} {r.status_code}")
    for url in ["/", "/zwgk/", "/zwgk/?page=200", "/search/?q=清雪"]:
        r = httpx.get(server.url + url, timeout=30)
        if r.status_code != 200:
            bad.append(f"{url} {r.status_code}")
    if bad:
        raise RuntimeError(f"{db}: pages that do not answer 200: {bad}")
    print(
        f"# publishing.{db}: random documents, the home page, the catalogue and search answer 200", flush=True
    )


def lua_paths(paths: list[str], *, uncached: bool = False) -> str:
    """wrk cycling through ``paths``; ``uncached`` sends a cookie that the page cache never serves."""
    rows = ",\n".join("[==[" + p + "]==]" for p in paths)
    headers = '{["Cookie"] = "gk_bench=uncached"}' if uncached else "nil"
    return f"""
local paths = {{
{rows}
}}
local threads = {{}}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  reqs = {{}}
  for i = 1, #paths do
    reqs[i] = wrk.format("GET", paths[i], {headers})
  end
  idx = (tid * 7919) % #reqs
end
function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end
""" + LUA_DONE.replace("__EXTRA__", "")


def pages(db: str, server: Server, urls: list[str]) -> None:
    from urllib.parse import quote

    from gongkai.publishing.models import CatalogueEntry

    busy = list(
        CatalogueEntry.objects.filter(is_public=True)
        .values_list("department__code", "year")
        .distinct()
        .order_by("department__code", "year")
    )
    rng = random.Random(SEED + 2)
    filters = [f"/zwgk/?department={d}&year={y}" for d, y in rng.sample(busy, min(40, len(busy)))]
    filters += [f"/zwgk/?type=policy&year={y}" for _d, y in busy[:5]]
    cases: list[tuple[str, list[str]]] = [
        ("healthz", ["/healthz"]),
        ("home", ["/"]),
        ("catalogue_filtered", filters),
        ("catalogue_page200", ["/zwgk/?page=200"]),
        ("list_page", ["/zwgk/zcwj/", "/zwgk/xwfb/", "/zwgk/tzgg/"]),
        ("document", urls[:2000]),
    ]
    for case, queries in QUERIES.items():
        cases.append((case, [f"/search/?q={quote(q)}" for q in queries]))
    for case, paths in cases:
        if case == "healthz":
            script = lua_healthz()
            wrk_run(server.url, script, WARMUP_SECONDS)
        else:
            # Requests of the previous (uncached) run still in the server's threads must not be
            # counted against this case: wait until the server answers quickly again.
            settle(server)
            # Warm: every URL of the case asked once (the page cache then holds it), then wrk.
            warmed = warm(server, paths)
            script = lua_paths(paths)
        result = wrk_run(server.url, script, SECONDS)
        report_pages(db, case, result, target=case != "healthz")
        if case != "healthz":
            if warmed:
                note(f"{db}: {case}: warm-up asked {warmed} URLs once each")
            # The same URLs past the page cache (a cookie it never serves): the work of a miss.
            result = wrk_run(server.url, lua_paths(paths, uncached=True), SECONDS)
            report_pages(db, f"{case}.uncached", result, target=False)


def settle(server: Server, *, quick_ms: float = 50.0, seconds: float = 60.0) -> None:
    """Wait until three /healthz in a row answer within ``quick_ms`` (at most ``seconds``)."""
    import httpx

    deadline = time.monotonic() + seconds
    streak = 0
    with httpx.Client(base_url=server.url, timeout=30) as client:
        while streak < 3 and time.monotonic() < deadline:
            started = time.perf_counter()
            client.get("/healthz")
            streak = streak + 1 if (time.perf_counter() - started) * 1000 < quick_ms else 0
            time.sleep(0.2)


def warm(server: Server, paths: list[str]) -> int:
    """Ask every path once with 4 threads (at most 120 s); return how many were asked."""
    import httpx

    deadline = time.monotonic() + 120
    todo = list(dict.fromkeys(paths))
    lock = threading.Lock()
    done = [0]

    def worker() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while time.monotonic() < deadline:
                with lock:
                    if not todo:
                        return
                    path = todo.pop()
                    done[0] += 1
                client.get(path)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0]


def report_pages(db: str, case: str, result: dict, *, target: bool) -> None:
    errors = sum(result[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
    if errors:
        note(f"{db}: {case}: {errors} errors or non-2xx answers of {result['requests']}")
    rate = result["requests"] / (result["duration_us"] / 1e6)
    p99 = result["p99_us"] / 1000
    emit(f"publishing.{db}.{case}.p50", result["p50_us"] / 1000, "ms")
    emit(f"publishing.{db}.{case}.p99", p99, "ms")
    emit(f"publishing.{db}.{case}.req_per_s", rate, "req/s")
    if target:
        emit(f"publishing.{db}.{case}.p99_target_met", 1 if p99 <= TARGET_P99_MS else 0, "bool")


# --- 3. Fan-out ----------------------------------------------------------------------------------------


def fanout(db: str) -> None:
    from django.conf import settings
    from django.db import close_old_connections, connection
    from django.db.models import Count

    from gongkai.core.outbox import services as outbox_services
    from gongkai.core.outbox.models import OutboxMessage
    from gongkai.core.outbox.tests import fake_wechat as fw
    from gongkai.core.outbox.tests import fake_weibo as fb
    from gongkai.publishing import services
    from gongkai.publishing.channels.models import ChannelRelease
    from gongkai.publishing.models import DocumentIndexPage, PressReleasePage
    from gongkai.publishing.review.guard import review_bypass

    weibo, wechat = fb.FakeWeibo().start(), fw.FakeWechat().start()
    overrides = {
        "WAGTAILADMIN_BASE_URL": f"https://{fb.SAFE_DOMAIN}",
        "WEIBO_SAFE_DOMAINS": [fb.SAFE_DOMAIN],
        "GONGKAI_RELEASE_CHANNELS": ["weibo", "wechat_mp"],
        "GONGKAI_WEIBO_BACKEND": "http",
        "GONGKAI_WECHAT_BACKEND": "http",
        "WEIBO_API_BASE": weibo.url,
        "WEIBO_ACCESS_TOKEN": fb.ACCESS_TOKEN,
        "WEIBO_RIP": "202.98.0.68",
        "WEIBO_TIMEOUT": 5.0,
        "WECHAT_MP_API_BASE": wechat.url,
        "WECHAT_MP_APP_ID": fw.APP_ID,
        "WECHAT_MP_APP_SECRET": fw.APP_SECRET,
        "WECHAT_MP_THUMB_MEDIA_ID": "",
        "WECHAT_MP_THUMB_IMAGE": "",
        "WECHAT_MP_TIMEOUT": 5.0,
        "WECHAT_MP_PUBLISH_POLLS": 1,
        "WECHAT_MP_PUBLISH_POLL_SECONDS": 0.0,
    }
    saved = {k: getattr(settings, k, None) for k in overrides}
    for k, v in overrides.items():
        setattr(settings, k, v)
    # Publication only enqueues; the delivery below is measured on its own (in embedded mode the
    # outbox would otherwise deliver each message inside the publishing request).
    schedule = outbox_services._schedule_delivery
    outbox_services._schedule_delivery = lambda message_id: None
    try:
        parent = DocumentIndexPage.objects.get(document_type="press_release")
        from gongkai.accounts.models import Department

        department = Department.objects.get(code="jilin")
        first_message = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        page_ids = []
        t0 = time.perf_counter()
        for i in range(FANOUT):
            page = PressReleasePage(
                title=f"吉林市召开冬季城市清雪保障新闻发布会（第{i + 1}场）",
                department=department,
                summary="通报全市清雪作业进展，发布雪后出行提示。",
                body="<p>市城管执法局介绍全市清雪作业进展，主干道已全部清理完毕。</p>",
                release_kind="conference",
                spokesperson="市政府新闻发言人",
            )
            with review_bypass(reason="性能测试：发布扇出", release=True):
                services.document_save(page=page, parent=parent, publish=True)
            page_ids.append(page.pk)
        publish_s = time.perf_counter() - t0
        emit(f"publishing.{db}.fanout.publish_docs_per_s", FANOUT / publish_s, "docs/s")
        queued = OutboxMessage.objects.filter(pk__gt=first_message).count()
        releases = ChannelRelease.objects.filter(page_id__in=page_ids).count()
        print(
            f"# publishing.{db}: published {FANOUT} documents in {publish_s:.1f} s: {releases} releases, "
            f"{queued} outbox messages",
            flush=True,
        )
        delivered = [0] * DELIVERY_THREADS

        def worker(k: int) -> None:
            try:
                idle = 0
                while idle < 3:
                    n = outbox_services.outbox_deliver_due(limit=10)
                    delivered[k] += n
                    idle = idle + 1 if n == 0 else 0
                    if n == 0:
                        time.sleep(0.05)
            finally:
                close_old_connections()
                connection.close()

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(DELIVERY_THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        deliver_s = time.perf_counter() - t0 - 3 * 0.05  # the idle polls at the end
        sent = OutboxMessage.objects.filter(pk__gt=first_message, status=OutboxMessage.Status.SENT).count()
        statuses = dict(
            ChannelRelease.objects.filter(page_id__in=page_ids)
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        released_sent = statuses.get("sent", 0)
        lost = releases - released_sent
        emit(f"publishing.{db}.fanout.deliveries_per_s", sent / deliver_s if deliver_s > 0 else 0.0, "msg/s")
        emit(f"publishing.{db}.fanout.messages_sent", sent, "count")
        emit(f"publishing.{db}.fanout.releases", releases, "count")
        emit(f"publishing.{db}.fanout.releases_sent", released_sent, "count")
        emit(f"publishing.{db}.fanout.lost", lost, "count")
        print(
            f"# publishing.{db}: delivered {sum(delivered)} attempts, {sent}/{queued} messages sent in "
            f"{deliver_s:.1f} s; releases by status {statuses}; weibo statuses {len(weibo.live_statuses())}, "
            f"wechat articles {len(wechat.live_articles())}",
            flush=True,
        )
    finally:
        outbox_services._schedule_delivery = schedule
        for k, v in saved.items():
            setattr(settings, k, v)
        weibo.stop()
        wechat.stop()


# --- Parent --------------------------------------------------------------------------------------------


def run(report) -> None:
    print(
        f"# publishing: {', '.join(DBS)}; {DOCS} documents; {SECONDS:.0f} s per page after {WARMUP_SECONDS:.0f} s "
        f"warm-up; fan-out of {FANOUT} publications; wrk {'found' if shutil.which('wrk') else 'MISSING'}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    if not shutil.which("wrk"):
        print("# publishing skipped: wrk is needed for the page figures", flush=True)
        return
    run_databases(
        module="bench.publishing",
        dbs=DBS,
        pg_server=PG_SERVER,
        pg_database=PG_DATABASE,
        secret_key=SECRET_KEY,
        report=report,
        start_redis=_start_redis,
    )
    print(f"# publishing: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        from bench.__main__ import report as _report

        run(_report)
