"""Triggers that mark an organization stale (``coverage_staleorganization``) whenever a row its
``OrganizationState`` is derived from is written — by any path, so that no service, import,
revert or fixture can forget to. Then every existing organization is marked stale, so the first
read builds the table (``coverage.materialized``)."""

from django.db import migrations

STALE = "coverage_staleorganization"

# table → (the organization column, the columns the state depends on)
SOURCES = {
    "registry_organizationfacts": (
        "organization_id",
        ["organization_id", "valid_from", "valid_to", "operating_status", "employees", "full_members",
         "probationary_members", "has_union", "has_youth_league", "has_womens_federation"],
    ),
    "registry_partyorganizationcoverage": ("organization_id", ["organization_id", "valid_from", "valid_to"]),
    "registry_instructorassignment": ("organization_id", ["organization_id", "valid_from", "valid_to"]),
}
ORGANIZATION_COLUMNS = ["township_id", "department_id", "category", "org_type", "above_designated_size", "merged_into_id"]


def _sqlite(table, key, columns, *, insert=True, delete=True):
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    mark = f"INSERT OR IGNORE INTO {STALE} (organization_id) VALUES"
    sql = []
    if insert:
        sql.append(f"CREATE TRIGGER {table}_stale_ins AFTER INSERT ON {table} BEGIN {mark} (NEW.{key}); END")
    if delete:
        sql.append(f"CREATE TRIGGER {table}_stale_del AFTER DELETE ON {table} BEGIN {mark} (OLD.{key}); END")
    sql.append(
        f"CREATE TRIGGER {table}_stale_upd AFTER UPDATE ON {table} WHEN {changed} "
        f"BEGIN {mark} (OLD.{key}); {mark} (NEW.{key}); END"
    )
    return sql


def _postgresql(table, key, columns, *, insert=True, delete=True):
    function = f"{table}_stale"
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    mark = f"INSERT INTO {STALE} (organization_id) VALUES"
    sql = [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN {mark} (OLD.{key}) ON CONFLICT DO NOTHING; END IF;
    IF TG_OP <> 'DELETE' THEN {mark} (NEW.{key}) ON CONFLICT DO NOTHING; END IF;
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER {table}_stale_upd AFTER UPDATE ON {table} FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION {function}()",
    ]
    events = [e for e, wanted in (("INSERT", insert), ("DELETE", delete)) if wanted]
    if events:
        sql.append(
            f"CREATE TRIGGER {table}_stale AFTER {' OR '.join(events)} ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {function}()"
        )
    return sql


def _statements(vendor):
    build = _postgresql if vendor == "postgresql" else _sqlite
    sql = []
    for table, (key, columns) in SOURCES.items():
        sql += build(table, key, columns)
    # An organization is in the state through its census intervals (their insert marks it); its
    # deletion deletes them. Only a change of a copied column or a merge concerns it directly.
    sql += build("registry_organization", "id", ORGANIZATION_COLUMNS, insert=False, delete=False)
    return sql


def _drop_statements(vendor):
    sql = []
    for table in [*SOURCES, "registry_organization"]:
        for suffix in ("_stale_ins", "_stale_del", "_stale_upd", "_stale"):
            sql.append(
                f"DROP TRIGGER IF EXISTS {table}{suffix}" + (f" ON {table}" if vendor == "postgresql" else "")
            )
        if vendor == "postgresql":
            sql.append(f"DROP FUNCTION IF EXISTS {table}_stale()")
    return sql


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise RuntimeError(f"coverage state triggers: no SQL for {vendor}")
    for statement in _statements(vendor):
        schema_editor.execute(statement, params=None)
    schema_editor.execute(
        f"INSERT INTO {STALE} (organization_id) SELECT DISTINCT organization_id FROM registry_organizationfacts",
        params=None,
    )


def drop(apps, schema_editor):
    for statement in _drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("coverage", "0003_organization_state")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
