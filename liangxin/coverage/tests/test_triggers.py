"""The stale-marking triggers (``coverage.triggers``): every write that changes an organization's
state marks it, whatever the column; the system check fails when one is missing; a schema change
made the way ``makemigrations`` writes it (on SQLite a remade table loses its triggers) is repaired
by the next ``migrate``, with nothing else to do."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DataError, IntegrityError, connection, models, transaction
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader

from liangxin.census.models import ImportBatch
from liangxin.coverage import checks, materialized, triggers
from liangxin.coverage.models import OrganizationState, StaleOrganization
from liangxin.orglife.models import ActivityOrganization
from liangxin.registry.models import (
    Organization,
    OrganizationFacts,
    PartyOrganizationCoverage,
)
from liangxin.talent.models import InstructorAssignment
from liangxin.testing.factories import (
    ActivityFactory,
    DepartmentFactory,
    InstructorAssignmentFactory,
    OrganizationFactory,
    PartyOrganizationFactory,
    PoolEntryFactory,
    TownshipFactory,
    UserFactory,
)

START = dt.date(2025, 1, 1)
STATE_FIELDS = [f.attname for f in OrganizationState._meta.concrete_fields if f.attname != "id"]


def _stale() -> set[int]:
    return set(StaleOrganization.objects.values_list("organization_id", flat=True))


def _state() -> list[tuple[Any, ...]]:
    return sorted(OrganizationState.objects.values_list(*STATE_FIELDS))


@pytest.mark.django_db
def test_the_database_has_every_trigger_the_state_relies_on():
    assert triggers.missing(connection) == []
    assert checks.check_state_triggers() == []


@pytest.mark.django_db
def test_the_check_names_a_missing_trigger():
    victim = triggers.expected(connection.vendor)[0]
    with connection.cursor() as cursor:
        suffix = f" ON {victim.table}" if connection.vendor == "postgresql" else ""
        cursor.execute(f"DROP TRIGGER {victim.name}{suffix}")
    (error,) = checks.check_state_triggers()
    assert error.id == "coverage.E001" and victim.name in error.msg
    assert triggers.sync(connection) == [victim.name]
    assert checks.check_state_triggers() == []


@pytest.mark.django_db
def test_an_outdated_trigger_is_replaced_and_everything_marked(township_a, monkeypatch):
    org = OrganizationFactory(township=township_a)
    materialized.refresh_stale()
    sources = tuple(
        s if s.table != "registry_instructorassignment" else materialized.Source(s.table, s.key, ("valid_from",))
        for s in materialized.SOURCES
    )
    monkeypatch.setattr(triggers, "SOURCES", sources)  # a definition that changed
    created = triggers.sync(connection)
    assert created and all("registry_instructorassignment" in name for name in created)
    assert triggers.missing(connection) == []
    assert _stale() == {org.pk}  # writes made without the new trigger: recomputed
    monkeypatch.undo()
    triggers.sync(connection)
    assert triggers.missing(connection) == []


# --- Every column: a write either marks the organization or leaves its state as it was ---------------


def _another(field: models.Field, value: Any, world: dict[str, Any]) -> Any:
    """A different value of ``field`` that its constraints accept."""
    if isinstance(field, models.ForeignKey):
        return world[field.related_model._meta.label].pk
    if field.choices:
        return next(c for c, _label in field.flatchoices if c != value and c != "")
    if isinstance(field, models.BooleanField):
        return value is not True
    if isinstance(field, models.DateTimeField):
        return (value or dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) + dt.timedelta(seconds=1)
    if isinstance(field, models.DateField):
        return (value or START) + dt.timedelta(days=30)
    if isinstance(field, models.DecimalField):
        return (value or Decimal(0)) + 1
    if isinstance(field, models.IntegerField):
        return (value or 0) + 1
    if isinstance(field, models.JSONField):
        return ["另一个值"]
    text = value or "原"
    return text[:-1] + ("改" if text[-1] != "改" else "变")  # same length


def _cases(world: dict[str, Any]) -> list[tuple[type[models.Model], Any]]:
    org = world["registry.Organization-subject"]
    return [
        (Organization, org),
        (OrganizationFacts, OrganizationFacts.objects.get(organization=org)),
        (PartyOrganizationCoverage, PartyOrganizationCoverage.objects.get(organization=org)),
        (InstructorAssignment, InstructorAssignment.objects.get(organization=org)),
        (ActivityOrganization, ActivityOrganization.objects.get(organization=org)),
    ]


@pytest.mark.django_db
def test_no_write_of_any_column_changes_the_state_unmarked(township_a, department_x):
    """For every column of every table the state is computed from: an update of that column alone
    marks the organization stale, or the state recomputed from scratch is the same as before. A
    column the state starts to read without a trigger watching it fails here."""
    org = OrganizationFactory(
        township=township_a, department=department_x, facts={"valid_from": START, "employees": 20}
    )
    PartyOrganizationFactory(township=township_a, founded_on=START, covers=[org])
    InstructorAssignmentFactory(organization=org, instructor_name="王指导", valid_from=START)
    party = PartyOrganizationFactory(township=township_a, founded_on=START)
    ActivityFactory(party_organization=party, held_on=START, organizations=[(org, "held_in")])
    other = OrganizationFactory(township=township_a)
    OrganizationFacts.objects.filter(organization=other).delete()
    world = {
        "registry.Organization-subject": org,
        "registry.Organization": other,
        "geo.AdministrativeUnit": TownshipFactory(parent=township_a.parent, code="530324103", name="老厂乡"),
        "geo.Department": DepartmentFactory(code="JYJ", name="县教育局"),
        "registry.PartyOrganization": PartyOrganizationFactory(township=township_a, founded_on=START),
        "accounts.User": UserFactory(),
        "census.ImportBatch": ImportBatch.objects.create(unit=township_a, file_name="x.csv", as_of=START),
        "talent.PoolEntry": PoolEntryFactory(township=township_a),
        "orglife.Activity": ActivityFactory(party_organization=party, held_on=START),
    }
    tested = {}
    for model, row in _cases(world):
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            materialized.rebuild()
            before = _state()
            try:
                with transaction.atomic():
                    value = _another(field, getattr(row, field.attname), world)
                    model.objects.filter(pk=row.pk).update(**{field.attname: value})
                    marked = bool(_stale())
                    materialized.rebuild()
                    changed = _state() != before
                    raise _RollBack
            except _RollBack:
                pass
            except (IntegrityError, DataError):
                continue  # a value the constraints refuse cannot be written, marked or not
            tested[f"{model._meta.db_table}.{field.column}"] = marked
            assert marked or not changed, f"{model.__name__}.{field.name}: the state changed, nothing was marked"
    for source in materialized.SOURCES:  # every column the state reads was written at least once
        for column in (*([source.key] if source.key != "id" else []), *source.columns):
            assert tested.get(f"{source.table}.{column}") is True, f"{source.table}.{column}"


class _RollBack(Exception):
    pass


# --- A field added the way makemigrations writes it --------------------------------------------------


def _operations_for_new_facts_field() -> tuple[Any, Any]:
    """What ``makemigrations`` writes for a new, non-null ``OrganizationFacts`` field (a database
    default, so that the model class, which does not have it, can still insert rows)."""
    loader = MigrationLoader(connection)
    before = loader.project_state()
    after = before.clone()
    after.add_field(
        "registry", "organizationfacts", "has_party_building_room", models.BooleanField(db_default=False), True
    )
    changes = MigrationAutodetector(before, after).changes(graph=loader.graph)
    (migration,) = changes["registry"]
    return before, migration.operations


@pytest.mark.django_db(transaction=True)
def test_a_field_added_to_the_census_facts_needs_nothing_but_migrate(township_a):
    state, operations = _operations_for_new_facts_field()
    applied = []
    try:
        with connection.schema_editor() as editor:
            for operation in operations:
                new_state = state.clone()
                operation.state_forwards("registry", new_state)
                operation.database_forwards("registry", editor, state, new_state)
                applied.append((operation, state, new_state))
                state = new_state
        if connection.vendor == "sqlite":  # the table was remade without its triggers: the check says so
            assert any("registry_organizationfacts" in name for name in triggers.missing(connection))
            assert [e.id for e in checks.check_state_triggers()] == ["coverage.E001"]
        call_command("migrate", verbosity=0)  # the developer's next step; its post_migrate repairs
        assert checks.check_state_triggers() == []
        org = OrganizationFactory(township=township_a)
        materialized.refresh_stale()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_organizationfacts SET has_party_building_room = %s WHERE organization_id = %s",
                [True, org.pk],
            )
        assert _stale() == set()  # a column the state does not read
        OrganizationFacts.objects.filter(organization=org).update(employees=77)
        assert _stale() == {org.pk}
    finally:
        with connection.schema_editor() as editor:
            for operation, from_state, to_state in reversed(applied):
                operation.database_backwards("registry", editor, to_state, from_state)
        call_command("migrate", verbosity=0)
    assert triggers.missing(connection) == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_to_generated_triggers_reverses(township_a):
    """Back to 0009: the triggers of 0004/0009 again; forward: the generated ones, and an
    organization is not marked stale for it (the old triggers were complete)."""
    from django.db.migrations.executor import MigrationExecutor

    org = OrganizationFactory(township=township_a)
    StaleOrganization.objects.all().delete()
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("coverage")
    executor.migrate([("coverage", "0009_import_marks_its_own_facts")])
    legacy = set(triggers.existing(connection))
    assert legacy and not any(name.startswith(triggers.PREFIX) for name in legacy)
    assert "registry_organizationfacts_stale_ins" in legacy
    StaleOrganization.objects.all().delete()
    OrganizationFacts.objects.filter(organization=org).update(employees=5)  # the old triggers mark
    assert _stale() == {org.pk}
    StaleOrganization.objects.all().delete()
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    assert triggers.missing(connection) == [] and set(triggers.existing(connection)).isdisjoint(legacy)
    assert _stale() == set()
    OrganizationFacts.objects.filter(organization=org).update(employees=6)
    assert _stale() == {org.pk}
