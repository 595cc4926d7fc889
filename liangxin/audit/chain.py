"""The audit chain: the one definition of a record's hash, and the verifier.

A record's ``hash`` is HMAC-SHA256, under the audit key, of every other column it stores — id,
``prev_hash``, time, actor (id and account name), action, object, changes, client address and
request id — and its ``prev_hash`` is the hash of the record before it (the first record's is
``GENESIS_HASH``). The key is kept outside the database (``LIANGXIN_AUDIT_KEY``, by default
derived from ``LIANGXIN_FIELD_KEY``), so someone who can write to the database can neither
rewrite a record and recompute the hashes after it, nor add a record of their own.

Records written before the chain was keyed ("legacy": plain SHA-256 over fewer columns) verify
as they always did, up to the transition record (``audit.chain_keyed``) that the first keyed
write appends to such a chain; from there on every record must carry a keyed hash. A chain
written from its start by this version is keyed from its first record. A chain that is legacy
to its end is reported: it may be a keyed chain rewritten without the key.

``verify_chain`` reads records in id order and keeps only the last two. What breaks says what
happened:

- a record whose hash does not match its content was **edited** (or rewritten without the key);
- a record whose successor still links to the record *before* it was **inserted**;
- a record whose ``prev_hash`` matches no neighbour follows **deleted** records; from the first
  keyed record on, ids are consecutive (the writer gives each record the head's id + 1 under the
  chain lock), so a gap in the ids counts the records deleted;
- a first record that does not link to ``GENESIS_HASH`` follows records deleted at the start;
- a chain-break record (``audit.chain_break``) is reported every time: the writer found the head
  of the chain disagreeing with the anchor outside the database (``audit.anchor``) — the end had
  been cut or rewritten — and wrote that down before going on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangxin.core import crypto

from .context import client_address
from .models import AuditAction

GENESIS_HASH = "0" * 64
# The object type of the records the chain writes about itself (transition and breaks).
CHAIN_OBJECT_TYPE = "audit.chain"
SCHEME = "HMAC-SHA256"


def audit_key() -> bytes:
    return crypto.configured_or_derived_key(
        configured=settings.AUDIT_KEY, variable="LIANGXIN_AUDIT_KEY", info=b"liangxin-audit-chain"
    )


def key_id(key: bytes) -> str:
    """Names a key without revealing it, so a verifier can tell a wrong key from tampering."""
    return hmac.new(key, b"liangxin-audit-key-id", hashlib.sha256).hexdigest()[:16]


class ChainRecord(Protocol):
    """What the hash and the verifier read of a record (``AuditRecord`` has all of it)."""

    pk: Any
    prev_hash: str
    hash: str
    at: dt.datetime
    actor_id: Any
    actor_username: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: Any
    remote_addr: str | None
    request_id: str


def _payload(values: list[Any]) -> bytes:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def hashed_columns(record: ChainRecord) -> list[Any]:
    """Every column of ``record`` but the hash itself, as the keyed hash reads them."""
    return [
        SCHEME,
        int(record.pk),
        record.prev_hash,
        record.at.isoformat(),
        record.actor_id,
        record.actor_username,
        record.action,
        record.object_type,
        record.object_id,
        record.object_repr,
        record.changes,
        client_address(record.remote_addr),
        record.request_id or "",
    ]


def record_hash(record: ChainRecord, *, key: bytes) -> str:
    """The keyed hash of every column of ``record`` but the hash itself."""
    return hmac.new(key, _payload(hashed_columns(record)), hashlib.sha256).hexdigest()


def legacy_hash(record: ChainRecord) -> str:
    """The hash records had before the chain was keyed (verification of old records only)."""
    payload = _payload(
        [
            record.prev_hash,
            record.at.isoformat(),
            record.actor_username,
            record.action,
            record.object_type,
            record.object_id,
            record.object_repr,
            record.changes,
        ]
    )
    return hashlib.sha256(payload).hexdigest()


def is_transition(record: ChainRecord) -> bool:
    return record.action == AuditAction.CHAIN_KEYED and record.object_type == CHAIN_OBJECT_TYPE


def is_break(record: ChainRecord) -> bool:
    return record.action == AuditAction.CHAIN_BREAK and record.object_type == CHAIN_OBJECT_TYPE


EDITED = "edited"
INSERTED = "inserted"
DELETED = "deleted"
TRUNCATED = "truncated"
ANCHOR = "anchor"
BREAK = "break"
UNKEYED = "unkeyed"
KEY = "key"


@dataclass(frozen=True)
class ChainProblem:
    kind: str  # one of the constants above
    record_id: Any  # the record the problem is found at (None: the chain as a whole)
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class ChainResult:
    count: int
    last_id: Any
    last_hash: str
    keyed_from: Any  # id of the first keyed record (None: no keyed record)
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


# Why a writer recorded a break (``audit.services``), and how the verifier reports it.
BREAK_REASONS = {
    TRUNCATED: gettext_lazy(
        "记录 #%(id)s:写入时发现锚点记载的最后一条记录 #%(anchor)s 已不在数据库中(当时链头是 #%(head)s),"
        "末尾的记录被删除过;系统记下此事后继续写入。"
    ),
    DELETED: gettext_lazy(
        "记录 #%(id)s:写入时发现锚点记载的记录 #%(anchor)s 已不在数据库中,之后的编号却被重新使用;"
        "系统记下此事后继续写入。"
    ),
    ANCHOR: gettext_lazy(
        "记录 #%(id)s:写入时发现锚点记载的记录 #%(anchor)s 的哈希与锚点不符,它被改写过(或被删除后补写);"
        "系统记下此事后继续写入。"
    ),
    EDITED: gettext_lazy(
        "记录 #%(id)s:写入时发现链头记录 #%(head)s 的内容与其哈希不符,它被改写过;系统记下此事后继续写入。"
    ),
}


def _break_problem(record: ChainRecord) -> ChainProblem:
    changes = record.changes if isinstance(record.changes, dict) else {}
    anchor = changes.get("anchor")
    head = changes.get("head")
    template = BREAK_REASONS.get(str(changes.get("reason") or ""), gettext_lazy("记录 #%(id)s:审计链在此处断裂过。"))
    values = {
        "id": record.pk,
        "anchor": anchor.get("last_id", "—") if isinstance(anchor, dict) else "—",
        "head": head.get("id", "—") if isinstance(head, dict) else "—",
    }
    return ChainProblem(BREAK, record.pk, str(template) % values)


def verify_chain(records: Iterable[ChainRecord], *, key: bytes | None, genesis: str = GENESIS_HASH) -> ChainResult:
    """Check a chain given in id order. ``key=None``: the key is known to be wrong (the anchor
    says so), so keyed hashes are not checked, only the links."""
    problems: list[ChainProblem] = []
    before_previous: ChainRecord | None = None
    previous: ChainRecord | None = None
    keyed_from: Any = None
    previous_keyed = False
    count = 0
    for record in records:
        count += 1
        keyed_ok = key is not None and record_hash(record, key=key) == record.hash
        if keyed_from is None and (is_transition(record) or (count == 1 and legacy_hash(record) != record.hash)):
            keyed_from = record.pk  # the chain is keyed from here (or from its first record)
        elif is_transition(record):
            problems.append(
                ChainProblem(
                    INSERTED,
                    record.pk,
                    _("记录 #%(id)s 是多余的启用密钥标记:链在记录 #%(from)s 已经启用密钥。")
                    % {"id": record.pk, "from": keyed_from},
                )
            )
        keyed = keyed_from is not None
        if keyed and key is not None and not keyed_ok:
            message = (
                _("记录 #%(id)s 被改写:它的哈希不是用审计密钥算出的(有人重算了不带密钥的哈希)。")
                if legacy_hash(record) == record.hash
                else _("记录 #%(id)s 被改动:内容与其哈希不符。")
            )
            problems.append(ChainProblem(EDITED, record.pk, message % {"id": record.pk}))
        elif not keyed and legacy_hash(record) != record.hash:
            problems.append(
                ChainProblem(EDITED, record.pk, _("记录 #%(id)s 被改动:内容与其哈希不符。") % {"id": record.pk})
            )
        problems.extend(_link_problems(record, previous, before_previous, genesis, consecutive=previous_keyed))
        if keyed and is_break(record):
            problems.append(_break_problem(record))
        before_previous, previous, previous_keyed = previous, record, keyed
    if count and keyed_from is None:
        problems.append(
            ChainProblem(
                UNKEYED,
                None,
                _(
                    "审计链还没有启用密钥:全部 %(n)s 条记录都只有不带密钥的哈希。若系统刚从旧版本升级,"
                    "下一次写入审计记录(如一次登录)会写入启用标记;否则这条链可能被人不用密钥整条重写过。"
                )
                % {"n": count},
            )
        )
    return ChainResult(
        count=count,
        last_id=previous.pk if previous is not None else None,
        last_hash=previous.hash if previous is not None else genesis,
        keyed_from=keyed_from,
        problems=problems,
    )


def _link_problems(
    record: ChainRecord,
    previous: ChainRecord | None,
    before_previous: ChainRecord | None,
    genesis: str,
    *,
    consecutive: bool,
) -> list[ChainProblem]:
    """The link of ``record`` to the one before it; ``consecutive``: ids must follow on."""
    gap = int(record.pk) - int(previous.pk) - 1 if consecutive and previous is not None else 0
    expected = previous.hash if previous is not None else genesis
    if record.prev_hash == expected:
        if gap > 0:
            return [
                ChainProblem(
                    DELETED,
                    record.pk,
                    _("记录 #%(prev)s 与 #%(id)s 之间编号不连续:缺少 %(n)s 条记录。")
                    % {"prev": previous.pk if previous is not None else "—", "id": record.pk, "n": gap},
                )
            ]
        return []
    if previous is None:
        return [
            ChainProblem(
                DELETED,
                record.pk,
                _("记录 #%(id)s 之前的记录被删除:链的第一条记录没有接在起点上。") % {"id": record.pk},
            )
        ]
    if before_previous is not None and record.prev_hash == before_previous.hash:
        return [
            ChainProblem(
                INSERTED,
                previous.pk,
                _("记录 #%(id)s 是插入的:其后的记录 #%(next)s 仍接在记录 #%(prev)s 之后。")
                % {"id": previous.pk, "next": record.pk, "prev": before_previous.pk},
            )
        ]
    if before_previous is None and record.prev_hash == genesis:
        return [
            ChainProblem(
                INSERTED,
                previous.pk,
                _("记录 #%(id)s 是插入的:其后的记录 #%(next)s 才是链的第一条。")
                % {"id": previous.pk, "next": record.pk},
            )
        ]
    if gap > 0:
        message = _("记录 #%(prev)s 与 #%(id)s 之间的 %(n)s 条记录被删除。")
    else:
        message = _("记录 #%(prev)s 与 #%(id)s 之间断链:两者之间的记录被删除,或记录 #%(prev)s 被改写后重算了哈希。")
    return [ChainProblem(DELETED, record.pk, message % {"id": record.pk, "prev": previous.pk, "n": gap})]
