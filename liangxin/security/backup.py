"""Encrypted backups and restore: the database, the uploaded files and the audit anchor.

A backup is one file, ``liangxin-backup-YYYYmmdd-HHMMSS.lxbak``: a gzip'd tar stream encrypted
with AES-256-GCM in 1 MiB chunks (the STREAM construction: the nonce is the chunk number plus a
"last chunk" flag, and the header is authenticated with every chunk, so a chunk cannot be
altered, reordered, dropped or the file cut short without decryption failing). Each file has a
random salt and its own key, derived with HKDF from ``LIANGXIN_BACKUP_KEY`` or, if that is not
set, from ``LIANGXIN_FIELD_KEY``.

The tar holds ``manifest.json`` (engine, time, row count per table, the audit anchor),
``database.sqlite3`` (SQLite's online backup API: a consistent copy while the site runs) or
``database.pgdump`` (``pg_dump --format=custom``), and ``media/`` (MEDIA_ROOT: import originals,
evidence photos).

Both are audited (``security.backup``, ``security.restore``): the restore's record is written into
the restored database, chained on the restored head, and names the backup file (with its SHA-256),
when it was made, the chain head it holds and the head of the database it replaced — the records
lost between the backup and the restore are named by that.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from liangxin.audit import anchor
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.audit.services import log_change
from liangxin.core import crypto

MAGIC = b"LXBK1\n"
SALT_BYTES = 16
CHUNK = 1024 * 1024
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MEDIA_DIR = "media"


class BackupError(Exception):
    """A backup or restore that cannot go on, with a message in Chinese."""


# --- Keys and the encrypted stream ---------------------------------------------------------------


def _master_key() -> bytes:
    return crypto.configured_or_derived_key(
        configured=settings.BACKUP_KEY, variable="LIANGXIN_BACKUP_KEY", info=b"liangxin-backup-master"
    )


def _file_key(salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"liangxin-backup-v1").derive(_master_key())


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A write-only file object: what is written goes to ``sink`` encrypted, chunk by chunk."""

    def __init__(self, sink: IO[bytes]) -> None:
        super().__init__()
        salt = os.urandom(SALT_BYTES)
        self._header = MAGIC + salt
        self._aead = AESGCM(_file_key(salt))
        self._sink = sink
        self._buffer = bytearray()
        self._counter = 0
        self._finished = False
        sink.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer.extend(bytes(data))
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._counter, last), plain, self._header)
        self._sink.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        if not self._finished:
            self._finished = True
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


def _decrypted_chunks(source: IO[bytes]) -> Iterator[bytes]:
    header = source.read(len(MAGIC) + SALT_BYTES)
    if len(header) != len(MAGIC) + SALT_BYTES or not header.startswith(MAGIC):
        raise BackupError(_("不是本系统的备份文件(文件头不符)。"))
    aead = AESGCM(_file_key(header[len(MAGIC) :]))
    counter = 0
    while True:
        size_bytes = source.read(4)
        if len(size_bytes) != 4:
            raise BackupError(_("备份文件不完整(被截断)。"))
        (size,) = struct.unpack(">I", size_bytes)
        if size > CHUNK + 16:
            raise BackupError(_("备份文件已损坏。"))
        sealed = source.read(size)
        if len(sealed) != size:
            raise BackupError(_("备份文件不完整(被截断)。"))
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(counter, last), sealed, header)
            except InvalidTag:
                continue
            break
        else:
            raise BackupError(_("无法解密备份文件:密钥不对,或文件已被改动。"))
        counter += 1
        yield plain
        if last:
            if source.read(1):
                raise BackupError(_("备份文件末尾有多余的数据,可能已被改动。"))
            return


class DecryptingReader(io.RawIOBase):
    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self._chunks = _decrypted_chunks(source)
        self._buffer = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer and not self._done:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                self._done = True
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


# --- What goes in --------------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _sqlite_counts(path: Path) -> dict[str, int]:
    copy = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ]
        return {t: int(copy.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in sorted(tables)}  # noqa: S608
    finally:
        copy.close()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[name] = str(db[key])
    return [f"--dbname={db['NAME']}"], env


def _dump_database(target: Path) -> str:
    if connection.in_atomic_block:
        # SQLite's backup would wait forever for this connection's own open transaction.
        raise BackupError(_("不能在事务中备份数据库。"))
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = connection.connection
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
        return SQLITE_FILE
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise BackupError(_("找不到 pg_dump(PostgreSQL 客户端),请安装 postgresql-client。"))
        done = subprocess.run(  # noqa: S603
            [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(_("pg_dump 失败:%(err)s") % {"err": done.stderr.strip()})
        return PG_FILE
    raise BackupError(_("不支持的数据库类型:%(vendor)s") % {"vendor": connection.vendor})


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    tables: int
    rows: int
    media_files: int


def create_backup(*, output_dir: Path | None = None) -> BackupResult:
    output_dir = Path(output_dir or settings.BACKUP_DIR)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = output_dir / f"liangxin-backup-{stamp}.lxbak"
    n = 1
    while path.exists():
        n += 1
        path = output_dir / f"liangxin-backup-{stamp}-{n}.lxbak"
    media_root = Path(settings.MEDIA_ROOT)
    # Read before the dump: the anchor is written after each commit, so the copy holds at least
    # the record it names, and a restore continues from a head the anchor knows.
    audit_anchor = anchor.read_anchor()
    with tempfile.TemporaryDirectory(prefix="liangxin-backup-") as tmp:
        db_name = _dump_database(Path(tmp) / "database")
        # Counted in the copy itself where it can be (SQLite), so they match it exactly.
        counts = _sqlite_counts(Path(tmp) / "database") if db_name == SQLITE_FILE else table_counts()
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "engine": connection.vendor,
            "database": db_name,
            "tables": counts,
            "audit_anchor": audit_anchor,
        }
        media_files = 0
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as sink:
                writer = EncryptingWriter(sink)
                with tarfile.open(fileobj=writer, mode="w|gz") as archive:
                    data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
                    info = tarfile.TarInfo(MANIFEST)
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
                    archive.add(Path(tmp) / "database", arcname=db_name)
                    if media_root.is_dir():
                        for file in sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink()):
                            archive.add(file, arcname=f"{MEDIA_DIR}/{file.relative_to(media_root).as_posix()}")
                            media_files += 1
                writer.close()
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    result = BackupResult(
        path=path, size=path.stat().st_size, tables=len(counts), rows=sum(counts.values()), media_files=media_files
    )
    _audit(
        AuditAction.BACKUP,
        path,
        bytes=result.size,
        tables=result.tables,
        rows=result.rows,
        media_files=media_files,
        anchor=audit_anchor,
    )
    return result


def _audit(action: str, path: Path, **changes: Any) -> None:
    """The record of a backup or restore: the file (name, SHA-256) and who ran the command."""
    log_change(
        actor=None,
        action=action,
        object_type="security.backup",
        object_repr=path.name,
        changes={"file": path.name, "sha256": _sha256(path), **changes, "os_user": _os_user()},
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _os_user() -> str:
    """Who ran the command (there is no account on the command line)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container)
        return ""


def _chain_head() -> dict[str, Any] | None:
    try:
        head = AuditRecord.objects.order_by("-pk").values_list("pk", "hash").first()
    except DatabaseError:  # an empty database being restored into
        return None
    return {"id": head[0], "hash": head[1]} if head else None


# --- Restore ---------------------------------------------------------------------------------------


def _safe_member(member: tarfile.TarInfo) -> bool:
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
        return False
    return member.name in (MANIFEST, SQLITE_FILE, PG_FILE) or name.parts[0] == MEDIA_DIR


def _unpack(path: Path, into: Path) -> dict[str, Any]:
    with open(path, "rb") as source:
        reader = io.BufferedReader(DecryptingReader(source), buffer_size=CHUNK)
        try:
            with tarfile.open(fileobj=reader, mode="r|gz") as archive:
                for member in archive:
                    if not _safe_member(member):
                        raise BackupError(_("备份中有不允许的条目:%(name)s") % {"name": member.name})
                    archive.extract(member, into, filter="data")
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(_("备份文件无法读取:%(err)s") % {"err": exc}) from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(_("备份中缺少清单(manifest.json)。")) from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(_("不支持的备份格式版本:%(v)s") % {"v": manifest.get("format")})
    return dict(manifest)


def _restore_database(manifest: dict[str, Any], unpacked: Path) -> None:
    if manifest.get("engine") != connection.vendor:
        raise BackupError(
            _("备份来自 %(src)s 数据库,当前是 %(dst)s,不能直接恢复。")
            % {"src": manifest.get("engine"), "dst": connection.vendor}
        )
    if connection.in_atomic_block:
        raise BackupError(_("不能在事务中恢复数据库。"))
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(unpacked / SQLITE_FILE)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return
    args, env = _pg_env()
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise BackupError(_("找不到 pg_restore(PostgreSQL 客户端),请安装 postgresql-client。"))
    connection.close()
    done = subprocess.run(  # noqa: S603
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            *args,
            str(unpacked / PG_FILE),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(_("pg_restore 失败:%(err)s") % {"err": done.stderr.strip()})


def _restore_media(unpacked: Path) -> Path | None:
    """Put the backup's files in MEDIA_ROOT; the files there before are kept aside, not deleted."""
    media_root = Path(settings.MEDIA_ROOT)
    kept = None
    if media_root.exists() and any(media_root.iterdir()):
        kept = media_root.with_name(f"{media_root.name}.before-restore-{timezone.localtime():%Y%m%d-%H%M%S}")
        media_root.rename(kept)
    media_root.mkdir(parents=True, exist_ok=True)
    restored = unpacked / MEDIA_DIR
    if restored.is_dir():
        shutil.copytree(restored, media_root, dirs_exist_ok=True)
    return kept


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    mismatched_tables: list[str]  # row counts that differ from the manifest after the restore
    media_kept_at: Path | None


def restore_backup(path: Path) -> RestoreResult:
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="liangxin-restore-") as tmp:
        unpacked = Path(tmp)
        manifest = _unpack(path, unpacked)
        replaced_head = _chain_head()
        _restore_database(manifest, unpacked)
        kept = _restore_media(unpacked)
    anchor.replace_anchor(manifest.get("audit_anchor"))
    counts = table_counts()
    expected: dict[str, int] = manifest.get("tables") or {}
    mismatched = sorted(t for t, n in expected.items() if counts.get(t) != n)
    _audit(
        AuditAction.RESTORE,
        path,
        backup_created_at=manifest.get("created_at"),
        backup_head=_chain_head(),
        replaced_head=replaced_head,
        mismatched_tables=mismatched,
    )
    return RestoreResult(manifest=manifest, mismatched_tables=mismatched, media_kept_at=kept)


def describe_backup_time(manifest: dict[str, Any]) -> str:
    try:
        return timezone.localtime(dt.datetime.fromisoformat(manifest["created_at"])).strftime("%Y-%m-%d %H:%M:%S")
    except (KeyError, ValueError, TypeError):
        return "?"
