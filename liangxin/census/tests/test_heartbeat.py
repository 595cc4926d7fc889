"""The import worker's heartbeat: beaten from a thread with its own connection, so it goes on while
the worker's import transaction is open (PostgreSQL), and gone when the worker stops cleanly."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction  # noqa: F401 (the skipif reads connection)

from liangxin.census import jobs
from liangxin.census.models import WorkerHeartbeat


def _wait_for(predicate, *, limit=20.0):
    """Poll until ``predicate()`` holds; fail after ``limit`` seconds (a bound, not a timing)."""
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, "the heartbeat thread did not beat"
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_and_a_clean_stop_removes_it():
    with jobs.Heartbeat("host-a:1", interval=0.05):
        first = WorkerHeartbeat.objects.get(worker="host-a:1")
        _wait_for(lambda: WorkerHeartbeat.objects.get(worker="host-a:1").beat_at > first.beat_at)
        assert WorkerHeartbeat.objects.get(worker="host-a:1").started_at == first.started_at
        assert jobs.latest_heartbeat().worker == "host-a:1"
    assert not WorkerHeartbeat.objects.filter(worker="host-a:1").exists()
    assert not [t for t in threading.enumerate() if t.name.startswith("heartbeat host-a")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="SQLite has one writer: the beat waits for the import")
def test_the_worker_beats_while_its_import_transaction_is_open():
    with jobs.Heartbeat("host-b:2", interval=0.05):
        before = WorkerHeartbeat.objects.get(worker="host-b:2").beat_at
        with transaction.atomic():  # as the import's write holds its transaction open
            WorkerHeartbeat.objects.create(worker="in-the-write", started_at=before, beat_at=before)
            # Read committed: each query sees what the heartbeat thread committed meanwhile.
            _wait_for(lambda: WorkerHeartbeat.objects.get(worker="host-b:2").beat_at > before)


@pytest.mark.django_db
def test_a_worker_run_once_beats_once():
    call_command("run_import_worker", "--once")
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == [jobs.worker_id()]
