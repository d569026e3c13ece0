"""The portal's annual-report pages: only released reports, as released, with their stored files."""

from __future__ import annotations

import datetime
from urllib.parse import unquote

import lxml.html
import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile

from gongkai.disclosure.annual.models import AnnualReport, ReportStatus
from gongkai.disclosure.annual.tests.render_sample import sample_data

pytestmark = pytest.mark.django_db

RELEASED_AT = datetime.datetime(2026, 1, 20, 9, 0, tzinfo=datetime.UTC)


def _report(*, year, department=None, released=True, files=True):
    agency = department.name if department else "吉林市人民政府"
    code = department.code if department else "city"
    report = AnnualReport.objects.create(
        year=year,
        department=department,
        format_code="2021" if year >= 2021 else "2019",
        status=ReportStatus.RELEASED if released else ReportStatus.DRAFT,
        released_at=RELEASED_AT if released else None,
        snapshot=sample_data(year=year, agency=agency, code=code) if released else None,
    )
    if files:
        report.docx.save(f"{code}-{year}.docx", ContentFile(b"PK-docx-" + code.encode()), save=False)
        report.pdf.save(f"{code}-{year}.pdf", ContentFile(b"%PDF-" + code.encode()), save=False)
        report.save()
    return report


@pytest.fixture
def reports(tree):
    return {
        "city_2025": _report(year=2025),
        "a_2025": _report(year=2025, department=tree["dept_a"]),
        "b_2025_draft": _report(year=2025, department=tree["dept_b"], released=False),
        "city_2024": _report(year=2024, files=False),
        "a_2020": _report(year=2020, department=tree["dept_a"]),
    }


def test_index_lists_released_reports_by_year_city_first(client, reports):
    response = client.get("/disclosure/annual-reports/")
    assert response.status_code == 200
    tree = lxml.html.document_fromstring(response.content.decode())

    years = [h.text_content().strip() for h in tree.find_class("ar-year") for h in h.iter("h2")]
    assert years == ["2025年度", "2024年度", "2020年度"]
    titles = [a.text_content() for a in tree.find_class("ar-report-title")]
    assert titles == [
        "吉林市人民政府2025年政府信息公开工作年度报告",
        "吉林市住房和城乡建设局2025年政府信息公开工作年度报告",
        "吉林市人民政府2024年政府信息公开工作年度报告",
        "吉林市住房和城乡建设局2020年政府信息公开工作年度报告",
    ]
    assert "吉林市教育局" not in response.content.decode()  # a draft is not public
    links = [a.get("href") for a in tree.find_class("ar-report-title")]
    assert links[:2] == ["/disclosure/annual-reports/2025/", "/disclosure/annual-reports/2025/dept-a/"]
    # 2024 has no stored files: no download links for it.
    city_2024 = tree.find_class("ar-report")[2]
    assert not city_2024.find_class("ar-downloads")[0].findall("a")


def test_index_without_reports_says_so(client, db):
    response = client.get("/disclosure/annual-reports/")
    assert response.status_code == 200
    assert "暂无已发布的年度报告" in response.content.decode()


def test_city_report_page_shows_the_snapshot_and_downloads(client, reports):
    response = client.get("/disclosure/annual-reports/2025/")
    assert response.status_code == 200
    html = response.content.decode()
    tree = lxml.html.document_fromstring(html)

    assert tree.findtext(".//h1").strip() == "吉林市人民政府2025年政府信息公开工作年度报告"
    assert len(tree.find_class("ar-table")) == 3
    assert "disclosure_annual/report.css" in html
    hrefs = {a.get("href") for a in tree.find_class("button-link")}
    assert hrefs == {
        "/disclosure/annual-reports/2025/report.docx",
        "/disclosure/annual-reports/2025/report.pdf",
    }


def test_report_page_shows_what_was_released_not_later_changes(client, reports):
    report = reports["a_2025"]
    report.overview = "发布后改动的草稿文字"
    report.save()

    html = client.get("/disclosure/annual-reports/2025/dept-a/").content.decode()
    assert "发布后改动的草稿文字" not in html
    assert "坚持以公开为常态" in html  # the snapshot's text
    assert "/disclosure/annual-reports/2020/dept-a/" in html  # the agency's other years


def test_2019_format_report_page(client, reports):
    html = client.get("/disclosure/annual-reports/2020/dept-a/").content.decode()
    assert "第二十条第（九）项" in html
    assert "五、政府信息公开工作存在的主要问题及改进情况" in html


@pytest.mark.parametrize(
    "path",
    [
        "/disclosure/annual-reports/2025/dept-b/",  # a draft
        "/disclosure/annual-reports/2025/dept-b/report.pdf",
        "/disclosure/annual-reports/2023/",  # none
        "/disclosure/annual-reports/2025/no-such-dept/",
        "/disclosure/annual-reports/2024/report.docx",  # released without a stored file
        "/disclosure/annual-reports/2025/report.xlsx",
    ],
)
def test_what_is_not_public_is_not_found(client, reports, path):
    assert client.get(path).status_code == 404


def test_downloads_are_the_stored_files(client, reports):
    response = client.get("/disclosure/annual-reports/2025/dept-a/report.docx")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK-docx-dept-a"
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith("attachment;")
    assert "吉林市住房和城乡建设局2025年政府信息公开工作年度报告.docx" in disposition

    response = client.get("/disclosure/annual-reports/2025/report.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-city"


def test_pages_answer_only_reads(client, reports):
    assert client.post("/disclosure/annual-reports/").status_code == 405
    assert client.head("/disclosure/annual-reports/2025/").status_code == 200


def test_withdrawing_a_report_empties_the_page_cache(
    client, reports, settings, django_capture_on_commit_callbacks
):
    cache.clear()
    settings.GONGKAI_PAGE_CACHE_SECONDS = 300
    settings.GONGKAI_PAGE_CACHE_CHECK_SECONDS = 0
    assert client.get("/disclosure/annual-reports/")["X-Gongkai-Cache"] == "miss"
    assert client.get("/disclosure/annual-reports/")["X-Gongkai-Cache"] == "hit"
    assert client.get("/disclosure/annual-reports/2025/dept-a/")["X-Gongkai-Cache"] == "miss"

    report = reports["a_2025"]
    report.status = ReportStatus.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        report.save(update_fields=["status"])

    response = client.get("/disclosure/annual-reports/")
    assert response["X-Gongkai-Cache"] == "miss"
    assert "吉林市住房和城乡建设局2025年" not in response.content.decode()
    assert client.get("/disclosure/annual-reports/2025/dept-a/").status_code == 404
    cache.clear()


def test_the_index_reads_no_snapshot_and_a_fixed_number_of_queries(
    client, reports, tree, django_assert_max_num_queries
):
    for year in (2021, 2022, 2023):
        _report(year=year, department=tree["dept_b"])
    # One query for the reports (their titles read out of the snapshots); the rest is the portal's
    # navigation, whatever the number of reports.
    with django_assert_max_num_queries(4):
        response = client.get("/disclosure/annual-reports/")
    assert response.status_code == 200
    assert "吉林市教育局2023年政府信息公开工作年度报告" in response.content.decode()
