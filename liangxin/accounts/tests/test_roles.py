"""The separation of duties, proven on the services: every refused action leaves the account
unchanged and writes no audit record."""

from __future__ import annotations

import pytest

from liangxin.accounts import services
from liangxin.accounts.models import User
from liangxin.accounts.roles import (
    Permission,
    Role,
    may_assign_role,
    may_create_accounts,
    may_manage_account,
    role_has,
)
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.core.errors import ServiceError
from liangxin.testing.factories import PASSWORD, UserFactory

NEW_PASSWORD = "Zhanghao#Xin2026"


def make_user(**kwargs):
    # Unannotated on purpose: mypy reads factory_boy's call as the factory, not the model.
    return UserFactory(**kwargs)


def _create(by, role, **scope):
    return services.create_user(by=by, username=f"new_{role}", password=PASSWORD, role=role, **scope)


# --- The rules in roles.py ------------------------------------------------------------------


def test_only_the_system_administrator_creates_accounts():
    assert [r for r in Role.values if may_create_accounts(r)] == [Role.SYS_ADMIN]


@pytest.mark.parametrize("role", list(Role.values))
def test_nobody_manages_or_reassigns_themselves(role):
    assert not may_manage_account(role, role, is_self=True)
    assert not may_assign_role(role, is_self=True)


def test_only_the_security_administrator_assigns_roles():
    assert [r for r in Role.values if may_assign_role(r, is_self=False)] == [Role.SEC_ADMIN]


def test_system_administrator_does_not_manage_security_or_audit_administrators():
    assert may_manage_account(Role.SYS_ADMIN, Role.TOWNSHIP_CLERK, is_self=False)
    assert may_manage_account(Role.SYS_ADMIN, Role.COUNTY_ADMIN, is_self=False)
    assert may_manage_account(Role.SYS_ADMIN, Role.UNASSIGNED, is_self=False)
    assert may_manage_account(Role.SYS_ADMIN, Role.SYS_ADMIN, is_self=False)
    assert not may_manage_account(Role.SYS_ADMIN, Role.SEC_ADMIN, is_self=False)
    assert not may_manage_account(Role.SYS_ADMIN, Role.AUDIT_ADMIN, is_self=False)


def test_the_county_administrator_manages_no_account():
    assert not role_has(Role.COUNTY_ADMIN, Permission.MANAGE_ACCOUNTS)
    assert not any(may_manage_account(Role.COUNTY_ADMIN, target, is_self=False) for target in Role.values)


def test_an_account_without_a_role_may_do_nothing():
    assert not any(role_has(Role.UNASSIGNED, permission) for permission in Permission)


# --- Creating accounts ------------------------------------------------------------------------


def test_sys_admin_creates_an_account_without_a_role_and_it_is_audited(sysadm):
    user = services.create_user(by=sysadm, username="new_person", password=PASSWORD, full_name="新人")
    assert user.role == Role.UNASSIGNED and user.check_password(PASSWORD)
    record = AuditRecord.objects.get(action=AuditAction.CREATE, object_id=str(user.pk))
    assert record.actor == sysadm
    assert record.changes["role"] == [None, Role.UNASSIGNED]
    assert "password" not in record.changes


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.UNASSIGNED])
def test_sys_admin_cannot_create_an_account_with_a_role(sysadm, township_a, role):
    with pytest.raises(ServiceError) as exc:
        _create(sysadm, role, township=township_a)
    assert exc.value.field == "role"
    assert not User.objects.filter(username=f"new_{role}").exists()
    assert not AuditRecord.objects.filter(action=AuditAction.CREATE).exists()


@pytest.mark.parametrize("actor_name", ["alice", "secadm", "auditor", "bob", "lily", "sam", "dave"])
def test_other_roles_cannot_create_any_account(request, actor_name):
    actor = request.getfixturevalue(actor_name)
    with pytest.raises(ServiceError) as exc:
        _create(actor, Role.UNASSIGNED)
    assert exc.value.message == "您无权创建账号。"
    assert not User.objects.filter(username=f"new_{Role.UNASSIGNED}").exists()


def test_a_disabled_sys_admin_creates_nothing(sysadm):
    sysadm.is_active = False
    with pytest.raises(ServiceError):
        _create(sysadm, Role.UNASSIGNED)


def test_the_bootstrap_creates_a_county_admin_with_its_role(db):
    """``by=None``: the command line on the server (``create_county_admin``)."""
    user = services.create_user(by=None, username="first_admin", password=PASSWORD, role=Role.COUNTY_ADMIN)
    assert user.role == Role.COUNTY_ADMIN
    assert AuditRecord.objects.get(action=AuditAction.CREATE).actor is None


# --- Disable, enable, reset password ----------------------------------------------------------


@pytest.mark.parametrize(
    ("actor_name", "target_name"),
    [
        ("secadm", "bob"),  # the security administrator manages no account
        ("auditor", "bob"),  # nor does the audit administrator
        ("sysadm", "secadm"),  # the system administrator keeps its hands off its peers' independence
        ("sysadm", "auditor"),
        ("alice", "bob"),  # the county administrator manages no account
        ("alice", "sysadm"),
        ("bob", "carol"),  # clerks manage nobody
        ("sysadm", "sysadm"),  # nobody manages their own account
        ("alice", "alice"),
    ],
)
def test_forbidden_account_management_is_refused(request, actor_name, target_name):
    actor = request.getfixturevalue(actor_name)
    target = request.getfixturevalue(target_name)
    old_hash = target.password
    with pytest.raises(ServiceError):
        services.set_active(by=actor, target=target, active=False)
    with pytest.raises(ServiceError):
        services.reset_password(by=actor, target=target, new_password=NEW_PASSWORD)
    target.refresh_from_db()
    assert target.is_active and target.password == old_hash
    assert not AuditRecord.objects.exists()


def test_sys_admin_disables_enables_and_resets_a_clerk(sysadm, bob):
    services.set_active(by=sysadm, target=bob, active=False)
    bob.refresh_from_db()
    assert not bob.is_active
    services.set_active(by=sysadm, target=bob, active=True)
    services.reset_password(by=sysadm, target=bob, new_password=NEW_PASSWORD)
    bob.refresh_from_db()
    assert bob.is_active and bob.check_password(NEW_PASSWORD)
    actions = list(AuditRecord.objects.filter(object_id=str(bob.pk)).order_by("pk").values_list("action", flat=True))
    assert actions == [AuditAction.DISABLE, AuditAction.ENABLE, AuditAction.PASSWORD_RESET]


def test_sys_admin_resets_a_peer_sys_admin_password(sysadm):
    peer = make_user(username="sysadm2", role=Role.SYS_ADMIN)
    services.reset_password(by=sysadm, target=peer, new_password=NEW_PASSWORD)
    peer.refresh_from_db()
    assert peer.check_password(NEW_PASSWORD)


def test_reset_to_a_weak_password_is_refused_on_the_password_field(sysadm, bob):
    with pytest.raises(ServiceError) as exc:
        services.reset_password(by=sysadm, target=bob, new_password="12345678")
    assert exc.value.field == "password"
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)


# --- Assigning roles ----------------------------------------------------------------------------


@pytest.mark.parametrize("actor_name", ["alice", "sysadm", "auditor", "bob", "lily", "sam"])
def test_only_the_security_administrator_may_change_a_role(request, actor_name, carol, township_a):
    actor = request.getfixturevalue(actor_name)
    with pytest.raises(ServiceError) as exc:
        services.assign_role(by=actor, target=carol, role=Role.TOWNSHIP_CLERK, township=township_a)
    assert exc.value.message == "只有安全管理员可以变更其他账号的角色和范围。"
    carol.refresh_from_db()
    assert carol.township.name == "板桥镇"


@pytest.mark.parametrize("name", ["alice", "sysadm", "secadm", "auditor", "bob", "lily", "sam", "dave"])
def test_nobody_can_change_their_own_role(request, name):
    user = request.getfixturevalue(name)
    role_before = user.role
    new_role = Role.LEADER if role_before != Role.LEADER else Role.COUNTY_ADMIN
    with pytest.raises(ServiceError):
        services.assign_role(by=user, target=user, role=new_role)
    user.refresh_from_db()
    assert user.role == role_before
    assert not AuditRecord.objects.filter(action=AuditAction.PERMISSION_CHANGE).exists()


def test_security_admin_moves_a_clerk_to_a_department_and_it_is_audited(secadm, bob, department_x):
    services.assign_role(by=secadm, target=bob, role=Role.DEPARTMENT_CLERK, department=department_x)
    bob.refresh_from_db()
    assert bob.role == Role.DEPARTMENT_CLERK and bob.department == department_x and bob.township is None
    record = AuditRecord.objects.get(action=AuditAction.PERMISSION_CHANGE)
    assert record.actor == secadm
    assert record.changes["role"] == [Role.TOWNSHIP_CLERK, Role.DEPARTMENT_CLERK]
    assert record.changes["department"] == [None, department_x.pk]


def test_security_admin_gives_a_new_account_its_role_and_it_is_audited(sysadm, secadm, township_a):
    user = services.create_user(by=sysadm, username="new_person", password=PASSWORD)
    services.assign_role(by=secadm, target=user, role=Role.TOWNSHIP_CLERK, township=township_a)
    user.refresh_from_db()
    assert (user.role, user.township) == (Role.TOWNSHIP_CLERK, township_a)
    record = AuditRecord.objects.get(action=AuditAction.PERMISSION_CHANGE)
    assert record.actor == secadm and record.object_id == str(user.pk)
    assert record.changes == {"role": [Role.UNASSIGNED, Role.TOWNSHIP_CLERK], "township": [None, township_a.pk]}


def test_a_disabled_security_admin_assigns_nothing(secadm, lily):
    secadm.is_active = False
    with pytest.raises(ServiceError):
        services.assign_role(by=secadm, target=lily, role=Role.COUNTY_ADMIN)
    lily.refresh_from_db()
    assert lily.role == Role.LEADER


def test_assigning_a_scoped_role_without_its_scope_is_refused(secadm, lily):
    with pytest.raises(ServiceError) as exc:
        services.assign_role(by=secadm, target=lily, role=Role.SECRETARY)
    assert exc.value.field == "party_organization"
    lily.refresh_from_db()
    assert lily.role == Role.LEADER


# --- Changing one's own password -----------------------------------------------------------------


def test_change_own_password_checks_the_old_one(bob):
    with pytest.raises(ServiceError) as exc:
        services.change_own_password(user=bob, old_password="wrong-password", new_password=NEW_PASSWORD)
    assert exc.value.field == "old_password"
    with pytest.raises(ServiceError) as exc:
        services.change_own_password(user=bob, old_password=PASSWORD, new_password="bob")
    assert exc.value.field == "new_password"
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)
    assert not AuditRecord.objects.exists()


def test_change_own_password_is_audited_without_the_hash(bob):
    services.change_own_password(user=bob, old_password=PASSWORD, new_password=NEW_PASSWORD)
    bob.refresh_from_db()
    assert bob.check_password(NEW_PASSWORD)
    record = AuditRecord.objects.get()
    assert (record.actor, record.action, record.object_id) == (bob, AuditAction.UPDATE, str(bob.pk))
    assert record.changes == {"password": [None, "******"]}
    assert bob.password not in str(record.changes)
