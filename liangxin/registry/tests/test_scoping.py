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


# --- Model.objects.restrict(user) ------------------------------------------------------------------


def test_restrict_gives_each_role_its_scope_on_the_three_models(
    alice,
    lily,
    bob,
    carol,
    dave,
    sam,
    sysadm,
    secadm,
    auditor,
    org_in_a,
    org_in_b,
    member_a,
    member_b,
    branch_a,
    branch_b,
):
    """``Organization.objects.restrict(user)`` and its siblings: the scope where Django developers
    look for it, the same as the scope functions (``scoping.py``) every selector uses."""
    from liangxin.registry.models import Member, Organization, PartyOrganization

    expected = {
        alice: ({org_in_a.name, org_in_b.name}, {branch_a.name, branch_b.name}, {"张三", "李四"}),
        lily: ({org_in_a.name, org_in_b.name}, {branch_a.name, branch_b.name}, {"张三", "李四"}),
        bob: ({org_in_a.name}, {branch_a.name}, {"张三"}),
        carol: ({org_in_b.name}, {branch_b.name}, {"李四"}),
        dave: ({org_in_a.name}, {branch_a.name}, {"张三"}),
        sam: ({org_in_a.name}, {branch_a.name}, {"张三"}),
        sysadm: (set(), set(), set()),
        secadm: (set(), set(), set()),
        auditor: (set(), set(), set()),
    }
    for user, (organizations, party_organizations, members) in expected.items():
        assert _names(Organization.objects.restrict(user)) == organizations, user
        assert _names(PartyOrganization.objects.restrict(user)) == party_organizations, user
        assert _names(Member.objects.restrict(user)) == members, user
    # A queryset narrowed further keeps the restriction, in either order.
    assert not Organization.objects.filter(pk=org_in_b.pk).restrict(bob).exists()
    assert Organization.objects.restrict(carol).filter(pk=org_in_b.pk).exists()


def test_an_account_without_a_role_sees_nothing(org_in_a, member_a, branch_a):
    from liangxin.accounts.roles import Role
    from liangxin.registry.models import Member, Organization, PartyOrganization
    from liangxin.testing.factories import UserFactory

    nobody = UserFactory(username="nobody", role=Role.UNASSIGNED)
    assert not Organization.objects.restrict(nobody).exists()
    assert not PartyOrganization.objects.restrict(nobody).exists()
    assert not Member.objects.restrict(nobody).exists()
