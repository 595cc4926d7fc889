"""Background import jobs: large files go to the worker, the page follows the progress, a job
that fails or dies leaves the register as it was and says why. The worker runs in-process."""

from __future__ import annotations

import datetime as dt
import io
import socket
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from liangxin.census import jobs, services
from liangxin.census.models import BatchStatus, ImportBatch, ImportJob, JobKind, JobStatus
from liangxin.core.dates import today
from liangxin.registry.models import Organization, OrganizationFacts

from .conftest import fixture_bytes


@pytest.fixture(autouse=True)
def small_sync_limit(settings, tmp_path):
    """Files of more than 2 rows go to the worker; progress files go to a temporary directory."""
    settings.IMPORT_SYNC_MAX_ROWS = 2
    settings.VAR_DIR = tmp_path


def _upload(client, unit, name="canonical.xlsx"):
    return client.post(
        reverse("census:index"),
        {"unit": unit.pk, "as_of": today().isoformat(), "file": SimpleUploadedFile(name, fixture_bytes(name))},
    )


def _poll(client, job):
    return client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="job-progress")


def _previewed_in_background(client, alice, census_county) -> ImportBatch:
    client.force_login(alice)
    _upload(client, census_county["county"])
    job = ImportJob.objects.get()
    assert jobs.run_next() == job
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.batch is not None
    return job.batch


def test_a_large_file_is_previewed_by_the_worker_with_progress_that_survives_a_reload(client, alice, census_county):
    client.force_login(alice)
    response = _upload(client, census_county["county"])
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status, job.rows_estimate, job.created_by) == (JobKind.PREVIEW, JobStatus.QUEUED, 5, alice)
    assert not ImportBatch.objects.exists()  # nothing read in the request

    page = client.get(job.get_absolute_url())  # a reload: the state is in the database
    html = page.content.decode()
    assert "排队中" in html and 'hx-trigger="every 2s"' in html
    partial = _poll(client, job)
    assert partial.status_code == 200 and "<h1>" not in partial.content.decode()

    jobs.run_next()
    job.refresh_from_db()
    batch = job.batch
    assert job.status == JobStatus.DONE and job.outcome == "previewed"
    assert batch.status == BatchStatus.PREVIEWED and batch.new_count == 4
    assert batch.preview_changes.count() == 4 and batch.layout.columns[0] == ["A", "统一社会信用代码", "uscc"]
    assert not job.upload  # the upload is kept once, on the batch

    finished = _poll(client, job)
    assert finished.status_code == 204 and finished["HX-Redirect"] == job.get_absolute_url()
    result = client.get(job.get_absolute_url())
    assert result.status_code == 302 and result["Location"] == batch.get_absolute_url()


# Committed data: on PostgreSQL the worker writes the progress through a connection of its own,
# which sees only what is committed.
@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_confirmed_by_the_worker_showing_rows_written(
    client, alice, census_county, monkeypatch, settings
):
    batch = _previewed_in_background(client, alice, census_county)
    response = client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"})
    job = ImportJob.objects.get(kind=JobKind.CONFIRM)
    assert response["Location"] == job.get_absolute_url()
    assert (job.batch, job.progress_total) == (batch, 4)
    # A second click does not queue the import twice.
    client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"})
    assert ImportJob.objects.filter(kind=JobKind.CONFIRM).count() == 1
    assert "本批次正在后台处理" in client.get(batch.get_absolute_url()).content.decode()

    # What the page sees while the write transaction is still open (on PostgreSQL: committed by
    # the worker's second connection, read by this one; on SQLite: the file beside the database).
    seen = []
    original = jobs._report_progress

    def spy(sink, phase, done, total):
        original(sink, phase, done, total)
        current = ImportJob.objects.get(pk=sink.job_id)
        seen.append(jobs.progress_of(current))
        seen.append(_poll(client, current).content.decode())

    monkeypatch.setattr(jobs, "_report_progress", spy)
    jobs.run_next()
    assert seen[0] == ("writing", 4, 4)
    if connection.vendor != "sqlite":  # in the database, where every web server reads it
        assert not (settings.VAR_DIR / "import-progress").exists()
    assert "已写入 4 / 4 个组织(100%)" in seen[1] and "<progress" in seen[1]

    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == JobStatus.DONE and job.outcome == "applied"
    assert batch.status == BatchStatus.APPLIED and batch.progress_done == 4
    assert Organization.objects.count() == 4
    page = client.get(job.get_absolute_url(), follow=True)
    assert "已导入:新增 4 个,变更 0 个,无变化 0 个,退回 0 行。" in page.content.decode()


def test_a_job_that_fails_midway_leaves_the_register_as_it_was(client, alice, census_county, monkeypatch):
    batch = _previewed_in_background(client, alice, census_county)
    client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"})
    job = ImportJob.objects.get(kind=JobKind.CONFIRM)

    def explode(done, total):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "_report_progress", lambda *a: explode(0, 0))
    jobs.run_next()
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == JobStatus.FAILED and "disk full" in job.message
    assert batch.status == BatchStatus.FAILED and "disk full" in batch.failure_reason
    assert not Organization.objects.exists() and not OrganizationFacts.objects.exists()
    page = client.get(job.get_absolute_url(), follow=True)
    assert "导入失败,登记册没有任何改动" in page.content.decode() and "disk full" in page.content.decode()


def test_a_worker_stopped_midway_rolls_back_and_marks_the_job_failed(client, alice, census_county, monkeypatch):
    batch = _previewed_in_background(client, alice, census_county)
    client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"})

    def stop(*args):
        raise jobs.WorkerStopped  # what SIGTERM raises in run_import_worker

    monkeypatch.setattr(jobs, "_report_progress", stop)
    with pytest.raises(jobs.WorkerStopped):
        jobs.run_next()
    job = ImportJob.objects.get(kind=JobKind.CONFIRM)
    batch.refresh_from_db()
    assert job.status == JobStatus.FAILED and "中止" in job.message
    assert batch.status == BatchStatus.FAILED and "中止" in batch.failure_reason
    assert not Organization.objects.exists()


def test_a_stale_preview_in_the_worker_is_re_previewed(client, alice, census_county):
    services.import_file(
        by=alice, unit=census_county["county"], data=fixture_bytes("canonical.xlsx"), file_name="c.xlsx"
    )
    batch = _previewed_in_background(client, alice, census_county)
    assert batch.unchanged_count == 4
    OrganizationFacts.objects.filter(organization__uscc="91530324MA6K3BQ103").update(employees=9)
    client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"})
    jobs.run_next()
    job = ImportJob.objects.get(kind=JobKind.CONFIRM)
    batch.refresh_from_db()
    assert (job.status, job.outcome) == (JobStatus.DONE, "stale")
    assert batch.status == BatchStatus.PREVIEWED and batch.changed_count == 1
    assert batch.preview_changes.get().changes == {"employees": [9, 120]}
    page = client.get(job.get_absolute_url(), follow=True)
    assert "已重新生成预览" in page.content.decode()


def test_a_refused_import_in_the_worker_says_why(client, alice, census_county):
    client.force_login(alice)
    _upload(client, census_county["county"], "many_problems.xlsx")
    jobs.run_next()
    batch = ImportBatch.objects.get()
    client.post(reverse("census:batch_confirm", args=[batch.pk]), {"mode": "all_or_nothing"})
    jobs.run_next()
    job = ImportJob.objects.get(kind=JobKind.CONFIRM)
    batch.refresh_from_db()
    assert (job.status, job.outcome) == (JobStatus.DONE, "refused")
    assert "全部导入或全部不导入" in job.message and batch.status == BatchStatus.PREVIEWED


def _running_job(batch, *, worker, started):
    job = ImportJob.objects.create(
        kind=JobKind.CONFIRM,
        unit=batch.unit,
        created_by=batch.created_by,
        file_name=batch.file_name,
        batch=batch,
        status=JobStatus.RUNNING,
        worker=worker,
        phase="writing",
    )
    ImportJob.objects.filter(pk=job.pk).update(started_at=started)
    return job


def test_a_worker_that_died_is_found_by_the_next_worker(client, alice, census_county):
    batch = _previewed_in_background(client, alice, census_county)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed = _running_job(batch, worker=f"{socket.gethostname()}:{dead.pid}", started=timezone.now())
    elsewhere = _running_job(batch, worker="otherhost:1", started=timezone.now())
    old = _running_job(batch, worker="otherhost:2", started=timezone.now() - dt.timedelta(hours=2))

    failed = jobs.recover_stale_jobs()
    assert {j.pk for j in failed} == {killed.pk, old.pk}
    killed.refresh_from_db()
    elsewhere.refresh_from_db()
    batch.refresh_from_db()
    assert killed.status == JobStatus.FAILED and "中断" in killed.message
    assert elsewhere.status == JobStatus.RUNNING  # may still be running on its own host
    assert batch.status == BatchStatus.FAILED and "中断" in batch.failure_reason


def test_the_worker_command_runs_the_queue(client, alice, census_county):
    client.force_login(alice)
    _upload(client, census_county["county"])
    call_command("run_import_worker", "--once")
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE and job.batch.status == BatchStatus.PREVIEWED


def test_jobs_of_another_township_are_404(client, bob, carol, census_county):
    client.force_login(carol)
    wb = Workbook()
    ws = wb.active
    ws.append(["组织名称", "组织类别", "所属乡镇", "组织类型"])
    for i in range(3):
        ws.append([f"板桥镇小店{i}", "新经济组织", "板桥镇", "个体工商户"])
    buffer = io.BytesIO()
    wb.save(buffer)
    client.post(
        reverse("census:index"),
        {
            "unit": census_county["banqiao"].pk,
            "as_of": today().isoformat(),
            "file": SimpleUploadedFile("banqiao.xlsx", buffer.getvalue()),
        },
    )
    job = ImportJob.objects.get()
    assert client.get(job.get_absolute_url()).status_code == 200
    client.force_login(bob)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert _poll(client, job).status_code == 404


def test_a_preview_job_that_fails_shows_why_on_its_page(client, alice, census_county, monkeypatch):
    client.force_login(alice)
    _upload(client, census_county["county"])
    job = ImportJob.objects.get()
    stored = job.upload.name

    def broken(**kwargs):
        raise RuntimeError("calamine crashed")

    monkeypatch.setattr(services, "preview_import", broken)
    jobs.run_next()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "calamine crashed" in job.message
    assert not job.upload and not job.upload.storage.exists(stored)
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "任务失败" in html and "calamine crashed" in html and "every 2s" not in html
    assert _poll(client, job)["HX-Redirect"] == job.get_absolute_url()
