"""Reads of the formation register. The user is a required argument; every queryset is scoped
through ``registry.scoping``.

The register (台账) is every organization in the user's scope, with census facts on the date,
whose recommendation its status does not settle (``engine.settled_code``: not ``covered``, not
``not_applicable``): every organization without a party organization that has not been
deregistered. The census facts are read batch of townships by batch, a fixed number of queries a
batch whatever its rows; the engine (``engine.Recommender``) runs in Python when a row's
recommendation is first shown, or on the whole batch when the register is filtered by it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from liangxin.accounts.models import User
from liangxin.core.dates import today
from liangxin.geo.models import AdministrativeUnit
from liangxin.mobility.models import Direction, MobileMember
from liangxin.policy import engine, partners
from liangxin.policy.selectors import NoPolicyInForce, engine_policy_in_force, register_facts
from liangxin.registry.choices import PartyOrganizationKind
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
from liangxin.registry.selectors import search_condition

from . import joint, transitions
from .choices import (
    JOINT_BRANCH_KIND_LABELS,
    JOINT_LEFT_OUT_LABELS,
    JOINT_NOT_CANDIDATE_LABELS,
    JOINT_REASON_LABELS,
    OPEN_STATUSES,
    PlanStatus,
)
from .models import FormationPlan, MemberAction, Verification

# Register filters: plan status adds "none" (no open plan) to the open statuses.
NO_PLAN = "none"
REGISTER_CODES = tuple(code for code in engine.PRIMARY_CODES if code not in engine.SETTLED_CODES)


@dataclass(frozen=True)
class RegisterFilter:
    q: str = ""  # the register's search: name, pinyin (initials), credit code
    township: int | None = None
    recommendation: str = ""
    plan_status: str = ""  # "", NO_PLAN, or an open status
    overdue: bool = False


class _Instances:
    """The organizations and census facts of a run of register rows, read by blocks of ``block``
    rows when a row is first shown: a page of the register reads its own rows' instances, not the
    whole register's, while an export (a block of a whole batch) reads each batch's in one go."""

    def __init__(self, *, on: dt.date, block: int) -> None:
        self.on = on
        self.block = block
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
        start = self.position[organization_id] // self.block * self.block
        ids = self.ids[start : start + self.block]
        self.organizations.update(
            Organization.objects.select_related("township", "village", "department")
            .defer(*_UNREAD_COLUMNS)
            .in_bulk(ids)
        )
        facts = OrganizationFacts.objects.filter(_valid_on(self.on), organization_id__in=ids).order_by(
            "organization_id", "valid_from"
        )  # the later row wins if intervals ever overlap, as in ``policy.selectors.register_facts``
        self.facts.update((f.organization_id, f) for f in facts)


# The pinyin keys, former names (JSON), address and the like are not shown by the register: at
# 100,000 organizations reading them was a fifth of a register export's time.
_UNREAD_COLUMNS = (
    "name_initials",
    "name_pinyin",
    "former_names",
    "address",
    "latitude",
    "longitude",
    "contact_person",
    "contact_phone",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True)
class RegisterRow:
    organization_id: int
    plan: FormationPlan | None
    overdue: bool
    engine_facts: engine.OrgFacts = field(compare=False, repr=False)
    recommender: engine.Recommender = field(compare=False, repr=False)
    instances: _Instances = field(compare=False, repr=False)

    @property
    def recommendation(self) -> engine.Recommendation:
        """Worked out when first shown (``engine.Recommender``): a page of the register works out
        its own rows', an export every row's."""
        return self.recommender(self.engine_facts)

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


# Organizations per batch of townships a register read holds at once: memory follows the batch
# (or the largest township), not the register, and the queries follow the batches, not the rows.
REGISTER_BATCH = 5000


def register_rows(
    *, user: User, on: dt.date, filters: RegisterFilter | None = None, group: Q | None = None
) -> list[RegisterRow]:
    """The register as of ``on`` (``iter_register_rows``), as a list: what a page shows."""
    return list(iter_register_rows(user=user, on=on, filters=filters, group=group, block=settings.PAGE_SIZE))


def iter_register_rows(
    *,
    user: User,
    on: dt.date,
    filters: RegisterFilter | None = None,
    group: Q | None = None,
    block: int = REGISTER_BATCH,
) -> Iterator[RegisterRow]:
    """The register as of ``on``, filtered (``group``: a condition on the organizations, such as
    a coverage group), in township then name order, as an iterator: read and recommended in
    batches of whole townships (``REGISTER_BATCH`` organizations; partners are looked for in the
    organization's own township, so a batch's recommendations are the whole scope's), each
    organization read once, for the engine and as values for the order. A row's recommendation is
    worked out when first shown (the whole batch's when ``filters`` asks for one recommendation);
    the rows' organizations and census facts are model instances read when a row is first shown,
    ``block`` rows at a time (a page: ``settings.PAGE_SIZE``; an export: the batch). Five queries a
    batch (six with a ``group``) and two a block, two before; raises ``NoPolicyInForce`` at once,
    before the first version."""
    filters = filters or RegisterFilter()
    policy = engine_policy_in_force(on=on)
    organizations = Organization.objects.filter(organization_scope(user), merged_into__isnull=True)
    if filters.township:
        organizations = organizations.filter(township_id=filters.township)
    if filters.q.strip():
        # The search narrows the rows shown, like a group: recommendations still weigh every
        # organization of the township (partners), so the batches read whole townships.
        searched = search_condition(filters.q)
        group = searched if group is None else group & searched
    if group is not None:
        organizations = organizations.filter(group)
    batches = _township_batches(organizations)
    return _register_batches(
        user, on, policy, filters, organizations if group is not None else None, batches, block=block
    )


def _township_batches(organizations: QuerySet[Organization]) -> list[list[int]]:
    """The townships of ``organizations`` in code order, cut into runs of about
    ``REGISTER_BATCH`` organizations (a larger township is a batch of its own)."""
    batches: list[list[int]] = []
    size = REGISTER_BATCH
    for township_id, n in (
        organizations.values("township_id", "township__code")
        .annotate(n=Count("pk"))
        .order_by("township__code")
        .values_list("township_id", "n")
    ):
        if size + n > REGISTER_BATCH:
            batches.append([])
            size = 0
        batches[-1].append(township_id)
        size += n
    return batches


def _register_batches(
    user: User,
    on: dt.date,
    policy: engine.Policy,
    filters: RegisterFilter,
    grouped: QuerySet[Organization] | None,
    batches: list[list[int]],
    *,
    block: int,
) -> Iterator[RegisterRow]:
    for townships in batches:
        facts = register_facts(user=user, on=on, township_ids=townships)
        recommender = engine.Recommender(facts, policy)
        shown = set(grouped.filter(township_id__in=townships).values_list("pk", flat=True)) if grouped else None
        on_register = {
            int(f.id): f
            for f in facts
            if engine.settled_code(f) is None
            and (shown is None or int(f.id) in shown)
            and (not filters.recommendation or recommender(f).code == filters.recommendation)
        }
        if not on_register:
            continue
        # Read by the batch's townships and kept by ``on_register`` here: a list of a thousand keys in
        # the SQL cost more to build and parse than the rows it leaves out.
        plans: dict[int, FormationPlan] = {}
        for open_plan in FormationPlan.objects.filter(
            organization__township_id__in=townships, status__in=OPEN_STATUSES
        ):
            if open_plan.organization_id in on_register:
                plans.setdefault(open_plan.organization_id, open_plan)  # the first in the model's order: the latest
        ordered = [
            pk
            for pk in Organization.objects.filter(township_id__in=townships)
            .order_by("township__code", "name_normalized", "pk")
            .values_list("pk", flat=True)
            if pk in on_register
        ]
        instances = _Instances(on=on, block=block)
        rows = []
        for pk in ordered:
            plan = plans.get(pk)
            overdue = plan is not None and transitions.is_overdue(
                status=plan.status, planned_date=plan.planned_date, today=on
            )
            row = RegisterRow(
                organization_id=pk,
                plan=plan,
                overdue=overdue,
                engine_facts=on_register[pk],
                recommender=recommender,
                instances=instances,
            )
            if filters.plan_status and row.plan_status != filters.plan_status:
                continue
            if filters.overdue and not overdue:
                continue
            rows.append(row)
        instances.set_rows(r.organization_id for r in rows)
        yield from rows


class SummaryCounter:
    """Counts per township (in the rows' order) by recommendation and by plan status, taken as
    the rows go by: an export writes the register and its summary in one pass."""

    def __init__(self) -> None:
        self._summaries: dict[int, TownshipSummary] = {}

    def counted(self, rows: Iterable[RegisterRow]) -> Iterator[RegisterRow]:
        for row in rows:
            township = row.organization.township
            summary = self._summaries.get(township.pk)
            if summary is None:
                summary = self._summaries[township.pk] = TownshipSummary(township=township.name)
            summary.total += 1
            summary.by_code[row.recommendation.code] += 1
            summary.by_status[row.plan_status] += 1
            summary.overdue += int(row.overdue)
            yield row

    @property
    def summaries(self) -> list[TownshipSummary]:
        return list(self._summaries.values())


def township_summary(rows: Iterable[RegisterRow]) -> list[TownshipSummary]:
    """Counts per township (in the rows' order) by recommendation and by plan status."""
    counter = SummaryCounter()
    for _row in counter.counted(rows):
        pass
    return counter.summaries


def plan_status_choices() -> list[tuple[str, str]]:
    return [(NO_PLAN, "无方案"), *((s, str(PlanStatus(s).label)) for s in transitions.OPEN_STATUSES_ORDER)]


# --- 一个不能少: members on no roster -------------------------------------------------------------


def _on_no_roster(user: User, organization_ids: list[int] | None = None) -> QuerySet[Member]:
    """Members with no open party relation who work (open employment) in an organization in the
    user's scope (among ``organization_ids`` when given), and who are not on the mobile members'
    ledger as coming in (their relation is held outside the county: ``mobility``)."""
    employments = Employment.objects.filter(organization_scope(user, prefix="organization__"), valid_to__isnull=True)
    if organization_ids is not None:
        employments = employments.filter(organization_id__in=organization_ids)
    return Member.objects.filter(
        Exists(employments.filter(member=OuterRef("pk"))),
        ~Exists(PartyRelation.objects.filter(member=OuterRef("pk"), valid_to__isnull=True)),
        ~Exists(MobileMember.objects.filter(member=OuterRef("pk"), direction=Direction.INFLOW, ended_on__isnull=True)),
    )


def unrostered_members(*, user: User) -> QuerySet[Member]:
    """Members on no roster who work in an organization in the user's scope, with their employer
    and the actions taken for them (three queries a page)."""
    return (
        _on_no_roster(user)
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
# Who may build jointly with whom is ``policy/partners.py`` (through the engine), read on the census
# figures as ``policy.selectors.register_facts`` reads them for the register's recommendation: the
# planner and the register cannot disagree. Notes: ``docs/joint-formation.md``.


def _valid_on(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": on})
    )


@dataclass(frozen=True)
class PartnerOption:
    """An organization a 联合建 plan may name as a partner, as the plan form shows it: its census
    figures today and why it fits the plan's organization (``joint.group_reasons`` of the pair)."""

    organization_id: int
    facts: engine.OrgFacts
    reasons: tuple[str, ...] = ()  # labels
    dissimilarity: int = 0

    @property
    def name(self) -> str:
        return self.facts.name


def partner_options(*, user: User, organization: Organization, include: Iterable[int] = ()) -> list[PartnerOption]:
    """The organizations a 联合建 plan of ``organization`` may name as partners, least dissimilar
    first: joint candidates today (``engine.joint_candidate_problem``: operating, uncovered, 1 to
    minimum − 1 full members) in the user's scope and the same township that ``partners.compatible``
    lets build with ``organization`` (similar business, neighbouring area: the rule the engine and the
    joint planner use); and the partners the plan already names (``include``) wherever they stand.
    Without census figures of ``organization`` every candidate of the township is offered."""
    include = set(include)
    on = today()
    try:
        policy = engine_policy_in_force(on=on)
    except NoPolicyInForce:
        return []
    facts = register_facts(user=user, on=on, township=organization.township)
    settings = engine.partner_settings(policy)
    lead = next((f for f in facts if int(f.id) == organization.pk), None)
    me = engine.as_candidate(lead) if lead is not None else None
    options = []
    for f in facts:
        pk = int(f.id)
        if pk == organization.pk:
            continue
        candidate = engine.as_candidate(f)
        fits = engine.joint_candidate_problem(f, policy) is None and (
            me is None or partners.compatible(me, candidate, settings)
        )
        if not fits and pk not in include:
            continue
        pair = [me, candidate] if me is not None else [candidate]
        options.append(
            PartnerOption(
                organization_id=pk,
                facts=f,
                reasons=tuple(str(JOINT_REASON_LABELS[r]) for r in joint.group_reasons(pair, settings)) if fits else (),
                dissimilarity=partners.pair_dissimilarity(me, candidate, settings) if me is not None else 0,
            )
        )
    options.sort(key=lambda o: (o.dissimilarity, o.facts.name, o.organization_id))
    return options


def partner_choices(*, user: User, organization: Organization, include: Iterable[int] = ()) -> QuerySet[Organization]:
    """The organizations of :func:`partner_options`, as the queryset the plan form validates against."""
    ids = [o.organization_id for o in partner_options(user=user, organization=organization, include=include)]
    return Organization.objects.filter(organization_scope(user), pk__in=ids, merged_into__isnull=True).order_by(
        "name_normalized", "pk"
    )


def search_partner_options(
    options: list[PartnerOption], *, q: str, chosen: Iterable[int] = (), limit: int = 20
) -> tuple[list[PartnerOption], list[PartnerOption], int]:
    """What the plan form lists: the chosen partners, then up to ``limit`` other options matching
    ``q`` (name, pinyin, credit code: the register's search) — the least dissimilar ones when
    ``q`` is empty — and how many others match beyond the limit."""
    chosen = set(chosen)
    picked = [o for o in options if o.organization_id in chosen]
    others = [o for o in options if o.organization_id not in chosen]
    if q.strip():
        found = set(
            Organization.objects.filter(pk__in=[o.organization_id for o in others])
            .filter(search_condition(q))
            .values_list("pk", flat=True)
        )
        others = [o for o in others if o.organization_id in found]
    return picked, others[:limit], max(0, len(others) - limit)


@dataclass(frozen=True)
class CandidateRow:
    """One organization of the township as the planner sees it: its census facts on the date
    (the engine's reading, with its name and village), and why it is no joint candidate
    (``problem``; None when it is one)."""

    organization_id: int
    facts: engine.OrgFacts
    candidate: joint.Candidate
    plan: FormationPlan | None = None
    problem: str | None = None


@dataclass(frozen=True)
class ProposedGroup:
    number: int
    group: joint.JointGroup
    rows: list[CandidateRow]

    @property
    def organization_ids(self) -> list[int]:
        return [r.organization_id for r in self.rows]

    @property
    def members(self) -> int:
        return sum(r.facts.members for r in self.rows)

    @property
    def reason_labels(self) -> list[str]:
        return [str(JOINT_REASON_LABELS[r]) for r in self.group.reasons]


@dataclass(frozen=True)
class LeftOutRow:
    row: CandidateRow
    reason: str

    @property
    def reason_label(self) -> str:
        return str(JOINT_LEFT_OUT_LABELS[self.reason])


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
    uncovered: list[LeftOutRow]
    attach: list[AttachRow]
    exact: bool
    timed_out: bool
    rows: dict[int, CandidateRow]  # the candidates, by organization id
    not_candidates: list[tuple[str, int]]  # (label, how many) of the township's other organizations


def joint_rows(*, user: User, on: dt.date, township: AdministrativeUnit, policy: engine.Policy) -> list[CandidateRow]:
    """Every organization of ``township`` in the user's scope with census facts on ``on`` (merged
    ones left out), each with its open plan and why it is no joint candidate; by name. Four queries."""
    facts = register_facts(user=user, on=on, township=township)
    in_township = Organization.objects.filter(organization_scope(user), township=township)
    plans = {
        p.organization_id: p
        for p in FormationPlan.objects.filter(organization__in=in_township.values("pk"), status__in=OPEN_STATUSES)
    }
    return [
        CandidateRow(
            organization_id=int(f.id),
            facts=f,
            candidate=engine.as_candidate(f),
            plan=plans.get(int(f.id)),
            problem=engine.joint_candidate_problem(f, policy),
        )
        for f in sorted(facts, key=lambda f: (f.name, int(f.id)))
    ]


ASSOCIATION_TYPES = ("industry_association", "chamber_of_commerce")
ATTACH_KINDS = {
    PartyOrganizationKind.JOINT_BRANCH: joint.JOINT_BRANCH,
    PartyOrganizationKind.BUILDING_BRANCH: joint.BUILDING_BRANCH,
}


def attach_branches(
    *, user: User, on: dt.date, township: AdministrativeUnit, facts: dict[int, engine.OrgFacts]
) -> list[tuple[PartyOrganization, joint.Branch]]:
    """Party organizations in the user's scope and ``township``, in existence on ``on``, that a
    candidate might join: joint and building branches, and any party organization covering an
    industry association or chamber of commerce (its branch). ``facts``: the township's census
    facts on ``on`` by organization id (:func:`joint_rows` has read them). Two queries."""
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
            engine.as_candidate(facts[o.pk])
            if o.pk in facts
            else joint.Candidate(
                id=str(o.pk),
                full_members=0,
                industry_code=o.industry_code,
                category=o.category,
                org_type=o.org_type,
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


def joint_proposal(
    *,
    user: User,
    on: dt.date,
    township: AdministrativeUnit,
    seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> JointProposal:
    """The planner's proposal for ``township`` as of ``on`` under the policy in force that day:
    the best groups (``joint.plan_joint_groups``, given ``seconds`` on ``clock`` from when the
    candidates are read; None: no limit), the candidates left out with why, suggestions to attach
    them to an existing branch with room, and how many of the township's other organizations are
    no candidates, by reason. Raises ``NoPolicyInForce`` before the first policy version."""
    policy = engine_policy_in_force(on=on)
    every = joint_rows(user=user, on=on, township=township, policy=policy)
    rows = [r for r in every if r.problem is None]
    by_id = {r.candidate.id: r for r in rows}
    plan = joint.plan_joint_groups(
        [r.candidate for r in rows],
        min_full_members=policy.min_full_members,
        max_group_size=policy.max_joint_organizations,
        deadline=joint.Deadline(seconds, clock),
    )
    groups = [
        ProposedGroup(number=n, group=g, rows=sorted((by_id[i] for i in g.ids), key=lambda r: r.candidate.id))
        for n, g in enumerate(
            sorted(plan.groups, key=lambda g: (-len(g.ids), g.dissimilarity, g.ids)),
            start=1,
        )
    ]
    uncovered = [LeftOutRow(row=by_id[i], reason=plan.reasons[i]) for i in plan.uncovered]
    branches = attach_branches(user=user, on=on, township=township, facts={r.organization_id: r.facts for r in every})
    parties = {b.id: p for p, b in branches}
    suggestions = joint.attach_suggestions(
        [r.row.candidate for r in uncovered],
        [b for _p, b in branches],
        max_group_size=policy.max_joint_organizations,
    )
    attach = [
        AttachRow(row=by_id[s.candidate_id], party_organization=parties[s.branch_id], suggestion=s) for s in suggestions
    ]
    counts = Counter(r.problem for r in every if r.problem in JOINT_NOT_CANDIDATE_LABELS)
    return JointProposal(
        township=township,
        on=on,
        min_full_members=policy.min_full_members,
        max_group_size=policy.max_joint_organizations,
        groups=groups,
        uncovered=uncovered,
        attach=attach,
        exact=plan.exact,
        timed_out=plan.timed_out,
        rows={r.organization_id: r for r in rows},
        not_candidates=[
            (str(label), counts[code]) for code, label in JOINT_NOT_CANDIDATE_LABELS.items() if counts[code]
        ],
    )


def review_choices(
    *, rows: list[CandidateRow], selected: Iterable[int], settings: partners.Settings, limit: int = 30
) -> tuple[list[int], list[int]]:
    """What the review page offers beside the ``selected`` organizations: the ``limit`` joint
    candidates compatible with every selected candidate, least dissimilar first; and the
    organizations without full members (operating, uncovered) in the selected candidates'
    villages, which a clerk may add with a reason (the whole township when they have none)."""
    by_pk = {r.organization_id: r for r in rows}
    chosen = [by_pk[pk] for pk in selected if pk in by_pk]
    chosen_ids = {r.organization_id for r in chosen}
    group = [r.candidate for r in chosen if r.problem is None]
    fitting = sorted(
        (sum(partners.pair_dissimilarity(r.candidate, g, settings) for g in group), r.organization_id)
        for r in rows
        if r.problem is None
        and r.organization_id not in chosen_ids
        and all(partners.compatible(r.candidate, g, settings) for g in group)
    )
    villages = {r.facts.village_code for r in chosen if r.facts.village_code}
    memberless = [
        r.organization_id
        for r in rows
        if r.problem == partners.NOT_CANDIDATE_NO_FULL_MEMBERS and (not villages or r.facts.village_code in villages)
    ]
    return [pk for _d, pk in fitting[:limit]], memberless


@dataclass(frozen=True)
class ReviewOption:
    """One organization the review page offers: its facts on the date, whether it is ticked, and
    why it fits the ticked joint candidates (labels of ``joint.group_reasons`` of them and it)."""

    organization_id: int
    facts: engine.OrgFacts
    checked: bool
    in_group: bool
    reasons: tuple[str, ...] = ()


def review_options(
    *,
    rows: list[CandidateRow],
    selected: Iterable[int],
    nearby: Iterable[int],
    checked: Iterable[int],
    settings: partners.Settings,
) -> list[ReviewOption]:
    """The review page's candidate list in the order a clerk reads it: the group's organizations
    (``selected``, as given), then the compatible candidates (``nearby``, least dissimilar first:
    :func:`review_choices`), each with its members and why it fits the group's candidates."""
    by_pk = {r.organization_id: r for r in rows}
    selected = [pk for pk in dict.fromkeys(selected) if pk in by_pk]
    ticked = set(checked)
    group = [by_pk[pk].candidate for pk in selected if by_pk[pk].problem is None]
    options = []
    for pk in [*selected, *(pk for pk in nearby if pk not in set(selected) and pk in by_pk)]:
        row = by_pk[pk]
        in_group = pk in selected
        others = [c for c in group if c.id != row.candidate.id]
        reasons = joint.group_reasons([*others, row.candidate], settings) if others and row.problem is None else ()
        options.append(
            ReviewOption(
                organization_id=pk,
                facts=row.facts,
                checked=pk in ticked,
                in_group=in_group,
                reasons=tuple(str(JOINT_REASON_LABELS[r]) for r in reasons),
            )
        )
    return options


def members_to_move(*, user: User, organizations: Iterable[Organization]) -> list[Member]:
    """The members whose party relation moves when a party organization covering ``organizations``
    is formed: those working there now (open employment) who are on no roster (no open relation),
    in the user's scope; in id order."""
    ids = [o.pk for o in organizations]
    return list(
        _on_no_roster(user, ids)
        .prefetch_related(
            Prefetch(
                "employments",
                queryset=Employment.objects.filter(organization_id__in=ids, valid_to__isnull=True).select_related(
                    "organization"
                ),
                to_attr="moving_from",
            )
        )
        .order_by("pk")
    )
