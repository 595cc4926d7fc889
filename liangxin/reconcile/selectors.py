"""What a reconciliation reads: the register of a unit as plain records, its places, and the list.

A run writes nothing: every result is a proposal a person decides on (docs/reconciliation.md)."""

from __future__ import annotations

from dataclasses import dataclass

from liangxin.census.tabular.problems import Problem
from liangxin.geo.models import AdministrativeUnit, UnitLevel
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import Organization, OrganizationFacts

from .engine import Reconciliation, RegisterRecord, Township, reconcile
from .keys import prefixes_of
from .listfile import Source, read_list


def _current(unit: AdministrativeUnit) -> tuple[AdministrativeUnit, ...]:
    return tuple(AdministrativeUnit.objects.filter(valid_to__isnull=True, path__startswith=unit.path).order_by("code"))


def register_records(unit: AdministrativeUnit) -> list[RegisterRecord]:
    """Every organization of the unit not merged into another; deregistered ones marked."""
    organizations = Organization.objects.filter(
        township__path__startswith=unit.path, merged_into__isnull=True
    ).order_by()
    closed = set(
        OrganizationFacts.objects.filter(
            organization__in=organizations.values("pk"),
            valid_to__isnull=True,
            operating_status=OperatingStatus.DEREGISTERED,
        )
        .order_by()
        .values_list("organization_id", flat=True)
    )
    return [
        RegisterRecord(
            pk=pk, name=name, township=township, uscc=uscc or "", org_type=org_type, deregistered=pk in closed
        )
        for pk, name, township, uscc, org_type in organizations.values_list(
            "pk", "name", "township__code", "uscc", "org_type"
        ).iterator(chunk_size=20_000)
    ]


def townships(unit: AdministrativeUnit) -> list[Township]:
    units = _current(unit)
    villages: dict[int, list[str]] = {}
    for u in units:
        if u.level == UnitLevel.VILLAGE and u.parent_id is not None:
            villages.setdefault(u.parent_id, []).append(u.name)
    return [
        Township(code=u.code, name=u.name, villages=tuple(villages.get(u.pk, ())))
        for u in units
        if u.level == UnitLevel.TOWNSHIP
    ]


def name_prefixes(unit: AdministrativeUnit) -> tuple[str, ...]:
    """The county's name (and its short form) that registered names often start with."""
    county = unit
    while county.parent_id is not None and county.level != UnitLevel.COUNTY:
        county = county.parent  # type: ignore[assignment]
    return prefixes_of([county.name])


# A list of which fewer than this share of entries matches the register or names one of the unit's
# places is most likely another county's list.
_OTHER_COUNTY_SHARE = 0.05


@dataclass
class Outcome:
    result: Reconciliation
    problems: list[Problem]
    entries: int

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    def as_dict(self) -> dict[str, object]:
        return self.result.as_dict() | {
            "entries": self.entries,
            "already_closed": self.result.already_closed,
            "out_of_scope_rule": self.result.out_of_scope_rule,
            "problems": [p.to_dict() for p in self.problems],
        }


def run_reconciliation(*, unit: AdministrativeUnit, data: bytes, file_name: str, source: Source) -> Outcome:
    listing = read_list(data, file_name)
    if listing.errors:
        return Outcome(result=Reconciliation(), problems=listing.problems, entries=len(listing.entries))
    result = reconcile(
        listing.entries,
        register_records(unit),
        source=source,
        townships=townships(unit),
        prefixes=name_prefixes(unit),
    )
    problems = list(listing.problems)
    in_scope = len(listing.entries) - result.out_of_scope
    if in_scope and result.matched + result.inferred < _OTHER_COUNTY_SHARE * in_scope:
        problems.append(
            Problem(
                file_name,
                listing.sheet,
                None,
                None,
                None,
                None,
                "error",
                "list_other_county",
                f"名单中 {in_scope} 条记录几乎没有一条能与{unit.name}的登记册或乡镇、村(社区)对应:"
                "请确认这是本县(本乡镇)登记机关导出的名单。",
            )
        )
        return Outcome(result=Reconciliation(), problems=problems, entries=len(listing.entries))
    return Outcome(result=result, problems=problems, entries=len(listing.entries))
