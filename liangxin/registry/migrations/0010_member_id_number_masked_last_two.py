"""Members' masked ID numbers show the last two characters only (``registry.identifiers``): the
old form ``5303**********1234`` beside the birth date let the number be rebuilt
(docs/personal-data.md). The last two characters of the old form are those of the number."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Right


def last_two_only(apps, schema_editor):
    Member = apps.get_model("registry", "Member")
    Member.objects.update(id_number_masked=Concat(Value("*" * 16), Right("id_number_masked", 2)))


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_uscc_shape_glob")]

    # Going back keeps the shorter mask: the old one cannot be rebuilt without the key, and the
    # shorter one is valid under the old code too.
    operations = [migrations.RunPython(last_two_only, migrations.RunPython.noop)]
