"""Idle sessions end, cookies are safe, exports are rate-limited, oversized requests refused."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.audit.services import log_change
from liangxin.security.middleware import ACTIVITY_COOKIE
from liangxin.testing.factories import PASSWORD

HOME = "/registry/organizations/"


@pytest.fixture
def clock(monkeypatch):
    """The wall clock the session timeout and the signed cookie read, moved on by hand."""
    real = time.time
    offset = [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])

    def advance(minutes):
        offset[0] += minutes * 60

    return advance


def test_a_session_idle_for_30_minutes_is_logged_out(client, clock, bob):
    assert settings.SESSION_IDLE_MINUTES == 30
    client.force_login(bob)
    assert client.get(HOME).status_code == 200
    clock(29)
    assert client.get(HOME).status_code == 200
    clock(31)
    response = client.get(HOME, follow=True)
    assert response.redirect_chain[0][0] == f"/accounts/login/?next={HOME}"
    assert "已自动退出" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditRecord.objects.filter(action=AuditAction.LOGOUT, actor=bob).count() == 1


def test_the_idle_time_is_configurable_and_htmx_gets_a_full_page_redirect(client, clock, settings, bob):
    settings.SESSION_IDLE_MINUTES = 5
    client.force_login(bob)
    client.get(HOME)
    clock(6)
    response = client.get(HOME, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == "/accounts/login/"


def test_activity_keeps_the_session(client, clock, bob):
    client.force_login(bob)
    for _n in range(4):
        clock(20)
        assert client.get(HOME).status_code == 200  # 80 minutes after logging in, never 30 idle


def test_page_views_write_nothing_to_the_session(client, clock, bob):
    """The last request's time is in a signed cookie: forty minutes of page views, one every two
    minutes, and not one write to the session table (it used to be one a minute)."""
    assert client.post("/accounts/login/", {"username": "bob", "password": PASSWORD}).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        for _n in range(20):
            clock(2)
            assert client.get(HOME).status_code == 200
        for _n in range(10):  # and within one minute
            assert client.get(HOME, HTTP_HX_REQUEST="true").status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]
    assert writes == []
    assert "_auth_user_id" in client.session


def test_a_session_without_its_activity_cookie_counts_from_the_login(client, clock, bob):
    """A copied session cookie alone does not keep a session alive."""
    client.force_login(bob)
    assert client.get(HOME).status_code == 200
    clock(20)
    assert client.get(HOME).status_code == 200
    del client.cookies[ACTIVITY_COOKIE]
    clock(15)  # 35 minutes after logging in, 15 after the last request
    assert client.get(HOME).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_activity_cookie_of_another_session_does_not_count(client, clock, bob, carol):
    other = client.__class__()
    other.force_login(carol)
    client.force_login(bob)
    client.get(HOME)
    clock(31)
    assert other.get(HOME).status_code == 302  # carol idle: her cookie is no use
    assert other.get(HOME).status_code == 302
    other.force_login(carol)
    other.get(HOME)
    client.cookies[ACTIVITY_COOKIE] = other.cookies[ACTIVITY_COOKIE].value  # carol's fresh cookie
    assert client.get(HOME).status_code == 302 and "_auth_user_id" not in client.session


def test_the_activity_cookie_is_safe(client, bob):
    client.force_login(bob)
    cookie = client.get(HOME).cookies[ACTIVITY_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) == settings.SESSION_COOKIE_SECURE
    assert client.session.session_key not in cookie.value


def test_session_and_csrf_cookies():
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_production_settings_make_cookies_secure():
    """The settings module as production loads it (no DEBUG): secure cookies and HSTS."""
    code = (
        "import liangxin.settings as s;"
        "print(s.DEBUG, s.DEMO_MODE, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    env = {
        **os.environ,
        "LIANGXIN_DEBUG": "0",
        "LIANGXIN_DEMO": "",
        "LIANGXIN_SECRET_KEY": "x" * 50,
        "LIANGXIN_FIELD_KEY": base64.b64encode(b"k" * 32).decode(),
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert done.stdout.split() == ["False", "False", "True", "True", "True"]


def _exports(user, n):
    for _n in range(n):
        log_change(actor=user, action=AuditAction.EXPORT, object_type="registry.organization", object_repr="x")


def test_exports_are_limited_per_user(client, alice, bob):
    _exports(alice, 29)
    client.force_login(alice)
    assert client.get("/registry/organizations/export/", {"format": "csv"}).status_code == 200  # the 30th
    response = client.get("/registry/organizations/export/", {"format": "csv"})
    assert response.status_code == 429
    assert "10 分钟内最多导出 30 次" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 600
    assert AuditRecord.objects.filter(action=AuditAction.EXPORT, actor=alice).count() == 30
    # Pages are not limited, and another user is not affected.
    assert client.get(HOME).status_code == 200
    client.force_login(bob)
    assert client.get("/registry/organizations/export/", {"format": "xlsx"}).status_code == 200


def test_the_audit_log_export_counts_too(client, auditor):
    _exports(auditor, 30)
    client.force_login(auditor)
    assert client.get("/audit/", {"format": "csv"}).status_code == 429
    assert client.get("/audit/").status_code == 200


def test_old_exports_do_not_count(client, alice, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from liangxin.audit import services as audit_services

    eleven_minutes_ago = timezone.now() - timedelta(minutes=11)
    with monkeypatch.context() as m:  # written then: audit records cannot be changed afterwards
        m.setattr(audit_services.timezone, "now", lambda: eleven_minutes_ago)
        _exports(alice, 30)
    assert (
        AuditRecord.objects.filter(action=AuditAction.EXPORT, at__lt=timezone.now() - timedelta(minutes=10)).count()
        == 30
    )
    client.force_login(alice)
    assert client.get("/registry/organizations/export/", {"format": "csv"}).status_code == 200


def test_an_oversized_request_is_refused_before_it_is_read(client, settings, alice):
    settings.MAX_UPLOAD_MB = 1
    client.force_login(alice)
    response = client.post("/registry/organizations/new/", {"name": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "上传的内容过大" in response.content.decode()
