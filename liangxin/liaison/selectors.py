"""Reads of liaison points, visits, demonstration points and the joint meeting's units, in the
user's scope: a point or a demonstration point is seen by whoever sees its organization
(``registry.scoping.organization_scope``: the county all, a township its own, a department those
it supervises, a secretary those his party organization covers); a joint-meeting unit by the
county and by whoever sees an organization the unit supervises (a department clerk his own unit).
"""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from liangxin.accounts.access import LIAISON_KEEPERS
from liangxin.accounts.models import User
from liangxin.accounts.roles import Role, ScopeKind
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry.scoping import organization_scope
from liangxin.registry.selectors import departments_for

from .models import DemonstrationPoint, JointMeetingUnit, LiaisonPoint, Visit

NOTHING = Q(pk__in=[])


def points_for(*, user: User, township: AdministrativeUnit | None = None) -> QuerySet[LiaisonPoint]:
    points = LiaisonPoint.objects.filter(organization_scope(user, prefix="organization__"))
    if township is not None:
        points = points.filter(organization__township=township)
    return points.select_related("organization__township", "township").annotate(
        visit_count=Count("visits"), last_visit=Max("visits__visited_on")
    )


def visits_of(*, point: LiaisonPoint) -> QuerySet[Visit]:
    """The visits of a point the caller fetched through ``points_for``."""
    return point.visits.select_related("recorded_by").order_by("-visited_on", "-pk")


def visits_for(*, user: User, township: AdministrativeUnit | None = None) -> QuerySet[Visit]:
    visits = Visit.objects.filter(organization_scope(user, prefix="point__organization__"))
    if township is not None:
        visits = visits.filter(point__organization__township=township)
    return visits.select_related("point__organization__township").order_by(
        "point__organization__township__code", "point__leader_name", "-visited_on", "-pk"
    )


def kept_points_scope(user: User) -> Q:
    """The points the user keeps (adds visits to, ends): the county administrator every one, a
    township clerk those of his township's organizations."""
    if not (user.is_active and user.role in LIAISON_KEEPERS):
        return NOTHING
    if user.role == Role.COUNTY_ADMIN:
        return Q()
    return Q(organization__township_id=user.township_id) if user.scope_kind is ScopeKind.TOWNSHIP else NOTHING


def demonstrations_for(
    *, user: User, year: int | None = None, township: AdministrativeUnit | None = None
) -> QuerySet[DemonstrationPoint]:
    found = DemonstrationPoint.objects.filter(organization_scope(user, prefix="organization__"))
    if year is not None:
        found = found.filter(year=year)
    if township is not None:
        found = found.filter(organization__township=township)
    return found.select_related("organization__township")


def joint_units_for(*, user: User, township: AdministrativeUnit | None = None) -> QuerySet[JointMeetingUnit]:
    """The member units in the user's scope, each with the organizations it supervises (in the
    township, when one is chosen)."""
    units = JointMeetingUnit.objects.filter(department__in=departments_for(user=user))
    in_township = Q(department__organizations__merged_into__isnull=True)
    if township is not None:
        in_township &= Q(department__organizations__township=township)
    return units.select_related("department").annotate(
        supervised=Count("department__organizations", filter=in_township, distinct=True)
    )
