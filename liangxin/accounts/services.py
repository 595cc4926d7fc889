"""Account management: create, disable, enable, reset password, assign role and scope.

The separation of duties lives in ``roles.py``; these functions only apply it, audit every
change, and refuse with a message otherwise. An account created in the web interface has no
role (``Role.UNASSIGNED``) until the security administrator assigns one with ``assign_role``;
only the bootstrap commands (``create_county_admin``, ``create_administrator``) and the demo
create an account with a role, with ``by=None`` (recorded as done from the command line).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.core.errors import ServiceError
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel

from .models import User

if TYPE_CHECKING:
    from liangxin.registry.models import PartyOrganization
from .roles import SCOPE_OF_ROLE, Role, ScopeKind, may_assign_role, may_create_accounts, may_manage_account


def _scope_values(
    *,
    role: str,
    township: AdministrativeUnit | None,
    department: Department | None,
    party_organization: PartyOrganization | None,
) -> dict[str, object | None]:
    kind = SCOPE_OF_ROLE.get(role)
    if kind is None:
        raise ServiceError(_("未知角色。"), field="role")
    values: dict[str, object | None] = {"township": None, "department": None, "party_organization": None}
    if kind is ScopeKind.TOWNSHIP:
        if township is None or township.level != UnitLevel.TOWNSHIP:
            raise ServiceError(_("乡镇工作人员须指定所辖乡镇(街道)。"), field="township")
        values["township"] = township
    elif kind is ScopeKind.DEPARTMENT:
        if department is None:
            raise ServiceError(_("部门工作人员须指定所属部门。"), field="department")
        values["department"] = department
    elif kind is ScopeKind.PARTY_ORGANIZATION:
        if party_organization is None:
            raise ServiceError(_("党组织书记须指定所在党组织。"), field="party_organization")
        values["party_organization"] = party_organization
    return values


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), field="password") from exc


def create_user(
    *,
    by: User | None,
    username: str,
    password: str,
    role: str = Role.UNASSIGNED,
    full_name: str = "",
    phone: str = "",
    township: AdministrativeUnit | None = None,
    department: Department | None = None,
    party_organization: PartyOrganization | None = None,
) -> User:
    """A new account. Created by an administrator (``by``) it has no role; a role at creation
    is only for the bootstrap commands and the demo (``by=None``)."""
    if by is not None:
        if not (by.is_active and may_create_accounts(by.role)):
            raise ServiceError(_("您无权创建账号。"))
        if role != Role.UNASSIGNED:
            raise ServiceError(_("新账号不带角色创建,由安全管理员分配角色和范围。"), field="role")
    username = username.strip()
    if not username:
        raise ServiceError(_("账号不能为空。"), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(_("账号 %(name)s 已存在。") % {"name": username}, field="username")
    scope = _scope_values(role=role, township=township, department=department, party_organization=party_organization)
    user = User(username=username, role=role, full_name=full_name, phone=phone, **scope)
    _check_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        log_change(actor=by, action=AuditAction.CREATE, obj=user, changes=diff(None, snapshot(user)))
    return user


def _require_manage(by: User, target: User) -> None:
    if not may_manage_account(by.role, target.role, is_self=by.pk == target.pk):
        raise ServiceError(_("您无权管理该账号。"))


def set_active(*, by: User, target: User, active: bool) -> User:
    _require_manage(by, target)
    if target.is_active == active:
        return target
    with transaction.atomic():
        target.is_active = active
        target.save(update_fields=["is_active"])
        log_change(
            actor=by,
            action=AuditAction.ENABLE if active else AuditAction.DISABLE,
            obj=target,
            changes={"is_active": [not active, active]},
        )
    return target


def reset_password(*, by: User, target: User, new_password: str) -> User:
    _require_manage(by, target)
    _check_password(new_password, target)
    with transaction.atomic():
        target.set_password(new_password)
        target.save(update_fields=["password"])
        log_change(actor=by, action=AuditAction.PASSWORD_RESET, obj=target)
    return target


def assign_role(
    *,
    by: User,
    target: User,
    role: str,
    township: AdministrativeUnit | None = None,
    department: Department | None = None,
    party_organization: PartyOrganization | None = None,
) -> User:
    """Only the security administrator changes roles and scopes, and never their own."""
    if not (by.is_active and may_assign_role(by.role, is_self=by.pk == target.pk)):
        raise ServiceError(_("只有安全管理员可以变更其他账号的角色和范围。"))
    if role not in Role.values:
        raise ServiceError(_("未知角色。"), field="role")
    scope = _scope_values(role=role, township=township, department=department, party_organization=party_organization)
    with transaction.atomic():
        before = snapshot(target)
        target.role = role
        for name, value in scope.items():
            setattr(target, name, value)
        target.save(update_fields=["role", "township", "department", "party_organization"])
        log_change(actor=by, action=AuditAction.PERMISSION_CHANGE, obj=target, changes=diff(before, snapshot(target)))
    return target


def change_own_password(*, user: User, old_password: str, new_password: str) -> User:
    """A user changes their own password. The current password is asked again, so a session
    left open on a shared office computer is not enough to take the account over."""
    if not user.check_password(old_password):
        raise ServiceError(_("原密码不正确。"), field="old_password")
    if old_password == new_password:
        raise ServiceError(_("新密码不能与原密码相同。"), field="new_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), field="new_password") from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        # Neither hash is logged; the record only says that the password was changed.
        log_change(actor=user, action=AuditAction.UPDATE, obj=user, changes={"password": [None, "******"]})
    return user
