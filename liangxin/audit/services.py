"""Writing the audit log. The only writer of ``AuditRecord``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from liangxin.accounts.models import User
from liangxin.core import bulk
from liangxin.core.masking import birth_year, mask_phone

from .models import AuditRecord

GENESIS_HASH = "0" * 64

# Fields never copied into a diff: ciphertext and keyed hashes of ID numbers (the masked form is
# logged instead), password hashes, and bookkeeping that changes on every save.
_NEVER_LOGGED = frozenset(
    {
        "id_number_encrypted",
        "id_number_hash",
        "password",
        "name_normalized",
        "name_initials",
        "name_pinyin",
        "updated_at",
        "created_at",
        "last_login",
        "version",
    }
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete field values of ``obj`` as JSON-safe data, sensitive fields left out."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in _NEVER_LOGGED:
            continue
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


# Personal data logged only as the pages show it (docs/personal-data.md): the audit administrator
# sees that a phone number or birth date changed, not the value.
_MASKED: dict[str, Callable[[Any], str]] = {"phone": mask_phone, "birth_date": birth_year}


def _logged(field: str, value: Any) -> Any:
    mask = _MASKED.get(field)
    return mask(value) if mask is not None and value else value


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{field: [old, new]}`` for every field that differs (compared in full, logged masked)."""
    before = before or {}
    after = after or {}
    keys = sorted(set(before) | set(after))
    return {k: [_logged(k, before.get(k)), _logged(k, after.get(k))] for k in keys if before.get(k) != after.get(k)}


def record_hash(
    *,
    prev_hash: str,
    at: dt.datetime,
    actor_username: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    changes: Any,
) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(), actor_username, action, object_type, object_id, object_repr, changes],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _object_type(obj: models.Model | type[models.Model]) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def log_change(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: Mapping[str, Any] | None = None,
    remote_addr: str | None = None,
) -> AuditRecord:
    """Append one record to the chain. Call it inside the transaction of the change it records,
    so that the record and the change commit or roll back together."""
    if obj is not None:
        object_type = object_type or _object_type(obj)
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    payload = _jsonable(dict(changes or {}))
    with transaction.atomic():
        # Serialise writers on the chain head: on PostgreSQL the row lock, on SQLite the
        # IMMEDIATE transaction already holds the database write lock.
        last = AuditRecord.objects.select_for_update().order_by("-pk").only("hash").first()
        prev_hash = last.hash if last else GENESIS_HASH
        at = timezone.now()
        username = actor.get_username() if actor else ""
        record = AuditRecord(
            at=at,
            actor=actor,
            actor_username=username,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            changes=payload,
            remote_addr=remote_addr,
            prev_hash=prev_hash,
        )
        record.hash = record_hash(
            prev_hash=prev_hash,
            at=at,
            actor_username=username,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=record.object_repr,
            changes=payload,
        )
        record.save()
        _schedule_anchor_update()
    return record


def log_many(*, actor: User | None, action: str, entries: Iterable[tuple[models.Model, Mapping[str, Any]]]) -> int:
    """Chain many records in one go (bulk loads): one lock, rows inserted with ``executemany``
    (``core.bulk``; a census import may audit thousands of new party organizations)."""
    with transaction.atomic():
        last = AuditRecord.objects.select_for_update().order_by("-pk").only("hash").first()
        prev_hash = last.hash if last else GENESIS_HASH
        username = actor.get_username() if actor else ""
        actor_id = actor.pk if actor else None
        rows = []
        for obj, changes in entries:
            at = timezone.now()
            payload = _jsonable(dict(changes))
            object_type, object_id, object_repr = _object_type(obj), str(obj.pk), str(obj)[:200]
            h = record_hash(
                prev_hash=prev_hash,
                at=at,
                actor_username=username,
                action=action,
                object_type=object_type,
                object_id=object_id,
                object_repr=object_repr,
                changes=payload,
            )
            rows.append((at, actor_id, username, action, object_type, object_id, object_repr, payload, prev_hash, h))
            prev_hash = h
        bulk.insert_rows(AuditRecord, _RECORD_COLUMNS, rows)
        if rows:
            _schedule_anchor_update()
    return len(rows)


_RECORD_COLUMNS = (
    "at", "actor_id", "actor_username", "action", "object_type", "object_id", "object_repr", "changes", "prev_hash",
    "hash",
)  # fmt: skip


def _schedule_anchor_update() -> None:
    # The chain head is also written outside the database once this transaction commits, so
    # that cutting records off the end is detected (audit.chain, issue 8).
    from .chain import schedule_anchor_update

    schedule_anchor_update()
