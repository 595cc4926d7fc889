"""Census campaigns (集中摸底): the campaign, one submission per responsible unit, staged rows
and the departments' confirmations.

Rows a township imports are staged in its submission (``SubmissionEntry``), not written to the
register; the county's approval writes them through ``census.services.import_file``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import workflow


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Campaign(models.Model):
    name = models.CharField(_("名称"), max_length=200)
    code = models.CharField(_("编号"), max_length=32, unique=True)
    as_of = models.DateField(_("数据截至日期"))
    survey_deadline = models.DateField(_("摸底上报截止日期"))
    plan_deadline = models.DateField(_("组建方案截止日期"))
    status = models.CharField(_("状态"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    townships = models.ManyToManyField("geo.AdministrativeUnit", related_name="+", verbose_name=_("责任乡镇"))
    departments = models.ManyToManyField("geo.Department", related_name="+", blank=True, verbose_name=_("责任部门"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("摸底任务")
        verbose_name_plural = _("摸底任务")
        ordering = ["-as_of", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="campaigns_campaign_status"),
            models.CheckConstraint(
                condition=Q(plan_deadline__gte=F("survey_deadline")), name="campaigns_plan_after_survey"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:board", args=[self.pk])


class SubmissionState(models.TextChoices):
    NOT_STARTED = workflow.NOT_STARTED, _("未开始")
    IN_PROGRESS = workflow.IN_PROGRESS, _("填报中")
    SUBMITTED = workflow.SUBMITTED, _("已上报")
    RETURNED = workflow.RETURNED, _("已退回")
    APPROVED = workflow.APPROVED, _("已审核")


class Submission(models.Model):
    """What one responsible unit reports in a campaign: a township its census rows (属地), a
    department its confirmations of the rows of the organizations it supervises (业务)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="submissions")
    township = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey("geo.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    state = models.CharField(
        _("状态"), max_length=16, choices=SubmissionState.choices, default=SubmissionState.NOT_STARTED
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    submitted_on = models.DateField(_("上报日期"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_reason = models.TextField(_("退回/重新打开原因"), blank=True)
    # USCCs of rows the township says are other organizations than the registered one of the same
    # name (census ``name_uscc_conflict``): planned and written as new organizations.
    new_organizations = models.JSONField(_("作为新组织登记的代码"), default=list, blank=True)
    # The import the approval made (None again once a reopen has reverted it). Staging keeps no
    # census batch: a kept preview could be confirmed on the census pages, past the review.
    register_batch = models.ForeignKey(
        "census.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("摸底填报")
        verbose_name_plural = _("摸底填报")
        ordering = ["campaign", "township__code", "department__code", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=workflow.STATES), name="campaigns_submission_state"),
            # Reported (submitted or approved) means reported by someone on a date: what the
            # board's timeliness reads; a withdrawn submission gives both back.
            models.CheckConstraint(
                condition=~Q(state__in=sorted(workflow.DONE))
                | Q(submitted_on__isnull=False, submitted_by__isnull=False),
                name="campaigns_reported_has_date",
            ),
            models.CheckConstraint(
                condition=Q(township__isnull=False, department__isnull=True)
                | Q(township__isnull=True, department__isnull=False),
                name="campaigns_submission_one_unit",
            ),
            models.UniqueConstraint(fields=["campaign", "township"], name="campaigns_submission_township_once"),
            models.UniqueConstraint(fields=["campaign", "department"], name="campaigns_submission_department_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} · {self.unit_name}"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:submission_detail", args=[self.pk])

    @property
    def unit_name(self) -> str:
        if self.township is not None:
            return str(self.township.name)
        return str(self.department.name) if self.department is not None else ""

    @property
    def is_township(self) -> bool:
        return self.township_id is not None

    @property
    def is_locked(self) -> bool:
        return self.state == SubmissionState.APPROVED


class SubmissionEntry(models.Model):
    """One organization's row as the township staged it; ``data`` holds each template column's
    cell as written (template key → text), which is what the approval writes to the register."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="entries")
    row = models.PositiveIntegerField(_("行号"))
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    name = models.CharField(_("组织名称"), max_length=200)
    department_code = models.CharField(_("行业主管部门代码"), max_length=32, blank=True, db_index=True)
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("摸底行")
        verbose_name_plural = _("摸底行")
        ordering = ["submission", "row", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "uscc"], condition=~Q(uscc=""), name="campaigns_entry_uscc_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:entry_edit", args=[self.pk])


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed", _("确认无误")
    COMMENTED = "commented", _("有意见")


class DepartmentConfirmation(models.Model):
    """A supervising department's word on one staged row (业务): confirmed, or a comment."""

    entry = models.ForeignKey(SubmissionEntry, on_delete=models.CASCADE, related_name="confirmations")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="confirmations")
    verdict = models.CharField(_("意见"), max_length=16, choices=Verdict.choices)
    comment = models.TextField(_("说明"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("部门核实")
        verbose_name_plural = _("部门核实")
        constraints = [
            models.UniqueConstraint(fields=["entry", "submission"], name="campaigns_confirmation_once"),
            models.CheckConstraint(condition=Q(verdict__in=Verdict.values), name="campaigns_confirmation_verdict"),
            models.CheckConstraint(
                condition=Q(verdict="confirmed") | ~Q(comment=""), name="campaigns_comment_has_text"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.verdict}"


class PendingUpload(models.Model):
    """A checked file for a submission that already has staged rows, kept until the clerk
    confirms that its rows replace them (or uploads another file, or cancels): replacing every
    staged row is never a side effect of an upload. At most one per submission."""

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="pending_upload")
    file_name = models.CharField(_("文件名"), max_length=255)
    data = models.BinaryField(_("文件内容"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The submission's version the file was checked against: the confirmation is refused once
    # the staged rows changed since, as the summary the clerk saw would no longer hold.
    submission_version = models.PositiveIntegerField(_("填报版本"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待确认的摸底表")
        verbose_name_plural = _("待确认的摸底表")

    def __str__(self) -> str:
        return self.file_name
