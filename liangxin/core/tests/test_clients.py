"""The client address behind a reverse proxy: X-Forwarded-For is believed only from a trusted
proxy, read from its right end, and the audit log, the lockout counts and the login records all
take the same address."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.core.clients import client_address
from liangxin.testing.factories import PASSWORD

LOGIN = "/accounts/login/"


def _request(remote_addr, forwarded=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = ()
    assert client_address(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_a_trusted_proxy_forwards_the_visitor(settings):
    settings.TRUSTED_PROXIES = ("127.0.0.1",)
    assert client_address(_request("127.0.0.1", "198.51.100.1")) == "198.51.100.1"
    # Not from the proxy: the header is anybody's, the peer is the client.
    assert client_address(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    # The proxy without a header (a local health probe): the proxy itself.
    assert client_address(_request("127.0.0.1")) == "127.0.0.1"


def test_what_a_visitor_writes_into_the_header_is_never_reached(settings):
    settings.TRUSTED_PROXIES = ("127.0.0.1",)
    # The visitor sent "X-Forwarded-For: 10.1.1.1"; nginx appended the address it came from.
    assert client_address(_request("127.0.0.1", "10.1.1.1, 198.51.100.1")) == "198.51.100.1"
    assert client_address(_request("127.0.0.1", "not-an-address, 198.51.100.1")) == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_past(settings):
    settings.TRUSTED_PROXIES = ("127.0.0.1", "10.0.0.0/24", "fd00::/8")
    chain = "10.1.1.1, 198.51.100.1, 10.0.0.5, 10.0.0.6"
    assert client_address(_request("127.0.0.1", chain)) == "198.51.100.1"
    assert client_address(_request("fd00::1", "2001:db8::0:1")) == "2001:db8::1"  # canonical text
    # Every hop trusted: the farthest one is the client.
    assert client_address(_request("127.0.0.1", "10.0.0.5")) == "10.0.0.5"
    # A hop a proxy did not write (garbage) stops the walk at the last believed one.
    assert client_address(_request("127.0.0.1", "198.51.100.1, junk, 10.0.0.6")) == "10.0.0.6"


def test_no_address_when_the_peer_is_not_one(settings):
    settings.TRUSTED_PROXIES = ("127.0.0.1",)
    assert client_address(_request("", "198.51.100.1")) is None


def test_a_wrong_trusted_proxy_stops_the_settings():
    import subprocess
    import sys

    from django.conf import settings as django_settings

    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            "DJANGO_SETTINGS_MODULE": "liangxin.settings",
            "LIANGXIN_DEBUG": "1",
            "LIANGXIN_TRUSTED_PROXIES": "127.0.0.1, nginx.local",
            "PATH": "/usr/bin:/bin",
        },
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "LIANGXIN_TRUSTED_PROXIES: 'nginx.local'" in done.stderr


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = ("127.0.0.1",)
    settings.AXES_ENABLED = True


def _fail(client, username, visitor):
    return client.post(
        LOGIN,
        {"username": username, "password": "wrong-password-1"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=visitor,
    )


def test_lockouts_and_the_audit_log_count_the_visitor_not_the_proxy(client, behind_nginx, bob, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for name in ("u1", "u2", "u3"):
        _fail(client, name, "198.51.100.1")
    # The third failure from 198.51.100.1 locked that address — not the proxy every visitor shares.
    assert _fail(client, "u4", "198.51.100.1").status_code == 429
    assert _fail(client, "u4", "198.51.100.2").status_code == 200
    counted = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert counted == {"198.51.100.1", "198.51.100.2"}
    failures = AuditRecord.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert set(failures.values_list("remote_addr", flat=True)) == {"198.51.100.1", "198.51.100.2"}
    response = client.post(
        LOGIN,
        {"username": "bob", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert response.status_code == 302
    login = AuditRecord.objects.get(action=AuditAction.LOGIN)
    assert login.remote_addr == "198.51.100.9" and response["X-Request-ID"] == login.request_id
