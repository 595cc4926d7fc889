"""Indicator definitions as data, and five-goods ratings of party organizations.

An :class:`Indicator` is a row: which subjects it counts (organizations or party organizations),
a denominator filter and a numerator filter in the ``dsl`` language over the state columns of
``state.py``, and a target (the policy's yearly target of ``target_indicator``, or a fixed
``target_value``). A new indicator is a new row; no code changes (``services.define_indicator``
checks the filters).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liangxin.policy.choices import Indicator as PolicyIndicator

from .choices import IndicatorKind, Subject
from .state import SUMMABLE


class Indicator(models.Model):
    code = models.SlugField(_("指标代码"), max_length=40, unique=True)
    name = models.CharField(_("指标名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    subject = models.CharField(_("统计对象"), max_length=20, choices=Subject.choices, default=Subject.ORGANIZATION)
    kind = models.CharField(_("指标类型"), max_length=8, choices=IndicatorKind.choices, default=IndicatorKind.SHARE)
    sum_field = models.CharField(
        _("合计字段"), max_length=40, blank=True, help_text=_("合计类指标所加总的状态字段,如 employees")
    )
    numerator = models.JSONField(_("分子条件"), default=dict, blank=True, help_text=_("在分母范围内再满足的条件"))
    denominator = models.JSONField(_("分母条件"), default=dict, blank=True, help_text=_("空对象表示全部"))
    target_indicator = models.CharField(_("对应年度目标"), max_length=40, choices=PolicyIndicator.choices, blank=True)
    target_value = models.DecimalField(
        _("固定目标值"), max_digits=4, decimal_places=3, null=True, blank=True, help_text=_("比例,0到1之间")
    )
    headline = models.BooleanField(_("首页显示"), default=False)
    display_order = models.PositiveSmallIntegerField(_("显示顺序"), default=100)
    active = models.BooleanField(_("启用"), default=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("覆盖指标")
        verbose_name_plural = _("覆盖指标")
        ordering = ["display_order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(subject__in=Subject.values), name="coverage_indicator_subject_valid"),
            models.CheckConstraint(condition=Q(kind__in=IndicatorKind.values), name="coverage_indicator_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=IndicatorKind.SUM) | Q(subject=Subject.ORGANIZATION, sum_field__in=list(SUMMABLE)),
                name="coverage_indicator_sum_has_field",
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | (Q(target_value__gte=0) & Q(target_value__lte=1)),
                name="coverage_indicator_target_share",
            ),
            models.CheckConstraint(
                condition=Q(kind=IndicatorKind.SHARE) | (Q(target_indicator="") & Q(target_value__isnull=True)),
                name="coverage_indicator_target_only_for_share",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


# The state columns the indicators read besides the township, the department and the dates: the
# covering index of ``OrganizationState`` carries them all, so that a figure is read from it alone.
_READ_BY_INDICATORS = [
    "covered",
    "has_instructor",
    "takes_part",
    "surveyed",
    "employees",
    "full_members",
    "probationary_members",
    "has_union",
    "has_youth_league",
    "has_womens_federation",
    "operating_status",
    "category",
    "org_type",
    "above_designated_size",
    "organization",
]


class OrganizationState(models.Model):
    """What the indicators read: an organization's state over an interval of time, derived from
    the register and never edited — ``materialized.py`` writes it, nothing else.

    The census intervals (``OrganizationFacts``), coverage links, instructor assignments and
    activity participation (``orglife.ActivityOrganization``) of an organization each change on
    their own dates; here their dates are merged into one timeline, so
    each row holds one interval ``[valid_from, valid_to)`` over which every state column of
    ``state.py`` is constant, with the organization's grouping columns copied in. The indicators
    then scan one narrow table (a township's rows by index) instead of joining four. Only the
    population is kept: not merged, not deregistered.

    Database triggers (``triggers.py``) mark an organization stale whenever a row it depends on is
    written, by any path (services, imports, reverts, fixtures); the state of stale organizations
    is recomputed before the next read (``materialized.ensure_fresh``)."""

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    township = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    department = models.ForeignKey(
        "geo.Department", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+", db_index=False
    )
    category = models.CharField(max_length=16)
    org_type = models.CharField(max_length=32)
    above_designated_size = models.BooleanField()
    valid_from = models.DateField()
    valid_to = models.DateField(null=True)
    operating_status = models.CharField(max_length=16)
    employees = models.PositiveIntegerField()
    full_members = models.PositiveIntegerField()
    probationary_members = models.PositiveIntegerField()
    has_union = models.BooleanField(null=True)
    has_youth_league = models.BooleanField(null=True)
    has_womens_federation = models.BooleanField(null=True)
    covered = models.BooleanField()
    has_instructor = models.BooleanField()
    # An activity of a party organization was held in it or it took part in one, within the
    # work-coverage window up to the day (orglife.ActivityOrganization's intervals).
    takes_part = models.BooleanField(default=False)
    # Its figures come from a census or an edit; false while the register knows it only from a
    # registration list (facts of source ``registration``: no employees or members yet).
    surveyed = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("组织状态区间")
        verbose_name_plural = _("组织状态区间")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="coverage_state_valid_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "valid_from"], name="coverage_state_org"),
            # Covering (every column the indicators read), in township then department order: a
            # table by township, or the dashboard's pairs (township, department), stream from it
            # without a sort; a township's figures read one contiguous range of it.
            models.Index(
                fields=["township", "department", "valid_from", "valid_to", *_READ_BY_INDICATORS],
                name="coverage_state_township",
            ),
            models.Index(fields=["department", "valid_from"], name="coverage_state_department"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}@[{self.valid_from}, {self.valid_to})"


class StaleOrganization(models.Model):
    """An organization whose ``OrganizationState`` rows may be out of date: written by the
    database triggers (``triggers.py``), emptied by ``materialized.refresh_stale``."""

    organization_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("待刷新组织")
        verbose_name_plural = _("待刷新组织")

    def __str__(self) -> str:
        return str(self.organization_id)


class CountySnapshot(models.Model):
    """One of the county's pages of today as the import worker last computed them
    (``services.refresh_county_snapshots``): the dashboard, the indicator table of each grouping. A
    derived copy a page shows where computing it takes long (``county_snapshot.py``). Only today's
    are kept."""

    as_of = models.DateField(_("统计日期"))
    name = models.CharField(_("页面"), max_length=40)  # "dashboard", "table:<grouping>"
    computed_at = models.DateTimeField(_("统计时间"))
    seconds = models.FloatField(_("统计耗时(秒)"))
    payload = models.BinaryField(_("统计结果"))
    signature = models.CharField(_("签名"), max_length=64)

    class Meta:
        verbose_name = _("全县统计副本")
        verbose_name_plural = _("全县统计副本")
        constraints = [
            models.UniqueConstraint(fields=["as_of", "name"], name="coverage_snapshot_one_per_page"),
            models.CheckConstraint(condition=Q(seconds__gte=0), name="coverage_snapshot_seconds_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.as_of} ({self.computed_at:%H:%M})"
