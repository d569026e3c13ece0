"""Chinese full-text search: index 100,000 generated documents, query them, compare with LIKE.

For each database (SQLite, then PostgreSQL if reachable) a child process with its own
``DATABASE_URL`` migrates the search app, loads the same deterministic corpus into a plain
``bench_doc`` table (the baseline) and into the index, then times ``selectors.search`` (20 hits with
snippets, exact total) for one-, two- and multi-character queries against a sequential
``LIKE '%q%'`` scan of ``bench_doc``, and checks that both find the same documents.

Figures: ``search.<db>.index.docs_per_s``, ``search.<db>.index.size`` (MB), ``search.<db>.<case>.p50``
/ ``.p99`` (ms), ``search.<db>.like.<case>.p50`` / ``.p99`` (ms), ``search.<db>.mismatches`` (must be 0).
Environment: ``BENCH_SEARCH_DOCS`` (default 100000), ``BENCH_SEARCH_PG`` (PostgreSQL server URL
without database, default ``postgres://postgres@127.0.0.1:5432``).
"""

from __future__ import annotations

import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOCS = int(os.environ.get("BENCH_SEARCH_DOCS", "100000"))
PG_SERVER = os.environ.get("BENCH_SEARCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "gongkai_bench"
REPEAT = 3

PLACES = [
    "昌邑区",
    "龙潭区",
    "船营区",
    "丰满区",
    "高新区",
    "经开区",
    "蛟河市",
    "桦甸市",
    "舒兰市",
    "磐石市",
    "永吉县",
    "松花江",
    "北山公园",
    "世纪广场",
    "江南公园",
    "吉林大街",
    "解放路",
    "重庆路",
    "河南街",
    "雾凇岛",
]
TOPICS = [
    "路灯不亮",
    "供暖温度不达标",
    "物业服务",
    "雾凇观赏",
    "社保卡办理",
    "医保报销",
    "公积金提取",
    "垃圾清运",
    "噪音扰民",
    "井盖缺失",
    "停车难",
    "公交线路调整",
    "学校招生",
    "医院挂号",
    "自来水停水",
    "燃气安全",
    "小区绿化",
    "违章建筑",
    "占道经营",
    "道路施工",
    "冬季除雪",
    "防汛抗旱",
    "食品安全",
    "养老服务",
    "就业创业补贴",
    "低保申请",
    "房屋征收",
    "不动产登记",
    "营商环境",
    "政务公开",
    "12345热线",
    "WiFi覆盖",
]
PHRASES = [
    "市民反映",
    "经核实",
    "相关部门",
    "已安排人员",
    "尽快处理",
    "按照规定",
    "根据《吉林市",
    "实施办法》",
    "现将有关事项通知如下",
    "请广大市民",
    "予以配合",
    "特此公告",
    "办理时限",
    "工作日内",
    "联系电话",
    "责任单位",
    "整改完成",
    "回访满意",
    "进一步加强",
    "切实做好",
    "全面推进",
    "确保群众",
    "依法依规",
    "人民政府办公室",
    "关于做好",
    "工作的通知",
    "政策解读",
    "新闻发布会",
    "答记者问",
    "辟谣",
]
PUNCT = ["，", "。", "、", "；", "：", "！", " "]
TITLE_ENDS = ["的通知", "的公告", "工作方案", "情况说明", "答复意见", "政策解读", "实施细则"]
DOC_TYPES = ["policy", "interpretation", "release", "announcement", "reply"]
DEPARTMENTS = ["gov", "hrss", "housing", "health", "transport", "education", "ecology", "urban"]


def generate(n: int, seed: int = 20261127) -> list[dict]:
    rng = random.Random(seed)
    docs = []
    for i in range(1, n + 1):
        title = rng.choice(PLACES) + rng.choice(TOPICS) + rng.choice(TITLE_ENDS)
        target = rng.randint(100, 400)
        parts: list[str] = []
        size = 0
        while size < target:
            pool = rng.random()
            piece = rng.choice(PLACES if pool < 0.25 else TOPICS if pool < 0.55 else PHRASES)
            parts.append(piece)
            parts.append(rng.choice(PUNCT))
            size += len(piece) + 1
        date = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(4300))
        docs.append(
            {
                "id": i,
                "title": title,
                "body": "".join(parts)[:target],
                "doc_type": rng.choice(DOC_TYPES),
                "department": rng.choice(DEPARTMENTS),
                "date": date,
            }
        )
    return docs


def queries(seed: int = 7) -> dict[str, list[str]]:
    rng = random.Random(seed)
    vocabulary = PLACES + TOPICS + PHRASES + TITLE_ENDS
    chars = sorted({c for word in vocabulary for c in word if "\u4e00" <= c <= "\u9fff"})
    one = rng.sample(chars, 30)
    pairs = sorted(
        {
            w[i : i + 2]
            for w in vocabulary
            for i in range(len(w) - 1)
            if all("\u4e00" <= c <= "\u9fff" for c in w[i : i + 2])
        }
    )
    two = rng.sample(pairs, 27) + ["路灯", "供暖", "雾凇"]
    multi = rng.sample(
        [w for w in vocabulary if len(w) >= 3 and all("\u4e00" <= c <= "\u9fff" for c in w)], 24
    )
    multi += ["昌邑区路灯", "松花江雾凇", "供暖温度", "人民政府办公室关于", "工作日内办结", "龙潭区噪音"]
    return {"one_char": one, "two_char": two, "multi_char": multi}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- Child: one database ---------------------------------------------------------------------------


def child(db: str) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "gongkai.settings.test"
    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    from gongkai.core.search import selectors, services, storage
    from gongkai.core.search.documents import SearchDocument

    out: dict[str, float] = {}
    call_command("migrate", "search", verbosity=0)
    postgres = connection.vendor == "postgresql"
    content_type = ContentType.objects.get_for_model(ContentType)
    docs = generate(DOCS)

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_doc")
        cursor.execute(
            "CREATE TABLE bench_doc (id integer PRIMARY KEY, title text NOT NULL, body text NOT NULL)"
        )
        rows = [(d["id"], d["title"], d["body"]) for d in docs]
        for start in range(0, len(rows), 5000):
            cursor.executemany(
                "INSERT INTO bench_doc (id, title, body) VALUES (%s, %s, %s)", rows[start : start + 5000]
            )
        storage.delete_all()
        if postgres:
            cursor.execute("VACUUM ANALYZE bench_doc")
    size_before = _size(connection)

    documents = (
        SearchDocument(
            content_type_id=content_type.pk,
            object_id=d["id"],
            title=d["title"],
            body=d["body"],
            doc_type=d["doc_type"],
            department_code=d["department"],
            date=d["date"],
        )
        for d in docs
    )
    started = time.perf_counter()
    services.index_documents(documents, batch_size=1000, replace=False)
    storage.optimize()
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_searchentry")
    elapsed = time.perf_counter() - started
    out["index.docs_per_s"] = DOCS / elapsed
    out["index.seconds"] = elapsed
    out["index.size"] = (_size(connection) - size_before) / 1e6

    mismatches = 0
    estimated = 0
    like_sql = "SELECT id FROM bench_doc WHERE title LIKE %s OR body LIKE %s"
    for case, words in queries().items():
        timings: list[float] = []
        like_timings: list[float] = []
        for word in words:
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                results = selectors.search(word, limit=20)
                timings.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(like_sql, [f"%{word}%", f"%{word}%"])
                expected = {r[0] for r in cursor.fetchall()}
            like_timings.append((time.perf_counter() - t0) * 1000)
            got = {object_id for _, object_id in selectors.matching_keys(word)}
            if not results.total_is_exact:
                estimated += 1
            if got != expected or (results.total_is_exact and results.total != len(expected)):
                mismatches += 1
                print(
                    f"# mismatch {db} {word!r}: index {len(got)} total {results.total} like {len(expected)}",
                    flush=True,
                )
        out[f"{case}.p50"] = statistics.median(timings)
        out[f"{case}.p99"] = percentile(timings, 0.99)
        out[f"like.{case}.p50"] = statistics.median(like_timings)
        out[f"like.{case}.p99"] = percentile(like_timings, 0.99)
    out["mismatches"] = mismatches
    out["estimated_totals"] = estimated
    print("RESULT " + json.dumps(out), flush=True)


def _size(connection) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(connection.settings_dict["NAME"]).stat().st_size


# --- Parent ------------------------------------------------------------------------------------------


def _postgres_ready() -> str | None:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def _run_child(db: str, database_url: str, report) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "GONGKAI_ENV": "test"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.search", "--child", db],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            for name, value in json.loads(line[7:]).items():
                unit = (
                    "ms"
                    if name.endswith(("p50", "p99"))
                    else "MB"
                    if name.endswith("size")
                    else (
                        "docs/s"
                        if name.endswith("docs_per_s")
                        else "s"
                        if name.endswith("seconds")
                        else "count"
                    )
                )
                report(f"search.{db}.{name}", value, unit)
        else:
            print(line, flush=True)
    if proc.returncode != 0:
        print(f"# search.{db} failed:\n{proc.stderr[-3000:]}", flush=True)


def run(report) -> None:
    print(
        f"# search: {DOCS} documents, {sum(len(v) for v in queries().values())} queries x {REPEAT}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="gongkai-bench-search-") as tmp:
        _run_child("sqlite", f"sqlite:///{tmp}/bench.sqlite3", report)
    problem = _postgres_ready()
    if problem:
        print(f"# search.postgres skipped: PostgreSQL unreachable at {PG_SERVER} ({problem})", flush=True)
        return
    _run_child("postgres", f"{PG_SERVER}/{PG_DATABASE}", report)
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        from bench.__main__ import report as _report

        run(_report)
