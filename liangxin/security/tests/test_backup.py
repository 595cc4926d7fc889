"""Backup → wipe → restore → compare, on SQLite; and a backup file that is cut short, altered or
opened with another key is refused."""

from __future__ import annotations

import base64
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from liangxin.audit import anchor as audit_anchor
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.security import backup
from liangxin.testing.audit import unprotected

KEY_TABLES = [
    "registry_organization",
    "registry_member",
    "registry_partyorganization",
    "accounts_user",
    "audit_auditrecord",
    "registry_organizationfacts",
]

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the backup drill runs on SQLite only (CI's PostgreSQL pass would need pg_dump against the test server)",
)


def fingerprint(audit_up_to=None):
    """Row counts of every table and a content hash of the key tables (the audit table up to
    ``audit_up_to``: a restore adds its own record)."""
    counts = backup.table_counts()
    digests = {}
    with connection.cursor() as cursor:
        for table in KEY_TABLES:
            where = f" WHERE id <= {int(audit_up_to)}" if table == "audit_auditrecord" and audit_up_to else ""
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}{where} ORDER BY 1")  # noqa: S608
            digests[table] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    if audit_up_to:
        counts["audit_auditrecord"] = AuditRecord.objects.filter(pk__lte=audit_up_to).count()
    return counts, digests


@pytest.fixture
def county_with_data(member_a, member_b, sysadm, bob, settings):
    media = settings.MEDIA_ROOT
    (media / "imports").mkdir(parents=True)
    (media / "imports" / "普查表.xlsx").write_bytes(b"PK\x03\x04 original upload")
    (media / "evidence").mkdir()
    (media / "evidence" / "photo.jpg").write_bytes(b"\xff\xd8\xff photo")
    from liangxin.accounts import services

    services.set_active(by=sysadm, target=bob, active=False)
    services.set_active(by=sysadm, target=bob, active=True)
    return media


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_compare(county_with_data, tmp_path, settings):
    before = fingerprint()
    assert before[0]["registry_member"] == 2 and before[0]["audit_auditrecord"] > 0
    last_before = AuditRecord.objects.order_by("-pk").first()
    anchor = audit_anchor.read_anchor()
    assert anchor is not None

    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    files = list((tmp_path / "backups").glob("liangxin-backup-*.lxbak"))
    assert len(files) == 1 and "备份完成" in out.getvalue()
    raw = files[0].read_bytes()
    assert raw.startswith(b"LXBK1\n")
    for clear in (b"SQLite format 3", "罗平县".encode(), b"original upload", b"manifest"):
        assert clear not in raw
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"

    # The backup is audited (in the live database, after the copy was taken).
    made = AuditRecord.objects.get(action=AuditAction.BACKUP)
    assert made.pk == last_before.pk + 1 and made.object_repr == files[0].name
    assert made.changes["sha256"] == hashlib.sha256(raw).hexdigest() and made.changes["anchor"] == anchor

    # Wipe: the database, the uploads, the anchor.
    with unprotected():
        call_command("flush", "--no-input")
    import shutil

    shutil.rmtree(county_with_data)
    audit_anchor.replace_anchor(None)
    assert fingerprint() != before and not AuditRecord.objects.exists()

    out = io.StringIO()
    call_command("restore", str(files[0]), "--yes", stdout=out)
    assert fingerprint(audit_up_to=last_before.pk) == before
    assert (county_with_data / "imports" / "普查表.xlsx").read_bytes() == b"PK\x03\x04 original upload"
    assert (county_with_data / "evidence" / "photo.jpg").read_bytes() == b"\xff\xd8\xff photo"
    # The restore says what was restored from which backup, chained on the restored head...
    restored = AuditRecord.objects.order_by("-pk").first()
    assert restored.action == AuditAction.RESTORE and restored.pk == last_before.pk + 1
    assert restored.prev_hash == last_before.hash and restored.object_repr == files[0].name
    assert restored.changes["sha256"] == hashlib.sha256(raw).hexdigest()
    assert restored.changes["backup_head"] == {"id": last_before.pk, "hash": last_before.hash}
    assert restored.changes["replaced_head"] is None  # the wiped database had no records
    assert audit_anchor.read_anchor()["last_id"] == restored.pk
    # ...and the chain verifies across it.
    text = out.getvalue()
    assert "已恢复" in text and f"审计链完整,共 {restored.pk} 条" in text


@pytest.mark.django_db(transaction=True)
def test_restore_keeps_the_files_it_replaces(county_with_data, tmp_path):
    result = backup.create_backup(output_dir=tmp_path)
    (county_with_data / "later.txt").write_text("after the backup")
    restored = backup.restore_backup(result.path)
    assert restored.media_kept_at is not None and (restored.media_kept_at / "later.txt").exists()
    assert not (county_with_data / "later.txt").exists()
    assert restored.mismatched_tables == []


@pytest.fixture
def one_backup(transactional_db, tmp_path, org_in_a):
    return backup.create_backup(output_dir=tmp_path).path


def test_a_truncated_backup_is_refused(one_backup):
    data = one_backup.read_bytes()
    one_backup.write_bytes(data[: len(data) - 10])
    with pytest.raises(backup.BackupError, match=r"不完整|无法解密"):
        backup._unpack(one_backup, one_backup.parent / "x")


def test_an_altered_backup_is_refused(one_backup):
    data = bytearray(one_backup.read_bytes())
    data[len(data) // 2] ^= 0x01
    one_backup.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError, match="无法解密"):
        backup._unpack(one_backup, one_backup.parent / "x")


def test_another_key_cannot_read_it(one_backup, settings):
    settings.BACKUP_KEY = base64.b64encode(b"another key of thirty-two bytes!").decode()
    with pytest.raises(backup.BackupError, match="密钥不对"):
        backup._unpack(one_backup, one_backup.parent / "x")


def test_a_foreign_file_is_refused(tmp_path, db):
    path = tmp_path / "x.lxbak"
    path.write_bytes(b"not a backup at all")
    with pytest.raises(backup.BackupError, match="不是本系统的备份文件"):
        backup._unpack(path, tmp_path / "x")


def test_a_backup_inside_a_transaction_is_refused(db, tmp_path):
    with pytest.raises(backup.BackupError, match="事务"):
        backup.create_backup(output_dir=tmp_path)


def test_the_manifest_lists_what_was_saved(one_backup, tmp_path):
    manifest = backup._unpack(one_backup, tmp_path / "unpacked")
    assert manifest["engine"] == "sqlite" and manifest["tables"]["registry_organization"] == 1
    assert (tmp_path / "unpacked" / "database.sqlite3").exists()
    assert json.loads((tmp_path / "unpacked" / "manifest.json").read_text())["format"] == 1


def test_restore_asks_before_overwriting(one_backup, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(one_backup))


def test_the_stream_survives_many_chunks(tmp_path, db, monkeypatch):
    monkeypatch.setattr(backup, "CHUNK", 1000)
    payload = bytes(range(256)) * 50
    sink = io.BytesIO()
    writer = backup.EncryptingWriter(sink)
    writer.write(payload)
    writer.close()
    reader = backup.DecryptingReader(io.BytesIO(sink.getvalue()))
    assert reader.read() == payload
