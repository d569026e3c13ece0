"""The citizen's disclosure pages: apply, the receipt, look up, correct, download letters, the guide."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from gongkai.core.workcalendar.selectors import add_working_days
from gongkai.disclosure.models import ApplicantType, Application, Status
from gongkai.disclosure.public_forms import TOKEN_SALT
from gongkai.disclosure.tests.conftest import RESIDENT_ID, _credit_code

pytestmark = pytest.mark.django_db

APPLY = reverse("disclosure_public:apply")
TRACK = reverse("disclosure_public:track")
STATUS = reverse("disclosure_public:status")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def person_form(tree, **overrides):
    from django.core import signing

    values = {
        "department": str(tree["dept_a"].pk),
        "applicant_kind": "person",
        "person_name": "王秀兰",
        "id_type": "resident_id",
        "id_number": RESIDENT_ID,
        "phone": "13812345678",
        "email": "wang@example.org",
        "address": "吉林市船营区北京路1号3单元",
        "postal_code": "132011",
        "description": "2025年船营区老旧小区改造项目的资金使用情况",
        "provision_form": "electronic",
        "provision_channel": "email",
        "declaration": "on",
        "website": "",
        "form_token": signing.dumps("a" * 32, salt=TOKEN_SALT),
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def organisation_form(tree, **overrides):
    values = person_form(
        tree,
        applicant_kind="organisation",
        person_name="",
        id_number="",
        organisation_type="legal_service",
        organisation_name="吉林某某律师事务所",
        credit_code=_credit_code(),
        legal_representative="赵大成",
        contact_name="钱小梅",
        phone="0432-62012345",
        form_token=None,
    )
    from django.core import signing

    values["form_token"] = signing.dumps("b" * 32, salt=TOKEN_SALT)
    values.update(overrides)
    return values


def page_of(response) -> str:
    return response.content.decode()


def lookup(client, number, code, ip="10.0.0.1"):
    return client.post(TRACK, {"tracking_number": number, "query_code": code}, REMOTE_ADDR=ip)


# --- Pages render --------------------------------------------------------------------------------


def test_home_has_the_three_entries_and_the_annual_reports(client, tree):
    response = client.get(reverse("disclosure_public:home"))
    page = page_of(response)
    assert response.status_code == 200
    for text in ("我要申请", "查询申请", "申请指南", "/disclosure/annual-reports/"):
        assert text in page
    assert "X-Gongkai-Cache" not in response


def test_the_form_offers_agencies_that_take_applications_only(client, tree):
    from gongkai.accounts.models import DepartmentKind
    from gongkai.accounts.services import department_upsert

    department_upsert(code="street-x", name="延安街道办事处", parent=tree["city"], kind=DepartmentKind.STREET)
    gone, _ = department_upsert(code="old", name="已撤销的局", parent=tree["city"])
    gone.is_active = False
    gone.save()
    page = page_of(client.get(APPLY))
    assert "吉林市住房和城乡建设局" in page and "吉林市人民政府" in page
    assert "延安街道办事处" not in page and "已撤销的局" not in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "名称、文号或者便于查询的特征性描述" in page


# --- Applying ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "1381234"}, "phone", "号码格式不正确"),
        ({"email": "wang@"}, "email", "电子邮箱格式不正确"),
        ({"id_number": "220202198001010019"}, "id_number", "居民身份证号码不正确"),
        ({"postal_code": "13201"}, "postal_code", "邮政编码是6位数字"),
        ({"department": "999999"}, "department", "所选机关不存在"),
        ({"declaration": None}, "declaration", "请阅读说明并勾选"),
        ({"person_name": ""}, "person_name", "请填写您的姓名"),
        ({"phone": "", "email": "", "address": ""}, "phone", "请至少填写一种联系方式"),
        ({"applicant_kind": None}, "applicant_kind", "请选择申请人是个人还是单位"),
        ({"description": "长" * 5001}, "description", "不能超过 5000 个字"),
    ],
)
def test_format_errors_are_shown_next_to_the_field_and_store_nothing(
    client, tree, clock, overrides, field, message
):
    response = client.post(APPLY, person_form(tree, **overrides))
    page = page_of(response)
    assert response.status_code == 400
    assert Application.objects.count() == 0
    assert 'id="error-summary"' in page
    # The message sits in the field's own error paragraph.
    match = re.search(rf'<p class="hl-field-error" id="id_{field}_error">([^<]+)</p>', page)
    assert match and message in match.group(1), page[page.find("error-summary") :][:2000]
    # What was typed is kept.
    if field != "description":
        assert "2025年船营区老旧小区改造项目" in page


def test_organisation_needs_its_kind_and_a_valid_credit_code(client, tree, clock):
    response = client.post(
        APPLY, organisation_form(tree, organisation_type="", credit_code="91220200ABCDEFGHIJ")
    )
    page = page_of(response)
    assert response.status_code == 400
    assert "请选择单位类型" in page and "统一社会信用代码不正确" in page
    assert Application.objects.count() == 0


def test_honeypot_stores_nothing(client, tree, clock):
    response = client.post(APPLY, person_form(tree, website="http://spam.example"))
    assert response.status_code == 400
    assert Application.objects.count() == 0


def test_complete_application_shows_number_code_and_dates(client, tree, clock):
    response = client.post(APPLY, person_form(tree, phone="138 1234 5678", id_number=RESIDENT_ID.lower()))
    assert response.status_code == 302
    application = Application.objects.get()
    assert response["Location"] == reverse("disclosure_public:submitted", args=[application.tracking_number])
    assert application.applicant_type == ApplicantType.NATURAL_PERSON
    assert application.applicant_name == "王秀兰"
    assert application.phone == "13812345678"
    assert application.channel == "online"
    assert application.status == Status.REGISTERED
    assert application.missing_items == []
    assert application.received_on == datetime.date(2026, 6, 1)

    receipt = client.get(response["Location"])
    page = page_of(receipt)
    assert receipt.status_code == 200
    assert "no-store" in receipt["Cache-Control"] or "no-cache" in receipt["Cache-Control"]
    code = re.search(r'id="query-code" class="hl-code">(\d{6})<', page).group(1)
    assert application.tracking_number in page
    assert "2026年6月1日" in page  # received
    due = add_working_days(start=datetime.date(2026, 6, 1), days=20)
    assert application.reply_due_on == due
    assert f"{due.year}年{due.month}月{due.day}日" in page
    assert "查询码只显示这一次" in page
    assert "data-print" in page
    # The code is the real one.
    from gongkai.disclosure.services import application_lookup

    assert application_lookup(tracking_number=application.tracking_number, query_code=code) == application
    # Another browser (no session) does not see the code.
    from django.test import Client

    other = Client().get(response["Location"])
    assert other.status_code == 404 and code not in page_of(other)


def test_organisation_application(client, tree, clock):
    response = client.post(APPLY, organisation_form(tree))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.applicant_type == ApplicantType.LEGAL_SERVICE
    assert application.applicant_name == "吉林某某律师事务所"
    assert application.id_type == "credit_code" and application.id_number == _credit_code()
    assert application.legal_representative == "赵大成" and application.contact_name == "钱小梅"
    assert application.status == Status.REGISTERED
    # The person's fields, sent along by a browser without JavaScript, are not used.
    assert "王秀兰" not in application.applicant_name


def test_the_same_form_sent_twice_files_one_application(client, tree, clock):
    data = person_form(tree)
    first = client.post(APPLY, data)
    second = client.post(APPLY, data)
    assert first.status_code == second.status_code == 302
    assert Application.objects.count() == 1
    page = page_of(client.get(second["Location"]))
    assert "已经提交过，没有重复登记" in page


def test_incomplete_application_is_registered_and_the_receipt_lists_what_is_missing(client, tree, clock):
    response = client.post(
        APPLY, person_form(tree, id_number="", description="", provision_form="", provision_channel="")
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.status == Status.CORRECTION
    assert set(application.missing_items) == {
        "id_number",
        "description",
        "provision_form",
        "provision_channel",
    }
    page = page_of(client.get(response["Location"]))
    assert "您的申请还需要补正" in page
    missing = re.search(r'<ul class="dp-missing" id="missing-items">(.*?)</ul>', page, re.S).group(1)
    for label in ("身份证明", "特征性描述", "载体形式", "获取信息的方式"):
        assert label in missing
    notice = application.correction_notice
    assert f"{notice.due_on.year}年{notice.due_on.month}月{notice.due_on.day}日" in page
    assert "查询申请" in page and "当面补正" in page


# --- Lookup --------------------------------------------------------------------------------------


def test_right_code_opens_the_status_page_with_masked_personal_data(client, make_application):
    application = make_application()
    response = lookup(client, application.tracking_number.lower(), application.query_code)
    assert response.status_code == 302 and response["Location"] == STATUS
    assert application.query_code not in response["Location"]
    status = client.get(STATUS)
    page = page_of(status)
    assert status.status_code == 200
    assert application.tracking_number in page
    assert "已登记" in page
    assert "已收到您的政府信息公开申请" in page  # the public timeline
    assert "13800000001" not in page and "138****0001" in page
    assert RESIDENT_ID not in page and "张三" not in page and "张*" in page
    assert "北京路1号" not in page


def test_full_width_and_spaced_input_is_forgiven(client, make_application):
    application = make_application()
    wide = application.query_code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert lookup(client, " " + application.tracking_number + " ", wide).status_code == 302


def test_wrong_code_and_unknown_number_look_the_same(client, make_application):
    application = make_application()
    wrong = "000000" if application.query_code != "000000" else "111111"
    bad_code = lookup(client, application.tracking_number, wrong)
    unknown = lookup(client, "YSQ2026-999999", application.query_code)
    assert bad_code.status_code == unknown.status_code == 404
    lead = re.compile(r'<p class="hl-error-lead">([^<]+)</p>')
    assert lead.search(page_of(bad_code)).group(1) == lead.search(page_of(unknown)).group(1)
    assert client.get(STATUS).status_code == 302  # no grant


def test_failed_lookups_are_limited_per_address(client, make_application, settings):
    settings.GONGKAI_HOTLINE_RATE_LIMITS = {"disclosure-lookup-failed-ip": (3, 600)}
    application = make_application()
    for _ in range(3):
        assert lookup(client, application.tracking_number, "999999", ip="10.9.9.9").status_code == 404
    blocked = lookup(client, application.tracking_number, application.query_code, ip="10.9.9.9")
    assert blocked.status_code == 429
    assert "查询失败次数过多" in page_of(blocked)
    # Another address is not affected.
    assert (
        lookup(client, application.tracking_number, application.query_code, ip="10.9.9.8").status_code == 302
    )


def test_failed_lookups_are_limited_per_number_from_any_address(client, make_application, settings):
    settings.GONGKAI_HOTLINE_RATE_LIMITS = {"disclosure-lookup-failed-number": (3, 3600)}
    application = make_application()
    for i in range(3):
        assert lookup(client, application.tracking_number, "999999", ip=f"10.7.0.{i}").status_code == 404
    blocked = lookup(client, application.tracking_number, application.query_code, ip="10.7.0.99")
    assert blocked.status_code == 429


def test_applications_are_limited_per_address(client, tree, clock, settings):
    from django.core import signing

    settings.GONGKAI_HOTLINE_RATE_LIMITS = {"disclosure-submit-ip": (2, 3600)}
    for i in range(2):
        token = signing.dumps(f"{i}" * 32, salt=TOKEN_SALT)
        assert (
            client.post(APPLY, person_form(tree, form_token=token), REMOTE_ADDR="10.1.1.1").status_code == 302
        )
    token = signing.dumps("9" * 32, salt=TOKEN_SALT)
    blocked = client.post(APPLY, person_form(tree, form_token=token), REMOTE_ADDR="10.1.1.1")
    assert blocked.status_code == 429
    assert "提交过于频繁" in page_of(blocked)
    assert Application.objects.count() == 2


def test_leaving_the_lookup_ends_the_grant(client, make_application):
    application = make_application()
    lookup(client, application.tracking_number, application.query_code)
    assert client.get(STATUS).status_code == 200
    client.post(reverse("disclosure_public:track_end"))
    assert client.get(STATUS).status_code == 302


def test_a_terminated_application_says_why(client, walk_application):
    application = walk_application("terminated")
    lookup(client, application.tracking_number, application.query_code)
    page = page_of(client.get(STATUS))
    assert "已终止" in page
    assert re.search(r'id="end-reason">其他<', page)
    assert "申请已终止处理：申请人撤回申请" in page


def test_fee_notice_is_shown_with_its_deadline(client, walk_application):
    application = walk_application("awaiting_fee")
    lookup(client, application.tracking_number, application.query_code)
    page = page_of(client.get(STATUS))
    assert "等待您缴费" in page and "缴费期限" in page
    assert reverse("disclosure_public:letter", args=["fee", "pdf"]) in page


# --- Correction -----------------------------------------------------------------------------------


def test_correction_form_fills_the_missing_items_and_restarts_the_clock(client, walk_application, clock):
    application = walk_application("correction", id_number="", provision_channel="")
    assert application.reply_due_on is None or application.status == Status.CORRECTION
    clock.shift(datetime.timedelta(days=3))  # Thursday 4 June 2026
    lookup(client, application.tracking_number, application.query_code)
    page = page_of(client.get(STATUS))
    assert "等待您补正" in page
    assert 'id="correction-form"' in page
    assert 'name="id_number"' in page and 'name="provision_channel"' in page
    assert 'name="legal_representative"' not in page  # not asked of a person

    # A bad ID number is refused and changes nothing.
    refused = client.post(
        reverse("disclosure_public:correction"),
        {"description": "2025年船营区老旧小区改造项目资金使用情况的审计报告", "id_type": "resident_id",
         "id_number": "220202198001010019", "provision_channel": "email"},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "居民身份证号码不正确" in page_of(refused)
    assert Application.objects.get(pk=application.pk).status == Status.CORRECTION

    response = client.post(
        reverse("disclosure_public:correction"),
        {"description": "2025年船营区老旧小区改造项目资金使用情况的审计报告", "id_type": "resident_id",
         "id_number": RESIDENT_ID, "provision_channel": "email"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == STATUS
    fresh = Application.objects.get(pk=application.pk)
    assert fresh.status != Status.CORRECTION
    assert fresh.id_number == RESIDENT_ID and fresh.provision_channel == "email"
    assert fresh.description.endswith("审计报告")
    assert fresh.correction_notice.corrected_on == datetime.date(2026, 6, 4)
    assert fresh.reply_due_on == add_working_days(start=datetime.date(2026, 6, 4), days=20)
    assert fresh.reply_due_on > add_working_days(start=application.received_on, days=20)
    page = page_of(client.get(STATUS))
    assert "补正已收到" in page
    assert 'id="correction-form"' not in page
    due = fresh.reply_due_on
    assert f"{due.year}年{due.month}月{due.day}日" in page


def test_correction_needs_the_lookup_and_a_pending_notice(client, walk_application, make_application):
    url = reverse("disclosure_public:correction")
    assert client.post(url, {"description": "x" * 20}).status_code == 302
    complete = make_application()
    lookup(client, complete.tracking_number, complete.query_code)
    response = client.post(url, {"description": "新的申请内容，足够长"})
    assert response.status_code == 302
    assert Application.objects.get(pk=complete.pk).description == complete.description


# --- Letters -------------------------------------------------------------------------------------


@pytest.fixture
def replied(walk_application, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    from gongkai.disclosure import letters

    application = walk_application("replied")
    letters.reply_letter_attach(reply=application.reply)
    fresh = Application.objects.get(pk=application.pk)
    fresh.query_code = application.query_code
    return fresh


def test_reply_letter_downloads_only_after_the_lookup(client, replied, make_application):
    url = reverse("disclosure_public:letter", args=["reply", "docx"])
    before = client.get(url)
    assert before.status_code == 302 and before["Location"] == TRACK

    lookup(client, replied.tracking_number, replied.query_code)
    page = page_of(client.get(STATUS))
    assert "已答复" in page
    assert "予以公开" in page
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"
    receipt = client.get(reverse("disclosure_public:letter", args=["receipt", "docx"]))
    assert receipt.status_code == 200
    assert b"".join(receipt.streaming_content)[:2] == b"PK"

    # The grant is for that application only: another one's letters need its own code.
    other = make_application()
    assert other.pk != replied.pk
    lookup(client, other.tracking_number, other.query_code)
    assert client.get(url).status_code == 404  # the other has no reply
    assert client.get(reverse("disclosure_public:letter", args=["fee", "pdf"])).status_code == 404
    assert client.get(reverse("disclosure_public:letter", args=["reply", "exe"])).status_code == 404


# --- The guide -----------------------------------------------------------------------------------


def test_guide_explains_the_rules_and_lists_agency_contacts(client, tree):
    tree["dept_a"].address = "吉林市船营区解放中路100号"
    tree["dept_a"].phone = "0432-62000001"
    tree["dept_a"].save()
    page = page_of(client.get(reverse("disclosure_public:guide")))
    for text in (
        "20个工作日",
        "7个工作日",
        "国办函〔2020〕109号",
        "每页40元",
        "60日内",
        "6个月内",
        "双方确认之日",
        "签收之日",
        "吉林市船营区解放中路100号",
        "0432-62000001",
        "08:30",
    ):
        assert text in page, text


def test_deadline_calculator_counts_working_days_on_the_calendar(client, tree):
    url = reverse("disclosure_public:guide")
    response = client.get(url, {"received": "2026-09-30"})
    page = page_of(response)
    assert response.status_code == 200
    reply_by = add_working_days(start=datetime.date(2026, 9, 30), days=20)
    extended = add_working_days(start=reply_by, days=20)
    assert reply_by > datetime.date(2026, 10, 28)  # the National Day holiday is skipped
    assert re.search(rf'id="reply-by">{reply_by.year}年{reply_by.month}月{reply_by.day}日<', page)
    assert re.search(rf'id="extended-by">{extended.year}年{extended.month}月{extended.day}日<', page)
    # Chinese date writing works too.
    same = page_of(client.get(url, {"received": "２０２６年9月30日"}))
    assert f"{reply_by.year}年{reply_by.month}月{reply_by.day}日" in same

    bad = client.get(url, {"received": "2026-02-30"})
    assert bad.status_code == 400 and "日期格式不正确" in page_of(bad)
    unknown = client.get(url, {"received": "1999-01-04"})
    assert unknown.status_code == 400 and "1999年的工作日历还没有发布" in page_of(unknown)


# --- English ---------------------------------------------------------------------------------------


def test_pages_render_in_english(client, tree, settings):
    """With English chosen, the page is in English: the strings go through gettext (a catalogue
    entry is added here so that the test does not wait for the translators)."""
    from django.utils.translation import trans_real

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        catalog = trans_real.translation("en")._catalog  # type: ignore[attr-defined]
        added = {
            "依申请公开政府信息": "Requesting government information",
            "请选择受理机关。": "Please choose the agency.",
        }
        saved = {key: catalog.get(key) for key in added}
        for key, value in added.items():
            catalog[key] = value
    try:
        home = page_of(client.get(reverse("disclosure_public:home")))
        assert '<html lang="en">' in home
        assert "Requesting government information" in home
        refused = client.post(APPLY, {"applicant_kind": "person"})
        assert "Please choose the agency." in page_of(refused)
    finally:
        for key, value in saved.items():
            if value is None:
                for part in catalog._catalogs:  # type: ignore[attr-defined]
                    part.pop(key, None)
            else:
                catalog[key] = value


def test_a_reply_letter_never_made_is_made_on_the_first_download(
    client, walk_application, settings, tmp_path
):
    """Replies from imports or the demo history have no stored file: the applicant still gets it."""
    settings.MEDIA_ROOT = str(tmp_path)
    application = walk_application("replied")
    reply = Application.objects.get(pk=application.pk).reply
    reply.letter_docx = reply.letter_pdf = ""
    reply.save(update_fields=["letter_docx", "letter_pdf"])

    lookup(client, application.tracking_number, application.query_code)
    url = reverse("disclosure_public:letter", args=["reply", "docx"])
    assert url in page_of(client.get(STATUS))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    reply.refresh_from_db()
    assert reply.letter_docx.name.endswith(".docx")
    assert application.applicant_name not in reply.letter_docx.name
