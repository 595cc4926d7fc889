"""The joint-branch planner (联合组建): group organizations with too few full members into joint
branches. Pure Python: no Django, so the rules can be read and tested (against brute force) alone.

DOMAIN.md §2: organizations with fewer than ``min_full_members`` (3) full members form a party
organization jointly, "on the principle of similar business and neighbouring area" (业务相近、地域相邻);
a joint party organization covers at most ``max_group_size`` organizations (policy value
``max_joint_organizations``, 5). Both numbers are arguments: the caller reads them from the policy
in force.

Who can be grouped (a *valid group*)
------------------------------------
- 2 to ``max_group_size`` candidates, pairwise *compatible* (below), whose full members add up
  to at least ``min_full_members``. Candidates that already have ``min_full_members`` full members
  must form their own party organization (engine rule 3); they are never planned (``excluded``).
- **Organizations without any full member can be covered.** A joint branch covers organizations,
  not only members (组织覆盖), so an organization with 0 full members (probationary members only,
  or none at all) is a candidate like the others: it cannot help a group reach the minimum, but it
  counts as covered when it joins one, and as uncovered otherwise. This is the rule the objective
  below uses; a caller that wants to plan only organizations with members filters them out first.
- Compatible pair (a and b):
  *business* — both name the same industry association (``association``), or else: the categories
  (新经济/新社会组织) are equal when both are known, and the GB/T 4754 industry codes have the same
  section letter when both are known (an unknown code or category is no objection);
  *area* — when both have coordinates: at most ``max_distance_km`` apart (this may cross a
  township border: neighbours are neighbours); otherwise: the same township.

"Best" (lexicographic)
----------------------
1. fewest candidates left uncovered (not in any group), then
2. fewest groups, then
3. least total dissimilarity: the sum over groups of the sum over pairs in the group of
   ``pair_dissimilarity`` = business + area, integers:
   business — 0 for the same association; else industry: 0 same division (first three characters,
   "C13"), 1 same section letter only, 1 when either code is unknown;
   area — with coordinates on both: ``floor(km / km_per_point)`` capped at 3; else 0 for the same
   village (community), 1 for the same township without a common village, 3 for another
   township (only reachable when both have coordinates, which then decide anyway).
Ties are broken by the sorted id tuples, so the answer is deterministic.

Search
------
The compatibility graph splits into connected components (a group never spans two). A component of
at most ``exact_limit`` (12) candidates is solved exactly: every valid group is enumerated (subsets
of size ≤ ``max_group_size`` that are cliques and reach the minimum), then a DP over subsets picks,
for the lowest candidate still undecided, either "uncovered" or one valid group containing it
(memoised on the bitmask of the undecided candidates). A larger component is split by township
(then by village, then in id order into chunks of ``exact_limit``) and each part solved exactly;
then, until nothing changes: uncovered candidates join the compatible group with room where they add
least dissimilarity; new groups are formed among the still uncovered (exactly when they are few,
else seed-and-grow: the most full members first, adding the compatible candidate bringing most full
members); two groups that fit in one are merged; one candidate moves to another group when both stay
valid and the dissimilarity falls. Every step improves the objective, so it ends. That part is a
heuristic: the plan says ``exact=False`` (tests check it is valid and never beats brute force).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import combinations
from typing import Final

# Reason codes of a group (labels live in ``formation.choices``, through gettext).
SAME_ASSOCIATION: Final = "same_association"
SAME_DIVISION: Final = "same_division"  # 同一行业大类
SAME_SECTION: Final = "same_section"  # 同一行业门类
SAME_CATEGORY: Final = "same_category"
SAME_VILLAGE: Final = "same_village"
SAME_TOWNSHIP: Final = "same_township"
NEARBY: Final = "nearby"  # 相距不超过 N 公里 (coordinates)

EXACT_LIMIT: Final = 12
AREA_CAP: Final = 3


@dataclass(frozen=True, slots=True)
class Candidate:
    """One organization the planner may group. Codes as in ``registry.choices``; "" = unknown."""

    id: str
    full_members: int
    industry_code: str = ""
    category: str = ""
    township: str = ""
    village: str = ""
    latitude: float | None = None
    longitude: float | None = None
    association: str | None = None  # id of the industry association it belongs to
    name: str = ""

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True, slots=True)
class Settings:
    min_full_members: int = 3
    max_group_size: int = 5
    max_distance_km: float = 10.0
    km_per_point: float = 2.0
    exact_limit: int = EXACT_LIMIT


@dataclass(frozen=True, slots=True)
class JointGroup:
    ids: tuple[str, ...]  # sorted
    full_members: int
    dissimilarity: int
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JointPlan:
    groups: tuple[JointGroup, ...]
    uncovered: tuple[str, ...]
    excluded: tuple[str, ...] = ()  # already reach the minimum alone: form their own
    exact: bool = True

    @property
    def score(self) -> tuple[int, int, int]:
        return (len(self.uncovered), len(self.groups), sum(g.dissimilarity for g in self.groups))


# ------------------------------------------------------------------------------ pair measures
def _industry(a: str, b: str) -> int | None:
    """0 same division, 1 same section or unknown, None different sections."""
    a, b = a.strip().upper(), b.strip().upper()
    if not a or not b:
        return 1
    if a[0] != b[0]:
        return None
    return 0 if a == b or (len(a) >= 3 and len(b) >= 3 and a[:3] == b[:3]) else 1


def distance_km(a: Candidate, b: Candidate) -> float:
    """Great-circle distance (haversine, mean Earth radius); both must have coordinates."""
    assert a.latitude is not None and a.longitude is not None
    assert b.latitude is not None and b.longitude is not None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def same_association(a: Candidate, b: Candidate) -> bool:
    return a.association is not None and a.association == b.association


def business_compatible(a: Candidate, b: Candidate) -> bool:
    if same_association(a, b):
        return True
    if a.category and b.category and a.category != b.category:
        return False
    return _industry(a.industry_code, b.industry_code) is not None


def area_compatible(a: Candidate, b: Candidate, settings: Settings) -> bool:
    if a.has_coordinates and b.has_coordinates:
        return distance_km(a, b) <= settings.max_distance_km
    return bool(a.township) and a.township == b.township


def compatible(a: Candidate, b: Candidate, settings: Settings) -> bool:
    return business_compatible(a, b) and area_compatible(a, b, settings)


def business_score(a: Candidate, b: Candidate) -> int:
    if same_association(a, b):
        return 0
    industry = _industry(a.industry_code, b.industry_code)
    return 1 if industry is None else industry


def area_score(a: Candidate, b: Candidate, settings: Settings) -> int:
    if a.has_coordinates and b.has_coordinates:
        return min(AREA_CAP, math.floor(distance_km(a, b) / settings.km_per_point))
    if a.township != b.township or not a.township:
        return AREA_CAP
    return 0 if a.village and a.village == b.village else 1


def pair_dissimilarity(a: Candidate, b: Candidate, settings: Settings) -> int:
    return business_score(a, b) + area_score(a, b, settings)


def group_reasons(members: Sequence[Candidate], settings: Settings) -> tuple[str, ...]:
    """Why these belong together: the strongest business and area reason all pairs share."""
    pairs = list(combinations(members, 2))
    reasons = []
    if pairs and all(same_association(a, b) for a, b in pairs):
        reasons.append(SAME_ASSOCIATION)
    elif pairs and all(_industry(a.industry_code, b.industry_code) == 0 for a, b in pairs):
        reasons.append(SAME_DIVISION)
    elif all(m.industry_code for m in members) and len({m.industry_code.strip().upper()[:1] for m in members}) == 1:
        reasons.append(SAME_SECTION)
    if all(m.category for m in members) and len({m.category for m in members}) == 1:
        reasons.append(SAME_CATEGORY)
    if all(m.village for m in members) and len({m.village for m in members}) == 1:
        reasons.append(SAME_VILLAGE)
    elif all(m.township for m in members) and len({m.township for m in members}) == 1:
        reasons.append(SAME_TOWNSHIP)
    if all(m.has_coordinates for m in members) and all(distance_km(a, b) <= settings.max_distance_km for a, b in pairs):
        reasons.append(NEARBY)
    return tuple(reasons)


# ---------------------------------------------------------------------------------- validity
def group_problems(members: Sequence[Candidate], settings: Settings) -> list[str]:
    """Why ``members`` are not a valid group (codes; empty when valid). Used to check an edit."""
    problems = []
    if len(members) < 2:
        problems.append("too_few_organizations")
    if len(members) > settings.max_group_size:
        problems.append("too_many_organizations")
    if sum(m.full_members for m in members) < settings.min_full_members:
        problems.append("too_few_full_members")
    if any(m.full_members >= settings.min_full_members for m in members):
        problems.append("member_reaches_minimum_alone")
    if any(not business_compatible(a, b) for a, b in combinations(members, 2)):
        problems.append("business_not_similar")
    if any(not area_compatible(a, b, settings) for a, b in combinations(members, 2)):
        problems.append("area_not_neighbouring")
    return problems


def make_group(members: Sequence[Candidate], settings: Settings) -> JointGroup:
    ordered = sorted(members, key=lambda m: m.id)
    return JointGroup(
        ids=tuple(m.id for m in ordered),
        full_members=sum(m.full_members for m in ordered),
        dissimilarity=sum(pair_dissimilarity(a, b, settings) for a, b in combinations(ordered, 2)),
        reasons=group_reasons(ordered, settings),
    )


# ------------------------------------------------------------------------------------ search
@lru_cache(maxsize=1 << 16)
def _compat(a: Candidate, b: Candidate, settings: Settings) -> bool:
    return compatible(a, b, settings)


@lru_cache(maxsize=1 << 16)
def _pair(a: Candidate, b: Candidate, settings: Settings) -> int:
    return pair_dissimilarity(a, b, settings)


def _components(cands: Sequence[Candidate], settings: Settings) -> list[list[Candidate]]:
    """Connected components of the compatibility graph, each in id order."""
    parent = list(range(len(cands)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in combinations(range(len(cands)), 2):
        if _compat(cands[i], cands[j], settings):
            parent[find(i)] = find(j)
    groups: dict[int, list[Candidate]] = defaultdict(list)
    for i, cand in enumerate(cands):
        groups[find(i)].append(cand)
    return sorted(groups.values(), key=lambda g: g[0].id)


Cost = tuple[int, int, int, tuple[tuple[str, ...], ...]]


def _solve_exact(cands: Sequence[Candidate], settings: Settings) -> list[JointGroup]:
    """The best set of disjoint valid groups of ``cands`` (objective in the module docstring)."""
    n = len(cands)
    ok = [[_compat(a, b, settings) for b in cands] for a in cands]
    # Every valid group, as (bitmask, group), indexed by its lowest member.
    by_low: list[list[tuple[int, JointGroup]]] = [[] for _ in range(n)]

    def extend(chosen: list[int], full: int, start: int) -> None:
        if len(chosen) >= 2 and full >= settings.min_full_members:
            mask = sum(1 << i for i in chosen)
            by_low[chosen[0]].append((mask, make_group([cands[i] for i in chosen], settings)))
        if len(chosen) == settings.max_group_size:
            return
        for k in range(start, n):
            if all(ok[k][i] for i in chosen):
                chosen.append(k)
                extend(chosen, full + cands[k].full_members, k + 1)
                chosen.pop()

    for low in range(n):
        extend([low], cands[low].full_members, low + 1)

    @cache
    def best(mask: int) -> tuple[Cost, tuple[JointGroup, ...]]:
        if mask == 0:
            return (0, 0, 0, ()), ()
        low = (mask & -mask).bit_length() - 1
        rest_cost, rest_groups = best(mask & ~(1 << low))
        answer: tuple[Cost, tuple[JointGroup, ...]] = (
            (rest_cost[0] + 1, rest_cost[1], rest_cost[2], rest_cost[3]),
            rest_groups,
        )
        for gmask, group in by_low[low]:
            if gmask & mask != gmask:
                continue
            sub_cost, sub_groups = best(mask & ~gmask)
            cost: Cost = (
                sub_cost[0],
                sub_cost[1] + 1,
                sub_cost[2] + group.dissimilarity,
                tuple(sorted((*sub_cost[3], group.ids))),
            )
            if cost < answer[0]:
                answer = (cost, (*sub_groups, group))
        return answer

    result = best((1 << n) - 1)[1]
    best.cache_clear()
    return sorted(result, key=lambda g: g.ids)


def _split(cands: list[Candidate], limit: int) -> list[list[Candidate]]:
    """Parts of at most ``limit`` candidates: by township, then village, then id order."""
    if len(cands) <= limit:
        return [cands]
    for key in (lambda c: c.township, lambda c: c.village):
        buckets: dict[str, list[Candidate]] = defaultdict(list)
        for c in cands:
            buckets[key(c)].append(c)
        if len(buckets) > 1:
            return [part for k in sorted(buckets) for part in _split(buckets[k], limit)]
    return [cands[i : i + limit] for i in range(0, len(cands), limit)]


def _valid(members: Sequence[Candidate], settings: Settings) -> bool:
    """``not group_problems(members)``, cheapest checks first (the heuristic calls it a lot)."""
    if not 2 <= len(members) <= settings.max_group_size:
        return False
    full = [m.full_members for m in members]
    if sum(full) < settings.min_full_members or max(full) >= settings.min_full_members:
        return False
    return all(_compat(a, b, settings) for a, b in combinations(members, 2))


def _improve(
    groups: list[list[Candidate]], uncovered: list[Candidate], settings: Settings
) -> tuple[list[list[Candidate]], list[Candidate]]:
    """Greedy additions, merges and moves while the objective improves (the heuristic path)."""

    def dis(members: Sequence[Candidate]) -> int:
        return sum(_pair(a, b, settings) for a, b in combinations(members, 2))

    changed = True
    while changed:
        changed = False
        # 1. Uncovered candidates join the group with room where they add least dissimilarity.
        for cand in sorted(uncovered, key=lambda c: (-c.full_members, c.id)):
            options = [
                (dis([*g, cand]) - dis(g), i)
                for i, g in enumerate(groups)
                if len(g) < settings.max_group_size and _valid([*g, cand], settings)
            ]
            if options:
                _cost, i = min(options)
                groups[i].append(cand)
                uncovered.remove(cand)
                changed = True
        # 2. New groups among the uncovered (exact on small leftovers, else a greedy seed-and-grow).
        if len(uncovered) >= 2:
            found = (
                _solve_exact(sorted(uncovered, key=lambda c: c.id), settings)
                if len(uncovered) <= settings.exact_limit
                else _greedy(uncovered, settings)
            )
            ids = {i for g in found for i in g.ids}
            for g in found:
                groups.append([c for c in uncovered if c.id in g.ids])
            if found:
                uncovered[:] = [c for c in uncovered if c.id not in ids]
                changed = True
        # 3. Merge two groups that fit in one (one group fewer).
        for i, j in combinations(range(len(groups)), 2):
            merged = groups[i] + groups[j]
            if _valid(merged, settings):
                groups[i] = merged
                del groups[j]
                changed = True
                break
        if changed:
            continue
        # 4. Move one candidate to another group if both stay valid and dissimilarity falls.
        for i, j in ((i, j) for i in range(len(groups)) for j in range(len(groups)) if i != j):
            for cand in list(groups[i]):
                src = [c for c in groups[i] if c is not cand]
                dst = [*groups[j], cand]
                if (
                    _valid(src, settings)
                    and _valid(dst, settings)
                    and dis(src) + dis(dst) < dis(groups[i]) + dis(groups[j])
                ):
                    groups[i], groups[j] = src, dst
                    changed = True
                    break
            if changed:
                break
    return groups, uncovered


def _greedy(cands: Sequence[Candidate], settings: Settings) -> list[JointGroup]:
    """Seed with the most full members, grow with the compatible candidate adding most full
    members (least dissimilarity on a tie) until the minimum is reached."""
    free = sorted(cands, key=lambda c: (-c.full_members, c.id))
    result = []
    for seed in list(free):
        if seed not in free:
            continue
        group = [seed]
        pool = [c for c in free if c is not seed and compatible(seed, c, settings)]
        while sum(c.full_members for c in group) < settings.min_full_members and len(group) < settings.max_group_size:
            fits = [c for c in pool if all(compatible(c, m, settings) for m in group)]
            if not fits:
                break
            nxt = min(
                fits, key=lambda c: (-c.full_members, sum(pair_dissimilarity(c, m, settings) for m in group), c.id)
            )
            group.append(nxt)
            pool.remove(nxt)
        if _valid(group, settings):
            result.append(make_group(group, settings))
            for c in group:
                free.remove(c)
    return result


def plan_joint_groups(
    candidates: Iterable[Candidate],
    *,
    min_full_members: int,
    max_group_size: int,
    max_distance_km: float = 10.0,
    km_per_point: float = 2.0,
    exact_limit: int = EXACT_LIMIT,
) -> JointPlan:
    """The best grouping of ``candidates`` into joint branches (rules in the module docstring)."""
    if min_full_members < 1 or max_group_size < 2:
        raise ValueError("min_full_members >= 1 and max_group_size >= 2")
    settings = Settings(min_full_members, max_group_size, max_distance_km, km_per_point, exact_limit)
    seen: set[str] = set()
    plannable: list[Candidate] = []
    excluded: list[str] = []
    for cand in sorted(candidates, key=lambda c: c.id):
        if cand.id in seen:
            raise ValueError(f"duplicate candidate id {cand.id!r}")
        seen.add(cand.id)
        (excluded.append(cand.id) if cand.full_members >= min_full_members else plannable.append(cand))
    groups: list[JointGroup] = []
    exact = True
    for component in _components(plannable, settings):
        if len(component) <= exact_limit:
            groups.extend(_solve_exact(component, settings))
            continue
        exact = False
        part_groups: list[list[Candidate]] = []
        part_uncovered: list[Candidate] = []
        by_id = {c.id: c for c in component}
        for part in _split(component, exact_limit):
            found = _solve_exact(part, settings)
            used = {i for g in found for i in g.ids}
            part_groups.extend([by_id[i] for i in g.ids] for g in found)
            part_uncovered.extend(c for c in part if c.id not in used)
        improved, _left = _improve(part_groups, part_uncovered, settings)
        groups.extend(make_group(g, settings) for g in improved)
    covered = {i for g in groups for i in g.ids}
    return JointPlan(
        groups=tuple(sorted(groups, key=lambda g: g.ids)),
        uncovered=tuple(c.id for c in plannable if c.id not in covered),
        excluded=tuple(excluded),
        exact=exact,
    )


# ---------------------------------------------------------------------------- attaching
JOINT_BRANCH: Final = "joint"
BUILDING_BRANCH: Final = "building"
ASSOCIATION_BRANCH: Final = "association"


@dataclass(frozen=True, slots=True)
class Branch:
    """An existing party organization a candidate might join instead: a joint branch, a building
    branch, or the branch of an industry association (``association`` = the association's id)."""

    id: str
    kind: str  # JOINT_BRANCH, BUILDING_BRANCH or ASSOCIATION_BRANCH
    covers: tuple[Candidate, ...]  # the organizations it covers now
    association: str | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class AttachSuggestion:
    candidate_id: str
    branch_id: str
    kind: str
    dissimilarity: int
    room: int  # organizations it may still cover
    reasons: tuple[str, ...] = field(default=())


def attach_suggestions(
    candidates: Iterable[Candidate],
    branches: Iterable[Branch],
    *,
    max_group_size: int,
    max_distance_km: float = 10.0,
    km_per_point: float = 2.0,
    per_candidate: int = 3,
) -> list[AttachSuggestion]:
    """For each candidate, up to ``per_candidate`` existing branches with room (covering fewer than
    ``max_group_size`` organizations) it could join, least dissimilar first.

    - joint branch: the candidate must be compatible (business and area) with every organization
      it covers; dissimilarity = the sum of pair dissimilarities with them;
    - building branch: only area counts (a building gathers every trade): neighbouring every
      covered organization; dissimilarity = the sum of area scores;
    - association branch: the candidate is a member of the association, or is of the same industry
      section and neighbouring the association; dissimilarity = pair dissimilarity with it."""
    settings = Settings(max_group_size=max_group_size, max_distance_km=max_distance_km, km_per_point=km_per_point)
    open_branches = [b for b in branches if b.covers and len(b.covers) < max_group_size]
    result: list[AttachSuggestion] = []
    for cand in sorted(candidates, key=lambda c: c.id):
        options: list[tuple[int, str, AttachSuggestion]] = []
        for branch in open_branches:
            if any(c.id == cand.id for c in branch.covers):
                continue
            reasons: tuple[str, ...]
            if branch.kind == BUILDING_BRANCH:
                if not all(area_compatible(cand, c, settings) for c in branch.covers):
                    continue
                score = sum(area_score(cand, c, settings) for c in branch.covers)
                reasons = group_reasons([cand, *branch.covers], settings)
            elif branch.kind == ASSOCIATION_BRANCH:
                host = next((c for c in branch.covers if c.id == branch.association), branch.covers[0])
                member = cand.association is not None and cand.association == branch.association
                same_trade = (
                    bool(cand.industry_code)
                    and bool(host.industry_code)
                    and _industry(cand.industry_code, host.industry_code) is not None
                )
                if not member and not (same_trade and area_compatible(cand, host, settings)):
                    continue
                score = 0 if member else pair_dissimilarity(cand, host, settings)
                reasons = (SAME_ASSOCIATION,) if member else group_reasons([cand, host], settings)
            else:
                if not all(compatible(cand, c, settings) for c in branch.covers):
                    continue
                score = sum(pair_dissimilarity(cand, c, settings) for c in branch.covers)
                reasons = group_reasons([cand, *branch.covers], settings)
            options.append(
                (
                    score,
                    branch.id,
                    AttachSuggestion(
                        candidate_id=cand.id,
                        branch_id=branch.id,
                        kind=branch.kind,
                        dissimilarity=score,
                        room=max_group_size - len(branch.covers),
                        reasons=reasons,
                    ),
                )
            )
        options.sort(key=lambda o: (o[0], o[1]))
        result.extend(s for _score, _id, s in options[:per_candidate])
    return result


__all__ = [
    "AttachSuggestion",
    "Branch",
    "Candidate",
    "JointGroup",
    "JointPlan",
    "Settings",
    "attach_suggestions",
    "compatible",
    "group_problems",
    "make_group",
    "pair_dissimilarity",
    "plan_joint_groups",
]
