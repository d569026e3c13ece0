"""Robustness and access rules of the disclosure surfaces, input by input.

1. The API (every operation of ``/api/v1/openapi.json`` under ``/api/v1/disclosure``, applications
   and annual reports), as anonymous, as a clerk of another department and as the city's
   disclosure office: malformed JSON, wrong types, empty bodies, huge strings, unknown, negative,
   zero and non-numeric ids, dates in the future, before the receipt date and impossible ones,
   unicode oddities. Every answer is below 500, every error carries a Chinese message, and a
   refused write changes nothing (rows and states compared before and after).
2. The citizen's forms (apply, track, correction, the guide's deadline calculator) and the
   annual reports' portal addresses: 4xx or a page with an error, never 500.
3. Department isolation across the API, the workspace and the annual reports' admin pages: a
   clerk of dept_b neither reads, acts on, downloads nor learns of dept_a's applications and
   reports (404 where the project answers 404); anonymous callers get nothing private; the
   applicant's full identity only with ``disclosure.view_applicant_identity``, each view audited.
4. CSRF on the public forms and on the staff's POSTs.

Cases are made by hand from the schema (neither hypothesis nor schemathesis is installed). Each
request runs inside a savepoint that is rolled back afterwards, so every case meets the same world.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from gongkai.core.audit.models import AuditEvent
from gongkai.core.outbox.models import OutboxMessage
from gongkai.disclosure.annual.models import AnnualReport, ProactiveFigure, ReportStatus
from gongkai.disclosure.models import (
    Application,
    Consultation,
    CorrectionNotice,
    Extension,
    FeeNotice,
    LogEntry,
    Reply,
    ReviewCase,
)
from gongkai.disclosure.tests.conftest import COMPLETE_APPLICATION

pytestmark = pytest.mark.django_db

API_PREFIX = "/api/v1/disclosure"
CJK = re.compile(r"[\u4e00-\u9fff]")
D = datetime.date

#: The world's days: applications are received on RECEIVED; the tests run on TODAY.
RECEIVED = D(2026, 6, 1)
TODAY = D(2026, 6, 4)
BEFORE_RECEIPT = D(2026, 5, 29)
TOMORROW = D(2026, 6, 5)


# --- The operations, from the schema ---------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: tuple[tuple[str, str, dict], ...]  # (name, where, schema)
    body: dict | None  # the resolved JSON schema of the body
    public: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def unsafe(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


def _resolve(schema: Any, components: dict) -> Any:
    """The schema with every ``$ref`` replaced by what it points at (no cycles in these schemas)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return _resolve(components[name], components)
        return {key: _resolve(value, components) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_resolve(item, components) for item in schema]
    return schema


def operations_of(schema: dict) -> list[Operation]:
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for path, methods in schema["paths"].items():
        if not path.startswith(API_PREFIX):
            continue
        for method, op in methods.items():
            body = None
            if "requestBody" in op:
                content = op["requestBody"]["content"]
                body = _resolve(next(iter(content.values()))["schema"], components)
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    parameters=tuple(
                        (p["name"], p["in"], _resolve(p.get("schema", {}), components))
                        for p in op.get("parameters", [])
                    ),
                    body=body,
                    public=not op.get("security"),
                )
            )
    return sorted(found, key=lambda o: (o.path, o.method))


def _schema_at_import() -> dict:
    from gongkai.api.router import api

    return api.get_openapi_schema()


OPERATIONS = operations_of(_schema_at_import())
ROLES = ("anonymous", "clerk_b", "office")


def test_the_served_schema_has_these_operations(client, db):
    """The cases below walk the schema served at /api/v1/openapi.json."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    served = operations_of(response.json())
    assert [o.key for o in served] == [o.key for o in OPERATIONS]
    assert len(OPERATIONS) >= 40
    assert any(o.path.startswith(API_PREFIX + "/annual-reports") for o in OPERATIONS)
    public = {o.key for o in OPERATIONS if o.public}
    assert public == {"POST /api/v1/disclosure/applications", "POST /api/v1/disclosure/applications/lookup"}


# --- The world ------------------------------------------------------------------------------------


@dataclass
class World:
    tree: dict
    users: dict
    apps: dict[str, Application]
    codes: dict[str, str]
    consultation: Consultation
    case: ReviewCase
    case_b: ReviewCase
    reports: dict[str, AnnualReport]
    figure_cell: tuple[str, str, str]
    extra: dict = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    """The rate limits would answer 429 long before the cases are through."""
    settings.GONGKAI_DISCLOSURE_SUBMIT_RATE = "100000/m"
    settings.GONGKAI_DISCLOSURE_LOOKUP_RATE = "100000/m"
    settings.GONGKAI_HOTLINE_RATE_LIMITS = {
        "disclosure-submit-ip": (100000, 3600),
        "disclosure-submit-phone": (100000, 3600),
        "disclosure-lookup-failed-ip": (100000, 600),
        "disclosure-lookup-failed-number": (100000, 3600),
        "disclosure-correction-ip": (100000, 3600),
    }
    cache.clear()
    yield
    cache.clear()


def _released_report(*, year: int, department: Any) -> AnnualReport:
    from django.core.files.base import ContentFile

    from gongkai.disclosure.annual.tests.render_sample import sample_data

    agency = department.name if department else "吉林市人民政府"
    code = department.code if department else "city"
    report = AnnualReport.objects.create(
        year=year,
        department=department,
        format_code="2021",
        status=ReportStatus.RELEASED,
        released_at=datetime.datetime(2026, 1, 20, 9, 0, tzinfo=datetime.UTC),
        snapshot=sample_data(year=year, agency=agency, code=code),
    )
    report.docx.save(f"{code}-{year}.docx", ContentFile(b"PK-docx"), save=False)
    report.pdf.save(f"{code}-{year}.pdf", ContentFile(b"%PDF-1.4"), save=False)
    report.save()
    return report


@pytest.fixture
def world(clock, tree, users, walk_application) -> World:
    from gongkai.disclosure import services
    from gongkai.disclosure.annual import services as annual_services

    office = users["office"]
    # No role may delete a Table 4 case (a superuser's repair): the office gets the permission
    # here so that the cases reach the deletion itself.
    office.user_permissions.add(Permission.objects.get(codename="delete_reviewcase"))
    apps = {
        "registered": walk_application("registered"),
        "correction": walk_application("correction"),
        "handling": walk_application("handling"),
        "consulted": walk_application("handling"),
        "extended": walk_application("handling"),
        "awaiting_fee": walk_application("awaiting_fee"),
        "replied": walk_application("replied"),
        "b_handling": walk_application("handling", department=tree["dept_b"], applicant_name="李四"),
    }
    codes = {name: app.query_code for name, app in apps.items()}
    consultation = services.consultation_start(
        application=apps["consulted"], actor=office, kind="third_party", party_name="某公司"
    )
    services.extension_request(application=apps["extended"], actor=users["clerk_a"], days=10, reason="需协调")
    case = services.review_case_save(
        actor=office,
        department=tree["dept_a"],
        kind="reconsideration",
        body="吉林市人民政府",
        filed_on=RECEIVED,
        application=apps["replied"],
    )
    case_b = services.review_case_save(
        actor=office,
        department=tree["dept_b"],
        kind="litigation_direct",
        body="船营区人民法院",
        filed_on=RECEIVED,
    )
    reports = {
        "a_draft": annual_services.report_create(year=2025, department=tree["dept_a"], actor=office),
        "city_draft": annual_services.report_create(year=2025, department=None, actor=office),
        "b_draft": annual_services.report_create(year=2025, department=tree["dept_b"], actor=office),
        "a_released": _released_report(year=2024, department=tree["dept_a"]),
        "b_released": _released_report(year=2024, department=tree["dept_b"]),
    }
    cell = next(iter(annual_services.figure_cells(2025)))
    annual_services.figures_save(
        year=2025,
        department=tree["dept_a"],
        figures=[{"block": cell[0], "row": cell[1], "column": cell[2], "value": 7}],
        actor=office,
    )
    clock.shift(datetime.timedelta(days=(TODAY - RECEIVED).days))
    fresh = {name: Application.objects.get(pk=app.pk) for name, app in apps.items()}
    return World(
        tree=tree,
        users=users,
        apps=fresh,
        codes=codes,
        consultation=consultation,
        case=case,
        case_b=case_b,
        reports=reports,
        figure_cell=cell,
    )


def _snapshot() -> dict[str, Any]:
    """What a refused write must leave as it was."""
    return {
        "applications": sorted(
            Application.objects.values_list(
                "pk",
                "status",
                "reply_due_on",
                "applicant_due_on",
                "handler_id",
                "description",
                "phone",
                "id_number",
                "missing_items",
                "reply_type",
                "ground",
            )
        ),
        "log": LogEntry.objects.count(),
        "corrections": sorted(CorrectionNotice.objects.values_list("pk", "corrected_on", "due_on")),
        "consultations": sorted(Consultation.objects.values_list("pk", "answer", "answered_on")),
        "extensions": sorted(Extension.objects.values_list("pk", "approved_at", "refused", "notified_on")),
        "fees": sorted(FeeNotice.objects.values_list("pk", "paid_on", "lapsed")),
        "replies": sorted(Reply.objects.values_list("pk", "delivered_on", "delivery_channel")),
        "cases": sorted(
            ReviewCase.objects.values_list(
                "pk", "department_id", "kind", "body", "filed_on", "outcome", "note"
            )
        ),
        "reports": sorted(
            AnnualReport.objects.values_list("pk", "status", "updated_at", "overview", "released_at")
        ),
        "figures": sorted(ProactiveFigure.objects.values_list("pk", "value", "updated_at")),
        "outbox": OutboxMessage.objects.count(),
    }


# --- Values that must not break anything ------------------------------------------------------------

HUGE = "字" * 100_001
UNICODE_ODDITIES = (
    "\x00",
    "a\x00b",
    "\ud800",  # a lone surrogate: valid JSON (``"\ud800"``), not encodable as UTF-8
    "\u202e逆序文字",
    "\u200b\u200c\u200d",
    "\ufeff",
    "😀" * 50,
    "e\u0301" * 30,
    "１２３４５６",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "../../etc/passwd",
    "\r\n\t",
    "%00",
)
WRONG_TYPES: tuple[Any, ...] = (None, 0, -1, 1.5, True, [], {}, [1, "x"], {"a": 1}, "x")
BAD_DATES = (
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "1900-01-01",
    "9999-12-31",
    TOMORROW.isoformat(),
    "2099-01-01",
    BEFORE_RECEIPT.isoformat(),
    "2026-06-04T12:00:00",
    "2026-06-04T25:00:00+08:00",
    "06/04/2026",
    "2026年6月4日",
    "",
    20260604,
    -1,
)
BAD_INTEGERS = ("x", "1e3", "１", 1.5, -1, 0, 2**31, 2**63, 2**64, -(2**63) - 1, 10**30, None, True)
#: Numbers that are valid integers but odd years and counts.
EDGE_INTEGERS = (1, 1900, 2018, 2019, TODAY.year + 1, 2100, 9998, 9999, 10000, 32767, 65535)
MALFORMED_BODIES: tuple[bytes, ...] = (
    b"",
    b"{not json",
    b"[",
    b'{"a":',
    b"\xff\xfe\xfa",
    b"null",
    b"[]",
    b'"text"',
    b"123",
    b"NaN",
    b"{}" + b" " * 10 + b"{}",
    b"[" * 100_000 + b"]" * 100_000,  # nested deeper than the JSON decoder recurses
    b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    b'{"\xed\xa0\x80": 1}',  # a UTF-8-encoded surrogate
    b'{"a\\u0000b": 1, "\\ud800": "\\udfff"}',  # NUL and lone surrogates in keys
    b"1e999999",
)


def _is_date(schema: dict) -> bool:
    return schema.get("format") == "date" or any(s.get("format") == "date" for s in schema.get("anyOf", []))


def _types(schema: dict) -> set[str]:
    if "anyOf" in schema:
        return set().union(*(_types(s) for s in schema["anyOf"]))
    if "enum" in schema:
        return {"enum"}
    return {schema.get("type", "any")}


def field_values(schema: dict) -> Iterator[Any]:
    """Wrong and odd values for one field of the given schema."""
    yield from WRONG_TYPES
    yield from UNICODE_ODDITIES
    yield HUGE
    yield "x" * 1_000_000
    types = _types(schema)
    if _is_date(schema):
        yield from BAD_DATES
    if "integer" in types or "number" in types:
        yield from BAD_INTEGERS
        yield from EDGE_INTEGERS
        yield from ("NaN", "Infinity", "-Infinity", "1e309", "0x10", " 7 ", "7 件")
    if "enum" in types or any("enum" in s for s in schema.get("anyOf", [])):
        yield from ("nope", "DISCLOSED", " disclosed", "disclosed\x00")
    if "array" in types:
        yield [None] * 3
        yield [{}] * 600
        yield ["x"] * 3
        yield [{"block": HUGE, "row": 1, "column": None, "value": "NaN"}]
        yield [{"block": "item1", "row": "x", "column": "y", "value": "1e999"}]


# --- Valid bodies and targets per operation (so that one changed field is what is refused) ----------


def _targets(world: World, op: Operation) -> dict[str, Any]:
    """The real ids of dept_a's objects an operation acts on (in a state that lets the office act)."""
    suffix = op.path.removeprefix(API_PREFIX)
    apps = world.apps
    by_suffix = {
        "review": "registered",
        "accept": "registered",
        "correction-request": "registered",
        "terminate": "registered",
        "correction-receive": "correction",
        "correction-lapse": "correction",
        "consultations": "handling",
        "answer": "consulted",
        "extension-request": "handling",
        "extension-decision": "extended",
        "fee-notice": "handling",
        "fee-payment": "awaiting_fee",
        "fee-lapse": "awaiting_fee",
        "reply": "handling",
        "delivery": "replied",
        "archive": "replied",
    }
    last = suffix.rstrip("/").rsplit("/", 1)[-1]
    targets: dict[str, Any] = {
        "application_id": apps[by_suffix.get(last, "handling")].pk,
        "consultation_id": world.consultation.pk,
        "case_id": world.case.pk,
    }
    if last == "withdraw":
        targets["report_id"] = world.reports["a_released"].pk
    else:
        targets["report_id"] = world.reports["a_draft"].pk
    return targets


def valid_body(world: World, op: Operation) -> Any:
    """A body the office may send to the operation's target (dept_a's) and have accepted."""
    suffix = op.path.removeprefix(API_PREFIX)
    last = suffix.rstrip("/").rsplit("/", 1)[-1]
    block, row, column = world.figure_cell
    today = TODAY.isoformat()
    bodies: dict[str, Any] = {
        "POST /applications": {**COMPLETE_APPLICATION, "department": "dept-a"},
        "POST /applications/lookup": {
            "tracking_number": world.apps["handling"].tracking_number,
            "query_code": world.codes["handling"],
        },
        "POST /applications/register": {
            **COMPLETE_APPLICATION,
            "department": "dept-a",
            "channel": "post",
            "received_on": TODAY.isoformat(),
        },
        "POST review": {"handler": "clerk-a"},
        "POST correction-request": {"items": "请补充身份证明", "due_on": "2026-06-30"},
        "POST correction-receive": {
            "description": "补正后的内容：2025年的资金使用情况",
            "corrected_on": today,
        },
        "POST consultations": {"kind": "third_party", "party_name": "某公司", "sent_on": today},
        "POST answer": {"answer": "consent", "answer_text": "同意公开", "answered_on": today},
        "POST extension-request": {"days": 10, "reason": "需要协调多个部门"},
        "POST extension-decision": {"approve": True, "notified_on": today},
        "POST fee-notice": {"method": "per_page", "pages": 50},
        "POST fee-payment": {"paid_on": today},
        "POST reply": {
            "reply_type": "disclosed",
            "ground": "disclosed",
            "body": "经查，现将所申请的信息提供给您。",
            "replied_on": today,
        },
        "POST terminate": {"ground": "other_other", "reason": "申请人撤回申请"},
        "POST delivery": {"channel": "email", "delivered_on": today},
        "POST /review-cases": {
            "department": "dept-a",
            "kind": "reconsideration",
            "body": "吉林市人民政府",
            "filed_on": RECEIVED.isoformat(),
            "case_number": "吉市复〔2026〕1号",
            "application": world.apps["replied"].tracking_number,
            "outcome": "upheld",
            "concluded_on": today,
            "note": "",
        },
        "POST /annual-reports/": {"year": 2023, "department": "dept-a"},
        "PUT /annual-reports/figures": {
            "year": 2025,
            "department": "dept-a",
            "figures": [{"block": block, "row": row, "column": column, "value": 12}],
        },
        "POST /annual-reports/figures/import": {
            "year": 2025,
            "department": "dept-a",
            "csv": f"项目,信息内容,列,数值\n{block},{row},{column},5\n",
        },
        "PATCH report": {"overview": "本年度概述。"},
        "POST withdraw": {"reason": "更正数据"},
    }
    if op.method == "PUT" and "{case_id}" in op.path:
        return bodies["POST /review-cases"]
    if op.method == "PATCH":
        return bodies["PATCH report"]
    for key in (f"{op.method} {suffix}", f"{op.method} {last}"):
        if key in bodies:
            return bodies[key]
    return {}


def valid_query(world: World, op: Operation) -> dict[str, Any]:
    names = {name for name, where, _ in op.parameters if where == "query"}
    query: dict[str, Any] = {}
    if "year" in names:
        query["year"] = 2025
    if "department" in names:
        query["department"] = "dept-a"
    if "status" in names and "annual-reports" not in op.path:
        query["status"] = "handling"
    if "q" in names:
        query["q"] = "张"
    if "received_from" in names:
        query["received_from"] = RECEIVED.isoformat()
    if "limit" in names:
        query["limit"] = 5
    return query


BAD_IDS = (
    "0",
    "-1",
    "987654321",
    "abc",
    "1.5",
    "1e3",
    "99999999999999999999999",
    "%EF%BC%91",  # a full-width 1
    "%00",
    "%ED%A0%80",
    "1%20",
    "null",
)


# --- Sending ------------------------------------------------------------------------------------------


def _client(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _url(op: Operation, ids: dict[str, Any], query: str = "") -> str:
    path = op.path
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    return path + (("?" + query) if query else "")


def _query(values: dict[str, Any]) -> str:
    parts = []
    for name, value in values.items():
        if isinstance(value, bytes):
            parts.append(f"{name}={value.decode('latin-1')}")
        elif isinstance(value, (list, dict)):
            parts.append(urllib.parse.urlencode({name: json.dumps(value)}))
        elif value is None:
            parts.append(f"{name}=")
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            parts.append(urllib.parse.urlencode({name: text.encode("utf-8", "surrogatepass")}))
    return "&".join(parts)


def _dump(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=True).encode("ascii")


@dataclass
class Case:
    url: str
    body: bytes | None
    note: str
    #: The target belongs to dept_b: clerk_b may act on it.
    own_for_clerk_b: bool = False


def _bodies(world: World, op: Operation) -> Iterator[tuple[bytes | None, str]]:
    if op.body is None:
        yield None, "no body"
        yield b"{not json", "malformed JSON on a body-less operation"
        return
    base = valid_body(world, op)
    yield _dump(base), "valid"
    for raw in MALFORMED_BODIES:
        yield raw, f"malformed {raw[:20]!r}"
    yield _dump({}), "empty object"
    yield _dump({**base, "unexpected": "x"}), "unknown field"
    yield b"x" * (3 * 1024 * 1024), "3 MB"
    yield b'{"a": "' + b"x" * (6 * 1024 * 1024) + b'"}', "6 MB (over DATA_UPLOAD_MAX_MEMORY_SIZE)"
    properties = op.body.get("properties", {})
    for name, schema in properties.items():
        yield _dump({k: v for k, v in base.items() if k != name}), f"{name} left out"
        for value in field_values(schema):
            yield _dump({**base, name: value}), f"{name}={str(value)[:40]!r}"


def cases(world: World, op: Operation) -> Iterator[Case]:
    ids = _targets(world, op)
    query = valid_query(world, op)
    path_names = [name for name, where, _ in op.parameters if where == "path"]
    for body, note in _bodies(world, op):
        yield Case(_url(op, ids, _query(query)), body, note)
    for name in path_names:
        for bad in BAD_IDS:
            yield Case(
                _url(op, {**ids, name: bad}, _query(query)), _valid_or_none(world, op), f"{name}={bad}"
            )
        if name == "application_id":
            other = world.apps["b_handling"].pk
            yield Case(
                _url(op, {**ids, name: other}), _valid_or_none(world, op), "dept_b's application", True
            )
        if name == "consultation_id":
            yield Case(
                _url(op, {**ids, "application_id": world.apps["handling"].pk}),
                _valid_or_none(world, op),
                "a consultation of another application",
            )
        if name == "case_id":
            yield Case(
                _url(op, {**ids, name: world.case_b.pk}), _valid_or_none(world, op), "dept_b's case", True
            )
        if name == "report_id":
            for report in ("b_draft", "city_draft", "b_released"):
                yield Case(
                    _url(op, {**ids, name: world.reports[report].pk}),
                    _valid_or_none(world, op),
                    report,
                    report.startswith("b_"),
                )
    for name, where, schema in op.parameters:
        if where != "query":
            continue
        values = [*WRONG_TYPES, *UNICODE_ODDITIES, "x" * 10_000, b"%ff%fe", b"%ED%A0%80"]
        if _is_date(schema):
            values += list(BAD_DATES)
        if _types(schema) & {"integer", "number"}:
            values += [*BAD_INTEGERS, *EDGE_INTEGERS]
        for value in values:
            yield Case(_url(op, ids, _query({**query, name: value})), _valid_or_none(world, op), f"?{name}")
        yield Case(_url(op, ids, _query(query) + f"&{name}=1&{name}=2"), None, f"?{name} twice")
    yield Case(_url(op, ids, "department=dept-a&year=2025&page=1&" + "x=1&" * 2000), None, "many parameters")


def _valid_or_none(world: World, op: Operation) -> bytes | None:
    return _dump(valid_body(world, op)) if op.body is not None else None


def _send(client: Client, op: Operation, case: Case):
    extra: dict[str, Any] = {}
    if case.body is not None:
        extra = {"data": case.body, "content_type": "application/json"}
    return client.generic(op.method, case.url, **extra)


def _message(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return str(response.json().get("message", ""))
        except (ValueError, AttributeError):
            return ""
    return response.content.decode("utf-8", "replace")


#: Operations whose target (as the world has it) is refused even with a valid body: the deadline
#: has not passed (lapses), the reply is not delivered (archive), Table 2 checks fail (release).
REFUSED_EVEN_WHEN_VALID = {
    f"POST {API_PREFIX}/applications/{{application_id}}/correction-lapse",
    f"POST {API_PREFIX}/applications/{{application_id}}/fee-lapse",
    f"POST {API_PREFIX}/applications/{{application_id}}/archive",
    f"POST {API_PREFIX}/annual-reports/{{report_id}}/release",
}
#: ``GONGKAI_FUZZ_LOG=/tmp/fuzz.tsv``: every case's answer, one line each (to see what the cases reach).
LOG = os.environ.get("GONGKAI_FUZZ_LOG", "")
PUBLIC_WRITES = {"POST /api/v1/disclosure/applications", "POST /api/v1/disclosure/applications/lookup"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.key.replace(API_PREFIX, "").replace(" ", "_"))
def test_no_input_makes_the_api_answer_500(world, op, role):
    client = _client(world, role)
    problems: list[str] = []
    sent = 0
    for case in cases(world, op):
        with transaction.atomic():
            before = _snapshot()
            response = _send(client, op, case)
            after = _snapshot()
            transaction.set_rollback(True)
        sent += 1
        status = response.status_code
        where = f"{op.method} {case.url[:120]} [{case.note}] → {status}"
        if LOG:
            with open(LOG, "a", encoding="utf-8") as log:
                log.write(f"{role}\t{op.key}\t{case.note}\t{status}\t{response.content[:160]!r}\n")
        if status >= 500:
            problems.append(where + f": {response.content[:300]!r}")
            continue
        if status >= 400 and not CJK.search(_message(response)):
            problems.append(where + f": no Chinese message: {response.content[:200]!r}")
        if op.unsafe and status >= 400 and before != after:
            changed = sorted(k for k in before if before[k] != after[k])
            problems.append(where + f": refused, yet changed {changed}")
        if role != "office" and status < 400 and op.key not in PUBLIC_WRITES:
            if role == "anonymous" or (op.unsafe and not case.own_for_clerk_b):
                problems.append(where + ": allowed")
        if role == "office" and case.note in ("valid", "no body") and status >= 400:
            if op.key not in REFUSED_EVEN_WHEN_VALID:
                problems.append(where + f": the valid case is refused: {response.content[:300]!r}")
    assert sent > 5
    assert not problems, f"{len(problems)} of {sent} cases:\n" + "\n".join(problems[:60])


#: Date fields that are not "a day something happened": a deadline set for the applicant.
FUTURE_ALLOWED = {"due_on"}
#: Date fields with no earlier date to compare with: the receipt date itself.
NO_LOWER_BOUND = {"received_on"}


def test_dates_after_today_before_receipt_or_impossible_are_refused(world):
    """For every date field of every operation (from the schema), as the office that could act:
    a day after today, a day before the application was received and 2026-02-30 are refused with
    a Chinese message, and nothing changes."""
    client = _client(world, "office")
    checked = []
    problems = []
    for op in OPERATIONS:
        if op.body is None:
            continue
        for name, schema in op.body.get("properties", {}).items():
            if not _is_date(schema):
                continue
            refused = ["2026-02-30", "2026-13-01", "0000-00-00"]
            if name not in FUTURE_ALLOWED:
                refused += [TOMORROW.isoformat(), "2099-01-01"]
            if name not in NO_LOWER_BOUND | FUTURE_ALLOWED:
                refused += [BEFORE_RECEIPT.isoformat(), "1900-01-01"]
            if name == "received_on":
                refused += ["0001-01-01", "1900-01-01"]
            base = valid_body(world, op)
            url = _url(op, _targets(world, op))
            for value in refused:
                with transaction.atomic():
                    before = _snapshot()
                    response = client.generic(
                        op.method, url, _dump({**base, name: value}), content_type="application/json"
                    )
                    after = _snapshot()
                    transaction.set_rollback(True)
                where = f"{op.key} {name}={value} → {response.status_code}"
                if not 400 <= response.status_code < 500:
                    problems.append(where + f": {response.content[:200]!r}")
                elif not CJK.search(response.json().get("message", "")) or before != after:
                    problems.append(where + ": no Chinese message, or something changed")
            checked.append(f"{op.key} {name}")
    assert len(checked) >= 12, checked
    assert not problems, "\n".join(problems)


# --- 2. The citizen's forms and the annual reports' portal --------------------------------------------

APPLY = "/disclosure/apply/"
TRACK = "/disclosure/track/"
CORRECTION = "/disclosure/track/correction/"
GUIDE = "/disclosure/guide/"
ALERT = 'role="alert"'

#: Odd values for a form field, as the raw text of an ``application/x-www-form-urlencoded`` body.
FORM_VALUES: tuple[str, ...] = (
    "",
    " ",
    "x" * 100_001,
    "字" * 20_000,
    "%00",
    "a%00b",
    "%ED%A0%80",  # a UTF-8-encoded surrogate
    "%FF%FE",
    "%E2%80%AE逆序",
    "%E2%80%8B",
    "%EF%BB%BF",
    "%F0%9F%98%80" * 20,
    "%EF%BC%91%EF%BC%92%EF%BC%93",  # full-width 123
    "<script>alert(1)</script>",
    "'%20OR%20'1'='1",
    "0",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "9999-12-31",
    "on",
)


def _form_body(values: dict[str, str], raw: dict[str, str] | None = None) -> bytes:
    """Values URL-encoded, ``raw`` inserted as they are (already encoded, possibly invalid UTF-8)."""
    parts = [urllib.parse.urlencode({k: v}) for k, v in values.items() if k not in (raw or {})]
    parts += [f"{k}={v}" for k, v in (raw or {}).items()]
    return "&".join(parts).encode("latin-1", "replace") if raw else "&".join(parts).encode()


def _post_form(client: Client, url: str, values: dict[str, str], raw: dict[str, str] | None = None):
    return client.generic(
        "POST", url, data=_form_body(values, raw), content_type="application/x-www-form-urlencoded"
    )


def _apply_values(world: World) -> dict[str, str]:
    from django.core import signing

    from gongkai.disclosure.public_forms import TOKEN_SALT

    return {
        "department": str(world.tree["dept_a"].pk),
        "applicant_kind": "person",
        "person_name": "王秀兰",
        "id_type": "resident_id",
        "id_number": COMPLETE_APPLICATION["id_number"],
        "phone": "13812345678",
        "email": "wang@example.org",
        "address": "吉林市船营区北京路1号",
        "postal_code": "132011",
        "description": "2025年船营区老旧小区改造项目的资金使用情况",
        "provision_form": "electronic",
        "provision_channel": "email",
        "declaration": "on",
        "website": "",
        "form_token": signing.dumps("a" * 32, salt=TOKEN_SALT),
        "organisation_type": "",
        "organisation_name": "",
        "credit_code": "",
        "legal_representative": "",
        "contact_name": "",
    }


def _form_cases(base: dict[str, str]) -> Iterator[tuple[dict[str, str], dict[str, str], str]]:
    yield base, {}, "valid"
    yield {}, {}, "empty"
    for name in base:
        yield {k: v for k, v in base.items() if k != name}, {}, f"{name} left out"
        for value in FORM_VALUES:
            yield base, {name: value}, f"{name}={value[:30]}"
        yield base, {name: "1&" + name + "=2"}, f"{name} twice"


def _page_problem(response, *, redirects: tuple[str, ...]) -> str:
    """Why an answer to a form is not acceptable: a 500, a redirect elsewhere, an error without a
    message, or an empty answer."""
    status = response.status_code
    if status >= 500:
        return "500"
    if status in (301, 302, 303):
        location = response["Location"]
        return "" if location.startswith(redirects) else f"redirect to {location}"
    if getattr(response, "streaming", False):
        return "" if status == 200 else f"unexpected {status}"
    text = response.content.decode("utf-8", "replace")
    if 400 <= status < 500:
        return "" if CJK.search(text) else "an error page without a Chinese message"
    if status == 200:
        return ""
    return f"unexpected {status}"


def _check_public(problems: list[str], response, note: str, before, after, *, redirects=()) -> None:
    problem = _page_problem(response, redirects=redirects)
    if problem:
        problems.append(f"[{note}] → {response.status_code}: {problem}")
    if response.status_code not in (301, 302, 303) and before != after:
        problems.append(f"[{note}] → {response.status_code}: refused, yet the database changed")
    if response.status_code in (400, 404, 409, 429) and ALERT not in response.content.decode(
        "utf-8", "replace"
    ):
        problems.append(f"[{note}] → {response.status_code}: no error shown on the page")


def test_the_application_form_never_answers_500(world):
    client = Client(raise_request_exception=False)
    problems: list[str] = []
    for values, raw, note in _form_cases(_apply_values(world)):
        with transaction.atomic():
            before = _snapshot()
            response = _post_form(client, APPLY, values, raw)
            after = _snapshot()
            transaction.set_rollback(True)
        _check_public(problems, response, note, before, after, redirects=("/disclosure/submitted/",))
        if note == "valid" and response.status_code != 302:
            problems.append(f"[valid] → {response.status_code}: the valid form is refused")
    for query in ("?department=abc", "?%ED%A0%80=1", "?" + "x=1&" * 2000):
        response = client.get(APPLY + query)
        if response.status_code >= 500:
            problems.append(f"GET {query[:30]} → {response.status_code}")
    assert not problems, "\n".join(problems[:60])


def test_the_lookup_and_correction_forms_never_answer_500(world):
    problems: list[str] = []
    app = world.apps["correction"]
    base = {"tracking_number": app.tracking_number, "query_code": world.codes["correction"]}
    client = Client(raise_request_exception=False)
    for values, raw, note in _form_cases(base):
        with transaction.atomic():
            before = _snapshot()
            response = _post_form(client, TRACK, values, raw)
            after = _snapshot()
            transaction.set_rollback(True)
        _check_public(
            problems, response, f"track {note}", before, after, redirects=("/disclosure/track/status/",)
        )
    # The correction form, for the session that passed the lookup.
    assert _post_form(client, TRACK, base).status_code == 302
    assert client.get("/disclosure/track/status/").status_code == 200
    for values, raw, note in _form_cases({"description": "补正后的内容：2025年船营区老旧小区改造资金"}):
        extra = {"id_type": "resident_id", "id_number": "x", "provision_form": "nope"}
        for fields in (values, {**values, **extra}):
            with transaction.atomic():
                before = _snapshot()
                response = _post_form(client, CORRECTION, fields, raw)
                after = _snapshot()
                transaction.set_rollback(True)
            _check_public(
                problems, response, f"correction {note}", before, after, redirects=("/disclosure/track/",)
            )
    # Without the lookup, the correction form and the letters send the reader to the lookup.
    stranger = Client(raise_request_exception=False)
    response = _post_form(stranger, CORRECTION, {"description": "x"})
    assert response.status_code == 302 and response["Location"].startswith(TRACK)
    for kind in ("reply", "receipt", "correction", "fee", "extension", "consultation", "zzz", "..", "%00"):
        for fmt in ("pdf", "docx", "exe", "PDF"):
            for who in (client, stranger):
                response = who.get(f"/disclosure/track/letters/{kind}.{fmt}")
                problem = _page_problem(response, redirects=("/disclosure/track/",))
                if problem:
                    problems.append(f"letter {kind}.{fmt} → {response.status_code}: {problem}")
    for number in (app.tracking_number, "abc", "%00", "%ED%A0%80", "Y" * 5000):
        response = stranger.get(f"/disclosure/submitted/{number}/")
        expected = 400 if "%00" in number else 404  # a NUL is refused by core.middleware
        if response.status_code != expected or world.codes["correction"] in response.content.decode():
            problems.append(f"submitted/{number[:20]} → {response.status_code}")
    response = stranger.post("/disclosure/track/end/")
    assert response.status_code == 302
    assert not problems, "\n".join(problems[:60])


def test_the_deadline_calculator_never_answers_500(world):
    problems: list[str] = []
    client = Client(raise_request_exception=False)
    values = [
        *FORM_VALUES,
        "2026-06-01",
        "2026年6月1日",
        "20260601",
        "0000-01-01",
        "1900-01-01",
        "2999-12-31",
    ]
    values += ["99991231", "2026/13/01", "2026.02.29", "２０２６－０６－０１", "2026-6-1", "2026-06-01T00:00"]
    for value in values:
        response = client.get(GUIDE + "?received=" + value)
        text = response.content.decode("utf-8", "replace")
        if response.status_code not in (200, 400):
            problems.append(f"received={value[:30]} → {response.status_code}")
        elif response.status_code == 400 and ALERT not in text and "%00" not in value:  # NUL: middleware
            problems.append(f"received={value[:30]} → 400 without an error on the page")
    ok = client.get(GUIDE + "?received=2026-06-01")
    assert (
        ok.status_code == 200
        and "2026年6月30日" in ok.content.decode()
        or "2026-06-30" in ok.content.decode()
    )
    assert client.get(GUIDE + "?received=2026-02-30").status_code == 400
    assert not problems, "\n".join(problems)


def test_a_missing_page_says_so_in_chinese(world):
    client = Client()
    for url in ("/disclosure/track/letters/zzz.pdf", "/disclosure/annual-reports/1900/"):
        response = client.get(url)
        assert response.status_code in (302, 404)
        if response.status_code == 404:
            assert CJK.search(response.content.decode()), url


def test_the_annual_report_portal_never_answers_500(world):
    client = Client(raise_request_exception=False)
    ok = (
        "/disclosure/annual-reports/",
        "/disclosure/annual-reports/2024/dept-a/",
        "/disclosure/annual-reports/2024/dept-a/report.pdf",
        "/disclosure/annual-reports/2024/dept-a/report.docx",
    )
    for url in ok:
        assert client.get(url).status_code == 200, url
    missing = [
        "/disclosure/annual-reports/2025/",  # the city's report is a draft
        "/disclosure/annual-reports/2025/dept-b/",  # a draft
        "/disclosure/annual-reports/2025/dept-b/report.pdf",
        "/disclosure/annual-reports/2024/",  # none
        "/disclosure/annual-reports/1900/",
        "/disclosure/annual-reports/0/",
        "/disclosure/annual-reports/99999999999999999999999/",
        "/disclosure/annual-reports/99999999999999999999999/dept-a/report.pdf",
        "/disclosure/annual-reports/2024/nope/",
        "/disclosure/annual-reports/2024/nope/report.pdf",
        "/disclosure/annual-reports/2024/dept-a/report.exe",
        "/disclosure/annual-reports/2024/dept-a/report.PDF",
        "/disclosure/annual-reports/2024/%ED%A0%80/",
        "/disclosure/annual-reports/2024/%E5%AD%97/",
        "/disclosure/annual-reports/2024/" + "x" * 3000 + "/",
        "/disclosure/annual-reports/-1/",
        "/disclosure/annual-reports/abc/",
    ]
    for url in missing:
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
    assert client.get("/disclosure/annual-reports/2024/%00/").status_code == 400  # core.middleware
    assert client.post("/disclosure/annual-reports/2024/dept-a/").status_code == 405
    assert client.get("/disclosure/annual-reports/?year=%ED%A0%80&" + "x=1&" * 2000).status_code < 500


# --- 3. Department isolation, anonymous callers, the applicant's identity ------------------------------


def _api(client: Client, method: str, path: str, body: Any = None):
    if body is None:
        return client.generic(method, API_PREFIX + path)
    return client.generic(method, API_PREFIX + path, _dump(body), content_type="application/json")


def _same_as_missing(client: Client, method: str, path: str, real: int, body: Any = None) -> tuple[int, Any]:
    """The answer for ``real`` must be the answer for an id that does not exist."""
    seen = _api(client, method, path.format(id=real), body)
    missing = _api(client, method, path.format(id=987654321), body)
    assert seen.status_code == missing.status_code == 404, (path, seen.status_code, missing.status_code)
    assert seen.json() == missing.json(), path
    return seen.status_code, seen.json()


def test_a_clerk_of_another_department_learns_nothing_through_the_api(world):
    client = _client(world, "clerk_b")
    a_numbers = [app.tracking_number for name, app in world.apps.items() if not name.startswith("b_")]
    for op in OPERATIONS:
        if "{application_id}" not in op.path:
            continue
        path = op.path.removeprefix(API_PREFIX).replace("{application_id}", "{id}")
        path = path.replace("{consultation_id}", str(world.consultation.pk))
        for name, app in world.apps.items():
            if name.startswith("b_"):
                continue
            with transaction.atomic():
                before = _snapshot()
                _same_as_missing(client, op.method, path, app.pk, valid_body(world, op) if op.body else None)
                assert _snapshot() == before
                transaction.set_rollback(True)
    listing = _api(client, "GET", "/applications?page_size=200").json()
    assert listing["count"] == 1 and [r["tracking_number"] for r in listing["results"]] == [
        world.apps["b_handling"].tracking_number
    ]
    for number in a_numbers[:3]:
        assert _api(client, "GET", f"/applications?q={number}").json()["count"] == 0
    refused = _api(client, "GET", "/applications?department=dept-a")
    assert (
        refused.status_code == 422
        and refused.json() == _api(client, "GET", "/applications?department=nope").json()
    )
    board = json.dumps(_api(client, "GET", "/clock-board?limit=200").json(), ensure_ascii=False)
    assert not any(number in board for number in a_numbers)
    # Table 4 cases.
    cases_listed = _api(client, "GET", "/review-cases").json()
    assert [c["id"] for c in cases_listed] == [world.case_b.pk]
    case_body = valid_body(world, Operation("POST", API_PREFIX + "/review-cases", (), {}, False))
    for method in ("GET", "PUT", "DELETE"):
        _same_as_missing(
            client, method, "/review-cases/{id}", world.case.pk, case_body if method == "PUT" else None
        )
    linked = _api(client, "POST", "/review-cases", {**case_body, "department": "dept-b"})
    unknown = _api(
        client,
        "POST",
        "/review-cases",
        {**case_body, "department": "dept-b", "application": "YSQ2026-999999"},
    )
    assert linked.status_code == unknown.status_code == 422 and linked.json() == unknown.json()
    assert _api(client, "POST", "/review-cases", case_body).status_code in (403, 422)  # dept_a's
    # Registering for dept_a is refused.
    register = {
        **COMPLETE_APPLICATION,
        "department": "dept-a",
        "channel": "post",
        "received_on": TODAY.isoformat(),
    }
    before = Application.objects.count()
    assert _api(client, "POST", "/applications/register", register).status_code == 403
    assert Application.objects.count() == before


def test_a_clerk_of_another_department_learns_nothing_of_the_annual_reports(world):
    client = _client(world, "clerk_b")
    listed = {r["id"] for r in _api(client, "GET", "/annual-reports/").json()}
    assert listed == {world.reports["b_draft"].pk, world.reports["b_released"].pk}
    for name in ("a_draft", "a_released", "city_draft"):
        report = world.reports[name]
        for method, path, body in (
            ("GET", "/annual-reports/{id}", None),
            ("PATCH", "/annual-reports/{id}", {"overview": "改写"}),
            ("POST", "/annual-reports/{id}/release", None),
            ("POST", "/annual-reports/{id}/withdraw", {"reason": "撤回"}),
            ("GET", "/annual-reports/{id}/pdf", None),
            ("GET", "/annual-reports/{id}/docx", None),
        ):
            with transaction.atomic():
                before = _snapshot()
                _same_as_missing(client, method, path, report.pk, body)
                assert _snapshot() == before
                transaction.set_rollback(True)
    # The data of an agency is not secret, but not for the other department's staff: 403.
    for query in ("year=2025&department=dept-a", "year=2025"):
        assert _api(client, "GET", f"/annual-reports/data?{query}").status_code == 403
        assert _api(client, "GET", f"/annual-reports/figures?{query}").status_code == 403
    block, row, column = world.figure_cell
    before = _snapshot()
    figures = [{"block": block, "row": row, "column": column, "value": 99}]
    assert (
        _api(
            client,
            "PUT",
            "/annual-reports/figures",
            {"year": 2025, "department": "dept-a", "figures": figures},
        ).status_code
        == 403
    )
    assert _api(client, "POST", "/annual-reports/", {"year": 2023, "department": "dept-a"}).status_code == 403
    assert _api(client, "POST", "/annual-reports/", {"year": 2023, "department": None}).status_code == 403
    # An import for the clerk's own department with lines naming dept_a imports nothing.
    csv_text = (
        f"机关代码,项目,信息内容,列,数值\ndept-b,{block},{row},{column},1\ndept-a,{block},{row},{column},99\n"
    )
    smuggled = _api(
        client,
        "POST",
        "/annual-reports/figures/import",
        {"year": 2025, "department": "dept-b", "csv": csv_text},
    )
    assert smuggled.status_code == 403 and CJK.search(smuggled.json()["message"])
    assert _snapshot() == before


def test_anonymous_callers_get_nothing_private(world):
    client = Client()
    private = [app.tracking_number for app in world.apps.values()] + ["张三", "13800000001", "李四"]
    for op in OPERATIONS:
        if op.public:
            continue
        ids = _targets(world, op)
        response = client.generic(
            op.method,
            _url(op, ids, _query(valid_query(world, op))),
            **({"data": _dump(valid_body(world, op)), "content_type": "application/json"} if op.body else {}),
        )
        assert response.status_code == 401, (op.key, response.status_code)
        assert response.json()["code"] == "not_authenticated"
        text = response.content.decode()
        assert not any(value in text for value in private), op.key
    # The lookup: a wrong code and an unknown number answer alike; the right code shows no identity.
    app = world.apps["handling"]
    wrong = _api(
        client,
        "POST",
        "/applications/lookup",
        {"tracking_number": app.tracking_number, "query_code": "000000"},
    )
    unknown = _api(
        client, "POST", "/applications/lookup", {"tracking_number": "YSQ2026-999999", "query_code": "000000"}
    )
    assert wrong.status_code == unknown.status_code == 404 and wrong.json() == unknown.json()
    right = _api(
        client,
        "POST",
        "/applications/lookup",
        {"tracking_number": app.tracking_number, "query_code": world.codes["handling"]},
    )
    assert right.status_code == 200
    shown = right.content.decode()
    for value in ("张三", "13800000001", "zhang@example.org", COMPLETE_APPLICATION["id_number"], "北京路"):
        assert value not in shown and json.dumps(value)[1:-1] not in shown
    # The workspace and the annual reports' staff pages send anonymous readers to the login.
    for url in (
        "/admin/disclosure/",
        f"/admin/disclosure/applications/{app.pk}/",
        "/admin/disclosure-annual-reports/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def _workspace_urls(world: World, name: str) -> list[tuple[str, str]]:
    from gongkai.disclosure.workspace.actions import ACTIONS

    pk = world.apps[name].pk
    base = f"/admin/disclosure/applications/{pk}/"
    urls = [("GET", base), ("POST", base + "reveal/")]
    urls += [("POST", f"{base}act/{action}/") for action in ACTIONS]
    kinds = ["reply", "receipt", "correction", "extension", "fee", f"consultation-{world.consultation.pk}"]
    urls += [("GET", f"{base}letters/{kind}.{fmt}") for kind in kinds for fmt in ("pdf", "docx")]
    return urls


def test_a_clerk_of_another_department_learns_nothing_in_the_workspace(world):
    client = _client(world, "clerk_b")
    before = _snapshot()
    audit_before = AuditEvent.objects.count()
    for name in ("registered", "handling", "consulted", "replied", "awaiting_fee"):
        for method, url in _workspace_urls(world, name):
            response = client.generic(method, url)
            missing = client.generic(method, url.replace(f"/{world.apps[name].pk}/", "/987654321/"))
            assert response.status_code == missing.status_code == 404, (method, url, response.status_code)
    assert _snapshot() == before
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW).exists()
    assert AuditEvent.objects.count() == audit_before
    a_numbers = [app.tracking_number for n, app in world.apps.items() if not n.startswith("b_")]
    for url in ("/admin/disclosure/", "/admin/disclosure/applications/", "/admin/disclosure/cases/"):
        text = client.get(url).content.decode()
        assert not any(number in text for number in a_numbers), url
    for number in a_numbers[:2]:
        text = client.get("/admin/disclosure/applications/", {"q": number}).content.decode()
        assert "没有符合条件的申请" in text
        assert not any(f"/admin/disclosure/applications/{a.pk}/" in text for a in world.apps.values())
    # A case of dept_a: 404; a new case prefilled from dept_a's application shows nothing of it.
    assert client.get(f"/admin/disclosure/cases/{world.case.pk}/").status_code == 404
    assert client.post(f"/admin/disclosure/cases/{world.case.pk}/", {"body": "x"}).status_code == 404
    prefilled = client.get("/admin/disclosure/cases/new/", {"application": world.apps["replied"].pk})
    assert (
        prefilled.status_code == 200
        and world.apps["replied"].tracking_number not in prefilled.content.decode()
    )
    # Registering for dept_a: the form refuses the department and nothing is stored.
    response = client.post(
        "/admin/disclosure/applications/new/",
        {**COMPLETE_APPLICATION, "department": world.tree["dept_a"].pk, "channel": "in_person"},
    )
    assert response.status_code == 400
    assert _snapshot() == before
    # Staff without disclosure rights get the 403 page everywhere.
    handler = Client()
    handler.force_login(world.users["handler_a"])
    for method, url in _workspace_urls(world, "handling")[:3]:
        assert handler.generic(method, url).status_code == 403, url


def _annual_admin_urls(pk: int) -> list[tuple[str, str, dict]]:
    base = f"/admin/disclosure-annual-reports/{pk}/"
    return [
        ("GET", base, {}),
        ("GET", base + "edit/", {}),
        ("POST", base + "edit/", {"overview": "改写"}),
        ("GET", base + "figures/", {}),
        ("POST", base + "figures/", {}),
        ("POST", base + "figures/preview/", {}),
        ("POST", base + "figures/import/", {}),
        ("POST", base + "release/", {}),
        ("POST", base + "withdraw/", {"reason": "撤回"}),
        ("GET", base + "download/docx/", {}),
        ("GET", base + "download/pdf/", {}),
        ("GET", base + "download/html/", {}),
    ]


def test_a_clerk_of_another_department_learns_nothing_of_the_annual_reports_admin(world):
    client = _client(world, "clerk_b")
    before = _snapshot()
    for name in ("a_draft", "a_released", "city_draft"):
        for method, url, data in _annual_admin_urls(world.reports[name].pk):
            response = client.generic(
                method, url, urllib.parse.urlencode(data), "application/x-www-form-urlencoded"
            )
            missing = client.generic(
                method,
                url.replace(f"/{world.reports[name].pk}/", "/987654321/"),
                urllib.parse.urlencode(data),
                "application/x-www-form-urlencoded",
            )
            assert response.status_code == missing.status_code == 404, (method, url, response.status_code)
    listing = client.get("/admin/disclosure-annual-reports/").content.decode()
    assert "吉林市住房和城乡建设局" not in listing and "吉林市人民政府2025" not in listing
    created = client.post("/admin/disclosure-annual-reports/", {"year": 2023, "agency": "dept-a"})
    assert created.status_code == 400
    created = client.post("/admin/disclosure-annual-reports/", {"year": 2023, "agency": "city"})
    assert created.status_code == 400
    assert _snapshot() == before


@pytest.fixture
def masked_reader(world):
    """A handler of dept_a who may read applications but not the applicant's identity."""
    user = world.users["handler_a"]
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="disclosure", codename__in=["view_application", "view_reviewcase"]
        )
    )
    client = Client()
    client.force_login(user)
    return client


def _identity_values() -> list[str]:
    return [
        COMPLETE_APPLICATION["phone"],
        COMPLETE_APPLICATION["email"],
        COMPLETE_APPLICATION["id_number"],
        COMPLETE_APPLICATION["address"],
        COMPLETE_APPLICATION["applicant_name"],
    ]


def _personal_views(app: Application) -> int:
    return AuditEvent.objects.filter(
        kind=AuditEvent.Kind.PERSONAL_DATA_VIEW, target_id=str(app.pk), action="personal_data.viewed"
    ).count()


def test_the_identity_is_shown_only_with_the_permission_and_each_view_is_audited(world, masked_reader):
    app = world.apps["handling"]
    Application.objects.filter(pk=app.pk).update(description="请回电 13912345678 告知 2025年资金使用情况")
    # Without view_applicant_identity: masked everywhere, nothing to reveal, nothing audited.
    for path in (f"/applications/{app.pk}", f"/applications/{app.pk}/timeline", "/applications"):
        response = _api(masked_reader, "GET", path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert not any(v in text or json.dumps(v)[1:-1] in text for v in _identity_values()), path
        assert "13912345678" not in text, path
    assert _api(masked_reader, "GET", f"/applications/{app.pk}").json()["applicant"]["masked"] is True
    page = masked_reader.get(f"/admin/disclosure/applications/{app.pk}/")
    assert page.status_code == 200
    assert not any(v in page.content.decode() for v in _identity_values()[:3])
    assert masked_reader.post(f"/admin/disclosure/applications/{app.pk}/reveal/").status_code == 403
    assert _personal_views(app) == 0
    # With it (a clerk of dept_a, the office): in full, each view audited with who and what.
    for role in ("clerk_a", "office"):
        client = _client(world, role)
        views = _personal_views(app)
        detail = _api(client, "GET", f"/applications/{app.pk}").json()
        assert detail["applicant"]["masked"] is False and detail["applicant"]["phone"] == "13800000001"
        _api(client, "GET", f"/applications/{app.pk}")
        assert _personal_views(app) == views + 2
        event = AuditEvent.objects.filter(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW).latest("pk")
        assert event.actor == world.users[role]
        # Lists mask the name even for them, and do not count as a view.
        listing = _api(client, "GET", "/applications").content.decode()
        assert "张三" not in listing and json.dumps("张三")[1:-1] not in listing
        # The workspace page is masked until the audited reveal.
        page = client.get(f"/admin/disclosure/applications/{app.pk}/").content.decode()
        assert "13800000001" not in page
        assert _personal_views(app) == views + 2
        revealed = client.post(f"/admin/disclosure/applications/{app.pk}/reveal/")
        assert revealed.status_code == 200 and "13800000001" in revealed.content.decode()
        assert _personal_views(app) == views + 3


# --- 4. CSRF ------------------------------------------------------------------------------------------


def _csrf_client(world: World, role: str | None = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if role:
        client.force_login(world.users[role])
    return client


def _token(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, url
    return match.group(1)


def test_the_public_forms_need_the_csrf_token(world):
    client = _csrf_client(world)
    values = _apply_values(world)
    before = _snapshot()
    assert _post_form(client, APPLY, values).status_code == 403
    assert _post_form(client, TRACK, {"tracking_number": "x", "query_code": "y"}).status_code == 403
    assert _post_form(client, CORRECTION, {"description": "x"}).status_code == 403
    assert _post_form(client, "/disclosure/track/end/", {}).status_code == 403
    assert _snapshot() == before
    token = _token(client, APPLY)
    response = _post_form(client, APPLY, {**values, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Application.objects.count() == len(world.apps) + 1


def test_the_staff_posts_need_the_csrf_token(world):
    client = _csrf_client(world, "clerk_a")
    app = world.apps["registered"]
    before = _snapshot()
    audit_before = AuditEvent.objects.count()
    posts = [
        f"/admin/disclosure/applications/{app.pk}/act/review/",
        f"/admin/disclosure/applications/{app.pk}/act/accept/",
        f"/admin/disclosure/applications/{app.pk}/reveal/",
        "/admin/disclosure/applications/new/",
        "/admin/disclosure/cases/new/",
        f"/admin/disclosure/cases/{world.case.pk}/",
        "/admin/disclosure-annual-reports/",
    ]
    posts += [url for method, url, _ in _annual_admin_urls(world.reports["a_draft"].pk) if method == "POST"]
    for url in posts:
        assert client.post(url, {"overview": "x", "year": 2023, "agency": "dept-a"}).status_code == 403, url
    # The API with a staff session: the same (a bearer token needs no CSRF token).
    refused = client.post(f"{API_PREFIX}/applications/{app.pk}/accept", content_type="application/json")
    assert refused.status_code == 403 and CJK.search(refused.json()["message"])
    assert _snapshot() == before and AuditEvent.objects.count() == audit_before
    # With the token, the same step goes through.
    token = _token(client, f"/admin/disclosure/applications/{app.pk}/")
    done = client.post(f"/admin/disclosure/applications/{app.pk}/act/accept/", {"csrfmiddlewaretoken": token})
    assert done.status_code == 302
    app.refresh_from_db()
    assert app.status == "handling"
    handling = world.apps["handling"]
    api = client.post(
        f"{API_PREFIX}/applications/{handling.pk}/extension-request",
        _dump({"days": 5, "reason": "需要协调"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert api.status_code == 201, api.content


STAFF_PAGES = (
    "/admin/disclosure/",
    "/admin/disclosure/applications/",
    "/admin/disclosure/applications/new/",
    "/admin/disclosure/cases/",
    "/admin/disclosure/cases/new/",
    "/admin/disclosure-annual-reports/",
)
STAFF_PARAMETERS = (
    "q",
    "status",
    "department",
    "bucket",
    "applicant_type",
    "received_from",
    "received_to",
    "overdue",
    "p",
    "page",
    "year",
    "kind",
    "outcome",
    "application",
)
ODD_QUERY_VALUES = (
    "%00",
    "a%00b",
    "%ED%A0%80",
    "%FF",
    "-1",
    "0",
    "99999999999999999999999",
    "2026-02-30",
    "9999-12-31",
    "x" * 5000,
    "%E2%80%AE",
    "1&p=2&p=3",
)


@pytest.mark.parametrize("role", ("clerk_b", "office"))
def test_the_staff_pages_never_answer_500_on_odd_query_strings(world, role):
    client = Client(raise_request_exception=False)
    client.force_login(world.users[role])
    problems = []
    for url in STAFF_PAGES:
        for name in STAFF_PARAMETERS:
            for value in ODD_QUERY_VALUES:
                response = client.get(f"{url}?{name}={value}")
                if response.status_code >= 500:
                    problems.append(f"{url}?{name}={value[:20]} → {response.status_code}")
    for name in ("a_draft", "a_released"):
        pk = world.reports[name].pk
        for fmt in ("docx", "pdf", "html", "exe", "%00"):
            response = client.get(f"/admin/disclosure-annual-reports/{pk}/download/{fmt}/")
            if response.status_code >= 500:
                problems.append(f"download {name} {fmt} → {response.status_code}")
    assert not problems, "\n".join(problems[:60])


def test_text_no_column_can_store_is_refused_with_the_field_named(world):
    """NUL and lone surrogates pass SQLite but make PostgreSQL fail: the schemas refuse them."""
    client = _client(world, "office")
    before = _snapshot()
    handling = world.apps["handling"].pk
    reply = {"reply_type": "disclosed", "ground": "disclosed", "body": "经查\x00，现提供。"}
    for method, path, body in (
        ("POST", f"/applications/{handling}/reply", reply),
        (
            "POST",
            "/applications",
            {**COMPLETE_APPLICATION, "department": "dept-a", "address": "北京路\ud800"},
        ),
        ("PATCH", f"/annual-reports/{world.reports['a_draft'].pk}", {"overview": "概述\x00"}),
        (
            "PUT",
            "/annual-reports/figures",
            {"year": 2025, "figures": [{"block": "x\x00", "row": "", "column": ""}]},
        ),
    ):
        response = _api(client, method, path, body)
        assert response.status_code == 422, (path, response.content)
        assert "无法保存的字符" in json.dumps(response.json()["details"], ensure_ascii=False), path
    # In a query string a NUL is refused before the API sees it (core.middleware), in its format.
    for path in ("/applications?q=%00", "/annual-reports/data?year=2025&department=a%00"):
        response = _api(client, "GET", path, None)
        assert response.status_code == 400, (path, response.content)
        assert response.json()["code"] == "invalid_characters", path
    assert _snapshot() == before


def test_the_case_search_refuses_a_nul_character(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["office"])
    assert client.get("/admin/disclosure/cases/?q=a%00b").status_code == 400


# --- The reply letters are not in the served media ---------------------------------------------------


def test_the_reply_letters_are_kept_out_of_the_served_media(world, settings, tmp_path):
    """nginx serves MEDIA_ROOT to anyone, and the letters' names follow the tracking numbers."""
    from gongkai.hotline.models import private_storage

    for name in ("letter_docx", "letter_pdf"):
        assert Reply._meta.get_field(name)._storage_callable is private_storage
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    private = private_storage()
    assert not str(private.location).startswith(str(settings.MEDIA_ROOT))
    # The API names the workspace's download, which only staff of the department get.
    from gongkai.disclosure import letters

    replied = world.apps["replied"]
    letters.reply_letter_attach(reply=Reply.objects.get(application=replied))  # after commit, normally
    detail = _api(_client(world, "office"), "GET", f"/applications/{replied.pk}").json()
    url = detail["reply"]["letter_docx"]
    assert url == f"/admin/disclosure/applications/{replied.pk}/letters/reply.docx"
    assert _client(world, "clerk_b").get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_the_migration_moves_the_letters_already_stored(world, settings, tmp_path):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("gongkai.disclosure.migrations.0002_reply_letters_private")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.DATA_DIR = tmp_path
    served = tmp_path / "media" / "disclosure" / "letters"
    served.mkdir(parents=True)
    (served / "YSQ2026-000007-reply.docx").write_bytes(b"PK-letter")
    reply = Reply.objects.get(application=world.apps["replied"])
    Reply.objects.filter(pk=reply.pk).update(
        letter_docx="disclosure/letters/YSQ2026-000007-reply.docx", letter_pdf=""
    )
    migration.move_letters(apps, None)
    assert not (served / "YSQ2026-000007-reply.docx").exists()
    kept = tmp_path / "private" / Reply.objects.get(pk=reply.pk).letter_docx.name
    assert kept.read_bytes() == b"PK-letter"
