"""Reads of training records and the yearly gap list, always within the user's scope.

Who the rules require is read from the register as it stands on the year's last day
(``rules.year_end``): party organizations in existence then (their secretaries, and the members of
them whose position is full-time party work), and organizations in the register then, not
deregistered (their owners). Whether they attended is counted over every training that ended in the
year, whoever held it: a township's secretary trained by the county counts for the township.
The rule of the year and the arithmetic are ``rules.py``'s.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.geo.models import AdministrativeUnit
from liangxin.orglife import compliance
from liangxin.registry.choices import OperatingStatus
from liangxin.registry.models import Organization, OrganizationFacts, PartyOrganization, PartyRelation
from liangxin.registry.selectors import townships_for, valid_on

from . import rules
from .models import Attendance, AttendeeKind, Training, TrainingRuleVersion
from .scoping import attendance_scope, kept_scope


def trainings_for(*, user: User, year: int | None = None) -> QuerySet[Training]:
    trainings = Training.objects.restrict(user).select_related("township", "department")
    if year is not None:
        trainings = trainings.filter(ends_on__year=year)
    return trainings.annotate(attendee_count=Count("attendances"))


def kept_trainings(*, user: User) -> QuerySet[Training]:
    return Training.objects.filter(kept_scope(user))


def attendees_of(*, user: User, training: Training) -> QuerySet[Attendance]:
    """The attendees of a training the user sees (the county all of them, a township its own)."""
    return (
        Attendance.objects.filter(attendance_scope(user), training=training)
        .select_related("township", "party_organization", "organization", "member")
        .order_by("kind", "township__code", "name", "pk")
    )


def attendances_in_scope(*, user: User) -> QuerySet[Attendance]:
    return Attendance.objects.filter(attendance_scope(user)).select_related("training")


# --- The rules ---------------------------------------------------------------------------------


def rule_versions() -> QuerySet[TrainingRuleVersion]:
    return TrainingRuleVersion.objects.order_by("-effective_from")


def rules_for_year(year: int) -> rules.YearlyRules | None:
    return rules.rules_for_year((v.as_rules() for v in rule_versions()), year)


# --- Who is required, who attended -------------------------------------------------------------


def _party_organizations_at_year_end(queryset: QuerySet[PartyOrganization], year: int) -> QuerySet[PartyOrganization]:
    end = rules.year_end(year)
    return queryset.filter(Q(founded_on__lte=end), Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=end))


def _organizations_at_year_end(queryset: QuerySet[Organization], year: int) -> QuerySet[Organization]:
    end = rules.year_end(year)
    standing = OrganizationFacts.objects.filter(valid_on(end), organization=OuterRef("pk")).exclude(
        operating_status=OperatingStatus.DEREGISTERED
    )
    return queryset.filter(Exists(standing), merged_into__isnull=True)


def _required(
    *, party_organizations: QuerySet[PartyOrganization], organizations: QuerySet[Organization] | None, year: int
) -> list[rules.Required]:
    end = rules.year_end(year)
    found: list[rules.Required] = []
    party_orgs = list(
        _party_organizations_at_year_end(party_organizations, year)
        .select_related("secretary")
        .order_by("township__code", "name", "pk")
    )
    for po in party_orgs:
        secretary = po.secretary.name if po.secretary is not None else ""
        found.append(rules.Required(rules.SECRETARY, po.pk, po.township_id, po.name, secretary))
    workers = (
        PartyRelation.objects.filter(
            valid_on(end),
            party_organization__in=[po.pk for po in party_orgs],
            member__position__in=sorted(rules.FULL_TIME_POSITIONS),
        )
        .select_related("member", "party_organization")
        .order_by("party_organization__name", "member__name", "member_id")
    )
    for relation in workers:
        po = relation.party_organization
        found.append(
            rules.Required(rules.PARTY_WORKER, relation.member_id, po.township_id, po.name, relation.member.name)
        )
    if organizations is not None:
        owners = _organizations_at_year_end(organizations, year).order_by("township__code", "name", "pk")
        for org in owners.only("pk", "name", "township_id", "contact_person"):
            found.append(rules.Required(rules.OWNER, org.pk, org.township_id, org.name, ""))
    return found


def _attended(*, year: int, required: Sequence[rules.Required]) -> dict[tuple[str, int], int]:
    """(audience, key) → distinct trainings of the year attended, for the required people."""
    keys: dict[str, list[int]] = defaultdict(list)
    for person in required:
        keys[person.audience].append(person.key)
    of_year = Attendance.objects.filter(training__ends_on__year=year)
    counted: dict[tuple[str, int], int] = {}
    queries = (
        (rules.SECRETARY, "party_organization_id", Q(kind=AttendeeKind.SECRETARY)),
        (rules.PARTY_WORKER, "member_id", Q(member__isnull=False)),
        (rules.OWNER, "organization_id", Q(kind=AttendeeKind.OWNER)),
    )
    for audience, column, condition in queries:
        if not keys[audience]:
            continue
        rows = (
            of_year.filter(condition, **{f"{column}__in": keys[audience]})
            .values(column)
            .annotate(n=Count("training_id", distinct=True))
        )
        counted.update({(audience, row[column]): row["n"] for row in rows})
    return counted


@dataclass(frozen=True)
class GapReport:
    year: int
    policy: rules.YearlyRules | None
    statuses: list[rules.Status]
    tallies: dict[int, rules.TownshipTally]
    townships: list[AdministrativeUnit]

    @property
    def missing(self) -> list[rules.Status]:
        return [s for s in self.statuses if s.is_missing]

    def rows(self) -> list[tuple[AdministrativeUnit, list[tuple[int, int]], int]]:
        """Per township with someone required: (missing, required) per audience, and the missing in all."""
        found = []
        for township in self.townships:
            tally = self.tallies.get(township.pk)
            if tally is not None:
                cells = [(tally.missing[a], tally.required[a]) for a in rules.AUDIENCES]
                found.append((township, cells, tally.total_missing))
        return found


def training_gaps(
    *, user: User, year: int, township: AdministrativeUnit | None = None, audience: str | None = None
) -> GapReport:
    """The yearly gap list of the user's scope (optionally one township, one audience)."""
    townships = list(townships_for(user=user))
    party_orgs = PartyOrganization.objects.restrict(user)
    organizations = Organization.objects.restrict(user)
    if township is not None:
        party_orgs = party_orgs.filter(township=township)
        organizations = organizations.filter(township=township)
        townships = [t for t in townships if t.pk == township.pk]
    required = _required(party_organizations=party_orgs, organizations=organizations, year=year)
    if audience is not None:
        required = [r for r in required if r.audience == audience]
    year_rules = rules_for_year(year)
    found = rules.statuses(rules=year_rules, required=required, attended=_attended(year=year, required=required))
    return GapReport(year=year, policy=year_rules, statuses=found, tallies=rules.tally(found), townships=townships)


@dataclass(frozen=True)
class PartyOrganizationTraining:
    """A party organization's year against the training rules: its secretary and its full-time
    party workers (owners are the organizations', not the party organization's)."""

    party_organization_id: int
    year: int
    policy: rules.YearlyRules | None
    secretary: rules.Status | None  # None: the rules ask nothing, or it did not exist at the year's end
    party_workers: list[rules.Status]

    @property
    def complete(self) -> bool:
        return not any(s.is_missing for s in self.statuses)

    @property
    def statuses(self) -> list[rules.Status]:
        return ([self.secretary] if self.secretary is not None else []) + self.party_workers


def yearly_training_statuses(
    *, party_organizations: Iterable[PartyOrganization], year: int
) -> dict[int, PartyOrganizationTraining]:
    """The year's training status of each of the party organizations, in four queries. The caller
    passes party organizations it fetched through the user's scope: this reads nothing else."""
    ids = [po.pk for po in party_organizations]
    required = _required(
        party_organizations=PartyOrganization.objects.filter(pk__in=ids), organizations=None, year=year
    )
    year_rules = rules_for_year(year)
    found = rules.statuses(rules=year_rules, required=required, attended=_attended(year=year, required=required))
    secretaries: dict[int, rules.Status] = {}
    workers: dict[int, list[rules.Status]] = defaultdict(list)
    worker_po = {r.key: r for r in required if r.audience == rules.PARTY_WORKER}
    relations = dict(
        PartyRelation.objects.filter(
            valid_on(rules.year_end(year)), member_id__in=list(worker_po), party_organization_id__in=ids
        ).values_list("member_id", "party_organization_id")
    )
    for status in found:
        if status.required.audience == rules.SECRETARY:
            secretaries[status.required.key] = status
        else:
            workers[relations[status.required.key]].append(status)
    return {pk: PartyOrganizationTraining(pk, year, year_rules, secretaries.get(pk), workers.get(pk, [])) for pk in ids}


def yearly_training_status(*, party_organization: PartyOrganization, year: int) -> PartyOrganizationTraining:
    """One party organization's year (the compliance calendar's question): is its secretary, and
    each of its full-time party workers, trained as often as the year's rule asks?"""
    return yearly_training_statuses(party_organizations=[party_organization], year=year)[party_organization.pk]


# The row organization life's compliance calendar shows for the year's training (its
# ``CALENDAR_SOURCES``): the secretary's and the full-time party workers' training under the rule of
# the year, met when no one is missing, due until the year ends, missed after.
CALENDAR_RULE_CODE = "yearly_training"


def calendar_rows(
    *, party_organizations: Sequence[PartyOrganization], year: int, as_of: dt.date
) -> dict[int, list[compliance.Result]]:
    """Each party organization's training row for ``year`` (none where the rules ask nothing of
    it), in the queries of :func:`yearly_training_statuses`."""
    period = compliance.period_of(dt.date(year, 1, 1), compliance.YEAR)
    rule = compliance.Rule(CALENDAR_RULE_CODE, _("书记、专职党务工作者年度培训"), compliance.YEAR)
    found: dict[int, list[compliance.Result]] = {}
    for pk, training in yearly_training_statuses(party_organizations=party_organizations, year=year).items():
        if not training.statuses:
            continue
        attended = sum(min(s.times_attended, s.times_required) for s in training.statuses)
        status = compliance.MET if training.complete else compliance.MISSED if period.end <= as_of else compliance.DUE
        found[pk] = [compliance.Result(rule, period, status, attended)]
    return found
