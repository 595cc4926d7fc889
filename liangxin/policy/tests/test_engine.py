"""The engine's rules, with the examples of the speech (二、第一) and the county's own organizations."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from liangxin.policy import engine
from liangxin.policy.choices import IssueCode, RecommendationCode
from liangxin.policy.engine import OrgFacts, Policy, recommend
from liangxin.registry.choices import OperatingStatus, OrganizationType, OwnerAttitude, PartyOrganizationKind

ROOT = Path(__file__).resolve().parents[3]
SPEECH = Policy()  # the speech's numbers: 3 / 50~45 / 100~90 / 5 / 7


def org(id="A", name="测试组织", **facts):
    values = {"category": "economic", "township_code": "T1", "owner_attitude": "supportive"} | facts
    return OrgFacts(id=id, name=name, **values)


def codes(options):
    return [o.code for o in options]


# ------------------------------------------------------------------------------ the engine is pure
def test_engine_imports_no_django():
    # A fresh interpreter: in this one Django is loaded already.
    code = "import sys, liangxin.policy.engine; print(sorted(m for m in sys.modules if m.startswith('django')))"
    done = subprocess.run(  # noqa: S603 (our own interpreter and a constant program)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


def test_engine_code_lists_match_the_register_and_the_gettext_labels():
    assert OperatingStatus.DEREGISTERED == engine.DEREGISTERED
    assert {OperatingStatus.SUSPENDED, OperatingStatus.CLOSED} == engine.NOT_OPERATING
    assert OwnerAttitude.UNSUPPORTIVE == engine.UNSUPPORTIVE
    assert {OrganizationType.INDUSTRY_ASSOCIATION, OrganizationType.CHAMBER_OF_COMMERCE} == engine.ASSOCIATION_TYPES
    assert dict(PartyOrganizationKind.choices) == dict(engine.KIND_LABELS)
    assert {code: str(label) for code, label in RecommendationCode.choices} == dict(engine.LABELS)
    assert set(IssueCode.values) == {
        engine.OWNER_UNSUPPORTIVE,
        engine.NO_SECRETARY_CANDIDATE,
        engine.NOT_OPERATING_BLOCKER,
        engine.WRONG_KIND,
        engine.NEEDS_COMMITTEE,
    }


# --------------------------------------------------------------------------- examples of the speech
def test_bee_industry_association_with_five_full_members_forms_a_branch():
    # 蜂产业协会党支部成立揭牌仪式: an association with full members forms its own branch.
    result = recommend(
        org(name="罗平县蜂产业协会", category="social", org_type="industry_association", full_members=5),
        SPEECH,
    )
    assert result.code == "form_branch"
    assert result.label == "独立组建党支部"
    assert result.rule.startswith("有3名以上正式党员、具备组建条件的“两新”组织,要及时组建党组织。")
    assert "政策版本“2009年全县“两新”组织党建工作现场推进会”,2009-11-01起施行" in result.rule
    assert result.blockers == () and result.flags == () and result.alternatives == ()


def test_three_full_members_is_enough_and_probationary_members_do_not_count_towards_three():
    assert recommend(org(full_members=3), SPEECH).code == "form_branch"
    assert recommend(org(full_members=2, probationary_members=10), SPEECH).code != "form_branch"


def test_close_to_fifty_members_should_form_a_general_branch():
    result = recommend(org(full_members=40, probationary_members=8), SPEECH)  # 48 ≥ 45
    assert result.code == "form_general_branch"
    assert result.label == "应建立党总支"
    assert "党员人数接近或超过50名的,应建立党总支(“接近”按45名掌握)" in result.rule
    assert recommend(org(full_members=40, probationary_members=4), SPEECH).code == "form_branch"  # 44


def test_close_to_a_hundred_members_may_form_a_committee_or_a_general_branch():
    result = recommend(org(full_members=85, probationary_members=10), SPEECH)  # 95 ≥ 90
    assert result.code == "form_committee"
    assert result.label == "可建立基层党委"
    assert codes(result.alternatives) == ["form_general_branch"]  # 可建立: the committee is optional


def test_two_full_members_form_a_joint_branch_with_neighbours_in_the_same_village():
    me = org("A", "九龙蜂蜜加工厂", village_code="V1", industry_code="C14", full_members=2)
    same_village = org("B", "九龙菜籽油坊", village_code="V1", industry_code="C13", full_members=1)
    other_village = org("C", "腊者食品公司", village_code="V2", industry_code="C14", full_members=1)
    result = recommend(me, SPEECH, [me, other_village, same_village])
    assert result.code == "joint"
    assert result.label == "联合组建"
    # B and C each bring the third full member; the same village comes before the same division.
    assert [p.id for p in result.primary.partners] == ["B"]
    assert result.primary.partners[0].same_village is True
    assert result.primary.detail == "与1个组织联合组建,共有正式党员3名"
    assert codes(result.alternatives) == ["village_enterprise", "transfer_relations"]


def test_no_members_sends_an_instructor_first():
    result = recommend(org(employees=80), SPEECH, [org("B", full_members=1)])
    assert result.code == "instructor_first"
    assert result.label == "选派党建工作指导员、先建群团组织、推荐党员就业"
    assert "目前还没有党员的" in result.rule


def test_unsupportive_owner_is_a_blocker_not_a_different_recommendation():
    result = recommend(org(full_members=5, owner_attitude="unsupportive"), SPEECH)
    assert result.code == "form_branch"
    assert codes(result.blockers) == ["owner_unsupportive"]


def test_missing_secretary_candidate_is_a_blocker_unknown_is_not():
    assert codes(recommend(org(full_members=5, secretary_candidate_available=False), SPEECH).blockers) == [
        "no_secretary_candidate"
    ]
    assert recommend(org(full_members=5, secretary_candidate_available=None), SPEECH).blockers == ()


def test_suspended_organization_keeps_its_recommendation_with_a_blocker():
    result = recommend(org(full_members=5, operating_status="suspended"), SPEECH)
    assert result.code == "form_branch"
    assert codes(result.blockers) == ["not_operating"]


def test_deregistered_organization_is_not_applicable():
    result = recommend(org(full_members=12, operating_status="deregistered", has_party_organization=True), SPEECH)
    assert result.code == "not_applicable"
    assert result.alternatives == () and result.blockers == () and result.flags == ()


def test_covered_branch_with_sixty_members_is_flagged_wrong_kind():
    result = recommend(
        org(full_members=52, probationary_members=8, has_party_organization=True, party_organization_kind="branch"),
        SPEECH,
    )
    assert result.code == "covered"
    assert codes(result.flags) == ["wrong_kind"]
    assert result.flags[0].message == "现有党支部,党员60名,已接近或超过50名,应建立党总支。"


def test_committee_with_few_members_is_flagged_and_a_general_branch_at_committee_size_is_not():
    small = recommend(org(full_members=12, has_party_organization=True, party_organization_kind="committee"), SPEECH)
    assert codes(small.flags) == ["wrong_kind"]
    assert "宜设党支部" in small.flags[0].message
    big = recommend(org(full_members=95, has_party_organization=True, party_organization_kind="general_branch"), SPEECH)
    assert big.flags == ()
    right = recommend(org(full_members=5, has_party_organization=True, party_organization_kind="branch"), SPEECH)
    assert right.flags == ()


def test_branch_with_seven_full_members_needs_a_committee():
    assert codes(recommend(org(full_members=7), SPEECH).flags) == ["needs_committee"]
    assert recommend(org(full_members=6, probationary_members=3), SPEECH).flags == ()
    covered = recommend(
        org(full_members=8, has_party_organization=True, party_organization_kind="joint_branch"), SPEECH
    )
    assert codes(covered.flags) == ["needs_committee"]


# ------------------------------------------------------------------------ routes below three members
def test_joint_needs_three_full_members_together():
    me = org("A", full_members=1, village_code="V1")
    lonely = org("B", probationary_members=2, village_code="V1")
    result = recommend(me, SPEECH, [lonely])
    assert result.code == "village_enterprise"
    assert "joint" not in codes(result.alternatives)


def test_joint_partners_exclude_covered_qualified_deregistered_dissimilar_far_suspended_and_memberless():
    me = org("A", full_members=2, industry_code="C14")
    candidates = [
        org("covered", full_members=1, has_party_organization=True),
        org("qualified", full_members=3),
        org("gone", full_members=1, operating_status="deregistered"),
        org("idle", full_members=1, operating_status="suspended"),
        org("shut", full_members=1, operating_status="closed"),
        org("social", full_members=1, category="social"),
        org("trade", full_members=1, industry_code="F51"),
        org("far", full_members=1, township_code="T2"),
        org("empty", full_members=0, probationary_members=1),
    ]
    assert recommend(me, SPEECH, candidates).code == "transfer_relations"
    result = recommend(me, SPEECH, [*candidates, org("ok", full_members=1, industry_code="C")])
    assert result.code == "joint"
    assert [p.id for p in result.primary.partners] == ["ok"]


def test_organizations_without_full_members_or_not_operating_get_no_joint_route():
    partner = org("B", full_members=2)
    assert recommend(org("A", probationary_members=2), SPEECH, [partner]).code == "transfer_relations"
    idle = recommend(org("A", full_members=1, operating_status="suspended"), SPEECH, [partner])
    assert idle.code == "transfer_relations" and codes(idle.blockers) == ["not_operating"]


def test_joint_partners_are_the_least_dissimilar_group_and_never_pad_it():
    me = org("A", full_members=1, village_code="V1", industry_code="C13")
    same_cell = [org(f"N{i}", full_members=1, village_code="V1", industry_code="C13") for i in range(8)]
    result = recommend(me, SPEECH, same_cell)
    assert [p.id for p in result.primary.partners] == ["N0", "N1"]  # 1 + 1 + 1: three, no more
    # A partner with two full members makes a pair, fewer organizations at no more dissimilarity.
    pair = recommend(me, SPEECH, [*same_cell, org("two", full_members=2, village_code="V1", industry_code="C13")])
    assert [p.id for p in pair.primary.partners] == ["two"]
    # One partner allowed and none bringing the total to three: no joint branch.
    assert recommend(me, Policy(max_joint_organizations=2), same_cell).code == "village_enterprise"


def test_memberless_neighbours_do_not_hide_a_partner_in_another_village():
    """A (1 full member, village V1) has four neighbours without members in V1 and F (2 full
    members) in V2. The engine used to rank the four first, keep the top max−1 and find them short
    of three: 村企联建, no joint option. The planner groups A with F; so does the engine now."""
    a = org("A", full_members=1, village_code="V1", industry_code="C13")
    empty = [org(f"E{i}", employees=20, village_code="V1", industry_code="C13") for i in range(4)]
    f = org("F", full_members=2, village_code="V2", industry_code="C13")
    result = recommend(a, SPEECH, [*empty, f])
    assert result.code == "joint"
    assert [p.id for p in result.primary.partners] == ["F"]
    assert engine.recommend_all([a, *empty, f], SPEECH)[0].primary.partners == result.primary.partners


def test_association_route_by_membership_or_same_industry_in_the_township():
    me = org("A", full_members=1, industry_code="A03")
    association = org("X", "蜂产业协会", category="social", org_type="industry_association", industry_code="A0")
    other_trade = org("Y", "砖沙协会", category="social", org_type="industry_association", industry_code="C30")
    result = recommend(me, SPEECH, [association, other_trade])
    assert result.code == "via_association"
    assert [p.id for p in result.primary.partners] == ["X"]
    member = org("A", full_members=1, association_member_of=("Y",))
    assert [p.id for p in recommend(member, SPEECH, [other_trade]).primary.partners] == ["Y"]


def test_transfer_relations_is_the_last_resort():
    result = recommend(org(full_members=1, department="县商务局"), SPEECH)
    assert result.code == "transfer_relations"
    assert result.primary.detail == "转入业务主管单位“县商务局”党组织"
    assert result.alternatives == ()


def test_village_enterprise_comes_before_association_as_the_speech_lists_them():
    me = org("A", full_members=1, village_code="V1", village_name="九龙社区", industry_code="A03")
    association = org("X", category="social", org_type="industry_association", industry_code="A")
    result = recommend(me, SPEECH, [association])
    assert result.code == "village_enterprise"
    assert result.primary.detail == "与所在村(社区)“九龙社区”党组织联建"
    assert codes(result.alternatives) == ["via_association", "transfer_relations"]


def test_recommend_all_looks_for_partners_in_the_same_township_only():
    a = org("A", full_members=2, township_code="T1")
    b = org("B", full_members=1, township_code="T1")
    c = org("C", full_members=1, township_code="T2")
    results = engine.recommend_all([a, b, c], SPEECH)
    assert [r.code for r in results] == ["joint", "joint", "transfer_relations"]
    assert [p.id for p in results[0].primary.partners] == ["B"]
    assert [p.id for p in results[1].primary.partners] == ["A"]


# ------------------------------------------------------------------------------------------ policy
def test_policy_refuses_contradictory_numbers():
    with pytest.raises(engine.PolicyError, match="“接近”建立党总支的党员数不能大于建立党总支的党员数"):
        Policy(general_branch_tolerance=55)
    with pytest.raises(engine.PolicyError, match="必须是1到10000之间的整数"):
        Policy(min_full_members=0)
    with pytest.raises(engine.PolicyError, match="联合党组织至少覆盖2个组织"):
        Policy(max_joint_organizations=1)


def test_a_version_with_other_numbers_changes_the_result():
    stricter = Policy(name="更严", general_branch_threshold=40, general_branch_tolerance=36)
    assert recommend(org(full_members=38), SPEECH).code == "form_branch"
    result = recommend(org(full_members=38), stricter)
    assert result.code == "form_general_branch"
    assert "接近或超过40名" in result.rule and "“更严”" in result.rule


def test_policy_on_picks_the_latest_version_not_after_the_date():
    old, new = Policy(name="旧"), Policy(name="新", effective_from=dt.date(2012, 1, 1))
    assert engine.policy_on([new, old], dt.date(2009, 10, 31)) is None
    assert engine.policy_on([new, old], dt.date(2011, 12, 31)) is old
    assert engine.policy_on([new, old], dt.date(2012, 1, 1)) is new


def test_policy_round_trips_through_a_mapping():
    policy = Policy(name="新", effective_from=dt.date(2012, 1, 1), committee_tolerance=95)
    assert engine.policy_from_mapping(engine.policy_to_mapping(policy)) == policy
    assert engine.policy_from_mapping({"name": "只改名"}).min_full_members == 3
    with pytest.raises(engine.PolicyError, match="无法识别的项:threshold"):
        engine.policy_from_mapping({"threshold": 3})
    with pytest.raises(engine.PolicyError, match="不是YYYY-MM-DD"):
        engine.policy_from_mapping({"effective_from": "2012年"})
