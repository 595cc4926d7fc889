"""Reads of accounts. Every function that lists accounts takes the viewer and applies the
separation of duties from ``roles.py``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.registry.models import PartyOrganization

from .models import User
from .roles import Permission, Role, may_assign_role, may_manage_account


def role_rank() -> Case:
    """Roles in the order they are declared (county first, administrators last)."""
    return Case(
        *(When(role=value, then=Value(rank)) for rank, value in enumerate(Role.values)),
        default=Value(len(Role.values)),
        output_field=IntegerField(),
    )


def _with_scope(qs: QuerySet[User]) -> QuerySet[User]:
    # ``scope_label`` reads one of these; joining them keeps list pages at a fixed query count.
    return qs.select_related("township", "department", "party_organization")


def may_open_accounts(*, user: User) -> bool:
    """Whether the account pages show anything to this viewer: the system administrator (who
    creates and manages accounts) and the security administrator (who assigns roles) need the
    whole list to do their job; nobody else sees accounts."""
    return user.can(Permission.MANAGE_ACCOUNTS) or user.can(Permission.ASSIGN_ROLES)


def visible_roles(user: User) -> list[str]:
    """Roles whose accounts the viewer sees, in declaration order."""
    return list(Role.values) if may_open_accounts(user=user) else []


def accounts_visible_to(*, user: User) -> QuerySet[User]:
    if not may_open_accounts(user=user):
        return User.objects.none()
    return _with_scope(User.objects.all())


@dataclass(frozen=True)
class AccountFilter:
    q: str = ""
    role: str = ""
    active: bool | None = None


def account_list(*, user: User, filters: AccountFilter) -> QuerySet[User]:
    qs = accounts_visible_to(user=user)
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.order_by(role_rank(), "username", "pk")


@dataclass(frozen=True)
class AccountActions:
    """What the viewer may do to one account; the services decide again on every write."""

    manage: bool  # disable, enable, reset password
    assign_role: bool


def account_actions(*, viewer: User, target: User) -> AccountActions:
    is_self = viewer.pk == target.pk
    active = viewer.is_active
    return AccountActions(
        manage=active and may_manage_account(viewer.role, target.role, is_self=is_self),
        assign_role=active and may_assign_role(viewer.role, is_self=is_self),
    )


# --- Choices for the scope fields ---------------------------------------------------------------


def township_choices() -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP, valid_to__isnull=True).order_by("code")


def department_choices() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("code")


def party_organization_choices() -> QuerySet[PartyOrganization]:
    return PartyOrganization.objects.filter(dissolved_on__isnull=True).order_by("name_normalized", "pk")
