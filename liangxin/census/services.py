"""The census import: read and validate every row, plan, then write in one transaction.

Two phases, always: ``preview_import`` reads, validates and plans without writing the register
(the batch, its original file and its problems are kept); ``confirm_import`` re-reads the kept
file, re-plans, refuses if the plan's fingerprint differs from the preview's (somebody changed
the register in between), and applies it in a single transaction. ``import_file`` does both at
once for the command line. ``revert_batch`` restores the values before a batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, TypeVar

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change, log_many
from liangxin.core import bulk
from liangxin.core.bulk import Constant
from liangxin.core.collector import long_lived_objects_frozen
from liangxin.core.dates import today
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.core.text import normalize_name, pinyin_keys
from liangxin.coverage.materialized import mark_imported_stale
from liangxin.formation import services as formation_services
from liangxin.geo.models import AdministrativeUnit, Department, UnitLevel
from liangxin.policy.names import read_party_organization_name
from liangxin.registry.choices import FactSource, FormationMethod, OperatingStatus, PartyOrganizationKind
from liangxin.registry.models import (
    Employment,
    InstructorAssignment,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
    PartyRelation,
)

from . import selectors
from .models import BatchStatus, ChangeKind, ImportBatch, ImportChange, ImportMode, ImportProblem
from .planning import FACT_FIELDS, Plan, PlannedRow, Planner
from .tabular import CensusReadResult, Problem, open_census

Progress = Callable[[int, int], None]
T = TypeVar("T")
_WRITE_CHUNK = 2000


class StalePreview(ConflictError):
    """The register changed between preview and confirm; the batch now holds a new preview."""


@dataclass
class ImportOutcome:
    """What a preview or an import found and did. ``plan`` holds the planned rows of the last
    pass when they were kept (previews of files of a usual size), else only the counts."""

    batch: ImportBatch
    result: CensusReadResult  # sheet, header, mapping and skipped rows; ``rows`` is not kept
    plan: Plan
    problems: list[Problem]

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    def counts(self) -> dict[str, int]:
        return {
            "new": self.batch.new_count,
            "changed": self.batch.changed_count,
            "unchanged": self.batch.unchanged_count,
            "rejected": self.batch.rejected_count,
        }


def _chunks(items: Sequence[T], size: int = _WRITE_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_unit(by: User | None, unit: AdministrativeUnit) -> None:
    if unit.level not in (UnitLevel.COUNTY, UnitLevel.TOWNSHIP) or unit.valid_to is not None:
        raise ServiceError(_("只能按县或乡镇(街道)导入。"))
    if by is None:  # the command line, run by the operator of the server
        return
    if not by.can(Permission.EDIT_ORGANIZATIONS):
        raise ServiceError(_("您的角色无权导入摸底数据。"))
    if by.scope_kind is ScopeKind.COUNTY:
        return
    if by.scope_kind is ScopeKind.TOWNSHIP and by.township_id == unit.pk:
        return
    raise ServiceError(_("只能导入本单位的摸底数据。"))


@dataclass
class _Scan:
    result: CensusReadResult
    plan: Plan
    problems: list[Problem]
    counts: dict[str, int]
    fingerprint: str
    rows_total: int
    names: dict[int, str]  # Excel row → the organization's name as written, for rows with a problem


def _sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row or 0, p.severity != "error", p.code))


def _scan(
    *,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: dt.date,
    mapping_override: Mapping[str, str | None] | None,
    keep_rows: bool,
    on_plan: Callable[[Plan], None] | None = None,
    new_organizations: Iterable[str] = (),
) -> _Scan:
    """One pass over the file, chunk by chunk: read and validate, match against the register,
    plan. ``on_plan`` receives each chunk's plan (the write pass writes it); nothing else keeps
    the rows unless ``keep_rows``, so memory stays flat on a million-row file."""
    reference = selectors.reference_for(unit=unit)
    stream = open_census(data, file_name, reference, mapping_override)
    default_township = unit.code if unit.level == UnitLevel.TOWNSHIP else None
    planner = Planner(as_of=as_of, default_township=default_township, new_organizations=new_organizations)
    reader_problems = list(stream.file_problems)
    planner_problems: list[Problem] = []
    kept: list[PlannedRow] = []
    names: dict[int, str] = {}
    rows_total = 0
    first_chunk, keys = True, None
    with long_lived_objects_frozen():
        for chunk in stream.chunks():
            rows_total += len(chunk.rows)
            if first_chunk:
                keys = selectors.register_keys(unit=unit, rows=len(chunk.rows))
                first_chunk = False
            existing = selectors.existing_for(unit=unit, rows=chunk.rows, keys=keys)
            plan = planner.plan(chunk.rows, existing)
            # A row the register already holds as it is (a pre-filled template sent back) does not
            # repeat the reader's warnings about it: they are about what the register already knows.
            unchanged = {p.row.excel_row for p in plan.rows if p.kind == "unchanged"}
            reader_problems.extend(p for p in chunk.problems if p.is_error or p.row not in unchanged)
            planner_problems.extend(plan.problems)
            problem_rows = {p.row for p in chunk.problems} | {p.row for p in plan.problems}
            names.update((r.excel_row, r.raw_text("name")[:200]) for r in chunk.rows if r.excel_row in problem_rows)
            if on_plan is not None:
                on_plan(plan)
            if keep_rows:
                kept.extend(plan.rows)
    reader_problems.extend(stream.final_problems())
    result = CensusReadResult(
        sheet_name=stream.sheet_name,
        header_row=stream.header_row,
        mapping=stream.mapping,
        problems=_sort_problems(reader_problems),
        skipped=list(stream.skipped),
    )
    plan = Plan(
        rows=kept,
        problems=planner_problems,
        new_party_organizations=planner.new_party_organizations,
        fingerprint_value=planner.fingerprint,
    )
    return _Scan(
        result=result,
        plan=plan,
        problems=_sort_problems([*reader_problems, *planner_problems]),
        counts=dict(planner.counts),
        fingerprint=planner.fingerprint,
        rows_total=rows_total,
        names=names,
    )


def _store_preview(batch: ImportBatch, scan: _Scan) -> None:
    batch.sheet_name = scan.result.sheet_name or ""
    batch.header_row = scan.result.header_row
    batch.rows_total = scan.rows_total
    batch.new_count = scan.counts["new"]
    batch.changed_count = scan.counts["changed"]
    batch.unchanged_count = scan.counts["unchanged"]
    batch.rejected_count = scan.counts["rejected"]
    batch.error_count = sum(1 for p in scan.problems if p.severity == "error")
    batch.warning_count = sum(1 for p in scan.problems if p.severity == "warning")
    batch.preview_fingerprint = scan.fingerprint
    batch.save()
    batch.problems.all().delete()
    bulk.insert_rows(
        ImportProblem,
        ("batch_id", "file", "sheet", "row", "column", "field", "value", "severity", "code", "message", "name"),
        (
            (
                batch.pk,
                p.file,
                p.sheet or "",
                p.row,
                p.column or "",
                p.field or "",
                "" if p.value is None else str(p.value)[:1000],
                p.severity,
                p.code,
                p.message,
                scan.names.get(p.row, "") if p.row is not None else "",
            )
            for p in scan.problems
        ),
    )


def _outcome(batch: ImportBatch, scan: _Scan) -> ImportOutcome:
    return ImportOutcome(batch=batch, result=scan.result, plan=scan.plan, problems=scan.problems)


def preview_import(
    *,
    by: User | None,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: dt.date | None = None,
    mapping_override: Mapping[str, str | None] | None = None,
    mode: str = ImportMode.ALL_OR_NOTHING,
    keep_rows: bool = True,
    new_organizations: Iterable[str] = (),
) -> ImportOutcome:
    """Dry run: validate and plan; keep the file, the problems and the plan's fingerprint.
    ``new_organizations``: USCCs of rows the clerk says are new organizations, never matched to
    the register by name (kept on the batch, so that the confirm plans the same)."""
    _check_unit(by, unit)
    as_of = as_of or today()
    new_organizations = sorted(set(new_organizations))
    scan = _scan(
        unit=unit, data=data, file_name=file_name, as_of=as_of, mapping_override=mapping_override, keep_rows=keep_rows,
        new_organizations=new_organizations,
    )  # fmt: skip
    with transaction.atomic():
        batch = _new_batch(
            by=by, unit=unit, data=data, file_name=file_name, as_of=as_of, mode=mode, mapping=mapping_override,
            new_organizations=new_organizations,
        )  # fmt: skip
        _store_preview(batch, scan)
        _log_kept_file(by, batch, AuditAction.CENSUS_PREVIEW, len(data))
    return _outcome(batch, scan)


def check_file(
    *,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: dt.date | None = None,
    mapping_override: Mapping[str, str | None] | None = None,
    new_organizations: Iterable[str] = (),
) -> list[Problem]:
    """Every problem an import of the file would report — the reader's and those found against
    the register — without writing anything (not even a batch)."""
    scan = _scan(
        unit=unit,
        data=data,
        file_name=file_name,
        as_of=as_of or today(),
        mapping_override=mapping_override,
        keep_rows=False,
        new_organizations=new_organizations,
    )
    return scan.problems


@dataclass(frozen=True)
class FilePlan:
    """What ``plan_file`` found: the reading, the plan with its rows, and every problem."""

    result: CensusReadResult
    plan: Plan
    problems: list[Problem]


def plan_file(
    *,
    by: User | None,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: dt.date | None = None,
    new_organizations: Iterable[str] = (),
) -> FilePlan:
    """Validate and plan a file against the register, keeping the planned rows, without writing
    anything: no batch, so nothing that the import pages could confirm. What a census campaign
    stages (``campaigns.services.import_into_submission``): its data reaches the register only
    through the campaign's approval."""
    _check_unit(by, unit)
    scan = _scan(
        unit=unit, data=data, file_name=file_name, as_of=as_of or today(), mapping_override=None, keep_rows=True,
        new_organizations=new_organizations,
    )  # fmt: skip
    return FilePlan(result=scan.result, plan=scan.plan, problems=scan.problems)


def replan(*, batch: ImportBatch) -> ImportOutcome:
    """Read the batch's kept file again and plan it against the register as it is now, keeping
    the planned rows; writes nothing. The same pass ``confirm_import`` makes, so the same plan it
    would apply — what a page shows after a stale confirm."""
    with batch.original.open("rb") as fh:
        data = fh.read()
    scan = _scan(
        unit=batch.unit,
        data=data,
        file_name=batch.file_name,
        as_of=batch.as_of,
        mapping_override=batch.mapping or None,
        keep_rows=True,
        new_organizations=batch.new_organizations,
    )
    return _outcome(batch, scan)


def confirm_import(
    *, by: User | None, batch: ImportBatch, mode: str | None = None, progress: Progress | None = None
) -> ImportOutcome:
    """Apply exactly what the preview showed, or refuse (and re-preview) if the register moved."""
    _check_unit(by, batch.unit)
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
    _check_unit(by, unit)
    if dry_run:
        return preview_import(
            by=by, unit=unit, data=data, file_name=file_name, as_of=as_of, mode=mode, keep_rows=False,
            new_organizations=new_organizations,
        )  # fmt: skip
    as_of = as_of or today()
    new_organizations = sorted(set(new_organizations))
    batch = _new_batch(
        by=by, unit=unit, data=data, file_name=file_name, as_of=as_of, mode=mode, mapping=None,
        new_organizations=new_organizations,
    )  # fmt: skip
    _log_kept_file(by, batch, AuditAction.CENSUS_UPLOAD, len(data))
    writer = _ChunkWriter(by=by, batch=batch, total=0, progress=progress)
    scans: list[_Scan] = []
    try:
        with transaction.atomic():
            scan = _scan(
                unit=unit, data=data, file_name=file_name, as_of=as_of, mapping_override=None, keep_rows=False,
                on_plan=writer.write, new_organizations=new_organizations,
            )  # fmt: skip
            scans.append(scan)
            _store_preview(batch, scan)
            outcome = _outcome(batch, scan)
            _refuse_on_errors(outcome)
            _finish(by=by, batch=batch, writer=writer)
    except ImportRefused:
        with transaction.atomic():  # the report survives the rollback of the data
            _store_preview(batch, scans[0])
        raise
    except Exception as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, failure_reason=str(exc)[:2000])
        raise
    return outcome


def _new_batch(
    *,
    by: User | None,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: dt.date,
    mode: str,
    mapping: Mapping[str, str | None] | None,
    new_organizations: Sequence[str] = (),
) -> ImportBatch:
    batch = ImportBatch(
        unit=unit,
        created_by=by,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        as_of=as_of,
        mode=mode,
        status=BatchStatus.PREVIEWED,
        mapping=dict(mapping or {}),
        new_organizations=list(new_organizations),
    )
    batch.original.save(file_name[-100:] or "census", ContentFile(data), save=False)
    batch.save()
    return batch


def _log_kept_file(by: User | None, batch: ImportBatch, action: str, size: int) -> None:
    """Audit a file the system keeps (the batch's original); a preview with what it found."""
    found = (
        {
            "rows": batch.rows_total,
            "new": batch.new_count,
            "changed": batch.changed_count,
            "unchanged": batch.unchanged_count,
            "rejected": batch.rejected_count,
            "errors": batch.error_count,
            "warnings": batch.warning_count,
        }
        if action == AuditAction.CENSUS_PREVIEW
        else {}
    )
    log_change(
        actor=by,
        action=action,
        obj=batch,
        changes={
            "file": batch.file_name,
            "bytes": size,
            "sha256": batch.file_sha256,
            "unit": batch.unit.code,
            "as_of": batch.as_of.isoformat(),
            "mapping": dict(batch.mapping or {}),
            **found,
        },
    )


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
    stored = _stored_outcome(batch)
    _refuse_on_errors(stored)
    override = batch.mapping or None
    total = batch.new_count + batch.changed_count
    writer = _ChunkWriter(by=by, batch=batch, total=total, progress=progress)
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != BatchStatus.PREVIEWED:
                raise ServiceError(_("该批次已处理,不能再次导入。"))
            scan = _scan(
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
            _store_preview(batch, stale.scan)
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
    def __init__(self, scan: _Scan) -> None:
        self.scan = scan


def _stored_outcome(batch: ImportBatch) -> ImportOutcome:
    """The preview as stored on the batch (problems from the database, counts from the batch)."""
    problems = [
        Problem(
            file=p.file,
            sheet=p.sheet or None,
            row=p.row,
            column=p.column or None,
            field=p.field or None,
            value=p.value or None,
            severity="error" if p.severity == "error" else "warning",
            code=p.code,
            message=p.message,
        )
        for p in batch.problems.all()
    ]
    result = CensusReadResult(
        sheet_name=batch.sheet_name or None,
        header_row=batch.header_row,
        mapping=(),
        # Only file-level problems (no row) matter on a stored preview: they refuse the import.
        problems=[p for p in problems if p.row is None],
    )
    plan = Plan(rows=[], problems=[], new_party_organizations={}, fingerprint_value=batch.preview_fingerprint)
    return ImportOutcome(batch=batch, result=result, plan=plan, problems=problems)


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
        for chunk in _chunks(new_rows):
            self._write_new(chunk)
        for chunk in _chunks(changed_rows):
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
        batch_size=_WRITE_CHUNK,
    )


# --- Revert -----------------------------------------------------------------------------------


REVERT_WINDOW_DAYS = 7


def may_revert(*, by: User, batch: ImportBatch) -> bool:
    if batch.status != BatchStatus.APPLIED or not by.can(Permission.EDIT_ORGANIZATIONS):
        return False
    if by.scope_kind is ScopeKind.COUNTY:
        return True
    applied = batch.applied_at or batch.created_at
    return (
        by.scope_kind is ScopeKind.TOWNSHIP
        and by.township_id == batch.unit_id
        and timezone.now() - applied <= dt.timedelta(days=REVERT_WINDOW_DAYS)
    )


def revert_batch(*, by: User | None, batch: ImportBatch) -> ImportBatch:
    """Restore the values before the batch, as long as nothing after it touched the same rows."""
    if by is not None and not may_revert(by=by, batch=batch):
        raise ServiceError(_("只有县级管理员,或本单位在导入后7天内,可以撤销已导入的批次。"))
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != BatchStatus.APPLIED:
            raise ServiceError(_("只能撤销已导入的批次。"))
        changes = list(batch.changes.select_related("organization"))
        _refuse_if_touched_later(batch, changes)
        org_ids = [c.organization_id for c in changes]
        PartyOrganizationCoverage.objects.filter(pk__in=batch.created_coverages).delete()
        InstructorAssignment.objects.filter(import_batch=batch).delete()
        for chunk in _chunks(org_ids):
            InstructorAssignment.objects.filter(organization_id__in=chunk, valid_to=batch.as_of).update(valid_to=None)
        new_ids = [c.organization_id for c in changes if c.kind == ChangeKind.NEW]
        changed = [c for c in changes if c.kind == ChangeKind.CHANGED]
        for change in changed:
            org = change.organization
            for key, value in (change.before or {}).items():
                _restore_field(org, key, value)
            org.version = change.version_after + 1
            org.save()
            # The organization is again as the previous batch that touched it left it, so that
            # batch stays revertible: it now ends at this version.
            previous = (
                ImportChange.objects.filter(organization=org, batch__pk__lt=batch.pk, batch__status=BatchStatus.APPLIED)
                .order_by("-batch__pk")
                .first()
            )
            if previous is not None and previous.version_after == change.version_after - 1:
                previous.version_after = org.version
                previous.save(update_fields=["version_after"])
        reopen = [c.facts_closed_id for c in changed if c.facts_closed_id]
        OrganizationFacts.objects.filter(import_batch=batch).delete()
        for chunk in _chunks(reopen):
            OrganizationFacts.objects.filter(pk__in=chunk).update(valid_to=None)
        # The organizations operate again (their figures are back): so do the plans the batch closed.
        reopened = formation_services.reopen_plans(closed=batch.closed_plans, by=by)
        for chunk in _chunks(new_ids):
            Organization.objects.filter(pk__in=chunk).delete()
        PartyOrganization.objects.filter(pk__in=batch.created_party_organizations).delete()
        batch.status = BatchStatus.REVERTED
        batch.reverted_at = timezone.now()
        batch.reverted_by = by
        batch.save()
        log_change(
            actor=by,
            action=AuditAction.REVERT,
            obj=batch,
            changes={"deleted_new": len(new_ids), "restored": len(changed), "plans_reopened": reopened},
        )
    return batch


def _refuse_if_touched_later(batch: ImportBatch, changes: list[ImportChange]) -> None:
    org_ids = [c.organization_id for c in changes]
    later: set[int] = set()
    for chunk in _chunks(org_ids):
        later.update(
            ImportChange.objects.filter(
                organization_id__in=chunk, batch__pk__gt=batch.pk, batch__status=BatchStatus.APPLIED
            ).values_list("batch_id", flat=True)
        )
    if later:
        raise ServiceError(
            _("后来的导入批次(%(ids)s)修改了同一批组织,不能撤销本批次。请先撤销后来的批次。")
            % {"ids": "、".join(f"#{i}" for i in sorted(later))}
        )
    edited = [c.organization.name for c in changes if c.organization.version != c.version_after][:5]
    if edited:
        raise ServiceError(_("导入后这些组织又被修改过:%(names)s 等,不能整批撤销。") % {"names": "、".join(edited)})
    # Whatever wrote the figures after the batch (a service, a script), it closed the interval the
    # batch opened: restoring the one before would leave two open intervals.
    refigured = list(
        OrganizationFacts.objects.filter(import_batch=batch, valid_to__isnull=False)
        .order_by("organization__name")
        .values_list("organization__name", flat=True)[:5]
    )
    if refigured:
        raise ServiceError(
            _("导入后这些组织又记录了新的普查数据:%(names)s 等,不能整批撤销。") % {"names": "、".join(refigured)}
        )
    new_ids = [c.organization_id for c in changes if c.kind == ChangeKind.NEW]
    for chunk in _chunks(new_ids):
        if (
            Employment.objects.filter(organization_id__in=chunk).exists()
            or PartyOrganizationCoverage.objects.filter(organization_id__in=chunk)
            .exclude(pk__in=batch.created_coverages)
            .exists()
            or OrganizationFacts.objects.filter(organization_id__in=chunk).exclude(import_batch=batch).exists()
        ):
            raise ServiceError(_("本批次新增的组织后来已登记党员、党组织或新的普查数据,不能整批撤销。"))
    if PartyRelation.objects.filter(party_organization_id__in=batch.created_party_organizations).exists():
        raise ServiceError(_("本批次新建的党组织已有党员转入组织关系,不能整批撤销。"))


def _restore_field(org: Organization, key: str, value: Any) -> None:
    if key in FACT_FIELDS or key in ("party_organization", "instructor"):
        return  # facts come back by reopening the closed interval; links are deleted above
    if key in ("township", "village"):
        setattr(
            org, f"{key}_id", AdministrativeUnit.objects.get(code=value, valid_to__isnull=True).pk if value else None
        )
        return
    if key == "department":
        org.department_id = Department.objects.get(code=value).pk if value else None
        return
    if key == "name":
        org.name = value
        org.name_normalized = normalize_name(value)
        org.name_initials, org.name_pinyin = pinyin_keys(value)
        return
    setattr(org, key, value)


__all__ = [
    "FilePlan",
    "ImportOutcome",
    "ImportRefused",
    "StalePreview",
    "check_file",
    "confirm_import",
    "import_file",
    "may_revert",
    "plan_file",
    "preview_import",
    "replan",
    "revert_batch",
]
