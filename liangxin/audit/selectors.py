"""Reads of the audit log. Only the audit administrator reads it; for anyone else every
function here returns nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.accounts.roles import Permission

from .models import AuditAction, AuditRecord
from .services import GENESIS_HASH, record_hash


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
    if filters.q.strip():
        qs = qs.filter(object_repr__icontains=filters.q.strip())
    return qs.order_by("-pk")


def _model_of(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = _model_of(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def object_type_choices(*, user: User) -> list[tuple[str, str]]:
    """The object types present in the log, labelled with their model's name."""
    types = records_for(user=user).order_by().values_list("object_type", flat=True).distinct()
    return sorted(((t, f"{object_type_label(t)} ({t})") for t in types), key=lambda choice: choice[0])


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    old: str
    new: str


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def change_rows(record: AuditRecord) -> list[ChangeRow]:
    """The changes as field / old / new. Entries not in the ``{field: [old, new]}`` shape are
    shown whole in the "new" column."""
    model = _model_of(record.object_type)
    labels: dict[str, str] = {}
    if model is not None:
        labels = {f.name: str(getattr(f, "verbose_name", f.name)) for f in model._meta.get_fields()}
    changes = record.changes if isinstance(record.changes, dict) else {"": record.changes}
    rows = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            old, new = value
        else:
            old, new = None, value
        rows.append(ChangeRow(field=name, label=labels.get(name, name), old=_display(old), new=_display(new)))
    return rows


@dataclass(frozen=True)
class ChainCheck:
    hash_ok: bool  # the record's hash matches its content
    link_ok: bool  # its prev_hash is the hash of the record before it


def check_record(record: AuditRecord) -> ChainCheck:
    expected = record_hash(
        prev_hash=record.prev_hash,
        at=record.at,
        actor_username=record.actor_username,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        object_repr=record.object_repr,
        changes=record.changes,
    )
    previous = AuditRecord.objects.filter(pk__lt=record.pk).order_by("-pk").values_list("hash", flat=True).first()
    return ChainCheck(hash_ok=expected == record.hash, link_ok=record.prev_hash == (previous or GENESIS_HASH))


def export_header() -> list[str]:
    return [
        _("编号"),
        _("时间"),
        _("操作人账号"),
        _("操作"),
        _("对象类型"),
        _("对象编号"),
        _("对象"),
        _("变更内容"),
        _("来源地址"),
        _("哈希"),
        _("前一条哈希"),
    ]


def export_rows(records: QuerySet[AuditRecord]) -> Iterator[list[Any]]:
    """One row iterator for both export formats. Time as the county's local time, to the second."""
    actions = dict(AuditAction.choices)
    for record in records.iterator(chunk_size=2000):
        at = timezone.localtime(record.at).replace(tzinfo=None, microsecond=0)
        yield [
            record.pk,
            at,
            record.actor_username,
            str(actions.get(record.action, record.action)),
            record.object_type,
            record.object_id,
            record.object_repr,
            json.dumps(record.changes, ensure_ascii=False, sort_keys=True),
            record.remote_addr or "",
            record.hash,
            record.prev_hash,
        ]
