"""Writes of the coverage app: keyword-only, typed, one transaction, audited."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_change, snapshot
from liangxin.core.errors import ServiceError

from . import county_snapshot, dsl, selectors
from .choices import IndicatorKind, Subject
from .models import CountySnapshot, Indicator
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


def refresh_county_snapshots(*, force: bool = False) -> list[CountySnapshot]:
    """Compute the county's pages of today — the dashboard and the indicator table of every
    grouping — and keep them (``county_snapshot.py``) when they are due (or ``force``); drops the
    copies of other days. The import worker calls it when it has no job. Returns the copies
    written, none when none was due. Derived figures, not a change of business data: not audited,
    like the coverage state."""
    started_at = timezone.now()
    as_of = timezone.localdate(started_at)
    names = [county_snapshot.DASHBOARD, *(county_snapshot.table_name(by) for by in selectors.GROUPINGS)]
    kept = dict(CountySnapshot.objects.filter(as_of=as_of).values_list("name", "computed_at"))
    oldest = None if set(names) - set(kept) else min(kept.values())
    if not force and not county_snapshot.due(computed_at=oldest, now=started_at):
        return []
    reader = selectors.county_reader()
    computations: dict[str, Callable[[], object]] = {
        county_snapshot.DASHBOARD: partial(selectors.dashboard, user=reader, as_of=as_of),
        **{
            county_snapshot.table_name(by): partial(selectors.indicator_table_page, user=reader, as_of=as_of, by=by)
            for by in selectors.GROUPINGS
        },
    }
    written = []
    for name, compute in computations.items():
        computed_at, started = timezone.now(), time.perf_counter()
        payload, signature = county_snapshot.pack(compute())
        values = {
            "computed_at": computed_at,
            "seconds": time.perf_counter() - started,
            "payload": payload,
            "signature": signature,
        }
        try:
            with transaction.atomic():
                CountySnapshot.objects.exclude(as_of=as_of).delete()
                copy, _created = CountySnapshot.objects.update_or_create(as_of=as_of, name=name, defaults=values)
        except IntegrityError:  # another worker kept it meanwhile (PostgreSQL, several workers)
            continue
        written.append(copy)
    return written
