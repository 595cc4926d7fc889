"""A field a developer adds to the census facts the usual way — ``default=`` on the model,
``makemigrations``, ``migrate`` — is written by the census import with its default (the bulk
copies name their columns: the others get what Django would give them, ``core.bulk``)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection, models

from liangxin.census import services
from liangxin.coverage import triggers
from liangxin.registry.models import OrganizationFacts

from .conftest import fixture_bytes

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def facts_with_a_website_field():
    """``OrganizationFacts.website``, NOT NULL with a Python default, in the table and on the model,
    as ``migrate`` leaves them; removed again afterwards (and the triggers the table's remaking on
    SQLite dropped are put back, as ``migrate`` does)."""
    field = models.CharField("网站", max_length=200, blank=True, default="未填报")
    field.set_attributes_from_name("website")
    with connection.schema_editor() as editor:
        editor.add_field(OrganizationFacts, field)
    field.contribute_to_class(OrganizationFacts, "website")
    call_command("migrate", verbosity=0)
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            editor.remove_field(OrganizationFacts, field)
        OrganizationFacts._meta.local_fields.remove(field)
        OrganizationFacts._meta._expire_cache()
        delattr(OrganizationFacts, "website")
        call_command("migrate", verbosity=0)
        assert triggers.missing(connection) == []


@pytest.mark.django_db(transaction=True)
def test_the_census_import_writes_a_field_added_with_a_default(facts_with_a_website_field, alice, census_county):
    name = "canonical.xlsx"
    outcome = services.import_file(
        by=alice, unit=census_county["county"], data=fixture_bytes(name), file_name=name, as_of=AS_OF
    )
    assert outcome.error_count == 0 and outcome.counts()["new"] == 4
    written = OrganizationFacts.objects.filter(import_batch=outcome.batch)
    assert list(written.values_list("website", flat=True)) == ["未填报"] * 4
