"""Roles, their scope kind and what each may do. Pure data: no Django models here.

One account holds exactly one role, so "no account holds two of the three administrator roles"
is true by construction; who may grant a role is decided here and nowhere else.

Separation of duties (三员分立): the system administrator creates accounts, always without a role
(``Role.UNASSIGNED``), and disables, enables and resets them; only the security administrator gives
an existing account its role and scope; nobody does either to their own account. Which pages each
role may open is in ``access.py``, built on the permissions below.
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
    # A new account, until the security administrator gives it a role: it may log in, change
    # its password and set up two-factor login, and sees nothing else.
    UNASSIGNED = "unassigned", _("未分配角色")


class ScopeKind(enum.Enum):
    COUNTY = "county"
    TOWNSHIP = "township"
    DEPARTMENT = "department"
    PARTY_ORGANIZATION = "party_organization"
    NONE = "none"  # administrators: no business data at all


SCOPE_OF_ROLE: dict[str, ScopeKind] = {
    Role.UNASSIGNED: ScopeKind.NONE,
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


class Permission(enum.Enum):
    VIEW_BUSINESS = "view_business"
    EDIT_ORGANIZATIONS = "edit_organizations"
    MERGE_ORGANIZATIONS = "merge_organizations"
    VIEW_FULL_ID_NUMBER = "view_full_id_number"
    # A member's full phone number on the member's page: for those who call members.
    VIEW_FULL_PHONE = "view_full_phone"
    # A member's dues base (and the dues it gives): the member's secretary and the county
    # administrator only; every full view of the base is audited (funding.services).
    VIEW_DUES_BASE = "view_dues_base"
    # A party organization's funding books: dues payments, spending, activity funds booked by
    # its organizations, reward applications. The county's own moves of money (issuing the
    # allocation, returning dues, deciding rewards) are DISBURSE_FUNDS.
    KEEP_FUNDING_BOOKS = "keep_funding_books"
    DISBURSE_FUNDS = "disburse_funds"
    # Member development (发展党员): record applications, steps, stages and the three
    # recommendations; admitting and converting members through the register's services.
    DEVELOP_MEMBERS = "develop_members"
    # The five-ones checklist (docs/standardization.md): the party organization's secretary, the
    # township and the county add evidence; only someone other than the secretary checks it.
    ADD_STANDARDIZATION_EVIDENCE = "add_standardization_evidence"
    CHECK_STANDARDIZATION = "check_standardization"
    # Organization life: a party organization's activities, recorded by its secretary or for it
    # by its township's clerk (orglife).
    RECORD_ORGANIZATION_LIFE = "record_organization_life"
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
            Permission.VIEW_DUES_BASE,
            Permission.KEEP_FUNDING_BOOKS,
            Permission.DISBURSE_FUNDS,
            Permission.DEVELOP_MEMBERS,
            Permission.ADD_STANDARDIZATION_EVIDENCE,
            Permission.CHECK_STANDARDIZATION,
        }
    ),
    Role.TOWNSHIP_CLERK: frozenset(
        {
            Permission.DEVELOP_MEMBERS,
            Permission.VIEW_BUSINESS,
            Permission.EDIT_ORGANIZATIONS,
            Permission.MERGE_ORGANIZATIONS,
            Permission.VIEW_FULL_PHONE,
            Permission.KEEP_FUNDING_BOOKS,
            Permission.ADD_STANDARDIZATION_EVIDENCE,
            Permission.CHECK_STANDARDIZATION,
            Permission.RECORD_ORGANIZATION_LIFE,
        }
    ),
    Role.DEPARTMENT_CLERK: frozenset({Permission.VIEW_BUSINESS}),
    # A secretary sees the full ID numbers of the members of his own organization (audited).
    Role.SECRETARY: frozenset(
        {
            Permission.VIEW_BUSINESS,
            Permission.VIEW_FULL_ID_NUMBER,
            Permission.VIEW_FULL_PHONE,
            Permission.VIEW_DUES_BASE,
            Permission.KEEP_FUNDING_BOOKS,
            Permission.DEVELOP_MEMBERS,
            Permission.ADD_STANDARDIZATION_EVIDENCE,
            Permission.RECORD_ORGANIZATION_LIFE,
        }
    ),
    Role.LEADER: frozenset({Permission.VIEW_BUSINESS}),
    Role.SYS_ADMIN: frozenset({Permission.MANAGE_ACCOUNTS}),
    Role.SEC_ADMIN: frozenset({Permission.ASSIGN_ROLES}),
    Role.AUDIT_ADMIN: frozenset({Permission.VIEW_AUDIT}),
    Role.UNASSIGNED: frozenset(),
}


def role_has(role: str, permission: Permission) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def roles_with(permission: Permission) -> frozenset[str]:
    return frozenset(role for role, granted in PERMISSIONS.items() if permission in granted)


def may_create_accounts(actor_role: str) -> bool:
    """Creating an account gives it no role: whoever creates accounts cannot also decide what
    they may do, so no one can make a working account of their own choosing alone."""
    return role_has(actor_role, Permission.MANAGE_ACCOUNTS)


def may_manage_account(actor_role: str, target_role: str, *, is_self: bool) -> bool:
    """Disable, enable, reset password. Never on oneself (that is what 'change password' is for)."""
    if is_self or not role_has(actor_role, Permission.MANAGE_ACCOUNTS):
        return False
    # The system administrator manages business accounts and its peers' passwords, but not the
    # security and audit administrators: they would lose their independence.
    return target_role not in {Role.SEC_ADMIN, Role.AUDIT_ADMIN}


def may_assign_role(actor_role: str, *, is_self: bool) -> bool:
    return role_has(actor_role, Permission.ASSIGN_ROLES) and not is_self
