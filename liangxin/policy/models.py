"""Formation rules and targets as versioned data (docs/domain.md §2 "rules change over time", §3).

A :class:`PolicyVersion` is in force from its ``effective_from`` until the next version's; the
version in force on a date is the one with the latest ``effective_from`` not after it
(``selectors.policy_in_force``). Versions are never edited or deleted: a change of policy is a
new version, so last year's recommendations can still be explained by last year's rules.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from . import engine
from .choices import Indicator


class PolicyVersion(models.Model):
    name = models.CharField(_("版本名称"), max_length=100, unique=True)
    effective_from = models.DateField(_("生效日期"), unique=True)
    source = models.CharField(_("依据文件"), max_length=200, default=engine.SPEECH)
    notes = models.TextField(_("说明"), blank=True)
    min_full_members = models.PositiveSmallIntegerField(_("组建党组织最少正式党员数"), default=3)
    general_branch_threshold = models.PositiveSmallIntegerField(_("建立党总支党员数"), default=50)
    general_branch_tolerance = models.PositiveSmallIntegerField(
        _("“接近”建立党总支党员数"), default=45, help_text=_("党员(含预备党员)达到此数即建议建立党总支")
    )
    committee_threshold = models.PositiveSmallIntegerField(_("建立基层党委党员数"), default=100)
    committee_tolerance = models.PositiveSmallIntegerField(
        _("“接近”建立基层党委党员数"), default=90, help_text=_("党员(含预备党员)达到此数即建议建立基层党委")
    )
    max_joint_organizations = models.PositiveSmallIntegerField(_("联合党组织最多覆盖组织数"), default=5)
    branch_committee_full_members = models.PositiveSmallIntegerField(_("设立支部委员会正式党员数"), default=7)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        ordering = ["-effective_from"]
        # The same checks as engine.policy_problems, so no row can make the engine refuse it.
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="policy_version_name_not_blank"),
            *(
                models.CheckConstraint(condition=Q(**{f"{name}__gt": 0}), name=f"policy_version_{name}_positive")
                for name in engine.NUMBER_FIELDS
            ),
            models.CheckConstraint(
                condition=Q(general_branch_tolerance__lte=F("general_branch_threshold")),
                name="policy_version_general_tolerance_le_threshold",
            ),
            models.CheckConstraint(
                condition=Q(committee_tolerance__lte=F("committee_threshold")),
                name="policy_version_committee_tolerance_le_threshold",
            ),
            models.CheckConstraint(
                condition=Q(general_branch_tolerance__gt=F("min_full_members")),
                name="policy_version_general_tolerance_gt_min",
            ),
            models.CheckConstraint(
                condition=Q(committee_threshold__gt=F("general_branch_threshold")),
                name="policy_version_committee_gt_general",
            ),
            models.CheckConstraint(
                condition=Q(committee_tolerance__gt=F("general_branch_tolerance")),
                name="policy_version_committee_tolerance_gt_general",
            ),
            models.CheckConstraint(condition=Q(max_joint_organizations__gte=2), name="policy_version_joint_at_least_2"),
            models.CheckConstraint(
                condition=Q(branch_committee_full_members__gte=F("min_full_members")),
                name="policy_version_branch_committee_ge_min",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.effective_from:%Y-%m-%d}起)"

    def as_policy(self) -> engine.Policy:
        """The engine's view of this version."""
        return engine.Policy(
            name=self.name,
            effective_from=self.effective_from,
            source=self.source,
            **{name: getattr(self, name) for name in engine.NUMBER_FIELDS},
        )


class PolicyTarget(models.Model):
    """A target of one year: the share (0–1) an indicator should reach by the end of that year.

    Every year with targets lists all targets that hold that year (earlier ones are carried on
    explicitly), so one year's rows are the whole picture; later years inherit the last year's."""

    policy = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("年度"))
    indicator = models.CharField(_("指标"), max_length=40, choices=Indicator.choices)
    value = models.DecimalField(_("目标值"), max_digits=4, decimal_places=3, help_text=_("比例,0到1之间"))
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["policy", "year", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "year", "indicator"], name="policy_target_unique"),
            models.CheckConstraint(condition=Q(value__gte=0) & Q(value__lte=1), name="policy_target_value_share"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="policy_target_year_range"),
            models.CheckConstraint(condition=Q(indicator__in=Indicator.values), name="policy_target_indicator_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_indicator_display()} {self.value}"
