"""Reads of the register. Every function takes the user and filters by the user's scope."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.audit.models import AuditRecord
from liangxin.core.text import normalize_name
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel

from .choices import MemberStatus
from .models import (
    Employment,
    Member,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
    PartyRelation,
)
from .scoping import organization_scope

_USCC_LIKE = re.compile(r"^[0-9][0-9A-Z]{5,17}$")
_LETTERS = re.compile(r"^[a-z]+$")


def _open_coverage(on: dt.date | None = None) -> QuerySet[PartyOrganizationCoverage]:
    qs = PartyOrganizationCoverage.objects.filter(organization=OuterRef("pk"))
    if on is None:
        return qs.filter(valid_to__isnull=True)
    return qs.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))


def organizations_for(*, user: User) -> QuerySet[Organization]:
    """The organizations the user may see (merged duplicates excluded), each annotated with its
    current census facts and whether a party organization covers it today."""
    return (
        Organization.objects.restrict(user)
        .filter(merged_into__isnull=True)
        .annotate(current=FilteredRelation("facts", condition=Q(facts__valid_to__isnull=True)))
        .annotate(
            employees=F("current__employees"),
            full_members=F("current__full_members"),
            probationary_members=F("current__probationary_members"),
            operating_status=F("current__operating_status"),
            owner_attitude=F("current__owner_attitude"),
            has_party_organization=Exists(_open_coverage()),
        )
        .select_related("township", "village", "department")
    )


@dataclass(frozen=True)
class OrganizationFilter:
    q: str = ""
    township: int | None = None
    department: int | None = None
    category: str = ""
    org_type: str = ""
    operating_status: str = ""
    has_party_organization: bool | None = None
    sort: str = "township"


SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name_normalized", "pk"),
    "-name": ("-name_normalized", "-pk"),
    "township": ("township__code", "name_normalized", "pk"),
    "employees": ("employees", "pk"),
    "-employees": ("-employees", "-pk"),
    "members": ("full_members", "pk"),
    "-members": ("-full_members", "-pk"),
    "uscc": ("uscc", "pk"),
}


def search_condition(q: str) -> Q:
    """Name (any width or spacing), pinyin initials (``fcyxh``), full pinyin, or USCC prefix."""
    q = q.strip()
    if not q:
        return Q()
    norm = normalize_name(q)
    cond = Q(name_normalized__icontains=norm)
    upper = norm.upper()
    if _USCC_LIKE.match(upper):
        cond |= Q(uscc__startswith=upper)
    lower = norm.lower()
    if _LETTERS.match(lower):
        cond |= Q(name_initials__startswith=lower) | Q(name_pinyin__startswith=lower)
        if len(lower) >= 3:
            cond |= Q(name_initials__contains=lower) | Q(name_pinyin__contains=lower)
    return cond


def organization_list(*, user: User, filters: OrganizationFilter) -> QuerySet[Organization]:
    qs = organizations_for(user=user).filter(search_condition(filters.q))
    if filters.township:
        qs = qs.filter(township_id=filters.township)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.org_type:
        qs = qs.filter(org_type=filters.org_type)
    if filters.operating_status:
        qs = qs.filter(Q(current__operating_status=filters.operating_status))
    if filters.has_party_organization is not None:
        qs = qs.filter(Q(has_party_organization=filters.has_party_organization))
    return qs.order_by(*SORTS.get(filters.sort, SORTS["township"]))


def organization_facts_history(*, organization: Organization) -> QuerySet[OrganizationFacts]:
    return organization.facts.select_related("recorded_by").order_by("-valid_from", "-pk")


def valid_on(on: dt.date) -> Q:
    """A dated row holding on ``on``: ``valid_from <= on < valid_to`` (``valid_to`` NULL: open)."""
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))


def facts_as_of(*, organization: Organization, on: dt.date) -> OrganizationFacts | None:
    return organization.facts.filter(valid_on(on)).order_by("-valid_from", "-pk").first()


def facts_on(*, organization_ids: Iterable[int], on: dt.date) -> dict[int, OrganizationFacts]:
    """The census figures holding on ``on`` of each of the organizations, in one query."""
    found: dict[int, OrganizationFacts] = {}
    rows = OrganizationFacts.objects.filter(valid_on(on), organization_id__in=list(organization_ids))
    for facts in rows.order_by("organization_id", "-valid_from", "-pk"):
        found.setdefault(facts.organization_id, facts)
    return found


def covered_on(*, organization_ids: Iterable[int], on: dt.date) -> set[int]:
    """Those of the organizations a party organization covers on ``on``."""
    coverages = PartyOrganizationCoverage.objects.filter(valid_on(on), organization_id__in=list(organization_ids))
    return set(coverages.values_list("organization_id", flat=True))


def coverages_of(*, organization: Organization) -> QuerySet[PartyOrganizationCoverage]:
    return organization.coverages.select_related("party_organization").order_by("-valid_from")


def party_organizations_for(*, user: User) -> QuerySet[PartyOrganization]:
    return PartyOrganization.objects.restrict(user).select_related("township", "parent", "secretary")


def members_for(*, user: User) -> QuerySet[Member]:
    return Member.objects.restrict(user)


def members_employed_by(*, organization: Organization, user: User, on: dt.date | None = None) -> QuerySet[Member]:
    employments = Employment.objects.filter(organization=organization, member=OuterRef("pk"))
    if on is None:
        employments = employments.filter(valid_to__isnull=True)
    else:
        employments = employments.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    return members_for(user=user).filter(Exists(employments)).order_by("name", "pk")


def roster_of(*, party_organization: PartyOrganization, user: User, on: dt.date | None = None) -> QuerySet[Member]:
    """Members whose relation is held by the party organization (on a date, default today)."""
    relations = PartyRelation.objects.filter(party_organization=party_organization, member=OuterRef("pk"))
    if on is None:
        relations = relations.filter(valid_to__isnull=True)
    else:
        relations = relations.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    return members_for(user=user).filter(Exists(relations)).order_by("name", "pk")


def covered_organizations(*, party_organization: PartyOrganization, user: User) -> QuerySet[Organization]:
    covered = PartyOrganizationCoverage.objects.filter(
        party_organization=party_organization, valid_to__isnull=True
    ).values("organization_id")
    return organizations_for(user=user).filter(pk__in=covered).order_by("name_normalized")


def current_employment(*, member: Member) -> Employment | None:
    return member.employments.filter(valid_to__isnull=True).select_related("organization").first()


def current_relation(*, member: Member) -> PartyRelation | None:
    return member.relations.filter(valid_to__isnull=True).select_related("party_organization").first()


# --- Pages of the register (lists, filters, details) -----------------------------------------


def party_organization_townships_for(*, user: User) -> QuerySet[AdministrativeUnit]:
    """The townships of the party organizations the user sees: those a page about party
    organizations (their life, standards, funds) offers to drill down to."""
    return AdministrativeUnit.objects.filter(
        pk__in=PartyOrganization.objects.restrict(user).values("township_id")
    ).order_by("code")


def townships_for(*, user: User) -> QuerySet[AdministrativeUnit]:
    """Townships offered in filters: a county account sees every current township, a township
    clerk his own, the others those where the organizations they can see lie."""
    current = AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP, valid_to__isnull=True)
    if not user.can(Permission.VIEW_BUSINESS):
        return current.none()
    kind = user.scope_kind
    if kind is ScopeKind.COUNTY:
        return current.order_by("code")
    if kind is ScopeKind.TOWNSHIP:
        return current.filter(Q(pk=user.township_id))
    visible = Organization.objects.restrict(user).values("township_id")
    return current.filter(pk__in=visible).order_by("code")


def departments_for(*, user: User) -> QuerySet[Department]:
    """Supervisory departments offered in filters, on the same principle as ``townships_for``."""
    active = Department.objects.filter(is_active=True)
    if not user.can(Permission.VIEW_BUSINESS):
        return active.none()
    kind = user.scope_kind
    if kind is ScopeKind.COUNTY:
        return active.order_by("code")
    if kind is ScopeKind.DEPARTMENT:
        return active.filter(Q(pk=user.department_id))
    visible = Organization.objects.restrict(user).values("department_id")
    return active.filter(pk__in=visible).order_by("code")


def editable_townships_for(*, user: User) -> QuerySet[AdministrativeUnit]:
    """Townships the user may register organizations in (the rule of ``services``: the county
    anywhere, a township clerk in his own township, nobody else)."""
    current = AdministrativeUnit.objects.filter(level=UnitLevel.TOWNSHIP, valid_to__isnull=True).order_by("code")
    if not user.can(Permission.EDIT_ORGANIZATIONS):
        return current.none()
    if user.scope_kind is ScopeKind.COUNTY:
        return current
    if user.scope_kind is ScopeKind.TOWNSHIP:
        return current.filter(Q(pk=user.township_id))
    return current.none()


def villages_in(*, townships: QuerySet[AdministrativeUnit]) -> QuerySet[AdministrativeUnit]:
    return (
        AdministrativeUnit.objects.filter(level=UnitLevel.VILLAGE, valid_to__isnull=True, parent__in=townships)
        .select_related("parent")
        .order_by("code")
    )


def assignable_departments(*, current: int | None = None) -> QuerySet[Department]:
    """Departments an organization may be assigned to: the active ones, plus the one it has now
    even if deactivated since, so that editing another field does not force a change."""
    return Department.objects.filter(Q(is_active=True) | Q(pk=current)).order_by("code")


def merged_organization_for(*, user: User, pk: int) -> Organization | None:
    """A merged duplicate in the user's scope, so that its old address can lead to the record
    it was merged into instead of a bare 404."""
    return Organization.objects.restrict(user).filter(merged_into__isnull=False, pk=pk).first()


def current_facts(*, organization: Organization) -> OrganizationFacts | None:
    return organization.facts.filter(valid_to__isnull=True).select_related("recorded_by").first()


@dataclass(frozen=True)
class RosterCounts:
    full: int
    probationary: int

    @property
    def total(self) -> int:
        return self.full + self.probationary


def roster_counts(*, organization: Organization) -> RosterCounts:
    """Members on the register working in the organization today, by status. A count of the
    whole roster, not only of the members the user may open: the census figures it is compared
    with are about the whole organization too."""
    rows = (
        Member.objects.filter(employments__organization=organization, employments__valid_to__isnull=True)
        .values("status")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    counts = {row["status"]: row["n"] for row in rows}
    return RosterCounts(full=counts.get(MemberStatus.FULL, 0), probationary=counts.get(MemberStatus.PROBATIONARY, 0))


def organization_audit_trail(*, organization: Organization) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.filter(object_type="registry.organization", object_id=str(organization.pk)).order_by(
        "-pk"
    )


def organization_ids_in_scope(*, user: User, ids: Iterable[int]) -> set[int]:
    return set(Organization.objects.restrict(user).filter(pk__in=list(ids)).values_list("pk", flat=True))


def party_organization_ids_in_scope(*, user: User, ids: Iterable[int]) -> set[int]:
    return set(PartyOrganization.objects.restrict(user).filter(pk__in=list(ids)).values_list("pk", flat=True))


def merge_candidates(*, user: User, organization: Organization, q: str, limit: int = 20) -> QuerySet[Organization]:
    """Organizations in scope that could be duplicates of ``organization``, found by search."""
    if not q.strip():
        return organizations_for(user=user).none()
    return (
        organizations_for(user=user)
        .filter(search_condition(q))
        .exclude(pk=organization.pk)
        .order_by("name_normalized", "pk")[:limit]
    )


def _count_of(queryset: QuerySet[Any], group: str) -> Coalesce:
    """A correlated COUNT(*) as an annotation: counts of two relations in one query without the
    row multiplication of two joins."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@dataclass(frozen=True)
class PartyOrganizationFilter:
    q: str = ""
    township: int | None = None
    kind: str = ""
    dissolved: bool | None = None
    sort: str = "township"


PARTY_ORGANIZATION_SORTS: dict[str, tuple[str, ...]] = {
    "township": ("township__code", "name_normalized", "pk"),
    "name": ("name_normalized", "pk"),
    "-name": ("-name_normalized", "-pk"),
    "founded": ("founded_on", "pk"),
    "-founded": ("-founded_on", "-pk"),
    "members": ("member_count", "pk"),
    "-members": ("-member_count", "-pk"),
}


def party_organization_list(*, user: User, filters: PartyOrganizationFilter) -> QuerySet[PartyOrganization]:
    qs = party_organizations_for(user=user).annotate(
        organization_count=_count_of(
            PartyOrganizationCoverage.objects.filter(party_organization=OuterRef("pk"), valid_to__isnull=True),
            "party_organization",
        ),
        member_count=_count_of(
            PartyRelation.objects.filter(party_organization=OuterRef("pk"), valid_to__isnull=True),
            "party_organization",
        ),
    )
    q = normalize_name(filters.q)
    if q:
        qs = qs.filter(name_normalized__icontains=q)
    if filters.township:
        qs = qs.filter(township_id=filters.township)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.dissolved is not None:
        qs = qs.filter(dissolved_on__isnull=not filters.dissolved)
    return qs.order_by(*PARTY_ORGANIZATION_SORTS.get(filters.sort, PARTY_ORGANIZATION_SORTS["township"]))


@dataclass(frozen=True)
class MemberFilter:
    q: str = ""
    status: str = ""
    township: int | None = None
    sort: str = "name"


MEMBER_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "admitted": ("admitted_on", "pk"),
    "-admitted": ("-admitted_on", "-pk"),
}


def with_affiliations(queryset: QuerySet[Member]) -> QuerySet[Member]:
    """Annotate today's party organization and employer of each member, so that a page of 50
    members costs one query instead of a hundred and one."""
    relation = PartyRelation.objects.filter(member=OuterRef("pk"), valid_to__isnull=True)
    employment = Employment.objects.filter(member=OuterRef("pk"), valid_to__isnull=True)
    return queryset.annotate(
        current_party_organization_id=Subquery(relation.values("party_organization_id")[:1]),
        current_party_organization_name=Subquery(relation.values("party_organization__name")[:1]),
        current_employer_id=Subquery(employment.values("organization_id")[:1]),
        current_employer_name=Subquery(employment.values("organization__name")[:1]),
    )


def member_list(*, user: User, filters: MemberFilter) -> QuerySet[Member]:
    """Members in scope with their affiliations. The township filter matches either: where the
    relation is held or where the member works."""
    relation = PartyRelation.objects.filter(member=OuterRef("pk"), valid_to__isnull=True)
    employment = Employment.objects.filter(member=OuterRef("pk"), valid_to__isnull=True)
    qs = with_affiliations(members_for(user=user))
    q = " ".join(filters.q.split())
    if q:
        qs = qs.filter(name__icontains=q)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.township:
        qs = qs.filter(
            Q(Exists(relation.filter(party_organization__township_id=filters.township)))
            | Q(Exists(employment.filter(organization__township_id=filters.township)))
        )
    return qs.order_by(*MEMBER_SORTS.get(filters.sort, MEMBER_SORTS["name"]))


def relation_history(*, member: Member) -> QuerySet[PartyRelation]:
    return member.relations.select_related("party_organization").order_by("-valid_from", "-pk")


def employment_history(*, member: Member) -> QuerySet[Employment]:
    return member.employments.select_related("organization").order_by("-valid_from", "-pk")


def coverages_of_party_organization(
    *, party_organization: PartyOrganization, user: User
) -> QuerySet[PartyOrganizationCoverage]:
    """The party organization's coverage over time, of the organizations the user may see only:
    a joint branch may also cover organizations of another township or department."""
    return (
        party_organization.coverages.filter(organization_scope(user, prefix="organization__"))
        .select_related("organization")
        .order_by("-valid_from", "-pk")
    )


def unit_names(*, ids: Iterable[int]) -> dict[int, str]:
    return dict(AdministrativeUnit.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def department_names(*, ids: Iterable[int]) -> dict[int, str]:
    return dict(Department.objects.filter(pk__in=list(ids)).values_list("pk", "name"))
