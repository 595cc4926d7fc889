"""Staging a campaign file used to keep a census preview (``ImportBatch`` in the "previewed"
state) that the census import pages could confirm, past the campaign's review. Staging keeps no
batch any more; the previews kept so far are discarded (their problems, layouts and preview
changes go with them). Batches already applied or failed are left alone."""

from __future__ import annotations

from django.db import migrations


def discard(apps, schema_editor):  # type: ignore[no-untyped-def]
    Submission = apps.get_model("campaigns", "Submission")
    ImportBatch = apps.get_model("census", "ImportBatch")
    staged = Submission.objects.exclude(staged_batch__isnull=True).values_list("staged_batch_id", flat=True)
    ImportBatch.objects.filter(pk__in=list(staged), status="previewed").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("census", "0002_web_import"),
    ]

    operations = [migrations.RunPython(discard, migrations.RunPython.noop)]
