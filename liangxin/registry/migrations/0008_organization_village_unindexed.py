"""Drop the index on ``Organization.village``: nothing looks organizations up by village, and each
index costs every insert of a million-row census import.

By hand, not ``AlterField`` alone: on SQLite that remakes the table (copy, drop, rename), and the
drop takes the coverage triggers (coverage migration 0004) with it; on PostgreSQL Django leaves the
index in place. The state change is Django's, the database change one ``DROP INDEX``."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "registry_organization_village_id_b26632a2"


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0001_initial"),
        ("registry", "0007_asof_covering_indexes"),
        ("coverage", "0004_state_triggers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="organization",
                    name="village",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="village_organizations",
                        to="geo.administrativeunit",
                        verbose_name="所属村(社区)",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX {INDEX} ON registry_organization (village_id)",
                ),
            ],
        ),
    ]
