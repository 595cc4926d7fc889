"""Roles, their scope kind and what each may do. Pure data: no Django models here.

One account holds exactly one role, so "no account holds two of the three administrator roles"
is true by construction; who may grant a role is decided here and nowhere else.
"""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县两新党工委/组织部管理员")
    TOWNSHIP_CLERK = "township_clerk", _("乡镇(街道)工作人员")
    DEPARTMENT_CLERK = "department_clerk", _("行业主管部门工作人员")
    SECRETARY = "secretary", _("党组织书记")
    LEADER = "leader", _("县级领导(只读)")
    SYS_ADMIN = "sys_admin", _("系统管理员")
    SEC_ADMIN = "sec_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


class ScopeKind(enum.Enum):
    COUNTY = "county"
    TOWNSHIP = "township"
    DEPARTMENT = "department"
    PARTY_ORGANIZATION = "party_organization"
    NONE = "none"  # administrators: no business data at all


SCOPE_OF_ROLE: dict[str, ScopeKind] = {
    Role.COUNTY_ADMIN: ScopeKind.COUNTY,
    Role.LEADER: ScopeKind.COUNTY,
    Role.TOWNSHIP_CLERK: ScopeKind.TOWNSHIP,
    Role.DEPARTMENT_CLERK: ScopeKind.DEPARTMENT,
    Role.SECRETARY: ScopeKind.PARTY_ORGANIZATION,
    Role.SYS_ADMIN: ScopeKind.NONE,
    Role.SEC_ADMIN: ScopeKind.NONE,
    Role.AUDIT_ADMIN: ScopeKind.NONE,
}

BUSINESS_ROLES = frozenset({Role.COUNTY_ADMIN, Role.TOWNSHIP_CLERK, Role.DEPARTMENT_CLERK, Role.SECRETARY, Role.LEADER})
ADMIN_ROLES = frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN, Role.AUDIT_ADMIN})
# Roles a county administrator may hand out when creating business accounts.
COUNTY_GRANTABLE_ROLES = frozenset({Role.TOWNSHIP_CLERK, Role.DEPARTMENT_CLERK, Role.SECRETARY, Role.LEADER})


class Permission(enum.Enum):
    VIEW_BUSINESS = "view_business"
    EDIT_ORGANIZATIONS = "edit_organizations"
    MERGE_ORGANIZATIONS = "merge_organizations"
    VIEW_FULL_ID_NUMBER = "view_full_id_number"
    MANAGE_ACCOUNTS = "manage_accounts"  # create, disable, enable, reset password
    ASSIGN_ROLES = "assign_roles"  # change role and scope of another account
    VIEW_AUDIT = "view_audit"


PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.COUNTY_ADMIN: frozenset(
        {
            Permission.VIEW_BUSINESS,
            Permission.EDIT_ORGANIZATIONS,
            Permission.MERGE_ORGANIZATIONS,
            Permission.VIEW_FULL_ID_NUMBER,
            Permission.MANAGE_ACCOUNTS,
        }
    ),
    Role.TOWNSHIP_CLERK: frozenset(
        {Permission.VIEW_BUSINESS, Permission.EDIT_ORGANIZATIONS, Permission.MERGE_ORGANIZATIONS}
    ),
    Role.DEPARTMENT_CLERK: frozenset({Permission.VIEW_BUSINESS}),
    # A secretary sees the full ID numbers of the members of his own organization (audited).
    Role.SECRETARY: frozenset({Permission.VIEW_BUSINESS, Permission.VIEW_FULL_ID_NUMBER}),
    Role.LEADER: frozenset({Permission.VIEW_BUSINESS}),
    Role.SYS_ADMIN: frozenset({Permission.MANAGE_ACCOUNTS}),
    Role.SEC_ADMIN: frozenset({Permission.ASSIGN_ROLES}),
    Role.AUDIT_ADMIN: frozenset({Permission.VIEW_AUDIT}),
}


def role_has(role: str, permission: Permission) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def roles_grantable_on_create(actor_role: str) -> frozenset[str]:
    """Roles an actor may give a new account. Administrator roles are assigned only by the
    security administrator, on an existing account, so no one creates a peer of their own."""
    if actor_role == Role.SYS_ADMIN:
        return frozenset(BUSINESS_ROLES)
    if actor_role == Role.COUNTY_ADMIN:
        return COUNTY_GRANTABLE_ROLES
    return frozenset()


def may_manage_account(actor_role: str, target_role: str, *, is_self: bool) -> bool:
    """Disable, enable, reset password. Never on oneself (that is what 'change password' is for)."""
    if is_self or not role_has(actor_role, Permission.MANAGE_ACCOUNTS):
        return False
    if actor_role == Role.COUNTY_ADMIN:
        return target_role in COUNTY_GRANTABLE_ROLES
    # The system administrator manages business accounts and its peers' passwords, but not the
    # security and audit administrators: they would lose their independence.
    return target_role not in {Role.SEC_ADMIN, Role.AUDIT_ADMIN}


def may_assign_role(actor_role: str, *, is_self: bool) -> bool:
    return role_has(actor_role, Permission.ASSIGN_ROLES) and not is_self
