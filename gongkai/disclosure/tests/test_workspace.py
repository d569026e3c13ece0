"""The staff workspace of 依申请公开: who may open what, department isolation, masking and the audited
full view, every action form through its service (and the refusals), registration with the Art. 31
receipt dates, the dashboard's counters, letters, and the Table 4 cases."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from gongkai.core.audit.models import AuditEvent
from gongkai.disclosure import services
from gongkai.disclosure.models import (
    Application,
    Consultation,
    Extension,
    FeeNotice,
    Reply,
    ReviewCase,
    Status,
)

pytestmark = pytest.mark.usefixtures("clock")


def url(name, *args):
    return reverse(f"disclosure_workspace:{name}", args=args)


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def page(response) -> str:
    return response.content.decode()


# --- Who may open what -------------------------------------------------------------------------------

PAGES = [("dashboard",), ("list",), ("register",), ("cases",), ("case_add",)]


@pytest.mark.parametrize("name", [p[0] for p in PAGES])
@pytest.mark.parametrize("who", ["office", "clerk_a", "handler_a"])
def test_pages_are_for_the_office_and_the_clerks(login, users, name, who):
    response = login(users[who]).get(url(name))
    assert response.status_code == (403 if who == "handler_a" else 200)
    if who == "handler_a":
        assert "公开办" in page(response)  # the 403 page says whose work this is


def test_menu_shows_the_group_to_the_disclosure_posts_only(login, users):
    label = json.dumps("依申请公开")[1:-1]  # the sidebar is JSON, non-ASCII escaped
    home = page(login(users["clerk_a"]).get("/admin/"))
    assert label in home and url("dashboard") in home and url("register") in home and url("cases") in home
    assert "依申请公开 · 答复期限" in home  # the home page's panel of counters
    other = page(login(users["handler_a"]).get("/admin/"))
    assert label not in other and url("dashboard") not in other
    assert "依申请公开 · 答复期限" not in other


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(url("dashboard"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- Department isolation ------------------------------------------------------------------------


def test_a_clerk_never_sees_another_departments_application(login, users, walk_application):
    application = walk_application("handling")  # dept_a
    client = login(users["clerk_b"])
    link = url("application", application.pk)
    assert application.tracking_number not in page(client.get(url("list")))
    searched = page(client.get(url("list"), {"q": application.tracking_number}))
    assert link not in searched and "没有符合条件的申请" in searched
    assert application.tracking_number not in page(client.get(url("dashboard")))
    assert client.get(url("application", application.pk)).status_code == 404
    assert client.post(url("reveal", application.pk)).status_code == 404
    assert client.get(url("letter", application.pk, "receipt", "docx")).status_code == 404
    response = client.post(
        url("act", application.pk, "reply"),
        {"reply-reply_type": "disclosed", "reply-ground": "disclosed", "reply-body": "偷偷答复"},
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == Status.HANDLING
    assert not Reply.objects.filter(application=application).exists()


def test_the_office_sees_every_department(login, users, walk_application, tree):
    a = walk_application("handling")
    b = walk_application("registered", department=tree["dept_b"])
    listing = page(login(users["office"]).get(url("list")))
    assert a.tracking_number in listing and b.tracking_number in listing
    only_b = page(login(users["office"]).get(url("list"), {"department": tree["dept_b"].pk}))
    assert b.tracking_number in only_b and a.tracking_number not in only_b
    clerk = page(login(users["clerk_a"]).get(url("list")))
    assert a.tracking_number in clerk and b.tracking_number not in clerk
    assert 'name="department"' not in clerk  # a clerk has no department filter


# --- The list --------------------------------------------------------------------------------------


def test_list_filters_search_and_masks(login, users, walk_application, make_application):
    person = walk_application("handling")
    company = make_application(
        applicant_type="commercial",
        applicant_name="吉林市江城建材有限公司",
        id_type="credit_code",
        id_number=services_credit_code(),
        legal_representative="李四",
        contact_name="王五",
        channel="online",
        description="本公司参与投标的2025年道路改造项目的中标结果公示",
    )
    client = login(users["clerk_a"])
    listing = page(client.get(url("list")))
    assert "张*" in listing and "张三" not in listing  # a person's name masked
    assert "吉林市江城建材有限公司" in listing  # an organisation's name is not personal data
    assert "13800000001" not in listing
    by_type = page(client.get(url("list"), {"applicant_type": "commercial"}))
    assert company.tracking_number in by_type and person.tracking_number not in by_type
    by_status = page(client.get(url("list"), {"status": "handling"}))
    assert person.tracking_number in by_status and company.tracking_number not in by_status
    by_text = page(client.get(url("list"), {"q": "中标结果"}))
    assert company.tracking_number in by_text and person.tracking_number not in by_text
    by_number = page(client.get(url("list"), {"q": person.tracking_number}))
    assert person.tracking_number in by_number and company.tracking_number not in by_number
    by_name = page(client.get(url("list"), {"q": "张三"}))
    assert person.tracking_number in by_name and company.tracking_number not in by_name
    none = page(client.get(url("list"), {"received_from": "2026-06-02"}))
    assert person.tracking_number not in none
    bad = client.get(url("list"), {"received_from": "2026-06-05", "received_to": "2026-06-01"})
    assert "起始日期不能晚于截止日期" in page(bad)


def services_credit_code() -> str:
    from gongkai.accounts.credit_code import credit_code_build

    return credit_code_build(authority="9", kind="1", division="220200", organization_body="12345678")


def test_list_of_replied_applications_by_reply_type_and_overdue(login, users, walk_application, clock):
    replied = walk_application("replied")
    late = walk_application("handling")
    clock.shift(datetime.timedelta(days=40))
    services.refresh_due_dates()
    client = login(users["office"])
    by_reply = page(client.get(url("list"), {"reply_type": "disclosed"}))
    assert replied.tracking_number in by_reply and late.tracking_number not in by_reply
    overdue = page(client.get(url("list"), {"overdue": "on"}))
    assert late.tracking_number in overdue and replied.tracking_number not in overdue
    assert "dw-days--overdue" in overdue  # negative days in red


# --- The dashboard ---------------------------------------------------------------------------------


def _counter(html: str, key: str) -> int:
    marker = f'data-bucket="{key}"'
    start = html.index(marker)
    number = html.index('ws-card__n">', start) + len('ws-card__n">')
    return int(html[number : html.index("<", number)])


def test_dashboard_counts_each_bucket(login, users, walk_application, clock):
    overdue = walk_application("handling")  # received 2026-06-01, due 2026-06-30
    clock.shift(datetime.timedelta(days=35))  # 2026-07-06
    services.refresh_due_dates()
    due_soon = walk_application("handling")  # received today, due in 20 working days: not soon
    consulting = walk_application("handling")
    services.consultation_start(
        application=consulting, actor=users["clerk_a"], kind="third_party", party_name="某公司"
    )
    walk_application("awaiting_fee")
    walk_application("correction")
    extension = walk_application("handling")
    services.extension_request(application=extension, actor=users["clerk_a"], days=10, reason="需要检索档案")
    walk_application("replied")
    walk_application("terminated")
    walk_application("archived")  # done: in no bucket
    html = page(login(users["office"]).get(url("dashboard")))
    assert _counter(html, "overdue") == 1
    assert _counter(html, "due_soon") == 0
    assert _counter(html, "consulting") == 1
    assert _counter(html, "waiting_applicant") == 2
    assert _counter(html, "extension_pending") == 1
    assert _counter(html, "replied_undelivered") == 1
    assert _counter(html, "to_archive") == 1
    assert overdue.tracking_number in html and due_soon.tracking_number not in html.split("h-overdue")[0]
    # The overdue row: negative days in red and the rule text of its clock.
    assert "dw-days--overdue" in html
    assert "20个工作日" in html
    # The office's per-department table.
    assert "各机关办理情况" in html and "市住建局" in html
    # The counters link to the list filtered by their bucket.
    bucket = page(login(users["office"]).get(url("list"), {"bucket": "overdue"}))
    assert overdue.tracking_number in bucket and consulting.tracking_number not in bucket
    assert "已超期" in bucket


def test_dashboard_due_soon_and_the_clerks_view(login, users, walk_application, clock):
    application = walk_application("handling")
    clock.shift(datetime.timedelta(days=24))  # 2026-06-25: due 2026-06-29, two working days away
    services.refresh_due_dates()
    html = page(login(users["clerk_a"]).get(url("dashboard")))
    assert _counter(html, "due_soon") == 1
    assert application.tracking_number in html
    assert "各机关办理情况" not in html  # the per-department table is the office's
    assert _counter(page(login(users["clerk_b"]).get(url("dashboard"))), "due_soon") == 0


def test_department_table_counts_on_time_replies(login, users, walk_application, tree):
    walk_application("replied")
    walk_application("handling")
    html = page(login(users["office"]).get(url("dashboard")))
    table = html[html.index("dw-departments") :]
    row = table[table.index("市住建局") :]
    cells = [c.split("<")[0] for c in row.split('class="dw-num">')[1:5]]
    assert cells == ["1", "0", "1", "100.0%"]


# --- The application page: masking and the audited full view -----------------------------------------


def test_application_page_masks_and_reveals_with_an_audit(login, users, walk_application):
    application = walk_application("handling")
    client = login(users["clerk_a"])
    html = page(client.get(url("application", application.pk)))
    assert "张*" in html and "张三" not in html
    assert "138****0001" in html and "13800000001" not in html
    assert "220202198001010018" not in html
    assert "显示完整信息" in html
    before = AuditEvent.objects.filter(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW).count()
    revealed = client.post(url("reveal", application.pk))
    assert revealed.status_code == 200
    html = page(revealed)
    assert "张三" in html and "13800000001" in html and "220202198001010018" in html
    assert "已记入审计记录" in html
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW).latest("created_at")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW).count() == before + 1
    assert event.actor == users["clerk_a"] and event.target_id == str(application.pk)
    assert "phone" in event.fields and "id_number" in event.fields
    # The view shows in the application's audit trail.
    assert "查看申请人完整信息" in page(client.get(url("application", application.pk)))
    assert client.get(url("reveal", application.pk)).status_code == 405


def test_without_the_identity_permission_there_is_no_full_view(login, users, walk_application):
    application = walk_application("handling")
    group = users["clerk_a"].groups.get()
    group.permissions.remove(Permission.objects.get(codename="view_applicant_identity"))
    clerk = type(users["clerk_a"]).objects.get(pk=users["clerk_a"].pk)  # no cached permissions
    client = login(clerk)
    html = page(client.get(url("application", application.pk)))
    assert "张*" in html and "显示完整信息" not in html
    assert client.post(url("reveal", application.pk)).status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW).exists()


# --- The application page: actions ----------------------------------------------------------------


def act(client, application, name, **fields):
    return client.post(url("act", application.pk, name), {f"{name}-{k}": v for k, v in fields.items()})


def test_page_offers_only_the_allowed_actions(login, users, walk_application):
    application = walk_application("registered")
    html = page(login(users["clerk_a"]).get(url("application", application.pk)))
    for name in ("review", "accept", "request_correction", "reply", "terminate"):
        assert url("act", application.pk, name) in html, name
    for name in ("archive", "record_delivery", "decide_extension", "record_payment", "consult"):
        assert url("act", application.pk, name) not in html, name
    # An action that is not available now is refused and changes nothing.
    response = act(login(users["clerk_a"]), application, "archive")
    assert response.status_code == 403
    assert Application.objects.get(pk=application.pk).status == Status.REGISTERED


def test_review_accept_reply_deliver_archive(login, users, walk_application):
    application = walk_application("registered")
    client = login(users["clerk_a"])
    assert act(client, application, "review").status_code == 302
    assert Application.objects.get(pk=application.pk).status == Status.REVIEWING
    assert act(client, application, "accept").status_code == 302
    assert Application.objects.get(pk=application.pk).status == Status.HANDLING
    response = act(
        client,
        application,
        "reply",
        reply_type="withheld",
        ground="withheld_third_party",
        body="经审查，所申请信息涉及第三方商业秘密，第三方不同意公开。",
    )
    assert response.status_code == 302, page(response)
    reply = Reply.objects.get(application=application)
    assert (reply.reply_type, reply.ground) == ("withheld", "withheld_third_party")
    html = page(client.get(url("application", application.pk)))
    assert "保护第三方合法权益" in html and url("act", application.pk, "record_delivery") in html
    assert act(client, application, "record_delivery", channel="post").status_code == 302
    assert Reply.objects.get(application=application).delivered_on == datetime.date(2026, 6, 1)
    assert act(client, application, "archive").status_code == 302
    assert Application.objects.get(pk=application.pk).status == Status.ARCHIVED


def test_reply_form_refuses_a_ground_of_another_reply_type(login, users, walk_application):
    application = walk_application("handling")
    client = login(users["clerk_a"])
    response = act(client, application, "reply", reply_type="withheld", ground="disclosed", body="不予公开。")
    assert response.status_code == 400
    html = page(response)
    assert "不能以“予以公开”为依据" in html
    assert "不予公开。" in html  # the form keeps what was typed
    partial = act(client, application, "reply", reply_type="partial", ground="partial", body="部分公开。")
    assert partial.status_code == 400 and "部分公开须写明不予公开部分的理由" in page(partial)
    application.refresh_from_db()
    assert application.status == Status.HANDLING
    assert not Reply.objects.filter(application=application).exists()
    # The page carries the allowed grounds for the script that filters the select.
    html = page(client.get(url("application", application.pk)))
    assert 'id="dw-allowed-grounds"' in html and '"not_exist": ["unavailable_not_held"' in html
    ok = act(
        client,
        application,
        "reply",
        reply_type="partial",
        ground="partial",
        partial_withheld_ground="withheld_process_info",
        body="现提供可以公开的部分，其余属于过程性信息。",
    )
    assert ok.status_code == 302
    assert Reply.objects.get(application=application).partial_withheld_ground == "withheld_process_info"


def test_reply_date_after_today_or_before_receipt_is_refused(login, users, walk_application):
    application = walk_application("handling")
    client = login(users["clerk_a"])
    future = act(
        client,
        application,
        "reply",
        reply_type="disclosed",
        ground="disclosed",
        body="提供。",
        replied_on="2026-06-02",
    )
    assert future.status_code == 400 and "不能晚于今天" in page(future)
    early = act(
        client,
        application,
        "reply",
        reply_type="disclosed",
        ground="disclosed",
        body="提供。",
        replied_on="2026-05-29",
    )
    assert early.status_code == 400 and "不能早于" in page(early)
    assert Application.objects.get(pk=application.pk).status == Status.HANDLING


def test_a_service_refusal_shows_its_reason_and_changes_nothing(login, users, walk_application, clock):
    application = walk_application("registered")
    clock.shift(datetime.timedelta(days=14))  # past the 7 working days for a correction notice
    client = login(users["clerk_a"])
    html = page(client.get(url("application", application.pk)))
    assert url("act", application.pk, "request_correction") not in html
    response = act(client, application, "request_correction", items="请写明文号")
    assert response.status_code == 403
    assert not Application.objects.get(pk=application.pk).status == Status.CORRECTION


def test_correction_request_and_receipt(login, users, walk_application, clock):
    application = walk_application("registered")
    client = login(users["clerk_a"])
    form = page(client.get(url("application", application.pk)))
    assert "需要补正的事项" in form
    response = act(client, application, "request_correction", items="请写明所需文件的文号或名称")
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).status == Status.CORRECTION
    clock.shift(datetime.timedelta(days=3))
    client = login(users["clerk_a"])  # the session of three days ago has expired
    bad = act(client, application, "receive_correction", corrected_on="2026-06-30", description="文号")
    assert bad.status_code == 400 and "不能晚于今天" in page(bad)
    ok = act(
        client,
        application,
        "receive_correction",
        corrected_on="2026-06-03",
        description="吉市建发〔2025〕12号文件的全文",
    )
    assert ok.status_code == 302, page(ok)
    application.refresh_from_db()
    assert application.status == Status.REVIEWING
    assert application.description == "吉市建发〔2025〕12号文件的全文"


def test_consultation_pauses_and_is_answered(login, users, walk_application, clock):
    application = walk_application("handling")
    client = login(users["clerk_a"])
    missing = act(client, application, "consult", kind="third_party", party_name="")
    assert missing.status_code == 400
    response = act(
        client,
        application,
        "consult",
        kind="third_party",
        party_name="吉林某建设公司",
        party_contact="0432-62000000",
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get(application=application)
    html = page(client.get(url("application", application.pk)))
    assert "暂停计时" in html
    assert url("act", application.pk, "reply") not in html  # no reply while a consultation is open
    assert f"consultation-{consultation.pk}" in html  # the consultation letter
    clock.shift(datetime.timedelta(days=5))
    client = login(users["clerk_a"])
    answered = act(
        client,
        application,
        "record_consultation",
        consultation=consultation.pk,
        answer="objection",
        answer_text="涉及商业秘密",
    )
    assert answered.status_code == 302, page(answered)
    consultation.refresh_from_db()
    assert consultation.answer == "objection" and consultation.answered_on == datetime.date(2026, 6, 6)


def test_extension_is_approved_by_the_office_head_not_the_requester(login, users, walk_application):
    application = walk_application("handling")
    clerk = login(users["clerk_a"])
    too_long = act(clerk, application, "request_extension", days=25, reason="档案量大")
    assert too_long.status_code == 400 and "最长不得超过20个工作日" in page(too_long)
    assert act(clerk, application, "request_extension", days=15, reason="档案量大").status_code == 302
    extension = Extension.objects.get(application=application)
    # The clerk has no approval right: no form, and a post is refused.
    html = page(clerk.get(url("application", application.pk)))
    assert url("act", application.pk, "decide_extension") not in html
    assert act(clerk, application, "decide_extension", approve="yes").status_code == 403
    office = login(users["office"])
    assert url("act", application.pk, "decide_extension") in page(
        office.get(url("application", application.pk))
    )
    assert act(office, application, "decide_extension", approve="yes").status_code == 302
    extension.refresh_from_db()
    assert extension.approved_by == users["office"] and extension.notified_on == datetime.date(2026, 6, 1)
    html = page(office.get(url("application", application.pk)))
    assert "延长 15 个工作日" in html  # the rule text of the clock


def test_the_office_may_refuse_an_extension(login, users, walk_application):
    application = walk_application("handling")
    assert (
        act(login(users["clerk_a"]), application, "request_extension", days=5, reason="协调").status_code
        == 302
    )
    due = Application.objects.get(pk=application.pk).reply_due_on
    assert act(login(users["office"]), application, "decide_extension", approve="no").status_code == 302
    extension = Extension.objects.get(application=application)
    assert extension.refused and Application.objects.get(pk=application.pk).reply_due_on == due
    html = page(login(users["office"]).get(url("application", application.pk)))
    assert "未获批准" in html and url("letter", application.pk, "extension", "pdf") not in html


def test_the_office_head_cannot_approve_their_own_request(login, users, walk_application):
    application = walk_application("handling")
    head = login(users["office_head"])
    assert act(head, application, "request_extension", days=10, reason="需要协调").status_code == 302
    assert url("act", application.pk, "decide_extension") not in page(
        head.get(url("application", application.pk))
    )
    assert act(head, application, "decide_extension", approve="yes").status_code == 403
    assert Extension.objects.get(application=application).approved_at is None


def test_fee_form_shows_the_quote_before_issuing(login, users, walk_application):
    application = walk_application("handling")
    client = login(users["clerk_a"])
    no_pages = act(client, application, "issue_fee_notice", method="per_page")
    assert no_pages.status_code == 400 and "按量计收须填写页数" in page(no_pages)
    preview = client.post(
        url("act", application.pk, "issue_fee_notice"),
        {"issue_fee_notice-method": "per_page", "issue_fee_notice-pages": "120", "preview": "1"},
    )
    assert preview.status_code == 200
    html = page(preview)
    assert "计算结果" in html and "1100" in html  # 70 × 10 + 20 × 20
    assert not FeeNotice.objects.filter(application=application).exists()
    free = client.post(
        url("act", application.pk, "issue_fee_notice"),
        {"issue_fee_notice-method": "per_page", "issue_fee_notice-pages": "20", "preview": "1"},
    )
    assert "无需收费" in page(free)
    refused = act(client, application, "issue_fee_notice", method="per_page", pages=20)
    assert refused.status_code == 409 and "无需收费" in page(refused)
    issued = act(client, application, "issue_fee_notice", method="per_page", pages=120)
    assert issued.status_code == 302
    notice = FeeNotice.objects.get(application=application)
    assert str(notice.amount) == "1100.00"
    assert Application.objects.get(pk=application.pk).status == Status.AWAITING_FEE
    assert act(client, application, "record_payment").status_code == 302
    assert Application.objects.get(pk=application.pk).status == Status.HANDLING


def test_terminate_needs_a_reason(login, users, walk_application):
    application = walk_application("reviewing")
    client = login(users["clerk_a"])
    assert act(client, application, "terminate", ground="other_other", reason="").status_code == 400
    assert (
        act(client, application, "terminate", ground="other_other", reason="申请人书面撤回").status_code
        == 302
    )
    application.refresh_from_db()
    assert (application.status, application.ground) == (Status.TERMINATED, "other_other")


# --- Registration ----------------------------------------------------------------------------------

REGISTRATION = {
    "applicant_type": "natural_person",
    "applicant_name": "赵六",
    "id_type": "resident_id",
    "id_number": "220202198001010018",
    "phone": "13900000002",
    "address": "吉林市昌邑区解放路2号",
    "description": "昌邑区2025年老旧小区改造的资金拨付文件",
    "provision_form": "paper",
    "provision_channel": "post",
}


def test_registration_by_post_needs_the_signed_for_date(login, users, tree):
    client = login(users["clerk_a"])
    form = page(client.get(url("register")))
    assert "签收之日" in form and "与申请人确认之日" in form  # Art. 31 next to the date field
    missing = client.post(
        url("register"), {**REGISTRATION, "department": tree["dept_a"].pk, "channel": "post"}
    )
    assert missing.status_code == 400 and "须填写签收日" in page(missing)
    future = client.post(
        url("register"),
        {**REGISTRATION, "department": tree["dept_a"].pk, "channel": "fax", "received_on": "2026-06-02"},
    )
    assert future.status_code == 400 and "不能晚于今天" in page(future)
    assert not Application.objects.exists()
    response = client.post(
        url("register"),
        {**REGISTRATION, "department": tree["dept_a"].pk, "channel": "post", "received_on": "2026-05-29"},
    )
    assert response.status_code == 200
    application = Application.objects.get()
    assert application.channel == "post" and application.received_on == datetime.date(2026, 5, 29)
    assert application.registered_by == users["clerk_a"]
    html = page(response)
    assert application.tracking_number in html and "查询码" in html
    assert "no-store" in response["Cache-Control"]


def test_registration_in_person_defaults_to_today_and_incomplete_gets_the_correction(login, users, tree):
    client = login(users["office"])
    response = client.post(
        url("register"),
        {**REGISTRATION, "description": "", "department": tree["dept_b"].pk, "channel": "in_person"},
    )
    assert response.status_code == 200
    application = Application.objects.get()
    assert application.received_on == datetime.date(2026, 6, 1)
    assert application.status == Status.CORRECTION and "自动发出补正告知" in page(response)


def test_a_clerk_registers_only_for_their_department(login, users, tree):
    client = login(users["clerk_a"])
    response = client.post(
        url("register"), {**REGISTRATION, "department": tree["dept_b"].pk, "channel": "in_person"}
    )
    assert response.status_code == 400
    assert not Application.objects.exists()


# --- Letters --------------------------------------------------------------------------------------


def test_letters_download_and_the_reply_letter_is_made_again_when_missing(login, users, walk_application):
    application = walk_application("replied")
    client = login(users["clerk_a"])
    html = page(client.get(url("application", application.pk)))
    assert url("letter", application.pk, "reply", "pdf") in html
    assert url("letter", application.pk, "receipt", "docx") in html
    reply = Reply.objects.get(application=application)
    reply.letter_docx.delete(save=True)
    docx = client.get(url("letter", application.pk, "reply", "docx"))
    assert docx.status_code == 200
    assert (
        docx["Content-Disposition"].startswith("attachment;")
        and application.tracking_number in docx["Content-Disposition"]
    )
    assert docx.content[:2] == b"PK"
    reply.refresh_from_db()
    assert reply.letter_docx  # stored again
    receipt = client.get(url("letter", application.pk, "receipt", "docx"))
    assert receipt.status_code == 200 and receipt.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="disclosure_letter.downloaded").count() == 2
    assert client.get(url("letter", application.pk, "fee", "docx")).status_code == 404  # no fee notice
    assert client.get(url("letter", application.pk, "nonsense", "docx")).status_code == 404
    assert client.get(url("letter", application.pk, "receipt", "exe")).status_code == 404


# --- Review cases (Table 4) -------------------------------------------------------------------------


def test_review_cases_add_edit_and_isolation(login, users, walk_application, tree):
    application = walk_application("replied")
    clerk = login(users["clerk_a"])
    bad = clerk.post(
        url("case_add"),
        {
            "department": tree["dept_a"].pk,
            "kind": "reconsideration",
            "body": "吉林市人民政府",
            "filed_on": "2026-06-01",
            "tracking_number": "YSQ2026-999999",
            "outcome": "upheld",
        },
    )
    assert bad.status_code == 400
    html = page(bad)
    assert "找不到该申请编号" in html and "已审结的案件须填写审结日期" in html
    ok = clerk.post(
        url("case_add"),
        {
            "department": tree["dept_a"].pk,
            "kind": "reconsideration",
            "body": "吉林市人民政府",
            "case_number": "吉市府复〔2026〕3号",
            "filed_on": "2026-06-01",
            "tracking_number": application.tracking_number,
            "outcome": "pending",
        },
    )
    assert ok.status_code == 302, page(ok)
    case = ReviewCase.objects.get()
    assert case.application == application and case.created_by == users["clerk_a"]
    listing = page(clerk.get(url("cases")))
    assert "吉市府复〔2026〕3号" in listing and application.tracking_number in listing
    edited = clerk.post(
        url("case_edit", case.pk),
        {
            "department": tree["dept_a"].pk,
            "kind": "reconsideration",
            "body": "吉林市人民政府",
            "case_number": "吉市府复〔2026〕3号",
            "filed_on": "2026-06-01",
            "tracking_number": application.tracking_number,
            "outcome": "corrected",
            "concluded_on": "2026-06-01",
        },
    )
    assert edited.status_code == 302
    case.refresh_from_db()
    assert case.outcome == "corrected" and case.concluded_on == datetime.date(2026, 6, 1)
    assert url("case_edit", case.pk) not in page(clerk.get(url("cases"), {"kind": "litigation_direct"}))
    assert url("case_edit", case.pk) in page(clerk.get(url("cases"), {"outcome": "corrected"}))
    other = login(users["clerk_b"])
    assert url("case_edit", case.pk) not in page(other.get(url("cases")))
    assert other.get(url("case_edit", case.pk)).status_code == 404
