"""The demo county's history, drawn without touching the database (``docs/demo-county.md``).

The organizations, party organizations and members of the latest census are drawn first
(``organizations.py``, ``people.py``); this module draws how the county got there, backwards from
that state: which organizations were registered during the years and which were deregistered,
when the members were hired, which party organizations were formed by a formation plan or by the
joint planner, the census figures on every census date, the campaigns that collected them, the
formation plans and verifications, and the yearly five-goods ratings. ``load.py`` then writes it
day by day through the services.

Census figures on a date follow from the roster on that date (who was hired and admitted by
then, and whether they were full members yet), so the register's figures and its members agree on
every census date, not only on the last one.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace
from decimal import Decimal

from liangxin.formation.choices import NotReadyReason, VerificationMethod, VerificationResult
from liangxin.registry.choices import (
    FormationMethod,
    MemberStatus,
    OperatingStatus,
    OwnerAttitude,
    PartyOrganizationKind,
)
from liangxin.registry.services import FactsData

from .county import AS_OF, BASELINE, CENSUS_DATES
from .organizations import OrganizationPlanner
from .plan import DemoPlan, PlannedMember, PlannedPartyOrganization

# Organizations that closed down (注销) during the demo's years, on top of the latest census's.
GONE_PER_YEAR = 6
# The share of small organizations that were registered after the baseline.
NEW_SHARE = 0.14
# The day next year's census campaign was opened (it is still running: nothing of it is in the
# register yet).
RUNNING_OPENED = dt.date(AS_OF.year, 11, 20)
# Party organizations formed since the latest census (on top of the published figures).
FORMED_SINCE_LATEST_CENSUS = 2
# The latest day a party organization of the history is formed before the last census.
LAST_FORMATION = dt.date(AS_OF.year - 1, 10, 31)
# Five-goods ratings: each year on 20 December, a rising share (the 2011 target is 80%).
RATED_BY = "县两新组织党工委"
FIRST_RATED_YEAR = BASELINE.year
# The chance that an organization's figures changed from one census to the next, by size.
_CHANGES = {"L": 0.6, "M": 0.4, "S": 0.07, "X": 0.07, "C": 0.04, "I": 0.03}
_WORSE_ATTITUDE: dict[str, str] = {
    OwnerAttitude.SUPPORTIVE: OwnerAttitude.NEUTRAL,
    OwnerAttitude.NEUTRAL: OwnerAttitude.UNSUPPORTIVE,
}


@dataclass(frozen=True)
class TownshipReport:
    township: str
    reported_on: dt.date  # its spreadsheet staged (and submitted, unless ``submitted`` is False)
    approved_on: dt.date | None  # None: not yet (the running campaign)
    returned_on: dt.date | None = None  # returned by the county (a reason given) …
    reported_again_on: dt.date | None = None  # … and reported again
    submitted: bool = True


@dataclass(frozen=True)
class DepartmentReport:
    """A supervising department confirms a few rows of the organizations it supervises (one
    department a year comments on one instead), reports, and the county approves."""

    department: str
    confirmed_on: dt.date
    approved_on: dt.date
    comments: bool = False


@dataclass(frozen=True)
class PlannedCampaign:
    year: int
    as_of: dt.date
    opened_on: dt.date
    survey_deadline: dt.date
    plan_deadline: dt.date
    closed_on: dt.date | None  # None: still running
    reports: tuple[TownshipReport, ...]
    departments: tuple[DepartmentReport, ...] = ()
    # The running campaign's townships start from the register (``prefill_submission``) rather
    # than a spreadsheet of their own.
    prefilled: bool = False


@dataclass(frozen=True)
class PlannedFormationPlan:
    """A formation plan and what happened to it: ``steps`` are (day, action, reason) with the
    actions of ``formation.services`` (start, suspend, resume, form); a plan of an organization
    deregistered later is closed by that census, a joint one by the joint planner."""

    organization: int
    created_on: dt.date
    ready: bool
    method: str = ""
    target_kind: str = ""
    planned_date: dt.date | None = None
    reason: str = ""
    countermeasure: str = ""
    steps: tuple[tuple[dt.date, str, str], ...] = ()
    party_organization: int | None = None  # what ``form`` creates


@dataclass(frozen=True)
class PlannedVerification:
    organization: int
    on: dt.date
    method: str
    result: str
    note: str = ""


@dataclass(frozen=True)
class PlannedRating:
    year: int
    party_organization: int
    five_goods: bool


@dataclass
class History:
    """Everything ``load.py`` writes after the baseline: the census figures on every census date
    (organization index → figures; an organization appears from its first census to the one that
    reports it deregistered), and the events."""

    figures: dict[dt.date, dict[int, FactsData]] = field(default_factory=dict)
    campaigns: list[PlannedCampaign] = field(default_factory=list)
    plans: list[PlannedFormationPlan] = field(default_factory=list)
    verifications: list[PlannedVerification] = field(default_factory=list)
    ratings: list[PlannedRating] = field(default_factory=list)
    formed: dict[int, str] = field(default_factory=dict)  # party organization → "plan" or "joint"


def census_date_of(day: dt.date) -> dt.date:
    """The latest census date on or before ``day`` (the figures the register holds then)."""
    return max(d for d in CENSUS_DATES if d <= day)


def roster_counts(members: list[PlannedMember], on: dt.date) -> dict[int, tuple[int, int]]:
    """(full, probationary) members employed in each organization on ``on``."""
    counts: dict[int, tuple[int, int]] = {}
    for m in members:
        if m.since > on or m.admitted_on > on:
            continue
        full, probationary = counts.get(m.employer, (0, 0))
        if m.full_membership_on is not None and m.full_membership_on <= on:
            full += 1
        else:
            probationary += 1
        counts[m.employer] = (full, probationary)
    return counts


class HistoryPlanner:
    def __init__(self, planner: OrganizationPlanner, plan: DemoPlan, *, seed: int) -> None:
        self.p = planner
        self.plan = plan
        self.rng = random.Random(seed * 31 + 7)
        self.history = History()
        self.department_codes = sorted(planner.departments)

    def _day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    # -- organizations that came and went -----------------------------------------------------

    def gone(self) -> None:
        """Small organizations that were in the register for a while and then deregistered: each
        census after the baseline reports a few as 注销."""
        p = self.p
        for deregistered_in in CENSUS_DATES[1:]:
            for _k in range(GONE_PER_YEAR):
                township = p.township()
                roll = self.rng.random()
                org = (
                    p._individual(township)
                    if roll < 0.6
                    else p._cooperative(township)
                    if roll < 0.8
                    else p._random_company("S", township)
                )
                org.role = "gone"
                earlier = [d for d in CENSUS_DATES if d < deregistered_in]
                org.first_census = earlier[0] if self.rng.random() < 0.7 else self.rng.choice(earlier)
                org.deregistered_in = deregistered_in
                org.operating_status = OperatingStatus.DEREGISTERED
                org.owner_attitude = self.rng.choice([OwnerAttitude.NEUTRAL, OwnerAttitude.UNSUPPORTIVE, ""])
                org.payroll = Decimal(str(round(org.employees * self.rng.uniform(2.4, 4.0), 2)))
                org.has_union = False
                p.add(org)

    def newcomers(self) -> None:
        """Some small organizations without a party organization were registered after the
        baseline: the census after their registration is the first to report them."""
        rng = self.rng
        for org in self.plan.organizations:
            if org.role in ("", "scattered", "register") and org.tier in "SCIX" and org.deregistered_in is None:
                if org.name.startswith(("罗平县蜂产业协会", "罗平县九龙砖沙协会")):
                    continue
                if rng.random() < NEW_SHARE:
                    org.first_census = rng.choices(CENSUS_DATES[1:], weights=[3, 3, 3, 3, 2])[0]

    # -- party organizations --------------------------------------------------------------------

    def _qualifies(self, k: int, on: dt.date) -> bool:
        """Whether party organization ``k``'s organizations had the members to form it on the
        census date ``on``: three full members in one (a branch), or together in organizations
        that each have fewer (a joint branch)."""
        party_org = self.plan.party_organizations[k]
        counts = roster_counts([m for m in self.plan.members if m.employer in party_org.organizations], on)
        full = [counts.get(i, (0, 0))[0] for i in party_org.organizations]
        if party_org.kind == PartyOrganizationKind.JOINT_BRANCH:
            return all(f < 3 for f in full) and sum(full) >= 3
        return full[0] >= 3

    def formations(self) -> None:
        """Party organizations founded after the baseline are formed during the history (a
        branch through a formation plan, a joint branch through the joint planner), in a year
        whose census shows them qualified; one that never qualified in time is older."""
        rng = self.rng
        plan = self.plan
        for k, party_org in enumerate(plan.party_organizations):
            if party_org.founded_on < BASELINE or party_org.dissolved_on is not None:
                continue
            founded = None
            for year in range(min(party_org.founded_on.year, LAST_FORMATION.year), LAST_FORMATION.year + 1):
                census = census_date_of(dt.date(year, 12, 31))
                if self._qualifies(k, census):
                    # After the census has reached the register, before the next one.
                    start, end = dt.date(year, 3, 15), dt.date(year, 10, 31)
                    founded = party_org.founded_on if start <= party_org.founded_on <= end else self._day(start, end)
                    break
            if founded is None:
                founded = dt.date(rng.randint(2015, 2020), rng.randint(1, 12), rng.randint(1, 28))
            party_org.founded_on = founded
            if founded >= BASELINE:
                joint = party_org.kind == PartyOrganizationKind.JOINT_BRANCH
                self.history.formed[k] = "joint" if joint else "plan"
        self._formed_this_year()
        # Members of a party organization formed during the history who were hired before it was
        # formed are linked to it then (``formation.services``); everyone else joins it when hired,
        # and not before it exists.
        for n, m in enumerate(plan.members):
            if m.relation is None:
                continue
            party_org = plan.party_organizations[m.relation]
            linked = m.relation in self.history.formed and m.employer in party_org.organizations
            if not linked and m.since < party_org.founded_on:
                plan.members[n] = replace(m, since=min(party_org.founded_on, AS_OF))
        # Members of an organization registered after the baseline were hired there once it was.
        for n, m in enumerate(plan.members):
            first = plan.organizations[m.employer].first_census
            if m.since < first:
                plan.members[n] = replace(m, since=first)

    def _formed_this_year(self) -> None:
        """Since the latest census two organizations of the formation register have formed their
        branch (so the months since move too): the published figures hold on the census date."""
        plan = self.plan
        register = [i for i, o in enumerate(plan.organizations) if o.role == "register"]
        for i in sorted(self.rng.sample(register, FORMED_SINCE_LATEST_CENSUS)):
            org = plan.organizations[i]
            org.role = "covered"
            k = len(plan.party_organizations)
            plan.party_organizations.append(
                PlannedPartyOrganization(
                    name=f"{org.name}党支部",
                    kind=PartyOrganizationKind.BRANCH,
                    formation_method=FormationMethod.INDEPENDENT,
                    township=org.township,
                    founded_on=self._day(dt.date(AS_OF.year, 5, 1), dt.date(AS_OF.year, 9, 30)),
                    organizations=[i],
                    category=org.category,
                )
            )
            self.history.formed[k] = "plan"
            # Its members on no roster are linked to it; the longest-standing full member is secretary.
            mine = [n for n, m in enumerate(plan.members) if m.employer == i and m.relation is None]
            for n in mine:
                plan.members[n] = replace(plan.members[n], relation=k)
            full = [n for n in mine if plan.members[n].status == MemberStatus.FULL]
            secretary = min(full, key=lambda n: (plan.members[n].admitted_on, n))
            plan.members[secretary] = replace(plan.members[secretary], is_secretary=True)

    # -- census figures -------------------------------------------------------------------------

    def figures(self) -> None:
        rng = self.rng
        orgs = self.plan.organizations
        dates = list(CENSUS_DATES)
        rosters = {on: roster_counts(self.plan.members, on) for on in dates}
        for on in dates:
            self.history.figures[on] = {}
        for i, org in enumerate(orgs):
            employees = org.employees
            attitude = org.owner_attitude
            has_union = org.has_union
            wage = float(org.payroll) / org.employees if org.payroll is not None and org.employees else 3.0
            status = org.operating_status
            # Backwards from the latest census: the county grew a few percent a year.
            for back, on in enumerate(reversed(dates)):
                if on < org.first_census or (org.deregistered_in is not None and on > org.deregistered_in):
                    continue
                full, probationary = rosters[on].get(i, (0, 0))
                if org.deregistered_in == on:
                    figures = FactsData(0, 0, 0, OperatingStatus.DEREGISTERED, attitude, None, None, False, None, None)
                    self.history.figures[on][i] = figures
                    status = OperatingStatus.OPERATING
                    continue
                if back and status != OperatingStatus.OPERATING and rng.random() < 0.5:
                    status = OperatingStatus.OPERATING  # it was still running then
                employees = max(employees, 1, full + probationary)
                payroll = org.payroll
                if payroll is not None and employees != org.employees:
                    payroll = Decimal(str(round(employees * wage, 2)))
                self.history.figures[on][i] = FactsData(
                    employees=employees,
                    full_members=full,
                    probationary_members=probationary,
                    operating_status=status,
                    owner_attitude=attitude,
                    secretary_candidate_available=org.secretary_candidate_available,
                    payroll=payroll,
                    has_union=has_union,
                    has_youth_league=org.has_youth_league,
                    has_womens_federation=org.has_womens_federation,
                )
                # The year before. Most organizations report the same figures as the year after
                # (the census import writes only what changed); the big ones change more often.
                if rng.random() < _CHANGES[org.tier]:
                    if org.tier in "IC":
                        employees = max(1, employees + rng.choice([-1, 1]))
                    else:
                        employees = max(1, round(employees / (1 + rng.gauss(0.04, 0.05))))
                    wage /= 1.05
                if attitude in _WORSE_ATTITUDE and org.role not in ("covered", "joint") and rng.random() < 0.02:
                    attitude = _WORSE_ATTITUDE[attitude]
                if has_union and rng.random() < 0.02:
                    has_union = False

    # -- campaigns ------------------------------------------------------------------------------

    def campaigns(self) -> None:
        rng = self.rng
        townships = sorted(t.code for t in self.p.townships)
        for on in CENSUS_DATES[1:]:
            survey_deadline = on + dt.timedelta(days=30)
            returned = rng.choice(townships)
            reports = []
            for township in townships:
                # Most report in time, a few in the week after the deadline.
                reported = on + dt.timedelta(days=rng.randint(6, 29) if rng.random() < 0.85 else rng.randint(31, 37))
                again = None
                returned_on = None
                if township == returned:
                    returned_on = reported + dt.timedelta(days=2)
                    again = returned_on + dt.timedelta(days=rng.randint(2, 5))
                # The county approves once the departments have checked the rows (an approved
                # submission is locked for them too): after the week that follows the deadline.
                approved = max(
                    (again or reported) + dt.timedelta(days=rng.randint(1, 4)),
                    survey_deadline + dt.timedelta(days=rng.randint(9, 12)),
                )
                reports.append(TownshipReport(township, reported, approved, returned_on, again))
            last = max(r.approved_on for r in reports if r.approved_on is not None)
            # The one that comments supervises organizations of that year's census (some supervise none).
            supervised = {
                o.department for i, o in enumerate(self.plan.organizations) if i in self.history.figures.get(on, {})
            }
            commenting = rng.choice([d for d in self.department_codes if d in supervised] or self.department_codes)
            departments = []
            for department in self.department_codes:
                confirmed = survey_deadline + dt.timedelta(days=rng.randint(2, 8))
                if department == commenting:  # once every township's rows are in
                    confirmed = survey_deadline + dt.timedelta(days=8)
                approved = confirmed + dt.timedelta(days=rng.randint(1, 3))
                departments.append(DepartmentReport(department, confirmed, approved, department == commenting))
            self.history.campaigns.append(
                PlannedCampaign(
                    year=on.year,
                    as_of=on,
                    opened_on=on - dt.timedelta(days=31),
                    survey_deadline=survey_deadline,
                    plan_deadline=on + dt.timedelta(days=63),
                    closed_on=max(last, on + dt.timedelta(days=63)) + dt.timedelta(days=1),
                    reports=tuple(reports),
                    departments=tuple(departments),
                )
            )
        self._running_campaign(townships)

    def _running_campaign(self, townships: list[str]) -> None:
        """Next year's census has been opened and is being filled in: a few townships have started
        from the register, some have reported, one was returned; nothing reached the register."""
        rng = self.rng
        on = dt.date(AS_OF.year + 1, 1, 1)
        opened = RUNNING_OPENED
        started = sorted(rng.sample(townships, 6))
        reports = []
        for n, township in enumerate(started):
            reported = opened + dt.timedelta(days=rng.randint(2, 10))
            submitted = n < 3
            returned = reported + dt.timedelta(days=2) if n == 0 else None
            reports.append(TownshipReport(township, reported, None, returned, None, submitted))
        self.history.campaigns.append(
            PlannedCampaign(
                year=on.year,
                as_of=on,
                opened_on=opened,
                survey_deadline=on + dt.timedelta(days=30),
                plan_deadline=on + dt.timedelta(days=63),
                closed_on=None,
                reports=tuple(reports),
                prefilled=True,
            )
        )

    def approved_on(self, organization: int, on: dt.date) -> dt.date:
        """When the census of ``on`` reached the register for ``organization``'s township (the
        baseline is there from the start)."""
        if on == BASELINE:
            return BASELINE
        township = self.plan.organizations[organization].township
        campaign = next(c for c in self.history.campaigns if c.as_of == on)
        approved = next(r.approved_on for r in campaign.reports if r.township == township)
        assert approved is not None
        return approved

    # -- formation plans and verifications -----------------------------------------------------------

    def formation_plans(self) -> None:
        rng = self.rng
        plan = self.plan
        history = self.history
        for k, how in sorted(history.formed.items()):
            party_org = plan.party_organizations[k]
            lead = party_org.organizations[0]
            founded = party_org.founded_on
            census = census_date_of(founded)
            after = self.approved_on(lead, census) + dt.timedelta(days=7)
            created = self._day(after, max(after, founded - dt.timedelta(days=45)))
            if how == "plan":
                start = self._day(created, founded - dt.timedelta(days=1))
                history.plans.append(
                    PlannedFormationPlan(
                        organization=lead,
                        created_on=created,
                        ready=True,
                        method=party_org.formation_method,
                        target_kind=party_org.kind,
                        planned_date=founded + dt.timedelta(days=rng.randint(-20, 30)),
                        steps=((start, "start", ""), (founded, "form", "")),
                        party_organization=k,
                    )
                )
            else:
                # Not ready alone; the joint planner's group covers it (the plan joins it).
                history.plans.append(
                    PlannedFormationPlan(
                        organization=lead,
                        created_on=created,
                        ready=False,
                        reason=NotReadyReason.TOO_FEW_MEMBERS,
                        countermeasure="正式党员不足3名,与周边业务相近的组织联合组建党支部。",
                    )
                )
        self._open_plans()
        self._cancelled_plans()

    def _open_plans(self) -> None:
        """Organizations qualified today without a party organization: plans in every open
        state; bigger ones with one or two members: plans not ready yet, with the reason."""
        rng = self.rng
        orgs = self.plan.organizations
        figures = self.history.figures
        register = [i for i, o in enumerate(orgs) if o.role == "register"]
        states = ["planned", "planned_overdue", "preparing", "suspended", "resumed", "planned_next_year"]
        for n, i in enumerate(register):
            census = min(
                (d for d in CENSUS_DATES if i in figures[d] and figures[d][i].full_members >= 3),
                default=AS_OF,
            )
            after = self.approved_on(i, census) + dt.timedelta(days=5)
            created = self._day(after, max(after, min(after + dt.timedelta(days=180), dt.date(AS_OF.year, 4, 30))))
            state = states[n % len(states)]
            planned = {
                "planned": dt.date(AS_OF.year + 1, rng.randint(1, 5), 15),
                "planned_overdue": dt.date(AS_OF.year, rng.randint(6, 9), 30),
                "preparing": dt.date(AS_OF.year + 1, rng.randint(1, 3), 1),
                "suspended": dt.date(AS_OF.year, 9, 30),
                "resumed": dt.date(AS_OF.year + 1, 6, 30),
                "planned_next_year": dt.date(AS_OF.year + 1, rng.randint(7, 10), 1),
            }[state]
            steps: list[tuple[dt.date, str, str]] = []
            if state == "preparing":
                steps.append((created + dt.timedelta(days=rng.randint(20, 60)), "start", ""))
            elif state in ("suspended", "resumed"):
                reason = "企业主要负责人对组建党组织有顾虑,县两新党工委正在做工作。"
                steps.append((created + dt.timedelta(days=rng.randint(20, 60)), "suspend", reason))
                if state == "resumed":
                    steps.append((created + dt.timedelta(days=rng.randint(90, 150)), "resume", ""))
            self.history.plans.append(
                PlannedFormationPlan(
                    organization=i,
                    created_on=created,
                    ready=True,
                    method="independent",
                    target_kind=PartyOrganizationKind.BRANCH,
                    planned_date=planned,
                    steps=tuple(steps),
                )
            )
        # Bigger organizations with one or two members and no party organization.
        waiting = [
            i
            for i, o in enumerate(orgs)
            if o.role == "scattered" and o.deregistered_in is None and o.employees >= 20 and o.first_census < AS_OF
        ]
        reasons = [
            (NotReadyReason.TOO_FEW_MEMBERS, "正式党员不足3名,重点培养入党积极分子,条件成熟时单独组建。"),
            (NotReadyReason.NO_SECRETARY, "暂无合适的书记人选,由乡镇党委选派党建工作指导员。"),
            (NotReadyReason.OWNER_UNSUPPORTIVE, "业主顾虑较多,乡镇党委书记上门宣传党建政策。"),
        ]
        for n, i in enumerate(rng.sample(waiting, min(8, len(waiting)))):
            reason, countermeasure = reasons[n % len(reasons)]
            census = max(d for d in CENSUS_DATES if i in self.history.figures[d])
            created = self._day(self.approved_on(i, census) + dt.timedelta(days=5), dt.date(AS_OF.year, 6, 30))
            self.history.plans.append(
                PlannedFormationPlan(
                    organization=i, created_on=created, ready=False, reason=reason, countermeasure=countermeasure
                )
            )

    def _cancelled_plans(self) -> None:
        """A few organizations that later closed down had a plan: the census that reports them
        deregistered closes it (已撤销)."""
        orgs = self.plan.organizations
        gone = [i for i, o in enumerate(orgs) if o.role == "gone" and o.employees >= 3]
        for i in self.rng.sample(gone, min(4, len(gone))):
            org = orgs[i]
            assert org.deregistered_in is not None
            first = self.approved_on(i, org.first_census) + dt.timedelta(days=10)
            before = self.approved_on(i, org.deregistered_in) - dt.timedelta(days=30)
            if before <= first:
                continue
            self.history.plans.append(
                PlannedFormationPlan(
                    organization=i,
                    created_on=self._day(first, before),
                    ready=False,
                    reason=NotReadyReason.NO_MEMBERS,
                    countermeasure="暂无党员,选派党建工作指导员,先建工会组织。",
                )
            )

    def verifications(self) -> None:
        """After each census the townships verify some of their organizations one by one
        (逐一核实); an organization about to close down is not found any more."""
        rng = self.rng
        orgs = self.plan.organizations
        for on in CENSUS_DATES[1:]:
            present = self.history.figures[on]
            for i in sorted(present):
                org = orgs[i]
                if org.deregistered_in == on:
                    continue
                closing = org.deregistered_in is not None and census_date_of(on + dt.timedelta(days=366)) == (
                    org.deregistered_in
                )
                if not closing and rng.random() > 0.07:
                    continue
                start = self.approved_on(i, on) + dt.timedelta(days=3)
                day = self._day(start, dt.date(on.year, 11, 30))
                if closing:
                    result, note = VerificationResult.NOT_FOUND, "实地走访,经营场所已关闭,联系人电话停机。"
                elif rng.random() < 0.85:
                    result, note = VerificationResult.CONFIRMED, ""
                else:
                    result, note = VerificationResult.CORRECTED, "从业人员数与登记不符,已在下次摸底中更正。"
                method = VerificationMethod.VISIT if rng.random() < 0.6 or closing else VerificationMethod.PHONE
                self.history.verifications.append(PlannedVerification(i, day, method, result, note))

    def ratings(self) -> None:
        rng = self.rng
        for year in range(FIRST_RATED_YEAR, AS_OF.year):
            rated_on = dt.date(year, 12, 20)
            share = 0.55 + 0.06 * (year - FIRST_RATED_YEAR)
            for k, party_org in enumerate(self.plan.party_organizations):
                if party_org.founded_on > dt.date(year, 6, 30):
                    continue
                if party_org.dissolved_on is not None and party_org.dissolved_on <= rated_on:
                    continue
                self.history.ratings.append(PlannedRating(year, k, rng.random() < share))


def plan_history(planner: OrganizationPlanner, plan: DemoPlan, *, seed: int) -> History:
    history = HistoryPlanner(planner, plan, seed=seed)
    history.gone()
    history.newcomers()
    history.formations()
    history.figures()
    history.campaigns()
    history.formation_plans()
    history.verifications()
    history.ratings()
    return history.history
