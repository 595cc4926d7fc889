"""Training records and the yearly training rules (docs/training.md).

A :class:`Training` is one course (dates, hours, organizer, the unit that held it); each
:class:`Attendance` names one attendee in one of four ways: the secretary of a party organization,
a member, the owner of an organization, or a person by name. The rules of a year are a
:class:`TrainingRuleVersion`, versioned like the other policies (never edited: a change of rule is a
new version, so last year's gap list stays explained by last year's rule).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liangxin.policy.models import VersionedPolicy

from . import rules

if TYPE_CHECKING:
    from liangxin.accounts.models import User


class TrainingRuleVersion(VersionedPolicy):
    source = models.CharField(_("依据文件"), max_length=200)
    secretary_times = models.PositiveSmallIntegerField(_("党组织书记每年培训次数"), default=1)
    party_worker_times = models.PositiveSmallIntegerField(_("专职党务工作者每年培训次数"), default=1)
    owner_times = models.PositiveSmallIntegerField(_("业主每年培训次数"), default=1)

    class Meta:
        verbose_name = _("培训要求版本")
        verbose_name_plural = _("培训要求版本")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="training_rule_name_not_blank"),
            models.CheckConstraint(
                condition=Q(secretary_times__lte=12) & Q(party_worker_times__lte=12) & Q(owner_times__lte=12),
                name="training_rule_times_range",
            ),
        ]

    def as_rules(self) -> rules.YearlyRules:
        return rules.YearlyRules(
            name=self.name,
            effective_from=self.effective_from,
            times={
                rules.SECRETARY: self.secretary_times,
                rules.PARTY_WORKER: self.party_worker_times,
                rules.OWNER: self.owner_times,
            },
        )


class TrainingQuerySet(models.QuerySet["Training"]):
    def restrict(self, user: User) -> Self:
        from .scoping import training_scope

        return self.filter(training_scope(user))


class Training(models.Model):
    title = models.CharField(_("培训名称"), max_length=200)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    organizer = models.CharField(_("主办单位"), max_length=100)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    # The unit that held it and keeps its record: a township, a supervising department, or the
    # county (both empty). Who may see and edit the record follows it (``scoping.py``).
    township = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("举办乡镇"),
    )
    department = models.ForeignKey(
        "geo.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("举办部门"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-ends_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="training_title_not_blank"),
            models.CheckConstraint(condition=~Q(organizer=""), name="training_organizer_not_blank"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="training_dates_in_order"),
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=1000), name="training_hours_range"),
            models.CheckConstraint(
                condition=Q(township__isnull=True) | Q(department__isnull=True), name="training_one_holder"
            ),
        ]
        indexes = [models.Index(fields=["ends_on"])]

    def __str__(self) -> str:
        return f"{self.title}({self.starts_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("training:detail", kwargs={"pk": self.pk})


class AttendeeKind(models.TextChoices):
    SECRETARY = "secretary", _("党组织书记")
    MEMBER = "member", _("党员(含专职党务工作者)")
    OWNER = "owner", _("业主(负责人)")
    NAMED = "named", _("其他人员")


class Attendance(models.Model):
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendances")
    kind = models.CharField(_("参训身份"), max_length=16, choices=AttendeeKind.choices)
    party_organization = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("党组织"),
    )
    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("党员")
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("两新组织"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    # The attendee's township (of the party organization, the organization, the member's party
    # organization, or as typed for a named person): township clerks see their own attendees.
    township = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属乡镇")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("录入人")
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("参训人员")
        verbose_name_plural = _("参训人员")
        ordering = ["training", "kind", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="training_attendance_name_not_blank"),
            models.CheckConstraint(
                condition=(Q(kind=AttendeeKind.SECRETARY) & Q(party_organization__isnull=False))
                | (Q(kind=AttendeeKind.MEMBER) & Q(member__isnull=False))
                | (Q(kind=AttendeeKind.OWNER) & Q(organization__isnull=False))
                | Q(kind=AttendeeKind.NAMED),
                name="training_attendance_kind_has_its_link",
            ),
            # One row per person per training: a second would count the training twice.
            models.UniqueConstraint(
                fields=["training", "party_organization"],
                condition=Q(kind=AttendeeKind.SECRETARY),
                name="training_attendance_one_secretary",
            ),
            models.UniqueConstraint(
                fields=["training", "member"], condition=Q(member__isnull=False), name="training_attendance_one_member"
            ),
            models.UniqueConstraint(
                fields=["training", "organization"],
                condition=Q(kind=AttendeeKind.OWNER),
                name="training_attendance_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.get_kind_display()})"
