"""One plain index on an organization's normalized name, where ``db_index`` made two on
PostgreSQL (the second, ``varchar_pattern_ops``, serves LIKE prefixes, which no query makes).

Only the indexes change: ``AlterField`` alone would remake the whole table on SQLite.
"""

from django.db import migrations, models

_AUTO = ("registry_organization_name_normalized_5a34dfa2", "registry_organization_name_normalized_5a34dfa2_like")


def _drop_auto_indexes(apps, schema_editor):
    for name in _AUTO:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def _restore_auto_indexes(apps, schema_editor):
    model = apps.get_model("registry", "Organization")
    plain, indexed = (
        models.CharField(max_length=200, db_index=db_index, editable=False) for db_index in (False, True)
    )
    for field in (plain, indexed):
        field.set_attributes_from_name("name_normalized")
        field.model = model
    schema_editor.alter_field(model, plain, indexed)


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0001_initial"),
        ("registry", "0015_facts_source_registration"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="organization",
                    name="name_normalized",
                    field=models.CharField(editable=False, max_length=200),
                ),
            ],
            database_operations=[migrations.RunPython(_drop_auto_indexes, _restore_auto_indexes)],
        ),
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["name_normalized"], name="registry_org_name"),
        ),
    ]
