"""From indicator definitions to SQL: the state relation and one aggregate query per subject.

The organization state relation reads ``OrganizationState`` (one row per interval of constant
state, maintained by ``materialized.py``) through the ORM, so scoping stays ``registry.scoping``'s
``Q``, and is taken as SQL: one row per subject as of D, with aliased columns ``s_*``. The
indicators are then compiled (``dsl.to_sql``) into ``COUNT(*) FILTER (WHERE …)`` columns
of ONE query over that relation, grouped by the grouping column:

    WITH s AS (<state>) SELECT s_g, COUNT(*) FILTER (WHERE …), SUM(s_employees) FILTER (…), … FROM s GROUP BY s_g

The party organization relation has a subquery column (the five-goods rating): it is
``MATERIALIZED``, else SQLite may flatten the CTE and repeat it inside every aggregate. Party
organizations are counted with ``COUNT(DISTINCT CASE WHEN … THEN s_id END)``: grouped by an
organization column (department, category, type, size) a party organization is a member of every
group of the organizations it covers (a joint branch counts once in each).

Grouped by two columns at once (``by=(township, department)``), the query counts each pair in one
scan and adds the pairs up by each column: the dashboard's two rankings from one query.

Several dates at once (the dashboard's trend): ``organization_history`` is one row per state
interval valid on any of the dates, with the indices of the first and the last date it holds, and
``aggregate_on_dates`` aggregates each indicator once per (first, last) pair — a date's figure is
the sum over the pairs whose span holds it: one scan where a trend of 12 points made 12, with the
same figures (tests compare them on every day of a year of changes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL

from liangxin.registry.models import PartyOrganization, PartyOrganizationCoverage
from liangxin.standards.selectors import five_goods_subquery

from . import dsl, materialized
from .choices import Grouping, Subject
from .models import Indicator, OrganizationState
from .state import FIGURE_FIELDS, SURVEYED, fields_for
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
    "surveyed": "s_surveyed",
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
    # Names a census figure (``state.FIGURE_FIELDS``): counts surveyed organizations only — those
    # known only from a registration list are left out of it, and the pages say so.
    needs_figures: bool = False


def _both(a: dsl.Node, b: dsl.Node) -> dsl.Node:
    """``a AND b`` without a TRUE side (``{}``): fewer terms per condition, and "every subject"
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
    num_only = dsl.parse(numerator, fields, "numerator.")
    summed = sum_field if kind == SUM else ""
    named = dsl.fields_of(den) | dsl.fields_of(num_only) | {summed}
    needs_figures = subject == Subject.ORGANIZATION and bool(named & FIGURE_FIELDS)
    if needs_figures:
        den = _both(den, dsl.parse(SURVEYED, fields))
    num = _both(den, num_only)
    den_sql, den_params = dsl.to_sql(den, columns)
    num_sql, num_params = dsl.to_sql(num, columns)
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
        needs_figures=needs_figures,
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


Groupings = str | tuple[str, str]  # one grouping, or two (the group key is then a pair)


def _state_rows(*, scope: Q, group: Q | None, by: Groupings, window: Q) -> QuerySet[Any]:
    """The ``OrganizationState`` rows matching ``window`` in ``scope`` and ``group`` (conditions
    on ``OrganizationState``, whose grouping columns are the organization's) as ``values()`` with
    the ``s_*`` columns, ``s_g`` (and with two groupings ``s_g2``); the table is brought up to
    date first (``materialized.ensure_fresh``)."""
    materialized.ensure_fresh()
    first, second = by if isinstance(by, tuple) else (by, None)
    keys = {"s_g": F(ORGANIZATION_GROUP_COLUMN.get(first, "organization_id"))}
    if second is not None:
        keys["s_g2"] = F(ORGANIZATION_GROUP_COLUMN[second])
    return (
        OrganizationState.objects.filter(window, scope)
        .filter(group or Q())
        .order_by()
        .values(
            s_id=F("organization_id"),
            **keys,
            s_employees=F("employees"),
            s_full_members=F("full_members"),
            s_probationary_members=F("probationary_members"),
            s_has_union=F("has_union"),
            s_has_youth_league=F("has_youth_league"),
            s_has_womens_federation=F("has_womens_federation"),
            s_operating_status=F("operating_status"),
            s_above_designated_size=F("above_designated_size"),
            s_category=F("category"),
            s_org_type=F("org_type"),
            s_covered=F("covered"),
            s_has_instructor=F("has_instructor"),
            s_takes_part=F("takes_part"),
            s_surveyed=F("surveyed"),
        )
    )


WHOLE_SPAN = "s_whole_span"


def organization_state(
    *, on: dt.date, scope: Q, group: Q | None = None, by: Groupings = Grouping.COUNTY, since: dt.date | None = None
) -> QuerySet[Any]:
    """One row per organization in the population on ``on`` (not merged, facts valid on ``on``,
    not deregistered) within ``scope`` and ``group`` (conditions on ``OrganizationState``: its
    ``township_id``, ``department_id``, ``category``… are the organization's), as ``values()``
    with the ``s_*`` columns and the group key ``s_g`` (two groupings: ``s_g``, ``s_g2``).
    ``since``: a column ``s_whole_span``, whether the row's state holds from ``since`` to ``on``
    (``whole_span``)."""
    rows = _state_rows(scope=scope, group=group, by=by, window=_valid_on(on))
    if since is None:
        return rows
    return rows.annotate(**{WHOLE_SPAN: ExpressionWrapper(Q(valid_from__lte=since), output_field=BooleanField())})


def whole_span(c: Compiled) -> Compiled:
    """The indicator counted over the rows of ``organization_state(since=…)`` that hold the whole
    span only: its code prefixed with ``whole:``."""
    return replace(
        c,
        code=f"whole:{c.code}",
        numerator_sql=f"({c.numerator_sql} AND {WHOLE_SPAN})",
        denominator_sql=f"({c.denominator_sql} AND {WHOLE_SPAN})",
    )


def held_throughout(dates: Sequence[dt.date]) -> Q:
    """The ``OrganizationState`` rows holding every one of ``dates`` (ascending)."""
    return Q(valid_from__lte=dates[0]) & (Q(valid_to__isnull=True) | Q(valid_to__gt=dates[-1]))


# Dates of one history (the trend of a dashboard has 12 or 13).
MAX_HISTORY_DATES = 30


def history_supported(dates: Sequence[dt.date]) -> bool:
    """Whether ``organization_history`` can stand for the states on ``dates``."""
    return 0 < len(dates) <= MAX_HISTORY_DATES


def _date_index(column: str, dates: Sequence[dt.date], *, null_after: bool) -> tuple[str, list[Any]]:
    """SQL counting the ``dates`` (ascending) before the state row's ``column`` — all of them when
    it is NULL and ``null_after`` — by binary search: about log2(n) comparisons per row, not n."""
    table = connection.ops.quote_name(OrganizationState._meta.db_table)
    days = [connection.ops.adapt_datefield_value(on) for on in dates]

    def count(lo: int, hi: int) -> tuple[str, list[Any]]:  # the answer lies in [lo, hi]
        if lo == hi:
            return str(lo), []
        mid = (lo + hi) // 2
        above, above_params = count(mid + 1, hi)
        below, below_params = count(lo, mid)
        return f"CASE WHEN %s < {table}.{column} THEN {above} ELSE {below} END", [
            days[mid],
            *above_params,
            *below_params,
        ]

    sql, params = count(0, len(days))
    if null_after:
        return f"(CASE WHEN {table}.{column} IS NULL THEN {len(days)} ELSE {sql} END)", params
    return f"({sql})", params


def organization_history(*, dates: Sequence[dt.date], scope: Q, by: str = Grouping.COUNTY) -> QuerySet[Any]:
    """The organization states on several dates in one relation: the ``OrganizationState`` rows in
    ``scope`` overlapping ``dates`` (ascending, distinct), with the ``s_*`` columns of
    ``organization_state`` and the indices of the first and the last date the row holds,
    ``s_first`` and ``s_last`` (``s_first > s_last`` when it falls between two dates). The state
    on ``dates[i]`` is exactly the rows with ``s_first <= i <= s_last`` (``aggregate_on_dates``).
    At most ``MAX_HISTORY_DATES`` dates; see ``history_supported``."""
    if not history_supported(dates):
        raise ValueError(f"organization_history: 1 to {MAX_HISTORY_DATES} dates, and no activity participation")
    if list(dates) != sorted(set(dates)):
        raise ValueError("organization_history: dates ascending and distinct")
    window = Q(valid_from__lte=max(dates)) & (Q(valid_to__isnull=True) | Q(valid_to__gt=min(dates)))
    first_sql, first_params = _date_index("valid_from", dates, null_after=False)
    held_sql, held_params = _date_index("valid_to", dates, null_after=True)
    return _state_rows(scope=scope, group=None, by=by, window=window).annotate(
        s_first=RawSQL(first_sql, first_params, output_field=IntegerField()),  # noqa: S611 (compiler SQL, values are parameters)
        s_last=RawSQL(f"{held_sql} - 1", held_params, output_field=IntegerField()),  # noqa: S611 (compiler SQL, values are parameters)
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
                s_rated_five_goods=five_goods_subquery(on, "pk"),
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
            s_rated_five_goods=five_goods_subquery(on, "party_organization_id"),
        )
    )


# --- The aggregate query -----------------------------------------------------------------------


SUBQUERY_COLUMN = "s_rated_five_goods"  # the one state column computed by a subquery


def _materialized() -> str:
    return "MATERIALIZED " if connection.vendor in ("sqlite", "postgresql") else ""


def _cte(sql: str, materialize: bool = True) -> str:
    return f"WITH s AS {_materialized() if materialize else ''}({sql}) "


def _filtered(then: str, condition: str) -> str:
    """The count (``then`` = ``1``) or sum of ``then`` over the rows meeting ``condition``. An
    aggregate ``FILTER`` (SQLite ≥ 3.30, PostgreSQL), not ``SUM(CASE …)``: SQLite skips the
    row for that aggregate without building a value, about 1.5× faster over a large scan."""
    aggregate = "COUNT(*)" if then == "1" else f"SUM({then})"
    return f"{aggregate} FILTER (WHERE {condition})"


def subject_rows_unique(subject: str, by: str) -> bool:
    """Whether the state relation of ``subject`` grouped ``by`` has one row per subject: all but
    party organizations grouped by an organization column (one row per covered organization)."""
    return subject == Subject.ORGANIZATION or by in (Grouping.COUNTY, Grouping.TOWNSHIP)


def aggregate(
    *, state: QuerySet[Any], indicators: Sequence[Compiled], grouped: bool, distinct: bool | None = None
) -> dict[Any, dict[str, tuple[int, int]]]:
    """Group key → indicator code → (numerator, denominator), by ONE query over ``state``. Over a
    state with two groupings (``s_g``, ``s_g2``), the groups of both: keys (0, group of the first)
    and (1, group of the second). ``distinct``: count distinct ``s_id`` (a subject on several
    rows); by default for party organizations — pass ``not subject_rows_unique(...)`` to count rows
    where that is the same."""
    if not indicators:
        return {}
    try:
        inner_sql, inner_params = state.query.sql_with_params()
    except EmptyResultSet:  # a scope that holds nothing (administrators)
        return {}
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
                select.append(_filtered(then, condition))
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
    # Only the compiler's own column names and placeholders are spliced in; values are parameters.
    # A party organization's rating is a subquery: named by several aggregates, the relation is
    # materialized (else SQLite repeats it in each); named once, it is cheaper inline — the rows
    # then stream in the index's township order, without a temporary table.
    materialize = sum(SUBQUERY_COLUMN in expression for expression in select) > 1
    if grouped and "s_g2" in state.query.annotation_select:
        if distinct:
            raise ValueError("aggregate: two groupings add up rows, not distinct subjects")
        # One row per pair of the two groupings (one scan, in the covering index's order), then
        # the pairs added up by each grouping: a group of either is the sum of its pairs.
        cells = ", ".join(f"{expression} AS c{n}" for n, expression in enumerate(select))
        sums = ", ".join(f"SUM(c{n})" for n in range(len(select)))
        sql = (
            f"WITH cells AS {_materialized()}(SELECT s_g, s_g2, {cells} FROM ({inner_sql}) s "  # noqa: S608
            f"GROUP BY s_g, s_g2) "
            f"SELECT 0, s_g, {sums} FROM cells GROUP BY s_g UNION ALL SELECT 1, s_g2, {sums} FROM cells GROUP BY s_g2"
        )
        params = [*params[len(inner_params) :], *inner_params]  # the aggregates come first in the text
    else:
        g, group_by = ("s_g", " GROUP BY s_g") if grouped else ("0", "")
        sql = f"{_cte(inner_sql, materialize)}SELECT {g} AS g, {', '.join(select)} FROM s{group_by}"  # noqa: S608
    result: dict[Any, dict[str, tuple[int, int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            # Without GROUP BY the query answers one row even over nothing (SUM is then NULL).
            key, figures = ((row[0], row[1]), row[2:]) if len(row) > len(select) + 1 else (row[0], row[1:])
            result[key] = {code: (int(figures[n] or 0), int(figures[d] or 0)) for code, n, d in positions}
    return result


def aggregate_on_dates(
    *, history: QuerySet[Any], dates: Sequence[dt.date], wanted: Sequence[Sequence[Compiled]], grouped: bool
) -> list[dict[Any, dict[str, tuple[int, int]]]]:
    """For each of ``dates`` (as given to ``organization_history``): group key → indicator code →
    (numerator, denominator) of the organization indicators ``wanted[i]`` on ``dates[i]``, by ONE
    query over ``history``. Each date's result equals ``aggregate`` over ``organization_state`` on
    that date (a row counts on ``dates[i]`` when its interval holds it; a group is there when it
    has a row on that date; ungrouped, the one group ``0`` always is).

    The rows are aggregated by the span of dates they hold (``s_first``, ``s_last``: at most
    n(n+1)/2 spans for n dates), and a date's figure is the sum over the spans holding it."""
    if len(wanted) != len(dates):
        raise ValueError("aggregate_on_dates: one list of indicators per date")
    if any(c.subject != Subject.ORGANIZATION for w in wanted for c in w):
        raise ValueError("aggregate_on_dates: organization indicators only")
    result: list[dict[Any, dict[str, tuple[int, int]]]] = [{} for _ in dates]
    if not grouped:
        for on_date in result:
            on_date[0] = {}
    try:
        inner_sql, inner_params = history.query.sql_with_params()
    except EmptyResultSet:
        return _with_zeros(result, wanted)
    columns: dict[tuple[Any, ...], int] = {}
    select: list[str] = []
    condition_params: list[Any] = []

    def column(node: dsl.Node, then: str) -> int:
        condition, params = dsl.to_sql(node, ORGANIZATION_COLUMNS)
        key = (condition, then, tuple(params))
        if key not in columns:
            if condition == "(1 = 1)":
                select.append("COUNT(*)" if then == "1" else f"SUM({then})")
            else:
                select.append(_filtered(then, condition))
                condition_params.extend(params)
            columns[key] = len(select) - 1
        return columns[key]

    positions = [
        [
            (
                c.code,
                column(c.numerator, ORGANIZATION_COLUMNS[c.sum_field] if c.kind == SUM and c.sum_field else "1"),
                column(c.denominator, "1"),
            )
            for c in indicators
        ]
        for indicators in wanted
    ]
    g, by_g = ("s_g", "s_g, ") if grouped else ("0", "")
    # Only the compiler's own column names and placeholders are spliced in; values are parameters.
    sql = (
        f"{_cte(inner_sql, materialize=False)}SELECT {g} AS g, s_first, s_last, {', '.join(select) or '0'} "  # noqa: S608
        f"FROM s WHERE s_first <= s_last GROUP BY {by_g}s_first, s_last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, *condition_params])
        spans = cursor.fetchall()
    for key, first, last, *figures in spans:
        for i in range(first, last + 1):
            values = result[i].setdefault(key, {})
            for code, n, d in positions[i]:
                numerator, denominator = values.get(code, (0, 0))
                values[code] = (numerator + int(figures[n] or 0), denominator + int(figures[d] or 0))
    return _with_zeros(result, wanted)


def _with_zeros(
    result: list[dict[Any, dict[str, tuple[int, int]]]], wanted: Sequence[Sequence[Compiled]]
) -> list[dict[Any, dict[str, tuple[int, int]]]]:
    """Every wanted indicator in every group present on a date (0/0 where nothing counted)."""
    for on_date, indicators in zip(result, wanted, strict=True):
        for values in on_date.values():
            for c in indicators:
                values.setdefault(c.code, (0, 0))
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
    "aggregate",
    "aggregate_on_dates",
    "compile_filters",
    "compile_indicator",
    "matching_ids_sql",
    "organization_history",
]
