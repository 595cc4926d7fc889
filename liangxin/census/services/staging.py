"""Staging: what a plan will write goes into temporary tables while the register is only read, so
that the write transaction holds the database's write lock for the write alone.

A :class:`Stager` lives for one write of one file:

- :meth:`Stager.add` (each chunk, as the file is read and planned, outside any write
  transaction): reserves the new rows' primary keys (``core.bulk.reserve_ids``), stages every row
  the plan creates or changes — values, ids, the change row's data — and every read the plan
  rested on (``selectors.ChunkRead``), and digests the change rows as they will be stored.
- :meth:`Stager.moved` (under the write lock): whether any of those reads would now find
  something else — an organization or party organization of a key the file gives, or a new
  version, census interval, coverage or instructor of one it read. Set-based, bounded by the
  file. On SQLite, when no other connection has committed since the reading began
  (``PRAGMA data_version``), nothing can have moved and nothing is read.
- :meth:`Stager.write` (under the write lock): a fixed number of ``INSERT … SELECT`` and
  ``UPDATE`` statements from the staged rows, whatever the number of rows.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from functools import cache
from typing import Any, Final

from django.db import connection, models
from django.utils import timezone

from liangxin.accounts.models import User
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_many
from liangxin.core import bulk
from liangxin.core.bulk import Constant
from liangxin.core.text import normalize_name, pinyin_keys
from liangxin.geo.models import AdministrativeUnit, Department
from liangxin.policy.names import read_party_organization_name
from liangxin.registry.choices import FactSource, FormationMethod, PartyOrganizationKind
from liangxin.registry.models import (
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
)
from liangxin.talent.models import Availability, InstructorAssignment, Origin, PoolEntry
from liangxin.talent.selectors import pool_matches

from ..models import ChangeKind, ImportBatch, ImportChange
from ..planning import FACT_FIELDS, ORG_FIELDS, Plan, PlannedRow
from ..selectors import ChunkRead

# The registry columns a staged row carries: a new organization's, or a changed one's after the change.
ORG_COLUMNS: Final = (
    "uscc", "name", "name_normalized", "name_initials", "name_pinyin", "category", "org_type", "industry_code",
    "township_id", "village_id", "department_id", "above_designated_size", "address", "contact_person",
    "contact_phone", "owner_is_member",
)  # fmt: skip
_ORG_FIELDS: Final = frozenset(ORG_FIELDS)
_NEW: Final = ChangeKind.NEW.value
_CHANGED: Final = ChangeKind.CHANGED.value


def _big() -> models.Field[Any, Any]:
    return models.BigIntegerField(null=True)


@cache
def _row_columns() -> tuple[tuple[str, models.Field[Any, Any]], ...]:
    org = {f.attname: f for f in Organization._meta.concrete_fields}
    facts = {f.attname: f for f in OrganizationFacts._meta.concrete_fields}
    change = {f.attname: f for f in ImportChange._meta.concrete_fields}
    return (
        ("seq", _big()),
        ("kind", change["kind"]),
        ("org_id", _big()),
        ("facts_id", _big()),  # the census interval the row opens, if any
        ("closes_facts_id", _big()),  # the open interval it closes, if any
        ("version_after", change["version_after"]),
        ("registry_changed", _big()),  # 1 when a changed row changes registry columns, not only figures
        ("excel_row", change["row"]),
        ("before", change["before"]),
        ("after", change["after"]),
        *((name, org[name]) for name in ORG_COLUMNS),
        *((name, facts[name]) for name in FACT_FIELDS),
        ("instructor", InstructorAssignment._meta.get_field("instructor_name")),
        ("instructor_person_id", _big()),  # the pool entry the instructor's name matched, or a new one
        ("party_organization_id", _big()),
        ("coverage_id", _big()),
    )


def _text() -> models.Field[Any, Any]:
    return models.CharField(max_length=200, null=True)


_SEEN_COLUMNS: Final = (
    ("org_id", _big()),
    ("version", _big()),
    ("facts_id", _big()),
    ("coverages", _big()),
    ("last_coverage", _big()),
    ("instructor", _big()),
)
_VERSION_COLUMNS: Final = (("org_id", _big()), ("version_after", _big()))
_CLOSES_COLUMNS: Final = (("id", _big()),)
_USCC_COLUMNS: Final = (("uscc", _text()), ("found", _big()))
_NAME_COLUMNS: Final = (("township_id", _big()), ("name", _text()), ("found", _big()))
_PERSON_COLUMNS: Final = (("id", _big()), ("name", _text()), ("name_key", _text()), ("township_id", _big()))


@cache
def _party_columns() -> tuple[tuple[str, models.Field[Any, Any]], ...]:
    party = {f.attname: f for f in PartyOrganization._meta.concrete_fields}
    return tuple(
        (name, party[name]) for name in ("id", "name", "name_normalized", "kind", "formation_method", "township_id")
    )


def jsonable(changes: Mapping[str, tuple[Any, Any]], side: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, pair in changes.items():
        value = pair[side]
        out[key] = str(value) if value is not None and not isinstance(value, (str, int, bool, float)) else value
    return out


def org_columns(values: Mapping[str, Any], units: Mapping[str, int], departments: Mapping[str, int]) -> dict[str, Any]:
    """The registry columns of an organization with the planned ``values`` (template terms)."""
    initials, full = pinyin_keys(values["name"])
    return {
        "uscc": values["uscc"] or None,
        "name": values["name"],
        "name_normalized": normalize_name(values["name"]),
        "name_initials": initials,
        "name_pinyin": full,
        "category": values["category"],
        "org_type": values["org_type"],
        "industry_code": values["industry_code"] or "",
        "township_id": units[values["township"]],
        "village_id": units.get(values["village"]) if values.get("village") else None,
        "department_id": departments.get(values["department"]) if values.get("department") else None,
        "above_designated_size": bool(values["above_designated_size"]),
        "address": values["address"] or "",
        "contact_person": values["contact_person"] or "",
        "contact_phone": values["contact_phone"] or "",
        "owner_is_member": values["owner_is_member"],
    }


def _code_maps() -> tuple[dict[str, int], dict[str, int]]:
    units = dict(AdministrativeUnit.objects.filter(valid_to__isnull=True).values_list("code", "pk"))
    departments = dict(Department.objects.values_list("code", "pk"))
    return units, departments


def _data_version() -> int | None:
    """SQLite's count of commits by other connections (None elsewhere)."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA data_version")
        return int(cursor.fetchone()[0])


class Stager:
    """Stages one write of one file (see the module's docstring). A context manager: the staging
    tables live from ``__enter__`` to ``__exit__``."""

    def __init__(self, *, by: User | None, batch: ImportBatch) -> None:
        self.by = by
        self.batch = batch
        self.units, self.departments = _code_maps()
        self.township_code = {pk: code for code, pk in self.units.items()}
        self.now = timezone.now()
        self.seq = 0
        self.rows_staged = 0
        self.party_organizations: dict[tuple[str, str], int] = {}  # (township code, key) → id, created here
        self.coverages: list[int] = []
        # (township id, folded name) → the pool entry an instructor's name stands for, read or created here.
        self.people: dict[tuple[int, str], int] = {}
        self.created_people: list[tuple[int, str]] = []
        # Rows staged for each copy of ``write`` (``_copies``): one without rows is not run, nor
        # checked — each would read every staged row to find none.
        self.copied: Counter[str] = Counter()
        # The digest of the change rows as they will be stored, in their order: what
        # ``changes_digest`` computes from the table, without reading them back.
        self.digest = hashlib.sha256()
        self._stack = ExitStack()
        self._data_version: int | None = None

    def __enter__(self) -> Stager:
        with bulk.staging_writes():
            # Keyed by their order in the file: the copies read them in it without a sort.
            self.rows = self._stack.enter_context(bulk.StagingTable("census_stage_rows", _row_columns(), key="seq"))
            # The next version of each changed organization, keyed by it: what the UPDATE of
            # their versions finds each row's value in, by the key.
            self.versions = self._stack.enter_context(
                bulk.StagingTable("census_stage_versions", _VERSION_COLUMNS, key="org_id")
            )
            # The open census intervals the file closes, keyed: the UPDATE that ends them finds
            # them without building a list first.
            self.closes = self._stack.enter_context(bulk.StagingTable("census_stage_closes", _CLOSES_COLUMNS, key="id"))
            self.seen = self._stack.enter_context(bulk.StagingTable("census_stage_seen", _SEEN_COLUMNS))
            self.usccs = self._stack.enter_context(bulk.StagingTable("census_stage_usccs", _USCC_COLUMNS))
            self.names = self._stack.enter_context(bulk.StagingTable("census_stage_names", _NAME_COLUMNS))
            self.party_names = self._stack.enter_context(bulk.StagingTable("census_stage_party_names", _NAME_COLUMNS))
            self.party = self._stack.enter_context(bulk.StagingTable("census_stage_party", _party_columns()))
            self.person_names = self._stack.enter_context(bulk.StagingTable("census_stage_person_names", _NAME_COLUMNS))
            self.new_people = self._stack.enter_context(bulk.StagingTable("census_stage_people", _PERSON_COLUMNS))
        # Read before the file is: a commit by anybody else after this may have moved a read.
        self._data_version = _data_version()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.__exit__(*exc)

    # --- Staging (no write lock) ---------------------------------------------------------------

    def add(self, plan: Plan, read: ChunkRead) -> int:
        """Stage a chunk's plan and what it read; the number of rows that will write."""
        rows = [r for r in plan.rows if r.kind in ("new", "changed")]
        new = [r for r in rows if r.kind == "new"]
        facts_count = sum(1 for r in rows if r.facts_values is not None)
        org_ids = iter(bulk.reserve_ids(Organization, len(new)))
        facts_ids = iter(bulk.reserve_ids(OrganizationFacts, facts_count))
        linked = [r for r in rows if r.party_organization]
        coverage_ids = iter(bulk.reserve_ids(PartyOrganizationCoverage, len(linked)))
        party_rows = self._new_party_organizations(linked)
        person_reads, people_rows = self._pool_entries(rows)
        self.copied.update(
            organizations=len(new), facts=facts_count, changes=len(rows), party_organizations=len(party_rows),
            coverages=len(linked), pool_entries=len(people_rows), instructors=sum(1 for r in rows if r.instructor),
        )  # fmt: skip
        staged = []
        digest = self.digest.update
        for r in rows:
            self.seq += 1
            registry_changed = 0
            if r.kind == "new":
                r.org_pk = next(org_ids)
                before, after, version_after, closes = None, {}, 1, None
            else:
                registry_changed = int(any(k in _ORG_FIELDS for k in r.changes))
                before, after = jsonable(r.changes, 0), jsonable(r.changes, 1)
                version_after = (r.version or 0) + 1
                closes = r.previous_facts_pk if r.facts_values is not None else None
            # As ``changes_digest`` reads the stored row back.
            digest(repr((r.org_pk, r.kind, before, after)).encode())
            facts_id = next(facts_ids) if r.facts_values is not None else None
            org = org_columns(r.org_values, self.units, self.departments)
            facts = r.facts_values or {}
            party_organization = coverage = None
            if r.party_organization:
                township = r.org_values["township"]
                party_organization = (
                    r.party_organization_pk or self.party_organizations[(township, r.party_organization)]
                )
                coverage = next(coverage_ids)
                self.coverages.append(coverage)
            staged.append(
                (
                    self.seq, r.kind, r.org_pk, facts_id, closes, version_after, registry_changed, r.row.excel_row,
                    before, after,
                    *(org[c] for c in ORG_COLUMNS), *(facts.get(k) for k in FACT_FIELDS), r.instructor,
                    self._person(r), party_organization, coverage,
                )
            )  # fmt: skip
        with bulk.staging_writes():
            self.rows.load(staged)
            self.versions.load((row[2], row[5]) for row in staged if row[1] == _CHANGED)
            self.copied["registry_changes"] += sum(row[6] for row in staged)
            self.closes.load((row[4],) for row in staged if row[4] is not None)
            self.party.load(party_rows)
            self.person_names.load(person_reads)
            self.new_people.load(people_rows)
            self.seen.load(read.seen)
            self.usccs.load(read.usccs.items())
            self.names.load((t, n, pk) for (t, n), pk in read.names.items())
            self.party_names.load((t, n, pk) for (t, n), pk in read.party_organizations.items())
        self.rows_staged += len(rows)
        return len(rows)

    def _new_party_organizations(self, linked: list[PlannedRow]) -> list[tuple[Any, ...]]:
        """Party organizations named in the file and not in the register: one per (township,
        normalised name), with reserved ids."""
        wanted: dict[tuple[str, str], str] = {}
        for r in linked:
            wanted_key = (r.org_values["township"], r.party_organization or "")
            if r.party_organization_pk is None and wanted_key not in self.party_organizations:
                wanted.setdefault(wanted_key, r.party_organization_label or r.party_organization or "")
        rows = []
        for ((township, name_key), label), pk in zip(
            sorted(wanted.items()), bulk.reserve_ids(PartyOrganization, len(wanted)), strict=True
        ):
            # The name is all a census row says; a name that names no kind is taken for a branch.
            named = read_party_organization_name(label)
            kind = named.kind or PartyOrganizationKind.BRANCH
            method = FormationMethod.JOINT if named.joint else FormationMethod.INDEPENDENT
            rows.append((pk, label, name_key, kind, method, self.units[township]))
            self.party_organizations[(township, name_key)] = pk
        return rows

    def _person(self, r: PlannedRow) -> int | None:
        if not r.instructor:
            return None
        return self.people[(self.units[r.org_values["township"]], normalize_name(r.instructor))]

    def _pool_entries(self, rows: list[PlannedRow]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The pool entries the chunk's instructors are: by name in the organization's township
        (``talent.selectors.pool_matches``), or new ones with reserved ids. Returns the names read
        (for :meth:`moved`) and the entries to create."""
        wanted: dict[tuple[int, str], str] = {}
        for r in rows:
            if r.instructor:
                key = (self.units[r.org_values["township"]], normalize_name(r.instructor))
                if key not in self.people:
                    wanted.setdefault(key, r.instructor)
        found = pool_matches(wanted)
        self.people.update(found)
        reads = [(township, key, found.get((township, key))) for township, key in wanted]
        missing = sorted(key for key in wanted if key not in found)
        created = []
        for key, pk in zip(missing, bulk.reserve_ids(PoolEntry, len(missing)), strict=True):
            created.append((pk, wanted[key], key[1], key[0]))
            self.people[key] = pk
        self.created_people.extend((pk, name) for pk, name, _key, _township in created)
        return reads, created

    def ready(self) -> None:
        """The staging is complete: index what the write joins on, and evaluate the CHECK
        constraints of the rows it will copy (``bulk.StagingTable.check_into``), still outside
        the lock."""
        with bulk.staging_writes():
            self.rows.index("org_id")  # the UPDATE of the changed organizations looks their rows up by it
            for table, model, columns, order_by, where in self._copies().values():
                table.check_into(model, columns, order_by=order_by, where=where)

    # --- Under the write lock ------------------------------------------------------------------

    def moved(self) -> bool:
        """Would any read the plan rested on find something else now? Call under the write lock."""
        if self._data_version is not None and _data_version() == self._data_version:
            return False  # nobody else has committed anything since the file was read
        q = connection.ops.quote_name
        org, facts = q(Organization._meta.db_table), q(OrganizationFacts._meta.db_table)
        coverage, instructor = q(PartyOrganizationCoverage._meta.db_table), q(InstructorAssignment._meta.db_table)
        party, pool = q(PartyOrganization._meta.db_table), q(PoolEntry._meta.db_table)
        # Not merged: the few merged organizations are read once (from their partial index), so
        # that a probe by code or name reads the key's index alone, not each organization's row
        # (a third less time under the lock, where these checks run for every row of the file).
        unmerged = f"o.id NOT IN (SELECT m.id FROM {org} m WHERE m.merged_into_id IS NOT NULL)"  # noqa: S608
        checks = (
            # An organization read: deleted, merged, another version (every service that writes
            # its fields or figures moves it), another census interval, coverage or instructor.
            f"SELECT 1 FROM {q(self.seen.name)} s LEFT JOIN {org} o ON o.id = s.org_id "  # noqa: S608
            "WHERE o.id IS NULL OR o.merged_into_id IS NOT NULL OR o.version <> s.version "
            f"OR COALESCE((SELECT MAX(f.id) FROM {facts} f WHERE f.organization_id = s.org_id "
            "AND f.valid_to IS NULL), 0) <> s.facts_id "
            f"OR (SELECT COUNT(*) FROM {coverage} c WHERE c.organization_id = s.org_id "
            "AND c.valid_to IS NULL) <> s.coverages "
            f"OR COALESCE((SELECT MAX(c.id) FROM {coverage} c WHERE c.organization_id = s.org_id "
            "AND c.valid_to IS NULL), 0) <> s.last_coverage "
            f"OR COALESCE((SELECT MAX(i.id) FROM {instructor} i WHERE i.organization_id = s.org_id "
            "AND i.valid_to IS NULL), 0) <> s.instructor",
            # A code: now another organization's, or somebody's where it was nobody's.
            f"SELECT 1 FROM {q(self.usccs.name)} p WHERE COALESCE((SELECT MAX(o.id) FROM {org} o "  # noqa: S608
            f"WHERE o.uscc = p.uscc AND {unmerged}), 0) <> COALESCE(p.found, 0)",
            # A name in a township: it would match another organization (or one, or none).
            f"SELECT 1 FROM {q(self.names.name)} p WHERE COALESCE((SELECT MAX(o.id) FROM {org} o "  # noqa: S608
            f"WHERE o.township_id = p.township_id AND o.name_normalized = p.name AND {unmerged}), 0) "
            "<> COALESCE(p.found, 0)",
            # A party organization's name in a township.
            f"SELECT 1 FROM {q(self.party_names.name)} p WHERE COALESCE((SELECT MAX(po.id) FROM {party} po "  # noqa: S608
            "WHERE po.township_id = p.township_id AND po.name_normalized = p.name AND po.dissolved_on IS NULL), 0) "
            "<> COALESCE(p.found, 0)",
            # An instructor's name in a township: it would match another pool entry (or one, or none).
            f"SELECT 1 FROM {q(self.person_names.name)} p WHERE COALESCE((SELECT MIN(e.id) FROM {pool} e "  # noqa: S608
            "WHERE e.township_id = p.township_id AND e.name_key = p.name), 0) <> COALESCE(p.found, 0)",
        )
        with connection.cursor() as cursor:
            for sql in checks:
                cursor.execute(f"{sql} LIMIT 1")
                if cursor.fetchone() is not None:
                    return True
        return False

    def _copies(self) -> dict[str, tuple[bulk.StagingTable, type[models.Model], list[Any], str, str]]:
        """The ``INSERT … SELECT`` copies of :meth:`write`, by name: (staged table, model,
        columns, order, condition) — declared once, so that :meth:`ready` checks exactly what
        :meth:`write` copies. Rows are copied in the file's order, which is also the order of
        the keys reserved for them (each chunk reserves its keys after the previous one's): each
        table's rows append to its key order, and the staged rows are read without a sort."""
        batch, now = self.batch, self.now
        by_id = self.by.pk if self.by is not None else None
        copies: dict[str, tuple[bulk.StagingTable, type[models.Model], list[Any], str, str]] = {
            "organizations": (self.rows, Organization, [
                ("id", "org_id"), *((c, c) for c in ORG_COLUMNS), ("former_names", Constant([])),
                ("latitude", Constant(None)), ("longitude", Constant(None)), ("merged_into_id", Constant(None)),
                ("created_at", Constant(now)), ("updated_at", Constant(now)), ("version", Constant(1)),
            ], "seq", f"kind = '{_NEW}'"),
            "facts": (self.rows, OrganizationFacts, [
                ("id", "facts_id"), ("organization_id", "org_id"), ("valid_from", Constant(batch.as_of)),
                ("valid_to", Constant(None)), *((k, k) for k in FACT_FIELDS),
                ("source", Constant(FactSource.IMPORT.value)), ("recorded_by_id", Constant(by_id)),
                ("recorded_at", Constant(now)), ("import_batch_id", Constant(batch.pk)),
            ], "seq", "facts_id IS NOT NULL"),
            "changes": (self.rows, ImportChange, [
                ("batch_id", Constant(batch.pk)), ("organization_id", "org_id"), ("kind", "kind"),
                ("row", "excel_row"), ("before", "before"), ("after", "after"),
                ("facts_closed_id", "closes_facts_id"), ("version_after", "version_after"),
            ], "seq", ""),
            "party_organizations": (self.party, PartyOrganization, [
                ("id", "id"), ("name", "name"), ("name_normalized", "name_normalized"), ("kind", "kind"),
                ("formation_method", "formation_method"), ("township_id", "township_id"),
                ("parent_id", Constant(None)), ("founded_on", Constant(batch.as_of)),
                ("dissolved_on", Constant(None)), ("dissolution_reason", Constant("")),
                ("secretary_id", Constant(None)),
            ], "id", ""),
            "coverages": (self.rows, PartyOrganizationCoverage, [
                ("id", "coverage_id"), ("party_organization_id", "party_organization_id"),
                ("organization_id", "org_id"), ("valid_from", Constant(batch.as_of)), ("valid_to", Constant(None)),
            ], "seq", "coverage_id IS NOT NULL"),
            "pool_entries": (self.new_people, PoolEntry, [
                ("id", "id"), ("name", "name"), ("name_key", "name_key"), ("township_id", "township_id"),
                ("member_id", Constant(None)), ("id_number_encrypted", Constant("")),
                ("id_number_hash", Constant(None)), ("id_number_masked", Constant("")),
                ("birth_year", Constant(None)), ("skills", Constant("")),
                ("availability", Constant(Availability.PART_TIME.value)), ("origin", Constant(Origin.CENSUS.value)),
                ("to_complete", Constant(True)), ("import_batch_id", Constant(batch.pk)),
                ("created_at", Constant(now)), ("updated_at", Constant(now)),
            ], "id", ""),
            "instructors": (self.rows, InstructorAssignment, [
                ("organization_id", "org_id"), ("instructor_name", "instructor"),
                ("person_id", "instructor_person_id"), ("method", Constant("")), ("subsidy", Constant(None)),
                ("end_reason", Constant("")), ("valid_from", Constant(batch.as_of)), ("valid_to", Constant(None)),
                ("import_batch_id", Constant(batch.pk)),
            ], "seq", "instructor IS NOT NULL"),
        }  # fmt: skip
        return {name: copy for name, copy in copies.items() if self.copied[name]}

    def _copy(self, name: str) -> None:
        if copy := self._copies().get(name):
            table, model, columns, order_by, where = copy
            table.copy_into(model, columns, order_by=order_by, where=where)

    def write(self) -> None:
        """Write every staged row into the register. Call under the write lock, after
        :meth:`moved` said no."""
        now = self.now
        rows = self.rows
        self._copy("organizations")
        # A changed organization moves to its next version; its registry columns are written only
        # where the file changes them (most census rows change figures alone), which spares the
        # indexes on them.
        self.versions.update(Organization, [("version", "version_after"), ("updated_at", Constant(now))], key="org_id")
        if self.copied["registry_changes"]:
            rows.update(
                Organization,
                [(c, c) for c in ORG_COLUMNS],
                key="org_id",
                where=f"kind = '{_CHANGED}' AND registry_changed = 1",
            )
        self._end_open(OrganizationFacts, "id", self.closes, "id")
        self._copy("facts")
        self._copy("changes")
        self._copy("party_organizations")
        self._copy("coverages")
        self.write_instructors()
        log_many(
            actor=self.by,
            action=AuditAction.CREATE,
            entries=(
                (PoolEntry(pk=pk, name=name), {"name": [None, name], "origin": [None, Origin.CENSUS.value]})
                for pk, name in self.created_people
            ),
        )
        for created in self._created_party_organizations():
            log_many(
                actor=self.by,
                action=AuditAction.CREATE,
                entries=(
                    (po, {"name": [None, po.name], "kind": [None, po.kind], "import_batch": [None, self.batch.pk]})
                    for po in created
                ),
            )
        self.batch.created_party_organizations = sorted(self.party_organizations.values())
        self.batch.created_coverages = self.coverages

    def write_instructors(self) -> None:
        """The file's instructors: the pool entries new names make, then the organization's open
        assignment ends and the file's begins."""
        self._copy("pool_entries")
        if self.copied["instructors"]:
            self._end_open(InstructorAssignment, "organization_id", self.rows, "org_id", "instructor IS NOT NULL")
        self._copy("instructors")

    def _end_open(
        self, model: type[models.Model], column: str, table: bulk.StagingTable, staged: str, where: str = ""
    ) -> None:
        """End, on the batch's date, the open intervals of ``model`` whose ``column`` is the
        ``staged`` column of a row of ``table`` (satisfying ``where``)."""
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {q(model._meta.db_table)} SET valid_to = %s WHERE valid_to IS NULL "  # noqa: S608
                f"AND {q(column)} IN (SELECT {q(staged)} FROM {q(table.name)}{f' WHERE {where}' if where else ''})",
                [connection.ops.adapt_datefield_value(self.batch.as_of)],
            )

    def _created_party_organizations(self) -> Iterator[list[PartyOrganization]]:
        """The party organizations :meth:`write` created, for the audit, a few thousand at a time
        (a file may create a hundred thousand)."""
        q = connection.ops.quote_name
        last = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, name, kind FROM {q(self.party.name)} WHERE id > %s ORDER BY id LIMIT 2000",  # noqa: S608
                    [last],
                )
                found = [PartyOrganization(pk=pk, name=name, kind=kind) for pk, name, kind in cursor.fetchall()]
            if not found:
                return
            yield found
            last = found[-1].pk
