"""Reads of standardization and the five-goods assessment. The user is a required argument of every
read of business data, and every queryset goes through the register's scope
(``PartyOrganization.objects.restrict``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from liangxin.accounts.models import User
from liangxin.core.dates import today
from liangxin.core.errors import ServiceError
from liangxin.geo.models import AdministrativeUnit
from liangxin.registry.models import PartyOrganization

from . import rules
from .choices import ITEM_HINTS, FiveOnesItem
from .models import ChecklistItem, Evidence, FiveGoodsAssessment, StandardizationPolicy

# An item is done when its check passed; the database holds a check to evidence and to a checker
# other than the secretary (``models.ChecklistItem``), so this is the whole rule.
DONE = Q(check_passed=True)


def policy_on(on: dt.date) -> StandardizationPolicy:
    policy = StandardizationPolicy.objects.filter(valid_from__lte=on).order_by("-valid_from").first()
    if policy is None:
        raise ServiceError(_("%(date)s 没有生效的规范化建设标准。") % {"date": on})
    return policy


def current_policy() -> StandardizationPolicy | None:
    """The standard in force today, for the pages (None before any)."""
    return StandardizationPolicy.objects.filter(valid_from__lte=today()).order_by("-valid_from").first()


def party_organizations_for(*, user: User) -> QuerySet[PartyOrganization]:
    return PartyOrganization.objects.restrict(user).select_related("township")


def evidence_for(*, user: User) -> QuerySet[Evidence]:
    return Evidence.objects.filter(
        item__party_organization__in=PartyOrganization.objects.restrict(user).values("pk")
    ).select_related("item__party_organization")


# --- The checklist ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    code: str
    label: str
    hint: str
    item: ChecklistItem | None
    evidence: list[Evidence]

    @property
    def done(self) -> bool:
        return self.item is not None and self.item.done

    @property
    def status(self) -> str:
        """``done``, ``failed`` (checked, not passed), ``to_check`` (evidence, no check) or ``empty``."""
        if self.item is None or not self.evidence:
            return "empty"
        if self.item.check_passed is None:
            return "to_check"
        return "done" if self.item.check_passed else "failed"


def checklist(*, party_organization: PartyOrganization) -> list[ItemRow]:
    """The five items of a party organization (already fetched through the user's scope)."""
    items = {
        i.item: i
        for i in ChecklistItem.objects.filter(party_organization=party_organization)
        .select_related("checked_by", "checked_evidence")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")))
    }
    return [
        ItemRow(
            code=code,
            label=str(FiveOnesItem(code).label),
            hint=str(ITEM_HINTS[code]),
            item=items.get(code),
            evidence=list(items[code].evidence.all()) if code in items else [],
        )
        for code in rules.ITEMS
    ]


@dataclass
class OrganizationCompletion:
    party_organization: PartyOrganization
    done: set[str] = field(default_factory=set)
    to_check: set[str] = field(default_factory=set)

    @property
    def items_done(self) -> int:
        return len(self.done)

    @property
    def rate(self) -> Decimal | None:
        return rules.completion_rate(len(self.done), len(rules.ITEMS))

    @property
    def complete(self) -> bool:
        return len(self.done) == len(rules.ITEMS)


@dataclass
class TownshipCompletion:
    township: AdministrativeUnit
    party_organizations: int = 0
    items_done: int = 0
    complete: int = 0

    @property
    def items_total(self) -> int:
        return self.party_organizations * len(rules.ITEMS)

    @property
    def rate(self) -> Decimal | None:
        return rules.completion_rate(self.items_done, self.items_total)


@dataclass(frozen=True)
class Completion:
    townships: list[TownshipCompletion]
    organizations: list[OrganizationCompletion]  # of the chosen township (or of every one)

    @property
    def total(self) -> TownshipCompletion | None:
        if not self.townships:
            return None
        county = TownshipCompletion(township=self.townships[0].township)
        for row in self.townships:
            county.party_organizations += row.party_organizations
            county.items_done += row.items_done
            county.complete += row.complete
        return county


def completion(*, user: User, township: AdministrativeUnit | None = None) -> Completion:
    """Completion of the checklist over the party organizations in the user's scope that exist
    today: per township, and per party organization of ``township`` (of all when None)."""
    party_orgs = list(
        party_organizations_for(user=user).filter(dissolved_on__isnull=True).order_by("township__code", "name")
    )
    marks: dict[int, OrganizationCompletion] = {p.pk: OrganizationCompletion(p) for p in party_orgs}
    for po_id, item in ChecklistItem.objects.filter(DONE, party_organization_id__in=marks.keys()).values_list(
        "party_organization_id", "item"
    ):
        marks[po_id].done.add(item)
    for po_id, item in (
        ChecklistItem.objects.filter(party_organization_id__in=marks.keys(), check_passed__isnull=True)
        .annotate(n=Count("evidence"))
        .filter(n__gt=0)
        .values_list("party_organization_id", "item")
    ):
        marks[po_id].to_check.add(item)
    townships: dict[int, TownshipCompletion] = {}
    for mark in marks.values():
        po = mark.party_organization
        row = townships.setdefault(po.township_id, TownshipCompletion(po.township))
        row.party_organizations += 1
        row.items_done += mark.items_done
        row.complete += mark.complete
    chosen = [m for m in marks.values() if township is None or m.party_organization.township_id == township.pk]
    return Completion(townships=sorted(townships.values(), key=lambda r: r.township.code), organizations=chosen)


# --- The five-goods assessment --------------------------------------------------------------------


def five_goods_subquery(on: dt.date, ref: str) -> Subquery:
    """Whether the party organization ``ref`` names counts as five-goods on ``on``: its latest
    assessment of ``on``'s year or the year before, made on or before ``on``, gave the result
    五个好 (null without one). The one home of the rule; the coverage indicator reads it."""
    return Subquery(
        FiveGoodsAssessment.objects.filter(
            party_organization_id=OuterRef(ref), year__gte=on.year - 1, year__lte=on.year, assessed_on__lte=on
        )
        .order_by("-year")
        .annotate(five_goods=ExpressionWrapper(Q(result=rules.FIVE_GOODS), output_field=BooleanField()))
        .values("five_goods")[:1],
        output_field=BooleanField(),
    )


@dataclass(frozen=True)
class AssessmentRow:
    party_organization: PartyOrganization
    assessment: FiveGoodsAssessment | None


@dataclass(frozen=True)
class AssessmentSheet:
    year: int
    rows: list[AssessmentRow]

    @property
    def assessed(self) -> int:
        return sum(1 for r in self.rows if r.assessment is not None)

    @property
    def five_goods(self) -> int:
        return sum(1 for r in self.rows if r.assessment is not None and r.assessment.result == rules.FIVE_GOODS)

    @property
    def share(self) -> Decimal | None:
        return rules.completion_rate(self.five_goods, len(self.rows))

    def by_result(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for r in self.rows:
            counts[r.assessment.result if r.assessment else ""] += 1
        return dict(counts)


def assessment_sheet(*, user: User, year: int, township: AdministrativeUnit | None = None) -> AssessmentSheet:
    """The party organizations in the user's scope that existed at the end of ``year`` (founded by
    then, not dissolved before), each with its assessment of the year or none."""
    year_end = dt.date(year, 12, 31)
    party_orgs = party_organizations_for(user=user).filter(
        Q(founded_on__lte=year_end), Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=year_end)
    )
    if township is not None:
        party_orgs = party_orgs.filter(township=township)
    assessments = {
        a.party_organization_id: a
        for a in FiveGoodsAssessment.objects.filter(
            year=year, party_organization_id__in=party_orgs.values("pk")
        ).select_related("assessed_by")
    }
    return AssessmentSheet(
        year=year,
        rows=[
            AssessmentRow(p, assessments.get(p.pk)) for p in party_orgs.order_by("township__code", "name_normalized")
        ],
    )


def assessment_of(*, party_organization: PartyOrganization, year: int) -> FiveGoodsAssessment | None:
    """Of a party organization already fetched through the user's scope."""
    return FiveGoodsAssessment.objects.filter(party_organization=party_organization, year=year).first()


def assessment_years() -> list[int]:
    this_year = today().year
    first = FiveGoodsAssessment.objects.order_by("year").values_list("year", flat=True).first() or this_year
    return list(range(this_year, min(first, this_year) - 1, -1))
