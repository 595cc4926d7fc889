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
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from liangxin.accounts.models import User
from liangxin.policy import engine
from liangxin.policy.selectors import recommendations_for
from liangxin.registry.models import (
    Employment,
    Member,
    Organization,
    OrganizationFacts,
    PartyOrganization,
    PartyRelation,
)
from liangxin.registry.scoping import organization_scope, party_organization_scope

from . import transitions
from .choices import OPEN_STATUSES, PlanStatus
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


@dataclass(frozen=True)
class RegisterRow:
    organization: Organization
    recommendation: engine.Recommendation
    plan: FormationPlan | None
    overdue: bool
    facts: OrganizationFacts | None = None

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
    """The register as of ``on``, filtered, in township then name order. Eight queries whatever the
    number of rows (four for the engine, one for the organizations, one for the open plans, one for the facts)."""
    filters = filters or RegisterFilter()
    recommendations = recommendations_for(user=user, on=on)
    ids = [pk for pk, rec in recommendations.items() if rec.code not in OFF_REGISTER]
    if filters.recommendation:
        ids = [pk for pk in ids if recommendations[pk].code == filters.recommendation]
    if not ids:
        return []
    organizations = Organization.objects.filter(pk__in=ids).select_related("township")
    if filters.township:
        organizations = organizations.filter(township_id=filters.township)
    organizations = organizations.prefetch_related(
        Prefetch(
            "formation_plans",
            queryset=FormationPlan.objects.filter(status__in=OPEN_STATUSES),
            to_attr="open_plans",
        ),
        Prefetch(
            "facts",
            queryset=OrganizationFacts.objects.filter(valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
            .order_by("valid_from"),
            to_attr="facts_on",
        ),
    ).order_by("township__code", "name_normalized", "pk")
    rows = []
    for org in organizations:
        open_plans: list[FormationPlan] = org.open_plans
        plan = open_plans[0] if open_plans else None
        overdue = plan is not None and transitions.is_overdue(
            status=plan.status, planned_date=plan.planned_date, today=on
        )
        facts_on: list[OrganizationFacts] = org.facts_on
        row = RegisterRow(
            organization=org,
            recommendation=recommendations[org.pk],
            plan=plan,
            overdue=overdue,
            facts=facts_on[-1] if facts_on else None,
        )
        if filters.plan_status and row.plan_status != filters.plan_status:
            continue
        if filters.overdue and not overdue:
            continue
        rows.append(row)
    return rows


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
