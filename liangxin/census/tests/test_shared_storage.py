"""Uploaded census files on an S3-compatible object store: a file uploaded through the web is
kept in the store, the worker reads it from there (any host may), nothing touches the local disk,
and two files with one name are both kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liangxin.census import jobs
from liangxin.census.models import BatchStatus, ImportBatch, ImportJob, JobStatus
from liangxin.core.dates import today
from liangxin.testing.objectstore import keys

from .conftest import fixture_bytes


@pytest.fixture(autouse=True)
def small_sync_limit(settings, tmp_path):
    settings.IMPORT_SYNC_MAX_ROWS = 2
    settings.VAR_DIR = tmp_path / "var"


def _upload(client, unit):
    return client.post(
        reverse("census:index"),
        {
            "unit": unit.pk,
            "as_of": today().isoformat(),
            "file": SimpleUploadedFile("摸底表.xlsx", fixture_bytes("canonical.xlsx")),
        },
    )


def test_a_queued_upload_is_kept_in_the_object_store_and_read_by_the_worker(
    client, alice, census_county, object_store, settings
):
    client.force_login(alice)
    _upload(client, census_county["county"])
    job = ImportJob.objects.get()
    assert keys(object_store) == [f"county/{job.upload.name}"]
    assert job.upload.name.startswith("import-jobs/") and job.upload.name.endswith("摸底表.xlsx")

    jobs.run_next()  # the worker reads the upload through the storage, as on another host
    job.refresh_from_db()
    batch = job.batch
    assert job.status == JobStatus.DONE and batch.status == BatchStatus.PREVIEWED and batch.new_count == 4
    # The job's copy is gone; the batch keeps the original, in the store.
    assert keys(object_store) == [f"county/{batch.original.name}"]
    with batch.original.open("rb") as stored:
        assert stored.read() == fixture_bytes("canonical.xlsx")
    assert not settings.MEDIA_ROOT.exists()

    client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"})
    jobs.run_next()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED
    # The original's download reads it from the store.
    response = client.get(reverse("census:batch_original_export", args=[batch.pk]))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200 and body == fixture_bytes("canonical.xlsx")


def test_two_uploads_with_one_name_are_both_kept(client, alice, census_county, object_store):
    client.force_login(alice)
    _upload(client, census_county["county"])
    _upload(client, census_county["county"])
    jobs.run_next()
    jobs.run_next()
    originals = [b.original.name for b in ImportBatch.objects.order_by("pk")]
    assert len(set(originals)) == 2
    assert keys(object_store) == sorted(f"county/{name}" for name in originals)
