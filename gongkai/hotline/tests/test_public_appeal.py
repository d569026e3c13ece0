"""Filing an appeal or a mailbox letter through the public form."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongkai.hotline import services
from gongkai.hotline.models import Attachment, Channel, WorkOrder
from gongkai.hotline.public_forms import new_form_token

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def appeal(**overrides):
    data = {
        "caller_name": "王大妈",
        "caller_phone": "138 1234 5678",
        "caller_email": "",
        "order_type": "help",
        "category": "",
        "area": "",
        "location": "昌邑区延安街道某小区",
        "title": "楼道灯不亮",
        "content": "我家楼道的灯坏了一个月，晚上上下楼很危险，请帮忙修一下。",
        "privacy_ack": "on",
        "homepage": "",
        "form_token": new_form_token(),
    }
    data.update(overrides)
    return data


def post(client, data, *, url="hotline_public:new", ip="10.0.0.1", files=None):
    payload = dict(data)
    if files is not None:
        payload["attachments"] = files
    return client.post(reverse(url), payload, REMOTE_ADDR=ip)


def test_filing_creates_one_order_and_shows_number_and_code(client):
    response = post(client, appeal())
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.channel == Channel.WEB
    assert order.caller_phone == "13812345678"
    assert response["Location"] == reverse("hotline_public:filed", args=[order.tracking_number])
    page = client.get(response["Location"]).content.decode()
    assert order.tracking_number in page
    assert "请记下受理编号和查询码" in page
    code = re.search(r'id="query-code" class="hl-code">(\d{6})<', page).group(1)
    assert code not in response["Location"]
    # The code on the page is the order's real query code.
    assert services.public_lookup(order.tracking_number, code) == order


def test_same_form_twice_yields_one_order(client):
    data = appeal()
    first = post(client, data)
    second = post(client, data)
    assert WorkOrder.objects.count() == 1
    assert first["Location"] == second["Location"]
    page = client.get(second["Location"]).content.decode()
    assert "已经提交过" in page
    # The code is still shown to the browser that filed it (within the short window).
    assert 'id="query-code"' in page


def test_query_code_only_in_the_filing_session(client, django_user_model):
    response = post(client, appeal())
    from django.test import Client

    other = Client()
    page = other.get(response["Location"])
    assert page.status_code == 404
    assert 'id="query-code"' not in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"caller_phone": "12345"}, "请填写正确的11位手机号码"),
        ({"caller_phone": "0432-62012345"}, "请填写正确的11位手机号码"),
        ({"caller_phone": ""}, "请填写手机号码"),
        ({"content": "长" * 5001}, "反映内容不能超过 5000 个字"),
        ({"content": ""}, "请填写反映内容"),
        ({"title": "标" * 201}, "标题不能超过 200 个字"),
        ({"caller_email": "not-an-email"}, "电子邮箱格式不正确"),
        ({"privacy_ack": ""}, "请阅读个人信息保护说明并勾选"),
        ({"order_type": "nonsense"}, "请选择诉求类型"),
        ({"content": "坏字符\x07"}, "无法识别的字符"),
        ({"area": "d:²"}, "所选区县或街道"),
        ({"area": "s:" + "9" * 40}, "所选区县或街道"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(client, overrides, message):
    response = post(client, appeal(**overrides))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert 'role="alert"' in body
    assert WorkOrder.objects.count() == 0


def test_attachment_type_is_checked_by_content(client):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is a windows program", content_type="image/jpeg")
    response = post(client, appeal(), files=[fake])
    assert response.status_code == 400
    assert "类型不允许" in response.content.decode()
    assert WorkOrder.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_too_many_attachments_are_refused(client):
    files = [SimpleUploadedFile(f"p{i}.png", PNG, content_type="image/png") for i in range(6)]
    response = post(client, appeal(), files=files)
    assert response.status_code == 400
    assert "附件最多 5 个" in response.content.decode()
    assert WorkOrder.objects.count() == 0


def test_good_attachment_is_stored(client):
    response = post(client, appeal(), files=[SimpleUploadedFile("灯.png", PNG, content_type="image/png")])
    assert response.status_code == 302
    attachment = WorkOrder.objects.get().attachments.get()
    assert attachment.content_type == "image/png"


def test_honeypot_stores_nothing(client):
    response = post(client, appeal(homepage="http://spam.example"))
    assert response.status_code == 400
    assert WorkOrder.objects.count() == 0


def test_forged_or_missing_token_stores_nothing_and_keeps_the_text(client):
    response = post(client, appeal(form_token="forged"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "页面已过期" in body
    assert "楼道灯不亮" in body
    assert WorkOrder.objects.count() == 0


def test_rate_limit_per_phone(client):
    for i in range(5):
        assert post(client, appeal(), ip=f"10.0.1.{i}").status_code == 302
    response = post(client, appeal(), ip="10.0.2.1")
    assert response.status_code == 429
    assert "同一手机号码每天最多在网上提交 5 件诉求" in response.content.decode()
    assert WorkOrder.objects.count() == 5
    # Another number is not affected.
    assert post(client, appeal(caller_phone="13900000000"), ip="10.0.2.1").status_code == 302


def test_rate_limit_per_address(client, settings):
    settings.GONGKAI_HOTLINE_RATE_LIMITS = {"appeal-ip": (3, 3600)}
    for i in range(3):
        assert post(client, appeal(caller_phone=f"1390000000{i}")).status_code == 302
    response = post(client, appeal(caller_phone="13900000009"))
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert WorkOrder.objects.count() == 3
    assert post(client, appeal(caller_phone="13900000009"), ip="10.9.9.9").status_code == 302


def test_refused_submissions_do_not_use_up_the_limit(client):
    for _ in range(6):
        post(client, appeal(caller_phone="13812345678", content=""))
    assert post(client, appeal()).status_code == 302


def test_mailbox_letter_keeps_consent(client):
    response = post(client, appeal(consent_to_publish="on", confidential=""), url="hotline_public:mailbox")
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.channel == Channel.MAILBOX
    assert order.consent_to_publish is True


def test_mailbox_letter_needs_a_title(client):
    response = post(client, appeal(title=""), url="hotline_public:mailbox")
    assert response.status_code == 400
    assert "请填写标题" in response.content.decode()


def test_web_appeal_ignores_consent_and_takes_title_from_content(client):
    post(client, appeal(title="", consent_to_publish="on"))
    order = WorkOrder.objects.get()
    assert order.consent_to_publish is False
    assert order.title.startswith("我家楼道的灯坏了")


def test_category_and_area_reach_the_order(client, tree):
    from gongkai.hotline.models import RoutingCategory

    category = RoutingCategory.objects.get(code="ludeng")
    page = client.get(reverse("hotline_public:new")).content.decode()
    assert "<optgroup" in page and "路灯" in page and "延安街道办事处" in page
    response = post(client, appeal(category=str(category.pk), area=f"s:{tree['street'].pk}"))
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.category == category
    assert order.street == tree["street"]
    assert order.district == tree["district"]


def test_form_page_is_accessible_markup(client):
    response = client.get(reverse("hotline_public:new"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'for="id_caller_phone"' in body
    assert 'aria-describedby="id_caller_phone_helptext"' in body
    assert "csrfmiddlewaretoken" in body
    assert 'name="form_token"' in body
