"""Reads of the coverage indicators. User-facing functions take the user and apply
``registry.scoping``; the county-wide functions (for the ``indicators`` command, scheduled
reports and the benchmark) take no user and are never called from views.

Speed: one aggregate query per subject per grouping (``compiler.aggregate``), plus a query for
the definitions, one for the year's targets and one for the group labels — whatever the number
of organizations and indicators.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.formation import selectors as formation_selectors
from liangxin.formation.models import FormationPlan
from liangxin.formation.transitions import ACTIVE_STATUSES
from liangxin.geo.models import AdministrativeUnit, Department
from liangxin.policy.selectors import NoPolicyInForce, engine_policy_in_force, targets_for
from liangxin.registry.choices import Category, MemberStatus, OrganizationType
from liangxin.registry.models import Employment, Organization, OrganizationFacts, PartyOrganization
from liangxin.registry.scoping import organization_scope, party_organization_scope

from . import compiler, forecast
from .choices import Grouping, Part, Subject
from .models import Indicator
from .values import IndicatorGroup, IndicatorValue, make_value

__all__ = ["IndicatorGroup", "IndicatorValue", "county_indicator_table", "indicator_table"]

GROUPINGS = tuple(Grouping.values)
COUNTY_KEY = "county"
NO_DEPARTMENT = "none"
ABOVE, BELOW = "above", "below"


@dataclass(frozen=True)
class Scope:
    """The two conditions of a scope: on organizations (through ``organization__``) and on party
    organizations. The county scope is two empty conditions."""

    organizations: Q
    party_organizations: Q
    label: str


def county_scope() -> Scope:
    return Scope(Q(), Q(), _("全县"))


def scope_of(user: User) -> Scope:
    return Scope(
        organization_scope(user, prefix="organization__"),
        party_organization_scope(user),
        _("全县") if not (user.township_id or user.department_id) else str(user.scope_label),
    )


def indicators() -> list[Indicator]:
    """The active indicator definitions in display order."""
    return list(Indicator.objects.filter(active=True).order_by("display_order", "code"))


def year_targets(year: int) -> dict[str, Decimal]:
    """Policy indicator code → the year's target share."""
    return {t.indicator: t.value for t in targets_for(year=year)}


def target_of(indicator: Indicator, targets: dict[str, Decimal]) -> Decimal | None:
    if indicator.target_value is not None:
        return indicator.target_value
    return targets.get(indicator.target_indicator) if indicator.target_indicator else None


# --- Groups ------------------------------------------------------------------------------------


def _key(by: str, raw: Any) -> str:
    if by == Grouping.COUNTY:
        return COUNTY_KEY
    if by == Grouping.SIZE:
        return ABOVE if raw else BELOW
    if raw is None:
        return NO_DEPARTMENT
    return str(raw)


def _labels(by: str, keys: set[str], total_label: str) -> list[tuple[str, str]]:
    """(key, label) in display order."""
    if by == Grouping.COUNTY:
        return [(COUNTY_KEY, total_label)]
    if by == Grouping.TOWNSHIP:
        units = AdministrativeUnit.objects.filter(pk__in=[int(k) for k in keys]).order_by("code")
        return [(str(u.pk), u.name) for u in units]
    if by == Grouping.DEPARTMENT:
        ids = [int(k) for k in keys if k != NO_DEPARTMENT]
        found = [(str(d.pk), d.name) for d in Department.objects.filter(pk__in=ids).order_by("code")]
        return found + ([(NO_DEPARTMENT, _("无主管部门"))] if NO_DEPARTMENT in keys else [])
    if by == Grouping.CATEGORY:
        return [(str(c.value), str(c.label)) for c in Category if c.value in keys]
    if by == Grouping.TYPE:
        return [(str(t.value), str(t.label)) for t in OrganizationType if t.value in keys]
    return [(k, label) for k, label in ((ABOVE, _("规模以上")), (BELOW, _("规模以下"))) if k in keys]


def group_filter(by: str, key: str, prefix: str = "") -> Q:
    """The condition on ``Organization`` (through ``prefix``) of one group. Raises ValueError on a
    key that cannot belong to the grouping."""
    if by == Grouping.COUNTY:
        return Q()
    if by == Grouping.TOWNSHIP:
        return Q(**{f"{prefix}township_id": int(key)})
    if by == Grouping.DEPARTMENT:
        if key == NO_DEPARTMENT:
            return Q(**{f"{prefix}department__isnull": True})
        return Q(**{f"{prefix}department_id": int(key)})
    if by == Grouping.CATEGORY:
        if key not in Category.values:
            raise ValueError(key)
        return Q(**{f"{prefix}category": key})
    if by == Grouping.TYPE:
        if key not in OrganizationType.values:
            raise ValueError(key)
        return Q(**{f"{prefix}org_type": key})
    if by == Grouping.SIZE:
        if key not in (ABOVE, BELOW):
            raise ValueError(key)
        return Q(**{f"{prefix}above_designated_size": key == ABOVE})
    raise ValueError(by)


# --- The table ---------------------------------------------------------------------------------


def _table(
    *,
    scope: Scope,
    as_of: dt.date,
    by: str,
    definitions: Sequence[Indicator] | None = None,
    targets: dict[str, Decimal] | None = None,
) -> list[IndicatorGroup]:
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; one of {', '.join(GROUPINGS)}")
    definitions = list(definitions) if definitions is not None else indicators()
    compiled = {d.code: compiler.compile_indicator(d) for d in definitions}
    grouped = by != Grouping.COUNTY
    figures: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    org_defs = [compiled[d.code] for d in definitions if d.subject == Subject.ORGANIZATION]
    if org_defs:
        state = compiler.organization_state(on=as_of, scope=scope.organizations, by=by)
        for raw, values in compiler.aggregate(state=state, indicators=org_defs, grouped=grouped).items():
            figures[_key(by, raw)].update(values)
    po_defs = [compiled[d.code] for d in definitions if d.subject == Subject.PARTY_ORGANIZATION]
    if po_defs:
        state = compiler.party_organization_state(
            on=as_of, scope=scope.party_organizations, organization_scope=scope.organizations, by=by
        )
        for raw, values in compiler.aggregate(state=state, indicators=po_defs, grouped=grouped).items():
            figures[_key(by, raw)].update(values)
    if not grouped:
        figures.setdefault(COUNTY_KEY, {})
    targets = targets if targets is not None else year_targets(as_of.year)
    groups = []
    for key, label in _labels(by, set(figures), scope.label):
        values = figures[key]
        group = IndicatorGroup(key=key, label=label)
        for d in definitions:
            numerator, denominator = values.get(d.code, (0, 0))
            group.values[d.code] = make_value(
                kind=d.kind, numerator=numerator, denominator=denominator, target=target_of(d, targets)
            )
        groups.append(group)
    return groups


def county_indicator_table(*, as_of: dt.date, by: str = "county") -> list[IndicatorGroup]:
    """The whole county, no user: for the ``indicators`` command, reports and the benchmark."""
    return _table(scope=county_scope(), as_of=as_of, by=by)


def indicator_table(*, user: User, as_of: dt.date, by: str = "county") -> list[IndicatorGroup]:
    """Every active indicator as of ``as_of`` for each group of ``by`` (county, township,
    department, category, type, size) within the user's scope: a township clerk gets his township
    only."""
    return _table(scope=scope_of(user), as_of=as_of, by=by)


@dataclass(frozen=True)
class SeriesPoint:
    on: dt.date
    values: dict[str, IndicatorValue]


def indicator_series(
    *, user: User, end: dt.date, period: str = forecast.MONTH, count: int = 12, codes: Sequence[str] | None = None
) -> list[SeriesPoint]:
    """The scope's totals as of each period end (the last ``count`` months, quarters or years)."""
    definitions = [d for d in indicators() if codes is None or d.code in codes]
    scope = scope_of(user)
    points = []
    targets: dict[int, dict[str, Decimal]] = {}
    for on in forecast.period_ends(end, period, count):
        if on.year not in targets:
            targets[on.year] = year_targets(on.year)
        (total,) = _table(scope=scope, as_of=on, by=Grouping.COUNTY, definitions=definitions, targets=targets[on.year])
        points.append(SeriesPoint(on=on, values=total.values))
    return points


# --- Drill-down --------------------------------------------------------------------------------


def drill_down(
    *, user: User, as_of: dt.date, indicator: Indicator, by: str, key: str, part: str
) -> QuerySet[Organization] | QuerySet[PartyOrganization]:
    """The subjects behind one figure: the organizations (or party organizations) of the group
    ``key`` of ``by`` counted in the indicator's numerator, denominator, or the complement (in the
    denominator, not in the numerator: the ones still to cover). Raises ValueError on a bad key."""
    if part not in Part.values:
        raise ValueError(part)
    compiled = compiler.compile_indicator(indicator)
    scope = scope_of(user)
    on = as_of
    if indicator.subject == Subject.PARTY_ORGANIZATION:
        if by in (Grouping.COUNTY, Grouping.TOWNSHIP):
            group = Q() if by == Grouping.COUNTY else Q(township_id=int(key))
        else:
            group = group_filter(by, key, "organization__")
        state = compiler.party_organization_state(
            on=on, scope=scope.party_organizations, organization_scope=scope.organizations, group=group, by=by
        )
        sql, params = compiler.matching_ids_sql(state=state, compiled=compiled, part=part)
        return (
            PartyOrganization.objects.filter(party_organization_scope(user), pk__in=RawSQL(sql, params))  # noqa: S611 (compiler SQL, values are parameters)
            .select_related("township")
            .order_by("township__code", "name", "pk")
        )
    state = compiler.organization_state(
        on=on, scope=scope.organizations, group=group_filter(by, key, "organization__"), by=by
    )
    sql, params = compiler.matching_ids_sql(state=state, compiled=compiled, part=part)
    facts = OrganizationFacts.objects.filter(compiler._valid_on(on), organization_id=OuterRef("pk")).order_by(
        "-valid_from"
    )
    return (
        Organization.objects.filter(organization_scope(user), pk__in=RawSQL(sql, params))  # noqa: S611 (compiler SQL, values are parameters)
        .select_related("township", "department")
        .annotate(
            employees_on=Subquery(facts.values("employees")[:1]),
            full_members_on=Subquery(facts.values("full_members")[:1]),
            probationary_members_on=Subquery(facts.values("probationary_members")[:1]),
        )
        .order_by("township__code", "name_normalized", "pk")
    )


def group_label(*, by: str, key: str) -> str:
    if by == Grouping.COUNTY:
        return _("合计")
    labels = dict(_labels(by, {key}, ""))
    return labels.get(key, key)


# --- Gap list (空白点台账) -----------------------------------------------------------------------


def gap_rows(
    *, user: User, as_of: dt.date, by: str = Grouping.COUNTY, key: str = ""
) -> list[formation_selectors.RegisterRow]:
    """The organizations in scope not covered as of ``as_of``, with the formation recommendation and
    plan status: the formation register (``formation.selectors.register_rows``), limited to one
    group. Raises ``NoPolicyInForce`` before the first policy version."""
    rows = formation_selectors.register_rows(user=user, on=as_of)
    if by != Grouping.COUNTY and key:
        ids = set(
            Organization.objects.filter(pk__in=[r.organization.pk for r in rows])
            .filter(group_filter(by, key))
            .values_list("pk", flat=True)
        )
        rows = [r for r in rows if r.organization.pk in ids]
    departments = Department.objects.in_bulk({r.organization.department_id for r in rows} - {None})
    for r in rows:  # one query for the departments, not one per row
        if r.organization.department_id is not None:
            r.organization.department = departments[r.organization.department_id]
    return rows


# --- Forecast ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastResult:
    today: dt.date
    now: forecast.Projection
    projections: list[forecast.Projection]
    reaching: list[tuple[forecast.Reaching, Organization]]
    min_full: int


def outlooks(*, user: User, on: dt.date) -> list[forecast.Outlook]:
    """Today's population in the user's scope with what the projection needs: three queries."""
    scope = scope_of(user)
    state = compiler.organization_state(on=on, scope=scope.organizations)
    rows = {r["s_id"]: r for r in state.values("s_id", "s_full_members", "s_covered")}
    conversions: dict[int, list[dt.date]] = defaultdict(list)
    employments = (
        Employment.objects.filter(compiler._valid_on(on), organization_id__in=list(rows))
        .filter(member__status=MemberStatus.PROBATIONARY)
        .values_list("organization_id", "member__admitted_on")
    )
    for org_id, admitted_on in employments:
        conversions[org_id].append(max(on, forecast.add_year(admitted_on)))
    plans = dict(
        FormationPlan.objects.filter(
            organization_id__in=list(rows), status__in=sorted(ACTIVE_STATUSES), ready=True, planned_date__isnull=False
        ).values_list("organization_id", "planned_date")
    )
    return [
        forecast.Outlook(
            id=org_id,
            covered=bool(r["s_covered"]),
            full_members=r["s_full_members"],
            conversions=tuple(sorted(conversions.get(org_id, ()))),
            planned_on=plans.get(org_id),
        )
        for org_id, r in sorted(rows.items())
    ]


def coverage_forecast(*, user: User, today: dt.date) -> ForecastResult:
    """Coverage now, at the end of this year and of next year; organizations that will reach the
    policy's minimum of full members by the end of next year."""
    try:
        min_full = engine_policy_in_force(on=today).min_full_members
    except NoPolicyInForce:  # before the first policy version the speech's 3 holds
        min_full = 3
    orgs = outlooks(user=user, on=today)
    horizons = [dt.date(today.year, 12, 31), dt.date(today.year + 1, 12, 31)]
    found = forecast.reaching(orgs, horizons[-1], min_full=min_full)
    by_id = Organization.objects.select_related("township").in_bulk([r.id for r in found])
    return ForecastResult(
        today=today,
        now=forecast.current(orgs, today, min_full=min_full),
        projections=[forecast.project(orgs, h, min_full=min_full) for h in horizons],
        reaching=[(r, by_id[r.id]) for r in found],
        min_full=min_full,
    )
