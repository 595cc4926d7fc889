"""Reads of the formation register. The user is a required argument; every queryset is scoped
through ``registry.scoping``.

The register (台账) is every organization in the user's scope, with census facts on the date,
that the formation-rules engine does not call ``covered`` or ``not_applicable``: that is, every
organization without a party organization that has not been deregistered. The engine runs in
Python on the whole scope (``policy.selectors.recommendations_for``, four queries), so filtering by
recommendation happens after it; everything else is a fixed number of queries too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from liangxin.accounts.models import User
from liangxin.geo.models import AdministrativeUnit
from liangxin.policy import engine
from liangxin.policy.selectors import engine_policy_in_force, recommendations_for
from liangxin.registry.choices import OperatingStatus, PartyOrganizationKind
from liangxin.registry.models import (
    Employment,
    Member,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyOrganizationCoverage,
    PartyRelation,
)
from liangxin.registry.scoping import organization_scope, party_organization_scope

from . import joint, transitions
from .choices import JOINT_BRANCH_KIND_LABELS, JOINT_REASON_LABELS, OPEN_STATUSES, PlanStatus
from .models import FormationPlan, MemberAction, Verification

# Register filters: plan status adds "none" (no open plan) to the open statuses.
NO_PLAN = "none"
OFF_REGISTER = frozenset({engine.COVERED, engine.NOT_APPLICABLE})
REGISTER_CODES = tuple(code for code in engine.PRIMARY_CODES if code not in OFF_REGISTER)


@dataclass(frozen=True)
class RegisterFilter:
    township: int | None = None
    recommendation: str = ""
    plan_status: str = ""  # "", NO_PLAN, or an open status
    overdue: bool = False


class _Instances:
    """The register rows' organizations and census facts, loaded by blocks of rows as they are
    read: a page of the register (a block) reads its own rows, not the whole register."""

    def __init__(self, on: dt.date) -> None:
        self.on = on
        self.ids: list[int] = []
        self.position: dict[int, int] = {}
        self.organizations: dict[int, Organization] = {}
        self.facts: dict[int, OrganizationFacts] = {}

    def set_rows(self, ids: Iterable[int]) -> None:
        self.ids = list(ids)
        self.position = {pk: i for i, pk in enumerate(self.ids)}

    def load(self, organization_id: int) -> None:
        if organization_id in self.organizations:
            return
        size = settings.PAGE_SIZE
        start = self.position[organization_id] // size * size
        block = self.ids[start : start + size]
        self.organizations.update(Organization.objects.select_related("township", "department").in_bulk(block))
        facts = (
            OrganizationFacts.objects.filter(organization_id__in=block, valid_from__lte=self.on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=self.on))
            .order_by("valid_from")  # the later row wins if intervals ever overlap
        )
        self.facts.update((f.organization_id, f) for f in facts)


@dataclass(frozen=True)
class RegisterRow:
    organization_id: int
    recommendation: engine.Recommendation
    plan: FormationPlan | None
    overdue: bool
    instances: _Instances = field(compare=False, repr=False)

    @property
    def organization(self) -> Organization:
        self.instances.load(self.organization_id)
        return self.instances.organizations[self.organization_id]

    @property
    def facts(self) -> OrganizationFacts | None:
        self.instances.load(self.organization_id)
        return self.instances.facts.get(self.organization_id)

    @property
    def plan_status(self) -> str:
        return self.plan.status if self.plan is not None else NO_PLAN

    @property
    def blockers(self) -> str:
        return ";".join(b.message for b in self.recommendation.blockers)


@dataclass
class TownshipSummary:
    township: str
    total: int = 0
    by_code: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    overdue: int = 0


def organizations_for(*, user: User) -> QuerySet[Organization]:
    """Organizations the user may open a plan page for (scoped; merged records left out)."""
    return Organization.objects.filter(organization_scope(user), merged_into__isnull=True).select_related(
        "township", "village", "department"
    )


def open_plan(*, organization: Organization) -> FormationPlan | None:
    return FormationPlan.objects.filter(organization=organization, status__in=OPEN_STATUSES).first()


def plans_of(*, organization: Organization) -> QuerySet[FormationPlan]:
    return FormationPlan.objects.filter(organization=organization).select_related("party_organization")


def verifications_of(*, organization: Organization) -> QuerySet[Verification]:
    return Verification.objects.filter(organization=organization)


def register_rows(*, user: User, on: dt.date, filters: RegisterFilter | None = None) -> list[RegisterRow]:
    """The register as of ``on``, filtered, in township then name order. A fixed number of queries
    whatever the number of rows (four for the engine, one for the order, one for the open plans);
    the rows' organizations and facts are read when used, by blocks (``_Instances``)."""
    filters = filters or RegisterFilter()
    recommendations = recommendations_for(user=user, on=on)
    wanted = {pk for pk, rec in recommendations.items() if rec.code not in OFF_REGISTER}
    if filters.recommendation:
        wanted = {pk for pk in wanted if recommendations[pk].code == filters.recommendation}
    if not wanted:
        return []
    in_scope = organizations_for(user=user)
    if filters.township:
        in_scope = in_scope.filter(township_id=filters.township)
    ordered = in_scope.order_by("township__code", "name_normalized", "pk").values_list("pk", flat=True)
    ids = [pk for pk in ordered if pk in wanted]
    plans: dict[int, FormationPlan] = {}
    for open_plan in FormationPlan.objects.filter(
        organization__in=in_scope.values("pk"), status__in=OPEN_STATUSES
    ):  # in the model's order: the first is the one a page shows
        plans.setdefault(open_plan.organization_id, open_plan)
    instances = _Instances(on)  # the blocks are set below, once the rows are known
    rows = []
    for pk in ids:
        plan = plans.get(pk)
        overdue = plan is not None and transitions.is_overdue(
            status=plan.status, planned_date=plan.planned_date, today=on
        )
        row = RegisterRow(
            organization_id=pk, recommendation=recommendations[pk], plan=plan, overdue=overdue, instances=instances
        )
        if filters.plan_status and row.plan_status != filters.plan_status:
            continue
        if filters.overdue and not overdue:
            continue
        rows.append(row)
    instances.set_rows(r.organization_id for r in rows)
    return rows


def register_subset(rows: list[RegisterRow], keep: Iterable[int]) -> list[RegisterRow]:
    """The rows of the organizations ``keep``, in order, read by blocks of their own."""
    kept = set(keep)
    subset = [r for r in rows if r.organization_id in kept]
    if not subset:
        return []
    instances = _Instances(subset[0].instances.on)
    instances.set_rows(r.organization_id for r in subset)
    return [replace(r, instances=instances) for r in subset]


def township_summary(rows: Iterable[RegisterRow]) -> list[TownshipSummary]:
    """Counts per township (in the rows' order) by recommendation and by plan status."""
    summaries: dict[int, TownshipSummary] = {}
    for row in rows:
        township = row.organization.township
        summary = summaries.setdefault(township.pk, TownshipSummary(township=township.name))
        summary.total += 1
        summary.by_code[row.recommendation.code] += 1
        summary.by_status[row.plan_status] += 1
        summary.overdue += int(row.overdue)
    return list(summaries.values())


def plan_status_choices() -> list[tuple[str, str]]:
    return [(NO_PLAN, "无方案"), *((s, str(PlanStatus(s).label)) for s in transitions.OPEN_STATUSES_ORDER)]


# --- 一个不能少: members on no roster -------------------------------------------------------------


def unrostered_members(*, user: User) -> QuerySet[Member]:
    """Members with no open party relation who work (open employment) in an organization in the
    user's scope, with their employer and the actions taken for them (three queries a page)."""
    employments = Employment.objects.filter(organization_scope(user, prefix="organization__"), valid_to__isnull=True)
    return (
        Member.objects.filter(
            Exists(employments.filter(member=OuterRef("pk"))),
            ~Exists(PartyRelation.objects.filter(member=OuterRef("pk"), valid_to__isnull=True)),
        )
        .prefetch_related(
            Prefetch(
                "employments",
                queryset=Employment.objects.filter(valid_to__isnull=True).select_related(
                    "organization", "organization__township"
                ),
                to_attr="open_employments",
            ),
            Prefetch(
                "formation_actions",
                queryset=MemberAction.objects.select_related("party_organization").order_by("-acted_on", "-pk"),
                to_attr="actions",
            ),
        )
        .order_by("name", "pk")
    )


def transfer_targets(*, user: User) -> QuerySet[PartyOrganization]:
    """Party organizations a member's relation may be transferred into: current, in scope."""
    return (
        PartyOrganization.objects.filter(party_organization_scope(user), dissolved_on__isnull=True)
        .select_related("township")
        .order_by("township__code", "name")
    )


# --- 联合组建: partners of a plan and the joint-branch planner ----------------------------------


def _valid_on(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": on})
    )


def partner_choices(*, user: User, organization: Organization, include: Iterable[int] = ()) -> QuerySet[Organization]:
    """Organizations a 联合建 plan of ``organization`` may name as partners: in the user's scope and
    the same township, not merged, with no open coverage and not deregistered now (or in ``include``:
    the partners the plan already names)."""
    covered = PartyOrganizationCoverage.objects.filter(organization=OuterRef("pk"), valid_to__isnull=True)
    deregistered = OrganizationFacts.objects.filter(
        organization=OuterRef("pk"), valid_to__isnull=True, operating_status=OperatingStatus.DEREGISTERED
    )
    return (
        Organization.objects.filter(
            organization_scope(user), township_id=organization.township_id, merged_into__isnull=True
        )
        .exclude(pk=organization.pk)
        .filter((~Exists(covered) & ~Exists(deregistered)) | Q(pk__in=list(include)))
        .order_by("name_normalized", "pk")
    )


@dataclass(frozen=True)
class CandidateRow:
    organization: Organization
    facts: OrganizationFacts
    candidate: joint.Candidate
    plan: FormationPlan | None = None


@dataclass(frozen=True)
class ProposedGroup:
    number: int
    group: joint.JointGroup
    rows: list[CandidateRow]

    @property
    def organization_ids(self) -> list[int]:
        return [r.organization.pk for r in self.rows]

    @property
    def members(self) -> int:
        return sum(r.facts.total_members for r in self.rows)

    @property
    def reason_labels(self) -> list[str]:
        return [str(JOINT_REASON_LABELS[r]) for r in self.group.reasons]


@dataclass(frozen=True)
class AttachRow:
    row: CandidateRow
    party_organization: PartyOrganization
    suggestion: joint.AttachSuggestion

    @property
    def reason_labels(self) -> list[str]:
        return [str(JOINT_REASON_LABELS[r]) for r in self.suggestion.reasons]

    @property
    def kind_label(self) -> str:
        return str(JOINT_BRANCH_KIND_LABELS[self.suggestion.kind])


@dataclass(frozen=True)
class JointProposal:
    township: AdministrativeUnit
    on: dt.date
    min_full_members: int
    max_group_size: int
    groups: list[ProposedGroup]
    uncovered: list[CandidateRow]
    attach: list[AttachRow]
    exact: bool
    rows: dict[int, CandidateRow]


def _candidate(org: Organization, facts: OrganizationFacts) -> joint.Candidate:
    return joint.Candidate(
        id=str(org.pk),
        full_members=facts.full_members,
        industry_code=org.industry_code,
        category=org.category,
        township=org.township.code,
        village=org.village.code if org.village_id and org.village else "",
        latitude=float(org.latitude) if org.latitude is not None else None,
        longitude=float(org.longitude) if org.longitude is not None else None,
        association=None,  # the register does not record association membership (yet)
        name=org.name,
    )


def _facts_on(organizations: QuerySet[Organization] | list[int], on: dt.date) -> dict[int, OrganizationFacts]:
    facts = OrganizationFacts.objects.filter(_valid_on(on))
    if isinstance(organizations, QuerySet):
        facts = facts.filter(organization__in=organizations.values("pk"))
    else:
        facts = facts.filter(organization_id__in=organizations)
    # The later row wins if intervals ever overlap.
    return {f.organization_id: f for f in facts.order_by("organization_id", "valid_from")}


def joint_candidate_rows(
    *,
    user: User,
    on: dt.date,
    township: AdministrativeUnit | None = None,
    organization_ids: Iterable[int] | None = None,
    below: int | None = None,
) -> list[CandidateRow]:
    """Organizations in the user's scope (in ``township`` / among ``organization_ids`` when given)
    that could join a joint party organization on ``on``: census facts valid that day, not
    deregistered, not merged, not covered by any party organization that day, and (``below``)
    with fewer full members than that. Four queries."""
    covered = PartyOrganizationCoverage.objects.filter(_valid_on(on), organization=OuterRef("pk"))
    orgs = Organization.objects.filter(organization_scope(user), merged_into__isnull=True).filter(~Exists(covered))
    if township is not None:
        orgs = orgs.filter(township=township)
    if organization_ids is not None:
        orgs = orgs.filter(pk__in=list(organization_ids))
    facts = _facts_on(orgs, on)
    plans = {
        p.organization_id: p
        for p in FormationPlan.objects.filter(organization__in=orgs.values("pk"), status__in=OPEN_STATUSES)
    }
    rows = []
    for org in orgs.select_related("township", "village").order_by("name_normalized", "pk"):
        f = facts.get(org.pk)
        if f is None or f.operating_status == OperatingStatus.DEREGISTERED:
            continue
        if below is not None and f.full_members >= below:
            continue
        rows.append(CandidateRow(organization=org, facts=f, candidate=_candidate(org, f), plan=plans.get(org.pk)))
    return rows


ASSOCIATION_TYPES = ("industry_association", "chamber_of_commerce")
ATTACH_KINDS = {
    PartyOrganizationKind.JOINT_BRANCH: joint.JOINT_BRANCH,
    PartyOrganizationKind.BUILDING_BRANCH: joint.BUILDING_BRANCH,
}


def attach_branches(
    *, user: User, on: dt.date, township: AdministrativeUnit
) -> list[tuple[PartyOrganization, joint.Branch]]:
    """Party organizations in the user's scope and ``township``, in existence on ``on``, that a
    candidate might join: joint and building branches, and any party organization covering an
    industry association or chamber of commerce (its branch). Three queries."""
    parties = {
        p.pk: p
        for p in PartyOrganization.objects.filter(
            party_organization_scope(user), township=township, founded_on__lte=on
        ).filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on))
    }
    coverages = (
        PartyOrganizationCoverage.objects.filter(_valid_on(on), party_organization_id__in=list(parties))
        .select_related("organization", "organization__township", "organization__village")
        .order_by("party_organization_id", "organization_id")
    )
    covers: dict[int, list[Organization]] = {}
    for cov in coverages:
        covers.setdefault(cov.party_organization_id, []).append(cov.organization)
    facts = _facts_on([o.pk for orgs in covers.values() for o in orgs], on)
    result = []
    for pk, orgs in covers.items():
        party = parties[pk]
        association = next((o for o in orgs if o.org_type in ASSOCIATION_TYPES), None)
        kind = ATTACH_KINDS.get(party.kind)  # type: ignore[call-overload]
        if kind is None and association is not None:
            kind = joint.ASSOCIATION_BRANCH
        if kind is None:
            continue
        members = tuple(
            _candidate(o, facts[o.pk])
            if o.pk in facts
            else joint.Candidate(
                id=str(o.pk),
                full_members=0,
                industry_code=o.industry_code,
                category=o.category,
                township=o.township.code,
                village=o.village.code if o.village else "",
            )
            for o in orgs
        )
        branch = joint.Branch(
            id=str(pk),
            kind=kind,
            covers=members,
            association=str(association.pk) if association is not None and kind == joint.ASSOCIATION_BRANCH else None,
            name=party.name,
        )
        result.append((party, branch))
    return result


def joint_proposal(*, user: User, on: dt.date, township: AdministrativeUnit) -> JointProposal:
    """The planner's proposal for ``township`` as of ``on`` under the policy in force that day:
    the best groups (``joint.plan_joint_groups``), the candidates left uncovered, and suggestions to
    attach candidates outside every group to an existing branch with room. Raises
    ``NoPolicyInForce`` before the first policy version."""
    policy = engine_policy_in_force(on=on)
    rows = joint_candidate_rows(user=user, on=on, township=township, below=policy.min_full_members)
    by_id = {r.candidate.id: r for r in rows}
    plan = joint.plan_joint_groups(
        [r.candidate for r in rows],
        min_full_members=policy.min_full_members,
        max_group_size=policy.max_joint_organizations,
    )
    groups = [
        ProposedGroup(number=n, group=g, rows=sorted((by_id[i] for i in g.ids), key=lambda r: r.candidate.id))
        for n, g in enumerate(
            sorted(plan.groups, key=lambda g: (-len(g.ids), g.dissimilarity, g.ids)),
            start=1,
        )
    ]
    uncovered = [by_id[i] for i in plan.uncovered]
    branches = attach_branches(user=user, on=on, township=township)
    parties = {b.id: p for p, b in branches}
    suggestions = joint.attach_suggestions(
        [r.candidate for r in uncovered],
        [b for _p, b in branches],
        max_group_size=policy.max_joint_organizations,
    )
    attach = [
        AttachRow(row=by_id[s.candidate_id], party_organization=parties[s.branch_id], suggestion=s) for s in suggestions
    ]
    return JointProposal(
        township=township,
        on=on,
        min_full_members=policy.min_full_members,
        max_group_size=policy.max_joint_organizations,
        groups=groups,
        uncovered=uncovered,
        attach=attach,
        exact=plan.exact,
        rows={r.organization.pk: r for r in rows},
    )
