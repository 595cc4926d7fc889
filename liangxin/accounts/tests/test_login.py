"""Login page (demo table only in demo mode), and the audit of logins, failures and logouts."""

from __future__ import annotations

from django.urls import reverse

from liangxin.accounts import services
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.security.testing import login_with_totp
from liangxin.testing.factories import PASSWORD

LOGIN = "/accounts/login/"


def test_login_url_is_the_one_settings_point_to():
    assert reverse("accounts:login") == LOGIN


def test_anonymous_visitor_is_sent_to_login_with_next(client):
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/accounts/users/"


def test_login_is_audited_with_the_remote_address(client, sysadm):
    # Administrators log in with a second factor (security.login_flow); the audit record says so.
    response = login_with_totp(client, sysadm, PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_list")  # administrators land on their page
    record = AuditRecord.objects.get(action=AuditAction.LOGIN)
    assert (record.actor, record.actor_username, record.object_id) == (sysadm, "sysadm", str(sysadm.pk))
    assert record.remote_addr == "10.1.2.3"
    assert record.changes == {"two_factor": [None, "totp"]}


def test_audit_admin_lands_on_the_audit_log(client, auditor):
    response = login_with_totp(client, auditor, PASSWORD)
    assert response["Location"] == reverse("audit:record_list")


def test_a_township_clerk_lands_on_his_to_do_page(client, bob):
    response = client.post(LOGIN, {"username": "bob", "password": PASSWORD})
    assert response["Location"] == reverse("todo")


def test_login_honours_a_safe_next_only(client, secadm):
    response = login_with_totp(client, secadm, PASSWORD, path=f"{LOGIN}?next=/audit/")
    assert response["Location"] == "/audit/"
    client.logout()
    response = login_with_totp(client, secadm, PASSWORD, path=f"{LOGIN}?next=https://evil.example/")
    assert response["Location"] == reverse("accounts:user_list")


def test_failed_login_is_audited_with_the_attempted_username_and_no_actor(client, bob):
    response = client.post(LOGIN, {"username": "bob", "password": "not-the-password"}, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors["__all__"]
    record = AuditRecord.objects.get()
    assert record.action == AuditAction.LOGIN_FAILED
    assert record.actor is None and record.actor_username == ""
    assert record.object_repr == "bob" and record.object_type == "accounts.user"
    assert record.remote_addr == "10.9.8.7"
    assert "not-the-password" not in str(record.changes)


def test_failed_login_for_an_unknown_username_is_audited_too(client, db):
    client.post(LOGIN, {"username": "mallory", "password": "whatever-it-is"})
    record = AuditRecord.objects.get(action=AuditAction.LOGIN_FAILED)
    assert record.object_repr == "mallory" and record.object_id == ""


def test_disabled_user_cannot_log_in(client, sysadm, bob):
    services.set_active(by=sysadm, target=bob, active=False)
    response = client.post(LOGIN, {"username": "bob", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "请输入一个正确的" in response.content.decode()  # the same message as a wrong password
    assert AuditRecord.objects.filter(action=AuditAction.LOGIN_FAILED, object_repr="bob").count() == 1
    assert not AuditRecord.objects.filter(action=AuditAction.LOGIN).exists()


def test_a_disabled_users_open_session_ends(client, sysadm, bob):
    client.force_login(bob)
    services.set_active(by=sysadm, target=bob, active=False)
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_logout_is_post_only_and_audited(client, sysadm):
    client.force_login(sysadm)
    # A GET leads back to a page (core.middleware.PostOnlyGetMiddleware), still logged in.
    assert client.get("/accounts/logout/")["Location"] == "/"
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/", REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    record = AuditRecord.objects.get(action=AuditAction.LOGOUT)
    assert (record.actor, record.remote_addr) == (sysadm, "10.0.0.5")


def test_login_page_redirects_a_logged_in_user(client, auditor):
    client.force_login(auditor)
    response = client.get(LOGIN)
    assert response.status_code == 302 and response["Location"] == reverse("audit:record_list")
