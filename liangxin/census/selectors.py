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
from liangxin.core.text import normalize_name
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.registry.choices import FactSource
from liangxin.registry.models import (
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
)
from liangxin.talent.models import InstructorAssignment

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
    so that a row naming a neighbouring township is reported as out of scope, not unknown). No
    organization of the register: what a file is checked against there is read a chunk at a
    time (:func:`read_for`, :func:`similar_names`)."""
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
    return Reference(
        townships=tuple(Place(t.code, t.name) for t in townships),
        villages={k: tuple(v) for k, v in villages.items()},
        departments=tuple(departments),
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


def _matching(column: str, keys: Sequence[str], *, township_id: int | None = None) -> list[tuple[int, str]]:
    """(id, key) of the unmerged organizations whose ``column`` (``uscc`` or ``name_normalized``)
    is one of ``keys``, in ``township_id`` if given.

    Plain SQL on purpose: this runs for every row of a file, and the ORM's per-value preparation
    of a 900-value ``IN`` list costs several times the index lookups themselves."""
    if not keys:
        return []
    if column not in ("uscc", "name_normalized"):
        raise ValueError(column)
    table = connection.ops.quote_name(Organization._meta.db_table)
    sql = (
        f"SELECT id, {column} FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(keys))}) "  # noqa: S608
        "AND merged_into_id IS NULL"
    )
    params: list[str | int] = list(keys)
    if township_id is not None:
        sql += " AND township_id = %s"
        params.append(township_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1]) for row in cursor.fetchall()]


@dataclass(frozen=True)
class RegisterKeys:
    """The register's matching keys, loaded once for a large file (see :func:`register_keys`)."""

    uscc: dict[str, int]  # unmerged organizations by code (codes are unique)
    names: dict[tuple[int, str], tuple[int, ...]]  # (township id, normalised name) → unmerged organizations


# Probing the indexes costs about ten times as much per key as reading a key in one scan.
_PRELOAD_FACTOR = 10


def register_keys(*, rows: int) -> RegisterKeys | None:
    """For a file whose first chunk has ``rows`` rows: the register's keys in memory when reading
    them all is cheaper than probing the indexes for every row (a register not much larger than
    the file, the first census of a county above all), else None. Reads at most
    ``_PRELOAD_FACTOR × rows`` organizations, whatever the register's size. Organizations the
    import itself creates are not in it; the planner rejects a second row for them before it
    looks here."""
    limit = _PRELOAD_FACTOR * rows
    if limit < 0 or Organization.objects.filter(merged_into__isnull=True).order_by()[: limit + 1].count() > limit:
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
    )


# What an organization's state was when it was read, as the write checks it again: its version
# (every service that writes its fields or figures moves it), its open census interval, the
# number and the last of its open coverage intervals, and its open instructor assignment.
SeenState = tuple[int, int, int, int, int, int]


@dataclass(frozen=True)
class ChunkRead:
    """The register as planning one chunk read it (:func:`read_for`): the planner's input, and
    every read with what it found, so that the write can check under its lock that each still
    finds the same (``census.services.staging``)."""

    existing: Existing
    usccs: dict[str, int | None]  # a code → the unmerged organization that has it
    names: dict[tuple[int, str], int | None]  # (township id, name key) → the organization it matches
    party_organizations: dict[tuple[int, str], int | None]  # (township id, name key) → active one
    seen: list[SeenState]  # (organization, *state) of every organization read


def read_for(*, unit: AdministrativeUnit, rows: Sequence[CensusRow], keys: RegisterKeys | None = None) -> ChunkRead:
    """The register state the rows can touch: organizations matching a row's USCC (anywhere in
    the county, to report one that belongs elsewhere) or its name in a writable township, with
    their open facts, covering party organizations and instructor; and the active party
    organizations the rows name. Reads grow with the rows, never with the register: every
    organization and party organization is found by an index probe on a key a row holds."""
    writable = writable_townships(unit)
    writable_codes = {t.code for t in writable}
    township_ids = {t.code: t.pk for t in writable}
    usccs = sorted({r.values["uscc"] for r in rows if r.values.get("uscc")})
    names: dict[str, set[str]] = defaultdict(set)
    party_names: set[str] = set()
    for r in rows:
        values = r.values
        township = values.get("township_code")
        if township in writable_codes and values.get("name"):
            names[township].add(normalize_name(str(values["name"])))
        if values.get("has_party_organization") and values.get("party_organization_name"):
            party_names.add(normalize_name(str(values["party_organization_name"])))

    # Most rows of a large file are new: find the matching keys with index-only lookups first,
    # then load whole records for the (usually few) matches. A name several organizations share
    # matches the last registered of them, as the planner's ``by_name`` keeps it.
    by_uscc: dict[str, int | None] = dict.fromkeys(usccs)
    by_name: dict[tuple[int, str], int | None] = {}
    matched: set[int] = set()  # every organization of a matched name, not only the last
    for township_code, wanted in names.items():
        by_name.update(((township_ids[township_code], name), None) for name in wanted)
    if keys is not None:
        by_uscc.update((code, keys.uscc.get(code)) for code in usccs)
        for key in by_name:
            found_pks = keys.names.get(key, ())
            matched.update(found_pks)
            by_name[key] = max(found_pks, default=None)
    else:
        for chunk in _chunks(usccs):
            by_uscc.update((code, pk) for pk, code in _matching("uscc", chunk))
        for township_code, wanted in names.items():
            township_id = township_ids[township_code]
            for chunk in _chunks(sorted(wanted)):
                for pk, name in _matching("name_normalized", chunk, township_id=township_id):
                    matched.add(pk)
                    previous = by_name[(township_id, name)]
                    by_name[(township_id, name)] = pk if previous is None else max(previous, pk)
    matched.update(pk for pk in by_uscc.values() if pk is not None)
    found: dict[int, Mapping[str, Any]] = {}
    for chunk in _chunks(sorted(matched)):
        for rec in _org_rows(Q(pk__in=chunk)):
            found[rec["pk"]] = rec

    pks = sorted(found)
    facts: dict[int, dict[str, Any]] = {}
    covered: dict[int, set[str]] = defaultdict(set)
    coverage_ids: dict[int, list[int]] = defaultdict(list)
    instructors: dict[int, tuple[int, str]] = {}
    for chunk in _chunks(pks):
        for rec in OrganizationFacts.objects.filter(organization_id__in=chunk, valid_to__isnull=True).values(
            "pk", "organization_id", "valid_from", "source", *FACT_FIELDS
        ):
            facts[rec["organization_id"]] = rec
        for pk, org_id, po_name in PartyOrganizationCoverage.objects.filter(
            organization_id__in=chunk, valid_to__isnull=True
        ).values_list("pk", "organization_id", "party_organization__name_normalized"):
            covered[org_id].add(po_name)
            coverage_ids[org_id].append(pk)
        for pk, org_id, name in InstructorAssignment.objects.filter(
            organization_id__in=chunk, valid_to__isnull=True
        ).values_list("pk", "organization_id", "instructor_name"):
            instructors[org_id] = (pk, name)

    existing_by_pk: dict[int, ExistingOrg] = {}
    existing_by_uscc: dict[str, int] = {}
    existing_by_name: dict[tuple[str, str], int] = {}
    seen: list[SeenState] = []
    for pk in pks:
        rec = found[pk]
        fact = facts.get(pk)
        instructor = instructors.get(pk)
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
            registration_only=fact is not None and fact["source"] == FactSource.REGISTRATION,
            party_organizations=frozenset(covered.get(pk, ())),
            instructor=instructor[1] if instructor else None,
        )
        existing_by_pk[pk] = org
        if rec["uscc"]:
            existing_by_uscc[rec["uscc"]] = pk
        existing_by_name[(org.township, org.name_normalized)] = pk  # ascending ids: the last one stays
        ids = coverage_ids.get(pk, [])
        seen.append(
            (
                pk,
                rec["version"],
                fact["pk"] if fact else 0,
                len(ids),
                max(ids, default=0),
                instructor[0] if instructor else 0,
            )
        )

    # The party organizations a row may link to: by the names the rows give, in the townships the
    # rows and their organizations are in.
    party_townships = set(township_ids.values()) if unit.level == UnitLevel.TOWNSHIP else set()
    party_townships.update(
        township_ids[r.values["township_code"]] for r in rows if r.values.get("township_code") in township_ids
    )
    party_townships.update(township_ids[o.township] for o in existing_by_pk.values() if o.township in township_ids)
    party_organizations = _party_organizations(party_townships, party_names)
    code_of = {pk: code for code, pk in township_ids.items()}
    return ChunkRead(
        existing=Existing(
            by_pk=existing_by_pk,
            by_uscc=existing_by_uscc,
            by_name=existing_by_name,
            party_organizations={
                (code_of[township_id], name): pk
                for (township_id, name), pk in party_organizations.items()
                if pk is not None
            },
            writable_townships=frozenset(writable_codes) if unit.level == UnitLevel.TOWNSHIP else None,
        ),
        usccs=by_uscc,
        names=by_name,
        party_organizations=party_organizations,
        seen=seen,
    )


def _party_organizations(townships: set[int], names: set[str]) -> dict[tuple[int, str], int | None]:
    """(township id, name key) → the active party organization of that name there, or None, for
    every township and name asked (a township has at most one active party organization of a
    name: a database constraint)."""
    found: dict[tuple[int, str], int | None] = {(t, n): None for t in townships for n in names}
    for chunk in _chunks(sorted(names)):
        for pk, township_id, name in PartyOrganization.objects.filter(
            township_id__in=townships, name_normalized__in=chunk, dissolved_on__isnull=True
        ).values_list("pk", "township_id", "name_normalized"):
            found[(township_id, name)] = pk
    return found


# Prefixes searched per statement (each an index range; three parameters each).
_PREFIXES_PER_QUERY = 100


def similar_names(*, searches: Mapping[int, set[str]]) -> dict[int, list[tuple[str, str, str | None]]]:
    """township id → (name key, name, USCC) of its unmerged organizations whose name key begins
    with one of the prefixes ``searches`` gives for it, in registration order: one index range
    per prefix (``census.tabular.similar``), so what is read grows with the file, not with the
    register."""
    table = connection.ops.quote_name(Organization._meta.db_table)
    found: dict[int, dict[int, tuple[str, str, str | None]]] = defaultdict(dict)
    for township_id, prefixes in searches.items():
        for chunk in _chunks(sorted(p for p in prefixes if p), _PREFIXES_PER_QUERY):
            # The names from a prefix up to (not including) the prefix with its last character's
            # successor: exactly the names that begin with it in the code point order of SQLite
            # and of a C collation; a range of another collation is narrowed by the check below.
            ranges = " UNION ALL ".join(
                f"SELECT id, name_normalized, name, uscc FROM {table} "  # noqa: S608
                "WHERE township_id = %s AND name_normalized >= %s AND name_normalized < %s "
                "AND merged_into_id IS NULL"
                for _ in chunk
            )
            params: list[Any] = []
            for prefix in chunk:
                params += [township_id, prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]
            with connection.cursor() as cursor:
                cursor.execute(ranges, params)
                for pk, key, name, uscc in cursor.fetchall():
                    if any(key.startswith(p) for p in chunk):
                        found[township_id][pk] = (key, name, uscc)
    return {t: [names[pk] for pk in sorted(names)] for t, names in found.items()}
