"""Fast inserts for large imports: reserved primary keys and ``executemany``.

Django's ``bulk_create`` compiles one multi-row INSERT per ~50 rows on SQLite (999 bound
parameters) and converts every value through the field machinery; on a million-row census that
is most of the time. Here the column list and each column's adapter are worked out once per
model, primary keys are reserved up front (so related rows can point at them without a
RETURNING round trip), and rows go to the driver's ``executemany``. Portable: SQLite and
PostgreSQL. Call only inside a transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from django.db import connection, models

Adapter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if not value and isinstance(value, (dict, list)):  # most rows: no former names, no "before"
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value, ensure_ascii=False)


def _decimal_adapter(max_digits: int | None, decimal_places: int | None) -> Adapter:
    def adapt(value: Any) -> Any:
        return connection.ops.adapt_decimalfield_value(value, max_digits, decimal_places)

    return adapt


def _field(model: type[models.Model], attname: str) -> Any:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    raise LookupError(f"{model.__name__} has no column {attname}")


@cache
def _plan(model: type[models.Model], names: tuple[str, ...]) -> tuple[str, tuple[Adapter, ...]]:
    """The INSERT statement and one adapter per column, for ``names`` (field attnames)."""
    ops = connection.ops
    quote = ops.quote_name
    fields = [_field(model, name) for name in names]
    adapters: list[Adapter] = []
    for field in fields:
        if isinstance(field, models.JSONField):
            adapters.append(_json)
        elif isinstance(field, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(field, models.DateField):
            adapters.append(ops.adapt_datefield_value)
        elif isinstance(field, models.DecimalField):
            adapters.append(_decimal_adapter(field.max_digits, field.decimal_places))
        else:
            adapters.append(_identity)
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    return sql, tuple(adapters)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` unused primary keys for ``model``, safe inside the current transaction."""
    if count <= 0:
        return []
    table = model._meta.db_table
    pk_column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk_column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock (IMMEDIATE), so nobody else inserts; with
        # AUTOINCREMENT the highest id ever used is kept in sqlite_sequence, never reuse below it.
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(pk_column)}), 0) FROM {quote(table)}")  # noqa: S608
        highest = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        if row is not None:
            highest = max(highest, int(row[0]))
        return list(range(highest + 1, highest + 1 + count))


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT ``rows`` (tuples in the order of ``names``, attnames such as ``organization_id``)."""
    sql, adapters = _plan(model, tuple(names))
    convert: list[tuple[int, Adapter, dict[Any, Any] | None]] = [
        (i, adapt, {} if adapt is not _json else None) for i, adapt in enumerate(adapters) if adapt is not _identity
    ]
    if convert:
        prepared: list[Sequence[Any]] = []
        for row in rows:
            values = list(row)
            for i, adapt, memo in convert:
                value = values[i]
                if memo is None:
                    values[i] = adapt(value)
                else:  # dates and amounts repeat (the batch's date, "now"): adapt each once
                    adapted = memo.get(value, memo)
                    if adapted is memo:
                        adapted = memo[value] = adapt(value)
                    values[i] = adapted
            prepared.append(values)
    else:
        prepared = list(rows)
    if not prepared:
        return
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
