"""``load_demo``: write the demo county (``draw.plan_demo``) into an empty database, in one
transaction, day by day through the services.

The register the county started from (the baseline: divisions, accounts, organizations and their
first census figures, the party organizations and members of before) is written first; then every
event of the history in the order of its day, with Django's clock on that day (``clock.py``): the
census campaigns (opened by the county, filled by each township's spreadsheet, returned once a
year, approved — which imports the figures into the register — and closed), party organizations
formed by formation plans and by the joint planner, dissolutions, members hired, verifications
and five-goods ratings. Each goes through the public service of its app, so that every derived
table and audit record is the one a person's work would leave.

Two things are written in bulk, as the services would write them: the baseline organizations
(the organization service needs an acting township clerk for each) and the accounts (hashing
every demo password would take half a minute); both are audited like the services audit.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.audit.models import AuditAction
from liangxin.audit.services import diff, log_many, snapshot
from liangxin.campaigns import selectors as campaign_selectors
from liangxin.campaigns import services as campaigns
from liangxin.campaigns.models import Campaign, Submission, SubmissionState, Verdict
from liangxin.census.tabular.columns import KEYS
from liangxin.census.template import NO, YES, csv_lines
from liangxin.core.errors import ServiceError
from liangxin.core.export import Cell
from liangxin.core.text import normalize_name, pinyin_full, pinyin_initials
from liangxin.formation import services as formation
from liangxin.formation.models import FormationPlan
from liangxin.geo.loaders import TOWNSHIP, load_departments, load_divisions
from liangxin.geo.models import AdministrativeUnit, Department
from liangxin.geo.selectors import units_by_code
from liangxin.geo.services import setup_county
from liangxin.registry import services as registry
from liangxin.registry.choices import Category, FactSource, OperatingStatus, OrganizationType, OwnerAttitude
from liangxin.registry.identifiers import validate_uscc
from liangxin.registry.models import Member, Organization, OrganizationFacts, PartyOrganization

from . import accounts, mobility, orglife, standards
from . import development as demo_development
from . import funding as demo_funding
from . import reconcile as demo_reconcile
from . import talent as demo_talent
from . import training as demo_training
from .clock import Clock, historical_clock
from .county import BASELINE, DEFAULT_SEED, DEMO_DATA_DIR
from .draw import plan_demo
from .history import (
    DepartmentReport,
    History,
    PlannedCampaign,
    PlannedFormationPlan,
    PlannedVerification,
)
from .plan import DemoPlan, PlannedMember, PlannedOrganization

# The order of the events of one day.
_APPROVE, _HIRE, _PLAN, _STEP, _FORM, _AFTER_FORM, _DISSOLVE, _VERIFY, _RATE, _CLOSE = range(10)
# The register the county started from was set up in the month before the baseline.
SETUP_DAY = BASELINE - dt.timedelta(days=31)


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    organizations: int
    party_organizations: int
    active_party_organizations: int
    members: int
    users: int
    campaigns: int
    formation_plans: int
    seconds: float


def load_demo(*, seed: int = DEFAULT_SEED, data_dir: Path = DEMO_DATA_DIR) -> DemoSummary:
    """Write the demo county into an empty database, through the services, in one transaction."""
    started = time.perf_counter()
    if AdministrativeUnit.objects.exists():
        raise ServiceError(_("数据库中已有行政区划,演示数据只能加载到空数据库。"))
    divisions, problems = load_divisions(data_dir / "luoping_divisions.csv")
    department_rows, department_problems = load_departments(data_dir / "departments.csv")
    if problems or department_problems:
        raise ServiceError("\n".join(str(p) for p in [*problems, *department_problems]))
    plan = plan_demo(seed=seed, divisions=divisions, departments=department_rows)

    with transaction.atomic():
        with historical_clock() as clock:
            clock.set(SETUP_DAY)
            setup_county(by=None, divisions=divisions, departments=department_rows)
            writer = _Writer(plan, clock)
            writer.run()
        users = writer.finish()
        accounts.create_demo_totp_devices()
        if connection.vendor == "postgresql":
            # A bulk load: the planner gets statistics now, not at autovacuum's next pass (with
            # the ones of the empty tables it nests loops over thousands of rows).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    return DemoSummary(
        seed=seed,
        organizations=len(plan.organizations),
        party_organizations=len(plan.party_organizations),
        active_party_organizations=sum(1 for p in plan.party_organizations if p.dissolved_on is None),
        members=len(plan.members),
        users=len(users),
        campaigns=sum(1 for c in writer.history.campaigns if c.closed_on is not None),
        formation_plans=len(writer.history.plans),
        seconds=time.perf_counter() - started,
    )


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else YES if value else NO


class _Writer:
    def __init__(self, plan: DemoPlan, clock: Clock) -> None:
        assert plan.history is not None
        self.plan = plan
        self.history: History = plan.history
        self.clock = clock
        self.units = units_by_code()
        self.departments = {d.code: d for d in Department.objects.all()}
        self.organizations: dict[int, Organization] = {}
        self.party_orgs: dict[int, PartyOrganization] = {}
        self.members: dict[int, Member] = {}
        self.events: list[tuple[dt.date, int, int, Callable[[], None]]] = []
        townships = sorted((u for u in self.units.values() if u.level == TOWNSHIP), key=lambda u: u.code)
        self.staff = accounts.create_staff(
            people=plan.people, townships=townships, departments=sorted(self.departments.values(), key=lambda d: d.code)
        )
        self.admin = self.staff[0]
        self.clerks = {u.township.code: u for u in self.staff if u.township is not None}
        self.department_clerks = {u.department.code: u for u in self.staff if u.department is not None}
        # When each organization is in the register (the baseline, or its first census's approval).
        self.available: dict[int, tuple[dt.date, int]] = {}

    # -- scheduling --

    def at(self, day: dt.date, order: int, action: Callable[[], None]) -> None:
        self.events.append((day, order, len(self.events), action))

    def run(self) -> None:
        self._baseline()
        for campaign in self.history.campaigns:
            self._campaign(campaign)
        self._members()
        self._party_organizations()
        for plan in self.history.plans:
            self._formation_plan(plan)
        for v in self.history.verifications:
            self.at(v.on, _VERIFY, lambda v=v: self._verify(v))  # type: ignore[misc]
        standards.schedule(self)  # five-goods assessments and the five-ones checklists: docs/standardization.md
        demo_funding.schedule(at=self.at, admin=self.admin, clerks=self.clerks, seed=self.plan.seed)
        mobility.schedule(self)  # mobile members: docs/mobile-members.md
        demo_development.schedule(self)  # member development: docs/member-development.md
        demo_talent.schedule(self)  # the talent pool and instructors: docs/talent-pool.md
        orglife.schedule(self)  # a year of organization life: docs/organization-life.md
        demo_training.schedule(self)  # training, liaison and demonstration points: docs/training.md
        demo_reconcile.schedule(self)  # a registration list compared with the register: docs/reconciliation.md
        for day, order, _seq, action in sorted(self.events, key=lambda e: e[:3]):
            self.clock.set(day, 9 + order)
            action()

    # -- the baseline --

    def _baseline(self) -> None:
        baseline = [i for i, o in enumerate(self.plan.organizations) if o.first_census == BASELINE]
        self._bulk_organizations(baseline)
        for i in baseline:
            self.available[i] = (SETUP_DAY, 0)
        for k, party_org in enumerate(self.plan.party_organizations):
            if party_org.founded_on >= BASELINE:
                continue
            self._create_party_organization(k)
            if party_org.dissolved_on is not None and party_org.dissolved_on < BASELINE:
                self._dissolve(k)

    def _organization(self, p: PlannedOrganization) -> Organization:
        return Organization(
            uscc=validate_uscc(p.uscc) if p.uscc else None,
            name=p.name,
            name_normalized=normalize_name(p.name),
            name_initials=pinyin_initials(p.name),
            name_pinyin=pinyin_full(p.name),
            category=p.category,
            org_type=p.org_type,
            industry_code=p.industry_code,
            township=self.units[p.township],
            village=self.units[p.village] if p.village else None,
            department=self.departments.get(p.department) if p.department else None,
            above_designated_size=p.above_designated_size,
            address=p.address,
            contact_person=p.contact_person,
            contact_phone=p.contact_phone,
            owner_is_member=p.owner_is_member,
        )

    def _bulk_organizations(self, indexes: Sequence[int]) -> None:
        planned = [self.plan.organizations[i] for i in indexes]
        figures = self.history.figures[BASELINE]
        organizations = [self._organization(p) for p in planned]
        Organization.objects.bulk_create(organizations, batch_size=500)
        facts = [
            OrganizationFacts(
                organization=organization,
                valid_from=BASELINE,
                source=FactSource.DEMO,
                recorded_by=None,
                **asdict(figures[i]),
            )
            for organization, i in zip(organizations, indexes, strict=True)
        ]
        OrganizationFacts.objects.bulk_create(facts, batch_size=500)
        # The same record create_organization writes: the organization and its first facts.
        entries = []
        for organization, row in zip(organizations, facts, strict=True):
            facts_snapshot = snapshot(row)
            facts_values = {name: facts_snapshot[name] for name in registry.FACT_FIELDS if name in facts_snapshot}
            entries.append((organization, diff(None, snapshot(organization) | facts_values)))
        log_many(actor=None, action=AuditAction.CREATE, entries=entries)
        self.organizations.update(zip(indexes, organizations, strict=True))

    # -- census campaigns --

    def _campaign(self, plan: PlannedCampaign) -> None:
        state: dict[str, Any] = {}

        def open_() -> None:
            campaign = campaigns.create_campaign(
                by=self.admin,
                name=_("%(year)s年两新组织集中摸底") % {"year": plan.year},
                code=f"MD{plan.year}",
                as_of=plan.as_of,
                survey_deadline=plan.survey_deadline,
                plan_deadline=plan.plan_deadline,
            )
            state["campaign"] = campaigns.open_campaign(by=self.admin, campaign=campaign)

        self.at(plan.opened_on, _APPROVE, open_)
        for report in plan.reports:
            t = report.township
            self.at(report.reported_on, _STEP, lambda t=t, s=report.submitted: self._report(state, plan, t, s))  # type: ignore[misc]
            if report.returned_on is not None:
                self.at(report.returned_on, _STEP, lambda t=t: self._return(state, t))  # type: ignore[misc]
            if report.reported_again_on is not None:
                self.at(report.reported_again_on, _STEP, lambda t=t: self._report(state, plan, t, True))  # type: ignore[misc]
            if report.approved_on is not None:
                self.at(report.approved_on, _APPROVE, lambda t=t: self._approve(state, plan, t))  # type: ignore[misc]
                for i, org in enumerate(self.plan.organizations):
                    if org.first_census == plan.as_of and org.township == t:
                        self.available[i] = (report.approved_on, _APPROVE)
        for d in plan.departments:
            self.at(d.confirmed_on, _STEP, lambda d=d: self._confirm(state, d))  # type: ignore[misc]
            self.at(d.approved_on, _APPROVE, lambda d=d: self._approve_department(state, d))  # type: ignore[misc]

        def close() -> None:
            campaigns.close_campaign(by=self.admin, campaign=Campaign.objects.get(pk=state["campaign"].pk))

        if plan.closed_on is not None:
            self.at(plan.closed_on, _CLOSE, close)

    def _submission(self, state: dict[str, Any], township: str) -> Submission:
        return Submission.objects.get(campaign=state["campaign"], township__code=township)

    def _report(self, state: dict[str, Any], plan: PlannedCampaign, township: str, submit: bool) -> None:
        """The township uploads its spreadsheet (every organization it has on the census date,
        with that date's figures), or in the running campaign starts from the register, and
        submits it."""
        clerk = self.clerks[township]
        if plan.prefilled:
            staging = campaigns.prefill_submission(
                by=clerk, submission=self._submission(state, township), expected_version=None
            )
            self._check_staging(staging)
            if submit:
                campaigns.submit_submission(
                    by=clerk, submission=self._submission(state, township), expected_version=None
                )
            return
        figures = self.history.figures[plan.as_of]
        rows = [
            self._row(self.plan.organizations[i], figures[i])
            for i in sorted(figures, key=lambda i: self.plan.organizations[i].name)
            if self.plan.organizations[i].township == township
        ]
        data = ("\ufeff" + "".join(csv_lines(rows))).encode("utf-8")
        submission = self._submission(state, township)
        staging = campaigns.import_into_submission(
            by=clerk,
            submission=submission,
            data=data,
            file_name=f"{plan.year}年摸底-{clerk.township.name if clerk.township else township}.csv",
            expected_version=None,
        )
        self._check_staging(staging)
        if staging.pending is not None:
            # Reported again after a return: the clerk confirms the new file replaces the rows.
            staging = campaigns.confirm_pending_upload(
                by=clerk,
                submission=self._submission(state, township),
                sha256=staging.pending.sha256,
                expected_version=None,
            )
            self._check_staging(staging)
        if submit:
            campaigns.submit_submission(by=clerk, submission=self._submission(state, township), expected_version=None)

    def _check_staging(self, staging: campaigns.Staging) -> None:
        if staging.errors:
            raise ServiceError("; ".join(f"{p.row} {p.field} {p.message}" for p in staging.errors[:5]))

    def _department_submission(self, state: dict[str, Any], department: str) -> Submission:
        return Submission.objects.get(campaign=state["campaign"], department__code=department)

    def _confirm(self, state: dict[str, Any], report: DepartmentReport) -> None:
        """The department confirms the first few rows of the organizations it supervises (or
        comments on one) and reports; one that supervises none of the staged rows has nothing to
        confirm and does not report."""
        clerk = self.department_clerks[report.department]
        submission = self._department_submission(state, report.department)
        # Rows of a township's submission the county has approved are locked, for departments too.
        entries = [
            entry
            for entry in campaign_selectors.supervised_entries(submission=submission)
            if not entry.submission.is_locked
        ][:3]
        if not entries:
            return
        for n, entry in enumerate(entries):
            comment = report.comments and n == 0
            campaigns.confirm_entry(
                by=clerk,
                submission=self._department_submission(state, report.department),
                entry=entry,
                verdict=Verdict.COMMENTED if comment else Verdict.CONFIRMED,
                comment=_("经营范围与本部门掌握的情况不一致,请乡镇核实。") if comment else "",
            )
        campaigns.submit_submission(
            by=clerk, submission=self._department_submission(state, report.department), expected_version=None
        )

    def _approve_department(self, state: dict[str, Any], report: DepartmentReport) -> None:
        submission = self._department_submission(state, report.department)
        if submission.state == SubmissionState.SUBMITTED:
            campaigns.approve_submission(by=self.admin, submission=submission, expected_version=None)

    def _return(self, state: dict[str, Any], township: str) -> None:
        campaigns.return_submission(
            by=self.admin,
            submission=self._submission(state, township),
            reason=_("部分组织的从业人员数与上年差异较大,请逐一核实后重新上报。"),
            expected_version=None,
        )

    def _approve(self, state: dict[str, Any], plan: PlannedCampaign, township: str) -> None:
        campaigns.approve_submission(by=self.admin, submission=self._submission(state, township), expected_version=None)
        new = {
            self.plan.organizations[i].name: i
            for i, org in enumerate(self.plan.organizations)
            if org.first_census == plan.as_of and org.township == township
        }
        for organization in Organization.objects.filter(township__code=township, name__in=list(new)):
            self.organizations[new[organization.name]] = organization

    def _row(self, org: PlannedOrganization, f: registry.FactsData) -> list[Cell]:
        """One organization's row of a township's census spreadsheet, as a clerk writes it."""
        village = self.units[org.village].name if org.village else None
        department = self.departments[org.department].name if org.department in self.departments else None
        values: dict[str, Cell] = {
            "uscc": org.uscc,
            "name": org.name,
            "category": str(Category(org.category).label),
            "org_type": str(OrganizationType(org.org_type).label),
            "township": self.units[org.township].name,
            "village": village,
            "department": department,
            "industry_code": org.industry_code or None,
            "above_designated_size": _yes_no(org.above_designated_size),
            "operating_status": str(OperatingStatus(f.operating_status).label),
            "employees": f.employees,
            "full_members": f.full_members,
            "probationary_members": f.probationary_members,
            "owner_is_member": _yes_no(org.owner_is_member),
            "owner_attitude": str(OwnerAttitude(f.owner_attitude).label) if f.owner_attitude else None,
            "secretary_candidate_available": _yes_no(f.secretary_candidate_available),
            "payroll": f.payroll,
            "address": org.address or None,
            "contact_person": org.contact_person or None,
            "contact_phone": org.contact_phone or None,
            "has_union": _yes_no(f.has_union),
            "has_youth_league": _yes_no(f.has_youth_league),
            "has_womens_federation": _yes_no(f.has_womens_federation),
        }
        return [values.get(key) for key in KEYS]

    # -- members --

    def _members(self) -> None:
        """Each member is registered on the day they were hired (or, hired before the baseline,
        with the baseline), once their employer is in the register; one whose party organization
        is formed later is linked to it by the formation (``formation.services``)."""
        for n, m in enumerate(self.plan.members):
            day, order = self.available[m.employer]
            day = max(day, m.since)
            relation = m.relation
            if relation is not None:
                party_org = self.plan.party_organizations[relation]
                formed = relation in self.history.formed
                if formed and m.employer in party_org.organizations and m.since <= party_org.founded_on:
                    relation = None  # linked when formed
                elif formed:
                    day = max(day, party_org.founded_on)
                    order = max(order, _AFTER_FORM if day == party_org.founded_on else _HIRE)
            if day < BASELINE:  # registered with the register the county started from
                day = SETUP_DAY
            self.at(day, max(order, _HIRE), lambda n=n, m=m, r=relation: self._hire(n, m, r))  # type: ignore[misc]

    def _hire(self, n: int, m: PlannedMember, relation: int | None) -> None:
        self.members[n] = registry.create_member(
            by=None,
            data=registry.MemberData(
                name=m.name,
                id_number=m.id_number,
                status=m.status,
                admitted_on=m.admitted_on,
                full_membership_on=m.full_membership_on,
                position=m.position,
                education=m.education,
                phone=m.phone,
            ),
            party_organization=self.party_orgs[relation] if relation is not None else None,
            employer=self.organizations[m.employer],
            as_of=m.since,
        )

    # -- party organizations --

    def _create_party_organization(self, k: int) -> None:
        p = self.plan.party_organizations[k]
        self.party_orgs[k] = registry.create_party_organization(
            by=None,
            name=p.name,
            kind=p.kind,
            formation_method=p.formation_method,
            township=self.units[p.township],
            founded_on=p.founded_on,
            organizations=[self.organizations[i] for i in p.organizations],
        )

    def _dissolve(self, k: int) -> None:
        p = self.plan.party_organizations[k]
        assert p.dissolved_on is not None
        self.party_orgs[k] = registry.dissolve_party_organization(
            by=None, party_organization=self.party_orgs[k], on=p.dissolved_on, reason=p.dissolution_reason
        )

    def _party_organizations(self) -> None:
        for k, p in enumerate(self.plan.party_organizations):
            if p.dissolved_on is not None and p.dissolved_on >= BASELINE:
                self.at(p.dissolved_on, _DISSOLVE, lambda k=k: self._dissolve(k))  # type: ignore[misc]
            if self.history.formed.get(k) == "joint":
                self.at(p.founded_on, _FORM, lambda k=k: self._accept_joint(k))  # type: ignore[misc]

    def _accept_joint(self, k: int) -> None:
        """The joint planner's group, accepted by the county."""
        p = self.plan.party_organizations[k]
        self.party_orgs[k] = formation.accept_joint_group(
            by=self.admin,
            organizations=[self.organizations[i] for i in p.organizations],
            name=p.name,
            founded_on=p.founded_on,
        )

    # -- formation plans, verifications, ratings --

    def _formation_plan(self, fp: PlannedFormationPlan) -> None:
        org = self.plan.organizations[fp.organization]
        clerk = self.clerks[org.township]
        made: dict[str, FormationPlan] = {}

        def create() -> None:
            made["plan"] = formation.create_plan(
                by=clerk,
                organization=self.organizations[fp.organization],
                data=formation.PlanData(
                    ready=fp.ready,
                    responsible_person=clerk.full_name,
                    method=fp.method,
                    target_kind=fp.target_kind,
                    planned_date=fp.planned_date,
                    reason=fp.reason,
                    countermeasure=fp.countermeasure,
                ),
            )

        def step(action: str, reason: str) -> None:
            plan = FormationPlan.objects.get(pk=made["plan"].pk)
            if action == "start":
                formation.start_preparing(by=clerk, plan=plan)
            elif action == "suspend":
                formation.suspend_plan(by=clerk, plan=plan, reason=reason)
            elif action == "resume":
                formation.resume_plan(by=clerk, plan=plan)
            else:
                assert fp.party_organization is not None
                k = fp.party_organization
                p = self.plan.party_organizations[k]
                formed = formation.form_party_organization(
                    by=clerk, plan=plan, name=p.name, founded_on=p.founded_on, kind=p.kind
                )
                assert formed.party_organization is not None
                self.party_orgs[k] = formed.party_organization

        self.at(fp.created_on, _PLAN, create)
        for day, action, reason in fp.steps:
            self.at(day, _FORM if action == "form" else _STEP, lambda a=action, r=reason: step(a, r))  # type: ignore[misc]

    def _verify(self, v: PlannedVerification) -> None:
        org = self.plan.organizations[v.organization]
        clerk = self.clerks[org.township]
        formation.add_verification(
            by=clerk,
            organization=self.organizations[v.organization],
            verified_on=v.on,
            verifier=clerk.full_name,
            method=v.method,
            result=v.result,
            note=v.note,
        )

    # -- today --

    def finish(self) -> list[User]:
        """The secretaries of today's party organizations, and their accounts."""
        by_relation: dict[int, list[tuple[PlannedMember, Member]]] = defaultdict(list)
        for n, m in enumerate(self.plan.members):
            if m.is_secretary and m.relation is not None:
                by_relation[m.relation].append((m, self.members[n]))
        secretaries = sorted(
            ((self.party_orgs[k], pairs[0][1]) for k, pairs in by_relation.items()), key=lambda pair: pair[0].pk
        )
        registry.set_secretaries(by=None, assignments=secretaries)
        users = accounts.create_secretaries(secretaries=secretaries, password=self.admin.password)
        return [*self.staff, *users]
