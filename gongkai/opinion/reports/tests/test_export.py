"""PDF and DOCX exports: readable text, the sections, the charts, and the missing-font error."""

from __future__ import annotations

import io
import re

import pytest

from gongkai.opinion.reports import charts, fonts, services
from gongkai.opinion.reports.models import ReportKind, Section
from gongkai.opinion.reports.tests.conftest import DAY

pytestmark = pytest.mark.django_db

needs_cjk_font = pytest.mark.skipif(
    fonts.find_cjk_font() is None, reason="no CJK font installed (.ci/run installs fonts-noto-cjk)"
)


@pytest.fixture
def report(dataset, users):
    report, _ = services.report_regular_ensure(kind=ReportKind.DAILY, day=DAY)
    services.report_update(
        report_id=report.pk,
        actor=users["analyst"],
        comments={"overview": "停水事件需持续关注。", "districts": "昌邑区信息最多。"},
    )
    report.refresh_from_db()
    return report


@pytest.fixture
def no_font(settings, monkeypatch):
    settings.GONGKAI_OPINION_REPORT_FONTS = ["/nonexistent/font.ttc"]
    monkeypatch.setattr(fonts, "_fontconfig_candidates", lambda: [])
    fonts._find.cache_clear()
    yield
    fonts._find.cache_clear()


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    # fpdf2 writes CJK text as two-byte glyph codes; some extractors leave a NUL between characters.
    return "".join(page.extract_text() for page in reader.pages).replace("\x00", "")


@needs_cjk_font
def test_pdf_has_the_title_sections_and_comments_as_text(report, users):
    data, filename, content_type = services.report_export(report=report, fmt="pdf", actor=users["analyst"])
    assert data.startswith(b"%PDF-")
    assert content_type == "application/pdf" and filename.endswith(".pdf")
    text = _pdf_text(data)
    assert report.title in re.sub(r"\s+", "", text)
    for label in dict(Section.choices).values():
        assert str(label) in text
    assert "停水事件需持续关注。" in text and "松江路停水" in text and "昌邑区" in text
    assert "草稿" in text  # a draft says so
    # The font is embedded as a subset: far smaller than the 19 MB collection.
    assert len(data) < 600_000


@needs_cjk_font
def test_released_pdf_names_the_release(report, users):
    released = services.report_release(report_id=report.pk, actor=users["analyst"])
    data, _, _ = services.report_export(report=released, fmt="pdf", actor=users["leader"])
    text = _pdf_text(data)
    assert "已签发" in text and "草稿，未签发" not in text


def test_pdf_without_a_chinese_font_fails_with_a_clear_message(report, users, no_font):
    from gongkai.opinion.reports.render_pdf import FontMissing

    with pytest.raises(FontMissing) as missing:
        services.report_export(report=report, fmt="pdf", actor=users["analyst"])
    message = str(missing.value)
    assert "未找到中文字体" in message and "No Chinese (CJK) font" in message
    assert "/nonexistent/font.ttc" in message


def _docx(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


def test_docx_opens_and_has_the_sections_tables_and_charts(report, users):
    data, filename, content_type = services.report_export(report=report, fmt="docx", actor=users["analyst"])
    assert data[:2] == b"PK" and filename.endswith(".docx") and "wordprocessingml" in content_type
    doc = _docx(data)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert [h.split(". ", 1)[1] for h in headings] == [str(label) for label in dict(Section.choices).values()]
    titles = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert titles == [report.title]
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "停水事件需持续关注。" in body and "昌邑区信息最多。" in body
    cells = {cell.text for table in doc.tables for row in table.rows for cell in row.cells}
    assert {"松江路停水", "化工厂异味", "新浪微博", "昌邑区", "供水保障", "50.0%"} <= cells
    pictures = doc.inline_shapes
    assert len(pictures) == 6  # volume, sentiment, events, sources, districts, topics
    assert doc.core_properties.title == report.title


def test_docx_works_without_a_chinese_font(report, users, no_font):
    data, _, _ = services.report_export(report=report, fmt="docx", actor=users["analyst"])
    assert len(_docx(data).inline_shapes) == 6


def test_export_is_audited_and_refuses_other_formats(report, users):
    from django.core.exceptions import ValidationError

    from gongkai.core.audit.models import AuditEvent

    services.report_export(report=report, fmt="docx", actor=users["leader"])
    event = AuditEvent.objects.get(action="opinion_report.downloaded", target_id=str(report.pk))
    assert event.actor == users["leader"] and event.new_values["format"] == "docx"
    with pytest.raises(ValidationError):
        services.report_export(report=report, fmt="xlsx", actor=users["leader"])


def test_chart_pictures_are_pngs_of_the_asked_size():
    from PIL import Image

    chart = charts.Chart(
        key="x",
        kind=charts.BARS,
        title="t",
        categories=["甲", "乙"],
        series=[
            charts.Series("负面", [1, 2], charts.NEGATIVE_COLOR),
            charts.Series("其他", [3, 0], charts.PRIMARY_COLOR),
        ],
    )
    font = fonts.find_cjk_font()
    png = charts.chart_png(chart, width_mm=100, height_mm=40, font_path=font.path if font else None)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (800, 320)
    # The bars were drawn: the negative red is on the picture.
    assert charts.NEGATIVE_COLOR in {color for _, color in image.getcolors(100_000)}


def test_nice_ceiling():
    assert [charts.nice_ceiling(v) for v in (0, 1, 3, 7, 11, 26, 240, 999)] == [
        1,
        1,
        5,
        10,
        20,
        50,
        250,
        1000,
    ]
    assert [charts.tick_count(t) for t in (1, 2, 5, 10, 20, 25, 50, 250)] == [1, 2, 5, 5, 4, 5, 5, 5]
