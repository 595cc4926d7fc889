"""The role × page rules (``liangxin/accounts/access.py``) against the whole URL conf.

Every URL has a rule; every role gets 403 exactly where the rule refuses it (for reading and for
sending), and never a 403 from the view where the rule lets it in; menus show exactly the pages a
role may open. Objects out of scope are the business of ``test_url_scoping.py`` (404).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from liangxin.accounts import access
from liangxin.accounts.models import User
from liangxin.accounts.roles import BUSINESS_ROLES, Role
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.census.models import BatchStatus
from liangxin.testing.api import bearer
from liangxin.testing.factories import UserFactory
from liangxin.testing.urls import url_patterns

from .test_url_scoping import CASES

# One account per role; the township clerk and the objects below lie in township B.
ROLE_USERS = {
    Role.COUNTY_ADMIN: "alice",
    Role.LEADER: "lily",
    Role.TOWNSHIP_CLERK: "carol",
    Role.DEPARTMENT_CLERK: "dave",
    Role.SECRETARY: "sam",
    Role.SYS_ADMIN: "sysadm",
    Role.SEC_ADMIN: "secadm",
    Role.AUDIT_ADMIN: "auditor",
    Role.UNASSIGNED: "nora",
}

# The object a URL names: the scoping test's, but another account than the ones acting here for
# the account pages (a disabled carol would no longer be a township clerk to test with).
OBJECTS = {name: case.target for name, case in CASES.items()} | {
    name: "bob" for name in CASES if name.startswith("accounts:")
}


# Rosters and exports of township B's objects then have someone to show.
pytestmark = pytest.mark.usefixtures("member_b")


@pytest.fixture
def nora(db):
    return UserFactory(username="nora", role=Role.UNASSIGNED)


def _sign_in(client, user: User, name: str) -> dict[str, str]:
    """The API's data paths take a token of the user, the pages his session."""
    if access.PAGE_RULES[name].token:
        return bearer(user)
    client.force_login(user)
    return {}


def _url(name: str, request: pytest.FixtureRequest) -> str:
    route, _pattern = url_patterns()[name]
    if "<" not in route:
        return reverse(name)
    return reverse(name, kwargs={"pk": request.getfixturevalue(OBJECTS[name]).pk})


# --- The table covers the URL conf, no more, no less -------------------------------------------


def test_every_url_has_a_rule():
    missing = sorted(set(url_patterns()) - set(access.PAGE_RULES))
    assert not missing, f"URLs without a rule in liangxin/accounts/access.py: {missing}"
    stale = sorted(set(access.PAGE_RULES) - set(url_patterns()))
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


def test_only_the_login_steps_are_public():
    """A view that needs no login has a public rule, and only such a view has one — or it is a
    data path of the JSON API, which takes a token instead of the login (401 without one)."""
    for name, (_route, pattern) in url_patterns().items():
        login_not_required = getattr(pattern.callback, "login_required", True) is False
        rule = access.PAGE_RULES[name]
        assert (rule.public or rule.token) is login_not_required, name


def test_a_url_without_a_rule_is_refused_to_everyone(client, alice, monkeypatch):
    assert client.get("/registry/organizations/").status_code == 302  # to the login page
    client.force_login(alice)
    assert client.get("/registry/organizations/").status_code == 200
    monkeypatch.delitem(access.PAGE_RULES, "registry:organization_list")
    assert client.get("/registry/organizations/").status_code == 403
    assert not access.may_open(Role.COUNTY_ADMIN, "registry:organization_list")


# --- Every role on every URL ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(url_patterns()))
def test_every_role_gets_403_exactly_where_the_rule_refuses_it(name, client, request):
    """GET and POST as each role: 403 where the rule refuses the role that method — before the
    view runs, so nothing is written — and something else (a page, a redirect, 404 for an object
    out of scope, 405) where the rule lets it in."""
    rule = access.PAGE_RULES[name]
    users = {role: request.getfixturevalue(fixture) for role, fixture in ROLE_USERS.items()}
    url = _url(name, request)
    wrong = []
    for role, user in users.items():
        for method in ("GET", "POST"):
            before = AuditRecord.objects.exclude(action__in=[AuditAction.LOGIN, AuditAction.LOGOUT]).count()
            headers = _sign_in(client, user, name)
            response = client.get(url, **headers) if method == "GET" else client.post(url, {}, **headers)
            allowed = rule.allows(role, method)
            if (response.status_code == 403) == allowed:
                wrong.append(f"{role} {method}: {response.status_code} (rule allows: {allowed})")
            if not allowed:
                after = AuditRecord.objects.exclude(action__in=[AuditAction.LOGIN, AuditAction.LOGOUT]).count()
                assert after == before, f"{role} {method} {name} was refused but wrote an audit record"
    assert not wrong, f"{name}: {wrong}"


def test_the_three_administrators_get_403_on_every_business_page_and_export(client, request, sysadm, secadm, auditor):
    business = [name for name, rule in access.PAGE_RULES.items() if rule.read & BUSINESS_ROLES and not rule.public]
    assert len(business) > 40
    exports = ["registry:organization_list", "registry:party_organization_list", "registry:member_list"]
    for admin in (sysadm, secadm, auditor):
        for name in business:
            if access.PAGE_RULES[name].read >= access.EVERY_ROLE:
                continue  # the landing page and one's own password: every account
            headers = _sign_in(client, admin, name)
            assert client.get(_url(name, request), **headers).status_code == 403, (admin.role, name)
        client.force_login(admin)
        for name in exports:
            assert client.get(reverse(name), {"format": "csv"}).status_code == 403
    assert not AuditRecord.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_read_only_leader_posting_to_write_urls_gets_403_and_changes_nothing(
    client, lily, import_batch_b, campaign_submission_b, campaign_entry_b, org_in_b
):
    client.force_login(lily)
    before = AuditRecord.objects.exclude(action=AuditAction.LOGIN).count()
    posts = {
        "census:batch_revert": import_batch_b.pk,
        "campaigns:submission_transition": campaign_submission_b.pk,
        "campaigns:entry_edit": campaign_entry_b.pk,
        "registry:organization_edit": org_in_b.pk,
        "formation:plan_transition": org_in_b.pk,
    }
    data = {"action": "return", "reason": "x", "version": campaign_submission_b.version, "name": "改名"}
    for name, pk in posts.items():
        assert client.post(reverse(name, kwargs={"pk": pk}), data).status_code == 403, name
    # Reading stays open to him.
    assert client.get(reverse("campaigns:entry_edit", kwargs={"pk": campaign_entry_b.pk})).status_code == 200
    import_batch_b.refresh_from_db()
    campaign_entry_b.refresh_from_db()
    assert import_batch_b.status == BatchStatus.APPLIED and campaign_entry_b.name != "改名"
    assert AuditRecord.objects.exclude(action=AuditAction.LOGIN).count() == before


def test_a_secretary_gets_403_not_empty_pages_outside_his_work(client, sam):
    client.force_login(sam)
    for url in ("/formation/", "/formation/members/", "/formation/joint/", "/campaigns/", "/coverage/", "/census/"):
        assert client.get(url).status_code == 403, url
    assert client.get("/registry/organizations/").status_code == 200


# --- Menus -------------------------------------------------------------------------------------

# The menus, role by role, as a user sees them: the deliberate outcome of the rules.
# The county administrator and the township clerks, who edit the register, see every business menu.
EDITOR_MENU = [
    "两新组织",
    "党组织",
    "党员",
    "未建党组织台账",
    "覆盖率",
    "联合组建",
    "摸底导入",
    "集中摸底",
    "登记比对",
    "流动党员",
    "发展党员",
    "人才库",
    "经费保障",
    "规范化建设",
    "组织生活",
    "培训",
    "联系点",
]
MENUS = {
    Role.COUNTY_ADMIN: EDITOR_MENU,
    Role.LEADER: [m for m in EDITOR_MENU if m != "摸底导入"],
    Role.TOWNSHIP_CLERK: ["待办", *EDITOR_MENU],
    Role.DEPARTMENT_CLERK: [
        "待办",
        "两新组织",
        "党组织",
        "党员",
        "未建党组织台账",
        "覆盖率",
        "联合组建",
        "集中摸底",
        "发展党员",
        "人才库",
        "规范化建设",
        "组织生活",
        "培训",
        "联系点",
    ],
    Role.SECRETARY: [
        "两新组织",
        "党组织",
        "党员",
        "流动党员",
        "发展党员",
        "经费保障",
        "规范化建设",
        "组织生活",
        "培训",
        "联系点",
    ],
    Role.SYS_ADMIN: ["用户管理"],
    Role.SEC_ADMIN: ["用户管理", "登录锁定"],
    Role.AUDIT_ADMIN: ["审计日志"],
    Role.UNASSIGNED: [],
}

NAV = re.compile(r'<nav class="mainnav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_the_menu_shows_exactly_the_pages_the_role_may_open(client, request, role):
    user = request.getfixturevalue(ROLE_USERS[role])
    client.force_login(user)
    response = client.get("/accounts/password/")  # a page every account opens
    nav = NAV.search(response.content.decode())
    assert nav is not None
    links = LINK.findall(nav.group(1))
    assert [label for _href, label in links] == MENUS[role]
    for href, label in links:
        assert client.get(href).status_code == 200, (role, label)


# --- Landing and the account without a role --------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in ROLE_USERS if r != Role.UNASSIGNED])
def test_each_role_lands_on_a_page_it_may_open(client, request, role):
    """Where each lands is in core/tests/test_todo.py; here: a page of the role, opened."""
    client.force_login(request.getfixturevalue(ROLE_USERS[role]))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] != "/"
    assert client.get(response["Location"]).status_code == 200
    assert access.landing_view(role) in access.PAGE_RULES


def test_an_account_without_a_role_sees_only_that_it_has_none(client, nora, org_in_b):
    client.force_login(nora)
    response = client.get("/")
    assert response.status_code == 200
    assert "尚未分配角色" in response.content.decode() and org_in_b.name not in response.content.decode()
    for url in ("/registry/organizations/", "/accounts/users/", "/audit/", "/coverage/"):
        assert client.get(url).status_code == 403, url
    assert client.get("/accounts/password/").status_code == 200
    assert client.get("/security/2fa/").status_code == 200


NEW = "Mine#Yunnan2026"


def test_an_account_goes_from_creation_to_work(client, sysadm, secadm, township_b, org_in_b):
    """The system administrator creates an account (no role: it sees nothing), the security
    administrator assigns role and scope (audited; the open session ends), the clerk logs in
    again and works in his township."""
    client.force_login(sysadm)
    response = client.post(
        reverse("accounts:user_create"),
        {"username": "banqiao_li", "password": "Qingshan#River26", "password_confirm": "Qingshan#River26"},
    )
    assert response.status_code == 302
    account = User.objects.get(username="banqiao_li")
    assert account.role == Role.UNASSIGNED

    clerk = client.__class__()
    clerk.post(reverse("accounts:login"), {"username": "banqiao_li", "password": "Qingshan#River26"})
    clerk.post(
        reverse("accounts:password_change"),
        {"old_password": "Qingshan#River26", "new_password": NEW, "new_password_confirm": NEW},
    )
    assert "尚未分配角色" in clerk.get("/").content.decode()
    assert clerk.get("/registry/organizations/").status_code == 403

    client.force_login(secadm)
    response = client.post(
        reverse("accounts:user_assign_role", kwargs={"pk": account.pk}),
        {"role": Role.TOWNSHIP_CLERK, "township": township_b.pk},
    )
    assert response.status_code == 302
    record = AuditRecord.objects.get(action=AuditAction.PERMISSION_CHANGE, object_id=str(account.pk))
    assert record.actor == secadm
    assert record.changes["role"] == [Role.UNASSIGNED, Role.TOWNSHIP_CLERK]

    # The new role ends the open session; logging in again, the clerk works.
    assert clerk.get("/registry/organizations/").status_code == 302
    clerk.post(reverse("accounts:login"), {"username": "banqiao_li", "password": NEW})
    response = clerk.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("todo")
    assert org_in_b.name in clerk.get(reverse("registry:organization_list")).content.decode()


# --- Nothing kept by browsers or proxies -----------------------------------------------------------


def test_every_answer_to_a_signed_in_user_is_no_store(client, bob, org_in_a):
    client.force_login(bob)
    for url in ("/registry/organizations/", org_in_a.get_absolute_url(), "/registry/members/?format=csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= cache_control, url
    # A refusal too.
    assert "no-store" in client.get("/accounts/users/")["Cache-Control"]
