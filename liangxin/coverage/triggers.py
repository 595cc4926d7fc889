"""The database triggers that mark an organization stale (``StaleOrganization``) whenever a row
its ``OrganizationState`` is computed from is written — by any path: services, imports, reverts,
fixtures, scripts. One home for them: their SQL is generated here from what the state reads
(``materialized.SOURCES``), for SQLite and PostgreSQL.

Each trigger's name carries a hash of its source's definition, so :func:`sync` can tell a current
trigger from a missing or outdated one: it drops what is not current and creates what is missing.
It runs after every ``migrate`` (``apps.CoverageConfig``, ``post_migrate``): on SQLite a schema
change that remakes a table (``AddField`` with a default, ``AlterField`` …) drops that table's
triggers, and the next ``migrate`` brings them back by itself. When it had to create one, writes
made meanwhile were not marked, so it marks every organization stale (the next read recomputes
the state). The system check ``coverage.E001`` (``checks.py``) fails when one is missing anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

from .materialized import SOURCES, STALE, Source

PREFIX = "cov_stale_"
SUPPORTED = ("sqlite", "postgresql")
# The triggers of coverage migrations 0004 and 0009, before their names were generated here.
_LEGACY_SUFFIXES = ("_stale_ins", "_stale_del", "_stale_upd", "_stale")


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    sql: list[str]  # the statements creating it (on PostgreSQL, with its function)


def _hash(source: Source) -> str:
    return hashlib.sha256(repr(source).encode()).hexdigest()[:8]


def _sqlite(source: Source) -> list[Trigger]:
    mark = f"INSERT OR IGNORE INTO {STALE} (organization_id) VALUES"
    key, table, tag = source.key, source.table, _hash(source)
    found = []
    if source.on_insert:
        name = f"{PREFIX}{table}_ins_{tag}"
        sql = f"CREATE TRIGGER {name} AFTER INSERT ON {table} BEGIN {mark} (NEW.{key}); END"
        found.append(Trigger(name, table, [sql]))
    if source.on_delete:
        name = f"{PREFIX}{table}_del_{tag}"
        sql = f"CREATE TRIGGER {name} AFTER DELETE ON {table} BEGIN {mark} (OLD.{key}); END"
        found.append(Trigger(name, table, [sql]))
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in (key, *source.columns))
    name = f"{PREFIX}{table}_upd_{tag}"
    found.append(
        Trigger(
            name,
            table,
            [
                f"CREATE TRIGGER {name} AFTER UPDATE ON {table} WHEN {changed} "
                f"BEGIN {mark} (OLD.{key}); {mark} (NEW.{key}); END"
            ],
        )
    )
    return found


def _function_name(source: Source) -> str:
    return f"{PREFIX}{source.table}_{_hash(source)}"


def _postgresql(source: Source) -> list[Trigger]:
    """One function per source marks OLD's and NEW's organization; a trigger per event calls it."""
    mark = f"INSERT INTO {STALE} (organization_id) VALUES"
    key, table, tag, function = source.key, source.table, _hash(source), _function_name(source)
    create_function = f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN {mark} (OLD.{key}) ON CONFLICT DO NOTHING; END IF;
    IF TG_OP <> 'DELETE' THEN {mark} (NEW.{key}) ON CONFLICT DO NOTHING; END IF;
    RETURN NULL;
END $$"""
    events = []
    if source.on_insert:
        events.append(("ins", "INSERT", ""))
    if source.on_delete:
        events.append(("del", "DELETE", ""))
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in (key, *source.columns))
    events.append(("upd", "UPDATE", f"WHEN ({changed}) "))
    return [
        Trigger(
            f"{PREFIX}{table}_{event}_{tag}",
            table,
            [
                create_function,
                f"CREATE TRIGGER {PREFIX}{table}_{event}_{tag} AFTER {operation} ON {table} FOR EACH ROW "
                f"{when}EXECUTE FUNCTION {function}()",
            ],
        )
        for event, operation, when in events
    ]


def expected(vendor: str) -> list[Trigger]:
    """The triggers the state relies on, as ``vendor`` writes them."""
    if vendor not in SUPPORTED:
        raise RuntimeError(f"coverage state triggers: no SQL for {vendor}")
    build = _postgresql if vendor == "postgresql" else _sqlite
    return [trigger for source in SOURCES for trigger in build(source)]


def existing(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """Trigger name → table, for the triggers of this module (current or not) and their legacy names."""
    tables = sorted({s.table for s in SOURCES})
    legacy = {f"{t}{suffix}" for t in tables for suffix in _LEGACY_SUFFIXES}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relname = ANY(%s) AND pg_catalog.pg_table_is_visible(c.oid)",
                [tables],
            )
        else:
            cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        rows = cursor.fetchall()
    return {name: table for name, table in rows if name.startswith(PREFIX) or name in legacy}


def missing(connection: BaseDatabaseWrapper) -> list[str]:
    """The names of the current triggers the database lacks."""
    there = existing(connection)
    return [t.name for t in expected(connection.vendor) if t.name not in there]


def _drop(connection: BaseDatabaseWrapper, names: Iterable[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        for name, table in names:
            on = f" ON {table}" if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
        if connection.vendor == "postgresql":
            current = {_function_name(s) for s in SOURCES}
            cursor.execute(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND (p.proname LIKE %s OR p.proname = ANY(%s))",
                [PREFIX.replace("_", r"\_") + "%", [f"{s.table}_stale" for s in SOURCES]],
            )
            for (function,) in cursor.fetchall():
                if function not in current:
                    cursor.execute(f"DROP FUNCTION IF EXISTS {function}() CASCADE")


def sync(connection: BaseDatabaseWrapper, *, mark: bool = True) -> list[str]:
    """Make the database's triggers the current ones: drop the others (outdated, legacy), create the
    missing ones; when one was created, mark every organization stale (``mark``: unless the caller
    knows no write went unmarked). The names created."""
    wanted = expected(connection.vendor)
    names = {t.name for t in wanted}
    there = existing(connection)
    _drop(connection, ((name, table) for name, table in there.items() if name not in names))
    created = []
    with connection.cursor() as cursor:
        for trigger in wanted:
            if trigger.name in there:
                continue
            for statement in trigger.sql:
                cursor.execute(statement)
            created.append(trigger.name)
        if created and mark:
            cursor.execute(
                f"INSERT INTO {STALE} (organization_id) SELECT id FROM registry_organization WHERE TRUE "  # noqa: S608 (names only)
                "ON CONFLICT (organization_id) DO NOTHING"
            )
    return created


def drop_all(connection: BaseDatabaseWrapper) -> None:
    """Drop every trigger of this module (reversing the migration that installed them)."""
    _drop(connection, existing(connection).items())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for source in SOURCES:
                cursor.execute(f"DROP FUNCTION IF EXISTS {_function_name(source)}() CASCADE")
