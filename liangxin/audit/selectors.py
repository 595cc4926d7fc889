"""Reads of the audit log. Only the audit administrator reads it; for anyone else every
function here returns nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission

from . import chain, display
from .masking import mask_changes
from .models import AuditAction, AuditRecord


def may_read_audit(*, user: User) -> bool:
    return user.can(Permission.VIEW_AUDIT)


def records_for(*, user: User) -> QuerySet[AuditRecord]:
    if not may_read_audit(user=user):
        return AuditRecord.objects.none()
    return AuditRecord.objects.all()


@dataclass(frozen=True)
class AuditFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    request_id: str = ""
    q: str = ""

    def describe(self) -> dict[str, str]:
        """The filters in use, for the audit record of an export."""
        return {key: str(value) for key, value in self.__dict__.items() if value not in (None, "")}


def _start_of(day: dt.date) -> dt.datetime:
    # Days are the county's days (Asia/Shanghai); comparing ``at`` with aware datetimes keeps
    # the index on ``at`` usable, which ``at__date`` would not.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def record_list(*, user: User, filters: AuditFilter) -> QuerySet[AuditRecord]:
    """Newest first, in chain order."""
    qs = records_for(user=user)
    if filters.date_from:
        qs = qs.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    if filters.actor.strip():
        qs = qs.filter(actor_username__iexact=filters.actor.strip())
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id.strip():
        qs = qs.filter(object_id=filters.object_id.strip())
    if filters.request_id.strip():
        qs = qs.filter(request_id=filters.request_id.strip())
    if filters.q.strip():
        qs = qs.filter(object_repr__icontains=filters.q.strip())
    return qs.order_by("-pk")


def object_type_choices(*, user: User) -> list[tuple[str, str]]:
    """The object types present in the log, labelled with their model's name."""
    types = records_for(user=user).order_by().values_list("object_type", flat=True).distinct()
    return sorted(((t, display.object_type_label(t)) for t in types), key=lambda choice: choice[1])


@dataclass(frozen=True)
class ChainCheck:
    hash_ok: bool  # the record's hash matches its content
    link_ok: bool  # its prev_hash is the hash of the record before it
    keyed: bool  # its hash is keyed (False: written before the chain was keyed)


def check_record(record: AuditRecord) -> ChainCheck:
    """One record against its hash and the record before it. A record before the transition
    record is checked with the hash it was written with."""
    legacy = AuditRecord.objects.filter(
        object_type=chain.CHAIN_OBJECT_TYPE, action=AuditAction.CHAIN_KEYED, pk__gt=record.pk
    ).exists()
    expected = chain.legacy_hash(record) if legacy else chain.record_hash(record, key=chain.audit_key())
    previous = AuditRecord.objects.filter(pk__lt=record.pk).order_by("-pk").values_list("hash", flat=True).first()
    return ChainCheck(
        hash_ok=expected == record.hash,
        link_ok=record.prev_hash == (previous or chain.GENESIS_HASH),
        keyed=not legacy,
    )


def export_header() -> list[str]:
    return [
        _("编号"),
        _("时间"),
        _("操作人账号"),
        _("操作"),
        _("操作代码"),
        _("对象类型"),
        _("对象编号"),
        _("对象"),
        _("变更内容"),
        _("来源地址"),
        _("请求编号"),
        _("哈希"),
        _("前一条哈希"),
    ]


def export_rows(records: QuerySet[AuditRecord]) -> Iterator[list[Any]]:
    """One row iterator for both export formats: the codes as stored (action, object type, the
    changes as JSON, personal values masked), the action's label beside its code, and the time
    as the county's local time to the second."""
    actions = dict(AuditAction.choices)
    for record in records.iterator(chunk_size=2000):
        at = timezone.localtime(record.at).replace(tzinfo=None, microsecond=0)
        yield [
            record.pk,
            at,
            record.actor_username,
            str(actions.get(record.action, record.action)),
            record.action,
            record.object_type,
            record.object_id,
            record.object_repr,
            json.dumps(mask_changes(record.object_type, record.changes), ensure_ascii=False, sort_keys=True),
            record.remote_addr or "",
            record.request_id,
            record.hash,
            record.prev_hash,
        ]
