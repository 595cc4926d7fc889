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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Expression

from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import (
    InstructorAssignment,
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
    """An indicator ready for SQL: the denominator condition and the numerator's (den AND num)."""

    code: str
    kind: str
    subject: str
    denominator_sql: str
    denominator_params: list[Any]
    numerator_sql: str
    numerator_params: list[Any]
    sum_column: str = ""


def compile_indicator(indicator: Indicator) -> Compiled:
    fields = fields_for(indicator.subject)
    columns = PARTY_ORGANIZATION_COLUMNS if indicator.subject == Subject.PARTY_ORGANIZATION else ORGANIZATION_COLUMNS
    den = dsl.parse(indicator.denominator, fields, "denominator.")
    num = dsl.parse(indicator.numerator, fields, "numerator.")
    den_sql, den_params = dsl.to_sql(den, columns)
    num_sql, num_params = dsl.to_sql(dsl.And((den, num)), columns)
    return Compiled(
        code=indicator.code,
        kind=indicator.kind,
        subject=indicator.subject,
        denominator_sql=den_sql,
        denominator_params=den_params,
        numerator_sql=num_sql,
        numerator_params=num_params,
        sum_column=ORGANIZATION_COLUMNS.get(indicator.sum_field, "") if indicator.kind == SUM else "",
    )


# --- State relations ---------------------------------------------------------------------------


def organization_state(*, on: dt.date, scope: Q, group: Q | None = None, by: str = Grouping.COUNTY) -> QuerySet[Any]:
    """One row per organization in the population on ``on`` (not merged, facts valid on ``on``,
    not deregistered) within ``scope`` (a ``Q`` on ``Organization``, given with the
    ``organization__`` prefix), as ``values()`` with the ``s_*`` columns and ``s_g`` (the group key)."""
    covered = PartyOrganizationCoverage.objects.filter(_valid_on(on), organization_id=OuterRef("organization_id"))
    instructor = InstructorAssignment.objects.filter(_valid_on(on), organization_id=OuterRef("organization_id"))
    participation = activity_participation(on)
    column = ORGANIZATION_GROUP_COLUMN.get(by)
    qs = (
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
            s_covered=Exists(covered),
            s_has_instructor=Exists(instructor),
            s_takes_part=participation if participation is not None else Value(False, output_field=BooleanField()),
        )
    )
    return qs


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


def _cte(sql: str) -> str:
    hint = "MATERIALIZED " if connection.vendor in ("sqlite", "postgresql") else ""
    return f"WITH s AS {hint}({sql}) "


def aggregate(
    *, state: QuerySet[Any], indicators: Sequence[Compiled], grouped: bool
) -> dict[Any, dict[str, tuple[int, int]]]:
    """Group key → indicator code → (numerator, denominator), by ONE query over ``state``."""
    if not indicators:
        return {}
    try:
        inner_sql, inner_params = state.query.sql_with_params()
    except EmptyResultSet:  # a scope that holds nothing (administrators)
        return {}
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
            column(c.numerator_sql, c.numerator_params, c.sum_column if c.kind == SUM and not distinct else "1"),
            column(c.denominator_sql, c.denominator_params),
        )
        for c in indicators
    ]
    group_sql = ("s_g", " GROUP BY s_g") if grouped else ("0", "")
    # Only the compiler's own column names and placeholders are spliced in; values are parameters.
    sql = _cte(inner_sql) + f"SELECT {group_sql[0]} AS g, " + ", ".join(select) + f" FROM s{group_sql[1]}"  # noqa: S608
    result: dict[Any, dict[str, tuple[int, int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            # Without GROUP BY the query answers one row even over nothing (SUM is then NULL).
            key, figures = row[0], row[1:]
            result[key] = {code: (int(figures[n] or 0), int(figures[d] or 0)) for code, n, d in positions}
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


__all__ = ["COUNT", "SHARE", "SUM", "Compiled", "aggregate", "compile_indicator", "matching_ids_sql"]
