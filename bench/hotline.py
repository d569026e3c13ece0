"""12345 hotline: intake and lookup through the public HTTP API, and the KPI dashboard, on PostgreSQL
and on SQLite, each beside a baseline measured in the same run.

For each database a child process (``DJANGO_SETTINGS_MODULE=bench.settings_bench``: the normal
settings with the public rate limits raised) migrates a database of its own (PostgreSQL
``gongkai_bench_hotline``, SQLite a temporary file), loads the demo organisation tree and starts a
real server: granian WSGI, 2 workers, on 127.0.0.1 and a free port. PostgreSQL runs as deployed
(docs/deployment.md: Redis for the cache and rate limits, ``--blocking-threads 8``; a private
redis-server is started when the binary exists), SQLite as embedded (the database cache,
``gongkai serve``'s 2 blocking threads). The load generator is wrk with a Lua script (threads +
httpx when wrk is missing), 16 connections, bounded by time (and the intake by count), only
127.0.0.1; requests carry ``X-Forwarded-For`` addresses from a large pool, as behind nginx.

1. Intake: ``POST /api/v1/hotline/appeals`` with realistic Chinese appeals and distinct phone numbers
   for ``BENCH_HOTLINE_INTAKE_SECONDS``; appeals/s = 201 answers / (last 201 - first request).
   Baseline: one-row autocommit inserts into a table of similar width with 16 connections (psycopg)
   or 16 threads (sqlite3, the app's PRAGMAs). Afterwards the orders in the database must equal the
   201 answers and hold every tracking number answered (``…intake.lost`` must be 0).
2. Lookup: 1,000,000 orders (a year of history: COPY / executemany, with lead assignments and a
   public timeline) are loaded; a sample gets real query codes (``services.query_code_hash``).
   ``POST /api/v1/hotline/lookup`` p50/p99 and req/s beside ``GET /healthz`` on the same server,
   first at saturation (16 connections sending as fast as answers come back: the req/s), then
   paced (the same 16 connections, each waiting a random pause before its next request, so that
   the offered rate is ``BENCH_HOTLINE_PACED_SHARE`` (0.5) of the saturated lookup rate): the
   latency a citizen sees while the server has capacity left, beside ``/healthz`` paced alike.
   At saturation a closed loop's latency is its queue (16 ÷ req/s, ``/healthz`` included).
3. KPIs: ``selectors.kpi_for_department`` of the busiest department, in-process, 50 date ranges
   (7 days to a year): p50/p99; and ``GET /api/v1/hotline/kpis`` with a staff token (20 calls).

Figures: ``hotline.<pg|sqlite>.…`` (see docs/benchmarks.md). Environment: ``BENCH_HOTLINE_DBS``
(default ``pg,sqlite``), ``BENCH_HOTLINE_ORDERS`` (1000000), ``BENCH_HOTLINE_PG`` (server URL
without database, default ``postgres://postgres@127.0.0.1:5432``), ``BENCH_HOTLINE_INTAKE_SECONDS``
(12), ``BENCH_HOTLINE_LOOKUP_SECONDS`` (10), ``BENCH_HOTLINE_BASELINE_SECONDS`` (8).
"""

from __future__ import annotations

import datetime
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.harness import run_databases

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_HOTLINE_PG", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "gongkai_bench_hotline"
DBS = [d.strip() for d in os.environ.get("BENCH_HOTLINE_DBS", "pg,sqlite").split(",") if d.strip()]
ORDERS = int(os.environ.get("BENCH_HOTLINE_ORDERS", "1000000"))
INTAKE_SECONDS = float(os.environ.get("BENCH_HOTLINE_INTAKE_SECONDS", "12"))
LOOKUP_SECONDS = float(os.environ.get("BENCH_HOTLINE_LOOKUP_SECONDS", "10"))
PACED_SHARE = float(os.environ.get("BENCH_HOTLINE_PACED_SHARE", "0.5"))
BASELINE_SECONDS = float(os.environ.get("BENCH_HOTLINE_BASELINE_SECONDS", "8"))
CLIENTS = 16
WRK_THREADS = 2
SAMPLE = 4000  # orders with a real query code, looked up in turn
INTAKE_MAX = 200_000  # count bound of the intake (per run)
KPI_CALLS = 50
SECRET_KEY = "gongkai-bench-hotline-not-a-secret-0123456789abcdef"  # noqa: S105 - bench only
TEMPLATES = 2000  # distinct synthetic appeals cycled through
SEED = 20261201


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_ip(n: int) -> str:
    """Address ``n`` of the simulated citizens (10.0.0.0/8)."""
    n = n % (1 << 24)
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


# --- Load generation: wrk + Lua ------------------------------------------------------------------

LUA_CLOCK = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local bench_ts = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, bench_ts)
  return tonumber(bench_ts.tv_sec) + tonumber(bench_ts.tv_nsec) * 1e-9
end
"""

LUA_DONE = """
function done(summary, latency, requests)
  local out = {}
  out[#out + 1] = string.format('"requests": %d, "duration_us": %d', summary.requests, summary.duration)
  out[#out + 1] = string.format('"p50_us": %d, "p99_us": %d', math.floor(latency:percentile(50)), math.floor(latency:percentile(99)))
  local e = summary.errors
  out[#out + 1] = string.format('"err_connect": %d, "err_read": %d, "err_write": %d, "err_status": %d, "err_timeout": %d',
    e.connect, e.read, e.write, e.status, e.timeout)
  __EXTRA__
  io.write("RESULT {" .. table.concat(out, ", ") .. "}\\n")
end
"""


def _lua_str(text: str) -> str:
    assert "]==]" not in text
    return "[==[" + text + "]==]"


def lua_delay(mean_ms: float | None) -> str:
    """A pause before each request, uniform in [0, 2 × mean] ms (wrk's ``delay()``); none for None."""
    if not mean_ms:
        return ""
    return f"\nfunction delay()\n  return math.random() * {2 * mean_ms:.3f}\nend\n"


def lua_lookup(samples: list[tuple[str, str]], *, delay_ms: float | None = None) -> str:
    """Cycle through the sample's (tracking number, query code), each from another address."""
    rows = ",\n".join(f'{{"{number}","{code}"}}' for number, code in samples)
    return (
        LUA_CLOCK
        + f"""
local samples = {{
{rows}
}}
local threads = {{}}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  reqs = {{}}
  local n = #samples
  for i = 1, n do
    local s = samples[i]
    local ip = string.format("10.%d.%d.%d", 100 + tid, math.floor(i / 256) % 256, i % 256)
    local body = '{{"tracking_number":"' .. s[1] .. '","query_code":"' .. s[2] .. '"}}'
    reqs[i] = wrk.format("POST", "/api/v1/hotline/lookup",
      {{["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip}}, body)
  end
  idx = (tid * 997) % n
end
function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end
"""
        + lua_delay(delay_ms)
        + LUA_DONE.replace("__EXTRA__", "")
    )


def lua_healthz(*, delay_ms: float | None = None) -> str:
    return (
        'wrk.method = "GET"\nwrk.path = "/healthz"\n'
        + lua_delay(delay_ms)
        + LUA_DONE.replace("__EXTRA__", "")
    )


def lua_intake(appeals: list[dict], *, seconds: float, max_per_thread: int) -> str:
    """Appeals with distinct phones and idempotency keys until the window ends, then ``/healthz``
    until wrk stops, so that no appeal is in flight when wrk exits (every answer is counted)."""
    bodies = ",\n".join(_lua_str(json.dumps(a, ensure_ascii=False)[1:-1]) for a in appeals)
    extra = """
  local created, replay, other, first, last, numbers, samples = 0, 0, 0, nil, 0, {}, {}
  for _, t in ipairs(threads) do
    created = created + t:get("created")
    replay = replay + t:get("replay")
    other = other + t:get("other")
    local f = t:get("first")
    if f and (first == nil or f < first) then first = f end
    if t:get("last") > last then last = t:get("last") end
    local ns = t:get("numbers")
    for i = 1, #ns do numbers[#numbers + 1] = ns[i] end
    local ss = t:get("bad")
    for i = 1, #ss do samples[#samples + 1] = ss[i] end
  end
  out[#out + 1] = string.format('"created": %d, "replay": %d, "other": %d, "window_s": %.6f',
    created, replay, other, (first and last > first) and (last - first) or 0)
  local f = io.open(numbers_file, "w")
  f:write(table.concat(numbers, "\\n"))
  f:close()
  local g = io.open(numbers_file .. ".bad", "w")
  g:write(table.concat(samples, "\\n"))
  g:close()
"""
    return (
        LUA_CLOCK
        + f"""
local bodies = {{
{bodies}
}}
local window = {seconds}
local max_per_thread = {max_per_thread}
numbers_file = os.getenv("BENCH_NUMBERS_FILE")
local threads = {{}}
local health = nil
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  created, replay, other, sent, last, first, deadline = 0, 0, 0, 0, 0, nil, nil
  numbers, bad = {{}}, {{}}
  health = wrk.format("GET", "/healthz")
end
function request()
  local t = now()
  if first == nil then
    first = t
    deadline = t + window
  end
  if t < deadline and sent < max_per_thread then
    sent = sent + 1
    local n = tid * 1000000 + sent
    local phone = string.format("139%08d", 40000000 + n)
    local body = '{{' .. bodies[(n % #bodies) + 1] ..
      string.format(',"caller_phone":"%s","client_reference":"bench-%d-%d"}}', phone, tid, sent)
    local ip = string.format("10.%d.%d.%d", 1 + tid, math.floor(sent / 256) % 256, sent % 256)
    return wrk.format("POST", "/api/v1/hotline/appeals",
      {{["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip}}, body)
  end
  return health
end
function response(status, headers, body)
  if status == 201 then
    created = created + 1
    last = now()
    numbers[#numbers + 1] = string.match(body, '"tracking_number":%s*"(%d+)"') or "?"
  elseif status == 200 then
    if string.find(body, "tracking_number", 1, true) then replay = replay + 1 end
  else
    other = other + 1
    if #bad < 5 then bad[#bad + 1] = status .. " " .. string.sub(body, 1, 300) end
  end
end
"""
        + LUA_DONE.replace("__EXTRA__", extra)
    )


def wrk_run(base_url: str, script: str, seconds: float, *, env: dict | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as f:
        f.write(script)
        path = f.name
    try:
        proc = subprocess.run(
            [
                "wrk",
                f"-t{WRK_THREADS}",
                f"-c{CLIENTS}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                path,
                base_url,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=seconds + 60,
            check=False,
        )
    finally:
        os.unlink(path)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stdout[-1500:]} {proc.stderr[-1500:]}")


# --- Load generation without wrk: threads + httpx ------------------------------------------------


def py_run(
    base_url: str, make_request, seconds: float, *, on_response=None, max_count: int | None = None
) -> dict:
    """16 threads, each with its own keep-alive httpx client, for ``seconds`` (and ``max_count``)."""
    import httpx

    deadline = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors = [0] * CLIENTS
    counter = iter(range(10**9))
    lock = threading.Lock()

    def worker(k: int) -> None:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            while time.perf_counter() < deadline:
                with lock:
                    i = next(counter)
                if max_count is not None and i >= max_count:
                    return
                method, path, headers, body = make_request(i)
                t0 = time.perf_counter()
                try:
                    r = client.request(method, path, headers=headers, content=body)
                except httpx.HTTPError:
                    errors[k] += 1
                    continue
                latencies[k].append(time.perf_counter() - t0)
                if on_response is not None:
                    on_response(r)
                elif r.status_code >= 400:
                    errors[k] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    flat = [x for chunk in latencies for x in chunk]
    return {
        "requests": len(flat),
        "duration_us": int(elapsed * 1e6),
        "p50_us": int(percentile(flat, 0.5) * 1e6) if flat else 0,
        "p99_us": int(percentile(flat, 0.99) * 1e6) if flat else 0,
        "err_status": sum(errors),
        "err_connect": 0,
        "err_read": 0,
        "err_write": 0,
        "err_timeout": 0,
    }


# --- The server ------------------------------------------------------------------------------------


class Server:
    """granian WSGI, 2 workers, on 127.0.0.1 and a free port, in its own process group."""

    def __init__(self, env: dict, threads: int, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.threads = threads
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        granian = str(Path(sys.executable).parent / "granian")
        command = [
            granian,
            "--interface", "wsgi",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--workers", os.environ.get("BENCH_HOTLINE_WORKERS", "2"),
            "--blocking-threads", str(self.threads),
            "--no-ws",
            "--log-level", "warning",
            "gongkai.wsgi:application",
        ]  # fmt: skip
        self._logfile = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603
            command,
            env=self.env,
            cwd=ROOT,
            stdout=self._logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"granian exited ({self.proc.returncode}): {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    # Both workers: a few more requests so that each has imported the app.
                    for _ in range(20):
                        httpx.get(f"{self.url}/healthz", timeout=5)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("granian did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._logfile.close()
        self.proc = None


# --- Child: one database ----------------------------------------------------------------------------


def emit(name: str, value: float, unit: str) -> None:
    print("REPORT " + json.dumps([name, value, unit]), flush=True)


def note(text: str) -> None:
    print(f"# note: {text}", flush=True)


def appeal_templates(n: int) -> list:
    from gongkai.hotline.knowledge import synthetic

    return synthetic.generate_history(n, seed=SEED)


def child(db: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from gongkai.accounts import demo as accounts_demo

    departments = accounts_demo.load_departments()
    print(
        f"# hotline.{db}: migrated and loaded {len(departments)} departments in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )

    env = {**os.environ}
    server = Server(
        env,
        threads=int(os.environ.get("BENCH_HOTLINE_THREADS", 2)),
        log=Path(tempfile.gettempdir()) / f"gongkai-bench-hotline-{db}.log",
    )
    use_wrk = shutil.which("wrk") is not None
    cache = "Redis" if os.environ.get("REDIS_URL") else "the database cache"
    note(
        f"{db}: granian WSGI 2 workers x {server.threads} blocking threads, CONN_MAX_AGE=60, rate limits in "
        f"{cache}; public limits raised for the benchmark server (bench/settings_bench.py: "
        "GONGKAI_API_ANON_RATE, GONGKAI_HOTLINE_APPEAL_RATE, GONGKAI_HOTLINE_LOOKUP_RATE = 1000000/m, "
        "GONGKAI_HOTLINE_RATE_LIMITS appeal-phone/appeal-ip/lookup-failed-ip/lookup-failed-number raised); "
        f"client {'wrk' if use_wrk else 'threads + httpx'} with {CLIENTS} connections, "
        "X-Forwarded-For from a pool of 10.x addresses (GONGKAI_NUM_PROXIES=1)"
    )
    server.start()
    try:
        templates = appeal_templates(TEMPLATES)
        intake(db, server, templates, use_wrk=use_wrk)
        samples, busiest = bulk_load(db, departments, templates)
        lookup(db, server, samples, use_wrk=use_wrk)
        kpis(db, server, busiest)
    finally:
        server.stop()


# --- 1. Intake ---------------------------------------------------------------------------------------


def raw_insert_rate(db: str, seconds: float, contents: list[str]) -> float:
    """One-row autocommit inserts per second with 16 connections into a table as wide as an appeal."""
    from django.db import connection

    ddl_pg = (
        "CREATE TABLE bench_raw_insert (id bigserial PRIMARY KEY, tracking_number varchar(16) NOT NULL, "
        "code_hash varchar(128) NOT NULL, channel varchar(20) NOT NULL, caller_name varchar(50) NOT NULL, "
        "caller_phone varchar(20) NOT NULL, title varchar(200) NOT NULL, content text NOT NULL, "
        "status varchar(20) NOT NULL, created_at timestamptz NOT NULL)"
    )
    sql = (
        "INSERT INTO bench_raw_insert (tracking_number, code_hash, channel, caller_name, caller_phone, title, "
        "content, status, created_at) VALUES ({p}, {p}, 'web', {p}, {p}, {p}, {p}, 'received', {now})"
    )
    stop = time.perf_counter() + seconds
    counts = [0] * CLIENTS
    code_hash = "a" * 64

    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        dsn = f"host={settings['HOST']} port={settings['PORT'] or 5432} dbname={settings['NAME']} user={settings['USER']}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_raw_insert")
            conn.execute(ddl_pg)
        statement = sql.format(p="%s", now="now()")

        def worker(k: int) -> None:
            with psycopg.connect(dsn, autocommit=True) as conn:
                n = 0
                while time.perf_counter() < stop:
                    n += 1
                    conn.execute(
                        statement,
                        (f"99{k:02d}{n:08d}", code_hash, "张三", f"139{k:02d}{n:06d}", contents[n % len(contents)][:30],
                         contents[n % len(contents)]),
                    )  # fmt: skip
                counts[k] = n

        connect = None
    else:
        import sqlite3

        path = connection.settings_dict["NAME"]

        def connect():
            c = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
            # The app's PRAGMAs (gongkai/settings/base.py).
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA busy_timeout=5000")
            return c

        c = connect()
        c.execute("DROP TABLE IF EXISTS bench_raw_insert")
        c.execute(
            ddl_pg.replace("bigserial PRIMARY KEY", "integer PRIMARY KEY AUTOINCREMENT").replace(
                "timestamptz", "datetime"
            )
        )
        c.close()
        statement = sql.format(p="?", now="datetime('now')")

        def worker(k: int) -> None:
            c = connect()
            n = 0
            while time.perf_counter() < stop:
                n += 1
                c.execute(
                    statement,
                    (f"99{k:02d}{n:08d}", code_hash, "张三", f"139{k:02d}{n:06d}", contents[n % len(contents)][:30],
                     contents[n % len(contents)]),
                )  # fmt: skip
            counts[k] = n
            c.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_raw_insert")
        stored = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_raw_insert")
    if stored != sum(counts):
        note(f"{db}: baseline stored {stored} rows, expected {sum(counts)}")
    return sum(counts) / elapsed


def intake(db: str, server: Server, templates: list, *, use_wrk: bool) -> None:
    from gongkai.hotline.models import RoutingCategory, WorkOrder

    categories = set(RoutingCategory.objects.values_list("code", flat=True))
    family = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    given = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "建国", "淑珍", "海燕"]
    appeals = []
    for i, order in enumerate(templates[:500]):
        appeal = {
            "channel": "web",
            "title": order.title,
            "content": order.content,
            "order_type": order.order_type,
            "caller_name": family[i % len(family)] + given[i % len(given)],
        }
        if order.category in categories:
            appeal["category"] = order.category
        appeals.append(appeal)

    baseline = raw_insert_rate(db, BASELINE_SECONDS, [a["content"] for a in appeals])
    before = WorkOrder.objects.count()
    numbers_file = Path(tempfile.gettempdir()) / f"gongkai-bench-hotline-{db}-numbers.txt"
    if use_wrk:
        per_thread = INTAKE_MAX // WRK_THREADS
        result = wrk_run(
            server.url,
            lua_intake(appeals, seconds=INTAKE_SECONDS, max_per_thread=per_thread),
            INTAKE_SECONDS + 4,
            env={"BENCH_NUMBERS_FILE": str(numbers_file)},
        )
        numbers = [n for n in numbers_file.read_text().split("\n") if n]
        bad_file = Path(str(numbers_file) + ".bad")
        for line in bad_file.read_text().splitlines()[:5]:
            print(f"# hotline.{db}.intake unexpected answer: {line}", flush=True)
        numbers_file.unlink()
        bad_file.unlink()
        created, other, window = result["created"], result["other"], result["window_s"]
    else:
        numbers, other_box = [], [0]
        lock = threading.Lock()

        def make(i: int):
            body = {
                **appeals[i % len(appeals)],
                "caller_phone": f"139{40000000 + i:08d}",
                "client_reference": f"bench-{i}",
            }
            headers = {"Content-Type": "application/json", "X-Forwarded-For": client_ip(i)}
            return "POST", "/api/v1/hotline/appeals", headers, json.dumps(body, ensure_ascii=False).encode()

        def on_response(r) -> None:
            with lock:
                if r.status_code == 201:
                    numbers.append(r.json()["tracking_number"])
                else:
                    other_box[0] += 1

        result = py_run(server.url, make, INTAKE_SECONDS, on_response=on_response, max_count=INTAKE_MAX)
        created, other, window = len(numbers), other_box[0], result["duration_us"] / 1e6
    rate = created / window if window else 0.0
    stored = WorkOrder.objects.count() - before
    found = WorkOrder.objects.filter(tracking_number__in=numbers).count() if numbers else 0
    lost = (len(numbers) - found) + abs(stored - created)
    if lost or len(set(numbers)) != len(numbers):
        note(f"{db}: {created} answers 201, {stored} orders stored, {found} of the answered numbers found")
    # The intake leaves each order's RECEIVED event and audit event to a job (records_pending),
    # woken through the broker; no worker runs here, so the benchmark runs the job itself and
    # checks that every accepted appeal got both.
    from gongkai.core.audit.models import AuditEvent
    from gongkai.hotline.models import EventType, WorkOrderEvent
    from gongkai.hotline.services import work_orders_record_pending

    t0 = time.perf_counter()
    recorded = 0
    while batch := work_orders_record_pending(limit=5000):
        recorded += batch
    record_s = time.perf_counter() - t0
    ids = (
        list(WorkOrder.objects.filter(tracking_number__in=numbers).values_list("pk", flat=True))
        if numbers
        else []
    )
    with_event = WorkOrderEvent.objects.filter(work_order_id__in=ids, type=EventType.RECEIVED).count()
    with_audit = AuditEvent.objects.filter(
        action="workorder.received", target_id__in=[str(pk) for pk in ids]
    ).count()
    if with_event != len(ids) or with_audit != len(ids):
        note(
            f"{db}: of {len(ids)} accepted orders {with_event} have their RECEIVED event, {with_audit} their audit event"
        )
    emit(f"hotline.{db}.intake.appeals_per_s", rate, "appeals/s")
    emit(f"hotline.{db}.intake.baseline_inserts_per_s", baseline, "rows/s")
    emit(f"hotline.{db}.intake.ratio", rate / baseline if baseline else 0.0, "ratio")
    emit(f"hotline.{db}.intake.accepted", created, "count")
    emit(f"hotline.{db}.intake.stored", stored, "count")
    emit(f"hotline.{db}.intake.lost", lost, "count")
    emit(f"hotline.{db}.intake.errors", other, "count")
    emit(f"hotline.{db}.intake.records_written", recorded, "count")
    emit(f"hotline.{db}.intake.records_missing", (len(ids) - with_event) + (len(ids) - with_audit), "count")
    emit(f"hotline.{db}.intake.records_per_s", recorded / record_s if record_s else 0.0, "orders/s")


# --- 2. Bulk load and lookup ------------------------------------------------------------------------

ORDER_COLUMNS = [
    "id", "tracking_number", "query_code_hash", "channel", "source_reference", "raw_source",
    "caller_name", "caller_phone", "caller_id_number", "caller_address", "caller_email",
    "confidential", "consent_to_publish", "order_type", "urgency", "location", "latitude", "longitude",
    "title", "content", "status", "dispatched_at", "accepted_at", "replied_at", "reply_approved_at",
    "callback_at", "closed_at", "deadline_unit", "deadline_rule_text", "sign_for_due_at", "reply_due_at",
    "callback_due_at", "is_paused", "reply_text", "public_reply", "satisfaction", "callback_attempts",
    "callback_outcome", "first_contact_resolution", "reopen_count", "return_count", "transfer_count",
    "escalated", "escalated_reason", "invalid_reason", "created_at", "updated_at", "category_id",
    "current_department_id", "district_id", "lead_department_id", "reply_department_id", "street_id",
]  # fmt: skip
ASSIGNMENT_COLUMNS = [
    "work_order_id", "department_id", "role", "level", "status", "is_active", "sign_for_due_at",
    "accepted_at", "replied_at", "contribution", "created_at", "finished_at",
]  # fmt: skip
EVENT_COLUMNS = ["work_order_id", "type", "is_public", "note", "data", "created_at", "department_id"]
CHANNELS = (
    ["phone"] * 55
    + ["web"] * 10
    + ["mailbox"] * 8
    + ["wechat"] * 8
    + ["weibo"] * 4
    + ["email"] * 3
    + ["letter"] * 2
    + ["walk_in"] * 3
    + ["reception_day"] * 2
    + ["provincial"] * 5
)
SATISFACTIONS = (
    ["very_satisfied"] * 35
    + ["satisfied"] * 35
    + ["basically_satisfied"] * 15
    + ["dissatisfied"] * 10
    + ["very_dissatisfied"] * 5
    + [""] * 10
)
REPLY = (
    "您好，您反映的问题我单位已收悉。经现场核查，已安排维修班组于次日处理完毕，并将加强日常巡查。"
    "感谢您对我们工作的支持和监督。"
)
RULES = {
    "consultation": 3,
    "help": 3,
    "complaint": 13,
    "report": 13,
    "suggestion": 13,
    "praise": 5,
    "other": 5,
}


def _indexes(cursor, postgres: bool, tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the secondary indexes of ``tables`` (not those of constraints)."""
    if postgres:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [tables],
        )
    else:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN (" + ", ".join(["%s"] * len(tables)) + ")",
            tables,
        )
    return list(cursor.fetchall())


def _extra_columns(model, listed: list[str]) -> tuple[list[str], tuple]:
    """Columns of ``model`` the loader does not fill (added by a later migration): their defaults."""
    from django.db import connection

    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in listed or field.primary_key:
            continue
        names.append(field.column)
        values.append(field.get_db_prep_save(field.get_default(), connection))
    return names, tuple(values)


def bulk_load(db: str, departments: dict, templates: list) -> tuple[list[tuple[str, str]], object]:
    """ORDERS orders over the 365 days before today (recent and winter days busier), with their lead
    assignment and public timeline (up to four events); SAMPLE of them with a real query code."""
    from django.db import connection
    from django.db.models import Count

    from gongkai.accounts.models import Department
    from gongkai.hotline import services
    from gongkai.hotline.models import RoutingCategory, WorkOrder

    postgres = connection.vendor == "postgresql"
    rng = random.Random(SEED)
    tz = datetime.timezone(datetime.timedelta(hours=8))
    utc = datetime.UTC
    today = datetime.datetime.now(tz).date()
    days = [today - datetime.timedelta(days=k) for k in range(365, 0, -1)]
    weights = [
        (1.6 if d.month in (10, 11, 12, 1, 2, 3, 4) else 1.0) * (1 + k / 365) for k, d in enumerate(days)
    ]
    total = sum(weights)
    per_day = [int(ORDERS * w / total) for w in weights]
    per_day[-1] += ORDERS - sum(per_day)

    dept_ids = {code: d.pk for code, d in departments.items()}
    category_ids = dict(RoutingCategory.objects.values_list("code", "id"))
    pool = []
    for i, o in enumerate(templates):
        pool.append(
            (
                o.title[:200],
                o.content,
                category_ids.get(o.category),
                dept_ids.get(o.department),
                dept_ids.get(o.district),
                dept_ids.get(o.street) if o.street else None,
                o.order_type,
                f"{o.latitude:.6f}" if o.latitude is not None else None,
                f"{o.longitude:.6f}" if o.longitude is not None else None,
                "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"[i % 16] + "先生女士"[(i % 2) * 2 : (i % 2) * 2 + 2],
            )
        )
    shared_hash = services.query_code_hash(tracking_number="0000000000", query_code="000000")
    start_id = (WorkOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    sample_ids = set(rng.sample(range(start_id, start_id + ORDERS), min(SAMPLE, ORDERS)))
    samples: list[tuple[str, str]] = []

    if postgres:

        def ts(x: datetime.datetime | None):
            return x

        def flag(x: bool):
            return x
    else:

        def ts(x: datetime.datetime | None):
            return None if x is None else str(x.replace(tzinfo=None))

        def flag(x: bool):
            return 1 if x else 0

    hour = datetime.timedelta(hours=1)
    day = datetime.timedelta(days=1)
    now_utc = datetime.datetime.now(utc)

    def rows():
        """Yield (order, assignments, events) per order, in creation order."""
        oid = start_id
        for d_index, d in enumerate(days):
            n = per_day[d_index]
            if not n:
                continue
            base = datetime.datetime(d.year, d.month, d.day, 7, 30, tzinfo=tz).astimezone(utc)
            step = 14 * 3600 / n
            age = (today - d).days
            for seq in range(1, n + 1):
                t = pool[rng.randrange(TEMPLATES)]
                title, content, category_id, lead, district, street, order_type, lat, lng, name = t
                created = base + datetime.timedelta(seconds=seq * step)
                number = f"{d:%y%m%d}{seq:04d}"
                if oid in sample_ids:
                    code = f"{rng.randrange(10**6):06d}"
                    samples.append((number, code))
                    code_hash = services.query_code_hash(tracking_number=number, query_code=code)
                else:
                    code_hash = shared_hash
                r = rng.random()
                fcr = r < 0.08
                if fcr:
                    status = "closed"
                    lead = None
                elif r < 0.10:
                    status = "invalid"
                    lead = None
                elif age > 20 or r < 0.5:
                    status = "closed" if age > 3 else ("awaiting_callback" if r < 0.7 else "replied")
                else:
                    status = ("dispatched", "in_progress", "in_progress", "replied")[seq % 4]
                if lead is None and not fcr and status != "invalid":
                    lead = dept_ids["zhujian"]
                budget = RULES.get(order_type, 5) * 1.4  # working days -> calendar days, roughly
                dispatched = accepted = replied = approved = callback = closed = sign_due = reply_due = None
                satisfaction, attempts, outcome, reply = "", 0, "", ""
                if lead is not None:
                    dispatched = created + hour * rng.uniform(0.2, 3)
                    sign_due = dispatched + 2 * hour
                    reply_due = created + day * budget
                    if status != "dispatched":
                        accepted = dispatched + hour * rng.expovariate(1 / 1.5)
                    if status in ("replied", "awaiting_callback", "closed"):
                        replied = created + day * min(budget * 1.3, rng.expovariate(1 / (budget * 0.5)) + 0.3)
                        reply = REPLY
                    if status in ("awaiting_callback", "closed"):
                        approved = replied + hour * rng.uniform(1, 20)
                    if status == "closed":
                        callback = approved + day * rng.uniform(0.2, 2)
                        closed = callback
                        satisfaction = SATISFACTIONS[rng.randrange(len(SATISFACTIONS))]
                        attempts = 1 if satisfaction else 3
                        outcome = "reached" if satisfaction else "unreachable"
                elif fcr:
                    replied = approved = closed = created + hour * 0.1
                    reply = "已根据知识库为来电人解答相关政策，来电人表示清楚。"
                moments = [dispatched, accepted, replied, approved, callback, closed]
                latest = max((m for m in moments if m is not None), default=None)
                if latest is not None and latest > now_utc:
                    # Recent orders: squeeze their steps into the time that has passed.
                    factor = (now_utc - created) * 0.9 / (latest - created)
                    dispatched, accepted, replied, approved, callback, closed = (
                        None if m is None else created + (m - created) * factor for m in moments
                    )
                    sign_due = dispatched + 2 * hour if dispatched is not None else None
                updated = max(
                    x for x in (created, dispatched, accepted, replied, approved, closed) if x is not None
                )
                channel = CHANNELS[seq % len(CHANNELS)]
                order = (
                    oid, number, code_hash, channel, "", "{}", name, f"139{(oid * 7919) % 10**8:08d}", "", "", "",
                    flag(False), flag(channel == "mailbox" and seq % 3 == 0), order_type, "normal", "", lat, lng,
                    title, content, status, ts(dispatched), ts(accepted), ts(replied), ts(approved), ts(callback),
                    ts(closed), "working_days" if lead else "", "", ts(sign_due), ts(reply_due), None, flag(False),
                    reply, reply, satisfaction, attempts, outcome, flag(fcr), 1 if seq % 40 == 0 else 0,
                    1 if seq % 33 == 0 else 0, 0, flag(False), "", "无效诉求" if status == "invalid" else "",
                    ts(created), ts(updated), category_id, lead if status in ("dispatched", "in_progress") else None,
                    district, lead, lead if reply and lead else None, street,
                )  # fmt: skip
                assignments = []
                events = [(oid, "received", flag(True), "", "{}", ts(created), None)]
                if lead is not None:
                    done = status in ("closed", "awaiting_callback", "replied")
                    assignments.append(
                        (
                            oid, lead, "lead", 1, "replied" if done else ("accepted" if accepted else "pending"),
                            flag(not done), ts(sign_due), ts(accepted), ts(replied), "", ts(dispatched),
                            ts(closed),
                        )
                    )  # fmt: skip
                    events.append((oid, "dispatched", flag(True), "", "{}", ts(dispatched), lead))
                    if accepted is not None:
                        events.append((oid, "accepted", flag(True), "", "{}", ts(accepted), lead))
                if closed is not None:
                    events.append((oid, "closed", flag(True), "", "{}", ts(closed), None))
                if order_extra:
                    order = order + order_extra
                if assignment_extra:
                    assignments = [a + assignment_extra for a in assignments]
                if event_extra:
                    events = [e + event_extra for e in events]
                yield order, assignments, events
                oid += 1

    from gongkai.hotline.models import Assignment, WorkOrderEvent

    extras = {}
    for model, listed in (
        (WorkOrder, ORDER_COLUMNS),
        (Assignment, ASSIGNMENT_COLUMNS),
        (WorkOrderEvent, EVENT_COLUMNS),
    ):
        extras[model._meta.db_table] = _extra_columns(model, listed)
    order_columns = ORDER_COLUMNS + extras["hotline_workorder"][0]
    assignment_columns = ASSIGNMENT_COLUMNS + extras["hotline_assignment"][0]
    event_columns = EVENT_COLUMNS + extras["hotline_workorderevent"][0]
    order_extra = extras["hotline_workorder"][1]
    assignment_extra = extras["hotline_assignment"][1]
    event_extra = extras["hotline_workorderevent"][1]

    started = time.perf_counter()
    tables = ["hotline_workorder", "hotline_assignment", "hotline_workorderevent"]
    counts = {"orders": 0, "assignments": 0, "events": 0}
    with connection.cursor() as cursor:
        indexes = _indexes(cursor, postgres, tables)
    if postgres:
        raw = connection.connection if connection.connection is not None else None
        if raw is None:
            connection.ensure_connection()
            raw = connection.connection
        with connection.cursor() as cursor:
            for name, _sql in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        with raw.cursor() as cur:
            cur.execute("SET session_replication_role = replica")  # no FK triggers while loading
            gen = rows()
            chunk = 100_000
            while True:
                batch = [x for _, x in zip(range(chunk), gen, strict=False)]
                if not batch:
                    break
                with cur.copy(f"COPY hotline_workorder ({', '.join(order_columns)}) FROM STDIN") as copy:
                    for order, _a, _e in batch:
                        copy.write_row(order)
                with cur.copy(
                    f"COPY hotline_assignment ({', '.join(assignment_columns)}) FROM STDIN"
                ) as copy:
                    for _o, assignments, _e in batch:
                        for a in assignments:
                            copy.write_row(a)
                            counts["assignments"] += 1
                with cur.copy(f"COPY hotline_workorderevent ({', '.join(event_columns)}) FROM STDIN") as copy:
                    for _o, _a, events in batch:
                        for e in events:
                            copy.write_row(e)
                            counts["events"] += 1
                counts["orders"] += len(batch)
            cur.execute("SET session_replication_role = DEFAULT")
        if not connection.get_autocommit():
            connection.commit()
        loaded = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, sql in indexes:
                cursor.execute(sql)
            for table in ("hotline_workorder", "hotline_assignment", "hotline_workorderevent"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                )
                cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        import sqlite3

        connection.close()
        c = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=60)
        c.execute("PRAGMA foreign_keys=OFF")
        c.execute("PRAGMA synchronous=OFF")
        for name, _sql in indexes:
            c.execute(f'DROP INDEX "{name}"')
        gen = rows()
        chunk = 50_000
        order_sql = f"INSERT INTO hotline_workorder ({', '.join(order_columns)}) VALUES ({', '.join('?' * len(order_columns))})"  # noqa: S608
        asg_sql = f"INSERT INTO hotline_assignment ({', '.join(assignment_columns)}) VALUES ({', '.join('?' * len(assignment_columns))})"  # noqa: S608
        ev_sql = f"INSERT INTO hotline_workorderevent ({', '.join(event_columns)}) VALUES ({', '.join('?' * len(event_columns))})"  # noqa: S608
        while True:
            batch = [x for _, x in zip(range(chunk), gen, strict=False)]
            if not batch:
                break
            c.execute("BEGIN")
            c.executemany(order_sql, [o for o, _a, _e in batch])
            assignments = [a for _o, asg, _e in batch for a in asg]
            events = [e for _o, _a, evs in batch for e in evs]
            c.executemany(asg_sql, assignments)
            c.executemany(ev_sql, events)
            c.execute("COMMIT")
            counts["orders"] += len(batch)
            counts["assignments"] += len(assignments)
            counts["events"] += len(events)
        loaded = time.perf_counter() - started
        for _name, sql in indexes:
            c.execute(sql)
        c.execute("ANALYZE")
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
    elapsed = time.perf_counter() - started
    print(
        f"# hotline.{db}: loaded {counts['orders']} orders, {counts['assignments']} assignments, "
        f"{counts['events']} events in {loaded:.1f} s, indexes and statistics {elapsed - loaded:.1f} s",
        flush=True,
    )
    emit(f"hotline.{db}.load.orders_per_s", counts["orders"] / loaded, "orders/s")
    total = WorkOrder.objects.count()
    emit(f"hotline.{db}.orders_stored", total, "count")
    busiest_id = (
        WorkOrder.objects.filter(lead_department__isnull=False)
        .values("lead_department")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("lead_department", flat=True)
        .first()
    )
    rng.shuffle(samples)
    return samples, Department.objects.get(pk=busiest_id)


def lookup(db: str, server: Server, samples: list[tuple[str, str]], *, use_wrk: bool) -> None:
    import httpx

    # Correctness first: a sample answers 200 with its own number; a wrong code answers 404.
    number, code = samples[0]
    headers = {"X-Forwarded-For": "10.250.0.1"}
    r = httpx.post(
        f"{server.url}/api/v1/hotline/lookup",
        json={"tracking_number": number, "query_code": code},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["tracking_number"] == number, (r.status_code, r.text[:300])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    r = httpx.post(
        f"{server.url}/api/v1/hotline/lookup",
        json={"tracking_number": number, "query_code": wrong},
        headers=headers,
    )
    assert r.status_code == 404, (r.status_code, r.text[:300])

    if use_wrk:
        lookup_script, health_script = lua_lookup(samples), lua_healthz()

        def go(script):
            return wrk_run(server.url, script, LOOKUP_SECONDS)

        warm = min(3.0, LOOKUP_SECONDS)
        wrk_run(server.url, lookup_script, warm)
    else:

        def make_lookup(i: int):
            n, c = samples[i % len(samples)]
            body = json.dumps({"tracking_number": n, "query_code": c}).encode()
            return (
                "POST",
                "/api/v1/hotline/lookup",
                {"Content-Type": "application/json", "X-Forwarded-For": client_ip(i)},
                body,
            )

        def make_health(i: int):
            return "GET", "/healthz", {}, None

        lookup_script, health_script = make_lookup, make_health

        def go(script):
            return py_run(server.url, script, LOOKUP_SECONDS)

    health = go(health_script)
    found = go(lookup_script)
    for name, result in (("lookup", found), ("healthz", health)):
        errors = sum(result[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
        if errors:
            note(f"{db}: {name}: {errors} errors or non-2xx answers of {result['requests']}")
    lookup_rate = found["requests"] / (found["duration_us"] / 1e6)
    health_rate = health["requests"] / (health["duration_us"] / 1e6)
    emit(f"hotline.{db}.lookup.p50", found["p50_us"] / 1000, "ms")
    emit(f"hotline.{db}.lookup.p99", found["p99_us"] / 1000, "ms")
    emit(f"hotline.{db}.lookup.req_per_s", lookup_rate, "req/s")
    emit(f"hotline.{db}.lookup.baseline_healthz_req_per_s", health_rate, "req/s")
    emit(f"hotline.{db}.lookup.baseline_healthz_p99", health["p99_us"] / 1000, "ms")
    emit(f"hotline.{db}.lookup.ratio", lookup_rate / health_rate if health_rate else 0.0, "ratio")
    if not use_wrk or not lookup_rate:
        return
    # Paced: the same 16 connections offering PACED_SHARE of the saturated rate. Each connection
    # waits a random pause (mean 16 / offered rate) before each request; wrk times a request from
    # its sending, so the pause is not in the latency.
    offered = PACED_SHARE * lookup_rate
    pause_ms = CLIENTS / offered * 1000
    paced_health = wrk_run(server.url, lua_healthz(delay_ms=pause_ms), LOOKUP_SECONDS)
    paced = wrk_run(server.url, lua_lookup(samples, delay_ms=pause_ms), LOOKUP_SECONDS)
    for name, result in (("paced lookup", paced), ("paced healthz", paced_health)):
        errors = sum(result[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
        if errors:
            note(f"{db}: {name}: {errors} errors or non-2xx answers of {result['requests']}")
    emit(f"hotline.{db}.lookup.paced.offered_req_per_s", offered, "req/s")
    emit(f"hotline.{db}.lookup.paced.req_per_s", paced["requests"] / (paced["duration_us"] / 1e6), "req/s")
    emit(f"hotline.{db}.lookup.paced.p50", paced["p50_us"] / 1000, "ms")
    emit(f"hotline.{db}.lookup.paced.p99", paced["p99_us"] / 1000, "ms")
    emit(f"hotline.{db}.lookup.paced.baseline_healthz_p99", paced_health["p99_us"] / 1000, "ms")


# --- 3. KPIs ----------------------------------------------------------------------------------------------


def kpis(db: str, server: Server, department) -> None:
    import httpx
    from django.db.models import Count

    from gongkai.accounts.services import staff_user_upsert
    from gongkai.hotline import selectors
    from gongkai.hotline.models import WorkOrder

    rng = random.Random(SEED + 1)
    today = datetime.date.today()
    lengths = [7, 30, 90, 180, 366]
    ranges = []
    for i in range(KPI_CALLS):
        length = lengths[i % len(lengths)]
        end = today - datetime.timedelta(days=rng.randrange(0, max(1, 366 - length)))
        ranges.append((end - datetime.timedelta(days=length - 1), end))
    year = (today - datetime.timedelta(days=365), today)
    orders = WorkOrder.objects.filter(lead_department=department).aggregate(n=Count("pk"))["n"]
    print(f"# hotline.{db}.kpi: department {department.code} leads {orders} orders", flush=True)
    selectors.kpi_for_department(department=department, start=year[0], end=year[1])  # warm-up
    timings = []
    for start, end in ranges:
        t0 = time.perf_counter()
        kpi = selectors.kpi_for_department(department=department, start=start, end=end)
        timings.append((time.perf_counter() - t0) * 1000)
        assert kpi.orders >= 0
    t0 = time.perf_counter()
    selectors.kpi_for_department(department=department, start=year[0], end=year[1])
    year_ms = (time.perf_counter() - t0) * 1000
    emit(f"hotline.{db}.kpi.p50", statistics.median(timings), "ms")
    emit(f"hotline.{db}.kpi.p99", percentile(timings, 0.99), "ms")
    emit(f"hotline.{db}.kpi.year", year_ms, "ms")
    emit(f"hotline.{db}.kpi.orders_of_department", orders, "count")

    from wagtail.models import APIToken

    user, _created = staff_user_upsert(
        username="bench-kpi", password=None, department=None, is_superuser=True
    )
    _token, plaintext = APIToken.create_token(user=user, name="bench")
    http_timings = []
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {plaintext}"}, timeout=30
    ) as client:
        for start, end in ranges[:20]:
            t0 = time.perf_counter()
            r = client.get(
                "/api/v1/hotline/kpis",
                params={"start": str(start), "end": str(end), "department": department.code},
            )
            http_timings.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, (r.status_code, r.text[:300])
    emit(f"hotline.{db}.kpi.http_p50", statistics.median(http_timings), "ms")
    emit(f"hotline.{db}.kpi.http_p99", percentile(http_timings, 0.99), "ms")


# --- Parent ---------------------------------------------------------------------------------------------

UNITS_RATIO = {"ratio"}


def _start_redis() -> tuple[subprocess.Popen | None, str | None]:
    binary = shutil.which("redis-server")
    if not binary:
        return None, None
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    return None, None


def run(report) -> None:
    print(
        f"# hotline: {', '.join(DBS)}; {ORDERS} orders; intake {INTAKE_SECONDS:.0f} s, lookup {LOOKUP_SECONDS:.0f} s, "
        f"baseline {BASELINE_SECONDS:.0f} s; {CLIENTS} clients; wrk {'found' if shutil.which('wrk') else 'missing (httpx)'}",
        flush=True,
    )
    run_databases(
        module="bench.hotline",
        dbs=DBS,
        pg_server=PG_SERVER,
        pg_database=PG_DATABASE,
        secret_key=SECRET_KEY,
        report=report,
        start_redis=_start_redis,
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        from bench.__main__ import report as _report

        run(_report)
