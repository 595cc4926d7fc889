"""``InstructorAssignment`` now belongs to the talent pool (``talent``); its table stays where it is
(see ``talent/migrations/0002_instructors_from_the_register.py``), so this is a change of state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0013_remove_member_is_mobile"),
        ("talent", "0003_instructor_person_required"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="InstructorAssignment")], database_operations=[]
        ),
    ]
