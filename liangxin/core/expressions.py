"""Database expressions the models' constraints use, with SQL per vendor (SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Func
from django.db.models.sql.compiler import SQLCompiler


class HasShape(Func):
    """True when a text is exactly ``length`` characters, each in ``charset`` (what goes inside
    a bracket expression, such as ``0-9A-Z``; the same for a regular expression and a glob).

    For CHECK constraints on tables a census import fills by the million: SQLite has no native
    ``REGEXP`` (Django registers a Python function, called back for every row inserted), while
    ``GLOB`` with one bracket per character says the same thing natively. PostgreSQL uses ``~``."""

    output_field = BooleanField()

    def __init__(self, expression: Any, *, charset: str, length: int) -> None:
        super().__init__(expression)
        self.charset = charset
        self.length = length

    def _operand(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return sql, tuple(params)

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        raise NotSupportedError(f"HasShape: no SQL for {connection.vendor}")

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = self._operand(compiler, connection)
        return f"({sql} GLOB %s)", (*params, f"[{self.charset}]" * self.length)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = self._operand(compiler, connection)
        return f"({sql} ~ %s)", (*params, f"^[{self.charset}]{{{self.length}}}$")


class _DateCheck(Func):
    """A boolean test on a date column in native SQL on both databases: SQLite's ``strftime``,
    PostgreSQL's ``EXTRACT`` (Django's own date lookups call a Python function on SQLite, which a
    CHECK constraint would then need in every connection that writes the table)."""

    output_field = BooleanField()
    sqlite: str = ""
    postgresql: str = ""

    def _compiled(self, compiler: Any) -> tuple[list[str], tuple[Any, ...]]:
        parts, params = [], []
        for expression in self.source_expressions:
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        return parts, tuple(params)

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        raise NotSupportedError(f"{type(self).__name__}: no SQL for {connection.vendor}")

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        parts, params = self._compiled(compiler)
        return self.sqlite.format(*parts), params

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        parts, params = self._compiled(compiler)
        return self.postgresql.format(*parts), params


class IsFirstOfMonth(_DateCheck):
    """True when the date is the first day of its month (a month stored as its first day)."""

    sqlite = "(strftime('%%d', {0}) = '01')"
    postgresql = "(EXTRACT(DAY FROM {0}) = 1)"


class IsInYear(_DateCheck):
    """True when the date (first argument) lies in the year (second, an integer column)."""

    sqlite = "(CAST(strftime('%%Y', {0}) AS INTEGER) = {1})"
    postgresql = "(EXTRACT(YEAR FROM {0}) = {1})"
