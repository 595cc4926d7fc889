"""Write: apply a plan to the register in one transaction — the browser's confirm of a preview,
and the command line's import.

Two steps (``staging``). First the file is read, validated and planned, and what it will write is
staged in temporary tables, while the register is only read: no write lock is held, and the
clerks' pages go on working. Then one transaction checks that nothing the plan read has moved
since, and writes the staged rows with a fixed number of statements — the only time the import
holds the database's write lock (``ImportOutcome.write_seconds``). When something did move, the
file is planned again (a confirm whose plan then differs from the preview re-previews instead).

All or nothing: the write is one transaction, and staging writes only temporary tables and
reserves keys, so an error, a refusal, a crash or a killed worker leaves the register as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core import busy
from liangxin.core.dates import today
from liangxin.core.errors import ConflictError, ServiceError
from liangxin.formation import services as formation_services
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import Organization

from ..models import BatchStatus, ImportBatch, ImportMode
from ..planning import Plan
from ..selectors import ChunkRead
from .preview import log_kept_file, new_batch, outcome_of, preview_import, store_preview, stored_outcome
from .scan import ImportOutcome, Progress, Scan, check_unit, scan_file
from .staging import Stager

log = logging.getLogger(__name__)

# How long an import run by the worker or on the command line waits for the write lock (another
# import writing): nobody is waiting for a page, so it waits rather than fails.
BACKGROUND_LOCK_WAIT_SECONDS = 600.0
# Plans made again because the register moved between reading the file and writing it, before
# the import gives up and asks to be tried later.
_ATTEMPTS = 3


class StalePreview(ConflictError):
    """The register changed between preview and confirm; the batch now holds a new preview."""


class RegisterBusy(ConflictError):
    """The register kept changing while the file was read; nothing was written."""


def confirm_import(
    *,
    by: User | None,
    batch: ImportBatch,
    mode: str | None = None,
    progress: Progress | None = None,
    lock_wait: float = 0,
) -> ImportOutcome:
    """Apply exactly what the preview showed, or refuse (and re-preview) if the register moved.
    ``lock_wait``: seconds the write may wait for the database's write lock (the worker waits;
    a page does not, and answers "正在导入,请稍后再试")."""
    check_unit(by, batch.unit)
    if batch.status != BatchStatus.PREVIEWED:
        raise ServiceError(_("该批次已处理(%(status)s),不能再次导入。") % {"status": batch.get_status_display()})
    if mode:
        batch.mode = mode
    with batch.original.open("rb") as fh:
        data = fh.read()
    stored = stored_outcome(batch)
    _refuse_on_errors(stored)
    try:
        seconds = _write(
            by=by, batch=batch, data=data, progress=progress, total=batch.new_count + batch.changed_count,
            expect=batch.preview_fingerprint, lock_wait=lock_wait,
        )  # fmt: skip
    except _Stale as stale:
        # Nothing was written; the batch now shows what an import would do today.
        with transaction.atomic():
            store_preview(batch, stale.scan)
        raise StalePreview(
            _("预览之后登记册中的数据已有变化,导入结果会与预览不同。已重新生成预览,请核对后再确认。")
        ) from None
    except ServiceError:
        raise  # refused before anything was written; the preview stands
    except Exception as exc:
        if busy.is_lock_timeout(exc):
            raise  # the preview stands: confirm it again later
        ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREVIEWED).update(
            status=BatchStatus.FAILED, failure_reason=str(exc)[:2000]
        )
        raise
    return ImportOutcome(
        batch=batch, result=stored.result, plan=stored.plan, problems=stored.problems, write_seconds=seconds
    )


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
    lock_wait: float = 0,
) -> ImportOutcome:
    """The command line (and a campaign's approval): read, validate and plan the file, then write
    it. If the file has errors (all-or-nothing) nothing is written; the batch keeps the report."""
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
    scans: list[Scan] = []

    def report(scan: Scan) -> None:
        """The file is planned: keep its report on the batch, and refuse a file with errors."""
        scans.append(scan)
        with transaction.atomic():
            store_preview(batch, scan)
        _refuse_on_errors(outcome_of(batch, scan))

    try:
        seconds = _write(
            by=by, batch=batch, data=data, progress=progress, total=0, expect=None, lock_wait=lock_wait,
            on_planned=report,
        )  # fmt: skip
    except ImportRefused:
        raise
    except Exception as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, failure_reason=str(exc)[:2000])
        raise
    outcome = outcome_of(batch, scans[-1])
    outcome.write_seconds = seconds
    return outcome


class _Stale(Exception):
    def __init__(self, scan: Scan) -> None:
        self.scan = scan


class _Moved(Exception):
    """Something the plan read changed before the write took the lock."""


def _write(
    *,
    by: User | None,
    batch: ImportBatch,
    data: bytes,
    progress: Progress | None,
    total: int,
    expect: str | None,
    lock_wait: float,
    on_planned: Callable[[Scan], None] | None = None,
) -> float:
    """Stage the file, then write it under the lock; plan again when the register moved in
    between. ``expect``: the preview's fingerprint the plan must have. The seconds the write held
    the lock."""
    for _attempt in range(_ATTEMPTS):
        with Stager(by=by, batch=batch) as stager:
            staged = 0

            def stage(plan: Plan, read: ChunkRead) -> None:
                nonlocal staged
                staged += stager.add(plan, read)
                if progress is not None:
                    progress(staged, total)

            scan = scan_file(
                unit=batch.unit, data=data, file_name=batch.file_name, as_of=batch.as_of,
                mapping_override=batch.mapping or None, keep_rows=False, on_plan=stage,
                new_organizations=batch.new_organizations,
            )  # fmt: skip
            if expect is not None and scan.fingerprint != expect:
                raise _Stale(scan)
            if on_planned is not None:
                on_planned(scan)
            stager.ready()
            try:
                with busy.patient(lock_wait), transaction.atomic():
                    started = time.perf_counter()  # the lock is held from here (BEGIN IMMEDIATE on SQLite)
                    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
                    if locked.status != BatchStatus.PREVIEWED:
                        raise ServiceError(_("该批次已处理,不能再次导入。"))
                    if stager.moved():
                        raise _Moved
                    stager.write()
                    _finish(by=by, batch=batch, stager=stager)
                seconds = time.perf_counter() - started
            except _Moved:
                continue
            log.info("census import batch %s: %s rows written in %.2f s", batch.pk, staged, seconds)
            return seconds
    raise RegisterBusy(_("导入期间登记册中的这些组织一直在被修改,没有导入任何数据。请稍后再确认导入。"))


def _finish(*, by: User | None, batch: ImportBatch, stager: Stager) -> None:
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
            "changes_digest": stager.digest.hexdigest(),
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
