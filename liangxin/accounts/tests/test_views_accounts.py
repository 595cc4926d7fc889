"""The account pages: who sees which account, and every forbidden action refused through the URL."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.testing.factories import PASSWORD, UserFactory

NEW_PASSWORD = "Zhanghao#Xin2026"
USERS = "/accounts/users/"


def detail(user):
    return f"{USERS}{user.pk}/"


def usernames(response):
    return [u.username for u in response.context["page_obj"]]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def everyone(alice, lily, bob, carol, dave, sam, sysadm, secadm, auditor):
    return {u.username: u for u in (alice, lily, bob, carol, dave, sam, sysadm, secadm, auditor)}


# --- The list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "bob", "carol", "dave", "sam", "lily", "auditor"])
def test_roles_without_account_duties_get_403_on_every_account_page(client, everyone, name):
    """The county administrator included: accounts belong to the system administrator, roles to
    the security administrator."""
    client.force_login(everyone[name])
    target = everyone["carol" if name == "bob" else "bob"]
    assert client.get(USERS).status_code == 403
    assert client.get(f"{USERS}new/").status_code == 403
    assert client.post(f"{USERS}new/", _create_payload()).status_code == 403
    assert client.get(f"{USERS}scope-fields/?role=township_clerk").status_code == 403
    assert client.get(detail(target)).status_code == 403
    for action in ("disable", "enable", "reset-password", "role"):
        assert client.post(f"{detail(target)}{action}/").status_code == 403
    assert not User.objects.filter(username="luoxiong_wang").exists()
    assert not AuditRecord.objects.exclude(action=AuditAction.LOGIN).exists()


@pytest.mark.parametrize("name", ["sysadm", "secadm"])
def test_system_and_security_admins_list_every_account(client, everyone, name):
    client.force_login(everyone[name])
    response = client.get(USERS)
    assert sorted(usernames(response)) == sorted(everyone)
    # Only the system administrator creates accounts.
    assert ("新建账号" in response.content.decode()) is (name == "sysadm")


def test_user_list_search_and_filters(client, everyone):
    everyone["bob"].full_name = "罗雄 王建国"
    everyone["bob"].save()
    User.objects.filter(username="carol").update(is_active=False)
    UserFactory(username="newcomer", role=Role.UNASSIGNED)
    client.force_login(everyone["sysadm"])
    assert usernames(client.get(USERS, {"q": "王建"})) == ["bob"]
    assert usernames(client.get(USERS, {"q": "CAR"})) == ["carol"]
    assert usernames(client.get(USERS, {"role": Role.TOWNSHIP_CLERK})) == ["bob", "carol"]
    assert usernames(client.get(USERS, {"role": Role.TOWNSHIP_CLERK, "active": "1"})) == ["bob"]
    assert usernames(client.get(USERS, {"active": "0"})) == ["carol"]
    # The accounts waiting for a role, for the security administrator.
    client.force_login(everyone["secadm"])
    assert usernames(client.get(USERS, {"role": Role.UNASSIGNED})) == ["newcomer"]


def test_user_list_is_paginated_and_keeps_the_filters(client, settings, sysadm, township_a):
    settings.PAGE_SIZE = 10
    for n in range(25):
        UserFactory(username=f"clerk{n:02d}", role=Role.TOWNSHIP_CLERK, township=township_a)
    client.force_login(sysadm)
    response = client.get(USERS, {"role": Role.TOWNSHIP_CLERK, "page": 3})
    assert usernames(response) == [f"clerk{n:02d}" for n in range(20, 25)]
    assert "共 25 个账号" in response.content.decode()
    assert "role=township_clerk&amp;page=2" in response.content.decode()


def test_user_list_query_count_is_bounded(
    client, django_assert_max_num_queries, sysadm, township_a, department_x, branch_a
):
    for n in range(10):
        UserFactory(username=f"t{n}", role=Role.TOWNSHIP_CLERK, township=township_a)
        UserFactory(username=f"d{n}", role=Role.DEPARTMENT_CLERK, department=department_x)
        UserFactory(username=f"s{n}", role=Role.SECRETARY, party_organization=branch_a)
    client.force_login(sysadm)
    with django_assert_max_num_queries(6):
        response = client.get(USERS)
    assert len(response.context["page_obj"]) == 31
    assert response.content.decode().count("罗平县蜂产业协会党支部") == 10


# --- Creating: the system administrator, always without a role ------------------------------------


def _create_payload(**overrides):
    data = {
        "username": "luoxiong_wang",
        "full_name": "王建国",
        "phone": "0874-8212345",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    return data | overrides


def test_create_form_has_no_role_or_scope(client, sysadm):
    client.force_login(sysadm)
    response = client.get(f"{USERS}new/")
    assert set(response.context["form"].fields) == {"username", "full_name", "phone", "password", "password_confirm"}
    content = response.content.decode()
    assert 'name="role"' not in content and 'name="township"' not in content
    assert "由安全管理员分配角色和范围" in content


@pytest.mark.parametrize("role", [Role.COUNTY_ADMIN, Role.TOWNSHIP_CLERK, Role.SEC_ADMIN])
def test_sys_admin_creates_an_account_without_a_role_whatever_is_posted(client, sysadm, township_a, role):
    """The system administrator can no longer make a working county administrator of his own:
    a role posted with the form is ignored, and the account sees nothing until the security
    administrator assigns one."""
    client.force_login(sysadm)
    response = client.post(f"{USERS}new/", _create_payload(role=role, township=township_a.pk))
    created = User.objects.get(username="luoxiong_wang")
    assert response.status_code == 302 and response["Location"] == detail(created)
    assert "尚未分配角色" in messages_of(response)[0]
    assert (created.role, created.township, created.department, created.party_organization) == (
        Role.UNASSIGNED,
        None,
        None,
        None,
    )
    assert created.check_password(NEW_PASSWORD)
    record = AuditRecord.objects.get(action=AuditAction.CREATE)
    assert record.actor == sysadm and record.changes["role"] == [None, Role.UNASSIGNED]


def test_weak_or_mismatched_password_is_reported(client, sysadm):
    client.force_login(sysadm)
    response = client.post(f"{USERS}new/", _create_payload(password_confirm="other"))
    assert response.context["form"].errors["password_confirm"] == ["两次输入的密码不一致。"]
    response = client.post(f"{USERS}new/", _create_payload(password="12345678", password_confirm="12345678"))
    assert response.context["form"].errors["password"]
    assert not User.objects.filter(username="luoxiong_wang").exists()


def test_duplicate_username_is_reported_on_the_username_field(client, sysadm, bob):
    client.force_login(sysadm)
    response = client.post(f"{USERS}new/", _create_payload(username="BOB"))
    assert response.context["form"].errors["username"] == ["账号 BOB 已存在。"]


def test_security_admin_cannot_create_accounts(client, secadm):
    client.force_login(secadm)
    assert client.get(f"{USERS}new/").status_code == 403
    assert client.post(f"{USERS}new/", _create_payload()).status_code == 403
    assert not User.objects.filter(username="luoxiong_wang").exists()


def test_scope_fields_follow_the_role(client, secadm, township_a, department_x, branch_a):
    client.force_login(secadm)
    url = f"{USERS}scope-fields/"
    assert 'name="township"' in client.get(url, {"role": Role.TOWNSHIP_CLERK}).content.decode()
    content = client.get(url, {"role": Role.DEPARTMENT_CLERK}).content.decode()
    assert 'name="department"' in content and "县工商联" in content and 'name="township"' not in content
    assert "罗平县蜂产业协会党支部" in client.get(url, {"role": Role.SECRETARY}).content.decode()
    content = client.get(url, {"role": Role.LEADER}).content.decode()
    assert "<select" not in content and "不需要指定" in content


# --- Detail -------------------------------------------------------------------------------------


def test_unknown_account_is_404(client, sysadm):
    client.force_login(sysadm)
    assert client.get(f"{USERS}999999/").status_code == 404


def test_detail_offers_the_sys_admin_disable_and_reset_but_no_role(client, sysadm, bob):
    client.force_login(sysadm)
    content = client.get(detail(bob)).content.decode()
    assert "罗雄街道" in content and "乡镇(街道)工作人员" in content
    assert f"{detail(bob)}disable/" in content and f"{detail(bob)}reset-password/" in content
    assert f"{detail(bob)}role/" not in content


def test_detail_offers_the_sys_admin_nothing_on_the_security_admin(client, sysadm, secadm):
    client.force_login(sysadm)
    content = client.get(detail(secadm)).content.decode()
    assert "您对该账号没有可执行的操作" in content
    assert "disable/" not in content and "reset-password/" not in content and "role/" not in content


def test_detail_offers_the_security_admin_only_the_role_form(client, secadm, bob):
    client.force_login(secadm)
    content = client.get(detail(bob)).content.decode()
    assert f"{detail(bob)}role/" in content
    assert "disable/" not in content and "reset-password/" not in content
    # Not on its own account.
    assert "您对该账号没有可执行的操作" in client.get(detail(secadm)).content.decode()


# --- Disable, enable, reset ---------------------------------------------------------------------


def test_sys_admin_disables_and_enables_a_clerk(client, sysadm, bob):
    client.force_login(sysadm)
    back = client.get(f"{detail(bob)}disable/", follow=True)  # a GET changes nothing
    assert back.redirect_chain[-1][0] == detail(bob)
    bob.refresh_from_db()
    assert bob.is_active
    response = client.post(f"{detail(bob)}disable/")
    assert response.status_code == 302 and response["Location"] == detail(bob)
    assert messages_of(response) == ["账号 bob 已停用。"]
    bob.refresh_from_db()
    assert not bob.is_active
    client.post(f"{detail(bob)}enable/")
    bob.refresh_from_db()
    assert bob.is_active
    actions = AuditRecord.objects.filter(object_id=str(bob.pk)).order_by("pk").values_list("action", flat=True)
    assert list(actions) == [AuditAction.DISABLE, AuditAction.ENABLE]


@pytest.mark.parametrize("target", ["secadm", "auditor", "sysadm"])
def test_sys_admin_is_refused_on_protected_accounts(client, everyone, target):
    """The security and audit administrators are out of its reach; itself too."""
    sysadm, account = everyone["sysadm"], everyone[target]
    client.force_login(sysadm)
    old_hash = account.password
    response = client.post(f"{detail(account)}disable/", follow=True)
    assert response.redirect_chain == [(detail(account), 302)]
    assert "您无权管理该账号。" in response.content.decode()
    payload = {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
    response = client.post(f"{detail(account)}reset-password/", payload, follow=True)
    assert "您无权管理该账号。" in response.content.decode()
    account.refresh_from_db()
    assert account.is_active and account.password == old_hash
    assert not AuditRecord.objects.exclude(action=AuditAction.LOGIN).exists()


@pytest.mark.parametrize("name", ["secadm", "auditor", "alice"])
def test_others_cannot_disable_or_reset(client, everyone, name):
    bob = everyone["bob"]
    client.force_login(everyone[name])
    assert client.post(f"{detail(bob)}disable/").status_code == 403
    payload = {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
    assert client.post(f"{detail(bob)}reset-password/", payload).status_code == 403
    bob.refresh_from_db()
    assert bob.is_active and bob.check_password(PASSWORD)


def test_reset_password(client, sysadm, bob):
    client.force_login(sysadm)
    url = f"{detail(bob)}reset-password/"
    response = client.post(url, {"new_password": NEW_PASSWORD, "new_password_confirm": "different"})
    assert response.context["reset_form"].errors["new_password_confirm"] == ["两次输入的密码不一致。"]
    response = client.post(url, {"new_password": "bob12345", "new_password_confirm": "bob12345"})
    assert response.context["reset_form"].errors["new_password"]
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)
    response = client.post(url, {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD})
    assert messages_of(response) == ["账号 bob 的密码已重置。"]
    bob.refresh_from_db()
    assert bob.check_password(NEW_PASSWORD)
    assert AuditRecord.objects.filter(action=AuditAction.PASSWORD_RESET, actor=sysadm).count() == 1


# --- Assigning roles ----------------------------------------------------------------------------


def test_security_admin_reassigns_a_clerk(client, secadm, bob, department_x):
    client.force_login(secadm)
    response = client.post(f"{detail(bob)}role/", {"role": Role.DEPARTMENT_CLERK, "department": department_x.pk})
    assert response.status_code == 302
    assert messages_of(response) == ["账号 bob 的角色和范围已变更。"]
    bob.refresh_from_db()
    assert (bob.role, bob.department, bob.township) == (Role.DEPARTMENT_CLERK, department_x, None)
    record = AuditRecord.objects.get(action=AuditAction.PERMISSION_CHANGE)
    assert record.actor == secadm and record.changes["role"] == [Role.TOWNSHIP_CLERK, Role.DEPARTMENT_CLERK]


def test_security_admin_may_grant_administrator_roles_on_an_existing_account(client, secadm, lily):
    client.force_login(secadm)
    client.post(f"{detail(lily)}role/", {"role": Role.AUDIT_ADMIN})
    lily.refresh_from_db()
    assert lily.role == Role.AUDIT_ADMIN


def test_security_admin_may_take_a_role_back(client, secadm, bob):
    client.force_login(secadm)
    client.post(f"{detail(bob)}role/", {"role": Role.UNASSIGNED})
    bob.refresh_from_db()
    assert (bob.role, bob.township) == (Role.UNASSIGNED, None)


def test_reassigning_without_the_scope_is_reported_on_the_field(client, secadm, lily):
    client.force_login(secadm)
    response = client.post(f"{detail(lily)}role/", {"role": Role.TOWNSHIP_CLERK})
    assert response.status_code == 200
    assert response.context["assign_form"].errors["township"] == ["乡镇工作人员须指定所辖乡镇(街道)。"]
    lily.refresh_from_db()
    assert lily.role == Role.LEADER


def test_security_admin_cannot_change_its_own_role(client, secadm):
    client.force_login(secadm)
    response = client.post(f"{detail(secadm)}role/", {"role": Role.SYS_ADMIN})
    assert messages_of(response) == ["只有安全管理员可以变更其他账号的角色和范围。"]
    secadm.refresh_from_db()
    assert secadm.role == Role.SEC_ADMIN
    assert not AuditRecord.objects.filter(action=AuditAction.PERMISSION_CHANGE).exists()


@pytest.mark.parametrize("name", ["sysadm", "alice"])
def test_other_managers_cannot_assign_roles_through_the_url(client, everyone, name):
    bob = everyone["bob"]
    client.force_login(everyone[name])
    assert client.post(f"{detail(bob)}role/", {"role": Role.LEADER}).status_code == 403
    # Nor on themselves, where it would be an escalation.
    me = everyone[name]
    assert client.post(f"{detail(me)}role/", {"role": Role.SEC_ADMIN}).status_code == 403
    bob.refresh_from_db()
    me.refresh_from_db()
    assert bob.role == Role.TOWNSHIP_CLERK and me.role != Role.SEC_ADMIN


# --- One's own password -----------------------------------------------------------------------


def test_any_user_changes_their_own_password_and_stays_logged_in(client, bob):
    client.force_login(bob)
    url = "/accounts/password/"
    response = client.post(
        url, {"old_password": "wrong", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
    )
    assert response.context["form"].errors["old_password"] == ["原密码不正确。"]
    response = client.post(
        url, {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(NEW_PASSWORD)
    assert client.get(url).status_code == 200  # the session survived the change
    assert AuditRecord.objects.filter(action=AuditAction.UPDATE, actor=bob, object_id=str(bob.pk)).count() == 1


def test_administrators_change_their_own_password_too(client, auditor):
    client.force_login(auditor)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
    )
    assert response["Location"] == "/audit/"
    auditor.refresh_from_db()
    assert auditor.check_password(NEW_PASSWORD)
