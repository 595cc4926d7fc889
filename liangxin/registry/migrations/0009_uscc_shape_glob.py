"""The USCC format check with ``GLOB`` on SQLite instead of ``REGEXP``, which SQLite runs as a
Python callback for every organization inserted (``core.expressions.HasShape``; PostgreSQL keeps
its native ``~``).

On SQLite, changing a constraint remakes the table, and dropping the old table drops its triggers:
the coverage trigger on organizations (coverage migration 0004) is created again afterwards."""

import importlib

from django.db import migrations, models

import liangxin.core.expressions


def restore_coverage_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    triggers = importlib.import_module("liangxin.coverage.migrations.0004_state_triggers")
    statements = triggers._sqlite(
        "registry_organization", "id", triggers.ORGANIZATION_COLUMNS, insert=False, delete=False
    )
    for statement in statements:
        schema_editor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0001_initial"),
        ("registry", "0008_organization_village_unindexed"),
        ("coverage", "0004_state_triggers"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="organization",
            name="registry_org_uscc_format",
        ),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("uscc__isnull", True),
                    liangxin.core.expressions.HasShape("uscc", charset="0-9A-HJ-NPQRTUWXY", length=18),
                    _connector="OR",
                ),
                name="registry_org_uscc_format",
            ),
        ),
        migrations.RunPython(restore_coverage_trigger, restore_coverage_trigger, elidable=False),
    ]
