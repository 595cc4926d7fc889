"""Write: apply a plan to the register in one transaction — the browser's confirm of a preview,
and the command line's import."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change, log_many
from liangxin.core import bulk
from liangxin.core.bulk import Constant
from liangxin.core.dates import today
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.core.text import normalize_name, pinyin_keys
from liangxin.coverage.materialized import mark_imported_stale
from liangxin.formation import services as formation_services
from liangxin.geo.models import AdministrativeUnit, Department
from liangxin.policy.names import read_party_organization_name
from liangxin.registry.choices import FactSource, FormationMethod, OperatingStatus, PartyOrganizationKind
from liangxin.registry.models import (
    InstructorAssignment,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
)

from ..models import BatchStatus, ChangeKind, ImportBatch, ImportChange, ImportMode
from ..planning import FACT_FIELDS, Plan, PlannedRow
from .preview import log_kept_file, new_batch, outcome_of, preview_import, store_preview, stored_outcome
from .scan import WRITE_CHUNK, ImportOutcome, Progress, Scan, check_unit, chunks, scan_file


class StalePreview(ConflictError):
    """The register changed between preview and confirm; the batch now holds a new preview."""


def confirm_import(
    *, by: User | None, batch: ImportBatch, mode: str | None = None, progress: Progress | None = None
) -> ImportOutcome:
    """Apply exactly what the preview showed, or refuse (and re-preview) if the register moved."""
    check_unit(by, batch.unit)
    if batch.status != BatchStatus.PREVIEWED:
        raise ServiceError(_("该批次已处理(%(status)s),不能再次导入。") % {"status": batch.get_status_display()})
    if mode:
        batch.mode = mode
    with batch.original.open("rb") as fh:
        data = fh.read()
    return _apply(by=by, batch=batch, data=data, progress=progress)


def import_file(
    *,
    by: User | None,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: dt.date | None = None,
    mode: str = ImportMode.ALL_OR_NOTHING,
    dry_run: bool = False,
    progress: Progress | None = None,
    new_organizations: Iterable[str] = (),
) -> ImportOutcome:
    """The command line: one pass over the file inside one transaction, validating, planning
    and writing chunk by chunk. If the file turns out to have errors (all-or-nothing) the
    transaction is rolled back, so nothing is ever half-written; the batch keeps the report."""
    check_unit(by, unit)
    if dry_run:
        return preview_import(
            by=by, unit=unit, data=data, file_name=file_name, as_of=as_of, mode=mode, keep_rows=False,
            new_organizations=new_organizations,
        )  # fmt: skip
    as_of = as_of or today()
    new_organizations = sorted(set(new_organizations))
    batch = new_batch(
        by=by, unit=unit, data=data, file_name=file_name, as_of=as_of, mode=mode, mapping=None,
        new_organizations=new_organizations,
    )  # fmt: skip
    log_kept_file(by, batch, AuditAction.CENSUS_UPLOAD, len(data))
    writer = _ChunkWriter(by=by, batch=batch, total=0, progress=progress)
    scans: list[Scan] = []
    try:
        with transaction.atomic():
            scan = scan_file(
                unit=unit, data=data, file_name=file_name, as_of=as_of, mapping_override=None, keep_rows=False,
                on_plan=writer.write, new_organizations=new_organizations,
            )  # fmt: skip
            scans.append(scan)
            store_preview(batch, scan)
            outcome = outcome_of(batch, scan)
            _refuse_on_errors(outcome)
            _finish(by=by, batch=batch, writer=writer)
    except ImportRefused:
        with transaction.atomic():  # the report survives the rollback of the data
            store_preview(batch, scans[0])
        raise
    except Exception as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, failure_reason=str(exc)[:2000])
        raise
    return outcome


def _finish(*, by: User | None, batch: ImportBatch, writer: _ChunkWriter) -> None:
    writer.finish()
    mark_imported_stale(import_batch_id=batch.pk)
    # An organization this file deregisters leaves the formation register now, with its plan; the
    # batch keeps which plans it closed, and its revert reopens them.
    batch.closed_plans = [
        [plan_id, status]
        for plan_id, status in formation_services.close_plans_of_deregistered(
            organizations=Organization.objects.filter(
                facts__import_batch=batch,
                facts__valid_to__isnull=True,
                facts__operating_status=OperatingStatus.DEREGISTERED,
            ),
            on=batch.as_of,
            by=by,
        )
    ]
    batch.status = BatchStatus.APPLIED
    batch.applied_at = timezone.now()
    batch.progress_done = batch.new_count + batch.changed_count
    batch.save()
    log_change(
        actor=by,
        action=AuditAction.IMPORT,
        obj=batch,
        changes={
            "file": batch.file_name,
            "sha256": batch.file_sha256,
            "unit": batch.unit.code,
            "as_of": batch.as_of.isoformat(),
            "new": batch.new_count,
            "changed": batch.changed_count,
            "unchanged": batch.unchanged_count,
            "rejected": batch.rejected_count,
            "changes_digest": writer.digest.hexdigest(),
        },
    )


class ImportRefused(ServiceError):
    """Nothing was written; ``outcome`` holds the preview with its problems."""

    def __init__(self, message: str, outcome: ImportOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


def _refuse_on_errors(outcome: ImportOutcome) -> None:
    result = outcome.result
    file_errors = [p for p in result.problems if p.severity == "error" and p.row is None]
    if result.sheet_name is None or result.header_row is None or file_errors:
        raise ImportRefused(_("文件本身有错误(见问题列表),没有导入任何数据。"), outcome)
    if outcome.error_count and outcome.batch.mode != ImportMode.ACCEPT_VALID:
        raise ImportRefused(
            _(
                "文件中有 %(n)s 个错误,按“全部导入或全部不导入”方式没有导入任何数据。"
                "请改正后重新导入,或选择只导入有效行。"
            )
            % {"n": outcome.error_count},
            outcome,
        )


def _apply(*, by: User | None, batch: ImportBatch, data: bytes, progress: Progress | None) -> ImportOutcome:
    """The write pass: re-read and re-plan chunk by chunk inside one transaction, writing each
    chunk; at the end the plan's fingerprint must equal the preview's, else everything rolls
    back and the batch gets a fresh preview."""
    stored = stored_outcome(batch)
    _refuse_on_errors(stored)
    override = batch.mapping or None
    total = batch.new_count + batch.changed_count
    writer = _ChunkWriter(by=by, batch=batch, total=total, progress=progress)
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != BatchStatus.PREVIEWED:
                raise ServiceError(_("该批次已处理,不能再次导入。"))
            scan = scan_file(
                unit=batch.unit,
                data=data,
                file_name=batch.file_name,
                as_of=batch.as_of,
                mapping_override=override,
                keep_rows=False,
                on_plan=writer.write,
                new_organizations=batch.new_organizations,
            )
            if scan.fingerprint != batch.preview_fingerprint:
                raise _Stale(scan)
            _finish(by=by, batch=batch, writer=writer)
    except _Stale as stale:
        # Rolled back; the batch now shows what an import would do today.
        with transaction.atomic():
            store_preview(batch, stale.scan)
        raise StalePreview(
            _("预览之后登记册中的数据已有变化,导入结果会与预览不同。已重新生成预览,请核对后再确认。")
        ) from None
    except Exception as exc:
        ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREVIEWED).update(
            status=BatchStatus.FAILED, failure_reason=str(exc)[:2000]
        )
        raise
    return ImportOutcome(batch=batch, result=stored.result, plan=stored.plan, problems=stored.problems)


class _Stale(Exception):
    def __init__(self, scan: Scan) -> None:
        self.scan = scan


def changes_digest(batch: ImportBatch) -> str:
    """The digest of a batch's change rows as stored, which the import's hash-chained audit
    record seals (``changes_digest``; the writer computes it as it writes them): recomputing it
    shows whether the revert data was altered since."""
    digest = hashlib.sha256()
    for row in (
        batch.changes.order_by("pk").values_list("organization_id", "kind", "before", "after").iterator(chunk_size=5000)
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _code_maps() -> tuple[dict[str, int], dict[str, int]]:
    units = dict(AdministrativeUnit.objects.filter(valid_to__isnull=True).values_list("code", "pk"))
    departments = dict(Department.objects.values_list("code", "pk"))
    return units, departments


def _jsonable_changes(changes: Mapping[str, tuple[Any, Any]], side: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, pair in changes.items():
        value = pair[side]
        out[key] = str(value) if value is not None and not isinstance(value, (str, int, bool, float)) else value
    return out


# What a new organization's row stages besides its ids and Excel row (``_ChunkWriter._write_new``).
_STAGED_ORG: Final = (
    "uscc", "name", "name_normalized", "name_initials", "name_pinyin", "category", "org_type", "industry_code",
    "township_id", "village_id", "department_id", "above_designated_size", "address", "contact_person",
    "contact_phone", "owner_is_member",
)  # fmt: skip


@cache
def _staged_columns() -> list[tuple[str, Any]]:
    org = {f.attname: f for f in Organization._meta.concrete_fields}
    facts = {f.attname: f for f in OrganizationFacts._meta.concrete_fields}
    return [
        ("org_id", org["id"]),
        ("facts_id", facts["id"]),
        ("excel_row", ImportChange._meta.get_field("row")),
        *[(name, org[name]) for name in _STAGED_ORG],
        *[(name, facts[name]) for name in FACT_FIELDS],
    ]


_FACT_COLUMNS = (
    "id", "organization_id", "valid_from", "valid_to", *FACT_FIELDS, "source", "recorded_by_id", "recorded_at",
    "import_batch_id",
)  # fmt: skip
_CHANGE_COLUMNS = (
    "batch_id", "organization_id", "kind", "row", "before", "after", "facts_created_id", "facts_closed_id",
    "version_after",
)  # fmt: skip


class _ChunkWriter:
    """Writes each chunk's plan as it comes: new organizations, their facts and change rows by
    ``executemany`` with reserved ids; changed organizations by ``bulk_update``; party
    organizations created on first use; coverage links and instructors."""

    def __init__(self, *, by: User | None, batch: ImportBatch, total: int, progress: Progress | None) -> None:
        self.by = by
        self.batch = batch
        self.total = total
        self.progress = progress
        self.done = 0
        self.units, self.departments = _code_maps()
        self._township_code = {pk: code for code, pk in self.units.items()}
        self.party_orgs: dict[tuple[str, str], int] = {}
        self.coverages: list[int] = []
        # The digest of the change rows as written, in insertion (= primary key) order: what
        # ``changes_digest`` computes from the table, without reading a million rows back.
        self.digest = hashlib.sha256()
        self.now = timezone.now()

    def write(self, plan: Plan) -> None:
        new_rows = [r for r in plan.rows if r.kind == "new"]
        changed_rows = [r for r in plan.rows if r.kind == "changed"]
        for chunk in chunks(new_rows):
            self._write_new(chunk)
        for chunk in chunks(changed_rows):
            self._write_changed(chunk)
        self._link(plan)
        _assign_instructors(batch=self.batch, rows=[*new_rows, *changed_rows])
        self.done += len(new_rows) + len(changed_rows)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        self.batch.created_party_organizations = sorted(self.party_orgs.values())
        self.batch.created_coverages = self.coverages

    def _fact_tuple(self, pk: int, org_pk: int, values: Mapping[str, Any]) -> tuple[Any, ...]:
        by_id = self.by.pk if self.by is not None else None
        return (
            pk, org_pk, self.batch.as_of, None, *(values[k] for k in FACT_FIELDS), FactSource.IMPORT, by_id,
            self.now, self.batch.pk,
        )  # fmt: skip

    def _insert_changes(self, rows: Iterable[tuple[Any, ...]]) -> None:
        rows = list(rows)
        update = self.digest.update
        for row in rows:  # (batch, organization, kind, row, before, after, ...) as _CHANGE_COLUMNS
            update(repr((row[1], row[2], row[4], row[5])).encode())
        bulk.insert_rows(ImportChange, _CHANGE_COLUMNS, rows)

    def _write_new(self, chunk: Sequence[PlannedRow]) -> None:
        """New organizations, their census intervals and their change rows: each row staged once,
        then copied into the three tables (``bulk.StagingTable``)."""
        org_ids = bulk.reserve_ids(Organization, len(chunk))
        fact_ids = bulk.reserve_ids(OrganizationFacts, len(chunk))
        units, departments = self.units, self.departments
        digest = self.digest.update
        new = ChangeKind.NEW.value
        staged = []
        for oid, fid, r in zip(org_ids, fact_ids, chunk, strict=True):
            org = _org_kwargs(r.org_values, units, departments)
            facts = r.facts_values or {}
            staged.append((oid, fid, r.row.excel_row, *[org[c] for c in _STAGED_ORG], *[facts[k] for k in FACT_FIELDS]))
            r.org_pk = oid
            # A new organization's change row holds nothing: its values are its own row, and a
            # revert deletes it. Digested as ``changes_digest`` reads the stored row.
            digest(repr((oid, new, None, {})).encode())
        now, batch, by_id = self.now, self.batch, self.by.pk if self.by is not None else None
        with bulk.StagingTable("census_new_rows", _staged_columns()) as stage:
            stage.load(staged)
            stage.copy_into(
                Organization,
                [
                    ("id", "org_id"), *[(c, c) for c in _STAGED_ORG], ("former_names", Constant([])),
                    ("latitude", Constant(None)), ("longitude", Constant(None)), ("merged_into_id", Constant(None)),
                    ("created_at", Constant(now)), ("updated_at", Constant(now)), ("version", Constant(1)),
                ],
                order_by="org_id",
            )  # fmt: skip
            stage.copy_into(
                OrganizationFacts,
                [
                    ("id", "facts_id"), ("organization_id", "org_id"), ("valid_from", Constant(batch.as_of)),
                    ("valid_to", Constant(None)), *[(k, k) for k in FACT_FIELDS],
                    ("source", Constant(FactSource.IMPORT.value)), ("recorded_by_id", Constant(by_id)),
                    ("recorded_at", Constant(now)), ("import_batch_id", Constant(batch.pk)),
                ],
                order_by="facts_id",
            )  # fmt: skip
            stage.copy_into(
                ImportChange,
                [
                    ("batch_id", Constant(batch.pk)), ("organization_id", "org_id"), ("kind", Constant(new)),
                    ("row", "excel_row"), ("before", Constant(None)), ("after", Constant({})),
                    ("facts_created_id", "facts_id"), ("facts_closed_id", Constant(None)),
                    ("version_after", Constant(1)),
                ],
                order_by="org_id",
            )  # fmt: skip

    def _write_changed(self, chunk: Sequence[PlannedRow]) -> None:
        by_pk = {o.pk: o for o in Organization.objects.select_for_update().filter(pk__in=[r.org_pk for r in chunk])}
        to_update: list[Organization] = []
        closing: list[int] = []
        facts_rows: list[PlannedRow] = []
        for r in chunk:
            found = by_pk.get(r.org_pk or 0)
            if found is None or found.version != r.version:
                raise StalePreview(_("导入过程中登记册数据被修改,已全部撤回,请重新预览。"))
            for name, value in _org_kwargs(r.org_values, self.units, self.departments).items():
                setattr(found, name, value)
            found.version += 1
            found.updated_at = self.now
            to_update.append(found)
            if r.facts_values is not None:
                if r.previous_facts_pk:
                    closing.append(r.previous_facts_pk)
                facts_rows.append(r)
        Organization.objects.bulk_update(to_update, _UPDATE_FIELDS)
        if closing:
            OrganizationFacts.objects.filter(pk__in=closing, valid_to__isnull=True).update(valid_to=self.batch.as_of)
        fact_ids = bulk.reserve_ids(OrganizationFacts, len(facts_rows))
        facts_of: dict[int, int] = {}
        rows = []
        for fid, r in zip(fact_ids, facts_rows, strict=True):
            assert r.org_pk is not None and r.facts_values is not None  # changed rows matched an organization
            facts_of[r.org_pk] = fid
            rows.append(self._fact_tuple(fid, r.org_pk, r.facts_values))
        bulk.insert_rows(OrganizationFacts, _FACT_COLUMNS, rows)
        self._insert_changes(
            (
                self.batch.pk,
                r.org_pk,
                ChangeKind.CHANGED.value,
                r.row.excel_row,
                _jsonable_changes(r.changes, 0),
                _jsonable_changes(r.changes, 1),
                facts_of.get(r.org_pk or 0),
                r.previous_facts_pk if r.facts_values is not None else None,
                (r.version or 0) + 1,
            )
            for r in chunk
        )

    def _create_party_organizations(self, wanted: Mapping[tuple[str, str], str]) -> None:
        """Party organizations named in the file and not yet in the register: one per
        (township, normalised name), created in bulk and audited in one chained run."""
        missing = {k: label for k, label in wanted.items() if k not in self.party_orgs}
        if not missing:
            return
        created = []
        for (township, key), label in sorted(missing.items()):
            # The name is all a census row says; a name that names no kind is taken for a branch.
            named = read_party_organization_name(label)
            created.append(
                PartyOrganization(
                    name=label,
                    name_normalized=key,
                    kind=named.kind or PartyOrganizationKind.BRANCH,
                    formation_method=FormationMethod.JOINT if named.joint else FormationMethod.INDEPENDENT,
                    township_id=self.units[township],
                    founded_on=self.batch.as_of,
                )
            )
        for party_org, pk in zip(created, bulk.reserve_ids(PartyOrganization, len(created)), strict=True):
            party_org.pk = pk
        bulk.insert_objects(created)
        for party_org in created:
            self.party_orgs[(self._township_code[party_org.township_id], party_org.name_normalized)] = party_org.pk
        log_many(
            actor=self.by,
            action=AuditAction.CREATE,
            entries=(
                (po, {"name": [None, po.name], "kind": [None, po.kind], "import_batch": [None, self.batch.pk]})
                for po in created
            ),
        )

    def _link(self, plan: Plan) -> None:
        rows = [r for r in plan.rows if r.kind in ("new", "changed") and r.party_organization and r.org_pk is not None]
        self._create_party_organizations(
            {
                (r.org_values["township"], r.party_organization): r.party_organization_label or r.party_organization
                for r in rows
                if r.party_organization_pk is None and r.party_organization
            }
        )
        ids = bulk.reserve_ids(PartyOrganizationCoverage, len(rows))
        bulk.insert_rows(
            PartyOrganizationCoverage,
            ("id", "party_organization_id", "organization_id", "valid_from", "valid_to"),
            (
                (
                    pk,
                    r.party_organization_pk or self.party_orgs[(r.org_values["township"], r.party_organization or "")],
                    r.org_pk,
                    self.batch.as_of,
                    None,
                )
                for pk, r in zip(ids, rows, strict=True)
            ),
        )
        self.coverages.extend(ids)


def _org_kwargs(values: Mapping[str, Any], units: Mapping[str, int], departments: Mapping[str, int]) -> dict[str, Any]:
    initials, full = pinyin_keys(values["name"])
    return {
        "uscc": values["uscc"] or None,
        "name": values["name"],
        "name_normalized": normalize_name(values["name"]),
        "name_initials": initials,
        "name_pinyin": full,
        "category": values["category"],
        "org_type": values["org_type"],
        "township_id": units[values["township"]],
        "village_id": units.get(values["village"]) if values.get("village") else None,
        "department_id": departments.get(values["department"]) if values.get("department") else None,
        "industry_code": values["industry_code"] or "",
        "above_designated_size": bool(values["above_designated_size"]),
        "address": values["address"] or "",
        "contact_person": values["contact_person"] or "",
        "contact_phone": values["contact_phone"] or "",
        "owner_is_member": values["owner_is_member"],
    }


_UPDATE_FIELDS = [
    "uscc", "name", "name_normalized", "name_initials", "name_pinyin", "category", "org_type", "township_id",
    "village_id", "department_id", "industry_code", "above_designated_size", "address", "contact_person",
    "contact_phone", "owner_is_member", "version", "updated_at",
]  # fmt: skip


def _assign_instructors(*, batch: ImportBatch, rows: Sequence[PlannedRow]) -> None:
    rows = [r for r in rows if r.instructor and r.org_pk]
    if not rows:
        return
    InstructorAssignment.objects.filter(organization_id__in=[r.org_pk for r in rows], valid_to__isnull=True).update(
        valid_to=batch.as_of
    )
    InstructorAssignment.objects.bulk_create(
        [
            InstructorAssignment(
                organization_id=r.org_pk, instructor_name=r.instructor, valid_from=batch.as_of, import_batch=batch
            )
            for r in rows
            if r.org_pk is not None and r.instructor
        ],
        batch_size=WRITE_CHUNK,
    )
