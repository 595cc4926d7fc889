"""System check: the database has every trigger the coverage state relies on (``triggers.py``).

Run by ``manage.py check``, ``runserver`` and ``migrate``, and by the test suite on its database.
Skipped while migrations are pending (``migrate`` installs and repairs the triggers) or when the
database cannot be reached (other checks and commands report that)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.loader import MigrationLoader

from . import triggers

INSTALLED_BY = ("coverage", "0010_triggers_from_one_definition")


def installed(connection: Any, *, complete: bool = True) -> bool:
    """Whether the migration that installs the triggers is applied (``complete``: and no migration
    is pending)."""
    loader = MigrationLoader(connection)
    applied = set(loader.applied_migrations)
    return INSTALLED_BY in applied and (not complete or set(loader.graph.leaf_nodes()) <= applied)


def check_state_triggers(databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for alias in databases or [DEFAULT_DB_ALIAS]:
        connection = connections[alias]
        if connection.vendor not in triggers.SUPPORTED:
            continue
        try:
            if not installed(connection):
                continue
            absent = triggers.missing(connection)
        except DatabaseError:
            continue
        if absent:
            errors.append(
                Error(
                    f"数据库 {alias} 缺少覆盖率状态表依赖的触发器:{', '.join(absent)}",
                    hint="Something dropped them outside `migrate` (which re-creates them after every run). "
                    "Run `python manage.py refresh_coverage_state --all`: it re-creates them and recomputes the state.",
                    id="coverage.E001",
                )
            )
    return errors
