"""Proving the audit chain: a pure verifier over records, and the anchor outside the database.

``verify_chain`` reads records in chain order (by id) and needs nothing but their fields: it
recomputes each record's hash from its content and checks that each record's ``prev_hash`` is
the hash of the one before it. What breaks says what happened:

- a record whose hash no longer matches its content was **edited** in place;
- a record whose successor still links to the record *before* it was **inserted**;
- a record whose ``prev_hash`` matches no neighbour follows a **deleted** record (or a rewritten
  one whose hash was recomputed — from the chain alone the two look the same);
- a first record that does not link to the genesis hash follows deleted records at the start.

Cutting records off the end leaves a shorter chain that is still consistent, so the head of the
chain (last id and hash) is also written to a file outside the database after every committed
write (``schedule_anchor_update``); ``check_anchor`` compares the two. The file holds one entry
per database, so a development SQLite file, a PostgreSQL database and test databases sharing a
``var/`` directory do not overwrite each other's anchor.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .services import GENESIS_HASH, record_hash


class ChainRecord(Protocol):
    """What the verifier reads of a record (``AuditRecord`` has all of it)."""

    pk: Any
    prev_hash: str
    hash: str
    at: dt.datetime
    actor_username: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: Any


EDITED = "edited"
INSERTED = "inserted"
DELETED = "deleted"
TRUNCATED = "truncated"
APPENDED = "appended"
ANCHOR = "anchor"


@dataclass(frozen=True)
class ChainProblem:
    kind: str  # one of the constants above
    record_id: Any  # the record the problem is found at (None: the chain as a whole)
    message: str

    def __str__(self) -> str:
        return self.message


def content_hash(record: ChainRecord) -> str:
    return record_hash(
        prev_hash=record.prev_hash,
        at=record.at,
        actor_username=record.actor_username,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        object_repr=record.object_repr,
        changes=record.changes,
    )


@dataclass
class ChainResult:
    count: int
    last_id: Any
    last_hash: str
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(records: Iterable[ChainRecord], *, genesis: str = GENESIS_HASH) -> ChainResult:
    """Check a chain given in order. Streams: keeps only the last two records."""
    problems: list[ChainProblem] = []
    before_previous: ChainRecord | None = None
    previous: ChainRecord | None = None
    count = 0
    for record in records:
        count += 1
        if content_hash(record) != record.hash:
            problems.append(
                ChainProblem(
                    EDITED,
                    record.pk,
                    _("记录 #%(id)s 被改动:内容与其哈希不符。") % {"id": record.pk},
                )
            )
        expected = previous.hash if previous is not None else genesis
        if record.prev_hash != expected:
            if previous is None:
                problems.append(
                    ChainProblem(
                        DELETED,
                        record.pk,
                        _("记录 #%(id)s 之前的记录被删除:链的第一条记录没有接在起点上。") % {"id": record.pk},
                    )
                )
            elif before_previous is not None and record.prev_hash == before_previous.hash:
                problems.append(
                    ChainProblem(
                        INSERTED,
                        previous.pk,
                        _("记录 #%(id)s 是插入的:其后的记录 #%(next)s 仍接在记录 #%(prev)s 之后。")
                        % {"id": previous.pk, "next": record.pk, "prev": before_previous.pk},
                    )
                )
            elif previous.pk is not None and record.prev_hash == genesis and before_previous is None:
                problems.append(
                    ChainProblem(
                        INSERTED,
                        previous.pk,
                        _("记录 #%(id)s 是插入的:其后的记录 #%(next)s 才是链的第一条。")
                        % {"id": previous.pk, "next": record.pk},
                    )
                )
            else:
                problems.append(
                    ChainProblem(
                        DELETED,
                        record.pk,
                        _(
                            "记录 #%(prev)s 与 #%(id)s 之间断链:两者之间的记录被删除,"
                            "或记录 #%(prev)s 被改写后重算了哈希。"
                        )
                        % {"id": record.pk, "prev": previous.pk},
                    )
                )
        before_previous, previous = previous, record
    return ChainResult(
        count=count,
        last_id=previous.pk if previous is not None else None,
        last_hash=previous.hash if previous is not None else genesis,
        problems=problems,
    )


# --- The anchor outside the database ------------------------------------------------------------


def database_key() -> str:
    """Which database an anchor entry belongs to."""
    db = connection.settings_dict
    host = f"{db.get('HOST') or ''}:{db.get('PORT') or ''}" if db.get("HOST") else ""
    return f"{connection.vendor}:{host}{db.get('NAME')}"


def anchor_path() -> Path:
    return Path(settings.AUDIT_ANCHOR_PATH)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock around read-modify-write of the anchor file, across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Linux
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _read_all(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_anchor(*, key: str | None = None) -> dict[str, Any] | None:
    entry = _read_all(anchor_path()).get(key or database_key())
    return entry if isinstance(entry, dict) else None


def write_anchor(*, last_id: int, last_hash: str, key: str | None = None) -> None:
    """Record the chain head, never moving backwards (a late writer with an older head loses)."""
    path = anchor_path()
    key = key or database_key()
    with _locked(path):
        data = _read_all(path)
        current = data.get(key)
        if isinstance(current, dict) and int(current.get("last_id") or 0) > last_id:
            return
        data[key] = {"last_id": last_id, "last_hash": last_hash, "updated_at": timezone.now().isoformat()}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".audit-anchor.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)


def replace_anchor(entry: dict[str, Any] | None, *, key: str | None = None) -> None:
    """Set this database's entry as it is (``restore``: the anchor of the restored backup)."""
    path = anchor_path()
    key = key or database_key()
    with _locked(path):
        data = _read_all(path)
        if entry is None:
            data.pop(key, None)
        else:
            data[key] = entry
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


def update_anchor() -> None:
    """Write the current chain head (after a commit)."""
    from .models import AuditRecord

    head = AuditRecord.objects.order_by("-pk").values_list("pk", "hash").first()
    if head is not None:
        write_anchor(last_id=head[0], last_hash=head[1])


def _anchor_after_commit() -> None:
    try:
        update_anchor()
    except OSError:  # pragma: no cover - a full disk must not fail the request that was committed
        import logging

        logging.getLogger(__name__).exception("Could not write the audit anchor %s", anchor_path())


def schedule_anchor_update() -> None:
    """Update the anchor once the current transaction commits (at once outside a transaction).
    One update per transaction, however many records it writes."""
    pending = getattr(connection, "run_on_commit", None) or []
    if any(func is _anchor_after_commit for _sids, func, *_rest in pending):
        return
    transaction.on_commit(_anchor_after_commit)


def check_anchor(
    result: ChainResult, anchor: dict[str, Any] | None, *, anchored_hash: str | None
) -> list[ChainProblem]:
    """Compare the chain with the head recorded outside the database. ``anchored_hash`` is the
    hash the database now holds for the anchored record id (None: no such record)."""
    if anchor is None:
        if result.count:
            return [
                ChainProblem(
                    ANCHOR,
                    None,
                    _("找不到数据库外的锚点文件 %(path)s 中本数据库的记录,无法发现末尾被截断的记录。")
                    % {"path": anchor_path()},
                )
            ]
        return []
    try:
        anchored_id = int(anchor.get("last_id") or 0)
    except (TypeError, ValueError):
        anchored_id = 0
    last_id = int(result.last_id) if result.last_id is not None else 0
    if anchored_hash is None:
        if last_id < anchored_id:
            return [
                ChainProblem(
                    TRUNCATED,
                    anchored_id,
                    _("末尾的记录被删除:锚点记载的最后一条是 #%(anchor)s,数据库中最后一条是 #%(last)s。")
                    % {"anchor": anchored_id, "last": result.last_id if result.last_id is not None else "—"},
                )
            ]
        return [ChainProblem(DELETED, anchored_id, _("锚点记载的记录 #%(id)s 已不在数据库中。") % {"id": anchored_id})]
    if anchored_hash != anchor.get("last_hash"):
        return [
            ChainProblem(
                ANCHOR,
                anchored_id,
                _("记录 #%(id)s 的哈希与锚点不符:它被改写,或被删除后又补写了记录。") % {"id": anchored_id},
            )
        ]
    if last_id > anchored_id:
        return [
            ChainProblem(
                APPENDED,
                anchored_id,
                _(
                    "记录 #%(anchor)s 之后的记录不在锚点中:它们不是经本系统写入的,或写入后锚点未能更新"
                    "(如在系统写入时运行本检查,请稍后重试)。"
                )
                % {"anchor": anchored_id},
            )
        ]
    return []
