"""Funding: members' dues bases and payments, the county's allocation by affiliation, the returned
share of dues, activity funds booked by organizations, rewards instead of subsidies, and the
ledger of each party organization. What the rules are: ``docs/funding.md``.

Money is ``DecimalField(max_digits=12, decimal_places=2)`` in yuan; the database refuses
amounts that are not positive (a booking of activity funds may be zero). Totals are summed in
Python from the fetched ``Decimal`` values (``selectors``), never with SQL ``SUM``: SQLite keeps
NUMERIC values as binary floating point.

The ledger (:class:`LedgerEntry`) is written only by the services, in the transaction of the
event that moves the money (an allocation issued, dues returned, a reward approved, a spending
entered); each entry names its source row, which the database keeps to its kind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liangxin.core.expressions import IsFirstOfMonth, IsInYear
from liangxin.policy import funding_rules
from liangxin.policy.choices import DuesCategory

from .choices import FiveOnesItem, LedgerKind, RewardKind, RewardStatus


def _first_of_month(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=IsFirstOfMonth(field), name=name)


class DuesBase(models.Model):
    """A member's dues base from a month on (until the member's next base). The base itself is
    sensitive (income): AES-GCM ciphertext like ID numbers (``core.crypto``), empty for the
    categories that pay a fixed amount. Shown in full only through ``services.reveal_dues_base``."""

    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="dues_bases", verbose_name=_("党员")
    )
    valid_from = models.DateField(_("起始月份"))
    category = models.CharField(_("党员类别"), max_length=16, choices=DuesCategory.choices)
    base_encrypted = models.TextField(blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("党费计算基数")
        verbose_name_plural = _("党费计算基数")
        ordering = ["member", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["member", "valid_from"], name="funding_duesbase_one_per_month"),
            _first_of_month("valid_from", "funding_duesbase_first_of_month"),
            models.CheckConstraint(condition=Q(category__in=DuesCategory.values), name="funding_duesbase_category"),
            models.CheckConstraint(
                condition=Q(category__in=list(funding_rules.FIXED_CATEGORIES), base_encrypted="")
                | (~Q(category__in=list(funding_rules.FIXED_CATEGORIES)) & ~Q(base_encrypted="")),
                name="funding_duesbase_base_iff_bracket_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.valid_from:%Y-%m}"


class DuesPayment(models.Model):
    """One month's dues of a member, paid to the party organization the month is owed to
    (``dues.owed_to``: the holder of the relation on the month's last day)."""

    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="dues_payments", verbose_name=_("党员")
    )
    party_organization = models.ForeignKey(
        "registry.PartyOrganization", on_delete=models.PROTECT, related_name="dues_payments", verbose_name=_("党组织")
    )
    month = models.DateField(_("所交月份"))
    amount = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("交纳日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费交纳")
        verbose_name_plural = _("党费交纳")
        ordering = ["month", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="funding_duespayment_one_per_month"),
            _first_of_month("month", "funding_duespayment_first_of_month"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="funding_duespayment_amount_positive"),
        ]
        indexes = [models.Index(fields=["party_organization", "month"], name="funding_duespayment_org_month")]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.month:%Y-%m} {self.amount}"


class Allocation(models.Model):
    """The county budget of a year, issued once: members counted where their relation is held on
    ``as_of``, times the amount per member of the policy in force that day."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    as_of = models.DateField(_("党员人数截至日期"))
    per_member_amount = models.DecimalField(_("经费标准(元/名党员·年)"), max_digits=12, decimal_places=2)
    policy = models.ForeignKey(
        "policy.FundingPolicyVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("经费政策版本")
    )
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField(_("拨付日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("经费拨付")
        verbose_name_plural = _("经费拨付")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="funding_allocation_year"),
            models.CheckConstraint(condition=IsInYear("as_of", "year"), name="funding_allocation_as_of_in_year"),
            models.CheckConstraint(condition=Q(per_member_amount__gt=0), name="funding_allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年党建工作经费"


class AllocationLine(models.Model):
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="lines")
    party_organization = models.ForeignKey(
        "registry.PartyOrganization", on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )
    members = models.PositiveIntegerField(_("党员数(含预备党员)"))
    probationary_members = models.PositiveIntegerField(_("其中预备党员"))
    amount = models.DecimalField(_("拨付金额(元)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("经费拨付明细")
        verbose_name_plural = _("经费拨付明细")
        constraints = [
            models.UniqueConstraint(fields=["allocation", "party_organization"], name="funding_allocationline_unique"),
            models.CheckConstraint(condition=Q(members__gt=0), name="funding_allocationline_members"),
            models.CheckConstraint(
                condition=Q(probationary_members__lte=F("members")), name="funding_allocationline_probationary"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="funding_allocationline_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.allocation_id}:{self.party_organization_id} {self.amount}"


class DuesReturn(models.Model):
    """The retained share of a year's dues returned to a party organization. A year may be
    returned more than once (dues paid late): each return is what the year's dues paid so far call
    for, less what was returned before (``funding_rules.returned_share``)."""

    party_organization = models.ForeignKey(
        "registry.PartyOrganization", on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )
    year = models.PositiveSmallIntegerField(_("党费所属年度"))
    dues_paid = models.DecimalField(_("该年度已交党费(元)"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("返还金额(元)"), max_digits=12, decimal_places=2)
    returned_on = models.DateField(_("返还日期"))
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("党费留存返还")
        verbose_name_plural = _("党费留存返还")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funding_duesreturn_amount_positive"),
            models.CheckConstraint(condition=Q(amount__lte=F("dues_paid")), name="funding_duesreturn_le_paid"),
        ]
        indexes = [models.Index(fields=["party_organization", "year"], name="funding_duesreturn_org_year")]

    def __str__(self) -> str:
        return f"{self.party_organization_id}:{self.year} {self.amount}"


class ActivityFundBooking(models.Model):
    """The party activity funds an organization booked (into management costs) for a year."""

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="activity_funds", verbose_name=_("组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("列支金额(元)"), max_digits=12, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("党建活动经费列支")
        verbose_name_plural = _("党建活动经费列支")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="funding_activityfund_one_per_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_activityfund_amount_nonneg"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="funding_activityfund_year"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.year} {self.amount}"


class RewardApplication(models.Model):
    """以奖代补: a party organization applies with its evidence; the county approves an amount (at
    most the one asked for) or rejects with a reason. Approval books the reward into the ledger."""

    party_organization = models.ForeignKey(
        "registry.PartyOrganization",
        on_delete=models.PROTECT,
        related_name="reward_applications",
        verbose_name=_("申请党组织"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在两新组织"),
    )
    kind = models.CharField(_("奖补事项"), max_length=24, choices=RewardKind.choices)
    five_ones_item = models.CharField(_("对应“五个一”项目"), max_length=24, choices=FiveOnesItem.choices, blank=True)
    title = models.CharField(_("项目名称"), max_length=100)
    description = models.TextField(_("建设情况"), max_length=2000)
    amount_requested = models.DecimalField(_("申请金额(元)"), max_digits=12, decimal_places=2)
    evidence = models.FileField(_("证明材料"), upload_to="funding/evidence/%Y/%m/", max_length=255)
    evidence_name = models.CharField(_("证明材料文件名"), max_length=255)
    evidence_kind = models.CharField(_("证明材料类型"), max_length=8)
    evidence_sha256 = models.CharField(max_length=64)
    status = models.CharField(_("状态"), max_length=16, choices=RewardStatus.choices, default=RewardStatus.SUBMITTED)
    amount_approved = models.DecimalField(_("批准金额(元)"), max_digits=12, decimal_places=2, null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("以奖代补申请")
        verbose_name_plural = _("以奖代补申请")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="funding_reward_requested_positive"),
            models.CheckConstraint(condition=Q(status__in=RewardStatus.values), name="funding_reward_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=RewardKind.values), name="funding_reward_kind_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="funding_reward_title_not_blank"),
            models.CheckConstraint(
                condition=(
                    Q(status=RewardStatus.SUBMITTED, amount_approved__isnull=True, decided_on__isnull=True)
                    | Q(
                        status=RewardStatus.APPROVED,
                        amount_approved__gt=0,
                        amount_approved__lte=F("amount_requested"),
                        decided_on__isnull=False,
                    )
                    | (
                        Q(status=RewardStatus.REJECTED, amount_approved__isnull=True, decided_on__isnull=False)
                        & ~Q(decision_note="")
                    )
                ),
                name="funding_reward_decision_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("funding:reward_detail", args=[self.pk])


class LedgerEntry(models.Model):
    """One movement of a party organization's funds: a positive amount whose kind says which way
    it goes (``ledger.DIRECTION``), with the row it comes from."""

    party_organization = models.ForeignKey(
        "registry.PartyOrganization", on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("党组织")
    )
    kind = models.CharField(_("类别"), max_length=16, choices=LedgerKind.choices)
    entry_date = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    description = models.CharField(_("摘要"), max_length=200)
    allocation_line = models.OneToOneField(
        AllocationLine, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entry"
    )
    dues_return = models.OneToOneField(
        DuesReturn, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entry"
    )
    reward = models.OneToOneField(
        RewardApplication, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entry"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("经费台账")
        verbose_name_plural = _("经费台账")
        ordering = ["entry_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funding_ledger_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=LedgerKind.values), name="funding_ledger_kind_valid"),
            models.CheckConstraint(condition=~Q(description=""), name="funding_ledger_description_not_blank"),
            # Each kind names its own source and no other; spending is its own source.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=LedgerKind.ALLOCATION,
                        allocation_line__isnull=False,
                        dues_return__isnull=True,
                        reward__isnull=True,
                    )
                    | Q(
                        kind=LedgerKind.DUES_RETURN,
                        allocation_line__isnull=True,
                        dues_return__isnull=False,
                        reward__isnull=True,
                    )
                    | Q(
                        kind=LedgerKind.REWARD,
                        allocation_line__isnull=True,
                        dues_return__isnull=True,
                        reward__isnull=False,
                    )
                    | Q(
                        kind=LedgerKind.SPENDING,
                        allocation_line__isnull=True,
                        dues_return__isnull=True,
                        reward__isnull=True,
                    )
                ),
                name="funding_ledger_source_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["party_organization", "entry_date"], name="funding_ledger_org_date")]

    def __str__(self) -> str:
        return f"{self.party_organization_id} {self.entry_date} {self.kind} {self.amount}"
