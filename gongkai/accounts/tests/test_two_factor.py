"""TOTP two-factor for staff: enforcement, set-up with QR code, verification, backup codes, throttling."""

import time

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongkai.accounts import otp

ADMIN = "/admin/"


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def staff(users):
    return users["handler_a"]


@pytest.fixture
def device(staff):
    return TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def required():
    with override_settings(GONGKAI_REQUIRE_2FA=True):
        yield


def test_without_the_setting_staff_without_device_enter_directly(staff_client):
    assert staff_client.get(ADMIN).status_code == 200


@pytest.mark.usefixtures("required")
def test_staff_without_device_are_sent_to_setup(staff_client):
    response = staff_client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:2fa_setup')}?next=%2Fadmin%2F"


@pytest.mark.usefixtures("required", "device")
def test_staff_with_device_are_sent_to_verify(staff_client):
    response = staff_client.get("/admin/pages/?q=x")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:2fa_verify')}?next=%2Fadmin%2Fpages%2F%3Fq%3Dx"


@pytest.mark.usefixtures("required")
def test_django_admin_is_protected_too(client, users):
    client.force_login(users["superuser"])
    assert client.get("/django-admin/").status_code == 302


@pytest.mark.usefixtures("required", "device")
@pytest.mark.parametrize("path", ["/admin/login/", "/healthz", "/accounts/2fa/verify/", "/accounts/2fa/"])
def test_exempt_paths_stay_reachable(staff_client, path):
    response = staff_client.get(path)
    assert not (response.status_code == 302 and "/accounts/2fa/" in response.get("Location", ""))


@pytest.mark.usefixtures("required")
def test_logout_stays_reachable(staff_client):
    response = staff_client.post("/admin/logout/")
    assert response.status_code == 302
    assert "/2fa/" not in response["Location"]


@pytest.mark.usefixtures("required")
def test_valid_totp_code_lets_staff_in(staff_client, device):
    response = staff_client.post(
        reverse("accounts:2fa_verify"), {"token": current_code(device), "next": ADMIN}
    )
    assert response.status_code == 302 and response["Location"] == ADMIN
    assert staff_client.get(ADMIN).status_code == 200


@pytest.mark.usefixtures("required")
def test_wrong_code_fails(staff_client, device):
    wrong = f"{(int(current_code(device)) + 1) % 10**6:06d}"
    response = staff_client.post(reverse("accounts:2fa_verify"), {"token": wrong, "next": ADMIN})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert staff_client.get(ADMIN).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


@pytest.mark.usefixtures("required")
def test_failures_throttle_even_the_right_code(staff_client, device, time_machine):
    time_machine.move_to(time.time(), tick=False)
    for _ in range(3):
        staff_client.post(reverse("accounts:2fa_verify"), {"token": "000000"})
    response = staff_client.post(reverse("accounts:2fa_verify"), {"token": current_code(device)})
    assert response.status_code == 200
    assert "错误次数过多" in response.content.decode()
    # After the throttle delay (2 ** (failures - 1) seconds) the right code works again.
    time_machine.shift(10)
    response = staff_client.post(
        reverse("accounts:2fa_verify"), {"token": current_code(device), "next": ADMIN}
    )
    assert response.status_code == 302


@pytest.mark.usefixtures("required", "device")
def test_backup_code_works_once(client, staff):
    (code, *_rest) = otp.backup_codes_generate(user=staff)
    client.force_login(staff)
    response = client.post(reverse("accounts:2fa_verify"), {"token": code.upper(), "next": ADMIN})
    assert response.status_code == 302 and response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200
    assert not StaticToken.objects.filter(token=code).exists()

    client.logout()
    client.force_login(staff)
    response = client.post(reverse("accounts:2fa_verify"), {"token": code, "next": ADMIN})
    assert response.status_code == 200
    assert client.get(ADMIN).status_code == 302


@pytest.mark.usefixtures("required")
def test_setup_shows_qr_code_and_secret_then_confirms_and_shows_backup_codes(staff_client, staff):
    response = staff_client.get(reverse("accounts:2fa_setup"), {"next": ADMIN})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert response.context["secret"].replace(" ", "") in html.replace(" ", "")

    response = staff_client.post(
        reverse("accounts:2fa_setup"), {"token": current_code(device), "next": ADMIN}
    )
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert otp.backup_codes_remaining(staff) == 10
    assert staff_client.get(ADMIN).status_code == 200  # the session is verified by the confirmation


@pytest.mark.usefixtures("required")
def test_setup_with_a_wrong_code_does_not_confirm(staff_client, staff):
    staff_client.get(reverse("accounts:2fa_setup"))
    response = staff_client.post(reverse("accounts:2fa_setup"), {"token": "123456"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=staff, confirmed=True).exists()


@pytest.mark.usefixtures("required", "device")
def test_a_password_alone_cannot_replace_the_device(staff_client):
    response = staff_client.get(reverse("accounts:2fa_setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:2fa_verify"))


def test_voluntary_device_is_enforced_without_the_setting(staff_client, device):
    assert staff_client.get(ADMIN).status_code == 302
    staff_client.post(reverse("accounts:2fa_verify"), {"token": current_code(device)})
    assert staff_client.get(ADMIN).status_code == 200


def test_voluntary_setup_and_disable(staff_client, staff):
    assert staff_client.get(reverse("accounts:2fa")).status_code == 200
    staff_client.get(reverse("accounts:2fa_setup"))
    device = TOTPDevice.objects.get(user=staff)
    staff_client.post(reverse("accounts:2fa_setup"), {"token": current_code(device)})
    assert otp.user_has_totp(staff)
    response = staff_client.post(reverse("accounts:2fa_disable"))
    assert response.status_code == 302
    assert not otp.user_has_totp(staff)


@pytest.mark.usefixtures("required")
def test_disable_is_refused_when_required(staff_client, staff, device):
    staff_client.post(reverse("accounts:2fa_verify"), {"token": current_code(device)})
    staff_client.post(reverse("accounts:2fa_disable"))
    assert otp.user_has_totp(staff)


@pytest.mark.usefixtures("required")
def test_api_session_needs_verification_but_public_endpoints_work(staff_client, device):
    assert staff_client.get("/api/v1/accounts/roles").status_code == 401
    assert staff_client.get("/api/v1/accounts/departments").status_code == 200
    staff_client.post(reverse("accounts:2fa_verify"), {"token": current_code(device)})
    assert staff_client.get("/api/v1/accounts/roles").status_code == 200


def test_verify_rejects_external_next(staff_client, device):
    response = staff_client.post(
        reverse("accounts:2fa_verify"), {"token": current_code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == ADMIN


def test_account_page_links_to_two_factor(staff_client):
    response = staff_client.get(reverse("wagtailadmin_account"))
    assert response.status_code == 200
    assert reverse("accounts:2fa") in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_verify_locks_the_devices_inside_its_own_transaction(device, staff):
    """Outside a test's wrapping transaction (as in a real request), PostgreSQL refuses
    SELECT … FOR UPDATE unless the verification opens its own transaction."""
    assert otp.otp_verify(user=staff, token=current_code(device)) == device
    assert otp.otp_verify(user=staff, token="000000") is None
