"""The register of organizations without a party organization (登记造册、逐一核实): formation plans,
verifications, and the actions taken for members on no roster (一个不能少).

The invariants the services rely on are database constraints: one open plan per organization,
the fields each branch of a plan needs (ready: method, kind, date, responsible person; not
ready: reason, responsible person, countermeasure), a reason for a suspension, a party
organization for a formed plan.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liangxin.registry.choices import FormationMethod, PartyOrganizationKind

from . import transitions
from .choices import (
    OPEN_STATUSES,
    MemberActionKind,
    NotReadyReason,
    PlanStatus,
    VerificationMethod,
    VerificationResult,
)


class FormationPlan(models.Model):
    # The audit pages name the transition an update record logs by these (``audit.display``).
    AUDIT_VALUE_LABELS = {"transition": transitions.ACTION_LABELS}

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="formation_plans", verbose_name=_("组织")
    )
    status = models.CharField(_("状态"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    ready = models.BooleanField(_("具备组建条件"))
    # Ready: how, what, by when.
    method = models.CharField(_("组建方式"), max_length=16, choices=FormationMethod.choices, blank=True)
    target_kind = models.CharField(
        _("拟组建党组织类别"), max_length=32, choices=PartyOrganizationKind.choices, blank=True
    )
    planned_date = models.DateField(_("计划组建时间"), null=True, blank=True)
    # Not ready: why, and what is done about it (分析原因、落实责任、提出对策).
    reason = models.CharField(_("未能组建原因"), max_length=32, choices=NotReadyReason.choices, blank=True)
    reason_text = models.CharField(_("原因说明"), max_length=500, blank=True)
    countermeasure = models.TextField(_("对策措施"), blank=True)
    responsible_person = models.CharField(_("责任人"), max_length=50)
    suspension_reason = models.CharField(_("暂缓原因"), max_length=500, blank=True)
    withdrawal_reason = models.CharField(_("撤销原因"), max_length=500, blank=True)
    # 联合建: the other organizations the joint party organization will cover (the plan's own
    # organization is the lead). Forming the plan covers all of them.
    partners = models.ManyToManyField(
        "registry.Organization", blank=True, related_name="joint_partner_plans", verbose_name=_("联建组织")
    )
    party_organization = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="formation_plans",
        verbose_name=_("组建的党组织"),
    )
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("组建方案")
        verbose_name_plural = _("组建方案")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="formation_plan_status_valid"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(status__in=OPEN_STATUSES),
                name="formation_plan_one_open_per_org",
            ),
            models.CheckConstraint(
                condition=~Q(responsible_person=""), name="formation_plan_responsible_person_required"
            ),
            models.CheckConstraint(
                condition=Q(ready=False) | (~Q(method="") & ~Q(target_kind="") & Q(planned_date__isnull=False)),
                name="formation_plan_ready_has_method_kind_date",
            ),
            models.CheckConstraint(
                condition=Q(ready=True) | (~Q(reason="") & ~Q(countermeasure="")),
                name="formation_plan_not_ready_has_reason_countermeasure",
            ),
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.SUSPENDED) | ~Q(suspension_reason=""),
                name="formation_plan_suspended_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.FORMED) | Q(party_organization__isnull=False, closed_on__isnull=False),
                name="formation_plan_formed_has_party_organization",
            ),
        ]
        indexes = [models.Index(fields=["status", "planned_date"], name="formation_plan_status_date")]

    def __str__(self) -> str:
        return f"{self.organization}·{self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("formation:organization_plan", args=[self.organization_id])


class Verification(models.Model):
    """One verification of an organization's census record (逐一核实): who, when, how, result."""

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="verifications", verbose_name=_("组织")
    )
    verified_on = models.DateField(_("核实日期"))
    verifier = models.CharField(_("核实人"), max_length=50)
    method = models.CharField(_("核实方式"), max_length=16, choices=VerificationMethod.choices)
    result = models.CharField(_("核实结果"), max_length=16, choices=VerificationResult.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("核实记录")
        verbose_name_plural = _("核实记录")
        ordering = ["-verified_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(verifier=""), name="formation_verification_verifier_required"),
            models.CheckConstraint(
                condition=Q(method__in=VerificationMethod.values), name="formation_verification_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(result__in=VerificationResult.values), name="formation_verification_result_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}@{self.verified_on}"


class MemberAction(models.Model):
    """What was done for a member found on no party organization's roster (一个不能少)."""

    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="formation_actions", verbose_name=_("党员")
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("工作单位"),
    )
    kind = models.CharField(_("处理方式"), max_length=16, choices=MemberActionKind.choices)
    party_organization = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转入党组织"),
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    acted_on = models.DateField(_("处理日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("未纳入党组织党员处理记录")
        verbose_name_plural = _("未纳入党组织党员处理记录")
        ordering = ["-acted_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MemberActionKind.values), name="formation_action_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=MemberActionKind.OTHER) | ~Q(note=""), name="formation_action_other_has_note"
            ),
            models.CheckConstraint(
                condition=~Q(kind=MemberActionKind.TRANSFERRED_IN) | Q(party_organization__isnull=False),
                name="formation_action_transfer_has_party_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.kind}"


class JointAddition(models.Model):
    """An organization without full members that a clerk added to a joint party organization on
    purpose (e.g. it shares a building with the others), and why. The planner never adds such an
    organization itself (it is no joint candidate: ``docs/joint-formation.md``), so a joint party
    organization covers one only with a row here."""

    party_organization = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        related_name="joint_additions",
        verbose_name=_("联合党组织"),
    )
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织")
    )
    reason = models.CharField(_("纳入理由"), max_length=500)
    added_on = models.DateField(_("纳入日期"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("无党员组织纳入记录")
        verbose_name_plural = _("无党员组织纳入记录")
        ordering = ["party_organization", "organization"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="formation_joint_addition_reason_required"),
            models.UniqueConstraint(
                fields=["party_organization", "organization"], name="formation_joint_addition_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party_organization_id}+{self.organization_id}"
