"""Two-factor login: required for county roles and administrators, optional for others;
enrolment with a QR code, recovery codes shown once, demo secrets, and role changes."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangxin.accounts import services
from liangxin.accounts.roles import Role
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.security import login_flow, twofactor
from liangxin.security.testing import code_for, give_totp
from liangxin.testing.factories import PASSWORD

LOGIN = "/accounts/login/"
VERIFY = "/security/2fa/verify/"
SETUP = "/security/2fa/setup/"


def password_step(client, user, password=PASSWORD):
    return client.post(LOGIN, {"username": user.username, "password": password})


@pytest.mark.parametrize("name", ["alice", "lily", "sysadm", "secadm", "auditor"])
def test_county_roles_and_administrators_must_enrol(client, request, name):
    user = request.getfixturevalue(name)
    response = password_step(client, user)
    assert response["Location"] == SETUP
    assert "_auth_user_id" not in client.session  # nobody is logged in between the steps
    # Any other page is still closed.
    assert client.get("/accounts/users/")["Location"].startswith(LOGIN)


@pytest.mark.parametrize("name", ["bob", "dave", "sam"])
def test_others_log_in_with_the_password_alone(client, request, name):
    user = request.getfixturevalue(name)
    response = password_step(client, user)
    landing = "/todo/" if name != "sam" else user.party_organization.get_absolute_url()
    assert response.status_code == 302 and response["Location"] == landing
    assert "_auth_user_id" in client.session


def test_enrolment_shows_a_qr_code_and_the_secret_and_confirms_with_a_code(client, alice):
    password_step(client, alice)
    response = client.get(SETUP)
    assert response.status_code == 200
    content = response.content.decode()
    qr = response.context["qr"]
    assert qr.startswith("data:image/svg+xml;base64,") and f'src="{qr}"' in content
    assert b"<svg" in base64.b64decode(qr.split(",", 1)[1])
    secret = response.context["secret"]
    assert secret in content and len(secret) == 32
    # Reloading shows the same secret (the one just scanned).
    assert client.get(SETUP).context["secret"] == secret
    device = TOTPDevice.objects.get(user=alice)
    assert not device.confirmed

    response = client.post(SETUP, {"code": "123456" if code_for(device) != "123456" else "654321"})
    assert "验证码不正确" in response.content.decode() and "_auth_user_id" not in client.session

    device.throttle_reset()
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    assert "只显示这一次" in response.content.decode()
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    device.refresh_from_db()
    assert device.confirmed
    record = AuditRecord.objects.get(action=twofactor.AUDIT_ENROL, object_id=str(alice.pk))
    assert record.changes == {"two_factor": [False, True], "recovery_codes": [None, 10]}
    login = AuditRecord.objects.get(action=AuditAction.LOGIN)
    assert login.changes == {"two_factor": [None, "totp"]}
    # Recovery codes are never shown again.
    assert not any(code in client.get("/security/2fa/").content.decode() for code in codes)


def test_an_enrolled_account_is_asked_for_its_code(client, alice):
    device = give_totp(alice)
    assert password_step(client, alice)["Location"] == VERIFY
    response = client.post(VERIFY, {"code": "not-a-code"})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditRecord.objects.filter(action=AuditAction.LOGIN_FAILED, object_repr="alice").count() == 1
    device.throttle_reset()
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/coverage/"
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_a_code_cannot_be_used_twice(client, alice):
    device = give_totp(alice)
    code = code_for(device)
    password_step(client, alice)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.logout()
    password_step(client, alice)
    assert client.post(VERIFY, {"code": code}).status_code == 200


def test_a_recovery_code_works_once(client, alice):
    device = give_totp(alice)
    codes = twofactor._new_recovery_codes(alice)
    password_step(client, alice)
    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)
    assert "还剩 9 个" in response.content.decode()
    assert AuditRecord.objects.get(action=AuditAction.LOGIN).changes == {"two_factor": [None, "static"]}
    client.logout()
    device.throttle_reset()
    password_step(client, alice)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 200
    assert StaticToken.objects.filter(device__user=alice).count() == 9


def test_the_code_step_expires(client, settings, alice):
    give_totp(alice)
    password_step(client, alice)
    session = client.session
    session[login_flow.PENDING_KEY]["at"] = time.time() - settings.OTP_PENDING_SECONDS - 1
    session.save()
    response = client.get(VERIFY)
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_the_code_step_without_a_password_step_goes_to_login(client, db):
    assert client.get(VERIFY)["Location"] == LOGIN
    assert client.post(SETUP, {"code": "123456"})["Location"] == LOGIN


def test_a_disabled_account_between_the_steps_is_refused(client, alice, sysadm):
    device = give_totp(alice)
    password_step(client, alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert client.post(VERIFY, {"code": code_for(device)})["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_optional_enrolment_for_a_clerk_then_codes_at_login(client, bob):
    client.force_login(bob)
    assert "未启用" in client.get("/security/2fa/").content.decode()
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=bob)
    response = client.post(SETUP, {"code": code_for(device)})
    assert len(response.context["codes"]) == 10
    assert client.session["otp_device_id"] == device.persistent_id
    client.logout()
    assert password_step(client, bob)["Location"] == VERIFY


def test_a_clerk_may_turn_it_off_with_the_password(client, bob):
    give_totp(bob)
    client.force_login(bob)
    response = client.post("/security/2fa/disable/", {"password": "wrong"}, follow=True)
    assert "密码不正确" in response.content.decode() and twofactor.is_enabled(bob)
    response = client.post("/security/2fa/disable/", {"password": PASSWORD}, follow=True)
    assert "已关闭" in response.content.decode() and not twofactor.is_enabled(bob)
    assert AuditRecord.objects.filter(changes__two_factor=[True, False]).count() == 1


def test_a_required_role_cannot_turn_it_off(client, alice):
    give_totp(alice)
    client.force_login(alice)
    response = client.get("/security/2fa/")
    assert "不能关闭" in response.content.decode() and "/security/2fa/disable/" not in response.content.decode()
    client.post("/security/2fa/disable/", {"password": PASSWORD})
    assert twofactor.is_enabled(alice)
    with pytest.raises(ServiceError):
        twofactor.disable(user=alice, password=PASSWORD)


def test_recovery_codes_can_be_regenerated(client, alice):
    give_totp(alice)
    old = twofactor._new_recovery_codes(alice)
    client.force_login(alice)
    response = client.post("/security/2fa/recovery-codes/")
    new = response.context["codes"]
    assert len(new) == 10 and not set(old) & set(new)
    assert set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True)) == set(new)


# --- Role changes ---------------------------------------------------------------------------------


def test_a_role_change_ends_the_open_session(client, bob, secadm):
    client.force_login(bob)
    assert client.get("/registry/organizations/").status_code == 200
    services.assign_role(by=secadm, target=bob, role=Role.COUNTY_ADMIN)
    response = client.get("/registry/organizations/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "角色或管理范围已变更" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Now a county administrator, bob must enrol before getting in again.
    assert password_step(client, bob)["Location"] == SETUP


def test_a_scope_change_ends_the_open_session_too(client, bob, secadm, township_b):
    client.force_login(bob)
    services.assign_role(by=secadm, target=bob, role=Role.TOWNSHIP_CLERK, township=township_b)
    assert client.get("/registry/organizations/")["Location"].startswith(LOGIN)


@pytest.mark.parametrize("name", ["alice", "lily", "sysadm", "secadm", "auditor"])
def test_nobody_removes_their_own_two_factor_requirement_by_a_role_change(request, name):
    user = request.getfixturevalue(name)
    with pytest.raises(ServiceError):
        services.assign_role(by=user, target=user, role=Role.DEPARTMENT_CLERK)
    user.refresh_from_db()
    assert twofactor.required_for(user)


def test_the_security_administrator_cannot_take_his_own_requirement_off_through_a_peer(secadm):
    """Another security administrator could change his role; an account cannot create one
    (accounts are created without a role, and roles are assigned only by a security
    administrator, never to oneself)."""
    from liangxin.accounts.roles import may_assign_role, may_create_accounts

    assert not may_create_accounts(Role.SEC_ADMIN)
    assert not may_assign_role(Role.SEC_ADMIN, is_self=True)


def test_the_code_box_brings_up_the_numeric_keypad_and_a_recovery_code_has_its_own_box(client, alice):
    give_totp(alice)
    codes = twofactor._new_recovery_codes(alice)
    password_step(client, alice)
    page = client.get(VERIFY).content.decode()
    code_box = re.search(r'<input[^>]*name="code"[^>]*>', page)
    assert code_box is not None
    assert 'inputmode="numeric"' in code_box[0] and 'autocomplete="one-time-code"' in code_box[0]
    recovery_box = re.search(r'<input[^>]*name="recovery"[^>]*>', page)
    assert recovery_box is not None and "inputmode" not in recovery_box[0]
    assert "请输入验证器上的 6 位数字" in client.post(VERIFY, {"code": "", "recovery": ""}).content.decode()
    response = client.post(VERIFY, {"code": "", "recovery": codes[1]})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)
