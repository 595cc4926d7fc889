"""Each security event writes exactly one audit record with its own action, and no secret: not
the TOTP key, not a code, not a recovery code, not a password."""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangxin.audit.models import AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.security import lockouts, twofactor
from liangxin.security.testing import code_for, give_totp
from liangxin.testing.factories import PASSWORD

LOCKOUTS = "/security/lockouts/"


def only_record(action: str) -> AuditRecord:
    records = list(AuditRecord.objects.filter(action=action))
    assert len(records) == 1, [r.action for r in AuditRecord.objects.all()]
    return records[0]


def assert_no_secret(record: AuditRecord, *secrets: str) -> None:
    text = json.dumps(record.changes, ensure_ascii=False).lower()
    for secret in secrets:
        assert secret and secret.lower() not in text


def test_enrolment_is_audited_once_without_the_secret_or_codes(alice):
    device = twofactor.start_enrolment(user=alice)
    code = code_for(device)
    codes = twofactor.confirm_enrolment(user=alice, device=device, code=code, remote_addr="10.1.1.1")
    record = only_record(twofactor.AUDIT_ENROL)
    assert record.actor == alice and record.object_id == str(alice.pk) and record.remote_addr == "10.1.1.1"
    assert record.changes == {"two_factor": [False, True], "recovery_codes": [None, len(codes)]}
    assert_no_secret(record, device.key, twofactor.secret_base32(device), code, *codes)


def test_regenerating_recovery_codes_is_audited_once(alice):
    give_totp(alice)
    old = twofactor._new_recovery_codes(alice)
    StaticToken.objects.filter(token=old[0]).delete()
    codes = twofactor.regenerate_recovery_codes(user=alice)
    record = only_record(twofactor.AUDIT_CODES_RENEWED)
    assert record.changes == {"recovery_codes": [len(old) - 1, len(codes)]}
    assert_no_secret(record, *old, *codes)


def test_using_a_recovery_code_is_audited_once_without_the_code(alice):
    give_totp(alice)
    codes = twofactor._new_recovery_codes(alice)
    verified = twofactor.verify(user=alice, code=codes[3], remote_addr="10.2.2.2")
    assert verified is not None and verified.recovery
    record = only_record(twofactor.AUDIT_RECOVERY_USED)
    assert record.actor == alice and record.remote_addr == "10.2.2.2"
    assert record.changes == {"recovery_codes": [len(codes), len(codes) - 1]}
    assert_no_secret(record, *codes)
    # A wrong code, or the app's code, is no recovery-code use.
    assert twofactor.verify(user=alice, code=codes[3]) is None
    device = TOTPDevice.objects.get(user=alice)
    assert twofactor.verify(user=alice, code=code_for(device)) is not None
    assert AuditRecord.objects.filter(action=twofactor.AUDIT_RECOVERY_USED).count() == 1


def test_a_recovery_code_at_login_writes_its_record(client, alice):
    give_totp(alice)
    codes = twofactor._new_recovery_codes(alice)
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert client.post("/security/2fa/verify/", {"code": codes[0]}).status_code == 302
    assert_no_secret(only_record(twofactor.AUDIT_RECOVERY_USED), *codes)


def test_disabling_is_audited_once_without_the_password(bob):
    give_totp(bob)
    twofactor._new_recovery_codes(bob)
    twofactor.disable(user=bob, password=PASSWORD)
    record = only_record(twofactor.AUDIT_DISABLE)
    assert record.changes == {"two_factor": [True, False]}
    assert_no_secret(record, PASSWORD)


def test_the_security_administrator_resets_two_factor_once(client, secadm, alice):
    device = give_totp(alice)
    codes = twofactor._new_recovery_codes(alice)
    client.force_login(secadm)
    response = client.post(f"{LOCKOUTS}reset-2fa/", {"username": "ALICE"}, REMOTE_ADDR="10.3.3.3", follow=True)
    assert "已重置 alice 的两步验证" in response.content.decode()
    assert not twofactor.is_enabled(alice) and twofactor.recovery_codes_left(alice) == 0
    record = only_record(twofactor.AUDIT_RESET)
    assert record.actor == secadm and record.object_id == str(alice.pk) and record.remote_addr == "10.3.3.3"
    assert record.changes == {"two_factor": [True, False]}
    assert_no_secret(record, device.key, *codes)
    # Nothing left to reset: said so, nothing written.
    response = client.post(f"{LOCKOUTS}reset-2fa/", {"username": "alice"}, follow=True)
    assert "无需重置" in response.content.decode()
    response = client.post(f"{LOCKOUTS}reset-2fa/", {"username": "nobody"}, follow=True)
    assert "没有账号" in response.content.decode()
    assert AuditRecord.objects.filter(action=twofactor.AUDIT_RESET).count() == 1


@pytest.mark.parametrize("who", ["alice", "sysadm", "bob"])
def test_only_the_security_administrator_resets_two_factor(client, request, who, secadm, bob):
    give_totp(bob)
    user = request.getfixturevalue(who)
    with pytest.raises(ServiceError):
        twofactor.reset(by=user, target=bob)
    client.force_login(user)
    assert client.post(f"{LOCKOUTS}reset-2fa/", {"username": "bob"}).status_code == 403
    assert twofactor.is_enabled(bob)
    assert not AuditRecord.objects.filter(action=twofactor.AUDIT_RESET).exists()


def test_the_security_administrator_cannot_reset_his_own(secadm):
    give_totp(secadm)
    with pytest.raises(ServiceError, match="只有安全管理员"):
        twofactor.reset(by=secadm, target=secadm)
    assert twofactor.is_enabled(secadm)


def test_unlocking_is_audited_once(secadm, bob):
    for agent in ("a", "b"):
        AccessAttempt.objects.create(
            username="bob",
            ip_address="10.0.0.9",
            user_agent=agent,
            http_accept="*/*",
            path_info="/accounts/login/",
            get_data="",
            post_data="username=bob&password=********",
            failures_since_start=3,
            attempt_time=timezone.now(),
        )
    assert lockouts.unlock(by=secadm, kind=lockouts.BY_USERNAME, value="bob", remote_addr="10.4.4.4") == 2
    record = only_record(lockouts.AUDIT_UNLOCK)
    assert record.actor == secadm and record.object_id == str(bob.pk) and record.remote_addr == "10.4.4.4"
    assert record.changes == {
        "login_lockout": ["locked", "unlocked"],
        "lockout_by": [None, "username"],
        "failures": [6, 0],
    }
    assert_no_secret(record, PASSWORD, "post_data")
