"""The indicator table as JSON rows, for the ``indicators --json`` command and the API alike: one
object per group with its internal key, its label and its code — the township's 9-digit code,
the department's code, the category, type or size code; for the total, the code of the scope
(the county's 6-digit code, or the township's or department's); null for the organizations
without a supervisory department."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from liangxin.accounts.models import User
from liangxin.accounts.roles import ScopeKind
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel

from .choices import Grouping
from .values import IndicatorGroup


def county_code() -> str | None:
    county = AdministrativeUnit.objects.filter(level=UnitLevel.COUNTY, valid_to__isnull=True).order_by("code").first()
    return county.code if county is not None else None


def scope_code(user: User) -> str | None:
    """The code of the user's scope, which names his total: his township's, his department's or
    the county's."""
    if user.scope_kind is ScopeKind.TOWNSHIP and user.township is not None:
        return str(user.township.code)
    if user.scope_kind is ScopeKind.DEPARTMENT and user.department is not None:
        return str(user.department.code)
    return county_code()


def group_codes(*, by: str, keys: Iterable[str], total_code: str | None) -> dict[str, str | None]:
    keys = list(keys)
    if by == Grouping.COUNTY:
        return dict.fromkeys(keys, total_code)
    if by == Grouping.TOWNSHIP:
        units = AdministrativeUnit.objects.filter(pk__in=[int(k) for k in keys])
        return {str(pk): code for pk, code in units.values_list("pk", "code")}
    if by == Grouping.DEPARTMENT:
        departments = Department.objects.filter(pk__in=[int(k) for k in keys if k.isdigit()])
        found: dict[str, str | None] = {str(pk): code for pk, code in departments.values_list("pk", "code")}
        return {k: found.get(k) for k in keys}
    return {k: k for k in keys}  # category, type and size keys are their codes


def indicator_rows(
    groups: Sequence[IndicatorGroup], *, as_of: dt.date, by: str, total_code: str | None
) -> list[dict[str, Any]]:
    codes = group_codes(by=by, keys=[g.key for g in groups], total_code=total_code)
    return [
        {
            "as_of": as_of.isoformat(),
            "by": by,
            "key": g.key,
            "code": codes.get(g.key),
            "label": g.label,
            "indicators": {
                code: {
                    "numerator": v.numerator,
                    "denominator": v.denominator,
                    "value": None if v.value is None else str(v.value),
                    "target": None if v.target is None else str(v.target),
                    "gap": v.gap,
                }
                for code, v in g.values.items()
            },
        }
        for g in groups
    ]
