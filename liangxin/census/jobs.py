"""Background import jobs: a small runner that lives in the database (no Redis, no broker).

Files of more than ``IMPORT_SYNC_MAX_ROWS`` rows (environment ``LIANGXIN_IMPORT_SYNC_MAX_ROWS``,
default 3000) are previewed and confirmed by ``python manage.py run_import_worker`` instead of in
the web request. The page polls the job (``census:job_detail``) every two seconds.

- Claiming: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED``, so several workers never take the
  same job; on SQLite (one writer at a time anyway) a conditional ``UPDATE … WHERE status='queued'``.
- Progress: phases and counts are saved on the job row, where every web server reads them. The
  write phase is one transaction whose writes nobody sees until it commits, so the rows written
  so far go to the job row through a second database connection of the worker's, committed at
  once (``_DatabaseProgress``). On SQLite the import holds the database's only write lock then,
  so they go to a small file under ``VAR_DIR/import-progress/`` instead — SQLite is one
  machine's database, so the web process reading it is on that machine (``_FileProgress``).
- Heartbeat: a running worker touches its ``WorkerHeartbeat`` row every few seconds from a thread
  with its own connection (``Heartbeat``), also during a write; /healthz reads it.
- Failure: the write is one transaction, so a job killed midway leaves the register as it was.
  A job that raises is marked failed with the reason (and so is its batch, by the service); a
  job whose worker died (``kill -9``, power cut) is found by the next worker to start — at once
  when the dead worker was on the same host, else after ``IMPORT_JOB_STALE_MINUTES`` (default 60).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import socket
import threading
import zipfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, close_old_connections, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.audit import context as audit_context
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core.errors import ServiceError
from liangxin.geo.models import AdministrativeUnit

from . import previews, selectors, services
from .models import BatchStatus, ImportBatch, ImportJob, JobKind, JobStatus, WorkerHeartbeat
from .tabular import read_workbook

log = logging.getLogger(__name__)


# --- Settings ----------------------------------------------------------------------------------


def sync_max_rows() -> int:
    """Files with more data rows than this are previewed and imported in the background."""
    value = getattr(settings, "IMPORT_SYNC_MAX_ROWS", None)
    if value is None:
        value = os.environ.get("LIANGXIN_IMPORT_SYNC_MAX_ROWS", "3000")
    return int(value)


def stale_minutes() -> int:
    value = getattr(settings, "IMPORT_JOB_STALE_MINUTES", None)
    if value is None:
        value = os.environ.get("LIANGXIN_IMPORT_JOB_STALE_MINUTES", "60")
    return int(value)


def _progress_dir() -> Path:
    base = getattr(settings, "VAR_DIR", None) or Path(settings.BASE_DIR) / "var"
    return Path(base) / "import-progress"


# --- Size of a file ----------------------------------------------------------------------------

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def estimate_rows(data: bytes, file_name: str) -> int:
    """Roughly how many rows the file has, cheaply: decides between the request and a job."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
                best = 0
                for name in sheets:
                    with archive.open(name) as stream:
                        head = stream.read(4096)
                    found = _DIMENSION.search(head)
                    if found is None:
                        break
                    best = max(best, int(found.group(1) or 1))
                else:
                    if sheets:
                        return best
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
            return 0
    elif not data.startswith(b"\xd0\xcf\x11\xe0"):
        return data.count(b"\n") + 1  # text: one line a row
    try:
        return max((len(sheet.rows) for sheet in read_workbook(data, file_name)), default=0)
    except Exception:  # unreadable (ReadError or worse): the preview will say why, quickly
        return 0


def needs_background(rows: int) -> bool:
    return rows > sync_max_rows()


# --- Scope -------------------------------------------------------------------------------------


def jobs_for(*, user: User) -> QuerySet[ImportJob]:
    """Jobs whose batches the user may see (``selectors.batches_for``): a clerk his township's."""
    qs = ImportJob.objects.select_related("unit", "batch", "created_by")
    if user.scope_kind is ScopeKind.COUNTY:  # as selectors.batches_for: the county sees them all
        return qs
    if not user.can(Permission.EDIT_ORGANIZATIONS):
        return qs.none()
    if user.scope_kind is ScopeKind.TOWNSHIP:
        return qs.filter(unit_id=user.township_id)
    return qs.none()


def active_job_for(batch: ImportBatch) -> ImportJob | None:
    return batch.jobs.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).order_by("-pk").first()


# --- Enqueueing --------------------------------------------------------------------------------


def _check_may_import(by: User, unit: AdministrativeUnit) -> None:
    """Refuse in the request, not later in the worker (the service checks again there)."""
    if not selectors.importable_units(user=by).filter(pk=unit.pk).exists():
        raise ServiceError(_("只能导入本单位的摸底数据。"))


def _request() -> dict[str, Any]:
    """The audit context of the request queueing a job, kept on the job for the worker."""
    bound = audit_context.current()
    return {"remote_addr": bound.remote_addr, "request_id": bound.request_id} if bound else {}


def enqueue_preview(
    *,
    by: User,
    unit: AdministrativeUnit,
    data: bytes,
    file_name: str,
    as_of: Any,
    mapping_override: dict[str, str | None] | None,
    rows_estimate: int,
    replaces: ImportBatch | None = None,
    new_organizations: Sequence[str] = (),
) -> ImportJob:
    _check_may_import(by, unit)
    job = ImportJob(
        kind=JobKind.PREVIEW,
        unit=unit,
        created_by=by,
        file_name=file_name[:255],
        as_of=as_of,
        mapping_override=mapping_override or {},
        new_organizations=list(new_organizations),
        rows_estimate=rows_estimate,
        progress_total=rows_estimate,
        replaces=replaces,
        phase="queued",
        **_request(),
    )
    job.upload.save(file_name[-100:] or "census", ContentFile(data), save=False)
    with transaction.atomic():
        job.save()
        log_change(
            actor=by,
            action=AuditAction.CENSUS_UPLOAD,
            obj=job,
            changes={
                "file": job.file_name,
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "unit": unit.code,
                "rows": rows_estimate,
            },
        )
    return job


def enqueue_confirm(*, by: User, batch: ImportBatch, mode: str) -> ImportJob:
    _check_may_import(by, batch.unit)
    existing = active_job_for(batch)
    if existing is not None:
        return existing
    return ImportJob.objects.create(
        kind=JobKind.CONFIRM,
        unit=batch.unit,
        created_by=by,
        file_name=batch.file_name,
        as_of=batch.as_of,
        mode=mode,
        batch=batch,
        rows_estimate=batch.rows_total,
        progress_total=batch.new_count + batch.changed_count,
        phase="queued",
        **_request(),
    )


def enqueue_compare(*, by: User, unit: AdministrativeUnit, file_name: str, entries: int) -> ImportJob:
    """A job comparing a registration list with the register (``reconcile.services.start_batch``
    creates it beside its batch, in its transaction, and has checked the user may)."""
    return ImportJob.objects.create(
        kind=JobKind.COMPARE,
        unit=unit,
        created_by=by,
        file_name=file_name[:255],
        rows_estimate=entries,
        progress_total=entries,
        phase="queued",
        **_request(),
    )


# --- Progress ----------------------------------------------------------------------------------


def _progress_file(job_id: int) -> Path:
    return _progress_dir() / f"job-{job_id}.json"


def _drop_progress_file(job_id: int) -> None:
    with contextlib.suppress(OSError):
        _progress_file(job_id).unlink(missing_ok=True)


class _DatabaseProgress:
    """The progress of a job in its write transaction, written to the job row through a second
    connection (autocommit), so every web server sees it at once. The import's transaction never
    writes the job row, so the two never wait for each other."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._side: BaseDatabaseWrapper | None = None

    def write(self, phase: str, done: int, total: int) -> None:
        if self._side is None:
            own = connections[DEFAULT_DB_ALIAS]
            self._side = type(own)(dict(own.settings_dict), alias="census_job_progress")
        table = connection.ops.quote_name(ImportJob._meta.db_table)
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET phase = %s, progress_done = %s, progress_total = %s WHERE id = %s",  # noqa: S608
                [phase, done, total, self.job_id],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


class _FileProgress:
    """SQLite: the import holds the only write lock, so the progress goes to a file beside the
    database (SQLite is one machine's, so is every process that reads it)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    def write(self, phase: str, done: int, total: int) -> None:
        path = _progress_file(self.job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"phase": phase, "done": done, "total": total}))
        os.replace(tmp, path)

    def close(self) -> None:
        _drop_progress_file(self.job_id)


def _progress_sink(job_id: int) -> _DatabaseProgress | _FileProgress:
    return _FileProgress(job_id) if connection.vendor == "sqlite" else _DatabaseProgress(job_id)


def _report_progress(sink: _DatabaseProgress | _FileProgress, phase: str, done: int, total: int) -> None:
    try:
        sink.write(phase, done, total)
    except (OSError, DatabaseError):  # progress is a convenience: never fail an import over it
        log.warning("cannot report the progress of import job %s", sink.job_id, exc_info=True)


def progress_of(job: ImportJob) -> tuple[str, int, int]:
    """(phase, done, total) as far as anyone can see now: the job row (on SQLite, while the
    write transaction is open, the worker's file)."""
    phase, done, total = job.phase, job.progress_done, job.progress_total
    if job.status == JobStatus.RUNNING and connection.vendor == "sqlite":
        try:
            found = json.loads(_progress_file(job.pk).read_text())
            phase, done, total = str(found["phase"]), int(found["done"]), int(found["total"]) or total
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return phase, done, total


def _set(job: ImportJob, **fields: Any) -> None:
    """Save fields of the job at once (outside any transaction, so the page sees them)."""
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


# --- Running -----------------------------------------------------------------------------------


class WorkerStopped(BaseException):
    """Raised in the worker by SIGTERM: the job in hand is rolled back and marked failed."""


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def beat(worker: str, *, now: Any = None) -> None:
    """Record that ``worker`` is alive now."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker=worker, defaults={"beat_at": now}, create_defaults={"worker": worker, "started_at": now, "beat_at": now}
    )


def latest_heartbeat() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").first()


class Heartbeat:
    """``with Heartbeat(worker):`` beats at once, then every ``IMPORT_WORKER_HEARTBEAT_SECONDS``
    from a thread — Django gives a thread its own connection, so the beat is committed while the
    worker's import transaction is open (on SQLite it waits for that transaction: one writer).
    Leaving the block deletes the worker's row: a worker stopped on purpose is not a dead one."""

    def __init__(self, worker: str, *, interval: float | None = None) -> None:
        self.worker = worker
        self.interval = float(interval if interval is not None else settings.IMPORT_WORKER_HEARTBEAT_SECONDS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat {worker}", daemon=True)

    def __enter__(self) -> Heartbeat:
        beat(self.worker)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 30)
        with contextlib.suppress(DatabaseError):
            WorkerHeartbeat.objects.filter(worker=self.worker).delete()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                close_old_connections()  # a database restarted meanwhile
                try:
                    beat(self.worker)
                except DatabaseError:
                    log.warning("import worker %s: cannot record its heartbeat", self.worker, exc_info=True)
        finally:
            connection.close()  # this thread's own


def claim_next(worker: str | None = None) -> ImportJob | None:
    """Take the oldest queued job, or None. Safe with several workers."""
    worker = worker or worker_id()
    now = timezone.now()
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update(skip_locked=True)
                .filter(status=JobStatus.QUEUED)
                .order_by("pk")
                .first()
            )
            if job is None:
                return None
            _set(job, status=JobStatus.RUNNING, worker=worker, started_at=now, phase="starting")
            return job
    for pk in ImportJob.objects.filter(status=JobStatus.QUEUED).order_by("pk").values_list("pk", flat=True)[:5]:
        claimed = ImportJob.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, worker=worker, started_at=now, phase="starting"
        )
        if claimed:
            return ImportJob.objects.get(pk=pk)
    return None


def run_now(job: ImportJob, worker: str | None = None) -> ImportJob:
    """Claim one queued job and run it in this process (the command line, which waits for its own job
    rather than leaving it to the worker). Refused when a worker has taken it already."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, worker=worker or worker_id(), started_at=timezone.now(), phase="starting"
    )
    if not claimed:
        raise ServiceError(_("该任务已由导入服务处理。"))
    job = ImportJob.objects.get(pk=job.pk)
    run_job(job)
    job.refresh_from_db()
    return job


def run_next(worker: str | None = None) -> ImportJob | None:
    """Claim and run one job; None when the queue is empty."""
    job = claim_next(worker)
    if job is not None:
        run_job(job)
    return job


def run_job(job: ImportJob) -> None:
    """Run a claimed job to its end: done (with its outcome) or failed (with the reason)."""
    with audit_context.bound(remote_addr=job.remote_addr, request_id=job.request_id or None):
        _run_job(job)


def _run_job(job: ImportJob) -> None:
    sink = _progress_sink(job.pk)
    try:
        if job.kind == JobKind.PREVIEW:
            _run_preview(job)
        elif job.kind == JobKind.COMPARE:
            _run_compare(job, sink)
        else:
            _run_confirm(job, sink)
    except services.ImportRefused as exc:
        _finish(job, outcome="refused", message=exc.message)
    except services.StalePreview as exc:
        assert job.batch is not None
        previews.refresh_preview_details(job.batch)
        _finish(job, outcome="stale", message=exc.message)
    except ServiceError as exc:
        _fail(job, exc.message, mark_batch=False)  # refused before anything was attempted
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        _fail(job, _("导入出错,没有写入任何数据:%(error)s") % {"error": exc})
    except BaseException:
        # Ctrl-C or SIGTERM (WorkerStopped) mid-job: the transaction has rolled back.
        _fail(job, _("导入任务被中止(导入服务停止),没有写入任何数据。请重新提交。"))
        raise
    finally:
        sink.close()


def _run_preview(job: ImportJob) -> None:
    _set(job, phase="reading")
    with job.upload.open("rb") as fh:
        data = fh.read()
    outcome = services.preview_import(
        by=job.created_by,
        unit=job.unit,
        data=data,
        file_name=job.file_name,
        as_of=job.as_of,
        mapping_override=job.mapping_override or None,
        new_organizations=job.new_organizations,
    )
    _set(job, phase="storing", batch=outcome.batch, progress_done=outcome.batch.rows_total)
    previews.store_preview_details(outcome.batch, outcome.result, outcome.plan)
    replaced = job.replaces
    if replaced is not None and replaced.status == BatchStatus.PREVIEWED:
        discard_preview(replaced)
    job.upload.delete(save=False)
    _finish(job, outcome="previewed", message=_("校验完成,请查看预览后确认导入。"), upload="")


def _run_confirm(job: ImportJob, sink: _DatabaseProgress | _FileProgress) -> None:
    batch = job.batch
    assert batch is not None
    total = batch.new_count + batch.changed_count
    _set(job, phase="checking", progress_total=total)

    def progress(done: int, total_now: int) -> None:
        # Called inside the write transaction, whose own writes nobody sees before it commits.
        _report_progress(sink, "writing", done, total_now)

    outcome = services.confirm_import(
        by=job.created_by,
        batch=batch,
        mode=job.mode,
        progress=progress,
        lock_wait=services.BACKGROUND_LOCK_WAIT_SECONDS,
    )
    counts = outcome.counts()
    _set(job, progress_done=total)
    _finish(
        job,
        outcome="applied",
        message=_("已导入:新增 %(new)s 个,变更 %(changed)s 个,无变化 %(unchanged)s 个,退回 %(rejected)s 行。") % counts,
    )


def _run_compare(job: ImportJob, sink: _DatabaseProgress | _FileProgress) -> None:
    """A registration list compared with the register: the reconcile app's run, in this worker.
    Imported here, not at the top: reconcile builds on the census (its reader, this worker), the
    census knows nothing else of it."""
    from liangxin.reconcile import services as reconcile_services

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "storing":  # inside the run's one transaction, which nobody sees yet
            _report_progress(sink, phase, done, total)
        else:
            _set(job, phase=phase, progress_done=done, progress_total=total)

    message = reconcile_services.run_batch(job=job, progress=progress)
    _finish(job, outcome="compared", message=message)


def _finish(job: ImportJob, *, outcome: str, message: str, **extra: Any) -> None:
    _set(job, status=JobStatus.DONE, outcome=outcome, message=message, finished_at=timezone.now(), phase="", **extra)


def _fail(job: ImportJob, reason: str, *, mark_batch: bool = True) -> None:
    _set(job, status=JobStatus.FAILED, message=reason[:2000], finished_at=timezone.now(), phase="")
    if job.kind == JobKind.PREVIEW and job.upload:
        job.upload.delete(save=False)  # the clerk's data is not kept for a preview that failed
        ImportJob.objects.filter(pk=job.pk).update(upload="")
    if mark_batch and job.kind == JobKind.CONFIRM and job.batch_id is not None:
        ImportBatch.objects.filter(pk=job.batch_id, status=BatchStatus.PREVIEWED).update(
            status=BatchStatus.FAILED, failure_reason=reason[:2000]
        )


def discard_preview(batch: ImportBatch) -> None:
    """Delete a preview that was never applied (a corrected re-preview replaces it)."""
    if batch.status != BatchStatus.PREVIEWED:
        return
    stored = batch.original.name
    deleted, _kinds = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREVIEWED).delete()
    if deleted and stored:
        batch.original.storage.delete(stored)


# --- Dead workers ------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_stale_jobs(now: Any = None) -> list[ImportJob]:
    """Mark failed the running jobs whose worker is gone: on this host, a worker whose process no
    longer exists; anywhere, a job running longer than ``IMPORT_JOB_STALE_MINUTES``."""
    now = now or timezone.now()
    host = socket.gethostname()
    cutoff = now - timedelta(minutes=stale_minutes())
    failed: list[ImportJob] = []
    for job in ImportJob.objects.filter(status=JobStatus.RUNNING):
        worker_host, _sep, pid = job.worker.rpartition(":")
        dead_here = worker_host == host and pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid))
        too_old = job.started_at is None or job.started_at < cutoff
        if dead_here or too_old:
            _fail(
                job,
                _("导入任务中断(导入服务在处理中被终止),没有写入任何数据。请重新提交。")
                if dead_here
                else _("导入任务超过 %(n)s 分钟没有完成,视为中断,没有写入任何数据。请重新提交。")
                % {"n": stale_minutes()},
            )
            _drop_progress_file(job.pk)
            failed.append(job)
    return failed


__all__ = [
    "Heartbeat",
    "beat",
    "claim_next",
    "enqueue_compare",
    "enqueue_confirm",
    "enqueue_preview",
    "estimate_rows",
    "jobs_for",
    "latest_heartbeat",
    "needs_background",
    "progress_of",
    "recover_stale_jobs",
    "run_job",
    "run_next",
    "run_now",
    "sync_max_rows",
]
