"""Rotating the field key: every ID number re-encrypted under the new key with its keyed hash,
in one transaction, audited; refused while the audit and backup keys still hang on the field key
(the command prints the values that pin them); an ID number the old key cannot open changes
nothing."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.management import CommandError, call_command

from liangxin.audit import chain
from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.core import crypto
from liangxin.registry.models import Member
from liangxin.security import backup, keys

OLD = base64.b64encode(b"o" * 32).decode()
NEW = base64.b64encode(b"n" * 32).decode()


@pytest.fixture
def rotating(settings, monkeypatch):
    settings.FIELD_ENCRYPTION_KEY = OLD
    settings.AUDIT_KEY = ""
    settings.BACKUP_KEY = ""
    monkeypatch.setenv("LIANGXIN_FIELD_KEY_OLD", OLD)
    return settings


def test_the_field_key_is_rotated_and_the_numbers_read_the_same(rotating, member_a, member_b):
    numbers = {m.pk: crypto.decrypt(m.id_number_encrypted) for m in Member.objects.all()}
    # First the audit and backup keys must stop depending on the field key: the command says how.
    with pytest.raises(CommandError) as refused:
        call_command("rotate_field_key")
    pinned = keys.pinned_keys(OLD)
    assert f"LIANGXIN_AUDIT_KEY={pinned['LIANGXIN_AUDIT_KEY']}" in str(refused.value)
    assert base64.b64decode(pinned["LIANGXIN_BACKUP_KEY"]) == crypto.derived_key(OLD, backup.KEY_INFO)
    assert base64.b64decode(pinned["LIANGXIN_AUDIT_KEY"]) == chain.audit_key()  # the same key as now
    assert {m.pk: crypto.decrypt(m.id_number_encrypted) for m in Member.objects.all()} == numbers

    rotating.AUDIT_KEY = pinned["LIANGXIN_AUDIT_KEY"]
    rotating.BACKUP_KEY = pinned["LIANGXIN_BACKUP_KEY"]
    rotating.FIELD_ENCRYPTION_KEY = NEW
    call_command("rotate_field_key", stdout=open(os.devnull, "w"))  # noqa: SIM115
    for member in Member.objects.all():
        assert crypto.decrypt(member.id_number_encrypted) == numbers[member.pk]
        assert member.id_number_hash == crypto.keyed_hash(numbers[member.pk])  # exact search still finds it
        with pytest.raises(Exception):  # noqa: B017 - AESGCM's InvalidTag
            crypto.decrypt(member.id_number_encrypted, master=OLD)
    record = AuditRecord.objects.get(object_type="security.field_key")
    assert record.action == AuditAction.UPDATE and record.changes["rotated"]["registry.Member.id_number_encrypted"] == 2
    assert "registry.Member.id_number_encrypted" in {
        f"{f.model._meta.label}.{f.encrypted}" for f in keys.encrypted_fields()
    }


def test_a_value_the_old_key_cannot_open_changes_nothing(rotating, member_a, member_b):
    rotating.AUDIT_KEY = NEW
    rotating.BACKUP_KEY = NEW
    Member.objects.filter(pk=member_b.pk).update(id_number_encrypted=crypto.encrypt("530324199001011234", master=NEW))
    before = dict(Member.objects.values_list("pk", "id_number_encrypted"))
    rotating.FIELD_ENCRYPTION_KEY = NEW
    with pytest.raises(CommandError, match=f"#{member_b.pk}"):
        call_command("rotate_field_key")
    assert dict(Member.objects.values_list("pk", "id_number_encrypted")) == before
    assert not AuditRecord.objects.filter(object_type="security.field_key").exists()


def test_without_an_old_key_nothing_happens(rotating, member_a, monkeypatch):
    monkeypatch.delenv("LIANGXIN_FIELD_KEY_OLD")
    with pytest.raises(CommandError, match="LIANGXIN_FIELD_KEY_OLD"):
        call_command("rotate_field_key")
