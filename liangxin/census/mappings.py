"""Column mappings a unit chose on the preview page, remembered for its next file.

A township writes its own headers ("单位全称", "法人党员否") year after year. When a clerk tells
the preview page which template column such a header is, the choice is kept per unit and
normalised header (``tabular.columns.header_key``: full-width, spaces and brackets do not
matter) and passed to the reader as ``mapping_override`` for that unit's next file. A choice
that equals what the alias table says anyway is not kept (and an older one is dropped).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from liangxin.accounts.models import User
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.geo.models import AdministrativeUnit

from .models import ColumnMapping
from .tabular import BY_KEY
from .tabular.columns import header_key, is_serial_header, match_header

_KEY_LENGTH = 100


def default_key(written: str) -> str | None:
    """The template column the alias table alone gives a header (None: not imported)."""
    found = match_header(written)
    return found.key if found.unit_ok else None


def unit_conflict(written: str, key: str | None) -> str | None:
    """The unit written in a header that the chosen column does not take (工资总额(元) as
    工资总额(万元)): such a mapping would import wrong numbers, so it is refused."""
    if key is None:
        return None
    found = match_header(written)
    if found.key == key and not found.unit_ok:
        return found.unit
    return None


def remembered(unit: AdministrativeUnit) -> dict[str, str | None]:
    """The unit's remembered choices as a reader ``mapping_override`` (header → key or None)."""
    return {m.written: (m.key or None) for m in ColumnMapping.objects.filter(unit=unit)}


def remembered_keys(unit: AdministrativeUnit) -> set[str]:
    return set(ColumnMapping.objects.filter(unit=unit).values_list("header_key", flat=True))


def _label(key: str | None) -> str:
    return BY_KEY[key].label if key else "不导入"


def remember(*, unit: AdministrativeUnit, by: User | None, choices: Iterable[tuple[str, str | None]]) -> int:
    """Keep the choices that differ from the alias table; forget those that no longer do.
    Returns how many are kept for the unit afterwards. Each header whose column changes is
    audited (header → [template column before, after], as the page names them)."""
    with transaction.atomic():
        before = {m.header_key: (m.key or None) for m in ColumnMapping.objects.filter(unit=unit)}
        changed: dict[str, list[str]] = {}
        for written, key in choices:
            if key is not None and key not in BY_KEY:
                raise ValueError(f"not a template column: {key!r}")
            normalised = header_key(written)[:_KEY_LENGTH]
            if not normalised or is_serial_header(written):
                continue
            old = before[normalised] if normalised in before else default_key(written)
            if old != key:
                changed[written[:_KEY_LENGTH]] = [_label(old), _label(key)]
            if key == default_key(written):
                ColumnMapping.objects.filter(unit=unit, header_key=normalised).delete()
                continue
            ColumnMapping.objects.update_or_create(
                unit=unit,
                header_key=normalised,
                defaults={"written": written[:_KEY_LENGTH], "key": key or "", "updated_by": by},
            )
        if changed:
            log_change(actor=by, action=AuditAction.CENSUS_MAPPING, obj=unit, changes=changed)
        return ColumnMapping.objects.filter(unit=unit).count()


def override_for(columns: Iterable[tuple[str, str | None]]) -> dict[str, str | None]:
    """A reader override naming every header of the file (header → key, None: not imported)."""
    return {written: key for written, key in columns if not is_serial_header(written)}
