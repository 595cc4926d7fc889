"""Who may form a joint party organization with whom (联合组建), and with whom first. Pure Python.

One home for the rule. The formation-rules engine (``engine.py``: the register's recommendation)
and the joint-branch planner (``liangxin/formation/joint.py``) both read it, so the register never
offers no joint route to an organization the planner groups, nor a partner the planner would refuse.
The principle (业务相近、地域相邻; 1–2 full members; three together; at most five organizations) and
the reading of it used here are written down in ``docs/joint-formation.md``.

Candidates (:func:`candidate_problem`)
--------------------------------------
An organization is a candidate for a joint party organization on a date when it is not
deregistered, not covered by a party organization, operating (停产 and 歇业 are not), and has at
least one and fewer than ``min_full_members`` full members (正式党员, the census figure on that date).
Organizations without full members are not candidates: they are not used to pad groups (a clerk may
still add one to a group explicitly, with a reason; that is the formation app's business).

Compatible pairs (:func:`compatible`)
-------------------------------------
*Similar business* (:func:`business_score`): both belong to a common industry association, or:
the categories (新经济组织/新社会组织) agree when both are known, and then

- two social organizations are compared by their type: the same type (民办学校 and 民办学校) or the same
  family of types (行业协会 and 商会; 律师事务所, 会计师事务所 and other intermediaries) are similar; their
  industry code is not read (social organizations mostly carry the one section S95);
- otherwise by the GB/T 4754 industry code: the same section letter is similar.

An unknown type, code or category is no objection.

*Neighbouring area* (:func:`area_score`): with coordinates on both, at most ``max_distance_km``
apart; otherwise the same township.

Dissimilarity (:func:`pair_dissimilarity`), used to choose among compatible partners
------------------------------------------------------------------------------------
``AREA_WEIGHT × area + business`` with business 0 (same association, same industry division "C13",
same social type) or 1 (same section or family, or unknown), and area 0 (same village/community),
1 (same township), or with coordinates ``floor(km / km_per_point)`` capped at 3. The area weighs
more than any business difference: the same village comes before the same township.

Partners (:class:`Neighbourhood`)
---------------------------------
A valid group: 2 to ``max_group_size`` candidates, pairwise compatible, whose full members reach
``min_full_members``. :meth:`Neighbourhood.best_group` finds, for one candidate, the valid group
containing it of least dissimilarity (then fewest organizations), or says none exists.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Final, NamedTuple

# Copies of ``liangxin.registry.choices`` values (that module imports Django);
# ``policy/tests/test_partners.py`` asserts they are equal so the two cannot drift apart.
DEREGISTERED: Final = "deregistered"
NOT_OPERATING: Final = frozenset({"suspended", "closed"})
ECONOMIC: Final = "economic"
SOCIAL: Final = "social"
ECONOMIC_TYPES: Final = frozenset(
    {
        "individual_business",
        "private_enterprise",
        "limited_company",
        "joint_stock_company",
        "foreign_invested",
        "farmers_cooperative",
    }
)
# Social organization types and the family each belongs to (types of one family are similar).
SOCIAL_TYPE_FAMILIES: Final[Mapping[str, str]] = {
    "industry_association": "association",
    "chamber_of_commerce": "association",
    "social_group": "social_group",
    "private_non_enterprise": "private_non_enterprise",
    "private_school": "school",
    "private_hospital": "hospital",
    "law_firm": "intermediary",
    "accounting_firm": "intermediary",
    "other_intermediary": "intermediary",
}

# Why an organization is not a candidate (labels in ``formation.choices``).
NOT_CANDIDATE_DEREGISTERED: Final = "deregistered"
NOT_CANDIDATE_COVERED: Final = "covered"
NOT_CANDIDATE_REACHES_MINIMUM: Final = "reaches_minimum"
NOT_CANDIDATE_NOT_OPERATING: Final = "not_operating"
NOT_CANDIDATE_NO_FULL_MEMBERS: Final = "no_full_members"

AREA_WEIGHT: Final = 2
AREA_CAP: Final = 3
# Bounds the search for one candidate's partners (nodes of the depth-first search); far above what
# a township needs (the search stops at the first group it cannot improve on), it only keeps a
# pathological neighbourhood from running unbounded.
SEARCH_LIMIT: Final = 200_000


def candidate_problem(*, operating_status: str, full_members: int, covered: bool, min_full_members: int) -> str | None:
    """Why an organization is not a candidate for a joint party organization; None if it is."""
    if operating_status == DEREGISTERED:
        return NOT_CANDIDATE_DEREGISTERED
    if covered:
        return NOT_CANDIDATE_COVERED
    if full_members >= min_full_members:
        return NOT_CANDIDATE_REACHES_MINIMUM
    if operating_status in NOT_OPERATING:
        return NOT_CANDIDATE_NOT_OPERATING
    if full_members < 1:
        return NOT_CANDIDATE_NO_FULL_MEMBERS
    return None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One organization as the partner rule sees it. Codes as in ``registry.choices``; "" = unknown."""

    id: str
    full_members: int
    industry_code: str = ""
    category: str = ""
    org_type: str = ""
    township: str = ""
    village: str = ""
    latitude: float | None = None
    longitude: float | None = None
    associations: tuple[str, ...] = ()  # ids of the industry associations it belongs to
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


# ------------------------------------------------------------------------------ pair measures
class Profile(NamedTuple):
    """Everything the pair measures read of a candidate, normalised once: two candidates with one
    profile are interchangeable partners for everybody (only their ids and members differ)."""

    category: str  # given, or from the type; "" unknown
    social_type: str  # the type of a social organization ("" for others)
    industry: str  # upper case; the division ("C13") when given, else what is given
    township: str
    village: str
    associations: frozenset[str]
    latitude: float | None
    longitude: float | None


def profile(c: Candidate) -> Profile:
    category = c.category
    if not category:
        category = SOCIAL if c.org_type in SOCIAL_TYPE_FAMILIES else ECONOMIC if c.org_type in ECONOMIC_TYPES else ""
    industry = c.industry_code.strip().upper()
    return Profile(
        category=category,
        social_type=c.org_type if category == SOCIAL else "",
        industry=industry[:3] if len(industry) >= 3 else industry,
        township=c.township,
        village=c.village,
        associations=frozenset(c.associations),
        latitude=c.latitude if c.has_coordinates else None,
        longitude=c.longitude if c.has_coordinates else None,
    )


def _business(p: Profile, q: Profile) -> int | None:
    if p.associations and not p.associations.isdisjoint(q.associations):
        return 0
    if p.category and q.category and p.category != q.category:
        return None
    if p.category == SOCIAL and q.category == SOCIAL:
        if not p.social_type or not q.social_type:
            return 1
        if p.social_type == q.social_type:
            return 0
        family = SOCIAL_TYPE_FAMILIES.get(p.social_type)
        return 1 if family is not None and family == SOCIAL_TYPE_FAMILIES.get(q.social_type) else None
    if not p.industry or not q.industry:
        return 1
    if p.industry[0] != q.industry[0]:
        return None
    return 0 if p.industry == q.industry else 1


def _distance(p: Profile, q: Profile) -> float:
    assert p.latitude is not None and p.longitude is not None
    assert q.latitude is not None and q.longitude is not None
    lat1, lon1, lat2, lon2 = map(math.radians, (p.latitude, p.longitude, q.latitude, q.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _area(p: Profile, q: Profile, settings: Settings) -> int | None:
    if p.latitude is not None and q.latitude is not None:
        km = _distance(p, q)
        return None if km > settings.max_distance_km else min(AREA_CAP, math.floor(km / settings.km_per_point))
    if not p.township or p.township != q.township:
        return None
    return 0 if p.village and p.village == q.village else 1


def _dissimilarity(p: Profile, q: Profile, settings: Settings) -> int | None:
    """``AREA_WEIGHT × area + business``, or None when the pair is not compatible."""
    business = _business(p, q)
    if business is None:
        return None
    area = _area(p, q, settings)
    return None if area is None else AREA_WEIGHT * area + business


def same_association(a: Candidate, b: Candidate) -> bool:
    return bool(a.associations) and not set(a.associations).isdisjoint(b.associations)


def business_score(a: Candidate, b: Candidate) -> int | None:
    """0 the same trade, 1 similar (or unknown), None not similar."""
    return _business(profile(a), profile(b))


def distance_km(a: Candidate, b: Candidate) -> float:
    """Great-circle distance (haversine, mean Earth radius); both must have coordinates."""
    return _distance(profile(a), profile(b))


def area_score(a: Candidate, b: Candidate, settings: Settings) -> int | None:
    """0 the same village (or within ``km_per_point``), more the farther, None not neighbouring."""
    return _area(profile(a), profile(b), settings)


def business_compatible(a: Candidate, b: Candidate) -> bool:
    return business_score(a, b) is not None


def area_compatible(a: Candidate, b: Candidate, settings: Settings) -> bool:
    return area_score(a, b, settings) is not None


def compatible(a: Candidate, b: Candidate, settings: Settings) -> bool:
    """Similar business and neighbouring area: the two may sit in one joint party organization."""
    return business_score(a, b) is not None and area_score(a, b, settings) is not None


def pair_dissimilarity(a: Candidate, b: Candidate, settings: Settings) -> int:
    """How far apart two organizations are (for compatible pairs; an incompatible pair gets the
    largest scores, so that an edited group that breaks the rule still shows a figure)."""
    business = business_score(a, b)
    area = area_score(a, b, settings)
    return AREA_WEIGHT * (AREA_CAP if area is None else area) + (1 if business is None else business)


def hosts_association(candidate: Candidate, host: Candidate, settings: Settings) -> bool:
    """The industry association or chamber of commerce ``host`` may host ``candidate``'s members
    (依托行业协会组建): it is a member of it, or it is of the same industry section and neighbouring."""
    if host.id in candidate.associations:
        return True
    ic, ih = profile(candidate).industry, profile(host).industry
    return bool(ic) and bool(ih) and ic[0] == ih[0] and area_compatible(candidate, host, settings)


# ---------------------------------------------------------------------------------- groups
TOO_FEW_ORGANIZATIONS: Final = "too_few_organizations"
TOO_MANY_ORGANIZATIONS: Final = "too_many_organizations"
TOO_FEW_FULL_MEMBERS: Final = "too_few_full_members"
MEMBER_REACHES_MINIMUM_ALONE: Final = "member_reaches_minimum_alone"
BUSINESS_NOT_SIMILAR: Final = "business_not_similar"
AREA_NOT_NEIGHBOURING: Final = "area_not_neighbouring"


def group_problems(members: Sequence[Candidate], settings: Settings, *, added: int = 0) -> list[str]:
    """Why ``members`` are not a valid group (codes; empty when valid). ``added`` organizations
    without members, added by a clerk with a reason, count towards the most one party organization
    covers and nothing else."""
    problems = []
    if len(members) < 2:
        problems.append(TOO_FEW_ORGANIZATIONS)
    if len(members) + added > settings.max_group_size:
        problems.append(TOO_MANY_ORGANIZATIONS)
    if sum(m.full_members for m in members) < settings.min_full_members:
        problems.append(TOO_FEW_FULL_MEMBERS)
    if any(m.full_members >= settings.min_full_members for m in members):
        problems.append(MEMBER_REACHES_MINIMUM_ALONE)
    if any(not business_compatible(a, b) for a, b in combinations(members, 2)):
        problems.append(BUSINESS_NOT_SIMILAR)
    if any(not area_compatible(a, b, settings) for a, b in combinations(members, 2)):
        problems.append(AREA_NOT_NEIGHBOURING)
    return problems


def group_dissimilarity(members: Sequence[Candidate], settings: Settings) -> int:
    return sum(pair_dissimilarity(a, b, settings) for a, b in combinations(members, 2))


# ------------------------------------------------------------------------------- the index
class Neighbourhood:
    """Candidates indexed by :func:`profile` into *cells* of interchangeable organizations, so that
    the pair measures run once per pair of cells, not per pair of organizations: a township of
    thousands of candidates has a few hundred cells (villages × trades)."""

    def __init__(self, candidates: Iterable[Candidate], settings: Settings) -> None:
        self.settings = settings
        by_profile: dict[Profile, list[Candidate]] = {}
        for cand in candidates:
            by_profile.setdefault(profile(cand), []).append(cand)
        # Cells in a fixed order (their lowest id); members most full members first, then by id.
        order = sorted(by_profile, key=lambda p: min(m.id for m in by_profile[p]))
        self.profiles: list[Profile] = order
        self.cells: list[list[Candidate]] = [
            sorted(by_profile[p], key=lambda m: (-m.full_members, m.id)) for p in order
        ]
        self.cell_of: dict[str, int] = {m.id: i for i, ms in enumerate(self.cells) for m in ms}
        self.by_id: dict[str, Candidate] = {m.id: m for ms in self.cells for m in ms}
        self._pairs: dict[tuple[int, int], int | None] = {}
        self._ranked: dict[int, list[tuple[int, int]]] = {}

    def pair(self, i: int, j: int) -> int | None:
        """Dissimilarity of any member of cell ``i`` with any (other) member of cell ``j``; None
        when they are not compatible."""
        key = (i, j) if i <= j else (j, i)
        try:
            return self._pairs[key]
        except KeyError:
            found = self._pairs[key] = _dissimilarity(self.profiles[i], self.profiles[j], self.settings)
            return found

    def ranked(self, i: int) -> list[tuple[int, int]]:
        """The cells compatible with cell ``i`` (itself included when its members are compatible
        with each other), as ``(dissimilarity, cell)``, least dissimilar first."""
        if i not in self._ranked:
            found = [(d, j) for j in range(len(self.cells)) if (d := self.pair(i, j)) is not None]
            self._ranked[i] = sorted(found)
        return self._ranked[i]

    def best_group(self, cand: Candidate) -> tuple[Candidate, ...] | None:
        """The partners of the least dissimilar valid group containing ``cand`` (then the fewest
        organizations; ties in the index's order), closest first; None when no valid group
        contains it.

        Exact: a least dissimilar group has no member it could do without (a member less never
        adds dissimilarity), so only such minimal groups are searched, smallest first, each by a
        depth-first search over partners in order of their dissimilarity to ``cand``, cut off
        as soon as it cannot beat the best group found."""
        settings = self.settings
        need = settings.min_full_members - cand.full_members
        if need <= 0 or cand.full_members < 1:
            return None
        home = self.cell_of[cand.id]

        def usable(m: Candidate) -> bool:
            return m.id != cand.id and m.full_members >= 1

        # Fast path: partners of its own cell at no dissimilarity, as few as any group could have.
        fewest = -(-need // (settings.min_full_members - 1))
        if self.pair(home, home) == 0 and fewest < settings.max_group_size:
            own = [m for m in self.cells[home] if usable(m)][:fewest]
            if len(own) == fewest and sum(m.full_members for m in own) >= need:
                return tuple(own)

        # Slots: (dissimilarity to cand, cell, member), least dissimilar first, produced as the
        # search asks for them; a cell gives at most ``need`` members, enough for any minimal
        # group since each has at least one full member.
        def produce() -> Iterator[tuple[int, int, Candidate]]:
            for d, j in self.ranked(home):
                yield from ((d, j, m) for m in [m for m in self.cells[j] if usable(m)][:need])

        source = produce()
        slots: list[tuple[int, int, Candidate]] = []

        def slot(k: int) -> tuple[int, int, Candidate] | None:
            while len(slots) <= k:
                nxt = next(source, None)
                if nxt is None:
                    return None
                slots.append(nxt)
            return slots[k]

        best: tuple[int, list[tuple[int, int, Candidate]]] | None = None
        nodes = 0

        def search(size: int, start: int, chosen: list[tuple[int, int, Candidate]], full: int, cost: int) -> None:
            nonlocal best, nodes
            k = start - 1
            while (current := slot(k := k + 1)) is not None:
                nodes += 1
                if nodes > SEARCH_LIMIT:
                    return
                d, j, m = current
                still = size - len(chosen)  # members still to add, this one included
                # Every later slot is at least as dissimilar to cand: a lower bound for the rest.
                if best is not None and cost + d * still >= best[0]:
                    return
                if any(self.pair(j, cj) is None for _cd, cj, _cm in chosen):
                    continue
                added = cost + d + sum(self.pair(j, cj) or 0 for _cd, cj, _cm in chosen)
                total = full + m.full_members
                if still == 1:
                    if total >= need and (best is None or added < best[0]):
                        best = (added, [*chosen, current])
                    continue
                if total >= need:
                    continue  # not minimal: the smaller size found it
                search(size, k + 1, [*chosen, current], total, added)

        for size in range(1, settings.max_group_size):
            search(size, 0, [], 0, 0)
            if nodes > SEARCH_LIMIT:
                break
        if best is None:
            return None
        return tuple(m for _d, _j, m in best[1])


__all__ = [
    "Candidate",
    "Neighbourhood",
    "Settings",
    "area_compatible",
    "area_score",
    "business_compatible",
    "business_score",
    "candidate_problem",
    "compatible",
    "group_dissimilarity",
    "group_problems",
    "hosts_association",
    "pair_dissimilarity",
    "profile",
    "same_association",
]
