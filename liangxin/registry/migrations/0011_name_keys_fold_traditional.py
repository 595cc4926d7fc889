"""Names are stored as written and compared by one key (``core.text.normalize_name``), which now
also folds traditional characters to simplified ones. Recompute the stored keys
(``name_normalized``) of organizations and party organizations; the names themselves are left as
they are (what was written before names were kept as written is not known: see docs/names.md).

Only keys that change are written. Two active party organizations of one township whose names
become one key would break the one-name-per-township constraint: the migration stops and names
them, to be merged or renamed first."""

from django.db import migrations

from liangxin.core.text import normalize_name

_BATCH = 2000


def _refold(model, *, fields=("pk", "name", "name_normalized")):
    changed = []
    for pk, name, key in model.objects.values_list(*fields).iterator(chunk_size=_BATCH):
        new = normalize_name(name)
        if new != key:
            changed.append(model(pk=pk, name_normalized=new))
    for start in range(0, len(changed), _BATCH):
        model.objects.bulk_update(changed[start : start + _BATCH], ["name_normalized"])
    return len(changed)


def refold_keys(apps, schema_editor):
    Organization = apps.get_model("registry", "Organization")
    PartyOrganization = apps.get_model("registry", "PartyOrganization")
    seen: dict[tuple[int, str], str] = {}
    clashes = []
    for township_id, name in PartyOrganization.objects.filter(dissolved_on__isnull=True).values_list(
        "township_id", "name"
    ):
        key = (township_id, normalize_name(name))
        if key in seen:
            clashes.append(f"{seen[key]} / {name}")
        seen[key] = name
    if clashes:
        raise RuntimeError(
            "Active party organizations of one township would share a name key; merge or rename them "
            "first: " + "; ".join(clashes[:20])
        )
    _refold(PartyOrganization)
    _refold(Organization)


class Migration(migrations.Migration):
    dependencies = [("registry", "0010_member_id_number_masked_last_two")]

    operations = [migrations.RunPython(refold_keys, migrations.RunPython.noop, elidable=True)]
