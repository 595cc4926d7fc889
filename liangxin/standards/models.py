"""Standardization (the five-ones checklist, 五个一) and the yearly five-goods assessment (五个好)
of party organizations. What the rules are: ``docs/standardization.md``.

An item of the checklist is done when it has been checked and passed. The database keeps a check
honest: a check names the evidence it looked at (so no check without evidence) and the role of the
checker, which must be a township clerk or the county — never the party organization's own
secretary. New evidence clears the check (``services.add_evidence``): the checker looks again.

The five-goods assessment is the one home of "rated five-goods": the coverage indicator
``party_orgs_five_goods`` reads it through ``selectors.five_goods_subquery``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import rules
from .choices import AssessmentResult, FiveOnesItem

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class StandardizationPolicy(models.Model):
    """The standard a checklist is held to, as policy data from a date on (the version in force
    on a check's date applies): today only the activity room's least area."""

    valid_from = models.DateField(_("起始日期"), unique=True)
    activity_room_min_area = models.DecimalField(_("活动室面积标准(平方米,不少于)"), max_digits=6, decimal_places=1)
    basis = models.CharField(_("依据"), max_length=200)

    class Meta:
        verbose_name = _("规范化建设标准")
        verbose_name_plural = _("规范化建设标准")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(activity_room_min_area__gt=0), name="standards_policy_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.activity_room_min_area}"


class ChecklistItem(models.Model):
    """One of the five ones of a party organization, with its latest check. Created with its
    first evidence; a missing row is an item with nothing yet."""

    party_organization = models.ForeignKey(
        "registry.PartyOrganization", on_delete=models.PROTECT, related_name="checklist_items", verbose_name=_("党组织")
    )
    item = models.CharField(_("项目"), max_length=24, choices=FiveOnesItem.choices)
    room_area = models.DecimalField(_("活动室面积(平方米)"), max_digits=6, decimal_places=1, null=True, blank=True)
    check_passed = models.BooleanField(_("检查结果"), null=True, blank=True)
    checked_on = models.DateField(_("检查日期"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checker_role = models.CharField(_("检查人角色"), max_length=32, blank=True)
    inspector = models.CharField(_("检查人"), max_length=50, blank=True)
    check_note = models.CharField(_("检查意见"), max_length=300, blank=True)
    checked_evidence = models.ForeignKey(
        "Evidence", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("所查材料")
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("“五个一”项目")
        verbose_name_plural = _("“五个一”项目")
        ordering = ["party_organization", "item"]
        constraints = [
            models.UniqueConstraint(fields=["party_organization", "item"], name="standards_item_one_per_org"),
            models.CheckConstraint(condition=Q(item__in=rules.ITEMS), name="standards_item_valid"),
            models.CheckConstraint(
                condition=Q(room_area__isnull=True) | (Q(item=rules.ACTIVITY_ROOM) & Q(room_area__gt=0)),
                name="standards_item_area_only_for_room",
            ),
            # A check is whole (result, date, checker, the checker's role, the evidence looked at)
            # or absent; the checker is never the secretary.
            models.CheckConstraint(
                condition=Q(
                    check_passed__isnull=True,
                    checked_on__isnull=True,
                    checked_by__isnull=True,
                    checked_evidence__isnull=True,
                    checker_role="",
                )
                | Q(
                    check_passed__isnull=False,
                    checked_on__isnull=False,
                    checked_by__isnull=False,
                    checked_evidence__isnull=False,
                    checker_role__in=rules.CHECKER_ROLES,
                ),
                name="standards_item_check_whole_by_a_checker",
            ),
            # The activity room passes only with its area recorded.
            models.CheckConstraint(
                condition=~Q(item=rules.ACTIVITY_ROOM, check_passed=True) | Q(room_area__isnull=False),
                name="standards_item_room_passed_with_area",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party_organization_id}:{self.item}"

    @property
    def done(self) -> bool:
        return self.check_passed is True


class Evidence(models.Model):
    """A photo or file showing an item, stored like funding's evidence (through the upload gate,
    its SHA-256 kept); downloaded only through the audited, scoped view."""

    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("项目"))
    file = models.FileField(_("材料"), upload_to="standards/evidence/%Y/%m/", max_length=255)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_kind = models.CharField(_("文件类型"), max_length=8)
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("“五个一”证明材料")
        verbose_name_plural = _("“五个一”证明材料")
        ordering = ["item", "-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("standards:evidence_export", args=[self.pk])


def _score(label: StrOrPromise) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


class FiveGoodsAssessment(models.Model):
    """A party organization's five-goods assessment of a year, by its supervising unit: a score
    (0–100) and a comment per dimension, and the result. Rows migrated from the former yes/no
    rating have no scores (all five empty, never some)."""

    party_organization = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        related_name="five_goods_assessments",
        verbose_name=_("党组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    leadership_score = _score(_("领导班子好(得分)"))
    team_score = _score(_("队伍素质好(得分)"))
    rules_score = _score(_("制度建设好(得分)"))
    performance_score = _score(_("工作业绩好(得分)"))
    public_score = _score(_("群众反映好(得分)"))
    leadership_comment = models.CharField(_("领导班子好(评语)"), max_length=300, blank=True)
    team_comment = models.CharField(_("队伍素质好(评语)"), max_length=300, blank=True)
    rules_comment = models.CharField(_("制度建设好(评语)"), max_length=300, blank=True)
    performance_comment = models.CharField(_("工作业绩好(评语)"), max_length=300, blank=True)
    public_comment = models.CharField(_("群众反映好(评语)"), max_length=300, blank=True)
    result = models.CharField(_("评定结果"), max_length=16, choices=AssessmentResult.choices)
    assessing_unit = models.CharField(_("评定单位"), max_length=100)
    assessed_on = models.DateField(_("评定日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("“五个好”评定")
        verbose_name_plural = _("“五个好”评定")
        ordering = ["-year", "party_organization"]
        constraints = [
            models.UniqueConstraint(fields=["party_organization", "year"], name="standards_five_goods_one_per_year"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="standards_five_goods_year"),
            models.CheckConstraint(condition=~Q(assessing_unit=""), name="standards_five_goods_unit_required"),
            models.CheckConstraint(condition=Q(result__in=rules.RESULTS), name="standards_five_goods_result_valid"),
            models.CheckConstraint(
                condition=Q(**{f"{d}_score__isnull": True for d in rules.DIMENSIONS})
                | Q(**{f"{d}_score__lte": rules.MAX_SCORE for d in rules.DIMENSIONS}),
                name="standards_five_goods_scores_all_or_none",
            ),
        ]
        # Covering: the indicator reads the result as of a date from the index alone.
        indexes = [
            models.Index(
                fields=["party_organization", "year", "assessed_on", "result"], name="standards_five_goods_asof"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_organization_id}@{self.year}:{self.result}"

    def scores(self) -> dict[str, int | None]:
        return {d: getattr(self, f"{d}_score") for d in rules.DIMENSIONS}

    def comments(self) -> dict[str, str]:
        return {d: getattr(self, f"{d}_comment") for d in rules.DIMENSIONS}
