"""Reads of the policy in force and the year's targets.

Policy is county-wide reference data, the same for every role (like a code list), so the policy
selectors take no user: there is nothing to scope. Pages that show it still require a login.
:func:`register_facts` and :func:`recommendations_for` read the register, so they do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.core.errors import ServiceError
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry.models import Organization, OrganizationFacts, PartyOrganizationCoverage
from liangxin.registry.scoping import organization_scope

from . import engine, funding_rules
from .models import FundingPolicyVersion, PolicyTarget, PolicyVersion


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


def funding_policy_in_force(*, on: dt.date) -> FundingPolicyVersion | None:
    """The funding version with the latest ``effective_from`` not after ``on``."""
    return FundingPolicyVersion.objects.filter(effective_from__lte=on).order_by("-effective_from").first()


def funding_timeline() -> funding_rules.Timeline:
    """Every funding version as the pure rules, for reads that span months (dues of a year): three
    queries, whatever the number of months."""
    versions = FundingPolicyVersion.objects.prefetch_related("brackets", "fixed_amounts")
    return funding_rules.Timeline(version.as_rules() for version in versions)


def funding_rules_in_force(*, on: dt.date) -> funding_rules.FundingRules:
    """The funding rules in force on ``on``; refuses a date before the first version."""
    version = funding_policy_in_force(on=on)
    if version is None:
        raise NoPolicyInForce(
            _("%(date)s 没有施行中的经费政策版本(最早的版本尚未生效)。") % {"date": on.isoformat()}, field="on"
        )
    return version.as_rules()


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


def _scoped(
    *, user: User, township: AdministrativeUnit | None = None, township_ids: Collection[int] | None = None
) -> QuerySet[Organization]:
    organizations = Organization.objects.filter(organization_scope(user), merged_into__isnull=True)
    if township is not None:
        organizations = organizations.filter(township=township)
    if township_ids is not None:
        organizations = organizations.filter(township_id__in=township_ids)
    return organizations


def register_facts(
    *,
    user: User,
    on: dt.date,
    township: AdministrativeUnit | None = None,
    township_ids: Collection[int] | None = None,
) -> list[engine.OrgFacts]:
    """The engine's facts of every organization in ``user``'s scope (in ``township`` or
    ``township_ids``, when given)
    with census facts valid on ``on`` (ordered by id; an organization with no facts on that date is
    left out; merged ones too): the one reading of the census figures on a date, for the engine and
    for the pages that must agree with it (the joint-branch planner). Three queries whatever the
    number of organizations, read as plain values (a township of thousands is read in well under a
    second: no model instances)."""
    organizations = _scoped(user=user, township=township, township_ids=township_ids)
    # Tuples, not dicts: a county's register reads these for every page of it.
    by_org = {
        row[0]: row
        for row in OrganizationFacts.objects.filter(organization__in=organizations.values("pk"), valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("organization_id", "valid_from")  # the later row wins if intervals ever overlap
        .values_list(
            "organization_id",
            "operating_status",
            "employees",
            "full_members",
            "probationary_members",
            "owner_attitude",
            "secretary_candidate_available",
        )
    }
    kinds: dict[int, tuple[str, str]] = {}
    coverages = (
        PartyOrganizationCoverage.objects.filter(organization__in=organizations.values("pk"), valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("organization_id", "valid_from", "pk")
        .values_list("organization_id", "party_organization__kind", "party_organization__name")
    )
    for org_id, kind, party_name in coverages:
        kinds[org_id] = (kind, party_name)
    result = []
    for (
        pk,
        name,
        category,
        org_type,
        industry_code,
        latitude,
        longitude,
        township_code,
        village_code,
        village_name,
        department,
    ) in organizations.order_by("pk").values_list(
        "pk",
        "name",
        "category",
        "org_type",
        "industry_code",
        "latitude",
        "longitude",
        "township__code",
        "village__code",
        "village__name",
        "department__name",
    ):
        facts = by_org.get(pk)
        if facts is None:
            continue
        _org, status, employees, full_members, probationary_members, attitude, secretary = facts
        kind, party_name = kinds.get(pk, ("", ""))
        result.append(
            engine.OrgFacts(
                id=str(pk),
                name=name,
                category=category,
                org_type=org_type,
                township_code=township_code,
                village_code=village_code or "",
                village_name=village_name or "",
                industry_code=industry_code,
                department=department or "",
                operating_status=status,
                employees=employees,
                full_members=full_members,
                probationary_members=probationary_members,
                owner_attitude=attitude,
                secretary_candidate_available=secretary,
                has_party_organization=pk in kinds,
                party_organization_kind=kind,
                party_organization_name=party_name,
                latitude=float(latitude) if latitude is not None else None,
                longitude=float(longitude) if longitude is not None else None,
            )
        )
    return result


def recommend_facts(facts: Sequence[engine.OrgFacts], policy: engine.Policy) -> dict[int, engine.Recommendation]:
    """Organization id → the recommendation of each of ``facts`` (``register_facts``), each with
    the others as neighbours."""
    return {int(f.id): r for f, r in zip(facts, engine.recommend_all(facts, policy), strict=True)}


def recommendations_for(
    *, user: User, on: dt.date, township_ids: Collection[int] | None = None
) -> dict[int, engine.Recommendation]:
    """Organization id → the recommendation under the policy in force on ``on``, for every
    organization in ``user``'s scope with facts on that date. Partners are looked for within the
    scope (a township clerk's township; a department clerk's organizations of each township).
    The engine looks for partners in the organization's own township only, so the
    recommendations of some townships (``township_ids``) are those of the whole scope.
    Raises :class:`NoPolicyInForce` before the first version."""
    policy = engine_policy_in_force(on=on)
    return recommend_facts(register_facts(user=user, on=on, township_ids=township_ids), policy)


def recommendation_of(*, user: User, organization: Organization, on: dt.date) -> engine.Recommendation | None:
    """The recommendation of one organization on ``on`` (None without census facts then), computed
    with its township only — the engine's partners are in the organization's own township, so it
    is the one the whole register shows. Raises :class:`NoPolicyInForce` before the first version."""
    policy = engine_policy_in_force(on=on)
    facts = register_facts(user=user, on=on, township_ids=[organization.township_id])
    own = next((f for f in facts if f.id == str(organization.pk)), None)
    return None if own is None else engine.Recommender(facts, policy)(own)
