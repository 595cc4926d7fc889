"""The database has every constraint and index the models declare.

Migrations can lose one silently: on PostgreSQL, turning off ``db_index`` on a foreign key drops
every plain single-column index on it, a partial unique index of a ``UniqueConstraint`` included
(registry 0004 → 0006). The invariants live in those constraints, so check them on both backends.
"""

import pytest
from django.apps import apps
from django.db import connection


@pytest.mark.django_db
def test_every_declared_constraint_and_index_exists_in_the_database():
    missing = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if not model.__module__.startswith("liangxin.") or not model._meta.managed:
                continue
            existing = connection.introspection.get_constraints(cursor, model._meta.db_table)
            for item in (*model._meta.constraints, *model._meta.indexes):
                if item.name not in existing:
                    missing.append(f"{model._meta.label}: {item.name}")
    assert missing == []
