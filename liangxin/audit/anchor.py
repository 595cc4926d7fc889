"""The head of the audit chain, kept outside the database.

Cutting records off the end of a chain leaves a shorter chain that is consistent in itself, so
after every committed write the head (last id and hash, and which key wrote it) is also written
to a file (``LIANGXIN_AUDIT_ANCHOR``, ``var/audit-anchor.json``). The verifier compares the two
(``check_anchor``), and so does every writer before it appends (``disagreement``,
``audit.services``): the chain never quietly continues from a head the anchor does not know.

The anchor may lag behind the database — it is written after the commit, and each application
server keeps its own — so records after the anchored one are expected; the anchored record
itself must be there with the anchored hash. The file holds one entry per database, so a
development SQLite file, a PostgreSQL database and test databases sharing a ``var/`` directory
do not overwrite each other's anchor.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import chain

log = logging.getLogger(__name__)


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
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_all(path: Path, data: dict[str, Any]) -> None:
    """Replace the file at once (readers take no lock: they see the old file or the new one)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".audit-anchor.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


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
        data[key] = {
            "last_id": last_id,
            "last_hash": last_hash,
            "key_id": chain.key_id(chain.audit_key()),
            "updated_at": timezone.now().isoformat(),
        }
        _write_all(path, data)


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
        _write_all(path, data)


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
        log.exception("Could not write the audit anchor %s", anchor_path())


def schedule_anchor_update() -> None:
    """Update the anchor once the current transaction commits (at once outside a transaction).
    One update per transaction, however many records it writes."""
    pending = getattr(connection, "run_on_commit", None) or []
    if any(func is _anchor_after_commit for _sids, func, *_rest in pending):
        return
    transaction.on_commit(_anchor_after_commit)


def anchored_id(anchor: dict[str, Any] | None) -> int | None:
    if anchor is None:
        return None
    try:
        value = int(anchor.get("last_id") or 0)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def disagreement(*, head_id: int | None, anchor: dict[str, Any] | None, anchored_hash: str | None) -> str | None:
    """How the chain disagrees with its anchor, or None. ``anchored_hash`` is the hash the
    database now holds for the anchored id (None: no such record). ``chain.TRUNCATED``: the
    anchored record is gone and nothing after it is left — the end was cut; ``chain.DELETED``:
    it is gone but its id was used again; ``chain.ANCHOR``: it is there with another hash."""
    anchored = anchored_id(anchor)
    if anchor is None or anchored is None:
        return None
    if anchored_hash is None:
        return chain.TRUNCATED if (head_id or 0) < anchored else chain.DELETED
    if anchored_hash != anchor.get("last_hash"):
        return chain.ANCHOR
    return None


def key_problem(anchor: dict[str, Any] | None, key: bytes) -> chain.ChainProblem | None:
    """The anchor names the key that wrote the chain: a different key now is a configuration
    mistake, not tampering, and is reported once rather than as every record edited."""
    if anchor is None or not anchor.get("key_id") or anchor.get("key_id") == chain.key_id(key):
        return None
    return chain.ChainProblem(
        chain.KEY,
        None,
        _(
            "审计密钥与写入这条链时的密钥不同(LIANGXIN_AUDIT_KEY 或作为默认来源的 LIANGXIN_FIELD_KEY 被改过?),"
            "无法校验带密钥的哈希;请换回原来的密钥再校验。"
        ),
    )


def check_anchor(
    result: chain.ChainResult, anchor: dict[str, Any] | None, *, anchored_hash: str | None
) -> list[chain.ChainProblem]:
    """Compare the verified chain with the head recorded outside the database."""
    if anchor is None:
        if result.count:
            return [
                chain.ChainProblem(
                    chain.ANCHOR,
                    None,
                    _("找不到数据库外的锚点文件 %(path)s 中本数据库的记录,无法发现末尾被截断的记录。")
                    % {"path": anchor_path()},
                )
            ]
        return []
    kind = disagreement(head_id=result.last_id, anchor=anchor, anchored_hash=anchored_hash)
    anchored = anchored_id(anchor)
    if kind == chain.TRUNCATED:
        message = _("末尾的记录被删除:锚点记载的最后一条是 #%(anchor)s,数据库中最后一条是 #%(last)s。") % {
            "anchor": anchored,
            "last": result.last_id if result.last_id is not None else "—",
        }
    elif kind == chain.DELETED:
        message = _("锚点记载的记录 #%(anchor)s 已不在数据库中。") % {"anchor": anchored}
    elif kind == chain.ANCHOR:
        message = _("记录 #%(anchor)s 的哈希与锚点不符:它被改写,或被删除后又补写了记录。") % {"anchor": anchored}
    else:
        return []
    return [chain.ChainProblem(kind, anchored, message)]
