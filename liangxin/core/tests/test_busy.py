"""A write that waits too long for a lock (an import is writing) gets the page "正在导入,请稍后再试":
HTTP 503 with Retry-After, in the site's layout (a fragment for htmx), nothing written — never a
500; and a management command says the same and exits 75."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.db.utils import OperationalError
from django.urls import reverse

from liangxin.core import busy
from liangxin.registry import services as registry_services
from liangxin.registry.models import Organization

MESSAGE = "正在导入,请稍后再试"


@pytest.fixture
def client():
    """A client that, like a browser, gets the answer to a request that raised (Django's test
    client raises it again by default)."""
    from django.test import Client

    return Client(raise_request_exception=False)


def _edit(client, org: Organization, **kwargs):
    data = {
        "name": org.name, "uscc": org.uscc or "", "category": org.category, "org_type": org.org_type,
        "industry_code": "", "township": org.township_id, "village": org.village_id or "",
        "department": org.department_id or "", "address": "新地址", "latitude": "", "longitude": "",
        "contact_person": "", "contact_phone": "", "owner_is_member": "", "version": org.version,
    }  # fmt: skip
    return client.post(reverse("registry:organization_edit", args=[org.pk]), data, **kwargs)


def _assert_busy_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert MESSAGE in page
    assert "两新党建管理系统" in page and 'class="topbar"' in page  # the site's layout


@pytest.mark.django_db
def test_a_locked_database_in_a_view_answers_the_busy_page(client, bob, org_in_a, monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(registry_services, "update_organization", locked)
    client.force_login(bob)
    _assert_busy_page(_edit(client, org_in_a))
    fragment = _edit(client, org_in_a, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 503 and fragment["Retry-After"] == "5"
    assert MESSAGE in fragment.content.decode() and "<html" not in fragment.content.decode()


@pytest.mark.django_db
def test_a_lock_timeout_in_a_middleware_answers_the_busy_page(client, bob, monkeypatch):
    from django.contrib.sessions.middleware import SessionMiddleware

    client.force_login(bob)

    def locked(self, request, response):  # as when saving a changed session waits too long
        raise OperationalError("database is locked")

    monkeypatch.setattr(SessionMiddleware, "process_response", locked)
    _assert_busy_page(client.get(reverse("registry:organization_list")))


def test_lock_timeouts_of_both_databases_are_recognised():
    import psycopg.errors

    assert busy.is_lock_timeout(OperationalError("database is locked"))
    assert busy.is_lock_timeout(OperationalError("database table is locked: registry_organization"))
    wrapped = OperationalError("canceling statement due to lock timeout")
    wrapped.__cause__ = psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
    assert busy.is_lock_timeout(wrapped)
    assert not busy.is_lock_timeout(OperationalError("no such table: registry_organization"))
    assert not busy.is_lock_timeout(ValueError("database is locked"))


@pytest.mark.django_db(transaction=True)
def test_an_edit_waiting_behind_a_writer_gets_the_busy_page_and_writes_nothing(client, bob, org_in_a):
    """A real lock: another connection holds a write transaction (as an import's write does) for
    longer than the edit waits."""
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                Organization.objects.filter(pk=org_in_a.pk).select_for_update().update(contact_person="导入中")
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    client.force_login(bob)
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(30)
        with connection.cursor() as cursor:  # wait a fifth of a second, not five, in a test
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA busy_timeout = 200")
            else:
                cursor.execute("SET lock_timeout = '200ms'")
        response = _edit(client, org_in_a)
    finally:
        release.set()
        thread.join()
    _assert_busy_page(response)
    org_in_a.refresh_from_db()
    assert org_in_a.address != "新地址" and org_in_a.contact_person == "导入中"


def test_a_command_that_meets_a_locked_database_says_so_and_exits_75(monkeypatch, capsys):
    import manage

    def locked(argv):
        raise OperationalError("database is locked")

    monkeypatch.setattr("django.core.management.execute_from_command_line", locked)
    with pytest.raises(SystemExit) as exit_:
        manage.main()
    assert exit_.value.code == busy.EXIT_BUSY == 75
    assert MESSAGE in capsys.readouterr().err
