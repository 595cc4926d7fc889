"""Five failed logins lock the account name, and separately the address, for 15 minutes; the
security administrator sees and lifts lockouts (audited); nobody else sees the page."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.security import lockouts
from liangxin.security.testing import give_totp
from liangxin.testing.factories import PASSWORD

LOGIN = "/accounts/login/"
LOCKOUTS = "/security/lockouts/"
LOCKED_TEXT = "已被锁定 15 分钟"


def fail(client, username, addr="10.0.0.1", times=1):
    response = None
    for _n in range(times):
        response = client.post(LOGIN, {"username": username, "password": "wrong-password-1"}, REMOTE_ADDR=addr)
    return response


def age_attempts(minutes):
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=minutes))


def test_four_failures_do_not_lock(client, axes_on, bob):
    response = fail(client, "bob", times=4)
    assert response.status_code == 200 and LOCKED_TEXT not in response.content.decode()
    response = client.post(LOGIN, {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert not AccessAttempt.objects.exists()  # a success clears the count


def test_fifth_failure_locks_the_account_for_15_minutes(client, axes_on, bob):
    response = fail(client, "bob", times=5)
    assert response.status_code == 429
    content = response.content.decode()
    assert "连续 5 次登录失败" in content and LOCKED_TEXT in content and "安全管理员" in content
    assert 'name="username"' in content  # the login page, with the message above the form
    # The right password does not help while locked, from any address.
    response = client.post(LOGIN, {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # Case and spaces do not make another account name.
    assert client.post(LOGIN, {"username": " BOB", "password": PASSWORD}, REMOTE_ADDR="10.9.9.8").status_code == 429
    age_attempts(14)
    assert client.post(LOGIN, {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9").status_code == 429
    age_attempts(16)
    response = client.post(LOGIN, {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_five_failures_from_one_address_lock_the_address(client, axes_on, bob, carol):
    for name in ("u1", "u2", "u3", "u4", "u5"):
        fail(client, name, addr="10.0.0.7")
    response = client.post(LOGIN, {"username": "carol", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 429
    # Another address is not affected.
    response = client.post(LOGIN, {"username": "carol", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 302


def test_wrong_second_factor_codes_count_too(client, axes_on, alice):
    give_totp(alice)
    for _n in range(5):
        response = client.post(LOGIN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.3")
        assert response["Location"] == "/security/2fa/verify/"
        response = client.post("/security/2fa/verify/", {"code": "000000"}, REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    failed = AuditRecord.objects.filter(action=AuditAction.LOGIN_FAILED, object_repr="alice")
    assert failed.count() == 5 and all(r.changes == {"step": [None, "two_factor"]} for r in failed)


def test_failures_are_audited(client, axes_on, bob):
    fail(client, "bob", times=2, addr="10.1.1.1")
    assert AuditRecord.objects.filter(action=AuditAction.LOGIN_FAILED, object_repr="bob").count() == 2


@pytest.mark.parametrize("name", ["alice", "bob", "lily", "sam", "dave", "sysadm", "auditor"])
def test_only_the_security_administrator_sees_lockouts(client, request, name):
    client.force_login(request.getfixturevalue(name))
    assert client.get(LOCKOUTS).status_code == 403
    response = client.post(f"{LOCKOUTS}unlock/", {"kind": "username", "value": "bob"})
    assert response.status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(LOCKOUTS)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_security_administrator_sees_and_lifts_a_lockout(client, axes_on, bob, secadm):
    fail(client, "bob", times=5, addr="10.0.0.1")
    admin = client.__class__()
    admin.force_login(secadm)
    response = admin.get(LOCKOUTS)
    assert response.status_code == 200
    locks = {(lock.kind, lock.value) for lock in response.context["lockouts"]}
    assert locks == {("username", "bob"), ("ip_address", "10.0.0.1")}
    content = response.content.decode()
    assert "bob" in content and "10.0.0.1" in content and "解除锁定" in content

    response = admin.post(f"{LOCKOUTS}unlock/", {"kind": "username", "value": "bob"}, REMOTE_ADDR="10.5.5.5")
    assert response.status_code == 302
    record = AuditRecord.objects.get(action=lockouts.AUDIT_UNLOCK, object_id=str(bob.pk))
    assert record.actor == secadm and record.remote_addr == "10.5.5.5"
    assert record.changes == {
        "login_lockout": ["locked", "unlocked"],
        "lockout_by": [None, "username"],
        "failures": [5, 0],
    }
    # The address lock was cleared with bob's rows (they were the same attempts): bob logs in.
    response = client.post(LOGIN, {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302


def test_unlocking_nothing_says_so_and_writes_nothing(client, secadm):
    client.force_login(secadm)
    before = AuditRecord.objects.count()
    response = client.post(f"{LOCKOUTS}unlock/", {"kind": "username", "value": "nobody"}, follow=True)
    assert "该锁定已不存在" in response.content.decode()
    response = client.post(f"{LOCKOUTS}unlock/", {"kind": "evil", "value": "x"}, follow=True)
    assert "请选择要解除的锁定" in response.content.decode()
    assert AuditRecord.objects.count() == before
