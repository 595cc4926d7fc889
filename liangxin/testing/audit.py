"""Tests that play the attacker, or empty the database, do it as a database administrator would:
with the audit table's protecting triggers dropped for the moment (``audit.retention``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection, transaction

from liangxin.audit import retention


@contextlib.contextmanager
def unprotected() -> Iterator[None]:
    """Within the block, audit records may be changed and deleted; the triggers come back after."""
    with transaction.atomic():
        retention.drop(connection=connection)
        try:
            yield
        finally:
            retention.install(connection=connection)


def purge_audit_records() -> None:
    """Delete every audit record (a test database being emptied between tests)."""
    with unprotected(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {retention.TABLE}")  # noqa: S608
