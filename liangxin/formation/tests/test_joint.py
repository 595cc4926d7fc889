"""The joint-branch planner (pure): exact against brute force, known best groupings, heuristic
validity and quality at scale, the time budget, why candidates are left out, attach suggestions."""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Iterator, Sequence
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liangxin.formation import joint
from liangxin.formation.joint import Candidate, JointPlan

POLICY = {"min_full_members": 3, "max_group_size": 5}


def c(ident: str, full: int, industry: str = "C13", township: str = "T1", village: str = "", **kw: object) -> Candidate:
    return Candidate(id=ident, full_members=full, industry_code=industry, township=township, village=village, **kw)  # type: ignore[arg-type]


class Ticks:
    """A clock that advances one second each time it is read: a deadline of N seconds expires at
    the N-th check, however fast the machine."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


# ------------------------------------------------------------------------------ brute force
def set_partitions(items: Sequence[Candidate]) -> Iterator[list[list[Candidate]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in set_partitions(rest):
        for i in range(len(partition)):
            yield [*partition[:i], [first, *partition[i]], *partition[i + 1 :]]
        yield [[first], *partition]


def brute_force(cands: Sequence[Candidate], min_full: int = 3, max_size: int = 5) -> tuple[int, int, int]:
    """Every set partition; a block is a group if valid, else its members are uncovered."""
    s = joint.Settings(min_full_members=min_full, max_group_size=max_size)
    plannable = [x for x in cands if 1 <= x.full_members < min_full]
    best = None
    for partition in set_partitions(plannable):
        uncovered = groups = dis = 0
        for block in partition:
            if not joint.group_problems(block, s):
                groups += 1
                dis += joint.make_group(block, s).dissimilarity
            else:
                uncovered += len(block)
        score = (uncovered, groups, dis)
        best = score if best is None or score < best else best
    assert best is not None
    return best


def assert_valid(plan: JointPlan, cands: Sequence[Candidate], min_full: int = 3, max_size: int = 5) -> None:
    s = joint.Settings(min_full_members=min_full, max_group_size=max_size)
    by_id = {x.id: x for x in cands}
    seen: list[str] = []
    for group in plan.groups:
        members = [by_id[i] for i in group.ids]
        assert not joint.group_problems(members, s), group
        assert group.full_members == sum(m.full_members for m in members)
        seen.extend(group.ids)
    assert len(seen) == len(set(seen)), "a candidate in two groups"
    assert sorted(seen + list(plan.uncovered) + list(plan.excluded)) == sorted(by_id)


# ------------------------------------------------------------------------------ known answers
def test_two_plus_one_make_one_group_and_a_lone_one_stays_uncovered():
    cands = [c("a", 2), c("b", 1), c("z", 1, industry="F52")]  # z: other section
    plan = joint.plan_joint_groups(cands, **POLICY)
    assert [g.ids for g in plan.groups] == [("a", "b")]
    assert plan.uncovered == ("z",) and plan.exact


def test_a_maximum_below_the_minimum_forms_no_group_of_ones_in_the_fast_path():
    """Four ones with groups of at most two never reach three full members: the fast path for
    large clusters (``exact_limit`` below the cluster) must not pack them anyway."""
    cands = [c(f"o{i}", 1) for i in range(4)]
    plan = joint.plan_joint_groups(cands, min_full_members=3, max_group_size=2, exact_limit=3)
    assert plan.groups == ()
    assert_valid(plan, cands, max_size=2)


def test_fewest_uncovered_beats_fewest_groups():
    # Six orgs of one full member: two groups of three cover all six (one group of five would
    # leave one out).
    cands = [c(str(i), 1) for i in range(6)]
    plan = joint.plan_joint_groups(cands, **POLICY)
    assert plan.score[:2] == (0, 2)


def test_fewest_groups_beats_dissimilarity():
    # a+b (2+1) would be a perfect pair in one village, but c, d (1+1) then need a partner: putting
    # everyone into one group of four covers all with one group.
    cands = [c("a", 2, village="V1"), c("b", 1, village="V1"), c("c", 1, village="V2"), c("d", 1, village="V2")]
    plan = joint.plan_joint_groups(cands, **POLICY)
    assert plan.score == (0, 1, brute_force(cands)[2])
    assert [g.ids for g in plan.groups] == [("a", "b", "c", "d")]


def test_organizations_without_full_members_never_pad_a_group():
    cands = [c("a", 2), c("b", 1), c("e1", 0), c("e2", 0), c("e3", 0), c("e4", 0)]
    plan = joint.plan_joint_groups(cands, **POLICY)
    assert [g.ids for g in plan.groups] == [("a", "b")]
    assert set(plan.excluded) == {"e1", "e2", "e3", "e4"} and plan.uncovered == ()


def test_same_village_comes_before_same_division():
    # a (2) may pair with x (same village, another division) or with b (same division, another
    # village): the village wins, whatever the ids say.
    cands = [c("a", 2, industry="C13", village="V1"), c("x", 1, industry="C14", village="V1"),
             c("b", 1, industry="C13", village="V2")]  # fmt: skip
    plan = joint.plan_joint_groups(cands, min_full_members=3, max_group_size=2)
    assert [g.ids for g in plan.groups] == [("a", "x")] and plan.uncovered == ("b",)


def test_social_organizations_compare_by_type_not_by_their_common_industry_code():
    s = joint.Settings()
    school = c("school", 2, industry="S95", category="social", org_type="private_school")
    school2 = c("school2", 1, industry="S95", category="social", org_type="private_school")
    hospital = c("hospital", 1, industry="S95", category="social", org_type="private_hospital")
    chamber = c("chamber", 1, industry="S95", category="social", org_type="chamber_of_commerce")
    association = c("assoc", 2, industry="S95", category="social", org_type="industry_association")
    law = c("law", 2, industry="S95", category="social", org_type="law_firm")
    accounts = c("accounts", 1, industry="S95", category="social", org_type="accounting_firm")
    assert joint.compatible(school, school2, s) and not joint.compatible(school, hospital, s)
    assert joint.compatible(association, chamber, s) and joint.compatible(law, accounts, s)
    assert not joint.compatible(association, law, s)
    plan = joint.plan_joint_groups([school, school2, hospital, chamber, association, law, accounts], **POLICY)
    assert [g.ids for g in plan.groups] == [("accounts", "law"), ("assoc", "chamber"), ("school", "school2")]
    assert plan.uncovered == ("hospital",)
    assert plan.reasons == {"hospital": joint.NO_COMPATIBLE_NEIGHBOUR}
    reasons = {g.ids: g.reasons for g in plan.groups}
    assert joint.SAME_TYPE in reasons[("school", "school2")]
    assert joint.SAME_TYPE_FAMILY in reasons[("accounts", "law")]


def test_least_dissimilarity_picks_same_village_and_division():
    cands = [
        c("a", 2, industry="C13", village="V1"),
        c("b", 1, industry="C13", village="V1"),
        c("x", 2, industry="C34", village="V2"),
        c("y", 1, industry="C34", village="V2"),
    ]
    plan = joint.plan_joint_groups(cands, min_full_members=3, max_group_size=2)
    assert [g.ids for g in plan.groups] == [("a", "b"), ("x", "y")]
    assert [g.dissimilarity for g in plan.groups] == [0, 0]
    assert joint.SAME_VILLAGE in plan.groups[0].reasons and joint.SAME_DIVISION in plan.groups[0].reasons


def test_category_and_section_and_township_separate():
    cands = [
        c("a", 2, category="economic"),
        c("b", 1, category="social"),
        c("d", 1, industry="F52"),
        c("e", 1, township="T2"),
    ]
    for cand in cands[1:]:
        assert not joint.compatible(cands[0], cand, joint.Settings())
    plan = joint.plan_joint_groups(cands, **POLICY)
    assert plan.groups == () and set(plan.uncovered) == {"a", "b", "d", "e"}


def test_same_association_overrides_business_difference():
    a = c("a", 2, industry="C13", associations=("assoc",))
    b = c("b", 1, industry="F52", associations=("assoc", "other"))
    plan = joint.plan_joint_groups([a, b], **POLICY)
    assert [g.ids for g in plan.groups] == [("a", "b")]
    assert plan.groups[0].reasons[0] == joint.SAME_ASSOCIATION


def test_coordinates_decide_neighbourhood_and_score():
    # ~1.1 km per 0.01 degree of latitude.
    near = c("a", 2, latitude=25.00, longitude=104.30, township="T1")
    close = c("b", 1, latitude=25.03, longitude=104.30, township="T2")  # ~3.3 km, other township
    far = c("d", 1, latitude=25.30, longitude=104.30, township="T1")  # ~33 km, same township
    s = joint.Settings()
    assert joint.compatible(near, close, s) and not joint.compatible(near, far, s)
    assert joint.area_score(near, close, s) == 1  # floor(3.3 / 2)
    plan = joint.plan_joint_groups([near, close, far], **POLICY)
    assert [g.ids for g in plan.groups] == [("a", "b")] and plan.uncovered == ("d",)


def test_organizations_at_the_minimum_are_excluded():
    plan = joint.plan_joint_groups([c("big", 3), c("a", 2), c("b", 1)], **POLICY)
    assert plan.excluded == ("big",) and [g.ids for g in plan.groups] == [("a", "b")]


def test_each_candidate_left_out_says_why():
    cands = [
        c("alone", 2, industry="K70"),  # nobody of its trade
        c("p1", 1, industry="F52"),  # one neighbour of its trade, 1 + 1 < 3
        c("p2", 1, industry="F52"),
        c("a", 2, industry="C13", village="V1"),  # a pairs with b or with x; b is closer
        c("b", 1, industry="C13", village="V1"),
        c("x", 1, industry="C13", village="V2"),
    ]
    plan = joint.plan_joint_groups(cands, min_full_members=3, max_group_size=2)
    assert [g.ids for g in plan.groups] == [("a", "b")]
    assert plan.reasons == {
        "alone": joint.NO_COMPATIBLE_NEIGHBOUR,
        "p1": joint.TOO_FEW_MEMBERS_IN_REACH,
        "p2": joint.TOO_FEW_MEMBERS_IN_REACH,
        "x": joint.PARTNERS_IN_OTHER_GROUPS,
    }


def test_group_problems_explain_an_edit():
    s = joint.Settings()
    assert joint.group_problems([c("a", 1)], s) == ["too_few_organizations", "too_few_full_members"]
    assert "too_many_organizations" in joint.group_problems([c(str(i), 1) for i in range(6)], s)
    assert "business_not_similar" in joint.group_problems([c("a", 2), c("b", 1, industry="F")], s)
    assert "area_not_neighbouring" in joint.group_problems([c("a", 2), c("b", 1, township="T2")], s)


# ------------------------------------------------------------------------------ brute force
CONSTRUCTED = [
    [c("a", 1), c("b", 1), c("d", 1), c("e", 2), c("f", 2), c("g", 0), c("h", 0)],
    [c("a", 2, village="V1"), c("b", 2, village="V2"), c("d", 1, village="V1"), c("e", 1, village="V2")],
    [c("a", 1, industry="C13"), c("b", 1, industry="C14"), c("d", 1, industry="C"), c("e", 1, industry="")],
    [c("a", 2), c("b", 2), c("d", 2), c("e", 2, industry="F"), c("f", 1, industry="F"), c("g", 0, industry="F")],
]


def test_constructed_cases_match_brute_force():
    for cands in CONSTRUCTED:
        plan = joint.plan_joint_groups(cands, **POLICY)
        assert_valid(plan, cands)
        assert plan.score == brute_force(cands), [x.id for x in cands]


candidate_lists = st.lists(
    st.builds(
        Candidate,
        id=st.just(""),
        full_members=st.integers(0, 3),
        industry_code=st.sampled_from(["", "C", "C13", "C14", "F52"]),
        category=st.sampled_from(["", "economic", "social"]),
        township=st.sampled_from(["T1", "T2"]),
        village=st.sampled_from(["", "V1", "V2"]),
        associations=st.sampled_from([(), (), ("A1",)]),
    ),
    min_size=0,
    max_size=8,
).map(lambda xs: [dataclasses.replace(x, id=f"o{i}") for i, x in enumerate(xs)])


@settings(max_examples=150, deadline=None)
@given(cands=candidate_lists, max_size=st.integers(2, 5))
def test_exact_path_matches_brute_force(cands, max_size):
    plan = joint.plan_joint_groups(cands, min_full_members=3, max_group_size=max_size)
    assert plan.exact
    assert_valid(plan, cands, 3, max_size)
    assert plan.score == brute_force(cands, 3, max_size)


@settings(max_examples=40, deadline=None)
@given(cands=candidate_lists)
def test_heuristic_path_is_valid_and_never_beats_the_optimum(cands):
    plan = joint.plan_joint_groups(cands, exact_limit=3, **POLICY)
    assert_valid(plan, cands)
    assert plan.score >= brute_force(cands)


def test_a_large_township_uses_the_heuristic_and_stays_valid():
    cands = [c(f"o{i:03}", 1 + i % 2, village=f"V{i % 4}") for i in range(60)]
    plan = joint.plan_joint_groups(cands, **POLICY)
    assert not plan.exact and not plan.timed_out
    assert_valid(plan, cands)
    # 60 pairwise compatible candidates: everyone covered, twelve groups of five.
    assert plan.score[:2] == (0, 12)


def _township(n: int, seed: int, *, sections: str = "C", villages: int = 25) -> list[Candidate]:
    rng = random.Random(seed)
    return [
        Candidate(
            id=f"o{i:05}",
            full_members=rng.choice([1, 2]),
            industry_code=f"{rng.choice(sections)}{rng.randrange(13, 43)}",
            category="economic",
            township="T1",
            village=f"V{rng.randrange(villages)}",
        )
        for i in range(n)
    ]


def test_a_thousand_compatible_candidates_reach_the_lower_bounds():
    cands = _township(1000, seed=7)
    plan = joint.plan_joint_groups(cands, **POLICY)
    assert_valid(plan, cands)
    hopeless, fewest_groups = joint.lower_bounds(plan, cands, **POLICY)
    assert hopeless == 0 and len(plan.uncovered) <= len(cands) // 100
    assert len(plan.groups) == fewest_groups == math.ceil((len(cands) - len(plan.uncovered)) / 5)
    # Groups stay local: most are inside one village.
    in_one_village = sum(1 for g in plan.groups if joint.SAME_VILLAGE in g.reasons)
    assert in_one_village >= 0.8 * len(plan.groups)


def test_several_trades_are_planned_apart_and_stay_near_their_bounds():
    cands = _township(1200, seed=3, sections="CFK")
    plan = joint.plan_joint_groups(cands, **POLICY)
    assert_valid(plan, cands)
    hopeless, fewest_groups = joint.lower_bounds(plan, cands, **POLICY)
    assert len(plan.uncovered) - hopeless <= len(cands) // 100
    assert len(plan.groups) <= fewest_groups + 3  # at most one extra group per trade


@pytest.mark.parametrize("checks", [1, 2, 5, 20])
def test_past_the_time_budget_the_plan_so_far_is_valid_and_not_proven_best(checks):
    cands = _township(300, seed=11)
    plan = joint.plan_joint_groups(cands, **POLICY, deadline=joint.Deadline(checks, clock=Ticks()))
    assert_valid(plan, cands)
    assert plan.timed_out and not plan.exact
    assert set(plan.reasons) == set(plan.uncovered)
    assert all(reason == joint.SEARCH_STOPPED for reason in plan.reasons.values())
    unlimited = joint.plan_joint_groups(cands, **POLICY)
    assert not unlimited.timed_out and unlimited.score <= plan.score


def test_a_small_component_is_solved_exactly_within_the_budget():
    cands = [c("a", 2), c("b", 1), c("z", 1, industry="F52")]
    plan = joint.plan_joint_groups(cands, **POLICY, deadline=joint.Deadline(100, clock=Ticks()))
    assert plan.exact and not plan.timed_out and [g.ids for g in plan.groups] == [("a", "b")]


def test_pairs_in_a_group_are_all_compatible():
    cands = [c("a", 1, industry="C"), c("b", 1, industry=""), c("d", 1, industry="F")]
    plan = joint.plan_joint_groups(cands, **POLICY)
    for g in plan.groups:
        for x, y in combinations(g.ids, 2):
            assert joint.compatible(*(next(k for k in cands if k.id == i) for i in (x, y)), joint.Settings())
    assert plan.groups == ()  # C and F can never sit together, and b alone with one of them has 2


# ------------------------------------------------------------------------------ attaching
def test_attach_to_a_joint_branch_with_room_only():
    cand = c("n", 1, village="V1")
    small = joint.Branch(id="j1", kind=joint.JOINT_BRANCH, covers=(c("x", 2, village="V1"), c("y", 1)))
    full = joint.Branch(id="j2", kind=joint.JOINT_BRANCH, covers=tuple(c(f"f{i}", 1) for i in range(5)))
    other_trade = joint.Branch(id="j3", kind=joint.JOINT_BRANCH, covers=(c("z", 2, industry="F"),))
    found = joint.attach_suggestions([cand], [full, other_trade, small], max_group_size=5)
    assert [(s.branch_id, s.room, s.dissimilarity) for s in found] == [("j1", 3, 0 + 2)]  # y: village unknown


def test_attach_to_building_and_association_branches():
    cand = c("n", 1, industry="F52", village="V1")
    building = joint.Branch(id="b", kind=joint.BUILDING_BRANCH, covers=(c("x", 3, industry="C13", village="V1"),))
    assoc_host = c("as", 2, industry="F51")
    association = joint.Branch(id="a", kind=joint.ASSOCIATION_BRANCH, covers=(assoc_host,), association="as")
    far_assoc = joint.Branch(
        id="a2", kind=joint.ASSOCIATION_BRANCH, covers=(c("as2", 2, industry="F51", township="T9"),), association="as2"
    )
    found = joint.attach_suggestions([cand], [building, association, far_assoc], max_group_size=5)
    assert [s.branch_id for s in found] == ["b", "a"]  # building: same village, area 0
    member = c("m", 1, industry="C13", township="T9", associations=("as2",))
    assert [s.branch_id for s in joint.attach_suggestions([member], [far_assoc], max_group_size=5)] == ["a2"]
