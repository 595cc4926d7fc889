"""/healthz: without a login, 200 when the database answers, every migration is applied, an import
worker beat lately and VAR_DIR has room; 503 naming the failing check otherwise; never a word
about the data."""

from __future__ import annotations

import datetime as dt
import json
from collections import namedtuple

import pytest
from django.db import DatabaseError
from django.utils import timezone

from liangxin import health
from liangxin.census import jobs
from liangxin.census.models import WorkerHeartbeat

URL = "/healthz"


@pytest.fixture
def healthy(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.HEALTH_MIN_FREE_MB = 0
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 60
    jobs.beat("web1:100")


def _get(client):
    response = client.get(URL)
    return response, json.loads(response.content)


def test_a_healthy_installation_answers_ok_without_a_login(client, healthy, org_in_a):
    response, body = _get(client)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "migrations": "ok",
        "import_worker": "ok",
        "disk": "ok",
    }
    assert 0 <= body["checks"]["import_worker"]["last_beat_seconds"] <= 60
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    # Nothing about the data: no organization's name, no count of anything.
    text = response.content.decode()
    assert org_in_a.name not in text and "count" not in text
    assert set(body) == {"status", "checks"}


def test_an_import_worker_silent_for_too_long_fails(client, healthy, settings):
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - dt.timedelta(seconds=90))
    response, body = _get(client)
    assert response.status_code == 503 and body["status"] == "fail"
    assert body["checks"]["import_worker"]["status"] == "fail"
    assert body["checks"]["import_worker"]["last_beat_seconds"] >= 90
    assert body["checks"]["database"]["status"] == "ok"
    # A second worker that beats now makes it healthy again; a stopped one deletes its row.
    jobs.beat("web2:200")
    assert client.get(URL).status_code == 200
    WorkerHeartbeat.objects.all().delete()
    response, body = _get(client)
    assert response.status_code == 503 and body["checks"]["import_worker"] == {
        "status": "fail",
        "last_beat_seconds": None,
    }


def test_a_full_disk_fails(client, healthy, monkeypatch):
    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(health.shutil, "disk_usage", lambda path: Usage(10**10, 10**10 - 200 * 2**20, 200 * 2**20))
    from django.conf import settings

    settings.HEALTH_MIN_FREE_MB = 1024
    response, body = _get(client)
    assert response.status_code == 503 and body["checks"]["disk"] == {"status": "fail", "free_mb": 200}


def test_pending_migrations_fail(client, healthy, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: [("census", "0099_x")])
    response, body = _get(client)
    assert response.status_code == 503 and body["checks"]["migrations"] == {"status": "fail", "pending": 1}


def test_an_unreachable_database_fails_without_saying_why(client, healthy, monkeypatch, caplog):
    def broken():
        raise DatabaseError('connection to server at "10.0.0.9", port 5432 failed: password for user "liangxin"')

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response, body = _get(client)
    assert response.status_code == 503 and body["checks"]["database"] == {"status": "fail"}
    assert "10.0.0.9" not in response.content.decode() and "liangxin" not in response.content.decode()
    assert "10.0.0.9" in caplog.text  # the reason is in the server's log


def test_only_reading_methods(client, healthy):
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405
