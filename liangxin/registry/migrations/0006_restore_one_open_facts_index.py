"""Restore ``registry_facts_one_open_per_org`` where 0004 dropped it (PostgreSQL only).

0004 turned off ``db_index`` on ``OrganizationFacts.organization``. On PostgreSQL Django's
``AlterField`` then drops every plain b-tree index on that one column that is not a ``Meta.indexes``
entry — which includes the partial unique index behind the ``UniqueConstraint`` (at most one open
facts row per organization). SQLite rebuilds the table with its constraints, so it keeps it. This
re-creates the index when it is missing; on a database that has it, it does nothing.
"""

from django.db import migrations

CONSTRAINT = "registry_facts_one_open_per_org"


def restore(apps, schema_editor):  # type: ignore[no-untyped-def]
    model = apps.get_model("registry", "OrganizationFacts")
    with schema_editor.connection.cursor() as cursor:
        existing = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
    if CONSTRAINT in existing:
        return
    constraint = next(c for c in model._meta.constraints if c.name == CONSTRAINT)
    schema_editor.add_constraint(model, constraint)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_coverage_asof_indexes"),
    ]

    operations = [
        migrations.RunPython(restore, migrations.RunPython.noop),
    ]
