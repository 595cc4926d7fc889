"""The audit log proves itself: an edited, inserted or deleted record is found and named, and so
is a chain cut short at the end (against the anchor outside the database)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from liangxin.accounts import services as account_services
from liangxin.audit import chain
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.audit.services import log_change, log_many, record_hash
from liangxin.testing.factories import PASSWORD


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path):
    settings.AUDIT_ANCHOR_PATH = tmp_path / "audit-anchor.json"
    return settings.AUDIT_ANCHOR_PATH


def write(n, start=0):
    with transaction.atomic():
        for i in range(start, start + n):
            log_change(actor=None, action=AuditAction.UPDATE, object_type="geo.department", object_repr=f"d{i}")
    return list(AuditRecord.objects.order_by("pk"))


def verify():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + err.getvalue() + str(exc)
    return 0, out.getvalue()


def kinds(result_or_problems):
    problems = getattr(result_or_problems, "problems", result_or_problems)
    return [(p.kind, p.record_id) for p in problems]


# --- The pure verifier ------------------------------------------------------------------------------


def test_an_intact_chain_verifies(db):
    records = write(5)
    result = chain.verify_chain(records)
    assert result.ok and result.count == 5 and result.last_id == records[-1].pk


def test_an_empty_chain_verifies(db):
    assert chain.verify_chain([]).ok


def test_an_edited_record_is_named(db):
    records = write(5)
    records[2].object_repr = "改过的"
    assert kinds(chain.verify_chain(records)) == [(chain.EDITED, records[2].pk)]


def test_a_deleted_record_is_found_at_its_successor(db):
    records = write(5)
    del records[2]
    assert kinds(chain.verify_chain(records)) == [(chain.DELETED, records[2].pk)]


def test_an_inserted_record_is_named_even_when_chained_properly(db):
    records = write(4)
    at = records[1].at
    forged_hash = record_hash(
        prev_hash=records[1].hash,
        at=at,
        actor_username="",
        action="update",
        object_type="geo.department",
        object_id="",
        object_repr="伪造",
        changes={},
    )
    forged = AuditRecord(
        pk=999,
        at=at,
        actor_username="",
        action="update",
        object_type="geo.department",
        object_id="",
        object_repr="伪造",
        changes={},
        prev_hash=records[1].hash,
        hash=forged_hash,
    )
    records.insert(2, forged)
    assert kinds(chain.verify_chain(records)) == [(chain.INSERTED, 999)]


def test_deleting_the_first_records_is_found(db):
    records = write(4)
    assert kinds(chain.verify_chain(records[2:])) == [(chain.DELETED, records[2].pk)]


# --- The command on a tampered database -------------------------------------------------------------


def test_the_command_reports_an_intact_chain(db):
    write(3)
    chain.update_anchor()
    assert verify() == (0, "审计链完整,共 3 条\n")


def test_an_update_in_the_database_is_found(db):
    records = write(4)
    chain.update_anchor()
    AuditRecord.objects.filter(pk=records[1].pk).update(changes={"employees": [1, 999]})
    code, text = verify()
    assert code == 1 and f"记录 #{records[1].pk} 被改动" in text


def test_a_raw_sql_delete_is_found(db):
    records = write(4)
    chain.update_anchor()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE id = %s", [records[1].pk])
    code, text = verify()
    assert code == 1 and f"记录 #{records[0].pk} 与 #{records[2].pk} 之间断链" in text


def test_a_raw_sql_insert_is_found(db):
    records = write(3)
    chain.update_anchor()
    prev = records[0]
    forged = record_hash(
        prev_hash=prev.hash,
        at=prev.at,
        actor_username="mallory",
        action="login",
        object_type="accounts.user",
        object_id="",
        object_repr="x",
        changes={},
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET id = id + 100 WHERE id > %s", [prev.pk])
        cursor.execute(
            "INSERT INTO audit_auditrecord (id, at, actor_username, action, object_type, object_id, object_repr,"
            " changes, prev_hash, hash) VALUES (%s, %s, 'mallory', 'login', 'accounts.user', '', 'x', '{}', %s, %s)",
            [prev.pk + 1, prev.at, prev.hash, forged],
        )
    code, text = verify()
    assert code == 1 and f"记录 #{prev.pk + 1} 是插入的" in text


def test_cutting_records_off_the_end_is_found_through_the_anchor(db, anchor_file):
    records = write(5)
    chain.update_anchor()
    AuditRecord.objects.filter(pk__gte=records[3].pk).delete()
    # The chain that is left is consistent in itself...
    assert chain.verify_chain(AuditRecord.objects.order_by("pk")).ok
    # ...but not with the anchor.
    code, text = verify()
    assert code == 1 and f"末尾的记录被删除:锚点记载的最后一条是 #{records[4].pk}" in text


def test_records_appended_behind_the_applications_back_are_found(db):
    write(2)
    chain.update_anchor()
    last = AuditRecord.objects.order_by("-pk").first()
    h = record_hash(
        prev_hash=last.hash,
        at=last.at,
        actor_username="",
        action="update",
        object_type="x",
        object_id="",
        object_repr="x",
        changes={},
    )
    AuditRecord.objects.bulk_create(
        [
            AuditRecord(
                at=last.at, action="update", object_type="x", object_repr="x", changes={}, prev_hash=last.hash, hash=h
            )
        ]
    )
    code, text = verify()
    assert code == 1 and f"记录 #{last.pk} 之后的记录不在锚点中" in text


def test_a_missing_anchor_is_a_problem_when_there_are_records(db):
    write(1)
    code, text = verify()
    assert code == 1 and "锚点文件" in text


# --- The anchor is written after each committed write ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_anchor_follows_every_commit_and_not_a_rollback(anchor_file):
    log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr="one")
    first = AuditRecord.objects.get()
    assert chain.read_anchor() == {**chain.read_anchor(), "last_id": first.pk, "last_hash": first.hash}
    with transaction.atomic():
        for n in range(3):
            log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr=f"n{n}")
        # One update per transaction, registered once.
        assert sum(1 for _s, f, *_r in connection.run_on_commit if f is chain._anchor_after_commit) == 1
        assert chain.read_anchor()["last_id"] == first.pk  # not before the commit
    last = AuditRecord.objects.order_by("-pk").first()
    assert chain.read_anchor()["last_id"] == last.pk
    with pytest.raises(RuntimeError), transaction.atomic():
        log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr="rolled back")
        raise RuntimeError
    assert chain.read_anchor()["last_id"] == last.pk
    log_many(actor=None, action=AuditAction.CREATE, entries=[])
    assert chain.read_anchor()["last_id"] == last.pk
    # The file holds one entry per database.
    data = json.loads(anchor_file.read_text())
    assert list(data) == [chain.database_key()]
    assert verify()[0] == 0


def test_the_anchor_never_moves_backwards(db):
    chain.write_anchor(last_id=10, last_hash="b" * 64)
    chain.write_anchor(last_id=9, last_hash="a" * 64)
    assert chain.read_anchor()["last_id"] == 10


# --- Real records -------------------------------------------------------------------------------------


def test_records_written_by_the_services_verify(db, alice, sysadm, township_a, org_in_a):
    account_services.create_user(by=sysadm, username="leader2", password=PASSWORD)
    log_change(actor=alice, action=AuditAction.UPDATE, obj=org_in_a, changes={"employees": [40, 41], "note": "中文"})
    log_many(actor=None, action=AuditAction.CREATE, entries=[(org_in_a, {"name": [None, org_in_a.name]})] * 3)
    chain.update_anchor()
    code, text = verify()
    assert code == 0 and "审计链完整" in text


def test_the_demo_records_verify(db):
    """The whole demo county (about 2,100 records written by services and bulk loads)."""
    from liangxin.registry.demo import load_demo

    load_demo()
    chain.update_anchor()  # what the commit of load_demo does outside a test transaction
    code, text = verify()
    assert code == 0, text
    assert AuditRecord.objects.count() > 2000 and "审计链完整" in text
