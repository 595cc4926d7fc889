"""Reads of the register. Every function takes the user and filters by the user's scope."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet

from liangxin.accounts.models import User
from liangxin.core.text import normalize_name

from .models import (
    Employment,
    Member,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
    PartyRelation,
)
from .scoping import member_scope, organization_scope, party_organization_scope

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
        Organization.objects.filter(organization_scope(user), merged_into__isnull=True)
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


def facts_as_of(*, organization: Organization, on: dt.date) -> OrganizationFacts | None:
    return (
        organization.facts.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("-valid_from", "-pk")
        .first()
    )


def coverages_of(*, organization: Organization) -> QuerySet[PartyOrganizationCoverage]:
    return organization.coverages.select_related("party_organization").order_by("-valid_from")


def party_organizations_for(*, user: User) -> QuerySet[PartyOrganization]:
    return PartyOrganization.objects.filter(party_organization_scope(user)).select_related(
        "township", "parent", "secretary"
    )


def members_for(*, user: User) -> QuerySet[Member]:
    return Member.objects.filter(member_scope(user))


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
