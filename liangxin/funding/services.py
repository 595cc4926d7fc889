"""Writes of funding: keyword-only, typed, one transaction each, audited in it.

Who may do what (``accounts.roles``): a party organization's books — dues bases (the member's
secretary and the county administrator only: the base is sensitive), dues payments, spending,
activity funds, reward applications — are ``KEEP_FUNDING_BOOKS``; the county's moves of money —
issuing the allocation, returning the dues, deciding rewards — ``DISBURSE_FUNDS``. Each service
checks that the objects lie in the user's scope as well, so a forged request is refused even
past the pages' scoped lookups.

Every bad figure is refused with a message before anything is written (``funding_rules`` checks
the amounts; ``core.forms.MoneyField`` the typing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission, ScopeKind
from liangxin.audit.models import AuditAction
from liangxin.audit.services import log_change
from liangxin.core import crypto
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.policy import funding_rules
from liangxin.policy.selectors import funding_rules_in_force
from liangxin.registry import evidence as stored_evidence
from liangxin.registry.models import Member, Organization, PartyOrganization, PartyOrganizationCoverage, PartyRelation

from . import dues, selectors
from .choices import LedgerKind, RewardKind, RewardStatus
from .models import (
    ActivityFundBooking,
    Allocation,
    AllocationLine,
    DuesBase,
    DuesPayment,
    DuesReturn,
    LedgerEntry,
    RewardApplication,
)


def _require(user: User, permission: Permission) -> None:
    if not user.can(permission):
        raise ServiceError(_("您的角色无权进行此操作。"))


def _in_scope(user: User, party_organization: PartyOrganization) -> None:
    if not PartyOrganization.objects.restrict(user).filter(pk=party_organization.pk).exists():
        raise ServiceError(_("该党组织不在您的管理范围内。"))


def _refuse(exc: funding_rules.FundingRulesError, field: str | None = None) -> ServiceError:
    return ServiceError(exc.message, field=field)


def _year_in_range(year: int) -> None:
    if not 2000 <= year <= today().year:
        raise ServiceError(_("年度须在2000年至今年之间。"), field="year")


# --- Dues bases ----------------------------------------------------------------------------------


def may_see_dues_base(*, user: User, member: Member) -> bool:
    """The member's secretary (of the party organization holding the relation today) and the
    county administrator; decides whether the page offers the base at all. The services check
    again, so a forged request is refused the same."""
    if not user.can(Permission.VIEW_DUES_BASE):
        return False
    if user.scope_kind is ScopeKind.PARTY_ORGANIZATION:
        # A secretary's members are those whose relation his party organization holds today: his scope.
        return Member.objects.restrict(user).filter(pk=member.pk).exists()
    return user.scope_kind is ScopeKind.COUNTY


def _require_dues_base(user: User, member: Member) -> None:
    if not may_see_dues_base(user=user, member=member):
        raise ServiceError(_("党费计算基数只有党员所在党组织的书记和县级管理员可以查看和登记。"))


@dataclass(frozen=True)
class RecordedBase:
    row: DuesBase
    monthly_dues: Decimal  # under the rules in force in its first month


def set_dues_base(
    *,
    by: User,
    member: Member,
    category: str,
    valid_from: dt.date,
    base: Decimal | None = None,
    quarter_income: Decimal | None = None,
) -> RecordedBase:
    """The member's dues base from the month ``valid_from`` on (replacing one recorded for the same
    month). A self-employed member's base is last quarter's average: ``quarter_income`` (the
    quarter before ``valid_from``, which must start a quarter) ÷ 3. The audit record names the
    member, the category and the month, never the base."""
    _require_dues_base(by, member)
    valid_from = valid_from.replace(day=1)
    if valid_from > today().replace(day=1):
        raise ServiceError(_("起始月份不能晚于本月。"), field="valid_from")
    if category not in funding_rules.CATEGORIES:
        raise ServiceError(_("请选择党员类别。"), field="category")
    try:
        if category == funding_rules.SELF_EMPLOYED:
            if valid_from != funding_rules.quarter_start(valid_from):
                raise ServiceError(
                    _("个体经营等灵活就业党员的基数按季度确定:起始月份须为1、4、7或10月。"), field="valid_from"
                )
            if quarter_income is None:
                raise ServiceError(_("请填写上一季度纯收入合计。"), field="quarter_income")
            base = funding_rules.quarter_average(quarter_income)
        elif category in funding_rules.FIXED_CATEGORIES:
            base = None
        elif base is None:
            raise ServiceError(_("请填写党费计算基数(税后月收入)。"), field="base")
        rules = funding_rules_in_force(on=valid_from)
        monthly = funding_rules.monthly_dues(rules, category=category, base=base)
    except funding_rules.FundingRulesError as exc:
        raise _refuse(exc, "quarter_income" if category == funding_rules.SELF_EMPLOYED else "base") from exc
    with transaction.atomic():
        existing = DuesBase.objects.select_for_update().filter(member=member, valid_from=valid_from).first()
        before = None if existing is None else {"category": existing.category, "valid_from": valid_from.isoformat()}
        row = existing or DuesBase(member=member, valid_from=valid_from)
        row.category = category
        row.base_encrypted = "" if base is None else crypto.encrypt(str(base))
        row.recorded_by = by
        row.save()
        log_change(
            actor=by,
            action=AuditAction.CREATE if existing is None else AuditAction.UPDATE,
            obj=row,
            object_repr=_("%(name)s的党费计算基数") % {"name": member.name},
            changes={
                "member": [None, member.pk],
                "category": [before["category"] if before else None, category],
                "valid_from": [before["valid_from"] if before else None, valid_from.isoformat()],
            },
        )
    return RecordedBase(row, monthly)


@dataclass(frozen=True)
class RevealedBase:
    valid_from: dt.date
    category: str
    base: Decimal | None


def reveal_dues_base(*, by: User, member: Member, remote_addr: str | None = None) -> list[RevealedBase]:
    """The member's bases in full, newest first; every reveal is audited (the record names the
    member, never a figure)."""
    _require_dues_base(by, member)
    with transaction.atomic():
        log_change(
            actor=by,
            action=AuditAction.VIEW_DUES_BASE,
            obj=member,
            remote_addr=remote_addr,
        )
    rows = DuesBase.objects.filter(member=member).order_by("-valid_from")
    return [
        RevealedBase(r.valid_from, r.category, Decimal(crypto.decrypt(r.base_encrypted)) if r.base_encrypted else None)
        for r in rows
    ]


# --- Dues payments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    member: Member
    amount: Decimal


def record_dues_payments(
    *, by: User, party_organization: PartyOrganization, month: dt.date, paid_on: dt.date, payments: Sequence[Payment]
) -> list[DuesPayment]:
    """One month's dues of several members of a party organization, all or none: each member must
    owe that month to this party organization (``dues.owed_to``) and not have paid it yet."""
    _require(by, Permission.KEEP_FUNDING_BOOKS)
    _in_scope(by, party_organization)
    month = month.replace(day=1)
    now = today()
    if month > now.replace(day=1):
        raise ServiceError(_("只能登记本月及以前月份的党费。"), field="month")
    if paid_on > now:
        raise ServiceError(_("交纳日期不能晚于今天。"), field="paid_on")
    if not payments:
        raise ServiceError(_("请至少为一名党员填写交纳金额。"))
    members = [p.member for p in payments]
    if len({m.pk for m in members}) != len(members):
        raise ServiceError(_("同一名党员在一次登记中只能出现一次。"))
    relations: dict[int, list[dues.Relation]] = {m.pk: [] for m in members}
    for member_id, party_org_id, valid_from, valid_to in PartyRelation.objects.filter(
        member_id__in=list(relations)
    ).values_list("member_id", "party_organization_id", "valid_from", "valid_to"):
        relations[member_id].append(dues.Relation(party_org_id, valid_from, valid_to))
    problems = []
    for payment in payments:
        owner = dues.owed_to(relations[payment.member.pk], month, today=now)
        if owner != party_organization.pk:
            problems.append(
                _("%(name)s %(month)s 的组织关系不在本党组织,党费不由本党组织收缴。")
                % {"name": payment.member.name, "month": f"{month:%Y年%m月}"}
            )
        if not (Decimal(0) < payment.amount <= funding_rules.LARGEST_AMOUNT) or payment.amount != funding_rules.yuan(
            payment.amount
        ):
            problems.append(_("%(name)s 的金额须大于0、最多两位小数。") % {"name": payment.member.name})
    with transaction.atomic():
        paid = set(DuesPayment.objects.filter(member__in=members, month=month).values_list("member__name", flat=True))
        problems.extend(
            _("%(name)s %(month)s 的党费已经登记过。") % {"name": name, "month": f"{month:%Y年%m月}"}
            for name in sorted(paid)
        )
        if problems:
            raise ServiceError("\n".join(problems))
        try:
            rows = DuesPayment.objects.bulk_create(
                DuesPayment(
                    member=p.member,
                    party_organization=party_organization,
                    month=month,
                    amount=p.amount,
                    paid_on=paid_on,
                    recorded_by=by,
                )
                for p in payments
            )
        except IntegrityError as exc:  # recorded meanwhile by someone else
            raise ServiceError(_("有党员本月的党费刚刚由他人登记,请刷新后重试。")) from exc
        # The amounts are left out of the record: a member's dues give the base away.
        log_change(
            actor=by,
            action=AuditAction.CREATE,
            obj=party_organization,
            object_type="funding.duespayment",
            object_repr=_("%(name)s %(month)s 党费") % {"name": party_organization.name, "month": f"{month:%Y-%m}"},
            changes={
                "month": [None, month.isoformat()],
                "date": [None, paid_on.isoformat()],
                "members_paid": [None, sorted(m.pk for m in members)],
            },
        )
    return rows


# --- Allocation ----------------------------------------------------------------------------------


def issue_allocation(*, by: User, year: int, as_of: dt.date | None = None) -> Allocation:
    """Issue the year's budget: members counted where their relation is held on ``as_of`` (31
    December or today, if earlier), each party organization's amount booked into its ledger. Once
    a year; the lines and the ledger entries are written in one transaction."""
    _require(by, Permission.DISBURSE_FUNDS)
    _year_in_range(year)
    with transaction.atomic():
        if Allocation.objects.select_for_update().filter(year=year).exists():
            raise ServiceError(_("%(year)s年度的经费已经拨付。") % {"year": year}, field="year")
        sheet = selectors.county_allocation(year=year, as_of=as_of)
        if not sheet.rows:
            raise ServiceError(_("截至 %(date)s 没有党员的组织关系在本县党组织,无可拨付。") % {"date": sheet.as_of})
        try:
            allocation = Allocation.objects.create(
                year=year,
                as_of=sheet.as_of,
                per_member_amount=sheet.per_member_amount,
                policy=sheet.policy,
                issued_by=by,
                issued_on=today(),
            )
        except IntegrityError as exc:
            raise ServiceError(_("%(year)s年度的经费已经拨付。") % {"year": year}, field="year") from exc
        lines = AllocationLine.objects.bulk_create(
            AllocationLine(
                allocation=allocation,
                party_organization=row.party_organization,
                members=row.members,
                probationary_members=row.probationary_members,
                amount=row.amount,
            )
            for row in sheet.rows
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                party_organization=line.party_organization,
                kind=LedgerKind.ALLOCATION,
                entry_date=allocation.issued_on,
                amount=line.amount,
                description=_("%(year)s年党建工作经费(%(members)s名党员×%(per)s元)")
                % {"year": year, "members": line.members, "per": sheet.per_member_amount},
                allocation_line=line,
                created_by=by,
            )
            for line in lines
        )
        log_change(
            actor=by,
            action=AuditAction.FUNDING_ALLOCATE,
            obj=allocation,
            changes={
                "year": [None, year],
                "as_of": [None, sheet.as_of.isoformat()],
                "per_member_amount": [None, str(sheet.per_member_amount)],
                "members": [None, sheet.members],
                "amount": [None, str(sheet.amount)],
                "lines": [None, [[r.party_organization.pk, r.members, str(r.amount)] for r in sheet.rows]],
            },
        )
    return allocation


# --- The returned share of dues ------------------------------------------------------------------


def return_dues(*, by: User, year: int) -> list[DuesReturn]:
    """Return to every party organization the retained share of the year's dues paid to it, less
    what was returned before: in full, so a second run after late payments returns only the
    difference, and a run with nothing new returns nothing."""
    _require(by, Permission.DISBURSE_FUNDS)
    _year_in_range(year)
    with transaction.atomic():
        payers = PartyOrganization.objects.filter(
            pk__in=DuesPayment.objects.filter(month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 31)).values(
                "party_organization_id"
            )
        )
        # Two returns at once must not both pay the same difference: the party organizations are
        # locked, and the amounts computed after.
        list(payers.select_for_update().order_by("pk").values_list("pk", flat=True))
        rows = [r for r in selectors.dues_returns(party_organizations=payers, year=year) if r.to_return > 0]
        if not rows:
            raise ServiceError(_("%(year)s年度没有待返还的党费留存部分。") % {"year": year})
        on = today()
        returns = DuesReturn.objects.bulk_create(
            DuesReturn(
                party_organization=r.party_organization,
                year=year,
                dues_paid=r.dues_paid,
                amount=r.to_return,
                returned_on=on,
                returned_by=by,
            )
            for r in rows
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                party_organization=ret.party_organization,
                kind=LedgerKind.DUES_RETURN,
                entry_date=on,
                amount=ret.amount,
                description=_("%(year)s年党费留存部分返还(已交党费%(paid)s元)") % {"year": year, "paid": ret.dues_paid},
                dues_return=ret,
                created_by=by,
            )
            for ret in returns
        )
        log_change(
            actor=by,
            action=AuditAction.FUNDING_RETURN_DUES,
            object_type="funding.duesreturn",
            object_repr=_("%(year)s年党费留存部分返还") % {"year": year},
            changes={
                "year": [None, year],
                "amount": [None, str(sum((r.amount for r in returns), Decimal(0)))],
                "lines": [None, [[r.party_organization_id, str(r.dues_paid), str(r.amount)] for r in returns]],
            },
        )
    return returns


# --- Spending ------------------------------------------------------------------------------------


def add_spending(
    *, by: User, party_organization: PartyOrganization, on: dt.date, amount: Decimal, description: str
) -> LedgerEntry:
    """Money the party organization spent. Refused beyond its balance: the ledger never goes below
    zero (the party organization's row is locked while the balance is read)."""
    _require(by, Permission.KEEP_FUNDING_BOOKS)
    _in_scope(by, party_organization)
    description = " ".join(description.split())
    if not description:
        raise ServiceError(_("请填写支出用途。"), field="description")
    if on > today():
        raise ServiceError(_("支出日期不能晚于今天。"), field="on")
    if on < party_organization.founded_on:
        raise ServiceError(_("支出日期不能早于党组织成立日期。"), field="on")
    if not (Decimal(0) < amount <= funding_rules.LARGEST_AMOUNT) or amount != funding_rules.yuan(amount):
        raise ServiceError(_("金额须大于0、最多两位小数。"), field="amount")
    with transaction.atomic():
        locked = PartyOrganization.objects.select_for_update().get(pk=party_organization.pk)
        if locked.dissolved_on is not None:
            raise ServiceError(_("党组织已撤销,不能再登记支出。"))
        available = selectors.balance_of(party_organization=locked)
        if amount > available:
            raise ServiceError(
                _("支出 %(amount)s 元超过经费余额 %(balance)s 元。")
                % {"amount": amount, "balance": funding_rules.yuan(available)},
                field="amount",
            )
        entry = LedgerEntry.objects.create(
            party_organization=locked,
            kind=LedgerKind.SPENDING,
            entry_date=on,
            amount=amount,
            description=description[:200],
            created_by=by,
        )
        log_change(
            actor=by,
            action=AuditAction.CREATE,
            obj=entry,
            object_repr=_("%(name)s 经费支出") % {"name": locked.name},
            changes={
                "party_organization": [None, locked.pk],
                "entry_date": [None, on.isoformat()],
                "amount": [None, str(amount)],
                "description": [None, entry.description],
            },
        )
    return entry


# --- Activity funds ------------------------------------------------------------------------------


def record_activity_fund(*, by: User, organization: Organization, year: int, amount: Decimal) -> ActivityFundBooking:
    """The party activity funds an organization booked for a year (a second record corrects the
    first; both figures stay in the audit log)."""
    _require(by, Permission.KEEP_FUNDING_BOOKS)
    if not Organization.objects.restrict(by).filter(pk=organization.pk).exists():
        raise ServiceError(_("该组织不在您的管理范围内。"))
    _year_in_range(year)
    if not (Decimal(0) <= amount <= funding_rules.LARGEST_AMOUNT) or amount != funding_rules.yuan(amount):
        raise ServiceError(_("列支金额不能为负数,最多两位小数。"), field="amount")
    with transaction.atomic():
        booking = ActivityFundBooking.objects.select_for_update().filter(organization=organization, year=year).first()
        before = None if booking is None else str(booking.amount)
        booking = booking or ActivityFundBooking(organization=organization, year=year)
        booking.amount = amount
        booking.recorded_by = by
        booking.save()
        log_change(
            actor=by,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            obj=booking,
            object_repr=_("%(name)s %(year)s年党建活动经费") % {"name": organization.name, "year": year},
            changes={"organization": [None, organization.pk], "year": [None, year], "amount": [before, str(amount)]},
        )
    return booking


# --- Rewards instead of subsidies ----------------------------------------------------------------


@dataclass(frozen=True)
class RewardData:
    kind: str
    title: str
    description: str
    amount: Decimal
    organization: Organization | None = None
    five_ones_item: str = ""


def submit_reward(
    *, by: User, party_organization: PartyOrganization, data: RewardData, evidence: UploadedFile
) -> RewardApplication:
    """An application with its evidence, which has passed the upload gate
    (``security.uploads.UploadField`` of kind evidence: ``evidence.checked_kind``)."""
    _require(by, Permission.KEEP_FUNDING_BOOKS)
    _in_scope(by, party_organization)
    if party_organization.dissolved_on is not None:
        raise ServiceError(_("党组织已撤销,不能申请奖补。"))
    if data.kind not in RewardKind.values:
        raise ServiceError(_("请选择奖补事项。"), field="kind")
    if not (Decimal(0) < data.amount <= funding_rules.LARGEST_AMOUNT) or data.amount != funding_rules.yuan(data.amount):
        raise ServiceError(_("申请金额须大于0、最多两位小数。"), field="amount")
    if (
        data.organization is not None
        and not PartyOrganizationCoverage.objects.filter(
            party_organization=party_organization, organization=data.organization, valid_to__isnull=True
        ).exists()
    ):
        raise ServiceError(_("所在组织须是本党组织覆盖的两新组织。"), field="organization")
    kind, digest = stored_evidence.checked(evidence)
    with transaction.atomic():
        reward = RewardApplication(
            party_organization=party_organization,
            organization=data.organization,
            kind=data.kind,
            five_ones_item=data.five_ones_item,
            title=data.title,
            description=data.description,
            amount_requested=data.amount,
            evidence_name=(evidence.name or "")[:255],
            evidence_kind=kind,
            evidence_sha256=digest,
            submitted_by=by,
        )

        def save() -> None:
            reward.save()
            log_change(
                actor=by,
                action=AuditAction.CREATE,
                obj=reward,
                changes={
                    "party_organization": [None, party_organization.pk],
                    "kind": [None, data.kind],
                    "title": [None, data.title],
                    "amount_requested": [None, str(data.amount)],
                    "file": [None, reward.evidence_name],
                    "sha256": [None, reward.evidence_sha256],
                },
            )

        stored_evidence.store(field=reward.evidence, upload=evidence, kind=kind, save=save)
    return reward


def _locked_submitted(reward: RewardApplication) -> RewardApplication:
    locked = RewardApplication.objects.select_for_update().select_related("party_organization").get(pk=reward.pk)
    if locked.status != RewardStatus.SUBMITTED:
        raise ServiceError(_("该申请已经审批(%(status)s)。") % {"status": locked.get_status_display()})
    return locked


def approve_reward(*, by: User, reward: RewardApplication, amount: Decimal, note: str = "") -> RewardApplication:
    """Approve at most the amount asked for; the reward is booked into the party organization's
    ledger on the day of approval."""
    _require(by, Permission.DISBURSE_FUNDS)
    with transaction.atomic():
        locked = _locked_submitted(reward)
        if not (Decimal(0) < amount <= locked.amount_requested) or amount != funding_rules.yuan(amount):
            raise ServiceError(
                _("批准金额须大于0、不超过申请金额 %(requested)s 元。") % {"requested": locked.amount_requested},
                field="amount",
            )
        locked.status = RewardStatus.APPROVED
        locked.amount_approved = amount
        locked.decision_note = " ".join(note.split())[:500]
        locked.decided_by = by
        locked.decided_on = today()
        locked.save(update_fields=["status", "amount_approved", "decision_note", "decided_by", "decided_on"])
        LedgerEntry.objects.create(
            party_organization=locked.party_organization,
            kind=LedgerKind.REWARD,
            entry_date=locked.decided_on,
            amount=amount,
            description=(_("以奖代补:%(title)s") % {"title": locked.title})[:200],
            reward=locked,
            created_by=by,
        )
        log_change(
            actor=by,
            action=AuditAction.REWARD_APPROVE,
            obj=locked,
            changes={
                "status": [RewardStatus.SUBMITTED, RewardStatus.APPROVED],
                "amount_approved": [None, str(amount)],
                "decision_note": [None, locked.decision_note],
            },
        )
    return locked


def reject_reward(*, by: User, reward: RewardApplication, note: str) -> RewardApplication:
    _require(by, Permission.DISBURSE_FUNDS)
    note = " ".join(note.split())
    if not note:
        raise ServiceError(_("驳回须写明原因。"), field="note")
    with transaction.atomic():
        locked = _locked_submitted(reward)
        locked.status = RewardStatus.REJECTED
        locked.decision_note = note[:500]
        locked.decided_by = by
        locked.decided_on = today()
        locked.save(update_fields=["status", "decision_note", "decided_by", "decided_on"])
        log_change(
            actor=by,
            action=AuditAction.REWARD_REJECT,
            obj=locked,
            changes={
                "status": [RewardStatus.SUBMITTED, RewardStatus.REJECTED],
                "decision_note": [None, locked.decision_note],
            },
        )
    return locked
