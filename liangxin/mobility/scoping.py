"""Whose mobile members a user sees, as query filters (like ``registry.scoping``).

- county roles: every one;
- a township clerk: those in the township's territory (the record's responsible township) and those
  whose relation a party organization of the township holds;
- a secretary: those taking part in his party organization (dual activity);
- anyone else (departments, administrators): nothing.

Certificates, letters, contacts and help records follow their mobile member; registrations and
transfers carry the township that handles them.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.registry.models import PartyRelation

NOTHING = Q(pk__in=[])


def _kind(user: User) -> ScopeKind:
    if not user.is_authenticated or not user.can(Permission.VIEW_BUSINESS):
        return ScopeKind.NONE
    return user.scope_kind


def mobile_member_scope(user: User, prefix: str = "") -> Q:
    kind = _kind(user)
    if kind is ScopeKind.COUNTY:
        return Q()
    if kind is ScopeKind.TOWNSHIP:
        held_here = PartyRelation.objects.filter(
            member_id=OuterRef(f"{prefix}member_id"),
            valid_to__isnull=True,
            party_organization__township_id=user.township_id,
        )
        return Q(**{f"{prefix}township_id": user.township_id}) | Q(Exists(held_here))
    if kind is ScopeKind.PARTY_ORGANIZATION:
        return Q(**{f"{prefix}takes_part_in_id": user.party_organization_id})
    return NOTHING


def record_scope(user: User) -> Q:
    """Registrations from the police files: the county's and each township's own."""
    kind = _kind(user)
    if kind is ScopeKind.COUNTY:
        return Q()
    if kind is ScopeKind.TOWNSHIP:
        return Q(township_id=user.township_id)
    return NOTHING


def batch_scope(user: User) -> Q:
    """Import batches: the county sees all; a township those it imported for itself."""
    kind = _kind(user)
    if kind is ScopeKind.COUNTY:
        return Q()
    if kind is ScopeKind.TOWNSHIP:
        return Q(unit_id=user.township_id)
    return NOTHING


def transfer_scope(user: User) -> Q:
    kind = _kind(user)
    if kind is ScopeKind.COUNTY:
        return Q()
    if kind is ScopeKind.TOWNSHIP:
        return Q(township_id=user.township_id)
    if kind is ScopeKind.PARTY_ORGANIZATION:
        return Q(local_id=user.party_organization_id)
    return NOTHING
