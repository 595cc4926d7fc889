import datetime as dt

import pytest
from django.db import DataError, IntegrityError, transaction

from liangxin.registry.models import OrganizationFacts
from liangxin.testing.factories import OrganizationFactory, valid_uscc


def test_duplicate_uscc_is_rejected_by_the_database(township_a):
    code = valid_uscc(900)
    OrganizationFactory(uscc=code, township=township_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationFactory(uscc=code, township=township_a)


def test_many_organizations_may_lack_a_uscc(township_a):
    OrganizationFactory(uscc=None, township=township_a, org_type="individual_business")
    OrganizationFactory(uscc=None, township=township_a, org_type="individual_business")


@pytest.mark.parametrize(
    "code",
    [
        "91530324MA6KXYZ0O1",  # O is not in the alphabet
        "91530324MA6KXYZ0I1",  # nor I
        "91530324ma6k3bq103",  # capitals only
        "91530324MA6K3BQ10",  # 17 characters
        "91530324MA6K3BQ1033",  # 19
        "91530324MA6K3BQ10 ",
        "９1530324MA6K3BQ103",  # a full-width digit
    ],
)
def test_malformed_uscc_is_rejected_by_the_database(township_a, code):
    # PostgreSQL refuses 19 characters in a varchar(18) before the check (DataError).
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        OrganizationFactory(uscc=code, township=township_a)


def test_a_uscc_of_the_alphabet_passes_the_database_check(township_a):
    # The check is of the shape only (the checksum is the services'): every allowed character.
    OrganizationFactory(uscc="0123456789ABCDEFGH", township=township_a)
    OrganizationFactory(uscc="JKLMNPQRTUWXY00000", township=township_a)


def test_only_one_open_facts_row_per_organization(org_in_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationFacts.objects.create(organization=org_in_a, valid_from=dt.date(2026, 3, 1), source="edit")


def test_facts_interval_cannot_end_before_it_starts(org_in_a):
    row = org_in_a.facts.get()
    row.valid_to = row.valid_from - dt.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
