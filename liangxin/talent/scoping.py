"""The user's scope over the talent pool, as query filters (``docs/talent-pool.md``).

County roles see the whole pool; a township clerk the entries of his township; a department clerk
only the people assigned (now or before) to what it supervises — an instructor of one of its
organizations, or a post in a party organization covering one. Other accounts see nothing."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.registry.models import PartyOrganization
from liangxin.registry.scoping import NOTHING, organization_scope

from .models import InstructorAssignment, PostAssignment


def entry_scope(user: User) -> Q:
    """Condition on ``PoolEntry``."""
    if not user.is_authenticated or not user.can(Permission.VIEW_BUSINESS):
        return NOTHING
    kind = user.scope_kind
    if kind is ScopeKind.COUNTY:
        return Q()
    if kind is ScopeKind.TOWNSHIP:
        return Q(township_id=user.township_id)
    if kind is ScopeKind.DEPARTMENT:
        return Q(
            Exists(instructor_assignments_in_scope(user).filter(person=OuterRef("pk")))
            | Exists(post_assignments_in_scope(user).filter(person=OuterRef("pk")))
        )
    return NOTHING


def instructor_assignments_in_scope(user: User) -> QuerySet[InstructorAssignment]:
    return InstructorAssignment.objects.filter(organization_scope(user, prefix="organization__"))


def post_assignments_in_scope(user: User) -> QuerySet[PostAssignment]:
    return PostAssignment.objects.filter(party_organization__in=PartyOrganization.objects.restrict(user).values("pk"))
