"""The register's instructor rows (before the pool) become pool links: one entry per name and
township, marked as coming from the census and to be completed; an entry already in the pool is
used; the coverage state still reads the table."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from liangxin.coverage import triggers
from liangxin.talent.models import InstructorAssignment, PoolEntry
from liangxin.testing.factories import OrganizationFactory

BEFORE = [("talent", "0001_talent_pool"), ("registry", "0013_remove_member_is_mobile")]


@pytest.mark.django_db(transaction=True)
def test_old_instructor_rows_become_pool_links(township_a, township_b):
    a1, a2 = OrganizationFactory(township=township_a), OrganizationFactory(township=township_a)
    b1 = OrganizationFactory(township=township_b)
    executor = MigrationExecutor(connection)
    latest = [key for key in executor.loader.graph.leaf_nodes() if key[0] in ("talent", "registry")]
    executor.migrate(BEFORE)
    try:
        state = executor.loader.project_state(BEFORE)
        old = state.apps.get_model("registry", "InstructorAssignment")
        entry = state.apps.get_model("talent", "PoolEntry").objects.create(
            name="王指导", name_key="王指导", township_id=township_a.pk, skills="党务"
        )
        old.objects.create(organization_id=a1.pk, instructor_name="王指导", valid_from=dt.date(2025, 1, 1))
        old.objects.create(
            organization_id=a2.pk,
            instructor_name="李 指导",
            valid_from=dt.date(2025, 1, 1),
            valid_to=dt.date(2026, 1, 1),
        )
        old.objects.create(organization_id=a2.pk, instructor_name="李指导", valid_from=dt.date(2026, 1, 1))
        old.objects.create(organization_id=b1.pk, instructor_name="王指导", valid_from=dt.date(2025, 1, 1))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        call_command("migrate", verbosity=0)
    rows = InstructorAssignment.objects.select_related("person")
    people = {(a.organization_id, a.valid_from): a.person for a in rows}
    assert people[(a1.pk, dt.date(2025, 1, 1))].pk == entry.pk  # already in the pool: used
    li = people[(a2.pk, dt.date(2025, 1, 1))]
    assert people[(a2.pk, dt.date(2026, 1, 1))] == li  # one person per folded name and township
    assert (li.township_id, li.origin, li.to_complete) == (township_a.pk, "census", True)
    wang_b = people[(b1.pk, dt.date(2025, 1, 1))]
    assert wang_b.pk != entry.pk and wang_b.township_id == township_b.pk  # not across townships
    assert PoolEntry.objects.count() == 3
    assert triggers.missing(connection) == []
