"""Fast inserts (``core.bulk``): what they write is what the ORM would, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from liangxin.core import bulk
from liangxin.core.bulk import Constant
from liangxin.registry.models import Organization, OrganizationFacts
from liangxin.testing.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 30)


def _columns() -> list[tuple[str, object]]:
    fields = {f.attname: f for f in OrganizationFacts._meta.concrete_fields}
    return [
        ("facts_id", fields["id"]),
        ("org_id", fields["organization_id"]),
        ("employees", fields["employees"]),
        ("payroll", fields["payroll"]),
        ("has_union", fields["has_union"]),
    ]


def _facts_copy() -> list[tuple[str, str | Constant]]:
    return [
        ("id", "facts_id"), ("organization_id", "org_id"), ("employees", "employees"), ("payroll", "payroll"),
        ("has_union", "has_union"), ("valid_from", Constant(AS_OF)), ("valid_to", Constant(None)),
        ("source", Constant("import")), ("recorded_at", Constant(_NOW)),
        ("full_members", Constant(2)), ("probationary_members", Constant(0)),
        ("operating_status", Constant("operating")), ("owner_attitude", Constant("")),
    ]  # fmt: skip


# Constants compare by value: a copy and its check are the same statement only with the same "now".
_NOW = timezone.now()


def _copy(stage: bulk.StagingTable) -> None:
    stage.copy_into(OrganizationFacts, _facts_copy(), order_by="facts_id")


def _check(stage: bulk.StagingTable) -> None:
    stage.check_into(OrganizationFacts, _facts_copy(), order_by="facts_id")


def _temporary_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname LIKE 'pg_temp%%'")
        else:
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'")
        return {row[0] for row in cursor.fetchall()}


def test_staged_rows_are_copied_with_their_values_and_the_constants(township_a):
    first, second = (OrganizationFactory(township=township_a, facts=None) for _ in range(2))
    OrganizationFacts.objects.all().delete()
    ids = bulk.reserve_ids(OrganizationFacts, 2)
    with transaction.atomic(), bulk.StagingTable("test_stage", _columns()) as stage:
        stage.load([(ids[1], second.pk, 0, None, None), (ids[0], first.pk, 120, Decimal("350.50"), True)])
        _copy(stage)
    rows = {
        f.organization_id: (f.pk, f.employees, f.payroll, f.has_union, f.full_members, f.valid_from, f.valid_to)
        for f in OrganizationFacts.objects.all()
    }
    assert rows == {
        first.pk: (ids[0], 120, Decimal("350.50"), True, 2, AS_OF, None),
        second.pk: (ids[1], 0, None, None, 2, AS_OF, None),
    }
    assert "test_stage" not in _temporary_tables()


def test_a_column_a_copy_does_not_name_gets_the_default_django_would_give_it(township_a):
    # A field added with a plain ``default=`` (what makemigrations asks for) then needs nothing from
    # the imports that copy into its table: its column is written as a model instance would be.
    org = OrganizationFactory(township=township_a, facts=None)
    OrganizationFacts.objects.all().delete()
    (facts_id,) = bulk.reserve_ids(OrganizationFacts, 1)
    unnamed = {"full_members", "probationary_members", "operating_status", "owner_attitude"}
    with transaction.atomic(), bulk.StagingTable("test_stage", _columns()) as stage:
        stage.load([(facts_id, org.pk, 12, None, None)])
        stage.copy_into(OrganizationFacts, [c for c in _facts_copy() if c[0] not in unnamed], order_by="facts_id")
    facts = OrganizationFacts.objects.get()
    built = OrganizationFacts()
    assert (facts.employees, facts.secretary_candidate_available) == (12, None)
    assert [getattr(facts, name) for name in sorted(unnamed)] == [getattr(built, name) for name in sorted(unnamed)]
    assert (facts.operating_status, facts.full_members, facts.owner_attitude) == ("operating", 0, "")


def test_rows_inserted_without_a_column_get_its_default(township_a):
    org = OrganizationFactory(township=township_a, facts=None)
    OrganizationFacts.objects.all().delete()
    (facts_id,) = bulk.reserve_ids(OrganizationFacts, 1)
    with transaction.atomic():
        bulk.insert_rows(
            OrganizationFacts,
            ("id", "organization_id", "valid_from", "source", "recorded_at", "employees"),
            [(facts_id, org.pk, AS_OF, "import", _NOW, 30)],
        )
    facts = OrganizationFacts.objects.get()
    assert (facts.employees, facts.full_members, facts.operating_status, facts.valid_to) == (30, 0, "operating", None)


def test_a_constraint_broken_by_a_staged_row_writes_nothing(township_a):
    org = OrganizationFactory(township=township_a, facts=None)
    OrganizationFacts.objects.all().delete()
    ids = bulk.reserve_ids(OrganizationFacts, 2)
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.StagingTable("test_stage", _columns()) as stage:
        # Two open intervals for one organization: the partial unique index refuses the second.
        stage.load([(ids[0], org.pk, 1, None, None), (ids[1], org.pk, 2, None, None)])
        _copy(stage)
    assert not OrganizationFacts.objects.exists()
    assert "test_stage" not in _temporary_tables()
    assert Organization.objects.filter(pk=org.pk).exists()


def test_reserved_keys_are_never_given_to_another_insert(township_a):
    """Keys are reserved before the write transaction begins (the import stages its rows with
    them): a row anybody inserts meanwhile, or after, gets another key."""
    from liangxin.registry.models import PartyOrganization

    def branch(n: int, **kwargs) -> PartyOrganization:
        return PartyOrganization(
            name=f"第{n}党支部", name_normalized=f"第{n}党支部", kind="branch", formation_method="independent",
            township=township_a, founded_on=AS_OF, **kwargs,
        )  # fmt: skip

    reserved = bulk.reserve_ids(PartyOrganization, 2)
    assert reserved[1] == reserved[0] + 1 or connection.vendor == "postgresql"
    meanwhile = branch(1)
    meanwhile.save()
    assert meanwhile.pk not in reserved
    PartyOrganization.objects.bulk_create([branch(2, pk=reserved[0]), branch(3, pk=reserved[1])])
    after = branch(4)
    after.save()
    assert after.pk not in reserved and after.pk > max(reserved)
    assert set(PartyOrganization.objects.values_list("pk", flat=True)) == {meanwhile.pk, *reserved, after.pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a sequence's runs: PostgreSQL")
def test_reserved_keys_come_back_whole_when_the_sequence_does_not_give_consecutive_values(township_a):
    """The keys come back as runs of consecutive values; where another session drew from the
    sequence meanwhile there are gaps, here made by a sequence that steps by 3 (the test's
    transaction undoes the step)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('registry_partyorganization', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 3")
    from liangxin.registry.models import PartyOrganization

    reserved = bulk.reserve_ids(PartyOrganization, 5)
    assert len(reserved) == 5
    assert [b - a for a, b in itertools.pairwise(reserved)] == [3, 3, 3, 3]


def _ignoring_checks() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints")
        return bool(cursor.fetchone()[0])


def test_a_checked_copy_meets_its_check_constraints_before_the_write(township_a):
    """``check_into`` evaluates the table's CHECK constraints on the staged rows before the write
    transaction (SQLite); elsewhere the copy evaluates them as always. Either way nothing is
    written."""
    org = OrganizationFactory(township=township_a, facts=None)
    OrganizationFacts.objects.all().delete()
    ids = bulk.reserve_ids(OrganizationFacts, 1)
    with bulk.StagingTable("test_stage", _columns()) as stage:
        stage.load([(ids[0], org.pk, -1, None, None)])  # employees >= 0
        if connection.vendor == "sqlite":
            with pytest.raises(IntegrityError):
                _check(stage)
        else:
            _check(stage)
            with pytest.raises(IntegrityError), transaction.atomic():
                _copy(stage)
    assert not OrganizationFacts.objects.exists()
    assert "test_stage_check" not in _temporary_tables()


def test_a_checked_copy_skips_only_the_checks_it_passed(township_a):
    first, second = (OrganizationFactory(township=township_a, facts=None) for _ in range(2))
    OrganizationFacts.objects.all().delete()
    ids = bulk.reserve_ids(OrganizationFacts, 2)
    with bulk.StagingTable("test_stage", _columns()) as stage:
        stage.load([(ids[0], first.pk, 3, None, None)])
        _check(stage)
        # A row staged after the check was not checked: the copy evaluates the constraints again.
        stage.load([(ids[1], second.pk, -1, None, None)])
        with pytest.raises(IntegrityError), transaction.atomic():
            _copy(stage)
    assert not OrganizationFacts.objects.exists()
    with bulk.StagingTable("test_stage", _columns()) as stage:
        stage.load([(ids[0], first.pk, 3, None, None)])
        _check(stage)
        with transaction.atomic():
            _copy(stage)
            assert connection.vendor != "sqlite" or not _ignoring_checks()
            # Other writes in the same transaction are checked as always.
            with pytest.raises(IntegrityError), transaction.atomic():
                OrganizationFacts.objects.filter(pk=ids[0]).update(employees=-5)
    assert list(OrganizationFacts.objects.values_list("pk", "employees")) == [(ids[0], 3)]


def test_a_keyed_staging_table_refuses_a_key_twice_and_updates_by_key(township_a):
    orgs = [OrganizationFactory(township=township_a, facts=None) for _ in range(3)]
    columns = [("org_id", Organization._meta.pk), ("version", Organization._meta.get_field("version"))]
    with bulk.StagingTable("test_stage", columns, key="org_id") as stage:
        with pytest.raises(IntegrityError), transaction.atomic():
            stage.load([(orgs[0].pk, 7), (orgs[0].pk, 8)])
        stage.load([(orgs[2].pk, 9), (orgs[0].pk, 7)])
        with transaction.atomic():
            assert stage.update(Organization, [("version", "version")], key="org_id") == 2
    assert dict(Organization.objects.values_list("pk", "version")) == {orgs[0].pk: 7, orgs[1].pk: 1, orgs[2].pk: 9}
