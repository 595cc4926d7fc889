"""Hostile input on every form and search box: very long strings, control characters, NUL, SQL
and script fragments. The answer is a clear error or a safe result, never a 500, and an
invalid submission stores nothing.

Each form is read from its own page (field names and current values), so the valid fields keep
their values and one field at a time carries the hostile string.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liangxin.audit.models import AuditRecord
from liangxin.registry.models import Organization, OrganizationFacts
from liangxin.testing import walk

FRAGMENTS = [
    "' OR '1'='1",
    "'; DROP TABLE registry_organization; --",
    '" OR 1=1 --',
    "1; SELECT * FROM accounts_user",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    '=HYPERLINK("http://evil")',
    "../../etc/passwd",
    "%00",
    "\x00",
    "a\x00b",
    "\u202e\u200b\ufeff",
    "\r\n\t\x0b\x0c\x1b[31m",
    "１２３４５６７８９０",
    "9" * 40,
    "-1",
    "0",
    "2026-02-30",
    "9999-12-31",
    "NaN",
    "1e309",
]

hostile = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(min_size=0, max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=20),
    st.sampled_from(["A" * 5_000, "名" * 2_000, "\x00" * 300, "<" * 10_000]),
    st.tuples(st.sampled_from(FRAGMENTS), st.text(max_size=20)).map("".join),
)

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def post_form(client, page_url: str, index: int = 0) -> tuple[str, dict[str, str]]:
    """The action of the page's ``index``-th POST form and what a browser would send from it."""
    response = client.get(page_url)
    assert response.status_code == 200, page_url
    reader = walk.PageReader()
    reader.feed(response.content.decode())
    forms = [f for f in reader.forms if f["method"] == "post" and "logout" not in f["action"]]
    form = forms[index]
    fields = {
        name: field.value
        for name, field in form["fields"].items()
        if field.kind != walk.FILE and (field.value or field.kind not in (walk.CHECK, walk.MULTIPLE, walk.CHOICE))
    }
    return form["action"] or page_url, fields


def snapshot() -> tuple[int, ...]:
    """What must not change when a submission is refused."""
    from liangxin.accounts.models import User

    return (
        Organization.objects.count(),
        OrganizationFacts.objects.count(),
        User.objects.count(),
        AuditRecord.objects.exclude(action__in=["login", "login_failed", "logout"]).count(),
    )


def check_post(client, url: str, data: dict[str, str]) -> Any:
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code < 500, (url, data)
    if response.status_code == 200:
        # Re-shown with errors: nothing stored.
        assert snapshot() == before, (url, data)
        assert "errorlist" in response.content.decode() or response.context.get("form") is not None
    return response


TEXT_FIELDS_SKIP = {"csrfmiddlewaretoken", "version"}


def _hostile_fields(fields: dict[str, str]) -> list[str]:
    return [name for name in fields if name not in TEXT_FIELDS_SKIP]


@pytest.fixture
def edit_form(client, carol, org_in_b):
    client.force_login(carol)
    return client, org_in_b


@SETTINGS
@given(value=hostile, which=st.integers(min_value=0, max_value=50))
def test_organization_edit(edit_form, value, which):
    client, org = edit_form
    url, fields = post_form(client, f"/registry/organizations/{org.pk}/edit/")
    names = _hostile_fields(fields)
    fields[names[which % len(names)]] = value
    check_post(client, url, fields)


@SETTINGS
@given(value=hostile, which=st.integers(min_value=0, max_value=50))
def test_organization_create(edit_form, value, which):
    client, _org = edit_form
    url, fields = post_form(client, "/registry/organizations/new/")
    fields.update({"name": "罗平县测试有限公司", "category": "economic"})
    names = _hostile_fields(fields)
    fields[names[which % len(names)]] = value
    check_post(client, url, fields)


@SETTINGS
@given(value=hostile, which=st.integers(min_value=0, max_value=50))
def test_organization_facts(edit_form, value, which):
    client, org = edit_form
    url, fields = post_form(client, f"/registry/organizations/{org.pk}/facts/")
    names = _hostile_fields(fields)
    fields[names[which % len(names)]] = value
    check_post(client, url, fields)


@SETTINGS
@given(value=hostile, which=st.integers(min_value=0, max_value=50))
def test_organization_deregister(edit_form, value, which):
    client, org = edit_form
    url, fields = post_form(client, f"/registry/organizations/{org.pk}/deregister/")
    names = _hostile_fields(fields)
    fields[names[which % len(names)]] = value
    check_post(client, url, fields)


@SETTINGS
@given(value=hostile)
def test_merge_search_and_confirm(edit_form, value):
    client, org = edit_form
    url = f"/registry/organizations/{org.pk}/merge/"
    assert client.get(url, {"q": value}).status_code < 500
    assert client.get(url, {"duplicate": value}).status_code in (200, 302, 404)
    before = snapshot()
    assert client.post(url, {"duplicate": value}).status_code in (302, 404)
    if not value.strip().isdigit():
        assert snapshot() == before


@SETTINGS
@given(value=hostile, which=st.integers(min_value=0, max_value=50))
def test_user_create(client, sysadm, township_a, value, which):
    client.force_login(sysadm)
    url, fields = post_form(client, "/accounts/users/new/")
    fields.update({"username": "hostile_test", "role": "leader", "password": "Hostile#Pass2026"})
    fields["password_confirm"] = fields["password"]
    names = _hostile_fields(fields)
    fields[names[which % len(names)]] = value
    check_post(client, url, fields)


@SETTINGS
@given(value=hostile, which=st.integers(min_value=0, max_value=2))
def test_password_change(client, bob, value, which):
    client.force_login(bob)
    fields = {"old_password": "Liangxin#2026", "new_password": "Neue#Pass2026x", "new_password_confirm": "x"}
    fields[list(fields)[which]] = value
    check_post(client, "/accounts/password/", fields)


@SETTINGS
@given(username=hostile, password=hostile)
def test_login(client, db, username, password):
    before = snapshot()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert snapshot() == before


@SETTINGS
@given(value=hostile)
def test_second_factor_code(client, alice, value):
    from liangxin.security.testing import give_totp

    give_totp(alice)
    client.post("/accounts/login/", {"username": "alice", "password": "Liangxin#2026"})
    response = client.post("/security/2fa/verify/", {"code": value})
    assert response.status_code in (200, 302) and "_auth_user_id" not in client.session


@SETTINGS
@given(
    value=hostile,
    field=st.sampled_from(
        ["date_from", "date_to", "actor", "action", "object_type", "object_id", "q", "page", "format"]
    ),
)
def test_audit_filters(client, auditor, value, field):
    client.force_login(auditor)
    assert client.get("/audit/", {field: value}).status_code in (200, 302, 400, 429)


@SETTINGS
@given(
    value=hostile,
    url=st.sampled_from(
        ["/registry/organizations/", "/registry/party-organizations/", "/registry/members/", "/accounts/users/"]
    ),
    field=st.sampled_from(
        [
            "q",
            "page",
            "sort",
            "township",
            "department",
            "category",
            "org_type",
            "status",
            "has_party_organization",
            "role",
            "active",
        ]
    ),
)
def test_list_search_boxes(client, alice, sysadm, value, url, field):
    client.force_login(sysadm if url.startswith("/accounts/") else alice)
    response = client.get(url, {field: value})
    assert response.status_code in (200, 302, 400), (url, field, value)


@SETTINGS
@given(value=hostile, kind=st.sampled_from(["username", "ip_address", "x"]))
def test_lockout_unlock(client, secadm, value, kind):
    client.force_login(secadm)
    before = snapshot()
    assert client.post("/security/lockouts/unlock/", {"kind": kind, "value": value}).status_code == 302
    assert snapshot() == before


def test_nothing_was_dropped(db):
    """The SQL fragments were data, never SQL."""
    assert "registry_organization" in connection.introspection.table_names()
