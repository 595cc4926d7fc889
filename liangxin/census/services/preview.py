"""Preview: validate and plan a file against the register without writing it (the batch, its
original file and its problems are kept); and the plans that write nothing at all."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction

from liangxin.accounts.models import User
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core import bulk
from liangxin.core.dates import today
from liangxin.geo.models import AdministrativeUnit

from ..models import BatchStatus, ImportBatch, ImportMode, ImportProblem
from ..planning import Plan
from ..tabular import CensusReadResult, Problem
from .scan import ImportOutcome, Scan, check_unit, scan_file


def store_preview(batch: ImportBatch, scan: Scan) -> None:
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


def outcome_of(batch: ImportBatch, scan: Scan) -> ImportOutcome:
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
    check_unit(by, unit)
    as_of = as_of or today()
    new_organizations = sorted(set(new_organizations))
    scan = scan_file(
        unit=unit, data=data, file_name=file_name, as_of=as_of, mapping_override=mapping_override, keep_rows=keep_rows,
        new_organizations=new_organizations,
    )  # fmt: skip
    with transaction.atomic():
        batch = new_batch(
            by=by, unit=unit, data=data, file_name=file_name, as_of=as_of, mode=mode, mapping=mapping_override,
            new_organizations=new_organizations,
        )  # fmt: skip
        store_preview(batch, scan)
        log_kept_file(by, batch, AuditAction.CENSUS_PREVIEW, len(data))
    return outcome_of(batch, scan)


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
    scan = scan_file(
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
    check_unit(by, unit)
    scan = scan_file(
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
    scan = scan_file(
        unit=batch.unit,
        data=data,
        file_name=batch.file_name,
        as_of=batch.as_of,
        mapping_override=batch.mapping or None,
        keep_rows=True,
        new_organizations=batch.new_organizations,
    )
    return outcome_of(batch, scan)


def new_batch(
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


def log_kept_file(by: User | None, batch: ImportBatch, action: str, size: int) -> None:
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


def stored_outcome(batch: ImportBatch) -> ImportOutcome:
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
