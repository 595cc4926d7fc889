"""The engine on the register: facts as of a date, scoped to the user, in a fixed number of queries."""

import datetime as dt

import pytest

from liangxin.policy import selectors
from liangxin.testing.factories import OrganizationFactory, PartyOrganizationFactory

ON = dt.date(2026, 6, 1)


@pytest.fixture
def small_county(township_a, township_b, village_a, org_in_a, branch_a, org_in_b):
    # org_in_a: 罗平县蜂产业协会, 5 full + 1 probationary, covered by its branch (branch_a).
    # org_in_b: 板桥星火煤业, 120 employees, no members.
    two = OrganizationFactory(
        name="九龙蜂蜜加工厂", township=township_a, village=village_a, industry_code="C14", facts={"full_members": 2}
    )
    one = OrganizationFactory(
        name="九龙菜籽油坊", township=township_a, village=village_a, industry_code="C13", facts={"full_members": 1}
    )
    later = OrganizationFactory(
        name="明年才登记的公司", township=township_a, facts={"full_members": 9, "valid_from": dt.date(2027, 1, 1)}
    )
    return {"two": two, "one": one, "later": later}


def test_register_facts_as_of_a_date(alice, small_county, org_in_a, org_in_b, branch_a):
    facts = {f.name: f for f in selectors.register_facts(user=alice, on=ON)}
    assert set(facts) == {"罗平县蜂产业协会", "板桥星火煤业有限公司", "九龙蜂蜜加工厂", "九龙菜籽油坊"}
    bee = facts["罗平县蜂产业协会"]
    assert (bee.full_members, bee.probationary_members, bee.has_party_organization) == (5, 1, True)
    assert (bee.party_organization_kind, bee.party_organization_name) == ("branch", "罗平县蜂产业协会党支部")
    assert bee.township_code == "530324001" and bee.village_name == "九龙社区居民委员会"
    assert bee.department == "县工商联"


def test_recommendations_for_the_register(alice, small_county, org_in_a, org_in_b, django_assert_num_queries):
    with django_assert_num_queries(4):  # policy, facts, coverage, organizations
        results = selectors.recommendations_for(user=alice, on=ON)
    assert results[org_in_a.pk].code == "covered"
    assert results[org_in_b.pk].code == "instructor_first"
    joint = results[small_county["two"].pk]
    assert joint.code == "joint"
    assert [p.name for p in joint.primary.partners] == ["九龙菜籽油坊"]
    assert small_county["later"].pk not in results


def test_recommendations_are_scoped_to_the_user(bob, small_county, org_in_b):
    results = selectors.recommendations_for(user=bob, on=ON)
    assert org_in_b.pk not in results  # township B is not bob's
    assert results[small_county["one"].pk].code == "joint"


def test_recommendations_refuse_a_date_before_any_policy(alice, small_county):
    with pytest.raises(selectors.NoPolicyInForce):
        selectors.recommendations_for(user=alice, on=dt.date(2009, 1, 1))


def test_a_dissolved_coverage_no_longer_counts(alice, township_a):
    org = OrganizationFactory(name="散了的公司", township=township_a, facts={"full_members": 4})
    party = PartyOrganizationFactory(name="散了的公司党支部", township=township_a, covers=[org])
    party.coverages.update(valid_to=dt.date(2025, 1, 1))
    assert selectors.recommendations_for(user=alice, on=ON)[org.pk].code == "form_branch"


def test_one_organizations_recommendation_is_the_one_the_whole_register_gives(alice, small_county, org_in_a, org_in_b):
    """The plan pages recommend one organization from its township alone: the same answer."""
    everything = selectors.recommendations_for(user=alice, on=ON)
    for organization in (org_in_a, org_in_b):
        assert selectors.recommendation_of(user=alice, organization=organization, on=ON) == everything[organization.pk]
