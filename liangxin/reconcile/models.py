"""A reconciliation run kept as a batch: the list file, who, when, the counts, and its result rows,
each decided by a person (docs/reconciliation.md).

The comparison runs in the census's background worker (an ``ImportJob`` of kind ``compare``);
until it ends the batch is ``pending``. An accepted row keeps what its write did (``applied``), so
that the batch can be reverted as long as nothing touched those organizations since.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ListSource(models.TextChoices):
    MARKET = "market", _("市场监管部门")
    CIVIL = "civil", _("民政部门")


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("比对中")
    READY = "ready", _("待确认")
    FAILED = "failed", _("失败")
    REVERTED = "reverted", _("已撤销")


class RowKind(models.TextChoices):
    MISSING = "missing", _("漏报(名单有、登记册没有)")
    DEREGISTERED = "deregistered", _("已注销(名单注销、登记册在册)")
    CHANGED = "changed", _("有变化(名称、类型或代码)")
    UNREGISTERED = "unregistered", _("未登记(登记册有、名单没有)")
    DUPLICATE = "duplicate", _("疑似重复")


# The comparison's result lists (``engine.Reconciliation``, ``Outcome.as_dict``) and the kind of row
# each entry of them is kept as.
RESULT_LISTS: tuple[tuple[str, RowKind], ...] = (
    ("missing", RowKind.MISSING),
    ("deregistered", RowKind.DEREGISTERED),
    ("changed", RowKind.CHANGED),
    ("unregistered", RowKind.UNREGISTERED),
    ("duplicates", RowKind.DUPLICATE),
)


class Decision(models.TextChoices):
    PENDING = "pending", _("待确认")
    ACCEPTED = "accepted", _("已采纳")
    REJECTED = "rejected", _("已驳回")


class ReconcileBatch(models.Model):
    unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("比对单位")
    )
    source = models.CharField(_("名单来源"), max_length=8, choices=ListSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    original = models.FileField(_("原始文件"), upload_to="reconcile/%Y/%m/", max_length=255)
    status = models.CharField(_("状态"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.PENDING)
    job = models.OneToOneField(
        "census.ImportJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reconcile_batch",
        verbose_name=_("后台任务"),
    )
    entries = models.PositiveIntegerField(_("名单条数"), default=0)
    matched = models.PositiveIntegerField(_("匹配"), default=0)
    out_of_scope = models.PositiveIntegerField(_("不属两新组织"), default=0)
    already_closed = models.PositiveIntegerField(_("名单已注销且登记册没有"), default=0)
    missing_count = models.PositiveIntegerField(_("漏报"), default=0)
    deregistered_count = models.PositiveIntegerField(_("已注销"), default=0)
    changed_count = models.PositiveIntegerField(_("有变化"), default=0)
    unregistered_count = models.PositiveIntegerField(_("未登记"), default=0)
    duplicate_count = models.PositiveIntegerField(_("疑似重复"), default=0)
    # Warnings of the file, and the error that made the run fail: [Problem.to_dict(), ...]
    problems = models.JSONField(default=list, blank=True)
    failure_reason = models.TextField(_("失败原因"), blank=True)
    finished_at = models.DateTimeField(_("比对完成时间"), null=True, blank=True)
    reverted_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )

    class Meta:
        verbose_name = _("登记比对批次")
        verbose_name_plural = _("登记比对批次")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BatchStatus.values), name="reconcile_batch_status_valid"),
            models.CheckConstraint(condition=Q(source__in=ListSource.values), name="reconcile_batch_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("reconcile:batch_detail", args=[self.pk])


class ReconcileRow(models.Model):
    """One result of a run for a person to decide. ``township`` is null when the list's address
    named no township of the county (or several): the county decides those."""

    batch = models.ForeignKey(ReconcileBatch, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(_("结果类别"), max_length=16, choices=RowKind.choices)
    township = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属乡镇"),
    )
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    score = models.FloatField(_("相似度"), null=True, blank=True)
    # What the engine found: the list's values, the evidence, the proposed changes field by field.
    detail = models.JSONField(default=dict)
    decision = models.CharField(_("处理"), max_length=8, choices=Decision.choices, default=Decision.PENDING)
    reason = models.TextField(_("驳回理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    # What the accepted write did, for the batch's revert: the organization's version after it,
    # the values before, the facts rows it closed and opened, the plans and coverages it ended.
    applied = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("登记比对结果")
        verbose_name_plural = _("登记比对结果")
        ordering = ["batch", "kind", "pk"]
        indexes = [
            models.Index(fields=["batch", "kind", "decision"], name="reconcile_row_kind"),
            models.Index(fields=["batch", "township"], name="reconcile_row_township"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RowKind.values), name="reconcile_row_kind_valid"),
            models.CheckConstraint(condition=Q(decision__in=Decision.values), name="reconcile_row_decision_valid"),
            models.CheckConstraint(
                condition=~Q(decision=Decision.REJECTED) | ~Q(reason=""), name="reconcile_row_rejected_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(decision=Decision.PENDING) | Q(decided_at__isnull=False),
                name="reconcile_row_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @property
    def unresolved(self) -> bool:
        return self.township_id is None
