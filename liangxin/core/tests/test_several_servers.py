"""A prefecture's deployment in small: two gunicorn instances and two import workers on one
PostgreSQL, each process with a VAR_DIR of its own (as on four machines) and the uploads on one
shared directory. A file uploaded through one instance is previewed and imported by whichever
worker takes it; the other instance shows its progress — also while the import's write
transaction is still open — and its result; no job is taken twice. Sessions and lockouts hold
across the web servers."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from openpyxl import Workbook

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.audit.services import _CHAIN_LOCK
from liangxin.census.models import BatchStatus, ImportBatch, ImportJob, JobKind, JobStatus
from liangxin.registry.models import Organization
from liangxin.testing import servers

pytestmark = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="several servers share PostgreSQL (the SQLite test database is in memory)"
)

FILES = 3
PASSWORD = "Xian#Luoping2026"


def _census_file(township, n: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["组织名称", "组织类别", "所属乡镇", "组织类型"])
    for i in range(4):
        sheet.append([f"{township.name}第{n}号店{i}", "新经济组织", township.name, "个体工商户"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _job_page(browser: servers.Browser, job_id: int) -> str:
    page = browser.get(f"/census/jobs/{job_id}/", headers={"HX-Request": "true", "HX-Target": "job-progress"})
    assert page.status in (200, 204), page.status
    return page.text if page.status == 200 else "(done)"


@pytest.mark.django_db(transaction=True)
def test_two_web_servers_and_two_workers_share_one_database(tmp_path, settings, bob, township_a, collected_static):
    keys = servers.production_keys()
    servers.use_keys_here(settings, keys)
    servers.set_production_password(bob, PASSWORD)
    shared_media = tmp_path / "shared-media"  # the NFS mount every machine has
    env = {
        name: servers.production_env(
            keys,
            tmp_path / name,
            LIANGXIN_MEDIA_DIR=str(shared_media),
            LIANGXIN_IMPORT_SYNC_MAX_ROWS="2",
        )
        for name in ("web-a", "web-b", "worker-1", "worker-2")
    }
    for name in ("web-a", "web-b"):
        servers.link_static(tmp_path / name, collected_static)

    with servers.processes() as started:
        web_a, port_a = servers.start_gunicorn(started, "web-a", env["web-a"], tmp_path, wait=False)
        web_b, port_b = servers.start_gunicorn(started, "web-b", env["web-b"], tmp_path, wait=False)
        workers = [servers.start_worker(started, name, env[name], tmp_path) for name in ("worker-1", "worker-2")]
        servers.wait_listening(web_a, port_a)
        servers.wait_listening(web_b, port_b)
        a, b = servers.Browser(port_a), servers.Browser(port_b)

        # Log in through A; the session is in the database, so B knows it too.
        answer = a.submit("/accounts/login/", {"username": bob.username, "password": PASSWORD})
        assert answer.status == 302, answer.text[:500]
        b.cookies = dict(a.cookies)
        assert b.get("/census/").status == 200

        # Uploads through A; each becomes a preview job, which some worker takes.
        job_ids = []
        for n in range(FILES):
            answer = a.submit(
                "/census/",
                {"unit": str(township_a.pk), "as_of": "2026-01-01"},
                files={"file": (f"摸底表{n}.xlsx", _census_file(township_a, n))},
            )
            assert answer.status == 302, answer.text[:800]
            job_ids.append(int(re.search(r"/census/jobs/(\d+)/", answer.headers["location"]).group(1)))

        def previewed() -> bool:
            return ImportJob.objects.filter(pk__in=job_ids, status=JobStatus.DONE).count() == FILES

        servers.wait_for("the workers to preview every file", previewed)
        jobs = list(ImportJob.objects.filter(pk__in=job_ids).order_by("pk"))
        assert all(job.outcome == "previewed" and job.batch_id for job in jobs)
        assert {job.worker.rsplit(":", 1)[1] for job in jobs} <= {str(w.popen.pid) for w in workers}
        # The result shows on B: the job page leads to the preview.
        assert b.get(f"/census/jobs/{jobs[0].pk}/").headers["location"] == f"/census/batches/{jobs[0].batch_id}/"

        # Confirm the first through B, while the audit chain's lock is held here: the import writes
        # its rows, reports its progress, then waits for the lock to write its audit record — with
        # its transaction open. A (another VAR_DIR) must show the rows written by then.
        batch = ImportBatch.objects.get(pk=jobs[0].batch_id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_CHAIN_LOCK])
            try:
                answer = b.submit(
                    f"/census/batches/{batch.pk}/confirm/",
                    {"mode": "all_or_nothing"},
                    form_page=f"/census/batches/{batch.pk}/",
                )
                assert answer.status == 302, answer.text[:800]
                confirm = ImportJob.objects.get(kind=JobKind.CONFIRM, batch=batch)
                progress = servers.wait_for(
                    "A to show the rows written", lambda: "已写入 4 / 4" in (p := _job_page(a, confirm.pk)) and p
                )
                assert "<progress" in progress
                assert not Organization.objects.exists()  # not committed yet
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_CHAIN_LOCK])
        servers.wait_for("the import to finish", lambda: _job_page(a, confirm.pk) == "(done)")
        confirm.refresh_from_db()
        batch.refresh_from_db()
        assert (confirm.status, confirm.outcome, batch.status) == (JobStatus.DONE, "applied", BatchStatus.APPLIED)
        assert Organization.objects.count() == 4
        assert "已导入:新增 4 个" in a.get(f"/census/batches/{batch.pk}/").text

        # No job was taken twice: one preview record per file, one import, each job in one log.
        assert AuditRecord.objects.filter(action=AuditAction.CENSUS_PREVIEW).count() == FILES
        assert AuditRecord.objects.filter(action=AuditAction.IMPORT).count() == 1
        logs = "".join(w.output() for w in workers)
        for job in [*jobs, confirm]:
            assert logs.count(f"任务 #{job.pk} ") == 1, logs
        # Nothing of the uploads or the progress on any process's own disk.
        for name in env:
            assert not (tmp_path / name / "media").exists() and not (tmp_path / name / "import-progress").exists()
        assert any(shared_media.rglob("*.xlsx"))

        # Lockouts count across web servers: five wrong passwords, some through each, lock the name
        # on both (django-axes' attempts are rows in the database).
        for n, server in enumerate([a, b, a, b, a]):
            failed = servers.Browser(server.port, visitor=f"198.51.100.{30 + n}")
            answer = failed.submit("/accounts/login/", {"username": bob.username, "password": "wrong-Password-1"})
            assert answer.status in (200, 429)
        for server in (a, b):
            locked = servers.Browser(server.port, visitor="198.51.100.99")
            answer = locked.submit("/accounts/login/", {"username": bob.username, "password": PASSWORD})
            assert answer.status == 429 and "已被锁定" in answer.text
