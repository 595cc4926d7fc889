"""A reconciliation run as a batch in the browser: the file kept, the job and its progress."""

from __future__ import annotations

from pathlib import Path

from liangxin.audit.models import AuditRecord
from liangxin.census.models import ImportJob, JobKind, JobStatus
from liangxin.reconcile import services
from liangxin.reconcile.models import BatchStatus, ReconcileBatch, ReconcileRow, RowKind
from liangxin.testing.factories import valid_uscc

from .conftest import list_csv, run_worker, upload


def test_an_uploaded_list_is_kept_as_a_batch_and_compared_in_the_background(
    client, alice, county, planted, market_list
):
    client.force_login(alice)
    response = upload(client, county, market_list)
    batch = ReconcileBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    with batch.original.open("rb") as fh:
        assert fh.read() == market_list
    assert (batch.unit, batch.source, batch.created_by, batch.entries) == (county, "market", alice, 6)
    assert batch.status == BatchStatus.PENDING and batch.job is not None
    assert (batch.job.kind, batch.job.status) == (JobKind.COMPARE, JobStatus.QUEUED)
    assert AuditRecord.objects.filter(action="reconcile.upload", object_id=str(batch.pk)).exists()
    assert not ReconcileRow.objects.exists()  # nothing compared in the request

    page = client.get(batch.get_absolute_url())
    assert "排队等待" in page.content.decode() and 'hx-trigger="every 2s"' in page.content.decode()

    assert run_worker() == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY
    assert (batch.matched, batch.out_of_scope) == (3, 1)
    assert (batch.missing_count, batch.deregistered_count, batch.changed_count, batch.unregistered_count) == (
        2,
        1,
        1,
        1,
    )
    kinds = {(r.kind, r.name, r.township.name if r.township else None) for r in batch.rows.all()}
    assert kinds == {
        (RowKind.MISSING, "罗平县板桥新开张有限公司", "板桥镇"),
        (RowKind.MISSING, "罗平县无址商贸有限公司", None),
        (RowKind.DEREGISTERED, "罗平县旧厂有限公司", "板桥镇"),
        (RowKind.CHANGED, "罗平县老名字有限公司", "板桥镇"),
        (RowKind.UNREGISTERED, "罗平县无声建材有限公司", "罗雄街道"),
    }
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE and "漏报 2" in job.message
    text = client.get(batch.get_absolute_url()).content.decode()
    assert "罗平县无址商贸有限公司" in text and "待县里确定乡镇" in text


def test_the_progress_polls_while_pending_and_hands_over_to_the_result(client, alice, county, market_list, planted):
    batch = services.start_batch(by=alice, unit=county, source="market", data=market_list, file_name="名单.csv")
    client.force_login(alice)
    fragment = client.get(batch.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="batch-progress")
    assert fragment.status_code == 200 and 'id="batch-progress"' in fragment.content.decode()
    phases: list[tuple[str, int, int]] = []
    assert batch.job is not None
    services.run_batch(job=batch.job, progress=lambda phase, done, total: phases.append((phase, done, total)))
    assert [p[0] for p in phases] == ["reading", "matching", "storing"]
    assert phases[-1][1:] == (5, 5)  # every result row stored
    done = client.get(batch.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="batch-progress")
    assert done.status_code == 204 and done["HX-Redirect"] == batch.get_absolute_url()


def test_a_file_without_a_name_column_is_refused_and_nothing_is_written(client, alice, county, planted, settings):
    client.force_login(alice)
    before = AuditRecord.objects.count()
    stored = set(Path(settings.MEDIA_ROOT).glob("reconcile/**/*"))
    response = upload(client, county, "编号,金额\n1,2\n".encode(), name="没有名称列.csv")
    assert response.status_code == 400
    text = response.content.decode()
    assert "名单文件有错误" in text and "名称" in text
    assert not ReconcileBatch.objects.exists() and not ImportJob.objects.exists()
    assert AuditRecord.objects.count() == before
    assert set(Path(settings.MEDIA_ROOT).glob("reconcile/**/*")) == stored


def test_another_countys_list_fails_with_the_reason_and_changes_nothing(client, alice, county, planted):
    other = list_csv(*(f"曲靖市外县第{i}公司,{valid_uscc(900 + i)},有限责任公司,存续,外县某镇" for i in range(30)))
    batch = services.start_batch(by=alice, unit=county, source="market", data=other, file_name="外县.csv")
    run_worker()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "本县" in batch.failure_reason
    assert not batch.rows.exists()
    client.force_login(alice)
    text = client.get(batch.get_absolute_url()).content.decode()
    assert "比对没有完成" in text and "登记册没有任何改动" in text
