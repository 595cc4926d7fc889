"""Reads of the coverage indicators. User-facing functions take the user and apply
``registry.scoping``; the county-wide functions (for the ``indicators`` command, scheduled
reports and the benchmark) take no user and are never called from views.

Speed: one aggregate query per subject per grouping (``compiler.aggregate``), plus a query for
the definitions, one for the year's targets and one for the group labels — whatever the number
of organizations and indicators. The dashboard (``dashboard_tables``) shares its scans: one
organization query grouped by both rankings' columns gives the total, both rankings and the
forecast's tally, one more every trend point; a ranking the user's scope pins to one group is not
computed; the forecast reads only the organizations that can change (``changing_outlooks``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role, ScopeKind
from liangxin.formation import selectors as formation_selectors
from liangxin.formation.models import FormationPlan
from liangxin.formation.transitions import ACTIVE_STATUSES
from liangxin.geo.models import AdministrativeUnit, Department
from liangxin.orglife import selectors as orglife_selectors
from liangxin.policy.selectors import NoPolicyInForce, engine_policy_in_force, targets_for
from liangxin.registry.choices import Category, MemberStatus, OrganizationType
from liangxin.registry.models import Employment, Organization, OrganizationFacts, PartyOrganization
from liangxin.registry.scoping import organization_scope, party_organization_scope

from . import compiler, county_snapshot, forecast
from .choices import Grouping, Part, Subject
from .choices import IndicatorKind as Kind
from .models import CountySnapshot, Indicator
from .values import IndicatorGroup, IndicatorValue, make_value

__all__ = ["IndicatorGroup", "IndicatorValue", "county_indicator_table", "indicator_table"]

GROUPINGS = tuple(Grouping.values)
COUNTY_KEY = "county"
NO_DEPARTMENT = "none"
ABOVE, BELOW = "above", "below"


@dataclass(frozen=True)
class Scope:
    """The conditions of a scope: on organizations (through ``organization__``), on party
    organizations, and on ``OrganizationState`` rows (its own copies of the organization's
    township and department). The county scope is empty conditions."""

    organizations: Q
    party_organizations: Q
    label: str
    states: Q


def county_scope() -> Scope:
    return Scope(Q(), Q(), _("全县"), Q())


def scope_of(user: User) -> Scope:
    return Scope(
        organization_scope(user, prefix="organization__"),
        party_organization_scope(user),
        _("全县") if not (user.township_id or user.department_id) else str(user.scope_label),
        organization_scope(user, pk="organization_id"),
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
        return [(str(pk), name) for pk, name in units.values_list("pk", "name")]
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


# Groupings that cut the register by where the user's scope lies; the others (category, type,
# size) are values every scope is cut by.
_SCOPED_GROUPINGS = frozenset({Grouping.TOWNSHIP, Grouping.DEPARTMENT})


def group_in_scope(*, user: User, by: str, key: str) -> Q:
    """The condition of the group ``key`` of ``by`` (``group_filter``), for a group the user's
    scope holds: a township or department group must hold an organization of the scope, as the
    user's own tables show it. Raises ValueError on any other key — another township's, a
    department that is not his, one that does not exist — so that asking for it is the same 404
    as for an object outside the scope, never an empty list or an empty export."""
    condition = group_filter(by, key)
    if by in _SCOPED_GROUPINGS and not Organization.objects.filter(organization_scope(user)).filter(condition).exists():
        raise ValueError(key)
    return condition


# --- The table ---------------------------------------------------------------------------------

Figures = dict[str, tuple[int, int]]  # indicator code → (numerator, denominator)


def _split(definitions: Sequence[Indicator]) -> tuple[list[compiler.Compiled], list[compiler.Compiled]]:
    """The compiled organization and party organization indicators."""
    compiled = [compiler.compile_indicator(d) for d in definitions]
    return (
        [c for c in compiled if c.subject == Subject.ORGANIZATION],
        [c for c in compiled if c.subject == Subject.PARTY_ORGANIZATION],
    )


def _organization_figures(
    scope: Scope,
    as_of: dt.date,
    by: compiler.Groupings,
    compiled: Sequence[compiler.Compiled],
    since: dt.date | None = None,
) -> dict[Any, Figures]:
    if not compiled:
        return {}
    state = compiler.organization_state(on=as_of, scope=scope.states, by=by, since=since)
    return compiler.aggregate(state=state, indicators=compiled, grouped=by != Grouping.COUNTY)


def _by_pairs(
    scope: Scope,
    as_of: dt.date,
    pair: tuple[str, str],
    compiled: Sequence[compiler.Compiled],
    since: dt.date | None = None,
) -> dict[str, dict[Any, Figures]]:
    """The figures of both groupings of ``pair`` from one scan by pairs of their groups (in the
    order of the state table's covering index: township, then department)."""
    both = _organization_figures(scope, as_of, pair, compiled, since)
    return {by: {key: values for (side, key), values in both.items() if side == n} for n, by in enumerate(pair)}


def _party_organization_figures(
    scope: Scope, as_of: dt.date, by: str, compiled: Sequence[compiler.Compiled]
) -> dict[Any, Figures]:
    if not compiled:
        return {}
    state = compiler.party_organization_state(
        on=as_of, scope=scope.party_organizations, organization_scope=scope.organizations, by=by
    )
    # One row per party organization by county or township: plain counts, no COUNT(DISTINCT).
    distinct = not compiler.subject_rows_unique(Subject.PARTY_ORGANIZATION, by)
    return compiler.aggregate(state=state, indicators=compiled, grouped=by != Grouping.COUNTY, distinct=distinct)


def _add_up(*figures: dict[Any, Figures]) -> Figures:
    """The sum of the groups' figures: the total, for a grouping whose groups partition the
    subjects (each subject in exactly one group)."""
    total: Figures = {}
    for groups in figures:
        for values in groups.values():
            for code, (numerator, denominator) in values.items():
                n, d = total.get(code, (0, 0))
                total[code] = (n + numerator, d + denominator)
    return total


def _groups(
    *,
    by: str,
    figures: dict[str, Figures],
    definitions: Sequence[Indicator],
    targets: dict[str, Decimal],
    total_label: str,
) -> list[IndicatorGroup]:
    groups = []
    wanted = [(d.code, d.kind, target_of(d, targets)) for d in definitions]  # once, not per group
    for key, label in _labels(by, set(figures), total_label):
        values = figures[key]
        group = IndicatorGroup(key=key, label=label)
        for code, kind, target in wanted:
            numerator, denominator = values.get(code, (0, 0))
            group.values[code] = make_value(kind=kind, numerator=numerator, denominator=denominator, target=target)
        groups.append(group)
    return groups


def _total(
    scope: Scope, figures: Figures, definitions: Sequence[Indicator], targets: dict[str, Decimal]
) -> IndicatorGroup:
    """The scope's figures as one group (the county row, a trend point)."""
    (total,) = _groups(
        by=Grouping.COUNTY,
        figures={COUNTY_KEY: figures},
        definitions=definitions,
        targets=targets,
        total_label=scope.label,
    )
    return total


def _keyed(by: str, *figures: dict[Any, Figures]) -> dict[str, Figures]:
    keyed: dict[str, Figures] = defaultdict(dict)
    for groups in figures:
        for raw, values in groups.items():
            keyed[_key(by, raw)].update(values)
    return keyed


def _table(
    *,
    scope: Scope,
    as_of: dt.date,
    by: str,
    definitions: Sequence[Indicator] | None = None,
    targets: dict[str, Decimal] | None = None,
) -> TablePage:
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; one of {', '.join(GROUPINGS)}")
    definitions = list(definitions) if definitions is not None else indicators()
    org_defs, po_defs = _split(definitions)
    # The organizations known only from a registration list are counted in the same scan.
    scanned = [*org_defs, _unsurveyed_indicator()]
    if by == Grouping.DEPARTMENT:
        # By department through the scan by (township, department) pairs, in the order of the state
        # table's covering index: at a million organizations 1.2 s where grouping by department
        # alone reads the table row by row through its department index (8.6 s).
        org_figures = _by_pairs(scope, as_of, (Grouping.TOWNSHIP, Grouping.DEPARTMENT), scanned)[by]
    else:
        org_figures = _organization_figures(scope, as_of, by, scanned)
    unsurveyed = sum(values.get(_UNSURVEYED, (0, 0))[0] for values in org_figures.values())
    figures = _keyed(by, org_figures, _party_organization_figures(scope, as_of, by, po_defs))
    if by == Grouping.COUNTY:
        figures.setdefault(COUNTY_KEY, {})
    targets = targets if targets is not None else year_targets(as_of.year)
    groups = _groups(by=by, figures=figures, definitions=definitions, targets=targets, total_label=scope.label)
    return TablePage(as_of=as_of, by=by, definitions=definitions, groups=groups, unsurveyed=unsurveyed)


@dataclass(frozen=True)
class TablePage:
    """The indicator table of one grouping as its page shows it."""

    as_of: dt.date
    by: str
    definitions: list[Indicator]
    groups: list[IndicatorGroup]
    unsurveyed: int  # organizations known only from a registration list (``_unsurveyed_indicator``)


def county_indicator_table(*, as_of: dt.date, by: str = "county") -> list[IndicatorGroup]:
    """The whole county, no user: for the ``indicators`` command, reports and the benchmark."""
    return _table(scope=county_scope(), as_of=as_of, by=by).groups


def indicator_table(*, user: User, as_of: dt.date, by: str = "county") -> list[IndicatorGroup]:
    """Every active indicator as of ``as_of`` for each group of ``by`` (county, township,
    department, category, type, size) within the user's scope: a township clerk gets his township
    only."""
    return indicator_table_page(user=user, as_of=as_of, by=by).groups


def indicator_table_page(*, user: User, as_of: dt.date, by: str = "county") -> TablePage:
    """``indicator_table`` with what its page shows besides: the definitions it was computed
    with and the organizations it leaves out of the indicators that need census figures."""
    return _table(scope=scope_of(user), as_of=as_of, by=by)


# --- Series ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesPoint:
    on: dt.date
    values: dict[str, IndicatorValue]


def _figures_on_dates(
    scope: Scope, dates: Sequence[dt.date], definitions: Sequence[Indicator], *, held_throughout: bool = True
) -> list[Figures]:
    """The scope's totals on each of ``dates``: the organization indicators of every date from ONE
    query over the census intervals (``compiler.organization_history``), the party organization
    ones (few rows) one query per date. ``held_throughout=False``: the organization indicators
    leave out the states that hold every one of the dates (``dashboard_tables`` counts those in
    its scan of the last date)."""
    org_defs, po_defs = _split(definitions)
    distinct = sorted(set(dates))
    by_date: dict[dt.date, Figures] = {on: {} for on in distinct}
    if org_defs and compiler.history_supported(distinct):
        states = scope.states if held_throughout else scope.states & ~compiler.held_throughout(distinct)
        history = compiler.organization_history(dates=distinct, scope=states)
        found = compiler.aggregate_on_dates(
            history=history, dates=distinct, wanted=[org_defs] * len(distinct), grouped=False
        )
        for on, groups in zip(distinct, found, strict=True):
            by_date[on].update(_add_up(groups))
    elif org_defs:
        for on in distinct:
            by_date[on].update(_add_up(_organization_figures(scope, on, Grouping.COUNTY, org_defs)))
    for on in distinct:
        by_date[on].update(_add_up(_party_organization_figures(scope, on, Grouping.COUNTY, po_defs)))
    return [by_date[on] for on in dates]


def indicator_series(
    *, user: User, end: dt.date, period: str = forecast.MONTH, count: int = 12, codes: Sequence[str] | None = None
) -> list[SeriesPoint]:
    """The scope's totals as of each period end (the last ``count`` months, quarters or years);
    each point's figures are those of ``indicator_table`` as of that day."""
    definitions = [d for d in indicators() if codes is None or d.code in codes]
    scope = scope_of(user)
    dates = forecast.period_ends(end, period, count)
    targets = {year: year_targets(year) for year in sorted({on.year for on in dates})}
    points = []
    for on, figures in zip(dates, _figures_on_dates(scope, dates, definitions), strict=True):
        points.append(SeriesPoint(on=on, values=_total(scope, figures, definitions, targets[on.year]).values))
    return points


# --- The dashboard -----------------------------------------------------------------------------

RANKINGS = (Grouping.TOWNSHIP, Grouping.DEPARTMENT)


def ranking_groupings(user: User) -> list[str]:
    """The dashboard's rankings that can hold more than one group in the user's scope: a township
    clerk's scope is one township (and his party organizations are that township's), a
    department clerk's one department (and his party organizations are counted in it only)."""
    pinned = {ScopeKind.TOWNSHIP: Grouping.TOWNSHIP, ScopeKind.DEPARTMENT: Grouping.DEPARTMENT}.get(user.scope_kind)
    return [by for by in RANKINGS if by != pinned]


@dataclass(frozen=True)
class DashboardTables:
    total: IndicatorGroup  # every active indicator, the user's whole scope
    rankings: dict[str, list[IndicatorGroup]]  # grouping → its groups, with the ranked indicators only
    forecast_tally: forecast.Tally  # today's population in figures the forecast adds to
    series: list[SeriesPoint]  # the trend: the trend indicators' totals on each trend date
    unsurveyed: int = 0  # organizations known only from a registration list (``_unsurveyed_indicator``)


def dashboard_tables(
    *,
    user: User,
    as_of: dt.date,
    groupings: Sequence[str],
    ranking_codes: Sequence[str],
    min_full: int = 3,
    trend_dates: Sequence[dt.date] = (),
    trend_codes: Sequence[str] = (),
) -> DashboardTables:
    """The dashboard's figures with as few scans of the register as the groupings allow.

    One organization query gives every organization indicator on ``as_of`` for both rankings'
    groups (from one scan by township and department pairs, in the order of the state table's
    covering index, added up by each) and the forecast's tally (population, covered, with at least
    ``min_full`` full members, of those covered); the total is the sum of the first ranking's
    groups (an organization is in exactly one group of any grouping). One more
    (``compiler.organization_history``) gives the trend indicators on every trend date — of the
    states that changed within the trend's dates, when ``as_of`` is the last of them: those that
    hold every date are counted by the first query (``compiler.whole_span``). Party
    organizations come from a township-grouped query (a party organization is grouped by its own
    township, so the groups add up) or, without that grouping, a county one (by an organization
    column a joint branch counts in each group of the organizations it covers: those groups do not
    add up); another grouping computes the ranked indicators only. Every figure equals
    ``indicator_table`` / ``indicator_series``."""
    for by in groupings:
        if by not in GROUPINGS or by == Grouping.COUNTY:
            raise ValueError(f"not a ranking grouping: {by!r}")
    if len(groupings) > 2:
        raise ValueError("at most two rankings")
    scope = scope_of(user)
    definitions = indicators()
    org_defs, po_defs = _split(definitions)
    tally = _tally_indicators(min_full)
    trend_defs = [d for d in definitions if d.code in trend_codes]
    dates = sorted(set(trend_dates))
    # The states holding every trend date (most of them: an organization whose figures did not
    # change in the year) are rows of the scan of ``as_of`` when it is the last trend date: counted
    # there (``compiler.whole_span``), the trend's scan reads only the others and sorts them by the
    # dates they hold (at a million: 0.47 s where all of them took 1.31 s CPU).
    org_trend, _po_trend = _split(trend_defs)
    split = bool(org_trend) and dates[-1] == as_of and compiler.history_supported(dates)
    whole = {c.code: compiler.whole_span(c) for c in org_trend} if split else {}
    since = dates[0] if split else None
    scanned = [*org_defs, *tally, *whole.values(), _unsurveyed_indicator()]
    org_by: dict[str, dict[Any, Figures]] = {}
    if len(groupings) == 2:
        org_by = _by_pairs(scope, as_of, (groupings[0], groupings[1]), scanned, since)
        org_total = _add_up(org_by[groupings[0]])
    else:
        by = groupings[0] if groupings else Grouping.COUNTY
        org_first = _organization_figures(scope, as_of, by, scanned, since)
        org_by = {by: org_first}
        org_total = _add_up(org_first)
    on_dates: dict[dt.date, Figures] = {}
    if dates:
        found = _figures_on_dates(scope, dates, trend_defs, held_throughout=not split)
        for on, figures in zip(dates, found, strict=True):
            for code, c in whole.items():  # the states holding every date count on each
                numerator, denominator = figures.get(code, (0, 0))
                add_n, add_d = org_total.get(c.code, (0, 0))
                figures[code] = (numerator + add_n, denominator + add_d)
            on_dates[on] = figures
    po_by = Grouping.TOWNSHIP if Grouping.TOWNSHIP in groupings else Grouping.COUNTY
    po_first = _party_organization_figures(scope, as_of, po_by, po_defs)
    summed = _add_up({0: org_total}, po_first)
    targets = {year: year_targets(year) for year in sorted({on.year for on in [*dates, as_of]})}
    total = _total(scope, summed, definitions, targets[as_of.year])
    ranked = [d for d in definitions if d.code in ranking_codes]
    _rank_org, rank_po = _split(ranked)
    rankings = {}
    for by in groupings:
        po = po_first if by == po_by else _party_organization_figures(scope, as_of, by, rank_po)
        rankings[by] = _groups(
            by=by,
            figures=_keyed(by, org_by[by], po),
            definitions=ranked,
            targets=targets[as_of.year],
            total_label=scope.label,
        )
    series = [
        SeriesPoint(on=on, values=_total(scope, on_dates[on], trend_defs, targets[on.year]).values)
        for on in trend_dates
    ]
    return DashboardTables(
        total=total,
        rankings=rankings,
        forecast_tally=_tally_of(summed),
        series=series,
        unsurveyed=org_total.get(_UNSURVEYED, (0, 0))[0],
    )


# --- Drill-down --------------------------------------------------------------------------------


def drill_down(
    *, user: User, as_of: dt.date, indicator: Indicator, by: str, key: str, part: str
) -> QuerySet[Organization] | QuerySet[PartyOrganization]:
    """The subjects behind one figure: the organizations (or party organizations) of the group
    ``key`` of ``by`` counted in the indicator's numerator, denominator, or the complement (in the
    denominator, not in the numerator: the ones still to cover). Raises ValueError on a bad key."""
    if part not in Part.values:
        raise ValueError(part)
    group_in_scope(user=user, by=by, key=key)
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
    state = compiler.organization_state(on=on, scope=scope.states, group=group_filter(by, key), by=by)
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
    """The gap list (``iter_gap_rows``) as a list: what the page shows."""
    return list(iter_gap_rows(user=user, as_of=as_of, by=by, key=key))


def data_since(*, user: User) -> dt.date | None:
    """The first date from which the register holds census figures of an organization in the
    user's scope (None when it holds none): the dashboard says so, since a date before it has
    nothing to count."""
    facts = OrganizationFacts.objects.all()
    scope = organization_scope(user)
    if scope != Q():  # the county's: every organization's, no subquery (at a million: 0.39 → 0.08 s CPU)
        facts = facts.filter(organization__in=Organization.objects.filter(scope))
    first: dt.date | None = facts.aggregate(first=Min("valid_from"))["first"]
    return first


def iter_gap_rows(
    *,
    user: User,
    as_of: dt.date,
    by: str = Grouping.COUNTY,
    key: str = "",
    filters: formation_selectors.RegisterFilter | None = None,
    block: int = formation_selectors.REGISTER_BATCH,
) -> Iterator[formation_selectors.RegisterRow]:
    """The organizations in scope not covered as of ``as_of``, with the formation recommendation and
    plan status: the formation register (``formation.selectors.register_rows``), limited to one
    group. Raises ``NoPolicyInForce`` before the first policy version, ValueError on a group the
    user's scope does not hold (``group_in_scope``). ``filters``: the register's search and filters;
    ``block``: rows whose instances are read together (``iter_register_rows``)."""
    group = group_in_scope(user=user, by=by, key=key) if by != Grouping.COUNTY and key else None
    return formation_selectors.iter_register_rows(user=user, on=as_of, filters=filters, group=group, block=block)


# --- Forecast ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastResult:
    today: dt.date
    now: forecast.Projection
    projections: list[forecast.Projection]
    reaching: list[forecast.Reaching]  # the earliest first; ``reaching_organizations`` for their rows
    min_full: int


def forecast_min_full(on: dt.date) -> int:
    """The policy's minimum of full members for a party organization of one's own on ``on``."""
    try:
        return engine_policy_in_force(on=on).min_full_members
    except NoPolicyInForce:  # before the first policy version the speech's 3 holds
        return 3


_TALLY_COVERED = "_forecast_covered"
_TALLY_QUALIFYING = "_forecast_qualifying"


def _tally_indicators(min_full: int) -> list[compiler.Compiled]:
    """The forecast's figures of today's population as two organization indicators: covered of
    all, covered of those with at least ``min_full`` full members."""
    covered = {"field": "covered", "eq": True}
    return [
        compiler.compile_filters(
            code=_TALLY_COVERED, kind=Kind.SHARE, subject=Subject.ORGANIZATION, numerator=covered, denominator={}
        ),
        compiler.compile_filters(
            code=_TALLY_QUALIFYING,
            kind=Kind.SHARE,
            subject=Subject.ORGANIZATION,
            numerator=covered,
            denominator={"field": "full_members", "gte": min_full},
        ),
    ]


def _tally_of(figures: Figures) -> forecast.Tally:
    covered, population = figures.get(_TALLY_COVERED, (0, 0))
    qualifying_covered, qualifying = figures.get(_TALLY_QUALIFYING, (0, 0))
    return forecast.Tally(
        population=population, covered=covered, qualifying=qualifying, qualifying_covered=qualifying_covered
    )


def forecast_tally(*, user: User, on: dt.date, min_full: int) -> forecast.Tally:
    """Today's population in the user's scope counted as the forecast counts it: one query."""
    figures = _organization_figures(scope_of(user), on, Grouping.COUNTY, _tally_indicators(min_full))
    return _tally_of(_add_up(figures))


ID_CHUNK = 5000  # ids per query (SQLite allows 32,766 parameters)


def changing_outlooks(*, user: User, on: dt.date, min_full: int) -> list[forecast.Outlook]:
    """The organizations of the population on ``on`` in the user's scope whose projection can
    differ from today's figures, with what the projection needs: the ones below ``min_full`` full
    members employing a probationary member (conversions can make them qualify; above it they
    already do, and a conversion changes nothing), and the ones with an active, ready formation
    plan with a planned date. Every other organization is only counted in ``forecast_tally``; the
    projection and the organizations reaching ``min_full`` are those of the whole population.
    Reading the roster of the organizations below ``min_full`` only keeps the roster lookups few
    (members work mostly in the organizations that already have several)."""
    scope = scope_of(user)
    probationary = Employment.objects.filter(compiler._valid_on(on), member__status=MemberStatus.PROBATIONARY)
    state = compiler.organization_state(on=on, scope=scope.states)
    below = state.filter(full_members__lt=min_full)
    # Two plans for one condition (ARCHITECTURE.md, "Derived layers and tunings"): county-wide, the
    # probationary members' employers are collected once (a few of the organizations, where a probe
    # for each organization below the minimum would be one for most of them); in a township or a
    # department, a probe for each of its organizations, asked as a one-row subquery of the select
    # list (an EXISTS in the WHERE clause PostgreSQL runs as a join reading every employment).
    fields = ("s_id", "s_full_members", "s_covered")
    found: Iterable[dict[str, Any]]
    if scope.states == Q():
        found = below.filter(organization_id__in=probationary.values("organization_id")).values(*fields)
    else:
        one = probationary.filter(organization_id=OuterRef("organization_id")).values("pk")[:1]
        probed = below.annotate(s_probationary=Subquery(one)).values(*fields, "s_probationary")
        found = [r for r in probed if r["s_probationary"] is not None]
    rows: dict[int, dict[str, Any]] = {r["s_id"]: {k: r[k] for k in fields} for r in found}
    converting = sorted(rows)
    plans = FormationPlan.objects.filter(
        scope.organizations, status__in=sorted(ACTIVE_STATUSES), ready=True, planned_date__isnull=False
    )
    planned_all = dict(plans.values_list("organization_id", "planned_date"))
    others = sorted(set(planned_all) - set(rows))
    for start in range(0, len(others), ID_CHUNK):  # the population's rows of the planned ones
        chunk = state.filter(organization_id__in=others[start : start + ID_CHUNK])
        rows.update((r["s_id"], r) for r in chunk.values("s_id", "s_full_members", "s_covered"))
    conversions: dict[int, list[dt.date]] = defaultdict(list)
    for start in range(0, len(converting), ID_CHUNK):
        chunk_ids = converting[start : start + ID_CHUNK]
        for org_id, admitted_on in probationary.filter(organization_id__in=chunk_ids).values_list(
            "organization_id", "member__admitted_on"
        ):
            conversions[org_id].append(max(on, forecast.add_year(admitted_on)))
    planned = {org_id: day for org_id, day in planned_all.items() if org_id in rows}
    return [
        forecast.Outlook(
            id=org_id,
            covered=bool(r["s_covered"]),
            full_members=r["s_full_members"],
            conversions=tuple(sorted(conversions.get(org_id, ()))),
            planned_on=planned.get(org_id),
        )
        for org_id, r in sorted(rows.items())
    ]


def coverage_forecast(
    *, user: User, today: dt.date, min_full: int | None = None, tally: forecast.Tally | None = None
) -> ForecastResult:
    """Coverage now, at the end of this year and of next year; organizations that will reach the
    policy's minimum of full members by the end of next year. ``tally`` (``forecast_tally``, or
    ``DashboardTables.forecast_tally`` of the same day and ``min_full``) saves its query."""
    if min_full is None:
        min_full = forecast_min_full(today)
    if tally is None:
        tally = forecast_tally(user=user, on=today, min_full=min_full)
    changing = changing_outlooks(user=user, on=today, min_full=min_full)
    others = tally - forecast.tally(changing, min_full=min_full)
    horizons = [dt.date(today.year, 12, 31), dt.date(today.year + 1, 12, 31)]
    return ForecastResult(
        today=today,
        now=forecast.current(changing, today, min_full=min_full, others=others),
        projections=[forecast.project(changing, h, min_full=min_full, others=others) for h in horizons],
        reaching=forecast.reaching(changing, horizons[-1], min_full=min_full),
        min_full=min_full,
    )


def reaching_organizations(
    reaching: Sequence[forecast.Reaching],
) -> list[tuple[forecast.Reaching, Organization]]:
    """The organizations of some of a forecast's ``reaching`` rows (those a page shows), with their
    township: one query for the rows given, not for the whole list."""
    by_id = Organization.objects.select_related("township").in_bulk([r.id for r in reaching])
    return [(r, by_id[r.id]) for r in reaching]


# --- The dashboard -----------------------------------------------------------------------------

TREND_CODES = ("org_coverage", "work_coverage", "orgs_3_full_with_party_org")
RANKED_CODES = TREND_CODES  # the rankings' columns; the first one present orders them
DEFAULT_PERIOD = forecast.MONTH
TREND_POINTS = {forecast.MONTH: 12, forecast.QUARTER: 8, forecast.YEAR: 5}

# A dashboard shows a ranking or the forecast's list whole up to ``SHOWN_WHOLE`` rows (a county's
# dozen townships); a longer one (a province's 1,500 townships) shows its first and last
# ``SHOWN_AT_EACH_END`` rows (the forecast's list: its earliest ``2 * SHOWN_AT_EACH_END``) and
# links to the whole list — the indicator table, the forecast page.
SHOWN_WHOLE = 30
SHOWN_AT_EACH_END = 10
LIFE_AT_RISK_NAMED = 5  # the organization-life card names the first few


@dataclass(frozen=True)
class LifeAtRisk:
    """The party organizations with no activity for the policy's months: how many, the first few."""

    count: int
    named: list[PartyOrganization]
    months: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard reads from the database for one scope, day and trend period; the
    view only arranges it. Plain values and model instances, so that the county's can be kept
    (``CountySnapshot``)."""

    as_of: dt.date
    period: str
    definitions: list[Indicator]
    rank_code: str  # the indicator that orders the rankings ("" without indicators)
    tables: DashboardTables
    outlook: ForecastResult  # the forecast
    reaching: list[tuple[forecast.Reaching, Organization]]  # the earliest ``SHOWN_WHOLE`` at most
    data_since: dt.date | None
    life_at_risk: LifeAtRisk | None  # None before the first organization-life policy


def dashboard(*, user: User, as_of: dt.date, period: str = DEFAULT_PERIOD) -> Dashboard:
    """The dashboard of the user's scope on ``as_of``: one scan of the register for the total, the
    rankings, the trend and the forecast's tally (``dashboard_tables``); a ranking the scope pins to
    one group (a township clerk's township) is not computed."""
    definitions = indicators()
    codes = {d.code for d in definitions}
    rank_code = "org_coverage" if "org_coverage" in codes else (definitions[0].code if definitions else "")
    min_full = forecast_min_full(as_of)
    tables = dashboard_tables(
        user=user,
        as_of=as_of,
        groupings=ranking_groupings(user) if rank_code else [],
        ranking_codes=[rank_code, *(c for c in RANKED_CODES if c in codes)],
        min_full=min_full,
        trend_dates=forecast.period_ends(as_of, period, TREND_POINTS[period]),
        trend_codes=[c for c in TREND_CODES if c in codes],
    )
    outlook = coverage_forecast(user=user, today=as_of, min_full=min_full, tally=tables.forecast_tally)
    return Dashboard(
        as_of=as_of,
        period=period,
        definitions=definitions,
        rank_code=rank_code,
        tables=tables,
        outlook=outlook,
        reaching=reaching_organizations(outlook.reaching[:SHOWN_WHOLE]),
        data_since=data_since(user=user),
        life_at_risk=_life_at_risk(user, as_of),
    )


def _life_at_risk(user: User, as_of: dt.date) -> LifeAtRisk | None:
    try:
        at_risk = orglife_selectors.at_risk_queryset(user=user, as_of=as_of)
        months = orglife_selectors.policy_in_force(on=as_of).at_risk_months
    except orglife_selectors.NoLifePolicy:
        return None
    return LifeAtRisk(count=at_risk.count(), named=list(at_risk[:LIFE_AT_RISK_NAMED]), months=months)


def county_reader() -> User:
    """An account that reads the whole county, for the county's dashboard computed outside a
    request (``services.refresh_county_snapshots``). Never saved: what the dashboard shows depends
    only on the scope, and every account whose scope is the county has this one."""
    return User(username="county-dashboard", role=Role.LEADER, is_active=True)


def _county_copy(*, as_of: dt.date, name: str) -> tuple[Any, CountySnapshot] | None:
    """The county's page ``name`` of ``as_of`` as the worker last computed it, when the page
    should show it instead of computing (``county_snapshot.worth_showing``); None otherwise, and
    for a copy this version of the code cannot read."""
    copy = CountySnapshot.objects.filter(as_of=as_of, name=name).first()
    if copy is None:
        return None
    if not county_snapshot.worth_showing(seconds=copy.seconds, age=timezone.now() - copy.computed_at):
        return None
    found = county_snapshot.unpack(bytes(copy.payload), copy.signature)
    return None if found is None else (found, copy)


def county_dashboard_copy(*, as_of: dt.date, period: str) -> tuple[Dashboard, dt.datetime] | None:
    """The county's dashboard of ``as_of`` kept by the worker, and when it was computed."""
    found = _county_copy(as_of=as_of, name=county_snapshot.DASHBOARD)
    if found is None or not isinstance(found[0], Dashboard) or found[0].period != period:
        return None
    return found[0], found[1].computed_at


def county_table_copy(*, as_of: dt.date, by: str) -> tuple[TablePage, dt.datetime] | None:
    """The county's indicator table of ``by`` on ``as_of`` kept by the worker, and when it was
    computed."""
    found = _county_copy(as_of=as_of, name=county_snapshot.table_name(by))
    if found is None or not isinstance(found[0], TablePage) or found[0].by != by:
        return None
    return found[0], found[1].computed_at


# --- Organizations known only from a registration list -----------------------------------------


_UNSURVEYED = "_unsurveyed"


def _unsurveyed_indicator() -> compiler.Compiled:
    """The organizations known only from a registration list, as an indicator the dashboard's
    scan counts with the others."""
    return compiler.compile_filters(
        code=_UNSURVEYED,
        kind=Kind.COUNT,
        subject=Subject.ORGANIZATION,
        numerator={"field": "surveyed", "eq": False},
        denominator={},
    )


def figure_indicator_codes(definitions: Sequence[Indicator]) -> set[str]:
    """The codes of the indicators among ``definitions`` that count surveyed organizations only."""
    return {d.code for d in definitions if compiler.compile_indicator(d).needs_figures}
