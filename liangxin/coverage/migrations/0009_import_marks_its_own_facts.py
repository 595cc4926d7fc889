"""The insert trigger on census intervals skips the rows an import writes (``import_batch_id``
set): the import marks its organizations stale itself, in one statement at its end
(``materialized.mark_imported_stale``). A trigger run per row cost 11 µs a row, a tenth of a
million-row import; the ``WHEN`` test is evaluated without running the trigger. Deletes and
updates of those rows (a revert, a later edit) still fire their triggers."""

from django.db import migrations

STALE = "coverage_staleorganization"
FACTS = "registry_organizationfacts"
MARK = f"INSERT OR IGNORE INTO {STALE} (organization_id) VALUES (NEW.organization_id)"


def _forward(vendor, skip_imported):
    when = "NEW.import_batch_id IS NULL" if skip_imported else None
    if vendor == "postgresql":
        # 0004's function serves all three events; insert gets a trigger of its own with the test.
        return [
            f"DROP TRIGGER IF EXISTS {FACTS}_stale ON {FACTS}",
            f"DROP TRIGGER IF EXISTS {FACTS}_stale_ins ON {FACTS}",
            f"CREATE TRIGGER {FACTS}_stale_del AFTER DELETE ON {FACTS} FOR EACH ROW EXECUTE FUNCTION {FACTS}_stale()",
            f"CREATE TRIGGER {FACTS}_stale_ins AFTER INSERT ON {FACTS} FOR EACH ROW "
            + (f"WHEN ({when}) " if when else "")
            + f"EXECUTE FUNCTION {FACTS}_stale()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {FACTS}_stale_ins",
        f"CREATE TRIGGER {FACTS}_stale_ins AFTER INSERT ON {FACTS} " + (f"WHEN {when} " if when else "") + f"BEGIN {MARK}; END",
    ]


def _backward_postgresql():
    return [
        f"DROP TRIGGER IF EXISTS {FACTS}_stale_ins ON {FACTS}",
        f"DROP TRIGGER IF EXISTS {FACTS}_stale_del ON {FACTS}",
        f"CREATE TRIGGER {FACTS}_stale AFTER INSERT OR DELETE ON {FACTS} FOR EACH ROW EXECUTE FUNCTION {FACTS}_stale()",
    ]


def forward(apps, schema_editor):
    for statement in _forward(schema_editor.connection.vendor, skip_imported=True):
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _backward_postgresql() if vendor == "postgresql" else _forward(vendor, skip_imported=False)
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("coverage", "0008_tally_parts")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
