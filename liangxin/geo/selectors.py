"""Reads of the administrative tree and the supervisory departments.

Unlike the register, this is reference data every signed-in role may see (forms and filters
list the townships and departments of the whole county), so these reads take no user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import AdministrativeUnit, Department, UnitLevel


def units_valid_on(on: dt.date | None = None) -> QuerySet[AdministrativeUnit]:
    """Units in force on ``on``; without a date, the current ones (not closed)."""
    if on is None:
        return AdministrativeUnit.objects.filter(valid_to__isnull=True)
    return AdministrativeUnit.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on)


def current_county() -> AdministrativeUnit | None:
    return units_valid_on().filter(level=UnitLevel.COUNTY).order_by("code").first()


def county_or_township(code: str | None) -> AdministrativeUnit:
    """The current county or township with this code, or the county without one: how the
    commands name the unit they work on. LookupError, with the message to show, otherwise."""
    if code:
        unit = units_valid_on().filter(code=code).exclude(level=UnitLevel.VILLAGE).first()
        if unit is None:
            raise LookupError(f"没有代码为 {code} 的县或乡镇(街道)。")
        return unit
    county = current_county()
    if county is None:
        raise LookupError("数据库中还没有县的区划,请先运行 setup_county。")
    return county


def county_is_set_up() -> bool:
    return AdministrativeUnit.objects.exists()


def townships(*, on: dt.date | None = None) -> QuerySet[AdministrativeUnit]:
    return units_valid_on(on).filter(level=UnitLevel.TOWNSHIP).order_by("code")


def villages(*, township: AdministrativeUnit | None = None, on: dt.date | None = None) -> QuerySet[AdministrativeUnit]:
    qs = units_valid_on(on).filter(level=UnitLevel.VILLAGE)
    if township is not None:
        qs = qs.filter(parent=township)
    return qs.order_by("code")


def units_by_code(*, codes: Iterable[str] | None = None) -> dict[str, AdministrativeUnit]:
    """Current units keyed by code (all of them, or those of ``codes``)."""
    qs = units_valid_on()
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    return {unit.code: unit for unit in qs}


def departments(*, include_inactive: bool = False) -> QuerySet[Department]:
    qs = Department.objects.all()
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("code")
