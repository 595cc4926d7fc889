"""Writes of the coverage app: keyword-only, typed, one transaction, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.core.errors import ServiceError
from liangxin.registry.models import PartyOrganization
from liangxin.registry.scoping import party_organization_scope

from . import dsl
from .choices import IndicatorKind, Subject
from .models import FiveGoodsRating, Indicator
from .state import SUMMABLE, fields_for


def _require(by: User | None, permission: Permission) -> None:
    if by is not None and not by.can(permission):
        raise ServiceError(_("您的角色无权进行此操作。"))


def _save_audited(by: User | None, obj: Model, before: dict[str, Any] | None, *, refused: str) -> None:
    """Save a new or changed record in the caller's transaction and audit the difference; a
    database constraint refusing it becomes ``refused``. ``before`` is None for a new record."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ServiceError(refused) from exc
    log_change(
        actor=by,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        obj=obj,
        changes=diff(before, snapshot(obj)),
    )


def record_five_goods(
    *,
    by: User | None,
    party_organization: PartyOrganization,
    year: int,
    rated_five_goods: bool,
    rated_by: str,
    rated_on: dt.date,
    note: str = "",
) -> FiveGoodsRating:
    """Record (or correct) a party organization's five-goods rating of ``year``. ``by`` is None
    only for the demo loader and data migrations."""
    _require(by, Permission.EDIT_ORGANIZATIONS)
    if (
        by is not None
        and not PartyOrganization.objects.filter(party_organization_scope(by), pk=party_organization.pk).exists()
    ):
        raise ServiceError(_("该党组织不在您的管辖范围内。"))
    if not rated_by.strip():
        raise ServiceError(_("请填写评定单位。"), field="rated_by")
    if rated_on.year < year:
        raise ServiceError(_("评定日期不能早于评定年度。"), field="rated_on")
    if party_organization.founded_on > rated_on:
        raise ServiceError(_("评定日期早于党组织成立日期。"), field="rated_on")
    with transaction.atomic():
        current = (
            FiveGoodsRating.objects.select_for_update().filter(party_organization=party_organization, year=year).first()
        )
        before = snapshot(current) if current is not None else None
        rating = current or FiveGoodsRating(party_organization=party_organization, year=year)
        rating.rated_five_goods = rated_five_goods
        rating.rated_by = rated_by.strip()
        rating.rated_on = rated_on
        rating.note = note
        rating.recorded_by = by
        _save_audited(by, rating, before, refused=_("该党组织本年度已有评定记录,请刷新后修改。"))
    return rating


def check_definition(
    *, subject: str, kind: str, numerator: Any, denominator: Any, sum_field: str = ""
) -> tuple[dsl.Node, dsl.Node]:
    """Parse both filters against the subject's state columns; ServiceError when they do not."""
    if subject not in Subject.values:
        raise ServiceError(_("未知的统计对象:%(s)s") % {"s": subject}, field="subject")
    if kind not in IndicatorKind.values:
        raise ServiceError(_("未知的指标类型:%(s)s") % {"s": kind}, field="kind")
    if kind == IndicatorKind.SUM and (subject != Subject.ORGANIZATION or sum_field not in SUMMABLE):
        raise ServiceError(_("合计类指标须指定两新组织的数值字段。"), field="sum_field")
    fields = fields_for(subject)
    try:
        return dsl.parse(denominator, fields, "denominator."), dsl.parse(numerator, fields, "numerator.")
    except dsl.DslError as exc:
        raise ServiceError(_("指标条件有误:%(e)s") % {"e": str(exc)}) from exc


def define_indicator(
    *,
    by: User | None,
    code: str,
    name: str,
    subject: str = Subject.ORGANIZATION,
    kind: str = IndicatorKind.SHARE,
    numerator: Any = None,
    denominator: Any = None,
    sum_field: str = "",
    target_indicator: str = "",
    target_value: Decimal | None = None,
    display_order: int = 100,
    headline: bool = False,
    short_name: str = "",
    description: str = "",
) -> Indicator:
    """Create or redefine an indicator: data, not code. Only the county administrator."""
    if by is not None and by.role != "county_admin":
        raise ServiceError(_("只有县级管理员可以定义指标。"))
    numerator = numerator if numerator is not None else {}
    denominator = denominator if denominator is not None else {}
    check_definition(subject=subject, kind=kind, numerator=numerator, denominator=denominator, sum_field=sum_field)
    values = {
        "name": name,
        "short_name": short_name,
        "subject": subject,
        "kind": kind,
        "numerator": numerator,
        "denominator": denominator,
        "sum_field": sum_field,
        "target_indicator": target_indicator,
        "target_value": target_value,
        "display_order": display_order,
        "headline": headline,
        "description": description,
        "active": True,
    }
    with transaction.atomic():
        current = Indicator.objects.select_for_update().filter(code=code).first()
        before = snapshot(current) if current is not None else None
        indicator = current or Indicator(code=code)
        for key, value in values.items():
            setattr(indicator, key, value)
        _save_audited(by, indicator, before, refused=_("指标定义不合规则(目标只适用于比例类指标)。"))
    return indicator
