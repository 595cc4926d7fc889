"""``manage.py check`` fails when the audit table has lost the triggers that keep its records
(``audit.retention``): on SQLite a migration that remakes the table drops them silently."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader

from . import retention


def _migrated(connection: Any) -> bool:
    """The audit app's migrations are all applied (before that, ``migrate`` installs them)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    nodes = [key for key in loader.graph.nodes if key[0] == "audit"]
    return bool(nodes) and all(key in loader.applied_migrations for key in nodes)


@register("audit")
def audit_triggers_present(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    connection = connections["default"]
    try:
        if not _migrated(connection):
            return []
        absent = retention.missing(connection)
    except DatabaseError:  # no database yet, or not reachable: other checks and commands say so
        return []
    if not absent:
        return []
    return [
        Error(
            f"The audit table {retention.TABLE} lacks the trigger(s) {', '.join(absent)} that keep its records "
            "from being changed or deleted early.",
            hint="A migration that remade the table dropped them: end it with "
            "migrations.RunPython(liangxin.audit.retention.install, liangxin.audit.retention.drop) "
            "(docs/audit.md).",
            id="audit.E001",
        )
    ]
