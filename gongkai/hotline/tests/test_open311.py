"""Open311 GeoReport v2 at /open311/v2/: discovery, services, create/list/get, tokens, errors; JSON and XML."""

import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own test responses

import pytest
from django.core.cache import cache
from wagtail.models import APIToken

from gongkai.hotline import services
from gongkai.hotline.models import WorkOrder

BASE = "/open311/v2"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(users):
    _token, plaintext = APIToken.create_token(user=users["operator"], name="open311 test")
    return plaintext


def _xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def _create(client, api_key, **extra):
    data = {
        "api_key": api_key,
        "service_code": "ludeng",
        "lat": "43.837",
        "long": "126.549",
        "address_string": "船营区北京路88号",
        "description": "路灯不亮，联系电话13812345678。",
        "first_name": "三",
        "last_name": "张",
        "phone": "13812345678",
        "email": "zhang@example.org",
        "attribute[type]": "complaint",
        **extra,
    }
    return client.post(f"{BASE}/requests.json", data)


def test_discovery_json_and_xml(client, db):
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    root = _xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.find("endpoints/endpoint/formats/format").text == "application/json"


def test_services_json_and_xml(client, db):
    services_json = client.get(f"{BASE}/services.json").json()
    ludeng = next(s for s in services_json if s["service_code"] == "ludeng")
    assert ludeng["service_name"] == "路灯" and ludeng["group"] == "城乡建设"
    assert ludeng["type"] == "realtime" and ludeng["metadata"] is True and "路灯" in ludeng["keywords"]
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    codes = [service.findtext("service_code") for service in root.findall("service")]
    assert "ludeng" in codes
    assert root.find("service/metadata").text == "true"


def test_service_definition_json_and_xml(client, db):
    definition = client.get(f"{BASE}/services/ludeng.json").json()
    attribute = definition["attributes"][0]
    assert definition["service_code"] == "ludeng" and attribute["code"] == "type"
    assert {"key": "complaint", "name": "投诉"} in attribute["values"]
    root = _xml(client.get(f"{BASE}/services/ludeng.xml"))
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/code").text == "type"
    assert root.find("attributes/attribute/values/value/key").text == "consultation"
    missing = client.get(f"{BASE}/services/nope.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_create_needs_a_valid_api_key(client, clock, api_key):
    response = _create(client, "")
    assert response.status_code == 403
    assert response.json() == [{"code": 403, "description": response.json()[0]["description"]}]
    assert _create(client, "wagtail_notarealtoken").status_code == 403
    root = _xml(client.post(f"{BASE}/requests.xml", {"service_code": "ludeng"}))
    assert root.tag == "errors" and root.find("error/code").text == "403"
    assert not WorkOrder.objects.exists()


def test_create_json_then_get_and_list_without_personal_data(client, clock, api_key):
    created = _create(client, api_key)
    assert created.status_code == 201, created.content
    body = created.json()[0]
    number = body["service_request_id"]
    assert body["token"] == number and body["service_notice"]
    order = WorkOrder.objects.get(tracking_number=number)
    assert order.channel == "open311" and order.order_type == "complaint" and order.category.code == "ludeng"
    assert order.caller_phone == "13812345678" and order.caller_name == "张 三"

    got = client.get(f"{BASE}/requests/{number}.json")
    assert got.status_code == 200
    request = got.json()[0]
    assert request["status"] == "open" and request["status_notes"] == "已受理"
    assert request["service_code"] == "ludeng" and request["address"] == "船营区北京路88号"
    assert request["requested_datetime"].endswith("+08:00")
    assert "13812345678" not in got.content.decode() and "zhang@" not in got.content.decode()

    listed = client.get(f"{BASE}/requests.json", {"service_code": "ludeng", "status": "open"}).json()
    assert [r["service_request_id"] for r in listed] == [number]
    assert client.get(f"{BASE}/requests.json", {"status": "closed"}).json() == []
    by_id = client.get(f"{BASE}/requests.json", {"service_request_id": f"{number},123"}).json()
    assert len(by_id) == 1
    token = client.get(f"{BASE}/tokens/{number}.json").json()
    assert token == [{"service_request_id": number, "token": number}]


def test_create_and_get_xml(client, clock, api_key):
    data = {
        "api_key": api_key,
        "service_code": "gongnuan",
        "address_string": "昌邑区解放大路",
        "description": "暖气不热。",
        "jurisdiction_id": "jlcity.gov.cn",
    }
    root = _xml(client.post(f"{BASE}/requests.xml", data))
    assert root.tag == "service_requests"
    number = root.find("request/service_request_id").text
    got = _xml(client.get(f"{BASE}/requests/{number}.xml"))
    request = got.find("request")
    assert request.findtext("service_request_id") == number
    assert request.findtext("status") == "open"
    assert request.findtext("agency_responsible") == ""  # not dispatched yet
    listed = _xml(client.get(f"{BASE}/requests.xml", {"start_date": "2026-05-01T00:00:00+08:00"}))
    assert [r.findtext("service_request_id") for r in listed.findall("request")] == [number]


def test_dispatched_and_closed_orders_map_to_open311_fields(client, clock, api_key, users, tree):
    number = _create(client, api_key).json()[0]["service_request_id"]
    order = WorkOrder.objects.get(tracking_number=number)
    services.work_order_dispatch(work_order=order, actor=users["dispatcher"], department=tree["dept_a"])
    request = client.get(f"{BASE}/requests/{number}.json").json()[0]
    assert request["agency_responsible"] == "吉林市住房和城乡建设局"
    assert request["expected_datetime"].endswith("+08:00") and "工作日" in request["service_notice"]
    services.work_order_accept(work_order=order, actor=users["handler_a"])
    services.work_order_reply(work_order=order, actor=users["handler_a"], reply_text="已修复。")
    services.work_order_approve_reply(work_order=order, actor=users["dispatcher"])
    services.work_order_record_callback(
        work_order=order, actor=users["operator"], outcome="reached", satisfaction="satisfied"
    )
    request = client.get(f"{BASE}/requests/{number}.json").json()[0]
    assert request["status"] == "closed" and request["status_notes"] == "已办结"
    assert request["expected_datetime"] is None


def test_other_channels_are_not_readable_without_a_key(client, clock, walk, api_key):
    order = walk("received")
    assert client.get(f"{BASE}/requests/{order.tracking_number}.json").status_code == 404
    assert client.get(f"{BASE}/requests.json").json() == []
    with_key = client.get(f"{BASE}/requests/{order.tracking_number}.json", {"api_key": api_key})
    assert with_key.status_code == 200
    assert "13812345678" not in with_key.content.decode()
    assert client.get(f"{BASE}/requests.json", {"api_key": "wagtail_bad"}).status_code == 403


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start_date": "yesterday"}, 400),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, 400),  # over 90 days
        ({"start_date": "2026-06-01", "end_date": "2026-05-01"}, 400),
        ({"status": "pending"}, 400),
        ({"jurisdiction_id": "elsewhere.example"}, 404),
        ({"service_code": "x" * 6000}, 400),
    ],
)
def test_list_errors_json_and_xml(client, db, params, status):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == status
    error = response.json()[0]
    assert error["code"] == status and error["description"]
    root = _xml(client.get(f"{BASE}/requests.xml", params))
    assert root.tag == "errors" and root.find("error/code").text == str(status)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"service_code": ""}, 400),
        ({"service_code": "nope"}, 404),
        ({"lat": "", "long": "", "address_string": ""}, 400),
        ({"description": ""}, 400),
        ({"attribute[type]": "nonsense"}, 400),
        ({"phone": "12"}, 400),
        ({"lat": "999"}, 400),
    ],
)
def test_create_errors(client, clock, api_key, change, status):
    response = _create(client, api_key, **change)
    assert response.status_code == status, response.content
    assert response.json()[0]["code"] == status
    assert not WorkOrder.objects.exists()


def test_method_not_allowed_and_unknown_format(client, db):
    response = client.post(f"{BASE}/services.json")
    assert response.status_code == 405 and response.json()[0]["code"] == 405
    assert client.get(f"{BASE}/services.csv").status_code == 404


def test_media_url_is_stored_as_a_link_and_returned_never_fetched(client, clock, api_key, monkeypatch):
    import urllib.request

    def no_fetch(*args, **kwargs):
        raise AssertionError("media_url must never be fetched by the server")

    monkeypatch.setattr(urllib.request, "urlopen", no_fetch)
    url = "https://img.example.org/photos/ludeng.jpg?size=large"
    created = _create(client, api_key, media_url=f"  {url} ")
    assert created.status_code == 201, created.content
    number = created.json()[0]["service_request_id"]
    assert WorkOrder.objects.get(tracking_number=number).raw_source["media_url"] == url
    assert client.get(f"{BASE}/requests/{number}.json").json()[0]["media_url"] == url
    request = _xml(client.get(f"{BASE}/requests/{number}.xml")).find("request")
    assert request.findtext("media_url") == url


@pytest.mark.parametrize(
    "media_url",
    [
        "ftp://example.org/a.jpg",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "//example.org/a.jpg",
        "example.org/a.jpg",
        "http://user:secret@example.org/a.jpg",
        "https://example.org/" + "a" * 1000,
        "http://exa mple.org/a.jpg",
        "http://example.org/\x00.jpg",
    ],
)
def test_bad_media_url_is_400_and_stores_nothing(client, clock, api_key, media_url):
    response = _create(client, api_key, media_url=media_url)
    assert response.status_code == 400, response.content
    if "\x00" not in media_url:  # control characters are refused before (every parameter)
        assert "media_url" in response.json()[0]["description"]
    assert not WorkOrder.objects.exists()
