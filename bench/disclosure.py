"""Disclosure: the city government's consolidated annual report computed from 100,000 applications.

For each database (PostgreSQL ``gk_bench_disclosure``, created and dropped; SQLite, a temporary
file) a child process (``DJANGO_SETTINGS_MODULE=bench.settings_bench``) migrates the disclosure,
annual-report and publishing tables, loads the demo organisation tree and then:

1. **Load**: ``BENCH_DISCLOSURE_APPLICATIONS`` applications (default 100,000) written with
   ``bulk_create`` in batches of 5,000, spread over every department of the tree and over two
   years (2024 and 2025), of every applicant type, concluded on every ground of Table 3 (a tenth
   still open, some carried over across New Year), with 1,000 reconsideration and litigation cases.
   Figure ``disclosure.<db>.load.rows_per_s``.
2. **Report**: ``compute.report_data(year=2025, department=None)`` — the consolidated report,
   Tables 2–4, its sections and every consistency check — once to warm up, then timed
   ``BENCH_DISCLOSURE_RUNS`` times (default 5); the median is ``disclosure.<db>.report_s``
   (target ≤ 5 s, ``….report.target_met``). A department's report (the department with the most
   applications) is timed the same way (``….department_report_s``).
3. **Baseline**, in the same run on the same table: a plain ``SELECT COUNT(*)`` of the
   applications (``….baseline.count_s``) and one ``GROUP BY applicant_type, ground`` over the whole
   table (``….baseline.group_by_s``), the least any report from these rows has to read.

The report's figures are checked against the rows written (新收 = applications received in 2025,
every check passes): ``….report.checks_failed`` must be 0.

Environment: ``BENCH_DISCLOSURE_DBS`` (``pg,sqlite``), ``BENCH_DISCLOSURE_APPLICATIONS``
(100000), ``BENCH_DISCLOSURE_RUNS`` (5), ``BENCH_DISCLOSURE_PG`` (server URL without database,
default ``postgres://postgres@127.0.0.1:5432``).
"""

from __future__ import annotations

import datetime
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.harness import run_databases

PG_SERVER = os.environ.get("BENCH_DISCLOSURE_PG", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "gk_bench_disclosure"
DBS = [d.strip() for d in os.environ.get("BENCH_DISCLOSURE_DBS", "pg,sqlite").split(",") if d.strip()]
APPLICATIONS = int(os.environ.get("BENCH_DISCLOSURE_APPLICATIONS", "100000"))
RUNS = max(1, int(os.environ.get("BENCH_DISCLOSURE_RUNS", "5")))
SECRET_KEY = "gongkai-bench-disclosure-not-a-secret-0123456789abcdef"  # noqa: S105 - bench only
TARGET_S = 5.0
SEED = 20190515
BATCH = 5000
REVIEW_CASES = 1000
YEAR = 2025
FIRST_DAY = datetime.date(YEAR - 1, 1, 1)
LAST_DAY = datetime.date(YEAR, 12, 31)
#: "Today" of the generated data: applications concluding later are still open.
DATA_TODAY = datetime.date(YEAR + 1, 1, 20)

# Applicant types, weighted as in real reports (most applicants are natural persons).
APPLICANT_WEIGHTS = {
    "natural_person": 80,
    "commercial": 10,
    "research": 1,
    "nonprofit": 2,
    "legal_service": 4,
    "other_organisation": 3,
}


def emit(name: str, value: float, unit: str) -> None:
    print("REPORT " + json.dumps([name, value, unit]), flush=True)


def note(text: str) -> None:
    print(f"# disclosure: {text}", flush=True)


def _ground_weights() -> dict[str, int]:
    """Every ground of Table 3, the usual ones more often."""
    from gongkai.disclosure.grounds import Ground

    weights = dict.fromkeys(Ground.values, 2)
    weights.update({"disclosed": 40, "partial": 10, "unavailable_not_held": 15, "other_no_correction": 6})
    return weights


def generate(departments: list[Any], n: int, seed: int = SEED) -> tuple[list[Any], int]:
    """``n`` unsaved applications over ``departments``; also how many were received in ``YEAR``."""
    from zoneinfo import ZoneInfo

    from gongkai.disclosure.grounds import outcome_of
    from gongkai.disclosure.models import Application, IntakeChannel, Status

    tz = ZoneInfo("Asia/Shanghai")
    rng = random.Random(seed)
    types, type_weights = list(APPLICANT_WEIGHTS), list(APPLICANT_WEIGHTS.values())
    grounds_weights = _ground_weights()
    grounds, ground_weights = list(grounds_weights), list(grounds_weights.values())
    # Bigger departments get more applications.
    department_weights = [rng.choice((1, 2, 3, 5, 8)) for _ in departments]
    channels = list(IntakeChannel.values)
    span = (LAST_DAY - FIRST_DAY).days
    applications = []
    received_in_year = 0
    for number in range(n):
        received = FIRST_DAY + datetime.timedelta(days=rng.randrange(span + 1))
        received_in_year += received.year == YEAR
        concluded: datetime.date | None = received + datetime.timedelta(days=rng.randint(1, 45))
        if concluded is not None and (concluded > DATA_TODAY or rng.random() < 0.03):
            concluded = None
        ground = rng.choices(grounds, ground_weights)[0] if concluded else ""
        applications.append(
            Application(
                tracking_number=f"YSQ{received.year}-B{number:07d}",
                query_code_hash="bench",
                department=departments[rng.choices(range(len(departments)), department_weights)[0]],
                applicant_type=rng.choices(types, type_weights)[0],
                applicant_name="申请人",
                description="关于某项政府信息的公开申请",
                channel=rng.choice(channels),
                submitted_at=datetime.datetime.combine(received, datetime.time(9, 30), tzinfo=tz),
                received_on=received,
                status=Status.REPLIED if concluded else Status.HANDLING,
                ground=ground,
                outcome=outcome_of(ground) if ground else "",
                concluded_on=concluded,
            )
        )
    return applications, received_in_year


def _review_cases(departments: list[Any], rng: random.Random) -> list[Any]:
    from gongkai.disclosure.models import ReviewCase, ReviewKind, ReviewOutcome

    cases = []
    for _ in range(REVIEW_CASES):
        filed = FIRST_DAY + datetime.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
        outcome = rng.choice(ReviewOutcome.values)
        concluded = None if outcome == "pending" else filed + datetime.timedelta(days=rng.randint(30, 200))
        cases.append(
            ReviewCase(
                department=rng.choice(departments),
                kind=rng.choice(ReviewKind.values),
                body="吉林市人民政府",
                filed_on=filed,
                outcome=outcome,
                concluded_on=concluded,
            )
        )
    return cases


def _median_time(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def child(db: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from gongkai.accounts import demo as accounts_demo
    from gongkai.disclosure.annual import checks, compute
    from gongkai.disclosure.models import Application, ReviewCase

    started = time.perf_counter()
    for app in ("disclosure_annual", "disclosure", "publishing"):
        call_command("migrate", app, verbosity=0)
    departments = list(accounts_demo.load_departments().values())
    note(
        f"{db}: migrated, {len(departments)} departments in {time.perf_counter() - started:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f}; {connection.vendor} {getattr(connection, 'pg_version', '')}"
    )

    applications, received_in_year = generate(departments, APPLICATIONS)
    t0 = time.perf_counter()
    for start in range(0, len(applications), BATCH):
        Application.objects.bulk_create(applications[start : start + BATCH], batch_size=BATCH)
    ReviewCase.objects.bulk_create(_review_cases(departments, random.Random(SEED + 1)))
    load = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    stored = Application.objects.count()
    emit(f"disclosure.{db}.load.rows_per_s", stored / load, "rows/s")
    note(f"{db}: {stored} applications and {REVIEW_CASES} review cases written in {load:.1f} s")

    # Baselines: the least a report over these rows reads.
    count_s, _count = _median_time(lambda: Application.objects.count(), RUNS)
    group_s, _groups = _median_time(
        lambda: list(
            Application.objects.values("applicant_type", "ground").annotate(n=Count("pk")).order_by()
        ),
        RUNS,
    )
    emit(f"disclosure.{db}.baseline.count_s", count_s, "s")
    emit(f"disclosure.{db}.baseline.group_by_s", group_s, "s")

    compute.report_data(year=YEAR, department=None)  # warm-up
    report_s, data = _median_time(lambda: compute.report_data(year=YEAR, department=None), RUNS)
    emit(f"disclosure.{db}.report_s", report_s, "s")
    emit(f"disclosure.{db}.report.target_met", int(report_s <= TARGET_S), "bool")
    failed = checks.failures(data["checks"])
    emit(f"disclosure.{db}.report.checks_failed", len(failed), "checks")
    table3 = next(t for t in data["tables"] if t["code"] == "table3")["blocks"][0]
    new_total = next(r for r in table3["rows"] if r["code"] == "new")["cells"][-1]
    if new_total != received_in_year or failed:
        note(f"{db}: 新收 {new_total} (written {received_in_year}); failed checks: {failed[:3]}")

    busiest = (
        Application.objects.values("department")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("department", "n")
    )[0]
    department = next(d for d in departments if d.pk == busiest[0])
    compute.report_data(year=YEAR, department=department)
    department_s, _data = _median_time(lambda: compute.report_data(year=YEAR, department=department), RUNS)
    emit(f"disclosure.{db}.department_report_s", department_s, "s")
    note(
        f"{db}: consolidated report {report_s:.3f} s (target ≤ {TARGET_S:.0f} s: "
        f"{'met' if report_s <= TARGET_S else 'MISSED'}), COUNT(*) {count_s:.3f} s, GROUP BY {group_s:.3f} s; "
        f"{department.name} ({busiest[1]} applications) {department_s:.3f} s"
    )


def run(report: Callable[[str, float, str], None]) -> None:
    run_databases(
        module="bench.disclosure",
        dbs=DBS,
        pg_server=PG_SERVER,
        pg_database=PG_DATABASE,
        secret_key=SECRET_KEY,
        report=report,
        start_redis=lambda: (None, None),  # the report uses no cache
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        from bench.__main__ import report as _report

        run(_report)
