"""Each role sees exactly its scope, through the selectors every page uses."""

from liangxin.registry import selectors
from liangxin.testing.factories import OrganizationFactory


def _names(qs):
    return {o.name for o in qs}


def test_county_roles_see_everything(alice, lily, org_in_a, org_in_b):
    for user in (alice, lily):
        assert _names(selectors.organizations_for(user=user)) == {org_in_a.name, org_in_b.name}


def test_township_clerk_sees_only_his_township(bob, carol, org_in_a, org_in_b, member_a, member_b, branch_a, branch_b):
    assert _names(selectors.organizations_for(user=bob)) == {org_in_a.name}
    assert _names(selectors.organizations_for(user=carol)) == {org_in_b.name}
    assert _names(selectors.members_for(user=bob)) == {"张三"}
    assert _names(selectors.party_organizations_for(user=carol)) == {branch_b.name}


def test_department_clerk_sees_supervised_organizations(dave, org_in_a, org_in_b, member_a, member_b, branch_a):
    assert _names(selectors.organizations_for(user=dave)) == {org_in_a.name}
    assert _names(selectors.members_for(user=dave)) == {"张三"}
    assert _names(selectors.party_organizations_for(user=dave)) == {branch_a.name}


def test_secretary_sees_only_his_party_organization(sam, org_in_a, org_in_b, member_a, member_b, branch_a, township_a):
    OrganizationFactory(name="同镇另一家公司", township=township_a)
    assert _names(selectors.organizations_for(user=sam)) == {org_in_a.name}
    assert _names(selectors.members_for(user=sam)) == {"张三"}
    assert _names(selectors.party_organizations_for(user=sam)) == {branch_a.name}


def test_administrators_see_no_business_data(sysadm, secadm, auditor, org_in_a, member_a):
    for user in (sysadm, secadm, auditor):
        assert not selectors.organizations_for(user=user).exists()
        assert not selectors.members_for(user=user).exists()
        assert not selectors.party_organizations_for(user=user).exists()


def test_search_by_pinyin_initials_name_and_code(alice, org_in_a, org_in_b):
    def search(q):
        return _names(selectors.organization_list(user=alice, filters=selectors.OrganizationFilter(q=q)))

    assert search("fcyxh") == {org_in_a.name}
    assert search("蜂产业") == {org_in_a.name}
    assert search("ＦＣＹＸＨ") == {org_in_a.name}
    assert search(org_in_b.uscc[:17]) == {org_in_b.name}
    assert search(org_in_b.uscc.lower()) == {org_in_b.name}
    assert search("xinghuo") == {org_in_b.name}
