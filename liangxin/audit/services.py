"""Writing the audit log. The only writer of ``AuditRecord``.

Every write takes the chain lock, reads the head of the chain and checks it before appending:

- a head that disagrees with the anchor outside the database (the end was cut or rewritten), or
  whose hash does not match its content, is written down as a chain-break record
  (``audit.chain_break``) before the record asked for, and logged at ERROR level. The chain goes
  on: refusing to write would stop every login and every change of the county for as long as
  nobody repairs the anchor, which would let anyone who can delete rows take the system down,
  while the break record cannot be removed without the key and is reported by every
  verification from then on;
- a chain written before the audit key (plain hashes) gets the transition record
  (``audit.chain_keyed``) first.

Each record gets the next id (head + 1), the client address and request id of the request
being served (``audit.context``), and the keyed hash of all its columns (``audit.chain``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from liangxin.accounts.models import User
from liangxin.core import bulk

from . import anchor, chain, context
from .masking import mask_changes
from .models import AuditAction, AuditRecord

log = logging.getLogger(__name__)

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

# Writers of the chain wait for each other on PostgreSQL through this transaction-level advisory
# lock, then read the head: locking the head row instead would hand a waiting writer the head it
# waited on, not the one just committed. On SQLite the IMMEDIATE transaction holds the database
# write lock already.
_CHAIN_LOCK = 0x6C78_6175_6469_74  # "lxaudit"


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


def _json_default(value: Any) -> Any:
    """What ``json.dumps`` cannot write by itself, as ``_jsonable`` writes it."""
    converted = _jsonable(value)
    if converted is value:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return converted


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete field values of ``obj`` as JSON-safe data, sensitive fields left out."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in _NEVER_LOGGED:
            continue
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{field: [old, new]}`` for every field that differs (compared in full, logged masked)."""
    before = before or {}
    after = after or {}
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _object_type(obj: models.Model | type[models.Model]) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Django's foreign keys are checked at COMMIT (deferred). The chain lock is held until
            # then, so a large write (an import of 50,000 rows) would have every other audited
            # write wait on its checks: they run now, before the lock (bench/contention.md).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


class _Appender:
    """Appends to the chain inside the caller's transaction (call inside ``atomic``)."""

    def __init__(self, *, remote_addr: str | None = None) -> None:
        _lock_chain()
        self.key = chain.audit_key()
        bound = context.current()
        self.remote_addr = context.client_address(remote_addr) or (bound.remote_addr if bound else None)
        self.request_id = bound.request_id if bound else ""
        self.records: list[_Record] = []
        head = AuditRecord.objects.order_by("-pk").first()
        self.next_id = head.pk + 1 if head is not None else 1
        self.prev_hash = head.hash if head is not None else chain.GENESIS_HASH
        if head is not None:
            self._check_head(head)

    def _check_head(self, head: AuditRecord) -> None:
        head_edited = False
        if chain.record_hash(head, key=self.key) != head.hash:
            if self._keyed_before(head):
                head_edited = True
            else:
                head_edited = chain.legacy_hash(head) != head.hash
                self.add(
                    actor=None,
                    action=AuditAction.CHAIN_KEYED,
                    object_type=chain.CHAIN_OBJECT_TYPE,
                    object_repr="审计链",
                    changes={"scheme": chain.SCHEME, "key_id": chain.key_id(self.key), "legacy_up_to": head.pk},
                )
        entry = anchor.read_anchor()
        anchored = anchor.anchored_id(entry)
        if anchored is None or anchored == head.pk:
            anchored_hash = head.hash if anchored is not None else None
        else:
            anchored_hash = AuditRecord.objects.filter(pk=anchored).values_list("hash", flat=True).first()
        reason = anchor.disagreement(head_id=head.pk, anchor=entry, anchored_hash=anchored_hash)
        reason = reason or (chain.EDITED if head_edited else None)
        if reason is None:
            return
        log.error(
            "Audit chain break (%s): head #%s, anchor %s; recorded in the chain before writing on.",
            reason,
            head.pk,
            entry,
        )
        self.add(
            actor=None,
            action=AuditAction.CHAIN_BREAK,
            object_type=chain.CHAIN_OBJECT_TYPE,
            object_repr="审计链",
            changes={
                "reason": reason,
                "head": {"id": head.pk, "hash": head.hash},
                "anchor": {"last_id": anchored, "last_hash": (entry or {}).get("last_hash")},
            },
        )

    def _keyed_before(self, head: AuditRecord) -> bool:
        """Was the chain keyed before this head (whose keyed hash does not match)?"""
        marked = AuditRecord.objects.filter(
            object_type=chain.CHAIN_OBJECT_TYPE, action=AuditAction.CHAIN_KEYED, pk__lt=head.pk
        ).exists()
        if marked:
            return True
        first = AuditRecord.objects.order_by("pk").first()
        return first is not None and first.pk != head.pk and chain.record_hash(first, key=self.key) == first.hash

    def add(
        self,
        *,
        actor: User | None,
        action: str,
        object_type: str,
        object_id: str = "",
        object_repr: str = "",
        changes: Mapping[str, Any] | None = None,
    ) -> _Record:
        # Stored as JSON and read back as JSON: hash exactly what a reader will get (tuples
        # become lists, keys strings, dates ISO text).
        payload = json.loads(json.dumps(changes or {}, ensure_ascii=False, default=_json_default))
        record = _Record(
            pk=self.next_id,
            at=timezone.now(),
            actor_id=actor.pk if actor else None,
            actor_username=actor.get_username() if actor else "",
            action=action,
            object_type=object_type,
            object_id=object_id[:64],
            object_repr=object_repr[:200],
            changes=mask_changes(object_type, payload),
            remote_addr=self.remote_addr,
            request_id=self.request_id,
            prev_hash=self.prev_hash,
        )
        record.hash = chain.record_hash(record, key=self.key)
        self.records.append(record)
        self.next_id += 1
        self.prev_hash = record.hash
        return record

    def save(self) -> None:
        if self.records:
            bulk.insert_rows(AuditRecord, _COLUMNS, (r.values() for r in self.records))
            # The chain head is also written outside the database once this transaction
            # commits, so that cutting records off the end is detected.
            anchor.schedule_anchor_update()


@dataclass(slots=True)
class _Record:
    """A record as it is inserted (cheaper than a model instance for a bulk load of thousands)."""

    pk: int
    at: dt.datetime
    actor_id: int | None
    actor_username: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: Any
    remote_addr: str | None
    request_id: str
    prev_hash: str
    hash: str = ""

    def values(self) -> tuple[Any, ...]:
        """In the order of ``_COLUMNS``."""
        return (
            self.pk,
            self.at,
            self.actor_id,
            self.actor_username,
            self.action,
            self.object_type,
            self.object_id,
            self.object_repr,
            self.changes,
            self.remote_addr,
            self.request_id,
            self.prev_hash,
            self.hash,
        )


_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "remote_addr",
    "request_id",
    "prev_hash",
    "hash",
)  # fmt: skip


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
    so that the record and the change commit or roll back together. The client address is the
    request's (``audit.context``) unless ``remote_addr`` is given."""
    if obj is not None:
        object_type = object_type or _object_type(obj)
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    with transaction.atomic():
        appender = _Appender(remote_addr=remote_addr)
        row = appender.add(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            changes=changes,
        )
        appender.save()
    record = AuditRecord(
        pk=row.pk,
        at=row.at,
        actor=actor,
        actor_username=row.actor_username,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        object_repr=row.object_repr,
        changes=row.changes,
        remote_addr=row.remote_addr,
        request_id=row.request_id,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
    record._state.adding = False
    record._state.db = connection.alias
    return record


def log_many(*, actor: User | None, action: str, entries: Iterable[tuple[models.Model, Mapping[str, Any]]]) -> int:
    """Chain many records in one go (bulk loads): one lock, rows inserted with ``executemany``
    (``core.bulk``; a census import may audit thousands of new party organizations)."""
    with transaction.atomic():
        appender: _Appender | None = None
        count = 0
        for obj, changes in entries:
            appender = appender or _Appender()
            appender.add(
                actor=actor,
                action=action,
                object_type=_object_type(obj),
                object_id=str(obj.pk),
                object_repr=str(obj),
                changes=changes,
            )
            count += 1
        if appender is not None:
            appender.save()
    return count
