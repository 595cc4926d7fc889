"""Five failed logins lock the account name for 15 minutes (from anywhere, and from one address);
an address alone only at a much higher count across accounts, so one office behind one NAT
address is not locked out together. The login page says how many attempts remain. The security
administrator sees and lifts lockouts (audited) and every failed login of the last 24 hours;
nobody else sees the page."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.security import lockouts
from liangxin.security.testing import give_totp
from liangxin.testing.audit import unprotected
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


def login(client, username, addr):
    return client.post(LOGIN, {"username": username, "password": PASSWORD}, REMOTE_ADDR=addr)


def test_one_office_behind_one_address_is_not_locked_out_together(client, axes_on, bob, carol):
    """Five colleagues behind the township's NAT address each mistype four times: twenty failures
    from one address, and none of them, nor anyone else there, is locked out."""
    for name in ("u1", "u2", "u3", "u4", "u5"):
        fail(client, name, addr="10.0.0.7", times=4)
    assert login(client, "carol", "10.0.0.7").status_code == 302
    client.logout()
    assert login(client, "bob", "10.0.0.7").status_code == 302


def test_an_address_is_locked_at_its_own_much_higher_count(client, axes_on, settings, carol):
    """Credential stuffing: many account names from one address. The limit is configurable."""
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 50 and settings.AXES_FAILURE_LIMIT == 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for n in range(12):
        fail(client, f"u{n}", addr="10.0.0.7")
    response = login(client, "carol", "10.0.0.7")
    assert response.status_code == 429
    content = response.content.decode()
    assert "网络地址" in content and "12 次" in content and "15 分钟" in content
    assert login(client, "carol", "10.0.0.8").status_code == 302  # another address is not affected


def test_one_address_may_be_stopped_sooner_than_the_account(client, axes_on, settings, bob):
    """By account + address: three failures from one address stop that address for bob, while
    bob, from elsewhere, still has his account's allowance."""
    settings.AXES_FAILURE_LIMIT = 10
    settings.LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT = 3
    fail(client, "bob", addr="10.0.0.1", times=3)
    assert login(client, "bob", "10.0.0.1").status_code == 429
    assert login(client, "bob", "10.0.0.2").status_code == 302


def test_a_successful_login_does_not_reset_the_count_of_its_address(client, axes_on, settings, bob, carol):
    """One known password must not wipe the count of a stuffing attack from the same address."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for name in ("u1", "u2", "u3", "u4", "u5"):
        fail(client, name, addr="10.0.0.7")
    assert login(client, "bob", "10.0.0.7").status_code == 302
    client.logout()
    fail(client, "u6", addr="10.0.0.7")
    assert login(client, "carol", "10.0.0.7").status_code == 429


def test_the_login_page_says_how_many_attempts_remain(client, axes_on, settings, bob):
    content = client.get(LOGIN).content.decode()
    assert "再输错" not in content  # nothing failed yet
    assert "再输错 4 次,该账号将被锁定 15 分钟" in fail(client, "bob").content.decode()
    assert "再输错 1 次,该账号将被锁定 15 分钟" in fail(client, "bob", times=3).content.decode()
    # Another account at the same address has its own allowance.
    assert "再输错 4 次" in fail(client, "carol").content.decode()
    # Near the address's limit, the address's count is the one that matters.
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    content = fail(client, "dora").content.decode()
    assert "您所在的网络地址再登录失败 2 次,将被暂停登录 15 分钟" in content


def test_the_second_step_says_how_many_attempts_remain(client, axes_on, alice):
    give_totp(alice)
    client.post(LOGIN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.3")
    response = client.post("/security/2fa/verify/", {"code": "000000"}, REMOTE_ADDR="10.0.0.3")
    assert "再输错 4 次,该账号将被锁定 15 分钟" in response.content.decode()


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
    locks = {(lock.kind, lock.value, lock.failures) for lock in response.context["lockouts"]}
    assert locks == {("username", "bob", 5), ("username_ip_address", "bob @ 10.0.0.1", 5)}
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
    # Both locks were bob's rows: bob logs in from that address.
    assert not lockouts.current_lockouts()
    assert login(client, "bob", "10.0.0.1").status_code == 302


def test_an_address_lock_is_listed_and_lifted(client, axes_on, settings, secadm, carol):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for n in range(6):
        fail(client, f"u{n}", addr="10.0.0.9")
    admin = client.__class__()
    admin.force_login(secadm)
    locks = admin.get(LOCKOUTS).context["lockouts"]
    assert [(lock.kind, lock.unlock_kind, lock.unlock_value) for lock in locks] == [
        ("ip_address", "ip_address", "10.0.0.9")
    ]
    admin.post(f"{LOCKOUTS}unlock/", {"kind": "ip_address", "value": "10.0.0.9"})
    assert login(client, "carol", "10.0.0.9").status_code == 302


def test_the_failed_login_list_keeps_failures_a_success_followed(client, axes_on, bob, secadm):
    """django-axes deletes its rows on success; the list reads the audit log, and says when the
    account then logged in — a run of failures then a success may be a guessed password."""
    fail(client, "bob", times=3, addr="10.0.0.1")
    fail(client, "Nobody", times=1, addr="10.0.0.2")
    assert login(client, "bob", "10.0.0.1").status_code == 302
    assert not AccessAttempt.objects.filter(username="bob").exists()
    admin = client.__class__()
    admin.force_login(secadm)
    response = admin.get(LOCKOUTS)
    rows = {(r.username, r.address): r for r in response.context["failures"]}
    assert set(rows) == {("bob", "10.0.0.1"), ("Nobody", "10.0.0.2")}
    assert rows["bob", "10.0.0.1"].failures == 3 and rows["bob", "10.0.0.1"].later_login is not None
    assert rows["Nobody", "10.0.0.2"].failures == 1 and rows["Nobody", "10.0.0.2"].later_login is None
    content = response.content.decode()
    assert "之后登录成功" in content and "Nobody" in content
    # Older than 24 hours: gone from the list.
    with unprotected():  # the records are made older, as the clock would
        AuditRecord.objects.filter(action=AuditAction.LOGIN_FAILED).update(at=timezone.now() - dt.timedelta(hours=25))
    assert admin.get(LOCKOUTS).context["failures"] == []


def test_unlocking_nothing_says_so_and_writes_nothing(client, secadm):
    client.force_login(secadm)
    before = AuditRecord.objects.count()
    response = client.post(f"{LOCKOUTS}unlock/", {"kind": "username", "value": "nobody"}, follow=True)
    assert "该锁定已不存在" in response.content.decode()
    response = client.post(f"{LOCKOUTS}unlock/", {"kind": "evil", "value": "x"}, follow=True)
    assert "请选择要解除的锁定" in response.content.decode()
    assert AuditRecord.objects.count() == before
