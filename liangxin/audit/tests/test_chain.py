"""The audit log proves itself: an edited, inserted or deleted record is found and named, every
column is covered by a keyed hash, a chain cut short at the end is found (against the anchor
outside the database) even after the application writes on, and records written before the
chain was keyed still verify, up to the transition record."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from liangxin.accounts import services as account_services
from liangxin.audit import anchor, chain
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.audit.services import log_change, log_many
from liangxin.testing.audit import unprotected
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


def key():
    return chain.audit_key()


def forged(previous, *, pk, key_to_use=None, **fields):
    """A record that links properly to ``previous``, hashed with ``key_to_use`` (the real key
    unless given): what an insider with the key could write, or an attacker without it."""
    record = AuditRecord(
        pk=pk,
        at=previous.at,
        actor_username="",
        action="update",
        object_type="geo.department",
        object_id="",
        object_repr="伪造",
        changes={},
        prev_hash=previous.hash,
        **fields,
    )
    record.hash = chain.record_hash(record, key=key_to_use or key())
    return record


def plain_sha256(record):
    """What an attacker without the key can compute: SHA-256 over the same columns."""
    payload = json.dumps(chain.hashed_columns(record), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


# --- The pure verifier ------------------------------------------------------------------------------


def test_an_intact_chain_verifies(db):
    records = write(5)
    result = chain.verify_chain(records, key=key())
    assert result.ok and result.count == 5 and result.last_id == records[-1].pk
    assert result.keyed_from == records[0].pk
    assert [r.pk for r in records] == list(range(1, 6))  # ids are the head's + 1


def test_an_empty_chain_verifies(db):
    assert chain.verify_chain([], key=key()).ok


def test_an_edited_record_is_named(db):
    records = write(5)
    records[2].object_repr = "改过的"
    assert kinds(chain.verify_chain(records, key=key())) == [(chain.EDITED, records[2].pk)]


def test_a_deleted_record_is_found_and_counted_at_its_successor(db):
    records = write(5)
    del records[2]
    result = chain.verify_chain(records, key=key())
    assert kinds(result) == [(chain.DELETED, records[2].pk)]
    assert "之间的 1 条记录被删除" in result.problems[0].message


def test_an_inserted_record_is_named_even_when_chained_with_the_key(db):
    records = write(4)
    records.insert(2, forged(records[1], pk=999))
    assert (chain.INSERTED, 999) in kinds(chain.verify_chain(records, key=key()))


def test_deleting_the_first_records_is_found(db):
    records = write(4)
    assert kinds(chain.verify_chain(records[2:], key=key())) == [(chain.DELETED, records[2].pk)]


def test_a_gap_in_the_ids_is_found_even_where_the_links_hold(db):
    """Ids follow on from the first keyed record: a record that links properly but skips ids
    (only someone with the key could write one) says how many are missing."""
    records = write(2)
    records.append(forged(records[-1], pk=records[-1].pk + 3))
    result = chain.verify_chain(records, key=key())
    assert kinds(result) == [(chain.DELETED, records[-1].pk)]
    assert "编号不连续:缺少 2 条记录" in result.problems[0].message


# --- Every column is covered -------------------------------------------------------------------------


def _tampered_value(record, attname, other_user):
    values = {
        "id": record.pk + 1000,
        "at": record.at + dt.timedelta(seconds=1),
        "actor_id": other_user.pk,
        "actor_username": "mallory",
        "action": AuditAction.DELETE.value,
        "object_type": "registry.member",
        "object_id": "999",
        "object_repr": "改过的",
        "changes": {"phone": [None, "13800000000"]},
        "remote_addr": "10.9.9.9",
        "request_id": "0" * 32,
        "prev_hash": "f" * 64,
        "hash": "e" * 64,
    }
    return values[attname]  # a new column must be added here: the test names it


@pytest.mark.parametrize("attname", [f.attname for f in AuditRecord._meta.concrete_fields])
def test_editing_any_column_is_found(db, alice, sysadm, attname):
    with transaction.atomic():
        for n in range(3):
            log_change(
                actor=alice,
                action=AuditAction.UPDATE,
                object_type="geo.department",
                object_id=str(n),
                object_repr=f"d{n}",
                changes={"name": ["旧", "新"]},
                remote_addr="10.1.2.3",
            )
    middle = AuditRecord.objects.order_by("pk")[1]
    assert middle.remote_addr == "10.1.2.3" and middle.actor_id == alice.pk
    anchor.update_anchor()
    assert verify()[0] == 0
    with unprotected():
        AuditRecord.objects.filter(pk=middle.pk).update(**{attname: _tampered_value(middle, attname, sysadm)})
    code, _text = verify()
    assert code == 1, f"editing {attname} went unnoticed"


# --- The command on a tampered database -------------------------------------------------------------


def test_the_command_reports_an_intact_chain(db):
    write(3)
    anchor.update_anchor()
    assert verify() == (0, "审计链完整,共 3 条\n")


def test_a_raw_sql_delete_is_found(db):
    records = write(4)
    anchor.update_anchor()
    with unprotected(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE id = %s", [records[1].pk])
    code, text = verify()
    assert code == 1 and f"记录 #{records[0].pk} 与 #{records[2].pk} 之间的 1 条记录被删除" in text


def test_a_raw_sql_insert_is_found(db):
    records = write(3)
    anchor.update_anchor()
    prev = records[0]
    with unprotected(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET id = id + 100 WHERE id > %s", [prev.pk])
        cursor.execute(
            "INSERT INTO audit_auditrecord (id, at, actor_username, action, object_type, object_id, object_repr,"
            " changes, request_id, prev_hash, hash) VALUES (%s, %s, 'mallory', 'login', 'accounts.user', '', 'x',"
            " '{}', '', %s, %s)",
            [prev.pk + 1, prev.at, prev.hash, "a" * 64],
        )
    code, text = verify()
    assert code == 1 and f"记录 #{prev.pk + 1} 被改动" in text


def test_cutting_records_off_the_end_is_found_through_the_anchor(db):
    records = write(5)
    anchor.update_anchor()
    with unprotected():
        AuditRecord.objects.filter(pk__gte=records[3].pk).delete()
    # The chain that is left is consistent in itself...
    assert chain.verify_chain(AuditRecord.objects.order_by("pk"), key=key()).ok
    # ...but not with the anchor.
    code, text = verify()
    assert code == 1 and f"末尾的记录被删除:锚点记载的最后一条是 #{records[4].pk}" in text


def test_a_cut_end_is_not_hidden_by_the_next_write(client, bob):
    """Delete the last records, let the application write once more (a login), verify: the
    writer found the head disagreeing with the anchor and recorded the break."""
    records = write(5)
    anchor.update_anchor()  # what the commit of those writes does outside a test transaction
    with unprotected():
        AuditRecord.objects.filter(pk__gte=records[3].pk).delete()
    client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    broken = AuditRecord.objects.get(action=AuditAction.CHAIN_BREAK)
    assert broken.pk == records[2].pk + 1 and broken.changes["reason"] == chain.TRUNCATED
    assert broken.changes["anchor"]["last_id"] == records[4].pk
    assert AuditRecord.objects.filter(
        pk__gt=broken.pk, object_repr="bob", action=AuditAction.LOGIN
    ).exists()  # the login went on
    anchor.update_anchor()
    code, text = verify()
    assert code == 1
    assert f"锚点记载的最后一条记录 #{records[4].pk} 已不在数据库中(当时链头是 #{records[2].pk})" in text


def test_a_rewritten_end_is_recorded_by_the_next_write(db):
    records = write(3)
    anchor.update_anchor()
    with unprotected():
        AuditRecord.objects.filter(pk=records[-1].pk).update(object_repr="改过的", hash="e" * 64)
    log_change(actor=None, action=AuditAction.UPDATE, object_type="geo.department", object_repr="next")
    broken = AuditRecord.objects.get(action=AuditAction.CHAIN_BREAK)
    assert broken.changes["reason"] == chain.ANCHOR and broken.changes["head"]["id"] == records[-1].pk


def test_an_edited_head_is_recorded_by_the_next_write_without_an_anchor(db):
    records = write(3)
    with unprotected():
        AuditRecord.objects.filter(pk=records[-1].pk).update(object_repr="改过的")
    log_change(actor=None, action=AuditAction.UPDATE, object_type="geo.department", object_repr="next")
    assert AuditRecord.objects.get(action=AuditAction.CHAIN_BREAK).changes["reason"] == chain.EDITED


def test_an_anchor_behind_the_database_is_no_break(db):
    """The anchor is written after the commit, by each application server for itself: records
    after the anchored one are expected."""
    write(2)
    anchor.update_anchor()
    write(2, start=2)
    log_change(actor=None, action=AuditAction.UPDATE, object_type="geo.department", object_repr="next")
    assert not AuditRecord.objects.filter(action=AuditAction.CHAIN_BREAK).exists()
    assert verify()[0] == 0


def test_a_missing_anchor_is_a_problem_when_there_are_records(db):
    write(1)
    code, text = verify()
    assert code == 1 and "锚点文件" in text


# --- The key ------------------------------------------------------------------------------------------


def test_a_record_rewritten_and_rehashed_without_the_key_is_found(db):
    """Rewrite a record, recompute every later hash and the anchor with plain SHA-256."""
    records = write(5)
    anchor.update_anchor()
    target = records[2]
    with unprotected():
        AuditRecord.objects.filter(pk=target.pk).update(object_repr="改过的")
        prev_hash = records[1].hash
        for record in AuditRecord.objects.filter(pk__gte=target.pk).order_by("pk"):
            record.prev_hash = prev_hash
            record.hash = plain_sha256(record)
            AuditRecord.objects.filter(pk=record.pk).update(prev_hash=record.prev_hash, hash=record.hash)
            prev_hash = record.hash
        # ...and the anchor beside the database.
        data = json.loads(anchor.anchor_path().read_text())
        data[anchor.database_key()].update(last_hash=prev_hash)
        anchor.anchor_path().write_text(json.dumps(data))
    code, text = verify()
    assert code == 1
    assert all(f"记录 #{r.pk} 被改动" in text for r in records[2:])


def test_a_record_rewritten_with_the_legacy_hash_is_found(db):
    """Not even the hash the chain had before the key passes after the key."""
    records = write(3)
    anchor.update_anchor()
    target = AuditRecord.objects.get(pk=records[-1].pk)
    target.object_repr = "改过的"
    with unprotected():
        AuditRecord.objects.filter(pk=target.pk).update(object_repr="改过的", hash=chain.legacy_hash(target))
    code, text = verify()
    assert code == 1 and f"记录 #{target.pk} 被改写:它的哈希不是用审计密钥算出的" in text


def test_the_key_is_derived_from_the_field_key_unless_set(settings):
    settings.AUDIT_KEY = ""
    derived = chain.audit_key()
    assert len(derived) == 32 and derived != base64.b64decode(settings.FIELD_ENCRYPTION_KEY)
    from liangxin.security import backup

    assert derived != backup._master_key()  # each use its own key
    settings.AUDIT_KEY = base64.b64encode(b"k" * 32).decode()
    assert chain.audit_key() == b"k" * 32
    settings.AUDIT_KEY = "not base64!"
    with pytest.raises(ImproperlyConfigured, match="LIANGXIN_AUDIT_KEY"):
        chain.audit_key()


def test_another_key_is_reported_once_not_as_every_record_edited(db, settings):
    write(4)
    anchor.update_anchor()
    settings.AUDIT_KEY = base64.b64encode(b"another key of thirty-two bytes!").decode()
    code, text = verify()
    assert code == 1 and "审计密钥与写入这条链时的密钥不同" in text and "被改动" not in text


# --- Records written before the key -------------------------------------------------------------


def legacy_records(n, *, first_id=1):
    """Records as the version before the key wrote them: plain SHA-256, ids from a sequence."""
    records, prev = [], chain.GENESIS_HASH
    for i in range(n):
        record = AuditRecord(
            pk=first_id + 2 * i,  # a sequence leaves gaps where transactions rolled back
            at=timezone.now(),
            actor_username="old",
            action="update",
            object_type="geo.department",
            object_repr=f"old{i}",
            changes={"n": i},
            remote_addr="10.0.0.1",
            prev_hash=prev,
        )
        record.hash = chain.legacy_hash(record)
        records.append(record)
        prev = record.hash
    AuditRecord.objects.bulk_create(records)
    return records


def test_legacy_records_verify_up_to_the_transition_the_first_keyed_write_makes(db):
    old = legacy_records(3)
    log_change(actor=None, action=AuditAction.UPDATE, object_type="geo.department", object_repr="new")
    mark, new = AuditRecord.objects.filter(pk__gt=old[-1].pk).order_by("pk")
    assert mark.action == AuditAction.CHAIN_KEYED and mark.object_type == chain.CHAIN_OBJECT_TYPE
    assert mark.pk == old[-1].pk + 1 and mark.prev_hash == old[-1].hash
    assert mark.changes["legacy_up_to"] == old[-1].pk and new.pk == mark.pk + 1
    anchor.update_anchor()
    assert verify() == (0, "审计链完整,共 5 条\n")
    result = chain.verify_chain(AuditRecord.objects.order_by("pk"), key=key())
    assert result.keyed_from == mark.pk


def test_legacy_records_rehashed_without_the_key_break_at_the_transition(db):
    old = legacy_records(3)
    log_change(actor=None, action=AuditAction.UPDATE, object_type="geo.department", object_repr="new")
    anchor.update_anchor()
    with unprotected():
        prev = chain.GENESIS_HASH
        for record in AuditRecord.objects.filter(pk__lte=old[-1].pk).order_by("pk"):
            record.object_repr = record.object_repr.replace("old1", "改过的")
            record.prev_hash = prev
            record.hash = chain.legacy_hash(record)
            AuditRecord.objects.filter(pk=record.pk).update(
                object_repr=record.object_repr, prev_hash=record.prev_hash, hash=record.hash
            )
            prev = record.hash
    code, text = verify()
    assert code == 1 and f"记录 #{old[-1].pk} 与 #{old[-1].pk + 1} 之间断链" in text


def test_a_chain_without_any_keyed_record_is_reported(db):
    """It may be a keyed chain rewritten without the key, from the first record on."""
    legacy_records(2)
    anchor.update_anchor()
    code, text = verify()
    assert code == 1 and "审计链还没有启用密钥" in text


# --- The anchor is written after each committed write ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_anchor_follows_every_commit_and_not_a_rollback(anchor_file):
    log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr="one")
    first = AuditRecord.objects.get()
    entry = anchor.read_anchor()
    assert entry["last_id"] == first.pk and entry["last_hash"] == first.hash
    assert entry["key_id"] == chain.key_id(key())
    with transaction.atomic():
        for n in range(3):
            log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr=f"n{n}")
        # One update per transaction, registered once.
        assert sum(1 for _s, f, *_r in connection.run_on_commit if f is anchor._anchor_after_commit) == 1
        assert anchor.read_anchor()["last_id"] == first.pk  # not before the commit
    last = AuditRecord.objects.order_by("-pk").first()
    assert anchor.read_anchor()["last_id"] == last.pk
    with pytest.raises(RuntimeError), transaction.atomic():
        log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr="rolled back")
        raise RuntimeError
    assert anchor.read_anchor()["last_id"] == last.pk
    # The id a rolled-back record took is the next record's: no gap.
    following = log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr="after")
    assert following.pk == last.pk + 1
    log_many(actor=None, action=AuditAction.CREATE, entries=[])
    assert anchor.read_anchor()["last_id"] == following.pk
    # The file holds one entry per database.
    data = json.loads(anchor_file.read_text())
    assert list(data) == [anchor.database_key()]
    assert verify()[0] == 0


def test_the_anchor_never_moves_backwards(db):
    anchor.write_anchor(last_id=10, last_hash="b" * 64)
    anchor.write_anchor(last_id=9, last_hash="a" * 64)
    assert anchor.read_anchor()["last_id"] == 10


# --- Real records -------------------------------------------------------------------------------------


def test_records_written_by_the_services_verify(db, alice, sysadm, township_a, org_in_a):
    account_services.create_user(by=sysadm, username="leader2", password=PASSWORD)
    log_change(actor=alice, action=AuditAction.UPDATE, obj=org_in_a, changes={"employees": [40, 41], "note": "中文"})
    log_many(actor=None, action=AuditAction.CREATE, entries=[(org_in_a, {"name": [None, org_in_a.name]})] * 3)
    log_change(actor=alice, action=AuditAction.UPDATE, object_type="x", changes={1: (dt.date(2026, 1, 2), 2.5)})
    anchor.update_anchor()
    code, text = verify()
    assert code == 0 and "审计链完整" in text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers on separate connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    """Writers wait for each other and then read the head the last one committed: no two records
    link to the same predecessor, no id is taken twice."""
    import threading

    from django.db import connections

    errors = []

    def writer(n):
        try:
            for i in range(15):
                with transaction.atomic():
                    log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr=f"w{n}-{i}")
        except Exception as exc:  # pragma: no cover - what the test is looking for
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    records = list(AuditRecord.objects.order_by("pk"))
    assert [r.pk for r in records] == list(range(1, 61))
    assert chain.verify_chain(records, key=key()).ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL defers foreign-key checks to COMMIT")
def test_the_transactions_deferred_key_checks_run_before_the_chain_lock_not_under_it(db, org_in_a):
    """A large write's foreign keys are checked before the chain lock is taken, so other audited
    writes do not wait on them (bench/contention.md): a dangling key fails at the audit call."""
    from django.db import IntegrityError

    from liangxin.registry.models import PartyOrganizationCoverage

    with pytest.raises(IntegrityError, match="foreign key"), transaction.atomic():
        PartyOrganizationCoverage.objects.create(
            party_organization_id=10_000_000, organization=org_in_a, valid_from=dt.date(2026, 1, 1)
        )  # accepted for now: the key is checked at COMMIT
        log_change(actor=None, action=AuditAction.UPDATE, object_type="x", object_repr="after a large write")
        pytest.fail("the audit call should have run the pending checks")  # pragma: no cover
