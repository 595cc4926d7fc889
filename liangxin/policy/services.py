"""Writes of the policy: a new version (with its targets). Versions are never edited or deleted,
so every recommendation made under an older version can still be explained by it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Role
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.core.errors import ServiceError

from . import engine, funding_rules
from .choices import Indicator
from .models import DuesBracket, DuesFixedAmount, FundingPolicyVersion, PolicyTarget, PolicyVersion
from .selectors import policy_in_force


@dataclass(frozen=True)
class PolicyData:
    name: str
    effective_from: dt.date
    min_full_members: int
    general_branch_threshold: int
    general_branch_tolerance: int
    committee_threshold: int
    committee_tolerance: int
    max_joint_organizations: int
    branch_committee_full_members: int
    source: str = engine.SPEECH
    notes: str = ""


@dataclass(frozen=True)
class TargetData:
    year: int
    indicator: str
    value: Decimal  # a share, 0 to 1
    description: str = ""


def _require_county_admin(user: User) -> None:
    # Policy binds every township and department; only the county committee's office sets it.
    # (roles.py has no permission for it yet; a MANAGE_POLICY permission would be the place.)
    if user.role != Role.COUNTY_ADMIN:
        raise ServiceError(_("只有县两新党工委/组织部管理员可以制定政策版本。"))


def _clean_targets(targets: Sequence[TargetData]) -> list[TargetData]:
    seen: set[tuple[int, str]] = set()
    cleaned = []
    for target in targets:
        if target.indicator not in Indicator.values:
            raise ServiceError(_("无法识别的目标指标:%(code)s。") % {"code": target.indicator}, field="targets")
        if not 2000 <= target.year <= 2100:
            raise ServiceError(_("目标年度 %(year)s 不在2000—2100年之间。") % {"year": target.year}, field="targets")
        try:
            value = Decimal(target.value)
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise ServiceError(_("目标值必须是0到1之间的比例。"), field="targets") from exc
        if not Decimal(0) <= value <= Decimal(1) or value != value.quantize(Decimal("0.001")):
            raise ServiceError(
                _("%(year)s年“%(indicator)s”的目标值必须是0到1之间、最多三位小数的比例(如0.8表示80%%)。")
                % {"year": target.year, "indicator": Indicator(target.indicator).label},
                field="targets",
            )
        key = (target.year, target.indicator)
        if key in seen:
            raise ServiceError(
                _("%(year)s年“%(indicator)s”的目标重复。")
                % {"year": target.year, "indicator": Indicator(target.indicator).label},
                field="targets",
            )
        seen.add(key)
        cleaned.append(TargetData(target.year, target.indicator, value, target.description.strip()))
    return cleaned


def create_policy_version(*, by: User, data: PolicyData, targets: Sequence[TargetData] | None = None) -> PolicyVersion:
    """A new version of the rules, in force from ``data.effective_from``.

    ``targets=None`` carries over the targets of the version in force before it (targets rarely
    change with the rules); pass a list, even an empty one, to set them explicitly."""
    _require_county_admin(by)
    name = " ".join(data.name.split())
    if not name:
        raise ServiceError(_("版本名称不能为空。"), field="name")
    numbers = {field: getattr(data, field) for field in engine.NUMBER_FIELDS}
    try:
        engine.Policy(name=name, effective_from=data.effective_from, source=data.source, **numbers)
    except engine.PolicyError as exc:
        raise ServiceError(exc.message) from exc
    with transaction.atomic():
        if PolicyVersion.objects.filter(effective_from=data.effective_from).exists():
            raise ServiceError(
                _("已有自 %(date)s 起施行的政策版本;同一天只能有一个版本。")
                % {"date": data.effective_from.isoformat()},
                field="effective_from",
            )
        if PolicyVersion.objects.filter(name=name).exists():
            raise ServiceError(_("已有名为“%(name)s”的政策版本。") % {"name": name}, field="name")
        if targets is None:
            previous = policy_in_force(on=data.effective_from)
            carried = previous.targets.all() if previous is not None else PolicyTarget.objects.none()
            targets = [TargetData(t.year, t.indicator, t.value, t.description) for t in carried]
        cleaned = _clean_targets(targets)
        try:
            version = PolicyVersion.objects.create(
                name=name,
                effective_from=data.effective_from,
                source=data.source.strip() or engine.SPEECH,
                notes=data.notes.strip(),
                created_by=by,
                **numbers,
            )
        except IntegrityError as exc:  # a concurrent creation won the race for the date or name
            raise ServiceError(_("已有相同生效日期或名称的政策版本。")) from exc
        PolicyTarget.objects.bulk_create(
            PolicyTarget(policy=version, year=t.year, indicator=t.indicator, value=t.value, description=t.description)
            for t in cleaned
        )
        log_change(
            actor=by,
            action=AuditAction.CREATE,
            obj=version,
            changes=diff(None, snapshot(version))
            | {"targets": [None, [[t.year, t.indicator, str(t.value)] for t in cleaned]]},
        )
    return version


@dataclass(frozen=True)
class FundingPolicyData:
    name: str
    effective_from: dt.date
    source: str
    per_member_amount: Decimal
    retained_share: Decimal
    activity_fund_min_share: Decimal
    activity_fund_max_share: Decimal
    brackets: Mapping[str, Sequence[funding_rules.Bracket]]  # scheme → brackets, ascending
    fixed_amounts: Mapping[str, Decimal]  # category → yuan per month
    notes: str = ""


def create_funding_policy_version(*, by: User, data: FundingPolicyData) -> FundingPolicyVersion:
    """A new version of the funding figures, in force from ``data.effective_from``; the figures are
    checked by the pure rules (``funding_rules.rules_problems``) before anything is written."""
    _require_county_admin(by)
    name = " ".join(data.name.split())
    if not name:
        raise ServiceError(_("版本名称不能为空。"), field="name")
    try:
        rules = funding_rules.FundingRules(
            name=name,
            effective_from=data.effective_from,
            per_member_amount=data.per_member_amount,
            retained_share=data.retained_share,
            activity_fund_min_share=data.activity_fund_min_share,
            activity_fund_max_share=data.activity_fund_max_share,
            brackets={scheme: tuple(rows) for scheme, rows in data.brackets.items()},
            fixed_amounts=dict(data.fixed_amounts),
        )
    except funding_rules.FundingRulesError as exc:
        raise ServiceError(exc.message) from exc
    with transaction.atomic():
        if FundingPolicyVersion.objects.filter(effective_from=data.effective_from).exists():
            raise ServiceError(
                _("已有自 %(date)s 起施行的经费政策版本;同一天只能有一个版本。")
                % {"date": data.effective_from.isoformat()},
                field="effective_from",
            )
        if FundingPolicyVersion.objects.filter(name=name).exists():
            raise ServiceError(_("已有名为“%(name)s”的经费政策版本。") % {"name": name}, field="name")
        try:
            version = FundingPolicyVersion.objects.create(
                name=name,
                effective_from=rules.effective_from,
                source=data.source.strip(),
                notes=data.notes.strip(),
                per_member_amount=rules.per_member_amount,
                retained_share=rules.retained_share,
                activity_fund_min_share=rules.activity_fund_min_share,
                activity_fund_max_share=rules.activity_fund_max_share,
                created_by=by,
            )
        except IntegrityError as exc:  # a concurrent creation won the race for the date or name
            raise ServiceError(_("已有相同生效日期或名称的经费政策版本。")) from exc
        DuesBracket.objects.bulk_create(
            DuesBracket(policy=version, scheme=scheme, upper=b.upper, rate=b.rate)
            for scheme, rows in rules.brackets.items()
            for b in rows
        )
        DuesFixedAmount.objects.bulk_create(
            DuesFixedAmount(policy=version, category=category, monthly_amount=amount)
            for category, amount in rules.fixed_amounts.items()
        )
        log_change(
            actor=by,
            action=AuditAction.CREATE,
            obj=version,
            changes=diff(None, snapshot(version))
            | {
                "brackets": [
                    None,
                    [
                        [s, None if b.upper is None else str(b.upper), str(b.rate)]
                        for s, r in rules.brackets.items()
                        for b in r
                    ],
                ],
                "fixed_amounts": [None, {c: str(a) for c, a in rules.fixed_amounts.items()}],
            },
        )
    return version
