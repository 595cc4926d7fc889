# The flag is replaced by the mobile members ledger (mobility 0002 moves its data first).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0012_facts_ordered_by_column'),
        ('mobility', '0002_members_flagged_mobile'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='member',
            name='is_mobile',
        ),
    ]
