"""The one rule of who may build a joint party organization with whom (``policy/partners.py``):
its code lists, its partner search against brute force, and the engine and the planner agreeing."""

import dataclasses
import subprocess
import sys
from itertools import combinations
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from liangxin.formation import joint
from liangxin.policy import engine, partners
from liangxin.policy.engine import OrgFacts, Policy, recommend
from liangxin.policy.partners import Candidate, Neighbourhood, Settings
from liangxin.registry.choices import ECONOMIC_TYPES, Category, OperatingStatus, OrganizationType

ROOT = Path(__file__).resolve().parents[3]


def test_partners_imports_no_django():
    code = "import sys, liangxin.policy.partners; print(sorted(m for m in sys.modules if m.startswith('django')))"
    done = subprocess.run(  # noqa: S603 (our own interpreter and a constant program)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


def test_code_lists_match_the_register():
    assert {Category.ECONOMIC, Category.SOCIAL} == {partners.ECONOMIC, partners.SOCIAL}
    assert set(ECONOMIC_TYPES) == partners.ECONOMIC_TYPES
    assert set(OrganizationType.values) == partners.ECONOMIC_TYPES | set(partners.SOCIAL_TYPE_FAMILIES)
    assert partners.DEREGISTERED == OperatingStatus.DEREGISTERED
    assert {OperatingStatus.SUSPENDED, OperatingStatus.CLOSED} == partners.NOT_OPERATING


def test_who_is_a_candidate():
    def problem(status="operating", full=1, covered=False):
        return partners.candidate_problem(
            operating_status=status, full_members=full, covered=covered, min_full_members=3
        )

    assert [problem(full=1), problem(full=2)] == [None, None]
    assert problem(full=0) == "no_full_members"
    assert problem(full=3) == "reaches_minimum"
    assert problem(status="suspended") == problem(status="closed") == "not_operating"
    assert problem(status="deregistered") == "deregistered"
    assert problem(covered=True) == "covered"


def test_the_same_village_weighs_more_than_the_same_trade():
    s = Settings()
    me = Candidate("a", 1, industry_code="C13", township="T", village="V1")
    village = Candidate("b", 1, industry_code="C35", township="T", village="V1")
    trade = Candidate("c", 1, industry_code="C13", township="T", village="V2")
    assert partners.pair_dissimilarity(me, village, s) < partners.pair_dissimilarity(me, trade, s)


# ------------------------------------------------------------------------------ best group
candidate_lists = st.lists(
    st.builds(
        Candidate,
        id=st.just(""),
        full_members=st.integers(0, 3),
        industry_code=st.sampled_from(["", "C", "C13", "C14", "F52", "S95"]),
        category=st.sampled_from(["", "economic", "social"]),
        org_type=st.sampled_from(["", "limited_company", "private_school", "industry_association", "law_firm"]),
        township=st.sampled_from(["T1", "T2"]),
        village=st.sampled_from(["", "V1", "V2"]),
        associations=st.sampled_from([(), (), ("A1",)]),
    ),
    min_size=1,
    max_size=8,
).map(lambda xs: [dataclasses.replace(x, id=f"o{i}") for i, x in enumerate(xs)])


def brute_best(cand: Candidate, cands: list[Candidate], s: Settings) -> tuple[int, int] | None:
    """(dissimilarity, size) of the best valid group containing ``cand``, by trying every one."""
    others = [c for c in cands if c.id != cand.id and 1 <= c.full_members < s.min_full_members]
    best = None
    for k in range(1, s.max_group_size):
        for chosen in combinations(others, k):
            group = [cand, *chosen]
            if not partners.group_problems(group, s):
                score = (partners.group_dissimilarity(group, s), len(group))
                best = score if best is None or score < best else best
    return best


@settings(max_examples=150, deadline=None)
@given(cands=candidate_lists, max_size=st.integers(2, 5))
def test_best_group_is_the_least_dissimilar_valid_group(cands, max_size):
    s = Settings(max_group_size=max_size)
    eligible = [c for c in cands if 1 <= c.full_members < s.min_full_members]
    hood = Neighbourhood(eligible, s)
    for cand in eligible:
        found = hood.best_group(cand)
        expected = brute_best(cand, eligible, s)
        if expected is None:
            assert found is None
        else:
            assert found is not None
            group = [cand, *found]
            assert not partners.group_problems(group, s)
            assert (partners.group_dissimilarity(group, s), len(group)) == expected


# ---------------------------------------------------------------------- engine and planner agree
def facts(c: Candidate) -> OrgFacts:
    return OrgFacts(
        id=c.id,
        name=c.id,
        category=c.category,
        org_type=c.org_type,
        township_code=c.township,
        village_code=c.village,
        industry_code=c.industry_code,
        full_members=c.full_members,
        association_member_of=c.associations,
    )


@settings(max_examples=100, deadline=None)
@given(cands=candidate_lists, max_size=st.integers(2, 5), exact_limit=st.sampled_from([3, 12]))
def test_the_register_offers_a_joint_route_exactly_to_those_the_planner_could_group(cands, max_size, exact_limit):
    policy = Policy(max_joint_organizations=max_size)
    orgs = [facts(c) for c in cands]
    results = {r.org_id: r for r in engine.recommend_all(orgs, policy)}
    plan = joint.plan_joint_groups(cands, min_full_members=3, max_group_size=max_size, exact_limit=exact_limit)
    grouped = {i for g in plan.groups for i in g.ids}
    for org in orgs:
        joint_option = next(
            (o for o in (results[org.id].primary, *results[org.id].alternatives) if o.code == "joint"), None
        )
        # Everyone the planner groups is offered a joint route by the register ...
        if org.id in grouped:
            assert joint_option is not None
        # ... and whoever the planner leaves out for want of partners is offered none.
        reason = plan.reasons.get(org.id)
        if reason in (joint.NO_COMPATIBLE_NEIGHBOUR, joint.TOO_FEW_MEMBERS_IN_REACH):
            assert joint_option is None
        if reason == joint.PARTNERS_IN_OTHER_GROUPS:
            assert joint_option is not None
        # The partners offered make a valid group under the same rule.
        if joint_option is not None:
            by_id = {c.id: c for c in cands}
            group = [by_id[org.id], *(by_id[p.id] for p in joint_option.partners)]
            assert not partners.group_problems(group, engine.partner_settings(policy))


def test_recommend_and_recommend_all_give_the_same_partners():
    orgs = [
        OrgFacts(
            id=i, name=i, category="economic", township_code="T", village_code=v, industry_code="C13", full_members=1
        )
        for i, v in (("A", "V1"), ("B", "V1"), ("C", "V2"))
    ]
    policy = Policy()
    for org, result in zip(orgs, engine.recommend_all(orgs, policy), strict=True):
        assert recommend(org, policy, orgs).primary.partners == result.primary.partners
