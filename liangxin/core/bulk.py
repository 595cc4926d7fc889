"""Fast inserts for large imports: reserved primary keys, ``executemany`` or ``COPY``, and staging tables.

Django's ``bulk_create`` compiles one multi-row INSERT per ~50 rows on SQLite (999 bound
parameters) and converts every value through the field machinery; on a million-row census that
is most of the time. Here the column list and each column's adapter are worked out once per
model, primary keys are reserved up front (so related rows can point at them without a
RETURNING round trip, and before the write transaction begins), and rows go to the driver's
``executemany`` on SQLite and to one ``COPY`` on PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import cache
from typing import Any, NamedTuple

from django.db import connection, models, transaction

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


def _adapter(field: models.Field[Any, Any]) -> Adapter:
    """What turns a Python value of ``field`` into what the driver is given."""
    ops = connection.ops
    if isinstance(field, models.JSONField):
        return _json
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return _decimal_adapter(field.max_digits, field.decimal_places)
    return _identity


class _Insert(NamedTuple):
    """How rows are inserted into a table: ``INSERT`` (executemany) or ``COPY``, each value adapted."""

    insert: str
    copy_from: str
    adapters: tuple[Adapter, ...]


def _insert(table: str, columns: Sequence[str], adapters: Iterable[Adapter]) -> _Insert:
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    return _Insert(
        f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})",  # noqa: S608 (names only)
        f"COPY {quote(table)} ({names}) FROM STDIN",
        tuple(adapters),
    )


@cache
def _plan(model: type[models.Model], names: tuple[str, ...]) -> _Insert:
    """How to insert ``names`` (field attnames) of ``model``."""
    fields = [_field(model, name) for name in names]
    return _insert(model._meta.db_table, [str(f.column) for f in fields], (_adapter(f) for f in fields))


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys for ``model`` that nobody else will use, also outside a transaction:
    on PostgreSQL from the sequence (never rolled back), on SQLite by moving the table's
    AUTOINCREMENT counter past them in a transaction of its own, as short as a write can be (the
    keys of an import that fails are skipped, as a sequence skips them)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    pk_column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence is looked up once: in the draw's select list, PostgreSQL looks it up
            # for each key. The keys come back as runs of consecutive values, (first, last): one
            # run unless another session drew from the sequence meanwhile, where each key sent
            # alone cost the client more than drawing it cost the server.
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk_column])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT MIN(k), MAX(k) FROM (SELECT k, k - ROW_NUMBER() OVER (ORDER BY k) AS run "
                "FROM (SELECT nextval(%s::regclass) AS k FROM generate_series(1, %s)) drawn) "
                "numbered GROUP BY run ORDER BY 1",
                [sequence, count],
            )
            return [key for first, last in cursor.fetchall() for key in range(first, last + 1)]
    # SQLite: AUTOINCREMENT gives the next row max(largest key, sqlite_sequence.seq) + 1.
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX({quote(pk_column)}), 0) FROM {quote(table)}")  # noqa: S608
        highest = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        if row is not None:
            highest = max(highest, int(row[0]))
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [highest + count, table])
        else:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, highest + count])
    return list(range(highest + 1, highest + 1 + count))


def unnamed_defaults(model: type[models.Model], names: Iterable[str]) -> list[tuple[str, Any]]:
    """(attname, value) for each column of ``model`` a bulk write does not name: the value Django
    gives a model instance built without it (``Field.get_default()``: the field's default, "" for
    text, else None). Left out: the auto primary key and columns with a database default, which
    the database fills. So a field added to a model with a plain ``default=`` (what
    ``makemigrations`` asks for) needs nothing from the imports that write that table."""
    named = set(names)
    return [
        (field.attname, field.get_default())
        for field in model._meta.concrete_fields
        if field.attname not in named and field is not model._meta.auto_field and not field.has_db_default()
    ]


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT ``rows`` (tuples in the order of ``names``, attnames such as ``organization_id``);
    every other column gets its default (:func:`unnamed_defaults`)."""
    defaults = unnamed_defaults(model, names)
    if defaults:
        names = (*names, *(name for name, _ in defaults))
        values = tuple(value for _, value in defaults)
        rows = ((*row, *values) for row in rows)
    _write(_plan(model, tuple(names)), rows)


def _write(how: _Insert, rows: Iterable[Sequence[Any]]) -> None:
    prepared = _prepared(how.adapters, rows)
    if not prepared:
        return
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.executemany(how.insert, prepared)
        return
    # PostgreSQL: one COPY where executemany sends an INSERT per row, which the server binds and
    # runs one by one (ARCHITECTURE.md, "Derived layers": the import's figures). Past Django's
    # cursor wrapper: its error translation is applied here, as it would be.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(how.copy_from) as copy:
        for row in prepared:
            copy.write_row(row)


def _prepared(adapters: Sequence[Adapter], rows: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
    """``rows`` with each value as the driver is given it."""
    convert: list[tuple[int, Adapter, dict[Any, Any] | None]] = [
        (i, adapt, {} if adapt is not _json else None) for i, adapt in enumerate(adapters) if adapt is not _identity
    ]
    if not convert:
        return list(rows)
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
    return prepared


@contextmanager
def staging_writes() -> Iterator[None]:
    """A transaction for writes to temporary tables only, which takes no lock another writer
    waits for: on SQLite a deferred ``BEGIN`` (Django's transactions begin IMMEDIATE, which takes
    the database's write lock at once), on PostgreSQL an ordinary transaction. Inside a caller's
    transaction it is that transaction."""
    if connection.in_atomic_block or connection.vendor != "sqlite":
        with transaction.atomic():
            yield
        return
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
    try:
        yield
    except BaseException:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")
        raise
    with connection.cursor() as cursor:
        cursor.execute("COMMIT")


class StagingTable:
    """A temporary table that rows are loaded into (``COPY`` on PostgreSQL), then copied from into the
    register's tables with ``INSERT … SELECT`` (or used in an ``UPDATE``).

    Why: the rows of an import are staged while the register is only read (load them inside
    :func:`staging_writes`), so the write transaction copies them inside the database, holding the
    write lock for the copy alone; and every row loaded pays the driver's per-row work once, not
    once per target table.

    ``columns`` are (name, field): the field says how a value is adapted and, on PostgreSQL, the
    column's type. On SQLite only integer columns have a type, so a value reaches its target table
    exactly as a direct insert would give it. ``key``: a column that is the table's primary key
    (unique, never null): on SQLite its rowid, so that rows are stored, scanned and found in its
    order without a sort or an index. A context manager: the table lives for the
    connection (across transactions) and is dropped on the way out; after an error inside a
    transaction, the rollback drops it."""

    def __init__(
        self, name: str, columns: Sequence[tuple[str, models.Field[Any, Any]]], *, key: str | None = None
    ) -> None:
        self.name = name
        self.columns = tuple(columns)
        self.key = key
        self._insert = _insert(name, [column for column, _ in self.columns], (_adapter(f) for _, f in self.columns))
        self._checked: set[tuple[Any, ...]] = set()  # the copies check_into has checked: (sql, params)

    def __enter__(self) -> StagingTable:
        quote = connection.ops.quote_name
        if connection.vendor == "postgresql":
            spec = ", ".join(
                f"{quote(column)} {field.rel_db_type(connection)}{' PRIMARY KEY' if column == self.key else ''}"
                for column, field in self.columns
            )
        else:
            # Keys are INTEGER, so that a join on them can use an index (SQLite compares a column
            # without a type to an INTEGER one with numeric affinity, which no index on it serves).
            spec = ", ".join(
                f"{quote(column)}{' INTEGER' if _integer(field) else ''}{' PRIMARY KEY' if column == self.key else ''}"
                for column, field in self.columns
            )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {quote(self.name)}")
            cursor.execute(f"CREATE TEMPORARY TABLE {quote(self.name)} ({spec})")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # After an error inside a transaction, PostgreSQL refuses any statement until the
        # rollback, which drops the table (it was created in that transaction).
        if exc_type is None or not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(self.name)}")

    def load(self, rows: Iterable[Sequence[Any]]) -> None:
        """Stage ``rows`` (tuples in the order of ``columns``)."""
        self._checked.clear()  # checked copies did not see these rows
        _write(self._insert, rows)

    def index(self, *columns: str) -> None:
        """An index on staged ``columns``: for a join or a correlated subquery of the write."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE INDEX {quote(self.name + '_' + '_'.join(columns))} ON {quote(self.name)} "
                f"({', '.join(quote(c) for c in columns)})"
            )

    def copy_into(
        self,
        model: type[models.Model],
        columns: Sequence[tuple[str, str | Constant]],
        *,
        order_by: str,
        where: str = "",
    ) -> int:
        """``INSERT INTO model (…) SELECT … FROM`` the staged rows (those satisfying ``where``, an
        SQL condition on staged columns), in ``order_by`` order: each target attname gets a staged
        column (by name) or a :class:`Constant`, every other column its default
        (:func:`unnamed_defaults`). The number of rows inserted. When
        :meth:`check_into` has checked exactly this copy, SQLite does not evaluate the table's
        CHECK constraints again (every other constraint is enforced as always)."""
        sql, params = self._copy_sql(model, columns, order_by=order_by, where=where)
        prechecked = connection.vendor == "sqlite" and (sql, tuple(params)) in self._checked
        with _check_constraints_ignored() if prechecked else nullcontext(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.rowcount)

    def check_into(
        self,
        model: type[models.Model],
        columns: Sequence[tuple[str, str | Constant]],
        *,
        order_by: str,
        where: str = "",
    ) -> None:
        """Evaluate now, before the write transaction, the CHECK constraints of ``model``'s table
        on the rows :meth:`copy_into` with the same arguments will insert (it then skips them).

        Why: a CHECK constraint depends on the row's own values only, and staged rows do not
        change; on SQLite, evaluating them in the census import's copies took about 160 ms of
        the write lock's 0.85 s CPU at 50,000 rows (``org_type IN (…)`` alone 45 ms; figures in
        ``bench/contention.md``). The rows are
        inserted into a temporary twin of the table — its own ``CREATE TABLE`` statement, so the
        same CHECKs, NOT NULLs, column affinities and UNIQUE constraints, without the foreign keys
        (which the copy enforces) — which raises ``IntegrityError`` as the copy would have.
        SQLite only: elsewhere the copy evaluates them as always, and this does nothing."""
        if connection.vendor != "sqlite":
            return
        table = str(model._meta.db_table)
        quote = connection.ops.quote_name
        twin = f"{self.name}_check"
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
            (ddl,) = cursor.fetchone()
            ddl = _REFERENCES.sub("", _CREATE_TABLE.sub(f"CREATE TEMPORARY TABLE {quote(twin)}", ddl, count=1))
            cursor.execute(f"DROP TABLE IF EXISTS {quote(twin)}")
            cursor.execute(ddl)
            try:
                cursor.execute(*self._copy_sql(model, columns, order_by=order_by, where=where, into=twin))
            finally:
                cursor.execute(f"DROP TABLE {quote(twin)}")
        sql, params = self._copy_sql(model, columns, order_by=order_by, where=where)
        self._checked.add((sql, tuple(params)))

    def _copy_sql(
        self,
        model: type[models.Model],
        columns: Sequence[tuple[str, str | Constant]],
        *,
        order_by: str,
        where: str,
        into: str | None = None,
    ) -> tuple[str, list[Any]]:
        quote = connection.ops.quote_name
        targets: list[str] = []
        values: list[str] = []
        params: list[Any] = []
        defaults = unnamed_defaults(model, (attname for attname, _ in columns))
        for attname, source in (*columns, *((name, Constant(value)) for name, value in defaults)):
            field = _field(model, attname)
            targets.append(quote(field.column))
            if isinstance(source, Constant):
                values.append(_typed_placeholder(field))
                params.append(_adapter(field)(source.value))
            else:
                values.append(quote(source))
        sql = (
            f"INSERT INTO {quote(into or model._meta.db_table)} ({', '.join(targets)}) "  # noqa: S608 (names only)
            f"SELECT {', '.join(values)} FROM {quote(self.name)}"
            + (f" WHERE {where}" if where else "")
            + f" ORDER BY {quote(order_by)}"
        )
        return sql, params

    def update(
        self, model: type[models.Model], columns: Sequence[tuple[str, str | Constant]], *, key: str, where: str = ""
    ) -> int:
        """``UPDATE model SET (…) = (SELECT …)`` from the staged row whose ``key`` column holds the
        row's primary key, for the staged rows satisfying ``where`` (all without): one statement,
        whatever the number of rows (index ``key`` first, or make it the table's ``key``). The
        number of rows updated."""
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        pk = quote(str(model._meta.pk.column))
        targets: list[str] = []
        values: list[str] = []
        params: list[Any] = []
        for attname, source in columns:
            field = _field(model, attname)
            targets.append(quote(field.column))
            if isinstance(source, Constant):
                values.append(_typed_placeholder(field))
                params.append(_adapter(field)(source.value))
            else:
                values.append(f"s.{quote(source)}")
        staged = quote(self.name)
        sql = (
            f"UPDATE {table} SET ({', '.join(targets)}) = "  # noqa: S608 (names only)
            f"(SELECT {', '.join(values)} FROM {staged} s WHERE s.{quote(key)} = {table}.{pk}"
            + (f" AND {where}) " if where else ") ")
            + f"WHERE {pk} IN (SELECT {quote(key)} FROM {staged}"  # noqa: S608 (names only)
            + (f" WHERE {where})" if where else ")")
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.rowcount)


# A table's CREATE statement as SQLite keeps it (Django writes foreign keys inline).
_CREATE_TABLE = re.compile(r'^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"[^"]+"|\w+)', re.IGNORECASE)
_REFERENCES = re.compile(
    r'\s+REFERENCES\s+(?:"[^"]+"|\w+)\s*\((?:"[^"]+"|\w+)\)(?:\s+DEFERRABLE\s+INITIALLY\s+DEFERRED)?', re.IGNORECASE
)


@contextmanager
def _check_constraints_ignored() -> Iterator[None]:
    # A flag pragma: SQLite expires every prepared statement when it changes, so no statement
    # prepared with the flag on runs after it is off.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")


def _integer(field: models.Field[Any, Any]) -> bool:
    return field.is_relation or field.get_internal_type() in _INTEGER_TYPES


_INTEGER_TYPES = frozenset(
    {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
     "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"}
)  # fmt: skip


class Constant:
    """A value every copied row gets (see :meth:`StagingTable.copy_into`)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _typed_placeholder(field: models.Field[Any, Any]) -> str:
    # PostgreSQL types a parameter in a select list as text, whatever column it is inserted into.
    if connection.vendor == "postgresql":
        return f"CAST(%s AS {field.rel_db_type(connection)})"
    return "%s"
