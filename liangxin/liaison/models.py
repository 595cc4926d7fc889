"""Liaison points, demonstration points and the joint meeting's member units (docs/liaison.md).

- A :class:`LiaisonPoint` links a leader (a county leader, or a township party committee's leader
  when ``township`` is set) to one organization; its :class:`Visit` rows say when, who and what
  was done there.
- A :class:`DemonstrationPoint` names an organization a demonstration point of party building for a
  year, with the reason.
- A :class:`JointMeetingUnit` is a department that sits in the joint meeting, with its duties.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LiaisonPoint(models.Model):
    leader_name = models.CharField(_("联系领导"), max_length=50)
    leader_position = models.CharField(_("领导职务"), max_length=100)
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("联系的两新组织")
    )
    # Whose point it is: the county's (empty: a county-level leader's) or a township party
    # committee's; the township clerk keeps his township's, the county administrator every one.
    township = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("建立联系点的乡镇党委"),
    )
    started_on = models.DateField(_("建立日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    notes = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联系点")
        verbose_name_plural = _("联系点")
        ordering = ["organization__township__code", "leader_name", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(leader_name=""), name="liaison_point_leader_not_blank"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="liaison_point_dates"
            ),
            models.UniqueConstraint(
                fields=["leader_name", "organization"],
                condition=Q(ended_on__isnull=True),
                name="liaison_point_one_open_per_leader_and_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leader_name} → {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("liaison:point_detail", kwargs={"pk": self.pk})


class Visit(models.Model):
    point = models.ForeignKey(LiaisonPoint, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("日期"))
    visitors = models.CharField(_("参加人员"), max_length=200)
    activity = models.TextField(_("开展的工作"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("录入人")
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联系点走访记录")
        verbose_name_plural = _("联系点走访记录")
        ordering = ["-visited_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(visitors=""), name="liaison_visit_visitors_not_blank"),
            models.CheckConstraint(condition=~Q(activity=""), name="liaison_visit_activity_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.point} {self.visited_on:%Y-%m-%d}"


class DemonstrationPoint(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"))
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("两新组织")
    )
    reason = models.TextField(_("命名理由"))
    named_by = models.CharField(_("命名单位"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("示范点")
        verbose_name_plural = _("示范点")
        ordering = ["-year", "organization__township__code", "organization__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "organization"], name="liaison_demonstration_once_a_year"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="liaison_demonstration_year"),
            models.CheckConstraint(condition=~Q(reason=""), name="liaison_demonstration_reason_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.organization}"


class JointMeetingUnit(models.Model):
    department = models.OneToOneField(
        "geo.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("成员单位")
    )
    duties = models.TextField(_("职责"))
    is_lead = models.BooleanField(_("牵头单位"), default=False)
    contact_person = models.CharField(_("联络员"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("录入人")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("联席会议成员单位")
        verbose_name_plural = _("联席会议成员单位")
        ordering = ["-is_lead", "department__code"]
        constraints = [models.CheckConstraint(condition=~Q(duties=""), name="liaison_joint_duties_not_blank")]

    def __str__(self) -> str:
        return str(self.department)
