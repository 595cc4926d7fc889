"""Audit records are kept: the database refuses to change any and to delete one younger than six
months, and ``manage.py check`` fails when a migration has dropped the triggers that say so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from liangxin.audit import retention
from liangxin.audit import services as audit_services
from liangxin.audit.checks import audit_triggers_present
from liangxin.audit.models import AuditAction, AuditRecord


def log_at(monkeypatch, when, name):
    with monkeypatch.context() as m:
        m.setattr(audit_services.timezone, "now", lambda: when)
        return audit_services.log_change(
            actor=None, action=AuditAction.UPDATE, object_type="geo.department", object_repr=name
        )


@pytest.fixture
def old_and_young(db, monkeypatch):
    now = timezone.now()
    old = log_at(monkeypatch, now - dt.timedelta(days=200), "old")
    young = log_at(monkeypatch, now - dt.timedelta(days=170), "young")
    return old, young


def refused(statement):
    with pytest.raises(IntegrityError), transaction.atomic():
        statement()


def test_no_record_can_be_changed(old_and_young):
    old, young = old_and_young
    refused(lambda: AuditRecord.objects.filter(pk=young.pk).update(object_repr="改过的"))
    refused(lambda: AuditRecord.objects.filter(pk=old.pk).update(object_repr="改过的"))
    assert set(AuditRecord.objects.values_list("object_repr", flat=True)) == {"old", "young"}


def test_a_record_younger_than_six_months_cannot_be_deleted(old_and_young):
    old, young = old_and_young
    refused(lambda: AuditRecord.objects.filter(pk=young.pk).delete())
    with connection.cursor() as cursor:
        refused(lambda: cursor.execute("DELETE FROM audit_auditrecord"))
    assert AuditRecord.objects.count() == 2
    # An older one may go (archiving is a decision for the county, not for this table).
    AuditRecord.objects.filter(pk=old.pk).delete()
    assert list(AuditRecord.objects.values_list("pk", flat=True)) == [young.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_truncate_is_refused_while_young_records_exist(old_and_young):
    with connection.cursor() as cursor:
        # The test's own transaction holds deferred foreign-key checks, which TRUNCATE would refuse.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        refused(lambda: cursor.execute("TRUNCATE audit_auditrecord"))
        refused(lambda: cursor.execute("TRUNCATE accounts_user CASCADE"))
    assert AuditRecord.objects.count() == 2


def test_the_check_passes_with_the_triggers_and_names_a_missing_one(db):
    assert audit_triggers_present() == []
    assert retention.missing(connection) == []
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER audit_record_keep_young" + (" ON audit_auditrecord" if connection.vendor != "sqlite" else "")
        )
    errors = audit_triggers_present()
    assert [e.id for e in errors] == ["audit.E001"] and "audit_record_keep_young" in errors[0].msg
    with pytest.raises(SystemCheckError, match=r"audit\.E001"):
        call_command("check")
    retention.install(connection=connection)
    assert audit_triggers_present() == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drops triggers when it remakes a table")
def test_a_table_remake_drops_the_triggers_and_the_check_says_so(db):
    """What an AlterField does on SQLite (``_remake_table``): copy into a new table, drop the old
    one with its triggers, rename."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE new__audit_auditrecord AS SELECT * FROM audit_auditrecord")
        cursor.execute("DROP TABLE audit_auditrecord")
        cursor.execute("ALTER TABLE new__audit_auditrecord RENAME TO audit_auditrecord")
    assert retention.missing(connection) == ["audit_record_keep_young", "audit_record_no_update"]
    assert [e.id for e in audit_triggers_present()] == ["audit.E001"]
