"""The annual reports API: data, create, edit, figures, release (409 with the cells), downloads, isolation."""

from __future__ import annotations

import datetime
import importlib.util
import json

import pytest

from gongkai.disclosure.annual.models import AnnualReport
from gongkai.disclosure.annual.tests.factories import application

D = datetime.date
BASE = "/api/v1/disclosure/annual-reports/"
HAS_RENDER = importlib.util.find_spec("gongkai.disclosure.annual.render") is not None


def _json(client, method, url, body=None):
    return client.generic(
        method, url, json.dumps(body) if body is not None else "", content_type="application/json"
    )


@pytest.fixture
def data(clock, tree, users):
    application(tree["dept_a"], D(2025, 3, 1), concluded_on=D(2025, 4, 1))
    application(tree["dept_b"], D(2025, 3, 1))
    return tree


def test_data_of_an_agency_and_year(client, data, users):
    client.force_login(users["clerk_a"])
    response = client.get(BASE + "data", {"year": 2025, "department": "dept-a"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["agency"]["code"] == "dept-a" and body["format"] == "2021"
    assert [t["code"] for t in body["tables"]] == ["table2", "table3", "table4"]
    assert all(check["ok"] for check in body["checks"])
    # Isolation: another department's data and the consolidated report are refused.
    assert client.get(BASE + "data", {"year": 2025, "department": "dept-b"}).status_code == 403
    assert client.get(BASE + "data", {"year": 2025}).status_code == 403
    # Bad input: unknown department, a year before 2019, garbage.
    response = client.get(BASE + "data", {"year": 2025, "department": "nope"})
    assert response.status_code == 422 and response.json()["details"] == {"department": ["不存在。"]}
    assert client.get(BASE + "data", {"year": 2018, "department": "dept-a"}).status_code == 422
    assert client.get(BASE + "data", {"year": "x"}).status_code == 422
    client.force_login(users["office"])
    body = client.get(BASE + "data", {"year": 2025}).json()
    assert body["agency"]["consolidated"] is True


def test_create_edit_and_list(client, data, users):
    client.force_login(users["clerk_a"])
    response = _json(client, "post", BASE, {"year": 2025, "department": "dept-a"})
    assert response.status_code == 201, response.content
    report = response.json()
    assert report["status"] == "draft" and report["actions"] == ["edit", "figures"]
    assert report["sections"]["other_matters"] == "本年度未收取政府信息公开信息处理费。"
    assert report["data"]["sections"][5]["text"] == report["sections"]["other_matters"]
    assert _json(client, "post", BASE, {"year": 2025, "department": "dept-a"}).status_code == 422  # exists
    assert _json(client, "post", BASE, {"year": 2025, "department": "dept-b"}).status_code == 403
    assert _json(client, "post", BASE, {"year": 2025, "department": None}).status_code == 403

    url = f"{BASE}{report['id']}"
    response = _json(client, "patch", url, {"problems": "人员不足。", "overview": "总体情况。"})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["sections"][4]["text"] == "人员不足。"
    assert response.json()["data"]["sections"][0]["text"] == "总体情况。"

    listed = client.get(BASE).json()
    assert [r["id"] for r in listed] == [report["id"]]
    client.force_login(users["clerk_b"])
    assert client.get(BASE).json() == []
    assert client.get(url).status_code == 404
    assert _json(client, "patch", url, {"problems": "x"}).status_code == 404
    client.force_login(users["handler_a"])
    assert client.get(BASE).status_code == 403


def test_figures_put_get_and_import(client, data, users):
    client.force_login(users["clerk_a"])
    body = {
        "year": 2025,
        "department": "dept-a",
        "figures": [
            {"block": "item5", "row": "licensing", "column": "decisions", "value": 120},
            {"block": "item8", "row": "fees", "column": "fee_amount", "value": "3.5"},
        ],
    }
    response = _json(client, "put", BASE + "figures", body)
    assert response.status_code == 200, response.content
    figures = {f["row"]: f for f in response.json()}
    assert figures["licensing"]["value"] == 120 and figures["licensing"]["source"] == "entered"
    assert figures["fees"]["label"] == "第二十条第（八）项“行政事业性收费”行“本年收费金额（单位：万元）”列"
    data_body = client.get(BASE + "data", {"year": 2025, "department": "dept-a"}).json()
    item5 = data_body["tables"][0]["blocks"][1]
    assert item5["rows"][0]["values"] == {"本年处理决定数量": 120}

    bad = {**body, "figures": [{"block": "item5", "row": "licensing", "column": "decisions", "value": -1}]}
    response = _json(client, "put", BASE + "figures", bad)
    assert response.status_code == 422
    assert "不能为负数" in json.dumps(response.json()["details"], ensure_ascii=False)
    assert _json(client, "put", BASE + "figures", {**body, "department": "dept-b"}).status_code == 403

    csv_text = "项目,信息内容,列,数值\n第二十条第（六）项,行政处罚,本年处理决定数量,9\n"
    response = _json(
        client, "post", BASE + "figures/import", {"year": 2025, "department": "dept-a", "csv": csv_text}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"figures": 1, "departments": 1}
    listed = client.get(BASE + "figures", {"year": 2025, "department": "dept-a"}).json()
    assert {f["row"]: f["source"] for f in listed}["penalty"] == "imported"
    response = _json(
        client, "post", BASE + "figures/import", {"year": 2025, "department": "dept-a", "csv": "项目\nx\n"}
    )
    assert response.status_code == 422


def test_release_refused_with_the_cells_then_released(client, data, users, monkeypatch):
    client.force_login(users["office"])
    report = _json(client, "post", BASE, {"year": 2025, "department": "dept-a"}).json()
    url = f"{BASE}{report['id']}"
    application(data["dept_a"], D(2026, 1, 2), concluded_on=D(2025, 12, 30))  # breaks the balance
    response = _json(client, "post", url + "/release")
    assert response.status_code == 409, response.content
    error = response.json()
    assert error["code"] == "checks_failed"
    assert "表三“自然人”列：一+二=1，三（七）+四=2，不相等" in error["message"]
    assert {(c["table"], c["column"]) for c in error["details"]["checks"]} == {
        ("table3", "自然人"),
        ("table3", "总计"),
    }
    assert AnnualReport.objects.get(pk=report["id"]).status == "draft"

    # A clerk cannot release.
    from gongkai.disclosure.models import Application

    Application.objects.filter(received_on=D(2026, 1, 2)).delete()
    client.force_login(users["clerk_a"])
    assert _json(client, "post", url + "/release").status_code == 403
    client.force_login(users["office"])
    if not HAS_RENDER:
        from gongkai.disclosure.annual import services

        monkeypatch.setattr(services, "_render_files", lambda data: {})
    response = _json(client, "post", url + "/release")
    assert response.status_code == 200, response.content
    released = response.json()
    assert released["status"] == "released" and released["actions"] == ["withdraw"]
    assert _json(client, "patch", url, {"problems": "x"}).status_code == 409
    if HAS_RENDER:
        pdf = client.get(url + "/pdf")
        assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
        assert pdf["Content-Disposition"] == 'attachment; filename="annual-report-2025-dept-a.pdf"'
        docx = client.get(url + "/docx")
        assert docx.status_code == 200 and docx.content[:2] == b"PK"
    response = _json(client, "post", url + "/withdraw", {"reason": "更正"})
    assert response.status_code == 200 and response.json()["status"] == "draft"
    assert _json(client, "post", url + "/withdraw", {"reason": "更正"}).status_code == 409


def test_anonymous_refused(client, data):
    assert client.get(BASE).status_code == 401
    assert client.get(BASE + "data", {"year": 2025}).status_code == 401
