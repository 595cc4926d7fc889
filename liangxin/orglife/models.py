"""Organization life (组织生活): the activities a party organization holds, who attended, the
organizations they reached, their files; and the rules they are judged by, as versioned policy
data. What the rules mean: ``docs/organization-life.md``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liangxin.policy.models import VersionedPolicy

from . import compliance
from .choices import GuestKind, Involvement, Period

MAX_MINUTES = 24 * 60  # one activity, one day at most


class ActivityType(models.Model):
    """The kinds of activity (党员大会, 支委会, 党课, …): data, seeded by a migration, so a county
    adds one without a release."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("可选用"), default=True)

    class Meta:
        verbose_name = _("活动类型")
        verbose_name_plural = _("活动类型")
        ordering = ["sort_order", "code"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="orglife_type_name_not_blank")]

    def __str__(self) -> str:
        return self.name


class LifePolicyVersion(VersionedPolicy):
    """The rules of organization life in force from ``effective_from`` until the next version's;
    never edited, so a past period stays judged by the rules of its time."""

    source = models.CharField(_("依据文件"), max_length=200)
    at_risk_months = models.PositiveSmallIntegerField(_("无活动即视为有风险的月数"))
    dissolved_within_years = models.PositiveSmallIntegerField(_("“刚建了、又散了”的年限"))
    work_coverage_months = models.PositiveSmallIntegerField(_("活动计入工作覆盖的月数"))

    class Meta:
        verbose_name = _("组织生活制度版本")
        verbose_name_plural = _("组织生活制度版本")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="orglife_policy_name_not_blank"),
            models.CheckConstraint(
                condition=Q(at_risk_months__gte=1, at_risk_months__lte=60)
                & Q(dissolved_within_years__gte=1, dissolved_within_years__lte=20)
                & Q(work_coverage_months__gte=1, work_coverage_months__lte=60),
                name="orglife_policy_ranges",
            ),
        ]

    def as_version(self) -> compliance.Version:
        rules = tuple(
            compliance.Rule(
                code=rule.code,
                name=rule.name,
                period=rule.period,
                types=frozenset(t.code for t in rule.activity_types.all()),
                min_count=rule.min_count,
                min_minutes=rule.min_minutes,
                min_members=rule.min_members,
            )
            for rule in self.rules.all()
        )
        return compliance.Version(effective_from=self.effective_from, rules=rules)


class ComplianceRule(models.Model):
    """One rule of a version: at least ``min_count`` activities of these types (any, when none is
    named) per period, and when ``min_minutes`` is set their durations summing to that much."""

    policy = models.ForeignKey(LifePolicyVersion, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=60)
    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    activity_types = models.ManyToManyField(ActivityType, blank=True, related_name="+", verbose_name=_("活动类型"))
    min_count = models.PositiveSmallIntegerField(_("最少次数"), default=1)
    min_minutes = models.PositiveIntegerField(_("最少时长(分钟)"), default=0)
    # Applies to party organizations with at least this many members (支委会: a branch of 7 or more
    # elects a committee); 0: to every one.
    min_members = models.PositiveSmallIntegerField(_("适用党员数下限"), default=0)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("组织生活制度")
        verbose_name_plural = _("组织生活制度")
        ordering = ["policy", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="orglife_rule_code_unique"),
            models.CheckConstraint(condition=Q(period__in=Period.values), name="orglife_rule_period_valid"),
            models.CheckConstraint(condition=Q(min_count__gte=1), name="orglife_rule_min_count"),
        ]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    party_organization = models.ForeignKey(
        "registry.PartyOrganization", on_delete=models.PROTECT, related_name="activities", verbose_name=_("党组织")
    )
    activity_type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="activities", verbose_name=_("活动类型")
    )
    held_on = models.DateField(_("活动日期"))
    duration_minutes = models.PositiveIntegerField(_("时长(分钟)"))
    place = models.CharField(_("地点"), max_length=200)
    topic = models.CharField(_("主题"), max_length=200)
    content = models.TextField(_("内容"), max_length=5000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=0)  # raised by each correction

    class Meta:
        verbose_name = _("组织生活")
        verbose_name_plural = _("组织生活")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_MINUTES),
                name="orglife_activity_duration",
            ),
            models.CheckConstraint(condition=~Q(topic=""), name="orglife_activity_topic_not_blank"),
        ]
        indexes = [models.Index(fields=["party_organization", "held_on"], name="orglife_activity_party_day")]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("orglife:activity_detail", kwargs={"pk": self.pk})


class Attendance(models.Model):
    """A member of the party organization: present, or absent with the reason."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员"))
    present = models.BooleanField(_("出席"))
    absence_reason = models.CharField(_("缺席原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("出席情况")
        verbose_name_plural = _("出席情况")
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="orglife_attendance_once"),
            models.CheckConstraint(
                condition=Q(present=True, absence_reason="") | (Q(present=False) & ~Q(absence_reason="")),
                name="orglife_absence_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.member_id}"


class Guest(models.Model):
    """Someone else who took part: a member of another party organization, a mobile member, a
    person from an organization the party organization covers, …"""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="guests")
    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(_("类别"), max_length=32, choices=GuestKind.choices)

    class Meta:
        verbose_name = _("其他参加人员")
        verbose_name_plural = _("其他参加人员")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="orglife_guest_name_not_blank"),
            models.CheckConstraint(condition=Q(kind__in=GuestKind.values), name="orglife_guest_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class ActivityOrganization(models.Model):
    """An organization an activity was held in or took part in. ``[valid_from, valid_to)`` are the
    days on which the activity lies in the work-coverage window up to the day (the window of the
    version in force on the activity's date): the coverage state reads them as an interval
    (``coverage.materialized.SOURCES``) — its ``takes_part`` column."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="organizations")
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("两新组织")
    )
    involvement = models.CharField(_("方式"), max_length=16, choices=Involvement.choices)
    valid_from = models.DateField()
    valid_to = models.DateField()

    class Meta:
        verbose_name = _("活动涉及的组织")
        verbose_name_plural = _("活动涉及的组织")
        constraints = [
            models.UniqueConstraint(fields=["activity", "organization"], name="orglife_activity_org_once"),
            models.UniqueConstraint(
                fields=["activity"], condition=Q(involvement="held_in"), name="orglife_activity_one_place"
            ),
            models.CheckConstraint(condition=Q(valid_to__gt=F("valid_from")), name="orglife_activity_org_range"),
            models.CheckConstraint(
                condition=Q(involvement__in=Involvement.values), name="orglife_activity_org_involvement"
            ),
        ]
        indexes = [models.Index(fields=["organization", "valid_from"], name="orglife_activity_org_org")]

    def __str__(self) -> str:
        return f"{self.activity_id}→{self.organization_id}"


class ActivityFile(models.Model):
    """A photo or file of an activity: passed the upload gate (evidence), downloaded only through
    an audited, scoped view."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), upload_to="orglife/%Y/%m/", max_length=255)
    name = models.CharField(_("文件名"), max_length=255)
    kind = models.CharField(_("类型"), max_length=8)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动材料")
        verbose_name_plural = _("活动材料")

    def __str__(self) -> str:
        return self.name
