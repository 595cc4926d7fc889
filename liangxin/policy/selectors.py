"""Reads of the policy in force and the year's targets.

Policy is county-wide reference data, the same for every role (like a code list), so the policy
selectors take no user: there is nothing to scope. Pages that show it still require a login.
:func:`register_facts` and :func:`recommendations_for` read the register, so they do.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.core.errors import ServiceError
from liangxin.registry.models import Organization, OrganizationFacts, PartyOrganizationCoverage
from liangxin.registry.scoping import organization_scope

from . import engine
from .models import PolicyTarget, PolicyVersion


class NoPolicyInForce(ServiceError):
    """No policy version was in force on the date asked for."""


def policy_versions() -> QuerySet[PolicyVersion]:
    """Every version, the latest first."""
    return PolicyVersion.objects.order_by("-effective_from")


def policy_in_force(*, on: dt.date) -> PolicyVersion | None:
    """The version with the latest ``effective_from`` not after ``on`` (None before the first)."""
    return PolicyVersion.objects.filter(effective_from__lte=on).order_by("-effective_from").first()


def engine_policy_in_force(*, on: dt.date) -> engine.Policy:
    """The engine's :class:`~.engine.Policy` in force on ``on``; refuses a date before the first."""
    version = policy_in_force(on=on)
    if version is None:
        raise NoPolicyInForce(
            _("%(date)s 没有施行中的政策版本(最早的版本尚未生效)。") % {"date": on.isoformat()}, field="on"
        )
    return version.as_policy()


def targets_for(*, year: int, policy: PolicyVersion | None = None) -> list[PolicyTarget]:
    """The targets that hold in ``year``: those of the latest year up to ``year`` that has targets
    (years after the last year with targets inherit that year's), from ``policy`` or the version in
    force at the end of ``year``. Empty before the first year with targets."""
    if policy is None:
        policy = policy_in_force(on=dt.date(year, 12, 31))
        if policy is None:
            return []
    rows = PolicyTarget.objects.filter(policy=policy, year__lte=year)
    last_year = rows.order_by("-year").values_list("year", flat=True).first()
    if last_year is None:
        return []
    return list(rows.filter(year=last_year).order_by("indicator"))


def register_facts(*, user: User, on: dt.date) -> list[engine.OrgFacts]:
    """The engine's facts of every organization in ``user``'s scope with census facts valid on
    ``on`` (ordered by id; an organization with no facts on that date is left out). Three queries
    whatever the number of organizations, read as values: the engine needs no model instances."""
    organizations = Organization.objects.filter(organization_scope(user), merged_into__isnull=True)
    valid_on = Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    facts_fields = (
        "operating_status", "employees", "full_members", "probationary_members", "owner_attitude",
        "secretary_candidate_available",
    )  # fmt: skip
    by_org = {
        row[0]: row[1:]
        for row in OrganizationFacts.objects.filter(valid_on, organization__in=organizations.values("pk"))
        .order_by("organization_id", "valid_from")  # the later row wins if intervals ever overlap
        .values_list("organization_id", *facts_fields)
    }
    kinds = {
        org_id: (kind, name)
        for org_id, kind, name in PartyOrganizationCoverage.objects.filter(
            valid_on, organization__in=organizations.values("pk")
        )
        .order_by("organization_id", "valid_from", "pk")
        .values_list("organization_id", "party_organization__kind", "party_organization__name")
    }
    result = []
    rows = organizations.order_by("pk").values_list(
        "pk", "name", "category", "org_type", "township__code", "village__code", "village__name", "industry_code",
        "department__name",
    )  # fmt: skip
    for pk, name, category, org_type, township, village, village_name, industry, department in rows:
        facts = by_org.get(pk)
        if facts is None:
            continue
        status, employees, full, probationary, attitude, candidate = facts
        kind, party_name = kinds.get(pk, ("", ""))
        result.append(
            engine.OrgFacts(
                id=str(pk),
                name=name,
                category=category,
                org_type=org_type,
                township_code=township,
                village_code=village or "",
                village_name=village_name or "",
                industry_code=industry,
                department=department or "",
                operating_status=status,
                employees=employees,
                full_members=full,
                probationary_members=probationary,
                owner_attitude=attitude,
                secretary_candidate_available=candidate,
                has_party_organization=pk in kinds,
                party_organization_kind=kind,
                party_organization_name=party_name,
            )
        )
    return result


def recommendations_for(*, user: User, on: dt.date) -> dict[int, engine.Recommendation]:
    """Organization id → the recommendation under the policy in force on ``on``, for every
    organization in ``user``'s scope with facts on that date. Partners are looked for within the
    scope (a township clerk's township; a department clerk's organizations of each township).
    Raises :class:`NoPolicyInForce` before the first version."""
    policy = engine_policy_in_force(on=on)
    facts = register_facts(user=user, on=on)
    return {int(f.id): r for f, r in zip(facts, engine.recommend_all(facts, policy), strict=True)}
