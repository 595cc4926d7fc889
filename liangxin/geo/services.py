"""Writes to the administrative tree and the supervisory departments.

A county starts empty: its divisions and departments come from tables checked by
``geo.loaders``; ``setup_county`` writes them in one transaction, audited, and running it again
with the same tables changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_many, snapshot
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError

from .loaders import DepartmentEntry, Division
from .models import AdministrativeUnit, Department, UnitLevel


class CountySetupError(ServiceError):
    """The tables do not fit the database; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CountySetupResult:
    county: AdministrativeUnit
    units_created: int
    units_renamed: int
    units_unchanged: int
    units_not_in_file: int
    departments_created: int
    departments_renamed: int
    departments_unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.units_created or self.units_renamed or self.departments_created or self.departments_renamed)


def _county_of(divisions: Sequence[Division]) -> Division:
    counties = [d for d in divisions if d.level == UnitLevel.COUNTY]
    if len(counties) != 1:
        raise CountySetupError([_("区划表中须有且只有一个县级区划。")])
    return counties[0]


def _write_units(
    *, divisions: Sequence[Division], existing: dict[str, AdministrativeUnit]
) -> tuple[list[AdministrativeUnit], list[tuple[AdministrativeUnit, str]]]:
    """Create the missing units level by level (a parent before its children) and rename the
    changed ones. Returns the created units and the renamed ones with their old names."""
    closed_codes = set(
        AdministrativeUnit.objects.filter(valid_to__isnull=False, code__in=[d.code for d in divisions]).values_list(
            "code", flat=True
        )
    )
    by_code = dict(existing)
    created: list[AdministrativeUnit] = []
    renamed: list[tuple[AdministrativeUnit, str]] = []
    for level in (UnitLevel.COUNTY, UnitLevel.TOWNSHIP, UnitLevel.VILLAGE):
        new_units = []
        for division in (d for d in divisions if d.level == level):
            unit = by_code.get(division.code)
            if unit is None:
                unit = AdministrativeUnit(
                    code=division.code,
                    name=division.name,
                    level=level,
                    parent=by_code[division.parent_code] if division.parent_code else None,
                    path=division.path,
                )
                # A code that existed before and was closed comes back from today, so that
                # the old unit keeps its own history.
                if division.code in closed_codes:
                    unit.valid_from = today()
                new_units.append(unit)
            elif unit.name != division.name:
                renamed.append((unit, unit.name))
                unit.name = division.name
        AdministrativeUnit.objects.bulk_create(new_units)
        for unit in new_units:
            by_code[unit.code] = unit
        created.extend(new_units)
    if renamed:
        AdministrativeUnit.objects.bulk_update([unit for unit, _old in renamed], ["name"])
    return created, renamed


def _write_departments(
    *, entries: Sequence[DepartmentEntry]
) -> tuple[list[Department], list[tuple[Department, str]], int]:
    existing = {d.code.upper(): d for d in Department.objects.all()}
    in_file = {e.code.upper() for e in entries}
    names_elsewhere = {d.name: d.code for key, d in existing.items() if key not in in_file}
    problems = [
        _("部门表第%(row)s行:部门名称“%(name)s”已被数据库中的另一个部门(代码 %(code)s)使用。")
        % {"row": e.row, "name": e.name, "code": names_elsewhere[e.name]}
        for e in entries
        if e.name in names_elsewhere
    ]
    if problems:
        raise CountySetupError(problems)
    created: list[Department] = []
    renamed: list[tuple[Department, str]] = []
    unchanged = 0
    for entry in entries:
        department = existing.get(entry.code.upper())
        if department is None:
            created.append(Department(code=entry.code, name=entry.name))
        elif department.name != entry.name:
            renamed.append((department, department.name))
        else:
            unchanged += 1
    # Names are unique: a rename that takes a name another department of the file gives up
    # goes through a temporary name first.
    for department, _old in renamed:
        department.name = f"~{department.pk}~{department.name}"
    if renamed:
        Department.objects.bulk_update([d for d, _old in renamed], ["name"])
        by_code = {e.code.upper(): e.name for e in entries}
        for department, _old in renamed:
            department.name = by_code[department.code.upper()]
        Department.objects.bulk_update([d for d, _old in renamed], ["name"])
    Department.objects.bulk_create(created)
    return created, renamed, unchanged


def setup_county(
    *,
    by: User | None,
    divisions: Sequence[Division],
    departments: Sequence[DepartmentEntry] = (),
) -> CountySetupResult:
    """Load a county's divisions and departments, checked by ``geo.loaders``, in one
    transaction. ``by=None`` for the setup commands, which run before any account exists.

    Units are matched by code: missing ones are created, a changed name is updated, units of
    the database absent from the table are left alone (closing a unit is a decision, not a
    side effect of a shorter file). A database that already holds another county is refused.
    """
    county_row = _county_of(divisions)
    with transaction.atomic():
        other = AdministrativeUnit.objects.filter(level=UnitLevel.COUNTY, valid_to__isnull=True).exclude(
            code=county_row.code
        )
        if other.exists():
            present = other.first()
            assert present is not None
            raise CountySetupError(
                [
                    _(
                        "数据库中已有县级区划 %(present)s(%(present_code)s),不能再导入 %(new)s(%(new_code)s):"
                        "一套系统只管理一个县。"
                    )
                    % {
                        "present": present.name,
                        "present_code": present.code,
                        "new": county_row.name,
                        "new_code": county_row.code,
                    }
                ]
            )
        existing = {u.code: u for u in AdministrativeUnit.objects.filter(valid_to__isnull=True)}
        in_file = {d.code for d in divisions}
        created_units, renamed_units = _write_units(divisions=divisions, existing=existing)
        created_departments, renamed_departments, unchanged_departments = _write_departments(entries=departments)

        created: list[Model] = [*created_units, *created_departments]
        if created:
            log_many(
                actor=by,
                action=AuditAction.CREATE,
                entries=[(obj, diff(None, snapshot(obj))) for obj in created],
            )
        renamed: list[tuple[Model, str, str]] = [
            *((u, old, u.name) for u, old in renamed_units),
            *((d, old, d.name) for d, old in renamed_departments),
        ]
        if renamed:
            log_many(
                actor=by,
                action=AuditAction.UPDATE,
                entries=[(obj, {"name": [old, new]}) for obj, old, new in renamed],
            )
        county = next(u for u in [*created_units, *existing.values()] if u.code == county_row.code)
    return CountySetupResult(
        county=county,
        units_created=len(created_units),
        units_renamed=len(renamed_units),
        units_unchanged=len(divisions) - len(created_units) - len(renamed_units),
        units_not_in_file=len(set(existing) - in_file),
        departments_created=len(created_departments),
        departments_renamed=len(renamed_departments),
        departments_unchanged=unchanged_departments,
    )
