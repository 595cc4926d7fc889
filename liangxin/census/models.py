"""Import batches: what a spreadsheet did to the register, kept so it can be shown and undone.

A batch is created by the dry run (status ``previewed``) with its problems and the
fingerprint of the register state it was computed against; confirming applies exactly that
preview. Each organization the batch created or changed has an ``ImportChange`` row holding
the values before and after, which is what revert restores.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    PREVIEWED = "previewed", _("已预览")
    RUNNING = "running", _("导入中")
    APPLIED = "applied", _("已导入")
    FAILED = "failed", _("失败")
    REVERTED = "reverted", _("已撤销")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("全部导入或全部不导入")
    ACCEPT_VALID = "accept_valid", _("导入有效行,其余列为退回清单")


class ImportBatch(models.Model):
    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="import_batches",
        verbose_name=_("填报单位"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    original = models.FileField(_("原始文件"), upload_to="imports/%Y/%m/", max_length=255)
    sheet_name = models.CharField(_("工作表"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("表头行"), null=True, blank=True)
    mapping = models.JSONField(_("列对应"), default=dict, blank=True)
    # USCCs of rows the clerk said are new organizations although their name matches one with
    # another code: never matched by name (census.planning). Part of the preview, like the mapping.
    new_organizations = models.JSONField(_("确认为新组织的代码"), default=list, blank=True)
    as_of = models.DateField(_("数据日期"))
    mode = models.CharField(_("导入方式"), max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    status = models.CharField(_("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.PREVIEWED)
    rows_total = models.PositiveIntegerField(_("数据行"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    changed_count = models.PositiveIntegerField(_("变更"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    rejected_count = models.PositiveIntegerField(_("退回"), default=0)
    error_count = models.PositiveIntegerField(_("错误"), default=0)
    warning_count = models.PositiveIntegerField(_("警告"), default=0)
    # Hash of the register rows the preview read (ids and versions); a different hash at
    # confirm time means somebody changed them in between and the preview is stale.
    preview_fingerprint = models.CharField(max_length=64, blank=True)
    progress_done = models.PositiveIntegerField(_("已处理行"), default=0)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    reverted_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    failure_reason = models.TextField(_("失败原因"), blank=True)
    # Party organizations and coverage links the batch created (revert removes them).
    created_party_organizations = models.JSONField(default=list, blank=True)
    created_coverages = models.JSONField(default=list, blank=True)
    # Formation plans the batch closed because it deregistered their organization, as
    # [[plan id, status before], ...]: revert reopens them.
    closed_plans = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BatchStatus.values), name="census_batch_status_valid"),
            models.CheckConstraint(
                condition=Q(status=BatchStatus.APPLIED, applied_at__isnull=False) | ~Q(status=BatchStatus.APPLIED),
                name="census_batch_applied_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("census:batch_detail", args=[self.pk])


class ImportProblem(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="problems")
    file = models.CharField(max_length=255)
    sheet = models.CharField(max_length=100, blank=True)
    row = models.PositiveIntegerField(null=True, blank=True)
    column = models.CharField(max_length=100, blank=True)
    field = models.CharField(max_length=64, blank=True)
    value = models.TextField(blank=True)
    severity = models.CharField(max_length=8)
    code = models.CharField(max_length=48, db_index=True)
    message = models.TextField()
    # The organization's name as written on the problem's row ("" for a problem of the file, the
    # sheet or the header): the problem list names each row's organization.
    name = models.CharField(_("组织名称"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("导入问题")
        verbose_name_plural = _("导入问题")
        ordering = ["batch", "row", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__in=["error", "warning"]), name="census_problem_severity"),
        ]

    def __str__(self) -> str:
        return f"{self.row}:{self.column} {self.code}"


class ChangeKind(models.TextChoices):
    NEW = "new", _("新增")
    CHANGED = "changed", _("变更")


class ImportChange(models.Model):
    # batch: served by census_change_once_per_batch (batch, organization).
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes", db_index=False)
    organization = models.ForeignKey("registry.Organization", on_delete=models.CASCADE, related_name="import_changes")
    kind = models.CharField(max_length=8, choices=ChangeKind.choices)
    row = models.PositiveIntegerField(null=True, blank=True)
    # Organization fields and census facts before and after, as {field: value}.
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(default=dict)
    facts_closed = models.ForeignKey(
        "registry.OrganizationFacts",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index below: NULL on every new organization's row
    )
    version_after = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("导入变更")
        verbose_name_plural = _("导入变更")
        ordering = ["batch", "row", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "organization"], name="census_change_once_per_batch"),
            models.CheckConstraint(condition=Q(kind__in=ChangeKind.values), name="census_change_kind_valid"),
        ]
        indexes = [
            models.Index(
                fields=["facts_closed"], condition=Q(facts_closed__isnull=False), name="census_change_facts_closed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.organization_id} {self.kind}"


# --- Web import: remembered column mappings, background jobs, preview details ---------


class ColumnMapping(models.Model):
    """A unit's own choice of template column for a header it writes, remembered for its next file.

    Keyed by the normalised header text (``tabular.columns.header_key``), so "单位 全称" and
    "单位全称" are one header. ``key`` is a template column key, or "" for "do not import"."""

    unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("填报单位")
    )
    header_key = models.CharField(_("表头(规范化)"), max_length=100)
    written = models.CharField(_("表头(原文)"), max_length=100)
    key = models.CharField(_("对应模板列"), max_length=48, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("列对应")
        verbose_name_plural = _("列对应")
        ordering = ["unit", "header_key"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "header_key"], name="census_column_mapping_once"),
        ]

    def __str__(self) -> str:
        return f"{self.written} → {self.key or '-'}"


class JobKind(models.TextChoices):
    PREVIEW = "preview", _("校验预览")
    CONFIRM = "confirm", _("确认导入")
    # A registration list compared with the register (``reconcile.services.run_batch``).
    COMPARE = "compare", _("登记比对")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """A preview or confirm of a large file, run by ``manage.py run_import_worker``.

    A preview job keeps the uploaded file until the preview (a batch) exists; a confirm job
    names the previewed batch. Progress is kept here, also during the write transaction, whose
    own writes nobody sees until it commits: the worker writes it through a second connection
    (on SQLite, whose one writer is the import then, in a file beside the database; see
    ``census.jobs``)."""

    kind = models.CharField(_("任务"), max_length=8, choices=JobKind.choices)
    status = models.CharField(_("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("填报单位")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    upload = models.FileField(_("上传文件"), upload_to="import-jobs/%Y/%m/", max_length=255, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    as_of = models.DateField(_("数据日期"), null=True, blank=True)
    mapping_override = models.JSONField(default=dict, blank=True)
    new_organizations = models.JSONField(default=list, blank=True)  # as ImportBatch.new_organizations
    mode = models.CharField(_("导入方式"), max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs", verbose_name=_("批次")
    )
    # A re-preview with a corrected column mapping replaces this preview when it succeeds.
    replaces = models.ForeignKey(ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rows_estimate = models.PositiveIntegerField(_("约行数"), default=0)
    phase = models.CharField(_("阶段"), max_length=32, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # applied / refused / stale / previewed: what the job came to, with the message shown.
    outcome = models.CharField(max_length=16, blank=True)
    message = models.TextField(_("结果"), blank=True)
    worker = models.CharField(max_length=100, blank=True)
    # The request that queued the job: the worker's audit records carry its address and id.
    remote_addr = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=32, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "id"], name="census_job_queue")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="census_job_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=JobKind.values), name="census_job_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("census:job_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)


class WorkerHeartbeat(models.Model):
    """A running import worker, touched every few seconds from a thread of its own
    (``census.jobs.Heartbeat``), also while a job's write transaction is open: /healthz says the
    worker is down when no row is fresh. A worker stopped cleanly deletes its row."""

    worker = models.CharField(_("后台服务"), max_length=100, unique=True)  # host:pid
    started_at = models.DateTimeField(_("启动时间"))
    beat_at = models.DateTimeField(_("最近心跳"), db_index=True)

    class Meta:
        verbose_name = _("导入服务心跳")
        verbose_name_plural = _("导入服务心跳")

    def __str__(self) -> str:
        return f"{self.worker} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class BatchLayout(models.Model):
    """How the previewed file was read: each header cell and its template column, and the rows
    that were not records (title, 合计 …), for the preview page."""

    batch = models.OneToOneField(ImportBatch, on_delete=models.CASCADE, related_name="layout")
    # [[letter, header as written, template key or null], ...] left to right
    columns = models.JSONField(default=list, blank=True)
    # [[Excel row, why it is not a record], ...]
    skipped = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("文件结构")
        verbose_name_plural = _("文件结构")

    def __str__(self) -> str:
        return f"{self.batch_id}: {len(self.columns)}"


class PreviewChange(models.Model):
    """One organization the previewed file would create or change, field by field (old → new),
    as the plan of the preview computed it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="preview_changes")
    row = models.PositiveIntegerField(_("行号"))
    kind = models.CharField(max_length=8, choices=ChangeKind.choices)
    name = models.CharField(_("组织名称"), max_length=200)
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # {field key: [old, new]} in JSON terms
    changes = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("预览变更")
        verbose_name_plural = _("预览变更")
        ordering = ["batch", "row", "pk"]
        indexes = [models.Index(fields=["batch", "kind", "row"], name="census_preview_change_kind")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row} {self.kind}"
