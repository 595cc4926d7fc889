import datetime as dt

import pytest

from liangxin.census.tests.conftest import census_county  # noqa: F401 (a fixture)
from liangxin.talent import services
from liangxin.testing.factories import valid_id_number

START = dt.date(2026, 3, 1)


@pytest.fixture
def wang(carol, township_b):
    """A township-B person of the pool, not a member, with an ID number."""
    data = services.EntryData(name="王指导", township=township_b, id_number=valid_id_number(777), skills="党务")
    return services.add_entry(by=carol, data=data)
