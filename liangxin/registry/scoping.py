"""The user's scope as query filters. Every selector of registry objects goes through here.

An account with no business scope (the three administrators) matches nothing: the filters
return an always-false condition rather than raising, so a forgotten role check still leaks
nothing.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind

from .models import Employment, PartyOrganizationCoverage, PartyRelation

NOTHING = Q(pk__in=[])


def _no_business(user: User) -> bool:
    return not user.is_authenticated or not user.can(Permission.VIEW_BUSINESS)


def organization_scope(user: User, prefix: str = "", pk: str = "pk") -> Q:
    """Condition on ``Organization`` (or on a relation to it, through ``prefix``). ``pk`` names the
    organization's key on the filtered model: ``organization_id`` on a table that copies the
    organization's ``township_id`` and ``department_id`` (``coverage.OrganizationState``)."""
    if _no_business(user):
        return NOTHING
    kind = user.scope_kind
    if kind is ScopeKind.COUNTY:
        return Q()
    if kind is ScopeKind.TOWNSHIP:
        return Q(**{f"{prefix}township_id": user.township_id})
    if kind is ScopeKind.DEPARTMENT:
        return Q(**{f"{prefix}department_id": user.department_id})
    if kind is ScopeKind.PARTY_ORGANIZATION:
        covered = PartyOrganizationCoverage.objects.filter(
            party_organization_id=user.party_organization_id, valid_to__isnull=True
        ).values("organization_id")
        return Q(**{f"{prefix}{pk}__in": covered})
    return NOTHING


def party_organization_scope(user: User) -> Q:
    if _no_business(user):
        return NOTHING
    kind = user.scope_kind
    if kind is ScopeKind.COUNTY:
        return Q()
    if kind is ScopeKind.TOWNSHIP:
        return Q(township_id=user.township_id)
    if kind is ScopeKind.DEPARTMENT:
        return Q(
            Exists(
                PartyOrganizationCoverage.objects.filter(
                    Q(organization__department_id=user.department_id),
                    party_organization=OuterRef("pk"),
                    valid_to__isnull=True,
                )
            )
        )
    if kind is ScopeKind.PARTY_ORGANIZATION:
        return Q(pk=user.party_organization_id)
    return NOTHING


def member_scope(user: User) -> Q:
    """A member is in scope through the party organization holding the relation, or through
    the organization employing the member (dual activity)."""
    if _no_business(user):
        return NOTHING
    kind = user.scope_kind
    if kind is ScopeKind.COUNTY:
        return Q()
    if kind is ScopeKind.PARTY_ORGANIZATION:
        return Q(
            Exists(
                PartyRelation.objects.filter(
                    member=OuterRef("pk"),
                    valid_to__isnull=True,
                    party_organization_id=user.party_organization_id,
                )
            )
        )
    if kind is ScopeKind.TOWNSHIP:
        relation_filter = Q(party_organization__township_id=user.township_id)
    else:
        relation_filter = Q(
            party_organization__coverages__valid_to__isnull=True,
            party_organization__coverages__organization__department_id=user.department_id,
        )
    employment_filter = organization_scope(user, prefix="organization__")
    return Q(Exists(PartyRelation.objects.filter(relation_filter, member=OuterRef("pk"), valid_to__isnull=True))) | Q(
        Exists(Employment.objects.filter(employment_filter, member=OuterRef("pk"), valid_to__isnull=True))
    )
