"""The census tests' county, for the tests of what the census pages audit."""

from liangxin.census.tests.conftest import census_county  # noqa: F401  (a fixture)
