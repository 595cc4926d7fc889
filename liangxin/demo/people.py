"""Members and party organizations of the demo county: how many full and probationary members
each organization has, which party organizations cover which organizations (and which fell apart),
and the people themselves, so that every organization's roster equals its census figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from stdnum.cn import ric

from liangxin.registry.choices import (
    Category,
    FormationMethod,
    MemberStatus,
    OperatingStatus,
    OrganizationType,
    OwnerAttitude,
    PartyOrganizationKind,
)

from .county import AS_OF, ECONOMIC_MEMBERS, SOCIAL_MEMBERS
from .organizations import OrganizationPlanner
from .plan import PlannedMember, PlannedOrganization, PlannedPartyOrganization
from .words import COMPANY_POSITIONS, DISSOLUTION_REASONS, EDUCATION_ECONOMIC, EDUCATION_SOCIAL, POSITIONS


class MemberPlanner:
    """Decides how many members each organization has and which party organizations exist,
    then draws the people. Counts are fixed organization by organization, so that the roster
    equals the facts."""

    def __init__(self, planner: OrganizationPlanner) -> None:
        self.p = planner
        self.rng = planner.rng
        self.orgs = planner.plan.organizations

    def indexes(self, category: str) -> list[int]:
        return [i for i, o in enumerate(self.orgs) if o.category == category]

    def set_counts(self, i: int, full: int, probationary: int, role: str) -> None:
        org = self.orgs[i]
        full = min(full, org.employees)
        org.full_members = full
        org.probationary_members = min(probationary, org.employees - full)
        org.role = role

    def party_org(
        self,
        name: str,
        kind: str,
        method: str,
        organizations: list[int],
        category: str,
        founded: tuple[int, int] = (2009, 2024),
    ) -> PlannedPartyOrganization:
        rng = self.rng
        founded_on = dt.date(rng.randint(*founded), rng.randint(1, 12), rng.randint(1, 28))
        party_org = PlannedPartyOrganization(
            name=name,
            kind=kind,
            formation_method=method,
            township=self.orgs[organizations[0]].township,
            founded_on=min(founded_on, AS_OF - dt.timedelta(days=60)),
            organizations=organizations,
            category=category,
        )
        self.p.plan.party_organizations.append(party_org)
        return party_org

    def free(self, candidates: list[int]) -> list[int]:
        return [
            i
            for i in candidates
            if not self.orgs[i].role and self.orgs[i].operating_status != OperatingStatus.DEREGISTERED
        ]

    def independent(self, i: int, full: tuple[int, int], probationary: tuple[int, int], category: str) -> None:
        rng = self.rng
        self.set_counts(i, rng.randint(*full), rng.randint(*probationary), "covered")
        org = self.orgs[i]
        org.operating_status = OperatingStatus.OPERATING
        roll = rng.random()
        method = (
            FormationMethod.INDEPENDENT
            if roll < 0.75
            else FormationMethod.TERRITORIAL
            if roll < 0.9
            else FormationMethod.HOST_BASED
        )
        self.party_org(f"{org.name}党支部", PartyOrganizationKind.BRANCH, method, [i], category)

    def joint(self, members: list[int], name: str, category: str) -> None:
        rng = self.rng
        for i in members:
            self.set_counts(i, rng.choice([1, 1, 2]), rng.choice([0, 0, 0, 1]), "joint")
            self.orgs[i].operating_status = OperatingStatus.OPERATING
        # A joint branch needs three full members in all, though none of its organizations has.
        for i in members:
            if sum(self.orgs[j].full_members for j in members) >= 3:
                break
            org = self.orgs[i]
            if org.full_members < 2 and org.employees >= 2:
                org.full_members = 2
                org.probationary_members = min(org.probationary_members, org.employees - 2)
        if sum(self.orgs[j].full_members for j in members) < 3:
            raise ValueError("joint branch without three full members")
        self.party_org(name, PartyOrganizationKind.JOINT_BRANCH, FormationMethod.JOINT, members, category, (2014, 2024))

    def dissolved(self, i: int, full: int, reason: str, category: str) -> None:
        self.set_counts(i, full, 0, "dissolved")
        party_org = self.party_org(
            f"{self.orgs[i].name}党支部",
            PartyOrganizationKind.BRANCH,
            FormationMethod.INDEPENDENT,
            [i],
            category,
            (2010, 2015),
        )
        rng = self.rng
        party_org.dissolved_on = dt.date(rng.randint(2017, 2024), rng.randint(1, 12), rng.randint(1, 28))
        party_org.dissolution_reason = reason

    def register(self, i: int) -> None:
        """≥3 full members and no party organization: work for the census to find."""
        self.set_counts(i, self.rng.randint(3, 5), self.rng.choice([0, 0, 1]), "register")
        self.orgs[i].operating_status = OperatingStatus.OPERATING

    def scatter(self, category: str, target: int) -> None:
        """One or two members each in organizations without a party organization, the bigger
        the organization the likelier, until the category's total is reached."""
        rng = self.rng
        indexes = self.indexes(category)
        have = sum(self.orgs[i].members for i in indexes)
        remaining = target - have
        if remaining < 0:
            raise ValueError("fixed member counts exceed the target")
        pool = [
            i
            for i in self.free(indexes)
            if self.orgs[i].operating_status in (OperatingStatus.OPERATING, OperatingStatus.SUSPENDED)
        ]
        while remaining > 0:
            if not pool:
                raise ValueError("no organization left for the remaining members")
            i = rng.choices(pool, weights=[min(self.orgs[j].employees, 60) ** 0.7 for j in pool])[0]
            pool.remove(i)
            org = self.orgs[i]
            count = min(remaining, org.employees, rng.choice([1, 1, 1, 2, 2]))
            probationary = sum(1 for _ in range(count) if rng.random() < 0.1)
            self.set_counts(i, count - probationary, probationary, "scattered")
            remaining -= count

    def trim(self, category: str, target: int, reserve: int) -> None:
        """Keep ``reserve`` members for the organizations without a party organization: take
        them, if needed, from the biggest covered rosters (never below three full members)."""
        indexes = [i for i in self.indexes(category) if self.orgs[i].role == "covered"]
        while sum(o.members for o in self.orgs if o.category == category) > target - reserve:
            biggest = max(indexes, key=lambda i: (self.orgs[i].full_members, -i))
            if self.orgs[biggest].full_members <= 3:
                raise ValueError("cannot trim the covered rosters")
            self.orgs[biggest].full_members -= 1

    def economic(self) -> None:
        rng = self.rng
        econ = self.indexes(Category.ECONOMIC)
        by_tier: dict[str, list[int]] = {}
        for i in econ:
            by_tier.setdefault(self.orgs[i].tier, []).append(i)
        # The biggest employer has a general branch (党总支): close to fifty members.
        first = econ[0]
        self.set_counts(first, rng.randint(40, 45), rng.randint(2, 4), "covered")
        self.orgs[first].operating_status = OperatingStatus.OPERATING
        self.party_org(
            f"{self.orgs[first].name}党总支",
            PartyOrganizationKind.GENERAL_BRANCH,
            FormationMethod.INDEPENDENT,
            [first],
            Category.ECONOMIC,
            (2009, 2012),
        )
        # The speech's "formed and fallen apart" cases, before anything else takes the orgs.
        mines = [i for i in self.free(by_tier["S"] + by_tier["M"]) if self.orgs[i].name.endswith("煤矿")]
        mine = mines[0] if mines else self.free(by_tier["S"])[0]
        self.dissolved(mine, 2, DISSOLUTION_REASONS[0], Category.ECONOMIC)
        self.orgs[mine].operating_status = OperatingStatus.SUSPENDED
        self.dissolved(rng.choice(self.free(by_tier["S"])), 1, DISSOLUTION_REASONS[1], Category.ECONOMIC)

        large = self.free(by_tier["L"])
        for i in large[:11]:
            self.independent(i, (6, 20), (0, 2), Category.ECONOMIC)
        for i in rng.sample(self.free(by_tier["M"]), 16):
            self.independent(i, (3, 10), (0, 1), Category.ECONOMIC)
        for i in rng.sample(self.free(by_tier["S"] + by_tier["C"]), 5):
            self.independent(i, (3, 5), (0, 1), Category.ECONOMIC)

        # Four joint branches of neighbouring small organizations of a similar trade.
        joint_specs = [
            ("C", "农民专业合作社联合党支部"),
            ("I", "个体工商户联合党支部"),
            ("S", "非公企业联合党支部"),
            ("C", "养蜂专业合作社联合党支部"),
        ]
        used: set[tuple[str, str]] = set()
        for tier, suffix in joint_specs:
            for attempt in range(100):
                township = self.p.township()
                if (township, suffix) in used:
                    continue
                candidates = [i for i in self.free(by_tier[tier]) if self.orgs[i].township == township]
                if suffix.startswith("养蜂") and attempt < 50:
                    candidates = [i for i in candidates if "养蜂" in self.orgs[i].name]
                if len(candidates) >= 2:
                    break
            else:
                raise ValueError("no township for a joint branch")
            used.add((township, suffix))
            chosen = rng.sample(candidates, min(len(candidates), rng.randint(2, 5)))
            name = f"罗平县{self.p.township_name[township]}{suffix}"
            self.joint(chosen, name, Category.ECONOMIC)

        for i in rng.sample(self.free(by_tier["M"] + by_tier["S"]), 6):
            self.register(i)
        self.trim(Category.ECONOMIC, ECONOMIC_MEMBERS, reserve=80)
        self.scatter(Category.ECONOMIC, ECONOMIC_MEMBERS)

    def social(self) -> None:
        rng = self.rng
        social = self.indexes(Category.SOCIAL)
        bee, sand, school, hospital = social[:4]
        self.independent(bee, (4, 6), (0, 1), Category.SOCIAL)
        self.independent(sand, (3, 5), (0, 1), Category.SOCIAL)
        self.independent(school, (26, 34), (1, 3), Category.SOCIAL)
        self.independent(hospital, (16, 22), (1, 2), Category.SOCIAL)
        law = [i for i in social if self.orgs[i].org_type == OrganizationType.LAW_FIRM]
        self.joint(law[:3], "罗平县律师行业联合党支部", Category.SOCIAL)
        chambers = [i for i in social if self.orgs[i].org_type == OrganizationType.CHAMBER_OF_COMMERCE]
        self.dissolved(chambers[0], 1, DISSOLUTION_REASONS[2], Category.SOCIAL)
        bigger = [i for i in self.free(social) if self.orgs[i].employees >= 8]
        for i in rng.sample(bigger, 4):
            self.register(i)
        self.trim(Category.SOCIAL, SOCIAL_MEMBERS, reserve=40)
        self.scatter(Category.SOCIAL, SOCIAL_MEMBERS)

    # -- facts that follow from the counts --

    def finish_facts(self) -> None:
        rng = self.rng
        covered = {i for po in self.p.plan.party_organizations if po.dissolved_on is None for i in po.organizations}
        for i, org in enumerate(self.orgs):
            if org.operating_status == OperatingStatus.DEREGISTERED:
                continue
            if i in covered:
                org.owner_attitude = OwnerAttitude.SUPPORTIVE if rng.random() < 0.9 else OwnerAttitude.NEUTRAL
                org.secretary_candidate_available = True
            else:
                org.owner_attitude = rng.choices(
                    [OwnerAttitude.SUPPORTIVE, OwnerAttitude.NEUTRAL, OwnerAttitude.UNSUPPORTIVE, ""],
                    weights=[45, 38, 11, 6],
                )[0]
                if org.role == "register":
                    org.secretary_candidate_available = rng.random() < 0.6
                elif org.members:
                    org.secretary_candidate_available = rng.random() < 0.2
            if org.members:
                org.owner_is_member = rng.random() < 0.25
            elif rng.random() < 0.7:
                org.owner_is_member = False
            wage = (2.4, 4.0) if org.tier == "I" else (3.0, 7.5)
            org.payroll = Decimal(str(round(org.employees * rng.uniform(*wage), 2)))
            org.has_union = rng.random() < (0.75 if org.employees >= 25 else 0.08)
            org.has_youth_league = rng.random() < (0.4 if org.employees >= 50 else 0.03)
            org.has_womens_federation = rng.random() < (0.35 if org.employees >= 50 else 0.03)

    # -- people --

    def id_number(self, birth: dt.date, sex: str) -> str:
        # 罗平县 was 532226 until 1997 and 530324 since; the number carries the code of the
        # birth year, which python-stdnum checks.
        region = "530324" if birth.year >= 1997 else "532226"
        while True:
            sequence = self.rng.randrange(0, 1000)
            if (sequence % 2 == 1) != (sex == "M"):
                sequence = (sequence + 1) % 1000
            body = f"{region}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.p.id_numbers:
                self.p.id_numbers.add(number)
                return number

    def person(self, org: PlannedOrganization, status: str) -> tuple[str, str, dt.date, dt.date, dt.date | None]:
        rng = self.rng
        male_share = 0.5 if org.category == Category.SOCIAL else 0.68
        name, sex = self.p.person("M" if rng.random() < male_share else "F")
        if status == MemberStatus.PROBATIONARY:
            birth = dt.date(rng.randint(1984, 2000), rng.randint(1, 12), rng.randint(1, 28))
            admitted = AS_OF - dt.timedelta(days=rng.randint(30, 330))
            return name, sex, birth, admitted, None
        birth = dt.date(rng.randint(1960, 1998), rng.randint(1, 12), rng.randint(1, 28))
        earliest = max(dt.date(birth.year + 19, birth.month, birth.day), dt.date(1982, 1, 1))
        latest = AS_OF - dt.timedelta(days=420)
        admitted = earliest + dt.timedelta(days=rng.randint(0, max(0, (latest - earliest).days)))
        full_on = admitted + dt.timedelta(days=365 + rng.randint(0, 20))
        return name, sex, birth, admitted, full_on

    def members(self) -> None:
        rng = self.rng
        plan = self.p.plan
        relation_of: dict[int, int] = {}
        joint_by_township: dict[str, list[int]] = {}
        for k, po in enumerate(plan.party_organizations):
            if po.dissolved_on is not None:
                continue
            for i in po.organizations:
                relation_of[i] = k
            if po.kind == PartyOrganizationKind.JOINT_BRANCH:
                joint_by_township.setdefault(po.township, []).append(k)
        secretaries: dict[int, tuple[dt.date, int]] = {}
        for i, org in enumerate(self.orgs):
            positions = POSITIONS.get(org.org_type, COMPANY_POSITIONS)
            education = EDUCATION_SOCIAL if org.category == Category.SOCIAL else EDUCATION_ECONOMIC
            statuses = [MemberStatus.FULL] * org.full_members + [MemberStatus.PROBATIONARY] * org.probationary_members
            for status in statuses:
                name, sex, birth, admitted, full_on = self.person(org, status)
                relation = relation_of.get(i)
                if relation is None and org.township in joint_by_township and rng.random() < 0.35:
                    # Relations of members whose employer cannot form a party organization are
                    # held by the township's joint branch.
                    relation = rng.choice(joint_by_township[org.township])
                if relation is not None and relation == relation_of.get(i):
                    # When they were hired: the history (history.py) decides whether they joined
                    # the party organization then, or when it was formed.
                    hired = dt.date(rng.randint(2008, 2024), rng.randint(1, 12), rng.randint(1, 28))
                    since = max(admitted, hired)
                elif relation is not None:
                    since = max(plan.party_organizations[relation].founded_on, admitted)
                else:
                    since = max(admitted, dt.date(rng.randint(2010, 2025), rng.randint(1, 12), rng.randint(1, 28)))
                since = min(since, AS_OF)
                plan.members.append(
                    PlannedMember(
                        name=name,
                        id_number=self.id_number(birth, sex),
                        status=status,
                        admitted_on=admitted,
                        full_membership_on=full_on,
                        position=rng.choice(positions),
                        education=rng.choices([e for e, _w in education], weights=[w for _e, w in education])[0],
                        phone=self.p.phone(),
                        employer=i,
                        relation=relation,
                        since=since,
                    )
                )
                # The secretary: the longest-standing full member employed where the party
                # organization is (for a joint branch, in any of its organizations).
                if status == MemberStatus.FULL and relation_of.get(i) is not None:
                    k = relation_of[i]
                    m = len(plan.members) - 1
                    if k not in secretaries or admitted < secretaries[k][0]:
                        secretaries[k] = (admitted, m)
        for _admitted, m in secretaries.values():
            plan.members[m] = replace(plan.members[m], is_secretary=True)
