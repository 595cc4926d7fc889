"""Reads for the census import: reference data and register state, always for one unit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Q, QuerySet

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.registry.models import (
    InstructorAssignment,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
)

from .models import ImportBatch
from .planning import FACT_FIELDS, Existing, ExistingOrg
from .tabular import CensusRow, Place, Reference

T = TypeVar("T")
_CHUNK = 900  # below SQLite's default limit of bound variables per statement


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def importable_units(*, user: User) -> QuerySet[AdministrativeUnit]:
    """Units the user may import for: the county for county administrators, else his township."""
    if not user.can(Permission.EDIT_ORGANIZATIONS):
        return AdministrativeUnit.objects.none()
    current = AdministrativeUnit.objects.filter(valid_to__isnull=True)
    if user.scope_kind is ScopeKind.COUNTY:
        return current.filter(level__in=[UnitLevel.COUNTY, UnitLevel.TOWNSHIP])
    if user.scope_kind is ScopeKind.TOWNSHIP:
        return current.filter(pk=user.township_id or 0)
    return AdministrativeUnit.objects.none()


def batches_for(*, user: User) -> QuerySet[ImportBatch]:
    """Batches of the units the user may import for (a clerk sees his township's only)."""
    if not user.can(Permission.EDIT_ORGANIZATIONS) and user.scope_kind is not ScopeKind.COUNTY:
        return ImportBatch.objects.none()
    qs = ImportBatch.objects.select_related("unit", "created_by", "reverted_by")
    if user.scope_kind is ScopeKind.COUNTY:
        return qs
    if user.scope_kind is ScopeKind.TOWNSHIP:
        return qs.filter(unit_id=user.township_id)
    return ImportBatch.objects.none()


def writable_townships(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    if unit.level == UnitLevel.TOWNSHIP:
        return [unit]
    return list(AdministrativeUnit.objects.filter(parent=unit, level=UnitLevel.TOWNSHIP, valid_to__isnull=True))


def reference_for(*, unit: AdministrativeUnit, other_unit_usccs: dict[str, str] | None = None) -> Reference:
    """The reference data a file for ``unit`` is checked against (townships of the whole county,
    so that a row naming a neighbouring township is reported as out of scope, not unknown)."""
    county = unit if unit.level == UnitLevel.COUNTY else unit.parent
    townships = list(
        AdministrativeUnit.objects.filter(parent=county, level=UnitLevel.TOWNSHIP, valid_to__isnull=True).only(
            "code", "name"
        )
    )
    villages: dict[str, list[Place]] = defaultdict(list)
    for code, name, parent_code in AdministrativeUnit.objects.filter(
        level=UnitLevel.VILLAGE, valid_to__isnull=True, parent__parent=county
    ).values_list("code", "name", "parent__code"):
        villages[parent_code].append(Place(code, name))
    departments = [Place(d.code, d.name) for d in Department.objects.filter(is_active=True)]
    writable = writable_townships(unit)
    existing: dict[str, dict[str, str | None]] = defaultdict(dict)
    for township_code, name_key, uscc in Organization.objects.filter(
        township__in=writable, merged_into__isnull=True
    ).values_list("township__code", "name_normalized", "uscc"):
        existing[township_code][name_key] = uscc
    return Reference(
        townships=tuple(Place(t.code, t.name) for t in townships),
        villages={k: tuple(v) for k, v in villages.items()},
        departments=tuple(departments),
        existing_organizations=existing,
        other_unit_usccs=other_unit_usccs or {},
        allowed_townships=frozenset(t.code for t in writable) if unit.level == UnitLevel.TOWNSHIP else None,
    )


def _org_rows(condition: Q) -> Iterable[Mapping[str, Any]]:
    return (
        Organization.objects.filter(condition, merged_into__isnull=True)
        .order_by()
        .values(
            "pk",
            "version",
            "uscc",
            "name",
            "name_normalized",
            "category",
            "org_type",
            "township__code",
            "village__code",
            "department__code",
            "industry_code",
            "above_designated_size",
            "address",
            "contact_person",
            "contact_phone",
            "owner_is_member",
        )
        .iterator(chunk_size=2000)
    )


def _matching_pks(column: str, keys: Sequence[str], *, township_id: int | None = None) -> list[int]:
    """Ids of unmerged organizations whose ``column`` (``uscc`` or ``name_normalized``) is one of
    ``keys``, in ``township_id`` if given.

    Plain SQL on purpose: this runs for every row of a file, and the ORM's per-value preparation
    of a 900-value ``IN`` list costs several times the index lookups themselves."""
    if not keys:
        return []
    if column not in ("uscc", "name_normalized"):
        raise ValueError(column)
    table = connection.ops.quote_name(Organization._meta.db_table)
    sql = (
        f"SELECT id FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(keys))}) "  # noqa: S608
        "AND merged_into_id IS NULL"
    )
    params: list[str | int] = list(keys)
    if township_id is not None:
        sql += " AND township_id = %s"
        params.append(township_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class RegisterKeys:
    """The register's matching keys, loaded once for a large file (see :func:`register_keys`)."""

    uscc: dict[str, int]  # unmerged organizations by code (codes are unique)
    names: dict[tuple[int, str], tuple[int, ...]]  # (township id, normalised name) → unmerged organizations
    party_organizations: dict[tuple[str, str], int]  # (township code, normalised name) → party organization


# Probing the indexes costs about ten times as much per key as reading a key in one scan.
_PRELOAD_FACTOR = 10


def register_keys(*, unit: AdministrativeUnit, rows: int) -> RegisterKeys | None:
    """For a file whose first chunk has ``rows`` rows: the register's keys in memory when reading
    them all is cheaper than probing the indexes for every row (a register not much larger than
    the file, the first census of a county above all), else None. Organizations the import itself
    creates are not in it; the planner rejects a second row for them before it looks here."""
    if Organization.objects.filter(merged_into__isnull=True).count() > _PRELOAD_FACTOR * rows:
        return None
    table = connection.ops.quote_name(Organization._meta.db_table)
    uscc: dict[str, int] = {}
    names: dict[tuple[int, str], list[int]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, uscc, township_id, name_normalized FROM {table} WHERE merged_into_id IS NULL"  # noqa: S608
        )
        for pk, code, township_id, name in cursor.fetchall():
            if code:
                uscc[code] = pk
            names[(township_id, name)].append(pk)
    return RegisterKeys(
        uscc=uscc,
        names={key: tuple(pks) for key, pks in names.items()},  # tuples of ints: no work for the collector
        party_organizations=_party_organizations(unit),
    )


def _party_organizations(unit: AdministrativeUnit) -> dict[tuple[str, str], int]:
    return {
        (code, name): pk
        for pk, code, name in PartyOrganization.objects.filter(
            township__in=writable_townships(unit), dissolved_on__isnull=True
        ).values_list("pk", "township__code", "name_normalized")
    }


def existing_for(*, unit: AdministrativeUnit, rows: Sequence[CensusRow], keys: RegisterKeys | None = None) -> Existing:
    """The register state the rows can touch: organizations matching a row's USCC (anywhere in
    the county, to report one that belongs elsewhere) or its name in a writable township, with
    their open facts, covering party organizations and instructor; and the party organizations
    of the writable townships by name."""
    writable = writable_townships(unit)
    writable_codes = {t.code for t in writable}
    usccs = sorted({r.values["uscc"] for r in rows if r.values.get("uscc")})
    names: dict[str, set[str]] = defaultdict(set)
    from liangxin.core.text import normalize_name

    for r in rows:
        township = r.values.get("township_code")
        if township in writable_codes and r.values.get("name"):
            names[township].add(normalize_name(str(r.values["name"])))

    # Most rows of a large file are new: find the matching keys with index-only lookups first,
    # then load whole records for the (usually few) matches.
    township_ids = {t.code: t.pk for t in writable}
    matched: set[int] = set()
    if keys is not None:
        matched.update(pk for code in usccs if (pk := keys.uscc.get(code)) is not None)
        for township_code, wanted in names.items():
            township_id = township_ids[township_code]
            for name in wanted:
                matched.update(keys.names.get((township_id, name), ()))
    else:
        for chunk in _chunks(usccs):
            matched.update(_matching_pks("uscc", chunk))
        for township_code, wanted in names.items():
            for chunk in _chunks(sorted(wanted)):
                matched.update(_matching_pks("name_normalized", chunk, township_id=township_ids[township_code]))
    found: dict[int, Mapping[str, Any]] = {}
    for chunk in _chunks(sorted(matched)):
        for rec in _org_rows(Q(pk__in=chunk)):
            found[rec["pk"]] = rec

    pks = sorted(found)
    facts: dict[int, dict[str, Any]] = {}
    covered: dict[int, set[str]] = defaultdict(set)
    instructors: dict[int, str] = {}
    for chunk in _chunks(pks):
        for rec in OrganizationFacts.objects.filter(organization_id__in=chunk, valid_to__isnull=True).values(
            "pk", "organization_id", "valid_from", *FACT_FIELDS
        ):
            facts[rec["organization_id"]] = rec
        for org_id, po_name in PartyOrganizationCoverage.objects.filter(
            organization_id__in=chunk, valid_to__isnull=True
        ).values_list("organization_id", "party_organization__name_normalized"):
            covered[org_id].add(po_name)
        for org_id, name in InstructorAssignment.objects.filter(
            organization_id__in=chunk, valid_to__isnull=True
        ).values_list("organization_id", "instructor_name"):
            instructors[org_id] = name

    by_pk: dict[int, ExistingOrg] = {}
    by_uscc: dict[str, int] = {}
    by_name: dict[tuple[str, str], int] = {}
    for pk, rec in found.items():
        fact = facts.get(pk)
        org = ExistingOrg(
            pk=pk,
            version=rec["version"],
            township=rec["township__code"],
            name_normalized=rec["name_normalized"],
            fields={
                "uscc": rec["uscc"],
                "name": rec["name"],
                "category": rec["category"],
                "org_type": rec["org_type"],
                "township": rec["township__code"],
                "village": rec["village__code"],
                "department": rec["department__code"],
                "industry_code": rec["industry_code"],
                "above_designated_size": rec["above_designated_size"],
                "address": rec["address"],
                "contact_person": rec["contact_person"],
                "contact_phone": rec["contact_phone"],
                "owner_is_member": rec["owner_is_member"],
            },
            facts={k: fact[k] for k in FACT_FIELDS} if fact else None,
            facts_pk=fact["pk"] if fact else None,
            facts_valid_from=fact["valid_from"] if fact else None,
            party_organizations=frozenset(covered.get(pk, ())),
            instructor=instructors.get(pk),
        )
        by_pk[pk] = org
        if rec["uscc"]:
            by_uscc[rec["uscc"]] = pk
        by_name[(org.township, org.name_normalized)] = pk

    party_orgs = keys.party_organizations if keys is not None else _party_organizations(unit)
    return Existing(
        by_pk=by_pk,
        by_uscc=by_uscc,
        by_name=by_name,
        party_organizations=party_orgs,
        writable_townships=frozenset(writable_codes) if unit.level == UnitLevel.TOWNSHIP else None,
    )
