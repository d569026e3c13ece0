"""The annual reports' staff pages: create, edit, Table 2 figures (form, CSV, live preview),
release refused with the failing cells shown, withdraw, downloads, department isolation."""

from __future__ import annotations

import datetime
import json

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongkai.disclosure.annual.models import AnnualReport, ProactiveFigure, ReportStatus
from gongkai.disclosure.annual.tests import factories

pytestmark = pytest.mark.django_db

BASE = "/admin/disclosure-annual-reports/"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The list keeps check results in the cache: none from an earlier test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def draft_a(users, clock):
    from gongkai.disclosure.annual import services

    return services.report_create(year=2025, department=users["clerk_a"].department, actor=users["clerk_a"])


@pytest.fixture
def cjk_font():
    from gongkai.opinion.reports.fonts import find_cjk_font

    if find_cjk_font() is None:
        pytest.skip("no Chinese font installed (fonts-noto-cjk): a release stores a PDF")


def _page(response):
    return lxml.html.document_fromstring(response.content.decode())


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Who may open the pages ------------------------------------------------------------------------


def test_staff_without_annual_report_rights_get_403(as_user, users):
    response = as_user(users["handler_a"]).get(BASE)
    assert response.status_code == 403
    assert "公开专员" in response.content.decode()


def test_anonymous_readers_are_sent_to_the_login(client, db):
    response = client.get(BASE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_menu_item_shows_for_clerks_only(as_user, users):
    clerk_home = as_user(users["clerk_a"]).get("/admin/").content.decode()
    # The sidebar's items are JSON in the page (labels \u-escaped).
    assert f'"url": "{BASE}"' in clerk_home and '"name": "disclosure-annual-reports"' in clerk_home
    handler_home = as_user(users["handler_a"]).get("/admin/").content.decode()
    assert BASE not in handler_home


# --- Creating a draft ---------------------------------------------------------------------------


def test_a_clerk_creates_their_departments_draft(as_user, users, tree, clock):
    client = as_user(users["clerk_a"])
    page = _page(client.get(BASE))
    choices = [o.get("value") for o in page.xpath("//select[@name='agency']/option")]
    assert choices == ["dept-a"]

    response = client.post(BASE, {"year": "2025", "agency": "dept-a"})
    report = AnnualReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{report.pk}/"
    assert report.department == tree["dept_a"] and report.status == ReportStatus.DRAFT
    assert report.format_code == "2021"
    assert report.overview  # prefilled from the figures


def test_a_clerk_cannot_create_another_departments_or_the_citys(as_user, users, clock):
    client = as_user(users["clerk_a"])
    for agency in ("dept-b", "city"):
        response = client.post(BASE, {"year": "2025", "agency": agency})
        assert response.status_code == 400
    assert not AnnualReport.objects.exists()


def test_the_office_creates_the_consolidated_report_in_the_2019_format(as_user, users, clock):
    client = as_user(users["office"])
    choices = [o.get("value") for o in _page(client.get(BASE)).xpath("//select[@name='agency']/option")]
    assert choices[0] == "city" and "dept-a" in choices and "dept-b" in choices

    response = client.post(BASE, {"year": "2020", "agency": "city"})
    report = AnnualReport.objects.get()
    assert response.status_code == 302
    assert report.department is None and report.format_code == "2019"


@pytest.mark.parametrize(("year", "message"), [("2018", "2019"), ("2027", "尚未开始")])
def test_years_outside_the_formats_are_refused(as_user, users, clock, year, message):
    response = as_user(users["office"]).post(BASE, {"year": year, "agency": "city"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AnnualReport.objects.exists()


def test_a_second_report_for_the_same_agency_and_year_is_refused(as_user, users, draft_a):
    response = as_user(users["clerk_a"]).post(BASE, {"year": "2025", "agency": "dept-a"})
    assert response.status_code == 400
    assert "已经存在" in response.content.decode()
    assert AnnualReport.objects.count() == 1


# --- Isolation ----------------------------------------------------------------------------------


def test_clerks_see_only_their_departments_reports(as_user, users, draft_a, clock):
    from gongkai.disclosure.annual import services

    draft_b = services.report_create(
        year=2025, department=users["clerk_b"].department, actor=users["clerk_b"]
    )
    client = as_user(users["clerk_b"])
    listing = client.get(BASE).content.decode()
    assert "吉林市教育局" in listing and "吉林市住房和城乡建设局" not in listing
    for path in ("", "edit/", "figures/", "download/docx/"):
        assert client.get(f"{BASE}{draft_a.pk}/{path}").status_code == 404, path
    response = client.post(f"{BASE}{draft_a.pk}/edit/", {"overview": "改写"})
    assert response.status_code == 404
    draft_a.refresh_from_db()
    assert draft_a.overview != "改写"

    office_listing = as_user(users["office"]).get(BASE).content.decode()
    assert "吉林市教育局" in office_listing and "吉林市住房和城乡建设局" in office_listing
    assert client.get(f"{BASE}{draft_b.pk}/").status_code == 200


# --- The report page, sections --------------------------------------------------------------------


def test_the_report_page_previews_the_tables_and_lists_the_checks(as_user, users, draft_a, clock):
    factories.application(users["clerk_a"].department, datetime.date(2025, 3, 3))
    response = as_user(users["clerk_a"]).get(f"{BASE}{draft_a.pk}/")
    assert response.status_code == 200
    page = _page(response)
    assert len(page.find_class("ar-table")) == 3
    assert "草稿" in page.find_class("ar-draft")[0].text_content()
    assert "全部" in page.get_element_by_id("ar-checks").text_content()
    # A clerk edits and enters figures, but only the office releases.
    assert page.xpath(f"//a[@href='{BASE}{draft_a.pk}/edit/']")
    assert not page.xpath(f"//form[@action='{BASE}{draft_a.pk}/release/']")


def test_editing_the_sections(as_user, users, draft_a):
    client = as_user(users["clerk_a"])
    page = _page(client.get(f"{BASE}{draft_a.pk}/edit/"))
    labels = [label.text_content() for label in page.xpath("//form//label")]
    assert labels[0] == "一、总体情况" and labels[4] == "五、存在的主要问题及改进情况"

    sections = {name: f"{name} 的文字" for name in AnnualReport.SECTION_FIELDS}
    sections["problems"] = "一是问题一。\n二是问题二。"
    response = client.post(f"{BASE}{draft_a.pk}/edit/", sections)
    assert response.status_code == 302
    draft_a.refresh_from_db()
    assert draft_a.problems == "一是问题一。\n二是问题二。"
    preview = _page(client.get(f"{BASE}{draft_a.pk}/"))
    paragraphs = [p.text_content() for p in preview.find_class("annual-report")[0].iter("p")]
    assert "一是问题一。" in paragraphs and "二是问题二。" in paragraphs


def test_a_too_long_section_is_refused(as_user, users, draft_a):
    response = as_user(users["clerk_a"]).post(f"{BASE}{draft_a.pk}/edit/", {"overview": "长" * 50_001})
    assert response.status_code == 400
    assert "不能超过" in response.content.decode()


# --- Table 2 figures --------------------------------------------------------------------------------


def test_the_figures_form_follows_the_years_table2_blocks(as_user, users, draft_a):
    page = _page(as_user(users["clerk_a"]).get(f"{BASE}{draft_a.pk}/figures/"))
    captions = [c.text_content() for c in page.xpath("//form[@id='ar-figures-form']//caption")]
    assert captions == [
        "第二十条第（一）项",
        "第二十条第（五）项",
        "第二十条第（六）项",
        "第二十条第（八）项",
    ]
    assert page.xpath("//input[@name='fig__item8__fees__fee_amount']")
    assert "按已发布文件统计" in page.text_content()


def test_entering_figures_saves_them_and_shows_them_in_the_report(as_user, users, draft_a):
    client = as_user(users["clerk_a"])
    response = client.post(
        f"{BASE}{draft_a.pk}/figures/",
        {"fig__item5__licensing__decisions": "120", "fig__item8__fees__fee_amount": "12.5"},
    )
    assert response.status_code == 302
    figures = {(f.block, f.row, f.column): f.value for f in ProactiveFigure.objects.all()}
    assert figures == {("item5", "licensing", "decisions"): 120, ("item8", "fees", "fee_amount"): 12.5}
    table2 = _page(client.get(f"{BASE}{draft_a.pk}/")).find_class("ar-table2")[0]
    values = {(td.get("data-row"), td.get("data-column")): td.text_content() for td in table2.iter("td")}
    assert values[("licensing", "decisions")] == "120" and values[("fees", "fee_amount")] == "12.5"


def test_bad_figures_are_refused_on_their_field_and_nothing_is_saved(as_user, users, draft_a):
    response = as_user(users["clerk_a"]).post(
        f"{BASE}{draft_a.pk}/figures/",
        {"fig__item5__licensing__decisions": "12.5", "fig__item6__penalty__decisions": "-3"},
    )
    assert response.status_code == 400
    page = _page(response)
    licensing = page.get_element_by_id("id_fig__item5__licensing__decisions")
    assert licensing.get("aria-invalid") == "true"
    text = page.text_content()
    assert "件数须为整数" in text and "不能为负数" in text
    assert not ProactiveFigure.objects.exists()


def test_previewing_figures_does_not_save_them(as_user, users, draft_a):
    client = as_user(users["clerk_a"])
    response = client.post(
        f"{BASE}{draft_a.pk}/figures/", {"fig__item5__licensing__decisions": "77", "preview": "1"}
    )
    assert response.status_code == 200
    live = _page(response).get_element_by_id("ar-live-table")
    assert "77" in [td.text_content() for td in live.iter("td")]
    assert not ProactiveFigure.objects.exists()

    response = client.post(f"{BASE}{draft_a.pk}/figures/preview/", {"fig__item1__rules__in_force": "4"})
    payload = json.loads(response.content)
    # 现行有效件数 4 with nothing issued and nothing in force last year: the check fails on that cell.
    assert "ar-failed" in payload["html"] and 'data-column="in_force"' in payload["html"]
    assert any("现行有效件数" in message for message in payload["failures"])
    assert "ar-failures" in payload["checks_html"]
    assert not ProactiveFigure.objects.exists()


def test_importing_figures_from_csv(as_user, users, draft_a):
    client = as_user(users["clerk_a"])
    text = "机关代码,项目,信息内容,列,数值\n,第二十条第（五）项,行政许可,本年处理决定数量,120\n,第二十条第（八）项,行政事业性收费,,3.25\n"
    upload = SimpleUploadedFile("figures.csv", text.encode("gb18030"), content_type="text/csv")
    response = client.post(f"{BASE}{draft_a.pk}/figures/import/", {"file": upload})
    assert response.status_code == 302
    assert ProactiveFigure.objects.filter(department=users["clerk_a"].department).count() == 2
    assert ProactiveFigure.objects.get(row="fees").source == "imported"


def test_a_bad_csv_names_its_lines_and_imports_nothing(as_user, users, draft_a):
    client = as_user(users["clerk_a"])
    text = "项目,信息内容,数值\n第二十条第（五）项,行政许可,abc\n第二十条第（七）项,行政许可,1\n"
    upload = SimpleUploadedFile("figures.csv", text.encode("utf-8"), content_type="text/csv")
    response = client.post(f"{BASE}{draft_a.pk}/figures/import/", {"file": upload})
    assert response.status_code == 400
    content = response.content.decode()
    assert "第3行" in content
    assert not ProactiveFigure.objects.exists()


def test_a_clerk_cannot_import_another_departments_figures(as_user, users, draft_a):
    text = "机关代码,项目,信息内容,列,数值\ndept-b,第二十条第（五）项,行政许可,本年处理决定数量,5\n"
    upload = SimpleUploadedFile("figures.csv", text.encode("utf-8"), content_type="text/csv")
    response = as_user(users["clerk_a"]).post(f"{BASE}{draft_a.pk}/figures/import/", {"file": upload})
    assert response.status_code == 400
    assert not ProactiveFigure.objects.exists()


# --- Release and withdrawal -------------------------------------------------------------------------


def test_release_is_refused_while_a_check_fails_and_the_cell_is_shown(as_user, users, draft_a):
    ProactiveFigure.objects.create(
        year=2025,
        department=users["clerk_a"].department,
        block="item1",
        row="rules",
        column="in_force",
        value=5,
    )
    client = as_user(users["office"])
    response = client.post(f"{BASE}{draft_a.pk}/release/", follow=True)
    draft_a.refresh_from_db()
    assert draft_a.status == ReportStatus.DRAFT and not draft_a.docx
    assert any("一致性校验未通过" in m for m in _messages(response))
    page = _page(response)
    failed = page.find_class("ar-failed")
    assert [(td.get("data-row"), td.get("data-column")) for td in failed] == [("rules", "in_force")]
    assert "现行有效件数" in page.find_class("ar-failures")[0].text_content()


def test_a_clerk_cannot_release(as_user, users, draft_a):
    response = as_user(users["clerk_a"]).post(f"{BASE}{draft_a.pk}/release/", follow=True)
    draft_a.refresh_from_db()
    assert draft_a.status == ReportStatus.DRAFT
    assert any("无权" in m for m in _messages(response))


def test_the_office_releases_and_withdraws(
    as_user, users, draft_a, cjk_font, django_capture_on_commit_callbacks
):
    client = as_user(users["office"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}{draft_a.pk}/release/", follow=True)
    draft_a.refresh_from_db()
    assert draft_a.status == ReportStatus.RELEASED and draft_a.docx and draft_a.pdf
    assert any("已发布" in m for m in _messages(response))
    page = _page(response)
    assert page.xpath("//a[@href='/disclosure/annual-reports/2025/dept-a/']")
    assert client.logout() is None
    assert client.get("/disclosure/annual-reports/2025/dept-a/").status_code == 200

    client = as_user(users["office"])
    # The stored file is what a released report downloads.
    download = client.get(f"{BASE}{draft_a.pk}/download/pdf/")
    with draft_a.pdf.open("rb") as handle:
        assert download.content == handle.read()

    response = client.post(f"{BASE}{draft_a.pk}/withdraw/", {"reason": ""}, follow=True)
    draft_a.refresh_from_db()
    assert draft_a.status == ReportStatus.RELEASED
    assert any("原因" in m for m in _messages(response))

    response = client.post(f"{BASE}{draft_a.pk}/withdraw/", {"reason": "表二数据有误"}, follow=True)
    draft_a.refresh_from_db()
    assert draft_a.status == ReportStatus.DRAFT and draft_a.snapshot is None
    client.logout()
    assert client.get("/disclosure/annual-reports/2025/dept-a/").status_code == 404


def test_a_released_report_cannot_be_edited(as_user, users, draft_a, cjk_font):
    from gongkai.disclosure.annual import services

    services.report_release(report=draft_a, actor=users["office"])
    client = as_user(users["clerk_a"])
    response = client.post(f"{BASE}{draft_a.pk}/edit/", {"overview": "发布后改"}, follow=True)
    assert any("已发布" in m for m in _messages(response))
    draft_a.refresh_from_db()
    assert draft_a.overview != "发布后改"
    assert client.get(f"{BASE}{draft_a.pk}/figures/").status_code == 302


# --- Downloads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "start"),
    [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
        ("html", "text/html; charset=utf-8", b"<!DOCTYPE html>"),
    ],
)
def test_a_draft_downloads_marked_as_draft(as_user, users, draft_a, fmt, content_type, start):
    response = as_user(users["clerk_a"]).get(f"{BASE}{draft_a.pk}/download/{fmt}/")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(start)
    assert "attachment" in response["Content-Disposition"]
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    if fmt == "html":
        assert "草稿" in response.content.decode()


def test_a_draft_pdf_download(as_user, users, draft_a, cjk_font):
    response = as_user(users["clerk_a"]).get(f"{BASE}{draft_a.pk}/download/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_unknown_download_format_is_not_found(as_user, users, draft_a):
    assert as_user(users["clerk_a"]).get(f"{BASE}{draft_a.pk}/download/xlsx/").status_code == 404


def test_the_list_shows_status_and_checks(as_user, users, draft_a):
    ProactiveFigure.objects.create(
        year=2025,
        department=users["clerk_a"].department,
        block="item1",
        row="rules",
        column="in_force",
        value=5,
    )
    page = _page(as_user(users["clerk_a"]).get(BASE))
    row = page.xpath("//table[contains(@class,'ws-table')]/tbody/tr")[0]
    cells = [td.text_content().strip() for td in row.iter("td")]
    assert cells[0] == "2025" and "吉林市住房和城乡建设局" in cells[1]
    assert cells[2].startswith("草稿")
    assert "未通过" in cells[3]
    assert cells[4] == "2026-01-31"
