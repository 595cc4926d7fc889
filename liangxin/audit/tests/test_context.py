"""Every audit record of a request carries the client's address and the request's id, without
the services passing them along; a background import carries those of the request that queued
it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liangxin.audit import context
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.audit.services import log_change
from liangxin.census import jobs
from liangxin.census.models import ImportJob
from liangxin.census.tests.conftest import fixture_bytes
from liangxin.core.dates import today
from liangxin.testing.factories import ready_plan


def test_every_record_of_a_business_request_has_its_address_and_id(client, bob, org_in_a):
    """A deregistration writes the organization's record and closes its formation plan: two
    records of one request, tied by its id."""
    ready_plan(by=bob, organization=org_in_a, planned_date=today() + dt.timedelta(days=90))
    client.force_login(bob)
    before = AuditRecord.objects.order_by("-pk").first().pk
    response = client.post(
        reverse("registry:organization_deregister", args=[org_in_a.pk]),
        {"on": today().isoformat(), "reason": "企业已注销"},
        REMOTE_ADDR="10.20.30.40",
    )
    assert response.status_code == 302
    records = list(AuditRecord.objects.filter(pk__gt=before).order_by("pk"))
    assert {(r.object_type, r.action) for r in records} >= {
        ("registry.organization", AuditAction.DEREGISTER),
        ("formation.formationplan", AuditAction.UPDATE),
    }
    assert {r.remote_addr for r in records} == {"10.20.30.40"}
    assert {r.request_id for r in records} == {response["X-Request-ID"]}
    assert len(response["X-Request-ID"]) == 32


def test_each_request_has_its_own_id(client, bob):
    client.force_login(bob)
    first = client.get("/", REMOTE_ADDR="10.0.0.1")["X-Request-ID"]
    second = client.get("/", REMOTE_ADDR="10.0.0.1")["X-Request-ID"]
    assert first != second


def test_a_login_carries_the_address_of_the_client(client, bob):
    from liangxin.testing.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="2001:db8::1")
    login = AuditRecord.objects.get(action=AuditAction.LOGIN)
    assert login.remote_addr == "2001:db8::1" and login.request_id == response["X-Request-ID"]


@pytest.fixture
def background(settings, tmp_path):
    settings.IMPORT_SYNC_MAX_ROWS = 2
    settings.VAR_DIR = tmp_path


def test_the_worker_records_the_address_of_the_request_that_queued_the_job(client, alice, census_county, background):
    client.force_login(alice)
    response = client.post(
        reverse("census:index"),
        {
            "unit": census_county["county"].pk,
            "as_of": today().isoformat(),
            "file": SimpleUploadedFile("canonical.xlsx", fixture_bytes("canonical.xlsx")),
        },
        REMOTE_ADDR="10.7.7.7",
    )
    job = ImportJob.objects.get()
    assert (job.remote_addr, job.request_id) == ("10.7.7.7", response["X-Request-ID"])
    # The worker runs outside any request...
    assert context.current() is None
    jobs.run_next()
    assert context.current() is None
    preview = AuditRecord.objects.get(action=AuditAction.CENSUS_PREVIEW)
    assert preview.remote_addr == "10.7.7.7" and preview.request_id == response["X-Request-ID"]
    # ...and so does the confirm job, queued by another request.
    job.refresh_from_db()
    confirm = client.post(
        reverse("census:batch_confirm", args=[job.batch_id]), {"mode": "all_or_nothing"}, REMOTE_ADDR="10.8.8.8"
    )
    jobs.run_next()
    imported = AuditRecord.objects.get(action=AuditAction.IMPORT)
    assert imported.remote_addr == "10.8.8.8" and imported.request_id == confirm["X-Request-ID"]


def test_outside_a_request_there_is_no_address_unless_given(db):
    plain = log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr="command")
    assert plain.remote_addr is None and plain.request_id == ""
    with context.bound(remote_addr="::ffff:10.1.1.1", request_id="a" * 32):
        bound = log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr="bound")
        given = log_change(actor=None, action=AuditAction.UPDATE, object_type="x", remote_addr="10.2.2.2")
    assert (bound.remote_addr, bound.request_id) == (context.client_address("::ffff:10.1.1.1"), "a" * 32)
    assert given.remote_addr == "10.2.2.2" and given.request_id == "a" * 32
    assert context.client_address("unix:/run/gunicorn.sock") is None
