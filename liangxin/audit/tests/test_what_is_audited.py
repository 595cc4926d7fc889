"""Actions that keep a file or change how files are read are audited: census uploads and previews
(the file is kept), column-mapping changes, backups and restores (``test_backup`` restores)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from liangxin.audit import anchor, chain
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.census import services as census_services
from liangxin.census.models import ImportBatch, ImportJob
from liangxin.census.tests.conftest import fixture_bytes
from liangxin.census.tests.test_views_import import _own_headers_file
from liangxin.core.dates import today
from liangxin.security import backup


def upload(client, unit, name="canonical.xlsx", data=None):
    data = fixture_bytes(name) if data is None else data
    client.post(
        reverse("census:index"),
        {"unit": unit.pk, "as_of": today().isoformat(), "file": SimpleUploadedFile(name, data)},
    )
    return data


def test_a_census_upload_and_its_preview_are_audited_with_the_file_kept(client, bob, census_county):
    client.force_login(bob)
    data = upload(client, census_county["luoxiong"])
    batch = ImportBatch.objects.get()
    record = AuditRecord.objects.get(action=AuditAction.CENSUS_PREVIEW)
    assert (record.actor, record.object_type, record.object_id) == (bob, "census.importbatch", str(batch.pk))
    assert record.changes["sha256"] == hashlib.sha256(data).hexdigest() == batch.file_sha256
    assert record.changes["file"] == "canonical.xlsx" and record.changes["bytes"] == len(data)
    assert record.changes["unit"] == "530324001"
    assert (record.changes["rows"], record.changes["new"], record.changes["errors"]) == (
        batch.rows_total,
        batch.new_count,
        batch.error_count,
    )


def test_a_large_upload_is_audited_when_queued_and_when_previewed(client, alice, census_county, settings, tmp_path):
    settings.IMPORT_SYNC_MAX_ROWS = 2
    settings.VAR_DIR = tmp_path
    client.force_login(alice)
    data = upload(client, census_county["county"])
    job = ImportJob.objects.get()
    queued = AuditRecord.objects.get(action=AuditAction.CENSUS_UPLOAD)
    assert (queued.object_type, queued.object_id) == ("census.importjob", str(job.pk))
    assert queued.changes["sha256"] == hashlib.sha256(data).hexdigest()
    assert not AuditRecord.objects.filter(action=AuditAction.CENSUS_PREVIEW).exists()
    from liangxin.census import jobs

    jobs.run_next()
    assert AuditRecord.objects.get(action=AuditAction.CENSUS_PREVIEW).actor == alice


def test_a_command_line_import_audits_the_kept_file_even_when_refused(alice, census_county):
    data = b"\xef\xbb\xbf\xe7\xbb\x84\xe7\xbb\x87\xe5\x90\x8d\xe7\xa7\xb0\n\n"  # a header and nothing usable
    with pytest.raises(census_services.ImportRefused):
        census_services.import_file(by=alice, unit=census_county["county"], data=data, file_name="bad.csv")
    kept = AuditRecord.objects.get(action=AuditAction.CENSUS_UPLOAD)
    assert kept.changes["sha256"] == hashlib.sha256(data).hexdigest()
    assert ImportBatch.objects.filter(pk=kept.object_id).exists()


def test_a_column_mapping_change_is_audited(client, bob, census_county):
    client.force_login(bob)
    luoxiong = census_county["luoxiong"]
    upload(client, luoxiong, "own_headers.xlsx", data=_own_headers_file())
    batch = ImportBatch.objects.get()
    rows = client.get(batch.get_absolute_url()).context["mapping_rows"]
    choices = {f"col_{i}": (r["key"] or "") for i, r in enumerate(rows)}
    choices["col_0"] = "name"
    client.post(reverse("census:batch_mapping", args=[batch.pk]), choices)
    record = AuditRecord.objects.get(action=AuditAction.CENSUS_MAPPING)
    assert (record.actor, record.object_type, record.object_id) == (bob, "geo.administrativeunit", str(luoxiong.pk))
    assert record.changes == {"单位的法定全称": ["不导入", "组织名称"]}
    # Choosing the same again changes nothing and writes nothing.
    second = ImportBatch.objects.order_by("-pk").first()
    client.post(reverse("census:batch_mapping", args=[second.pk]), choices)
    assert AuditRecord.objects.filter(action=AuditAction.CENSUS_MAPPING).count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the backup drill runs on SQLite only (pg_dump)")
@pytest.mark.django_db(transaction=True)
def test_a_restore_over_later_records_names_them_and_the_chain_verifies_across_it(alice, tmp_path, settings):
    from liangxin.audit.services import log_change

    settings.MEDIA_ROOT = tmp_path / "media"

    log_change(actor=alice, action=AuditAction.UPDATE, object_type="geo.department", object_repr="before")
    result = backup.create_backup(output_dir=tmp_path / "backups")
    made = AuditRecord.objects.get(action=AuditAction.BACKUP)
    assert made.changes["file"] == result.path.name and made.changes["rows"] == result.rows
    log_change(actor=alice, action=AuditAction.UPDATE, object_type="geo.department", object_repr="after")
    lost = AuditRecord.objects.order_by("-pk").first()

    backup.restore_backup(result.path)
    restored = AuditRecord.objects.order_by("-pk").first()
    assert restored.action == AuditAction.RESTORE
    assert restored.changes["replaced_head"] == {"id": lost.pk, "hash": lost.hash}
    assert restored.changes["backup_head"]["id"] == made.pk - 1  # the backup's own record came after it
    assert not AuditRecord.objects.filter(object_repr="after").exists()
    result_chain = chain.verify_chain(AuditRecord.objects.order_by("pk"), key=chain.audit_key())
    assert result_chain.ok
    assert anchor.read_anchor()["last_id"] == restored.pk
