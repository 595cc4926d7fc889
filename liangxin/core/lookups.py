"""``id__in`` with a number no integer column can hold matches nothing, as ``id=`` does.

Django answers ``exact``, ``gt``, ``lt`` … on an integer field with a value beyond the column's
range as "no rows" (or "all rows"), but passes an ``in`` list to the database as it is, where
SQLite raises ``OverflowError`` and PostgreSQL a ``DataError``. A form's multiple choice of
objects (``ModelMultipleChoiceField``) is such a query: ``townships=99999999999999999999999``
made a 500. Registered on every integer field in ``CoreConfig.ready``, this lookup leaves out of
the list the values no row can have.
"""

from __future__ import annotations

from typing import Any

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
