"""Who the joint-branch planner groups, on the register: organizations without full members are
never used to pad a group (they count as covered only when a clerk adds one on purpose, with a
reason), and the planner and the register's recommendation agree on who may build with whom."""

from __future__ import annotations

import pytest
from django.urls import reverse

from liangxin.audit.models import AuditRecord
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.coverage import selectors as coverage_selectors
from liangxin.formation import selectors, services
from liangxin.formation.models import JointAddition
from liangxin.policy.selectors import recommendations_for
from liangxin.registry.models import PartyOrganization, PartyOrganizationCoverage
from liangxin.testing.factories import OrganizationFactory, VillageFactory


@pytest.fixture
def tea_village(township_a, village_a):
    """Two tea companies with 143 and 228 employees and no member, beside two small ones with
    2 and 1 full members, all in one village and one trade."""
    make = OrganizationFactory
    return {
        "big_tea": make(name="九龙大茶厂", township=township_a, village=village_a, industry_code="C15",
                        facts={"employees": 143}),
        "bigger_tea": make(name="九龙茶业集团", township=township_a, village=village_a, industry_code="C15",
                           facts={"employees": 228}),
        "two": make(name="九龙茶叶公司", township=township_a, village=village_a, industry_code="C15",
                    facts={"full_members": 2, "employees": 20}),
        "one": make(name="九龙茶庄", township=township_a, village=village_a, industry_code="C15",
                    facts={"full_members": 1, "employees": 8}),
    }  # fmt: skip


def _hundred_with_party_org(user):
    (total,) = coverage_selectors.indicator_table(user=user, as_of=today())
    value = total.values["orgs_100_with_party_org"]
    return value.numerator, value.denominator


def test_organizations_without_members_are_not_used_to_pad_groups(bob, tea_village, township_a):
    proposal = selectors.joint_proposal(user=bob, on=today(), township=township_a)
    assert [{r.facts.name for r in g.rows} for g in proposal.groups] == [{"九龙茶叶公司", "九龙茶庄"}]
    assert proposal.uncovered == []
    assert (
        "没有正式党员(宜先选派党建工作指导员、建立群团组织;如与其他组织同在一栋楼等,可在审核分组时说明理由后加入)",
        2,
    ) in (proposal.not_candidates)
    services.accept_joint_group(
        by=bob, organizations=[tea_village["two"], tea_village["one"]], name="九龙茶业联合党支部"
    )
    # The big companies stay uncovered: "100 人以上有党组织" does not move.
    assert _hundred_with_party_org(bob) == (0, 2)


def test_a_clerk_may_add_an_organization_without_members_with_a_reason(bob, tea_village):
    big, two, one = tea_village["big_tea"], tea_village["two"], tea_village["one"]
    with pytest.raises(ServiceError, match="须说明理由") as refused:
        services.accept_joint_group(by=bob, organizations=[two, one], added=[big], name="九龙茶业联合党支部")
    assert refused.value.field == "added_reason"
    with pytest.raises(ServiceError, match="“九龙大茶厂”没有正式党员"):
        services.accept_joint_group(by=bob, organizations=[two, one, big], name="九龙茶业联合党支部")
    third = OrganizationFactory(name="九龙茶社", township=two.township, industry_code="C15", facts={"full_members": 1})
    with pytest.raises(ServiceError, match="“九龙茶社”有正式党员,请作为联合组建的组织勾选"):
        services.accept_joint_group(by=bob, organizations=[two, one], added=[third], added_reason="同楼", name="x")
    assert not PartyOrganization.objects.filter(kind="joint_branch").exists()
    party = services.accept_joint_group(
        by=bob,
        organizations=[two, one],
        added=[big],
        added_reason="与两家公司同在九龙商务楼",
        name="九龙茶业联合党支部",
    )
    covered = set(
        PartyOrganizationCoverage.objects.filter(party_organization=party).values_list("organization", flat=True)
    )
    assert covered == {two.pk, one.pk, big.pk}
    addition = JointAddition.objects.get()
    assert (addition.party_organization, addition.organization, addition.reason) == (
        party,
        big,
        "与两家公司同在九龙商务楼",
    )
    assert AuditRecord.objects.filter(object_type="formation.jointaddition", action="create").count() == 1
    accepted = AuditRecord.objects.filter(changes__has_key="joint_planner").get()
    assert accepted.changes["added_without_members"] == [None, [big.pk]]
    # Only now does it count as covered.
    assert _hundred_with_party_org(bob) == (1, 2)


def test_the_added_organizations_count_towards_the_most_one_party_organization_covers(bob, tea_village, township_a):
    extra = [OrganizationFactory(township=township_a, industry_code="C15") for _ in range(3)]
    with pytest.raises(ServiceError, match="最多覆盖5个组织,现有6个"):
        services.accept_joint_group(
            by=bob,
            organizations=[tea_village["two"], tea_village["one"]],
            added=[tea_village["big_tea"], *extra],
            added_reason="同一园区",
            name="x",
        )


def test_the_review_page_offers_the_village_s_memberless_organizations_and_records_the_reason(
    client, bob, tea_village, township_a
):
    elsewhere = VillageFactory(parent=township_a, code="530324001009", name="别的社区")
    OrganizationFactory(name="别村的空壳公司", township=township_a, village=elsewhere, industry_code="C15")
    client.force_login(bob)
    url = reverse("formation:joint_review")
    two, one, big = tea_village["two"], tea_village["one"], tea_village["big_tea"]
    body = client.get(url, {"township": township_a.pk, "organizations": [two.pk, one.pk]}).content.decode()
    assert 'name="added"' in body and "九龙大茶厂" in body and "九龙茶业集团" in body
    assert "别村的空壳公司" not in body
    data = {
        "township": township_a.pk,
        "organizations": [two.pk, one.pk],
        "added": [big.pk],
        "added_reason": "同在九龙商务楼",
        "name": "九龙茶业联合党支部",
        "founded_on": today().isoformat(),
    }
    body = client.post(url, data | {"confirm": "1"}).content.decode()
    assert "无党员组织,纳入理由:同在九龙商务楼" in body
    assert client.post(url, data | {"accept": "1", "moving": "members:"}).status_code == 302
    assert JointAddition.objects.get().reason == "同在九龙商务楼"


def test_the_register_and_the_planner_agree_on_partners_beyond_memberless_neighbours(bob, township_a, village_a):
    """A: 1 full member in village V1, four neighbours without members in V1; F: 2 full members in
    V2. The engine used to keep the top four neighbours (the memberless ones), find them short of
    three and offer 村企联建 without a joint option, while the planner grouped A with F."""
    v2 = VillageFactory(parent=township_a, code="530324001002", name="腊庄社区居民委员会")
    a = OrganizationFactory(name="甲", township=township_a, village=village_a, industry_code="C13",
                            facts={"full_members": 1})  # fmt: skip
    for i in range(4):
        OrganizationFactory(name=f"空{i}", township=township_a, village=village_a, industry_code="C13",
                            facts={"employees": 30})  # fmt: skip
    f = OrganizationFactory(name="丁", township=township_a, village=v2, industry_code="C13", facts={"full_members": 2})
    recommendation = recommendations_for(user=bob, on=today())[a.pk]
    assert recommendation.code == "joint"
    assert [p.name for p in recommendation.primary.partners] == ["丁"]
    proposal = selectors.joint_proposal(user=bob, on=today(), township=township_a)
    assert [sorted(r.facts.name for r in g.rows) for g in proposal.groups] == [["丁", "甲"]]
    assert recommendations_for(user=bob, on=today())[f.pk].code == "joint"
