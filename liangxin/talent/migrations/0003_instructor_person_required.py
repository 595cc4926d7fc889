"""Every instructor assignment now has its pool entry (the previous migration linked them): the
link becomes required. Its own migration, so that on PostgreSQL the constraint is altered in a
transaction of its own, after the rows the link wrote (pending trigger events) are committed."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("talent", "0002_instructors_from_the_register")]

    operations = [
        migrations.AlterField(
            model_name="instructorassignment",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="instructor_assignments",
                to="talent.poolentry",
                verbose_name="指导员",
            ),
        ),
        migrations.AddConstraint(
            model_name="instructorassignment",
            constraint=models.CheckConstraint(
                condition=models.Q(("subsidy__isnull", True), ("subsidy__gt", 0), _connector="OR"),
                name="talent_instructor_subsidy",
            ),
        ),
    ]
