"""The yearly tally goes (``StateTally``, ``TallyScheme`` and the two indexes that read the rows
starting or ending near 1 January): no target needs it (ARCHITECTURE.md, "Derived layers and
tunings"). The covering index leads with the township then the department, so the dashboard's
pairs stream from it.
Reversed, the tables come back empty with their one scheme row (null: not built), which the code
of that time builds on its next read."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0010_triggers_from_one_definition"),
        ("geo", "0001_initial"),
        ("registry", "0009_uscc_shape_glob"),
    ]

    operations = [
        migrations.RunSQL(
            migrations.RunSQL.noop,
            "INSERT INTO coverage_tallyscheme (id, scheme, first_year, last_year, rows_built, rows_added) "
            "VALUES (1, NULL, 0, 0, 0, 0)",
        ),
        migrations.DeleteModel(name="TallyScheme"),
        migrations.DeleteModel(name="StateTally"),
        migrations.RemoveIndex(model_name="organizationstate", name="coverage_state_from"),
        migrations.RemoveIndex(model_name="organizationstate", name="coverage_state_to"),
        migrations.RemoveIndex(model_name="organizationstate", name="coverage_state_township"),
        migrations.AddIndex(
            model_name="organizationstate",
            index=models.Index(
                fields=[
                    "township", "department", "valid_from", "valid_to", "covered", "has_instructor", "employees",
                    "full_members", "probationary_members", "has_union", "has_youth_league",
                    "has_womens_federation", "operating_status", "category", "org_type", "above_designated_size",
                    "organization",
                ],
                name="coverage_state_township",
            ),
        ),
    ]
