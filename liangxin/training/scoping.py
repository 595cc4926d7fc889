"""Who sees and keeps which training records (docs/training.md "Scope").

- A training is seen by the county, by the unit that held it, by every unit for a county-held
  training (its course is the county's), and by whoever sees one of its attendees.
- An attendee is seen by the county, by the township the attendee belongs to, by the unit that
  held the training, and by whoever sees the party organization, member or organization named.
- A training is kept (edited, attendees added or removed) by the unit that held it; the county
  administrator keeps every training.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from liangxin.accounts.access import TRAINING_KEEPERS
from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, Role, ScopeKind
from liangxin.registry.models import Member, Organization, PartyOrganization

from .models import Attendance

NOTHING = Q(pk__in=[])
COUNTY_HELD = Q(township__isnull=True, department__isnull=True)


def _no_business(user: User) -> bool:
    return not user.is_authenticated or not user.can(Permission.VIEW_BUSINESS)


def attendance_scope(user: User) -> Q:
    if _no_business(user):
        return NOTHING
    kind = user.scope_kind
    if kind is ScopeKind.COUNTY:
        return Q()
    linked = (
        Q(party_organization__in=PartyOrganization.objects.restrict(user).values("pk"))
        | Q(member__in=Member.objects.restrict(user).values("pk"))
        | Q(organization__in=Organization.objects.restrict(user).values("pk"))
    )
    if kind is ScopeKind.TOWNSHIP:
        return Q(township_id=user.township_id) | Q(training__township_id=user.township_id)
    if kind is ScopeKind.DEPARTMENT:
        return linked | Q(training__department_id=user.department_id)
    return linked


def training_scope(user: User) -> Q:
    if _no_business(user):
        return NOTHING
    kind = user.scope_kind
    if kind is ScopeKind.COUNTY:
        return Q()
    seen_attendee = Exists(Attendance.objects.filter(attendance_scope(user), training=OuterRef("pk")))
    held = COUNTY_HELD
    if kind is ScopeKind.TOWNSHIP:
        held |= Q(township_id=user.township_id)
    elif kind is ScopeKind.DEPARTMENT:
        held |= Q(department_id=user.department_id)
    return held | Q(seen_attendee)


def may_keep(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in TRAINING_KEEPERS


def kept_scope(user: User) -> Q:
    """The trainings the user may edit."""
    if not may_keep(user):
        return NOTHING
    if user.role == Role.COUNTY_ADMIN:
        return Q()
    if user.scope_kind is ScopeKind.TOWNSHIP:
        return Q(township_id=user.township_id)
    return Q(department_id=user.department_id)
