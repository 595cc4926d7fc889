"""Reads of organization life, always through the user's scope: a secretary his own party
organization, a township clerk his township's, a department clerk those covering the
organizations it supervises, the county every one (``PartyOrganization.objects.restrict``).

The compliance of each party organization is computed here from its activity records by the
pure ``compliance`` module with the rule versions in force; nothing is stored."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.module_loading import import_string

from liangxin.accounts.models import User
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry.models import Member, Organization, PartyOrganization, PartyRelation

from . import compliance
from .models import Activity, ActivityFile, ActivityType, LifePolicyVersion


class NoLifePolicy(LookupError):
    pass


# --- Policy ------------------------------------------------------------------------------------


def versions() -> list[compliance.Version]:
    """Every version of the rules, as the pure module's (three queries)."""
    return [v.as_version() for v in LifePolicyVersion.objects.prefetch_related("rules__activity_types")]


def policy_in_force(*, on: dt.date) -> LifePolicyVersion:
    """The version with the latest ``effective_from`` not after ``on``; refuses a date before the first."""
    version = LifePolicyVersion.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if version is None:
        raise NoLifePolicy(on)
    return version


def activity_types() -> QuerySet[ActivityType]:
    return ActivityType.objects.filter(active=True)


# --- Scoped querysets -------------------------------------------------------------------------------


def party_organizations_for(*, user: User) -> QuerySet[PartyOrganization]:
    """The party organizations whose organization life the user may see (dissolved ones too)."""
    return PartyOrganization.objects.restrict(user).select_related("township")


def activities_for(*, user: User) -> QuerySet[Activity]:
    return Activity.objects.filter(
        party_organization__in=PartyOrganization.objects.restrict(user).values("pk")
    ).select_related("party_organization", "party_organization__township", "activity_type")


def files_for(*, user: User) -> QuerySet[ActivityFile]:
    return ActivityFile.objects.filter(activity__in=activities_for(user=user).values("pk")).select_related("activity")


def organizations_for(*, user: User) -> QuerySet[Organization]:
    """The organizations an activity recorded by the user may name (held in, took part)."""
    return Organization.objects.restrict(user).filter(merged_into__isnull=True).order_by("name")


def roster(*, party_organization: PartyOrganization, on: dt.date) -> list[Member]:
    """The members whose relation the party organization holds on ``on``."""
    relations = PartyRelation.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on), party_organization=party_organization, valid_from__lte=on
    )
    return list(Member.objects.filter(pk__in=relations.values("member_id")).order_by("name", "pk"))


def _member_counts(ids: Iterable[int], on: dt.date) -> dict[int, int]:
    rows = (
        PartyRelation.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=on), party_organization_id__in=list(ids), valid_from__lte=on
        )
        .values("party_organization_id")
        .annotate(n=Count("member_id", distinct=True))
    )
    return {r["party_organization_id"]: r["n"] for r in rows}


# --- Compliance ------------------------------------------------------------------------------------

# Rows the compliance calendar shows beside the rules, from other apps (the yearly training of
# secretaries and full-time party workers): dotted paths of functions
# ``rows(*, party_organizations, year, as_of) -> Mapping[int, Iterable[compliance.Result]]`` (party
# organization id → its rows; a fixed number of queries for all of them). One line here per source,
# its function in its own app; this module imports none of them.
CALENDAR_SOURCES: tuple[str, ...] = ("liangxin.training.selectors.calendar_rows",)


@dataclass
class Standing:
    """A party organization's organization life as of a day."""

    party_organization: PartyOrganization
    results: list[compliance.Result]
    last_activity: dt.date | None
    at_risk: bool
    members: int
    missed: list[compliance.Result] = field(default_factory=list)


def standings(
    *,
    party_organizations: Sequence[PartyOrganization],
    as_of: dt.date,
    year: int | None = None,
    sources: Sequence[str] = CALENDAR_SOURCES,
) -> list[Standing]:
    """Compliance over ``year`` (as-of's by default) and the at-risk flag, per party organization:
    four queries whatever their number."""
    year = year or as_of.year
    all_versions = versions()
    risk_months = policy_in_force(on=as_of).at_risk_months
    ids = [p.pk for p in party_organizations]
    records: dict[int, list[compliance.ActivityRecord]] = defaultdict(list)
    window = (dt.date(year, 1, 1), min(as_of, dt.date(year, 12, 31)))
    for party_id, held_on, code, minutes in Activity.objects.filter(
        party_organization_id__in=ids, held_on__range=window
    ).values_list("party_organization_id", "held_on", "activity_type__code", "duration_minutes"):
        records[party_id].append(compliance.ActivityRecord(held_on, code, minutes))
    last = dict(
        Activity.objects.filter(party_organization_id__in=ids, held_on__lte=as_of)
        .values("party_organization_id")
        .annotate(last=Max("held_on"))
        .values_list("party_organization_id", "last")
    )
    counts = _member_counts(ids, as_of)
    extra: list[Mapping[int, Iterable[compliance.Result]]] = [
        import_string(path)(party_organizations=party_organizations, year=year, as_of=as_of) for path in sources
    ]
    found = []
    for party in party_organizations:
        results = compliance.year_results(
            versions=all_versions,
            activities=records[party.pk],
            year=year,
            as_of=as_of,
            founded_on=party.founded_on,
            dissolved_on=party.dissolved_on,
            members=counts.get(party.pk, 0),
        )
        for rows in extra:
            results.extend(rows.get(party.pk, ()))
        existing = party.founded_on <= as_of and (party.dissolved_on is None or party.dissolved_on > as_of)
        at_risk = existing and compliance.is_at_risk(
            last_activity=last.get(party.pk), founded_on=party.founded_on, as_of=as_of, months=risk_months
        )
        found.append(
            Standing(
                party_organization=party,
                results=results,
                last_activity=last.get(party.pk),
                at_risk=at_risk,
                members=counts.get(party.pk, 0),
                missed=compliance.behind(results),
            )
        )
    return found


def existing_on(queryset: QuerySet[PartyOrganization], on: dt.date) -> QuerySet[PartyOrganization]:
    return queryset.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on), founded_on__lte=on)


def standings_for(*, user: User, as_of: dt.date, township: AdministrativeUnit | None = None) -> list[Standing]:
    """Every party organization in the user's scope existing on ``as_of`` (one township's when given)."""
    parties = existing_on(party_organizations_for(user=user), as_of)
    if township is not None:
        parties = parties.filter(township=township)
    return standings(party_organizations=list(parties.order_by("township__code", "name")), as_of=as_of)


def at_risk_queryset(*, user: User, as_of: dt.date) -> QuerySet[PartyOrganization]:
    """The party organizations of the user's scope at risk on ``as_of`` as one query, in the order
    of ``standings_for``: ``compliance.is_at_risk`` in SQL (existing on ``as_of``, founded on or
    before ``compliance.at_risk_since``, no activity after that day up to ``as_of``), for a page that
    lists them — ``standings`` builds every rule's results of every party organization first (a
    province's 200,000: minutes). Each has ``last_activity``, the day of its latest activity up to
    ``as_of`` (None: none). Raises ``NoLifePolicy`` before the first policy version."""
    since = compliance.at_risk_since(as_of, policy_in_force(on=as_of).at_risk_months)
    recent = Activity.objects.filter(party_organization=OuterRef("pk"), held_on__gt=since, held_on__lte=as_of)
    parties = existing_on(party_organizations_for(user=user), as_of).filter(founded_on__lte=since)
    last = Activity.objects.filter(party_organization=OuterRef("pk"), held_on__lte=as_of).order_by("-held_on")
    return (
        parties.exclude(Exists(recent))
        .annotate(last_activity=Subquery(last.values("held_on")[:1]))
        .order_by("township__code", "name")
    )


@dataclass(frozen=True)
class CalendarCell:
    period: compliance.Period
    result: compliance.Result | None  # None: the rule does not apply to this period


@dataclass(frozen=True)
class CalendarRow:
    code: str
    name: str
    period_kind: str
    cells: list[CalendarCell]


def calendar(standing: Standing, *, year: int) -> list[CalendarRow]:
    """One row per rule, one cell per period of its kind in ``year`` (months, quarters, the year)."""
    by_rule: dict[str, dict[dt.date, compliance.Result]] = {}
    names: dict[str, tuple[str, str]] = {}
    for result in standing.results:
        by_rule.setdefault(result.rule.code, {})[result.period.start] = result
        names[result.rule.code] = (result.rule.name, result.rule.period)
    return [
        CalendarRow(
            code=code,
            name=names[code][0],
            period_kind=names[code][1],
            cells=[
                CalendarCell(period, cells.get(period.start))
                for period in compliance.periods_of_year(year, names[code][1])
            ],
        )
        for code, cells in by_rule.items()
    ]


# --- 刚建了、又散了 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DissolvedSoon:
    party_organization: PartyOrganization
    lived_days: int


def dissolved_soon_for(*, user: User, as_of: dt.date) -> tuple[int, list[DissolvedSoon]]:
    """The party organizations of the user's scope dissolved by ``as_of`` within the policy's
    number of years of their founding (the version in force on ``as_of``), with that number."""
    years = policy_in_force(on=as_of).dissolved_within_years
    parties = party_organizations_for(user=user).filter(dissolved_on__isnull=False, dissolved_on__lte=as_of)
    found = [
        DissolvedSoon(p, (p.dissolved_on - p.founded_on).days)
        for p in parties.order_by("township__code", "dissolved_on", "name")
        if p.dissolved_on is not None
        and compliance.dissolved_within(founded_on=p.founded_on, dissolved_on=p.dissolved_on, years=years)
    ]
    return years, found


TownshipCounts = tuple[AdministrativeUnit, list[int], int]


def dissolved_soon_table(rows: Sequence[DissolvedSoon]) -> tuple[list[int], list[TownshipCounts]]:
    """By township and year of dissolution: the years, and per township its counts and total."""
    years = sorted({r.party_organization.dissolved_on.year for r in rows if r.party_organization.dissolved_on})
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    townships: dict[int, AdministrativeUnit] = {}
    for r in rows:
        party = r.party_organization
        assert party.dissolved_on is not None
        townships[party.township_id] = party.township
        counts[party.township_id][party.dissolved_on.year] += 1
    table = [
        (townships[t], [counts[t][y] for y in years], sum(counts[t].values()))
        for t in sorted(townships, key=lambda t: townships[t].code)
    ]
    return years, table
