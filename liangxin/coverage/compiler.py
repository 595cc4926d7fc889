"""From indicator definitions to SQL: the state relation and one aggregate query per subject.

The state relation is built with the ORM (so scoping stays ``registry.scoping``'s ``Q``) and
taken as SQL: one row per subject as of D, with aliased columns ``s_*``. The indicators are then
compiled (``dsl.to_sql``) into ``SUM(CASE WHEN … THEN 1 ELSE 0 END)`` columns of ONE query over that
relation, grouped by the grouping column:

    WITH s AS MATERIALIZED (<state>) SELECT s_g, SUM(CASE …), SUM(CASE …), … FROM s GROUP BY s_g

``MATERIALIZED`` keeps the coverage and instructor ``EXISTS`` lookups to one per row (without
it SQLite may flatten the CTE and repeat them inside every ``CASE``). Party organizations are
counted with ``COUNT(DISTINCT CASE WHEN … THEN s_id END)``: grouped by an organization column
(department, category, type, size) a party organization is a member of every group of the
organizations it covers (a joint branch counts once in each).

Several dates at once (the dashboard's trend): ``organization_history`` is one row per census
interval valid on any of the dates, with bit masks (valid on date i, covered on it, an instructor
on it: one correlated lookup per row for all dates), and ``aggregate_on_dates`` renders each
indicator once per date over those masks — one query where a trend of 12 points made 12, with
the same figures (tests compare them on every day of a year of changes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Expression, RawSQL

from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import (
    InstructorAssignment,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
)

from . import dsl
from .choices import Grouping, Subject
from .models import FiveGoodsRating, Indicator
from .state import fields_for
from .values import COUNT, SHARE, SUM

# Grouping → the organization column (relative to ``Organization``) it groups by.
ORGANIZATION_GROUP_COLUMN: dict[str, str] = {
    Grouping.TOWNSHIP: "township_id",
    Grouping.DEPARTMENT: "department_id",
    Grouping.CATEGORY: "category",
    Grouping.TYPE: "org_type",
    Grouping.SIZE: "above_designated_size",
}

ORGANIZATION_COLUMNS: dict[str, str] = {
    "employees": "s_employees",
    "full_members": "s_full_members",
    "probationary_members": "s_probationary_members",
    "members": "(s_full_members + s_probationary_members)",
    "covered": "s_covered",
    "has_instructor": "s_has_instructor",
    "takes_part": "s_takes_part",
    "work_covered": "(s_covered OR s_has_instructor OR s_takes_part)",
    "has_union": "s_has_union",
    "has_youth_league": "s_has_youth_league",
    "has_womens_federation": "s_has_womens_federation",
    "above_designated_size": "s_above_designated_size",
    "category": "s_category",
    "org_type": "s_org_type",
    "operating_status": "s_operating_status",
}
PARTY_ORGANIZATION_COLUMNS: dict[str, str] = {
    "kind": "s_kind",
    "formation_method": "s_formation_method",
    "rated_five_goods": "s_rated_five_goods",
}


def _valid_on(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": on})
    )


def activity_participation(on: dt.date) -> Expression | None:
    """Extension point of work coverage (工作覆盖): members of the organization (``Employment``
    valid on ``on``) took part in recorded activities of a party organization. The orglife app
    will return an ``Exists(...)`` over its activity attendance records here (correlated on
    ``OuterRef("organization_id")``); until then nobody "takes part" and work coverage is coverage
    or an instructor. Never a checkbox: only recorded attendance counts."""
    return None


@dataclass(frozen=True)
class Compiled:
    """An indicator ready for SQL: the denominator condition and the numerator's (den AND num),
    rendered over the standard state columns; the parsed filters are kept to render them over
    other columns (``aggregate_on_dates``)."""

    code: str
    kind: str
    subject: str
    denominator_sql: str
    denominator_params: list[Any]
    numerator_sql: str
    numerator_params: list[Any]
    sum_column: str = ""
    denominator: dsl.Node = dsl.TRUE
    numerator: dsl.Node = dsl.TRUE  # den AND num
    sum_field: str = ""


def _both(a: dsl.Node, b: dsl.Node) -> dsl.Node:
    """``a AND b`` without a TRUE side (``{}``): fewer terms per ``CASE``, and "every subject"
    stays recognisable (``(1 = 1)``) so that the aggregate shares one ``COUNT(*)``."""
    if a == dsl.TRUE:
        return b
    if b == dsl.TRUE:
        return a
    return dsl.And((a, b))


def compile_filters(
    *, code: str, kind: str, subject: str, numerator: Any, denominator: Any, sum_field: str = ""
) -> Compiled:
    """An indicator from its parts (JSON filters); raises ``dsl.DslError`` on a bad filter."""
    fields = fields_for(subject)
    columns = PARTY_ORGANIZATION_COLUMNS if subject == Subject.PARTY_ORGANIZATION else ORGANIZATION_COLUMNS
    den = dsl.parse(denominator, fields, "denominator.")
    num = _both(den, dsl.parse(numerator, fields, "numerator."))
    den_sql, den_params = dsl.to_sql(den, columns)
    num_sql, num_params = dsl.to_sql(num, columns)
    summed = sum_field if kind == SUM else ""
    return Compiled(
        code=code,
        kind=kind,
        subject=subject,
        denominator_sql=den_sql,
        denominator_params=den_params,
        numerator_sql=num_sql,
        numerator_params=num_params,
        sum_column=ORGANIZATION_COLUMNS.get(summed, ""),
        denominator=den,
        numerator=num,
        sum_field=summed,
    )


def compile_indicator(indicator: Indicator) -> Compiled:
    return compile_filters(
        code=indicator.code,
        kind=indicator.kind,
        subject=indicator.subject,
        numerator=indicator.numerator,
        denominator=indicator.denominator,
        sum_field=indicator.sum_field,
    )


# --- State relations ---------------------------------------------------------------------------


def _organization_rows(
    *, on: dt.date, scope: Q, group: Q | None, by: str, covered: Any, instructor: Any, takes_part: Any
) -> QuerySet[Any]:
    column = ORGANIZATION_GROUP_COLUMN.get(by)
    return (
        OrganizationFacts.objects.filter(_valid_on(on), scope, organization__merged_into__isnull=True)
        .exclude(operating_status=OperatingStatus.DEREGISTERED)
        .filter(group or Q())
        .order_by()
        .values(
            s_id=F("organization_id"),
            s_g=F(f"organization__{column}") if column else F("organization_id"),
            s_employees=F("employees"),
            s_full_members=F("full_members"),
            s_probationary_members=F("probationary_members"),
            s_has_union=F("has_union"),
            s_has_youth_league=F("has_youth_league"),
            s_has_womens_federation=F("has_womens_federation"),
            s_operating_status=F("operating_status"),
            s_above_designated_size=F("organization__above_designated_size"),
            s_category=F("organization__category"),
            s_org_type=F("organization__org_type"),
            s_covered=covered,
            s_has_instructor=instructor,
            s_takes_part=takes_part,
        )
    )


def organization_state(*, on: dt.date, scope: Q, group: Q | None = None, by: str = Grouping.COUNTY) -> QuerySet[Any]:
    """One row per organization in the population on ``on`` (not merged, facts valid on ``on``,
    not deregistered) within ``scope`` (a ``Q`` on ``Organization``, given with the
    ``organization__`` prefix), as ``values()`` with the ``s_*`` columns and ``s_g`` (the group key)."""
    covered = PartyOrganizationCoverage.objects.filter(_valid_on(on), organization_id=OuterRef("organization_id"))
    instructor = InstructorAssignment.objects.filter(_valid_on(on), organization_id=OuterRef("organization_id"))
    participation = activity_participation(on)
    return _organization_rows(
        on=on,
        scope=scope,
        group=group,
        by=by,
        covered=Exists(covered),
        instructor=Exists(instructor),
        takes_part=participation if participation is not None else Value(False, output_field=BooleanField()),
    )


@dataclass(frozen=True)
class StateSQL:
    """A state relation as SQL (``organization_state``'s rows and columns), and whether the
    aggregate must materialize it (it must when a column is a subquery, else SQLite repeats it
    in every ``CASE`` that names it)."""

    sql: str
    params: list[Any]
    materialize: bool = True


def county_state_sql(*, on: dt.date, by: str = Grouping.COUNTY) -> StateSQL | None:
    """``organization_state`` of the whole county (no scope, no group) as SQL shaped for one pass
    over the register — the county table, the ``indicators`` command, the benchmark:

    - driven from the census intervals: one scan of ``OrganizationFacts``, each organization by
      its primary key (``CROSS JOIN`` keeps that order in SQLite, whose planner would scan the
      organizations and look each one's intervals up);
    - covered / instructor from LEFT JOINs to the sets of organizations covered / with an
      instructor on ``on`` (each set built once), not two correlated ``EXISTS`` per row; the flags
      are then plain columns, so the relation needs no materializing.

    Same rows and columns as ``organization_state(scope=Q())`` (a test compares them). None when
    that shape cannot be produced (activity participation recorded, or Django's SQL not of the
    form expected here): the caller then uses ``organization_state``."""
    if activity_participation(on) is not None:
        return None
    qn = connection.ops.quote_name
    facts, org = qn(OrganizationFacts._meta.db_table), qn(Organization._meta.db_table)

    def flag(alias: str) -> RawSQL:
        return RawSQL(f"({alias}.organization_id IS NOT NULL)", [], output_field=BooleanField())  # noqa: S611 (no values)

    rows = _organization_rows(
        on=on,
        scope=Q(),
        group=None,
        by=by,
        covered=flag("cv"),
        instructor=flag("iv"),
        takes_part=RawSQL("FALSE", [], output_field=BooleanField()),
    )
    sql, params = rows.query.sql_with_params()
    join = f"{facts}.{qn('organization_id')} = {org}.{qn('id')}"
    head, found, where = sql.partition(f" FROM {facts} INNER JOIN {org} ON ({join}) WHERE ")
    if not found or "%s" in head:
        return None
    sets = []
    for model in (PartyOrganizationCoverage, InstructorAssignment):
        valid = model.objects.filter(_valid_on(on)).order_by().values("organization_id").distinct()
        sets.append(valid.query.sql_with_params())
    (cov_sql, cov_params), (ins_sql, ins_params) = sets
    sql = (
        f"{head} FROM {facts} CROSS JOIN {org}"
        f" LEFT JOIN ({cov_sql}) cv ON cv.organization_id = {facts}.{qn('organization_id')}"
        f" LEFT JOIN ({ins_sql}) iv ON iv.organization_id = {facts}.{qn('organization_id')}"
        f" WHERE {join} AND ({where})"
    )
    return StateSQL(sql, [*cov_params, *ins_params, *params], materialize=False)


# One bit per date in a (32-bit on PostgreSQL) integer.
MAX_HISTORY_DATES = 30


def history_supported(dates: Sequence[dt.date]) -> bool:
    """Whether ``organization_history`` can stand for the states on ``dates``: not once the
    orgLife app records activity participation (its ``EXISTS`` is per date)."""
    return 0 < len(dates) <= MAX_HISTORY_DATES and all(activity_participation(on) is None for on in dates)


def _bits_sql(alias: str, dates: Sequence[dt.date]) -> tuple[list[str], list[Any]]:
    """For each date ``i``: ``2**i`` when the row of ``alias`` is valid on it, else 0."""
    parts, params = [], []
    for i, on in enumerate(dates):
        parts.append(
            f"CASE WHEN {alias}.valid_from <= %s AND ({alias}.valid_to IS NULL OR {alias}.valid_to > %s) "
            f"THEN {1 << i} ELSE 0 END"
        )
        day = connection.ops.adapt_datefield_value(on)
        params += [day, day]
    return parts, params


def _valid_mask(dates: Sequence[dt.date]) -> RawSQL:
    """Bit ``i`` set when the census interval (the ``OrganizationFacts`` row) holds ``dates[i]``:
    computed once per row, so the aggregate tests an integer per date, not two date columns."""
    table = connection.ops.quote_name(OrganizationFacts._meta.db_table)
    parts, params = _bits_sql(table, dates)
    return RawSQL("(" + " | ".join(f"({p})" for p in parts) + ")", params, output_field=IntegerField())  # noqa: S611 (compiler SQL, values are parameters)


def _dated_mask(model: type[Any], dates: Sequence[dt.date]) -> RawSQL:
    """Per organization: bit ``i`` set when a row of ``model`` (coverage links, instructor
    assignments) is valid on ``dates[i]`` — ONE correlated lookup for all the dates (an aggregate
    without GROUP BY), where the single-date state makes one ``EXISTS`` per date."""
    outer = connection.ops.quote_name(OrganizationFacts._meta.db_table)
    table = connection.ops.quote_name(model._meta.db_table)
    parts, params = _bits_sql("m", dates)
    first, last = (connection.ops.adapt_datefield_value(on) for on in (min(dates), max(dates)))
    sql = (
        "COALESCE((SELECT " + " | ".join(f"MAX({p})" for p in parts) + f" FROM {table} m"  # noqa: S608
        f" WHERE m.organization_id = {outer}.organization_id AND m.valid_from <= %s"
        " AND (m.valid_to IS NULL OR m.valid_to > %s)), 0)"
    )
    return RawSQL(sql, [*params, last, first], output_field=IntegerField())  # noqa: S611 (compiler SQL, values are parameters)


def organization_history(*, dates: Sequence[dt.date], scope: Q, by: str = Grouping.COUNTY) -> QuerySet[Any]:
    """The organization states on several dates in one relation: one row per census interval
    (``OrganizationFacts`` row, not deregistered) of an organization in ``scope`` (not merged)
    that is valid on at least one of ``dates``, with the ``s_*`` columns of
    ``organization_state`` except the dated flags, and three masks, bit ``i`` for ``dates[i]``:
    ``s_valid`` the interval holds the date, ``s_cov`` covered, ``s_ins`` an instructor assigned.
    The state on ``dates[i]`` is exactly the rows valid on it (``aggregate_on_dates``). At most
    ``MAX_HISTORY_DATES`` dates; see ``history_supported``."""
    if not history_supported(dates):
        raise ValueError(f"organization_history: 1 to {MAX_HISTORY_DATES} dates, and no activity participation")
    column = ORGANIZATION_GROUP_COLUMN.get(by)
    window = Q(valid_from__lte=max(dates)) & (Q(valid_to__isnull=True) | Q(valid_to__gt=min(dates)))
    return (
        OrganizationFacts.objects.filter(window, scope, organization__merged_into__isnull=True)
        .exclude(operating_status=OperatingStatus.DEREGISTERED)
        .order_by()
        .values(
            s_id=F("organization_id"),
            s_g=F(f"organization__{column}") if column else F("organization_id"),
            s_valid=_valid_mask(dates),
            s_employees=F("employees"),
            s_full_members=F("full_members"),
            s_probationary_members=F("probationary_members"),
            s_has_union=F("has_union"),
            s_has_youth_league=F("has_youth_league"),
            s_has_womens_federation=F("has_womens_federation"),
            s_operating_status=F("operating_status"),
            s_above_designated_size=F("organization__above_designated_size"),
            s_category=F("organization__category"),
            s_org_type=F("organization__org_type"),
            s_cov=_dated_mask(PartyOrganizationCoverage, dates),
            s_ins=_dated_mask(InstructorAssignment, dates),
            s_takes_part=Value(False, output_field=BooleanField()),
        )
    )


def _five_goods(on: dt.date, ref: str) -> Subquery:
    return Subquery(
        FiveGoodsRating.objects.filter(
            party_organization_id=OuterRef(ref), year__gte=on.year - 1, year__lte=on.year, rated_on__lte=on
        )
        .order_by("-year")
        .values("rated_five_goods")[:1]
    )


def _existing_on(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}founded_on__lte": on}) & (
        Q(**{f"{prefix}dissolved_on__isnull": True}) | Q(**{f"{prefix}dissolved_on__gt": on})
    )


def party_organization_state(
    *, on: dt.date, scope: Q, organization_scope: Q, group: Q | None = None, by: str = Grouping.COUNTY
) -> QuerySet[Any]:
    """One row per party organization existing on ``on`` in ``scope`` (a ``Q`` on
    ``PartyOrganization``); grouped by an organization column, one row per (party organization,
    covered organization in ``organization_scope``) through the coverage links valid on ``on``."""
    if by in (Grouping.COUNTY, Grouping.TOWNSHIP):
        return (
            PartyOrganization.objects.filter(_existing_on(on), scope)
            .filter(group or Q())
            .order_by()
            .values(
                s_id=F("pk"),
                s_g=F("township_id") if by == Grouping.TOWNSHIP else F("pk"),
                s_kind=F("kind"),
                s_formation_method=F("formation_method"),
                s_rated_five_goods=_five_goods(on, "pk"),
            )
        )
    column = ORGANIZATION_GROUP_COLUMN[by]
    return (
        PartyOrganizationCoverage.objects.filter(
            _valid_on(on),
            _existing_on(on, "party_organization__"),
            organization_scope,
            party_organization__in=PartyOrganization.objects.filter(scope).values("pk"),
        )
        .filter(group or Q())
        .order_by()
        .values(
            s_id=F("party_organization_id"),
            s_g=F(f"organization__{column}"),
            s_kind=F("party_organization__kind"),
            s_formation_method=F("party_organization__formation_method"),
            s_rated_five_goods=_five_goods(on, "party_organization_id"),
        )
    )


# --- The aggregate query -----------------------------------------------------------------------


def _cte(sql: str, materialize: bool = True) -> str:
    hint = "MATERIALIZED " if materialize and connection.vendor in ("sqlite", "postgresql") else ""
    return f"WITH s AS {hint}({sql}) "


def subject_rows_unique(subject: str, by: str) -> bool:
    """Whether the state relation of ``subject`` grouped ``by`` has one row per subject: all but
    party organizations grouped by an organization column (one row per covered organization)."""
    return subject == Subject.ORGANIZATION or by in (Grouping.COUNTY, Grouping.TOWNSHIP)


def aggregate(
    *, state: QuerySet[Any] | StateSQL, indicators: Sequence[Compiled], grouped: bool, distinct: bool | None = None
) -> dict[Any, dict[str, tuple[int, int]]]:
    """Group key → indicator code → (numerator, denominator), by ONE query over ``state``.
    ``distinct``: count distinct ``s_id`` (a subject on several rows); by default for party
    organizations — pass ``not subject_rows_unique(...)`` to count rows where that is the same."""
    if not indicators:
        return {}
    if isinstance(state, StateSQL):
        inner_sql, inner_params, materialize = state.sql, list(state.params), state.materialize
    else:
        try:
            sql_params = state.query.sql_with_params()
        except EmptyResultSet:  # a scope that holds nothing (administrators)
            return {}
        inner_sql, inner_params, materialize = sql_params[0], list(sql_params[1]), True
    if distinct is None:
        distinct = indicators[0].subject == Subject.PARTY_ORGANIZATION
    # Each distinct aggregate once: many indicators share a denominator (all organizations).
    columns: dict[tuple[str, str, tuple[Any, ...]], int] = {}
    select: list[str] = []
    params: list[Any] = list(inner_params)

    def column(condition: str, condition_params: list[Any], then: str = "1") -> int:
        key = (condition, then, tuple(condition_params))
        if key not in columns:
            if condition == "(1 = 1)" and then == "1":
                select.append("COUNT(DISTINCT s_id)" if distinct else "COUNT(*)")
            elif condition == "(1 = 1)" and not distinct:
                select.append(f"SUM({then})")
            elif distinct:
                select.append(f"COUNT(DISTINCT CASE WHEN {condition} THEN s_id END)")
                params.extend(condition_params)
            else:
                select.append(f"SUM(CASE WHEN {condition} THEN {then} ELSE 0 END)")
                params.extend(condition_params)
            columns[key] = len(select) - 1
        return columns[key]

    positions = [
        (
            c.code,
            column(c.numerator_sql, c.numerator_params, c.sum_column if c.kind == SUM and c.sum_column else "1"),
            column(c.denominator_sql, c.denominator_params),
        )
        for c in indicators
    ]
    group_sql = ("s_g", " GROUP BY s_g") if grouped else ("0", "")
    # Only the compiler's own column names and placeholders are spliced in; values are parameters.
    sql = _cte(inner_sql, materialize) + f"SELECT {group_sql[0]} AS g, " + ", ".join(select) + f" FROM s{group_sql[1]}"  # noqa: S608
    result: dict[Any, dict[str, tuple[int, int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            # Without GROUP BY the query answers one row even over nothing (SUM is then NULL).
            key, figures = row[0], row[1:]
            result[key] = {code: (int(figures[n] or 0), int(figures[d] or 0)) for code, n, d in positions}
    return result


def _history_columns(i: int) -> dict[str, str]:
    """The organization fields over ``organization_history`` on its ``i``-th date."""
    covered = f"((s_cov & {1 << i}) <> 0)"
    instructor = f"((s_ins & {1 << i}) <> 0)"
    return ORGANIZATION_COLUMNS | {
        "covered": covered,
        "has_instructor": instructor,
        "work_covered": f"({covered} OR {instructor} OR s_takes_part)",
    }


def aggregate_on_dates(
    *, history: QuerySet[Any], dates: Sequence[dt.date], wanted: Sequence[Sequence[Compiled]], grouped: bool
) -> list[dict[Any, dict[str, tuple[int, int]]]]:
    """For each of ``dates`` (as given to ``organization_history``): group key → indicator code →
    (numerator, denominator) of the organization indicators ``wanted[i]`` on ``dates[i]``, by ONE
    query over ``history``. Each date's result equals ``aggregate`` over ``organization_state`` on
    that date (a row counts on ``dates[i]`` when its interval holds it; a group is there when it
    has a row on that date; ungrouped, the one group ``0`` always is)."""
    if len(wanted) != len(dates):
        raise ValueError("aggregate_on_dates: one list of indicators per date")
    if any(c.subject != Subject.ORGANIZATION for w in wanted for c in w):
        raise ValueError("aggregate_on_dates: organization indicators only")
    empty: list[dict[Any, dict[str, tuple[int, int]]]] = [{} for _ in dates]
    try:
        inner_sql, inner_params = history.query.sql_with_params()
    except EmptyResultSet:
        return empty
    columns: dict[tuple[Any, ...], int] = {}
    select: list[str] = []
    params: list[Any] = list(inner_params)

    def column(i: int, node: dsl.Node, then: str) -> int:
        condition, condition_params = dsl.to_sql(node, _history_columns(i))
        key = (i, condition, then, tuple(condition_params))
        if key not in columns:
            valid = f"((s_valid & {1 << i}) <> 0)"
            if condition == "(1 = 1)":
                select.append(f"SUM(CASE WHEN {valid} THEN {then} ELSE 0 END)")
            else:
                select.append(f"SUM(CASE WHEN {valid} AND {condition} THEN {then} ELSE 0 END)")
                params.extend(condition_params)
            columns[key] = len(select) - 1
        return columns[key]

    rows_on = [column(i, dsl.TRUE, "1") for i in range(len(dates))]  # the group's rows on each date
    positions = [
        [
            (
                c.code,
                column(i, c.numerator, ORGANIZATION_COLUMNS[c.sum_field] if c.kind == SUM and c.sum_field else "1"),
                column(i, c.denominator, "1"),
            )
            for c in indicators
        ]
        for i, indicators in enumerate(wanted)
    ]
    group_sql = ("s_g", " GROUP BY s_g") if grouped else ("0", "")
    # Only the compiler's own column names and placeholders are spliced in; values are parameters.
    sql = _cte(inner_sql) + f"SELECT {group_sql[0]} AS g, " + ", ".join(select) + f" FROM s{group_sql[1]}"  # noqa: S608
    result = empty
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            key, figures = row[0], row[1:]
            for i, on_date in enumerate(positions):
                if grouped and not figures[rows_on[i]]:
                    continue
                result[i][key] = {code: (int(figures[n] or 0), int(figures[d] or 0)) for code, n, d in on_date}
    return result


def matching_ids_sql(*, state: QuerySet[Any], compiled: Compiled, part: str) -> tuple[str, list[Any]]:
    """SQL selecting the subject ids behind one figure: the numerator, the denominator, or the
    complement (denominator and not numerator; unknown counts as not)."""
    try:
        inner_sql, inner_params = state.query.sql_with_params()
    except EmptyResultSet:
        return "SELECT NULL WHERE 1 = 0", []
    if part == "numerator":
        where, params = compiled.numerator_sql, compiled.numerator_params
    elif part == "denominator":
        where, params = compiled.denominator_sql, compiled.denominator_params
    else:
        where = f"{compiled.denominator_sql} AND NOT COALESCE({compiled.numerator_sql}, FALSE)"
        params = compiled.denominator_params + compiled.numerator_params
    return f"SELECT s_id FROM ({inner_sql}) s WHERE {where}", [*inner_params, *params]  # noqa: S608


__all__ = [
    "COUNT",
    "SHARE",
    "SUM",
    "Compiled",
    "StateSQL",
    "aggregate",
    "aggregate_on_dates",
    "compile_filters",
    "compile_indicator",
    "county_state_sql",
    "matching_ids_sql",
    "organization_history",
]
