"""The joint-branch planner (联合组建): group a township's joint candidates into joint party
organizations. Pure Python: no Django, so the search can be read and tested (against brute force)
alone. The domain notes it relies on are in ``docs/joint-formation.md``.

Who may be grouped is not decided here: ``liangxin/policy/partners.py`` holds the rule (candidates
with 1 to ``min_full_members − 1`` full members; pairs of similar business and neighbouring area;
the dissimilarity of a pair), shared with the rules engine's joint recommendation. A *valid group*
is 2 to ``max_group_size`` candidates, pairwise compatible, reaching ``min_full_members`` full
members together (``partners.group_problems``). Candidates without full members, or at the minimum
already, are never planned (``excluded``).

"Best" (lexicographic)
----------------------
1. fewest candidates left out (in no group), then
2. fewest groups, then
3. least total dissimilarity: the sum over groups of the sum over pairs in the group of
   ``partners.pair_dissimilarity`` (the same village before the same township, the same trade
   before a similar one).

Search
------
The compatibility graph splits into connected components (a group never spans two). A component
of at most ``exact_limit`` candidates is solved exactly: candidates of one profile and one number of
full members are interchangeable, so a dynamic programme over how many of each such class are still
undecided takes, for the first class left, either "one of them left out" or one valid group
containing one of them (see :func:`_solve_exact`; the tests check it against brute force).

A larger component is not solved exactly (the plan says ``exact=False``: not proven best):

1. *Construction*, linear in the candidates. Candidates of one industry section (a social
   organization: one family of types) in one township — or, with coordinates, in one square of the
   map small enough that all its points are neighbours — are pairwise compatible (a *bucket*). Each
   bucket is packed bottom-up through village, then trade: full groups of ``max_group_size`` inside
   a village and trade first, the rest inside the village, the rest of that across the township.
   What is left of a bucket is a group when valid, else left over.
2. *Completion*: left-over candidates join a group with room, form groups among themselves
   (exactly when few), or split a full group into two valid ones with them (5 + 1 → 3 + 3).
3. *Improvement* while the time budget lasts: two groups that fit in one are merged; a group with
   room and a neighbouring group (with the left-over candidates near them) are re-solved exactly
   and replaced when that is better; members of groups built next to each other trade places when
   that makes both less dissimilar.

Every step keeps the plan valid, so when the time budget (``Deadline``) runs out the plan found so
far is returned (``timed_out=True``). Each candidate left out says why (:data:`LEFT_OUT_REASONS`).
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Final

from liangxin.policy import partners
from liangxin.policy.partners import (
    Candidate,
    Neighbourhood,
    Settings,
    area_compatible,
    area_score,
    compatible,
    distance_km,
    group_dissimilarity,
    group_problems,
    hosts_association,
    pair_dissimilarity,
)

# Reason codes of a group (labels live in ``formation.choices``, through gettext).
SAME_ASSOCIATION: Final = "same_association"
SAME_DIVISION: Final = "same_division"  # 同一行业大类
SAME_SECTION: Final = "same_section"  # 同一行业门类
SAME_TYPE: Final = "same_type"  # 同一社会组织类型
SAME_TYPE_FAMILY: Final = "same_type_family"  # 同类社会组织
SAME_CATEGORY: Final = "same_category"
SAME_VILLAGE: Final = "same_village"
SAME_TOWNSHIP: Final = "same_township"
NEARBY: Final = "nearby"  # 相距不超过 N 公里 (coordinates)

# Why a candidate is left out (labels in ``formation.choices``).
NO_COMPATIBLE_NEIGHBOUR: Final = "no_compatible_neighbour"
TOO_FEW_MEMBERS_IN_REACH: Final = "too_few_members_in_reach"
PARTNERS_IN_OTHER_GROUPS: Final = "partners_in_other_groups"
SEARCH_STOPPED: Final = "search_stopped"
LEFT_OUT_REASONS: Final = (NO_COMPATIBLE_NEIGHBOUR, TOO_FEW_MEMBERS_IN_REACH, PARTNERS_IN_OTHER_GROUPS, SEARCH_STOPPED)

EXACT_LIMIT: Final = 12
# How many neighbouring groups the improvement steps look at for each group.
NEIGHBOUR_GROUPS: Final = 4


class Deadline:
    """The time budget of one planning: ``seconds`` from now on ``clock`` (None: no limit).
    Tests pass a clock of their own, so nothing they check depends on how fast the machine is."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.started = clock()
        self.hit = False

    def expired(self) -> bool:
        if self.seconds is not None and not self.hit and self.clock() - self.started >= self.seconds:
            self.hit = True
        return self.hit


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
    excluded: tuple[str, ...] = ()  # no full members, or the minimum alone: never planned
    exact: bool = True  # proven best (every component solved exactly)
    timed_out: bool = False  # the time budget ran out: the best plan found by then
    reasons: dict[str, str] = field(default_factory=dict)  # uncovered id → LEFT_OUT_REASONS code

    @property
    def score(self) -> tuple[int, int, int]:
        return (len(self.uncovered), len(self.groups), sum(g.dissimilarity for g in self.groups))


# ------------------------------------------------------------------------------ presentation
def group_reasons(members: Sequence[Candidate], settings: Settings) -> tuple[str, ...]:
    """Why these belong together: the strongest business and area reason all pairs share."""
    profiles = [partners.profile(m) for m in members]
    pairs = list(combinations(profiles, 2))
    social = all(p.category == partners.SOCIAL for p in profiles)
    reasons = []
    if pairs and all(p.associations and not p.associations.isdisjoint(q.associations) for p, q in pairs):
        reasons.append(SAME_ASSOCIATION)
    elif social and all(p.social_type for p in profiles):
        types = {p.social_type for p in profiles}
        families = {partners.SOCIAL_TYPE_FAMILIES.get(t) for t in types}
        if len(types) == 1:
            reasons.append(SAME_TYPE)
        elif len(families) == 1 and None not in families:
            reasons.append(SAME_TYPE_FAMILY)
    elif not social and all(p.industry for p in profiles):
        if len({p.industry for p in profiles}) == 1:
            reasons.append(SAME_DIVISION)
        elif len({p.industry[:1] for p in profiles}) == 1:
            reasons.append(SAME_SECTION)
    if all(m.category for m in members) and len({m.category for m in members}) == 1:
        reasons.append(SAME_CATEGORY)
    if all(m.village for m in members) and len({m.village for m in members}) == 1:
        reasons.append(SAME_VILLAGE)
    elif all(m.township for m in members) and len({m.township for m in members}) == 1:
        reasons.append(SAME_TOWNSHIP)
    if all(m.has_coordinates for m in members) and all(
        distance_km(a, b) <= settings.max_distance_km for a, b in combinations(members, 2)
    ):
        reasons.append(NEARBY)
    return tuple(reasons)


def make_group(members: Sequence[Candidate], settings: Settings, hood: Neighbourhood | None = None) -> JointGroup:
    """A group as the pages show it. ``hood``: the planner's index, which knows the pair measures
    already (a valid group only)."""
    ordered = sorted(members, key=lambda m: m.id)
    if hood is None:
        dissimilarity = group_dissimilarity(ordered, settings)
    else:
        cells = [hood.cell_of[m.id] for m in ordered]
        dissimilarity = sum(hood.pair(i, j) or 0 for i, j in combinations(cells, 2))
    return JointGroup(
        ids=tuple(m.id for m in ordered),
        full_members=sum(m.full_members for m in ordered),
        dissimilarity=dissimilarity,
        reasons=group_reasons(ordered, settings),
    )


# ------------------------------------------------------------------------------ exact search
Score = tuple[int, int, int]


def _solve_exact(members: Sequence[Candidate], hood: Neighbourhood) -> list[list[Candidate]]:
    """The best set of disjoint valid groups among ``members`` (objective in the module docstring).

    Members of one cell of ``hood`` with one number of full members form a *class*; a state is how
    many of each class are still undecided. For the first class left: leave one of its members
    out, or take a valid group (a multiset of classes, the first one among them) — the dynamic
    programme is over these states, so a township of identical shops costs a few states, not
    2^n subsets. Members are assigned to the chosen groups in id order at the end."""
    settings = hood.settings
    by_class: dict[tuple[int, int], list[Candidate]] = defaultdict(list)
    for m in members:
        by_class[(hood.cell_of[m.id], m.full_members)].append(m)
    keys = sorted(by_class, key=lambda k: min(m.id for m in by_class[k]))
    cells = [k[0] for k in keys]
    full = [k[1] for k in keys]
    pools = [sorted(by_class[k], key=lambda m: m.id) for k in keys]
    n = len(keys)
    size_cap = settings.max_group_size
    # Group types by their first class: (counts per class as a sparse tuple, dissimilarity).
    types: list[list[tuple[tuple[tuple[int, int], ...], int]]] = [[] for _ in range(n)]

    def extend(chosen: list[tuple[int, int]], size: int, total: int, dis: int, start: int) -> None:
        if size >= 2 and total >= settings.min_full_members:
            types[chosen[0][0]].append((tuple(chosen), dis))
        if size == size_cap:
            return
        for j in range(start, n):
            if any(hood.pair(cells[j], cells[c]) is None for c, _k in chosen):
                continue
            d_with = sum(k * (hood.pair(cells[j], cells[c]) or 0) for c, k in chosen)
            self_d = hood.pair(cells[j], cells[j])
            for k in range(1, min(len(pools[j]), size_cap - size) + 1):
                if k >= 2 and self_d is None:
                    break
                chosen.append((j, k))
                added = k * d_with + (k * (k - 1) // 2) * (self_d or 0)
                extend(chosen, size + k, total + k * full[j], dis + added, j + 1)
                chosen.pop()

    for first in range(n):
        self_d = hood.pair(cells[first], cells[first])
        for k in range(1, min(len(pools[first]), size_cap) + 1):
            if k >= 2 and self_d is None:
                break
            extend([(first, k)], k, k * full[first], (k * (k - 1) // 2) * (self_d or 0), first + 1)

    # A state packs the undecided count of each class into a field of ``width`` bits plus a
    # guard bit (SWAR): a group type fits when subtracting its counts borrows from no guard.
    width = max(len(p) for p in pools).bit_length() + 1
    guard = sum(1 << (i * width + width - 1) for i in range(n))
    packed: list[list[tuple[int, int, tuple[tuple[int, int], ...]]]] = [
        [(sum(k << (c * width) for c, k in counts), dis, counts) for counts, dis in ts] for ts in types
    ]
    memo: dict[int, tuple[Score, tuple[tuple[tuple[int, int], ...], ...]]] = {0: ((0, 0, 0), ())}

    def best(state: int) -> tuple[Score, tuple[tuple[tuple[int, int], ...], ...]]:
        found = memo.get(state)
        if found is not None:
            return found
        first = ((state & -state).bit_length() - 1) // width
        sub, chosen = best(state - (1 << (first * width)))
        answer: tuple[Score, tuple[tuple[tuple[int, int], ...], ...]] = ((sub[0] + 1, sub[1], sub[2]), chosen)
        with_guard = state | guard
        for delta, dis, counts in packed[first]:
            rest = with_guard - delta
            if rest & guard != guard:
                continue
            sub, chosen = best(rest ^ guard)
            score = (sub[0], sub[1] + 1, sub[2] + dis)
            if score < answer[0]:
                answer = (score, (counts, *chosen))
        memo[state] = answer
        return answer

    chosen_types = best(sum(len(p) << (i * width) for i, p in enumerate(pools)))[1]
    taken = [0] * n
    groups = []
    for counts in chosen_types:
        group = []
        for c, k in counts:
            group.extend(pools[c][taken[c] : taken[c] + k])
            taken[c] += k
        groups.append(group)
    return groups


# ------------------------------------------------------------------------------ components
def _bucket(c: Candidate, settings: Settings) -> tuple[object, ...] | None:
    """A key whose candidates are pairwise compatible and whose compatibility with any candidate
    of another bucket is the bucket's (same township, similar business); None for a candidate
    whose compatibility must be checked pair by pair (unknown category, an association)."""
    p = partners.profile(c)
    category, lat, lon = p.category, p.latitude, p.longitude
    if not category or p.associations:
        return None
    if category == partners.SOCIAL:
        if p.social_type and p.social_type not in partners.SOCIAL_TYPE_FAMILIES:
            return None
        trade = partners.SOCIAL_TYPE_FAMILIES.get(p.social_type, "")
    else:
        trade = p.industry[:1]
    if lat is not None and lon is not None:
        # Squares whose diagonal is the neighbouring distance: any two points in one are neighbours.
        side = settings.max_distance_km / math.sqrt(2) / 111.2
        return ("xy", math.floor(lat / side), math.floor(lon / side), category, trade)
    if not p.township:
        return None
    return ("tw", p.township, category, trade)


class _Components:
    """Connected components of the compatibility graph, at the level of ``hood``'s cells.

    Cells of one bucket are linked at once; buckets of one township are linked when one's trade is
    unknown (so compatible with all); everything else (coordinates, associations, unknown
    categories) is checked pair by pair, against the cells it can possibly be compatible with."""

    def __init__(self, hood: Neighbourhood, deadline: Deadline) -> None:
        self.hood = hood
        n = len(hood.cells)
        self.parent = list(range(n))
        settings = hood.settings
        self.bucket_of: list[tuple[object, ...] | None] = [_bucket(ms[0], settings) for ms in hood.cells]
        buckets: dict[tuple[object, ...], list[int]] = defaultdict(list)
        loose: list[int] = []
        for i, key in enumerate(self.bucket_of):
            (buckets[key] if key is not None else loose).append(i)
        self.buckets = buckets
        for cells in buckets.values():
            for i in cells[1:]:
                self.union(cells[0], i)
        township_buckets = [k for k in buckets if k[0] == "tw"]
        for a, b in combinations(township_buckets, 2):
            if a[1] == b[1] and hood.pair(buckets[a][0], buckets[b][0]) is not None:
                self.union(buckets[a][0], buckets[b][0])
        # Cells with coordinates: neighbouring squares, and the township buckets of their township.
        squares: dict[tuple[object, object], list[int]] = defaultdict(list)
        for key, cells in buckets.items():
            if key[0] == "xy":
                squares[(key[1], key[2])].extend(cells)
        self.complete = True
        for (sx, sy), cells in squares.items():
            if deadline.expired():
                self.complete = False
                return
            # A square's side is the neighbouring distance over √2 in degrees of latitude; a degree of
            # longitude is shorter by cos(latitude): neighbours lie within this many squares.
            lat = hood.cells[cells[0]][0].latitude or 0.0
            reach_x, reach_y = 2, math.ceil(math.sqrt(2) / max(0.1, math.cos(math.radians(lat))))
            around = [
                j
                for dx in range(-reach_x, reach_x + 1)
                for dy in range(-reach_y, reach_y + 1)
                for j in squares.get((sx + dx, sy + dy), ())  # type: ignore[operator]
            ]
            for i in cells:
                for j in around:
                    if j > i and self.find(i) != self.find(j) and hood.pair(i, j) is not None:
                        self.union(i, j)
                for tkey in township_buckets:
                    j = buckets[tkey][0]
                    if tkey[1] == hood.cells[i][0].township and hood.pair(i, j) is not None:
                        self.union(i, j)
        for i in loose:
            if deadline.expired():
                self.complete = False
                return
            for j in range(n):
                if j != i and self.find(i) != self.find(j) and hood.pair(i, j) is not None:
                    self.union(i, j)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def groups(self) -> list[list[int]]:
        """Components as lists of cells; everything in one when the search was cut short."""
        if not self.complete:
            return [list(range(len(self.parent)))]
        found: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            found[self.find(i)].append(i)
        return list(found.values())


# ------------------------------------------------------------------------------ construction
def _pack_bucket(members: list[Candidate], settings: Settings) -> tuple[list[list[Candidate]], list[Candidate]]:
    """Pairwise compatible ``members``: full groups of ``max_group_size``, bottom-up through
    (village, trade) → village → the bucket, and what is left (fewer than a full group)."""
    size = settings.max_group_size

    def area(c: Candidate) -> tuple[object, ...]:
        if c.has_coordinates:
            assert c.latitude is not None and c.longitude is not None
            side = settings.km_per_point / 111.2
            return (math.floor(c.latitude / side), math.floor(c.longitude / side))
        return (c.village,)

    def trade(c: Candidate) -> tuple[str, ...]:
        p = partners.profile(c)
        return (p.social_type, p.industry)

    def pack(pool: list[Candidate], levels: list[Callable[[Candidate], tuple[object, ...]]]) -> list[Candidate]:
        if levels:
            parts: dict[tuple[object, ...], list[Candidate]] = defaultdict(list)
            for c in pool:
                parts[levels[0](c)].append(c)
            pool = [c for key in sorted(parts, key=str) for c in pack(parts[key], levels[1:])]
        else:
            # The ones first into full groups: the twos help a short group reach the minimum.
            pool = sorted(pool, key=lambda c: (c.full_members, c.id))
        whole = len(pool) - len(pool) % size
        groups.extend(pool[i : i + size] for i in range(0, whole, size))
        return pool[whole:]

    groups: list[list[Candidate]] = []
    rest = pack(members, [area, lambda c: (*area(c), *trade(c))])
    return groups, rest


class _Plan:
    """Groups being built: members, membership, and an index of groups by cell."""

    def __init__(self, hood: Neighbourhood, deadline: Deadline) -> None:
        self.hood = hood
        self.settings = hood.settings
        self.deadline = deadline
        self.groups: dict[int, list[Candidate]] = {}
        self.group_of: dict[str, int] = {}
        self.by_cell: dict[int, set[int]] = defaultdict(set)
        self.next_id = 0

    # -- bookkeeping
    def add(self, members: list[Candidate]) -> int:
        gid = self.next_id
        self.next_id += 1
        self.groups[gid] = list(members)
        for m in members:
            self.group_of[m.id] = gid
            self.by_cell[self.hood.cell_of[m.id]].add(gid)
        return gid

    def remove(self, gid: int) -> list[Candidate]:
        members = self.groups.pop(gid)
        for m in members:
            del self.group_of[m.id]
            self.by_cell[self.hood.cell_of[m.id]].discard(gid)
        return members

    def replace(self, gid: int, members: list[Candidate]) -> int:
        self.remove(gid)
        return self.add(members)

    # -- measures
    def fits(self, cand: Candidate, members: Sequence[Candidate]) -> bool:
        ci = self.hood.cell_of[cand.id]
        return all(self.hood.pair(ci, self.hood.cell_of[m.id]) is not None for m in members)

    def added(self, cand: Candidate, members: Sequence[Candidate]) -> int:
        ci = self.hood.cell_of[cand.id]
        return sum(self.hood.pair(ci, self.hood.cell_of[m.id]) or 0 for m in members)

    def dis(self, members: Sequence[Candidate]) -> int:
        return sum(
            self.hood.pair(self.hood.cell_of[a.id], self.hood.cell_of[b.id]) or 0 for a, b in combinations(members, 2)
        )

    def valid(self, members: Sequence[Candidate]) -> bool:
        s = self.settings
        if not 2 <= len(members) <= s.max_group_size or sum(m.full_members for m in members) < s.min_full_members:
            return False
        return all(
            self.hood.pair(self.hood.cell_of[a.id], self.hood.cell_of[b.id]) is not None
            for a, b in combinations(members, 2)
        )

    def near(self, cand: Candidate) -> Iterable[int]:
        """Groups holding a member compatible with ``cand``, the least dissimilar cells first."""
        seen: set[int] = set()
        for _d, j in self.hood.ranked(self.hood.cell_of[cand.id]):
            for gid in sorted(self.by_cell.get(j, ())):
                if gid not in seen and gid in self.groups:
                    seen.add(gid)
                    yield gid

    # -- steps
    def join(self, left: list[Candidate]) -> list[Candidate]:
        """Each left-over candidate joins the group with room it adds least dissimilarity to."""
        rest = []
        size = self.settings.max_group_size
        for cand in left:
            if self.deadline.expired():
                rest.append(cand)
                continue
            options = [
                (self.added(cand, self.groups[gid]), gid)
                for gid in self.near(cand)
                if len(self.groups[gid]) < size and self.fits(cand, self.groups[gid])
            ]
            if options:
                _cost, gid = min(options)
                self.replace(gid, [*self.groups[gid], cand])
            else:
                rest.append(cand)
        return rest

    def among(self, left: list[Candidate], exact_limit: int) -> list[Candidate]:
        """New groups among left-over candidates: exactly when few, else seed-and-grow."""
        if len(left) < 2:
            return left
        if len(left) <= exact_limit:
            found = _solve_exact(left, self.hood)
        else:
            found = []
            free = sorted(left, key=lambda c: (-c.full_members, c.id))
            used: set[str] = set()
            for seed in free:
                if seed.id in used or self.deadline.expired():
                    continue
                group = [seed]
                pool = [c for c in free if c.id not in used and c is not seed and self.fits(c, group)]
                while (
                    sum(c.full_members for c in group) < self.settings.min_full_members
                    and len(group) < self.settings.max_group_size
                ):
                    fits = [c for c in pool if c not in group and self.fits(c, group)]
                    if not fits:
                        break
                    group.append(min(fits, key=lambda c: (-c.full_members, self.added(c, group), c.id)))
                if self.valid(group):
                    found.append(group)
                    used.update(c.id for c in group)
        for group in found:
            self.add(group)
        placed = {c.id for g in found for c in g}
        return [c for c in left if c.id not in placed]

    def split(self, left: list[Candidate]) -> list[Candidate]:
        """A left-over candidate takes one or two members of a group into a new valid group,
        leaving that group valid (5 + 1 → 3 + 3): one group more, one candidate less left out."""
        rest = []
        for cand in left:
            if self.deadline.expired() or not self._split_one(cand):
                rest.append(cand)
        return rest

    def _split_one(self, cand: Candidate) -> bool:
        for gid in self.near(cand):
            if self.deadline.expired():
                return False
            group = self.groups[gid]
            if len(group) < 3:
                continue
            options = []
            for k in (1, 2):
                for taken in combinations(group, k):
                    new = [cand, *taken]
                    keep = [m for m in group if m not in taken]
                    if self.valid(new) and self.valid(keep):
                        options.append((self.dis(new) + self.dis(keep), [m.id for m in taken], new, keep))
                if options:
                    break
            if options:
                _cost, _ids, new, keep = min(options, key=lambda o: (o[0], o[1]))
                self.replace(gid, keep)
                self.add(new)
                return True
        return False

    def merge(self) -> None:
        """Two groups that fit in one become one (one group fewer)."""
        size = self.settings.max_group_size
        changed = True
        while changed and not self.deadline.expired():
            changed = False
            small = sorted(
                (gid for gid, g in self.groups.items() if len(g) <= size - 2), key=lambda g: (len(self.groups[g]), g)
            )
            for a in small:
                if a not in self.groups:
                    continue
                for b in self.near(self.groups[a][0]):
                    if b == a or len(self.groups[a]) + len(self.groups[b]) > size:
                        continue
                    merged = self.groups[a] + self.groups[b]
                    if self.valid(merged):
                        self.remove(b)
                        self.replace(a, merged)
                        changed = True
                        break

    def neighbours(self, gid: int, limit: int) -> list[int]:
        """Up to ``limit`` other groups holding members compatible with the first of ``gid``."""
        found = []
        for other in self.near(self.groups[gid][0]):
            if other != gid:
                found.append(other)
                if len(found) == limit:
                    break
        return found

    def reoptimise(self, left: list[Candidate], exact_limit: int) -> list[Candidate]:
        """A group with room and a neighbouring group, with left-over candidates compatible with
        them, solved again exactly; the result replaces them when it is better (fewer left out,
        or fewer groups, or less dissimilar). Runs while time remains."""
        size = self.settings.max_group_size
        left_ids = {c.id for c in left}
        for a in sorted(gid for gid, g in self.groups.items() if len(g) < size):
            if self.deadline.expired():
                break
            for b in self.neighbours(a, NEIGHBOUR_GROUPS) if a in self.groups else ():
                if self.deadline.expired() or a not in self.groups or b not in self.groups:
                    break
                pool = self.groups[a] + self.groups[b]
                if len(pool) > exact_limit:
                    continue
                extra = [c for c in left if c.id in left_ids and self.fits(c, pool[:1])]
                pool += extra[: exact_limit - len(pool)]
                before = (
                    sum(1 for c in pool if c.id in left_ids),
                    2,
                    self.dis(self.groups[a]) + self.dis(self.groups[b]),
                )
                found = _solve_exact(pool, self.hood)
                placed = {c.id for g in found for c in g}
                after = (len(pool) - len(placed), len(found), sum(self.dis(g) for g in found))
                if after < before:
                    self.remove(a)
                    self.remove(b)
                    for g in found:
                        self.add(g)
                    left_ids -= placed
                    break
        return [c for c in left if c.id in left_ids]

    def swap(self) -> None:
        """One member of a group trades places with one of a group built next to it (the
        construction builds neighbours one after the other) when both stay valid and the two
        become less dissimilar. Runs while time remains."""
        pair, cell_of = self.hood.pair, self.hood.cell_of
        dis_of: dict[int, int] = {}

        def dis(gid: int) -> int:
            if gid not in dis_of:
                dis_of[gid] = self.dis(self.groups[gid])
            return dis_of[gid]

        for a in sorted(self.groups):
            if self.deadline.expired():
                return
            for b in range(a + 1, a + 1 + NEIGHBOUR_GROUPS):
                if a not in self.groups or b not in self.groups or dis(a) + dis(b) == 0:
                    continue
                ga, gb = self.groups[a], self.groups[b]
                ca, cb = [cell_of[m.id] for m in ga], [cell_of[m.id] for m in gb]
                d = [[pair(i, j) or 0 for j in cb] for i in ca]  # x in a × y in b
                inner_a = [sum(pair(i, j) or 0 for j in ca) - (pair(i, i) or 0) for i in ca]
                inner_b = [sum(pair(i, j) or 0 for j in cb) - (pair(i, i) or 0) for i in cb]
                to_a = [sum(pair(j, i) or 0 for i in ca) for j in cb]  # y with every member of a
                to_b = [sum(row) for row in d]  # x with every member of b
                best: tuple[int, int, int] | None = None
                for xi in range(len(ga)):
                    for yi in range(len(gb)):
                        # Change of dissimilarity when x and y trade places.
                        change = (to_a[yi] - d[xi][yi] - inner_a[xi]) + (to_b[xi] - d[xi][yi] - inner_b[yi])
                        if change < (best[0] if best else 0):
                            best = (change, xi, yi)
                if best is None:
                    continue
                _change, xi, yi = best
                x, y = ga[xi], gb[yi]
                na = [y if m is x else m for m in ga]
                nb = [x if m is y else m for m in gb]
                if self.valid(na) and self.valid(nb):
                    self.remove(a)
                    self.remove(b)
                    self.groups[a], self.groups[b] = na, nb  # keep their places in the order
                    for gid, members in ((a, na), (b, nb)):
                        dis_of.pop(gid, None)
                        for m in members:
                            self.group_of[m.id] = gid
                            self.by_cell[cell_of[m.id]].add(gid)


def _heuristic(cells: list[int], hood: Neighbourhood, deadline: Deadline, exact_limit: int) -> list[list[Candidate]]:
    """A good plan for a large component (steps 1–3 of the module docstring)."""
    settings = hood.settings
    plan = _Plan(hood, deadline)
    buckets: dict[tuple[object, ...], list[Candidate]] = defaultdict(list)
    loose: set[tuple[object, ...]] = set()
    for i in cells:
        key = _bucket(hood.cells[i][0], settings)
        if key is None:
            # Checked pair by pair: a cell alone is a bucket when its members are neighbours.
            key = ("cell", i)
            if hood.pair(i, i) is None:
                loose.add(key)
        buckets[key].extend(hood.cells[i])
    left: list[Candidate] = []
    for key in sorted(buckets, key=str):
        members = buckets[key]
        if deadline.expired() or key in loose:
            left.extend(members)
            continue
        full, rest = _pack_bucket(members, settings)
        for group in full:
            # A full group of ones falls short of the minimum when the maximum is below it.
            if plan.valid(group):
                plan.add(group)
            else:
                left.extend(group)
        if plan.valid(rest):
            plan.add(rest)
        else:
            left.extend(rest)
    left.sort(key=lambda c: c.id)
    left = plan.join(left)
    left = plan.among(left, exact_limit)
    left = plan.split(left)
    left = plan.join(left)
    plan.merge()
    plan.reoptimise(left, exact_limit)
    plan.merge()
    plan.swap()
    return list(plan.groups.values())


# ------------------------------------------------------------------------------ the planner
def plan_joint_groups(
    candidates: Iterable[Candidate],
    *,
    min_full_members: int,
    max_group_size: int,
    max_distance_km: float = 10.0,
    km_per_point: float = 2.0,
    exact_limit: int = EXACT_LIMIT,
    deadline: Deadline | None = None,
) -> JointPlan:
    """The best grouping of ``candidates`` into joint branches (module docstring), within
    ``deadline`` (default: no limit)."""
    if min_full_members < 1 or max_group_size < 2:
        raise ValueError("min_full_members >= 1 and max_group_size >= 2")
    settings = Settings(min_full_members, max_group_size, max_distance_km, km_per_point)
    deadline = deadline or Deadline(None)
    seen: set[str] = set()
    plannable: list[Candidate] = []
    excluded: list[str] = []
    for cand in sorted(candidates, key=lambda c: c.id):
        if cand.id in seen:
            raise ValueError(f"duplicate candidate id {cand.id!r}")
        seen.add(cand.id)
        if 1 <= cand.full_members < min_full_members:
            plannable.append(cand)
        else:
            excluded.append(cand.id)
    hood = Neighbourhood(plannable, settings)
    components = _Components(hood, deadline)
    exact = components.complete
    groups: list[list[Candidate]] = []
    for cells in sorted(components.groups(), key=lambda cs: (sum(len(hood.cells[i]) for i in cs), cs[0])):
        members = [m for i in cells for m in hood.cells[i]]
        if len(members) <= exact_limit and not deadline.expired():
            groups.extend(_solve_exact(members, hood))
        else:
            exact = False
            groups.extend(_heuristic(cells, hood, deadline, exact_limit))
    covered = {m.id for g in groups for m in g}
    uncovered = [c for c in plannable if c.id not in covered]
    reach = _Reach(hood, components)
    reasons = {}
    for cand in uncovered:
        if not components.complete:
            reasons[cand.id] = SEARCH_STOPPED  # not even the neighbourhoods were all known
        elif not reach.has_neighbour(cand):
            reasons[cand.id] = NO_COMPATIBLE_NEIGHBOUR
        elif not reach.can_be_grouped(cand):
            reasons[cand.id] = TOO_FEW_MEMBERS_IN_REACH
        else:
            reasons[cand.id] = SEARCH_STOPPED if deadline.hit else PARTNERS_IN_OTHER_GROUPS
    return JointPlan(
        groups=tuple(sorted((make_group(g, settings, hood) for g in groups), key=lambda g: g.ids)),
        uncovered=tuple(c.id for c in uncovered),
        excluded=tuple(excluded),
        exact=exact and not deadline.hit,
        timed_out=deadline.hit,
        reasons=reasons,
    )


class _Reach:
    """Whether a candidate has a compatible neighbour, and whether some valid group contains it,
    answered from the components and buckets where they tell (a bucket is pairwise compatible),
    else by ``Neighbourhood.best_group``; remembered per cell and number of full members."""

    def __init__(self, hood: Neighbourhood, components: _Components) -> None:
        self.hood = hood
        self.components = components
        self.component_of: dict[int, int] = {}
        for n, cells in enumerate(components.groups()):
            for i in cells:
                self.component_of[i] = n
        self.component_cells = Counter(self.component_of.values())
        # The largest numbers of full members in each bucket, enough to fill one group.
        top: dict[tuple[object, ...], list[int]] = defaultdict(list)
        for i, members in enumerate(hood.cells):
            key = components.bucket_of[i]
            if key is not None:
                top[key].extend(m.full_members for m in members)
        size = hood.settings.max_group_size
        self.top = {key: sorted(fulls, reverse=True)[:size] for key, fulls in top.items()}
        self.known: dict[tuple[int, int], bool] = {}

    def has_neighbour(self, cand: Candidate) -> bool:
        i = self.hood.cell_of[cand.id]
        if self.component_cells[self.component_of[i]] > 1:
            return True  # a connected component of several cells: each has a compatible one
        return len(self.hood.cells[i]) > 1 and self.hood.pair(i, i) is not None

    def can_be_grouped(self, cand: Candidate) -> bool:
        settings = self.hood.settings
        i = self.hood.cell_of[cand.id]
        key = self.components.bucket_of[i]
        if key is not None:
            others = list(self.top[key])
            if cand.full_members in others:
                others.remove(cand.full_members)  # itself, or one just like it
            else:
                others.pop()
            if others and cand.full_members + sum(others[: settings.max_group_size - 1]) >= settings.min_full_members:
                return True
        memo = (i, cand.full_members)
        if memo not in self.known:
            self.known[memo] = self.hood.best_group(cand) is not None
        return self.known[memo]


def lower_bounds(
    plan: JointPlan, candidates: Iterable[Candidate], *, min_full_members: int, max_group_size: int
) -> tuple[int, int]:
    """What no plan can beat: candidates that no valid group contains are left out by every plan;
    a plan covering ``c`` candidates needs at least ``ceil(c / max_group_size)`` groups."""
    settings = Settings(min_full_members, max_group_size)
    plannable = [c for c in candidates if 1 <= c.full_members < min_full_members]
    hood = Neighbourhood(plannable, settings)
    reach = _Reach(hood, _Components(hood, Deadline(None)))
    hopeless = sum(1 for c in plannable if not reach.can_be_grouped(c))
    covered = len(plannable) - len(plan.uncovered)
    return hopeless, math.ceil(covered / max_group_size)


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
    - association branch: the association may host the candidate (``partners.hosts_association``);
      dissimilarity = pair dissimilarity with it (0 for a member)."""
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
                score = sum(area_score(cand, c, settings) or 0 for c in branch.covers)
                reasons = group_reasons([cand, *branch.covers], settings)
            elif branch.kind == ASSOCIATION_BRANCH:
                host = next((c for c in branch.covers if c.id == branch.association), branch.covers[0])
                if not hosts_association(cand, host, settings):
                    continue
                member = host.id in cand.associations
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
    "Deadline",
    "JointGroup",
    "JointPlan",
    "Settings",
    "attach_suggestions",
    "compatible",
    "group_problems",
    "group_reasons",
    "lower_bounds",
    "make_group",
    "pair_dissimilarity",
    "plan_joint_groups",
]
