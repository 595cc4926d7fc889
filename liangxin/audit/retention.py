"""Audit records are kept: the database refuses to change any, and to delete one younger than six
months (the retention the Cybersecurity Law requires of network logs; see docs/audit.md).

Triggers on both databases, installed by the audit migrations (``install``): an UPDATE is
refused; a DELETE of a row whose ``at`` is within six months is refused; on PostgreSQL a
TRUNCATE is refused while any such row exists. They stop the application, a script or a hurried
administrator; someone who may drop triggers can still delete rows, and that is what the keyed
chain and the anchor outside the database find.

SQLite drops a table's triggers when a migration remakes it (an ``AlterField``, most
``AddField``s): ``audit.checks`` fails ``manage.py check`` when one is missing, and a migration
that alters ``AuditRecord`` ends with ``migrations.RunPython(retention.install, retention.drop)``.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditrecord"

_SQLITE = {
    "audit_record_no_update": """
        CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_auditrecord
        BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END""",
    # ``at`` is stored as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]", which compares as text.
    "audit_record_keep_young": """
        CREATE TRIGGER audit_record_keep_young BEFORE DELETE ON audit_auditrecord
        WHEN OLD.at > datetime('now', '-6 months')
        BEGIN SELECT RAISE(ABORT, 'audit records younger than six months cannot be deleted'); END""",
}

_PG_FUNCTION = """
    CREATE OR REPLACE FUNCTION audit_record_protect() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION 'audit records cannot be changed' USING ERRCODE = 'restrict_violation';
        ELSIF TG_OP = 'DELETE' THEN
            IF OLD.at > now() - interval '6 months' THEN
                RAISE EXCEPTION 'audit records younger than six months cannot be deleted'
                    USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN OLD;
        ELSIF EXISTS (SELECT 1 FROM audit_auditrecord WHERE at > now() - interval '6 months') THEN
            RAISE EXCEPTION 'audit records younger than six months cannot be deleted'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NULL;
    END $$"""

_PG = {
    "audit_record_no_update": """CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_auditrecord
        FOR EACH ROW EXECUTE FUNCTION audit_record_protect()""",
    "audit_record_keep_young": """CREATE TRIGGER audit_record_keep_young BEFORE DELETE ON audit_auditrecord
        FOR EACH ROW EXECUTE FUNCTION audit_record_protect()""",
    "audit_record_no_truncate": """CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_auditrecord
        FOR EACH STATEMENT EXECUTE FUNCTION audit_record_protect()""",
}


def triggers(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """Name → CREATE statement of the triggers this database should have."""
    return {"sqlite": _SQLITE, "postgresql": _PG}.get(connection.vendor, {})


def present(connection: BaseDatabaseWrapper) -> set[str]:
    """The names of the enabled triggers on the audit table."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
                [TABLE],
            )
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


def missing(connection: BaseDatabaseWrapper) -> list[str]:
    found = present(connection)
    return sorted(name for name in triggers(connection) if name not in found)


def drop(apps: Any = None, schema_editor: Any = None, *, connection: BaseDatabaseWrapper | None = None) -> None:
    connection = connection or schema_editor.connection
    with connection.cursor() as cursor:
        for name in triggers(connection):
            cursor.execute(
                f"DROP TRIGGER IF EXISTS {name}" + (" ON audit_auditrecord" if connection.vendor != "sqlite" else "")
            )


def install(apps: Any = None, schema_editor: Any = None, *, connection: BaseDatabaseWrapper | None = None) -> None:
    """(Re)create the triggers. Usable as a migration's ``RunPython`` code."""
    connection = connection or schema_editor.connection
    drop(connection=connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
        for statement in triggers(connection).values():
            cursor.execute(statement)
