"""The package's copies of the register's code lists must equal the Django choices."""

from liangxin.census.tabular import vocab
from liangxin.registry import choices


def test_category_labels_equal_the_django_choices():
    assert dict(vocab.CATEGORY) == {c.value: str(c.label) for c in choices.Category}


def test_organization_type_labels_equal_the_django_choices():
    assert dict(vocab.ORGANIZATION_TYPE) == {c.value: str(c.label) for c in choices.OrganizationType}
    assert list(vocab.ORGANIZATION_TYPE) == list(choices.OrganizationType.values)


def test_economic_types_equal_the_django_set():
    assert {str(t) for t in choices.ECONOMIC_TYPES} == vocab.ECONOMIC_TYPES


def test_operating_status_labels_equal_the_django_choices():
    assert dict(vocab.OPERATING_STATUS) == {c.value: str(c.label) for c in choices.OperatingStatus}


def test_owner_attitude_labels_equal_the_django_choices():
    assert dict(vocab.OWNER_ATTITUDE) == {c.value: str(c.label) for c in choices.OwnerAttitude}


def test_yes_and_no_words_do_not_overlap():
    assert not vocab.TRUE_WORDS & vocab.FALSE_WORDS


def test_industry_sections_cover_every_division_once():
    divisions = [d for first, last, _ in vocab.INDUSTRY_SECTIONS.values() for d in range(first, last + 1)]
    assert sorted(divisions) == list(range(1, 98))
