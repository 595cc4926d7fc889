"""API tokens: made and revoked by their owner on a page (audited), shown once, kept hashed,
expiring; refused (401 in JSON, never the login page) when missing, unknown, revoked, expired, of
a disabled account or of an account whose role or scope changed; rate-limited; the last use
written at most once a minute."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liangxin.accounts import access
from liangxin.accounts.roles import Role
from liangxin.api import services, tokens
from liangxin.api.models import ApiToken
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.testing.api import bearer, make_token
from liangxin.testing.urls import url_patterns

DATA_PATHS = sorted(name for name, rule in access.PAGE_RULES.items() if rule.token)


def _url(name, obj_pk=1):
    route, _pattern = url_patterns()[name]
    return reverse(name, kwargs={"pk": obj_pk}) if "<" in route else reverse(name)


def test_a_token_is_shown_once_kept_hashed_and_lasts_90_days(client, carol):
    client.force_login(carol)
    response = client.post(reverse("api:token_list"), {"name": "市级平台同步", "days": 90})
    assert response.status_code == 200
    page = response.content.decode()
    token = ApiToken.objects.get(user=carol)
    shown = re.search(r'<code class="secret">(lx_[A-Za-z0-9_-]{43})</code>', page)
    assert shown is not None
    secret = shown.group(1)
    assert tokens.digest(secret) == token.key_hash
    # Nothing stored or logged holds the secret itself.
    assert secret not in str(list(ApiToken.objects.values_list()))
    record = AuditRecord.objects.get(action=AuditAction.CREATE, object_type="api.apitoken")
    assert (
        record.actor == carol and secret not in str(record.changes) and record.changes["name"] == [None, "市级平台同步"]
    )
    assert dt.timedelta(days=89, hours=23) < token.expires_at - token.created_at <= dt.timedelta(days=90)
    assert response["Cache-Control"] and "no-store" in response["Cache-Control"]
    # Shown once: the page, opened again, lists the token by its first characters only.
    again = client.get(reverse("api:token_list")).content.decode()
    assert secret not in again and token.prefix in again and "市级平台同步" in again
    # And it works.
    assert client.get("/api/v1/organizations", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


def test_the_default_term_is_90_days_and_the_form_refuses_a_blank_name(client, carol, settings):
    client.force_login(carol)
    assert 'value="90" selected' in client.get(reverse("api:token_list")).content.decode()
    response = client.post(reverse("api:token_list"), {"name": " \u200b ", "days": 90})
    assert response.status_code == 400 and not ApiToken.objects.exists()
    token, _secret = services.create_token(by=carol, name="默认")
    assert (token.expires_at - token.created_at).days == settings.API_TOKEN_DAYS == 90


def test_revoking_is_audited_and_the_token_stops_at_once(client, carol):
    token, secret = services.create_token(by=carol, name="大屏")
    header = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/organizations", **header).status_code == 200
    client.force_login(carol)
    response = client.post(reverse("api:token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    record = AuditRecord.objects.get(action=AuditAction.DISABLE, object_type="api.apitoken", object_id=str(token.pk))
    assert record.actor == carol and "revoked_at" in record.changes
    client.logout()
    response = client.get("/api/v1/organizations", **header)
    assert response.status_code == 401 and response.json()["detail"]


def test_nobody_revokes_or_sees_another_accounts_token(client, bob, carol):
    token, _secret = services.create_token(by=carol, name="板桥")
    client.force_login(bob)
    assert token.prefix not in client.get(reverse("api:token_list")).content.decode()
    assert client.post(reverse("api:token_revoke", kwargs={"pk": token.pk})).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    with pytest.raises(ServiceError):
        services.revoke_token(by=bob, token=token)


@pytest.mark.parametrize("name", DATA_PATHS)
def test_every_data_path_without_a_valid_token_is_401_in_json(name, client, carol, alice):
    url = _url(name)
    expired, expired_secret = make_token(carol)
    now = timezone.now()
    ApiToken.objects.filter(pk=expired.pk).update(
        created_at=now - dt.timedelta(days=91), expires_at=now - dt.timedelta(seconds=1)
    )
    headers = [
        {},
        {"HTTP_AUTHORIZATION": "Bearer lx_nonsense"},
        {"HTTP_AUTHORIZATION": "Basic Y2Fyb2w6cGFzcw=="},
        {"HTTP_AUTHORIZATION": f"Bearer {expired_secret}"},
    ]
    for header in headers:
        response = client.get(url, **header)
        assert response.status_code == 401, (name, header, response.status_code)
        assert response["Content-Type"].startswith("application/json") and response.json()["detail"]
        assert response["WWW-Authenticate"].startswith("Bearer")
    # A signed-in browser session is no token either: 401, never the data, never the login page.
    client.force_login(alice)
    assert client.get(url).status_code == 401


def test_a_disabled_account_or_a_changed_role_stops_its_tokens(client, carol, township_a):
    header = bearer(carol)
    assert client.get("/api/v1/organizations", **header).status_code == 200
    carol.township = township_a  # another scope: a token never widens silently
    carol.save(update_fields=["township"])
    assert client.get("/api/v1/organizations", **header).status_code == 401
    header = bearer(carol)
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    assert client.get("/api/v1/organizations", **header).status_code == 401


@pytest.mark.parametrize("fixture", ["sysadm", "secadm", "auditor", "nora"])
def test_administrators_and_accounts_without_a_role_read_no_business_data(fixture, client, request, org_in_b):
    user = request.getfixturevalue(fixture)
    # They cannot make a token...
    with pytest.raises(ServiceError):
        services.create_token(by=user, name="x")
    client.force_login(user)
    assert client.get(reverse("api:token_list")).status_code == 403
    # ...and one made for them anyway opens no data path.
    header = bearer(user)
    for name in DATA_PATHS:
        response = client.get(_url(name, org_in_b.pk), **header)
        assert response.status_code == 403, (fixture, name)
        assert org_in_b.name not in response.content.decode()
        assert response.json()["detail"]


@pytest.fixture
def nora(db):
    from liangxin.testing.factories import UserFactory

    return UserFactory(username="nora", role=Role.UNASSIGNED)


def test_rate_limit_answers_429_beyond_the_limit_per_token(client, carol, settings):
    settings.API_RATE_LIMIT = 3
    header, other = bearer(carol), bearer(carol)
    answers = [client.get("/api/v1/organizations", **header).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    response = client.get("/api/v1/organizations", **header)
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60 and response.json()["detail"]
    assert client.get("/api/v1/organizations", **other).status_code == 200  # per token


def test_the_last_use_is_written_at_most_once_a_minute(client, carol):
    token, secret = make_token(carol)
    header = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert client.get("/api/v1/organizations", **header).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert len(writes) == 1 and "api_apitoken" in writes[0]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_last_use_guard_holds_across_processes(carol):
    """The cache lets one request a minute through per process; the conditional UPDATE keeps
    several processes (their caches apart) to one write a minute."""
    token, _secret = make_token(carol)
    t0 = timezone.now()
    assert services.record_use(token=token, now=t0)
    assert not services.record_use(token=token, now=t0 + dt.timedelta(seconds=30))  # this process's cache
    cache.clear()  # another process, with its own cache
    assert not services.record_use(token=token, now=t0 + dt.timedelta(seconds=30))  # the database's guard
    cache.clear()
    assert services.record_use(token=token, now=t0 + dt.timedelta(seconds=61))
    token.refresh_from_db()
    assert token.last_used_at == t0 + dt.timedelta(seconds=61)


def test_the_document_and_its_reference_page_are_public_and_keep_the_csp(client):
    response = client.get(reverse("api:openapi-json"))
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]
    page = client.get(reverse("api:openapi-view"))
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "default-src 'self'" in page["Content-Security-Policy"]
        and "unsafe-inline" not in page["Content-Security-Policy"]
    )
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all('src="/static/' in attributes and not body.strip() for attributes, body in scripts)
    assert " style=" not in html and "<style" not in html
    for path in document["paths"]:
        assert path in html
    assert "OrganizationDetail" in html and "id_number_masked" in html
