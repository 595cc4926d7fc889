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
