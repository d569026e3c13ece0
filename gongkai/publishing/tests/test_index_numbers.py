import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from gongkai.publishing import index_numbers
from gongkai.publishing.models import (
    IndexNumberCounter,
    InterpretationPage,
    PolicyDocumentPage,
)


def _policy(department, **values):
    defaults = {
        "title": "测试文件",
        "department": department,
        "written_on": datetime.date(2025, 3, 1),
        "formed_at": datetime.date(2025, 3, 1),
    }
    return PolicyDocumentPage(**{**defaults, **values})


def test_format_and_parse():
    assert (
        index_numbers.format_index_number("11220200795219742W", 2014, 9752) == "11220200795219742W/2014-09752"
    )
    parsed = index_numbers.parse("11220200795219742W/2014-09752")
    assert (parsed.code, parsed.year, parsed.sequence) == ("11220200795219742W", 2014, 9752)
    for bad in [
        "",
        "11220200795219742W/2014-9752",
        "11220200795219742W-2014-09752",
        "x/2014-00000",
        "/2014-00001",
    ]:
        assert index_numbers.parse(bad) is None


@pytest.mark.django_db
def test_sequence_per_department_and_year(departments):
    office, renshe = departments["bangongting"], departments["renshe"]
    first = index_numbers.assign(department=office, year=2025)
    second = index_numbers.assign(department=office, year=2025)
    other_year = index_numbers.assign(department=office, year=2026)
    other_department = index_numbers.assign(department=renshe, year=2025)
    assert first == f"{office.credit_code}/2025-00001"
    assert second == f"{office.credit_code}/2025-00002"
    assert other_year.endswith("/2026-00001")
    assert other_department == f"{renshe.credit_code}/2025-00001"


@pytest.mark.django_db
def test_reserve_keeps_imported_numbers_from_being_handed_out(departments):
    office = departments["bangongting"]
    index_numbers.reserve(department_id=office.pk, year=2014, sequence=9752)
    index_numbers.reserve(department_id=office.pk, year=2014, sequence=12)
    assert index_numbers.assign(department=office, year=2014).endswith("/2014-09753")


@pytest.mark.django_db
def test_department_without_credit_code_uses_its_code(departments):
    office = departments["bangongting"]
    office.credit_code = ""
    office.save()
    assert index_numbers.assign(department=office, year=2025) == "bangongting/2025-00001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_assignment_never_repeats_a_number(departments):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    office = departments["bangongting"]
    numbers: list[str] = []
    errors: list[Exception] = []

    def take():
        try:
            for _ in range(10):
                numbers.append(index_numbers.assign(department=office, year=2030))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(numbers) == len(set(numbers)) == 40
    assert IndexNumberCounter.objects.get(department=office, year=2030).last_value == 40


@pytest.mark.django_db
def test_first_save_assigns_the_number(lists, office, save):
    page = save(_policy(office), lists["policy"])
    assert page.index_number == f"{office.credit_code}/2025-00001"
    assert page.catalogue_entry.index_number == page.index_number


@pytest.mark.django_db
def test_index_number_must_match_department_and_year(lists, office, departments, save):
    wrong_department = _policy(office, index_number=f"{departments['renshe'].credit_code}/2025-00007")
    with pytest.raises(ValidationError) as exc:
        wrong_department.validate_document()
    assert "与发文机关不符" in str(exc.value.message_dict["index_number"])
    wrong_year = _policy(office, index_number=f"{office.credit_code}/2024-00007")
    with pytest.raises(ValidationError) as exc:
        wrong_year.validate_document()
    assert "年份 2024 与文件的年份 2025 不符" in str(exc.value.message_dict["index_number"])
    malformed = _policy(office, index_number="2025-7")
    with pytest.raises(ValidationError) as exc:
        malformed.validate_document()
    assert "格式不正确" in str(exc.value.message_dict["index_number"])


@pytest.mark.django_db
def test_index_number_taken_by_another_type(lists, office, save, policy):
    interpretation = InterpretationPage(
        title="解读",
        department=office,
        policy=policy,
        formed_at=datetime.date(2025, 9, 30),
        index_number=policy.index_number,
    )
    with pytest.raises(ValidationError) as exc:
        interpretation.validate_document()
    assert "已被《" in str(exc.value.message_dict["index_number"])


@pytest.mark.django_db
def test_document_number_used_by_the_department_that_year_is_refused(
    lists, office, departments, save, policy
):
    # Same number written with ASCII brackets: still the same 发文字号.
    duplicate = _policy(office, document_number="吉市政办发(2025)14号", written_on=datetime.date(2025, 11, 1))
    with pytest.raises(ValidationError) as exc:
        duplicate.validate_document()
    assert "已被本机关" in str(exc.value.message_dict["document_number"])
    # Another year, or another department: allowed.
    _policy(
        office, document_number="吉市政办发〔2025〕14号", written_on=datetime.date(2026, 1, 5)
    ).validate_document()
    _policy(departments["renshe"], document_number="吉市政办发〔2025〕14号").validate_document()


@pytest.mark.django_db
def test_document_number_is_normalised(lists, office, save):
    page = save(_policy(office, document_number="吉市政办发（2025） 3号"), lists["policy"])
    assert page.document_number == "吉市政办发〔2025〕3号"


@pytest.mark.django_db
def test_future_dates_are_refused(office):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    page = _policy(office, written_on=tomorrow, formed_at=tomorrow)
    with pytest.raises(ValidationError) as exc:
        page.validate_document()
    assert exc.value.message_dict["written_on"] == ["成文日期不能晚于今天。"]
    assert exc.value.message_dict["formed_at"] == ["生成日期不能晚于今天。"]


@pytest.mark.django_db
def test_withheld_and_on_request_need_a_legal_ground(office):
    for attribute in ("withheld", "on_request"):
        page = _policy(office, disclosure_attribute=attribute)
        with pytest.raises(ValidationError) as exc:
            page.validate_document()
        assert "必须写明依据" in str(exc.value.message_dict["legal_ground"])
    other_law = _policy(office, disclosure_attribute="withheld", legal_ground="other_law")
    with pytest.raises(ValidationError) as exc:
        other_law.validate_document()
    assert "legal_ground_explanation" in exc.value.message_dict
    _policy(office, disclosure_attribute="withheld", legal_ground="art14_state_secret").validate_document()


@pytest.mark.django_db
def test_rich_text_is_sanitised(office):
    page = _policy(
        office,
        body='<p onclick="x()">正文<script>alert(1)</script><a href="javascript:alert(1)">链接</a></p><iframe src="//x"></iframe>',
    )
    page.validate_document()
    assert "script" not in page.body and "onclick" not in page.body
    assert "javascript:" not in page.body and "iframe" not in page.body
    assert "正文" in page.body


@pytest.mark.django_db
def test_review_text_holds_everything_published(lists, office, save, policy):
    text = policy.review_text()
    assert policy.title in text and "供热期" in text and "吉市政办发〔2025〕14号" in text
    assert PolicyDocumentPage.document_type_label() == "政策文件"
